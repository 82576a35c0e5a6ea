//! An agent loop with the OpenTelemetry GenAI agent conventions' spans and the
//! agent and tool families, from one call site each: a `research` workflow
//! (`#[instrument_workflow]`, span `invoke_workflow research`) runs the
//! `researcher` agent (`#[instrument_agent]`, span `invoke_agent researcher`),
//! which asks a chat model (`#[instrument_llm]`, span `chat gpt-4o`), calls the
//! tool the model asked for (`#[instrument_tool]`, span `execute_tool
//! web_search`) and asks the model again with the tool's result. The same loop
//! written by hand — the `planner` agent, with the guards
//! [`AgentRun`] and
//! [`ToolCall`] — is [`plan_by_hand`].
//!
//! A [`Turn`] says what happens to one run: the tool answers, the tool fails
//! (the agent hands the error to the model, as agents do, and still succeeds),
//! or the tool hangs and the workflow's time budget runs out (the agent
//! invocation and the tool call are cancelled, the workflow fails with
//! `error.type = timeout`). The demo service runs [`agent_loop`] next to its
//! workload; `cargo run -p autobot-otel-examples --bin agents` runs a few turns
//! and prints what was recorded.
//!
//! ```
//! use autobot_otel::Telemetry;
//! use autobot_otel_examples::agents::{Researcher, Turn, research};
//! use std::time::Duration;
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
//! let telemetry = Telemetry::builder().without_otlp().build().unwrap();
//! let agent = Researcher::new("gpt-4o", Duration::from_secs(1));
//! telemetry.scope(async {
//!     for turn in [Turn::Answers, Turn::ToolFails, Turn::TimesOut] {
//!         let _ = research(&agent, "conv-1", "What changed in Rust 1.88?", turn).await;
//!     }
//! }).await;
//! let text = telemetry.render(autobot_otel::Exposition::Text);
//! assert!(text.contains(r#"autobot_agent_invocations_total{agent_name="researcher",status="success"} 2"#));
//! assert!(text.contains(r#"autobot_agent_invocations_total{agent_name="researcher",status="cancelled"} 1"#));
//! assert!(text.contains(r#"autobot_tool_calls_total{status="failed",tool_name="web_search"} 1"#));
//! assert!(text.contains(r#"autobot_tool_calls_total{status="cancelled",tool_name="web_search"} 1"#));
//! assert!(text.contains(r#"autobot_workflow_executions_total{status="failed",workflow_type="research"} 1"#));
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::time::Duration;

use autobot_otel::agent::{AgentRun, ToolCall};
use autobot_otel::instrument::{ErrorType, LlmUsage};
use autobot_otel::labels::ToolType;
use autobot_otel::{instrument_agent, instrument_llm, instrument_tool, instrument_workflow};
use tracing::Instrument as _;

/// The workflow's name (`workflow_type`, `gen_ai.workflow.name`).
pub const WORKFLOW: &str = "research";
/// The agent of [`Researcher::run`] (`agent_name`, `gen_ai.agent.name`).
pub const AGENT: &str = "researcher";
/// The hand-written agent of [`plan_by_hand`].
pub const PLANNER: &str = "planner";
/// The tool [`Researcher::run`] calls (`tool_name`, `gen_ai.tool.name`: the fn name).
pub const TOOL: &str = "web_search";
/// The tool [`plan_by_hand`] calls.
pub const CALCULATOR: &str = "calculator";

/// How long a hanging tool takes: longer than any budget here.
const HANG: Duration = Duration::from_secs(3600);

/// What happens to one run of the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// The tool answers; everything succeeds.
    Answers,
    /// The tool fails (`error.type = unavailable`); the agent passes the error to
    /// the model and still succeeds.
    ToolFails,
    /// The tool hangs until the workflow's budget runs out: the invocation and the
    /// tool call are cancelled, the workflow fails (`error.type = timeout`).
    TimesOut,
}

impl Turn {
    /// The demo's `n`-th run (from 1): the tool fails on every 5th, times out on
    /// every 7th (the 35th times out), answers otherwise.
    pub fn of_run(n: u64) -> Turn {
        if n.is_multiple_of(7) {
            Turn::TimesOut
        } else if n.is_multiple_of(5) {
            Turn::ToolFails
        } else {
            Turn::Answers
        }
    }
}

/// Why a tool call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolError {
    /// The tool's backend did not answer (`error.type = unavailable`).
    Unavailable,
    /// The model's arguments made no sense (`error.type = invalid_arguments`).
    InvalidArguments,
}

impl ErrorType for ToolError {
    fn error_type(&self) -> &'static str {
        match self {
            ToolError::Unavailable => "unavailable",
            ToolError::InvalidArguments => "invalid_arguments",
        }
    }
}

impl fmt::Display for ToolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.error_type())
    }
}

impl std::error::Error for ToolError {}

/// Why an LLM call, an agent invocation or a workflow failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentError {
    /// The provider refused the request (`error.type = rate_limit`).
    RateLimited,
    /// The workflow's time budget ran out (`error.type = timeout`).
    Timeout,
    /// The agent did not finish in its turns (`error.type = max_turns`).
    MaxTurns,
}

impl ErrorType for AgentError {
    fn error_type(&self) -> &'static str {
        match self {
            AgentError::RateLimited => "rate_limit",
            AgentError::Timeout => "timeout",
            AgentError::MaxTurns => "max_turns",
        }
    }
}

impl fmt::Display for AgentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.error_type())
    }
}

impl std::error::Error for AgentError {}

/// The tool a model asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolRequest {
    /// The tool's name.
    pub tool: &'static str,
    /// The model's id of this call (`gen_ai.tool.call.id`, span only).
    pub call_id: String,
    /// Its arguments.
    pub arguments: String,
}

/// A chat model's answer with its token usage ([`LlmUsage`] lets
/// `#[instrument_llm]` record the tokens and the cost).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The text, when the model answered.
    pub text: String,
    /// The tool the model wants called first, if any.
    pub tool_request: Option<ToolRequest>,
    /// Prompt tokens.
    pub input_tokens: u64,
    /// Completion tokens.
    pub output_tokens: u64,
}

impl LlmUsage for Reply {
    fn input_tokens(&self) -> u64 {
        self.input_tokens
    }
    fn output_tokens(&self) -> u64 {
        self.output_tokens
    }
    fn cost_dollars(&self) -> Option<f64> {
        Some(self.input_tokens as f64 * 2.5e-6 + self.output_tokens as f64 * 10e-6)
    }
    fn finish_reasons(&self) -> Vec<&str> {
        vec![if self.tool_request.is_some() {
            "tool_calls"
        } else {
            "stop"
        }]
    }
}

/// A fake chat model: asked a question, it asks for `tool`; shown a tool's
/// result (a message starting with `tool:`), it answers.
#[derive(Debug, Clone)]
pub struct ChatModel {
    /// The requested model (`gen_ai.request.model`).
    pub model: String,
    /// How long one answer takes.
    pub latency: Duration,
}

impl ChatModel {
    /// A model answering after `latency`.
    pub fn new(model: &str, latency: Duration) -> ChatModel {
        ChatModel {
            model: model.to_string(),
            latency,
        }
    }

    /// One chat completion over `messages` that may ask for `tool` (span
    /// `chat {model}`, CLIENT).
    #[instrument_llm(
        provider = "openai",
        model = self.model,
        server_address = "api.openai.example",
        server_port = 443
    )]
    pub async fn chat(&self, messages: &[String], tool: &'static str) -> Result<Reply, AgentError> {
        tokio::time::sleep(self.latency).await;
        let last = messages.last().ok_or(AgentError::RateLimited)?;
        let input_tokens = 12 + messages.iter().map(|m| m.len() as u64 / 4).sum::<u64>();
        Ok(match last.strip_prefix("tool:") {
            Some(result) => Reply {
                text: format!("Answer, from {}", result.trim()),
                tool_request: None,
                input_tokens,
                output_tokens: 40,
            },
            None => Reply {
                text: String::new(),
                tool_request: Some(ToolRequest {
                    tool,
                    call_id: format!("call_{}", messages.len()),
                    arguments: last.clone(),
                }),
                input_tokens,
                output_tokens: 12,
            },
        })
    }
}

/// Searches the web (span `execute_tool web_search`, `gen_ai.tool.type =
/// extension`, `gen_ai.tool.call.id` = `call_id`). What it does follows `turn`.
#[instrument_tool(tool_type = "extension", call_id = call_id)]
pub async fn web_search(query: &str, call_id: &str, turn: Turn) -> Result<String, ToolError> {
    match turn {
        Turn::Answers => {
            tokio::time::sleep(Duration::from_millis(15)).await;
            Ok(format!("3 pages about {query}"))
        }
        Turn::ToolFails => {
            tokio::time::sleep(Duration::from_millis(5)).await;
            Err(ToolError::Unavailable)
        }
        Turn::TimesOut => {
            tokio::time::sleep(HANG).await;
            Ok(String::new())
        }
    }
}

/// The `researcher` agent: a chat model and the time budget of one run.
#[derive(Debug, Clone)]
pub struct Researcher {
    /// The model it runs on.
    pub chat: ChatModel,
    /// How long the workflow waits for one invocation.
    pub budget: Duration,
}

impl Researcher {
    /// A researcher on `model` (answers after 20 ms) with a time `budget` per run.
    pub fn new(model: &str, budget: Duration) -> Researcher {
        Researcher {
            chat: ChatModel::new(model, Duration::from_millis(20)),
            budget,
        }
    }

    /// One invocation (span `invoke_agent researcher`, INTERNAL, with
    /// `gen_ai.agent.description`, `gen_ai.request.model` and
    /// `gen_ai.conversation.id` set when it starts; the provider is on the LLM
    /// calls' spans inside it): chat, the tool the model asked for, chat again
    /// with the tool's result (or its error).
    #[instrument_agent(
        agent_name = "researcher",
        agent_description = "answers questions from the web",
        model = self.chat.model,
        conversation_id = conversation_id
    )]
    pub async fn run(
        &self,
        conversation_id: &str,
        question: &str,
        turn: Turn,
    ) -> Result<String, AgentError> {
        let mut messages = vec![question.to_string()];
        let reply = self.chat.chat(&messages, TOOL).await?;
        if let Some(request) = reply.tool_request {
            let result = match web_search(&request.arguments, &request.call_id, turn).await {
                Ok(found) => found,
                // The model sees the failure and answers without the tool.
                Err(e) => format!("{} failed: {e}", request.tool),
            };
            messages.push(format!("tool: {result}"));
        }
        Ok(self.chat.chat(&messages, TOOL).await?.text)
    }
}

/// The `research` workflow (span `invoke_workflow research`): one invocation of
/// the researcher within its time budget. When the budget runs out the
/// invocation is dropped (cancelled) and the workflow fails with
/// [`AgentError::Timeout`].
#[instrument_workflow(workflow_type = "research")]
pub async fn research(
    agent: &Researcher,
    conversation_id: &str,
    question: &str,
    turn: Turn,
) -> Result<String, AgentError> {
    match tokio::time::timeout(agent.budget, agent.run(conversation_id, question, turn)).await {
        Ok(answer) => answer,
        Err(_elapsed) => Err(AgentError::Timeout),
    }
}

/// Adds two integers: the planner's tool ("`a + b`").
fn add(arguments: &str) -> Result<i64, ToolError> {
    let (a, b) = arguments
        .split_once('+')
        .ok_or(ToolError::InvalidArguments)?;
    let parse = |s: &str| {
        s.trim()
            .parse::<i64>()
            .map_err(|_| ToolError::InvalidArguments)
    };
    Ok(parse(a)? + parse(b)?)
}

/// The same loop written by hand, as code that is not one function: an
/// [`AgentRun`] for the invocation (its span wraps the loop's future, so the
/// LLM and tool calls nest under it), a [`ToolCall`] per tool call, ended with
/// the tool's result. `arguments` is what the model passes the calculator
/// (`"2 + 2"`; anything else fails the call with `invalid_arguments`).
pub async fn plan_by_hand(
    chat: &ChatModel,
    conversation_id: &str,
    arguments: &str,
) -> Result<String, AgentError> {
    let run = AgentRun::start(PLANNER)
        .model(&chat.model)
        .conversation_id(conversation_id);
    let span = run.span().clone();
    let result = async {
        let mut messages = vec![arguments.to_string()];
        for _ in 0..4 {
            let reply = chat.chat(&messages, CALCULATOR).await?;
            let Some(request) = reply.tool_request else {
                return Ok(reply.text);
            };
            let tool = ToolCall::start(request.tool)
                .tool_type(ToolType::Function)
                .call_id(&request.call_id);
            let sum = tool.span().in_scope(|| add(&request.arguments));
            tool.finish(&sum);
            messages.push(match sum {
                Ok(sum) => format!("tool: {sum}"),
                Err(e) => format!("tool: {CALCULATOR} failed: {e}"),
            });
        }
        Err(AgentError::MaxTurns)
    }
    .instrument(span)
    .await;
    run.finish(&result);
    result
}

/// The demo's agent loop: every `period` one run of the [`research`] workflow
/// (the `n`-th follows [`Turn::of_run`]: a failing tool every 5th run, a timed-out
/// invocation every 7th, with a `budget` of time per run). Runs until `stop`; a run
/// still going then is dropped (cancelled).
pub async fn agent_loop(period: Duration, budget: Duration, stop: impl Future<Output = ()>) {
    let agent = Researcher::new("gpt-4o", budget);
    let mut interval = tokio::time::interval(period);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(stop);
    let mut n: u64 = 0;
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = interval.tick() => {
                n += 1;
                let conversation = format!("conv-{}", n % 10);
                let run = research(&agent, &conversation, "What changed in the release?", Turn::of_run(n));
                tokio::select! {
                    _ = &mut stop => return,
                    _ = run => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_of_the_demo() {
        let turns: Vec<Turn> = (1..=10).map(Turn::of_run).collect();
        assert_eq!(turns[4], Turn::ToolFails);
        assert_eq!(turns[6], Turn::TimesOut);
        assert_eq!(turns[9], Turn::ToolFails);
        assert_eq!(
            turns.iter().filter(|t| **t == Turn::Answers).count(),
            7,
            "{turns:?}"
        );
    }

    #[test]
    fn the_calculator_adds() {
        assert_eq!(add("2 + 40"), Ok(42));
        assert_eq!(add("two"), Err(ToolError::InvalidArguments));
    }

    #[tokio::test(start_paused = true)]
    async fn the_hand_written_loop_records_like_the_attributes() {
        let telemetry = autobot_otel::Telemetry::builder()
            .without_otlp()
            .build()
            .unwrap();
        let chat = ChatModel::new("gpt-4o", Duration::from_millis(10));
        let (ok, bad) = telemetry
            .scope(async {
                (
                    plan_by_hand(&chat, "conv-1", "2 + 2").await,
                    plan_by_hand(&chat, "conv-2", "two and two").await,
                )
            })
            .await;
        assert_eq!(ok.as_deref(), Ok("Answer, from 4"));
        assert!(bad.is_ok(), "the model answers without the tool: {bad:?}");
        let text = telemetry.render(autobot_otel::Exposition::Text);
        for line in [
            r#"autobot_agent_invocations_total{agent_name="planner",status="success"} 2"#,
            r#"autobot_tool_calls_total{status="success",tool_name="calculator"} 1"#,
            r#"autobot_tool_calls_total{status="failed",tool_name="calculator"} 1"#,
            r#"autobot_llm_requests_total{model="gpt-4o",provider="openai",request_type="chat"} 4"#,
        ] {
            assert!(text.contains(line), "{line}\n{text}");
        }
        // The paused clock: two chats of 10 ms each per invocation.
        assert!(
            text.contains(
                r#"autobot_agent_invocation_duration_seconds_sum{agent_name="planner"} 0.04"#
            ),
            "{text}"
        );
    }
}
