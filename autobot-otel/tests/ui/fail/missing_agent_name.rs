use autobot_otel::instrument_agent;

#[instrument_agent(model = "gpt-4o")]
async fn plan() {}

#[instrument_agent(agent_name = "planner", remote = "yes")]
fn remote() {}

fn main() {}
