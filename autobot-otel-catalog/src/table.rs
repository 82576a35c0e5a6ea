//! The one table macro ([`metric_table!`]) and its helpers: the catalog, the
//! self-metrics and the GenAI conventions' metrics are built by it.

/// The vocabulary of one label in a table: `None` for open-ended values, the
/// label enum's `VALUES` otherwise.
macro_rules! vocabulary {
    () => {
        None
    };
    ($vocab:ident) => {
        Some($crate::labels::$vocab::VALUES)
    };
}

/// An entry's value of an optional field, or the table's default.
macro_rules! field_or {
    ($default:expr;) => {
        $default
    };
    ($default:expr; $value:expr) => {
        $value
    };
}

/// Bucket bounds: a list (integers allowed) or a constant.
macro_rules! buckets {
    ([$($b:expr),* $(,)?]) => {
        &[$($b as f64),*]
    };
    ($bounds:expr) => {
        $bounds
    };
}

/// The one table macro: builds the typed identifier `enum` and the `static`
/// table of [`MetricDef`]s of one family (the catalog, the self-metrics, the
/// GenAI conventions). A label is a string literal or a parenthesised
/// constant, optionally `: Vocabulary` (a [`labels`] enum); `category`,
/// `buckets`, `max_series`, `source`, `streaming_only` and `present` fall back
/// to the table's `defaults`; `prometheus` is the fixed Prometheus name of a
/// [`Naming::Both`](crate::Naming::Both) metric.
macro_rules! metric_table {
    (
        $(#[$id_meta:meta])*
        enum $Id:ident;
        $(#[$table_meta:meta])*
        static $TABLE:ident;
        defaults {
            category: $dcat:expr,
            source: $dsource:ident,
            max_series: $dmax:expr $(,)?
        }
        $(
            $id:ident {
                name: $name:literal,
                kind: $kind:ident,
                unit: $unit:literal,
                labels: [$($label:tt $(: $vocab:ident)?),* $(,)?],
                help: $help:literal
                $(, category: $cat:ident)?
                $(, buckets: $buckets:tt)?
                $(, max_series: $max:expr)?
                $(, source: $source:ident)?
                $(, streaming_only: $streaming:literal)?
                $(, present: $present:literal)?
                $(, prometheus: $prometheus:literal)?
                $(,)?
            }
        ),* $(,)?
    ) => {
        $(#[$id_meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(usize)]
        pub enum $Id {
            $(
                #[doc = concat!("`", $name, "`: ", $help)]
                $id,
            )*
        }

        $(#[$table_meta])*
        pub static $TABLE: &[$crate::MetricDef<$Id>] = &[
            $(
                $crate::MetricDef {
                    id: $Id::$id,
                    name: $name,
                    kind: $crate::Kind::$kind,
                    unit: $unit,
                    labels: &[$($label),*],
                    vocabularies: &[$(vocabulary!($($vocab)?)),*],
                    help: $help,
                    category: field_or!($dcat; $(Some($crate::Category::$cat))?),
                    source: field_or!($crate::Source::$dsource; $($crate::Source::$source)?),
                    naming: field_or!($crate::Source::$dsource; $($crate::Source::$source)?)
                        .naming(),
                    buckets: field_or!(&[]; $(buckets!($buckets))?),
                    max_series: field_or!($dmax; $($max)?),
                    streaming_only: field_or!(false; $($streaming)?),
                    present: field_or!(None; $(Some($present))?),
                    fixed_prometheus_name: field_or!(None; $(Some($prometheus))?),
                },
            )*
        ];
    };
}
