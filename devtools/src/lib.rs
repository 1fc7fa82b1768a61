//! Synthetic roster generator, for `just bench` and load tests only.
//!
//! Not a user command: finance staff never run it. It writes a roster of N
//! made-up members in the header format of `input-samples/roster.csv`
//! (`;` delimiter, decimal comma) but as UTF-8 without BOM and with LF line
//! endings, so that benchmarks can feed `cotisations` rosters of any size:
//!
//! ```text
//! cargo run --release -p cotisations-devtools --bin gen_roster -- N [SEED] > roster.csv
//! ```
//!
//! The output depends only on N and SEED (a fixed-seed splitmix64 generator,
//! std only, no floats). Every row is valid for the 2027 grid:
//! - the three kinds (≈ 70 % communes, 20 % établissements publics, 10 %
//!   budgets annexes) and the eight tiers all appear: the first eight members
//!   are forced one per tier, then populations are log-uniform in
//!   0–500 000 and agents in 0–400; ≈ 2 % of members are non affiliées;
//! - each member has 1 to 10 non-empty service cells, with at most one of
//!   `forfait_metiers`/`forfait_metiers_communication`, at most one of
//!   `forfait_technologie`/`forfait_technologie_plus`, `parapheur` only with a
//!   forfait, forfaits and parapheur equal to 1, whole counts, and day
//!   quantities in half days (`1,5`);
//! - SIRETs are 14 digits with a valid Luhn key, ids are unique, and names
//!   carry accents, apostrophes and hyphens like real Calvados ones.

use std::io::{self, Write};

/// Seed used when none is given, so that `just bench` is reproducible.
pub const DEFAULT_SEED: u64 = 0x00C0_7154_2027;

const HEADER: [&str; 45] = [
    "id",
    "nom",
    "type",
    "population",
    "agents",
    "affiliee",
    "siret",
    "adresse",
    "code_postal",
    "ville",
    "email",
    "code_service",
    "engagement",
    "forfait_metiers",
    "forfait_metiers_communication",
    "forfait_heberge",
    "forfait_technologie",
    "forfait_technologie_plus",
    "parapheur",
    "certificat",
    "conseil_equipement",
    "audit_equipement",
    "cahier_des_charges",
    "comparatif_devis",
    "accompagnement_achat",
    "installation_logiciels",
    "configuration_systeme",
    "intervention_technique",
    "ingenierie",
    "maintenance_preventive",
    "maintenance_curative",
    "audit_securite",
    "formation_jours",
    "sauvegarde_go",
    "logiciels_securite_postes",
    "stockage_go",
    "suite_bureautique_comptes",
    "messagerie_quota_10go",
    "messagerie_compte_1go",
    "messagerie_compte_5go",
    "messagerie_compte_10go",
    "nom_domaine",
    "atelier_demi_journee",
    "atelier_journee",
    "antispam",
];

// The thirteen identification columns (`id` ..= `engagement`) come first, in
// `member`'s order; services start at `forfait_metiers`.

// Column indices of the services that need special rules.
const FORFAIT_METIERS: usize = 13;
const FORFAIT_METIERS_COMMUNICATION: usize = 14;
const FORFAIT_HEBERGE: usize = 15;
const FORFAIT_TECHNOLOGIE: usize = 16;
const FORFAIT_TECHNOLOGIE_PLUS: usize = 17;
const PARAPHEUR: usize = 18;
const CERTIFICAT: usize = 19;
/// `conseil_equipement` ..= `formation_jours`: quantities in days.
const DAYS: std::ops::RangeInclusive<usize> = 20..=32;
const ANTISPAM: usize = 44;

/// Whole-number items with their (min, max) quantity.
const COUNTED: [(usize, u64, u64); 11] = [
    (33, 10, 200), // sauvegarde_go
    (34, 1, 50),   // logiciels_securite_postes
    (35, 5, 100),  // stockage_go
    (36, 1, 40),   // suite_bureautique_comptes
    (37, 1, 25),   // messagerie_quota_10go
    (38, 1, 20),   // messagerie_compte_1go
    (39, 1, 15),   // messagerie_compte_5go
    (40, 1, 10),   // messagerie_compte_10go
    (41, 1, 2),    // nom_domaine
    (42, 1, 2),    // atelier_demi_journee
    (43, 1, 2),    // atelier_journee
];

/// Lower bound of each tier: population for communes, agents otherwise.
const POPULATION_MIN: [u64; 8] = [0, 250, 500, 1_000, 2_000, 3_500, 5_000, 10_000];
const AGENTS_MIN: [u64; 8] = [0, 4, 8, 10, 20, 30, 60, 120];
const POPULATION_MAX: u64 = 500_000;
const AGENTS_MAX: u64 = 400;

/// splitmix64: tiny, fast and good enough for test data.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (the modulo bias is irrelevant here); `n` > 0.
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent` / 100.
    fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    fn index(&mut self, len: usize) -> usize {
        let len = u64::try_from(len).expect("slice length fits in u64");
        usize::try_from(self.below(len)).expect("index below a usize length")
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.index(items.len())]
    }

    /// Log-uniform in `0..=max`, without floats: a random power of two, then
    /// a uniform value inside it.
    fn log_uniform(&mut self, max: u64) -> u64 {
        let bits = u64::BITS - max.leading_zeros();
        let k = self.below(u64::from(bits));
        let lo = (1 << k) - 1;
        let hi = ((1 << (k + 1)) - 1).min(max);
        self.range(lo, hi)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Commune,
    EtablissementPublic,
    BudgetAnnexe,
}

const SAINTS: &[&str] = &[
    "Saint-Martin",
    "Saint-Germain",
    "Saint-Pierre",
    "Saint-Aubin",
    "Saint-Étienne",
    "Saint-Ouen",
    "Saint-Rémy",
    "Saint-Benoît",
    "Saint-André",
    "Saint-Laurent",
    "Saint-Léger",
    "Saint-Vigor",
    "Sainte-Marie",
    "Sainte-Marguerite",
    "Sainte-Honorine",
    "Sainte-Croix",
    "Notre-Dame",
];

const BASES: &[&str] = &[
    "Bretteville",
    "Hérouville",
    "Colleville",
    "Villers",
    "Fontaine",
    "Beaumont",
    "Cricquebœuf",
    "Écrammeville",
    "Épinay",
    "Éterville",
    "Banville",
    "Audrieu",
    "Mesnil",
    "Courtonne",
    "Manneville",
    "Tourville",
    "Amayé",
    "Bénouville",
    "Vaux",
    "Quetteville",
    "Maisoncelles",
    "Grandcamp",
];

/// Names that open with an article: « Le Mesnil-Eudes », « L'Hôtellerie ».
const WITH_ARTICLE: &[&str] = &[
    "Le Mesnil",
    "L'Hôtellerie",
    "Les Moutiers",
    "La Rivière",
    "Le Pré",
    "Les Loges",
    "La Folletière",
    "Le Molay",
    "Les Authieux",
    "La Houblonnière",
];

const PLACES: &[&str] = &[
    "Mesnil",
    "Hôtellerie",
    "Bienfaite",
    "Cressonnière",
    "Blanche-Herbe",
    "Lieue",
    "Entrées",
    "Chartrains",
    "Champs",
    "Bois",
    "Fresné",
    "Condel",
    "Pin",
    "Ailly",
    "Hébertot",
    "Arquenay",
    "Estrées",
    "Elle",
    "Épinay",
    "Oger",
];

const SUFFIXES: &[&str] = &[
    "sur-Orne",
    "sur-Mer",
    "sur-Odon",
    "sur-Seulles",
    "sur-Calonne",
    "en-Auge",
    "en-Bessin",
    "en-Cinglais",
    "la-Campagne",
    "le-Royal",
    "l'Orgueilleux",
    "l'Évêque",
    "d'Ouilly",
    "lès-Bayeux",
    "les-Deux-Églises",
    "la-Blanche-Herbe",
    "Outre-l'Eau",
    "Hors",
    "Pelvey",
];

/// Proper names of intercommunalités: « Communauté de communes Cœur de Nacre ».
const INTERCOS: &[&str] = &[
    "Cœur de Nacre",
    "Pré-Bocage Intercom",
    "Cingal-Suisse Normande",
    "Val ès Dunes",
    "Terre d'Auge",
    "Isigny-Omaha Intercom",
    "Seulles Terre et Mer",
    "Vallées de l'Orne et de l'Odon",
    "Intercom de la Vire au Noireau",
    "Normandie Cabourg Pays d'Auge",
    "du Pays de Honfleur-Beuzeville",
    "du Pays de Falaise",
];

/// Areas served by syndicats, already with their article.
const REGIONS: &[&str] = &[
    "la vallée de l'Orne et de ses affluents",
    "la Suisse normande",
    "la Côte Fleurie",
    "la région d'Évrecy",
    "la Seulles et de l'Aure",
    "la vallée de la Touques",
    "l'Odon et de la Guigne",
    "la Dives et de ses affluents",
    "la plaine de Caen",
    "l'Intercom de la Vire au Noireau",
];

const STREETS: &[&str] = &[
    "place de la Mairie",
    "rue du Général de Gaulle",
    "rue de l'Église",
    "place de l'Hôtel de Ville",
    "route de Caen",
    "rue Guillaume le Conquérant",
    "avenue de la Libération",
    "rue des Écoles",
    "chemin du Moulin",
    "rue d'Alençon",
];

/// A plausible Calvados commune name: « Saint-Martin-de-la-Lieue ».
fn commune_name(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 | 1 => {
            let saint = rng.pick(SAINTS);
            let place = rng.pick(PLACES);
            let link = if starts_with_vowel(place) {
                "d'"
            } else {
                rng.pick(&["de-", "de-la-", "des-", "du-", "aux-"])
            };
            format!("{saint}-{link}{place}")
        }
        2 => format!("{}-{}", rng.pick(WITH_ARTICLE), rng.pick(SUFFIXES)),
        3 => format!(
            "{} {}",
            rng.pick(BASES),
            rng.pick(&["Normandie", "Vallée d'Auge", "sur Chaîne"])
        ),
        _ => format!("{}-{}", rng.pick(BASES), rng.pick(SUFFIXES)),
    }
}

fn starts_with_vowel(word: &str) -> bool {
    word.chars()
        .next()
        .is_some_and(|c| "AEIOUYÉÈÊHaeiouyéèêh".contains(c))
}

/// « de » with French elision and contraction: « d'Éterville », « du Mesnil-Eudes ».
fn of(place: &str) -> String {
    if let Some(rest) = place.strip_prefix("Le ") {
        format!("du {rest}")
    } else if let Some(rest) = place.strip_prefix("Les ") {
        format!("des {rest}")
    } else if starts_with_vowel(place) {
        format!("d'{place}")
    } else {
        format!("de {place}")
    }
}

fn member_name(rng: &mut Rng, kind: Kind, seat: &str) -> String {
    let at = of(seat);
    let region = rng.pick(REGIONS);
    let interco = rng.pick(INTERCOS);
    match kind {
        Kind::Commune => seat.to_owned(),
        Kind::EtablissementPublic => match rng.below(8) {
            0 => format!("Centre communal d'action sociale {at}"),
            1 => format!("Communauté de communes {interco}"),
            2 => format!("Syndicat intercommunal à vocation multiple de {region}"),
            3 => format!(
                "EHPAD « {} » {at}",
                rng.pick(&[
                    "Les Tilleuls",
                    "Les Hortensias",
                    "La Roseraie",
                    "Le Clos Fleuri"
                ])
            ),
            4 => format!("Syndicat mixte de production d'eau potable de {region}"),
            5 => format!("SIVOS des écoles {at} et {}", of(&commune_name(rng))),
            6 => format!("Caisse des écoles {at}"),
            _ => format!("Centre intercommunal d'action sociale de {region}"),
        },
        Kind::BudgetAnnexe => match rng.below(6) {
            0 => format!("Budget annexe de l'assainissement {at}"),
            1 => format!("Service des eaux {at}"),
            2 => format!("Budget annexe du port de plaisance {at}"),
            3 => format!("Budget annexe de la cuisine centrale {at}"),
            4 => format!(
                "Budget annexe de la régie de transport scolaire de la communauté de communes {interco}"
            ),
            _ => format!(
                "Service public d'assainissement non collectif de la communauté de communes {interco}"
            ),
        },
    }
}

/// Lower-case ASCII slug for e-mail domains: « Pont-l'Évêque » → `pont-l-eveque`.
fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let folded = match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' => "a",
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' => "e",
            'î' | 'ï' | 'Î' => "i",
            'ô' | 'ö' | 'Ô' => "o",
            'ù' | 'û' | 'ü' | 'Û' => "u",
            'ç' | 'Ç' => "c",
            'œ' | 'Œ' => "oe",
            c if c.is_ascii_alphanumeric() => {
                out.push(c.to_ascii_lowercase());
                continue;
            }
            _ => "-",
        };
        if folded == "-" && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push_str(folded);
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// Luhn check over all digits (rightmost digit not doubled).
fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).expect("digits only");
            if i % 2 == 1 {
                let dd = d * 2;
                if dd > 9 { dd - 9 } else { dd }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// SIREN + a NIC whose last digit makes the 14-digit Luhn key valid.
fn make_siret(siren: u64, nic4: u64) -> String {
    let stem = format!("{siren:09}{nic4:04}");
    (0..10)
        .map(|last| format!("{stem}{last}"))
        .find(|s| luhn_valid(s))
        .expect("one of ten check digits is valid")
}

/// « 1 119 » as Excel users type it.
fn with_thousands_space(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// Half days, French style: 1 → `0,5`, 2 → `1`, 3 → `1,5`.
fn half_days(halves: u64) -> String {
    if halves.is_multiple_of(2) {
        (halves / 2).to_string()
    } else {
        format!("{},5", halves / 2)
    }
}

/// Groups of columns a member subscribes to; one group yields one cell.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Slot {
    Metiers,
    Heberge,
    Technologie,
    Parapheur,
    Column(usize),
}

impl Slot {
    fn is_forfait(self) -> bool {
        matches!(self, Slot::Metiers | Slot::Heberge | Slot::Technologie)
    }
}

fn all_slots() -> Vec<Slot> {
    let mut slots = vec![
        Slot::Metiers,
        Slot::Heberge,
        Slot::Technologie,
        Slot::Parapheur,
    ];
    slots.push(Slot::Column(CERTIFICAT));
    slots.extend(DAYS.map(Slot::Column));
    slots.extend(COUNTED.iter().map(|&(col, _, _)| Slot::Column(col)));
    slots.push(Slot::Column(ANTISPAM));
    slots
}

/// Fills 1 to 10 service cells, respecting exclusions and the parapheur rule.
fn fill_services(rng: &mut Rng, row: &mut [String]) {
    let wanted = usize::try_from(rng.range(1, 10)).expect("small");
    let mut pool = all_slots();
    let mut chosen: Vec<Slot> = Vec::with_capacity(wanted);
    // Most members take a « métiers » forfait, as in real life.
    if rng.percent(85) {
        chosen.push(Slot::Metiers);
        pool.retain(|&s| s != Slot::Metiers);
    }
    while chosen.len() < wanted {
        let i = rng.index(pool.len());
        chosen.push(pool.swap_remove(i));
    }
    if !chosen.iter().any(|s| s.is_forfait())
        && let Some(p) = chosen.iter_mut().find(|s| **s == Slot::Parapheur)
    {
        *p = Slot::Heberge;
    }
    for slot in chosen {
        let (col, value) = match slot {
            Slot::Metiers => {
                let col = if rng.percent(70) {
                    FORFAIT_METIERS
                } else {
                    FORFAIT_METIERS_COMMUNICATION
                };
                (col, "1".to_owned())
            }
            Slot::Heberge => (FORFAIT_HEBERGE, "1".to_owned()),
            Slot::Technologie => {
                let col = if rng.percent(60) {
                    FORFAIT_TECHNOLOGIE
                } else {
                    FORFAIT_TECHNOLOGIE_PLUS
                };
                (col, "1".to_owned())
            }
            Slot::Parapheur => (PARAPHEUR, "1".to_owned()),
            Slot::Column(CERTIFICAT) => (CERTIFICAT, rng.range(1, 5).to_string()),
            Slot::Column(ANTISPAM) => {
                let euros = rng.range(100, 2_500);
                let cents = if rng.percent(50) { 0 } else { 50 };
                (ANTISPAM, format!("{euros},{cents:02}"))
            }
            Slot::Column(col) if DAYS.contains(&col) => (col, half_days(rng.range(1, 8))),
            Slot::Column(col) => {
                let &(_, lo, hi) = COUNTED
                    .iter()
                    .find(|&&(c, _, _)| c == col)
                    .expect("every other column is counted");
                (col, rng.range(lo, hi).to_string())
            }
        };
        row[col] = value;
    }
}

/// Kind and size (population or agents) of member `index`; the first eight
/// are forced one per tier and cycle through the kinds, so that any N ≥ 8
/// covers everything. Returns whether the tier was forced.
fn kind_and_size(rng: &mut Rng, index: u64) -> (Kind, u64, bool) {
    let forced_tier = (index < 8).then(|| usize::try_from(index).expect("small"));
    let kind = match forced_tier {
        Some(t) => [Kind::Commune, Kind::EtablissementPublic, Kind::BudgetAnnexe][t % 3],
        None => match rng.below(10) {
            0..=6 => Kind::Commune,
            7 | 8 => Kind::EtablissementPublic,
            _ => Kind::BudgetAnnexe,
        },
    };
    let (mins, max) = if kind == Kind::Commune {
        (&POPULATION_MIN, POPULATION_MAX)
    } else {
        (&AGENTS_MIN, AGENTS_MAX)
    };
    let size = match forced_tier {
        Some(t) => rng.range(mins[t], mins.get(t + 1).map_or(max, |next| next - 1)),
        None => rng.log_uniform(max),
    };
    (kind, size, forced_tier.is_some())
}

/// `adresse`, `code_postal`, `ville` and `email` cells.
fn contact_cells(rng: &mut Rng, nom: &str, seat: &str) -> [String; 4] {
    let adresse = match rng.below(4) {
        0 => "Mairie".to_owned(),
        1 => format!("Mairie, {} {}", rng.range(1, 40), rng.pick(STREETS)),
        _ => format!("{} {}", rng.range(1, 120), rng.pick(STREETS)),
    };
    let code_postal = format!("14{:03}", rng.below(100) * 10);
    let ville = if rng.percent(50) {
        seat.to_uppercase()
    } else {
        seat.to_owned()
    };
    let local = rng.pick(&[
        "mairie",
        "accueil",
        "contact",
        "secretariat",
        "comptabilite",
    ]);
    let domain = slug(nom);
    let domain = if domain.len() > 40 {
        slug(seat)
    } else {
        domain
    };
    [adresse, code_postal, ville, format!("{local}@{domain}.fr")]
}

/// Builds the row of member `index` (0-based).
fn member(rng: &mut Rng, index: u64) -> Vec<String> {
    let (kind, size, forced) = kind_and_size(rng, index);
    let (population, agents) = if kind == Kind::Commune {
        let population = if size >= 1_000 && rng.percent(25) {
            with_thousands_space(size)
        } else {
            size.to_string()
        };
        (population, String::new())
    } else {
        (String::new(), size.to_string())
    };

    let seat = commune_name(rng);
    let nom = member_name(rng, kind, &seat);
    let (prefix, spellings): (&str, &[&str]) = match kind {
        Kind::Commune => (
            "C",
            &["commune", "commune", "commune", "commune", "Commune"],
        ),
        Kind::EtablissementPublic => (
            "EP",
            &[
                "établissement public",
                "établissement public",
                "Etablissement public",
            ],
        ),
        Kind::BudgetAnnexe => ("BA", &["budget annexe", "budget annexe", "Budget annexe"]),
    };
    let type_ = rng.pick(spellings);
    // The forced members stay affiliated: « non » would move them to tier 8.
    let affiliee = match (forced, rng.below(100)) {
        (false, 0 | 1) => "non",
        (_, 2..=6) => "",
        _ => "oui",
    };

    // Distinct SIRENs starting with 2: 7919 is prime to 10^8.
    let mut siret = make_siret(
        200_000_000 + index.wrapping_mul(7_919) % 100_000_000,
        rng.range(1, 99),
    );
    if rng.percent(20) {
        siret = format!(
            "{} {} {} {}",
            &siret[..3],
            &siret[3..6],
            &siret[6..9],
            &siret[9..]
        );
    }

    let [adresse, code_postal, ville, email] = contact_cells(rng, &nom, &seat);
    let (code_service, engagement) = if rng.percent(5) {
        let service = rng.pick(&["FIN-INFO", "DSI", "SG", "ADM", "FINANCES"]);
        (service, format!("EJ-2027-{:05}", rng.range(1, 99_999)))
    } else {
        ("", String::new())
    };

    let mut row = vec![
        format!("{prefix}-{:06}", index + 1),
        nom,
        type_.to_owned(),
        population,
        agents,
        affiliee.to_owned(),
        siret,
        adresse,
        code_postal,
        ville,
        email,
        code_service.to_owned(),
        engagement,
    ];
    debug_assert_eq!(row.len(), FORFAIT_METIERS);
    row.resize(HEADER.len(), String::new());
    fill_services(rng, &mut row);
    row
}

/// Quotes a field only when the delimiter, a quote or a line break is in it.
fn write_field(out: &mut impl Write, field: &str) -> io::Result<()> {
    if field.contains([';', '"', '\n', '\r']) {
        write!(out, "\"{}\"", field.replace('"', "\"\""))
    } else {
        out.write_all(field.as_bytes())
    }
}

fn write_row<S: AsRef<str>>(out: &mut impl Write, fields: &[S]) -> io::Result<()> {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b";")?;
        }
        write_field(out, field.as_ref())?;
    }
    out.write_all(b"\n")
}

/// Writes the header and `count` members generated from `seed`.
///
/// # Errors
/// Whatever writing to `out` fails with.
pub fn write_roster(out: &mut impl Write, count: u64, seed: u64) -> io::Result<()> {
    let mut rng = Rng(seed);
    write_row(out, &HEADER)?;
    for index in 0..count {
        let row = member(&mut rng, index);
        debug_assert_eq!(row.len(), HEADER.len());
        write_row(out, &row)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_matches_known_sirets() {
        assert!(luhn_valid("21140118700045"));
        assert!(!luhn_valid("21140118700046"));
        assert!(luhn_valid(&make_siret(211_400_015, 1)));
    }

    #[test]
    fn slug_folds_accents_and_apostrophes() {
        assert_eq!(slug("Pont-l'Évêque"), "pont-l-eveque");
        assert_eq!(slug("Cricquebœuf"), "cricqueboeuf");
    }

    #[test]
    fn french_number_formats() {
        assert_eq!(with_thousands_space(109_400), "109 400");
        assert_eq!(with_thousands_space(999), "999");
        assert_eq!(half_days(3), "1,5");
        assert_eq!(half_days(4), "2");
    }

    #[test]
    fn output_is_deterministic_and_well_formed() {
        let mut a = Vec::new();
        let mut b = Vec::new();
        write_roster(&mut a, 500, 7).unwrap();
        write_roster(&mut b, 500, 7).unwrap();
        assert_eq!(a, b);
        let text = String::from_utf8(a).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), HEADER.join(";"));
        for line in lines {
            // No generated field needs quoting, so splitting is exact.
            let fields: Vec<&str> = line.split(';').collect();
            assert_eq!(fields.len(), HEADER.len(), "{line}");
            assert!(luhn_valid(&fields[6].replace(' ', "")), "{line}"); // siret
            let filled = fields[FORFAIT_METIERS..]
                .iter()
                .filter(|f| !f.is_empty())
                .count();
            assert!((1..=10).contains(&filled), "{line}");
            let set = |col: usize| !fields[col].is_empty();
            assert!(!(set(FORFAIT_METIERS) && set(FORFAIT_METIERS_COMMUNICATION)));
            assert!(!(set(FORFAIT_TECHNOLOGIE) && set(FORFAIT_TECHNOLOGIE_PLUS)));
            assert!(!set(PARAPHEUR) || (FORFAIT_METIERS..PARAPHEUR).any(set));
        }
    }
}
