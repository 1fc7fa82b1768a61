//! The errors of the batch layer, the only writer of a folder: where a
//! batch may go (`destination`), writing and publishing it (`output`), and
//! proving a folder intact (`verify`). Data only; `crate::error` words them.

use std::path::PathBuf;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::avoir::AvoirError;
use crate::csv_out::CsvFormat;
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
    /// `--force` would replace a batch of another exercice.
    ReplaceOtherExercice { found: i32, expected: i32 },
    /// `--force` would replace a batch at another place of its chain: a
    /// supplementary batch by a main one, or one continuing another batch.
    ReplaceOtherChain {
        found: Option<String>,
        expected: Option<String>,
    },
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
    /// The batch a supplementary run continues (`run --after`) cannot be
    /// continued.
    Previous {
        dir: PathBuf,
        problem: PreviousProblem,
    },
    /// A member that cannot be priced (a quantity × price that does not
    /// fit: validation refuses it first).
    Pricing { membre: String, error: PricingError },
}

/// Why the batch a supplementary run continues (`run --after`) cannot be
/// continued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviousProblem {
    /// It fails verification.
    NotIntact { problems: Vec<VerifyProblem> },
    /// Its manifest cannot be read (`reason`: the parser's, in French).
    ManifestInvalid { reason: String },
    /// It bills another exercice.
    OtherExercice { found: i32, expected: i32 },
    /// It is dated after the new batch: the series would go backwards.
    DateAnterieure {
        previous: NaiveDate,
        date: NaiveDate,
    },
}

/// Why `cotisations avoir` refuses; nothing is written then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AvoirRefusal {
    /// The credit itself (the pure `crate::avoir`).
    Credit(AvoirError),
    /// The output folder holds something: an issued credit note is never
    /// replaced.
    OutputNotEmpty { out: PathBuf },
    /// `--batch` is a folder of credit notes.
    NotAppels { dir: PathBuf, serie: String },
    /// The member has no appel in the batch; `billed_by`: the appel of an
    /// earlier batch that billed it.
    NoAppel {
        membre: String,
        dir: PathBuf,
        billed_by: Option<String>,
    },
    /// The batch's ledger cannot be read.
    Ledger { path: PathBuf, error: LedgerError },
    /// The batch's ledger lacks columns a credit note needs.
    LedgerColumns {
        path: PathBuf,
        missing: Vec<&'static str>,
    },
    /// The manifest records no unit for an item of the appel.
    UnitMissing { code: String, numero: String },
    /// A batch of format 1: its grid must be given with `--tariff`.
    GridNeeded { dir: PathBuf },
    /// `--tariff` is not the grid the batch was priced with.
    WrongGrid { path: PathBuf, recorded: String },
    /// The appel has no line in the ledger.
    NoLines { numero: String },
    /// The appel's total in the ledger differs from the manifest's.
    TotalMismatch {
        numero: String,
        ledger: Montant,
        manifest: Montant,
    },
    /// The previous credit note folder (`--after`) cannot be continued.
    Chain { dir: PathBuf, problem: ChainProblem },
}

/// Why the credit note folder `avoir --after` names cannot be continued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainProblem {
    /// It fails verification.
    NotIntact { problems: Vec<VerifyProblem> },
    /// It is a batch of appels.
    NotAvoirs { serie: String },
    /// It credits another exercice.
    OtherExercice { found: i32, expected: i32 },
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
