//! `cotisations run`: the annual batch, from the input files to the
//! published output folder.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use crate::batch::destination::{OutputLock, check_destination};
use crate::batch::manifest::PdfFormat;
use crate::batch::manifest::{Entree, Entrees, Options, sha256_hex};
use crate::batch::output::{Batch, Extras, OutputOptions};
use crate::batch::write_batch;
use crate::cli::{CsvEncodingArg, CsvFormatArg, PdfFormatArg, ProfilArg, RunArgs, RunOptions};
use crate::csv_out::Encoding;
use crate::emetteur::Emetteur;
use crate::error::{Error, exit};
use crate::facturx::Profile;
use crate::files;
use crate::ledger::CsvFormat;
use crate::log::Log;
use crate::numbering::Emission;
use crate::render::Renderer;
use crate::roster::Member;
use crate::roster::Validated;
use crate::summary::Summary;
use crate::tariff::Grid;

use super::{date_option, decode_grid, emetteur_path, read_emetteur, validate_roster};

/// The CSV encoding `--csv-encodage` names.
pub(crate) fn encoding(arg: CsvEncodingArg) -> Encoding {
    match arg {
        CsvEncodingArg::Utf8 => Encoding::Utf8,
        CsvEncodingArg::Utf8Bom => Encoding::Utf8Bom,
        CsvEncodingArg::Windows1252 => Encoding::Windows1252,
    }
}

/// Most threads `--threads` accepts: far more than the machines the
/// program runs on have, few enough that starting them is instant.
pub const MAX_THREADS: usize = 64;

/// Everything `run` reads and checks before writing anything; `check`
/// stops there.
pub(crate) struct Prepared {
    pub(crate) grid: Grid,
    pub(crate) emetteur: Emetteur,
    pub(crate) entrees: Entrees,
    pub(crate) members: Vec<Member>,
    pub(crate) rows_read: usize,
    pub(crate) rejected_rows: usize,
    pub(crate) rejects: Option<Vec<u8>>,
    pub(crate) previous: Option<crate::batch::previous::Previous>,
    pub(crate) emission: Emission,
    pub(crate) csv_format: CsvFormat,
    pub(crate) csv_encoding: Encoding,
    pub(crate) pdf_format: PdfFormat,
}

/// The emission date: `--date-emission`, else today (the program's only
/// clock read for documents; the date is then an input), which must fall
/// in the grid's exercice.
fn date_emission(o: &RunOptions, exercice: i32) -> Result<NaiveDate, Error> {
    let (date, today) = match &o.date_emission {
        Some(d) => (date_option(d, "--date-emission")?, false),
        None => (chrono::Local::now().date_naive(), true),
    };
    if date.year() == exercice {
        Ok(date)
    } else {
        Err(Error::DateHorsExercice {
            date,
            exercice,
            aujourdhui: today,
        })
    }
}

/// The grid, and its bytes (hashed into the manifest); `--exercice`, when
/// given, must be the grid's.
fn read_grid(o: &RunOptions) -> Result<(Vec<u8>, Grid), Error> {
    let grid_bytes = files::read_input(&o.grid.tariff, files::MAX_CONFIG_BYTES)?;
    let grid = decode_grid(&o.grid.tariff, &grid_bytes)?;
    if let Some(asked) = o.exercice
        && asked != grid.exercice
    {
        return Err(Error::ExerciceContredit {
            option: asked,
            grille: grid.exercice,
            path: o.grid.tariff.clone(),
        });
    }
    Ok((grid_bytes, grid))
}

/// The formats of the ledger and of the PDFs the options ask for.
fn formats(o: &RunOptions) -> (CsvFormat, PdfFormat) {
    let csv_format = match o.csv_format {
        CsvFormatArg::Francais => CsvFormat::Francais,
        CsvFormatArg::Rfc4180 => CsvFormat::Rfc4180,
    };
    let pdf_format = match (o.format, o.profil) {
        (PdfFormatArg::Pdf, _) => PdfFormat::Plain,
        (PdfFormatArg::Facturx, ProfilArg::En16931) => PdfFormat::FacturX(Profile::En16931),
        (PdfFormatArg::Facturx, ProfilArg::Basic) => PdfFormat::FacturX(Profile::Basic),
    };
    (csv_format, pdf_format)
}

/// Reads the grid, the issuer file and the roster, validates them with
/// every rule `run` applies (the exercice, the dates, `--after`, the
/// threads), and computes what would be written.
///
/// # Errors
/// Any input error; nothing has been written.
pub(crate) fn prepare(o: &RunOptions) -> Result<Prepared, Error> {
    if o.threads == Some(0) || o.threads.is_some_and(|n| n > MAX_THREADS) {
        return Err(Error::Threads { max: MAX_THREADS });
    }
    let entree = |path: &Path, bytes: &[u8]| Entree {
        chemin: path.display().to_string(),
        sha256: sha256_hex(bytes),
    };
    let (grid_bytes, grid) = read_grid(o)?;
    let exercice = grid.exercice;
    let date_emission = date_emission(o, exercice)?;
    let (emetteur_path, from) = emetteur_path(o.emetteur.path.as_deref(), &o.grid.tariff);
    let (emetteur_bytes, emetteur) = read_emetteur(&emetteur_path, from)?;
    // The roster is read and validated in one pass, and its bytes dropped
    // before the batch: a large roster is never held twice in memory.
    let (roster_entree, validated) = {
        let roster_bytes = files::read_input(&o.roster, files::MAX_ROSTER_BYTES)?;
        let validated = validate_roster(
            &o.roster,
            &roster_bytes,
            o.feuille.as_deref(),
            &grid,
            Some(exercice),
        )?;
        (entree(&o.roster, &roster_bytes), validated)
    };
    let mut validated = validated;

    let previous = match &o.after {
        Some(dir) => Some(crate::batch::previous::load(dir, exercice, date_emission)?),
        None => None,
    };
    if let Some(p) = &previous {
        crate::batch::previous::reject_billed(&mut validated, p);
    }
    let Validated {
        members,
        errors,
        rows: rows_read,
        rejected_ids: ids,
    } = validated;
    let rejected_rows = {
        let mut lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        lines.dedup();
        lines.len()
    };
    if !errors.is_empty() && !o.skip_invalid {
        return Err(Error::Roster {
            path: o.roster.clone(),
            errors,
        });
    }
    let rejects = o
        .skip_invalid
        .then(|| crate::roster::rejects::rejects_csv(&errors, &ids, encoding(o.csv_encodage)));

    let emission = Emission::of_batch(
        &grid,
        emetteur.delai_paiement_jours,
        date_emission,
        previous.as_ref().map_or(1, |p| p.first_rank),
    );
    let csv_encoding = encoding(o.csv_encodage);
    let (csv_format, pdf_format) = formats(o);
    Ok(Prepared {
        entrees: Entrees {
            role: roster_entree,
            grille: entree(&o.grid.tariff, &grid_bytes),
            emetteur: entree(&emetteur_path, &emetteur_bytes),
        },
        grid,
        emetteur,
        members,
        rows_read,
        rejected_rows,
        rejects,
        previous,
        emission,
        csv_format,
        csv_encoding,
        pdf_format,
    })
}

/// Runs the batch; returns the exit code (0, or 5 for a partial run).
///
/// # Errors
/// Any input error (nothing written) or output error (nothing published).
pub fn run(args: &RunArgs, log: &Log) -> Result<i32, Error> {
    let o = &args.options;
    // Cheap checks first: a wrong output folder is reported before any work.
    check_destination(&args.out, o.force, &input_paths(o))?;
    let p = prepare(o)?;
    if o.force {
        crate::batch::destination::check_replacement(
            &args.out,
            p.emission.exercice,
            o.after.as_deref(),
        )?;
    }
    let batch = batch_of(&p, o);

    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = o.threads {
        pool = pool.num_threads(n);
    }
    let pool = pool.build().map_err(|_| Error::ThreadPool)?;

    for dir in files::create_parents(&args.out)? {
        log.info("dossier_cree", &format!("Dossier créé : {}", dir.display()));
    }
    let started = chrono::Local::now()
        .format("%d/%m/%Y à %H:%M:%S")
        .to_string();
    let _lock = OutputLock::acquire(&args.out, &started)?;
    let count = p.members.len();
    log.info(
        "debut",
        &format!(
            "Traitement de {count} adhérent{} (exercice {})…",
            if count > 1 { "s" } else { "" },
            p.emission.exercice
        ),
    );
    let bar = progress_bar(log, count);
    let progress = |n: usize| {
        if let Some(b) = &bar {
            b.inc(n as u64);
        }
    };
    let options = OutputOptions {
        force: o.force,
        csv_format: p.csv_format,
        csv_encoding: p.csv_encoding,
        pdf: p.pdf_format,
    };
    let inputs = input_paths(o);
    let summary = pool.install(|| -> Result<_, Error> {
        let renderer = Renderer::new()?;
        Ok(write_batch(
            &args.out,
            &batch,
            &renderer,
            &p.emetteur,
            options,
            &inputs,
            &progress,
        )?)
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }

    Ok(report(log, args, &p, &summary))
}

/// The batch `prepare` computed, as `write_batch` takes it.
fn batch_of<'p>(p: &'p Prepared, o: &RunOptions) -> Batch<'p> {
    Batch {
        members: &p.members,
        grid: &p.grid,
        emission: &p.emission,
        entrees: p.entrees.clone(),
        options: Options {
            format_pdf: p.pdf_format,
            format_csv: p.csv_format,
            premier_rang: p.emission.premier_numero,
            apres: o.after.as_ref().map(|p| p.display().to_string()),
            ignorer_invalides: o.skip_invalid,
            encodage_csv: p.csv_encoding,
        },
        extras: Extras {
            rejects: p.rejects.clone(),
        },
        deja_factures: p
            .previous
            .as_ref()
            .map(|p| p.billed.clone())
            .unwrap_or_default(),
        rejetes: p.rejected_rows,
    }
}

/// The progress bar, on a terminal only.
fn progress_bar(log: &Log, count: usize) -> Option<indicatif::ProgressBar> {
    log.progress_allowed().then(|| {
        let bar = indicatif::ProgressBar::new(count as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} adhérents ({eta} restantes)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    })
}

/// Tells where the batch went; returns the exit code (5 when rows were
/// left out).
fn report(log: &Log, args: &RunArgs, p: &Prepared, summary: &Summary) -> i32 {
    let o = &args.options;
    let mut report = summary.to_text();
    let rejected_rows = p.rejected_rows;
    if o.skip_invalid {
        let _ = writeln!(
            report,
            "Lignes écartées      : {rejected_rows} (voir {}/rejects.csv)",
            args.out.display()
        );
        let _ = writeln!(
            report,
            "Lignes lues          : {} = {} facturées + {} sans appel + {rejected_rows} écartées",
            p.rows_read,
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
        log.warn(
            "traitement_partiel",
            &format!(
                "{rejected_rows} ligne{} du rôle écartée{} : traitement partiel (code de sortie {})",
                if rejected_rows > 1 { "s" } else { "" },
                if rejected_rows > 1 { "s" } else { "" },
                exit::PARTIAL
            ),
        );
        return exit::PARTIAL;
    }
    exit::OK
}

/// The input files of a run: the output folder must not hold them.
pub(crate) fn input_paths(o: &RunOptions) -> Vec<PathBuf> {
    let mut paths = vec![o.roster.clone(), o.grid.tariff.clone()];
    paths.push(emetteur_path(o.emetteur.path.as_deref(), &o.grid.tariff).0);
    if let Some(after) = &o.after {
        paths.push(after.clone());
    }
    paths
}
