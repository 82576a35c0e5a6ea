//! The committed files derived from the catalog are what the generator writes.

#[test]
fn generated_files_are_current() {
    let stale = xtask::stale_files(&xtask::workspace_root()).expect("generator runs");
    assert!(
        stale.is_empty(),
        "out of date: {stale:?}; run `cargo xtask gen`"
    );
}

#[test]
fn reference_lists_every_metric_once() {
    let reference = xtask::metric_reference();
    for def in autobot_otel::catalog::CATALOG {
        assert_eq!(
            reference.matches(&format!("\n| `{}` |", def.name)).count(),
            1,
            "{}",
            def.name
        );
    }
}
