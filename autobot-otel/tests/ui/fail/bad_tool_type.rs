use autobot_otel::instrument_tool;

#[instrument_tool(tool_type = "plugin")]
fn search() {}

fn main() {}
