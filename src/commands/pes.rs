//! `cotisations pes DIR`: the PES V2 ORMC flows of the lots issued and not
//! yet carried, one entry of the exercice folder (series `PES`), and the
//! avoirs the finance software must enter (`docs/PES.md`).
//!
//! Glue only: reads the settings (the issuer's `[pes]`, the grid's product
//! codes), takes the exercice's lock, hands the lots to `batch::pes`,
//! inscribes the entry and reports.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::batch::BatchError;
use crate::batch::dossier::{self, Registre};
use crate::batch::error::PesRefusal;
use crate::batch::manifest::{DossierManifest, Entree, MANIFEST_FILE, sha256_hex};
use crate::batch::pes as flux;
use crate::cli::PesArgs;
use crate::error::{EmetteurSource, Error};
use crate::format_fr;
use crate::log::Log;
use crate::money::Montant;
use crate::pes::Reglages;

/// Writes the flows and reports where they went.
///
/// # Errors
/// `BatchError::Pes` (exit 2) for every refusal; nothing is written then.
pub fn run(args: &PesArgs, log: &Log) -> Result<(), Error> {
    if !(1..=crate::pes::MAX_PIECES_TYPE).contains(&args.max_pieces) || args.max_mo == 0 {
        return Err(BatchError::Pes(PesRefusal::Limites).into());
    }
    let max = super::run::MAX_THREADS;
    if args.threads.is_some_and(|n| n == 0 || n > max) {
        return Err(Error::Threads { max });
    }
    let asked = super::date_or_today(args.date.as_deref(), "--date")?;
    let inputs: Vec<PathBuf> = args.tariff.iter().chain(&args.emetteur).cloned().collect();
    let mut w = super::open_exercice(&args.dir, &inputs, log)?;
    let mut roles = args.renvoyer.clone();
    roles.sort_unstable();
    roles.dedup();
    let renvois = flux::renvois(&w.registre, &roles).map_err(BatchError::Pes)?;
    let lots = if roles.is_empty() {
        flux::lots_a_transmettre(&w.registre)
    } else {
        renvois.iter().map(|x| x.lot).collect()
    };
    if roles.is_empty() && lots.is_empty() && flux::avoirs_en_attente(&w.registre) == 0 {
        nothing(log);
        return Ok(());
    }
    let exercice = w.registre.exercice.exercice;
    let last_flow = w
        .registre
        .lignes
        .iter()
        .rev()
        .find(|l| l.serie == crate::pes::SERIE)
        .map(|l| l.date);
    let date = flux::date_bordereaux(asked, exercice, &lots, last_flow).map_err(BatchError::Pes)?;
    let settings = Settings::read(args, &w.registre)?;
    let Some(pes_settings) = &settings.emetteur.pes else {
        return Err(BatchError::Pes(PesRefusal::SansReglages {
            emetteur: settings.emetteur_path,
        })
        .into());
    };
    let siret: String = settings
        .emetteur
        .siret
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    let reglages = Reglages {
        emetteur: pes_settings,
        siret: &siret,
        grid: &settings.grid,
    };
    let opts = flux::Options {
        date,
        max_pieces: args.max_pieces,
        max_octets: args.max_mo * 1_000_000,
        compresser: args.compresser,
        grille: settings.grille,
        emetteur: settings.emetteur_entree,
    };
    let out = w.next_entry(crate::pes::SERIE);
    let pool = pool(args.threads)?;
    let contenu = if roles.is_empty() {
        flux::Contenu::Lots(&lots, pes_settings.premier_bordereau)
    } else {
        flux::Contenu::Renvois(&renvois)
    };
    let ecrit = pool.install(|| {
        flux::write_entry(
            &w.registre,
            &out,
            contenu,
            &reglages,
            &opts,
            w.registre.last_manifest(),
        )
    })?;
    w.commit_read(&out)?;
    report(log, &out, &ecrit, &w.registre.tete());
    Ok(())
}

/// The pool `pes` runs on: `threads`, else one thread per core.
fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Error> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        pool = pool.num_threads(n);
    }
    pool.build().map_err(|_| Error::ThreadPool)
}

/// « (envoi n° 2) » for a rôle sent again, nothing for its first sending.
#[must_use]
pub fn envoi_fr(envoi: u8) -> String {
    if envoi > 1 {
        format!("(envoi n° {envoi}) ")
    } else {
        String::new()
    }
}

/// Says there is nothing to transmit (exit 0).
fn nothing(log: &Log) {
    log.report(
        "rien_a_transmettre",
        "Rien à transmettre : chaque lot émis est déjà dans un flux PES, et chaque avoir dans une liste à saisir.\n",
        "Rien à transmettre",
        &[("bordereaux", 0.into())],
    );
}

/// The grid and the issuer a flow is written with, read and checked.
struct Settings {
    grid: crate::tariff::Grid,
    grille: Entree,
    emetteur: crate::emetteur::Emetteur,
    emetteur_path: PathBuf,
    emetteur_entree: Entree,
}

impl Settings {
    /// `--tariff` and `--emetteur`, else the files the newest lot was
    /// issued with.
    fn read(args: &PesArgs, r: &Registre) -> Result<Settings, Error> {
        let exercice = r.exercice.exercice;
        let recorded = recorded_inputs(r)?;
        let grid_path = args.tariff.clone().unwrap_or_else(|| recorded.0.clone());
        let grid_bytes = super::read_bytes(&grid_path)?;
        let grid = super::decode_grid(&grid_path, &grid_bytes)?;
        if grid.exercice != exercice {
            return Err(BatchError::Pes(PesRefusal::AutreExercice {
                grille: grid.exercice,
                exercice,
            })
            .into());
        }
        let (emetteur_path, from) = match &args.emetteur {
            Some(p) => (p.clone(), EmetteurSource::Option),
            None => (recorded.1.clone(), EmetteurSource::Manifest),
        };
        let (emetteur_bytes, emetteur) = super::read_emetteur(&emetteur_path, from)?;
        Ok(Settings {
            grid,
            grille: Entree {
                chemin: absolute(&grid_path),
                sha256: sha256_hex(&grid_bytes),
            },
            emetteur,
            emetteur_entree: Entree {
                chemin: absolute(&emetteur_path),
                sha256: sha256_hex(&emetteur_bytes),
            },
            emetteur_path,
        })
    }
}

/// The grid and issuer files the newest lot was issued with.
fn recorded_inputs(r: &Registre) -> Result<(PathBuf, PathBuf), Error> {
    let lot = r
        .lignes
        .iter()
        .rev()
        .find(|l| l.serie == crate::batch::manifest::SERIE_APPELS)
        .map(|l| r.root.join(&l.dossier))
        .unwrap_or_default();
    let bytes = crate::files::read_input(&lot.join(MANIFEST_FILE), crate::files::MAX_LEDGER_BYTES)?;
    let d = DossierManifest::parse(&bytes).map_err(|reason| BatchError::Dossier {
        path: r.root.clone(),
        problem: crate::batch::error::DossierProblem::EntreeIllisible {
            dossier: lot.display().to_string(),
            reason,
        },
    })?;
    Ok((
        PathBuf::from(&d.manifest.entrees.grille.chemin),
        PathBuf::from(&d.manifest.entrees.emetteur.chemin),
    ))
}

/// `path` made absolute (as the manifests record inputs).
fn absolute(path: &std::path::Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// Tells what went into which bordereau, and where.
fn report(log: &Log, out: &std::path::Path, e: &flux::Ecrit, tete: &str) {
    let m = &e.manifest;
    let total = m.bordereaux.iter().fold(Montant::ZERO, |a, b| a + b.total);
    let mut text = format!(
        "Flux PES du {} : {} bordereau{} ORMC, {} appel{}, total {}.\n",
        format_fr::date_longue(m.date),
        m.bordereaux.len(),
        if m.bordereaux.len() > 1 { "x" } else { "" },
        e.appels,
        if e.appels > 1 { "s" } else { "" },
        format_fr::montant(total),
    );
    for b in &m.bordereaux {
        let _ = writeln!(
            text,
            "  rôle n° {:<5} {}{} : {} à {}, {} pièce{}, {}  → {}/{}",
            b.id_bord,
            envoi_fr(b.envoi),
            b.lot,
            b.premier,
            b.dernier,
            b.pieces,
            if b.pieces > 1 { "s" } else { "" },
            format_fr::montant(b.total),
            out.display(),
            b.fichier
        );
    }
    if !e.remarques.is_empty() {
        let _ = writeln!(
            text,
            "Valeurs adaptées aux champs du flux : {} (détail dans {}/summary.json).",
            e.remarques.len(),
            out.display()
        );
    }
    if !m.avoirs.is_empty() {
        let _ = writeln!(
            text,
            "Avoirs à saisir dans le logiciel financier : {} ({}/{}).",
            m.avoirs.len(),
            out.display(),
            flux::AVOIRS_FILE
        );
    }
    if m.bordereaux.iter().all(|b| b.envoi > 1) {
        let _ = writeln!(
            text,
            "Taille des fichiers : {} Mo ; chaque rôle renvoyé garde les pièces de son premier envoi.",
            e.octets.div_ceil(1_000_000),
        );
    } else {
        let _ = writeln!(
            text,
            "Taille des fichiers : {} Mo ; limites : {} pièces, {} Mo par fichier.",
            e.octets.div_ceil(1_000_000),
            m.max_pieces,
            m.max_octets / 1_000_000
        );
    }
    let short = &tete[..tete.len().min(dossier::TETE_COURTE)];
    let _ = writeln!(text, "Tête du registre : {short}");
    let summary = text.lines().next().unwrap_or_default().to_string();
    log.report(
        "flux_pes",
        &text,
        &summary,
        &[
            ("bordereaux", m.bordereaux.len().into()),
            ("appels", e.appels.into()),
            ("total_ttc", total.to_string().into()),
            ("dossier", out.display().to_string().into()),
        ],
    );
}
