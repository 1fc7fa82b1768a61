//! Credit notes (« avoirs »): an issued appel is never edited nor deleted;
//! it is cancelled, wholly or line by line, by a credit note of its own
//! continuous series `AV-<exercice>-00001`.
//!
//! Pure: the appel as issued (rebuilt by `commands::avoir` from the batch's
//! manifest and ledger), the lines asked for and the lines already credited
//! by earlier credit notes in, the credit note or a French refusal out. No
//! I/O, no clock.
//!
//! A credit note is kept as a document with the amounts as billed
//! (positive, what Factur-X wants for a credit note, type 381) and shown
//! signed where people and the accounting software read it: quantities and
//! amounts negative, unit prices positive, on the PDF and in the ledger.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::appel::Appel;
use crate::format_fr;
use crate::money::Montant;
use crate::pricing::{Ligne, Totaux};

/// The number series of credit notes (`AC` is the appels').
pub const SERIE: &str = "AV";

/// Formats credit note number `rang` of `exercice`: `AV-2027-00001`.
#[must_use]
pub fn numero(exercice: i32, rang: u32) -> String {
    format!("{SERIE}-{exercice}-{rang:05}")
}

/// What a credit note says about the appel it corrects (printed on it and
/// referenced in its Factur-X XML).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// Number of the appel corrected (`AC-2027-00012`).
    pub appel_numero: String,
    /// Its date of issue.
    pub appel_date: NaiveDate,
    /// Why, as the user typed it.
    pub motif: String,
    /// Only some lines of the appel are credited.
    pub partielle: bool,
}

impl Correction {
    /// « Annule l'appel n° AC-2027-00012 du 15 janvier 2027 » (or
    /// « Annule partiellement … »), as printed under the object.
    #[must_use]
    pub fn annule(&self) -> String {
        format!(
            "Annule {}l'appel n° {} du {}",
            if self.partielle { "partiellement " } else { "" },
            self.appel_numero,
            format_fr::date_longue(self.appel_date)
        )
    }

    /// What to do with the credit note, in place of payment terms (printed,
    /// and the payment terms of its Factur-X XML).
    #[must_use]
    pub fn modalites(&self) -> String {
        format!(
            "Montant à déduire de l'appel n° {} du {} ; aucun paiement n'est demandé.",
            self.appel_numero,
            format_fr::date_longue(self.appel_date)
        )
    }
}

/// A line credited by an earlier credit note of the same chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credited {
    /// The appel the line belongs to.
    pub appel: String,
    pub code: String,
    /// The credit note that credited it.
    pub avoir: String,
    /// Amount credited, TTC, as billed (positive).
    pub montant_ttc: Montant,
}

/// What the user asks to credit.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Item codes to credit; empty: every line not yet credited.
    pub codes: &'a [String],
    pub motif: &'a str,
    /// Number and date of the credit note.
    pub rang: u32,
    pub date: NaiveDate,
    /// The last credit note of the series (number, date), which the new
    /// one may not precede.
    pub last: Option<(&'a str, NaiveDate)>,
}

/// Why a credit note is refused; `Display` is the French message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AvoirError {
    MotifVide,
    /// A character of the motif the documents cannot print.
    MotifIllisible {
        ch: char,
    },
    /// A code named twice on the command line.
    CodeEnDouble {
        code: String,
    },
    /// A code on no line of the batch at all.
    CodeInconnu {
        code: String,
        appel: String,
        codes: Vec<String>,
    },
    /// A code of the batch, but not on this appel.
    CodeAbsent {
        code: String,
        appel: String,
        codes: Vec<String>,
    },
    /// Already credited by an earlier credit note of the chain.
    DejaCredite {
        code: String,
        appel: String,
        avoir: String,
    },
    /// Every line of the appel is already credited.
    RienACrediter {
        appel: String,
        avoirs: Vec<String>,
    },
    /// The credits of the appel would exceed what it billed.
    Depassement {
        appel: String,
        facture: Montant,
        credite: Montant,
    },
    /// The credit note would be dated before the appel.
    DateAnterieure {
        appel: String,
        appel_date: NaiveDate,
        date: NaiveDate,
    },
    /// The credit note would be dated before the last one of its series.
    DateAvantAvoir {
        avoir: String,
        avoir_date: NaiveDate,
        date: NaiveDate,
    },
    /// The credit note would be dated outside the appel's exercice.
    DateHorsExercice {
        exercice: i32,
        date: NaiveDate,
    },
}

impl fmt::Display for AvoirError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use format_fr::{date_longue, montant};
        match self {
            AvoirError::MotifVide => write!(
                f,
                "--motif est vide : indiquez pourquoi l'appel est annulé (il est imprimé sur l'avoir)"
            ),
            AvoirError::MotifIllisible { ch } => write!(
                f,
                "--motif contient le caractère « {ch} » (U+{:04X}), qui ne peut pas être imprimé sur l'avoir : remplacez-le",
                u32::from(*ch)
            ),
            AvoirError::CodeEnDouble { code } => write!(
                f,
                "l'article « {code} » est nommé deux fois dans --lignes : un article ne peut être crédité qu'une fois"
            ),
            AvoirError::CodeInconnu { code, appel, codes } => write!(
                f,
                "l'article « {code} » est inconnu : il ne figure sur aucun appel du lot (articles de l'appel {appel} : {})",
                codes.join(", ")
            ),
            AvoirError::CodeAbsent { code, appel, codes } => write!(
                f,
                "l'article « {code} » ne figure pas sur l'appel {appel} (articles de cet appel : {})",
                codes.join(", ")
            ),
            AvoirError::DejaCredite { code, appel, avoir } => write!(
                f,
                "l'article « {code} » de l'appel {appel} a déjà été crédité par l'avoir {avoir} : un article ne peut être crédité qu'une fois"
            ),
            AvoirError::RienACrediter { appel, avoirs } => write!(
                f,
                "l'appel {appel} est déjà entièrement annulé (avoir{} {}) : il ne reste rien à créditer",
                if avoirs.len() > 1 { "s" } else { "" },
                avoirs.join(", ")
            ),
            AvoirError::Depassement {
                appel,
                facture,
                credite,
            } => write!(
                f,
                "les avoirs sur l'appel {appel} totaliseraient {}, plus que le montant facturé ({}) : on ne peut pas créditer plus que ce qui a été facturé",
                montant(*credite),
                montant(*facture)
            ),
            AvoirError::DateAnterieure {
                appel,
                appel_date,
                date,
            } => write!(
                f,
                "l'avoir serait daté du {}, avant l'appel {appel} du {} : indiquez une date d'émission postérieure",
                date_longue(*date),
                date_longue(*appel_date)
            ),
            AvoirError::DateAvantAvoir {
                avoir,
                avoir_date,
                date,
            } => write!(
                f,
                "l'avoir serait daté du {}, avant l'avoir {avoir} du {} : les avoirs d'un exercice se suivent dans l'ordre de leurs dates ; indiquez une date d'émission à partir du {}",
                date_longue(*date),
                date_longue(*avoir_date),
                date_longue(*avoir_date)
            ),
            AvoirError::DateHorsExercice { exercice, date } => write!(
                f,
                "l'avoir serait daté du {}, hors de l'exercice {exercice} de l'appel : un avoir de {exercice} est daté au plus tard du 31 décembre {exercice} (pendant la journée complémentaire, jusqu'au 31 janvier {}, datez-le du 31 décembre {exercice}) ; au-delà, la réduction d'un titre de {exercice} se fait sur l'exercice suivant",
                date_longue(*date),
                exercice + 1
            ),
        }
    }
}

impl std::error::Error for AvoirError {}

/// One credit note, ready to print and to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Avoir {
    /// The credit note as a document: its number, rank, date, the member,
    /// the credited lines and totals as billed (positive amounts).
    pub document: Appel,
    pub correction: Correction,
}

/// `-m`, never a negative zero.
fn negate(m: Montant) -> Montant {
    if m.is_zero() { Montant::ZERO } else { -m }
}

fn negate_line(l: &Ligne) -> Ligne {
    Ligne {
        quantite: -l.quantite,
        montant_ht: negate(l.montant_ht),
        montant_tva: negate(l.montant_tva),
        montant_ttc: negate(l.montant_ttc),
        ..l.clone()
    }
}

impl Avoir {
    /// The credit note as printed: quantities and amounts negative, unit
    /// prices positive, so that quantity × price = amount still holds.
    #[must_use]
    pub fn signed(&self) -> Appel {
        let lignes: Vec<Ligne> = self.document.lignes.iter().map(negate_line).collect();
        Appel {
            totaux: Totaux::of(&lignes),
            lignes,
            ..self.document.clone()
        }
    }

    /// The credit note as the ledger records it: signed, each label saying
    /// which appel it corrects (« Avoir sur AC-2027-00012 – Forfait Métiers »).
    #[must_use]
    pub fn ledger_view(&self) -> Appel {
        let mut appel = self.signed();
        for l in &mut appel.lignes {
            l.libelle = format!("Avoir sur {} – {}", self.correction.appel_numero, l.libelle);
        }
        appel
    }

    /// The lines this credit note credits, for the next one of the chain.
    #[must_use]
    pub fn credited(&self) -> Vec<Credited> {
        self.document
            .lignes
            .iter()
            .map(|l| Credited {
                appel: self.correction.appel_numero.clone(),
                code: l.code.clone(),
                avoir: self.document.numero.clone(),
                montant_ttc: l.montant_ttc,
            })
            .collect()
    }
}

/// The lines of `appel` to credit: those of `codes_asked` in the appel's
/// order, or with none asked every line `earlier` credit notes left.
fn lines_to_credit(
    appel: &Appel,
    codes_asked: &[String],
    known: &BTreeSet<String>,
    earlier: &[&Credited],
) -> Result<Vec<Ligne>, AvoirError> {
    let codes: Vec<String> = appel.lignes.iter().map(|l| l.code.clone()).collect();
    let credited_by = |code: &str| earlier.iter().find(|c| c.code == code).map(|c| &c.avoir);

    if codes_asked.is_empty() {
        // The whole appel: every line not credited yet.
        let rest: Vec<Ligne> = appel
            .lignes
            .iter()
            .filter(|l| credited_by(&l.code).is_none())
            .cloned()
            .collect();
        if rest.is_empty() {
            let mut avoirs: Vec<String> = earlier.iter().map(|c| c.avoir.clone()).collect();
            avoirs.sort();
            avoirs.dedup();
            return Err(AvoirError::RienACrediter {
                appel: appel.numero.clone(),
                avoirs,
            });
        }
        Ok(rest)
    } else {
        let mut seen = BTreeSet::new();
        let mut chosen = Vec::with_capacity(codes_asked.len());
        for code in codes_asked {
            let code = code.trim();
            if !seen.insert(code) {
                return Err(AvoirError::CodeEnDouble { code: code.into() });
            }
            let Some(ligne) = appel.lignes.iter().find(|l| l.code == code) else {
                let (code, appel, codes) = (code.to_string(), appel.numero.clone(), codes.clone());
                return Err(if known.contains(&code) {
                    AvoirError::CodeAbsent { code, appel, codes }
                } else {
                    AvoirError::CodeInconnu { code, appel, codes }
                });
            };
            if let Some(avoir) = credited_by(code) {
                return Err(AvoirError::DejaCredite {
                    code: code.into(),
                    appel: appel.numero.clone(),
                    avoir: avoir.clone(),
                });
            }
            chosen.push(ligne);
        }
        // Lines keep the appel's order, whatever the order asked.
        Ok(appel
            .lignes
            .iter()
            .filter(|l| chosen.iter().any(|c| c.code == l.code))
            .cloned()
            .collect())
    }
}

/// Builds the credit note of `request` on `appel` (as issued, positive
/// amounts), given every item code of the batch (`known`, to tell an
/// unknown code from one of another appel) and the lines already credited
/// by the chain of earlier credit notes (`already`, any appel).
///
/// # Errors
/// `AvoirError`: empty motif, a code named twice, unknown or not on the
/// appel, a line already credited, nothing left to credit, more credited
/// than billed, a date before the appel's.
pub fn credit(
    appel: &Appel,
    request: &Request<'_>,
    known: &BTreeSet<String>,
    already: &[Credited],
) -> Result<Avoir, AvoirError> {
    let motif = request.motif.trim();
    if motif.is_empty() {
        return Err(AvoirError::MotifVide);
    }
    if let Some(ch) = crate::charset::first_unprintable(motif, false) {
        return Err(AvoirError::MotifIllisible { ch });
    }
    if request.date.year() != appel.exercice {
        return Err(AvoirError::DateHorsExercice {
            exercice: appel.exercice,
            date: request.date,
        });
    }
    if let Some((avoir, avoir_date)) = request.last
        && request.date < avoir_date
    {
        return Err(AvoirError::DateAvantAvoir {
            avoir: avoir.to_string(),
            avoir_date,
            date: request.date,
        });
    }
    if request.date < appel.date_emission {
        return Err(AvoirError::DateAnterieure {
            appel: appel.numero.clone(),
            appel_date: appel.date_emission,
            date: request.date,
        });
    }
    let earlier: Vec<&Credited> = already.iter().filter(|c| c.appel == appel.numero).collect();
    let lignes = lines_to_credit(appel, request.codes, known, &earlier)?;

    let totaux = Totaux::of(&lignes);
    let before: Montant = earlier.iter().map(|c| c.montant_ttc).sum();
    let credite = before + totaux.ttc;
    if credite > appel.totaux.ttc {
        return Err(AvoirError::Depassement {
            appel: appel.numero.clone(),
            facture: appel.totaux.ttc,
            credite,
        });
    }
    let partielle = lignes.len() < appel.lignes.len();
    Ok(Avoir {
        document: Appel {
            numero: numero(appel.exercice, request.rang),
            rang: request.rang,
            date_emission: request.date,
            // Nothing is due: the credit takes effect on its date.
            date_echeance: request.date,
            lignes,
            totaux,
            ..appel.clone()
        },
        correction: Correction {
            appel_numero: appel.numero.clone(),
            appel_date: appel.date_emission,
            motif: motif.to_string(),
            partielle,
        },
    })
}

/// The rank of the next credit note after a folder whose credit notes
/// started at `premier_rang` and number `count`.
#[must_use]
pub fn next_rank(premier_rang: u32, count: usize) -> u32 {
    premier_rang.saturating_add(u32::try_from(count).unwrap_or(u32::MAX))
}

/// An issued appel and its credit notes, for the tests of this module and
/// of their rendering (`render`).
#[cfg(test)]
pub(crate) mod fixtures {
    use std::collections::BTreeSet;

    use chrono::NaiveDate;

    use super::{Avoir, Request, credit};
    use crate::appel::Appel;
    use crate::numbering::{Emission, Outcome, number};
    use crate::pricing::price;
    use crate::roster::MemberKind;
    use crate::testing::{grid, member, with};

    /// `day` of `month` 2027.
    pub(crate) fn date(month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, month, day).unwrap()
    }

    /// AC-2027-00012 of 15 January 2027, due 14 February, for a commune of
    /// tier 1 ordering `quantities` (item code, quantity).
    pub(crate) fn appel_of(quantities: &[(&str, &str)]) -> Appel {
        let grid = grid();
        let m = with(
            &grid,
            member(MemberKind::Commune, Some(44), None),
            quantities,
        );
        let priced = price(&m, &grid).unwrap();
        let emission = Emission {
            exercice: 2027,
            date_emission: date(1, 15),
            date_echeance: date(2, 14),
            mention_tva: grid.mention_tva.clone(),
            convention: grid.titre.clone(),
            premier_numero: 12,
            provisoire: false,
        };
        match number(vec![(m, priced)], grid.seuil_recouvrement, &emission).remove(0) {
            Outcome::Billed(a) => *a,
            Outcome::BelowThreshold(..) | Outcome::NothingToBill(_) => unreachable!(),
        }
    }

    /// AC-2027-00012: Forfait Métiers (1 119,00) + half a day of training
    /// (200,00) + a certificate (80,00).
    pub(crate) fn appel() -> Appel {
        appel_of(&[
            ("forfait_metiers", "1"),
            ("formation_jours", "0.5"),
            ("certificat", "1"),
        ])
    }

    /// AV-2027-00001 of 1 March 2027, « Adhésion résiliée », crediting the
    /// lines `codes` of `appel` (every line when empty), the first credit
    /// note of the appel.
    pub(crate) fn avoir_of(appel: &Appel, codes: &[&str]) -> Avoir {
        let codes: Vec<String> = codes.iter().map(|c| (*c).to_string()).collect();
        let request = Request {
            codes: &codes,
            motif: "Adhésion résiliée",
            rang: 1,
            date: date(3, 1),
            last: None,
        };
        credit(appel, &request, &BTreeSet::new(), &[]).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::{appel, date};
    use super::*;
    use crate::testing::grid;

    fn known() -> BTreeSet<String> {
        grid().items().iter().map(|i| i.code.clone()).collect()
    }

    fn request(codes: &[String], rang: u32) -> Request<'_> {
        Request {
            codes,
            motif: "Adhésion résiliée au 31 décembre 2026",
            rang,
            date: date(3, 1),
            last: None,
        }
    }

    fn codes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn numbers_have_their_own_series() {
        assert_eq!(numero(2027, 1), "AV-2027-00001");
        assert_eq!(numero(2027, 12345), "AV-2027-12345");
        assert_eq!(next_rank(1, 0), 1);
        assert_eq!(next_rank(3, 2), 5);
    }

    #[test]
    fn whole_appel_is_credited_and_signed_for_print_and_ledger() {
        let appel = appel();
        let avoir = credit(&appel, &request(&[], 1), &known(), &[]).unwrap();
        assert_eq!(avoir.document.numero, "AV-2027-00001");
        assert_eq!(avoir.document.date_emission, date(3, 1));
        assert_eq!(avoir.document.totaux, appel.totaux);
        assert!(!avoir.correction.partielle);
        assert_eq!(avoir.correction.appel_numero, "AC-2027-00012");
        assert_eq!(avoir.correction.appel_date, date(1, 15));

        let signed = avoir.signed();
        assert_eq!(signed.totaux.ttc, -appel.totaux.ttc);
        for (s, l) in signed.lignes.iter().zip(&appel.lignes) {
            assert_eq!(s.quantite, -l.quantite);
            assert_eq!(s.prix_unitaire, l.prix_unitaire);
            assert_eq!(s.montant_ht, -l.montant_ht);
            // VAT 0: a zero, not a negative zero.
            assert_eq!(s.montant_tva.to_string(), "0.00");
        }
        let ledger = avoir.ledger_view();
        assert_eq!(
            ledger.lignes[0].libelle,
            "Avoir sur AC-2027-00012 – Forfait Métiers"
        );
        assert_eq!(avoir.credited().len(), 3);
    }

    #[test]
    fn some_lines_make_a_partial_credit_in_the_appel_order() {
        let appel = appel();
        let asked = codes(&["certificat", "forfait_metiers"]);
        let avoir = credit(&appel, &request(&asked, 2), &known(), &[]).unwrap();
        assert!(avoir.correction.partielle);
        let got: Vec<&str> = avoir
            .document
            .lignes
            .iter()
            .map(|l| l.code.as_str())
            .collect();
        assert_eq!(got, ["forfait_metiers", "certificat"]);
        assert_eq!(avoir.document.numero, "AV-2027-00002");
    }

    #[test]
    fn numbering_continues_and_the_chain_carries_credited_lines() {
        let appel = appel();
        let first_codes = codes(&["forfait_metiers"]);
        let first = credit(&appel, &request(&first_codes, 1), &known(), &[]).unwrap();
        let already = first.credited();
        let rang = next_rank(1, 1);
        // The rest of the appel: the two other lines, numbered 2.
        let second = credit(&appel, &request(&[], rang), &known(), &already).unwrap();
        assert_eq!(second.document.numero, "AV-2027-00002");
        assert!(second.correction.partielle);
        assert_eq!(second.document.lignes.len(), 2);
        let mut all = already;
        all.extend(second.credited());
        assert_eq!(
            credit(&appel, &request(&[], 3), &known(), &all),
            Err(AvoirError::RienACrediter {
                appel: "AC-2027-00012".into(),
                avoirs: vec!["AV-2027-00001".into(), "AV-2027-00002".into()],
            })
        );
    }

    #[test]
    fn refuses_a_line_twice() {
        let appel = appel();
        let twice = codes(&["certificat", "certificat"]);
        assert_eq!(
            credit(&appel, &request(&twice, 1), &known(), &[]),
            Err(AvoirError::CodeEnDouble {
                code: "certificat".into()
            })
        );
        let once = codes(&["certificat"]);
        let first = credit(&appel, &request(&once, 1), &known(), &[]).unwrap();
        let err = credit(&appel, &request(&once, 2), &known(), &first.credited()).unwrap_err();
        assert_eq!(
            err,
            AvoirError::DejaCredite {
                code: "certificat".into(),
                appel: "AC-2027-00012".into(),
                avoir: "AV-2027-00001".into(),
            }
        );
        assert!(
            err.to_string()
                .contains("a déjà été crédité par l'avoir AV-2027-00001")
        );
    }

    #[test]
    fn refuses_unknown_codes_and_codes_of_other_appels() {
        let appel = appel();
        let unknown = codes(&["forfait_inexistant"]);
        let err = credit(&appel, &request(&unknown, 1), &known(), &[]).unwrap_err();
        assert!(matches!(err, AvoirError::CodeInconnu { .. }));
        assert!(err.to_string().contains(
            "est inconnu : il ne figure sur aucun appel du lot (articles de l'appel AC-2027-00012 : forfait_metiers, certificat, formation_jours)"
        ));
        let elsewhere = codes(&["parapheur"]);
        let err = credit(&appel, &request(&elsewhere, 1), &known(), &[]).unwrap_err();
        assert!(matches!(err, AvoirError::CodeAbsent { .. }));
        assert!(
            err.to_string()
                .contains("ne figure pas sur l'appel AC-2027-00012")
        );
    }

    #[test]
    fn a_credit_note_is_dated_within_its_exercice_and_after_the_last_of_its_series() {
        let appel = appel();
        // Within the exercice, after the last credit note: accepted.
        let after_last = Request {
            date: date(3, 2),
            last: Some(("AV-2027-00003", date(3, 1))),
            ..request(&[], 4)
        };
        assert!(credit(&appel, &after_last, &known(), &[]).is_ok());
        // Before the last credit note of the series.
        let before_last = Request {
            date: date(2, 28),
            ..after_last
        };
        let err = credit(&appel, &before_last, &known(), &[]).unwrap_err();
        assert_eq!(
            err,
            AvoirError::DateAvantAvoir {
                avoir: "AV-2027-00003".into(),
                avoir_date: date(3, 1),
                date: date(2, 28),
            }
        );
        assert!(
            err.to_string()
                .contains("avant l'avoir AV-2027-00003 du 1er mars 2027"),
            "{err}"
        );
        // In the next year (even during the journée complémentaire, when it
        // is dated 31 December), or years later.
        for year in [2028, 2031] {
            let late = Request {
                date: NaiveDate::from_ymd_opt(year, 1, 15).unwrap(),
                ..request(&[], 1)
            };
            let err = credit(&appel, &late, &known(), &[]).unwrap_err();
            assert_eq!(
                err,
                AvoirError::DateHorsExercice {
                    exercice: 2027,
                    date: late.date,
                }
            );
            assert!(
                err.to_string().contains("datez-le du 31 décembre 2027"),
                "{err}"
            );
        }
        let last_day = Request {
            date: date(12, 31),
            ..request(&[], 1)
        };
        assert!(credit(&appel, &last_day, &known(), &[]).is_ok());
    }

    #[test]
    fn refuses_more_than_billed() {
        let appel = appel();
        // An earlier credit of the same appel, recorded for an amount that
        // leaves less than the training line: crediting it would exceed.
        let already = [Credited {
            appel: appel.numero.clone(),
            code: "forfait_metiers".into(),
            avoir: "AV-2027-00001".into(),
            montant_ttc: appel.totaux.ttc,
        }];
        let asked = codes(&["formation_jours"]);
        let err = credit(&appel, &request(&asked, 2), &known(), &already).unwrap_err();
        assert!(
            matches!(&err, AvoirError::Depassement { facture, credite, .. } if credite > facture)
        );
        assert!(err.to_string().contains("plus que le montant facturé"));
        // Credits of another appel do not count.
        let other = [Credited {
            appel: "AC-2027-00013".into(),
            ..already[0].clone()
        }];
        assert!(credit(&appel, &request(&asked, 2), &known(), &other).is_ok());
    }

    #[test]
    fn refuses_an_empty_motif_and_a_date_before_the_appel() {
        let appel = appel();
        let blank = Request {
            motif: "  ",
            ..request(&[], 1)
        };
        assert_eq!(
            credit(&appel, &blank, &known(), &[]),
            Err(AvoirError::MotifVide)
        );
        let early = Request {
            date: date(1, 14),
            ..request(&[], 1)
        };
        assert!(matches!(
            credit(&appel, &early, &known(), &[]),
            Err(AvoirError::DateAnterieure { .. })
        ));
    }
}
