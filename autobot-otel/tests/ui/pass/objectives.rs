// Attributes name the objectives their calls feed; each is checked against the
// families the attribute records.
use autobot_otel::{instrument_knowledge, instrument_llm, instrument_task, instrument_workflow};

#[instrument_workflow(workflow_type = "deploy", objectives = ["workflow-success"])]
fn deploy() -> Result<(), String> {
    Ok(())
}

#[instrument_task(task_type = "index", agent_type = "crawler", objectives = ["task-success"])]
fn index() -> Result<(), String> {
    Ok(())
}

#[instrument_llm(provider = "openai", model = "gpt-4o", objectives = ["llm-availability", "llm-latency"])]
fn chat() -> Result<String, String> {
    Ok(String::new())
}

#[instrument_knowledge(search_type = "semantic", collection = "docs", objectives = ["knowledge-search-latency"])]
fn search() -> Result<Vec<String>, String> {
    Ok(Vec::new())
}

fn main() {
    let _ = (deploy(), index(), chat(), search());
}
