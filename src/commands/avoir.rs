//! `cotisations avoir DIR`: one credit note on one appel of the exercice,
//! an entry of the exercice folder (series `AV`, numbered by the
//! register), written like a batch (staging folder, flush, one atomic
//! rename), then inscribed in the register.
//!
//! Glue only: finds the appel in the register, reads its lot (its
//! manifest, which records the unit codes and VAT mention, and its
//! ledger), gathers what the earlier avoirs credited from the register,
//! hands the appel as issued to the pure `crate::avoir`, then renders and
//! writes what it returns.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::appel::Appel;
use crate::avoir::{self, Avoir, AvoirError, Credited, Request};
use crate::batch::BatchError;
use crate::batch::credit::{self, Chain, Details, Issued};
use crate::batch::dossier::{self, Ecrivain, Registre};
use crate::batch::error::AvoirRefusal;
use crate::batch::manifest::PdfFormat;
use crate::batch::manifest::{AppelEntry, Entree, Manifest, SERIE_APPELS, sha256_hex};
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

use super::read_emetteur;

fn refuse(refusal: AvoirRefusal) -> Error {
    BatchError::Avoir(refusal).into()
}

/// Issues the credit note and reports where it went.
///
/// # Errors
/// `BatchError::Avoir` (exit 2) for every refusal, `BatchError::Verify`
/// for a lot that is not intact, I/O and rendering errors; nothing is
/// written then.
pub fn run(args: &AvoirArgs, log: &Log) -> Result<(), Error> {
    // Cheap checks first: nothing is read before the command line is sound.
    if args.motif.trim().is_empty() {
        return Err(refuse(AvoirRefusal::Credit(AvoirError::MotifVide)));
    }
    let date = super::date_or_today(args.date_emission.as_deref(), "--date-emission")?;
    let mut w = super::open_exercice(
        &args.dir,
        &args.emetteur.path.iter().cloned().collect::<Vec<_>>(),
        log,
    )?;
    let credit = read_credit(args, &w, date)?;
    let out = w.next_entry(avoir::SERIE);
    let (signed, pdf_file) = write_credit(args, &w, &out, &credit)?;
    w.commit_read(&out)?;
    report(
        log,
        &out,
        &credit.avoir,
        &signed,
        &credit.entry.membre_id,
        &pdf_file,
        &w.registre.tete(),
    );
    Ok(())
}

/// What a credit note is made of, read and checked, before anything is written.
struct Credit {
    /// The manifest of the lot holding the appel, and its entry.
    lot: Manifest,
    lot_manifest: Entree,
    /// The appel credited, as the lot's manifest lists it.
    entry: AppelEntry,
    emetteur: Emetteur,
    emetteur_entree: Entree,
    details: Details,
    chain: Chain,
    avoir: Avoir,
}

/// The appel of `membre` the avoir credits (`--appel`, else its only
/// appel standing) and the entry folder that holds it.
fn appel_to_credit(args: &AvoirArgs, r: &Registre) -> Result<(String, PathBuf, String), Error> {
    let emis = r.net_lines();
    let standing: Vec<String> = emis
        .get(&args.membre)
        .map(|e| {
            e.standing()
                .into_iter()
                .map(|(n, _)| n.to_string())
                .collect()
        })
        .unwrap_or_default();
    let numero = match (&args.appel, standing.as_slice()) {
        (Some(asked), _) if standing.contains(asked) => asked.clone(),
        (Some(asked), _) => {
            return Err(refuse(AvoirRefusal::AppelHorsAdherent {
                membre: args.membre.clone(),
                appel: asked.clone(),
            }));
        }
        (None, [one]) => one.clone(),
        (None, []) => {
            return Err(refuse(AvoirRefusal::NoAppel {
                membre: args.membre.clone(),
                dir: args.dir.clone(),
                billed_by: None,
            }));
        }
        (None, several) => {
            return Err(refuse(AvoirRefusal::PlusieursAppels {
                membre: args.membre.clone(),
                appels: several.to_vec(),
            }));
        }
    };
    let (lot, manifeste) = r
        .lignes
        .iter()
        .find(|l| l.serie == SERIE_APPELS && l.pieces.iter().any(|p| p.numero == numero))
        .map(|l| (r.root.join(&l.dossier), l.manifeste.clone()))
        .unwrap_or_default();
    Ok((numero, lot, manifeste))
}

/// What the earlier avoirs of the exercice credited, from the register.
fn chain_of(r: &Registre) -> Chain {
    let credited = r
        .pieces(avoir::SERIE)
        .flat_map(|p| {
            p.lignes.iter().filter_map(move |l| {
                p.appel.as_ref().map(|appel| Credited {
                    appel: appel.clone(),
                    code: l.code.clone(),
                    avoir: p.numero.clone(),
                    montant_ttc: -l.montant_ttc,
                })
            })
        })
        .collect();
    Chain {
        rang: r.next_rank(avoir::SERIE),
        last: r.last_of(avoir::SERIE),
        credited,
    }
}

/// Reads the lot (verified) and the issuer, and computes the credit note.
fn read_credit(args: &AvoirArgs, w: &Ecrivain, date: NaiveDate) -> Result<Credit, Error> {
    let (numero, lot_dir, inscrit) = appel_to_credit(args, &w.registre)?;
    // The lot holding the appel, whole and intact, as the register has it.
    let batch = verify_folder(&lot_dir)?;
    // The issuer: --emetteur, else the file the lot was issued with.
    let (emetteur_path, from) = match &args.emetteur.path {
        Some(p) => (p.clone(), EmetteurSource::Option),
        None => (
            PathBuf::from(&batch.manifest.entrees.emetteur.chemin),
            EmetteurSource::Manifest,
        ),
    };
    let (emetteur_bytes, emetteur) = read_emetteur(&emetteur_path, from)?;
    let (lot, lot_manifest, entry) = credit::appel_of(batch, &lot_dir, &args.membre, &numero)?;
    if lot_manifest.sha256 != inscrit {
        return Err(refuse(AvoirRefusal::LotChange { dossier: lot_dir }));
    }
    let details = credit::recorded_details(&lot).ok_or_else(|| {
        refuse(AvoirRefusal::GridNeeded {
            dir: lot_dir.clone(),
        })
    })?;
    let (appel, known) = credit::appel_as_issued(&lot_dir, &lot, &entry, &details)?;
    let chain = chain_of(&w.registre);
    let request = Request {
        codes: &args.lignes,
        motif: &args.motif,
        rang: chain.rang,
        date,
        last: chain.last.as_ref().map(|(n, d)| (n.as_str(), *d)),
    };
    let avoir = avoir::credit(&appel, &request, &known, &chain.credited)
        .map_err(|e| refuse(AvoirRefusal::Credit(e)))?;
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

/// Renders the credit note and writes its entry `out`; returns the credit
/// note as issued and its PDF's path in the entry.
fn write_credit(
    args: &AvoirArgs,
    w: &Ecrivain,
    out: &Path,
    c: &Credit,
) -> Result<(Appel, String), Error> {
    // The files, all in memory (one credit note is a few kilobytes).
    let profile = profile(args.format, c.lot.options.format_pdf);
    let pdf = Renderer::new()?.render_avoir(&c.avoir, &c.emetteur, profile)?;
    let ledger = ledger::ledger_bytes(
        [&c.avoir.ledger_view()],
        c.lot.options.format_csv,
        c.lot.options.encodage_csv,
    )
    .map_err(Error::io("écrire le fichier", out.join(LEDGER_FILE)))?;
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
        signed: &signed,
        avoir: &c.avoir,
        pdf_file: &pdf_file,
        pdf: &pdf,
        ledger: &ledger,
        summary: &[],
        precedent: w.registre.last_manifest(),
    };
    let summary = credit::summary_json(&c.avoir, &c.entry, issued.deja_credites().len());
    issued.summary = &summary;
    let files: [(&str, &[u8]); 3] = [
        (&pdf_file, &pdf),
        (LEDGER_FILE, &ledger),
        (SUMMARY_FILE, &summary),
    ];
    let started = chrono::Local::now()
        .format("%d/%m/%Y à %H:%M:%S")
        .to_string();
    credit::write_folder(out, &[], &files, &issued.manifest().to_json(), &started)?;
    Ok((signed, pdf_file))
}

/// Tells where the credit note went.
fn report(
    log: &Log,
    out: &Path,
    avoir: &Avoir,
    signed: &Appel,
    membre_id: &str,
    pdf_file: &str,
    tete: &str,
) {
    let dir = out.display();
    let c = &avoir.correction;
    let short = &tete[..tete.len().min(dossier::TETE_COURTE)];
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
    let _ = writeln!(report, "Avoir (PDF)          : {dir}/{pdf_file}");
    let _ = writeln!(report, "Journal de l'avoir   : {dir}/{LEDGER_FILE}");
    let _ = writeln!(report, "Bilan                : {dir}/{SUMMARY_FILE}");
    let _ = writeln!(report, "Tête du registre     : {short}");
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
            ("dossier", out.display().to_string().into()),
            ("tete", short.to_string().into()),
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
