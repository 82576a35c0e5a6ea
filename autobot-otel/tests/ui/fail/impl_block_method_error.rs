use autobot_otel::instrument_task;

struct Agent;

#[instrument_task(agent_type = "reviewer")]
impl Agent {
    const fn limit() -> u32 {
        3
    }

    fn run(&self) {}
}

fn main() {
    Agent.run();
    let _ = Agent::limit();
}
