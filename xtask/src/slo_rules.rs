//! The SLO rules generated from the catalog's objectives
//! (`autobot_otel_catalog::objectives`): Prometheus recording and alerting
//! rules (Sloth-compatible names and labels), the Alertmanager inhibitions
//! between tiers, and one promtool test file per objective that proves the
//! tiers' timing.
//!
//! Rule shapes, per objective `o` grouped by its `by` labels:
//! - `slo:sli_error:ratio_rate<w>` for every tier window `w`: bad events over
//!   total events, the numerator `or 0 *` the denominator so that a group with
//!   traffic and no bad series reads 0; a window without traffic has no sample
//!   (never NaN);
//! - `slo:sli_error_events:rate5m`, `slo:sli_total_events:rate5m` and the
//!   period SLI `slo:sli_error:ratio_rate<period>` = `sum_over_time` of the
//!   first over `sum_over_time` of the second: weighted by traffic, no 30-day
//!   `rate`, no NaN;
//! - meta rules (`slo:objective:ratio`, `slo:error_budget:ratio`,
//!   `slo:time_period:days`, `slo:current_burn_rate:ratio`,
//!   `slo:period_burn_rate:ratio`, `slo:period_error_budget_remaining:ratio`,
//!   `sloth_slo_info`);
//! - one alert per enabled tier, all named `<Objective>BudgetBurn`, labelled
//!   `slo_tier`, `severity`, `long_window`, `short_window`, `burn_rate`,
//!   `category`; `critical` tiers also need `page_min_bad_events` bad events
//!   in the long window;
//! - for latency SLIs, `SLOLatencyBucketMissing` when a group has traffic but
//!   no threshold bucket (a binary older than the objective).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use autobot_otel_catalog::Kind;
use autobot_otel_catalog::objectives::{OBJECTIVES, Objective, Severity, Sli, Tier};

/// The catalog's objectives (re-exported for the tests crate).
pub use autobot_otel_catalog::objectives;

/// The generated rule file.
pub const SLO_RULES_FILE: &str = "collector-config/prometheus/rules/autobot-slos.yml";
/// The directory of the generated promtool tests, one file per objective.
pub const SLO_TESTS_DIR: &str = "collector-config/prometheus/tests/slo";
/// The Alertmanager configuration the inhibitions are spliced into.
pub const ALERTMANAGER_FILE: &str = "collector-config/alertmanager/alertmanager.yml";
/// Start marker of the generated inhibitions in [`ALERTMANAGER_FILE`].
pub const INHIBIT_BEGIN: &str =
    "  # BEGIN GENERATED: SLO tier inhibitions (cargo xtask gen; do not edit)";
/// End marker of the generated inhibitions.
pub const INHIBIT_END: &str = "  # END GENERATED: SLO tier inhibitions";

/// `sloth_service` of every objective.
pub const SERVICE: &str = "autobot";

/// The window of the base event rates the period SLI sums.
const BASE: &str = "5m";

/// A duration in minutes as Prometheus writes it (`5m`, `1h`, `3d`).
pub fn duration(minutes: u32) -> String {
    if minutes.is_multiple_of(1440) {
        format!("{}d", minutes / 1440)
    } else if minutes.is_multiple_of(60) {
        format!("{}h", minutes / 60)
    } else {
        format!("{minutes}m")
    }
}

/// `LlmAvailability` for `llm-availability`.
pub fn camel(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The alert name of an objective's tiers.
pub fn alert_name(o: &Objective) -> String {
    format!("{}BudgetBurn", camel(o.name))
}

/// The guard alert of latency objectives.
pub const BUCKET_MISSING_ALERT: &str = "SLOLatencyBucketMissing";

/// The `le` matcher of a threshold, matching both spellings of an integer
/// (`"10"` from Prometheus 2, `"10.0"` from Prometheus 3).
///
/// ```
/// assert_eq!(xtask::slo_rules::le_matcher(10.0), r#"le=~"10(\\.0)?""#);
/// assert_eq!(xtask::slo_rules::le_matcher(0.5), r#"le=~"0\\.5""#);
/// ```
pub fn le_matcher(threshold: f64) -> String {
    let text = threshold.to_string();
    if text.contains('.') || text.contains('e') {
        format!("le=~\"{}\"", text.replace('.', "\\\\."))
    } else {
        format!("le=~\"{text}(\\\\.0)?\"")
    }
}

/// The spellings of a threshold's `le` label that Prometheus 2 and 3 write.
pub fn le_spellings(threshold: f64) -> Vec<String> {
    let text = threshold.to_string();
    if text.contains('.') {
        vec![text]
    } else {
        vec![text.clone(), format!("{text}.0")]
    }
}

/// The `sum by (...)` clause of an objective (`sum` without labels).
fn sum(o: &Objective) -> String {
    if o.by.is_empty() {
        "sum".into()
    } else {
        format!("sum by ({})", o.by.join(", "))
    }
}

fn on(o: &Objective) -> String {
    format!("on ({})", o.by.join(", "))
}

/// Selectors of bad and total events (for latency: `_count` and the bucket).
struct Selectors {
    bad: Option<String>,
    total: String,
    good_bucket: Option<String>,
}

fn selectors(o: &Objective) -> Selectors {
    match o.sli {
        Sli::Outcome {
            family,
            label,
            bad,
            good,
        } => {
            let name = family.def().name;
            let all: Vec<&str> = bad.iter().chain(good).copied().collect();
            Selectors {
                bad: Some(format!("{name}{{{label}=~\"{}\"}}", bad.join("|"))),
                total: format!("{name}{{{label}=~\"{}\"}}", all.join("|")),
                good_bucket: None,
            }
        }
        Sli::Ratio { bad, total } => Selectors {
            bad: Some(bad.def().name.to_string()),
            total: total.def().name.to_string(),
            good_bucket: None,
        },
        Sli::Latency {
            histogram,
            threshold,
            ..
        } => {
            let name = histogram.def().name;
            Selectors {
                bad: None,
                total: format!("{name}_count"),
                good_bucket: Some(format!("{name}_bucket{{{}}}", le_matcher(threshold))),
            }
        }
    }
}

/// `fun(selector[w])` summed by the objective's groups, for bad events.
pub(crate) fn bad_events(o: &Objective, fun: &str, w: &str) -> String {
    let s = selectors(o);
    let sum = sum(o);
    match (&s.bad, &s.good_bucket) {
        (Some(bad), _) => format!(
            "({sum} ({fun}({bad}[{w}]))\n  or 0 * {sum} ({fun}({}[{w}])))",
            s.total
        ),
        (None, Some(bucket)) => format!(
            "({sum} ({fun}({}[{w}]))\n  - {sum} ({fun}({bucket}[{w}])))",
            s.total
        ),
        (None, None) => unreachable!("every SLI has bad events"),
    }
}

pub(crate) fn total_events(o: &Objective, fun: &str, w: &str) -> String {
    format!("{} ({fun}({}[{w}]))", sum(o), selectors(o).total)
}

/// Every window an objective's rules need, sorted: the tiers' long and short
/// windows.
pub fn windows(o: &Objective) -> Vec<u32> {
    let set: BTreeSet<u32> = o
        .enabled_tiers()
        .flat_map(|t| {
            let (l, s) = t.tier.windows(o.period_days);
            [l, s]
        })
        .chain([5])
        .collect();
    set.into_iter().collect()
}

fn sloth_labels(o: &Objective, indent: &str, window: Option<&str>) -> String {
    let mut out = format!(
        "{indent}sloth_id: {}\n{indent}sloth_service: {SERVICE}\n{indent}sloth_slo: {}\n",
        o.sloth_id(),
        o.name
    );
    if let Some(w) = window {
        let _ = writeln!(out, "{indent}sloth_window: \"{w}\"");
    }
    out
}

fn block(expr: &str, indent: &str) -> String {
    expr.lines()
        .map(|l| format!("{indent}{l}\n"))
        .collect::<String>()
}

fn record(out: &mut String, o: &Objective, name: &str, expr: &str, window: Option<&str>) {
    let _ = writeln!(out, "      - record: {name}\n        expr: |");
    out.push_str(&block(expr, "          "));
    out.push_str("        labels:\n");
    out.push_str(&sloth_labels(o, "          ", window));
}

/// `{sloth_id="..."}`.
fn id_matcher(o: &Objective) -> String {
    format!("{{sloth_id=\"{}\"}}", o.sloth_id())
}

/// The group labels as the annotations show them (`{{ $labels.provider }}`).
fn group_template(o: &Objective) -> String {
    o.by.iter()
        .map(|l| format!("{{{{ $labels.{l} }}}}"))
        .collect::<Vec<_>>()
        .join("/")
}

/// The summary and description of a tier's alert, with `group` in place of
/// the group labels (the template, or the values a test expects).
pub fn tier_annotations(o: &Objective, tier: Tier, group: &str) -> (String, String) {
    let (long, short) = tier.windows(o.period_days);
    let target = o.target;
    let consumed = tier.burn() * long as f64 / (o.period_days as f64 * 1440.0) * 100.0;
    (
        format!(
            "{group}: {} burns its {}-day error budget over {}x ({} and {} windows)",
            o.name,
            o.period_days,
            tier.burn_rate(),
            duration(long),
            duration(short)
        ),
        format!(
            "Objective: {}. At this burn rate {}% of the budget of the {target}% target is spent every {}.",
            o.description,
            (consumed * 100.0).round() / 100.0,
            duration(long)
        ),
    )
}

/// The expression of a tier's alert.
pub fn tier_expr(o: &Objective, tier: Tier, severity: Severity) -> String {
    let (long, short) = tier.windows(o.period_days);
    let budget = o
        .error_budget()
        .expect("objectives are validated")
        .to_string();
    let threshold = format!("({} * {budget})", tier.burn_rate());
    let id = id_matcher(o);
    let mut expr = format!(
        "max without (sloth_window) (slo:sli_error:ratio_rate{}{id} > {threshold})\n\
         and max without (sloth_window) (slo:sli_error:ratio_rate{}{id} > {threshold})",
        duration(short),
        duration(long)
    );
    if severity == Severity::Critical && o.page_min_bad_events > 0 {
        let _ = write!(
            expr,
            "\nand {} {} >= {}",
            on(o),
            bad_events(o, "increase", &duration(long)).replace("\n  ", "\n    "),
            o.page_min_bad_events
        );
    }
    expr
}

/// The guard expression of a latency objective (`None` for the others).
pub fn bucket_missing_expr(o: &Objective) -> Option<String> {
    let s = selectors(o);
    let bucket = s.good_bucket?;
    Some(format!(
        "{} (rate({}[5m])) > 0\nunless {} {} (rate({bucket}[5m]))",
        sum(o),
        s.total,
        on(o),
        sum(o)
    ))
}

/// The content of [`SLO_RULES_FILE`].
pub fn rules() -> String {
    let mut out = String::from(
        "# GENERATED by `cargo xtask gen` from autobot-otel-catalog/src/objectives.rs; do not edit.\n\
         # SLO rules: per objective an SLI group (error ratios per window, the period SLI\n\
         # weighted by traffic), a meta group and an alert group (one alert per tier).\n\
         # Names and labels follow the Sloth format (slo:*, sloth_*). Proven by the promtool\n\
         # tests in ../tests/slo/ (one file per objective).\n\
         groups:\n",
    );
    for o in OBJECTIVES {
        let period = duration(o.period_days * 1440);
        let _ = writeln!(out, "  - name: autobot-slo-sli-{}\n    rules:", o.name);
        for w in windows(o) {
            let w = duration(w);
            let expr = format!(
                "{}\n/ ({} > 0)",
                bad_events(o, "rate", &w),
                total_events(o, "rate", &w)
            );
            record(
                &mut out,
                o,
                &format!("slo:sli_error:ratio_rate{w}"),
                &expr,
                Some(&w),
            );
        }
        record(
            &mut out,
            o,
            &format!("slo:sli_error_events:rate{BASE}"),
            &bad_events(o, "rate", BASE),
            Some(BASE),
        );
        record(
            &mut out,
            o,
            &format!("slo:sli_total_events:rate{BASE}"),
            &total_events(o, "rate", BASE),
            Some(BASE),
        );
        let id = id_matcher(o);
        record(
            &mut out,
            o,
            &format!("slo:sli_error:ratio_rate{period}"),
            &format!(
                "sum_over_time(slo:sli_error_events:rate{BASE}{id}[{period}])\n\
                 / (sum_over_time(slo:sli_total_events:rate{BASE}{id}[{period}]) > 0)"
            ),
            Some(&period),
        );

        let budget = o.error_budget().expect("validated").to_string();
        let objective = o.objective_ratio().expect("validated").to_string();
        let _ = writeln!(out, "  - name: autobot-slo-meta-{}\n    rules:", o.name);
        let join = "on (sloth_id, sloth_slo, sloth_service) group_left";
        record(
            &mut out,
            o,
            "slo:objective:ratio",
            &format!("vector({objective})"),
            None,
        );
        record(
            &mut out,
            o,
            "slo:error_budget:ratio",
            &format!("vector({budget})"),
            None,
        );
        record(
            &mut out,
            o,
            "slo:time_period:days",
            &format!("vector({})", o.period_days),
            None,
        );
        record(
            &mut out,
            o,
            "slo:current_burn_rate:ratio",
            &format!("slo:sli_error:ratio_rate5m{id}\n/ {join} slo:error_budget:ratio{id}"),
            None,
        );
        record(
            &mut out,
            o,
            "slo:period_burn_rate:ratio",
            &format!("slo:sli_error:ratio_rate{period}{id}\n/ {join} slo:error_budget:ratio{id}"),
            None,
        );
        record(
            &mut out,
            o,
            "slo:period_error_budget_remaining:ratio",
            &format!("1 - slo:period_burn_rate:ratio{id}"),
            Some(&period),
        );
        let _ = writeln!(
            out,
            "      - record: sloth_slo_info\n        expr: vector(1)\n        labels:"
        );
        out.push_str(&sloth_labels(o, "          ", None));
        let _ = writeln!(
            out,
            "          sloth_objective: \"{}\"\n          sloth_mode: generated\n          sloth_spec: prometheus/v1",
            o.target
        );

        let _ = writeln!(out, "  - name: autobot-slo-alerts-{}\n    rules:", o.name);
        for setting in o.enabled_tiers() {
            let tier = setting.tier;
            let (long, short) = tier.windows(o.period_days);
            let (summary, description) = tier_annotations(o, tier, &group_template(o));
            let _ = writeln!(out, "      - alert: {}\n        expr: |", alert_name(o));
            out.push_str(&block(&tier_expr(o, tier, setting.severity), "          "));
            let _ = writeln!(
                out,
                "        labels:\n          severity: {}\n          category: {}\n          \
                 slo_tier: {}\n          long_window: \"{}\"\n          short_window: \"{}\"\n          \
                 burn_rate: \"{}\"\n        annotations:\n          summary: \"{}\"\n          \
                 description: \"{}\"",
                setting.severity.as_str(),
                o.category.key(),
                tier.key(),
                duration(long),
                duration(short),
                tier.burn_rate(),
                summary,
                description
            );
        }
        if let Some(expr) = bucket_missing_expr(o) {
            let Sli::Latency {
                histogram,
                threshold,
                ..
            } = o.sli
            else {
                unreachable!()
            };
            let _ = writeln!(
                out,
                "      - alert: {BUCKET_MISSING_ALERT}\n        expr: |"
            );
            out.push_str(&block(&expr, "          "));
            let _ = writeln!(
                out,
                "        for: 10m\n        labels:\n          severity: warning\n          \
                 category: {}\n          sloth_slo: {}\n        annotations:\n          \
                 summary: \"{}: {} has traffic but no le={} bucket\"\n          \
                 description: \"The {} objective reads nothing for this group: the binary \
                 predates the objective's bucket. Upgrade it, or the SLO is blind here.\"",
                o.category.key(),
                o.name,
                group_template(o),
                histogram.def().name,
                threshold,
                o.name
            );
        }
    }
    out
}

/// The inhibitions spliced into [`ALERTMANAGER_FILE`]: a firing tier mutes
/// the slower tiers of the same objective and group.
pub fn inhibitions() -> String {
    let mut equal: BTreeSet<&str> = BTreeSet::new();
    for o in OBJECTIVES {
        equal.extend(o.by.iter().copied());
    }
    let equal: Vec<&str> = ["sloth_id"].into_iter().chain(equal).collect();
    let mut out = String::from(
        "  # A faster SLO tier mutes the slower tiers of the same objective (sloth_id)\n  \
         # and group (a label neither alert has counts as equal).\n",
    );
    for (i, tier) in Tier::ALL.iter().enumerate().take(3) {
        let slower: Vec<&str> = Tier::ALL[i + 1..].iter().map(|t| t.key()).collect();
        let _ = writeln!(
            out,
            "  - source_matchers: ['slo_tier=\"{}\"']\n    target_matchers: ['slo_tier=~\"{}\"']\n    equal: [{}]",
            tier.key(),
            slower.join("|"),
            equal.join(", ")
        );
    }
    out
}

/// Why a generated test could not be built (a case too close to a threshold).
fn margin_ok(value: f64, threshold: f64) -> bool {
    (value - threshold).abs() > 0.01 * threshold
}

/// One piecewise-constant traffic profile, per minute: `(minutes, total, bad)`.
type Profile = Vec<(u32, f64, f64)>;

/// Bad and total events in `(t - w, t]` (minutes) of a profile.
fn window_counts(profile: &Profile, t: u32, w: u32) -> (f64, f64) {
    let (mut bad, mut total) = (0.0, 0.0);
    let mut start = 0u32;
    let from = t.saturating_sub(w);
    for &(minutes, rate, bad_rate) in profile {
        let end = start + minutes;
        let lo = start.max(from);
        let hi = end.min(t);
        if hi > lo {
            total += rate * f64::from(hi - lo);
            bad += bad_rate * f64::from(hi - lo);
        }
        start = end;
    }
    (bad, total)
}

/// The tiers that fire at minute `t`, computed from the profile; `Err` when a
/// ratio is within 1% of its threshold (the case would be fragile).
fn firing(o: &Objective, profile: &Profile, t: u32) -> Result<Vec<Tier>, String> {
    let budget = o.error_budget().expect("validated").as_f64();
    let mut out = Vec::new();
    for setting in o.enabled_tiers() {
        let threshold = setting.tier.burn() * budget;
        let (long, short) = setting.tier.windows(o.period_days);
        let mut fires = true;
        for w in [long, short] {
            let (bad, total) = window_counts(profile, t, w);
            let ratio = if total > 0.0 { bad / total } else { 0.0 };
            if total > 0.0 && !margin_ok(ratio, threshold) {
                return Err(format!(
                    "{}: at {t}m the {} ratio {ratio} is too close to {threshold}",
                    o.name,
                    duration(w)
                ));
            }
            fires &= total > 0.0 && ratio > threshold;
        }
        if setting.severity == Severity::Critical && o.page_min_bad_events > 0 {
            let (bad, _) = window_counts(profile, t, long);
            fires &= bad + 1e-9 >= f64::from(o.page_min_bad_events);
        }
        if fires {
            out.push(setting.tier);
        }
    }
    Ok(out)
}

/// `0+100x4320 432100+92.44x59 ...`: a counter's samples, one a minute, for
/// per-minute increments given by `rates` over `(minutes, rate)` segments.
fn counter_values(segments: &[(u32, f64)], sample: u32) -> String {
    let mut out = Vec::new();
    let mut value = 0.0f64;
    for (i, &(minutes, rate)) in segments.iter().enumerate() {
        let (minutes, rate) = (minutes / sample, rate * f64::from(sample));
        if i == 0 {
            out.push(format!("0+{}x{minutes}", num(rate)));
            value = rate * f64::from(minutes);
        } else if minutes > 0 {
            out.push(format!(
                "{}+{}x{}",
                num(value + rate),
                num(rate),
                minutes - 1
            ));
            value += rate * f64::from(minutes);
        }
    }
    out.join(" ")
}

/// A number as promtool reads it, without float noise.
fn num(v: f64) -> String {
    let s = format!("{:.6}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() || s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// The group label values of a test group (`slo-a` for every label).
fn group_labels(o: &Objective, value: &str) -> Vec<(String, String)> {
    o.by.iter()
        .map(|l| (l.to_string(), value.to_string()))
        .collect()
}

fn selector(name: &str, labels: &[(String, String)]) -> String {
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{name}{{{}}}", inner.join(","))
}

/// The other labels of a family (neither grouped on nor the outcome label).
fn filler(def: &autobot_otel_catalog::MetricDef, skip: &[&str]) -> Vec<(String, String)> {
    def.labels
        .iter()
        .filter(|l| !skip.contains(l))
        .map(|l| {
            let v = def
                .vocabulary(l)
                .and_then(|v| v.first())
                .copied()
                .unwrap_or("x");
            (l.to_string(), v.to_string())
        })
        .collect()
}

/// Input series of one group for a profile; `le` is the bucket spelling for
/// latency SLIs (`None`: no threshold bucket at all, as from an old binary).
fn input_series(
    o: &Objective,
    group: &str,
    profile: &Profile,
    le: Option<&str>,
    sample: u32,
) -> Vec<(String, String)> {
    let total: Vec<(u32, f64)> = profile.iter().map(|&(m, t, _)| (m, t)).collect();
    let bad: Vec<(u32, f64)> = profile.iter().map(|&(m, _, b)| (m, b)).collect();
    let good: Vec<(u32, f64)> = profile.iter().map(|&(m, t, b)| (m, t - b)).collect();
    let gl = group_labels(o, group);
    let mut out = Vec::new();
    match o.sli {
        Sli::Outcome {
            family,
            label,
            bad: bad_values,
            good: good_values,
        } => {
            let def = family.def();
            let mut skip: Vec<&str> = o.by.to_vec();
            skip.push(label);
            let base: Vec<(String, String)> =
                gl.iter().cloned().chain(filler(def, &skip)).collect();
            let with = |v: &str| {
                let mut l = base.clone();
                l.push((label.to_string(), v.to_string()));
                selector(def.name, &l)
            };
            if bad.iter().any(|&(_, b)| b > 0.0) {
                out.push((with(bad_values[0]), counter_values(&bad, sample)));
            }
            out.push((with(good_values[0]), counter_values(&good, sample)));
        }
        Sli::Ratio {
            bad: bad_id,
            total: total_id,
        } => {
            let b = bad_id.def();
            let t = total_id.def();
            if bad.iter().any(|&(_, b)| b > 0.0) {
                let l: Vec<_> = gl.iter().cloned().chain(filler(b, o.by)).collect();
                out.push((selector(b.name, &l), counter_values(&bad, sample)));
            }
            let l: Vec<_> = gl.iter().cloned().chain(filler(t, o.by)).collect();
            out.push((selector(t.name, &l), counter_values(&total, sample)));
        }
        Sli::Latency { histogram, .. } => {
            let def = histogram.def();
            let l: Vec<_> = gl.iter().cloned().chain(filler(def, o.by)).collect();
            out.push((
                selector(&format!("{}_count", def.name), &l),
                counter_values(&total, sample),
            ));
            let mut inf = l.clone();
            inf.push(("le".into(), "+Inf".into()));
            out.push((
                selector(&format!("{}_bucket", def.name), &inf),
                counter_values(&total, sample),
            ));
            if let Some(le) = le {
                let mut at = l.clone();
                at.push(("le".into(), le.into()));
                out.push((
                    selector(&format!("{}_bucket", def.name), &at),
                    counter_values(&good, sample),
                ));
            }
        }
    }
    out
}

/// Calls per minute of the healthy baseline.
const CALLS: f64 = 100.0;

/// How one test file is run: the healthy baseline before the errors start,
/// the evaluation interval (check times are its multiples) and the input
/// series' sample interval, all in minutes.
#[derive(Clone, Copy)]
struct Plan {
    /// `fast` or `slow`: the file's suffix.
    key: &'static str,
    t0: u32,
    step: u32,
    sample: u32,
}

/// The fast and medium tiers, the reset and low traffic: 6.5 hours of
/// compressed healthy history ([`baseline`]), one sample a minute, an
/// evaluation every 5 minutes.
const FAST: Plan = Plan {
    key: "fast",
    t0: 390,
    step: 5,
    sample: 1,
};
/// The slow and long-term tiers: three days of healthy traffic so every
/// window is full, a sample every 5 minutes, an evaluation every 30.
const SLOW: Plan = Plan {
    key: "slow",
    t0: 3 * 1440,
    step: 30,
    sample: 5,
};

/// A promql check: `(minute, expr, [(labels, value)])`.
type ExprCheck = (u32, String, Vec<(Vec<(String, String)>, String)>);

struct Case {
    name: String,
    profile: Profile,
    /// `(minute, firing tiers)`.
    checks: Vec<(u32, Vec<Tier>)>,
    /// Extra promql checks `(minute, expr, value)`.
    exprs: Vec<ExprCheck>,
    /// A second group with traffic and no bad series.
    quiet_group: bool,
}

/// The minute a tier with long window `long` and burn `bt` detects burn `b`
/// (after a clean baseline).
fn detection(long: u32, bt: f64, b: f64) -> f64 {
    f64::from(long) * bt / b
}

/// Check times around a detection at `t0 + d`: the last silent and the first
/// firing multiple of the plan's step whose ratios keep a 1% margin.
fn around(o: &Objective, p: Plan, profile: &Profile, d: f64) -> Result<(u32, u32), String> {
    let mut before = p.t0 + (d as u32 / p.step) * p.step;
    if f64::from(before - p.t0) >= d {
        before -= p.step;
    }
    while firing(o, profile, before).is_err() {
        before -= p.step;
    }
    let mut after = before + p.step;
    while firing(o, profile, after).is_err() {
        after += p.step;
    }
    Ok((before, after))
}

fn burn_case(
    o: &Objective,
    p: Plan,
    name: &str,
    burn: f64,
    tier: Tier,
    quiet: bool,
) -> Result<Case, String> {
    let budget = o.error_budget().expect("validated").as_f64();
    let (long, _) = tier.windows(o.period_days);
    let d = detection(long, tier.burn(), burn);
    let bad = burn * budget * CALLS;
    let mut profile = baseline(p, CALLS);
    profile.push((d as u32 + 120, CALLS, bad));
    let (before, after) = around(o, p, &profile, d)?;
    profile.last_mut().expect("a burn").0 = after - p.t0;
    let checks = vec![
        (before, firing(o, &profile, before)?),
        (after, firing(o, &profile, after)?),
    ];
    if !checks[1].1.contains(&tier) || checks[0].1.contains(&tier) {
        return Err(format!(
            "{}: the {name} case does not isolate {}",
            o.name,
            tier.key()
        ));
    }
    let mut exprs = Vec::new();
    if quiet {
        let mut labels = sloth_series_labels(o, "1h");
        labels.extend(group_labels(o, "slo-b"));
        exprs.push((
            after,
            format!(
                "slo:sli_error:ratio_rate1h{{sloth_id=\"{}\",{}}}",
                o.sloth_id(),
                group_matcher(o, "slo-b")
            ),
            vec![(labels, "0".to_string())],
        ));
    }
    Ok(Case {
        name: format!(
            "{name}: burn {} ({} bad of {CALLS} calls a minute) after {} of history is silent at +{} and fires {} at +{}",
            num(burn),
            num(bad),
            duration(p.t0),
            duration(before - p.t0),
            tiers_text(&checks[1].1),
            duration(after - p.t0)
        ),
        profile,
        checks,
        exprs,
        quiet_group: quiet,
    })
}

fn group_matcher(o: &Objective, value: &str) -> String {
    o.by.iter()
        .map(|l| format!("{l}=\"{value}\""))
        .collect::<Vec<_>>()
        .join(",")
}

fn sloth_series_labels(o: &Objective, window: &str) -> Vec<(String, String)> {
    vec![
        ("sloth_id".into(), o.sloth_id()),
        ("sloth_service".into(), SERVICE.into()),
        ("sloth_slo".into(), o.name.into()),
        ("sloth_window".into(), window.into()),
    ]
}

fn tiers_text(tiers: &[Tier]) -> String {
    if tiers.is_empty() {
        "nothing".into()
    } else {
        tiers
            .iter()
            .map(|t| t.key())
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

fn cases(o: &Objective, p: Plan) -> Result<Vec<Case>, String> {
    let budget = o.error_budget().expect("validated").as_f64();
    let enabled = |t: Tier| o.enabled_tiers().any(|s| s.tier == t);
    let mut out = Vec::new();
    if p.key == SLOW.key {
        if enabled(Tier::Slow) {
            out.push(burn_case(o, p, "slow", 3.15, Tier::Slow, false)?);
        }
        if enabled(Tier::LongTerm) {
            out.push(burn_case(o, p, "long-term", 2.5, Tier::LongTerm, false)?);
        }
        return Ok(out);
    }
    if enabled(Tier::Fast) {
        out.push(burn_case(o, p, "fast", 1.05 * 14.4, Tier::Fast, true)?);
    }
    if enabled(Tier::Medium) {
        out.push(burn_case(o, p, "medium", 0.95 * 14.4, Tier::Medium, false)?);
    }
    if enabled(Tier::Fast) {
        // Every call fails for a while, then all succeed: fast fires, then
        // resets one short window after the errors stop.
        let (long, short) = Tier::Fast.windows(o.period_days);
        let mut minutes = (f64::from(long) * 14.4 * budget * 1.5).ceil() as u32;
        minutes = minutes.div_ceil(p.step) * p.step;
        let mut profile = baseline(p, CALLS);
        profile.extend([(minutes, CALLS, CALLS), (short + p.step, CALLS, 0.0)]);
        let fire = p.t0 + minutes;
        let reset = fire + short + p.step;
        let checks = vec![
            (fire, firing(o, &profile, fire)?),
            (reset, firing(o, &profile, reset)?),
        ];
        if !checks[0].1.contains(&Tier::Fast) || checks[1].1.contains(&Tier::Fast) {
            return Err(format!("{}: the reset case does not reset", o.name));
        }
        out.push(Case {
            name: format!(
                "reset: every call fails for {} fires {}; {} after the errors stop {} fires",
                duration(minutes),
                tiers_text(&checks[0].1),
                duration(short + p.step),
                tiers_text(&checks[1].1)
            ),
            profile,
            checks,
            exprs: Vec::new(),
            quiet_group: false,
        });
    }
    if o.page_min_bad_events > 0 && enabled(Tier::Fast) {
        // Low traffic: floor - 1 failures would cross the fast thresholds
        // but do not page; `floor` failures do.
        let floor = f64::from(o.page_min_bad_events);
        let k = floor - 1.0;
        let fast = 14.4 * budget;
        let (long, _) = Tier::Fast.windows(o.period_days);
        let max_good = (k / (fast * 1.2) - k).max(0.0) / f64::from(long);
        // The first traffic level (half the most that still crosses the
        // fast thresholds, then less) at which no ratio is near a threshold.
        let mut found = None;
        for divisor in [2.0, 2.5, 3.0, 4.0, 5.0, 8.0] {
            let good = (max_good / divisor * 1e4).floor() / 1e4;
            let mut built = Vec::new();
            for failures in [k, floor] {
                let n = failures as u32;
                let mut profile = baseline(p, good);
                profile.extend([(n, good + 1.0, 1.0), (p.step - n, good, 0.0)]);
                let at = p.t0 + p.step;
                let Ok(tiers) = firing(o, &profile, at) else {
                    break;
                };
                let pages = tiers.iter().any(|t| {
                    o.tiers
                        .iter()
                        .any(|s| s.tier == *t && s.severity == Severity::Critical)
                });
                if pages != (failures >= floor) {
                    break;
                }
                built.push(Case {
                    name: format!(
                        "low traffic ({} calls an hour): {n} failures fire {} (the page floor is {})",
                        num(good * 60.0),
                        tiers_text(&tiers),
                        o.page_min_bad_events
                    ),
                    profile,
                    checks: vec![(at, tiers)],
                    exprs: Vec::new(),
                    quiet_group: false,
                });
            }
            if built.len() == 2 {
                found = Some(built);
                break;
            }
        }
        out.extend(found.ok_or_else(|| format!("{}: no low-traffic case fits", o.name))?);
    }
    Ok(out)
}

fn exp_alert(o: &Objective, tier: Tier, group: &str) -> String {
    let setting = o.tiers.iter().find(|s| s.tier == tier).expect("a tier");
    let (long, short) = tier.windows(o.period_days);
    let (summary, description) = tier_annotations(
        o,
        tier,
        &o.by.iter().map(|_| group).collect::<Vec<_>>().join("/"),
    );
    let mut out = format!(
        "    - exp_labels:\n        severity: {}\n        category: {}\n        slo_tier: {}\n        \
         long_window: \"{}\"\n        short_window: \"{}\"\n        burn_rate: \"{}\"\n        \
         sloth_id: {}\n        sloth_service: {SERVICE}\n        sloth_slo: {}\n",
        setting.severity.as_str(),
        o.category.key(),
        tier.key(),
        duration(long),
        duration(short),
        tier.burn_rate(),
        o.sloth_id(),
        o.name
    );
    for l in o.by {
        let _ = writeln!(out, "        {l}: {group}");
    }
    let _ = write!(
        out,
        "      exp_annotations:\n        summary: \"{summary}\"\n        description: \"{description}\"\n"
    );
    out
}

fn write_series(out: &mut String, series: &[(String, String)]) {
    for (s, v) in series {
        let _ = writeln!(out, "  - series: '{s}'\n    values: '{v}'");
    }
}

fn labels_text(labels: &[(String, String)]) -> String {
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    format!("{{{}}}", inner.join(", "))
}

/// The healthy traffic before `t0` at `rate` calls a minute. The fast plan's
/// history is compressed: the first 30 minutes carry as many calls as 66
/// hours would, then 6 hours of `rate`. Every window up to 6h (all that the
/// fast and medium tiers read) sees exactly `rate`, and the 1d and 3d
/// windows hold as many calls as three days would, so no tier fires only
/// because the history is short; evaluating 6.5 instead of 72 hours keeps
/// the tests cheap.
fn baseline(p: Plan, rate: f64) -> Profile {
    if p.key == FAST.key {
        vec![(30, rate * (4320.0 - 360.0) / 30.0, 0.0), (360, rate, 0.0)]
    } else {
        vec![(p.t0, rate, 0.0)]
    }
}

/// The two test plans, in file order.
const PLANS: [Plan; 2] = [FAST, SLOW];

/// The promtool test files of one objective, `(file name, content)`:
/// `<name>.fast.test.yml` (fast and medium tiers, reset, low traffic, the
/// zero group, the `le` spellings) and `<name>.slow.test.yml` (slow and
/// long-term tiers).
pub fn test_files(o: &Objective) -> Result<Vec<(String, String)>, String> {
    PLANS
        .iter()
        .map(|p| Ok((format!("{}.{}.test.yml", o.name, p.key), test_file(o, *p)?)))
        .collect()
}

fn test_file(o: &Objective, p: Plan) -> Result<String, String> {
    let what = if p.key == SLOW.key {
        "the slow and long-term tiers each fire just after their detection time and not\n\
         # before, and no other tier fires (exp_alerts lists every firing tier)"
    } else {
        "the fast and medium tiers each fire just after their detection time and not\n\
         # before, no other tier fires (exp_alerts lists every firing tier), alerts reset\n\
         # after the short window, low traffic does not page, a group without bad\n\
         # series reads 0 (and for latency: both `le` spellings agree, a missing bucket\n\
         # fires the guard)"
    };
    let mut out = format!(
        "# GENERATED by `cargo xtask gen` from autobot-otel-catalog/src/objectives.rs; do not edit.\n\
         # promtool tests of the {} objective ({}% over {} days): {what}.\n\
         # Run: promtool test rules {SLO_TESTS_DIR}/{}.{}.test.yml\n\
         rule_files:\n- ../../rules/autobot-slos.yml\nevaluation_interval: {}m\n\
         # The objective's SLI group, then its meta and alert groups, at every step.\n\
         group_eval_order:\n",
        o.name, o.target, o.period_days, o.name, p.key, p.step
    );
    for kind in ["sli", "meta", "alerts"] {
        let _ = writeln!(out, "- autobot-slo-{kind}-{}", o.name);
    }
    out.push_str("tests:\n");
    let le = match o.sli {
        Sli::Latency { threshold, .. } => Some(le_spellings(threshold)[0].clone()),
        _ => None,
    };
    for case in cases(o, p)? {
        let _ = writeln!(
            out,
            "- name: '{}'\n  interval: {}m\n  input_series:",
            case.name, p.sample
        );
        write_series(
            &mut out,
            &input_series(o, "slo-a", &case.profile, le.as_deref(), p.sample),
        );
        if case.quiet_group {
            let end: u32 = case.profile.iter().map(|p| p.0).sum();
            let quiet: Profile = vec![(end, CALLS, 0.0)];
            write_series(
                &mut out,
                &input_series(o, "slo-b", &quiet, le.as_deref(), p.sample),
            );
        }
        out.push_str("  alert_rule_test:\n");
        for (t, tiers) in &case.checks {
            let _ = writeln!(
                out,
                "  - eval_time: {}m\n    alertname: {}",
                t,
                alert_name(o)
            );
            if tiers.is_empty() {
                out.push_str("    exp_alerts: []\n");
            } else {
                out.push_str("    exp_alerts:\n");
                for tier in tiers {
                    out.push_str(&exp_alert(o, *tier, "slo-a"));
                }
            }
        }
        if !case.exprs.is_empty() {
            out.push_str("  promql_expr_test:\n");
            for (t, expr, samples) in &case.exprs {
                let _ = writeln!(
                    out,
                    "  - expr: '{expr}'\n    eval_time: {t}m\n    exp_samples:"
                );
                let name = expr.split('{').next().unwrap_or_default();
                for (labels, value) in samples {
                    let _ = writeln!(
                        out,
                        "    - labels: '{name}{}'\n      value: {value}",
                        labels_text(labels)
                    );
                }
            }
        }
    }
    if let (Sli::Latency { threshold, .. }, "fast") = (o.sli, p.key) {
        out.push_str(&latency_case(o, threshold));
    }
    Ok(out)
}

/// Both `le` spellings give the same SLI; a group without the bucket fires
/// the guard after 10 minutes, a group with it does not.
fn latency_case(o: &Objective, threshold: f64) -> String {
    let spellings = le_spellings(threshold);
    let profile: Profile = vec![(60, CALLS, 0.2 * CALLS)];
    let mut out = format!(
        "- name: 'le spellings {} agree (20% slower than {threshold}); a group without the bucket fires {BUCKET_MISSING_ALERT}'\n  interval: 1m\n  input_series:\n",
        spellings.join(" and ")
    );
    let mut groups = Vec::new();
    for (i, le) in spellings.iter().enumerate() {
        let group = format!("le-{i}");
        write_series(&mut out, &input_series(o, &group, &profile, Some(le), 1));
        groups.push(group);
    }
    write_series(&mut out, &input_series(o, "old", &profile, None, 1));
    let _ = writeln!(
        out,
        "  alert_rule_test:\n  - eval_time: 8m\n    alertname: {BUCKET_MISSING_ALERT}\n    exp_alerts: []\n  - eval_time: 20m\n    alertname: {BUCKET_MISSING_ALERT}\n    exp_alerts:\n    - exp_labels:\n        severity: warning\n        category: {}\n        sloth_slo: {}",
        o.category.key(),
        o.name
    );
    for l in o.by {
        let _ = writeln!(out, "        {l}: old");
    }
    let Sli::Latency { histogram, .. } = o.sli else {
        unreachable!()
    };
    let old = o.by.iter().map(|_| "old").collect::<Vec<_>>().join("/");
    let _ = writeln!(
        out,
        "      exp_annotations:\n        summary: \"{old}: {} has traffic but no le={threshold} bucket\"\n        \
         description: \"The {} objective reads nothing for this group: the binary predates the objective's bucket. Upgrade it, or the SLO is blind here.\"",
        histogram.def().name,
        o.name
    );
    let _ = writeln!(
        out,
        "  promql_expr_test:\n  - expr: 'round(slo:sli_error:ratio_rate1h{{sloth_id=\"{}\"}}, 0.0001)'\n    eval_time: 60m\n    exp_samples:",
        o.sloth_id()
    );
    for group in &groups {
        let mut labels = sloth_series_labels(o, "1h");
        labels.extend(group_labels(o, group));
        let _ = writeln!(
            out,
            "    - labels: '{}'\n      value: 0.2",
            labels_text(&labels)
        );
    }
    out
}

/// Every generated SLO file: the rules, the tests, the Alertmanager splice.
pub fn generated(alertmanager: &str) -> Result<Vec<(String, String)>, String> {
    let mut problems = Vec::new();
    for o in OBJECTIVES {
        problems.extend(o.problems().iter().map(ToString::to_string));
        for id in o.sli.families() {
            if id.def().kind == Kind::Histogram && !id.def().labels.iter().all(|l| *l != "le") {
                problems.push(format!("{}: a histogram label named le", o.name));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let mut files = vec![(SLO_RULES_FILE.to_string(), rules())];
    for o in OBJECTIVES {
        for (name, content) in test_files(o)? {
            files.push((format!("{SLO_TESTS_DIR}/{name}"), content));
        }
    }
    files.push((
        ALERTMANAGER_FILE.to_string(),
        crate::splice(alertmanager, INHIBIT_BEGIN, INHIBIT_END, &inhibitions())?,
    ));
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_written_as_prometheus_does() {
        assert_eq!(duration(5), "5m");
        assert_eq!(duration(60), "1h");
        assert_eq!(duration(4320), "3d");
        assert_eq!(duration(43200), "30d");
        assert_eq!(duration(336), "336m");
    }

    #[test]
    fn window_counts_follow_the_profile() {
        let p: Profile = vec![(10, 10.0, 0.0), (10, 10.0, 5.0)];
        assert_eq!(window_counts(&p, 20, 5), (25.0, 50.0));
        assert_eq!(window_counts(&p, 15, 10), (25.0, 100.0));
    }

    #[test]
    fn counter_values_chain_segments() {
        assert_eq!(counter_values(&[(3, 2.0), (2, 1.0)], 1), "0+2x3 7+1x1");
        assert_eq!(counter_values(&[(10, 1.0), (10, 2.0)], 5), "0+5x2 20+10x1");
        assert_eq!(num(7.560000000001), "7.56");
    }

    #[test]
    fn fast_tier_of_llm_availability_is_the_designs() {
        let o = autobot_otel_catalog::objectives::ObjectiveId::LlmAvailability.def();
        let expr = tier_expr(o, Tier::Fast, Severity::Critical);
        assert!(
            expr.contains(
                "slo:sli_error:ratio_rate5m{sloth_id=\"autobot-llm-availability\"} > (14.4 * 0.005)"
            ),
            "{expr}"
        );
        assert!(
            expr.contains(
                "and on (provider) (sum by (provider) (increase(autobot_llm_errors_total[1h]))"
            ),
            "{expr}"
        );
        assert!(expr.ends_with(">= 3"), "{expr}");
        let slow = tier_expr(o, Tier::Slow, Severity::Warning);
        assert!(!slow.contains("increase"), "{slow}");
    }
}
