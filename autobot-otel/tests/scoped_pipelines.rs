//! Testing instrumented code without the global pipeline: `Telemetry::in_scope`
//! for sync code, `Telemetry::scope` for futures, across `.await` and threads of
//! a multi-threaded runtime, with the attributes, `get_metrics_manager()` and
//! `global()`.

use autobot_otel::testing::Scrape;
use autobot_otel::{Telemetry, instrument_task, instrument_workflow};

#[instrument_workflow(workflow_type = "scoped_sync", span = false)]
fn sync_work(fail: bool) -> Result<(), std::io::Error> {
    autobot_otel::get_metrics_manager().record_cache_hit("scoped_sync");
    if fail {
        Err(std::io::Error::other("no"))
    } else {
        Ok(())
    }
}

#[instrument_task(agent_type = "scoped", span = false)]
async fn async_work(hops: u32) -> u32 {
    for _ in 0..hops {
        tokio::task::yield_now().await;
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    autobot_otel::get_metrics_manager().record_cache_hit("scoped_async");
    hops
}

fn value(t: &Telemetry, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    Scrape::parse(&t.render(autobot_otel::Exposition::Text))
        .unwrap()
        .value(name, labels)
}

#[test]
fn sync_code_records_into_its_scope_only() {
    let (a, b) = (
        Telemetry::builder().without_otlp().build().unwrap(),
        Telemetry::builder().without_otlp().build().unwrap(),
    );
    a.in_scope(|| sync_work(false)).unwrap();
    b.in_scope(|| {
        sync_work(true).unwrap_err();
        sync_work(false).unwrap();
    });
    let wf = |st| [("workflow_type", "scoped_sync"), ("status", st)];
    assert_eq!(
        value(&a, "autobot_workflow_executions_total", &wf("success")),
        Some(1.0)
    );
    // No failure in `a`: absent, or at 0 when `a` is the pipeline the site
    // first recorded into (a constant site creates its outcome series there).
    let failed_in_a = value(&a, "autobot_workflow_executions_total", &wf("failed"));
    assert!(matches!(failed_in_a, None | Some(0.0)), "{failed_in_a:?}");
    assert_eq!(
        value(&b, "autobot_workflow_executions_total", &wf("success")),
        Some(1.0)
    );
    assert_eq!(
        value(&b, "autobot_workflow_executions_total", &wf("failed")),
        Some(1.0)
    );
    assert_eq!(
        value(
            &b,
            "autobot_knowledge_cache_hits_total",
            &[("cache_type", "scoped_sync")]
        ),
        Some(2.0)
    );
    let global = autobot_otel::global().render(autobot_otel::Exposition::Text);
    assert!(!global.contains("scoped_sync"), "{global}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn futures_record_into_their_scope_across_await_and_threads() {
    let t = Telemetry::builder().without_otlp().build().unwrap();
    let mut tasks = Vec::new();
    for hops in 1..=8 {
        // Spawned: each future may move between the two worker threads at
        // every await; the scope goes with it.
        tasks.push(tokio::spawn(t.scope(async_work(hops))));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let labels = [
        ("task_type", "async_work"),
        ("agent_type", "scoped"),
        ("status", "success"),
    ];
    assert_eq!(
        value(&t, "autobot_tasks_executed_total", &labels),
        Some(8.0)
    );
    assert_eq!(
        value(
            &t,
            "autobot_active_tasks",
            &[("task_type", "async_work"), ("agent_type", "scoped")]
        ),
        Some(0.0)
    );
    assert_eq!(
        value(
            &t,
            "autobot_knowledge_cache_hits_total",
            &[("cache_type", "scoped_async")]
        ),
        Some(8.0)
    );
    assert!(
        !autobot_otel::global()
            .render(autobot_otel::Exposition::Text)
            .contains("scoped_async")
    );
}

/// Inside a scope every accessor is the scope's pipeline: `global()` (to record
/// and to render), `get_metrics_manager()` and the attributes; outside it, each
/// is the global one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_accessor_is_the_scopes_pipeline() {
    let t = Telemetry::builder().without_otlp().build().unwrap();
    let hits = |t: &Telemetry, cache: &str| {
        value(
            t,
            "autobot_knowledge_cache_hits_total",
            &[("cache_type", cache)],
        )
    };
    let rendered_in_scope = t.in_scope(|| {
        autobot_otel::global()
            .metrics()
            .record_cache_hit("accessors");
        autobot_otel::get_metrics_manager().record_cache_hit("accessors");
        sync_work(false).unwrap();
        autobot_otel::global().render(autobot_otel::Exposition::Text)
    });
    assert_eq!(hits(&t, "accessors"), Some(2.0));
    assert!(
        rendered_in_scope
            .contains(r#"autobot_knowledge_cache_hits_total{cache_type="accessors"} 2"#),
        "global() renders the scope's pipeline: {rendered_in_scope}"
    );
    t.scope(async {
        tokio::task::yield_now().await;
        autobot_otel::global()
            .metrics()
            .record_cache_hit("accessors_async");
        async_work(1).await;
    })
    .await;
    assert_eq!(hits(&t, "accessors_async"), Some(1.0));
    assert_eq!(hits(&t, "scoped_async"), Some(1.0), "the attribute's call");
    let global = autobot_otel::global().render(autobot_otel::Exposition::Text);
    assert!(!global.contains(r#"cache_type="accessors"#), "{global}");
}
