use autobot_otel::instrument_workflow;

#[instrument_workflow(workflow_type = 42)]
fn review() {}

fn main() {}
