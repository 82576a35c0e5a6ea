//! [`AgentRun`]: one agent invocation timed by hand.

use std::panic::Location;

use crate::call::{Call, Recorder, RecorderRef};
use crate::catalog::instrument::INSTRUMENT_AGENT as SPEC;
use crate::global::Origin;
use crate::instrument::ErrorType;
use autobot_otel_catalog::attributes as attr;

/// One agent invocation timed by hand: what `#[instrument_agent]` records, for
/// an agent loop that is not one function. Started now (in the current
/// pipeline), an `INFO` span named `invoke_agent` opens with `otel.name` =
/// `invoke_agent {agent_name}`, `gen_ai.operation.name = invoke_agent`,
/// `gen_ai.agent.name`, kind INTERNAL; it ends with [`AgentRun::succeed`],
/// [`AgentRun::fail`] or [`AgentRun::finish`]; dropped before that, it is
/// cancelled (`status="cancelled"`; a panic: a failure of type `panic`).
///
/// The builder methods add the conventions' span attributes (call them right
/// after `start`, before anything runs in the span, so a sampler sees them):
/// [`id`](AgentRun::id), [`description`](AgentRun::description),
/// [`version`](AgentRun::version), [`provider`](AgentRun::provider),
/// [`model`](AgentRun::model), [`conversation_id`](AgentRun::conversation_id),
/// [`remote`](AgentRun::remote). None of them is a label.
///
/// ```
/// use autobot_otel::agent::AgentRun;
///
/// let t = autobot_otel::Telemetry::builder().without_otlp().with_genai_metrics(true).build().unwrap();
/// t.in_scope(|| {
///     let run = AgentRun::start("researcher").id("agent-7").remote(true);
///     // ... the agent's loop, inside run.span() ...
///     run.finish(&Ok::<(), std::io::Error>(()));
///     AgentRun::start("researcher").fail("max_turns");
///     drop(AgentRun::start("researcher")); // cancelled
/// });
/// let text = t.render(autobot_otel::Exposition::Text);
/// assert!(text.contains(r#"autobot_agent_invocations_total{agent_name="researcher",status="failed"} 1"#));
/// assert!(text.contains(r#"autobot_agent_invocations_total{agent_name="researcher",status="cancelled"} 1"#));
/// assert!(text.contains(r#"autobot_agent_invocation_duration_seconds_count{agent_name="researcher"} 3"#));
/// assert!(text.contains(r#"gen_ai_invoke_agent_duration_seconds_count{error_type="max_turns",gen_ai_agent_name="researcher"} 1"#));
/// ```
#[must_use = "an AgentRun dropped without succeed, fail or finish counts as cancelled"]
pub struct AgentRun {
    call: Call,
    /// Whether the agent runs in another service ([`AgentRun::remote`]).
    remote: bool,
    /// The remote span's attributes given before [`AgentRun::remote`]: written
    /// when the run turns out remote, never on an in-process agent's span.
    pending: Vec<(&'static str, String)>,
}

impl std::fmt::Debug for AgentRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentRun").finish_non_exhaustive()
    }
}

impl AgentRun {
    /// Starts an invocation of agent `agent_name` (the `agent_name` label and
    /// `gen_ai.agent.name`). If no pipeline exists yet, this creates the
    /// default one (see [`crate::init()`]), naming this call.
    ///
    /// ```
    /// let run = autobot_otel::agent::AgentRun::start("planner");
    /// run.succeed();
    /// ```
    #[track_caller]
    pub fn start(agent_name: &str) -> AgentRun {
        let origin = Origin::Call("autobot_otel::agent::AgentRun::start", Location::caller());
        let recorder = Recorder::dynamic(
            &SPEC,
            vec![agent_name.to_owned()],
            "autobot_otel::agent::AgentRun",
        );
        let span = tracing::info_span!(
            target: "autobot_otel::agent",
            "invoke_agent",
            otel.name = recorder.span_name(),
            gen_ai.agent.name = recorder.label(0),
            gen_ai.operation.name = SPEC.operation.unwrap_or_default(),
            gen_ai.agent.id = tracing::field::Empty,
            gen_ai.agent.description = tracing::field::Empty,
            gen_ai.agent.version = tracing::field::Empty,
            gen_ai.provider.name = tracing::field::Empty,
            gen_ai.request.model = tracing::field::Empty,
            gen_ai.conversation.id = tracing::field::Empty,
            otel.kind = SPEC.span_kind.as_str(),
            autobot.status = tracing::field::Empty,
            error.type = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            gen_ai.usage.input_tokens = tracing::field::Empty,
            gen_ai.usage.output_tokens = tracing::field::Empty,
            gen_ai.usage.cache_read.input_tokens = tracing::field::Empty,
            gen_ai.usage.cache_creation.input_tokens = tracing::field::Empty,
            autobot.usage.reasoning.output_tokens = tracing::field::Empty,
        );
        AgentRun {
            call: Call::start_from(RecorderRef::Owned(recorder), span, origin),
            remote: false,
            pending: Vec::new(),
        }
    }

    fn record(self, field: &str, value: &str) -> AgentRun {
        self.call.span().record(field, value);
        self
    }

    /// An attribute of the remote span only: written now on a remote run,
    /// kept until [`AgentRun::remote`] otherwise.
    fn record_remote(mut self, field: &'static str, value: &str) -> AgentRun {
        if self.remote {
            return self.record(field, value);
        }
        self.pending.push((field, value.to_owned()));
        self
    }

    /// `gen_ai.agent.id` (span only) of a remote agent: the conventions define
    /// it on the remote (CLIENT) `invoke_agent` span only, so it is written
    /// once [`AgentRun::remote`]`(true)` is given (before or after this call),
    /// never on an in-process agent's span.
    ///
    /// ```
    /// autobot_otel::agent::AgentRun::start("planner").remote(true).id("asst_5j66").succeed();
    /// ```
    pub fn id(self, id: &str) -> AgentRun {
        self.record_remote(attr::AGENT_ID, id)
    }

    /// `gen_ai.agent.description` (span only).
    ///
    /// ```
    /// autobot_otel::agent::AgentRun::start("planner").description("plans the work").succeed();
    /// ```
    pub fn description(self, description: &str) -> AgentRun {
        self.record(attr::AGENT_DESCRIPTION, description)
    }

    /// `gen_ai.agent.version` (span only) of a remote agent (as for
    /// [`AgentRun::id`]: the remote span's attribute only).
    ///
    /// ```
    /// autobot_otel::agent::AgentRun::start("planner").version("1.2.0").remote(true).succeed();
    /// ```
    pub fn version(self, version: &str) -> AgentRun {
        self.record_remote(attr::AGENT_VERSION, version)
    }

    /// `gen_ai.provider.name` of a remote agent's service (span only; as for
    /// [`AgentRun::id`]: the remote span's attribute only — an in-process
    /// agent's provider is on the spans of its LLM calls).
    ///
    /// ```
    /// autobot_otel::agent::AgentRun::start("assistant").remote(true).provider("openai").succeed();
    /// ```
    pub fn provider(self, provider: &str) -> AgentRun {
        self.record_remote(attr::PROVIDER_NAME, provider)
    }

    /// `gen_ai.request.model` the agent runs on (span only).
    ///
    /// ```
    /// autobot_otel::agent::AgentRun::start("planner").model("claude-sonnet").succeed();
    /// ```
    pub fn model(self, model: &str) -> AgentRun {
        self.record(attr::REQUEST_MODEL, model)
    }

    /// `gen_ai.conversation.id` (span only, never a label).
    ///
    /// ```
    /// autobot_otel::agent::AgentRun::start("planner").conversation_id("conv-1").succeed();
    /// ```
    pub fn conversation_id(self, conversation_id: &str) -> AgentRun {
        self.record(attr::CONVERSATION_ID, conversation_id)
    }

    /// Whether the agent runs in another service (OpenAI Assistants, Bedrock
    /// Agents): the span kind is then CLIENT, else INTERNAL. A remote run's
    /// span also gets the [`id`](AgentRun::id), [`version`](AgentRun::version)
    /// and [`provider`](AgentRun::provider) given so far.
    ///
    /// ```
    /// autobot_otel::agent::AgentRun::start("assistant").remote(true).succeed();
    /// ```
    pub fn remote(mut self, remote: bool) -> AgentRun {
        let kind = match (remote, SPEC.remote_kind) {
            (true, Some(kind)) => kind,
            _ => SPEC.span_kind,
        };
        self.remote = remote && SPEC.remote_kind.is_some();
        if self.remote {
            for (field, value) in std::mem::take(&mut self.pending) {
                self.call.span().record(field, value.as_str());
            }
        }
        self.record(attr::SPAN_KIND, kind.as_str())
    }

    /// The invocation's span: enter it, or `.instrument()` a future with it, so
    /// the LLM and tool calls of the invocation nest under it. With a
    /// `tracing_subscriber` registry installed (what exports spans), calls made
    /// while it is entered, or in a task spawned with
    /// `tokio::spawn(fut.instrument(span))`, also count into this invocation
    /// (see [`crate::agent`], "What one invocation made"); without one, use
    /// [`AgentRun::in_scope`] or [`AgentRun::within`].
    ///
    /// ```
    /// let run = autobot_otel::agent::AgentRun::start("planner");
    /// run.span().in_scope(|| { /* the agent's work */ });
    /// run.succeed();
    /// ```
    pub fn span(&self) -> &tracing::Span {
        self.call.span()
    }

    /// Runs `f` inside the invocation: its span entered and the invocation
    /// current on this thread, so the LLM and tool calls `f` makes count into
    /// it (with or without a `tracing` subscriber).
    ///
    /// ```
    /// use autobot_otel::agent::{AgentRun, ToolCall};
    /// let t = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// t.in_scope(|| {
    ///     let run = AgentRun::start("planner");
    ///     run.in_scope(|| ToolCall::start("search").succeed());
    ///     run.succeed();
    /// });
    /// assert!(t.render(autobot_otel::Exposition::Text).contains(
    ///     r#"autobot_agent_tool_calls_per_invocation_bucket{agent_name="planner",le="1"} 1"#));
    /// ```
    pub fn in_scope<T>(&self, f: impl FnOnce() -> T) -> T {
        let _invocation = self.call.enter_invocation();
        self.call.span().in_scope(f)
    }

    /// `future` inside the invocation: the span entered and the invocation
    /// current at every poll, so what it awaits counts into it (with or
    /// without a `tracing` subscriber). Spawn the returned future
    /// (`tokio::spawn(run.within(work))`) to count a task's calls too. (Not
    /// named `instrument`: `tracing::Instrument::instrument`, a method of
    /// every value, would be picked instead where that trait is in scope.)
    ///
    /// ```
    /// use autobot_otel::agent::{AgentRun, ToolCall};
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let t = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// t.scope(async {
    ///     let run = AgentRun::start("planner");
    ///     run.within(async { ToolCall::start("search").succeed() }).await;
    ///     run.succeed();
    /// }).await;
    /// # }
    /// ```
    pub fn within<F: std::future::Future>(
        &self,
        future: F,
    ) -> impl std::future::Future<Output = F::Output> + use<F> {
        self.call.within(tracing::Instrument::instrument(
            future,
            self.call.span().clone(),
        ))
    }

    /// Ends the invocation as a success.
    pub fn succeed(mut self) {
        super::succeed(&mut self.call);
    }

    /// Ends the invocation as a failure of type `error_type` (the span's
    /// `error.type`; `status="failed"`).
    ///
    /// ```
    /// autobot_otel::agent::AgentRun::start("planner").fail("max_turns");
    /// ```
    pub fn fail(mut self, error_type: &str) {
        super::fail(&mut self.call, error_type);
    }

    /// Ends the invocation with `result`: `Ok` a success, `Err` a failure of
    /// its [`ErrorType`].
    ///
    /// ```
    /// let result: Result<(), std::io::Error> = Err(std::io::ErrorKind::TimedOut.into());
    /// autobot_otel::agent::AgentRun::start("planner").finish(&result); // error.type = timed_out
    /// ```
    pub fn finish<T, E: ErrorType>(mut self, result: &Result<T, E>) {
        super::finish(&mut self.call, result);
    }
}
