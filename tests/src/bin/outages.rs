//! The collector outage scenarios, run as a child process by the
//! `collector_outages` integration test (see `tests/tests/collector_outages.rs`
//! for what they check). Exits non-zero, after printing every problem, when a
//! scenario fails.
//!
//! Everything listens on 127.0.0.1 only; every wait is bounded.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use autobot_otel::Telemetry;
use autobot_otel::labels::Outcome;
use autobot_otel::otlp::{ExportStatusSnapshot, OtlpProtocol, OtlpSettings};
use autobot_otel_tests::{Rotel, RotelOptions, free_port, parse_metrics};

/// Per-export timeout (`OtlpSettings::with_timeout`).
const EXPORT_TIMEOUT: Duration = Duration::from_secs(3);
/// `TelemetryBuilder::with_shutdown_timeout`: shorter than an export can hang.
const SHUTDOWN_TIMEOUT: Duration = Duration::from_millis(1500);
/// What `shutdown()` may take beyond its timeout: `recv_timeout` returns only
/// after the timeout, then the export runtime is released (thread scheduling on
/// a busy 2-core VM).
const SHUTDOWN_SLACK: Duration = Duration::from_millis(300);
/// The push interval: the push loop is always busy.
const EXPORT_INTERVAL: Duration = Duration::from_millis(100);
/// How late the slow collector answers.
const SLOW_ANSWER: Duration = Duration::from_secs(2);
/// Every batch of [`CALLS`] recordings in an outage completes within this
/// (they take well under a millisecond): a recording that waited for the
/// exporter would wait for an export in flight, which takes [`SLOW_ANSWER`] or
/// [`EXPORT_TIMEOUT`] in the slow and never-answering cases. What an outage
/// costs per call against a pipeline without OTLP is a benchmark, not a test
/// (`outage/recording` in benches/benches/hot_path.rs, in perf-report's table).
const RECORDING_BOUND: Duration = Duration::from_secs(1);
const _: () = assert!(
    RECORDING_BOUND.as_millis() < SLOW_ANSWER.as_millis()
        && RECORDING_BOUND.as_millis() < EXPORT_TIMEOUT.as_millis()
);
/// The live heap may grow at most this much between the early and the late
/// sample of an outage (room for one export in flight; a leak of what each
/// failed export carries would pass it within a few cycles only if it were tiny).
const HEAP_GROWTH_BOUND: i64 = 1 << 20;

#[global_allocator]
static HEAP: autobot_otel_tests::CountingAllocator = autobot_otel_tests::CountingAllocator;

/// Rounds of recording per outage, one push interval apart (~1 s in all, so they
/// meet the push loop in every phase).
const ROUNDS: usize = 9;
/// Batches per round.
const BATCHES: usize = 7;
/// Facade calls per batch.
const CALLS: usize = 1000;

const WORKFLOWS: [&str; 8] = [
    "code_review",
    "deploy",
    "triage",
    "refactor",
    "test_run",
    "release",
    "docs",
    "security_scan",
];

// ---------------------------------------------------------------- the child

static PANICS: AtomicUsize = AtomicUsize::new(0);

fn main() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        PANICS.fetch_add(1, Ordering::SeqCst);
        previous(info);
    }));
    let mut rows = Vec::new();
    for protocol in [OtlpProtocol::Grpc, OtlpProtocol::HttpProtobuf] {
        rows.push(refused(protocol));
        rows.push(never_answering(protocol));
        rows.push(slow(protocol));
        rows.push(restarted(protocol));
    }

    println!();
    println!(
        "| case | protocol | recording ns/call (median batch) | slowest batch of {CALLS} ms (bound {}) | exports ok/failed | heap growth KiB | shutdown ms | shutdown result |",
        RECORDING_BOUND.as_millis()
    );
    println!("|---|---|---:|---:|---:|---:|---:|---|");
    for r in &rows {
        println!(
            "| {} | {} | {:.0} | {:.3} | {}/{} | {:+} | {} | {} |",
            r.case,
            r.protocol.as_str(),
            r.recording.median_ns,
            r.recording.slowest.as_secs_f64() * 1e3,
            r.exports.0,
            r.exports.1,
            r.heap_growth / 1024,
            r.shutdown.as_millis(),
            r.shutdown_result,
        );
    }
    println!();

    let mut problems: Vec<String> = rows
        .iter()
        .flat_map(|r| {
            r.problems
                .iter()
                .map(move |p| format!("{} {}: {p}", r.case, r.protocol.as_str()))
        })
        .collect();
    let panics = PANICS.load(Ordering::SeqCst);
    if panics > 0 {
        problems.push(format!("{panics} panic(s) on some thread (see above)"));
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
    println!("all outage scenarios passed");
}

/// One scenario's figures.
struct Row {
    case: &'static str,
    protocol: OtlpProtocol,
    recording: Recording,
    /// Exports succeeded and failed by the end of the scenario.
    exports: (u64, u64),
    heap_growth: i64,
    shutdown: Duration,
    shutdown_result: String,
    problems: Vec<String>,
}

impl Row {
    /// The row of a finished scenario (printed as it is made).
    fn new(
        case: &'static str,
        protocol: OtlpProtocol,
        recording: Recording,
        status: &ExportStatusSnapshot,
        heap_growth: i64,
        (shutdown, shutdown_result): (Duration, String),
        problems: Vec<String>,
    ) -> Row {
        eprintln!(
            "   {recording:?}, heap {heap_growth:+} B, shutdown {shutdown:?} {shutdown_result}"
        );
        Row {
            case,
            protocol,
            recording,
            exports: (status.exports_succeeded, status.exports_failed),
            heap_growth,
            shutdown,
            shutdown_result,
            problems,
        }
    }
}

fn pipeline(endpoint: &str, protocol: OtlpProtocol) -> Telemetry {
    Telemetry::builder()
        .with_service_name("outage-test")
        .with_otlp(
            OtlpSettings::new(endpoint, protocol)
                .with_export_interval(EXPORT_INTERVAL)
                .with_timeout(EXPORT_TIMEOUT),
        )
        .with_shutdown_timeout(SHUTDOWN_TIMEOUT)
        .build()
        .expect("pipeline builds")
}

fn metrics_status(t: &Telemetry) -> ExportStatusSnapshot {
    t.health()
        .exporters
        .otlp_metrics
        .expect("OTLP metrics configured")
        .status
}

/// A small recording workload (every workflow type, so each export carries
/// several series).
fn record_some(t: &Telemetry) {
    for (i, wf) in WORKFLOWS.iter().enumerate() {
        let outcome = if i % 3 == 0 {
            Outcome::Failed
        } else {
            Outcome::Success
        };
        t.metrics()
            .record_workflow_execution(wf, outcome, 0.05 * i as f64);
    }
}

/// Records and polls until `done` holds for the metric export status, or
/// `timeout`; the last status either way.
fn wait_status(
    t: &Telemetry,
    timeout: Duration,
    mut done: impl FnMut(&ExportStatusSnapshot) -> bool,
) -> Result<ExportStatusSnapshot, ExportStatusSnapshot> {
    let deadline = Instant::now() + timeout;
    loop {
        record_some(t);
        let status = metrics_status(t);
        if done(&status) {
            return Ok(status);
        }
        if Instant::now() >= deadline {
            return Err(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn exports(s: &ExportStatusSnapshot) -> u64 {
    s.exports_failed + s.exports_succeeded
}

/// Resident set size of this process, bytes.
fn heap_bytes() -> i64 {
    autobot_otel_tests::live_heap_bytes() as i64
}

/// Shuts `t` down and checks it returned within its timeout.
fn timed_shutdown(t: &Telemetry, problems: &mut Vec<String>) -> (Duration, String) {
    let started = Instant::now();
    let result = t.shutdown();
    let took = started.elapsed();
    if took > SHUTDOWN_TIMEOUT + SHUTDOWN_SLACK {
        problems.push(format!(
            "shutdown took {took:?}, more than its {SHUTDOWN_TIMEOUT:?} timeout (+{SHUTDOWN_SLACK:?})"
        ));
    }
    let text = match result {
        Ok(()) => "ok".to_string(),
        Err(e) => {
            let e = e.to_string();
            let short: String = e.chars().take(60).collect();
            format!("err: {}", short.replace('|', "/"))
        }
    };
    (took, text)
}

// ------------------------------------------------------------ recording

/// How long `calls` facade calls take.
fn batch(t: &Telemetry, calls: usize) -> Duration {
    let m = t.metrics();
    let started = Instant::now();
    for i in 0..calls {
        m.record_workflow_execution(
            std::hint::black_box(WORKFLOWS[i % WORKFLOWS.len()]),
            Outcome::Success,
            0.25,
        );
    }
    started.elapsed()
}

/// What recording took during an outage.
#[derive(Clone, Copy, Debug)]
struct Recording {
    /// The median batch, ns per call (a figure, not checked).
    median_ns: f64,
    /// The slowest batch of [`CALLS`] calls.
    slowest: Duration,
}

/// Records [`ROUNDS`] rounds of [`BATCHES`] batches, one push interval apart
/// (pacing, so the batches meet the push loop and its exports in every phase),
/// and checks that no batch took longer than [`RECORDING_BOUND`].
fn check_recording(t: &Telemetry, problems: &mut Vec<String>) -> Recording {
    let mut batches = Vec::with_capacity(ROUNDS * BATCHES);
    for _ in 0..ROUNDS {
        for _ in 0..BATCHES {
            batches.push(batch(t, CALLS));
        }
        std::thread::sleep(EXPORT_INTERVAL);
    }
    batches.sort();
    let slowest = batches[batches.len() - 1];
    if slowest > RECORDING_BOUND {
        let over = batches.iter().filter(|b| **b > RECORDING_BOUND).count();
        problems.push(format!(
            "recording blocked: a batch of {CALLS} calls took {slowest:?} ({over} of {} \
             batches over the {RECORDING_BOUND:?} bound)",
            batches.len()
        ));
    }
    Recording {
        median_ns: batches[batches.len() / 2].as_nanos() as f64 / CALLS as f64,
        slowest,
    }
}

// --------------------------------------------------------- (a), (b) and (c)

/// The common part of an outage: wait for `warm` export cycles, check the
/// health, sample the heap, record (bounded in time), wait `more` cycles, sample
/// the heap again, shut down.
fn outage(
    case: &'static str,
    protocol: OtlpProtocol,
    endpoint: &str,
    expect_failures: bool,
    (warm, more): (u64, u64),
) -> Row {
    eprintln!("== {case} over {}: {endpoint}", protocol.as_str());
    let mut problems = Vec::new();
    let t = pipeline(endpoint, protocol);
    let cycle = if expect_failures {
        EXPORT_TIMEOUT
    } else {
        SLOW_ANSWER
    } + Duration::from_secs(1);
    let warm_wait = cycle * warm as u32 + Duration::from_secs(3);
    let status = match wait_status(&t, warm_wait, |s| exports(s) >= warm) {
        Ok(s) => s,
        Err(s) => {
            problems.push(format!("only {} exports within {warm_wait:?}", exports(&s)));
            s
        }
    };
    let health = t.health();
    if expect_failures {
        if status.exports_failed == 0 || !status.failing || status.exports_succeeded > 0 {
            problems.push(format!(
                "health does not show the failing exports: {status:?}"
            ));
        }
        if health.status != "degraded" {
            problems.push(format!("health status {} (want degraded)", health.status));
        }
    } else if status.exports_succeeded == 0 || status.failing {
        problems.push(format!("slow exports should succeed: {status:?}"));
    }
    eprintln!(
        "   after {} exports: status {}, last error {:?}",
        exports(&status),
        health.status,
        status.last_error.as_ref().map(|e| e.message.as_str())
    );
    let heap_before = heap_bytes();
    let recording = check_recording(&t, &mut problems);
    let target = exports(&status) + more;
    let more_wait = cycle * more as u32 + Duration::from_secs(3);
    let status = match wait_status(&t, more_wait, |s| exports(s) >= target) {
        Ok(s) => s,
        Err(s) => {
            problems.push(format!(
                "only {} of {target} exports within {more_wait:?}",
                exports(&s)
            ));
            s
        }
    };
    let heap_growth = heap_bytes() - heap_before;
    if heap_growth > HEAP_GROWTH_BOUND {
        problems.push(format!(
            "heap grew by {heap_growth} bytes over {more} export cycles (bound {HEAP_GROWTH_BOUND})"
        ));
    }
    if expect_failures && (!status.failing || status.exports_succeeded > 0) {
        problems.push(format!("exports should keep failing: {status:?}"));
    }
    let (shutdown, shutdown_result) = timed_shutdown(&t, &mut problems);
    Row::new(
        case,
        protocol,
        recording,
        &status,
        heap_growth,
        (shutdown, shutdown_result),
        problems,
    )
}

fn endpoint_of(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// (a) A loopback port that was bound and closed: connections are refused.
fn refused(protocol: OtlpProtocol) -> Row {
    let port = free_port().expect("free port");
    let endpoint = format!("http://127.0.0.1:{port}");
    outage("refused", protocol, &endpoint, true, (2, 5))
}

/// (b) A listener that accepts and holds every connection, never reading or
/// writing: each export runs into the export timeout.
fn never_answering(protocol: OtlpProtocol) -> Row {
    let server = Blackhole::start();
    let endpoint = endpoint_of(server.addr);
    let mut row = outage("never answers", protocol, &endpoint, true, (1, 3));
    if server.accepted.load(Ordering::SeqCst) == 0 {
        row.problems
            .push("the exporter never connected to the silent listener".into());
    }
    row
}

/// (c) A real rotel behind a proxy that delays every byte it sends back.
fn slow(protocol: OtlpProtocol) -> Row {
    let rotel = Rotel::start_with(RotelOptions {
        debug_log: Vec::new(),
        ..RotelOptions::default()
    })
    .expect("rotel starts");
    let upstream = match protocol {
        OtlpProtocol::Grpc => rotel.grpc_addr(),
        OtlpProtocol::HttpProtobuf => rotel.http_addr(),
    };
    let proxy = SlowProxy::start(upstream, SLOW_ANSWER);
    let endpoint = endpoint_of(proxy.addr);
    let started = Instant::now();
    let row = outage("slow (2 s)", protocol, &endpoint, false, (1, 3));
    eprintln!(
        "   slow proxy: {} connection(s) in {:?}",
        proxy.accepted.load(Ordering::SeqCst),
        started.elapsed()
    );
    drop(proxy);
    drop(rotel);
    row
}

// ------------------------------------------------------------------- (d)

/// Waits until `rotel` printed `autobot_llm_tokens{provider, model}` = `value`.
fn wait_tokens(rotel: &Rotel, provider: &str, model: &str, value: f64) -> Result<(), String> {
    rotel
        .wait_for_output(
            |out| {
                parse_metrics(out).iter().any(|m| {
                    m.name == "autobot_llm_tokens"
                        && m.point_with(&[
                            ("provider", provider),
                            ("model", model),
                            ("token_type", "input"),
                        ])
                        .is_some_and(|p| p.value == Some(value))
                })
            },
            Duration::from_secs(15),
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// (d) rotel receives, is killed, the application keeps recording, rotel comes
/// back on the same ports and receives what was recorded while it was down.
fn restarted(protocol: OtlpProtocol) -> Row {
    let case = "killed, restarted";
    eprintln!("== {case} over {}", protocol.as_str());
    let mut problems = Vec::new();
    let rotel = Rotel::start().expect("rotel starts");
    let (grpc_port, http_port) = (rotel.grpc_addr().port(), rotel.http_addr().port());
    let endpoint = match protocol {
        OtlpProtocol::Grpc => rotel.grpc_endpoint(),
        OtlpProtocol::HttpProtobuf => rotel.http_endpoint(),
    };
    let t = pipeline(&endpoint, protocol);
    let provider = format!("outage-{}", protocol.as_str().replace('/', "-"));
    t.metrics().record_llm_tokens(&provider, "before", 7, 0);
    if let Err(e) = wait_tokens(&rotel, &provider, "before", 7.0) {
        problems.push(format!("value never reached the first rotel: {e}"));
    }

    drop(rotel); // SIGKILL, reaped
    let down_at = metrics_status(&t);
    t.metrics()
        .record_llm_tokens(&provider, "while-down", 41, 0);
    let failed_at = down_at.exports_failed;
    let status = match wait_status(&t, Duration::from_secs(10), |s| {
        s.exports_failed >= failed_at + 2 && s.failing
    }) {
        Ok(s) => s,
        Err(s) => {
            problems.push(format!("health does not show the failing exports: {s:?}"));
            s
        }
    };
    let health = t.health();
    if health.status != "degraded" {
        problems.push(format!(
            "health status {} while rotel is down (want degraded)",
            health.status
        ));
    }
    let heap_before = heap_bytes();
    let recording = check_recording(&t, &mut problems);
    let target = status.exports_failed + 4;
    if let Err(s) = wait_status(&t, Duration::from_secs(12), |s| s.exports_failed >= target) {
        problems.push(format!(
            "only {} of {target} failed exports",
            s.exports_failed
        ));
    }
    let heap_growth = heap_bytes() - heap_before;
    if heap_growth > HEAP_GROWTH_BOUND {
        problems.push(format!(
            "heap grew by {heap_growth} bytes while rotel was down (bound {HEAP_GROWTH_BOUND})"
        ));
    }

    let back = Rotel::start_on_ports(RotelOptions::default(), grpc_port, http_port)
        .expect("rotel restarts on the same ports");
    let back_at = Instant::now();
    if let Err(e) = wait_tokens(&back, &provider, "while-down", 41.0) {
        problems.push(format!(
            "value recorded while down never reached the restarted rotel: {e}"
        ));
    }
    let succeeded_before = metrics_status(&t).exports_succeeded;
    let recovered = wait_status(&t, Duration::from_secs(10), |s| {
        !s.failing && s.exports_succeeded > succeeded_before
    });
    match &recovered {
        Ok(_) => eprintln!("   recovered {:?} after the restart", back_at.elapsed()),
        Err(s) => problems.push(format!("health did not recover: {s:?}")),
    }
    let status = recovered.unwrap_or_else(|s| s);
    let health = t.health();
    if health.status != "healthy" {
        problems.push(format!(
            "health status {} after recovery (want healthy)",
            health.status
        ));
    }
    let (shutdown, shutdown_result) = timed_shutdown(&t, &mut problems);
    if shutdown_result != "ok" {
        problems.push(format!(
            "shutdown with the collector back: {shutdown_result}"
        ));
    }
    Row::new(
        case,
        protocol,
        recording,
        &status,
        heap_growth,
        (shutdown, shutdown_result),
        problems,
    )
}

// ------------------------------------------------------- loopback servers

/// Stops and joins a server's threads on drop.
struct Threads {
    stop: Arc<AtomicBool>,
    handles: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Threads {
    fn new() -> Threads {
        Threads {
            stop: Arc::new(AtomicBool::new(false)),
            handles: Arc::new(Mutex::new(Vec::new())),
        }
    }

    fn spawn(handles: &Mutex<Vec<JoinHandle<()>>>, f: impl FnOnce() + Send + 'static) {
        let handle = std::thread::spawn(f);
        handles
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(handle);
    }
}

impl Drop for Threads {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Every loop checks `stop` at least every 100 ms; threads spawned while
        // joining are picked up by the next pass.
        loop {
            let batch: Vec<_> =
                std::mem::take(&mut *self.handles.lock().unwrap_or_else(|p| p.into_inner()));
            if batch.is_empty() {
                break;
            }
            for h in batch {
                let _ = h.join();
            }
        }
    }
}

fn loopback_listener() -> (TcpListener, SocketAddr) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    listener.set_nonblocking(true).expect("nonblocking");
    let addr = listener.local_addr().expect("local addr");
    (listener, addr)
}

/// Accepts connections and holds them (at most 256) without reading or writing.
struct Blackhole {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    _threads: Threads,
}

impl Blackhole {
    fn start() -> Blackhole {
        let (listener, addr) = loopback_listener();
        let threads = Threads::new();
        let accepted = Arc::new(AtomicUsize::new(0));
        let (stop, count) = (threads.stop.clone(), accepted.clone());
        Threads::spawn(&threads.handles, move || {
            let mut held = Vec::new();
            while !stop.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((socket, _)) => {
                        count.fetch_add(1, Ordering::SeqCst);
                        if held.len() < 256 {
                            held.push(socket);
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Blackhole {
            addr,
            accepted,
            _threads: threads,
        }
    }
}

/// A TCP proxy to `upstream` that passes the client's bytes on at once and
/// holds every byte coming back for `delay` (a slow collector, or a slow link).
struct SlowProxy {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
    _threads: Threads,
}

impl SlowProxy {
    fn start(upstream: SocketAddr, delay: Duration) -> SlowProxy {
        let (listener, addr) = loopback_listener();
        let threads = Threads::new();
        let accepted = Arc::new(AtomicUsize::new(0));
        let (stop, handles, count) = (
            threads.stop.clone(),
            threads.handles.clone(),
            accepted.clone(),
        );
        Threads::spawn(&threads.handles, move || {
            while !stop.load(Ordering::SeqCst) {
                let client = match listener.accept() {
                    Ok((client, _)) => client,
                    Err(_) => {
                        std::thread::sleep(Duration::from_millis(20));
                        continue;
                    }
                };
                if count.fetch_add(1, Ordering::SeqCst) >= 64 {
                    continue; // bounded: a client reconnecting in a loop is a bug anyway
                }
                let Ok(server) = TcpStream::connect_timeout(&upstream, Duration::from_secs(1))
                else {
                    continue; // drops the client: it sees the connection closed
                };
                let streams = (|| {
                    for s in [&client, &server] {
                        s.set_nonblocking(false)?;
                        s.set_read_timeout(Some(Duration::from_millis(100)))?;
                        s.set_nodelay(true)?;
                    }
                    Ok::<_, std::io::Error>((
                        client.try_clone()?,
                        client,
                        server.try_clone()?,
                        server,
                    ))
                })();
                let Ok((client_r, client_w, server_r, server_w)) = streams else {
                    continue;
                };
                // Client to collector: at once.
                let s = stop.clone();
                Threads::spawn(&handles, move || pipe(client_r, server_w, &s));
                // Collector to client: each chunk `delay` after it arrived.
                let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
                let s = stop.clone();
                Threads::spawn(&handles, move || {
                    let mut server_r = server_r;
                    let mut buf = vec![0u8; 16 * 1024];
                    while !s.load(Ordering::SeqCst) {
                        match server_r.read(&mut buf) {
                            Ok(0) => break,
                            Ok(n) => {
                                if tx
                                    .send((Instant::now() + delay, buf[..n].to_vec()))
                                    .is_err()
                                {
                                    break;
                                }
                            }
                            Err(e) if is_timeout(&e) => {}
                            Err(_) => break,
                        }
                    }
                });
                let s = stop.clone();
                Threads::spawn(&handles, move || {
                    let mut client_w = client_w;
                    while !s.load(Ordering::SeqCst) {
                        match rx.recv_timeout(Duration::from_millis(100)) {
                            Ok((due, bytes)) => {
                                while Instant::now() < due && !s.load(Ordering::SeqCst) {
                                    let left = due.saturating_duration_since(Instant::now());
                                    std::thread::sleep(left.min(Duration::from_millis(100)));
                                }
                                if client_w.write_all(&bytes).is_err() {
                                    break;
                                }
                            }
                            Err(mpsc::RecvTimeoutError::Timeout) => {}
                            Err(mpsc::RecvTimeoutError::Disconnected) => break,
                        }
                    }
                    let _ = client_w.shutdown(Shutdown::Both);
                });
            }
        });
        SlowProxy {
            addr,
            accepted,
            _threads: threads,
        }
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

/// Copies `from` to `to` until either side closes or `stop` is set.
fn pipe(mut from: TcpStream, mut to: TcpStream, stop: &AtomicBool) {
    let mut buf = vec![0u8; 16 * 1024];
    while !stop.load(Ordering::SeqCst) {
        match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
            Err(e) if is_timeout(&e) => {}
            Err(_) => break,
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
