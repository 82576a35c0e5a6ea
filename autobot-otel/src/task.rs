//! Category 3, tasks: executions, durations, active tasks, queue sizes, retries.

use crate::catalog::MetricId;
use crate::labels::{Outcome, Priority};
use crate::manager::{IntoSeconds, MetricsManager};

impl MetricsManager {
    /// Records one finished task.
    ///
    /// Series: `autobot_tasks_executed_total{task_type, agent_type, status}` += 1 and
    /// `autobot_task_duration_seconds{task_type, agent_type}` observes `duration`.
    ///
    /// ```
    /// use autobot_otel::labels::Outcome;
    /// autobot_otel::get_metrics_manager()
    ///     .record_task_execution("code_analysis", "code-reviewer", Outcome::Success, 8.0);
    /// ```
    pub fn record_task_execution(
        &self,
        task_type: &str,
        agent_type: &str,
        status: Outcome,
        duration: impl IntoSeconds,
    ) {
        self.count_and_observe(
            MetricId::TasksExecutedTotal,
            Some((status.index(), status.as_str())),
            1,
            MetricId::TaskDurationSeconds,
            duration.into_seconds(),
            &[task_type, agent_type],
        );
    }

    /// Sets the number of running tasks of a type on an agent type.
    ///
    /// Series: `autobot_active_tasks{task_type, agent_type}` = `count`.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().update_active_tasks("code_analysis", "code-reviewer", 5);
    /// ```
    pub fn update_active_tasks(&self, task_type: &str, agent_type: &str, count: u64) {
        self.set(MetricId::ActiveTasks, count as f64, [task_type, agent_type]);
    }

    /// One more running task (mixes freely with [`MetricsManager::update_active_tasks`]).
    ///
    /// Series: `autobot_active_tasks{task_type, agent_type}` += 1.
    ///
    /// ```
    /// let m = autobot_otel::get_metrics_manager();
    /// m.inc_active_tasks("lint", "linter");
    /// m.dec_active_tasks("lint", "linter");
    /// ```
    pub fn inc_active_tasks(&self, task_type: &str, agent_type: &str) {
        self.adjust(MetricId::ActiveTasks, 1.0, &[task_type, agent_type]);
    }

    /// One fewer running task (not clamped at 0).
    ///
    /// Series: `autobot_active_tasks{task_type, agent_type}` -= 1.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().dec_active_tasks("lint", "linter");
    /// ```
    pub fn dec_active_tasks(&self, task_type: &str, agent_type: &str) {
        self.adjust(MetricId::ActiveTasks, -1.0, &[task_type, agent_type]);
    }

    /// Sets the number of queued tasks of a priority.
    ///
    /// Series: `autobot_task_queue_size{priority}` = `size`.
    ///
    /// ```
    /// use autobot_otel::labels::Priority;
    /// autobot_otel::get_metrics_manager().update_task_queue_size(Priority::High, 10);
    /// ```
    pub fn update_task_queue_size(&self, priority: Priority, size: u64) {
        self.set(MetricId::TaskQueueSize, size as f64, [priority.as_str()]);
    }

    /// Records one retry of a task (`reason`: `timeout`, `rate_limited`, ...).
    ///
    /// Series: `autobot_task_retries_total{task_type, reason}` += 1.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().record_task_retry("code_analysis", "timeout");
    /// ```
    pub fn record_task_retry(&self, task_type: &str, reason: &str) {
        self.count(MetricId::TaskRetriesTotal, 1, [task_type, reason]);
    }
}
