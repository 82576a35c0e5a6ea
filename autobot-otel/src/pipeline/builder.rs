//! [`TelemetryBuilder`]: what is set in code, and [`TelemetryBuilder::build`],
//! which puts it together with what the environment says ([`EnvConfig`]) into
//! a [`Telemetry`].

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use opentelemetry::KeyValue;
use opentelemetry::metrics::MeterProvider as _;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::metrics::reader::MetricReader;

use super::env::{self, EnvConfig};
use super::guard::DEFAULT_SHUTDOWN_TIMEOUT;
use super::resource::{ServiceVersion, build_resource};
use super::telemetry::{Inner, Telemetry};
use super::view::{catalog_view, check_buckets};
use crate::catalog::{MetricId, SCOPE_NAME};
use crate::diagnostics::{ConfigWarning, Diagnostics};
use crate::error::InitError;
use crate::exemplars::ExemplarFilter;
use crate::exporter::PipelineReader;
use crate::manager::rolling::{Clock, SystemClock};
use crate::manager::{Buckets, MetricsManager, SeriesLimits};
use crate::otlp::{self, OtlpPush, OtlpSettings};
use crate::pricing::{PriceBook, Pricing};
use crate::self_metrics;

/// Where the configuration variables ([`super::ENV_VARIABLES`]) are read from.
type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Where the price table comes from, when set in code.
#[derive(Clone, Debug)]
enum PricingChoice {
    Table(Pricing),
    File(PathBuf),
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
    process_metrics: bool,
    service_version: Option<ServiceVersion>,
    pricing: Option<PricingChoice>,
    env: EnvLookup,
}

impl std::fmt::Debug for TelemetryBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelemetryBuilder")
            .field("service_name", &self.service_name)
            .field("service_version", &self.service_version)
            .field("otlp", &self.otlp)
            .field("genai_metrics", &self.genai_metrics)
            .field("process_metrics", &self.process_metrics)
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
    /// A builder that reads the variables of [`ENV_VARIABLES`](super::ENV_VARIABLES)
    /// from the process environment when built (OTLP on only if an endpoint
    /// variable is set); what is set in code wins over them.
    ///
    /// ```
    /// let t = autobot_otel::TelemetryBuilder::from_env()
    ///     .without_otlp()
    ///     .with_service_name("from-code")
    ///     .build()?;
    /// assert!(t.render(autobot_otel::Exposition::Text).contains(r#"service_name="from-code""#));
    /// # Ok::<(), autobot_otel::InitError>(())
    /// ```
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
            process_metrics: true,
            service_version: None,
            pricing: None,
            env: Arc::new(env::process_env),
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
    /// assert!(t.render(autobot_otel::Exposition::Text).contains(r#"service_version="2.4.1""#));
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
    /// `AUTOBOT_OTEL_GENAI_METRICS` (`true`/`false`) does, and else an
    /// `OTEL_SEMCONV_STABILITY_OPT_IN` list holding `gen_ai_latest_experimental`
    /// turns them on. See the README's "GenAI conventions".
    ///
    /// ```
    /// use autobot_otel::Telemetry;
    /// let t = Telemetry::builder().without_otlp().with_genai_metrics(true).build()?;
    /// t.metrics().record_llm_request("openai", "gpt-4o", "chat", 1.5);
    /// let text = t.render(autobot_otel::Exposition::Text);
    /// assert!(text.contains("# TYPE gen_ai_client_operation_duration_seconds histogram"));
    /// assert!(text.contains(r#"gen_ai_client_operation_duration_seconds_count{gen_ai_operation_name="chat",gen_ai_provider_name="openai",gen_ai_request_model="gpt-4o"} 1"#));
    /// # Ok::<(), autobot_otel::InitError>(())
    /// ```
    pub fn with_genai_metrics(mut self, enabled: bool) -> Self {
        self.genai_metrics = Some(enabled);
        self
    }

    /// Prices LLM calls without a cost of their own from `pricing` (see
    /// [`crate::pricing`]), instead of the file `AUTOBOT_OTEL_PRICING_FILE`
    /// names. The table is validated by [`TelemetryBuilder::build`], which
    /// fails with [`InitError::Pricing`] naming the bad entry.
    ///
    /// ```
    /// use autobot_otel::pricing::{ModelPrice, Pricing};
    /// use autobot_otel::{InitError, Telemetry};
    /// let pricing = Pricing::new().with_model("openai", "gpt-4o", ModelPrice::per_million(2.0, 8.0));
    /// let t = Telemetry::builder().without_otlp().with_pricing(pricing).build()?;
    /// t.metrics().record_llm_tokens("openai", "gpt-4o-2024-08-06", 1_000, 500);
    /// let text = t.render(autobot_otel::Exposition::Text);
    /// assert!(text.contains(r#"autobot_llm_cost_dollars_total{cost_type="output",model="gpt-4o-2024-08-06",provider="openai"} 0.004"#));
    ///
    /// let twice = Pricing::new()
    ///     .with_model("openai", "gpt-4o", ModelPrice::per_million(2.0, 8.0))
    ///     .with_model("openai", "gpt-4o", ModelPrice::per_million(2.5, 10.0));
    /// let err = Telemetry::builder().without_otlp().with_pricing(twice).build().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid price table entry openai/gpt-4o: the model is priced twice");
    /// # Ok::<(), InitError>(())
    /// ```
    pub fn with_pricing(mut self, pricing: Pricing) -> Self {
        self.pricing = Some(PricingChoice::Table(pricing));
        self
    }

    /// Prices LLM calls from the TOML price table at `path`
    /// ([`Pricing::from_file`]), read and validated by
    /// [`TelemetryBuilder::build`], instead of `AUTOBOT_OTEL_PRICING_FILE`.
    ///
    /// ```
    /// let err = autobot_otel::Telemetry::builder()
    ///     .without_otlp()
    ///     .with_pricing_file("/nonexistent/prices.toml")
    ///     .build()
    ///     .unwrap_err();
    /// assert!(matches!(err, autobot_otel::InitError::Pricing { .. }));
    /// ```
    pub fn with_pricing_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.pricing = Some(PricingChoice::File(path.into()));
        self
    }

    /// Records the process metrics (on by default, Linux only; see
    /// [`crate::catalog::process`]): `process_cpu_seconds_total`,
    /// `process_resident_memory_bytes`, `process_virtual_memory_bytes`,
    /// `process_open_fds`, `process_max_fds`, `process_threads` and
    /// `process_start_time_seconds` in the scrape (no labels), the
    /// OpenTelemetry `process.*` instruments over OTLP, read from `/proc` at
    /// each collection. `false` leaves them out; on other operating systems
    /// they are never recorded, whatever this says.
    ///
    /// ```
    /// use autobot_otel::{Exposition, Telemetry};
    /// let off = Telemetry::builder().without_otlp().with_process_metrics(false).build()?;
    /// assert!(!off.render(Exposition::Text).contains("process_cpu_seconds_total"));
    /// let on = Telemetry::builder().without_otlp().build()?;
    /// let linux = cfg!(target_os = "linux");
    /// assert_eq!(on.render(Exposition::Text).contains("\nprocess_cpu_seconds_total "), linux);
    /// # Ok::<(), autobot_otel::InitError>(())
    /// ```
    pub fn with_process_metrics(mut self, enabled: bool) -> Self {
        self.process_metrics = enabled;
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
    /// assert!(t.render(autobot_otel::Exposition::Text).contains(r#"le="4"} 1"#));
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

    /// Reads every configuration variable ([`super::ENV_VARIABLES`]: the OTLP
    /// ones, `OTEL_SDK_DISABLED`, the resource's, the GenAI switches, the
    /// exemplar filter, `RUST_LOG` for [`TelemetryBuilder::install`]) through
    /// `lookup` instead of the process environment, so tests cover every
    /// environment without child processes. Nothing is then read from the
    /// process environment by this crate (the OpenTelemetry SDK's own span
    /// batching and sampler variables excepted, see the README).
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
        let env = self.read_env();
        let built = self.build_collecting(env, &mut warnings);
        ConfigWarning::log_all(warnings);
        built
    }

    /// Every configuration variable, read once through this builder's lookup.
    pub(crate) fn read_env(&self) -> EnvConfig {
        EnvConfig::read(&*self.env)
    }

    /// [`Self::build`] with `env` ([`Self::read_env`]), the configuration
    /// warnings added to `warnings` instead of logged (the caller logs them
    /// once a subscriber is in place).
    pub(crate) fn build_collecting(
        self,
        env: EnvConfig,
        warnings: &mut Vec<ConfigWarning>,
    ) -> Result<Telemetry, InitError> {
        // Everything is validated before the SDK-disabled return.
        for (id, boundaries) in &self.buckets {
            check_buckets(*id, boundaries)?;
        }
        let otlp_settings = match self.otlp {
            OtlpChoice::Off => None,
            OtlpChoice::On(settings) => Some(*settings),
            OtlpChoice::FromEnv => env.otlp?,
        };
        let exemplar_filter = match self.exemplars {
            Some(filter) => Some(filter),
            None => env.exemplar_filter.unwrap_or_else(|warning| {
                warnings.push(warning);
                None
            }),
        };
        let pricing = match self.pricing {
            Some(PricingChoice::Table(pricing)) => {
                pricing.validate()?;
                Some(pricing)
            }
            Some(PricingChoice::File(path)) => Some(Pricing::from_file(path)?),
            None => env.pricing_file.map(Pricing::from_file).transpose()?,
        };
        let disabled = self.disabled.unwrap_or(env.sdk_disabled);
        let clock = self.clock.unwrap_or_else(|| Arc::new(SystemClock::new()));
        if disabled {
            return Ok(Telemetry::disabled_with_clock(clock));
        }
        let limits = SeriesLimits::new(&self.series_limits);
        let buckets = Buckets::new(&self.buckets);
        let genai = self.genai_metrics.unwrap_or(env.genai_metrics);
        let resource = build_resource(
            self.service_name,
            self.service_version,
            self.resource_attributes,
            env.resource,
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
        #[cfg(feature = "_otlp")]
        let spans_exported = pushed
            .as_ref()
            .is_some_and(|p| p.tracer_provider().is_some());
        #[cfg(not(feature = "_otlp"))]
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
        )
        .with_pricing(Arc::new(PriceBook::new(pricing.as_ref())));
        let otlp_state = pushed.as_ref().map(OtlpPush::state);
        let exports = self_metrics::Exports {
            metrics: otlp_state
                .filter(|o| o.settings.metrics)
                .map(|o| o.metrics_status.clone()),
            traces: otlp_state
                .filter(|o| o.settings.traces)
                .map(|o| o.traces_status.clone()),
        };
        #[cfg(target_os = "linux")]
        let process = self
            .process_metrics
            .then(|| crate::process::ProcessMetrics::register(&meter, &diagnostics));
        self_metrics::register(&meter, diagnostics, exports);
        self_metrics::register_unpriced(&meter, metrics.pricing().clone());
        #[cfg(feature = "prometheus")]
        self_metrics::register_conflicts(&meter, reader.conflicts());
        Ok(Telemetry {
            inner: Arc::new(Inner {
                meter_provider: Some(meter_provider),
                reader: Some(reader),
                metrics,
                otlp: pushed,
                #[cfg(target_os = "linux")]
                _process: process,
                shutdown_started: AtomicBool::new(false),
                shutdown_timeout: self.shutdown_timeout,
                scrapes: Default::default(),
            }),
        })
    }
}
