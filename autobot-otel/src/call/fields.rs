//! The span fields a call records when it ends, recorded in one batch.
//!
//! `tracing` calls every layer's `on_record` once per `Span::record`; each call
//! looks the span up in the registry and, in `tracing-opentelemetry`, locks the
//! OpenTelemetry span's data to add the attributes. An LLM call ends with up to
//! a dozen fields (status, error, the response's model and usage, an
//! invocation's summed usage), so [`EndFields`] gathers them and hands them to
//! the subscriber in one `Span::record_all`: one lookup, one `on_record` per
//! layer, and every layer still sees every field (a batch set on the
//! OpenTelemetry span behind `tracing`'s back would hide them from the others).

use tracing::field::{Field, Value};

/// At most this many fields end one call: status, `error.type`, the error
/// status, the response model, five token counts, five summed usages (an LLM
/// call has no summed usage, an agent no response): 13, with room.
const MAX: usize = 16;

/// One field's value: what the end-of-call fields hold.
#[derive(Clone, Copy)]
pub(crate) enum FieldValue<'a> {
    Str(&'a str),
    I64(i64),
}

/// The fields one call records when it ends, in the order added.
pub(crate) struct EndFields<'a> {
    len: usize,
    names: [&'static str; MAX],
    values: [FieldValue<'a>; MAX],
}

impl<'a> EndFields<'a> {
    pub(crate) fn new() -> Self {
        EndFields {
            len: 0,
            names: [""; MAX],
            values: [FieldValue::I64(0); MAX],
        }
    }

    /// Adds a string field (past [`MAX`] fields, the field is not recorded: no
    /// call site adds that many).
    #[inline]
    pub(crate) fn str(&mut self, name: &'static str, value: &'a str) {
        self.push(name, FieldValue::Str(value));
    }

    /// Adds an integer field; a token count beyond `i64::MAX` (OpenTelemetry
    /// attributes have no unsigned integers) is recorded as `i64::MAX`.
    #[inline]
    pub(crate) fn u64(&mut self, name: &'static str, value: u64) {
        self.push(
            name,
            FieldValue::I64(i64::try_from(value).unwrap_or(i64::MAX)),
        );
    }

    #[inline]
    fn push(&mut self, name: &'static str, value: FieldValue<'a>) {
        debug_assert!(self.len < MAX, "more than {MAX} end-of-call fields");
        if self.len < MAX {
            self.names[self.len] = name;
            self.values[self.len] = value;
            self.len += 1;
        }
    }

    /// Records every field the span declares in one `Span::record_all` (one
    /// field through `Span::record`, which costs less for one); a name the span
    /// does not declare is skipped, as `Span::record` skips it.
    #[inline]
    pub(crate) fn record(&self, span: &tracing::Span) {
        match self.len {
            0 => {}
            1 => {
                span.record(self.names[0], self.value(0));
            }
            2..=4 => self.record_all::<4>(span),
            5..=8 => self.record_all::<8>(span),
            _ => self.record_all::<MAX>(span),
        }
    }

    /// The batch, in a value set of `N` entries (`N >= self.len`).
    fn record_all<const N: usize>(&self, span: &tracing::Span) {
        let Some(metadata) = span.metadata() else {
            return;
        };
        let set = metadata.fields();
        let fields: [Option<Field>; N] = std::array::from_fn(|i| {
            self.names[..self.len]
                .get(i)
                .and_then(|name| set.field(*name))
        });
        // Every entry of a value set names a field of the span's own set: the
        // unused slots repeat a declared one with no value (skipped by visitors).
        let Some(filler) = fields.iter().flatten().next() else {
            return;
        };
        let mut entries: [(&Field, Option<&dyn Value>); N] = [(filler, None); N];
        for (i, (entry, field)) in entries.iter_mut().zip(&fields).enumerate() {
            if let Some(field) = field {
                *entry = (field, Some(self.value(i)));
            }
        }
        span.record_all(&set.value_set(&entries));
    }

    fn value(&self, i: usize) -> &dyn Value {
        match &self.values[i] {
            FieldValue::Str(s) => s,
            FieldValue::I64(v) => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};
    use tracing::Subscriber;
    use tracing::field::Visit;
    use tracing::span::{Attributes, Id, Record};

    /// Collects what `on_record` sees, and how often it is called.
    #[derive(Default, Clone)]
    struct Seen(Arc<Mutex<(usize, BTreeMap<String, String>)>>);

    impl Visit for Seen {
        fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
            let mut seen = self.0.lock().unwrap();
            seen.1.insert(field.name().into(), format!("{value:?}"));
        }
    }

    impl Subscriber for Seen {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, values: &Record<'_>) {
            self.0.lock().unwrap().0 += 1;
            values.record(&mut self.clone());
        }
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, _: &tracing::Event<'_>) {}
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    #[test]
    fn every_declared_field_reaches_the_subscriber_in_one_record() {
        let seen = Seen::default();
        tracing::subscriber::with_default(seen.clone(), || {
            let span = tracing::info_span!(
                "call",
                autobot.status = tracing::field::Empty,
                gen_ai.usage.input_tokens = tracing::field::Empty,
            );
            let mut end = EndFields::new();
            end.str("autobot.status", "success");
            end.str("not.declared", "skipped");
            end.u64("gen_ai.usage.input_tokens", u64::MAX);
            end.record(&span);
        });
        let seen = seen.0.lock().unwrap();
        assert_eq!(seen.0, 1, "one on_record for all fields");
        let fields: Vec<_> = seen
            .1
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            fields,
            [
                ("autobot.status", "\"success\""),
                ("gen_ai.usage.input_tokens", "9223372036854775807"),
            ]
        );
    }

    #[test]
    fn batches_of_every_size_record_every_field_once() {
        for n in 1..=12 {
            let seen = Seen::default();
            tracing::subscriber::with_default(seen.clone(), || {
                let span = tracing::info_span!(
                    "call",
                    f0 = tracing::field::Empty,
                    f1 = tracing::field::Empty,
                    f2 = tracing::field::Empty,
                    f3 = tracing::field::Empty,
                    f4 = tracing::field::Empty,
                    f5 = tracing::field::Empty,
                    f6 = tracing::field::Empty,
                    f7 = tracing::field::Empty,
                    f8 = tracing::field::Empty,
                    f9 = tracing::field::Empty,
                    f10 = tracing::field::Empty,
                    f11 = tracing::field::Empty,
                );
                const NAMES: [&str; 12] = [
                    "f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9", "f10", "f11",
                ];
                let mut end = EndFields::new();
                for (i, name) in NAMES.iter().take(n).enumerate() {
                    end.u64(name, i as u64);
                }
                end.record(&span);
            });
            let seen = seen.0.lock().unwrap();
            assert_eq!(seen.0, 1, "{n} fields: one on_record");
            let want: BTreeMap<String, String> =
                (0..n).map(|i| (format!("f{i}"), i.to_string())).collect();
            assert_eq!(seen.1, want, "{n} fields");
        }
    }

    #[test]
    fn no_declared_field_records_nothing() {
        let seen = Seen::default();
        tracing::subscriber::with_default(seen.clone(), || {
            let span = tracing::info_span!("call");
            let mut end = EndFields::new();
            end.str("autobot.status", "success");
            end.record(&span);
            EndFields::new().record(&tracing::Span::none());
        });
        assert_eq!(seen.0.lock().unwrap().0, 0);
    }
}
