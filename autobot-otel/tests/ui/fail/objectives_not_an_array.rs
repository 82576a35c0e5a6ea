// `objectives` takes an array of names.
use autobot_otel::instrument_workflow;

#[instrument_workflow(workflow_type = "deploy", objectives = "workflow-success")]
fn deploy() -> Result<(), String> {
    Ok(())
}

fn main() {
    let _ = deploy();
}
