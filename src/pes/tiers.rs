//! The category of a debtor in Hélios (`CatTiers`, with `NatJur` 09
//! « Collectivité territoriale / EPL / EPS », the only nature annexe 3 of
//! DosTech allows for categories 21 to 27): from the roster's
//! `categorie_tiers` column when given, else from words of the name,
//! else from the kind of member (`docs/PES.md`, section 4).

use super::Debiteur;
use crate::roster::{CategorieTiers, MemberKind};

/// Words of a name (folded: lower case, no accents) and the category
/// they show, in the order they are tried.
const MOTS: [(&str, CategorieTiers, Option<MemberKind>); 12] = [
    ("caisse des ecoles", CategorieTiers::CaisseDesEcoles, None),
    ("ccas", CategorieTiers::Ccas, None),
    ("cias", CategorieTiers::Ccas, None),
    ("action sociale", CategorieTiers::Ccas, None),
    ("ehpad", CategorieTiers::EtablissementDeSante, None),
    ("hopital", CategorieTiers::EtablissementDeSante, None),
    (
        "centre hospitalier",
        CategorieTiers::EtablissementDeSante,
        None,
    ),
    // A budget annexe is its collectivité's: a groupement's when the
    // name says so.
    (
        "communaute de communes",
        CategorieTiers::Groupement,
        Some(MemberKind::BudgetAnnexe),
    ),
    (
        "communaute d'agglomeration",
        CategorieTiers::Groupement,
        Some(MemberKind::BudgetAnnexe),
    ),
    (
        "communaute urbaine",
        CategorieTiers::Groupement,
        Some(MemberKind::BudgetAnnexe),
    ),
    (
        "syndicat",
        CategorieTiers::Groupement,
        Some(MemberKind::BudgetAnnexe),
    ),
    (
        "metropole",
        CategorieTiers::Groupement,
        Some(MemberKind::BudgetAnnexe),
    ),
];

/// The debtor's category, and why when the roster did not give it (for
/// the summary).
#[must_use]
pub fn categorie(d: &Debiteur<'_>) -> (CategorieTiers, Option<String>) {
    if let Some(c) = CategorieTiers::parse(d.categorie_tiers) {
        return (c, None);
    }
    let folded = format!(
        " {} ",
        crate::charset::fold_accents(d.nom)
            .to_lowercase()
            .replace('’', "'")
            .replace(['-', ','], " ")
    );
    for (mot, cat, only) in MOTS {
        if only.is_some_and(|k| k != d.kind) {
            continue;
        }
        let bounded = |c: char| !c.is_alphanumeric();
        let found = folded.match_indices(mot).any(|(i, _)| {
            folded[..i].chars().next_back().is_some_and(bounded)
                && folded[i + mot.len()..].chars().next().is_some_and(bounded)
        });
        if found {
            return (
                cat,
                Some(format!(
                    "catégorie {} déduite du nom (« {mot} »)",
                    cat.code()
                )),
            );
        }
    }
    let cat = match d.kind {
        MemberKind::Commune | MemberKind::BudgetAnnexe => CategorieTiers::Commune,
        MemberKind::EtablissementPublic => CategorieTiers::Groupement,
    };
    let reason = match d.kind {
        // A commune is what its category says: nothing to report.
        MemberKind::Commune => None,
        kind => Some(format!(
            "catégorie {} déduite du type « {} »",
            cat.code(),
            super::kind_fr(kind)
        )),
    };
    (cat, reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn debiteur(nom: &str, kind: MemberKind, colonne: &'static str) -> (CategorieTiers, bool) {
        let d = Debiteur {
            nom,
            kind,
            siret: "",
            adresse: "",
            code_postal: "",
            ville: "",
            code_service: "",
            engagement: "",
            nom_service: "",
            categorie_tiers: colonne,
        };
        let (c, why) = categorie(&d);
        (c, why.is_some())
    }

    #[test]
    fn the_roster_column_decides_first() {
        use MemberKind as K;
        assert_eq!(
            debiteur("CCAS de Bayeux", K::EtablissementPublic, "24"),
            (CategorieTiers::Groupement, false)
        );
        assert_eq!(
            debiteur("X", K::Commune, "syndicat"),
            (CategorieTiers::Groupement, false)
        );
    }

    #[test]
    fn the_name_then_the_kind() {
        use CategorieTiers as C;
        use MemberKind as K;
        let cases = [
            ("CCAS de Bayeux", K::EtablissementPublic, C::Ccas),
            (
                "Centre Intercommunal d'Action Sociale du Bessin",
                K::EtablissementPublic,
                C::Ccas,
            ),
            (
                "Caisse des écoles de Caen",
                K::EtablissementPublic,
                C::CaisseDesEcoles,
            ),
            (
                "EHPAD Les Tilleuls",
                K::EtablissementPublic,
                C::EtablissementDeSante,
            ),
            (
                "Centre hospitalier de Falaise",
                K::EtablissementPublic,
                C::EtablissementDeSante,
            ),
            (
                "SIVOM de la vallée de l'Orne",
                K::EtablissementPublic,
                C::Groupement,
            ),
            (
                "Budget annexe eau de la Communauté de communes de Honfleur",
                K::BudgetAnnexe,
                C::Groupement,
            ),
            (
                "Budget annexe assainissement de Vire",
                K::BudgetAnnexe,
                C::Commune,
            ),
            ("Syndicat d'eau", K::BudgetAnnexe, C::Groupement),
            ("Rapilly", K::Commune, C::Commune),
            // « cias » inside a word is not the CIAS.
            ("Associations", K::EtablissementPublic, C::Groupement),
        ];
        for (nom, kind, want) in cases {
            assert_eq!(debiteur(nom, kind, "").0, want, "{nom}");
        }
        assert!(
            !debiteur("Rapilly", K::Commune, "").1,
            "a commune needs no note"
        );
        assert!(debiteur("Office de tourisme", K::EtablissementPublic, "").1);
    }
}
