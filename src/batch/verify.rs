//! Proving a batch folder whole and untouched, for `cotisations verify`
//! and for the commands that read an entry (`emettre`, `avoir`):
//! every file's SHA-256 against the manifest, no file missing or extra, the
//! ledger's totals equal to each appel's total, numbers contiguous. A
//! folder of credit notes (series `AV`) is checked the same way, its PDFs
//! in `avoirs/`. Reads files; writes none.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use rayon::prelude::*;
use rust_decimal::Decimal;

use super::error::{BatchError, Embedded, VerifyProblem};
use crate::avoir;
use crate::batch::manifest::{
    AVOIRS_DIR, AppelEntry, DossierManifest, MANIFEST_FILE, Manifest, PdfFormat, SERIE_APPELS,
    sha256_hex,
};
use crate::batch::output::{
    APPELS_DIR, LEDGER_FILE, REJECTS_FILE, REPORT_FILE, SOUS_SEUIL_FILE, SUMMARY_FILE,
};
use crate::csv_out::{CsvFormat, Encoding};
use crate::format_fr::parse_nombre;
use crate::numbering::numero;

/// Checks the batch of appels `dir` and returns its manifest.
///
/// # Errors
/// `BatchError::Verify` with every problem found, or if `dir` holds credit
/// notes rather than appels.
pub fn verify_dir(dir: &Path) -> Result<Manifest, BatchError> {
    let d = verify_folder(dir)?;
    if d.serie != SERIE_APPELS {
        return Err(BatchError::Verify {
            dir: dir.to_path_buf(),
            problems: vec![VerifyProblem::NotAppels { serie: d.serie }],
        });
    }
    Ok(d.manifest)
}

/// Checks a batch of appels or a folder of credit notes and returns its
/// manifest.
///
/// # Errors
/// `BatchError::Verify` with every problem found.
pub fn verify_folder(dir: &Path) -> Result<DossierManifest, BatchError> {
    let fail = |problems: Vec<VerifyProblem>| BatchError::Verify {
        dir: dir.to_path_buf(),
        problems,
    };
    let manifest_path = dir.join(MANIFEST_FILE);
    let bytes = fs::read(&manifest_path).map_err(|e| {
        fail(vec![VerifyProblem::ManifestUnreadable {
            reason: crate::reasons::io_reason_fr(&e),
        }])
    })?;
    let d = DossierManifest::parse(&bytes)
        .map_err(|reason| fail(vec![VerifyProblem::ManifestInvalid { reason }]))?;
    let m = &d.manifest;
    // Each series has its number format and its folder of PDFs.
    let (pdf_dir, numero): (&str, fn(i32, u32) -> String) = match d.serie.as_str() {
        SERIE_APPELS if m.projet.is_some() => (APPELS_DIR, crate::numbering::numero_provisoire),
        SERIE_APPELS => (APPELS_DIR, numero),
        avoir::SERIE => (AVOIRS_DIR, avoir::numero),
        other => {
            return Err(fail(vec![VerifyProblem::UnknownSeries {
                serie: other.to_string(),
            }]));
        }
    };
    let mut problems = Vec::new();

    check_file_set(m, &d.serie, &mut problems);
    check_files(dir, m, pdf_dir, &mut problems);
    check_numbering(m, numero, &mut problems);
    check_ledger(dir, m, &mut problems);
    if problems.is_empty() {
        Ok(d)
    } else {
        Err(fail(problems))
    }
}

/// Every listed file has its hash, and the PDF folder holds no other file.
fn check_files(dir: &Path, m: &Manifest, pdf_dir: &str, problems: &mut Vec<VerifyProblem>) {
    let facturx = matches!(m.options.format_pdf, PdfFormat::FacturX(_));
    // Hashes of every listed file; each Factur-X PDF, read once, also has
    // its embedded XML checked (reported after the file problems).
    // In parallel (reading, hashing and inflating 35 000 PDFs is most of
    // the proof); an ordered collect keeps the problems in manifest order.
    let checked: Vec<(Vec<VerifyProblem>, Option<VerifyProblem>)> = m
        .appels
        .par_iter()
        .map(|a| {
            let mut found = Vec::new();
            let embedded = read_listed(dir, &a.fichier, &a.sha256, &mut found)
                .filter(|_| facturx)
                .and_then(|pdf| embedded_mismatch(a, &pdf))
                .map(|mismatch| VerifyProblem::Embedded {
                    numero: a.numero.clone(),
                    mismatch,
                });
            (found, embedded)
        })
        .collect();
    let mut embedded = Vec::new();
    for (found, e) in checked {
        problems.extend(found);
        embedded.extend(e);
    }
    for f in &m.fichiers {
        read_listed(dir, &f.chemin, &f.sha256, problems);
    }
    // Each document's PDF is its own: in the PDF folder, named after its
    // number, and no two documents with the same file or the same bytes.
    let mut by_hash: BTreeMap<&str, &str> = BTreeMap::new();
    for a in &m.appels {
        let prefix = format!("{pdf_dir}/{}_", a.numero);
        let own_name = a.fichier.starts_with(&prefix)
            && Path::new(&a.fichier)
                .extension()
                .is_some_and(|e| e == "pdf")
            && !a.fichier[prefix.len()..].contains('/');
        if !own_name {
            problems.push(VerifyProblem::Misnamed {
                file: a.fichier.clone(),
                numero: a.numero.clone(),
            });
        }
        if let Some(first) = by_hash.insert(&a.sha256, &a.numero) {
            problems.push(VerifyProblem::SamePdf {
                first: first.to_string(),
                second: a.numero.clone(),
            });
        }
    }
    // Nothing else in the folder, at any level.
    let mut expected: BTreeSet<String> = m
        .appels
        .iter()
        .map(|a| a.fichier.clone())
        .chain(m.fichiers.iter().map(|f| f.chemin.clone()))
        .collect();
    expected.insert(MANIFEST_FILE.to_string());
    let mut found = Vec::new();
    walk(dir, "", &mut found);
    for (rel, kind) in found {
        match kind {
            Walked::Link => problems.push(VerifyProblem::Link { file: rel }),
            Walked::Dir if expected.iter().any(|e| e.starts_with(&format!("{rel}/"))) => {}
            Walked::File if expected.contains(&rel) => {}
            Walked::Dir => problems.push(VerifyProblem::Extra {
                file: format!("{rel}/"),
            }),
            Walked::File => problems.push(VerifyProblem::Extra { file: rel }),
        }
    }
    problems.extend(embedded);
}

/// A folder's files besides its PDFs are a fixed set: the ledger and the
/// summary, and for a batch of appels its report and, when there are, the
/// members below the threshold and the rows left out.
fn check_file_set(m: &Manifest, serie: &str, problems: &mut Vec<VerifyProblem>) {
    let (required, optional): (&[&str], &[&str]) = if serie == SERIE_APPELS {
        (
            &[LEDGER_FILE, SUMMARY_FILE, REPORT_FILE],
            &[SOUS_SEUIL_FILE, REJECTS_FILE],
        )
    } else {
        (&[LEDGER_FILE, SUMMARY_FILE], &[])
    };
    let listed: BTreeSet<&str> = m.fichiers.iter().map(|f| f.chemin.as_str()).collect();
    for file in required.iter().filter(|f| !listed.contains(*f)) {
        problems.push(VerifyProblem::Unlisted {
            file: (*file).to_string(),
        });
    }
    for file in listed
        .iter()
        .filter(|f| !required.contains(f) && !optional.contains(f))
    {
        problems.push(VerifyProblem::Extra {
            file: (*file).to_string(),
        });
    }
}

/// The bytes of the listed file `rel` if they have the `expected` hash,
/// read only inside the folder and through no link; else the problem.
fn read_listed(
    dir: &Path,
    rel: &str,
    expected: &str,
    problems: &mut Vec<VerifyProblem>,
) -> Option<Vec<u8>> {
    let problem = if !inside(rel) {
        VerifyProblem::PathOutside { file: rel.into() }
    } else if through_link(dir, rel) {
        VerifyProblem::Link { file: rel.into() }
    } else {
        match fs::read(dir.join(rel)) {
            Ok(b) if sha256_hex(&b) == expected => return Some(b),
            Ok(_) => VerifyProblem::Modified { file: rel.into() },
            Err(_) => VerifyProblem::Missing { file: rel.into() },
        }
    };
    problems.push(problem);
    None
}

/// How a Factur-X PDF's embedded XML disagrees with its document's number,
/// buyer and total as the manifest records them (the ledger's totals are
/// the manifest's: `check_ledger`).
fn embedded_mismatch(a: &AppelEntry, pdf: &[u8]) -> Option<Embedded> {
    let facts = crate::render::embedded_xml(pdf)
        .and_then(|xml| String::from_utf8(xml).ok())
        .and_then(|xml| crate::facturx::facts(&xml));
    match facts {
        None => Some(Embedded::Unreadable),
        Some(f) if f.numero != a.numero => Some(Embedded::Numero { found: f.numero }),
        Some(f) if !f.names(&a.destinataire.nom) => Some(Embedded::Nom {
            found: f.nom_acheteur,
        }),
        Some(f) if f.siret_acheteur != a.destinataire.siret => Some(Embedded::Siret {
            found: f.siret_acheteur,
        }),
        Some(f) => match Decimal::from_str_exact(&f.total_ttc) {
            Ok(t) if t == a.total_ttc.decimal().abs() => None,
            Ok(t) => Some(Embedded::Total { found: t }),
            Err(_) => Some(Embedded::Unreadable),
        },
    }
}

/// A path a manifest may list: relative, down into the folder only.
fn inside(rel: &str) -> bool {
    let path = Path::new(rel);
    !rel.is_empty()
        && path
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
}

/// Whether `rel`, below `dir`, passes through a symbolic link.
fn through_link(dir: &Path, rel: &str) -> bool {
    let mut at = dir.to_path_buf();
    Path::new(rel).components().any(|c| {
        at.push(c);
        fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink())
    })
}

/// What `walk` finds.
enum Walked {
    File,
    Dir,
    Link,
}

/// Every entry below `dir` (`rel`: its path from the folder), links not
/// followed, in name order.
fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, Walked)>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        match entry.file_type() {
            Ok(t) if t.is_symlink() => out.push((path, Walked::Link)),
            Ok(t) if t.is_dir() => {
                walk(&entry.path(), &path, out);
                out.push((path, Walked::Dir));
            }
            _ => out.push((path, Walked::File)),
        }
    }
}

/// The numbers follow each other from the first rank.
fn check_numbering(
    m: &Manifest,
    numero: fn(i32, u32) -> String,
    problems: &mut Vec<VerifyProblem>,
) {
    // Contiguous numbers.
    for (i, a) in m.appels.iter().enumerate() {
        let expected = m
            .options
            .premier_rang
            .saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
        if a.rang != expected || a.numero != numero(m.exercice, a.rang) {
            problems.push(VerifyProblem::Numbering {
                found: a.numero.clone(),
                expected: numero(m.exercice, expected),
            });
            return;
        }
    }
}

/// The ledger's totals per document equal the documents', and its grand
/// total the manifest's and the summary's.
fn check_ledger(dir: &Path, m: &Manifest, problems: &mut Vec<VerifyProblem>) {
    // Ledger totals per appel equal the appels' totals.
    match ledger_totals(
        &dir.join(LEDGER_FILE),
        m.options.format_csv,
        m.options.encodage_csv,
    ) {
        Ok(totals) => {
            let mut grand = Decimal::ZERO;
            for a in &m.appels {
                let expected = a.total_ttc.decimal();
                match totals.get(&a.numero) {
                    Some(t) if *t == expected => {}
                    Some(t) => problems.push(VerifyProblem::DocumentTotal {
                        numero: a.numero.clone(),
                        ledger: *t,
                        document: expected,
                    }),
                    None => problems.push(VerifyProblem::NotInLedger {
                        numero: a.numero.clone(),
                    }),
                }
                grand += expected;
            }
            for n in totals.keys() {
                if !m.appels.iter().any(|a| &a.numero == n) {
                    problems.push(VerifyProblem::NoPdf { numero: n.clone() });
                }
            }
            let ledger_total: Decimal = totals.values().sum();
            if m.total_ttc.decimal() != ledger_total {
                problems.push(VerifyProblem::GrandTotal {
                    ledger: ledger_total,
                    manifest: m.total_ttc,
                });
            }
            if grand != ledger_total {
                problems.push(VerifyProblem::DocumentsSum {
                    documents: grand,
                    ledger: ledger_total,
                });
            }
            if let Ok(summary) = fs::read(dir.join(SUMMARY_FILE)) {
                let total = serde_json::from_slice::<serde_json::Value>(&summary)
                    .ok()
                    .and_then(|v| {
                        v.get("total_ttc")
                            .and_then(|t| t.as_str())
                            .map(String::from)
                    })
                    .and_then(|t| parse_nombre(&t).ok());
                if total != Some(ledger_total) {
                    problems.push(VerifyProblem::SummaryTotal);
                }
            }
        }
        Err(p) => problems.push(p),
    }
}

/// An amount read from a manifest or a ledger, in French.
/// Sum of `montant_ttc` per appel number in the ledger.
fn ledger_totals(
    path: &Path,
    format: CsvFormat,
    encoding: Encoding,
) -> Result<BTreeMap<String, Decimal>, VerifyProblem> {
    let bytes = fs::read(path).map_err(|_| VerifyProblem::LedgerMissing)?;
    let ledger =
        crate::ledger::read::read(&bytes, Some(encoding)).map_err(VerifyProblem::Ledger)?;
    if ledger.format != format {
        return Err(VerifyProblem::LedgerFormat { expected: format });
    }
    let mut totals = BTreeMap::new();
    for row in ledger.rows {
        *totals.entry(row.numero).or_insert(Decimal::ZERO) += row.montant_ttc.decimal();
    }
    Ok(totals)
}
