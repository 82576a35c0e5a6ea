//! The label vocabularies: one enum for every label whose values form a small,
//! fixed set. This is the only place those values are written: the catalog table
//! names each metric label's vocabulary ([`crate::MetricDef::vocabulary`]), the
//! recording API of `autobot-otel` takes these enums (re-exported as
//! `autobot_otel_catalog::labels`), and the attributes' outcome values
//! ([`crate::instrument::StatusValues`]) are built from them.
//!
//! Open-ended label values (workflow type, repository, model, ...) have no
//! vocabulary. Each enum's `as_str()` is the exact label value written to the
//! series, and `VALUES` lists them all.
//!
//! ```
//! use autobot_otel_catalog::labels::{CircuitState, Outcome, Priority};
//! assert_eq!(Outcome::Failed.as_str(), "failed");
//! assert_eq!(Priority::High.as_str(), "high");
//! assert_eq!(CircuitState::HalfOpen.code(), 2);
//! ```

/// Defines a label enum with its exact label strings and `ALL` constant.
macro_rules! label_enum {
    (
        $(#[$meta:meta])*
        $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $value:literal ),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* #[doc = concat!("Label value `", $value, "`.")] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Every label value, in declaration order: the label's vocabulary.
            pub const VALUES: &'static [&'static str] = &[$($value),+];

            /// The exact label value written to the series.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $value),+ }
            }

            /// The value's position in [`Self::VALUES`] (and [`Self::ALL`]).
            pub const fn index(self) -> usize {
                self as usize
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = UnknownLabelValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($value => Ok($name::$variant),)+
                    _ => Err(UnknownLabelValue { label: stringify!($name), value: s.to_owned() }),
                }
            }
        }
    };
}

/// A string that is not one of a label enum's values (from `str::parse`).
///
/// ```
/// use autobot_otel_catalog::labels::Outcome;
/// let err = "meh".parse::<Outcome>().unwrap_err();
/// assert_eq!(err.to_string(), "`meh` is not a valid Outcome");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownLabelValue {
    /// The enum that was parsed.
    pub label: &'static str,
    /// The rejected input.
    pub value: String,
}

impl std::fmt::Display for UnknownLabelValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` is not a valid {}", self.value, self.label)
    }
}

impl std::error::Error for UnknownLabelValue {}

label_enum! {
    /// Outcome of a workflow, task, GitHub call or other timed operation (`status`).
    ///
    /// `Cancelled` marks work abandoned before it completed (a dropped future, a
    /// timeout around it); it is neither a success nor a failure.
    ///
    /// ```
    /// use autobot_otel_catalog::labels::Outcome;
    /// assert_eq!(Outcome::from_result::<(), ()>(&Err(())), Outcome::Failed);
    /// ```
    Outcome { Success => "success", Failed => "failed", Cancelled => "cancelled" }
}

impl Outcome {
    /// `Success` for `Ok`, `Failed` for `Err`.
    pub fn from_result<T, E>(result: &Result<T, E>) -> Outcome {
        if result.is_ok() {
            Outcome::Success
        } else {
            Outcome::Failed
        }
    }
}

label_enum! {
    /// The kind of tool a tool call runs (`gen_ai.tool.type` of the GenAI
    /// conventions): a function the agent runs itself, an extension (an external
    /// API), or a datastore.
    ///
    /// ```
    /// use autobot_otel_catalog::labels::ToolType;
    /// assert_eq!(ToolType::VALUES, ["function", "extension", "datastore"]);
    /// ```
    ToolType { Function => "function", Extension => "extension", Datastore => "datastore" }
}

label_enum! {
    /// Status of one workflow step (`status` of `autobot_workflow_steps_executed_total`).
    ///
    /// ```
    /// use autobot_otel_catalog::labels::StepStatus;
    /// assert_eq!(StepStatus::Completed.as_str(), "completed");
    /// ```
    StepStatus { Completed => "completed", Failed => "failed", Skipped => "skipped" }
}

label_enum! {
    /// Decision on a workflow approval request (`decision`).
    ///
    /// ```
    /// use autobot_otel_catalog::labels::ApprovalDecision;
    /// assert_eq!(ApprovalDecision::Approved.as_str(), "approved");
    /// ```
    ApprovalDecision { Approved => "approved", Rejected => "rejected", Expired => "expired" }
}

label_enum! {
    /// Status of a GitHub commit (`status` of `autobot_github_commits_total`).
    ///
    /// ```
    /// use autobot_otel_catalog::labels::CommitStatus;
    /// assert_eq!(CommitStatus::Created.as_str(), "created");
    /// ```
    CommitStatus { Created => "created", Failed => "failed" }
}

label_enum! {
    /// Task queue priority (`priority` of `autobot_task_queue_size`).
    ///
    /// ```
    /// use autobot_otel_catalog::labels::Priority;
    /// assert_eq!(Priority::ALL.len(), 4);
    /// ```
    Priority { Critical => "critical", High => "high", Normal => "normal", Low => "low" }
}

label_enum! {
    /// Outcome of an operation checked for timeout (`status` of `autobot_timeout_total`).
    ///
    /// ```
    /// use autobot_otel_catalog::labels::TimeoutStatus;
    /// assert_eq!(TimeoutStatus::Timeout.as_str(), "timeout");
    /// ```
    TimeoutStatus { Timeout => "timeout", Success => "success" }
}

label_enum! {
    /// Connection state in `autobot_redis_pool_connections{state}`.
    ///
    /// ```
    /// use autobot_otel_catalog::labels::PoolState;
    /// assert_eq!(PoolState::Idle.as_str(), "idle");
    /// ```
    PoolState { Active => "active", Idle => "idle", Total => "total" }
}

label_enum! {
    /// Circuit breaker transition (`event` of `autobot_circuit_breaker_events_total`).
    ///
    /// ```
    /// use autobot_otel_catalog::labels::CircuitEvent;
    /// assert_eq!(CircuitEvent::HalfOpen.as_str(), "half_open");
    /// ```
    CircuitEvent { Opened => "opened", Closed => "closed", HalfOpen => "half_open" }
}

label_enum! {
    /// Circuit breaker state; [`CircuitState::code`] is the value of
    /// `autobot_circuit_breaker_state` (0 = closed, 1 = open, 2 = half open).
    ///
    /// ```
    /// use autobot_otel_catalog::labels::CircuitState;
    /// assert_eq!(CircuitState::Open.code(), 1);
    /// ```
    CircuitState { Closed => "closed", Open => "open", HalfOpen => "half_open" }
}

impl CircuitState {
    /// The numeric encoding exported by `autobot_circuit_breaker_state`.
    pub const fn code(self) -> u8 {
        match self {
            CircuitState::Closed => 0,
            CircuitState::Open => 1,
            CircuitState::HalfOpen => 2,
        }
    }
}

label_enum! {
    /// Outcome of a Redis request (`status` of `autobot_redis_requests_total`).
    ///
    /// ```
    /// use autobot_otel_catalog::labels::RequestStatus;
    /// assert_eq!(RequestStatus::Failure.as_str(), "failure");
    /// ```
    RequestStatus { Success => "success", Failure => "failure", Timeout => "timeout" }
}

impl From<bool> for RequestStatus {
    /// `true`: `Success`, `false`: `Failure`.
    fn from(success: bool) -> Self {
        if success {
            RequestStatus::Success
        } else {
            RequestStatus::Failure
        }
    }
}

label_enum! {
    /// Outcome of a Redis operation (`status` of `autobot_redis_operations_total`).
    ///
    /// `Cancelled` marks an operation abandoned before it completed (a dropped
    /// future, e.g. under a timeout of the caller's); `#[instrument_redis]` writes
    /// it for a future dropped before it completed.
    ///
    /// ```
    /// use autobot_otel_catalog::labels::RedisStatus;
    /// assert_eq!(RedisStatus::Error.as_str(), "error");
    /// assert_eq!(RedisStatus::VALUES, ["success", "error", "timeout", "cancelled"]);
    /// ```
    RedisStatus { Success => "success", Error => "error", Timeout => "timeout", Cancelled => "cancelled" }
}

label_enum! {
    /// Kind of knowledge-base search (`search_type`).
    ///
    /// ```
    /// use autobot_otel_catalog::labels::SearchType;
    /// assert_eq!(SearchType::Semantic.as_str(), "semantic");
    /// ```
    SearchType { Semantic => "semantic", Keyword => "keyword", Hybrid => "hybrid" }
}

label_enum! {
    /// Token direction (`token_type` of `autobot_llm_tokens_total`).
    ///
    /// ```
    /// use autobot_otel_catalog::labels::TokenType;
    /// assert_eq!(TokenType::Output.as_str(), "output");
    /// ```
    TokenType { Input => "input", Output => "output" }
}

label_enum! {
    /// What an LLM cost is for (`cost_type` of `autobot_llm_cost_dollars_total`).
    ///
    /// Record each dollar once: either split by token kind (`Input`, `Output`,
    /// `CacheRead`, `CacheWrite`, `Reasoning`: what a price table computes, each
    /// token counted once at its own price) or unsplit as `Total` (a cost the
    /// caller or the provider gave); then `sum by (provider, model)` over
    /// `cost_type` is the bill.
    ///
    /// ```
    /// use autobot_otel_catalog::labels::CostType;
    /// assert_eq!(CostType::Total.as_str(), "total");
    /// assert_eq!(CostType::CacheRead.as_str(), "cache_read");
    /// ```
    CostType {
        Input => "input", Output => "output", Total => "total",
        CacheRead => "cache_read", CacheWrite => "cache_write", Reasoning => "reasoning"
    }
}

label_enum! {
    /// WebSocket connection event (`status` of `autobot_websocket_connections_total`).
    ///
    /// ```
    /// use autobot_otel_catalog::labels::ConnectionStatus;
    /// assert_eq!(ConnectionStatus::Connected.as_str(), "connected");
    /// ```
    ConnectionStatus { Connected => "connected", Disconnected => "disconnected", Rejected => "rejected" }
}

label_enum! {
    /// Direction of a WebSocket message: selects `..._messages_sent_total` or
    /// `..._messages_received_total`.
    ///
    /// ```
    /// use autobot_otel_catalog::labels::MessageDirection;
    /// assert_eq!(MessageDirection::Received.as_str(), "received");
    /// ```
    MessageDirection { Sent => "sent", Received => "received" }
}

label_enum! {
    /// A rolling window of `autobot_timeout_rate` and `autobot_redis_success_rate`
    /// (`time_window`).
    ///
    /// ```
    /// use autobot_otel_catalog::labels::TimeWindow;
    /// assert_eq!(TimeWindow::FiveMinutes.as_str(), "5m");
    /// assert_eq!(TimeWindow::FiveMinutes.seconds(), 300);
    /// ```
    TimeWindow { OneMinute => "1m", FiveMinutes => "5m", FifteenMinutes => "15m" }
}

impl TimeWindow {
    /// The window's length in seconds.
    pub const fn seconds(self) -> u64 {
        match self {
            TimeWindow::OneMinute => 60,
            TimeWindow::FiveMinutes => 300,
            TimeWindow::FifteenMinutes => 900,
        }
    }
}

label_enum! {
    /// Direction of a Redis pub/sub message (`direction`).
    ///
    /// ```
    /// use autobot_otel_catalog::labels::PubSubDirection;
    /// assert_eq!(PubSubDirection::Published.as_str(), "published");
    /// ```
    PubSubDirection { Published => "published", Received => "received" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_from_str() {
        for v in Outcome::ALL {
            assert_eq!(v.as_str().parse::<Outcome>().unwrap(), *v);
        }
        for v in CircuitState::ALL {
            assert_eq!(v.as_str().parse::<CircuitState>().unwrap(), *v);
        }
        assert!("Success".parse::<Outcome>().is_err());
    }

    #[test]
    fn values_and_all_agree() {
        assert_eq!(
            Outcome::ALL.iter().map(|o| o.as_str()).collect::<Vec<_>>(),
            Outcome::VALUES
        );
        assert_eq!(TimeWindow::VALUES, ["1m", "5m", "15m"]);
    }

    #[test]
    fn circuit_codes_are_distinct() {
        let codes: Vec<u8> = CircuitState::ALL.iter().map(|s| s.code()).collect();
        assert_eq!(codes, [0, 1, 2]);
    }
}
