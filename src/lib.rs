//! `cotisations`: the annual billing batch of a Centre de Gestion.
//!
//! The pipeline, one module per step (the layers, which way they point and
//! the glossary: `docs/ARCHITECTURE.md`):
//!
//! ```text
//! roster (CSV, workbook) ─ roster::read ─► rows ─ roster::validate ─► Member ─┐
//! grid (TOML) ─ tariff ─► Grid ── issuer (TOML) ─ emetteur ─► Emetteur ───────┼─► pricing (pure, per member)
//!                                                                             │    ─► numbering (roster order) ─► Appel
//!                                                                             │    ─► render (Appel → PDF bytes), facturx (XML)
//!                                                                             │    ─► ledger (Appels → CSV), summary, report
//!                                                                             └──► batch (the only writer of a folder)
//! ```
//!
//! Foundations: `money`, `format_fr`, `charset`, `ident`, `xml`, `csv_out`,
//! `reasons`, `columns`. Inputs: `roster`, `tariff`, `emetteur`, `ledger::read`. Core:
//! `pricing`, `numbering`, `appel`, `avoir`, `summary`, `compare`, `exercice`.
//! Outputs: `render`, `facturx`, `ledger`, `report`, `text` (the terminal's
//! tables), `pes` (the PES V2 flows for Hélios), `roster::rejects`. I/O: `batch` (`plan`, `output`, `verify`,
//! `dossier` for the exercice folder and its register, `credit` for
//! `avoir`), `files`.
//! Glue: `commands`, `cli`, `log`, `error`. Everything but the I/O and the
//! glue does no file I/O, reads no clock and starts no thread pool.

pub mod appel;
pub mod avoir;
pub mod batch;
pub mod charset;
pub mod cli;
pub mod columns;
pub mod commands;
pub mod compare;
pub mod csv_out;
pub mod emetteur;
pub mod envoi;
pub mod error;
pub mod exercice;
pub mod facturx;
pub mod failpoint;
pub mod files;
pub mod format_fr;
#[cfg(test)]
mod fuzz_tests;
pub mod ident;
#[cfg(test)]
mod invariant_tests;
pub mod ledger;
pub mod log;
pub mod money;
pub mod numbering;
pub mod pes;
pub mod pricing;
pub mod reasons;
pub mod relay;
pub mod render;
pub mod report;
pub mod roster;
pub mod summary;
pub mod tariff;
#[cfg(test)]
mod testing;
pub mod text;
pub mod xml;
