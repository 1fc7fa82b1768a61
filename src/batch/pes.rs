//! The PES V2 flows of an exercice (`cotisations pes DIR`): every issued
//! lot not yet carried by a flow becomes one or more bordereaux, each its
//! own file, in one entry of the exercice folder (series `PES`,
//! `entrees/NNNN-PES/`), numbered by the register and never written again.
//!
//! ```text
//! entrees/0002-PES/PESORMC_<siret>_<exercice>_<IdBord>.xml   one per bordereau
//! entrees/0002-PES/avoirs-a-saisir.csv   the avoirs the finance software enters
//! entrees/0002-PES/summary.json          lots → bordereaux, values fitted, caps
//! entrees/0002-PES/pes.json              the entry's manifest, written last
//! ```
//!
//! The XML is streamed to disk: the pièces first (their sizes bounded
//! beforehand from the lot), then the attachments, each read, checked
//! against the lot's hash, gzipped, base64-encoded and written. The
//! bordereaux are written side by side, each file by one job; memory is
//! a few PDFs per job, whatever the lot's size. The PDFs are asked of the
//! disk (`posix_fadvise`) while the lots are read.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::dossier::{Inscription, Registre};
use super::entree_pes::{BordereauInscrit, FORMAT, PES_FILE, PesManifest};
use super::error::{BatchError, PesRefusal};
use super::manifest::{DossierManifest, Entree, MANIFEST_FILE, SERIE_APPELS, hex, sha256_hex};
use super::output::{LEDGER_FILE, SUMMARY_FILE, sync_dir};
use crate::csv_out::{CsvFormat, Encoding};
use crate::files;
use crate::money::Montant;
use crate::pes::{self, AppelLot, Debiteur, LigneLot, PesError, Reglages, Remarque};

/// The avoirs to enter in the finance software.
pub const AVOIRS_FILE: &str = "avoirs-a-saisir.csv";
/// PDFs read, compressed and encoded together by a bordereau written
/// on the whole pool.
const CHUNK: usize = 64;

/// The options of a flow.
#[derive(Debug, Clone)]
pub struct Options {
    pub date: NaiveDate,
    pub max_pieces: usize,
    pub max_octets: u64,
    /// Deflate the PDFs (gzip's fastest level) rather than store them in
    /// the gzip stream: 6 % smaller, twice the CPU (the PDFs' streams are
    /// compressed already).
    pub compresser: bool,
    pub grille: Entree,
    pub emetteur: Entree,
}

/// What a lot to carry holds, read and checked.
struct Lot {
    dossier: String,
    manifeste: String,
    dir: PathBuf,
    manifest: DossierManifest,
}

/// A lot's ledger lines per numero, in ledger order.
type Lignes = BTreeMap<String, Vec<LigneLot>>;

/// A flow written, for the summary and the register.
#[derive(Debug)]
pub struct Ecrit {
    pub manifest: PesManifest,
    pub remarques: Vec<Remarque>,
    pub appels: usize,
    pub octets: u64,
}

/// What an entry carries: the lots no flow carries yet, or rôles Hélios
/// rejected, sent again.
#[derive(Debug, Clone, Copy)]
pub enum Contenu<'r> {
    /// These lots, whole, in bordereaux numbered from the next `IdBord`
    /// (or the issuer's `premier_bordereau`).
    Lots(&'r [&'r Inscription], u32),
    /// These rôles again: the same pièces under the same `IdBord`, their
    /// attachments under new `IdUnique`s.
    Renvois(&'r [Renvoi<'r>]),
}

/// A rôle to send again: the lot it carries, its first sending, the rank
/// of this one (2 for the first re-sending).
#[derive(Debug, Clone, Copy)]
pub struct Renvoi<'r> {
    pub lot: &'r Inscription,
    pub bordereau: &'r BordereauInscrit,
    pub envoi: u8,
}

/// The rôles to send again, `roles`, as the register knows them: each
/// one's lot, its first sending and the rank of the new one.
///
/// # Errors
/// `PesRefusal::RoleInconnu` for a rôle no flow sent, `TropDEnvois`
/// past the 99th sending.
pub fn renvois<'r>(r: &'r Registre, roles: &[u32]) -> Result<Vec<Renvoi<'r>>, PesRefusal> {
    let mut out = Vec::new();
    for &id_bord in roles {
        let sent: Vec<&BordereauInscrit> = r
            .lignes
            .iter()
            .flat_map(|l| &l.bordereaux)
            .filter(|b| b.id_bord == id_bord)
            .collect();
        let (Some(first), Some(last)) = (sent.first(), sent.iter().map(|b| b.envoi).max()) else {
            return Err(PesRefusal::RoleInconnu { id_bord });
        };
        let Some(lot) = r
            .lignes
            .iter()
            .find(|l| l.serie == SERIE_APPELS && l.dossier == first.lot)
        else {
            return Err(PesRefusal::RoleInconnu { id_bord });
        };
        if last >= 99 {
            return Err(PesRefusal::TropDEnvois { id_bord });
        }
        out.push(Renvoi {
            lot,
            bordereau: first,
            envoi: last + 1,
        });
    }
    Ok(out)
}

/// The lots of the exercice no flow carries yet, in register order.
#[must_use]
pub fn lots_a_transmettre(r: &Registre) -> Vec<&Inscription> {
    let carried: BTreeSet<&str> = r
        .lignes
        .iter()
        .flat_map(|l| l.bordereaux.iter().map(|b| b.lot.as_str()))
        .collect();
    r.lignes
        .iter()
        .filter(|l| l.serie == SERIE_APPELS && !carried.contains(l.dossier.as_str()))
        .collect()
}

/// The date of the bordereaux, `asked`: within the exercice; during the
/// journée complémentaire (to 31 January N+1) the rôles of N are dated
/// 31 December N; never before a lot carried nor the last flow.
///
/// # Errors
/// `PesRefusal::HorsExercice` or `DateAnterieure`.
pub fn date_bordereaux(
    asked: NaiveDate,
    exercice: i32,
    lots: &[&Inscription],
    last: Option<NaiveDate>,
) -> Result<NaiveDate, PesRefusal> {
    let first = NaiveDate::from_ymd_opt(exercice, 1, 1).unwrap_or(asked);
    let last_day = NaiveDate::from_ymd_opt(exercice, 12, 31).unwrap_or(asked);
    let complementaire = NaiveDate::from_ymd_opt(exercice + 1, 1, 31).unwrap_or(asked);
    let date = if asked > last_day && asked <= complementaire {
        last_day
    } else {
        asked
    };
    if date < first || date > last_day {
        return Err(PesRefusal::HorsExercice {
            date: asked,
            exercice,
        });
    }
    for l in lots {
        if date < l.date {
            return Err(PesRefusal::DateAnterieure {
                date,
                avant: l.date,
                quoi: format!("du lot {}", l.dossier),
            });
        }
    }
    if let Some(last) = last.filter(|d| date < *d) {
        return Err(PesRefusal::DateAnterieure {
            date,
            avant: last,
            quoi: "du dernier flux PES".into(),
        });
    }
    Ok(date)
}

fn refuse(r: PesRefusal) -> BatchError {
    BatchError::Pes(r)
}

/// Reads the lot of the register line `l`: its manifest (the one the
/// register inscribed) and its ledger.
fn read_lot(
    r: &Registre,
    l: &Inscription,
    encoding: Encoding,
) -> Result<(Lot, Lignes), BatchError> {
    let dir = r.root.join(&l.dossier);
    let modified = |fichier: &str| {
        refuse(PesRefusal::LotModifie {
            dossier: l.dossier.clone(),
            fichier: fichier.into(),
        })
    };
    // The ledger first, row by row, only what the flow needs kept (each
    // code and label once), then the manifest: 42 MB and 28 MB for 35 000
    // appels, never in memory together.
    let ledger_bytes = files::read_input(&dir.join(LEDGER_FILE), files::MAX_LEDGER_BYTES)?;
    let ledger_sha = sha256_hex(&ledger_bytes);
    let mut lignes = Lignes::new();
    let mut shared: std::collections::HashSet<std::sync::Arc<str>> =
        std::collections::HashSet::new();
    let mut intern = |text: String| -> std::sync::Arc<str> {
        if let Some(s) = shared.get(text.as_str()) {
            return s.clone();
        }
        let s: std::sync::Arc<str> = text.into();
        shared.insert(s.clone());
        s
    };
    crate::ledger::read::read_each(&ledger_bytes, Some(encoding), |row| {
        let line = LigneLot {
            code: intern(row.code),
            libelle: intern(row.libelle),
            montant_tva: row.montant_tva,
            montant_ttc: row.montant_ttc,
        };
        lignes.entry(row.numero).or_default().push(line);
    })
    .map_err(|_| modified(LEDGER_FILE))?;
    drop(ledger_bytes);
    let bytes = files::read_input(&dir.join(MANIFEST_FILE), files::MAX_LEDGER_BYTES)?;
    if sha256_hex(&bytes) != l.manifeste {
        return Err(modified(MANIFEST_FILE));
    }
    let manifest = DossierManifest::parse(&bytes).map_err(|_| modified(MANIFEST_FILE))?;
    drop(bytes);
    let listed = manifest
        .manifest
        .fichiers
        .iter()
        .find(|f| f.chemin == LEDGER_FILE);
    if listed.is_none_or(|f| f.sha256 != ledger_sha) {
        return Err(modified(LEDGER_FILE));
    }
    Ok((
        Lot {
            dossier: l.dossier.clone(),
            manifeste: l.manifeste.clone(),
            dir,
            manifest,
        },
        lignes,
    ))
}

/// The appels of `lot` as the pure `pes` takes them, with their lines
/// (taken out of `lignes`).
fn appels_of(lot: &Lot, mut lignes: Lignes) -> Vec<AppelLot<'_>> {
    lot.manifest
        .manifest
        .appels
        .iter()
        .map(|a| {
            let d = &a.destinataire;
            AppelLot {
                numero: &a.numero,
                rang: a.rang,
                membre_id: &a.membre_id,
                nom_pdf: a.fichier.rsplit('/').next().unwrap_or(&a.fichier),
                chemin: &a.fichier,
                sha256: &a.sha256,
                total_ttc: a.total_ttc,
                d: Debiteur {
                    nom: &d.nom,
                    kind: d.type_membre,
                    siret: &d.siret,
                    adresse: &d.adresse,
                    code_postal: &d.code_postal,
                    ville: &d.ville,
                    code_service: &d.code_service,
                    engagement: &d.engagement,
                    nom_service: &d.nom_service,
                    categorie_tiers: &d.categorie_tiers,
                },
                lignes: lignes.remove(&a.numero).unwrap_or_default(),
            }
        })
        .collect()
}

/// A file writer that hashes what it writes: small writes (the XML
/// around the attachments) gathered in blocks of `BLOCK` bytes, hashed
/// and written a block at a time; a larger write as it is, without a
/// copy.
struct Hashing {
    file: File,
    buf: Vec<u8>,
    len: u64,
    sha: Sha256,
}

/// The blocks `Hashing` gathers small writes into.
const BLOCK: usize = 1 << 18;

impl Hashing {
    fn new(file: File) -> Hashing {
        Hashing {
            file,
            buf: Vec::with_capacity(BLOCK),
            len: 0,
            sha: Sha256::new(),
        }
    }

    fn write_block(&mut self) -> std::io::Result<()> {
        self.sha.update(&self.buf);
        self.file.write_all(&self.buf)?;
        self.buf.clear();
        Ok(())
    }

    /// Writes what is left; returns the file, its SHA-256 and its size.
    fn finish(mut self) -> std::io::Result<(File, String, u64)> {
        self.write_block()?;
        Ok((self.file, hex(&self.sha.finalize()), self.len))
    }
}

impl Write for Hashing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.len += buf.len() as u64;
        if self.buf.len() + buf.len() <= BLOCK {
            self.buf.extend_from_slice(buf);
        } else {
            self.write_block()?;
            if buf.len() < BLOCK {
                self.buf.extend_from_slice(buf);
            } else {
                self.sha.update(buf);
                self.file.write_all(buf)?;
            }
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The buffers of `encode_pdf`, kept from one PDF to the next.
#[derive(Default)]
struct Scratch {
    pdf: Vec<u8>,
    gz: Vec<u8>,
    base64: Vec<u8>,
}

/// The PDF at `path`, checked against `sha256`, in a gzip stream (its
/// blocks stored, or deflated with `compresser`) and encoded in base64
/// lines of 76 characters, into `s.base64`.
fn encode_pdf(
    s: &mut Scratch,
    path: &Path,
    compresser: bool,
    sha256: &str,
    (dossier, fichier): (&str, &str),
) -> Result<(), BatchError> {
    files::read_input_into(path, files::MAX_LEDGER_BYTES, &mut s.pdf)?;
    if hex(&Sha256::digest(&s.pdf)) != sha256 {
        return Err(BatchError::Pes(PesRefusal::LotModifie {
            dossier: dossier.into(),
            fichier: fichier.into(),
        }));
    }
    let mut gz = std::mem::take(&mut s.gz);
    gz.clear();
    let mut gz = flate2::write::GzEncoder::new(
        gz,
        if compresser {
            flate2::Compression::fast()
        } else {
            flate2::Compression::none()
        },
    );
    gz.write_all(&s.pdf)
        .map_err(BatchError::io("compresser le fichier", path))?;
    s.gz = gz
        .finish()
        .map_err(BatchError::io("compresser le fichier", path))?;
    s.base64.clear();
    pes::base64_lines(&s.gz, &mut s.base64);
    Ok(())
}

/// One bordereau to write: its number, its lot, its appels and their
/// total (`plan_lot` summed the pièces'), the rank of the sending.
struct Part<'l, 'a> {
    id_bord: u32,
    envoi: u8,
    lot: &'l Lot,
    appels: &'l [AppelLot<'a>],
    total: Montant,
}

/// Writes the bordereau `part` as the file `dir/name`, streamed and
/// flushed to disk; returns its hash and size. Each pièce is built,
/// written and dropped (its attachment's names kept); then each PDF is
/// read, checked and encoded. With `seul` (too few bordereaux to keep the
/// pool busy), the PDFs are read and encoded on the pool, a chunk at a
/// time; else one after the other.
fn write_part(
    dir: &Path,
    name: &str,
    (compresser, seul): (bool, bool),
    (part, reglages): (&Part<'_, '_>, &Reglages<'_>),
    header: &pes::Entete<'_>,
) -> Result<(String, u64), BatchError> {
    let path = dir.join(name);
    let file = File::create(&path).map_err(BatchError::io("créer le fichier", &path))?;
    let mut w = Hashing::new(file);
    pes::write_entete(&mut w, header).map_err(BatchError::io("écrire le fichier", &path))?;
    let changed = || {
        refuse(PesRefusal::LotModifie {
            dossier: part.lot.dossier.clone(),
            fichier: LEDGER_FILE.into(),
        })
    };
    let mut pjs = Vec::with_capacity(part.appels.len());
    let mut total = Montant::ZERO;
    for a in part.appels {
        // Examined already: the same appel gives the same pièce.
        let mut p = pes::piece_of(a, reglages).ok_or_else(changed)?;
        if part.envoi > 1 {
            p.pj.id_unique = pes::id_unique(reglages.siret, &p.numero, part.envoi);
        }
        pes::write_piece(&mut w, &p).map_err(BatchError::io("écrire le fichier", &path))?;
        total = total + p.total;
        pjs.push(p.pj);
    }
    if total != part.total {
        return Err(changed());
    }
    pes::write_pj_debut(&mut w).map_err(BatchError::io("écrire le fichier", &path))?;
    let encode = |s: &mut Scratch, a: &AppelLot<'_>| {
        let pdf = part.lot.dir.join(a.chemin);
        encode_pdf(s, &pdf, compresser, a.sha256, (&part.lot.dossier, a.chemin))
    };
    if seul {
        for (pjs, appels) in pjs.chunks(CHUNK).zip(part.appels.chunks(CHUNK)) {
            let encoded = appels
                .par_iter()
                .map(|a| {
                    let mut s = Scratch::default();
                    encode(&mut s, a).map(|()| s.base64)
                })
                .collect::<Result<Vec<_>, _>>()?;
            for (pj, b64) in pjs.iter().zip(&encoded) {
                pes::write_pj(&mut w, pj, b64)
                    .map_err(BatchError::io("écrire le fichier", &path))?;
            }
        }
    } else {
        let mut s = Scratch::default();
        for (pj, a) in pjs.iter().zip(part.appels) {
            encode(&mut s, a)?;
            pes::write_pj(&mut w, pj, &s.base64)
                .map_err(BatchError::io("écrire le fichier", &path))?;
        }
    }
    pes::write_fin(&mut w).map_err(BatchError::io("écrire le fichier", &path))?;
    let (file, hash, len) = w
        .finish()
        .map_err(BatchError::io("écrire le fichier", &path))?;
    file.sync_data()
        .map_err(BatchError::io("enregistrer sur disque le fichier", &path))?;
    Ok((hash, len))
}

/// A lot's appels examined: each pièce's size bound and total, in order,
/// and the values changed to fit.
struct Examen {
    tailles: Vec<u64>,
    totals: Vec<Montant>,
    remarques: Vec<Remarque>,
}

/// Ranges of a lot's appels, one per bordereau, and the total of each.
type Tranches = Vec<(std::ops::Range<usize>, Montant)>;

/// Each appel of `lot` examined on the pool, its pièce built, measured
/// and dropped: the pièces' size bounds and totals, and the remarks; the
/// problems found go to `problems` (then `None`).
fn examine(
    lot: &Lot,
    appels: &[AppelLot<'_>],
    reglages: &Reglages<'_>,
    problems: &mut Vec<(String, PesError)>,
) -> Result<Option<Examen>, BatchError> {
    type Examined = (u64, Montant, Vec<PesError>, Vec<Remarque>);
    let examined = appels
        .par_iter()
        .map(|a| {
            let (mut errors, mut notes) = (Vec::new(), Vec::new());
            let Some(p) = pes::piece_examinee(a, reglages, &mut errors, &mut notes) else {
                return Ok((0, Montant::ZERO, errors, notes));
            };
            let path = lot.dir.join(a.chemin);
            let len = fs::symlink_metadata(&path)
                .map_err(BatchError::io("lire le fichier", &path))?
                .len();
            Ok((pes::taille_max(&p, len), p.total, errors, notes))
        })
        .collect::<Result<Vec<Examined>, BatchError>>()?;
    let before = problems.len();
    problems.extend(
        pes::sans_code_produit(appels, reglages)
            .into_iter()
            .chain(examined.iter().flat_map(|(_, _, e, _)| e.iter().cloned()))
            .map(|e| (lot.dossier.clone(), e)),
    );
    if problems.len() > before {
        return Ok(None);
    }
    let mut tailles = Vec::with_capacity(examined.len());
    let mut totals = Vec::with_capacity(examined.len());
    let mut remarques = Vec::new();
    for (taille, total, _, notes) in examined {
        tailles.push(taille);
        totals.push(total);
        remarques.extend(notes);
    }
    Ok(Some(Examen {
        tailles,
        totals,
        remarques,
    }))
}

/// How `lot`'s appels split into bordereaux (ranges of `appels`, its
/// appels in order) and the total of each, the remarks; the problems
/// found go to `problems`.
fn plan_lot(
    lot: &Lot,
    appels: &[AppelLot<'_>],
    reglages: &Reglages<'_>,
    opts: &Options,
    fixe: u64,
    problems: &mut Vec<(String, PesError)>,
) -> Result<(Tranches, Vec<Remarque>), BatchError> {
    let Some(Examen {
        tailles,
        totals,
        remarques: notes,
    }) = examine(lot, appels, reglages, problems)?
    else {
        return Ok((Vec::new(), Vec::new()));
    };
    match pes::plan(&tailles, opts.max_pieces, opts.max_octets, fixe) {
        Ok(ranges) => Ok((
            ranges
                .into_iter()
                .map(|r| {
                    let total = totals[r.clone()].iter().fold(Montant::ZERO, |a, t| a + *t);
                    (r, total)
                })
                .collect(),
            notes,
        )),
        Err(i) => {
            problems.push((
                lot.dossier.clone(),
                PesError::PieceTropGrande {
                    numero: appels[i].numero.to_string(),
                    octets: tailles[i],
                    max: opts.max_octets,
                },
            ));
            Ok((Vec::new(), notes))
        }
    }
}

/// The bordereau `x` sent again: its lot's appels of the ranks the first
/// sending carried, examined again (the settings may have changed), the
/// same count and total; `None` if problems were found (in `problems`).
fn renvoi<'l, 'a>(
    x: &Renvoi<'_>,
    (lots, appels): (&'l [Lot], &'l [Vec<AppelLot<'a>>]),
    reglages: &Reglages<'_>,
    problems: &mut Vec<(String, PesError)>,
) -> Result<Option<(Part<'l, 'a>, Vec<Remarque>)>, BatchError> {
    let b = x.bordereau;
    let modified = || refuse(PesRefusal::RoleModifie { id_bord: b.id_bord });
    let (lot, appels) = lots
        .iter()
        .zip(appels)
        .find(|(l, _)| l.dossier == x.lot.dossier)
        .ok_or_else(modified)?;
    let range = appels
        .iter()
        .position(|a| a.rang == b.premier_rang)
        .zip(appels.iter().position(|a| a.rang == b.dernier_rang))
        .map(|(i, j)| i..j + 1)
        .ok_or_else(modified)?;
    let Some(examen) = examine(lot, &appels[range.clone()], reglages, problems)? else {
        return Ok(None);
    };
    let total = examen.totals.iter().fold(Montant::ZERO, |a, t| a + *t);
    if range.len() != b.pieces || total != b.total {
        return Err(modified());
    }
    let part = Part {
        id_bord: b.id_bord,
        envoi: x.envoi,
        lot,
        appels: &appels[range],
        total,
    };
    Ok(Some((part, examen.remarques)))
}

/// The bordereaux of an entry: the next ones from this `IdBord`, or
/// rôles sent again.
#[derive(Clone, Copy)]
enum Quoi<'r> {
    Suite(u32),
    Renvois(&'r [Renvoi<'r>]),
}

/// Plans and writes the flows of `lots` into the staging folder
/// `staging`: returns the bordereaux, the remarks, and the bytes written.
fn write_flows(
    staging: &Path,
    (lots, lignes): (&[Lot], Vec<Lignes>),
    reglages: &Reglages<'_>,
    exercice: i32,
    opts: &Options,
    quoi: Quoi<'_>,
) -> Result<(Vec<BordereauInscrit>, Vec<Remarque>, u64), BatchError> {
    let appels: Vec<Vec<AppelLot<'_>>> = lots
        .iter()
        .zip(lignes)
        .map(|(lot, l)| appels_of(lot, l))
        .collect();
    let mut problems = Vec::new();
    let mut remarques = Vec::new();
    let mut parts = Vec::new();
    let objet = reglages.objet(exercice);
    // What a file holds besides its pièces: its header and closings.
    let overhead = 4096 + objet.len() as u64;
    match quoi {
        Quoi::Suite(mut id_bord) => {
            for (lot, appels) in lots.iter().zip(&appels) {
                let (ranges, notes) =
                    plan_lot(lot, appels, reglages, opts, overhead, &mut problems)?;
                for (range, total) in ranges {
                    parts.push(Part {
                        id_bord,
                        envoi: 1,
                        lot,
                        appels: &appels[range],
                        total,
                    });
                    id_bord += 1;
                }
                remarques.extend(notes);
            }
        }
        Quoi::Renvois(renvois) => {
            for x in renvois {
                if let Some((part, notes)) = renvoi(x, (lots, &appels), reglages, &mut problems)? {
                    parts.push(part);
                    remarques.extend(notes);
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(refuse(PesRefusal::Lots { problems }));
    }
    // The bordereaux are written side by side, each file by one job, on
    // a pool of twice the cores: reading a PDF the page cache no longer
    // holds, or flushing a file, waits on the disk while the other jobs
    // keep the cores busy. Fewer bordereaux than threads spread their
    // PDFs on the pool instead.
    let threads = 2 * rayon::current_num_threads().max(1);
    let seul = parts.len() < threads;
    let write = || {
        parts
            .par_iter()
            .with_max_len(1)
            .map(|part| write_bordereau(staging, part, reglages, opts, (&objet, seul)))
            .collect::<Result<Vec<_>, BatchError>>()
    };
    let written = match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
        Ok(pool) => pool.install(write),
        Err(_) => write(),
    }?;
    let octets = written.iter().map(|(_, size)| size).sum();
    Ok((
        written.into_iter().map(|(b, _)| b).collect(),
        remarques,
        octets,
    ))
}

/// Writes the bordereau `part` into `staging`, flushed: returns what the
/// register records of it and its size.
fn write_bordereau(
    staging: &Path,
    part: &Part<'_, '_>,
    reglages: &Reglages<'_>,
    opts: &Options,
    (objet, seul): (&str, bool),
) -> Result<(BordereauInscrit, u64), BatchError> {
    let exercice = part.lot.manifest.manifest.exercice;
    let name = pes::nom_fichier(reglages.siret, exercice, part.id_bord, part.envoi);
    let header = pes::Entete {
        nom_fic: &name,
        version: env!("CARGO_PKG_VERSION"),
        date: opts.date,
        exercice,
        reglages: *reglages,
        id_bord: part.id_bord,
        nbr_pce: part.appels.len(),
        total: part.total,
        objet,
    };
    let (sha256, size) = write_part(
        staging,
        &name,
        (opts.compresser, seul),
        (part, reglages),
        &header,
    )?;
    let (first, last) = (&part.appels[0], &part.appels[part.appels.len() - 1]);
    let b = BordereauInscrit {
        id_bord: part.id_bord,
        envoi: part.envoi,
        lot: part.lot.dossier.clone(),
        fichier: name,
        sha256,
        pieces: part.appels.len(),
        premier: first.numero.to_string(),
        dernier: last.numero.to_string(),
        premier_rang: first.rang,
        dernier_rang: last.rang,
        total: part.total,
    };
    Ok((b, size))
}

/// The next `IdBord`: after the last one of the exercice, else the
/// issuer's `premier_bordereau`.
#[must_use]
pub fn next_id_bord(r: &Registre, premier: u32) -> u32 {
    r.lignes
        .iter()
        .flat_map(|l| l.bordereaux.iter().map(|b| b.id_bord + 1))
        .max()
        .unwrap_or(premier)
}

/// An avoir line to enter: the avoir, its appel, the bordereau carrying it.
struct Pending<'a> {
    ligne: &'a Inscription,
    avoir: &'a super::manifest::Piece,
    appel: &'a super::manifest::Piece,
    bordereau: &'a BordereauInscrit,
}

/// The avoirs no flow listed yet whose appel is carried (by an earlier
/// flow or by `now`); an avoir whose appel is not carried yet waits.
fn pending<'a>(r: &'a Registre, now: &'a [BordereauInscrit]) -> Vec<Pending<'a>> {
    let listed: BTreeSet<&str> = r
        .lignes
        .iter()
        .flat_map(|l| l.avoirs_saisis.iter().map(String::as_str))
        .collect();
    let bordereaux: Vec<&BordereauInscrit> = r
        .lignes
        .iter()
        .flat_map(|l| &l.bordereaux)
        .chain(now)
        .collect();
    let appels: BTreeMap<&str, (&str, &super::manifest::Piece)> = r
        .lignes
        .iter()
        .filter(|l| l.serie == SERIE_APPELS)
        .flat_map(|l| {
            l.pieces
                .iter()
                .map(move |p| (p.numero.as_str(), (l.dossier.as_str(), p)))
        })
        .collect();
    let mut out = Vec::new();
    for l in r.lignes.iter().filter(|l| l.serie == crate::avoir::SERIE) {
        for p in &l.pieces {
            let Some(appel_num) = &p.appel else { continue };
            if listed.contains(p.numero.as_str()) {
                continue;
            }
            let Some((lot, appel)) = appels.get(appel_num.as_str()) else {
                continue;
            };
            if let Some(b) = bordereaux
                .iter()
                .find(|b| b.lot == *lot && (b.premier_rang..=b.dernier_rang).contains(&appel.rang))
            {
                out.push(Pending {
                    ligne: l,
                    avoir: p,
                    appel,
                    bordereau: b,
                });
            }
        }
    }
    out
}

/// How many avoirs wait to be listed for the finance software.
#[must_use]
pub fn avoirs_en_attente(r: &Registre) -> usize {
    pending(r, &[]).len()
}

/// The avoirs the finance software must enter (`pending`), one CSV line
/// per line credited, and their numbers.
fn avoirs_a_saisir(
    r: &Registre,
    now: &[BordereauInscrit],
    grid: &crate::tariff::Grid,
    format: CsvFormat,
    encoding: Encoding,
) -> (Vec<String>, Vec<u8>) {
    let header = [
        "exercice",
        "numero_avoir",
        "date_avoir",
        "motif",
        "numero_appel",
        "bordereau",
        "piece",
        "ligne",
        "code_article",
        "code_produit",
        "montant_reduit",
        "total_appel",
        "membre_id",
        "nom",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.map(String::from).to_vec()];
    let mut numeros = Vec::new();
    for Pending {
        ligne,
        avoir,
        appel,
        bordereau,
    } in pending(r, now)
    {
        let motif = motif_of(&r.root.join(&ligne.dossier));
        numeros.push(avoir.numero.clone());
        // The sous-articles: the appel's non-zero lines, in order.
        let carried: Vec<&super::manifest::LignePiece> = appel
            .lignes
            .iter()
            .filter(|x| !x.montant_ttc.is_zero())
            .collect();
        for line in &avoir.lignes {
            let id_ligne = carried
                .iter()
                .position(|x| x.code == line.code)
                .map_or(String::new(), |i| (i + 1).to_string());
            let code_produit = grid
                .find(&line.code)
                .and_then(|i| grid.item(i).code_produit.clone())
                .unwrap_or_default();
            rows.push(vec![
                r.exercice.exercice.to_string(),
                avoir.numero.clone(),
                crate::format_fr::date_courte(ligne.date),
                crate::csv_out::text(&motif).into_owned(),
                appel.numero.clone(),
                bordereau.id_bord.to_string(),
                appel.rang.to_string(),
                id_ligne,
                line.code.clone(),
                code_produit,
                format.amount(-line.montant_ttc),
                format.amount(appel.total_ttc),
                crate::csv_out::text(&avoir.membre_id).into_owned(),
                crate::csv_out::text(&avoir.nom).into_owned(),
            ]);
        }
    }
    if numeros.is_empty() {
        return (numeros, Vec::new());
    }
    let bytes = crate::csv_out::to_bytes(
        format.delimiter(),
        encoding,
        rows.iter().map(|r| r.iter().map(String::as_str)),
    );
    (numeros, bytes)
}

/// The motif an avoir's entry records (its `summary.json`).
fn motif_of(dir: &Path) -> String {
    fs::read(dir.join(SUMMARY_FILE))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.get("motif").and_then(|m| m.as_str()).map(String::from))
        .unwrap_or_default()
}

/// Writes the entry `out` (`entrees/NNNN-PES`) of the flows of `lots`:
/// staged beside it, flushed, renamed into place whole.
///
/// # Errors
/// A refusal (nothing written), I/O.
#[allow(
    clippy::too_many_arguments,
    reason = "the parts of one entry, each read by the caller under the lock"
)]
pub fn write_entry(
    r: &Registre,
    out: &Path,
    contenu: Contenu<'_>,
    reglages: &Reglages<'_>,
    opts: &Options,
    precedent: Option<String>,
) -> Result<Ecrit, BatchError> {
    // Each lot once, in order (several rôles sent again may share one).
    let mut lots: Vec<&Inscription> = Vec::new();
    let named: Vec<&Inscription> = match contenu {
        Contenu::Lots(lots, _) => lots.to_vec(),
        Contenu::Renvois(renvois) => renvois.iter().map(|x| x.lot).collect(),
    };
    for l in named {
        if !lots.iter().any(|k| k.dossier == l.dossier) {
            lots.push(l);
        }
    }
    // The lots' PDFs, read last, asked of the disk now: they come into
    // the page cache while the ledgers and manifests are read and the
    // pièces examined.
    let stop = std::sync::atomic::AtomicBool::new(false);
    let dirs: Vec<PathBuf> = lots
        .iter()
        .map(|l| r.root.join(&l.dossier).join(super::output::APPELS_DIR))
        .collect();
    std::thread::scope(|s| {
        s.spawn(|| {
            for d in &dirs {
                files::prefetch_dir(d, &stop);
            }
        });
        let result = write_entry_inner(r, out, (&lots, contenu), reglages, opts, precedent);
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        result
    })
}

/// `write_entry`, the PDFs being prefetched.
fn write_entry_inner(
    r: &Registre,
    out: &Path,
    (lots, contenu): (&[&Inscription], Contenu<'_>),
    reglages: &Reglages<'_>,
    opts: &Options,
    precedent: Option<String>,
) -> Result<Ecrit, BatchError> {
    let exercice = r.exercice.exercice;
    let (format, encoding) = (r.exercice.format_csv, r.exercice.encodage_csv);
    let (read, lignes): (Vec<Lot>, Vec<Lignes>) = lots
        .iter()
        .map(|l| read_lot(r, l, encoding))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .unzip();
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let staging = out
        .parent()
        .unwrap_or(out)
        .join(format!(".{name}.staging-{}", std::process::id()));
    if staging.exists() {
        let _ = fs::remove_dir_all(&staging);
    }
    fs::create_dir(&staging).map_err(BatchError::io("créer le dossier", &staging))?;
    let result = (|| {
        let quoi = match contenu {
            Contenu::Lots(_, premier) => Quoi::Suite(next_id_bord(r, premier)),
            Contenu::Renvois(renvois) => Quoi::Renvois(renvois),
        };
        let (bordereaux, remarques, octets) =
            write_flows(&staging, (&read, lignes), reglages, exercice, opts, quoi)?;
        // A rôle sent again lists no avoir: its first sending did.
        let (avoirs, csv) = match contenu {
            Contenu::Lots(..) => avoirs_a_saisir(r, &bordereaux, reglages.grid, format, encoding),
            Contenu::Renvois(_) => (Vec::new(), Vec::new()),
        };
        let mut fichiers = Vec::new();
        if !csv.is_empty() {
            super::output::write_file(&staging.join(AVOIRS_FILE), &csv)?;
            fichiers.push(Entree {
                chemin: AVOIRS_FILE.into(),
                sha256: sha256_hex(&csv),
            });
        }
        let summary = summary_json(exercice, opts, &bordereaux, &remarques, &avoirs);
        super::output::write_file(&staging.join(SUMMARY_FILE), &summary)?;
        fichiers.push(Entree {
            chemin: SUMMARY_FILE.into(),
            sha256: sha256_hex(&summary),
        });
        let manifest = PesManifest {
            format: FORMAT,
            programme: env!("CARGO_PKG_NAME").into(),
            version: env!("CARGO_PKG_VERSION").into(),
            serie: pes::SERIE.into(),
            exercice,
            date: opts.date,
            precedent,
            grille: opts.grille.clone(),
            emetteur: opts.emetteur.clone(),
            max_pieces: opts.max_pieces,
            max_octets: opts.max_octets,
            lots: read
                .iter()
                .map(|l| Entree {
                    chemin: l.dossier.clone(),
                    sha256: l.manifeste.clone(),
                })
                .collect(),
            bordereaux,
            avoirs,
            fichiers,
        };
        publish(&staging, out, &manifest)?;
        Ok(Ecrit {
            appels: manifest.bordereaux.iter().map(|b| b.pieces).sum(),
            manifest,
            remarques,
            octets,
        })
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

/// Flushes every file of `staging` to disk, writes the manifest last,
/// flushed, and renames the folder into place (`out`): the entry appears
/// whole or not at all.
fn publish(staging: &Path, out: &Path, manifest: &PesManifest) -> Result<(), BatchError> {
    super::output::sync_filesystem(staging)?;
    crate::failpoint::hit("pes-avant-manifeste");
    let mut json = serde_json::to_vec_pretty(manifest).unwrap_or_default();
    json.push(b'\n');
    let path = staging.join(PES_FILE);
    super::output::write_file(&path, &json)?;
    File::open(&path)
        .and_then(|f| f.sync_all())
        .map_err(BatchError::io("enregistrer sur disque le fichier", &path))?;
    sync_dir(staging)?;
    crate::failpoint::hit("pes-avant-publication");
    fs::rename(staging, out).map_err(BatchError::io("publier le dossier", out))?;
    sync_dir(out.parent().unwrap_or(out))
}

#[derive(Serialize)]
struct Summary<'a> {
    exercice: i32,
    date: String,
    bordereaux: usize,
    appels: usize,
    total: String,
    max_pieces: usize,
    max_octets: u64,
    par_lot: Vec<LotSummary>,
    bordereaux_detail: &'a [BordereauInscrit],
    valeurs_ajustees: Vec<RemarqueJson<'a>>,
    avoirs_a_saisir: &'a [String],
}

#[derive(Serialize)]
struct LotSummary {
    lot: String,
    bordereaux: Vec<u32>,
    appels: usize,
    total: String,
}

#[derive(Serialize)]
struct RemarqueJson<'a> {
    numero: &'a str,
    membre_id: &'a str,
    champ: &'a str,
    valeur: &'a str,
    ecrit: &'a str,
    regle: &'a str,
}

fn summary_json(
    exercice: i32,
    opts: &Options,
    bordereaux: &[BordereauInscrit],
    remarques: &[Remarque],
    avoirs: &[String],
) -> Vec<u8> {
    let mut par_lot: Vec<LotSummary> = Vec::new();
    for b in bordereaux {
        match par_lot.iter_mut().find(|l| l.lot == b.lot) {
            Some(l) => {
                l.bordereaux.push(b.id_bord);
                l.appels += b.pieces;
            }
            None => par_lot.push(LotSummary {
                lot: b.lot.clone(),
                bordereaux: vec![b.id_bord],
                appels: b.pieces,
                total: String::new(),
            }),
        }
    }
    for l in &mut par_lot {
        let total = bordereaux
            .iter()
            .filter(|b| b.lot == l.lot)
            .fold(Montant::ZERO, |a, b| a + b.total);
        l.total = total.to_string();
    }
    let total = bordereaux.iter().fold(Montant::ZERO, |a, b| a + b.total);
    let s = Summary {
        exercice,
        date: opts.date.to_string(),
        bordereaux: bordereaux.len(),
        appels: bordereaux.iter().map(|b| b.pieces).sum(),
        total: total.to_string(),
        max_pieces: opts.max_pieces,
        max_octets: opts.max_octets,
        par_lot,
        bordereaux_detail: bordereaux,
        valeurs_ajustees: remarques
            .iter()
            .map(|r| RemarqueJson {
                numero: &r.numero,
                membre_id: &r.membre_id,
                champ: r.champ,
                valeur: &r.valeur,
                ecrit: &r.ecrit,
                regle: &r.regle,
            })
            .collect(),
        avoirs_a_saisir: avoirs,
    };
    let mut json = serde_json::to_vec_pretty(&s).unwrap_or_default();
    json.push(b'\n');
    json
}
