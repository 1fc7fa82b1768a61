//! The top-level error: one variant per layer, the French message a user
//! reads, and the process exit code. Only `main` turns it into an exit.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

use crate::batch::BatchError;
use crate::batch::error::{
    AvoirRefusal, DossierProblem, Embedded, FileRefusal, Perime, Refusal, VerifyProblem,
};
use crate::emetteur::EmetteurError;
use crate::exercice::RegisterProblem;
use crate::files::{FileError, io_message};
use crate::format_fr;
use crate::money::Montant;
use crate::pricing::PricingError;
use crate::render::RenderError;
use crate::roster::RosterError;
use crate::tariff::GridError;

/// Documented exit codes (see README, « Exécution par cron »).
pub mod exit {
    /// Everything went well.
    pub const OK: i32 = 0;
    /// Invalid command line (also clap's own code).
    pub const USAGE: i32 = 2;
    /// Invalid tariff grid or issuer template.
    pub const GRID: i32 = 3;
    /// Invalid roster: nothing was written.
    pub const ROSTER: i32 = 4;
    /// `--skip-invalid`: the valid rows were billed, others are in rejects.csv.
    pub const PARTIAL: i32 = 5;
    /// Reading or writing a file failed: nothing was published.
    pub const IO: i32 = 6;
    /// A bug or an impossible amount: nothing was published.
    pub const INTERNAL: i32 = 7;
    /// `verify` found a batch incomplete or altered.
    pub const VERIFY: i32 = 8;
    /// Another run holds the output location.
    pub const LOCKED: i32 = 9;
}

/// How the issuer file's path was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmetteurSource {
    /// `--emetteur`.
    Option,
    /// `emetteur.toml` in the grid's folder.
    BesideGrid,
    /// The issuer file recorded in the batch's manifest (`avoir`).
    Manifest,
}

/// Everything that can stop a command.
#[derive(Debug)]
pub enum Error {
    /// A date on the command line that is not one.
    DateInvalide { option: &'static str, text: String },
    /// `--threads` outside 1 to `max`.
    Threads { max: usize },
    /// The thread pool could not start.
    ThreadPool,
    /// A `quote` service not written `code=quantité`.
    QuoteArgument { argument: String },
    /// `quote`'s member refused by the roster's rules.
    Quote { errors: Vec<RosterError> },
    /// A ledger (`compare`) that cannot be read.
    Ledger {
        path: PathBuf,
        error: crate::ledger::read::LedgerError,
    },
    /// A file the program cannot use as it is (not a regular file, too
    /// large, a symlink where it would write).
    File(FileError),
    /// The emission date is outside the grid's exercice.
    DateHorsExercice {
        date: chrono::NaiveDate,
        exercice: i32,
        /// No `--date-emission`: the date was today's.
        aujourdhui: bool,
    },
    /// `--exercice` says another year than the grid.
    ExerciceContredit {
        option: i32,
        grille: i32,
        path: PathBuf,
    },
    /// `verify --tete` on a folder that is not an exercice folder.
    TeteSansExercice { path: PathBuf },
    /// `etat --tariff` is the grid of another exercice than the folders'.
    GrilleAutreExercice {
        dossiers: i32,
        grille: i32,
        path: PathBuf,
    },
    /// A file could not be read or written.
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    Grid {
        path: PathBuf,
        errors: Vec<GridError>,
    },
    Emetteur {
        path: PathBuf,
        errors: Vec<EmetteurError>,
    },
    /// The issuer file is not where it was looked for.
    EmetteurIntrouvable {
        path: PathBuf,
        /// Where the path came from.
        from: EmetteurSource,
    },
    Roster {
        path: PathBuf,
        errors: Vec<RosterError>,
    },
    /// A credit note could not be laid out.
    Render(RenderError),
    /// The member of a quote cannot be priced.
    Pricing { membre: String, error: PricingError },
    /// Planning, writing or verifying a batch (`crate::batch`).
    Batch(BatchError),
    /// Sending the documents (`cotisations envoi`).
    Envoi(crate::batch::envoi_error::EnvoiError),
}

impl Error {
    /// The process exit code for this error.
    #[must_use]
    pub fn code(&self) -> i32 {
        match self {
            Error::DateInvalide { .. }
            | Error::Threads { .. }
            | Error::ThreadPool
            | Error::QuoteArgument { .. }
            | Error::Quote { .. }
            | Error::Ledger { .. }
            | Error::DateHorsExercice { .. }
            | Error::ExerciceContredit { .. }
            | Error::GrilleAutreExercice { .. }
            | Error::TeteSansExercice { .. }
            | Error::File(FileError::Symlink { .. }) => exit::USAGE,
            Error::Grid { .. } | Error::Emetteur { .. } => exit::GRID,
            Error::Roster { .. } => exit::ROSTER,
            Error::Io { .. } | Error::EmetteurIntrouvable { .. } | Error::File(_) => exit::IO,
            Error::Render(_) | Error::Pricing { .. } => exit::INTERNAL,
            Error::Batch(e) => batch_code(e),
            Error::Envoi(e) => envoi_code(e),
        }
    }

    /// Shorthand for an I/O error on `path`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    }
}

/// Most errors of one file a message lists; the count of the others
/// follows (the first ones are usually enough to see what is wrong).
pub const MAX_SHOWN_ERRORS: usize = 50;

/// The line that closes a list cut at `MAX_SHOWN_ERRORS`.
fn more_errors(f: &mut fmt::Formatter<'_>, total: usize) -> fmt::Result {
    if total > MAX_SHOWN_ERRORS {
        let rest = total - MAX_SHOWN_ERRORS;
        writeln!(
            f,
            "  … et {} : corrigez celles-ci, puis relancez « cotisations check » pour voir la suite",
            plural(rest, "autre erreur", "autres erreurs")
        )?;
    }
    Ok(())
}

/// The errors of a TOML file, each as `path:line:column : message`.
fn toml_errors<K: fmt::Display>(
    f: &mut fmt::Formatter<'_>,
    what: &str,
    path: &std::path::Path,
    errors: &[crate::tariff::Positioned<K>],
) -> fmt::Result {
    writeln!(
        f,
        "{what} « {} » contient {} ; rien n'a été écrit :",
        path.display(),
        plural(errors.len(), "erreur", "erreurs")
    )?;
    for e in errors.iter().take(MAX_SHOWN_ERRORS) {
        writeln!(
            f,
            "  {}:{}:{} : {}",
            path.display(),
            e.line,
            e.column,
            e.kind
        )?;
    }
    more_errors(f, errors.len())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n > 1 {
        format!("{n} {many}")
    } else {
        format!("{n} {one}")
    }
}

impl fmt::Display for Error {
    #[allow(
        clippy::too_many_lines,
        reason = "one arm per variant: the French messages side by side, as a table"
    )]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::DateInvalide { option, text } => write!(
                f,
                "{option} « {text} » n'est pas une date valide : écrivez-la AAAA-MM-JJ ou JJ/MM/AAAA, par exemple 2027-01-15"
            ),
            Error::Threads { max } => write!(
                f,
                "--threads doit valoir entre 1 et {max} : indiquez le nombre de cœurs de la machine, ou retirez l'option"
            ),
            Error::ThreadPool => write!(
                f,
                "impossible de démarrer les fils de calcul : réessayez avec --threads 1"
            ),
            Error::QuoteArgument { argument } => write!(
                f,
                "« {argument} » : écrivez chaque service sous la forme code=quantité, par exemple forfait_metiers=1"
            ),
            Error::Quote { errors } => {
                write!(f, "devis impossible :")?;
                for e in errors {
                    match &e.column {
                        Some((_, name)) => write!(f, "\n  argument « {name} » : {}", e.kind)?,
                        None => write!(f, "\n  {}", e.kind)?,
                    }
                }
                Ok(())
            }
            Error::Ledger { path, error } => {
                write!(f, "journal « {} », {error}", path.display())
            }
            Error::File(e) => write!(f, "{e}"),
            Error::DateHorsExercice {
                date,
                exercice,
                aujourdhui,
            } => write!(
                f,
                "la date d'émission du {}{} est hors de l'exercice {exercice} que facture la grille : indiquez une date de {exercice} avec --date-emission, par exemple --date-emission {exercice}-01-15",
                crate::format_fr::date_longue(*date),
                if *aujourdhui {
                    " (aujourd'hui : --date-emission n'est pas donnée)"
                } else {
                    ""
                }
            ),
            Error::ExerciceContredit {
                option,
                grille,
                path,
            } => write!(
                f,
                "--exercice {option} contredit la grille « {} », qui facture l'exercice {grille} : retirez --exercice, ou indiquez la grille de {option}",
                path.display()
            ),
            Error::TeteSansExercice { path } => write!(
                f,
                "« {} » n'est pas un dossier d'exercice : --tete vérifie le registre d'un exercice ; indiquez le dossier de l'exercice",
                path.display()
            ),
            Error::GrilleAutreExercice {
                dossiers,
                grille,
                path,
            } => write!(
                f,
                "la grille « {} » facture l'exercice {grille}, les dossiers l'exercice {dossiers} : indiquez la grille de {dossiers}",
                path.display()
            ),
            Error::Io {
                action,
                path,
                source,
            } => io_message(f, action, path, source),
            Error::Grid { path, errors } => toml_errors(f, "la grille tarifaire", path, errors),
            Error::Emetteur { path, errors } => {
                toml_errors(f, "le fichier de l'émetteur", path, errors)
            }
            Error::EmetteurIntrouvable { path, from } => {
                let why = match from {
                    EmetteurSource::Option => "indiqué par --emetteur",
                    EmetteurSource::BesideGrid => "cherché dans le dossier de la grille tarifaire",
                    EmetteurSource::Manifest => "celui qu'indique le manifeste du lot",
                };
                write!(
                    f,
                    "fichier de l'émetteur « {} » introuvable ({why}) : copiez-y templates/emetteur.toml et remplissez-le, ou indiquez son chemin avec --emetteur",
                    path.display()
                )
            }
            Error::Roster { path, errors } => {
                writeln!(
                    f,
                    "le rôle « {} » contient {} ; rien n'a été écrit. Corrigez le fichier puis relancez :",
                    path.display(),
                    plural(errors.len(), "erreur", "erreurs")
                )?;
                for e in errors.iter().take(MAX_SHOWN_ERRORS) {
                    writeln!(f, "  {}, {e}", path.display())?;
                }
                more_errors(f, errors.len())
            }
            Error::Render(e) => write!(f, "échec de la mise en page d'un appel : {e}"),
            Error::Pricing { membre, error } => pricing_message(f, membre, error),
            Error::Batch(e) => batch_message(f, e),
            Error::Envoi(e) => write!(f, "{e}"),
        }
    }
}

/// The exit code of a batch error.
fn batch_code(e: &BatchError) -> i32 {
    match e {
        BatchError::OutputExists { .. }
        | BatchError::Destination { .. }
        | BatchError::OutputFile { .. }
        | BatchError::File(FileError::Symlink { .. })
        | BatchError::Avoir(_)
        | BatchError::Pes(_)
        | BatchError::Dossier { .. } => exit::USAGE,
        BatchError::Io { .. } | BatchError::File(_) => exit::IO,
        BatchError::Locked { .. } => exit::LOCKED,
        BatchError::Verify { .. }
        | BatchError::VerifyExercice { .. }
        | BatchError::Register { .. } => exit::VERIFY,
        BatchError::Render(_) | BatchError::Report(_) | BatchError::Pricing { .. } => {
            exit::INTERNAL
        }
    }
}

/// The message of a batch error.
#[allow(
    clippy::too_many_lines,
    reason = "one arm per variant: the French messages side by side, as a table"
)]
fn batch_message(f: &mut fmt::Formatter<'_>, e: &BatchError) -> fmt::Result {
    match e {
        BatchError::OutputExists { path } => write!(
            f,
            "le dossier « {} » contient déjà un lot d'appels écrit par ce programme : une entrée émise n'est jamais remplacée ; lancez « cotisations verify » sur le dossier de l'exercice",
            path.display()
        ),
        BatchError::OutputFile { path, reason } => {
            write!(f, "fichier « {} » refusé : {reason}", path.display())
        }
        BatchError::Destination { path, reason } => write!(
            f,
            "dossier de sortie « {} » refusé : {reason}",
            path.display()
        ),
        BatchError::Io {
            action,
            path,
            source,
        } => io_message(f, action, path, source),
        BatchError::File(e) => write!(f, "{e}"),
        BatchError::Render(e) => write!(f, "échec de la mise en page d'un appel : {e}"),
        BatchError::Report(e) => write!(f, "échec de la mise en page du rapport du lot : {e}"),
        BatchError::Locked { path, holder } => write!(
            f,
            "un autre traitement écrit déjà dans « {} » ({}) : attendez qu'il se termine, puis relancez",
            path.display(),
            if holder.is_empty() {
                "détenteur inconnu"
            } else {
                holder
            }
        ),
        BatchError::Verify { dir, problems } => {
            writeln!(
                f,
                "le lot « {} » est incomplet ou a été modifié ({}) :",
                dir.display(),
                plural(problems.len(), "problème", "problèmes")
            )?;
            for p in problems {
                writeln!(f, "  - {}", VerifyText(p))?;
            }
            write!(
                f,
                "Ne transmettez pas ces documents. Un projet se refait avec « cotisations run » ; une entrée émise ne se refait jamais : restaurez le dossier de l'exercice depuis sa sauvegarde."
            )
        }
        BatchError::VerifyExercice { dir, problems } => {
            writeln!(
                f,
                "l'exercice « {} » est incomplet ou a été modifié ({}) :",
                dir.display(),
                plural(problems.len(), "problème", "problèmes")
            )?;
            for p in problems {
                writeln!(f, "  - {}", ExerciceText(p))?;
            }
            write!(
                f,
                "Ne transmettez rien de cet exercice : un document émis ne se modifie ni ne se refait ; restaurez le dossier de l'exercice depuis sa sauvegarde, puis vérifiez-le de nouveau."
            )
        }
        BatchError::Pricing { membre, error } => pricing_message(f, membre, error),
        BatchError::Dossier { path, problem } => dossier_message(f, path, problem),
        BatchError::Pes(refusal) => pes_message(f, refusal),
        BatchError::Register { problems } => {
            writeln!(
                f,
                "les dossiers de l'exercice rompent ses séries ({}) :",
                plural(problems.len(), "problème", "problèmes")
            )?;
            for p in problems {
                writeln!(f, "  - {}", RegisterText(p))?;
            }
            write!(
                f,
                "Un numéro émis ne change jamais : corrigez par un avoir, et émettez toujours dans le dossier de l'exercice (--out), dont le registre poursuit la numérotation."
            )
        }
        BatchError::Avoir(refusal) => {
            write!(f, "avoir refusé, rien n'a été écrit : {refusal}")
        }
    }
}

/// The message of a member that cannot be priced.
fn pricing_message(f: &mut fmt::Formatter<'_>, membre: &str, error: &PricingError) -> fmt::Result {
    match error {
        PricingError::Overflow { code } => write!(
            f,
            "montant hors limites pour l'adhérent « {membre} », article « {code} » : vérifiez la quantité"
        ),
    }
}

impl From<BatchError> for Error {
    fn from(e: BatchError) -> Error {
        Error::Batch(e)
    }
}

impl From<crate::batch::envoi_error::EnvoiError> for Error {
    fn from(e: crate::batch::envoi_error::EnvoiError) -> Error {
        Error::Envoi(e)
    }
}

/// The exit code of a refusal of `envoi`.
fn envoi_code(e: &crate::batch::envoi_error::EnvoiError) -> i32 {
    use crate::batch::envoi_error::EnvoiError as E;
    match e {
        E::Modele { .. } => exit::GRID,
        E::Relais { .. }
        | E::Io { .. }
        | E::Fichier(_)
        | E::MotDePasseIllisible { .. }
        | E::ModeleIllisible { .. }
        | E::Courrier { .. } => exit::IO,
        E::JournalIllisible { .. } | E::Manifeste { .. } | E::PdfAltere { .. } => exit::VERIFY,
        E::AucunRelais { .. }
        | E::Url { .. }
        | E::SansChiffrement { .. }
        | E::MotDePasseManquant { .. }
        | E::MotDePasseLisible { .. }
        | E::SansExpediteur { .. }
        | E::NumeroInconnu { .. }
        | E::AdresseEssai { .. } => exit::USAGE,
    }
}

impl From<FileError> for Error {
    fn from(e: FileError) -> Error {
        Error::File(e)
    }
}

impl From<RenderError> for Error {
    fn from(e: RenderError) -> Error {
        Error::Render(e)
    }
}

/// A verification problem in French.
struct VerifyText<'a>(&'a VerifyProblem);

impl fmt::Display for VerifyText<'_> {
    #[allow(
        clippy::too_many_lines,
        reason = "one arm per problem: the French messages side by side, as a table"
    )]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use VerifyProblem as P;
        let euros = |d: &Decimal| format_fr::montant(Montant::round_cent(*d));
        match self.0 {
            P::ManifestUnreadable { reason } => write!(
                f,
                "manifest.json illisible ({reason}) : ce dossier n'est pas un lot achevé"
            ),
            P::ManifestInvalid { reason } => write!(f, "manifest.json invalide ({reason})"),
            P::UnknownSeries { serie } => write!(
                f,
                "manifest.json : série de numéros « {serie} » inconnue (AC ou AV attendue)"
            ),
            P::NotAppels { serie } => write!(
                f,
                "ce dossier contient des avoirs (série {serie}), pas un lot d'appels"
            ),
            P::Modified { file } => {
                write!(f, "« {file} » a été modifié (empreinte SHA-256 différente)")
            }
            P::Missing { file } => write!(f, "« {file} » est manquant ou illisible"),
            P::Extra { file } => write!(f, "« {file} » ne fait pas partie du lot"),
            P::Unlisted { file } => write!(
                f,
                "manifest.json ne garde pas l'empreinte de « {file} » : ce fichier ne peut plus être vérifié"
            ),
            P::PathOutside { file } => write!(
                f,
                "manifest.json désigne « {file} », hors du dossier du lot"
            ),
            P::Link { file } => write!(
                f,
                "« {file} » est un lien symbolique : un lot n'en contient aucun"
            ),
            P::Misnamed { file, numero } => {
                write!(f, "« {file} » n'est pas le nom du PDF de {numero}")
            }
            P::Embedded { numero, mismatch } => {
                write!(
                    f,
                    "{numero} : la facture électronique (XML) intégrée au PDF "
                )?;
                match mismatch {
                    Embedded::Unreadable => write!(f, "est absente ou illisible"),
                    Embedded::Numero { found } => write!(f, "porte le numéro {found}"),
                    Embedded::Nom { found } => {
                        write!(f, "désigne un autre acheteur (« {found} »)")
                    }
                    Embedded::Siret { found } => {
                        write!(f, "désigne un autre acheteur (SIRET {found})")
                    }
                    Embedded::Total { found } => {
                        write!(f, "totalise {} au lieu du total du document", euros(found))
                    }
                }
            }
            P::SamePdf { first, second } => write!(
                f,
                "{first} et {second} ont le même PDF : chaque document a le sien"
            ),
            P::Numbering { found, expected } => write!(
                f,
                "numérotation discontinue : {found} trouvé là où {expected} était attendu"
            ),
            P::DocumentTotal {
                numero,
                ledger,
                document,
            } => write!(
                f,
                "{numero} : le journal totalise {} mais l'appel {}",
                euros(ledger),
                euros(document)
            ),
            P::NotInLedger { numero } => write!(f, "{numero} : absent du journal comptable"),
            P::NoPdf { numero } => write!(f, "{numero} : dans le journal mais sans PDF"),
            P::GrandTotal { ledger, manifest } => write!(
                f,
                "total du journal ({}) différent du total du lot ({})",
                euros(ledger),
                format_fr::montant(*manifest)
            ),
            P::DocumentsSum { documents, ledger } => write!(
                f,
                "les documents du manifeste totalisent {}, le journal {}",
                euros(documents),
                euros(ledger)
            ),
            P::SummaryTotal => write!(f, "summary.json : total différent de celui du journal"),
            P::LedgerMissing => write!(f, "ledger.csv est manquant ou illisible"),
            P::Ledger(e) => write!(f, "ledger.csv, {e}"),
            P::LedgerFormat { expected } => write!(
                f,
                "ledger.csv n'est pas au format « {} » qu'indique le manifeste",
                expected.code()
            ),
        }
    }
}

/// « il n'est pas intact (…) », the problems of a folder another continues.
fn not_intact(f: &mut fmt::Formatter<'_>, problems: &[VerifyProblem]) -> fmt::Result {
    let list: Vec<String> = problems.iter().map(|p| VerifyText(p).to_string()).collect();
    write!(
        f,
        "il n'est pas intact ({}) ; vérifiez-le avec « cotisations verify »",
        list.join(" ; ")
    )
}

impl fmt::Display for AvoirRefusal {
    #[allow(
        clippy::too_many_lines,
        reason = "one arm per refusal: the French messages side by side, as a table"
    )]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use AvoirRefusal as R;
        match self {
            R::Credit(e) => write!(f, "{e}"),
            R::NotAppels { dir, serie } => write!(
                f,
                "« {} » est un dossier d'avoirs (série {serie}), pas le lot d'appels qui contient l'appel à annuler : lancez « cotisations verify » sur le dossier de l'exercice",
                dir.display()
            ),
            R::NoAppel { membre, dir, .. } => write!(
                f,
                "l'adhérent « {membre} » n'a pas d'appel en cours dans l'exercice « {} » (jamais facturé, ou déjà entièrement crédité) : vérifiez l'identifiant (colonne membre_id du journal) ; « cotisations etat {} » liste ce qui est émis",
                dir.display(),
                dir.display()
            ),
            R::LotChange { dossier } => write!(
                f,
                "le lot « {} » a changé depuis son inscription au registre (empreinte de son manifeste différente) : lancez « cotisations verify » sur le dossier de l'exercice",
                dossier.display()
            ),
            R::Ledger { path, error } => {
                write!(
                    f,
                    "le journal « {} » est illisible, {error}",
                    path.display()
                )
            }
            R::LedgerColumns { path, missing } => {
                let s = if missing.len() > 1 { "s" } else { "" };
                write!(
                    f,
                    "le journal « {} » est illisible, ligne 1 : colonne{s} absente{s} : {}",
                    path.display(),
                    missing.join(", ")
                )
            }
            R::UnitMissing { code, numero } => write!(
                f,
                "manifest.json du lot : l'unité de l'article « {code} » de l'appel {numero} n'est pas enregistrée"
            ),
            R::GridNeeded { dir } => write!(
                f,
                "le lot « {} » a été émis par une version antérieure de cotisations, dont le manifeste ne garde ni les unités ni la mention de TVA : cette version n'en crédite pas les appels",
                dir.display()
            ),
            R::NoLines { numero } => {
                write!(
                    f,
                    "l'appel {numero} n'a aucune ligne dans le journal du lot"
                )
            }
            R::TotalMismatch {
                numero,
                ledger,
                manifest,
            } => write!(
                f,
                "l'appel {numero} totalise {} dans le journal mais {} dans manifest.json",
                format_fr::montant(*ledger),
                format_fr::montant(*manifest)
            ),
            R::PlusieursAppels { membre, appels } => write!(
                f,
                "l'adhérent {membre} a plusieurs appels en cours ({}) : indiquez lequel annuler avec --appel NUMERO",
                appels.join(", ")
            ),
            R::AppelHorsAdherent { membre, appel } => write!(
                f,
                "{appel} n'est pas un appel en cours de l'adhérent {membre} (inconnu, d'un autre adhérent, ou déjà entièrement crédité) : « cotisations etat » liste ses appels"
            ),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotASubfolder => write!(
                f,
                "ce n'est pas un dossier à part entière : indiquez un sous-dossier, par exemple lots/2027"
            ),
            Refusal::HoldsCurrentFolder => write!(
                f,
                "c'est le dossier courant ou l'un de ses parents : indiquez un sous-dossier, par exemple lots/2027"
            ),
            Refusal::HoldsInput { input } => write!(
                f,
                "il contient le fichier d'entrée « {} » : le lot doit aller dans un dossier à part, par exemple lots/2027",
                input.display()
            ),
            Refusal::InsideBatch { batch } => write!(
                f,
                "il se trouve dans le lot « {} » : un lot ne se range pas dans un autre ; choisissez un dossier à côté",
                batch.display()
            ),
            Refusal::ForeignFiles { files, more } => {
                let list = files
                    .iter()
                    .map(|f| format!("« {f} »"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let more = if *more > 0 {
                    format!(" et {more} autre{}", if *more > 1 { "s" } else { "" })
                } else {
                    String::new()
                };
                write!(
                    f,
                    "il contient des fichiers que ce programme n'a pas écrits ({list}{more}) : il ne sera ni vidé ni remplacé ; retirez-les, ou choisissez un dossier vide ou nouveau"
                )
            }
            Refusal::NotAFolder => write!(
                f,
                "c'est un fichier, pas un dossier : indiquez le chemin d'un dossier (il sera créé s'il n'existe pas)"
            ),
            Refusal::IssuedAvoir => write!(
                f,
                "il contient un avoir émis, qui n'est jamais remplacé : choisissez un autre dossier"
            ),
        }
    }
}

impl fmt::Display for FileRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileRefusal::Exists => write!(
                f,
                "il existe déjà : choisissez un autre nom, ou ajoutez --force pour le remplacer"
            ),
            FileRefusal::IsInput => write!(
                f,
                "c'est l'un des fichiers lus par la commande, qui ne doit pas être écrasé : choisissez un autre nom"
            ),
            FileRefusal::InsideBatch { batch } => write!(
                f,
                "il se trouve dans le lot « {} », qui ne doit pas être modifié : choisissez un fichier hors du lot",
                batch.display()
            ),
            FileRefusal::NotAFile => {
                write!(
                    f,
                    "ce n'est pas un fichier ordinaire : choisissez un autre nom"
                )
            }
        }
    }
}

/// A broken rule of the series, in French.
struct RegisterText<'a>(&'a RegisterProblem);

impl fmt::Display for RegisterText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use RegisterProblem as P;
        match self.0 {
            P::Exercices { found } => {
                let list: Vec<String> = found.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "les dossiers portent sur plusieurs exercices ({}) : donnez ceux d'un seul",
                    list.join(", ")
                )
            }
            P::Doublon { numero } => write!(
                f,
                "le numéro {numero} a été émis deux fois (un lot qui ne poursuit pas le précédent ?)"
            ),
            P::Lacune { serie, rang } => write!(
                f,
                "aucun document ne porte le rang {rang} de la série {serie} : il manque un dossier, ou la série a un trou"
            ),
            P::Chronologie {
                numero,
                date,
                precedent,
                date_precedent,
            } => write!(
                f,
                "{numero} est daté du {}, avant {precedent} du {}",
                format_fr::date_longue(*date),
                format_fr::date_longue(*date_precedent)
            ),
            P::DeuxFois { membre_id, appels } => write!(
                f,
                "l'adhérent « {membre_id} » est facturé plusieurs fois ({}) sans avoir qui annule le premier appel",
                appels.join(", ")
            ),
            P::TropCredite {
                appel,
                facture,
                credite,
            } => write!(
                f,
                "les avoirs sur {appel} totalisent {}, plus que l'appel ({})",
                format_fr::montant(*credite),
                format_fr::montant(*facture)
            ),
            P::AutreAdherent {
                avoir,
                appel,
                avoir_membre,
                appel_membre,
            } => write!(
                f,
                "{avoir} crédite l'appel {appel} de « {avoir_membre} », mais {appel} est celui de « {appel_membre} » dans les dossiers donnés : le lot a été reconstruit après l'avoir"
            ),
            P::LotChange { avoir, lot } => write!(
                f,
                "{avoir} a été émis sur une autre version du lot qui commence à {lot} (empreinte de son manifeste différente) : le lot a été reconstruit après l'avoir"
            ),
            P::AppelInconnu { avoir, appel } => write!(
                f,
                "{avoir} crédite l'appel {appel}, absent des dossiers donnés : ajoutez le lot qui le contient"
            ),
        }
    }
}

/// One problem of an exercice folder, in French.
struct ExerciceText<'a>(&'a crate::batch::error::ExerciceProblem);

impl fmt::Display for ExerciceText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use crate::batch::error::ExerciceProblem as P;
        match self.0 {
            P::Illisible(problem) => dossier_message(f, Path::new("."), problem),
            P::Bordereau { id_bord } => write!(
                f,
                "le bordereau PES n° {id_bord} ne suit pas le précédent : la numérotation des rôles est rompue"
            ),
            P::LotTransmis { lot, flux } => write!(
                f,
                "le flux « {flux} » transmet « {lot} », qui n'est pas un lot d'appels de l'exercice ou qu'un flux précédent a déjà transmis"
            ),
            P::Renvoi {
                id_bord,
                envoi,
                flux,
            } => write!(
                f,
                "le flux « {flux} » renvoie le rôle n° {id_bord} (envoi n° {envoi}) sans répéter un envoi précédent de ce rôle (même lot, mêmes pièces, même total) ou hors de la suite des envois"
            ),
            P::Entree { dossier, problems } => {
                write!(f, "l'entrée « {dossier} » : ")?;
                let list: Vec<String> =
                    problems.iter().map(|p| VerifyText(p).to_string()).collect();
                write!(f, "{}", list.join(" ; "))
            }
            P::NonInscrite { dossier } => write!(
                f,
                "« {dossier} » n'est pas inscrit au registre : une entrée a été ajoutée à la main, ou le registre a été tronqué"
            ),
            P::Inattendu { chemin } => write!(
                f,
                "« {chemin} » : fichier que cotisations n'écrit pas dans un dossier d'exercice (retirez-le du dossier)"
            ),
            P::Lien { chemin } => write!(f, "« {chemin} » est un lien symbolique"),
            P::Sequence { sequence, dossier } => write!(
                f,
                "la ligne {sequence} du registre désigne « {dossier} » : les entrées ont été renumérotées ou réordonnées"
            ),
            P::ChaineRegistre { sequence } => write!(
                f,
                "la ligne {sequence} du registre ne prolonge pas la précédente (empreinte) : une ligne a été retirée, insérée ou modifiée"
            ),
            P::ChaineEntrees { dossier } => write!(
                f,
                "le manifeste de « {dossier} » ne cite pas celui de l'entrée précédente : une entrée a été retirée, insérée, remplacée ou réordonnée"
            ),
            P::Inscription { dossier } => write!(
                f,
                "la ligne du registre de « {dossier} » ne correspond plus à l'entrée (documents, montants ou manifeste)"
            ),
            P::Serie(problem) => write!(f, "{}", RegisterText(problem)),
            P::LotCite { avoir, lot } => write!(
                f,
                "{avoir} a été émis sur une autre version de « {lot} » (empreinte de son manifeste différente)"
            ),
            P::Journal => write!(
                f,
                "ledger.csv, le journal de l'exercice, n'est pas la suite des journaux de ses entrées"
            ),
            P::Tete { tete } => write!(
                f,
                "le registre ne prolonge pas la tête « {tete} » : il a été réécrit depuis (ou la tête est mal recopiée : 12 caractères au moins)"
            ),
            P::JournalEnvois { ligne, raison } => write!(
                f,
                "envois.jsonl, le journal des envois, ligne {ligne} : {raison}"
            ),
        }
    }
}

/// The message of an exercice folder that cannot be used as asked.
#[allow(
    clippy::too_many_lines,
    reason = "one arm per problem: the French messages side by side, as a table"
)]
/// Why `cotisations pes` refuses, in French.
fn pes_message(
    f: &mut fmt::Formatter<'_>,
    refusal: &crate::batch::error::PesRefusal,
) -> fmt::Result {
    use crate::batch::error::PesRefusal as R;
    match refusal {
        R::SansReglages { emetteur } => write!(
            f,
            "le fichier de l'émetteur « {} » n'a pas de section [pes] : ajoutez-y poste_comptable, code_collectivite et code_budget, que le comptable public vous donne (voir README, « Du lot au comptable public »)",
            emetteur.display()
        ),
        R::AutreExercice { grille, exercice } => write!(
            f,
            "la grille est celle de l'exercice {grille}, le dossier celui de {exercice} : donnez la grille de {exercice} avec --tariff"
        ),
        R::Lots { problems } => {
            writeln!(f, "aucun flux n'est écrit :")?;
            let list: Vec<String> = problems
                .iter()
                .map(|(lot, e)| format!("  {lot} : {e}"))
                .collect();
            write!(f, "{}", list.join("\n"))
        }
        R::HorsExercice { date, exercice } => write!(
            f,
            "date des bordereaux {} hors de l'exercice {exercice} et de sa journée complémentaire (jusqu'au 31 janvier {}) : indiquez une date de l'exercice avec --date",
            crate::format_fr::date_courte(*date),
            exercice + 1
        ),
        R::DateAnterieure { date, avant, quoi } => write!(
            f,
            "date des bordereaux {} antérieure à la date {quoi} ({}) : indiquez une date postérieure avec --date",
            crate::format_fr::date_courte(*date),
            crate::format_fr::date_courte(*avant)
        ),
        R::LotModifie { dossier, fichier } => write!(
            f,
            "« {dossier}/{fichier} » n'est plus tel qu'il a été émis : rien n'est transmis ; lancez « cotisations verify » sur le dossier de l'exercice"
        ),
        R::Limites => write!(
            f,
            "--max-pieces va de 1 à 99 999 et --max-mo doit être au moins 1"
        ),
        R::RoleInconnu { id_bord } => write!(
            f,
            "aucun flux PES de l'exercice n'a transmis le rôle n° {id_bord} : « cotisations etat » liste les rôles transmis"
        ),
        R::RoleModifie { id_bord } => write!(
            f,
            "le lot du rôle n° {id_bord} ne donne plus les pièces transmises (nombre ou total) : lancez « cotisations verify » sur le dossier de l'exercice"
        ),
        R::TropDEnvois { id_bord } => write!(
            f,
            "le rôle n° {id_bord} a déjà été envoyé 99 fois : voyez avec le comptable public"
        ),
    }
}

#[allow(
    clippy::too_many_lines,
    reason = "one arm per problem: the French messages side by side, as a table"
)]
fn dossier_message(
    f: &mut fmt::Formatter<'_>,
    path: &Path,
    problem: &DossierProblem,
) -> fmt::Result {
    use DossierProblem as D;
    let dir = path.display();
    match problem {
        D::PasUnDossier => write!(
            f,
            "« {dir} » est un fichier, pas un dossier : indiquez le dossier de l'exercice (il sera créé s'il n'existe pas)"
        ),
        D::PasUnExercice { fichiers, more } => write!(
            f,
            "« {dir} » n'est pas un dossier d'exercice de cotisations (pas de exercice.json) et n'est pas vide ({}{}) : rien n'y est écrit ; indiquez un dossier vide, absent, ou le dossier de l'exercice",
            fichiers
                .iter()
                .map(|n| format!("« {n} »"))
                .collect::<Vec<_>>()
                .join(", "),
            if *more > 0 {
                format!(" et {more} autres")
            } else {
                String::new()
            }
        ),
        D::ExerciceIllisible { reason } => write!(
            f,
            "« {dir}/exercice.json » est illisible ({reason}) : ce fichier est écrit par cotisations et ne se modifie pas à la main"
        ),
        D::RegistreIllisible { ligne, reason } => write!(
            f,
            "le registre « {dir}/registre.jsonl » est illisible à la ligne {ligne} ({reason}) : il ne se modifie pas à la main ; lancez « cotisations verify {dir} »"
        ),
        D::AutreExercice { found, expected } => write!(
            f,
            "« {dir} » est le dossier de l'exercice {found}, pas de {expected} (celui de la grille) : chaque exercice a son dossier ; indiquez le dossier de {expected}, ou la grille de {found}"
        ),
        D::AutreFormatCsv { found, asked } => write!(
            f,
            "le journal de l'exercice « {dir} » est au format {} en {} ; la commande demande {} en {} : reprenez les options --csv-format et --csv-encodage de l'exercice (--csv-format {} --csv-encodage {})",
            csv_label(found.0),
            found.1.code(),
            csv_label(asked.0),
            asked.1.code(),
            found.0.code(),
            found.1.code()
        ),
        D::EntreeSansInscription { dossier, problems } => {
            write!(
                f,
                "l'entrée « {dir}/{dossier} » n'est pas inscrite au registre et n'est pas intacte : "
            )?;
            not_intact(f, problems)
        }
        D::EntreeIllisible { dossier, reason } => write!(
            f,
            "le manifeste de l'entrée « {dir}/{dossier} » est illisible ({reason}) : lancez « cotisations verify {dir} »"
        ),
        D::PasDExercice => write!(
            f,
            "« {dir} » n'est pas le dossier d'un exercice (pas de exercice.json) : indiquez le dossier que « cotisations run --out » a créé"
        ),
        D::PasDeProjet => write!(
            f,
            "« {dir} » n'a pas de projet à émettre : préparez-le d'abord avec « cotisations run --roster … --tariff … --out {dir} »"
        ),
        D::ProjetPerime(Perime::Registre) => write!(
            f,
            "le registre de « {dir} » a changé depuis que le projet a été préparé (une émission ou un avoir depuis) : refaites le projet avec « cotisations run » avant de l'émettre"
        ),
        D::ProjetPerime(Perime::Entree { quoi, chemin }) => write!(
            f,
            "{quoi} « {chemin} » a changé (ou a disparu) depuis que le projet a été préparé : refaites le projet avec « cotisations run », vérifiez-le, puis émettez-le"
        ),
        D::ProjetPerime(Perime::Abime { problems }) => {
            write!(f, "le projet de « {dir} » n'est pas intact : ")?;
            not_intact(f, problems)?;
            write!(f, " ; refaites-le avec « cotisations run »")
        }
        D::DateAnterieure {
            numero,
            precedent,
            date,
        } => write!(
            f,
            "la date d'émission du {} précède celle de {numero}, émis le {} : les documents d'une série se suivent dans l'ordre de leurs dates ; indiquez une date à partir du {}",
            format_fr::date_longue(*date),
            format_fr::date_longue(*precedent),
            format_fr::date_longue(*precedent)
        ),
    }
}

/// The ledger's dialect, as the French help names it.
fn csv_label(format: crate::csv_out::CsvFormat) -> &'static str {
    match format {
        crate::csv_out::CsvFormat::Francais => "français (« ; » et virgule décimale)",
        crate::csv_out::CsvFormat::Rfc4180 => "RFC 4180 (« , » et point décimal)",
    }
}
