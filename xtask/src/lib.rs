//! Generators of the files derived from the metric catalog.
//!
//! Every generated file (or generated block inside a hand-written file) is listed
//! by [`generated_files`]; `cargo xtask gen` writes them and `cargo xtask check`
//! (and the test `generated_files_are_current`) fails when a committed file differs.

pub mod grafana;
pub mod guide_queries;
pub mod public_api;
pub mod runtime_reference;
pub mod slo_dashboard;
pub mod slo_rules;
pub mod slo_specs;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use autobot_otel::catalog::genai::GENAI_METRICS;
use autobot_otel::catalog::{CATALOG, Category, GUIDE_METRICS, Kind, Source, in_category};
use autobot_otel_catalog::naming::unit_suffix;

/// Start marker of the generated metric reference inside `README.md`.
pub const REFERENCE_BEGIN: &str =
    "<!-- BEGIN GENERATED: metric reference (cargo xtask gen; do not edit) -->";
/// End marker of the generated metric reference inside `README.md`.
pub const REFERENCE_END: &str = "<!-- END GENERATED: metric reference -->";

/// Where the generated Grafana dashboards live.
pub const DASHBOARDS_DIR: &str = "collector-config/grafana/dashboards";

/// A file the catalog determines, in whole or between markers.
#[derive(Debug, Clone)]
pub struct Generated {
    /// Path relative to the workspace root.
    pub path: PathBuf,
    /// The expected full content of the file.
    pub content: String,
}

/// The workspace root (parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// The metric reference: one table per category, then the GenAI conventions'
/// metrics.
pub fn metric_reference() -> String {
    let mut out = String::new();
    let extensions = CATALOG.len() - GUIDE_METRICS;
    let _ = writeln!(
        out,
        "{} metrics in {} categories: the {GUIDE_METRICS} of the usage guide and {extensions} \
         extensions (source `extension`: named as AutoBot's own implementation names them; \
         they have series only once something records them). OTel name and unit are what \
         OTLP carries; the standard OTLP-to-Prometheus translation turns them into the \
         Prometheus name (unit suffix for `s`, `By`, `1`; `_total` for counters; units in \
         braces add nothing). A label whose values form a fixed set lists them (its \
         vocabulary, the `labels` enum of the same values); the others take any value. \
         Change a histogram's buckets with `TelemetryBuilder::with_buckets`, a series limit \
         with `with_series_limit`.\n",
        CATALOG.len(),
        Category::ALL.len()
    );
    for (i, cat) in Category::ALL.iter().enumerate() {
        let _ = writeln!(out, "#### {}. {}\n", i + 1, cat.title());
        out.push_str(
            "| Prometheus name | Type | Labels | OTel name | Unit | Series limit | Source | Help |\n",
        );
        out.push_str("|---|---|---|---|---|---|---|---|\n");
        for def in in_category(*cat) {
            let labels: Vec<String> = def
                .labels
                .iter()
                .zip(def.vocabularies)
                .map(|(l, vocabulary)| match vocabulary {
                    Some(values) => {
                        let values: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
                        format!("`{l}` ({})", values.join(" \\| "))
                    }
                    None => format!("`{l}`"),
                })
                .collect();
            let mut help = def.help.to_string();
            if def.kind == Kind::Histogram {
                let buckets: Vec<String> = def.buckets.iter().map(|b| b.to_string()).collect();
                let _ = write!(help, "; buckets: {}", buckets.join(", "));
            }
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | `{}` | `{}`{} | {} | {} | {} |",
                def.name,
                def.kind,
                labels.join(", "),
                def.otel_name(),
                def.unit,
                unit_suffix(def.unit)
                    .map(|s| format!(" (`_{s}`)"))
                    .unwrap_or_default(),
                def.max_series,
                match def.source {
                    Source::Extension => "**extension**",
                    source => source.as_str(),
                },
                help.replace('|', "\\|"),
            );
        }
        out.push('\n');
    }
    out.push_str(&genai_reference());
    out.push_str(&runtime_reference::runtime_reference());
    out
}

/// The GenAI conventions' metrics: OTel name (the contract), the Prometheus
/// name it translates to, attributes, buckets.
pub fn genai_reference() -> String {
    let mut out = String::from(
        "#### OpenTelemetry GenAI conventions (opt-in)\n\n\
         Recorded with `TelemetryBuilder::with_genai_metrics(true)` or \
         `AUTOBOT_OTEL_GENAI_METRICS=true` (see \"GenAI conventions\"). The OTel name is the \
         contract here; attributes without a known value are left out.\n\n\
         | OTel name | Prometheus name | Type | Unit | Attributes (Prometheus labels) | Series limit | Buckets (advisory) |\n\
         |---|---|---|---|---|---|---|\n",
    );
    for def in GENAI_METRICS {
        let attributes: Vec<String> = def
            .labels
            .iter()
            .zip(def.prometheus_labels())
            .map(|(a, label)| format!("`{a}` (`{label}`)"))
            .collect();
        let buckets: Vec<String> = def.buckets.iter().map(|b| b.to_string()).collect();
        let _ = writeln!(
            out,
            "| `{}` | `{}` | histogram{} | `{}` | {} | {} | {} |",
            def.name,
            def.prometheus_name(),
            if def.streaming_only {
                " (streams only)"
            } else {
                ""
            },
            def.unit,
            attributes.join(", "),
            def.max_series,
            buckets.join(", "),
        );
    }
    out.push('\n');
    out
}

/// Start marker of the generated attribute table inside `README.md`.
pub const ATTRIBUTES_BEGIN: &str =
    "<!-- BEGIN GENERATED: attribute reference (cargo xtask gen; do not edit) -->";
/// End marker of the generated attribute table inside `README.md`.
pub const ATTRIBUTES_END: &str = "<!-- END GENERATED: attribute reference -->";

/// The attributes: what each records, its labels, and the `status` values it
/// writes (on the counter's `status` label and the span's `autobot.status` alike).
pub fn attribute_reference() -> String {
    use autobot_otel_catalog::instrument::{ArgDefault, INSTRUMENTS, NamePart};
    let mut out = String::from(
        "| attribute | records | label arguments (default) | span-only arguments | `status` / `autobot.status`: success, failure, cancelled | span name (`otel.name`) | span kind | GenAI conventions (opt-in) |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for spec in INSTRUMENTS {
        let metrics: Vec<String> = spec
            .metrics()
            .map(|id| format!("`{}`", id.def().name))
            .collect();
        let args: Vec<String> = spec
            .args
            .iter()
            .map(|a| match a.default {
                ArgDefault::FnName => format!("`{}` (fn name)", a.name),
                ArgDefault::Literal(v) => format!("`{}` (`{v}`)", a.name),
                ArgDefault::Required => format!("`{}` (required)", a.name),
            })
            .collect();
        let span_only: Vec<String> = spec
            .span_args
            .iter()
            .map(|a| {
                let remote = if a.remote_only {
                    ", with `remote = true`"
                } else {
                    ""
                };
                format!("`{}` (`{}`{remote})", a.name, a.field)
            })
            .chain(
                spec.remote_kind
                    .map(|k| format!("`remote` (kind `{}`)", k.as_str())),
            )
            .collect();
        let span_name = if spec.span_name.is_empty() {
            "the fn name".to_string()
        } else {
            let parts: Vec<String> = spec
                .span_name
                .iter()
                .map(|p| match p {
                    NamePart::Literal(text) => text.to_string(),
                    NamePart::Arg(name) => format!("{{{name}}}"),
                })
                .collect();
            format!("`{}`", parts.join(" "))
        };
        let genai = match (spec.genai, spec.genai_duration) {
            (true, _) => "the `gen_ai.client.*` metrics".to_string(),
            (false, Some(id)) => format!("`{}`", id.def().name),
            (false, None) => "—".to_string(),
        };
        let status = spec.span_status();
        let on = if spec.status.is_some() {
            "label and span"
        } else {
            "span only"
        };
        let _ = writeln!(
            out,
            "| `#[{}]` | {} | {} | {} | `{}`, `{}`, `{}` ({on}) | {span_name} | {} | {genai} |",
            spec.attribute,
            metrics.join(", "),
            args.join(", "),
            if span_only.is_empty() {
                "—".to_string()
            } else {
                span_only.join(", ")
            },
            status.success,
            status.failure,
            status.cancelled,
            spec.span_kind.as_str(),
        );
    }
    out
}

/// Start marker of the generated self-metric table inside `README.md`.
pub const SELF_METRICS_BEGIN: &str =
    "<!-- BEGIN GENERATED: self-metrics (cargo xtask gen; do not edit) -->";
/// End marker of the generated self-metric table inside `README.md`.
pub const SELF_METRICS_END: &str = "<!-- END GENERATED: self-metrics -->";

/// The self-metrics: name, type, labels, what they count, when present.
pub fn self_metric_reference() -> String {
    use autobot_otel::catalog::self_metrics::SELF_METRICS;
    let mut out = String::from(
        "| Prometheus name | Type | Labels | What it counts | Present |\n|---|---|---|---|---|\n",
    );
    for def in SELF_METRICS {
        let labels: Vec<String> = def.labels.iter().map(|l| format!("`{l}`")).collect();
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} |",
            def.name,
            def.kind,
            if labels.is_empty() {
                "—".to_string()
            } else {
                labels.join(", ")
            },
            def.help.replace('|', "\\|"),
            def.present.unwrap_or_default(),
        );
    }
    out
}

/// Replaces the text between `begin` and `end` in `text`.
pub fn splice(text: &str, begin: &str, end: &str, body: &str) -> Result<String, String> {
    let start = text
        .find(begin)
        .ok_or_else(|| format!("marker `{begin}` not found"))?;
    let stop = text
        .find(end)
        .ok_or_else(|| format!("marker `{end}` not found"))?;
    if stop < start {
        return Err("end marker before begin marker".into());
    }
    Ok(format!(
        "{}{begin}\n{body}{}",
        &text[..start],
        &text[stop..]
    ))
}

/// Every generated file with its expected content, computed from the current tree.
pub fn generated_files(root: &Path) -> Result<Vec<Generated>, String> {
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path).map_err(|e| format!("README.md: {e}"))?;
    let readme = splice(&readme, REFERENCE_BEGIN, REFERENCE_END, &metric_reference())?;
    let readme = splice(
        &readme,
        ATTRIBUTES_BEGIN,
        ATTRIBUTES_END,
        &attribute_reference(),
    )?;
    let readme = splice(
        &readme,
        SELF_METRICS_BEGIN,
        SELF_METRICS_END,
        &self_metric_reference(),
    )?;
    let mut files = vec![Generated {
        path: PathBuf::from("README.md"),
        content: readme,
    }];
    let queries = std::fs::read_to_string(root.join("docs/guide-queries.md"))
        .map_err(|e| format!("docs/guide-queries.md: {e}"))?;
    let rules = grafana::rules::read(root)?;
    for (name, board) in grafana::dashboards(&guide_queries::parse(&queries)?, &rules)? {
        let json = serde_json::to_string_pretty(&board).map_err(|e| e.to_string())?;
        files.push(Generated {
            path: PathBuf::from(DASHBOARDS_DIR).join(name),
            content: json + "\n",
        });
    }
    files.push(Generated {
        path: PathBuf::from(DASHBOARDS_DIR).join(slo_dashboard::SLO_DASHBOARD),
        content: serde_json::to_string_pretty(&slo_dashboard::dashboard())
            .map_err(|e| e.to_string())?
            + "\n",
    });
    let alertmanager = std::fs::read_to_string(root.join(slo_rules::ALERTMANAGER_FILE))
        .map_err(|e| format!("{}: {e}", slo_rules::ALERTMANAGER_FILE))?;
    for (path, content) in slo_rules::generated(&alertmanager)?
        .into_iter()
        .chain(slo_specs::generated())
    {
        files.push(Generated {
            path: path.into(),
            content,
        });
    }
    Ok(files)
}

/// The generated files whose committed content differs.
pub fn stale_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let mut stale = Vec::new();
    for file in generated_files(root)? {
        let current = std::fs::read_to_string(root.join(&file.path)).unwrap_or_default();
        if current != file.content {
            stale.push(file.path);
        }
    }
    Ok(stale)
}

/// The declared MSRV (`rust-version` of the workspace) and every locked
/// dependency that declares a higher one, from `cargo metadata`. The stated MSRV
/// is checked in two parts: no dependency needs a newer Rust (here), and clippy's
/// `incompatible_msrv` lint (on by default, `-D warnings` in CI) flags any
/// standard-library API newer than it in our own code.
pub fn msrv_violations(root: &Path) -> Result<(String, Vec<String>), String> {
    let output =
        std::process::Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["metadata", "--format-version", "1", "--locked"])
            .current_dir(root)
            .output()
            .map_err(|e| format!("cargo metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let meta: serde_json::Value =
        serde_json::from_slice(&output.stdout).map_err(|e| format!("cargo metadata: {e}"))?;
    let version = |v: &str| -> Vec<u64> { v.split('.').map(|p| p.parse().unwrap_or(0)).collect() };
    let packages = meta["packages"].as_array().cloned().unwrap_or_default();
    let ours = packages
        .iter()
        .find(|p| p["name"] == "autobot-otel")
        .and_then(|p| p["rust_version"].as_str())
        .ok_or("autobot-otel declares no rust-version")?
        .to_string();
    let mut newer: Vec<String> = packages
        .iter()
        .filter_map(|p| {
            let rv = p["rust_version"].as_str()?;
            (version(rv) > version(&ours)).then(|| {
                format!(
                    "{} {} needs Rust {rv}",
                    p["name"].as_str().unwrap_or("?"),
                    p["version"].as_str().unwrap_or("?")
                )
            })
        })
        .collect();
    newer.sort();
    Ok((ours, newer))
}
