use autobot_otel::instrument_workflow;

#[instrument_workflow]
const fn review() -> u8 {
    1
}

fn main() {}
