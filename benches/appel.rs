//! Micro-benchmarks of one appel: pricing, rendering (plain PDF and
//! Factur-X), hashing, and the per-batch renderer setup.
//!
//! `cargo bench --bench appel` (divan; `-- --help` for its options). The
//! appels are those of the shipped sample (`input-samples/`): the smallest
//! (one line) and the largest (most lines) of the batch. The end-to-end
//! benchmark is `just bench N` (see BENCHMARKS.md).

use std::sync::OnceLock;

use chrono::NaiveDate;
use cotisations::appel::Appel;
use cotisations::emetteur::Emetteur;
use cotisations::facturx::Profile;
use cotisations::numbering::Emission;
use cotisations::render::Renderer;
use cotisations::roster::Member;
use cotisations::tariff::Grid;

fn main() {
    divan::main();
}

struct Sample {
    grid: Grid,
    emetteur: Emetteur,
    members: Vec<Member>,
    appels: Vec<Appel>,
    renderer: Renderer,
}

fn sample() -> &'static Sample {
    static SAMPLE: OnceLock<Sample> = OnceLock::new();
    SAMPLE.get_or_init(|| {
        let root = env!("CARGO_MANIFEST_DIR");
        let read = |path: &str| std::fs::read(format!("{root}/{path}")).expect(path);
        let grid = Grid::parse(&String::from_utf8(read("input-samples/grille-2027.toml")).unwrap())
            .expect("grid");
        let emetteur =
            Emetteur::parse(&String::from_utf8(read("input-samples/emetteur.toml")).unwrap())
                .expect("emetteur");
        let raw = cotisations::roster::read_roster(&read("input-samples/roster.csv")).unwrap();
        let members = cotisations::roster::validate(&raw, &grid).expect("roster");
        let date_emission = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
        let emission = Emission {
            exercice: 2027,
            date_emission,
            date_echeance: date_emission + chrono::Days::new(30),
            mention_tva: grid.mention_tva.clone(),
            convention: grid.titre.clone(),
            premier_numero: 1,
            provisoire: false,
        };
        let mut appels: Vec<Appel> = cotisations::batch::plan(&members, &grid, &emission)
            .expect("plan")
            .iter()
            .filter_map(|o| o.appel().cloned())
            .collect();
        appels.sort_by_key(|a| a.lignes.len());
        Sample {
            grid,
            emetteur,
            members,
            appels,
            renderer: Renderer::new().expect("fonts"),
        }
    })
}

/// The appel with the fewest lines, or the most.
fn appel(largest: bool) -> &'static Appel {
    let appels = &sample().appels;
    if largest {
        appels.last().expect("appels")
    } else {
        appels.first().expect("appels")
    }
}

#[divan::bench]
fn price_member(bencher: divan::Bencher<'_, '_>) {
    let s = sample();
    let member = &s.members[s.members.len() / 2];
    bencher.bench(|| cotisations::pricing::price(divan::black_box(member), &s.grid));
}

#[divan::bench(args = [false, true])]
fn render_plain(bencher: divan::Bencher<'_, '_>, largest: bool) {
    let s = sample();
    let appel = appel(largest);
    bencher.bench(|| s.renderer.render(divan::black_box(appel), &s.emetteur));
}

#[divan::bench(args = [false, true])]
fn render_facturx(bencher: divan::Bencher<'_, '_>, largest: bool) {
    let s = sample();
    let appel = appel(largest);
    bencher.bench(|| {
        s.renderer
            .render_facturx(divan::black_box(appel), &s.emetteur, Profile::En16931)
    });
}

/// What the batch does per appel: price, render the Factur-X PDF, hash it.
#[divan::bench(args = [false, true])]
fn price_render_hash(bencher: divan::Bencher<'_, '_>, largest: bool) {
    let s = sample();
    let appel = appel(largest);
    let member = &appel.membre;
    bencher.bench(|| {
        let priced = cotisations::pricing::price(divan::black_box(member), &s.grid);
        let pdf = s
            .renderer
            .render_facturx(appel, &s.emetteur, Profile::En16931)
            .expect("render");
        (priced.is_ok(), s.renderer.sha256(&pdf))
    });
}

#[divan::bench]
fn sha256_resumed(bencher: divan::Bencher<'_, '_>) {
    let s = sample();
    let pdf = s
        .renderer
        .render_facturx(appel(false), &s.emetteur, Profile::En16931)
        .expect("render");
    bencher.bench(|| s.renderer.sha256(divan::black_box(&pdf)));
}

/// Per batch, not per appel: fonts subset and every shared object compressed.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn renderer_new() -> Renderer {
    Renderer::new().expect("fonts")
}
