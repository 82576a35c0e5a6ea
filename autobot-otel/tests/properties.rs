//! Property tests of bad input through the recording API and the exposition.
//!
//! - [`recorded_values_round_trip_through_the_scrape`]: arbitrary label values
//!   (any Unicode, quotes, backslashes, newlines, NUL, empty, up to ~100 KB)
//!   and arbitrary numbers (NaN, ±inf, negative, subnormal, huge) through
//!   eight recording methods. Recording never panics; the render parses with
//!   [`autobot_otel::scrape`] (so no duplicate series and one `# TYPE` per
//!   family); every series holds exactly the model's value under its cleaned
//!   label values (empty → `unknown`, truncated to [`MAX_LABEL_VALUE_BYTES`]
//!   at a character boundary), escaped in the text; the invalid values are
//!   dropped and counted in `dropped_measurements`.
//! - [`arbitrary_attribute_keys_render_a_parsable_scrape`]: arbitrary resource
//!   attribute keys (into `target_info`) and attribute keys of user
//!   instruments on the pipeline's meter provider: the scrape parses and
//!   every label name is valid.
//!
//! 256 cases each; failures are not persisted to files.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use autobot_otel::Telemetry;
use autobot_otel::catalog::CATALOG;
use autobot_otel::labels::{EMPTY_LABEL_VALUE, MAX_LABEL_VALUE_BYTES};
use autobot_otel::labels::{Outcome, SearchType};
use autobot_otel::testing::Scrape;
use opentelemetry::KeyValue;
use opentelemetry::metrics::MeterProvider as _;
use proptest::prelude::*;
use proptest::test_runner::Config;

fn config() -> Config {
    Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    }
}

/// Characters that stress the text format, or else any `char`.
fn odd_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec![
            '"', '\\', '\n', '\r', '\t', '\0', '{', '}', '=', ',', ';', ' ', '#', 'é', '日',
            '\u{1F600}', '\u{FEFF}', '\u{2028}', '\u{7F}', 'a', 'Z', '0', '_', ':', '.',
        ]),
        2 => any::<char>(),
    ]
}

fn short_string() -> impl Strategy<Value = String> {
    prop::collection::vec(odd_char(), 0..24).prop_map(|v| v.into_iter().collect())
}

/// A unit repeated to a length between just under the limit and ~100 KB, so
/// that different long values often share their first 256 bytes.
fn long_string() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["é", "ab", "\"\\\n", "日本", "\u{1F600}x", "a"]),
        prop_oneof![
            (MAX_LABEL_VALUE_BYTES - 4)..(MAX_LABEL_VALUE_BYTES + 8),
            1_000usize..100_001
        ],
        short_string(),
    )
        .prop_map(|(unit, bytes, tail)| {
            let mut s = unit.repeat(bytes / unit.len() + 1);
            s.push_str(&tail);
            s
        })
}

fn label_value() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => short_string(),
        1 => Just(String::new()),
        1 => Just(EMPTY_LABEL_VALUE.to_string()),
        1 => long_string(),
    ]
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => any::<f64>(),
        2 => 0.0..1e6f64,
        1 => prop::sample::select(vec![
            f64::NAN,
            -f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            -1.0,
            -0.0,
            0.0,
            5e-324,
            f64::MIN_POSITIVE / 3.0,
            f64::MAX,
            -f64::MIN_POSITIVE,
        ]),
    ]
}

fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        (0u64..100_000_000_000).prop_map(Duration::from_nanos),
        Just(Duration::ZERO),
        Just(Duration::MAX),
    ]
}

#[derive(Debug, Clone)]
enum Call {
    Workflow(String, f64),
    WorkflowF32(String, f32),
    Task(String, String, Duration),
    Cost(String, String, f64),
    PullRequest(String, String),
    Search(String, f64, usize),
    ActiveTasks(String, String, bool),
    RedisMemory(String, u64),
}

fn call() -> impl Strategy<Value = Call> {
    prop_oneof![
        (label_value(), number()).prop_map(|(a, v)| Call::Workflow(a, v)),
        (label_value(), any::<f32>()).prop_map(|(a, v)| Call::WorkflowF32(a, v)),
        (label_value(), label_value(), duration()).prop_map(|(a, b, d)| Call::Task(a, b, d)),
        (label_value(), label_value(), number()).prop_map(|(a, b, v)| Call::Cost(a, b, v)),
        (label_value(), label_value()).prop_map(|(a, b)| Call::PullRequest(a, b)),
        (label_value(), number(), any::<usize>()).prop_map(|(a, v, n)| Call::Search(a, v, n)),
        (label_value(), label_value(), any::<bool>())
            .prop_map(|(a, b, inc)| Call::ActiveTasks(a, b, inc)),
        (label_value(), any::<u64>()).prop_map(|(a, n)| Call::RedisMemory(a, n)),
    ]
}

/// The documented cleaning of a label value.
fn clean(v: &str) -> String {
    if v.is_empty() {
        return EMPTY_LABEL_VALUE.to_string();
    }
    let mut end = v.len().min(MAX_LABEL_VALUE_BYTES);
    while !v.is_char_boundary(end) {
        end -= 1;
    }
    v[..end].to_string()
}

/// Label values as the text format writes them.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

type Labels = BTreeMap<String, String>;

/// The catalog labels of `family` with `values` (cleaned) in catalog order.
fn labels(family: &str, values: &[&str]) -> Labels {
    let def = CATALOG
        .iter()
        .find(|d| d.name == family)
        .unwrap_or_else(|| panic!("{family} not in the catalog"));
    assert_eq!(def.labels.len(), values.len(), "{family}");
    def.labels
        .iter()
        .zip(values)
        .map(|(k, v)| (k.to_string(), clean(v)))
        .collect()
}

/// What the scrape must hold.
#[derive(Default, Debug)]
struct Model {
    /// Counter and gauge series: (family, labels) → value.
    values: BTreeMap<(&'static str, Labels), f64>,
    /// Histogram series: (family, labels) → the values observed, in order.
    histograms: BTreeMap<(&'static str, Labels), Vec<f64>>,
    dropped: u64,
}

impl Model {
    fn add(&mut self, family: &'static str, labels: Labels, v: f64) {
        *self.values.entry((family, labels)).or_insert(0.0) += v;
    }

    fn set(&mut self, family: &'static str, labels: Labels, v: f64) {
        self.values.insert((family, labels), v);
    }

    /// A non-negative value up to `MAX_MEASUREMENT` is observed; anything else
    /// is dropped.
    fn observe(&mut self, family: &'static str, labels: Labels, v: f64) {
        if valid(v) {
            self.histograms.entry((family, labels)).or_default().push(v);
        } else {
            self.dropped += 1;
        }
    }

    fn families(&self) -> BTreeSet<&'static str> {
        self.values
            .keys()
            .chain(self.histograms.keys())
            .map(|(f, _)| *f)
            .collect()
    }
}

fn apply(t: &Telemetry, model: &mut Model, call: &Call) {
    let m = t.metrics();
    match call {
        Call::Workflow(wf, secs) => {
            m.record_workflow_execution(wf, Outcome::Success, *secs);
            workflow_model(model, wf, *secs);
        }
        Call::WorkflowF32(wf, secs) => {
            m.record_workflow_execution(wf, Outcome::Success, *secs);
            workflow_model(model, wf, f64::from(*secs));
        }
        Call::Task(task, agent, d) => {
            m.record_task_execution(task, agent, Outcome::Failed, *d);
            let status = Outcome::Failed.as_str();
            model.add(
                "autobot_tasks_executed_total",
                labels("autobot_tasks_executed_total", &[task, agent, status]),
                1.0,
            );
            model.observe(
                "autobot_task_duration_seconds",
                labels("autobot_task_duration_seconds", &[task, agent]),
                d.as_secs_f64(),
            );
        }
        Call::Cost(provider, name, dollars) => {
            m.record_llm_cost(provider, name, *dollars);
            let family = "autobot_llm_cost_dollars_total";
            if valid(*dollars) {
                model.add(family, labels(family, &[provider, name, "total"]), *dollars);
            } else {
                model.dropped += 1;
            }
        }
        Call::PullRequest(repo, action) => {
            m.record_github_pull_request(repo, action, Outcome::Success);
            let family = "autobot_github_pull_requests_total";
            model.add(family, labels(family, &[repo, action, "success"]), 1.0);
        }
        Call::Search(collection, latency, results) => {
            m.record_search(SearchType::Hybrid, collection, *latency, *results);
            let family = "autobot_knowledge_search_requests_total";
            model.add(family, labels(family, &["hybrid", collection]), 1.0);
            let family = "autobot_knowledge_search_latency_seconds";
            model.observe(family, labels(family, &["hybrid", collection]), *latency);
            let family = "autobot_knowledge_search_results_count";
            model.observe(family, labels(family, &["hybrid"]), *results as f64);
        }
        Call::ActiveTasks(task, agent, inc) => {
            if *inc {
                m.inc_active_tasks(task, agent);
            } else {
                m.dec_active_tasks(task, agent);
            }
            let family = "autobot_active_tasks";
            model.add(
                family,
                labels(family, &[task, agent]),
                if *inc { 1.0 } else { -1.0 },
            );
        }
        Call::RedisMemory(db, bytes) => {
            m.set_redis_memory(db, *bytes);
            let family = "autobot_redis_memory_used_bytes";
            model.set(family, labels(family, &[db]), *bytes as f64);
        }
    }
}

fn workflow_model(model: &mut Model, wf: &str, secs: f64) {
    let family = "autobot_workflow_executions_total";
    model.add(family, labels(family, &[wf, "success"]), 1.0);
    let family = "autobot_workflow_duration_seconds";
    model.observe(family, labels(family, &[wf]), secs);
}

/// `# TYPE` (and `# HELP`) lines per family name.
fn directive_counts(text: &str, directive: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix(directive) {
            let name = rest.split(' ').next().unwrap_or_default().to_string();
            *counts.entry(name).or_insert(0) += 1;
        }
    }
    counts
}

/// Whether a duration or amount is recorded (the documented rule).
fn valid(v: f64) -> bool {
    (0.0..=autobot_otel::MAX_MEASUREMENT).contains(&v)
}

fn check(text: &str, model: &Model, dropped: u64) -> Result<(), TestCaseError> {
    let s = Scrape::parse(text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
    prop_assert_eq!(dropped, model.dropped, "dropped_measurements");

    let types = directive_counts(text, "# TYPE ");
    prop_assert!(types.values().all(|n| *n == 1), "{:?}", types);
    prop_assert!(directive_counts(text, "# HELP ").values().all(|n| *n == 1));
    let mut want_families = model.families();
    want_families.insert("target_info");
    // Catalog families and `target_info`; the pipeline's own `autobot_otel_*`
    // families (not in the catalog) are left out of the comparison.
    let ours = |name: &str| name == "target_info" || CATALOG.iter().any(|d| d.name == name);
    let got_families: BTreeSet<&str> = s
        .families
        .keys()
        .map(String::as_str)
        .filter(|n| ours(n))
        .collect();
    prop_assert_eq!(&got_families, &want_families);
    prop_assert_eq!(
        types
            .keys()
            .map(String::as_str)
            .filter(|n| ours(n))
            .collect::<BTreeSet<_>>(),
        want_families
    );

    // Counters and gauges: exactly the model's series, with its values.
    for ((family, labels), want) in &model.values {
        let pairs: Vec<(&str, &str)> = labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let got = s.value(family, &pairs);
        prop_assert_eq!(got, Some(*want), "{}{:?}", family, labels);
        for (k, v) in labels {
            let raw = format!("{k}=\"{}\"", escape(v));
            prop_assert!(text.contains(&raw), "{} not in the text", raw);
        }
    }
    for (family, f) in &s.families {
        let want = model
            .values
            .keys()
            .chain(model.histograms.keys())
            .filter(|(name, _)| name == family)
            .count();
        if ours(family) && family != "target_info" {
            prop_assert_eq!(f.series_count(), want, "series of {}", family);
        }
    }

    // Histograms: count, sum (the same left fold as the SDK) and buckets.
    for ((family, labels), observed) in &model.histograms {
        let def = CATALOG.iter().find(|d| d.name == *family).expect("catalog");
        let pairs: Vec<(&str, &str)> = labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let count = s.value(&format!("{family}_count"), &pairs);
        prop_assert_eq!(count, Some(observed.len() as f64), "{}_count", family);
        let sum = observed.iter().fold(0.0, |acc, v| acc + v);
        let got_sum = s.value(&format!("{family}_sum"), &pairs);
        prop_assert_eq!(got_sum, Some(sum), "{}_sum", family);
        let fam = &s.families[*family];
        let buckets: Vec<_> = fam
            .samples
            .iter()
            .filter(|x| x.name.ends_with("_bucket"))
            .filter(|x| {
                let mut l = x.labels.clone();
                l.remove("le");
                &l == labels
            })
            .collect();
        prop_assert_eq!(buckets.len(), def.buckets.len() + 1);
        for (sample, bound) in buckets
            .iter()
            .zip(def.buckets.iter().chain([&f64::INFINITY]))
        {
            let le = &sample.labels["le"];
            let parsed = if le == "+Inf" {
                f64::INFINITY
            } else {
                le.parse::<f64>().expect("numeric le")
            };
            prop_assert_eq!(parsed, *bound);
            let below = observed.iter().filter(|v| **v <= *bound).count() as f64;
            prop_assert_eq!(sample.value, below, "{} le={}", family, le);
        }
    }
    Ok(())
}

fn telemetry() -> Telemetry {
    Telemetry::builder()
        .without_otlp()
        .enabled(true)
        // Two renders are compared: the process metrics' values move between them.
        .with_process_metrics(false)
        .build()
        .expect("pipeline")
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn recorded_values_round_trip_through_the_scrape(
        calls in prop::collection::vec(call(), 1..10),
    ) {
        let t = telemetry();
        let mut model = Model::default();
        for c in &calls {
            apply(&t, &mut model, c);
        }
        let text = t.render(autobot_otel::Exposition::Text);
        check(&text, &model, t.metrics().dropped_measurements())?;
        // A second render (state kept between scrapes) is the same.
        prop_assert_eq!(t.render(autobot_otel::Exposition::Text), text);
    }
}

/// Attribute keys: any string, weighted towards the invalid ones.
fn attribute_key() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => prop::sample::select(vec![
            "", "1abc", "__name__", "le", "a:b", "::", "_", "__x", "clé", "9", "key_1abc",
            "service.name", "..name..",
        ])
        .prop_map(String::from),
        3 => prop::collection::vec(
            prop_oneof![
                prop::sample::select(vec!['1', '_', ':', '.', '-', 'l', 'e', 'é', '日', ' ', '"']),
                any::<char>(),
            ],
            0..10,
        )
        .prop_map(|v| v.into_iter().collect()),
    ]
}

fn valid_label_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with("__")
        && name
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_alphabetic() || c == '_' || (i > 0 && c.is_ascii_digit()))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_attribute_keys_render_a_parsable_scrape(
        resource in prop::collection::vec((attribute_key(), label_value()), 0..6),
        counter_attrs in prop::collection::vec((attribute_key(), label_value()), 0..6),
        histogram_attrs in prop::collection::vec((attribute_key(), label_value()), 0..6),
        value in number(),
    ) {
        let mut builder = Telemetry::builder().without_otlp().enabled(true);
        for (k, v) in &resource {
            builder = builder.with_resource_attribute(KeyValue::new(k.clone(), v.clone()));
        }
        let t = builder.build().expect("pipeline");
        let meter = t.meter_provider().expect("enabled").meter("user");
        // One data point per instrument: keys that sanitize alike on two data
        // points may give two series one label set (see the exposition docs).
        let attrs = |kvs: &[(String, String)]| -> Vec<KeyValue> {
            kvs.iter().map(|(k, v)| KeyValue::new(k.clone(), v.clone())).collect()
        };
        meter.u64_counter("user.requests").build().add(3, &attrs(&counter_attrs));
        meter
            .f64_histogram("user.latency")
            .with_unit("s")
            .build()
            .record(value, &attrs(&histogram_attrs));
        t.metrics().record_cache_hit("embedding");

        let text = t.render(autobot_otel::Exposition::Text);
        let s = Scrape::parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        for sample in s.samples() {
            for key in sample.labels.keys() {
                prop_assert!(valid_label_name(key), "label {:?} in {}", key, sample.name);
            }
        }
        prop_assert!(s.family("target_info").is_some());
        prop_assert_eq!(s.sum("user_requests_total"), Some(3.0));
        prop_assert_eq!(s.sum("autobot_knowledge_cache_hits_total"), Some(1.0));
        let directive = directive_counts(&text, "# TYPE ");
        prop_assert!(directive.values().all(|n| *n == 1), "{:?}", directive);
    }
}
