//! The OTLP metric push, driven from the same reader the Prometheus endpoint
//! renders from: one aggregation in the SDK feeds both outputs, so recording costs
//! the same with or without a collector.
//!
//! A thread of its own collects every `interval` and exports through the OTLP
//! exporter; [`PushLoop::flush`] exports now, [`PushLoop::shutdown`] exports a last
//! time and shuts the exporter down. The thread never blocks recording: a slow or
//! absent collector only delays the next export.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::metrics::data::ResourceMetrics;
use opentelemetry_sdk::metrics::exporter::PushMetricExporter;
use opentelemetry_sdk::metrics::reader::MetricReader;

use crate::error::InitError;

enum Command {
    Flush(mpsc::Sender<OTelSdkResult>),
    Stop(mpsc::Sender<OTelSdkResult>),
}

/// The push thread and the channel to it.
pub(crate) struct PushLoop {
    commands: Mutex<Option<mpsc::Sender<Command>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for PushLoop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushLoop").finish_non_exhaustive()
    }
}

impl PushLoop {
    /// Starts pushing what `reader` collects through `exporter` every `interval`.
    pub(crate) fn start<E: PushMetricExporter>(
        reader: Arc<dyn MetricReader>,
        exporter: E,
        interval: Duration,
    ) -> Result<PushLoop, InitError> {
        let (tx, rx) = mpsc::channel::<Command>();
        let thread = std::thread::Builder::new()
            .name("autobot-otel-push".into())
            .spawn(move || run(reader.as_ref(), &exporter, interval, &rx))
            .map_err(InitError::Runtime)?;
        Ok(PushLoop {
            commands: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
        })
    }

    fn send(&self, make: impl FnOnce(mpsc::Sender<OTelSdkResult>) -> Command) -> OTelSdkResult {
        let (ack, done) = mpsc::channel();
        let sent = match self.commands.lock() {
            Ok(tx) => tx.as_ref().map(|tx| tx.send(make(ack)).is_ok()),
            Err(_) => None,
        };
        match sent {
            Some(true) => done
                .recv()
                .unwrap_or_else(|_| Err(OTelSdkError::InternalFailure("push thread ended".into()))),
            _ => Err(OTelSdkError::AlreadyShutdown),
        }
    }

    /// Exports what has been recorded now (waits for the export; bound it from
    /// the caller).
    pub(crate) fn flush(&self) -> OTelSdkResult {
        self.send(Command::Flush)
    }

    /// Exports a last time, shuts the exporter down and ends the thread.
    pub(crate) fn shutdown(&self) -> OTelSdkResult {
        let result = self.send(Command::Stop);
        if let Ok(mut tx) = self.commands.lock() {
            tx.take();
        }
        if let Some(thread) = self.thread.lock().ok().and_then(|mut t| t.take()) {
            let _ = thread.join();
        }
        result
    }
}

fn run<E: PushMetricExporter>(
    reader: &dyn MetricReader,
    exporter: &E,
    interval: Duration,
    commands: &mpsc::Receiver<Command>,
) {
    let mut next = Instant::now() + interval;
    loop {
        let wait = next.saturating_duration_since(Instant::now());
        match commands.recv_timeout(wait) {
            Err(RecvTimeoutError::Timeout) => {
                let _ = export(reader, exporter);
                next = Instant::now() + interval;
            }
            Ok(Command::Flush(ack)) => {
                let _ = ack.send(export(reader, exporter));
            }
            Ok(Command::Stop(ack)) => {
                let exported = export(reader, exporter);
                let shut = exporter.shutdown();
                let _ = ack.send(exported.and(shut));
                return;
            }
            Err(RecvTimeoutError::Disconnected) => {
                let _ = export(reader, exporter);
                let _ = exporter.shutdown();
                return;
            }
        }
    }
}

/// One collection and export (the exporter records its outcome). A failed or
/// panicking collection is logged (see [`crate::diagnostics::guarded`]) and skips
/// this export, so the thread lives on to the next one.
fn export<E: PushMetricExporter>(reader: &dyn MetricReader, exporter: &E) -> OTelSdkResult {
    let mut rm = ResourceMetrics::default();
    if crate::diagnostics::guarded("collection for the OTLP push", || reader.collect(&mut rm))
        .is_none()
    {
        return Err(OTelSdkError::InternalFailure("collection failed".into()));
    }
    if rm.scope_metrics().next().is_none() {
        return Ok(());
    }
    futures_executor::block_on(exporter.export(&rm))
}
