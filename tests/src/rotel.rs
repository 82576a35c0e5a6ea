//! A throw-away rotel OTLP collector that prints what it receives.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4, TcpStream};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use crate::error::{Result, err};
use crate::ports::free_port;
use crate::process::{ManagedProcess, poll};
use crate::rotel_output::{RotelMetric, RotelSpan, find_metric, find_span};
use crate::tempdir::TempDir;
use crate::tools::rotel_bin;

/// How [`Rotel::start_with`] runs `rotel-agent start`.
#[derive(Debug, Clone)]
pub struct RotelOptions {
    /// `--debug-log` values (repeated flag). Default `["metrics", "traces"]`.
    pub debug_log: Vec<String>,
    /// `--debug-log-verbosity`. Default `detailed`.
    pub verbosity: String,
    /// `--exporter`. Default `blackhole` (drops everything after the debug
    /// log; rotel's default `otlp` exporter refuses to start without an
    /// endpoint).
    pub exporter: String,
    /// How long to wait for both ports to accept connections. Default 30 s.
    pub startup_timeout: Duration,
    /// Extra flags for `rotel-agent start`, e.g. `--disable-batching`.
    pub extra_args: Vec<String>,
    /// A launcher script to run instead of `rotel-agent start` itself, e.g. the
    /// shipped `collector-config/rotel/agent.sh`. It gets the binary in `$ROTEL`,
    /// the receiver addresses in `$ROTEL_OTLP_GRPC_ENDPOINT` and
    /// `$ROTEL_OTLP_HTTP_ENDPOINT`, the exporter in `$ROTEL_EXPORTER`, and the
    /// other flags (debug log, pid and log file, `extra_args`) as arguments, which
    /// it must pass on to `rotel-agent start`.
    pub launcher: Option<PathBuf>,
    /// Environment variables for rotel (or the launcher), e.g.
    /// `ROTEL_OTLP_EXPORTER_ENDPOINT`.
    pub env: Vec<(String, String)>,
}

impl Default for RotelOptions {
    fn default() -> Self {
        RotelOptions {
            debug_log: vec!["metrics".into(), "traces".into()],
            verbosity: "detailed".into(),
            exporter: "blackhole".into(),
            startup_timeout: Duration::from_secs(30),
            extra_args: Vec::new(),
            launcher: None,
            env: Vec::new(),
        }
    }
}

/// A running `rotel-agent` with OTLP/gRPC and OTLP/HTTP receivers on free
/// loopback ports and its debug exporter printing every received metric and
/// span. Not daemonized; killed (and its temp dir removed) on drop.
///
/// Rotel prints the debug log to **stdout** (its own log lines too); both
/// stdout and stderr go to one file, read by [`Rotel::output`]. `NO_COLOR=1`
/// is set so the output has no ANSI escapes; `RUST_LOG` and `ROTEL_*`
/// variables are removed from its environment.
#[derive(Debug)]
pub struct Rotel {
    // Field order matters: the process is killed before its dir is removed.
    process: ManagedProcess,
    grpc_port: u16,
    http_port: u16,
    dir: TempDir,
}

impl Rotel {
    /// Starts rotel with [`RotelOptions::default`].
    pub fn start() -> Result<Rotel> {
        Rotel::start_with(RotelOptions::default())
    }

    /// Starts rotel and waits (bounded) until both receiver ports accept TCP
    /// connections. Retries on fresh ports if a port was taken meanwhile.
    pub fn start_with(options: RotelOptions) -> Result<Rotel> {
        let bin = rotel_bin()?;
        let mut last_err = None;
        for _attempt in 0..3 {
            let grpc_port = free_port()?;
            let http_port = free_port()?;
            match Rotel::spawn_on(&bin, &options, grpc_port, http_port) {
                Ok(rotel) => return Ok(rotel),
                Err((e, retry)) => {
                    last_err = Some(e);
                    if !retry {
                        break;
                    }
                }
            }
        }
        Err(last_err.unwrap_or_else(|| err!("rotel did not start")))
    }

    /// Starts rotel on the given loopback ports (e.g. those of a rotel that was
    /// just stopped, to model a collector coming back) and waits until both
    /// accept TCP connections. While a port is still in use, retries on the
    /// same ports until `options.startup_timeout` has passed (each attempt
    /// waits at most that long too).
    pub fn start_on_ports(options: RotelOptions, grpc_port: u16, http_port: u16) -> Result<Rotel> {
        let bin = rotel_bin()?;
        let deadline = std::time::Instant::now() + options.startup_timeout;
        loop {
            match Rotel::spawn_on(&bin, &options, grpc_port, http_port) {
                Ok(rotel) => return Ok(rotel),
                Err((e, retry)) => {
                    if !retry || std::time::Instant::now() >= deadline {
                        return Err(e);
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }

    /// Spawns rotel on these ports and waits until it listens; on failure, the
    /// error and whether it was a port already in use.
    fn spawn_on(
        bin: &std::path::Path,
        options: &RotelOptions,
        grpc_port: u16,
        http_port: u16,
    ) -> std::result::Result<Rotel, (crate::HarnessError, bool)> {
        let dir = TempDir::new("rotel").map_err(|e| (e, false))?;
        let grpc = format!("127.0.0.1:{grpc_port}");
        let http = format!("127.0.0.1:{http_port}");
        let mut cmd;
        match &options.launcher {
            Some(launcher) => {
                cmd = Command::new(launcher);
                cmd.env("ROTEL", bin)
                    .env("ROTEL_OTLP_GRPC_ENDPOINT", &grpc)
                    .env("ROTEL_OTLP_HTTP_ENDPOINT", &http)
                    .env("ROTEL_EXPORTER", &options.exporter);
            }
            None => {
                cmd = Command::new(bin);
                cmd.arg("start")
                    .arg("--otlp-grpc-endpoint")
                    .arg(&grpc)
                    .arg("--otlp-http-endpoint")
                    .arg(&http)
                    .arg("--exporter")
                    .arg(&options.exporter);
            }
        }
        cmd.arg("--debug-log-verbosity")
            .arg(&options.verbosity)
            .arg("--pid-file")
            .arg(dir.path().join("rotel.pid"))
            .arg("--log-file")
            .arg(dir.path().join("rotel.log"));
        for d in &options.debug_log {
            cmd.arg("--debug-log").arg(d);
        }
        cmd.args(&options.extra_args).current_dir(dir.path());
        for (k, _) in std::env::vars_os() {
            let k = k.to_string_lossy();
            if k.starts_with("ROTEL_") && !cmd.get_envs().any(|(set, _)| set == k.as_ref()) {
                cmd.env_remove(k.as_ref());
            }
        }
        cmd.env_remove("RUST_LOG").env("NO_COLOR", "1");
        for (k, v) in &options.env {
            cmd.env(k, v);
        }

        let process = ManagedProcess::spawn("rotel", cmd, &dir.path().join("output.txt"))
            .map_err(|e| (e, false))?;
        let rotel = Rotel {
            process,
            grpc_port,
            http_port,
            dir,
        };
        match rotel.wait_listening(options.startup_timeout) {
            Ok(()) => Ok(rotel),
            Err(e) => {
                let retry = rotel.process.log().contains("Address already in use");
                Err((e, retry))
            }
        }
    }

    fn wait_listening(&self, timeout: Duration) -> Result<()> {
        let addrs = [self.grpc_addr(), self.http_addr()];
        let r = poll(
            timeout,
            Duration::from_millis(50),
            || {
                self.process.ensure_running()?;
                let up = addrs
                    .iter()
                    .all(|a| TcpStream::connect_timeout(a, Duration::from_millis(200)).is_ok());
                Ok(up.then_some(()))
            },
            String::new,
        );
        r.map_err(|e| {
            err!(
                "rotel not listening on {} and {} ({}); output tail:\n{}",
                addrs[0],
                addrs[1],
                e.message().trim_end_matches(": "),
                self.process.log_tail(40)
            )
        })
    }

    /// The OTLP/gRPC endpoint, `http://127.0.0.1:<port>`.
    pub fn grpc_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.grpc_port)
    }

    /// The OTLP/HTTP base endpoint, `http://127.0.0.1:<port>`; signals go
    /// to `/v1/metrics` and `/v1/traces` below it.
    pub fn http_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    /// The OTLP/gRPC socket address.
    pub fn grpc_addr(&self) -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, self.grpc_port))
    }

    /// The OTLP/HTTP socket address.
    pub fn http_addr(&self) -> SocketAddr {
        SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, self.http_port))
    }

    /// The OTLP/gRPC port.
    pub fn grpc_port(&self) -> u16 {
        self.grpc_port
    }

    /// The OTLP/HTTP port.
    pub fn http_port(&self) -> u16 {
        self.http_port
    }

    /// Stops rotel as an orchestrator would for a restart (SIGTERM, then SIGKILL
    /// after `timeout`) and returns everything it printed, which is deleted with
    /// its temp dir.
    pub fn stop(self, timeout: Duration) -> Result<String> {
        self.process.terminate(timeout)?;
        Ok(self.process.log())
    }

    /// The process id of `rotel-agent`.
    pub fn pid(&self) -> u32 {
        self.process.pid()
    }

    /// Rotel's temp dir (holds `output.txt`).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// The file rotel's stdout and stderr go to.
    pub fn output_path(&self) -> PathBuf {
        self.dir.path().join("output.txt")
    }

    /// Everything rotel printed so far (stdout and stderr interleaved as
    /// written): its log lines and the debug exporter's dump.
    pub fn output(&self) -> String {
        self.process.log()
    }

    /// The output after byte offset `offset` (e.g. an earlier
    /// `output().len()`), to look only at what arrived since.
    pub fn output_since(&self, offset: usize) -> String {
        let out = self.output();
        out.get(offset..).unwrap_or_default().to_string()
    }

    /// Polls [`Self::output`] (every 50 ms) until `pred` holds, then returns
    /// it. Fails early if rotel exits; the timeout error includes the
    /// output's tail.
    pub fn wait_for_output(
        &self,
        mut pred: impl FnMut(&str) -> bool,
        timeout: Duration,
    ) -> Result<String> {
        let r = poll(
            timeout,
            Duration::from_millis(50),
            || {
                let out = self.process.log();
                if pred(&out) {
                    return Ok(Some(out));
                }
                self.process.ensure_running()?;
                Ok(None)
            },
            String::new,
        );
        r.map_err(|e| {
            err!(
                "{} waiting for rotel output; output tail:\n{}",
                e.message().trim_end_matches(": "),
                self.process.log_tail(60)
            )
        })
    }

    /// Waits until a metric named `name` has been printed and returns its
    /// last printed block.
    pub fn wait_for_metric(&self, name: &str, timeout: Duration) -> Result<RotelMetric> {
        let out = self.wait_for_output(|o| find_metric(o, name).is_some(), timeout)?;
        find_metric(&out, name).ok_or_else(|| err!("metric {name} vanished"))
    }

    /// Waits until a span named `name` has been printed and returns the last
    /// one.
    pub fn wait_for_span(&self, name: &str, timeout: Duration) -> Result<RotelSpan> {
        let out = self.wait_for_output(|o| find_span(o, name).is_some(), timeout)?;
        find_span(&out, name).ok_or_else(|| err!("span {name} vanished"))
    }
}
