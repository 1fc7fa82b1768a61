//! Tariff grid validation: every refusal exits 3 and points at the grid
//! file with `:line:column`, in French; nothing is written.

use std::fs;

use crate::util::{Dir, Output, leftovers, sample_grid_altered, sample_roster};

/// 1-based line and column (in chars) of the first `needle` in `text`.
#[track_caller]
fn position(text: &str, needle: &str) -> (usize, usize) {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in the grid"));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// Runs the batch with `grid` as `grille.toml`: asserts exit 3, the French
/// preamble, nothing written; returns the output and the grid's path.
#[track_caller]
fn refused(grid: &str) -> (Output, String) {
    let dir = Dir::new();
    let path = dir.write("grille.toml", grid);
    let shown = path.display().to_string();
    let out = dir
        .run_batch(&sample_roster(), &path, "lot")
        .run()
        .code(3)
        .stderr_has(&[
            &format!("erreur : la grille tarifaire « {shown} » contient "),
            "rien n'a été écrit",
        ]);
    assert_eq!(dir.entries(), ["grille.toml"], "something was written");
    assert!(leftovers(dir.path()).is_empty());
    (out, shown)
}

/// `refused` with exactly one error at the position of `needle` in `grid`.
#[track_caller]
fn refused_at(grid: &str, needle: &str, reason: &[&str]) {
    let (line, col) = position(grid, needle);
    let (out, shown) = refused(grid);
    let out = out
        .stderr_has(&["contient 1 erreur ;", &format!("  {shown}:{line}:{col} : ")])
        .stderr_has(reason);
    assert_eq!(
        out.stderr.lines().filter(|l| l.starts_with("  ")).count(),
        1,
        "{}",
        out.stderr
    );
}

#[test]
fn tier_missing_a_price() {
    let grid = sample_grid_altered(
        r#"["317,00", "423,00", "584,00", "809,00", "1 062,00", "1 378,00", "1 829,00", "2 339,00"]"#,
        r#"["317,00", "423,00", "584,00", "809,00", "1 062,00", "1 378,00", "1 829,00"]"#,
    );
    refused_at(
        &grid,
        r#"["317,00""#,
        &["article « forfait_heberge » : 7 prix par tranche donnés, 8 attendus"],
    );
}

#[test]
fn float_price() {
    let grid = sample_grid_altered(r#"prix = "80,00""#, "prix = 80.0");
    refused_at(
        &grid,
        "80.0",
        &[
            "article « certificat » : écrivez le prix entre guillemets",
            "les nombres à virgule flottante ne sont pas exacts",
        ],
    );
}

#[test]
fn price_that_is_not_a_number() {
    let grid = sample_grid_altered(r#"prix = "80,00""#, r#"prix = "80 euros""#);
    refused_at(
        &grid,
        r#""80 euros""#,
        &["article « certificat » : prix « 80 euros » illisible"],
    );
}

#[test]
fn price_with_a_fraction_of_a_cent() {
    let grid = sample_grid_altered(r#"prix = "80,00""#, r#"prix = "80,001""#);
    refused_at(&grid, r#""80,001""#, &["un prix s'exprime au centime près"]);
}

#[test]
fn overlapping_tiers() {
    // Tier 3 starts where tier 2 does.
    let grid = sample_grid_altered(
        "numero = 3\npopulation_min = 500\n",
        "numero = 3\npopulation_min = 250\n",
    );
    // The error points at the `[[tranches.liste]]` line of tier 3.
    let (line, _) = position(&grid, "numero = 3\n");
    let (out, shown) = refused(&grid);
    let out = out.stderr_has(&[
        "contient 1 erreur ;",
        &format!(
            "  {shown}:{}:1 : tranche 3 : ses seuils doivent être strictement supérieurs à ceux de la tranche précédente",
            line - 1
        ),
        "tranches qui se chevauchent",
    ]);
    assert!(
        grid.lines().nth(line - 2) == Some("[[tranches.liste]]"),
        "{}",
        out.stderr
    );
}

#[test]
fn unknown_meme_prix_que() {
    let grid = sample_grid_altered(
        r#"meme_prix_que = "forfait_technologie""#,
        r#"meme_prix_que = "forfait_techno""#,
    );
    refused_at(
        &grid,
        r#""forfait_techno""#,
        &[
            "article « forfait_technologie_plus » : il fait référence à l'article « forfait_techno », qui n'existe pas",
        ],
    );
}

#[test]
fn unknown_exclusion_target() {
    let grid = sample_grid_altered(
        r#"exclut = ["forfait_metiers_communication"]"#,
        r#"exclut = ["forfait_metiers_com"]"#,
    );
    refused_at(
        &grid,
        r#""forfait_metiers_com""#,
        &["article « forfait_metiers » : il fait référence à l'article « forfait_metiers_com »"],
    );
}

#[test]
fn syntax_error() {
    // An unterminated string on the `non_affiliee` line.
    let grid = sample_grid_altered("non_affiliee = 8\n", "non_affiliee = \"8\n");
    let (line, _) = position(&grid, "non_affiliee");
    let (out, shown) = refused(&grid);
    let out = out.stderr_has(&["contient 1 erreur ;", &format!("  {shown}:{line}:")]);
    assert!(
        out.stderr.contains("syntaxe TOML invalide") || out.stderr.contains("type de valeur"),
        "{}",
        out.stderr
    );
}

#[test]
fn unknown_field_is_translated() {
    let grid = sample_grid_altered("non_affiliee = 8\n", "non_affiliee = 8\nnon_affilie = 8\n");
    let (line, col) = position(&grid, "non_affilie = 8");
    let (out, shown) = refused(&grid);
    out.stderr_has(&[
        &format!("  {shown}:{line}:{col} : "),
        "champ inconnu « non_affilie »",
    ]);
}

#[test]
fn several_grid_errors_are_reported_at_once_in_file_order() {
    let grid = sample_grid_altered(r#"prix = "80,00""#, "prix = 80.0").replacen(
        r#", "1 829,00", "2 339,00"]"#,
        r#", "1 829,00"]"#,
        1,
    );
    let (l1, c1) = position(&grid, r#"["317,00""#);
    let (l2, c2) = position(&grid, "80.0");
    let (out, shown) = refused(&grid);
    let out = out.stderr_has(&[
        "contient 2 erreurs ;",
        &format!("  {shown}:{l1}:{c1} : article « forfait_heberge »"),
        &format!("  {shown}:{l2}:{c2} : article « certificat »"),
    ]);
    let first = out.stderr.find(&format!(":{l1}:{c1} :")).unwrap();
    let second = out.stderr.find(&format!(":{l2}:{c2} :")).unwrap();
    assert!(first < second, "errors in file order");
}

#[test]
fn grid_errors_stop_check_tarifs_and_quote_too() {
    let dir = Dir::new();
    let grid = sample_grid_altered(r#"prix = "80,00""#, "prix = 80.0");
    let (line, col) = position(&grid, "80.0");
    let path = dir.write("grille.toml", &grid);
    let at = format!("  {}:{line}:{col} : ", path.display());
    dir.cmd(["check", "--roster"])
        .arg(sample_roster())
        .arg("--tariff")
        .arg(&path)
        .run()
        .code(3)
        .stderr_has(&[&at]);
    let o = dir
        .cmd(["tarifs", "--tariff"])
        .arg(&path)
        .run()
        .code(3)
        .stderr_has(&[&at]);
    assert!(o.stdout.is_empty());
    dir.cmd([
        "quote",
        "--type",
        "commune",
        "--population",
        "812",
        "forfait_metiers=1",
        "--tarif",
    ])
    .arg(&path)
    .run()
    .code(3)
    .stderr_has(&[&at]);
    assert_eq!(dir.entries(), ["grille.toml"]);
}

#[test]
fn missing_grid_file_is_an_io_error() {
    let dir = Dir::new();
    let absent = dir.join("absente.toml");
    dir.run_batch(&sample_roster(), &absent, "lot")
        .run()
        .code(6)
        .stderr_has(&[&format!(
            "impossible de lire le fichier « {} »",
            absent.display()
        )]);
    assert!(dir.entries().is_empty());
}

#[test]
fn broken_emetteur_template_exits_3() {
    let dir = Dir::new();
    let emetteur = dir.write("emetteur.toml", "nom = \"CDG\nville = 3\n");
    dir.cmd(["run", "--date-emission", "2027-01-15", "--roster"])
        .arg(sample_roster())
        .arg("--tariff")
        .arg(crate::util::sample_grid())
        .arg("--out")
        .arg(dir.join("lot"))
        .arg("--emetteur")
        .arg(&emetteur)
        .run()
        .code(3)
        .stderr_has(&[&format!(
            "le fichier de l'émetteur « {} » contient 1 erreur ; rien n'a été écrit :",
            emetteur.display()
        )]);
    assert_eq!(dir.entries(), ["emetteur.toml"]);
}

/// The issuer file of the sample with its only `from` replaced by `to`.
fn emetteur_altered(from: &str, to: &str) -> String {
    let text = fs::read_to_string(crate::util::emetteur()).unwrap();
    assert_eq!(text.matches(from).count(), 1, "{from}");
    text.replacen(from, to, 1)
}

#[test]
fn the_issuer_file_is_validated_like_the_roster() {
    let dir = Dir::new();
    // The old shipped template's mistakes: a SIRET that fails its key, an
    // IBAN that fails mod 97, and a truncated IBAN: every error listed,
    // with its line.
    let text = emetteur_altered(
        "siret = \"281 400 010 00019\"",
        "siret = \"281 400 015 00040\"",
    )
    .replacen(
        "iban = \"FR76 3000 1000 6400 0001 2345 618\"",
        "iban = \"FR76 3000 1003 2800 0000 0000 123\"",
        1,
    )
    .replacen("delai_paiement_jours = 30", "delai_paiement_jours = 400", 1);
    let line_of = |needle: &str| text.lines().position(|l| l.starts_with(needle)).unwrap() + 1;
    let emetteur = dir.write("emetteur.toml", &text);
    let shown = emetteur.display().to_string();
    dir.cmd(["check", "--date-emission", "2027-01-15", "--roster"])
        .arg(sample_roster())
        .arg("--tariff")
        .arg(crate::util::sample_grid())
        .arg("--emetteur")
        .arg(&emetteur)
        .run()
        .code(3)
        .stderr_has(&[
            "contient 3 erreurs ; rien n'a été écrit",
            &format!("{shown}:{}:9 : SIRET du Centre « 281 400 015 00040 » invalide : sa clé de contrôle est fausse", line_of("siret")),
            &format!("{shown}:{}:24 : délai de paiement de 400 jours invraisemblable", line_of("delai_paiement_jours")),
            &format!("{shown}:{}:8 : IBAN « FR76 3000 1003 2800 0000 0000 123 » invalide : sa clé de contrôle", line_of("iban")),
        ]);
    let truncated = dir.write(
        "court.toml",
        emetteur_altered(
            "iban = \"FR76 3000 1000 6400 0001 2345 618\"",
            "iban = \"FR76 ABC\"",
        ),
    );
    dir.cmd(["run", "--date-emission", "2027-01-15", "--roster"])
        .arg(sample_roster())
        .arg("--tariff")
        .arg(crate::util::sample_grid())
        .arg("--out")
        .arg(dir.join("lot"))
        .arg("--emetteur")
        .arg(&truncated)
        .run()
        .code(3)
        .stderr_has(&["IBAN « FR76 ABC » invalide"]);
    assert!(!dir.join("lot").exists());
}

#[test]
fn the_issuer_file_is_looked_for_beside_the_grid() {
    let dir = Dir::new();
    let grid = dir.write("config/grille.toml", crate::util::sample_grid_text());
    let cmd = |dir: &Dir| {
        dir.cmd(["check", "--date-emission", "2027-01-15", "--roster"])
            .arg(sample_roster())
            .arg("--tariff")
            .arg(&grid)
    };
    let expected = dir.join("config/emetteur.toml");
    cmd(&dir).run().code(6).stderr_has(&[
        &format!(
            "fichier de l'émetteur « {} » introuvable",
            expected.display()
        ),
        "cherché dans le dossier de la grille tarifaire",
        "--emetteur",
    ]);
    fs::copy(crate::util::emetteur(), &expected).unwrap();
    cmd(&dir).run().code(0);
    // The option wins, and its path is named when it is wrong.
    cmd(&dir)
        .args(["--emetteur", "ailleurs.toml"])
        .run()
        .code(6)
        .stderr_has(&["« ailleurs.toml » introuvable (indiqué par --emetteur)"]);
}
