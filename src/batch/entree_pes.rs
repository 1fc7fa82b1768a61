//! A PES entry of the exercice folder (`entrees/NNNN-PES/`) as the
//! register sees it: its manifest `pes.json`, its register line, and its
//! proof (every file it lists, by hash, nothing else). The writer is
//! `batch::pes`.

use std::fs::{self, File};
use std::path::Path;

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::{BatchError, VerifyProblem};
pub use super::manifest::BordereauInscrit;
use super::manifest::{Entree, Inscription, hex, sha256_hex};
use crate::files;

/// The entry's manifest.
pub const PES_FILE: &str = "pes.json";
/// Layout of `pes.json` this version writes.
pub const FORMAT: u32 = 1;

/// `pes.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PesManifest {
    pub format: u32,
    pub programme: String,
    pub version: String,
    pub serie: String,
    pub exercice: i32,
    /// `DteStr` and `DteBordEm` of every bordereau.
    pub date: NaiveDate,
    /// The hash of the exercice's previous entry's manifest.
    pub precedent: Option<String>,
    pub grille: Entree,
    pub emetteur: Entree,
    pub max_pieces: usize,
    pub max_octets: u64,
    /// Each lot carried, by the hash of its manifest.
    pub lots: Vec<Entree>,
    pub bordereaux: Vec<BordereauInscrit>,
    /// The avoirs listed in `avoirs-a-saisir.csv`.
    pub avoirs: Vec<String>,
    /// The other files and their hashes.
    pub fichiers: Vec<Entree>,
}

impl PesManifest {
    /// Parses `pes.json`.
    ///
    /// # Errors
    /// The parser's reason, in French.
    pub fn parse(bytes: &[u8]) -> Result<PesManifest, String> {
        serde_json::from_slice(bytes).map_err(|e| crate::reasons::json_reason_fr(&e))
    }
}

/// The register line of the PES entry `root/rel`, from its `pes.json`.
///
/// # Errors
/// The manifest cannot be read.
pub fn inscription_of(
    root: &Path,
    rel: &str,
    sequence: u32,
    precedent: &str,
) -> Result<Inscription, BatchError> {
    let bytes = files::read_input(&root.join(rel).join(PES_FILE), files::MAX_LEDGER_BYTES)?;
    let m = PesManifest::parse(&bytes).map_err(|reason| BatchError::Dossier {
        path: root.to_path_buf(),
        problem: super::error::DossierProblem::EntreeIllisible {
            dossier: rel.into(),
            reason,
        },
    })?;
    Ok(inscription_from(
        &m,
        rel,
        sequence,
        precedent,
        sha256_hex(&bytes),
    ))
}

/// The register line of a PES entry whose manifest is `m`.
#[must_use]
pub fn inscription_from(
    m: &PesManifest,
    rel: &str,
    sequence: u32,
    precedent: &str,
    manifeste: String,
) -> Inscription {
    Inscription {
        sequence,
        serie: crate::pes::SERIE.into(),
        dossier: rel.into(),
        date: m.date,
        manifeste,
        precedent: precedent.into(),
        pieces: Vec::new(),
        bordereaux: m.bordereaux.clone(),
        avoirs_saisis: m.avoirs.clone(),
    }
}

/// Checks the PES entry `dir`: its manifest, every file it lists (flows
/// and others) by hash, nothing else, no link.
///
/// # Errors
/// `BatchError::Verify` with every problem.
pub fn verify_entry(dir: &Path) -> Result<PesManifest, BatchError> {
    let fail = |problems: Vec<VerifyProblem>| BatchError::Verify {
        dir: dir.to_path_buf(),
        problems,
    };
    let bytes = fs::read(dir.join(PES_FILE)).map_err(|e| {
        fail(vec![VerifyProblem::ManifestUnreadable {
            reason: crate::reasons::io_reason_fr(&e),
        }])
    })?;
    let m = PesManifest::parse(&bytes)
        .map_err(|reason| fail(vec![VerifyProblem::ManifestInvalid { reason }]))?;
    let mut problems = Vec::new();
    let listed: Vec<(&str, &str)> = m
        .bordereaux
        .iter()
        .map(|b| (b.fichier.as_str(), b.sha256.as_str()))
        .chain(
            m.fichiers
                .iter()
                .map(|f| (f.chemin.as_str(), f.sha256.as_str())),
        )
        .collect();
    let results: Vec<Option<VerifyProblem>> = listed
        .par_iter()
        .map(|(name, sha)| {
            if name.contains('/') || name.starts_with('.') {
                return Some(VerifyProblem::PathOutside {
                    file: (*name).to_string(),
                });
            }
            let path = dir.join(name);
            match fs::symlink_metadata(&path) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    return Some(VerifyProblem::Link {
                        file: (*name).to_string(),
                    });
                }
                Err(_) => {
                    return Some(VerifyProblem::Missing {
                        file: (*name).to_string(),
                    });
                }
                Ok(_) => {}
            }
            match hash_file(&path) {
                Ok(h) if h == *sha => None,
                Ok(_) => Some(VerifyProblem::Modified {
                    file: (*name).to_string(),
                }),
                Err(_) => Some(VerifyProblem::Missing {
                    file: (*name).to_string(),
                }),
            }
        })
        .collect();
    problems.extend(results.into_iter().flatten());
    if let Ok(entries) = fs::read_dir(dir) {
        let mut extra: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != PES_FILE && !listed.iter().any(|(l, _)| l == n))
            .collect();
        extra.sort();
        problems.extend(extra.into_iter().map(|file| VerifyProblem::Extra { file }));
    }
    if problems.is_empty() {
        Ok(m)
    } else {
        Err(fail(problems))
    }
}

/// SHA-256 of a file, read in blocks.
fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0; 1 << 20];
    loop {
        let n = std::io::Read::read(&mut f, &mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

/// Whether the entry folder `name` (in `entrees/`) is a PES entry.
#[must_use]
pub fn is_pes_entry(name: &str) -> bool {
    name.ends_with(&format!("-{}", crate::pes::SERIE))
}
