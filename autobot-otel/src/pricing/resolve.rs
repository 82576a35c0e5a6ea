//! The pipeline's price book: the validated table indexed by provider and
//! model, the model lookup (exact id, then the longest configured prefix), a
//! small read-mostly cache of what each (provider, model) resolved to, and the
//! unpriced calls' counters (`autobot_otel_unpriced_llm_calls_total`).
//!
//! A call looks its model up in the cache (one hash, a read lock); only the
//! first call of a (provider, model) resolves it, with at most one hash lookup
//! per prefix length of the model id: the table is never scanned per call.

use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use hashbrown::{Equivalent, HashMap};

use super::table::{ModelPrice, Pricing};
use crate::catalog::self_metrics::SERIES_LIMIT;

/// Cached (provider, model) lookups at most; past it a lookup resolves again
/// (still no table scan).
const MAX_CACHED: usize = 1024;

type Hasher64 = foldhash::fast::RandomState;

/// Prices of one model or tier, US dollars per million tokens (a cost is
/// `tokens × price / 10⁶`, the way it is written by hand: `200 × 2.0 / 10⁶`
/// is exactly the `0.0004` a reader expects).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Rates {
    pub(crate) input: f64,
    pub(crate) output: f64,
    pub(crate) cache_read: f64,
    pub(crate) cache_write: f64,
    pub(crate) reasoning: f64,
}

impl Rates {
    fn of(p: &ModelPrice) -> Rates {
        Rates {
            input: p.input(),
            output: p.output(),
            cache_read: p.cache_read(),
            cache_write: p.cache_write(),
            reasoning: p.reasoning(),
        }
    }
}

/// A model's prices as a call uses them.
#[derive(Debug)]
pub(crate) struct Resolved {
    base: Rates,
    /// `(above_input_tokens, rates)`, by increasing threshold.
    tiers: Box<[(u64, Rates)]>,
    /// Whether inconsistent usage of this model was logged already.
    pub(crate) warned: AtomicBool,
}

impl Resolved {
    fn new(price: &ModelPrice) -> Resolved {
        let mut tiers: Vec<(u64, Rates)> = price
            .tiers()
            .iter()
            .map(|(above, p)| (*above, Rates::of(p)))
            .collect();
        tiers.sort_by_key(|(above, _)| *above);
        Resolved {
            base: Rates::of(price),
            tiers: tiers.into_boxed_slice(),
            warned: AtomicBool::new(false),
        }
    }

    /// The rates of a call with `input_tokens` input tokens: the tier with the
    /// highest threshold below them, else the base prices.
    #[inline]
    pub(crate) fn rates(&self, input_tokens: u64) -> &Rates {
        self.tiers
            .iter()
            .rev()
            .find(|(above, _)| input_tokens > *above)
            .map_or(&self.base, |(_, r)| r)
    }
}

/// An owned (provider, model).
#[derive(Debug, PartialEq, Eq)]
struct ModelKey {
    provider: Box<str>,
    model: Box<str>,
}

impl Hash for ModelKey {
    fn hash<H: Hasher>(&self, h: &mut H) {
        KeyRef(&self.provider, &self.model).hash(h)
    }
}

/// A borrowed (provider, model), to look a [`ModelKey`] up without allocating.
#[derive(Clone, Copy)]
struct KeyRef<'a>(&'a str, &'a str);

impl Hash for KeyRef<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.0.hash(h);
        self.1.hash(h);
    }
}

impl Equivalent<ModelKey> for KeyRef<'_> {
    fn equivalent(&self, key: &ModelKey) -> bool {
        *key.provider == *self.0 && *key.model == *self.1
    }
}

impl KeyRef<'_> {
    fn owned(self) -> ModelKey {
        ModelKey {
            provider: self.0.into(),
            model: self.1.into(),
        }
    }
}

/// The unpriced calls by (provider, model), at most [`SERIES_LIMIT`] series;
/// later pairs are counted in `overflow`.
#[derive(Debug, Default)]
pub(crate) struct Unpriced {
    series: RwLock<HashMap<ModelKey, Arc<AtomicU64>, Hasher64>>,
    overflow: Arc<AtomicU64>,
}

impl Unpriced {
    /// The counter of `model` at `provider`: its series, created under the
    /// limit, else the overflow counter.
    pub(crate) fn counter(&self, provider: &str, model: &str) -> Arc<AtomicU64> {
        let key = KeyRef(provider, model);
        if let Ok(series) = self.series.read()
            && let Some(n) = series.get(&key)
        {
            return Arc::clone(n);
        }
        let Ok(mut series) = self.series.write() else {
            return Arc::clone(&self.overflow);
        };
        if let Some(n) = series.get(&key) {
            Arc::clone(n)
        } else if series.len() < SERIES_LIMIT {
            let n = Arc::new(AtomicU64::new(0));
            series.insert(key.owned(), Arc::clone(&n));
            n
        } else {
            Arc::clone(&self.overflow)
        }
    }

    fn count(&self, provider: &str, model: &str) {
        self.counter(provider, model)
            .fetch_add(1, Ordering::Relaxed);
    }

    /// `(provider, model, calls)` of every series, sorted, and the overflow
    /// count.
    pub(crate) fn snapshot(&self) -> (Vec<(String, String, u64)>, u64) {
        let mut out: Vec<(String, String, u64)> = self
            .series
            .read()
            .map(|s| {
                s.iter()
                    .map(|(k, n)| {
                        (
                            k.provider.to_string(),
                            k.model.to_string(),
                            n.load(Ordering::Relaxed),
                        )
                    })
                    .filter(|(_, _, n)| *n > 0)
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        (out, self.overflow.load(Ordering::Relaxed))
    }
}

/// The price table of one pipeline.
#[derive(Debug)]
pub(crate) struct PriceBook {
    /// Whether a table was configured (even an empty one).
    configured: bool,
    /// The table's entries by exact (provider, model).
    table: HashMap<ModelKey, Arc<Resolved>, Hasher64>,
    /// The longest configured model id (no longer prefix is looked up).
    longest_model: usize,
    /// What each (provider, model) resolved to.
    cache: RwLock<HashMap<ModelKey, Option<Arc<Resolved>>, Hasher64>>,
    pub(crate) unpriced: Unpriced,
}

impl PriceBook {
    /// The book of a validated table (`None`: no table configured).
    pub(crate) fn new(pricing: Option<&Pricing>) -> PriceBook {
        let mut table = HashMap::with_hasher(Hasher64::default());
        let mut longest_model = 0;
        for e in pricing.map(|p| p.entries.as_slice()).unwrap_or_default() {
            longest_model = longest_model.max(e.model.len());
            table.insert(
                KeyRef(&e.provider, &e.model).owned(),
                Arc::new(Resolved::new(&e.price)),
            );
        }
        PriceBook {
            configured: pricing.is_some(),
            table,
            longest_model,
            cache: RwLock::new(HashMap::with_hasher(Hasher64::default())),
            unpriced: Unpriced::default(),
        }
    }

    /// Whether a price table is configured.
    pub(crate) fn configured(&self) -> bool {
        self.configured
    }

    /// How many models the table prices.
    pub(crate) fn models(&self) -> usize {
        self.table.len()
    }

    /// The prices of `model` at `provider`: the exact id, else the longest
    /// configured model id that is a prefix of it.
    fn resolve(&self, provider: &str, model: &str) -> Option<Arc<Resolved>> {
        let mut end = model.len().min(self.longest_model);
        while end > 0 {
            if model.is_char_boundary(end)
                && let Some(r) = self.table.get(&KeyRef(provider, &model[..end]))
            {
                return Some(Arc::clone(r));
            }
            end -= 1;
        }
        None
    }

    /// [`Self::resolve`] through the cache.
    #[inline]
    pub(crate) fn lookup(&self, provider: &str, model: &str) -> Option<Arc<Resolved>> {
        if self.table.is_empty() {
            return None;
        }
        let key = KeyRef(provider, model);
        if let Ok(cache) = self.cache.read()
            && let Some(found) = cache.get(&key)
        {
            return found.clone();
        }
        let resolved = self.resolve(provider, model);
        if let Ok(mut cache) = self.cache.write()
            && cache.len() < MAX_CACHED
        {
            cache.insert(key.owned(), resolved.clone());
        }
        resolved
    }

    /// The prices of a call: its response model's, else its request model's.
    #[inline]
    pub(crate) fn price(
        &self,
        provider: &str,
        request_model: &str,
        response_model: Option<&str>,
    ) -> Option<Arc<Resolved>> {
        response_model
            .filter(|m| !m.is_empty() && *m != request_model)
            .and_then(|m| self.lookup(provider, m))
            .or_else(|| self.lookup(provider, request_model))
    }

    /// One more unpriced call of `model` at `provider`.
    pub(crate) fn count_unpriced(&self, provider: &str, model: &str) {
        self.unpriced.count(provider, model);
    }
}
