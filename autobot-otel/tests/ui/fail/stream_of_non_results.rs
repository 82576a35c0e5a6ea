use autobot_otel::instrument_llm;
use futures_core::Stream;

// A stream of chunks is a stream of `Result`s: its first `Err` is the failure.
#[instrument_llm(provider = "openai", model = "gpt-4o")]
fn stream() -> impl Stream<Item = String> {
    futures_util::stream::iter(["a".to_string()])
}

fn main() {
    drop(stream());
}
