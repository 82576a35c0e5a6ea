use autobot_otel::instrument_workflow;

#[instrument_workflow(workflow_typ = "review")]
fn review() {}

fn main() {}
