//! The exporters of the pipeline, both fed by one SDK reader: the Prometheus
//! text reader ([`prometheus`], public as `autobot_otel::prometheus`) and the OTLP
//! push ([`otlp`], public as `autobot_otel::otlp`).

pub mod otlp;
pub mod prometheus;
