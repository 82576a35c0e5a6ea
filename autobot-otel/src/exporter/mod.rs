//! The exporters of the pipeline, both fed by one SDK reader: the Prometheus
//! text reader ([`prometheus`], public as `autobot_otel::prometheus`; feature
//! `prometheus`) and the OTLP push ([`otlp`], public as `autobot_otel::otlp`;
//! features `otlp-grpc`, `otlp-http`).

pub mod otlp;
#[cfg(feature = "prometheus")]
pub mod prometheus;

/// The pipeline's one reader: the Prometheus text reader, which the OTLP push
/// collects from too.
#[cfg(feature = "prometheus")]
pub(crate) type PipelineReader = prometheus::PrometheusTextReader;

/// The pipeline's one reader without the Prometheus exposition: a plain
/// cumulative reader for the OTLP push and the health report.
#[cfg(not(feature = "prometheus"))]
pub(crate) type PipelineReader = plain::PlainReader;

#[cfg(not(feature = "prometheus"))]
mod plain {
    use std::sync::{Arc, Weak};
    use std::time::Duration;

    use opentelemetry_sdk::error::OTelSdkResult;
    use opentelemetry_sdk::metrics::data::ResourceMetrics;
    use opentelemetry_sdk::metrics::reader::MetricReader;
    use opentelemetry_sdk::metrics::{InstrumentKind, ManualReader, Pipeline, Temporality};

    /// A shared cumulative [`ManualReader`].
    #[derive(Clone, Debug)]
    pub(crate) struct PlainReader(Arc<ManualReader>);

    impl PlainReader {
        pub(crate) fn new() -> Self {
            PlainReader(Arc::new(
                ManualReader::builder()
                    .with_temporality(Temporality::Cumulative)
                    .build(),
            ))
        }
    }

    impl MetricReader for PlainReader {
        fn register_pipeline(&self, pipeline: Weak<Pipeline>) {
            self.0.register_pipeline(pipeline)
        }

        fn collect(&self, rm: &mut ResourceMetrics) -> OTelSdkResult {
            self.0.collect(rm)
        }

        fn force_flush(&self) -> OTelSdkResult {
            self.0.force_flush()
        }

        fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
            self.0.shutdown_with_timeout(timeout)
        }

        fn temporality(&self, _kind: InstrumentKind) -> Temporality {
            Temporality::Cumulative
        }
    }
}
