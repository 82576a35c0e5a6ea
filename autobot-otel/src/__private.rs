//! Runtime of the instrumentation attributes. Not public API: only the code that
//! `autobot-otel-macros` generates calls it, by its full path. The call itself
//! is `crate::call`; here are what the expansions name: the re-exports, the
//! outcome rules, the stream hand-over and the compile-time probes of the return
//! type.

pub use crate::call::{
    Call, CallOutcome, CallStream, Entered, Outcomes, Recorder, RecorderRef, Server, Site, Within,
};
pub use crate::llm::LlmStream;
pub use autobot_otel_catalog::instrument as specs;
pub use tracing;
pub use tracing::Instrument;

/// Outcome rules of the attributes (`success_on_err`, `failure_on_ok`).
pub mod rules {
    use std::borrow::Cow;

    use super::CallOutcome;

    /// A return type `success_on_err` applies to: a `Result`.
    #[diagnostic::on_unimplemented(
        message = "`success_on_err` needs a function that returns a `Result`, not `{Self}`",
        label = "this rule looks at the `Err` of a `Result`"
    )]
    pub trait Fallible {
        /// The error type.
        type Err;
        /// The error, if it is one.
        fn err(&self) -> Option<&Self::Err>;
    }

    impl<T, E> Fallible for Result<T, E> {
        type Err = E;
        fn err(&self) -> Option<&E> {
            self.as_ref().err()
        }
    }

    /// `success_on_err = f`: an `Err` for which `f` is true is a success.
    #[inline]
    pub fn success_on_err<R: Fallible>(
        outcome: CallOutcome,
        result: &R,
        f: impl FnOnce(&R::Err) -> bool,
    ) -> CallOutcome {
        match result.err() {
            Some(e) if f(e) => CallOutcome::Success,
            _ => outcome,
        }
    }

    /// `failure_on_ok = f`: an `Ok` value (or a plain return value) for which
    /// `f` gives `Some(error_type)` is a failure of that type.
    #[inline]
    pub fn failure_on_ok<V: ?Sized, S: Into<Cow<'static, str>>>(
        outcome: CallOutcome,
        value: Option<&V>,
        f: impl FnOnce(&V) -> Option<S>,
    ) -> CallOutcome {
        match value.and_then(f) {
            Some(error_type) => CallOutcome::Failure(error_type.into()),
            None => outcome,
        }
    }
}

/// `code.function.name` of an attributed function: the path of the item the
/// expansion nests in it (`std::any::type_name`), without that item's name
/// and the `{{closure}}` of an `async` body: `module::function`, and for a
/// method `module::Type::method` (`<module::Type as module::Trait>::method`
/// in a trait impl).
#[inline]
pub fn function_name(here: &'static str) -> &'static str {
    let name = here.strip_suffix("::__autobot_fn").unwrap_or(here);
    name.strip_suffix("::{{closure}}").unwrap_or(name)
}

/// A streaming call: the stream `ret` returned, timed until it ends.
#[inline]
pub fn stream<S, C, E>(
    call: Call,
    ret: S,
    chunk: fn(&C, &mut crate::llm::ChunkReport),
    error: fn(&E) -> &'static str,
) -> LlmStream<S, C, E>
where
    S: futures_core::Stream<Item = Result<C, E>>,
{
    LlmStream::new(call, ret, chunk, error)
}

/// A streaming call whose function returned `Result<impl Stream, E>`: `Err`
/// ends the call (with `outcome`), `Ok` is timed until its stream ends.
#[inline]
pub fn stream_result<S, C, E, F>(
    mut call: Call,
    ret: Result<S, F>,
    outcome: CallOutcome,
    chunk: fn(&C, &mut crate::llm::ChunkReport),
    error: fn(&E) -> &'static str,
) -> Result<LlmStream<S, C, E>, F>
where
    S: futures_core::Stream<Item = Result<C, E>>,
{
    match ret {
        Ok(s) => Ok(LlmStream::new(call, s, chunk, error)),
        Err(e) => {
            call.finish(outcome, None);
            Err(e)
        }
    }
}

/// A streaming call of an attribute whose items report only their outcome
/// (agents, tools): the stream `ret` returned, timed until it ends; an item for
/// which `error` gives an error type (an `Err` item) fails the call.
#[inline]
pub fn call_stream<S>(
    call: Call,
    ret: S,
    error: fn(&S::Item) -> Option<&'static str>,
) -> CallStream<S, Outcomes<S::Item>>
where
    S: futures_core::Stream,
{
    CallStream::new(call, ret, Outcomes::new(error))
}

/// [`call_stream`] for a function that returned `Result<impl Stream, F>`:
/// `Err` ends the call (with `outcome`), `Ok` is timed until its stream ends.
#[inline]
pub fn call_stream_result<S, F>(
    mut call: Call,
    ret: Result<S, F>,
    outcome: CallOutcome,
    error: fn(&S::Item) -> Option<&'static str>,
) -> Result<CallStream<S, Outcomes<S::Item>>, F>
where
    S: futures_core::Stream,
{
    match ret {
        Ok(s) => Ok(CallStream::new(call, s, Outcomes::new(error))),
        Err(e) => {
            call.finish(outcome, None);
            Err(e)
        }
    }
}

/// Compile-time dispatch on the return type (autoref specialization): the most
/// specific impl that applies wins.
pub mod probe {
    use std::borrow::Cow;
    use std::marker::PhantomData;

    use super::CallOutcome;
    use crate::instrument::{ErrorType, LlmChunk, LlmUsage};
    use crate::llm::ChunkReport;

    /// Wraps a reference to the return value for method probing.
    pub struct Wrap<T>(pub T);

    /// The `error_type` of an error type that does not implement [`ErrorType`]:
    /// its path as [`std::any::type_name`] gives it, without generic arguments,
    /// looking through `Box`, `Arc`, `Rc` and references (`reqwest::error::Error`,
    /// `Box<dyn Error + Send>` → `dyn core::error::Error`).
    pub fn error_type_name<E: ?Sized>() -> &'static str {
        type_path(std::any::type_name::<E>())
    }

    fn type_path(mut name: &'static str) -> &'static str {
        loop {
            name = name.trim_start_matches('&').trim_start_matches("mut ");
            let inner = ["alloc::boxed::Box<", "alloc::sync::Arc<", "alloc::rc::Rc<"]
                .iter()
                .find_map(|p| name.strip_prefix(p));
            match inner {
                Some(rest) => name = rest.strip_suffix('>').unwrap_or(rest),
                None => break,
            }
        }
        let end = name.find(['<', '+']).unwrap_or(name.len());
        name[..end].trim_end()
    }

    /// `Result` whose error implements [`ErrorType`].
    pub trait ErrWithType {
        /// The outcome.
        fn __autobot_outcome(&self) -> CallOutcome;
    }
    impl<T, E: ErrorType> ErrWithType for &&Wrap<&Result<T, E>> {
        fn __autobot_outcome(&self) -> CallOutcome {
            match self.0 {
                Ok(_) => CallOutcome::Success,
                Err(e) => CallOutcome::Failure(Cow::Borrowed(e.error_type())),
            }
        }
    }

    /// Any other `Result`: the error type's name.
    pub trait ErrWithoutType {
        /// The outcome.
        fn __autobot_outcome(&self) -> CallOutcome;
    }
    impl<T, E> ErrWithoutType for &Wrap<&Result<T, E>> {
        fn __autobot_outcome(&self) -> CallOutcome {
            match self.0 {
                Ok(_) => CallOutcome::Success,
                Err(_) => CallOutcome::Failure(Cow::Borrowed(error_type_name::<E>())),
            }
        }
    }

    /// Not a `Result`: success.
    pub trait NotAResult {
        /// The outcome.
        fn __autobot_outcome(&self) -> CallOutcome;
    }
    impl<T: ?Sized> NotAResult for Wrap<&T> {
        fn __autobot_outcome(&self) -> CallOutcome {
            CallOutcome::Success
        }
    }

    // The usage and the `Ok` value borrow from the return value (`'a`), not from
    // the probe's temporaries, so they outlive the expression that probes.

    /// `Ok` value implements [`LlmUsage`].
    pub trait UsageInResult<'a> {
        /// The usage, if reported.
        fn __autobot_usage(&self) -> Option<&'a dyn LlmUsage>;
    }
    impl<'a, T: LlmUsage, E> UsageInResult<'a> for &&Wrap<&'a Result<T, E>> {
        fn __autobot_usage(&self) -> Option<&'a dyn LlmUsage> {
            self.0.as_ref().ok().map(|u| u as &dyn LlmUsage)
        }
    }

    /// The value implements [`LlmUsage`].
    pub trait UsageInValue<'a> {
        /// The usage, if reported.
        fn __autobot_usage(&self) -> Option<&'a dyn LlmUsage>;
    }
    impl<'a, T: LlmUsage> UsageInValue<'a> for &Wrap<&'a T> {
        fn __autobot_usage(&self) -> Option<&'a dyn LlmUsage> {
            Some(self.0)
        }
    }

    /// No usage.
    pub trait NoUsage<'a> {
        /// The usage, if reported.
        fn __autobot_usage(&self) -> Option<&'a dyn LlmUsage>;
    }
    impl<'a, T: ?Sized> NoUsage<'a> for Wrap<&'a T> {
        fn __autobot_usage(&self) -> Option<&'a dyn LlmUsage> {
            None
        }
    }

    /// The value `failure_on_ok` looks at: a `Result`'s `Ok` value.
    pub trait OkOfResult<'a> {
        /// The `Ok` value.
        type Value: ?Sized + 'a;
        /// The `Ok` value, if `Ok`.
        fn __autobot_ok_value(&self) -> Option<&'a Self::Value>;
    }
    impl<'a, T: 'a, E> OkOfResult<'a> for &Wrap<&'a Result<T, E>> {
        type Value = T;
        fn __autobot_ok_value(&self) -> Option<&'a T> {
            self.0.as_ref().ok()
        }
    }

    /// The value `failure_on_ok` looks at: a plain return value itself.
    pub trait OkOfValue<'a> {
        /// The value.
        type Value: ?Sized + 'a;
        /// The value.
        fn __autobot_ok_value(&self) -> Option<&'a Self::Value>;
    }
    impl<'a, T: ?Sized + 'a> OkOfValue<'a> for Wrap<&'a T> {
        type Value = T;
        fn __autobot_ok_value(&self) -> Option<&'a T> {
            Some(self.0)
        }
    }

    /// The chunk type of a stream of `Result<C, E>` items.
    #[inline]
    pub fn chunk_of<S, C, E>(_: &S) -> Wrap<PhantomData<C>>
    where
        S: futures_core::Stream<Item = Result<C, E>>,
    {
        Wrap(PhantomData)
    }

    /// The error type of a stream of `Result<C, E>` items.
    #[inline]
    pub fn error_of<S, C, E>(_: &S) -> Wrap<PhantomData<E>>
    where
        S: futures_core::Stream<Item = Result<C, E>>,
    {
        Wrap(PhantomData)
    }

    /// `chunk_of` for the stream inside a `Result`.
    #[inline]
    pub fn chunk_of_ok<S, C, E, F>(_: &Result<S, F>) -> Wrap<PhantomData<C>>
    where
        S: futures_core::Stream<Item = Result<C, E>>,
    {
        Wrap(PhantomData)
    }

    /// `error_of` for the stream inside a `Result`.
    #[inline]
    pub fn error_of_ok<S, C, E, F>(_: &Result<S, F>) -> Wrap<PhantomData<E>>
    where
        S: futures_core::Stream<Item = Result<C, E>>,
    {
        Wrap(PhantomData)
    }

    /// Chunks that implement [`LlmChunk`]: what they report is read.
    pub trait ChunkReports<C> {
        /// Reads what a chunk reports.
        fn __autobot_chunk(&self) -> fn(&C, &mut ChunkReport);
    }
    impl<C: LlmChunk> ChunkReports<C> for &Wrap<PhantomData<C>> {
        fn __autobot_chunk(&self) -> fn(&C, &mut ChunkReport) {
            ChunkReport::read::<C>
        }
    }

    /// Other chunks report nothing.
    pub trait ChunkSilent<C> {
        /// Reads what a chunk reports: nothing.
        fn __autobot_chunk(&self) -> fn(&C, &mut ChunkReport);
    }
    impl<C> ChunkSilent<C> for Wrap<PhantomData<C>> {
        fn __autobot_chunk(&self) -> fn(&C, &mut ChunkReport) {
            |_, _| {}
        }
    }

    /// Stream errors that implement [`ErrorType`].
    pub trait ItemErrWithType<E> {
        /// The `error_type` of an `Err` item.
        fn __autobot_item_error(&self) -> fn(&E) -> &'static str;
    }
    impl<E: ErrorType> ItemErrWithType<E> for &Wrap<PhantomData<E>> {
        fn __autobot_item_error(&self) -> fn(&E) -> &'static str {
            E::error_type
        }
    }

    /// Other stream errors: the type's name.
    pub trait ItemErrWithoutType<E> {
        /// The `error_type` of an `Err` item.
        fn __autobot_item_error(&self) -> fn(&E) -> &'static str;
    }
    impl<E> ItemErrWithoutType<E> for Wrap<PhantomData<E>> {
        fn __autobot_item_error(&self) -> fn(&E) -> &'static str {
            |_| error_type_name::<E>()
        }
    }

    /// `stream`, its item type fixed to `I` (the one the signature declares,
    /// so the item probes see it).
    #[inline]
    pub fn items<I, S: futures_core::Stream<Item = I>>(stream: S) -> S {
        stream
    }

    /// `items` for the stream inside a `Result`.
    #[inline]
    pub fn items_ok<I, S: futures_core::Stream<Item = I>, F>(ret: Result<S, F>) -> Result<S, F> {
        ret
    }

    /// The item type of a stream.
    #[inline]
    pub fn item_of<S: futures_core::Stream>(_: &S) -> Wrap<PhantomData<S::Item>> {
        Wrap(PhantomData)
    }

    /// `item_of` for the stream inside a `Result`.
    #[inline]
    pub fn item_of_ok<S: futures_core::Stream, F>(_: &Result<S, F>) -> Wrap<PhantomData<S::Item>> {
        Wrap(PhantomData)
    }

    /// `Result` items whose error implements [`ErrorType`]: an `Err` is a
    /// failure of its type.
    pub trait ItemResultWithType<I> {
        /// The error type of an item that is a failure.
        fn __autobot_item_outcome(&self) -> fn(&I) -> Option<&'static str>;
    }
    impl<T, E: ErrorType> ItemResultWithType<Result<T, E>> for &&Wrap<PhantomData<Result<T, E>>> {
        fn __autobot_item_outcome(&self) -> fn(&Result<T, E>) -> Option<&'static str> {
            |item| item.as_ref().err().map(E::error_type)
        }
    }

    /// Other `Result` items: an `Err` is a failure named by its type.
    pub trait ItemResultWithoutType<I> {
        /// The error type of an item that is a failure.
        fn __autobot_item_outcome(&self) -> fn(&I) -> Option<&'static str>;
    }
    impl<T, E> ItemResultWithoutType<Result<T, E>> for &Wrap<PhantomData<Result<T, E>>> {
        fn __autobot_item_outcome(&self) -> fn(&Result<T, E>) -> Option<&'static str> {
            |item| item.as_ref().err().map(|_| error_type_name::<E>())
        }
    }

    /// Plain items: never a failure.
    pub trait ItemPlain<I> {
        /// The error type of an item that is a failure: none.
        fn __autobot_item_outcome(&self) -> fn(&I) -> Option<&'static str>;
    }
    impl<I> ItemPlain<I> for Wrap<PhantomData<I>> {
        fn __autobot_item_outcome(&self) -> fn(&I) -> Option<&'static str> {
            |_| None
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn error_type_names_are_full_paths_without_generics() {
            struct Generic<T>(T);
            assert_eq!(error_type_name::<std::fmt::Error>(), "core::fmt::Error");
            assert_eq!(
                error_type_name::<Generic<String>>(),
                "autobot_otel::__private::probe::tests::error_type_names_are_full_paths_without_generics::Generic"
            );
            assert_eq!(
                error_type_name::<Box<dyn std::error::Error + Send + Sync>>(),
                "dyn core::error::Error"
            );
            assert_eq!(
                error_type_name::<std::sync::Arc<std::fmt::Error>>(),
                "core::fmt::Error"
            );
            assert_eq!(error_type_name::<&std::fmt::Error>(), "core::fmt::Error");
        }

        struct Typed;
        impl ErrorType for Typed {
            fn error_type(&self) -> &'static str {
                "typed"
            }
        }

        #[test]
        #[allow(clippy::needless_borrow)] // the extra borrows are the dispatch
        fn outcome_dispatch() {
            let ok: Result<u8, std::io::Error> = Ok(1);
            assert_eq!((&&&Wrap(&ok)).__autobot_outcome(), CallOutcome::Success);
            let io: Result<u8, std::io::Error> = Err(std::io::Error::other("x"));
            assert_eq!(
                (&&&Wrap(&io)).__autobot_outcome(),
                CallOutcome::Failure("other".into()),
                "io::Error implements ErrorType: its kind"
            );
            let fmt: Result<u8, std::fmt::Error> = Err(std::fmt::Error);
            assert_eq!(
                (&&&Wrap(&fmt)).__autobot_outcome(),
                CallOutcome::Failure("core::fmt::Error".into())
            );
            let typed: Result<u8, Typed> = Err(Typed);
            assert_eq!(
                (&&&Wrap(&typed)).__autobot_outcome(),
                CallOutcome::Failure("typed".into())
            );
            let none: Option<u8> = None;
            assert_eq!((&&&Wrap(&none)).__autobot_outcome(), CallOutcome::Success);
        }
    }
}
