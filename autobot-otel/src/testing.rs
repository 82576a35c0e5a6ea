//! Test tools (cargo feature `testing`; add it in your `[dev-dependencies]`): a
//! parser of the Prometheus text exposition format and of OpenMetrics (with
//! exemplars), for asserting on what the metrics endpoint serves ([`Scrape`]), and a clock for the rolling rates that
//! only moves when told to ([`ManualClock`], given to
//! [`TelemetryBuilder::with_clock`](crate::TelemetryBuilder::with_clock)).
//!
//! The parser is strict about what this crate writes (one `# TYPE` per family,
//! no duplicate series, valid names, no reserved `__` labels), but it is a test
//! tool: check a scrape with Prometheus' own parsers too when it matters.
//!
//! ```
//! use autobot_otel::testing::Scrape;
//!
//! let text = "# HELP jobs_total Jobs\n# TYPE jobs_total counter\njobs_total{kind=\"a\\\"b\"} 3\n";
//! let scrape = Scrape::parse(text).unwrap();
//! assert_eq!(scrape.value("jobs_total", &[("kind", "a\"b")]), Some(3.0));
//! assert_eq!(scrape.family("jobs_total").unwrap().kind, "counter");
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

pub use crate::manager::rolling::{Clock, ManualClock};

/// One sample line.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Sample name (for histograms with `_bucket`, `_sum` or `_count`).
    pub name: String,
    /// Labels, unescaped.
    pub labels: BTreeMap<String, String>,
    /// The value.
    pub value: f64,
    /// Its exemplar (OpenMetrics only).
    pub exemplar: Option<Exemplar>,
}

/// A sample's exemplar: ` # {trace_id="…",span_id="…"} value timestamp`.
#[derive(Clone, Debug, PartialEq)]
pub struct Exemplar {
    /// Its labels (`trace_id`, `span_id`; none outside a span), unescaped.
    pub labels: BTreeMap<String, String>,
    /// The measured value.
    pub value: f64,
    /// Seconds since the Unix epoch, if given.
    pub timestamp: Option<f64>,
}

/// One metric family: its `# TYPE`, `# HELP` and samples.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Family {
    /// Family name.
    pub name: String,
    /// `counter`, `gauge`, `histogram`, `summary` or `untyped`.
    pub kind: String,
    /// Help text, unescaped.
    pub help: String,
    /// The family's samples in order.
    pub samples: Vec<Sample>,
}

impl Family {
    /// Label keys used by the family's series (without `le`).
    pub fn label_keys(&self) -> BTreeSet<&str> {
        self.samples
            .iter()
            .flat_map(|s| s.labels.keys())
            .map(String::as_str)
            .filter(|k| *k != "le")
            .collect()
    }

    /// Distinct label sets (series) of the family, histogram buckets folded.
    pub fn series_count(&self) -> usize {
        let mut sets = BTreeSet::new();
        for s in &self.samples {
            let mut labels = s.labels.clone();
            labels.remove("le");
            sets.insert(labels);
        }
        sets.len()
    }
}

/// A parse failure, with its 1-based line number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Line of the error.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// A parsed scrape.
#[derive(Clone, Debug, Default)]
pub struct Scrape {
    /// Families by name.
    pub families: BTreeMap<String, Family>,
}

impl Scrape {
    /// Parses the text format or OpenMetrics; rejects samples outside their
    /// declared family, duplicate `# TYPE` lines, duplicate series, malformed
    /// lines and anything after an OpenMetrics `# EOF`.
    ///
    /// ```
    /// use autobot_otel::testing::Scrape;
    ///
    /// let text = concat!(
    ///     "# TYPE jobs counter\n",
    ///     "jobs_total{kind=\"a\"} 3 # {trace_id=\"0af7651916cd43dd8448eb211c80319c\"} 1 1764412800.5\n",
    ///     "# EOF\n",
    /// );
    /// let scrape = Scrape::parse(text).unwrap();
    /// assert_eq!(scrape.value("jobs_total", &[("kind", "a")]), Some(3.0));
    /// let exemplar = scrape.samples().next().unwrap().exemplar.as_ref().unwrap();
    /// assert_eq!(exemplar.labels["trace_id"], "0af7651916cd43dd8448eb211c80319c");
    /// assert_eq!((exemplar.value, exemplar.timestamp), (1.0, Some(1764412800.5)));
    /// ```
    pub fn parse(text: &str) -> Result<Scrape, ParseError> {
        let mut scrape = Scrape::default();
        let mut current: Option<String> = None;
        let mut seen = BTreeSet::new();
        let mut eof = false;
        for (i, line) in text.lines().enumerate() {
            let err = |message: String| ParseError {
                line: i + 1,
                message,
            };
            if eof {
                return Err(err("a line after # EOF".into()));
            }
            if line == "# EOF" {
                eof = true;
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            if let Some(rest) = line.strip_prefix("# ") {
                let mut parts = rest.splitn(3, ' ');
                let (directive, name) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let value = parts.next().unwrap_or("");
                match directive {
                    "HELP" => {
                        let fam = scrape.families.entry(name.to_string()).or_default();
                        fam.name = name.to_string();
                        fam.help = unescape_help(value);
                        current = Some(name.to_string());
                    }
                    "TYPE" => {
                        let fam = scrape.families.entry(name.to_string()).or_default();
                        if !fam.kind.is_empty() {
                            return Err(err(format!("second TYPE line for {name}")));
                        }
                        fam.name = name.to_string();
                        fam.kind = value.to_string();
                        current = Some(name.to_string());
                    }
                    _ => {}
                }
                continue;
            }
            if line.starts_with('#') {
                continue;
            }
            let sample = parse_sample(line).map_err(err)?;
            let family = current
                .as_ref()
                .filter(|f| belongs_to(&sample.name, f))
                .ok_or_else(|| err(format!("sample {} outside its family", sample.name)))?;
            let key = (sample.name.clone(), sample.labels.clone());
            if !seen.insert(key) {
                return Err(err(format!("duplicate series {}", line)));
            }
            scrape
                .families
                .get_mut(family)
                .ok_or_else(|| err("no family".into()))?
                .samples
                .push(sample);
        }
        Ok(scrape)
    }

    /// A family by name.
    pub fn family(&self, name: &str) -> Option<&Family> {
        self.families.get(name)
    }

    /// The value of the sample `name` whose labels are exactly `labels`.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let want: BTreeMap<String, String> = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.samples()
            .find(|s| s.name == name && s.labels == want)
            .map(|s| s.value)
    }

    /// The sum of all samples named `name` (e.g. a counter over all its series):
    /// `None` when the scrape has no sample of that name (an absent series is not
    /// a zero one), `Some(total)` otherwise.
    ///
    /// ```
    /// use autobot_otel::testing::Scrape;
    ///
    /// let text = concat!(
    ///     "# TYPE jobs_total counter\n",
    ///     "jobs_total{kind=\"a\"} 3\n",
    ///     "jobs_total{kind=\"b\"} 4\n",
    ///     "# TYPE idle_total counter\n",
    ///     "idle_total 0\n",
    /// );
    /// let scrape = Scrape::parse(text).unwrap();
    /// assert_eq!(scrape.sum("jobs_total"), Some(7.0));
    /// assert_eq!(scrape.sum("idle_total"), Some(0.0), "a zero series is present");
    /// assert_eq!(scrape.sum("retries_total"), None, "no such series");
    /// ```
    pub fn sum(&self, name: &str) -> Option<f64> {
        self.samples()
            .filter(|s| s.name == name)
            .map(|s| s.value)
            .reduce(|total, v| total + v)
    }

    /// Every sample of every family.
    pub fn samples(&self) -> impl Iterator<Item = &Sample> {
        self.families.values().flat_map(|f| f.samples.iter())
    }
}

fn belongs_to(sample: &str, family: &str) -> bool {
    sample == family
        || sample.strip_prefix(family).is_some_and(|rest| {
            matches!(rest, "_bucket" | "_sum" | "_count" | "_total" | "_created")
        })
}

/// Unescapes `\\`, `\n` and (OpenMetrics) `\"`, left to right.
fn unescape_help(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match (c, chars.clone().next()) {
            ('\\', Some(e @ ('\\' | 'n' | '"'))) => {
                chars.next();
                out.push(if e == 'n' { '\n' } else { e });
            }
            _ => out.push(c),
        }
    }
    out
}

fn parse_sample(line: &str) -> Result<Sample, String> {
    let name_end = line
        .find(['{', ' '])
        .ok_or_else(|| format!("no value in `{line}`"))?;
    let name = &line[..name_end];
    if name.is_empty()
        || !name.chars().enumerate().all(|(i, c)| {
            c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit())
        })
    {
        return Err(format!("invalid metric name `{name}`"));
    }
    let (labels, rest) = parse_labels(&line[name_end..])?;
    let (rest, exemplar) = match rest.split_once(" # ") {
        Some((rest, exemplar)) => (rest, Some(parse_exemplar(exemplar)?)),
        None => (rest, None),
    };
    let mut fields = rest.split_whitespace();
    let value = parse_value(fields.next().ok_or_else(|| "missing value".to_string())?)?;
    if let Some(ts) = fields.next() {
        ts.parse::<i64>()
            .map_err(|_| format!("invalid timestamp `{ts}`"))?;
    }
    if fields.next().is_some() {
        return Err("trailing fields".into());
    }
    Ok(Sample {
        name: name.to_string(),
        labels,
        value,
        exemplar,
    })
}

fn parse_value(v: &str) -> Result<f64, String> {
    Ok(match v {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        "NaN" => f64::NAN,
        v => v.parse().map_err(|_| format!("invalid value `{v}`"))?,
    })
}

/// `{labels} value [timestamp]` after a sample's ` # `.
fn parse_exemplar(text: &str) -> Result<Exemplar, String> {
    if !text.starts_with('{') {
        return Err(format!("exemplar without labels `{text}`"));
    }
    let (labels, rest) = parse_labels(text)?;
    let mut fields = rest.split_whitespace();
    let value = parse_value(fields.next().ok_or("exemplar without a value")?)?;
    let timestamp = match fields.next() {
        Some(ts) => Some(
            ts.parse::<f64>()
                .map_err(|_| format!("invalid exemplar timestamp `{ts}`"))?,
        ),
        None => None,
    };
    if fields.next().is_some() {
        return Err("trailing fields after the exemplar".into());
    }
    Ok(Exemplar {
        labels,
        value,
        timestamp,
    })
}

/// The label set at the start of `text` (if it starts with `{`) and the rest.
fn parse_labels(text: &str) -> Result<(BTreeMap<String, String>, &str), String> {
    let mut labels = BTreeMap::new();
    let mut rest = text;
    if let Some(body) = rest.strip_prefix('{') {
        let mut chars = body.char_indices().peekable();
        let mut consumed = None;
        loop {
            // label name
            let start = match chars.peek() {
                Some((_, '}')) => {
                    consumed = chars.next().map(|(i, _)| i + 1);
                    break;
                }
                Some((i, _)) => *i,
                None => break,
            };
            let mut key_end = start;
            for (i, c) in chars.by_ref() {
                if c == '=' {
                    key_end = i;
                    break;
                }
            }
            let key = &body[start..key_end];
            if key.is_empty()
                || !key.chars().enumerate().all(|(i, c)| {
                    c.is_ascii_alphabetic() || c == '_' || (i > 0 && c.is_ascii_digit())
                })
            {
                return Err(format!("invalid label name `{key}`"));
            }
            if key.starts_with("__") {
                return Err(format!(
                    "reserved label name `{key}` (Prometheus keeps `__` names)"
                ));
            }
            if chars.next().map(|(_, c)| c) != Some('"') {
                return Err(format!("label `{key}` value is not quoted"));
            }
            let mut value = String::new();
            let mut closed = false;
            while let Some((_, c)) = chars.next() {
                match c {
                    '\\' => match chars.next().map(|(_, c)| c) {
                        Some('n') => value.push('\n'),
                        Some('\\') => value.push('\\'),
                        Some('"') => value.push('"'),
                        other => return Err(format!("bad escape {other:?} in label `{key}`")),
                    },
                    '"' => {
                        closed = true;
                        break;
                    }
                    '\n' => return Err("raw newline in label value".into()),
                    c => value.push(c),
                }
            }
            if !closed {
                return Err(format!("unterminated value of label `{key}`"));
            }
            if labels.insert(key.to_string(), value).is_some() {
                return Err(format!("duplicate label `{key}`"));
            }
            if let Some((_, ',')) = chars.peek() {
                chars.next();
            }
        }
        let end = consumed.ok_or_else(|| "unterminated label set".to_string())?;
        rest = &body[end..];
    }
    Ok((labels, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_histograms_and_escapes() {
        let text = "# HELP h_seconds Latency\n# TYPE h_seconds histogram\n\
            h_seconds_bucket{a=\"x\\\\y\\n\",le=\"0.5\"} 1\nh_seconds_bucket{a=\"x\\\\y\\n\",le=\"+Inf\"} 2\n\
            h_seconds_sum{a=\"x\\\\y\\n\"} 1.5\nh_seconds_count{a=\"x\\\\y\\n\"} 2\n";
        let s = Scrape::parse(text).unwrap();
        let f = s.family("h_seconds").unwrap();
        assert_eq!(f.kind, "histogram");
        assert_eq!(f.series_count(), 1);
        assert_eq!(f.label_keys().into_iter().collect::<Vec<_>>(), ["a"]);
        assert_eq!(s.value("h_seconds_count", &[("a", "x\\y\n")]), Some(2.0));
        assert_eq!(
            s.value("h_seconds_bucket", &[("a", "x\\y\n"), ("le", "+Inf")]),
            Some(2.0)
        );
    }

    #[test]
    fn rejects_malformed_input() {
        for bad in [
            "# TYPE a counter\n# TYPE a counter\n",
            "# TYPE a counter\nb 1\n",
            "# TYPE a gauge\na{x=\"1\"} 1\na{x=\"1\"} 2\n",
            "# TYPE a gauge\na{x=1} 1\n",
            "# TYPE a gauge\na{x=\"1\" 1\n",
            "# TYPE a gauge\na one\n",
            "# TYPE a gauge\na{1x=\"1\"} 1\n",
        ] {
            assert!(Scrape::parse(bad).is_err(), "{bad}");
        }
    }
}
