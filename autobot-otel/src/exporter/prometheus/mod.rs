//! A Prometheus text exposition (format 0.0.4) written straight from the SDK's
//! collected data: the families, `# HELP`/`# TYPE` lines and samples that
//! `opentelemetry-prometheus` 0.33 plus `prometheus::TextEncoder` 0.14
//! produced, without the intermediate `prometheus::proto` structs, with
//! invalid names made valid and the series of a family in label-text order.
//!
//! [`PrometheusTextReader`] is a [`MetricReader`] (a cumulative
//! [`ManualReader`] inside, as `opentelemetry_prometheus::PrometheusExporter`
//! has); [`PrometheusTextReader::render`] collects and appends the text to a
//! `String`. Its content equals that of
//! `opentelemetry_prometheus::exporter().with_registry(r).scope_info_enabled(false).build()`
//! read through `TextEncoder::encode(&r.gather())`: `target_info` from the
//! resource, no `otel_scope_*` labels, unit suffixes and the counter `_total`
//! suffix on, no namespace, no resource labels on the series.
//!
//! ```
//! use autobot_otel::prometheus::PrometheusTextReader;
//! use opentelemetry::{KeyValue, metrics::MeterProvider as _};
//! use opentelemetry_sdk::{Resource, metrics::SdkMeterProvider};
//!
//! let reader = PrometheusTextReader::new();
//! let provider = SdkMeterProvider::builder()
//!     .with_resource(Resource::builder_empty().with_service_name("demo").build())
//!     .with_reader(reader.clone()) // keep a clone to render
//!     .build();
//! let counter = provider
//!     .meter("demo")
//!     .u64_counter("http.requests")
//!     .with_description("Requests served")
//!     .build();
//! counter.add(3, &[KeyValue::new("http.method", "GET")]);
//!
//! let mut text = String::new();
//! reader.render(&mut text)?;
//! assert_eq!(
//!     text,
//!     concat!(
//!         "# HELP http_requests_total Requests served\n",
//!         "# TYPE http_requests_total counter\n",
//!         "http_requests_total{http_method=\"GET\"} 3\n",
//!         "# HELP target_info Target metadata\n",
//!         "# TYPE target_info gauge\n",
//!         "target_info{service_name=\"demo\"} 1\n",
//!     )
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The rules
//!
//! - **Families** are sorted by name (byte order); a family's `# HELP` and
//!   `# TYPE` come from the first instrument seen under that name, the one
//!   that is remembered across scrapes (`validate_metrics`): a later
//!   instrument whose Prometheus name matches but whose type differs is
//!   left out, one whose description differs gets the remembered one.
//!   Which instrument is "first" when several appear in one collection, and
//!   the catalog's precedence, are decided as in [Conflicts](#conflicts).
//!   `# HELP` is left out when the help is empty. `target_info` (help
//!   `Target metadata`, type gauge, value 1, one label per resource attribute)
//!   is present when the resource has attributes; it comes first among the
//!   `target_info` series, before any instrument named `target_info`.
//! - **Series** in a family are sorted by their label text (`k="v",k2="v2"`
//!   as written, byte order; a series without labels first), then in
//!   collection order; `target_info` from the resource comes first among the
//!   `target_info` series. The order depends only on the label sets, so the
//!   same data renders the same bytes in every process. (The upstream
//!   exporter sorted by label count, then values; the text format requires
//!   no order, and this one costs one short comparison per step of the sort
//!   instead of a second walk over the SDK's attributes.)
//! - **Labels** in a series are sorted by label name (the sanitized key, see
//!   below); attribute keys that sanitize to the same label are merged into
//!   one label whose value is their values, ordered by original key, joined
//!   with `;`. Histogram buckets add `le` last.
//! - **Names**: the instrument name is sanitized, then `_<unit>` is appended
//!   for known units (`s` → `seconds`, `By` → `bytes`, `1` → `ratio`,
//!   `m/s` → `meters_per_second`, ...; annotations like `{request}` add
//!   nothing), then `_total` for monotonic sums.
//! - **Escaping**: label values escape `\`, `"` and newline; `# HELP` text
//!   escapes `\` and newline; nothing else is touched.
//! - **Numbers** are Rust's `f64` `Display`: integers without a fraction
//!   (`3`, `-0`), no exponent ever, `inf`, `-inf`, `NaN`. Integer values
//!   (`u64`, `i64`) are converted to `f64` first, as the old path does.
//!   Bucket bounds are written the same way; the last bucket is `le="+Inf"`.
//! - Exponential histograms are left out, as before.
//!
//! # Conflicts
//!
//! Instruments whose Prometheus names are equal form one family. The SDK
//! hands their scopes (meters) over in hash order, which differs from one
//! provider to the next; the old path took the first one it saw, so which
//! instrument won a conflict changed from run to run. Here the outcome is
//! fixed:
//!
//! 1. Entries are resolved in this order: the resource's `target_info`; the
//!    instruments of the catalog's scope `autobot-otel`
//!    ([`crate::catalog::SCOPE_NAME`]); the other scopes sorted by name,
//!    version, schema URL, then attributes. Within one scope, instruments
//!    come in creation order (the SDK's own order).
//! 2. The catalog's scope owns its names: when a family has an instrument of
//!    scope `autobot-otel`, every instrument of another scope under that
//!    name is left out, whatever its type. When the collection holds the
//!    catalog's scope at all (always in a [`crate::Telemetry`] pipeline,
//!    whose self-metrics report every time), the names of the catalog
//!    metrics and of the `autobot_otel_*` self-metrics are owned even
//!    before the catalog instrument has recorded anything, so another
//!    scope's instrument never takes such a name in the meantime. A reader
//!    without that scope (this one used on its own) reserves nothing.
//! 3. Otherwise the family's type and help are the remembered ones (first
//!    resolved in the first scrape that had the name) and instruments of
//!    another type are left out, as in the old path; the catalog's scope
//!    replaces what another scope left remembered under a name it takes.
//!
//! A left-out instrument is logged once per family (a `WARN` under the
//! target `autobot_otel::collect`, [`crate::diagnostics::COLLECT`], naming the
//! family, the instrument, its scope and type, and what was kept) and
//! counted in the self-metric `autobot_otel_instrument_conflicts{metric}`
//! (see [`crate::catalog::self_metrics`]): the number of instruments the last render
//! left out of that family. That gauge is observed during the collection,
//! before the render finds out what it leaves out; when the count changed,
//! the render collects once more, so every scrape reports its own conflicts.
//! On the OTLP path nothing is left out (each instrument keeps its scope);
//! the gauge there reports the last scrape.
//!
//! # Against the upstream exporter
//!
//! Where this output differs from `opentelemetry-prometheus` + `prometheus::TextEncoder`,
//! and which invalid or reserved names it makes valid, is told in
//! `docs/prometheus-exposition.md`; `autobot-otel/tests/exposition_equivalent.rs`
//! renders both ways from one provider and compares them.
//!
//! `opentelemetry_sdk`'s `experimental_metrics_custom_reader` feature is
//! needed for [`MetricReader`]; the workspace enables it.

pub(crate) mod exposition;
mod families;
mod format;
mod labels;
mod series;
mod text;

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::reader::MetricReader;
use opentelemetry_sdk::metrics::{InstrumentKind, ManualReader, Pipeline, Temporality};

use crate::diagnostics::Conflicts;
use crate::exemplars::ExemplarSource;
use families::State;
pub(crate) use text::Format;

/// A metric reader that renders the Prometheus text exposition format itself.
///
/// Attach a clone to the meter provider and keep one to render: clones share
/// the same reader. Only one provider can use it (the first one registered).
///
/// ```
/// use autobot_otel::prometheus::PrometheusTextReader;
/// use opentelemetry::metrics::MeterProvider as _;
/// use opentelemetry_sdk::{Resource, metrics::SdkMeterProvider};
///
/// let reader = PrometheusTextReader::new();
/// let provider = SdkMeterProvider::builder()
///     .with_resource(Resource::builder_empty().build())
///     .with_reader(reader.clone())
///     .build();
/// let queue = provider.meter("app").i64_up_down_counter("queue.size").build();
/// queue.add(-2, &[]);
///
/// let text = reader.render_to_string()?;
/// assert_eq!(text, "# TYPE queue_size gauge\nqueue_size -2\n");
/// # Ok::<(), opentelemetry_sdk::error::OTelSdkError>(())
/// ```
#[derive(Clone)]
pub struct PrometheusTextReader {
    inner: Arc<Inner>,
}

struct Inner {
    reader: ManualReader,
    state: Mutex<State>,
    conflicts: Arc<Conflicts>,
}

impl fmt::Debug for PrometheusTextReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrometheusTextReader")
            .finish_non_exhaustive()
    }
}

impl Default for PrometheusTextReader {
    fn default() -> Self {
        Self::new()
    }
}

impl PrometheusTextReader {
    /// A reader with cumulative temporality, not yet attached to a provider.
    ///
    /// ```
    /// let reader = autobot_otel::prometheus::PrometheusTextReader::new();
    /// // Not attached to a provider: nothing to collect.
    /// assert!(reader.render_to_string().is_err());
    /// ```
    pub fn new() -> Self {
        PrometheusTextReader {
            inner: Arc::new(Inner {
                reader: ManualReader::builder()
                    .with_temporality(Temporality::Cumulative)
                    .build(),
                state: Mutex::new(State::default()),
                conflicts: Arc::default(),
            }),
        }
    }

    /// Collects every metric and appends their text exposition to `out`.
    ///
    /// Fails when the collection fails (the reader is not attached to a
    /// provider, or the provider was shut down) and when a view gave an
    /// instrument an empty name (prometheus' encoder refuses that too); `out`
    /// is then left as it was. The old path served an empty scrape in those
    /// cases. Concurrent calls run one after the other. `out` is reserved
    /// for the size of the previous render, so one allocation usually does.
    ///
    /// ```
    /// use autobot_otel::prometheus::PrometheusTextReader;
    /// use opentelemetry::{KeyValue, metrics::MeterProvider as _};
    /// use opentelemetry_sdk::{Resource, metrics::SdkMeterProvider};
    ///
    /// let reader = PrometheusTextReader::new();
    /// let provider = SdkMeterProvider::builder()
    ///     .with_resource(Resource::builder_empty().build())
    ///     .with_reader(reader.clone())
    ///     .build();
    /// let latency = provider
    ///     .meter("app")
    ///     .f64_histogram("rpc.latency")
    ///     .with_unit("s")
    ///     .with_boundaries(vec![0.5, 2.5])
    ///     .build();
    /// latency.record(1.25, &[KeyValue::new("rpc", "say \"hi\"")]);
    ///
    /// let mut out = String::new();
    /// reader.render(&mut out)?;
    /// assert_eq!(
    ///     out,
    ///     "# TYPE rpc_latency_seconds histogram\n\
    ///      rpc_latency_seconds_bucket{rpc=\"say \\\"hi\\\"\",le=\"0.5\"} 0\n\
    ///      rpc_latency_seconds_bucket{rpc=\"say \\\"hi\\\"\",le=\"2.5\"} 1\n\
    ///      rpc_latency_seconds_bucket{rpc=\"say \\\"hi\\\"\",le=\"+Inf\"} 1\n\
    ///      rpc_latency_seconds_sum{rpc=\"say \\\"hi\\\"\"} 1.25\n\
    ///      rpc_latency_seconds_count{rpc=\"say \\\"hi\\\"\"} 1\n"
    /// );
    /// # Ok::<(), opentelemetry_sdk::error::OTelSdkError>(())
    /// ```
    pub fn render(&self, out: &mut String) -> Result<(), OTelSdkError> {
        self.render_format(out, Format::Text, None)
    }

    /// As [`render`](Self::render), in OpenMetrics 1.0
    /// (`application/openmetrics-text; version=1.0.0`): counter families named
    /// without `_total` (their samples keep it), `# UNIT` for names that end
    /// with their unit, `+Inf`/`-Inf` for infinite values, `"` escaped in
    /// `# HELP`, and `# EOF` last. A family whose OpenMetrics names would
    /// clash with an earlier family's (a gauge `x` and a counter `x_total`) is
    /// left out of it and logged once. A reader used on its own has no
    /// exemplars to serve; a [`crate::Telemetry`] pipeline's has
    /// ([`crate::exemplars`]).
    ///
    /// ```
    /// use autobot_otel::prometheus::PrometheusTextReader;
    /// use opentelemetry::metrics::MeterProvider as _;
    /// use opentelemetry_sdk::{Resource, metrics::SdkMeterProvider};
    ///
    /// let reader = PrometheusTextReader::new();
    /// let provider = SdkMeterProvider::builder()
    ///     .with_resource(Resource::builder_empty().build())
    ///     .with_reader(reader.clone())
    ///     .build();
    /// let sent = provider.meter("app").u64_counter("sent").with_unit("By").build();
    /// sent.add(5, &[]);
    ///
    /// let mut out = String::new();
    /// reader.render_openmetrics(&mut out)?;
    /// assert_eq!(
    ///     out,
    ///     "# TYPE sent_bytes counter\n# UNIT sent_bytes bytes\nsent_bytes_total 5\n# EOF\n"
    /// );
    /// # Ok::<(), opentelemetry_sdk::error::OTelSdkError>(())
    /// ```
    pub fn render_openmetrics(&self, out: &mut String) -> Result<(), OTelSdkError> {
        self.render_format(out, Format::OpenMetrics, None)
    }

    /// Renders in `format`, with the exemplars of `exemplars` (OpenMetrics).
    pub(crate) fn render_format(
        &self,
        out: &mut String,
        format: Format,
        exemplars: Option<&dyn ExemplarSource>,
    ) -> Result<(), OTelSdkError> {
        // The state is a cache plus the name registry; it stays consistent
        // even if a render panicked, so a poisoned lock is taken over.
        let mut state = self
            .inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut rm = ResourceMetrics::default();
        let start = out.len();
        out.reserve(state.last_len + state.last_len / 16);
        // The conflicts self-metric is observed during the collection, before
        // this render finds out what it leaves out: when that changed, collect
        // once more so the scrape reports its own conflicts.
        for attempt in 0..2 {
            if let Err(err) = self.inner.reader.collect(&mut rm) {
                out.truncate(start);
                return Err(err);
            }
            out.truncate(start);
            match families::render_metrics(&rm, &mut state, out, format, exemplars) {
                Ok(dropped) => {
                    if self.inner.conflicts.publish(dropped) && attempt == 0 {
                        continue;
                    }
                    break;
                }
                Err(err) => {
                    out.truncate(start);
                    return Err(err);
                }
            }
        }
        state.last_len = out.len() - start;
        Ok(())
    }

    /// The instruments left out of the last render, by family (shared with
    /// the `autobot_otel_instrument_conflicts` self-metric).
    pub(crate) fn conflicts(&self) -> Arc<Conflicts> {
        self.inner.conflicts.clone()
    }

    /// [`render`](Self::render) into a new `String`.
    ///
    /// ```
    /// let reader = autobot_otel::prometheus::PrometheusTextReader::new();
    /// let provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder()
    ///     .with_reader(reader.clone())
    ///     .build();
    /// let text = reader.render_to_string()?;
    /// assert!(text.starts_with("# HELP target_info Target metadata\n"));
    /// # Ok::<(), opentelemetry_sdk::error::OTelSdkError>(())
    /// ```
    pub fn render_to_string(&self) -> Result<String, OTelSdkError> {
        let mut out = String::new();
        self.render(&mut out)?;
        Ok(out)
    }
}

impl MetricReader for PrometheusTextReader {
    fn register_pipeline(&self, pipeline: Weak<Pipeline>) {
        self.inner.reader.register_pipeline(pipeline)
    }

    fn collect(&self, rm: &mut ResourceMetrics) -> OTelSdkResult {
        self.inner.reader.collect(rm)
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.inner.reader.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.inner.reader.shutdown_with_timeout(timeout)
    }

    /// Always cumulative: Prometheus has no delta temporality.
    fn temporality(&self, _kind: InstrumentKind) -> Temporality {
        Temporality::Cumulative
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::COLLECT as LOG_TARGET;
    use opentelemetry::KeyValue;
    use std::fmt::Write as _;
    use std::sync::Mutex;

    /// A provider with `resource`, its reader, and a view renaming `renamed`.
    fn provider(
        resource: &[KeyValue],
    ) -> (
        opentelemetry_sdk::metrics::SdkMeterProvider,
        PrometheusTextReader,
    ) {
        use opentelemetry_sdk::metrics::{Instrument, SdkMeterProvider, Stream};
        let reader = PrometheusTextReader::new();
        let provider = SdkMeterProvider::builder()
            .with_resource(
                opentelemetry_sdk::Resource::builder_empty()
                    .with_attributes(resource.to_vec())
                    .build(),
            )
            .with_reader(reader.clone())
            .with_view(|i: &Instrument| match i.name() {
                "renamed" => Stream::builder().with_name("métrique.1").build().ok(),
                "digit" => Stream::builder().with_name("1st.x").build().ok(),
                _ => None,
            })
            .build();
        (provider, reader)
    }

    #[test]
    fn invalid_keys_and_names_render_a_parsable_scrape() {
        use opentelemetry::metrics::MeterProvider as _;
        let (provider, reader) = provider(&[
            KeyValue::new("1abc", "digit"),
            KeyValue::new("", "empty"),
            KeyValue::new("a:b", "colon"),
            KeyValue::new("__name__", "reserved"),
            KeyValue::new("clé", "accent"),
            KeyValue::new("__team", "core"),
            KeyValue::new("..x", "dots"),
            KeyValue::new("日本", "cjk"),
        ]);
        let m = provider.meter("t");
        let h = m.f64_histogram("h").with_boundaries(vec![1.0]).build();
        h.record(
            0.5,
            &[
                KeyValue::new("le", "mine"),
                KeyValue::new("", "e"),
                KeyValue::new("1x", "d"),
            ],
        );
        let c = m.u64_counter("renamed").build();
        c.add(
            2,
            &[
                KeyValue::new("1abc", "x"),
                KeyValue::new("key_1abc", "y"),
                KeyValue::new("le", "counter le"),
            ],
        );
        m.u64_counter("digit").build().add(1, &[]);
        let text = reader.render_to_string().expect("render");
        assert_eq!(
            text,
            concat!(
                "# TYPE _1st_x_total counter\n",
                "_1st_x_total 1\n",
                "# TYPE h histogram\n",
                "h_bucket{key_=\"e\",key_1x=\"d\",key_le=\"mine\",le=\"1\"} 1\n",
                "h_bucket{key_=\"e\",key_1x=\"d\",key_le=\"mine\",le=\"+Inf\"} 1\n",
                "h_sum{key_=\"e\",key_1x=\"d\",key_le=\"mine\"} 0.5\n",
                "h_count{key_=\"e\",key_1x=\"d\",key_le=\"mine\"} 1\n",
                "# TYPE m_trique_1_total counter\n",
                "m_trique_1_total{key_1abc=\"x;y\",le=\"counter le\"} 2\n",
                "# HELP target_info Target metadata\n",
                "# TYPE target_info gauge\n",
                "target_info{a_b=\"colon\",cl_=\"accent\",key_=\"empty\",key_1abc=\"digit\",key__=\"cjk\",key__name__=\"reserved\",key__team=\"core\",key__x=\"dots\"} 1\n",
            )
        );
        let scrape = crate::testing::Scrape::parse(&text).expect("parsable");
        assert_eq!(
            scrape.value(
                "h_count",
                &[("key_", "e"), ("key_1x", "d"), ("key_le", "mine")]
            ),
            Some(1.0)
        );
    }

    #[test]
    fn keys_merging_under_a_new_name_keep_one_label() {
        use opentelemetry::metrics::MeterProvider as _;
        let (provider, reader) = provider(&[]);
        let g = provider.meter("t").i64_gauge("g").build();
        // `1` and `key_1` are the label `key_1`, `1.` and `1:` the label
        // `key_1_`; values in original key order.
        g.record(
            1,
            &[
                KeyValue::new("key_1", "d"),
                KeyValue::new("1", "a"),
                KeyValue::new("1.", "b"),
                KeyValue::new("1:", "c"),
            ],
        );
        g.record(2, &[KeyValue::new("", "x"), KeyValue::new("key_", "y")]);
        let text = reader.render_to_string().expect("render");
        assert_eq!(
            text,
            // Series in label-text order: `key_1=` before `key_=`.
            "# TYPE g gauge\ng{key_1=\"a;d\",key_1_=\"b;c\"} 1\ng{key_=\"x;y\"} 2\n"
        );
        crate::testing::Scrape::parse(&text).expect("parsable");
    }

    /// Keeps the target and text (message and fields) of every event.
    #[derive(Clone, Default)]
    struct Events(Arc<Mutex<Vec<(String, String)>>>);

    struct Fields(String);

    impl tracing::field::Visit for Fields {
        fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Events {
        fn on_event(
            &self,
            event: &tracing::Event<'_>,
            _: tracing_subscriber::layer::Context<'_, S>,
        ) {
            let mut fields = Fields(String::new());
            event.record(&mut fields);
            let target = event.metadata().target().to_string();
            self.0
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push((target, fields.0));
        }
    }

    /// Serializes the tests that render conflicts: tracing registers a callsite
    /// on its first hit with the subscribers alive then, so a test without a
    /// subscriber hitting the conflict warning first, on another thread, could
    /// leave it disabled for the test that captures it.
    fn serial() -> std::sync::MutexGuard<'static, ()> {
        static SERIAL: Mutex<()> = Mutex::new(());
        SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `f` with the events it logs on this thread captured.
    fn capture<T>(f: impl FnOnce() -> T) -> (T, Vec<(String, String)>) {
        use tracing_subscriber::layer::SubscriberExt as _;
        let events = Events::default();
        let subscriber = tracing_subscriber::registry().with(events.clone());
        let out = tracing::subscriber::with_default(subscriber, || {
            // Other tests' scoped subscribers come and go on other threads;
            // make sure this thread's callsites see this one.
            tracing::callsite::rebuild_interest_cache();
            f()
        });
        let logged = events
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        (out, logged)
    }

    /// A fresh pipeline with the catalog, without OTLP.
    fn pipeline() -> crate::Telemetry {
        crate::Telemetry::builder()
            .without_otlp()
            .enabled(true)
            .build()
            .expect("pipeline")
    }

    /// An application gauge named like a catalog counter, on its own meter:
    /// before, the family went to whichever scope the SDK's hash order listed
    /// first, so the catalog counter vanished in some pipelines. Now the
    /// catalog always keeps it, in every fresh pipeline.
    #[test]
    fn the_catalog_keeps_its_family_against_another_scope() {
        let _serial = serial();
        use crate::labels::Outcome;
        use opentelemetry::metrics::MeterProvider as _;
        const ROUNDS: usize = 24;
        for round in 0..ROUNDS {
            let t = pipeline();
            let provider = t.meter_provider().expect("enabled");
            // Two other scopes, one of each type, created before the
            // catalog instrument records anything.
            let gauge = provider
                .meter("app")
                .f64_gauge("autobot_workflow_executions_total")
                .with_description("the application's own")
                .build();
            gauge.record(-7.0, &[KeyValue::new("workflow_type", "app")]);
            let counter = provider
                .meter("zz-app")
                .u64_counter("autobot_workflow_executions")
                .build();
            counter.add(9, &[KeyValue::new("workflow_type", "app")]);
            t.metrics()
                .record_workflow_execution("deploy", Outcome::Success, 1.0);
            let ((first, second), logged) = capture(|| {
                (
                    t.render(crate::Exposition::Text),
                    t.render(crate::Exposition::Text),
                )
            });
            for text in [&first, &second] {
                let s = crate::testing::Scrape::parse(text).expect("parsable");
                let family = s
                    .family("autobot_workflow_executions_total")
                    .unwrap_or_else(|| panic!("round {round}: family missing\n{text}"));
                assert_eq!(family.kind, "counter", "round {round}\n{text}");
                assert_eq!(
                    family.help,
                    crate::catalog::MetricId::WorkflowExecutionsTotal.def().help,
                    "round {round}"
                );
                assert_eq!(family.samples.len(), 1, "round {round}: {family:?}");
                assert_eq!(
                    s.value(
                        "autobot_workflow_executions_total",
                        &[("workflow_type", "deploy"), ("status", "success")]
                    ),
                    Some(1.0),
                    "round {round}"
                );
                // Counted in the same scrape that left them out.
                assert_eq!(
                    s.value(
                        "autobot_otel_instrument_conflicts",
                        &[("metric", "autobot_workflow_executions_total")]
                    ),
                    Some(2.0),
                    "round {round}\n{text}"
                );
            }
            let warnings: Vec<&(String, String)> = logged
                .iter()
                .filter(|(_, text)| text.contains("left out of the Prometheus scrape"))
                .collect();
            assert_eq!(
                warnings.len(),
                1,
                "round {round}: once per family: {logged:?}"
            );
            let (target, text) = warnings[0];
            assert_eq!(target, LOG_TARGET);
            for part in [
                "metric=autobot_workflow_executions_total",
                "scope=\"app\"",
                "kept_scope=\"autobot-otel\"",
                "left_out=2",
            ] {
                assert!(text.contains(part), "{part}: {text}");
            }
        }
    }

    /// A catalog family with no data yet is still reserved: another scope's
    /// instrument does not take its name in the meantime.
    #[test]
    fn catalog_names_stay_reserved_before_the_catalog_records() {
        let _serial = serial();
        use opentelemetry::metrics::MeterProvider as _;
        let t = pipeline();
        let provider = t.meter_provider().expect("enabled");
        provider
            .meter("app")
            .u64_gauge("autobot_active_tasks")
            .build()
            .record(3, &[]);
        let text = t.render(crate::Exposition::Text);
        let s = crate::testing::Scrape::parse(&text).expect("parsable");
        assert!(s.family("autobot_active_tasks").is_none(), "{text}");
        assert_eq!(
            s.value(
                "autobot_otel_instrument_conflicts",
                &[("metric", "autobot_active_tasks")]
            ),
            Some(1.0),
            "{text}"
        );
        // Once the catalog records, its family appears; still one left out.
        t.metrics().inc_active_tasks("lint", "linter");
        let text = t.render(crate::Exposition::Text);
        let s = crate::testing::Scrape::parse(&text).expect("parsable");
        assert_eq!(
            s.value(
                "autobot_active_tasks",
                &[("task_type", "lint"), ("agent_type", "linter")]
            ),
            Some(1.0),
            "{text}"
        );
        assert_eq!(
            s.family("autobot_active_tasks").map(|f| f.samples.len()),
            Some(1)
        );
    }

    /// Used on its own (no `autobot-otel` scope in the collection), the
    /// reader reserves no name: an instrument named like a catalog metric
    /// renders as any other.
    #[test]
    fn a_reader_without_the_catalog_scope_reserves_nothing() {
        let _serial = serial();
        use opentelemetry::metrics::MeterProvider as _;
        let (provider, reader) = provider(&[]);
        provider
            .meter("bench")
            .u64_counter("autobot_workflow_steps_executed")
            .build()
            .add(4, &[]);
        assert_eq!(
            reader.render_to_string().expect("render"),
            "# TYPE autobot_workflow_steps_executed_total counter\n\
             autobot_workflow_steps_executed_total 4\n"
        );
        assert!(reader.conflicts().snapshot().is_empty());
    }

    /// Between two other scopes, the first by scope name decides the type,
    /// whatever order the SDK lists them in; the loser is counted too.
    #[test]
    fn other_scopes_resolve_by_scope_name() {
        let _serial = serial();
        use opentelemetry::metrics::MeterProvider as _;
        for round in 0..16 {
            let (provider, reader) = provider(&[]);
            let conflicts = reader.conflicts();
            // Created first, but its scope sorts last.
            provider
                .meter("zeta")
                .f64_gauge("shared_total")
                .build()
                .record(1.5, &[]);
            provider
                .meter("alpha")
                .u64_counter("shared")
                .build()
                .add(2, &[]);
            let text = reader.render_to_string().expect("render");
            assert_eq!(
                text, "# TYPE shared_total counter\nshared_total 2\n",
                "round {round}"
            );
            assert_eq!(conflicts.snapshot(), [("shared_total".to_string(), 1)]);
        }
    }
}
