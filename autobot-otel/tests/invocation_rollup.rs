//! What happened inside one invocation (issue 20, item 3): the LLM and tool
//! calls an agent invocation makes are counted into
//! `autobot_agent_llm_calls_per_invocation` / `autobot_agent_tool_calls_per_invocation`
//! once when it ends (exact bucket counts), and the token usage of the LLM
//! calls beneath an agent or a workflow is summed on its span. Read from an
//! in-process OpenTelemetry span exporter and the scrape; tokio's paused clock.
//!
//! Also: the conventions' operation names of `request_type`, embeddings spans
//! with input tokens only, and a stream's finish reasons written once.

mod span_export;

use std::collections::BTreeMap;
use std::time::Duration;

use autobot_otel::agent::{AgentRun, ToolCall};
use autobot_otel::instrument::{ErrorType, LlmChunk, LlmUsage};
use autobot_otel::llm::LlmCall;
use autobot_otel::testing::Scrape;
use autobot_otel::{instrument_agent, instrument_llm, instrument_tool, instrument_workflow};
use futures_util::StreamExt as _;
use opentelemetry::Value;
use span_export::{Spans, exporting, pipeline, scrape};
use tracing::Instrument as _;

/// The attributes of the one span named `name`.
fn one(spans: &Spans, name: &str) -> BTreeMap<String, Value> {
    spans
        .one(name)
        .attributes
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.clone()))
        .collect()
}

const LLM_CALLS: &str = "autobot_agent_llm_calls_per_invocation";
const TOOL_CALLS: &str = "autobot_agent_tool_calls_per_invocation";
const LADDER: [&str; 9] = ["1", "2", "4", "8", "16", "32", "64", "128", "+Inf"];

/// The cumulative bucket counts of `family` for `agent` (le 1 .. +Inf), its
/// count and its sum.
fn histogram(s: &Scrape, family: &str, agent: &str) -> (Vec<f64>, f64, f64) {
    let buckets = LADDER
        .iter()
        .map(|le| {
            s.value(
                &format!("{family}_bucket"),
                &[("agent_name", agent), ("le", le)],
            )
            .unwrap_or_else(|| panic!("{family} {agent} le={le}"))
        })
        .collect();
    let count = s
        .value(&format!("{family}_count"), &[("agent_name", agent)])
        .unwrap();
    let sum = s
        .value(&format!("{family}_sum"), &[("agent_name", agent)])
        .unwrap();
    (buckets, count, sum)
}

/// One invocation that made `calls` calls: every bucket from the first
/// boundary at or above `calls` holds it.
fn one_invocation_of(calls: f64) -> (Vec<f64>, f64, f64) {
    let buckets = LADDER
        .iter()
        .map(|le| {
            let bound: f64 = le.parse().unwrap_or(f64::INFINITY);
            if calls <= bound { 1.0 } else { 0.0 }
        })
        .collect();
    (buckets, 1.0, calls)
}

fn int(attrs: &BTreeMap<String, Value>, key: &str) -> Option<i64> {
    match attrs.get(key) {
        Some(Value::I64(v)) => Some(*v),
        None => None,
        Some(other) => panic!("{key} is {other:?}"),
    }
}

#[derive(Debug, Clone, Default)]
struct Tokens {
    input: u64,
    output: u64,
    cache_read: Option<u64>,
    reasoning: Option<u64>,
    reasons: Vec<&'static str>,
}

impl LlmUsage for Tokens {
    fn input_tokens(&self) -> u64 {
        self.input
    }
    fn output_tokens(&self) -> u64 {
        self.output
    }
    fn cache_read_input_tokens(&self) -> Option<u64> {
        self.cache_read
    }
    fn reasoning_output_tokens(&self) -> Option<u64> {
        self.reasoning
    }
    fn finish_reasons(&self) -> Vec<&str> {
        self.reasons.clone()
    }
}

#[derive(Debug)]
struct Failed;

impl ErrorType for Failed {
    fn error_type(&self) -> &'static str {
        "failed_tool"
    }
}

#[instrument_llm(provider = "openai", model = "gpt-4o")]
async fn chat(input: u64) -> Result<Tokens, Failed> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    Ok(Tokens {
        input,
        output: 20,
        cache_read: Some(30),
        reasoning: Some(5),
        ..Tokens::default()
    })
}

#[instrument_tool(tool_type = "extension")]
async fn search() -> Result<(), Failed> {
    tokio::time::sleep(Duration::from_millis(50)).await;
    Ok(())
}

#[instrument_tool]
fn calculator() -> Result<(), Failed> {
    Err(Failed)
}

/// Two LLM calls (the attribute's, then an `LlmCall` inside a spawned task)
/// and three tool calls (one failing; one spawned), across awaits.
#[instrument_agent(agent_name = "researcher", model = "gpt-4o")]
async fn research() -> Result<(), Failed> {
    chat(100).await?;
    search().await?;
    let spawned = tokio::spawn(
        async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            let call = LlmCall::start("openai", "gpt-4o", "chat");
            call.succeed(Some(&Tokens {
                input: 50,
                output: 10,
                ..Tokens::default()
            }));
            search().await
        }
        .in_current_span(),
    );
    spawned.await.expect("the task")?;
    let _ = calculator();
    Ok(())
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_invocation_counts_its_calls_and_sums_their_tokens_on_its_span() {
    let (subscriber, spans, provider) = exporting("rollup-test");
    let _default = tracing::subscriber::set_default(subscriber);
    let t = pipeline();
    t.scope(async { research().await.unwrap() }).await;
    provider.force_flush().unwrap();

    let s = scrape(&t);
    assert_eq!(
        histogram(&s, LLM_CALLS, "researcher"),
        one_invocation_of(2.0)
    );
    assert_eq!(
        histogram(&s, TOOL_CALLS, "researcher"),
        one_invocation_of(3.0)
    );
    assert_eq!(
        s.value(
            "autobot_tool_calls_total",
            &[("status", "failed"), ("tool_name", "calculator")]
        ),
        Some(1.0),
        "the failing tool counts"
    );

    let agent = one(&spans, "invoke_agent researcher");
    assert_eq!(int(&agent, "gen_ai.usage.input_tokens"), Some(150));
    assert_eq!(int(&agent, "gen_ai.usage.output_tokens"), Some(30));
    assert_eq!(
        int(&agent, "gen_ai.usage.cache_read.input_tokens"),
        Some(30),
        "what was reported"
    );
    assert_eq!(
        int(&agent, "gen_ai.usage.cache_creation.input_tokens"),
        None,
        "no call reported it"
    );
    assert_eq!(
        int(&agent, "autobot.usage.reasoning.output_tokens"),
        Some(5),
        "not a gen_ai.* attribute of invoke_agent at the pinned conventions"
    );
    assert!(!agent.contains_key("gen_ai.usage.reasoning.output_tokens"));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn without_a_subscriber_the_future_carries_the_invocation_but_a_spawned_task_does_not() {
    // No `tracing` subscriber: spans are disabled, so only what the agent's
    // future awaits is counted; the task spawned `.in_current_span()` has no
    // span to carry the invocation.
    let t = pipeline();
    t.scope(async { research().await.unwrap() }).await;
    let s = scrape(&t);
    assert_eq!(
        histogram(&s, LLM_CALLS, "researcher"),
        one_invocation_of(1.0)
    );
    assert_eq!(
        histogram(&s, TOOL_CALLS, "researcher"),
        one_invocation_of(2.0)
    );
}

#[instrument_agent(agent_name = "inner")]
async fn inner_agent() -> Result<(), Failed> {
    chat(10).await?;
    chat(10).await?;
    search().await
}

#[instrument_agent(agent_name = "outer")]
async fn outer_agent() -> Result<(), Failed> {
    search().await?;
    inner_agent().await?;
    chat(1).await.map(drop)
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_nested_agent_counts_into_its_own_invocation_only() {
    for subscriber in [true, false] {
        let t = pipeline();
        let run = async { outer_agent().await.unwrap() };
        if subscriber {
            let (subscriber, spans, provider) = exporting("rollup-test");
            let _default = tracing::subscriber::set_default(subscriber);
            t.scope(run).await;
            provider.force_flush().unwrap();
            let inner = one(&spans, "invoke_agent inner");
            assert_eq!(int(&inner, "gen_ai.usage.input_tokens"), Some(20));
            let outer = one(&spans, "invoke_agent outer");
            assert_eq!(
                int(&outer, "gen_ai.usage.input_tokens"),
                Some(1),
                "its own LLM call only"
            );
        } else {
            t.scope(run).await;
        }
        let s = scrape(&t);
        assert_eq!(histogram(&s, LLM_CALLS, "inner"), one_invocation_of(2.0));
        assert_eq!(histogram(&s, TOOL_CALLS, "inner"), one_invocation_of(1.0));
        assert_eq!(
            histogram(&s, LLM_CALLS, "outer"),
            one_invocation_of(1.0),
            "subscriber: {subscriber}"
        );
        assert_eq!(histogram(&s, TOOL_CALLS, "outer"), one_invocation_of(1.0));
    }
}

#[instrument_workflow(workflow_type = "review")]
async fn review() -> Result<(), Failed> {
    research().await?;
    inner_agent().await?;
    // Directly in the workflow: its tokens too, no agent counts it.
    chat(7).await.map(drop)
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_workflow_span_sums_the_usage_of_every_llm_call_beneath_it() {
    let (subscriber, spans, provider) = exporting("rollup-test");
    let _default = tracing::subscriber::set_default(subscriber);
    let t = pipeline();
    t.scope(async { review().await.unwrap() }).await;
    provider.force_flush().unwrap();
    let workflow = one(&spans, "invoke_workflow review");
    // research: 100 + 50; inner: 10 + 10; the workflow's own call: 7.
    assert_eq!(int(&workflow, "autobot.usage.input_tokens"), Some(177));
    assert_eq!(
        int(&workflow, "autobot.usage.output_tokens"),
        Some(30 + 40 + 20)
    );
    assert_eq!(
        int(&workflow, "autobot.usage.cache_read.input_tokens"),
        Some(30 * 4)
    );
    assert_eq!(
        int(&workflow, "autobot.usage.reasoning.output_tokens"),
        Some(20)
    );
    assert!(
        !workflow.keys().any(|k| k.starts_with("gen_ai.usage.")),
        "the conventions' workflow span defines no gen_ai.usage.*: {workflow:?}"
    );
    assert_eq!(
        int(
            &one(&spans, "invoke_agent inner"),
            "gen_ai.usage.input_tokens"
        ),
        Some(20)
    );
    let s = scrape(&t);
    assert_eq!(
        histogram(&s, LLM_CALLS, "researcher"),
        one_invocation_of(2.0)
    );
    assert_eq!(histogram(&s, LLM_CALLS, "inner"), one_invocation_of(2.0));
}

#[instrument_agent(agent_name = "stuck")]
async fn stuck() {
    chat(5).await.unwrap();
    let _ = calculator();
    let _ = search().await;
    std::future::pending::<()>().await
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_cancelled_invocation_records_what_it_made() {
    let (subscriber, spans, provider) = exporting("rollup-test");
    let _default = tracing::subscriber::set_default(subscriber);
    let t = pipeline();
    t.scope(async {
        assert!(
            tokio::time::timeout(Duration::from_secs(5), stuck())
                .await
                .is_err()
        );
        // A guard dropped unfinished, its tool call cancelled with it.
        let run = AgentRun::start("stuck");
        let tool = run.in_scope(|| ToolCall::start("search"));
        drop(run);
        drop(tool);
    })
    .await;
    provider.force_flush().unwrap();
    let s = scrape(&t);
    assert_eq!(
        s.value(
            "autobot_agent_invocations_total",
            &[("agent_name", "stuck"), ("status", "cancelled")]
        ),
        Some(2.0)
    );
    let (buckets, count, sum) = histogram(&s, TOOL_CALLS, "stuck");
    assert_eq!((count, sum), (2.0, 3.0), "2 tool calls, then 1");
    assert_eq!(buckets[0], 1.0, "the guard's one call: le=1");
    assert_eq!(buckets[1], 2.0, "the attribute's two calls: le=2");
    assert_eq!(histogram(&s, LLM_CALLS, "stuck").2, 1.0);
    assert_eq!(
        int(&spans_one_cancelled(&spans), "gen_ai.usage.input_tokens"),
        Some(5)
    );
}

/// The cancelled attribute run's span (the one with usage).
fn spans_one_cancelled(spans: &Spans) -> BTreeMap<String, Value> {
    let all = spans.data();
    let with_usage: Vec<&opentelemetry_sdk::trace::SpanData> = all
        .iter()
        .filter(|s| s.name == "invoke_agent stuck")
        .filter(|s| {
            s.attributes
                .iter()
                .any(|kv| kv.key.as_str() == "gen_ai.usage.input_tokens")
        })
        .collect();
    assert_eq!(with_usage.len(), 1);
    with_usage[0]
        .attributes
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.clone()))
        .collect()
}

#[test]
fn guards_count_through_the_entered_span_or_their_scope() {
    // With a subscriber: the span entered by hand carries the invocation.
    let (subscriber, spans, provider) = exporting("rollup-test");
    let t = pipeline();
    tracing::subscriber::with_default(subscriber, || {
        t.in_scope(|| {
            let run = AgentRun::start("by_hand");
            {
                let _entered = run.span().enter();
                ToolCall::start("search").succeed();
                LlmCall::start("openai", "gpt-4o", "chat").succeed(Some(&Tokens {
                    input: 3,
                    output: 4,
                    ..Tokens::default()
                }));
            }
            ToolCall::start("outside").succeed(); // after the span was left
            run.succeed();
        })
    });
    provider.force_flush().unwrap();
    let agent = one(&spans, "invoke_agent by_hand");
    assert_eq!(int(&agent, "gen_ai.usage.output_tokens"), Some(4));
    let s = scrape(&t);
    assert_eq!(histogram(&s, LLM_CALLS, "by_hand"), one_invocation_of(1.0));
    assert_eq!(histogram(&s, TOOL_CALLS, "by_hand"), one_invocation_of(1.0));

    // Without one: `in_scope` carries it.
    let t = pipeline();
    t.in_scope(|| {
        let run = AgentRun::start("by_hand");
        run.in_scope(|| {
            ToolCall::start("search").succeed();
            ToolCall::start("search").succeed();
        });
        let _entered = run.span().enter(); // a disabled span: carries nothing
        ToolCall::start("search").succeed();
        drop(_entered);
        run.succeed();
    });
    let s = scrape(&t);
    assert_eq!(histogram(&s, TOOL_CALLS, "by_hand"), one_invocation_of(2.0));
    assert_eq!(histogram(&s, LLM_CALLS, "by_hand"), one_invocation_of(0.0));
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn agent_run_within_carries_the_invocation_into_a_spawned_task() {
    let t = pipeline();
    t.scope(async {
        let run = AgentRun::start("spawner");
        let task = tokio::spawn(run.within(async {
            search().await.unwrap();
            search().await.unwrap();
        }));
        task.await.unwrap();
        run.succeed();
    })
    .await;
    let s = scrape(&t);
    assert_eq!(histogram(&s, TOOL_CALLS, "spawner"), one_invocation_of(2.0));
}

#[derive(Debug, Clone)]
struct Chunk {
    finish: Option<&'static str>,
    usage: Option<Tokens>,
}

impl LlmChunk for Chunk {
    fn usage(&self) -> Option<&dyn LlmUsage> {
        self.usage.as_ref().map(|u| u as &dyn LlmUsage)
    }
    fn finish_reason(&self) -> Option<&str> {
        self.finish
    }
}

#[instrument_llm(provider = "openai", model = "gpt-4o")]
fn streamed() -> impl futures_core::Stream<Item = Result<Chunk, Failed>> {
    let usage = Tokens {
        input: 9,
        output: 2,
        reasons: vec!["stop"],
        ..Tokens::default()
    };
    futures_util::stream::iter([
        Ok(Chunk {
            finish: None,
            usage: None,
        }),
        // The last chunk and its usage both report the reason.
        Ok(Chunk {
            finish: Some("stop"),
            usage: Some(usage),
        }),
    ])
}

#[instrument_agent(agent_name = "streamer")]
async fn stream_in_agent() {
    let mut stream = std::pin::pin!(streamed());
    while stream.next().await.is_some() {}
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_streams_usage_counts_and_its_finish_reason_is_written_once() {
    let (subscriber, spans, provider) = exporting("rollup-test");
    let _default = tracing::subscriber::set_default(subscriber);
    let t = pipeline();
    t.scope(stream_in_agent()).await;
    provider.force_flush().unwrap();
    let chat = one(&spans, "chat gpt-4o");
    assert_eq!(
        chat.get("gen_ai.response.finish_reasons")
            .map(Value::to_string),
        Some(Value::Array(vec![opentelemetry::StringValue::from("stop")].into()).to_string()),
        "one generation, one reason"
    );
    let agent = one(&spans, "invoke_agent streamer");
    assert_eq!(int(&agent, "gen_ai.usage.input_tokens"), Some(9));
    assert_eq!(
        histogram(&scrape(&t), LLM_CALLS, "streamer"),
        one_invocation_of(1.0)
    );
}

#[derive(Debug)]
struct Embedded;

impl LlmUsage for Embedded {
    fn input_tokens(&self) -> u64 {
        8
    }
    fn output_tokens(&self) -> u64 {
        0
    }
    fn cache_read_input_tokens(&self) -> Option<u64> {
        Some(1)
    }
    fn finish_reasons(&self) -> Vec<&str> {
        vec!["stop"]
    }
}

#[instrument_llm(
    provider = "openai",
    model = "gpt-3.5-turbo-instruct",
    request_type = "completion"
)]
fn complete() -> Tokens {
    Tokens {
        input: 1,
        output: 1,
        ..Tokens::default()
    }
}

#[test]
fn operations_are_the_conventions_and_embeddings_report_input_tokens_only() {
    let (subscriber, spans, provider) = exporting("rollup-test");
    let t = pipeline();
    tracing::subscriber::with_default(subscriber, || {
        t.in_scope(|| {
            complete();
            LlmCall::start("openai", "text-embedding-3-small", "embedding")
                .succeed(Some(&Embedded));
        })
    });
    provider.force_flush().unwrap();

    let completion = one(&spans, "text_completion gpt-3.5-turbo-instruct");
    assert_eq!(
        completion
            .get("gen_ai.operation.name")
            .map(Value::to_string)
            .as_deref(),
        Some("text_completion")
    );
    let embeddings = one(&spans, "embeddings text-embedding-3-small");
    assert_eq!(
        embeddings
            .get("gen_ai.operation.name")
            .map(Value::to_string)
            .as_deref(),
        Some("embeddings")
    );
    assert_eq!(int(&embeddings, "gen_ai.usage.input_tokens"), Some(8));
    for absent in [
        "gen_ai.usage.output_tokens",
        "gen_ai.usage.cache_read.input_tokens",
        "gen_ai.response.finish_reasons",
    ] {
        assert!(!embeddings.contains_key(absent), "{absent}");
    }

    let s = scrape(&t);
    // The guide's family keeps the caller's value exactly.
    for request_type in ["completion", "embedding"] {
        assert!(
            s.samples().any(|x| x.name == "autobot_llm_requests_total"
                && x.labels.get("request_type").map(String::as_str) == Some(request_type)),
            "{request_type}"
        );
    }
    let count = "gen_ai_client_operation_duration_seconds_count";
    for operation in ["text_completion", "embeddings"] {
        assert!(
            s.samples().any(|x| x.name == count
                && x.labels.get("gen_ai_operation_name").map(String::as_str) == Some(operation)),
            "{operation}"
        );
    }
    let tokens = |token_type: &str| {
        s.samples().any(|x| {
            x.name == "gen_ai_client_token_usage_count"
                && x.labels.get("gen_ai_operation_name").map(String::as_str) == Some("embeddings")
                && x.labels.get("gen_ai_token_type").map(String::as_str) == Some(token_type)
        })
    };
    assert!(
        tokens("input") && !tokens("output"),
        "embeddings: input tokens only"
    );
}
