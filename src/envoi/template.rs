//! The e-mail template the Centre edits: a line `Objet : …`, a blank
//! line, then the body; lines starting with `#` before the subject are
//! comments. Placeholders in braces are replaced per document:
//! `{membre}`, `{numero}`, `{document}`, `{montant}`, `{echeance}`,
//! `{date}`, `{exercice}`, `{centre}`, `{telephone}`, `{email_centre}`,
//! `{appel}` (the appel an avoir credits) and `{reglement}` (how it is
//! paid: the titre and its due date for an appel, the appel it reduces
//! for an avoir).
//! An unknown placeholder or a missing subject is refused with its line
//! and column, before anything is sent.

use std::fmt;

use super::{Centre, Document};
use crate::format_fr;

/// The template shipped with the program (also `templates/courriel.txt`).
pub const DEFAULT: &str = include_str!("../../templates/courriel.txt");

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 12] = [
    "reglement",
    "appel",
    "membre",
    "numero",
    "document",
    "montant",
    "echeance",
    "date",
    "exercice",
    "centre",
    "telephone",
    "email_centre",
];

/// A template, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modele {
    sujet: String,
    corps: String,
}

/// One problem of a template, with where it is.
pub type TemplateError = crate::tariff::Positioned<TemplateErrorKind>;

/// What is wrong in a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateErrorKind {
    /// No `Objet :` line.
    SansObjet,
    /// The subject is empty.
    ObjetVide,
    /// A placeholder the program does not know.
    Inconnu { nom: String },
    /// A `{` without its `}`.
    NonFerme,
}

impl fmt::Display for TemplateErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateErrorKind::SansObjet => write!(
                f,
                "la première ligne (hors commentaires « # ») doit être l'objet du courriel, écrit « Objet : … »"
            ),
            TemplateErrorKind::ObjetVide => write!(f, "l'objet du courriel est vide"),
            TemplateErrorKind::Inconnu { nom } => write!(
                f,
                "champ « {{{nom}}} » inconnu ; champs possibles : {}",
                PLACEHOLDERS
                    .iter()
                    .map(|p| format!("{{{p}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            TemplateErrorKind::NonFerme => {
                write!(f, "accolade « {{ » sans « }} » qui la ferme")
            }
        }
    }
}

impl Modele {
    /// Parses and checks a template's text.
    ///
    /// # Errors
    /// Every problem found, in order.
    pub fn parse(text: &str) -> Result<Modele, Vec<TemplateError>> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let text = text.replace("\r\n", "\n");
        let mut errors = Vec::new();
        let mut lines = text.lines().enumerate().peekable();
        while lines
            .peek()
            .is_some_and(|(_, l)| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            lines.next();
        }
        let Some((i, first)) = lines.next() else {
            return Err(vec![TemplateError {
                line: 1,
                column: 1,
                kind: TemplateErrorKind::SansObjet,
            }]);
        };
        let trimmed = first.trim_start();
        let rest = ["Objet :", "Objet:", "objet :", "objet:", "Objet\u{a0}:"]
            .iter()
            .find_map(|p| trimmed.strip_prefix(p));
        let Some(sujet) = rest else {
            return Err(vec![TemplateError {
                line: i + 1,
                column: 1,
                kind: TemplateErrorKind::SansObjet,
            }]);
        };
        let sujet = sujet.trim().to_string();
        if sujet.is_empty() {
            errors.push(TemplateError {
                line: i + 1,
                column: 1,
                kind: TemplateErrorKind::ObjetVide,
            });
        }
        let offset = first.chars().count() - sujet.chars().count();
        check(&sujet, i + 1, offset, &mut errors);
        let body_lines: Vec<(usize, &str)> = lines.collect();
        let start = body_lines
            .iter()
            .position(|(_, l)| !l.trim().is_empty())
            .unwrap_or(body_lines.len());
        let body_lines = &body_lines[start..];
        for (n, l) in body_lines {
            check(l, n + 1, 0, &mut errors);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut corps = body_lines
            .iter()
            .map(|(_, l)| l.trim_end())
            .collect::<Vec<_>>()
            .join("\n");
        corps.truncate(corps.trim_end().len());
        corps.push('\n');
        Ok(Modele { sujet, corps })
    }

    /// The subject and the body for `doc`, sent by `centre`.
    #[must_use]
    pub fn render(&self, doc: &Document, centre: &Centre) -> (String, String) {
        let value = |name: &str| -> String {
            match name {
                "membre" => doc.nom.clone(),
                "numero" => doc.numero.clone(),
                "document" => if doc.avoir {
                    "avoir"
                } else {
                    "appel de cotisation"
                }
                .to_string(),
                "montant" => format_fr::montant(doc.total_ttc).replace('\u{a0}', " "),
                "echeance" => format_fr::date_courte(doc.date_echeance),
                "date" => format_fr::date_courte(doc.date_emission),
                "exercice" => doc.exercice.to_string(),
                "centre" => centre.nom.clone(),
                "telephone" => centre.telephone.clone(),
                "email_centre" => centre.email.clone(),
                "appel" => doc.appel.clone().unwrap_or_default(),
                "reglement" => match &doc.appel {
                    Some(appel) => format!(
                        "Cet avoir réduit d'autant la somme due au titre de l'appel {appel}."
                    ),
                    None if doc.avoir => "Cet avoir réduit d'autant la somme due.".to_string(),
                    None => format!(
                        "Le titre de recettes correspondant vous parviendra par le comptable public ; la date d'échéance est le {}.",
                        format_fr::date_courte(doc.date_echeance)
                    ),
                },
                _ => String::new(),
            }
        };
        (fill(&self.sujet, &value), fill(&self.corps, &value))
    }
}

/// Pushes the problems of the placeholders of `line` (line `n`, its text
/// starting at column `offset` + 1).
fn check(line: &str, n: usize, offset: usize, errors: &mut Vec<TemplateError>) {
    let mut rest = line;
    let mut col = offset;
    while let Some(at) = rest.find('{') {
        let column = col + rest[..at].chars().count() + 1;
        let after = &rest[at + 1..];
        let Some(end) = after.find('}') else {
            errors.push(TemplateError {
                line: n,
                column,
                kind: TemplateErrorKind::NonFerme,
            });
            return;
        };
        let name = after[..end].trim();
        if !PLACEHOLDERS.contains(&name) {
            errors.push(TemplateError {
                line: n,
                column,
                kind: TemplateErrorKind::Inconnu {
                    nom: name.to_string(),
                },
            });
        }
        col = column + end + 1;
        rest = &after[end + 1..];
    }
}

/// `text` with each `{name}` replaced by `value(name)`.
fn fill(text: &str, value: &dyn Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut rest = text;
    while let Some(at) = rest.find('{') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(end) = after.find('}') {
            out.push_str(&value(after[..end].trim()));
            rest = &after[end + 1..];
        } else {
            out.push_str(&rest[at..]);
            rest = "";
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Montant;
    use chrono::NaiveDate;

    fn doc() -> Document {
        Document {
            numero: "AC-2027-00001".into(),
            avoir: false,
            membre_id: "C-1".into(),
            nom: "Rapilly".into(),
            emails: vec!["mairie@rapilly.fr".into()],
            adresse: "Mairie".into(),
            code_postal: "14690".into(),
            ville: "RAPILLY".into(),
            total_ttc: Montant::from_exact_cents(rust_decimal::Decimal::new(119_100, 2)).unwrap(),
            date_emission: NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
            date_echeance: NaiveDate::from_ymd_opt(2027, 2, 14).unwrap(),
            exercice: 2027,
            fichier: "entrees/0001-AC/appels/x.pdf".into(),
            sha256: "ab".into(),
            appel: None,
        }
    }

    fn centre() -> Centre {
        Centre {
            nom: "CDG 14".into(),
            email: "numerique@cdg14.fr".into(),
            telephone: "02 31".into(),
        }
    }

    #[test]
    fn the_default_template_renders_every_field() {
        let m = Modele::parse(DEFAULT).unwrap();
        let (sujet, corps) = m.render(&doc(), &centre());
        assert!(sujet.contains("AC-2027-00001"), "{sujet}");
        assert!(sujet.contains("2027"), "{sujet}");
        assert!(corps.contains("Rapilly"), "{corps}");
        assert!(corps.contains("1 191,00 €"), "{corps}");
        assert!(corps.contains("14/02/2027"), "{corps}");
        assert!(!corps.contains('{'), "{corps}");
        let mut avoir = doc();
        avoir.avoir = true;
        avoir.appel = Some("AC-2027-00001".into());
        let (sujet, corps) = m.render(&avoir, &centre());
        assert!(sujet.contains("avoir"), "{sujet}");
        assert!(
            corps.contains("au titre de l'appel AC-2027-00001"),
            "{corps}"
        );
        assert!(!corps.contains("échéance"), "{corps}");
    }

    #[test]
    fn problems_have_their_line_and_column() {
        let errors =
            Modele::parse("# note\nObjet : {numero} {numéro}\n\nBonjour {membre\n").unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].column), (2, 18));
        assert!(matches!(&errors[0].kind, TemplateErrorKind::Inconnu { nom } if nom == "numéro"));
        assert_eq!((errors[1].line, errors[1].column), (4, 9));
        assert_eq!(errors[1].kind, TemplateErrorKind::NonFerme);
        let errors = Modele::parse("Bonjour\n").unwrap_err();
        assert_eq!(errors[0].kind, TemplateErrorKind::SansObjet);
    }
}
