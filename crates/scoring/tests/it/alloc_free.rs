//! `cvss::v4::score` allocates nothing for a vector it scores: an
//! allocator that counts, on the calling thread only, while asked to.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use crate::common::{csv, fixture};
use bulwark_scoring::cvss;

struct Counting;

thread_local! {
    /// Allocations on this thread since counting began; `None`: not counting.
    static COUNT: Cell<Option<usize>> = const { Cell::new(None) };
}

fn bump() {
    // `try_with`: the allocator also runs while thread locals are torn down.
    let _ = COUNT.try_with(|c| c.set(c.get().map(|n| n + 1)));
}

// SAFETY: every call is passed on unchanged to the system allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// `f`'s result and the allocations it made on this thread.
fn allocations<R>(f: impl FnOnce() -> R) -> (R, usize) {
    COUNT.with(|c| c.set(Some(0)));
    let r = f();
    let n = COUNT.with(|c| c.replace(None)).unwrap_or(0);
    (r, n)
}

#[test]
fn v4_scoring_allocates_nothing() {
    let rows = csv(&fixture("cvss40_edge_vectors.csv"));
    let vectors: Vec<&str> = rows.iter().map(|(_, r)| r["vector"].as_str()).collect();
    assert_eq!(vectors.len(), 112);
    let (sum, n) = allocations(|| {
        vectors
            .iter()
            .map(|v| cvss::v4::score(v).map_or(-1.0, |s| s.score))
            .sum::<f64>()
    });
    assert!(sum > 0.0);
    assert_eq!(n, 0, "allocations while scoring {} vectors", vectors.len());
    // The count works: `cvss::score` copies each vector into its `Score`,
    // and a refusal formats its message.
    let (_, n) = allocations(|| cvss::score(vectors[0]).map(|s| s.score));
    assert!(n >= 1);
    let (_, n) = allocations(|| cvss::v4::score("CVSS:4.0/AV:N/AC:L").map(|s| s.score));
    assert!(n >= 1);
}
