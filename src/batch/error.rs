//! The errors of the batch layer, the only writer of a folder: where a
//! batch may go (`destination`), writing and publishing it (`output`), and
//! proving a folder intact (`verify`). Data only; `crate::error` words them.

use std::path::PathBuf;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::avoir::AvoirError;
use crate::csv_out::{CsvFormat, Encoding};
use crate::files::FileError;
use crate::ledger::read::LedgerError;
use crate::money::Montant;
use crate::pricing::PricingError;
use crate::render::RenderError;
use crate::report::ReportError;

/// Why a folder cannot receive a batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `/`, `.`, `..`: not a folder of its own.
    NotASubfolder,
    /// It is the current folder or one of its parents.
    HoldsCurrentFolder,
    /// It is, or holds, the folder of this input file.
    HoldsInput { input: PathBuf },
    /// It lies inside a batch folder (a `manifest.json` above it).
    InsideBatch { batch: PathBuf },
    /// It holds files this program did not write (first few listed).
    ForeignFiles { files: Vec<String>, more: usize },
    /// It holds a folder of credit notes, which is never replaced.
    IssuedAvoir,
    /// It is a file, not a folder.
    NotAFolder,
}

/// Why a single output file (`compare --csv`) cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileRefusal {
    /// It exists, and `--force` was not given.
    Exists,
    /// It is one of the command's input files.
    IsInput,
    /// It is a file of a batch folder.
    InsideBatch { batch: PathBuf },
    /// It exists but is not a regular file.
    NotAFile,
}

/// What stops a batch from being planned, written or verified.
#[derive(Debug)]
pub enum BatchError {
    /// A file or folder of the batch could not be read or written.
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// An input or output file the program cannot use as it is.
    File(FileError),
    /// The output folder already holds a finished batch.
    OutputExists { path: PathBuf },
    /// A single output file (`compare --csv`) that may not be written.
    OutputFile { path: PathBuf, reason: FileRefusal },
    /// The output folder cannot receive a batch.
    Destination { path: PathBuf, reason: Refusal },
    /// Another run holds the lock on the output location.
    Locked { path: PathBuf, holder: String },
    /// A batch folder failed verification.
    Verify {
        dir: PathBuf,
        problems: Vec<VerifyProblem>,
    },
    /// An appel could not be laid out.
    Render(RenderError),
    /// The batch report (`rapport.pdf`) could not be built.
    Report(ReportError),
    /// A credit note (`cotisations avoir`) that cannot be issued.
    Avoir(AvoirRefusal),
    /// The folders of an exercice break a rule of its series.
    Register {
        problems: Vec<crate::exercice::RegisterProblem>,
    },
    /// An exercice folder failed verification.
    VerifyExercice {
        dir: PathBuf,
        problems: Vec<ExerciceProblem>,
    },
    /// The exercice folder cannot be used as asked.
    Dossier {
        path: PathBuf,
        problem: DossierProblem,
    },
    /// A PES flow (`cotisations pes`) that cannot be written.
    Pes(PesRefusal),
    /// A member that cannot be priced (a quantity × price that does not
    /// fit: validation refuses it first).
    Pricing { membre: String, error: PricingError },
}

/// Why an exercice folder cannot be used as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DossierProblem {
    /// It is a file.
    PasUnDossier,
    /// It holds files and is not an exercice folder (first few listed).
    PasUnExercice { fichiers: Vec<String>, more: usize },
    /// `exercice.json` cannot be read.
    ExerciceIllisible { reason: String },
    /// A line of `registre.jsonl` cannot be read.
    RegistreIllisible { ligne: usize, reason: String },
    /// The folder is another exercice's.
    AutreExercice { found: i32, expected: i32 },
    /// The ledger's format or encoding differs from the exercice's.
    AutreFormatCsv {
        found: (CsvFormat, Encoding),
        asked: (CsvFormat, Encoding),
    },
    /// An entry in place without its register line, and not whole.
    EntreeSansInscription {
        dossier: String,
        problems: Vec<VerifyProblem>,
    },
    /// An entry's manifest cannot be read.
    EntreeIllisible { dossier: String, reason: String },
    /// A command that works on an exercice given a folder that is not one.
    PasDExercice,
    /// `emettre` with no projet.
    PasDeProjet,
    /// The projet no longer shows what would be issued.
    ProjetPerime(Perime),
    /// A document dated before the last one of its series.
    DateAnterieure {
        numero: String,
        precedent: NaiveDate,
        date: NaiveDate,
    },
}

/// One thing wrong in an exercice folder `verify DIR` checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExerciceProblem {
    /// The folder or its register cannot be read at all.
    Illisible(DossierProblem),
    /// An entry fails the checks of a single folder.
    Entree {
        dossier: String,
        problems: Vec<VerifyProblem>,
    },
    /// A folder in `entrees/` the register does not list.
    NonInscrite { dossier: String },
    /// A file or folder the exercice folder never holds.
    Inattendu { chemin: String },
    /// A symbolic link.
    Lien { chemin: String },
    /// A register line out of its place (sequence or folder name).
    Sequence { sequence: u32, dossier: String },
    /// A register line that does not chain to the line before.
    ChaineRegistre { sequence: u32 },
    /// An entry whose manifest does not cite the previous entry's.
    ChaineEntrees { dossier: String },
    /// A register line that differs from its entry, recomputed.
    Inscription { dossier: String },
    /// A rule of the series broken across the entries.
    Serie(crate::exercice::RegisterProblem),
    /// An avoir citing another version of the lot of its appel.
    LotCite { avoir: String, lot: String },
    /// `ledger.csv` is not the entries' ledgers put together.
    Journal,
    /// The register does not extend the head given with `--tete`.
    Tete { tete: String },
    /// A bordereau number out of sequence.
    Bordereau { id_bord: u32 },
    /// A lot carried by two flows, or a flow carrying what is not a lot.
    LotTransmis { lot: String, flux: String },
    /// A rôle sent again that does not repeat an earlier sending of it
    /// (same lot, pièces and total), or not as the next sending.
    Renvoi {
        id_bord: u32,
        envoi: u8,
        flux: String,
    },
    /// A line of the send journal `envois.jsonl` that cannot be read,
    /// breaks its chain or names no issued document.
    JournalEnvois { ligne: usize, raison: String },
}

/// Why a projet can no longer be issued as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Perime {
    /// The register changed since (another emission or an avoir).
    Registre,
    /// An input file changed since (`quoi`: rôle, grille, émetteur).
    Entree { quoi: &'static str, chemin: String },
    /// The projet's files are not intact.
    Abime { problems: Vec<VerifyProblem> },
}

/// Why `cotisations avoir` refuses; nothing is written then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AvoirRefusal {
    /// The credit itself (the pure `crate::avoir`).
    Credit(AvoirError),
    /// The lot found holds credit notes.
    NotAppels { dir: PathBuf, serie: String },
    /// The member has no appel standing in the exercice `dir`.
    NoAppel {
        membre: String,
        dir: PathBuf,
        billed_by: Option<String>,
    },
    /// The lot's manifest is not the one the register inscribed.
    LotChange { dossier: PathBuf },
    /// The batch's ledger cannot be read.
    Ledger { path: PathBuf, error: LedgerError },
    /// The batch's ledger lacks columns a credit note needs.
    LedgerColumns {
        path: PathBuf,
        missing: Vec<&'static str>,
    },
    /// The manifest records no unit for an item of the appel.
    UnitMissing { code: String, numero: String },
    /// A lot of format 1 (no units nor VAT mention recorded): its appels
    /// are not credited by this version.
    GridNeeded { dir: PathBuf },
    /// The appel has no line in the ledger.
    NoLines { numero: String },
    /// The appel's total in the ledger differs from the manifest's.
    TotalMismatch {
        numero: String,
        ledger: Montant,
        manifest: Montant,
    },
    /// The member has several appels standing: `--appel` says which.
    PlusieursAppels { membre: String, appels: Vec<String> },
    /// `--appel` names no appel of the member standing.
    AppelHorsAdherent { membre: String, appel: String },
}

/// One thing wrong in a batch folder `verify` checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyProblem {
    /// `manifest.json` cannot be read (`reason`: the system's, in French).
    ManifestUnreadable { reason: String },
    /// `manifest.json` is not a manifest (`reason`: the parser's, in French).
    ManifestInvalid { reason: String },
    /// A series other than `AC` and `AV`.
    UnknownSeries { serie: String },
    /// A folder of credit notes where a batch of appels is wanted.
    NotAppels { serie: String },
    /// A listed file whose hash differs.
    Modified { file: String },
    /// A listed file missing or unreadable.
    Missing { file: String },
    /// A file or folder in the folder that the manifest does not list.
    Extra { file: String },
    /// A file every such folder has, missing from the manifest's list.
    Unlisted { file: String },
    /// A listed path that leaves the folder (absolute, or with `..`).
    PathOutside { file: String },
    /// A symbolic link in the folder, or on a listed path.
    Link { file: String },
    /// A document's PDF not named after its number, or outside the PDF folder.
    Misnamed { file: String, numero: String },
    /// Two documents with the same PDF.
    SamePdf { first: String, second: String },
    /// A Factur-X PDF whose embedded XML disagrees with the manifest.
    Embedded { numero: String, mismatch: Embedded },
    /// The numbers jump: `found` where `expected` was due.
    Numbering { found: String, expected: String },
    /// The ledger's total of a document differs from the document's.
    DocumentTotal {
        numero: String,
        ledger: Decimal,
        document: Decimal,
    },
    /// A document with no line in the ledger.
    NotInLedger { numero: String },
    /// Lines in the ledger for a document with no PDF.
    NoPdf { numero: String },
    /// The ledger's grand total differs from the manifest's.
    GrandTotal { ledger: Decimal, manifest: Montant },
    /// The documents the manifest lists do not add up to the ledger's total.
    DocumentsSum { documents: Decimal, ledger: Decimal },
    /// `summary.json`'s total differs from the ledger's.
    SummaryTotal,
    /// `ledger.csv` missing or unreadable.
    LedgerMissing,
    /// `ledger.csv` is not a ledger.
    Ledger(LedgerError),
    /// `ledger.csv` is not in the format the manifest records.
    LedgerFormat { expected: CsvFormat },
}

/// How a Factur-X PDF's embedded XML disagrees with its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Embedded {
    /// No `factur-x.xml`, or not one this program wrote.
    Unreadable,
    /// Another document's number.
    Numero { found: String },
    /// Another buyer's name (as the XML writes it).
    Nom { found: String },
    /// Another buyer's SIRET.
    Siret { found: String },
    /// Another grand total.
    Total { found: Decimal },
}

impl BatchError {
    /// Shorthand for an I/O error on `path`.
    pub fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> BatchError {
        let path = path.into();
        move |source| BatchError::Io {
            action,
            path,
            source,
        }
    }
}

impl From<FileError> for BatchError {
    fn from(e: FileError) -> BatchError {
        BatchError::File(e)
    }
}

impl From<RenderError> for BatchError {
    fn from(e: RenderError) -> BatchError {
        BatchError::Render(e)
    }
}

impl From<ReportError> for BatchError {
    fn from(e: ReportError) -> BatchError {
        BatchError::Report(e)
    }
}

/// Why `pes` refuses; nothing is written then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PesRefusal {
    /// The issuer file has no `[pes]` section.
    SansReglages { emetteur: PathBuf },
    /// The grid is of another exercice.
    AutreExercice { grille: i32, exercice: i32 },
    /// What stops lots from going into a flow.
    Lots {
        problems: Vec<(String, crate::pes::PesError)>,
    },
    /// The date is outside the exercice and its journée complémentaire.
    HorsExercice { date: NaiveDate, exercice: i32 },
    /// The date is before a lot's or the last flow's.
    DateAnterieure {
        date: NaiveDate,
        avant: NaiveDate,
        quoi: String,
    },
    /// A lot's manifest, ledger or PDF is not what the register inscribed.
    LotModifie { dossier: String, fichier: String },
    /// `--max-pieces` out of 1..=99 999, or `--max-mo` of 0.
    Limites,
    /// `--renvoyer` names a rôle no flow of the exercice sent.
    RoleInconnu { id_bord: u32 },
    /// The rôle's lot no longer gives the pièces it was sent with.
    RoleModifie { id_bord: u32 },
    /// The rôle was sent 99 times (the `IdUnique` suffix has two digits).
    TropDEnvois { id_bord: u32 },
}
