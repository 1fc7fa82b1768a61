//! The roster's identity columns, the one list of them: the roster reads
//! them (`roster::validate`, one entry per column, in this order), and the
//! grid refuses them as item codes (`tariff::grid`), since an item's code
//! is the roster column of its quantity.

/// The identity columns of the roster, in the order its messages list them.
pub const IDENTITY_COLUMNS: [&str; 16] = [
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
    "date_adhesion",
    "nom_service",
    "categorie_tiers",
];
