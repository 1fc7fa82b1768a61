//! The issuer: the Centre's identity, payment details and legal mentions,
//! read once from a TOML file the Centre fills in (`emetteur.toml`).
//!
//! Two stages, like the grid: `RawEmetteur` mirrors the TOML with each
//! checked value's position, `Emetteur::parse` validates it and collects
//! every problem (a SIRET that fails its key, an IBAN that fails mod 97,
//! a required field left empty…), each with its line and column. A wrong
//! IBAN printed on every appel would send every member's payment astray.
//!
//! Parses from `&str` only; the caller reads the file.

use std::fmt;

use serde::Deserialize;
use toml::Spanned;

use crate::ident::{self, IbanProblem, SiretProblem};

/// The Centre that issues the appels, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emetteur {
    pub nom: String,
    pub service: String,
    pub adresse: Vec<String>,
    pub code_postal: String,
    pub ville: String,
    /// As typed (spaces kept for print), its key checked.
    pub siret: String,
    pub telephone: String,
    pub email: String,
    pub site: String,
    pub lieu: String,
    pub signataire: String,
    pub delai_paiement_jours: u32,
    pub paiement: Paiement,
    pub mentions: Vec<String>,
    /// Footer mentions of a credit note; the appel's `mentions` when absent.
    pub mentions_avoir: Option<Vec<String>>,
    /// What identifies the Centre's budget in Hélios (`[pes]`), for the
    /// PES V2 flows; `None` when the section is absent.
    pub pes: Option<PesEmetteur>,
    /// The SMTP relay of `cotisations envoi` (`[smtp]`), if given.
    pub smtp: Option<crate::relay::Relay>,
}

/// The Centre's budget in Hélios, as its comptable gives it: the PES V2
/// header (`EnTetePES`) and the first rôle number of the exercice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PesEmetteur {
    /// `IdPost`: the codique of the comptable's poste.
    pub poste_comptable: String,
    pub libelle_poste: Option<String>,
    /// `CodCol`: three digits.
    pub code_collectivite: String,
    /// `CodBud`: a digit or capital letter, then a digit.
    pub code_budget: String,
    pub libelle_budget: Option<String>,
    /// The first `IdBord` of an exercice with no flow yet.
    pub premier_bordereau: u32,
}

/// Where and how members pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paiement {
    pub comptable: String,
    pub titulaire: String,
    /// Upper case, in groups of four, its key checked.
    pub iban: String,
    /// Upper case, no spaces; empty when not given.
    pub bic: String,
    pub modalites: String,
}

/// Longest payment delay accepted, in days: beyond three months an
/// échéance is a typing error, not a policy.
pub const MAX_DELAI_JOURS: i64 = 90;

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEmetteur {
    nom: Spanned<String>,
    #[serde(default)]
    service: String,
    #[serde(default)]
    adresse: Option<Spanned<Vec<String>>>,
    code_postal: Spanned<String>,
    ville: Spanned<String>,
    siret: Spanned<String>,
    #[serde(default)]
    telephone: String,
    #[serde(default)]
    email: Option<Spanned<String>>,
    #[serde(default)]
    site: String,
    #[serde(default)]
    lieu: String,
    #[serde(default)]
    signataire: String,
    delai_paiement_jours: Spanned<i64>,
    paiement: RawPaiement,
    #[serde(default)]
    mentions: Vec<String>,
    #[serde(default)]
    mentions_avoir: Option<Vec<String>>,
    #[serde(default)]
    pes: Option<RawPes>,
    #[serde(default)]
    smtp: Option<crate::relay::RawRelay>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPes {
    poste_comptable: Spanned<String>,
    #[serde(default)]
    libelle_poste: Option<Spanned<String>>,
    code_collectivite: Spanned<String>,
    code_budget: Spanned<String>,
    #[serde(default)]
    libelle_budget: Option<Spanned<String>>,
    #[serde(default)]
    premier_bordereau: Option<Spanned<i64>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPaiement {
    #[serde(default)]
    comptable: String,
    #[serde(default)]
    titulaire: String,
    iban: Spanned<String>,
    #[serde(default)]
    bic: Option<Spanned<String>>,
    #[serde(default)]
    modalites: String,
}

/// One problem in the issuer file, with where it is.
pub type EmetteurError = crate::tariff::Positioned<EmetteurErrorKind>;

/// What is wrong in the issuer file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmetteurErrorKind {
    /// TOML syntax or a missing or unknown field (already French).
    Syntax(String),
    /// A required field left empty.
    Empty {
        field: &'static str,
    },
    BadSiret {
        value: String,
        reason: SiretProblem,
    },
    BadIban {
        value: String,
        reason: IbanProblem,
    },
    BadBic {
        value: String,
    },
    /// The BIC's country is not the IBAN's.
    BicCountry {
        bic: String,
        iban: String,
    },
    BadCodePostal {
        value: String,
    },
    BadEmail {
        value: String,
    },
    BadDelai {
        value: i64,
    },
    /// `[pes] poste_comptable` is not a codique of a poste.
    BadPoste {
        value: String,
    },
    BadCodeCollectivite {
        value: String,
    },
    BadCodeBudget {
        value: String,
    },
    /// A `[pes]` label empty, longer than 38 characters, or only zeros.
    BadLibellePes {
        field: &'static str,
        value: String,
    },
    BadPremierBordereau {
        value: i64,
    },
    /// A character the documents cannot print, in field `field`.
    Unprintable {
        field: &'static str,
        ch: char,
    },
    /// The `[smtp]` section (`cotisations envoi`).
    Smtp(crate::relay::RelayProblem),
}

impl fmt::Display for EmetteurErrorKind {
    #[allow(
        clippy::too_many_lines,
        reason = "one arm per kind: the French messages side by side, as a table"
    )]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use EmetteurErrorKind as K;
        match self {
            K::Syntax(m) => write!(f, "{m}"),
            K::Empty { field } => write!(
                f,
                "« {field} » est vide : il figure sur chaque appel, renseignez-le"
            ),
            K::BadSiret { value, reason } => write!(
                f,
                "SIRET du Centre « {value} » invalide : {reason} ; recopiez-le depuis l'annuaire des entreprises (SIRENE)"
            ),
            K::BadIban { value, reason } => {
                let why = match reason {
                    IbanProblem::Format => {
                        "il doit commencer par deux lettres (pays) et deux chiffres, suivis de lettres et de chiffres".to_string()
                    }
                    IbanProblem::Checksum => {
                        "sa clé de contrôle (les deux chiffres après le pays) ne correspond pas au reste : faute de frappe ?".to_string()
                    }
                    IbanProblem::UnknownCountry => "le code pays n'existe pas".to_string(),
                    IbanProblem::CountryFormat { expected: Some(n) } => {
                        format!("un IBAN de ce pays compte {n} caractères")
                    }
                    IbanProblem::CountryFormat { expected: None } => {
                        "il ne suit pas le format des IBAN de ce pays".to_string()
                    }
                    IbanProblem::RibKey => {
                        "la clé RIB (les deux derniers chiffres) ne correspond pas au compte : faute de frappe ?".to_string()
                    }
                };
                write!(
                    f,
                    "IBAN « {value} » invalide : {why} ; recopiez-le depuis le relevé d'identité bancaire du comptable"
                )
            }
            K::BadBic { value } => write!(
                f,
                "BIC « {value} » invalide : il compte 8 ou 11 caractères (4 lettres de banque, 2 lettres de pays, puis lettres ou chiffres), par exemple BDFEFRPPCCT"
            ),
            K::BicCountry { bic, iban } => write!(
                f,
                "le BIC « {bic} » est celui d'un autre pays que l'IBAN « {iban} » : vérifiez les deux sur le relevé d'identité bancaire"
            ),
            K::BadCodePostal { value } => write!(
                f,
                "code postal « {value} » invalide : 5 chiffres, par exemple 14201"
            ),
            K::BadEmail { value } => write!(
                f,
                "adresse électronique « {value} » invalide : écrivez-la nom@domaine.fr"
            ),
            K::Unprintable { field, ch } => write!(
                f,
                "« {field} » contient le caractère « {ch} » (U+{:04X}), qui ne peut pas être imprimé sur les appels : remplacez-le",
                u32::from(*ch)
            ),
            K::BadPoste { value } => write!(
                f,
                "poste comptable « {value} » invalide : le codique du poste compte 6 ou 7 chiffres (ou 02A/02B suivi de 3 ou 4 chiffres en Corse), demandez-le à votre comptable"
            ),
            K::BadCodeCollectivite { value } => write!(
                f,
                "code collectivité « {value} » invalide : 3 chiffres, autre que 000 (le CodCol que le comptable donne)"
            ),
            K::BadCodeBudget { value } => write!(
                f,
                "code budget « {value} » invalide : 2 caractères, un chiffre ou une majuscule puis un chiffre (le CodBud que le comptable donne, par exemple 00)"
            ),
            K::BadLibellePes { field, value } => write!(
                f,
                "« {field} » = « {value} » invalide : de 1 à 38 caractères, pas seulement des zéros (limite du flux PES)"
            ),
            K::BadPremierBordereau { value } => write!(
                f,
                "premier_bordereau = {value} invalide : un numéro de rôle de 1 à 9 999 999"
            ),
            K::Smtp(problem) => write!(f, "{problem}"),
            K::BadDelai { value } => write!(
                f,
                "délai de paiement de {value} jours invraisemblable : indiquez un nombre de jours entre 0 (à réception) et {MAX_DELAI_JOURS}"
            ),
        }
    }
}

type Collector<'t> = crate::tariff::Collector<'t, EmetteurErrorKind>;

/// A required text: trimmed, an error if empty.
fn required(c: &mut Collector<'_>, value: &Spanned<String>, field: &'static str) -> String {
    let text = value.get_ref().trim().to_string();
    if text.is_empty() {
        c.push(value.span(), EmetteurErrorKind::Empty { field });
    }
    text
}

/// The address lines, trimmed, empty ones dropped; at least one.
fn adresse(c: &mut Collector<'_>, raw: &RawEmetteur) -> Vec<String> {
    let adresse: Vec<String> = raw
        .adresse
        .as_ref()
        .map(|a| {
            a.get_ref()
                .iter()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if adresse.is_empty() {
        let span = raw.adresse.as_ref().map_or(raw.nom.span(), Spanned::span);
        c.push(span, EmetteurErrorKind::Empty { field: "adresse" });
    }
    adresse
}

/// The postcode: five digits.
fn code_postal(c: &mut Collector<'_>, value: &Spanned<String>) -> String {
    let code_postal = required(c, value, "code_postal");
    let five_digits = code_postal.len() == 5 && code_postal.chars().all(|ch| ch.is_ascii_digit());
    if !code_postal.is_empty() && !five_digits {
        c.push(
            value.span(),
            EmetteurErrorKind::BadCodePostal {
                value: code_postal.clone(),
            },
        );
    }
    code_postal
}

/// The Centre's SIRET, its key checked, kept as typed.
fn siret(c: &mut Collector<'_>, value: &Spanned<String>) -> String {
    let siret = required(c, value, "siret");
    if !siret.is_empty()
        && let Err(reason) = ident::parse_siret(&siret)
    {
        c.push(
            value.span(),
            EmetteurErrorKind::BadSiret {
                value: siret.clone(),
                reason,
            },
        );
    }
    siret
}

/// The Centre's e-mail address, optional.
fn email(c: &mut Collector<'_>, value: Option<&Spanned<String>>) -> String {
    match value {
        Some(e) => {
            let value = e.get_ref().trim().to_string();
            if !value.is_empty() && !ident::email_ok(&value) {
                c.push(
                    e.span(),
                    EmetteurErrorKind::BadEmail {
                        value: value.clone(),
                    },
                );
            }
            value
        }
        None => String::new(),
    }
}

/// The payment delay in days, 0 to `MAX_DELAI_JOURS`.
fn delai(c: &mut Collector<'_>, value: &Spanned<i64>) -> u32 {
    let delai = *value.get_ref();
    match u32::try_from(delai) {
        Ok(d) if i64::from(d) <= MAX_DELAI_JOURS => d,
        _ => {
            c.push(value.span(), EmetteurErrorKind::BadDelai { value: delai });
            0
        }
    }
}

/// The IBAN, its key checked, without spaces.
fn iban(c: &mut Collector<'_>, value: &Spanned<String>) -> String {
    let typed_iban = required(c, value, "paiement.iban");
    if typed_iban.is_empty() {
        String::new()
    } else {
        ident::parse_iban(&typed_iban).unwrap_or_else(|reason| {
            c.push(
                value.span(),
                EmetteurErrorKind::BadIban {
                    value: typed_iban.clone(),
                    reason,
                },
            );
            String::new()
        })
    }
}

/// The BIC, optional, of the IBAN's country.
fn bic(c: &mut Collector<'_>, value: Option<&Spanned<String>>, iban: &str) -> String {
    match value {
        Some(b) if !b.get_ref().trim().is_empty() => {
            if let Ok(bic) = ident::parse_bic(b.get_ref()) {
                if !iban.is_empty() && bic.get(4..6) != iban.get(..2) {
                    c.push(
                        b.span(),
                        EmetteurErrorKind::BicCountry {
                            bic: bic.clone(),
                            iban: iban.to_string(),
                        },
                    );
                }
                bic
            } else {
                c.push(
                    b.span(),
                    EmetteurErrorKind::BadBic {
                        value: b.get_ref().trim().to_string(),
                    },
                );
                String::new()
            }
        }
        _ => String::new(),
    }
}

/// Every field is printed on the appels: the fonts must draw it.
/// `checked` are the fields already trimmed and validated.
fn check_printable(
    c: &mut Collector<'_>,
    text: &str,
    raw: &RawEmetteur,
    adresse: &[String],
    checked: [(&'static str, &str); 4],
) {
    let lists = [
        ("adresse", adresse.to_vec()),
        ("mentions", raw.mentions.clone()),
        (
            "mentions_avoir",
            raw.mentions_avoir.clone().unwrap_or_default(),
        ),
    ];
    let texts = [
        ("service", raw.service.as_str()),
        ("telephone", raw.telephone.as_str()),
        ("site", raw.site.as_str()),
        ("lieu", raw.lieu.as_str()),
        ("signataire", raw.signataire.as_str()),
        ("comptable", raw.paiement.comptable.as_str()),
        ("titulaire", raw.paiement.titulaire.as_str()),
        ("modalites", raw.paiement.modalites.as_str()),
    ];
    // In no particular order: the caller sorts the errors by position.
    let unprintable =
        checked
            .iter()
            .chain(&texts)
            .map(|(field, value)| (*field, (*value).to_string()))
            .chain(lists.iter().flat_map(|(field, values)| {
                values.iter().map(move |value| (*field, value.clone()))
            }));
    for (field, value) in unprintable {
        if let Some(ch) = crate::charset::first_unprintable(&value, false) {
            let at = crate::tariff::key_offset(text, field);
            c.push(at..at, EmetteurErrorKind::Unprintable { field, ch });
        }
    }
}

impl Emetteur {
    /// Parses and validates the file's text.
    ///
    /// # Errors
    /// Every problem found, in file order.
    pub fn parse(text: &str) -> Result<Emetteur, Vec<EmetteurError>> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let raw: RawEmetteur = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map_or((1, 1), |s| crate::tariff::line_col(text, s.start));
            vec![EmetteurError {
                line,
                column,
                kind: EmetteurErrorKind::Syntax(crate::tariff::toml_message_fr(e.message())),
            }]
        })?;
        let mut c = Collector::new(text);
        let nom = required(&mut c, &raw.nom, "nom");
        let adresse = adresse(&mut c, &raw);
        let code_postal = code_postal(&mut c, &raw.code_postal);
        let ville = required(&mut c, &raw.ville, "ville");
        let siret = siret(&mut c, &raw.siret);
        let email = email(&mut c, raw.email.as_ref());
        let delai_paiement_jours = delai(&mut c, &raw.delai_paiement_jours);
        let iban = iban(&mut c, &raw.paiement.iban);
        let bic = bic(&mut c, raw.paiement.bic.as_ref(), &iban);
        let pes = raw.pes.as_ref().map(|p| pes(&mut c, p));
        check_printable(
            &mut c,
            text,
            &raw,
            &adresse,
            [
                ("nom", nom.as_str()),
                ("code_postal", code_postal.as_str()),
                ("ville", ville.as_str()),
                ("email", email.as_str()),
            ],
        );
        let smtp = raw.smtp.as_ref().map(|r| {
            let mut relay = crate::tariff::Collector::new(text);
            let smtp = crate::relay::validate(&mut relay, r);
            c.errors
                .extend(relay.errors.into_iter().map(|e| EmetteurError {
                    line: e.line,
                    column: e.column,
                    kind: EmetteurErrorKind::Smtp(e.kind),
                }));
            smtp
        });
        if !c.errors.is_empty() {
            c.errors.sort_by_key(|e| (e.line, e.column));
            return Err(c.errors);
        }
        Ok(Emetteur {
            nom,
            service: raw.service.trim().to_string(),
            adresse,
            code_postal,
            ville,
            siret,
            telephone: raw.telephone.trim().to_string(),
            email,
            site: raw.site.trim().to_string(),
            lieu: raw.lieu.trim().to_string(),
            signataire: raw.signataire.trim().to_string(),
            delai_paiement_jours,
            paiement: Paiement {
                comptable: raw.paiement.comptable.trim().to_string(),
                titulaire: raw.paiement.titulaire.trim().to_string(),
                iban,
                bic,
                modalites: raw.paiement.modalites.trim().to_string(),
            },
            mentions: raw.mentions,
            mentions_avoir: raw.mentions_avoir,
            pes,
            smtp,
        })
    }
}

/// The `[pes]` section, every field checked against the PES V2 types
/// (`EnTetePES`: `IdPost`, `CodCol`, `CodBud`, the 38-character labels).
fn pes(c: &mut Collector<'_>, raw: &RawPes) -> PesEmetteur {
    use EmetteurErrorKind as K;
    let poste = raw.poste_comptable.get_ref().trim().to_string();
    if !crate::ident::poste_comptable_ok(&poste) {
        c.push(
            raw.poste_comptable.span(),
            K::BadPoste {
                value: poste.clone(),
            },
        );
    }
    let col = raw.code_collectivite.get_ref().trim().to_string();
    if !(col.len() == 3 && col.bytes().all(|b| b.is_ascii_digit()) && col != "000") {
        c.push(
            raw.code_collectivite.span(),
            K::BadCodeCollectivite { value: col.clone() },
        );
    }
    let bud = raw.code_budget.get_ref().trim().to_string();
    let b = bud.as_bytes();
    if !(b.len() == 2
        && (b[0].is_ascii_digit() || b[0].is_ascii_uppercase())
        && b[1].is_ascii_digit())
    {
        c.push(
            raw.code_budget.span(),
            K::BadCodeBudget { value: bud.clone() },
        );
    }
    let mut libelle = |value: Option<&Spanned<String>>, field: &'static str| {
        let v = value?;
        let text = v.get_ref().trim().to_string();
        let n = text.chars().count();
        if n == 0 || n > 38 || text.chars().all(|ch| ch == '0') {
            c.push(
                v.span(),
                K::BadLibellePes {
                    field,
                    value: text.clone(),
                },
            );
        }
        Some(text)
    };
    let libelle_poste = libelle(raw.libelle_poste.as_ref(), "libelle_poste");
    let libelle_budget = libelle(raw.libelle_budget.as_ref(), "libelle_budget");
    let premier_bordereau = match &raw.premier_bordereau {
        None => 1,
        Some(v) => match u32::try_from(*v.get_ref()) {
            Ok(n) if (1..=9_999_999).contains(&n) => n,
            _ => {
                c.push(
                    v.span(),
                    K::BadPremierBordereau {
                        value: *v.get_ref(),
                    },
                );
                1
            }
        },
    };
    PesEmetteur {
        poste_comptable: poste,
        libelle_poste,
        code_collectivite: col,
        code_budget: bud,
        libelle_budget,
        premier_bordereau,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../input-samples/emetteur.toml");

    fn kinds(text: &str) -> Vec<(usize, EmetteurErrorKind)> {
        Emetteur::parse(text)
            .expect_err("should be refused")
            .into_iter()
            .map(|e| (e.line, e.kind))
            .collect()
    }

    /// The sample with its only `from` replaced by `to`.
    fn altered(from: &str, to: &str) -> String {
        assert_eq!(SAMPLE.matches(from).count(), 1, "{from}");
        SAMPLE.replacen(from, to, 1)
    }

    fn line_of(text: &str, needle: &str) -> usize {
        text.lines().position(|l| l.contains(needle)).unwrap() + 1
    }

    #[test]
    fn the_sample_is_valid_and_normalised() {
        let e = Emetteur::parse(SAMPLE).unwrap();
        assert_eq!(e.paiement.iban, "FR76 3000 1000 6400 0001 2345 618");
        assert_eq!(e.paiement.bic, "BDFEFRPPCCT");
        assert!(ident::parse_siret(&e.siret).is_ok());
    }

    #[test]
    fn the_shipped_mistakes_are_caught_with_their_line() {
        let text = altered(
            "siret = \"281 400 010 00019\"",
            "siret = \"281 400 015 00040\"",
        );
        let text = text.replacen(
            "iban = \"FR76 3000 1000 6400 0001 2345 618\"",
            "iban = \"FR76 ABC\"",
            1,
        );
        let errors = kinds(&text);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].0, line_of(&text, "siret ="));
        assert!(matches!(
            errors[0].1,
            EmetteurErrorKind::BadSiret {
                reason: SiretProblem::Luhn,
                ..
            }
        ));
        assert_eq!(errors[1].0, line_of(&text, "iban ="));
        assert!(matches!(
            errors[1].1,
            EmetteurErrorKind::BadIban {
                reason: IbanProblem::Checksum,
                ..
            }
        ));
    }

    #[test]
    fn every_field_rule() {
        type Expected = fn(&EmetteurErrorKind) -> bool;
        let cases: [(&str, &str, Expected); 8] = [
            ("lieu = \"Hérouville", "lieu = \"Hérouvíłle", |k| {
                matches!(
                    k,
                    EmetteurErrorKind::Unprintable {
                        field: "lieu",
                        ch: 'ł'
                    }
                )
            }),
            ("nom = \"Centre", "nom = \"  \" # \"Centre", |k| {
                matches!(k, EmetteurErrorKind::Empty { field: "nom" })
            }),
            ("code_postal = \"14201\"", "code_postal = \"1420\"", |k| {
                matches!(k, EmetteurErrorKind::BadCodePostal { .. })
            }),
            (
                "delai_paiement_jours = 30",
                "delai_paiement_jours = 3000",
                |k| matches!(k, EmetteurErrorKind::BadDelai { value: 3000 }),
            ),
            (
                "delai_paiement_jours = 30",
                "delai_paiement_jours = -1",
                |k| matches!(k, EmetteurErrorKind::BadDelai { value: -1 }),
            ),
            ("bic = \"BDFEFRPPCCT\"", "bic = \"BDFE\"", |k| {
                matches!(k, EmetteurErrorKind::BadBic { .. })
            }),
            ("bic = \"BDFEFRPPCCT\"", "bic = \"DEUTDEFF\"", |k| {
                matches!(k, EmetteurErrorKind::BicCountry { .. })
            }),
            (
                "email = \"numerique@",
                "email = \"numerique arobase ",
                |k| matches!(k, EmetteurErrorKind::BadEmail { .. }),
            ),
        ];
        for (from, to, expected) in cases {
            let text = altered(from, to);
            let errors = kinds(&text);
            assert_eq!(errors.len(), 1, "{to}: {errors:?}");
            assert!(expected(&errors[0].1), "{to}: {errors:?}");
            assert_eq!(errors[0].0, line_of(&text, to.split(' ').next().unwrap()));
        }
    }

    #[test]
    fn missing_and_unknown_fields_are_syntax_errors_in_french() {
        let text = altered("ville = ", "ville_bis = ");
        let errors = kinds(&text);
        assert!(
            matches!(&errors[0].1, EmetteurErrorKind::Syntax(m) if m.contains("ville_bis")),
            "{errors:?}"
        );
    }

    #[test]
    fn an_empty_address_is_refused() {
        let start = SAMPLE.find("adresse = [").unwrap();
        let end = start + SAMPLE[start..].find(']').unwrap() + 1;
        let text = format!("{}adresse = []{}", &SAMPLE[..start], &SAMPLE[end..]);
        let errors = kinds(&text);
        assert!(
            matches!(errors[0].1, EmetteurErrorKind::Empty { field: "adresse" }),
            "{errors:?}"
        );
    }

    #[test]
    fn the_pes_settings_are_read_and_each_mistake_named_at_its_line() {
        let e = Emetteur::parse(SAMPLE).unwrap();
        let pes = e.pes.expect("the sample has a [pes] section");
        assert_eq!(
            (
                pes.poste_comptable.as_str(),
                pes.code_collectivite.as_str(),
                pes.code_budget.as_str()
            ),
            ("014000", "014", "00")
        );
        assert_eq!(pes.premier_bordereau, 1);
        let text = altered(
            "poste_comptable = \"014000\"",
            "poste_comptable = \"14000\"",
        )
        .replacen(
            "code_collectivite = \"014\"",
            "code_collectivite = \"000\"",
            1,
        )
        .replacen("code_budget = \"00\"", "code_budget = \"BUDGET0001\"", 1)
        .replacen(
            "libelle_budget = \"CDG14 BUDGET PRINCIPAL\"",
            "libelle_budget = \"CENTRE DE GESTION DU CALVADOS BUDGET PRINCIPAL\"",
            1,
        )
        .replacen("# premier_bordereau = 1", "premier_bordereau = 0", 1);
        let errors = kinds(&text);
        let lines: Vec<usize> = errors.iter().map(|e| e.0).collect();
        assert_eq!(
            lines,
            [
                line_of(&text, "poste_comptable ="),
                line_of(&text, "code_collectivite ="),
                line_of(&text, "code_budget ="),
                line_of(&text, "libelle_budget ="),
                line_of(&text, "premier_bordereau ="),
            ],
            "{errors:?}"
        );
        assert!(matches!(errors[0].1, EmetteurErrorKind::BadPoste { .. }));
        assert!(matches!(
            errors[1].1,
            EmetteurErrorKind::BadCodeCollectivite { .. }
        ));
        assert!(matches!(
            errors[2].1,
            EmetteurErrorKind::BadCodeBudget { .. }
        ));
        assert!(matches!(
            errors[3].1,
            EmetteurErrorKind::BadLibellePes { .. }
        ));
        assert!(matches!(
            errors[4].1,
            EmetteurErrorKind::BadPremierBordereau { value: 0 }
        ));
        // Corsica's postes, and no section at all.
        assert!(crate::ident::poste_comptable_ok("02A1234"));
        assert!(!crate::ident::poste_comptable_ok("02C123"));
        let without = &SAMPLE[..SAMPLE.find("[pes]").unwrap()];
        assert_eq!(Emetteur::parse(without).unwrap().pes, None);
    }
}
