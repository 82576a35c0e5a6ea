//! `#[instrument_agent]` and `#[instrument_tool]` on functions that return a
//! stream: the call is timed over the stream's life, as for `#[instrument_llm]`
//! (`llm_streams.rs`) — a success at its end, a failure at its first `Err`
//! item (`error.type` from `ErrorType`, or the type's name), cancelled when
//! dropped before either — and the LLM and tool calls made while an agent's
//! stream is polled count into that invocation. Tokio's paused clock: the
//! durations are exact.

mod span_export;

use std::collections::BTreeMap;
use std::time::Duration;

use autobot_otel::instrument::{ErrorType, LlmUsage};
use autobot_otel::testing::Scrape;
use autobot_otel::{instrument_agent, instrument_llm, instrument_tool};
use futures_core::Stream;
use futures_util::StreamExt as _;
use opentelemetry::trace::Status;
use opentelemetry_sdk::trace::SpanData;
use span_export::{exporting, pipeline, scrape};

fn attributes(span: &SpanData) -> BTreeMap<String, String> {
    span.attributes
        .iter()
        .map(|kv| (kv.key.to_string(), kv.value.to_string()))
        .collect()
}

#[derive(Debug)]
struct Failed;

impl ErrorType for Failed {
    fn error_type(&self) -> &'static str {
        "stream_failed"
    }
}

struct Tokens;

impl LlmUsage for Tokens {
    fn input_tokens(&self) -> u64 {
        10
    }
    fn output_tokens(&self) -> u64 {
        4
    }
}

#[instrument_llm(provider = "openai", model = "gpt-4o")]
async fn chat() -> Result<Tokens, Failed> {
    tokio::time::sleep(Duration::from_millis(250)).await;
    Ok(Tokens)
}

#[instrument_tool]
async fn lookup() -> Result<(), Failed> {
    tokio::time::sleep(Duration::from_millis(250)).await;
    Ok(())
}

/// Three events, one a second; the first makes an LLM call and a tool call
/// (inside the stream's polls: the body only builds the stream), so it comes
/// at 1.5 s. Event `fail_at` is an `Err`; later events still come.
#[instrument_agent(agent_name = name)]
fn events(name: &'static str, fail_at: Option<u32>) -> impl Stream<Item = Result<u32, Failed>> {
    futures_util::stream::unfold(0u32, move |n| async move {
        if n == 3 {
            return None;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        if n == 0 {
            chat().await.ok()?;
            lookup().await.ok()?;
        }
        let item = if Some(n) == fail_at {
            Err(Failed)
        } else {
            Ok(n)
        };
        Some((item, n + 1))
    })
}

/// Plain items, from an `async fn`: never a failure.
#[instrument_agent(agent_name = "ticker")]
async fn ticks() -> impl Stream<Item = u32> {
    tokio::time::sleep(Duration::from_millis(500)).await;
    futures_util::stream::unfold(0u32, |n| async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        (n < 2).then_some((n, n + 1))
    })
}

const LLM_CALLS: &str = "autobot_agent_llm_calls_per_invocation";
const TOOL_CALLS: &str = "autobot_agent_tool_calls_per_invocation";

/// (count, sum) of histogram `family` for `labels`.
fn histogram(s: &Scrape, family: &str, labels: &[(&str, &str)]) -> (Option<f64>, Option<f64>) {
    (
        s.value(&format!("{family}_count"), labels),
        s.value(&format!("{family}_sum"), labels),
    )
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_agent_stream_is_timed_over_its_life_and_counts_the_calls_of_its_polls() {
    // No subscriber: the invocation is found through the poll, not the span.
    let t = pipeline();
    t.scope(async {
        let all: Vec<_> = events("complete", None).collect().await;
        assert_eq!(all.len(), 3);
        // The second item is an `Err`: the call fails there; the third still comes.
        let all: Vec<_> = events("failing", Some(1)).collect().await;
        assert_eq!(all.len(), 3);
        assert!(all[1].is_err());
        // Dropped after one item: cancelled.
        let mut dropped = std::pin::pin!(events("dropped", None));
        assert!(dropped.next().await.is_some());
        // Made while a stream exists but outside its polls: counted into no
        // invocation.
        let after = events("unpolled", None);
        chat().await.ok();
        drop(after);
        let plain: Vec<u32> = ticks().await.collect().await;
        assert_eq!(plain, [0, 1]);
    })
    .await;
    let s = scrape(&t);
    let counter = "autobot_agent_invocations_total";
    let duration = "autobot_agent_invocation_duration_seconds";
    let genai = "gen_ai_invoke_agent_duration_seconds";
    for (agent, status, seconds, error_type) in [
        ("complete", "success", 3.5, None),
        ("failing", "failed", 2.5, Some("stream_failed")),
        ("ticker", "success", 3.5, None),
        ("unpolled", "cancelled", 0.25, Some("cancelled")),
    ] {
        assert_eq!(
            s.value(counter, &[("agent_name", agent), ("status", status)]),
            Some(1.0),
            "{agent}"
        );
        assert_eq!(
            histogram(&s, duration, &[("agent_name", agent)]),
            (Some(1.0), Some(seconds)),
            "{agent}: the stream's life"
        );
        let mut labels = vec![("gen_ai_agent_name", agent)];
        if let Some(error_type) = error_type {
            labels.insert(0, ("error_type", error_type));
        }
        assert_eq!(
            histogram(&s, genai, &labels),
            (Some(1.0), Some(seconds)),
            "{agent}: the GenAI duration, the same reading"
        );
    }
    // The pinned stream is dropped at the end of the scope: its first item at
    // 1.5 s, then 0.25 s (`unpolled`) and 3.5 s (`ticker`).
    assert_eq!(
        s.value(
            counter,
            &[("agent_name", "dropped"), ("status", "cancelled")]
        ),
        Some(1.0)
    );
    assert_eq!(
        histogram(&s, duration, &[("agent_name", "dropped")]),
        (Some(1.0), Some(5.25))
    );
    // Each stream that reached its first item made one LLM and one tool call
    // while polled; the unpolled one and the plain one none (the LLM call
    // after `unpolled` was made outside every invocation).
    for (agent, calls) in [
        ("complete", 1.0),
        ("failing", 1.0),
        ("dropped", 1.0),
        ("unpolled", 0.0),
        ("ticker", 0.0),
    ] {
        for family in [LLM_CALLS, TOOL_CALLS] {
            assert_eq!(
                histogram(&s, family, &[("agent_name", agent)]),
                (Some(1.0), Some(calls)),
                "{family} {agent}"
            );
        }
    }
    assert_eq!(
        s.value(
            "autobot_llm_requests_total",
            &[
                ("model", "gpt-4o"),
                ("provider", "openai"),
                ("request_type", "chat")
            ]
        ),
        Some(4.0)
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn an_agent_streams_span_closes_at_its_end_with_the_outcome_and_the_usage() {
    let (subscriber, spans, provider) = exporting("agent-streams-test");
    let _default = tracing::subscriber::set_default(subscriber);
    let t = pipeline();
    t.scope(async {
        let mut complete = std::pin::pin!(events("complete", None));
        while complete.next().await.is_some() {}
        // Ended, not yet dropped: the span is closed already.
        provider.force_flush().unwrap();
        let span = spans.one("invoke_agent complete");
        let attrs = attributes(&span);
        assert_eq!(attrs["autobot.status"], "success");
        assert_eq!(attrs["gen_ai.usage.input_tokens"], "10");
        assert_eq!(attrs["gen_ai.usage.output_tokens"], "4");
        assert_eq!(span.status, Status::Unset);
        let chat = spans.one("chat gpt-4o");
        assert_eq!(chat.parent_span_id, span.span_context.span_id());
        let tool = spans.one("execute_tool lookup");
        assert_eq!(tool.parent_span_id, span.span_context.span_id());

        let mut failing = std::pin::pin!(events("failing", Some(1)));
        assert!(failing.next().await.unwrap().is_ok());
        assert!(failing.next().await.unwrap().is_err());
        provider.force_flush().unwrap();
        let span = spans.one("invoke_agent failing");
        let attrs = attributes(&span);
        assert_eq!(attrs["autobot.status"], "failed");
        assert_eq!(attrs["error.type"], "stream_failed");
        assert!(matches!(span.status, Status::Error { .. }));
        // Items after the end pass through unrecorded.
        assert!(failing.next().await.unwrap().is_ok());

        {
            let mut dropped = std::pin::pin!(events("dropped", None));
            assert!(dropped.next().await.is_some());
            provider.force_flush().unwrap();
            assert!(spans.named("invoke_agent dropped").is_empty(), "still open");
        }
        provider.force_flush().unwrap();
        let span = spans.one("invoke_agent dropped");
        assert_eq!(attributes(&span)["autobot.status"], "cancelled");
        assert_eq!(attributes(&span)["gen_ai.usage.input_tokens"], "10");
    })
    .await;
}

/// A tool whose rows stream in, one a second; the first row asks an LLM.
#[instrument_tool(tool_name = "rows", tool_type = "datastore")]
fn rows(fail_at: Option<u32>) -> impl Stream<Item = Result<u32, Failed>> {
    futures_util::stream::unfold(0u32, move |n| async move {
        if n == 3 {
            return None;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        if n == 0 {
            chat().await.ok()?;
        }
        let item = if Some(n) == fail_at {
            Err(Failed)
        } else {
            Ok(n)
        };
        Some((item, n + 1))
    })
}

/// `Result<impl Stream, F>`: an `Err` ends the call; an `Err` item of an error
/// type without `ErrorType` is named by its type.
#[instrument_tool(tool_name = "feed")]
async fn feed(open: bool) -> Result<impl Stream<Item = Result<u32, std::fmt::Error>>, Failed> {
    tokio::time::sleep(Duration::from_millis(500)).await;
    if !open {
        return Err(Failed);
    }
    Ok(futures_util::stream::iter([Ok(1), Err(std::fmt::Error)]))
}

/// An agent reading a tool's stream: the tool call and the LLM call made in
/// the tool stream's polls count into it.
#[instrument_agent(agent_name = "reader")]
async fn read_rows() -> usize {
    rows(None).count().await
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_tool_stream_is_timed_over_its_life() {
    let t = pipeline();
    t.scope(async {
        assert_eq!(rows(None).count().await, 3);
        assert_eq!(rows(Some(1)).count().await, 3);
        {
            let mut dropped = std::pin::pin!(rows(None));
            assert!(dropped.next().await.is_some());
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        assert!(feed(false).await.is_err());
        let items: Vec<_> = feed(true).await.unwrap().collect().await;
        assert_eq!(items.len(), 2);
        assert_eq!(read_rows().await, 3);
    })
    .await;
    let s = scrape(&t);
    let counter = "autobot_tool_calls_total";
    let duration = "autobot_tool_call_duration_seconds";
    let genai = "gen_ai_execute_tool_duration_seconds";
    // rows: 3.25 s twice (a success alone and inside `reader`), 2.25 s to its
    // failing second row, 1.25 + 2 s until dropped.
    assert_eq!(
        s.value(counter, &[("status", "success"), ("tool_name", "rows")]),
        Some(2.0)
    );
    for status in ["failed", "cancelled"] {
        assert_eq!(
            s.value(counter, &[("status", status), ("tool_name", "rows")]),
            Some(1.0),
            "{status}"
        );
    }
    assert_eq!(
        histogram(&s, duration, &[("tool_name", "rows")]),
        (Some(4.0), Some(3.25 + 2.25 + 3.25 + 3.25))
    );
    let rows_genai = |error_type: Option<&'static str>| {
        let mut labels = vec![
            ("gen_ai_tool_name", "rows"),
            ("gen_ai_tool_type", "datastore"),
        ];
        if let Some(error_type) = error_type {
            labels.insert(0, ("error_type", error_type));
        }
        histogram(&s, genai, &labels)
    };
    assert_eq!(rows_genai(None), (Some(2.0), Some(6.5)));
    assert_eq!(rows_genai(Some("stream_failed")), (Some(1.0), Some(2.25)));
    assert_eq!(rows_genai(Some("cancelled")), (Some(1.0), Some(3.25)));
    // feed: the `Err` return after 0.5 s, the `fmt::Error` item after 0.5 s.
    assert_eq!(
        s.value(counter, &[("status", "failed"), ("tool_name", "feed")]),
        Some(2.0)
    );
    assert_eq!(
        histogram(
            &s,
            genai,
            &[
                ("error_type", "core::fmt::Error"),
                ("gen_ai_tool_name", "feed"),
                ("gen_ai_tool_type", "function")
            ]
        ),
        (Some(1.0), Some(0.5))
    );
    // reader: one tool call, and the LLM call the tool's stream made.
    for family in [LLM_CALLS, TOOL_CALLS] {
        assert_eq!(
            histogram(&s, family, &[("agent_name", "reader")]),
            (Some(1.0), Some(1.0)),
            "{family}"
        );
    }
}

struct Researcher;

#[instrument_agent(agent_name = "researcher")]
impl Researcher {
    async fn run(&self) -> u8 {
        1
    }
}

struct Toolbox;

impl Toolbox {
    #[instrument_tool]
    fn grep(&self) -> u8 {
        self.fetch()
    }

    #[instrument_tool]
    fn fetch(&self) -> u8 {
        2
    }
}

#[instrument_tool(tool_name = "free")]
async fn free_tool() -> u8 {
    3
}

#[tokio::test(flavor = "current_thread")]
async fn a_methods_function_name_includes_its_type() {
    let (subscriber, spans, provider) = exporting("agent-streams-test");
    let _default = tracing::subscriber::set_default(subscriber);
    let t = pipeline();
    t.scope(async {
        Researcher.run().await;
        Toolbox.grep();
        free_tool().await;
    })
    .await;
    provider.force_flush().unwrap();
    for (span, name) in [
        ("invoke_agent researcher", "agent_streams::Researcher::run"),
        ("execute_tool grep", "agent_streams::Toolbox::grep"),
        ("execute_tool fetch", "agent_streams::Toolbox::fetch"),
        ("execute_tool free", "agent_streams::free_tool"),
    ] {
        assert_eq!(
            attributes(&spans.one(span))["code.function.name"],
            name,
            "{span}"
        );
    }
}
