//! The demo service for the integration tests: exactly the code of the
//! `autobot-demo` binary (`autobot_otel_examples::demo::run_from_env`), built as a
//! binary of this crate so tests start it through `CARGO_BIN_EXE_autobot-test-demo`
//! (see `autobot_otel_tests::spawn_demo!`).

fn main() {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("autobot-test-demo: cannot start runtime: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = runtime.block_on(autobot_otel_examples::demo::run_from_env()) {
        eprintln!("autobot-test-demo failed: {e}");
        std::process::exit(1);
    }
}
