//! Streams a few answers from the fake provider of
//! `autobot_otel_examples::streaming` (one breaks mid-stream, one is abandoned by
//! its reader) and prints what `#[instrument_llm]` recorded: the
//! `autobot_llm_*` families and the OpenTelemetry GenAI conventions' metrics,
//! turned on here. With `OTEL_EXPORTER_OTLP_ENDPOINT` set, the spans (open for
//! each stream's whole life) and metrics are pushed to that collector too.

use std::time::Duration;

use autobot_otel_examples::streaming::{FakeProvider, collect};
use futures_util::StreamExt;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let guard = autobot_otel::builder!()
        .with_genai_metrics(true)
        .install()?;
    let provider = FakeProvider::new(
        "gpt-4o",
        Duration::from_millis(300),
        Duration::from_millis(40),
    );
    for prompt in ["Summarize the diff", "Name the risks"] {
        let text = collect(provider.stream_chat(prompt, 6)).await?;
        println!("{prompt}: {text}");
    }
    let mut broken = provider.clone();
    broken.fail_after = Some(2);
    println!(
        "broken: {:?}",
        collect(broken.stream_chat("Explain", 6)).await
    );
    let mut abandoned = Box::pin(provider.stream_chat("Ramble", 50));
    println!(
        "abandoned after: {:?}",
        abandoned.next().await.map(|c| c.map(|c| c.text))
    );
    drop(abandoned);

    let scrape = guard.render(autobot_otel::Exposition::Text);
    for line in scrape.lines().filter(|l| {
        !l.starts_with('#')
            && !l.contains("_bucket")
            && (l.starts_with("autobot_llm") || l.starts_with("gen_ai"))
    }) {
        println!("{line}");
    }
    tokio::task::spawn_blocking(move || guard.shutdown()).await??;
    Ok(())
}
