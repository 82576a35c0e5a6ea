//! The configuration table: [`ENV_VARIABLES`], every environment variable this
//! crate reads, and [`EnvConfig::read`], the one place that reads them, each
//! once per build, through the builder's lookup (the process environment, or
//! the map a test gives `TelemetryBuilder::with_env_lookup`). Everything else
//! (the OTLP resolution, the exemplar filter, the resource, the subscriber's
//! log filter) gets the values read here, never the environment.
//!
//! The OpenTelemetry SDK reads a few variables of its own from the process
//! environment, which no lookup reaches: the span batch processor's
//! (`OTEL_BSP_*`), the sampler's (`OTEL_TRACES_SAMPLER`, `..._ARG`) and the span
//! limits (`OTEL_SPAN_*_COUNT_LIMIT`); they are not in the table.

use opentelemetry::KeyValue;

use crate::diagnostics::ConfigWarning;
use crate::error::InitError;
use crate::exemplars::ExemplarFilter;
use crate::otlp::{
    self, ENDPOINT, EXPORT_INTERVAL, HEADERS, INSECURE, METRICS_EXPORTER, OtlpSettings, PROTOCOL,
    TIMEOUT, TRACES_EXPORTER,
};

/// The variable that turns the OpenTelemetry GenAI conventions' metrics on
/// (`true`) or off (`false`) when the builder does not say
/// ([`TelemetryBuilder::with_genai_metrics`](super::TelemetryBuilder::with_genai_metrics)).
///
/// ```
/// use autobot_otel::ENV_VARIABLES;
/// assert!(ENV_VARIABLES.iter().any(|v| v.name == "AUTOBOT_OTEL_GENAI_METRICS"));
/// ```
pub(crate) const GENAI_METRICS_VAR: &str = "AUTOBOT_OTEL_GENAI_METRICS";

/// The OpenTelemetry variable whose `gen_ai_latest_experimental` entry asks
/// instrumentations for the latest GenAI conventions: it turns the GenAI
/// metrics on too, unless [`GENAI_METRICS_VAR`] is set.
pub(crate) const SEMCONV_OPT_IN_VAR: &str = "OTEL_SEMCONV_STABILITY_OPT_IN";

/// The variable naming a TOML price table file
/// ([`Pricing::from_file`](crate::pricing::Pricing::from_file)), read when the
/// builder is given no table.
///
/// ```
/// use autobot_otel::ENV_VARIABLES;
/// assert!(ENV_VARIABLES.iter().any(|v| v.name == "AUTOBOT_OTEL_PRICING_FILE"));
/// ```
pub(crate) const PRICING_FILE_VAR: &str = "AUTOBOT_OTEL_PRICING_FILE";

const SDK_DISABLED: &str = "OTEL_SDK_DISABLED";
const SERVICE_NAME: &str = "OTEL_SERVICE_NAME";
const RESOURCE_ATTRIBUTES: &str = "OTEL_RESOURCE_ATTRIBUTES";
const RUST_LOG: &str = "RUST_LOG";

/// One environment variable this crate reads: a row of [`ENV_VARIABLES`].
///
/// ```
/// use autobot_otel::ENV_VARIABLES;
/// let interval = ENV_VARIABLES
///     .iter()
///     .find(|v| v.name == "OTEL_METRIC_EXPORT_INTERVAL")
///     .unwrap();
/// assert_eq!(interval.effect, "push interval (ms)");
/// assert_eq!(interval.default, "60000");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EnvVariable {
    /// The variable's name.
    pub name: &'static str,
    /// What it sets (Markdown, as the README's configuration table shows it).
    pub effect: &'static str,
    /// What applies when it is unset or empty (Markdown).
    pub default: &'static str,
}

const fn var(name: &'static str, effect: &'static str, default: &'static str) -> EnvVariable {
    EnvVariable {
        name,
        effect,
        default,
    }
}

const PER_SIGNAL_PROTOCOL: &str =
    "the signal's transport: metrics over gRPC and spans over HTTP is fine";
const PER_SIGNAL_HEADERS: &str = "the signal's headers; they replace the general ones (not merged)";
const PER_SIGNAL_TIMEOUT: &str = "the signal's per-export timeout (ms)";
const PER_SIGNAL_INSECURE: &str = "the same, per signal";
const THE_GENERAL_ONE: &str = "the general one";

/// Every environment variable this crate reads, with what it sets and its
/// default, in the order of the README's configuration table (which is checked
/// against this one: consecutive rows with the same effect and default share a
/// line there). A pipeline reads each once, when it is built
/// ([`TelemetryBuilder::build`](super::TelemetryBuilder::build)); the OTLP
/// variables only matter when the builder leaves OTLP to the environment, and
/// `RUST_LOG` only to the subscriber [`crate::init()`] installs.
///
/// ```
/// use autobot_otel::ENV_VARIABLES;
/// let names: Vec<&str> = ENV_VARIABLES.iter().map(|v| v.name).collect();
/// assert!(names.contains(&"OTEL_EXPORTER_OTLP_ENDPOINT"));
/// assert!(names.contains(&"OTEL_SERVICE_NAME"));
/// let disabled = ENV_VARIABLES.iter().find(|v| v.name == "OTEL_SDK_DISABLED").unwrap();
/// assert_eq!(disabled.default, "`false`");
/// ```
pub const ENV_VARIABLES: &[EnvVariable] = &[
    var(
        ENDPOINT.general,
        "collector URL of both signals. OTLP/HTTP: `/v1/metrics` and `/v1/traces` are \
         appended to its path; gRPC: used as is. Unset, and no per-signal endpoint either: \
         no push, no error",
        "unset",
    ),
    var(
        ENDPOINT.metrics,
        "URL of metrics, used as is (nothing appended). Set without the general one: only \
         metrics are pushed",
        THE_GENERAL_ONE,
    ),
    var(
        ENDPOINT.traces,
        "URL of spans, used as is. Set without the general one: only spans are pushed",
        THE_GENERAL_ONE,
    ),
    var(
        PROTOCOL.general,
        "`grpc` or `http/protobuf` (`http/json` is an error)",
        "`http/protobuf`",
    ),
    var(PROTOCOL.metrics, PER_SIGNAL_PROTOCOL, THE_GENERAL_ONE),
    var(PROTOCOL.traces, PER_SIGNAL_PROTOCOL, THE_GENERAL_ONE),
    var(
        HEADERS.general,
        "headers of every export, `name=value,name2=value2`, values percent-decoded (`%2C` \
         for a comma)",
        "none",
    ),
    var(HEADERS.metrics, PER_SIGNAL_HEADERS, "the general ones"),
    var(HEADERS.traces, PER_SIGNAL_HEADERS, "the general ones"),
    var(TIMEOUT.general, "per-export timeout (ms)", "10000"),
    var(TIMEOUT.metrics, PER_SIGNAL_TIMEOUT, THE_GENERAL_ONE),
    var(TIMEOUT.traces, PER_SIGNAL_TIMEOUT, THE_GENERAL_ONE),
    var(
        INSECURE.general,
        "`true`: a gRPC endpoint without a scheme (`collector:4317`) is reached over \
         `http://`; otherwise over `https://`, which fails (no TLS for OTLP, below)",
        "`false`",
    ),
    var(INSECURE.metrics, PER_SIGNAL_INSECURE, THE_GENERAL_ONE),
    var(INSECURE.traces, PER_SIGNAL_INSECURE, THE_GENERAL_ONE),
    var(EXPORT_INTERVAL, "push interval (ms)", "60000"),
    var(
        METRICS_EXPORTER,
        "`none` turns a signal's push off",
        "`otlp`",
    ),
    var(
        TRACES_EXPORTER,
        "`none` turns a signal's push off",
        "`otlp`",
    ),
    var(
        SERVICE_NAME,
        "`service.name` of the resource (exported on OTLP and in `target_info`); wins over a \
         `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, not over `with_service_name`",
        "`autobot`",
    ),
    var(
        RESOURCE_ATTRIBUTES,
        "more resource attributes, `key=value,key2=value2`: keys and values trimmed, values \
         percent-decoded (`%2C` for a comma), an entry without `=` skipped. Attributes set in \
         code win; a `service.version` here wins over the crate version of `init!()` / \
         `builder!()` (not over `with_service_version`)",
        "none; `service.version` = your crate's with `init!()` / `builder!()`, none with \
         `init()`",
    ),
    var(
        GENAI_METRICS_VAR,
        "`true`: record the OpenTelemetry GenAI conventions' metrics too; `false`: not, \
         whatever the next variable says (see \"GenAI conventions\")",
        "unset (off)",
    ),
    var(
        SEMCONV_OPT_IN_VAR,
        "a comma-separated list; `gen_ai_latest_experimental` in it turns the GenAI metrics \
         on when `AUTOBOT_OTEL_GENAI_METRICS` is unset",
        "unset",
    ),
    var(
        PRICING_FILE_VAR,
        "path of a TOML price table (see \"Cost\"): LLM calls without a cost of their own \
         are priced from it; a file that cannot be read or is invalid fails the build. \
         `with_pricing` / `with_pricing_file` win over it",
        "unset (no table: no computed cost)",
    ),
    var(SDK_DISABLED, "`true`: record and export nothing", "`false`"),
    var(
        ExemplarFilter::ENV,
        "which measurements keep an exemplar: `trace_based` (inside a sampled span), \
         `always_on` (every one; outside a span without IDs), `always_off`. Another value is \
         logged under `autobot_otel::config` and the default used",
        "`trace_based` when the pipeline exports spans (an OTLP traces endpoint), else \
         `always_off`",
    ),
    var(
        RUST_LOG,
        "log filter of the subscriber `init()` installs",
        "`info`",
    ),
];

/// The process environment as a lookup (values that are not Unicode are
/// unset): what [`TelemetryBuilder::from_env`](super::TelemetryBuilder::from_env)
/// reads through.
pub(crate) fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The values of [`ENV_VARIABLES`], each read once through a lookup, as given
/// (each reader below applies its own rule for empty values).
struct Values(Vec<Option<String>>);

impl Values {
    /// The one call site of the lookup.
    fn read(lookup: &dyn Fn(&str) -> Option<String>) -> Values {
        Values(ENV_VARIABLES.iter().map(|v| lookup(v.name)).collect())
    }

    /// The value of `name`, a row of [`ENV_VARIABLES`] (a name missing there is a
    /// bug: tests fail on it, a release build reads it as unset).
    fn get(&self, name: &str) -> Option<String> {
        let index = ENV_VARIABLES.iter().position(|v| v.name == name);
        debug_assert!(index.is_some(), "`{name}` is read but not in ENV_VARIABLES");
        index.and_then(|i| self.0[i].clone())
    }
}

/// What the environment says, read by [`EnvConfig::read`]; the builder takes
/// each part unless set in code.
pub(crate) struct EnvConfig {
    /// `OTEL_SDK_DISABLED` is `true` (any case).
    pub(crate) sdk_disabled: bool,
    /// The OTLP settings of the variables (`None`: no endpoint), or why they
    /// are invalid (an error only when the builder leaves OTLP to them).
    pub(crate) otlp: Result<Option<OtlpSettings>, InitError>,
    /// `OTEL_METRICS_EXEMPLAR_FILTER`: `Ok(None)` when unset or empty; an
    /// unknown value is a warning (the pipeline's default applies).
    pub(crate) exemplar_filter: Result<Option<ExemplarFilter>, ConfigWarning>,
    /// [`GENAI_METRICS_VAR`] when set (`true`, any case; anything else is
    /// off), else whether [`SEMCONV_OPT_IN_VAR`] lists
    /// `gen_ai_latest_experimental`.
    pub(crate) genai_metrics: bool,
    /// `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`.
    pub(crate) resource: EnvResource,
    /// `RUST_LOG`, as given, for the subscriber of [`crate::init()`].
    pub(crate) log_filter: Option<String>,
    /// [`PRICING_FILE_VAR`] (unset when empty or blank).
    pub(crate) pricing_file: Option<String>,
}

impl EnvConfig {
    /// Reads every variable of [`ENV_VARIABLES`] once through `lookup`, and only
    /// those.
    pub(crate) fn read(lookup: &dyn Fn(&str) -> Option<String>) -> EnvConfig {
        let values = Values::read(lookup);
        let get = |name: &str| values.get(name);
        let genai_metrics = match otlp::parse_bool(get(GENAI_METRICS_VAR)) {
            Some(enabled) => enabled,
            None => get(SEMCONV_OPT_IN_VAR).is_some_and(|list| {
                list.split(',')
                    .any(|entry| entry.trim() == "gen_ai_latest_experimental")
            }),
        };
        EnvConfig {
            sdk_disabled: otlp::parse_bool(get(SDK_DISABLED)).unwrap_or(false),
            otlp: otlp::resolve(&get),
            exemplar_filter: ExemplarFilter::from_env_value(get(ExemplarFilter::ENV)),
            genai_metrics,
            resource: EnvResource {
                service_name: get(SERVICE_NAME).filter(|v| !v.trim().is_empty()),
                attributes: get(RESOURCE_ATTRIBUTES)
                    .map(|text| parse_resource_attributes(&text))
                    .unwrap_or_default(),
            },
            log_filter: get(RUST_LOG),
            pricing_file: get(PRICING_FILE_VAR).filter(|v| !v.trim().is_empty()),
        }
    }
}

/// The resource the environment describes.
#[derive(Debug, Default)]
pub(crate) struct EnvResource {
    /// `OTEL_SERVICE_NAME` (unset when empty or blank).
    pub(crate) service_name: Option<String>,
    /// `OTEL_RESOURCE_ATTRIBUTES`, in its order.
    pub(crate) attributes: Vec<KeyValue>,
}

impl EnvResource {
    /// Whether `OTEL_RESOURCE_ATTRIBUTES` gives `key`.
    pub(crate) fn names(&self, key: &str) -> bool {
        self.attributes.iter().any(|kv| kv.key.as_str() == key)
    }
}

/// `OTEL_RESOURCE_ATTRIBUTES` as the OpenTelemetry Specification 1.55.0
/// ("Resource SDK", "Specifying resource information via an environment
/// variable") gives it: `key1=value1,key2=value2`, the W3C Baggage format
/// without properties. Entries are split on `,`, then on their first `=`; key
/// and value are trimmed, and the value is percent-decoded (`%2C` is a comma,
/// `%3D` an `=`). An entry without `=` is skipped, as the SDK's
/// `EnvResourceDetector` skips it; a value whose percent-decoding is not UTF-8
/// is kept as written. Keys are kept as written, empty ones too (the
/// exposition cleans them).
fn parse_resource_attributes(text: &str) -> Vec<KeyValue> {
    text.split(',')
        .filter_map(|entry| {
            let (key, value) = entry.split_once('=')?;
            let value = value.trim();
            let value = match percent_encoding::percent_decode_str(value).decode_utf8() {
                Ok(decoded) => decoded.into_owned(),
                Err(_) => value.to_string(),
            };
            Some(KeyValue::new(key.trim().to_string(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn read(vars: &[(&str, &str)]) -> EnvConfig {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        EnvConfig::read(&move |name| vars.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn every_name_is_listed_once() {
        let names: BTreeSet<&str> = ENV_VARIABLES.iter().map(|v| v.name).collect();
        assert_eq!(names.len(), ENV_VARIABLES.len(), "a name listed twice");
    }

    #[test]
    fn sdk_disabled_only_when_true() {
        for (value, disabled) in [
            ("true", true),
            ("TRUE", true),
            (" True ", true),
            ("false", false),
            ("1", false),
            ("", false),
        ] {
            let env = read(&[("OTEL_SDK_DISABLED", value)]);
            assert_eq!(env.sdk_disabled, disabled, "{value:?}");
        }
        assert!(!read(&[]).sdk_disabled);
    }

    #[test]
    fn the_defaults_shown_are_those_in_force() {
        let default = |name: &str| {
            ENV_VARIABLES
                .iter()
                .find(|v| v.name == name)
                .unwrap()
                .default
        };
        let millis = |d: std::time::Duration| d.as_millis().to_string();
        let s = read(&[(ENDPOINT.general, "http://h:4318")])
            .otlp
            .unwrap()
            .unwrap();
        assert_eq!(default(TIMEOUT.general), millis(s.timeout));
        assert_eq!(default(EXPORT_INTERVAL), millis(s.export_interval));
        assert_eq!(
            default(PROTOCOL.general),
            format!("`{}`", s.protocol.as_str())
        );
    }

    #[test]
    fn resource_attributes_are_split_trimmed_and_percent_decoded() {
        let attributes = |text: &str| -> Vec<(String, String)> {
            parse_resource_attributes(text)
                .into_iter()
                .map(|kv| (kv.key.to_string(), kv.value.to_string()))
                .collect()
        };
        let pair = |k: &str, v: &str| (k.to_string(), v.to_string());
        assert_eq!(
            attributes(" team = ai ,, no-equals, url=a%2Cb%3Dc ,k=v=w,=empty-key,bad=%FF,pct=100%"),
            [
                pair("team", "ai"),
                pair("url", "a,b=c"),
                pair("k", "v=w"),
                pair("", "empty-key"),
                pair("bad", "%FF"),
                pair("pct", "100%"),
            ]
        );
        assert!(attributes("").is_empty());
        let env = read(&[
            ("OTEL_RESOURCE_ATTRIBUTES", "service.name=a"),
            ("OTEL_SERVICE_NAME", " "),
        ]);
        assert!(env.resource.names("service.name"));
        assert_eq!(env.resource.service_name, None, "blank is unset");
    }

    #[test]
    fn genai_switches() {
        assert!(!read(&[]).genai_metrics);
        assert!(read(&[(GENAI_METRICS_VAR, " TRUE ")]).genai_metrics);
        assert!(!read(&[(GENAI_METRICS_VAR, "yes")]).genai_metrics);
        let opt_in = (SEMCONV_OPT_IN_VAR, "http, gen_ai_latest_experimental");
        assert!(read(&[opt_in]).genai_metrics);
        assert!(!read(&[opt_in, (GENAI_METRICS_VAR, "false")]).genai_metrics);
        assert!(
            read(&[opt_in, (GENAI_METRICS_VAR, " ")]).genai_metrics,
            "blank is unset"
        );
    }

    #[test]
    fn invalid_otlp_settings_and_exemplar_filters_are_kept_for_the_builder() {
        let env = read(&[
            (ENDPOINT.general, "http://h:4318"),
            (PROTOCOL.general, "carrier-pigeon"),
            ("OTEL_METRICS_EXEMPLAR_FILTER", "sometimes"),
        ]);
        assert!(env.otlp.is_err());
        let warning = env.exemplar_filter.unwrap_err();
        assert_eq!(
            (warning.variable, &*warning.value),
            (ExemplarFilter::ENV, "sometimes")
        );
        let env = read(&[("RUST_LOG", "")]);
        assert_eq!(env.log_filter.as_deref(), Some(""), "as given");
    }
}
