//! A throw-away Alertmanager, and `amtool`.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::error::{Result, err};
use crate::http::http_get;
use crate::ports::free_port;
use crate::process::{ManagedProcess, retry_port_conflicts};
use crate::promtool::{ToolOutput, run_with_timeout};
use crate::tempdir::TempDir;
use crate::tools::{alertmanager_bin, amtool_bin};

/// An Alertmanager on `127.0.0.1:<free port>` running the given configuration,
/// with clustering off (`--cluster.listen-address=`, so it opens no gossip port),
/// its state in a temp dir. Killed, and the temp dir removed, on drop.
///
/// ```no_run
/// use autobot_otel_tests::Alertmanager;
/// let am = Alertmanager::start("route: {receiver: x}\nreceivers: [{name: x}]\n").unwrap();
/// println!("point Prometheus at {}", am.target());
/// ```
#[derive(Debug)]
pub struct Alertmanager {
    // Field order matters: the process is killed before its dir is removed.
    process: ManagedProcess,
    port: u16,
    dir: TempDir,
}

impl Alertmanager {
    /// Writes `config_yaml` to `alertmanager.yml`, starts Alertmanager and waits
    /// (bounded, 30 s) for `/-/ready`. Retries on a fresh port if the listen
    /// address was taken meanwhile.
    pub fn start(config_yaml: &str) -> Result<Alertmanager> {
        let bin = alertmanager_bin()?;
        retry_port_conflicts("alertmanager", || {
            let dir = TempDir::new("alertmanager").map_err(|e| (e, false))?;
            let config = dir.path().join("alertmanager.yml");
            std::fs::write(&config, config_yaml)
                .map_err(|e| (err!("cannot write {}: {e}", config.display()), false))?;
            let port = free_port().map_err(|e| (e, false))?;
            let mut cmd = Command::new(&bin);
            cmd.arg(format!("--config.file={}", config.display()))
                .arg(format!(
                    "--storage.path={}",
                    dir.path().join("data").display()
                ))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .arg("--cluster.listen-address=")
                .current_dir(dir.path());
            let process =
                ManagedProcess::spawn("alertmanager", cmd, &dir.path().join("alertmanager.log"))
                    .map_err(|e| (e, false))?;
            let am = Alertmanager { process, port, dir };
            am.process.wait_http_ok(
                &format!("{}/-/ready", am.base_url()),
                Duration::from_secs(30),
            )?;
            Ok(am)
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `127.0.0.1:<port>`, for Prometheus' `alerting.alertmanagers` targets.
    pub fn target(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The temp dir holding config, state and log.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The last `n` lines of what Alertmanager logged.
    pub fn log_tail(&self, n: usize) -> String {
        self.process.log_tail(n)
    }

    /// Every alert Alertmanager holds (`GET /api/v2/alerts`, active, silenced and
    /// inhibited ones); each has `labels`, `annotations` and `status`
    /// (`state`: `active`/`suppressed`, `inhibitedBy`).
    pub fn alerts(&self) -> Result<Vec<Value>> {
        let r = http_get(&format!("{}/api/v2/alerts", self.base_url()))?;
        let v: Value = serde_json::from_str(&r.body)
            .map_err(|e| err!("/api/v2/alerts: HTTP {} ({e}): {}", r.status, r.body))?;
        v.as_array()
            .cloned()
            .ok_or_else(|| err!("/api/v2/alerts: not a list: {v}"))
    }
}

/// `amtool check-config <files>`.
pub fn amtool_check_config(files: &[impl AsRef<Path>]) -> Result<ToolOutput> {
    let mut cmd = Command::new(amtool_bin()?);
    cmd.arg("check-config");
    for f in files {
        cmd.arg(f.as_ref());
    }
    run_with_timeout(cmd, None, Duration::from_secs(60))
}
