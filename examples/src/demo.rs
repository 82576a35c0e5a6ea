//! The demo service behind `cargo run -p autobot-otel-examples --bin autobot-demo`:
//! serves both monitoring endpoints and runs the simulated [`crate::workload`]. With
//! `OTEL_EXPORTER_OTLP_ENDPOINT` set it also pushes metrics and spans to that collector.
//!
//! Options (environment):
//! - `AUTOBOT_DEMO_ADDR`: listen address (default `127.0.0.1:8001`)
//! - `AUTOBOT_DEMO_DURATION_SECS`: stop after this many seconds (default: run until Ctrl-C)
//! - `AUTOBOT_DEMO_TICK_MS`: workload period in ms (default 200)
//! - `AUTOBOT_DEMO_SEED`: seed of the simulated outcomes (default 42)
//! - `AUTOBOT_DEMO_FAILING_DATABASE`: `main` or `knowledge`; every Redis request to
//!   that database fails, so its circuit breaker opens and stays open
//!   ([`crate::workload::Workload::with_failing_database`]; drives the
//!   `CircuitBreakerOpen` and `RedisSuccessRateLow` alerts). Default: none.
//! - `AUTOBOT_DEMO_EXTRA_SERIES`: add about this many series to the scrape, moved on
//!   every tick ([`crate::workload::Workload::with_extra_series`]; at most about
//!   10,000, within the series limits). Used by `scripts/scale-report.sh`. Default 0.
//! - `AUTOBOT_DEMO_STREAM_MS`: period of the streaming LLM calls of
//!   [`crate::streaming::stream_calls`] (default: the workload's period), which move
//!   the two extension families (time to first token, requests in flight).
//! - `AUTOBOT_DEMO_AGENT_MS`: period of the agent loop of
//!   [`crate::agents::agent_loop`] (default 2000): a `research` workflow whose
//!   `researcher` agent makes two chat calls and a `web_search` tool call, with
//!   their spans (`invoke_workflow` → `invoke_agent` → `chat`, `execute_tool`); the
//!   tool fails on every 5th run and every 7th run times out (cancelled).
//! - `AUTOBOT_DEMO_AGENT_BUDGET_MS`: the time budget of one agent run (default 1000).
//! - the library's own variables, e.g. `AUTOBOT_OTEL_GENAI_METRICS=true` for the
//!   OpenTelemetry GenAI conventions' metrics, or `AUTOBOT_OTEL_PRICING_FILE`: the
//!   price table. Unset, the demo prices its fake models from
//!   [`PRICING_FILE`] (`examples/pricing.toml`): its streaming calls (no cost of
//!   their own) get a computed cost; the agent loop's chat calls report theirs.
//!
//! `service.version` is this crate's version (`autobot_otel::builder!()`).
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! autobot_otel_examples::demo::run_from_env().await?;
//! # Ok(()) }
//! ```

use std::time::Duration;

use autobot_otel::http::{DEFAULT_ADDR, MetricsServer};

/// The demo's price table (its fake models' made-up prices), used unless
/// `AUTOBOT_OTEL_PRICING_FILE` names another.
///
/// ```
/// let pricing = autobot_otel::pricing::Pricing::from_file(autobot_otel_examples::demo::PRICING_FILE)?;
/// assert_eq!(pricing.len(), 2);
/// # Ok::<(), autobot_otel::InitError>(())
/// ```
pub const PRICING_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/pricing.toml");

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

/// Runs the demo as configured by the environment until its duration elapses or
/// Ctrl-C, then shuts the telemetry down (flushing to the collector).
pub async fn run_from_env() -> Result<(), Box<dyn std::error::Error>> {
    let mut builder = autobot_otel::builder!();
    if std::env::var_os("AUTOBOT_OTEL_PRICING_FILE").is_none() {
        builder = builder.with_pricing_file(PRICING_FILE);
    }
    let guard = builder.install()?;
    let addr = std::env::var("AUTOBOT_DEMO_ADDR").unwrap_or_else(|_| DEFAULT_ADDR.to_string());
    let server = MetricsServer::bind(&addr, (*guard).clone()).await?;
    let local = server.local_addr();
    tracing::info!(
        metrics = %format!("http://{local}{}", autobot_otel::health::METRICS_PATH),
        health = %format!("http://{local}{}", autobot_otel::health::HEALTH_PATH),
        // The URLs pushed to: never with user information, so safe to log.
        otlp_metrics = ?guard.otlp_settings().filter(|s| s.metrics)
            .map(|s| (s.metrics_protocol().as_str(), s.metrics_endpoint())),
        otlp_traces = ?guard.otlp_settings().filter(|s| s.traces)
            .map(|s| (s.traces_protocol().as_str(), s.traces_endpoint())),
        "autobot demo serving"
    );

    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let stop = async move {
        let _ = stop_rx.wait_for(|stop| *stop).await;
    };
    let server_task = tokio::spawn(server.run_until(stop));

    let period = Duration::from_millis(env_u64("AUTOBOT_DEMO_TICK_MS").unwrap_or(200).max(1));
    let deadline = env_u64("AUTOBOT_DEMO_DURATION_SECS").map(Duration::from_secs);
    let until = async move {
        match deadline {
            Some(d) => tokio::time::sleep(d).await,
            None => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    };
    let mut workload = crate::workload::Workload::new(env_u64("AUTOBOT_DEMO_SEED").unwrap_or(42));
    if let Some(db) = std::env::var("AUTOBOT_DEMO_FAILING_DATABASE")
        .ok()
        .filter(|d| !d.is_empty())
    {
        tracing::info!(database = %db, "every Redis request to this database fails");
        workload = workload.with_failing_database(&db);
    }
    if let Some(n) = env_u64("AUTOBOT_DEMO_EXTRA_SERIES").filter(|n| *n > 0) {
        workload = workload.with_extra_series(usize::try_from(n).unwrap_or(usize::MAX));
        tracing::info!(extra_series = workload.extra_series(), "extra series added");
    }
    let stream_period = env_u64("AUTOBOT_DEMO_STREAM_MS")
        .map(|ms| Duration::from_millis(ms.max(1)))
        .unwrap_or(period);
    let mut streams_stop = stop_tx.subscribe();
    let streams = tokio::spawn(crate::streaming::stream_calls(stream_period, async move {
        let _ = streams_stop.wait_for(|stop| *stop).await;
    }));
    let agent_period =
        Duration::from_millis(env_u64("AUTOBOT_DEMO_AGENT_MS").unwrap_or(2000).max(1));
    let agent_budget = Duration::from_millis(
        env_u64("AUTOBOT_DEMO_AGENT_BUDGET_MS")
            .unwrap_or(1000)
            .max(1),
    );
    let mut agents_stop = stop_tx.subscribe();
    let agents = tokio::spawn(crate::agents::agent_loop(
        agent_period,
        agent_budget,
        async move {
            let _ = agents_stop.wait_for(|stop| *stop).await;
        },
    ));
    let ticks = crate::workload::run(guard.metrics(), workload, period, until).await;
    tracing::info!(ticks, "workload stopped; shutting down");

    let _ = stop_tx.send(true);
    let _ = streams.await;
    let _ = agents.await;
    let _ = server_task.await;
    // Shutdown flushes the last values to the collector, bounded by its timeout. A
    // collector that is down makes it report an error; the demo still exits cleanly.
    match tokio::task::spawn_blocking(move || guard.shutdown()).await? {
        Ok(()) => tracing::info!("telemetry flushed"),
        Err(err) => tracing::warn!(error = %err, "telemetry shutdown incomplete"),
    }
    Ok(())
}
