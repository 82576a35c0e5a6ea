use autobot_otel::{
    instrument_github, instrument_knowledge, instrument_llm, instrument_redis, instrument_task,
    instrument_workflow,
};

#[instrument_workflow]
fn workflow() {}

#[instrument_task(agent_type = "agent", span = false)]
async fn task() -> Result<(), String> {
    Ok(())
}

#[instrument_github(operation = "get_repo")]
fn github() -> Option<u8> {
    None
}

#[instrument_redis(database = "main")]
async fn redis(key: &str) -> usize {
    key.len()
}

#[instrument_knowledge(search_type = "hybrid", collection = collection)]
async fn knowledge(collection: &str) -> Vec<u8> {
    collection.as_bytes().to_vec()
}

#[instrument_llm(provider = "ollama", model = "llama3", request_type = "embedding")]
async fn llm() {}

fn main() {
    workflow();
    let _ = github();
    drop((task(), redis("k"), knowledge("docs"), llm()));
}
