use autobot_otel::instrument_llm;
use futures_core::Stream;

#[instrument_llm(provider = "openai", model = "gpt-4o", success_on_err = |_e: &std::io::Error| true)]
fn stream() -> impl Stream<Item = Result<String, std::io::Error>> {
    futures_util::stream::iter([Ok("a".to_string())])
}

fn main() {
    drop(stream());
}
