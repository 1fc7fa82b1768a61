//! `cotisations run`: the annual batch, from the input files to the
//! published output folder.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use chrono::{Datelike, Days, NaiveDate};

use crate::batch::manifest::{
    DejaFacture, Entree, Entrees, MANIFEST_FILE, Manifest, Options, sha256_hex,
};
use crate::batch::output::{
    Batch, Extras, OutputLock, OutputOptions, PdfFormat, check_destination,
};
use crate::batch::write_batch;
use crate::cli::{CsvFormatArg, PdfFormatArg, ProfilArg, RunArgs};
use crate::error::{Error, exit};
use crate::facturx::Profile;
use crate::ledger::CsvFormat;
use crate::log::Log;
use crate::numbering::Emission;
use crate::render::Renderer;
use crate::roster::{RosterError, RosterErrorKind, Validated};

use super::{decode_grid, load_emetteur, read_bytes, validate_roster};

/// Parses a date typed by a person: `2027-01-15` or `15/01/2027`.
///
/// # Errors
/// `Error::Usage` with a French message.
pub fn parse_date(text: &str, option: &str) -> Result<NaiveDate, Error> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .map_err(|_| {
            Error::Usage(format!(
                "{option} « {text} » n'est pas une date valide : écrivez-la AAAA-MM-JJ, par exemple 2027-01-15"
            ))
        })
}

/// What a supplementary run inherits from the previous batch.
struct Previous {
    first_rank: u32,
    billed: Vec<DejaFacture>,
}

fn load_previous(dir: &Path, exercice: i32) -> Result<Previous, Error> {
    let previous = |reason: String| Error::Previous {
        dir: dir.to_path_buf(),
        reason,
    };
    // A supplementary run continues only a batch that is whole and intact.
    super::verify::verify_dir(dir).map_err(|e| match e {
        Error::Verify { problems, .. } => previous(format!(
            "il n'est pas intact ({}) ; vérifiez-le avec « cotisations verify »",
            problems.join(" ; ")
        )),
        other => other,
    })?;
    let manifest = Manifest::parse(&read_bytes(&dir.join(MANIFEST_FILE))?)
        .map_err(|e| previous(format!("manifest.json illisible ({e})")))?;
    if manifest.exercice != exercice {
        return Err(previous(format!(
            "il porte sur l'exercice {}, pas sur {exercice} : indiquez --exercice {}",
            manifest.exercice, manifest.exercice
        )));
    }
    let count = u32::try_from(manifest.appels.len()).unwrap_or(u32::MAX);
    let first_rank = manifest.options.premier_rang.saturating_add(count);
    let mut billed = manifest.deja_factures;
    billed.extend(manifest.appels.into_iter().map(|a| DejaFacture {
        membre_id: a.membre_id,
        numero: a.numero,
    }));
    Ok(Previous { first_rank, billed })
}

/// `rejects.csv`: one line per rejected roster row, with every reason.
fn rejects_csv(errors: &[RosterError], ids: &HashMap<u64, String>) -> Vec<u8> {
    let mut by_line: Vec<(u64, Vec<String>)> = Vec::new();
    for e in errors {
        let reason = match &e.column {
            Some((n, name)) => format!("colonne {n} « {name} » : {}", e.kind),
            None => e.kind.to_string(),
        };
        match by_line.last_mut() {
            Some((line, reasons)) if *line == e.line => reasons.push(reason),
            _ => by_line.push((e.line, vec![reason])),
        }
    }
    let mut w = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let _ = w.write_record(["ligne", "id", "motifs"]);
    for (line, reasons) in by_line {
        let id = ids.get(&line).map_or("", String::as_str);
        let _ = w.write_record([line.to_string().as_str(), id, &reasons.join(" | ")]);
    }
    w.into_inner().unwrap_or_default()
}

/// Runs the batch; returns the exit code (0, or 5 for a partial run).
///
/// # Errors
/// Any input error (nothing written) or output error (nothing published).
#[allow(clippy::too_many_lines)] // one linear story: read, check, write, report
pub fn run(args: &RunArgs, log: &Log) -> Result<i32, Error> {
    let date_emission = match &args.date_emission {
        Some(d) => parse_date(d, "--date-emission")?,
        // The only clock read of the program; the date is then an input.
        None => chrono::Local::now().date_naive(),
    };
    let exercice = args.exercice.unwrap_or_else(|| date_emission.year());
    if !(2000..=2100).contains(&exercice) {
        return Err(Error::Usage(format!(
            "--exercice {exercice} invraisemblable : indiquez une année entre 2000 et 2100"
        )));
    }
    if args.threads == Some(0) {
        return Err(Error::Usage("--threads doit valoir au moins 1".into()));
    }
    // Cheap checks first: a wrong output folder is reported before any work.
    check_destination(&args.out, args.force)?;

    let entree = |path: &Path, bytes: &[u8]| Entree {
        chemin: path.display().to_string(),
        sha256: sha256_hex(bytes),
    };
    let grid_bytes = read_bytes(&args.grid.tariff)?;
    let grid = decode_grid(&args.grid.tariff, &grid_bytes)?;
    let emetteur_bytes = read_bytes(&args.emetteur.path)?;
    let emetteur = load_emetteur(&args.emetteur.path, &emetteur_bytes)?;
    // The roster is read and validated in one pass, and its bytes dropped
    // before the batch: a large roster is never held twice in memory.
    let (roster_entree, validated) = {
        let roster_bytes = read_bytes(&args.roster)?;
        let validated = validate_roster(&args.roster, &roster_bytes, &grid, Some(exercice))?;
        (entree(&args.roster, &roster_bytes), validated)
    };
    let Validated {
        mut members,
        mut errors,
        rows: rows_read,
        rejected_ids: mut ids,
    } = validated;

    let previous = match &args.after {
        Some(dir) => Some(load_previous(dir, exercice)?),
        None => None,
    };
    if let Some(p) = &previous {
        let billed: HashMap<&str, &str> = p
            .billed
            .iter()
            .map(|b| (b.membre_id.as_str(), b.numero.as_str()))
            .collect();
        members.retain(|m| match billed.get(m.id.as_str()) {
            Some(numero) => {
                ids.insert(m.line, m.id.clone());
                errors.push(RosterError {
                    line: m.line,
                    column: None,
                    kind: RosterErrorKind::AlreadyBilled {
                        id: m.id.clone(),
                        numero: (*numero).to_string(),
                    },
                });
                false
            }
            None => true,
        });
        errors.sort_by_key(|e| e.line);
    }
    let rejected_rows = {
        let mut lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        lines.dedup();
        lines.len()
    };
    if !errors.is_empty() && !args.skip_invalid {
        return Err(Error::Roster {
            path: args.roster.clone(),
            errors,
        });
    }
    let rejects = args.skip_invalid.then(|| rejects_csv(&errors, &ids));

    let date_echeance = date_emission
        .checked_add_days(Days::new(u64::from(emetteur.delai_paiement_jours)))
        .ok_or_else(|| Error::Usage("délai de paiement trop long".into()))?;
    let first_rank = previous.as_ref().map_or(1, |p| p.first_rank);
    let emission = Emission {
        exercice,
        date_emission,
        date_echeance,
        mention_tva: grid.mention_tva.clone(),
        premier_numero: first_rank,
    };
    let csv_format = match args.csv_format {
        CsvFormatArg::Francais => CsvFormat::Francais,
        CsvFormatArg::Rfc4180 => CsvFormat::Rfc4180,
    };
    let pdf_format = match (args.format, args.profil) {
        (PdfFormatArg::Pdf, _) => PdfFormat::Plain,
        (PdfFormatArg::Facturx, ProfilArg::En16931) => PdfFormat::FacturX(Profile::En16931),
        (PdfFormatArg::Facturx, ProfilArg::Basic) => PdfFormat::FacturX(Profile::Basic),
    };
    let batch = Batch {
        members: &members,
        grid: &grid,
        emission: &emission,
        entrees: Entrees {
            role: roster_entree,
            grille: entree(&args.grid.tariff, &grid_bytes),
            emetteur: entree(&args.emetteur.path, &emetteur_bytes),
        },
        options: Options {
            format_pdf: pdf_format.code().into(),
            format_csv: match csv_format {
                CsvFormat::Francais => "francais",
                CsvFormat::Rfc4180 => "rfc4180",
            }
            .into(),
            premier_rang: first_rank,
            apres: args.after.as_ref().map(|p| p.display().to_string()),
            ignorer_invalides: args.skip_invalid,
        },
        extras: Extras { rejects },
        deja_factures: previous.map(|p| p.billed).unwrap_or_default(),
        rejetes: rejected_rows,
    };

    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        pool = pool.num_threads(n);
    }
    let pool = pool
        .build()
        .map_err(|e| Error::Usage(format!("impossible de démarrer les fils de calcul : {e}")))?;

    let started = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
    let _lock = OutputLock::acquire(&args.out, &started)?;
    log.info(
        "debut",
        &format!(
            "Traitement de {} adhérent{} (exercice {exercice})…",
            members.len(),
            if members.len() > 1 { "s" } else { "" }
        ),
    );
    let bar = log.progress_allowed().then(|| {
        let bar = indicatif::ProgressBar::new(members.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} adhérents ({eta} restantes)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let progress = |n: usize| {
        if let Some(b) = &bar {
            b.inc(n as u64);
        }
    };
    let options = OutputOptions {
        force: args.force,
        csv_format,
        pdf: pdf_format,
    };
    let summary = pool.install(|| -> Result<_, Error> {
        let renderer = Renderer::new()?;
        write_batch(&args.out, &batch, &renderer, &emetteur, options, &progress)
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }

    let mut report = summary.to_text();
    if args.skip_invalid {
        let _ = writeln!(
            report,
            "Lignes écartées      : {rejected_rows} (voir {}/rejects.csv)",
            args.out.display()
        );
        let _ = writeln!(
            report,
            "Lignes lues          : {} = {} facturées + {} sans appel + {rejected_rows} écartées",
            rows_read,
            summary.appels_emis,
            summary.sans_appel.len()
        );
    }
    let out = args.out.display();
    let _ = writeln!(report, "Appels (PDF)         : {out}/appels/");
    let _ = writeln!(report, "Journal comptable    : {out}/ledger.csv");
    let _ = writeln!(report, "Bilan                : {out}/summary.json");
    let _ = writeln!(report, "Rapport imprimable   : {out}/rapport.pdf");
    let mut fields = summary.fields();
    fields.push(("dossier", args.out.display().to_string().into()));
    let summary_line = format!(
        "Lot publié dans « {} » : {} appel{} émis, total {}",
        args.out.display(),
        summary.appels_emis,
        if summary.appels_emis > 1 { "s" } else { "" },
        crate::format_fr::montant(crate::money::Montant::round_cent(summary.total_ttc))
    );
    log.report("lot_publie", &report, &summary_line, &fields);
    if rejected_rows > 0 {
        log.warn("traitement_partiel", &format!(
            "{rejected_rows} ligne{} du rôle écartée{} : traitement partiel (code de sortie {})",
            if rejected_rows > 1 { "s" } else { "" },
            if rejected_rows > 1 { "s" } else { "" },
            exit::PARTIAL
        ));
        return Ok(exit::PARTIAL);
    }
    Ok(exit::OK)
}
