//! The series of one metric, by label values: a bounded table that every
//! recording path (the typed API, the attributes, the handles) goes through, so
//! a series is created once, counted once against the metric's series limit, and
//! found again without building attributes.
//!
//! A lookup cleans the `&str` label values ([`crate::labels::clean_label_value`],
//! which never allocates), hashes what is exported (the cleaned values), takes a
//! shared read lock and compares the cleaned values with the stored ones. A miss
//! takes the write lock, checks the limit, and inserts the series that `make`
//! builds from the key: one shared copy of the cleaned values, which the
//! OpenTelemetry attributes of the series share too.

use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use hashbrown::HashTable;

use crate::labels::clean_label_value;

/// The cleaned label values of a series, in catalog label order.
pub(crate) type Key = Box<[Arc<str>]>;

/// The most labels a catalog metric has (more are handled, just not on the
/// fastest path).
const MAX_LABELS: usize = 4;

/// A stored series: anything that knows its key.
pub(crate) trait Series {
    /// The cleaned label values.
    fn key(&self) -> &[Arc<str>];
}

/// The series of one metric, at most `limit` of them.
pub(crate) struct SeriesTable<S> {
    /// Seeded per table; the table is bounded by the series limit, so crafted
    /// label values can at worst slow the lookups of one metric.
    hasher: foldhash::fast::RandomState,
    table: RwLock<HashTable<Arc<S>>>,
    limit: usize,
}

/// Why a series could not be found or made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Full;

impl<S: Series> SeriesTable<S> {
    /// An empty table for at most `limit` series.
    pub(crate) fn new(limit: usize) -> Self {
        SeriesTable {
            hasher: Default::default(),
            table: RwLock::new(HashTable::new()),
            limit,
        }
    }

    /// The hash of label values as they are exported (cleaned).
    fn hash<V: AsRef<str>>(&self, values: &[V]) -> u64 {
        let mut h = self.hasher.build_hasher();
        for v in values {
            clean_label_value(v.as_ref()).hash(&mut h);
        }
        h.finish()
    }

    fn read(&self) -> RwLockReadGuard<'_, HashTable<Arc<S>>> {
        // The table stays consistent even if a holder panicked (inserts are
        // single calls), so a poisoned lock is taken over.
        self.table.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, HashTable<Arc<S>>> {
        self.table.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the series of `values`, creating it with `make` if it is new.
    /// `Err(Full)` (and `f` not run) when it is new and the table holds `limit`
    /// series already.
    #[inline]
    pub(crate) fn with<R>(
        &self,
        values: &[&str],
        make: impl FnOnce(Key) -> S,
        f: impl FnOnce(&S) -> R,
    ) -> Result<R, Full> {
        // Clean once (no allocation): the hash and the comparison use the result.
        let mut cleaned: [&str; MAX_LABELS] = [""; MAX_LABELS];
        let values = match cleaned.get_mut(..values.len()) {
            Some(slots) => {
                for (slot, v) in slots.iter_mut().zip(values) {
                    *slot = clean_label_value(v);
                }
                &cleaned[..values.len()]
            }
            None => values,
        };
        let hash = self.hash(values);
        if let Some(series) = self.read().find(hash, |s| same(s.key(), values)) {
            return Ok(f(series));
        }
        let series = self.insert(hash, values, make)?;
        Ok(f(&series))
    }

    /// The series of `values`, created with `make` if it is new; `Err(Full)` when
    /// it is new and the table is full. For callers that keep the series.
    pub(crate) fn get_or_insert(
        &self,
        values: &[&str],
        make: impl FnOnce(Key) -> S,
    ) -> Result<Arc<S>, Full> {
        let hash = self.hash(values);
        if let Some(series) = self.read().find(hash, |s| same(s.key(), values)) {
            return Ok(series.clone());
        }
        self.insert(hash, values, make)
    }

    #[cold]
    fn insert(
        &self,
        hash: u64,
        values: &[&str],
        make: impl FnOnce(Key) -> S,
    ) -> Result<Arc<S>, Full> {
        let mut table = self.write();
        if let Some(series) = table.find(hash, |s| same(s.key(), values)) {
            return Ok(series.clone());
        }
        if table.len() >= self.limit {
            return Err(Full);
        }
        let key: Key = values
            .iter()
            .map(|v| Arc::from(clean_label_value(v)))
            .collect();
        let series = Arc::new(make(key));
        table.insert_unique(hash, series.clone(), |s| self.hash(s.key()));
        Ok(series)
    }

    /// Series in the table.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.read().len()
    }

    /// The label position with the most distinct values among the stored series:
    /// the label that grows, when the table is full.
    pub(crate) fn growing_label(&self) -> Option<usize> {
        let table = self.read();
        most_distinct(table.iter().map(|s| s.key()))
    }
}

/// Whether a stored key equals `values` once they are cleaned.
#[inline]
fn same(key: &[Arc<str>], values: &[&str]) -> bool {
    key.len() == values.len()
        && key
            .iter()
            .zip(values)
            .all(|(k, v)| k.as_ref() == clean_label_value(v))
}

/// Of label-value tuples, the position with the most distinct values (the first
/// on a tie); `None` for no tuples or no labels. This is the distinct-value count
/// behind the series-limit warning, which names the label that grows.
pub(crate) fn most_distinct<'k, V: AsRef<str> + 'k>(
    keys: impl Iterator<Item = &'k [V]>,
) -> Option<usize> {
    let mut distinct: Vec<std::collections::HashSet<&str>> = Vec::new();
    for key in keys {
        if distinct.len() < key.len() {
            distinct.resize_with(key.len(), Default::default);
        }
        for (set, value) in distinct.iter_mut().zip(key.iter()) {
            set.insert(value.as_ref());
        }
    }
    let most = distinct.iter().map(|s| s.len()).max()?;
    distinct.iter().position(|s| s.len() == most)
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Entry(Key);
    impl Series for Entry {
        fn key(&self) -> &[Arc<str>] {
            &self.0
        }
    }

    #[test]
    fn makes_each_series_once_and_stops_at_the_limit() {
        let table: SeriesTable<Entry> = SeriesTable::new(2);
        let mut made = 0;
        let mut seen = Vec::new();
        for v in ["a", "b", "a", "c", "b"] {
            let used = table.with(
                &[v],
                |key| {
                    made += 1;
                    Entry(key)
                },
                |e| seen.push(e.0[0].to_string()),
            );
            assert_eq!(used.is_ok(), v != "c", "{v}");
        }
        assert_eq!(made, 2, "a and b made once each; c over the limit");
        assert_eq!(seen, ["a", "b", "a", "b"]);
        assert_eq!(table.len(), 2);
    }

    #[test]
    fn values_that_export_alike_are_one_series() {
        // "" is exported as "unknown", and values longer than the limit as their
        // first 256 bytes: the table must not count them twice.
        let table: SeriesTable<Entry> = SeriesTable::new(3);
        let long_a = format!("{}a", "x".repeat(300));
        let long_b = format!("{}b", "x".repeat(300));
        for v in ["", "unknown", long_a.as_str(), long_b.as_str(), "other"] {
            table.with(&[v], Entry, |_| ()).unwrap();
        }
        assert_eq!(table.len(), 3);
        let first = table.get_or_insert(&[""], Entry).unwrap();
        assert_eq!(first.0[0].as_ref(), "unknown");
    }

    #[test]
    fn the_label_with_most_distinct_values_is_the_one_that_grows() {
        let table: SeriesTable<Entry> = SeriesTable::new(10);
        for i in 0..5 {
            table
                .with(&["chat", &format!("model-{i}")], Entry, |_| ())
                .unwrap();
        }
        assert_eq!(table.growing_label(), Some(1));
        assert_eq!(most_distinct(std::iter::empty::<&[&str]>()), None);
    }
}
