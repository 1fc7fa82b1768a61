//! `cotisations quote`: prices one hypothetical member from the command
//! line, to answer a mayor on the phone. Goes through the same validation
//! and pricing as the batch, so the answer is the appel they will get.

use std::fmt::Write as _;

use crate::cli::QuoteArgs;
use crate::error::Error;
use crate::format_fr;
use crate::pricing::{Priced, price};
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
    crate::log::print_stdout(&render(&priced, grid.mention_tva.as_deref()))
}

/// The quote as text.
#[must_use]
pub fn render(p: &Priced, mention_tva: Option<&str>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Tranche {} — {}", p.placement.tranche, p.placement.motif);
    if p.lignes.is_empty() {
        let _ = writeln!(s, "Aucun service souscrit : rien à facturer.");
        return s;
    }
    let w = p
        .lignes
        .iter()
        .map(|l| l.libelle.chars().count())
        .max()
        .unwrap_or(0)
        .min(70);
    for l in &p.lignes {
        let label: String = l.libelle.chars().take(w).collect();
        let pad = w.saturating_sub(label.chars().count());
        let _ = writeln!(
            s,
            "  {label}{}  {:>6} {:<12} × {:>12} = {:>14}",
            " ".repeat(pad),
            format_fr::quantite(l.quantite),
            l.unite,
            format_fr::montant(l.prix_unitaire),
            format_fr::montant(l.montant_ht)
        );
    }
    let _ = writeln!(s, "Total HT      : {}", format_fr::montant(p.totaux.ht));
    let _ = writeln!(s, "TVA           : {}", format_fr::montant(p.totaux.tva));
    let _ = writeln!(s, "Total à payer : {}", format_fr::montant(p.totaux.ttc));
    if let Some(m) = mention_tva
        && p.totaux.tva.is_zero()
    {
        let _ = writeln!(s, "{m}");
    }
    s
}
