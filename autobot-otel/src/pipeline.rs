//! The telemetry pipeline: one meter provider with one reader, which the
//! Prometheus endpoint renders from and, when a collector is configured, the OTLP
//! metric push exports from; plus OTLP span export for `tracing` spans.
//!
//! [`Telemetry::builder`] configures it in code; [`TelemetryBuilder::from_env`]
//! starts from the standard `OTEL_*` variables (see [`crate::otlp`]), plus
//! `OTEL_SDK_DISABLED` (`true`: nothing is exported, recording is a no-op),
//! `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES` (the resource; the service
//! name defaults to `autobot`) and [`GENAI_METRICS_VAR`] /
//! `OTEL_SEMCONV_STABILITY_OPT_IN` (the GenAI conventions' metrics, see
//! [`TelemetryBuilder::with_genai_metrics`]). [`crate::builder!`] starts the same
//! way and sets `service.version` to the application's crate version.
//!
//! ```
//! use autobot_otel::{labels::Outcome, Telemetry};
//!
//! let telemetry = Telemetry::builder().without_otlp().build()?;
//! telemetry.metrics().record_workflow_execution("deploy", Outcome::Success, 3.0);
//! let text = telemetry.render_prometheus();
//! assert!(text.contains("# TYPE autobot_workflow_duration_seconds histogram"));
//! telemetry.shutdown()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::reader::MetricReader;
use opentelemetry_sdk::metrics::{Aggregation, Instrument, SdkMeterProvider, Stream};

use crate::catalog::genai::GenAiMetricId;
use crate::catalog::{CATALOG, Kind, MetricId};
use crate::diagnostics::{self, Diagnostics, guarded};
use crate::error::{InitError, ShutdownError};
use crate::exemplars::ExemplarFilter;
use crate::exporter::PipelineReader;
use crate::manager::rolling::{Clock, SystemClock};
use crate::manager::{Buckets, MetricsManager, SeriesLimits};
use crate::otlp::{self, OtlpPush, OtlpSettings, OtlpState, redact_userinfo};
use crate::self_metrics;

pub use crate::catalog::SCOPE_NAME;

/// Default bound on [`Telemetry::shutdown`] and [`Telemetry::force_flush`].
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

/// Content type of the Prometheus text exposition format served by the endpoint.
#[cfg(feature = "prometheus")]
pub const PROMETHEUS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Content type of the OpenMetrics 1.0 exposition the endpoint serves to a
/// client whose `Accept` header asks for it ([`Telemetry::render_openmetrics`]).
#[cfg(feature = "prometheus")]
pub const OPENMETRICS_CONTENT_TYPE: &str =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Where the `OTEL_*` configuration variables are read from.
type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The variable that turns the OpenTelemetry GenAI conventions' metrics on
/// (`true`) or off (`false`) when the builder does not say
/// ([`TelemetryBuilder::with_genai_metrics`]).
pub const GENAI_METRICS_VAR: &str = "AUTOBOT_OTEL_GENAI_METRICS";

/// The OpenTelemetry variable whose `gen_ai_latest_experimental` entry asks
/// instrumentations for the latest GenAI conventions: it turns the GenAI
/// metrics on too, unless [`GENAI_METRICS_VAR`] is set.
pub const SEMCONV_OPT_IN_VAR: &str = "OTEL_SEMCONV_STABILITY_OPT_IN";

/// The `service.version` of the resource: set in code (wins over
/// `OTEL_RESOURCE_ATTRIBUTES`) or a default from [`crate::builder!`] (loses to it).
#[derive(Clone, Debug, PartialEq)]
enum ServiceVersion {
    Explicit(String),
    Default(&'static str),
}

#[derive(Clone, Debug, PartialEq)]
enum OtlpChoice {
    FromEnv,
    Off,
    On(Box<OtlpSettings>),
}

/// Configures a [`Telemetry`] pipeline.
///
/// ```
/// use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
/// use autobot_otel::Telemetry;
/// use std::time::Duration;
///
/// let builder = Telemetry::builder()
///     .with_service_name("autobot-backend")
///     .with_otlp(OtlpSettings::new("http://127.0.0.1:4317", OtlpProtocol::Grpc)
///         .with_export_interval(Duration::from_secs(15)))
///     .with_shutdown_timeout(Duration::from_secs(3));
/// # drop(builder);
/// ```
#[derive(Clone)]
pub struct TelemetryBuilder {
    service_name: Option<String>,
    resource_attributes: Vec<KeyValue>,
    otlp: OtlpChoice,
    disabled: Option<bool>,
    shutdown_timeout: Duration,
    clock: Option<Arc<dyn Clock>>,
    series_limits: Vec<(MetricId, usize)>,
    exemplars: Option<ExemplarFilter>,
    buckets: Vec<(MetricId, Vec<f64>)>,
    genai_metrics: Option<bool>,
    service_version: Option<ServiceVersion>,
    env: EnvLookup,
}

impl std::fmt::Debug for TelemetryBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelemetryBuilder")
            .field("service_name", &self.service_name)
            .field("service_version", &self.service_version)
            .field("otlp", &self.otlp)
            .field("genai_metrics", &self.genai_metrics)
            .field("disabled", &self.disabled)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .finish_non_exhaustive()
    }
}

impl Default for TelemetryBuilder {
    fn default() -> Self {
        Self::from_env()
    }
}

impl TelemetryBuilder {
    /// A builder that reads the `OTEL_*` variables when built (OTLP on only if an
    /// endpoint variable is set).
    pub fn from_env() -> Self {
        TelemetryBuilder {
            service_name: None,
            resource_attributes: Vec::new(),
            otlp: OtlpChoice::FromEnv,
            disabled: None,
            shutdown_timeout: DEFAULT_SHUTDOWN_TIMEOUT,
            clock: None,
            series_limits: Vec::new(),
            exemplars: None,
            buckets: Vec::new(),
            genai_metrics: None,
            service_version: None,
            env: Arc::new(otlp::process_env),
        }
    }

    /// Sets `service.name`, overriding `OTEL_SERVICE_NAME`.
    pub fn with_service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// Sets `service.version` (exported on OTLP and in `target_info` as
    /// `service_version`), overriding `OTEL_RESOURCE_ATTRIBUTES`. To default it
    /// to your application's crate version, start from [`crate::builder!`] (or
    /// [`crate::init!`]), which passes `env!("CARGO_PKG_VERSION")` of the crate
    /// that calls it.
    ///
    /// ```
    /// let t = autobot_otel::Telemetry::builder()
    ///     .without_otlp()
    ///     .with_service_version("2.4.1")
    ///     .build()?;
    /// assert!(t.render_prometheus().contains(r#"service_version="2.4.1""#));
    /// # Ok::<(), autobot_otel::InitError>(())
    /// ```
    pub fn with_service_version(mut self, version: impl Into<String>) -> Self {
        self.service_version = Some(ServiceVersion::Explicit(version.into()));
        self
    }

    /// The default `service.version` of [`crate::builder!`]: used unless
    /// [`TelemetryBuilder::with_service_version`] or `OTEL_RESOURCE_ATTRIBUTES`
    /// gives one.
    #[doc(hidden)]
    pub fn with_default_service_version(mut self, version: &'static str) -> Self {
        if !matches!(self.service_version, Some(ServiceVersion::Explicit(_))) {
            self.service_version = Some(ServiceVersion::Default(version));
        }
        self
    }

    /// Records the OpenTelemetry GenAI semantic conventions' client metrics
    /// (`gen_ai.client.operation.duration`, `gen_ai.client.token.usage`, and for
    /// streams `gen_ai.client.operation.time_to_first_chunk` and
    /// `gen_ai.client.operation.time_per_output_chunk`) next to the
    /// `autobot_llm_*` families: every LLM call that records those records these
    /// too. Off by default; when the builder does not say, the variable
    /// [`GENAI_METRICS_VAR`] (`true`/`false`) does, and else an
    /// `OTEL_SEMCONV_STABILITY_OPT_IN` list holding `gen_ai_latest_experimental`
    /// turns them on. See the README's "GenAI conventions".
    ///
    /// ```
    /// use autobot_otel::Telemetry;
    /// let t = Telemetry::builder().without_otlp().with_genai_metrics(true).build()?;
    /// t.metrics().record_llm_request("openai", "gpt-4o", "chat", 1.5);
    /// let text = t.render_prometheus();
    /// assert!(text.contains("# TYPE gen_ai_client_operation_duration_seconds histogram"));
    /// assert!(text.contains(r#"gen_ai_client_operation_duration_seconds_count{gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o"} 1"#));
    /// # Ok::<(), autobot_otel::InitError>(())
    /// ```
    pub fn with_genai_metrics(mut self, enabled: bool) -> Self {
        self.genai_metrics = Some(enabled);
        self
    }

    /// Sets the bucket boundaries (upper bounds, in the metric's unit) of one
    /// histogram, instead of the catalog's (listed in the README's reference).
    /// They must be finite, not negative (the catalog's values never are) and
    /// strictly increasing, and there must be at least one; otherwise [`TelemetryBuilder::build`] fails with
    /// [`InitError::InvalidBuckets`] naming the metric and the offending value.
    /// The health report shows the boundaries in force.
    ///
    /// ```
    /// use autobot_otel::{catalog::MetricId, InitError, Telemetry};
    /// let t = Telemetry::builder()
    ///     .without_otlp()
    ///     .with_buckets(MetricId::LlmRequestLatencySeconds, &[0.5, 1.0, 2.0, 4.0, 8.0])
    ///     .build()?;
    /// t.metrics().record_llm_request("openai", "gpt-4o", "chat", 3.0);
    /// assert!(t.render_prometheus().contains(r#"le="4"} 1"#));
    ///
    /// let err = Telemetry::builder()
    ///     .without_otlp()
    ///     .with_buckets(MetricId::LlmRequestLatencySeconds, &[1.0, 1.0])
    ///     .build()
    ///     .unwrap_err();
    /// assert!(matches!(err, InitError::InvalidBuckets { .. }));
    /// assert_eq!(
    ///     err.to_string(),
    ///     "invalid buckets for autobot_llm_request_latency_seconds: boundary 2 (1) is not greater than boundary 1 (1); boundaries must be strictly increasing"
    /// );
    /// # Ok::<(), InitError>(())
    /// ```
    pub fn with_buckets(mut self, metric: MetricId, boundaries: &[f64]) -> Self {
        self.buckets.retain(|(id, _)| *id != metric);
        self.buckets.push((metric, boundaries.to_vec()));
        self
    }

    /// Adds a resource attribute (exported on OTLP and in `target_info`).
    pub fn with_resource_attribute(mut self, kv: KeyValue) -> Self {
        self.resource_attributes.push(kv);
        self
    }

    /// Pushes OTLP with these settings, whatever the environment says.
    pub fn with_otlp(mut self, settings: OtlpSettings) -> Self {
        self.otlp = OtlpChoice::On(Box::new(settings));
        self
    }

    /// No OTLP push, whatever the environment says (Prometheus pull only).
    pub fn without_otlp(mut self) -> Self {
        self.otlp = OtlpChoice::Off;
        self
    }

    /// Turns the SDK on or off, whatever `OTEL_SDK_DISABLED` says (`false` is
    /// `OTEL_SDK_DISABLED=true`: recording becomes a no-op, nothing is exported).
    ///
    /// ```
    /// let t = autobot_otel::Telemetry::builder().without_otlp().enabled(false).build()?;
    /// assert!(!t.is_enabled());
    /// # Ok::<(), autobot_otel::InitError>(())
    /// ```
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.disabled = Some(!enabled);
        self
    }

    /// Bounds [`Telemetry::shutdown`] and [`Telemetry::force_flush`].
    pub fn with_shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// Sets the series limit of one metric (default: the catalog's, listed in the
    /// README's reference). Past it, new label sets are folded into the metric's
    /// `otel_metric_overflow="true"` series. The SDK reserves memory for the
    /// whole limit up front (tens of bytes per series), so raise it only for
    /// metrics whose label values really are that many. A limit is at least 1.
    ///
    /// ```
    /// use autobot_otel::{catalog::MetricId, Telemetry};
    /// let t = Telemetry::builder()
    ///     .without_otlp()
    ///     .with_series_limit(MetricId::WorkflowExecutionsTotal, 5_000)
    ///     .build()?;
    /// assert_eq!(t.metrics().series_limit(MetricId::WorkflowExecutionsTotal), 5_000);
    /// # Ok::<(), autobot_otel::InitError>(())
    /// ```
    pub fn with_series_limit(mut self, metric: MetricId, limit: usize) -> Self {
        self.series_limits.push((metric, limit));
        self
    }

    /// Which measurements keep an exemplar (the trace and span behind them,
    /// served in the OpenMetrics exposition; see [`crate::exemplars`]),
    /// overriding `OTEL_METRICS_EXEMPLAR_FILTER`. By default
    /// [`ExemplarFilter::TraceBased`] (measurements made inside a sampled span)
    /// when the pipeline exports spans (an OTLP traces endpoint), and
    /// [`ExemplarFilter::AlwaysOff`] otherwise; set it when your own
    /// `tracing-opentelemetry` layer exports the spans.
    ///
    /// ```
    /// use autobot_otel::{Telemetry, exemplars::ExemplarFilter};
    /// let t = Telemetry::builder()
    ///     .without_otlp()
    ///     .with_exemplar_filter(ExemplarFilter::AlwaysOff)
    ///     .build()?;
    /// assert_eq!(t.exemplar_filter(), ExemplarFilter::AlwaysOff);
    /// # Ok::<(), autobot_otel::InitError>(())
    /// ```
    pub fn with_exemplar_filter(mut self, filter: ExemplarFilter) -> Self {
        self.exemplars = Some(filter);
        self
    }

    /// Reads the `OTEL_*` configuration variables of [`TelemetryBuilder::from_env`]
    /// (`OTEL_SDK_DISABLED`, the OTLP ones) through `lookup` instead of the
    /// process environment, so tests cover every environment without child
    /// processes. The resource variables (`OTEL_SERVICE_NAME`, ...) still come
    /// from the process environment.
    #[doc(hidden)]
    pub fn with_env_lookup(
        mut self,
        lookup: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        self.env = Arc::new(lookup);
        self
    }

    /// Uses `clock` for the rolling-window rates (tests drive it by hand with a
    /// [`ManualClock`](crate::testing::ManualClock); cargo feature `testing`).
    #[cfg(any(test, feature = "testing"))]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Builds the pipeline without installing anything globally.
    ///
    /// The configuration is checked the same way whether the SDK is enabled or
    /// not ([`TelemetryBuilder::enabled`], `OTEL_SDK_DISABLED`): bucket
    /// boundaries and the OTLP settings are validated first, so a configuration
    /// that fails in production also fails where telemetry is turned off.
    /// Settings whose value is not understood (an unknown
    /// `OTEL_METRICS_EXEMPLAR_FILTER`) are logged under
    /// [`diagnostics::CONFIG`](crate::diagnostics::CONFIG) when the build ends.
    ///
    /// ```
    /// use autobot_otel::{catalog::MetricId, InitError, Telemetry};
    /// let err = Telemetry::builder()
    ///     .without_otlp()
    ///     .enabled(false)
    ///     .with_buckets(MetricId::LlmRequestLatencySeconds, &[0.1, f64::NAN])
    ///     .build()
    ///     .unwrap_err();
    /// assert!(matches!(err, InitError::InvalidBuckets { .. }));
    /// ```
    pub fn build(self) -> Result<Telemetry, InitError> {
        let mut warnings = Vec::new();
        let built = self.build_collecting(&mut warnings);
        crate::diagnostics::ConfigWarning::log_all(warnings);
        built
    }

    /// [`Self::build`], with the configuration warnings added to `warnings`
    /// instead of logged (the caller logs them once a subscriber is in place).
    pub(crate) fn build_collecting(
        self,
        warnings: &mut Vec<crate::diagnostics::ConfigWarning>,
    ) -> Result<Telemetry, InitError> {
        // Everything is validated before the SDK-disabled return.
        for (id, boundaries) in &self.buckets {
            check_buckets(*id, boundaries)?;
        }
        let otlp_settings = match self.otlp {
            OtlpChoice::Off => None,
            OtlpChoice::On(settings) => Some(*settings),
            OtlpChoice::FromEnv => otlp::resolve(&*self.env)?,
        };
        let exemplar_filter = self
            .exemplars
            .or_else(|| ExemplarFilter::from_env(&*self.env, warnings));
        let disabled = match self.disabled {
            Some(d) => d,
            None => otlp::sdk_disabled(&*self.env),
        };
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock::new()));
        if disabled {
            return Ok(Telemetry::disabled_with_clock(clock));
        }
        let limits = SeriesLimits::new(&self.series_limits);
        let buckets = Buckets::new(&self.buckets);
        let genai = match self.genai_metrics {
            Some(enabled) => enabled,
            None => genai_from_env(&*self.env),
        };
        let resource = build_resource(
            self.service_name,
            self.service_version,
            self.resource_attributes,
        );

        // One reader: the endpoint renders from it and the OTLP push exports what
        // it collects, so every measurement is aggregated once for both outputs.
        let reader = PipelineReader::new();
        let meter_provider = SdkMeterProvider::builder()
            .with_resource(resource.clone())
            .with_reader(reader.clone())
            .with_view(catalog_view(limits.clone(), buckets.clone()))
            .build();

        let shared: Arc<dyn MetricReader> = Arc::new(reader.clone());
        let pushed = match otlp_settings {
            Some(settings) => otlp::start(settings, &resource, shared)?,
            None => None,
        };

        let meter = meter_provider.meter(SCOPE_NAME);
        let diagnostics = Arc::new(Diagnostics::default());
        // On by default when this pipeline exports spans: their IDs are what an
        // exemplar points at.
        #[cfg(feature = "otlp")]
        let spans_exported = pushed
            .as_ref()
            .is_some_and(|p| p.tracer_provider().is_some());
        #[cfg(not(feature = "otlp"))]
        let spans_exported = false;
        let exemplars = exemplar_filter.unwrap_or(if spans_exported {
            ExemplarFilter::TraceBased
        } else {
            ExemplarFilter::AlwaysOff
        });
        // Without the exposition there is nowhere to serve them.
        #[cfg(not(feature = "prometheus"))]
        let exemplars = {
            let _ = exemplars;
            ExemplarFilter::AlwaysOff
        };
        let metrics = MetricsManager::new(
            &meter,
            clock,
            limits,
            buckets,
            diagnostics.clone(),
            exemplars,
            genai,
        );
        let otlp_state = pushed.as_ref().map(OtlpPush::state);
        let exports = self_metrics::Exports {
            metrics: otlp_state
                .filter(|o| o.settings.metrics)
                .map(|o| o.metrics_status.clone()),
            traces: otlp_state
                .filter(|o| o.settings.traces)
                .map(|o| o.traces_status.clone()),
        };
        self_metrics::register(&meter, diagnostics, exports);
        #[cfg(feature = "prometheus")]
        self_metrics::register_conflicts(&meter, reader.conflicts());
        Ok(Telemetry {
            inner: Arc::new(Inner {
                meter_provider: Some(meter_provider),
                reader: Some(reader),
                metrics,
                otlp: pushed,
                shutdown_started: AtomicBool::new(false),
                shutdown_timeout: self.shutdown_timeout,
                scrapes: Default::default(),
            }),
        })
    }
}

fn build_resource(
    service_name: Option<String>,
    service_version: Option<ServiceVersion>,
    mut attributes: Vec<KeyValue>,
) -> Resource {
    let mut builder = Resource::builder();
    let env = |name| otlp::process_env(name).filter(|v| !v.trim().is_empty());
    let env_attributes = env("OTEL_RESOURCE_ATTRIBUTES").unwrap_or_default();
    let env_names = |key: &str| {
        env_attributes
            .split(',')
            .any(|kv| kv.split_once('=').is_some_and(|(k, _)| k.trim() == key))
    };
    let env_names_service = env("OTEL_SERVICE_NAME").is_some() || env_names("service.name");
    match service_name {
        Some(name) => builder = builder.with_service_name(name),
        None if !env_names_service => builder = builder.with_service_name("autobot"),
        None => {}
    }
    let version = match service_version {
        Some(ServiceVersion::Explicit(version)) => Some(version),
        Some(ServiceVersion::Default(version)) if !env_names("service.version") => {
            Some(version.to_string())
        }
        _ => None,
    };
    if let Some(version) = version {
        attributes.push(KeyValue::new("service.version", version));
    }
    builder.with_attributes(attributes).build()
}

/// Whether the environment turns the GenAI metrics on: [`GENAI_METRICS_VAR`]
/// when set (`true`, any case; anything else is off), else an
/// [`SEMCONV_OPT_IN_VAR`] list holding `gen_ai_latest_experimental`.
fn genai_from_env(lookup: &(dyn Fn(&str) -> Option<String> + Send + Sync)) -> bool {
    match lookup(GENAI_METRICS_VAR).filter(|v| !v.trim().is_empty()) {
        Some(value) => value.trim().eq_ignore_ascii_case("true"),
        None => lookup(SEMCONV_OPT_IN_VAR).is_some_and(|list| {
            list.split(',')
                .any(|entry| entry.trim() == "gen_ai_latest_experimental")
        }),
    }
}

/// Checks boundaries given for `id`: a histogram's, at least one, finite, not
/// negative, strictly increasing.
///
/// Negative boundaries are refused: a catalog histogram's values are never
/// negative (a negative duration or amount is dropped), so a bucket below 0
/// would stay empty, and OpenMetrics 1.0 forbids the `_sum` of a histogram with
/// negative thresholds, which the exposition always writes.
fn check_buckets(id: MetricId, boundaries: &[f64]) -> Result<(), InitError> {
    let def = id.def();
    let fail = |reason: String| {
        Err(InitError::InvalidBuckets {
            metric: def.name,
            reason,
        })
    };
    if def.kind != Kind::Histogram {
        return fail(format!("it is a {}, not a histogram", def.kind));
    }
    if boundaries.is_empty() {
        return fail("no boundaries; give at least one".into());
    }
    if let Some(i) = boundaries.iter().position(|b| !b.is_finite()) {
        return fail(format!(
            "boundary {} ({}) is not finite; the +Inf bucket is implicit",
            i + 1,
            boundaries[i]
        ));
    }
    if let Some(i) = boundaries.iter().position(|b| *b < 0.0) {
        return fail(format!(
            "boundary {} ({}) is negative; the metric's values are never negative \
             (negative ones are dropped), so start at 0 or above",
            i + 1,
            boundaries[i]
        ));
    }
    if let Some(i) = boundaries.windows(2).position(|w| w[0] >= w[1]) {
        return fail(format!(
            "boundary {} ({}) is not greater than boundary {} ({}); boundaries must be \
             strictly increasing",
            i + 2,
            boundaries[i + 1],
            i + 1,
            boundaries[i]
        ));
    }
    Ok(())
}

/// A view giving every catalog instrument its own series limit instead of the
/// SDK's global default of 2000 (which the SDK pre-allocates) and its buckets
/// when [`TelemetryBuilder::with_buckets`] changed them, the GenAI metrics their
/// series limits, and the self-metrics a small one.
fn catalog_view(
    limits: SeriesLimits,
    buckets: Buckets,
) -> impl Fn(&Instrument) -> Option<Stream> + Send + Sync {
    move |instrument: &Instrument| {
        let mut stream = Stream::builder();
        let limit = match CATALOG.iter().find(|d| d.otel_name() == instrument.name()) {
            Some(def) => {
                if let Some(boundaries) = buckets.overridden(def.id) {
                    stream = stream.with_aggregation(Aggregation::ExplicitBucketHistogram {
                        boundaries: boundaries.to_vec(),
                        record_min_max: true,
                    });
                }
                limits.get(def.id)
            }
            None => match GenAiMetricId::from_name(instrument.name()) {
                Some(id) => id.def().max_series,
                None if self_metrics::is_self_metric(instrument.name()) => {
                    self_metrics::SELF_METRIC_SERIES_LIMIT
                }
                None => return None,
            },
        };
        stream.with_cardinality_limit(limit).build().ok()
    }
}

struct Inner {
    meter_provider: Option<SdkMeterProvider>,
    reader: Option<PipelineReader>,
    metrics: MetricsManager,
    otlp: Option<OtlpPush>,
    shutdown_started: AtomicBool,
    shutdown_timeout: Duration,
    scrapes: crate::diagnostics::ScrapeStatus,
}

/// A built pipeline: the meter provider with its readers, the recording API and the
/// Prometheus text rendering. Cheap to clone (shared).
///
/// ```
/// use autobot_otel::Telemetry;
/// let telemetry = Telemetry::builder().without_otlp().build().unwrap();
/// telemetry.metrics().set_llm_provider_availability("openai", true);
/// assert!(telemetry
///     .render_prometheus()
///     .contains(r#"autobot_llm_provider_availability{provider="openai"} 1"#));
/// ```
#[derive(Clone)]
pub struct Telemetry {
    inner: Arc<Inner>,
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
    /// assert_eq!(t.render_prometheus(), "");
    /// ```
    pub fn disabled() -> Telemetry {
        Telemetry::disabled_with_clock(Arc::new(SystemClock::new()))
    }

    fn disabled_with_clock(clock: Arc<dyn Clock>) -> Telemetry {
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
    #[cfg(feature = "otlp")]
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

    /// The current values in the Prometheus text exposition format
    /// ([`PROMETHEUS_CONTENT_TYPE`]), as `GET /api/monitoring/metrics` serves them
    /// (feature `prometheus`).
    /// Empty when disabled or shut down, or when the collection fails (logged under
    /// [`diagnostics::COLLECT`]; the health report then says `degraded`).
    #[cfg(feature = "prometheus")]
    pub fn render_prometheus(&self) -> String {
        self.try_render_prometheus().unwrap_or_default()
    }

    /// As [`Telemetry::render_prometheus`], but `None` when the collection
    /// failed (the endpoint answers `503` then, so Prometheus marks the target
    /// down instead of seeing every series vanish).
    ///
    /// ```
    /// let t = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// assert!(t.try_render_prometheus().is_some());
    /// ```
    #[cfg(feature = "prometheus")]
    pub fn try_render_prometheus(&self) -> Option<String> {
        self.try_render(crate::prometheus::Format::Text)
    }

    /// The current values in OpenMetrics 1.0 ([`OPENMETRICS_CONTENT_TYPE`]), as
    /// `GET /api/monitoring/metrics` serves them to a client that asks for it
    /// (Prometheus does by default): the families of
    /// [`Telemetry::render_prometheus`] in OpenMetrics' form (see
    /// [`PrometheusTextReader::render_openmetrics`](crate::prometheus::PrometheusTextReader::render_openmetrics)),
    /// with the exemplars of [`crate::exemplars`] on histogram buckets and
    /// counter totals, and `# EOF` last (feature `prometheus`). Empty when
    /// disabled or shut down, or when the collection fails.
    ///
    /// ```
    /// use autobot_otel::labels::Outcome;
    /// let t = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// t.metrics().record_workflow_execution("deploy", Outcome::Success, 0.2);
    /// let text = t.render_openmetrics();
    /// assert!(text.contains("# TYPE autobot_workflow_executions counter\n"));
    /// assert!(text.contains(
    ///     "autobot_workflow_executions_total{status=\"success\",workflow_type=\"deploy\"} 1\n"
    /// ));
    /// assert!(text.ends_with("# EOF\n"));
    /// ```
    #[cfg(feature = "prometheus")]
    pub fn render_openmetrics(&self) -> String {
        self.try_render_openmetrics().unwrap_or_default()
    }

    /// As [`Telemetry::render_openmetrics`], but `None` when the collection
    /// failed.
    ///
    /// ```
    /// let t = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// assert!(t.try_render_openmetrics().is_some_and(|text| text.ends_with("# EOF\n")));
    /// ```
    #[cfg(feature = "prometheus")]
    pub fn try_render_openmetrics(&self) -> Option<String> {
        self.try_render(crate::prometheus::Format::OpenMetrics)
    }

    #[cfg(feature = "prometheus")]
    fn try_render(&self, format: crate::prometheus::Format) -> Option<String> {
        let mut out = String::new();
        if self.inner.shutdown_started.load(Ordering::Acquire) {
            return Some(out);
        }
        if let Some(reader) = &self.inner.reader {
            let exemplars: &dyn crate::exemplars::ExemplarSource = &self.inner.metrics;
            let rendered = guarded("scrape rendering", || {
                reader.render_format(&mut out, format, Some(exemplars))
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
    #[cfg(feature = "otlp")]
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

    /// Exports what has been recorded now, within the shutdown timeout.
    pub fn force_flush(&self) -> Result<(), ShutdownError> {
        let inner = self.inner.clone();
        run_bounded(self.inner.shutdown_timeout, move || {
            inner.providers(Stop::Flush)
        })
    }

    /// Flushes and stops every exporter, within the shutdown timeout (default
    /// [`DEFAULT_SHUTDOWN_TIMEOUT`]). Values recorded before the call are pushed.
    /// Later calls return `Ok(())` at once; recording afterwards is a no-op.
    pub fn shutdown(&self) -> Result<(), ShutdownError> {
        if self.inner.shutdown_started.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let inner = self.inner.clone();
        run_bounded(self.inner.shutdown_timeout, move || {
            inner.providers(Stop::Shutdown)
        })
    }
}

#[derive(Clone, Copy)]
enum Stop {
    Flush,
    Shutdown,
}

impl Inner {
    /// Flushes or shuts down the OTLP push (spans, then a last metric export),
    /// then the meter provider; the errors.
    fn providers(&self, stop: Stop) -> Vec<String> {
        let shutdown = matches!(stop, Stop::Shutdown);
        let pushed = self
            .otlp
            .as_ref()
            .map(|o| o.stop(shutdown))
            .unwrap_or_default();
        let metrics = self.meter_provider.as_ref().map(|mp| match stop {
            Stop::Flush => mp.force_flush(),
            Stop::Shutdown => mp.shutdown(),
        });
        pushed
            .into_iter()
            .chain(metrics)
            .filter_map(|r| {
                r.err()
                    .map(|e| redact_userinfo(&e.to_string()).into_owned())
            })
            .collect()
    }
}

/// Runs `work` on its own thread and waits at most `timeout` for it.
fn run_bounded(
    timeout: Duration,
    work: impl FnOnce() -> Vec<String> + Send + 'static,
) -> Result<(), ShutdownError> {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("autobot-otel-shutdown".into())
        .spawn(move || {
            let _ = tx.send(work());
        });
    if let Err(e) = spawned {
        return Err(ShutdownError::Export(format!("cannot spawn thread: {e}")));
    }
    match rx.recv_timeout(timeout) {
        Ok(errors) if errors.is_empty() => Ok(()),
        Ok(errors) => Err(ShutdownError::Export(errors.join("; "))),
        Err(_) => Err(ShutdownError::Timeout(timeout)),
    }
}

/// Keeps the global pipeline alive; dropping it (or calling
/// [`TelemetryGuard::shutdown`]) flushes and stops the exporters.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let guard = autobot_otel::Telemetry::builder().without_otlp().install()?;
/// autobot_otel::get_metrics_manager().record_cache_miss("embedding");
/// guard.shutdown()?;
/// # Ok(()) }
/// ```
#[must_use = "dropping the guard shuts the telemetry pipeline down"]
#[derive(Debug)]
pub struct TelemetryGuard {
    telemetry: Telemetry,
}

impl TelemetryGuard {
    pub(crate) fn new(telemetry: Telemetry) -> Self {
        TelemetryGuard { telemetry }
    }

    /// Flushes and stops the exporters now (see [`Telemetry::shutdown`]).
    pub fn shutdown(self) -> Result<(), ShutdownError> {
        self.telemetry.shutdown()
    }
}

impl std::ops::Deref for TelemetryGuard {
    type Target = Telemetry;
    fn deref(&self) -> &Telemetry {
        &self.telemetry
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Err(err) = self.telemetry.shutdown() {
            tracing::warn!(target: diagnostics::EXPORT, error = %err, "telemetry shutdown incomplete");
        }
    }
}
