use autobot_otel::instrument_task;

#[instrument_task(task_type = "lint")]
fn lint() {}

fn main() {}
