//! Misuse of the attributes is a compile error pointing at the offending tokens;
//! the expected compiler output is committed next to each case. It is stable
//! rustc's output, so the test runs on stable only (nightly words differ).

#[rustversion::attr(not(stable), ignore = "expected output is stable rustc's")]
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
