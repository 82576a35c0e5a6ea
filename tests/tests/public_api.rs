//! The facade's public surface is the committed list `autobot-otel/public-api.txt`
//! (written by `cargo xtask gen` from the crate's own rustdoc output; `cargo
//! xtask check` in `scripts/test.sh` fails when the crate and the list differ),
//! so a new public item is a visible diff. Here: the list keeps one path per
//! item and stays small and curated (no internals, no catalog machinery).

use std::path::Path;

fn list() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../autobot-otel/public-api.txt");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_public_item_has_one_path() {
    let list = list();
    let twice = xtask::public_api::duplicates(&list);
    assert!(twice.is_empty(), "{twice:#?}");
}

#[test]
fn the_surface_is_curated() {
    let list = list();
    let paths: Vec<&str> = list
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split_once(' ').map_or(l, |(_, p)| p))
        .collect();
    // 156 with issue 23's process metrics (catalog::process) and HTTP server
    // metrics (catalog::http_server, http::ServerMetricsLayer and its service,
    // future and error-type constants).
    assert!(
        // 150: issue 21 (cost) added the `pricing` module (`Pricing`,
        // `ModelPrice`, `CURRENCY`) and the health report's `PricingHealth`,
        // `UnpricedModel`; 170: issue 23 added the process metrics' catalog
        // table, the HTTP server conventions' table and `http::ServerMetricsLayer`
        // with its service and future types.
        (100..=170).contains(&paths.len()),
        "{} public items and modules: a change of surface this size wants a look",
        paths.len()
    );
    for internal in [
        "autobot_otel::pipeline",
        "autobot_otel::catalog::instrument",
        "autobot_otel::catalog::naming",
        "autobot_otel::catalog::labels",
        "autobot_otel::labels::clean_label_value",
        "autobot_otel::self_metrics",
        "autobot_otel::__private",
    ] {
        assert!(
            !paths
                .iter()
                .any(|p| *p == internal || p.starts_with(&format!("{internal}::"))),
            "{internal} is public"
        );
    }
    for kept in [
        "autobot_otel::get_metrics_manager",
        "autobot_otel::Telemetry",
        "autobot_otel::Exposition",
        "autobot_otel::ENV_VARIABLES",
        "autobot_otel::catalog::MetricId",
        "autobot_otel::labels::Outcome",
        "autobot_otel::http::negotiate",
    ] {
        assert!(paths.contains(&kept), "{kept} is missing");
    }
}
