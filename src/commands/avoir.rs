//! `cotisations avoir`: one credit note on one appel of a verified batch,
//! written like a batch (lock, staging folder, syncfs, one atomic rename)
//! into a folder of its own, which `cotisations verify` checks.
//!
//! Glue only: reads the batch (its manifest, which records the unit codes
//! and VAT mention, and its ledger; for a format-1 batch, its grid) and the previous
//! credit note folder (`--after`), hands the appel as issued to the pure
//! `crate::avoir`, then renders and writes what it returns.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use crate::appel::Appel;
use crate::avoir::{self, Avoir, AvoirError, Credited, Request};
use crate::batch::BatchError;
use crate::batch::destination::{Existing, OutputLock, check_destination, remove_stale};
use crate::batch::manifest::{
    AppelEntry, DejaCredite, DossierManifest, Entree, Entrees, FORMAT, Fichier, MANIFEST_FILE,
    Manifest, Options, SERIE_APPELS, sha256_hex,
};
use crate::batch::output::{self, LEDGER_FILE, PdfFormat, SUMMARY_FILE, pdf_name};
use crate::cli::{AvoirArgs, PdfFormatArg};
use crate::emetteur::Emetteur;
use crate::error::{AvoirRefusal, ChainProblem, Error};
use crate::facturx::Profile;
use crate::format_fr;
use crate::ledger;
use crate::log::Log;
use crate::pricing::{Ligne, Placement, Totaux};
use crate::render::Renderer;
use crate::roster::Member;

use super::{decode_grid, read_bytes, read_emetteur};
use crate::batch::manifest::AVOIRS_DIR;
use crate::batch::verify::verify_folder;
use crate::error::EmetteurSource;

fn refuse(refusal: AvoirRefusal) -> Error {
    Error::Avoir(refusal)
}

/// Issues the credit note and reports where it went.
///
/// # Errors
/// `Error::Avoir` (exit 2) for every refusal, `Error::Verify` for a batch
/// that is not intact, I/O and rendering errors; nothing is written then.
pub fn run(args: &AvoirArgs, log: &Log) -> Result<(), Error> {
    // Cheap checks first: nothing is read before the command line is sound.
    if args.motif.trim().is_empty() {
        return Err(refuse(AvoirRefusal::Credit(AvoirError::MotifVide)));
    }
    let date = match &args.date_emission {
        Some(d) => super::date_option(d, "--date-emission")?,
        // The only clock read of the command; the date is then an input.
        None => chrono::Local::now().date_naive(),
    };
    check_output(&args.out, &inputs(args))?;

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
    /// The manifest of the batch holding the appel.
    lot: Manifest,
    /// That manifest's bytes, hashed into the credit note's manifest.
    lot_manifest_bytes: Vec<u8>,
    /// The appel credited, as the batch's manifest lists it.
    entry: AppelEntry,
    emetteur: Emetteur,
    emetteur_path: PathBuf,
    emetteur_bytes: Vec<u8>,
    details: Details,
    chain: Chain,
    avoir: Avoir,
    date: NaiveDate,
}

impl Credit {
    /// Every line credited in the series so far, this credit note's included.
    fn deja_credites(&self) -> Vec<DejaCredite> {
        let mut all = self.chain.carried.clone();
        all.extend(self.avoir.credited().into_iter().map(|c| DejaCredite {
            appel: c.appel,
            membre_id: self.entry.membre_id.clone(),
            code: c.code,
            avoir: c.avoir,
            montant_ttc: c.montant_ttc,
        }));
        all
    }
}

/// Reads the batch (verified), the issuer and the previous credit note,
/// and computes the credit note.
fn read_credit(args: &AvoirArgs, date: NaiveDate) -> Result<Credit, Error> {
    // The batch holding the appel, whole and intact.
    let batch = verify_folder(&args.batch)?;
    // The issuer: --emetteur, else the file the batch was issued with.
    let emetteur_path = args
        .emetteur
        .path
        .clone()
        .unwrap_or_else(|| PathBuf::from(&batch.manifest.entrees.emetteur.chemin));
    let from = if args.emetteur.path.is_some() {
        EmetteurSource::Option
    } else {
        EmetteurSource::Manifest
    };
    let (emetteur_bytes, emetteur) = read_emetteur(&emetteur_path, from)?;
    if batch.serie != SERIE_APPELS {
        return Err(refuse(AvoirRefusal::NotAppels {
            dir: args.batch.clone(),
            serie: batch.serie,
        }));
    }
    let batch_manifest_bytes = read_bytes(&args.batch.join(MANIFEST_FILE))?;
    let lot = batch.manifest;
    let Some(entry) = lot
        .appels
        .iter()
        .find(|a| a.membre_id == args.membre)
        .cloned()
    else {
        return Err(refuse(no_appel(&args.membre, &args.batch, &lot)));
    };
    let csv_encoding = lot.options.encodage_csv;
    let details = details(args, &lot)?;
    let (lignes, known) = ledger_lines(&args.batch, csv_encoding, &entry.numero, &details)?;
    let appel = rebuild_appel(&lot, &entry, lignes, details.mention_tva.clone())?;

    let chain = match &args.after {
        Some(dir) => load_chain(dir, lot.exercice)?,
        None => Chain::default(),
    };
    let request = Request {
        codes: &args.lignes,
        motif: &args.motif,
        rang: chain.rang,
        date,
    };
    let avoir = avoir::credit(&appel, &request, &known, &chain.credited)
        .map_err(|e| refuse(AvoirRefusal::Credit(e)))?;

    Ok(Credit {
        lot,
        lot_manifest_bytes: batch_manifest_bytes,
        entry,
        emetteur,
        emetteur_path,
        emetteur_bytes,
        details,
        chain,
        avoir,
        date,
    })
}

/// Renders the credit note and writes its folder; returns the credit note
/// as issued and its PDF's path in the folder.
fn write_credit(log: &Log, args: &AvoirArgs, credit: &Credit) -> Result<(Appel, String), Error> {
    let date = credit.date;
    let lot = &credit.lot;
    let entry = &credit.entry;
    let details = &credit.details;
    // The files, all in memory (one credit note is a few kilobytes).
    let profile = profile(args.format, lot.options.format_pdf);
    let renderer = Renderer::new()?;
    let pdf = renderer.render_avoir(&credit.avoir, &credit.emetteur, profile)?;
    let ledger = ledger::ledger_bytes(
        [&credit.avoir.ledger_view()],
        lot.options.format_csv,
        lot.options.encodage_csv,
    )
    .map_err(Error::io("écrire le fichier", args.out.join(LEDGER_FILE)))?;
    let deja_credites = credit.deja_credites();
    let summary = summary_json(&credit.avoir, entry, deja_credites.len());
    let signed = credit.avoir.signed();
    let pdf_file = format!("{AVOIRS_DIR}/{}", pdf_name(&signed));
    let manifest = DossierManifest {
        serie: avoir::SERIE.into(),
        manifest: Manifest {
            format: FORMAT,
            programme: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
            exercice: lot.exercice,
            date_emission: date,
            // Nothing is due: the credit takes effect on its date.
            date_echeance: date,
            // The inputs of the batch credited, and the issuer of the credit note.
            entrees: Entrees {
                role: lot.entrees.role.clone(),
                grille: lot.entrees.grille.clone(),
                emetteur: Entree {
                    chemin: credit.emetteur_path.display().to_string(),
                    sha256: sha256_hex(&credit.emetteur_bytes),
                },
            },
            options: options(
                &lot.options,
                profile,
                credit.chain.rang,
                args.after.as_deref(),
            ),
            premier_rang: Some(credit.chain.rang),
            dernier_rang: Some(credit.chain.rang),
            total_ttc: signed.totaux.ttc,
            unites: details.unites.clone(),
            mention_tva: details.mention_tva.clone(),
            appels: vec![AppelEntry {
                numero: signed.numero.clone(),
                rang: signed.rang,
                membre_id: entry.membre_id.clone(),
                fichier: pdf_file.clone(),
                sha256: sha256_hex(&pdf),
                total_ttc: signed.totaux.ttc,
                destinataire: entry.destinataire.clone(),
            }],
            fichiers: [(LEDGER_FILE, &ledger), (SUMMARY_FILE, &summary)]
                .into_iter()
                .map(|(chemin, bytes)| Fichier {
                    chemin: chemin.into(),
                    sha256: sha256_hex(bytes),
                })
                .collect(),
            deja_factures: Vec::new(),
        },
        lot: Some(Entree {
            chemin: args.batch.join(MANIFEST_FILE).display().to_string(),
            sha256: sha256_hex(&credit.lot_manifest_bytes),
        }),
        deja_credites,
    };
    let files: [(&str, &[u8]); 3] = [
        (&pdf_file, &pdf),
        (LEDGER_FILE, &ledger),
        (SUMMARY_FILE, &summary),
    ];
    write_folder(log, &args.out, &inputs(args), &files, &manifest.to_json())?;

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

/// The credit note's options: the batch's CSV, its own PDF format and rank.
fn options(lot: &Options, profile: Option<Profile>, rang: u32, after: Option<&Path>) -> Options {
    Options {
        format_csv: lot.format_csv,
        format_pdf: profile.map_or(PdfFormat::Plain, PdfFormat::FacturX),
        premier_rang: rang,
        apres: after.map(|p| p.display().to_string()),
        ignorer_invalides: false,
        encodage_csv: lot.encodage_csv,
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

/// Checks that `out` can receive the credit note: a credit note once
/// issued is never replaced, so `out` must be absent or empty.
fn check_output(out: &Path, inputs: &[PathBuf]) -> Result<Existing, Error> {
    match check_destination(out, false, inputs) {
        Err(BatchError::OutputExists { .. }) => Err(refuse(AvoirRefusal::OutputNotEmpty {
            out: out.to_path_buf(),
        })),
        other => Ok(other?),
    }
}

/// Why `membre` has no appel in the batch: an earlier batch billed it,
/// or no batch did.
fn no_appel(membre: &str, batch: &Path, lot: &Manifest) -> AvoirRefusal {
    AvoirRefusal::NoAppel {
        membre: membre.to_string(),
        dir: batch.to_path_buf(),
        billed_by: lot
            .deja_factures
            .iter()
            .find(|d| d.membre_id == membre)
            .map(|d| d.numero.clone()),
    }
}

/// The lines of appel `numero` in the batch's ledger, as billed, and every
/// item code the ledger holds.
fn ledger_lines(
    dir: &Path,
    encoding: crate::csv_out::Encoding,
    numero: &str,
    details: &Details,
) -> Result<(Vec<Ligne>, BTreeSet<String>), Error> {
    let path = dir.join(LEDGER_FILE);
    let bytes = crate::files::read_input(&path, crate::files::MAX_LEDGER_BYTES)?;
    let read = ledger::read::read(&bytes, Some(encoding)).map_err(|error| {
        refuse(AvoirRefusal::Ledger {
            path: path.clone(),
            error,
        })
    })?;
    let missing = read.missing(&ledger::LINE_COLUMNS);
    if !missing.is_empty() {
        return Err(refuse(AvoirRefusal::LedgerColumns { path, missing }));
    }
    let known = read.rows.iter().map(|r| r.code.clone()).collect();
    read.rows
        .into_iter()
        .filter(|r| r.numero == numero)
        .map(|r| {
            let Some(code_unite) = details.unites.get(&r.code).cloned() else {
                return Err(refuse(AvoirRefusal::UnitMissing {
                    code: r.code,
                    numero: numero.to_string(),
                }));
            };
            Ok(Ligne {
                code: r.code,
                libelle: r.libelle,
                quantite: r.quantite,
                unite: r.unite,
                prix_unitaire: r.prix_unitaire,
                montant_ht: r.montant_ht,
                taux_tva: r.taux_tva,
                montant_tva: r.montant_tva,
                montant_ttc: r.montant_ttc,
                imputation: r.imputation,
                code_unite,
                prorata: None,
            })
        })
        .collect::<Result<_, Error>>()
        .map(|lignes| (lignes, known))
}

/// What the ledger does not carry and a credit note repeats: the unit
/// code of each item and the VAT mention of the appels.
struct Details {
    unites: BTreeMap<String, String>,
    mention_tva: Option<String>,
}

/// The details as the batch's manifest recorded them; a manifest of
/// format 1 (written before they were recorded) takes them from the
/// batch's grid, given with `--tariff` and checked against the manifest's
/// hash of it.
fn details(args: &AvoirArgs, lot: &Manifest) -> Result<Details, Error> {
    if lot.format >= 2 {
        return Ok(Details {
            unites: lot.unites.clone(),
            mention_tva: lot.mention_tva.clone(),
        });
    }
    let Some(path) = &args.tariff else {
        return Err(refuse(AvoirRefusal::GridNeeded {
            dir: args.batch.clone(),
        }));
    };
    let bytes = read_bytes(path)?;
    if sha256_hex(&bytes) != lot.entrees.grille.sha256 {
        return Err(refuse(AvoirRefusal::WrongGrid {
            path: path.clone(),
            recorded: lot.entrees.grille.chemin.clone(),
        }));
    }
    let grid = decode_grid(path, &bytes)?;
    Ok(Details {
        unites: grid
            .items()
            .iter()
            .map(|i| (i.code.clone(), i.code_unite.clone()))
            .collect(),
        mention_tva: grid.mention_tva.clone(),
    })
}

/// The appel as issued: the member as printed on it (the manifest's
/// `destinataire`), its dates and period, and its ledger lines.
fn rebuild_appel(
    lot: &Manifest,
    entry: &AppelEntry,
    lignes: Vec<Ligne>,
    mention_tva: Option<String>,
) -> Result<Appel, Error> {
    let d = &entry.destinataire;
    if lignes.is_empty() {
        return Err(refuse(AvoirRefusal::NoLines {
            numero: entry.numero.clone(),
        }));
    }
    let totaux = Totaux::of(&lignes);
    if totaux.ttc != entry.total_ttc {
        return Err(refuse(AvoirRefusal::TotalMismatch {
            numero: entry.numero.clone(),
            ledger: totaux.ttc,
            manifest: entry.total_ttc,
        }));
    }
    Ok(Appel {
        numero: entry.numero.clone(),
        rang: entry.rang,
        exercice: lot.exercice,
        date_emission: lot.date_emission,
        date_echeance: lot.date_echeance,
        periode_debut: d.periode_debut,
        periode_fin: d.periode_fin,
        membre: Member {
            line: 0,
            id: entry.membre_id.clone(),
            nom: d.nom.clone(),
            kind: d.type_membre,
            population: None,
            agents: None,
            affiliee: true,
            siret: d.siret.clone(),
            adresse: d.adresse.clone(),
            code_postal: d.code_postal.clone(),
            ville: d.ville.clone(),
            email: d.email.clone(),
            code_service: d.code_service.clone(),
            engagement: d.engagement.clone(),
            date_adhesion: None,
            quantities: Vec::new(),
        },
        placement: Placement {
            tranche: d.tranche,
            motif: d.motif_tranche.clone(),
        },
        lignes,
        totaux,
        mention_tva,
    })
}

/// What a credit note inherits from the previous one of its series.
struct Chain {
    rang: u32,
    credited: Vec<Credited>,
    /// The same, as the manifest records it.
    carried: Vec<DejaCredite>,
}

impl Default for Chain {
    fn default() -> Chain {
        Chain {
            rang: 1,
            credited: Vec::new(),
            carried: Vec::new(),
        }
    }
}

fn load_chain(dir: &Path, exercice: i32) -> Result<Chain, Error> {
    let previous = |problem: ChainProblem| {
        refuse(AvoirRefusal::Chain {
            dir: dir.to_path_buf(),
            problem,
        })
    };
    // A credit note continues only a folder that is whole and intact.
    let d = verify_folder(dir).map_err(|e| match e {
        BatchError::Verify { problems, .. } => previous(ChainProblem::NotIntact { problems }),
        other => other.into(),
    })?;
    if d.serie != avoir::SERIE {
        return Err(previous(ChainProblem::NotAvoirs { serie: d.serie }));
    }
    if d.manifest.exercice != exercice {
        return Err(previous(ChainProblem::OtherExercice {
            found: d.manifest.exercice,
            expected: exercice,
        }));
    }
    let credited = d
        .deja_credites
        .iter()
        .map(|c| Credited {
            appel: c.appel.clone(),
            code: c.code.clone(),
            avoir: c.avoir.clone(),
            montant_ttc: c.montant_ttc,
        })
        .collect();
    Ok(Chain {
        rang: avoir::next_rank(d.manifest.options.premier_rang, d.manifest.appels.len()),
        credited,
        carried: d.deja_credites,
    })
}

/// One credited item in `summary.json` (signed, as in the ledger).
#[derive(Serialize)]
struct ArticleCredite<'a> {
    code: &'a str,
    libelle: &'a str,
    quantite: String,
    montant_ht: String,
    montant_ttc: String,
}

/// `summary.json` of a credit note folder: counts and signed totals.
#[derive(Serialize)]
struct AvoirSummary<'a> {
    exercice: i32,
    date_emission: String,
    avoirs_emis: usize,
    premier_numero: &'a str,
    dernier_numero: &'a str,
    appel: &'a str,
    date_appel: String,
    membre_id: &'a str,
    membre_nom: &'a str,
    annulation_partielle: bool,
    motif: &'a str,
    lignes: usize,
    par_article: Vec<ArticleCredite<'a>>,
    /// Lines credited by this folder and the earlier ones of its series.
    lignes_creditees_serie: usize,
    total_ht: String,
    total_tva: String,
    total_ttc: String,
}

fn summary_json(avoir: &Avoir, entry: &AppelEntry, cumulative: usize) -> Vec<u8> {
    let signed = avoir.signed();
    let summary = AvoirSummary {
        exercice: signed.exercice,
        date_emission: signed.date_emission.to_string(),
        avoirs_emis: 1,
        premier_numero: &signed.numero,
        dernier_numero: &signed.numero,
        appel: &avoir.correction.appel_numero,
        date_appel: avoir.correction.appel_date.to_string(),
        membre_id: &entry.membre_id,
        membre_nom: &signed.membre.nom,
        annulation_partielle: avoir.correction.partielle,
        motif: &avoir.correction.motif,
        lignes: signed.lignes.len(),
        par_article: signed
            .lignes
            .iter()
            .map(|l| ArticleCredite {
                code: &l.code,
                libelle: &l.libelle,
                quantite: l.quantite.normalize().to_string(),
                montant_ht: l.montant_ht.to_string(),
                montant_ttc: l.montant_ttc.to_string(),
            })
            .collect(),
        lignes_creditees_serie: cumulative,
        total_ht: signed.totaux.ht.to_string(),
        total_tva: signed.totaux.tva.to_string(),
        total_ttc: signed.totaux.ttc.to_string(),
    };
    let mut json = serde_json::to_vec_pretty(&summary).unwrap_or_default();
    json.push(b'\n');
    json
}

/// Writes `files` (relative path, bytes) and then the manifest into a
/// staging folder beside `out`, flushes it, and puts it in place in one
/// rename, under the lock of `out`: the folder appears whole or not at all.
fn write_folder(
    log: &Log,
    out: &Path,
    inputs: &[PathBuf],
    files: &[(&str, &[u8])],
    manifest: &[u8],
) -> Result<(), Error> {
    for dir in crate::files::create_parents(out)? {
        log.info("dossier_cree", &format!("Dossier créé : {}", dir.display()));
    }
    let started = chrono::Local::now()
        .format("%d/%m/%Y à %H:%M:%S")
        .to_string();
    let _lock = OutputLock::acquire(out, &started)?;
    remove_stale(out);
    // Checked again under the lock: another run may have written meanwhile.
    let existing = check_output(out, inputs)?;
    Ok(output::write_staged(out, existing, |staging| {
        fill(staging, files, manifest)
    })?)
}

fn fill(staging: &Path, files: &[(&str, &[u8])], manifest: &[u8]) -> Result<(), BatchError> {
    for (rel, bytes) in files {
        let path = staging.join(rel);
        if let Some(parent) = path.parent().filter(|p| !p.exists()) {
            fs::create_dir_all(parent).map_err(BatchError::io("créer le dossier", parent))?;
        }
        output::write_file(&path, bytes)?;
    }
    // The manifest is written last: its presence means the folder is whole.
    output::sync_filesystem(staging)?;
    crate::failpoint::hit("avoir-avant-manifeste");
    let manifest_path = staging.join(MANIFEST_FILE);
    output::write_file(&manifest_path, manifest)?;
    fs::File::open(&manifest_path)
        .and_then(|f| f.sync_all())
        .map_err(BatchError::io(
            "enregistrer sur disque le fichier",
            &manifest_path,
        ))?;
    output::sync_dir(staging)?;
    crate::failpoint::hit("avoir-avant-publication");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Montant;
    use crate::testing::{d, manifest};

    fn line(ttc: &str) -> Ligne {
        let m = Montant::round_cent(d(ttc));
        Ligne {
            code: "forfait".into(),
            libelle: "Forfait".into(),
            quantite: d("1"),
            unite: "forfait".into(),
            prix_unitaire: m,
            montant_ht: m,
            taux_tva: d("0"),
            montant_tva: Montant::ZERO,
            montant_ttc: m,
            imputation: "706".into(),
            code_unite: "C62".into(),
            prorata: None,
        }
    }

    fn refusal(result: Result<Appel, Error>) -> AvoirRefusal {
        match result {
            Err(Error::Avoir(r)) => r,
            other => panic!("an avoir refusal expected, got {other:?}"),
        }
    }

    #[test]
    fn the_appel_is_rebuilt_only_from_a_ledger_that_agrees_with_the_manifest() {
        let lot = manifest();
        let entry = &lot.appels[0];
        let appel = rebuild_appel(&lot, entry, vec![line("1119.90")], None).unwrap();
        assert_eq!(appel.totaux.ttc, entry.total_ttc);
        assert_eq!(appel.membre.nom, "Syndicat");
        assert_eq!(
            refusal(rebuild_appel(&lot, entry, Vec::new(), None)),
            AvoirRefusal::NoLines {
                numero: "AC-2027-00001".into()
            }
        );
        let mismatch = refusal(rebuild_appel(&lot, entry, vec![line("1119.00")], None));
        assert_eq!(
            mismatch,
            AvoirRefusal::TotalMismatch {
                numero: "AC-2027-00001".into(),
                ledger: Montant::round_cent(d("1119.00")),
                manifest: entry.total_ttc,
            }
        );
        // Amounts in French, as everywhere a person reads them.
        assert_eq!(
            crate::testing::plain_spaces(&mismatch.to_string()),
            "l'appel AC-2027-00001 totalise 1 119,00 € dans le journal mais 1 119,90 € dans manifest.json"
        );
    }
}
