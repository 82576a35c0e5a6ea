//! Category 5, knowledge base: documents, vectors, searches, cache, embeddings.

use crate::catalog::MetricId;
use crate::labels::SearchType;
use crate::manager::{IntoSeconds, MetricsManager};

impl MetricsManager {
    /// Records one search.
    ///
    /// Series: `autobot_knowledge_search_requests_total{search_type, collection}` += 1,
    /// `autobot_knowledge_search_latency_seconds{search_type, collection}` observes
    /// `latency_seconds`, `autobot_knowledge_search_results_count{search_type}`
    /// observes `results_count`.
    ///
    /// ```
    /// use autobot_otel::labels::SearchType;
    /// autobot_otel::get_metrics_manager().record_search(SearchType::Semantic, "docs", 0.042, 12);
    /// ```
    pub fn record_search(
        &self,
        search_type: SearchType,
        collection: &str,
        latency_seconds: impl IntoSeconds,
        results_count: usize,
    ) {
        let st = search_type.as_str();
        self.count_and_observe(
            MetricId::KnowledgeSearchRequestsTotal,
            None,
            1,
            MetricId::KnowledgeSearchLatencySeconds,
            latency_seconds.into_seconds(),
            &[st, collection],
        );
        self.observe(
            MetricId::KnowledgeSearchResultsCount,
            results_count as f64,
            [st],
        );
    }

    /// Records a cache hit.
    ///
    /// Series: `autobot_knowledge_cache_hits_total{cache_type}` += 1.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().record_cache_hit("embedding");
    /// ```
    pub fn record_cache_hit(&self, cache_type: &str) {
        self.count(MetricId::KnowledgeCacheHitsTotal, 1, [cache_type]);
    }

    /// Records a cache miss.
    ///
    /// Series: `autobot_knowledge_cache_misses_total{cache_type}` += 1.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().record_cache_miss("embedding");
    /// ```
    pub fn record_cache_miss(&self, cache_type: &str) {
        self.count(MetricId::KnowledgeCacheMissesTotal, 1, [cache_type]);
    }

    /// Sets the number of documents of a type in a collection (argument order as
    /// in the guide).
    ///
    /// Series: `autobot_knowledge_documents_total{collection, document_type}` = `count`.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().set_document_count(1500, "docs", "markdown");
    /// ```
    pub fn set_document_count(&self, count: u64, collection: &str, document_type: &str) {
        self.set(
            MetricId::KnowledgeDocumentsTotal,
            count as f64,
            [collection, document_type],
        );
    }

    /// Sets the number of vector embeddings in a collection.
    ///
    /// Series: `autobot_knowledge_vectors_total{collection}` = `count`.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().set_vector_count("docs", 48_000);
    /// ```
    pub fn set_vector_count(&self, collection: &str, count: u64) {
        self.set(MetricId::KnowledgeVectorsTotal, count as f64, [collection]);
    }

    /// Records how long generating an embedding took.
    ///
    /// Series: `autobot_knowledge_embedding_latency_seconds{model}` observes `latency`.
    ///
    /// ```
    /// autobot_otel::get_metrics_manager().record_embedding_latency("all-minilm-l6-v2", 0.012);
    /// ```
    pub fn record_embedding_latency(&self, model: &str, latency: impl IntoSeconds) {
        self.observe(
            MetricId::KnowledgeEmbeddingLatencySeconds,
            latency.into_seconds(),
            [model],
        );
    }
}
