//! Identifiers with a check key, validated wherever they are typed: the
//! SIRET (roster, issuer file), the IBAN and the BIC (issuer file). Pure
//! functions over text; the messages are the callers'.

/// Why a SIRET is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiretProblem {
    Length,
    NotDigits,
    Luhn,
}

impl std::fmt::Display for SiretProblem {
    /// Why, as the messages end: « SIRET « … » invalide : {why} ».
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SiretProblem::Length => "il doit compter 14 chiffres",
            SiretProblem::NotDigits => "il ne doit contenir que des chiffres (et des espaces)",
            SiretProblem::Luhn => "sa clé de contrôle est fausse (faute de frappe ?)",
        })
    }
}

/// Whether `digits` (ASCII digits only) passes the Luhn check.
#[must_use]
pub fn luhn_ok(digits: &str) -> bool {
    let mut sum = 0u32;
    for (i, c) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(c.wrapping_sub(b'0'));
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

/// Normalises and checks a SIRET: spaces, dots and hyphens removed, 14
/// digits, Luhn key.
///
/// # Errors
/// The reason it is refused.
pub fn parse_siret(text: &str) -> Result<String, SiretProblem> {
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '.' | '-'))
        .collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(SiretProblem::NotDigits);
    }
    if digits.len() != 14 {
        return Err(SiretProblem::Length);
    }
    if !luhn_ok(&digits) {
        return Err(SiretProblem::Luhn);
    }
    Ok(digits)
}

/// Why an IBAN is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IbanProblem {
    /// Not two letters, two digits, then letters and digits.
    Format,
    /// The two check digits are wrong (ISO 13616 mod 97).
    Checksum,
    /// The country code is not one of the IBAN registry.
    UnknownCountry,
    /// Right country, but not that country's length or pattern.
    CountryFormat { expected: Option<usize> },
    /// A French IBAN whose RIB key (the last two digits) is wrong.
    RibKey,
}

/// Checks an IBAN (spaces allowed) and returns it in the printed form:
/// upper case, groups of four.
///
/// The structure, country length and mod-97 key are checked by
/// `iban_validate` (the IBAN registry's formats); a French IBAN (and those
/// of the territories that use the French RIB) has its RIB key checked
/// too, which catches a typo in the account number the mod-97 key alone
/// may let through only with odds of 1 in 97.
///
/// # Errors
/// The reason it is refused.
pub fn parse_iban(text: &str) -> Result<String, IbanProblem> {
    let compact: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let iban: iban::Iban = compact.parse().map_err(|e| match e {
        iban::ParseIbanError::InvalidBaseIban {
            source: iban::ParseBaseIbanError::InvalidChecksum,
        } => IbanProblem::Checksum,
        iban::ParseIbanError::InvalidBaseIban { .. } => IbanProblem::Format,
        iban::ParseIbanError::UnknownCountry(_) => IbanProblem::UnknownCountry,
        iban::ParseIbanError::InvalidBban(_) => IbanProblem::CountryFormat {
            expected: country_length(&compact),
        },
    })?;
    let electronic = iban::IbanLike::electronic_str(&iban);
    if uses_french_rib(&electronic[..2]) && !rib_key_ok(&electronic[4..]) {
        return Err(IbanProblem::RibKey);
    }
    Ok(iban.to_string())
}

/// The length of an IBAN of `iban`'s country, as the registry has it: the
/// length for which an all-zero account (check digits fixed) is valid. The
/// registry stays the crate's; a country whose accounts need letters gives
/// `None`.
fn country_length(iban: &str) -> Option<usize> {
    let country = iban.get(..2)?;
    (15..=34).find(|&n| {
        let bban = "0".repeat(n - 4);
        let check = 98 - mod97(&format!("{bban}{country}00"));
        format!("{country}{check:02}{bban}")
            .parse::<iban::Iban>()
            .is_ok()
    })
}

/// ISO 7064 mod 97 of an IBAN's rearranged text, letters as 10…35.
fn mod97(text: &str) -> u32 {
    text.chars().fold(0u32, |acc, c| {
        let value = c.to_digit(36).unwrap_or(0);
        if value >= 10 {
            (acc * 100 + value) % 97
        } else {
            (acc * 10 + value) % 97
        }
    })
}

/// France and the territories whose IBANs carry a French RIB.
fn uses_french_rib(country: &str) -> bool {
    matches!(
        country,
        "FR" | "MC"
            | "GF"
            | "GP"
            | "MQ"
            | "RE"
            | "YT"
            | "PM"
            | "NC"
            | "PF"
            | "WF"
            | "TF"
            | "BL"
            | "MF"
    )
}

/// The RIB key of a French BBAN (bank 5, branch 5, account 11, key 2):
/// 97 − (89 × bank + 15 × branch + 3 × account) mod 97, the account's
/// letters as digits (A, J → 1; B, K, S → 2; …).
fn rib_key_ok(bban: &str) -> bool {
    if bban.len() != 23 {
        return false;
    }
    let digit = |c: char| -> Option<u64> {
        match c {
            '0'..='9' => c.to_digit(10).map(u64::from),
            'A'..='I' => Some(u64::from(c as u8 - b'A') + 1),
            'J'..='R' => Some(u64::from(c as u8 - b'J') + 1),
            'S'..='Z' => Some(u64::from(c as u8 - b'S') + 2),
            _ => None,
        }
    };
    let number = |s: &str| -> Option<u64> {
        s.chars()
            .try_fold(0u64, |acc, c| digit(c).map(|d| (acc * 10 + d) % 97))
    };
    let (Some(bank), Some(branch), Some(account), Ok(key)) = (
        number(&bban[..5]),
        number(&bban[5..10]),
        number(&bban[10..21]),
        bban[21..].parse::<u64>(),
    ) else {
        return false;
    };
    97 - (89 * bank + 15 * branch + 3 * account) % 97 == key
}

/// Whether `text` is the codique of a comptable's poste, as PES V2 types
/// `IdPost`: 6 or 7 digits, or `02A`/`02B` and 3 or 4 digits (Corsica).
#[must_use]
pub fn poste_comptable_ok(text: &str) -> bool {
    let digits = |s: &str, lens: std::ops::RangeInclusive<usize>| {
        lens.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    match text
        .strip_prefix("02A")
        .or_else(|| text.strip_prefix("02B"))
    {
        Some(rest) => digits(rest, 3..=4),
        None => digits(text, 6..=7),
    }
}

/// Whether `text` looks like one e-mail address: one `@` with something
/// on each side, a dot in the domain, no spaces.
#[must_use]
pub fn email_ok(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !text.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

/// A BIC that has not the ISO 9362 shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadBic;

/// Checks a BIC (ISO 9362): 4 letters (bank), 2 letters (country), 2
/// letters or digits (location), optionally 3 more (branch). Returns it in
/// upper case without spaces.
///
/// # Errors
/// When it has not that shape.
pub fn parse_bic(text: &str) -> Result<String, BadBic> {
    let bic: String = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let ok = matches!(bic.len(), 8 | 11)
        && bic[..6].chars().all(|c| c.is_ascii_uppercase())
        && bic[6..]
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if ok { Ok(bic) } else { Err(BadBic) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn siret_keys() {
        assert!(luhn_ok("21140001500015"));
        assert_eq!(
            parse_siret("211 400 015 00015"),
            Ok("21140001500015".into())
        );
        assert_eq!(parse_siret("21140001500014"), Err(SiretProblem::Luhn));
        assert_eq!(parse_siret("2114000150001"), Err(SiretProblem::Length));
        assert_eq!(parse_siret("2114000150001A"), Err(SiretProblem::NotDigits));
    }

    #[test]
    fn iban_keys_lengths_and_rib() {
        // The sample issuer's fictitious account: valid mod 97 and RIB key.
        assert_eq!(
            parse_iban("fr76 3000 1000 6400 0001 2345 618"),
            Ok("FR76 3000 1000 6400 0001 2345 618".into())
        );
        // The shipped template's old IBAN: wrong mod-97 key.
        assert_eq!(
            parse_iban("FR76 3000 1003 2800 0000 0000 123"),
            Err(IbanProblem::Checksum)
        );
        assert_eq!(parse_iban("FR76 ABC"), Err(IbanProblem::Checksum));
        assert_eq!(parse_iban("FR76 3000 1000 64!0"), Err(IbanProblem::Format));
        // A German IBAN (22 characters) is fine; one character short is not.
        assert!(parse_iban("DE89 3704 0044 0532 0130 00").is_ok());
        // An unknown country, its check digits right for the rest.
        let bban = "370400440532013000";
        let check = 98 - mod97(&format!("{bban}XX00"));
        assert_eq!(
            parse_iban(&format!("XX{check:02}{bban}")),
            Err(IbanProblem::UnknownCountry)
        );
        // Right mod-97 key but wrong RIB key: the account's last digit and
        // the RIB key both changed, check digits recomputed.
        let bban = "30001000640000012345718";
        let check = 98 - mod97(&format!("{bban}FR00"));
        let forged = format!("FR{check:02}{bban}");
        assert_eq!(parse_iban(&forged), Err(IbanProblem::RibKey));
    }

    #[test]
    fn iban_of_the_wrong_length_names_its_country_length() {
        // A French IBAN is 27 characters: one digit short, mod 97 fixed.
        let bban = "3000100064000001234561";
        let check = 98 - mod97(&format!("{bban}FR00"));
        let short = format!("FR{check:02}{bban}");
        assert_eq!(
            parse_iban(&short),
            Err(IbanProblem::CountryFormat { expected: Some(27) })
        );
    }

    #[test]
    fn bic_shape() {
        assert_eq!(parse_bic("BDFEFRPPCCT"), Ok("BDFEFRPPCCT".into()));
        assert_eq!(parse_bic("bdfe frpp"), Ok("BDFEFRPP".into()));
        assert!(parse_bic("BDFEFRP").is_err());
        assert!(parse_bic("BD1EFRPPCCT").is_err());
        assert!(parse_bic("BDFEFRPPCC").is_err());
    }
}
