use autobot_otel::instrument_knowledge;

#[instrument_knowledge(search_type = "fuzzy", collection = "docs")]
async fn search() {}

fn main() {}
