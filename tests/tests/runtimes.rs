//! Init, recording, flush and shutdown work with no Tokio runtime, on a
//! `current_thread` runtime and on multi-thread runtimes with 1 and 2 workers,
//! over gRPC and HTTP/protobuf, against a real collector (rotel); flush and
//! shutdown return within their bound.

use std::time::{Duration, Instant};

use autobot_otel::Telemetry;
use autobot_otel::otlp::{OtlpProtocol, OtlpSettings};
use autobot_otel_tests::{Rotel, parse_metrics};

#[derive(Clone, Copy, Debug)]
enum Flavor {
    NoRuntime,
    CurrentThread,
    MultiThread(usize),
}

/// Builds, records, flushes and shuts down inside `flavor`; returns the provider
/// label it recorded under.
fn lifecycle(flavor: Flavor, protocol: OtlpProtocol, endpoint: String, tag: &str) {
    let work = move || {
        let telemetry = Telemetry::builder()
            .with_otlp(
                OtlpSettings::new(endpoint, protocol)
                    .with_export_interval(Duration::from_secs(3600)),
            )
            .with_shutdown_timeout(Duration::from_secs(5))
            .build()
            .expect("builds");
        telemetry.metrics().record_llm_tokens(tag, "m", 1, 0);
        let started = Instant::now();
        telemetry.force_flush().expect("flush");
        telemetry.metrics().record_llm_tokens(tag, "m", 2, 0);
        telemetry.shutdown().expect("shutdown");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{flavor:?} {protocol:?}"
        );
    };
    match flavor {
        Flavor::NoRuntime => work(),
        Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move { work() }),
        Flavor::MultiThread(workers) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move { work() }),
    }
}

#[test]
fn every_runtime_flavor_over_both_protocols() {
    let rotel = Rotel::start().expect("rotel starts");
    let flavors = [
        Flavor::NoRuntime,
        Flavor::CurrentThread,
        Flavor::MultiThread(1),
        Flavor::MultiThread(2),
    ];
    let mut expected = Vec::new();
    for (i, flavor) in flavors.into_iter().enumerate() {
        for protocol in [OtlpProtocol::Grpc, OtlpProtocol::HttpProtobuf] {
            let endpoint = match protocol {
                OtlpProtocol::Grpc => rotel.grpc_endpoint(),
                OtlpProtocol::HttpProtobuf => rotel.http_endpoint(),
            };
            let tag = format!("runtime-{i}-{}", protocol.as_str().replace('/', "-"));
            lifecycle(flavor, protocol, endpoint, &tag);
            expected.push(tag);
        }
    }
    // Each pipeline's flush delivered 1 and its shutdown the cumulative 3.
    let output = rotel.wait_for_output(
        |out| {
            let metrics = parse_metrics(out);
            expected.iter().all(|tag| {
                metrics.iter().any(|m| {
                    m.name == "autobot_llm_tokens"
                        && m.point_with(&[("provider", tag), ("token_type", "input")])
                            .is_some_and(|p| p.value == Some(3.0))
                })
            })
        },
        Duration::from_secs(20),
    );
    assert!(output.is_ok(), "{:?}", output.err());
    let metrics = parse_metrics(&output.unwrap());
    for tag in &expected {
        let flushed = metrics.iter().any(|m| {
            m.name == "autobot_llm_tokens"
                && m.point_with(&[("provider", tag), ("token_type", "input")])
                    .is_some_and(|p| p.value == Some(1.0))
        });
        assert!(flushed, "{tag}: force_flush did not deliver");
    }
}
