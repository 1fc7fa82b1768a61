//! `cotisations verify`: every kind of problem it reports, each produced
//! by one tampering of a real batch, with its French message.

use std::fs;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::util::{Dir, sample_grid_altered, sample_roster};

/// Exit code of a folder that fails verification.
const VERIFY: i32 = 8;

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::new(), |mut s, b| {
            use std::fmt::Write as _;
            let _ = write!(s, "{b:02x}");
            s
        })
}

pub(crate) fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} in {}", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Replaces the ledger by `text` and records its new hash, so that only
/// the ledger's content is at fault.
pub(crate) fn rewrite_ledger(lot: &Path, text: &str) {
    let manifest = lot.join("manifest.json");
    let old = sha256_hex(&fs::read(lot.join("ledger.csv")).unwrap());
    fs::write(lot.join("ledger.csv"), text).unwrap();
    edit(&manifest, &old, &sha256_hex(text.as_bytes()));
}

type Tamper = fn(&Path);

#[allow(
    clippy::too_many_lines,
    reason = "a table of tamperings, one per problem"
)]
#[test]
fn each_problem_is_found_and_said_in_french() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    dir.cmd(["verify"]).arg(dir.join("lot")).run().code(0);
    let ledger = fs::read_to_string(dir.join("lot/entrees/0001-AC/ledger.csv")).unwrap();
    let first_pdf = "appels/AC-2027-00001_C-14531.pdf";
    assert!(dir.lot("lot").join(first_pdf).is_file());

    let cases: [(&str, Tamper, &[&str]); 21] = [
        (
            "sans-manifeste",
            |lot| fs::remove_file(lot.join("manifest.json")).unwrap(),
            &[
                "manifest.json illisible (fichier ou dossier introuvable",
                "pas un lot achevé",
            ],
        ),
        (
            "manifeste-abime",
            |lot| fs::write(lot.join("manifest.json"), "{").unwrap(),
            &["manifest.json invalide (fichier tronqué"],
        ),
        (
            "serie-inconnue",
            |lot| {
                edit(
                    &lot.join("manifest.json"),
                    "{\n",
                    "{\n  \"serie\": \"ZZ\",\n",
                );
            },
            &["série de numéros « ZZ » inconnue (AC ou AV attendue)"],
        ),
        (
            "pdf-modifie",
            |lot| {
                let pdf = lot.join("appels/AC-2027-00001_C-14531.pdf");
                let mut bytes = fs::read(&pdf).unwrap();
                bytes.push(b'\n');
                fs::write(pdf, bytes).unwrap();
            },
            &["« appels/AC-2027-00001_C-14531.pdf » a été modifié (empreinte SHA-256 différente)"],
        ),
        (
            "pdf-manquant",
            |lot| fs::remove_file(lot.join("appels/AC-2027-00001_C-14531.pdf")).unwrap(),
            &["« appels/AC-2027-00001_C-14531.pdf » est manquant ou illisible"],
        ),
        (
            "pdf-en-trop",
            |lot| fs::write(lot.join("appels/AC-2027-09999_X.pdf"), "%PDF").unwrap(),
            &["« appels/AC-2027-09999_X.pdf » ne fait pas partie du lot"],
        ),
        (
            "numero-change",
            |lot| {
                edit(
                    &lot.join("manifest.json"),
                    "\"numero\": \"AC-2027-00002\"",
                    "\"numero\": \"AC-2027-00099\"",
                );
            },
            &[
                "numérotation discontinue : AC-2027-00099 trouvé là où AC-2027-00002 était attendu",
                "AC-2027-00099 : absent du journal comptable",
                "AC-2027-00002 : dans le journal mais sans PDF",
                "« appels/AC-2027-00002_C-14619.pdf » n'est pas le nom du PDF de AC-2027-00099",
            ],
        ),
        (
            "montant-change",
            |lot| {
                let text = fs::read_to_string(lot.join("ledger.csv")).unwrap();
                rewrite_ledger(lot, &text.replacen("1119,00;706;;", "1120,00;706;;", 1));
            },
            &[
                "AC-2027-00001 : le journal totalise 1 120,00 € mais l'appel 1 119,00 €",
                "total du journal (448 570,50 €) différent du total du lot (448 569,50 €)",
                "summary.json : total différent de celui du journal",
            ],
        ),
        (
            "journal-manquant",
            |lot| fs::remove_file(lot.join("ledger.csv")).unwrap(),
            &[
                "« ledger.csv » est manquant ou illisible",
                "ledger.csv est manquant ou illisible",
            ],
        ),
        (
            "journal-vide",
            |lot| rewrite_ledger(lot, ""),
            &["ledger.csv, le fichier est vide"],
        ),
        (
            "journal-autre-format",
            |lot| {
                edit(
                    &lot.join("manifest.json"),
                    "\"format_csv\": \"francais\"",
                    "\"format_csv\": \"rfc4180\"",
                );
            },
            &["ledger.csv n'est pas au format « rfc4180 » qu'indique le manifeste"],
        ),
        (
            "chemin-hors-dossier",
            |lot| {
                // The same bytes, read outside the folder: the old verify
                // followed the path and found the hash right.
                edit(
                    &lot.join("manifest.json"),
                    "\"chemin\": \"ledger.csv\"",
                    "\"chemin\": \"../lot/ledger.csv\"",
                );
            },
            &[
                "manifest.json désigne « ../lot/ledger.csv », hors du dossier du lot",
                "« ledger.csv » ne fait pas partie du lot",
            ],
        ),
        (
            "lien-symbolique",
            |lot| {
                let pdf = lot.join("appels/AC-2027-00001_C-14531.pdf");
                fs::remove_file(&pdf).unwrap();
                let original = lot
                    .parent()
                    .unwrap()
                    .join("lot/entrees/0001-AC/appels/AC-2027-00001_C-14531.pdf");
                std::os::unix::fs::symlink(original, pdf).unwrap();
            },
            &["« appels/AC-2027-00001_C-14531.pdf » est un lien symbolique"],
        ),
        (
            "fichiers-en-trop",
            |lot| {
                fs::write(lot.join("notes.txt"), "à moi").unwrap();
                fs::create_dir(lot.join("appels/vieux")).unwrap();
                fs::write(lot.join("appels/vieux/AC-2026-00001_A.pdf"), "%PDF").unwrap();
            },
            &[
                "« notes.txt » ne fait pas partie du lot",
                "« appels/vieux/AC-2026-00001_A.pdf » ne fait pas partie du lot",
                "« appels/vieux/ » ne fait pas partie du lot",
            ],
        ),
        (
            "pdf-copie-sur-un-autre",
            |lot| {
                // Member A's appel copied over member B's, its hash too.
                let a = lot.join("appels/AC-2027-00001_C-14531.pdf");
                let b = lot.join("appels/AC-2027-00002_C-14619.pdf");
                let (hash_a, hash_b) = (
                    sha256_hex(&fs::read(&a).unwrap()),
                    sha256_hex(&fs::read(&b).unwrap()),
                );
                fs::copy(a, b).unwrap();
                edit(&lot.join("manifest.json"), &hash_b, &hash_a);
            },
            &[
                "AC-2027-00001 et AC-2027-00002 ont le même PDF : chaque document a le sien",
                "AC-2027-00002 : la facture électronique (XML) intégrée au PDF porte le numéro AC-2027-00001",
            ],
        ),
        (
            "intact-malgre-un-lien-a-cote",
            |lot| {
                // A link beside the folder is not the folder's business.
                std::os::unix::fs::symlink(lot, lot.with_extension("lien")).unwrap();
            },
            &[],
        ),
        (
            "destinataire-change",
            |lot| {
                // The next credit note would be addressed to the new name.
                edit(
                    &lot.join("manifest.json"),
                    "\"nom\": \"Rapilly\"",
                    "\"nom\": \"Société Écran SARL\"",
                );
            },
            &[
                "AC-2027-00001 : la facture électronique (XML) intégrée au PDF désigne un autre acheteur (« Rapilly »)",
            ],
        ),
        (
            "siret-change",
            |lot| {
                edit(
                    &lot.join("manifest.json"),
                    "\"siret\": \"21140531100013\"",
                    "\"siret\": \"21140619400012\"",
                );
            },
            &[
                "AC-2027-00001 : la facture électronique (XML) intégrée au PDF désigne un autre acheteur (SIRET 21140531100013)",
            ],
        ),
        (
            "total-de-l-appel-change",
            |lot| {
                edit(
                    &lot.join("manifest.json"),
                    "\"total_ttc\": \"1119.00\"",
                    "\"total_ttc\": \"1.00\"",
                );
            },
            &[
                "AC-2027-00001 : la facture électronique (XML) intégrée au PDF totalise 1 119,00 € au lieu du total du document",
                "les documents du manifeste totalisent 447 451,50 €, le journal 448 569,50 €",
                "AC-2027-00001 : le journal totalise 1 119,00 € mais l'appel 1,00 €",
            ],
        ),
        (
            "journal-retire-de-la-liste",
            |lot| {
                // The ledger's entry dropped from `fichiers`, then the ledger
                // edited: its hash is no longer checked.
                let path = lot.join("manifest.json");
                let mut json: serde_json::Value =
                    serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
                json["fichiers"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|f| f["chemin"] != "ledger.csv");
                fs::write(&path, serde_json::to_string_pretty(&json).unwrap()).unwrap();
                edit(&lot.join("ledger.csv"), "1119,00;706;;", "1119,00;706;;");
            },
            &[
                "manifest.json ne garde pas l'empreinte de « ledger.csv » : ce fichier ne peut plus être vérifié",
                "« ledger.csv » ne fait pas partie du lot",
            ],
        ),
        ("intact", |_| {}, &[]),
    ];
    for (name, tamper, messages) in cases {
        let lot = dir.join(name);
        copy_dir(&dir.lot("lot"), &lot);
        tamper(&lot);
        let run = dir.cmd(["verify"]).arg(&lot).run();
        if messages.is_empty() {
            run.code(0);
            continue;
        }
        run.code(VERIFY)
            .stderr_has(&[
                "est incomplet ou a été modifié",
                "Ne transmettez pas ces documents",
            ])
            .stderr_has(messages);
    }
    // The ledger itself was left alone by the copies.
    assert_eq!(
        fs::read_to_string(dir.join("lot/entrees/0001-AC/ledger.csv")).unwrap(),
        ledger
    );
}

#[test]
fn an_exercice_takes_no_other_exercice_and_no_earlier_date() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    let before = crate::util::snapshot(&dir.join("lot"));
    // Another exercice: the 2028 grid cannot write into the 2027 folder.
    let grid_2028 = dir.write(
        "grille-2028.toml",
        sample_grid_altered("exercice = 2027", "exercice = 2028"),
    );
    let newcomer = dir.write_sample_first_row_as("sup.csv", &["C-NOUVEAU"]);
    dir.run_batch_dated(&newcomer, &grid_2028, "lot", "2028-01-15")
        .run()
        .code(2)
        .stderr_has(&["est le dossier de l'exercice 2027, pas de 2028"]);
    // Dated before the last lot: the series would go backwards.
    dir.run_batch_dated(&newcomer, &crate::util::sample_grid(), "lot", "2027-01-14")
        .run()
        .code(2)
        .stderr_has(&[
            "la date d'émission du 14 janvier 2027 précède celle de AC-2027-00059, émis le 15 janvier 2027",
            "indiquez une date à partir du 15 janvier 2027",
        ]);
    assert!(crate::util::snapshot(&dir.join("lot")) == before);
}
