//! Deterministic failure points, for the crash-safety tests: `hit(step)`
//! aborts the process at once when the environment variable
//! `COTISATIONS_ECHEC_TEST` names that step, as a power cut or a `kill -9`
//! would stop it there. `std::process::abort` raises SIGABRT: no destructor
//! runs, so the lock file (`.NAME.lock`) and the staging folder stay, for
//! the next run to clean up.
//!
//! The steps, in the order a run meets them:
//!
//! - `lot-N` (`hit_lot`): chunk N (from 1) of the batch's PDFs is rendered,
//!   written and handed to the sequential writer (ledger, summary, manifest
//!   entries), the next chunk not started (`batch::output`);
//! - `avant-manifeste`: every file of the batch written and flushed, the
//!   manifest not yet written;
//! - `avant-publication`: the manifest written and flushed, the staging
//!   folder not yet renamed into place;
//! - `apres-publication`: the staging folder swapped into place, the
//!   replaced content (the old batch) not yet removed; met by every folder
//!   `batch::output` publishes, a credit-note folder's too;
//! - `avoir-avant-manifeste`, `avoir-avant-publication`: the same two
//!   steps of `cotisations avoir`'s folder (`commands::avoir`);
//! - `envoi-avant-message-N`: `cotisations envoi` about to hand its N-th
//!   message (from 1) to the relay, the messages before it journalled;
//! - `envoi-apres-acceptation-N`: the relay accepted the N-th message, its
//!   acceptance not yet journalled (the one message a rerun repeats).
//!
//! Compiled in debug builds only (`cfg(debug_assertions)`: what `cargo
//! test` builds and runs). In a release build `hit` and `hit_lot` do
//! nothing and the variable is never read: the environment cannot stop a
//! production run. In a debug build the variable is read once, at the
//! first step met (`OnceLock`); each step then costs a comparison.

/// The variable naming the step to abort at.
pub const VARIABLE: &str = "COTISATIONS_ECHEC_TEST";

/// Aborts the process if `COTISATIONS_ECHEC_TEST` is `step` (debug builds
/// only).
#[inline]
pub fn hit(step: &str) {
    #[cfg(debug_assertions)]
    if armed::target().is_some_and(|t| t.step == step) {
        armed::abort(step);
    }
    #[cfg(not(debug_assertions))]
    let _ = step;
}

/// Aborts the process if `COTISATIONS_ECHEC_TEST` is `lot-N` with `N` =
/// `chunk` (counted from 1; debug builds only).
#[inline]
pub fn hit_lot(chunk: usize) {
    #[cfg(debug_assertions)]
    if let Some(t) = armed::target()
        && t.lot == Some(chunk)
    {
        armed::abort(&t.step);
    }
    #[cfg(not(debug_assertions))]
    let _ = chunk;
}

#[cfg(debug_assertions)]
mod armed {
    use std::sync::OnceLock;

    /// The step the variable names, and its chunk number for `lot-N`.
    pub(super) struct Target {
        pub(super) step: String,
        pub(super) lot: Option<usize>,
    }

    /// The step to abort at, read from the environment once.
    pub(super) fn target() -> Option<&'static Target> {
        static TARGET: OnceLock<Option<Target>> = OnceLock::new();
        TARGET
            .get_or_init(|| {
                let step = std::env::var(super::VARIABLE).ok()?;
                let lot = step.strip_prefix("lot-").and_then(|n| n.parse().ok());
                Some(Target { step, lot })
            })
            .as_ref()
    }

    /// Says where it stops, then aborts (SIGABRT, no unwinding).
    pub(super) fn abort(step: &str) -> ! {
        eprintln!(
            "cotisations : arrêt simulé à l'étape « {step} » ({})",
            super::VARIABLE
        );
        std::process::abort()
    }
}
