//! Category 4, Redis & performance: operation durations, timeouts and the rolling
//! timeout rate, the connection pool, the circuit breaker, Redis requests and the
//! rolling success rate.
//!
//! The two rates are percentages (0-100) over the rolling windows `1m`, `5m` and
//! `15m` (label `time_window`), computed when collected; see [`crate::rolling`].
//!
//! ```
//! use autobot_otel::Telemetry;
//! let t = Telemetry::builder().without_otlp().build().unwrap();
//! let m = t.metrics();
//! m.record_timeout("redis_get", "main", true);
//! m.record_timeout("redis_get", "main", false);
//! m.record_timeout("redis_get", "main", false);
//! m.record_timeout("redis_get", "main", false);
//! let text = t.render(autobot_otel::Exposition::Text);
//! assert!(text.contains(r#"autobot_timeout_rate{database="main",operation_type="redis_get",time_window="5m"} 25"#));
//! ```

use crate::catalog::MetricId;
use crate::labels::{CircuitEvent, CircuitState, PoolState, RequestStatus, TimeoutStatus};
use crate::manager::{IntoSeconds, MetricsManager};

impl MetricsManager {
    /// Records how long an operation took.
    ///
    /// Series: `autobot_operation_duration_seconds{operation_type, database}` observes `duration`.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().record_operation_duration("redis_get", "main", 0.0021);
    /// ```
    pub fn record_operation_duration(
        &self,
        operation_type: &str,
        database: &str,
        duration: impl IntoSeconds,
    ) {
        self.observe(
            MetricId::OperationDurationSeconds,
            duration.into_seconds(),
            [operation_type, database],
        );
    }

    /// Records whether one operation timed out. Call it for every operation (not
    /// only for timeouts): the rate needs both.
    ///
    /// Series: `autobot_timeout_total{operation_type, database, status}` += 1 with
    /// `status` `timeout` or `success`, and the operation counts towards
    /// `autobot_timeout_rate{operation_type, database, time_window}`.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().record_timeout("redis_get", "main", false);
    /// ```
    pub fn record_timeout(&self, operation_type: &str, database: &str, timed_out: bool) {
        let status = if timed_out {
            TimeoutStatus::Timeout
        } else {
            TimeoutStatus::Success
        };
        self.count(
            MetricId::TimeoutTotal,
            1,
            [operation_type, database, status.as_str()],
        );
        // Past the series limit the rate drops the event (the counter above
        // still counts it, in its overflow series).
        self.record_rate(
            MetricId::TimeoutRate,
            &[operation_type, database],
            timed_out,
        );
    }

    /// Records one Redis request: `status` is a [`RequestStatus`], or a `bool`
    /// (`true` success, `false` failure). Anything but a success counts against
    /// the success rate (a timeout too).
    ///
    /// Series: `autobot_redis_requests_total{database, operation, status}` += 1, and
    /// the request counts towards `autobot_redis_success_rate{database, time_window}`.
    ///
    /// ```
    /// use autobot_otel::labels::RequestStatus;
    /// let m = autobot_otel::get_metrics_manager();
    /// m.record_request("main", "get", true);
    /// m.record_request("main", "get", RequestStatus::Timeout);
    /// ```
    #[doc(alias = "record_request_status")]
    pub fn record_request(
        &self,
        database: &str,
        operation: &str,
        status: impl Into<RequestStatus>,
    ) {
        let status = status.into();
        self.count(
            MetricId::RedisRequestsTotal,
            1,
            [database, operation, status.as_str()],
        );
        let success = status == RequestStatus::Success;
        self.record_rate(MetricId::RedisSuccessRate, &[database], success);
    }

    /// Sets the connection pool state of a database: the pool families of the
    /// guide's category 4 (its `update_connection_pool`). The category-8 pool
    /// families (`autobot_redis_connections_active`, `autobot_redis_pool_available`,
    /// `autobot_redis_pool_size`) are the guide's
    /// [`set_redis_pool_stats`](MetricsManager::set_redis_pool_stats), which takes
    /// the configured pool size of its own.
    ///
    /// Series: `autobot_redis_pool_connections{database, state}` = `active`, `idle`
    /// and `active + idle` for `state` `active`, `idle` and `total`;
    /// `autobot_redis_pool_saturation_ratio{database}` = `active / max_connections`
    /// (not set when `max_connections` is 0: that measurement is dropped and
    /// counted).
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().update_connection_pool("main", 10, 5, 20);
    /// ```
    pub fn update_connection_pool(
        &self,
        database: &str,
        active: u64,
        idle: u64,
        max_connections: u64,
    ) {
        let pool = MetricId::RedisPoolConnections;
        self.set(pool, active as f64, [database, PoolState::Active.as_str()]);
        self.set(pool, idle as f64, [database, PoolState::Idle.as_str()]);
        self.set(
            pool,
            active.saturating_add(idle) as f64,
            [database, PoolState::Total.as_str()],
        );
        if max_connections == 0 {
            self.drop_measurement();
        } else {
            let ratio = active as f64 / max_connections as f64;
            self.set(MetricId::RedisPoolSaturationRatio, ratio, [database]);
        }
    }

    /// Records a circuit breaker transition.
    ///
    /// Series: `autobot_circuit_breaker_events_total{database, event, reason}` += 1.
    ///
    /// ```
    /// use autobot_otel::labels::CircuitEvent;
    /// autobot_otel::get_metrics_manager()
    ///     .record_circuit_breaker_event("main", CircuitEvent::Opened, "too_many_failures");
    /// ```
    pub fn record_circuit_breaker_event(&self, database: &str, event: CircuitEvent, reason: &str) {
        self.count(
            MetricId::CircuitBreakerEventsTotal,
            1,
            [database, event.as_str(), reason],
        );
    }

    /// Sets the circuit breaker state and its consecutive failure count.
    ///
    /// Series: `autobot_circuit_breaker_state{database}` = `state.code()`
    /// (0 closed, 1 open, 2 half open) and
    /// `autobot_circuit_breaker_failure_count{database}` = `failure_count`.
    ///
    /// ```
    /// use autobot_otel::labels::CircuitState;
    /// autobot_otel::get_metrics_manager().update_circuit_breaker_state("main", CircuitState::Open, 5);
    /// ```
    pub fn update_circuit_breaker_state(
        &self,
        database: &str,
        state: CircuitState,
        failure_count: u64,
    ) {
        self.set(
            MetricId::CircuitBreakerState,
            f64::from(state.code()),
            [database],
        );
        self.set(
            MetricId::CircuitBreakerFailureCount,
            failure_count as f64,
            [database],
        );
    }
}
