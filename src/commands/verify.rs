//! `cotisations verify DIR`: says whether a batch folder (or a folder of
//! credit notes) is whole and untouched. The proof is
//! `crate::batch::verify`'s; this file only prints.

use crate::avoir;
use crate::batch::verify::verify_folder;
use crate::cli::VerifyArgs;
use crate::error::Error;
use crate::format_fr;
use crate::log::Log;

/// Verifies and reports.
///
/// # Errors
/// `Error::Verify` listing every problem found.
pub fn run(args: &VerifyArgs, log: &Log) -> Result<(), Error> {
    let d = verify_folder(&args.dir)?;
    let m = &d.manifest;
    let (folder, document) = if d.serie == avoir::SERIE {
        ("Dossier d'avoirs", "avoir")
    } else {
        ("Lot", "appel")
    };
    let range = match (m.appels.first(), m.appels.last()) {
        // A credit note folder holds one credit note.
        (Some(a), Some(b)) if a.numero == b.numero && d.serie == avoir::SERIE => a.numero.clone(),
        (Some(a), Some(b)) => format!("de {} à {}", a.numero, b.numero),
        _ => format!("aucun {document}"),
    };
    log.info("lot_intact", &format!(
        "{folder} « {} » intact : {} {document}{} ({range}), total {} ; empreintes, totaux et numérotation vérifiés.",
        args.dir.display(),
        m.appels.len(),
        if m.appels.len() > 1 { "s" } else { "" },
        format_fr::montant(m.total_ttc)
    ));
    Ok(())
}
