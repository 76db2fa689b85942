//! DynamoDB's capacity model (docs/design/capacity-model.md): what a request costs, and whether
//! a table may spend it now.
//!
//! Capacity is counted in integer half-units ([`HalfUnits`]): an eventually consistent read of
//! up to 4 KB is 1, a strongly consistent one 2, a transactional one 4; a write of up to 1 KB is
//! 2, a transactional one 4. Integers make sums exact; they become `f64` only on the wire.
//! This crate does no I/O and never reads a clock: every stateful call takes `now`.
//!
//! # Layout
//! - this file: units, costs, [`Consumed`], [`CapacityConfig`].
//! - [`bucket`]: the token bucket.
//! - [`partitions`]: partitions over the key hash, their caps, splits.
//! - [`model`]: table and GSI resources in provisioned and on-demand mode, and admission.
//! - [`pricing`]: list prices from a dated data file.

pub mod bucket;
pub mod model;
pub mod partitions;
pub mod pricing;

use std::collections::BTreeMap;

pub use model::{
    Admission, Charge, LimitType, Mode, Plan, PlanSum, QuietRun, Resource, ResourcesMut,
    TableCapacity, Target, Throttle,
};

/// Reads and writes are limited separately everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    Read,
    Write,
}

/// The numbers of the model. Defaults are DynamoDB's documented values; where AWS publishes
/// none, the default is our choice and says so (docs/design/capacity-model.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CapacityConfig {
    /// Per-partition read cap (documented: 3,000 RCU/s).
    pub partition_read_units_per_s: u64,
    /// Per-partition write cap (documented: 1,000 WCU/s).
    pub partition_write_units_per_s: u64,
    /// How much unused partition capacity a partition may bank (choice: 1 s; AWS says burst
    /// "can't alleviate partition-level throttling").
    pub partition_window_s: u64,
    /// Unused table capacity banked as burst (documented: 300 s).
    pub burst_window_s: u64,
    /// Instant capacity of a new on-demand table (documented: 12,000 RRU/s, 4,000 WRU/s).
    pub on_demand_initial_read_units: u64,
    pub on_demand_initial_write_units: u64,
    /// How long a new on-demand peak takes to count as "previous peak" (documented: 30 min).
    pub on_demand_peak_window_s: u64,
    /// Default per-table (and per-GSI) throughput quota (documented: 40,000 units/s).
    pub table_quota_units_per_s: u64,
    /// Size at which a partition splits (documented: about 10 GB).
    pub partition_size_bytes: u64,
    /// A partition is "hot" in a second when it uses this share of its cap (choice: 80%).
    pub heat_threshold_percent: u64,
    /// Consecutive hot seconds before a split for heat (choice: 300 s; AWS: "minutes").
    pub heat_split_after_s: u64,
    /// No split for heat when one key carries this share of the partition's traffic
    /// (choice: 50%; AWS: no split for a single hot item).
    pub single_key_share_percent: u64,
    /// A request larger than what its limits have left is still admitted while none of them is
    /// exhausted, and charged in full: the buckets go into debt that their refill repays, so
    /// the next requests wait (choice, docs/design/capacity-model.md "Requests larger than what
    /// is left": DynamoDB serves a 400 KB write on a 1-WCU table and a 4 MB transaction on a new
    /// on-demand table; the exact rule is not documented). `false`: all or nothing.
    pub admit_in_debt: bool,
}

impl Default for CapacityConfig {
    fn default() -> CapacityConfig {
        CapacityConfig {
            partition_read_units_per_s: 3_000,
            partition_write_units_per_s: 1_000,
            partition_window_s: 1,
            burst_window_s: 300,
            on_demand_initial_read_units: 12_000,
            on_demand_initial_write_units: 4_000,
            on_demand_peak_window_s: 30 * 60,
            table_quota_units_per_s: 40_000,
            partition_size_bytes: 10 * 1024 * 1024 * 1024,
            heat_threshold_percent: 80,
            heat_split_after_s: 300,
            single_key_share_percent: 50,
            admit_in_debt: true,
        }
    }
}

/// Read units are charged per 4 KB, rounded up.
pub const READ_CHUNK_BYTES: u64 = 4 * 1024;
/// Write units are charged per 1 KB, rounded up.
pub const WRITE_CHUNK_BYTES: u64 = 1024;

/// Capacity in half-units: `HalfUnits(1)` is 0.5 RCU.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Default, Hash)]
pub struct HalfUnits(pub u64);

impl HalfUnits {
    pub const ZERO: HalfUnits = HalfUnits(0);

    pub fn as_units_f64(self) -> f64 {
        self.0 as f64 / 2.0
    }
}

impl std::ops::Add for HalfUnits {
    type Output = HalfUnits;
    fn add(self, other: HalfUnits) -> HalfUnits {
        HalfUnits(self.0 + other.0)
    }
}

impl std::ops::AddAssign for HalfUnits {
    fn add_assign(&mut self, other: HalfUnits) {
        self.0 += other.0;
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReadKind {
    Eventual,
    Strong,
    Transactional,
}

impl ReadKind {
    pub fn from_consistent(consistent: bool) -> ReadKind {
        if consistent {
            ReadKind::Strong
        } else {
            ReadKind::Eventual
        }
    }

    fn half_units_per_chunk(self) -> u64 {
        match self {
            ReadKind::Eventual => 1,
            ReadKind::Strong => 2,
            ReadKind::Transactional => 4,
        }
    }
}

fn chunks(size_bytes: u64, chunk_bytes: u64) -> u64 {
    size_bytes.div_ceil(chunk_bytes).max(1)
}

/// Cost of reading `size_bytes` in one rounding (one GetItem item, or the summed size of a
/// Query or Scan page). A read of nothing still costs one chunk.
pub fn read_cost(size_bytes: u64, kind: ReadKind) -> HalfUnits {
    HalfUnits(chunks(size_bytes, READ_CHUNK_BYTES) * kind.half_units_per_chunk())
}

/// Cost of writing an item of `size_bytes` (the larger of the old and new item).
pub fn write_cost(size_bytes: u64, transactional: bool) -> HalfUnits {
    HalfUnits(chunks(size_bytes, WRITE_CHUNK_BYTES) * if transactional { 4 } else { 2 })
}

/// Capacity consumed by one request, split as `ReturnConsumedCapacity=INDEXES` reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Consumed {
    pub table_read: HalfUnits,
    pub table_write: HalfUnits,
    /// Per GSI name: (read, write).
    pub gsis: BTreeMap<String, (HalfUnits, HalfUnits)>,
    /// Per LSI name: (read, write). LSI capacity is drawn from the table's.
    pub lsis: BTreeMap<String, (HalfUnits, HalfUnits)>,
}

impl Consumed {
    pub fn total_read(&self) -> HalfUnits {
        self.table_read
            + self.gsis.values().fold(HalfUnits::ZERO, |a, (r, _)| a + *r)
            + self.lsis.values().fold(HalfUnits::ZERO, |a, (r, _)| a + *r)
    }

    pub fn total_write(&self) -> HalfUnits {
        self.table_write
            + self.gsis.values().fold(HalfUnits::ZERO, |a, (_, w)| a + *w)
            + self.lsis.values().fold(HalfUnits::ZERO, |a, (_, w)| a + *w)
    }

    pub fn add_gsi(&mut self, name: &str, read: HalfUnits, write: HalfUnits) {
        let entry = self.gsis.entry(name.to_string()).or_default();
        entry.0 += read;
        entry.1 += write;
    }

    pub fn add_lsi(&mut self, name: &str, read: HalfUnits, write: HalfUnits) {
        let entry = self.lsis.entry(name.to_string()).or_default();
        entry.0 += read;
        entry.1 += write;
    }

    pub fn merge(&mut self, other: &Consumed) {
        self.table_read += other.table_read;
        self.table_write += other.table_write;
        for (k, (r, w)) in &other.gsis {
            self.add_gsi(k, *r, *w);
        }
        for (k, (r, w)) in &other.lsis {
            self.add_lsi(k, *r, *w);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_documented_examples() {
        // read-write-operations.html: 3.5 KB read → 4 KB; 10 KB → 12 KB; 1.6 KB write → 2 KB.
        assert_eq!(read_cost(3584, ReadKind::Strong), HalfUnits(2));
        assert_eq!(read_cost(10 * 1024, ReadKind::Strong), HalfUnits(6));
        assert_eq!(read_cost(10 * 1024, ReadKind::Eventual), HalfUnits(3));
        assert_eq!(write_cost(1638, false), HalfUnits(4));
        // A missing item still costs 0.5 (EC) or 1 (SC).
        assert_eq!(read_cost(0, ReadKind::Eventual).as_units_f64(), 0.5);
        assert_eq!(read_cost(0, ReadKind::Strong).as_units_f64(), 1.0);
        // Query: 10 items totalling 40.8 KB → 44 KB → 11 RCU strongly consistent.
        assert_eq!(read_cost(41_779, ReadKind::Strong).as_units_f64(), 11.0);
        // Transactions cost double.
        assert_eq!(write_cost(500, true).as_units_f64(), 2.0);
        assert_eq!(read_cost(100, ReadKind::Transactional).as_units_f64(), 2.0);
    }

    #[test]
    fn consumed_totals_include_indexes() {
        let mut c = Consumed {
            table_write: HalfUnits(2),
            ..Default::default()
        };
        c.add_gsi("g", HalfUnits::ZERO, HalfUnits(4));
        c.add_lsi("l", HalfUnits::ZERO, HalfUnits(2));
        assert_eq!(c.total_write().as_units_f64(), 4.0);
    }
}
