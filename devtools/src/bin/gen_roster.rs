//! `gen_roster N [SEED] > roster.csv`: the synthetic roster of
//! `cotisations_devtools::write_roster` on stdout (developer tool).

use std::env;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use cotisations_devtools::{DEFAULT_SEED, write_roster};

const USAGE: &str = "usage: gen_roster N [SEED] > roster.csv";

fn parse_args(args: &[String]) -> Result<(u64, u64), String> {
    match args {
        [n] => Ok((parse_number(n, "N")?, DEFAULT_SEED)),
        [n, seed] => Ok((parse_number(n, "N")?, parse_number(seed, "SEED")?)),
        _ => Err("expected N and an optional SEED".to_owned()),
    }
}

fn parse_number(text: &str, what: &str) -> Result<u64, String> {
    text.parse()
        .map_err(|_| format!("{what} must be a non-negative integer, got {text:?}"))
}

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let (count, seed) = match parse_args(&args) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("gen_roster: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut out = BufWriter::new(io::stdout().lock());
    match write_roster(&mut out, count, seed).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // `| head` is a normal way to peek at the output.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_roster: {e}");
            ExitCode::FAILURE
        }
    }
}
