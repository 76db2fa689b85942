//! Throttle-aware pacing: a client-side token bucket whose rate adapts to throttling
//! (additive increase on success, multiplicative decrease on a throttle).
//!
//! The decrease depends on the `ThrottlingReasons` DynamoDB sends when it has them: a table or
//! index that is out of capacity as a whole (`…ProvisionedThroughputExceeded`,
//! `…AccountLimitExceeded`, `…MaxOnDemandThroughputExceeded`) cuts the rate to 70% (by default),
//! while a hot key range (`…KeyRangeThroughputExceeded`) cuts it less, because the rest of the
//! table still has capacity and other keys in the same stream are still being served.
//! A throttle without reasons (an unprocessed batch item) counts as a whole-table signal.

use std::sync::Mutex;
use std::time::Duration;

use crate::error::ThrottleReason;
use crate::time::Time;

/// The pacer's numbers, in capacity units per second.
#[derive(Debug, Clone, PartialEq)]
pub struct PacerConfig {
    pub initial_rate: f64,
    pub min_rate: f64,
    pub max_rate: f64,
    /// Units per second added to the rate per unit consumed without a throttle, i.e. the
    /// rate grows by this fraction of itself per second of clean traffic.
    pub increase: f64,
    /// Factor applied to the rate on a table- or index-wide throttle.
    pub decrease: f64,
    /// Factor applied on a key-range (hot partition) throttle.
    pub key_range_decrease: f64,
    /// How many seconds of the rate may be banked while idle.
    pub burst_seconds: f64,
    /// After a throttle, further throttles within this window do not cut the rate again
    /// (they are the same overload seen by requests already in flight).
    pub hold: Duration,
}

impl PacerConfig {
    /// Starts at `rate` units per second and adapts between 1% and 10x of it.
    pub fn starting_at(rate: f64) -> Self {
        PacerConfig {
            initial_rate: rate,
            min_rate: (rate / 100.0).max(1.0),
            max_rate: rate * 10.0,
            increase: 0.1,
            decrease: 0.7,
            key_range_decrease: 0.85,
            burst_seconds: 1.0,
            hold: Duration::from_millis(200),
        }
    }
}

#[derive(Debug)]
struct State {
    rate: f64,
    tokens: f64,
    last: Option<Duration>,
    last_cut: Option<Duration>,
    throttles: u64,
    last_reasons: Vec<ThrottleReason>,
}

/// An adaptive rate limiter shared by the parts of a [`crate::Client`].
#[derive(Debug)]
pub struct Pacer {
    config: PacerConfig,
    state: Mutex<State>,
}

/// What the pacer has seen so far.
#[derive(Debug, Clone, PartialEq)]
pub struct PacerStats {
    pub rate: f64,
    pub throttles: u64,
    pub last_reasons: Vec<ThrottleReason>,
}

impl Pacer {
    pub fn new(config: PacerConfig) -> Self {
        let state = State {
            rate: config.initial_rate,
            tokens: config.initial_rate * config.burst_seconds,
            last: None,
            last_cut: None,
            throttles: 0,
            last_reasons: Vec::new(),
        };
        Pacer {
            config,
            state: Mutex::new(state),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        match self.state.lock() {
            Ok(mut s) => f(&mut s),
            Err(poisoned) => f(&mut poisoned.into_inner()),
        }
    }

    /// The current rate, units per second.
    pub fn rate(&self) -> f64 {
        self.with(|s| s.rate)
    }

    pub fn stats(&self) -> PacerStats {
        self.with(|s| PacerStats {
            rate: s.rate,
            throttles: s.throttles,
            last_reasons: s.last_reasons.clone(),
        })
    }

    /// Reserves `units` and waits until the bucket has paid for them. Concurrent callers
    /// queue behind each other: the bucket may go into debt, and each waits off its share.
    pub async fn acquire(&self, time: &dyn Time, units: f64) {
        let now = time.now();
        let wait = self.with(|s| {
            let cap = s.rate * self.config.burst_seconds;
            if let Some(last) = s.last {
                let dt = now.saturating_sub(last).as_secs_f64();
                s.tokens = (s.tokens + dt * s.rate).min(cap);
            }
            s.last = Some(now);
            s.tokens -= units;
            if s.tokens >= 0.0 {
                Duration::ZERO
            } else {
                Duration::from_secs_f64(-s.tokens / s.rate)
            }
        });
        if !wait.is_zero() {
            time.sleep(wait).await;
        }
    }

    /// Units were consumed without a throttle: grow the rate.
    pub fn on_success(&self, units: f64) {
        self.with(|s| {
            let grown = s.rate + self.config.increase * units;
            s.rate = grown.min(self.config.max_rate);
        });
    }

    /// A request (or some items of a batch) was throttled.
    pub fn on_throttle(&self, time: &dyn Time, reasons: &[ThrottleReason]) {
        let now = time.now();
        self.with(|s| {
            s.throttles += 1;
            if !reasons.is_empty() {
                s.last_reasons = reasons.to_vec();
            }
            if s.last_cut
                .is_some_and(|t| now.saturating_sub(t) < self.config.hold)
            {
                return;
            }
            s.last_cut = Some(now);
            let key_range_only = !reasons.is_empty() && reasons.iter().all(|r| r.is_key_range());
            let factor = if key_range_only {
                self.config.key_range_decrease
            } else {
                self.config.decrease
            };
            s.rate = (s.rate * factor).max(self.config.min_rate);
            s.tokens = s.tokens.min(0.0);
        });
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex as StdMutex;

    use super::*;
    use crate::time::SleepFuture;

    /// A clock that moves only when slept on.
    #[derive(Default)]
    struct StepTime(StdMutex<Duration>);

    impl Time for StepTime {
        fn now(&self) -> Duration {
            *self.0.lock().unwrap()
        }
        fn sleep(&self, d: Duration) -> SleepFuture<'_> {
            *self.0.lock().unwrap() += d;
            Box::pin(async {})
        }
    }

    fn reason(r: &str) -> ThrottleReason {
        ThrottleReason {
            reason: r.to_string(),
            resource: "arn:aws:dynamodb:us-east-1:000000000000:table/t".to_string(),
        }
    }

    #[tokio::test]
    async fn paces_to_its_rate_after_the_burst() {
        let time = StepTime::default();
        let pacer = Pacer::new(PacerConfig {
            increase: 0.0,
            ..PacerConfig::starting_at(100.0)
        });
        // One second of burst (100 units) is free; 400 more take 4 seconds.
        for _ in 0..50 {
            pacer.acquire(&time, 10.0).await;
        }
        let t = time.now().as_secs_f64();
        assert!((3.9..=4.1).contains(&t), "{t}");
    }

    #[tokio::test]
    async fn cuts_the_rate_by_the_kind_of_throttle_and_grows_it_back() {
        let time = StepTime::default();
        let pacer = Pacer::new(PacerConfig {
            increase: 0.05,
            decrease: 0.5,
            key_range_decrease: 0.8,
            ..PacerConfig::starting_at(1_000.0)
        });
        pacer.on_throttle(&time, &[reason("TableWriteProvisionedThroughputExceeded")]);
        assert_eq!(pacer.rate(), 500.0);
        // The same overload seen again within the hold window does not cut again.
        pacer.on_throttle(&time, &[]);
        assert_eq!(pacer.rate(), 500.0);
        time.sleep(Duration::from_secs(1)).await;
        // A hot key range cuts less than a table out of capacity.
        pacer.on_throttle(&time, &[reason("TableWriteKeyRangeThroughputExceeded")]);
        assert_eq!(pacer.rate(), 400.0);
        assert_eq!(pacer.stats().throttles, 3);
        assert_eq!(
            pacer.stats().last_reasons,
            vec![reason("TableWriteKeyRangeThroughputExceeded")]
        );
        pacer.on_success(200.0);
        assert_eq!(pacer.rate(), 410.0);
        // Never below the floor.
        for _ in 0..100 {
            time.sleep(Duration::from_secs(1)).await;
            pacer.on_throttle(&time, &[]);
        }
        assert_eq!(pacer.rate(), 10.0);
    }
}
