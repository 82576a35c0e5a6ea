//! What happened inside one invocation (issue 20, item 3): the LLM and tool
//! calls an agent invocation makes, counted into
//! `autobot_agent_llm_calls_per_invocation` / `autobot_agent_tool_calls_per_invocation`
//! when it ends, and the token usage of the LLM calls beneath an agent or a
//! workflow, summed on its span.
//!
//! An agent's or a workflow's [`Call`](super::Call) owns an [`Invocation`]
//! (atomic counters). A call that starts finds the innermost one around it
//! through what is carried with the work, never a global:
//!
//! - the invocation's own future: the attributes' expansions (and
//!   `AgentRun::within` / `AgentRun::in_scope`) make it current on this
//!   thread for every poll of the future, and for a sync body while it runs
//!   ([`Within`], [`Entered`]): what the future awaits, nested as deep as it
//!   goes, sees it;
//! - the span: the invocation is kept in its span's extensions (with a
//!   `tracing_subscriber` registry installed, which every exporting setup has),
//!   and found from the current span by walking its parents: code that entered
//!   the span (`run.span().enter()`, `in_scope`) or runs in a task spawned with
//!   `tokio::spawn(fut.instrument(span))` or `.in_current_span()` sees it.
//!
//! When both find one, the deeper wins (an invocation's depth is its
//! enclosing invocation's plus one). A task spawned without the span, and any
//! work after the invocation ended, is not counted.
//!
//! An LLM or tool call counts in the nearest agent invocation around it only
//! (an agent inside an agent counts its own calls; the outer one does not see
//! them), and an LLM call's usage is added to that agent and to the nearest
//! workflow around it. Calls are counted when they start (a cancelled
//! invocation counts what it started), usage when the LLM call ends.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};

use crate::catalog::instrument::Rollup;
use crate::instrument::LlmUsage;

/// The token kinds summed, in the order of
/// `span_fields::AGENT_USAGE` / `WORKFLOW_USAGE`.
const INPUT: usize = 0;
const OUTPUT: usize = 1;
const CACHE_READ: usize = 2;
const CACHE_CREATION: usize = 3;
const REASONING: usize = 4;

/// One running agent invocation or workflow: what the calls inside it
/// reported so far.
#[derive(Debug)]
pub(crate) struct Invocation {
    kind: Rollup,
    /// 1 for an outermost invocation, its enclosing one's + 1 inside one.
    depth: u32,
    /// The invocation around this one when it started.
    parent: Option<Arc<Invocation>>,
    llm_calls: AtomicU64,
    tool_calls: AtomicU64,
    tokens: [AtomicU64; 5],
    /// Which of `tokens` some call reported (bit per index).
    reported: AtomicU8,
    /// The summed cost of the priced calls (US dollars, `f64` bits).
    cost: AtomicU64,
    /// Whether some call beneath had a cost.
    costed: AtomicBool,
}

/// Invocations whose span holds them: while there are none, a starting call
/// does not look through the span's parents (a count, not a context: the
/// context is always the span or the future).
static IN_SPANS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// The invocation whose future (or sync body) runs on this thread now.
    static CURRENT: RefCell<Option<Arc<Invocation>>> = const { RefCell::new(None) };
}

impl Invocation {
    /// Opens the invocation of an agent or workflow call whose span is `span`,
    /// inside the invocation current now.
    pub(crate) fn open(kind: Rollup, span: &tracing::Span) -> Arc<Invocation> {
        let parent = Invocation::current();
        let invocation = Arc::new(Invocation {
            kind,
            depth: parent.as_ref().map_or(1, |p| p.depth.saturating_add(1)),
            parent,
            llm_calls: AtomicU64::new(0),
            tool_calls: AtomicU64::new(0),
            tokens: Default::default(),
            reported: AtomicU8::new(0),
            cost: AtomicU64::new(0f64.to_bits()),
            costed: AtomicBool::new(false),
        });
        in_span::attach(span, &invocation);
        invocation
    }

    /// The innermost invocation around the code running now.
    pub(crate) fn current() -> Option<Arc<Invocation>> {
        let local = CURRENT.with(|c| c.borrow().clone());
        let spanned = if IN_SPANS.load(Ordering::Relaxed) == 0 {
            None
        } else {
            in_span::current()
        };
        match (local, spanned) {
            (Some(local), Some(spanned)) if local.depth > spanned.depth => Some(local),
            (local, None) => local,
            (_, spanned) => spanned,
        }
    }

    /// The nearest invocation of `kind`, from this one outwards.
    fn nearest(self: &Arc<Self>, kind: Rollup) -> Option<&Invocation> {
        let mut at: Option<&Invocation> = Some(self);
        while let Some(invocation) = at {
            if invocation.kind == kind {
                return Some(invocation);
            }
            at = invocation.parent.as_deref();
        }
        None
    }

    /// A call of `kind` (an LLM or tool call) starts inside this invocation:
    /// counted by the nearest agent.
    pub(crate) fn count(self: &Arc<Self>, kind: Rollup) {
        let Some(agent) = self.nearest(Rollup::Agent) else {
            return;
        };
        let counter = match kind {
            Rollup::Llm => &agent.llm_calls,
            Rollup::Tool => &agent.tool_calls,
            _ => return,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// An LLM call inside this invocation reported `usage`: added to the
    /// nearest agent and the nearest workflow. An embeddings call adds its
    /// input tokens only.
    pub(crate) fn add_usage(self: &Arc<Self>, usage: &dyn LlmUsage, embeddings: bool) {
        let values = if embeddings {
            [Some(usage.input_tokens()), None, None, None, None]
        } else {
            [
                Some(usage.input_tokens()),
                Some(usage.output_tokens()),
                usage.cache_read_input_tokens(),
                usage.cache_creation_input_tokens(),
                usage.reasoning_output_tokens(),
            ]
        };
        for target in [self.nearest(Rollup::Agent), self.nearest(Rollup::Workflow)]
            .into_iter()
            .flatten()
        {
            let mut bits = 0u8;
            for (i, value) in values.iter().enumerate() {
                if let Some(value) = value {
                    bits |= 1 << i;
                    // Saturating: a sum never wraps.
                    let _ =
                        target.tokens[i].fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| {
                            Some(t.saturating_add(*value))
                        });
                }
            }
            target.reported.fetch_or(bits, Ordering::Relaxed);
        }
    }

    /// An LLM call inside this invocation cost `amount` US dollars (priced or
    /// given): added to the nearest agent and the nearest workflow.
    pub(crate) fn add_cost(self: &Arc<Self>, amount: f64) {
        for target in [self.nearest(Rollup::Agent), self.nearest(Rollup::Workflow)]
            .into_iter()
            .flatten()
        {
            let _ = target
                .cost
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| {
                    Some((f64::from_bits(bits) + amount).to_bits())
                });
            target.costed.store(true, Ordering::Relaxed);
        }
    }

    /// The summed cost of the calls beneath that had one (`None`: no call had).
    pub(crate) fn cost(&self) -> Option<f64> {
        self.costed
            .load(Ordering::Relaxed)
            .then(|| f64::from_bits(self.cost.load(Ordering::Relaxed)))
    }

    /// The LLM calls and tool calls counted so far.
    pub(crate) fn calls(&self) -> (u64, u64) {
        (
            self.llm_calls.load(Ordering::Relaxed),
            self.tool_calls.load(Ordering::Relaxed),
        )
    }

    /// The summed tokens some call reported, by index (input, output, cache
    /// read, cache creation, reasoning).
    pub(crate) fn tokens(&self) -> [Option<u64>; 5] {
        let reported = self.reported.load(Ordering::Relaxed);
        let mut out = [None; 5];
        for (i, slot) in out.iter_mut().enumerate() {
            if reported & (1 << i) != 0 {
                *slot = Some(self.tokens[i].load(Ordering::Relaxed));
            }
        }
        out
    }

    /// Makes this invocation current on this thread until the guard drops.
    pub(crate) fn enter(self: &Arc<Self>) -> Entered {
        Entered {
            previous: CURRENT.with(|c| c.borrow_mut().replace(Arc::clone(self))),
        }
    }
}

// The token indexes are the span field arrays' order.
const _: () = {
    use crate::catalog::instrument::span_fields as f;
    assert!(INPUT == 0 && OUTPUT == 1 && CACHE_READ == 2 && CACHE_CREATION == 3);
    assert!(REASONING == 4 && f::AGENT_USAGE.len() == 5 && f::WORKFLOW_USAGE.len() == 5);
};

/// The invocation current on this thread while it lives (restores the one
/// before it when dropped). Not public API.
#[doc(hidden)]
#[must_use]
pub struct Entered {
    previous: Option<Arc<Invocation>>,
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // `try_with`: a guard dropped while the thread's locals are torn down.
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = previous);
    }
}

pin_project_lite::pin_project! {
    /// A future that makes its invocation current on this thread for every
    /// poll: what it awaits counts into it. Not public API (the expansions and
    /// `AgentRun::instrument` build it).
    #[doc(hidden)]
    #[must_use = "futures do nothing unless polled"]
    pub struct Within<F> {
        #[pin]
        inner: F,
        invocation: Option<Arc<Invocation>>,
    }
}

impl<F> Within<F> {
    pub(crate) fn new(invocation: Option<Arc<Invocation>>, inner: F) -> Within<F> {
        Within { inner, invocation }
    }
}

impl<F: Future> Future for Within<F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _entered = this.invocation.as_ref().map(Invocation::enter);
        this.inner.poll(cx)
    }
}

/// The invocation in its span's extensions (a `tracing_subscriber` registry).
#[cfg(any(feature = "subscriber", feature = "_otlp"))]
mod in_span {
    use std::sync::Arc;
    use std::sync::atomic::Ordering;

    use tracing_subscriber::registry::{LookupSpan as _, Registry};

    use super::{IN_SPANS, Invocation};

    /// What a span's extensions hold.
    struct Held(Arc<Invocation>);

    impl Drop for Held {
        fn drop(&mut self) {
            IN_SPANS.fetch_sub(1, Ordering::Relaxed);
        }
    }

    pub(super) fn attach(span: &tracing::Span, invocation: &Arc<Invocation>) {
        if span.is_disabled() {
            return;
        }
        span.with_subscriber(|(id, dispatch)| {
            let Some(data) = dispatch
                .downcast_ref::<Registry>()
                .and_then(|registry| registry.span(id))
            else {
                return;
            };
            IN_SPANS.fetch_add(1, Ordering::Relaxed);
            // `replace`: never a second entry (insert would panic).
            drop(data.extensions_mut().replace(Held(Arc::clone(invocation))));
        });
    }

    pub(super) fn current() -> Option<Arc<Invocation>> {
        tracing::dispatcher::get_default(|dispatch| {
            let current = dispatch.current_span();
            let id = current.id()?;
            let registry = dispatch.downcast_ref::<Registry>()?;
            let data = registry.span(id)?;
            data.scope()
                .find_map(|span| span.extensions().get::<Held>().map(|h| Arc::clone(&h.0)))
        })
    }
}

/// Without `tracing_subscriber` no span holds an invocation.
#[cfg(not(any(feature = "subscriber", feature = "_otlp")))]
mod in_span {
    use std::sync::Arc;

    use super::Invocation;

    pub(super) fn attach(_span: &tracing::Span, _invocation: &Arc<Invocation>) {}

    pub(super) fn current() -> Option<Arc<Invocation>> {
        None
    }
}
