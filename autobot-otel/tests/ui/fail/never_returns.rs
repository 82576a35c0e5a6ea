use autobot_otel::instrument_workflow;

#[instrument_workflow]
fn serve_forever() -> ! {
    loop {
        std::thread::park();
    }
}

fn main() {}
