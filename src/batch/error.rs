//! The errors of the batch layer, the only writer of a folder: where a
//! batch may go (`destination`), writing and publishing it (`output`), and
//! proving a folder intact (`verify`). Data only; `crate::error` words them.

use std::path::PathBuf;

use super::destination::{FileRefusal, Refusal};
use crate::files::FileError;
use crate::pricing::PricingError;
use crate::render::RenderError;
use crate::report::ReportError;

/// What stops a batch from being planned, written or verified.
#[derive(Debug)]
pub enum BatchError {
    /// A file or folder of the batch could not be read or written.
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// An input or output file the program cannot use as it is.
    File(FileError),
    /// The output folder already holds a finished batch.
    OutputExists { path: PathBuf },
    /// A single output file (`compare --csv`) that may not be written.
    OutputFile { path: PathBuf, reason: FileRefusal },
    /// The output folder cannot receive a batch.
    Destination { path: PathBuf, reason: Refusal },
    /// Another run holds the lock on the output location.
    Locked { path: PathBuf, holder: String },
    /// A batch folder failed verification.
    Verify { dir: PathBuf, problems: Vec<String> },
    /// An appel could not be laid out.
    Render(RenderError),
    /// The batch report (`rapport.pdf`) could not be built.
    Report(ReportError),
    /// A member that cannot be priced (a quantity × price that does not
    /// fit: validation refuses it first).
    Pricing { membre: String, error: PricingError },
}

impl BatchError {
    /// Shorthand for an I/O error on `path`.
    pub fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> BatchError {
        let path = path.into();
        move |source| BatchError::Io {
            action,
            path,
            source,
        }
    }
}

impl From<FileError> for BatchError {
    fn from(e: FileError) -> BatchError {
        BatchError::File(e)
    }
}

impl From<RenderError> for BatchError {
    fn from(e: RenderError) -> BatchError {
        BatchError::Render(e)
    }
}

impl From<ReportError> for BatchError {
    fn from(e: ReportError) -> BatchError {
        BatchError::Report(e)
    }
}
