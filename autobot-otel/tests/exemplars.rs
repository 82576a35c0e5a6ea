//! Exemplars end to end inside one process: measurements made inside a sampled
//! `tracing` span (bridged by `tracing-opentelemetry`) carry that span's IDs in
//! the OpenMetrics exposition; the attributes use their own span; measurements
//! outside any span carry none; the text format 0.0.4 never changes.

use autobot_otel::Telemetry;
use autobot_otel::exemplars::ExemplarFilter;
use autobot_otel::instrument_llm;
use autobot_otel::labels::Outcome;
use opentelemetry::trace::{TraceContextExt as _, TracerProvider as _};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::subscriber::with_default;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::layer::SubscriberExt as _;

/// A subscriber bridging spans to an SDK tracer that samples everything (or
/// nothing), exporting nowhere.
fn subscriber(sampled: bool) -> impl tracing::Subscriber + Send + Sync {
    let sampler = if sampled {
        opentelemetry_sdk::trace::Sampler::AlwaysOn
    } else {
        opentelemetry_sdk::trace::Sampler::AlwaysOff
    };
    let provider = SdkTracerProvider::builder().with_sampler(sampler).build();
    tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("exemplars-test")))
}

/// A pipeline without OTLP: the spans are the test's own (exported by its own
/// layer), so the filter is set as an application doing that would set it.
fn pipeline(filter: Option<ExemplarFilter>) -> Telemetry {
    Telemetry::builder()
        .without_otlp()
        .with_env_lookup(|_| None)
        .with_exemplar_filter(filter.unwrap_or(ExemplarFilter::TraceBased))
        .build()
        .expect("pipeline")
}

/// The (trace id, span id) of the current span, as lowercase hex.
fn current_ids() -> (String, String) {
    let cx = tracing::Span::current().context();
    let span = cx.span();
    let sc = span.span_context();
    (sc.trace_id().to_string(), sc.span_id().to_string())
}

/// The exemplar suffix of the line starting with `prefix`, if any.
fn exemplar_of(text: &str, prefix: &str) -> Option<String> {
    let line = text
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line {prefix}\n{text}"));
    line.split_once(" # ").map(|(_, e)| e.to_string())
}

fn ids_of(exemplar: &str) -> (String, String) {
    let field = |name: &str| {
        let start = exemplar.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
        exemplar[start..start + exemplar[start..].find('"').unwrap()].to_string()
    };
    (field("trace_id"), field("span_id"))
}

const LATENCY_BUCKET_05: &str =
    "autobot_llm_request_latency_seconds_bucket{model=\"gpt-4o\",provider=\"openai\",le=\"0.5\"}";
const LATENCY_BUCKET_1: &str =
    "autobot_llm_request_latency_seconds_bucket{model=\"gpt-4o\",provider=\"openai\",le=\"1\"}";
const REQUESTS: &str =
    "autobot_llm_requests_total{model=\"gpt-4o\",provider=\"openai\",request_type=\"chat\"}";

#[test]
fn a_call_inside_a_sampled_span_keeps_its_ids_per_bucket() {
    let t = pipeline(None);
    let ids = with_default(subscriber(true), || {
        let span = tracing::info_span!("llm call");
        let _entered = span.enter();
        t.metrics()
            .record_llm_request("openai", "gpt-4o", "chat", 0.734);
        current_ids()
    });
    let text = t.render(autobot_otel::Exposition::OpenMetrics);
    // The 0.734 s observation lands in the `le="1"` bucket; the counter total too.
    let bucket = exemplar_of(&text, LATENCY_BUCKET_1).expect("bucket exemplar");
    assert_eq!(ids_of(&bucket), ids, "{bucket}");
    assert!(bucket.contains("} 0.734 "), "{bucket}");
    assert_eq!(
        exemplar_of(&text, LATENCY_BUCKET_05),
        None,
        "other buckets keep none"
    );
    let total = exemplar_of(&text, REQUESTS).expect("counter exemplar");
    assert_eq!(ids_of(&total), ids);
    assert!(total.contains("} 1 "), "the increment: {total}");
    // Timestamps are Unix seconds with milliseconds.
    let ts = bucket.rsplit(' ').next().unwrap();
    let (secs, millis) = ts.split_once('.').expect("fraction");
    assert_eq!(millis.len(), 3);
    assert!(secs.parse::<u64>().unwrap() > 1_700_000_000);
    // The test parser reads OpenMetrics and its exemplars too.
    let scrape = autobot_otel::testing::Scrape::parse(&text).expect("parsable");
    let sample = scrape
        .samples()
        .find(|s| s.name == "autobot_llm_request_latency_seconds_bucket" && s.labels["le"] == "1")
        .expect("bucket");
    let exemplar = sample.exemplar.as_ref().expect("exemplar");
    assert_eq!(exemplar.labels["trace_id"], ids.0);
    assert_eq!(exemplar.value, 0.734);
    // The text format has none of it.
    let plain = t.render(autobot_otel::Exposition::Text);
    assert!(!plain.contains(" # "), "{plain}");
    assert!(!plain.contains("# EOF"));
}

#[test]
fn the_latest_exemplar_per_bucket_wins() {
    let t = pipeline(None);
    let record = || {
        let span = tracing::info_span!("call");
        let _entered = span.enter();
        t.metrics()
            .record_llm_request("openai", "gpt-4o", "chat", 0.9);
        current_ids()
    };
    let (first, second) = with_default(subscriber(true), || (record(), record()));
    assert_ne!(first, second);
    let text = t.render(autobot_otel::Exposition::OpenMetrics);
    let bucket = exemplar_of(&text, LATENCY_BUCKET_1).expect("exemplar");
    assert_eq!(ids_of(&bucket), second);
}

#[test]
fn outside_a_span_or_unsampled_there_is_none() {
    let t = pipeline(None);
    t.metrics()
        .record_llm_request("openai", "gpt-4o", "chat", 0.734);
    with_default(subscriber(false), || {
        let span = tracing::info_span!("not sampled");
        let _entered = span.enter();
        t.metrics()
            .record_llm_request("openai", "gpt-4o", "chat", 0.734);
    });
    let text = t.render(autobot_otel::Exposition::OpenMetrics);
    assert!(!text.contains(" # {"), "{text}");
    assert!(text.contains(&format!("{LATENCY_BUCKET_1} 2\n")), "{text}");
}

#[test]
fn always_on_keeps_one_without_a_span_and_always_off_none_at_all() {
    let on = pipeline(Some(ExemplarFilter::AlwaysOn));
    on.metrics()
        .record_llm_request("openai", "gpt-4o", "chat", 0.734);
    let text = on.render(autobot_otel::Exposition::OpenMetrics);
    let bucket = exemplar_of(&text, LATENCY_BUCKET_1).expect("always_on");
    assert!(bucket.starts_with("{} 0.734 "), "{bucket}");

    let off = pipeline(Some(ExemplarFilter::AlwaysOff));
    with_default(subscriber(true), || {
        let span = tracing::info_span!("sampled");
        let _entered = span.enter();
        off.metrics()
            .record_llm_request("openai", "gpt-4o", "chat", 0.734);
    });
    assert!(
        !off.render(autobot_otel::Exposition::OpenMetrics)
            .contains(" # {")
    );
}

#[test]
fn the_variable_sets_the_filter_and_the_builder_wins() {
    let from_env = |value: &'static str| {
        Telemetry::builder()
            .without_otlp()
            .with_env_lookup(move |name| {
                (name == "OTEL_METRICS_EXEMPLAR_FILTER").then(|| value.to_string())
            })
    };
    let t = from_env("always_off").build().unwrap();
    assert_eq!(t.exemplar_filter(), ExemplarFilter::AlwaysOff);
    let t = from_env("always_on").build().unwrap();
    assert_eq!(t.exemplar_filter(), ExemplarFilter::AlwaysOn);
    let t = from_env("bogus").build().unwrap();
    assert_eq!(
        t.exemplar_filter(),
        ExemplarFilter::AlwaysOff,
        "the default"
    );
    let t = from_env("trace_based").build().unwrap();
    assert_eq!(t.exemplar_filter(), ExemplarFilter::TraceBased);
    let t = from_env("always_on")
        .with_exemplar_filter(ExemplarFilter::AlwaysOff)
        .build()
        .unwrap();
    assert_eq!(t.exemplar_filter(), ExemplarFilter::AlwaysOff);
}

#[test]
fn on_by_default_only_when_the_pipeline_exports_spans() {
    use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
    let quiet = Telemetry::builder()
        .without_otlp()
        .with_env_lookup(|_| None)
        .build()
        .unwrap();
    assert_eq!(quiet.exemplar_filter(), ExemplarFilter::AlwaysOff);
    // Spans pushed to a collector (none listens: exports fail in the background).
    let exporting = Telemetry::builder()
        .with_env_lookup(|_| None)
        .with_otlp(OtlpSettings::new(
            "http://127.0.0.1:9",
            OtlpProtocol::HttpProtobuf,
        ))
        .build()
        .unwrap();
    assert!(exporting.tracer_provider().is_some());
    assert_eq!(exporting.exemplar_filter(), ExemplarFilter::TraceBased);
    // Nothing listens: the last export fails, bounded by the shutdown timeout.
    let _ = exporting.shutdown();
}

#[instrument_llm(provider = "openai", model = "gpt-4o")]
fn complete(seconds: f64) -> Result<(String, String), std::io::Error> {
    std::thread::sleep(std::time::Duration::from_secs_f64(seconds));
    Ok(current_ids())
}

#[test]
fn an_attribute_uses_its_own_span() {
    let t = pipeline(None);
    let (outer, inner) = with_default(subscriber(true), || {
        t.in_scope(|| {
            let outer = tracing::info_span!("request");
            let _entered = outer.enter();
            let inner = complete(0.001).expect("ok");
            (current_ids(), inner)
        })
    });
    assert_eq!(outer.0, inner.0, "one trace");
    assert_ne!(outer.1, inner.1, "the attribute's own span");
    let text = t.render(autobot_otel::Exposition::OpenMetrics);
    let line = text
        .lines()
        .find(|l| {
            l.starts_with("autobot_llm_request_latency_seconds_bucket{model=\"gpt-4o\"")
                && l.contains(" # {")
        })
        .unwrap_or_else(|| panic!("an exemplar on the latency\n{text}"));
    let (_, e) = line.split_once(" # ").unwrap();
    assert_eq!(ids_of(e), inner, "{line}");
}

#[test]
fn text_format_is_the_same_with_exemplars_on_and_off() {
    let record = |t: &Telemetry| {
        with_default(subscriber(true), || {
            let span = tracing::info_span!("sampled");
            let _entered = span.enter();
            t.metrics()
                .record_workflow_execution("deploy", Outcome::Success, 1.5);
            t.metrics()
                .record_llm_request("openai", "gpt-4o", "chat", 0.2);
        });
    };
    let on = pipeline(None);
    let off = pipeline(Some(ExemplarFilter::AlwaysOff));
    record(&on);
    record(&off);
    let strip = |s: String| {
        s.lines()
            // (The process metrics' values move between two renders.)
            .filter(|l| {
                !l.starts_with("target_info")
                    && !l.contains("autobot_otel_")
                    && !l.contains(" process_")
                    && !l.starts_with("process_")
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip(on.render(autobot_otel::Exposition::Text)),
        strip(off.render(autobot_otel::Exposition::Text))
    );
    assert!(
        on.render(autobot_otel::Exposition::OpenMetrics)
            .contains(" # {trace_id=\"")
    );
}
