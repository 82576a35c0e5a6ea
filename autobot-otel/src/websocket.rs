//! Category 7, WebSocket: connections, messages and their latency, errors, rooms.

use crate::catalog::MetricId;
use crate::labels::{ConnectionStatus, MessageDirection};
use crate::manager::{MetricsManager, OptionalSeconds};

impl MetricsManager {
    /// Records a connection event. Does not move the active-connection gauge; set
    /// that with [`MetricsManager::set_websocket_active_connections`] or the
    /// inc/dec methods.
    ///
    /// Series: `autobot_websocket_connections_total{namespace, status}` += 1.
    ///
    /// ```
    /// use autobot_otel::labels::ConnectionStatus;
    /// autobot_otel::get_metrics_manager().record_websocket_connection("/chat", ConnectionStatus::Connected);
    /// ```
    pub fn record_websocket_connection(&self, namespace: &str, status: ConnectionStatus) {
        self.count(
            MetricId::WebsocketConnectionsTotal,
            1,
            [namespace, status.as_str()],
        );
    }

    /// Sets the number of open connections of a namespace.
    ///
    /// Series: `autobot_websocket_connections_active{namespace}` = `count`.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().set_websocket_active_connections("/chat", 45);
    /// ```
    pub fn set_websocket_active_connections(&self, namespace: &str, count: u64) {
        self.set(
            MetricId::WebsocketConnectionsActive,
            count as f64,
            [namespace],
        );
    }

    /// One more open connection.
    ///
    /// Series: `autobot_websocket_connections_active{namespace}` += 1.
    ///
    /// ```
    /// let m = autobot_otel::get_metrics_manager();
    /// m.inc_websocket_connections("/chat");
    /// m.dec_websocket_connections("/chat");
    /// ```
    pub fn inc_websocket_connections(&self, namespace: &str) {
        self.adjust(MetricId::WebsocketConnectionsActive, 1.0, &[namespace]);
    }

    /// One fewer open connection (not clamped at 0).
    ///
    /// Series: `autobot_websocket_connections_active{namespace}` -= 1.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().dec_websocket_connections("/chat");
    /// ```
    pub fn dec_websocket_connections(&self, namespace: &str) {
        self.adjust(MetricId::WebsocketConnectionsActive, -1.0, &[namespace]);
    }

    /// Records one message, and its latency when known (`None::<f64>` when not).
    ///
    /// Series: `autobot_websocket_messages_sent_total{namespace, event_type}` or
    /// `autobot_websocket_messages_received_total{namespace, event_type}` (by
    /// `direction`) += 1, and, with a latency,
    /// `autobot_websocket_message_latency_seconds{namespace}` observes it.
    ///
    /// ```
    /// use autobot_otel::labels::MessageDirection;
    /// let m = autobot_otel::get_metrics_manager();
    /// m.record_websocket_message("/chat", "chat_message", MessageDirection::Sent, 0.005);
    /// m.record_websocket_message("/chat", "typing", MessageDirection::Received, None::<f64>);
    /// ```
    #[doc(alias = "count_websocket_message")]
    pub fn record_websocket_message(
        &self,
        namespace: &str,
        event_type: &str,
        direction: MessageDirection,
        latency_seconds: impl OptionalSeconds,
    ) {
        let id = match direction {
            MessageDirection::Sent => MetricId::WebsocketMessagesSentTotal,
            MessageDirection::Received => MetricId::WebsocketMessagesReceivedTotal,
        };
        self.count(id, 1, [namespace, event_type]);
        if let Some(latency) = latency_seconds.into_optional_seconds() {
            self.observe(
                MetricId::WebsocketMessageLatencySeconds,
                latency,
                [namespace],
            );
        }
    }

    /// Records a connection error (`error_type`: `disconnect`, `protocol`, ...).
    ///
    /// Series: `autobot_websocket_errors_total{namespace, error_type}` += 1.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().record_websocket_error("/chat", "disconnect");
    /// ```
    pub fn record_websocket_error(&self, namespace: &str, error_type: &str) {
        self.count(MetricId::WebsocketErrorsTotal, 1, [namespace, error_type]);
    }

    /// Sets the number of active rooms of a namespace.
    ///
    /// Series: `autobot_websocket_rooms_active{namespace}` = `count`.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().set_websocket_rooms("/chat", 12);
    /// ```
    pub fn set_websocket_rooms(&self, namespace: &str, count: u64) {
        self.set(MetricId::WebsocketRoomsActive, count as f64, [namespace]);
    }
}
