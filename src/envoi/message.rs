//! One document's e-mail, as bytes (RFC 5322, MIME): the rendered
//! subject and body in UTF-8, the PDF attached under the document's
//! number, `From`, `Reply-To` to the Centre, `To` the member's addresses,
//! and a `Date` and `Message-ID` given by the caller, so that the same
//! document and date give the same bytes (`--essai`). The MIME boundary
//! is derived from the document too, for the same reason. `lettre` does
//! the encoding (RFC 2047 names, quoted-printable, base64).

use std::time::{Duration, SystemTime};

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{Address, Message};

use super::Document;
use sha2::{Digest, Sha256};

/// Who sends, and who is copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Adresses {
    /// The `From` name (the Centre's name) and address.
    pub nom: String,
    pub expediteur: String,
    /// The `Reply-To` address.
    pub repondre_a: String,
    /// Copied on every message (`Cc`).
    pub copie: Vec<String>,
}

/// A message ready to hand to the relay or to write as `.eml`.
#[derive(Debug, Clone)]
pub struct Courriel {
    pub octets: Vec<u8>,
    pub envelope: lettre::address::Envelope,
    pub message_id: String,
    /// The `To` addresses.
    pub destinataires: Vec<String>,
}

/// The `Message-ID` of the `envoi`-th deliberate sending of `doc` (1 the
/// first, 2 and more for `--renvoyer`): the same for a message repeated
/// after a crash, so that mail readers can recognise the duplicate.
#[must_use]
pub fn message_id(doc: &Document, envoi: u32, expediteur: &str) -> String {
    let domain = expediteur
        .rsplit_once('@')
        .map_or("cotisations.invalid", |(_, d)| d);
    let short = doc.sha256.get(..12).unwrap_or(&doc.sha256);
    format!("<{}.{short}.{envoi}@{domain}>", doc.numero)
}

/// Builds the message of `doc` to `to`.
///
/// # Errors
/// An address that is not one (the text of the address in question).
#[allow(
    clippy::too_many_arguments,
    reason = "each is one header or part of the message"
)]
pub fn build(
    doc: &Document,
    sujet: &str,
    corps: &str,
    pdf: &[u8],
    adresses: &Adresses,
    to: &[String],
    date: chrono::DateTime<chrono::Utc>,
    envoi: u32,
) -> Result<Courriel, String> {
    let address = |text: &str| -> Result<Address, String> {
        text.trim().parse::<Address>().map_err(|_| text.to_string())
    };
    let from = Mailbox::new(Some(adresses.nom.clone()), address(&adresses.expediteur)?);
    let message_id = message_id(doc, envoi, &adresses.expediteur);
    let secs = u64::try_from(date.timestamp()).unwrap_or(0);
    let mut builder = Message::builder()
        .from(from)
        .reply_to(Mailbox::new(
            Some(adresses.nom.clone()),
            address(&adresses.repondre_a)?,
        ))
        .subject(sujet)
        .date(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
        .message_id(Some(message_id.clone()))
        .user_agent(format!("cotisations {}", env!("CARGO_PKG_VERSION")));
    let mut destinataires = Vec::new();
    for t in to {
        builder = builder.to(Mailbox::new(None, address(t)?));
        destinataires.push(t.trim().to_string());
    }
    for c in &adresses.copie {
        builder = builder.cc(Mailbox::new(None, address(c)?));
    }
    // Deterministic, and cannot occur in the body: a hash of the document
    // and the sending (lettre would draw a random one).
    let digest = Sha256::digest(format!("{}:{}:{envoi}", doc.numero, doc.sha256).as_bytes());
    let boundary = digest.iter().take(12).fold(String::new(), |mut s, b| {
        use std::fmt::Write as _;
        let _ = write!(s, "{b:02x}");
        s
    });
    let boundary = format!("=_cotisations_{boundary}");
    let pdf_type = ContentType::parse("application/pdf").map_err(|_| String::new())?;
    let body = MultiPart::mixed()
        .boundary(boundary)
        .singlepart(SinglePart::plain(corps.to_string()))
        .singlepart(Attachment::new(format!("{}.pdf", doc.numero)).body(pdf.to_vec(), pdf_type));
    let message = builder.multipart(body).map_err(|e| e.to_string())?;
    Ok(Courriel {
        octets: message.formatted(),
        envelope: message.envelope().clone(),
        message_id,
        destinataires,
    })
}
