//! A small run of the fan-out benchmark (`examples/bench_fanout.rs`, run in full by
//! `scripts/bench-fanout.sh`): 400 invocations against a simulator of capacity 10, 10 ms
//! each, beside the naive loop. The goals are checked loosely, since CI machines are
//! busy: every invocation succeeds, `invoke_many` stays within a few times the ideal wall
//! time and draws at least 5 times fewer 429s than the naive loop.

#[allow(dead_code)]
#[path = "../examples/bench_fanout.rs"]
mod bench;

use std::time::Duration;

#[test]
fn fanout_beats_the_naive_loop_on_throttling() {
    let (n, k, service) = (400, 10, Duration::from_millis(10));
    let ideal = bench::ideal(n, k, service);
    let fanout = bench::fanout(n, k, service, 500);
    let naive = bench::naive(n, k, service, 500);
    eprintln!("ideal {ideal:?}; invoke_many {fanout:?}; naive {naive:?}");
    assert_eq!((fanout.succeeded, naive.succeeded), (n, n));
    assert!(
        fanout.wall <= ideal * 10,
        "invoke_many took {:?}, ideal {ideal:?}",
        fanout.wall
    );
    assert!(
        fanout.throttled * 5 <= naive.throttled,
        "429s: invoke_many {}, naive {}",
        fanout.throttled,
        naive.throttled
    );
}
