//! What a credit note (`cotisations avoir`) takes from the batch it
//! corrects and the folder it is written to: the appel as issued (the
//! batch's manifest and ledger, checked against each other), the details
//! the ledger does not carry (recorded in the manifest; for a format-1
//! batch, read from its grid), the earlier credit notes of the appel (from
//! the exercice's register: `Chain`), and the entry folder itself, staged
//! and published like a batch.
//! Reads and writes files; the credit itself is the pure `crate::avoir`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;

use super::destination::{OutputLock, check_destination, remove_stale};
use super::error::{AvoirRefusal, BatchError};
use super::manifest::{
    AVOIRS_DIR, AppelEntry, DejaCredite, DossierManifest, Entree, Entrees, FORMAT, Fichier,
    MANIFEST_FILE, Manifest, Options, PdfFormat, SERIE_APPELS, sha256_hex,
};
use super::output::{self, LEDGER_FILE, SUMMARY_FILE};
use crate::appel::Appel;
use crate::avoir::{self, Avoir, Credited};
use crate::facturx::Profile;
use crate::ledger;
use crate::pricing::{Ligne, Placement, Totaux};
use crate::roster::Member;

fn refuse(refusal: AvoirRefusal) -> BatchError {
    BatchError::Avoir(refusal)
}

/// The credit note's options: the batch's CSV, its own PDF format and rank.
pub fn options(lot: &Options, profile: Option<Profile>, rang: u32) -> Options {
    Options {
        format_csv: lot.format_csv,
        format_pdf: profile.map_or(PdfFormat::Plain, PdfFormat::FacturX),
        premier_rang: rang,
        ignorer_invalides: false,
        encodage_csv: lot.encodage_csv,
    }
}

/// `membre` has no appel in the batch.
fn no_appel(membre: &str, batch: &Path) -> AvoirRefusal {
    AvoirRefusal::NoAppel {
        membre: membre.to_string(),
        dir: batch.to_path_buf(),
        billed_by: None,
    }
}

/// The lines of appel `numero` in the batch's ledger, as billed, and every
/// item code the ledger holds.
fn ledger_lines(
    dir: &Path,
    encoding: crate::csv_out::Encoding,
    numero: &str,
    details: &Details,
) -> Result<(Vec<Ligne>, BTreeSet<String>), BatchError> {
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
        .collect::<Result<_, BatchError>>()
        .map(|lignes| (lignes, known))
}

/// What the ledger does not carry and a credit note repeats: the unit
/// code of each item and the VAT mention of the appels.
pub struct Details {
    pub unites: BTreeMap<String, String>,
    pub mention_tva: Option<String>,
    pub convention: String,
}

/// The details as the batch's manifest recorded them; `None` for a
/// manifest of format 1, written before they were recorded.
#[must_use]
pub fn recorded_details(lot: &Manifest) -> Option<Details> {
    (lot.format >= 2).then(|| Details {
        unites: lot.unites.clone(),
        mention_tva: lot.mention_tva.clone(),
        convention: lot.convention.clone(),
    })
}

/// The batch of appels `batch` (verified, read from `dir`), its manifest's
/// entry (path and hash, recorded by the credit note) and the appel
/// `numero` of `membre`.
///
/// # Errors
/// `AvoirRefusal::NotAppels` for a folder of credit notes,
/// `AvoirRefusal::NoAppel`, and the manifest's read errors.
pub fn appel_of(
    batch: DossierManifest,
    dir: &Path,
    membre: &str,
    numero: &str,
) -> Result<(Manifest, Entree, AppelEntry), BatchError> {
    if batch.serie != SERIE_APPELS {
        return Err(refuse(AvoirRefusal::NotAppels {
            dir: dir.to_path_buf(),
            serie: batch.serie,
        }));
    }
    let path = dir.join(MANIFEST_FILE);
    let bytes = crate::files::read_input(&path, crate::files::MAX_LEDGER_BYTES)?;
    let lot = batch.manifest;
    let Some(entry) = lot
        .appels
        .iter()
        .find(|a| a.membre_id == membre && a.numero == numero)
        .cloned()
    else {
        return Err(refuse(no_appel(membre, dir)));
    };
    let lot_manifest = Entree {
        chemin: path.display().to_string(),
        sha256: sha256_hex(&bytes),
    };
    Ok((lot, lot_manifest, entry))
}

/// The appel `entry` of batch `dir` as issued, rebuilt from the manifest
/// and the ledger, and every item code of the ledger (to tell a code of no
/// appel from one of another appel).
///
/// # Errors
/// The ledger's read errors and the refusals of a ledger that disagrees
/// with the manifest.
pub fn appel_as_issued(
    dir: &Path,
    lot: &Manifest,
    entry: &AppelEntry,
    details: &Details,
) -> Result<(Appel, BTreeSet<String>), BatchError> {
    let (lignes, known) = ledger_lines(dir, lot.options.encodage_csv, &entry.numero, details)?;
    let appel = rebuild_appel(lot, entry, lignes, details).map_err(refuse)?;
    Ok((appel, known))
}

/// The appel as issued: the member as printed on it (the manifest's
/// `destinataire`), its dates and period, and its ledger lines.
fn rebuild_appel(
    lot: &Manifest,
    entry: &AppelEntry,
    lignes: Vec<Ligne>,
    details: &Details,
) -> Result<Appel, AvoirRefusal> {
    let d = &entry.destinataire;
    if lignes.is_empty() {
        return Err(AvoirRefusal::NoLines {
            numero: entry.numero.clone(),
        });
    }
    let totaux = Totaux::of(&lignes);
    if totaux.ttc != entry.total_ttc {
        return Err(AvoirRefusal::TotalMismatch {
            numero: entry.numero.clone(),
            ledger: totaux.ttc,
            manifest: entry.total_ttc,
        });
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
            nom_service: d.nom_service.clone(),
            categorie_tiers: crate::roster::CategorieTiers::parse(&d.categorie_tiers),
            date_adhesion: None,
            quantities: Vec::new(),
        },
        placement: Placement {
            tranche: d.tranche,
            motif: d.motif_tranche.clone(),
        },
        lignes,
        totaux,
        mention_tva: details.mention_tva.clone(),
        convention: details.convention.clone(),
    })
}

/// What a credit note inherits from the previous one of its series.
pub struct Chain {
    pub rang: u32,
    /// The last credit note of the series: number and date.
    pub last: Option<(String, NaiveDate)>,
    pub credited: Vec<Credited>,
}

impl Default for Chain {
    fn default() -> Chain {
        Chain {
            rang: 1,
            last: None,
            credited: Vec::new(),
        }
    }
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

/// The path in the folder of the credit note's PDF.
#[must_use]
pub fn pdf_file(signed: &Appel) -> String {
    format!("{AVOIRS_DIR}/{}", output::pdf_name(signed))
}

/// `summary.json` of the folder.
#[must_use]
pub fn summary_json(avoir: &Avoir, entry: &AppelEntry, cumulative: usize) -> Vec<u8> {
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
/// rename, under the lock of `out` (`started`: when, for whoever finds it
/// held): the folder appears whole or not at all. `out`'s parents exist.
///
/// # Errors
/// The lock held, `out` no longer empty, I/O.
pub fn write_folder(
    out: &Path,
    inputs: &[PathBuf],
    files: &[(&str, &[u8])],
    manifest: &[u8],
    started: &str,
) -> Result<(), BatchError> {
    let _lock = OutputLock::acquire(out, started)?;
    remove_stale(out);
    // Checked again under the lock: another run may have written meanwhile.
    let existing = check_destination(out, false, inputs)?;
    output::write_staged(out, existing, |staging| fill(staging, files, manifest))
}

/// A credit note as issued, and what its manifest records of it.
pub struct Issued<'a> {
    /// The batch credited: its manifest, and that manifest's entry.
    pub lot: &'a Manifest,
    pub lot_manifest: Entree,
    /// The appel credited, as the batch lists it.
    pub entry: &'a AppelEntry,
    /// The issuer file of the credit note.
    pub emetteur: Entree,
    pub profile: Option<Profile>,
    pub details: &'a Details,
    pub chain: &'a Chain,
    /// The credit note, signed as issued (negative amounts).
    pub signed: &'a Appel,
    pub avoir: &'a Avoir,
    /// The PDF's path in the folder, and the files' bytes.
    pub pdf_file: &'a str,
    pub pdf: &'a [u8],
    pub ledger: &'a [u8],
    pub summary: &'a [u8],
    /// The hash of the exercice's previous entry's manifest.
    pub precedent: Option<String>,
}

impl Issued<'_> {
    /// The lines this credit note credits.
    #[must_use]
    pub fn deja_credites(&self) -> Vec<DejaCredite> {
        let mut all = Vec::new();
        all.extend(self.avoir.credited().into_iter().map(|c| DejaCredite {
            appel: c.appel,
            membre_id: self.entry.membre_id.clone(),
            code: c.code,
            avoir: c.avoir,
            montant_ttc: c.montant_ttc,
        }));
        all
    }

    /// The manifest of the credit note's folder.
    #[must_use]
    pub fn manifest(&self) -> DossierManifest {
        let (lot, signed) = (self.lot, self.signed);
        let date = signed.date_emission;
        DossierManifest {
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
                    emetteur: self.emetteur.clone(),
                },
                options: options(&lot.options, self.profile, self.chain.rang),
                premier_rang: Some(self.chain.rang),
                dernier_rang: Some(self.chain.rang),
                total_ttc: signed.totaux.ttc,
                unites: self.details.unites.clone(),
                mention_tva: self.details.mention_tva.clone(),
                convention: self.details.convention.clone(),
                appels: vec![AppelEntry {
                    numero: signed.numero.clone(),
                    rang: signed.rang,
                    membre_id: self.entry.membre_id.clone(),
                    fichier: self.pdf_file.to_string(),
                    sha256: sha256_hex(self.pdf),
                    total_ttc: signed.totaux.ttc,
                    destinataire: self.entry.destinataire.clone(),
                }],
                fichiers: [(LEDGER_FILE, self.ledger), (SUMMARY_FILE, self.summary)]
                    .into_iter()
                    .map(|(chemin, bytes)| Fichier {
                        chemin: chemin.into(),
                        sha256: sha256_hex(bytes),
                    })
                    .collect(),
                precedent: self.precedent.clone(),
                projet: None,
            },
            lot: Some(self.lot_manifest.clone()),
            deja_credites: self.deja_credites(),
        }
    }
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

    fn refusal(result: Result<Appel, AvoirRefusal>) -> AvoirRefusal {
        result.expect_err("an avoir refusal expected")
    }

    #[test]
    fn the_appel_is_rebuilt_only_from_a_ledger_that_agrees_with_the_manifest() {
        let lot = manifest();
        let entry = &lot.appels[0];
        let details = recorded_details(&lot).unwrap();
        let appel = rebuild_appel(&lot, entry, vec![line("1119.90")], &details).unwrap();
        assert_eq!(appel.totaux.ttc, entry.total_ttc);
        assert_eq!(appel.membre.nom, "Syndicat");
        assert_eq!(
            refusal(rebuild_appel(&lot, entry, Vec::new(), &details)),
            AvoirRefusal::NoLines {
                numero: "AC-2027-00001".into()
            }
        );
        let mismatch = refusal(rebuild_appel(&lot, entry, vec![line("1119.00")], &details));
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
