//! Spans as an OpenTelemetry exporter receives them, in process: a
//! `tracing-opentelemetry` subscriber over a tracer provider whose simple
//! exporter keeps every span (sampled always). Shared by the tests that read
//! exported span names, kinds, parents and attributes (`agents.rs`,
//! `agent_streams.rs`, `invocation_rollup.rs`).
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use autobot_otel::testing::Scrape;
use autobot_otel::{Exposition, Telemetry};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use tracing_subscriber::layer::SubscriberExt as _;

/// Keeps every exported span.
#[derive(Clone, Debug, Default)]
pub struct Spans(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Spans {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.lock().unwrap().extend(batch);
        Ok(())
    }
}

impl Spans {
    /// Every span exported so far.
    pub fn data(&self) -> Vec<SpanData> {
        self.0.lock().unwrap().clone()
    }

    /// The spans named `name`.
    pub fn named(&self, name: &str) -> Vec<SpanData> {
        self.data().into_iter().filter(|s| s.name == name).collect()
    }

    /// The one span named `name` (fails naming every span exported otherwise).
    pub fn one(&self, name: &str) -> SpanData {
        let mut found = self.named(name);
        let names: Vec<String> = self.data().iter().map(|s| s.name.to_string()).collect();
        assert_eq!(found.len(), 1, "one span {name} among {names:?}");
        found.remove(0)
    }
}

/// A subscriber exporting every span to the returned [`Spans`]; keep the
/// provider alive while spans are recorded.
pub fn exporting(
    tracer: &'static str,
) -> (
    impl tracing::Subscriber + Send + Sync,
    Spans,
    SdkTracerProvider,
) {
    // tracing-core caches a callsite's interest from the registering thread's
    // own subscriber alone while at most one `Dispatch` is registered
    // (`has_just_one`): a test without a subscriber that first reaches a
    // callsite while this test's dispatch is the only one caches `never`, and
    // this test's spans of that callsite vanish. A second, process-long
    // dispatch makes every registration ask all of them.
    static SECOND_DISPATCH: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    SECOND_DISPATCH.get_or_init(|| tracing::Dispatch::new(tracing_subscriber::registry()));
    let spans = Spans::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(spans.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer(tracer)));
    (subscriber, spans, provider)
}

/// A pipeline of the span tests: no OTLP, no environment, the GenAI metrics on.
pub fn pipeline() -> Telemetry {
    Telemetry::builder()
        .without_otlp()
        .with_env_lookup(|_| None)
        .with_genai_metrics(true)
        .build()
        .expect("pipeline")
}

/// `t`'s text scrape, parsed.
pub fn scrape(t: &Telemetry) -> Scrape {
    Scrape::parse(&t.render(Exposition::Text)).expect("valid scrape")
}
