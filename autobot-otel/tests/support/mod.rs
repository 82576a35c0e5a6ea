//! Shared helpers of the instrumentation tests: read the global scrape, capture spans.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use autobot_otel::testing::Scrape;
use tracing::Subscriber;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// The global pipeline's current scrape.
pub fn scrape() -> Scrape {
    Scrape::parse(&autobot_otel::global().render(autobot_otel::Exposition::Text))
        .expect("valid scrape")
}

/// A sample's value. Panics, naming the series, when it is absent: an absent
/// series is not `0` (use [`maybe_value`] where absence is expected).
pub fn value(name: &str, labels: &[(&str, &str)]) -> f64 {
    maybe_value(name, labels).unwrap_or_else(|| panic!("series {name}{labels:?} is absent"))
}

/// A sample's value, `None` when the series is absent.
pub fn maybe_value(name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    scrape().value(name, labels)
}

/// One captured span.
#[derive(Debug, Clone, Default)]
pub struct CapturedSpan {
    pub name: String,
    pub parent: Option<String>,
    pub fields: BTreeMap<String, String>,
}

/// Captures every span's name, parent name and fields (including later records).
#[derive(Clone, Default)]
pub struct Capture(pub Arc<Mutex<Vec<(u64, CapturedSpan)>>>);

impl Capture {
    pub fn spans(&self) -> Vec<CapturedSpan> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|(_, s)| s.clone())
            .collect()
    }

    pub fn span(&self, name: &str) -> CapturedSpan {
        self.spans()
            .into_iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no span {name}: {:?}", self.spans()))
    }
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut span = CapturedSpan {
            name: attrs.metadata().name().to_string(),
            ..Default::default()
        };
        span.parent = ctx
            .span(id)
            .and_then(|s| s.parent())
            .map(|p| p.name().to_string());
        attrs.record(&mut Fields(&mut span.fields));
        self.0.lock().unwrap().push((id.into_u64(), span));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut spans = self.0.lock().unwrap();
        if let Some((_, span)) = spans.iter_mut().rev().find(|(i, _)| *i == id.into_u64()) {
            values.record(&mut Fields(&mut span.fields));
        }
    }
}

/// Keeps (target, level, message) of every event.
#[derive(Clone, Default)]
pub struct Events(pub Arc<Mutex<Vec<(String, tracing::Level, String)>>>);

impl Events {
    /// The events logged under `target`.
    pub fn under(&self, target: &str) -> Vec<(String, tracing::Level, String)> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(t, _, _)| t == target)
            .cloned()
            .collect()
    }
}

struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0 = format!("{value:?}");
        }
    }
}

impl<S: Subscriber> Layer<S> for Events {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut message = Message(String::new());
        event.record(&mut message);
        let meta = event.metadata();
        self.0
            .lock()
            .unwrap()
            .push((meta.target().to_string(), *meta.level(), message.0));
    }
}

/// Runs `f` with the events it logs on this thread captured.
pub fn with_logs<T>(f: impl FnOnce() -> T) -> (T, Events) {
    use tracing_subscriber::layer::SubscriberExt;
    let events = Events::default();
    let subscriber = tracing_subscriber::registry().with(events.clone());
    let out = tracing::subscriber::with_default(subscriber, || {
        // Scoped subscribers of tests on other threads come and go; make sure
        // the callsites see this one.
        tracing::callsite::rebuild_interest_cache();
        f()
    });
    (out, events)
}

/// A subscriber with a [`Capture`] layer, for `tracing::subscriber::set_default`.
pub fn capturing() -> (impl Subscriber + Send + Sync, Capture) {
    use tracing_subscriber::layer::SubscriberExt;
    let capture = Capture::default();
    (
        tracing_subscriber::registry().with(capture.clone()),
        capture,
    )
}

/// A pipeline that pushes OTLP/HTTP to a loopback port refusing connections (every
/// export fails), with an hourly push so that only explicit flushes export.
pub fn telemetry_with_refusing_collector() -> autobot_otel::Telemetry {
    use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
    let refused = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = refused.local_addr().unwrap().port();
    drop(refused);
    autobot_otel::Telemetry::builder()
        .with_otlp(
            OtlpSettings::new(
                format!("http://127.0.0.1:{port}"),
                OtlpProtocol::HttpProtobuf,
            )
            .with_export_interval(std::time::Duration::from_secs(3600)),
        )
        .with_shutdown_timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap()
}
