//! Service level objectives (SLOs) over the catalog: the one table
//! ([`OBJECTIVES`]) from which `cargo xtask gen` writes the multi-window,
//! multi-burn-rate Prometheus rules, their promtool tests, the Alertmanager
//! inhibitions and the OpenSLO / Sloth specs.
//!
//! An objective names its families by [`MetricId`], so it cannot name a family
//! that does not exist; [`Objective::problems`] checks everything else (target,
//! reachable tiers, grouping labels, latency thresholds) and each problem says
//! its fix. A latency threshold that is not a bucket boundary of its histogram
//! is added to the histogram's boundaries ([`boundaries`]) unless the objective
//! says otherwise.
//!
//! ```
//! use autobot_otel_catalog::objectives::{OBJECTIVES, ObjectiveId};
//! let llm = ObjectiveId::LlmAvailability.def();
//! assert_eq!(llm.name, "llm-availability");
//! assert_eq!(llm.target, "99.5");
//! assert_eq!(llm.error_budget().unwrap().to_string(), "0.005");
//! assert!(OBJECTIVES.iter().all(|o| o.problems().is_empty()));
//! ```

use std::borrow::Cow;
use std::fmt;

use crate::{Category, Kind, MetricId};

/// Typed identifier of every shipped objective; `id.def()` gives it.
///
/// ```
/// use autobot_otel_catalog::objectives::ObjectiveId;
/// assert_eq!(ObjectiveId::WorkflowSuccess.def().name, "workflow-success");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectiveId {
    /// `workflow-success`: workflows that end `success` rather than `failed`.
    WorkflowSuccess,
    /// `task-success`: tasks that end `success` rather than `failed`.
    TaskSuccess,
    /// `github-operations`: GitHub API operations that succeed.
    GithubOperations,
    /// `llm-availability`: LLM requests that do not end in an error.
    LlmAvailability,
    /// `llm-latency`: LLM requests answered within 10 s.
    LlmLatency,
    /// `knowledge-search-latency`: knowledge searches answered within 0.5 s.
    KnowledgeSearchLatency,
    /// `agent-success`: agent invocations that end `success`.
    AgentSuccess,
}

impl ObjectiveId {
    /// The objective's definition in [`OBJECTIVES`].
    ///
    /// ```
    /// use autobot_otel_catalog::objectives::ObjectiveId;
    /// assert_eq!(ObjectiveId::LlmLatency.def().id, ObjectiveId::LlmLatency);
    /// ```
    pub fn def(self) -> &'static Objective {
        &OBJECTIVES[self as usize]
    }

    /// Looks an objective up by its name (`llm-availability`).
    ///
    /// ```
    /// use autobot_otel_catalog::objectives::ObjectiveId;
    /// assert_eq!(ObjectiveId::from_name("llm-latency"), Some(ObjectiveId::LlmLatency));
    /// assert_eq!(ObjectiveId::from_name("nope"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<ObjectiveId> {
        OBJECTIVES.iter().find(|o| o.name == name).map(|o| o.id)
    }
}

/// What an objective measures: the ratio of bad to total events.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Sli {
    /// One counter family split by an outcome label: bad events carry one of
    /// `bad`, total events one of `bad` or `good` (values in neither, such as
    /// `cancelled`, count for nothing).
    Outcome {
        /// The counter.
        family: MetricId,
        /// The outcome label (`status`).
        label: &'static str,
        /// The label values of bad events.
        bad: &'static [&'static str],
        /// The label values of good events.
        good: &'static [&'static str],
    },
    /// Two counter families: every increment of `bad` is one failed event
    /// among those `total` counts.
    Ratio {
        /// The counter of bad events.
        bad: MetricId,
        /// The counter of all events.
        total: MetricId,
    },
    /// A histogram: bad events are those slower than `threshold` (in the
    /// histogram's unit), total events its `_count`.
    Latency {
        /// The histogram.
        histogram: MetricId,
        /// The threshold, which must be (or become) a bucket boundary.
        threshold: f64,
        /// Whether [`boundaries`] adds `threshold` to the histogram's
        /// boundaries when it is not one (the default). With `false` a
        /// threshold between buckets is a [`Problem::ThresholdNotABoundary`].
        add_boundary: bool,
    },
}

impl Sli {
    /// The families the SLI reads, bad first (one for outcome and latency SLIs).
    ///
    /// ```
    /// use autobot_otel_catalog::objectives::ObjectiveId;
    /// use autobot_otel_catalog::MetricId;
    /// assert_eq!(
    ///     ObjectiveId::LlmAvailability.def().sli.families(),
    ///     vec![MetricId::LlmErrorsTotal, MetricId::LlmRequestsTotal]
    /// );
    /// ```
    pub fn families(&self) -> Vec<MetricId> {
        match *self {
            Sli::Outcome { family, .. } => vec![family],
            Sli::Ratio { bad, total } => vec![bad, total],
            Sli::Latency { histogram, .. } => vec![histogram],
        }
    }
}

/// One of the four alert tiers (multi-window, multi-burn-rate), with the
/// windows of a 30-day period; other periods scale them ([`Tier::windows`]).
///
/// ```
/// use autobot_otel_catalog::objectives::Tier;
/// assert_eq!(Tier::Fast.windows(30), (60, 5));
/// assert_eq!(Tier::Fast.burn_rate(), "14.4");
/// assert_eq!(Tier::LongTerm.key(), "long-term");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tier {
    /// 1 h long and 5 m short window, burn 14.4 (2 % of the budget in 1 h).
    Fast,
    /// 6 h and 30 m, burn 6 (5 % in 6 h).
    Medium,
    /// 1 d and 2 h, burn 3 (10 % in a day).
    Slow,
    /// 3 d and 6 h, burn 1 (10 % in 3 days).
    LongTerm,
}

impl Tier {
    /// The four tiers, fastest first.
    pub const ALL: [Tier; 4] = [Tier::Fast, Tier::Medium, Tier::Slow, Tier::LongTerm];

    /// `fast`, `medium`, `slow` or `long-term` (the `slo_tier` label).
    pub const fn key(self) -> &'static str {
        match self {
            Tier::Fast => "fast",
            Tier::Medium => "medium",
            Tier::Slow => "slow",
            Tier::LongTerm => "long-term",
        }
    }

    /// The burn rate as written in the rules (`14.4`).
    pub const fn burn_rate(self) -> &'static str {
        match self {
            Tier::Fast => "14.4",
            Tier::Medium => "6",
            Tier::Slow => "3",
            Tier::LongTerm => "1",
        }
    }

    /// [`Tier::burn_rate`] as a number.
    pub fn burn(self) -> f64 {
        match self {
            Tier::Fast => 14.4,
            Tier::Medium => 6.0,
            Tier::Slow => 3.0,
            Tier::LongTerm => 1.0,
        }
    }

    /// `(long, short)` windows in minutes for a period of `period_days`: the
    /// 30-day windows scaled by `period_days / 30`, rounded to whole minutes
    /// (at least one).
    ///
    /// ```
    /// use autobot_otel_catalog::objectives::Tier;
    /// assert_eq!(Tier::LongTerm.windows(30), (4320, 360));
    /// assert_eq!(Tier::Fast.windows(7), (14, 1));
    /// ```
    pub fn windows(self, period_days: u32) -> (u32, u32) {
        let (long, short) = match self {
            Tier::Fast => (60, 5),
            Tier::Medium => (360, 30),
            Tier::Slow => (1440, 120),
            Tier::LongTerm => (4320, 360),
        };
        let scale = |m: u32| ((m * period_days + 15) / 30).max(1);
        (scale(long), scale(short))
    }
}

/// An alert's `severity` label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Severity {
    /// Pages: the tier carries the objective's minimum-traffic floor.
    Critical,
    /// A ticket: never held back by the floor.
    Warning,
}

impl Severity {
    /// `critical` or `warning`.
    ///
    /// ```
    /// assert_eq!(autobot_otel_catalog::objectives::Severity::Critical.as_str(), "critical");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
        }
    }
}

/// How one tier of an objective alerts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TierSetting {
    /// The tier.
    pub tier: Tier,
    /// Whether the tier has an alert at all.
    pub enabled: bool,
    /// Its `severity`.
    pub severity: Severity,
}

/// The default tiers: all four on, fast and medium page (`critical`), slow and
/// long-term are tickets (`warning`).
pub const DEFAULT_TIERS: [TierSetting; 4] = [
    TierSetting {
        tier: Tier::Fast,
        enabled: true,
        severity: Severity::Critical,
    },
    TierSetting {
        tier: Tier::Medium,
        enabled: true,
        severity: Severity::Critical,
    },
    TierSetting {
        tier: Tier::Slow,
        enabled: true,
        severity: Severity::Warning,
    },
    TierSetting {
        tier: Tier::LongTerm,
        enabled: true,
        severity: Severity::Warning,
    },
];

/// One service level objective.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Objective {
    /// Its identifier.
    pub id: ObjectiveId,
    /// Kebab-case name (`sloth_slo` label, spec names).
    pub name: &'static str,
    /// What it promises, in words.
    pub description: &'static str,
    /// The guide category its families belong to (the alerts' `category`).
    pub category: Category,
    /// What it measures.
    pub sli: Sli,
    /// Grouping labels: one SLI, budget and alert per value combination.
    pub by: &'static [&'static str],
    /// The most groups expected, required when a grouping label is
    /// open-ended (has no vocabulary).
    pub max_groups: Option<usize>,
    /// Percentage of good events, an exact decimal in (0, 100): `"99.5"`.
    pub target: &'static str,
    /// The period of the budget: 30 (default), 28 or 7 days.
    pub period_days: u32,
    /// The four tiers, fastest first.
    pub tiers: [TierSetting; 4],
    /// A `critical` tier fires only when at least this many bad events
    /// happened in its long window (0: no floor): one failure among a handful
    /// of calls does not page.
    pub page_min_bad_events: u32,
}

/// An exact decimal number: `units / 10^scale`.
///
/// ```
/// use autobot_otel_catalog::objectives::Decimal;
/// let d = Decimal::parse("99.50").unwrap();
/// assert_eq!(d.to_string(), "99.5");
/// assert!(Decimal::parse("1e3").is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal {
    /// The digits.
    pub units: u64,
    /// How many of them are after the point.
    pub scale: u32,
}

impl Decimal {
    /// Parses `digits[.digits]` (at most 12 fraction digits); `None` otherwise.
    pub fn parse(text: &str) -> Option<Decimal> {
        let (int, frac) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if int.is_empty() || !digits(int) || !digits(frac) || frac.len() > 12 || int.len() > 6 {
            return None;
        }
        if text.ends_with('.') {
            return None;
        }
        let units = format!("{int}{frac}").parse().ok()?;
        Some(Decimal {
            units,
            scale: frac.len() as u32,
        })
    }

    /// The value as a float (for arithmetic in tests and generators).
    pub fn as_f64(self) -> f64 {
        self.units as f64 / 10f64.powi(self.scale as i32)
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = format!("{:0>width$}", self.units, width = self.scale as usize + 1);
        let (int, frac) = s.split_at(s.len() - self.scale as usize);
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            f.write_str(int)
        } else {
            write!(f, "{int}.{frac}")
        }
    }
}

impl Objective {
    /// The target as a ratio (`0.995` for `"99.5"`), exact; `None` when the
    /// target is not a decimal.
    ///
    /// ```
    /// use autobot_otel_catalog::objectives::ObjectiveId;
    /// assert_eq!(ObjectiveId::LlmAvailability.def().objective_ratio().unwrap().to_string(), "0.995");
    /// ```
    pub fn objective_ratio(&self) -> Option<Decimal> {
        let t = Decimal::parse(self.target)?;
        Some(Decimal {
            units: t.units,
            scale: t.scale + 2,
        })
    }

    /// The error budget as a ratio (`1 - target / 100`), exact; `None` when the
    /// target is not a decimal in (0, 100).
    ///
    /// ```
    /// use autobot_otel_catalog::objectives::ObjectiveId;
    /// assert_eq!(ObjectiveId::LlmLatency.def().error_budget().unwrap().to_string(), "0.05");
    /// ```
    pub fn error_budget(&self) -> Option<Decimal> {
        let t = Decimal::parse(self.target)?;
        let hundred = 100 * 10u64.pow(t.scale);
        (t.units > 0 && t.units < hundred).then(|| Decimal {
            units: hundred - t.units,
            scale: t.scale + 2,
        })
    }

    /// The enabled tiers, fastest first.
    pub fn enabled_tiers(&self) -> impl Iterator<Item = &TierSetting> {
        self.tiers.iter().filter(|t| t.enabled)
    }

    /// `autobot-<name>`, the `sloth_id` label.
    ///
    /// ```
    /// use autobot_otel_catalog::objectives::ObjectiveId;
    /// assert_eq!(ObjectiveId::LlmLatency.def().sloth_id(), "autobot-llm-latency");
    /// ```
    pub fn sloth_id(&self) -> String {
        format!("autobot-{}", self.name)
    }

    /// The most label sets the SLI rules can have: the objective's
    /// `max_groups`, or the product of its grouping labels' vocabularies.
    ///
    /// ```
    /// use autobot_otel_catalog::objectives::ObjectiveId;
    /// assert_eq!(ObjectiveId::KnowledgeSearchLatency.def().group_bound(), 3);
    /// assert_eq!(ObjectiveId::LlmAvailability.def().group_bound(), 20);
    /// ```
    pub fn group_bound(&self) -> usize {
        if let Some(max) = self.max_groups {
            return max;
        }
        let family = self.sli.families()[0].def();
        self.by
            .iter()
            .map(|l| family.vocabulary(l).map_or(1, <[&str]>::len))
            .product()
    }

    /// Everything wrong with the objective, each [`Problem`] saying its fix
    /// (empty when the objective is sound). `cargo xtask check` and a catalog
    /// test refuse the shipped table when one has a problem.
    ///
    /// ```
    /// use autobot_otel_catalog::objectives::{ObjectiveId, Problem};
    /// let mut o = *ObjectiveId::LlmAvailability.def();
    /// o.target = "90";
    /// let problems = o.problems();
    /// assert!(matches!(problems[0], Problem::UnreachableTier { .. }));
    /// assert!(problems[0].to_string().contains("1.44 > 1"));
    /// ```
    pub fn problems(&self) -> Vec<Problem> {
        let mut out = Vec::new();
        let name = self.name;
        let Some(budget) = self.error_budget() else {
            out.push(Problem::Target {
                objective: name,
                target: self.target,
            });
            return out;
        };
        if ![7, 28, 30].contains(&self.period_days) {
            out.push(Problem::Period {
                objective: name,
                days: self.period_days,
            });
        }
        for setting in self.enabled_tiers() {
            let threshold = setting.tier.burn() * budget.as_f64();
            if threshold >= 1.0 {
                out.push(Problem::UnreachableTier {
                    objective: name,
                    tier: setting.tier,
                    threshold,
                });
            }
        }
        let families = self.sli.families();
        let want = match self.sli {
            Sli::Latency { .. } => Kind::Histogram,
            _ => Kind::Counter,
        };
        for id in &families {
            if id.def().kind != want {
                out.push(Problem::Kind {
                    objective: name,
                    family: id.def().name,
                    want,
                });
            }
        }
        for label in self.by {
            for id in &families {
                let def = id.def();
                if def.label_index(label).is_none() {
                    out.push(Problem::MissingLabel {
                        objective: name,
                        label,
                        family: def.name,
                        labels: def.labels,
                    });
                }
            }
            let open = families[0].def().vocabulary(label).is_none();
            if open && self.max_groups.is_none() && families[0].def().label_index(label).is_some() {
                out.push(Problem::Unbounded {
                    objective: name,
                    label,
                });
            }
        }
        if let Sli::Outcome {
            family,
            label,
            bad,
            good,
        } = self.sli
        {
            let def = family.def();
            match def.vocabulary(label) {
                Some(values) => {
                    for v in bad.iter().chain(good) {
                        if !values.contains(v) {
                            out.push(Problem::UnknownOutcome {
                                objective: name,
                                value: v,
                                family: def.name,
                                values,
                            });
                        }
                    }
                }
                None => out.push(Problem::MissingLabel {
                    objective: name,
                    label,
                    family: def.name,
                    labels: def.labels,
                }),
            }
            if bad.is_empty() || good.is_empty() {
                out.push(Problem::EmptyOutcome { objective: name });
            }
        }
        if let Sli::Latency {
            histogram,
            threshold,
            add_boundary,
        } = self.sli
        {
            let buckets = histogram.def().buckets;
            if !add_boundary && !buckets.contains(&threshold) {
                out.push(Problem::ThresholdNotABoundary {
                    objective: name,
                    family: histogram.def().name,
                    threshold,
                    below: buckets.iter().rev().find(|b| **b < threshold).copied(),
                    above: buckets.iter().find(|b| **b > threshold).copied(),
                });
            }
            if !(threshold.is_finite() && threshold > 0.0) {
                out.push(Problem::ThresholdNotABoundary {
                    objective: name,
                    family: histogram.def().name,
                    threshold,
                    below: None,
                    above: None,
                });
            }
        }
        out
    }
}

/// What is wrong with an [`Objective`]; the message says the fix.
#[derive(Clone, Debug, PartialEq)]
pub enum Problem {
    /// The target is not a decimal in (0, 100).
    Target {
        /// The objective.
        objective: &'static str,
        /// Its target.
        target: &'static str,
    },
    /// The period is not 7, 28 or 30 days.
    Period {
        /// The objective.
        objective: &'static str,
        /// Its period.
        days: u32,
    },
    /// An enabled tier's threshold (burn × budget) is 1 or more: its error
    /// ratio can never exceed it.
    UnreachableTier {
        /// The objective.
        objective: &'static str,
        /// The tier.
        tier: Tier,
        /// burn × budget.
        threshold: f64,
    },
    /// A family of the wrong kind (ratios read counters, latency a histogram).
    Kind {
        /// The objective.
        objective: &'static str,
        /// The family.
        family: &'static str,
        /// The kind it must have.
        want: Kind,
    },
    /// A grouping or outcome label is not a label of a family.
    MissingLabel {
        /// The objective.
        objective: &'static str,
        /// The label.
        label: &'static str,
        /// The family lacking it.
        family: &'static str,
        /// The family's labels.
        labels: &'static [&'static str],
    },
    /// Grouping by an open-ended label with no `max_groups`.
    Unbounded {
        /// The objective.
        objective: &'static str,
        /// The label.
        label: &'static str,
    },
    /// An outcome value outside the label's vocabulary.
    UnknownOutcome {
        /// The objective.
        objective: &'static str,
        /// The value.
        value: &'static str,
        /// The family.
        family: &'static str,
        /// The vocabulary.
        values: &'static [&'static str],
    },
    /// An outcome SLI with no bad or no good values.
    EmptyOutcome {
        /// The objective.
        objective: &'static str,
    },
    /// A latency threshold that is not a bucket boundary, with adding it off.
    ThresholdNotABoundary {
        /// The objective.
        objective: &'static str,
        /// The histogram.
        family: &'static str,
        /// The threshold.
        threshold: f64,
        /// The nearest boundary below.
        below: Option<f64>,
        /// The nearest boundary above.
        above: Option<f64>,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Target { objective, target } => write!(
                f,
                "objective `{objective}`: target `{target}` is not a decimal in (0, 100); \
                 write the percentage of good events, e.g. \"99.5\""
            ),
            Problem::Period { objective, days } => write!(
                f,
                "objective `{objective}`: a period of {days} days is not supported; use 30, 28 or 7"
            ),
            Problem::UnreachableTier {
                objective,
                tier,
                threshold,
            } => write!(
                f,
                "objective `{objective}`: its target makes the {} tier unreachable \
                 ({} x budget = {} > 1); raise the target or disable the tier",
                tier.key(),
                tier.burn_rate(),
                (threshold * 1e6).round() / 1e6,
            ),
            Problem::Kind {
                objective,
                family,
                want,
            } => write!(
                f,
                "objective `{objective}`: {family} is not a {want}; this SLI reads a {want} family"
            ),
            Problem::MissingLabel {
                objective,
                label,
                family,
                labels,
            } => write!(
                f,
                "objective `{objective}`: `{label}` is not a label of {family} ({}); \
                 group by labels both families have",
                labels.join(", ")
            ),
            Problem::Unbounded { objective, label } => write!(
                f,
                "objective `{objective}`: `{label}` takes any value; set `max_groups` to the \
                 number of groups expected, or group by a label with a vocabulary"
            ),
            Problem::UnknownOutcome {
                objective,
                value,
                family,
                values,
            } => write!(
                f,
                "objective `{objective}`: `{value}` is not a value of {family}'s outcome label \
                 ({}); use one of them",
                values.join(", ")
            ),
            Problem::EmptyOutcome { objective } => write!(
                f,
                "objective `{objective}`: an outcome SLI needs at least one bad and one good value"
            ),
            Problem::ThresholdNotABoundary {
                objective,
                family,
                threshold,
                below,
                above,
            } => {
                let show = |b: &Option<f64>| b.map_or("none".to_string(), |b| b.to_string());
                write!(
                    f,
                    "objective `{objective}`: {threshold} is not a bucket boundary of {family} \
                     (neighbours {} and {}); use one of them, or let the catalog add the \
                     boundary (`add_boundary: true`)",
                    show(below),
                    show(above)
                )
            }
        }
    }
}

/// `boundaries` with every threshold in `thresholds` added, sorted, without
/// duplicates (non-finite thresholds are ignored).
///
/// ```
/// use autobot_otel_catalog::objectives::merge_boundaries;
/// assert_eq!(merge_boundaries(&[1.0, 2.5, 5.0], &[2.0, 2.5]), [1.0, 2.0, 2.5, 5.0]);
/// ```
pub fn merge_boundaries(boundaries: &[f64], thresholds: &[f64]) -> Vec<f64> {
    let mut out: Vec<f64> = boundaries
        .iter()
        .chain(thresholds.iter().filter(|t| t.is_finite()))
        .copied()
        .collect();
    out.sort_by(f64::total_cmp);
    out.dedup();
    out
}

/// The latency thresholds of objectives that add their threshold to
/// `histogram`'s boundaries.
///
/// ```
/// use autobot_otel_catalog::objectives::added_thresholds;
/// use autobot_otel_catalog::MetricId;
/// assert_eq!(added_thresholds(MetricId::LlmRequestLatencySeconds), [10.0]);
/// ```
pub fn added_thresholds(histogram: MetricId) -> Vec<f64> {
    OBJECTIVES
        .iter()
        .filter_map(|o| match o.sli {
            Sli::Latency {
                histogram: h,
                threshold,
                add_boundary: true,
            } if h == histogram => Some(threshold),
            _ => None,
        })
        .collect()
}

/// The bucket boundaries the SDK uses for a catalog metric: its catalog
/// buckets plus every objective threshold on it ([`added_thresholds`]). The
/// OpenTelemetry view, both exporters and the dashboards use these. Every
/// shipped threshold is already a boundary, so today this equals
/// `id.def().buckets` for every metric (a test proves it).
///
/// ```
/// use autobot_otel_catalog::objectives::boundaries;
/// use autobot_otel_catalog::MetricId;
/// let id = MetricId::LlmRequestLatencySeconds;
/// assert_eq!(&*boundaries(id), id.def().buckets);
/// ```
pub fn boundaries(id: MetricId) -> Cow<'static, [f64]> {
    let buckets = id.def().buckets;
    let added = added_thresholds(id);
    if added.iter().all(|t| buckets.contains(t)) {
        Cow::Borrowed(buckets)
    } else {
        Cow::Owned(merge_boundaries(buckets, &added))
    }
}

/// Every shipped objective, in [`ObjectiveId`] order.
pub static OBJECTIVES: &[Objective] = &[
    Objective {
        id: ObjectiveId::WorkflowSuccess,
        name: "workflow-success",
        description: "99% of finished workflows succeed (cancelled ones count for nothing)",
        category: Category::Workflow,
        sli: Sli::Outcome {
            family: MetricId::WorkflowExecutionsTotal,
            label: "status",
            bad: &["failed"],
            good: &["success"],
        },
        by: &["workflow_type"],
        max_groups: Some(50),
        target: "99",
        period_days: 30,
        tiers: DEFAULT_TIERS,
        page_min_bad_events: 3,
    },
    Objective {
        id: ObjectiveId::TaskSuccess,
        name: "task-success",
        description: "99% of finished tasks succeed",
        category: Category::Task,
        sli: Sli::Outcome {
            family: MetricId::TasksExecutedTotal,
            label: "status",
            bad: &["failed"],
            good: &["success"],
        },
        by: &["task_type"],
        max_groups: Some(50),
        target: "99",
        period_days: 30,
        tiers: DEFAULT_TIERS,
        page_min_bad_events: 3,
    },
    Objective {
        id: ObjectiveId::GithubOperations,
        name: "github-operations",
        description: "99.5% of GitHub API operations succeed",
        category: Category::Github,
        sli: Sli::Outcome {
            family: MetricId::GithubOperationsTotal,
            label: "status",
            bad: &["failed"],
            good: &["success"],
        },
        by: &["operation"],
        max_groups: Some(30),
        target: "99.5",
        period_days: 30,
        tiers: DEFAULT_TIERS,
        page_min_bad_events: 3,
    },
    Objective {
        id: ObjectiveId::LlmAvailability,
        name: "llm-availability",
        description: "99.5% of LLM requests end without an error, per provider",
        category: Category::Llm,
        sli: Sli::Ratio {
            bad: MetricId::LlmErrorsTotal,
            total: MetricId::LlmRequestsTotal,
        },
        by: &["provider"],
        max_groups: Some(20),
        target: "99.5",
        period_days: 30,
        tiers: DEFAULT_TIERS,
        page_min_bad_events: 3,
    },
    Objective {
        id: ObjectiveId::LlmLatency,
        name: "llm-latency",
        description: "95% of LLM requests complete within 10 s, per provider",
        category: Category::Llm,
        sli: Sli::Latency {
            histogram: MetricId::LlmRequestLatencySeconds,
            threshold: 10.0,
            add_boundary: true,
        },
        by: &["provider"],
        max_groups: Some(20),
        target: "95",
        period_days: 30,
        tiers: DEFAULT_TIERS,
        page_min_bad_events: 3,
    },
    Objective {
        id: ObjectiveId::KnowledgeSearchLatency,
        name: "knowledge-search-latency",
        description: "99% of knowledge searches complete within 0.5 s, per search type",
        category: Category::Knowledge,
        sli: Sli::Latency {
            histogram: MetricId::KnowledgeSearchLatencySeconds,
            threshold: 0.5,
            add_boundary: true,
        },
        by: &["search_type"],
        max_groups: None,
        target: "99",
        period_days: 30,
        tiers: DEFAULT_TIERS,
        page_min_bad_events: 3,
    },
    Objective {
        id: ObjectiveId::AgentSuccess,
        name: "agent-success",
        description: "99% of finished agent invocations succeed",
        category: Category::Task,
        sli: Sli::Outcome {
            family: MetricId::AgentInvocationsTotal,
            label: "status",
            bad: &["failed"],
            good: &["success"],
        },
        by: &["agent_name"],
        max_groups: Some(50),
        target: "99",
        period_days: 30,
        tiers: DEFAULT_TIERS,
        page_min_bad_events: 3,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CATALOG;

    fn llm() -> Objective {
        *ObjectiveId::LlmAvailability.def()
    }

    #[test]
    fn ids_index_their_entries_and_names_are_unique() {
        for (i, o) in OBJECTIVES.iter().enumerate() {
            assert_eq!(o.id as usize, i, "{}", o.name);
            assert_eq!(ObjectiveId::from_name(o.name), Some(o.id));
            assert!(o.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'));
        }
    }

    #[test]
    fn shipped_objectives_are_sound() {
        for o in OBJECTIVES {
            assert_eq!(o.problems(), [], "{}", o.name);
        }
    }

    #[test]
    fn budgets_are_exact_decimals() {
        let mut o = llm();
        for (target, budget, ratio) in [
            ("99.5", "0.005", "0.995"),
            ("99.9", "0.001", "0.999"),
            ("99.95", "0.0005", "0.9995"),
            ("95", "0.05", "0.95"),
            ("99.990", "0.0001", "0.9999"),
        ] {
            o.target = target;
            assert_eq!(o.error_budget().unwrap().to_string(), budget);
            assert_eq!(o.objective_ratio().unwrap().to_string(), ratio);
        }
    }

    #[test]
    fn targets_outside_zero_to_hundred_are_refused_with_the_fix() {
        let mut o = llm();
        for target in ["0", "100", "100.5", "-1", "abc", "99.", ".5", "1e2", ""] {
            o.target = target;
            let problems = o.problems();
            assert!(
                matches!(problems.as_slice(), [Problem::Target { .. }]),
                "{target}: {problems:?}"
            );
            assert!(problems[0].to_string().contains("e.g. \"99.5\""));
        }
    }

    #[test]
    fn a_tier_that_can_never_fire_is_refused_unless_disabled() {
        let mut o = llm();
        o.target = "90";
        let problems = o.problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        let text = problems[0].to_string();
        assert!(
            text.contains("fast tier unreachable (14.4 x budget = 1.44 > 1)"),
            "{text}"
        );
        assert!(text.contains("disable the tier"), "{text}");
        o.tiers[0].enabled = false;
        assert_eq!(o.problems(), []);
        // 83% also makes the medium tier (6 x 0.17 = 1.02) unreachable.
        o.target = "83";
        o.tiers[0].enabled = true;
        let tiers: Vec<Tier> = o
            .problems()
            .iter()
            .filter_map(|p| match p {
                Problem::UnreachableTier { tier, .. } => Some(*tier),
                _ => None,
            })
            .collect();
        assert_eq!(tiers, [Tier::Fast, Tier::Medium]);
    }

    #[test]
    fn a_grouping_label_missing_in_a_family_is_named_with_its_labels() {
        let mut o = llm();
        o.by = &["model"];
        let problems = o.problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            problems[0].to_string(),
            "objective `llm-availability`: `model` is not a label of autobot_llm_errors_total \
             (provider, error_type); group by labels both families have"
        );
    }

    #[test]
    fn an_open_ended_grouping_label_needs_a_bound() {
        let mut o = llm();
        o.max_groups = None;
        let problems = o.problems();
        assert!(
            matches!(
                problems.as_slice(),
                [Problem::Unbounded {
                    label: "provider",
                    ..
                }]
            ),
            "{problems:?}"
        );
        assert!(problems[0].to_string().contains("set `max_groups`"));
        // A label with a vocabulary is bounded by it.
        let search = ObjectiveId::KnowledgeSearchLatency.def();
        assert_eq!(search.max_groups, None);
        assert_eq!(search.problems(), []);
        assert_eq!(search.group_bound(), 3);
    }

    #[test]
    fn a_threshold_between_buckets_is_refused_when_adding_is_off() {
        let mut o = *ObjectiveId::LlmLatency.def();
        o.sli = Sli::Latency {
            histogram: MetricId::LlmRequestLatencySeconds,
            threshold: 2.0,
            add_boundary: false,
        };
        let problems = o.problems();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            problems[0].to_string(),
            "objective `llm-latency`: 2 is not a bucket boundary of \
             autobot_llm_request_latency_seconds (neighbours 1 and 2.5); use one of them, or \
             let the catalog add the boundary (`add_boundary: true`)"
        );
        // Adding the boundary (the default) makes it sound.
        o.sli = Sli::Latency {
            histogram: MetricId::LlmRequestLatencySeconds,
            threshold: 2.0,
            add_boundary: true,
        };
        assert_eq!(o.problems(), []);
    }

    #[test]
    fn wrong_kinds_and_outcome_values_are_refused() {
        let mut o = llm();
        o.sli = Sli::Ratio {
            bad: MetricId::LlmErrorsTotal,
            total: MetricId::LlmRateLimitRemaining,
        };
        assert!(matches!(o.problems()[0], Problem::Kind { .. }));
        let mut w = *ObjectiveId::WorkflowSuccess.def();
        w.sli = Sli::Outcome {
            family: MetricId::WorkflowExecutionsTotal,
            label: "status",
            bad: &["broken"],
            good: &["success"],
        };
        let text = w.problems()[0].to_string();
        assert!(text.contains("`broken` is not a value"), "{text}");
        assert!(text.contains("success, failed, cancelled"), "{text}");
        w.period_days = 14;
        assert!(
            w.problems()
                .iter()
                .any(|p| matches!(p, Problem::Period { .. }))
        );
    }

    #[test]
    fn added_boundaries_are_merged_in_order() {
        let latency = MetricId::LlmRequestLatencySeconds.def().buckets;
        let merged = merge_boundaries(latency, &[2.0]);
        assert_eq!(merged.len(), latency.len() + 1);
        assert!(merged.windows(2).all(|w| w[0] < w[1]));
        assert!(merged.contains(&2.0));
        assert_eq!(merge_boundaries(latency, &[2.5, f64::NAN]), latency);
    }

    #[test]
    fn shipped_thresholds_are_already_boundaries() {
        // The shipped objectives change no histogram: every scrape, view and
        // dashboard stays as the catalog says.
        for def in CATALOG {
            assert_eq!(&*boundaries(def.id), def.buckets, "{}", def.name);
        }
    }

    #[test]
    fn windows_scale_with_the_period() {
        assert_eq!(Tier::Medium.windows(30), (360, 30));
        assert_eq!(Tier::Medium.windows(28), (336, 28));
        assert_eq!(Tier::Slow.windows(7), (336, 28));
    }
}
