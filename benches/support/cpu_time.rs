//! A criterion measurement of the benchmark thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`).
//!
//! The benchmark machine is shared: with other builds running, wall time mostly measures how
//! long the thread waited for a core, and two rows measured a few seconds apart are not
//! comparable. Thread CPU time leaves the waiting out, so ratios from one run hold. Set
//! `BENCH_CLOCK=wall` for wall-clock time (criterion's default) on a quiet machine.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use criterion::measurement::{Measurement, ValueFormatter, WallTime};

/// Thread CPU time, or wall time with `BENCH_CLOCK=wall` (or where there is no thread clock).
pub struct CpuTime {
    wall: bool,
}

impl CpuTime {
    pub fn from_env() -> Self {
        CpuTime { wall: std::env::var("BENCH_CLOCK").is_ok_and(|v| v == "wall") || !cfg!(unix) }
    }

    pub fn name(&self) -> &'static str {
        if self.wall { "wall time" } else { "thread CPU time" }
    }

    fn now(&self) -> Duration {
        if !self.wall
            && let Some(now) = thread_cpu_time()
        {
            return now;
        }
        static START: OnceLock<Instant> = OnceLock::new();
        START.get_or_init(Instant::now).elapsed()
    }
}

#[cfg(unix)]
fn thread_cpu_time() -> Option<Duration> {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; the call writes it and touches nothing else.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

#[cfg(not(unix))]
fn thread_cpu_time() -> Option<Duration> {
    None
}

impl Measurement for CpuTime {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        self.now()
    }

    fn end(&self, start: Duration) -> Duration {
        self.now().saturating_sub(start)
    }

    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }

    fn zero(&self) -> Duration {
        Duration::ZERO
    }

    fn to_f64(&self, value: &Duration) -> f64 {
        value.as_nanos() as f64
    }

    fn formatter(&self) -> &dyn ValueFormatter {
        // Same unit (nanoseconds) as wall time, so criterion's duration formatting applies.
        static WALL: WallTime = WallTime;
        WALL.formatter()
    }
}
