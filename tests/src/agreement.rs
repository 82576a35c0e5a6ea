//! When Prometheus and VictoriaMetrics (or `vmalert`) agree: the value
//! comparison of the scale-out test (`tests/scale_remote_write.rs`) and of the
//! SLO rules on `vmalert` (`tests/slo_rules.rs`), on range windows shortened so
//! the data covers them.

/// Largest relative difference accepted between Prometheus and VictoriaMetrics on
/// the shortened windows: `|p - v| <= REL_TOLERANCE * max(|p|, |v|) + ABS_TOLERANCE`.
/// The two rates differ by what happened in the one scrape interval MetricsQL
/// counts and PromQL extrapolates over; for the rarest counters of the demo (about
/// 0.3 events/s, so some 18 events in a 60 s window) an unlucky second holds 2-3 of
/// them, 10-20 %. Run with `--nocapture` to see the largest differences.
pub const REL_TOLERANCE: f64 = 0.3;

/// Absolute slack for values near 0 (ratios whose numerator is a rare event).
pub const ABS_TOLERANCE: f64 = 0.02;

/// Whether `p` and `v` agree within [`REL_TOLERANCE`] and [`ABS_TOLERANCE`].
///
/// ```
/// use autobot_otel_tests::agreement::agree;
/// assert!(agree(1.0, 1.2));
/// assert!(agree(0.0, 0.015));
/// assert!(!agree(1.0, 2.0));
/// ```
pub fn agree(p: f64, v: f64) -> bool {
    (p - v).abs() <= REL_TOLERANCE * p.abs().max(v.abs()) + ABS_TOLERANCE
}

/// Replaces every range selector `[<duration>]` of `expr` by `[window]`.
///
/// ```
/// use autobot_otel_tests::agreement::with_window;
/// assert_eq!(with_window("rate(x[5m]) / rate(y[1h])", "30s"), "rate(x[30s]) / rate(y[30s])");
/// assert_eq!(with_window(r#"x{le=~"1(\\.0)?"}[3d]"#, "30s"), r#"x{le=~"1(\\.0)?"}[30s]"#);
/// ```
pub fn with_window(expr: &str, window: &str) -> String {
    let mut out = String::with_capacity(expr.len());
    let mut rest = expr;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        match rest.find(']') {
            Some(close)
                if close > 1
                    && rest[..close - 1].chars().all(|c| c.is_ascii_digit())
                    && rest[close - 1..close].chars().all(|c| "smhdwy".contains(c)) =>
            {
                out.push_str(window);
                rest = &rest[close..];
            }
            _ => {}
        }
    }
    out.push_str(rest);
    out
}
