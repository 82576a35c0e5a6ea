use autobot_otel::instrument_agent;

// `gen_ai.provider.name`, `gen_ai.agent.id` and `gen_ai.agent.version` are
// attributes of the remote (CLIENT) invoke_agent span only.
#[instrument_agent(agent_name = "planner", provider = "openai", model = "gpt-4o")]
async fn plan() {}

#[instrument_agent(agent_name = "planner", remote = false, agent_id = "a-1", agent_version = "2")]
fn review() {}

// Remote: all three are the conventions'.
#[instrument_agent(agent_name = "assistant", remote = true, provider = "openai", agent_id = "a-1", agent_version = "2")]
fn assist() {}

fn main() {}
