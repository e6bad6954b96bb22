use super::*;

fn at(seconds: f64) -> Duration {
    Duration::from_secs_f64(seconds)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * b.abs().max(1.0)
}

/// The AWS SDK for Rust's CUBIC test: w_max 10, a failure at t = 5, successes after it.
#[test]
fn cubic_follows_the_published_curve() {
    let mut cubic = CubicCalculator::new(10.0, at(0.0));
    assert!(close(cubic.error_received(10.0, at(5.0)), 7.0));
    let k = (10.0f64 * 0.3 / 0.4).cbrt();
    assert!(close(cubic.k(), k));
    let expected = [
        (6.0, 9.64893600966),
        (7.0, 10.000030849917364),
        (8.0, 10.453284520772092),
        (9.0, 13.408697022224185),
        (10.0, 21.26626835427364),
        (11.0, 36.425998516920465),
    ];
    for (t, rate) in expected {
        let got = cubic.success_received(at(t));
        assert!((got - rate).abs() < 1e-9, "t = {t}: {got} != {rate}");
        // The same value from the formula.
        assert!(close(got, 0.4 * (t - 5.0 - k).powi(3) + 10.0));
    }
}

#[test]
fn bucket_fills_at_its_rate_up_to_its_capacity() {
    let mut bucket = TokenBucket::new(2.0, at(0.0));
    assert_eq!(bucket.available_capacity(), 0.0);
    // Empty: one token takes 1 / 2 s.
    assert_eq!(bucket.try_acquire(1.0, at(0.0)), Err(at(0.5)));
    assert_eq!(bucket.try_acquire(1.0, at(0.25)), Err(at(0.25)));
    assert_eq!(bucket.try_acquire(1.0, at(0.5)), Ok(()));
    // Ten seconds earn 20 tokens, but the capacity is the rate: 2.
    assert_eq!(bucket.try_acquire(1.0, at(10.5)), Ok(()));
    assert_eq!(bucket.try_acquire(1.0, at(10.5)), Ok(()));
    assert_eq!(bucket.try_acquire(1.0, at(10.5)), Err(at(0.5)));
}

#[test]
fn bucket_rate_has_a_floor_and_capacity_at_least_one() {
    let mut bucket = TokenBucket::new(8.0, at(0.0));
    assert_eq!(bucket.try_acquire(1.0, at(10.0)), Ok(()));
    assert!(close(bucket.available_capacity(), 7.0));
    bucket.set_max_rate(0.1, at(10.0));
    assert_eq!(bucket.max_rate(), MIN_FILL_RATE);
    assert_eq!(bucket.max_capacity(), 1.0);
    assert_eq!(bucket.available_capacity(), 1.0);
    assert_eq!(bucket.try_acquire(1.0, at(10.0)), Ok(()));
    // Refilling at the floor rate 0.5/s: two seconds per token.
    assert_eq!(bucket.try_acquire(1.0, at(10.0)), Err(at(2.0)));
}

#[test]
fn bucket_credits_the_old_rate_before_a_change() {
    let mut bucket = TokenBucket::new(1.0, at(0.0));
    // Half a second at 1/s is half a token, then the rate becomes 4/s.
    bucket.set_max_rate(4.0, at(0.5));
    assert!(close(bucket.available_capacity(), 0.5));
    assert_eq!(bucket.try_acquire(1.0, at(0.5)), Err(at(0.125)));
}

#[test]
fn rate_clocker_smooths_half_second_buckets() {
    let mut clocker = RateClocker::new(at(0.0));
    // Four requests in the first half second: no new bucket yet.
    for t in [0.1, 0.2, 0.3, 0.4] {
        assert_eq!(clocker.record(at(t), 1.0), 0.0);
    }
    // The fifth, in the next bucket: 5 requests over 0.5 s = 10/s, weighted 0.8.
    assert!(close(clocker.record(at(0.6), 1.0), 8.0));
    // One more, two buckets later: 1 request over 1 s, 0.8 * 1 + 0.2 * 8.
    assert!(close(clocker.record(at(1.5), 1.0), 0.8 + 1.6));
}

#[test]
fn limiter_is_off_until_the_first_throttle() {
    let mut limiter = ClientRateLimiter::new(at(0.0));
    for i in 0..100 {
        assert_eq!(limiter.acquire(at(f64::from(i) * 0.001)), None);
    }
    limiter.on_response(at(0.2), false);
    assert!(!limiter.is_enabled());
    assert_eq!(limiter.acquire(at(0.2)), None);
    limiter.on_response(at(0.3), true);
    assert!(limiter.is_enabled());
    // The rate is now min(0 * 0.7, 2 * 0), floored at 0.5/s. The bucket earned 0.2
    // tokens at rate 1 until the first answer set the rate to the floor, then 0.05: a
    // token is (1 - 0.25) / 0.5 s away.
    assert_eq!(limiter.send_rate(), MIN_FILL_RATE);
    assert!(close(limiter.bucket().available_capacity(), 0.25));
    assert_eq!(limiter.acquire(at(0.3)), Some(at(1.5)));
}

/// Measured and bucket rates after each answer of a scripted run (one answer every
/// 0.2 s, throttled where marked), as botocore 1.44.5's `ClientRateLimiter` computes them
/// with a fake clock: (time, throttled, measured rate, bucket rate).
#[test]
fn limiter_matches_botocore_step_by_step() {
    let table: &[(f64, bool, f64, f64)] = &[
        (0.2, false, 0.0, 0.5),
        (0.4, false, 0.0, 0.5),
        (0.6000000000000001, false, 4.800000000000001, 0.5),
        (0.8, false, 4.800000000000001, 0.5),
        (1.0, false, 4.16, 0.5),
        (1.2000000000000002, false, 4.16, 0.6912000000000004),
        (1.4000000000000001, false, 4.16, 1.0976000000000004),
        (1.6, false, 5.632000000000001, 1.6384000000000005),
        (1.8, true, 5.632000000000001, 3.9424),
        (2.0, true, 4.3264, 2.75968),
        (2.2, false, 4.3264, 3.1884019509580828),
        (2.4000000000000004, false, 4.3264, 3.4985357475617542),
        (2.6, false, 5.66528, 3.7092813898110135),
        (2.8000000000000003, false, 5.66528, 3.839838877705862),
        (3.0, false, 4.333056, 3.9094082112462996),
        (3.2, false, 4.333056, 3.9371893904323256),
        (3.4000000000000004, false, 4.333056, 3.9423824152639404),
        (3.6, false, 5.6666112, 3.9441872857411444),
        (3.8000000000000003, false, 5.6666112, 3.961804001863937),
        (4.0, true, 4.33332224, 2.7732628013047558),
        (4.2, true, 4.33332224, 1.941283960913329),
        (4.4, true, 4.33332224, 1.3588987726393302),
        (
            4.6000000000000005,
            false,
            5.666664448000001,
            1.6159988111853563,
        ),
        (
            4.800000000000001,
            false,
            5.666664448000001,
            1.7834923908682248,
        ),
        (5.0, false, 4.3333328896, 1.880579511687935),
        (5.2, false, 4.3333328896, 1.926460173644488),
        (5.4, false, 4.3333328896, 1.9403343767378831),
        (
            5.6000000000000005,
            false,
            5.666666577920001,
            1.9414021209681207,
        ),
        (
            5.800000000000001,
            false,
            5.666666577920001,
            1.9488634063352006,
        ),
        (6.0, false, 4.333333315584, 1.9819182328391227),
    ];
    let mut limiter = ClientRateLimiter::new(at(0.0));
    for &(t, throttled, measured, rate) in table {
        limiter.on_response(at(t), throttled);
        assert!(
            close(limiter.measured_rate(), measured),
            "t = {t}: measured {} != {measured}",
            limiter.measured_rate()
        );
        assert!(
            close(limiter.send_rate(), rate),
            "t = {t}: rate {} != {rate}",
            limiter.send_rate()
        );
    }
}

#[test]
fn acquire_paces_requests_at_the_bucket_rate() {
    let mut limiter = ClientRateLimiter::new(at(0.0));
    // Ten answers per 0.1 s for two seconds, then a throttle.
    let mut t = 0.0;
    for _ in 0..200 {
        t += 0.01;
        limiter.on_response(at(t), false);
    }
    limiter.on_response(at(t), true);
    let rate = limiter.send_rate();
    let stored = limiter.bucket().available_capacity();
    assert!(rate > 1.0, "{rate}");
    // Sending as fast as allowed for a second: the stored tokens, then one per 1 / rate s.
    let mut now = at(t);
    let mut sent = 0;
    while now < at(t + 1.0) {
        match limiter.acquire(now) {
            None => sent += 1,
            Some(wait) => {
                assert!(wait <= Duration::from_secs_f64(1.0 / rate + 1e-6));
                now += wait;
            }
        }
    }
    let expected = (stored + rate).floor() as i32;
    assert!((sent - expected).abs() <= 1, "sent {sent}, rate {rate}");
}
