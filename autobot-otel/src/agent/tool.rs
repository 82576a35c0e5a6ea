//! [`ToolCall`]: one tool call timed by hand.

use std::panic::Location;

use crate::call::{Call, Recorder, RecorderRef};
use crate::catalog::instrument::INSTRUMENT_TOOL as SPEC;
use crate::global::Origin;
use crate::instrument::ErrorType;
use crate::labels::ToolType;
use autobot_otel_catalog::attributes as attr;

/// The position of the `tool_type` argument among the spec's label arguments.
const TOOL_TYPE: usize = 1;

/// One tool call timed by hand: what `#[instrument_tool]` records. Started now
/// (in the current pipeline), an `INFO` span named `execute_tool` opens with
/// `otel.name` = `execute_tool {tool_name}`, `gen_ai.operation.name =
/// execute_tool`, `gen_ai.tool.name`, `gen_ai.tool.type` (`function` unless
/// [`ToolCall::tool_type`] says otherwise), kind INTERNAL; it ends with
/// [`ToolCall::succeed`], [`ToolCall::fail`] or [`ToolCall::finish`]; dropped
/// before that, it is cancelled.
///
/// ```
/// use autobot_otel::agent::ToolCall;
/// use autobot_otel::labels::ToolType;
///
/// let t = autobot_otel::Telemetry::builder().without_otlp().with_genai_metrics(true).build().unwrap();
/// t.in_scope(|| {
///     ToolCall::start("vector_search").tool_type(ToolType::Datastore).call_id("call_1").succeed();
///     ToolCall::start("vector_search").tool_type(ToolType::Datastore).fail("timeout");
/// });
/// let text = t.render(autobot_otel::Exposition::Text);
/// assert!(text.contains(r#"autobot_tool_calls_total{status="failed",tool_name="vector_search"} 1"#));
/// assert!(text.contains(r#"gen_ai_execute_tool_duration_seconds_count{error_type="timeout",gen_ai_tool_name="vector_search",gen_ai_tool_type="datastore"} 1"#));
/// ```
#[must_use = "a ToolCall dropped without succeed, fail or finish counts as cancelled"]
pub struct ToolCall {
    call: Call,
}

impl std::fmt::Debug for ToolCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolCall").finish_non_exhaustive()
    }
}

impl ToolCall {
    /// Starts a call of tool `tool_name` (the `tool_name` label and
    /// `gen_ai.tool.name`). If no pipeline exists yet, this creates the default
    /// one (see [`crate::init()`]), naming this call.
    ///
    /// ```
    /// autobot_otel::agent::ToolCall::start("calculator").succeed();
    /// ```
    #[track_caller]
    pub fn start(tool_name: &str) -> ToolCall {
        let origin = Origin::Call("autobot_otel::agent::ToolCall::start", Location::caller());
        let recorder = Recorder::dynamic(
            &SPEC,
            vec![tool_name.to_owned(), ToolType::Function.as_str().to_owned()],
            "autobot_otel::agent::ToolCall",
        );
        let span = tracing::info_span!(
            target: "autobot_otel::agent",
            "execute_tool",
            otel.name = recorder.span_name(),
            gen_ai.tool.name = recorder.label(0),
            gen_ai.tool.type = recorder.label(TOOL_TYPE),
            gen_ai.operation.name = SPEC.operation.unwrap_or_default(),
            gen_ai.tool.call.id = tracing::field::Empty,
            otel.kind = SPEC.span_kind.as_str(),
            autobot.status = tracing::field::Empty,
            error.type = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        );
        ToolCall {
            call: Call::start_from(RecorderRef::Owned(recorder), span, origin),
        }
    }

    /// `gen_ai.tool.type` (span, and an attribute of
    /// `gen_ai.execute_tool.duration`; no `autobot_*` label).
    ///
    /// ```
    /// use autobot_otel::labels::ToolType;
    /// autobot_otel::agent::ToolCall::start("github").tool_type(ToolType::Extension).succeed();
    /// ```
    pub fn tool_type(mut self, tool_type: ToolType) -> ToolCall {
        self.call.set_label(TOOL_TYPE, tool_type.as_str());
        self.call.span().record(attr::TOOL_TYPE, tool_type.as_str());
        self
    }

    /// `gen_ai.tool.call.id`: the model's id of this call (span only, never a
    /// label).
    ///
    /// ```
    /// autobot_otel::agent::ToolCall::start("calculator").call_id("call_abc").succeed();
    /// ```
    pub fn call_id(self, call_id: &str) -> ToolCall {
        self.call.span().record(attr::TOOL_CALL_ID, call_id);
        self
    }

    /// The call's span.
    ///
    /// ```
    /// let tool = autobot_otel::agent::ToolCall::start("calculator");
    /// tool.span().in_scope(|| 6 * 7);
    /// tool.succeed();
    /// ```
    pub fn span(&self) -> &tracing::Span {
        self.call.span()
    }

    /// Ends the call as a success.
    pub fn succeed(mut self) {
        super::succeed(&mut self.call);
    }

    /// Ends the call as a failure of type `error_type` (the span's
    /// `error.type`; `status="failed"`).
    ///
    /// ```
    /// autobot_otel::agent::ToolCall::start("calculator").fail("division_by_zero");
    /// ```
    pub fn fail(mut self, error_type: &str) {
        super::fail(&mut self.call, error_type);
    }

    /// Ends the call with `result`: `Ok` a success, `Err` a failure of its
    /// [`ErrorType`].
    ///
    /// ```
    /// autobot_otel::agent::ToolCall::start("read_file").finish(&std::fs::read("/nonexistent/x"));
    /// ```
    pub fn finish<T, E: ErrorType>(mut self, result: &Result<T, E>) {
        super::finish(&mut self.call, result);
    }
}
