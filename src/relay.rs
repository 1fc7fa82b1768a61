//! The Centre's SMTP relay, as the issuer file's `[smtp]` section gives it
//! (`cotisations envoi`): host, port, security, account, sender and
//! reply-to addresses, the sending rate and the e-mail template's path.
//!
//! Two stages, like the issuer file it is part of: `RawRelay` mirrors the
//! TOML with positions, `validate` checks it into a `Relay` and pushes
//! every problem, positioned, into the issuer file's collector. The
//! password is never in the TOML: a `mot_de_passe` key is refused, the
//! password comes from an environment variable or a file readable by its
//! owner alone (read by the glue, not here).
//!
//! Parses nothing from disk, connects to nothing.

use std::fmt;
use std::path::PathBuf;

use serde::Deserialize;
use toml::Spanned;

/// How the connection to the relay is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Securite {
    /// Plain connection upgraded by STARTTLS (port 587 by default).
    StartTls,
    /// TLS from the first byte (port 465 by default).
    Tls,
    /// No encryption: accepted only to a loopback address.
    Aucune,
}

impl Securite {
    /// The port used when the file gives none.
    #[must_use]
    pub fn default_port(self) -> u16 {
        match self {
            Securite::StartTls => 587,
            Securite::Tls => 465,
            Securite::Aucune => 25,
        }
    }
}

/// The relay, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relay {
    pub hote: String,
    pub port: u16,
    pub securite: Securite,
    /// The account to authenticate as (empty: no authentication).
    pub utilisateur: String,
    /// The `From` address (empty: the issuer's `email`).
    pub expediteur: String,
    /// The `Reply-To` address (empty: the issuer's `email`).
    pub repondre_a: String,
    /// Addresses copied on every message (`Cc`).
    pub copie: Vec<String>,
    /// A file holding the password, readable by its owner alone.
    pub mot_de_passe_fichier: Option<PathBuf>,
    /// At most this many messages a minute (`None`: no limit).
    pub messages_par_minute: Option<u32>,
    /// The e-mail template (`None`: the built-in one).
    pub modele: Option<PathBuf>,
}

/// The `[smtp]` section as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRelay {
    hote: Spanned<String>,
    #[serde(default)]
    port: Option<Spanned<i64>>,
    #[serde(default)]
    securite: Option<Spanned<String>>,
    #[serde(default)]
    utilisateur: String,
    #[serde(default)]
    expediteur: Option<Spanned<String>>,
    #[serde(default)]
    repondre_a: Option<Spanned<String>>,
    #[serde(default)]
    copie: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    mot_de_passe_fichier: Option<String>,
    /// Refused: the password never lives in the TOML.
    #[serde(default)]
    mot_de_passe: Option<Spanned<toml::Value>>,
    #[serde(default)]
    messages_par_minute: Option<Spanned<i64>>,
    #[serde(default)]
    modele: Option<String>,
}

/// What is wrong in the `[smtp]` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RelayProblem {
    HoteVide,
    Port { value: i64 },
    Securite { value: String },
    Adresse { field: &'static str, value: String },
    MotDePasseEnClair,
    Rythme { value: i64 },
}

impl fmt::Display for RelayProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RelayProblem::HoteVide => write!(
                f,
                "[smtp] « hote » est vide : indiquez le nom du relais de messagerie du Centre, par exemple smtp.cdg14.fr"
            ),
            RelayProblem::Port { value } => write!(
                f,
                "[smtp] port {value} invalide : un nombre de 1 à 65535 (587 pour STARTTLS, 465 pour TLS)"
            ),
            RelayProblem::Securite { value } => write!(
                f,
                "[smtp] securite « {value} » inconnue : écrivez « starttls », « tls » ou « aucune »"
            ),
            RelayProblem::Adresse { field, value } => write!(
                f,
                "[smtp] {field} : adresse électronique « {value} » invalide, écrivez-la nom@domaine.fr"
            ),
            RelayProblem::MotDePasseEnClair => write!(
                f,
                "[smtp] le mot de passe ne doit pas figurer dans ce fichier : retirez la clé « mot_de_passe » et donnez-le par la variable d'environnement COTISATIONS_SMTP_MOT_DE_PASSE ou par « mot_de_passe_fichier » (un fichier lisible par son seul propriétaire, chmod 600)"
            ),
            RelayProblem::Rythme { value } => write!(
                f,
                "[smtp] messages_par_minute = {value} invalide : un nombre de 1 à 10000"
            ),
        }
    }
}

/// Validates the section, pushing each problem with its position.
#[allow(clippy::too_many_lines, reason = "one check per key, in file order")]
pub(crate) fn validate(
    c: &mut crate::tariff::Collector<'_, RelayProblem>,
    raw: &RawRelay,
) -> Relay {
    let hote = raw.hote.get_ref().trim().to_string();
    if hote.is_empty() {
        c.push(raw.hote.span(), RelayProblem::HoteVide);
    }
    let securite = match &raw.securite {
        None => Securite::StartTls,
        Some(s) => match s.get_ref().trim().to_lowercase().as_str() {
            "starttls" => Securite::StartTls,
            "tls" | "ssl" => Securite::Tls,
            "aucune" => Securite::Aucune,
            other => {
                c.push(
                    s.span(),
                    RelayProblem::Securite {
                        value: other.to_string(),
                    },
                );
                Securite::StartTls
            }
        },
    };
    let port = match &raw.port {
        None => securite.default_port(),
        Some(p) => u16::try_from(*p.get_ref())
            .ok()
            .filter(|p| *p > 0)
            .unwrap_or_else(|| {
                c.push(
                    p.span(),
                    RelayProblem::Port {
                        value: *p.get_ref(),
                    },
                );
                securite.default_port()
            }),
    };
    let mut address = |field: &'static str, value: Option<&Spanned<String>>| -> String {
        let Some(v) = value else {
            return String::new();
        };
        let text = v.get_ref().trim().to_string();
        if !text.is_empty() && !crate::ident::email_ok(&text) {
            c.push(
                v.span(),
                RelayProblem::Adresse {
                    field,
                    value: text.clone(),
                },
            );
        }
        text
    };
    let expediteur = address("expediteur", raw.expediteur.as_ref());
    let repondre_a = address("repondre_a", raw.repondre_a.as_ref());
    let mut copie = Vec::new();
    if let Some(list) = &raw.copie {
        for a in list.get_ref() {
            let a = a.trim().to_string();
            if !crate::ident::email_ok(&a) {
                c.push(
                    list.span(),
                    RelayProblem::Adresse {
                        field: "copie",
                        value: a.clone(),
                    },
                );
            }
            copie.push(a);
        }
    }
    if let Some(m) = &raw.mot_de_passe {
        c.push(m.span(), RelayProblem::MotDePasseEnClair);
    }
    let messages_par_minute = raw.messages_par_minute.as_ref().and_then(|m| {
        let v = *m.get_ref();
        match u32::try_from(v) {
            Ok(n) if (1..=10_000).contains(&n) => Some(n),
            _ => {
                c.push(m.span(), RelayProblem::Rythme { value: v });
                None
            }
        }
    });
    Relay {
        hote,
        port,
        securite,
        utilisateur: raw.utilisateur.trim().to_string(),
        expediteur,
        repondre_a,
        copie,
        mot_de_passe_fichier: raw
            .mot_de_passe_fichier
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from),
        messages_par_minute,
        modele: raw
            .modele
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(PathBuf::from),
    }
}

/// The relay named by `COTISATIONS_SMTP` (`smtp://HOTE:PORT`, or
/// `smtps://HOTE:PORT` for implicit TLS, `smtp+starttls://HOTE:PORT`):
/// host, port and security. `None` when the text is not such a URL.
#[must_use]
pub fn parse_url(text: &str) -> Option<(String, u16, Securite)> {
    let (scheme, rest) = text.trim().split_once("://")?;
    let securite = match scheme {
        "smtp" => Securite::Aucune,
        "smtps" => Securite::Tls,
        "smtp+starttls" => Securite::StartTls,
        _ => return None,
    };
    let rest = rest.trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
            (h.to_string(), p.parse::<u16>().ok().filter(|p| *p > 0)?)
        }
        _ => (rest.to_string(), securite.default_port()),
    };
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    if host.is_empty() {
        return None;
    }
    Some((host, port, securite))
}

/// Whether `host` is a loopback address (the only place plain SMTP may go).
#[must_use]
pub fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            parse_url("smtp://127.0.0.1:2525"),
            Some(("127.0.0.1".into(), 2525, Securite::Aucune))
        );
        assert_eq!(
            parse_url("smtps://smtp.cdg14.fr"),
            Some(("smtp.cdg14.fr".into(), 465, Securite::Tls))
        );
        assert_eq!(
            parse_url("smtp+starttls://[::1]:587"),
            Some(("::1".into(), 587, Securite::StartTls))
        );
        assert_eq!(parse_url("http://x:1"), None);
        assert_eq!(parse_url("smtp://x:0"), None);
        assert!(is_loopback("127.0.0.1") && is_loopback("::1") && is_loopback("localhost"));
        assert!(!is_loopback("smtp.cdg14.fr") && !is_loopback("10.0.0.1"));
    }

    fn parse(text: &str) -> (Relay, Vec<RelayProblem>) {
        #[derive(Deserialize)]
        struct W {
            smtp: RawRelay,
        }
        let w: W = toml::from_str(text).unwrap();
        let mut c = crate::tariff::Collector::new(text);
        let r = validate(&mut c, &w.smtp);
        (r, c.errors.into_iter().map(|e| e.kind).collect())
    }

    #[test]
    fn the_samples_commented_section_is_valid_once_uncommented() {
        for sample in [
            include_str!("../input-samples/emetteur.toml"),
            include_str!("../templates/emetteur.toml"),
        ] {
            let at = sample.find("# [smtp]").expect("the commented section");
            // The section's lines only, up to its last key: another
            // section may follow.
            let last = "# messages_par_minute = 60\n";
            let end = at + sample[at..].find(last).expect("the section's last key") + last.len();
            let section = sample[at..end].lines().fold(String::new(), |mut s, l| {
                s.push_str(l.strip_prefix("# ").unwrap_or(l));
                s.push('\n');
                s
            });
            let text = format!("{}{section}{}", &sample[..at], &sample[end..]);
            if let Ok(e) = crate::emetteur::Emetteur::parse(&text) {
                let r = e.smtp.expect("[smtp] read");
                assert_eq!((r.hote.as_str(), r.port), ("smtp.cdg14.fr", 587));
                assert_eq!(r.securite, Securite::StartTls);
                assert_eq!(r.messages_par_minute, Some(60));
            } else {
                // The blank template: only its [smtp] section is judged.
                let errors = crate::emetteur::Emetteur::parse(&text).unwrap_err();
                assert!(
                    errors
                        .iter()
                        .all(|e| !matches!(e.kind, crate::emetteur::EmetteurErrorKind::Smtp(_))),
                    "{errors:?}"
                );
            }
        }
    }

    #[test]
    fn defaults_and_problems() {
        let (r, p) = parse("[smtp]\nhote = \"smtp.cdg14.fr\"\n");
        assert!(p.is_empty());
        assert_eq!((r.port, r.securite), (587, Securite::StartTls));
        let (_, p) = parse(
            "[smtp]\nhote = \"\"\nport = 70000\nsecurite = \"ssl3\"\nexpediteur = \"x\"\nmot_de_passe = \"secret\"\nmessages_par_minute = 0\n",
        );
        assert_eq!(p.len(), 6, "{p:?}");
        assert!(p.contains(&RelayProblem::MotDePasseEnClair));
    }
}
