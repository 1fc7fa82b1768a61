//! `cotisations run`: the annual batch, from the input files to the
//! published output folder.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use crate::batch::BatchError;
use crate::batch::dossier;
use crate::batch::error::DossierProblem;
use crate::batch::manifest::PdfFormat;
use crate::batch::manifest::{Entree, Entrees, Options, Projet, sha256_hex};
use crate::batch::output::{Batch, Extras, OutputOptions};
use crate::batch::write_batch;
use crate::cli::{CsvEncodingArg, CsvFormatArg, PdfFormatArg, ProfilArg, RunArgs, RunOptions};
use crate::csv_out::Encoding;
use crate::emetteur::Emetteur;
use crate::error::{Error, exit};
use crate::exercice::{Ecart, Suite};
use crate::facturx::Profile;
use crate::files;
use crate::ledger::CsvFormat;
use crate::log::Log;
use crate::numbering::{Emission, SERIE, is_billable};
use crate::render::Renderer;
use crate::roster::Member;
use crate::roster::Validated;
use crate::summary::Summary;
use crate::tariff::Grid;

use super::{date_option, decode_grid, emetteur_path, read_emetteur, validate_roster};

/// The CSV encoding `--csv-encodage` names.
pub(crate) fn encoding(arg: CsvEncodingArg) -> Encoding {
    match arg {
        CsvEncodingArg::Utf8 => Encoding::Utf8,
        CsvEncodingArg::Utf8Bom => Encoding::Utf8Bom,
        CsvEncodingArg::Windows1252 => Encoding::Windows1252,
    }
}

/// Most threads `--threads` accepts: far more than the machines the
/// program runs on have, few enough that starting them is instant.
pub const MAX_THREADS: usize = 64;

/// Everything `run` reads and checks before writing anything; `check`
/// stops there.
pub(crate) struct Prepared {
    pub(crate) grid: Grid,
    pub(crate) emetteur: Emetteur,
    pub(crate) entrees: Entrees,
    pub(crate) members: Vec<Member>,
    pub(crate) rows_read: usize,
    pub(crate) rejected_rows: usize,
    pub(crate) rejects: Option<Vec<u8>>,
    /// The input files, by absolute path (what a projet records).
    pub(crate) chemins: [PathBuf; 3],
    pub(crate) emission: Emission,
    pub(crate) csv_format: CsvFormat,
    pub(crate) csv_encoding: Encoding,
    pub(crate) pdf_format: PdfFormat,
}

/// The emission date: `--date-emission`, else today (the program's only
/// clock read for documents; the date is then an input), which must fall
/// in the grid's exercice.
fn date_emission(o: &RunOptions, exercice: i32) -> Result<NaiveDate, Error> {
    let (date, today) = match &o.date_emission {
        Some(d) => (date_option(d, "--date-emission")?, false),
        None => (chrono::Local::now().date_naive(), true),
    };
    if date.year() == exercice {
        Ok(date)
    } else {
        Err(Error::DateHorsExercice {
            date,
            exercice,
            aujourdhui: today,
        })
    }
}

/// The grid, and its bytes (hashed into the manifest); `--exercice`, when
/// given, must be the grid's.
fn read_grid(o: &RunOptions) -> Result<(Vec<u8>, Grid), Error> {
    let grid_bytes = files::read_input(&o.grid.tariff, files::MAX_CONFIG_BYTES)?;
    let grid = decode_grid(&o.grid.tariff, &grid_bytes)?;
    if let Some(asked) = o.exercice
        && asked != grid.exercice
    {
        return Err(Error::ExerciceContredit {
            option: asked,
            grille: grid.exercice,
            path: o.grid.tariff.clone(),
        });
    }
    Ok((grid_bytes, grid))
}

/// The formats of the ledger and of the PDFs the options ask for.
fn formats(o: &RunOptions) -> (CsvFormat, PdfFormat) {
    let csv_format = match o.csv_format {
        CsvFormatArg::Francais => CsvFormat::Francais,
        CsvFormatArg::Rfc4180 => CsvFormat::Rfc4180,
    };
    let pdf_format = match (o.format, o.profil) {
        (PdfFormatArg::Pdf, _) => PdfFormat::Plain,
        (PdfFormatArg::Facturx, ProfilArg::En16931) => PdfFormat::FacturX(Profile::En16931),
        (PdfFormatArg::Facturx, ProfilArg::Basic) => PdfFormat::FacturX(Profile::Basic),
    };
    (csv_format, pdf_format)
}

/// Reads the grid, the issuer file and the roster, validates them with
/// every rule `run` applies (the exercice, the dates, the
/// threads), and computes what would be written.
///
/// # Errors
/// Any input error; nothing has been written.
pub(crate) fn prepare(o: &RunOptions) -> Result<Prepared, Error> {
    if o.threads == Some(0) || o.threads.is_some_and(|n| n > MAX_THREADS) {
        return Err(Error::Threads { max: MAX_THREADS });
    }
    let entree = |path: &Path, bytes: &[u8]| Entree {
        chemin: path.display().to_string(),
        sha256: sha256_hex(bytes),
    };
    let (grid_bytes, grid) = read_grid(o)?;
    let exercice = grid.exercice;
    let date_emission = date_emission(o, exercice)?;
    let (emetteur_path, from) = emetteur_path(o.emetteur.path.as_deref(), &o.grid.tariff);
    let (emetteur_bytes, emetteur) = read_emetteur(&emetteur_path, from)?;
    // The roster is read and validated in one pass, and its bytes dropped
    // before the batch: a large roster is never held twice in memory.
    let (roster_entree, validated) = {
        let roster_bytes = files::read_input(&o.roster, files::MAX_ROSTER_BYTES)?;
        let validated = validate_roster(
            &o.roster,
            &roster_bytes,
            o.feuille.as_deref(),
            &grid,
            Some(exercice),
        )?;
        (entree(&o.roster, &roster_bytes), validated)
    };
    let Validated {
        members,
        errors,
        rows: rows_read,
        rejected_ids: ids,
    } = validated;
    let rejected_rows = {
        let mut lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        lines.dedup();
        lines.len()
    };
    if !errors.is_empty() && !o.skip_invalid {
        return Err(Error::Roster {
            path: o.roster.clone(),
            errors,
        });
    }
    let rejects = o
        .skip_invalid
        .then(|| crate::roster::rejects::rejects_csv(&errors, &ids, encoding(o.csv_encodage)));

    // The first number is the register's to give (`issue`).
    let emission = Emission::of_batch(&grid, emetteur.delai_paiement_jours, date_emission, 1);
    let csv_encoding = encoding(o.csv_encodage);
    let (csv_format, pdf_format) = formats(o);
    Ok(Prepared {
        entrees: Entrees {
            role: roster_entree,
            grille: entree(&o.grid.tariff, &grid_bytes),
            emetteur: entree(&emetteur_path, &emetteur_bytes),
        },
        grid,
        emetteur,
        members,
        rows_read,
        rejected_rows,
        rejects,
        chemins: [
            absolute(&o.roster),
            absolute(&o.grid.tariff),
            absolute(&emetteur_path),
        ],
        emission,
        csv_format,
        csv_encoding,
        pdf_format,
    })
}

/// `path` made absolute (resolved when it exists), as a projet records it.
fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| {
        std::env::current_dir().map_or_else(|_| path.to_path_buf(), |d| d.join(path))
    })
}

/// Builds the projet of the exercice folder `--out` (or, with
/// `--emettre`, issues it at once); returns the exit code (0, or 5 for a
/// partial run).
///
/// # Errors
/// Any input error (nothing written) or output error (nothing published).
pub fn run(args: &RunArgs, log: &Log) -> Result<i32, Error> {
    let o = &args.options;
    let p = prepare(o)?;
    let writer = dossier::open_writer(
        &args.out,
        p.grid.exercice,
        (p.csv_format, p.csv_encoding),
        &input_paths(o),
    )?;
    issue(log, &args.out, writer, p, o, args.emettre)
}

/// The members of the roster the next entry bills, and those it leaves:
/// issued and unchanged (counted), issued and changed (listed).
pub(crate) struct Tri {
    pub(crate) a_facturer: Vec<Member>,
    /// How many of `a_facturer` get an appel (lines, and a total not below
    /// the recovery threshold).
    pub(crate) facturables: usize,
    pub(crate) inchanges: usize,
    pub(crate) ecarts: Vec<(Member, Ecart)>,
}

/// Sorts the roster's members against what the register holds (see
/// `crate::exercice::suite`).
///
/// # Errors
/// A member that cannot be priced (validation refuses it first).
pub(crate) fn trier(
    members: Vec<Member>,
    grid: &Grid,
    registre: &dossier::Registre,
) -> Result<Tri, Error> {
    use rayon::prelude::*;
    let emis = registre.net_lines();
    let suites: Vec<(Suite, bool)> = members
        .par_iter()
        .map(|m| {
            let priced = crate::pricing::price(m, grid).map_err(|error| {
                crate::batch::BatchError::Pricing {
                    membre: m.id.clone(),
                    error,
                }
            })?;
            let voulu: BTreeMap<String, crate::money::Montant> =
                if is_billable(&priced, grid.seuil_recouvrement) {
                    priced
                        .lignes
                        .iter()
                        .map(|l| (l.code.clone(), l.montant_ht))
                        .collect()
                } else {
                    BTreeMap::new()
                };
            let billable = !voulu.is_empty();
            Ok((crate::exercice::suite(emis.get(&m.id), &voulu), billable))
        })
        .collect::<Result<_, crate::batch::BatchError>>()?;
    let mut tri = Tri {
        a_facturer: Vec::new(),
        facturables: 0,
        inchanges: 0,
        ecarts: Vec::new(),
    };
    for (m, (suite, billable)) in members.into_iter().zip(suites) {
        match suite {
            Suite::Nouveau => {
                tri.facturables += usize::from(billable);
                tri.a_facturer.push(m);
            }
            Suite::Inchange => tri.inchanges += 1,
            Suite::Modifie(e) => tri.ecarts.push((m, e)),
        }
    }
    Ok(tri)
}

/// Writes the projet (or, `emettre`, the next entry) of what the roster
/// adds to the exercice held by `w`, and reports; returns the exit code.
pub(crate) fn issue(
    log: &Log,
    out: &Path,
    mut w: dossier::Ecrivain,
    mut p: Prepared,
    o: &RunOptions,
    emettre: bool,
) -> Result<i32, Error> {
    for dir in &w.crees {
        log.info("dossier_cree", &format!("Dossier créé : {}", dir.display()));
    }
    for r in &w.repare {
        log.warn("reprise", &format!("Reprise : {r}."));
    }
    if let Some((numero, precedent)) = w.registre.last_of(SERIE)
        && p.emission.date_emission < precedent
    {
        return Err(BatchError::Dossier {
            path: out.to_path_buf(),
            problem: DossierProblem::DateAnterieure {
                numero,
                precedent,
                date: p.emission.date_emission,
            },
        }
        .into());
    }
    let members = std::mem::take(&mut p.members);
    let tri = trier(members, &p.grid, &w.registre)?;
    p.emission.premier_numero = w.registre.next_rank(SERIE);
    p.emission.provisoire = !emettre;
    if tri.facturables == 0 {
        w.remove_projet();
        return Ok(nothing_to_issue(log, out, &p, &tri));
    }
    let target = if emettre {
        w.next_entry(SERIE)
    } else {
        w.projet()
    };
    let written = write(log, &w, &target, &p, o, &tri, emettre)?;
    let summary = written.summary;
    if emettre {
        w.commit(&target, written.pieces, p.emission.date_emission)?;
        w.remove_projet();
    }
    let tete = emettre.then(|| w.registre.tete());
    Ok(report(
        log,
        out,
        &target,
        &p,
        &tri,
        &summary,
        tete.as_deref(),
    ))
}

/// The batch `write` writes: an entry's (final numbers, the format asked,
/// chained to the previous entry) or a projet's (plain drafts, its record).
fn batch_of<'p>(
    w: &dossier::Ecrivain,
    p: &'p Prepared,
    o: &RunOptions,
    tri: &'p Tri,
    emettre: bool,
) -> Batch<'p> {
    let pdf_format = if emettre {
        p.pdf_format
    } else {
        PdfFormat::Plain
    };
    Batch {
        members: &tri.a_facturer,
        grid: &p.grid,
        emission: &p.emission,
        entrees: p.entrees.clone(),
        options: Options {
            format_pdf: pdf_format,
            format_csv: p.csv_format,
            premier_rang: p.emission.premier_numero,
            ignorer_invalides: o.skip_invalid,
            encodage_csv: p.csv_encoding,
        },
        extras: Extras {
            rejects: p.rejects.clone(),
        },
        precedent: if emettre {
            w.registre.last_manifest()
        } else {
            None
        },
        projet: (!emettre).then(|| Projet {
            tete: w.registre.tete(),
            role: p.chemins[0].display().to_string(),
            feuille: o.feuille.clone(),
            grille: p.chemins[1].display().to_string(),
            emetteur: p.chemins[2].display().to_string(),
            format_pdf: p.pdf_format,
        }),
        registre_precedent: emettre.then(|| {
            let t = w.registre.tete();
            t[..t.len().min(dossier::TETE_COURTE)].to_string()
        }),
        rejetes: p.rejected_rows,
    }
}

/// Writes the projet or the entry `target` of the members `tri` bills.
fn write(
    log: &Log,
    w: &dossier::Ecrivain,
    target: &Path,
    p: &Prepared,
    o: &RunOptions,
    tri: &Tri,
    emettre: bool,
) -> Result<crate::batch::output::Written, Error> {
    let batch = batch_of(w, p, o, tri, emettre);
    let pdf_format = batch.options.format_pdf;
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = o.threads {
        pool = pool.num_threads(n);
    }
    let pool = pool.build().map_err(|_| Error::ThreadPool)?;
    let count = tri.a_facturer.len();
    log.info(
        "debut",
        &format!(
            "Traitement de {count} adhérent{} (exercice {})…",
            if count > 1 { "s" } else { "" },
            p.emission.exercice
        ),
    );
    let bar = progress_bar(log, count);
    let progress = |n: usize| {
        if let Some(b) = &bar {
            b.inc(n as u64);
        }
    };
    let options = OutputOptions {
        // A projet replaces the previous projet; an entry replaces nothing.
        force: !emettre,
        csv_format: p.csv_format,
        csv_encoding: p.csv_encoding,
        pdf: pdf_format,
    };
    let inputs = input_paths(o);
    let summary = pool.install(|| -> Result<_, Error> {
        let renderer = Renderer::new()?;
        Ok(write_batch(
            target,
            &batch,
            &renderer,
            &p.emetteur,
            options,
            &inputs,
            &progress,
        )?)
    })?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(summary)
}

/// The changed members, one line each, with what to do.
pub(crate) fn ecarts_text(out: &Path, tri: &Tri) -> String {
    let mut text = String::new();
    if tri.ecarts.is_empty() {
        return text;
    }
    let _ = writeln!(
        text,
        "Adhérents déjà facturés dont le rôle a changé ({}) : rien n'est refacturé ; corrigez par un avoir.",
        tri.ecarts.len()
    );
    for (m, e) in &tri.ecarts {
        let mut what = Vec::new();
        if !e.ajoutes.is_empty() {
            what.push(format!("articles ajoutés : {}", e.ajoutes.join(", ")));
        }
        if !e.modifies.is_empty() {
            what.push(format!("articles modifiés : {}", e.modifies.join(", ")));
        }
        if !e.retires.is_empty() {
            what.push(format!("articles retirés : {}", e.retires.join(", ")));
        }
        let lignes = if e.ajoutes.is_empty() && e.modifies.is_empty() {
            format!(" --lignes {}", e.retires.join(","))
        } else {
            String::new()
        };
        let _ = writeln!(
            text,
            "  {} « {} », appel {} : {}. À faire : cotisations avoir {} --membre {}{lignes} --motif \"…\"{}",
            m.id,
            m.nom,
            e.appels.join(", "),
            what.join(" ; "),
            out.display(),
            m.id,
            if lignes.is_empty() {
                " (l'adhérent, entièrement crédité, sera refacturé selon le rôle par le projet suivant)"
            } else {
                ""
            }
        );
    }
    text
}

/// Says that there is nothing to issue; returns the exit code.
fn nothing_to_issue(log: &Log, out: &Path, p: &Prepared, tri: &Tri) -> i32 {
    let mut text = format!(
        "Rien à émettre dans « {} » : {} adhérent{} du rôle déjà facturé{} à l'identique, aucun nouvel appel.\n",
        out.display(),
        tri.inchanges,
        if tri.inchanges > 1 { "s" } else { "" },
        if tri.inchanges > 1 { "s" } else { "" },
    );
    text.push_str(&ecarts_text(out, tri));
    let line = text.lines().next().unwrap_or_default().to_string();
    log.report(
        "rien_a_emettre",
        &text,
        &line,
        &[
            ("dossier", out.display().to_string().into()),
            ("inchanges", tri.inchanges.into()),
            ("modifies", tri.ecarts.len().into()),
        ],
    );
    partial(log, p)
}

/// The exit code: 5 when rows were left out, after saying so.
fn partial(log: &Log, p: &Prepared) -> i32 {
    let rejected_rows = p.rejected_rows;
    if rejected_rows > 0 {
        log.warn(
            "traitement_partiel",
            &format!(
                "{rejected_rows} ligne{} du rôle écartée{} : traitement partiel (code de sortie {})",
                if rejected_rows > 1 { "s" } else { "" },
                if rejected_rows > 1 { "s" } else { "" },
                exit::PARTIAL
            ),
        );
        return exit::PARTIAL;
    }
    exit::OK
}

/// The progress bar, on a terminal only.
fn progress_bar(log: &Log, count: usize) -> Option<indicatif::ProgressBar> {
    log.progress_allowed().then(|| {
        let bar = indicatif::ProgressBar::new(count as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {pos}/{len} adhérents ({eta} restantes)",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    })
}

/// Tells where the projet or the entry went; returns the exit code (5
/// when rows were left out). `tete`: the register's new head, after an
/// emission.
fn report(
    log: &Log,
    out: &Path,
    target: &Path,
    p: &Prepared,
    tri: &Tri,
    summary: &Summary,
    tete: Option<&str>,
) -> i32 {
    let mut report = summary.to_text_as(tete.is_none());
    let rejected_rows = p.rejected_rows;
    let dir = target.display();
    if rejected_rows > 0 {
        let _ = writeln!(
            report,
            "Lignes écartées      : {rejected_rows} (voir {dir}/rejects.csv)"
        );
        let _ = writeln!(
            report,
            "Lignes lues          : {} = {} facturées + {} sans appel + {} déjà émises + {rejected_rows} écartées",
            p.rows_read,
            summary.appels_emis,
            summary.sans_appel.len() + summary.sous_seuil.len(),
            tri.inchanges + tri.ecarts.len(),
        );
    }
    if tri.inchanges > 0 {
        let _ = writeln!(
            report,
            "Déjà facturés        : {} adhérent{} inchangé{} (rien de nouveau pour eux)",
            tri.inchanges,
            if tri.inchanges > 1 { "s" } else { "" },
            if tri.inchanges > 1 { "s" } else { "" },
        );
    }
    report.push_str(&ecarts_text(out, tri));
    let _ = writeln!(report, "Appels (PDF)         : {dir}/appels/");
    let _ = writeln!(report, "Journal comptable    : {dir}/ledger.csv");
    let _ = writeln!(report, "Bilan                : {dir}/summary.json");
    let _ = writeln!(report, "Rapport imprimable   : {dir}/rapport.pdf");
    let mut fields = summary.fields();
    fields.push(("dossier", target.display().to_string().into()));
    let n = summary.appels_emis;
    let s = if n > 1 { "s" } else { "" };
    let total = crate::format_fr::montant(crate::money::Montant::round_cent(summary.total_ttc));
    let summary_line = if let Some(tete) = tete {
        {
            let short = &tete[..tete.len().min(dossier::TETE_COURTE)];
            let _ = writeln!(
                report,
                "Journal de l'exercice : {}/ledger.csv",
                out.display()
            );
            let _ = writeln!(
                report,
                "Tête du registre     : {short} (à transmettre au comptable avec le bordereau ; « cotisations verify {} --tete {short} » prouve ensuite que rien n'a été réécrit)",
                out.display()
            );
            fields.push(("tete", short.to_string().into()));
            format!(
                "Entrée émise dans « {dir} » : {n} appel{s} émis, total {total} ; tête du registre {short}"
            )
        }
    } else {
        {
            let _ = writeln!(
                report,
                "Projet : numéros provisoires ({}-…), PDF marqués « PROJET » ; rien n'est émis. Pour émettre ce projet : cotisations emettre {}",
                crate::numbering::PROVISOIRE,
                out.display()
            );
            format!("Projet écrit dans « {dir} » : {n} appel{s} à émettre, total {total}")
        }
    };
    log.report(
        if tete.is_some() {
            "entree_emise"
        } else {
            "projet_ecrit"
        },
        &report,
        &summary_line,
        &fields,
    );
    partial(log, p)
}

/// The input files of a run: the output folder must not hold them.
pub(crate) fn input_paths(o: &RunOptions) -> Vec<PathBuf> {
    vec![
        o.roster.clone(),
        o.grid.tariff.clone(),
        emetteur_path(o.emetteur.path.as_deref(), &o.grid.tariff).0,
    ]
}
