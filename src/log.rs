//! Run log on stderr: plain French lines, or one JSON object per line for
//! log collectors; `--quiet` keeps only errors. Never written into outputs.

use crate::cli::LogFormat;

/// Where and how messages for the operator go.
#[derive(Debug, Clone, Copy)]
pub struct Log {
    pub quiet: bool,
    pub format: LogFormat,
}

impl Log {
    fn emit(self, level: &str, message: &str) {
        match self.format {
            LogFormat::Texte => eprintln!("{message}"),
            LogFormat::Json => {
                let line = serde_json::json!({ "niveau": level, "message": message });
                eprintln!("{line}");
            }
        }
    }

    /// An informative message (hidden by `--quiet`).
    pub fn info(self, message: &str) {
        if !self.quiet {
            for line in message.lines() {
                self.emit("info", line);
            }
        }
    }

    /// A warning (hidden by `--quiet`).
    pub fn warn(self, message: &str) {
        if !self.quiet {
            self.emit("avertissement", message.trim_end());
        }
    }

    /// An error: always shown.
    pub fn error(self, message: &str) {
        match self.format {
            LogFormat::Texte => eprintln!("erreur : {}", message.trim_end()),
            LogFormat::Json => self.emit("erreur", message.trim_end()),
        }
    }

    /// Whether a progress bar may be drawn: a terminal, not quiet, text logs.
    #[must_use]
    pub fn progress_allowed(self) -> bool {
        use std::io::IsTerminal;
        !self.quiet && self.format == LogFormat::Texte && std::io::stderr().is_terminal()
    }
}
