//! The configuration table, `autobot_otel::ENV_VARIABLES`, is the one list
//! of the environment variables this crate reads:
//! - every name a build asks its lookup for is a row of the table, and each row
//!   is asked once per build (a lookup that records the names; builds with OTLP
//!   from the variables, off, in code, disabled, failing, with the GenAI metrics,
//!   an exemplar filter, a resource, `builder!()`, and `install()`);
//! - the README's configuration table is the table, rendered (same names, same
//!   effects and defaults, same order; rows with the same effect and default
//!   share a line), so the README lists every name and no other;
//! - no source file but `src/pipeline/env.rs` reads the process environment
//!   (except the bearer token of `http`, a variable the application names), and
//!   none asks the SDK to (its resource detectors, `EnvFilter`'s `RUST_LOG`);
//! - `with_env_lookup` covers every variable, the resource's too: a child
//!   process whose real environment sets them builds a pipeline that ignores
//!   them when given a lookup, and sees them when not.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use autobot_otel::exemplars::ExemplarFilter;
use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
use autobot_otel::{ENV_VARIABLES, EnvVariable};
use autobot_otel::{Telemetry, TelemetryBuilder};

/// The names a lookup was asked for, with how often.
#[derive(Clone, Default)]
struct Asked(Arc<Mutex<Vec<String>>>);

impl Asked {
    /// `builder` reading `vars` through a lookup that records each name asked.
    fn wrap(&self, builder: TelemetryBuilder, vars: &[(&str, &str)]) -> TelemetryBuilder {
        let vars: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let asked = self.0.clone();
        builder.with_env_lookup(move |name| {
            asked.lock().unwrap().push(name.to_string());
            vars.get(name).cloned()
        })
    }

    /// Asserts that every name asked is in the table and that each row was
    /// asked exactly `builds` times, then forgets them.
    fn check(&self, case: &str, builds: usize) {
        let asked = std::mem::take(&mut *self.0.lock().unwrap());
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for name in &asked {
            assert!(
                ENV_VARIABLES.iter().any(|v| v.name == name),
                "{case}: `{name}` was read but is not in pipeline::ENV_VARIABLES"
            );
            *counts.entry(name).or_default() += 1;
        }
        for v in ENV_VARIABLES {
            assert_eq!(
                counts.get(v.name).copied().unwrap_or(0),
                builds,
                "{case}: `{}` read a different number of times than builds",
                v.name
            );
        }
    }
}

#[test]
fn every_name_a_build_reads_is_in_the_table() {
    let asked = Asked::default();
    let local = || Telemetry::builder().with_shutdown_timeout(Duration::from_secs(5));

    // OTLP from the variables: pushing (to a port nothing listens on).
    let t = asked
        .wrap(
            local(),
            &[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
                ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc"),
                ("OTEL_METRIC_EXPORT_INTERVAL", "3600000"),
                ("OTEL_SERVICE_NAME", "env-table"),
                ("OTEL_RESOURCE_ATTRIBUTES", "team=ai"),
            ],
        )
        .build()
        .unwrap();
    assert!(t.otlp_settings().is_some());
    let _ = t.shutdown(); // the last export may fail: nothing listens
    asked.check("OTLP from the variables", 1);

    // OTLP off, and OTLP in code.
    let t = asked.wrap(local().without_otlp(), &[]).build().unwrap();
    assert!(t.otlp_settings().is_none());
    let settings = OtlpSettings::new("http://127.0.0.1:9", OtlpProtocol::HttpProtobuf)
        .with_export_interval(Duration::from_secs(3600));
    let t = asked
        .wrap(local().with_otlp(settings), &[])
        .build()
        .unwrap();
    let _ = t.shutdown();
    asked.check("OTLP off, OTLP in code", 2);

    // Disabled by the variable and in code.
    let disabled = [("OTEL_SDK_DISABLED", "true")];
    assert!(!asked.wrap(local(), &disabled).build().unwrap().is_enabled());
    let t = asked.wrap(local().enabled(false), &[]).build().unwrap();
    assert!(!t.is_enabled());
    asked.check("disabled", 2);

    // A build that fails.
    let bad = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon"),
    ];
    asked.wrap(local(), &bad).build().unwrap_err();
    asked.check("failing", 1);

    // The GenAI switches, an exemplar filter, builder!().
    let genai = [("AUTOBOT_OTEL_GENAI_METRICS", "true")];
    let t = asked.wrap(local().without_otlp(), &genai).build().unwrap();
    assert!(t.metrics().genai_metrics_enabled());
    let opt_in = [
        (
            "OTEL_SEMCONV_STABILITY_OPT_IN",
            "gen_ai_latest_experimental",
        ),
        ("OTEL_METRICS_EXEMPLAR_FILTER", "always_on"),
    ];
    let t = asked.wrap(local().without_otlp(), &opt_in).build().unwrap();
    assert!(t.metrics().genai_metrics_enabled());
    assert_eq!(t.exemplar_filter(), ExemplarFilter::AlwaysOn);
    let t = asked
        .wrap(autobot_otel::builder!().without_otlp(), &[])
        .build()
        .unwrap();
    assert!(
        t.render(autobot_otel::Exposition::Text)
            .contains("service_version=")
    );
    asked.check("genai, exemplars, builder!()", 3);
}

/// `install()` reads through the lookup too, `RUST_LOG` for its subscriber
/// included (the only test of this binary that installs the global pipeline).
#[test]
fn install_reads_through_the_lookup() {
    let asked = Asked::default();
    let guard = asked
        .wrap(
            Telemetry::builder(),
            &[("OTEL_SERVICE_NAME", "installed"), ("RUST_LOG", "off")],
        )
        .install()
        .unwrap();
    asked.check("install", 1);
    assert!(
        autobot_otel::global()
            .render(autobot_otel::Exposition::Text)
            .contains(r#"service_name="installed""#)
    );
    guard.shutdown().unwrap();
}

/// One README row: the names of its first cell, its effect and its default.
type Row = (Vec<String>, String, String);

/// The rows of the first table of the README's "## Configuration" section.
fn readme_rows() -> Vec<Row> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let start = readme
        .find("\n## Configuration\n")
        .expect("a configuration section");
    let section = &readme[start + 1..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    let rows: Vec<Row> = section
        .lines()
        .skip_while(|l| !l.starts_with("| variable |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|line| {
            let cells: Vec<&str> = line.split(" | ").collect();
            assert_eq!(cells.len(), 3, "a row of three cells: {line}");
            let names = cells[0]
                .trim_start_matches("| ")
                .split(", ")
                .map(|n| n.trim_matches('`').to_string())
                .collect();
            let default = cells[2].trim_end_matches(" |").to_string();
            (names, cells[1].to_string(), default)
        })
        .collect();
    assert!(rows.len() > 10, "found the table: {rows:?}");
    rows
}

/// The README's rows as the table gives them.
fn rendered_rows() -> Vec<Row> {
    let mut rows: Vec<Row> = Vec::new();
    for EnvVariable {
        name,
        effect,
        default,
        ..
    } in ENV_VARIABLES.iter().copied()
    {
        match rows.last_mut() {
            Some((names, e, d)) if e == effect && d == default => names.push(name.to_string()),
            _ => rows.push((
                vec![name.to_string()],
                effect.to_string(),
                default.to_string(),
            )),
        }
    }
    rows
}

#[test]
fn the_readme_lists_the_table() {
    let (readme, table) = (readme_rows(), rendered_rows());
    let names = |rows: &[Row]| -> Vec<String> {
        let mut names: Vec<String> = rows.iter().flat_map(|r| r.0.clone()).collect();
        names.sort();
        names
    };
    assert_eq!(
        names(&readme),
        names(&table),
        "the README's configuration table names other variables than pipeline::ENV_VARIABLES"
    );
    let markdown = |rows: &[Row]| -> Vec<String> {
        rows.iter()
            .map(|(names, effect, default)| {
                let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                format!("| {} | {effect} | {default} |", names.join(", "))
            })
            .collect()
    };
    let (readme, table) = (markdown(&readme), markdown(&table));
    if let Some((have, want)) = readme.iter().zip(&table).find(|(a, b)| a != b) {
        panic!(
            "the README's configuration table differs from pipeline::ENV_VARIABLES:\n  \
             README: {have}\n  table:  {want}\nits rows are:\n{}",
            table.join("\n")
        );
    }
    assert_eq!(readme.len(), table.len(), "{}", table.join("\n"));
}

/// Lines of `src` that read the process environment or ask a library to.
#[test]
fn only_the_table_reads_the_environment() {
    const READS: [&str; 9] = [
        "env::var(",
        "env::var_os(",
        "env::vars(",
        "env::vars_os(",
        "from_default_env",
        "from_env_lossy",
        "Resource::builder()",
        "EnvResourceDetector",
        "SdkProvidedResourceDetector",
    ];
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let allowed = [
        // `process_env`, what the builder's default lookup is.
        src.join("pipeline/env.rs"),
        // `EndpointOptions::with_bearer_token_from_env(name)`: the application
        // names the variable and reads it by calling that.
        src.join("http/options.rs"),
    ];
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 20, "found the sources: {files:?}");
    let mut reads = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if READS.iter().any(|r| code.contains(r)) && !allowed.contains(file) {
                reads.push(format!("{}:{}: {line}", file.display(), number + 1));
            }
        }
    }
    assert!(reads.is_empty(), "read outside pipeline/env.rs: {reads:#?}");
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Set in the child process of [`the_lookup_covers_the_resource_variables`].
const CHILD_VAR: &str = "AUTOBOT_OTEL_ENV_TABLE_CHILD";

/// The variables of the child's real environment: each would show.
const PROCESS_ENV: [(&str, &str); 7] = [
    ("OTEL_SDK_DISABLED", "true"),
    ("OTEL_SERVICE_NAME", "from-process"),
    (
        "OTEL_RESOURCE_ATTRIBUTES",
        "team=process,service.version=6.6.6",
    ),
    ("AUTOBOT_OTEL_GENAI_METRICS", "true"),
    ("OTEL_METRICS_EXEMPLAR_FILTER", "always_on"),
    ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:9"),
    ("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon"),
];

#[test]
fn the_lookup_covers_the_resource_variables() {
    if std::env::var_os(CHILD_VAR).is_some() {
        return; // Only the parent runs this.
    }
    let mut child = std::process::Command::new(std::env::current_exe().unwrap());
    child
        .args([
            "--exact",
            "child_builds_with_and_without_a_lookup",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_VAR, "1");
    for (name, value) in PROCESS_ENV {
        child.env(name, value);
    }
    let output = child.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "child failed:\n{stdout}\n{stderr}"
    );
}

/// The child half of [`the_lookup_covers_the_resource_variables`]: a no-op
/// unless [`CHILD_VAR`] is set.
#[test]
fn child_builds_with_and_without_a_lookup() {
    if std::env::var_os(CHILD_VAR).is_none() {
        return;
    }
    // Through an empty lookup: none of the process's variables is read.
    let t = autobot_otel::builder!()
        .with_env_lookup(|_| None)
        .build()
        .expect("the invalid protocol is not read");
    assert!(t.is_enabled());
    assert!(t.otlp_settings().is_none());
    assert!(!t.metrics().genai_metrics_enabled());
    assert_eq!(t.exemplar_filter(), ExemplarFilter::AlwaysOff);
    let text = t.render(autobot_otel::Exposition::Text);
    let info = text
        .lines()
        .find(|l| l.starts_with("target_info{"))
        .unwrap();
    assert!(info.contains(r#"service_name="autobot""#), "{info}");
    assert!(!info.contains("team="), "{info}");
    let version = format!(r#"service_version="{}""#, env!("CARGO_PKG_VERSION"));
    assert!(info.contains(&version), "{info}");

    // From the process environment, each shows.
    let t = autobot_otel::builder!()
        .without_otlp()
        .enabled(true)
        .build()
        .unwrap();
    assert!(t.metrics().genai_metrics_enabled());
    assert_eq!(t.exemplar_filter(), ExemplarFilter::AlwaysOn);
    let text = t.render(autobot_otel::Exposition::Text);
    let info = text
        .lines()
        .find(|l| l.starts_with("target_info{"))
        .unwrap();
    assert!(info.contains(r#"service_name="from-process""#), "{info}");
    assert!(info.contains(r#"team="process""#), "{info}");
    assert!(info.contains(r#"service_version="6.6.6""#), "{info}");
    assert!(
        !Telemetry::builder()
            .without_otlp()
            .build()
            .unwrap()
            .is_enabled()
    );
    let err = Telemetry::builder().build().unwrap_err().to_string();
    assert!(err.contains("OTEL_EXPORTER_OTLP_PROTOCOL"), "{err}");
    println!("child: the lookup covered every variable");
}
