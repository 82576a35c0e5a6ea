use autobot_otel::instrument_llm;

#[instrument_llm(provider = "openai", model = "gpt-4", model = "gpt-3.5")]
async fn ask() {}

fn main() {}
