//! The files of `cotisations envoi` in the exercice folder: the send
//! journal `envois.jsonl` (append-only, one JSON line per event, each
//! result flushed to disk before the next message; each line carries the
//! SHA-256 of the previous one, as the register does), the print-ready
//! mailings in `courrier/`, and the issued documents read from the
//! register and the entries' manifests.
//!
//! ```text
//! DIR/envois.jsonl          tentative / accepte / refuse / echec / courrier
//! DIR/courrier/NNN-AAAA-MM-JJ.pdf   one mailing per run that had members to post
//! ```

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::dossier::Registre;
use super::envoi_error::EnvoiError;
use super::manifest::{DossierManifest, MANIFEST_FILE, sha256_hex};
use crate::envoi::Document;
use crate::envoi::journal::Ligne;
use crate::files;

/// The send journal, and the folder of the print-ready mailings (named in
/// `dossier`, which allows them in the exercice folder).
pub use super::dossier::{COURRIER_DIR, ENVOIS_FILE as JOURNAL_FILE};

/// The series whose documents are sent: appels and avoirs. Named, never
/// « everything but AC »: other series (PES flows) are not documents to
/// send to a member.
pub const SERIES: [&str; 2] = ["AC", "AV"];

/// Every issued appel and avoir of the exercice, in register order.
///
/// # Errors
/// An entry's manifest cannot be read.
pub fn documents(registre: &Registre) -> Result<Vec<Document>, EnvoiError> {
    let mut out = Vec::new();
    for line in registre
        .lignes
        .iter()
        .filter(|l| SERIES.contains(&l.serie.as_str()))
    {
        let path = registre.root.join(&line.dossier).join(MANIFEST_FILE);
        let bytes = files::read_input(&path, files::MAX_LEDGER_BYTES)?;
        let d = DossierManifest::parse(&bytes).map_err(|reason| EnvoiError::Manifeste {
            path: path.clone(),
            reason,
        })?;
        let m = &d.manifest;
        for a in &m.appels {
            out.push(Document {
                numero: a.numero.clone(),
                avoir: line.serie == "AV",
                membre_id: a.membre_id.clone(),
                nom: a.destinataire.nom.clone(),
                emails: crate::envoi::split_emails(&a.destinataire.email),
                adresse: a.destinataire.adresse.clone(),
                code_postal: a.destinataire.code_postal.clone(),
                ville: a.destinataire.ville.clone(),
                total_ttc: a.total_ttc,
                date_emission: m.date_emission,
                date_echeance: m.date_echeance,
                exercice: m.exercice,
                fichier: format!("{}/{}", line.dossier, a.fichier),
                sha256: a.sha256.clone(),
                appel: line
                    .pieces
                    .iter()
                    .find(|p| p.numero == a.numero)
                    .and_then(|p| p.appel.clone()),
            });
        }
    }
    Ok(out)
}

/// The issuer file the last entry was issued with (its manifest records
/// its path), for `envoi` without `--emetteur`.
#[must_use]
pub fn last_emetteur(registre: &Registre) -> Option<PathBuf> {
    let line = registre
        .lignes
        .iter()
        .rev()
        .find(|l| SERIES.contains(&l.serie.as_str()))?;
    let bytes = fs::read(registre.root.join(&line.dossier).join(MANIFEST_FILE)).ok()?;
    let d = DossierManifest::parse(&bytes).ok()?;
    Some(PathBuf::from(d.manifest.entrees.emetteur.chemin))
}

/// Reads a document's PDF and checks it is the one issued (its hash).
///
/// # Errors
/// The file cannot be read, or is not the one the manifest recorded.
pub fn read_pdf(root: &Path, doc: &Document) -> Result<Vec<u8>, EnvoiError> {
    let path = root.join(&doc.fichier);
    let bytes = files::read_input(&path, files::MAX_LEDGER_BYTES)?;
    if sha256_hex(&bytes) != doc.sha256 {
        return Err(EnvoiError::PdfAltere { path });
    }
    Ok(bytes)
}

/// The journal's lines. A last line without its newline (the process
/// died while writing it) is not an event that happened: it is ignored
/// here and cut off by the next writer.
///
/// # Errors
/// A complete line that is not a journal line.
pub fn read_journal(root: &Path) -> Result<Vec<Ligne>, EnvoiError> {
    let path = root.join(JOURNAL_FILE);
    let bytes = match files::read_input(&path, files::MAX_LEDGER_BYTES) {
        Ok(b) => b,
        Err(files::FileError::Io { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            return Ok(Vec::new());
        }
        Err(e) => return Err(e.into()),
    };
    let complete = bytes
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(&bytes[..0], |i| &bytes[..=i]);
    let mut out = Vec::new();
    for (i, line) in complete.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        let ligne: Ligne =
            serde_json::from_slice(line).map_err(|e| EnvoiError::JournalIllisible {
                path: path.clone(),
                ligne: i + 1,
                reason: crate::reasons::json_reason_fr(&e),
            })?;
        out.push(ligne);
    }
    Ok(out)
}

/// The problems of the journal against the register: a line that is not
/// one, a broken chain, a number the register does not hold (`verify`).
#[must_use]
pub fn check_journal(root: &Path, registre: &Registre) -> Vec<(usize, String)> {
    let Ok(bytes) = fs::read(root.join(JOURNAL_FILE)) else {
        return Vec::new();
    };
    let issued: std::collections::BTreeSet<&str> = registre
        .lignes
        .iter()
        .filter(|l| SERIES.contains(&l.serie.as_str()))
        .flat_map(|l| l.pieces.iter().map(|p| p.numero.as_str()))
        .collect();
    let mut problems = Vec::new();
    let mut previous = String::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        match serde_json::from_slice::<Ligne>(line) {
            Ok(l) => {
                if l.precedent != previous {
                    problems.push((
                        i + 1,
                        "chaîne d'empreintes rompue : une ligne a été modifiée ou retirée"
                            .to_string(),
                    ));
                }
                if !issued.contains(l.numero.as_str()) {
                    problems.push((i + 1, format!("numéro « {} » absent du registre", l.numero)));
                }
            }
            Err(e) => problems.push((i + 1, crate::reasons::json_reason_fr(&e))),
        }
        previous = sha256_hex(line);
    }
    problems
}

/// The journal, open for appending.
pub struct Journal {
    file: File,
    path: PathBuf,
    /// The hash of the last line, which the next carries.
    tete: String,
}

impl Journal {
    /// Opens the journal of `root` (created if absent), a torn last line
    /// cut off; `lignes` are its lines as read.
    ///
    /// # Errors
    /// The journal cannot be opened or repaired.
    pub fn open(root: &Path) -> Result<Journal, EnvoiError> {
        let path = root.join(JOURNAL_FILE);
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .custom_flags(files::no_follow())
            .open(&path)
            .map_err(|e| EnvoiError::Fichier(files::refused_link(&path, e, "ouvrir le fichier")))?;
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut bytes)
            .map_err(EnvoiError::io("lire le fichier", &path))?;
        if bytes.is_empty() {
            // Just created, perhaps: its name survives a power cut too.
            File::open(root)
                .and_then(|d| d.sync_all())
                .map_err(EnvoiError::io("enregistrer sur disque le dossier", root))?;
        }
        let keep = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        if keep < bytes.len() {
            file.set_len(keep as u64)
                .and_then(|()| file.sync_all())
                .map_err(EnvoiError::io("réparer le fichier", &path))?;
            bytes.truncate(keep);
        }
        let tete = bytes[..keep.saturating_sub(1)]
            .rsplit(|&b| b == b'\n')
            .next()
            .filter(|l| !l.is_empty())
            .map(sha256_hex)
            .unwrap_or_default();
        Ok(Journal { file, path, tete })
    }

    /// Appends `ligne` (its `precedent` set here); flushed to disk when
    /// `durable` (every result; a `tentative` needs not survive a power
    /// cut: lost, it only loses the warning that a message may repeat).
    ///
    /// # Errors
    /// The line cannot be written.
    pub fn append(&mut self, mut ligne: Ligne, durable: bool) -> Result<(), EnvoiError> {
        ligne.precedent = std::mem::take(&mut self.tete);
        let text = serde_json::to_string(&ligne).unwrap_or_default();
        let mut bytes = text.clone().into_bytes();
        bytes.push(b'\n');
        self.file
            .write_all(&bytes)
            .and_then(|()| {
                if durable {
                    self.file.sync_data()
                } else {
                    Ok(())
                }
            })
            .map_err(EnvoiError::io("écrire le fichier", &self.path))?;
        self.tete = sha256_hex(text.as_bytes());
        Ok(())
    }
}

/// Writes the mailing `bytes` as `courrier/NAME` (whole or absent,
/// flushed); returns its path relative to `root`.
///
/// # Errors
/// The folder or the file cannot be written.
pub fn write_courrier(root: &Path, name: &str, bytes: &[u8]) -> Result<String, EnvoiError> {
    let dir = root.join(COURRIER_DIR);
    match fs::create_dir(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(EnvoiError::io("créer le dossier", &dir)(e)),
    }
    write_file(&dir, name, bytes)?;
    File::open(&dir)
        .and_then(|d| d.sync_all())
        .map_err(EnvoiError::io("enregistrer sur disque le dossier", &dir))?;
    Ok(format!("{COURRIER_DIR}/{name}"))
}

/// The next mailing's number in `courrier/` (1 for the first).
#[must_use]
pub fn next_courrier(root: &Path) -> usize {
    fs::read_dir(root.join(COURRIER_DIR)).map_or(1, |d| d.flatten().count() + 1)
}

/// Writes `dir/name` through a temporary file, flushed, renamed.
///
/// # Errors
/// The file cannot be written.
pub fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), EnvoiError> {
    files::write_atomic(dir, name, bytes)
        .map_err(EnvoiError::io("écrire le fichier", dir.join(name)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envoi::journal::Evenement;

    fn ligne(numero: &str, evenement: Evenement) -> Ligne {
        Ligne {
            numero: numero.into(),
            membre_id: "M".into(),
            nom: "N".into(),
            evenement,
            destinataires: vec!["a@b.fr".into()],
            message_id: String::new(),
            envoi: 1,
            renvoi: false,
            horodatage: "2027-01-15T09:00:00+01:00".into(),
            reponse: String::new(),
            fichier: String::new(),
            precedent: String::new(),
        }
    }

    #[test]
    fn a_torn_last_line_is_ignored_then_cut_and_the_chain_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open(dir.path()).unwrap();
        j.append(ligne("A1", Evenement::Tentative), false).unwrap();
        j.append(ligne("A1", Evenement::Accepte), true).unwrap();
        drop(j);
        // A crash in the middle of the next line.
        let path = dir.path().join(JOURNAL_FILE);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"numero\":\"A2\",\"evene").unwrap();
        drop(f);
        let read = read_journal(dir.path()).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[1].evenement, Evenement::Accepte);
        let mut j = Journal::open(dir.path()).unwrap();
        j.append(ligne("A2", Evenement::Tentative), false).unwrap();
        drop(j);
        let read = read_journal(dir.path()).unwrap();
        assert_eq!(read.len(), 3);
        assert_eq!(read[0].precedent, "");
        let text = fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(read[2].precedent, sha256_hex(lines[1].as_bytes()));
        assert_eq!(read[1].precedent, sha256_hex(lines[0].as_bytes()));
    }
}
