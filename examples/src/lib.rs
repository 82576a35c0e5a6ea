//! Examples for autobot-otel: the demo service (`cargo run -p autobot-otel-examples
//! --bin autobot-demo`), the simulated AutoBot workload it runs, the instrumented
//! code-review flow (`--bin instrumented`) and streaming LLM calls against a fake
//! provider (`--bin streaming`), and an agent loop with its workflow, agent, LLM and
//! tool spans (`--bin agents`).

pub mod agents;
pub mod demo;
pub mod instrumented;
pub mod streaming;
pub mod workload;
