//! Runs the instrumented code-review flow a few times (one LLM failure included)
//! and prints what the attributes recorded. With `OTEL_EXPORTER_OTLP_ENDPOINT`
//! set, the spans and metrics are pushed to that collector too.

use autobot_otel_examples::instrumented::{LlmClient, review_pull_request};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let guard = autobot_otel::init()?;
    let llm = LlmClient {
        model: "gpt-4o".into(),
    };
    for number in 1..=3 {
        let pr = review_pull_request(&llm, "autobot/backend", number).await;
        println!("review #{number}: {pr:?}");
    }
    // A failing LLM call, to show the error series.
    let _ = llm.complete("").await;

    let scrape = guard.render(autobot_otel::Exposition::Text);
    for line in scrape
        .lines()
        .filter(|l| !l.starts_with('#') && !l.contains("_bucket"))
    {
        println!("{line}");
    }
    tokio::task::spawn_blocking(move || guard.shutdown()).await??;
    Ok(())
}
