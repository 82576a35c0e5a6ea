//! The series of one metric, by label values: a bounded table that every
//! recording path (the typed API, the attributes, the handles) goes through, so
//! a series is created once, counted once against the metric's series limit, and
//! found again without building attributes.
//!
//! A lookup cleans the `&str` label values ([`crate::labels::clean_label_value`],
//! which never allocates), hashes what is exported (the cleaned values), takes a
//! shared read lock and compares the cleaned values with the stored ones. A miss
//! takes the write lock, checks the limit, and inserts the series that `make`
//! builds from the key: the cleaned values in one allocation ([`Key`]).

use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use hashbrown::HashTable;

use crate::labels::clean_label_value;

/// The cleaned label values of a series, in catalog label order, in one
/// allocation: each value is its length (`u16`, little endian; a cleaned value
/// is at most [`MAX_LABEL_VALUE_BYTES`](crate::labels::MAX_LABEL_VALUE_BYTES)
/// long) followed by its bytes.
#[derive(Default)]
pub(crate) struct Key(Box<[u8]>);

impl Key {
    /// Writes `values`, cleaned, in the key's encoding.
    fn encode(values: &[&str], out: &mut Vec<u8>) {
        for v in values {
            let v = clean_label_value(v);
            // A cleaned value is at most `MAX_LABEL_VALUE_BYTES` (256) long.
            let len = u16::try_from(v.len()).unwrap_or_default();
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(v.as_bytes());
        }
    }

    /// The values as bytes.
    fn raw(&self) -> impl Iterator<Item = &[u8]> {
        let mut rest = &self.0[..];
        std::iter::from_fn(move || {
            let (len, tail) = rest.split_first_chunk::<2>()?;
            let len = usize::from(u16::from_le_bytes(*len)).min(tail.len());
            let (value, tail) = tail.split_at(len);
            rest = tail;
            Some(value)
        })
    }

    /// Whether the key holds exactly `values` (already cleaned).
    #[inline]
    fn holds(&self, values: &[&str]) -> bool {
        let mut raw = self.raw();
        values.iter().all(|v| raw.next() == Some(v.as_bytes())) && raw.next().is_none()
    }

    /// The values.
    pub(crate) fn values(&self) -> impl Iterator<Item = &str> {
        // Written from whole `&str`s and split at their lengths: always UTF-8.
        self.raw()
            .map(|v| std::str::from_utf8(v).unwrap_or_default())
    }
}

/// Hashes label values as [`Key`] stores them: each one's bytes, then an end
/// marker (what `str`'s `Hash` writes).
#[inline]
fn hash_values<'v>(h: &mut impl Hasher, values: impl Iterator<Item = &'v [u8]>) {
    for v in values {
        h.write(v);
        h.write_u8(0xff);
    }
}

/// The most labels a catalog metric has (more are handled, just not on the
/// fastest path).
const MAX_LABELS: usize = 4;

/// A stored series: anything that knows its key.
pub(crate) trait Series {
    /// The cleaned label values.
    fn key(&self) -> &Key;
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

    /// The hash of cleaned label values.
    #[inline]
    fn hash(&self, values: &[&str]) -> u64 {
        let mut h = self.hasher.build_hasher();
        hash_values(&mut h, values.iter().map(|v| v.as_bytes()));
        h.finish()
    }

    /// The hash of a stored key: [`Self::hash`] of its values.
    fn hash_key(&self, key: &Key) -> u64 {
        let mut h = self.hasher.build_hasher();
        hash_values(&mut h, key.raw());
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
        with_cleaned(values, |values| {
            let hash = self.hash(values);
            if let Some(series) = self.read().find(hash, |s| s.key().holds(values)) {
                return Ok(f(series));
            }
            let series = self.insert(hash, values, make)?;
            Ok(f(&series))
        })
    }

    /// The series of `values`, created with `make` if it is new; `Err(Full)` when
    /// it is new and the table is full. For callers that keep the series.
    pub(crate) fn get_or_insert(
        &self,
        values: &[&str],
        make: impl FnOnce(Key) -> S,
    ) -> Result<Arc<S>, Full> {
        with_cleaned(values, |values| {
            let hash = self.hash(values);
            if let Some(series) = self.read().find(hash, |s| s.key().holds(values)) {
                return Ok(series.clone());
            }
            self.insert(hash, values, make)
        })
    }

    /// Inserts the series of `values` (cleaned), whose hash is `hash`.
    #[cold]
    fn insert(
        &self,
        hash: u64,
        values: &[&str],
        make: impl FnOnce(Key) -> S,
    ) -> Result<Arc<S>, Full> {
        let mut table = self.write();
        if let Some(series) = table.find(hash, |s| s.key().holds(values)) {
            return Ok(series.clone());
        }
        if table.len() >= self.limit {
            return Err(Full);
        }
        let mut bytes = Vec::with_capacity(values.iter().map(|v| v.len() + 2).sum());
        Key::encode(values, &mut bytes);
        let series = Arc::new(make(Key(bytes.into_boxed_slice())));
        table.insert_unique(hash, series.clone(), |s| self.hash_key(s.key()));
        Ok(series)
    }

    /// The series of `values` if it is in the table.
    #[cfg(feature = "prometheus")]
    pub(crate) fn get(&self, values: &[&str]) -> Option<Arc<S>> {
        with_cleaned(values, |values| {
            let hash = self.hash(values);
            self.read().find(hash, |s| s.key().holds(values)).cloned()
        })
    }

    /// Drops the series for which `keep` is false (the rolling rates forget idle
    /// label sets this way, which frees their place under the limit).
    pub(crate) fn retain(&self, mut keep: impl FnMut(&S) -> bool) {
        self.write().retain(|s| keep(s));
    }

    /// Every stored series (a snapshot; the table may change after).
    pub(crate) fn all(&self) -> Vec<Arc<S>> {
        self.read().iter().cloned().collect()
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
        most_distinct(table.iter().map(|s| s.key().values()))
    }
}

/// Runs `f` on `values` cleaned ([`clean_label_value`]; no allocation for up
/// to [`MAX_LABELS`] values).
#[inline]
fn with_cleaned<R>(values: &[&str], f: impl FnOnce(&[&str]) -> R) -> R {
    let mut cleaned: [&str; MAX_LABELS] = [""; MAX_LABELS];
    match cleaned.get_mut(..values.len()) {
        Some(slots) => {
            for (slot, v) in slots.iter_mut().zip(values) {
                *slot = clean_label_value(v);
            }
            f(&cleaned[..values.len()])
        }
        None => f(&values
            .iter()
            .map(|v| clean_label_value(v))
            .collect::<Vec<_>>()),
    }
}

/// Of label-value tuples, the position with the most distinct values (the first
/// on a tie); `None` for no tuples or no labels. This is the distinct-value count
/// behind the series-limit warning, which names the label that grows.
pub(crate) fn most_distinct<'k>(
    keys: impl Iterator<Item = impl Iterator<Item = &'k str>>,
) -> Option<usize> {
    let mut distinct: Vec<std::collections::HashSet<&str>> = Vec::new();
    for key in keys {
        for (i, value) in key.enumerate() {
            if distinct.len() <= i {
                distinct.resize_with(i + 1, Default::default);
            }
            distinct[i].insert(value);
        }
    }
    let most = distinct.iter().map(|s| s.len()).max()?;
    distinct.iter().position(|s| s.len() == most)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::labels::MAX_LABEL_VALUE_BYTES;

    struct Entry(Key);
    impl Series for Entry {
        fn key(&self) -> &Key {
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
                |e| seen.extend(e.0.values().map(str::to_owned)),
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
        assert!(first.0.values().eq(["unknown"]));
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
        assert_eq!(
            most_distinct(std::iter::empty::<std::iter::Empty<&str>>()),
            None
        );
    }

    #[test]
    fn keys_keep_every_value_in_one_allocation() {
        let long = "é".repeat(200);
        let huge = "x".repeat(300);
        let table: SeriesTable<Entry> = SeriesTable::new(10);
        for values in [
            vec!["a", "", long.as_str(), "日本"],
            vec![huge.as_str(), huge.as_str(), huge.as_str()],
            vec!["1", "2", "3", "4", "5"],
            vec![],
        ] {
            let cleaned: Vec<&str> = values.iter().map(|v| clean_label_value(v)).collect();
            let mut bytes = Vec::new();
            Key::encode(&values, &mut bytes);
            let key = Key(bytes.into_boxed_slice());
            assert!(key.values().eq(cleaned.iter().copied()));
            assert!(key.holds(&cleaned));
            assert!(cleaned.is_empty() || !key.holds(&cleaned[1..]));
            // A stored key hashes as its values do.
            assert_eq!(table.hash_key(&key), table.hash(&cleaned));
            let series = table.get_or_insert(&values, Entry).unwrap();
            assert!(series.0.values().eq(cleaned.iter().copied()));
        }
        assert_eq!(table.len(), 4);
        let key = table
            .get_or_insert(&["a", "", &long, "日本"], Entry)
            .unwrap();
        assert_eq!(
            key.0.values().nth(2).map(str::len),
            Some(MAX_LABEL_VALUE_BYTES)
        );
        assert_eq!(Key::default().values().count(), 0);
    }
}
