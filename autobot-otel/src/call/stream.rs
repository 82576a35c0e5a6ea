//! A call timed over the life of the stream its function returned: what
//! `#[instrument_llm]`, `#[instrument_agent]` and `#[instrument_tool]` hand a
//! [`Call`] to when the function returns `impl Stream<..>` (and what
//! [`crate::llm::LlmStream`] is built on).
//!
//! [`CallStream`] yields the inner stream's items unchanged and ends the call
//! once: at the stream's end (success), at the item its [`Watch`] says ends it
//! (an `Err` item: a failure of its type), or when dropped before either
//! (cancelled; a failure `panic` while panicking). Items after the end pass
//! through unrecorded. At every poll before the end, the call's span is
//! entered and an agent's or workflow's invocation is current (as for each poll
//! of an `async fn`'s future), so the LLM and tool calls the stream makes
//! while it is polled count into it. What the items report beyond their
//! outcome (an LLM stream's chunks: first chunk, usage, finish reasons) is the
//! watch's part (`crate::llm`'s).

use std::borrow::Cow;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::{Call, CallOutcome, Response};

/// What a [`CallStream`]'s items reported so far, recorded when the call ends.
pub trait Report {
    /// The response so far (an LLM stream's usage, model, finish reasons).
    fn response(&self) -> Response<'_>;
}

/// Looks at each item of a [`CallStream`] while its call runs.
pub trait Watch<I>: Report {
    /// `item` arrived: `Some(outcome)` ends the call with that outcome.
    fn item(&mut self, call: &Call, item: &I) -> Option<CallOutcome>;
}

/// The watch of a stream whose items report nothing but their outcome: an
/// item for which `error` gives an error type (an `Err` item) fails the call.
pub struct Outcomes<I> {
    error: fn(&I) -> Option<&'static str>,
}

impl<I> Outcomes<I> {
    /// `error`: the error type of an item that is a failure.
    #[inline]
    pub fn new(error: fn(&I) -> Option<&'static str>) -> Self {
        Outcomes { error }
    }
}

impl<I> Report for Outcomes<I> {
    #[inline]
    fn response(&self) -> Response<'_> {
        Response::default()
    }
}

impl<I> Watch<I> for Outcomes<I> {
    #[inline]
    fn item(&mut self, _: &Call, item: &I) -> Option<CallOutcome> {
        (self.error)(item).map(|error_type| CallOutcome::Failure(Cow::Borrowed(error_type)))
    }
}

pin_project_lite::pin_project! {
    /// A call timed over the life of `inner` (see the module's documentation).
    #[must_use = "a stream does nothing unless polled"]
    pub struct CallStream<S, W: Report> {
        #[pin]
        inner: S,
        call: Call,
        watch: W,
    }

    impl<S, W: Report> PinnedDrop for CallStream<S, W> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if !this.call.is_done() {
                let outcome = if std::thread::panicking() {
                    CallOutcome::Failure(Cow::Borrowed("panic"))
                } else {
                    CallOutcome::Cancelled
                };
                this.call.finish_with(outcome, &this.watch.response());
            }
        }
    }
}

impl<S, W: Report> CallStream<S, W> {
    /// Continues the running `call` over `inner`, its items looked at by `watch`.
    #[inline]
    pub fn new(call: Call, inner: S, watch: W) -> Self {
        CallStream { inner, call, watch }
    }

    /// The call's span (none once the call ended).
    #[inline]
    pub fn span(&self) -> &tracing::Span {
        self.call.span()
    }
}

impl<S, W> Stream for CallStream<S, W>
where
    S: Stream,
    W: Watch<S::Item>,
{
    type Item = S::Item;

    #[inline]
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        if this.call.is_done() {
            return this.inner.poll_next(cx);
        }
        let polled = {
            let _entered = this.call.span().enter();
            let _invocation = this.call.enter_invocation();
            this.inner.poll_next(cx)
        };
        let Poll::Ready(item) = polled else {
            return Poll::Pending;
        };
        let outcome = match &item {
            Some(item) => this.watch.item(this.call, item),
            None => Some(CallOutcome::Success),
        };
        if let Some(outcome) = outcome {
            this.call.finish_with(outcome, &this.watch.response());
            this.call.close_span();
        }
        Poll::Ready(item)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}
