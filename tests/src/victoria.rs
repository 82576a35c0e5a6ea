//! A throw-away VictoriaMetrics single node: the remote-write target of the
//! scale-out tests.

use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::error::{Result, err};
use crate::http::http_get;
use crate::ports::free_port;
use crate::process::{ManagedProcess, poll, retry_port_conflicts};
use crate::prometheus::{Sample, api_get, parse_vector};
use crate::tempdir::TempDir;
use crate::tools::victoria_metrics_bin;

/// How [`VictoriaMetrics::start`] runs `victoria-metrics`.
#[derive(Debug, Clone)]
pub struct VictoriaOptions {
    /// `-search.latencyOffset`: VictoriaMetrics hides samples younger than this
    /// from queries (default there 30 s). Default here 1 s.
    pub latency_offset: Duration,
    /// How long to wait for `/health`. Default 30 s.
    pub startup_timeout: Duration,
    /// Extra command-line flags.
    pub extra_args: Vec<String>,
}

impl Default for VictoriaOptions {
    fn default() -> Self {
        VictoriaOptions {
            latency_offset: Duration::from_secs(1),
            startup_timeout: Duration::from_secs(30),
            extra_args: Vec::new(),
        }
    }
}

/// A VictoriaMetrics single node on `127.0.0.1:<free port>` with its storage in a
/// temp dir, the response cache off (`-search.disableCache`, so a query never sees
/// a cached result from before the latest samples arrived). Killed, and the temp
/// dir removed, on drop.
///
/// ```no_run
/// use autobot_otel_tests::{VictoriaMetrics, VictoriaOptions};
/// let vm = VictoriaMetrics::start(VictoriaOptions::default()).unwrap();
/// println!("remote_write url: {}", vm.remote_write_url());
/// ```
#[derive(Debug)]
pub struct VictoriaMetrics {
    // Field order matters: the process is killed before its dir is removed.
    process: ManagedProcess,
    port: u16,
    dir: TempDir,
}

impl VictoriaMetrics {
    /// Starts VictoriaMetrics and waits (bounded) for `/health`. Retries on a
    /// fresh port if the listen address was taken meanwhile.
    pub fn start(options: VictoriaOptions) -> Result<VictoriaMetrics> {
        let bin = victoria_metrics_bin()?;
        retry_port_conflicts("victoria-metrics", || {
            let dir = TempDir::new("victoria").map_err(|e| (e, false))?;
            let port = free_port().map_err(|e| (e, false))?;
            let mut cmd = Command::new(&bin);
            cmd.arg(format!("-httpListenAddr=127.0.0.1:{port}"))
                .arg(format!(
                    "-storageDataPath={}",
                    dir.path().join("data").display()
                ))
                .arg("-retentionPeriod=1d")
                .arg(format!(
                    "-search.latencyOffset={}ms",
                    options.latency_offset.as_millis()
                ))
                .arg("-search.disableCache")
                .args(&options.extra_args)
                .current_dir(dir.path());
            let process =
                ManagedProcess::spawn("victoria-metrics", cmd, &dir.path().join("vm.log"))
                    .map_err(|e| (e, false))?;
            let vm = VictoriaMetrics { process, port, dir };
            vm.process.wait_http_ok(
                &format!("{}/health", vm.base_url()),
                options.startup_timeout,
            )?;
            Ok(vm)
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The Prometheus remote-write URL, `http://127.0.0.1:<port>/api/v1/write`.
    pub fn remote_write_url(&self) -> String {
        format!("{}/api/v1/write", self.base_url())
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// The temp dir holding the storage and the log.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// The last `n` lines of what VictoriaMetrics logged.
    pub fn log_tail(&self, n: usize) -> String {
        self.process.log_tail(n)
    }

    /// Makes the samples received so far searchable now (`/internal/force_flush`)
    /// instead of within a second or two.
    pub fn force_flush(&self) -> Result<()> {
        let r = http_get(&format!("{}/internal/force_flush", self.base_url()))?;
        if r.status == 200 {
            Ok(())
        } else {
            Err(err!("force_flush: HTTP {}: {}", r.status, r.body))
        }
    }

    /// An instant MetricsQL query at `time` (Unix seconds); returns `data`.
    pub fn query_at(&self, expr: &str, time: f64) -> Result<Value> {
        let t = format!("{time:.3}");
        api_get(
            &self.base_url(),
            "/api/v1/query",
            &[("query", expr), ("time", &t)],
        )
        .map_err(|e| err!("{e}; victoria-metrics log tail:\n{}", self.log_tail(20)))
    }

    /// Like [`Self::query_at`], for expressions that return an instant vector.
    pub fn query_vector_at(&self, expr: &str, time: f64) -> Result<Vec<Sample>> {
        let data = self.query_at(expr, time)?;
        parse_vector(&data).map_err(|e| err!("query {expr:?}: {e}"))
    }

    /// [`Self::query_vector_at`] at the current time.
    pub fn query_vector(&self, expr: &str) -> Result<Vec<Sample>> {
        self.query_vector_at(expr, now_unix())
    }

    /// Polls `expr` (at the current time) until it returns a non-empty vector.
    pub fn wait_for_vector(&self, expr: &str, timeout: Duration) -> Result<Vec<Sample>> {
        poll(
            timeout,
            Duration::from_millis(200),
            || {
                let v = self.query_vector(expr)?;
                Ok((!v.is_empty()).then_some(v))
            },
            || format!("query {expr:?} stayed empty on victoria-metrics"),
        )
    }

    /// The value of one of VictoriaMetrics' own metrics at `/metrics` (the sum of
    /// all its series whose line starts with `name`), e.g. `vm_rows_inserted_total`.
    pub fn self_metric(&self, name: &str) -> Result<f64> {
        let body = http_get(&format!("{}/metrics", self.base_url()))?.body;
        Ok(sum_metric(&body, name))
    }
}

/// The current time in Unix seconds.
pub fn now_unix() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Sums the samples of family `name` (exact name, any labels) in Prometheus text.
pub fn sum_metric(text: &str, name: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            l.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_one_family_only() {
        let text = "# HELP x\nvm_rows_inserted_total{type=\"a\"} 2\nvm_rows_inserted_total{type=\"b\"} 3\nvm_rows_inserted_total_other 100\nvm_rows 7\n";
        assert_eq!(sum_metric(text, "vm_rows_inserted_total"), 5.0);
        assert_eq!(sum_metric(text, "vm_rows"), 7.0);
        assert_eq!(sum_metric(text, "missing"), 0.0);
    }
}
