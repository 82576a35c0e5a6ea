//! Examples for autobot-otel: the demo service (`cargo run -p autobot-otel-examples
//! --bin autobot-demo`) and the simulated AutoBot workload it runs.

pub mod demo;
pub mod instrumented;
pub mod workload;
