//! PES V2 « ORMC » flows: an issued lot of appels as rôles for Hélios,
//! one `Bordereau` (`TypBord` 06) per file, one `Piece` (`TypPce` 15,
//! `Edition` 03) per appel with its PDF attached (`PES_PJ`, `TypePJ` 007), so that
//! Hélios deposits each appel on the debtor's Chorus Pro. The design,
//! element by element, with its sources: `docs/PES.md`.
//!
//! Pure: `pieces` turns a lot (its manifest entries and ledger lines) and
//! the settings into the pièces to write, with every field checked
//! against its PES type and every value made to fit listed; `plan`
//! splits them into bordereaux; `write_*` write the XML to any
//! `io::Write`, the attachments' contents given already compressed and
//! encoded (the batch layer reads, compresses and encodes the PDFs in
//! parallel). No file is read here.

pub mod texte;
pub mod tiers;

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};

use chrono::NaiveDate;

use crate::emetteur::PesEmetteur;
use crate::money::Montant;
use crate::roster::MemberKind;
use crate::tariff::Grid;
use crate::xml::{Quotes, escape};

/// The namespace of `PES_Aller` (Rev0).
pub const NAMESPACE: &str = "http://www.minefi.gouv.fr/cp/helios/pes_v2/Rev0/aller";
/// The register's series of the flows.
pub const SERIE: &str = "PES";
/// `Nature` of ORMC lines when neither the article nor the grid gives
/// one: DosTech's proposal (« Pour les titres ORMC : proposition de
/// valorisation à 588 »).
pub const NATURE_ORMC: &str = "588";
/// Most pièces a bordereau can count (`NbrPce`, `Base_Num5`).
pub const MAX_PIECES_TYPE: usize = 99_999;
/// Longest `Objet`, `ObjPce`, `ObjLignePce` (`Base_Texte160`).
const TEXTE_160: usize = 160;

/// One line of an appel, as its lot's ledger has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LigneLot {
    /// Shared by the lines of the same article (a lot of 35 000 appels
    /// has 200 000 lines and a few dozen articles).
    pub code: std::sync::Arc<str>,
    pub libelle: std::sync::Arc<str>,
    pub montant_tva: Montant,
    pub montant_ttc: Montant,
}

/// One appel of a lot, as its manifest records it (`destinataire` frozen
/// at emission).
#[derive(Debug, Clone)]
pub struct AppelLot<'a> {
    pub numero: &'a str,
    pub rang: u32,
    pub membre_id: &'a str,
    /// The PDF's name (in `appels/`).
    pub nom_pdf: &'a str,
    /// The PDF's path in its lot, and its SHA-256 as issued.
    pub chemin: &'a str,
    pub sha256: &'a str,
    pub total_ttc: Montant,
    pub d: Debiteur<'a>,
    pub lignes: Vec<LigneLot>,
}

/// The debtor as the lot's manifest froze it at emission.
#[derive(Debug, Clone, Copy)]
pub struct Debiteur<'a> {
    pub nom: &'a str,
    pub kind: MemberKind,
    pub siret: &'a str,
    pub adresse: &'a str,
    pub code_postal: &'a str,
    pub ville: &'a str,
    pub code_service: &'a str,
    pub engagement: &'a str,
    pub nom_service: &'a str,
    /// The roster's `categorie_tiers` (a code), empty when not given.
    pub categorie_tiers: &'a str,
}

/// The debtor of a pièce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TiersPes {
    pub siret: String,
    pub ref_tiers: Option<String>,
    pub cat_tiers: &'static str,
    pub nom: String,
    pub compl_nom: Option<String>,
    pub adr1: Option<String>,
    pub adr2: String,
    pub adr3: Option<String>,
    pub cp: String,
    pub ville: String,
}

/// One line of a pièce (a sous-article of the rôle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LignePes {
    pub id_ligne: usize,
    pub objet: String,
    pub code_produit: String,
    pub nature: String,
    pub montant: Montant,
}

/// One pièce: an appel, an article of the rôle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PiecePes {
    pub numero: String,
    pub id_pce: u32,
    pub objet: String,
    pub pj: PjPes,
    pub engagement: Option<String>,
    pub code_service: Option<String>,
    pub nom_service: Option<String>,
    pub lignes: Vec<LignePes>,
    pub tiers: TiersPes,
    /// Sum of the lines (`MtHT`).
    pub total: Montant,
}

/// The attachment of a pièce: what `PJRef` and `PJ` name it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PjPes {
    /// `id_unique`: the first sending's (`01`) unless the bordereau is
    /// sent again.
    pub id_unique: String,
    pub nom_pj: String,
    pub description: String,
}

/// A value changed to fit its field, or a choice made, for the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remarque {
    pub numero: String,
    pub membre_id: String,
    pub champ: &'static str,
    pub valeur: String,
    pub ecrit: String,
    pub regle: String,
}

/// What stops a lot from going into a flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PesError {
    /// Articles billed in the lot without a `code_produit` in the grid:
    /// (code, line of the article in the grid).
    SansCodeProduit { articles: Vec<(String, usize)> },
    /// A value no documented rule fits into its field.
    TropLong {
        numero: String,
        membre_id: String,
        champ: &'static str,
        valeur: String,
        max: usize,
    },
    /// A required value empty (`Adr2`, `CP`, `Ville`).
    Manquant {
        numero: String,
        membre_id: String,
        champ: &'static str,
    },
    /// A postcode that is not five digits.
    CodePostal {
        numero: String,
        membre_id: String,
        valeur: String,
    },
    /// A line with VAT: the flow does not carry VAT yet.
    Tva { numero: String },
    /// A negative line (appels have none).
    Negatif { numero: String, code: String },
    /// An appel whose lines are all zero.
    Vide { numero: String },
    /// An appel whose attachment alone exceeds the file cap.
    PieceTropGrande {
        numero: String,
        octets: u64,
        max: u64,
    },
}

impl fmt::Display for PesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PesError::SansCodeProduit { articles } => {
                write!(
                    f,
                    "article{} sans code produit (CodProdLoc) dans la grille : ",
                    if articles.len() > 1 { "s" } else { "" }
                )?;
                let list: Vec<String> = articles
                    .iter()
                    .map(|(code, line)| format!("« {code} » (ligne {line})"))
                    .collect();
                write!(
                    f,
                    "{} ; ajoutez code_produit = \"…\" à chacun (le code produit local de la convention RMC que donne le comptable)",
                    list.join(", ")
                )
            }
            PesError::TropLong {
                numero,
                membre_id,
                champ,
                valeur,
                max,
            } => write!(
                f,
                "appel {numero} (adhérent {membre_id}) : « {valeur} » ({} caractères) ne tient pas dans le champ {champ} ({max} caractères), même abrégé ou coupé ; raccourcissez-le dans le rôle avant l'émission suivante, ou demandez au comptable comment le saisir",
                valeur.chars().count()
            ),
            PesError::Manquant {
                numero,
                membre_id,
                champ,
            } => write!(
                f,
                "appel {numero} (adhérent {membre_id}) : {champ} vide, or Hélios l'exige ; complétez l'adresse dans le rôle, faites un avoir et émettez l'appel à nouveau"
            ),
            PesError::CodePostal {
                numero,
                membre_id,
                valeur,
            } => write!(
                f,
                "appel {numero} (adhérent {membre_id}) : code postal « {valeur} » : Hélios exige 5 chiffres"
            ),
            PesError::Tva { numero } => write!(
                f,
                "appel {numero} : une ligne porte de la TVA, que le flux PES de cotisations ne sait pas encore transmettre"
            ),
            PesError::Negatif { numero, code } => write!(
                f,
                "appel {numero} : la ligne « {code} » est négative ; un titre ORMC n'a que des montants positifs"
            ),
            PesError::Vide { numero } => write!(
                f,
                "appel {numero} : toutes ses lignes sont à 0,00 ; un titre doit porter un montant"
            ),
            PesError::PieceTropGrande {
                numero,
                octets,
                max,
            } => write!(
                f,
                "appel {numero} : sa pièce jointe occupe jusqu'à {octets} octets, plus que la taille maximale d'un fichier ({max} octets) ; augmentez --max-mo"
            ),
        }
    }
}

/// The settings of a flow: the issuer's `[pes]`, the Centre's SIRET, the
/// grid (product codes, natures, object).
#[derive(Debug, Clone, Copy)]
pub struct Reglages<'a> {
    pub emetteur: &'a PesEmetteur,
    /// The Centre's SIRET, 14 digits.
    pub siret: &'a str,
    pub grid: &'a Grid,
}

impl Reglages<'_> {
    /// The bordereau's object: the grid's `[pes] objet`, else
    /// « Cotisations <exercice> - <convention> ».
    #[must_use]
    pub fn objet(&self, exercice: i32) -> String {
        let objet = self
            .grid
            .pes
            .objet
            .clone()
            .unwrap_or_else(|| format!("Cotisations {exercice} - {}", self.grid.titre));
        let clean = texte::clean(&objet);
        clean.chars().take(TEXTE_160).collect()
    }
}

/// The pièces of a lot's appels, every field checked against its PES
/// type, and what was changed to fit; or every problem found.
///
/// # Errors
/// Every `PesError` of the lot.
pub fn pieces(
    appels: &[AppelLot<'_>],
    r: &Reglages<'_>,
) -> Result<(Vec<PiecePes>, Vec<Remarque>), Vec<PesError>> {
    let mut errors: Vec<PesError> = sans_code_produit(appels, r).into_iter().collect();
    let mut remarques = Vec::new();
    let mut out = Vec::with_capacity(appels.len());
    for a in appels {
        out.extend(piece_examinee(a, r, &mut errors, &mut remarques));
    }
    if errors.is_empty() {
        Ok((out, remarques))
    } else {
        Err(errors)
    }
}

/// The articles the lot's appels bill that have no `code_produit` in
/// the grid (every one, with its grid line), if any: reported first,
/// before each appel's problems.
#[must_use]
pub fn sans_code_produit(appels: &[AppelLot<'_>], r: &Reglages<'_>) -> Option<PesError> {
    let mut missing: BTreeMap<&str, usize> = BTreeMap::new();
    for l in appels.iter().flat_map(|a| &a.lignes) {
        match r.grid.find(&l.code).map(|i| r.grid.item(i)) {
            Some(item) if item.code_produit.is_some() => {}
            Some(item) => {
                missing.insert(&item.code, item.ligne);
            }
            None => {
                missing.insert(l.code.as_ref(), 0);
            }
        }
    }
    if missing.is_empty() {
        return None;
    }
    let mut articles: Vec<(String, usize)> = missing
        .into_iter()
        .map(|(c, l)| (c.to_string(), l))
        .collect();
    articles.sort_by_key(|(c, l)| (*l, c.clone()));
    Some(PesError::SansCodeProduit { articles })
}

/// The pièce of appel `a`, its problems added to `errors` and the values
/// changed to fit to `remarques` (one appel at a time: the batch layer
/// examines a lot's on its threads).
pub fn piece_examinee(
    a: &AppelLot<'_>,
    r: &Reglages<'_>,
    errors: &mut Vec<PesError>,
    remarques: &mut Vec<Remarque>,
) -> Option<PiecePes> {
    piece(a, r, errors, remarques)
}

/// The pièce of appel `a` again (examined already): the same value, its
/// remarks and problems not collected twice.
#[must_use]
pub fn piece_of(a: &AppelLot<'_>, r: &Reglages<'_>) -> Option<PiecePes> {
    piece(a, r, &mut Vec::new(), &mut Vec::new())
}

/// The `IdUnique` of an appel's attachment: the Centre's SIRET, the
/// number's letters and digits, the rank of the sending (`01` first):
/// unique for ever across exercices, budgets and Centres.
#[must_use]
pub fn id_unique(siret: &str, numero: &str, envoi: u8) -> String {
    let alnum: String = numero.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("{siret}{alnum}{envoi:02}")
}

fn piece(
    a: &AppelLot<'_>,
    r: &Reglages<'_>,
    errors: &mut Vec<PesError>,
    remarques: &mut Vec<Remarque>,
) -> Option<PiecePes> {
    let numero = a.numero.to_string();
    let mut lignes = Vec::new();
    let mut total = Montant::ZERO;
    for l in &a.lignes {
        if !l.montant_tva.is_zero() {
            errors.push(PesError::Tva {
                numero: numero.clone(),
            });
            return None;
        }
        if l.montant_ttc.is_negative() {
            errors.push(PesError::Negatif {
                numero: numero.clone(),
                code: l.code.to_string(),
            });
            return None;
        }
        if l.montant_ttc.is_zero() {
            // MtHT must be above zero: a line at 0,00 is left out.
            continue;
        }
        let item = r.grid.find(&l.code).map(|i| r.grid.item(i));
        let objet: String = texte::clean(&l.libelle).chars().take(TEXTE_160).collect();
        lignes.push(LignePes {
            id_ligne: lignes.len() + 1,
            objet,
            code_produit: item
                .and_then(|i| i.code_produit.clone())
                .unwrap_or_default(),
            nature: item
                .and_then(|i| i.nature.clone())
                .or_else(|| r.grid.pes.nature.clone())
                .unwrap_or_else(|| NATURE_ORMC.to_string()),
            montant: l.montant_ttc,
        });
        total = total + l.montant_ttc;
    }
    if lignes.is_empty() {
        errors.push(PesError::Vide { numero });
        return None;
    }
    let tiers = tiers_of(a, errors, remarques)?;
    let nonempty = |s: &str| {
        let c = texte::clean(s);
        (!c.is_empty()).then_some(c)
    };
    Some(PiecePes {
        id_pce: a.rang,
        objet: format!("Appel de cotisation {numero}"),
        pj: PjPes {
            id_unique: id_unique(r.siret, &numero, 1),
            nom_pj: a.nom_pdf.to_string(),
            description: texte::clean(&format!("Appel de cotisation {numero} - {}", a.d.nom))
                .chars()
                .take(250)
                .collect(),
        },
        engagement: nonempty(a.d.engagement),
        code_service: nonempty(a.d.code_service),
        nom_service: nonempty(a.d.nom_service),
        numero,
        lignes,
        tiers,
        total,
    })
}

/// Where the problems and remarks about one appel's debtor go.
struct Notes<'e> {
    numero: String,
    membre_id: String,
    errors: &'e mut Vec<PesError>,
    remarques: &'e mut Vec<Remarque>,
}

impl Notes<'_> {
    fn note(&mut self, champ: &'static str, valeur: &str, ecrit: String, regle: &str) {
        self.remarques.push(Remarque {
            numero: self.numero.clone(),
            membre_id: self.membre_id.clone(),
            champ,
            valeur: valeur.to_string(),
            ecrit,
            regle: regle.to_string(),
        });
    }

    fn too_long(&mut self, champ: &'static str, valeur: &str, max: usize) {
        self.errors.push(PesError::TropLong {
            numero: self.numero.clone(),
            membre_id: self.membre_id.clone(),
            champ,
            valeur: valeur.to_string(),
            max,
        });
    }

    fn missing(&mut self, champ: &'static str) {
        self.errors.push(PesError::Manquant {
            numero: self.numero.clone(),
            membre_id: self.membre_id.clone(),
            champ,
        });
    }

    /// A value of at most 38 characters (`texte::ajuste_38`), noted when
    /// changed, refused when no rule fits.
    fn fit_38(&mut self, champ: &'static str, value: Option<String>) -> Option<String> {
        let v = value?;
        match texte::ajuste_38(&v) {
            Some((ecrit, Some(regle))) => {
                self.note(champ, &v, format!("« {ecrit} »"), regle.fr());
                Some(ecrit)
            }
            Some((ecrit, None)) => Some(ecrit),
            None => {
                self.too_long(champ, &v, texte::TEXTE_38);
                None
            }
        }
    }
}

/// The debtor of the appel `a`: its category, its name and address
/// fitted into the PES fields.
fn tiers_of(
    a: &AppelLot<'_>,
    errors: &mut Vec<PesError>,
    remarques: &mut Vec<Remarque>,
) -> Option<TiersPes> {
    let before = errors.len();
    let mut n = Notes {
        numero: a.numero.to_string(),
        membre_id: a.membre_id.to_string(),
        errors,
        remarques,
    };
    let (cat, raison) = tiers::categorie(&a.d);
    if let Some(raison) = raison {
        n.note("CatTiers", a.d.nom, cat.code().to_string(), &raison);
    }
    let (nom, compl_nom) = nom_of(&mut n, a.d.nom);
    let (adr1, adr2, adr3) = texte::decoupe_adresse(a.d.adresse);
    let adr1 = n.fit_38("Adr1", adr1);
    let adr2 = n.fit_38("Adr2", Some(adr2)).unwrap_or_default();
    let adr3 = n.fit_38("Adr3", adr3);
    // The town's line in postal form, as the norme postale writes it.
    let ville_clean = texte::clean(a.d.ville);
    let ville = texte::postale(&ville_clean);
    if texte::len(&ville) > texte::TEXTE_38 {
        n.too_long("Ville", &ville_clean, texte::TEXTE_38);
    }
    if adr2.is_empty() {
        n.missing("Adr2 (adresse)");
    }
    if ville.is_empty() {
        n.missing("Ville");
    }
    let cp = a.d.code_postal.trim().to_string();
    if !(cp.len() == 5 && cp.bytes().all(|b| b.is_ascii_digit())) {
        n.errors.push(PesError::CodePostal {
            numero: n.numero.clone(),
            membre_id: n.membre_id.clone(),
            valeur: cp.clone(),
        });
    }
    let id = a.membre_id.trim();
    let ref_tiers = if texte::len(id) <= 30 && !id.is_empty() {
        Some(texte::clean(id))
    } else {
        n.note(
            "RefTiers",
            id,
            "(omis)".into(),
            "identifiant de plus de 30 caractères",
        );
        None
    };
    if n.errors.len() > before {
        return None;
    }
    Some(TiersPes {
        siret: a.d.siret.chars().filter(char::is_ascii_digit).collect(),
        ref_tiers,
        cat_tiers: cat.code(),
        nom,
        compl_nom,
        adr1,
        adr2,
        adr3,
        cp,
        ville,
    })
}

/// `Nom` and `ComplNom` of a debtor named `nom` (`texte::ajuste_nom`).
fn nom_of(n: &mut Notes<'_>, nom: &str) -> (String, Option<String>) {
    let clean = texte::clean(nom);
    let Some(fit) = texte::ajuste_nom(&clean, texte::TEXTE_38) else {
        n.too_long("Nom", &clean, texte::TEXTE_38);
        return (String::new(), None);
    };
    if let Some(regle) = &fit.regle {
        let ecrit = match &fit.complement {
            Some(c) => format!("« {} » + « {c} »", fit.principal),
            None => format!("« {} »", fit.principal),
        };
        n.note("Nom", &clean, ecrit, regle.fr());
    }
    (fit.principal, fit.complement)
}

/// The kind of member, for the categories.
#[must_use]
pub fn kind_fr(kind: MemberKind) -> &'static str {
    match kind {
        MemberKind::Commune => "commune",
        MemberKind::EtablissementPublic => "établissement public",
        MemberKind::BudgetAnnexe => "budget annexe",
    }
}

/// Upper bound of the bytes a pièce and its attachment take in a file,
/// the PDF being `pdf_len` bytes: the pièce's XML (written to measure
/// it), the attachment's XML, the PDF gzipped (at worst every byte a
/// 9-bit literal of the fixed Huffman code that the fastest level uses,
/// plus 5 bytes a block, the header and the trailer), in base64 lines of
/// 76 characters.
#[must_use]
pub fn taille_max(piece: &PiecePes, pdf_len: u64) -> u64 {
    let mut xml = Vec::with_capacity(4096);
    let _ = write_piece(&mut xml, piece);
    let _ = write_pj(&mut xml, &piece.pj, b"");
    let gz = pdf_len + pdf_len.div_ceil(8) + 5 * pdf_len.div_ceil(16_383).max(1) + 64;
    let b64 = gz.div_ceil(3) * 4;
    xml.len() as u64 + b64 + b64.div_ceil(76)
}

/// Splits pièces of sizes `tailles` (`taille_max`) into bordereaux of at
/// most `max_pieces` pièces and `max_octets` bytes (`fixe`: the bytes of
/// a file besides its pièces), in order: the ranges of each.
///
/// # Errors
/// The index of a pièce that alone exceeds `max_octets`.
pub fn plan(
    tailles: &[u64],
    max_pieces: usize,
    max_octets: u64,
    fixe: u64,
) -> Result<Vec<std::ops::Range<usize>>, usize> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut size = fixe;
    for (i, &t) in tailles.iter().enumerate() {
        if fixe + t > max_octets {
            return Err(i);
        }
        if i > start && (i - start >= max_pieces || size + t > max_octets) {
            out.push(start..i);
            start = i;
            size = fixe;
        }
        size += t;
    }
    if start < tailles.len() {
        out.push(start..tailles.len());
    }
    Ok(out)
}

/// A flow's header: the file, the Centre's budget, the bordereau.
#[derive(Debug, Clone)]
pub struct Entete<'a> {
    pub nom_fic: &'a str,
    pub version: &'a str,
    pub date: NaiveDate,
    pub exercice: i32,
    pub reglages: Reglages<'a>,
    pub id_bord: u32,
    pub nbr_pce: usize,
    pub total: Montant,
    pub objet: &'a str,
}

/// The name of the file of bordereau `id_bord`, `_02`… when it is sent
/// again.
#[must_use]
pub fn nom_fichier(siret: &str, exercice: i32, id_bord: u32, envoi: u8) -> String {
    if envoi > 1 {
        format!("PESORMC_{siret}_{exercice}_{id_bord:07}_{envoi:02}.xml")
    } else {
        format!("PESORMC_{siret}_{exercice}_{id_bord:07}.xml")
    }
}

/// Spaces to indent with.
const INDENT: &[u8; 16] = b"                ";

fn v(w: &mut impl Write, indent: usize, tag: &str, value: &str) -> io::Result<()> {
    w.write_all(&INDENT[..indent])?;
    w.write_all(b"<")?;
    w.write_all(tag.as_bytes())?;
    w.write_all(b" V=\"")?;
    w.write_all(escape(value, Quotes::Escape).as_bytes())?;
    w.write_all(b"\"/>\n")
}

fn open(w: &mut impl Write, indent: usize, tag: &str) -> io::Result<()> {
    w.write_all(&INDENT[..indent])?;
    w.write_all(b"<")?;
    w.write_all(tag.as_bytes())?;
    w.write_all(b">\n")
}

fn close(w: &mut impl Write, indent: usize, tag: &str) -> io::Result<()> {
    w.write_all(&INDENT[..indent])?;
    w.write_all(b"</")?;
    w.write_all(tag.as_bytes())?;
    w.write_all(b">\n")
}

/// `bytes` in base64, in lines of 76 characters each ending with a line
/// break, appended to `out` (base64-simd: 1,2 Go of attachments for
/// 35 000 appels, a tenth of the base64 crate's time).
pub fn base64_lines(bytes: &[u8], out: &mut Vec<u8>) {
    use base64_simd::AsOut as _;
    let b64 = base64_simd::STANDARD;
    // 57 bytes make exactly 76 characters.
    let rest = bytes.len() % 57;
    let len = bytes.len() / 57 * 77
        + if rest > 0 {
            b64.encoded_length(rest) + 1
        } else {
            0
        };
    let mut pos = out.len();
    // Every line break in place; the lines written between them.
    out.resize(pos + len, b'\n');
    for chunk in bytes.chunks(57) {
        let n = b64.encoded_length(chunk.len());
        pos += b64.encode(chunk, out[pos..pos + n].as_out()).len() + 1;
    }
}

/// Everything before the first pièce: the envelope, the header, the
/// bordereau's block.
///
/// # Errors
/// The writer's.
pub fn write_entete(w: &mut impl Write, e: &Entete<'_>) -> io::Result<()> {
    let p = e.reglages.emetteur;
    writeln!(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(w, "<n:PES_Aller xmlns:n=\"{NAMESPACE}\">")?;
    open(w, 2, "Enveloppe")?;
    open(w, 4, "Parametres")?;
    v(w, 6, "Version", "2")?;
    v(w, 6, "TypFic", "PESORMC")?;
    v(w, 6, "NomFic", e.nom_fic)?;
    close(w, 4, "Parametres")?;
    open(w, 4, "Emetteur")?;
    v(w, 6, "Sigle", "cotisations")?;
    v(w, 6, "Adresse", &format!("cotisations {}", e.version))?;
    close(w, 4, "Emetteur")?;
    close(w, 2, "Enveloppe")?;
    open(w, 2, "EnTetePES")?;
    v(w, 4, "DteStr", &e.date.to_string())?;
    v(w, 4, "IdPost", &p.poste_comptable)?;
    if let Some(l) = &p.libelle_poste {
        v(w, 4, "LibellePoste", &texte::clean(l))?;
    }
    v(w, 4, "IdColl", e.reglages.siret)?;
    v(w, 4, "CodCol", &p.code_collectivite)?;
    v(w, 4, "CodBud", &p.code_budget)?;
    if let Some(l) = &p.libelle_budget {
        v(w, 4, "LibelleColBud", &texte::clean(l))?;
    }
    close(w, 2, "EnTetePES")?;
    open(w, 2, "PES_RecetteAller")?;
    open(w, 4, "EnTeteRecette")?;
    v(w, 6, "IdVer", "2")?;
    close(w, 4, "EnTeteRecette")?;
    open(w, 4, "Bordereau")?;
    open(w, 6, "BlocBordereau")?;
    v(w, 8, "Exer", &e.exercice.to_string())?;
    v(w, 8, "IdBord", &e.id_bord.to_string())?;
    v(w, 8, "DteBordEm", &e.date.to_string())?;
    v(w, 8, "TypBord", "06")?;
    v(w, 8, "NbrPce", &e.nbr_pce.to_string())?;
    v(w, 8, "MtBordHt", &e.total.to_string())?;
    v(w, 8, "Objet", e.objet)?;
    close(w, 6, "BlocBordereau")
}

/// One pièce, its lines and its debtor on each (the titre is mono-débiteur).
///
/// # Errors
/// The writer's.
pub fn write_piece(w: &mut impl Write, p: &PiecePes) -> io::Result<()> {
    open(w, 6, "Piece")?;
    open(w, 8, "BlocPiece")?;
    v(w, 10, "IdPce", &p.id_pce.to_string())?;
    v(w, 10, "TypPce", "15")?;
    v(w, 10, "NatPce", "01")?;
    v(w, 10, "Edition", "03")?;
    v(w, 10, "ObjPce", &p.objet)?;
    open(w, 10, "PJRef")?;
    v(w, 12, "Support", "01")?;
    v(w, 12, "IdUnique", &p.pj.id_unique)?;
    v(w, 12, "NomPJ", &p.pj.nom_pj)?;
    v(w, 12, "TypePJ", "007")?;
    close(w, 10, "PJRef")?;
    v(w, 10, "NumeroFacture", &p.numero)?;
    if let Some(e) = &p.engagement {
        v(w, 10, "NumeroEngagement", e)?;
    }
    if let Some(c) = &p.code_service {
        v(w, 10, "CodeService", c)?;
    }
    if let Some(n) = &p.nom_service {
        v(w, 10, "NomService", n)?;
    }
    close(w, 8, "BlocPiece")?;
    for l in &p.lignes {
        write_ligne(w, l, &p.tiers)?;
    }
    close(w, 6, "Piece")
}

fn write_ligne(w: &mut impl Write, l: &LignePes, t: &TiersPes) -> io::Result<()> {
    open(w, 8, "LigneDePiece")?;
    open(w, 10, "BlocLignePiece")?;
    open(w, 12, "InfoLignePiece")?;
    v(w, 14, "IdLigne", &l.id_ligne.to_string())?;
    v(w, 14, "ObjLignePce", &l.objet)?;
    v(w, 14, "CodProdLoc", &l.code_produit)?;
    v(w, 14, "Nature", &l.nature)?;
    v(w, 14, "Majo", "0")?;
    v(w, 14, "TvaIntraCom", "0")?;
    v(w, 14, "MtHT", &l.montant.to_string())?;
    close(w, 12, "InfoLignePiece")?;
    close(w, 10, "BlocLignePiece")?;
    open(w, 10, "Tiers")?;
    open(w, 12, "InfoTiers")?;
    v(w, 14, "IdTiers", &t.siret)?;
    v(w, 14, "NatIdTiers", "01")?;
    if let Some(r) = &t.ref_tiers {
        v(w, 14, "RefTiers", r)?;
    }
    v(w, 14, "CatTiers", t.cat_tiers)?;
    v(w, 14, "NatJur", "09")?;
    v(w, 14, "TypTiers", "01")?;
    v(w, 14, "Nom", &t.nom)?;
    if let Some(c) = &t.compl_nom {
        v(w, 14, "ComplNom", c)?;
    }
    close(w, 12, "InfoTiers")?;
    open(w, 12, "Adresse")?;
    v(w, 14, "TypAdr", "0")?;
    if let Some(a) = &t.adr1 {
        v(w, 14, "Adr1", a)?;
    }
    v(w, 14, "Adr2", &t.adr2)?;
    if let Some(a) = &t.adr3 {
        v(w, 14, "Adr3", a)?;
    }
    v(w, 14, "CP", &t.cp)?;
    v(w, 14, "Ville", &t.ville)?;
    v(w, 14, "CodRes", "0")?;
    close(w, 12, "Adresse")?;
    close(w, 10, "Tiers")?;
    close(w, 8, "LigneDePiece")
}

/// Closes the bordereau and opens the attachments' block.
///
/// # Errors
/// The writer's.
pub fn write_pj_debut(w: &mut impl Write) -> io::Result<()> {
    close(w, 4, "Bordereau")?;
    close(w, 2, "PES_RecetteAller")?;
    open(w, 2, "PES_PJ")?;
    open(w, 4, "EnTetePES_PJ")?;
    v(w, 6, "IdVer", "1")?;
    close(w, 4, "EnTetePES_PJ")
}

/// The attachment `p` of a pièce, its content `base64` (the PDF
/// gzipped, then base64 in lines, each ending with a line break).
///
/// # Errors
/// The writer's.
pub fn write_pj(w: &mut impl Write, p: &PjPes, base64: &[u8]) -> io::Result<()> {
    open(w, 4, "PJ")?;
    open(w, 6, "Contenu")?;
    writeln!(w, "        <Fichier MIMEType=\"application/pdf\">")?;
    w.write_all(base64)?;
    writeln!(w, "</Fichier>")?;
    close(w, 6, "Contenu")?;
    v(w, 6, "IdUnique", &p.id_unique)?;
    v(w, 6, "NomPJ", &p.nom_pj)?;
    v(w, 6, "TypePJ", "007")?;
    v(w, 6, "Description", &p.description)?;
    close(w, 4, "PJ")
}

/// The end of the file.
///
/// # Errors
/// The writer's.
pub fn write_fin(w: &mut impl Write) -> io::Result<()> {
    close(w, 2, "PES_PJ")?;
    writeln!(w, "</n:PES_Aller>")
}

#[cfg(test)]
mod tests;
