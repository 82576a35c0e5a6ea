//! [`Telemetry`]: a built pipeline (its meter provider, its one reader, the
//! recording API, the OTLP push) and the renderings of the exposition.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::reader::MetricReader;

use super::builder::TelemetryBuilder;
use super::guard::DEFAULT_SHUTDOWN_TIMEOUT;
use crate::catalog::SCOPE_NAME;
use crate::diagnostics::{Diagnostics, guarded};
use crate::exemplars::ExemplarFilter;
use crate::exporter::PipelineReader;
use crate::manager::rolling::{Clock, SystemClock};
use crate::manager::{Buckets, MetricsManager, SeriesLimits};
use crate::otlp::{OtlpPush, OtlpSettings, OtlpState};

#[cfg(feature = "prometheus")]
use crate::Exposition;

pub(super) struct Inner {
    pub(super) meter_provider: Option<SdkMeterProvider>,
    pub(super) reader: Option<PipelineReader>,
    pub(super) metrics: MetricsManager,
    pub(super) otlp: Option<OtlpPush>,
    /// The process metrics' instruments, when on (kept alive with the pipeline).
    #[cfg(target_os = "linux")]
    pub(super) _process: Option<crate::process::ProcessMetrics>,
    pub(super) shutdown_started: AtomicBool,
    pub(super) shutdown_timeout: Duration,
    pub(super) scrapes: crate::diagnostics::ScrapeStatus,
}

/// A built pipeline: the meter provider with its readers, the recording API and the
/// Prometheus text rendering. Cheap to clone (shared).
///
/// ```
/// use autobot_otel::Telemetry;
/// let telemetry = Telemetry::builder().without_otlp().build().unwrap();
/// telemetry.metrics().set_llm_provider_availability("openai", true);
/// assert!(telemetry
///     .render(autobot_otel::Exposition::Text)
///     .contains(r#"autobot_llm_provider_availability{provider="openai"} 1"#));
/// ```
#[derive(Clone)]
pub struct Telemetry {
    pub(super) inner: Arc<Inner>,
}

impl std::fmt::Debug for Telemetry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Telemetry")
            .field("enabled", &self.is_enabled())
            .field("otlp", &self.otlp_settings())
            .finish_non_exhaustive()
    }
}

impl Telemetry {
    /// A builder starting from the environment (see [`TelemetryBuilder::from_env`]).
    pub fn builder() -> TelemetryBuilder {
        TelemetryBuilder::from_env()
    }

    /// A pipeline that records nothing and exports nothing (`OTEL_SDK_DISABLED`).
    ///
    /// ```
    /// let t = autobot_otel::Telemetry::disabled();
    /// t.metrics().record_cache_hit("embedding");
    /// assert_eq!(t.render(autobot_otel::Exposition::Text), "");
    /// ```
    pub fn disabled() -> Telemetry {
        Telemetry::disabled_with_clock(Arc::new(SystemClock::new()))
    }

    pub(super) fn disabled_with_clock(clock: Arc<dyn Clock>) -> Telemetry {
        let meter = opentelemetry::metrics::MeterProvider::meter(
            &SdkMeterProvider::builder().build(),
            SCOPE_NAME,
        );
        Telemetry {
            inner: Arc::new(Inner {
                meter_provider: None,
                reader: None,
                metrics: MetricsManager::new(
                    &meter,
                    clock,
                    SeriesLimits::new(&[]),
                    Buckets::new(&[]),
                    Arc::new(Diagnostics::default()),
                    ExemplarFilter::AlwaysOff,
                    false,
                ),
                otlp: None,
                #[cfg(target_os = "linux")]
                _process: None,
                shutdown_started: AtomicBool::new(false),
                shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
                scrapes: Default::default(),
            }),
        }
    }

    /// Whether the SDK is enabled (false under `OTEL_SDK_DISABLED=true`).
    pub fn is_enabled(&self) -> bool {
        self.inner.meter_provider.is_some()
    }

    /// The recording API of this pipeline.
    pub fn metrics(&self) -> &MetricsManager {
        &self.inner.metrics
    }

    /// The meter provider, for instruments of your own next to the catalog's.
    pub fn meter_provider(&self) -> Option<&SdkMeterProvider> {
        self.inner.meter_provider.as_ref()
    }

    /// Which measurements keep an exemplar in this pipeline
    /// ([`TelemetryBuilder::with_exemplar_filter`], `OTEL_METRICS_EXEMPLAR_FILTER`).
    pub fn exemplar_filter(&self) -> ExemplarFilter {
        self.inner.metrics.exemplar_filter()
    }

    /// The tracer provider, present when spans are pushed over OTLP (features
    /// `otlp-grpc`, `otlp-http`).
    #[cfg(feature = "_otlp")]
    #[cfg_attr(docsrs, doc(cfg(any(feature = "otlp-grpc", feature = "otlp-http"))))]
    pub fn tracer_provider(&self) -> Option<&opentelemetry_sdk::trace::SdkTracerProvider> {
        self.inner.otlp.as_ref()?.tracer_provider()
    }

    /// The OTLP settings in force, if OTLP push is on.
    pub fn otlp_settings(&self) -> Option<&OtlpSettings> {
        self.otlp_state().map(|o| &o.settings)
    }

    pub(crate) fn otlp_state(&self) -> Option<&OtlpState> {
        self.inner.otlp.as_ref().map(OtlpPush::state)
    }

    /// Collects once from the reader (nothing after shutdown or when disabled; a
    /// failed or panicking collection is logged and gives nothing).
    pub(crate) fn collect(&self) -> Option<ResourceMetrics> {
        if self.inner.shutdown_started.load(Ordering::Acquire) {
            return None;
        }
        let reader = self.inner.reader.as_ref()?;
        let mut rm = ResourceMetrics::default();
        guarded("collection", || reader.collect(&mut rm))?;
        Some(rm)
    }

    /// The current values in `exposition`'s format, as
    /// `GET /api/monitoring/metrics` serves them (feature `prometheus`):
    /// [`Exposition::Text`], the Prometheus text format 0.0.4, or
    /// [`Exposition::OpenMetrics`], OpenMetrics 1.0 — the same families in
    /// OpenMetrics' form (see
    /// [`PrometheusTextReader::render_openmetrics`](crate::prometheus::PrometheusTextReader::render_openmetrics)),
    /// with the exemplars of [`crate::exemplars`] on histogram buckets and
    /// counter totals, and `# EOF` last. Serve it with
    /// [`Exposition::content_type`].
    ///
    /// Empty when disabled or shut down, or when the collection fails (logged
    /// under [`diagnostics::COLLECT`](crate::diagnostics::COLLECT); the health
    /// report then says `degraded`); [`Telemetry::try_render`] tells that case
    /// apart.
    ///
    /// ```
    /// use autobot_otel::{Exposition, labels::Outcome};
    /// let t = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// t.metrics().record_workflow_execution("deploy", Outcome::Success, 0.2);
    /// let text = t.render(Exposition::Text);
    /// assert!(text.contains(
    ///     "autobot_workflow_executions_total{status=\"success\",workflow_type=\"deploy\"} 1\n"
    /// ));
    /// let om = t.render(Exposition::OpenMetrics);
    /// assert!(om.contains("# TYPE autobot_workflow_executions counter\n"));
    /// assert!(om.ends_with("# EOF\n"));
    /// ```
    #[cfg(feature = "prometheus")]
    #[cfg_attr(docsrs, doc(cfg(feature = "prometheus")))]
    pub fn render(&self, exposition: Exposition) -> String {
        self.try_render(exposition).unwrap_or_default()
    }

    /// As [`Telemetry::render`], but `None` when the collection failed (the
    /// endpoint answers `503` then, so Prometheus marks the target down instead
    /// of seeing every series vanish).
    ///
    /// ```
    /// use autobot_otel::Exposition;
    /// let t = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// assert!(t.try_render(Exposition::Text).is_some());
    /// assert!(t.try_render(Exposition::OpenMetrics).is_some_and(|text| text.ends_with("# EOF\n")));
    /// ```
    #[cfg(feature = "prometheus")]
    #[cfg_attr(docsrs, doc(cfg(feature = "prometheus")))]
    pub fn try_render(&self, exposition: Exposition) -> Option<String> {
        let mut out = String::new();
        if self.inner.shutdown_started.load(Ordering::Acquire) {
            return Some(out);
        }
        if let Some(reader) = &self.inner.reader {
            let exemplars: &dyn crate::exemplars::ExemplarSource = &self.inner.metrics;
            let rendered = guarded("scrape rendering", || {
                reader.render_format(&mut out, exposition, Some(exemplars))
            });
            let status = &self.inner.scrapes;
            status.record(
                rendered.ok_or("the collection failed; see the logs under autobot_otel::collect"),
            );
            rendered?;
        }
        Some(out)
    }

    /// The scrape counters of this pipeline.
    pub(crate) fn scrape_status(&self) -> &crate::diagnostics::ScrapeStatus {
        &self.inner.scrapes
    }

    /// A `tracing` layer that exports spans through this pipeline's tracer
    /// provider, or `None` when spans are not exported. Add it to your own
    /// subscriber when you do not let [`crate::init()`] install one (features
    /// `otlp-grpc`, `otlp-http`).
    #[cfg(feature = "_otlp")]
    #[cfg_attr(docsrs, doc(cfg(any(feature = "otlp-grpc", feature = "otlp-http"))))]
    pub fn tracing_layer<S>(&self) -> Option<impl tracing_subscriber::Layer<S> + use<S>>
    where
        S: tracing::Subscriber
            + Send
            + Sync
            + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
    {
        use opentelemetry::trace::TracerProvider as _;
        let provider = self.tracer_provider()?;
        Some(tracing_opentelemetry::layer().with_tracer(provider.tracer(SCOPE_NAME)))
    }
}
