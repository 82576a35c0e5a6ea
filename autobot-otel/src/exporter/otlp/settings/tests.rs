//! Every environment case of [`resolve`], as plain tests over a map of
//! variables, down to the [`SignalConfig`] each exporter is built from. (That
//! the configuration table names every variable read, and the README lists the
//! table, is `autobot-otel/tests/env_table.rs`.)

use super::*;

/// A lookup over `vars` (unset names: `None`).
fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        vars.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.to_string())
    }
}

fn resolved(vars: &[(&str, &str)]) -> OtlpSettings {
    resolve(&env(vars))
        .expect("valid configuration")
        .expect("an endpoint is set")
}

fn error(vars: &[(&str, &str)]) -> String {
    match resolve(&env(vars)) {
        Err(e) => e.to_string(),
        Ok(s) => panic!("expected an error, got {s:?}"),
    }
}

fn metrics(s: &OtlpSettings) -> SignalConfig {
    s.signal(Signal::Metrics).expect("valid metrics settings")
}

fn traces(s: &OtlpSettings) -> SignalConfig {
    s.signal(Signal::Traces).expect("valid traces settings")
}

/// (name, value) of every header, values included, sorted by name.
fn headers(config: &SignalConfig) -> Vec<(String, String)> {
    let mut out: Vec<_> = config
        .headers
        .iter()
        .map(|(n, v)| {
            assert!(v.is_sensitive(), "{n} is not marked sensitive");
            (
                n.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

fn basic(plain: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(plain)
    )
}

#[test]
fn no_endpoint_means_no_push() {
    assert!(resolve(&env(&[])).unwrap().is_none());
    let without_endpoint = [
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "a=b"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "  "),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", ""),
    ];
    assert!(resolve(&env(&without_endpoint)).unwrap().is_none());
}

#[test]
fn general_http_endpoint_gets_the_signal_paths() {
    let s = resolved(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:4318")]);
    assert_eq!(s.protocol, OtlpProtocol::HttpProtobuf, "the default");
    assert_eq!(metrics(&s).url, "http://h:4318/v1/metrics");
    assert_eq!(traces(&s).url, "http://h:4318/v1/traces");
    assert_eq!(metrics(&s).protocol, OtlpProtocol::HttpProtobuf);
    assert_eq!(traces(&s).timeout, Duration::from_secs(10));
    assert_eq!(s.export_interval, Duration::from_secs(60));
    assert!(s.metrics && s.traces);
    for (base, want) in [
        ("http://h:4318/", "http://h:4318/v1/metrics"),
        ("http://h:4318/base", "http://h:4318/base/v1/metrics"),
        ("http://h:4318/base/", "http://h:4318/base/v1/metrics"),
        ("  https://h  ", "https://h/v1/metrics"),
    ] {
        let s = resolved(&[("OTEL_EXPORTER_OTLP_ENDPOINT", base)]);
        assert_eq!(metrics(&s).url, want, "{base}");
    }
}

#[test]
fn general_grpc_endpoint_is_used_as_is() {
    let s = resolved(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:4317/"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
    ]);
    assert_eq!(metrics(&s).url, "http://h:4317");
    assert_eq!(traces(&s).url, "http://h:4317");
    assert_eq!(traces(&s).protocol, OtlpProtocol::Grpc);
}

#[test]
fn per_signal_endpoints_are_used_as_is_and_enable_only_their_signal() {
    let s = resolved(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://base:4318"),
        ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://m:9/custom/"),
    ]);
    assert_eq!(metrics(&s).url, "http://m:9/custom/");
    assert_eq!(traces(&s).url, "http://base:4318/v1/traces");
    assert_eq!(s.metrics_endpoint(), "http://m:9/custom/");

    let only_traces = resolved(&[("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://t:4318")]);
    assert!(only_traces.traces && !only_traces.metrics);
    assert_eq!(traces(&only_traces).url, "http://t:4318", "no path added");
    assert_eq!(only_traces.endpoint, "http://localhost:4318");
    let grpc_only_metrics = resolved(&[
        ("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "http://m:4317"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
    ]);
    assert!(grpc_only_metrics.metrics && !grpc_only_metrics.traces);
    assert_eq!(grpc_only_metrics.endpoint, "http://localhost:4317");
}

/// Issue 9: the traces protocol was never read, spans used the metrics one.
#[test]
fn each_signal_has_its_own_protocol() {
    let s = resolved(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:4317"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"),
        (
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "http://h:4318/v1/traces",
        ),
    ]);
    assert_eq!(metrics(&s).protocol, OtlpProtocol::Grpc);
    assert_eq!(metrics(&s).url, "http://h:4317");
    assert_eq!(traces(&s).protocol, OtlpProtocol::HttpProtobuf);
    assert_eq!(traces(&s).url, "http://h:4318/v1/traces");
    assert_eq!(s.traces_protocol(), OtlpProtocol::HttpProtobuf);

    let metrics_only_grpc = resolved(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:4318"),
        ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "grpc"),
    ]);
    assert_eq!(metrics(&metrics_only_grpc).protocol, OtlpProtocol::Grpc);
    assert_eq!(metrics(&metrics_only_grpc).url, "http://h:4318");
    assert_eq!(
        traces(&metrics_only_grpc).protocol,
        OtlpProtocol::HttpProtobuf
    );
    assert_eq!(traces(&metrics_only_grpc).url, "http://h:4318/v1/traces");
}

#[test]
fn unsupported_protocols_name_the_variable() {
    for var in [
        "OTEL_EXPORTER_OTLP_PROTOCOL",
        "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL",
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
    ] {
        let text = error(&[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:4318"),
            (var, "http/json"),
        ]);
        assert!(
            text.contains(var) && text.contains("OTLP protocol `http/json` is not supported"),
            "{text}"
        );
    }
    let s = resolved(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:4318"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", " "),
    ]);
    assert_eq!(s.protocol, OtlpProtocol::HttpProtobuf, "empty is unset");
}

#[test]
fn headers_are_percent_decoded_and_per_signal_headers_replace_the_general_ones() {
    let s = resolved(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:4318"),
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            " X-Key = s3cret , x-sp=a%20b%2Cc%3D ,, empty=",
        ),
        ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-traces=t%C3%A9"),
    ]);
    let pair = |n: &str, v: &str| (n.to_string(), v.to_string());
    assert_eq!(
        headers(&metrics(&s)),
        [
            pair("empty", ""),
            pair("x-key", "s3cret"),
            pair("x-sp", "a b,c=")
        ]
    );
    assert_eq!(headers(&traces(&s)), [pair("x-traces", "té")]);
    let only_metrics = resolved(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:4318"),
        ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "m=1"),
    ]);
    assert_eq!(headers(&metrics(&only_metrics)), [pair("m", "1")]);
    assert!(headers(&traces(&only_metrics)).is_empty());
}

#[test]
fn bad_headers_fail_without_showing_values() {
    let base = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:4318");
    for (var, value) in [
        ("OTEL_EXPORTER_OTLP_HEADERS", "ok=1,Bearer-s3cret"),
        ("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "=s3cret"),
        ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-key=s3cret%FF"),
    ] {
        let text = error(&[base, (var, value)]);
        assert!(text.contains(var), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
    }
    // Valid variable syntax, invalid HTTP: caught when the exporter is built.
    let s = resolved(&[base, ("OTEL_EXPORTER_OTLP_HEADERS", "x-key=s3cr%0At")]);
    let text = s.signal(Signal::Metrics).unwrap_err().to_string();
    assert!(text.contains("x-key") && !text.contains("s3cr"), "{text}");
    let s = resolved(&[base, ("OTEL_EXPORTER_OTLP_HEADERS", "bad name=s3cret")]);
    let text = s.signal(Signal::Traces).unwrap_err().to_string();
    assert!(
        text.contains("bad name") && !text.contains("s3cret"),
        "{text}"
    );
}

#[test]
fn timeouts_per_signal_in_milliseconds() {
    let s = resolved(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:4318"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "2500"),
        ("OTEL_EXPORTER_OTLP_METRICS_TIMEOUT", " 100 "),
    ]);
    assert_eq!(metrics(&s).timeout, Duration::from_millis(100));
    assert_eq!(traces(&s).timeout, Duration::from_millis(2500));
    for var in [
        "OTEL_EXPORTER_OTLP_TIMEOUT",
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        "OTEL_METRIC_EXPORT_INTERVAL",
    ] {
        for bad in ["abc", "0", "-1", "1.5", "10s"] {
            let text = error(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:4318"), (var, bad)]);
            assert!(
                text.contains(var) && text.contains("milliseconds"),
                "{text}"
            );
        }
    }
    let s = resolved(&[
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:4318"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "250"),
    ]);
    assert_eq!(s.export_interval, Duration::from_millis(250));
}

#[test]
fn exporter_none_turns_a_signal_off() {
    let base = ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://h:4318");
    let s = resolved(&[base, ("OTEL_TRACES_EXPORTER", "none")]);
    assert!(s.metrics && !s.traces);
    let s = resolved(&[base, ("OTEL_METRICS_EXPORTER", " NONE ")]);
    assert!(!s.metrics && s.traces);
    let s = resolved(&[base, ("OTEL_METRICS_EXPORTER", "otlp")]);
    assert!(s.metrics);
}

#[test]
fn grpc_endpoints_without_scheme_follow_insecure() {
    let grpc = ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
    let s = resolved(&[grpc, ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317")]);
    assert_eq!(
        metrics(&s).url,
        "https://collector:4317",
        "secure by default"
    );
    let s = resolved(&[
        grpc,
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317"),
        ("OTEL_EXPORTER_OTLP_INSECURE", "true"),
        ("OTEL_EXPORTER_OTLP_TRACES_INSECURE", "false"),
    ]);
    assert_eq!(metrics(&s).url, "http://collector:4317");
    assert_eq!(traces(&s).url, "https://collector:4317");
    let s = resolved(&[
        grpc,
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
        ("OTEL_EXPORTER_OTLP_INSECURE", "false"),
    ]);
    assert_eq!(metrics(&s).url, "http://collector:4317", "a scheme wins");
    // OTLP/HTTP needs the scheme.
    let s = resolved(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "user:pa/ss@collector:4318")]);
    let text = s.signal(Signal::Metrics).unwrap_err().to_string();
    assert!(text.contains("not an http:// or https:// URL"), "{text}");
    assert!(!text.contains("pa/ss") && !text.contains("user"), "{text}");
}

#[test]
fn user_information_becomes_basic_auth_and_leaves_the_url() {
    for (endpoint, url, plain) in [
        (
            "http://us%40er:p%3Ass@h:4318/",
            "http://h:4318/v1/metrics",
            "us@er:p:ss",
        ),
        // Issue 10: `/`, `?`, `#`, `@` and `:` in the password.
        (
            "http://user:pa/ss?x#y@z:w@h:4318",
            "http://h:4318/v1/metrics",
            "user:pa/ss?x#y@z:w",
        ),
        ("HTTPS://token@h", "HTTPS://h/v1/metrics", "token:"),
        ("http://[::1]:4318", "http://[::1]:4318/v1/metrics", ""),
        (
            "http://u:p w@[::1]:4318",
            "http://[::1]:4318/v1/metrics",
            "u:p w",
        ),
    ] {
        let s = OtlpSettings::new(endpoint, OtlpProtocol::HttpProtobuf);
        let config = metrics(&s);
        assert_eq!(config.url, url, "{endpoint}");
        assert_eq!(s.metrics_endpoint(), url);
        let auth = headers(&config);
        if plain.is_empty() {
            assert!(auth.is_empty(), "{endpoint}: {auth:?}");
        } else {
            assert_eq!(
                auth,
                [("authorization".to_string(), basic(plain))],
                "{endpoint}"
            );
        }
    }
    let grpc = OtlpSettings::new("grpc-user:pw@collector:4317", OtlpProtocol::Grpc);
    assert_eq!(grpc.traces_endpoint(), "https://collector:4317");
    assert_eq!(
        headers(&traces(&grpc)),
        [("authorization".to_string(), basic("grpc-user:pw"))]
    );
    // An explicit authorization header wins over the URL's.
    let explicit = OtlpSettings::new("https://token@h:4317", OtlpProtocol::Grpc)
        .with_header("Authorization", "Bearer x");
    assert_eq!(
        headers(&metrics(&explicit)),
        [("authorization".to_string(), "Bearer x".to_string())]
    );
}

#[test]
fn redaction_of_any_text() {
    for (text, want) in [
        (
            "http://u:p@h:1/v1/metrics",
            "http://<redacted>@h:1/v1/metrics",
        ),
        ("http://u:pa/ss@h:1", "http://<redacted>@h:1"),
        ("http://u:p?a#b@c@h", "http://<redacted>@h"),
        ("grpc://a:b@c", "<redacted>@c"),
        ("HTTPS://a:b@c", "HTTPS://<redacted>@c"),
        ("user:x://y@host", "<redacted>@host"),
        ("u:p w@[::1]:4317", "<redacted>@[::1]:4317"),
        (
            "error sending request for url (http://u:p@h:1/v1/metrics)",
            "<redacted>@h:1/v1/metrics)",
        ),
        (
            "invalid endpoint 'x' and https://x@y z://w@v",
            "<redacted>@v",
        ),
        ("http://host:4318/v1/metrics", "http://host:4318/v1/metrics"),
        ("http://@host", "http://@host"),
        ("no url here", "no url here"),
    ] {
        assert_eq!(redact_userinfo(text), want, "{text}");
    }
}

#[test]
fn settings_debug_shows_no_credentials() {
    let s = OtlpSettings::new("http://user:pa/ss@h:4318/", OtlpProtocol::HttpProtobuf)
        .with_header("x-key", "hdr-s3cret")
        .with_traces_endpoint("http://tuser:tpa/ss@t:4318/v1/traces");
    for debug in [format!("{s:?}"), format!("{s:#?}")] {
        for secret in ["pa/ss", "user", "hdr-s3cret", "tpa"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert!(debug.contains("http://<redacted>@h:4318/"), "{debug}");
    }
    let config = metrics(&s);
    let debug = format!("{config:?}");
    assert!(
        !debug.contains("hdr-s3cret") && debug.contains("x-key"),
        "{debug}"
    );
}
