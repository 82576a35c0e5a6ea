//! Category 2, GitHub: API operations and their latency, rate limit, commits,
//! pull requests and issues.

use crate::catalog::MetricId;
use crate::labels::{CommitStatus, Outcome};
use crate::manager::{IntoSeconds, MetricsManager};

impl MetricsManager {
    /// Records one GitHub API call.
    ///
    /// Series: `autobot_github_operations_total{operation, status}` += 1 and
    /// `autobot_github_api_duration_seconds{operation}` observes `duration`.
    ///
    /// ```
    /// use autobot_otel::labels::Outcome;
    /// autobot_otel::get_metrics_manager().record_github_operation("create_commit", Outcome::Success, 0.42);
    /// ```
    pub fn record_github_operation(
        &self,
        operation: &str,
        status: Outcome,
        duration: impl IntoSeconds,
    ) {
        self.count_and_observe(
            MetricId::GithubOperationsTotal,
            Some((status.index(), status.as_str())),
            1,
            MetricId::GithubApiDurationSeconds,
            duration.into_seconds(),
            &[operation],
        );
    }

    /// Sets the remaining GitHub API calls of a rate-limit resource (`core`, `search`, ...).
    ///
    /// Series: `autobot_github_rate_limit_remaining{resource_type}` = `remaining`.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().update_github_rate_limit("core", 4990);
    /// ```
    pub fn update_github_rate_limit(&self, resource_type: &str, remaining: u64) {
        self.set(
            MetricId::GithubRateLimitRemaining,
            remaining as f64,
            [resource_type],
        );
    }

    /// Records a commit.
    ///
    /// Series: `autobot_github_commits_total{repository, status}` += 1.
    ///
    /// ```
    /// use autobot_otel::labels::CommitStatus;
    /// autobot_otel::get_metrics_manager().record_github_commit("owner/repo", CommitStatus::Created);
    /// ```
    pub fn record_github_commit(&self, repository: &str, status: CommitStatus) {
        self.count(
            MetricId::GithubCommitsTotal,
            1,
            [repository, status.as_str()],
        );
    }

    /// Records a pull-request operation (`action`: `create`, `merge`, `close`, ...).
    ///
    /// Series: `autobot_github_pull_requests_total{repository, action, status}` += 1.
    ///
    /// ```
    /// use autobot_otel::labels::Outcome;
    /// autobot_otel::get_metrics_manager().record_github_pull_request("owner/repo", "create", Outcome::Success);
    /// ```
    pub fn record_github_pull_request(&self, repository: &str, action: &str, status: Outcome) {
        self.count(
            MetricId::GithubPullRequestsTotal,
            1,
            [repository, action, status.as_str()],
        );
    }

    /// Records an issue operation (`action`: `create`, `update`, `close`, ...).
    ///
    /// Series: `autobot_github_issues_total{repository, action, status}` += 1.
    ///
    /// ```
    /// use autobot_otel::labels::Outcome;
    /// autobot_otel::get_metrics_manager().record_github_issue("owner/repo", "update", Outcome::Success);
    /// ```
    pub fn record_github_issue(&self, repository: &str, action: &str, status: Outcome) {
        self.count(
            MetricId::GithubIssuesTotal,
            1,
            [repository, action, status.as_str()],
        );
    }
}
