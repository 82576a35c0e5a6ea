// An attribute names an objective whose families it does not record.
use autobot_otel::instrument_task;

#[instrument_task(task_type = "index", agent_type = "crawler", objectives = ["task-success", "llm-availability", "no-such-slo"])]
fn index() -> Result<(), String> {
    Ok(())
}

fn main() {
    let _ = index();
}
