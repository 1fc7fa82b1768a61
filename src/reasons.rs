//! The French reasons of the errors of the libraries and of the system
//! (`std::io`, `csv`, `serde_json`), whose own texts are English: every
//! message that cites one goes through here.

use std::io;

/// Why a CSV file could not be read, in French (the csv crate's own text
/// is English).
#[must_use]
pub fn csv_reason_fr(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Io(io) => io_reason_fr(io),
        csv::ErrorKind::Utf8 { .. } => "texte qui n'est pas de l'UTF-8 valide".into(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} cellules au lieu de {expected_len}"),
        _ => "structure CSV illisible".into(),
    }
}

/// Why a JSON file (a manifest, a summary) could not be read, in French.
#[must_use]
pub fn json_reason_fr(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let at = format!("ligne {}, colonne {}", e.line(), e.column());
    match e.classify() {
        Category::Io => "lecture impossible".into(),
        Category::Eof => "fichier tronqué (fin inattendue)".into(),
        Category::Syntax => format!("JSON mal formé ({at})"),
        // Serde's own messages are English; the program's own (a code or an
        // amount it refuses, see `batch::manifest`) are French and quote the
        // value « thus ».
        Category::Data => match e.to_string().split_once(" at line ") {
            Some((own, _)) if own.contains(" « ") => format!("{own} ({at})"),
            _ => format!("champ manquant ou de type inattendu ({at})"),
        },
    }
}

/// The reason of an I/O error in French. The OS's own text is English
/// (`Device or resource busy (os error 16)`): only its number is kept for
/// the kinds not named here.
#[must_use]
pub fn io_reason_fr(e: &io::Error) -> String {
    use io::ErrorKind as K;
    let reason = match e.kind() {
        K::NotFound => "fichier ou dossier introuvable : vérifiez le chemin",
        K::PermissionDenied => "accès refusé : vérifiez les droits sur ce fichier ou ce dossier",
        K::AlreadyExists => "existe déjà",
        K::StorageFull => "disque plein : libérez de la place puis relancez",
        K::QuotaExceeded => "quota de disque dépassé : libérez de la place puis relancez",
        K::FileTooLarge => "fichier trop grand pour ce système de fichiers",
        K::ReadOnlyFilesystem => "système de fichiers en lecture seule",
        K::IsADirectory => "c'est un dossier, pas un fichier",
        K::NotADirectory => "un élément du chemin n'est pas un dossier",
        K::DirectoryNotEmpty => "le dossier n'est pas vide",
        K::ResourceBusy => {
            "ressource occupée (fichier ou disque utilisé par un autre programme) : réessayez plus tard"
        }
        K::ExecutableFileBusy => "fichier en cours d'utilisation par un autre programme",
        K::CrossesDevices => "déplacement impossible d'un disque à un autre",
        K::TooManyLinks => "trop de liens vers ce fichier",
        K::InvalidFilename => "nom de fichier invalide ou trop long",
        K::StaleNetworkFileHandle => {
            "fichier réseau devenu inaccessible : vérifiez le partage réseau"
        }
        K::NetworkDown | K::NetworkUnreachable | K::HostUnreachable => {
            "réseau inaccessible : vérifiez le partage réseau"
        }
        K::TimedOut => "délai dépassé",
        K::Interrupted => "opération interrompue",
        K::WouldBlock => "fichier momentanément indisponible",
        K::InvalidData | K::UnexpectedEof => "contenu illisible ou tronqué",
        K::BrokenPipe => "la sortie a été fermée",
        K::OutOfMemory => "mémoire insuffisante",
        _ => {
            return match e.raw_os_error() {
                Some(n) => format!("erreur du système (code {n})"),
                None => "erreur du système".into(),
            };
        }
    };
    reason.into()
}
