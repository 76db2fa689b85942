//! The bill: an hourly ledger per table and GSI of on-demand request units, provisioned
//! capacity-hours and storage, priced from [`Prices`].
//!
//! Provisioned capacity and storage are integrated over time: every event first accrues the
//! current values up to `now` (split at hour boundaries), then changes them. Storage is
//! sampled after each write, as item bytes plus DynamoDB's 100-byte per-item overhead
//! (docs/design/capacity-model.md, "Cost").

use std::collections::BTreeMap;

use dynolab_capacity::pricing::Prices;
use dynolab_capacity::{Charge, Op, Target};
use dynolab_clock::Timestamp;
use serde_json::{Value, json};

const MICROS_PER_HOUR: u64 = 3_600_000_000;
const BYTES_PER_GB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Usage in one hour.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct HourUsage {
    pub read_request_units: f64,
    pub write_request_units: f64,
    pub rcu_hours: f64,
    pub wcu_hours: f64,
    pub gb_hours: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Billing {
    Provisioned { rcu: u64, wcu: u64 },
    OnDemand,
}

#[derive(Debug)]
struct ResourceLedger {
    billing: Billing,
    class: String,
    storage_bytes: f64,
    accrued_to: Timestamp,
    deleted: bool,
    hours: BTreeMap<u64, HourUsage>,
}

impl ResourceLedger {
    /// Integrates provisioned capacity and storage from `accrued_to` to `now`.
    fn accrue(&mut self, now: Timestamp) {
        let mut t = self.accrued_to.as_micros();
        let end = now.as_micros();
        while !self.deleted && t < end {
            let hour = t / MICROS_PER_HOUR;
            let slice_end = ((hour + 1) * MICROS_PER_HOUR).min(end);
            let fraction = (slice_end - t) as f64 / MICROS_PER_HOUR as f64;
            let usage = self.hours.entry(hour).or_default();
            if let Billing::Provisioned { rcu, wcu } = self.billing {
                usage.rcu_hours += rcu as f64 * fraction;
                usage.wcu_hours += wcu as f64 * fraction;
            }
            usage.gb_hours += self.storage_bytes / BYTES_PER_GB * fraction;
            t = slice_end;
        }
        self.accrued_to = self.accrued_to.max(now);
    }
}

/// The ledger of every table and GSI, keyed by (table, GSI name).
#[derive(Debug, Default)]
pub struct Ledger {
    resources: BTreeMap<(String, Option<String>), ResourceLedger>,
}

impl Ledger {
    /// Starts (or changes) the billing of a table or GSI from `now` on.
    pub fn set_billing(
        &mut self,
        table: &str,
        index: Option<&str>,
        billing: Billing,
        class: &str,
        now: Timestamp,
    ) {
        let entry = self
            .resources
            .entry((table.to_string(), index.map(str::to_string)))
            .or_insert_with(|| ResourceLedger {
                billing,
                class: class.to_string(),
                storage_bytes: 0.0,
                accrued_to: now,
                deleted: false,
                hours: BTreeMap::new(),
            });
        entry.accrue(now);
        entry.billing = billing;
        entry.class = class.to_string();
        entry.deleted = false;
    }

    /// Stops billing a table and its GSIs (DeleteTable); what was billed stays on the ledger.
    pub fn delete_table(&mut self, table: &str, now: Timestamp) {
        for ((t, _), r) in self.resources.iter_mut() {
            if t == table {
                r.accrue(now);
                r.deleted = true;
            }
        }
    }

    /// Stops billing GSIs of `table` that are not in `keep` (deleted by UpdateTable).
    pub fn retain_indexes(&mut self, table: &str, keep: &[&str], now: Timestamp) {
        for ((t, index), r) in self.resources.iter_mut() {
            if let Some(i) = index
                && t == table
                && !keep.contains(&i.as_str())
            {
                r.accrue(now);
                r.deleted = true;
            }
        }
    }

    pub fn set_storage(&mut self, table: &str, index: Option<&str>, bytes: f64, now: Timestamp) {
        if let Some(r) = self
            .resources
            .get_mut(&(table.to_string(), index.map(str::to_string)))
        {
            r.accrue(now);
            r.storage_bytes = bytes;
        }
    }

    /// Records an admitted request's units; only on-demand resources pay per request.
    pub fn record_request(&mut self, table: &str, charges: &[Charge], now: Timestamp) {
        for c in charges {
            let index = match &c.target {
                Target::Table => None,
                Target::Index(name) => Some(name.clone()),
            };
            let Some(r) = self.resources.get_mut(&(table.to_string(), index)) else {
                continue;
            };
            if r.billing != Billing::OnDemand {
                continue;
            }
            let usage = r
                .hours
                .entry(now.as_micros() / MICROS_PER_HOUR)
                .or_default();
            match c.op {
                Op::Read => usage.read_request_units += c.cost.as_units_f64(),
                Op::Write => usage.write_request_units += c.cost.as_units_f64(),
            }
        }
    }

    /// The bill so far and the monthly run rate, per table and component, as JSON.
    pub fn report(&mut self, prices: &Prices, now: Timestamp) -> Value {
        let mut tables: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        let mut grand_total = 0.0;
        let mut grand_monthly = 0.0;
        for ((table, index), r) in self.resources.iter_mut() {
            r.accrue(now);
            let p = prices.class(&r.class);
            let total: HourUsage = r.hours.values().fold(HourUsage::default(), |mut a, h| {
                a.read_request_units += h.read_request_units;
                a.write_request_units += h.write_request_units;
                a.rcu_hours += h.rcu_hours;
                a.wcu_hours += h.wcu_hours;
                a.gb_hours += h.gb_hours;
                a
            });
            let reads = total.read_request_units / 1e6 * p.on_demand_read_per_million;
            let writes = total.write_request_units / 1e6 * p.on_demand_write_per_million;
            let rcu = total.rcu_hours * p.provisioned_rcu_hour;
            let wcu = total.wcu_hours * p.provisioned_wcu_hour;
            let storage = total.gb_hours / prices.hours_per_month * p.storage_gb_month;
            let so_far = reads + writes + rcu + wcu + storage;
            // Run rate: provisioned capacity and storage as they are now, plus the last full
            // hour's on-demand requests, for a month.
            let last_hour = now.as_micros() / MICROS_PER_HOUR;
            let recent = r
                .hours
                .get(&last_hour.saturating_sub(1))
                .copied()
                .unwrap_or_default();
            let monthly = if r.deleted {
                0.0
            } else {
                let provisioned = match r.billing {
                    Billing::Provisioned { rcu, wcu } => {
                        rcu as f64 * p.provisioned_rcu_hour + wcu as f64 * p.provisioned_wcu_hour
                    }
                    Billing::OnDemand => {
                        recent.read_request_units / 1e6 * p.on_demand_read_per_million
                            + recent.write_request_units / 1e6 * p.on_demand_write_per_million
                    }
                };
                provisioned * prices.hours_per_month
                    + r.storage_bytes / BYTES_PER_GB * p.storage_gb_month
            };
            grand_total += so_far;
            grand_monthly += monthly;
            tables.entry(table.clone()).or_default().push(json!({
                "component": index.as_ref().map_or("table".to_string(), |i| format!("index {i}")),
                "table_class": r.class,
                "billing": match r.billing { Billing::OnDemand => "PAY_PER_REQUEST", Billing::Provisioned { .. } => "PROVISIONED" },
                "read_request_units": total.read_request_units,
                "write_request_units": total.write_request_units,
                "rcu_hours": total.rcu_hours,
                "wcu_hours": total.wcu_hours,
                "storage_gb_hours": total.gb_hours,
                "cost_so_far": {"reads": reads, "writes": writes, "provisioned_rcu": rcu, "provisioned_wcu": wcu, "storage": storage, "total": so_far},
                "monthly_run_rate": monthly,
                "deleted": r.deleted,
            }));
        }
        json!({
            "currency": prices.currency,
            "region": prices.region,
            "prices_as_of": prices.as_of,
            "total_so_far": grand_total,
            "monthly_run_rate": grand_monthly,
            "tables": tables,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dynolab_capacity::HalfUnits;

    #[test]
    fn provisioned_capacity_is_billed_by_the_hour_and_requests_only_on_demand() {
        let prices = Prices::us_east_1();
        let mut ledger = Ledger::default();
        ledger.set_billing(
            "p",
            None,
            Billing::Provisioned { rcu: 100, wcu: 10 },
            "STANDARD",
            Timestamp(0),
        );
        ledger.set_billing("o", None, Billing::OnDemand, "STANDARD", Timestamp(0));
        let write = Charge {
            target: Target::Table,
            op: Op::Write,
            hash: 0,
            cost: HalfUnits(2_000_000),
        };
        ledger.record_request("p", std::slice::from_ref(&write), Timestamp(10));
        ledger.record_request("o", &[write], Timestamp(10));
        let report = ledger.report(&prices, Timestamp(2 * MICROS_PER_HOUR));
        let p = &report["tables"]["p"][0];
        assert_eq!(p["rcu_hours"], 200.0);
        assert_eq!(p["write_request_units"], 0.0);
        let o = &report["tables"]["o"][0];
        assert_eq!(o["write_request_units"], 1_000_000.0);
        assert!((o["cost_so_far"]["writes"].as_f64().unwrap() - 0.625).abs() < 1e-9);
    }
}
