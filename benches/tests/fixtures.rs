//! The benchmark fixtures measure what they claim: every library holds the same
//! series, the demo shape replays faithfully, rounds rotate, and the statistics
//! are the documented ones.

use std::collections::{BTreeMap, BTreeSet};

use autobot_otel::testing::Scrape;
use autobot_otel_bench::demo_shape::{demo, replay};
use autobot_otel_bench::one_metric::{METRIC, all, series_labels};
use autobot_otel_bench::peers::{MetricsExporter, PromClient, SDK_COLLECT};
use autobot_otel_bench::report::Stat;
use autobot_otel_bench::rounds::{Candidate, interleave};
use autobot_otel_bench::{PromCrate, RawOtel};

/// Label sets of `family`'s samples named `sample` in an exposition (the
/// `prometheus-client` OpenMetrics `# EOF` line dropped).
fn series(text: &str, sample: &str) -> BTreeSet<BTreeMap<String, String>> {
    let text: String = text
        .lines()
        .filter(|l| *l != "# EOF")
        .map(|l| format!("{l}\n"))
        .collect();
    let scrape = Scrape::parse(&text).unwrap_or_else(|e| panic!("{e}:\n{text}"));
    scrape
        .samples()
        .filter(|s| s.name == sample)
        .map(|s| s.labels.clone())
        .collect()
}

#[test]
fn every_library_holds_the_same_one_metric_series() {
    let libs = all(100, true);
    for i in 0..40 {
        let (a, b) = series_labels(i);
        for lib in &libs {
            lib.add(&a, &b);
        }
    }
    let expected: BTreeSet<BTreeMap<String, String>> = (0..40)
        .map(|i| {
            let (a, b) = series_labels(i);
            BTreeMap::from([
                ("workflow_type".to_string(), a),
                ("step_type".to_string(), b),
                ("status".to_string(), "completed".to_string()),
            ])
        })
        .collect();
    for lib in &libs {
        if lib.name() == SDK_COLLECT {
            assert_eq!(lib.render(), 1, "the floor collects the one metric");
            continue;
        }
        let text = lib.text();
        assert_eq!(lib.render(), text.len(), "{}", lib.name());
        assert_eq!(series(&text, METRIC.def().name), expected, "{}", lib.name());
    }
}

#[test]
fn the_demo_shape_replays_every_guide_series_into_every_peer() {
    let (ours, shape) = demo(30, 0);
    let ours_text = ours.render(autobot_otel::Exposition::Text);
    let prom = PromCrate::new();
    let client = PromClient::new();
    let metrics = MetricsExporter::new();
    let raw = RawOtel::new();
    replay(&shape, &prom);
    replay(&shape, &client);
    replay(&shape, &metrics);
    replay(&shape, &raw);
    let texts = [
        ("prometheus", prom.text()),
        ("prometheus-client", client.text()),
        ("metrics-exporter-prometheus", metrics.text()),
        ("opentelemetry-prometheus", raw.text()),
    ];
    let mut checked = 0;
    // The workload records the guide's 56 families; the two extensions come
    // from the demo's streaming calls, which the shape does not replay.
    for def in autobot_otel::catalog::guide() {
        let sample = match def.kind {
            autobot_otel::catalog::Kind::Histogram => format!("{}_count", def.name),
            _ => def.name.to_string(),
        };
        let expected = series(&ours_text, &sample);
        assert!(!expected.is_empty(), "the demo records {sample}");
        for (lib, text) in &texts {
            // metrics-exporter-prometheus 0.18 adds a histogram's `_count`
            // suffix only when the name does not already end in "count":
            // `autobot_knowledge_search_results_count`'s count sample comes out
            // under the family's own name.
            let sample = match (*lib, sample.strip_suffix("_count_count")) {
                ("metrics-exporter-prometheus", Some(base)) => format!("{base}_count"),
                _ => sample.clone(),
            };
            assert_eq!(series(text, &sample), expected, "{lib}: {sample}");
        }
        checked += 1;
    }
    assert_eq!(checked, 56);
}

#[test]
fn rounds_rotate_the_order_and_ratios_are_per_round() {
    let order = std::cell::RefCell::new(Vec::new());
    let mut cands = vec![
        Candidate::new("a", || {
            order.borrow_mut().push("a");
            1.0
        }),
        Candidate::new("b", || {
            order.borrow_mut().push("b");
            4.0
        }),
        Candidate::new("c", || {
            order.borrow_mut().push("c");
            2.0
        }),
    ];
    let s = interleave(&mut cands, 3);
    drop(cands);
    // Warm-up in order, then each round starts one further.
    assert_eq!(
        order.into_inner(),
        ["a", "b", "c", "a", "b", "c", "b", "c", "a", "c", "a", "b"]
    );
    assert_eq!(s.rounds(), 3);
    assert_eq!(s.per_round(|r| r.get("b") / r.get("c")), vec![2.0; 3]);
}

#[test]
fn stat_is_the_median_and_range_of_finite_values() {
    assert_eq!(
        Stat::of(&[5.0, 1.0, f64::NAN, 3.0]),
        Stat {
            median: 3.0,
            min: 1.0,
            max: 5.0,
            n: 3
        }
    );
    assert_eq!(Stat::of(&[4.0, 1.0, 2.0, 3.0]).median, 2.5);
    assert_eq!(Stat::of(&[]), Stat::default());
}
