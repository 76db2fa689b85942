//! The AWS/DynamoDB CloudWatch metrics of this endpoint, at one-minute resolution.
//!
//! Every data point is a statistic set (sum, count, min, max) per metric, dimension set and
//! minute, which is what GetMetricStatistics and GetMetricData aggregate over periods.
//! Recording takes `now` from the engine; nothing here reads a clock.

use std::collections::BTreeMap;

use dynolab_capacity::{Charge, LimitType, Op, Target, Throttle};
use dynolab_clock::Timestamp;

/// Metric name and its dimensions, sorted by dimension name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MetricId {
    pub name: &'static str,
    pub dimensions: Vec<(&'static str, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StatSet {
    pub sum: f64,
    pub count: u64,
    pub min: f64,
    pub max: f64,
}

impl StatSet {
    fn one(value: f64) -> StatSet {
        StatSet {
            sum: value,
            count: 1,
            min: value,
            max: value,
        }
    }

    pub fn merge(&mut self, other: &StatSet) {
        self.sum += other.sum;
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
}

/// Minutes since the epoch.
pub fn minute_of(now: Timestamp) -> u64 {
    now.as_micros() / 60_000_000
}

#[derive(Default, Debug)]
pub struct Metrics {
    points: BTreeMap<MetricId, BTreeMap<u64, StatSet>>,
}

fn table_dims(table: &str, target: &Target) -> Vec<(&'static str, String)> {
    match target {
        Target::Table => vec![("TableName", table.to_string())],
        Target::Index(index) => vec![
            ("GlobalSecondaryIndexName", index.clone()),
            ("TableName", table.to_string()),
        ],
    }
}

impl Metrics {
    pub fn record(
        &mut self,
        name: &'static str,
        dimensions: Vec<(&'static str, String)>,
        value: f64,
        now: Timestamp,
    ) {
        let minute = minute_of(now);
        let series = self
            .points
            .entry(MetricId { name, dimensions })
            .or_default();
        series
            .entry(minute)
            .and_modify(|s| s.merge(&StatSet::one(value)))
            .or_insert_with(|| StatSet::one(value));
    }

    /// Consumed capacity of an admitted request, per table or GSI (LSI capacity is the table's).
    pub fn record_consumed(&mut self, table: &str, charges: &[Charge], now: Timestamp) {
        let mut sums: BTreeMap<(Target, Op), f64> = BTreeMap::new();
        for c in charges {
            *sums.entry((c.target.clone(), c.op)).or_default() += c.cost.as_units_f64();
        }
        for ((target, op), units) in sums {
            let name = match op {
                Op::Read => "ConsumedReadCapacityUnits",
                Op::Write => "ConsumedWriteCapacityUnits",
            };
            self.record(name, table_dims(table, &target), units, now);
        }
    }

    /// One throttle event per throttled target and operation kind, plus the per-cause metric.
    pub fn record_throttles(&mut self, table: &str, throttles: &[Throttle], now: Timestamp) {
        let mut seen = std::collections::BTreeSet::new();
        for t in throttles {
            if seen.insert((t.target.clone(), t.op)) {
                let name = match t.op {
                    Op::Read => "ReadThrottleEvents",
                    Op::Write => "WriteThrottleEvents",
                };
                self.record(name, table_dims(table, &t.target), 1.0, now);
            }
            let cause: &'static str = match (t.op, t.limit) {
                (Op::Read, LimitType::KeyRangeThroughputExceeded) => {
                    "ReadKeyRangeThroughputThrottleEvents"
                }
                (Op::Write, LimitType::KeyRangeThroughputExceeded) => {
                    "WriteKeyRangeThroughputThrottleEvents"
                }
                (Op::Read, LimitType::ProvisionedThroughputExceeded) => {
                    "ReadProvisionedThroughputThrottleEvents"
                }
                (Op::Write, LimitType::ProvisionedThroughputExceeded) => {
                    "WriteProvisionedThroughputThrottleEvents"
                }
                (Op::Read, LimitType::AccountLimitExceeded) => "ReadAccountLimitThrottleEvents",
                (Op::Write, LimitType::AccountLimitExceeded) => "WriteAccountLimitThrottleEvents",
                (Op::Read, LimitType::MaxOnDemandThroughputExceeded) => {
                    "ReadMaxOnDemandThroughputThrottleEvents"
                }
                (Op::Write, LimitType::MaxOnDemandThroughputExceeded) => {
                    "WriteMaxOnDemandThroughputThrottleEvents"
                }
            };
            self.record(cause, table_dims(table, &t.target), 1.0, now);
        }
    }

    /// Every series whose name and dimensions match the filters.
    pub fn series(&self) -> impl Iterator<Item = (&MetricId, &BTreeMap<u64, StatSet>)> {
        self.points.iter()
    }

    /// The statistic set of one series over `[start_minute, end_minute)`, per `period_minutes`.
    pub fn aggregate(
        &self,
        id: &MetricId,
        start_minute: u64,
        end_minute: u64,
        period_minutes: u64,
    ) -> Vec<(u64, StatSet)> {
        let Some(series) = self.points.get(id) else {
            return Vec::new();
        };
        let period = period_minutes.max(1);
        let mut out: BTreeMap<u64, StatSet> = BTreeMap::new();
        for (minute, stats) in series.range(start_minute..end_minute) {
            let bucket = start_minute + (minute - start_minute) / period * period;
            out.entry(bucket)
                .and_modify(|s| s.merge(stats))
                .or_insert(*stats);
        }
        out.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dynolab_capacity::HalfUnits;

    #[test]
    fn consumption_aggregates_per_period() {
        let mut m = Metrics::default();
        let charge = |units: u64| Charge {
            target: Target::Table,
            op: Op::Write,
            hash: 0,
            cost: HalfUnits(units * 2),
        };
        for minute in 0..10u64 {
            m.record_consumed(
                "t",
                &[charge(minute + 1)],
                Timestamp(minute * 60_000_000 + 5),
            );
        }
        let id = MetricId {
            name: "ConsumedWriteCapacityUnits",
            dimensions: vec![("TableName", "t".into())],
        };
        let points = m.aggregate(&id, 0, 10, 5);
        assert_eq!(points.len(), 2);
        assert_eq!(points[0].1.sum, 15.0);
        assert_eq!(points[1].1.sum, 40.0);
        assert_eq!(points[1].1.max, 10.0);
    }
}
