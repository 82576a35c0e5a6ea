//! The typed recording methods of agent invocations and tool calls, for code
//! that measured them itself (the attributes and the guards time them for you).

use crate::catalog::MetricId;
use crate::catalog::genai::GenAiMetricId;
use crate::labels::{Outcome, ToolType};
use crate::manager::genai::outcome_error_type as error_type;
use crate::manager::{IntoSeconds, MetricsManager};

impl MetricsManager {
    /// Records one agent invocation that took `duration`.
    ///
    /// Series: `autobot_agent_invocations_total{agent_name, status}` += 1 and
    /// `autobot_agent_invocation_duration_seconds{agent_name}` observes
    /// `duration`; with the GenAI metrics on, `gen_ai.invoke_agent.duration`
    /// (`gen_ai.agent.name`, and `error.type` `_OTHER` for a failure, `cancelled`
    /// for a cancellation) observes it too. No span: `#[instrument_agent]` and
    /// [`AgentRun`](crate::agent::AgentRun) record these and the span.
    ///
    /// ```
    /// use autobot_otel::labels::Outcome;
    /// let t = autobot_otel::Telemetry::builder().without_otlp().build()?;
    /// t.metrics().record_agent_invocation("planner", Outcome::Success, 2.5);
    /// assert!(t.render(autobot_otel::Exposition::Text)
    ///     .contains(r#"autobot_agent_invocations_total{agent_name="planner",status="success"} 1"#));
    /// # Ok::<(), autobot_otel::InitError>(())
    /// ```
    pub fn record_agent_invocation(
        &self,
        agent_name: &str,
        status: Outcome,
        duration: impl IntoSeconds,
    ) {
        let seconds = duration.into_seconds();
        self.count_and_observe(
            MetricId::AgentInvocationsTotal,
            Some((status.index(), status.as_str())),
            1,
            MetricId::AgentInvocationDurationSeconds,
            seconds,
            &[agent_name],
        );
        if let Some(genai) = self.genai() {
            let values = [agent_name, error_type(status)];
            genai.duration(
                self.diagnostics(),
                GenAiMetricId::InvokeAgentDuration,
                &values,
                seconds,
            );
        }
    }

    /// Records one tool call that took `duration`.
    ///
    /// Series: `autobot_tool_calls_total{tool_name, status}` += 1 and
    /// `autobot_tool_call_duration_seconds{tool_name}` observes `duration`;
    /// with the GenAI metrics on, `gen_ai.execute_tool.duration`
    /// (`gen_ai.tool.name`, `gen_ai.tool.type` = `tool_type`, `error.type` as
    /// for [`MetricsManager::record_agent_invocation`]) observes it too. No span:
    /// `#[instrument_tool]` and [`ToolCall`](crate::agent::ToolCall) record
    /// these and the span.
    ///
    /// ```
    /// use autobot_otel::labels::{Outcome, ToolType};
    /// let t = autobot_otel::Telemetry::builder().without_otlp().build()?;
    /// t.metrics().record_tool_call("web_search", ToolType::Extension, Outcome::Failed, 0.4);
    /// assert!(t.render(autobot_otel::Exposition::Text)
    ///     .contains(r#"autobot_tool_calls_total{status="failed",tool_name="web_search"} 1"#));
    /// # Ok::<(), autobot_otel::InitError>(())
    /// ```
    pub fn record_tool_call(
        &self,
        tool_name: &str,
        tool_type: ToolType,
        status: Outcome,
        duration: impl IntoSeconds,
    ) {
        let seconds = duration.into_seconds();
        self.count_and_observe(
            MetricId::ToolCallsTotal,
            Some((status.index(), status.as_str())),
            1,
            MetricId::ToolCallDurationSeconds,
            seconds,
            &[tool_name],
        );
        if let Some(genai) = self.genai() {
            let values = [tool_name, tool_type.as_str(), error_type(status)];
            genai.duration(
                self.diagnostics(),
                GenAiMetricId::ExecuteToolDuration,
                &values,
                seconds,
            );
        }
    }
}
