//! Partition load over time, for the page's heat map: units spent per partition of each table
//! and GSI, in 10-second buckets, for the last hour.

use std::collections::BTreeMap;

use dynolab_capacity::{Charge, Op, TableCapacity, Target};
use dynolab_clock::Timestamp;

/// Width of one heat-map column.
pub const BUCKET_MICROS: u64 = 10_000_000;
/// Columns kept: one hour.
pub const BUCKETS_KEPT: u64 = 360;

/// (read, write) units in one bucket of one partition.
pub type Cell = (f64, f64);

#[derive(Debug, Default)]
pub struct Heat {
    /// (table, target) → bucket → partition start hash → units.
    series: BTreeMap<(String, Target), BTreeMap<u64, BTreeMap<u64, Cell>>>,
}

impl Heat {
    pub fn record(
        &mut self,
        table: &str,
        capacity: &TableCapacity,
        charges: &[Charge],
        now: Timestamp,
    ) {
        let bucket = now.as_micros() / BUCKET_MICROS;
        for c in charges {
            let resource = match &c.target {
                Target::Table => &capacity.table,
                Target::Index(name) => match capacity.indexes.get(name) {
                    Some(r) => r,
                    None => continue,
                },
            };
            let start = resource.partition_start(c.hash);
            let series = self
                .series
                .entry((table.to_string(), c.target.clone()))
                .or_default();
            let cell = series.entry(bucket).or_default().entry(start).or_default();
            match c.op {
                Op::Read => cell.0 += c.cost.as_units_f64(),
                Op::Write => cell.1 += c.cost.as_units_f64(),
            }
            while series.len() as u64 > BUCKETS_KEPT {
                series.pop_first();
            }
        }
    }

    /// Buckets of one resource from `first_bucket` on.
    pub fn window(
        &self,
        table: &str,
        target: &Target,
        first_bucket: u64,
    ) -> Vec<(u64, &BTreeMap<u64, Cell>)> {
        self.series
            .get(&(table.to_string(), target.clone()))
            .map(|s| {
                s.range(first_bucket..)
                    .map(|(b, cells)| (*b, cells))
                    .collect()
            })
            .unwrap_or_default()
    }
}
