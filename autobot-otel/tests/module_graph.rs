//! The facade's modules form no import cycle: helpers live below their users.
//! Reads every file of `src/`, takes the `crate::<module>` and (in top-level
//! modules) `super::<module>` references outside comments as edges between
//! top-level modules, and fails on a strongly connected component of more than
//! one module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`crate` for lib.rs).
fn owner(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel
        .components()
        .next()
        .unwrap()
        .as_os_str()
        .to_string_lossy();
    let first = first.trim_end_matches(".rs");
    if first == "lib" {
        "crate".into()
    } else {
        first.to_string()
    }
}

/// Identifiers following `prefix` in `text` with line comments removed.
fn references<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().last();
            rest = &rest[at + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let end = rest
                .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
                .unwrap_or(rest.len());
            if end > 0 {
                out.push(&rest[..end]);
            }
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let top: BTreeSet<String> = files
        .iter()
        .map(|f| owner(&src, f))
        .filter(|m| m != "crate")
        .collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let from = owner(&src, file);
        let text = std::fs::read_to_string(file).unwrap();
        let top_level = file.parent() == Some(src.as_path())
            || file.ends_with("mod.rs")
                && file.parent().and_then(Path::parent) == Some(src.as_path());
        let mut targets = references(&text, "crate::");
        if top_level {
            targets.extend(references(&text, "super::"));
        }
        for to in targets {
            if top.contains(to) && to != from {
                edges
                    .entry(from.clone())
                    .or_default()
                    .insert(to.to_string());
            }
        }
    }
    edges
}

/// Strongly connected components of more than one node (Tarjan).
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct State<'a> {
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        out: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on.insert(v);
        if let Some(next) = s.edges.get(v) {
            for w in next {
                let w = w.as_str();
                if !s.index.contains_key(w) {
                    visit(s, w);
                    let low = s.low[v].min(s.low[w]);
                    s.low.insert(v, low);
                } else if s.on.contains(w) {
                    let low = s.low[v].min(s.index[w]);
                    s.low.insert(v, low);
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                component.push(w.to_string());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort();
                s.out.push(component);
            }
        }
    }
    let mut state = State {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.out
}

#[test]
fn the_modules_form_no_cycle() {
    let edges = graph();
    assert!(
        edges.len() > 10,
        "the scan finds the module graph: {edges:?}"
    );
    let found = cycles(&edges);
    assert!(
        found.is_empty(),
        "import cycles: {found:?}\nedges: {edges:#?}"
    );
}

#[test]
fn the_scan_sees_a_cycle() {
    let mut edges = graph();
    edges
        .entry("labels".into())
        .or_default()
        .insert("manager".into());
    edges
        .entry("manager".into())
        .or_default()
        .insert("labels".into());
    assert!(!cycles(&edges).is_empty(), "a planted cycle is found");
}
