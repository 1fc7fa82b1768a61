//! The run log: what the program tells the operator, on stderr and, with
//! `--journal FICHIER`, appended to a file for cron.
//!
//! On stderr: plain French lines, or one JSON object per event with
//! `--log-format json`; `--quiet` keeps only errors. In the journal: every
//! event whatever `--quiet` says, each line stamped with ISO 8601 local
//! time, and always a final `fin` line (command, exit code, counts,
//! duration). Logging is best effort: a full or closed stderr or journal
//! never stops a run, and nothing here panics.
//!
//! Also the one writer of stdout (`print_stdout`), for the commands whose
//! result is text (`quote`, `tarifs`, `compare`): a reader that closes the
//! pipe early (`| head`) ends the output quietly.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{self, Write};
use std::sync::Mutex;
use std::time::Instant;

use serde_json::{Map, Value};

use crate::cli::LogFormat;
use crate::error::Error;

/// How serious an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Avertissement,
    Erreur,
}

impl Level {
    fn code(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Avertissement => "avertissement",
            Level::Erreur => "erreur",
        }
    }
}

/// A named value of an event (`appels_emis`, `total_ttc`…).
pub type Field = (&'static str, Value);

/// Where and how messages for the operator go.
#[derive(Debug)]
pub struct Log {
    quiet: bool,
    format: LogFormat,
    journal: Option<Mutex<File>>,
    /// The subcommand, for the final line.
    command: String,
    started: Instant,
    /// Counts the command reported, repeated on the final line.
    counts: Mutex<Vec<Field>>,
}

impl Log {
    /// A log for `command` (`run`, `check`…), with the journal already
    /// opened by the caller.
    #[must_use]
    pub fn new(quiet: bool, format: LogFormat, journal: Option<File>, command: &str) -> Log {
        Log {
            quiet,
            format,
            journal: journal.map(Mutex::new),
            command: command.to_string(),
            started: Instant::now(),
            counts: Mutex::new(Vec::new()),
        }
    }

    /// A log that writes nothing anywhere (tests of the library).
    #[must_use]
    pub fn silent() -> Log {
        Log::new(true, LogFormat::Texte, None, "")
    }

    /// An informative message (hidden by `--quiet`).
    pub fn info(&self, event: &'static str, message: &str) {
        self.event(Level::Info, event, message, None, &[]);
    }

    /// A warning (hidden by `--quiet`).
    pub fn warn(&self, event: &'static str, message: &str) {
        self.event(Level::Avertissement, event, message, None, &[]);
    }

    /// An error: always shown.
    pub fn error(&self, event: &'static str, message: &str) {
        self.event(Level::Erreur, event, message, None, &[]);
    }

    /// A result with structured fields: `screen` is what a person reads in
    /// text mode (several lines, aligned); JSON and the journal get the
    /// one-line `summary` and the fields instead. The fields are also
    /// repeated on the final line.
    pub fn report(&self, event: &'static str, screen: &str, summary: &str, fields: &[Field]) {
        if let Ok(mut counts) = self.counts.lock() {
            counts.extend(fields.iter().cloned());
        }
        self.event(Level::Info, event, summary, Some(screen), fields);
    }

    /// The final line, once the exit code is known: in the journal always,
    /// on stderr in JSON mode unless `--quiet` (text mode keeps the screen
    /// uncluttered; cron mails nothing for a quiet run).
    pub fn finish(&self, code: i32) {
        let elapsed = self.started.elapsed();
        let millis = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        let mut fields: Vec<Field> = vec![
            ("commande", Value::from(self.command.clone())),
            ("code_sortie", Value::from(code)),
            ("duree_ms", Value::from(millis)),
        ];
        if let Ok(counts) = self.counts.lock() {
            fields.extend(counts.iter().cloned());
        }
        let command = if self.command.is_empty() {
            "cotisations".to_string()
        } else {
            format!("cotisations {}", self.command)
        };
        let summary = format!(
            "fin de « {command} » : code de sortie {code}, durée {},{:03} s",
            millis / 1000,
            millis % 1000
        );
        let level = if code == 0 {
            Level::Info
        } else {
            Level::Erreur
        };
        if self.format == LogFormat::Json && !self.quiet {
            emit_stderr(&json_line(level, "fin", &summary, &fields));
        }
        self.journal_lines(level, "fin", &summary, &fields);
    }

    /// Whether a progress bar may be drawn: a terminal, not quiet, text logs.
    #[must_use]
    pub fn progress_allowed(&self) -> bool {
        use std::io::IsTerminal;
        !self.quiet && self.format == LogFormat::Texte && io::stderr().is_terminal()
    }

    fn event(
        &self,
        level: Level,
        event: &'static str,
        message: &str,
        screen: Option<&str>,
        fields: &[Field],
    ) {
        let message = message.trim_end();
        if level == Level::Erreur || !self.quiet {
            match self.format {
                LogFormat::Texte => {
                    let text = screen.unwrap_or(message).trim_end();
                    let text = if level == Level::Erreur {
                        format!("erreur : {text}\n")
                    } else {
                        format!("{text}\n")
                    };
                    emit_stderr(&text);
                }
                LogFormat::Json => emit_stderr(&json_line(level, event, message, fields)),
            }
        }
        self.journal_lines(level, event, message, fields);
    }

    fn journal_lines(&self, level: Level, event: &str, message: &str, fields: &[Field]) {
        let Some(journal) = &self.journal else {
            return;
        };
        let text = match self.format {
            LogFormat::Json => json_line(level, event, message, fields),
            LogFormat::Texte => {
                let stamp = timestamp();
                let mut text = String::new();
                let mut lines = message.lines();
                let first = lines.next().unwrap_or_default();
                let _ = write!(text, "{stamp} {} {event} : {first}", level.code());
                for (key, value) in fields {
                    let value = match value {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    let _ = write!(text, " {key}={value}");
                }
                text.push('\n');
                // A message of several lines (every error of a roster):
                // one stamped line each, so that each can be found by grep.
                for line in lines {
                    let _ = writeln!(text, "{stamp} {} {event} : {line}", level.code());
                }
                text
            }
        };
        if let Ok(mut file) = journal.lock() {
            // One write per event, so that two runs appending to the same
            // journal do not interleave within a line; failure is ignored.
            let _ = file.write_all(text.as_bytes());
        }
    }
}

/// The local time, ISO 8601 to the second with its offset.
fn timestamp() -> String {
    chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

fn json_line(level: Level, event: &str, message: &str, fields: &[Field]) -> String {
    let mut map = Map::new();
    map.insert("horodatage".into(), Value::from(timestamp()));
    map.insert("niveau".into(), Value::from(level.code()));
    map.insert("evenement".into(), Value::from(event));
    map.insert("message".into(), Value::from(message));
    for (key, value) in fields {
        map.insert((*key).into(), value.clone());
    }
    let mut line = Value::Object(map).to_string();
    line.push('\n');
    line
}

/// Writes to stderr, ignoring any failure: a full log disk or a closed
/// stderr must not stop a run.
fn emit_stderr(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

/// Writes a command's result on stdout. A closed pipe (`| head`) is not
/// an error: the reader has what it wanted.
///
/// # Errors
/// `Error::Io` when stdout cannot be written for another reason (a full
/// disk behind a redirection).
pub fn print_stdout(text: &str) -> Result<(), Error> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(Error::Io {
            action: "écrire sur la sortie standard",
            path: "(sortie standard)".into(),
            source: e,
        }),
        _ => Ok(()),
    }
}
