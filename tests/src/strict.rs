//! The strict check of exposition text: the Python `prometheus_client`
//! parsers, run in the tools venv (`scripts/install-tools.sh` installs
//! `prometheus_client` there, pinned).
//!
//! `promtool check metrics` accepts text that other consumers refuse: label
//! names starting with `__`, which Prometheus reserves for internal use, pass
//! promtool, and a real Prometheus stores them, but `prometheus_client`
//! refuses them. So every scrape test checks its scrape twice: with promtool
//! and with [`strict_check_metrics`].
//!
//! The check is `prometheus_client.parser.text_string_to_metric_families`
//! (or, for OpenMetrics text, `prometheus_client.openmetrics.parser`'s)
//! followed by `prometheus_client`'s own naming rules on every family,
//! sample and label name: `METRIC_NAME_RE`, `METRIC_LABEL_NAME_RE` and
//! `RESERVED_METRIC_LABEL_NAME_RE` of `prometheus_client.metrics_core`, the
//! rules the library applies to its own metrics. The parsers alone are lax
//! (`prometheus_client` 0.21.1 parses `target_info{__team="core"} 1` without
//! complaint); the naming rules are what makes the check strict. The text is
//! fed on stdin; a run is bounded by [`STRICT_TIMEOUT`].
//!
//! A missing venv Python or `prometheus_client` is an error (never a pass)
//! that says to run `scripts/install-tools.sh`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::error::{Result, err};
use crate::exemplar::{Exemplar, string_map};
use crate::promtool::run_with_timeout;
use crate::tools::python_bin;

/// How long one parser run may take before it is killed.
pub const STRICT_TIMEOUT: Duration = Duration::from_secs(60);

/// Exit status of the script when `prometheus_client` cannot be imported.
const EXIT_IMPORT: i32 = 2;
/// Exit status of the script when the text is refused.
const EXIT_REJECTED: i32 = 1;

/// The Python side: parses stdin with the parser named by `argv[1]`
/// (`text` or `openmetrics`), applies `prometheus_client`'s naming rules and
/// prints the families as JSON, or `{"error": ...}` with exit status 1.
const SCRIPT: &str = r#"
import json, sys
try:
    from prometheus_client.metrics_core import (
        METRIC_LABEL_NAME_RE, METRIC_NAME_RE, RESERVED_METRIC_LABEL_NAME_RE)
    if sys.argv[1] == "openmetrics":
        from prometheus_client.openmetrics.parser import text_string_to_metric_families
    else:
        from prometheus_client.parser import text_string_to_metric_families
except Exception as e:
    sys.stderr.write("%s: %s\n" % (type(e).__name__, e))
    sys.exit(2)

def check(family):
    for name in [family.name] + [s.name for s in family.samples]:
        if not METRIC_NAME_RE.match(name):
            raise ValueError("Invalid metric name: " + name)
    for s in family.samples:
        for label in s.labels:
            if not METRIC_LABEL_NAME_RE.match(label):
                raise ValueError("Invalid label metric name: %s (sample %s)" % (label, s.name))
            if RESERVED_METRIC_LABEL_NAME_RE.match(label):
                raise ValueError("Reserved label metric name: %s (sample %s)" % (label, s.name))

def exemplar(s):
    e = getattr(s, "exemplar", None)
    if e is None:
        return None
    return {
        "labels": e.labels,
        "value": repr(float(e.value)),
        "timestamp": None if e.timestamp is None else repr(float(e.timestamp)),
    }

try:
    text = sys.stdin.buffer.read().decode("utf-8")
    families = []
    for f in text_string_to_metric_families(text):
        check(f)
        families.append({
            "name": f.name,
            "type": f.type,
            "help": f.documentation,
            "samples": [
                {"name": s.name, "labels": s.labels, "value": repr(float(s.value)),
                 "exemplar": exemplar(s)}
                for s in f.samples
            ],
        })
except Exception as e:
    json.dump({"error": "%s: %s" % (type(e).__name__, e)}, sys.stdout)
    sys.exit(1)
json.dump({"families": families}, sys.stdout)
"#;

/// One sample as `prometheus_client` parsed it.
#[derive(Debug, Clone, PartialEq)]
pub struct StrictSample {
    /// The sample's name (`x_bucket`, `x_total`, ...).
    pub name: String,
    /// Its labels, `le` included.
    pub labels: BTreeMap<String, String>,
    /// Its value.
    pub value: f64,
    /// Its exemplar (OpenMetrics only: ` # {labels} value [timestamp]` after
    /// the value); `None` without one and always in the text format 0.0.4.
    pub exemplar: Option<Exemplar>,
}

/// One family as `prometheus_client` parsed it. Its naming is the
/// library's: a counter family's name has no `_total` (its samples do), a
/// family without `# TYPE` is `unknown`.
#[derive(Debug, Clone, PartialEq)]
pub struct StrictFamily {
    /// The family name.
    pub name: String,
    /// `counter`, `gauge`, `histogram`, `summary`, `unknown`, ...
    pub kind: String,
    /// The `# HELP` text, unescaped.
    pub help: String,
    /// The samples, in text order.
    pub samples: Vec<StrictSample>,
}

/// What the strict parser made of a text.
#[derive(Debug, Clone, PartialEq)]
pub enum StrictParse {
    /// Accepted, with the families parsed.
    Parsed(Vec<StrictFamily>),
    /// Refused, with `prometheus_client`'s error.
    Rejected(String),
}

impl StrictParse {
    /// The families, or an error with the rejection.
    pub fn families(self) -> Result<Vec<StrictFamily>> {
        match self {
            StrictParse::Parsed(families) => Ok(families),
            StrictParse::Rejected(error) => Err(err!(
                "the strict parser (prometheus_client) rejected the exposition text: {error}"
            )),
        }
    }

    /// The parser's error, if it refused the text.
    pub fn rejection(&self) -> Option<&str> {
        match self {
            StrictParse::Parsed(_) => None,
            StrictParse::Rejected(error) => Some(error),
        }
    }
}

/// Parses Prometheus text exposition (format 0.0.4) strictly. `Err` only
/// when the parser could not run (venv Python or `prometheus_client`
/// missing, timeout); a refused text is `Ok(StrictParse::Rejected(_))`.
pub fn strict_parse(text: &str) -> Result<StrictParse> {
    run_parser("text", text)
}

/// Parses OpenMetrics text (ending with `# EOF`) strictly, with
/// `prometheus_client.openmetrics.parser`; otherwise as [`strict_parse`].
pub fn strict_parse_openmetrics(text: &str) -> Result<StrictParse> {
    run_parser("openmetrics", text)
}

/// [`strict_parse`], with a refusal as an error: the check every scrape
/// test runs next to `promtool check metrics`.
pub fn strict_check_metrics(text: &str) -> Result<Vec<StrictFamily>> {
    strict_parse(text)?.families()
}

/// [`strict_check_metrics`], and the strict parser's samples must be
/// exactly those of `autobot_otel::testing::Scrape::parse` (name, labels and
/// value of each, NaN equal to NaN): two independent parsers agree on the
/// whole scrape. Returns the strict parser's families.
pub fn strict_check_scrape(text: &str) -> Result<Vec<StrictFamily>> {
    let families = strict_check_metrics(text)?;
    parsers_agree(&families, text)?;
    Ok(families)
}

/// [`strict_check_scrape`] for OpenMetrics: [`strict_parse_openmetrics`], a
/// refusal as an error, and its samples must be exactly those of
/// `autobot_otel::testing::Scrape::parse`, exemplars included (their labels,
/// value and timestamp to the millisecond).
pub fn strict_check_openmetrics(text: &str) -> Result<Vec<StrictFamily>> {
    let families = strict_parse_openmetrics(text)?.families()?;
    parsers_agree(&families, text)?;
    Ok(families)
}

/// A sample as both parsers read it: name, labels, value bits, and the
/// exemplar's labels, value bits and timestamp in milliseconds.
type SampleKey<'a> = (
    &'a str,
    &'a BTreeMap<String, String>,
    u64,
    Option<(&'a BTreeMap<String, String>, u64, Option<i64>)>,
);

fn sample_key<'a>(
    name: &'a str,
    labels: &'a BTreeMap<String, String>,
    value: f64,
    exemplar: Option<&'a Exemplar>,
) -> SampleKey<'a> {
    let bits = |v: f64| {
        if v.is_nan() {
            f64::NAN.to_bits()
        } else {
            v.to_bits()
        }
    };
    let exemplar = exemplar.map(|e| {
        let millis = e.timestamp.map(|t| (t * 1000.0).round() as i64);
        (&e.labels, bits(e.value), millis)
    });
    (name, labels, bits(value), exemplar)
}

/// The strict parser's samples are exactly those of `Scrape::parse` of `text`.
fn parsers_agree(families: &[StrictFamily], text: &str) -> Result<()> {
    let ours = autobot_otel::testing::Scrape::parse(text)
        .map_err(|e| err!("autobot_otel::testing::Scrape::parse refused the text: {e}"))?;
    let mut strict: Vec<SampleKey<'_>> = families
        .iter()
        .flat_map(|f| &f.samples)
        .map(|s| sample_key(&s.name, &s.labels, s.value, s.exemplar.as_ref()))
        .collect();
    let mut mine: Vec<SampleKey<'_>> = ours
        .samples()
        .map(|s| sample_key(&s.name, &s.labels, s.value, s.exemplar.as_ref()))
        .collect();
    strict.sort();
    mine.sort();
    if strict != mine {
        let only = |a: &[SampleKey<'_>], b: &[SampleKey<'_>]| -> Vec<String> {
            a.iter()
                .filter(|k| b.binary_search(k).is_err())
                .take(5)
                .map(|(n, l, v, e)| format!("{n}{l:?} {} {e:?}", f64::from_bits(*v)))
                .collect()
        };
        return Err(err!(
            "the strict parser read {} samples, Scrape::parse {}; only in the strict one: {:?}; \
             only in Scrape::parse: {:?}",
            strict.len(),
            mine.len(),
            only(&strict, &mine),
            only(&mine, &strict)
        ));
    }
    Ok(())
}

fn run_parser(format: &str, text: &str) -> Result<StrictParse> {
    run_parser_with(&python_bin()?, format, text)
}

fn run_parser_with(python: &Path, format: &str, text: &str) -> Result<StrictParse> {
    let mut cmd = Command::new(python);
    // Isolated: no PYTHON* variables, no user site-packages.
    cmd.arg("-I").arg("-c").arg(SCRIPT).arg(format);
    let out = run_with_timeout(cmd, Some(text.as_bytes()), STRICT_TIMEOUT)?;
    match out.code() {
        Some(0) | Some(EXIT_REJECTED) => decode(&out.stdout).map_err(|e| {
            err!(
                "cannot read the strict parser's output ({e}); exit {}, stderr:\n{}",
                out.status,
                out.stderr
            )
        }),
        Some(EXIT_IMPORT) => Err(err!(
            "prometheus_client is not importable from {} ({}); run scripts/install-tools.sh",
            python.display(),
            out.stderr.trim()
        )),
        _ => Err(err!(
            "the strict parser ({}) failed ({}):\nstdout:\n{}\nstderr:\n{}",
            python.display(),
            out.status,
            out.stdout,
            out.stderr
        )),
    }
}

/// A Python float's `repr` (`inf`, `nan` included) as an `f64`.
fn parse_float(repr: &str) -> std::result::Result<f64, String> {
    repr.parse().map_err(|e| format!("value {repr:?}: {e}"))
}

/// One sample's `exemplar` object.
fn decode_exemplar(e: &serde_json::Value) -> std::result::Result<Exemplar, String> {
    let value = e
        .get("value")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| format!("exemplar without value: {e}"))?;
    let timestamp = match e.get("timestamp") {
        None | Some(serde_json::Value::Null) => None,
        Some(t) => {
            Some(parse_float(t.as_str().ok_or_else(|| {
                format!("exemplar timestamp {t} is not a string")
            })?)?)
        }
    };
    Ok(Exemplar {
        labels: string_map(e.get("labels"), "labels")?,
        value: parse_float(value)?,
        timestamp,
    })
}

/// Reads the script's JSON.
fn decode(stdout: &str) -> std::result::Result<StrictParse, String> {
    let json: serde_json::Value = serde_json::from_str(stdout).map_err(|e| e.to_string())?;
    if let Some(error) = json.get("error") {
        let error = error.as_str().ok_or("`error` is not a string")?;
        return Ok(StrictParse::Rejected(error.to_string()));
    }
    let str_of = |v: &serde_json::Value, key: &str| -> std::result::Result<String, String> {
        v.get(key)
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| format!("`{key}` missing in {v}"))
    };
    let families = json
        .get("families")
        .and_then(serde_json::Value::as_array)
        .ok_or("`families` missing")?;
    let mut out = Vec::with_capacity(families.len());
    for f in families {
        let samples = f
            .get("samples")
            .and_then(serde_json::Value::as_array)
            .ok_or("`samples` missing")?;
        let mut parsed = Vec::with_capacity(samples.len());
        for s in samples {
            let labels = string_map(s.get("labels"), "labels")?;
            let value = str_of(s, "value")?;
            let exemplar = match s.get("exemplar") {
                None | Some(serde_json::Value::Null) => None,
                Some(e) => Some(decode_exemplar(e)?),
            };
            parsed.push(StrictSample {
                name: str_of(s, "name")?,
                labels,
                value: parse_float(&value)?,
                exemplar,
            });
        }
        out.push(StrictFamily {
            name: str_of(f, "name")?,
            kind: str_of(f, "type")?,
            help: str_of(f, "help")?,
            samples: parsed,
        });
    }
    Ok(StrictParse::Parsed(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_families_and_python_float_reprs() {
        let json = r#"{"families": [{"name": "x", "type": "counter", "help": "h\nl",
            "samples": [
              {"name": "x_total", "labels": {"a": "1", "le": "+Inf"}, "value": "inf"},
              {"name": "x_total", "labels": {}, "value": "-inf"},
              {"name": "x_total", "labels": {}, "value": "nan"},
              {"name": "x_total", "labels": {}, "value": "1.8446744073709552e+19"}]}]}"#;
        let StrictParse::Parsed(families) = decode(json).unwrap() else {
            panic!("parsed");
        };
        assert_eq!(families.len(), 1);
        let f = &families[0];
        assert_eq!(
            (f.name.as_str(), f.kind.as_str(), f.help.as_str()),
            ("x", "counter", "h\nl")
        );
        assert_eq!(f.samples[0].labels["le"], "+Inf");
        assert_eq!(f.samples[0].value, f64::INFINITY);
        assert_eq!(f.samples[1].value, f64::NEG_INFINITY);
        assert!(f.samples[2].value.is_nan());
        assert_eq!(f.samples[3].value, u64::MAX as f64);
    }

    /// A Python without `prometheus_client` is an error telling what to
    /// run, never a pass; so is a crashing one.
    #[test]
    fn a_missing_prometheus_client_is_an_error() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = crate::TempDir::new("strict").unwrap();
        let fake = dir.path().join("python");
        std::fs::write(
            &fake,
            "#!/bin/sh\necho \"ModuleNotFoundError: No module named 'prometheus_client'\" >&2\nexit 2\n",
        )
        .unwrap();
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        let e = run_parser_with(&fake, "text", "x 1\n").unwrap_err();
        assert!(e.message().contains("scripts/install-tools.sh"), "{e}");
        assert!(e.message().contains("No module named"), "{e}");

        std::fs::write(&fake, "#!/bin/sh\nexit 7\n").unwrap();
        let e = run_parser_with(&fake, "text", "x 1\n").unwrap_err();
        assert!(e.message().contains("failed"), "{e}");
    }

    #[test]
    fn decodes_exemplars() {
        let json = r#"{"families": [{"name": "x", "type": "counter", "help": "",
            "samples": [
              {"name": "x_total", "labels": {}, "value": "3.0", "exemplar":
                {"labels": {"trace_id": "ab"}, "value": "0.5", "timestamp": "1700000000.123"}},
              {"name": "x_total", "labels": {}, "value": "1.0", "exemplar":
                {"labels": {}, "value": "1.0", "timestamp": null}},
              {"name": "x_total", "labels": {}, "value": "1.0", "exemplar": null},
              {"name": "x_total", "labels": {}, "value": "1.0"}]}]}"#;
        let StrictParse::Parsed(families) = decode(json).unwrap() else {
            panic!("parsed");
        };
        let samples = &families[0].samples;
        let e = samples[0].exemplar.as_ref().unwrap();
        assert_eq!(e.labels["trace_id"], "ab");
        assert_eq!((e.value, e.timestamp), (0.5, Some(1_700_000_000.123)));
        assert_eq!(samples[1].exemplar.as_ref().unwrap().timestamp, None);
        assert_eq!(samples[2].exemplar, None);
        assert_eq!(samples[3].exemplar, None);
        assert!(decode(r#"{"families": [{"name": "x", "type": "counter", "help": "",
            "samples": [{"name": "x", "labels": {}, "value": "1.0", "exemplar": {"labels": {}}}]}]}"#)
            .is_err());
    }

    #[test]
    fn decodes_a_rejection_and_refuses_garbage() {
        let parsed = decode(r#"{"error": "ValueError: Reserved label metric name: __x"}"#).unwrap();
        assert_eq!(
            parsed.rejection(),
            Some("ValueError: Reserved label metric name: __x")
        );
        let e = parsed.families().unwrap_err();
        assert!(e.message().contains("rejected"), "{e}");
        assert!(decode("not json").is_err());
        assert!(decode(r#"{"families": [{"name": "x"}]}"#).is_err());
    }
}
