//! A throw-away Prometheus server.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::error::{HarnessError, Result, err};
use crate::exemplar::{ExemplarSeries, parse_exemplar_series};
use crate::http::http_get;
use crate::ports::free_port;
use crate::process::{ManagedProcess, poll, retry_port_conflicts};
use crate::tempdir::TempDir;
use crate::tools::prometheus_bin;

/// The scrape job name used in the generated `prometheus.yml`.
pub const SCRAPE_JOB: &str = "autobot";

/// The `Accept` header the Prometheus the tests run (2.42) sends on every
/// scrape: OpenMetrics 1.0.0 first, then 0.0.1, then the text format 0.0.4.
/// Send it to scrape an endpoint as Prometheus does.
pub const PROMETHEUS_SCRAPE_ACCEPT: &str = "application/openmetrics-text;version=1.0.0,\
     application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

/// The flag that makes Prometheus store the exemplars it scrapes.
pub const EXEMPLAR_STORAGE_FLAG: &str = "--enable-feature=exemplar-storage";

/// How [`PrometheusServer::start`] configures Prometheus.
#[derive(Debug, Clone)]
pub struct PrometheusOptions {
    /// Scrape targets as `host:port`, e.g. `127.0.0.1:8080` (job `autobot`).
    pub targets: Vec<String>,
    /// The path scraped on every target. Default `/api/monitoring/metrics`.
    pub metrics_path: String,
    /// Scrape (and rule evaluation) interval. Default 1 s. The scrape
    /// timeout is set to the same value.
    pub scrape_interval: Duration,
    /// Rule files to load (`rule_files:`); made absolute.
    pub rule_files: Vec<PathBuf>,
    /// How long to wait for `/-/ready`. Default 30 s.
    pub startup_timeout: Duration,
    /// Extra command-line flags for `prometheus`.
    pub extra_args: Vec<String>,
    /// Alertmanagers (`host:port`) to send alerts to (`alerting:` section).
    pub alertmanagers: Vec<String>,
    /// Top-level YAML sections appended verbatim to the generated config, e.g. a
    /// `remote_write:` stanza taken from `collector-config/prometheus`.
    pub extra_config: String,
}

impl Default for PrometheusOptions {
    fn default() -> Self {
        PrometheusOptions {
            targets: Vec::new(),
            metrics_path: "/api/monitoring/metrics".to_string(),
            scrape_interval: Duration::from_secs(1),
            rule_files: Vec::new(),
            startup_timeout: Duration::from_secs(30),
            extra_args: Vec::new(),
            alertmanagers: Vec::new(),
            extra_config: String::new(),
        }
    }
}

impl PrometheusOptions {
    /// Defaults, scraping one target (`host:port`).
    pub fn new(target: impl Into<String>) -> Self {
        PrometheusOptions {
            targets: vec![target.into()],
            ..Default::default()
        }
    }

    /// Sets the scrape interval.
    pub fn scrape_interval(mut self, interval: Duration) -> Self {
        self.scrape_interval = interval;
        self
    }

    /// Sets the scraped path.
    pub fn metrics_path(mut self, path: impl Into<String>) -> Self {
        self.metrics_path = path.into();
        self
    }

    /// Adds a rule file.
    pub fn rule_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.rule_files.push(path.into());
        self
    }

    /// Adds a command-line flag, e.g. [`EXEMPLAR_STORAGE_FLAG`].
    pub fn extra_arg(mut self, arg: impl Into<String>) -> Self {
        self.extra_args.push(arg.into());
        self
    }

    /// Adds a scrape target.
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.targets.push(target.into());
        self
    }

    /// Sends alerts to the Alertmanager at `host:port`.
    pub fn alertmanager(mut self, target: impl Into<String>) -> Self {
        self.alertmanagers.push(target.into());
        self
    }

    /// Appends top-level YAML sections (e.g. `remote_write:`) to the config.
    pub fn extra_config(mut self, yaml: impl AsRef<str>) -> Self {
        self.extra_config.push_str(yaml.as_ref());
        if !self.extra_config.ends_with('\n') {
            self.extra_config.push('\n');
        }
        self
    }

    /// Renders the `prometheus.yml` these options describe.
    pub fn config_yaml(&self) -> Result<String> {
        let interval = prom_duration(self.scrape_interval);
        let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"));
        let mut y = String::new();
        let _ = writeln!(y, "global:");
        let _ = writeln!(y, "  scrape_interval: {interval}");
        let _ = writeln!(y, "  scrape_timeout: {interval}");
        let _ = writeln!(y, "  evaluation_interval: {interval}");
        if !self.rule_files.is_empty() {
            let _ = writeln!(y, "rule_files:");
            for f in &self.rule_files {
                let abs = std::path::absolute(f)
                    .map_err(|e| err!("bad rule file path {}: {e}", f.display()))?;
                let _ = writeln!(y, "  - {}", q(&abs.to_string_lossy()));
            }
        }
        let _ = writeln!(y, "scrape_configs:");
        let _ = writeln!(y, "  - job_name: {}", q(SCRAPE_JOB));
        let _ = writeln!(y, "    metrics_path: {}", q(&self.metrics_path));
        let _ = writeln!(y, "    scrape_interval: {interval}");
        let _ = writeln!(y, "    scrape_timeout: {interval}");
        let _ = writeln!(y, "    static_configs:");
        let targets: Vec<String> = self.targets.iter().map(|t| q(t)).collect();
        let _ = writeln!(y, "      - targets: [{}]", targets.join(", "));
        if !self.alertmanagers.is_empty() {
            let ams: Vec<String> = self.alertmanagers.iter().map(|t| q(t)).collect();
            let _ = writeln!(y, "alerting:");
            let _ = writeln!(y, "  alertmanagers:");
            let _ = writeln!(y, "    - static_configs:");
            let _ = writeln!(y, "        - targets: [{}]", ams.join(", "));
        }
        y.push_str(&self.extra_config);
        Ok(y)
    }
}

fn prom_duration(d: Duration) -> String {
    let ms = d.as_millis().max(1);
    if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// One element of an instant-vector query result.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The series' labels, including `__name__` when present.
    pub labels: BTreeMap<String, String>,
    /// The sample value (`NaN`/`±Inf` parsed as such).
    pub value: f64,
}

impl Sample {
    /// A label's value.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels.get(name).map(String::as_str)
    }
}

/// One entry of `/api/v1/targets`' `activeTargets`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetStatus {
    /// The URL Prometheus scrapes.
    pub scrape_url: String,
    /// `"up"`, `"down"` or `"unknown"` (not scraped yet).
    pub health: String,
    /// The last scrape's error, empty if none.
    pub last_error: String,
    /// The target's labels (`job`, `instance`).
    pub labels: BTreeMap<String, String>,
}

/// A Prometheus server on `127.0.0.1:<free port>` with its own config and
/// TSDB in a temp dir. Killed, and the temp dir removed, on drop.
#[derive(Debug)]
pub struct PrometheusServer {
    // Field order matters: the process is killed before its dir is removed.
    process: ManagedProcess,
    port: u16,
    config_path: PathBuf,
    options: PrometheusOptions,
    dir: TempDir,
}

impl PrometheusServer {
    /// Writes `prometheus.yml`, starts Prometheus and waits for `/-/ready`.
    /// Retries on a fresh port if the listen address was taken meanwhile.
    pub fn start(options: PrometheusOptions) -> Result<PrometheusServer> {
        let bin = prometheus_bin()?;
        retry_port_conflicts("prometheus", || {
            let dir = TempDir::new("prometheus").map_err(|e| (e, false))?;
            let config_path = dir.path().join("prometheus.yml");
            let yaml = options.config_yaml().map_err(|e| (e, false))?;
            std::fs::write(&config_path, yaml)
                .map_err(|e| (err!("cannot write {}: {e}", config_path.display()), false))?;
            let data = dir.path().join("data");
            let port = free_port().map_err(|e| (e, false))?;
            let mut cmd = Command::new(&bin);
            cmd.arg(format!("--config.file={}", config_path.display()))
                .arg(format!("--storage.tsdb.path={}", data.display()))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .args(&options.extra_args)
                .current_dir(dir.path());
            let log = dir.path().join("prometheus.log");
            let process = ManagedProcess::spawn("prometheus", cmd, &log).map_err(|e| (e, false))?;
            let server = PrometheusServer {
                process,
                port,
                config_path,
                options: options.clone(),
                dir,
            };
            let ready = format!("{}/-/ready", server.base_url());
            server
                .process
                .wait_http_ok(&ready, options.startup_timeout)?;
            Ok(server)
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// The port Prometheus listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The generated `prometheus.yml`.
    pub fn config_path(&self) -> &std::path::Path {
        &self.config_path
    }

    /// The temp dir holding config, TSDB and log.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Everything Prometheus logged so far (stdout + stderr).
    pub fn log(&self) -> String {
        self.process.log()
    }

    /// The last `n` lines of [`Self::log`].
    pub fn log_tail(&self, n: usize) -> String {
        self.process.log_tail(n)
    }

    /// An instant query (`/api/v1/query`); returns the response's `data`
    /// object (`{"resultType": ..., "result": ...}`). A non-`success`
    /// response is an error carrying Prometheus' `errorType` and `error`.
    pub fn query(&self, expr: &str) -> Result<Value> {
        self.api("/api/v1/query", &[("query", expr)])
    }

    /// [`Self::query_vector`] evaluated at `time` (Unix seconds).
    pub fn query_vector_at(&self, expr: &str, time: f64) -> Result<Vec<Sample>> {
        let t = format!("{time:.3}");
        let data = self.api("/api/v1/query", &[("query", expr), ("time", &t)])?;
        parse_vector(&data).map_err(|e| err!("query {expr:?} at {t}: {e}"))
    }

    /// Like [`Self::query`], for expressions that return an instant vector.
    pub fn query_vector(&self, expr: &str) -> Result<Vec<Sample>> {
        let data = self.query(expr)?;
        parse_vector(&data).map_err(|e| err!("query {expr:?}: {e}"))
    }

    /// The exemplars stored for the series `expr` selects between `start` and
    /// `end` (Unix seconds; `/api/v1/query_exemplars`). Prometheus keeps them
    /// only when started with [`EXEMPLAR_STORAGE_FLAG`].
    pub fn query_exemplars(&self, expr: &str, start: f64, end: f64) -> Result<Vec<ExemplarSeries>> {
        let (start, end) = (format!("{start:.3}"), format!("{end:.3}"));
        let data = self.api(
            "/api/v1/query_exemplars",
            &[("query", expr), ("start", &start), ("end", &end)],
        )?;
        parse_exemplar_series(&data).map_err(|e| err!("query_exemplars {expr:?}: {e}"))
    }

    /// Polls `expr` until it returns a non-empty vector, then returns it.
    pub fn wait_for_vector(&self, expr: &str, timeout: Duration) -> Result<Vec<Sample>> {
        poll(
            timeout,
            Duration::from_millis(200),
            || {
                let v = self.query_vector(expr)?;
                Ok((!v.is_empty()).then_some(v))
            },
            || {
                format!(
                    "query {expr:?} stayed empty; targets: {}",
                    self.targets_summary()
                )
            },
        )
    }

    /// `/api/v1/targets` active targets.
    pub fn targets(&self) -> Result<Vec<TargetStatus>> {
        let data = self.api("/api/v1/targets", &[("state", "active")])?;
        let list = data
            .get("activeTargets")
            .and_then(Value::as_array)
            .ok_or_else(|| err!("no activeTargets in /api/v1/targets: {data}"))?;
        Ok(list
            .iter()
            .map(|t| TargetStatus {
                scrape_url: str_field(t, "scrapeUrl"),
                health: str_field(t, "health"),
                last_error: str_field(t, "lastError"),
                labels: t
                    .get("labels")
                    .and_then(Value::as_object)
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect())
    }

    /// Waits until every configured target's health is `"up"`; the error
    /// on timeout includes each target's `lastError`.
    pub fn wait_for_target_up(&self, timeout: Duration) -> Result<Vec<TargetStatus>> {
        self.wait_for_targets(timeout, |t| t.health == "up", "targets not all up")
    }

    /// Waits until every configured target has been scraped at least once,
    /// successfully or not (health no longer `"unknown"`), and returns the
    /// targets. Note Prometheus applies target updates at most every 5 s, so
    /// the first scrape can take up to ~5 s plus one scrape interval.
    pub fn wait_for_first_scrape(&self, timeout: Duration) -> Result<Vec<TargetStatus>> {
        self.wait_for_targets(
            timeout,
            |t| t.health != "unknown",
            "targets not scraped yet",
        )
    }

    /// Waits until every configured target satisfies `ready`.
    fn wait_for_targets(
        &self,
        timeout: Duration,
        ready: impl Fn(&TargetStatus) -> bool,
        what: &str,
    ) -> Result<Vec<TargetStatus>> {
        let want = self.options.targets.len().max(1);
        poll(
            timeout,
            Duration::from_millis(200),
            || {
                let t = self.targets()?;
                Ok((t.len() >= want && t.iter().all(&ready)).then_some(t))
            },
            || format!("{what}: {}", self.targets_summary()),
        )
    }

    /// Starts Prometheus and waits (bounded) until its targets are up and have
    /// been scraped successfully `scrapes` times, so rates have data.
    pub fn start_scraped(options: PrometheusOptions, scrapes: u64) -> Result<PrometheusServer> {
        let server = PrometheusServer::start(options)?;
        server.wait_for_target_up(Duration::from_secs(30))?;
        server.wait_for_scrapes(scrapes, Duration::from_secs(30))?;
        Ok(server)
    }

    /// Waits until every configured target has been scraped successfully
    /// at least `n` times (counted via `sum_over_time(up[1h])`).
    pub fn wait_for_scrapes(&self, n: u64, timeout: Duration) -> Result<()> {
        let expr = format!("sum_over_time(up{{job=\"{SCRAPE_JOB}\"}}[1h])");
        poll(
            timeout,
            Duration::from_millis(200),
            || {
                let v = self.query_vector(&expr)?;
                let all = self.options.targets.iter().all(|t| {
                    v.iter()
                        .any(|s| s.label("instance") == Some(t.as_str()) && s.value >= n as f64)
                });
                Ok(all.then_some(()))
            },
            || {
                format!(
                    "fewer than {n} successful scrapes per target; targets: {}",
                    self.targets_summary()
                )
            },
        )
    }

    fn targets_summary(&self) -> String {
        match self.targets() {
            Ok(ts) if ts.is_empty() => "(no active targets yet)".to_string(),
            Ok(ts) => ts
                .iter()
                .map(|t| {
                    format!(
                        "{} health={} lastError={:?}",
                        t.scrape_url, t.health, t.last_error
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            Err(e) => format!("(cannot list targets: {e})"),
        }
    }

    /// Waits until every loaded rule has been evaluated at least once and is
    /// healthy (`health` `"ok"` with a last evaluation time; before its first
    /// evaluation Prometheus reports `"unknown"`, which is not healthy). Fails at
    /// once, with the rule's `lastError`, when a rule reports `"err"`. Returns
    /// `(rule name, health)` of every rule.
    pub fn wait_for_rules_evaluated(&self, timeout: Duration) -> Result<Vec<(String, String)>> {
        const NEVER: &str = "0001-01-01T00:00:00Z";
        let last = std::cell::RefCell::new(String::new());
        poll(
            timeout,
            Duration::from_millis(200),
            || {
                let data = self.api("/api/v1/rules", &[])?;
                let rules: Vec<&Value> = data
                    .get("groups")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .flat_map(|g| {
                        g.get("rules")
                            .and_then(Value::as_array)
                            .into_iter()
                            .flatten()
                    })
                    .collect();
                if let Some(bad) = rules.iter().find(|r| str_field(r, "health") == "err") {
                    return Err(err!(
                        "rule {} fails: {}",
                        str_field(bad, "name"),
                        str_field(bad, "lastError")
                    ));
                }
                let pending: Vec<String> = rules
                    .iter()
                    .filter(|r| {
                        str_field(r, "health") != "ok"
                            || matches!(str_field(r, "lastEvaluation").as_str(), "" | NEVER)
                    })
                    .map(|r| format!("{} ({})", str_field(r, "name"), str_field(r, "health")))
                    .collect();
                *last.borrow_mut() = pending.join(", ");
                Ok((!rules.is_empty() && pending.is_empty()).then(|| {
                    rules
                        .iter()
                        .map(|r| (str_field(r, "name"), str_field(r, "health")))
                        .collect()
                }))
            },
            || format!("rules not all evaluated and ok: {}", last.borrow()),
        )
    }

    fn api(&self, path: &str, params: &[(&str, &str)]) -> Result<Value> {
        api_get(&self.base_url(), path, params).map_err(|e| self.with_log(e))
    }

    fn with_log(&self, e: HarnessError) -> HarnessError {
        err!("{e}; prometheus log tail:\n{}", self.log_tail(20))
    }
}

/// `GET {base}{path}?params` of a Prometheus-compatible HTTP API (Prometheus,
/// VictoriaMetrics): the response's `data`, or an error carrying `errorType` and
/// `error` when `status` is not `success`.
pub(crate) fn api_get(base: &str, path: &str, params: &[(&str, &str)]) -> Result<Value> {
    let url = reqwest::Url::parse_with_params(&format!("{base}{path}"), params)
        .map_err(|e| err!("bad URL for {path}: {e}"))?;
    let r = http_get(url.as_str())?;
    let v: Value = serde_json::from_str(&r.body).map_err(|e| {
        err!(
            "{path}: HTTP {} with non-JSON body ({e}): {}",
            r.status,
            r.body
        )
    })?;
    if v.get("status").and_then(Value::as_str) != Some("success") {
        return Err(err!(
            "{path} {params:?}: HTTP {} status={} errorType={} error={}",
            r.status,
            v.get("status").unwrap_or(&Value::Null),
            v.get("errorType").unwrap_or(&Value::Null),
            v.get("error").unwrap_or(&Value::Null)
        ));
    }
    Ok(v.get("data").cloned().unwrap_or(Value::Null))
}

fn str_field(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// Parses a query `data` object of `resultType` `vector`.
pub(crate) fn parse_vector(data: &Value) -> Result<Vec<Sample>> {
    let rt = data.get("resultType").and_then(Value::as_str);
    if rt != Some("vector") {
        return Err(err!("expected a vector result, got {data}"));
    }
    let result = data
        .get("result")
        .and_then(Value::as_array)
        .ok_or_else(|| err!("no result array in {data}"))?;
    result
        .iter()
        .map(|item| {
            let labels = item
                .get("metric")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                        .collect()
                })
                .unwrap_or_default();
            let raw = item
                .get("value")
                .and_then(|v| v.get(1))
                .and_then(Value::as_str)
                .ok_or_else(|| err!("no value in {item}"))?;
            let value = raw
                .parse::<f64>()
                .map_err(|e| err!("bad sample value {raw:?}: {e}"))?;
            Ok(Sample { labels, value })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_yaml_shape() {
        let y = PrometheusOptions::new("127.0.0.1:1234")
            .scrape_interval(Duration::from_millis(500))
            .rule_file("/abs/rules.yml")
            .config_yaml()
            .unwrap();
        assert!(y.contains("scrape_interval: 500ms"), "{y}");
        assert!(y.contains("scrape_timeout: 500ms"), "{y}");
        assert!(y.contains("- job_name: \"autobot\""), "{y}");
        assert!(
            y.contains("metrics_path: \"/api/monitoring/metrics\""),
            "{y}"
        );
        assert!(y.contains("- targets: [\"127.0.0.1:1234\"]"), "{y}");
        assert!(y.contains("rule_files:\n  - \"/abs/rules.yml\""), "{y}");
        assert_eq!(prom_duration(Duration::from_secs(2)), "2s");
    }

    #[test]
    fn vector_parsing() {
        let data = serde_json::json!({
            "resultType": "vector",
            "result": [
                {"metric": {"__name__": "up", "job": "autobot"}, "value": [1.5, "1"]},
                {"metric": {}, "value": [1.5, "NaN"]},
                {"metric": {}, "value": [1.5, "+Inf"]}
            ]
        });
        let v = parse_vector(&data).unwrap();
        assert_eq!(v[0].label("job"), Some("autobot"));
        assert_eq!(v[0].value, 1.0);
        assert!(v[1].value.is_nan());
        assert_eq!(v[2].value, f64::INFINITY);
        assert!(
            parse_vector(&serde_json::json!({"resultType": "scalar", "result": [1, "2"]})).is_err()
        );
    }
}
