//! `cotisations`: the annual billing batch of a Centre de Gestion.
//!
//! The pipeline, one module per step:
//!
//! ```text
//! roster (CSV) ──read──► rows ──validate──► roster::Member ─────────────┐
//! tariff (TOML) ────────► tariff::Grid ─────────────────────────────────┼─► pricing::price (pure, per member)
//!                                                                       │     ─► numbering::number (roster order)
//!                                                                       │     ─► render (Appel → PDF bytes)
//!                                                                       │     ─► ledger (Appels → CSV rows)
//!                                                                       └──► batch (the only file writer)
//! ```
//!
//! The core (`tariff`, `roster`, `pricing`, `numbering`, `avoir`, `render`,
//! `ledger`) does no file I/O, reads no clock and starts no thread pool;
//! `batch` and `commands` sit around it.

pub mod appel;
pub mod avoir;
pub mod batch;
pub mod charset;
pub mod cli;
pub mod commands;
pub mod compare;
pub mod csv_out;
pub mod emetteur;
pub mod error;
pub mod facturx;
pub mod failpoint;
pub mod files;
pub mod format_fr;
#[cfg(test)]
mod fuzz_tests;
pub mod ident;
pub mod ledger;
pub mod log;
pub mod money;
pub mod numbering;
pub mod pricing;
pub mod render;
pub mod report;
pub mod roster;
pub mod tariff;
#[cfg(test)]
mod testing;
