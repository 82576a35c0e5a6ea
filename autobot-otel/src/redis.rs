//! Category 8, Redis: operations and latency, the pool, memory, keys, pub/sub.
//! The pool families of category 4 (`autobot_redis_pool_connections`, the
//! saturation ratio) are [`MetricsManager::update_connection_pool`]'s.

use crate::catalog::MetricId;
use crate::labels::{PubSubDirection, RedisStatus};
use crate::manager::{IntoSeconds, MetricsManager};

impl MetricsManager {
    /// Records one Redis operation.
    ///
    /// Series: `autobot_redis_operations_total{database, operation, status}` += 1 and
    /// `autobot_redis_operation_latency_seconds{database, operation}` observes `latency`.
    ///
    /// ```
    /// use autobot_otel::labels::RedisStatus;
    /// autobot_otel::get_metrics_manager().record_redis_operation("main", "get", RedisStatus::Success, 0.0004);
    /// ```
    pub fn record_redis_operation(
        &self,
        database: &str,
        operation: &str,
        status: RedisStatus,
        latency: impl IntoSeconds,
    ) {
        self.count_and_observe(
            MetricId::RedisOperationsTotal,
            Some((status.index(), status.as_str())),
            1,
            MetricId::RedisOperationLatencySeconds,
            latency.into_seconds(),
            &[database, operation],
        );
    }

    /// Sets the pool statistics of a database (the guide's category 8), each
    /// from its own argument: `pool_size` is the pool's configured size, which
    /// need not equal `active + available`.
    ///
    /// Series: `autobot_redis_connections_active{database}` = `active`,
    /// `autobot_redis_pool_available{database}` = `available`,
    /// `autobot_redis_pool_size{database}` = `pool_size`.
    ///
    /// ```
    /// let t = autobot_otel::Telemetry::builder().without_otlp().build()?;
    /// t.metrics().set_redis_pool_stats("main", 10, 5, 20);
    /// let text = t.render(autobot_otel::Exposition::Text);
    /// assert!(text.contains(r#"autobot_redis_pool_size{database="main"} 20"#));
    /// assert!(text.contains(r#"autobot_redis_pool_available{database="main"} 5"#));
    /// # Ok::<(), autobot_otel::InitError>(())
    /// ```
    pub fn set_redis_pool_stats(
        &self,
        database: &str,
        active: u64,
        available: u64,
        pool_size: u64,
    ) {
        self.set(MetricId::RedisConnectionsActive, active as f64, [database]);
        self.set(MetricId::RedisPoolAvailable, available as f64, [database]);
        self.set(MetricId::RedisPoolSize, pool_size as f64, [database]);
    }

    /// Sets the memory a database uses.
    ///
    /// Series: `autobot_redis_memory_used_bytes{database}` = `bytes_used`.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().set_redis_memory("main", 104_857_600);
    /// ```
    pub fn set_redis_memory(&self, database: &str, bytes_used: u64) {
        self.set(
            MetricId::RedisMemoryUsedBytes,
            bytes_used as f64,
            [database],
        );
    }

    /// Sets the number of keys in a database.
    ///
    /// Series: `autobot_redis_keys_total{database}` = `count`.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().set_redis_keys("main", 52_000);
    /// ```
    pub fn set_redis_keys(&self, database: &str, count: u64) {
        self.set(MetricId::RedisKeysTotal, count as f64, [database]);
    }

    /// Records one pub/sub message.
    ///
    /// Series: `autobot_redis_pubsub_messages_total{database, direction}` += 1.
    ///
    /// ```
    /// use autobot_otel::labels::PubSubDirection;
    /// autobot_otel::get_metrics_manager().record_redis_pubsub("main", PubSubDirection::Published);
    /// ```
    pub fn record_redis_pubsub(&self, database: &str, direction: PubSubDirection) {
        self.count(
            MetricId::RedisPubsubMessagesTotal,
            1,
            [database, direction.as_str()],
        );
    }
}
