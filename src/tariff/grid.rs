//! The validated grid: tiers in order, items with their prices and rules.
//!
//! `Grid::parse` collects every problem of the file (with line and column)
//! instead of stopping at the first, so one edit fixes them all.
//!
//! Two stages: the TOML becomes a `RawGrid` (serde, types only), then
//! `Grid::try_from` checks it, one function per part of the grid: the
//! convention, the tiers, the item codes, each item, `meme_prix_que`, the
//! printable labels. Each goes on after a problem so that all are found.

use std::collections::HashMap;
use std::fmt;

use rust_decimal::Decimal;
use toml::Spanned;

use super::raw::{RawArticle, RawConvention, RawGrid, RawTranche};
use super::{key_offset, line_col, toml_message_fr};
use crate::columns::IDENTITY_COLUMNS;
use crate::format_fr::{NumberError, parse_nombre};
use crate::money::Montant;

/// The years a grid may bill.
pub const EXERCICES: std::ops::RangeInclusive<i32> = 2000..=2100;

/// One tier (« tranche »).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tranche {
    pub numero: u8,
    pub population_min: u32,
    pub agents_min: u32,
    pub libelle: String,
}

/// How yearly items are charged to a member who joins during the exercice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prorata {
    /// By whole months remaining, the month of joining included.
    Mois,
    /// By days remaining, the day of joining included.
    Jour,
    /// The whole year whatever the date.
    Aucun,
}

/// How an item's quantity may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantityKind {
    /// 0 or 1 (forfaits, parapheur).
    YesNo,
    /// A whole number (certificates, Go, accounts…).
    Whole,
    /// A decimal number (days: 0,5 = half a day).
    Decimal,
}

impl QuantityKind {
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            QuantityKind::YesNo => "oui_non",
            QuantityKind::Whole => "entier",
            QuantityKind::Decimal => "decimal",
        }
    }
}

/// How an item is priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pricing {
    /// One price per tier, index 0 = tier 1.
    PerTranche(Vec<Montant>),
    /// Unit price × quantity.
    Unit(Montant),
    /// On quote: the roster cell holds the quoted amount.
    OnQuote,
}

/// One billable item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub code: String,
    pub libelle: String,
    pub rubrique: String,
    pub unite: String,
    pub quantity: QuantityKind,
    pub pricing: Pricing,
    /// Yearly subscription (may be prorated for mid-year joins).
    pub annuel: bool,
    /// Indices of items that cannot be taken together with this one.
    pub exclut: Vec<usize>,
    /// Indices of items of which at least one must be taken with this one.
    pub requiert_un_de: Vec<usize>,
    pub imputation: String,
    /// VAT rate in percent.
    pub taux_tva: Decimal,
    /// UN/ECE Recommendation 20 unit code (Factur-X), e.g. C62, DAY, E34.
    pub code_unite: String,
    /// The local product code of the PES V2 flows (`CodProdLoc`).
    pub code_produit: Option<String>,
    /// The `Nature` of its lines in the PES V2 flows (else the grid's).
    pub nature: Option<String>,
    /// 1-based line of its `code` in the grid file.
    pub ligne: usize,
}

/// What the PES V2 flows take from the grid (`[pes]`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PesGrid {
    /// The bordereau's object; `None`: « Cotisations <exercice> - <titre> ».
    pub objet: Option<String>,
    /// The default `Nature` of the lines; `None`: 588, DosTech's
    /// proposal for ORMC titles.
    pub nature: Option<String>,
}

/// The validated tariff grid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    pub titre: String,
    /// The exercice (year) the grid's prices bill.
    pub exercice: i32,
    pub annexe: String,
    pub mention_tva: Option<String>,
    /// Claims below this total are not put into recovery (CGCT D1611-1).
    pub seuil_recouvrement: Montant,
    /// How yearly items are charged to mid-year joins.
    pub prorata: Prorata,
    /// Member ids or SIRETs that require a numéro d'engagement.
    pub engagement_obligatoire: Vec<String>,
    /// Member ids or SIRETs that require a code service.
    pub code_service_obligatoire: Vec<String>,
    pub pes: PesGrid,
    tranches: Vec<Tranche>,
    non_affiliee: u8,
    items: Vec<Item>,
    by_code: HashMap<String, usize>,
}

/// One problem in the grid file.
pub type GridError = super::Positioned<GridErrorKind>;

/// What is wrong in the grid file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GridErrorKind {
    Syntax(String),
    NoTranches,
    TrancheNumbering {
        expected: usize,
        found: i64,
    },
    TrancheBoundOutOfRange {
        numero: i64,
    },
    FirstTrancheNotZero,
    TrancheBoundsNotIncreasing {
        numero: i64,
    },
    NonAffilieeUnknown {
        numero: i64,
    },
    BadCode {
        code: String,
    },
    ReservedCode {
        code: String,
    },
    DuplicateCode {
        code: String,
    },
    UnknownTarif {
        code: String,
        value: String,
    },
    UnknownQuantite {
        code: String,
        value: String,
    },
    PriceNotText {
        code: String,
    },
    PriceNotANumber {
        code: String,
        value: String,
    },
    PriceNegative {
        code: String,
    },
    PriceFractionOfCent {
        code: String,
    },
    PriceTooLarge {
        code: String,
    },
    UnknownProrata {
        value: String,
    },
    TranchePriceCount {
        code: String,
        expected: usize,
        found: usize,
    },
    MissingPrice {
        code: String,
    },
    ConflictingPrice {
        code: String,
    },
    UnexpectedPrice {
        code: String,
    },
    UnknownReference {
        code: String,
        reference: String,
    },
    SamePriceNotPerTranche {
        code: String,
        reference: String,
    },
    SelfReference {
        code: String,
    },
    BadVatRate {
        value: String,
    },
    BadExercice {
        value: i64,
    },
    /// A label with a character the documents cannot print.
    Unprintable {
        ch: char,
        what: String,
    },
    NoItems,
    /// `code_produit` is not 1 to 4 letters or digits (not only zeros).
    BadCodeProduit {
        code: String,
        value: String,
    },
    /// A `nature` that is not 1 to 12 digits, above zero.
    BadNature {
        value: String,
    },
    /// `[pes] objet` empty or longer than 160 characters.
    BadObjetPes {
        length: usize,
    },
}

impl fmt::Display for GridErrorKind {
    #[allow(
        clippy::too_many_lines,
        reason = "one arm per kind: the French messages side by side, as a table"
    )]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use GridErrorKind as K;
        match self {
            K::Syntax(m) => write!(f, "{m}"),
            K::NoTranches => write!(
                f,
                "aucune tranche définie : ajoutez des blocs [[tranches.liste]]"
            ),
            K::TrancheNumbering { expected, found } => write!(
                f,
                "tranche numérotée {found} alors que {expected} était attendu : numérotez les tranches 1, 2, 3… dans l'ordre"
            ),
            K::TrancheBoundOutOfRange { numero } => write!(
                f,
                "tranche {numero} : seuil négatif ou trop grand ; indiquez un nombre entre 0 et 4 000 000 000"
            ),
            K::FirstTrancheNotZero => write!(
                f,
                "la tranche 1 doit commencer à 0 habitant et 0 agent (population_min = 0, agents_min = 0)"
            ),
            K::TrancheBoundsNotIncreasing { numero } => write!(
                f,
                "tranche {numero} : ses seuils doivent être strictement supérieurs à ceux de la tranche précédente (tranches qui se chevauchent)"
            ),
            K::NonAffilieeUnknown { numero } => write!(
                f,
                "tranches.non_affiliee = {numero} ne désigne aucune tranche définie"
            ),
            K::BadCodeProduit { code, value } => write!(
                f,
                "article « {code} » : code_produit « {value} » invalide : de 1 à 4 lettres ou chiffres, pas seulement des zéros (le code produit local de la convention RMC que donne le comptable)"
            ),
            K::BadNature { value } => write!(
                f,
                "nature « {value} » invalide : de 1 à 12 chiffres, au-dessus de zéro (par exemple 588)"
            ),
            K::BadObjetPes { length } => write!(
                f,
                "[pes] objet de {length} caractères : le flux PES en accepte de 1 à 160"
            ),
            K::BadCode { code } => write!(
                f,
                "code d'article « {code} » invalide : utilisez seulement des minuscules sans accent, des chiffres et « _ »"
            ),
            K::ReservedCode { code } => write!(
                f,
                "le code d'article « {code} » est déjà une colonne d'identité du rôle : choisissez un autre code"
            ),
            K::DuplicateCode { code } => {
                write!(
                    f,
                    "article « {code} » défini deux fois : supprimez ou renommez le doublon"
                )
            }
            K::UnknownTarif { code, value } => write!(
                f,
                "article « {code} » : tarif « {value} » inconnu ; valeurs possibles : \"tranche\", \"unitaire\", \"devis\""
            ),
            K::UnknownQuantite { code, value } => write!(
                f,
                "article « {code} » : quantité « {value} » inconnue ; valeurs possibles : \"oui_non\", \"entier\", \"decimal\""
            ),
            K::PriceNotText { code } => write!(
                f,
                "article « {code} » : écrivez le prix entre guillemets, par exemple \"1 119,00\" (les nombres à virgule flottante ne sont pas exacts)"
            ),
            K::PriceNotANumber { code, value } => write!(
                f,
                "article « {code} » : prix « {value} » illisible ; écrivez par exemple \"1 119,00\""
            ),
            K::PriceNegative { code } => {
                write!(f, "article « {code} » : un prix ne peut pas être négatif")
            }
            K::UnknownProrata { value } => write!(
                f,
                "prorata « {value} » inconnu ; valeurs possibles : \"mois\", \"jour\", \"aucun\""
            ),
            K::PriceTooLarge { code } => write!(
                f,
                "article « {code} » : prix invraisemblable (plus d'un milliard d'euros) ; vérifiez la saisie"
            ),
            K::PriceFractionOfCent { code } => write!(
                f,
                "article « {code} » : un prix s'exprime au centime près (deux décimales au plus)"
            ),
            K::TranchePriceCount {
                code,
                expected,
                found,
            } => write!(
                f,
                "article « {code} » : {found} prix par tranche donnés, {expected} attendus (un par tranche, de la tranche 1 à la tranche {expected})"
            ),
            K::MissingPrice { code } => write!(
                f,
                "article « {code} » : prix manquant ; ajoutez « prix » (tarif unitaire) ou « prix_tranches » / « meme_prix_que » (tarif par tranche)"
            ),
            K::ConflictingPrice { code } => write!(
                f,
                "article « {code} » : donnez soit « prix_tranches », soit « meme_prix_que », pas les deux"
            ),
            K::UnexpectedPrice { code } => write!(
                f,
                "article « {code} » : ce champ de prix ne correspond pas à son type de tarif ; retirez-le"
            ),
            K::UnknownReference { code, reference } => write!(
                f,
                "article « {code} » : il fait référence à l'article « {reference} », qui n'existe pas"
            ),
            K::SamePriceNotPerTranche { code, reference } => write!(
                f,
                "article « {code} » : meme_prix_que = « {reference} » doit désigner un article tarifé par tranche avec ses propres prix"
            ),
            K::SelfReference { code } => {
                write!(
                    f,
                    "article « {code} » : un article ne peut pas se citer lui-même"
                )
            }
            K::BadVatRate { value } => write!(
                f,
                "taux de TVA « {value} » invalide : écrivez un pourcentage entre guillemets, entre \"0\" et \"100\""
            ),
            K::NoItems => write!(f, "aucun article défini : ajoutez des blocs [[articles]]"),
            K::Unprintable { ch, what } => write!(
                f,
                "{what} : le caractère « {ch} » (U+{:04X}) ne peut pas être imprimé sur les appels ; remplacez-le",
                u32::from(*ch)
            ),
            K::BadExercice { value } => write!(
                f,
                "exercice {value} invraisemblable : indiquez l'année que la grille facture, entre {} et {}, par exemple exercice = 2027",
                EXERCICES.start(),
                EXERCICES.end()
            ),
        }
    }
}

type Collector<'t> = super::Collector<'t, GridErrorKind>;

/// A price: a French number in quotes (an integer is exact too), 0 or
/// more, below a billion, to the cent.
fn parse_price(c: &mut Collector<'_>, code: &str, value: &Spanned<toml::Value>) -> Option<Montant> {
    let span = value.span();
    let number = match value.get_ref() {
        toml::Value::String(s) => match parse_nombre(s) {
            Ok(n) => n,
            Err(NumberError::NotANumber | NumberError::TooLarge) => {
                c.push(
                    span,
                    GridErrorKind::PriceNotANumber {
                        code: code.to_string(),
                        value: s.clone(),
                    },
                );
                return None;
            }
        },
        toml::Value::Integer(i) => Decimal::from(*i),
        _ => {
            c.push(
                span,
                GridErrorKind::PriceNotText {
                    code: code.to_string(),
                },
            );
            return None;
        }
    };
    if number.is_sign_negative() && !number.is_zero() {
        c.push(
            span,
            GridErrorKind::PriceNegative {
                code: code.to_string(),
            },
        );
        return None;
    }
    // A cap far above any real price keeps every product and sum exact.
    if number > Decimal::from(1_000_000_000u32) {
        c.push(
            span,
            GridErrorKind::PriceTooLarge {
                code: code.to_string(),
            },
        );
        return None;
    }
    if let Some(m) = Montant::from_exact_cents(number) {
        Some(m)
    } else {
        c.push(
            span,
            GridErrorKind::PriceFractionOfCent {
                code: code.to_string(),
            },
        );
        None
    }
}

/// A VAT rate: a percentage from 0 to 100, in quotes or an integer.
fn parse_rate(c: &mut Collector<'_>, value: &Spanned<toml::Value>) -> Option<Decimal> {
    let span = value.span();
    let text = match value.get_ref() {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        other => other.to_string(),
    };
    let parsed = match value.get_ref() {
        toml::Value::String(_) | toml::Value::Integer(_) => parse_nombre(&text).ok(),
        _ => None,
    };
    match parsed {
        Some(r) if r >= Decimal::ZERO && r <= Decimal::ONE_HUNDRED => Some(r),
        _ => {
            c.push(span, GridErrorKind::BadVatRate { value: text });
            None
        }
    }
}

/// Ids are kept as typed; SIRETs lose their spaces.
fn normalize_ids(ids: &[String]) -> Vec<String> {
    ids.iter()
        .map(|i| {
            let t = i.trim();
            let digits: String = t.chars().filter(|c| !c.is_whitespace()).collect();
            if digits.len() == 14 && digits.chars().all(|c| c.is_ascii_digit()) {
                digits
            } else {
                t.to_string()
            }
        })
        .collect()
}

/// An item code is a roster column header: lowercase ASCII, digits, « _ ».
fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
}

impl Grid {
    /// Parses and validates the grid text: the TOML into a `RawGrid` (a
    /// syntax error stops there, positioned), then `Grid::try_from`.
    ///
    /// # Errors
    /// Every problem found, in file order.
    pub fn parse(text: &str) -> Result<Grid, Vec<GridError>> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let raw: RawGrid = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
            vec![GridError {
                line,
                column,
                kind: GridErrorKind::Syntax(toml_message_fr(e.message())),
            }]
        })?;
        Grid::try_from(Unchecked { text, raw })
    }

    /// Whether the member `id` / `siret` must give a numéro d'engagement.
    #[must_use]
    pub fn requires_engagement(&self, id: &str, siret: &str) -> bool {
        self.engagement_obligatoire
            .iter()
            .any(|x| x == id || x == siret)
    }

    /// Whether the member `id` / `siret` must give a code service.
    #[must_use]
    pub fn requires_code_service(&self, id: &str, siret: &str) -> bool {
        self.code_service_obligatoire
            .iter()
            .any(|x| x == id || x == siret)
    }

    /// The tiers, in order.
    #[must_use]
    pub fn tranches(&self) -> &[Tranche] {
        &self.tranches
    }

    /// The items, in grid order.
    #[must_use]
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// The item at `index` (an index handed out by this grid).
    #[must_use]
    pub fn item(&self, index: usize) -> &Item {
        &self.items[index]
    }

    /// Index of the item with this code.
    #[must_use]
    pub fn find(&self, code: &str) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    /// Tier of a collectivité that is not affiliated to the Centre.
    #[must_use]
    pub fn tranche_non_affiliee(&self) -> u8 {
        self.non_affiliee
    }

    /// Tier of a commune of `population` inhabitants.
    #[must_use]
    pub fn tranche_for_population(&self, population: u32) -> u8 {
        self.tranches
            .iter()
            .rev()
            .find(|t| population >= t.population_min)
            .map_or(1, |t| t.numero)
    }

    /// Tier of an établissement public or budget annexe of `agents` agents.
    #[must_use]
    pub fn tranche_for_agents(&self, agents: u32) -> u8 {
        self.tranches
            .iter()
            .rev()
            .find(|t| agents >= t.agents_min)
            .map_or(1, |t| t.numero)
    }
}

/// A grid as the TOML reads, not yet validated, with the text it was read
/// from: the raw grid keeps byte spans, the text turns them into lines and
/// columns.
#[derive(Debug)]
pub struct Unchecked<'t> {
    /// The grid file's text, without its byte order mark.
    pub text: &'t str,
    pub raw: RawGrid,
}

impl TryFrom<Unchecked<'_>> for Grid {
    type Error = Vec<GridError>;

    /// Every check of the grid, part by part. Each part goes on after a
    /// problem (with a stand-in value) so that all are reported at once.
    fn try_from(Unchecked { text, raw }: Unchecked<'_>) -> Result<Grid, Vec<GridError>> {
        let mut c = Collector::new(text);
        let convention = check_convention(&mut c, &raw.convention);
        let tranches = check_tranches(&mut c, &raw.tranches.liste);
        let non_affiliee = check_non_affiliee(&mut c, &raw.tranches.non_affiliee, tranches.len());
        // Prices are counted against the tiers as written: a tier with a bad
        // bound is reported once, not again in every item's price list.
        let tranche_count = raw.tranches.liste.len();
        let by_code = index_codes(&mut c, &raw.articles);
        let mut items: Vec<Item> = raw
            .articles
            .iter()
            .map(|a| {
                check_item(
                    &mut c,
                    a.get_ref(),
                    &by_code,
                    tranche_count,
                    convention.default_rate,
                )
            })
            .collect();
        resolve_same_prices(&mut c, &raw.articles, &by_code, &mut items);
        let pes = check_pes(&mut c, raw.pes.as_ref());
        check_printable(&mut c, &raw);
        symmetric_exclusions(&mut items);
        if c.errors.is_empty() {
            Ok(assemble(
                raw,
                pes,
                convention,
                tranches,
                non_affiliee,
                items,
                by_code,
            ))
        } else {
            // Checked part by part, shown in file order.
            let mut errors = c.errors;
            errors.sort_by_key(|e| (e.line, e.column));
            Err(errors)
        }
    }
}

/// The convention's values once checked.
#[derive(Debug, Clone, Copy)]
struct Convention {
    exercice: i32,
    seuil_recouvrement: Montant,
    prorata: Prorata,
    /// The VAT rate of the items that do not give their own.
    default_rate: Decimal,
}

/// The convention: its exercice, recovery threshold, prorata rule and
/// default VAT rate.
fn check_convention(c: &mut Collector<'_>, raw: &RawConvention) -> Convention {
    let exercice = match i32::try_from(*raw.exercice.get_ref()) {
        Ok(year) if EXERCICES.contains(&year) => year,
        _ => {
            c.push(
                raw.exercice.span(),
                GridErrorKind::BadExercice {
                    value: *raw.exercice.get_ref(),
                },
            );
            0
        }
    };
    // The legal recovery threshold (CGCT, article D1611-1): 15 € unless set.
    let seuil_recouvrement = raw
        .seuil_recouvrement
        .as_ref()
        .and_then(|v| parse_price(c, "seuil_recouvrement", v))
        .unwrap_or_else(|| Montant::round_cent(Decimal::from(15)));
    let prorata = match raw
        .prorata
        .as_ref()
        .map(|p| (p.get_ref().as_str(), p.span()))
    {
        None | Some(("mois", _)) => Prorata::Mois,
        Some(("jour", _)) => Prorata::Jour,
        Some(("aucun", _)) => Prorata::Aucun,
        Some((other, span)) => {
            c.push(
                span,
                GridErrorKind::UnknownProrata {
                    value: other.to_string(),
                },
            );
            Prorata::Mois
        }
    };
    let default_rate = raw
        .taux_tva
        .as_ref()
        .and_then(|v| parse_rate(c, v))
        .unwrap_or(Decimal::ZERO);
    Convention {
        exercice,
        seuil_recouvrement,
        prorata,
        default_rate,
    }
}

/// The tiers (`tranches.liste`): numbered 1, 2, 3… in order, the first from
/// 0 inhabitant and 0 agent, each one's bounds above the previous one's.
/// A tier whose bounds do not fit is left out of the result.
fn check_tranches(c: &mut Collector<'_>, liste: &[Spanned<RawTranche>]) -> Vec<Tranche> {
    let mut tranches: Vec<Tranche> = Vec::with_capacity(liste.len());
    if liste.is_empty() {
        c.push(0..0, GridErrorKind::NoTranches);
    }
    for (i, spanned) in liste.iter().enumerate() {
        let span = spanned.span();
        let t = spanned.get_ref();
        if t.numero != i64::try_from(i + 1).unwrap_or(i64::MAX) {
            c.push(
                span.clone(),
                GridErrorKind::TrancheNumbering {
                    expected: i + 1,
                    found: t.numero,
                },
            );
        }
        let (Ok(pop), Ok(agents), Ok(numero)) = (
            u32::try_from(t.population_min),
            u32::try_from(t.agents_min),
            u8::try_from(i + 1),
        ) else {
            c.push(
                span,
                GridErrorKind::TrancheBoundOutOfRange { numero: t.numero },
            );
            continue;
        };
        if i == 0 && (pop != 0 || agents != 0) {
            c.push(span.clone(), GridErrorKind::FirstTrancheNotZero);
        }
        if let Some(prev) = tranches.last()
            && (pop <= prev.population_min || agents <= prev.agents_min)
        {
            c.push(
                span.clone(),
                GridErrorKind::TrancheBoundsNotIncreasing { numero: t.numero },
            );
        }
        tranches.push(Tranche {
            numero,
            population_min: pop,
            agents_min: agents,
            libelle: t.libelle.clone(),
        });
    }
    tranches
}

/// The tier of the members not affiliated to the Centre
/// (`tranches.non_affiliee`): one of the `tranche_count` valid tiers.
fn check_non_affiliee(c: &mut Collector<'_>, raw: &Spanned<i64>, tranche_count: usize) -> u8 {
    let numero = *raw.get_ref();
    match u8::try_from(numero) {
        Ok(n) if n >= 1 && usize::from(n) <= tranche_count => n,
        _ => {
            c.push(raw.span(), GridErrorKind::NonAffilieeUnknown { numero });
            1
        }
    }
}

/// The item codes, indexed before the items are checked so that references
/// can point forward: each valid, not a roster column, not taken twice.
fn index_codes(c: &mut Collector<'_>, articles: &[Spanned<RawArticle>]) -> HashMap<String, usize> {
    let mut by_code = HashMap::new();
    for (i, a) in articles.iter().enumerate() {
        let code = a.get_ref().code.get_ref();
        let span = a.get_ref().code.span();
        if !valid_code(code) {
            c.push(span, GridErrorKind::BadCode { code: code.clone() });
        } else if IDENTITY_COLUMNS.contains(&code.as_str()) {
            c.push(span, GridErrorKind::ReservedCode { code: code.clone() });
        } else if by_code.insert(code.clone(), i).is_some() {
            c.push(span, GridErrorKind::DuplicateCode { code: code.clone() });
        }
    }
    if articles.is_empty() {
        c.push(0..0, GridErrorKind::NoItems);
    }
    by_code
}

/// One item: its quantity kind, its pricing (a `meme_prix_que` is resolved
/// later), the items it excludes or requires, its VAT rate.
fn check_item(
    c: &mut Collector<'_>,
    a: &RawArticle,
    by_code: &HashMap<String, usize>,
    tranche_count: usize,
    default_rate: Decimal,
) -> Item {
    let code = a.code.get_ref().clone();
    let quantity = quantity_kind(c, a, &code);
    let pricing = item_pricing(c, a, &code, tranche_count);
    let exclut = references(c, &code, &a.exclut, by_code);
    let requiert_un_de = references(c, &code, &a.requiert_un_de, by_code);
    let taux_tva = a
        .taux_tva
        .as_ref()
        .and_then(|v| parse_rate(c, v))
        .unwrap_or(default_rate);
    let code_produit = a.code_produit.as_ref().map(|v| {
        let value = v.get_ref().trim().to_string();
        if !code_produit_ok(&value) {
            c.push(
                v.span(),
                GridErrorKind::BadCodeProduit {
                    code: code.clone(),
                    value: value.clone(),
                },
            );
        }
        value
    });
    let nature = a.nature.as_ref().map(|v| nature(c, v));
    let ligne = super::line_col(c.text, a.code.span().start).0;
    Item {
        code_produit,
        nature,
        ligne,
        code,
        libelle: a.libelle.clone(),
        rubrique: a.rubrique.clone(),
        unite: a.unite.clone(),
        quantity,
        pricing,
        annuel: a.annuel,
        exclut,
        requiert_un_de,
        imputation: a.imputation.clone(),
        taux_tva,
        code_unite: a.code_unite.clone().unwrap_or_else(|| "C62".into()),
    }
}

/// A PES `CodProdLoc`: 1 to 4 letters or digits, not only zeros.
fn code_produit_ok(value: &str) -> bool {
    (1..=4).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_alphanumeric())
        && value.bytes().any(|b| b != b'0')
}

/// A PES `Nature`: 1 to 12 digits, above zero.
fn nature(c: &mut Collector<'_>, v: &Spanned<String>) -> String {
    let value = v.get_ref().trim().to_string();
    if !((1..=12).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_digit())
        && value.bytes().any(|b| b != b'0'))
    {
        c.push(
            v.span(),
            GridErrorKind::BadNature {
                value: value.clone(),
            },
        );
    }
    value
}

/// The `[pes]` section: its object (1 to 160 characters) and nature.
fn check_pes(c: &mut Collector<'_>, raw: Option<&Spanned<super::raw::RawPes>>) -> PesGrid {
    let Some(raw) = raw else {
        return PesGrid::default();
    };
    let objet = raw.get_ref().objet.as_ref().map(|o| {
        let text = o.get_ref().trim().to_string();
        let length = text.chars().count();
        if length == 0 || length > 160 {
            c.push(o.span(), GridErrorKind::BadObjetPes { length });
        }
        text
    });
    let nature = raw.get_ref().nature.as_ref().map(|n| nature(c, n));
    PesGrid { objet, nature }
}

/// How the item's quantity is written: « `oui_non` », « entier » or « decimal ».
fn quantity_kind(c: &mut Collector<'_>, a: &RawArticle, code: &str) -> QuantityKind {
    match a.quantite.get_ref().as_str() {
        "oui_non" => QuantityKind::YesNo,
        "entier" => QuantityKind::Whole,
        "decimal" => QuantityKind::Decimal,
        other => {
            c.push(
                a.quantite.span(),
                GridErrorKind::UnknownQuantite {
                    code: code.to_string(),
                    value: other.to_string(),
                },
            );
            QuantityKind::Decimal
        }
    }
}

/// The items an `exclut` or `requiert_un_de` list names, as indices: each
/// must exist and be another item.
fn references(
    c: &mut Collector<'_>,
    code: &str,
    list: &[Spanned<String>],
    by_code: &HashMap<String, usize>,
) -> Vec<usize> {
    let mut out = Vec::new();
    for r in list {
        if r.get_ref() == code {
            c.push(
                r.span(),
                GridErrorKind::SelfReference {
                    code: code.to_string(),
                },
            );
        } else if let Some(&idx) = by_code.get(r.get_ref()) {
            out.push(idx);
        } else {
            c.push(
                r.span(),
                GridErrorKind::UnknownReference {
                    code: code.to_string(),
                    reference: r.get_ref().clone(),
                },
            );
        }
    }
    out
}

/// The item's pricing, by its `tarif`: « tranche », « unitaire » or « devis ».
fn item_pricing(
    c: &mut Collector<'_>,
    a: &RawArticle,
    code: &str,
    tranche_count: usize,
) -> Pricing {
    match a.tarif.get_ref().as_str() {
        "tranche" => tranche_pricing(c, a, code, tranche_count),
        "unitaire" | "devis" => unit_pricing(c, a, code),
        other => {
            c.push(
                a.tarif.span(),
                GridErrorKind::UnknownTarif {
                    code: code.into(),
                    value: other.to_string(),
                },
            );
            Pricing::Unit(Montant::ZERO)
        }
    }
}

/// A per-tier pricing: `prix_tranches` (one price per tier) or
/// `meme_prix_que`, one of them, and no `prix`. Empty prices stand in for
/// a `meme_prix_que` still to resolve, or for prices in error.
fn tranche_pricing(
    c: &mut Collector<'_>,
    a: &RawArticle,
    code: &str,
    tranche_count: usize,
) -> Pricing {
    if let Some(p) = &a.prix {
        c.push(
            p.span(),
            GridErrorKind::UnexpectedPrice { code: code.into() },
        );
    }
    match (&a.prix_tranches, &a.meme_prix_que) {
        (Some(list), None) => {
            if list.get_ref().len() != tranche_count {
                c.push(
                    list.span(),
                    GridErrorKind::TranchePriceCount {
                        code: code.into(),
                        expected: tranche_count,
                        found: list.get_ref().len(),
                    },
                );
            }
            let prices: Vec<Option<Montant>> = list
                .get_ref()
                .iter()
                .map(|v| parse_price(c, code, v))
                .collect();
            if prices.len() == tranche_count && prices.iter().all(Option::is_some) {
                Pricing::PerTranche(prices.into_iter().flatten().collect())
            } else {
                Pricing::PerTranche(Vec::new())
            }
        }
        (Some(list), Some(_)) => {
            c.push(
                list.span(),
                GridErrorKind::ConflictingPrice { code: code.into() },
            );
            Pricing::PerTranche(Vec::new())
        }
        // Filled in once every item is known.
        (None, Some(_)) => Pricing::PerTranche(Vec::new()),
        (None, None) => {
            c.push(
                a.code.span(),
                GridErrorKind::MissingPrice { code: code.into() },
            );
            Pricing::PerTranche(Vec::new())
        }
    }
}

/// A unit price (`prix`), or a quote (« devis », no price); never a
/// per-tier field.
fn unit_pricing(c: &mut Collector<'_>, a: &RawArticle, code: &str) -> Pricing {
    if let Some(p) = &a.prix_tranches {
        c.push(
            p.span(),
            GridErrorKind::UnexpectedPrice { code: code.into() },
        );
    }
    if let Some(p) = &a.meme_prix_que {
        c.push(
            p.span(),
            GridErrorKind::UnexpectedPrice { code: code.into() },
        );
    }
    if a.tarif.get_ref() == "devis" {
        if let Some(p) = &a.prix {
            c.push(
                p.span(),
                GridErrorKind::UnexpectedPrice { code: code.into() },
            );
        }
        return Pricing::OnQuote;
    }
    if let Some(p) = &a.prix {
        Pricing::Unit(parse_price(c, code, p).unwrap_or(Montant::ZERO))
    } else {
        c.push(
            a.code.span(),
            GridErrorKind::MissingPrice { code: code.into() },
        );
        Pricing::Unit(Montant::ZERO)
    }
}

/// Gives each `meme_prix_que` item the tier prices of the item it names,
/// now that every item has its own: that item must exist, be another one
/// and have prices of its own (no chains, whatever the items' order).
fn resolve_same_prices(
    c: &mut Collector<'_>,
    articles: &[Spanned<RawArticle>],
    by_code: &HashMap<String, usize>,
    items: &mut [Item],
) {
    for (i, a) in articles.iter().enumerate() {
        let a = a.get_ref();
        let Some(reference) = &a.meme_prix_que else {
            continue;
        };
        let code = a.code.get_ref().clone();
        match by_code.get(reference.get_ref()) {
            None => c.push(
                reference.span(),
                GridErrorKind::UnknownReference {
                    code,
                    reference: reference.get_ref().clone(),
                },
            ),
            Some(&j) if j == i => {
                c.push(reference.span(), GridErrorKind::SelfReference { code });
            }
            Some(&j) => {
                let source = &articles[j].get_ref();
                if let (Pricing::PerTranche(p), None) = (&items[j].pricing, &source.meme_prix_que)
                    && !p.is_empty()
                {
                    items[i].pricing = Pricing::PerTranche(p.clone());
                    continue;
                }
                c.push(
                    reference.span(),
                    GridErrorKind::SamePriceNotPerTranche {
                        code,
                        reference: reference.get_ref().clone(),
                    },
                );
            }
        }
    }
}

/// Every label is printed on the appels: the fonts must draw the
/// convention's texts, the tiers' and the items' labels.
fn check_printable(c: &mut Collector<'_>, raw: &RawGrid) {
    let convention = [
        ("titre", raw.convention.titre.as_str()),
        ("annexe", raw.convention.annexe.as_str()),
        (
            "mention_tva",
            raw.convention.mention_tva.as_deref().unwrap_or(""),
        ),
    ];
    for (key, value) in convention {
        if let Some(ch) = crate::charset::first_unprintable(value, false) {
            // The raw grid keeps these texts without their position.
            let at = key_offset(c.text, key);
            c.push(
                at..at,
                GridErrorKind::Unprintable {
                    ch,
                    what: key.to_string(),
                },
            );
        }
    }
    for t in &raw.tranches.liste {
        if let Some(ch) = crate::charset::first_unprintable(&t.get_ref().libelle, false) {
            c.push(
                t.span(),
                GridErrorKind::Unprintable {
                    ch,
                    what: format!("libelle de la tranche {}", t.get_ref().numero),
                },
            );
        }
    }
    for a in &raw.articles {
        let r = a.get_ref();
        for (key, value) in [
            ("libelle", &r.libelle),
            ("rubrique", &r.rubrique),
            ("unite", &r.unite),
        ] {
            if let Some(ch) = crate::charset::first_unprintable(value, false) {
                c.push(
                    a.span(),
                    GridErrorKind::Unprintable {
                        ch,
                        what: format!("{key} de l'article « {} »", r.code.get_ref()),
                    },
                );
            }
        }
    }
}

/// Exclusions are symmetric: declaring one side is enough.
fn symmetric_exclusions(items: &mut [Item]) {
    for i in 0..items.len() {
        for j in items[i].exclut.clone() {
            if !items[j].exclut.contains(&i) {
                items[j].exclut.push(i);
            }
        }
    }
}

/// The grid from its checked parts (only once no check failed).
fn assemble(
    raw: RawGrid,
    pes: PesGrid,
    convention: Convention,
    tranches: Vec<Tranche>,
    non_affiliee: u8,
    items: Vec<Item>,
    by_code: HashMap<String, usize>,
) -> Grid {
    Grid {
        titre: raw.convention.titre,
        exercice: convention.exercice,
        annexe: raw.convention.annexe,
        mention_tva: raw.convention.mention_tva.filter(|m| !m.trim().is_empty()),
        seuil_recouvrement: convention.seuil_recouvrement,
        prorata: convention.prorata,
        engagement_obligatoire: normalize_ids(&raw.chorus.engagement_obligatoire),
        code_service_obligatoire: normalize_ids(&raw.chorus.code_service_obligatoire),
        pes,
        tranches,
        non_affiliee,
        items,
        by_code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRID: &str = include_str!("../../input-samples/grille-2027.toml");

    fn kinds(text: &str) -> Vec<(usize, GridErrorKind)> {
        Grid::parse(text)
            .expect_err("should be refused")
            .into_iter()
            .map(|e| (e.line, e.kind))
            .collect()
    }

    fn line_of(text: &str, needle: &str) -> usize {
        text.lines().position(|l| l.contains(needle)).unwrap() + 1
    }

    #[test]
    fn the_shipped_grid_is_valid() {
        let g = Grid::parse(GRID).unwrap();
        assert_eq!(g.tranches().len(), 8);
        assert_eq!(g.items().len(), 32);
        assert_eq!(g.tranche_non_affiliee(), 8);
        assert_eq!(
            g.mention_tva.as_deref(),
            Some("TVA non applicable, article 256 B du CGI")
        );
        // The two names of a column share its price.
        let a = g.find("forfait_metiers").unwrap();
        let b = g.find("forfait_metiers_communication").unwrap();
        assert_eq!(g.item(a).pricing, g.item(b).pricing);
        // Exclusions are symmetric.
        assert!(g.item(b).exclut.contains(&a));
        assert!(g.item(a).exclut.contains(&b));
        // Every item is at 0 % VAT.
        assert!(g.items().iter().all(|i| i.taux_tva.is_zero()));
    }

    #[test]
    fn a_bom_is_accepted() {
        assert!(Grid::parse(&format!("\u{feff}{GRID}")).is_ok());
    }

    #[test]
    fn a_missing_tier_price() {
        let text = GRID.replace("\"317,00\", ", "");
        let e = kinds(&text);
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].0, line_of(&text, "\"423,00\""));
        assert_eq!(
            e[0].1,
            GridErrorKind::TranchePriceCount {
                code: "forfait_heberge".into(),
                expected: 8,
                found: 7
            }
        );
    }

    #[test]
    fn a_float_price_is_refused() {
        let text = GRID.replace("prix = \"80,00\"", "prix = 80.0");
        let e = kinds(&text);
        assert_eq!(
            e,
            vec![(
                line_of(&text, "prix = 80.0"),
                GridErrorKind::PriceNotText {
                    code: "certificat".into()
                }
            )]
        );
    }

    #[test]
    fn bad_prices() {
        let text = GRID.replace("prix = \"80,00\"", "prix = \"quatre-vingts\"");
        assert!(matches!(
            kinds(&text)[0].1,
            GridErrorKind::PriceNotANumber { .. }
        ));
        let text = GRID.replace("prix = \"80,00\"", "prix = \"-80\"");
        assert!(matches!(
            kinds(&text)[0].1,
            GridErrorKind::PriceNegative { .. }
        ));
        let text = GRID.replace("prix = \"80,00\"", "prix = \"80,001\"");
        assert!(matches!(
            kinds(&text)[0].1,
            GridErrorKind::PriceFractionOfCent { .. }
        ));
        // An integer is exact, so it is accepted.
        assert!(Grid::parse(&GRID.replace("prix = \"80,00\"", "prix = 80")).is_ok());
    }

    #[test]
    fn overlapping_tiers() {
        let text = GRID.replace("population_min = 1000\n", "population_min = 400\n");
        let e = kinds(&text);
        assert_eq!(
            e,
            vec![(
                line_of(&text, "numero = 4") - 1,
                GridErrorKind::TrancheBoundsNotIncreasing { numero: 4 }
            )]
        );
    }

    #[test]
    fn tiers_must_be_numbered_in_order_and_start_at_zero() {
        let text = GRID.replace("numero = 3", "numero = 5");
        assert!(kinds(&text).iter().any(|(_, k)| *k
            == GridErrorKind::TrancheNumbering {
                expected: 3,
                found: 5
            }));
        let text = GRID.replacen("population_min = 0", "population_min = 1", 1);
        assert!(
            kinds(&text)
                .iter()
                .any(|(_, k)| *k == GridErrorKind::FirstTrancheNotZero)
        );
        let text = GRID.replace("non_affiliee = 8", "non_affiliee = 9");
        assert_eq!(
            kinds(&text)[0].1,
            GridErrorKind::NonAffilieeUnknown { numero: 9 }
        );
    }

    #[test]
    fn references_must_exist() {
        let text = GRID.replace(
            "meme_prix_que = \"forfait_metiers\"",
            "meme_prix_que = \"forfait_metier\"",
        );
        assert!(matches!(
            kinds(&text)[0].1,
            GridErrorKind::UnknownReference { .. }
        ));
        let text = GRID.replace(
            "exclut = [\"forfait_technologie_plus\"]",
            "exclut = [\"forfait_techno\"]",
        );
        assert!(matches!(
            kinds(&text)[0].1,
            GridErrorKind::UnknownReference { .. }
        ));
    }

    #[test]
    fn codes_are_checked() {
        let text = GRID.replace("code = \"nom_domaine\"", "code = \"certificat\"");
        assert!(matches!(
            kinds(&text)[0].1,
            GridErrorKind::DuplicateCode { .. }
        ));
        let text = GRID.replace("code = \"nom_domaine\"", "code = \"Nom Domaine\"");
        assert!(matches!(kinds(&text)[0].1, GridErrorKind::BadCode { .. }));
        let text = GRID.replace("code = \"nom_domaine\"", "code = \"siret\"");
        assert!(matches!(
            kinds(&text)[0].1,
            GridErrorKind::ReservedCode { .. }
        ));
    }

    #[test]
    fn missing_price_and_unknown_kinds() {
        let text = GRID.replace("prix = \"80,00\"\n", "");
        assert!(matches!(
            kinds(&text)[0].1,
            GridErrorKind::MissingPrice { .. }
        ));
        let text = GRID.replacen("\ntarif = \"unitaire\"", "\ntarif = \"forfaitaire\"", 1);
        assert!(matches!(
            kinds(&text)[0].1,
            GridErrorKind::UnknownTarif { .. }
        ));
        let text = GRID.replacen("quantite = \"entier\"", "quantite = \"entière\"", 1);
        assert!(matches!(
            kinds(&text)[0].1,
            GridErrorKind::UnknownQuantite { .. }
        ));
    }

    #[test]
    fn syntax_errors_have_a_position_and_a_french_message() {
        let text = GRID.replace("[convention]", "[convention");
        let e = Grid::parse(&text).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, line_of(&text, "[convention"));
        assert!(matches!(e[0].kind, GridErrorKind::Syntax(_)));
        let text = GRID.replace("unite = \"Go\"", "unites = \"Go\"");
        let e = Grid::parse(&text).unwrap_err();
        assert!(
            e[0].to_string().contains("champ inconnu « unites »"),
            "{}",
            e[0]
        );
    }

    #[test]
    fn labels_the_fonts_cannot_print_are_refused_where_they_are() {
        let text = GRID.replacen(
            "libelle = \"Forfait Métiers\"",
            "libelle = \"Forfait Métiers ✓\"",
            1,
        );
        let errors = Grid::parse(&text).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(matches!(
            &errors[0].kind,
            GridErrorKind::Unprintable { ch: '✓', what } if what.contains("forfait_metiers")
        ));
        let line = text
            .lines()
            .position(|l| l.contains("code = \"forfait_metiers\""))
            .unwrap();
        // The article's block: its `[[articles]]` header or its first key.
        assert!((line..=line + 1).contains(&errors[0].line), "{errors:?}");
        let text = GRID.replacen("mention_tva = \"TVA", "mention_tva = \"✓ TVA", 1);
        let errors = Grid::parse(&text).unwrap_err();
        let expected = text
            .lines()
            .position(|l| l.starts_with("mention_tva"))
            .unwrap()
            + 1;
        assert_eq!(errors[0].line, expected);
    }

    #[test]
    fn the_exercice_is_required_and_plausible() {
        let errors =
            Grid::parse(&GRID.replacen("exercice = 2027", "exercice = 1850", 1)).unwrap_err();
        assert!(matches!(
            errors[0].kind,
            GridErrorKind::BadExercice { value: 1850 }
        ));
        let errors = Grid::parse(&GRID.replacen("exercice = 2027", "", 1)).unwrap_err();
        assert!(
            matches!(&errors[0].kind, GridErrorKind::Syntax(m) if m.contains("« exercice »")),
            "{errors:?}"
        );
        assert_eq!(Grid::parse(GRID).unwrap().exercice, 2027);
    }

    #[test]
    fn several_errors_are_reported_at_once() {
        let text = GRID
            .replace("prix = \"80,00\"", "prix = 80.5")
            .replace("\"317,00\", ", "")
            .replace("prix = \"7,00\"", "prix = \"sept\"");
        assert_eq!(kinds(&text).len(), 3);
    }

    /// The sample grid with its first `from` replaced by `to` (which must be
    /// there: a test that alters nothing would prove nothing).
    fn altered(from: &str, to: &str) -> String {
        assert!(GRID.contains(from), "{from:?} not in the sample grid");
        GRID.replacen(from, to, 1)
    }

    #[allow(
        clippy::too_many_lines,
        reason = "a table of refusals, one per grid mistake"
    )]
    #[test]
    fn each_refusal_points_at_its_line() {
        use GridErrorKind as K;
        let code = |c: &str| c.to_string();
        // (from, to, text on the error's line, the error). A tier's error is
        // on its `[[tranches.liste]]` line, the one before `numero`.
        let cases = [
            (
                "exercice = 2027",
                "exercice = 1850",
                "exercice = 1850",
                K::BadExercice { value: 1850 },
            ),
            (
                "numero = 3",
                "numero = 5",
                "[[tranches.liste]]\nnumero = 5",
                K::TrancheNumbering {
                    expected: 3,
                    found: 5,
                },
            ),
            (
                "population_min = 0",
                "population_min = 1",
                "[[tranches.liste]]\nnumero = 1",
                K::FirstTrancheNotZero,
            ),
            (
                "non_affiliee = 8",
                "non_affiliee = 9",
                "non_affiliee = 9",
                K::NonAffilieeUnknown { numero: 9 },
            ),
            (
                "code = \"nom_domaine\"",
                "code = \"Nom Domaine\"",
                "code = \"Nom Domaine\"",
                K::BadCode {
                    code: code("Nom Domaine"),
                },
            ),
            (
                "code = \"nom_domaine\"",
                "code = \"siret\"",
                "code = \"siret\"",
                K::ReservedCode {
                    code: code("siret"),
                },
            ),
            (
                "prix = \"80,00\"",
                "prix = \"-80\"",
                "prix = \"-80\"",
                K::PriceNegative {
                    code: code("certificat"),
                },
            ),
            (
                "prix = \"80,00\"",
                "prix = \"quatre-vingts\"",
                "prix = \"quatre-vingts\"",
                K::PriceNotANumber {
                    code: code("certificat"),
                    value: code("quatre-vingts"),
                },
            ),
            (
                "prix = \"80,00\"",
                "prix = \"80,001\"",
                "prix = \"80,001\"",
                K::PriceFractionOfCent {
                    code: code("certificat"),
                },
            ),
            (
                "prix = \"80,00\"\n",
                "",
                "code = \"certificat\"",
                K::MissingPrice {
                    code: code("certificat"),
                },
            ),
            (
                "\ntarif = \"unitaire\"",
                "\ntarif = \"forfaitaire\"",
                "tarif = \"forfaitaire\"",
                K::UnknownTarif {
                    code: code("certificat"),
                    value: code("forfaitaire"),
                },
            ),
            (
                "quantite = \"entier\"",
                "quantite = \"entière\"",
                "quantite = \"entière\"",
                K::UnknownQuantite {
                    code: code("certificat"),
                    value: code("entière"),
                },
            ),
            (
                "exclut = [\"forfait_technologie_plus\"]",
                "exclut = [\"forfait_techno\"]",
                "exclut = [\"forfait_techno\"]",
                K::UnknownReference {
                    code: code("forfait_technologie"),
                    reference: code("forfait_techno"),
                },
            ),
        ];
        for (from, to, at, kind) in cases {
            let text = altered(from, to);
            let line = text[..text.find(at).unwrap()].matches('\n').count() + 1;
            assert_eq!(kinds(&text), vec![(line, kind)], "{from} → {to}");
        }
    }

    #[test]
    fn a_duplicate_code_is_refused_at_its_second_definition() {
        let text = altered("code = \"nom_domaine\"", "code = \"certificat\"");
        assert_eq!(
            kinds(&text),
            vec![(
                line_of(GRID, "code = \"nom_domaine\""),
                GridErrorKind::DuplicateCode {
                    code: "certificat".into()
                }
            )]
        );
    }

    #[test]
    fn a_grid_without_tiers() {
        let start = GRID.find("[[tranches.liste]]").unwrap();
        let end = GRID.find("# Articles.").unwrap();
        let text = format!("{}liste = []\n\n{}", &GRID[..start], &GRID[end..]);
        let e = kinds(&text);
        // Pointed at the top of the file: there is no tier to point at.
        assert_eq!(e[0], (1, GridErrorKind::NoTranches), "{e:?}");
        // Then what needs a tier: `non_affiliee`, every per-tier price list.
        assert_eq!(
            e[1],
            (
                line_of(&text, "non_affiliee = 8"),
                GridErrorKind::NonAffilieeUnknown { numero: 8 }
            )
        );
    }

    #[test]
    fn a_grid_without_items() {
        let text = &GRID[..GRID.find("[[articles]]").unwrap()];
        assert_eq!(kinds(text), vec![(1, GridErrorKind::NoItems)]);
    }

    #[test]
    fn a_tier_bound_out_of_range() {
        // Tier 8 is left out, so `non_affiliee = 8` names no tier either.
        let text = altered("population_min = 10000", "population_min = -1");
        assert_eq!(
            kinds(&text),
            vec![
                (
                    line_of(&text, "non_affiliee = 8"),
                    GridErrorKind::NonAffilieeUnknown { numero: 8 }
                ),
                (
                    line_of(&text, "numero = 8") - 1,
                    GridErrorKind::TrancheBoundOutOfRange { numero: 8 }
                ),
            ]
        );
        // Items still count 8 tiers: no price list is reported with it.
        let text = altered("agents_min = 10\n", "agents_min = 5000000000\n").replacen(
            "non_affiliee = 8",
            "non_affiliee = 7",
            1,
        );
        assert_eq!(
            kinds(&text),
            vec![(
                line_of(&text, "numero = 4") - 1,
                GridErrorKind::TrancheBoundOutOfRange { numero: 4 }
            )]
        );
    }

    #[test]
    fn a_price_over_a_billion_is_refused() {
        let text = altered("prix = \"80,00\"", "prix = \"1 000 000 000,01\"");
        assert_eq!(
            kinds(&text),
            vec![(
                line_of(&text, "1 000 000 000,01"),
                GridErrorKind::PriceTooLarge {
                    code: "certificat".into()
                }
            )]
        );
        assert!(Grid::parse(&altered("prix = \"80,00\"", "prix = \"1 000 000 000\"")).is_ok());
    }

    #[test]
    fn an_unknown_prorata() {
        let text = altered("prorata = \"mois\"", "prorata = \"semaine\"");
        assert_eq!(
            kinds(&text),
            vec![(
                line_of(&text, "prorata = \"semaine\""),
                GridErrorKind::UnknownProrata {
                    value: "semaine".into()
                }
            )]
        );
    }

    #[test]
    fn tier_prices_and_meme_prix_que_conflict() {
        let text = altered(
            "meme_prix_que = \"forfait_metiers\"",
            "meme_prix_que = \"forfait_metiers\"\nprix_tranches = [\"1\", \"2\", \"3\", \"4\", \"5\", \"6\", \"7\", \"8\"]",
        );
        assert_eq!(
            kinds(&text),
            vec![(
                line_of(&text, "prix_tranches = [\"1\""),
                GridErrorKind::ConflictingPrice {
                    code: "forfait_metiers_communication".into()
                }
            )]
        );
    }

    #[test]
    fn a_price_field_that_does_not_match_the_tarif() {
        let unexpected = |code: &str| GridErrorKind::UnexpectedPrice { code: code.into() };
        // A unit price on a per-tier item.
        let text = altered(
            "code = \"forfait_heberge\"",
            "code = \"forfait_heberge\"\nprix = \"1,00\"",
        );
        assert_eq!(
            kinds(&text),
            vec![(
                line_of(&text, "prix = \"1,00\""),
                unexpected("forfait_heberge")
            )]
        );
        // A price on a quote.
        let text = altered(
            "\ntarif = \"devis\"",
            "\ntarif = \"devis\"\nprix = \"2,00\"",
        );
        assert_eq!(
            kinds(&text),
            vec![(line_of(&text, "prix = \"2,00\""), unexpected("antispam"))]
        );
        // A per-tier field on a unit-priced item.
        let text = altered(
            "prix = \"80,00\"",
            "prix = \"80,00\"\nmeme_prix_que = \"forfait_heberge\"",
        );
        assert_eq!(
            kinds(&text),
            vec![(
                line_of(&text, "meme_prix_que = \"forfait_heberge\""),
                unexpected("certificat")
            )]
        );
    }

    #[test]
    fn meme_prix_que_must_name_an_item_with_its_own_tier_prices() {
        let not_per_tier = |code: &str, reference: &str| GridErrorKind::SamePriceNotPerTranche {
            code: code.into(),
            reference: reference.into(),
        };
        let text = altered(
            "meme_prix_que = \"forfait_metiers\"",
            "meme_prix_que = \"certificat\"",
        );
        assert_eq!(
            kinds(&text),
            vec![(
                line_of(&text, "meme_prix_que = \"certificat\""),
                not_per_tier("forfait_metiers_communication", "certificat")
            )]
        );
        // No chains: the item named must not borrow its prices either.
        let text = altered(
            "meme_prix_que = \"forfait_technologie\"",
            "meme_prix_que = \"forfait_metiers_communication\"",
        );
        assert_eq!(
            kinds(&text),
            vec![(
                line_of(&text, "meme_prix_que = \"forfait_metiers_communication\""),
                not_per_tier("forfait_technologie_plus", "forfait_metiers_communication")
            )]
        );
    }

    #[test]
    fn an_item_cannot_name_itself() {
        let text = altered(
            "exclut = [\"forfait_metiers_communication\"]",
            "exclut = [\"forfait_metiers\"]",
        );
        assert_eq!(
            kinds(&text),
            vec![(
                line_of(&text, "exclut = [\"forfait_metiers\"]"),
                GridErrorKind::SelfReference {
                    code: "forfait_metiers".into()
                }
            )]
        );
        let text = altered(
            "meme_prix_que = \"forfait_technologie\"",
            "meme_prix_que = \"forfait_technologie_plus\"",
        );
        assert_eq!(
            kinds(&text),
            vec![(
                line_of(&text, "meme_prix_que = \"forfait_technologie_plus\""),
                GridErrorKind::SelfReference {
                    code: "forfait_technologie_plus".into()
                }
            )]
        );
    }

    #[test]
    fn vat_rates_are_percentages_in_quotes() {
        let bad = |value: &str| GridErrorKind::BadVatRate {
            value: value.into(),
        };
        let text = altered("taux_tva = \"0\"", "taux_tva = \"120\"");
        assert_eq!(
            kinds(&text),
            vec![(line_of(&text, "taux_tva = \"120\""), bad("120"))]
        );
        let text = altered("taux_tva = \"0\"", "taux_tva = 5.5");
        assert_eq!(
            kinds(&text),
            vec![(line_of(&text, "taux_tva = 5.5"), bad("5.5"))]
        );
        // An item's own rate too.
        let text = altered("prix = \"80,00\"", "prix = \"80,00\"\ntaux_tva = \"-1\"");
        assert_eq!(
            kinds(&text),
            vec![(line_of(&text, "taux_tva = \"-1\""), bad("-1"))]
        );
    }

    #[test]
    fn pes_product_codes_and_natures_are_checked_where_they_are() {
        let g = Grid::parse(GRID).unwrap();
        let item = g.item(g.find("forfait_metiers").unwrap());
        assert_eq!(item.code_produit.as_deref(), Some("AN01"));
        assert_eq!(item.ligne, line_of(GRID, "code = \"forfait_metiers\""));
        assert_eq!(g.pes.nature.as_deref(), Some("588"));
        let text = GRID
            .replacen("code_produit = \"AN02\"", "code_produit = \"ANX02\"", 1)
            .replacen("code_produit = \"AN03\"", "code_produit = \"000\"", 1)
            .replacen("nature = \"588\"", "nature = \"58a\"", 1);
        let found = kinds(&text);
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(matches!(&found[0].1, GridErrorKind::BadNature { value } if value == "58a"));
        assert_eq!(found[1].0, line_of(&text, "code_produit = \"ANX02\""));
        assert!(
            matches!(&found[1].1, GridErrorKind::BadCodeProduit { code, .. } if code == "forfait_metiers_communication")
        );
        assert_eq!(found[2].0, line_of(&text, "code_produit = \"000\""));
        let long = GRID.replacen(
            "objet = \"Cotisations 2027 - Convention Accompagnement numérique\"",
            &format!("objet = \"{}\"", "x".repeat(161)),
            1,
        );
        assert!(matches!(
            kinds(&long)[0].1,
            GridErrorKind::BadObjetPes { length: 161 }
        ));
    }
}
