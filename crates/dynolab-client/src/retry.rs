//! Exponential backoff with full jitter, bounded in attempts and in time.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

use crate::error::Error;
use crate::time::Time;

/// How long to keep retrying, and how long to wait between attempts.
///
/// The wait before retry `n` (counting from 0) is uniformly random in
/// `0..=min(max_delay, base_delay * 2^n)` ("full jitter").
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Attempts in a row that make no progress before giving up (the first attempt counts).
    pub max_attempts: u32,
    /// Time, from the first attempt, after which no new attempt starts.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base_delay: Duration::from_millis(25),
            max_delay: Duration::from_secs(5),
            max_attempts: 10,
            max_elapsed: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// Whether the budget is spent: `attempts` in a row without progress, or `elapsed` in all.
    pub fn exhausted(&self, attempts: u32, elapsed: Duration) -> bool {
        attempts >= self.max_attempts || elapsed >= self.max_elapsed
    }

    /// The ceiling of the wait before retry `attempt` (0-based).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32 << attempt.min(30);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }
}

/// Backoff state shared by the library's parts: the policy, the clock and a seeded RNG.
#[derive(Clone)]
pub struct Backoff {
    pub(crate) policy: RetryPolicy,
    pub(crate) time: Arc<dyn Time>,
    rng: Arc<Mutex<Xoshiro256PlusPlus>>,
}

impl Backoff {
    pub fn new(policy: RetryPolicy, time: Arc<dyn Time>, seed: u64) -> Self {
        Backoff {
            policy,
            time,
            rng: Arc::new(Mutex::new(Xoshiro256PlusPlus::seed_from_u64(seed))),
        }
    }

    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    pub fn time(&self) -> &Arc<dyn Time> {
        &self.time
    }

    /// The jittered delay before retry `attempt` (0-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.policy.ceiling(attempt).as_nanos() as u64;
        let nanos = match self.rng.lock() {
            Ok(mut rng) => rng.random_range(0..=ceiling),
            Err(poisoned) => poisoned.into_inner().random_range(0..=ceiling),
        };
        Duration::from_nanos(nanos)
    }

    /// A uniform draw in `0..n`, from the same seeded RNG (used for random shard suffixes).
    pub fn pick(&self, n: u32) -> u32 {
        if n <= 1 {
            return 0;
        }
        match self.rng.lock() {
            Ok(mut rng) => rng.random_range(0..n),
            Err(poisoned) => poisoned.into_inner().random_range(0..n),
        }
    }

    /// Waits the jittered delay before retry `attempt`.
    pub async fn wait(&self, attempt: u32) {
        let d = self.delay(attempt);
        if !d.is_zero() {
            self.time.sleep(d).await;
        }
    }

    /// Runs `f` until it succeeds, fails with an error that is not retryable, or the policy's
    /// attempts or time run out (then [`Error::RetriesExhausted`] with the last error).
    pub async fn run<T, F, Fut>(&self, mut f: F) -> Result<T, Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        let start = self.time.now();
        let mut attempt = 0u32;
        loop {
            match f().await {
                Ok(v) => return Ok(v),
                Err(e) if !e.is_retryable() => return Err(e),
                Err(e) => {
                    attempt += 1;
                    let elapsed = self.time.now().saturating_sub(start);
                    if self.policy.exhausted(attempt, elapsed) {
                        return Err(Error::RetriesExhausted {
                            attempts: attempt,
                            last: Box::new(e),
                        });
                    }
                    self.wait(attempt - 1).await;
                }
            }
        }
    }
}
