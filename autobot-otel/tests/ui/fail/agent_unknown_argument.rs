use autobot_otel::{instrument_agent, instrument_tool};

// An id is a span attribute under its own name, never a label.
#[instrument_agent(agent_name = "planner", agent_type = "planner")]
async fn plan() {}

#[instrument_tool(conversation_id = "c-1")]
fn search() {}

fn main() {}
