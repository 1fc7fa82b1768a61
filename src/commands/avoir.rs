//! `cotisations avoir`: one credit note on one appel of a verified batch,
//! written like a batch (lock, staging folder, syncfs, one atomic rename)
//! into a folder of its own, which `cotisations verify` checks.
//!
//! Glue only: reads the batch (its manifest, which records the unit codes
//! and VAT mention, and its ledger; for a format-1 batch, its grid) and the previous
//! credit note folder (`--after`), hands the appel as issued to the pure
//! `crate::avoir`, then renders and writes what it returns.

use std::fmt::Write as _;
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::appel::Appel;
use crate::avoir::{self, Avoir, AvoirError, Request};
use crate::batch::BatchError;
use crate::batch::credit::{self, Chain, Details, Issued};
use crate::batch::error::AvoirRefusal;
use crate::batch::manifest::PdfFormat;
use crate::batch::manifest::{AppelEntry, Entree, Manifest, sha256_hex};
use crate::batch::output::{LEDGER_FILE, SUMMARY_FILE};
use crate::batch::verify::verify_folder;
use crate::cli::{AvoirArgs, PdfFormatArg};
use crate::emetteur::Emetteur;
use crate::error::{EmetteurSource, Error};
use crate::facturx::Profile;
use crate::format_fr;
use crate::ledger;
use crate::log::Log;
use crate::render::Renderer;

use super::{decode_grid, read_bytes, read_emetteur};

/// Issues the credit note and reports where it went.
///
/// # Errors
/// `BatchError::Avoir` (exit 2) for every refusal, `BatchError::Verify`
/// for a batch that is not intact, I/O and rendering errors; nothing is
/// written then.
pub fn run(args: &AvoirArgs, log: &Log) -> Result<(), Error> {
    // Cheap checks first: nothing is read before the command line is sound.
    if args.motif.trim().is_empty() {
        return Err(BatchError::Avoir(AvoirRefusal::Credit(AvoirError::MotifVide)).into());
    }
    let date = match &args.date_emission {
        Some(d) => super::date_option(d, "--date-emission")?,
        // The only clock read of the command; the date is then an input.
        None => chrono::Local::now().date_naive(),
    };
    credit::check_output(&args.out, &inputs(args))?;

    let credit = read_credit(args, date)?;
    let (signed, pdf_file) = write_credit(log, args, &credit)?;
    report(
        log,
        args,
        &credit.avoir,
        &signed,
        &credit.entry.membre_id,
        &pdf_file,
    );
    Ok(())
}

/// What a credit note is made of, read and checked, before anything is written.
struct Credit {
    /// The manifest of the batch holding the appel, and its entry.
    lot: Manifest,
    lot_manifest: Entree,
    /// The appel credited, as the batch's manifest lists it.
    entry: AppelEntry,
    emetteur: Emetteur,
    emetteur_entree: Entree,
    details: Details,
    chain: Chain,
    avoir: Avoir,
}

/// Reads the batch (verified), the issuer and the previous credit note,
/// and computes the credit note.
fn read_credit(args: &AvoirArgs, date: NaiveDate) -> Result<Credit, Error> {
    // The batch holding the appel, whole and intact.
    let batch = verify_folder(&args.batch)?;
    // The issuer: --emetteur, else the file the batch was issued with.
    let (emetteur_path, from) = match &args.emetteur.path {
        Some(p) => (p.clone(), EmetteurSource::Option),
        None => (
            PathBuf::from(&batch.manifest.entrees.emetteur.chemin),
            EmetteurSource::Manifest,
        ),
    };
    let (emetteur_bytes, emetteur) = read_emetteur(&emetteur_path, from)?;
    let (lot, lot_manifest, entry) = credit::appel_of(batch, &args.batch, &args.membre)?;
    let details = match credit::recorded_details(&lot) {
        Some(details) => details,
        None => format_1_details(args, &lot)?,
    };
    let (appel, known) = credit::appel_as_issued(&args.batch, &lot, &entry, &details)?;
    let chain = match &args.after {
        Some(dir) => credit::load_chain(dir, lot.exercice)?,
        None => Chain::default(),
    };
    let request = Request {
        codes: &args.lignes,
        motif: &args.motif,
        rang: chain.rang,
        date,
        last: chain.last.as_ref().map(|(n, d)| (n.as_str(), *d)),
    };
    let avoir = avoir::credit(&appel, &request, &known, &chain.credited)
        .map_err(|e| BatchError::Avoir(AvoirRefusal::Credit(e)))?;
    Ok(Credit {
        lot,
        lot_manifest,
        entry,
        emetteur,
        emetteur_entree: Entree {
            chemin: emetteur_path.display().to_string(),
            sha256: sha256_hex(&emetteur_bytes),
        },
        details,
        chain,
        avoir,
    })
}

/// The details of a batch of format 1, from its grid (`--tariff`).
fn format_1_details(args: &AvoirArgs, lot: &Manifest) -> Result<Details, Error> {
    let grid = match &args.tariff {
        Some(path) => Some((path.as_path(), read_bytes(path)?)),
        None => None,
    };
    let given = grid.as_ref().map(|(path, bytes)| (*path, bytes.as_slice()));
    let (path, bytes) = credit::check_grid(&args.batch, lot, given)?;
    Ok(credit::details_from_grid(&decode_grid(path, bytes)?))
}

/// Renders the credit note and writes its folder; returns the credit note
/// as issued and its PDF's path in the folder.
fn write_credit(log: &Log, args: &AvoirArgs, c: &Credit) -> Result<(Appel, String), Error> {
    // The files, all in memory (one credit note is a few kilobytes).
    let profile = profile(args.format, c.lot.options.format_pdf);
    let pdf = Renderer::new()?.render_avoir(&c.avoir, &c.emetteur, profile)?;
    let ledger = ledger::ledger_bytes(
        [&c.avoir.ledger_view()],
        c.lot.options.format_csv,
        c.lot.options.encodage_csv,
    )
    .map_err(Error::io("écrire le fichier", args.out.join(LEDGER_FILE)))?;
    let signed = c.avoir.signed();
    let pdf_file = credit::pdf_file(&signed);
    let mut issued = Issued {
        lot: &c.lot,
        lot_manifest: c.lot_manifest.clone(),
        entry: &c.entry,
        emetteur: c.emetteur_entree.clone(),
        profile,
        details: &c.details,
        chain: &c.chain,
        after: args.after.as_deref(),
        signed: &signed,
        avoir: &c.avoir,
        pdf_file: &pdf_file,
        pdf: &pdf,
        ledger: &ledger,
        summary: &[],
    };
    let summary = credit::summary_json(&c.avoir, &c.entry, issued.deja_credites().len());
    issued.summary = &summary;
    let files: [(&str, &[u8]); 3] = [
        (&pdf_file, &pdf),
        (LEDGER_FILE, &ledger),
        (SUMMARY_FILE, &summary),
    ];
    for dir in crate::files::create_parents(&args.out)? {
        log.info("dossier_cree", &format!("Dossier créé : {}", dir.display()));
    }
    let started = chrono::Local::now()
        .format("%d/%m/%Y à %H:%M:%S")
        .to_string();
    credit::write_folder(
        &args.out,
        &inputs(args),
        &files,
        &issued.manifest().to_json(),
        &started,
    )?;
    Ok((signed, pdf_file))
}

/// Tells where the credit note went.
fn report(
    log: &Log,
    args: &AvoirArgs,
    avoir: &Avoir,
    signed: &Appel,
    membre_id: &str,
    pdf_file: &str,
) {
    let out = args.out.display();
    let c = &avoir.correction;
    let mut report = format!(
        "Avoir {} émis le {} : annule {}l'appel {} de « {} » ({}), {} ligne{}, total {}.\n",
        signed.numero,
        format_fr::date_longue(signed.date_emission),
        if c.partielle { "partiellement " } else { "" },
        c.appel_numero,
        signed.membre.nom,
        membre_id,
        signed.lignes.len(),
        if signed.lignes.len() > 1 { "s" } else { "" },
        format_fr::montant(signed.totaux.ttc)
    );
    let _ = writeln!(report, "Avoir (PDF)          : {out}/{pdf_file}");
    let _ = writeln!(report, "Journal comptable    : {out}/{LEDGER_FILE}");
    let _ = writeln!(report, "Bilan                : {out}/{SUMMARY_FILE}");
    let _ = writeln!(report, "Avoir suivant        : ajoutez --after {out}");
    let summary_line = report.lines().next().unwrap_or_default().to_string();
    log.report(
        "avoir_emis",
        &report,
        &summary_line,
        &[
            ("numero", signed.numero.clone().into()),
            ("appel", c.appel_numero.clone().into()),
            ("membre_id", membre_id.into()),
            ("total_ttc", signed.totaux.ttc.to_string().into()),
            ("dossier", args.out.display().to_string().into()),
        ],
    );
}

/// The credit note's PDF format: Factur-X at the appel's profile, or plain.
fn profile(asked: PdfFormatArg, appel: PdfFormat) -> Option<Profile> {
    match asked {
        PdfFormatArg::Pdf => None,
        PdfFormatArg::Facturx if appel == PdfFormat::FacturX(Profile::Basic) => {
            Some(Profile::Basic)
        }
        PdfFormatArg::Facturx => Some(Profile::En16931),
    }
}

/// The files and folders `avoir` reads: its output must hold none.
fn inputs(args: &AvoirArgs) -> Vec<PathBuf> {
    let mut paths = vec![args.batch.clone()];
    paths.extend(args.after.iter().cloned());
    paths.extend(args.emetteur.path.iter().cloned());
    paths.extend(args.tariff.iter().cloned());
    paths
}
