//! The demo service: both monitoring endpoints on 127.0.0.1:8001 and a simulated
//! AutoBot workload that moves all 56 metrics. See `autobot_otel_examples::demo`
//! for its options.

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    autobot_otel_examples::demo::run_from_env().await
}
