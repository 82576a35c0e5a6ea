//! Scoped pipelines: run code against a pipeline of its own instead of the global
//! one, so a test can assert exactly what the code under test recorded, with the
//! attributes, [`crate::get_metrics_manager`] and [`crate::global`] alike: inside
//! a scope each of them is the scope's pipeline.
//!
//! [`Telemetry::in_scope`] makes a pipeline current for a closure (sync code, as
//! `tracing::subscriber::with_default` and `metrics::with_local_recorder` do);
//! [`Telemetry::scope`] makes it current for every poll of a future, so it holds
//! across `.await` and whichever thread polls (as tracing's `WithSubscriber`).
//! Scopes nest; the innermost wins. Outside any scope the global pipeline is
//! current. An instrumented call records into the pipeline current when it
//! starts, even if it finishes outside the scope.
//!
//! ```
//! use autobot_otel::{instrument_workflow, Telemetry};
//!
//! #[instrument_workflow(span = false)]
//! async fn deploy() -> Result<(), std::io::Error> { Ok(()) }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let telemetry = Telemetry::builder().without_otlp().build().unwrap();
//! telemetry.scope(async { deploy().await.unwrap() }).await;
//! telemetry.in_scope(|| autobot_otel::get_metrics_manager().record_cache_hit("embedding"));
//!
//! let text = telemetry.render(autobot_otel::Exposition::Text);
//! assert!(text.contains(r#"autobot_workflow_executions_total{status="success",workflow_type="deploy"} 1"#));
//! assert!(text.contains(r#"autobot_knowledge_cache_hits_total{cache_type="embedding"} 1"#));
//! // The global pipeline saw none of it.
//! assert!(!autobot_otel::global().render(autobot_otel::Exposition::Text).contains(r#"workflow_type="deploy""#));
//! # }
//! ```

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};

use crate::pipeline::Telemetry;

thread_local! {
    /// The pipeline of the innermost scope on this thread.
    static CURRENT: RefCell<Option<Telemetry>> = const { RefCell::new(None) };
}

/// Scopes open on any thread: while 0, nothing reads the thread-local.
static OPEN_SCOPES: AtomicUsize = AtomicUsize::new(0);

/// Restores the previous scope of this thread when dropped (also on panic).
struct Enter {
    previous: Option<Telemetry>,
}

impl Enter {
    fn new(telemetry: &Telemetry) -> Enter {
        OPEN_SCOPES.fetch_add(1, Ordering::SeqCst);
        let previous = CURRENT.with(|c| c.replace(Some(telemetry.clone())));
        Enter { previous }
    }
}

impl Drop for Enter {
    fn drop(&mut self) {
        let previous = self.previous.take();
        // `try_with`: a scope may end while the thread-local is being torn down.
        let _ = CURRENT.try_with(|c| c.replace(previous));
        OPEN_SCOPES.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Telemetry {
    /// Runs `f` with this pipeline current on this thread: the attributes,
    /// [`crate::get_metrics_manager`] and [`crate::global`] record into it.
    ///
    /// ```
    /// let t = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// t.in_scope(|| autobot_otel::get_metrics_manager().record_cache_miss("llm"));
    /// assert!(t.render(autobot_otel::Exposition::Text).contains(r#"autobot_knowledge_cache_misses_total{cache_type="llm"} 1"#));
    /// ```
    pub fn in_scope<T>(&self, f: impl FnOnce() -> T) -> T {
        let _enter = Enter::new(self);
        f()
    }

    /// Wraps `future` so that this pipeline is current during each of its polls,
    /// on whichever thread polls it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let t = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
    /// t.scope(async {
    ///     tokio::task::yield_now().await;
    ///     autobot_otel::get_metrics_manager().record_cache_hit("llm");
    /// })
    /// .await;
    /// assert!(t.render(autobot_otel::Exposition::Text).contains(r#"autobot_knowledge_cache_hits_total{cache_type="llm"} 1"#));
    /// # }
    /// ```
    pub fn scope<F: Future>(&self, future: F) -> Scoped<F> {
        Scoped {
            telemetry: self.clone(),
            future,
        }
    }
}

pin_project_lite::pin_project! {
    /// A future with a pipeline current during its polls ([`Telemetry::scope`]).
    #[must_use = "futures do nothing unless polled"]
    pub struct Scoped<F> {
        telemetry: Telemetry,
        #[pin]
        future: F,
    }
}

impl<F> std::fmt::Debug for Scoped<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scoped").finish_non_exhaustive()
    }
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let _enter = Enter::new(this.telemetry);
        this.future.poll(cx)
    }
}

/// The pipeline of the innermost scope open on this thread, if any.
#[inline]
pub(crate) fn scoped() -> Option<Telemetry> {
    if OPEN_SCOPES.load(Ordering::Relaxed) == 0 {
        return None;
    }
    CURRENT.try_with(|c| c.borrow().clone()).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pipeline() -> Telemetry {
        Telemetry::builder().without_otlp().build().unwrap()
    }

    #[test]
    fn scopes_nest_and_restore() {
        let (outer, inner) = (pipeline(), pipeline());
        outer.in_scope(|| {
            crate::get_metrics_manager().record_cache_hit("outer");
            inner.in_scope(|| crate::get_metrics_manager().record_cache_hit("inner"));
            crate::get_metrics_manager().record_cache_hit("outer");
        });
        let (o, i) = (
            outer.render(crate::Exposition::Text),
            inner.render(crate::Exposition::Text),
        );
        assert!(
            o.contains(r#"autobot_knowledge_cache_hits_total{cache_type="outer"} 2"#),
            "{o}"
        );
        assert!(!o.contains("inner"));
        assert!(
            i.contains(r#"autobot_knowledge_cache_hits_total{cache_type="inner"} 1"#),
            "{i}"
        );
    }

    #[test]
    fn a_panic_in_a_scope_restores_the_previous_one() {
        let t = pipeline();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            t.in_scope(|| panic!("boom"));
        }));
        assert!(caught.is_err());
        assert!(CURRENT.with(|c| c.borrow().is_none()));
    }
}
