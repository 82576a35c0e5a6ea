//! The demo service in a child process: the crate's `autobot-test-demo` binary
//! (`src/bin/demo.rs`), which runs `autobot_otel_examples::demo::run_from_env`,
//! the very code of the `autobot-demo` binary, so `OTEL_*` configuration is
//! exercised end to end. Integration tests name it with [`crate::spawn_demo!`],
//! which passes `CARGO_BIN_EXE_autobot-test-demo`.

use std::path::Path;
use std::process::{Command, ExitStatus};
use std::time::Duration;

use crate::error::Result;
use crate::process::{ManagedProcess, poll};
use crate::{TempDir, free_port, http_get};

/// Starts the demo binary with the given environment: `spawn_demo!(&[("K", "v")])`
/// is `DemoProcess::spawn(env!("CARGO_BIN_EXE_autobot-test-demo"), &[("K", "v")])`.
/// Only integration tests of this crate can use it (Cargo sets the variable for
/// them).
#[macro_export]
macro_rules! spawn_demo {
    ($env:expr $(,)?) => {
        $crate::DemoProcess::spawn(env!("CARGO_BIN_EXE_autobot-test-demo"), $env)
    };
}

/// A running demo service.
#[derive(Debug)]
pub struct DemoProcess {
    process: ManagedProcess,
    port: u16,
    _dir: TempDir,
}

impl DemoProcess {
    /// Starts the demo binary `exe` (use [`crate::spawn_demo!`]) on a free
    /// loopback port with `env` (plus the demo address). Inherited `OTEL_*` and
    /// `AUTOBOT_OTEL_*` variables are removed first. Waits until the health endpoint answers.
    pub fn spawn(exe: impl AsRef<Path>, env: &[(&str, &str)]) -> Result<DemoProcess> {
        let port = free_port()?;
        let dir = TempDir::new("demo")?;
        let mut cmd = Command::new(exe.as_ref());
        for (key, _) in std::env::vars() {
            if key.starts_with("OTEL_") || key.starts_with("AUTOBOT_OTEL_") || key == "RUST_LOG" {
                cmd.env_remove(key);
            }
        }
        cmd.env("AUTOBOT_DEMO_ADDR", format!("127.0.0.1:{port}"))
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

    /// The demo's process id.
    pub fn pid(&self) -> u32 {
        self.process.pid()
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
