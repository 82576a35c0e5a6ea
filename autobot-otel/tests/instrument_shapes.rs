//! The attributes work on every shape of function: sync and async, free functions
//! and methods (`&self`, `&mut self`, `self`), generics, `impl Trait` returns,
//! `async fn` in traits, `#[async_trait]`, `#[tracing::instrument]` in either
//! order, labels computed from parameters, and whole `impl` blocks (with
//! `#[async_trait]` in either order).

mod support;

use std::fmt::Display;

use autobot_otel::instrument::LlmUsage;
use autobot_otel::{instrument_github, instrument_llm, instrument_task, instrument_workflow};
use support::value;

fn wf(name: &str) -> f64 {
    value(
        "autobot_workflow_executions_total",
        &[("workflow_type", name), ("status", "success")],
    )
}

struct Agent {
    model: String,
    calls: u32,
}

impl Agent {
    #[instrument_workflow(workflow_type = "shape_ref")]
    fn by_ref(&self) -> &str {
        &self.model
    }

    #[instrument_workflow(workflow_type = "shape_mut")]
    fn by_mut(&mut self) -> u32 {
        self.calls += 1;
        self.calls
    }

    #[instrument_workflow(workflow_type = "shape_owned")]
    fn by_value(self) -> String {
        self.model
    }

    #[instrument_workflow(workflow_type = "shape_async_mut")]
    async fn async_mut(&mut self) -> u32 {
        tokio::task::yield_now().await;
        self.calls += 10;
        self.calls
    }

    #[instrument_llm(provider = "shapes", model = self.model)]
    async fn complete(&self, prompt: &str) -> Result<Tokens, std::io::Error> {
        Ok(Tokens(prompt.len() as u64, 5))
    }
}

struct Tokens(u64, u64);

impl LlmUsage for Tokens {
    fn input_tokens(&self) -> u64 {
        self.0
    }
    fn output_tokens(&self) -> u64 {
        self.1
    }
    fn cost_dollars(&self) -> Option<f64> {
        Some(0.25)
    }
}

#[tokio::test]
async fn methods_with_every_receiver() {
    let mut agent = Agent {
        model: "gpt-shapes".into(),
        calls: 0,
    };
    assert_eq!(agent.by_ref(), "gpt-shapes");
    assert_eq!(agent.by_mut(), 1);
    assert_eq!(agent.async_mut().await, 11);
    let t = agent.complete("four").await.unwrap();
    assert_eq!(t.0, 4);
    assert_eq!(agent.by_value(), "gpt-shapes");
    for name in ["shape_ref", "shape_mut", "shape_owned", "shape_async_mut"] {
        assert_eq!(wf(name), 1.0, "{name}");
    }
    let tokens = |t| {
        [
            ("provider", "shapes"),
            ("model", "gpt-shapes"),
            ("token_type", t),
        ]
    };
    assert_eq!(value("autobot_llm_tokens_total", &tokens("input")), 4.0);
    assert_eq!(value("autobot_llm_tokens_total", &tokens("output")), 5.0);
    let cost = [
        ("provider", "shapes"),
        ("model", "gpt-shapes"),
        ("cost_type", "total"),
    ];
    assert_eq!(value("autobot_llm_cost_dollars_total", &cost), 0.25);
}

#[instrument_llm(provider = provider, model = "plain-usage")]
fn usage_without_result(provider: &str) -> Tokens {
    Tokens(1, 2)
}

#[test]
fn labels_from_parameters_and_usage_from_a_plain_value() {
    usage_without_result("param-a");
    usage_without_result("param-b");
    usage_without_result("param-b");
    let req = |p| {
        [
            ("provider", p),
            ("model", "plain-usage"),
            ("request_type", "chat"),
        ]
    };
    assert_eq!(value("autobot_llm_requests_total", &req("param-a")), 1.0);
    assert_eq!(value("autobot_llm_requests_total", &req("param-b")), 2.0);
    let out = [
        ("provider", "param-b"),
        ("model", "plain-usage"),
        ("token_type", "output"),
    ];
    assert_eq!(value("autobot_llm_tokens_total", &out), 4.0);
}

#[instrument_workflow(workflow_type = "shape_generic")]
fn generic<T: Display + Clone>(items: &[T]) -> Vec<String> {
    items.iter().map(|i| i.to_string()).collect()
}

#[instrument_workflow(workflow_type = "shape_impl_trait")]
fn impl_trait(n: u32) -> impl Iterator<Item = u32> {
    0..n
}

#[instrument_workflow(workflow_type = "shape_async_impl_trait")]
async fn async_impl_trait() -> impl Display {
    42
}

#[instrument_task(task_type = "shape_generic_async", agent_type = "generic")]
async fn generic_async<F: std::future::Future<Output = u8>>(f: F) -> u8 {
    f.await + 1
}

#[tokio::test]
async fn generics_and_impl_trait() {
    assert_eq!(generic(&[1, 2]), ["1", "2"]);
    assert_eq!(generic(&["a"]), ["a"]);
    assert_eq!(impl_trait(3).sum::<u32>(), 3);
    assert_eq!(async_impl_trait().await.to_string(), "42");
    assert_eq!(generic_async(async { 1 }).await, 2);
    assert_eq!(wf("shape_generic"), 2.0);
    assert_eq!(wf("shape_impl_trait"), 1.0);
    assert_eq!(wf("shape_async_impl_trait"), 1.0);
    let t = [
        ("task_type", "shape_generic_async"),
        ("agent_type", "generic"),
        ("status", "success"),
    ];
    assert_eq!(value("autobot_tasks_executed_total", &t), 1.0);
}

trait Repo {
    async fn fetch(&self, id: u32) -> Result<u32, std::io::Error>;
}

struct GitHub;

impl Repo for GitHub {
    #[instrument_github(operation = "shape_native_trait")]
    async fn fetch(&self, id: u32) -> Result<u32, std::io::Error> {
        tokio::task::yield_now().await;
        Ok(id)
    }
}

#[async_trait::async_trait]
trait Llm {
    async fn ask(&self, q: &str) -> Result<String, std::io::Error>;
    async fn ask_traced(&self, q: &str) -> Result<String, std::io::Error>;
    async fn ask_traced_inner(&self, q: &str) -> Result<String, std::io::Error>;
}

struct Claude {
    model: String,
}

#[async_trait::async_trait]
impl Llm for Claude {
    #[instrument_llm(provider = "async_trait", model = self.model)]
    async fn ask(&self, q: &str) -> Result<String, std::io::Error> {
        tokio::task::yield_now().await;
        Ok(q.to_uppercase())
    }

    #[instrument_llm(provider = "async_trait_traced_outer", model = self.model)]
    #[tracing::instrument(skip(self))]
    async fn ask_traced(&self, q: &str) -> Result<String, std::io::Error> {
        Ok(q.to_string())
    }

    #[tracing::instrument(skip(self))]
    #[instrument_llm(provider = "async_trait_traced_inner", model = self.model)]
    async fn ask_traced_inner(&self, q: &str) -> Result<String, std::io::Error> {
        Err(std::io::Error::other(q.to_string()))
    }
}

#[tokio::test]
async fn async_fn_in_traits_and_async_trait() {
    assert_eq!(GitHub.fetch(3).await.unwrap(), 3);
    let op = [("operation", "shape_native_trait"), ("status", "success")];
    assert_eq!(value("autobot_github_operations_total", &op), 1.0);

    let claude = Claude {
        model: "claude-3".into(),
    };
    let boxed: &dyn Llm = &claude;
    assert_eq!(boxed.ask("hi").await.unwrap(), "HI");
    assert_eq!(boxed.ask_traced("x").await.unwrap(), "x");
    assert!(boxed.ask_traced_inner("y").await.is_err());
    for provider in [
        "async_trait",
        "async_trait_traced_outer",
        "async_trait_traced_inner",
    ] {
        let req = [
            ("provider", provider),
            ("model", "claude-3"),
            ("request_type", "chat"),
        ];
        assert_eq!(value("autobot_llm_requests_total", &req), 1.0, "{provider}");
    }
    let err = [
        ("provider", "async_trait_traced_inner"),
        // std::io::Error implements ErrorType: its kind.
        ("error_type", "other"),
    ];
    assert_eq!(value("autobot_llm_errors_total", &err), 1.0);
}

#[instrument_workflow(workflow_type = "shape_tracing_outer")]
#[tracing::instrument]
async fn tracing_below(n: u32) -> u32 {
    n
}

#[tracing::instrument]
#[instrument_workflow(workflow_type = "shape_tracing_inner")]
fn tracing_above(n: u32) -> u32 {
    n
}

#[tokio::test]
async fn together_with_tracing_instrument_in_either_order() {
    assert_eq!(tracing_below(1).await, 1);
    assert_eq!(tracing_above(2), 2);
    assert_eq!(wf("shape_tracing_outer"), 1.0);
    assert_eq!(wf("shape_tracing_inner"), 1.0);
}

/// Shadowing prelude names must not break the expansion.
mod hygiene {
    #![allow(dead_code, non_camel_case_types)]
    struct Result;
    struct Ok;
    struct Option;
    struct Some;
    struct String;
    struct Vec;
    struct Box;
    mod core {}
    mod std {}

    #[autobot_otel::instrument_workflow(workflow_type = "shape_hygiene")]
    pub fn shadowed() -> u8 {
        1
    }

    #[autobot_otel::instrument_llm(provider = "hygiene", model = model)]
    pub async fn shadowed_dynamic(model: &str) -> ::core::result::Result<u8, ::std::io::Error> {
        let _ = model;
        ::core::result::Result::Ok(1)
    }
}

#[tokio::test]
async fn expansion_is_hygienic() {
    assert_eq!(hygiene::shadowed(), 1);
    assert_eq!(hygiene::shadowed_dynamic("h").await.unwrap(), 1);
    assert_eq!(wf("shape_hygiene"), 1.0);
}

#[derive(Debug)]
struct NotFound;

#[instrument_github(operation = "shape_impl_future")]
fn impl_future_call(fail: bool) -> impl std::future::Future<Output = Result<u8, NotFound>> + Send {
    async move {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        if fail { Err(NotFound) } else { Ok(1) }
    }
}

/// Regression: a function that returns `impl Future` is timed over the future's
/// life (first poll to completion), not at construction, and its `Err` counts.
#[tokio::test]
async fn impl_future_returns_are_timed_over_the_futures_life() {
    let op = |st| [("operation", "shape_impl_future"), ("status", st)];
    let ok = impl_future_call(false);
    let err = impl_future_call(true);
    assert_eq!(
        support::maybe_value("autobot_github_operations_total", &op("success")),
        None,
        "nothing is recorded before the future runs"
    );
    assert_eq!(ok.await.unwrap(), 1);
    err.await.unwrap_err();
    assert_eq!(
        value("autobot_github_operations_total", &op("success")),
        1.0
    );
    assert_eq!(value("autobot_github_operations_total", &op("failed")), 1.0);
    let d = [("operation", "shape_impl_future")];
    let sum = value("autobot_github_api_duration_seconds_sum", &d);
    assert!(sum >= 0.04, "two calls of at least 20 ms each, got {sum} s");
    assert_eq!(value("autobot_github_api_duration_seconds_count", &d), 2.0);
    // Dropped before completion: cancelled.
    let _ =
        tokio::time::timeout(std::time::Duration::from_millis(1), impl_future_call(false)).await;
    assert_eq!(
        value("autobot_github_operations_total", &op("cancelled")),
        1.0
    );
}

#[async_trait::async_trait]
trait Actor {
    async fn act(&self) -> Result<u8, std::io::Error>;
    fn name(&self) -> &'static str;
}

struct Outer;
struct Inner;

// The impl block's attribute above `#[async_trait]`: it sees the `async fn`s.
#[instrument_task(agent_type = "impl_outer", span = false)]
#[async_trait::async_trait]
impl Actor for Outer {
    async fn act(&self) -> Result<u8, std::io::Error> {
        tokio::task::yield_now().await;
        Ok(1)
    }
    fn name(&self) -> &'static str {
        "outer"
    }
}

// Below it: it sees what `#[async_trait]` made of them (boxed futures).
#[async_trait::async_trait]
#[instrument_task(agent_type = "impl_inner")]
impl Actor for Inner {
    async fn act(&self) -> Result<u8, std::io::Error> {
        Err(std::io::Error::other("no"))
    }
    fn name(&self) -> &'static str {
        "inner"
    }
}

#[tokio::test]
async fn impl_blocks_with_async_trait_in_either_order() {
    let agents: [&dyn Actor; 2] = [&Outer, &Inner];
    for agent in agents {
        let _ = agent.act().await;
        let _ = agent.name();
    }
    let task = |task: &str, agent: &str, status: &str| {
        support::maybe_value(
            "autobot_tasks_executed_total",
            &[
                ("task_type", task),
                ("agent_type", agent),
                ("status", status),
            ],
        )
    };
    assert_eq!(task("act", "impl_outer", "success"), Some(1.0));
    assert_eq!(task("name", "impl_outer", "success"), Some(1.0));
    assert_eq!(task("act", "impl_inner", "failed"), Some(1.0));
    assert_eq!(task("name", "impl_inner", "success"), Some(1.0));
}
