//! Bound instrument handles cached per label set, so a recording call with label
//! values known only at run time resolves its attribute set once, not on every
//! call.
//!
//! A lookup hashes the `&str` label values (no allocation), takes a shared read
//! lock, and uses the cached OpenTelemetry bound handle. A miss cleans the values,
//! builds the attributes, binds, and inserts under the write lock. The cache holds
//! at most the metric's series limit; past it, calls take the unbound path, where
//! the SDK folds new label sets into its overflow series.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use opentelemetry::KeyValue;

use crate::catalog::MetricDef;
use crate::manager::{clean_label_value, shared_label};

/// The label values of a cached series, cleaned, shared with the attributes the
/// SDK keeps for the series (one copy of each string per series).
type Key = Box<[Arc<str>]>;

/// Passes through the precomputed 64-bit hash used as the map key.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

type Buckets<H> = HashMap<u64, Vec<(Key, H)>, BuildHasherDefault<PassThrough>>;

/// Bound handles of one instrument, by label values.
pub(crate) struct BoundCache<H> {
    seed: std::collections::hash_map::RandomState,
    map: RwLock<Buckets<H>>,
    len: AtomicUsize,
    limit: usize,
}

impl<H> BoundCache<H> {
    /// An empty cache holding at most `limit` label sets.
    pub(crate) fn new(limit: usize) -> Self {
        BoundCache {
            seed: Default::default(),
            map: RwLock::new(HashMap::default()),
            len: AtomicUsize::new(0),
            limit,
        }
    }

    fn hash(&self, values: &[&str]) -> u64 {
        let mut h = self.seed.build_hasher();
        for v in values {
            v.hash(&mut h);
        }
        h.finish()
    }

    /// Runs `use_handle` with the bound handle of `values`, binding it first if
    /// needed. Returns `false` (and runs nothing) when the cache is full or the
    /// instrument cannot bind; the caller then records unbound.
    pub(crate) fn with(
        &self,
        def: &MetricDef,
        values: &[&str],
        bind: impl FnOnce(&[KeyValue]) -> Option<H>,
        use_handle: impl FnOnce(&H),
    ) -> bool {
        let hash = self.hash(values);
        {
            let map = match self.map.read() {
                Ok(map) => map,
                Err(poisoned) => poisoned.into_inner(),
            };
            if let Some(handle) = find(&map, hash, values) {
                use_handle(handle);
                return true;
            }
        }
        if self.len.load(Ordering::Relaxed) >= self.limit {
            return false;
        }
        let mut map = match self.map.write() {
            Ok(map) => map,
            Err(poisoned) => poisoned.into_inner(),
        };
        if find(&map, hash, values).is_none() {
            if self.len.load(Ordering::Relaxed) >= self.limit {
                return false;
            }
            let key: Key = values
                .iter()
                .map(|v| Arc::from(clean_label_value(v).as_ref()))
                .collect();
            let attrs: Vec<KeyValue> = def
                .labels
                .iter()
                .zip(key.iter())
                .map(|(k, v)| shared_label(k, v.clone()))
                .collect();
            let Some(handle) = bind(&attrs) else {
                return false;
            };
            map.entry(hash)
                .or_insert_with(|| Vec::with_capacity(1))
                .push((key, handle));
            self.len.fetch_add(1, Ordering::Relaxed);
        }
        match find(&map, hash, values) {
            Some(handle) => {
                use_handle(handle);
                true
            }
            None => false,
        }
    }
}

impl<H> BoundCache<H> {
    /// The label position with the most distinct values among the cached label
    /// sets: the label that grows, when the cache is full.
    pub(crate) fn growing_label(&self) -> Option<usize> {
        let map = match self.map.read() {
            Ok(map) => map,
            Err(poisoned) => poisoned.into_inner(),
        };
        most_distinct(map.values().flatten().map(|(key, _)| key.as_ref()))
    }
}

/// Of label-value tuples, the position with the most distinct values (the first
/// on a tie); `None` for no tuples or no labels.
pub(crate) fn most_distinct<'k, S: AsRef<str> + 'k>(
    keys: impl Iterator<Item = &'k [S]>,
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

fn find<'m, H>(map: &'m Buckets<H>, hash: u64, values: &[&str]) -> Option<&'m H> {
    map.get(&hash)?
        .iter()
        .find(|(key, _)| {
            key.len() == values.len()
                && key
                    .iter()
                    .zip(values)
                    .all(|(a, b)| a.as_ref() == clean_label_value(b).as_ref())
        })
        .map(|(_, h)| h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::MetricId;

    #[test]
    fn the_label_with_most_distinct_values_is_the_one_that_grows() {
        let keys: Vec<Box<[Box<str>]>> = (0..5)
            .map(|i| vec![Box::from("chat"), Box::from(format!("model-{i}").as_str())].into())
            .collect();
        assert_eq!(most_distinct(keys.iter().map(|k| k.as_ref())), Some(1));
        assert_eq!(most_distinct(std::iter::empty::<&[Box<str>]>()), None);
    }

    #[test]
    fn binds_once_per_label_set_and_stops_at_the_limit() {
        let cache: BoundCache<usize> = BoundCache::new(2);
        let def = MetricId::KnowledgeCacheHitsTotal.def();
        let mut binds = 0;
        let mut seen = Vec::new();
        for v in ["a", "b", "a", "c", "b"] {
            let used = cache.with(
                def,
                &[v],
                |attrs| {
                    binds += 1;
                    assert_eq!(attrs[0].key.as_str(), "cache_type");
                    Some(binds)
                },
                |h| seen.push(*h),
            );
            assert_eq!(used, v != "c", "{v}");
        }
        assert_eq!(binds, 2, "a and b bound once each; c over the limit");
        assert_eq!(seen, [1, 2, 1, 2]);
    }

    #[test]
    fn label_values_are_cleaned_when_bound() {
        let cache: BoundCache<String> = BoundCache::new(10);
        let def = MetricId::KnowledgeCacheHitsTotal.def();
        cache.with(
            def,
            &[""],
            |attrs| Some(attrs[0].value.to_string()),
            |h| assert_eq!(h, "unknown"),
        );
    }

    #[test]
    fn a_failed_bind_falls_back() {
        let cache: BoundCache<u8> = BoundCache::new(10);
        let def = MetricId::KnowledgeCacheHitsTotal.def();
        assert!(!cache.with(def, &["x"], |_| None, |_| unreachable!()));
    }
}
