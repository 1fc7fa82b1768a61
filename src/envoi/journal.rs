//! The send journal's record (`envois.jsonl` in the exercice folder, one
//! JSON line per event, written by `batch::envoi`) and what remains to
//! send given it.
//!
//! The journal is what makes sending exactly-once across crashes and
//! reruns: each message has a `tentative` line (written before it goes to
//! the relay) and, once the relay answered, its result (`accepte`,
//! `refuse`, `echec`), flushed to disk before the next message. A
//! document whose last line is a `tentative` was perhaps accepted just
//! before a crash: it is sent again (the one repeat the README admits),
//! under the same `Message-ID`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Document;

/// What happened to a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Evenement {
    /// Handed to the relay, answer not yet recorded.
    Tentative,
    /// The relay accepted the message (2xx).
    Accepte,
    /// The relay refused it for good (5xx, or an address that is none).
    Refuse,
    /// Temporary failures (4xx, connection lost), retries exhausted.
    Echec,
    /// No e-mail address: put in a print-ready mailing (`fichier`).
    Courrier,
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ligne {
    pub numero: String,
    pub membre_id: String,
    pub nom: String,
    pub evenement: Evenement,
    /// The addresses of the message (`To`), empty for the post.
    #[serde(default)]
    pub destinataires: Vec<String>,
    #[serde(default)]
    pub message_id: String,
    /// Which deliberate sending this is: 1, then 2… for `--renvoyer`.
    #[serde(default)]
    pub envoi: u32,
    /// Sent again on purpose (`--renvoyer`).
    #[serde(default)]
    pub renvoi: bool,
    /// RFC 3339, the local time of the event.
    pub horodatage: String,
    /// The relay's reply (code and text), or why it was not sent.
    #[serde(default)]
    pub reponse: String,
    /// The mailing that holds it (`courrier`), relative to the folder.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fichier: String,
    /// SHA-256 of the previous line (empty for the first): a line removed
    /// or changed breaks the chain.
    pub precedent: String,
}

/// The state of one document, from its journal lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Etat {
    /// Never sent nor posted.
    AFaire,
    /// Handed to the relay, no answer recorded: perhaps sent.
    Incertain {
        envoi: u32,
    },
    Accepte {
        envoi: u32,
    },
    Refuse {
        envoi: u32,
    },
    Echec {
        envoi: u32,
    },
    Courrier,
}

/// Each document's state, by number, from the journal's lines in order.
#[must_use]
pub fn etats(lignes: &[Ligne]) -> BTreeMap<&str, Etat> {
    let mut out = BTreeMap::new();
    for l in lignes {
        let envoi = l.envoi;
        let etat = match l.evenement {
            Evenement::Tentative => Etat::Incertain { envoi },
            Evenement::Accepte => Etat::Accepte { envoi },
            Evenement::Refuse => Etat::Refuse { envoi },
            Evenement::Echec => Etat::Echec { envoi },
            Evenement::Courrier => Etat::Courrier,
        };
        out.insert(l.numero.as_str(), etat);
    }
    out
}

/// The highest sending number the journal gives `numero`.
fn last_envoi(lignes: &[Ligne], numero: &str) -> u32 {
    lignes
        .iter()
        .filter(|l| l.numero == numero)
        .map(|l| l.envoi)
        .max()
        .unwrap_or(0)
}

/// What to do with one document in this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send it by e-mail: the `envoi`-th sending; `repetition` when it was
    /// perhaps sent already (a crash after the relay's acceptance).
    Courriel {
        envoi: u32,
        renvoi: bool,
        repetition: bool,
    },
    /// Put it in the print-ready mailing.
    Courrier,
}

/// What this run does, in register order: each document not yet sent
/// (nor posted, nor refused for good), and those of `renvoyer` again.
/// Refused documents are not retried by a rerun: they are sent again
/// only on purpose (`--renvoyer`).
#[must_use]
pub fn plan<'d>(
    documents: &'d [Document],
    lignes: &[Ligne],
    renvoyer: &[String],
) -> Vec<(&'d Document, Action)> {
    let etats = etats(lignes);
    let mut out = Vec::new();
    for d in documents {
        if renvoyer.iter().any(|n| n == &d.numero) {
            let action = if d.emails.is_empty() {
                // Sent again by post: no address to send it to.
                Action::Courrier
            } else {
                Action::Courriel {
                    envoi: last_envoi(lignes, &d.numero) + 1,
                    renvoi: true,
                    repetition: false,
                }
            };
            out.push((d, action));
            continue;
        }
        let etat = etats
            .get(d.numero.as_str())
            .copied()
            .unwrap_or(Etat::AFaire);
        let action = match etat {
            Etat::Accepte { .. } | Etat::Refuse { .. } | Etat::Courrier => continue,
            _ if d.emails.is_empty() => Action::Courrier,
            Etat::AFaire => Action::Courriel {
                envoi: 1,
                renvoi: false,
                repetition: false,
            },
            Etat::Echec { envoi } => Action::Courriel {
                envoi,
                renvoi: envoi > 1,
                repetition: false,
            },
            Etat::Incertain { envoi } => Action::Courriel {
                envoi,
                renvoi: envoi > 1,
                repetition: true,
            },
        };
        out.push((d, action));
    }
    out
}

/// What `etat` prints about the sending: one line per document the
/// journal names (its last event: how, when, to whom, the relay's reply),
/// after a count of each kind. Empty when nothing was sent.
#[must_use]
pub fn resume(lignes: &[Ligne]) -> String {
    use std::fmt::Write as _;
    if lignes.is_empty() {
        return String::new();
    }
    let mut last: BTreeMap<&str, &Ligne> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    let mut accepted: BTreeMap<&str, usize> = BTreeMap::new();
    for l in lignes {
        if last.insert(l.numero.as_str(), l).is_none() {
            order.push(l.numero.as_str());
        }
        if l.evenement == Evenement::Accepte {
            *accepted.entry(l.numero.as_str()).or_default() += 1;
        }
    }
    let count = |e: Evenement| last.values().filter(|l| l.evenement == e).count();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nEnvois (envois.jsonl) : {} par courriel, {} par courrier, {} refusé(s), {} en échec, {} incertain(s)",
        count(Evenement::Accepte),
        count(Evenement::Courrier),
        count(Evenement::Refuse),
        count(Evenement::Echec),
        count(Evenement::Tentative),
    );
    for numero in order {
        let l = last[numero];
        let (comment, detail) = match l.evenement {
            Evenement::Accepte => ("courriel", l.destinataires.join(", ")),
            Evenement::Courrier => ("courrier", l.fichier.clone()),
            Evenement::Refuse => ("REFUSÉ", l.destinataires.join(", ")),
            Evenement::Echec => ("ÉCHEC", l.destinataires.join(", ")),
            Evenement::Tentative => ("incertain", l.destinataires.join(", ")),
        };
        let quand = chrono::DateTime::parse_from_rfc3339(&l.horodatage)
            .map(|t| t.format("%d/%m/%Y %H:%M").to_string())
            .unwrap_or_default();
        let _ = write!(
            out,
            "  {numero}  {}  {}  {comment}  {quand}  {detail}",
            l.membre_id, l.nom
        );
        if !l.reponse.is_empty() {
            let _ = write!(out, "  « {} »", l.reponse);
        }
        match accepted.get(numero) {
            Some(n) if *n > 1 => {
                let _ = write!(out, "  (envoyé {n} fois)");
            }
            _ => {}
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Montant;
    use chrono::NaiveDate;

    fn doc(numero: &str, email: bool) -> Document {
        Document {
            numero: numero.into(),
            avoir: false,
            membre_id: format!("M-{numero}"),
            nom: "X".into(),
            emails: if email { vec!["a@b.fr".into()] } else { vec![] },
            adresse: String::new(),
            code_postal: "14000".into(),
            ville: "CAEN".into(),
            total_ttc: Montant::ZERO,
            date_emission: NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
            date_echeance: NaiveDate::from_ymd_opt(2027, 2, 14).unwrap(),
            exercice: 2027,
            fichier: String::new(),
            sha256: String::new(),
            appel: None,
        }
    }

    fn ligne(numero: &str, evenement: Evenement, envoi: u32) -> Ligne {
        Ligne {
            numero: numero.into(),
            membre_id: String::new(),
            nom: String::new(),
            evenement,
            destinataires: vec![],
            message_id: String::new(),
            envoi,
            renvoi: false,
            horodatage: String::new(),
            reponse: String::new(),
            fichier: String::new(),
            precedent: String::new(),
        }
    }

    #[test]
    fn a_rerun_sends_only_what_is_missing() {
        let docs = [
            doc("A1", true),
            doc("A2", true),
            doc("A3", true),
            doc("A4", true),
            doc("A5", false),
            doc("A6", true),
        ];
        let lignes = [
            ligne("A1", Evenement::Tentative, 1),
            ligne("A1", Evenement::Accepte, 1),
            ligne("A2", Evenement::Tentative, 1),
            ligne("A2", Evenement::Refuse, 1),
            ligne("A3", Evenement::Tentative, 1),
            ligne("A4", Evenement::Tentative, 1),
            ligne("A4", Evenement::Echec, 1),
        ];
        let p: Vec<(&str, Action)> = plan(&docs, &lignes, &[])
            .into_iter()
            .map(|(d, a)| (d.numero.as_str(), a))
            .collect();
        assert_eq!(
            p,
            vec![
                (
                    "A3",
                    Action::Courriel {
                        envoi: 1,
                        renvoi: false,
                        repetition: true
                    }
                ),
                (
                    "A4",
                    Action::Courriel {
                        envoi: 1,
                        renvoi: false,
                        repetition: false
                    }
                ),
                ("A5", Action::Courrier),
                (
                    "A6",
                    Action::Courriel {
                        envoi: 1,
                        renvoi: false,
                        repetition: false
                    }
                ),
            ]
        );
        let again = plan(&docs, &lignes, &["A1".into()]);
        assert_eq!(again[0].0.numero, "A1");
        assert_eq!(
            again[0].1,
            Action::Courriel {
                envoi: 2,
                renvoi: true,
                repetition: false
            }
        );
    }
}
