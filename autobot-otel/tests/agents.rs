//! Agents and tools (issue 20): `#[instrument_agent]`, `#[instrument_tool]`,
//! their guards (`AgentRun`, `ToolCall`) and the conventions' names of the
//! existing attributes, read from what an in-process OpenTelemetry span
//! exporter received and from the scrape.

mod span_export;

use std::collections::BTreeMap;

use std::time::Duration;

use autobot_otel::agent::{AgentRun, ToolCall};
use autobot_otel::catalog::MetricId;
use autobot_otel::instrument::ErrorType;
use autobot_otel::labels::ToolType;
use autobot_otel::testing::Scrape;
use autobot_otel::{
    Exposition, Telemetry, instrument_agent, instrument_knowledge, instrument_llm, instrument_task,
    instrument_tool, instrument_workflow,
};
use opentelemetry::trace::{SpanKind, Status};
use span_export::{Spans, exporting};

/// One exported span: its name, kind, status, parent and attributes.
#[derive(Debug, Clone)]
struct Exported {
    name: String,
    kind: SpanKind,
    status: Status,
    span_id: opentelemetry::trace::SpanId,
    parent: opentelemetry::trace::SpanId,
    attributes: BTreeMap<String, String>,
}

/// Every exported span, as [`Exported`].
fn exported(spans: &Spans) -> Vec<Exported> {
    spans
        .data()
        .iter()
        .map(|s| Exported {
            name: s.name.to_string(),
            kind: s.span_kind.clone(),
            status: s.status.clone(),
            span_id: s.span_context.span_id(),
            parent: s.parent_span_id,
            attributes: s
                .attributes
                .iter()
                .map(|kv| (kv.key.to_string(), kv.value.to_string()))
                .collect(),
        })
        .collect()
}

/// The exported spans named `name`.
fn named(spans: &Spans, name: &str) -> Vec<Exported> {
    exported(spans)
        .into_iter()
        .filter(|s| s.name == name)
        .collect()
}

/// The one exported span named `name`.
fn one(spans: &Spans, name: &str) -> Exported {
    let mut found = named(spans, name);
    let names: Vec<String> = exported(spans).into_iter().map(|s| s.name).collect();
    assert_eq!(found.len(), 1, "one span {name} among {names:?}");
    found.remove(0)
}

fn pipeline(genai: bool) -> Telemetry {
    Telemetry::builder()
        .without_otlp()
        .with_env_lookup(|_| None)
        .with_genai_metrics(genai)
        .build()
        .expect("pipeline")
}

fn scrape(t: &Telemetry) -> (String, Scrape) {
    let text = t.render(Exposition::Text);
    let scrape = Scrape::parse(&text).expect("valid scrape");
    (text, scrape)
}

#[derive(Debug)]
enum ToolError {
    DivisionByZero,
}

impl ErrorType for ToolError {
    fn error_type(&self) -> &'static str {
        match self {
            ToolError::DivisionByZero => "division_by_zero",
        }
    }
}

#[instrument_tool(tool_type = "extension", call_id = call_id)]
async fn web_search(call_id: &str) -> Result<Vec<String>, ToolError> {
    tokio::time::sleep(Duration::from_millis(250)).await;
    Ok(vec!["a".into()])
}

#[instrument_tool(tool_name = "calculator")]
fn divide(a: i64, b: i64) -> Result<i64, ToolError> {
    if b == 0 {
        Err(ToolError::DivisionByZero)
    } else {
        Ok(a / b)
    }
}

// In process: `agent_id`, `agent_version` and `provider` are the remote span's
// only (a compile error here; see `ask_remote`).
#[instrument_agent(
    agent_name = "planner",
    agent_description = "plans the work",
    model = "gpt-4o",
    conversation_id = conversation
)]
async fn plan(conversation: &str, fail: bool) -> Result<i64, ToolError> {
    tokio::time::sleep(Duration::from_millis(1250)).await;
    web_search("call-7").await?;
    divide(6, if fail { 0 } else { 3 })
}

#[instrument_agent(
    agent_name = "remote_assistant",
    remote = true,
    provider = "openai",
    agent_id = "asst-1",
    agent_version = "1.0"
)]
fn ask_remote() -> u8 {
    1
}

#[instrument_agent(agent_name = "sleeper")]
async fn never_done() {
    std::future::pending::<()>().await
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn agent_and_tool_spans_follow_the_conventions() {
    let (subscriber, spans, provider) = exporting("agents-test");
    let _default = tracing::subscriber::set_default(subscriber);
    let t = pipeline(true);
    t.scope(async {
        assert_eq!(plan("conv-42", false).await.unwrap(), 2);
        plan("conv-43", true).await.unwrap_err();
        ask_remote();
    })
    .await;
    provider.force_flush().unwrap();

    let agents = named(&spans, "invoke_agent planner");
    assert_eq!(agents.len(), 2);
    let ok = &agents[0];
    assert_eq!(ok.kind, SpanKind::Internal);
    assert_eq!(ok.status, Status::Unset);
    let a = &ok.attributes;
    assert_eq!(a["gen_ai.operation.name"], "invoke_agent");
    assert_eq!(a["gen_ai.agent.name"], "planner");
    assert_eq!(a["gen_ai.agent.description"], "plans the work");
    assert_eq!(a["gen_ai.request.model"], "gpt-4o");
    for remote_only in [
        "gen_ai.agent.id",
        "gen_ai.agent.version",
        "gen_ai.provider.name",
    ] {
        assert!(!a.contains_key(remote_only), "{remote_only}");
    }
    assert_eq!(a["gen_ai.conversation.id"], "conv-42");
    assert_eq!(a["code.function.name"], "agents::plan");
    assert_eq!(a["autobot.status"], "success");
    assert!(!a.contains_key("error.type"));

    let failed = &agents[1];
    assert_eq!(failed.attributes["gen_ai.conversation.id"], "conv-43");
    assert_eq!(failed.attributes["error.type"], "division_by_zero");
    assert_eq!(failed.attributes["autobot.status"], "failed");
    assert!(matches!(failed.status, Status::Error { .. }));

    let searches = named(&spans, "execute_tool web_search");
    assert_eq!(searches.len(), 2);
    let search = &searches[0];
    assert_eq!(search.kind, SpanKind::Internal);
    assert_eq!(
        search.parent, ok.span_id,
        "the tool call nests under its agent"
    );
    assert_eq!(search.attributes["gen_ai.operation.name"], "execute_tool");
    assert_eq!(search.attributes["gen_ai.tool.name"], "web_search");
    assert_eq!(search.attributes["gen_ai.tool.type"], "extension");
    assert_eq!(search.attributes["gen_ai.tool.call.id"], "call-7");
    assert_eq!(
        search.attributes["code.function.name"],
        "agents::web_search"
    );

    let calculators = named(&spans, "execute_tool calculator");
    assert_eq!(calculators.len(), 2);
    let failing = &calculators[1];
    assert_eq!(failing.parent, failed.span_id);
    assert_eq!(
        failing.attributes["gen_ai.tool.type"], "function",
        "the default"
    );
    assert_eq!(failing.attributes["error.type"], "division_by_zero");
    assert!(matches!(failing.status, Status::Error { .. }));
    assert!(!failing.attributes.contains_key("gen_ai.tool.call.id"));

    let remote = one(&spans, "invoke_agent remote_assistant");
    assert_eq!(remote.kind, SpanKind::Client, "remote = true");
    assert!(!remote.attributes.contains_key("gen_ai.conversation.id"));
    assert_eq!(remote.attributes["gen_ai.provider.name"], "openai");
    assert_eq!(remote.attributes["gen_ai.agent.id"], "asst-1");
    assert_eq!(remote.attributes["gen_ai.agent.version"], "1.0");

    // The families: exact counts, names as labels, no id anywhere.
    let (text, s) = scrape(&t);
    let v = |name: &str, labels: &[(&str, &str)]| s.value(name, labels);
    let invocations = "autobot_agent_invocations_total";
    assert_eq!(
        v(
            invocations,
            &[("agent_name", "planner"), ("status", "success")]
        ),
        Some(1.0)
    );
    assert_eq!(
        v(
            invocations,
            &[("agent_name", "planner"), ("status", "failed")]
        ),
        Some(1.0)
    );
    assert_eq!(
        v(
            invocations,
            &[("agent_name", "remote_assistant"), ("status", "success")]
        ),
        Some(1.0)
    );
    let duration = "autobot_agent_invocation_duration_seconds";
    assert_eq!(
        v(&format!("{duration}_count"), &[("agent_name", "planner")]),
        Some(2.0)
    );
    // Paused clock: 1.25 s + 0.25 s per invocation, exactly.
    assert_eq!(
        v(&format!("{duration}_sum"), &[("agent_name", "planner")]),
        Some(3.0)
    );
    let tools = "autobot_tool_calls_total";
    assert_eq!(
        v(tools, &[("status", "success"), ("tool_name", "web_search")]),
        Some(2.0)
    );
    assert_eq!(
        v(tools, &[("status", "success"), ("tool_name", "calculator")]),
        Some(1.0)
    );
    assert_eq!(
        v(tools, &[("status", "failed"), ("tool_name", "calculator")]),
        Some(1.0)
    );
    assert_eq!(
        v(
            "autobot_tool_call_duration_seconds_sum",
            &[("tool_name", "web_search")]
        ),
        Some(0.5)
    );
    assert_eq!(
        s.family(invocations).unwrap().label_keys(),
        ["agent_name", "status"].into()
    );
    assert_eq!(
        s.family(tools).unwrap().label_keys(),
        ["status", "tool_name"].into()
    );
    for id in ["conv-4", "agent-1", "call-7", "plans the work", "gpt-4o"] {
        assert!(!text.contains(id), "{id} is never a label:\n{text}");
    }

    // The GenAI conventions' histograms, with the same values.
    let genai = "gen_ai_invoke_agent_duration_seconds";
    assert_eq!(
        v(
            &format!("{genai}_count"),
            &[("gen_ai_agent_name", "planner")]
        ),
        Some(1.0),
        "the success has no error.type"
    );
    assert_eq!(
        v(
            &format!("{genai}_sum"),
            &[
                ("error_type", "division_by_zero"),
                ("gen_ai_agent_name", "planner")
            ]
        ),
        Some(1.5)
    );
    let keys = s
        .family(genai)
        .expect("the GenAI agent family")
        .label_keys();
    assert!(
        keys.contains("gen_ai_agent_name") && keys.contains("error_type"),
        "{keys:?}"
    );
    for id in [
        "gen_ai_agent_id",
        "gen_ai_conversation_id",
        "gen_ai_request_model",
    ] {
        assert!(!keys.contains(id), "{id} is no attribute of {genai}");
    }
    let tool = "gen_ai_execute_tool_duration_seconds";
    assert_eq!(
        v(
            &format!("{tool}_count"),
            &[
                ("gen_ai_tool_name", "web_search"),
                ("gen_ai_tool_type", "extension")
            ]
        ),
        Some(2.0)
    );
    assert_eq!(
        v(
            &format!("{tool}_count"),
            &[
                ("error_type", "division_by_zero"),
                ("gen_ai_tool_name", "calculator"),
                ("gen_ai_tool_type", "function")
            ]
        ),
        Some(1.0)
    );
    // The buckets are the conventions': 0.1 ... 409.6 for agents.
    assert_eq!(
        v(
            &format!("{genai}_bucket"),
            &[("gen_ai_agent_name", "planner"), ("le", "1.6")]
        ),
        Some(1.0)
    );
    assert_eq!(
        v(
            &format!("{duration}_bucket"),
            &[("agent_name", "planner"), ("le", "409.6")]
        ),
        Some(2.0)
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_dropped_invocation_is_cancelled_on_both_paths() {
    let (subscriber, spans, provider) = exporting("agents-test");
    let _default = tracing::subscriber::set_default(subscriber);
    let t = pipeline(true);
    t.scope(async {
        let timed_out = tokio::time::timeout(Duration::from_secs(2), never_done()).await;
        assert!(timed_out.is_err());
        let run = AgentRun::start("sleeper");
        tokio::time::sleep(Duration::from_secs(2)).await;
        drop(run);
    })
    .await;
    provider.force_flush().unwrap();
    let cancelled = named(&spans, "invoke_agent sleeper");
    assert_eq!(cancelled.len(), 2);
    for span in &cancelled {
        assert_eq!(span.attributes["autobot.status"], "cancelled");
        assert_eq!(span.status, Status::Unset, "a cancel is no error");
    }
    let (_, s) = scrape(&t);
    assert_eq!(
        s.value(
            "autobot_agent_invocations_total",
            &[("agent_name", "sleeper"), ("status", "cancelled")]
        ),
        Some(2.0)
    );
    assert_eq!(
        s.value(
            "autobot_agent_invocation_duration_seconds_sum",
            &[("agent_name", "sleeper")]
        ),
        Some(4.0)
    );
    assert_eq!(
        s.value(
            "gen_ai_invoke_agent_duration_seconds_count",
            &[
                ("error_type", "cancelled"),
                ("gen_ai_agent_name", "sleeper")
            ]
        ),
        Some(2.0)
    );
}

/// The attribute path of one agent run: two tool calls, one failing.
#[instrument_agent(agent_name = "twin", model = "claude", conversation_id = "c-1")]
async fn twin_by_attribute() -> Result<(), ToolError> {
    twin_tool_ok().await?;
    twin_tool_failing()
}

#[instrument_tool(tool_name = "lookup", tool_type = "datastore", call_id = "t-1")]
async fn twin_tool_ok() -> Result<(), ToolError> {
    tokio::time::sleep(Duration::from_millis(100)).await;
    Ok(())
}

#[instrument_tool(tool_name = "divide")]
fn twin_tool_failing() -> Result<(), ToolError> {
    Err(ToolError::DivisionByZero)
}

/// The same run by hand.
async fn twin_by_guard() -> Result<(), ToolError> {
    use tracing::Instrument as _;
    // `provider` of an in-process run is never written (the remote span's
    // attribute), as the attribute refuses it.
    let run = AgentRun::start("twin")
        .provider("anthropic")
        .model("claude")
        .conversation_id("c-1");
    let result = async {
        let lookup = ToolCall::start("lookup")
            .tool_type(ToolType::Datastore)
            .call_id("t-1");
        tokio::time::sleep(Duration::from_millis(100))
            .instrument(lookup.span().clone())
            .await;
        lookup.succeed();
        let divide = ToolCall::start("divide");
        let result: Result<(), ToolError> = Err(ToolError::DivisionByZero);
        divide.finish(&result);
        result
    }
    .instrument(run.span().clone())
    .await;
    run.finish(&result);
    result
}

/// The conventions' attributes of a span (the `code.*`, thread and location
/// attributes differ between a function and a guard).
fn conventions(span: &Exported) -> BTreeMap<String, String> {
    span.attributes
        .iter()
        .filter(|(k, _)| k.starts_with("gen_ai.") || *k == "error.type" || *k == "autobot.status")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn guards_record_exactly_what_the_attributes_record() {
    let mut results = Vec::new();
    for by_hand in [false, true] {
        let (subscriber, spans, provider) = exporting("agents-test");
        let _default = tracing::subscriber::set_default(subscriber);
        let t = pipeline(true);
        t.scope(async {
            let result = if by_hand {
                twin_by_guard().await
            } else {
                twin_by_attribute().await
            };
            assert!(result.is_err());
        })
        .await;
        provider.force_flush().unwrap();
        let shape: Vec<(String, SpanKind, bool, BTreeMap<String, String>)> = [
            "invoke_agent twin",
            "execute_tool lookup",
            "execute_tool divide",
        ]
        .iter()
        .map(|name| {
            let span = one(&spans, name);
            let error = matches!(span.status, Status::Error { .. });
            (
                span.name.clone(),
                span.kind.clone(),
                error,
                conventions(&span),
            )
        })
        .collect();
        let agent = one(&spans, "invoke_agent twin");
        for tool in ["execute_tool lookup", "execute_tool divide"] {
            assert_eq!(
                one(&spans, tool).parent,
                agent.span_id,
                "{tool} under its agent"
            );
        }
        let text = t.render(Exposition::Text);
        // A constant attribute site also creates its counter's other outcome
        // series at 0 (what an objective's ratio reads); a guard's run-time
        // labels create only what it records: the series compared are the ones
        // recorded.
        let families: Vec<String> = text
            .lines()
            .filter(|l| {
                l.starts_with("autobot_agent_")
                    || l.starts_with("autobot_tool_")
                    || l.starts_with("gen_ai_")
            })
            .filter(|l| {
                !((l.starts_with("autobot_agent_invocations_total{")
                    || l.starts_with("autobot_tool_calls_total{"))
                    && l.ends_with(" 0"))
            })
            .map(str::to_owned)
            .collect();
        results.push((shape, families));
    }
    let (attribute, guard) = (&results[0], &results[1]);
    assert_eq!(attribute.0, guard.0, "the same spans");
    assert_eq!(attribute.1, guard.1, "the same series, values and buckets");
    assert!(
        attribute.1.iter().any(
            |l| l.starts_with("gen_ai_execute_tool_duration_seconds_count")
                && l.contains(r#"gen_ai_tool_type="datastore""#)
        ),
        "{:?}",
        attribute.1
    );
    let agent = &attribute.0[0].3;
    assert_eq!(agent["gen_ai.conversation.id"], "c-1");
    assert_eq!(agent["error.type"], "division_by_zero");
}

#[instrument_workflow(workflow_type = "deploy")]
async fn deploy() -> Result<(), std::io::Error> {
    Ok(())
}

#[instrument_task(agent_type = "linter")]
fn lint() -> usize {
    1
}

#[instrument_knowledge(search_type = "semantic", collection = "docs")]
fn search_docs() -> Vec<u8> {
    vec![]
}

#[derive(Debug)]
struct Reply;

impl autobot_otel::instrument::LlmUsage for Reply {
    fn input_tokens(&self) -> u64 {
        1
    }
    fn output_tokens(&self) -> u64 {
        2
    }
}

#[instrument_llm(provider = "openai", model = model)]
fn complete(model: &str) -> Result<Reply, std::io::Error> {
    Ok(Reply)
}

#[tokio::test(flavor = "current_thread")]
async fn the_existing_attributes_speak_the_conventions() {
    let (subscriber, spans, provider) = exporting("agents-test");
    let _default = tracing::subscriber::set_default(subscriber);
    let t = pipeline(true);
    t.scope(async {
        deploy().await.unwrap();
        lint();
        search_docs();
        complete("gpt-4o").unwrap();
    })
    .await;
    provider.force_flush().unwrap();

    let workflow = one(&spans, "invoke_workflow deploy");
    assert_eq!(workflow.kind, SpanKind::Internal);
    assert_eq!(
        workflow.attributes["gen_ai.operation.name"],
        "invoke_workflow"
    );
    assert_eq!(workflow.attributes["gen_ai.workflow.name"], "deploy");
    assert_eq!(
        workflow.attributes["workflow_type"], "deploy",
        "the guide's key stays"
    );
    assert_eq!(workflow.attributes["code.function.name"], "agents::deploy");

    let task = one(&spans, "lint");
    assert_eq!(task.attributes["gen_ai.agent.name"], "linter");
    assert_eq!(task.attributes["agent_type"], "linter");
    assert_eq!(task.attributes["code.function.name"], "agents::lint");

    let retrieval = one(&spans, "retrieval docs");
    assert_eq!(
        retrieval.kind,
        SpanKind::Client,
        "the conventions' retrieval span"
    );
    assert_eq!(retrieval.attributes["gen_ai.operation.name"], "retrieval");
    assert_eq!(retrieval.attributes["gen_ai.data_source.id"], "docs");
    assert_eq!(
        retrieval.attributes["code.function.name"],
        "agents::search_docs"
    );

    let chat = one(&spans, "chat gpt-4o");
    assert_eq!(chat.kind, SpanKind::Client);
    assert_eq!(chat.attributes["gen_ai.operation.name"], "chat");
    assert_eq!(chat.attributes["code.function.name"], "agents::complete");

    let (_, s) = scrape(&t);
    assert_eq!(
        s.value(
            "gen_ai_workflow_duration_seconds_count",
            &[("gen_ai_workflow_name", "deploy")]
        ),
        Some(1.0)
    );
    assert_eq!(
        s.value(
            "gen_ai_workflow_duration_seconds_bucket",
            &[("gen_ai_workflow_name", "deploy"), ("le", "7200")]
        ),
        Some(1.0),
        "the conventions' workflow ladder"
    );
}

#[test]
fn without_the_genai_opt_in_no_genai_family_and_nothing_new_unused() {
    // Every test of this file has a subscriber: `tracing` caches a callsite's
    // interest across threads, and a test without one could make the guards'
    // spans of a parallel test disabled.
    let (subscriber, _spans, _provider) = exporting("agents-test");
    let _default = tracing::subscriber::set_default(subscriber);
    let t = pipeline(false);
    let before = t.render(Exposition::Text);
    assert!(!before.contains("autobot_agent_") && !before.contains("autobot_tool_"));
    t.in_scope(|| {
        AgentRun::start("quiet").succeed();
        ToolCall::start("quiet_tool").succeed();
    });
    let text = t.render(Exposition::Text);
    assert!(
        text.contains(r#"autobot_agent_invocations_total{agent_name="quiet",status="success"} 1"#)
    );
    assert!(
        text.contains(r#"autobot_tool_calls_total{status="success",tool_name="quiet_tool"} 1"#)
    );
    assert!(!text.contains("gen_ai_"), "{text}");
}

#[test]
fn agent_and_tool_names_are_bounded_by_series_limits() {
    let (subscriber, _spans, _provider) = exporting("agents-test");
    let _default = tracing::subscriber::set_default(subscriber);
    let t = Telemetry::builder()
        .without_otlp()
        .with_env_lookup(|_| None)
        .with_series_limit(MetricId::ToolCallsTotal, 2)
        .with_series_limit(MetricId::AgentInvocationsTotal, 2)
        .build()
        .unwrap();
    t.in_scope(|| {
        for i in 0..5 {
            ToolCall::start(&format!("tool_{i}")).succeed();
            AgentRun::start(&format!("agent_{i}")).succeed();
        }
    });
    let (_, s) = scrape(&t);
    for family in [
        "autobot_tool_calls_total",
        "autobot_agent_invocations_total",
    ] {
        assert_eq!(
            s.family(family).unwrap().series_count(),
            3,
            "{family}: 2 + overflow"
        );
        assert_eq!(
            s.value(family, &[("otel_metric_overflow", "true")]),
            Some(3.0),
            "{family}"
        );
    }
}
