//! Every public recording method of `MetricsManager`, called once with plain
//! label values: the shared fixture of the tests that need every catalog family
//! recorded (`recording.rs`, `naming.rs`).
#![allow(dead_code)]

use autobot_otel::MetricsManager;
use autobot_otel::labels::*;

/// Calls every public recording method once.
pub fn record_all(m: &MetricsManager) {
    m.record_workflow_execution("wf", Outcome::Success, 1.0);
    m.record_workflow_step("wf", "s", StepStatus::Completed);
    m.update_active_workflows("wf", 1);
    m.record_workflow_approval("wf", ApprovalDecision::Approved);
    m.record_github_operation("op", Outcome::Success, 1.0);
    m.update_github_rate_limit("core", 1);
    m.record_github_commit("r", CommitStatus::Created);
    m.record_github_pull_request("r", "create", Outcome::Success);
    m.record_github_issue("r", "create", Outcome::Success);
    m.record_task_execution("t", "a", Outcome::Success, 1.0);
    m.update_active_tasks("t", "a", 1);
    m.update_task_queue_size(Priority::High, 1);
    m.record_task_retry("t", "timeout");
    m.record_operation_duration("op", "db", 1.0);
    m.record_timeout("op", "db", true);
    m.update_connection_pool("db", 1, 1, 4);
    m.record_circuit_breaker_event("db", CircuitEvent::Opened, "r");
    m.update_circuit_breaker_state("db", CircuitState::Open, 1);
    m.record_request("db", "get", true);
    m.record_search(SearchType::Hybrid, "c", 1.0, 1);
    m.record_cache_hit("c");
    m.record_cache_miss("c");
    m.set_document_count(1, "c", "md");
    m.set_vector_count("c", 1);
    m.record_embedding_latency("m", 1.0);
    m.record_llm_request("p", "m", "chat", 1.0);
    m.record_llm_tokens("p", "m", 1, 1);
    m.record_llm_cost("p", "m", 1.0);
    m.record_llm_error("p", "e");
    m.set_llm_rate_limit("p", 1);
    m.set_llm_provider_availability("p", true);
    m.record_llm_time_to_first_token("p", "m", 0.5);
    m.inc_llm_requests_in_flight("p", "m");
    m.set_websocket_active_connections("/n", 1);
    m.record_websocket_connection("/n", ConnectionStatus::Connected);
    m.record_websocket_message("/n", "e", MessageDirection::Sent, 1.0);
    m.record_websocket_message("/n", "e", MessageDirection::Received, 1.0);
    m.record_websocket_error("/n", "e");
    m.set_websocket_rooms("/n", 1);
    m.record_redis_operation("db", "get", RedisStatus::Success, 1.0);
    m.set_redis_pool_stats("db", 1, 1, 2);
    m.set_redis_memory("db", 1);
    m.set_redis_keys("db", 1);
    m.record_redis_pubsub("db", PubSubDirection::Received);
}
