//! Every label has one vocabulary, owned by the catalog
//! (`MetricDef::vocabulary`), and every writer keeps to it: each recording
//! method called with every value of its label enums, each attribute with every
//! outcome (ok, err, panic, cancelled), and the span status each attribute
//! writes. The scrape is then read back: every value of a label with a
//! vocabulary is in it, and every vocabulary value was written by some path.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use autobot_otel::catalog::{CATALOG, MetricId};
use autobot_otel::labels::*;
use autobot_otel::testing::Scrape;
use autobot_otel::{
    MetricsManager, Telemetry, instrument_github, instrument_knowledge, instrument_llm,
    instrument_redis, instrument_task, instrument_workflow,
};
use autobot_otel_catalog::instrument::{INSTRUMENTS, spec};

/// Every recording method, with every value of every label enum it takes.
fn every_api_call(m: &MetricsManager) {
    for &o in Outcome::ALL {
        m.record_workflow_execution("wf", o, 1.0);
        m.record_agent_invocation("agent", o, 1.0);
        m.record_tool_call("tool", ToolType::Function, o, 1.0);
        m.record_github_operation("op", o, 1.0);
        m.record_github_pull_request("repo", "create", o);
        m.record_github_issue("repo", "close", o);
        m.record_task_execution("task", "agent", o, 1.0);
    }
    for &s in StepStatus::ALL {
        m.record_workflow_step("wf", "step", s);
    }
    for &d in ApprovalDecision::ALL {
        m.record_workflow_approval("wf", d);
    }
    m.update_active_workflows("wf", 2);
    m.inc_active_workflows("wf");
    m.dec_active_workflows("wf");
    m.update_github_rate_limit("core", 10);
    for &s in CommitStatus::ALL {
        m.record_github_commit("repo", s);
    }
    m.update_active_tasks("task", "agent", 1);
    m.inc_active_tasks("task", "agent");
    m.dec_active_tasks("task", "agent");
    for &p in Priority::ALL {
        m.update_task_queue_size(p, 1);
    }
    m.record_task_retry("task", "timeout");
    m.record_operation_duration("get", "main", 0.1);
    for timed_out in [true, false] {
        m.record_timeout("get", "main", timed_out);
    }
    m.record_request("main", "get", true);
    for &s in RequestStatus::ALL {
        m.record_request("main", "get", s);
    }
    m.update_connection_pool("main", 1, 2, 10);
    for &e in CircuitEvent::ALL {
        m.record_circuit_breaker_event("main", e, "reason");
    }
    for &s in CircuitState::ALL {
        m.update_circuit_breaker_state("main", s, 1);
    }
    for &s in SearchType::ALL {
        m.record_search(s, "docs", 0.1, 3);
    }
    m.record_cache_hit("c");
    m.record_cache_miss("c");
    m.set_document_count(1, "docs", "md");
    m.set_vector_count("docs", 1);
    m.record_embedding_latency("ada", 0.1);
    m.record_llm_request("p", "m", "chat", 0.1);
    m.record_llm_tokens("p", "m", 1, 2);
    m.record_llm_cost("p", "m", 0.1);
    for &c in CostType::ALL {
        m.record_llm_cost_by_type("p", "m", c, 0.1);
    }
    m.record_llm_error("p", "rate_limit");
    m.set_llm_rate_limit("p", 5);
    m.set_llm_provider_availability("p", true);
    for &s in ConnectionStatus::ALL {
        m.record_websocket_connection("/ns", s);
    }
    m.set_websocket_active_connections("/ns", 1);
    m.inc_websocket_connections("/ns");
    m.dec_websocket_connections("/ns");
    for &d in MessageDirection::ALL {
        m.record_websocket_message("/ns", "chat", d, 0.01);
        m.record_websocket_message("/ns", "typing", d, None::<f64>);
    }
    m.record_websocket_error("/ns", "protocol");
    m.set_websocket_rooms("/ns", 2);
    for &s in RedisStatus::ALL {
        m.record_redis_operation("main", "get", s, 0.001);
    }
    m.set_redis_memory("main", 100);
    m.set_redis_keys("main", 10);
    for &d in PubSubDirection::ALL {
        m.record_redis_pubsub("main", d);
    }
}

#[derive(Debug)]
struct Failed;

/// 0: Ok, 1: Err, 2: panic, 3: never completes (cancelled when dropped).
async fn behave(mode: u8) -> Result<(), Failed> {
    tokio::task::yield_now().await;
    match mode {
        0 => Ok(()),
        1 => Err(Failed),
        2 => panic!("vocabulary panic"),
        _ => std::future::pending().await,
    }
}

#[instrument_workflow(workflow_type = "vocab")]
async fn workflow(mode: u8) -> Result<(), Failed> {
    behave(mode).await
}
#[instrument_task(task_type = "vocab", agent_type = "vocab")]
async fn task(mode: u8) -> Result<(), Failed> {
    behave(mode).await
}
#[instrument_github(operation = "vocab")]
async fn github(mode: u8) -> Result<(), Failed> {
    behave(mode).await
}
#[instrument_redis(database = "vocab", operation = "vocab")]
async fn redis(mode: u8) -> Result<(), Failed> {
    behave(mode).await
}
#[instrument_knowledge(search_type = "hybrid", collection = "vocab")]
async fn knowledge(mode: u8) -> Result<(), Failed> {
    behave(mode).await
}
#[instrument_llm(provider = "vocab", model = "vocab")]
async fn llm(mode: u8) -> Result<(), Failed> {
    behave(mode).await
}
#[autobot_otel::instrument_agent(agent_name = "vocab")]
async fn agent(mode: u8) -> Result<(), Failed> {
    behave(mode).await
}
#[autobot_otel::instrument_tool(tool_name = "vocab", tool_type = "datastore")]
async fn tool(mode: u8) -> Result<(), Failed> {
    behave(mode).await
}

async fn every_outcome<F, Fut>(f: F)
where
    F: Fn(u8) -> Fut,
    Fut: std::future::Future<Output = Result<(), Failed>> + Send + 'static,
{
    let _ = f(0).await;
    let _ = f(1).await;
    let current = tokio::runtime::Handle::current();
    let panicked = current.spawn(f(2)).await;
    assert!(panicked.unwrap_err().is_panic());
    let _ = tokio::time::timeout(Duration::from_millis(5), f(3)).await;
}

#[tokio::test(flavor = "current_thread")]
async fn every_writer_keeps_to_the_catalog_vocabularies() {
    let t = Telemetry::builder().without_otlp().build().unwrap();
    let (subscriber, capture) = support::capturing();
    let _default = tracing::subscriber::set_default(subscriber);
    t.in_scope(|| every_api_call(t.metrics()));
    t.scope(async {
        every_outcome(workflow).await;
        every_outcome(task).await;
        every_outcome(github).await;
        every_outcome(redis).await;
        every_outcome(knowledge).await;
        every_outcome(llm).await;
        every_outcome(agent).await;
        every_outcome(tool).await;
    })
    .await;

    // Metrics: every value of a label with a vocabulary is in it, and every
    // vocabulary value was written.
    let scrape = Scrape::parse(&t.render(autobot_otel::Exposition::Text)).unwrap();
    let mut written: BTreeMap<(&str, &str), BTreeSet<String>> = BTreeMap::new();
    for sample in scrape.samples() {
        let Some(def) = CATALOG.iter().find(|d| sample.name.starts_with(d.name)) else {
            continue;
        };
        for (label, value) in &sample.labels {
            if let Some(vocabulary) = def.vocabulary(label) {
                assert!(
                    vocabulary.contains(&value.as_str()),
                    "{}: {label}={value:?} is not in {vocabulary:?}",
                    def.name
                );
                written
                    .entry((def.name, def.labels[def.label_index(label).unwrap()]))
                    .or_default()
                    .insert(value.clone());
            }
        }
    }
    for def in CATALOG {
        for (label, vocabulary) in def.labels.iter().zip(def.vocabularies) {
            let Some(vocabulary) = vocabulary else {
                continue;
            };
            let got = written
                .get(&(def.name, *label))
                .cloned()
                .unwrap_or_default();
            let want: BTreeSet<String> = vocabulary.iter().map(|v| v.to_string()).collect();
            assert_eq!(
                got, want,
                "{} {label}: every value written by some path",
                def.name
            );
        }
    }

    // Spans: `autobot.status` takes the attribute's status values, the same as
    // its counter's `status` label.
    let spans = capture.spans();
    for s in INSTRUMENTS {
        let fn_name = s.attribute.trim_start_matches("instrument_");
        let statuses: BTreeSet<String> = spans
            .iter()
            .filter(|span| span.name == fn_name)
            .map(|span| span.fields["autobot.status"].clone())
            .collect();
        let want: BTreeSet<String> = s
            .span_status()
            .all()
            .iter()
            .map(|v| v.to_string())
            .collect();
        assert_eq!(statuses, want, "{}", s.attribute);
        if let Some(vocabulary) = s.counter.def().vocabulary("status") {
            assert!(
                statuses.iter().all(|v| vocabulary.contains(&v.as_str())),
                "{}",
                s.attribute
            );
        }
    }
    assert_eq!(
        spec("instrument_redis").unwrap().span_status().failure,
        RedisStatus::Error.as_str()
    );
}

#[test]
fn time_windows_come_from_the_vocabulary() {
    let t = Telemetry::builder().without_otlp().build().unwrap();
    t.metrics().record_timeout("get", "main", true);
    let scrape = Scrape::parse(&t.render(autobot_otel::Exposition::Text)).unwrap();
    let windows: BTreeSet<String> = scrape
        .family("autobot_timeout_rate")
        .unwrap()
        .samples
        .iter()
        .map(|s| s.labels["time_window"].clone())
        .collect();
    let want: BTreeSet<String> = TimeWindow::VALUES.iter().map(|v| v.to_string()).collect();
    assert_eq!(windows, want);
    assert_eq!(
        MetricId::TimeoutRate.def().vocabulary("time_window"),
        Some(TimeWindow::VALUES)
    );
}
