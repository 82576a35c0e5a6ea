use autobot_otel::instrument_github;

#[instrument_github(success_on_err = |e: &std::fmt::Error| e.to_string().is_empty())]
fn not_a_result() -> u32 {
    1
}

#[instrument_github(failure_on_ok = |r: &String| (r.is_empty()).then_some("empty"))]
fn wrong_ok_type() -> Result<u32, std::io::Error> {
    Ok(1)
}

fn main() {
    not_a_result();
    let _ = wrong_ok_type();
}
