//! The OpenTelemetry HTTP server conventions' metrics
//! (`http.server.request.duration`, `http.server.active_requests`; semantic
//! conventions 1.42.0, status Stable), recorded for the user's own axum app and
//! for the two monitoring endpoints by `autobot_otel::http::ServerMetricsLayer`.
//! Not of the guide's 56 ([`Source::HttpServer`]). Like the GenAI metrics the
//! contract is the OpenTelemetry name ([`Naming::OpenTelemetry`]); the scrape
//! shows the standard translation (`http_server_request_duration_seconds`,
//! `http_request_method`, ...). An attribute without a value (no matched
//! route, no status code, no error) is left out.
//!
//! ```
//! use autobot_otel_catalog::http_server::{HttpServerMetric, HTTP_SERVER_METRICS};
//! let duration = HttpServerMetric::RequestDuration.def();
//! assert_eq!(duration.prometheus_name(), "http_server_request_duration_seconds");
//! let labels: Vec<_> = duration.prometheus_labels().collect();
//! assert_eq!(labels, ["http_request_method", "http_route", "http_response_status_code", "error_type", "url_scheme"]);
//! assert_eq!(HttpServerMetric::ActiveRequests.def().prometheus_name(), "http_server_active_requests");
//! assert_eq!(HTTP_SERVER_METRICS.len(), 2);
//! ```

use crate::MetricDef;
use crate::attributes;
#[cfg(doc)]
use crate::{Naming, Source};

/// The conventions' advisory boundaries of `http.server.request.duration` (s).
pub const REQUEST_DURATION_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// The methods the conventions know (RFC 9110's, `PATCH` and `QUERY`); any
/// other is recorded as [`OTHER_METHOD`].
pub const KNOWN_METHODS: [&str; 10] = [
    "CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "QUERY", "TRACE",
];

/// `http.request.method` of a method outside [`KNOWN_METHODS`].
pub const OTHER_METHOD: &str = "_OTHER";

/// The `http.request.method` value of `method`: itself when known, else `_OTHER`.
///
/// ```
/// use autobot_otel_catalog::http_server::request_method;
/// assert_eq!(request_method("GET"), "GET");
/// assert_eq!(request_method("get"), "_OTHER");
/// assert_eq!(request_method("PURGE"), "_OTHER");
/// ```
pub fn request_method(method: &str) -> &'static str {
    KNOWN_METHODS
        .iter()
        .find(|m| **m == method)
        .copied()
        .unwrap_or(OTHER_METHOD)
}

impl HttpServerMetric {
    /// The definition.
    ///
    /// ```
    /// use autobot_otel_catalog::http_server::HttpServerMetric;
    /// assert_eq!(HttpServerMetric::RequestDuration.def().unit, "s");
    /// ```
    pub fn def(self) -> &'static MetricDef<HttpServerMetric> {
        &HTTP_SERVER_METRICS[self as usize]
    }
}

metric_table! {
    /// Typed identifier of each HTTP server metric; `id.def()` gives its definition.
    enum HttpServerMetric;
    /// Both HTTP server metrics, in [`HttpServerMetric`] order.
    static HTTP_SERVER_METRICS;
    defaults { category: None, source: HttpServer, max_series: 1000 }

    RequestDuration {
        name: "http.server.request.duration", kind: Histogram, unit: "s",
        labels: [
            (attributes::HTTP_REQUEST_METHOD), (attributes::HTTP_ROUTE),
            (attributes::HTTP_RESPONSE_STATUS_CODE), (attributes::ERROR_TYPE),
            (attributes::URL_SCHEME),
        ],
        help: "Duration of HTTP server requests.",
        buckets: REQUEST_DURATION_BUCKETS, max_series: 1000,
    },
    ActiveRequests {
        name: "http.server.active_requests", kind: Gauge, unit: "{request}",
        labels: [(attributes::HTTP_REQUEST_METHOD), (attributes::URL_SCHEME)],
        help: "Number of active HTTP server requests.",
        max_series: 40,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Naming, Source};

    #[test]
    fn names_and_buckets_are_the_conventions() {
        for (i, def) in HTTP_SERVER_METRICS.iter().enumerate() {
            assert_eq!(def.id as usize, i);
            assert_eq!(def.source, Source::HttpServer);
            assert_eq!(def.naming, Naming::OpenTelemetry);
            assert_eq!(def.translated_name(), def.prometheus_name());
            assert!(def.name.starts_with("http.server."));
        }
        assert_eq!(REQUEST_DURATION_BUCKETS.len(), 14);
        assert!(REQUEST_DURATION_BUCKETS.windows(2).all(|w| w[0] < w[1]));
        assert!(KNOWN_METHODS.windows(2).all(|w| w[0] < w[1]));
    }
}
