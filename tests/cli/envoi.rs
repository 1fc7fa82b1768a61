//! `cotisations envoi`: the issued documents sent to a real SMTP server
//! (Python's aiosmtpd, `tests/support/smtp_server.py`, started on
//! 127.0.0.1 by each test and stopped with it), what it received checked
//! message by message (recipients, subject, body, the attachment's bytes
//! against the issued PDF), reruns, refusals, a lost connection, crashes
//! at the failure points, `--essai`, and the print-ready mailing.
//!
//! The server's Python and aiosmtpd: the system's if it has aiosmtpd,
//! else a virtual environment made once under the target folder (`pip
//! install aiosmtpd`), behind a file lock shared by the test binaries.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::util::{BIN, Dir, emetteur, not_french};

/// The Python that has aiosmtpd (installed into a venv if need be).
fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let has = |py: &Path| {
            Command::new(py)
                .args(["-c", "import aiosmtpd"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        let system = PathBuf::from("python3");
        if has(&system) {
            return system;
        }
        let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        fs::create_dir_all(&base).expect("create the target's temporary folder");
        let venv = base.join("smtp-venv");
        let py = venv.join("bin/python");
        let lock = fs::File::create(base.join("smtp-venv.lock")).expect("create the venv lock");
        lock.lock().expect("lock the venv");
        if !has(&py) {
            let made = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .status()
                .is_ok_and(|s| s.success());
            if !made {
                // Debian without python3-venv: install it (root, as CI is).
                let _ = Command::new("apt-get")
                    .args(["install", "-y", "-qq", "python3-venv"])
                    .env("DEBIAN_FRONTEND", "noninteractive")
                    .status();
                let _ = fs::remove_dir_all(&venv);
                let ok = Command::new("python3")
                    .args(["-m", "venv"])
                    .arg(&venv)
                    .status()
                    .is_ok_and(|s| s.success());
                assert!(ok, "python3 -m venv failed: install python3-venv");
            }
            let ok = Command::new(venv.join("bin/pip"))
                .args(["install", "-q", "aiosmtpd"])
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok && has(&py), "pip install aiosmtpd failed");
        }
        let _ = lock.unlock();
        py
    })
}

/// A test SMTP server on 127.0.0.1, stopped when dropped.
pub(crate) struct Server {
    child: Child,
    dir: PathBuf,
    port: u16,
}

/// One message the server accepted, as Python's `email` package read it.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) rcpt_to: Vec<String>,
    pub(crate) subject: String,
    pub(crate) body: String,
    pub(crate) reply_to: String,
    pub(crate) message_id: String,
    pub(crate) date: String,
    /// (file name, content type, bytes)
    pub(crate) attachments: Vec<(String, String, Vec<u8>)>,
}

impl Server {
    /// Starts a server writing into `dir`, with the script's `options`.
    pub(crate) fn start(dir: &Path, options: &[&str]) -> Server {
        let port_file = dir.with_extension("port");
        let _ = fs::remove_file(&port_file);
        let child = Command::new(python())
            .arg(crate::util::repo("tests/support/smtp_server.py"))
            .arg("--dir")
            .arg(dir)
            .arg("--port-file")
            .arg(&port_file)
            .args(options)
            .stdin(Stdio::piped())
            .spawn()
            .expect("start the SMTP test server");
        let start = Instant::now();
        let port = loop {
            if let Ok(text) = fs::read_to_string(&port_file) {
                break text.trim().parse().expect("a port number");
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the SMTP test server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        Server {
            child,
            dir: dir.to_path_buf(),
            port,
        }
    }

    /// `COTISATIONS_SMTP` for this server.
    pub(crate) fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// What it accepted, in order.
    pub(crate) fn received(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = fs::read_dir(&self.dir)
            .expect("list the server's folder")
            .map(|e| e.expect("an entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| {
                let v: serde_json::Value =
                    serde_json::from_slice(&fs::read(p).expect("read a message")).expect("json");
                let strings = |key: &str| -> Vec<String> {
                    v[key]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|s| s.as_str().unwrap_or_default().to_string())
                                .collect()
                        })
                        .unwrap_or_default()
                };
                let text = |key: &str| v[key].as_str().unwrap_or_default().to_string();
                Received {
                    rcpt_to: strings("rcpt_to"),
                    subject: text("subject"),
                    body: text("body").replace("\r\n", "\n"),
                    reply_to: text("reply_to"),
                    message_id: text("message_id"),
                    date: text("date"),
                    attachments: v["attachments"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|x| {
                                    (
                                        x["filename"].as_str().unwrap_or_default().to_string(),
                                        x["content_type"].as_str().unwrap_or_default().to_string(),
                                        fs::read(x["path"].as_str().unwrap_or_default())
                                            .expect("read an attachment"),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                }
            })
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The members of the tests: (id, name, postcode, email cell).
const MEMBERS: [(&str, &str, &str, &str); 7] = [
    ("M-01", "Alpha", "14000", "mairie@alpha.fr"),
    ("M-02", "Bravo", "14100", "b1@bravo.fr, b2@bravo.fr"),
    ("M-03", "Charlie", "14200", "refus@charlie.fr"),
    ("M-04", "Delta", "14300", "mairie@delta.fr"),
    ("M-05", "Écho", "14690", ""),
    ("M-06", "Foxtrot", "14100", ""),
    ("M-07", "Golf", "14500", "mairie@golf.fr"),
];

/// The members who have an address.
const BY_MAIL: usize = 5;

/// An exercice `ex` of `MEMBERS`, issued; returns its folder.
fn exercice(dir: &Dir) -> PathBuf {
    let ids: Vec<&str> = MEMBERS.iter().map(|m| m.0).collect();
    let path = dir.write_sample_first_row_as("role.csv", &ids);
    let text = fs::read_to_string(&path).expect("read the roster");
    let mut lines = text.lines();
    let mut out = format!("{}\r\n", lines.next().expect("a header"));
    for (line, (id, nom, cp, email)) in lines.zip(MEMBERS) {
        let mut cells: Vec<String> = line.split(';').map(str::to_string).collect();
        assert_eq!(cells[0], id);
        cells[1] = nom.to_string();
        cells[8] = cp.to_string();
        cells[9] = nom.to_uppercase();
        cells[10] = email.to_string();
        out.push_str(&cells.join(";"));
        out.push_str("\r\n");
    }
    let roster = dir.write("role.csv", out);
    dir.run_roster(&roster, "ex").run().batch_ok();
    dir.join("ex")
}

/// The issued documents of the first entry: number → (member id, PDF bytes).
fn issued(ex: &Path) -> BTreeMap<String, (String, Vec<u8>)> {
    let lot = ex.join(crate::util::LOT1);
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(lot.join("manifest.json")).expect("manifest"))
            .expect("json");
    m["appels"]
        .as_array()
        .expect("appels")
        .iter()
        .map(|a| {
            let numero = a["numero"].as_str().expect("numero").to_string();
            let pdf = fs::read(lot.join(a["fichier"].as_str().expect("fichier"))).expect("pdf");
            (
                numero,
                (a["membre_id"].as_str().expect("id").to_string(), pdf),
            )
        })
        .collect()
}

/// What `envoi` printed and how it ended (`None`: killed by a signal).
struct Run {
    code: Option<i32>,
    stderr: String,
}

/// `cotisations envoi ex ARGS` with `env`.
fn envoi(dir: &Dir, ex: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = Command::new(BIN)
        .arg("envoi")
        .arg(ex)
        .args(args)
        .envs(env.iter().copied())
        .env_remove("COTISATIONS_SMTP_MOT_DE_PASSE")
        .current_dir(dir.path())
        .output()
        .expect("run cotisations");
    let stderr = crate::util::nbsp(&String::from_utf8(out.stderr).expect("UTF-8"));
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    for text in [&stderr, &stdout] {
        if let Some(problem) = not_french(text) {
            panic!("{problem}\n{stderr}");
        }
    }
    Run {
        code: out.status.code(),
        stderr,
    }
}

/// The journal's lines as JSON.
fn journal(ex: &Path) -> Vec<serde_json::Value> {
    fs::read_to_string(ex.join("envois.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a journal line"))
        .collect()
}

/// How many messages the server received for each document number.
fn counts(received: &[Received]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in received {
        for (name, _, _) in &r.attachments {
            *out.entry(name.trim_end_matches(".pdf").to_string())
                .or_default() += 1;
        }
    }
    out
}

#[test]
#[allow(clippy::too_many_lines, reason = "one scenario, checked step by step")]
fn each_member_with_an_address_receives_its_appel_once_and_a_rerun_sends_nothing() {
    let dir = Dir::new();
    let ex = exercice(&dir);
    let server = Server::start(&dir.join("smtp"), &[]);
    let url = server.url();
    let run = envoi(&dir, &ex, &[], &[("COTISATIONS_SMTP", &url)]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains("Envoyés par courriel : 5"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Par courrier         : 2"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Échecs               : 0"),
        "{}",
        run.stderr
    );

    let issued = issued(&ex);
    assert_eq!(issued.len(), MEMBERS.len());
    let received = server.received();
    assert_eq!(received.len(), BY_MAIL, "{received:?}");
    for r in &received {
        assert_eq!(r.attachments.len(), 1);
        let (name, kind, bytes) = &r.attachments[0];
        let numero = name.strip_suffix(".pdf").expect("named NUMERO.pdf");
        let (id, pdf) = &issued[numero];
        assert_eq!(kind, "application/pdf");
        assert!(
            bytes == pdf,
            "the attachment of {numero} is not the issued PDF"
        );
        let (_, nom, _, email) = MEMBERS.iter().find(|m| m.0 == id).expect("a member");
        let expected: Vec<String> = email.split(", ").map(str::to_string).collect();
        assert_eq!(r.rcpt_to, expected, "{numero}");
        assert!(r.subject.contains(numero), "{}", r.subject);
        assert!(r.subject.contains("exercice 2027"), "{}", r.subject);
        assert!(r.subject.contains("Centre de Gestion"), "{}", r.subject);
        assert!(r.body.contains(&format!("adressé à {nom}")), "{}", r.body);
        assert!(r.body.contains("1 119,00 €"), "{}", r.body);
        assert!(
            r.body.contains("la date d'échéance est le 14/02/2027"),
            "{}",
            r.body
        );
        assert!(
            r.reply_to.contains("<numerique@cdg14.fr>"),
            "{}",
            r.reply_to
        );
        assert!(
            r.message_id.starts_with(&format!("<{numero}."))
                && r.message_id.ends_with(".1@cdg14.fr>"),
            "{}",
            r.message_id
        );
        assert!(!r.date.is_empty());
    }
    assert!(counts(&received).values().all(|&n| n == 1));

    // The journal: a tentative then its result for each message, the two
    // members without an address in the mailing.
    let lines = journal(&ex);
    let by_event = |e: &str| lines.iter().filter(|l| l["evenement"] == e).count();
    assert_eq!(
        (
            by_event("tentative"),
            by_event("accepte"),
            by_event("courrier")
        ),
        (5, 5, 2)
    );
    let mailing = lines
        .iter()
        .find(|l| l["evenement"] == "courrier")
        .and_then(|l| l["fichier"].as_str())
        .expect("the mailing's file")
        .to_string();
    assert!(run.stderr.contains(&mailing), "{}", run.stderr);

    // A rerun sends nothing and posts nothing.
    let again = envoi(&dir, &ex, &[], &[("COTISATIONS_SMTP", &url)]);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert!(
        again.stderr.contains("Envoyés par courriel : 0"),
        "{}",
        again.stderr
    );
    assert!(
        again.stderr.contains("Par courrier         : 0"),
        "{}",
        again.stderr
    );
    assert_eq!(server.received().len(), BY_MAIL);
    assert_eq!(journal(&ex).len(), lines.len());
    // Nothing left to send: no relay needed.
    let idle = envoi(&dir, &ex, &[], &[]);
    assert_eq!(idle.code, Some(0), "{}", idle.stderr);

    // The exercice, journal and mailing included, is still whole; etat
    // says who got what, how.
    dir.cmd(["verify"]).arg(&ex).run().code(0);
    let etat = dir.cmd(["etat"]).arg(&ex).run().code(0);
    assert!(
        etat.stdout
            .contains("Envois (envois.jsonl) : 5 par courriel, 2 par courrier, 0 refusé(s)"),
        "{}",
        etat.stdout
    );
    assert!(
        etat.stdout.contains("M-02  Bravo  courriel"),
        "{}",
        etat.stdout
    );
    assert!(
        etat.stdout.contains("b1@bravo.fr, b2@bravo.fr"),
        "{}",
        etat.stdout
    );
    assert!(
        etat.stdout.contains("M-05  Écho  courrier"),
        "{}",
        etat.stdout
    );

    // A journal line altered (the first message's attempt, after the two
    // mailing lines) breaks the chain at the next line: verify says so.
    let text = fs::read_to_string(ex.join("envois.jsonl")).expect("the journal");
    fs::write(
        ex.join("envois.jsonl"),
        text.replacen("mairie@alpha.fr", "autre@alpha.fr", 1),
    )
    .expect("alter the journal");
    dir.cmd(["verify"])
        .arg(&ex)
        .run()
        .code(8)
        .stderr_has(&["envois.jsonl, le journal des envois, ligne 4 : chaîne d'empreintes rompue"]);
}

#[test]
fn the_mailing_sorts_by_postcode_and_starts_each_document_on_an_odd_page() {
    let dir = Dir::new();
    let ex = exercice(&dir);
    let server = Server::start(&dir.join("smtp"), &[]);
    let run = envoi(&dir, &ex, &[], &[("COTISATIONS_SMTP", &server.url())]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let courrier: Vec<PathBuf> = fs::read_dir(ex.join("courrier"))
        .expect("the mailing's folder")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(courrier.len(), 1, "{courrier:?}");
    let doc = lopdf::Document::load(&courrier[0]).expect("lopdf reads the mailing");
    let issued = issued(&ex);
    let pages_of = |numero: &str| {
        lopdf::Document::load_mem(&issued[numero].1)
            .expect("an issued PDF")
            .get_pages()
            .len()
    };
    // Foxtrot (14100) before Écho (14690): the roster order is the other.
    let numero_of = |id: &str| {
        issued
            .iter()
            .find(|(_, (m, _))| m == id)
            .map(|(n, _)| n.clone())
            .expect("issued")
    };
    let (fox, echo) = (numero_of("M-06"), numero_of("M-05"));
    let even = |n: usize| n + n % 2;
    let expected = 2 + even(pages_of(&fox)) + even(pages_of(&echo));
    assert_eq!(doc.get_pages().len(), expected);
    let runs = crate::util::pdf_runs(&courrier[0]);
    let page_text = |i: usize| runs[i].join(" ");
    assert!(page_text(2).contains(&fox), "page 3: {}", page_text(2));
    let echo_page = 2 + even(pages_of(&fox));
    assert!(
        page_text(echo_page).contains(&echo),
        "{}",
        page_text(echo_page)
    );
    // The cover lists both, in that order, with the page each starts on.
    let cover = String::from_utf8_lossy(&doc.get_page_content(doc.get_pages()[&1])).into_owned();
    let (at_fox, at_echo) = (cover.find(&fox), cover.find(&echo));
    assert!(at_fox.is_some() && at_fox < at_echo, "{cover}");
    assert!(
        cover.contains("(FOXTROT)") && cover.contains("(3)"),
        "{cover}"
    );
}

#[test]
#[allow(clippy::too_many_lines, reason = "one scenario, checked step by step")]
fn a_permanent_refusal_is_recorded_not_retried_and_a_lost_connection_is_retried_once() {
    let dir = Dir::new();
    let ex = exercice(&dir);
    let server = Server::start(
        &dir.join("smtp"),
        &[
            "--refuse",
            "refus@charlie.fr",
            "--drop-once",
            "mairie@delta.fr",
        ],
    );
    let url = server.url();
    let run = envoi(&dir, &ex, &[], &[("COTISATIONS_SMTP", &url)]);
    assert_eq!(run.code, Some(5), "{}", run.stderr);
    let issued = issued(&ex);
    let numero_of = |id: &str| {
        issued
            .iter()
            .find(|(_, (m, _))| m == id)
            .map(|(n, _)| n.clone())
            .expect("issued")
    };
    let (charlie, delta) = (numero_of("M-03"), numero_of("M-04"));
    assert!(
        run.stderr.contains(&format!(
            "{charlie} (Charlie) : refusé définitivement par le relais"
        )),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("550"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(&format!("{delta} (Delta) : échec temporaire")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Envoyés par courriel : 4"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Échecs               : 1"),
        "{}",
        run.stderr
    );
    let received = server.received();
    let counts = counts(&received);
    assert_eq!(received.len(), 4, "{counts:?}");
    assert_eq!(counts.get(&delta), Some(&1));
    assert_eq!(counts.get(&charlie), None);
    let lines = journal(&ex);
    let last = |numero: &str| {
        lines
            .iter()
            .rev()
            .find(|l| l["numero"] == numero)
            .expect("journalled")
            .clone()
    };
    assert_eq!(last(&charlie)["evenement"], "refuse");
    assert!(
        last(&charlie)["reponse"]
            .as_str()
            .is_some_and(|r| r.contains("550")),
        "{lines:?}"
    );
    assert_eq!(last(&delta)["evenement"], "accepte");

    // A rerun does not try the refused address again.
    let again = envoi(&dir, &ex, &[], &[("COTISATIONS_SMTP", &url)]);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert_eq!(server.received().len(), 4);

    // --renvoyer sends it on purpose, journalled as such (a second sending).
    drop(server);
    let fixed = Server::start(&dir.join("smtp2"), &[]);
    let alpha = numero_of("M-01");
    let resent = envoi(
        &dir,
        &ex,
        &["--renvoyer", &alpha],
        &[("COTISATIONS_SMTP", &fixed.url())],
    );
    assert_eq!(resent.code, Some(0), "{}", resent.stderr);
    let received = fixed.received();
    assert_eq!(received.len(), 1);
    assert!(
        received[0].message_id.ends_with(".2@cdg14.fr>"),
        "{:?}",
        received[0]
    );
    let line = journal(&ex).pop().expect("a line");
    assert_eq!(
        (line["evenement"].as_str(), line["renvoi"].as_bool()),
        (Some("accepte"), Some(true))
    );
}

/// `envoi` killed at `step`, then run again: what the server received.
fn killed_then_rerun(step: &str) -> (BTreeMap<String, usize>, String) {
    let dir = Dir::new();
    let ex = exercice(&dir);
    let server = Server::start(&dir.join("smtp"), &[]);
    let url = server.url();
    let killed = envoi(
        &dir,
        &ex,
        &[],
        &[("COTISATIONS_SMTP", &url), ("COTISATIONS_ECHEC_TEST", step)],
    );
    assert_eq!(
        killed.code, None,
        "not stopped at {step}: {}",
        killed.stderr
    );
    assert!(killed.stderr.contains(step), "{}", killed.stderr);
    let rerun = envoi(&dir, &ex, &[], &[("COTISATIONS_SMTP", &url)]);
    assert_eq!(rerun.code, Some(0), "{}", rerun.stderr);
    let again = envoi(&dir, &ex, &[], &[("COTISATIONS_SMTP", &url)]);
    assert!(
        again.stderr.contains("Envoyés par courriel : 0"),
        "{}",
        again.stderr
    );
    dir.cmd(["verify"]).arg(&ex).run().code(0);
    (counts(&server.received()), rerun.stderr)
}

#[test]
fn killed_before_a_message_then_rerun_sends_each_exactly_once() {
    let (counts, _) = killed_then_rerun("envoi-avant-message-3");
    assert_eq!(counts.len(), BY_MAIL, "{counts:?}");
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
}

#[test]
fn killed_after_the_relay_accepted_then_rerun_repeats_that_message_only() {
    let (counts, stderr) = killed_then_rerun("envoi-apres-acceptation-2");
    assert_eq!(counts.len(), BY_MAIL, "{counts:?}");
    let repeated: Vec<&String> = counts
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(k, _)| k)
        .collect();
    assert_eq!(repeated.len(), 1, "{counts:?}");
    assert_eq!(counts[repeated[0]], 2);
    assert!(
        stderr.contains("Dont 1 message(s) peut-être déjà reçu(s)"),
        "{stderr}"
    );
}

#[test]
fn essai_writes_the_same_eml_files_each_time_and_connects_to_nothing() {
    let dir = Dir::new();
    let ex = exercice(&dir);
    // A relay nobody listens on: --essai must not need it.
    let env = [("COTISATIONS_SMTP", "smtp://127.0.0.1:9")];
    for out in ["essai1", "essai2"] {
        let run = envoi(&dir, &ex, &["--essai", out], &env);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert!(run.stderr.contains("rien n'a été envoyé"), "{}", run.stderr);
    }
    let (a, b) = (
        crate::util::snapshot(&dir.join("essai1")),
        crate::util::snapshot(&dir.join("essai2")),
    );
    assert_eq!(a, b, "two previews differ");
    let emls = a
        .keys()
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .count();
    assert_eq!(emls, BY_MAIL);
    assert!(a.contains_key(Path::new("courrier.pdf")));
    let eml = a
        .iter()
        .find(|(p, _)| p.extension().is_some_and(|e| e == "eml"))
        .and_then(|(_, b)| b.clone())
        .expect("an eml");
    let text = String::from_utf8(eml).expect("ASCII");
    for header in [
        "Message-ID: <AC-2027-",
        "Date: Fri, 15 Jan 2027 09:00:00",
        "Reply-To:",
        "MIME-Version: 1.0",
        "filename=\"AC-2027-",
    ] {
        assert!(text.contains(header), "{header}\n{text}");
    }
    assert!(
        !ex.join("envois.jsonl").exists(),
        "--essai journals nothing"
    );
    assert!(!ex.join("courrier").exists());
}

#[test]
fn a_test_address_receives_every_message_and_nothing_is_journalled() {
    let dir = Dir::new();
    let ex = exercice(&dir);
    let server = Server::start(&dir.join("smtp"), &[]);
    // At most 600 a minute: 0.1 s between two messages.
    let start = Instant::now();
    let run = envoi(
        &dir,
        &ex,
        &["--a", "essai@cdg14.fr", "--par-minute", "600"],
        &[("COTISATIONS_SMTP", &server.url())],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        start.elapsed() >= Duration::from_millis(400),
        "{:?}",
        start.elapsed()
    );
    let received = server.received();
    assert_eq!(received.len(), BY_MAIL);
    assert!(received.iter().all(|r| r.rcpt_to == ["essai@cdg14.fr"]));
    assert!(!ex.join("envois.jsonl").exists());
}

#[test]
fn unsafe_settings_are_refused_before_anything_is_sent() {
    let dir = Dir::new();
    let ex = exercice(&dir);
    // Plain SMTP to another machine.
    let run = envoi(
        &dir,
        &ex,
        &[],
        &[("COTISATIONS_SMTP", "smtp://smtp.example.org:25")],
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("sans chiffrement"), "{}", run.stderr);
    // A password file others may read.
    let secret = dir.write("secret.txt", "motdepasse\n");
    let mut perms = fs::metadata(&secret).expect("meta").permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o644);
    fs::set_permissions(&secret, perms).expect("chmod");
    let issuer = fs::read_to_string(emetteur()).expect("issuer");
    let with_smtp = format!(
        "{issuer}\n[smtp]\nhote = \"127.0.0.1\"\nport = 2525\nsecurite = \"aucune\"\nutilisateur = \"cdg\"\nmot_de_passe_fichier = \"{}\"\n",
        secret.display()
    );
    let issuer_path = dir.write("emetteur-smtp.toml", &with_smtp);
    let run = envoi(
        &dir,
        &ex,
        &["--emetteur", issuer_path.to_str().expect("UTF-8")],
        &[],
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("chmod 600"), "{}", run.stderr);
    // The password in the TOML: refused with its line.
    let in_clear = dir.write(
        "emetteur-clair.toml",
        format!("{issuer}\n[smtp]\nhote = \"smtp.cdg14.fr\"\nmot_de_passe = \"secret\"\n"),
    );
    let line = issuer.lines().count() + 4;
    let run = envoi(
        &dir,
        &ex,
        &["--emetteur", in_clear.to_str().expect("UTF-8")],
        &[],
    );
    assert_eq!(run.code, Some(3), "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("emetteur-clair.toml:{line}:")),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("COTISATIONS_SMTP_MOT_DE_PASSE"),
        "{}",
        run.stderr
    );
    assert!(!ex.join("envois.jsonl").exists());
}

#[test]
fn an_unreachable_relay_stops_the_sending_and_a_rerun_sends_the_rest() {
    let dir = Dir::new();
    let ex = exercice(&dir);
    // Nobody listens on port 9 of this machine.
    let run = envoi(
        &dir,
        &ex,
        &["--essais", "2"],
        &[("COTISATIONS_SMTP", "smtp://127.0.0.1:9")],
    );
    assert_eq!(run.code, Some(6), "{}", run.stderr);
    assert!(run.stderr.contains("injoignable"), "{}", run.stderr);
    assert!(
        run.stderr.contains("0 message(s) envoyé(s)"),
        "{}",
        run.stderr
    );
    let lines = journal(&ex);
    assert_eq!(lines.last().expect("a line")["evenement"], "echec");
    let server = Server::start(&dir.join("smtp"), &[]);
    let rerun = envoi(&dir, &ex, &[], &[("COTISATIONS_SMTP", &server.url())]);
    assert_eq!(rerun.code, Some(0), "{}", rerun.stderr);
    assert!(!rerun.stderr.contains("peut-être"), "{}", rerun.stderr);
    let counts = counts(&server.received());
    assert_eq!(counts.len(), BY_MAIL, "{counts:?}");
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
}

#[test]
fn tls_and_starttls_are_required_of_the_relay_when_asked() {
    let dir = Dir::new();
    let ex = exercice(&dir);
    // A plain server: TLS from the first byte fails its handshake, and it
    // offers no STARTTLS; neither sends anything in clear.
    let server = Server::start(&dir.join("smtp"), &[]);
    let issuer = fs::read_to_string(emetteur()).expect("issuer");
    for (securite, expected) in [("tls", "injoignable"), ("starttls", "STARTTLS non proposé")] {
        let path = dir.write(
            format!("emetteur-{securite}.toml"),
            format!(
                "{issuer}\n[smtp]\nhote = \"127.0.0.1\"\nport = {}\nsecurite = \"{securite}\"\n",
                server.port
            ),
        );
        let run = envoi(
            &dir,
            &ex,
            &["--essais", "1", "--emetteur", path.to_str().expect("UTF-8")],
            &[],
        );
        assert_eq!(run.code, Some(6), "{securite}: {}", run.stderr);
        assert!(run.stderr.contains(expected), "{securite}: {}", run.stderr);
    }
    assert!(server.received().is_empty());
}

#[test]
fn an_avoir_is_sent_like_an_appel_with_the_appel_it_reduces() {
    let dir = Dir::new();
    let ex = exercice(&dir);
    let server = Server::start(&dir.join("smtp"), &[]);
    let url = server.url();
    assert_eq!(
        envoi(&dir, &ex, &[], &[("COTISATIONS_SMTP", &url)]).code,
        Some(0)
    );
    crate::avoir::avoir(&dir, "ex", "M-02")
        .args(["--motif", "Adhésion annulée"])
        .run()
        .code(0);
    let run = envoi(&dir, &ex, &[], &[("COTISATIONS_SMTP", &url)]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stderr.contains("Envoyés par courriel : 1"),
        "{}",
        run.stderr
    );
    let received = server.received();
    assert_eq!(received.len(), BY_MAIL + 1);
    let last = received.last().expect("the avoir's message");
    let entry = ex.join("entrees/0002-AV");
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(entry.join("manifest.json")).expect("manifest"))
            .expect("json");
    let numero = m["appels"][0]["numero"].as_str().expect("numero");
    let pdf = fs::read(entry.join(m["appels"][0]["fichier"].as_str().expect("fichier")))
        .expect("the avoir's PDF");
    assert!(numero.starts_with("AV-2027-"), "{numero}");
    assert_eq!(last.rcpt_to, ["b1@bravo.fr", "b2@bravo.fr"]);
    assert!(
        last.subject.contains(&format!("avoir {numero}")),
        "{}",
        last.subject
    );
    assert!(
        last.body.contains("au titre de l'appel AC-2027-00002"),
        "{}",
        last.body
    );
    assert_eq!(last.attachments[0].0, format!("{numero}.pdf"));
    assert!(
        last.attachments[0].2 == pdf,
        "the attachment is not the issued avoir"
    );
}

#[test]
fn a_temporary_refusal_is_retried_and_one_refused_address_of_two_does_not_stop_the_message() {
    let dir = Dir::new();
    let ex = exercice(&dir);
    let server = Server::start(
        &dir.join("smtp"),
        &["--defer-once", "mairie@golf.fr", "--refuse", "b2@bravo.fr"],
    );
    let run = envoi(&dir, &ex, &[], &[("COTISATIONS_SMTP", &server.url())]);
    assert_eq!(run.code, Some(5), "{}", run.stderr);
    assert!(
        run.stderr.contains("(Golf) : échec temporaire"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("451"), "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "(Bravo) : envoyé, mais le relais a refusé définitivement l'adresse b2@bravo.fr"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Envoyés par courriel : 5"),
        "{}",
        run.stderr
    );
    let received = server.received();
    assert_eq!(received.len(), BY_MAIL);
    let counts = counts(&received);
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
    let bravo = received
        .iter()
        .find(|r| r.rcpt_to.contains(&"b1@bravo.fr".to_string()))
        .expect("Bravo's message");
    assert_eq!(bravo.rcpt_to, ["b1@bravo.fr"]);
    let lines = journal(&ex);
    let bravo_line = lines
        .iter()
        .find(|l| l["nom"] == "Bravo" && l["evenement"] == "accepte")
        .expect("Bravo accepted");
    assert_eq!(
        bravo_line["destinataires"],
        serde_json::json!(["b1@bravo.fr"])
    );
    assert!(
        bravo_line["reponse"]
            .as_str()
            .is_some_and(|r| r.contains("b2@bravo.fr")),
        "{bravo_line}"
    );
    let golf: Vec<&str> = lines
        .iter()
        .filter(|l| l["nom"] == "Golf")
        .map(|l| l["evenement"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(golf, ["tentative", "accepte"]);
}
