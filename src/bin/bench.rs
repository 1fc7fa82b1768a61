//! End-to-end benchmark of `cotisations run` (developer tool, `just bench N`).
//!
//! Generates a synthetic roster of N members (`gen_roster`, fixed seed),
//! runs the real release binary on it several times into a folder on the
//! work disk, and prints the median wall time, appels per second, mean PDF
//! size and peak RSS (from `wait4`). In the same run and the same folder it
//! measures the floor: creating, writing and fsyncing the same number of
//! files with the same sizes on the same number of threads, and prints our
//! time as a multiple of it. `--scaling` also runs on 1 and 2 threads.
//!
//! Usage: `cargo run --release --bin bench -- N [--runs R] [--threads T] [--scaling]`

// Timings and ratios are measurements, not money: floats are fine here.
#![allow(clippy::float_arithmetic, clippy::cast_precision_loss)]

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rayon::prelude::*;

struct Measure {
    wall: Duration,
    max_rss_kb: i64,
}

fn die(message: &str) -> ! {
    eprintln!("bench: {message}");
    std::process::exit(2);
}

/// Spawns `cmd`, waits for it with `wait4` and returns wall time and peak RSS.
fn measure(cmd: &mut Command) -> Measure {
    let start = Instant::now();
    // Reaped by `wait4` below, which also gives the peak RSS.
    #[allow(clippy::zombie_processes)]
    let child = cmd.spawn().unwrap_or_else(|e| die(&format!("spawn: {e}")));
    let pid = libc::pid_t::try_from(child.id()).unwrap_or_else(|_| die("pid"));
    let mut status = 0;
    // SAFETY: plain FFI call with valid pointers to locals; `rusage` is a
    // C struct for which all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &raw mut status, 0, &raw mut usage) };
    let wall = start.elapsed();
    if r < 0 || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        die(&format!("command failed: {cmd:?} (status {status})"));
    }
    Measure {
        wall,
        max_rss_kb: usage.ru_maxrss,
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Writes files of the given sizes like the batch does: create_new and write
/// each, one syncfs for all, fsync the folder, then rename it into place.
fn floor(dir: &Path, sizes: &[u64], threads: usize) -> Duration {
    let staging = dir.with_extension("staging");
    let _ = fs::remove_dir_all(dir);
    let _ = fs::remove_dir_all(&staging);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap_or_else(|e| die(&e.to_string()));
    let start = Instant::now();
    fs::create_dir_all(staging.join("appels")).unwrap_or_else(|e| die(&e.to_string()));
    pool.install(|| {
        sizes.par_iter().enumerate().for_each(|(i, &size)| {
            // Incompressible-looking but cheap bytes, built per file.
            let bytes: Vec<u8> = (0..size).map(|j| (j as u8) ^ (i as u8)).collect();
            let path = staging.join("appels").join(format!("AC-2027-{i:06}.pdf"));
            let mut f = File::create_new(&path).unwrap_or_else(|e| die(&e.to_string()));
            f.write_all(&bytes).unwrap_or_else(|e| die(&e.to_string()));
        });
    });
    // The same durability as the batch: one syncfs, then the folder.
    let d = File::open(staging.join("appels")).unwrap_or_else(|e| die(&e.to_string()));
    rustix::fs::syncfs(&d).unwrap_or_else(|e| die(&e.to_string()));
    d.sync_all().unwrap_or_else(|e| die(&e.to_string()));
    fs::rename(&staging, dir).unwrap_or_else(|e| die(&e.to_string()));
    let t = start.elapsed();
    let _ = fs::remove_dir_all(dir);
    t
}

struct Args {
    members: usize,
    runs: usize,
    threads: usize,
    scaling: bool,
}

fn args() -> Args {
    let mut a = Args {
        members: 35_000,
        runs: 3,
        threads: std::thread::available_parallelism().map_or(2, std::num::NonZero::get),
        scaling: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        let mut num = |name: &str| -> usize {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| die(&format!("{name} needs a number")))
        };
        match x.as_str() {
            "--runs" => a.runs = num("--runs").max(1),
            "--threads" => a.threads = num("--threads").max(1),
            "--scaling" => a.scaling = true,
            n => {
                a.members = n
                    .parse()
                    .unwrap_or_else(|_| die("usage: bench N [--runs R] [--threads T] [--scaling]"))
            }
        }
    }
    a
}

fn run_batch(bin: &Path, roster: &Path, out: &Path, threads: usize) -> Measure {
    measure(
        Command::new(bin)
            .args(["run", "--roster"])
            .arg(roster)
            .args([
                "--tariff",
                "input-samples/grille-2027.toml",
                "--emetteur",
                "templates/emetteur.toml",
            ])
            .arg("--out")
            .arg(out)
            .args([
                "--date-emission",
                "2027-01-15",
                "--force",
                "--quiet",
                "--threads",
            ])
            .arg(threads.to_string())
            .stdout(Stdio::null()),
    )
}

fn main() {
    let a = args();
    let target =
        PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
            .join("release");
    let bin = target.join("cotisations");
    let gen_bin = target.join("gen_roster");
    if !bin.exists() || !gen_bin.exists() {
        die("build first: cargo build --release --bins");
    }
    let work = PathBuf::from("bench-out");
    fs::create_dir_all(&work).unwrap_or_else(|e| die(&e.to_string()));
    let roster = work.join(format!("roster-{}.csv", a.members));
    if !roster.exists() {
        let out = File::create(&roster).unwrap_or_else(|e| die(&e.to_string()));
        measure(
            Command::new(&gen_bin)
                .arg(a.members.to_string())
                .stdout(out),
        );
    }
    let out = work.join(format!("lot-{}", a.members));

    let mut walls = Vec::new();
    let mut rss = 0;
    for _ in 0..a.runs {
        let m = run_batch(&bin, &roster, &out, a.threads);
        walls.push(m.wall);
        rss = rss.max(m.max_rss_kb);
    }
    let wall = median(walls);

    let mut sizes = Vec::new();
    for e in fs::read_dir(out.join("appels"))
        .unwrap_or_else(|e| die(&e.to_string()))
        .flatten()
    {
        sizes.push(e.metadata().map_or(0, |m| m.len()));
    }
    let appels = sizes.len();
    let total: u64 = sizes.iter().sum();
    let floor_time = median(
        (0..a.runs)
            .map(|_| floor(&work.join("floor"), &sizes, a.threads))
            .collect(),
    );

    let secs = wall.as_secs_f64();
    println!("membres        {}", a.members);
    println!("appels         {appels}");
    println!("fils           {}", a.threads);
    println!("temps (médiane de {}) {secs:.2} s", a.runs);
    println!("appels/s       {:.0}", appels as f64 / secs);
    println!(
        "taille moyenne {:.1} Ko",
        total as f64 / appels.max(1) as f64 / 1024.0
    );
    println!("RSS max        {:.1} Mo", rss as f64 / 1024.0);
    println!(
        "plancher E/S   {:.2} s (mêmes fichiers, mêmes tailles, fsync)",
        floor_time.as_secs_f64()
    );
    println!(
        "rapport        {:.2} × le plancher",
        secs / floor_time.as_secs_f64()
    );

    if a.scaling {
        let one = median(
            (0..a.runs)
                .map(|_| run_batch(&bin, &roster, &out, 1).wall)
                .collect(),
        );
        let two = median(
            (0..a.runs)
                .map(|_| run_batch(&bin, &roster, &out, 2).wall)
                .collect(),
        );
        println!(
            "échelle        1 fil {:.2} s, 2 fils {:.2} s : × {:.2}",
            one.as_secs_f64(),
            two.as_secs_f64(),
            one.as_secs_f64() / two.as_secs_f64()
        );
    }
}
