//! Running `promtool` checks.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::error::{Result, err};
use crate::tools::promtool_bin;

/// How long one promtool run may take before it is killed.
const PROMTOOL_TIMEOUT: Duration = Duration::from_secs(60);

/// What a finished tool run returned.
#[derive(Debug, Clone)]
pub struct ToolOutput {
    /// The exit status.
    pub status: ExitStatus,
    /// Everything written to stdout.
    pub stdout: String,
    /// Everything written to stderr (promtool writes its findings here).
    pub stderr: String,
}

impl ToolOutput {
    /// True if the tool exited with status 0.
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// The exit code (`None` if killed by a signal). `promtool check metrics`
    /// exits 1 for parse errors and 3 for lint problems only.
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Stdout followed by stderr.
    pub fn combined(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// `Ok(self)` on exit status 0, otherwise an error with both streams.
    pub fn ensure_success(self) -> Result<ToolOutput> {
        if self.success() {
            Ok(self)
        } else {
            Err(err!(
                "tool failed ({}):\nstdout:\n{}\nstderr:\n{}",
                self.status,
                self.stdout,
                self.stderr
            ))
        }
    }
}

/// Findings that the guide's own metric names force on `promtool check metrics`,
/// with the reason they stay (each is `(finding line, reason)`). Shared by
/// the tests that run `promtool check metrics` on a scrape.
pub const EXPECTED_PROMTOOL_FINDINGS: &[(&str, &str)] = &[
    (
        "autobot_knowledge_documents_total non-counter metrics should not have \"_total\" suffix",
        "the guide names this gauge (set via set_document_count) with _total",
    ),
    (
        "autobot_knowledge_vectors_total non-counter metrics should not have \"_total\" suffix",
        "the guide names this gauge with _total",
    ),
    (
        "autobot_redis_keys_total non-counter metrics should not have \"_total\" suffix",
        "the guide names this gauge (\"Total keys gauge\") with _total",
    ),
    (
        "autobot_circuit_breaker_failure_count non-histogram and non-summary metrics should not have \"_count\" suffix",
        "the guide names this gauge with _count",
    ),
];

/// The distinct, trimmed, sorted finding lines of a `promtool check metrics`
/// run (stdout and stderr).
pub fn promtool_findings(out: &ToolOutput) -> Vec<String> {
    let mut findings: Vec<String> = out
        .combined()
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    findings.sort();
    findings.dedup();
    findings
}

/// `promtool check metrics` with `text` (Prometheus exposition format) on
/// stdin. `Err` only if promtool could not be run; a failed check is an
/// `Ok` with a non-zero [`ToolOutput::status`].
pub fn promtool_check_metrics(text: &str) -> Result<ToolOutput> {
    run_promtool(&["check".into(), "metrics".into()], Some(text.as_bytes()))
}

/// `promtool check config <path>` (also checks the rule files it names).
pub fn promtool_check_config(path: impl AsRef<Path>) -> Result<ToolOutput> {
    run_promtool(
        &[
            "check".into(),
            "config".into(),
            path.as_ref().as_os_str().to_owned(),
        ],
        None,
    )
}

/// `promtool check rules <paths...>`.
pub fn promtool_check_rules<P: AsRef<Path>>(paths: &[P]) -> Result<ToolOutput> {
    let mut args: Vec<OsString> = vec!["check".into(), "rules".into()];
    args.extend(paths.iter().map(|p| p.as_ref().as_os_str().to_owned()));
    run_promtool(&args, None)
}

/// `promtool test rules <paths...>` (rule unit-test files).
pub fn promtool_test_rules<P: AsRef<Path>>(paths: &[P]) -> Result<ToolOutput> {
    let mut args: Vec<OsString> = vec!["test".into(), "rules".into()];
    args.extend(paths.iter().map(|p| p.as_ref().as_os_str().to_owned()));
    run_promtool(&args, None)
}

fn run_promtool(args: &[OsString], stdin: Option<&[u8]>) -> Result<ToolOutput> {
    let bin = promtool_bin()?;
    let mut cmd = Command::new(&bin);
    cmd.args(args);
    run_with_timeout(cmd, stdin, PROMTOOL_TIMEOUT)
}

/// Runs `cmd` to completion, feeding `stdin`, killing it after `timeout`.
pub(crate) fn run_with_timeout(
    mut cmd: Command,
    stdin: Option<&[u8]>,
    timeout: Duration,
) -> Result<ToolOutput> {
    let program = format!("{:?}", cmd.get_program());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| err!("cannot run {program}: {e}"))?;

    let stdin_pipe = child.stdin.take();
    let mut stdout_pipe = child.stdout.take();
    let mut stderr_pipe = child.stderr.take();
    let input = stdin.map(<[u8]>::to_vec);

    std::thread::scope(|s| {
        s.spawn(move || {
            if let (Some(mut pipe), Some(input)) = (stdin_pipe, input) {
                // The tool may exit before reading everything; ignore EPIPE.
                let _ = pipe.write_all(&input);
            }
        });
        let out = s.spawn(move || {
            let mut buf = Vec::new();
            if let Some(p) = stdout_pipe.as_mut() {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        });
        let errt = s.spawn(move || {
            let mut buf = Vec::new();
            if let Some(p) = stderr_pipe.as_mut() {
                let _ = p.read_to_end(&mut buf);
            }
            buf
        });

        let deadline = Instant::now() + timeout;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break Ok(status),
                Ok(None) if Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(err!("{program} did not finish within {timeout:?}; killed"));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break Err(err!("waiting for {program} failed: {e}"));
                }
            }
        };
        let stdout = out.join().unwrap_or_default();
        let stderr = errt.join().unwrap_or_default();
        Ok(ToolOutput {
            status: status?,
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_with_timeout_feeds_stdin_and_captures_streams() {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg("cat; echo err >&2; exit 2");
        let out = run_with_timeout(cmd, Some(b"in"), Duration::from_secs(10)).unwrap();
        assert_eq!(out.stdout, "in");
        assert_eq!(out.stderr, "err\n");
        assert_eq!(out.code(), Some(2));
        assert!(!out.success());
        assert!(out.ensure_success().is_err());
    }

    #[test]
    fn run_with_timeout_kills_hung_process() {
        let mut cmd = Command::new("sleep");
        cmd.arg("30");
        let start = Instant::now();
        let e = run_with_timeout(cmd, None, Duration::from_millis(200)).unwrap_err();
        assert!(e.message().contains("did not finish"), "{e}");
        assert!(start.elapsed() < Duration::from_secs(10));
    }
}
