//! Collector outages: an OTLP endpoint that (a) refuses connections, (b) accepts
//! TCP and never answers, (c) answers slowly, and (d) a real collector (rotel)
//! that is killed and comes back on the same ports, each over gRPC and over
//! HTTP/protobuf. For every case:
//!
//! * recording never blocks: every batch of [`CALLS`] recordings, in rounds spread
//!   over ~1 s while the push loop runs every [`EXPORT_INTERVAL`], completes
//!   within [`RECORDING_BOUND`] (1 s; a recording that waited for an export in
//!   flight would take its 2–3 s). What an outage costs per call against a
//!   pipeline without OTLP is a benchmark (`outage/recording` in
//!   `benches/benches/hot_path.rs`, a ratio in perf-report's table), not a test;
//! * nothing panics (a panic hook counts panics on every thread, the push and
//!   export threads included) and memory stays bounded (the live heap after
//!   several failed export cycles against after the first ones);
//! * `shutdown()` returns within its timeout ([`SHUTDOWN_TIMEOUT`], shorter than
//!   the per-export timeout, so a hung export must not hold it);
//! * the health report shows the failing exports, and, for (d), recovery; a
//!   value recorded while the collector was down reaches the restarted one.
//!
//! The scenarios run in a child process, the `autobot-test-outages` binary of
//! this crate (`src/bin/outages.rs`). That gives a quiet process for the timing
//! and memory figures, and a hard bound on the whole run (the child is killed
//! after [`CHILD_DEADLINE`]). The heap is measured by the harness's counting global
//! allocator (live bytes, not RSS).
//!
//! "Slow" (c) is a latency proxy in front of a real rotel that holds every byte
//! the collector sends back for [`SLOW_ANSWER`] before passing it on, so both
//! protocols get their real answers, late (exports succeed, slowly).
//!
//! Everything listens on 127.0.0.1 only; every wait is bounded.

use std::process::Command;
use std::time::{Duration, Instant};

use autobot_otel_tests::{ManagedProcess, TempDir, poll};

/// The child is killed (and the test fails) after this long.
const CHILD_DEADLINE: Duration = Duration::from_secs(115);

#[test]
fn collector_outages_over_grpc_and_http() {
    let dir = TempDir::new("outages").expect("temp dir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_autobot-test-outages"));
    for (key, _) in std::env::vars() {
        if key.starts_with("OTEL_") || key == "RUST_LOG" {
            cmd.env_remove(key);
        }
    }
    // Killed on drop (also when an assertion below fails).
    let child = ManagedProcess::spawn("outage scenarios", cmd, &dir.path().join("child.log"))
        .expect("child starts");
    let started = Instant::now();
    let status = poll(
        CHILD_DEADLINE,
        Duration::from_millis(100),
        || Ok(child.exited()),
        String::new,
    );
    println!("{}", child.log());
    println!("child ran {:.1} s", started.elapsed().as_secs_f64());
    match status {
        Err(_) => panic!("the outage scenarios did not finish within {CHILD_DEADLINE:?}"),
        Ok(status) => assert!(status.success(), "outage scenarios failed ({status})"),
    }
}
