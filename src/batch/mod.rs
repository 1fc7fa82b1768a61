//! The batch around the pure core: parallel pricing (`plan`), the run
//! summary, and the only code that writes files (`output`).

pub mod credit;
pub mod destination;
pub mod dossier;
pub mod entree_pes;
pub mod envoi;
pub mod envoi_error;
pub mod error;
pub mod manifest;
pub mod output;
pub mod pes;
pub mod plan;
pub mod register;
pub mod smtp;
pub mod verify;

pub use error::BatchError;
pub use output::write_batch;
pub use plan::plan;
// The summary is pure (`crate::summary`); `output` reaches it from here.
pub(crate) use crate::summary;
