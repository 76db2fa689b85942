//! A token bucket in integer arithmetic that is told the time instead of reading it.
//!
//! Tokens are kept in micro-half-units (a millionth of 0.5 capacity units) so that refilling
//! `rate_half_units_per_s` for `elapsed` microseconds is an exact integer product. The bucket
//! never holds more than `capacity` and spending is all-or-nothing.

use dynolab_clock::Timestamp;

use crate::HalfUnits;

const MICROS_PER_S: i128 = 1_000_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenBucket {
    /// Refill rate, half-units per second.
    rate_half_units_per_s: u64,
    /// Most the bucket holds, in micro-half-units.
    capacity_micro: i128,
    tokens_micro: i128,
    last_refill: Timestamp,
}

impl TokenBucket {
    /// A full bucket that refills at `rate` per second and banks at most `window_s` seconds of it.
    pub fn new(rate_half_units_per_s: u64, window_s: u64, now: Timestamp) -> TokenBucket {
        let capacity_micro =
            i128::from(rate_half_units_per_s) * i128::from(window_s.max(1)) * MICROS_PER_S;
        TokenBucket {
            rate_half_units_per_s,
            capacity_micro,
            tokens_micro: capacity_micro,
            last_refill: now,
        }
    }

    fn refill(&mut self, now: Timestamp) {
        if now <= self.last_refill {
            return;
        }
        let elapsed = i128::from(now.as_micros() - self.last_refill.as_micros());
        self.tokens_micro = (self.tokens_micro + elapsed * i128::from(self.rate_half_units_per_s))
            .min(self.capacity_micro);
        self.last_refill = now;
    }

    /// Whether `cost` is available now (refilling first); takes nothing.
    pub fn can_spend(&mut self, cost: HalfUnits, now: Timestamp) -> bool {
        self.refill(now);
        self.tokens_micro >= i128::from(cost.0) * MICROS_PER_S
    }

    /// Takes `cost`; call only after [`TokenBucket::can_spend`] said yes (or to record debt).
    pub fn spend(&mut self, cost: HalfUnits, now: Timestamp) {
        self.refill(now);
        self.tokens_micro -= i128::from(cost.0) * MICROS_PER_S;
    }

    /// Changes the rate and window (UpdateTable); banked tokens are kept up to the new capacity.
    pub fn reconfigure(&mut self, rate_half_units_per_s: u64, window_s: u64, now: Timestamp) {
        self.refill(now);
        self.rate_half_units_per_s = rate_half_units_per_s;
        self.capacity_micro =
            i128::from(rate_half_units_per_s) * i128::from(window_s.max(1)) * MICROS_PER_S;
        self.tokens_micro = self.tokens_micro.min(self.capacity_micro);
    }

    /// Whole half-units available now.
    pub fn available(&mut self, now: Timestamp) -> HalfUnits {
        self.refill(now);
        let tokens = self.tokens_micro.max(0);
        // A 64-bit division when the tokens fit (always, for real rates): 128-bit division is
        // a slow library call, and the simulator asks this hundreds of millions of times.
        match u64::try_from(tokens) {
            Ok(t) => HalfUnits(t / MICROS_PER_S as u64),
            Err(_) => HalfUnits((tokens / MICROS_PER_S) as u64),
        }
    }

    /// Whether the bucket holds all it can now (refilling first).
    pub fn is_full(&mut self, now: Timestamp) -> bool {
        self.refill(now);
        self.tokens_micro >= self.capacity_micro
    }

    pub fn rate_half_units_per_s(&self) -> u64 {
        self.rate_half_units_per_s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Timestamp {
        Timestamp((s * 1e6) as u64)
    }

    #[test]
    fn refills_exactly_and_caps_at_the_window() {
        // 10 units/s = 20 half-units/s, banking 5 s.
        let mut b = TokenBucket::new(20, 5, secs(0.0));
        assert_eq!(b.available(secs(0.0)), HalfUnits(100));
        b.spend(HalfUnits(100), secs(0.0));
        assert!(!b.can_spend(HalfUnits(1), secs(0.0)));
        assert!(b.can_spend(HalfUnits(1), secs(0.05)));
        assert_eq!(b.available(secs(0.5)), HalfUnits(10));
        assert_eq!(
            b.available(secs(100.0)),
            HalfUnits(100),
            "never more than the window"
        );
    }

    #[test]
    fn reconfigure_keeps_what_fits() {
        let mut b = TokenBucket::new(20, 5, secs(0.0));
        b.reconfigure(4, 5, secs(0.0));
        assert_eq!(b.available(secs(0.0)), HalfUnits(20));
    }
}
