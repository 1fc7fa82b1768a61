//! `cotisations emettre DIR`: issues the projet of the exercice folder as
//! the next entry. The projet records its inputs (paths and hashes) and
//! the register's head it was built on; emission rebuilds it from the
//! same inputs with final numbers, and is refused if any of them, or the
//! register, changed since (the projet would no longer show what is
//! issued).

use std::path::PathBuf;

use crate::batch::BatchError;
use crate::batch::dossier::{self, PROJET_DIR};
use crate::batch::error::{DossierProblem, Perime};
use crate::batch::manifest::{MANIFEST_FILE, PdfFormat};
use crate::batch::verify::verify_folder;
use crate::cli::{
    CsvEncodingArg, CsvFormatArg, EmetteurArg, EmettreArgs, GridArg, PdfFormatArg, ProfilArg,
    RunOptions,
};
use crate::csv_out::{CsvFormat, Encoding};
use crate::error::Error;
use crate::facturx::Profile;
use crate::log::Log;

use super::run::{input_paths, issue, prepare};

/// Issues the projet; returns the exit code.
///
/// # Errors
/// `DossierProblem::PasDeProjet`, `DossierProblem::ProjetPerime`, and
/// whatever `run --emettre` fails with.
#[allow(
    clippy::too_many_lines,
    reason = "the projet's record turned back into run's options, field by field"
)]
pub fn run(args: &EmettreArgs, log: &Log) -> Result<i32, Error> {
    let refuse = |problem| -> Error {
        BatchError::Dossier {
            path: args.dir.clone(),
            problem,
        }
        .into()
    };
    let projet_dir = args.dir.join(PROJET_DIR);
    if !dossier::is_exercice(&args.dir) {
        return Err(refuse(DossierProblem::PasDExercice));
    }
    if !projet_dir.join(MANIFEST_FILE).is_file() {
        return Err(refuse(DossierProblem::PasDeProjet));
    }
    let projet = verify_folder(&projet_dir).map_err(|e| match e {
        BatchError::Verify { problems, .. } => {
            refuse(DossierProblem::ProjetPerime(Perime::Abime { problems }))
        }
        other => other.into(),
    })?;
    let m = projet.manifest;
    let Some(record) = m.projet.clone() else {
        return Err(refuse(DossierProblem::PasDeProjet));
    };
    let (format, profil) = match record.format_pdf {
        PdfFormat::Plain => (PdfFormatArg::Pdf, ProfilArg::En16931),
        PdfFormat::FacturX(Profile::Basic) => (PdfFormatArg::Facturx, ProfilArg::Basic),
        PdfFormat::FacturX(Profile::En16931) => (PdfFormatArg::Facturx, ProfilArg::En16931),
    };
    let o = RunOptions {
        roster: PathBuf::from(&record.role),
        feuille: record.feuille.clone(),
        grid: GridArg {
            tariff: PathBuf::from(&record.grille),
        },
        emetteur: EmetteurArg {
            path: Some(PathBuf::from(&record.emetteur)),
        },
        exercice: None,
        // The projet's date unless another is asked.
        date_emission: Some(
            args.date_emission
                .clone()
                .unwrap_or_else(|| m.date_emission.to_string()),
        ),
        csv_format: match m.options.format_csv {
            CsvFormat::Francais => CsvFormatArg::Francais,
            CsvFormat::Rfc4180 => CsvFormatArg::Rfc4180,
        },
        csv_encodage: match m.options.encodage_csv {
            Encoding::Utf8 => CsvEncodingArg::Utf8,
            Encoding::Utf8Bom => CsvEncodingArg::Utf8Bom,
            Encoding::Windows1252 => CsvEncodingArg::Windows1252,
        },
        format,
        profil,
        threads: args.threads,
        skip_invalid: m.options.ignorer_invalides,
    };
    let changed = |quoi: &'static str, chemin: &str| {
        refuse(DossierProblem::ProjetPerime(Perime::Entree {
            quoi,
            chemin: chemin.to_string(),
        }))
    };
    // An input gone or unreadable is « changed » too: the projet cannot be
    // rebuilt as it was.
    let p = prepare(&o).map_err(|_| changed("un des fichiers d'entrée", &record.role))?;
    for (quoi, recorded, now, chemin) in [
        ("le rôle", &m.entrees.role, &p.entrees.role, &record.role),
        (
            "la grille",
            &m.entrees.grille,
            &p.entrees.grille,
            &record.grille,
        ),
        (
            "le fichier émetteur",
            &m.entrees.emetteur,
            &p.entrees.emetteur,
            &record.emetteur,
        ),
    ] {
        if recorded.sha256 != now.sha256 {
            return Err(changed(quoi, chemin));
        }
    }
    let w = dossier::open_writer(
        &args.dir,
        p.grid.exercice,
        (p.csv_format, p.csv_encoding),
        &input_paths(&o),
    )?;
    if w.registre.tete() != record.tete {
        return Err(refuse(DossierProblem::ProjetPerime(Perime::Registre)));
    }
    issue(log, &args.dir, w, p, &o, true)
}
