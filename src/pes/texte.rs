//! Texts into the PES V2 fields: the characters Hélios reads, and the
//! documented rules that fit a value longer than its field without
//! cutting it (`docs/PES.md`, section 5): a name goes on into `ComplNom`,
//! long forms are abbreviated, an address is split on its commas, and the
//! postal form (capitals, no accents, the usual abbreviations) is the
//! last resort. A value no rule fits is refused, never cut.

/// Longest `Nom`, `ComplNom`, `Adr1`…`Adr3`, `Ville` (`Base_Texte38`).
pub const TEXTE_38: usize = 38;

/// `text` as one PES value: line breaks and runs of spaces folded into
/// one space, trimmed; characters outside ISO-8859-1 transliterated
/// (`Œ` → `OE`, `’` → `'`, `–` → `-`, `…` → `...`), French quotes as
/// plain ones (`« x »` → `"x"`), since the encoding Hélios reads is not
/// documented (Q5).
#[must_use]
pub fn clean(text: &str) -> String {
    let spaced = text.replace("« ", "\"").replace(" »", "\"");
    let mut out = String::with_capacity(spaced.len());
    let mut space = false;
    for c in spaced.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        match c {
            '«' | '»' | '“' | '”' | '„' => out.push('"'),
            '’' | '‘' | '‚' | '′' => out.push('\''),
            '–' | '—' | '‐' | '‑' | '−' => out.push('-'),
            '…' => out.push_str("..."),
            'Œ' => out.push_str("OE"),
            'œ' => out.push_str("oe"),
            c if u32::from(c) <= 0xFF => out.push(c),
            c => out.push_str(&crate::charset::fold_accents(&c.to_string())),
        }
    }
    out
}

/// Characters, not bytes: the XSD's lengths count characters.
#[must_use]
pub fn len(text: &str) -> usize {
    text.chars().count()
}

/// How a value was made to fit, for the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Regle {
    /// Split at a space or hyphen, the rest in the complement field.
    Coupe,
    /// Long forms abbreviated (then split if still needed).
    Abregee,
    /// Saint and Sainte as St and Ste, as the norme postale writes them.
    Saint,
    /// The linking words (de, du, des, et…) left out.
    Liaisons,
    /// Written in postal form.
    Postale,
}

impl Regle {
    /// The rule in French, for the summary.
    #[must_use]
    pub fn fr(&self) -> &'static str {
        match self {
            Regle::Coupe => "coupé à un espace, la suite dans le champ complément",
            Regle::Abregee => "formes longues abrégées (table de docs/PES.md), puis coupé",
            Regle::Saint => "formes longues abrégées, Saint et Sainte en St et Ste, puis coupé",
            Regle::Liaisons => {
                "formes longues abrégées, St et Ste, mots de liaison (de, du, des, et…) omis, puis coupé"
            }
            Regle::Postale => "écrit à la norme postale (majuscules, abréviations)",
        }
    }
}

/// A value fitted into a field and its complement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ajuste {
    pub principal: String,
    pub complement: Option<String>,
    /// `None`: the value fitted as it was.
    pub regle: Option<Regle>,
}

/// The long forms of public bodies' names and their usual abbreviations,
/// longest first (matched without case nor accents, on word boundaries).
const ABREVIATIONS: [(&str, &str); 14] = [
    ("service public d'assainissement non collectif", "SPANC"),
    (
        "etablissement d'hebergement pour personnes agees dependantes",
        "EHPAD",
    ),
    ("centre intercommunal d'action sociale", "CIAS"),
    ("centre communal d'action sociale", "CCAS"),
    ("syndicat intercommunal a vocation multiple", "SIVOM"),
    ("syndicat intercommunal a vocation scolaire", "SIVOS"),
    ("syndicat intercommunal a vocation unique", "SIVU"),
    ("communaute de communes", "CC"),
    ("communaute d'agglomeration", "CA"),
    ("communaute urbaine", "CU"),
    ("syndicat intercommunal", "SI"),
    ("syndicat departemental", "SD"),
    ("syndicat mixte", "SM"),
    ("budget annexe", "BA"),
];

/// Fits `text` (already `clean`) into a field of `max` characters and a
/// complement of as many, each step tried in turn until one fits, whole
/// or split at the last space or hyphen that leaves both parts within
/// `max` (the hyphen ends the first part): as it is; with the long forms
/// abbreviated; with Saint and Sainte as St and Ste; without the linking
/// words de, du, des, d', then et, au, aux, le, la, les, l' (never the
/// first word). `None` when no step fits.
#[must_use]
pub fn ajuste_nom(text: &str, max: usize) -> Option<Ajuste> {
    if len(text) <= max {
        return Some(Ajuste {
            principal: text.to_string(),
            complement: None,
            regle: None,
        });
    }
    let steps: [(Step, Regle); 5] = [
        (str::to_string, Regle::Coupe),
        (abrege, Regle::Abregee),
        (saints, Regle::Saint),
        (|t| sans_mots(t, &["de", "du", "des"]), Regle::Liaisons),
        (
            |t| sans_mots(t, &["et", "au", "aux", "le", "la", "les"]),
            Regle::Liaisons,
        ),
    ];
    let mut current = text.to_string();
    for (step, regle) in steps {
        current = step(&current);
        if len(&current) <= max {
            return Some(Ajuste {
                principal: current,
                complement: None,
                regle: Some(regle),
            });
        }
        if let Some((a, b)) = coupe(&current, max) {
            return Some(Ajuste {
                principal: a,
                complement: Some(b),
                regle: Some(regle),
            });
        }
    }
    None
}

/// One step of `ajuste_nom`: the text made shorter.
type Step = fn(&str) -> String;

/// `text` with Saint and Sainte (as words or in a hyphenated name) as St
/// and Ste.
fn saints(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            w.split('-')
                .map(|part| match part {
                    "Saint" => "St",
                    "Sainte" => "Ste",
                    "SAINT" => "ST",
                    "SAINTE" => "STE",
                    other => other,
                })
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` without the standalone `words` (case aside) and the elided
/// `d'` and `l'` before a word, the first word always kept.
fn sans_mots(text: &str, words: &[&str]) -> String {
    let elided = words.contains(&"de") || words.contains(&"la");
    let prefix = if words.contains(&"de") { "d'" } else { "l'" };
    let mut out: Vec<String> = Vec::new();
    for (i, w) in text.split(' ').enumerate() {
        let lower = w.to_lowercase();
        if i > 0 && words.contains(&lower.as_str()) {
            continue;
        }
        match lower.strip_prefix(prefix) {
            Some(rest) if i > 0 && elided && !rest.is_empty() => {
                out.push(w.chars().skip(2).collect());
            }
            _ => out.push(w.to_string()),
        }
    }
    out.join(" ")
}

/// `text` split in two parts of at most `max` characters each, at a space
/// (dropped) or a hyphen (kept at the end of the first part), the first
/// part as long as possible.
fn coupe(text: &str, max: usize) -> Option<(String, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut best = None;
    for (i, &c) in chars.iter().enumerate() {
        let (first, rest) = match c {
            ' ' => (i, i + 1),
            '-' => (i + 1, i + 1),
            _ => continue,
        };
        if first == 0 || first > max {
            continue;
        }
        let a: String = chars[..first]
            .iter()
            .collect::<String>()
            .trim_end()
            .to_string();
        let b: String = chars[rest..]
            .iter()
            .collect::<String>()
            .trim_start()
            .to_string();
        if !a.is_empty() && !b.is_empty() && len(&b) <= max {
            best = Some((a, b));
        }
    }
    best
}

/// `text` with the long forms of `ABREVIATIONS` replaced.
fn abrege(text: &str) -> String {
    let mut out = text.to_string();
    for (long, short) in ABREVIATIONS {
        loop {
            let folded = crate::charset::fold_accents(&out).to_lowercase();
            // Folding keeps the characters' count for the French letters
            // (one base letter per accented letter), ligatures aside.
            if folded.chars().count() != out.chars().count() {
                return out;
            }
            let Some(at) = find_word(&folded, long) else {
                break;
            };
            let start = folded[..at].chars().count();
            let end = start + long.chars().count();
            let chars: Vec<char> = out.chars().collect();
            out = chars[..start]
                .iter()
                .copied()
                .chain(short.chars())
                .chain(chars[end..].iter().copied())
                .collect();
        }
    }
    out
}

/// The byte offset of `word` in `text` at word boundaries.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(word) {
        let at = from + i;
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        if boundary(before) && boundary(after) {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// The postal form of `text` (norme postale, NF Z10-011): capitals
/// without accents, hyphens and apostrophes as spaces, the usual
/// abbreviations of the street types and of Saint/Sainte.
#[must_use]
pub fn postale(text: &str) -> String {
    let upper = crate::charset::fold_accents(text).to_uppercase();
    let spaced: String = upper
        .chars()
        .map(|c| {
            if matches!(c, '-' | '\'' | ',') {
                ' '
            } else {
                c
            }
        })
        .collect();
    spaced
        .split_whitespace()
        .map(|w| match w {
            "SAINT" => "ST",
            "SAINTE" => "STE",
            "BOULEVARD" => "BD",
            "AVENUE" => "AV",
            "PLACE" => "PL",
            "ROUTE" => "RTE",
            "GENERAL" => "GAL",
            "IMPASSE" => "IMP",
            "CHEMIN" => "CHE",
            w => w,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A value of at most `TEXTE_38` characters: as it is, else its postal
/// form; `None` if even that is too long.
#[must_use]
pub fn ajuste_38(text: &str) -> Option<(String, Option<Regle>)> {
    if len(text) <= TEXTE_38 {
        return Some((text.to_string(), None));
    }
    let p = postale(text);
    (len(&p) <= TEXTE_38).then_some((p, Some(Regle::Postale)))
}

/// The address lines `Adr1` (before the street), `Adr2` (the street) and
/// `Adr3` (after it) of a one-cell address, split on commas: the first
/// segment that starts with a digit or a street word is the street.
#[must_use]
pub fn decoupe_adresse(adresse: &str) -> (Option<String>, String, Option<String>) {
    let segments: Vec<String> = adresse
        .split(',')
        .map(|s| clean(s).trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let street = segments.iter().position(|s| is_street(s));
    let join = |parts: &[String]| (!parts.is_empty()).then(|| parts.join(", "));
    match (street, segments.len()) {
        (_, 0) => (None, String::new(), None),
        (Some(i), _) => (
            join(&segments[..i]),
            segments[i].clone(),
            join(&segments[i + 1..]),
        ),
        (None, 1) => (None, segments[0].clone(), None),
        (None, _) => (Some(segments[0].clone()), segments[1..].join(", "), None),
    }
}

/// Whether an address segment is the street: it starts with a number or
/// a street type.
fn is_street(segment: &str) -> bool {
    const WORDS: [&str; 16] = [
        "rue",
        "place",
        "avenue",
        "boulevard",
        "impasse",
        "route",
        "chemin",
        "allee",
        "quai",
        "esplanade",
        "cours",
        "square",
        "cite",
        "lieu-dit",
        "lieu dit",
        "hameau",
    ];
    let folded = crate::charset::fold_accents(segment).to_lowercase();
    folded.starts_with(|c: char| c.is_ascii_digit())
        || WORDS.iter().any(|w| {
            folded
                .strip_prefix(w)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\'', '-']))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_folds_spaces_and_transliterates_beyond_latin_1() {
        assert_eq!(clean("  Hôtel  de\nVille  "), "Hôtel de Ville");
        assert_eq!(
            clean("Œuvre d’art – « Le Pont »…"),
            "OEuvre d'art - \"Le Pont\"..."
        );
    }

    #[test]
    fn a_name_that_fits_stays_whole() {
        let a = ajuste_nom("Rapilly", 38).unwrap();
        assert_eq!(
            (a.principal.as_str(), a.complement, a.regle),
            ("Rapilly", None, None)
        );
    }

    #[test]
    fn a_long_name_is_split_at_a_hyphen_keeping_it() {
        let a = ajuste_nom("Saint-Martin-de-Bienfaite-la-Cressonnière", 38).unwrap();
        assert_eq!(a.principal, "Saint-Martin-de-Bienfaite-la-");
        assert_eq!(a.complement.as_deref(), Some("Cressonnière"));
        assert_eq!(a.regle, Some(Regle::Coupe));
        assert!(len(&a.principal) <= 38);
    }

    #[test]
    fn a_name_too_long_for_two_fields_is_abbreviated() {
        let name = "Service public d'assainissement non collectif de la Communauté de communes Cingal-Suisse Normande";
        let a = ajuste_nom(name, 38).unwrap();
        assert_eq!(a.regle, Some(Regle::Abregee));
        assert_eq!(a.principal, "SPANC de la CC Cingal-Suisse Normande");
        assert_eq!(a.complement, None);
        let sivom =
            "Syndicat intercommunal à vocation multiple de la vallée de l'Orne et de ses affluents";
        let a = ajuste_nom(sivom, 38).unwrap();
        assert_eq!(a.principal, "SIVOM de la vallée de l'Orne et de ses");
        assert_eq!(a.complement.as_deref(), Some("affluents"));
    }

    #[test]
    fn the_longest_names_of_the_synthetic_rosters_fit_by_the_later_steps() {
        let a = ajuste_nom(
            "SIVOS des écoles de Cricqueboeuf-la-Campagne et de Saint-Martin-aux-Chartrains",
            38,
        )
        .unwrap();
        assert_eq!(a.regle, Some(Regle::Liaisons));
        assert_eq!(a.principal, "SIVOS écoles Cricqueboeuf-la-Campagne");
        assert_eq!(a.complement.as_deref(), Some("et St-Martin-aux-Chartrains"));
        let a = ajuste_nom(
            "Budget annexe de la régie de transport scolaire de la communauté de communes Intercom de la Vire au Noireau",
            38,
        )
        .unwrap();
        assert!(len(&a.principal) <= 38 && a.complement.as_deref().is_some_and(|c| len(c) <= 38));
        assert!(a.principal.starts_with("BA "), "{a:?}");
        let a = ajuste_nom(
            "SIVOS des écoles d'Éterville-la-Blanche-Herbe et de Saint-Martin-du-Chartrains",
            38,
        )
        .unwrap();
        assert!(
            a.principal.contains("Éterville"),
            "the elided d' goes, not the name: {a:?}"
        );
    }

    #[test]
    fn a_name_no_rule_fits_is_refused_not_cut() {
        let word = "A".repeat(39);
        assert_eq!(ajuste_nom(&word, 38), None);
        let long = "mot ".repeat(30);
        assert_eq!(ajuste_nom(long.trim(), 38), None);
    }

    #[test]
    fn every_fitted_part_is_within_its_field() {
        for n in 1..120 {
            let text: String = (0..n).map(|i| if i % 7 == 6 { ' ' } else { 'x' }).collect();
            let text = text.trim().to_string();
            if let Some(a) = ajuste_nom(&text, 38) {
                assert!(len(&a.principal) <= 38, "{text}");
                assert!(a.complement.as_deref().is_none_or(|c| len(c) <= 38));
                let joined = match &a.complement {
                    Some(c) => format!("{} {c}", a.principal),
                    None => a.principal.clone(),
                };
                assert_eq!(
                    joined, text,
                    "nothing lost: no word of these is a linking word"
                );
            }
        }
    }

    #[test]
    fn the_postal_form() {
        assert_eq!(
            postale("Saint-Martin-de-Bienfaite-la-Cressonnière"),
            "ST MARTIN DE BIENFAITE LA CRESSONNIERE"
        );
        assert_eq!(
            ajuste_38("place du Général de Gaulle").unwrap().0,
            "place du Général de Gaulle"
        );
        let (v, r) = ajuste_38("Hérouville-Saint-Clair Cedex avenue du Général").unwrap();
        assert_eq!(
            (v.as_str(), r),
            ("HEROUVILLE ST CLAIR CEDEX AV DU GAL", Some(Regle::Postale))
        );
    }

    #[test]
    fn an_address_is_split_around_its_street() {
        assert_eq!(
            decoupe_adresse("Hôtel de Ville, place de l'Hôtel de Ville"),
            (
                Some("Hôtel de Ville".into()),
                "place de l'Hôtel de Ville".into(),
                None
            )
        );
        assert_eq!(
            decoupe_adresse("Rue de Vire, Aunay-sur-Odon"),
            (None, "Rue de Vire".into(), Some("Aunay-sur-Odon".into()))
        );
        assert_eq!(decoupe_adresse("Mairie"), (None, "Mairie".into(), None));
        assert_eq!(
            decoupe_adresse("Mairie, Le Bourg"),
            (Some("Mairie".into()), "Le Bourg".into(), None)
        );
        assert_eq!(
            decoupe_adresse("12 rue des Lilas"),
            (None, "12 rue des Lilas".into(), None)
        );
        assert_eq!(decoupe_adresse(" , "), (None, String::new(), None));
    }
}
