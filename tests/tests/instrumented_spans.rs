//! Spans of instrumented async functions reach a real OTLP collector (rotel) with
//! their attributes and their parent; the metrics of the same calls arrive too.

use std::time::Duration;

use autobot_otel::Telemetry;
use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
use autobot_otel_examples::instrumented::{LlmClient, review_pull_request};
use autobot_otel_tests::{Rotel, find_metric, parse_spans};

#[test]
fn instrumented_spans_reach_the_collector_with_attributes_and_parents() {
    let rotel = Rotel::start().expect("rotel starts");
    let guard = Telemetry::builder()
        .with_service_name("instrumented-spans-test")
        .with_otlp(
            OtlpSettings::new(rotel.grpc_endpoint(), OtlpProtocol::Grpc)
                .with_export_interval(Duration::from_secs(3600)),
        )
        .install()
        .expect("global pipeline");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let llm = LlmClient {
        model: "gpt-4o".into(),
    };
    let pr = runtime
        .block_on(review_pull_request(&llm, "autobot/backend", 5))
        .unwrap();
    assert_eq!(pr, 1005);
    let failed = runtime.block_on(llm.complete(""));
    assert!(failed.is_err());
    guard.shutdown().expect("flush to the collector");

    let out = rotel
        .wait_for_output(
            |out| {
                let names: Vec<String> = parse_spans(out).into_iter().map(|s| s.name).collect();
                [
                    "invoke_workflow code_review",
                    "analyze",
                    "chat gpt-4o",
                    "retrieval docs",
                    "lint",
                    "cache_get",
                    "open_pull_request",
                ]
                .iter()
                .all(|n| names.iter().any(|m| m == n))
                    && find_metric(out, "autobot_llm_requests").is_some()
            },
            Duration::from_secs(20),
        )
        .expect("spans and metrics arrive");
    let spans = parse_spans(&out);
    let span = |name: &str, pred: &dyn Fn(&autobot_otel_tests::RotelSpan) -> bool| {
        spans
            .iter()
            .find(|s| s.name == name && pred(s))
            .unwrap_or_else(|| panic!("no span {name}"))
            .clone()
    };
    // Spans are named by the GenAI conventions where they define the operation;
    // the function stays as `code.function.name`.
    let root = span("invoke_workflow code_review", &|_| true);
    assert_eq!(root.parent_id, None, "the workflow is the root");
    assert_eq!(root.attr("workflow_type").as_deref(), Some("code_review"));
    assert_eq!(
        root.attr("gen_ai.workflow.name").as_deref(),
        Some("code_review")
    );
    assert_eq!(
        root.attr("gen_ai.operation.name").as_deref(),
        Some("invoke_workflow")
    );
    assert_eq!(
        root.attr("code.function.name").as_deref(),
        Some("autobot_otel_examples::instrumented::review_pull_request")
    );
    assert_eq!(root.attr("autobot.status").as_deref(), Some("success"));
    assert_eq!(
        root.resource_attr("service.name").as_deref(),
        Some("instrumented-spans-test")
    );

    let analyze = span("analyze", &|_| true);
    assert_eq!(analyze.parent_id.as_deref(), Some(root.span_id.as_str()));
    assert_eq!(analyze.trace_id, root.trace_id);
    assert_eq!(analyze.attr("agent_type").as_deref(), Some("code-reviewer"));
    assert_eq!(
        analyze.attr("gen_ai.agent.name").as_deref(),
        Some("code-reviewer")
    );

    let llm_ok = span("chat gpt-4o", &|s| s.parent_id.is_some());
    assert_eq!(
        llm_ok.parent_id.as_deref(),
        Some(analyze.span_id.as_str()),
        "LLM call nested in the task"
    );
    assert_eq!(llm_ok.kind, "SPAN_KIND_CLIENT");
    assert_eq!(
        llm_ok.attr("gen_ai.provider.name").as_deref(),
        Some("openai")
    );
    assert_eq!(
        llm_ok.attr("gen_ai.request.model").as_deref(),
        Some("gpt-4o")
    );
    assert_eq!(
        llm_ok.attr("gen_ai.operation.name").as_deref(),
        Some("chat")
    );
    assert!(
        matches!(
            llm_ok.attributes.get("gen_ai.usage.output_tokens"),
            Some(autobot_otel_tests::AttrValue::Int(42))
        ),
        "token counts are integers: {:?}",
        llm_ok.attributes
    );
    assert!(llm_ok.attr("gen_ai.usage.input_tokens").is_some());
    assert_eq!(
        llm_ok.attr("gen_ai.usage.output_tokens").as_deref(),
        Some("42")
    );

    let llm_err = span("chat gpt-4o", &|s| s.parent_id.is_none());
    assert_eq!(llm_err.status_code, "STATUS_CODE_ERROR");
    assert_eq!(llm_err.attr("error.type").as_deref(), Some("rate_limit"));

    for child in ["cache_get", "open_pull_request"] {
        assert_eq!(
            span(child, &|_| true).parent_id.as_deref(),
            Some(root.span_id.as_str()),
            "{child}"
        );
    }
    let search = span("retrieval docs", &|_| true);
    assert_eq!(
        search.attr("gen_ai.data_source.id").as_deref(),
        Some("docs")
    );
    assert_eq!(search.parent_id.as_deref(), Some(analyze.span_id.as_str()));

    let requests = find_metric(&out, "autobot_llm_requests").unwrap();
    let point = requests
        .point_with(&[("provider", "openai"), ("model", "gpt-4o")])
        .expect("point");
    assert_eq!(point.value, Some(2.0));
}
