//! The facade's public recording methods, read from the source (never listed by
//! hand): every `pub fn` of every `impl MetricsManager { ... }` block under
//! `autobot-otel/src`, parsed with `syn`. Shared by the tests that hold the
//! API against a table (`guide_contract`, `label_cleaning`).

// Each test that includes this module reads only some of its fields.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use quote::ToTokens;
use syn::ext::IdentExt;

/// A public method of an `impl MetricsManager` block.
#[derive(Debug, Clone)]
pub struct Method {
    /// Parameter names, without `self`.
    pub params: Vec<String>,
    /// Parameter types as written (tokens), in the same order.
    pub types: Vec<String>,
    /// The file it is in, relative to the workspace.
    pub file: String,
}

/// Every public method by name.
pub type Facade = BTreeMap<String, Method>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn is_metrics_manager(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) => {
            p.qself.is_none()
                && p.path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "MetricsManager")
        }
        syn::Type::Group(g) => is_metrics_manager(&g.elem),
        syn::Type::Paren(p) => is_metrics_manager(&p.elem),
        _ => false,
    }
}

fn collect_methods(items: &[syn::Item], file: &str, out: &mut Facade) {
    for item in items {
        match item {
            syn::Item::Impl(block)
                if block.trait_.is_none() && is_metrics_manager(&block.self_ty) =>
            {
                for member in &block.items {
                    let syn::ImplItem::Fn(f) = member else {
                        continue;
                    };
                    if !matches!(f.vis, syn::Visibility::Public(_)) {
                        continue;
                    }
                    let (params, types) = f
                        .sig
                        .inputs
                        .iter()
                        .filter_map(|input| match input {
                            syn::FnArg::Receiver(_) => None,
                            syn::FnArg::Typed(t) => Some((
                                match &*t.pat {
                                    syn::Pat::Ident(p) => p.ident.unraw().to_string(),
                                    _ => "_".to_string(),
                                },
                                t.ty.to_token_stream().to_string(),
                            )),
                        })
                        .unzip();
                    out.entry(f.sig.ident.unraw().to_string())
                        .or_insert(Method {
                            params,
                            types,
                            file: file.to_string(),
                        });
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_methods(items, file, out);
                }
            }
            _ => {}
        }
    }
}

/// The public methods of every `impl MetricsManager` block under `src`.
pub fn facade_methods(workspace: &Path, src: &Path) -> Facade {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut out = Facade::new();
    for path in files {
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let file = syn::parse_file(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
        let rel = path
            .strip_prefix(workspace)
            .unwrap_or(&path)
            .display()
            .to_string();
        collect_methods(&file.items, &rel, &mut out);
    }
    out
}
