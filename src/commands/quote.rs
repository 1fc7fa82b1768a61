//! `cotisations quote`: prices one hypothetical member from the command
//! line, to answer a mayor on the phone. Goes through the same validation
//! and pricing as the batch, so the answer is the appel they will get.

use crate::cli::QuoteArgs;
use crate::error::Error;
use crate::pricing::price;
use crate::roster::read::{Encoding, RawRecord, RawRoster};
use crate::roster::validate;

use super::load_grid;

/// Prices the member and prints the lines on stdout.
///
/// # Errors
/// Invalid arguments (`Error::QuoteArgument`, `Error::Quote`) or an invalid grid.
pub fn run(args: &QuoteArgs) -> Result<(), Error> {
    let grid = load_grid(&args.grid.tariff)?;
    // A throwaway SIRET that passes the Luhn check: the quote bills nobody.
    let mut headers = vec!["id", "nom", "type", "siret", "affiliee"]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    let mut fields = vec![
        "devis".to_string(),
        "Devis".to_string(),
        args.kind.clone(),
        "00000000000000".to_string(),
        if args.non_affiliee { "non" } else { "oui" }.to_string(),
    ];
    if let Some(p) = &args.population {
        headers.push("population".into());
        fields.push(p.clone());
    }
    if let Some(a) = &args.agents {
        headers.push("agents".into());
        fields.push(a.clone());
    }
    for article in &args.articles {
        let Some((code, qty)) = article.split_once('=') else {
            return Err(Error::QuoteArgument {
                argument: article.clone(),
            });
        };
        headers.push(code.trim().to_string());
        fields.push(qty.trim().to_string());
    }
    let raw = RawRoster {
        encoding: Encoding::Utf8,
        delimiter: b';',
        headers,
        records: vec![RawRecord { line: 2, fields }],
    };
    let members = validate(&raw, &grid).map_err(|errors| Error::Quote { errors })?;
    let Some(member) = members.first() else {
        return Err(Error::Quote { errors: Vec::new() });
    };
    let priced = price(member, &grid).map_err(|error| Error::Pricing {
        membre: "devis".into(),
        error,
    })?;
    crate::log::print_stdout(&crate::text::quote(&priced, grid.mention_tva.as_deref()))
}
