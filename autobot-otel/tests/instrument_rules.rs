//! Outcome rules (`success_on_err`, `failure_on_ok`) and attributes on whole
//! `impl` blocks (every method instrumented, `#[no_instrument]` opting out, a
//! method's own attribute winning).

use autobot_otel::instrument::ErrorType;
use autobot_otel::testing::Scrape;
use autobot_otel::{Telemetry, instrument_github, instrument_llm, instrument_task, no_instrument};

#[derive(Debug)]
struct ApiError(u16);

impl ErrorType for ApiError {
    fn error_type(&self) -> &'static str {
        "api_error"
    }
}

#[derive(Debug)]
struct Response {
    status: u16,
}

#[instrument_github(operation = "get_issue", success_on_err = |e: &ApiError| e.0 == 404)]
fn get_issue(status: u16) -> Result<u64, ApiError> {
    if status == 200 {
        Ok(1)
    } else {
        Err(ApiError(status))
    }
}

#[instrument_github(
    operation = "http_call",
    failure_on_ok = |r: &Response| (r.status >= 500).then(|| format!("http_{}", r.status))
)]
async fn http_call(status: u16) -> Response {
    Response { status }
}

#[instrument_llm(
    provider = "openai",
    model = "gpt-4o",
    span = false,
    failure_on_ok = |r: &Response| (r.status >= 500).then_some("server_error"),
    success_on_err = |e| e.0 == 404
)]
fn llm_call(result: Result<u16, u16>) -> Result<Response, ApiError> {
    result.map(|status| Response { status }).map_err(ApiError)
}

fn scrape(t: &Telemetry) -> Scrape {
    Scrape::parse(&t.render(autobot_otel::Exposition::Text)).unwrap()
}

fn github(s: &Scrape, op: &str, status: &str) -> Option<f64> {
    s.value(
        "autobot_github_operations_total",
        &[("operation", op), ("status", status)],
    )
}

#[tokio::test]
async fn outcome_rules_turn_errs_into_successes_and_oks_into_failures() {
    let t = Telemetry::builder().without_otlp().build().unwrap();
    t.scope(async {
        assert!(get_issue(404).is_err(), "the value is returned unchanged");
        assert!(get_issue(500).is_err());
        get_issue(200).unwrap();
        assert_eq!(http_call(503).await.status, 503);
        http_call(200).await;
        llm_call(Ok(500)).unwrap();
        llm_call(Err(404)).unwrap_err();
        llm_call(Err(400)).unwrap_err();
    })
    .await;
    let s = scrape(&t);
    assert_eq!(github(&s, "get_issue", "success"), Some(2.0), "404 and 200");
    assert_eq!(github(&s, "get_issue", "failed"), Some(1.0), "500");
    assert_eq!(github(&s, "http_call", "failed"), Some(1.0));
    assert_eq!(github(&s, "http_call", "success"), Some(1.0));
    let errors = |e: &str| {
        s.value(
            "autobot_llm_errors_total",
            &[("provider", "openai"), ("error_type", e)],
        )
    };
    assert_eq!(errors("server_error"), Some(1.0), "an Ok with status 500");
    assert_eq!(
        errors("api_error"),
        Some(1.0),
        "the 400; the 404 is no error"
    );
}

struct Agent {
    name: String,
}

#[instrument_task(agent_type = "reviewer", span = false)]
impl Agent {
    #[no_instrument]
    fn new(name: &str) -> Agent {
        Agent { name: name.into() }
    }

    async fn plan(&self) -> Result<usize, ApiError> {
        Ok(self.name.len())
    }

    fn review(&self, fail: bool) -> Result<(), ApiError> {
        if fail { Err(ApiError(1)) } else { Ok(()) }
    }

    #[instrument_task(task_type = "custom", agent_type = "own", span = false)]
    fn own(&self) {}
}

#[tokio::test]
async fn an_impl_block_attribute_instruments_every_method_but_the_opted_out() {
    let t = Telemetry::builder().without_otlp().build().unwrap();
    t.scope(async {
        let agent = Agent::new("ada");
        assert_eq!(agent.plan().await.unwrap(), 3);
        agent.review(false).unwrap();
        agent.review(true).unwrap_err();
        agent.own();
    })
    .await;
    let s = scrape(&t);
    let tasks = |task: &str, agent: &str, status: &str| {
        s.value(
            "autobot_tasks_executed_total",
            &[
                ("task_type", task),
                ("agent_type", agent),
                ("status", status),
            ],
        )
    };
    assert_eq!(tasks("plan", "reviewer", "success"), Some(1.0));
    assert_eq!(tasks("review", "reviewer", "success"), Some(1.0));
    assert_eq!(tasks("review", "reviewer", "failed"), Some(1.0));
    assert_eq!(
        tasks("custom", "own", "success"),
        Some(1.0),
        "its own attribute"
    );
    assert_eq!(
        tasks("own", "reviewer", "success"),
        None,
        "not instrumented twice"
    );
    assert_eq!(tasks("new", "reviewer", "success"), None, "opted out");
}
