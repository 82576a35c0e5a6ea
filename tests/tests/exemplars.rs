//! Exemplars end to end, with real components: a real Prometheus started with
//! exemplar storage scrapes OpenMetrics from the endpoint and stores exemplars
//! whose trace and span IDs are those of the spans a real collector (rotel)
//! received; a measurement outside any span has none; the text format 0.0.4 is
//! the same bytes with exemplars on or off, inside a span or not;
//! `OTEL_METRICS_EXEMPLAR_FILTER=always_off` turns them off in the demo; the
//! Grafana provisioning and dashboards link them to one traces data source.
//!
//! promtool checks the text format only: `promtool check metrics` (2.42, as
//! every release so far) parses the text format 0.0.4, where an exemplar is a
//! syntax error. The OpenMetrics text is checked by the strict parser
//! (`prometheus_client.openmetrics.parser`, which must read the same samples and
//! exemplars as `autobot_otel::testing::Scrape`) and by Prometheus' own
//! OpenMetrics parser, in real scrapes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use autobot_otel::Exposition;
use autobot_otel::exemplars::ExemplarFilter;
use autobot_otel::http::MetricsServer;
use autobot_otel::labels::{Outcome, RedisStatus};
use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
use autobot_otel::testing::ManualClock;
use autobot_otel::{MetricsManager, Telemetry};
use autobot_otel_examples::instrumented::LlmClient;
use autobot_otel_tests::{
    EXEMPLAR_STORAGE_FLAG, EXPECTED_PROMTOOL_FINDINGS, Exemplar, ExemplarSeries, HttpResponse,
    HttpSink, PROMETHEUS_SCRAPE_ACCEPT, PrometheusOptions, PrometheusServer, Rotel, RotelOptions,
    RotelSpan, StrictFamily, http_get, http_get_with_headers, now_unix, parse_spans, poll,
    promtool_check_metrics, promtool_findings, repo_root, strict_check_openmetrics,
    strict_check_scrape,
};
use tracing_subscriber::layer::SubscriberExt as _;

/// The LLM latency histogram's bucket series.
const LLM_BUCKETS: &str = "autobot_llm_request_latency_seconds_bucket";
/// The LLM request counter's series.
const LLM_REQUESTS: &str = "autobot_llm_requests_total";
/// The exemplar label holding the trace ID: what the endpoint writes and what the
/// Grafana provisioning links to the traces data source.
const TRACE_ID: &str = "trace_id";
/// The exemplar label holding the span ID.
const SPAN_ID: &str = "span_id";
/// The metrics path Prometheus scrapes.
const METRICS_PATH: &str = "/api/monitoring/metrics";
/// The span of one demo tick (examples/src/workload.rs), inside which the demo
/// records everything.
const TICK_SPAN: &str = "autobot.workload.tick";

// ---------------------------------------------------------------- helpers

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Serves `telemetry`'s endpoints on a free loopback port from `runtime` (until
/// the runtime is dropped); returns `127.0.0.1:PORT`.
fn serve(runtime: &tokio::runtime::Runtime, telemetry: &Telemetry) -> String {
    let server = runtime
        .block_on(MetricsServer::bind("127.0.0.1:0", telemetry.clone()))
        .expect("the metrics server binds");
    let addr = server.local_addr().to_string();
    runtime.spawn(server.run_until(std::future::pending()));
    addr
}

/// The `storage:` section of the shipped `collector-config/prometheus/prometheus.yml`
/// (exemplar storage), as top-level YAML for [`PrometheusOptions::extra_config`].
fn shipped_storage_section() -> String {
    let path = repo_root().join("collector-config/prometheus/prometheus.yml");
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&path).expect("prometheus.yml")).unwrap();
    let storage = doc
        .get("storage")
        .expect("prometheus.yml configures the exemplar storage");
    assert!(
        storage["exemplars"]["max_exemplars"]
            .as_u64()
            .is_some_and(|n| n > 0),
        "storage.exemplars.max_exemplars: {storage:?}"
    );
    let mut top = serde_yaml::Mapping::new();
    top.insert("storage".into(), storage.clone());
    serde_yaml::to_string(&top).unwrap()
}

/// A Prometheus with exemplar storage (the shipped `storage:` section) scraping
/// `targets` every second.
fn exemplar_prometheus(targets: &[String]) -> PrometheusServer {
    let mut options = PrometheusOptions::default()
        .extra_arg(EXEMPLAR_STORAGE_FLAG)
        .extra_config(shipped_storage_section());
    options.targets = targets.to_vec();
    PrometheusServer::start(options).expect("prometheus starts")
}

/// A rotel printing only the spans it receives.
fn span_collector() -> Rotel {
    Rotel::start_with(RotelOptions {
        debug_log: vec!["traces".into()],
        ..Default::default()
    })
    .expect("rotel starts")
}

/// Scrapes `target` as Prometheus does (its `Accept` header).
fn scrape_openmetrics(target: &str) -> HttpResponse {
    let r = http_get_with_headers(
        &format!("http://{target}{METRICS_PATH}"),
        &[("accept", PROMETHEUS_SCRAPE_ACCEPT)],
    )
    .expect("OpenMetrics scrape");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.header("content-type"),
        Some(Exposition::OpenMetrics.content_type())
    );
    assert!(r.body.ends_with("# EOF\n"), "OpenMetrics ends with # EOF");
    r
}

/// Scrapes `target` without an `Accept` header: the text format 0.0.4.
fn scrape_text(target: &str) -> HttpResponse {
    let r = http_get(&format!("http://{target}{METRICS_PATH}")).expect("text scrape");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    r
}

/// The checks every text-format scrape passes here: no exemplar and no `# EOF`
/// in it, the strict parser agrees with ours, and promtool finds nothing but
/// the findings the guide's names force.
fn check_text_format(text: &str) {
    assert!(!text.contains(" # {"), "an exemplar in the text format");
    assert!(!text.contains("# EOF"), "# EOF in the text format");
    strict_check_scrape(text).unwrap_or_else(|e| panic!("{e}"));
    let out = promtool_check_metrics(text).expect("promtool runs");
    let allowed: BTreeSet<&str> = EXPECTED_PROMTOOL_FINDINGS.iter().map(|(f, _)| *f).collect();
    let findings = promtool_findings(&out);
    let unexpected: Vec<&String> = findings
        .iter()
        .filter(|f| !allowed.contains(f.as_str()))
        .collect();
    assert!(unexpected.is_empty(), "promtool:\n{}", out.combined());
}

/// The strict OpenMetrics parse of `text`, which must also be exactly what
/// `autobot_otel::testing::Scrape` reads, exemplars included; refusals as panics.
fn strict_openmetrics(text: &str) -> Vec<StrictFamily> {
    strict_check_openmetrics(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// An exemplar's label.
fn label<'a>(exemplar: &'a Exemplar, name: &str) -> Option<&'a str> {
    exemplar.labels.get(name).map(String::as_str)
}

/// Every `(sample name, sample labels, exemplar)` of a strict parse.
fn exemplars_of(families: &[StrictFamily]) -> Vec<(String, BTreeMap<String, String>, Exemplar)> {
    families
        .iter()
        .flat_map(|f| &f.samples)
        .filter_map(|s| {
            s.exemplar
                .clone()
                .map(|e| (s.name.clone(), s.labels.clone(), e))
        })
        .collect()
}

/// A trace or span ID as the exposition writes it: lowercase hex of `len` digits.
fn is_hex_id(id: &str, len: usize) -> bool {
    id.len() == len && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Every exemplar of `series` with its series.
fn flatten(series: &[ExemplarSeries]) -> Vec<(&ExemplarSeries, &Exemplar)> {
    series
        .iter()
        .flat_map(|s| s.exemplars.iter().map(move |e| (s, e)))
        .collect()
}

/// Polls `query_exemplars(expr)` over the last ten minutes until `done` holds.
fn wait_for_exemplars(
    prometheus: &PrometheusServer,
    expr: &str,
    mut done: impl FnMut(&[ExemplarSeries]) -> bool,
) -> Vec<ExemplarSeries> {
    let start = now_unix() - 600.0;
    let last = std::cell::RefCell::new(Vec::new());
    poll(
        Duration::from_secs(60),
        Duration::from_millis(250),
        || {
            let series = prometheus.query_exemplars(expr, start, now_unix() + 60.0)?;
            let ok = done(&series);
            *last.borrow_mut() = series.clone();
            Ok(ok.then_some(series))
        },
        || {
            format!(
                "exemplars of {expr} incomplete: {:?}; targets: {:?}",
                last.borrow(),
                prometheus.targets()
            )
        },
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

// ------------------------------------------------------------------ tests

/// The `Accept` header the tests scrape with is the one the Prometheus they run
/// sends: OpenMetrics 1.0.0 first.
#[test]
fn prometheus_asks_for_openmetrics_with_the_header_the_tests_send() {
    let sink = HttpSink::start().expect("sink");
    let target = sink.base_url().trim_start_matches("http://").to_string();
    let _prometheus = exemplar_prometheus(&[target]);
    let requests = sink
        .wait_for(
            |r| r.iter().any(|r| r.path == METRICS_PATH),
            Duration::from_secs(30),
            "Prometheus scrapes the sink",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let scrape = requests.iter().find(|r| r.path == METRICS_PATH).unwrap();
    assert_eq!(scrape.header("accept"), Some(PROMETHEUS_SCRAPE_ACCEPT));
}

/// The proof: an instrumented LLM call's latency exemplar in a real
/// Prometheus (exemplar storage, OpenMetrics scrape) carries the trace and span
/// IDs of the call's own span, as rotel received it; so does the request
/// counter's. The endpoint serves OpenMetrics to Prometheus' `Accept` header
/// (strict parser) and the text format without one (promtool, strict parser).
#[test]
fn an_instrumented_llm_call_s_exemplar_in_prometheus_is_the_span_rotel_received() {
    const MODELS: [&str; 3] = ["exemplar-a", "exemplar-b", "exemplar-c"];
    let rotel = span_collector();
    let telemetry = Telemetry::builder()
        .with_service_name("exemplars-test")
        .with_otlp(
            OtlpSettings::new(rotel.grpc_endpoint(), OtlpProtocol::Grpc)
                .with_export_interval(Duration::from_secs(3600)),
        )
        .build()
        .expect("pipeline");
    let runtime = runtime();
    let target = serve(&runtime, &telemetry);
    let prometheus = exemplar_prometheus(std::slice::from_ref(&target));

    // One call per model, each in the span its attribute opens.
    let before = now_unix();
    let subscriber =
        tracing_subscriber::registry().with(telemetry.tracing_layer().expect("spans exported"));
    tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(telemetry.scope(async {
            for model in MODELS {
                let llm = LlmClient {
                    model: model.into(),
                };
                llm.complete("review this diff").await.expect("completion");
            }
        }))
    });
    let after = now_unix();
    telemetry.force_flush().expect("spans flushed");

    let out = rotel
        .wait_for_output(
            |o| MODELS.iter().all(|m| o.contains(&format!("Str({m})"))),
            Duration::from_secs(30),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let spans = parse_spans(&out);
    let span_of = |model: &str| -> RotelSpan {
        spans
            .iter()
            .find(|s| {
                // Named by the GenAI conventions: `{operation} {model}`.
                s.name == format!("chat {model}")
                    && s.attr("gen_ai.request.model").as_deref() == Some(model)
            })
            .unwrap_or_else(|| panic!("rotel received no span for {model}"))
            .clone()
    };

    let with_every_model = |series: &[ExemplarSeries]| {
        MODELS.iter().all(|m| {
            series
                .iter()
                .any(|s| s.label("model") == Some(m) && !s.exemplars.is_empty())
        })
    };
    let buckets = wait_for_exemplars(
        &prometheus,
        &format!("{LLM_BUCKETS}{{provider=\"openai\"}}"),
        with_every_model,
    );
    let requests = wait_for_exemplars(
        &prometheus,
        &format!("{LLM_REQUESTS}{{provider=\"openai\"}}"),
        with_every_model,
    );

    for model in MODELS {
        let span = span_of(model);
        assert!(
            is_hex_id(&span.trace_id, 32) && is_hex_id(&span.span_id, 16),
            "{span:?}"
        );
        // One call, one measurement: one exemplar, with the call's span, in the
        // bucket the latency fell into and on the request counter.
        let only = |series: &[ExemplarSeries]| {
            let of_model: Vec<(ExemplarSeries, Exemplar)> = flatten(series)
                .into_iter()
                .filter(|(s, _)| s.label("model") == Some(model))
                .map(|(s, e)| (s.clone(), e.clone()))
                .collect();
            assert_eq!(of_model.len(), 1, "{model}: {of_model:?}");
            let (series, exemplar) = of_model.into_iter().next().unwrap();
            assert_eq!(
                exemplar
                    .labels
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
                [SPAN_ID, TRACE_ID]
            );
            assert_eq!(
                label(&exemplar, TRACE_ID),
                Some(span.trace_id.as_str()),
                "{model}"
            );
            assert_eq!(
                label(&exemplar, SPAN_ID),
                Some(span.span_id.as_str()),
                "{model}"
            );
            let at = exemplar.timestamp.expect("timestamp");
            assert!(
                at >= before - 1.0 && at <= after + 1.0,
                "{at} not in [{before}, {after}]"
            );
            (series, exemplar)
        };
        let (series, latency) = only(&buckets);
        let le: f64 = series.label("le").unwrap().parse().unwrap();
        assert!(
            latency.value > 0.0 && latency.value <= le,
            "{latency:?} in le={le}"
        );
        assert_eq!(only(&requests).1.value, 1.0, "the increment");
    }

    // What Prometheus got: OpenMetrics with the same exemplars, which the strict
    // parser accepts; without the header, the text format, without exemplars.
    let om = strict_openmetrics(&scrape_openmetrics(&target).body);
    let served = exemplars_of(&om);
    for model in MODELS {
        let span = span_of(model);
        let of_model: Vec<_> = served
            .iter()
            .filter(|(_, l, _)| l.get("model").map(String::as_str) == Some(model))
            .collect();
        assert!(
            of_model.iter().any(|(n, _, _)| n == LLM_BUCKETS)
                && of_model.iter().any(|(n, _, _)| n == LLM_REQUESTS),
            "{model}: {of_model:?}"
        );
        for (name, _, e) in &of_model {
            assert_eq!(label(e, TRACE_ID), Some(span.trace_id.as_str()), "{name}");
        }
    }
    check_text_format(&scrape_text(&target).body);
}

/// The three pipelines record the same data, with [`ManualClock`]s, so their
/// text formats can be compared byte for byte.
fn recording_pipeline(filter: Option<ExemplarFilter>) -> Telemetry {
    let mut builder = Telemetry::builder()
        .without_otlp()
        .with_clock(Arc::new(ManualClock::new()))
        // Renders of three pipelines are compared byte for byte: the process
        // metrics' values (memory, CPU) differ between them.
        .with_process_metrics(false);
    if let Some(filter) = filter {
        builder = builder.with_exemplar_filter(filter);
    }
    builder.build().expect("pipeline")
}

/// Histograms and counters of several categories.
fn record(m: &MetricsManager) {
    m.record_llm_request("openai", "gpt-4o", "chat", 0.734);
    m.record_llm_request("anthropic", "claude-sonnet", "chat", 2.5);
    m.record_workflow_execution("code_review", Outcome::Success, 1.5);
    m.record_workflow_execution("deploy", Outcome::Failed, 12.0);
    m.record_redis_operation("main", "get", RedisStatus::Success, 0.002);
    m.record_cache_hit("embedding");
}

/// A call outside any span has no exemplar; inside a sampled span it has that
/// span's IDs, in OpenMetrics only: the text format 0.0.4 is the same bytes with
/// exemplars on (inside a span or outside any) and off.
#[test]
fn outside_a_span_no_exemplar_and_the_text_format_is_the_same_bytes() {
    use opentelemetry::trace::{TraceContextExt as _, TracerProvider as _};
    use tracing_opentelemetry::OpenTelemetrySpanExt as _;

    // Spans exported by the test's own layer: the filter is set (a pipeline
    // that exports no spans itself keeps none by default).
    let inside = recording_pipeline(Some(ExemplarFilter::TraceBased));
    let off = recording_pipeline(Some(ExemplarFilter::AlwaysOff));
    let outside = recording_pipeline(Some(ExemplarFilter::TraceBased));

    // Spans of a tracer provider of the test's own (sampled: the SDK's default
    // sampler), through `tracing` as an application's are.
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("exemplars-test")));
    let (trace_id, span_id) = tracing::subscriber::with_default(subscriber, || {
        let span = tracing::info_span!("review");
        let _entered = span.enter();
        record(inside.metrics());
        record(off.metrics());
        let cx = span.context();
        let sc = cx.span().span_context().clone();
        assert!(sc.is_sampled(), "the span is sampled");
        (sc.trace_id().to_string(), sc.span_id().to_string())
    });
    record(outside.metrics());

    // Each pipeline renders the text format first, then OpenMetrics (a render
    // counts as a scrape in the self-metrics, so the order is the same for all).
    let text_inside = inside.render(autobot_otel::Exposition::Text);
    let text_off = off.render(autobot_otel::Exposition::Text);
    let text_outside = outside.render(autobot_otel::Exposition::Text);
    assert_eq!(text_inside, text_off, "exemplars on vs always_off");
    assert_eq!(text_inside, text_outside, "inside a span vs outside");
    check_text_format(&text_inside);

    let om_inside = inside.render(autobot_otel::Exposition::OpenMetrics);
    let om_off = off.render(autobot_otel::Exposition::OpenMetrics);
    let om_outside = outside.render(autobot_otel::Exposition::OpenMetrics);
    for (what, om) in [("always_off", &om_off), ("outside any span", &om_outside)] {
        assert!(!om.contains(" # {"), "{what}: an exemplar:\n{om}");
        assert!(exemplars_of(&strict_openmetrics(om)).is_empty(), "{what}");
    }
    assert_eq!(om_off, om_outside, "no exemplar either way: the same text");

    // Inside the span: each histogram observation and counter increment has the
    // span's IDs, on its bucket and `_total` lines.
    let served = exemplars_of(&strict_openmetrics(&om_inside));
    let names: BTreeSet<&str> = served.iter().map(|(n, _, _)| n.as_str()).collect();
    for name in [
        LLM_BUCKETS,
        LLM_REQUESTS,
        "autobot_workflow_duration_seconds_bucket",
        "autobot_workflow_executions_total",
        "autobot_redis_operation_latency_seconds_bucket",
        "autobot_knowledge_cache_hits_total",
    ] {
        assert!(names.contains(name), "no exemplar on {name}: {names:?}");
    }
    for (name, labels, e) in &served {
        assert!(
            name.ends_with("_bucket") || name.ends_with("_total"),
            "{name}: exemplars only on buckets and counters"
        );
        assert_eq!(
            label(e, TRACE_ID),
            Some(trace_id.as_str()),
            "{name}{labels:?}"
        );
        assert_eq!(
            label(e, SPAN_ID),
            Some(span_id.as_str()),
            "{name}{labels:?}"
        );
        assert!(e.timestamp.is_some(), "{name}: timestamp");
    }
    let latency = served
        .iter()
        .find(|(n, l, _)| n == LLM_BUCKETS && l.get("model").map(String::as_str) == Some("gpt-4o"))
        .expect("gpt-4o latency exemplar");
    assert_eq!(latency.2.value, 0.734);
    assert_eq!(latency.1["le"], "1", "in the first bucket holding 0.734");
    let _ = provider.shutdown();
}

/// The demo (its own process, configured by the environment) records inside
/// one span per tick and pushes the spans to rotel: Prometheus stores exemplars
/// of its LLM latency whose IDs are tick spans rotel received. The same demo with
/// `OTEL_METRICS_EXEMPLAR_FILTER=always_off`, whose spans rotel receives too, has
/// none: not in Prometheus, not in its OpenMetrics scrape.
#[test]
fn the_demo_s_exemplars_are_its_spans_and_always_off_turns_them_off() {
    let rotel = span_collector();
    let grpc = rotel.grpc_endpoint();
    let env = |service: &'static str| {
        vec![
            ("OTEL_EXPORTER_OTLP_ENDPOINT", grpc.as_str()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
            ("OTEL_SERVICE_NAME", service),
            ("AUTOBOT_DEMO_TICK_MS", "100"),
            ("AUTOBOT_DEMO_DURATION_SECS", "120"),
        ]
    };
    let on = autobot_otel_tests::spawn_demo!(&env("exemplars-on")).expect("demo starts");
    let mut off_env = env("exemplars-off");
    off_env.push(("OTEL_METRICS_EXEMPLAR_FILTER", "always_off"));
    let off = autobot_otel_tests::spawn_demo!(&off_env).expect("demo starts");
    let prometheus = exemplar_prometheus(&[on.target(), off.target()]);

    // Exemplars of the demo's LLM latency, and the tick spans they name.
    let stored = wait_for_exemplars(
        &prometheus,
        &format!("{LLM_BUCKETS}{{instance=\"{}\"}}", on.target()),
        |s| !s.is_empty(),
    );
    let ids: BTreeSet<(String, String)> = flatten(&stored)
        .into_iter()
        .map(|(_, e)| {
            let id = |l| label(e, l).unwrap_or_default().to_string();
            (id(TRACE_ID), id(SPAN_ID))
        })
        .collect();
    assert!(!ids.is_empty());
    let out = rotel
        .wait_for_output(
            |o| ids.iter().all(|(_, span)| o.contains(span.as_str())),
            Duration::from_secs(30),
        )
        .unwrap_or_else(|e| panic!("rotel never received the exemplars' spans {ids:?}: {e}"));
    let spans = parse_spans(&out);
    for (trace, span) in &ids {
        let received = spans
            .iter()
            .find(|s| &s.span_id == span)
            .unwrap_or_else(|| panic!("span {span} not received"));
        assert_eq!(&received.trace_id, trace);
        // A tick's plain `record_llm_request` keeps the tick span; the demo's
        // LLM calls (the streaming `#[instrument_llm]` on `stream_chat` and the
        // agent loop's calls, run beside the ticks) keep their own span, named
        // by the GenAI conventions (`chat {model}`).
        assert!(
            received.name == TICK_SPAN
                || (received.name.starts_with("chat ")
                    && received.attr("gen_ai.operation.name").as_deref() == Some("chat")),
            "exemplar of span {}",
            received.name
        );
        assert_eq!(
            received.resource_attr("service.name").as_deref(),
            Some("exemplars-on")
        );
    }

    // always_off: the demo's spans are sampled and exported ...
    rotel
        .wait_for_output(
            |o| {
                parse_spans(o).iter().any(|s| {
                    s.name == TICK_SPAN
                        && s.resource_attr("service.name").as_deref() == Some("exemplars-off")
                })
            },
            Duration::from_secs(30),
        )
        .unwrap_or_else(|e| panic!("the always_off demo exports its spans: {e}"));
    // ... and Prometheus has scraped its LLM latencies, but no exemplar of any
    // series. (Scraped in the same scrapes as the other demo's exemplars.)
    let latencies = format!(
        "autobot_llm_request_latency_seconds_count{{instance=\"{}\"}} > 0",
        off.target()
    );
    prometheus
        .wait_for_vector(&latencies, Duration::from_secs(30))
        .unwrap_or_else(|e| panic!("{e}"));
    let none = prometheus
        .query_exemplars(
            &format!("{{instance=\"{}\"}}", off.target()),
            now_unix() - 600.0,
            now_unix() + 60.0,
        )
        .expect("query_exemplars");
    assert!(flatten(&none).is_empty(), "always_off demo: {none:?}");

    // Scraped directly as Prometheus does: OpenMetrics, strictly valid, with
    // exemplars from one demo and none from the other; the text format has none.
    let om_on = strict_openmetrics(&scrape_openmetrics(&on.target()).body);
    assert!(
        !exemplars_of(&om_on).is_empty(),
        "the demo's OpenMetrics has exemplars"
    );
    let om_off = scrape_openmetrics(&off.target()).body;
    assert!(
        !om_off.contains(" # {"),
        "always_off: an exemplar in\n{om_off}"
    );
    let om_off = strict_openmetrics(&om_off);
    assert!(exemplars_of(&om_off).is_empty());
    assert!(
        om_off
            .iter()
            .flat_map(|f| &f.samples)
            .any(|s| s.name == "autobot_llm_request_latency_seconds_count" && s.value > 0.0),
        "the always_off demo recorded LLM latencies"
    );
    check_text_format(&scrape_text(&on.target()).body);
}

/// The Grafana side, as shipped: the Prometheus data source links the exemplars'
/// `trace_id` to the provisioned Tempo data source, and every dashboard's
/// `traces` variable defaults to that same data source; the panels that ask
/// for exemplars link to the variable.
#[test]
fn grafana_links_exemplars_to_the_provisioned_traces_data_source() {
    let root = repo_root().join("collector-config/grafana");
    let provisioning: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(root.join("provisioning/datasources/autobot.yml")).unwrap(),
    )
    .unwrap();
    let sources = provisioning["datasources"].as_sequence().unwrap();
    let of_type = |t: &str| {
        let found: Vec<_> = sources.iter().filter(|d| d["type"] == t).collect();
        assert_eq!(found.len(), 1, "one {t} data source");
        found[0]
    };
    let (prometheus, tempo) = (of_type("prometheus"), of_type("tempo"));
    let tempo_uid = tempo["uid"].as_str().unwrap();
    let destinations = prometheus["jsonData"]["exemplarTraceIdDestinations"]
        .as_sequence()
        .expect("exemplarTraceIdDestinations");
    assert_eq!(destinations.len(), 1);
    assert_eq!(
        destinations[0]["name"], TRACE_ID,
        "the label the endpoint writes"
    );
    assert_eq!(destinations[0]["datasourceUid"], tempo_uid);

    let dashboards =
        autobot_otel_tests::shipped::files_with_extension(&root.join("dashboards"), "json")
            .unwrap();
    let mut exemplar_panels = 0;
    for path in dashboards {
        let board: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let name = path.display();
        let traces = board["templating"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == "traces")
            .unwrap_or_else(|| panic!("{name}: no `traces` variable"));
        assert_eq!(traces["type"], "datasource", "{name}");
        assert_eq!(traces["query"], tempo["type"].as_str().unwrap(), "{name}");
        assert_eq!(traces["current"]["value"], tempo_uid, "{name}");
        assert_eq!(
            traces["current"]["text"],
            tempo["name"].as_str().unwrap(),
            "{name}"
        );
        for panel in board["panels"].as_array().unwrap() {
            // Rows and text panels have no targets.
            let asks = panel["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|t| t["exemplar"] == true);
            if asks {
                exemplar_panels += 1;
                let links = panel["links"].as_array().unwrap();
                assert!(
                    links
                        .iter()
                        .any(|l| l["url"].as_str().unwrap().contains("${traces}")),
                    "{name}: {}",
                    panel["title"]
                );
            }
        }
    }
    assert!(exemplar_panels > 0, "no panel shows exemplars");
}
