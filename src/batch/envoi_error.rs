//! What stops `cotisations envoi` (the batch layer's error for sending) before or while it sends: settings,
//! template, password, journal, relay. The refusals of one member's
//! message (a 5xx, an address refused) do not stop it: they are journalled
//! and reported per member.

use std::fmt;
use std::path::PathBuf;

use crate::envoi::template::TemplateError;
use crate::files::FileError;

/// Why `envoi` cannot go on.
#[derive(Debug)]
pub enum EnvoiError {
    /// Neither `COTISATIONS_SMTP` nor an `[smtp]` section.
    AucunRelais { emetteur: PathBuf },
    /// `COTISATIONS_SMTP` is not `smtp://HOTE:PORT`.
    Url { value: String },
    /// Plain SMTP to a host that is not a loopback address.
    SansChiffrement { hote: String },
    /// An account without a password.
    MotDePasseManquant { utilisateur: String },
    /// The password file can be read by others than its owner.
    MotDePasseLisible { path: PathBuf, mode: u32 },
    /// The password file cannot be read.
    MotDePasseIllisible { path: PathBuf, reason: String },
    /// No sender address.
    SansExpediteur { emetteur: PathBuf },
    /// The template has problems.
    Modele {
        path: Option<PathBuf>,
        errors: Vec<TemplateError>,
    },
    /// The template cannot be read.
    ModeleIllisible { path: PathBuf, reason: String },
    /// `--renvoyer` names no issued document.
    NumeroInconnu { numero: String },
    /// `--a` is not an address.
    AdresseEssai { value: String },
    /// A line of `envois.jsonl` cannot be read.
    JournalIllisible {
        path: PathBuf,
        ligne: usize,
        reason: String,
    },
    /// The relay could not be reached (every retry failed): what was
    /// sent is journalled, the rest waits for the next run.
    Relais {
        hote: String,
        port: u16,
        reason: String,
        envoyes: usize,
        restants: usize,
    },
    /// The PDF mailing could not be assembled.
    Courrier { reason: String },
    /// A file of the exercice folder, the `--essai` folder or the mailing
    /// could not be read or written.
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// An input file the program cannot use as it is.
    Fichier(FileError),
    /// An entry's manifest cannot be read.
    Manifeste { path: PathBuf, reason: String },
    /// A document's PDF is not the one issued (its hash differs).
    PdfAltere { path: PathBuf },
}

impl From<FileError> for EnvoiError {
    fn from(e: FileError) -> EnvoiError {
        EnvoiError::Fichier(e)
    }
}

impl EnvoiError {
    /// Shorthand for an I/O error on `path`.
    pub fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> EnvoiError {
        let path = path.into();
        move |source| EnvoiError::Io {
            action,
            path,
            source,
        }
    }
}

impl fmt::Display for EnvoiError {
    #[allow(clippy::too_many_lines, reason = "one arm per refusal")]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvoiError::AucunRelais { emetteur } => write!(
                f,
                "aucun relais de messagerie : ajoutez une section [smtp] (hote, port, securite, utilisateur) au fichier de l'émetteur « {} », ou donnez la variable d'environnement COTISATIONS_SMTP=smtp://HOTE:PORT",
                emetteur.display()
            ),
            EnvoiError::Url { value } => write!(
                f,
                "COTISATIONS_SMTP « {value} » invalide : écrivez smtp://HOTE:PORT (sans chiffrement, vers cette machine seulement), smtp+starttls://HOTE:PORT ou smtps://HOTE:PORT"
            ),
            EnvoiError::SansChiffrement { hote } => write!(
                f,
                "envoi sans chiffrement vers « {hote} » refusé : le SMTP sans TLS n'est accepté que vers cette machine (127.0.0.1, ::1, localhost) ; utilisez securite = \"starttls\" ou \"tls\""
            ),
            EnvoiError::MotDePasseManquant { utilisateur } => write!(
                f,
                "mot de passe du compte « {utilisateur} » introuvable : donnez-le par la variable d'environnement COTISATIONS_SMTP_MOT_DE_PASSE ou par « mot_de_passe_fichier » dans la section [smtp] (un fichier lisible par son seul propriétaire, chmod 600)"
            ),
            EnvoiError::MotDePasseLisible { path, mode } => write!(
                f,
                "le fichier du mot de passe « {} » est lisible par d'autres que son propriétaire (droits {mode:o}) : faites « chmod 600 {} », puis relancez",
                path.display(),
                path.display()
            ),
            EnvoiError::MotDePasseIllisible { path, reason } => write!(
                f,
                "fichier du mot de passe « {} » illisible : {reason}",
                path.display()
            ),
            EnvoiError::SansExpediteur { emetteur } => write!(
                f,
                "aucune adresse d'expédition : renseignez « email » (ou « expediteur » dans la section [smtp]) dans le fichier de l'émetteur « {} »",
                emetteur.display()
            ),
            EnvoiError::Modele { path, errors } => {
                match path {
                    Some(p) => writeln!(f, "modèle de courriel « {} » invalide :", p.display())?,
                    None => writeln!(f, "modèle de courriel intégré invalide :")?,
                }
                for e in errors {
                    writeln!(f, "  {e}")?;
                }
                write!(
                    f,
                    "Corrigez le modèle, puis relancez ; rien n'a été envoyé."
                )
            }
            EnvoiError::ModeleIllisible { path, reason } => write!(
                f,
                "modèle de courriel « {} » illisible : {reason}",
                path.display()
            ),
            EnvoiError::NumeroInconnu { numero } => write!(
                f,
                "--renvoyer « {numero} » : aucun appel ni avoir émis de ce numéro dans cet exercice ; « cotisations etat DOSSIER » les liste"
            ),
            EnvoiError::AdresseEssai { value } => write!(
                f,
                "--a « {value} » n'est pas une adresse électronique : écrivez-la nom@domaine.fr"
            ),
            EnvoiError::JournalIllisible {
                path,
                ligne,
                reason,
            } => write!(
                f,
                "journal des envois « {} », ligne {ligne} illisible : {reason} ; ce fichier n'est écrit que par « cotisations envoi », restaurez-le depuis la sauvegarde",
                path.display()
            ),
            EnvoiError::Relais {
                hote,
                port,
                reason,
                envoyes,
                restants,
            } => write!(
                f,
                "relais de messagerie « {hote}:{port} » injoignable, ou qui refuse la connexion (« {reason} ») : {envoyes} message(s) envoyé(s) et consigné(s), {restants} restant(s) ; vérifiez l'hôte, le port, la sécurité et le compte (section [smtp] ou COTISATIONS_SMTP), puis relancez « cotisations envoi » : seuls les restants partiront"
            ),
            EnvoiError::Courrier { reason } => {
                write!(f, "impossible d'assembler le PDF du courrier : {reason}")
            }
            EnvoiError::Io {
                action,
                path,
                source,
            } => crate::files::io_message(f, action, path, source),
            EnvoiError::Fichier(e) => write!(f, "{e}"),
            EnvoiError::Manifeste { path, reason } => write!(
                f,
                "manifeste « {} » illisible : {reason} ; « cotisations verify » sur le dossier de l'exercice dit ce qui a changé",
                path.display()
            ),
            EnvoiError::PdfAltere { path } => write!(
                f,
                "le PDF « {} » n'est plus celui qui a été émis (son empreinte a changé) : rien n'est envoyé ; « cotisations verify » sur le dossier de l'exercice dit ce qui a changé",
                path.display()
            ),
        }
    }
}
