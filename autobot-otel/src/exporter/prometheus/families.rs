//! Which instruments form which family, which of them are written, and the
//! render of every family (see the module docs of
//! [`super`], "Conflicts").

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};

use autobot_otel_catalog::naming;
use opentelemetry::{InstrumentationScope, KeyValue};
use opentelemetry_sdk::error::OTelSdkError;
use opentelemetry_sdk::metrics::data::{
    AggregatedMetrics, Metric, MetricData, ResourceMetrics, ScopeMetrics,
};

use super::series::{Family, Point};
use super::text::{BoundCache, Format, Head, Kind, write_family};
use crate::catalog::MetricId;
/// Log target of the conflict and description warnings (the collection's).
use crate::diagnostics::COLLECT as LOG_TARGET;
use crate::exemplars::ExemplarSource;

const TARGET_INFO_NAME: &str = "target_info";
/// The scope whose instruments win a family name over every other scope's:
/// the catalog's.
const PRIORITY_SCOPE: &str = crate::catalog::SCOPE_NAME;
const TARGET_INFO_DESCRIPTION: &str = "Target metadata";

/// What survives between renders.
#[derive(Default)]
pub(super) struct State {
    /// Every family name seen so far (the `validate_metrics` memory of
    /// `opentelemetry-prometheus`).
    families: HashMap<String, Known>,
    /// Families whose left-out instruments were logged already.
    conflicts_logged: HashSet<String>,
    /// Bucket bounds and their text.
    bounds: BoundCache,
    /// Sizes of the last render, to allocate once.
    pub(super) last_len: usize,
    last_series: usize,
    last_text: usize,
}

/// The type and help a family name was first seen with.
struct Known {
    kind: Kind,
    help: String,
    /// Set by an instrument of the catalog's scope ([`PRIORITY_SCOPE`]).
    catalog: bool,
    /// A description conflict with it was logged already (the old path logs
    /// every scrape).
    warned: bool,
}

/// One instrument (or the resource) contributing series to a family.
struct Entry<'a> {
    name: Cow<'a, str>,
    help: Cow<'a, str>,
    kind: Kind,
    source: Source<'a>,
    owner: Owner,
    /// The instrumentation scope's name (empty for the resource).
    scope: &'a str,
    /// Not left out by [`resolve_family`].
    keep: bool,
    /// Written as one series without labels, the sum of its data points (a
    /// [`Naming::Both`](crate::catalog::Naming::Both) process metric).
    summed: bool,
}

/// Who an entry comes from, in the order families are resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Owner {
    /// `target_info` from the resource.
    Resource,
    /// An instrument of the catalog's scope, [`PRIORITY_SCOPE`].
    Catalog,
    /// An instrument of any other scope.
    Other,
}

enum Source<'a> {
    Resource(&'a [KeyValue]),
    Metric(&'a Metric),
}

/// Renders every family; returns how many instruments were left out of
/// each family (see [`resolve_family`]).
pub(super) fn render_metrics<'a>(
    rm: &'a ResourceMetrics,
    state: &mut State,
    out: &mut String,
    format: Format,
    exemplars: Option<&'a dyn ExemplarSource>,
) -> Result<BTreeMap<String, u64>, OTelSdkError> {
    let resource: Vec<KeyValue> = rm
        .resource()
        .iter()
        .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
        .collect();

    let mut entries: Vec<Entry<'_>> = Vec::new();
    if !resource.is_empty() {
        entries.push(Entry {
            name: Cow::Borrowed(TARGET_INFO_NAME),
            help: Cow::Borrowed(TARGET_INFO_DESCRIPTION),
            kind: Kind::Gauge,
            source: Source::Resource(&resource),
            owner: Owner::Resource,
            scope: "",
            keep: true,
            summed: false,
        });
    }
    // The SDK hands scopes over in hash order, which differs between
    // providers: sort them so that conflicts resolve the same way every time.
    let mut scopes: Vec<&ScopeMetrics> = rm.scope_metrics().collect();
    scopes.sort_by(|a, b| compare_scopes(a.scope(), b.scope()));
    // The catalog's names are reserved in the pipeline's reader, whose
    // collections always hold the catalog's scope (its self-metrics report
    // every time); a reader without it reserves nothing.
    let reserve = scopes
        .first()
        .is_some_and(|s| s.scope().name() == PRIORITY_SCOPE);
    for sm in scopes {
        let scope = sm.scope().name();
        let owner = if scope == PRIORITY_SCOPE {
            Owner::Catalog
        } else {
            Owner::Other
        };
        for metric in sm.metrics() {
            let Some(kind) = kind_of(metric) else {
                continue; // exponential histograms have no Prometheus form here
            };
            // The process metrics' scrape names are fixed, not translated.
            let fixed = match owner {
                Owner::Catalog => fixed_name(metric.name()),
                _ => None,
            };
            entries.push(Entry {
                name: match fixed {
                    Some(name) => Cow::Borrowed(name),
                    None => Cow::Owned(prometheus_name(metric, kind)),
                },
                help: Cow::Borrowed(metric.description()),
                kind,
                source: Source::Metric(metric),
                owner,
                scope,
                keep: true,
                summed: fixed.is_some(),
            });
        }
    }
    // Stable: within a name, the order above decides (the resource, the
    // catalog's scope, the other scopes in their sorted order, each scope's
    // instruments in creation order).
    entries.sort_by(|a, b| a.name.cmp(&b.name));

    let mut fam = Family::default();
    fam.series.reserve(state.last_series);
    fam.text.reserve(state.last_text);
    let mut dropped = BTreeMap::new();
    // OpenMetrics: every name a family takes (its samples'), to leave out a
    // family that would clash with an earlier one.
    let mut taken: HashSet<String> = HashSet::new();
    let (mut max_text, mut max_series) = (0, 0);
    let mut rest = &mut entries[..];
    while !rest.is_empty() {
        let end = rest
            .iter()
            .position(|e| e.name != rest[0].name)
            .unwrap_or(rest.len());
        let (family, tail) = std::mem::take(&mut rest).split_at_mut(end);
        rest = tail;
        if family[0].name.is_empty() {
            // prometheus' `check_metric_family` failed the whole encoding.
            return Err(OTelSdkError::InternalFailure(
                "metric family has no name".into(),
            ));
        }
        resolve_family(family, reserve, state, &mut dropped);
        let Some(first) = family.iter().find(|e| e.keep) else {
            continue; // every instrument of it was left out
        };

        let unit = match first.source {
            Source::Metric(metric) => naming::unit_suffix(metric.unit()),
            Source::Resource(_) => None,
        };
        let head = Head {
            name: &first.name,
            help: &first.help,
            kind: first.kind,
            unit: unit.as_deref(),
        };
        if format == Format::OpenMetrics && !take_names(&mut taken, &head, state) {
            continue;
        }
        let source = match (format, exemplars, first.owner) {
            (Format::OpenMetrics, Some(source), Owner::Catalog) => {
                MetricId::from_name(&first.name).map(|id| (source, id))
            }
            _ => None,
        };
        fam.start(first.kind == Kind::Histogram, source);
        for entry in family.iter().filter(|e| e.keep) {
            match entry.source {
                Source::Resource(kvs) => fam.push_pinned(kvs.iter(), Point::Gauge(1.0)),
                Source::Metric(metric) if entry.summed => match metric.data() {
                    AggregatedMetrics::F64(data) => fam.push_summed(data),
                    AggregatedMetrics::U64(data) => fam.push_summed(data),
                    AggregatedMetrics::I64(data) => fam.push_summed(data),
                },
                Source::Metric(metric) => match metric.data() {
                    AggregatedMetrics::F64(data) => fam.push_data(data),
                    AggregatedMetrics::U64(data) => fam.push_data(data),
                    AggregatedMetrics::I64(data) => fam.push_data(data),
                },
            }
        }
        if !fam.fits() {
            return Err(OTelSdkError::InternalFailure(format!(
                "metric family {} is too large to render",
                first.name
            )));
        }
        max_text = max_text.max(fam.text.len());
        max_series = max_series.max(fam.series.len());
        fam.sort();
        write_family(out, &head, &fam, &mut state.bounds, format);
    }
    if format == Format::OpenMetrics {
        out.push_str("# EOF\n");
    }
    state.last_text = max_text;
    state.last_series = max_series;
    Ok(dropped)
}

/// Scopes in resolution order: [`PRIORITY_SCOPE`] first, then by name,
/// version, schema URL and attributes.
fn compare_scopes(a: &InstrumentationScope, b: &InstrumentationScope) -> Ordering {
    fn key(s: &InstrumentationScope) -> (bool, &str, Option<&str>) {
        (s.name() != PRIORITY_SCOPE, s.name(), s.version())
    }
    key(a)
        .cmp(&key(b))
        .then_with(|| a.schema_url().cmp(&b.schema_url()))
        .then_with(|| {
            let attrs = |s: &InstrumentationScope| {
                let mut v: Vec<(String, String)> = s
                    .attributes()
                    .map(|kv| (kv.key.to_string(), kv.value.to_string()))
                    .collect();
                v.sort();
                v
            };
            attrs(a).cmp(&attrs(b))
        })
}

/// Whether `name` is one of the catalog's or the self-metrics' families,
/// which only [`PRIORITY_SCOPE`] may write.
fn is_reserved(name: &str) -> bool {
    crate::catalog::MetricId::from_name(name).is_some()
        || name.starts_with(crate::catalog::self_metrics::PREFIX)
}

/// Decides which entries of one family (same name, in resolution order) are
/// written, and with which help; counts the left-out instruments in
/// `dropped` and logs the first one once per family. `reserve`: the catalog's
/// names are owned even without a catalog instrument in the family. See the
/// module docs, "Conflicts".
fn resolve_family(
    family: &mut [Entry<'_>],
    reserve: bool,
    state: &mut State,
    dropped: &mut BTreeMap<String, u64>,
) {
    let others = family.iter().any(|e| e.owner == Owner::Other);
    let catalog = family.iter().any(|e| e.owner == Owner::Catalog);
    // The catalog's scope owns its names, whatever the other instrument's type.
    let owned = others && (catalog || (reserve && is_reserved(&family[0].name)));
    let mut left_out = 0u64;
    let mut first_left_out: Option<(usize, &'static str)> = None;
    if owned {
        for (i, e) in family.iter_mut().enumerate() {
            if e.owner == Owner::Other {
                e.keep = false;
                left_out += 1;
                first_left_out.get_or_insert((i, "the name belongs to the autobot-otel scope"));
            }
        }
    }
    // The type and help remembered for the name, or the first instrument's;
    // the catalog's scope replaces what another scope left there.
    if let Some(lead) = family
        .iter()
        .position(|e| e.keep && e.owner != Owner::Resource)
    {
        let (kind, help, is_catalog) = (
            family[lead].kind,
            family[lead].help.as_ref(),
            family[lead].owner == Owner::Catalog,
        );
        let name = family[0].name.as_ref();
        let known = match state.families.get_mut(name) {
            Some(known) if is_catalog && !known.catalog => {
                *known = Known {
                    kind,
                    help: help.to_owned(),
                    catalog: true,
                    warned: false,
                };
                known
            }
            Some(known) => known,
            None => state.families.entry(name.to_owned()).or_insert(Known {
                kind,
                help: help.to_owned(),
                catalog: is_catalog,
                warned: false,
            }),
        };
        for (i, e) in family.iter_mut().enumerate() {
            if !e.keep || e.owner == Owner::Resource {
                continue;
            }
            if e.kind != known.kind {
                e.keep = false;
                left_out += 1;
                first_left_out.get_or_insert((i, "its type differs from the family's"));
            } else if e.help != known.help {
                if !std::mem::replace(&mut known.warned, true) {
                    tracing::warn!(
                        target: LOG_TARGET,
                        metric = %e.name,
                        existing = %known.help,
                        dropped = %e.help,
                        "instrument description conflict, using the existing one"
                    );
                }
                e.help = Cow::Owned(known.help.clone());
            }
        }
    }
    let Some((i, reason)) = first_left_out else {
        return;
    };
    let name = family[0].name.as_ref();
    if !state.conflicts_logged.contains(name) {
        state.conflicts_logged.insert(name.to_owned());
        let e = &family[i];
        let instrument = match e.source {
            Source::Metric(m) => m.name(),
            Source::Resource(_) => "",
        };
        let kept = family.iter().find(|k| k.keep && k.owner != Owner::Resource);
        tracing::warn!(
            target: LOG_TARGET,
            metric = %name,
            instrument,
            scope = e.scope,
            dropped_type = e.kind.as_str(),
            // Without a kept instrument (a reserved name the catalog has not
            // recorded yet), the owner is still the catalog's scope.
            kept_scope = kept.map_or(if owned { PRIORITY_SCOPE } else { "" }, |k| k.scope),
            kept_type = kept.map_or("", |k| k.kind.as_str()),
            left_out,
            "instrument left out of the Prometheus scrape: {reason}"
        );
    }
    dropped.insert(name.to_owned(), left_out);
}

/// Takes the names of family `head` in OpenMetrics (its family name and its
/// samples' names); `false`, logged once per family, when one is taken
/// already (a gauge `x` and a counter `x_total`, whose OpenMetrics family is
/// `x`): the family is then left out of the OpenMetrics exposition.
fn take_names(taken: &mut HashSet<String>, head: &Head<'_>, state: &mut State) -> bool {
    let family = head.family_name(Format::OpenMetrics);
    let suffixes: &[&str] = match head.kind {
        Kind::Counter => &["", naming::COUNTER_SUFFIX, "_created"],
        Kind::Gauge => &[""],
        Kind::Histogram => &["", "_bucket", "_count", "_sum", "_created"],
    };
    let names: Vec<String> = suffixes.iter().map(|s| format!("{family}{s}")).collect();
    if let Some(clash) = names.iter().find(|n| taken.contains(*n)) {
        if state
            .conflicts_logged
            .insert(format!("openmetrics:{}", head.name))
        {
            tracing::warn!(
                target: LOG_TARGET,
                metric = %head.name,
                clash = %clash,
                "family left out of the OpenMetrics exposition: its name clashes with an earlier family's"
            );
        }
        return false;
    }
    taken.extend(names);
    true
}

fn kind_of(metric: &Metric) -> Option<Kind> {
    fn of<T>(data: &MetricData<T>) -> Option<Kind> {
        match data {
            MetricData::Gauge(_) => Some(Kind::Gauge),
            MetricData::Sum(sum) if sum.is_monotonic() => Some(Kind::Counter),
            MetricData::Sum(_) => Some(Kind::Gauge),
            MetricData::Histogram(_) => Some(Kind::Histogram),
            MetricData::ExponentialHistogram(_) => None,
        }
    }
    match metric.data() {
        AggregatedMetrics::F64(data) => of(data),
        AggregatedMetrics::U64(data) => of(data),
        AggregatedMetrics::I64(data) => of(data),
    }
}

/// The fixed Prometheus name of a process metric's instrument
/// ([`crate::catalog::Naming::Both`]); none on other systems, which record none.
fn fixed_name(otel_name: &str) -> Option<&'static str> {
    #[cfg(target_os = "linux")]
    {
        crate::catalog::process::ProcessMetric::from_otel_name(otel_name)
            .and_then(|id| id.def().fixed_prometheus_name)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = otel_name;
        None
    }
}

/// Sanitized name, unit suffix, `_total` for counters ([`naming::prometheus_name`]).
fn prometheus_name(metric: &Metric, kind: Kind) -> String {
    naming::prometheus_name(metric.name(), metric.unit(), kind == Kind::Counter)
}
