//! A simulated AutoBot workload that touches every metric of all 8 categories.
//!
//! Each [`Workload::tick`] plays one slice of an AutoBot backend's life: workflows
//! and their steps, tasks, GitHub calls, Redis traffic with occasional timeouts and
//! circuit-breaker trips, knowledge searches, LLM calls with tokens and cost,
//! WebSocket traffic, agent invocations and tool calls. Outcomes are drawn from a
//! seeded generator, so a run is reproducible.
//!
//! ```
//! use autobot_otel::Telemetry;
//! use autobot_otel_examples::workload::Workload;
//!
//! let telemetry = Telemetry::builder().without_otlp().build().unwrap();
//! let mut workload = Workload::new(7);
//! for _ in 0..3 {
//!     workload.tick(telemetry.metrics());
//! }
//! // The guide's 56 and the four agent and tool families (the demo's agent loop,
//! // `crate::agents`, and the streaming calls move the other extensions).
//! assert_eq!(telemetry.health().metrics_with_data, 56 + 4);
//! ```

use std::time::Duration;

use autobot_otel::MetricsManager;
use autobot_otel::labels::*;

const WORKFLOWS: [&str; 3] = ["code_review", "deploy", "issue_triage"];
const AGENTS: [(&str, &str); 3] = [
    ("code_analysis", "code-reviewer"),
    ("test_generation", "test-writer"),
    ("summarize", "research-agent"),
];
const REPOS: [&str; 2] = ["autobot/backend", "autobot/frontend"];
const DATABASES: [&str; 2] = ["main", "knowledge"];
const PROVIDERS: [(&str, &str); 3] = [
    ("openai", "gpt-4"),
    ("anthropic", "claude-3-5-sonnet"),
    ("ollama", "llama3"),
];
const NAMESPACES: [&str; 2] = ["/chat", "/events"];

/// Seeded simulation state.
#[derive(Debug, Clone)]
pub struct Workload {
    state: u64,
    ticks: u64,
    active_workflows: [u64; 3],
    rate_limit: u64,
    /// Consecutive failed requests per database (index into `DATABASES`).
    circuit_failures: [u64; 2],
    failing_database: Option<String>,
    extra: Vec<ExtraSeries>,
}

/// Builds the `i`-th label set of one kind of [`ExtraSeries`].
type ExtraKind = fn(usize) -> ExtraSeries;

/// One extra label set of [`Workload::with_extra_series`] and the calls that move it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExtraSeries {
    /// `autobot_tasks_executed_total` (1 series) and `autobot_task_duration_seconds`
    /// (14 series: 11 buckets, `+Inf`, `_sum`, `_count`) of task type `scale_task_<i>`.
    Task(usize),
    /// `autobot_workflow_executions_total` (1) and `autobot_workflow_duration_seconds`
    /// (15) of workflow type `scale_workflow_<i>`.
    Workflow(usize),
    /// `autobot_operation_duration_seconds` (15) of operation type `scale_op_<i>`.
    Operation(usize),
    /// `autobot_github_pull_requests_total` (1) of repository `scale/repo-<i>`.
    PullRequest(usize),
    /// `autobot_github_issues_total` (1) of repository `scale/repo-<i>`.
    Issue(usize),
}

impl ExtraSeries {
    /// Prometheus series one label set adds to a scrape.
    fn series(self) -> usize {
        match self {
            ExtraSeries::Task(_) => 15,
            ExtraSeries::Workflow(_) => 16,
            ExtraSeries::Operation(_) => 15,
            ExtraSeries::PullRequest(_) | ExtraSeries::Issue(_) => 1,
        }
    }

    /// The kinds, each with how many label sets it may add: its metrics' series
    /// limits (`MetricDef::max_series`) less room for the base workload's label sets,
    /// so nothing reaches a limit and folds into the overflow series.
    fn kinds() -> [(ExtraKind, usize); 5] {
        use autobot_otel::catalog::MetricId;
        let room = |ids: &[MetricId]| {
            ids.iter()
                .map(|id| id.def().max_series)
                .min()
                .unwrap_or(0)
                .saturating_sub(50)
        };
        [
            (
                ExtraSeries::Task,
                room(&[MetricId::TasksExecutedTotal, MetricId::TaskDurationSeconds]),
            ),
            (
                ExtraSeries::Workflow,
                room(&[
                    MetricId::WorkflowExecutionsTotal,
                    MetricId::WorkflowDurationSeconds,
                ]),
            ),
            (
                ExtraSeries::Operation,
                room(&[MetricId::OperationDurationSeconds]),
            ),
            (
                ExtraSeries::PullRequest,
                room(&[MetricId::GithubPullRequestsTotal]),
            ),
            (ExtraSeries::Issue, room(&[MetricId::GithubIssuesTotal])),
        ]
    }

    fn record(self, m: &MetricsManager, value: f64) {
        match self {
            ExtraSeries::Task(i) => m.record_task_execution(
                &format!("scale_task_{i}"),
                "scale-agent",
                Outcome::Success,
                value * 30.0,
            ),
            ExtraSeries::Workflow(i) => m.record_workflow_execution(
                &format!("scale_workflow_{i}"),
                Outcome::Success,
                value * 240.0,
            ),
            ExtraSeries::Operation(i) => {
                m.record_operation_duration(&format!("scale_op_{i}"), "main", value * 0.1)
            }
            ExtraSeries::PullRequest(i) => {
                m.record_github_pull_request(&format!("scale/repo-{i}"), "create", Outcome::Success)
            }
            ExtraSeries::Issue(i) => {
                m.record_github_issue(&format!("scale/repo-{i}"), "create", Outcome::Success)
            }
        }
    }
}

impl Workload {
    /// A workload whose outcomes follow `seed`.
    pub fn new(seed: u64) -> Self {
        Workload {
            state: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
            ticks: 0,
            active_workflows: [0; 3],
            rate_limit: 5000,
            circuit_failures: [0; 2],
            failing_database: None,
            extra: Vec::new(),
        }
    }

    /// Every Redis request to `database` (`main` or `knowledge`) fails from the first
    /// tick on: its success rate drops to 0, its circuit breaker opens after three
    /// requests and stays open (`autobot_circuit_breaker_state{database} == 1`). The
    /// other database is not affected.
    ///
    /// ```
    /// use autobot_otel::Telemetry;
    /// use autobot_otel_examples::workload::Workload;
    ///
    /// let telemetry = Telemetry::builder().without_otlp().build().unwrap();
    /// let mut workload = Workload::new(7).with_failing_database("main");
    /// for _ in 0..3 {
    ///     workload.tick(telemetry.metrics());
    /// }
    /// let text = telemetry.render(autobot_otel::Exposition::Text);
    /// assert!(text.contains(r#"autobot_circuit_breaker_state{database="main"} 1"#), "{text}");
    /// ```
    pub fn with_failing_database(mut self, database: &str) -> Self {
        self.failing_database = Some(database.to_string());
        self
    }

    /// Adds label sets until about `series` more Prometheus series are on the
    /// scrape (synthetic task types, workflow types, operation types and
    /// repositories, taken in turn), each moved on every tick. Bounded by the
    /// metrics' series limits: at most about 10,000 extra series, so none overflows.
    /// Returns the workload; [`Workload::extra_series`] says how many were added.
    ///
    /// ```
    /// use autobot_otel_examples::workload::Workload;
    ///
    /// let w = Workload::new(7).with_extra_series(1000);
    /// assert!((1000..1016).contains(&w.extra_series()));
    /// assert!(Workload::new(7).with_extra_series(1_000_000).extra_series() < 11_000);
    /// ```
    pub fn with_extra_series(mut self, series: usize) -> Self {
        let kinds = ExtraSeries::kinds();
        let mut used = [0usize; 5];
        let mut total = 0;
        self.extra.clear();
        while total < series {
            let mut added = false;
            for (k, (make, room)) in kinds.iter().enumerate() {
                if total >= series {
                    break;
                }
                if used[k] < *room {
                    let extra = make(used[k]);
                    used[k] += 1;
                    total += extra.series();
                    self.extra.push(extra);
                    added = true;
                }
            }
            if !added {
                break;
            }
        }
        self
    }

    /// The Prometheus series [`Workload::with_extra_series`] added.
    pub fn extra_series(&self) -> usize {
        self.extra.iter().map(|e| e.series()).sum()
    }

    /// Ticks played so far.
    pub fn ticks(&self) -> u64 {
        self.ticks
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A uniform draw in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A rare event: drawn with probability `p`, and forced every 25th tick
    /// (the first included) so that every series appears early in a run.
    fn rare(&mut self, p: f64) -> bool {
        self.ticks % 25 == 1 || self.chance(p)
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() % items.len() as u64) as usize]
    }

    fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    fn outcome(&mut self, failure: f64) -> Outcome {
        if self.chance(failure) {
            Outcome::Failed
        } else {
            Outcome::Success
        }
    }

    /// Plays one slice of activity, touching all 56 metrics of the guide (the
    /// demo's streaming calls, [`crate::streaming`], move the extensions).
    pub fn tick(&mut self, m: &MetricsManager) {
        self.ticks += 1;
        self.workflows(m);
        self.github(m);
        self.tasks(m);
        self.performance(m);
        self.knowledge(m);
        self.llm(m);
        self.websocket(m);
        self.redis(m);
        self.agents(m);
        for i in 0..self.extra.len() {
            let value = self.unit();
            self.extra[i].record(m, value);
        }
    }

    /// One agent invocation and its tool calls per tick, through the typed API
    /// (the demo's agent loop records spans too, through `AgentRun` and
    /// `ToolCall`). Drawn from the tick count, not the random stream, so the
    /// other categories' values are those of a workload without agents.
    fn agents(&mut self, m: &MetricsManager) {
        const AGENTS: [&str; 3] = ["planner", "code_reviewer", "researcher"];
        const TOOLS: [(&str, ToolType); 3] = [
            ("web_search", ToolType::Extension),
            ("calculator", ToolType::Function),
            ("vector_store", ToolType::Datastore),
        ];
        let t = self.ticks;
        let agent = AGENTS[(t % 3) as usize];
        let calls = 1 + t % 3;
        let mut total = 0.0;
        for c in 0..calls {
            let (tool, kind) = TOOLS[((t + c) % 3) as usize];
            let failed = (t + c).is_multiple_of(17);
            let seconds = 0.05 + ((t * 7 + c * 13) % 40) as f64 / 100.0;
            total += seconds;
            let status = if failed {
                Outcome::Failed
            } else {
                Outcome::Success
            };
            m.record_tool_call(tool, kind, status, seconds);
        }
        let status = match t % 29 {
            0 => Outcome::Failed,
            11 => Outcome::Cancelled,
            _ => Outcome::Success,
        };
        m.record_agent_invocation(agent, status, total + 0.8);
    }

    fn workflows(&mut self, m: &MetricsManager) {
        let i = (self.next() % 3) as usize;
        let wf = WORKFLOWS[i];
        self.active_workflows[i] += 1;
        m.inc_active_workflows(wf);
        for step in ["analysis", "execution", "report"] {
            let status = if self.chance(0.05) {
                StepStatus::Failed
            } else {
                StepStatus::Completed
            };
            m.record_workflow_step(wf, step, status);
        }
        let status = self.outcome(0.05);
        let duration = self.between(2.0, 240.0);
        m.record_workflow_execution(wf, status, duration);
        if self.rare(0.3) {
            let decision = self.pick(ApprovalDecision::ALL);
            m.record_workflow_approval(wf, decision);
        }
        // Finished workflows leave the active set; the rest stay running.
        if self.chance(0.9) {
            self.active_workflows[i] -= 1;
            m.dec_active_workflows(wf);
        }
    }

    fn github(&mut self, m: &MetricsManager) {
        let op = self.pick(&[
            "create_commit",
            "get_repo",
            "create_pull_request",
            "list_issues",
        ]);
        let status = if self.rare(0.03) {
            Outcome::Failed
        } else {
            Outcome::Success
        };
        let duration = self.between(0.08, 1.5);
        m.record_github_operation(op, status, duration);
        let repo = self.pick(&REPOS);
        let commit = if status == Outcome::Success {
            CommitStatus::Created
        } else {
            CommitStatus::Failed
        };
        m.record_github_commit(repo, commit);
        let action = self.pick(&["create", "merge", "close"]);
        let pr_status = self.outcome(0.02);
        m.record_github_pull_request(repo, action, pr_status);
        let action = self.pick(&["create", "update", "close"]);
        let issue_status = self.outcome(0.02);
        m.record_github_issue(repo, action, issue_status);
        self.rate_limit = if self.rate_limit < 200 {
            5000
        } else {
            self.rate_limit - (self.next() % 40)
        };
        m.update_github_rate_limit("core", self.rate_limit);
        m.update_github_rate_limit("search", 30 - self.next() % 10);
    }

    fn tasks(&mut self, m: &MetricsManager) {
        let (task, agent) = self.pick(&AGENTS);
        m.inc_active_tasks(task, agent);
        let status = if self.rare(0.08) {
            Outcome::Failed
        } else {
            Outcome::Success
        };
        if status == Outcome::Failed {
            let reason = self.pick(&["timeout", "rate_limited", "agent_error"]);
            m.record_task_retry(task, reason);
        }
        let duration = self.between(0.2, 45.0);
        m.record_task_execution(task, agent, status, duration);
        m.dec_active_tasks(task, agent);
        let running = self.next() % 6;
        m.update_active_tasks(task, agent, running);
        for (priority, base) in [
            (Priority::Critical, 0),
            (Priority::High, 5),
            (Priority::Normal, 20),
            (Priority::Low, 3),
        ] {
            let size = base + self.next() % 10;
            m.update_task_queue_size(priority, size);
        }
    }

    fn performance(&mut self, m: &MetricsManager) {
        for (d, db) in DATABASES.into_iter().enumerate() {
            let op = self.pick(&["redis_get", "redis_set", "llamaindex_query"]);
            let timed_out = self.chance(0.02);
            let duration = if timed_out {
                5.0
            } else {
                self.between(0.0005, 0.08)
            };
            m.record_operation_duration(op, db, duration);
            m.record_timeout(op, db, timed_out);
            let success = self.chance(0.98) && self.failing_database.as_deref() != Some(db);
            m.record_request(db, self.pick(&["get", "set", "hgetall"]), success);
            let active = self.next() % 16;
            let idle = self.next() % (20 - active).max(1);
            m.update_connection_pool(db, active, idle, 20);
            m.set_redis_pool_stats(db, active, idle, 20);
            let failures = &mut self.circuit_failures[d];
            if success {
                *failures = 0;
            } else {
                *failures += 1;
            }
            let failures = *failures;
            let state = if failures >= 3 {
                CircuitState::Open
            } else {
                CircuitState::Closed
            };
            m.update_circuit_breaker_state(db, state, failures);
            if failures == 3 {
                m.record_circuit_breaker_event(db, CircuitEvent::Opened, "too_many_failures");
            } else if self.rare(0.01) {
                m.record_circuit_breaker_event(db, CircuitEvent::HalfOpen, "probe");
                m.record_circuit_breaker_event(db, CircuitEvent::Closed, "probe_succeeded");
            }
        }
    }

    fn knowledge(&mut self, m: &MetricsManager) {
        let search = self.pick(SearchType::ALL);
        let collection = self.pick(&["docs", "code"]);
        let latency = self.between(0.008, 0.6);
        let results = (self.next() % 60) as usize;
        m.record_search(search, collection, latency, results);
        if self.chance(0.7) {
            m.record_cache_hit("embedding");
        } else {
            m.record_cache_miss("embedding");
        }
        if self.chance(0.5) {
            m.record_cache_hit("query");
        } else {
            m.record_cache_miss("query");
        }
        let documents = 1500 + self.ticks;
        m.set_document_count(documents, "docs", "markdown");
        m.set_document_count(400 + self.ticks / 2, "code", "source");
        m.set_vector_count("docs", documents * 12);
        m.set_vector_count("code", 4800 + self.ticks * 6);
        let embed = self.between(0.004, 0.09);
        m.record_embedding_latency("all-minilm-l6-v2", embed);
    }

    fn llm(&mut self, m: &MetricsManager) {
        let (provider, model) = self.pick(&PROVIDERS);
        let request_type = self.pick(&["chat", "completion", "embedding"]);
        let latency = self.between(0.3, 25.0);
        m.record_llm_request(provider, model, request_type, latency);
        if self.rare(0.04) {
            let error = self.pick(&["rate_limit", "timeout", "server_error"]);
            m.record_llm_error(provider, error);
        }
        {
            let (input, output) = (200 + self.next() % 3000, 50 + self.next() % 800);
            m.record_llm_tokens(provider, model, input, output);
            if provider == "ollama" {
                m.record_llm_cost(provider, model, 0.0);
            } else {
                m.record_llm_cost_by_type(
                    provider,
                    model,
                    CostType::Input,
                    input as f64 * 0.000_01,
                );
                m.record_llm_cost_by_type(
                    provider,
                    model,
                    CostType::Output,
                    output as f64 * 0.000_03,
                );
            }
        }
        for (provider, _) in PROVIDERS {
            let remaining = 100 + self.next() % 400;
            m.set_llm_rate_limit(provider, remaining);
            let available = !self.chance(0.01);
            m.set_llm_provider_availability(provider, available);
        }
    }

    fn websocket(&mut self, m: &MetricsManager) {
        let ns = self.pick(&NAMESPACES);
        m.record_websocket_connection(ns, ConnectionStatus::Connected);
        m.inc_websocket_connections(ns);
        // A rejected connection every 40th tick (from the tick count, not the
        // random stream, so the other values stay those of the seed).
        if self.ticks % 40 == 3 {
            m.record_websocket_connection(ns, ConnectionStatus::Rejected);
        }
        let event = self.pick(&["chat_message", "status_update", "typing"]);
        let latency = self.between(0.0008, 0.04);
        m.record_websocket_message(ns, event, MessageDirection::Sent, latency);
        m.record_websocket_message(ns, event, MessageDirection::Received, None::<f64>);
        if self.rare(0.05) {
            m.record_websocket_error(ns, self.pick(&["disconnect", "protocol_error"]));
        }
        if self.chance(0.8) {
            m.record_websocket_connection(ns, ConnectionStatus::Disconnected);
            m.dec_websocket_connections(ns);
        }
        let rooms = 3 + self.next() % 10;
        m.set_websocket_rooms(ns, rooms);
    }

    fn redis(&mut self, m: &MetricsManager) {
        for db in DATABASES {
            let op = self.pick(&["get", "set", "hgetall", "publish"]);
            let status = if self.rare(0.01) {
                RedisStatus::Error
            } else {
                RedisStatus::Success
            };
            let latency = self.between(0.0001, 0.004);
            m.record_redis_operation(db, op, status, latency);
            m.set_redis_memory(db, 100 * 1024 * 1024 + self.ticks * 4096);
            m.set_redis_keys(db, 50_000 + self.ticks * 3);
            let direction = if self.chance(0.5) {
                PubSubDirection::Published
            } else {
                PubSubDirection::Received
            };
            m.record_redis_pubsub(db, direction);
        }
    }
}

/// Plays `workload` every `period` until `stop` resolves; returns the ticks played.
pub async fn run(
    metrics: &MetricsManager,
    mut workload: Workload,
    period: Duration,
    stop: impl std::future::Future<Output = ()>,
) -> u64 {
    let mut interval = tokio::time::interval(period);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return workload.ticks(),
            _ = interval.tick() => {
                // One span per tick, exported over OTLP when a collector is configured.
                let span = tracing::info_span!("autobot.workload.tick", tick = workload.ticks() + 1);
                let _entered = span.enter();
                workload.tick(metrics);
            }
        }
    }
}
