//! Integration tests of the `cotisations` binary: one test binary, one
//! module per area. Every test runs the real executable in a temporary
//! folder and checks its exit code and its French messages.

mod util;

mod avoir;
mod billing_year;
mod catalogue;
mod commands;
mod compare;
mod compliance;
mod cron;
mod csv_files;
mod envoi;
mod etat;
mod exercice;
mod grid_errors;
mod inputs;
mod layers;
mod pes;
mod readme;
mod report;
mod roster_errors;
mod run;
mod safety;
mod streams;
mod verify;
