use autobot_otel::instrument_llm;

trait Llm {
    #[instrument_llm(provider = "openai", model = "gpt-4")]
    fn ask(&self) -> String;
}

fn main() {}
