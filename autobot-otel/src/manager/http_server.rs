//! The HTTP server conventions' metrics ([`crate::catalog::http_server`]):
//! `http.server.request.duration` and `http.server.active_requests`, recorded
//! by [`crate::http::ServerMetricsLayer`] through series tables like the
//! catalog's, so each keeps at most its series limit and folds the rest into
//! one `otel.metric.overflow = true` series (the limit is logged once, under
//! [`diagnostics::CARDINALITY`]). An attribute without a value (no matched
//! route, no status code, no error) is left out, never written as `unknown`;
//! `http.response.status_code` is an integer attribute.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use opentelemetry::metrics::{BoundUpDownCounter, Histogram, Meter, UpDownCounter};
use opentelemetry::{KeyValue, StringValue, Value};

use super::instruments::{Bind, HistogramSeries, SeriesConfig, valid_measurement};
use super::series::{Key, Series, SeriesTable};
use crate::catalog::http_server::HttpServerMetric;
use crate::diagnostics::{self, Diagnostics};
use crate::exemplars::ExemplarFilter;
use crate::labels::EMPTY_LABEL_VALUE;
use autobot_otel_catalog::MetricDef;
use autobot_otel_catalog::attributes as attr;

/// One `http.server.active_requests` series.
pub(crate) struct ActiveSeries {
    key: Key,
    bound: BoundUpDownCounter<i64>,
}

impl Series for ActiveSeries {
    fn key(&self) -> &Key {
        &self.key
    }
}

impl ActiveSeries {
    fn add(&self, n: i64) {
        self.bound.add(n);
    }
}

/// The attributes of a key: the unknown optional ones left out, the status
/// code as an integer, sorted by key.
fn attributes(def: &MetricDef<HttpServerMetric>, key: &Key) -> Vec<KeyValue> {
    let optional = |k: &str| {
        matches!(
            k,
            attr::HTTP_ROUTE | attr::HTTP_RESPONSE_STATUS_CODE | attr::ERROR_TYPE
        )
    };
    let mut attrs: Vec<KeyValue> = def
        .labels
        .iter()
        .zip(key.values())
        .filter(|(k, v)| !(optional(k) && *v == EMPTY_LABEL_VALUE))
        .map(|(k, v)| match (*k, v.parse::<i64>()) {
            (attr::HTTP_RESPONSE_STATUS_CODE, Ok(code)) => KeyValue::new(*k, code),
            _ => KeyValue::new(*k, Value::String(StringValue::from(v.to_owned()))),
        })
        .collect();
    attrs.sort_unstable_by(|a, b| a.key.as_str().cmp(b.key.as_str()));
    attrs
}

/// Logs that `def` reached its series limit, once per pipeline and metric.
fn limit_reached(def: &MetricDef<HttpServerMetric>, logged: &AtomicBool) {
    if !logged.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            target: diagnostics::CARDINALITY,
            metric = def.name,
            limit = def.max_series,
            "series limit reached: `{}` has too many distinct attribute sets; further \
             ones are folded into one overflow series (otel.metric.overflow=true)",
            def.name
        );
    }
}

/// The two HTTP server instruments of one pipeline and their series.
pub(crate) struct HttpServerMetrics {
    duration: Histogram<f64>,
    durations: SeriesTable<HistogramSeries>,
    duration_overflow: OnceLock<Arc<HistogramSeries>>,
    active: UpDownCounter<i64>,
    actives: SeriesTable<ActiveSeries>,
    active_overflow: OnceLock<Arc<ActiveSeries>>,
    logged: [AtomicBool; 2],
    config: SeriesConfig,
}

/// What one finished request records, in the duration's attribute order.
pub(crate) struct Finished<'a> {
    pub(crate) method: &'static str,
    pub(crate) route: Option<&'a str>,
    pub(crate) status: Option<u16>,
    pub(crate) error_type: Option<&'a str>,
    pub(crate) scheme: &'static str,
}

impl HttpServerMetrics {
    /// Builds both instruments on `meter` (no series until a request).
    pub(crate) fn new(meter: &Meter) -> HttpServerMetrics {
        let duration = HttpServerMetric::RequestDuration.def();
        let active = HttpServerMetric::ActiveRequests.def();
        HttpServerMetrics {
            duration: meter
                .f64_histogram(duration.name)
                .with_unit(duration.unit)
                .with_description(duration.help)
                .with_boundaries(duration.buckets.to_vec())
                .build(),
            durations: SeriesTable::new(duration.max_series),
            duration_overflow: OnceLock::new(),
            active: meter
                .i64_up_down_counter(active.name)
                .with_unit(active.unit)
                .with_description(active.help)
                .build(),
            actives: SeriesTable::new(active.max_series),
            active_overflow: OnceLock::new(),
            logged: [AtomicBool::new(false), AtomicBool::new(false)],
            config: SeriesConfig {
                exemplars: ExemplarFilter::AlwaysOff,
                bounds: Arc::from([]),
            },
        }
    }

    /// A request started: its active-requests series, already counted up
    /// (the caller moves it down with [`HttpServerMetrics::ended`]).
    pub(crate) fn started(&self, method: &'static str, scheme: &'static str) -> Arc<ActiveSeries> {
        let def = HttpServerMetric::ActiveRequests.def();
        let series = self
            .actives
            .get_or_insert(&[method, scheme], |key| {
                let attrs = attributes(def, &key);
                ActiveSeries {
                    key,
                    bound: self.active.bind(&attrs),
                }
            })
            .unwrap_or_else(|_| {
                limit_reached(def, &self.logged[1]);
                self.active_overflow
                    .get_or_init(|| {
                        Arc::new(ActiveSeries {
                            key: Key::default(),
                            bound: self
                                .active
                                .bind(&[KeyValue::new(attr::METRIC_OVERFLOW, true)]),
                        })
                    })
                    .clone()
            });
        series.add(1);
        series
    }

    /// A request ended (answered, failed, panicked or cancelled): its active
    /// series moves down and its duration is recorded (dropped and counted if
    /// not a valid measurement).
    pub(crate) fn ended(
        &self,
        d: &Diagnostics,
        active: &ActiveSeries,
        request: &Finished<'_>,
        seconds: f64,
    ) {
        active.add(-1);
        if !valid_measurement(seconds) {
            return d.drop_measurement();
        }
        let mut code = itoa::Buffer::new();
        let status = request.status.map_or("", |s| code.format(s));
        let values = [
            request.method,
            request.route.unwrap_or(""),
            status,
            request.error_type.unwrap_or(""),
            request.scheme,
        ];
        let def = HttpServerMetric::RequestDuration.def();
        let recorded = self.durations.with(
            &values,
            |key| {
                let attrs = attributes(def, &key);
                self.duration.make(key, &attrs, &self.config)
            },
            |s| s.record(seconds),
        );
        if recorded.is_err() {
            limit_reached(def, &self.logged[0]);
            self.duration_overflow
                .get_or_init(|| {
                    Arc::new(self.duration.make(
                        Key::default(),
                        &[KeyValue::new(attr::METRIC_OVERFLOW, true)],
                        &self.config,
                    ))
                })
                .record(seconds);
        }
    }

    /// Series of each table now (tests).
    #[cfg(test)]
    fn series(&self, id: HttpServerMetric) -> usize {
        match id {
            HttpServerMetric::RequestDuration => {
                self.durations.len() + usize::from(self.duration_overflow.get().is_some())
            }
            HttpServerMetric::ActiveRequests => {
                self.actives.len() + usize::from(self.active_overflow.get().is_some())
            }
        }
    }

    /// Whether a table reached its limit.
    pub(crate) fn at_limit(&self, id: HttpServerMetric) -> bool {
        match id {
            HttpServerMetric::RequestDuration => self.duration_overflow.get().is_some(),
            HttpServerMetric::ActiveRequests => self.active_overflow.get().is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::metrics::MeterProvider as _;

    #[test]
    fn unknown_optional_attributes_are_left_out_and_the_limit_folds() {
        let provider = opentelemetry_sdk::metrics::SdkMeterProvider::builder().build();
        let http = HttpServerMetrics::new(&provider.meter("t"));
        let d = Diagnostics::default();
        let active = http.started("GET", "http");
        let done = Finished {
            method: "GET",
            route: None,
            status: Some(404),
            error_type: None,
            scheme: "http",
        };
        http.ended(&d, &active, &done, 0.01);
        http.ended(&d, &active, &done, f64::NAN);
        assert_eq!(d.dropped(), 1);
        assert_eq!(http.series(HttpServerMetric::RequestDuration), 1);
        let def = HttpServerMetric::RequestDuration.def();
        let key = http.durations.all()[0]
            .key()
            .values()
            .map(str::to_owned)
            .collect::<Vec<_>>();
        let attrs = attributes(def, http.durations.all()[0].key());
        assert_eq!(key[1], EMPTY_LABEL_VALUE);
        let keys: Vec<&str> = attrs.iter().map(|kv| kv.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "http.request.method",
                "http.response.status_code",
                "url.scheme"
            ]
        );
        assert_eq!(attrs[1].value, Value::I64(404));
        for i in 0..HttpServerMetric::ActiveRequests.def().max_series + 5 {
            let method: &'static str = Box::leak(format!("M{i}").into_boxed_str());
            http.started(method, "http");
        }
        assert!(http.at_limit(HttpServerMetric::ActiveRequests));
        assert!(!http.at_limit(HttpServerMetric::RequestDuration));
    }
}
