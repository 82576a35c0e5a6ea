//! Streaming LLM calls in every shape, outcome rules, and attributes on `impl`
//! blocks compile without warnings (the expansion's lints included).
#![deny(warnings)]

use autobot_otel::instrument::ErrorType;
use autobot_otel::{instrument_github, instrument_llm, instrument_workflow, no_instrument};
use futures_core::Stream;

#[derive(Debug)]
pub struct ApiError(u16);

impl ErrorType for ApiError {
    fn error_type(&self) -> &'static str {
        "api"
    }
}

pub struct Response {
    pub status: u16,
}

fn chunks() -> impl Stream<Item = Result<String, ApiError>> {
    futures_util::stream::iter([Ok("a".to_string())])
}

#[instrument_llm(provider = "openai", model = "gpt-4o")]
fn sync_stream() -> impl Stream<Item = Result<String, ApiError>> {
    chunks()
}

#[instrument_llm(provider = "openai", model = model, server_address = host, server_port = 443)]
async fn async_stream(model: &str, host: &str) -> impl Stream<Item = Result<String, ApiError>> + Send {
    let _ = (model, host);
    chunks()
}

#[instrument_llm(provider = "openai", model = "gpt-4o", span = false)]
async fn stream_in_result(fail: bool) -> Result<impl Stream<Item = Result<String, ApiError>>, ApiError> {
    if fail {
        return Err(ApiError(503));
    }
    Ok(chunks())
}

#[instrument_llm(provider = "openai", model = "gpt-4o")]
fn future_of_stream() -> impl std::future::Future<Output = impl Stream<Item = Result<Vec<u8>, std::io::Error>>> {
    async move { futures_util::stream::iter([Ok::<_, std::io::Error>(vec![1u8])]) }
}

#[instrument_github(operation = "get_issue", success_on_err = |e: &ApiError| e.0 == 404)]
async fn lookup() -> Result<u64, ApiError> {
    Err(ApiError(404))
}

#[instrument_github(failure_on_ok = |r: &Response| (r.status >= 500).then_some("http_5xx"))]
fn call_api() -> Response {
    Response { status: 500 }
}

#[instrument_github(
    success_on_err = |e| e.0 == 404,
    failure_on_ok = |r| (r.status >= 500).then(|| format!("http_{}", r.status)),
)]
fn both() -> Result<Response, ApiError> {
    Ok(Response { status: 503 })
}

pub struct Client {
    pub model: String,
}

#[instrument_llm(provider = "openai", model = self.model)]
impl Client {
    #[no_instrument]
    pub fn new(model: &str) -> Client {
        Client { model: model.into() }
    }

    pub async fn complete(&self) -> Result<u32, ApiError> {
        Ok(1)
    }

    pub fn stream(&self) -> impl Stream<Item = Result<String, ApiError>> {
        chunks()
    }

    #[instrument_workflow(workflow_type = "own_attribute_wins")]
    pub fn review(&self) {}
}

fn main() {
    let client = Client::new("gpt-4o");
    drop((sync_stream(), async_stream("m", "h"), stream_in_result(false), future_of_stream()));
    drop((lookup(), call_api(), both(), client.complete(), client.stream()));
    client.review();
}
