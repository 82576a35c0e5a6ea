//! The exporters of the pipeline: the OTLP push ([`otlp`], public as
//! `autobot_otel::otlp`).

pub mod otlp;
