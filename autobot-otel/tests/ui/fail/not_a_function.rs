use autobot_otel::instrument_workflow;

#[instrument_workflow]
struct Review;

fn main() {}
