//! Examples for autobot-otel: the demo service (`cargo run -p autobot-otel-examples
//! --bin autobot-demo`), the simulated AutoBot workload it runs, the instrumented
//! code-review flow (`--bin instrumented`) and streaming LLM calls against a fake
//! provider (`--bin streaming`).

pub mod demo;
pub mod instrumented;
pub mod streaming;
pub mod workload;
