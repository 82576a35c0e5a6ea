//! The subscriber `init()` installs writes its logs to stderr, as documented: a
//! service's stdout is often its data channel. Runs the demo (which calls
//! `init()`) with its two streams captured apart.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The demo with its environment cleared of `OTEL_*` and `RUST_LOG`.
fn demo() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_autobot-test-demo"));
    for (key, _) in std::env::vars() {
        if key.starts_with("OTEL_") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    cmd
}

#[test]
fn init_logs_go_to_stderr_and_stdout_stays_empty() {
    let child = demo()
        .env("AUTOBOT_DEMO_ADDR", "127.0.0.1:0")
        .env("AUTOBOT_DEMO_DURATION_SECS", "1")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("demo starts");
    let started = Instant::now();
    let output = child.wait_with_output().expect("demo output");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the demo stops on its own deadline"
    );
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("autobot demo serving"), "stderr: {stderr}");
    assert!(stderr.contains("INFO"), "stderr: {stderr}");
    assert_eq!(stdout, "", "nothing on stdout");
}

/// A setting `init!()` could not read is logged to the subscriber it installs:
/// the pipeline is built before that subscriber exists, so the warning is kept
/// until it does.
#[test]
fn configuration_warnings_of_init_reach_the_subscriber_it_installs() {
    let output = demo()
        .env("AUTOBOT_DEMO_ADDR", "127.0.0.1:0")
        .env("AUTOBOT_DEMO_DURATION_SECS", "1")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .env("OTEL_METRICS_EXEMPLAR_FILTER", "sometimes")
        .stdin(Stdio::null())
        .output()
        .expect("demo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.contains("unknown exemplar filter"))
        .unwrap_or_else(|| panic!("no warning on stderr: {stderr}"));
    assert!(line.contains("WARN"), "{line}");
    assert!(line.contains("autobot_otel::config"), "{line}");
    assert!(line.contains("OTEL_METRICS_EXEMPLAR_FILTER"), "{line}");
    assert!(line.contains("sometimes"), "{line}");
}
