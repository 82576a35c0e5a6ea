//! Faults during collection: a panicking observable callback of ours, a panicking
//! or hanging callback of the application's, and the self-metrics that make drops,
//! limits, callback failures and export outcomes visible.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use autobot_otel::labels::Outcome;
use autobot_otel::testing::Scrape;
use autobot_otel::testing::{Clock, ManualClock};
use autobot_otel::{Telemetry, catalog::MetricId};
use opentelemetry::metrics::MeterProvider as _;

/// A clock that panics while `panicking` is set.
#[derive(Default)]
struct FaultyClock {
    inner: ManualClock,
    panicking: AtomicBool,
}

impl Clock for FaultyClock {
    fn now_secs(&self) -> u64 {
        if self.panicking.load(Ordering::SeqCst) {
            panic!("injected clock fault");
        }
        self.inner.now_secs()
    }
}

fn scrape(t: &Telemetry) -> Scrape {
    let text = t.render(autobot_otel::Exposition::Text);
    Scrape::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[test]
fn a_panicking_rolling_rate_callback_skips_only_its_gauge() {
    let clock = Arc::new(FaultyClock::default());
    let t = Telemetry::builder()
        .without_otlp()
        .with_clock(clock.clone())
        .build()
        .unwrap();
    let m = t.metrics();
    m.record_timeout("redis_get", "main", true);
    m.record_workflow_execution("deploy", Outcome::Success, 1.0);
    let rate = [
        ("operation_type", "redis_get"),
        ("database", "main"),
        ("time_window", "1m"),
    ];
    assert_eq!(scrape(&t).value("autobot_timeout_rate", &rate), Some(100.0));

    clock.panicking.store(true, Ordering::SeqCst);
    for round in 1..=3 {
        let s = scrape(&t);
        assert!(s.family("autobot_timeout_rate").is_none(), "round {round}");
        assert_eq!(
            s.value(
                "autobot_workflow_executions_total",
                &[("workflow_type", "deploy"), ("status", "success")]
            ),
            Some(1.0),
            "other metrics are still collected, round {round}"
        );
        // Both rolling-rate gauges (timeout and Redis success rate) read the clock.
        assert_eq!(
            s.value("autobot_otel_callback_failures_total", &[]),
            Some(f64::from(2 * round))
        );
    }
    assert_eq!(t.metrics().callback_failures(), 6);
    assert_eq!(
        t.health().callback_failures,
        8,
        "the health report collects too"
    );
    assert_eq!(
        t.health().status,
        "healthy",
        "the collection itself succeeded"
    );

    // The SDK's pipeline lock was never poisoned: the gauge comes back.
    clock.panicking.store(false, Ordering::SeqCst);
    assert_eq!(scrape(&t).value("autobot_timeout_rate", &rate), Some(100.0));
}

#[test]
fn a_panicking_application_callback_never_reaches_the_caller() {
    let t = Telemetry::builder().without_otlp().build().unwrap();
    t.metrics()
        .record_workflow_execution("deploy", Outcome::Success, 1.0);
    let meter = t.meter_provider().unwrap().meter("app");
    let _gauge = meter
        .u64_observable_gauge("app_panicking")
        .with_callback(|_| panic!("application callback fault"))
        .build();
    // The panic unwinds inside the SDK's collection, which poisons the SDK's
    // pipeline lock (upstream behaviour): the scrape is empty from then on, but
    // nothing panics in the caller, recording goes on, and health says so.
    assert_eq!(t.render(autobot_otel::Exposition::Text), "");
    let health = t.health();
    assert!(!health.collection_ok);
    assert_eq!(health.status, "degraded");
    t.metrics()
        .record_workflow_execution("deploy", Outcome::Success, 1.0);
    assert!(t.shutdown().is_ok() || t.shutdown().is_ok());
}

#[test]
fn recording_never_waits_for_a_hanging_application_callback() {
    let t = Telemetry::builder().without_otlp().build().unwrap();
    // The callback says it entered on `entered`; dropping `release` lets it
    // return (its receiver disconnects).
    let (entering, entered) = mpsc::channel::<()>();
    let (release, released) = mpsc::channel::<()>();
    let released = Mutex::new(released);
    let meter = t.meter_provider().unwrap().meter("app");
    let _gauge = meter
        .u64_observable_gauge("app_hanging")
        .with_callback(move |o| {
            let _ = entering.send(());
            // Hangs until released (bounded: at most 20 s, after which the
            // assertion that the scrape is still hanging fails).
            let _ = released
                .lock()
                .unwrap()
                .recv_timeout(Duration::from_secs(20));
            o.observe(1, &[]);
        })
        .build();
    let scraper = {
        let t = t.clone();
        std::thread::spawn(move || t.render(autobot_otel::Exposition::Text))
    };
    entered
        .recv_timeout(Duration::from_secs(10))
        .expect("the scrape entered the hanging callback within 10 s");
    // The collection is stuck in the callback; every recording path still works.
    let m = t.metrics();
    for i in 0..10_000u32 {
        m.record_workflow_execution("deploy", Outcome::Success, 0.5);
        m.record_timeout("redis_get", "main", i % 10 == 0);
        m.inc_active_workflows("deploy");
        m.dec_active_workflows("deploy");
        m.record_cache_hit(&format!("t{}", i % 50));
    }
    assert!(
        !scraper.is_finished(),
        "the scrape was still hanging while all of that was recorded"
    );
    drop(release);
    let text = scraper.join().expect("no panic");
    assert!(text.contains("app_hanging 1"), "{text}");
    let s = scrape(&t);
    assert_eq!(
        s.value(
            "autobot_workflow_executions_total",
            &[("workflow_type", "deploy"), ("status", "success")]
        ),
        Some(10_000.0)
    );
}

#[test]
fn self_metrics_report_drops_limits_and_exports() {
    // Every export fails: the collector refuses connections.
    let t = support::telemetry_with_refusing_collector();
    let m = t.metrics();
    m.record_workflow_execution("deploy", Outcome::Success, -1.0);
    m.record_github_operation("get_repo", Outcome::Success, f64::INFINITY);
    let limit = MetricId::GithubRateLimitRemaining.def().max_series;
    for i in 0..=limit {
        m.update_github_rate_limit(&format!("resource-{i}"), 10);
    }
    assert!(
        t.force_flush().is_err(),
        "the collector refuses connections"
    );

    let s = scrape(&t);
    assert_eq!(
        s.value("autobot_otel_measurements_dropped_total", &[]),
        Some(2.0)
    );
    assert_eq!(
        s.value(
            "autobot_otel_series_limit_reached",
            &[("metric", "autobot_github_rate_limit_remaining")]
        ),
        Some(1.0)
    );
    assert_eq!(
        s.family("autobot_otel_series_limit_reached")
            .unwrap()
            .samples
            .len(),
        1,
        "only metrics at their limit have a series"
    );
    assert_eq!(
        s.value(
            "autobot_otel_exports_total",
            &[("signal", "metrics"), ("outcome", "failure")]
        ),
        Some(1.0)
    );
    assert_eq!(
        s.value(
            "autobot_otel_exports_total",
            &[("signal", "metrics"), ("outcome", "success")]
        ),
        Some(0.0)
    );
    for family in [
        "autobot_otel_measurements_dropped_total",
        "autobot_otel_callback_failures_total",
        "autobot_otel_exports_total",
    ] {
        assert_eq!(s.family(family).unwrap().kind, "counter", "{family}");
    }
    let health = t.health();
    assert_eq!(health.dropped_measurements, 2);
    assert_eq!(health.status, "degraded");
    let _ = t.shutdown();
}

#[test]
fn without_a_collector_there_is_no_export_self_metric() {
    let t = Telemetry::builder().without_otlp().build().unwrap();
    let s = scrape(&t);
    assert!(s.family("autobot_otel_exports_total").is_none());
    assert_eq!(
        s.value("autobot_otel_measurements_dropped_total", &[]),
        Some(0.0)
    );
    assert!(s.family("autobot_otel_series_limit_reached").is_none());
}
