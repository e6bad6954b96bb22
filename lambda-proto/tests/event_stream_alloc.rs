//! Allocation bounds of the event-stream decoder, measured with a counting allocator.
//!
//! One test function only: the counters are process-wide, so nothing else may run in
//! parallel in this test binary while they are armed.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering::Relaxed};

use lambda_proto::event_stream::{Decoder, EventStreamError, Limits};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

struct Counting;

static ARMED: AtomicBool = AtomicBool::new(false);
static LARGEST: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

fn note_alloc(size: usize) {
    if ARMED.load(Relaxed) {
        LARGEST.fetch_max(size, Relaxed);
        let live = LIVE.fetch_add(size as isize, Relaxed) + size as isize;
        PEAK.fetch_max(live, Relaxed);
    }
}

fn note_free(size: usize) {
    if ARMED.load(Relaxed) {
        LIVE.fetch_sub(size as isize, Relaxed);
    }
}

// SAFETY: every call is forwarded unchanged to the system allocator; the wrapper only
// updates atomic counters.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note_free(layout.size());
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_free(layout.size());
        note_alloc(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `f` with the counters armed; returns its result, the largest single allocation and
/// the peak of bytes allocated and not yet freed during the call.
fn measure<T>(f: impl FnOnce() -> T) -> (T, usize, isize) {
    LARGEST.store(0, Relaxed);
    LIVE.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    ARMED.store(true, Relaxed);
    let out = f();
    ARMED.store(false, Relaxed);
    (out, LARGEST.load(Relaxed), PEAK.load(Relaxed))
}

fn prelude(total_len: u32, headers_len: u32) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(total_len.to_be_bytes());
    out.extend(headers_len.to_be_bytes());
    out.extend(crc32fast::hash(&out).to_be_bytes());
    out
}

#[test]
fn decoder_allocations_are_bounded_by_the_limits() {
    // 1. 16 MiB + 1 declared: refused from the prelude, nothing of that size allocated.
    let p = prelude(16 * 1024 * 1024 + 1, 0);
    let mut decoder = Decoder::new();
    let (result, largest, _) = measure(|| decoder.decode(&mut &p[..]));
    assert!(matches!(
        result,
        Err(EventStreamError::MessageTooLarge { .. })
    ));
    assert!(largest < 1024, "largest allocation {largest}");

    // 2. Exactly the (lowered) limit declared: the body buffers, no more.
    const LIMIT: u32 = 64 * 1024;
    let limits = Limits::default().max_message_len(LIMIT);
    let p = prelude(LIMIT, 1000);
    let mut decoder = Decoder::with_limits(limits);
    let (result, largest, peak) = measure(|| decoder.decode(&mut &p[..]));
    assert_eq!(result, Ok(None));
    assert!(largest <= LIMIT as usize, "largest allocation {largest}");
    assert!(peak <= LIMIT as isize, "peak {peak}");
    let p = prelude(LIMIT + 1, 0);
    let mut decoder = Decoder::with_limits(limits);
    let (result, largest, _) = measure(|| decoder.decode(&mut &p[..]));
    assert!(matches!(
        result,
        Err(EventStreamError::MessageTooLarge { .. })
    ));
    assert!(largest < 1024, "largest allocation {largest}");

    // 3. Arbitrary bodies behind valid preludes (message CRC made valid when possible, so
    //    header parsing runs on arbitrary bytes). Largest single allocation within the
    //    limit; peak live bytes within the body buffers plus one copy of the headers plus a
    //    fixed allowance for the header list (at most 256 entries).
    let mut runner = TestRunner::new(Config::with_cases(300));
    let strategy = (
        0u32..=LIMIT + 16,
        prop_oneof![0u32..64, 0u32..=LIMIT],
        prop::collection::vec(any::<u8>(), 0..=LIMIT as usize),
        any::<bool>(),
        1usize..5000,
    );
    runner
        .run(&strategy, |(total, headers, body, fix_crc, chunk)| {
            let mut bytes = prelude(total, headers);
            bytes.extend(&body);
            if fix_crc && total >= 16 && bytes.len() >= total as usize {
                bytes.truncate(total as usize - 4);
                bytes.extend(crc32fast::hash(&bytes).to_be_bytes());
            }
            let mut decoder = Decoder::with_limits(limits);
            let (_, largest, peak) = measure(|| {
                for piece in bytes.chunks(chunk) {
                    for item in decoder.feed(piece) {
                        drop(item);
                    }
                }
            });
            prop_assert!(largest <= LIMIT as usize, "largest allocation {}", largest);
            prop_assert!(peak <= 2 * LIMIT as isize + 64 * 1024, "peak {}", peak);
            Ok(())
        })
        .unwrap();
}
