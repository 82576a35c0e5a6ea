//! What timing a function costs: `#[instrument_*(span = false)]` against an
//! `Instant` pair, against the same by hand with `metrics`, and against
//! `#[autometrics]` (in its own process, `benches/peers-autometrics`, spawned
//! once per round, whose own `Instant` pair makes its figure a ratio too); and
//! every attribute with its span ([`WITH_SPAN`]) against a bare
//! `#[tracing::instrument]` on the same function body, all through
//! `tracing-opentelemetry` with an always-on sampler; and what the
//! exemplars add: the attribute with its span in a pipeline that keeps them
//! (the default) against one that does not (`ExemplarFilter::AlwaysOff`), and a
//! plain `record_*` call outside any span in both.
//!
//! Every figure is an added cost: the call's time minus a bare call's, in the
//! same round.

use std::cell::RefCell;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use autobot_otel::exemplars::ExemplarFilter;
use autobot_otel::instrument::LlmUsage;
use autobot_otel::{
    instrument_agent, instrument_github, instrument_knowledge, instrument_llm, instrument_redis,
    instrument_task, instrument_tool, instrument_workflow,
};
use autobot_otel_bench::report::{self, PeersReport, Stat, key};
use autobot_otel_bench::rounds::{Candidate, Round, interleave, time_per_call};

use crate::Options;

#[instrument_github(operation = "bench", span = false)]
fn github_metrics_only(x: u64) -> u64 {
    black_box(x) + 1
}

#[instrument_workflow(workflow_type = "bench", span = false)]
fn workflow_metrics_only(x: u64) -> u64 {
    black_box(x) + 1
}

// Every attribute with its span, on the same body as `traced` (the LLM call's
// returns the token usage its response would report, as `traced_llm` does).
#[instrument_workflow(workflow_type = "bench_span")]
fn workflow_with_span(x: u64) -> u64 {
    black_box(x) + 1
}

#[instrument_task(agent_type = "bench", task_type = "bench_span")]
fn task_with_span(x: u64) -> u64 {
    black_box(x) + 1
}

#[instrument_github(operation = "bench_span")]
fn github_with_span(x: u64) -> u64 {
    black_box(x) + 1
}

#[instrument_redis(database = "bench", operation = "bench_span")]
fn redis_with_span(x: u64) -> u64 {
    black_box(x) + 1
}

#[instrument_knowledge(search_type = "semantic", collection = "bench_span")]
fn knowledge_with_span(x: u64) -> u64 {
    black_box(x) + 1
}

#[instrument_llm(provider = "openai", model = "gpt-4o")]
fn llm_with_span(x: u64) -> Completion {
    completion(x)
}

#[instrument_agent(agent_name = "bench_span")]
fn agent_with_span(x: u64) -> u64 {
    black_box(x) + 1
}

#[instrument_tool(tool_name = "bench_span")]
fn tool_with_span(x: u64) -> u64 {
    black_box(x) + 1
}

/// What a non-streaming LLM call returns: its token usage.
#[derive(Debug)]
struct Completion {
    input_tokens: u64,
    output_tokens: u64,
}

impl LlmUsage for Completion {
    fn input_tokens(&self) -> u64 {
        self.input_tokens
    }
    fn output_tokens(&self) -> u64 {
        self.output_tokens
    }
}

#[inline(always)]
fn completion(x: u64) -> Completion {
    Completion {
        input_tokens: black_box(x) + 1,
        output_tokens: black_box(x) + 2,
    }
}

/// Every attribute with its span, in the order of [`report::WITH_SPAN`] (which
/// names each and its bare `#[tracing::instrument]` twin): ns per call with the
/// tracing-opentelemetry dispatch, over `calls` calls.
const WITH_SPAN: [fn(&tracing::Dispatch, u64) -> f64; 8] = [
    |d, calls| spans(d, calls, workflow_with_span),
    |d, calls| spans(d, calls, task_with_span),
    |d, calls| spans(d, calls, github_with_span),
    |d, calls| spans(d, calls, redis_with_span),
    |d, calls| spans(d, calls, knowledge_with_span),
    |d, calls| spans(d, calls, llm_with_span),
    |d, calls| spans(d, calls, agent_with_span),
    |d, calls| spans(d, calls, tool_with_span),
];

/// The candidate of [`report::WITH_SPAN`] entry `name`.
fn with_span_candidate(name: &str) -> String {
    format!("with_span_{name}")
}

/// ns per call of `f` with `dispatch` (tracing-opentelemetry) as the subscriber.
fn spans<T>(dispatch: &tracing::Dispatch, calls: u64, f: fn(u64) -> T) -> f64 {
    tracing::dispatcher::with_default(dispatch, || {
        time_per_call(calls, || {
            black_box(f(black_box(1)));
        })
    })
}

// The same attribute at two more call sites: a constant call site keeps the
// series of the pipeline it first recorded into, so each pipeline gets its own.
#[instrument_github(operation = "bench_span")]
fn github_with_span_exemplars(x: u64) -> u64 {
    black_box(x) + 1
}

#[instrument_github(operation = "bench_span")]
fn github_with_span_no_exemplars(x: u64) -> u64 {
    black_box(x) + 1
}

#[tracing::instrument]
fn traced(x: u64) -> u64 {
    black_box(x) + 1
}

#[tracing::instrument]
fn traced_llm(x: u64) -> Completion {
    completion(x)
}

#[inline(never)]
fn bare(x: u64) -> u64 {
    black_box(x) + 1
}

/// The same two series as `#[instrument_github(span = false)]`, by hand with
/// `metrics` (global recorder: `metrics-exporter-prometheus`).
fn metrics_by_hand(x: u64) -> u64 {
    let start = Instant::now();
    let r = bare(x);
    metrics::counter!("autobot_github_operations_total", "operation" => "hand", "status" => "success")
        .increment(1);
    metrics::histogram!("autobot_github_api_duration_seconds", "operation" => "hand")
        .record(start.elapsed().as_secs_f64());
    r
}

/// One round of the autometrics process: ns per call of a bare function, of an
/// `Instant` pair around it, and of an `#[autometrics]` function.
#[derive(Clone, Copy, Debug)]
struct AutometricsRound {
    bare: f64,
    instant_pair: f64,
    autometrics: f64,
}

fn autometrics_round(bin: &Path, calls: u64) -> Result<AutometricsRound, String> {
    let out = std::process::Command::new(bin)
        .args(["--calls", &calls.to_string()])
        .output()
        .map_err(|e| format!("{}: {e}", bin.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed: {}",
            bin.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let get = |k: &str| {
        v[k].as_f64()
            .ok_or(format!("no {k} in the autometrics output"))
    };
    Ok(AutometricsRound {
        bare: get("bare_ns")?,
        instant_pair: get("instant_pair_ns")?,
        autometrics: get("autometrics_ns")?,
    })
}

pub fn run(opts: &Options, report: &mut PeersReport) {
    // The global pipeline the attributes record into.
    let _ = autobot_otel::get_metrics_manager();
    let calls = if opts.quick { 5_000 } else { 20_000 };
    let span_calls = calls / 4;

    use tracing_subscriber::layer::SubscriberExt;
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    let tracer = opentelemetry::trace::TracerProvider::tracer(&provider, "bench");
    let dispatch = tracing::Dispatch::new(
        tracing_subscriber::registry().with(tracing_opentelemetry::layer().with_tracer(tracer)),
    );
    let spans = |f: fn(u64) -> u64| spans(&dispatch, span_calls, f);

    // Two pipelines that differ only in their exemplar filter.
    let pipeline = |filter| {
        autobot_otel::Telemetry::builder()
            .without_otlp()
            .with_exemplar_filter(filter)
            .build()
            .expect("pipeline")
    };
    let on = pipeline(ExemplarFilter::TraceBased);
    let off = pipeline(ExemplarFilter::AlwaysOff);
    let record = |t: &autobot_otel::Telemetry| {
        let m = t.metrics();
        time_per_call(calls, || {
            m.record_llm_request("openai", "gpt-4o", "chat", black_box(0.5));
        })
    };

    let autometrics_rounds: RefCell<Vec<AutometricsRound>> = RefCell::new(Vec::new());
    let mut candidates = vec![
        Candidate::new("bare", || {
            time_per_call(calls, || {
                black_box(bare(black_box(1)));
            })
        }),
        Candidate::new("instant_pair", || {
            time_per_call(calls, || {
                let start = Instant::now();
                black_box(bare(black_box(1)));
                black_box(start.elapsed());
            })
        }),
        Candidate::new("span_false", || {
            time_per_call(calls, || {
                black_box(github_metrics_only(black_box(1)));
            })
        }),
        Candidate::new("span_false_active_gauge", || {
            time_per_call(calls, || {
                black_box(workflow_metrics_only(black_box(1)));
            })
        }),
        Candidate::new("metrics_by_hand", || {
            time_per_call(calls, || {
                black_box(metrics_by_hand(black_box(1)));
            })
        }),
        Candidate::new("bare_for_spans", || spans(bare)),
        Candidate::new("tracing_instrument", || spans(traced)),
        Candidate::new("tracing_instrument_llm", || {
            self::spans(&dispatch, span_calls, traced_llm)
        }),
        Candidate::new("with_span_exemplars", || {
            on.in_scope(|| spans(github_with_span_exemplars))
        }),
        Candidate::new("with_span_no_exemplars", || {
            off.in_scope(|| spans(github_with_span_no_exemplars))
        }),
        Candidate::new("record_exemplars", || record(&on)),
        Candidate::new("record_no_exemplars", || record(&off)),
    ];
    candidates.extend(
        WITH_SPAN
            .iter()
            .zip(report::WITH_SPAN)
            .map(|(run, (name, ..))| {
                let dispatch = &dispatch;
                Candidate::new(with_span_candidate(name), move || run(dispatch, span_calls))
            }),
    );
    let mut autometrics_error = None;
    if let Some(bin) = &opts.autometrics {
        // Checked once up front, so a broken binary is a note, not a panic mid-run.
        match autometrics_round(bin, 100) {
            Ok(_) => candidates.push(Candidate::new("autometrics", || {
                match autometrics_round(bin, calls) {
                    Ok(r) => {
                        autometrics_rounds.borrow_mut().push(r);
                        r.autometrics - r.bare
                    }
                    Err(e) => {
                        eprintln!("peers: {e}");
                        autometrics_rounds.borrow_mut().push(AutometricsRound {
                            bare: f64::NAN,
                            instant_pair: f64::NAN,
                            autometrics: f64::NAN,
                        });
                        f64::NAN
                    }
                }
            })),
            Err(e) => autometrics_error = Some(e),
        }
    }
    let rounds = opts.rounds(41, 5);
    let samples = interleave(&mut candidates, rounds);
    drop(candidates);
    report.rounds.insert("attributes".into(), rounds);

    let added =
        |name: &'static str, base: &'static str| move |r: Round<'_>| r.get(name) - r.get(base);
    let mut put = |k: &[&str], v: Vec<f64>| {
        report.figures.insert(key(k), Stat::of(&v));
    };
    for name in [
        "bare",
        "instant_pair",
        "span_false",
        "span_false_active_gauge",
        "metrics_by_hand",
        "bare_for_spans",
        "tracing_instrument",
        "tracing_instrument_llm",
        "with_span_exemplars",
        "with_span_no_exemplars",
        "record_exemplars",
        "record_no_exemplars",
    ] {
        put(&["attr", name], samples.of(name).to_vec());
    }
    put(
        &["ratio", "exemplars", "with_span"],
        samples.per_round(|r| r.get("with_span_exemplars") / r.get("with_span_no_exemplars")),
    );
    put(
        &["ratio", "exemplars", "no_span"],
        samples.per_round(|r| r.get("record_exemplars") / r.get("record_no_exemplars")),
    );
    let pair = added("instant_pair", "bare");
    for name in [
        "instant_pair",
        "span_false",
        "span_false_active_gauge",
        "metrics_by_hand",
    ] {
        put(
            &["attr", "added", name],
            samples.per_round(added(name, "bare")),
        );
    }
    for name in ["span_false", "span_false_active_gauge", "metrics_by_hand"] {
        let a = added(name, "bare");
        put(
            &["ratio", "attr", name, "instant_pair"],
            samples.per_round(|r| a(r) / pair(r)),
        );
    }
    let ours = added("span_false", "bare");
    let hand = added("metrics_by_hand", "bare");
    put(
        &["ratio", "attr", "span_false", "metrics_by_hand"],
        samples.per_round(|r| ours(r) / hand(r)),
    );
    for name in ["tracing_instrument", "tracing_instrument_llm"] {
        put(
            &["attr", "added", name],
            samples.per_round(added(name, "bare_for_spans")),
        );
    }
    // Each attribute with its span: its added cost, and that ÷ its bare
    // `#[tracing::instrument]` twin's, per round.
    for (name, _, twin) in report::WITH_SPAN {
        let candidate = with_span_candidate(name);
        put(
            &["attr", "with_span", name],
            samples.of(&candidate).to_vec(),
        );
        let ours = |r: Round<'_>| r.get(&candidate) - r.get("bare_for_spans");
        let traced = added(twin, "bare_for_spans");
        put(
            &["attr", "added", "with_span", name],
            samples.per_round(ours),
        );
        put(
            &["ratio", "attr", "with_span", name, "tracing_instrument"],
            samples.per_round(|r| ours(r) / traced(r)),
        );
    }

    // One entry per call: the warm-up's first, then one per round.
    let mut am = autometrics_rounds.into_inner();
    let am = am.split_off(am.len().saturating_sub(samples.rounds()));
    if am.iter().any(|r| r.autometrics.is_finite()) {
        let own_ratio: Vec<f64> = am
            .iter()
            .map(|r| (r.autometrics - r.bare) / (r.instant_pair - r.bare))
            .collect();
        put(
            &["attr", "added", "autometrics"],
            am.iter().map(|r| r.autometrics - r.bare).collect(),
        );
        put(
            &["attr", "added", "autometrics_instant_pair"],
            am.iter().map(|r| r.instant_pair - r.bare).collect(),
        );
        let ours_ratio = samples.per_round(|r| ours(r) / pair(r));
        put(
            &["ratio", "attr", "span_false", "autometrics"],
            ours_ratio
                .iter()
                .zip(&own_ratio)
                .map(|(o, a)| o / a)
                .collect(),
        );
        put(&["ratio", "attr", "autometrics", "instant_pair"], own_ratio);
    } else {
        report.notes.push(match (&opts.autometrics, autometrics_error) {
            (None, _) => "autometrics not measured: no --autometrics binary (scripts/bench.sh builds benches/peers-autometrics)".into(),
            (Some(_), Some(e)) => format!("autometrics not measured: {e}"),
            (Some(_), None) => "autometrics not measured: every round failed (see stderr)".into(),
        });
    }
}
