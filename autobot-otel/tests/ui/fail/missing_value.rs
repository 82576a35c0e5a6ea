use autobot_otel::instrument_workflow;

#[instrument_workflow(workflow_type)]
fn review() {}

fn main() {}
