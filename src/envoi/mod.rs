//! `cotisations envoi`, the pure part: what each issued document is for
//! sending (`Document`), the e-mail template the Centre edits
//! (`template`), the MIME message (`message`), the send journal's record
//! and what remains to send given the journal (`journal`), and the
//! print-ready mailing of the members without e-mail (`courrier`).
//!
//! Nothing here reads a file, a clock or the network: the documents come
//! from `batch::envoi` (the register and the entries' manifests), the
//! dates from the glue, and the SMTP relay is `batch::smtp`.

pub mod courrier;
pub mod journal;
pub mod message;
pub mod template;

use chrono::NaiveDate;

use crate::money::Montant;

/// One issued document (an appel or an avoir) as sending needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub numero: String,
    /// An avoir (series `AV`), not an appel.
    pub avoir: bool,
    pub membre_id: String,
    pub nom: String,
    /// The member's addresses, as the roster's `email` cell listed them
    /// (separated by `;` or `,`); empty: the member gets it by post.
    pub emails: Vec<String>,
    pub adresse: String,
    pub code_postal: String,
    pub ville: String,
    pub total_ttc: Montant,
    pub date_emission: NaiveDate,
    pub date_echeance: NaiveDate,
    pub exercice: i32,
    /// The PDF, relative to the exercice folder.
    pub fichier: String,
    /// SHA-256 of the PDF, as the entry's manifest records it.
    pub sha256: String,
    /// An avoir's: the appel it credits.
    pub appel: Option<String>,
}

/// The addresses of an `email` cell: split on `;` and `,`, trimmed.
#[must_use]
pub fn split_emails(cell: &str) -> Vec<String> {
    cell.split([';', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// What the Centre's messages say about it (from the issuer file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Centre {
    pub nom: String,
    pub email: String,
    pub telephone: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_split_into_addresses() {
        assert_eq!(
            split_emails(" a@b.fr; c@d.fr ,e@f.fr"),
            vec!["a@b.fr", "c@d.fr", "e@f.fr"]
        );
        assert!(split_emails("  ").is_empty());
    }
}
