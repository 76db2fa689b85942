//! Time is injected: every wait (backoff, pacing) and every elapsed-time bound goes through
//! [`Time`], so tests can run against a server on a virtual clock and never sleep.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A boxed future returned by [`Time::sleep`].
pub type SleepFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// A monotonic clock and a way to wait on it.
pub trait Time: Send + Sync + 'static {
    /// Time since an arbitrary, fixed origin; never goes backwards.
    fn now(&self) -> Duration;
    /// Waits for `duration` on this clock.
    fn sleep(&self, duration: Duration) -> SleepFuture<'_>;
}

/// The default: tokio's clock and `tokio::time::sleep`.
#[derive(Debug, Clone, Copy)]
pub struct TokioTime {
    origin: tokio::time::Instant,
}

impl TokioTime {
    pub fn new() -> Self {
        TokioTime {
            origin: tokio::time::Instant::now(),
        }
    }
}

impl Default for TokioTime {
    fn default() -> Self {
        Self::new()
    }
}

impl Time for TokioTime {
    fn now(&self) -> Duration {
        tokio::time::Instant::now().duration_since(self.origin)
    }

    fn sleep(&self, duration: Duration) -> SleepFuture<'_> {
        Box::pin(tokio::time::sleep(duration))
    }
}
