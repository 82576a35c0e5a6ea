//! Placeholder until the rendering benchmark lands.
fn main() {}
