use std::future::Future;

use autobot_otel::{instrument_github, instrument_llm};

#[instrument_github(operation = "impl_future")]
fn fetch(id: u32) -> impl Future<Output = Result<u32, std::io::Error>> + Send {
    async move { Ok(id) }
}

struct Client {
    model: String,
}

impl Client {
    #[instrument_llm(provider = "p", model = self.model)]
    fn ask<'a>(&'a self, q: &'a str) -> impl Future<Output = usize> + 'a {
        async move { q.len() + self.model.len() }
    }
}

fn main() {
    let _ = fetch(1);
    let client = Client { model: "m".into() };
    let _ = client.ask("q");
}
