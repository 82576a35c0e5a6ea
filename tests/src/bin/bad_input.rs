//! The child process of the `bad_input` integration test: builds the pipeline
//! from the environment (`OTEL_RESOURCE_ATTRIBUTES` with bad keys), records every
//! bad input of `autobot_otel_tests::bad_input`, checks the dropped count and
//! serves the endpoints on 127.0.0.1 until it is killed or 120 s pass.

use std::time::Duration;

use autobot_otel::Telemetry;
use autobot_otel::http::MetricsServer;
use autobot_otel_tests::bad_input::{LISTENING, record_bad_input};

/// The child: builds the pipeline from the environment, records the bad
/// input, checks the dropped count and serves the endpoints.
fn main() {
    let code = match child_main() {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("bad input child failed: {e}");
            1
        }
    };
    std::process::exit(code);
}

fn child_main() -> Result<(), String> {
    let t = Telemetry::builder()
        .without_otlp()
        .enabled(true)
        .build()
        .map_err(|e| e.to_string())?;
    let dropped = record_bad_input(&t);
    if t.metrics().dropped_measurements() != dropped {
        return Err(format!(
            "dropped_measurements {} != {dropped}",
            t.metrics().dropped_measurements()
        ));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let server = MetricsServer::bind("127.0.0.1:0", t.clone())
            .await
            .map_err(|e| e.to_string())?;
        println!("{LISTENING} {}", server.local_addr());
        // The parent's process handle kills it when done (or its watchdog, if
        // the parent dies); it stops by itself after 120 s in any case.
        server
            .run_until(tokio::time::sleep(Duration::from_secs(120)))
            .await
            .map_err(|e| e.to_string())
    })?;
    t.shutdown().map_err(|e| e.to_string())
}
