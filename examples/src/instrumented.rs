//! Every instrumentation attribute on a small AutoBot flow: a code-review workflow
//! that reads the cache, searches the knowledge base, asks an LLM, runs a task
//! and opens a pull request. Run it with
//! `cargo run -p autobot-otel-examples --bin instrumented`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! use autobot_otel_examples::instrumented::{review_pull_request, LlmClient};
//! let llm = LlmClient { model: "gpt-4o".into() };
//! let pr = review_pull_request(&llm, "autobot/backend", 7).await.unwrap();
//! assert_eq!(pr, 1007);
//! let scrape = autobot_otel::global().render(autobot_otel::Exposition::Text);
//! assert!(scrape.contains(r#"autobot_workflow_executions_total{status="success",workflow_type="code_review"}"#));
//! # }
//! ```

use std::fmt;
use std::time::Duration;

use autobot_otel::instrument::{ErrorType, LlmUsage};
use autobot_otel::{
    instrument_github, instrument_knowledge, instrument_llm, instrument_redis, instrument_task,
    instrument_workflow,
};

/// Why an LLM call failed; [`ErrorType`] names it for `autobot_llm_errors_total`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LlmError {
    /// HTTP 429 from the provider.
    RateLimited,
    /// The provider did not answer in time.
    Timeout,
}

impl ErrorType for LlmError {
    fn error_type(&self) -> &'static str {
        match self {
            LlmError::RateLimited => "rate_limit",
            LlmError::Timeout => "timeout",
        }
    }
}

impl fmt::Display for LlmError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.error_type())
    }
}

impl std::error::Error for LlmError {}

/// An LLM completion with its token usage ([`LlmUsage`] lets the attribute
/// record tokens and cost).
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    /// The generated text.
    pub text: String,
    /// Prompt tokens.
    pub prompt_tokens: u64,
    /// Completion tokens.
    pub completion_tokens: u64,
}

impl LlmUsage for Completion {
    fn input_tokens(&self) -> u64 {
        self.prompt_tokens
    }
    fn output_tokens(&self) -> u64 {
        self.completion_tokens
    }
    fn cost_dollars(&self) -> Option<f64> {
        // $10 / 1M input tokens, $30 / 1M output tokens.
        Some(self.prompt_tokens as f64 * 10e-6 + self.completion_tokens as f64 * 30e-6)
    }
}

/// A (simulated) LLM client; its model becomes the `model` label.
#[derive(Debug, Clone)]
pub struct LlmClient {
    /// Model name, e.g. `gpt-4o`.
    pub model: String,
}

impl LlmClient {
    /// Asks the model. An empty prompt is rate limited (to show a failure).
    #[instrument_llm(provider = "openai", model = self.model, request_type = "chat")]
    pub async fn complete(&self, prompt: &str) -> Result<Completion, LlmError> {
        tokio::time::sleep(Duration::from_millis(2)).await;
        if prompt.is_empty() {
            return Err(LlmError::RateLimited);
        }
        Ok(Completion {
            text: format!("LGTM: {prompt}"),
            prompt_tokens: prompt.len() as u64 * 4,
            completion_tokens: 42,
        })
    }
}

/// Reads a cached review.
#[instrument_redis(database = "main", operation = "get")]
pub async fn cache_get(key: &str) -> Option<String> {
    tokio::task::yield_now().await;
    (key == "cached").then(|| "cached review".to_string())
}

/// Finds guidelines in the knowledge base.
#[instrument_knowledge(search_type = "semantic", collection = "docs")]
pub async fn search_guidelines(query: &str) -> Vec<String> {
    tokio::task::yield_now().await;
    vec![format!("guideline for {query}")]
}

/// Lints the change (a sync task).
#[instrument_task(task_type = "lint", agent_type = "linter")]
pub fn lint(diff: &str) -> Result<usize, std::io::Error> {
    Ok(diff.lines().count())
}

/// Runs the code-review task on an agent.
#[instrument_task(task_type = "code_analysis", agent_type = "code-reviewer")]
pub async fn analyze(llm: &LlmClient, diff: &str) -> Result<String, LlmError> {
    let guidelines = search_guidelines("rust").await;
    let lint_findings = lint(diff).unwrap_or(0);
    let prompt = format!(
        "{diff} ({} guidelines, {lint_findings} lint findings)",
        guidelines.len()
    );
    Ok(llm.complete(&prompt).await?.text)
}

/// Opens the pull request on GitHub.
#[instrument_github(operation = "create_pull_request")]
pub async fn open_pull_request(repository: &str, number: u64) -> Result<u64, std::io::Error> {
    tokio::task::yield_now().await;
    if repository.is_empty() {
        return Err(std::io::Error::other("no repository"));
    }
    Ok(1000 + number)
}

/// The whole workflow: every other attribute runs inside its span.
#[instrument_workflow(workflow_type = "code_review")]
pub async fn review_pull_request(
    llm: &LlmClient,
    repository: &str,
    number: u64,
) -> Result<u64, Box<dyn std::error::Error + Send + Sync>> {
    if cache_get(&format!("{repository}#{number}")).await.is_none() {
        analyze(llm, "fn main() {}\n").await?;
    }
    Ok(open_pull_request(repository, number).await?)
}
