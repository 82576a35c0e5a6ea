//! The metric catalog: the one table that defines every `autobot_*` metric (the 56
//! of the usage guide and the [extensions](Source::Extension) beyond it), the
//! table of the instrumentation attributes built on them ([`instrument`]), and the
//! OpenTelemetry GenAI metrics they can emit alongside ([`genai`]).
//!
//! Re-exported by `autobot-otel` as `autobot_otel::catalog`; the proc macros of
//! `autobot-otel-macros` read it too, so label names are checked at compile time
//! against the same table.
//!
//! Everything else reads this table: the OpenTelemetry instruments are
//! built from it, label keys come from it, the health endpoint groups its output by
//! it, and the README reference, dashboards and conformance tests are generated from
//! it or checked against it. A metric name is written nowhere else.
//!
//! Each entry gives the Prometheus name (the contract from the usage guide), the
//! kind, the OpenTelemetry unit, the exact label keys in order, the help text, the
//! category, histogram bucket boundaries, and the series limit (cardinality limit)
//! of the metric. The self-metrics ([`self_metrics`]) and the GenAI conventions'
//! metrics ([`genai`]) are [`MetricDef`]s too, built by the same table macro; a
//! definition's [`MetricDef::source`] says which family it is of and
//! [`MetricDef::naming`] which of its names is the contract. Every name rule
//! (unit suffixes, `_total`, label names) is in [`naming`], every attribute key
//! in [`attributes`].
//!
//! ```
//! use autobot_otel_catalog::{self as catalog, Category, Kind, MetricId};
//!
//! let def = MetricId::WorkflowExecutionsTotal.def();
//! assert_eq!(def.name, "autobot_workflow_executions_total");
//! assert_eq!(def.kind, Kind::Counter);
//! assert_eq!(def.labels, ["workflow_type", "status"]);
//! assert_eq!(def.otel_name(), "autobot_workflow_executions");
//! assert_eq!(catalog::CATALOG.len(), 64);
//! assert_eq!(catalog::guide().count(), catalog::GUIDE_METRICS);
//! assert_eq!(catalog::GUIDE_METRICS, 56);
//! assert_eq!(catalog::in_category(Category::Llm).count(), 9);
//! ```

use std::borrow::Cow;
use std::fmt;

/// The OpenTelemetry instrumentation scope of every catalog instrument (and of
/// the self-metrics and the attributes' spans).
pub const SCOPE_NAME: &str = "autobot-otel";

#[macro_use]
mod table;

pub mod attributes;
pub mod genai;
pub mod http_server;
pub mod instrument;
pub mod labels;
pub mod naming;
pub mod objectives;
pub mod process;
pub mod self_metrics;

/// What kind of instrument a metric is, in Prometheus terms.
///
/// ```
/// use autobot_otel_catalog::Kind;
/// assert_eq!(Kind::Histogram.as_str(), "histogram");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A monotonic counter of whole events (OTel `Counter<u64>`).
    Counter,
    /// A monotonic counter of a fractional amount, e.g. dollars (OTel `Counter<f64>`).
    FloatCounter,
    /// A histogram with explicit bucket boundaries (OTel `Histogram<f64>`).
    Histogram,
    /// A value that goes up and down (OTel `Gauge<f64>`, or an observable gauge for
    /// the rolling-window rates).
    Gauge,
}

impl Kind {
    /// The Prometheus `# TYPE` of the metric.
    ///
    /// ```
    /// use autobot_otel_catalog::Kind;
    /// assert_eq!(Kind::FloatCounter.as_str(), "counter");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Counter | Kind::FloatCounter => "counter",
            Kind::Histogram => "histogram",
            Kind::Gauge => "gauge",
        }
    }

    /// Whether the metric is a monotonic counter (gets `_total` in Prometheus).
    ///
    /// ```
    /// use autobot_otel_catalog::Kind;
    /// assert!(Kind::Counter.is_counter());
    /// assert!(!Kind::Gauge.is_counter());
    /// ```
    pub const fn is_counter(self) -> bool {
        matches!(self, Kind::Counter | Kind::FloatCounter)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which table a metric belongs to: the usage guide's, an extension of the
/// catalog, the pipeline's self-metrics, or the OpenTelemetry GenAI
/// conventions'. Each family has one [naming contract](Naming)
/// ([`Source::naming`]).
///
/// ```
/// use autobot_otel_catalog::{MetricId, Naming, Source};
/// assert_eq!(MetricId::LlmTokensTotal.def().source, Source::Guide);
/// assert_eq!(MetricId::LlmRequestsInFlight.def().source, Source::Extension);
/// assert_eq!(Source::Extension.as_str(), "extension");
/// assert_eq!(Source::GenAi.naming(), Naming::OpenTelemetry);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Source {
    /// One of the 56 metrics of the usage guide (`docs/prometheus-metrics-guide.md`):
    /// its name, labels and category are the guide's, checked against it by a test.
    Guide,
    /// Beyond the guide: a metric AutoBot's own implementation records, named as
    /// it names it (streaming LLM calls: time to first token, requests in flight).
    /// Additive: it never changes a guide metric, and it has no series until
    /// something records it.
    Extension,
    /// One of the pipeline's own `autobot_otel_*` families
    /// ([`self_metrics::SELF_METRICS`]).
    SelfMetric,
    /// One of the OpenTelemetry GenAI conventions' client metrics
    /// ([`genai::GENAI_METRICS`]).
    GenAi,
    /// One of the process metrics every Prometheus client library exports
    /// (`process_cpu_seconds_total`, ...), over OTLP the OpenTelemetry
    /// `process.*` conventions' ([`process::PROCESS_METRICS`]): not of the
    /// guide's 56, recorded by the pipeline itself (Linux, on by default).
    Process,
    /// One of the OpenTelemetry HTTP server conventions' metrics
    /// ([`http_server::HTTP_SERVER_METRICS`]), recorded by the facade's tower
    /// layer (`autobot_otel::http::ServerMetricsLayer`): not of the guide's 56.
    HttpServer,
}

impl Source {
    /// `guide`, `extension`, `self`, `genai`, `process` or `http` (the metric
    /// reference's column).
    ///
    /// ```
    /// assert_eq!(autobot_otel_catalog::Source::SelfMetric.as_str(), "self");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Source::Guide => "guide",
            Source::Extension => "extension",
            Source::SelfMetric => "self",
            Source::GenAi => "genai",
            Source::Process => "process",
            Source::HttpServer => "http",
        }
    }

    /// The naming contract of the family: the Prometheus name for the
    /// catalog and the self-metrics, the OpenTelemetry name for the GenAI
    /// conventions and the HTTP server conventions, both fixed names for the
    /// process metrics.
    ///
    /// ```
    /// use autobot_otel_catalog::{Naming, Source};
    /// assert_eq!(Source::SelfMetric.naming(), Naming::Prometheus);
    /// assert_eq!(Source::HttpServer.naming(), Naming::OpenTelemetry);
    /// assert_eq!(Source::Process.naming(), Naming::Both);
    /// ```
    pub const fn naming(self) -> Naming {
        match self {
            Source::Guide | Source::Extension | Source::SelfMetric => Naming::Prometheus,
            Source::GenAi | Source::HttpServer => Naming::OpenTelemetry,
            Source::Process => Naming::Both,
        }
    }
}

/// Which name of a metric is the contract, [`MetricDef::name`]; the other is
/// derived from it by the rules of [`naming`].
///
/// ```
/// use autobot_otel_catalog::{genai::GenAiMetricId, MetricId, Naming};
/// let tokens = MetricId::LlmTokensTotal.def();
/// assert_eq!(tokens.naming, Naming::Prometheus);
/// assert_eq!((tokens.name, tokens.otel_name()), ("autobot_llm_tokens_total", "autobot_llm_tokens"));
/// let usage = GenAiMetricId::TokenUsage.def();
/// assert_eq!(usage.naming, Naming::OpenTelemetry);
/// assert_eq!((usage.name, usage.prometheus_name().as_str()), ("gen_ai.client.token.usage", "gen_ai_client_token_usage"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Naming {
    /// The name is the Prometheus family name (`autobot_*_total`); the
    /// OpenTelemetry instrument is named [`MetricDef::otel_name`], which the
    /// standard translation turns back into it.
    Prometheus,
    /// The name is the OpenTelemetry instrument name
    /// (`gen_ai.client.operation.duration`); the scrape shows
    /// [`MetricDef::prometheus_name`].
    OpenTelemetry,
    /// Both names are fixed by their own conventions and neither is derived
    /// from the other (the process metrics: `process.memory.usage` over OTLP,
    /// `process_resident_memory_bytes` in the scrape). [`MetricDef::name`] is
    /// the OpenTelemetry instrument name, [`MetricDef::fixed_prometheus_name`]
    /// the Prometheus family; the scrape writes one series per family, the sum
    /// of the data points over their attributes (`process.cpu.time`'s
    /// `cpu.mode` = `user` + `system` is `process_cpu_seconds_total`), so
    /// [`MetricDef::prometheus_labels`] is empty.
    Both,
}

/// How many metrics the usage guide defines ([`Source::Guide`]).
pub const GUIDE_METRICS: usize = 56;

/// The eight metric categories of the usage guide, in the guide's numbering.
///
/// ```
/// use autobot_otel_catalog::Category;
/// assert_eq!(Category::Performance.title(), "Redis & Performance Metrics");
/// assert_eq!(Category::ALL.len(), 8);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// 1. Workflow Metrics.
    Workflow,
    /// 2. GitHub Integration Metrics.
    Github,
    /// 3. Task Execution Metrics.
    Task,
    /// 4. Redis & Performance Metrics (timeouts, pool, circuit breaker).
    Performance,
    /// 5. Knowledge Base Metrics.
    Knowledge,
    /// 6. LLM Provider Metrics.
    Llm,
    /// 7. WebSocket Metrics.
    Websocket,
    /// 8. Redis Metrics.
    Redis,
}

impl Category {
    /// All categories in the guide's order.
    pub const ALL: [Category; 8] = [
        Category::Workflow,
        Category::Github,
        Category::Task,
        Category::Performance,
        Category::Knowledge,
        Category::Llm,
        Category::Websocket,
        Category::Redis,
    ];

    /// Short machine name, used in the health endpoint and file names.
    ///
    /// ```
    /// use autobot_otel_catalog::Category;
    /// assert_eq!(Category::Knowledge.key(), "knowledge");
    /// ```
    pub const fn key(self) -> &'static str {
        match self {
            Category::Workflow => "workflow",
            Category::Github => "github",
            Category::Task => "task",
            Category::Performance => "performance",
            Category::Knowledge => "knowledge",
            Category::Llm => "llm",
            Category::Websocket => "websocket",
            Category::Redis => "redis",
        }
    }

    /// The section title used by the usage guide.
    ///
    /// ```
    /// use autobot_otel_catalog::Category;
    /// assert_eq!(Category::Llm.title(), "LLM Provider Metrics");
    /// ```
    pub const fn title(self) -> &'static str {
        match self {
            Category::Workflow => "Workflow Metrics",
            Category::Github => "GitHub Integration Metrics",
            Category::Task => "Task Execution Metrics",
            Category::Performance => "Redis & Performance Metrics",
            Category::Knowledge => "Knowledge Base Metrics",
            Category::Llm => "LLM Provider Metrics",
            Category::Websocket => "WebSocket Metrics",
            Category::Redis => "Redis Metrics",
        }
    }
}

/// One metric: an entry of the catalog ([`CATALOG`]), of the self-metrics
/// ([`self_metrics::SELF_METRICS`]), of the GenAI conventions
/// ([`genai::GENAI_METRICS`]), of the process metrics
/// ([`process::PROCESS_METRICS`]) or of the HTTP server conventions
/// ([`http_server::HTTP_SERVER_METRICS`]); `I` is the table's typed
/// identifier. Every table is built by one table macro, so all five describe
/// their metrics alike.
///
/// ```
/// use autobot_otel_catalog::{genai::GenAiMetricId, self_metrics::SelfMetric, Category, MetricId, Source};
/// let def = MetricId::RedisOperationLatencySeconds.def();
/// assert_eq!(def.unit, "s");
/// assert_eq!(def.buckets.first(), Some(&0.0001));
/// assert_eq!(def.category, Some(Category::Redis));
/// assert_eq!(SelfMetric::Exports.def().source, Source::SelfMetric);
/// assert_eq!(GenAiMetricId::TokenUsage.def().category, Some(Category::Llm));
/// ```
#[derive(Debug, PartialEq)]
pub struct MetricDef<I: 'static = MetricId> {
    /// The typed identifier of the metric.
    pub id: I,
    /// The name the family's [naming contract](MetricDef::naming) fixes: the
    /// exact Prometheus family name for the catalog (the contract of the usage
    /// guide) and the self-metrics, the OpenTelemetry instrument name for the
    /// GenAI conventions.
    pub name: &'static str,
    /// Counter, histogram or gauge.
    pub kind: Kind,
    /// The OpenTelemetry (UCUM) unit; [`naming::unit_suffix`] gives the
    /// Prometheus suffix it adds (`s` → `_seconds`, `By` → `_bytes`, `1` →
    /// `_ratio`; units in braces are annotations that add none).
    pub unit: &'static str,
    /// The label keys (attribute keys), in the table's order.
    pub labels: &'static [&'static str],
    /// The vocabulary of each label of [`MetricDef::labels`], in the same order:
    /// `Some(values)` for a label whose values form a fixed set (one of the
    /// [`labels`] enums), `None` for open-ended values. Use
    /// [`MetricDef::vocabulary`] to look one up by key.
    pub vocabularies: &'static [Option<&'static [&'static str]>],
    /// The help text (`# HELP` line and OTel description).
    pub help: &'static str,
    /// The guide category the metric belongs to (`None` for the self-metrics).
    pub category: Option<Category>,
    /// Which family the metric is of.
    pub source: Source,
    /// Which of its names is the contract ([`Source::naming`] of its family).
    pub naming: Naming,
    /// Explicit histogram bucket upper bounds (empty for non-histograms).
    pub buckets: &'static [f64],
    /// The series limit: at most this many label sets are kept; further label sets
    /// are folded into one overflow series (`otel_metric_overflow="true"`).
    pub max_series: usize,
    /// Recorded for streaming calls only (for the GenAI conventions: "SHOULD
    /// NOT be reported otherwise").
    pub streaming_only: bool,
    /// When a scrape has the family, if that is not "once recorded" (the
    /// self-metrics' reference column).
    pub present: Option<&'static str>,
    /// The Prometheus family name of a [`Naming::Both`] metric (`None` for
    /// every other naming, whose Prometheus name is derived).
    pub fixed_prometheus_name: Option<&'static str>,
}

impl<I> MetricDef<I> {
    /// The OpenTelemetry instrument name. For a Prometheus-named metric it is
    /// derived by the standard translation run backwards
    /// ([`naming::otel_name`]: drop `_total` from counters, then the unit
    /// suffix); exporting it with [`MetricDef::unit`] through the standard
    /// OTLP-to-Prometheus translation yields [`MetricDef::name`] again. For an
    /// OpenTelemetry-named metric it is the name.
    ///
    /// ```
    /// use autobot_otel_catalog::{genai::GenAiMetricId, self_metrics::SelfMetric, MetricId};
    /// assert_eq!(MetricId::WorkflowDurationSeconds.def().otel_name(), "autobot_workflow_duration");
    /// assert_eq!(MetricId::RedisPoolSaturationRatio.def().otel_name(), "autobot_redis_pool_saturation");
    /// // Gauges keep a `_total` that is part of their documented name.
    /// assert_eq!(MetricId::RedisKeysTotal.def().otel_name(), "autobot_redis_keys_total");
    /// assert_eq!(SelfMetric::SeriesLimitReached.def().otel_name(), "autobot_otel_series_limit_reached");
    /// assert_eq!(GenAiMetricId::TokenUsage.def().otel_name(), "gen_ai.client.token.usage");
    /// ```
    pub fn otel_name(&self) -> &'static str {
        match self.naming {
            Naming::Prometheus => naming::otel_name(self.name, self.unit, self.kind.is_counter()),
            Naming::OpenTelemetry | Naming::Both => self.name,
        }
    }

    /// The Prometheus family name the scrape shows: the name of a
    /// Prometheus-named metric, the standard translation
    /// ([`naming::prometheus_name`]) of an OpenTelemetry-named one.
    ///
    /// ```
    /// use autobot_otel_catalog::{genai::GenAiMetricId, MetricId};
    /// assert_eq!(MetricId::LlmTokensTotal.def().prometheus_name(), "autobot_llm_tokens_total");
    /// assert_eq!(
    ///     GenAiMetricId::TimeToFirstChunk.def().prometheus_name(),
    ///     "gen_ai_client_operation_time_to_first_chunk_seconds"
    /// );
    /// ```
    pub fn prometheus_name(&self) -> String {
        match (self.naming, self.fixed_prometheus_name) {
            (Naming::Prometheus, _) => self.name.to_string(),
            (Naming::Both, Some(fixed)) => fixed.to_string(),
            (Naming::OpenTelemetry | Naming::Both, _) => self.translated_name(),
        }
    }

    /// The Prometheus name that the standard translation
    /// ([`naming::prometheus_name`]) gives for [`MetricDef::otel_name`] and
    /// [`MetricDef::unit`]. Equal to [`MetricDef::prometheus_name`] for every
    /// metric of every table but the [`Naming::Both`] ones (a test proves it).
    ///
    /// ```
    /// use autobot_otel_catalog::CATALOG;
    /// assert!(CATALOG.iter().all(|d| d.translated_name() == d.name));
    /// ```
    pub fn translated_name(&self) -> String {
        naming::prometheus_name(self.otel_name(), self.unit, self.kind.is_counter())
    }

    /// The label names the scrape shows for [`MetricDef::labels`], in order
    /// ([`naming::label_name`]).
    ///
    /// ```
    /// use autobot_otel_catalog::genai::GenAiMetricId;
    /// let names: Vec<_> = GenAiMetricId::TokenUsage.def().prometheus_labels().collect();
    /// assert_eq!(names[0], "gen_ai_operation_name");
    /// assert_eq!(names[6], "gen_ai_token_type");
    /// ```
    pub fn prometheus_labels(&self) -> impl Iterator<Item = Cow<'static, str>> + '_ {
        let histogram = self.kind == Kind::Histogram;
        // A `Both` family's scrape sums its data points over their attributes.
        let shown = if self.naming == Naming::Both {
            &[][..]
        } else {
            self.labels
        };
        shown.iter().map(move |l| naming::label_name(l, histogram))
    }

    /// The values label `key` may take, when they form a fixed set (`None` for an
    /// open-ended label or a key the metric does not have).
    ///
    /// ```
    /// use autobot_otel_catalog::MetricId;
    /// let def = MetricId::RedisOperationsTotal.def();
    /// assert_eq!(def.vocabulary("status"), Some(&["success", "error", "timeout", "cancelled"][..]));
    /// assert_eq!(def.vocabulary("database"), None);
    /// ```
    pub fn vocabulary(&self, key: &str) -> Option<&'static [&'static str]> {
        self.label_index(key).and_then(|i| self.vocabularies[i])
    }

    /// Position of a label key in [`MetricDef::labels`].
    ///
    /// ```
    /// use autobot_otel_catalog::MetricId;
    /// assert_eq!(MetricId::TasksExecutedTotal.def().label_index("status"), Some(2));
    /// ```
    pub fn label_index(&self, key: &str) -> Option<usize> {
        self.labels.iter().position(|l| *l == key)
    }
}

impl MetricId {
    /// The catalog entry of this metric.
    ///
    /// ```
    /// use autobot_otel_catalog::{Category, MetricId};
    /// assert_eq!(MetricId::ActiveWorkflows.def().category, Some(Category::Workflow));
    /// ```
    pub fn def(self) -> &'static MetricDef {
        &CATALOG[self as usize]
    }

    /// Looks a metric up by its Prometheus family name.
    ///
    /// ```
    /// use autobot_otel_catalog::MetricId;
    /// assert_eq!(MetricId::from_name("autobot_active_tasks"), Some(MetricId::ActiveTasks));
    /// assert_eq!(MetricId::from_name("nope"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<MetricId> {
        CATALOG.iter().find(|d| d.name == name).map(|d| d.id)
    }
}

/// The 56 metrics of the usage guide, in its order (no extensions).
///
/// ```
/// use autobot_otel_catalog::{guide, Source};
/// assert_eq!(guide().count(), 56);
/// assert!(guide().all(|d| d.source == Source::Guide));
/// ```
pub fn guide() -> impl Iterator<Item = &'static MetricDef> {
    CATALOG.iter().filter(|d| d.source == Source::Guide)
}

/// The catalog entries of one category, in order.
///
/// ```
/// use autobot_otel_catalog::{in_category, Category};
/// assert_eq!(in_category(Category::Redis).count(), 8);
/// ```
pub fn in_category(category: Category) -> impl Iterator<Item = &'static MetricDef> {
    CATALOG.iter().filter(move |d| d.category == Some(category))
}

metric_table! {
    /// Typed identifier of every catalog metric; `id.def()` gives its definition.
    ///
    /// ```
    /// use autobot_otel_catalog::MetricId;
    /// assert_eq!(MetricId::LlmTokensTotal.def().name, "autobot_llm_tokens_total");
    /// ```
    enum MetricId;
    /// The catalog: every documented metric, in the guide's order, each
    /// category's [extensions](Source::Extension) after its guide metrics.
    static CATALOG;
    defaults { category: None, source: Guide, max_series: 0 }

    // ---- 1. Workflow ---------------------------------------------------------------
    WorkflowExecutionsTotal {
        name: "autobot_workflow_executions_total", kind: Counter, unit: "{execution}",
        labels: ["workflow_type", "status": Outcome],
        help: "Total workflow executions", category: Workflow, buckets: [], max_series: 600,
    },
    WorkflowDurationSeconds {
        name: "autobot_workflow_duration_seconds", kind: Histogram, unit: "s",
        labels: ["workflow_type"],
        help: "Workflow execution duration", category: Workflow,
        buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600], max_series: 200,
    },
    WorkflowStepsExecutedTotal {
        name: "autobot_workflow_steps_executed_total", kind: Counter, unit: "{step}",
        labels: ["workflow_type", "step_type", "status": StepStatus],
        help: "Total workflow steps executed", category: Workflow, buckets: [], max_series: 1000,
    },
    ActiveWorkflows {
        name: "autobot_active_workflows", kind: Gauge, unit: "{workflow}",
        labels: ["workflow_type"],
        help: "Currently active workflows", category: Workflow, buckets: [], max_series: 200,
    },
    WorkflowApprovalsTotal {
        name: "autobot_workflow_approvals_total", kind: Counter, unit: "{approval}",
        labels: ["workflow_type", "decision": ApprovalDecision],
        help: "Total workflow approval requests", category: Workflow, buckets: [], max_series: 600,
    },

    // ---- 2. GitHub -----------------------------------------------------------------
    GithubOperationsTotal {
        name: "autobot_github_operations_total", kind: Counter, unit: "{operation}",
        labels: ["operation", "status": Outcome],
        help: "Total GitHub API operations", category: Github, buckets: [], max_series: 300,
    },
    GithubApiDurationSeconds {
        name: "autobot_github_api_duration_seconds", kind: Histogram, unit: "s",
        labels: ["operation"],
        help: "GitHub API call duration", category: Github,
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], max_series: 100,
    },
    GithubRateLimitRemaining {
        name: "autobot_github_rate_limit_remaining", kind: Gauge, unit: "{request}",
        labels: ["resource_type"],
        help: "GitHub API rate limit remaining", category: Github, buckets: [], max_series: 20,
    },
    GithubCommitsTotal {
        name: "autobot_github_commits_total", kind: Counter, unit: "{commit}",
        labels: ["repository", "status": CommitStatus],
        help: "Total GitHub commits created", category: Github, buckets: [], max_series: 400,
    },
    GithubPullRequestsTotal {
        name: "autobot_github_pull_requests_total", kind: Counter, unit: "{pull_request}",
        labels: ["repository", "action", "status": Outcome],
        help: "Total GitHub pull request operations", category: Github, buckets: [], max_series: 1000,
    },
    GithubIssuesTotal {
        name: "autobot_github_issues_total", kind: Counter, unit: "{issue}",
        labels: ["repository", "action", "status": Outcome],
        help: "Total GitHub issue operations", category: Github, buckets: [], max_series: 1000,
    },

    // ---- 3. Tasks ------------------------------------------------------------------
    TasksExecutedTotal {
        name: "autobot_tasks_executed_total", kind: Counter, unit: "{task}",
        labels: ["task_type", "agent_type", "status": Outcome],
        help: "Total tasks executed", category: Task, buckets: [], max_series: 1000,
    },
    TaskDurationSeconds {
        name: "autobot_task_duration_seconds", kind: Histogram, unit: "s",
        labels: ["task_type", "agent_type"],
        help: "Task execution duration", category: Task,
        buckets: [0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900], max_series: 300,
    },
    ActiveTasks {
        name: "autobot_active_tasks", kind: Gauge, unit: "{task}",
        labels: ["task_type", "agent_type"],
        help: "Currently active tasks", category: Task, buckets: [], max_series: 300,
    },
    TaskQueueSize {
        name: "autobot_task_queue_size", kind: Gauge, unit: "{task}",
        labels: ["priority": Priority],
        help: "Tasks waiting in the queue", category: Task, buckets: [], max_series: 10,
    },
    TaskRetriesTotal {
        name: "autobot_task_retries_total", kind: Counter, unit: "{retry}",
        labels: ["task_type", "reason"],
        help: "Total task retry attempts", category: Task, buckets: [], max_series: 500,
    },
    // Extensions: agent invocations and tool calls (`#[instrument_agent]`,
    // `#[instrument_tool]`, `autobot_otel::agent`). AutoBot's own analytics export
    // has only computed gauges (`autobot_agent_tasks_total{agent_id}`, success and
    // error rates, average duration): no invocation counter or histogram, so
    // these are named in the guide's style. Ids are never labels.
    AgentInvocationsTotal {
        name: "autobot_agent_invocations_total", kind: Counter, unit: "{invocation}",
        labels: ["agent_name", "status": Outcome],
        help: "Agent invocations by agent and outcome", category: Task, buckets: [],
        max_series: 300, source: Extension,
    },
    AgentInvocationDurationSeconds {
        name: "autobot_agent_invocation_duration_seconds", kind: Histogram, unit: "s",
        labels: ["agent_name"],
        help: "Agent invocation duration (the invoke_agent span's duration)", category: Task,
        buckets: (genai::INVOKE_AGENT_BUCKETS), max_series: 100, source: Extension,
    },
    ToolCallsTotal {
        name: "autobot_tool_calls_total", kind: Counter, unit: "{call}",
        labels: ["tool_name", "status": Outcome],
        help: "Tool calls by tool and outcome", category: Task, buckets: [],
        max_series: 600, source: Extension,
    },
    ToolCallDurationSeconds {
        name: "autobot_tool_call_duration_seconds", kind: Histogram, unit: "s",
        labels: ["tool_name"],
        help: "Tool call duration (the execute_tool span's duration)", category: Task,
        buckets: (genai::DURATION_BUCKETS), max_series: 200, source: Extension,
    },
    // What happened inside one invocation: the LLM and tool calls made while it
    // ran, recorded once when it ends (failed and cancelled ones too). The
    // pinned GenAI conventions define no per-invocation call count.
    AgentLlmCallsPerInvocation {
        name: "autobot_agent_llm_calls_per_invocation", kind: Histogram, unit: "{call}",
        labels: ["agent_name"],
        help: "LLM calls made by one agent invocation", category: Task,
        buckets: (genai::CALLS_PER_INVOCATION_BUCKETS), max_series: 100, source: Extension,
    },
    AgentToolCallsPerInvocation {
        name: "autobot_agent_tool_calls_per_invocation", kind: Histogram, unit: "{call}",
        labels: ["agent_name"],
        help: "Tool calls made by one agent invocation", category: Task,
        buckets: (genai::CALLS_PER_INVOCATION_BUCKETS), max_series: 100, source: Extension,
    },

    // ---- 4. Redis & performance ----------------------------------------------------
    TimeoutTotal {
        name: "autobot_timeout_total", kind: Counter, unit: "{operation}",
        labels: ["operation_type", "database", "status": TimeoutStatus],
        help: "Total operations checked for timeout, by outcome (status=timeout|success)",
        category: Performance, buckets: [], max_series: 400,
    },
    OperationDurationSeconds {
        name: "autobot_operation_duration_seconds", kind: Histogram, unit: "s",
        labels: ["operation_type", "database"],
        help: "Operation duration", category: Performance,
        buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60], max_series: 200,
    },
    TimeoutRate {
        name: "autobot_timeout_rate", kind: Gauge, unit: "{percent}",
        labels: ["operation_type", "database", "time_window": TimeWindow],
        help: "Percentage (0-100) of operations timing out over the rolling time_window",
        category: Performance, buckets: [], max_series: 600,
    },
    RedisPoolConnections {
        name: "autobot_redis_pool_connections", kind: Gauge, unit: "{connection}",
        labels: ["database", "state": PoolState],
        help: "Redis connection pool connections by state (active, idle, total)",
        category: Performance, buckets: [], max_series: 60,
    },
    RedisPoolSaturationRatio {
        name: "autobot_redis_pool_saturation_ratio", kind: Gauge, unit: "1",
        labels: ["database"],
        help: "Redis connection pool saturation (active / max connections, 0-1)",
        category: Performance, buckets: [], max_series: 20,
    },
    CircuitBreakerEventsTotal {
        name: "autobot_circuit_breaker_events_total", kind: Counter, unit: "{event}",
        labels: ["database", "event": CircuitEvent, "reason"],
        help: "Circuit breaker events", category: Performance, buckets: [], max_series: 200,
    },
    CircuitBreakerState {
        name: "autobot_circuit_breaker_state", kind: Gauge, unit: "{state}",
        labels: ["database"],
        help: "Circuit breaker state (0=closed, 1=open, 2=half_open)",
        category: Performance, buckets: [], max_series: 20,
    },
    CircuitBreakerFailureCount {
        name: "autobot_circuit_breaker_failure_count", kind: Gauge, unit: "{failure}",
        labels: ["database"],
        help: "Consecutive failures counted by the circuit breaker (it opens at its threshold)",
        category: Performance, buckets: [], max_series: 20,
    },
    RedisRequestsTotal {
        name: "autobot_redis_requests_total", kind: Counter, unit: "{request}",
        labels: ["database", "operation", "status": RequestStatus],
        help: "Total Redis requests", category: Performance, buckets: [], max_series: 600,
    },
    RedisSuccessRate {
        name: "autobot_redis_success_rate", kind: Gauge, unit: "{percent}",
        labels: ["database", "time_window": TimeWindow],
        help: "Percentage (0-100) of Redis requests that succeeded over the rolling time_window",
        category: Performance, buckets: [], max_series: 60,
    },

    // ---- 5. Knowledge base ---------------------------------------------------------
    KnowledgeDocumentsTotal {
        name: "autobot_knowledge_documents_total", kind: Gauge, unit: "{document}",
        labels: ["collection", "document_type"],
        help: "Documents in the knowledge base", category: Knowledge, buckets: [], max_series: 300,
    },
    KnowledgeVectorsTotal {
        name: "autobot_knowledge_vectors_total", kind: Gauge, unit: "{vector}",
        labels: ["collection"],
        help: "Vector embeddings in the knowledge base", category: Knowledge, buckets: [], max_series: 100,
    },
    KnowledgeSearchRequestsTotal {
        name: "autobot_knowledge_search_requests_total", kind: Counter, unit: "{request}",
        labels: ["search_type": SearchType, "collection"],
        help: "Total search requests", category: Knowledge, buckets: [], max_series: 300,
    },
    KnowledgeSearchLatencySeconds {
        name: "autobot_knowledge_search_latency_seconds", kind: Histogram, unit: "s",
        labels: ["search_type": SearchType, "collection"],
        help: "Search latency", category: Knowledge,
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], max_series: 300,
    },
    KnowledgeSearchResultsCount {
        name: "autobot_knowledge_search_results_count", kind: Histogram, unit: "{result}",
        labels: ["search_type": SearchType],
        help: "Number of results returned per search", category: Knowledge,
        buckets: [0, 1, 5, 10, 25, 50, 100, 250, 500], max_series: 10,
    },
    KnowledgeCacheHitsTotal {
        name: "autobot_knowledge_cache_hits_total", kind: Counter, unit: "{hit}",
        labels: ["cache_type"],
        help: "Knowledge cache hits", category: Knowledge, buckets: [], max_series: 50,
    },
    KnowledgeCacheMissesTotal {
        name: "autobot_knowledge_cache_misses_total", kind: Counter, unit: "{miss}",
        labels: ["cache_type"],
        help: "Knowledge cache misses", category: Knowledge, buckets: [], max_series: 50,
    },
    KnowledgeEmbeddingLatencySeconds {
        name: "autobot_knowledge_embedding_latency_seconds", kind: Histogram, unit: "s",
        labels: ["model"],
        help: "Embedding generation time", category: Knowledge,
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], max_series: 50,
    },

    // ---- 6. LLM providers ----------------------------------------------------------
    LlmRequestsTotal {
        name: "autobot_llm_requests_total", kind: Counter, unit: "{request}",
        labels: ["provider", "model", "request_type"],
        help: "Total LLM requests", category: Llm, buckets: [], max_series: 500,
    },
    LlmTokensTotal {
        name: "autobot_llm_tokens_total", kind: Counter, unit: "{token}",
        labels: ["provider", "model", "token_type": TokenType],
        help: "LLM token usage", category: Llm, buckets: [], max_series: 300,
    },
    LlmCostDollarsTotal {
        name: "autobot_llm_cost_dollars_total", kind: FloatCounter, unit: "{USD}",
        labels: ["provider", "model", "cost_type": CostType],
        help: "Estimated LLM cost in US dollars", category: Llm, buckets: [], max_series: 300,
    },
    LlmRequestLatencySeconds {
        name: "autobot_llm_request_latency_seconds", kind: Histogram, unit: "s",
        labels: ["provider", "model"],
        help: "LLM request latency", category: Llm,
        buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300], max_series: 100,
    },
    LlmErrorsTotal {
        name: "autobot_llm_errors_total", kind: Counter, unit: "{error}",
        labels: ["provider", "error_type"],
        help: "LLM errors", category: Llm, buckets: [], max_series: 200,
    },
    LlmRateLimitRemaining {
        name: "autobot_llm_rate_limit_remaining", kind: Gauge, unit: "{request}",
        labels: ["provider"],
        help: "LLM rate limit remaining", category: Llm, buckets: [], max_series: 20,
    },
    LlmProviderAvailability {
        name: "autobot_llm_provider_availability", kind: Gauge, unit: "{status}",
        labels: ["provider"],
        help: "LLM provider status (1=available, 0=unavailable)", category: Llm, buckets: [], max_series: 20,
    },
    // Extensions: named as AutoBot's own implementation names them.
    LlmTimeToFirstTokenSeconds {
        name: "autobot_llm_time_to_first_token_seconds", kind: Histogram, unit: "s",
        labels: ["provider", "model"],
        help: "Time from the start of a streaming LLM call to its first chunk", category: Llm,
        buckets: [0.05, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10, 30, 60], max_series: 100,
        source: Extension, streaming_only: true,
    },
    LlmRequestsInFlight {
        name: "autobot_llm_requests_in_flight", kind: Gauge, unit: "{request}",
        labels: ["provider", "model"],
        help: "LLM calls in flight (a streaming call until its stream ends)", category: Llm,
        buckets: [], max_series: 100, source: Extension,
    },

    // ---- 7. WebSocket --------------------------------------------------------------
    WebsocketConnectionsActive {
        name: "autobot_websocket_connections_active", kind: Gauge, unit: "{connection}",
        labels: ["namespace"],
        help: "Active WebSocket connections", category: Websocket, buckets: [], max_series: 50,
    },
    WebsocketConnectionsTotal {
        name: "autobot_websocket_connections_total", kind: Counter, unit: "{connection}",
        labels: ["namespace", "status": ConnectionStatus],
        help: "Total WebSocket connection events", category: Websocket, buckets: [], max_series: 200,
    },
    WebsocketMessagesSentTotal {
        name: "autobot_websocket_messages_sent_total", kind: Counter, unit: "{message}",
        labels: ["namespace", "event_type"],
        help: "WebSocket messages sent", category: Websocket, buckets: [], max_series: 500,
    },
    WebsocketMessagesReceivedTotal {
        name: "autobot_websocket_messages_received_total", kind: Counter, unit: "{message}",
        labels: ["namespace", "event_type"],
        help: "WebSocket messages received", category: Websocket, buckets: [], max_series: 500,
    },
    WebsocketMessageLatencySeconds {
        name: "autobot_websocket_message_latency_seconds", kind: Histogram, unit: "s",
        labels: ["namespace"],
        help: "WebSocket message latency", category: Websocket,
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], max_series: 50,
    },
    WebsocketErrorsTotal {
        name: "autobot_websocket_errors_total", kind: Counter, unit: "{error}",
        labels: ["namespace", "error_type"],
        help: "WebSocket connection errors", category: Websocket, buckets: [], max_series: 200,
    },
    WebsocketRoomsActive {
        name: "autobot_websocket_rooms_active", kind: Gauge, unit: "{room}",
        labels: ["namespace"],
        help: "Active WebSocket rooms", category: Websocket, buckets: [], max_series: 50,
    },

    // ---- 8. Redis ------------------------------------------------------------------
    RedisOperationsTotal {
        name: "autobot_redis_operations_total", kind: Counter, unit: "{operation}",
        labels: ["database", "operation", "status": RedisStatus],
        help: "Total Redis operations", category: Redis, buckets: [], max_series: 600,
    },
    RedisOperationLatencySeconds {
        name: "autobot_redis_operation_latency_seconds", kind: Histogram, unit: "s",
        labels: ["database", "operation"],
        help: "Redis operation latency", category: Redis,
        buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
        max_series: 200,
    },
    RedisConnectionsActive {
        name: "autobot_redis_connections_active", kind: Gauge, unit: "{connection}",
        labels: ["database"],
        help: "Active Redis connections", category: Redis, buckets: [], max_series: 20,
    },
    RedisPoolSize {
        name: "autobot_redis_pool_size", kind: Gauge, unit: "{connection}",
        labels: ["database"],
        help: "Redis connection pool size", category: Redis, buckets: [], max_series: 20,
    },
    RedisPoolAvailable {
        name: "autobot_redis_pool_available", kind: Gauge, unit: "{connection}",
        labels: ["database"],
        help: "Available Redis pool connections", category: Redis, buckets: [], max_series: 20,
    },
    RedisMemoryUsedBytes {
        name: "autobot_redis_memory_used_bytes", kind: Gauge, unit: "By",
        labels: ["database"],
        help: "Redis memory usage", category: Redis, buckets: [], max_series: 20,
    },
    RedisKeysTotal {
        name: "autobot_redis_keys_total", kind: Gauge, unit: "{key}",
        labels: ["database"],
        help: "Keys in the Redis database", category: Redis, buckets: [], max_series: 20,
    },
    RedisPubsubMessagesTotal {
        name: "autobot_redis_pubsub_messages_total", kind: Counter, unit: "{message}",
        labels: ["database", "direction": PubSubDirection],
        help: "Redis pub/sub messages", category: Redis, buckets: [], max_series: 40,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_index_their_own_entries() {
        for (i, def) in CATALOG.iter().enumerate() {
            assert_eq!(def.id as usize, i, "{}", def.name);
            assert_eq!(def.id.def().name, def.name);
        }
    }

    #[test]
    fn names_are_unique_and_valid() {
        let mut names: Vec<_> = CATALOG.iter().map(|d| d.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CATALOG.len());
        assert_eq!(guide().count(), GUIDE_METRICS);
        for def in CATALOG {
            assert!(def.name.starts_with("autobot_"));
            assert!(
                def.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            );
            for label in def.labels {
                assert!(label.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
                assert!(!label.starts_with("__"));
                assert_ne!(*label, "le");
            }
        }
    }

    #[test]
    fn otel_names_translate_back_to_the_documented_names() {
        for def in CATALOG {
            assert_eq!(def.translated_name(), def.name, "{}", def.name);
            if let Some(suffix) = naming::unit_suffix(def.unit) {
                assert!(!def.otel_name().ends_with(&*suffix), "{}", def.name);
            }
        }
    }

    #[test]
    fn histograms_have_sorted_buckets_and_others_none() {
        for def in CATALOG {
            if def.kind == Kind::Histogram {
                assert!(def.buckets.len() >= 5, "{}", def.name);
                assert!(def.buckets.windows(2).all(|w| w[0] < w[1]), "{}", def.name);
            } else {
                assert!(def.buckets.is_empty(), "{}", def.name);
            }
            assert!(def.max_series > 0);
        }
    }

    #[test]
    fn every_label_has_one_vocabulary_entry() {
        for def in CATALOG {
            assert_eq!(def.vocabularies.len(), def.labels.len(), "{}", def.name);
            for (label, vocabulary) in def.labels.iter().zip(def.vocabularies) {
                if let Some(values) = vocabulary {
                    assert!(!values.is_empty(), "{} {label}", def.name);
                    assert!(values.iter().all(|v| !v.is_empty()), "{} {label}", def.name);
                }
            }
        }
        // The rolling rates' windows are their own vocabulary.
        for id in [MetricId::TimeoutRate, MetricId::RedisSuccessRate] {
            assert_eq!(
                id.def().vocabulary("time_window"),
                Some(labels::TimeWindow::VALUES)
            );
        }
    }

    #[test]
    fn every_category_is_populated() {
        let counts: Vec<usize> = Category::ALL
            .iter()
            .map(|c| in_category(*c).count())
            .collect();
        assert_eq!(counts, [5, 6, 11, 10, 8, 9, 7, 8]);
        let guide: Vec<usize> = Category::ALL
            .iter()
            .map(|c| {
                in_category(*c)
                    .filter(|d| d.source == Source::Guide)
                    .count()
            })
            .collect();
        assert_eq!(guide, [5, 6, 5, 10, 8, 7, 7, 8]);
    }

    #[test]
    fn extensions_follow_the_guide_metrics_of_their_category() {
        for cat in Category::ALL {
            let sources: Vec<Source> = in_category(cat).map(|d| d.source).collect();
            let first_extension = sources.iter().position(|s| *s == Source::Extension);
            if let Some(i) = first_extension {
                assert!(
                    sources[i..].iter().all(|s| *s == Source::Extension),
                    "{cat:?}"
                );
            }
        }
    }
}
