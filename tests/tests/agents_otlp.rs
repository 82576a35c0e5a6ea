//! The agent loop of `autobot_otel_examples::agents` read by its real consumers.
//! Four runs of the `research` workflow (`#[instrument_workflow]` →
//! `#[instrument_agent]` → `#[instrument_llm]` chat → `#[instrument_tool]` →
//! chat): one whose tool fails, one whose tool hangs until the workflow's budget
//! runs out (the invocation and the tool call are cancelled). They export over
//! OTLP to a real collector (rotel), over gRPC and over HTTP/protobuf, and what
//! rotel received is checked: the span tree (names, kinds, parent links, the
//! conventions' attributes, `error.type` on the failing tool and the timed-out
//! workflow) and the metrics with their exact counts (invocations and tool calls
//! by outcome, durations, the GenAI durations). The same pipeline's Prometheus
//! endpoint is scraped too: the agent and tool families with the same counts,
//! accepted by `promtool check metrics` and the strict `prometheus_client`
//! parsers (text and OpenMetrics), and a real Prometheus that scraped it answers
//! the same counts.

use std::collections::BTreeMap;
use std::time::Duration;

use autobot_otel::Telemetry;
use autobot_otel::catalog::MetricId;
use autobot_otel::catalog::genai::GenAiMetricId;
use autobot_otel::http::MetricsServer;
use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
use autobot_otel::testing::Scrape;
use autobot_otel_examples::agents::{AGENT, AgentError, Researcher, TOOL, Turn, research};
use autobot_otel_tests::{
    EXPECTED_PROMTOOL_FINDINGS, PROMETHEUS_SCRAPE_ACCEPT, PrometheusOptions, PrometheusServer,
    Rotel, RotelMetric, RotelSpan, http_get, http_get_with_headers, parse_metrics, parse_spans,
    promtool_check_metrics, promtool_findings, strict_check_openmetrics, strict_check_scrape,
};
use tracing_subscriber::layer::SubscriberExt as _;

/// The runs, in order; run `i` has conversation `conv-{i}`.
const TURNS: [Turn; 4] = [
    Turn::Answers,
    Turn::ToolFails,
    Turn::TimesOut,
    Turn::Answers,
];
/// The workflow's budget: the timed-out run is cancelled after this.
const BUDGET: Duration = Duration::from_millis(300);
const QUESTION: &str = "What changed in the release?";

const WORKFLOW_SPAN: &str = "invoke_workflow research";
const AGENT_SPAN: &str = "invoke_agent researcher";
const CHAT_SPAN: &str = "chat gpt-4o";
const TOOL_SPAN: &str = "execute_tool web_search";

/// Spans per name: a workflow and an agent per run, two chats per run but one in
/// the timed-out run (cancelled during its tool call), a tool call per run.
const SPANS: [(&str, usize); 4] = [
    (WORKFLOW_SPAN, 4),
    (AGENT_SPAN, 4),
    (CHAT_SPAN, 7),
    (TOOL_SPAN, 4),
];

/// What the consumers received.
struct Received {
    /// rotel's debug output.
    rotel: String,
    /// The endpoint in the text format 0.0.4.
    text: String,
    /// The endpoint as Prometheus asks for it (OpenMetrics).
    openmetrics: String,
    /// `sum by (status)` of the invocations and of the tool calls, as a real
    /// Prometheus that scraped the endpoint answers them.
    prometheus: (BTreeMap<String, f64>, BTreeMap<String, f64>),
}

fn by_status(prometheus: &PrometheusServer, expr: &str) -> BTreeMap<String, f64> {
    prometheus
        .wait_for_vector(expr, Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("{expr}: {e}"))
        .into_iter()
        .map(|s| (s.label("status").unwrap_or_default().to_string(), s.value))
        .collect()
}

/// Runs the loop in a pipeline that pushes to `rotel` over `protocol` and serves
/// its endpoint on a free loopback port; scrapes the endpoint (directly and
/// through a real Prometheus), shuts the pipeline down, and returns what rotel
/// printed once every span and metric has arrived.
fn run(rotel: &Rotel, protocol: OtlpProtocol) -> Received {
    let endpoint = match protocol {
        OtlpProtocol::Grpc => rotel.grpc_endpoint(),
        _ => rotel.http_endpoint(),
    };
    let telemetry: Telemetry = autobot_otel::builder!()
        .with_service_name("agents-otlp-test")
        .with_otlp(
            OtlpSettings::new(endpoint, protocol).with_export_interval(Duration::from_secs(3600)),
        )
        .with_genai_metrics(true)
        .build()
        .expect("pipeline");

    // The endpoint, on a runtime of its own (the blocking scrapes below run on
    // this thread).
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let server = server_runtime
        .block_on(MetricsServer::bind("127.0.0.1:0", telemetry.clone()))
        .expect("endpoint binds");
    let target = server.local_addr().to_string();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let served = server_runtime.spawn(server.run_until(async {
        let _ = stop_rx.await;
    }));

    let subscriber = tracing_subscriber::registry().with(telemetry.tracing_layer());
    let answers = tracing::subscriber::with_default(subscriber, || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(telemetry.scope(async {
            let agent = Researcher::new("gpt-4o", BUDGET);
            let mut answers = Vec::new();
            for (i, turn) in TURNS.into_iter().enumerate() {
                answers.push(research(&agent, &format!("conv-{i}"), QUESTION, turn).await);
            }
            answers
        }))
    });
    assert!(answers[0].is_ok() && answers[3].is_ok(), "{answers:?}");
    assert!(
        answers[1]
            .as_deref()
            .is_ok_and(|a| a.contains("web_search failed: unavailable")),
        "the model saw the tool's failure: {answers:?}"
    );
    assert_eq!(answers[2], Err(AgentError::Timeout));

    let url = format!("http://{target}/api/monitoring/metrics");
    let text = http_get(&url).expect("text scrape");
    assert_eq!(text.status, 200);
    let openmetrics = http_get_with_headers(&url, &[("accept", PROMETHEUS_SCRAPE_ACCEPT)])
        .expect("OpenMetrics scrape");
    assert_eq!(openmetrics.status, 200);
    assert!(
        openmetrics
            .header("content-type")
            .is_some_and(|c| c.starts_with("application/openmetrics-text")),
        "{:?}",
        openmetrics.headers
    );

    let prometheus = PrometheusServer::start_scraped(
        PrometheusOptions::new(&target).scrape_interval(Duration::from_secs(1)),
        2,
    )
    .expect("prometheus scraped the endpoint");
    let invocations = by_status(
        &prometheus,
        &format!(r#"sum by (status) (autobot_agent_invocations_total{{agent_name="{AGENT}"}})"#),
    );
    let tools = by_status(
        &prometheus,
        &format!(r#"sum by (status) (autobot_tool_calls_total{{tool_name="{TOOL}"}})"#),
    );
    drop(prometheus);

    let _ = stop_tx.send(());
    server_runtime
        .block_on(served)
        .unwrap()
        .expect("endpoint stops");
    telemetry.shutdown().expect("flushed to the collector");

    let invocations_metric = MetricId::AgentInvocationsTotal.def().otel_name();
    let tools_metric = MetricId::ToolCallsTotal.def().otel_name();
    let out = rotel
        .wait_for_output(
            |out| {
                let spans = parse_spans(out);
                let metrics = parse_metrics(out);
                SPANS
                    .iter()
                    .all(|(name, n)| spans.iter().filter(|s| s.name == *name).count() >= *n)
                    && [&invocations_metric, &tools_metric]
                        .iter()
                        .all(|m| metrics.iter().any(|r| r.name == **m))
            },
            Duration::from_secs(20),
        )
        .expect("spans and metrics arrive");
    Received {
        rotel: out,
        text: text.body,
        openmetrics: openmetrics.body,
        prometheus: (invocations, tools),
    }
}

fn one<'a>(spans: &'a [&'a RotelSpan], what: &str) -> &'a RotelSpan {
    assert_eq!(spans.len(), 1, "{what}: {spans:#?}");
    spans[0]
}

fn check_spans(out: &str) {
    let spans = parse_spans(out);
    for (name, n) in SPANS {
        assert_eq!(
            spans.iter().filter(|s| s.name == name).count(),
            n,
            "{name} spans"
        );
    }
    for (i, turn) in TURNS.into_iter().enumerate() {
        let conversation = format!("conv-{i}");
        // The agent span of this run, by its conversation id.
        let agents: Vec<&RotelSpan> = spans
            .iter()
            .filter(|s| {
                s.name == AGENT_SPAN
                    && s.attr("gen_ai.conversation.id") == Some(conversation.clone())
            })
            .collect();
        let agent = one(&agents, &conversation);
        let trace: Vec<&RotelSpan> = spans
            .iter()
            .filter(|s| s.trace_id == agent.trace_id)
            .collect();
        let named = |name: &str| -> Vec<&RotelSpan> {
            trace.iter().copied().filter(|s| s.name == name).collect()
        };

        // The workflow: the root of the trace, INTERNAL.
        let workflows = named(WORKFLOW_SPAN);
        let workflow = one(&workflows, "workflow");
        assert_eq!(
            workflow.parent_id, None,
            "{conversation}: the workflow is the root"
        );
        assert_eq!(workflow.kind, "SPAN_KIND_INTERNAL");
        assert_eq!(
            workflow.attr("gen_ai.operation.name").as_deref(),
            Some("invoke_workflow")
        );
        assert_eq!(
            workflow.attr("gen_ai.workflow.name").as_deref(),
            Some("research")
        );
        assert_eq!(
            workflow.resource_attr("service.name").as_deref(),
            Some("agents-otlp-test")
        );

        // The agent: a child of the workflow, INTERNAL (in-process).
        assert_eq!(
            agent.parent_id.as_deref(),
            Some(workflow.span_id.as_str()),
            "{conversation}: the agent is a child of the workflow"
        );
        assert_eq!(agent.kind, "SPAN_KIND_INTERNAL");
        assert_eq!(
            agent.attr("gen_ai.operation.name").as_deref(),
            Some("invoke_agent")
        );
        assert_eq!(agent.attr("gen_ai.agent.name").as_deref(), Some(AGENT));
        assert_eq!(
            agent.attr("gen_ai.request.model").as_deref(),
            Some("gpt-4o")
        );
        assert_eq!(
            agent.attr("gen_ai.agent.description").as_deref(),
            Some("answers questions from the web")
        );
        // The method's module path and name (the macro does not see the impl's type).
        let function = agent.attr("code.function.name").unwrap_or_default();
        assert!(
            function.starts_with("autobot_otel_examples::agents::") && function.ends_with("::run"),
            "{function}"
        );

        // The LLM calls and the tool call: children of the agent.
        let chats = named(CHAT_SPAN);
        let tools = named(TOOL_SPAN);
        assert_eq!(trace.len(), 2 + chats.len() + tools.len(), "{trace:#?}");
        for chat in &chats {
            assert_eq!(
                chat.parent_id.as_deref(),
                Some(agent.span_id.as_str()),
                "{conversation}: an LLM call is a child of the agent"
            );
            assert_eq!(chat.kind, "SPAN_KIND_CLIENT");
            assert_eq!(chat.attr("gen_ai.operation.name").as_deref(), Some("chat"));
            assert_eq!(chat.attr("gen_ai.provider.name").as_deref(), Some("openai"));
            assert_eq!(chat.attr("gen_ai.request.model").as_deref(), Some("gpt-4o"));
            assert!(
                chat.attr("gen_ai.usage.output_tokens").is_some(),
                "{chat:#?}"
            );
            assert_ne!(chat.status_code, "STATUS_CODE_ERROR");
        }
        let tool = one(&tools, "tool");
        assert_eq!(
            tool.parent_id.as_deref(),
            Some(agent.span_id.as_str()),
            "{conversation}: the tool call is a child of the agent"
        );
        assert_eq!(tool.kind, "SPAN_KIND_INTERNAL");
        assert_eq!(
            tool.attr("gen_ai.operation.name").as_deref(),
            Some("execute_tool")
        );
        assert_eq!(tool.attr("gen_ai.tool.name").as_deref(), Some(TOOL));
        assert_eq!(tool.attr("gen_ai.tool.type").as_deref(), Some("extension"));
        assert_eq!(tool.attr("gen_ai.tool.call.id").as_deref(), Some("call_1"));
        // The tool runs between the two chats.
        let first_chat_end = chats.iter().filter_map(|c| c.end_time).min().unwrap();
        assert!(tool.start_time.unwrap() >= first_chat_end, "{conversation}");

        // What each turn did.
        let status = |s: &RotelSpan| s.attr("autobot.status");
        match turn {
            Turn::Answers | Turn::ToolFails => {
                assert_eq!(chats.len(), 2, "{conversation}");
                assert_eq!(status(workflow).as_deref(), Some("success"));
                assert_eq!(status(agent).as_deref(), Some("success"), "{agent:#?}");
                assert_eq!(agent.attr("error.type"), None);
                if turn == Turn::ToolFails {
                    assert_eq!(status(tool).as_deref(), Some("failed"));
                    assert_eq!(tool.attr("error.type").as_deref(), Some("unavailable"));
                    assert_eq!(tool.status_code, "STATUS_CODE_ERROR");
                } else {
                    assert_eq!(status(tool).as_deref(), Some("success"));
                    assert_eq!(tool.attr("error.type"), None);
                    assert_ne!(tool.status_code, "STATUS_CODE_ERROR");
                }
            }
            Turn::TimesOut => {
                // Cancelled during the tool call: one chat, no error on the
                // cancelled spans; the workflow failed with the timeout.
                assert_eq!(chats.len(), 1, "{conversation}");
                assert_eq!(status(agent).as_deref(), Some("cancelled"));
                assert_eq!(status(tool).as_deref(), Some("cancelled"));
                for cancelled in [agent, tool] {
                    assert_eq!(cancelled.attr("error.type"), None, "{cancelled:#?}");
                    assert_ne!(cancelled.status_code, "STATUS_CODE_ERROR");
                }
                let life = agent.end_time.unwrap() - agent.start_time.unwrap();
                assert!(
                    Duration::from_nanos(life) >= BUDGET,
                    "the agent ran for its budget: {life} ns"
                );
                assert_eq!(status(workflow).as_deref(), Some("failed"));
                assert_eq!(workflow.attr("error.type").as_deref(), Some("timeout"));
                assert_eq!(workflow.status_code, "STATUS_CODE_ERROR");
            }
        }

        // With the token roll-up (the summed usage on the agent and workflow
        // spans), it is the sum of the LLM calls' beneath them.
        for key in ["gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens"] {
            let sum: u64 = chats
                .iter()
                .map(|c| c.attr(key).unwrap().parse::<u64>().unwrap())
                .sum();
            for parent in [agent, workflow] {
                if let Some(total) = parent.attr(key) {
                    assert_eq!(total, sum.to_string(), "{conversation} {key}: {parent:#?}");
                }
            }
        }
    }
}

fn metric<'a>(metrics: &'a [RotelMetric], name: &str) -> &'a RotelMetric {
    metrics
        .iter()
        .rev()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

/// `(labels, value or count)` of every point that counted something, sorted.
/// A constant call site also creates its counter's other outcome series at 0,
/// in the pipeline it first records into: which of this file's two tests (two
/// pipelines in one process) that is depends on their order, so 0 points are
/// left out here.
fn points(metric: &RotelMetric) -> Vec<(Vec<(String, String)>, f64)> {
    let mut out: Vec<_> = metric
        .points
        .iter()
        .filter(|p| p.value != Some(0.0))
        .map(|p| {
            let mut labels: Vec<(String, String)> = p
                .attributes
                .keys()
                .map(|k| (k.clone(), p.attr(k).unwrap()))
                .collect();
            labels.sort();
            let value = p.value.or(p.count.map(|c| c as f64)).unwrap();
            (labels, value)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    out.sort();
    out
}

fn check_metrics(out: &str) {
    let metrics = parse_metrics(out);
    let otel = |id: MetricId| id.def().otel_name();

    let invocations = metric(&metrics, otel(MetricId::AgentInvocationsTotal));
    assert_eq!(invocations.data_type, "Sum");
    assert_eq!(invocations.is_monotonic, Some(true));
    assert_eq!(
        points(invocations),
        [
            (
                labels(&[("agent_name", AGENT), ("status", "cancelled")]),
                1.0
            ),
            (labels(&[("agent_name", AGENT), ("status", "success")]), 3.0),
        ],
        "invocations by outcome: the failing tool's run succeeded"
    );
    let tools = metric(&metrics, otel(MetricId::ToolCallsTotal));
    assert_eq!(
        points(tools),
        [
            (labels(&[("status", "cancelled"), ("tool_name", TOOL)]), 1.0),
            (labels(&[("status", "failed"), ("tool_name", TOOL)]), 1.0),
            (labels(&[("status", "success"), ("tool_name", TOOL)]), 2.0),
        ]
    );
    let agent_duration = metric(&metrics, otel(MetricId::AgentInvocationDurationSeconds));
    assert_eq!(
        (
            agent_duration.unit.as_str(),
            agent_duration.data_type.as_str()
        ),
        ("s", "Histogram")
    );
    assert_eq!(
        points(agent_duration),
        [(labels(&[("agent_name", AGENT)]), 4.0)]
    );
    assert_eq!(
        agent_duration.points[0].explicit_bounds,
        MetricId::AgentInvocationDurationSeconds.def().buckets
    );
    assert!(
        agent_duration.points[0].sum.unwrap() >= BUDGET.as_secs_f64(),
        "the cancelled run's time counts"
    );
    let tool_duration = metric(&metrics, otel(MetricId::ToolCallDurationSeconds));
    assert_eq!(
        points(tool_duration),
        [(labels(&[("tool_name", TOOL)]), 4.0)]
    );
    let workflows = metric(&metrics, otel(MetricId::WorkflowExecutionsTotal));
    assert_eq!(
        points(workflows),
        [
            (
                labels(&[("status", "failed"), ("workflow_type", "research")]),
                1.0
            ),
            (
                labels(&[("status", "success"), ("workflow_type", "research")]),
                3.0
            ),
        ]
    );
    let llm = metric(&metrics, otel(MetricId::LlmRequestsTotal));
    assert_eq!(
        points(llm),
        [(
            labels(&[
                ("model", "gpt-4o"),
                ("provider", "openai"),
                ("request_type", "chat")
            ]),
            7.0
        )]
    );
    // The per-invocation call counts: 7 LLM calls and 4 tool calls (the cancelled
    // one included) over the 4 invocations.
    for (name, sum) in [
        ("autobot_agent_llm_calls_per_invocation", 7.0),
        ("autobot_agent_tool_calls_per_invocation", 4.0),
    ] {
        let id = MetricId::from_name(name).unwrap_or_else(|| panic!("{name} not in the catalog"));
        let per = metric(&metrics, otel(id));
        assert_eq!(
            points(per),
            [(labels(&[("agent_name", AGENT)]), 4.0)],
            "{name}"
        );
        assert_eq!(per.points[0].sum, Some(sum), "{name}");
    }

    // The GenAI conventions' durations, with the same outcomes.
    let genai = metric(&metrics, GenAiMetricId::InvokeAgentDuration.def().name);
    assert_eq!(genai.unit, "s");
    assert_eq!(
        points(genai),
        [
            (
                labels(&[("error.type", "cancelled"), ("gen_ai.agent.name", AGENT)]),
                1.0
            ),
            (labels(&[("gen_ai.agent.name", AGENT)]), 3.0),
        ]
    );
    let genai = metric(&metrics, GenAiMetricId::ExecuteToolDuration.def().name);
    let tool = |error: Option<&str>| {
        let mut l = vec![
            ("gen_ai.tool.name", TOOL),
            ("gen_ai.tool.type", "extension"),
        ];
        l.extend(error.map(|e| ("error.type", e)));
        labels(&l)
    };
    let mut want = vec![
        (tool(None), 2.0),
        (tool(Some("cancelled")), 1.0),
        (tool(Some("unavailable")), 1.0),
    ];
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(points(genai), want);
}

/// The endpoint's scrape holds the same counts, and the strict parsers and
/// promtool accept it.
fn check_scrape(received: &Received) {
    let scrape = Scrape::parse(&received.text).unwrap_or_else(|e| panic!("{e}"));
    let value = |name: &str, l: &[(&str, &str)]| {
        scrape
            .value(name, l)
            .unwrap_or_else(|| panic!("{name}{l:?} missing from the scrape"))
    };
    for (status, n) in [("success", 3.0), ("cancelled", 1.0)] {
        assert_eq!(
            value(
                "autobot_agent_invocations_total",
                &[("agent_name", AGENT), ("status", status)]
            ),
            n
        );
    }
    for (status, n) in [("success", 2.0), ("failed", 1.0), ("cancelled", 1.0)] {
        assert_eq!(
            value(
                "autobot_tool_calls_total",
                &[("tool_name", TOOL), ("status", status)]
            ),
            n
        );
    }
    assert_eq!(
        value(
            "autobot_agent_invocation_duration_seconds_count",
            &[("agent_name", AGENT)]
        ),
        4.0
    );
    assert_eq!(
        value(
            "autobot_tool_call_duration_seconds_count",
            &[("tool_name", TOOL)]
        ),
        4.0
    );
    assert_eq!(
        value(
            "gen_ai_invoke_agent_duration_seconds_count",
            &[("gen_ai_agent_name", AGENT), ("error_type", "cancelled")]
        ),
        1.0
    );
    assert_eq!(
        value(
            "gen_ai_execute_tool_duration_seconds_count",
            &[
                ("gen_ai_tool_name", TOOL),
                ("gen_ai_tool_type", "extension"),
                ("error_type", "unavailable")
            ]
        ),
        1.0
    );

    // The strict parsers read the same samples (text and OpenMetrics, exemplars
    // included), with the families' types.
    let families = strict_check_scrape(&received.text).unwrap_or_else(|e| panic!("{e}"));
    let kind = |name: &str| {
        families
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.kind.clone())
            .unwrap_or_else(|| panic!("{name} not parsed"))
    };
    // prometheus_client names a counter's family without `_total`.
    assert_eq!(kind("autobot_agent_invocations"), "counter");
    assert_eq!(kind("autobot_tool_calls"), "counter");
    assert_eq!(
        kind("autobot_agent_invocation_duration_seconds"),
        "histogram"
    );
    assert_eq!(kind("autobot_tool_call_duration_seconds"), "histogram");
    assert_eq!(kind("gen_ai_invoke_agent_duration_seconds"), "histogram");
    strict_check_openmetrics(&received.openmetrics).unwrap_or_else(|e| panic!("{e}"));

    // promtool finds nothing beyond what the guide's names force.
    let out = promtool_check_metrics(&received.text).expect("promtool runs");
    let allowed: Vec<&str> = EXPECTED_PROMTOOL_FINDINGS.iter().map(|(f, _)| *f).collect();
    for finding in promtool_findings(&out) {
        assert!(
            allowed.contains(&finding.as_str()),
            "promtool: {finding}\n{}",
            out.combined()
        );
    }
    assert!(
        matches!(out.code(), Some(0 | 3)),
        "no parse error: {}",
        out.combined()
    );

    // A real Prometheus stored the same counts.
    let (invocations, tools) = &received.prometheus;
    let map = |pairs: &[(&str, f64)]| -> BTreeMap<String, f64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    };
    // Without the 0 series a constant site creates (see `points`).
    let counted = |m: &BTreeMap<String, f64>| -> BTreeMap<String, f64> {
        m.iter()
            .filter(|(_, v)| **v != 0.0)
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    };
    assert_eq!(
        counted(invocations),
        map(&[("cancelled", 1.0), ("success", 3.0)])
    );
    assert_eq!(
        counted(tools),
        map(&[("cancelled", 1.0), ("failed", 1.0), ("success", 2.0)])
    );
}

fn check(received: &Received) {
    check_spans(&received.rotel);
    check_metrics(&received.rotel);
    check_scrape(received);
}

#[test]
fn the_agent_loop_reaches_the_collector_over_grpc_and_the_scrape() {
    let rotel = Rotel::start().expect("rotel starts");
    check(&run(&rotel, OtlpProtocol::Grpc));
}

#[test]
fn the_agent_loop_reaches_the_collector_over_http_and_the_scrape() {
    let rotel = Rotel::start().expect("rotel starts");
    check(&run(&rotel, OtlpProtocol::HttpProtobuf));
}
