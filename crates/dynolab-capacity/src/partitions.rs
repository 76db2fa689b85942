//! The partitions of one table or index: contiguous ranges of the 64-bit partition-key hash,
//! each capped at 3,000 read and 1,000 write units per second, split (never merged) for a higher
//! provisioned or on-demand peak, for size, and for sustained heat.

use std::collections::HashMap;

use dynolab_clock::Timestamp;

use crate::bucket::TokenBucket;
use crate::{CapacityConfig, HalfUnits, Op};

/// Most distinct keys remembered per partition while it runs hot; beyond that only the total
/// counts, which is enough to find a split point for realistic key distributions.
const MAX_TRACKED_KEYS: usize = 4096;

#[derive(Clone, Debug)]
pub struct Partition {
    /// First hash of the range; the range ends where the next partition starts.
    pub start_hash: u64,
    read: TokenBucket,
    write: TokenBucket,
    heat: Heat,
}

/// How long and how hard a partition has been running near its cap, and on which keys.
#[derive(Clone, Debug, Default)]
struct Heat {
    /// Second (since the epoch) being counted, and the units spent in it.
    second: u64,
    read_in_second: u64,
    write_in_second: u64,
    /// Consecutive seconds at or above the heat threshold.
    hot_seconds: u64,
    /// Units per key hash while hot.
    keys: HashMap<u64, u64>,
    /// This second's spends (key hash, units), in order: added to `keys` once the second is
    /// known to be hot (or when a split looks at them), dropped otherwise. A partition that is
    /// not hot, which is nearly every partition nearly always, never touches the map.
    second_keys: Vec<(u64, u64)>,
}

impl Heat {
    /// Adds this second's spends to the per-key totals, in the order they happened (the
    /// tracked-key bound keeps the first keys seen).
    fn absorb_second(&mut self) {
        for (key_hash, units) in self.second_keys.drain(..) {
            let tracked = self.keys.len();
            if let Some(total) = self.keys.get_mut(&key_hash) {
                *total += units;
            } else if tracked < MAX_TRACKED_KEYS {
                self.keys.insert(key_hash, units);
            }
        }
    }
}

impl Partition {
    fn new(start_hash: u64, config: &CapacityConfig, now: Timestamp) -> Partition {
        Partition {
            start_hash,
            read: TokenBucket::new(
                config.partition_read_units_per_s * 2,
                config.partition_window_s,
                now,
            ),
            write: TokenBucket::new(
                config.partition_write_units_per_s * 2,
                config.partition_window_s,
                now,
            ),
            heat: Heat::default(),
        }
    }

    fn bucket(&mut self, op: Op) -> &mut TokenBucket {
        match op {
            Op::Read => &mut self.read,
            Op::Write => &mut self.write,
        }
    }
}

#[derive(Clone, Debug)]
pub struct PartitionMap {
    partitions: Vec<Partition>,
}

impl PartitionMap {
    /// `n` partitions splitting the hash space evenly.
    pub fn even(n: usize, config: &CapacityConfig, now: Timestamp) -> PartitionMap {
        let n = n.max(1) as u128;
        let width = (u128::from(u64::MAX) + 1) / n;
        let partitions = (0..n)
            .map(|i| Partition::new((width * i) as u64, config, now))
            .collect();
        PartitionMap { partitions }
    }

    pub fn len(&self) -> usize {
        self.partitions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.partitions.is_empty()
    }

    /// Index of the partition holding `hash`.
    pub fn index_of(&self, hash: u64) -> usize {
        self.partitions
            .partition_point(|p| p.start_hash <= hash)
            .saturating_sub(1)
    }

    /// First hash of the partition holding `hash`.
    pub fn start_of(&self, hash: u64) -> u64 {
        self.partitions[self.index_of(hash)].start_hash
    }

    pub fn starts(&self) -> Vec<u64> {
        self.partitions.iter().map(|p| p.start_hash).collect()
    }

    /// Whole half-units of `op` the partition can spend now.
    pub fn available(&mut self, index: usize, op: Op, now: Timestamp) -> HalfUnits {
        self.partitions[index].bucket(op).available(now)
    }

    /// Whether a run of seconds that spends at most `most_per_second` of `op` on partition
    /// `index` in any one second, starting at `now`, leaves the partition as if nothing had been
    /// spent: its bucket is full now and refills within each second what a second takes, no
    /// second comes near the heat threshold, and the partition is not counting hot seconds.
    /// (Its bucket is then full again a second after the run, and the first spend after the run
    /// finds the last second counted not hot, as it would have.)
    pub fn runs_cold(
        &mut self,
        index: usize,
        op: Op,
        most_per_second: u64,
        now: Timestamp,
        config: &CapacityConfig,
    ) -> bool {
        let p = &mut self.partitions[index];
        let cap_read = config.partition_read_units_per_s * 2;
        let cap_write = config.partition_write_units_per_s * 2;
        let threshold = config.heat_threshold_percent;
        let last_hot = p.heat.read_in_second * 100 >= cap_read * threshold
            || p.heat.write_in_second * 100 >= cap_write * threshold;
        let cap = match op {
            Op::Read => cap_read,
            Op::Write => cap_write,
        };
        let counting = p.heat.hot_seconds > 0 || last_hot;
        let bucket = p.bucket(op);
        !counting
            && most_per_second * 100 < cap * threshold
            && most_per_second <= bucket.rate_half_units_per_s()
            && bucket.is_full(now)
    }

    /// Spends `cost` on a partition and records the key for split-for-heat.
    pub fn spend(
        &mut self,
        index: usize,
        op: Op,
        cost: HalfUnits,
        key_hash: u64,
        now: Timestamp,
        config: &CapacityConfig,
    ) {
        let p = &mut self.partitions[index];
        p.bucket(op).spend(cost, now);
        let second = now.as_micros() / 1_000_000;
        if second != p.heat.second {
            let cap_read = config.partition_read_units_per_s * 2;
            let cap_write = config.partition_write_units_per_s * 2;
            let hot = p.heat.read_in_second * 100 >= cap_read * config.heat_threshold_percent
                || p.heat.write_in_second * 100 >= cap_write * config.heat_threshold_percent;
            let consecutive = second == p.heat.second + 1;
            p.heat.hot_seconds = if hot && consecutive {
                p.heat.hot_seconds + 1
            } else {
                u64::from(hot)
            };
            if p.heat.hot_seconds == 0 {
                p.heat.keys.clear();
                p.heat.second_keys.clear();
            } else {
                p.heat.absorb_second();
            }
            p.heat.second = second;
            p.heat.read_in_second = 0;
            p.heat.write_in_second = 0;
        }
        match op {
            Op::Read => p.heat.read_in_second += cost.0,
            Op::Write => p.heat.write_in_second += cost.0,
        }
        p.heat.second_keys.push((key_hash, cost.0));
    }

    /// Splits partitions that have run hot for long enough, at the median of their observed
    /// key traffic, unless one key carries most of it (splitting cannot help a single hot item).
    /// Returns how many splits happened.
    pub fn split_for_heat(&mut self, config: &CapacityConfig, now: Timestamp) -> usize {
        for p in &mut self.partitions {
            if p.heat.hot_seconds >= config.heat_split_after_s {
                p.heat.absorb_second();
            }
        }
        let mut splits = Vec::new();
        for (i, p) in self.partitions.iter().enumerate() {
            if p.heat.hot_seconds < config.heat_split_after_s {
                continue;
            }
            let total: u64 = p.heat.keys.values().sum();
            let Some(max) = p.heat.keys.values().max() else {
                continue;
            };
            if total == 0 || max * 100 >= total * config.single_key_share_percent {
                continue;
            }
            let mut keys: Vec<(u64, u64)> = p.heat.keys.iter().map(|(k, v)| (*k, *v)).collect();
            keys.sort_unstable();
            let mut running = 0;
            let split_at = keys.iter().find(|(_, v)| {
                running += v;
                running * 2 >= total
            });
            if let Some((hash, _)) = split_at {
                // The new partition starts just after the median key, so that key stays left.
                let start = hash.saturating_add(1);
                let end = self
                    .partitions
                    .get(i + 1)
                    .map_or(u64::MAX, |n| n.start_hash);
                if start > p.start_hash && start < end {
                    splits.push((i, start));
                }
            }
        }
        for (offset, (i, start)) in splits.iter().enumerate() {
            let at = i + offset;
            self.partitions[at].heat = Heat::default();
            self.partitions
                .insert(at + 1, Partition::new(*start, config, now));
        }
        splits.len()
    }

    /// Grows to at least `n` partitions by splitting every partition in two until there are
    /// enough, as DynamoDB did ("partitions are doubled"); an even layout stays even. Never
    /// shrinks.
    pub fn grow_to(&mut self, n: usize, config: &CapacityConfig, now: Timestamp) {
        while self.partitions.len() < n {
            let mut doubled = Vec::with_capacity(self.partitions.len() * 2);
            for i in 0..self.partitions.len() {
                let start = u128::from(self.partitions[i].start_hash);
                let end = self
                    .partitions
                    .get(i + 1)
                    .map_or(u128::from(u64::MAX) + 1, |p| u128::from(p.start_hash));
                doubled.push(self.partitions[i].clone());
                if end - start >= 2 {
                    doubled.push(Partition::new(
                        (start + (end - start) / 2) as u64,
                        config,
                        now,
                    ));
                }
            }
            if doubled.len() == self.partitions.len() {
                return;
            }
            self.partitions = doubled;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_partitions_cover_the_hash_space() {
        let config = CapacityConfig::default();
        let map = PartitionMap::even(4, &config, Timestamp(0));
        assert_eq!(map.index_of(0), 0);
        assert_eq!(map.index_of(u64::MAX), 3);
        assert_eq!(map.index_of(u64::MAX / 4 + 1), 1);
    }

    #[test]
    fn growing_doubles_evenly_and_never_shrinks() {
        let config = CapacityConfig::default();
        let mut map = PartitionMap::even(3, &config, Timestamp(0));
        map.grow_to(5, &config, Timestamp(0));
        assert_eq!(map.len(), 6);
        // Every range is the same width (to within rounding).
        let mut bounds: Vec<u128> = map.starts().iter().map(|s| u128::from(*s)).collect();
        bounds.push(u128::from(u64::MAX) + 1);
        let widths: Vec<u128> = bounds.windows(2).map(|w| w[1] - w[0]).collect();
        let (min, max) = (widths.iter().min().unwrap(), widths.iter().max().unwrap());
        assert!(max - min <= 2, "{widths:?}");
        let starts = map.starts();
        let mut sorted = starts.clone();
        sorted.sort();
        assert_eq!(starts, sorted);
        map.grow_to(2, &config, Timestamp(0));
        assert_eq!(map.len(), 6);
    }
}
