//! `cotisations etat DOSSIER…`: the state of an exercice from its folders
//! (the main batch, its supplementary batches, its credit note folders),
//! each verified first: what each member was issued, and what breaks the
//! series across folders. The state is `crate::exercice`'s; this file reads
//! and prints.

use std::path::Path;

use crate::batch::BatchError;
use crate::batch::destination::write_output_file;
use crate::batch::verify::verify_folder;
use crate::cli::EtatArgs;
use crate::error::Error;
use crate::exercice::Wanted;
use crate::log::Log;
use std::fmt::Write as _;

/// Prints the state; fails when the folders break a rule of the series.
///
/// # Errors
/// A folder that fails verification, a CSV that cannot be written, and
/// `BatchError::Register` with every rule broken.
pub fn run(args: &EtatArgs, log: &Log) -> Result<(), Error> {
    // An exercice folder stands for its entries, read in their committed
    // state (a writer in progress is waited for).
    let mut dirs = Vec::new();
    let mut tete = None;
    let mut exercice_folder = None;
    let mut shared = Vec::new();
    for dir in &args.dirs {
        if crate::batch::dossier::is_exercice(dir) {
            shared.push(crate::batch::dossier::lock_shared(dir)?);
            let registre = crate::batch::dossier::read_registre(dir)?;
            tete = Some(registre.tete());
            dirs.extend(registre.dossiers());
            exercice_folder.get_or_insert((dir.clone(), registre));
        } else {
            dirs.push(dir.clone());
        }
    }
    let args_dirs = &dirs;
    let folders = args_dirs
        .iter()
        .map(|dir| verify_folder(dir))
        .collect::<Result<Vec<_>, _>>()?;
    let mut register = crate::batch::register::register(&folders);
    register
        .problems
        .extend(crate::batch::register::lot_links(args_dirs, &folders)?);
    let items = crate::batch::register::item_totals(args_dirs, &folders)?;
    let mut text = crate::text::register(&register);
    if let Some(tete) = &tete {
        let short = &tete[..tete.len().min(crate::batch::dossier::TETE_COURTE)];
        let _ = writeln!(
            text,
            "Tête du registre : {}",
            if short.is_empty() {
                "(aucune entrée)"
            } else {
                short
            }
        );
    }
    text.push_str(&crate::text::item_totals(&items));
    if let Some((_, registre)) = &exercice_folder {
        text.push_str(&flux_text(registre));
    }
    // What was sent, how and when (`cotisations envoi`).
    if let Some((dir, _)) = &exercice_folder {
        let lignes = crate::batch::envoi::read_journal(dir)?;
        text.push_str(&crate::envoi::journal::resume(&lignes));
    }
    if let (Some(roster), Some(tariff)) = (&args.roster, &args.tariff) {
        let exercice = folders.first().map(|d| d.manifest.exercice);
        let (wanted, members, grid) = wanted(roster, args.feuille.as_deref(), tariff, exercice)?;
        text.push_str(&crate::text::pending(&register.pending(&wanted), roster));
        // Against an exercice folder, what its next projet would list: the
        // members issued whose roster lines changed.
        if let Some((dir, registre)) = &exercice_folder {
            let tri = super::run::trier(members, &grid, registre)?;
            text.push_str(&super::run::ecarts_text(dir, &tri));
        }
    }
    crate::log::print_stdout(&text)?;
    if let Some(out) = &args.csv {
        let encoding = super::run::encoding(args.csv_encodage);
        let bytes = crate::text::register_csv(&register, encoding);
        for dir in write_output_file(out, &bytes, args.force, &args.dirs)? {
            log.info("dossier_cree", &format!("Dossier créé : {}", dir.display()));
        }
    }
    if register.problems.is_empty() {
        Ok(())
    } else {
        Err(BatchError::Register {
            problems: register.problems,
        }
        .into())
    }
}

/// The roster's members, validated as `run` validates them (every row
/// valid), priced with `tariff`: what the roster wants billed; and the
/// members and the grid themselves.
fn wanted(
    roster: &Path,
    sheet: Option<&str>,
    tariff: &Path,
    exercice: Option<i32>,
) -> Result<(Vec<Wanted>, Vec<crate::roster::Member>, crate::tariff::Grid), Error> {
    let grid = super::load_grid(tariff)?;
    if let Some(folders) = exercice
        && folders != grid.exercice
    {
        return Err(Error::GrilleAutreExercice {
            dossiers: folders,
            grille: grid.exercice,
            path: tariff.to_path_buf(),
        });
    }
    let bytes = crate::files::read_input(roster, crate::files::MAX_ROSTER_BYTES)?;
    let validated = super::validate_roster(roster, &bytes, sheet, &grid, Some(grid.exercice))?;
    if !validated.errors.is_empty() {
        return Err(Error::Roster {
            path: roster.to_path_buf(),
            errors: validated.errors,
        });
    }
    let wanted = crate::exercice::wanted(validated.members.clone(), &grid)
        .map_err(|(membre, error)| Error::Pricing { membre, error })?;
    Ok((wanted, validated.members, grid))
}

/// Which lot went into which bordereau of which PES flow, the lots not
/// carried yet, and the avoirs listed for the finance software.
fn flux_text(r: &crate::batch::dossier::Registre) -> String {
    let mut text = String::new();
    let flows: Vec<_> = r
        .lignes
        .iter()
        .filter(|l| l.serie == crate::pes::SERIE)
        .collect();
    let waiting = crate::batch::pes::lots_a_transmettre(r);
    if flows.is_empty() && waiting.is_empty() {
        return text;
    }
    let _ = writeln!(text, "Flux PES vers le comptable public :");
    for l in &flows {
        let _ = writeln!(
            text,
            "  {} du {} :",
            l.dossier,
            crate::format_fr::date_courte(l.date)
        );
        for b in &l.bordereaux {
            let _ = writeln!(
                text,
                "    rôle n° {} {}← {} : {} à {}, {} pièce{}, {}",
                b.id_bord,
                super::pes::envoi_fr(b.envoi),
                b.lot,
                b.premier,
                b.dernier,
                b.pieces,
                if b.pieces > 1 { "s" } else { "" },
                crate::format_fr::montant(b.total)
            );
        }
        if !l.avoirs_saisis.is_empty() {
            let _ = writeln!(
                text,
                "    avoirs à saisir dans le logiciel financier : {}",
                l.avoirs_saisis.join(", ")
            );
        }
    }
    for l in waiting {
        let _ = writeln!(
            text,
            "  {} : pas encore transmis (cotisations pes)",
            l.dossier
        );
    }
    text
}
