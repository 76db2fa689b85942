//! Time for dynolab. This is the only crate that reads the operating system's clock: the engine
//! and the capacity model take a [`Timestamp`] from a [`Clock`] once per request, so tests can
//! drive a [`VirtualClock`] and never sleep.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Microseconds since the Unix epoch.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct Timestamp(pub u64);

impl Timestamp {
    pub fn from_secs(secs: u64) -> Timestamp {
        Timestamp(secs * 1_000_000)
    }

    pub fn as_micros(self) -> u64 {
        self.0
    }

    /// Seconds as the float DynamoDB uses for dates in JSON (`CreationDateTime`).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    pub fn plus_micros(self, micros: u64) -> Timestamp {
        Timestamp(self.0.saturating_add(micros))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`):
/// the one calendar conversion dynolab has (stream labels, SigV4 dates, imported timestamps).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day counted from 1970-01-01: the inverse of [`days_from_civil`].
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The operating system's wall clock.
#[derive(Default, Debug)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // The one sanctioned read of OS time.
    fn now(&self) -> Timestamp {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp(since_epoch.as_micros() as u64)
    }
}

/// A clock that moves only when told to. Clones share the same time.
#[derive(Clone, Debug)]
pub struct VirtualClock {
    micros: Arc<AtomicU64>,
}

impl VirtualClock {
    pub fn new(start: Timestamp) -> VirtualClock {
        VirtualClock {
            micros: Arc::new(AtomicU64::new(start.0)),
        }
    }

    pub fn advance_micros(&self, micros: u64) -> Timestamp {
        Timestamp(self.micros.fetch_add(micros, Ordering::SeqCst) + micros)
    }

    /// Sets the time; a clock never goes backwards, so an earlier time is ignored.
    pub fn set(&self, to: Timestamp) -> Timestamp {
        Timestamp(self.micros.fetch_max(to.0, Ordering::SeqCst).max(to.0))
    }
}

impl Clock for VirtualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.micros.load(Ordering::SeqCst))
    }
}

/// Measures elapsed wall time for latency metrics. Lives here because this is the one crate
/// allowed to read OS time; the engine only ever receives the measured duration.
#[derive(Debug)]
pub struct Stopwatch(std::time::Instant);

impl Stopwatch {
    #[allow(clippy::disallowed_methods)] // The one sanctioned read of the monotonic clock.
    pub fn start() -> Stopwatch {
        Stopwatch(std::time::Instant::now())
    }

    pub fn elapsed_millis(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virtual_clock_moves_only_forward_and_only_when_told() {
        let clock = VirtualClock::new(Timestamp::from_secs(100));
        assert_eq!(clock.now(), Timestamp::from_secs(100));
        assert_eq!(clock.advance_micros(1_500_000), Timestamp(101_500_000));
        assert_eq!(clock.set(Timestamp::from_secs(50)), Timestamp(101_500_000));
        let shared = clock.clone();
        shared.advance_micros(500_000);
        assert_eq!(clock.now(), Timestamp::from_secs(102));
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now() > Timestamp::from_secs(1_577_836_800));
    }
}
