use super::*;
use proptest::prelude::*;
use time::macros::datetime;

const SENT: OffsetDateTime = datetime!(2024-05-01 12:00:00 UTC);

fn svc(status: u16, code: Option<&str>) -> Outcome<'_> {
    Outcome::ServiceError {
        status,
        code,
        retry_after: None,
        server_date: None,
        sent_at: SENT,
    }
}

fn dated(status: u16, code: &str, server_offset: time::Duration) -> Outcome<'_> {
    Outcome::ServiceError {
        status,
        code: Some(code),
        retry_after: None,
        server_date: Some(SENT + server_offset),
        sent_at: SENT,
    }
}

fn hinted(status: u16, code: &str, hint: Duration) -> Outcome<'_> {
    Outcome::ServiceError {
        status,
        code: Some(code),
        retry_after: Some(hint),
        server_date: None,
        sent_at: SENT,
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

const MIN: time::Duration = time::Duration::MINUTE;

#[test]
fn classification_table() {
    use RetryKind::*;
    use TransportErrorKind as T;
    macro_rules! case {
        ($outcome:expr => $expected:expr) => {
            assert_eq!(classify(&$outcome), $expected, "{:?}", $outcome);
        };
    }
    case!(Outcome::Success => None);
    case!(Outcome::Transport(T::Connect) => Some(Transient));
    case!(Outcome::Transport(T::Reset) => Some(Transient));
    case!(Outcome::Transport(T::Io) => Some(Transient));
    case!(Outcome::Transport(T::Timeout) => Some(Timeout));
    case!(Outcome::Transport(T::Other) => None);
    case!(svc(500, None) => Some(Transient));
    case!(svc(500, Some("ServiceException")) => Some(Transient));
    case!(svc(502, Some("ENILimitReachedException")) => Some(Transient));
    case!(svc(503, None) => Some(Transient));
    case!(svc(504, None) => Some(Transient));
    case!(svc(501, None) => None);
    case!(svc(505, None) => None);
    case!(svc(400, Some("InvalidParameterValueException")) => None);
    case!(svc(403, Some("AccessDeniedException")) => None);
    case!(svc(404, Some("ResourceNotFoundException")) => None);
    case!(svc(409, Some("ResourceConflictException")) => None);
    case!(svc(413, Some("RequestTooLargeException")) => None);
    case!(svc(400, None) => None);
    case!(svc(429, None) => Some(Throttling));
    case!(svc(429, Some("TooManyRequestsException")) => Some(Throttling));
    case!(svc(400, Some("Throttling")) => Some(Throttling));
    case!(svc(400, Some("ThrottlingException")) => Some(Throttling));
    case!(svc(400, Some("ThrottledException")) => Some(Throttling));
    case!(svc(400, Some("RequestThrottledException")) => Some(Throttling));
    case!(svc(400, Some("TooManyRequestsException")) => Some(Throttling));
    case!(svc(400, Some("ProvisionedThroughputExceededException")) => Some(Throttling));
    case!(svc(400, Some("TransactionInProgressException")) => Some(Throttling));
    case!(svc(400, Some("RequestLimitExceeded")) => Some(Throttling));
    case!(svc(400, Some("BandwidthLimitExceeded")) => Some(Throttling));
    case!(svc(400, Some("LimitExceededException")) => Some(Throttling));
    case!(svc(400, Some("RequestThrottled")) => Some(Throttling));
    case!(svc(503, Some("SlowDown")) => Some(Throttling));
    case!(svc(400, Some("PriorRequestNotComplete")) => Some(Throttling));
    case!(svc(502, Some("EC2ThrottledException")) => Some(Throttling));
    case!(svc(400, Some("throttlingexception")) => None);
    case!(svc(400, Some("RequestTimeout")) => Some(Transient));
    case!(svc(408, Some("RequestTimeoutException")) => Some(Transient));
    case!(dated(403, "RequestTimeTooSkewed", MIN * 10) => Some(ClockSkew));
    case!(dated(400, "RequestExpired", -MIN * 20) => Some(ClockSkew));
    case!(dated(400, "RequestInTheFuture", MIN * 20) => Some(ClockSkew));
    case!(svc(403, Some("RequestTimeTooSkewed")) => None);
    case!(dated(403, "InvalidSignatureException", MIN * 10) => Some(ClockSkew));
    case!(dated(403, "SignatureDoesNotMatch", -MIN * 5) => Some(ClockSkew));
    case!(dated(401, "AuthFailure", MIN * 4) => Some(ClockSkew));
    case!(dated(403, "InvalidSignatureException", MIN) => None);
    case!(dated(403, "InvalidSignatureException", MIN * 3 + time::Duration::seconds(59)) => None);
    case!(svc(403, Some("InvalidSignatureException")) => None);
    case!(dated(403, "AccessDeniedException", MIN * 10) => None);
    case!(dated(503, "ServiceUnavailable", MIN * 10) => Some(Transient));
}

#[test]
fn retry_mode_names() {
    let ok = |s: &str| s.parse::<RetryMode>().ok();
    assert_eq!(ok("standard"), Some(RetryMode::Standard));
    assert_eq!(ok("STANDARD"), Some(RetryMode::Standard));
    assert_eq!(ok(" standard\t"), Some(RetryMode::Standard));
    assert_eq!(ok("legacy"), Some(RetryMode::Standard));
    assert_eq!(ok("adaptive"), Some(RetryMode::Adaptive));
    assert_eq!(ok("Adaptive"), Some(RetryMode::Adaptive));
    assert_eq!(ok(""), None);
    assert_eq!(ok("fast"), None);
    assert_eq!(ok("standard mode"), None);
    let err = "fast".parse::<RetryMode>().unwrap_err().to_string();
    assert!(
        err.contains("\"fast\"") && err.contains("standard, adaptive, legacy"),
        "{err}"
    );
}

#[test]
fn defaults_match_the_standard_mode() {
    let c = RetryConfig::default();
    assert_eq!(c.max_attempts(), 3);
    assert_eq!(c.initial_backoff(), Duration::from_secs(1));
    assert_eq!(c.max_backoff(), Duration::from_secs(20));
    assert_eq!(c.mode(), RetryMode::Standard);
    assert_eq!(RetryQuota::default().available(), 500);
    assert_eq!(
        RetryConfig::standard().with_max_attempts(0).max_attempts(),
        1
    );
    assert_eq!(RetryConfig::disabled().max_attempts(), 1);
}

/// Drives one request through `outcomes` with the matching random numbers and returns
/// every decision.
fn run(policy: &RetryPolicy, outcomes: &[Outcome<'_>], randoms: &[f64]) -> Vec<Decision> {
    let mut state = policy.start();
    outcomes
        .iter()
        .zip(randoms.iter().chain(std::iter::repeat(&0.5)))
        .map(|(o, r)| state.on_outcome(*o, *r))
        .collect()
}

/// The standard-mode formula of botocore and the AWS SDK for Rust, evaluated here on its
/// own: `min(random * base * 2^(n - 1), cap)` for `n` attempts made.
fn formula(base: Duration, cap: Duration, n: u32, random: f64) -> Duration {
    let uncapped = random * base.as_secs_f64() * 2f64.powi(n as i32 - 1);
    Duration::from_secs_f64(uncapped.min(cap.as_secs_f64()))
}

/// [`formula`] with the standard base (1 s) and cap (20 s).
fn standard(n: u32, random: f64) -> Duration {
    formula(Duration::from_secs(1), Duration::from_secs(20), n, random)
}

#[test]
fn delay_sequence_three_attempts() {
    let policy = RetryPolicy::new(RetryConfig::standard());
    let randoms = [0.75, 0.25, 0.5];
    let got = run(&policy, &[svc(503, None); 3], &randoms);
    assert_eq!(
        got,
        vec![
            Decision::RetryAfter(standard(1, randoms[0])),
            Decision::RetryAfter(standard(2, randoms[1])),
            Decision::GiveUp(GiveUpReason::AttemptsExhausted),
        ]
    );
}

#[test]
fn delay_sequence_five_attempts() {
    let policy = RetryPolicy::new(RetryConfig::standard().with_max_attempts(5));
    let got = run(&policy, &[svc(500, None); 5], &[0.5; 5]);
    let mut want: Vec<Decision> = (1..5)
        .map(|n| Decision::RetryAfter(standard(n, 0.5)))
        .collect();
    want.push(Decision::GiveUp(GiveUpReason::AttemptsExhausted));
    assert_eq!(got, want);
    // Success on the fifth attempt instead.
    let mut outcomes = vec![svc(500, None); 4];
    outcomes.push(Outcome::Success);
    let got = run(&policy, &outcomes, &[0.125, 0.125, 0.125, 0.125, 0.0]);
    let mut want: Vec<Decision> = (1..5)
        .map(|n| Decision::RetryAfter(standard(n, 0.125)))
        .collect();
    want.push(Decision::Done);
    assert_eq!(got, want);
}

#[test]
fn backoff_is_capped_at_twenty_seconds() {
    let c = RetryConfig::standard();
    for (n, random) in [
        (1, 0.0),
        (1, 0.5),
        (5, 1.0),
        (6, 1.0),
        (6, 0.5),
        (6, 0.25),
        (9, 0.03125),
    ] {
        assert_eq!(
            c.backoff(n, random),
            standard(n, random),
            "n {n}, random {random}"
        );
    }
    // The jitter scales the uncapped delay, then the cap applies: at n = 6 (32 s uncapped)
    // a random of 0.5 gives 16 s, not half of the cap.
    assert_eq!(c.backoff(6, 0.5), Duration::from_secs(16));
    assert_eq!(c.backoff(6, 1.0), c.max_backoff());
    // Huge attempt counts reach the cap for any non-zero random (no overflow).
    assert_eq!(c.backoff(40, 0.5), c.max_backoff());
    assert_eq!(c.backoff(u32::MAX, 0.25), c.max_backoff());
    // Out-of-range random numbers are clamped to [0, 1]; NaN counts as 0.
    assert_eq!(c.backoff(1, 7.0), standard(1, 1.0));
    assert_eq!(c.backoff(1, -1.0), Duration::ZERO);
    assert_eq!(c.backoff(1, f64::NAN), Duration::ZERO);
    // A custom cap and base.
    let (base, cap) = (ms(100), Duration::from_secs(1));
    let c = RetryConfig::standard()
        .with_initial_backoff(base)
        .with_max_backoff(cap);
    for (n, random) in [(3, 1.0), (5, 1.0), (5, 0.5), (6, 0.25), (7, 0.125)] {
        assert_eq!(
            c.backoff(n, random),
            formula(base, cap, n, random),
            "n {n}, random {random}"
        );
    }

    let policy = RetryPolicy::new(RetryConfig::standard().with_max_attempts(10));
    let got = run(&policy, &[svc(503, None); 9], &[0.5; 9]);
    let want: Vec<Decision> = (1..10)
        .map(|n| Decision::RetryAfter(standard(n, 0.5)))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn quota_drains_and_stops_retries() {
    // 500 tokens at 5 per retry pay for exactly 100 retries.
    let policy = RetryPolicy::new(RetryConfig::standard().with_max_attempts(1000));
    let mut state = policy.start();
    for i in 0..100 {
        let d = state.on_outcome(svc(503, None), 0.0);
        assert_eq!(d, Decision::RetryAfter(Duration::ZERO), "retry {i}");
    }
    assert_eq!(policy.quota().available(), 0);
    assert_eq!(
        state.on_outcome(svc(503, None), 0.0),
        Decision::GiveUp(GiveUpReason::QuotaExhausted)
    );
    // Other requests are refused too.
    let got = run(&policy, &[svc(429, None)], &[]);
    assert_eq!(got, vec![Decision::GiveUp(GiveUpReason::QuotaExhausted)]);
}

#[test]
fn timeouts_cost_ten_tokens() {
    let policy = RetryPolicy::new(RetryConfig::standard().with_max_attempts(1000));
    let mut state = policy.start();
    for _ in 0..50 {
        let d = state.on_outcome(Outcome::Transport(TransportErrorKind::Timeout), 0.0);
        assert!(matches!(d, Decision::RetryAfter(_)));
    }
    assert_eq!(policy.quota().available(), 0);
    let d = state.on_outcome(Outcome::Transport(TransportErrorKind::Timeout), 0.0);
    assert_eq!(d, Decision::GiveUp(GiveUpReason::QuotaExhausted));
}

#[test]
fn quota_refills_on_success() {
    let quota = Arc::new(RetryQuota::new(12));
    let policy = RetryPolicy::with_quota(RetryConfig::standard().with_max_attempts(10), quota);
    let q = || policy.quota().available();
    // Two retries take 5 each; the third cannot be paid for.
    let got = run(&policy, &[svc(500, None); 3], &[]);
    assert_eq!(got[2], Decision::GiveUp(GiveUpReason::QuotaExhausted));
    assert_eq!(q(), 2);
    // A first-attempt success returns 1 token.
    assert_eq!(run(&policy, &[Outcome::Success], &[]), vec![Decision::Done]);
    assert_eq!(q(), 3);
    // Still not enough for a retry of cost 5.
    let got = run(&policy, &[svc(500, None)], &[]);
    assert_eq!(got, vec![Decision::GiveUp(GiveUpReason::QuotaExhausted)]);
    for _ in 0..2 {
        run(&policy, &[Outcome::Success], &[]);
    }
    assert_eq!(q(), 5);
    // A success after a retry returns what the last retry took.
    let got = run(&policy, &[svc(500, None), Outcome::Success], &[]);
    assert_eq!(got[1], Decision::Done);
    assert_eq!(q(), 5);
    // Never above the capacity.
    for _ in 0..20 {
        run(&policy, &[Outcome::Success], &[]);
    }
    assert_eq!(q(), 12);
    // Giving up returns nothing.
    let got = run(&policy, &[svc(500, None), svc(400, None)], &[]);
    assert_eq!(got[1], Decision::GiveUp(GiveUpReason::NotRetryable));
    assert_eq!(q(), 7);
}

#[test]
fn success_after_timeout_retry_refunds_ten() {
    let policy = RetryPolicy::new(RetryConfig::standard());
    run(
        &policy,
        &[
            Outcome::Transport(TransportErrorKind::Timeout),
            svc(503, None),
        ],
        &[],
    );
    // One request left 10 + 5 tokens out.
    assert_eq!(policy.quota().available(), 485);
    run(
        &policy,
        &[
            Outcome::Transport(TransportErrorKind::Timeout),
            Outcome::Success,
        ],
        &[],
    );
    // Took 10, returned 10.
    assert_eq!(policy.quota().available(), 485);
}

#[test]
fn quota_is_shared_across_threads() {
    let quota = Arc::new(RetryQuota::new(500));
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let quota = Arc::clone(&quota);
            std::thread::spawn(move || (0..100).filter(|_| quota.try_acquire(5)).count())
        })
        .collect();
    let taken: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(taken, 100);
    assert_eq!(quota.available(), 0);
}

#[test]
fn retry_after_is_honoured() {
    let policy = RetryPolicy::new(RetryConfig::standard());
    let tmr = "TooManyRequestsException";
    // Backoff 0.5 s, hint 3 s: wait 3 s.
    let got = run(&policy, &[hinted(429, tmr, Duration::from_secs(3))], &[0.5]);
    assert_eq!(got, vec![Decision::RetryAfter(Duration::from_secs(3))]);
    // Hint shorter than the backoff: the backoff stands.
    let got = run(&policy, &[hinted(429, tmr, ms(100))], &[0.5]);
    assert_eq!(got, vec![Decision::RetryAfter(ms(500))]);
    // Hint above the cap: capped at 20 s.
    let got = run(
        &policy,
        &[hinted(429, tmr, Duration::from_secs(600))],
        &[0.5],
    );
    assert_eq!(got, vec![Decision::RetryAfter(Duration::from_secs(20))]);
    // A hint on an error that is not retryable changes nothing.
    let got = run(
        &policy,
        &[hinted(400, "InvalidParameterValueException", ms(100))],
        &[],
    );
    assert_eq!(got, vec![Decision::GiveUp(GiveUpReason::NotRetryable)]);
    // Nor does it allow more attempts.
    let got = run(&policy, &[hinted(429, tmr, ms(1)); 3], &[0.0; 3]);
    assert_eq!(got[2], Decision::GiveUp(GiveUpReason::AttemptsExhausted));
}

#[test]
fn clock_skew_gets_one_immediate_retry() {
    let policy = RetryPolicy::new(RetryConfig::standard());
    let skewed = dated(403, "RequestTimeTooSkewed", MIN * 17);
    let got = run(&policy, &[skewed, skewed, skewed], &[]);
    assert_eq!(
        got,
        vec![
            Decision::RetryWithClockSkew { offset: MIN * 17 },
            Decision::GiveUp(GiveUpReason::NotRetryable),
            // Calls after the final decision never retry.
            Decision::GiveUp(GiveUpReason::AttemptsExhausted),
        ]
    );
    // The clock-skew retry costs no quota.
    assert_eq!(policy.quota().available(), 500);
    // A server clock behind ours gives a negative offset.
    let got = run(&policy, &[dated(400, "RequestExpired", -MIN * 30)], &[]);
    assert_eq!(
        got,
        vec![Decision::RetryWithClockSkew { offset: -MIN * 30 }]
    );
    // It counts as an attempt.
    let one = RetryPolicy::new(RetryConfig::disabled());
    let got = run(&one, &[dated(403, "RequestTimeTooSkewed", MIN * 17)], &[]);
    assert_eq!(got, vec![Decision::GiveUp(GiveUpReason::AttemptsExhausted)]);
    // Other retries still follow the skew correction.
    let got = run(
        &policy,
        &[dated(403, "RequestTimeTooSkewed", MIN * 17), svc(503, None)],
        &[0.5, 0.5],
    );
    assert_eq!(got[1], Decision::RetryAfter(Duration::from_secs(1)));
}

#[test]
fn decisions_after_the_end_never_retry() {
    let policy = RetryPolicy::new(RetryConfig::standard());
    let mut state = policy.start();
    assert_eq!(state.on_outcome(Outcome::Success, 0.5), Decision::Done);
    assert!(state.is_finished());
    let d = state.on_outcome(svc(503, None), 0.5);
    assert_eq!(d, Decision::GiveUp(GiveUpReason::AttemptsExhausted));
    assert_eq!(state.attempts(), 1);
    // The refund happened once.
    assert_eq!(policy.quota().available(), 500);
}

#[test]
fn date_header() {
    use http::{HeaderMap, HeaderValue};
    let map = |pairs: &[(&'static str, &'static str)]| {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    };
    // The example date of RFC 9110, section 5.6.7.
    assert_eq!(
        server_date_from_headers(&map(&[("date", "Sun, 06 Nov 1994 08:49:37 GMT")])),
        Some(datetime!(1994-11-06 08:49:37 UTC))
    );
    for bad in [
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 31 Feb 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Xyz, 06 Nov 1994 08:49:37 GMT",
        "Sun, 0a Nov 1994 08:49:37 GMT",
        "Sun, +6 Nov 1994 08:49:37 GMT",
        "Sun,  06 Nov 1994 08:49:37 GMT",
        "",
    ] {
        assert_eq!(parse_http_date(bad), None, "{bad}");
    }
}

#[derive(Clone, Debug)]
enum Gen {
    Success,
    Transport(TransportErrorKind),
    Service {
        status: u16,
        code: Option<&'static str>,
        hint_ms: Option<u64>,
        skew_min: Option<i32>,
    },
}

fn gen_outcome() -> impl Strategy<Value = Gen> {
    let kinds = prop_oneof![
        Just(TransportErrorKind::Connect),
        Just(TransportErrorKind::Reset),
        Just(TransportErrorKind::Timeout),
        Just(TransportErrorKind::Io),
        Just(TransportErrorKind::Other),
    ];
    let codes = prop::sample::select(vec![
        None,
        Some("TooManyRequestsException"),
        Some("ThrottlingException"),
        Some("RequestTimeTooSkewed"),
        Some("InvalidSignatureException"),
        Some("ResourceNotFoundException"),
        Some("ServiceException"),
    ]);
    prop_oneof![
        Just(Gen::Success),
        kinds.prop_map(Gen::Transport),
        (
            prop::sample::select(vec![200u16, 400, 403, 404, 429, 500, 502, 503, 504]),
            codes,
            prop::option::of(0u64..100_000_000),
            prop::option::of(-600i32..600),
        )
            .prop_map(|(status, code, hint_ms, skew_min)| Gen::Service {
                status,
                code,
                hint_ms,
                skew_min
            }),
    ]
}

impl Gen {
    fn outcome(&self) -> Outcome<'static> {
        match *self {
            Gen::Success => Outcome::Success,
            Gen::Transport(k) => Outcome::Transport(k),
            Gen::Service {
                status,
                code,
                hint_ms,
                skew_min,
            } => Outcome::ServiceError {
                status,
                code,
                retry_after: hint_ms.map(Duration::from_millis),
                server_date: skew_min.map(|m| SENT + MIN * m),
                sent_at: SENT,
            },
        }
    }
}

proptest! {
    #[test]
    fn never_retries_forever(
        max_attempts in 0u32..8,
        capacity in 0u32..60,
        outcomes in prop::collection::vec((gen_outcome(), 0.0f64..1.0), 0..40),
    ) {
        let config = RetryConfig::standard().with_max_attempts(max_attempts);
        let policy = RetryPolicy::with_quota(config, Arc::new(RetryQuota::new(capacity)));
        let mut state = policy.start();
        let mut retries = 0u32;
        let mut skew_retries = 0u32;
        let mut finished = false;
        for (g, r) in &outcomes {
            let d = state.on_outcome(g.outcome(), *r);
            match d {
                Decision::RetryAfter(delay) => {
                    prop_assert!(!finished);
                    prop_assert!(delay <= config.max_backoff());
                    retries += 1;
                }
                Decision::RetryWithClockSkew { .. } => {
                    prop_assert!(!finished);
                    retries += 1;
                    skew_retries += 1;
                }
                Decision::Done | Decision::GiveUp(_) => finished = true,
            }
            prop_assert!(policy.quota().available() <= capacity);
        }
        prop_assert!(retries < config.max_attempts());
        prop_assert!(skew_retries <= 1);
    }

    #[test]
    fn backoff_within_bounds(attempts in any::<u32>(), r in 0.0f64..1.0) {
        let c = RetryConfig::standard();
        let d = c.backoff(attempts, r);
        prop_assert!(d <= c.max_backoff());
        let exp = attempts.saturating_sub(1).min(63);
        let full = Duration::from_secs(1u64 << exp.min(5)).min(c.max_backoff());
        prop_assert!(d <= full);
        let want = (r * 2f64.powi(exp as i32)).min(20.0);
        prop_assert!((d.as_secs_f64() - want).abs() < 1e-6, "{d:?} vs {want}");
    }

    #[test]
    fn http_date_roundtrip(secs in 0i64..253_402_300_799) {
        let t = OffsetDateTime::from_unix_timestamp(secs).unwrap();
        let f = time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        );
        let s = t.format(&f).unwrap();
        prop_assert_eq!(parse_http_date(&s), Some(t));
    }

    #[test]
    fn http_date_never_panics(s in "\\PC{0,40}") {
        let _ = parse_http_date(&s);
    }
}
