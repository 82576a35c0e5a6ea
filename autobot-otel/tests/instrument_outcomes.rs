//! Every attribute records exactly once per call, for each outcome: ok, err,
//! panic (the panic goes on), and cancelled (a future dropped before it
//! completes). First the matrix, every attribute × every outcome: one count in
//! the right series, one duration observation, and the active gauge (where the
//! attribute has one) at 1 while a call runs, across its suspensions, and back
//! to 0 after. Then what the matrix does not reach: sync functions (early
//! return, `?`, panic), other ways of dropping a future, a future never polled,
//! default label values, return types that are not a `Result`, `ErrorType`, and
//! concurrent calls.

mod support;

use std::time::Duration;

use autobot_otel::instrument::ErrorType;
use autobot_otel::{
    instrument_github, instrument_knowledge, instrument_llm, instrument_redis, instrument_task,
    instrument_workflow,
};
use support::{scrape, value};

/// An error without [`ErrorType`]: the LLM error type is its type's full path.
#[derive(Debug)]
struct Failed;

/// An error with an [`ErrorType`].
#[derive(Debug)]
struct Boom;

impl ErrorType for Boom {
    fn error_type(&self) -> &'static str {
        "boom"
    }
}

fn status(wf: &str, st: &str) -> f64 {
    value(
        "autobot_workflow_executions_total",
        &[("workflow_type", wf), ("status", st)],
    )
}

/// The execution count of `wf` with status `st`, `None` when never recorded.
fn maybe_status(wf: &str, st: &str) -> Option<f64> {
    support::maybe_value(
        "autobot_workflow_executions_total",
        &[("workflow_type", wf), ("status", st)],
    )
}

fn durations(wf: &str) -> f64 {
    value(
        "autobot_workflow_duration_seconds_count",
        &[("workflow_type", wf)],
    )
}

fn active(wf: &str) -> f64 {
    value("autobot_active_workflows", &[("workflow_type", wf)])
}

// ----------------------------------------------------------------- the matrix

/// 0: Ok, 1: Err, 2: panic, 3: never completes (for cancellation).
async fn behave(mode: u8) -> Result<(), Failed> {
    tokio::task::yield_now().await;
    match mode {
        0 => Ok(()),
        1 => Err(Failed),
        2 => panic!("matrix panic"),
        _ => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(())
        }
    }
}

#[instrument_workflow(workflow_type = "matrix")]
async fn workflow(mode: u8) -> Result<u32, Failed> {
    assert_eq!(
        active("matrix"),
        1.0,
        "active gauge is up while the call runs"
    );
    behave(mode).await.map(|()| 7)
}

/// The task type defaults to the function's name.
#[instrument_task(agent_type = "matrix")]
async fn matrix_task(mode: u8) -> Result<(), Failed> {
    assert_eq!(
        value("autobot_active_tasks", &TASK),
        1.0,
        "active gauge is up while the call runs"
    );
    behave(mode).await
}

const TASK: [(&str, &str); 2] = [("task_type", "matrix_task"), ("agent_type", "matrix")];

#[instrument_github(operation = "matrix")]
async fn github(mode: u8) -> Result<(), Failed> {
    behave(mode).await
}

#[instrument_redis(database = "matrix", operation = "matrix")]
async fn redis(mode: u8) -> Result<(), Failed> {
    behave(mode).await
}

#[instrument_knowledge(search_type = "keyword", collection = "matrix")]
async fn knowledge(mode: u8) -> Result<(), Failed> {
    behave(mode).await
}

#[instrument_llm(provider = "matrix", model = "matrix")]
async fn llm(mode: u8) -> Result<(), Failed> {
    behave(mode).await
}

/// Runs `f(mode)` for each outcome once: ok, err, panic (in a task), cancelled.
/// Returns what the successful call returned.
async fn run_all_outcomes<T, F, Fut>(f: F) -> T
where
    T: std::fmt::Debug + Send + 'static,
    F: Fn(u8) -> Fut,
    Fut: std::future::Future<Output = Result<T, Failed>> + Send + 'static,
{
    let Ok(ok) = f(0).await else {
        panic!("mode 0 succeeds");
    };
    assert!(f(1).await.is_err());
    let panicked = tokio::spawn(f(2)).await;
    assert!(panicked.unwrap_err().is_panic(), "the panic propagates");
    assert!(
        tokio::time::timeout(Duration::from_millis(10), f(3))
            .await
            .is_err()
    );
    ok
}

/// Starts a call that never completes, checks the active gauge reads 1 while it
/// is suspended, drops it (cancelled) and checks the gauge is back to 0.
async fn active_rises_and_falls<T, F, Fut>(f: F, gauge: &str, labels: &[(&str, &str)])
where
    F: Fn(u8) -> Fut,
    Fut: std::future::Future<Output = Result<T, Failed>>,
{
    let mut running = Box::pin(f(3));
    assert!(
        futures_poll_once(running.as_mut()).await.is_none(),
        "mode 3 never completes"
    );
    assert_eq!(value(gauge, labels), 1.0, "raised while running");
    drop(running);
    assert_eq!(value(gauge, labels), 0.0, "back to 0");
}

/// Polls a future once.
async fn futures_poll_once<F: std::future::Future + Unpin>(mut f: F) -> Option<F::Output> {
    std::future::poll_fn(|cx| {
        std::task::Poll::Ready(match std::pin::Pin::new(&mut f).poll(cx) {
            std::task::Poll::Ready(out) => Some(out),
            std::task::Poll::Pending => None,
        })
    })
    .await
}

fn statuses(name: &str, base: &[(&str, &str)], values: [&str; 3]) -> [f64; 3] {
    values.map(|status| {
        let mut labels = base.to_vec();
        labels.push(("status", status));
        value(name, &labels)
    })
}

#[tokio::test]
async fn workflow_matrix() {
    assert_eq!(
        run_all_outcomes(workflow).await,
        7,
        "the value passes through"
    );
    let wf = [("workflow_type", "matrix")];
    let [ok, failed, cancelled] = statuses(
        "autobot_workflow_executions_total",
        &wf,
        ["success", "failed", "cancelled"],
    );
    assert_eq!(
        (ok, failed, cancelled),
        (1.0, 2.0, 1.0),
        "err and panic are failures"
    );
    assert_eq!(durations("matrix"), 4.0);
    assert_eq!(active("matrix"), 0.0);
    active_rises_and_falls(workflow, "autobot_active_workflows", &wf).await;
}

#[tokio::test]
async fn task_matrix() {
    run_all_outcomes(matrix_task).await;
    let [ok, failed, cancelled] = statuses(
        "autobot_tasks_executed_total",
        &TASK,
        ["success", "failed", "cancelled"],
    );
    assert_eq!((ok, failed, cancelled), (1.0, 2.0, 1.0));
    assert_eq!(value("autobot_task_duration_seconds_count", &TASK), 4.0);
    assert_eq!(value("autobot_active_tasks", &TASK), 0.0);
    active_rises_and_falls(matrix_task, "autobot_active_tasks", &TASK).await;
}

#[tokio::test]
async fn github_matrix() {
    run_all_outcomes(github).await;
    let g = [("operation", "matrix")];
    let [ok, failed, cancelled] = statuses(
        "autobot_github_operations_total",
        &g,
        ["success", "failed", "cancelled"],
    );
    assert_eq!((ok, failed, cancelled), (1.0, 2.0, 1.0));
    assert_eq!(value("autobot_github_api_duration_seconds_count", &g), 4.0);
}

#[tokio::test]
async fn redis_matrix() {
    run_all_outcomes(redis).await;
    let r = [("database", "matrix"), ("operation", "matrix")];
    let [ok, error, cancelled] = statuses(
        "autobot_redis_operations_total",
        &r,
        ["success", "error", "cancelled"],
    );
    assert_eq!(
        (ok, error, cancelled),
        (1.0, 2.0, 1.0),
        "its own status values"
    );
    assert_eq!(
        value("autobot_redis_operation_latency_seconds_count", &r),
        4.0
    );
}

#[instrument_knowledge(search_type = "semantic", collection = "docs")]
async fn search(query: &str) -> Vec<String> {
    vec![query.to_string()]
}

#[tokio::test]
async fn knowledge_matrix() {
    run_all_outcomes(knowledge).await;
    // The search counter has no status label: every call counts once.
    let k = [("search_type", "keyword"), ("collection", "matrix")];
    assert_eq!(value("autobot_knowledge_search_requests_total", &k), 4.0);
    assert_eq!(
        value("autobot_knowledge_search_latency_seconds_count", &k),
        4.0
    );
    // A search that returns no `Result` counts the same.
    search("a").await;
    search("b").await;
    let l = [("search_type", "semantic"), ("collection", "docs")];
    assert_eq!(value("autobot_knowledge_search_requests_total", &l), 2.0);
    assert_eq!(
        value("autobot_knowledge_search_latency_seconds_count", &l),
        2.0
    );
}

/// An error type without `ErrorType`, returned by a sync call.
#[derive(Debug)]
struct NetError;

#[instrument_llm(provider = "matrix", model = "typed")]
async fn llm_typed_error() -> Result<(), Boom> {
    tokio::task::yield_now().await;
    Err(Boom)
}

#[instrument_llm(provider = "matrix", model = "sync", request_type = "embedding")]
fn llm_untyped_error() -> Result<(), NetError> {
    Err(NetError)
}

#[tokio::test]
async fn llm_matrix() {
    run_all_outcomes(llm).await;
    let req = [
        ("provider", "matrix"),
        ("model", "matrix"),
        ("request_type", "chat"),
    ];
    assert_eq!(value("autobot_llm_requests_total", &req), 4.0);
    let err = |t| [("provider", "matrix"), ("error_type", t)];
    // Without ErrorType, the error type's full path.
    let failed = std::any::type_name::<Failed>();
    assert_eq!(failed, "instrument_outcomes::Failed");
    assert_eq!(value("autobot_llm_errors_total", &err(failed)), 1.0);
    assert_eq!(value("autobot_llm_errors_total", &err("panic")), 1.0);
    assert_eq!(value("autobot_llm_errors_total", &err("cancelled")), 1.0);
    let lat = [("provider", "matrix"), ("model", "matrix")];
    assert_eq!(
        value("autobot_llm_request_latency_seconds_count", &lat),
        4.0
    );

    // With ErrorType, its value; a sync call without it, the full path.
    llm_typed_error().await.unwrap_err();
    llm_untyped_error().unwrap_err();
    assert_eq!(value("autobot_llm_errors_total", &err("boom")), 1.0);
    let net = "instrument_outcomes::NetError";
    assert_eq!(value("autobot_llm_errors_total", &err(net)), 1.0);
    let typed = [
        ("provider", "matrix"),
        ("model", "typed"),
        ("request_type", "chat"),
    ];
    assert_eq!(value("autobot_llm_requests_total", &typed), 1.0);
    let embedding = [
        ("provider", "matrix"),
        ("model", "sync"),
        ("request_type", "embedding"),
    ];
    assert_eq!(value("autobot_llm_requests_total", &embedding), 1.0);
}

// ------------------------------------------------- beyond the matrix

#[instrument_workflow(workflow_type = "wf_sync")]
fn workflow_sync(n: u32) -> Result<u32, std::io::Error> {
    if n == 0 {
        return Err(std::io::Error::other("zero"));
    }
    let doubled = n
        .checked_mul(2)
        .ok_or_else(|| std::io::Error::other("overflow"))?;
    Ok(doubled)
}

#[test]
fn sync_early_return_and_question_mark_keep_their_meaning() {
    assert_eq!(workflow_sync(2).unwrap(), 4);
    assert!(workflow_sync(0).is_err());
    assert!(workflow_sync(u32::MAX).is_err());
    assert_eq!(status("wf_sync", "success"), 1.0);
    assert_eq!(status("wf_sync", "failed"), 2.0);
    assert_eq!(durations("wf_sync"), 3.0);
    assert_eq!(active("wf_sync"), 0.0);
}

#[instrument_workflow(workflow_type = "wf_panic_sync")]
fn panics_sync() -> u32 {
    panic!("kaboom")
}

#[test]
fn a_sync_panic_is_a_failure_and_the_panic_continues() {
    let caught = std::panic::catch_unwind(panics_sync);
    assert!(caught.is_err(), "the panic must propagate");
    assert_eq!(status("wf_panic_sync", "failed"), 1.0);
    // Every outcome's series exists from the first call on, at 0 until used.
    assert_eq!(maybe_status("wf_panic_sync", "success"), Some(0.0));
    assert_eq!(durations("wf_panic_sync"), 1.0);
    assert_eq!(active("wf_panic_sync"), 0.0);
}

#[instrument_workflow(workflow_type = "wf_cancel")]
async fn slow_workflow() -> Result<(), Boom> {
    tokio::time::sleep(Duration::from_secs(3600)).await;
    Ok(())
}

#[tokio::test]
async fn a_future_dropped_by_select_is_cancelled_not_failed() {
    tokio::select! {
        _ = slow_workflow() => unreachable!(),
        _ = tokio::time::sleep(Duration::from_millis(5)) => {}
    }
    assert_eq!(status("wf_cancel", "cancelled"), 1.0);
    assert_eq!(maybe_status("wf_cancel", "failed"), Some(0.0));
    assert_eq!(maybe_status("wf_cancel", "success"), Some(0.0));
    assert_eq!(durations("wf_cancel"), 1.0);
    assert_eq!(active("wf_cancel"), 0.0);
}

#[tokio::test]
async fn a_future_never_polled_records_nothing() {
    drop(workflow_async_never());
    assert_eq!(maybe_status("wf_never", "cancelled"), None);
    assert_eq!(
        support::maybe_value("autobot_active_workflows", &[("workflow_type", "wf_never")]),
        None,
        "never raised"
    );
}

#[instrument_workflow(workflow_type = "wf_never")]
async fn workflow_async_never() {}

#[instrument_workflow]
fn default_workflow_type_is_the_function_name() {}

#[test]
fn workflow_type_defaults_to_the_function_name() {
    default_workflow_type_is_the_function_name();
    assert_eq!(
        status("default_workflow_type_is_the_function_name", "success"),
        1.0
    );
}

#[instrument_redis(database = "cache")]
fn redis_get(key: &str) -> Option<String> {
    (key == "hit").then(|| "value".to_string())
}

#[test]
fn a_redis_call_without_a_result_succeeds_and_its_operation_is_the_function_name() {
    // Option is not a Result: both calls succeed, whatever they return.
    assert!(redis_get("hit").is_some());
    assert!(redis_get("miss").is_none());
    let ops = [
        ("database", "cache"),
        ("operation", "redis_get"),
        ("status", "success"),
    ];
    assert_eq!(value("autobot_redis_operations_total", &ops), 2.0);
}

#[test]
fn every_call_records_exactly_once_under_concurrency() {
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for i in 0..250u32 {
                    let _ = concurrent(i);
                }
            });
        }
    });
    let total = status("wf_concurrent", "success") + status("wf_concurrent", "failed");
    assert_eq!(total, 1000.0);
    assert_eq!(status("wf_concurrent", "failed"), 400.0);
    assert_eq!(durations("wf_concurrent"), 1000.0);
    assert_eq!(active("wf_concurrent"), 0.0);
    assert!(
        scrape()
            .family("autobot_workflow_executions_total")
            .is_some()
    );
}

#[instrument_workflow(workflow_type = "wf_concurrent", span = false)]
fn concurrent(i: u32) -> Result<u32, Boom> {
    if i % 5 < 2 { Err(Boom) } else { Ok(i) }
}
