//! Every attribute × every outcome (ok, err, panic, cancelled): exactly one count
//! in the right series, one duration observation, and the active gauge (where the
//! attribute has one) at 1 while a call runs and back to 0 after.

mod support;

use std::time::Duration;

use autobot_otel::{
    instrument_github, instrument_knowledge, instrument_llm, instrument_redis, instrument_task,
    instrument_workflow,
};
use support::value;

#[derive(Debug)]
struct Failed;

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
async fn workflow(mode: u8) -> Result<(), Failed> {
    behave(mode).await
}

#[instrument_task(task_type = "matrix", agent_type = "matrix")]
async fn task(mode: u8) -> Result<(), Failed> {
    behave(mode).await
}

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
async fn run_all_outcomes<F, Fut>(f: F)
where
    F: Fn(u8) -> Fut,
    Fut: std::future::Future<Output = Result<(), Failed>> + Send + 'static,
{
    assert!(f(0).await.is_ok());
    assert!(f(1).await.is_err());
    let panicked = tokio::spawn(f(2)).await;
    assert!(panicked.unwrap_err().is_panic(), "the panic propagates");
    assert!(
        tokio::time::timeout(Duration::from_millis(10), f(3))
            .await
            .is_err()
    );
}

/// Starts a call that never completes, checks the active gauge reads 1 while it
/// runs, drops it (cancelled) and checks the gauge is back to 0.
async fn active_rises_and_falls<F, Fut>(f: F, gauge: &str, labels: &[(&str, &str)])
where
    F: Fn(u8) -> Fut,
    Fut: std::future::Future<Output = Result<(), Failed>>,
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
    run_all_outcomes(workflow).await;
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
    assert_eq!(value("autobot_workflow_duration_seconds_count", &wf), 4.0);
    assert_eq!(value("autobot_active_workflows", &wf), 0.0);
    active_rises_and_falls(workflow, "autobot_active_workflows", &wf).await;
}

#[tokio::test]
async fn task_matrix() {
    run_all_outcomes(task).await;
    let t = [("task_type", "matrix"), ("agent_type", "matrix")];
    let [ok, failed, cancelled] = statuses(
        "autobot_tasks_executed_total",
        &t,
        ["success", "failed", "cancelled"],
    );
    assert_eq!((ok, failed, cancelled), (1.0, 2.0, 1.0));
    assert_eq!(value("autobot_task_duration_seconds_count", &t), 4.0);
    assert_eq!(value("autobot_active_tasks", &t), 0.0);
    active_rises_and_falls(task, "autobot_active_tasks", &t).await;
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
    assert_eq!((ok, error, cancelled), (1.0, 2.0, 1.0));
    assert_eq!(
        value("autobot_redis_operation_latency_seconds_count", &r),
        4.0
    );
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
    assert_eq!(failed, "instrument_outcome_matrix::Failed");
    assert_eq!(value("autobot_llm_errors_total", &err(failed)), 1.0);
    assert_eq!(value("autobot_llm_errors_total", &err("panic")), 1.0);
    assert_eq!(value("autobot_llm_errors_total", &err("cancelled")), 1.0);
    let lat = [("provider", "matrix"), ("model", "matrix")];
    assert_eq!(
        value("autobot_llm_request_latency_seconds_count", &lat),
        4.0
    );
}
