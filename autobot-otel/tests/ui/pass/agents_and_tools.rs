use autobot_otel::{instrument_agent, instrument_tool};

struct Agent {
    name: String,
}

#[instrument_agent(agent_name = "reviewer", remote = true, provider = "openai", model = "gpt-4o")]
impl Agent {
    #[autobot_otel::no_instrument]
    fn new() -> Agent {
        Agent { name: "x".into() }
    }
    async fn run(&self, conversation: &str) -> Result<(), std::io::Error> {
        let _ = conversation;
        Ok(())
    }
}

impl Agent {
    #[instrument_agent(agent_name = self.name, conversation_id = conversation, remote = true, agent_id = self.name.len())]
    fn run_named(&self, conversation: &str) -> usize {
        conversation.len()
    }
}

#[instrument_tool(tool_type = "datastore", call_id = id, failure_on_ok = |n: &usize| (*n == 0).then_some("empty"))]
fn lookup(id: &str) -> usize {
    id.len()
}

#[instrument_tool(tool_name = "search", success_on_err = |e: &std::io::Error| e.kind() == std::io::ErrorKind::NotFound)]
async fn search() -> Result<u8, std::io::Error> {
    Ok(1)
}

fn main() {
    let agent = Agent::new();
    let _ = agent.run_named("c");
    let _ = agent.run("c");
    let _ = lookup("a");
    let _ = search();
}
