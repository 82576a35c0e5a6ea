use autobot_otel::instrument_workflow;

#[instrument_workflow(server_address = "api.example.com")]
fn deploy() {}

fn main() {
    deploy();
}
