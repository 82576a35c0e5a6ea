//! The naming table test: every name of every family (the catalog's 64, the
//! self-metrics, the GenAI conventions', the process metrics, the HTTP server
//! conventions') goes through the real exporter and
//! comes out as `autobot_otel_catalog::naming` predicts from its definition:
//! the family name (`# TYPE` line), its type, and its label names.
//!
//! Two routes: the pipeline itself (`Telemetry` with the GenAI metrics on,
//! every family recorded the way an application records it), and the
//! exporter alone (`PrometheusTextReader`), fed one instrument per definition
//! named [`MetricDef::otel_name`] with every label set, which also reaches the
//! self-metrics a test pipeline has no series of. A last table runs names,
//! units and keys outside the tables (per-units, annotations, unknown units,
//! reserved and invalid keys, `le` on a histogram) through the exporter against the naming functions.

mod record_all;

use std::collections::BTreeSet;

use autobot_otel::Telemetry;
use autobot_otel::catalog::genai::{GENAI_METRICS, GenAiMetricId};
use autobot_otel::catalog::http_server::HTTP_SERVER_METRICS;
use autobot_otel::catalog::process::PROCESS_METRICS;
use autobot_otel::catalog::self_metrics::{SELF_METRICS, SelfMetric};
use autobot_otel::catalog::{CATALOG, Kind, MetricDef, MetricId, Naming, SCOPE_NAME, Source};
use autobot_otel::llm::LlmCall;
use autobot_otel::prometheus::PrometheusTextReader;
use autobot_otel::testing::Scrape;
use autobot_otel_catalog::naming;
use futures_util::StreamExt as _;
use opentelemetry::KeyValue;
use opentelemetry::metrics::{Meter, MeterProvider as _};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use record_all::record_all;

/// One definition of any table, as the test reads it.
struct Def {
    source: Source,
    naming: Naming,
    name: &'static str,
    otel_name: &'static str,
    prometheus_name: String,
    kind: Kind,
    unit: &'static str,
    labels: &'static [&'static str],
    label_names: Vec<String>,
    help: &'static str,
}

fn def<I>(d: &MetricDef<I>) -> Def {
    Def {
        source: d.source,
        naming: d.naming,
        name: d.name,
        otel_name: d.otel_name(),
        prometheus_name: d.prometheus_name(),
        kind: d.kind,
        unit: d.unit,
        labels: d.labels,
        label_names: d.prometheus_labels().map(String::from).collect(),
        help: d.help,
    }
}

/// Every definition of every family.
fn every_definition() -> Vec<Def> {
    CATALOG
        .iter()
        .map(def)
        .chain(SELF_METRICS.iter().map(def))
        .chain(GENAI_METRICS.iter().map(def))
        .chain(PROCESS_METRICS.iter().map(def))
        .chain(HTTP_SERVER_METRICS.iter().map(def))
        .collect()
}

/// What `naming` predicts for a definition, written out from its rules rather
/// than through the definition's own functions.
fn predicted(d: &Def) -> (String, Vec<String>) {
    let counter = d.kind.is_counter();
    let name = match d.naming {
        Naming::Prometheus => {
            // The contract is the Prometheus name; the instrument is named so
            // that the translation gives it back.
            assert_eq!(
                naming::prometheus_name(d.otel_name, d.unit, counter),
                d.name,
                "{}",
                d.name
            );
            d.name.to_string()
        }
        Naming::OpenTelemetry => {
            assert_eq!(d.otel_name, d.name);
            naming::prometheus_name(d.name, d.unit, counter)
        }
        // Both names fixed: the process metrics' Prometheus client names,
        // which no translation of the OpenTelemetry name gives.
        Naming::Both => {
            assert_eq!(d.otel_name, d.name);
            let _ = counter;
            d.prometheus_name.clone()
        }
    };
    let histogram = d.kind == Kind::Histogram;
    // A `Both` family's scrape is one series, summed over its attributes.
    let shown = if d.naming == Naming::Both {
        &[][..]
    } else {
        d.labels
    };
    let mut labels: Vec<String> = shown
        .iter()
        .map(|k| naming::label_name(k, histogram).into_owned())
        .collect();
    labels.sort();
    (name, labels)
}

fn type_lines(text: &str) -> BTreeSet<(String, String)> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_once(' '))
        .map(|(n, k)| (n.to_string(), k.to_string()))
        .collect()
}

#[test]
fn the_tables_are_complete_and_their_name_functions_agree_with_naming() {
    let defs = every_definition();
    assert_eq!(
        defs.len(),
        CATALOG.len()
            + SELF_METRICS.len()
            + GENAI_METRICS.len()
            + PROCESS_METRICS.len()
            + HTTP_SERVER_METRICS.len()
    );
    let mut names = BTreeSet::new();
    for d in &defs {
        assert_eq!(d.naming, d.source.naming(), "{}", d.name);
        let (name, mut labels) = predicted(d);
        assert_eq!(d.prometheus_name, name, "{}", d.name);
        let mut own = d.label_names.clone();
        own.sort();
        labels.sort();
        assert_eq!(own, labels, "{}", d.name);
        assert!(names.insert(name), "two families named {}", d.name);
    }
}

/// Builds an instrument of `kind` named `name` with `unit` on `meter` and
/// records one value with `attrs`.
fn record(
    meter: &Meter,
    name: &'static str,
    unit: &'static str,
    kind: Kind,
    help: &'static str,
    attrs: &[KeyValue],
) {
    match kind {
        Kind::Counter => meter
            .u64_counter(name)
            .with_unit(unit)
            .with_description(help)
            .build()
            .add(1, attrs),
        Kind::FloatCounter => meter
            .f64_counter(name)
            .with_unit(unit)
            .with_description(help)
            .build()
            .add(1.5, attrs),
        Kind::Gauge => meter
            .f64_gauge(name)
            .with_unit(unit)
            .with_description(help)
            .build()
            .record(1.0, attrs),
        Kind::Histogram => meter
            .f64_histogram(name)
            .with_unit(unit)
            .with_description(help)
            .with_boundaries(vec![1.0])
            .build()
            .record(0.5, attrs),
    }
}

/// One instrument per definition, named and united as the pipeline names
/// it, with every label set.
fn instrument(meter: &Meter, d: &Def) {
    let attrs: Vec<KeyValue> = d.labels.iter().map(|k| KeyValue::new(*k, "x")).collect();
    record(meter, d.otel_name, d.unit, d.kind, d.help, &attrs);
}

#[test]
fn every_definition_through_the_exporter_alone_gets_the_predicted_names() {
    let reader = PrometheusTextReader::new();
    let provider = SdkMeterProvider::builder()
        .with_resource(Resource::builder_empty().build())
        .with_reader(reader.clone())
        .build();
    // The catalog's scope: its names are reserved for it.
    let meter = provider.meter(SCOPE_NAME);
    let defs = every_definition();
    for d in &defs {
        instrument(&meter, d);
    }
    let text = reader.render_to_string().unwrap();
    let scrape = Scrape::parse(&text).unwrap();
    let types = type_lines(&text);
    for d in &defs {
        let (name, labels) = predicted(d);
        assert!(
            types.contains(&(name.clone(), d.kind.as_str().to_string())),
            "{} ({:?}): no `# TYPE {name} {}` in\n{text}",
            d.name,
            d.source,
            d.kind
        );
        let family = scrape.family(&name).unwrap();
        let keys: Vec<String> = family.label_keys().into_iter().map(String::from).collect();
        assert_eq!(keys, labels, "{name}");
    }
    // Nothing else: one family per definition (an empty resource writes no
    // `target_info`).
    assert_eq!(types.len(), defs.len(), "{text}");
}

#[autobot_otel::instrument_workflow(span = false)]
fn workflow_attr() {}

#[tokio::test]
async fn every_family_the_pipeline_records_has_the_predicted_names() {
    let t = Telemetry::builder()
        .without_otlp()
        .with_genai_metrics(true)
        .with_series_limit(MetricId::KnowledgeCacheHitsTotal, 1)
        .build()
        .unwrap();
    record_all(t.metrics());
    // Agents and tools (their families and GenAI durations; a workflow's too).
    t.in_scope(|| {
        autobot_otel::agent::AgentRun::start("a").succeed();
        autobot_otel::agent::ToolCall::start("t").fail("e");
        workflow_attr();
    });
    // Past a series limit: `autobot_otel_series_limit_reached`.
    t.metrics().record_cache_hit("other");
    // Usage without a cost and no price table: `autobot_otel_unpriced_llm_calls_total`.
    struct Unpriced;
    impl autobot_otel::instrument::LlmUsage for Unpriced {
        fn input_tokens(&self) -> u64 {
            1
        }
        fn output_tokens(&self) -> u64 {
            1
        }
    }
    t.in_scope(|| LlmCall::start("openai", "gpt-4o", "chat").succeed(Some(&Unpriced)));
    // A streaming call: the GenAI chunk histograms.
    let items = futures_util::stream::iter(
        ["a", "b", "c"].map(|c| Ok::<String, std::fmt::Error>(c.into())),
    );
    let stream = t.in_scope(|| {
        LlmCall::start("openai", "gpt-4o", "chat")
            .with_server("api.openai.com", Some(443))
            .stream_with(items, |_| "format")
    });
    assert_eq!(stream.collect::<Vec<_>>().await.len(), 3);
    // A request through the HTTP server layer: its two families.
    {
        use tower::ServiceExt as _;
        let app = axum::Router::new()
            .route("/items/{id}", axum::routing::get(|| async { "ok" }))
            .layer(autobot_otel::http::ServerMetricsLayer::new(&t));
        let request = axum::http::Request::get("/items/1")
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(app.oneshot(request).await.unwrap().status(), 200);
    }
    // Another scope's instrument named like a catalog metric:
    // `autobot_otel_instrument_conflicts` (reported from the last render on).
    let other = t.meter_provider().unwrap().meter("other");
    other
        .f64_gauge(MetricId::LlmTokensTotal.def().name)
        .build()
        .record(1.0, &[]);
    let _ = t.render(autobot_otel::Exposition::Text);
    let text = t.render(autobot_otel::Exposition::Text);
    let scrape = Scrape::parse(&text).unwrap();
    let types = type_lines(&text);

    let mut seen = BTreeSet::new();
    for d in every_definition() {
        let (name, labels) = predicted(&d);
        let Some(family) = scrape.family(&name) else {
            // Only the OTLP export counter has no series without a collector.
            assert_eq!(d.name, SelfMetric::Exports.def().name, "{name} missing");
            continue;
        };
        assert!(
            types.contains(&(name.clone(), d.kind.as_str().to_string())),
            "{name}"
        );
        assert_eq!(family.help, d.help, "{name}");
        // (The overflow series past a limit has the SDK's overflow label.)
        let keys: BTreeSet<String> = family
            .label_keys()
            .into_iter()
            .filter(|k| *k != "otel_metric_overflow")
            .map(String::from)
            .collect();
        let labels: BTreeSet<String> = labels.into_iter().collect();
        if d.source == Source::HttpServer {
            // No error here: `error.type` is left out, the others are there.
            let mut want = labels.clone();
            want.remove("error_type");
            assert_eq!(keys, want, "{name}");
        } else if d.source == Source::GenAi {
            // Attributes without a known value are left out.
            assert!(keys.is_subset(&labels), "{name}: {keys:?} {labels:?}");
            let id = GenAiMetricId::from_name(d.name).unwrap();
            // The required ones (error.type is there on failure only).
            let required = id
                .def()
                .prometheus_labels()
                .take(3)
                .filter(|k| k != "error_type");
            for key in required {
                assert!(keys.contains(&*key), "{name}: {key}");
            }
        } else {
            assert_eq!(keys, labels, "{name}");
        }
        seen.insert(name);
    }
    assert_eq!(
        seen.len(),
        CATALOG.len() + SELF_METRICS.len() - 1
            + GENAI_METRICS.len()
            + PROCESS_METRICS.len()
            + HTTP_SERVER_METRICS.len(),
        "{text}"
    );
    // The scrape has nothing the tables do not predict.
    let unpredicted: Vec<&(String, String)> = types
        .iter()
        .filter(|(n, _)| !seen.contains(n) && n != "target_info")
        .collect();
    assert!(unpredicted.is_empty(), "{unpredicted:?}");
}

#[test]
fn names_units_and_keys_outside_the_tables_follow_naming_too() {
    let reader = PrometheusTextReader::new();
    let provider = SdkMeterProvider::builder()
        .with_resource(Resource::builder_empty().build())
        .with_reader(reader.clone())
        .build();
    let meter = provider.meter("naming");
    let cases: &[(&str, &str, Kind)] = &[
        ("http.server.duration", "ms", Kind::Histogram),
        ("net.io", "By/s", Kind::Counter),
        ("rate.x", "1/s", Kind::Gauge),
        ("disk.used", "KiBy", Kind::Gauge),
        ("a-b/c", "MBy/h", Kind::Gauge),
        ("cpu", "%", Kind::Gauge),
        ("temp", "Cel", Kind::Gauge),
        ("things", "{thing}", Kind::Counter),
        ("uptime", "d", Kind::FloatCounter),
        ("odd", "furlong/fortnight", Kind::Gauge),
    ];
    let keys = ["a:b", "1abc", "__team", "le", "server.address", "é", ""];
    let attrs: Vec<KeyValue> = keys.iter().map(|k| KeyValue::new(*k, "v")).collect();
    for (name, unit, kind) in cases {
        record(&meter, name, unit, *kind, "h", &attrs);
    }
    let text = reader.render_to_string().unwrap();
    let scrape = Scrape::parse(&text).unwrap();
    let types = type_lines(&text);
    for (name, unit, kind) in cases {
        let want = naming::prometheus_name(name, unit, kind.is_counter());
        assert!(
            types.contains(&(want.clone(), kind.as_str().to_string())),
            "{name} {unit}: no {want} in\n{text}"
        );
        let histogram = *kind == Kind::Histogram;
        // (`Scrape::label_keys` leaves out `le`, the bucket bound.)
        let labels: BTreeSet<String> = keys
            .iter()
            .map(|k| naming::label_name(k, histogram).into_owned())
            .filter(|l| l != "le")
            .collect();
        let family = scrape.family(&want).unwrap();
        let got: BTreeSet<String> = family.label_keys().into_iter().map(String::from).collect();
        assert_eq!(got, labels, "{want}");
    }
}
