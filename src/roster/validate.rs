//! Validating raw roster rows into `Member`s, collecting every error.
//!
//! Errors carry their position (line, column) apart from their kind, so
//! tests assert the kind and position and `Display` alone writes French.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use super::read::{RawRoster, ReadError};
use super::{Member, MemberKind};
use crate::charset::first_unprintable;
use crate::columns::IDENTITY_COLUMNS;
use crate::format_fr::{NumberError, fold_key, parse_nombre};
pub use crate::ident::{SiretProblem, luhn_ok, parse_siret};
use crate::tariff::{Grid, Item, Pricing, QuantityKind};

/// Largest quantity accepted in a cell: far above any real subscription,
/// low enough that no product can overflow.
const MAX_QUANTITY: u32 = 1_000_000;
/// Largest population or agent count accepted.
const MAX_COUNT: u32 = 100_000_000;
/// Longest text accepted in a cell (names, addresses).
const MAX_TEXT: usize = 300;
/// Longest cell of any column: beyond it the cell is refused unread (a
/// quantity or a count is a few characters; a pasted document is not a
/// cell), so that no message quotes it whole.
pub const MAX_CELL: usize = 1000;
/// Longest header cell for which a « vouliez-vous dire » is looked for.
const MAX_SUGGESTED: usize = 64;
/// Longest `code_service` Chorus Pro accepts.
const MAX_CODE_SERVICE: usize = 100;
/// Longest service name Chorus Pro accepts (PES `NomService`).
const MAX_NOM_SERVICE: usize = 100;
/// Longest numéro d'engagement Chorus Pro accepts.
const MAX_ENGAGEMENT: usize = 50;

/// The identity columns of the roster, in the order of `COLUMNS` and of
/// their names, `columns::IDENTITY_COLUMNS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Id,
    Nom,
    Type,
    Population,
    Agents,
    Affiliee,
    Siret,
    Adresse,
    CodePostal,
    Ville,
    Email,
    CodeService,
    Engagement,
    DateAdhesion,
    NomService,
    CategorieTiers,
}

/// How the cell of an identity column is read and checked.
#[derive(Debug)]
enum Parse {
    /// Text printed on the appel and copied into its XML (`Row::text`);
    /// only a `multiline` one keeps its line breaks (Alt+Entrée in Excel).
    Text { multiline: bool },
    /// Text, its leading zero put back: Excel drops the one of 01000 (a
    /// number to it).
    Postcode,
    /// Text holding addresses separated by `;` or `,` (`Row::emails`).
    Emails,
    /// Text Chorus Pro accepts up to `max` characters only.
    Reference { max: usize },
    /// A kind of member, in any spelling `MemberKind::parse` knows.
    Kind,
    /// Oui or non (`parse_yes_no`), empty meaning oui.
    YesNo,
    /// A whole number up to `MAX_COUNT` that places the member in its
    /// tier: needed (else `missing`) for an affiliated member of one of
    /// `kinds`, since a non-affiliated one is in the top tier whatever its
    /// size.
    Count {
        kinds: &'static [MemberKind],
        missing: RosterErrorKind,
    },
    /// A SIRET, its Luhn key checked (`parse_siret`).
    Siret,
    /// A date of joining (`parse_date`), within the exercice if one is given.
    Date,
    /// A category of debtor for Hélios (`CategorieTiers::parse`).
    Categorie,
}

impl Parse {
    /// Whether the cell is text printed on the appel: such cells are all
    /// read before any other check (`Row::identity`).
    fn is_text(&self) -> bool {
        matches!(
            self,
            Parse::Text { .. } | Parse::Postcode | Parse::Emails | Parse::Reference { .. }
        )
    }
}

/// One identity column: its header name, whether the column and a value
/// in its cells are required, how its cell is read.
#[derive(Debug)]
struct Spec {
    field: Field,
    required: bool,
    parse: Parse,
}

/// The identity columns, one entry each, in the order the header's
/// messages list them (`COLUMNS[field as usize]` is `field`'s entry).
const COLUMNS: &[Spec] = &[
    required(Field::Id, Parse::Text { multiline: false }),
    required(Field::Nom, Parse::Text { multiline: false }),
    required(Field::Type, Parse::Kind),
    optional(
        Field::Population,
        Parse::Count {
            kinds: &[MemberKind::Commune],
            missing: RosterErrorKind::MissingPopulation,
        },
    ),
    optional(
        Field::Agents,
        Parse::Count {
            kinds: &[MemberKind::EtablissementPublic, MemberKind::BudgetAnnexe],
            missing: RosterErrorKind::MissingAgents,
        },
    ),
    optional(Field::Affiliee, Parse::YesNo),
    required(Field::Siret, Parse::Siret),
    optional(Field::Adresse, Parse::Text { multiline: true }),
    optional(Field::CodePostal, Parse::Postcode),
    optional(Field::Ville, Parse::Text { multiline: false }),
    optional(Field::Email, Parse::Emails),
    optional(
        Field::CodeService,
        Parse::Reference {
            max: MAX_CODE_SERVICE,
        },
    ),
    optional(
        Field::Engagement,
        Parse::Reference {
            max: MAX_ENGAGEMENT,
        },
    ),
    optional(Field::DateAdhesion, Parse::Date),
    optional(
        Field::NomService,
        Parse::Reference {
            max: MAX_NOM_SERVICE,
        },
    ),
    optional(Field::CategorieTiers, Parse::Categorie),
];

/// A column the header must have, and its cells a value.
const fn required(field: Field, parse: Parse) -> Spec {
    Spec {
        field,
        required: true,
        parse,
    }
}

/// A column the header may lack, and its cells may leave empty.
const fn optional(field: Field, parse: Parse) -> Spec {
    Spec {
        field,
        required: false,
        parse,
    }
}

// `spec` indexes `COLUMNS` by `Field`, and `Spec::name` the names by it:
// an entry out of place, or one too many or too few, fails the build.
const _: () = {
    assert!(COLUMNS.len() == IDENTITY_COLUMNS.len());
    let mut i = 0;
    while i < COLUMNS.len() {
        assert!(COLUMNS[i].field as usize == i);
        i += 1;
    }
};

impl Spec {
    /// The column's header name.
    fn name(&self) -> &'static str {
        IDENTITY_COLUMNS[self.field as usize]
    }
}

/// The entry of `field` in `COLUMNS`.
fn spec(field: Field) -> &'static Spec {
    &COLUMNS[field as usize]
}

/// A problem in the roster, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterError {
    /// 1-based line in the file (the header is line 1); 0 if none applies.
    pub line: u64,
    /// 1-based column number and header name, when the problem is one cell.
    pub column: Option<(usize, String)>,
    pub kind: RosterErrorKind,
}

/// What is wrong in the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RosterErrorKind {
    EmptyFile,
    BrokenCsv {
        message: String,
    },
    UnknownColumn {
        name: String,
        suggestion: Option<String>,
        known: Vec<String>,
    },
    DuplicateColumn {
        name: String,
        first: usize,
    },
    MissingColumn {
        name: String,
    },
    UnnamedColumn,
    BadDate {
        value: String,
    },
    DateOutsideExercice {
        value: String,
        exercice: i32,
    },
    MissingEngagement,
    MissingCodeService,
    RaggedRow {
        expected: usize,
        found: usize,
    },
    Missing,
    TooLong {
        max: usize,
    },
    DuplicateId {
        id: String,
        first_line: u64,
    },
    UnknownCategorieTiers {
        value: String,
    },
    UnknownType {
        value: String,
    },
    MissingPopulation,
    MissingAgents,
    BadCount {
        value: String,
    },
    BadAffiliee {
        value: String,
    },
    BadSiret {
        value: String,
        reason: SiretProblem,
    },
    BadEmail {
        value: String,
    },
    NotANumber {
        value: String,
    },
    Negative {
        value: String,
    },
    TooLarge {
        value: String,
    },
    NotYesNo {
        value: String,
    },
    NotWhole {
        value: String,
    },
    TooManyDecimals {
        value: String,
        max: u32,
    },
    Excluded {
        other: String,
    },
    Requires {
        any_of: Vec<String>,
    },
    /// A character the documents cannot print.
    Unprintable {
        ch: char,
    },
    /// A control character (tab and line breaks aside).
    Control {
        ch: char,
    },
    /// The same SIRET as another member (and no distinct code service).
    DuplicateSiret {
        siret: String,
        first_line: u64,
        first_id: String,
    },
    /// Two encodings in one file (see `read::ReadError::MixedEncoding`).
    MixedEncoding,
    /// UTF-16 without a byte order mark.
    Utf16WithoutBom,
    /// Broken UTF-16.
    BadUtf16,
    /// A workbook calamine cannot read.
    Workbook {
        format: &'static str,
    },
    /// `--feuille` names no sheet of the workbook.
    UnknownSheet {
        name: String,
        sheets: Vec<String>,
    },
    /// `--feuille` given for a CSV file.
    SheetOnCsv,
    /// A workbook cell holding an error.
    CellError {
        value: String,
    },
    /// The first sheet of a workbook of several was read (a hint that
    /// follows the header's errors).
    FirstSheet {
        sheet: String,
        sheets: Vec<String>,
    },
    /// A header wider than `read::MAX_COLUMNS`.
    TooManyColumns {
        found: usize,
    },
}

fn list_fr(items: &[String]) -> String {
    items
        .iter()
        .map(|s| format!("« {s} »"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for RosterErrorKind {
    #[allow(
        clippy::too_many_lines,
        reason = "one arm per kind: the French messages side by side, as a table"
    )]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use RosterErrorKind as K;
        match self {
            K::EmptyFile => write!(
                f,
                "le fichier est vide : il doit au moins contenir la ligne d'en-tête (id;nom;type;…)"
            ),
            K::BrokenCsv { message } => write!(
                f,
                "structure CSV illisible ({message}) : vérifiez les guillemets, ou réenregistrez le fichier depuis Excel au format « CSV (séparateur : point-virgule) »"
            ),
            K::UnknownColumn {
                name,
                suggestion,
                known,
            } => {
                write!(f, "colonne inconnue « {name} »")?;
                if let Some(s) = suggestion {
                    write!(f, " : vouliez-vous dire « {s} » ?")?;
                }
                write!(
                    f,
                    " Renommez-la ou supprimez-la. Colonnes reconnues : {}",
                    known.join(", ")
                )
            }
            K::DuplicateColumn { name, first } => write!(
                f,
                "colonne « {name} » en double (déjà en colonne {first}) : supprimez l'une des deux"
            ),
            K::MissingColumn { name } => {
                write!(
                    f,
                    "colonne obligatoire « {name} » absente : ajoutez-la à l'en-tête"
                )
            }
            K::BadDate { value } => write!(
                f,
                "date « {value} » illisible : écrivez-la JJ/MM/AAAA ou AAAA-MM-JJ, par exemple 15/06/2027"
            ),
            K::DateOutsideExercice { value, exercice } => write!(
                f,
                "date d'adhésion « {value} » hors de l'exercice {exercice} : elle doit tomber entre le 1er janvier et le 31 décembre {exercice} (videz la cellule pour un adhérent présent toute l'année)"
            ),
            K::MissingEngagement => write!(
                f,
                "cet adhérent exige un numéro d'engagement juridique sur ses factures (grille, section [chorus]) : renseignez la colonne « engagement »"
            ),
            K::MissingCodeService => write!(
                f,
                "cet adhérent exige un code service sur ses factures (grille, section [chorus]) : renseignez la colonne « code_service »"
            ),
            K::UnnamedColumn => write!(
                f,
                "cette colonne n'a pas de nom dans l'en-tête mais contient des valeurs : donnez-lui le code d'un service ou videz-la"
            ),
            K::RaggedRow { expected, found } => write!(
                f,
                "la ligne a {found} cellules au lieu de {expected} : vérifiez les séparateurs et les guillemets"
            ),
            K::Missing => write!(f, "valeur obligatoire manquante : remplissez la cellule"),
            K::TooLong { max } => {
                write!(
                    f,
                    "texte trop long (plus de {} caractères) : raccourcissez-le",
                    crate::format_fr::integer(*max as u64)
                )
            }
            K::DuplicateId { id, first_line } => write!(
                f,
                "identifiant « {id} » en double (déjà utilisé ligne {first_line}) : chaque adhérent doit avoir un identifiant unique"
            ),
            K::UnknownCategorieTiers { value } => write!(
                f,
                "catégorie de tiers « {value} » inconnue : indiquez un code de 21 à 27 ou l'un des mots {}, ou laissez la cellule vide (catégorie déduite du type)",
                crate::roster::CategorieTiers::WORDS
                    .iter()
                    .map(|w| format!("« {w} »"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            K::UnknownType { value } => write!(
                f,
                "type « {value} » inconnu : indiquez « commune », « établissement public » ou « budget annexe »"
            ),
            K::MissingPopulation => write!(
                f,
                "population manquante : une commune est placée dans sa tranche selon sa population ; indiquez-la (0 est permis)"
            ),
            K::MissingAgents => write!(
                f,
                "nombre d'agents manquant : un établissement public ou un budget annexe est placé selon son nombre d'agents ; indiquez-le"
            ),
            K::BadCount { value } => write!(
                f,
                "« {value} » n'est pas un nombre entier positif : indiquez par exemple 1 119"
            ),
            K::BadAffiliee { value } => {
                write!(
                    f,
                    "« {value} » n'est ni « oui » ni « non » : indiquez oui ou non (vide = oui)"
                )
            }
            K::BadSiret { value, reason } => write!(
                f,
                "SIRET « {value} » invalide : {reason} ; recopiez-le depuis l'annuaire des entreprises (SIRENE)"
            ),
            K::BadEmail { value } => {
                write!(
                    f,
                    "adresse électronique « {value} » invalide : écrivez-la nom@domaine.fr (plusieurs adresses : séparez-les par « ; »)"
                )
            }
            K::NotANumber { value } => write!(
                f,
                "« {value} » n'est pas un nombre : écrivez par exemple 3 ou 0,5 (cellule vide = 0)"
            ),
            K::Negative { value } => {
                write!(f, "quantité négative « {value} » : indiquez 0 ou plus")
            }
            K::TooLarge { value } => write!(
                f,
                "quantité « {value} » trop grande (au plus 1 000 000) : vérifiez la cellule"
            ),
            K::NotYesNo { value } => write!(
                f,
                "« {value} » : ce service se souscrit ou non ; indiquez 1 (souscrit) ou 0 / vide (non souscrit)"
            ),
            K::NotWhole { value } => write!(
                f,
                "« {value} » : ce service se compte en nombre entier ; indiquez un nombre sans décimale"
            ),
            K::TooManyDecimals { value, max } => write!(
                f,
                "« {value} » : au plus {max} décimales ; arrondissez la valeur"
            ),
            K::Excluded { other } => write!(
                f,
                "incompatible avec « {other} », souscrit sur la même ligne : n'en gardez qu'un"
            ),
            K::Requires { any_of } => write!(
                f,
                "ce service nécessite au moins l'un des articles suivants : {} ; ajoutez-en un ou retirez ce service",
                list_fr(any_of)
            ),
            K::Unprintable { ch } => write!(
                f,
                "le caractère « {ch} » ({}) ne peut pas être imprimé sur l'appel : remplacez-le par une lettre française approchante",
                code_point(*ch)
            ),
            K::Control { ch } => write!(
                f,
                "caractère de contrôle invisible ({}) dans la cellule : retapez-la",
                code_point(*ch)
            ),
            K::DuplicateSiret {
                siret,
                first_line,
                first_id,
            } => write!(
                f,
                "SIRET {siret} en double (déjà ligne {first_line}, adhérent « {first_id} ») : un adhérent ne doit figurer qu'une fois ; si ce sont deux services distincts de la même collectivité, renseignez un code_service différent pour chacun"
            ),
            K::MixedEncoding => write!(
                f,
                "octet qui n'est pas de l'UTF-8 dans un fichier qui en contient : deux encodages sont mélangés (copier-coller depuis un autre fichier ?) ; ouvrez le fichier dans Excel ou LibreOffice et réenregistrez-le en « CSV UTF-8 »"
            ),
            K::Utf16WithoutBom => write!(
                f,
                "le fichier semble en UTF-16 sans marque d'ordre des octets : réenregistrez-le en « CSV UTF-8 » ou en « Texte Unicode » depuis Excel"
            ),
            K::BadUtf16 => write!(
                f,
                "fichier UTF-16 (« Texte Unicode ») abîmé : réenregistrez-le en « CSV UTF-8 »"
            ),
            K::Workbook { format } => write!(
                f,
                "classeur .{format} illisible (abîmé ou protégé par un mot de passe ?) : ouvrez-le puis réenregistrez-le, ou enregistrez la feuille en « CSV UTF-8 »"
            ),
            K::UnknownSheet { name, sheets } => write!(
                f,
                "le classeur n'a pas de feuille « {name} » : feuilles présentes : {}",
                list_fr(sheets)
            ),
            K::SheetOnCsv => write!(
                f,
                "--feuille ne s'applique qu'à un classeur (.xlsx, .xls, .ods), pas à un fichier CSV : retirez l'option"
            ),
            K::CellError { value } => write!(
                f,
                "la cellule contient une erreur de formule ({value}) : corrigez la formule ou remplacez-la par sa valeur"
            ),
            K::FirstSheet { sheet, sheets } => write!(
                f,
                "la feuille lue est « {sheet} », la première du classeur, qui en a d'autres ({}) : indiquez celle du rôle avec --feuille",
                list_fr(sheets)
            ),
            K::TooManyColumns { found } => write!(
                f,
                "l'en-tête compte {found} colonnes, plus que les {} permises : ce n'est sans doute pas un rôle (ou des cellules ont été remplies par erreur à droite du tableau)",
                super::read::MAX_COLUMNS
            ),
        }
    }
}

/// `U+00E6`.
fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// The spreadsheet letters of 1-based column `n` (1 → A, 27 → AA).
#[must_use]
pub fn column_letters(mut n: usize) -> String {
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

impl fmt::Display for RosterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.line, &self.column) {
            (0, _) => write!(f, "{}", self.kind),
            (line, Some((n, name))) if name.is_empty() => write!(
                f,
                "ligne {line}, colonne {n} ({}) : {}",
                column_letters(*n),
                self.kind
            ),
            (line, Some((n, name))) => write!(
                f,
                "ligne {line}, colonne {n} ({}) « {name} » : {}",
                column_letters(*n),
                self.kind
            ),
            (line, None) => write!(f, "ligne {line} : {}", self.kind),
        }
    }
}

fn parse_yes_no(text: &str) -> Option<bool> {
    match fold_key(text).as_str() {
        "" | "oui" | "o" | "1" | "vrai" | "yes" | "y" | "x" | "affiliee" => Some(true),
        "non" | "n" | "0" | "faux" | "no" | "non_affiliee" => Some(false),
        _ => None,
    }
}

fn parse_count(text: &str) -> Result<u32, ()> {
    let n = parse_nombre(text).map_err(|_| ())?;
    if n.is_sign_negative() || n.fract() != Decimal::ZERO {
        return Err(());
    }
    u32::try_from(n.trunc().mantissa() / 10i128.pow(n.scale()))
        .ok()
        .filter(|&v| v <= MAX_COUNT)
        .ok_or(())
}

/// A type cell as a kind of member.
fn parse_kind(text: &str) -> Result<MemberKind, RosterErrorKind> {
    MemberKind::parse(text).ok_or_else(|| RosterErrorKind::UnknownType {
        value: text.to_string(),
    })
}

/// An `affiliee` cell as yes or no.
fn parse_affiliee(text: &str) -> Result<bool, RosterErrorKind> {
    parse_yes_no(text).ok_or_else(|| RosterErrorKind::BadAffiliee {
        value: text.to_string(),
    })
}

/// A population or agent count cell.
fn parse_count_cell(text: &str) -> Result<u32, RosterErrorKind> {
    parse_count(text).map_err(|()| RosterErrorKind::BadCount {
        value: text.to_string(),
    })
}

/// A SIRET cell as its 14 digits.
fn parse_siret_cell(text: &str) -> Result<String, RosterErrorKind> {
    parse_siret(text).map_err(|reason| RosterErrorKind::BadSiret {
        value: text.to_string(),
        reason,
    })
}

/// A date of joining, which must fall in the `exercice` if one is given.
fn parse_adhesion(text: &str, exercice: Option<i32>) -> Result<NaiveDate, RosterErrorKind> {
    match crate::format_fr::parse_date(text) {
        Some(d) if exercice.is_none_or(|y| d.year() == y) => Ok(d),
        Some(_) => Err(RosterErrorKind::DateOutsideExercice {
            value: text.to_string(),
            exercice: exercice.unwrap_or_default(),
        }),
        None => Err(RosterErrorKind::BadDate {
            value: text.to_string(),
        }),
    }
}

/// The quantity of `item` in a non-empty cell, or why it is refused: not
/// a number, negative, above `MAX_QUANTITY`, or finer than the item is
/// counted in (yes-no, whole, two decimals; an amount on quote has cents).
fn parse_quantity(item: &Item, text: &str) -> Result<Decimal, RosterErrorKind> {
    use RosterErrorKind as K;
    let value = || text.to_string();
    let q = match parse_nombre(text) {
        Ok(q) => q,
        Err(NumberError::NotANumber) => return Err(K::NotANumber { value: value() }),
        Err(NumberError::TooLarge) => return Err(K::TooLarge { value: value() }),
    };
    if q.is_sign_negative() && !q.is_zero() {
        return Err(K::Negative { value: value() });
    }
    if q > Decimal::from(MAX_QUANTITY) {
        return Err(K::TooLarge { value: value() });
    }
    let q = q.normalize();
    let on_quote = item.pricing == Pricing::OnQuote;
    match item.quantity {
        _ if on_quote && q.scale() > 2 => Err(K::TooManyDecimals {
            value: value(),
            max: 2,
        }),
        _ if on_quote => Ok(q),
        QuantityKind::YesNo if q != Decimal::ZERO && q != Decimal::ONE => {
            Err(K::NotYesNo { value: value() })
        }
        QuantityKind::Whole if q.scale() > 0 => Err(K::NotWhole { value: value() }),
        QuantityKind::Decimal if q.scale() > 2 => Err(K::TooManyDecimals {
            value: value(),
            max: 2,
        }),
        _ => Ok(q),
    }
}

/// The known column `key` is likely a typo of (at most 3 edits away). None
/// for an absurdly long cell: the distance costs its length times each
/// known code's.
fn suggestion(key: &str, known: &[String]) -> Option<String> {
    if key.chars().count() > MAX_SUGGESTED {
        return None;
    }
    known
        .iter()
        .map(|k| (strsim::levenshtein(key, k), k))
        .filter(|(d, _)| *d <= 3)
        .min()
        .map(|(_, k)| k.clone())
}

enum Column {
    Identity,
    Item(usize),
}

/// Validates the raw rows against the grid's item codes and rules.
///
/// # Errors
/// Every error found in the file, in line order.
pub fn validate(raw: &RawRoster, grid: &Grid) -> Result<Vec<Member>, Vec<RosterError>> {
    let (members, errors) = validate_rows(raw, grid, None)?;
    if errors.is_empty() {
        Ok(members)
    } else {
        Err(errors)
    }
}

/// What validating a whole roster gives.
#[derive(Debug, Default)]
pub struct Validated {
    /// The valid members, in file order.
    pub members: Vec<Member>,
    /// The errors of the other rows, in line order.
    pub errors: Vec<RosterError>,
    /// Data rows read (valid or not).
    pub rows: usize,
    /// The `id` cell of each rejected row, by line (for `rejects.csv`).
    pub rejected_ids: HashMap<u64, String>,
}

/// Validates a roster row by row as it is read (see `read::read_rows`),
/// so that a large roster is never held in memory as text.
pub struct Validator<'g> {
    grid: &'g Grid,
    exercice: Option<i32>,
    headers: Vec<String>,
    columns: Vec<Option<Column>>,
    present: HashMap<Field, usize>,
    /// Problems of the header line, with the column each is about.
    header_errors: Vec<(usize, RosterError)>,
    /// Required columns that are absent.
    missing: Vec<RosterError>,
    /// Unnamed columns not yet seen holding data.
    unnamed: Vec<usize>,
    /// First line of each member id, by its lower-case form.
    ids: HashMap<String, u64>,
    /// Rows seen with each SIRET: line, id, code service.
    sirets: HashMap<String, Vec<(u64, String, String)>>,
    /// A workbook's sheet read and every sheet it has.
    workbook: Option<(String, Vec<String>)>,
    /// Line and column (0-based) of the cells of the next row that held a
    /// formula error, already reported: no second error for them.
    error_cells: Vec<(u64, usize)>,
    out: Validated,
}

impl<'g> Validator<'g> {
    /// A validator for rows of a roster billed with `grid`; with an
    /// `exercice`, dates of joining must fall in that year.
    #[must_use]
    pub fn new(grid: &'g Grid, exercice: Option<i32>) -> Self {
        Validator {
            grid,
            exercice,
            headers: Vec::new(),
            columns: Vec::new(),
            present: HashMap::new(),
            header_errors: Vec::new(),
            missing: Vec::new(),
            unnamed: Vec::new(),
            ids: HashMap::new(),
            sirets: HashMap::new(),
            workbook: None,
            error_cells: Vec::new(),
            out: Validated::default(),
        }
    }

    /// The members and row errors, or the problems of the header line
    /// (unknown, duplicate or missing columns; an unnamed column holding
    /// data), which make every row unreadable.
    ///
    /// # Errors
    /// The header problems, in column order, then the missing columns.
    pub fn finish(self) -> Result<Validated, Vec<RosterError>> {
        if self.header_ok() {
            return Ok(self.out);
        }
        let mut header_errors = self.header_errors;
        header_errors.sort_by_key(|(col, _)| *col);
        let mut errors: Vec<RosterError> = header_errors.into_iter().map(|(_, e)| e).collect();
        errors.extend(self.missing);
        // The first sheet of a workbook of several was read: say which,
        // and how to name the roster's.
        if let Some((sheet, sheets)) = self.workbook
            && sheets.len() > 1
        {
            errors.push(RosterError {
                line: 0,
                column: None,
                kind: RosterErrorKind::FirstSheet { sheet, sheets },
            });
        }
        Err(errors)
    }

    fn rejected(&mut self, line: u64, cells: &[&str]) {
        let id = self
            .present
            .get(&Field::Id)
            .and_then(|&c| cells.get(c))
            .map_or_else(String::new, |c| (*c).to_string());
        self.out.rejected_ids.insert(line, id);
    }

    fn header_ok(&self) -> bool {
        self.header_errors.is_empty() && self.missing.is_empty()
    }
}

/// The rows seen with each SIRET: line, id, code service.
type Sirets = HashMap<String, Vec<(u64, String, String)>>;

impl Validator<'_> {
    /// What column `col` of the header holds, or `None` with its problem
    /// recorded: a duplicate or unknown column is ignored, an unnamed one
    /// watched (`unnamed_in_use`).
    fn header_cell(
        &mut self,
        col: usize,
        name: &str,
        seen: &mut HashMap<String, usize>,
        known: &[String],
    ) -> Option<Column> {
        let key = fold_key(name);
        // Excel keeps trailing columns that once held something: an
        // unnamed column is ignored while it is empty, refused once it
        // holds data (found while reading the rows).
        if key.is_empty() {
            self.unnamed.push(col);
            return None;
        }
        let kind = if let Some(&first) = seen.get(&key) {
            RosterErrorKind::DuplicateColumn {
                name: name.to_string(),
                first: first + 1,
            }
        } else {
            seen.insert(key.clone(), col);
            if let Some(spec) = COLUMNS.iter().find(|s| s.name() == key) {
                self.present.insert(spec.field, col);
                return Some(Column::Identity);
            }
            if let Some(index) = self.grid.find(&key) {
                return Some(Column::Item(index));
            }
            RosterErrorKind::UnknownColumn {
                name: name.to_string(),
                suggestion: suggestion(&key, known),
                known: known.to_vec(),
            }
        };
        self.header_errors.push((
            col,
            RosterError {
                line: 1,
                column: Some((col + 1, name.to_string())),
                kind,
            },
        ));
        None
    }

    /// The columns of `line` whose formula error was reported already
    /// (`cell_error`); those of earlier lines are forgotten.
    fn reported_cells(&mut self, line: u64) -> Vec<usize> {
        std::mem::take(&mut self.error_cells)
            .into_iter()
            .filter(|(l, _)| *l == line)
            .map(|(_, c)| c)
            .collect()
    }

    /// Refuses every unnamed column on the first row that holds data in it:
    /// a header problem, which makes every row unreadable.
    fn unnamed_in_use(&mut self, line: u64, cells: &[&str]) {
        let headers = &self.headers;
        let header_errors = &mut self.header_errors;
        self.unnamed.retain(|&col| {
            if cells.get(col).is_some_and(|c| !c.is_empty()) {
                header_errors.push((
                    col,
                    RosterError {
                        line,
                        column: Some((col + 1, headers[col].clone())),
                        kind: RosterErrorKind::UnnamedColumn,
                    },
                ));
                false
            } else {
                true
            }
        });
    }

    /// Refuses each cell longer than `MAX_CELL` not `reported` yet, as such
    /// (no message quotes it), and adds it to `reported`; the row with
    /// those cells read as empty, if there are any.
    fn long_cells<'c>(
        &mut self,
        line: u64,
        cells: &[&'c str],
        reported: &mut Vec<usize>,
    ) -> Option<Vec<&'c str>> {
        let long: Vec<usize> = (0..cells.len())
            .filter(|&col| cells[col].len() > MAX_CELL && !reported.contains(&col))
            .collect();
        if long.is_empty() {
            return None;
        }
        for &col in &long {
            self.out.errors.push(RosterError {
                line,
                column: Some((col + 1, self.headers[col].clone())),
                kind: RosterErrorKind::TooLong { max: MAX_CELL },
            });
        }
        reported.extend(&long);
        Some(
            cells
                .iter()
                .enumerate()
                .map(|(col, c)| if long.contains(&col) { "" } else { *c })
                .collect(),
        )
    }
}

impl super::read::RowSink for Validator<'_> {
    fn workbook(&mut self, sheet: &str, sheets: &[String]) {
        self.workbook = Some((sheet.to_string(), sheets.to_vec()));
    }

    fn cell_error(&mut self, line: u64, column: usize, value: &str) {
        let name = self.headers.get(column - 1).cloned().unwrap_or_default();
        self.out.errors.push(RosterError {
            line,
            column: Some((column, name)),
            kind: RosterErrorKind::CellError {
                value: value.to_string(),
            },
        });
        self.error_cells.push((line, column - 1));
    }

    /// Maps each header cell to an identity column or a grid item; records
    /// the unknown, duplicate and missing columns.
    fn header(&mut self, cells: &[&str]) {
        self.headers = cells.iter().map(|c| (*c).to_string()).collect();
        let known: Vec<String> = COLUMNS
            .iter()
            .map(|s| s.name().to_string())
            .chain(self.grid.items().iter().map(|i| i.code.clone()))
            .collect();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (col, name) in cells.iter().enumerate() {
            let column = self.header_cell(col, name, &mut seen, &known);
            self.columns.push(column);
        }
        for spec in COLUMNS
            .iter()
            .filter(|s| s.required && !self.present.contains_key(&s.field))
        {
            self.missing.push(RosterError {
                line: 1,
                column: None,
                kind: RosterErrorKind::MissingColumn {
                    name: spec.name().to_string(),
                },
            });
        }
    }

    /// Checks one data row: nothing when the header is wrong, refused
    /// whole when its number of cells is not the header's; else each cell
    /// is checked (`Row`) and the row becomes a member, or is rejected
    /// with its errors.
    fn row(&mut self, line: u64, cells: &[&str]) {
        self.out.rows += 1;
        let mut reported = self.reported_cells(line);
        self.unnamed_in_use(line, cells);
        if !self.header_ok() {
            return;
        }
        if cells.len() != self.headers.len() {
            self.out.errors.push(RosterError {
                line,
                column: None,
                kind: RosterErrorKind::RaggedRow {
                    expected: self.headers.len(),
                    found: cells.len(),
                },
            });
            self.rejected(line, cells);
            return;
        }
        // Formula errors of this row's cells were reported already.
        let before = self.out.errors.len() - reported.len();
        let shortened = self.long_cells(line, cells, &mut reported);
        let cells = shortened.as_deref().unwrap_or(cells);
        let mut row = Row {
            line,
            cells,
            headers: &self.headers,
            present: &self.present,
            grid: self.grid,
            reported,
            errors: &mut self.out.errors,
        };
        let member = row.identity(self.exercice, &mut self.ids, &mut self.sirets);
        let quantities = row.quantities(&self.columns);
        row.item_rules(&quantities);
        if self.out.errors.len() == before
            && let Some(mut member) = member
        {
            member.quantities = quantities.into_iter().map(|(i, q, _)| (i, q)).collect();
            self.out.members.push(member);
        }
        if self.out.errors.len() > before {
            self.rejected(line, cells);
        }
    }
}

/// One data row being checked, with where its errors go.
struct Row<'r> {
    line: u64,
    cells: &'r [&'r str],
    headers: &'r [String],
    present: &'r HashMap<Field, usize>,
    grid: &'r Grid,
    /// Columns whose cell was refused already (a formula error, a cell far
    /// too long): no second error for them.
    reported: Vec<usize>,
    errors: &'r mut Vec<RosterError>,
}

impl<'r> Row<'r> {
    /// The column (0-based) and cell of `field`, if the roster has it.
    fn cell(&self, field: Field) -> Option<(usize, &'r str)> {
        self.present.get(&field).map(|&c| (c, self.cells[c]))
    }

    /// Records `kind` at column `col` (0-based), unless its cell was
    /// refused already.
    fn err(&mut self, col: usize, kind: RosterErrorKind) {
        if self.reported.contains(&col) {
            return;
        }
        self.errors.push(RosterError {
            line: self.line,
            column: Some((col + 1, self.headers[col].clone())),
            kind,
        });
    }

    /// The member the identity cells describe, its quantities not read
    /// yet; `None` without a valid kind. Each cell is refused at its
    /// column; the order of the checks below is the order a line's errors
    /// are listed in: the printed texts (in `COLUMNS` order), the form of
    /// the code service and of the addresses, the id's uniqueness, the
    /// kind, affiliation and counts that place the member in its tier, the
    /// SIRET and its uniqueness, the date of joining, what Chorus Pro
    /// requires.
    fn identity(
        &mut self,
        exercice: Option<i32>,
        ids: &mut HashMap<String, u64>,
        sirets: &mut Sirets,
    ) -> Option<Member> {
        let mut texts: Vec<String> = COLUMNS
            .iter()
            .map(|s| {
                if s.parse.is_text() {
                    self.text(s)
                } else {
                    String::new()
                }
            })
            .collect();
        let mut take = |field: Field| std::mem::take(&mut texts[field as usize]);
        let (id, nom, adresse) = (take(Field::Id), take(Field::Nom), take(Field::Adresse));
        let (code_postal, ville) = (take(Field::CodePostal), take(Field::Ville));
        let (email, code_service) = (take(Field::Email), take(Field::CodeService));
        let engagement = take(Field::Engagement);
        let nom_service = take(Field::NomService);
        self.reference_length(spec(Field::NomService), &nom_service);
        self.reference_length(spec(Field::CodeService), &code_service);
        self.emails(spec(Field::Email), &email);
        self.unique_id(&id, ids);
        let kind = self.parsed(spec(Field::Type), parse_kind);
        let affiliee = self
            .parsed(spec(Field::Affiliee), parse_affiliee)
            .unwrap_or(true);
        let population = self.count(spec(Field::Population), kind, affiliee);
        let agents = self.count(spec(Field::Agents), kind, affiliee);
        let siret = self
            .parsed(spec(Field::Siret), parse_siret_cell)
            .unwrap_or_default();
        self.unique_siret(&siret, &id, &code_service, sirets);
        let date_adhesion = self.parsed(spec(Field::DateAdhesion), |v| parse_adhesion(v, exercice));
        let categorie_tiers = self.parsed(spec(Field::CategorieTiers), |v| {
            crate::roster::CategorieTiers::parse(v).ok_or_else(|| {
                RosterErrorKind::UnknownCategorieTiers {
                    value: v.to_string(),
                }
            })
        });
        self.chorus(&id, &siret, &code_service, &engagement);
        Some(Member {
            line: self.line,
            kind: kind?,
            id,
            nom,
            population,
            agents,
            affiliee,
            siret,
            adresse,
            code_postal,
            ville,
            email,
            code_service,
            engagement,
            nom_service,
            categorie_tiers,
            date_adhesion,
            quantities: Vec::new(),
        })
    }

    /// The text of a printed cell (`Parse::is_text`), empty when the
    /// column is absent or the cell refused: longer than `MAX_TEXT`, empty
    /// though required, or holding a character the documents cannot print
    /// (a control character, or one the fonts cannot draw).
    fn text(&mut self, spec: &Spec) -> String {
        let Some((c, v)) = self.cell(spec.field) else {
            return String::new();
        };
        if v.chars().count() > MAX_TEXT {
            self.err(c, RosterErrorKind::TooLong { max: MAX_TEXT });
            return String::new();
        }
        if v.is_empty() && spec.required {
            self.err(c, RosterErrorKind::Missing);
            return String::new();
        }
        // Elsewhere than in a multiline cell a line break is a space, as
        // printed.
        let v = if matches!(spec.parse, Parse::Text { multiline: true }) || !v.contains('\n') {
            Cow::Borrowed(v)
        } else {
            Cow::Owned(v.replace('\n', " "))
        };
        if let Some(ch) = v.chars().find(|&ch| ch.is_control() && ch != '\n') {
            self.err(c, RosterErrorKind::Control { ch });
            return String::new();
        }
        if let Some(ch) = first_unprintable(&v, true) {
            self.err(c, RosterErrorKind::Unprintable { ch });
            return String::new();
        }
        let mut v = v.into_owned();
        if matches!(spec.parse, Parse::Postcode)
            && v.len() == 4
            && v.chars().all(|c| c.is_ascii_digit())
        {
            v.insert(0, '0');
        }
        v
    }

    /// `spec`'s cell through `parse`, refused at its column by the error
    /// `parse` gives; `None` then, and when the column is absent or the
    /// cell empty (refused as `Missing` if `spec.required`).
    fn parsed<T>(
        &mut self,
        spec: &Spec,
        parse: impl FnOnce(&str) -> Result<T, RosterErrorKind>,
    ) -> Option<T> {
        let (c, v) = self.cell(spec.field)?;
        if v.is_empty() {
            if spec.required {
                self.err(c, RosterErrorKind::Missing);
            }
            return None;
        }
        parse(v).map_err(|kind| self.err(c, kind)).ok()
    }

    /// A count (`Parse::Count`); one absent though needed is refused at its
    /// column or, when the roster has none, at the type's.
    fn count(&mut self, spec: &Spec, kind: Option<MemberKind>, affiliee: bool) -> Option<u32> {
        let Parse::Count { kinds, missing } = &spec.parse else {
            return None;
        };
        match self.cell(spec.field) {
            Some((_, "")) | None => {
                let needed = affiliee && kind.is_some_and(|k| kinds.contains(&k));
                let col = self
                    .cell(spec.field)
                    .or_else(|| self.cell(Field::Type))
                    .map(|(c, _)| c);
                if needed && let Some(c) = col {
                    self.err(c, missing.clone());
                }
                None
            }
            Some(_) => self.parsed(spec, parse_count_cell),
        }
    }

    /// Refuses a reference (`Parse::Reference`) longer than Chorus Pro
    /// accepts.
    fn reference_length(&mut self, spec: &Spec, value: &str) {
        if let Parse::Reference { max } = spec.parse
            && value.chars().count() > max
            && let Some((c, _)) = self.cell(spec.field)
        {
            self.err(c, RosterErrorKind::TooLong { max });
        }
    }

    /// Refuses an email cell (`Parse::Emails`) that is not a list of
    /// addresses separated by `;` or `,`.
    fn emails(&mut self, spec: &Spec, email: &str) {
        if !email.is_empty()
            && !email
                .split([';', ','])
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .all(crate::ident::email_ok)
            && let Some((c, _)) = self.cell(spec.field)
        {
            self.err(
                c,
                RosterErrorKind::BadEmail {
                    value: email.to_string(),
                },
            );
        }
    }

    /// Refuses an id used on an earlier line (`ids`: the first line of
    /// each, by its lower-case form); records a new one.
    fn unique_id(&mut self, id: &str, ids: &mut HashMap<String, u64>) {
        if id.is_empty() {
            return;
        }
        // `C-14531` and `c-14531` are one member (the reader already
        // removed invisible characters and composed accents).
        let key = id.to_lowercase();
        if let Some(&first_line) = ids.get(&key) {
            if let Some((c, _)) = self.cell(Field::Id) {
                let id = id.to_string();
                self.err(c, RosterErrorKind::DuplicateId { id, first_line });
            }
        } else {
            ids.insert(key, self.line);
        }
    }

    /// Refuses a SIRET an earlier line has, unless both rows have distinct
    /// code services; records it otherwise.
    fn unique_siret(&mut self, siret: &str, id: &str, code_service: &str, sirets: &mut Sirets) {
        if siret.is_empty() {
            return;
        }
        let Some((c, _)) = self.cell(Field::Siret) else {
            return;
        };
        let seen = sirets.entry(siret.to_string()).or_default();
        // Two services of one collectivité may share its SIRET, each
        // with its own Chorus Pro code service; nothing else may.
        let clash = seen.iter().find(|(_, _, service)| {
            code_service.is_empty() || service.is_empty() || service == code_service
        });
        if let Some((first_line, first_id, _)) = clash {
            self.err(
                c,
                RosterErrorKind::DuplicateSiret {
                    siret: siret.to_string(),
                    first_line: *first_line,
                    first_id: first_id.clone(),
                },
            );
        } else {
            seen.push((self.line, id.to_string(), code_service.to_string()));
        }
    }

    /// Chorus Pro: the engagement within its length, and the references the
    /// grid requires for some members (section [chorus]), refused at their
    /// column or, when the roster has none, at the id's.
    fn chorus(&mut self, id: &str, siret: &str, code_service: &str, engagement: &str) {
        self.reference_length(spec(Field::Engagement), engagement);
        let col = |row: &Self, field: Field| {
            row.cell(field)
                .or_else(|| row.cell(Field::Id))
                .map(|(c, _)| c)
        };
        if engagement.is_empty()
            && self.grid.requires_engagement(id, siret)
            && let Some(c) = col(self, Field::Engagement)
        {
            self.err(c, RosterErrorKind::MissingEngagement);
        }
        if code_service.is_empty()
            && self.grid.requires_code_service(id, siret)
            && let Some(c) = col(self, Field::CodeService)
        {
            self.err(c, RosterErrorKind::MissingCodeService);
        }
    }

    /// The row's non-zero quantities as (item, quantity, column), in grid
    /// order; each cell refused at its column (`parse_quantity`) counts
    /// for none.
    fn quantities(&mut self, columns: &[Option<Column>]) -> Vec<(usize, Decimal, usize)> {
        let mut quantities = Vec::new();
        for (col, column) in columns.iter().enumerate() {
            let Some(Column::Item(index)) = column else {
                continue;
            };
            let v = self.cells[col];
            if v.is_empty() {
                continue;
            }
            match parse_quantity(self.grid.item(*index), v) {
                Ok(q) if q.is_zero() => {}
                Ok(q) => quantities.push((*index, q, col)),
                Err(kind) => self.err(col, kind),
            }
        }
        quantities.sort_by_key(|(i, _, _)| *i);
        quantities
    }

    /// The rules between the row's items: one excluded by another taken
    /// (reported once, on the later column), one requiring one of others
    /// none of which is taken.
    fn item_rules(&mut self, quantities: &[(usize, Decimal, usize)]) {
        let grid = self.grid;
        let taken = |i: usize| quantities.iter().any(|(j, _, _)| *j == i);
        for (index, _, col) in quantities {
            let item = grid.item(*index);
            for other in &item.exclut {
                if taken(*other) && *other < *index {
                    let other = grid.item(*other).code.clone();
                    self.err(*col, RosterErrorKind::Excluded { other });
                }
            }
            if !item.requiert_un_de.is_empty() && !item.requiert_un_de.iter().any(|&r| taken(r)) {
                let any_of = item
                    .requiert_un_de
                    .iter()
                    .map(|&r| grid.item(r).code.clone())
                    .collect();
                self.err(*col, RosterErrorKind::Requires { any_of });
            }
        }
    }
}

/// Validates row by row: the valid members and the errors of the others
/// (for `--skip-invalid`). Header problems make every row unreadable.
///
/// # Errors
/// Problems of the header line (unknown, duplicate or missing columns).
pub fn validate_rows(
    raw: &RawRoster,
    grid: &Grid,
    exercice: Option<i32>,
) -> Result<(Vec<Member>, Vec<RosterError>), Vec<RosterError>> {
    use super::read::RowSink;
    let mut validator = Validator::new(grid, exercice);
    let cells: Vec<&str> = raw.headers.iter().map(String::as_str).collect();
    validator.header(&cells);
    for record in &raw.records {
        let cells: Vec<&str> = record.fields.iter().map(String::as_str).collect();
        validator.row(record.line, &cells);
    }
    validator.finish().map(|v| (v.members, v.errors))
}

impl From<ReadError> for RosterError {
    /// A file that cannot be read as a table, as a roster error with the
    /// position the reader found.
    fn from(e: ReadError) -> RosterError {
        use RosterErrorKind as K;
        let at = |line: u64, column: Option<usize>, kind| RosterError {
            line,
            column: column.map(|c| (c, String::new())),
            kind,
        };
        match e {
            ReadError::Empty => at(0, None, K::EmptyFile),
            ReadError::Csv { line, message } => at(line, None, K::BrokenCsv { message }),
            ReadError::MixedEncoding { line, column } => at(
                line,
                Some(usize::try_from(column).unwrap_or(0)),
                K::MixedEncoding,
            ),
            ReadError::Utf16WithoutBom => at(0, None, K::Utf16WithoutBom),
            ReadError::BadUtf16 => at(0, None, K::BadUtf16),
            ReadError::Workbook { format } => at(0, None, K::Workbook { format }),
            ReadError::UnknownSheet { name, sheets } => {
                at(0, None, K::UnknownSheet { name, sheets })
            }
            ReadError::SheetOnCsv => at(0, None, K::SheetOnCsv),
            ReadError::TooManyColumns { found } => at(1, None, K::TooManyColumns { found }),
        }
    }
}

/// Reads and validates the roster from its bytes in one pass (`sheet`:
/// the workbook's sheet to read, the first by default).
///
/// # Errors
/// When the file or its header line makes every row unreadable: what
/// makes it so, with its position.
pub fn read_and_validate(
    bytes: &[u8],
    sheet: Option<&str>,
    grid: &Grid,
    exercice: Option<i32>,
) -> Result<Validated, Vec<RosterError>> {
    let mut validator = Validator::new(grid, exercice);
    super::read::read_rows(bytes, sheet, &mut validator).map_err(|e| vec![e.into()])?;
    validator.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roster::read_roster;

    const GRID: &str = include_str!("../../input-samples/grille-2027.toml");
    const HEAD: &str = "id;nom;type;population;agents;affiliee;siret;forfait_metiers;forfait_metiers_communication;forfait_technologie;forfait_technologie_plus;parapheur;certificat;formation_jours;antispam\n";
    /// A valid SIRET (Luhn key correct).
    const SIRET: &str = "21140001500015";
    /// Others, for rosters of several members (a SIRET is one member's).
    const SIRET_2: &str = "21140001500023";
    const SIRET_3: &str = "21140001500031";

    fn run(body: &str) -> Result<Vec<Member>, Vec<RosterError>> {
        let grid = Grid::parse(GRID).unwrap();
        let raw = read_roster(format!("{HEAD}{body}").as_bytes()).unwrap();
        validate(&raw, &grid)
    }

    /// The (line, column name, kind) of every error.
    fn errors(body: &str) -> Vec<(u64, Option<String>, RosterErrorKind)> {
        run(body)
            .expect_err("should be refused")
            .into_iter()
            .map(|e| (e.line, e.column.map(|(_, n)| n), e.kind))
            .collect()
    }

    fn one_error(body: &str) -> (u64, Option<String>, RosterErrorKind) {
        let mut e = errors(body);
        assert_eq!(e.len(), 1, "{e:?}");
        e.remove(0)
    }

    #[test]
    fn the_test_siret_is_valid_and_luhn_works() {
        assert!(luhn_ok(SIRET));
        assert_eq!(parse_siret("211 400 015 00015"), Ok(SIRET.to_string()));
        assert_eq!(parse_siret("21140001500014"), Err(SiretProblem::Luhn));
        assert_eq!(parse_siret("2114000150001"), Err(SiretProblem::Length));
        assert_eq!(parse_siret("2114000150001A"), Err(SiretProblem::NotDigits));
    }

    #[test]
    fn a_valid_row() {
        let m = run(&format!(
            "A;Ablon;commune;1 166;;oui;{SIRET};1;;;1;1;2;0,5;\n"
        ))
        .unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].population, Some(1166));
        assert_eq!(m[0].quantities.len(), 5);
        assert_eq!(m[0].line, 2);
    }

    #[test]
    fn unknown_type() {
        let (line, col, kind) = one_error(&format!("A;X;mairie annexe;10;;;{SIRET};1;;;;;;;\n"));
        assert_eq!((line, col.as_deref()), (2, Some("type")));
        assert!(matches!(kind, RosterErrorKind::UnknownType { .. }));
    }

    #[test]
    fn human_spellings_of_types() {
        for t in [
            "Commune",
            "Établissement public",
            "etablissement_public",
            "EP",
            "BUDGET ANNEXE",
            "budget-annexe",
        ] {
            let body = format!("A;X;{t};10;10;;{SIRET};1;;;;;;;\n");
            assert!(run(&body).is_ok(), "{t}");
        }
    }

    #[test]
    fn missing_population_or_agents() {
        let (_, col, kind) = one_error(&format!("A;X;commune;;;;{SIRET};1;;;;;;;\n"));
        assert_eq!(col.as_deref(), Some("population"));
        assert_eq!(kind, RosterErrorKind::MissingPopulation);
        let (_, col, kind) = one_error(&format!("A;X;ep;;;;{SIRET};1;;;;;;;\n"));
        assert_eq!(col.as_deref(), Some("agents"));
        assert_eq!(kind, RosterErrorKind::MissingAgents);
        // Not needed for a non-affiliated member.
        assert!(run(&format!("A;X;commune;;;non;{SIRET};1;;;;;;;\n")).is_ok());
    }

    #[test]
    fn population_zero_is_valid_fractional_is_not() {
        assert!(run(&format!("A;X;commune;0;;;{SIRET};1;;;;;;;\n")).is_ok());
        let (_, col, kind) = one_error(&format!("A;X;commune;12,5;;;{SIRET};1;;;;;;;\n"));
        assert_eq!(col.as_deref(), Some("population"));
        assert!(matches!(kind, RosterErrorKind::BadCount { .. }));
    }

    #[test]
    fn quantity_errors() {
        type Check = fn(&RosterErrorKind) -> bool;
        let cases: [(&str, &str, Check); 8] = [
            ("certificat", "-1", |k| {
                matches!(k, RosterErrorKind::Negative { .. })
            }),
            ("certificat", "1,5", |k| {
                matches!(k, RosterErrorKind::NotWhole { .. })
            }),
            ("forfait_metiers", "2", |k| {
                matches!(k, RosterErrorKind::NotYesNo { .. })
            }),
            ("certificat", "NaN", |k| {
                matches!(k, RosterErrorKind::NotANumber { .. })
            }),
            ("certificat", "1e9", |k| {
                matches!(k, RosterErrorKind::NotANumber { .. })
            }),
            ("certificat", "2000000", |k| {
                matches!(k, RosterErrorKind::TooLarge { .. })
            }),
            ("formation_jours", "0,125", |k| {
                matches!(k, RosterErrorKind::TooManyDecimals { .. })
            }),
            ("antispam", "12,345", |k| {
                matches!(k, RosterErrorKind::TooManyDecimals { .. })
            }),
        ];
        let cols = HEAD.trim().split(';').collect::<Vec<_>>();
        for (code, value, check) in cases {
            let mut cells = vec![""; cols.len()];
            cells[0] = "A";
            cells[1] = "X";
            cells[2] = "commune";
            cells[3] = "10";
            cells[6] = SIRET;
            cells[cols
                .iter()
                .position(|c| *c == "forfait_technologie")
                .unwrap()] = "1";
            cells[cols.iter().position(|c| c == &code).unwrap()] = value;
            let (line, col, kind) = one_error(&format!("{}\n", cells.join(";")));
            assert_eq!((line, col.as_deref()), (2, Some(code)), "{code}={value}");
            assert!(check(&kind), "{code}={value}: {kind:?}");
        }
    }

    #[test]
    fn bad_siret() {
        let (_, col, kind) = one_error("A;X;commune;10;;;21140001500014;1;;;;;;;\n");
        assert_eq!(col.as_deref(), Some("siret"));
        assert!(matches!(
            kind,
            RosterErrorKind::BadSiret {
                reason: SiretProblem::Luhn,
                ..
            }
        ));
        let (_, _, kind) = one_error("A;X;commune;10;;;;1;;;;;;;\n");
        assert_eq!(kind, RosterErrorKind::Missing);
    }

    #[test]
    fn duplicate_id_cites_the_first_line() {
        let (line, col, kind) = one_error(&format!(
            "A;X;commune;10;;;{SIRET};1;;;;;;;\nA;Y;commune;10;;;{SIRET_2};1;;;;;;;\n"
        ));
        assert_eq!((line, col.as_deref()), (3, Some("id")));
        assert_eq!(
            kind,
            RosterErrorKind::DuplicateId {
                id: "A".into(),
                first_line: 2
            }
        );
    }

    #[test]
    fn one_member_under_several_spellings_is_refused() {
        // The same commune under the same SIRET, its id typed in other
        // cases or with an invisible character: billed once, never eight
        // times.
        let body = format!(
            "C-14531;Rapilly;commune;44;;;{SIRET};1;;;;;;;\n\
             c-14531;Rapilly;commune;44;;;{SIRET};1;;;;;;;\n\
             C-14531\u{200b};Rapilly;commune;44;;;{SIRET};1;;;;;;;\n\
             C-99999;Rapilly;commune;44;;;{SIRET};1;;;;;;;\n"
        );
        let e = errors(&body);
        let ids = e
            .iter()
            .filter(|(_, c, k)| {
                c.as_deref() == Some("id")
                    && matches!(k, RosterErrorKind::DuplicateId { first_line: 2, .. })
            })
            .count();
        let sirets = e
            .iter()
            .filter(|(_, c, k)| {
                c.as_deref() == Some("siret")
                    && matches!(k, RosterErrorKind::DuplicateSiret { first_line: 2, .. })
            })
            .count();
        assert_eq!((ids, sirets), (2, 3), "{e:?}");
        assert!(e.iter().all(|(line, _, _)| *line > 2), "{e:?}");
    }

    #[test]
    fn two_services_of_one_siret_need_distinct_codes_service() {
        let grid = Grid::parse(GRID).unwrap();
        let head = "id;nom;type;population;agents;siret;code_service;forfait_metiers\n";
        let check = |rows: &str| {
            let raw = read_roster(format!("{head}{rows}").as_bytes()).unwrap();
            validate(&raw, &grid)
        };
        assert!(
            check(&format!(
                "A;Commune;commune;10;;{SIRET};MAIRIE;1\nB;Eau;budget annexe;;3;{SIRET};EAU;1\n"
            ))
            .is_ok()
        );
        let e = check(&format!(
            "A;Commune;commune;10;;{SIRET};MAIRIE;1\nB;Eau;budget annexe;;3;{SIRET};;1\n"
        ))
        .unwrap_err();
        assert!(
            matches!(e[0].kind, RosterErrorKind::DuplicateSiret { .. }),
            "{e:?}"
        );
    }

    #[test]
    fn cells_the_documents_cannot_print_are_refused_where_they_are() {
        let (line, col, kind) = one_error(&format!("A;Łódź;commune;10;;;{SIRET};1;;;;;;;\n"));
        assert_eq!((line, col.as_deref()), (2, Some("nom")));
        assert_eq!(kind, RosterErrorKind::Unprintable { ch: 'Ł' });
        // Decomposed accents (macOS) are composed first: accepted.
        let m = run(&format!("A;E\u{301}paney;commune;10;;;{SIRET};1;;;;;;;\n")).unwrap();
        assert_eq!(m[0].nom, "Épaney");
        let (_, col, kind) = one_error(&format!("A;X\u{7};commune;10;;;{SIRET};1;;;;;;;\n"));
        assert_eq!(col.as_deref(), Some("nom"));
        assert_eq!(kind, RosterErrorKind::Control { ch: '\u{7}' });
    }

    #[test]
    fn a_cell_far_too_long_is_refused_without_being_quoted() {
        let huge = "9".repeat(5000);
        let e = errors(&format!("A;X;commune;10;;;{SIRET};{huge};;;;;;;\n"));
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].1.as_deref(), Some("forfait_metiers"));
        assert_eq!(e[0].2, RosterErrorKind::TooLong { max: MAX_CELL });
        assert!(e[0].2.to_string().len() < 200);
    }

    #[test]
    fn a_four_digit_postcode_gets_its_leading_zero_back() {
        let grid = Grid::parse(GRID).unwrap();
        let raw = read_roster(
            format!("id;nom;type;population;siret;code_postal;forfait_metiers\nA;Bourg;commune;10;{SIRET};1000;1\n")
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(validate(&raw, &grid).unwrap()[0].code_postal, "01000");
    }

    #[test]
    fn excluded_pairs_and_parapheur_rule() {
        let (_, col, kind) = one_error(&format!("A;X;commune;10;;;{SIRET};1;1;;;;;;\n"));
        assert_eq!(col.as_deref(), Some("forfait_metiers_communication"));
        assert_eq!(
            kind,
            RosterErrorKind::Excluded {
                other: "forfait_metiers".into()
            }
        );
        let (_, col, _) = one_error(&format!("A;X;commune;10;;;{SIRET};;;1;1;;;;\n"));
        assert_eq!(col.as_deref(), Some("forfait_technologie_plus"));
        let (_, col, kind) = one_error(&format!("A;X;commune;10;;;{SIRET};;;;;1;2;;\n"));
        assert_eq!(col.as_deref(), Some("parapheur"));
        assert!(matches!(kind, RosterErrorKind::Requires { .. }));
        // With a forfait, parapheur is fine.
        assert!(run(&format!("A;X;commune;10;;;{SIRET};;;;1;1;;;\n")).is_ok());
    }

    #[test]
    fn all_errors_are_collected_in_line_order() {
        let body = format!(
            "A;X;commune;;;;{SIRET};1;;;;;;;\nB;Y;foo;10;;;123;1;;;;;;;\nC;Z;commune;10;;;{SIRET_2};1;1;;;;;;\n"
        );
        let e = errors(&body);
        let lines: Vec<u64> = e.iter().map(|(l, _, _)| *l).collect();
        assert_eq!(lines, vec![2, 3, 3, 4]);
    }

    #[test]
    fn header_problems() {
        let grid = Grid::parse(GRID).unwrap();
        let raw = read_roster(b"id;nom;type;siret;forfait_metier;nom\n").unwrap();
        let e = validate(&raw, &grid).unwrap_err();
        assert_eq!(e.len(), 2);
        match &e[0].kind {
            RosterErrorKind::UnknownColumn {
                suggestion, known, ..
            } => {
                assert_eq!(suggestion.as_deref(), Some("forfait_metiers"));
                assert!(known.iter().any(|k| k == "antispam"));
            }
            k => panic!("{k:?}"),
        }
        assert_eq!(e[0].column, Some((5, "forfait_metier".into())));
        assert_eq!(
            e[1].kind,
            RosterErrorKind::DuplicateColumn {
                name: "nom".into(),
                first: 2
            }
        );
        let raw = read_roster(b"id;nom;type\n").unwrap();
        let e = validate(&raw, &grid).unwrap_err();
        assert_eq!(
            e[0].kind,
            RosterErrorKind::MissingColumn {
                name: "siret".into()
            }
        );
    }

    #[test]
    fn unnamed_column_ignored_while_empty_refused_once_used() {
        let grid = Grid::parse(GRID).unwrap();
        let ok =
            format!("id;nom;type;population;siret;;forfait_metiers\nA;X;commune;10;{SIRET};;1\n");
        let raw = read_roster(ok.as_bytes()).unwrap();
        assert_eq!(validate(&raw, &grid).unwrap().len(), 1);
        // Used on line 3 only; an unknown column further right is reported
        // after it (column order), every row left unvalidated.
        let used = format!(
            "id;nom;type;population;siret;;bogus\nA;X;commune;10;{SIRET};;\nB;Y;commune;;{SIRET};oops;\n"
        );
        let raw = read_roster(used.as_bytes()).unwrap();
        let e = validate(&raw, &grid).unwrap_err();
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(
            (e[0].line, e[0].column.clone()),
            (3, Some((6, String::new())))
        );
        assert_eq!(e[0].kind, RosterErrorKind::UnnamedColumn);
        assert_eq!((e[1].line, e[1].column.as_ref().map(|c| c.0)), (1, Some(7)));
        assert!(matches!(e[1].kind, RosterErrorKind::UnknownColumn { .. }));
    }

    #[test]
    fn streaming_validation_matches_validating_the_rows_read() {
        let grid = Grid::parse(GRID).unwrap();
        let text = format!(
            "{HEAD}A;Ablon;commune;1 166;;oui;{SIRET};1;;;1;1;2;0,5;\n\
             B;Bad;commune;;;oui;{SIRET_2};1;;;;;;;\n\
             ;;\n\
             C;Short;commune\n\
             D;Fine;commune;10;;oui;{SIRET_3};1;;;;;;;\n"
        );
        let raw = read_roster(text.as_bytes()).unwrap();
        let (members, errors) = validate_rows(&raw, &grid, None).unwrap();
        let streamed = read_and_validate(text.as_bytes(), None, &grid, None).unwrap();
        assert_eq!(streamed.members, members);
        assert_eq!(streamed.errors, errors);
        assert_eq!(streamed.rows, 4);
        let mut rejected: Vec<_> = streamed.rejected_ids.into_iter().collect();
        rejected.sort();
        assert_eq!(rejected, vec![(3, "B".to_string()), (5, "C".to_string())]);
        let empty = read_and_validate(b"", None, &grid, None).unwrap_err();
        assert_eq!(empty.len(), 1);
        assert_eq!(empty[0].kind, RosterErrorKind::EmptyFile);
        let header = read_and_validate(b"id;nom\nA;B\n", None, &grid, None).unwrap_err();
        assert!(
            header
                .iter()
                .all(|e| matches!(e.kind, RosterErrorKind::MissingColumn { .. })),
            "{header:?}"
        );
    }

    #[test]
    fn ragged_row() {
        let (line, col, kind) = one_error("A;X;commune\n");
        assert_eq!((line, col), (2, None));
        assert!(matches!(
            kind,
            RosterErrorKind::RaggedRow {
                expected: 15,
                found: 3
            }
        ));
    }

    #[test]
    fn chorus_references_required_by_the_grid() {
        let text = GRID
            .replace(
                "engagement_obligatoire = []",
                "engagement_obligatoire = [\"A\"]",
            )
            .replace(
                "code_service_obligatoire = []",
                "code_service_obligatoire = [\"211 400 015 00015\"]",
            );
        let grid = Grid::parse(&text).unwrap();
        let head = "id;nom;type;population;siret;code_service;engagement;forfait_metiers\n";
        let raw = read_roster(format!("{head}A;X;commune;10;{SIRET};;;1\n").as_bytes()).unwrap();
        let e = validate(&raw, &grid).unwrap_err();
        let kinds: Vec<_> = e
            .iter()
            .map(|e| (e.column.clone().unwrap().1, e.kind.clone()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("engagement".to_string(), RosterErrorKind::MissingEngagement),
                (
                    "code_service".to_string(),
                    RosterErrorKind::MissingCodeService
                ),
            ]
        );
        let raw = read_roster(
            format!("{head}A;X;commune;10;{SIRET};FIN;EJ-1;1\nB;Y;commune;10;21140001500023;;;1\n")
                .as_bytes(),
        )
        .unwrap();
        assert!(validate(&raw, &grid).is_ok());
        // Without the columns at all, the error points at the id column.
        let raw = read_roster(
            format!("id;nom;type;population;siret\nA;X;commune;10;{SIRET}\n").as_bytes(),
        )
        .unwrap();
        let e = validate(&raw, &grid).unwrap_err();
        assert_eq!(e[0].column.as_ref().unwrap().1, "id");
        assert_eq!(e[0].kind, RosterErrorKind::MissingEngagement);
    }

    #[test]
    fn date_adhesion_must_be_a_date_within_the_exercice() {
        let grid = Grid::parse(GRID).unwrap();
        let head = "id;nom;type;population;siret;date_adhesion;forfait_metiers\n";
        let rows = |d: &str| {
            read_roster(format!("{head}A;X;commune;10;{SIRET};{d};1\n").as_bytes()).unwrap()
        };
        let ok = validate_rows(&rows("15/06/2027"), &grid, Some(2027)).unwrap();
        assert_eq!(ok.0[0].date_adhesion, NaiveDate::from_ymd_opt(2027, 6, 15));
        assert!(ok.1.is_empty());
        let ok = validate_rows(&rows("2027-12-31"), &grid, Some(2027)).unwrap();
        assert!(ok.1.is_empty());
        let (_, e) = validate_rows(&rows("31/12/2026"), &grid, Some(2027)).unwrap();
        assert_eq!(e[0].column.as_ref().unwrap().1, "date_adhesion");
        assert!(matches!(
            e[0].kind,
            RosterErrorKind::DateOutsideExercice { exercice: 2027, .. }
        ));
        let (_, e) = validate_rows(&rows("31/02/2027"), &grid, Some(2027)).unwrap();
        assert!(matches!(e[0].kind, RosterErrorKind::BadDate { .. }));
        assert!(e[0].to_string().contains("JJ/MM/AAAA"));
    }

    #[test]
    fn header_only_is_nothing_to_bill() {
        assert_eq!(run("").unwrap(), Vec::new());
    }

    #[test]
    fn messages_are_french_and_say_where() {
        let e = run(&format!("A;X;commune;10;;;{SIRET};1;;;;3;;;\n")).unwrap_err();
        assert_eq!(
            e[0].to_string(),
            "ligne 2, colonne 12 (L) « parapheur » : « 3 » : ce service se souscrit ou non ; indiquez 1 (souscrit) ou 0 / vide (non souscrit)"
        );
    }

    /// Every identity column, for the cells `HEAD` lacks.
    const FULL_HEAD: &str = "id;nom;type;population;agents;affiliee;siret;adresse;code_postal;ville;email;code_service;engagement;date_adhesion;forfait_metiers\n";

    /// The errors of `rows` under `FULL_HEAD`, as (line, column name, kind).
    fn full_errors(
        grid: &Grid,
        rows: &str,
        exercice: Option<i32>,
    ) -> Vec<(u64, Option<String>, RosterErrorKind)> {
        let raw = read_roster(format!("{FULL_HEAD}{rows}").as_bytes()).unwrap();
        let (_, errors) = validate_rows(&raw, grid, exercice).unwrap();
        errors
            .into_iter()
            .map(|e| (e.line, e.column.map(|(_, n)| n), e.kind))
            .collect()
    }

    /// The one error reading and validating `bytes` gives, with its whole
    /// position (reader errors name no column).
    fn read_error(
        bytes: &[u8],
        sheet: Option<&str>,
    ) -> (u64, Option<(usize, String)>, RosterErrorKind) {
        let grid = Grid::parse(GRID).unwrap();
        let mut e = read_and_validate(bytes, sheet, &grid, None).expect_err("should be refused");
        assert_eq!(e.len(), 1, "{e:?}");
        let e = e.remove(0);
        (e.line, e.column, e.kind)
    }

    /// The workbooks of the CLI suite: the roster of `roster.csv` on the
    /// second sheet of an ODS file, and a workbook with a formula error.
    const ROLE_ODS: &[u8] = include_bytes!("../../tests/fixtures/role.ods");
    const ROLE_ERREURS: &[u8] = include_bytes!("../../tests/fixtures/role-erreurs.xlsx");

    #[test]
    fn affiliee_is_yes_or_no() {
        let (line, col, kind) = one_error(&format!("A;X;commune;10;;bof;{SIRET};1;;;;;;;\n"));
        assert_eq!((line, col.as_deref()), (2, Some("affiliee")));
        assert_eq!(
            kind,
            RosterErrorKind::BadAffiliee {
                value: "bof".into()
            }
        );
        assert!(run(&format!("A;X;commune;10;;Non;{SIRET};1;;;;;;;\n")).is_ok());
    }

    #[test]
    fn the_debtor_category_and_service_name_for_helios() {
        let grid = Grid::parse(GRID).unwrap();
        let head =
            "id;nom;type;population;agents;siret;nom_service;categorie_tiers;forfait_metiers\n";
        let text = format!(
            "{head}A;CCAS;etablissement public;;5;{SIRET};Service social;CCAS;1\nB;X;commune;10;;{SIRET_2};;26 ;1\nC;Y;commune;10;;{SIRET_3};;mairie;1\n"
        );
        let raw = read_roster(text.as_bytes()).unwrap();
        let (members, errors) = validate_rows(&raw, &grid, None).unwrap();
        assert_eq!(members.len(), 2);
        assert_eq!(
            members[0].categorie_tiers,
            Some(crate::roster::CategorieTiers::Ccas)
        );
        assert_eq!(members[0].nom_service, "Service social");
        assert_eq!(
            members[1].categorie_tiers,
            Some(crate::roster::CategorieTiers::Ccas)
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, 4);
        assert_eq!(
            errors[0].column.as_ref().map(|c| c.1.as_str()),
            Some("categorie_tiers")
        );
        assert!(
            matches!(&errors[0].kind, RosterErrorKind::UnknownCategorieTiers { value } if value == "mairie")
        );
        assert!(errors[0].kind.to_string().contains("« ccas »"));
    }

    #[test]
    fn emails_are_addresses_separated_by_semicolons_or_commas() {
        let grid = Grid::parse(GRID).unwrap();
        let row = |email: &str| format!("A;X;commune;10;;;{SIRET};;;;{email};;;;1\n");
        let two = row("\"mairie@ablon.fr; compta@ablon.fr,\"");
        assert_eq!(full_errors(&grid, &two, None), vec![]);
        assert_eq!(
            full_errors(&grid, &row("mairie@ablon"), None),
            vec![(
                2,
                Some("email".into()),
                RosterErrorKind::BadEmail {
                    value: "mairie@ablon".into()
                }
            )]
        );
    }

    #[test]
    fn required_cells_are_refused_empty_at_their_column() {
        let e = errors(";;;10;;;;1;;;;;;;\n");
        let cols: Vec<_> = e.iter().map(|(l, c, k)| (*l, c.as_deref(), k)).collect();
        let missing = &RosterErrorKind::Missing;
        assert_eq!(
            cols,
            vec![
                (2, Some("id"), missing),
                (2, Some("nom"), missing),
                (2, Some("type"), missing),
                (2, Some("siret"), missing),
            ]
        );
    }

    #[test]
    fn header_problems_are_on_line_1_at_their_column() {
        let grid = Grid::parse(GRID).unwrap();
        let raw = read_roster(b"id;nom;nom;siret\n").unwrap();
        let e = validate(&raw, &grid).unwrap_err();
        let got: Vec<_> = e.into_iter().map(|e| (e.line, e.column, e.kind)).collect();
        assert_eq!(
            got,
            vec![
                (
                    1,
                    Some((3, "nom".into())),
                    RosterErrorKind::DuplicateColumn {
                        name: "nom".into(),
                        first: 2
                    }
                ),
                (
                    1,
                    None,
                    RosterErrorKind::MissingColumn {
                        name: "type".into()
                    }
                ),
            ]
        );
    }

    #[test]
    fn a_line_s_errors_come_in_the_order_of_its_checks() {
        use RosterErrorKind as K;
        let text = GRID
            .replace(
                "engagement_obligatoire = []",
                "engagement_obligatoire = [\"B\"]",
            )
            .replace(
                "code_service_obligatoire = []",
                "code_service_obligatoire = [\"B\"]",
            );
        let grid = Grid::parse(&text).unwrap();
        let (a301, c101, e51) = ("a".repeat(301), "c".repeat(101), "e".repeat(51));
        let rows = format!(
            "A;Ablon;commune;10;;;{SIRET};;;;;;;;1\n\
             A;Łódź;commune;;x;bof;{SIRET};{a301};\u{7};Caen;mairie;{c101};{e51};31/02/2027;2\n\
             B;Bayeux;ep;;;;{SIRET_2};;;;;;\u{7};;1\n"
        );
        let at = |line: u64, col: &str, kind| (line, Some(col.to_string()), kind);
        assert_eq!(
            full_errors(&grid, &rows, Some(2027)),
            vec![
                at(3, "nom", K::Unprintable { ch: 'Ł' }),
                at(3, "adresse", K::TooLong { max: MAX_TEXT }),
                at(3, "code_postal", K::Control { ch: '\u{7}' }),
                at(3, "code_service", K::TooLong { max: 100 }),
                at(
                    3,
                    "email",
                    K::BadEmail {
                        value: "mairie".into()
                    }
                ),
                at(
                    3,
                    "id",
                    K::DuplicateId {
                        id: "A".into(),
                        first_line: 2
                    }
                ),
                at(
                    3,
                    "affiliee",
                    K::BadAffiliee {
                        value: "bof".into()
                    }
                ),
                at(3, "population", K::MissingPopulation),
                at(3, "agents", K::BadCount { value: "x".into() }),
                at(
                    3,
                    "siret",
                    K::DuplicateSiret {
                        siret: SIRET.into(),
                        first_line: 2,
                        first_id: "A".into()
                    }
                ),
                at(
                    3,
                    "date_adhesion",
                    K::BadDate {
                        value: "31/02/2027".into()
                    }
                ),
                at(3, "engagement", K::TooLong { max: 50 }),
                at(3, "forfait_metiers", K::NotYesNo { value: "2".into() }),
                at(4, "engagement", K::Control { ch: '\u{7}' }),
                at(4, "agents", K::MissingAgents),
                at(4, "engagement", K::MissingEngagement),
                at(4, "code_service", K::MissingCodeService),
            ]
        );
    }

    #[test]
    fn a_full_row_fills_every_field_of_its_member() {
        let grid = Grid::parse(GRID).unwrap();
        let rows = format!(
            "A;\"Saint\nLô\";budget annexe;;3;non;{SIRET};\"1 rue\nBP 2\";1000;Caen;a@b.fr;FIN;EJ-1;15/06/2027;1\n"
        );
        let raw = read_roster(format!("{FULL_HEAD}{rows}").as_bytes()).unwrap();
        let (members, errors) = validate_rows(&raw, &grid, Some(2027)).unwrap();
        assert_eq!(errors, vec![]);
        assert_eq!(
            members,
            vec![Member {
                line: 2,
                id: "A".into(),
                nom: "Saint Lô".into(),
                kind: MemberKind::BudgetAnnexe,
                population: None,
                agents: Some(3),
                affiliee: false,
                siret: SIRET.into(),
                adresse: "1 rue\nBP 2".into(),
                code_postal: "01000".into(),
                ville: "Caen".into(),
                email: "a@b.fr".into(),
                code_service: "FIN".into(),
                engagement: "EJ-1".into(),
                nom_service: String::new(),
                categorie_tiers: None,
                date_adhesion: NaiveDate::from_ymd_opt(2027, 6, 15),
                quantities: vec![(grid.find("forfait_metiers").unwrap(), Decimal::ONE)],
            }]
        );
    }

    #[test]
    fn a_rejected_row_is_known_by_its_id_cell_as_read() {
        let grid = Grid::parse(GRID).unwrap();
        let huge = "9".repeat(MAX_CELL + 1);
        let text = format!(
            "{HEAD}{huge};X;commune;10;;;{SIRET};1;;;;;;;\nB;Y;commune;10;;;{SIRET_2};2;;;;;;;\n"
        );
        let v = read_and_validate(text.as_bytes(), None, &grid, None).unwrap();
        // The id cell far too long is refused once, then read as empty.
        let e: Vec<_> = v.errors.iter().map(|e| (e.line, e.kind.clone())).collect();
        assert_eq!(e[0], (2, RosterErrorKind::TooLong { max: MAX_CELL }));
        assert_eq!(e.len(), 2, "{e:?}");
        let mut rejected: Vec<_> = v.rejected_ids.into_iter().collect();
        rejected.sort();
        assert_eq!(rejected, vec![(2, String::new()), (3, "B".to_string())]);
    }

    #[test]
    fn an_empty_file_is_refused_as_a_whole() {
        assert_eq!(read_error(b"", None), (0, None, RosterErrorKind::EmptyFile));
    }

    #[test]
    fn broken_csv_keeps_the_reader_s_line() {
        // Reached through the conversion `read_and_validate` applies: the
        // reader decodes before parsing and parses leniently (rows of any
        // length, stray quotes kept), so no bytes make csv fail.
        let e = RosterError::from(ReadError::Csv {
            line: 7,
            message: "guillemet".into(),
        });
        assert_eq!(
            (e.line, e.column, e.kind),
            (
                7,
                None,
                RosterErrorKind::BrokenCsv {
                    message: "guillemet".into()
                }
            )
        );
    }

    #[test]
    fn mixed_encodings_are_refused_at_the_bad_byte() {
        // « é » in UTF-8, then « é » in Windows-1252.
        let bytes = b"id;nom;type;siret\nA;R\xc3\xa9\xe9;commune;1\n";
        assert_eq!(
            read_error(bytes, None),
            (2, Some((5, String::new())), RosterErrorKind::MixedEncoding)
        );
    }

    #[test]
    fn utf16_without_a_bom_is_refused() {
        let bytes: Vec<u8> = HEAD.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(
            read_error(&bytes, None),
            (0, None, RosterErrorKind::Utf16WithoutBom)
        );
    }

    #[test]
    fn broken_utf16_is_refused() {
        // A BOM, then a high surrogate without its low one.
        assert_eq!(
            read_error(b"\xFF\xFE\x00\xD8i\x00", None),
            (0, None, RosterErrorKind::BadUtf16)
        );
    }

    #[test]
    fn an_unreadable_workbook_is_refused() {
        assert_eq!(
            read_error(b"PK\x03\x04 pas un classeur", None),
            (0, None, RosterErrorKind::Workbook { format: "xlsx" })
        );
    }

    #[test]
    fn a_sheet_name_for_a_csv_is_refused() {
        assert_eq!(
            read_error(HEAD.as_bytes(), Some("Rôle")),
            (0, None, RosterErrorKind::SheetOnCsv)
        );
    }

    #[test]
    fn a_header_too_wide_is_refused_on_line_1() {
        let header = "c;".repeat(super::super::read::MAX_COLUMNS + 1);
        assert_eq!(
            read_error(header.as_bytes(), None),
            (
                1,
                None,
                RosterErrorKind::TooManyColumns {
                    found: super::super::read::MAX_COLUMNS + 1
                }
            )
        );
    }

    #[test]
    fn a_sheet_the_workbook_lacks_is_refused() {
        assert_eq!(
            read_error(ROLE_ODS, Some("Rôles")),
            (
                0,
                None,
                RosterErrorKind::UnknownSheet {
                    name: "Rôles".into(),
                    sheets: vec!["Sommaire".into(), "Rôle".into()]
                }
            )
        );
    }

    #[test]
    fn the_first_of_several_sheets_is_named_after_its_header_errors() {
        let grid = Grid::parse(GRID).unwrap();
        let e = read_and_validate(ROLE_ODS, None, &grid, None).unwrap_err();
        let last = e.last().unwrap();
        assert_eq!(
            (last.line, &last.column, &last.kind),
            (
                0,
                &None,
                &RosterErrorKind::FirstSheet {
                    sheet: "Sommaire".into(),
                    sheets: vec!["Sommaire".into(), "Rôle".into()]
                }
            )
        );
        assert!(e.len() > 1, "{e:?}");
        let v = read_and_validate(ROLE_ODS, Some("Rôle"), &grid, None).unwrap();
        assert!(v.errors.is_empty(), "{:?}", v.errors);
    }

    #[test]
    fn a_formula_error_is_reported_at_its_cell_and_only_there() {
        let grid = Grid::parse(GRID).unwrap();
        let v = read_and_validate(ROLE_ERREURS, None, &grid, None).unwrap();
        let e: Vec<_> = v
            .errors
            .iter()
            .map(|e| (e.line, e.column.clone(), e.kind.clone()))
            .collect();
        assert_eq!(e.len(), 2, "{e:?}");
        assert_eq!(
            e[0],
            (
                3,
                Some((4, "population".into())),
                RosterErrorKind::CellError {
                    value: "#DIV/0!".into()
                }
            )
        );
        assert!(matches!(e[1].2, RosterErrorKind::UnknownType { .. }));
        assert_eq!(v.rejected_ids.len(), 2);
    }
}
