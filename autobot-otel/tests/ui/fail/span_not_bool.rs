use autobot_otel::instrument_workflow;

#[instrument_workflow(span = "off")]
fn review() {}

fn main() {}
