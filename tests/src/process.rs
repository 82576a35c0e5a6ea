//! Child processes that never outlive their handle (or the test binary).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::error::{HarnessError, Result, err};

/// A spawned child process whose stdout and stderr go to one log file.
///
/// On drop the process is killed (SIGKILL) and reaped. A watchdog shell
/// process also kills it within ~0.5 s if the test binary dies without
/// running destructors (e.g. it is killed or aborts).
#[derive(Debug)]
pub struct ManagedProcess {
    name: String,
    pid: u32,
    child: Mutex<Child>,
    watchdog: Option<Child>,
    log_path: PathBuf,
}

impl ManagedProcess {
    /// Spawns `cmd` with stdin closed and stdout+stderr appended to `log_path`.
    pub fn spawn(name: &str, mut cmd: Command, log_path: &Path) -> Result<ManagedProcess> {
        let log = File::create(log_path)
            .map_err(|e| err!("cannot create log file {}: {e}", log_path.display()))?;
        let log2 = log
            .try_clone()
            .map_err(|e| err!("cannot clone log file handle: {e}"))?;
        cmd.stdin(Stdio::null())
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(log2));
        let child = cmd
            .spawn()
            .map_err(|e| err!("cannot start {name} ({:?}): {e}", cmd.get_program()))?;
        let watchdog = spawn_watchdog(child.id());
        Ok(ManagedProcess {
            name: name.to_string(),
            pid: child.id(),
            child: Mutex::new(child),
            watchdog,
            log_path: log_path.to_path_buf(),
        })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    fn child(&self) -> MutexGuard<'_, Child> {
        self.child.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `Some(status)` if the process has exited.
    pub fn exited(&self) -> Option<ExitStatus> {
        self.child().try_wait().ok().flatten()
    }

    /// Errors out (with the log tail) if the process has exited.
    pub fn ensure_running(&self) -> Result<()> {
        match self.exited() {
            None => Ok(()),
            Some(status) => Err(err!(
                "{} exited unexpectedly ({status}); last output:\n{}",
                self.name,
                self.log_tail(40)
            )),
        }
    }

    /// Asks the process to stop (SIGTERM, via `kill -TERM`) and waits up to
    /// `timeout` for it to exit; kills it (SIGKILL) if it has not. Returns how it
    /// exited.
    pub fn terminate(&self, timeout: Duration) -> Result<ExitStatus> {
        if let Some(status) = self.exited() {
            return Ok(status);
        }
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let graceful = poll(
            timeout,
            Duration::from_millis(20),
            || Ok(self.exited()),
            String::new,
        );
        match graceful {
            Ok(status) => Ok(status),
            Err(_) => {
                let mut child = self.child();
                let _ = child.kill();
                child
                    .wait()
                    .map_err(|e| err!("cannot reap {}: {e}", self.name))
            }
        }
    }

    /// The whole log (stdout + stderr, in the order written).
    pub fn log(&self) -> String {
        std::fs::read(&self.log_path)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// The last `n` lines of the log.
    pub fn log_tail(&self, n: usize) -> String {
        tail(&self.log(), n)
    }
}

impl Drop for ManagedProcess {
    fn drop(&mut self) {
        // Stop the watchdog first so it can never act on a recycled pid.
        if let Some(mut w) = self.watchdog.take() {
            let _ = w.kill();
            let _ = w.wait();
        }
        let child = self.child.get_mut().unwrap_or_else(|p| p.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Kills `pid` when the current (test) process goes away. Best effort: if
/// `sh` can't be started the process is still killed on drop.
fn spawn_watchdog(pid: u32) -> Option<Child> {
    let script = r#"while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 0.5; done; kill -9 "$2" 2>/dev/null"#;
    Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg("autobot-otel-tests-watchdog")
        .arg(std::process::id().to_string())
        .arg(pid.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()
}

/// The last `n` lines of `text`.
pub(crate) fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Runs `attempt` up to three times while it fails with `(error, true)`: a server
/// whose free port was taken between [`crate::free_port`] and its bind is started
/// again on a fresh one. Returns the first success or the last error.
pub(crate) fn retry_port_conflicts<T>(
    what: &str,
    mut attempt: impl FnMut() -> std::result::Result<T, (HarnessError, bool)>,
) -> Result<T> {
    let mut last = None;
    for _ in 0..3 {
        match attempt() {
            Ok(v) => return Ok(v),
            Err((e, retry)) => {
                last = Some(e);
                if !retry {
                    break;
                }
            }
        }
    }
    Err(last.unwrap_or_else(|| err!("{what} did not start")))
}

impl ManagedProcess {
    /// Polls `url` (every 100 ms, up to `timeout`) until it answers 200; fails
    /// early, with the log tail, if the process exits. On failure the error says
    /// whether the log shows the port was already in use (then retry elsewhere).
    pub(crate) fn wait_http_ok(
        &self,
        url: &str,
        timeout: Duration,
    ) -> std::result::Result<(), (HarnessError, bool)> {
        let mut last = String::from("no response yet");
        poll(
            timeout,
            Duration::from_millis(100),
            || {
                self.ensure_running()?;
                match crate::http::http_get(url) {
                    Ok(r) if r.status == 200 => return Ok(Some(())),
                    Ok(r) => last = format!("HTTP {}: {}", r.status, r.body.trim()),
                    Err(e) => last = e.to_string(),
                }
                Ok(None)
            },
            String::new,
        )
        .map_err(|e| {
            let log = self.log();
            let in_use = log.to_ascii_lowercase().contains("address already in use");
            let e = err!(
                "{} not ready at {url} ({}; last answer: {last}); log tail:\n{}",
                self.name,
                e.message().trim_end_matches(": "),
                tail(&log, 40)
            );
            (e, in_use)
        })
    }
}

/// Polls `f` every `interval` until it returns `Ok(Some(v))`, it returns an
/// error, or `timeout` has passed (then the last `None` becomes an error built
/// by `on_timeout`).
pub fn poll<T>(
    timeout: Duration,
    interval: Duration,
    mut f: impl FnMut() -> Result<Option<T>>,
    on_timeout: impl FnOnce() -> String,
) -> Result<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f()? {
            return Ok(v);
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(err!("timed out after {timeout:?}: {}", on_timeout()));
        }
        std::thread::sleep(interval.min(deadline - now));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn process_is_killed_on_drop() {
        let dir = crate::TempDir::new("proc").unwrap();
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("echo hello; echo oops >&2; exec sleep 60");
        let p = ManagedProcess::spawn("sleeper", cmd, &dir.path().join("log")).unwrap();
        let pid = p.pid();
        let log = poll(
            Duration::from_secs(5),
            Duration::from_millis(20),
            || {
                let l = p.log();
                Ok((l.contains("hello") && l.contains("oops")).then_some(l))
            },
            || "no output".into(),
        )
        .unwrap();
        assert!(log.contains("hello"));
        p.ensure_running().unwrap();
        drop(p);
        assert!(!Path::new(&format!("/proc/{pid}")).exists());
    }

    #[test]
    fn exited_process_reports_log_tail() {
        let dir = crate::TempDir::new("proc").unwrap();
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg("echo bind failed >&2; exit 3");
        let p = ManagedProcess::spawn("failing", cmd, &dir.path().join("log")).unwrap();
        let e = poll(
            Duration::from_secs(5),
            Duration::from_millis(20),
            || Ok(p.ensure_running().err()),
            || "still running".into(),
        )
        .unwrap();
        assert!(e.message().contains("bind failed"), "{e}");
        assert!(e.message().contains("failing exited"), "{e}");
    }

    #[test]
    fn poll_times_out() {
        let e = poll(
            Duration::from_millis(50),
            Duration::from_millis(10),
            || Ok(None::<()>),
            || "never".into(),
        )
        .unwrap_err();
        assert!(e.message().contains("timed out"));
    }
}
