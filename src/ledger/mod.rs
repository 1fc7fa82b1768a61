//! The consolidated ledger: one CSV row per appel line, for the accounting
//! software. Writes to any `io::Write`; opens no file.
//!
//! French format by default (`;`, decimal comma), RFC 4180 on request
//! (`,`, decimal point). Dates ISO 8601. No thousands separators: this file
//! is for machines; amounts have exactly two decimals. Encoding and the
//! spreadsheet-safe text cells are `csv_out`'s.

pub mod read;

use std::io::{self, Write};

use crate::appel::Appel;
use crate::csv_out::{self, Encoder, Encoding, text};

/// The ledger header, exactly as the accounting import expects it.
pub const HEADER: [&str; 21] = [
    "exercice",
    "numero",
    "date_emission",
    "date_echeance",
    "membre_id",
    "membre_nom",
    "siret",
    "type",
    "tranche",
    "code",
    "libelle",
    "quantite",
    "unite",
    "prix_unitaire",
    "montant_ht",
    "taux_tva",
    "montant_tva",
    "montant_ttc",
    "imputation",
    "code_service",
    "engagement",
];

/// The columns of one appel line, `code` to `imputation` (the ten after the
/// nine that describe the appel): what a credit note reads back from the
/// ledger.
pub const LINE_COLUMNS: [&str; 10] = match HEADER.split_at(9).1.first_chunk::<10>() {
    Some(columns) => *columns,
    None => panic!("HEADER has the ten line columns after the appel's nine"),
};

/// The CSV dialect (`;` and decimal comma, or RFC 4180), `csv_out`'s.
pub use crate::csv_out::CsvFormat;

/// Streams ledger rows to `W`.
pub struct LedgerWriter<W: Write> {
    csv: csv::Writer<Encoder<W>>,
    format: CsvFormat,
}

impl<W: Write> LedgerWriter<W> {
    /// Starts a ledger and writes its header.
    ///
    /// # Errors
    /// Any write error of `out`.
    pub fn new(out: W, format: CsvFormat, encoding: Encoding) -> io::Result<LedgerWriter<W>> {
        let mut csv = csv_out::writer(out, format.delimiter(), encoding)?;
        csv.write_record(HEADER).map_err(io::Error::other)?;
        Ok(LedgerWriter { csv, format })
    }

    /// Writes the rows of one appel.
    ///
    /// # Errors
    /// Any write error of the underlying writer.
    pub fn write_appel(&mut self, appel: &Appel) -> io::Result<()> {
        let f = self.format;
        let exercice = appel.exercice.to_string();
        let emission = appel.date_emission.format("%Y-%m-%d").to_string();
        let echeance = appel.date_echeance.format("%Y-%m-%d").to_string();
        let tranche = appel.placement.tranche.to_string();
        let m = &appel.membre;
        let (id, nom) = (text(&m.id), text(&m.nom));
        let (service, engagement) = (text(&m.code_service), text(&m.engagement));
        for l in &appel.lignes {
            self.csv
                .write_record([
                    exercice.as_str(),
                    &appel.numero,
                    &emission,
                    &echeance,
                    &id,
                    &nom,
                    &m.siret,
                    m.kind.code(),
                    &tranche,
                    &l.code,
                    &text(&l.libelle),
                    &f.quantity(l.quantite),
                    &text(&l.unite),
                    &f.amount(l.prix_unitaire),
                    &f.amount(l.montant_ht),
                    &f.number(format!("{:.2}", l.taux_tva)),
                    &f.amount(l.montant_tva),
                    &f.amount(l.montant_ttc),
                    &text(&l.imputation),
                    &service,
                    &engagement,
                ])
                .map_err(io::Error::other)?;
        }
        Ok(())
    }

    /// Flushes and returns the writer.
    ///
    /// # Errors
    /// Any write error while flushing.
    pub fn finish(self) -> io::Result<W> {
        self.csv
            .into_inner()
            .map(Encoder::into_inner)
            .map_err(csv::IntoInnerError::into_error)
    }
}

/// The whole ledger of `appels` as bytes.
///
/// # Errors
/// Never in practice (writing to memory); kept for symmetry.
pub fn ledger_bytes<'a>(
    appels: impl IntoIterator<Item = &'a Appel>,
    format: CsvFormat,
    encoding: Encoding,
) -> io::Result<Vec<u8>> {
    let mut w = LedgerWriter::new(Vec::new(), format, encoding)?;
    for a in appels {
        w.write_appel(a)?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::numbering::{Emission, Outcome, number};
    use crate::pricing::price;
    use crate::roster::MemberKind;
    use crate::testing::{grid, member, with};
    use chrono::NaiveDate;

    fn appel() -> Appel {
        let grid = grid();
        let mut member = with(
            &grid,
            member(MemberKind::Commune, Some(1166), None),
            &[("forfait_metiers", "1"), ("formation_jours", "0.5")],
        );
        member.id = "C-14001".into();
        member.nom = "Saint-Germain-d'Ectot; « les Bruyères »".into();
        let priced = price(&member, &grid).unwrap();
        let emission = Emission {
            exercice: 2027,
            date_emission: NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
            date_echeance: NaiveDate::from_ymd_opt(2027, 2, 14).unwrap(),
            mention_tva: None,
            convention: String::new(),
            premier_numero: 7,
            provisoire: false,
        };
        match number(vec![(member, priced)], grid.seuil_recouvrement, &emission).remove(0) {
            Outcome::Billed(a) => *a,
            Outcome::BelowThreshold(..) | Outcome::NothingToBill(_) => unreachable!(),
        }
    }

    #[test]
    fn french_ledger() {
        let bytes = ledger_bytes([&appel()], CsvFormat::Francais, Encoding::Utf8).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let expected = "exercice;numero;date_emission;date_echeance;membre_id;membre_nom;siret;type;tranche;code;libelle;quantite;unite;prix_unitaire;montant_ht;taux_tva;montant_tva;montant_ttc;imputation;code_service;engagement\r\n\
2027;AC-2027-00007;2027-01-15;2027-02-14;C-14001;\"Saint-Germain-d'Ectot; « les Bruyères »\";21140001500015;commune;4;forfait_metiers;Forfait Métiers;1;forfait;2728,00;2728,00;0,00;0,00;2728,00;706;;\r\n\
2027;AC-2027-00007;2027-01-15;2027-02-14;C-14001;\"Saint-Germain-d'Ectot; « les Bruyères »\";21140001500015;commune;4;formation_jours;Formation sur site ou à distance;0,5;jour;400,00;200,00;0,00;0,00;200,00;706;;\r\n";
        assert_eq!(text, expected);
    }

    #[test]
    fn a_name_like_a_formula_is_written_safe_and_amounts_stay_numbers() {
        let mut a = appel();
        a.membre.nom = "=HYPERLINK(\"http://x\";\"Caen\")".into();
        a.membre.id = "+cmd|' /C calc'!A0".into();
        // A credit note's amounts are negative: numbers, never quoted.
        a.lignes[0].montant_ttc = -a.lignes[0].montant_ttc;
        let bytes = ledger_bytes([&a], CsvFormat::Francais, Encoding::Utf8).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let row = text.lines().nth(1).unwrap();
        assert!(row.contains(";'+cmd|' /C calc'!A0;"), "{row}");
        assert!(
            row.contains(";\"'=HYPERLINK(\"\"http://x\"\";\"\"Caen\"\")\";"),
            "{row}"
        );
        assert!(
            row.contains(";-2728,00;"),
            "a negative amount stays a number: {row}"
        );
    }

    #[test]
    fn line_columns_are_code_to_imputation() {
        assert_eq!(LINE_COLUMNS.first(), Some(&"code"));
        assert_eq!(LINE_COLUMNS.last(), Some(&"imputation"));
    }

    #[test]
    fn rfc4180_ledger() {
        let bytes = ledger_bytes([&appel()], CsvFormat::Rfc4180, Encoding::Utf8).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let second = text.lines().nth(2).unwrap();
        assert_eq!(
            second,
            "2027,AC-2027-00007,2027-01-15,2027-02-14,C-14001,Saint-Germain-d'Ectot; « les Bruyères »,21140001500015,commune,4,formation_jours,Formation sur site ou à distance,0.5,jour,400.00,200.00,0.00,0.00,200.00,706,,"
        );
        assert!(text.starts_with("exercice,numero,"));
    }
}
