//! `init()` after a recording call created the default pipeline fails, and the
//! error says what created it and where, and how to avoid it. (Its own test
//! binary: it needs a process whose global pipeline nothing else touched.)

#[test]
fn init_after_get_metrics_manager_names_the_call_that_created_the_default() {
    autobot_otel::get_metrics_manager().record_cache_hit("early");
    let line = line!() - 1;
    let err = autobot_otel::init().unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, autobot_otel::InitError::AlreadyInitialized { .. }),
        "{message}"
    );
    assert!(message.contains("get_metrics_manager()"), "{message}");
    assert!(
        message.contains(&format!("tests/init_after_default.rs:{line}")),
        "{message}"
    );
    assert!(message.contains("default pipeline"), "{message}");
    assert!(
        message.contains("call autobot_otel::init() once, at the start of main"),
        "{message}"
    );
    // A second attempt says the same.
    assert_eq!(autobot_otel::init().unwrap_err().to_string(), message);
}
