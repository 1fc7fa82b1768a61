//! `cotisations envoi DIR`: sends each issued appel and avoir not yet
//! sent to its member's addresses through the Centre's relay, once,
//! journalled in `DIR/envois.jsonl` (`batch::envoi`); the members without
//! an address get a print-ready mailing in `DIR/courrier/`. `--essai`
//! writes the messages as `.eml` files without connecting; `--a` sends
//! them all to one test address, journalling nothing.
//!
//! Exactly once: before each message a `tentative` line, after the
//! relay's answer its result, flushed to disk; a rerun sends what has no
//! result, a `tentative` without one included (the one message a crash
//! after the relay's acceptance may repeat).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{NaiveTime, TimeZone, Utc};

use crate::batch::BatchError;
use crate::batch::dossier;
use crate::batch::envoi::{self as io, Journal};
use crate::batch::envoi_error::EnvoiError;
use crate::batch::error::DossierProblem;
use crate::batch::smtp::{Parametres, Relais};
use crate::cli::EnvoiArgs;
use crate::emetteur::Emetteur;
use crate::envoi::journal::{Action, Evenement, Ligne};
use crate::envoi::message::{Adresses, Courriel};
use crate::envoi::template::Modele;
use crate::envoi::{Centre, Document, courrier, journal, message};
use crate::error::{EmetteurSource, Error, exit};
use crate::log::Log;
use crate::relay::{Relay, Securite};

/// The variable naming the relay (`smtp://HOTE:PORT`), over the issuer file.
pub const SMTP_VARIABLE: &str = "COTISATIONS_SMTP";
/// The variable holding the relay account's password.
pub const PASSWORD_VARIABLE: &str = "COTISATIONS_SMTP_MOT_DE_PASSE";

/// What the run has to say in the end.
#[derive(Default)]
struct Bilan {
    envoyes: usize,
    repetitions: usize,
    courrier: usize,
    courrier_fichier: Option<String>,
    refuses: Vec<(String, String, String)>,
    echecs: Vec<(String, String, String)>,
    /// Sent, but some of its addresses refused for good.
    partiels: Vec<(String, String, String)>,
}

/// Sends what remains; returns the exit code (5 when a message was
/// refused or could not go).
///
/// # Errors
/// A folder that is not an exercice, settings or template refused, the
/// relay unreachable, a file that cannot be read or written.
#[allow(
    clippy::too_many_lines,
    reason = "the steps in order: lock, documents, settings, plan, post, send"
)]
pub fn run(args: &EnvoiArgs, log: &Log) -> Result<i32, Error> {
    if !dossier::is_exercice(&args.dir) {
        return Err(BatchError::Dossier {
            path: args.dir.clone(),
            problem: DossierProblem::PasDExercice,
        }
        .into());
    }
    if let Some(a) = &args.a
        && !crate::ident::email_ok(a.trim())
    {
        return Err(EnvoiError::AdresseEssai { value: a.clone() }.into());
    }
    // A real sending journals: it holds the writers' lock (no other envoi,
    // run, emettre or avoir meanwhile). A preview only reads.
    let journalled = args.essai.is_none() && args.a.is_none();
    let (registre, _writer) = if journalled {
        let r = dossier::read_registre(&args.dir)?;
        let w = dossier::open_writer(
            &args.dir,
            r.exercice.exercice,
            (r.exercice.format_csv, r.exercice.encodage_csv),
            &[],
        )?;
        (w.registre.clone(), Some(w))
    } else {
        (dossier::read_committed(&args.dir)?, None)
    };
    let root = args.dir.as_path();
    let documents = io::documents(&registre)?;
    for n in &args.renvoyer {
        if !documents.iter().any(|d| &d.numero == n) {
            return Err(EnvoiError::NumeroInconnu { numero: n.clone() }.into());
        }
    }
    if documents.is_empty() {
        log.info(
            "rien",
            "Aucun appel ni avoir émis dans cet exercice : rien à envoyer.",
        );
        return Ok(exit::OK);
    }
    let (emetteur_path, from) = match &args.emetteur {
        Some(p) => (p.clone(), EmetteurSource::Option),
        None => (
            io::last_emetteur(&registre).unwrap_or_else(|| root.join(super::EMETTEUR_FILE)),
            EmetteurSource::Manifest,
        ),
    };
    let (_, emetteur) = super::read_emetteur(&emetteur_path, from)?;
    let modele = load_modele(args.modele.as_deref(), &emetteur, &emetteur_path)?;
    let adresses = adresses(&emetteur, &emetteur_path)?;
    let centre = Centre {
        nom: emetteur.nom.clone(),
        email: emetteur.email.clone(),
        telephone: emetteur.telephone.clone(),
    };
    let lignes = io::read_journal(root)?;
    let plan = journal::plan(&documents, &lignes, &args.renvoyer);
    let (courriels, postes): (Vec<_>, Vec<_>) = plan
        .into_iter()
        .partition(|(_, a)| matches!(a, Action::Courriel { .. }));
    let postes: Vec<&Document> = postes.into_iter().map(|(d, _)| d).collect();
    let ctx = Contexte {
        root,
        modele: &modele,
        centre: &centre,
        adresses: &adresses,
    };
    if let Some(essai) = &args.essai {
        return essai_run(args, &ctx, essai, &courriels, &postes, log);
    }
    // The relay's settings are checked before anything is written (and
    // needed only if there is something to send by e-mail).
    let parametres = if courriels.is_empty() {
        None
    } else {
        Some(parametres(&emetteur, &emetteur_path)?)
    };
    let mut bilan = Bilan::default();
    let mut journal = if journalled {
        Some(Journal::open(root)?)
    } else {
        None
    };
    if let Some(j) = journal.as_mut()
        && !postes.is_empty()
    {
        post(&ctx, &postes, &registre, j, &mut bilan)?;
    }
    let rythme = args
        .par_minute
        .or(emetteur.smtp.as_ref().and_then(|s| s.messages_par_minute))
        .filter(|n| *n > 0)
        .map(|n| Duration::from_secs(60) / n);
    let envoi = Envoi {
        ctx: &ctx,
        essais: args.essais.clamp(1, 10),
        test: args.a.clone(),
        rythme,
    };
    if let Some(parametres) = parametres {
        envoi.send_all(&courriels, parametres, journal.as_mut(), &mut bilan, log)?;
    }
    report(&bilan, args.a.as_deref(), log);
    Ok(
        if bilan.refuses.is_empty() && bilan.echecs.is_empty() && bilan.partiels.is_empty() {
            exit::OK
        } else {
            exit::PARTIAL
        },
    )
}

/// What every message needs.
struct Contexte<'a> {
    root: &'a Path,
    modele: &'a Modele,
    centre: &'a Centre,
    adresses: &'a Adresses,
}

impl Contexte<'_> {
    /// The message of `doc` to `to`, dated `date`; `Err` names an address
    /// that is not one.
    fn message(
        &self,
        doc: &Document,
        to: &[String],
        date: chrono::DateTime<Utc>,
        envoi: u32,
    ) -> Result<Result<Courriel, String>, EnvoiError> {
        let pdf = io::read_pdf(self.root, doc)?;
        let (sujet, corps) = self.modele.render(doc, self.centre);
        Ok(message::build(
            doc,
            &sujet,
            &corps,
            &pdf,
            self.adresses,
            to,
            date,
            envoi,
        ))
    }
}

/// The template: `--modele`, else the `[smtp]` section's (relative to
/// the issuer file), else the built-in one.
fn load_modele(
    option: Option<&Path>,
    emetteur: &Emetteur,
    emetteur_path: &Path,
) -> Result<Modele, Error> {
    let path = option.map(Path::to_path_buf).or_else(|| {
        emetteur
            .smtp
            .as_ref()
            .and_then(|s| s.modele.as_ref())
            .map(|m| beside(emetteur_path, m))
    });
    let Some(path) = path else {
        return Modele::parse(crate::envoi::template::DEFAULT)
            .map_err(|errors| EnvoiError::Modele { path: None, errors }.into());
    };
    let bytes = crate::files::read_input(&path, crate::files::MAX_CONFIG_BYTES)?;
    let text = String::from_utf8(bytes).map_err(|_| EnvoiError::ModeleIllisible {
        path: path.clone(),
        reason: "ce n'est pas du texte UTF-8 : enregistrez-le en UTF-8".into(),
    })?;
    Modele::parse(&text).map_err(|errors| {
        EnvoiError::Modele {
            path: Some(path),
            errors,
        }
        .into()
    })
}

/// `rel` relative to the issuer file's folder (as written if absolute).
fn beside(emetteur_path: &Path, rel: &Path) -> PathBuf {
    if rel.is_absolute() {
        rel.to_path_buf()
    } else {
        emetteur_path
            .parent()
            .map_or_else(|| rel.to_path_buf(), |d| d.join(rel))
    }
}

/// Sender, reply-to and copies, from `[smtp]` or the issuer's `email`.
fn adresses(emetteur: &Emetteur, emetteur_path: &Path) -> Result<Adresses, EnvoiError> {
    let smtp = emetteur.smtp.as_ref();
    let pick = |v: Option<&String>| {
        v.filter(|s| !s.is_empty())
            .cloned()
            .unwrap_or_else(|| emetteur.email.clone())
    };
    let expediteur = pick(smtp.map(|s| &s.expediteur));
    if expediteur.is_empty() {
        return Err(EnvoiError::SansExpediteur {
            emetteur: emetteur_path.to_path_buf(),
        });
    }
    let mut repondre_a = pick(smtp.map(|s| &s.repondre_a));
    if repondre_a.is_empty() {
        repondre_a.clone_from(&expediteur);
    }
    Ok(Adresses {
        nom: emetteur.nom.clone(),
        expediteur,
        repondre_a,
        copie: smtp.map(|s| s.copie.clone()).unwrap_or_default(),
    })
}

/// The relay to use: `COTISATIONS_SMTP` over the `[smtp]` section; plain
/// SMTP to a loopback address only; the password from the environment or
/// a file of mode 0600.
fn parametres(emetteur: &Emetteur, emetteur_path: &Path) -> Result<Parametres, EnvoiError> {
    let smtp = emetteur.smtp.as_ref();
    let (hote, port, securite) = match std::env::var(SMTP_VARIABLE) {
        Ok(url) if !url.trim().is_empty() => {
            crate::relay::parse_url(&url).ok_or(EnvoiError::Url { value: url })?
        }
        _ => {
            let s = smtp.ok_or_else(|| EnvoiError::AucunRelais {
                emetteur: emetteur_path.to_path_buf(),
            })?;
            (s.hote.clone(), s.port, s.securite)
        }
    };
    if securite == Securite::Aucune && !crate::relay::is_loopback(&hote) {
        return Err(EnvoiError::SansChiffrement { hote });
    }
    let compte = match smtp {
        Some(s) if !s.utilisateur.is_empty() => {
            Some((s.utilisateur.clone(), password(s, emetteur_path)?))
        }
        _ => None,
    };
    Ok(Parametres {
        hote,
        port,
        securite,
        compte,
    })
}

/// The account's password: `COTISATIONS_SMTP_MOT_DE_PASSE`, else the
/// file `mot_de_passe_fichier`, refused if others than its owner may
/// read it.
fn password(relay: &Relay, emetteur_path: &Path) -> Result<String, EnvoiError> {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(p) = std::env::var(PASSWORD_VARIABLE)
        && !p.is_empty()
    {
        return Ok(p);
    }
    let Some(file) = &relay.mot_de_passe_fichier else {
        return Err(EnvoiError::MotDePasseManquant {
            utilisateur: relay.utilisateur.clone(),
        });
    };
    let path = beside(emetteur_path, file);
    let illisible = |e: &std::io::Error| EnvoiError::MotDePasseIllisible {
        path: path.clone(),
        reason: crate::reasons::io_reason_fr(e),
    };
    let meta = std::fs::metadata(&path).map_err(|e| illisible(&e))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(EnvoiError::MotDePasseLisible { path, mode });
    }
    let text = std::fs::read_to_string(&path).map_err(|e| illisible(&e))?;
    Ok(text.trim_end_matches(['\n', '\r']).to_string())
}

/// The date of `--essai`'s messages: `--date`, else the document's date
/// of issue, at 9:00 UTC (fixed, so that the files are the same bytes
/// from one preview to the next).
fn essai_date(option: Option<chrono::NaiveDate>, doc: &Document) -> chrono::DateTime<Utc> {
    let day = option.unwrap_or(doc.date_emission);
    Utc.from_utc_datetime(&day.and_time(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default()))
}

/// `--essai`: every message as `NUMERO.eml`, the mailing as
/// `courrier.pdf`, in `dir`; nothing sent, nothing journalled.
fn essai_run(
    args: &EnvoiArgs,
    ctx: &Contexte<'_>,
    dir: &Path,
    courriels: &[(&Document, Action)],
    postes: &[&Document],
    log: &Log,
) -> Result<i32, Error> {
    let date = args
        .date
        .as_deref()
        .map(|d| super::date_option(d, "--date"))
        .transpose()?;
    std::fs::create_dir_all(dir).map_err(EnvoiError::io("créer le dossier", dir))?;
    let mut invalides = Vec::new();
    for (doc, action) in courriels {
        let Action::Courriel { envoi, .. } = action else {
            continue;
        };
        let to = match &args.a {
            Some(a) => vec![a.trim().to_string()],
            None => doc.emails.clone(),
        };
        match ctx.message(doc, &to, essai_date(date, doc), *envoi)? {
            Ok(c) => io::write_file(dir, &format!("{}.eml", doc.numero), &c.octets)?,
            Err(bad) => invalides.push(format!("{} ({}) : adresse « {bad} »", doc.numero, doc.nom)),
        }
    }
    if !postes.is_empty() {
        let (bytes, _) = mailing(ctx, postes, date.unwrap_or(postes[0].date_emission))?;
        io::write_file(dir, "courrier.pdf", &bytes)?;
    }
    log.info(
        "essai",
        &format!(
            "Essai : {} message(s) écrit(s) dans « {} » (rien n'a été envoyé) ; {} document(s) pour le courrier{}.",
            courriels.len() - invalides.len(),
            dir.display(),
            postes.len(),
            if postes.is_empty() { "" } else { " (courrier.pdf)" }
        ),
    );
    for i in &invalides {
        log.warn("adresse_invalide", &format!("Non écrit : {i}"));
    }
    Ok(if invalides.is_empty() {
        exit::OK
    } else {
        exit::PARTIAL
    })
}

/// The mailing of `postes`, sorted, with its cover list dated `date`.
fn mailing(
    ctx: &Contexte<'_>,
    postes: &[&Document],
    date: chrono::NaiveDate,
) -> Result<(Vec<u8>, Vec<courrier::Ligne>), EnvoiError> {
    let mut sorted = postes.to_vec();
    courrier::sort(&mut sorted);
    let pdfs = sorted
        .iter()
        .map(|d| io::read_pdf(ctx.root, d))
        .collect::<Result<Vec<_>, _>>()?;
    let items: Vec<(&Document, &[u8])> = sorted
        .iter()
        .zip(&pdfs)
        .map(|(d, p)| (*d, p.as_slice()))
        .collect();
    let exercice = sorted.first().map_or(0, |d| d.exercice);
    courrier::assemble(
        &items,
        &format!("Envoi par courrier – exercice {exercice}"),
        &format!(
            "{}\nAdhérents sans adresse électronique – liste du {}",
            ctx.centre.nom,
            crate::format_fr::date_courte(date)
        ),
    )
    .map_err(|reason| EnvoiError::Courrier { reason })
}

/// The members without an address: their documents in one mailing in
/// `courrier/`, then one `courrier` line each in the journal.
fn post(
    ctx: &Contexte<'_>,
    postes: &[&Document],
    registre: &dossier::Registre,
    journal: &mut Journal,
    bilan: &mut Bilan,
) -> Result<(), EnvoiError> {
    let today = chrono::Local::now().date_naive();
    let (bytes, lignes) = mailing(ctx, postes, today)?;
    let name = format!(
        "{:03}-courrier-{}-{}.pdf",
        io::next_courrier(ctx.root),
        registre.exercice.exercice,
        today.format("%Y-%m-%d")
    );
    let fichier = io::write_courrier(ctx.root, &name, &bytes)?;
    for l in &lignes {
        let Some(doc) = postes.iter().find(|d| d.numero == l.numero) else {
            continue;
        };
        let mut ligne = new_ligne(doc, Evenement::Courrier, 0, false);
        ligne.fichier.clone_from(&fichier);
        ligne.reponse = format!("page {}", l.page);
        journal.append(ligne, true)?;
    }
    bilan.courrier = lignes.len();
    bilan.courrier_fichier = Some(fichier);
    Ok(())
}

/// A journal line about `doc`, stamped now.
fn new_ligne(doc: &Document, evenement: Evenement, envoi: u32, renvoi: bool) -> Ligne {
    Ligne {
        numero: doc.numero.clone(),
        membre_id: doc.membre_id.clone(),
        nom: doc.nom.clone(),
        evenement,
        destinataires: Vec::new(),
        message_id: String::new(),
        envoi,
        renvoi,
        horodatage: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
        reponse: String::new(),
        fichier: String::new(),
        precedent: String::new(),
    }
}

/// The sending loop's settings.
struct Envoi<'a> {
    ctx: &'a Contexte<'a>,
    essais: u32,
    /// `--a`: every message to this address, nothing journalled.
    test: Option<String>,
    /// The least time between two messages (`--par-minute`).
    rythme: Option<Duration>,
}

impl Envoi<'_> {
    /// Sends each message, journalling its attempt and its result.
    #[allow(
        clippy::too_many_lines,
        reason = "one message's life: attempt, retries, result, each journalled"
    )]
    fn send_all(
        &self,
        courriels: &[(&Document, Action)],
        parametres: Parametres,
        mut journal: Option<&mut Journal>,
        bilan: &mut Bilan,
        log: &Log,
    ) -> Result<(), EnvoiError> {
        let (hote, port) = (parametres.hote.clone(), parametres.port);
        let mut relais = Relais::new(parametres);
        let mut last: Option<Instant> = None;
        for (n, (doc, action)) in courriels.iter().enumerate() {
            let Action::Courriel {
                envoi,
                renvoi,
                repetition,
            } = *action
            else {
                continue;
            };
            crate::failpoint::hit(&format!("envoi-avant-message-{}", n + 1));
            if let (Some(r), Some(t)) = (self.rythme, last) {
                std::thread::sleep(r.saturating_sub(t.elapsed()));
            }
            last = Some(Instant::now());
            let to = match &self.test {
                Some(a) => vec![a.trim().to_string()],
                None => doc.emails.clone(),
            };
            let courriel = match self.ctx.message(doc, &to, Utc::now(), envoi)? {
                Ok(c) => c,
                Err(bad) => {
                    let reponse = format!("adresse invalide : {bad}");
                    if let Some(j) = journal.as_deref_mut() {
                        let mut l = new_ligne(doc, Evenement::Refuse, envoi, renvoi);
                        l.destinataires.clone_from(&to);
                        l.reponse.clone_from(&reponse);
                        j.append(l, true)?;
                    }
                    bilan
                        .refuses
                        .push((doc.numero.clone(), doc.nom.clone(), reponse));
                    continue;
                }
            };
            let ligne = |evenement, reponse: String| {
                let mut l = new_ligne(doc, evenement, envoi, renvoi);
                l.destinataires.clone_from(&courriel.destinataires);
                l.message_id.clone_from(&courriel.message_id);
                l.reponse = reponse;
                l
            };
            if let Some(j) = journal.as_deref_mut() {
                j.append(ligne(Evenement::Tentative, String::new()), false)?;
            }
            let mut attempt = 1;
            loop {
                match relais.send(&courriel.envelope, &courriel.octets) {
                    Ok(accepte) => {
                        crate::failpoint::hit(&format!("envoi-apres-acceptation-{}", n + 1));
                        let mut reponse = accepte.reponse;
                        for (address, why) in &accepte.refusees {
                            let _ = write!(reponse, " ; refusée : {address} ({why})");
                        }
                        if let Some(j) = journal.as_deref_mut() {
                            let mut l = ligne(Evenement::Accepte, reponse);
                            l.destinataires.retain(|d| {
                                !accepte
                                    .refusees
                                    .iter()
                                    .any(|(r, _)| r.eq_ignore_ascii_case(d))
                            });
                            j.append(l, true)?;
                        }
                        if !accepte.refusees.is_empty() {
                            let refusees: Vec<String> = accepte
                                .refusees
                                .iter()
                                .map(|(a, why)| format!("{a} (« {why} »)"))
                                .collect();
                            bilan.partiels.push((
                                doc.numero.clone(),
                                doc.nom.clone(),
                                refusees.join(", "),
                            ));
                        }
                        bilan.envoyes += 1;
                        bilan.repetitions += usize::from(repetition);
                        break;
                    }
                    Err(e) if e.connexion && e.definitif => {
                        // The relay refuses the session itself (AUTH):
                        // no member's fault; stop, the rest waits.
                        if let Some(j) = journal.as_deref_mut() {
                            j.append(ligne(Evenement::Echec, e.reponse.clone()), true)?;
                        }
                        return Err(EnvoiError::Relais {
                            hote,
                            port,
                            reason: e.reponse,
                            envoyes: bilan.envoyes,
                            restants: courriels.len() - n,
                        });
                    }
                    Err(e) if e.definitif => {
                        if let Some(j) = journal.as_deref_mut() {
                            j.append(ligne(Evenement::Refuse, e.reponse.clone()), true)?;
                        }
                        bilan
                            .refuses
                            .push((doc.numero.clone(), doc.nom.clone(), e.reponse));
                        break;
                    }
                    Err(e) if attempt >= self.essais => {
                        if let Some(j) = journal.as_deref_mut() {
                            j.append(ligne(Evenement::Echec, e.reponse.clone()), true)?;
                        }
                        if e.connexion {
                            // The relay itself is unreachable: stop, the
                            // rest waits for the next run.
                            return Err(EnvoiError::Relais {
                                hote,
                                port,
                                reason: e.reponse,
                                envoyes: bilan.envoyes,
                                restants: courriels.len() - n,
                            });
                        }
                        bilan
                            .echecs
                            .push((doc.numero.clone(), doc.nom.clone(), e.reponse));
                        break;
                    }
                    Err(e) => {
                        log.warn(
                            "nouvel_essai",
                            &format!(
                                "{} ({}) : échec temporaire (« {} »), nouvel essai ({}/{})",
                                doc.numero,
                                doc.nom,
                                e.reponse,
                                attempt + 1,
                                self.essais
                            ),
                        );
                        std::thread::sleep(Duration::from_millis(500) * (1 << (attempt - 1)));
                        attempt += 1;
                    }
                }
            }
        }
        relais.close();
        Ok(())
    }
}

/// The closing summary: how many by e-mail, by post, and the failures,
/// member by member.
fn report(bilan: &Bilan, test: Option<&str>, log: &Log) {
    for (numero, nom, reponse) in &bilan.refuses {
        log.warn(
            "refuse",
            &format!(
                "{numero} ({nom}) : refusé définitivement par le relais (« {reponse} ») ; il ne sera pas renvoyé de lui-même : vérifiez l'adresse, puis « cotisations envoi DOSSIER --renvoyer {numero} », ou envoyez-le par courrier"
            ),
        );
    }
    for (numero, nom, refusees) in &bilan.partiels {
        log.warn(
            "adresse_refusee",
            &format!(
                "{numero} ({nom}) : envoyé, mais le relais a refusé définitivement l'adresse {refusees} ; corrigez-la dans le rôle pour les prochains envois"
            ),
        );
    }
    for (numero, nom, reponse) in &bilan.echecs {
        log.warn(
            "echec",
            &format!(
                "{numero} ({nom}) : non envoyé après plusieurs essais (« {reponse} ») ; relancez « cotisations envoi DOSSIER » plus tard, il repartira"
            ),
        );
    }
    let mut summary = match test {
        Some(a) => format!(
            "Envoi de test à « {a} » : {} message(s) (rien n'est consigné ; les adhérents n'ont rien reçu)",
            bilan.envoyes
        ),
        None => format!("Envoyés par courriel : {}", bilan.envoyes),
    };
    let _ = write!(
        summary,
        "\nPar courrier         : {}{}",
        bilan.courrier,
        bilan
            .courrier_fichier
            .as_ref()
            .map(|f| format!(" (à imprimer : {f})"))
            .unwrap_or_default()
    );
    let _ = write!(
        summary,
        "\nÉchecs               : {}",
        bilan.refuses.len() + bilan.echecs.len()
    );
    if bilan.repetitions > 0 {
        let _ = write!(
            summary,
            "\nDont {} message(s) peut-être déjà reçu(s) : l'exécution précédente s'est arrêtée après leur envoi, avant de le consigner",
            bilan.repetitions
        );
    }
    log.info("bilan", &summary);
}
