//! Structural checks of the OpenTelemetry Collector configurations in
//! `collector-config/otelcol`.
//!
//! `otelcol-contrib` is not packaged for Debian, PyPI, npm or crates.io, so the test
//! suite cannot run it. These tests check, for every `*.yaml` in that folder, what can
//! be checked without it: the YAML parses and has only collector top-level keys; every
//! component a pipeline or `service.extensions` names is defined, and every defined
//! one is used; `memory_limiter` is the first and `batch` the last processor; the
//! listening ports are exactly those of the README's ports table; the Prometheus
//! exporters keep metric suffixes and leave resource attributes in `target_info`;
//! metrics are never load-balanced by trace ID; pipeline signal types are valid; and
//! every `${env:…}` variable is documented.
//!
//! Each check is a function that returns the problems it found, and the
//! `checker_selftest` module feeds each one a broken config to prove it can fail.

use std::collections::BTreeSet;
use std::path::PathBuf;

use autobot_otel_tests::repo_root;
use serde_yaml::Value;

/// Keys a collector configuration may have at the top level.
const TOP_LEVEL_KEYS: [&str; 6] = [
    "receivers",
    "processors",
    "exporters",
    "connectors",
    "extensions",
    "service",
];

/// Pipeline signal types (a pipeline id is `<signal>` or `<signal>/<name>`).
const SIGNALS: [&str; 3] = ["metrics", "traces", "logs"];

/// Exporter types that translate OTLP metrics to Prometheus names (old and new spelling).
const PROMETHEUS_EXPORTERS: [&str; 3] = [
    "prometheus",
    "prometheusremotewrite",
    "prometheus_remote_write",
];

/// Load-balancing exporter types (old and new spelling).
const LOADBALANCING_EXPORTERS: [&str; 2] = ["loadbalancing", "load_balancing"];

/// The header of the README's ports table.
const PORTS_TABLE_HEADER: [&str; 3] = ["file", "component", "port"];

/// The folder with the collector configurations.
fn otelcol_dir() -> PathBuf {
    repo_root().join("collector-config/otelcol")
}

/// One row of the README's ports table: `file` listens on `port` for `component`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct PortRow {
    /// Configuration file name, e.g. `agent.yaml`.
    file: String,
    /// Component id, with the protocol for receivers: `otlp (grpc)`, `prometheus`.
    component: String,
    /// The TCP port.
    port: u16,
}

/// A parsed configuration file.
struct Config {
    /// File name, used in problem messages and to select the ports table rows.
    file: String,
    /// The YAML document.
    doc: Value,
}

/// Parses a configuration; the error is the problem to report.
fn parse(file: &str, text: &str) -> Result<Config, String> {
    serde_yaml::from_str(text)
        .map(|doc| Config {
            file: file.to_string(),
            doc,
        })
        .map_err(|e| format!("{file}: not valid YAML: {e}"))
}

/// The component type of an id: `otlp` for `otlp/gateway`.
fn component_type(id: &str) -> &str {
    id.split_once('/').map_or(id, |(t, _)| t)
}

/// The string keys of a mapping (empty for null or a non-mapping).
fn keys(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_mapping)
        .into_iter()
        .flatten()
        .filter_map(|(k, _)| k.as_str().map(str::to_string))
        .collect()
}

/// The ids defined in a top-level section (`receivers`, `exporters`, ...).
fn defined(cfg: &Config, section: &str) -> BTreeSet<String> {
    keys(cfg.doc.get(section)).into_iter().collect()
}

/// The pipelines: id and body.
fn pipelines(cfg: &Config) -> Vec<(String, &Value)> {
    cfg.doc
        .get("service")
        .and_then(|s| s.get("pipelines"))
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.as_str().unwrap_or("<non-string key>").to_string(), v))
        .collect()
}

/// A list of component ids (`receivers: [otlp]`); a missing list is empty, anything
/// that is not a list of strings is a problem.
fn id_list(v: Option<&Value>, what: &str, problems: &mut Vec<String>) -> Vec<String> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Sequence(items)) => items
            .iter()
            .filter_map(|item| match item.as_str() {
                Some(s) => Some(s.to_string()),
                None => {
                    problems.push(format!("{what}: `{item:?}` is not a component id"));
                    None
                }
            })
            .collect(),
        Some(other) => {
            problems.push(format!("{what}: expected a list of ids, got `{other:?}`"));
            Vec::new()
        }
    }
}

/// The top-level keys are collector sections, sections are mappings with
/// well-formed `type[/name]` ids, and `service.pipelines` is a non-empty mapping.
fn check_top_level(cfg: &Config) -> Vec<String> {
    let f = &cfg.file;
    let Some(top) = cfg.doc.as_mapping() else {
        return vec![format!("{f}: the document is not a mapping")];
    };
    let mut problems = Vec::new();
    for (key, body) in top {
        let Some(key) = key.as_str().filter(|k| TOP_LEVEL_KEYS.contains(k)) else {
            problems.push(format!(
                "{f}: unknown top-level key `{key:?}` (allowed: {TOP_LEVEL_KEYS:?})"
            ));
            continue;
        };
        if key == "service" {
            continue;
        }
        match body {
            Value::Null => {}
            Value::Mapping(m) => {
                for id in m.keys() {
                    let ok = id.as_str().is_some_and(|id| {
                        let (t, name) = id.split_once('/').unwrap_or((id, "x"));
                        !t.is_empty() && !name.is_empty() && !name.contains('/')
                    });
                    if !ok {
                        problems.push(format!("{f}: {key}: `{id:?}` is not a `type[/name]` id"));
                    }
                }
            }
            other => problems.push(format!("{f}: `{key}` is not a mapping: `{other:?}`")),
        }
    }
    if pipelines(cfg).is_empty() {
        problems.push(format!("{f}: no `service.pipelines`"));
    }
    problems
}

/// Every id named in a pipeline or in `service.extensions` is defined in the
/// matching section (full `type/name` ids; connectors count as receivers and
/// exporters), and every pipeline has receivers and exporters.
fn check_references(cfg: &Config) -> Vec<String> {
    let f = &cfg.file;
    let mut problems = Vec::new();
    let connectors = defined(cfg, "connectors");
    let receivers = &defined(cfg, "receivers") | &connectors;
    let processors = defined(cfg, "processors");
    let exporters = &defined(cfg, "exporters") | &connectors;
    for (pipeline, body) in pipelines(cfg) {
        for (role, known) in [
            ("receivers", &receivers),
            ("processors", &processors),
            ("exporters", &exporters),
        ] {
            let what = format!("{f}: pipeline `{pipeline}` {role}");
            let ids = id_list(body.get(role), &what, &mut problems);
            if ids.is_empty() && role != "processors" {
                problems.push(format!("{what}: none"));
            }
            for id in ids.iter().filter(|id| !known.contains(*id)) {
                problems.push(format!("{what}: `{id}` is not defined"));
            }
        }
    }
    let what = format!("{f}: service.extensions");
    let enabled = id_list(
        cfg.doc.get("service").and_then(|s| s.get("extensions")),
        &what,
        &mut problems,
    );
    let extensions = defined(cfg, "extensions");
    for id in enabled.iter().filter(|id| !extensions.contains(*id)) {
        problems.push(format!("{what}: `{id}` is not defined"));
    }
    problems
}

/// Every defined receiver, processor and exporter is used by a pipeline, every
/// connector as both exporter and receiver, and every extension is enabled.
fn check_unused(cfg: &Config) -> Vec<String> {
    let f = &cfg.file;
    let mut ignored = Vec::new();
    let mut used = |role: &str| -> BTreeSet<String> {
        pipelines(cfg)
            .into_iter()
            .flat_map(|(_, body)| id_list(body.get(role), role, &mut ignored))
            .collect()
    };
    let used_receivers = used("receivers");
    let used_processors = used("processors");
    let used_exporters = used("exporters");
    let mut problems = Vec::new();
    for (section, used_ids) in [
        ("receivers", &used_receivers),
        ("processors", &used_processors),
        ("exporters", &used_exporters),
    ] {
        for id in defined(cfg, section).difference(used_ids) {
            problems.push(format!(
                "{f}: {section}: `{id}` is defined but no pipeline uses it"
            ));
        }
    }
    for id in defined(cfg, "connectors") {
        if !used_receivers.contains(&id) || !used_exporters.contains(&id) {
            problems.push(format!(
                "{f}: connectors: `{id}` must be an exporter of one pipeline and a receiver of another"
            ));
        }
    }
    let enabled: BTreeSet<String> = id_list(
        cfg.doc.get("service").and_then(|s| s.get("extensions")),
        "service.extensions",
        &mut ignored,
    )
    .into_iter()
    .collect();
    for id in defined(cfg, "extensions").difference(&enabled) {
        problems.push(format!(
            "{f}: extensions: `{id}` is defined but not in service.extensions"
        ));
    }
    problems
}

/// In every pipeline with processors, `memory_limiter` is first and `batch` last.
fn check_processor_order(cfg: &Config) -> Vec<String> {
    let f = &cfg.file;
    let mut problems = Vec::new();
    for (pipeline, body) in pipelines(cfg) {
        let what = format!("{f}: pipeline `{pipeline}` processors");
        let ids = id_list(body.get("processors"), &what, &mut problems);
        let (Some(first), Some(last)) = (ids.first(), ids.last()) else {
            continue;
        };
        if component_type(first) != "memory_limiter" {
            problems.push(format!("{what}: first is `{first}`, not memory_limiter"));
        }
        if component_type(last) != "batch" {
            problems.push(format!("{what}: last is `{last}`, not batch"));
        }
    }
    problems
}

/// Pipeline ids are `metrics`, `traces` or `logs`, optionally followed by `/name`.
fn check_signals(cfg: &Config) -> Vec<String> {
    let f = &cfg.file;
    pipelines(cfg)
        .into_iter()
        .filter(|(id, _)| {
            let (signal, name) = id.split_once('/').unwrap_or((id.as_str(), "x"));
            !SIGNALS.contains(&signal) || name.is_empty() || name.contains('/')
        })
        .map(|(id, _)| {
            format!("{f}: pipeline `{id}`: not `<signal>[/name]` with signal in {SIGNALS:?}")
        })
        .collect()
}

/// The Prometheus exporters keep type and unit suffixes (`add_metric_suffixes` not
/// false, no `translation_strategy` without suffixes) and do not copy resource
/// attributes onto every series (they stay in `target_info`, as the README explains).
fn check_prometheus_translation(cfg: &Config) -> Vec<String> {
    let f = &cfg.file;
    let mut problems = Vec::new();
    let exporters = cfg.doc.get("exporters");
    for id in keys(exporters) {
        if !PROMETHEUS_EXPORTERS.contains(&component_type(&id)) {
            continue;
        }
        let body = exporters.and_then(|e| e.get(id.as_str()));
        let setting = |key: &str| body.and_then(|b| b.get(key));
        if let Some(v) = setting("add_metric_suffixes").filter(|v| v.as_bool() != Some(true)) {
            problems.push(format!(
                "{f}: exporter `{id}`: add_metric_suffixes is `{v:?}`; metric suffixes must stay on"
            ));
        }
        if let Some(v) = setting("translation_strategy") {
            let s = v.as_str().unwrap_or_default();
            if s.contains("WithoutSuffixes") || s == "NoTranslation" || s.is_empty() {
                problems.push(format!(
                    "{f}: exporter `{id}`: translation_strategy `{v:?}` drops metric suffixes"
                ));
            }
        }
        let conversion = setting("resource_to_telemetry_conversion").and_then(|c| c.get("enabled"));
        if conversion.is_some_and(|v| v.as_bool() != Some(false)) {
            problems.push(format!(
                "{f}: exporter `{id}`: resource_to_telemetry_conversion is on; resource attributes stay in target_info"
            ));
        }
        if setting("resource_constant_labels").is_some() {
            problems.push(format!(
                "{f}: exporter `{id}`: resource_constant_labels copies resource attributes to labels; they stay in target_info"
            ));
        }
    }
    problems
}

/// A load-balancing exporter in a metrics pipeline has an explicit `routing_key` that
/// is not `traceID` (its README: "Don't use traceID in metric pipeline"; older
/// releases default to traceID).
fn check_loadbalancing_routing(cfg: &Config) -> Vec<String> {
    let f = &cfg.file;
    let mut problems = Vec::new();
    for (pipeline, body) in pipelines(cfg) {
        if component_type(&pipeline) != "metrics" {
            continue;
        }
        for id in id_list(body.get("exporters"), &pipeline, &mut Vec::new()) {
            if !LOADBALANCING_EXPORTERS.contains(&component_type(&id)) {
                continue;
            }
            let key = cfg
                .doc
                .get("exporters")
                .and_then(|e| e.get(id.as_str()))
                .and_then(|b| b.get("routing_key"))
                .and_then(Value::as_str);
            match key {
                None => problems.push(format!(
                    "{f}: pipeline `{pipeline}`: exporter `{id}` has no routing_key (older releases route by traceID)"
                )),
                Some("traceID") => problems.push(format!(
                    "{f}: pipeline `{pipeline}`: exporter `{id}` routes metrics by traceID"
                )),
                Some(_) => {}
            }
        }
    }
    problems
}

/// What the configuration listens on: (component, port). Receivers with a
/// `protocols` mapping give one entry per protocol (`otlp (grpc)`); other receivers,
/// extensions and `prometheus` exporters give their `endpoint`. A protocol without an
/// explicit endpoint, or an endpoint without a literal port, is a problem.
fn listening_ports(cfg: &Config, problems: &mut Vec<String>) -> BTreeSet<(String, u16)> {
    let f = &cfg.file;
    let mut endpoints: Vec<(String, Option<&Value>)> = Vec::new();
    let section = |name: &str| cfg.doc.get(name);
    for id in keys(section("receivers")) {
        let body = section("receivers").and_then(|r| r.get(id.as_str()));
        match body.and_then(|b| b.get("protocols")) {
            Some(protocols) => {
                for proto in keys(Some(protocols)) {
                    let endpoint = protocols
                        .get(proto.as_str())
                        .and_then(|p| p.get("endpoint"));
                    endpoints.push((format!("{id} ({proto})"), endpoint));
                }
            }
            None => endpoints.push((id.clone(), body.and_then(|b| b.get("endpoint")))),
        }
    }
    for id in keys(section("extensions")) {
        if let Some(endpoint) = section("extensions")
            .and_then(|e| e.get(id.as_str()))
            .and_then(|b| b.get("endpoint"))
        {
            endpoints.push((id, Some(endpoint)));
        }
    }
    for id in keys(section("exporters")) {
        if component_type(&id) == "prometheus" {
            let endpoint = section("exporters")
                .and_then(|e| e.get(id.as_str()))
                .and_then(|b| b.get("endpoint"));
            endpoints.push((id, endpoint));
        }
    }
    let mut out = BTreeSet::new();
    for (component, endpoint) in endpoints {
        let Some(endpoint) = endpoint.and_then(Value::as_str) else {
            problems.push(format!(
                "{f}: `{component}` has no explicit endpoint, so its port is not documented"
            ));
            continue;
        };
        match endpoint
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse::<u16>().ok())
        {
            Some(port) => {
                out.insert((component, port));
            }
            None => problems.push(format!(
                "{f}: `{component}` endpoint `{endpoint}` has no literal port"
            )),
        }
    }
    out
}

/// The listening ports are exactly the README table's rows for this file.
fn check_ports(cfg: &Config, documented: &[PortRow]) -> Vec<String> {
    let f = &cfg.file;
    let mut problems = Vec::new();
    let actual = listening_ports(cfg, &mut problems);
    let expected: BTreeSet<(String, u16)> = documented
        .iter()
        .filter(|row| &row.file == f)
        .map(|row| (row.component.clone(), row.port))
        .collect();
    for (component, port) in actual.difference(&expected) {
        problems.push(format!(
            "{f}: `{component}` listens on {port}, which the README's ports table does not list"
        ));
    }
    for (component, port) in expected.difference(&actual) {
        problems.push(format!(
            "{f}: the README's ports table lists `{component}` on {port}, which the config does not listen on"
        ));
    }
    problems
}

/// The environment variables referenced as `${env:NAME...}`.
fn env_vars(text: &str) -> BTreeSet<String> {
    text.split("${env:")
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

/// Every referenced environment variable appears in the README as `` `NAME` ``.
fn check_env_documented(file: &str, text: &str, readme: &str) -> Vec<String> {
    env_vars(text)
        .into_iter()
        .filter(|name| !readme.contains(&format!("`{name}`")))
        .map(|name| format!("{file}: ${{env:{name}}} is not documented in the README"))
        .collect()
}

/// Parses the README's ports table: the first table whose header is
/// `| file | component | port |`.
fn parse_ports_table(readme: &str) -> Result<Vec<PortRow>, String> {
    let cells = |line: &str| -> Option<Vec<String>> {
        let inner = line.trim().strip_prefix('|')?.strip_suffix('|')?;
        Some(
            inner
                .split('|')
                .map(|c| c.trim().trim_matches('`').to_string())
                .collect(),
        )
    };
    let mut lines = readme.lines();
    lines
        .by_ref()
        .find(|l| cells(l).is_some_and(|c| c == PORTS_TABLE_HEADER))
        .ok_or("no `| file | component | port |` table in the README")?;
    let separator = lines.next().and_then(cells).unwrap_or_default();
    if separator.len() != 3
        || !separator
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| ch == '-' || ch == ':'))
    {
        return Err("the ports table header is not followed by a separator row".into());
    }
    let mut rows = Vec::new();
    for line in lines {
        let Some(c) = cells(line) else { break };
        let [file, component, port] = c.as_slice() else {
            return Err(format!("ports table row `{line}` does not have 3 cells"));
        };
        let port = port
            .parse()
            .map_err(|_| format!("ports table row `{line}`: `{port}` is not a port"))?;
        rows.push(PortRow {
            file: file.clone(),
            component: component.clone(),
            port,
        });
    }
    if rows.is_empty() {
        return Err("the ports table has no rows".into());
    }
    Ok(rows)
}

/// Every check that needs only the parsed configuration.
fn check_config(cfg: &Config) -> Vec<String> {
    [
        check_top_level(cfg),
        check_references(cfg),
        check_unused(cfg),
        check_processor_order(cfg),
        check_signals(cfg),
        check_prometheus_translation(cfg),
        check_loadbalancing_routing(cfg),
    ]
    .concat()
}

/// Every check, on one file's text.
fn check_all(file: &str, text: &str, readme: &str, documented: &[PortRow]) -> Vec<String> {
    let mut problems = check_env_documented(file, text, readme);
    match parse(file, text) {
        Ok(cfg) => {
            problems.extend(check_config(&cfg));
            problems.extend(check_ports(&cfg, documented));
        }
        Err(e) => problems.push(e),
    }
    problems
}

// ---------------------------------------------------------------------------------
// The shipped files.
// ---------------------------------------------------------------------------------

/// The shipped configurations: (file name, text), sorted by name.
fn shipped() -> Vec<(String, String)> {
    let dir = otelcol_dir();
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, text)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no *.yaml in {}", dir.display());
    out
}

fn shipped_readme() -> String {
    let path = otelcol_dir().join("README.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The shipped configurations, parsed (parse errors fail the calling test).
fn shipped_configs() -> Vec<Config> {
    shipped()
        .into_iter()
        .map(|(file, text)| parse(&file, &text).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// Runs a per-config check on every shipped file and fails with all problems.
fn assert_clean(check: fn(&Config) -> Vec<String>) {
    let problems: Vec<String> = shipped_configs().iter().flat_map(check).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn configs_parse_with_only_collector_top_level_keys() {
    assert_clean(check_top_level);
}

#[test]
fn every_named_component_is_defined() {
    assert_clean(check_references);
}

#[test]
fn every_defined_component_is_used() {
    assert_clean(check_unused);
}

#[test]
fn memory_limiter_is_first_and_batch_last() {
    assert_clean(check_processor_order);
}

#[test]
fn pipeline_signal_types_are_valid() {
    assert_clean(check_signals);
}

#[test]
fn prometheus_exporters_keep_suffixes_and_target_info() {
    assert_clean(check_prometheus_translation);
}

#[test]
fn metrics_are_not_load_balanced_by_trace_id() {
    assert_clean(check_loadbalancing_routing);
}

#[test]
fn listening_ports_match_the_readme_table() {
    let documented = parse_ports_table(&shipped_readme()).unwrap_or_else(|e| panic!("{e}"));
    let configs = shipped_configs();
    let mut problems: Vec<String> = configs
        .iter()
        .flat_map(|cfg| check_ports(cfg, &documented))
        .collect();
    let files: BTreeSet<&str> = configs.iter().map(|c| c.file.as_str()).collect();
    for row in documented
        .iter()
        .filter(|r| !files.contains(r.file.as_str()))
    {
        problems.push(format!(
            "the README's ports table lists `{}`, which does not exist",
            row.file
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn env_vars_are_documented_in_the_readme() {
    let readme = shipped_readme();
    let problems: Vec<String> = shipped()
        .iter()
        .flat_map(|(file, text)| check_env_documented(file, text, &readme))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The choices the README documents: what each tier sends where, and how.
#[test]
fn tiers_are_wired_as_documented() {
    let configs = shipped_configs();
    let find = |name: &str| {
        configs
            .iter()
            .find(|c| c.file == name)
            .unwrap_or_else(|| panic!("{name} is missing"))
    };
    let pipeline_ids = |cfg: &Config, pipeline: &str, role: &str| -> Vec<String> {
        let body = pipelines(cfg)
            .into_iter()
            .find(|(id, _)| id == pipeline)
            .unwrap_or_else(|| panic!("{}: no `{pipeline}` pipeline", cfg.file))
            .1;
        id_list(body.get(role), pipeline, &mut Vec::new())
    };
    let setting = |cfg: &Config, exporter: &str, key: &str| -> Option<String> {
        cfg.doc
            .get("exporters")?
            .get(exporter)?
            .get(key)?
            .as_str()
            .map(str::to_string)
    };

    let agent = find("agent.yaml");
    assert_eq!(
        pipeline_ids(agent, "metrics", "exporters"),
        ["prometheus", "prometheusremotewrite", "otlp/gateway"]
    );
    assert_eq!(pipeline_ids(agent, "traces", "exporters"), ["otlp/gateway"]);
    for signal in ["metrics", "traces"] {
        assert_eq!(pipeline_ids(agent, signal, "receivers"), ["otlp"]);
    }

    let gateway = find("gateway.yaml");
    assert_eq!(
        pipeline_ids(gateway, "metrics", "exporters"),
        ["loadbalancing/metrics"]
    );
    assert_eq!(
        pipeline_ids(gateway, "traces", "exporters"),
        ["loadbalancing/traces"]
    );
    assert_eq!(
        setting(gateway, "loadbalancing/metrics", "routing_key").as_deref(),
        Some("service")
    );
    assert_eq!(
        setting(gateway, "loadbalancing/traces", "routing_key").as_deref(),
        Some("traceID")
    );

    let backend = find("gateway-backend.yaml");
    assert_eq!(
        pipeline_ids(backend, "metrics", "exporters"),
        ["prometheusremotewrite/mimir"]
    );
    assert_eq!(pipeline_ids(backend, "traces", "exporters"), ["otlp/tempo"]);
    let tenant = backend
        .doc
        .get("exporters")
        .and_then(|e| e.get("prometheusremotewrite/mimir"))
        .and_then(|e| e.get("headers"))
        .and_then(|h| h.get("X-Scope-OrgID"))
        .and_then(Value::as_str);
    assert_eq!(tenant, Some("${env:REMOTE_WRITE_TENANT:-autobot}"));
}

// ---------------------------------------------------------------------------------
// The checks themselves: each one reports a broken config.
// ---------------------------------------------------------------------------------

mod checker_selftest {
    use super::*;

    /// A config that passes every check (with [`good_rows`] and [`GOOD_README`]).
    const GOOD: &str = "\
extensions:
  health_check:
    endpoint: 0.0.0.0:13133
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 0.0.0.0:4317
processors:
  memory_limiter:
    check_interval: 1s
    limit_mib: 100
  batch:
exporters:
  prometheus:
    endpoint: 0.0.0.0:8889
  otlp/next:
    endpoint: ${env:NEXT:-next:4317}
service:
  extensions: [health_check]
  pipelines:
    metrics:
      receivers: [otlp]
      processors: [memory_limiter, batch]
      exporters: [prometheus, otlp/next]
    traces:
      receivers: [otlp]
      processors: [memory_limiter, batch]
      exporters: [otlp/next]
";

    const GOOD_README: &str = "\
Set `NEXT` to the next hop.

| file | component | port |
|---|---|---|
| good.yaml | otlp (grpc) | 4317 |
| good.yaml | prometheus | 8889 |
| good.yaml | health_check | 13133 |

Text after the table.
";

    fn good_rows() -> Vec<PortRow> {
        parse_ports_table(GOOD_README).unwrap()
    }

    /// `GOOD` with `from` replaced by `to`; `from` must occur, so that no test
    /// silently checks the good config.
    fn broken(from: &str, to: &str) -> String {
        assert!(GOOD.contains(from), "`{from}` is not in the good config");
        GOOD.replacen(from, to, 1)
    }

    /// All problems every check reports for `text`.
    fn problems(text: &str) -> Vec<String> {
        check_all("good.yaml", text, GOOD_README, &good_rows())
    }

    /// Asserts that some problem contains every one of `needles`.
    fn assert_reports(text: &str, needles: &[&str]) {
        let found = problems(text);
        assert!(
            found.iter().any(|p| needles.iter().all(|n| p.contains(n))),
            "expected a problem mentioning {needles:?}, got {found:#?}"
        );
    }

    #[test]
    fn the_good_config_is_clean() {
        assert_eq!(problems(GOOD), Vec::<String>::new());
    }

    #[test]
    fn reports_invalid_yaml() {
        assert_reports(
            &broken("receivers:\n", "receivers: [\n"),
            &["not valid YAML"],
        );
    }

    #[test]
    fn reports_unknown_top_level_keys() {
        assert_reports(
            &format!("{GOOD}pipelines: {{}}\n"),
            &["unknown top-level key", "pipelines"],
        );
        assert_reports(
            &broken("otlp/next:", "otlp/:"),
            &["otlp/", "not a `type[/name]` id"],
        );
        assert_reports("receivers: {}\n", &["no `service.pipelines`"]);
    }

    #[test]
    fn reports_a_pipeline_naming_an_undefined_component() {
        let text = broken(
            "      exporters: [otlp/next]\n",
            "      exporters: [otlp/missing]\n",
        );
        assert_reports(
            &text,
            &[
                "pipeline `traces` exporters",
                "`otlp/missing` is not defined",
            ],
        );
        // Full ids: `otlp` is not `otlp/next`.
        let text = broken(
            "      exporters: [otlp/next]\n",
            "      exporters: [otlp]\n",
        );
        assert_reports(&text, &["`otlp` is not defined"]);
        let text = broken(
            "processors: [memory_limiter, batch]",
            "processors: [memory_limiter, filter, batch]",
        );
        assert_reports(
            &text,
            &["pipeline `metrics` processors", "`filter` is not defined"],
        );
        let text = broken(
            "receivers: [otlp]\n      processors: [memory_limiter, batch]\n      exporters: [otlp/next]",
            "receivers: []\n      processors: [memory_limiter, batch]\n      exporters: [otlp/next]",
        );
        assert_reports(&text, &["pipeline `traces` receivers: none"]);
    }

    #[test]
    fn reports_an_undefined_extension() {
        let text = broken(
            "extensions: [health_check]",
            "extensions: [health_check, pprof]",
        );
        assert_reports(&text, &["service.extensions", "`pprof` is not defined"]);
    }

    #[test]
    fn reports_unused_components() {
        assert_reports(
            &broken("exporters:\n", "exporters:\n  debug:\n"),
            &["exporters: `debug` is defined but no pipeline uses it"],
        );
        assert_reports(
            &broken("  batch:\n", "  batch:\n  attributes/x:\n"),
            &["processors: `attributes/x` is defined"],
        );
        assert_reports(
            &broken(
                "receivers:\n",
                "receivers:\n  otlp/unused:\n    endpoint: 0.0.0.0:4317\n",
            ),
            &["receivers: `otlp/unused` is defined"],
        );
        assert_reports(
            &broken("extensions:\n", "extensions:\n  zpages:\n"),
            &["`zpages` is defined but not in service.extensions"],
        );
        assert_reports(
            &format!("{GOOD}connectors:\n  forward:\n"),
            &["connectors: `forward`"],
        );
    }

    #[test]
    fn accepts_a_connector_between_pipelines() {
        let text = broken(
            "      exporters: [otlp/next]\n",
            "      exporters: [forward]\n    traces/out:\n      receivers: [forward]\n      processors: [memory_limiter, batch]\n      exporters: [otlp/next]\n",
        );
        let text = format!("{text}connectors:\n  forward:\n");
        assert_eq!(problems(&text), Vec::<String>::new());
    }

    #[test]
    fn reports_processor_order() {
        let text = broken(
            "processors: [memory_limiter, batch]",
            "processors: [batch, memory_limiter]",
        );
        assert_reports(
            &text,
            &["pipeline `metrics`", "first is `batch`, not memory_limiter"],
        );
        assert_reports(
            &text,
            &["pipeline `metrics`", "last is `memory_limiter`, not batch"],
        );
        let text = broken(
            "processors: [memory_limiter, batch]",
            "processors: [memory_limiter]",
        );
        assert_reports(&text, &["last is `memory_limiter`, not batch"]);
    }

    #[test]
    fn reports_invalid_signal_types() {
        assert_reports(
            &broken("    traces:\n", "    spans:\n"),
            &["pipeline `spans`"],
        );
        assert_reports(
            &broken("    traces:\n", "    traces/:\n"),
            &["pipeline `traces/`"],
        );
        assert_reports(
            &broken("    traces:\n", "    metric/x:\n"),
            &["pipeline `metric/x`"],
        );
        let renamed = broken("    traces:\n", "    traces/named:\n");
        assert_eq!(problems(&renamed), Vec::<String>::new());
    }

    #[test]
    fn reports_disabled_metric_suffixes() {
        let with = |setting: &str| {
            broken(
                "    endpoint: 0.0.0.0:8889\n",
                &format!("    endpoint: 0.0.0.0:8889\n    {setting}\n"),
            )
        };
        assert_reports(
            &with("add_metric_suffixes: false"),
            &["`prometheus`", "add_metric_suffixes"],
        );
        assert_reports(
            &with("translation_strategy: UnderscoreEscapingWithoutSuffixes"),
            &["translation_strategy"],
        );
        assert_reports(
            &with("translation_strategy: NoTranslation"),
            &["translation_strategy"],
        );
        assert_reports(
            &with("resource_to_telemetry_conversion:\n      enabled: true"),
            &["resource_to_telemetry_conversion is on"],
        );
        assert_reports(
            &with("resource_constant_labels:\n      included: ['*']"),
            &["resource_constant_labels"],
        );
        // Remote write too, under either name, with a `/name`.
        let text = broken(
            "  otlp/next:\n",
            "  prometheus_remote_write/x:\n    endpoint: http://p/api/v1/write\n    add_metric_suffixes: false\n  otlp/next:\n",
        )
        .replace("exporters: [prometheus, otlp/next]", "exporters: [prometheus, prometheus_remote_write/x, otlp/next]");
        assert_reports(
            &text,
            &["`prometheus_remote_write/x`", "add_metric_suffixes"],
        );
        assert_eq!(
            problems(&with("add_metric_suffixes: true")),
            Vec::<String>::new()
        );
    }

    #[test]
    fn reports_metrics_load_balanced_by_trace_id() {
        let lb = |routing: &str| {
            broken(
                "  otlp/next:\n",
                &format!("  loadbalancing/m:\n    {routing}\n    resolver:\n      dns:\n        hostname: pool\n  otlp/next:\n"),
            )
            .replace("exporters: [prometheus, otlp/next]", "exporters: [prometheus, loadbalancing/m]")
        };
        assert_reports(
            &lb("routing_key: traceID"),
            &["`loadbalancing/m` routes metrics by traceID"],
        );
        assert_reports(
            &lb("protocol: {otlp: {}}"),
            &["`loadbalancing/m` has no routing_key"],
        );
        assert_eq!(problems(&lb("routing_key: service")), Vec::<String>::new());
    }

    #[test]
    fn reports_ports_missing_from_or_only_in_the_table() {
        let text = broken("0.0.0.0:8889", "0.0.0.0:9999");
        assert_reports(&text, &["`prometheus` listens on 9999", "does not list"]);
        assert_reports(&text, &["lists `prometheus` on 8889", "does not listen on"]);
        let text = broken(
            "      grpc:\n        endpoint: 0.0.0.0:4317\n",
            "      grpc:\n",
        );
        assert_reports(&text, &["`otlp (grpc)` has no explicit endpoint"]);
        let text = broken("endpoint: 0.0.0.0:13133", "endpoint: ${env:HEALTH}");
        assert_reports(&text, &["`health_check` endpoint", "no literal port"]);
    }

    #[test]
    fn reports_undocumented_env_vars() {
        let text = broken("limit_mib: 100", "limit_mib: ${env:LIMIT:-100}");
        assert_reports(&text, &["${env:LIMIT}", "not documented"]);
    }

    #[test]
    fn parses_the_ports_table() {
        assert_eq!(
            good_rows()[0],
            PortRow {
                file: "good.yaml".into(),
                component: "otlp (grpc)".into(),
                port: 4317
            }
        );
        assert_eq!(good_rows().len(), 3);
        assert!(parse_ports_table("| a | b | c |\n|---|---|---|\n").is_err());
        assert!(parse_ports_table(&GOOD_README.replace("| 8889 |", "| 88x9 |")).is_err());
        assert!(parse_ports_table(&GOOD_README.replace("|---|---|---|\n", "")).is_err());
        assert!(
            parse_ports_table(
                &GOOD_README.replace("| good.yaml | prometheus | 8889 |", "| good.yaml | 8889 |")
            )
            .is_err()
        );
    }

    #[test]
    fn finds_env_vars() {
        let found = env_vars("a: ${env:A_1:-x}\nb: ${env:B}\nc: ${C}\n");
        assert_eq!(found, BTreeSet::from(["A_1".to_string(), "B".to_string()]));
    }
}
