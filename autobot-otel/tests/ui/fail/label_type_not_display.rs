use autobot_otel::instrument_workflow;

struct Kind;

#[instrument_workflow(workflow_type = kind)]
fn review(kind: Kind) {
    let _ = kind;
}

fn main() {}
