//! The module graph of `src/` points one way, as `docs/ARCHITECTURE.md`
//! draws it: foundations → inputs → core → outputs → batch → glue. Every
//! `crate::…` path a module names is read from its source; a path into a
//! later layer, or a cycle between two modules of one layer, fails.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use crate::util::repo;

/// The layers, first to last, and their modules (`ledger::read` and
/// `roster::rejects` are named apart: the ledger reader is an input, the
/// rejects writer an output).
const LAYERS: [(&str, &[&str]); 6] = [
    (
        "foundations",
        &[
            "money",
            "format_fr",
            "charset",
            "ident",
            "xml",
            "csv_out",
            "reasons",
            "columns",
            "failpoint",
        ],
    ),
    (
        "inputs",
        &["roster", "tariff", "emetteur", "relay", "ledger::read"],
    ),
    (
        "core",
        &[
            "pricing",
            "numbering",
            "appel",
            "avoir",
            "summary",
            "compare",
            "exercice",
        ],
    ),
    (
        "outputs",
        &[
            "render",
            "facturx",
            "ledger",
            "report",
            "pes",
            "text",
            "roster::rejects",
            "envoi",
        ],
    ),
    ("batch", &["batch", "files"]),
    ("glue", &["commands", "cli", "log", "error", "main"]),
];

/// Test-only modules, outside the layers.
const TEST_ONLY: [&str; 3] = ["testing", "fuzz_tests", "invariant_tests"];

/// The module a path names: its longest prefix that `LAYERS` lists.
fn module_of(path: &str) -> Option<&'static str> {
    let mut best: Option<&'static str> = None;
    for (_, modules) in LAYERS {
        for &m in modules {
            let named = path == m || path.starts_with(&format!("{m}::"));
            if named && best.is_none_or(|b| m.len() > b.len()) {
                best = Some(m);
            }
        }
    }
    best
}

fn layer_of(module: &str) -> usize {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
        .unwrap_or_else(|| panic!("module {module} is in no layer"))
}

/// The module path of a source file (`src/batch/verify.rs` → `batch::verify`).
fn file_module(rel: &Path) -> String {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

fn sources(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path.strip_prefix(root).unwrap();
            out.push((file_module(rel), fs::read_to_string(&path).unwrap()));
        }
    }
}

/// Every path into the crate that `text`, the source of module `module`,
/// names (`crate::a::b`, and `super::b` resolved), outside comments and
/// test modules.
fn crate_paths(module: &str, text: &str) -> Vec<String> {
    let parent = module.rsplit_once("::").map_or("", |(p, _)| p);
    let mut paths = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        if line.trim_start().starts_with("#[cfg(test)]") {
            // Test modules come last in every file; what they use is theirs.
            break;
        }
        for (prefix, base) in [("crate::", ""), ("super::", parent)] {
            let mut rest = code;
            while let Some(at) = rest.find(prefix) {
                let word_start = at == 0
                    || !rest[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == ':');
                rest = &rest[at + prefix.len()..];
                if !word_start {
                    continue;
                }
                let join = |path: &str| {
                    let path = path.trim().trim_end_matches(':');
                    if base.is_empty() {
                        path.to_string()
                    } else {
                        format!("{base}::{path}")
                    }
                };
                if let Some(group) = rest.strip_prefix('{') {
                    // `use super::{a, b::c};` on one line.
                    let group = group.split('}').next().unwrap_or("");
                    paths.extend(group.split(',').filter(|p| !p.trim().is_empty()).map(join));
                    continue;
                }
                let path: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                paths.push(join(&path));
            }
        }
    }
    paths
}

/// No cycle: every node reaches only nodes that do not reach it.
fn assert_acyclic(edges: &BTreeMap<&str, BTreeSet<&str>>) {
    for (&start, next) in edges {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&str> = next.iter().copied().collect();
        while let Some(m) = stack.pop() {
            assert_ne!(m, start, "a cycle through {start}: {edges:?}");
            if seen.insert(m) {
                stack.extend(edges.get(m).into_iter().flatten().copied());
            }
        }
    }
}

#[test]
fn the_module_graph_points_one_way_and_has_no_cycle() {
    let src = repo("src");
    let mut files = Vec::new();
    sources(&src, &src, &mut files);
    let mut edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    // The same between files (`batch::verify` → `batch::manifest`).
    let names: BTreeSet<&str> = files.iter().map(|(f, _)| f.as_str()).collect();
    let mut file_edges: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut wrong = Vec::new();
    for (file, text) in &files {
        if file == "lib" || TEST_ONLY.iter().any(|t| file == t) || file.ends_with("tests") {
            continue;
        }
        let from = module_of(file).unwrap_or_else(|| panic!("{file} is in no layer"));
        for path in crate_paths(file, text) {
            let target = names
                .iter()
                .filter(|&&n| path == n || path.starts_with(&format!("{n}::")))
                .max_by_key(|n| n.len());
            if let Some(&target) = target
                && target != file
                && !file.starts_with(&format!("{target}::"))
            {
                // A file naming its parent module names what the parent
                // re-exports of its siblings: not an edge to the parent.
                file_edges.entry(file).or_default().insert(target);
            }
            let Some(to) = module_of(&path) else {
                // An item of the module itself (`super::NAME` from a file of
                // the crate root, `Self`), or of the test-only modules.
                let own_item = path.starts_with(|c: char| c.is_ascii_uppercase() || c == '*');
                assert!(
                    own_item || TEST_ONLY.iter().any(|t| path.starts_with(t)),
                    "{file}: crate::{path} names no module of the layers"
                );
                continue;
            };
            if to == from {
                continue;
            }
            if layer_of(to) > layer_of(from) {
                wrong.push(format!(
                    "{file} ({}) uses crate::{path} ({})",
                    LAYERS[layer_of(from)].0,
                    LAYERS[layer_of(to)].0
                ));
            }
            edges.entry(from).or_default().insert(to);
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_acyclic(&edges);
    assert_acyclic(&file_edges);
    // The check sees the tree: the batch layer uses the outputs, the glue
    // uses everything.
    assert!(edges["batch"].contains("render"), "{edges:?}");
    assert!(edges["commands"].contains("batch"), "{edges:?}");
    assert!(
        file_edges["batch::verify"].contains("batch::manifest"),
        "{file_edges:?}"
    );
}
