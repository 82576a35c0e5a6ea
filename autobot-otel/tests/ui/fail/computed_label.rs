use autobot_otel::instrument_github;

#[instrument_github(operation = "get_repo", status = "success")]
fn get_repo() {}

fn main() {}
