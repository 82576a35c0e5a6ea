//! Testing instrumented code without the global pipeline: `Telemetry::in_scope`
//! for sync code, `Telemetry::scope` for futures, across `.await` and threads of
//! a multi-threaded runtime, with the attributes and `get_metrics_manager()`.

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
    Scrape::parse(&t.render_prometheus())
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
    assert_eq!(
        value(&a, "autobot_workflow_executions_total", &wf("failed")),
        None
    );
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
    let global = autobot_otel::global().render_prometheus();
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
            .render_prometheus()
            .contains("scoped_async")
    );
}
