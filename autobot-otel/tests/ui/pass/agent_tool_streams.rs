// `#[instrument_agent]` and `#[instrument_tool]` on functions that return a
// stream: timed over the stream's life. Items may be `Result`s (the first
// `Err` is the failure; an error type with or without `ErrorType`) or plain
// items; from a `fn`, an `async fn`, an `impl Future`, a `Result` of a stream,
// methods and an `impl` block.
use std::future::Future;

use autobot_otel::instrument::ErrorType;
use autobot_otel::{instrument_agent, instrument_tool};
use futures_core::Stream;

#[derive(Debug)]
struct Failed;
impl ErrorType for Failed {
    fn error_type(&self) -> &'static str {
        "failed"
    }
}

#[instrument_agent(agent_name = "events")]
fn events() -> impl Stream<Item = Result<u32, Failed>> {
    futures_util::stream::iter([Ok(1)])
}

#[instrument_agent(agent_name = "plain", model = "gpt-4o")]
async fn plain() -> impl Stream<Item = String> + Send {
    futures_util::stream::iter(["a".to_string()])
}

#[instrument_agent(agent_name = "untyped")]
fn untyped() -> impl Future<Output = impl Stream<Item = Result<u8, std::fmt::Error>>> {
    async { futures_util::stream::iter([Ok(1)]) }
}

#[instrument_agent(agent_name = "opened")]
async fn opened(fail: bool) -> Result<impl Stream<Item = Result<u8, Failed>>, std::io::Error> {
    if fail {
        return Err(std::io::Error::other("no"));
    }
    Ok(futures_util::stream::empty())
}

#[instrument_tool(tool_type = "datastore", call_id = id)]
fn rows(id: &str) -> impl Stream<Item = Result<u32, std::io::Error>> + use<> {
    let _ = id;
    futures_util::stream::iter([Ok(1)])
}

#[instrument_tool(span = false)]
async fn chunks() -> Result<impl Stream<Item = Vec<u8>>, Failed> {
    Ok(futures_util::stream::empty())
}

struct Agent {
    name: String,
}

#[instrument_agent(agent_name = self.name)]
impl Agent {
    fn run(&self) -> impl Stream<Item = Result<u32, Failed>> + use<> {
        futures_util::stream::iter([Ok(1)])
    }
    async fn value(&self) -> u32 {
        1
    }
}

struct Tools;

impl Tools {
    #[instrument_tool(tool_name = "search")]
    fn search(&self, query: String) -> impl Stream<Item = String> {
        futures_util::stream::iter([query])
    }
}

fn main() {
    drop(events());
    drop(plain());
    drop(untyped());
    drop(opened(false));
    drop(rows("call-1"));
    drop(chunks());
    let agent = Agent { name: "a".into() };
    drop(agent.run());
    drop(agent.value());
    drop(Tools.search("q".into()));
}
