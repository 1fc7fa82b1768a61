//! The tariff grid: tiers, items, prices and rules, read from a TOML file
//! that finance staff edit each year.
//!
//! `raw` mirrors the TOML with serde; `grid` validates it into a `Grid`
//! (every error, with its position). Never reads the roster; no file I/O.

pub mod grid;
pub mod raw;

pub use grid::{
    Grid, GridError, GridErrorKind, Item, PesGrid, Pricing, Prorata, QuantityKind, Tranche,
};

/// A problem in a TOML file (the grid, the issuer file), with where it is:
/// 1-based line and column (in characters), apart from what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Positioned<K> {
    pub line: usize,
    pub column: usize,
    pub kind: K,
}

impl<K: std::fmt::Display> std::fmt::Display for Positioned<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ligne {}, colonne {} : {}",
            self.line, self.column, self.kind
        )
    }
}

/// Collects every problem of a TOML file, positioned from byte spans.
pub(crate) struct Collector<'t, K> {
    pub(crate) text: &'t str,
    pub(crate) errors: Vec<Positioned<K>>,
}

impl<'t, K> Collector<'t, K> {
    pub(crate) fn new(text: &'t str) -> Self {
        Collector {
            text,
            errors: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, span: std::ops::Range<usize>, kind: K) {
        let (line, column) = line_col(self.text, span.start);
        self.errors.push(Positioned { line, column, kind });
    }
}

/// 1-based (line, column) of a byte offset in `text`; column counts chars.
#[must_use]
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// Byte offset of the line where `key = ` is written, for a value the
/// raw grid keeps without its position (0 if not found).
#[must_use]
pub fn key_offset(text: &str, key: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            return offset + (line.len() - trimmed.len());
        }
        offset += line.len();
    }
    0
}

/// The first text between backticks in `s`.
fn ticked(s: &str) -> Option<String> {
    let start = s.find('`')?;
    let rest = s.get(start + 1..)?;
    let end = rest.find('`')?;
    rest.get(..end).map(str::to_string)
}

/// The French name of what serde and the TOML parser call a type.
fn type_fr(english: &str) -> &'static str {
    let english = english
        .trim()
        .trim_start_matches("a ")
        .trim_start_matches("an ");
    let english = english.split([' ', '`']).next().unwrap_or_default();
    match english {
        "string" | "str" | "char" => "un texte entre guillemets",
        "integer" | "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "usize" => {
            "un nombre entier"
        }
        "float" | "floating" | "f32" | "f64" => "un nombre à virgule",
        "boolean" | "bool" => "true ou false",
        "sequence" | "array" | "tuple" => "une liste entre crochets [ … ]",
        "map" | "struct" | "table" => "une table [ … ] ou { … }",
        "datetime" | "date" | "time" => "une date",
        _ => "une autre valeur",
    }
}

/// What the parser expected, in French (`"`, key, value…).
fn expected_fr(list: &str) -> String {
    list.split(", ")
        .map(|item| match item.trim() {
            "key" => "une clé".to_string(),
            "value" => "une valeur".to_string(),
            "nothing" => "la fin de la ligne".to_string(),
            "etc" => "…".to_string(),
            other => match ticked(other) {
                Some(token) if token == "\n" || token == "\\n" => {
                    "un retour à la ligne".to_string()
                }
                Some(token) => format!("« {token} »"),
                None => "…".to_string(),
            },
        })
        .collect::<Vec<_>>()
        .join(" ou ")
}

/// The French for the TOML parser's descriptions of a syntax error.
const SYNTAX_FR: &[(&str, &str)] = &[
    (
        "invalid basic string",
        "texte entre guillemets mal formé (guillemet fermant manquant ?)",
    ),
    (
        "invalid literal string",
        "texte entre apostrophes mal formé (apostrophe fermante manquante ?)",
    ),
    ("invalid string", "texte mal formé"),
    (
        "string values must be quoted",
        "un texte doit s'écrire entre guillemets",
    ),
    ("missing opening quote", "guillemet ouvrant manquant"),
    (
        "missing escaped value",
        "barre oblique inverse (\\) sans caractère après elle",
    ),
    ("invalid integer number", "nombre entier invalide"),
    (
        "invalid float",
        "nombre à virgule invalide (les prix s'écrivent entre guillemets)",
    ),
    (
        "invalid boolean",
        "valeur booléenne invalide : écrivez true ou false",
    ),
    ("invalid value", "valeur invalide"),
    (
        "invalid unquoted key",
        "nom de champ invalide (lettres, chiffres, « _ » et « - » seulement)",
    ),
    ("unquoted keys cannot be empty", "nom de champ vide"),
    (
        "invalid key-value pair",
        "ligne « champ = valeur » mal formée",
    ),
    ("key with no value", "champ sans valeur après « = »"),
    ("missing value for key", "champ sans valeur après « = »"),
    ("missing value", "valeur manquante"),
    (
        "missing assignment between key-value pairs",
        "« = » manquant entre le champ et sa valeur",
    ),
    ("extra assignment between key-value pairs", "« = » en trop"),
    ("extra `=`", "« = » en trop"),
    (
        "missing comma between array elements",
        "virgule manquante entre deux éléments de la liste",
    ),
    ("extra comma in array", "virgule en trop dans la liste"),
    ("unexpected `=` in array", "« = » inattendu dans une liste"),
    (
        "missing comma between key-value pairs",
        "virgule manquante entre deux champs",
    ),
    (
        "extra comma in inline table",
        "virgule en trop entre les accolades",
    ),
    (
        "invalid inline table element",
        "élément invalide entre les accolades",
    ),
    (
        "missing key for inline table element",
        "nom de champ manquant entre les accolades",
    ),
    ("unclosed array", "liste non refermée : il manque « ] »"),
    (
        "unclosed inline table",
        "accolade non refermée : il manque « } »",
    ),
    (
        "unclosed table",
        "titre de section non refermé : il manque « ] »",
    ),
    (
        "unclosed array table",
        "titre de section non refermé : il manque « ]] »",
    ),
    ("missing array opening", "crochet ouvrant « [ » manquant"),
    (
        "missing inline table opening",
        "accolade ouvrante « { » manquante",
    ),
    ("missing table open", "crochet ouvrant « [ » manquant"),
    ("unexpected key or value", "champ ou valeur inattendu"),
    (
        "unexpected content between comment and newline",
        "texte inattendu",
    ),
    ("unexpected content", "texte inattendu"),
    (
        "invalid comment character",
        "caractère interdit dans un commentaire",
    ),
    (
        "missing comment start",
        "« # » manquant au début du commentaire",
    ),
    (
        "carriage return must be followed by newline",
        "retour chariot isolé",
    ),
    (
        "unexpected leading zero",
        "zéro initial interdit dans un nombre",
    ),
    ("unexpected sign", "signe inattendu"),
    ("redundant numeric sign", "signe en double"),
    (
        "`_` may only go between digits",
        "« _ » seulement entre deux chiffres",
    ),
    (
        "too few unicode value digits",
        "code de caractère Unicode incomplet",
    ),
    (
        "cannot recurse further; max recursion depth met",
        "imbrication trop profonde",
    ),
];

/// Turns the TOML parser's English message into French for finance staff.
/// A message it does not know is never shown as is: the position (given
/// beside) and a general French hint replace it.
#[must_use]
pub fn toml_message_fr(message: &str) -> String {
    let message = message.trim();
    if message.starts_with("missing field")
        && let Some(f) = ticked(message)
    {
        return format!("le champ obligatoire « {f} » est absent : ajoutez-le");
    }
    if message.starts_with("unknown field")
        && let Some(f) = ticked(message)
    {
        let expected = message
            .split_once("expected")
            .map(|(_, e)| {
                e.trim()
                    .trim_start_matches("one of")
                    .trim()
                    .replace('`', "")
            })
            .unwrap_or_default();
        return format!(
            "champ inconnu « {f} » : vérifiez l'orthographe (champs possibles : {expected})"
        );
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!(
            "type de valeur inattendu : {} alors qu'il faut {} ; vérifiez guillemets et crochets",
            type_fr(found),
            type_fr(expected)
        );
    }
    if message.starts_with("duplicate key") {
        let key = ticked(message)
            .map(|k| format!(" « {k} »"))
            .unwrap_or_default();
        return format!("champ{key} en double : chaque champ ne doit apparaître qu'une fois");
    }
    if message.starts_with("invalid length") {
        return "nombre d'éléments inattendu dans la liste".to_string();
    }
    let (description, expected) = match message.split_once(", expected ") {
        Some((d, e)) => (d, Some(e)),
        None => (message, None),
    };
    let description = SYNTAX_FR
        .iter()
        .find(|(en, _)| *en == description)
        .map_or("syntaxe incorrecte", |(_, fr)| fr);
    match expected {
        Some(e) => format!(
            "syntaxe TOML invalide : {description} (attendu : {})",
            expected_fr(e)
        ),
        None => format!("syntaxe TOML invalide : {description}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 7), (2, 4));
        assert_eq!(line_col(text, 100), (3, 2));
    }

    #[test]
    fn translates_syntax_errors_and_never_shows_english() {
        assert_eq!(
            toml_message_fr("invalid basic string, expected `\"`"),
            "syntaxe TOML invalide : texte entre guillemets mal formé (guillemet fermant manquant ?) (attendu : « \" »)"
        );
        assert_eq!(
            toml_message_fr("invalid type: floating point `1119.5`, expected a string"),
            "type de valeur inattendu : un nombre à virgule alors qu'il faut un texte entre guillemets ; vérifiez guillemets et crochets"
        );
        assert_eq!(
            toml_message_fr("something new, expected key, value"),
            "syntaxe TOML invalide : syntaxe incorrecte (attendu : une clé ou une valeur)"
        );
    }

    #[test]
    fn translates_missing_field() {
        assert_eq!(
            toml_message_fr("missing field `prix`"),
            "le champ obligatoire « prix » est absent : ajoutez-le"
        );
    }
}
