//! The command line, as clap parses it: French help, no logic, no I/O.
//!
//! Values stay close to the flags; `commands` resolves them (dates,
//! defaults) and reports what clap cannot check.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

const TEMPLATE: &str = "\
{about-with-newline}
Utilisation : {usage}

{all-args}{after-help}";

/// Appels de cotisation de la convention « Accompagnement numérique ».
#[derive(Debug, Parser)]
#[command(
    name = "cotisations",
    version,
    about = "Appels de cotisation annuels d'un Centre de Gestion : rôle des adhérents + grille tarifaire → un PDF par adhérent + un journal comptable CSV.",
    help_template = TEMPLATE,
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    subcommand_help_heading = "Commandes",
    subcommand_value_name = "COMMANDE",
    next_help_heading = "Options"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Affiche l'aide.
    #[arg(short = 'h', long = "help", action = ArgAction::Help, global = true)]
    pub help: Option<bool>,

    /// Affiche la version.
    #[arg(short = 'V', long = "version", action = ArgAction::Version)]
    pub version: Option<bool>,

    /// N'affiche que les erreurs (pour cron).
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,

    /// Format du journal d'exécution sur la sortie d'erreur : texte (par défaut) ou json (une ligne JSON par événement).
    #[arg(long = "log-format", value_enum, default_value_t = LogFormat::Texte, global = true, value_name = "FORMAT", hide_possible_values = true, hide_default_value = true)]
    pub log_format: LogFormat,

    /// Ajoute chaque événement, horodaté, à la fin de ce fichier (créé au besoin, ses dossiers aussi), même avec --quiet, et toujours une ligne finale : commande, code de sortie, comptes et durée (pour cron).
    #[arg(long, global = true, value_name = "FICHIER")]
    pub journal: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Lignes de texte.
    Texte,
    /// Une ligne JSON par événement (pour les collecteurs de journaux).
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Prépare le projet des appels à émettre dans le dossier de l'exercice (ou les émet aussitôt avec --emettre) : un PDF par adhérent, le journal comptable et le bilan.
    #[command(help_template = TEMPLATE, next_help_heading = "Options", after_help = RUN_HELP)]
    Run(RunArgs),
    /// Émet le projet du dossier de l'exercice : numéros définitifs à la suite du registre, PDF définitifs.
    #[command(help_template = TEMPLATE, next_help_heading = "Options")]
    Emettre(EmettreArgs),
    /// Vérifie tout ce que « run » vérifierait avec les mêmes options, et dit ce qu'il facturerait, sans rien écrire.
    #[command(help_template = TEMPLATE, next_help_heading = "Options")]
    Check(CheckArgs),
    /// Chiffre un adhérent fictif (pour répondre à une question au téléphone).
    #[command(help_template = TEMPLATE, next_help_heading = "Options")]
    Quote(QuoteArgs),
    /// Affiche la grille tarifaire sous forme de tableau, pour la comparer à la délibération.
    #[command(help_template = TEMPLATE, next_help_heading = "Options")]
    Tarifs(TarifsArgs),
    /// Vérifie qu'un exercice (ou une de ses entrées) est complet et intact : empreintes, totaux, chaîne des entrées, numérotation.
    #[command(help_template = TEMPLATE, next_help_heading = "Options")]
    Verify(VerifyArgs),
    /// Montre l'état d'un exercice : ce qui a été émis pour chaque adhérent (appels, avoirs, net), les séries, et ce que le rôle ajouterait.
    #[command(help_template = TEMPLATE, next_help_heading = "Options")]
    Etat(EtatArgs),
    /// Compare les journaux de deux exercices et explique l'écart, adhérent par adhérent.
    #[command(help_template = TEMPLATE, next_help_heading = "Options", after_help = COMPARE_HELP)]
    Compare(CompareArgs),
    /// Émet un avoir qui annule tout ou partie de l'appel d'un adhérent (un appel émis n'est jamais modifié).
    #[command(help_template = TEMPLATE, next_help_heading = "Options", after_help = AVOIR_HELP)]
    Avoir(AvoirArgs),
    /// Écrit les flux PES V2 (ORMC) des lots émis non encore transmis, pour le comptable public (Hélios, puis Chorus Pro), et la liste des avoirs à saisir.
    #[command(help_template = TEMPLATE, next_help_heading = "Options", after_help = PES_HELP)]
    Pes(PesArgs),
    /// Envoie les appels et avoirs émis par courriel (une fois chacun, journal des envois dans le dossier de l'exercice) ; ceux des adhérents sans adresse vont dans un PDF prêt à imprimer.
    #[command(help_template = TEMPLATE, next_help_heading = "Options", after_help = ENVOI_HELP)]
    Envoi(EnvoiArgs),
}

impl Command {
    /// The subcommand's name, as typed.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Command::Run(_) => "run",
            Command::Emettre(_) => "emettre",
            Command::Check(_) => "check",
            Command::Quote(_) => "quote",
            Command::Tarifs(_) => "tarifs",
            Command::Verify(_) => "verify",
            Command::Etat(_) => "etat",
            Command::Compare(_) => "compare",
            Command::Avoir(_) => "avoir",
            Command::Pes(_) => "pes",
            Command::Envoi(_) => "envoi",
        }
    }
}

const RUN_HELP: &str = "Le dossier de l'exercice tient le registre : les appels et avoirs émis, dans l'ordre, chacun dans entrees/, et leur numérotation continue. « run » compare le rôle au registre et écrit dans projet/ ce qui reste à émettre : les adhérents jamais facturés (ou entièrement crédités) ; un adhérent déjà facturé à l'identique n'est pas refacturé ; un adhérent déjà facturé dont le rôle a changé est signalé avec l'avoir à émettre. Le projet se refait autant de fois qu'on veut ; ses numéros sont provisoires (PROV-…) et ses PDF marqués « PROJET ». « cotisations emettre DOSSIER » l'émet.

Rien à émettre : code de sortie 0, et le message le dit.";

const AVOIR_HELP: &str = "L'avoir annule tout ou partie de l'appel de l'adhérent : tout l'appel, ou seulement les articles nommés avec --lignes (codes de la grille, séparés par des espaces ou des virgules). Les lignes et le montant sont repris de l'appel émis ; l'adhérent est désigné tel que l'appel l'imprime.

Les avoirs ont leur propre numérotation continue, AV-<exercice>-00001, que le registre de l'exercice poursuit. L'avoir est une entrée du dossier de l'exercice (entrees/NNNN-AV/) ; « cotisations verify DOSSIER » le vérifie avec le reste.

Refus (code de sortie 2, rien n'est écrit) : adhérent sans appel en cours, article inconnu ou absent de l'appel, article nommé deux fois ou déjà crédité, motif vide, date antérieure au dernier avoir ou hors de l'exercice.";

const ENVOI_HELP: &str = "Chaque appel (et avoir) émis et pas encore envoyé part en un courriel à l'adresse (ou aux adresses) de la colonne email du rôle, le PDF joint sous son numéro. Le journal envois.jsonl du dossier de l'exercice consigne chaque message ; relancer n'envoie que ce qui manque. Un arrêt brutal entre l'acceptation par le relais et l'écriture du journal peut faire partir ce seul message une seconde fois.

Le relais se règle dans la section [smtp] du fichier de l'émetteur, ou par la variable COTISATIONS_SMTP=smtp://HOTE:PORT (sans chiffrement : vers cette machine seulement) ; le mot de passe par la variable COTISATIONS_SMTP_MOT_DE_PASSE ou par un fichier lisible par son seul propriétaire.

Les adhérents sans adresse : un PDF prêt à imprimer (recto verso) dans courrier/, trié par code postal puis nom.

Code de sortie 5 si des messages ont été refusés ou n'ont pas pu partir (le détail est affiché et consigné).";

#[derive(Debug, Args)]
pub struct EnvoiArgs {
    /// Dossier de l'exercice.
    #[arg(value_name = "DOSSIER")]
    pub dir: PathBuf,

    /// N'envoie rien : écrit chaque message dans ce dossier (un fichier .eml par document, et le PDF du courrier), sans se connecter.
    #[arg(long, value_name = "DOSSIER")]
    pub essai: Option<PathBuf>,

    /// Envoie tous les messages à cette seule adresse de test au lieu des adhérents (rien n'est consigné).
    #[arg(long = "a", value_name = "ADRESSE")]
    pub a: Option<String>,

    /// Renvoie volontairement ce document (numéro AC-… ou AV-…), même déjà envoyé ; consigné comme renvoi.
    #[arg(long, value_name = "NUMERO")]
    pub renvoyer: Vec<String>,

    /// Modèle du courriel (par défaut : « modele » de la section [smtp], sinon le modèle intégré, templates/courriel.txt).
    #[arg(long, value_name = "FICHIER")]
    pub modele: Option<PathBuf>,

    #[arg(
        long = "par-minute",
        value_name = "N",
        help = "Au plus ce nombre de messages par minute (par défaut : « messages_par_minute » de la section [smtp], sinon sans limite)"
    )]
    pub par_minute: Option<u32>,

    /// Nombre d'essais d'un message en cas d'échec temporaire (4xx, connexion perdue), de 1 à 10 (par défaut : 3).
    #[arg(long, value_name = "N", default_value_t = 3, hide_default_value = true)]
    pub essais: u32,

    /// Date des messages de --essai, AAAA-MM-JJ (par défaut : la date d'émission du document), pour des fichiers identiques d'une fois sur l'autre.
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,

    /// Identité du Centre émetteur, avec sa section [smtp] (fichier TOML ; par défaut celui avec lequel la dernière entrée de l'exercice a été émise).
    #[arg(long = "emetteur", value_name = "FICHIER")]
    pub emetteur: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AvoirArgs {
    /// Dossier de l'exercice.
    #[arg(value_name = "DOSSIER")]
    pub dir: PathBuf,

    /// Identifiant de l'adhérent dont l'appel est annulé.
    #[arg(long, value_name = "ID")]
    pub membre: String,

    /// Numéro de l'appel à annuler, si l'adhérent en a plusieurs en cours.
    #[arg(long, value_name = "NUMERO")]
    pub appel: Option<String>,

    /// Codes des articles à créditer (par défaut : tout ce qui reste de l'appel).
    #[arg(long, value_name = "CODE", num_args = 1.., value_delimiter = ',')]
    pub lignes: Vec<String>,

    /// Motif de l'avoir, imprimé sur l'avoir (obligatoire).
    #[arg(long, value_name = "TEXTE")]
    pub motif: String,

    /// Date d'émission de l'avoir, AAAA-MM-JJ (par défaut : aujourd'hui).
    #[arg(long = "date-emission", value_name = "DATE")]
    pub date_emission: Option<String>,

    /// Format de l'avoir : facturx (par défaut : PDF/A-3 avec la facture structurée factur-x.xml, avoir de type 381) ou pdf (PDF simple).
    #[arg(long = "format", value_enum, default_value_t = PdfFormatArg::Facturx, value_name = "FORMAT", hide_possible_values = true, hide_default_value = true)]
    pub format: PdfFormatArg,

    #[command(flatten)]
    pub emetteur: EmetteurArg,
}

const PES_HELP: &str = "Chaque lot d'appels émis et non encore transmis devient un ou plusieurs bordereaux ORMC (un rôle dans Hélios), un fichier PESORMC_<SIRET>_<exercice>_<n° de rôle>.xml chacun : une pièce par appel, le PDF de l'appel joint, édition 03 pour que Hélios le dépose sur Chorus Pro. Les flux sont une entrée du dossier de l'exercice (entrees/NNNN-PES/), numérotée par le registre ; un lot n'est jamais transmis deux fois. Les avoirs ne passent pas par le flux ORMC : ils sont listés dans avoirs-a-saisir.csv pour le logiciel financier.

Les codes du comptable (poste, collectivité, budget) sont lus dans la section [pes] du fichier de l'émetteur, les codes produits dans la grille (code_produit de chaque article).

Rien à transmettre : code de sortie 0, et le message le dit.";

#[derive(Debug, Args)]
pub struct PesArgs {
    /// Dossier de l'exercice.
    #[arg(value_name = "DOSSIER")]
    pub dir: PathBuf,

    /// Date des bordereaux, AAAA-MM-JJ ou JJ/MM/AAAA (par défaut : aujourd'hui).
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,

    /// Grille tarifaire donnant les codes produits (par défaut : celle avec laquelle le lot a été émis).
    #[arg(long = "tariff", visible_alias = "tarif", value_name = "GRILLE")]
    pub tariff: Option<PathBuf>,

    /// Fichier de l'émetteur avec sa section [pes] (par défaut : celui avec lequel le lot a été émis).
    #[arg(long = "emetteur", value_name = "FICHIER")]
    pub emetteur: Option<PathBuf>,

    /// Nombre maximal de pièces par bordereau, de 1 à 99 999 (par défaut : 1 000).
    #[arg(
        long = "max-pieces",
        value_name = "N",
        default_value_t = 1000,
        hide_default_value = true
    )]
    pub max_pieces: usize,

    /// Taille maximale d'un fichier, en mégaoctets (par défaut : 50).
    #[arg(
        long = "max-mo",
        value_name = "MO",
        default_value_t = 50,
        hide_default_value = true
    )]
    pub max_mo: u64,

    /// Recompresse les PDF joints (gzip, niveau rapide) : des flux 6 % plus petits, deux fois plus de calcul. Par défaut, les PDF, déjà compressés, sont mis tels quels au format gzip.
    #[arg(long)]
    pub compresser: bool,

    /// Renvoie le rôle n° ROLE que le comptable ou Hélios a rejeté (répétable) : mêmes pièces sous le même numéro, pièces jointes sous de nouveaux identifiants, réglages relus ; rien d'autre n'est transmis.
    #[arg(long = "renvoyer", value_name = "ROLE", conflicts_with_all = ["max_pieces", "max_mo"])]
    pub renvoyer: Vec<u32>,

    /// Nombre de fils de calcul, de 1 à 64 (par défaut : un par cœur ; deux fois plus de lectures de PDF en attente du disque).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

#[derive(Debug, Args)]
pub struct EmettreArgs {
    /// Dossier de l'exercice dont le projet est émis.
    #[arg(value_name = "DOSSIER")]
    pub dir: PathBuf,

    /// Date d'émission, AAAA-MM-JJ ou JJ/MM/AAAA (par défaut : celle du projet).
    #[arg(long = "date-emission", value_name = "DATE")]
    pub date_emission: Option<String>,

    /// Nombre de fils de calcul, de 1 à 64 (par défaut : un par cœur).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

const COMPARE_HELP: &str = "Chaque journal est un fichier ledger.csv ou le dossier d'un lot (son ledger.csv est alors lu) ; les deux formats du journal (« ; » et virgule décimale, ou RFC 4180) sont reconnus à l'en-tête.

Les montants comparés sont les montants HT, totalisés par adhérent et par article (lots complémentaires et avoirs compris) ; les totaux TTC sont affichés pour information.

La variation totale est expliquée par : les nouveaux adhérents, les départs, les changements de tranche (articles à prix par tranche conservés par un adhérent qui a changé de tranche), puis les autres variations, article par article. La somme de ces parts est exactement la variation totale.

Le journal ne contient ni la population ni le nombre d'agents : seuls les numéros de tranche sont comparés (« tranche 3 → 4 »).

Le détail par adhérent affiche les 20 plus fortes variations ; --csv les écrit toutes.";

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Journal de l'exercice précédent (N-1) : ledger.csv ou dossier du lot.
    #[arg(long, visible_alias = "precedent", value_name = "JOURNAL_N-1")]
    pub previous: PathBuf,

    /// Journal de l'exercice actuel (N) : ledger.csv ou dossier du lot.
    #[arg(long, visible_alias = "actuel", value_name = "JOURNAL_N")]
    pub current: PathBuf,

    /// Écrit aussi le détail complet (une ligne par adhérent et par article modifié, puis TOTAL) dans ce fichier CSV.
    #[arg(long, value_name = "FICHIER")]
    pub csv: Option<PathBuf>,

    /// Remplace le fichier --csv s'il existe déjà (jamais un journal lu, ni un fichier d'un lot).
    #[arg(long)]
    pub force: bool,

    /// Encodage du fichier --csv : utf8 (par défaut), utf8-bom ou windows-1252.
    #[arg(long = "csv-encodage", value_enum, default_value_t = CsvEncodingArg::Utf8, value_name = "ENCODAGE", hide_possible_values = true, hide_default_value = true)]
    pub csv_encodage: CsvEncodingArg,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Dossier de l'exercice (ou d'une de ses entrées) à vérifier.
    #[arg(value_name = "DOSSIER")]
    pub dir: PathBuf,

    /// Tête du registre relevée lors d'une émission (12 caractères ou plus) : vérifie que le registre la prolonge toujours.
    #[arg(long, value_name = "EMPREINTE")]
    pub tete: Option<String>,
}

#[derive(Debug, Args)]
pub struct EtatArgs {
    /// Dossier de l'exercice (ou dossiers de lots et d'avoirs).
    #[arg(value_name = "DOSSIER", required = true)]
    pub dirs: Vec<PathBuf>,
    /// Compare aussi avec ce rôle : qui reste à facturer, qui est facturé mais n'y figure plus (avec --tariff).
    #[arg(long, visible_alias = "role", value_name = "ROLE", requires = "tariff")]
    pub roster: Option<PathBuf>,
    /// Feuille du classeur du rôle à lire (par défaut : la première).
    #[arg(long, value_name = "NOM", requires = "roster")]
    pub feuille: Option<String>,
    /// Grille tarifaire avec laquelle chiffrer le rôle (avec --roster).
    #[arg(
        long = "tariff",
        visible_alias = "tarif",
        value_name = "GRILLE",
        requires = "roster"
    )]
    pub tariff: Option<PathBuf>,
    /// Écrit aussi l'état par adhérent (appels, avoirs, net) dans ce fichier CSV.
    #[arg(long, value_name = "FICHIER")]
    pub csv: Option<PathBuf>,
    /// Remplace le fichier --csv s'il existe déjà (jamais un fichier d'un lot).
    #[arg(long)]
    pub force: bool,
    /// Encodage du fichier --csv : utf8 (par défaut), utf8-bom ou windows-1252.
    #[arg(long = "csv-encodage", value_enum, default_value_t = CsvEncodingArg::Utf8, value_name = "ENCODAGE", hide_possible_values = true, hide_default_value = true)]
    pub csv_encodage: CsvEncodingArg,
}

/// Where the grid is.
#[derive(Debug, Args)]
pub struct GridArg {
    /// Grille tarifaire (fichier TOML).
    #[arg(long = "tariff", visible_alias = "tarif", value_name = "GRILLE")]
    pub tariff: PathBuf,
}

/// Where the issuer's identity is (`run`, `check` and `avoir`).
#[derive(Debug, Args)]
pub struct EmetteurArg {
    /// Identité du Centre émetteur (fichier TOML ; par défaut emetteur.toml dans le dossier de la grille tarifaire).
    #[arg(long = "emetteur", value_name = "FICHIER")]
    pub path: Option<PathBuf>,
}

/// Everything `run` reads and every option that changes what it checks
/// or writes, shared with `check` so that « valide » means `run` will
/// succeed with the same options.
#[derive(Debug, Args)]
pub struct RunOptions {
    /// Rôle des adhérents : fichier CSV exporté d'Excel, ou classeur .xlsx, .xls ou .ods.
    #[arg(long, visible_alias = "role", value_name = "ROLE")]
    pub roster: PathBuf,

    /// Feuille du classeur à lire (par défaut : la première).
    #[arg(long, value_name = "NOM")]
    pub feuille: Option<String>,

    #[command(flatten)]
    pub grid: GridArg,

    #[command(flatten)]
    pub emetteur: EmetteurArg,

    /// Exercice facturé : celui de la grille ; l'option ne sert qu'à le confirmer (refusée si elle le contredit).
    #[arg(long, value_name = "ANNEE")]
    pub exercice: Option<i32>,

    /// Date d'émission des appels, AAAA-MM-JJ ou JJ/MM/AAAA, dans l'exercice (par défaut : aujourd'hui).
    #[arg(long = "date-emission", value_name = "DATE")]
    pub date_emission: Option<String>,

    /// Format du journal comptable : francais (par défaut : « ; » et virgule décimale) ou rfc4180 (« , » et point décimal).
    #[arg(long = "csv-format", value_enum, default_value_t = CsvFormatArg::Francais, value_name = "FORMAT", hide_possible_values = true, hide_default_value = true)]
    pub csv_format: CsvFormatArg,

    /// Encodage des fichiers CSV écrits : utf8 (par défaut), utf8-bom (ouvert correctement par Excel d'un double clic) ou windows-1252.
    #[arg(long = "csv-encodage", value_enum, default_value_t = CsvEncodingArg::Utf8, value_name = "ENCODAGE", hide_possible_values = true, hide_default_value = true)]
    pub csv_encodage: CsvEncodingArg,

    /// Format des appels : facturx (par défaut : PDF/A-3 avec la facture structurée factur-x.xml) ou pdf (PDF simple).
    #[arg(long = "format", value_enum, default_value_t = PdfFormatArg::Facturx, value_name = "FORMAT", hide_possible_values = true, hide_default_value = true)]
    pub format: PdfFormatArg,

    /// Profil Factur-X de la facture structurée : en16931 (par défaut) ou basic.
    #[arg(long = "profil", value_enum, default_value_t = ProfilArg::En16931, value_name = "PROFIL", hide_possible_values = true, hide_default_value = true)]
    pub profil: ProfilArg,

    /// Nombre de fils de calcul, de 1 à 64 (par défaut : un par cœur).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,

    /// Facture les lignes valides, écarte les autres dans rejects.csv (code de sortie 5).
    #[arg(long = "skip-invalid")]
    pub skip_invalid: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Dossier de l'exercice (créé au besoin, ses dossiers parents aussi) : le projet y est écrit dans projet/, les appels émis dans entrees/.
    #[arg(long, value_name = "DOSSIER")]
    pub out: PathBuf,

    /// Émet aussitôt ce que le projet contiendrait : numéros définitifs, PDF définitifs, inscription au registre.
    #[arg(long, visible_alias = "emettre-aussitot")]
    pub emettre: bool,

    #[command(flatten)]
    pub options: RunOptions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PdfFormatArg {
    /// PDF/A-3 avec la facture structurée factur-x.xml (EN 16931), lisible par Chorus Pro.
    Facturx,
    /// PDF simple, sans facture structurée.
    Pdf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfilArg {
    /// Profil EN 16931 (norme européenne complète).
    En16931,
    /// Profil BASIC.
    Basic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CsvEncodingArg {
    /// UTF-8 sans BOM.
    Utf8,
    /// UTF-8 précédé d'un BOM : Excel l'ouvre correctement d'un double clic.
    #[value(name = "utf8-bom")]
    Utf8Bom,
    /// Windows-1252 (Excel et logiciels comptables anciens).
    #[value(name = "windows-1252")]
    Windows1252,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CsvFormatArg {
    /// Point-virgule et virgule décimale (imports comptables français).
    Francais,
    /// Virgule et point décimal (RFC 4180).
    Rfc4180,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Dossier de sortie prévu : vérifie aussi que « run » pourra y écrire.
    #[arg(long, value_name = "DOSSIER")]
    pub out: Option<PathBuf>,

    #[command(flatten)]
    pub options: RunOptions,
}

#[derive(Debug, Args)]
pub struct QuoteArgs {
    #[command(flatten)]
    pub grid: GridArg,

    /// Type de collectivité : commune, `etablissement_public` ou `budget_annexe`.
    #[arg(long = "type", value_name = "TYPE")]
    pub kind: String,

    /// Population (pour une commune).
    #[arg(long)]
    pub population: Option<String>,

    /// Nombre d'agents (pour un établissement public ou un budget annexe).
    #[arg(long)]
    pub agents: Option<String>,

    /// Collectivité non affiliée au Centre (tranche la plus haute).
    #[arg(long = "non-affiliee")]
    pub non_affiliee: bool,

    /// Services souscrits, sous la forme code=quantité (ex. `forfait_metiers=1` `formation_jours=0,5`).
    #[arg(value_name = "CODE=QUANTITE")]
    pub articles: Vec<String>,
}

#[derive(Debug, Args)]
pub struct TarifsArgs {
    #[command(flatten)]
    pub grid: GridArg,
}
