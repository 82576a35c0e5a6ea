//! The process metrics ([`crate::catalog::process`]): CPU time, resident and
//! virtual memory, open and maximum file descriptors, threads and start time
//! of this process, read from `/proc` (through the `procfs` crate) at each
//! collection, for the scrape and the OTLP push alike.
//!
//! On by default on Linux; [`crate::TelemetryBuilder::with_process_metrics`]
//! turns them off. On other operating systems they are never recorded (the
//! families are absent). Each is an observable instrument of the catalog's
//! scope named by the OpenTelemetry conventions; the scrape writes the
//! Prometheus client libraries' names ([`crate::catalog::Naming::Both`]).
//!
//! One collection reads `/proc/self/stat` and `/proc/self/fd` once and asks
//! for the `RLIMIT_NOFILE` soft limit (`getrlimit`, what `/proc/self/limits`
//! shows as "Max open files"): the SDK runs the callbacks of one collection in
//! the order they were registered and one after another, and the first one
//! (`process.cpu.time`) takes the sample the others report. A read that fails
//! leaves the families it feeds out of that collection (logged at most once a
//! minute under [`crate::diagnostics::COLLECT`]); a panicking read counts as a
//! callback failure (`autobot_otel_callback_failures_total`).
//!
//! ```
//! # #[cfg(target_os = "linux")] {
//! let t = autobot_otel::Telemetry::builder().without_otlp().build().unwrap();
//! let scrape = t.render(autobot_otel::Exposition::Text);
//! assert!(scrape.contains("# TYPE process_cpu_seconds_total counter"));
//! assert!(scrape.contains("# TYPE process_resident_memory_bytes gauge"));
//! # }
//! ```

use std::sync::{Arc, Mutex};

use opentelemetry::KeyValue;
use opentelemetry::metrics::{Meter, ObservableCounter, ObservableGauge, ObservableUpDownCounter};

use crate::catalog::process::{CPU_MODES, ProcessMetric};
use crate::diagnostics::{self, Diagnostics};
use autobot_otel_catalog::attributes;

/// One reading of `/proc` (`None`: that part could not be read).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Sample {
    /// User and system CPU seconds.
    cpu: Option<(f64, f64)>,
    resident_bytes: Option<u64>,
    virtual_bytes: Option<u64>,
    threads: Option<u64>,
    open_fds: Option<u64>,
    /// The soft limit of open files (`None` when unlimited).
    max_fds: Option<u64>,
}

/// Reads this process's `/proc` entries.
struct Reader {
    process: Option<procfs::process::Process>,
    ticks_per_second: f64,
    page_size: u64,
    /// Seconds since the epoch (fixed for the life of the process).
    start_time: Option<f64>,
    last: Mutex<Sample>,
}

/// Logged at most once a minute.
fn read_failed(what: &'static str, error: &dyn std::fmt::Display) {
    static LAST_LOG_MS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    if diagnostics::once_a_minute(&LAST_LOG_MS) {
        tracing::warn!(
            target: diagnostics::COLLECT,
            error = %error,
            "process metrics: reading {what} failed; its families are left out of this collection"
        );
    }
}

impl Reader {
    fn new() -> Reader {
        let process = procfs::process::Process::myself()
            .map_err(|e| read_failed("/proc/self", &e))
            .ok();
        let ticks_per_second = procfs::ticks_per_second() as f64;
        let start_time = process.as_ref().and_then(|p| {
            let stat = p
                .stat()
                .map_err(|e| read_failed("/proc/self/stat", &e))
                .ok()?;
            let boot = procfs::boot_time_secs()
                .map_err(|e| read_failed("/proc/stat", &e))
                .ok()?;
            Some(boot as f64 + stat.starttime as f64 / ticks_per_second)
        });
        Reader {
            process,
            ticks_per_second,
            page_size: procfs::page_size(),
            start_time,
            last: Mutex::new(Sample::default()),
        }
    }

    /// A new sample, kept for the other callbacks of this collection.
    fn refresh(&self) -> Sample {
        let sample = self.read();
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = sample;
        sample
    }

    fn last(&self) -> Sample {
        *self.last.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read(&self) -> Sample {
        let Some(process) = &self.process else {
            return Sample::default();
        };
        let mut sample = Sample::default();
        match process.stat() {
            Ok(stat) => {
                sample.cpu = Some((
                    stat.utime as f64 / self.ticks_per_second,
                    stat.stime as f64 / self.ticks_per_second,
                ));
                sample.resident_bytes = Some(stat.rss.saturating_mul(self.page_size));
                sample.virtual_bytes = Some(stat.vsize);
                sample.threads = u64::try_from(stat.num_threads).ok();
            }
            Err(e) => read_failed("/proc/self/stat", &e),
        }
        match process.fd_count() {
            Ok(n) => sample.open_fds = Some(n as u64),
            Err(e) => read_failed("/proc/self/fd", &e),
        }
        // The soft limit `/proc/self/limits` shows as "Max open files", by
        // the system call behind it (no file to parse).
        sample.max_fds = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
        sample
    }
}

/// The process instruments of one pipeline (kept alive with it).
pub(crate) struct ProcessMetrics {
    _cpu: ObservableCounter<f64>,
    _gauges: Vec<ObservableUpDownCounter<i64>>,
    _start: ObservableGauge<f64>,
}

/// Runs `work` for `metric`; a panic counts as a callback failure.
fn guard(diagnostics: &Diagnostics, metric: ProcessMetric, work: impl FnOnce()) {
    static LAST_LOG_MS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    if let Err(panic) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)) {
        let failures = diagnostics.callback_failed();
        if diagnostics::once_a_minute(&LAST_LOG_MS) {
            tracing::error!(
                target: diagnostics::COLLECT,
                metric = metric.def().name,
                failures,
                panic = %diagnostics::panic_message(panic.as_ref()),
                "observable callback panicked; its family is skipped in this collection"
            );
        }
    }
}

fn saturating(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl ProcessMetrics {
    /// Registers the instruments on `meter`, `process.cpu.time` first (its
    /// callback takes the collection's sample).
    pub(crate) fn register(meter: &Meter, diagnostics: &Arc<Diagnostics>) -> ProcessMetrics {
        let reader = Arc::new(Reader::new());
        let cpu_def = ProcessMetric::CpuTime.def();
        let cpu = {
            let (reader, diagnostics) = (reader.clone(), diagnostics.clone());
            let modes = CPU_MODES.map(|m| [KeyValue::new(attributes::CPU_MODE, m)]);
            meter
                .f64_observable_counter(cpu_def.name)
                .with_unit(cpu_def.unit)
                .with_description(cpu_def.help)
                .with_callback(move |observer| {
                    guard(&diagnostics, ProcessMetric::CpuTime, || {
                        if let Some((user, system)) = reader.refresh().cpu {
                            observer.observe(user, &modes[0]);
                            observer.observe(system, &modes[1]);
                        }
                    })
                })
                .build()
        };
        let gauge = |metric: ProcessMetric, value: fn(&Sample) -> Option<u64>| {
            let def = metric.def();
            let (reader, diagnostics) = (reader.clone(), diagnostics.clone());
            meter
                .i64_observable_up_down_counter(def.name)
                .with_unit(def.unit)
                .with_description(def.help)
                .with_callback(move |observer| {
                    guard(&diagnostics, metric, || {
                        if let Some(v) = value(&reader.last()) {
                            observer.observe(saturating(v), &[]);
                        }
                    })
                })
                .build()
        };
        let gauges = vec![
            gauge(ProcessMetric::ResidentMemory, |s| s.resident_bytes),
            gauge(ProcessMetric::VirtualMemory, |s| s.virtual_bytes),
            gauge(ProcessMetric::OpenFds, |s| s.open_fds),
            gauge(ProcessMetric::MaxFds, |s| s.max_fds),
            gauge(ProcessMetric::Threads, |s| s.threads),
        ];
        let start_def = ProcessMetric::StartTime.def();
        let start_time = reader.start_time;
        let start = meter
            .f64_observable_gauge(start_def.name)
            .with_unit(start_def.unit)
            .with_description(start_def.help)
            .with_callback(move |observer| {
                if let Some(t) = start_time {
                    observer.observe(t, &[]);
                }
            })
            .build();
        ProcessMetrics {
            _cpu: cpu,
            _gauges: gauges,
            _start: start,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_reads_every_part_of_this_process() {
        let reader = Reader::new();
        let sample = reader.refresh();
        assert!(sample.cpu.is_some());
        assert!(sample.resident_bytes.unwrap() > 0);
        assert!(sample.virtual_bytes.unwrap() >= sample.resident_bytes.unwrap());
        assert!(sample.threads.unwrap() >= 1);
        assert!(sample.open_fds.unwrap() >= 3);
        assert_eq!(reader.last(), sample);
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        let start = reader.start_time.unwrap();
        assert!(start > 1.0e9 && start <= now + 1.0, "{start}");
    }
}
