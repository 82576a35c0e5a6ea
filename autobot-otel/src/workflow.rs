//! Category 1, workflows: executions, durations, steps, active workflows, approvals.

use crate::catalog::MetricId;
use crate::labels::{ApprovalDecision, Outcome, StepStatus};
use crate::manager::{IntoSeconds, MetricsManager};

impl MetricsManager {
    /// Records one finished workflow.
    ///
    /// Series: `autobot_workflow_executions_total{workflow_type, status}` += 1 and
    /// `autobot_workflow_duration_seconds{workflow_type}` observes `duration`;
    /// with the GenAI metrics on, `gen_ai.workflow.duration`
    /// (`gen_ai.workflow.name` = `workflow_type`, `error.type` `_OTHER` for a
    /// failure, `cancelled` for a cancellation) observes it too.
    ///
    /// ```
    /// use autobot_otel::labels::Outcome;
    /// let metrics = autobot_otel::get_metrics_manager();
    /// metrics.record_workflow_execution("code_review", Outcome::Success, 12.5);
    /// metrics.record_workflow_execution("code_review", Outcome::Failed, std::time::Duration::from_secs(3));
    /// ```
    pub fn record_workflow_execution(
        &self,
        workflow_type: &str,
        status: Outcome,
        duration: impl IntoSeconds,
    ) {
        let seconds = duration.into_seconds();
        self.count_and_observe(
            MetricId::WorkflowExecutionsTotal,
            Some((status.index(), status.as_str())),
            1,
            MetricId::WorkflowDurationSeconds,
            seconds,
            &[workflow_type],
        );
        if let Some(genai) = self.genai() {
            let values = [
                workflow_type,
                crate::manager::genai::outcome_error_type(status),
            ];
            genai.duration(
                self.diagnostics(),
                crate::catalog::genai::GenAiMetricId::WorkflowDuration,
                &values,
                seconds,
            );
        }
    }

    /// Records one executed workflow step.
    ///
    /// Series: `autobot_workflow_steps_executed_total{workflow_type, step_type, status}` += 1.
    ///
    /// ```
    /// use autobot_otel::labels::StepStatus;
    /// autobot_otel::get_metrics_manager().record_workflow_step("code_review", "analysis", StepStatus::Completed);
    /// ```
    pub fn record_workflow_step(&self, workflow_type: &str, step_type: &str, status: StepStatus) {
        self.count(
            MetricId::WorkflowStepsExecutedTotal,
            1,
            [workflow_type, step_type, status.as_str()],
        );
    }

    /// Sets the number of running workflows of a type.
    ///
    /// Series: `autobot_active_workflows{workflow_type}` = `count`.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().update_active_workflows("code_review", 3);
    /// ```
    pub fn update_active_workflows(&self, workflow_type: &str, count: u64) {
        self.set(MetricId::ActiveWorkflows, count as f64, [workflow_type]);
    }

    /// One more running workflow of a type (mixes freely with
    /// [`MetricsManager::update_active_workflows`]).
    ///
    /// Series: `autobot_active_workflows{workflow_type}` += 1.
    ///
    /// ```
    /// let m = autobot_otel::get_metrics_manager();
    /// m.inc_active_workflows("deploy");
    /// m.dec_active_workflows("deploy");
    /// ```
    pub fn inc_active_workflows(&self, workflow_type: &str) {
        self.adjust(MetricId::ActiveWorkflows, 1.0, &[workflow_type]);
    }

    /// One fewer running workflow of a type. Not clamped: a negative value shows
    /// an unmatched decrement.
    ///
    /// Series: `autobot_active_workflows{workflow_type}` -= 1.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().dec_active_workflows("deploy");
    /// ```
    pub fn dec_active_workflows(&self, workflow_type: &str) {
        self.adjust(MetricId::ActiveWorkflows, -1.0, &[workflow_type]);
    }

    /// Records an approval decision.
    ///
    /// Series: `autobot_workflow_approvals_total{workflow_type, decision}` += 1.
    ///
    /// ```
    /// use autobot_otel::labels::ApprovalDecision;
    /// autobot_otel::get_metrics_manager().record_workflow_approval("code_review", ApprovalDecision::Approved);
    /// ```
    pub fn record_workflow_approval(&self, workflow_type: &str, decision: ApprovalDecision) {
        self.count(
            MetricId::WorkflowApprovalsTotal,
            1,
            [workflow_type, decision.as_str()],
        );
    }
}
