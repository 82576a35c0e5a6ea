//! The usage guide's recording calls compile as written (issue 18): every
//! `metrics.<method>(...)` call of the Python code blocks of
//! `docs/prometheus-metrics-guide.md` names a public method of `MetricsManager`, and
//! its keyword arguments name that method's parameters.
//!
//! Both sides are read, never listed by hand:
//!
//! - the guide: each ```` ```python ```` block is scanned as Python (strings,
//!   comments, nested brackets; a call may span several lines), and each
//!   `metrics.<method>(...)` call yields its method, its positional argument count
//!   and its keyword names, with their line numbers in the guide;
//! - the facade: every `impl MetricsManager { ... }` block of `autobot-otel/src/**/*.rs`
//!   is parsed with `syn`, and each `pub fn` gives its name and its parameter names
//!   (without `self`).
//!
//! For each guide call the test asserts: the method exists; no more positional
//! arguments than parameters; each keyword is a parameter of that name, or has a row in
//! the table of deliberate differences; no parameter is given twice; every parameter
//! gets a value (a Rust method has no defaults); and the keywords come in the
//! parameters' order (Rust arguments are positional: a call written out in the guide's
//! order must not swap two `&str` labels). Types and values are not compared:
//! `status="success"` is `Outcome::Success` in the typed API. Failures are collected
//! and reported together, each with its guide (or README) line and what to do.
//!
//! # The table of deliberate differences
//!
//! It is the first Markdown table after the heading `### Guide calls that differ` in
//! `README.md`, so the README and this test cannot drift apart. Its header is exactly
//! `| guide call | guide keyword | in this crate | why |`, and each row is:
//!
//! - **guide call**: the method name as a code span, `` `record_request` `` (anything
//!   from a `(` on is ignored, so `` `record_request(...)` `` is fine too);
//! - **guide keyword**: the guide's keyword as a code span, `` `success` ``;
//! - **in this crate**: the parameter that takes the keyword's value, as the cell's
//!   first code span (`` `status` ``, prose may follow), or a cell starting with an
//!   em dash `—` when the keyword has no counterpart (the guide's value is not
//!   passed at all; prose may follow the dash);
//! - **why**: the reason, not empty.
//!
//! The table is checked too: each row's call and keyword occur in the guide (no stale
//! rows), the method exists, its "in this crate" parameter exists on that method, the
//! keyword is *not* already a parameter of the method (then the row is not needed), and
//! no row is repeated.

mod facade;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use facade::{Facade, Method, facade_methods};

const GUIDE: &str = "docs/prometheus-metrics-guide.md";
const README: &str = "README.md";
const TABLE_HEADING: &str = "### Guide calls that differ";
const TABLE_COLUMNS: [&str; 4] = ["guide call", "guide keyword", "in this crate", "why"];

// ---- the guide's calls -------------------------------------------------------------

/// One `metrics.<method>(...)` call of the guide.
#[derive(Debug, Clone, PartialEq)]
struct GuideCall {
    method: String,
    /// 1-based line of `metrics` in the guide.
    line: usize,
    /// Positional arguments (before or between keywords: counted either way).
    positional: usize,
    /// Keyword names with their lines.
    keywords: Vec<(String, usize)>,
    /// `*args` / `**kwargs`: what they pass cannot be checked.
    splat: bool,
}

/// The Python code blocks of a Markdown text: `(line of the block's first line, text)`.
fn python_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, Vec<&str>)> = None;
    for (i, line) in markdown.lines().enumerate() {
        let fence = line.trim_start();
        match &mut current {
            None if fence.starts_with("```") => {
                let lang = fence.trim_start_matches('`').trim();
                // Another language still opens a block that must be skipped whole.
                current = Some((if lang == "python" { i + 2 } else { 0 }, Vec::new()));
            }
            None => {}
            Some((start, lines)) => {
                if fence.starts_with("```") {
                    if *start != 0 {
                        blocks.push((*start, lines.join("\n")));
                    }
                    current = None;
                } else {
                    lines.push(line);
                }
            }
        }
    }
    blocks
}

/// The end (exclusive) of the string literal starting at `i` (a quote).
fn skip_string(s: &[u8], i: usize) -> usize {
    let q = s[i];
    let triple = s.len() >= i + 3 && s[i + 1] == q && s[i + 2] == q;
    let mut j = if triple { i + 3 } else { i + 1 };
    while j < s.len() {
        match s[j] {
            b'\\' => j += 2,
            c if c == q => {
                if !triple {
                    return j + 1;
                }
                if s.len() >= j + 3 && s[j + 1] == q && s[j + 2] == q {
                    return j + 3;
                }
                j += 1;
            }
            // An unterminated single-quoted string ends at its line.
            b'\n' if !triple => return j,
            _ => j += 1,
        }
    }
    s.len()
}

/// The Python text with every comment blanked out (same length, newlines kept), so
/// the scans below need not know about comments.
fn blank_comments(code: &str) -> Vec<u8> {
    let mut s = code.as_bytes().to_vec();
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'"' | b'\'' => i = skip_string(&s, i),
            b'#' => {
                while i < s.len() && s[i] != b'\n' {
                    s[i] = b' ';
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    s
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c >= 0x80
}

fn is_ident(c: u8) -> bool {
    is_ident_start(c) || c.is_ascii_digit()
}

/// The end of the identifier starting at `i`.
fn ident_end(s: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < s.len() && is_ident(s[j]) {
        j += 1;
    }
    j
}

fn skip_blanks(s: &[u8], mut i: usize) -> usize {
    while i < s.len() && (s[i] == b' ' || s[i] == b'\t') {
        i += 1;
    }
    i
}

/// The top-level arguments of the call whose `(` is at `open`: their byte ranges,
/// and the index of the closing `)`.
fn argument_spans(s: &[u8], open: usize) -> Result<(Vec<(usize, usize)>, usize), String> {
    let mut spans = Vec::new();
    let mut depth = 0usize;
    let mut start = open + 1;
    let mut i = open + 1;
    while i < s.len() {
        match s[i] {
            b'"' | b'\'' => {
                i = skip_string(s, i);
                continue;
            }
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth > 0 => depth -= 1,
            b')' => {
                spans.push((start, i));
                return Ok((spans, i));
            }
            b']' | b'}' => return Err(format!("unbalanced `{}`", s[i] as char)),
            b',' if depth == 0 => {
                spans.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    Err("the call's `(` is never closed".to_string())
}

/// Every `metrics.<method>(...)` call of a Markdown text's Python blocks, or the
/// calls that could not be read.
fn guide_calls(markdown: &str) -> (Vec<GuideCall>, Vec<String>) {
    let mut calls = Vec::new();
    let mut errors = Vec::new();
    for (first_line, code) in python_blocks(markdown) {
        let s = blank_comments(&code);
        let line_of = |pos: usize| first_line + s[..pos].iter().filter(|&&c| c == b'\n').count();
        let mut i = 0;
        while i < s.len() {
            let c = s[i];
            if c == b'"' || c == b'\'' {
                i = skip_string(&s, i);
                continue;
            }
            if !is_ident_start(c) {
                i += 1;
                continue;
            }
            let end = ident_end(&s, i);
            if &s[i..end] != b"metrics" {
                i = end;
                continue;
            }
            let start = i;
            i = end;
            let dot = skip_blanks(&s, end);
            if dot >= s.len() || s[dot] != b'.' {
                continue;
            }
            let name_start = skip_blanks(&s, dot + 1);
            if name_start >= s.len() || !is_ident_start(s[name_start]) {
                continue;
            }
            let name_end = ident_end(&s, name_start);
            let open = skip_blanks(&s, name_end);
            if open >= s.len() || s[open] != b'(' {
                continue; // an attribute, not a call
            }
            let method = String::from_utf8_lossy(&s[name_start..name_end]).into_owned();
            let line = line_of(start);
            let spans = match argument_spans(&s, open) {
                Ok((spans, _)) => spans,
                Err(e) => {
                    errors.push(format!(
                        "{GUIDE}:{line}: cannot read the arguments of `metrics.{method}(...)`: {e}"
                    ));
                    i = open + 1;
                    continue;
                }
            };
            let mut call = GuideCall {
                method,
                line,
                positional: 0,
                keywords: Vec::new(),
                splat: false,
            };
            for (a, b) in spans {
                let text = &s[a..b];
                let Some(lead) = text.iter().position(|c| !c.is_ascii_whitespace()) else {
                    continue; // `f()` or a trailing comma
                };
                let at = a + lead;
                if s[at] == b'*' {
                    call.splat = true;
                    continue;
                }
                if is_ident_start(s[at]) {
                    let kw_end = ident_end(&s, at);
                    let eq = skip_blanks(&s, kw_end);
                    if eq < b && s[eq] == b'=' && s.get(eq + 1) != Some(&b'=') {
                        let keyword = String::from_utf8_lossy(&s[at..kw_end]).into_owned();
                        call.keywords.push((keyword, line_of(at)));
                        continue;
                    }
                }
                call.positional += 1;
            }
            calls.push(call);
            // Go on inside the arguments: a nested `metrics.` call is a call too.
            i = open + 1;
        }
    }
    (calls, errors)
}

// ---- the README's table ------------------------------------------------------------

/// One row of the table of deliberate differences.
#[derive(Debug, Clone, PartialEq)]
struct Difference {
    method: String,
    keyword: String,
    /// The parameter taking the keyword's value; `None`: no counterpart (`—`).
    param: Option<String>,
    /// 1-based line in the README.
    line: usize,
}

/// The cells of a Markdown table row (split at unescaped `|`).
fn cells(row: &str) -> Vec<String> {
    let row = row.trim();
    let row = row.strip_prefix('|').unwrap_or(row);
    let row = row.strip_suffix('|').unwrap_or(row);
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut escaped = false;
    for c in row.chars() {
        match c {
            '|' if !escaped => out.push(std::mem::take(&mut cell).trim().to_string()),
            _ => cell.push(c),
        }
        escaped = c == '\\' && !escaped;
    }
    out.push(cell.trim().to_string());
    out
}

/// The first code span of a cell.
fn code_span(cell: &str) -> Option<&str> {
    let (_, rest) = cell.split_once('`')?;
    let (code, _) = rest.split_once('`')?;
    Some(code.trim())
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty() && is_ident_start(s.as_bytes()[0]) && s.bytes().all(is_ident)
}

/// The rows of the table under [`TABLE_HEADING`], or what is wrong with it.
fn differences(readme: &str) -> (Vec<Difference>, Vec<String>) {
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let lines: Vec<&str> = readme.lines().collect();
    let Some(heading) = lines.iter().position(|l| l.trim() == TABLE_HEADING) else {
        errors.push(format!(
            "{README}: no section `{TABLE_HEADING}`: it holds the table of the guide's calls \
             that deliberately differ (see this test's module documentation)"
        ));
        return (rows, errors);
    };
    let Some(header) = (heading + 1..lines.len()).find(|&i| lines[i].trim_start().starts_with('|'))
    else {
        errors.push(format!(
            "{README}:{}: `{TABLE_HEADING}` has no table",
            heading + 1
        ));
        return (rows, errors);
    };
    let names: Vec<String> = cells(lines[header])
        .iter()
        .map(|c| c.to_lowercase())
        .collect();
    if names != TABLE_COLUMNS {
        errors.push(format!(
            "{README}:{}: the table's columns are {names:?}; expected {TABLE_COLUMNS:?}",
            header + 1
        ));
        return (rows, errors);
    }
    for (i, line) in lines.iter().enumerate().skip(header + 2) {
        if !line.trim_start().starts_with('|') {
            break;
        }
        let n = i + 1;
        let row = cells(line);
        if row.len() != 4 {
            errors.push(format!(
                "{README}:{n}: a row of {} cells; the table has 4",
                row.len()
            ));
            continue;
        }
        let method = code_span(&row[0]).map(|c| c.split('(').next().unwrap_or(c).trim());
        let Some(method) = method.filter(|m| is_identifier(m)) else {
            errors.push(format!(
                "{README}:{n}: the guide call {:?} is not a method name in backticks",
                row[0]
            ));
            continue;
        };
        let Some(keyword) = code_span(&row[1]).filter(|k| is_identifier(k)) else {
            errors.push(format!(
                "{README}:{n}: the guide keyword {:?} is not a name in backticks",
                row[1]
            ));
            continue;
        };
        let param = if row[2].starts_with('—') {
            None
        } else if let Some(p) = code_span(&row[2]).filter(|p| is_identifier(p)) {
            Some(p.to_string())
        } else {
            errors.push(format!(
                "{README}:{n}: \"in this crate\" {:?} is neither a parameter name in backticks \
                 nor starts with `—` (no counterpart)",
                row[2]
            ));
            continue;
        };
        if row[3].is_empty() {
            errors.push(format!(
                "{README}:{n}: the row gives no reason (column \"why\")"
            ));
        }
        rows.push(Difference {
            method: method.to_string(),
            keyword: keyword.to_string(),
            param,
            line: n,
        });
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(format!(
            "{README}:{}: the table under `{TABLE_HEADING}` has no rows",
            header + 1
        ));
    }
    (rows, errors)
}

// ---- the check ---------------------------------------------------------------------

fn list(params: &[String]) -> String {
    if params.is_empty() {
        "none".to_string()
    } else {
        params
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Every way the guide's calls, the facade and the table disagree.
fn check(calls: &[GuideCall], facade: &Facade, table: &[Difference]) -> Vec<String> {
    let mut failures = Vec::new();
    let row = |method: &str, keyword: &str| {
        table
            .iter()
            .find(|d| d.method == method && d.keyword == keyword)
    };
    for call in calls {
        let (m, line) = (&call.method, call.line);
        let Some(method) = facade.get(m) else {
            failures.push(format!(
                "{GUIDE}:{line}: `metrics.{m}(...)`: MetricsManager has no public method `{m}` \
                 (no `pub fn {m}` in any `impl MetricsManager` under autobot-otel/src). \
                 Add it to the facade, in the file of its category"
            ));
            continue;
        };
        let params = &method.params;
        if call.splat {
            failures.push(format!(
                "{GUIDE}:{line}: `metrics.{m}(...)` passes `*args`/`**kwargs`: this test cannot \
                 check it; write the arguments out"
            ));
        }
        if call.positional > params.len() {
            failures.push(format!(
                "{GUIDE}:{line}: `metrics.{m}(...)` passes {} positional arguments; `{m}` \
                 ({}) takes {}: {}",
                call.positional,
                method.file,
                params.len(),
                list(params)
            ));
        }
        let mut given: BTreeSet<&str> = params
            .iter()
            .take(call.positional)
            .map(String::as_str)
            .collect();
        let mut unknown: Vec<String> = Vec::new();
        // The parameter index of the last argument, and its keyword (`""` positional).
        let mut last: Option<(usize, &str)> = call.positional.checked_sub(1).map(|i| (i, ""));
        for (keyword, kw_line) in &call.keywords {
            let param = if params.contains(keyword) {
                Some(keyword.as_str())
            } else if let Some(d) = row(m, keyword) {
                d.param.as_deref()
            } else {
                failures.push(format!(
                    "{GUIDE}:{kw_line}: `metrics.{m}({keyword}=...)`: `{m}` ({}) has no \
                     parameter `{keyword}` (its parameters: {}). Name the parameter \
                     `{keyword}` if it takes this value, or, if the difference is deliberate, \
                     add a row to the table under `{TABLE_HEADING}` in {README}: guide call \
                     `{m}`, guide keyword `{keyword}`, in this crate the parameter that takes \
                     its value (or — for none), and why",
                    method.file,
                    list(params)
                ));
                unknown.push(keyword.clone());
                continue;
            };
            let Some(p) = param else {
                continue;
            };
            let Some(index) = params.iter().position(|q| q == p) else {
                continue; // a row naming no parameter: reported with the table's checks
            };
            if !given.insert(p) {
                failures.push(format!(
                    "{GUIDE}:{kw_line}: `metrics.{m}({keyword}=...)` gives `{m}`'s parameter \
                     `{p}` a second value"
                ));
                continue;
            }
            // Rust arguments are positional: a guide call written out in its keywords'
            // order must be in the parameters' order (two `&str` labels swapped would
            // still compile).
            if let Some((before, before_kw)) = last.filter(|(i, _)| *i > index) {
                let after = if before_kw.is_empty() {
                    "a positional argument".to_string()
                } else {
                    format!("`{before_kw}=`")
                };
                failures.push(format!(
                    "{GUIDE}:{kw_line}: `metrics.{m}(...)` passes `{keyword}=` after \
                     {after}, but `{m}` ({}) takes `{p}` before `{}` (its parameters: {}): \
                     written out in the guide's order the arguments would be swapped",
                    method.file,
                    params[before],
                    list(params)
                ));
            }
            last = Some((index, keyword.as_str()));
        }
        let missing: Vec<String> = params
            .iter()
            .filter(|p| !given.contains(p.as_str()))
            .cloned()
            .collect();
        if !missing.is_empty() && !call.splat {
            failures.push(format!(
                "{GUIDE}:{line}: `metrics.{m}(...)` gives no value for {} of `{m}` ({}): the call \
                 would not compile as written. Make the parameter match a guide keyword, or map \
                 one to it in the table under `{TABLE_HEADING}` in {README}{}",
                list(&missing),
                method.file,
                if unknown.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (perhaps the guide's unknown keyword {} above)",
                        list(&unknown)
                    )
                }
            ));
        }
    }

    let mut seen = BTreeSet::new();
    for d in table {
        let (m, k, n) = (&d.method, &d.keyword, d.line);
        if !seen.insert((m, k)) {
            failures.push(format!(
                "{README}:{n}: a second row for `{m}` / `{k}`: delete one"
            ));
        }
        let of_method: Vec<&GuideCall> = calls.iter().filter(|c| &c.method == m).collect();
        if of_method.is_empty() {
            failures.push(format!(
                "{README}:{n}: stale row: the guide has no call `metrics.{m}(...)`; delete the row"
            ));
        } else if !of_method
            .iter()
            .any(|c| c.keywords.iter().any(|(kw, _)| kw == k))
        {
            failures.push(format!(
                "{README}:{n}: stale row: no guide call `metrics.{m}(...)` passes `{k}=`; \
                 delete the row"
            ));
        }
        let Some(method) = facade.get(m) else {
            failures.push(format!(
                "{README}:{n}: the row names `{m}`, which MetricsManager does not have"
            ));
            continue;
        };
        if method.params.contains(k) {
            failures.push(format!(
                "{README}:{n}: row not needed: `{m}` has a parameter `{k}`; delete the row"
            ));
        }
        if let Some(p) = &d.param
            && !method.params.contains(p)
        {
            failures.push(format!(
                "{README}:{n}: the row maps `{m}({k}=...)` to `{p}`, which is no parameter of \
                 `{m}` ({}; its parameters: {}); correct the row",
                method.file,
                list(&method.params)
            ));
        }
    }
    failures
}

// ---- the tests ---------------------------------------------------------------------

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate is in a workspace")
        .to_path_buf()
}

fn read(rel: &str) -> String {
    let path = workspace().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_guides_calls_match_the_facade() {
    let root = workspace();
    let (calls, mut failures) = guide_calls(&read(GUIDE));
    assert!(
        !calls.is_empty(),
        "no `metrics.<method>(...)` call found in {GUIDE}"
    );
    let facade = facade_methods(&root, &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(
        facade.contains_key("record_workflow_execution"),
        "the facade's methods were not found: {:?}",
        facade.keys().collect::<Vec<_>>()
    );
    let (table, table_errors) = differences(&read(README));
    failures.extend(table_errors);
    failures.extend(check(&calls, &facade, &table));
    assert!(
        failures.is_empty(),
        "{} mismatch(es) between the guide's calls ({} calls in {GUIDE}), the facade's \
         public methods ({} in `impl MetricsManager` blocks) and the table under \
         `{TABLE_HEADING}` in {README}:\n\n{}\n",
        failures.len(),
        calls.len(),
        facade.len(),
        failures.join("\n\n")
    );
}

/// The Python scan finds a call on every guide line a plain text search says has one.
#[test]
fn every_call_line_of_the_guide_is_extracted() {
    let guide = read(GUIDE);
    let (calls, errors) = guide_calls(&guide);
    assert!(errors.is_empty(), "{errors:#?}");
    let found: BTreeSet<(usize, &str)> =
        calls.iter().map(|c| (c.line, c.method.as_str())).collect();
    let mut expected = BTreeSet::new();
    for (first, code) in python_blocks(&guide) {
        for (i, line) in code.lines().enumerate() {
            let code = line.split('#').next().unwrap_or_default();
            for (at, _) in code.match_indices("metrics.") {
                let rest = &code[at + "metrics.".len()..];
                let name_len = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                if name_len > 0 && rest[name_len..].starts_with('(') {
                    expected.insert(first + i);
                }
            }
        }
    }
    let lines: BTreeSet<usize> = found.iter().map(|(l, _)| *l).collect();
    assert_eq!(
        lines, expected,
        "lines with a call: parsed vs plain text search"
    );
}

fn synthetic_facade() -> Facade {
    let m = |params: &[&str]| Method {
        params: params.iter().map(|p| p.to_string()).collect(),
        types: params.iter().map(|_| "& str".to_string()).collect(),
        file: "synthetic.rs".to_string(),
    };
    Facade::from([
        (
            "record_thing".to_string(),
            m(&["name", "status", "duration"]),
        ),
        ("set_level".to_string(), m(&["level"])),
    ])
}

#[test]
fn the_scan_reads_nested_multiline_arguments() {
    let guide = r#"
text metrics.not_code(x=1)

```python
metrics = get_metrics_manager()  # metrics.in_comment(a=1)
s = "metrics.in_string(a=1)"
metrics.record_thing(
    "positional, with ) and ( inside",
    name=f"{prefix}-{len(items)}",   # a comment, with a comma
    status=check(a, b=[1, (2, 3)], c={"k": ")"}),
    duration=time.time() - start,
)
self.metrics.set_level(level=metrics.nested(x == 1))
```
"#;
    let (calls, errors) = guide_calls(guide);
    assert!(errors.is_empty(), "{errors:?}");
    let summary: Vec<(usize, &str, usize, Vec<&str>)> = calls
        .iter()
        .map(|c| {
            let kws = c.keywords.iter().map(|(k, _)| k.as_str()).collect();
            (c.line, c.method.as_str(), c.positional, kws)
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (7, "record_thing", 1, vec!["name", "status", "duration"]),
            (13, "set_level", 0, vec!["level"]),
            (13, "nested", 1, vec![]),
        ]
    );
    assert_eq!(calls[0].keywords[1], ("status".to_string(), 10));
}

/// The checker can fail: an unknown method and an unknown keyword are both reported,
/// as are a stale and a wrong table row.
#[test]
fn the_check_reports_unknown_methods_and_keywords() {
    let guide = r#"
```python
metrics.no_such_method(name="x")
metrics.record_thing(name="x", status="ok", duration=1.0, colour="red")
metrics.set_level(level=3, mood="calm")
```
"#;
    let (calls, errors) = guide_calls(guide);
    assert!(errors.is_empty(), "{errors:?}");
    let table = [
        Difference {
            method: "set_level".into(),
            keyword: "mood".into(),
            param: None,
            line: 1,
        },
        Difference {
            method: "set_level".into(),
            keyword: "absent".into(),
            param: Some("level".into()),
            line: 2,
        },
        Difference {
            method: "record_thing".into(),
            keyword: "name".into(),
            param: Some("nope".into()),
            line: 3,
        },
    ];
    let failures = check(&calls, &synthetic_facade(), &table);
    let has = |needles: &[&str]| {
        failures
            .iter()
            .any(|f| needles.iter().all(|n| f.contains(n)))
    };
    assert!(
        has(&[":3:", "no public method `no_such_method`"]),
        "{failures:#?}"
    );
    assert!(
        has(&[
            ":4:",
            "`record_thing` (synthetic.rs) has no parameter `colour`"
        ]),
        "{failures:#?}"
    );
    assert!(
        has(&["README.md:2:", "stale row", "`absent=`"]),
        "{failures:#?}"
    );
    assert!(has(&["README.md:3:", "row not needed"]), "{failures:#?}");
    assert!(
        has(&["README.md:3:", "`nope`, which is no parameter"]),
        "{failures:#?}"
    );
    // `mood` is covered by its row; nothing else is reported.
    assert_eq!(failures.len(), 5, "{failures:#?}");

    // Too many positional arguments, a missing and a doubled parameter.
    let (calls, _) = guide_calls(
        "```python\nmetrics.set_level(1, 2, level=3)\nmetrics.record_thing(\"n\")\n\
         metrics.record_thing(status=1, name=2, duration=3)\n```\n",
    );
    let failures = check(&calls, &synthetic_facade(), &[]);
    assert!(
        has_in(&failures, &[":2:", "2 positional arguments"]),
        "{failures:#?}"
    );
    assert!(
        has_in(&failures, &[":2:", "`level` a second value"]),
        "{failures:#?}"
    );
    assert!(
        has_in(&failures, &[":3:", "no value for `status`, `duration`"]),
        "{failures:#?}"
    );
    assert!(
        has_in(
            &failures,
            &[
                ":4:",
                "passes `name=` after `status=`",
                "takes `name` before `status`"
            ]
        ),
        "{failures:#?}"
    );
    assert_eq!(failures.len(), 4, "{failures:#?}");
}

fn has_in(failures: &[String], needles: &[&str]) -> bool {
    failures
        .iter()
        .any(|f| needles.iter().all(|n| f.contains(n)))
}

#[test]
fn the_table_is_read_from_markdown() {
    let readme = "\
# x

### Guide calls that differ

| guide call | guide keyword | in this crate | why |
|---|---|---|---|
| `record_thing(...)` | `success` | `status` (a `bool` or a status) | three outcomes |
| `set_level` | `mood` | — (no such label) | no label \\| none |
| `set_level` | mood | — | bad keyword cell |

after
| not | part |
";
    let (rows, errors) = differences(readme);
    assert_eq!(
        rows,
        vec![
            Difference {
                method: "record_thing".into(),
                keyword: "success".into(),
                param: Some("status".into()),
                line: 7
            },
            Difference {
                method: "set_level".into(),
                keyword: "mood".into(),
                param: None,
                line: 8
            },
        ]
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("README.md:9:"), "{errors:?}");
    let (_, errors) = differences("# no table here\n");
    assert!(errors[0].contains("no section"), "{errors:?}");
}
