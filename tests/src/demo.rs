//! The demo service in a child process: the test executable runs itself again,
//! selecting a child-entry test, with the demo's environment. The child runs
//! `autobot_otel_examples::demo::run_from_env`, the very code of the
//! `autobot-demo` binary, so `OTEL_*` configuration is exercised end to end.

use std::process::{Command, ExitStatus};
use std::time::Duration;

use crate::error::{Result, err};
use crate::process::{ManagedProcess, poll};
use crate::{TempDir, free_port, http_get};

/// Env var that turns the child-entry test into the demo.
pub const DEMO_CHILD_ENV: &str = "AUTOBOT_TEST_DEMO_CHILD";

/// Call this from a `#[test]` named as given to [`DemoProcess::spawn`]: in the
/// child it runs the demo and exits the process; in a normal test run it returns.
pub fn demo_child_main() {
    if std::env::var(DEMO_CHILD_ENV).as_deref() != Ok("1") {
        return;
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("demo child: cannot start runtime: {e}");
            std::process::exit(2);
        }
    };
    let code = match runtime.block_on(autobot_otel_examples::demo::run_from_env()) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("demo child failed: {e}");
            1
        }
    };
    std::process::exit(code);
}

/// A running demo service.
#[derive(Debug)]
pub struct DemoProcess {
    process: ManagedProcess,
    port: u16,
    _dir: TempDir,
}

impl DemoProcess {
    /// Starts the demo on a free loopback port, running `entry_test` of the
    /// current test executable with `env` (plus the demo address). Inherited
    /// `OTEL_*` variables are removed first. Waits until the health endpoint answers.
    pub fn spawn(entry_test: &str, env: &[(&str, &str)]) -> Result<DemoProcess> {
        let exe = std::env::current_exe().map_err(|e| err!("current_exe: {e}"))?;
        let port = free_port()?;
        let dir = TempDir::new("demo")?;
        let mut cmd = Command::new(exe);
        cmd.args([entry_test, "--exact", "--nocapture", "--test-threads=1"]);
        for (key, _) in std::env::vars() {
            if key.starts_with("OTEL_") || key == "RUST_LOG" {
                cmd.env_remove(key);
            }
        }
        cmd.env(DEMO_CHILD_ENV, "1")
            .env("AUTOBOT_DEMO_ADDR", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let process = ManagedProcess::spawn("autobot demo", cmd, &dir.path().join("demo.log"))?;
        let demo = DemoProcess {
            process,
            port,
            _dir: dir,
        };
        let health = format!("{}/api/monitoring/health/metrics", demo.base_url());
        poll(
            Duration::from_secs(60),
            Duration::from_millis(50),
            || {
                demo.process.ensure_running()?;
                Ok(http_get(&health)
                    .ok()
                    .filter(|r| r.status == 200)
                    .map(|_| ()))
            },
            || {
                format!(
                    "demo did not serve {health}; log:\n{}",
                    demo.process.log_tail(30)
                )
            },
        )?;
        Ok(demo)
    }

    /// `127.0.0.1:PORT` of the demo.
    pub fn target(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.target())
    }

    /// What the demo printed so far.
    pub fn log(&self) -> String {
        self.process.log()
    }

    /// Waits for the demo to exit by itself (bounded).
    pub fn wait_exit(&self, timeout: Duration) -> Result<ExitStatus> {
        poll(
            timeout,
            Duration::from_millis(50),
            || Ok(self.process.exited()),
            || format!("demo still running; log:\n{}", self.process.log_tail(30)),
        )
    }
}
