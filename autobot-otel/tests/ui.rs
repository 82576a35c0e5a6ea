//! Misuse of the attributes is a compile error pointing at the offending tokens;
//! the expected compiler output is committed next to each case.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
