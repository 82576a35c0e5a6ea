//! A real Prometheus scrapes the running demo with the guide's scrape job
//! (`job_name: autobot`, `metrics_path: /api/monitoring/metrics`): every family is
//! queryable, and every sample query of the guide (corrected where
//! `docs/guide-queries.md` says so) returns data.

use std::collections::BTreeSet;
use std::time::Duration;

use autobot_otel::catalog::{CATALOG, Kind};
use autobot_otel_tests::shipped::{GuideQuery, guide_queries, promql_blocks};
use autobot_otel_tests::{PrometheusOptions, PrometheusServer, repo_root};

fn normalize(q: &str) -> String {
    q.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn reviewed_queries() -> Vec<GuideQuery> {
    guide_queries().unwrap()
}

#[test]
fn every_guide_query_is_reviewed() {
    let guide =
        std::fs::read_to_string(repo_root().join("docs/prometheus-metrics-guide.md")).unwrap();
    let in_guide: BTreeSet<String> = promql_blocks(&guide)
        .iter()
        .map(|(_, q)| normalize(q))
        .collect();
    let reviewed = reviewed_queries();
    let covered: BTreeSet<String> = reviewed.iter().map(|r| normalize(&r.guide)).collect();
    assert_eq!(
        in_guide, covered,
        "docs/guide-queries.md must quote every guide query verbatim"
    );
    for r in &reviewed {
        if r.invalid {
            assert!(
                r.use_instead.is_some(),
                "{}: invalid needs a Use block",
                r.title
            );
        }
    }
}

fn expected_series_names() -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for def in CATALOG {
        if def.kind == Kind::Histogram {
            for suffix in ["_bucket", "_sum", "_count"] {
                names.insert(format!("{}{suffix}", def.name));
            }
        } else {
            names.insert(def.name.to_string());
        }
    }
    names
}

#[test]
fn prometheus_scrapes_every_family_and_the_guide_queries_return_data() {
    let demo = autobot_otel_tests::spawn_demo!(&[
        ("AUTOBOT_DEMO_TICK_MS", "50"),
        ("AUTOBOT_DEMO_DURATION_SECS", "120"),
    ],)
    .expect("demo starts");
    let prometheus = PrometheusServer::start_scraped(
        PrometheusOptions::new(demo.target()).scrape_interval(Duration::from_secs(1)),
        4,
    )
    .expect("prometheus scraped the demo");

    // Every family, by its series names, is in Prometheus (the catalog's; the
    // self-metrics have the `autobot_otel_` prefix, which no catalog metric uses).
    let names: BTreeSet<String> = prometheus
        .query_vector(
            r#"count by (__name__) ({job="autobot", __name__=~"autobot_.+", __name__!~"autobot_otel_.+"})"#,
        )
        .unwrap()
        .iter()
        .map(|s| s.label("__name__").unwrap().to_string())
        .collect();
    assert_eq!(names, expected_series_names());
    for def in CATALOG {
        let expr = match def.kind {
            Kind::Histogram => format!("{}_count", def.name),
            _ => def.name.to_string(),
        };
        let series = prometheus.query_vector(&expr).unwrap();
        assert!(!series.is_empty(), "{expr} has no data");
        for s in &series {
            assert_eq!(s.label("job"), Some("autobot"));
            for label in def.labels {
                assert!(s.label(label).is_some(), "{expr} lacks {label}: {s:?}");
            }
        }
    }

    for r in reviewed_queries() {
        let guide_result = prometheus.query(&r.guide);
        if r.invalid {
            let err = guide_result.expect_err(&format!(
                "{}: the guide's query should be rejected",
                r.title
            ));
            assert!(
                err.to_string().contains("parse error"),
                "{}: {err}",
                r.title
            );
        } else {
            guide_result.unwrap_or_else(|e| panic!("{}: guide query fails: {e}", r.title));
        }
        let query = r.query();
        let result = prometheus
            .wait_for_vector(query, Duration::from_secs(20))
            .unwrap_or_else(|e| panic!("{}: `{query}` returns no data: {e}", r.title));
        assert!(
            result.iter().all(|s| s.value.is_finite()),
            "{}: {result:?}",
            r.title
        );
    }
}
