//! `cotisations verify DIR`: says whether an exercice folder, or one of
//! its entries, is whole and untouched. The proof is
//! `crate::batch::verify`'s; this file only prints.

use crate::avoir;
use crate::batch::dossier;
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
    if dossier::is_exercice(&args.dir) {
        return exercice(args, log);
    }
    if args.tete.is_some() {
        return Err(Error::TeteSansExercice {
            path: args.dir.clone(),
        });
    }
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

/// Verifies a whole exercice folder and reports.
fn exercice(args: &VerifyArgs, log: &Log) -> Result<(), Error> {
    let v = dossier::verify(&args.dir, args.tete.as_deref())?;
    // The send journal of `envoi`, against the register just proven.
    let envois = crate::batch::envoi::check_journal(&args.dir, &v.registre);
    if !envois.is_empty() {
        return Err(crate::batch::BatchError::VerifyExercice {
            dir: args.dir.clone(),
            problems: envois
                .into_iter()
                .map(
                    |(ligne, raison)| crate::batch::error::ExerciceProblem::JournalEnvois {
                        ligne,
                        raison,
                    },
                )
                .collect(),
        }
        .into());
    }
    let state = &v.state;
    let series = |serie: &str, what: &str| {
        let (n, first, last, total) = state.series(serie);
        match (first, last) {
            (Some(a), Some(b)) if a == b => {
                format!("1 {what} ({a}, {})", format_fr::montant(total))
            }
            (Some(a), Some(b)) => format!("{n} {what}s ({a} à {b}, {})", format_fr::montant(total)),
            _ => format!("aucun {what}"),
        }
    };
    let tete = v.registre.tete();
    let short = &tete[..tete.len().min(dossier::TETE_COURTE)];
    let entries = v.registre.lignes.len();
    log.info(
        "exercice_intact",
        &format!(
            "Exercice {} « {} » intact : {} entrée{}, {}, {} ; tête du registre {}{}. Empreintes, chaîne des entrées, registre, séries et journal vérifiés.",
            v.registre.exercice.exercice,
            args.dir.display(),
            entries,
            if entries > 1 { "s" } else { "" },
            series(crate::numbering::SERIE, "appel"),
            series(avoir::SERIE, "avoir"),
            if short.is_empty() { "(vide)" } else { short },
            match &args.tete {
                Some(t) => format!(", qui prolonge la tête {t} donnée"),
                None => String::new(),
            }
        ),
    );
    Ok(())
}
