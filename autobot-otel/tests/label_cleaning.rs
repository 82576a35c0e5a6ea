//! One cleaning for every family (issue 18): every recording path passes label
//! values through the same code before anything keys on them, so a value that
//! cleaning changes is exported the same, cleaned, in every family a call writes.
//!
//! The paths are one table ([`paths`]): each row records through one public
//! method of `MetricsManager` (the typed API, gauges set and moved, the rolling
//! rates, the handles), an attribute, `LlmCall`, `AgentRun`, `ToolCall` or an
//! instrumented stream, with
//! the value under test in every label it takes. The table is checked against
//! what it must cover, not against a second hand list:
//!
//! - every public `MetricsManager` method with a `&str` (or `&[&str]`) parameter,
//!   read from the source (`tests/facade`), has a row, and no row names a method
//!   that does not exist;
//! - together the rows write every catalog family that has an open-ended label
//!   (one without a vocabulary) and every GenAI conventions' metric.
//!
//! For each row and each value that cleaning changes (empty, longer than 256
//! bytes, a 256-byte cut inside a multi-byte character), on a fresh pipeline:
//! no label value of any family is empty, longer than 256 bytes or the raw
//! value; every family the call writes carries the cleaned value; and where a
//! value starts like the input, it is exactly the cleaned value.

mod facade;

use std::collections::BTreeSet;
use std::path::Path;

use autobot_otel::catalog::genai::GENAI_METRICS;
use autobot_otel::catalog::{CATALOG, MetricId};
use autobot_otel::instrument::LlmUsage;
use autobot_otel::labels::{
    ApprovalDecision, CircuitEvent, CommitStatus, ConnectionStatus, CostType, MessageDirection,
    Outcome, PubSubDirection, RedisStatus, SearchType, StepStatus,
};
use autobot_otel::testing::Scrape;
use autobot_otel::{
    MetricsManager, Telemetry, instrument_agent, instrument_github, instrument_knowledge,
    instrument_llm, instrument_redis, instrument_task, instrument_tool, instrument_workflow,
};

/// How a row records: through the typed API (its method name, checked against
/// the source) or another path (a name for messages).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Path_ {
    Method(&'static str),
    Other(&'static str),
}

struct Row {
    path: Path_,
    record: Recorder,
}

/// A row's recording, with the label value under test.
type Recorder = Box<dyn Fn(&Telemetry, &str)>;

/// Records through the API with a label value.
type ApiCall = fn(&MetricsManager, &str);
/// Records through a pipeline with a label value.
type PipelineCall = fn(&Telemetry, &str);

fn api(name: &'static str, record: ApiCall) -> (Path_, ApiCall) {
    (Path_::Method(name), record)
}

struct Usage;
impl LlmUsage for Usage {
    fn input_tokens(&self) -> u64 {
        10
    }
    fn output_tokens(&self) -> u64 {
        5
    }
}

#[instrument_workflow(workflow_type = v, span = false)]
fn workflow_attr(v: &str) {}

#[instrument_agent(agent_name = v, conversation_id = v, remote = true, agent_id = v)]
fn agent_attr(v: &str) {}

#[instrument_tool(tool_name = v, tool_type = "datastore", call_id = v)]
fn tool_attr(v: &str) -> Result<(), std::io::Error> {
    Err(std::io::Error::other(v.to_owned()))
}

#[instrument_task(task_type = v, agent_type = v, span = false)]
fn task_attr(v: &str) {}

#[instrument_github(operation = v, span = false)]
fn github_attr(v: &str) {}

#[instrument_redis(database = v, operation = v, span = false)]
fn redis_attr(v: &str) {}

#[instrument_knowledge(search_type = "semantic", collection = v, span = false)]
fn knowledge_attr(v: &str) {}

#[instrument_llm(provider = v, model = v, request_type = v, span = false)]
fn llm_attr(v: &str) -> Result<Usage, std::io::Error> {
    Err(std::io::Error::other(v.to_string()))
}

/// Every recording path, with `v` in every label it takes.
fn paths() -> Vec<Row> {
    let methods: Vec<(Path_, ApiCall)> = vec![
        api("record_workflow_execution", |m, v| {
            m.record_workflow_execution(v, Outcome::Success, 1.0)
        }),
        api("record_workflow_step", |m, v| {
            m.record_workflow_step(v, v, StepStatus::Completed)
        }),
        api("update_active_workflows", |m, v| {
            m.update_active_workflows(v, 3)
        }),
        api("inc_active_workflows", |m, v| m.inc_active_workflows(v)),
        api("dec_active_workflows", |m, v| m.dec_active_workflows(v)),
        api("record_workflow_approval", |m, v| {
            m.record_workflow_approval(v, ApprovalDecision::Approved)
        }),
        api("record_github_operation", |m, v| {
            m.record_github_operation(v, Outcome::Failed, 0.2)
        }),
        api("update_github_rate_limit", |m, v| {
            m.update_github_rate_limit(v, 4000)
        }),
        api("record_github_commit", |m, v| {
            m.record_github_commit(v, CommitStatus::Created)
        }),
        api("record_github_pull_request", |m, v| {
            m.record_github_pull_request(v, v, Outcome::Success)
        }),
        api("record_github_issue", |m, v| {
            m.record_github_issue(v, v, Outcome::Success)
        }),
        api("record_task_execution", |m, v| {
            m.record_task_execution(v, v, Outcome::Success, 1.0)
        }),
        api("update_active_tasks", |m, v| m.update_active_tasks(v, v, 2)),
        api("inc_active_tasks", |m, v| m.inc_active_tasks(v, v)),
        api("dec_active_tasks", |m, v| m.dec_active_tasks(v, v)),
        api("record_task_retry", |m, v| m.record_task_retry(v, v)),
        api("record_operation_duration", |m, v| {
            m.record_operation_duration(v, v, 0.01)
        }),
        api("record_timeout", |m, v| m.record_timeout(v, v, true)),
        api("record_request", |m, v| m.record_request(v, v, true)),
        api("update_connection_pool", |m, v| {
            m.update_connection_pool(v, 1, 2, 10)
        }),
        api("record_circuit_breaker_event", |m, v| {
            m.record_circuit_breaker_event(v, CircuitEvent::Opened, v)
        }),
        api("update_circuit_breaker_state", |m, v| {
            m.update_circuit_breaker_state(v, autobot_otel::labels::CircuitState::Open, 3)
        }),
        api("record_search", |m, v| {
            m.record_search(SearchType::Hybrid, v, 0.1, 3)
        }),
        api("record_cache_hit", |m, v| m.record_cache_hit(v)),
        api("record_cache_miss", |m, v| m.record_cache_miss(v)),
        api("set_document_count", |m, v| m.set_document_count(7, v, v)),
        api("set_vector_count", |m, v| m.set_vector_count(v, 7)),
        api("record_embedding_latency", |m, v| {
            m.record_embedding_latency(v, 0.05)
        }),
        api("record_llm_request", |m, v| {
            m.record_llm_request(v, v, v, 0.5)
        }),
        api("record_llm_tokens", |m, v| m.record_llm_tokens(v, v, 10, 5)),
        api("record_llm_cost", |m, v| m.record_llm_cost(v, v, 0.25)),
        api("record_agent_invocation", |m, v| {
            m.record_agent_invocation(v, Outcome::Failed, 1.5)
        }),
        api("record_tool_call", |m, v| {
            m.record_tool_call(
                v,
                autobot_otel::labels::ToolType::Datastore,
                Outcome::Success,
                0.1,
            )
        }),
        api("record_llm_cost_by_type", |m, v| {
            m.record_llm_cost_by_type(v, v, CostType::Input, 0.25)
        }),
        api("record_llm_error", |m, v| m.record_llm_error(v, v)),
        api("set_llm_rate_limit", |m, v| m.set_llm_rate_limit(v, 9)),
        api("record_llm_time_to_first_token", |m, v| {
            m.record_llm_time_to_first_token(v, v, 0.3)
        }),
        api("inc_llm_requests_in_flight", |m, v| {
            m.inc_llm_requests_in_flight(v, v)
        }),
        api("dec_llm_requests_in_flight", |m, v| {
            m.dec_llm_requests_in_flight(v, v)
        }),
        api("set_llm_provider_availability", |m, v| {
            m.set_llm_provider_availability(v, true)
        }),
        api("record_websocket_connection", |m, v| {
            m.record_websocket_connection(v, ConnectionStatus::Connected)
        }),
        api("set_websocket_active_connections", |m, v| {
            m.set_websocket_active_connections(v, 4)
        }),
        api("inc_websocket_connections", |m, v| {
            m.inc_websocket_connections(v)
        }),
        api("dec_websocket_connections", |m, v| {
            m.dec_websocket_connections(v)
        }),
        api("record_websocket_message", |m, v| {
            m.record_websocket_message(v, v, MessageDirection::Sent, 0.01);
            m.record_websocket_message(v, v, MessageDirection::Received, None::<f64>);
        }),
        api("record_websocket_error", |m, v| {
            m.record_websocket_error(v, v)
        }),
        api("set_websocket_rooms", |m, v| m.set_websocket_rooms(v, 2)),
        api("record_redis_operation", |m, v| {
            m.record_redis_operation(v, v, RedisStatus::Success, 0.001)
        }),
        api("set_redis_pool_stats", |m, v| {
            m.set_redis_pool_stats(v, 1, 2, 10)
        }),
        api("set_redis_memory", |m, v| m.set_redis_memory(v, 1024)),
        api("set_redis_keys", |m, v| m.set_redis_keys(v, 12)),
        api("record_redis_pubsub", |m, v| {
            m.record_redis_pubsub(v, PubSubDirection::Published)
        }),
        api("counter_handle", |m, v| {
            m.counter_handle(MetricId::GithubCommitsTotal, &[v, "created"])
                .inc()
        }),
        api("histogram_handle", |m, v| {
            m.histogram_handle(MetricId::KnowledgeEmbeddingLatencySeconds, &[v])
                .record(0.2)
        }),
    ];
    let mut rows: Vec<Row> = methods
        .into_iter()
        .map(|(path, f)| Row {
            path,
            record: Box::new(move |t: &Telemetry, v: &str| f(t.metrics(), v)),
        })
        .collect();
    let others: Vec<(&'static str, PipelineCall)> = vec![
        ("#[instrument_workflow]", |t, v| {
            t.in_scope(|| workflow_attr(v))
        }),
        ("#[instrument_task]", |t, v| t.in_scope(|| task_attr(v))),
        ("#[instrument_github]", |t, v| t.in_scope(|| github_attr(v))),
        ("#[instrument_redis]", |t, v| t.in_scope(|| redis_attr(v))),
        ("#[instrument_knowledge]", |t, v| {
            t.in_scope(|| knowledge_attr(v))
        }),
        ("#[instrument_llm]", |t, v| {
            let _ = t.in_scope(|| llm_attr(v));
        }),
        ("#[instrument_agent]", |t, v| t.in_scope(|| agent_attr(v))),
        ("#[instrument_tool]", |t, v| {
            let _ = t.in_scope(|| tool_attr(v));
        }),
        ("AgentRun::succeed", |t, v| {
            t.in_scope(|| {
                autobot_otel::agent::AgentRun::start(v)
                    .id(v)
                    .conversation_id(v)
                    .succeed()
            })
        }),
        ("AgentRun::fail", |t, v| {
            t.in_scope(|| autobot_otel::agent::AgentRun::start(v).fail(v))
        }),
        ("AgentRun (cancelled)", |t, v| {
            t.in_scope(|| drop(autobot_otel::agent::AgentRun::start(v)))
        }),
        ("ToolCall::succeed", |t, v| {
            t.in_scope(|| autobot_otel::agent::ToolCall::start(v).call_id(v).succeed())
        }),
        ("ToolCall::fail", |t, v| {
            t.in_scope(|| autobot_otel::agent::ToolCall::start(v).fail(v))
        }),
        ("LlmCall::succeed", |t, v| {
            t.in_scope(|| {
                autobot_otel::llm::LlmCall::start(v, v, v)
                    .with_server(v, Some(443))
                    .succeed(Some(&Usage))
            })
        }),
        ("LlmCall::fail", |t, v| {
            t.in_scope(|| autobot_otel::llm::LlmCall::start(v, v, v).fail(v))
        }),
        ("LlmCall::stream", |t, v| {
            use futures_util::StreamExt as _;
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .build()
                .unwrap();
            let stream = t.in_scope(|| {
                autobot_otel::llm::LlmCall::start(v, v, v).stream::<_, &str, std::io::Error>(
                    futures_util::stream::iter([Ok::<_, std::io::Error>("chunk")]),
                )
            });
            rt.block_on(t.scope(stream.for_each(|_| async {})));
        }),
    ];
    rows.extend(others.into_iter().map(|(name, f)| Row {
        path: Path_::Other(name),
        record: Box::new(f),
    }));
    rows
}

/// Values that cleaning changes, and what each becomes.
fn dirty_values() -> Vec<(String, String)> {
    let long = "x".repeat(300);
    // 1 + 2 × 150 bytes: byte 256 falls inside an `é`, so the cut is at 255.
    let multibyte = format!("a{}", "é".repeat(150));
    assert!(!multibyte.is_char_boundary(256));
    vec![
        (String::new(), "unknown".to_string()),
        (long.clone(), long[..256].to_string()),
        (multibyte.clone(), multibyte[..255].to_string()),
    ]
}

fn pipeline() -> Telemetry {
    Telemetry::builder()
        .without_otlp()
        .with_genai_metrics(true)
        .build()
        .unwrap()
}

/// Every family a call can write: the catalog's and the GenAI conventions'.
fn all_families() -> Vec<String> {
    CATALOG
        .iter()
        .map(|d| d.name.to_string())
        .chain(GENAI_METRICS.iter().map(|d| d.prometheus_name()))
        .collect()
}

/// What is wrong with one exported label value, given the raw input and its
/// cleaned form.
fn bad_value(value: &str, raw: &str, clean: &str) -> bool {
    // A long input's prefix identifies a value derived from it.
    let derived =
        raw.len() > 64 && value.len() > 64 && value.as_bytes()[..32] == raw.as_bytes()[..32];
    value.is_empty()
        || value.len() > 256
        || (value == raw && raw != clean)
        || (derived && value != clean)
}

#[test]
fn every_path_writes_the_cleaned_value_in_every_family() {
    let mut failures = Vec::new();
    let mut written: BTreeSet<String> = BTreeSet::new();
    for row in paths() {
        for (raw, clean) in dirty_values() {
            let t = pipeline();
            (row.record)(&t, &raw);
            let text = t.render(autobot_otel::Exposition::Text);
            let scrape = Scrape::parse(&text).expect("the scrape parses");
            // No sample of any family (self-metrics and target_info left out)
            // holds an uncleaned value.
            for sample in scrape.samples() {
                if sample.name.starts_with("autobot_otel_") || sample.name == "target_info" {
                    continue;
                }
                for (key, value) in &sample.labels {
                    if key != "le" && bad_value(value, &raw, &clean) {
                        failures.push(format!(
                            "{:?} with a {}-byte value: {}{{{key}}} = {:?}… ({} bytes), expected {:?}… ({} bytes)",
                            row.path,
                            raw.len(),
                            sample.name,
                            value.chars().take(12).collect::<String>(),
                            value.len(),
                            clean.chars().take(12).collect::<String>(),
                            clean.len()
                        ));
                    }
                }
            }
            let families: Vec<String> = all_families()
                .into_iter()
                .filter(|name| scrape.family(name).is_some_and(|f| !f.samples.is_empty()))
                .collect();
            if families.is_empty() {
                failures.push(format!("{:?}: wrote no family", row.path));
            }
            // Every family the call writes that has an open-ended label carries
            // the cleaned value.
            for name in families {
                let family = scrape.family(&name).unwrap();
                let open = MetricId::from_name(&name)
                    .is_none_or(|id| id.def().vocabularies.iter().any(Option::is_none));
                let carries = family
                    .samples
                    .iter()
                    .any(|s| s.labels.values().any(|v| *v == clean));
                if open && !carries {
                    failures.push(format!(
                        "{:?} with a {}-byte value: {name} does not carry the cleaned value",
                        row.path,
                        raw.len()
                    ));
                }
                written.insert(name);
            }
        }
    }
    // Together the rows write every family that can receive an open-ended value.
    for def in CATALOG {
        let open = def.vocabularies.iter().any(Option::is_none);
        if open && !written.contains(def.name) {
            failures.push(format!("no row writes {}", def.name));
        }
    }
    for def in GENAI_METRICS {
        if !written.contains(&def.prometheus_name()) {
            failures.push(format!("no row writes {}", def.prometheus_name()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_table_has_a_row_for_every_public_method_with_label_values() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let facade = facade::facade_methods(root.parent().unwrap(), &root.join("src"));
    let takes_labels = |types: &[String]| types.iter().any(|t| t.replace(' ', "").contains("&str"));
    let needed: BTreeSet<&str> = facade
        .iter()
        .filter(|(_, m)| takes_labels(&m.types))
        .map(|(name, _)| name.as_str())
        .collect();
    assert!(
        needed.len() > 40,
        "the source parse found {} methods",
        needed.len()
    );
    let rows: BTreeSet<&str> = paths()
        .iter()
        .filter_map(|r| match r.path {
            Path_::Method(name) => Some(name),
            Path_::Other(_) => None,
        })
        .collect();
    let missing: Vec<_> = needed.difference(&rows).collect();
    let unknown: Vec<_> = rows.difference(&needed).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "public methods without a row: {missing:?}; rows naming no such method: {unknown:?}"
    );
}
