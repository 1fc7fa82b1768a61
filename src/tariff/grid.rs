//! The validated grid: tiers in order, items with their prices and rules.
//!
//! `Grid::parse` collects every problem of the file (with line and column)
//! instead of stopping at the first, so one edit fixes them all.

use std::collections::HashMap;
use std::fmt;

use rust_decimal::Decimal;
use toml::Spanned;

use super::raw::{RawArticle, RawGrid};
use super::{key_offset, line_col, toml_message_fr};
use crate::format_fr::{NumberError, parse_nombre};
use crate::money::Montant;

/// The years a grid may bill.
pub const EXERCICES: std::ops::RangeInclusive<i32> = 2000..=2100;

/// Roster identity columns: an item may not take one of these codes.
pub const RESERVED_CODES: &[&str] = &[
    "id",
    "nom",
    "type",
    "population",
    "agents",
    "affiliee",
    "siret",
    "adresse",
    "code_postal",
    "ville",
    "email",
    "code_service",
    "engagement",
    "date_adhesion",
];

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
    PerTier(Vec<Montant>),
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
    NoTiers,
    TierNumbering {
        expected: usize,
        found: i64,
    },
    TierBoundOutOfRange {
        numero: i64,
    },
    FirstTierNotZero,
    TierBoundsNotIncreasing {
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
    TierPriceCount {
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
    SamePriceNotPerTier {
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
}

impl fmt::Display for GridErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use GridErrorKind as K;
        match self {
            K::Syntax(m) => write!(f, "{m}"),
            K::NoTiers => write!(
                f,
                "aucune tranche définie : ajoutez des blocs [[tranches.liste]]"
            ),
            K::TierNumbering { expected, found } => write!(
                f,
                "tranche numérotée {found} alors que {expected} était attendu : numérotez les tranches 1, 2, 3… dans l'ordre"
            ),
            K::TierBoundOutOfRange { numero } => write!(
                f,
                "tranche {numero} : seuil négatif ou trop grand ; indiquez un nombre entre 0 et 4 000 000 000"
            ),
            K::FirstTierNotZero => write!(
                f,
                "la tranche 1 doit commencer à 0 habitant et 0 agent (population_min = 0, agents_min = 0)"
            ),
            K::TierBoundsNotIncreasing { numero } => write!(
                f,
                "tranche {numero} : ses seuils doivent être strictement supérieurs à ceux de la tranche précédente (tranches qui se chevauchent)"
            ),
            K::NonAffilieeUnknown { numero } => write!(
                f,
                "tranches.non_affiliee = {numero} ne désigne aucune tranche définie"
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
            K::TierPriceCount {
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
            K::SamePriceNotPerTier { code, reference } => write!(
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

fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
}

impl Grid {
    /// Parses and validates the grid text.
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
        let mut c = Collector::new(text);
        let exercice = match i32::try_from(*raw.convention.exercice.get_ref()) {
            Ok(year) if EXERCICES.contains(&year) => year,
            _ => {
                c.push(
                    raw.convention.exercice.span(),
                    GridErrorKind::BadExercice {
                        value: *raw.convention.exercice.get_ref(),
                    },
                );
                0
            }
        };

        // Tiers.
        let mut tranches = Vec::with_capacity(raw.tranches.liste.len());
        if raw.tranches.liste.is_empty() {
            c.push(0..0, GridErrorKind::NoTiers);
        }
        for (i, spanned) in raw.tranches.liste.iter().enumerate() {
            let span = spanned.span();
            let t = spanned.get_ref();
            if t.numero != i64::try_from(i + 1).unwrap_or(i64::MAX) {
                c.push(
                    span.clone(),
                    GridErrorKind::TierNumbering {
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
                    GridErrorKind::TierBoundOutOfRange { numero: t.numero },
                );
                continue;
            };
            if i == 0 && (pop != 0 || agents != 0) {
                c.push(span.clone(), GridErrorKind::FirstTierNotZero);
            }
            if let Some(prev) = tranches.last() {
                let prev: &Tranche = prev;
                if pop <= prev.population_min || agents <= prev.agents_min {
                    c.push(
                        span.clone(),
                        GridErrorKind::TierBoundsNotIncreasing { numero: t.numero },
                    );
                }
            }
            tranches.push(Tranche {
                numero,
                population_min: pop,
                agents_min: agents,
                libelle: t.libelle.clone(),
            });
        }
        let non_affiliee_raw = *raw.tranches.non_affiliee.get_ref();
        let non_affiliee = match u8::try_from(non_affiliee_raw) {
            Ok(n) if n >= 1 && usize::from(n) <= tranches.len() => n,
            _ => {
                c.push(
                    raw.tranches.non_affiliee.span(),
                    GridErrorKind::NonAffilieeUnknown {
                        numero: non_affiliee_raw,
                    },
                );
                1
            }
        };
        let tier_count = raw.tranches.liste.len();

        // The legal recovery threshold (CGCT, article D1611-1): 15 € unless set.
        let seuil_recouvrement = raw
            .convention
            .seuil_recouvrement
            .as_ref()
            .and_then(|v| parse_price(&mut c, "seuil_recouvrement", v))
            .unwrap_or_else(|| Montant::round_cent(Decimal::from(15)));
        let prorata = match raw
            .convention
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
            .convention
            .taux_tva
            .as_ref()
            .and_then(|v| parse_rate(&mut c, v))
            .unwrap_or(Decimal::ZERO);

        // Codes first, so references can point forward.
        let mut by_code = HashMap::new();
        for (i, a) in raw.articles.iter().enumerate() {
            let code = a.get_ref().code.get_ref();
            let span = a.get_ref().code.span();
            if !valid_code(code) {
                c.push(span, GridErrorKind::BadCode { code: code.clone() });
            } else if RESERVED_CODES.contains(&code.as_str()) {
                c.push(span, GridErrorKind::ReservedCode { code: code.clone() });
            } else if by_code.insert(code.clone(), i).is_some() {
                c.push(span, GridErrorKind::DuplicateCode { code: code.clone() });
            }
        }
        if raw.articles.is_empty() {
            c.push(0..0, GridErrorKind::NoItems);
        }

        let mut items = Vec::with_capacity(raw.articles.len());
        for a in &raw.articles {
            let a: &RawArticle = a.get_ref();
            let code = a.code.get_ref().clone();
            let quantity = match a.quantite.get_ref().as_str() {
                "oui_non" => QuantityKind::YesNo,
                "entier" => QuantityKind::Whole,
                "decimal" => QuantityKind::Decimal,
                other => {
                    c.push(
                        a.quantite.span(),
                        GridErrorKind::UnknownQuantite {
                            code: code.clone(),
                            value: other.to_string(),
                        },
                    );
                    QuantityKind::Decimal
                }
            };
            let pricing = Self::item_pricing(&mut c, a, &code, tier_count);
            let resolve = |c: &mut Collector<'_>, list: &[Spanned<String>]| -> Vec<usize> {
                let mut out = Vec::new();
                for r in list {
                    if r.get_ref() == &code {
                        c.push(
                            r.span(),
                            GridErrorKind::SelfReference { code: code.clone() },
                        );
                    } else if let Some(&idx) = by_code.get(r.get_ref()) {
                        out.push(idx);
                    } else {
                        c.push(
                            r.span(),
                            GridErrorKind::UnknownReference {
                                code: code.clone(),
                                reference: r.get_ref().clone(),
                            },
                        );
                    }
                }
                out
            };
            let exclut = resolve(&mut c, &a.exclut);
            let requiert_un_de = resolve(&mut c, &a.requiert_un_de);
            let taux_tva = a
                .taux_tva
                .as_ref()
                .and_then(|v| parse_rate(&mut c, v))
                .unwrap_or(default_rate);
            items.push(Item {
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
            });
        }

        // Resolve « meme_prix_que » now that every item has its own prices.
        for (i, a) in raw.articles.iter().enumerate() {
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
                    let source = &raw.articles[j].get_ref();
                    if let (Pricing::PerTier(p), None) = (&items[j].pricing, &source.meme_prix_que)
                        && !p.is_empty()
                    {
                        items[i].pricing = Pricing::PerTier(p.clone());
                        continue;
                    }
                    c.push(
                        reference.span(),
                        GridErrorKind::SamePriceNotPerTier {
                            code,
                            reference: reference.get_ref().clone(),
                        },
                    );
                }
            }
        }
        // Every label is printed on the appels: the fonts must draw it.
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
                let at = key_offset(text, key);
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

        // Exclusions are symmetric: declaring one side is enough.
        for i in 0..items.len() {
            for j in items[i].exclut.clone() {
                if !items[j].exclut.contains(&i) {
                    items[j].exclut.push(i);
                }
            }
        }

        if c.errors.is_empty() {
            Ok(Grid {
                titre: raw.convention.titre,
                exercice,
                annexe: raw.convention.annexe,
                mention_tva: raw.convention.mention_tva.filter(|m| !m.trim().is_empty()),
                seuil_recouvrement,
                prorata,
                engagement_obligatoire: normalize_ids(&raw.chorus.engagement_obligatoire),
                code_service_obligatoire: normalize_ids(&raw.chorus.code_service_obligatoire),
                tranches,
                non_affiliee,
                items,
                by_code,
            })
        } else {
            c.errors.sort_by_key(|e| (e.line, e.column));
            Err(c.errors)
        }
    }

    fn item_pricing(
        c: &mut Collector<'_>,
        a: &RawArticle,
        code: &str,
        tier_count: usize,
    ) -> Pricing {
        match a.tarif.get_ref().as_str() {
            "tranche" => {
                if let Some(p) = &a.prix {
                    c.push(
                        p.span(),
                        GridErrorKind::UnexpectedPrice { code: code.into() },
                    );
                }
                match (&a.prix_tranches, &a.meme_prix_que) {
                    (Some(list), None) => {
                        if list.get_ref().len() != tier_count {
                            c.push(
                                list.span(),
                                GridErrorKind::TierPriceCount {
                                    code: code.into(),
                                    expected: tier_count,
                                    found: list.get_ref().len(),
                                },
                            );
                        }
                        let prices: Vec<Option<Montant>> = list
                            .get_ref()
                            .iter()
                            .map(|v| parse_price(c, code, v))
                            .collect();
                        if prices.len() == tier_count && prices.iter().all(Option::is_some) {
                            Pricing::PerTier(prices.into_iter().flatten().collect())
                        } else {
                            Pricing::PerTier(Vec::new())
                        }
                    }
                    (Some(list), Some(_)) => {
                        c.push(
                            list.span(),
                            GridErrorKind::ConflictingPrice { code: code.into() },
                        );
                        Pricing::PerTier(Vec::new())
                    }
                    // Filled in once every item is known.
                    (None, Some(_)) => Pricing::PerTier(Vec::new()),
                    (None, None) => {
                        c.push(
                            a.code.span(),
                            GridErrorKind::MissingPrice { code: code.into() },
                        );
                        Pricing::PerTier(Vec::new())
                    }
                }
            }
            "unitaire" | "devis" => {
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
                match &a.prix {
                    Some(p) => Pricing::Unit(parse_price(c, code, p).unwrap_or(Montant::ZERO)),
                    None => {
                        c.push(
                            a.code.span(),
                            GridErrorKind::MissingPrice { code: code.into() },
                        );
                        Pricing::Unit(Montant::ZERO)
                    }
                }
            }
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
            GridErrorKind::TierPriceCount {
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
                GridErrorKind::TierBoundsNotIncreasing { numero: 4 }
            )]
        );
    }

    #[test]
    fn tiers_must_be_numbered_in_order_and_start_at_zero() {
        let text = GRID.replace("numero = 3", "numero = 5");
        assert!(kinds(&text).iter().any(|(_, k)| *k
            == GridErrorKind::TierNumbering {
                expected: 3,
                found: 5
            }));
        let text = GRID.replacen("population_min = 0", "population_min = 1", 1);
        assert!(
            kinds(&text)
                .iter()
                .any(|(_, k)| *k == GridErrorKind::FirstTierNotZero)
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
}
