//! `cotisations check`: every rule `run` applies with the same options
//! (the same `prepare`: grid, issuer file, roster, exercice and dates,
//! the exercice folder when given), then what `run` would bill:
//! counts, numbers, totals, members under the threshold. Writes nothing.

use std::fmt::Write as _;

use crate::batch::dossier;
use crate::batch::plan;
use crate::cli::CheckArgs;
use crate::error::Error;
use crate::format_fr;
use crate::log::Log;
use crate::money::Montant;
use crate::summary::Summary;

use super::run::{input_paths, prepare, trier};

/// Runs the check and reports on stderr.
///
/// # Errors
/// Whatever `run` would fail with before writing.
pub fn run(args: &CheckArgs, log: &Log) -> Result<(), Error> {
    let o = &args.options;
    let mut p = prepare(o)?;
    let mut deja = String::new();
    if let Some(out) = &args.out
        && let Some(registre) = dossier::inspect(out, p.grid.exercice, &input_paths(o))?
    {
        let tri = trier(std::mem::take(&mut p.members), &p.grid, &registre)?;
        p.members = tri.a_facturer;
        p.emission.premier_numero = registre.next_rank(crate::numbering::SERIE);
        let _ = writeln!(
            deja,
            "Déjà émis dans « {} » : {} adhérent{} inchangé{}, {} dont le rôle a changé (voir « cotisations run »).",
            out.display(),
            tri.inchanges,
            if tri.inchanges > 1 { "s" } else { "" },
            if tri.inchanges > 1 { "s" } else { "" },
            tri.ecarts.len()
        );
    }
    let outcomes = plan(&p.members, &p.grid, &p.emission)?;
    let mut summary = Summary::of(
        &outcomes,
        &p.grid,
        p.emission.exercice,
        p.emission.date_emission,
        p.emission.date_echeance,
    );
    summary.rejetes = p.rejected_rows;
    summary.lignes_lues = summary.membres_lus + p.rejected_rows;
    let mut screen = format!(
        "Rôle « {} », grille « {} » et émetteur valides : « cotisations run » avec les mêmes options facturerait :\n",
        o.roster.display(),
        o.grid.tariff.display()
    );
    screen.push_str(&deja);
    screen.push_str(&summary.to_text());
    if p.rejected_rows > 0 {
        let _ = writeln!(
            screen,
            "Lignes écartées      : {} (--skip-invalid : elles iraient dans rejects.csv)",
            p.rejected_rows
        );
    }
    screen.push_str("Rien n'a été écrit.\n");
    let line = format!(
        "Vérification réussie : {} appel{} à émettre, total {} ; rien n'a été écrit",
        summary.appels_emis,
        if summary.appels_emis > 1 { "s" } else { "" },
        format_fr::montant(Montant::round_cent(summary.total_ttc))
    );
    log.report("verification", &screen, &line, &summary.fields());
    Ok(())
}
