//! Each instrumented call opens a `tracing` span named after the function, with
//! its labels as attributes (GenAI names for LLM calls), its outcome, the error
//! on failure, and correct nesting across `.await`; `span = false` opens none.

mod support;

use autobot_otel::instrument::{ErrorType, LlmUsage};
use autobot_otel::{instrument_llm, instrument_redis, instrument_workflow};
use support::capturing;

#[derive(Debug)]
struct RateLimited;

impl ErrorType for RateLimited {
    fn error_type(&self) -> &'static str {
        "rate_limit"
    }
}

#[derive(Debug)]
struct Reply;

impl LlmUsage for Reply {
    fn input_tokens(&self) -> u64 {
        11
    }
    fn output_tokens(&self) -> u64 {
        22
    }
}

#[instrument_llm(provider = "anthropic", model = model, request_type = "chat")]
async fn ask_llm(model: &str, fail: bool) -> Result<Reply, RateLimited> {
    tokio::task::yield_now().await;
    if fail { Err(RateLimited) } else { Ok(Reply) }
}

#[instrument_redis(database = "spans")]
async fn cache_lookup() -> Option<u8> {
    tokio::task::yield_now().await;
    None
}

#[instrument_redis(database = "spans", operation = "failing_get")]
async fn failing_cache_lookup() -> Result<u8, RateLimited> {
    Err(RateLimited)
}

#[instrument_workflow(workflow_type = "span_parent")]
async fn parent_workflow() -> Result<(), RateLimited> {
    cache_lookup().await;
    tokio::task::yield_now().await;
    ask_llm("claude-3", false).await.map(|_| ())
}

#[instrument_workflow(workflow_type = "span_off", span = false)]
async fn metrics_only() {}

#[tokio::test(flavor = "current_thread")]
async fn spans_carry_labels_outcome_and_nest_across_await() {
    let (subscriber, capture) = capturing();
    let _default = tracing::subscriber::set_default(subscriber);

    parent_workflow().await.unwrap();
    let parent = capture.span("parent_workflow");
    assert_eq!(parent.parent, None);
    assert_eq!(parent.fields["workflow_type"], "span_parent");
    assert_eq!(parent.fields["autobot.status"], "success");
    assert_eq!(parent.fields["otel.kind"], "internal");
    assert!(!parent.fields.contains_key("otel.status_code"));

    let redis = capture.span("cache_lookup");
    assert_eq!(redis.parent.as_deref(), Some("parent_workflow"));
    assert_eq!(redis.fields["database"], "spans");
    assert_eq!(redis.fields["operation"], "cache_lookup");
    assert_eq!(redis.fields["otel.kind"], "client");

    let llm = capture.span("ask_llm");
    assert_eq!(
        llm.parent.as_deref(),
        Some("parent_workflow"),
        "nested after two awaits"
    );
    assert_eq!(llm.fields["gen_ai.provider.name"], "anthropic");
    assert_eq!(llm.fields["gen_ai.request.model"], "claude-3");
    assert_eq!(llm.fields["gen_ai.operation.name"], "chat");
    assert_eq!(llm.fields["gen_ai.usage.input_tokens"], "11");
    assert_eq!(llm.fields["gen_ai.usage.output_tokens"], "22");
}

#[tokio::test(flavor = "current_thread")]
async fn failures_are_recorded_on_the_span() {
    let (subscriber, capture) = capturing();
    let _default = tracing::subscriber::set_default(subscriber);
    ask_llm("gpt-4", true).await.unwrap_err();
    let span = capture.span("ask_llm");
    // The same vocabulary as the metrics' `status` label (the LLM counter has
    // none: `Outcome`).
    assert_eq!(span.fields["autobot.status"], "failed");
    assert_eq!(span.fields["error.type"], "rate_limit");
    assert_eq!(span.fields["otel.status_code"], "ERROR");
    // Redis spans say what `autobot_redis_operations_total{status}` says.
    failing_cache_lookup().await.unwrap_err();
    let redis = capture.span("failing_cache_lookup");
    assert_eq!(redis.fields["autobot.status"], "error");
}

#[tokio::test(flavor = "current_thread")]
async fn span_false_records_metrics_without_a_span() {
    let (subscriber, capture) = capturing();
    let _default = tracing::subscriber::set_default(subscriber);
    metrics_only().await;
    assert!(capture.spans().is_empty(), "{:?}", capture.spans());
    let done = support::value(
        "autobot_workflow_executions_total",
        &[("workflow_type", "span_off"), ("status", "success")],
    );
    assert_eq!(done, 1.0);
}
