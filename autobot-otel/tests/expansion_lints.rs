//! The expansions are clean under the strictest lints a user may turn on
//! (`clippy::pedantic` and `clippy::nursery`, denied here; the workspace's CI runs
//! clippy with `-D warnings` over this file), and the attributes add no lint
//! allowance to the user's function: a lint the user's own code breaks still
//! fires (checked by the `#[expect]` below, which fails if the lint is silenced).
#![deny(clippy::pedantic, clippy::nursery)]
#![allow(clippy::missing_errors_doc, clippy::unused_async)]

use autobot_otel::{
    instrument_agent, instrument_llm, instrument_task, instrument_tool, instrument_workflow,
};

/// A sync function returning `()`.
#[instrument_workflow(workflow_type = "lints_unit")]
pub fn unit() {}

/// A sync function with a `Result`.
#[instrument_task(agent_type = "lints")]
pub fn fallible(n: u32) -> Result<u32, std::io::Error> {
    Ok(n)
}

/// An async function with labels from parameters.
#[instrument_llm(provider = "lints", model = model)]
pub async fn ask(model: &str) -> usize {
    model.len()
}

/// An `impl Future` function.
#[instrument_workflow(workflow_type = "lints_future", span = false)]
pub fn later() -> impl std::future::Future<Output = u8> {
    async move { 1 }
}

/// An agent whose events stream in.
#[instrument_agent(agent_name = "lints_agent")]
pub fn events() -> impl futures_core::Stream<Item = Result<u8, std::io::Error>> {
    futures_util::stream::iter([Ok(1)])
}

/// A tool whose rows stream in, from an `async fn`, as a `Result` of a stream.
#[instrument_tool(tool_type = "datastore")]
pub async fn rows() -> Result<impl futures_core::Stream<Item = u8>, std::io::Error> {
    Ok(futures_util::stream::iter([1]))
}

/// The user's own lint breach inside an instrumented function is still reported.
#[instrument_workflow(workflow_type = "lints_user")]
#[expect(
    clippy::cast_possible_truncation,
    reason = "the attribute must not silence it"
)]
pub fn user_code(x: u64) -> u8 {
    x as u8
}

#[tokio::test]
async fn expansions_compile_and_run() {
    unit();
    assert_eq!(fallible(2).unwrap(), 2);
    assert_eq!(ask("m").await, 1);
    assert_eq!(later().await, 1);
    assert_eq!(user_code(300), 44);
    assert_eq!(futures_util::StreamExt::count(events()).await, 1);
    assert_eq!(
        futures_util::StreamExt::count(rows().await.unwrap()).await,
        1
    );
}
