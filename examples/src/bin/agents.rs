//! Runs the agent loop of `autobot_otel_examples::agents` a few times — the
//! `research` workflow and its `researcher` agent (`#[instrument_workflow]`,
//! `#[instrument_agent]`, `#[instrument_llm]`, `#[instrument_tool]`): one run whose
//! tool fails, one that times out and is cancelled — and the hand-written
//! `planner` (`AgentRun`, `ToolCall`), then prints what was recorded: the agent
//! and tool families and the GenAI conventions' durations (turned on here). With
//! `OTEL_EXPORTER_OTLP_ENDPOINT` set, the spans (`invoke_workflow research` →
//! `invoke_agent researcher` → `chat gpt-4o`, `execute_tool web_search`, ...) and
//! the metrics are pushed to that collector too.

use std::time::Duration;

use autobot_otel_examples::agents::{ChatModel, Researcher, Turn, plan_by_hand, research};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let guard = autobot_otel::builder!()
        .with_genai_metrics(true)
        .install()?;
    let agent = Researcher::new("gpt-4o", Duration::from_millis(300));
    for (i, turn) in [
        Turn::Answers,
        Turn::ToolFails,
        Turn::TimesOut,
        Turn::Answers,
    ]
    .into_iter()
    .enumerate()
    {
        let answer = research(&agent, &format!("conv-{i}"), "What changed?", turn).await;
        println!("research ({turn:?}): {answer:?}");
    }
    let chat = ChatModel::new("gpt-4o", Duration::from_millis(20));
    for arguments in ["2 + 2", "two and two"] {
        let answer = plan_by_hand(&chat, "conv-planner", arguments).await;
        println!("planner ({arguments}): {answer:?}");
    }

    let scrape = guard.render(autobot_otel::Exposition::Text);
    for line in scrape.lines().filter(|l| {
        !l.starts_with('#')
            && !l.contains("_bucket")
            && [
                "autobot_agent_",
                "autobot_tool_",
                "autobot_workflow_executions",
                "autobot_llm_requests_total",
                "gen_ai_invoke_agent",
                "gen_ai_execute_tool",
                "gen_ai_workflow",
            ]
            .iter()
            .any(|p| l.starts_with(p))
    }) {
        println!("{line}");
    }
    tokio::task::spawn_blocking(move || guard.shutdown()).await??;
    Ok(())
}
