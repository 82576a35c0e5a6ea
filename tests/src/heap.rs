//! A counting global allocator, for tests that bound memory: declare it in a test
//! binary and read the live heap with [`live_heap_bytes`].
//!
//! ```ignore
//! #[global_allocator]
//! static HEAP: autobot_otel_tests::CountingAllocator = autobot_otel_tests::CountingAllocator;
//! let before = autobot_otel_tests::live_heap_bytes();
//! ```
#![allow(unsafe_code)] // a GlobalAlloc impl is unsafe by definition; it only forwards to System

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicIsize, Ordering};

static LIVE: AtomicIsize = AtomicIsize::new(0);

/// Forwards to the system allocator and counts the bytes live.
#[derive(Debug, Clone, Copy)]
pub struct CountingAllocator;

// SAFETY: every call is forwarded unchanged to the system allocator.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }
}

/// Bytes allocated and not yet freed through [`CountingAllocator`] (0 when the
/// binary does not use it as its global allocator).
pub fn live_heap_bytes() -> isize {
    LIVE.load(Ordering::Relaxed)
}
