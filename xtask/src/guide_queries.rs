//! The one reader of `docs/guide-queries.md`, the review of the usage guide's
//! sample queries: each `### Title` section holds the guide's query (a
//! `Guide:` block), where the review replaces it a `Use:` block, and says
//! `Verdict: invalid` when the guide's query is not valid PromQL. The
//! dashboards (`cargo xtask gen`) and the tests against a real Prometheus and
//! VictoriaMetrics (`autobot-otel-tests`) read the file through this module.

/// One section of `docs/guide-queries.md`.
///
/// ```
/// let md = "intro\n### A\nGuide:\n```promql\nbad(x)\n```\nUse:\n```promql\ngood(x)\n```\n";
/// let q = &xtask::guide_queries::parse(md).unwrap()[0];
/// assert_eq!((q.title.as_str(), q.guide.as_str(), q.query()), ("A", "bad(x)", "good(x)"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuideQuery {
    /// The `### ` section title.
    pub title: String,
    /// The guide's query, verbatim.
    pub guide: String,
    /// The **Use** block, where the review replaces the guide's query.
    pub use_instead: Option<String>,
    /// The review says the guide's query is not valid PromQL.
    pub invalid: bool,
}

impl GuideQuery {
    /// The query to run: the **Use** block, or the guide's own.
    pub fn query(&self) -> &str {
        self.use_instead.as_deref().unwrap_or(&self.guide)
    }
}

/// The ```promql blocks of a markdown text, each with the last non-empty line
/// before it.
///
/// ```
/// let blocks = xtask::guide_queries::promql_blocks("Use:\n```promql\nup\n```\n");
/// assert_eq!(blocks, [("Use:".to_string(), "up".to_string())]);
/// ```
pub fn promql_blocks(md: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = md.lines();
    let mut before = String::new();
    while let Some(line) = lines.next() {
        if line.trim() == "```promql" {
            let body: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
            out.push((before.clone(), body.join("\n")));
        } else if !line.trim().is_empty() {
            before = line.trim().to_string();
        }
    }
    out
}

/// Every `### ` section of the markdown text of `docs/guide-queries.md`; an
/// error names a section without a `Guide:` block.
pub fn parse(markdown: &str) -> Result<Vec<GuideQuery>, String> {
    let mut out = Vec::new();
    for section in markdown.split("\n### ").skip(1) {
        let title = section
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        let blocks = promql_blocks(section);
        let find = |label: &str| {
            blocks
                .iter()
                .find(|(b, _)| b == label)
                .map(|(_, q)| q.clone())
        };
        let guide = find("Guide:").ok_or_else(|| format!("{title}: no Guide block"))?;
        out.push(GuideQuery {
            use_instead: find("Use:"),
            invalid: section.contains("Verdict: invalid"),
            guide,
            title,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guide_queries_use_the_corrections() {
        let md = "intro\n### A\nGuide:\n```promql\nbad(x)\n```\nUse:\n```promql\ngood(x)\n```\n### B\nGuide:\n```promql\nfine(y)\n```\n";
        let q = parse(md).unwrap();
        assert_eq!(q.len(), 2);
        assert_eq!(q[0].query(), "good(x)");
        assert_eq!(q[1].query(), "fine(y)");
    }

    #[test]
    fn a_section_without_the_guide_query_is_an_error() {
        assert!(parse("intro\n### A\nUse:\n```promql\nx\n```\n").is_err());
    }
}
