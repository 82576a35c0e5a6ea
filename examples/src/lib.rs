//! Examples for autobot-otel, and the simulated AutoBot workload that the demo
//! service (`cargo run -p autobot-otel-examples --bin autobot-demo`) runs.

pub mod workload;
