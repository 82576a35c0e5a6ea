//! Every attribute records exactly once per call, for each outcome: ok, err,
//! panic (the panic goes on), and cancelled (a future dropped before it completes).

mod support;

use std::time::Duration;

use autobot_otel::instrument::ErrorType;
use autobot_otel::{
    instrument_github, instrument_knowledge, instrument_llm, instrument_redis, instrument_task,
    instrument_workflow,
};
use support::{scrape, value};

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

#[instrument_workflow(workflow_type = "wf_async")]
async fn workflow_async(fail: bool) -> Result<u32, Boom> {
    assert_eq!(
        active("wf_async"),
        1.0,
        "active gauge is up while the call runs"
    );
    tokio::task::yield_now().await;
    if fail { Err(Boom) } else { Ok(7) }
}

#[tokio::test]
async fn async_ok_and_err_record_once_each_and_the_active_gauge_returns() {
    assert_eq!(workflow_async(false).await.unwrap(), 7);
    assert!(workflow_async(true).await.is_err());
    assert!(workflow_async(false).await.is_ok());
    assert_eq!(status("wf_async", "success"), 2.0);
    assert_eq!(status("wf_async", "failed"), 1.0);
    assert_eq!(durations("wf_async"), 3.0);
    assert_eq!(active("wf_async"), 0.0);
}

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
    assert_eq!(maybe_status("wf_panic_sync", "success"), None);
    assert_eq!(active("wf_panic_sync"), 0.0);
}

#[instrument_workflow(workflow_type = "wf_panic_async")]
async fn panics_async() -> u32 {
    tokio::task::yield_now().await;
    panic!("kaboom")
}

#[tokio::test]
async fn an_async_panic_is_a_failure_and_the_panic_continues() {
    let joined = tokio::spawn(panics_async()).await;
    assert!(joined.unwrap_err().is_panic());
    assert_eq!(status("wf_panic_async", "failed"), 1.0);
    assert_eq!(active("wf_panic_async"), 0.0);
}

#[instrument_workflow(workflow_type = "wf_cancel")]
async fn slow_workflow() -> Result<(), Boom> {
    tokio::time::sleep(Duration::from_secs(3600)).await;
    Ok(())
}

#[tokio::test]
async fn a_dropped_future_is_cancelled_not_failed() {
    let timed_out = tokio::time::timeout(Duration::from_millis(20), slow_workflow()).await;
    assert!(timed_out.is_err());
    tokio::select! {
        _ = slow_workflow() => unreachable!(),
        _ = tokio::time::sleep(Duration::from_millis(5)) => {}
    }
    assert_eq!(status("wf_cancel", "cancelled"), 2.0);
    assert_eq!(maybe_status("wf_cancel", "failed"), None);
    assert_eq!(maybe_status("wf_cancel", "success"), None);
    assert_eq!(durations("wf_cancel"), 2.0);
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

#[instrument_task(agent_type = "code-reviewer")]
async fn review_task(ok: bool) -> Result<(), Boom> {
    let running = value(
        "autobot_active_tasks",
        &[
            ("task_type", "review_task"),
            ("agent_type", "code-reviewer"),
        ],
    );
    assert_eq!(running, 1.0);
    if ok { Ok(()) } else { Err(Boom) }
}

#[tokio::test]
async fn task_attribute() {
    review_task(true).await.unwrap();
    review_task(false).await.unwrap_err();
    let labels = |st| {
        [
            ("task_type", "review_task"),
            ("agent_type", "code-reviewer"),
            ("status", st),
        ]
    };
    assert_eq!(
        value("autobot_tasks_executed_total", &labels("success")),
        1.0
    );
    assert_eq!(
        value("autobot_tasks_executed_total", &labels("failed")),
        1.0
    );
    let dur = [
        ("task_type", "review_task"),
        ("agent_type", "code-reviewer"),
    ];
    assert_eq!(value("autobot_task_duration_seconds_count", &dur), 2.0);
    assert_eq!(value("autobot_active_tasks", &dur), 0.0);
}

#[instrument_github(operation = "create_commit")]
async fn create_commit(fail: bool) -> Result<String, Boom> {
    if fail { Err(Boom) } else { Ok("abc123".into()) }
}

#[tokio::test]
async fn github_attribute() {
    create_commit(false).await.unwrap();
    create_commit(true).await.unwrap_err();
    create_commit(false).await.unwrap();
    let op = |st| [("operation", "create_commit"), ("status", st)];
    assert_eq!(
        value("autobot_github_operations_total", &op("success")),
        2.0
    );
    assert_eq!(value("autobot_github_operations_total", &op("failed")), 1.0);
    assert_eq!(
        value(
            "autobot_github_api_duration_seconds_count",
            &[("operation", "create_commit")]
        ),
        3.0
    );
}

#[instrument_redis(database = "cache")]
fn redis_get(key: &str) -> Option<String> {
    (key == "hit").then(|| "value".to_string())
}

#[instrument_redis(database = "cache", operation = "set")]
async fn redis_set(slow: bool) -> Result<(), Boom> {
    if slow {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    Ok(())
}

#[tokio::test]
async fn redis_attribute_uses_its_own_status_values() {
    // Option is not a Result: both calls succeed, whatever they return.
    assert!(redis_get("hit").is_some());
    assert!(redis_get("miss").is_none());
    redis_set(false).await.unwrap();
    let _ = tokio::time::timeout(Duration::from_millis(5), redis_set(true)).await;
    let ops = |op, st| [("database", "cache"), ("operation", op), ("status", st)];
    assert_eq!(
        value(
            "autobot_redis_operations_total",
            &ops("redis_get", "success")
        ),
        2.0
    );
    assert_eq!(
        value("autobot_redis_operations_total", &ops("set", "success")),
        1.0
    );
    assert_eq!(
        value("autobot_redis_operations_total", &ops("set", "cancelled")),
        1.0
    );
    let lat = [("database", "cache"), ("operation", "set")];
    assert_eq!(
        value("autobot_redis_operation_latency_seconds_count", &lat),
        2.0
    );
}

#[instrument_knowledge(search_type = "semantic", collection = "docs")]
async fn search(query: &str) -> Vec<String> {
    vec![query.to_string()]
}

#[tokio::test]
async fn knowledge_attribute() {
    search("a").await;
    search("b").await;
    let l = [("search_type", "semantic"), ("collection", "docs")];
    assert_eq!(value("autobot_knowledge_search_requests_total", &l), 2.0);
    assert_eq!(
        value("autobot_knowledge_search_latency_seconds_count", &l),
        2.0
    );
}

#[derive(Debug)]
struct NetError;

#[instrument_llm(provider = "outcomes", model = "m1")]
async fn llm_call(mode: u8) -> Result<(), Boom> {
    match mode {
        0 => Ok(()),
        1 => Err(Boom),
        _ => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(())
        }
    }
}

#[instrument_llm(provider = "outcomes", model = "m2", request_type = "embedding")]
fn llm_untyped_error() -> Result<(), NetError> {
    Err(NetError)
}

#[tokio::test]
async fn llm_failures_count_in_errors_with_their_type() {
    llm_call(0).await.unwrap();
    llm_call(1).await.unwrap_err();
    let _ = tokio::time::timeout(Duration::from_millis(5), llm_call(2)).await;
    llm_untyped_error().unwrap_err();
    let req = [
        ("provider", "outcomes"),
        ("model", "m1"),
        ("request_type", "chat"),
    ];
    assert_eq!(value("autobot_llm_requests_total", &req), 3.0);
    let emb = [
        ("provider", "outcomes"),
        ("model", "m2"),
        ("request_type", "embedding"),
    ];
    assert_eq!(value("autobot_llm_requests_total", &emb), 1.0);
    let err = |t| [("provider", "outcomes"), ("error_type", t)];
    assert_eq!(value("autobot_llm_errors_total", &err("boom")), 1.0);
    assert_eq!(value("autobot_llm_errors_total", &err("cancelled")), 1.0);
    // Without ErrorType, the error type's full path.
    let net = "instrument_outcomes::NetError";
    assert_eq!(value("autobot_llm_errors_total", &err(net)), 1.0);
    let lat = [("provider", "outcomes"), ("model", "m1")];
    assert_eq!(
        value("autobot_llm_request_latency_seconds_count", &lat),
        3.0
    );
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
