use super::*;

const T0: Duration = Duration::ZERO;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn ok(result: u64) -> Finish<u64, Result<u64, u64>> {
    Finish::Done {
        ok: true,
        result: Ok(result),
    }
}

fn throttled(payload: u64) -> Finish<u64, Result<u64, u64>> {
    Finish::Throttled {
        payload,
        result: Err(payload),
    }
}

type F = Fanout<u64, Result<u64, u64>>;

fn take(f: &mut F, now: Duration) -> Ticket {
    assert_eq!(f.next(now), Next::TakeInput);
    f.start_input()
}

#[test]
fn slow_start_adds_one_per_success_up_to_the_maximum() {
    let mut f = F::new(FanoutConfig::new(10).initial_concurrency(2));
    let a = take(&mut f, T0);
    let b = take(&mut f, T0);
    assert_eq!(f.next(T0), Next::Wait(None));
    f.finish(a, ok(0), T0);
    assert_eq!(f.limit(), 3);
    f.finish(b, ok(1), T0);
    assert_eq!(f.limit(), 4);
    // Four may run now.
    let t: Vec<_> = (0..4).map(|_| take(&mut f, T0)).collect();
    assert_eq!(f.next(T0), Next::Wait(None));
    for (i, t) in t.into_iter().enumerate() {
        f.finish(t, ok(i as u64), T0);
    }
    assert_eq!(f.limit(), 8);
    for _ in 0..20 {
        let t = take(&mut f, T0);
        f.finish(t, ok(0), T0);
    }
    assert_eq!(f.limit(), 10);
}

#[test]
fn throttling_decreases_once_per_window_then_grows_additively() {
    let mut f = F::new(FanoutConfig::new(100).initial_concurrency(50));
    let tickets: Vec<_> = (0..50).map(|_| take(&mut f, T0)).collect();
    let mut it = tickets.into_iter();
    // The first throttle: 50 * 0.9 = 45.
    f.finish(it.next().unwrap(), throttled(0), T0);
    assert_eq!(f.limit(), 45);
    // Others of the same window answer for the old limit: no further decrease.
    for t in it.by_ref().take(9) {
        f.finish(t, throttled(t.index()), T0);
    }
    assert_eq!(f.limit(), 45);
    assert_eq!(f.progress().throttled, 10);
    // Past the threshold a success adds 1 / limit.
    f.finish(it.next().unwrap(), ok(0), T0);
    assert!((f.limit - (45.0 + 1.0 / 45.0)).abs() < 1e-9);
    // An attempt started after the decrease may decrease again.
    for t in it {
        f.finish(t, ok(0), T0);
    }
    let late = match f.next(ms(1000)) {
        Next::Retry { ticket, .. } => ticket,
        other => panic!("{other:?}"),
    };
    let before = f.limit;
    f.finish(late, throttled(late.index()), ms(1000));
    assert!((f.limit - before * DECREASE).abs() < 1e-9);
}

#[test]
fn throttled_payloads_come_back_after_a_growing_delay_then_fail() {
    let mut f = F::new(FanoutConfig::new(4).max_throttle_retries(2));
    let t = take(&mut f, T0);
    f.input_exhausted();
    f.finish(t, throttled(7), T0);
    assert_eq!(f.next(T0), Next::Wait(Some(FIRST_RETRY_DELAY)));
    let t = match f.next(FIRST_RETRY_DELAY) {
        Next::Retry {
            index,
            payload,
            ticket,
        } => {
            assert_eq!((index, payload), (0, 7));
            ticket
        }
        other => panic!("{other:?}"),
    };
    let now = FIRST_RETRY_DELAY;
    f.finish(t, throttled(7), now);
    assert_eq!(f.next(now), Next::Wait(Some(FIRST_RETRY_DELAY * 2)));
    let t = match f.next(now + FIRST_RETRY_DELAY * 2) {
        Next::Retry { ticket, .. } => ticket,
        other => panic!("{other:?}"),
    };
    // The third throttle is one too many: the result is the error.
    f.finish(t, throttled(7), now);
    assert_eq!(f.pop_result(), Some((0, Err(7))));
    assert_eq!(f.next(now), Next::Finished);
    let p = f.progress();
    assert_eq!((p.done, p.failed, p.throttled), (0, 1, 3));
}

#[test]
fn ordered_results_wait_for_earlier_ones_and_bound_the_window() {
    let mut f = F::new(FanoutConfig::new(3).initial_concurrency(3).ordered(true));
    let t: Vec<_> = (0..3).map(|_| take(&mut f, T0)).collect();
    f.finish(t[2], ok(2), T0);
    f.finish(t[1], ok(1), T0);
    assert_eq!(f.pop_result(), None);
    // Slots are free, but input 3 would be 3 positions after input 0: no.
    assert_eq!(f.next(T0), Next::Wait(None));
    assert_eq!(f.held(), 2);
    f.finish(t[0], ok(0), T0);
    let out: Vec<_> = std::iter::from_fn(|| f.pop_result()).collect();
    assert_eq!(out, vec![(0, Ok(0)), (1, Ok(1)), (2, Ok(2))]);
    assert_eq!(f.next(T0), Next::TakeInput);
}

#[test]
fn unordered_results_come_as_they_finish() {
    let mut f = F::new(FanoutConfig::new(3).initial_concurrency(3));
    let t: Vec<_> = (0..3).map(|_| take(&mut f, T0)).collect();
    f.finish(t[2], ok(2), T0);
    assert_eq!(f.pop_result(), Some((2, Ok(2))));
    f.finish(t[0], ok(0), T0);
    assert_eq!(f.pop_result(), Some((0, Ok(0))));
}

#[test]
fn errors_go_on_unless_asked_to_stop() {
    let mut f = F::new(FanoutConfig::new(2).initial_concurrency(2));
    let a = take(&mut f, T0);
    f.finish(
        a,
        Finish::Done {
            ok: false,
            result: Err(0),
        },
        T0,
    );
    assert_eq!(f.next(T0), Next::TakeInput);

    let mut f = F::new(
        FanoutConfig::new(2)
            .initial_concurrency(2)
            .stop_on_error(true)
            .ordered(true),
    );
    let a = take(&mut f, T0);
    let b = take(&mut f, T0);
    f.finish(
        b,
        Finish::Done {
            ok: false,
            result: Err(1),
        },
        T0,
    );
    // Stopped: nothing new, the running one still finishes and is handed out.
    assert_eq!(f.next(T0), Next::Wait(None));
    f.finish(a, ok(0), T0);
    assert_eq!(f.next(T0), Next::Finished);
    let out: Vec<_> = std::iter::from_fn(|| f.pop_result()).collect();
    assert_eq!(out, vec![(0, Ok(0)), (1, Err(1))]);
}

#[test]
fn cancel_drops_waiting_payloads_and_finishes_after_running_ones() {
    let mut f = F::new(FanoutConfig::new(4).initial_concurrency(2).ordered(true));
    let a = take(&mut f, T0);
    let b = take(&mut f, T0);
    f.finish(a, throttled(0), T0);
    f.cancel();
    assert_eq!(f.next(ms(100)), Next::Wait(None));
    f.finish(b, ok(1), ms(100));
    assert_eq!(f.next(ms(100)), Next::Finished);
    // Position 0 will never finish: the ordered output skips it.
    assert_eq!(f.pop_result(), Some((1, Ok(1))));
    assert_eq!(f.pop_result(), None);
}

/// A virtual server runs at most `K` invocations at a time, each `SERVICE` long, and
/// throttles the rest at once. The controller should keep it near full with few
/// throttles: within 15% of the ideal time, throttled on under 3% of the invocations.
#[test]
fn keeps_a_throttling_server_busy_with_few_throttles() {
    const K: usize = 20;
    const N: u64 = 4000;
    const SERVICE: Duration = Duration::from_millis(10);
    let mut f: Fanout<u64, Result<u64, u64>> = Fanout::new(FanoutConfig::new(500).ordered(true));
    // Running invocations on the server: (finish time, ticket); throttled answers come
    // back one millisecond after they are sent.
    let mut running: Vec<(Duration, Ticket, bool)> = Vec::new();
    let mut now = Duration::ZERO;
    let mut taken = 0u64;
    let mut out = Vec::new();
    loop {
        match f.next(now) {
            Next::TakeInput if taken == N => f.input_exhausted(),
            Next::TakeInput => {
                taken += 1;
                let t = f.start_input();
                let busy = running.iter().filter(|r| r.2).count();
                if busy < K {
                    running.push((now + SERVICE, t, true));
                } else {
                    running.push((now + ms(1), t, false));
                }
            }
            Next::Retry { ticket, .. } => {
                let busy = running.iter().filter(|r| r.2).count();
                if busy < K {
                    running.push((now + SERVICE, ticket, true));
                } else {
                    running.push((now + ms(1), ticket, false));
                }
            }
            Next::Wait(until) => {
                let next_end = running.iter().map(|r| r.0).min();
                let wake = match (next_end, until.map(|d| now + d)) {
                    (Some(a), Some(b)) => a.min(b),
                    (a, b) => a.or(b).expect("something to wait for"),
                };
                now = now.max(wake);
                running.sort_by_key(|r| r.0);
                while running.first().is_some_and(|r| r.0 <= now) {
                    let (_, t, served) = running.remove(0);
                    let i = t.index();
                    let finish = if served { ok(i) } else { throttled(i) };
                    f.finish(t, finish, now);
                }
                out.extend(std::iter::from_fn(|| f.pop_result()));
            }
            Next::Finished => break,
        }
        assert!(f.held() <= 500);
    }
    out.extend(std::iter::from_fn(|| f.pop_result()));
    let indices: Vec<u64> = out.iter().map(|r| r.0).collect();
    assert_eq!(indices, (0..N).collect::<Vec<_>>());
    assert!(out.iter().all(|(i, r)| r == &Ok(*i)));
    let ideal = SERVICE * (N / K as u64) as u32;
    let p = f.progress();
    assert!(now <= ideal.mul_f64(1.15), "took {now:?}, ideal {ideal:?}");
    assert!(p.throttled < N * 3 / 100, "{} throttles", p.throttled);
}
