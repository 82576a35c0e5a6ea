//! Issue 10, as properties: the user information of an OTLP endpoint URL never
//! shows, however malformed the URL, and it still reaches the collector intact
//! as `Authorization: Basic`.
//!
//! Secrets are random over every character class (printable ASCII with
//! `/ ? # @ : %` and space more often, tab and newline, any Unicode,
//! percent-escapes), between the markers `Zq` and `Xj` so a partial leak fails
//! too. They are placed as the password, the user or both, raw or
//! percent-encoded, behind `http://`, `https://`, `HTTP://`, `grpc://` or no
//! scheme, before a good, an IPv6, a malformed-port or a malformed host (so the
//! exporter's own URL errors are exercised), for either transport, given in
//! code or through the variables. No form of any secret (as is, percent-decoded,
//! percent-encoded, `Debug`- or JSON-escaped), and neither marker, may appear in
//! the settings' `Debug`, `metrics_endpoint()` / `traces_endpoint()`, the
//! builder's and the pipeline's `Debug`, the health JSON, the build error, the
//! shutdown result or any log line (captured at `TRACE`, all targets).
//!
//! `every_malformed_endpoint_is_redacted_everywhere`: 1024 cases, no export.
//! `user_information_arrives_intact_as_basic_auth`: 256 cases, each exporting a
//! metric and a span to a loopback collector. Each case checks the log lines
//! written since it started. Failures are not persisted.

mod otlp_support;

use std::time::Duration;

use autobot_otel::Telemetry;
use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
use otlp_support::{
    Collector, assert_nowhere, basic_bytes, captured_logs_since, logged_bytes, logs,
    record_a_metric_and_a_span_and_flush, with_variables,
};
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use proptest::prelude::*;
use proptest::test_runner::Config;

fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// A secret between the markers `Zq` and `Xj`.
fn secret() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => "[ -~]{1,6}",
        3 => "[/?#@:% ]{1,3}",
        1 => "[\t\n]",
        2 => "\\PC{1,3}",
        2 => "(%[0-9A-Fa-f]{2}){1,2}",
    ];
    prop::collection::vec(piece, 1..5).prop_map(|pieces| format!("Zq{}Xj", pieces.concat()))
}

#[derive(Clone, Copy, Debug)]
enum Role {
    Password,
    User,
    Both,
}

/// One endpoint with user information.
#[derive(Clone, Debug)]
struct Case {
    secret: String,
    role: Role,
    encoded: bool,
    scheme: &'static str,
    host: &'static str,
    protocol: OtlpProtocol,
    via_variables: bool,
}

impl Case {
    /// (user, password) as written in the URL.
    fn userinfo(&self) -> (String, String) {
        let written = if self.encoded {
            utf8_percent_encode(&self.secret, NON_ALPHANUMERIC).to_string()
        } else {
            self.secret.clone()
        };
        match self.role {
            Role::Password => ("user".into(), written),
            Role::User => (written, "pass".into()),
            Role::Both => (written.clone(), written),
        }
    }

    fn endpoint(&self, port: u16) -> String {
        let (user, password) = self.userinfo();
        let host = self.host.replace("PORT", &port.to_string());
        format!("{}{user}:{password}@{host}", self.scheme)
    }
}

fn case() -> impl Strategy<Value = Case> {
    (
        secret(),
        prop::sample::select(vec![Role::Password, Role::User, Role::Both]),
        any::<bool>(),
        prop::sample::select(vec!["http://", "https://", "HTTP://", "grpc://", ""]),
        prop::sample::select(vec![
            "127.0.0.1:PORT",
            "[::1]:PORT",
            "127.0.0.1:notaport",
            "bad host:PORT/x",
        ]),
        prop::sample::select(vec![OtlpProtocol::Grpc, OtlpProtocol::HttpProtobuf]),
        any::<bool>(),
    )
        .prop_map(
            |(secret, role, encoded, scheme, host, protocol, via_variables)| Case {
                secret,
                role,
                encoded,
                scheme,
                host,
                protocol,
                via_variables,
            },
        )
}

/// Fails when any form of the secret, or a marker, shows in `places`.
fn check_nowhere(case: &Case, places: &[(&str, String)]) {
    assert_nowhere(&[&case.secret, "Zq", "Xj"], places);
}

proptest! {
    #![proptest_config(config(1024))]

    /// Everything printable about a pipeline whose endpoint carries the secret.
    /// Spans only and none recorded, so nothing is exported.
    #[test]
    fn every_malformed_endpoint_is_redacted_everywhere(case in case()) {
        logs();
        let logged = logged_bytes();
        let endpoint = case.endpoint(4318);
        let settings = OtlpSettings::new(endpoint.clone(), case.protocol);
        let mut places = vec![
            ("OtlpSettings Debug", format!("{settings:?}")),
            ("OtlpSettings pretty Debug", format!("{settings:#?}")),
            ("metrics_endpoint", settings.metrics_endpoint()),
            ("traces_endpoint", settings.traces_endpoint()),
        ];
        let builder = if case.via_variables {
            with_variables(&[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
                ("OTEL_EXPORTER_OTLP_PROTOCOL", case.protocol.as_str()),
                ("OTEL_METRICS_EXPORTER", "none"),
            ])
        } else {
            let mut traces_only = settings;
            traces_only.metrics = false;
            Telemetry::builder().with_otlp(traces_only)
        };
        places.push(("TelemetryBuilder Debug", format!("{builder:?}")));
        match builder.with_shutdown_timeout(Duration::from_secs(5)).build() {
            Ok(telemetry) => {
                let health = telemetry.health();
                let traces = health.exporters.otlp_traces.as_ref().expect("spans pushed");
                prop_assert!(health.exporters.otlp_metrics.is_none());
                places.push(("health endpoint", traces.endpoint.clone()));
                places.push(("health JSON", serde_json::to_string(&health).unwrap()));
                places.push(("Telemetry Debug", format!("{telemetry:?}")));
                places.push(("otlp_settings Debug", format!("{:?}", telemetry.otlp_settings())));
                places.push(("shutdown", format!("{:?}", telemetry.shutdown())));
            }
            Err(err) => {
                places.push(("build error", err.to_string()));
                places.push(("build error Debug", format!("{err:?}")));
            }
        }
        places.push(("logs", captured_logs_since(logged)));
        check_nowhere(&case, &places);
    }
}

/// One collector for every case of the property below.
fn collector() -> &'static Collector {
    static COLLECTOR: std::sync::OnceLock<Collector> = std::sync::OnceLock::new();
    COLLECTOR.get_or_init(Collector::start)
}

proptest! {
    #![proptest_config(config(256))]

    /// The secret reaches the collector as `Basic base64(user:password)`, with
    /// user and password percent-decoded, on both signals; nothing printable
    /// shows it.
    #[test]
    fn user_information_arrives_intact_as_basic_auth(
        case in case(),
        scheme in prop::sample::select(vec!["http://", "HTTP://"]),
    ) {
        logs();
        let logged = logged_bytes();
        let case = Case {
            scheme,
            host: "127.0.0.1:PORT",
            protocol: OtlpProtocol::HttpProtobuf,
            ..case
        };
        let collector = collector();
        collector.take();
        let settings = OtlpSettings::new(case.endpoint(collector.addr.port()), case.protocol)
            .with_export_interval(Duration::from_secs(3600));
        let telemetry = Telemetry::builder()
            .with_otlp(settings)
            .with_shutdown_timeout(Duration::from_secs(10))
            .build()
            .expect("a valid endpoint");
        record_a_metric_and_a_span_and_flush(&telemetry);
        let health = serde_json::to_string(&telemetry.health()).unwrap();
        telemetry.shutdown().expect("clean shutdown");
        let (user, password) = case.userinfo();
        let mut plain: Vec<u8> = percent_decode_str(&user).collect();
        plain.push(b':');
        plain.extend(percent_decode_str(&password));
        let want = basic_bytes(&plain);
        let received = collector.take();
        for path in ["/v1/metrics", "/v1/traces"] {
            let request = received.iter().find(|r| r.path == path);
            prop_assert!(request.is_some(), "no request to {}: {:?}", path, received);
            prop_assert_eq!(request.unwrap().header("authorization"), Some(want.as_str()));
        }
        check_nowhere(&case, &[("health JSON", health), ("logs", captured_logs_since(logged))]);
    }
}
