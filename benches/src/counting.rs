//! A global allocator that counts live heap bytes, live blocks and the peak of
//! live bytes, for the memory figures of `perf-report` and `peers`. A binary
//! installs it with
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOCATOR: autobot_otel_bench::counting::Counting = autobot_otel_bench::counting::Counting;
//! ```
//!
//! and reads [`snapshot`] before and after the work it measures (single-threaded:
//! the counters are process-wide). Without it installed the counters stay at 0.
//!
//! ```
//! use autobot_otel_bench::counting::{Usage, snapshot};
//! let before = snapshot();
//! let after = snapshot();
//! assert_eq!(after.since(before), Usage { bytes: 0, blocks: 0 });
//! ```
#![allow(unsafe_code)] // a GlobalAlloc impl is unsafe by definition; it only forwards to System

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

static LIVE: AtomicIsize = AtomicIsize::new(0);
static BLOCKS: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

/// Forwards every call to [`System`] and counts what stays allocated.
#[derive(Debug)]
pub struct Counting;

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters are plain atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size() as isize, 1);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size() as isize, 1);
        }
        p
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            grew(new_size as isize - layout.size() as isize, 0);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        BLOCKS.fetch_sub(1, Ordering::Relaxed);
    }
}

fn grew(bytes: isize, blocks: isize) {
    let live = LIVE.fetch_add(bytes, Ordering::Relaxed) + bytes;
    BLOCKS.fetch_add(blocks, Ordering::Relaxed);
    PEAK.fetch_max(live, Ordering::Relaxed);
}

/// Live heap at one moment (requested sizes, not the allocator's rounding).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Bytes allocated and not freed.
    pub bytes: isize,
    /// Blocks allocated and not freed.
    pub blocks: isize,
}

impl Usage {
    /// What was allocated (and not freed) between `earlier` and `self`.
    pub fn since(self, earlier: Usage) -> Usage {
        Usage {
            bytes: self.bytes - earlier.bytes,
            blocks: self.blocks - earlier.blocks,
        }
    }
}

/// The live heap now.
pub fn snapshot() -> Usage {
    Usage {
        bytes: LIVE.load(Ordering::Relaxed),
        blocks: BLOCKS.load(Ordering::Relaxed),
    }
}

/// Live bytes now.
pub fn live() -> usize {
    LIVE.load(Ordering::Relaxed).max(0) as usize
}

/// Resets the peak to the current live bytes and returns them.
pub fn reset_peak() -> usize {
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    live.max(0) as usize
}

/// The most live bytes since the last [`reset_peak`].
pub fn peak() -> usize {
    PEAK.load(Ordering::Relaxed).max(0) as usize
}
