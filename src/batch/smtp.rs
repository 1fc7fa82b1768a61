//! The connection to the Centre's SMTP relay (lettre's client): plain
//! (loopback only: the glue refuses any other host), STARTTLS or implicit
//! TLS, then AUTH when an account is given. One connection is kept open
//! across messages and opened again after any failure; each message's
//! outcome is the relay's reply, classified as accepted, refused for
//! good (5xx, or an address lettre refuses) or temporary (4xx, connection
//! lost, timeout): only the glue decides to retry.

use std::time::Duration;

use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{SmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

use crate::relay::Securite;

/// How long the relay may stay silent before the message counts as a
/// temporary failure.
const TIMEOUT: Duration = Duration::from_secs(60);

/// Where and how to connect.
#[derive(Debug, Clone)]
pub struct Parametres {
    pub hote: String,
    pub port: u16,
    pub securite: Securite,
    /// Account and password, if the relay wants authentication.
    pub compte: Option<(String, String)>,
}

/// A message the relay accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepte {
    /// The relay's reply (code and text).
    pub reponse: String,
    /// Recipients the relay refused for good while accepting the others:
    /// each address and the reply.
    pub refusees: Vec<(String, String)>,
}

/// A message the relay did not accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Echec {
    /// Refused for good (a 5xx reply): never retried.
    pub definitif: bool,
    /// The relay's reply or what went wrong (lettre's text, English).
    pub reponse: String,
    /// The connection itself could not be made (not this message's fault).
    pub connexion: bool,
}

/// The relay, connected on demand.
pub struct Relais {
    parametres: Parametres,
    connexion: Option<SmtpConnection>,
    hello: ClientId,
}

impl Relais {
    #[must_use]
    pub fn new(parametres: Parametres) -> Relais {
        // This machine's name (lettre's `hostname` feature).
        let hello = ClientId::default();
        Relais {
            parametres,
            connexion: None,
            hello,
        }
    }

    /// Opens the connection (and TLS, and AUTH) if none is open.
    fn connect(&mut self) -> Result<&mut SmtpConnection, Echec> {
        if self
            .connexion
            .as_ref()
            .is_some_and(SmtpConnection::has_broken)
        {
            self.connexion = None;
        }
        if self.connexion.is_none() {
            let p = &self.parametres;
            let fail = |e: lettre::transport::smtp::Error| Echec {
                definitif: false,
                reponse: e.to_string(),
                connexion: true,
            };
            let tls = match p.securite {
                Securite::Aucune => None,
                Securite::StartTls | Securite::Tls => {
                    Some(TlsParameters::new(p.hote.clone()).map_err(fail)?)
                }
            };
            let implicit = if p.securite == Securite::Tls {
                tls.as_ref()
            } else {
                None
            };
            let mut conn = SmtpConnection::connect(
                (p.hote.as_str(), p.port),
                Some(TIMEOUT),
                &self.hello,
                implicit,
                None,
            )
            .map_err(fail)?;
            if p.securite == Securite::StartTls {
                if !conn.can_starttls() {
                    return Err(Echec {
                        definitif: false,
                        reponse: "STARTTLS non proposé par le relais".into(),
                        connexion: true,
                    });
                }
                if let Some(tls) = &tls {
                    conn.starttls(tls, &self.hello).map_err(fail)?;
                }
            }
            if let Some((user, password)) = &p.compte {
                conn.auth(
                    &[Mechanism::Plain, Mechanism::Login],
                    &Credentials::new(user.clone(), password.clone()),
                )
                .map_err(|e| Echec {
                    definitif: e.is_permanent(),
                    reponse: e.to_string(),
                    connexion: true,
                })?;
            }
            self.connexion = Some(conn);
        }
        self.connexion.as_mut().ok_or(Echec {
            definitif: false,
            reponse: String::new(),
            connexion: true,
        })
    }

    /// Sends one message; on success, the relay's reply and the recipients
    /// it refused for good (the message went to the others).
    ///
    /// # Errors
    /// The relay did not accept it: see `Echec`.
    pub fn send(&mut self, envelope: &Envelope, bytes: &[u8]) -> Result<Accepte, Echec> {
        let conn = self.connect()?;
        let ascii = bytes.is_ascii()
            && envelope
                .to()
                .iter()
                .chain(envelope.from())
                .all(|a| AsRef::<str>::as_ref(a).is_ascii());
        let sent = if ascii {
            send_in_one_write(conn, envelope, bytes)
        } else {
            conn.send(envelope, bytes).map(|r| (r, Vec::new()))
        };
        match sent {
            Ok((response, refusees)) => Ok(Accepte {
                reponse: format!(
                    "{} {}",
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                ),
                refusees,
            }),
            Err(e) => {
                // After a refusal or a lost connection, the session is
                // ended: a new one for the next message.
                if let Some(mut c) = self.connexion.take() {
                    c.abort();
                }
                Err(Echec {
                    definitif: e.is_permanent(),
                    reponse: e.to_string(),
                    connexion: false,
                })
            }
        }
    }

    /// Says goodbye to the relay.
    pub fn close(&mut self) {
        if let Some(mut c) = self.connexion.take() {
            let _ = c.quit();
        }
    }
}

/// The text of a message after `DATA`: dot-stuffed, then its terminator.
struct Payload(String);

impl std::fmt::Display for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Sends one message (an ASCII one: MIME-encoded, ASCII addresses) with
/// lettre's commands, its body and its terminator in one write. lettre's
/// own `send` writes the final `CRLF.CRLF` apart from the body, and it sets
/// no `TCP_NODELAY`: Nagle's algorithm then holds those five bytes until the
/// relay acknowledges the body, which the relay's delayed acknowledgement
/// puts off by up to 40 ms, for every message (measured: 41 ms of a 44 ms
/// message to a local server). A recipient refused for good (5xx) while
/// others are accepted does not stop the message: it goes to the others,
/// and the refused ones are returned.
fn send_in_one_write(
    conn: &mut SmtpConnection,
    envelope: &Envelope,
    bytes: &[u8],
) -> Result<
    (
        lettre::transport::smtp::response::Response,
        Vec<(String, String)>,
    ),
    lettre::transport::smtp::Error,
> {
    use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
    conn.command(Mail::new(envelope.from().cloned(), vec![]))?;
    let mut refused = Vec::new();
    let mut first_refusal = None;
    for to in envelope.to() {
        match conn.command(Rcpt::new(to.clone(), vec![])) {
            Ok(_) => {}
            Err(e) if e.is_permanent() => {
                refused.push((to.to_string(), e.to_string()));
                first_refusal.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    if let Some(e) = first_refusal
        && refused.len() == envelope.to().len()
    {
        return Err(e);
    }
    conn.command(Data)?;
    let response = conn.command(Payload(stuffed(bytes)))?;
    Ok((response, refused))
}

/// `bytes` as sent after `DATA`: every line starting with a dot gets one
/// more (RFC 5321 4.5.2), then the terminator.
fn stuffed(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut payload = String::with_capacity(text.len() + text.len() / 64 + 8);
    for (i, line) in text.split("\r\n").enumerate() {
        if i > 0 {
            payload.push_str("\r\n");
        }
        if line.starts_with('.') {
            payload.push('.');
        }
        payload.push_str(line);
    }
    if !payload.ends_with("\r\n") {
        payload.push_str("\r\n");
    }
    payload.push_str(".\r\n");
    payload
}

#[cfg(test)]
mod tests {
    use super::stuffed;

    #[test]
    fn dots_are_doubled_and_the_message_terminated() {
        assert_eq!(
            stuffed(b"a\r\n.b\r\n..\r\nc"),
            "a\r\n..b\r\n...\r\nc\r\n.\r\n"
        );
        assert_eq!(stuffed(b".x\r\n"), "..x\r\n.\r\n");
    }
}
