use autobot_otel::instrument_redis;

#[instrument_redis(database = "")]
fn get() {}

fn main() {}
