//! CPU time read from `/proc` (Linux), so that the crate needs no `unsafe` and no new
//! dependency for `clock_gettime`.
//!
//! - [`process`]: user + system time of the whole process (every thread, exited ones
//!   included), from `/proc/self/stat`, in clock ticks of 10 ms (`USER_HZ` is 100 on
//!   Linux): run enough iterations for a second or more of CPU time.
//! - [`thread`]: time the calling thread spent on a CPU, from
//!   `/proc/thread-self/schedstat`, in nanoseconds.
//!
//! Both are `None` where the files are missing (not Linux, `/proc` not mounted).

use std::time::Duration;

/// Clock ticks per second of the times in `/proc/<pid>/stat` (`USER_HZ`).
const USER_HZ: u64 = 100;

/// User + system CPU time of this process.
pub fn process() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count from the
    // last ')'. Field 3 (state) is then index 0; utime (14) index 11, stime (15) index 12.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_ascii_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 1000 / USER_HZ))
}

/// CPU time of the calling thread.
pub fn thread() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_ascii_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

#[cfg(test)]
mod tests {
    #[test]
    fn cpu_time_advances_with_work() {
        let (Some(p0), Some(t0)) = (super::process(), super::thread()) else {
            return; // no /proc here
        };
        let mut x = 0u64;
        let start = std::time::Instant::now();
        while start.elapsed() < std::time::Duration::from_millis(50) {
            x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
        }
        assert!(super::thread().expect("thread") > t0);
        assert!(super::process().expect("process") >= p0);
    }
}
