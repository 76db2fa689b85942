//! The workload file: what a table's clients do, independent of its design
//! (docs/design/simulate.md documents the format with the orders example).
//!
//! A workload names **entities** (the kinds of items: their count, size, and how often each
//! attribute value occurs), a **layout** per entity (how its items fill the design's attributes:
//! `PK = "USER#{user_id}"`), and **access patterns** (operation, entity, table or index, items
//! read and returned, filters, rate over time). The layout is the key design; advise rewrites
//! it, the rest stays the same for the before and after runs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Most attribute values followed one by one; beyond them a distribution is "spread".
pub const MAX_EXPLICIT_VALUES: usize = 16;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    pub name: String,
    /// Length of a run, in days (default 30).
    #[serde(default = "default_days")]
    pub days: f64,
    /// The client's retry policy for throttled requests.
    #[serde(default)]
    pub retry: RetryPolicy,
    /// What writes of new items do to storage (default: `steady`).
    #[serde(default)]
    pub storage: StorageModel,
    pub entities: BTreeMap<String, Entity>,
    pub patterns: Vec<Pattern>,
}

fn default_days() -> f64 {
    30.0
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts per request, the first included (the AWS SDKs' standard mode: 3).
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_attempts: 3 }
    }
}

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StorageModel {
    /// The table holds `count` items of each entity throughout: new items replace retired ones.
    #[default]
    Steady,
    /// Every write of a new item (an entity whose table key has a `distinct = "unique"`
    /// attribute) adds one and every DeleteItem removes one; storage, its bill and the
    /// partitions grow with them.
    Accumulate,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Entity {
    /// Items of this entity stored when the run starts.
    pub count: u64,
    /// Average item size in bytes, as DynamoDB counts it (names plus values).
    pub item_bytes: u64,
    /// How often each value of an attribute occurs in requests.
    #[serde(default)]
    pub attributes: BTreeMap<String, Distribution>,
    /// Design attribute → template over this entity's attributes (`"USER#{user_id}"`).
    pub layout: BTreeMap<String, String>,
    /// Items are no longer needed this many days after they are written (a TTL candidate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expire_after_days: Option<f64>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Distribution {
    /// Every value with its weight (weights are normalized).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, f64>,
    /// How many distinct values (`"unique"`: a new one every time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distinct: Option<Distinct>,
    /// Zipf exponent over the distinct values (none: uniform).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zipf: Option<f64>,
    /// Explicit hot values with their share of requests; the rest follow `distinct`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hot: BTreeMap<String, f64>,
    /// Size of a value in bytes (default: the longest explicit value, or 16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// The value is the simulated time of the request, to the day, hour or minute
    /// (`2026-12-05`, `2026-12-05T14`, `2026-12-05T14:05`, UTC): every request of that day,
    /// hour or minute has the same value. Alone: no `values`, `distinct`, `hot` or `zipf`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<Clock>,
}

/// The resolution of a value taken from the clock ([`Distribution::clock`]).
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    Day,
    Hour,
    Minute,
}

impl Clock {
    /// Seconds one value lasts.
    pub fn period_s(self) -> u64 {
        match self {
            Clock::Day => 86_400,
            Clock::Hour => 3_600,
            Clock::Minute => 60,
        }
    }

    /// The value at `epoch_s` (seconds since 1970, UTC): `2026-12-05`, `2026-12-05T14`,
    /// `2026-12-05T14:05`.
    pub fn format(self, epoch_s: u64) -> String {
        let days = (epoch_s / 86_400) as i64;
        let (y, m, d) = dynolab_clock::civil_from_days(days);
        let of_day = epoch_s % 86_400;
        let (hour, minute) = (of_day / 3_600, of_day % 3_600 / 60);
        match self {
            Clock::Day => format!("{y:04}-{m:02}-{d:02}"),
            Clock::Hour => format!("{y:04}-{m:02}-{d:02}T{hour:02}"),
            Clock::Minute => format!("{y:04}-{m:02}-{d:02}T{hour:02}:{minute:02}"),
        }
    }

    /// Bytes of a value.
    pub fn bytes(self) -> u64 {
        match self {
            Clock::Day => 10,
            Clock::Hour => 13,
            Clock::Minute => 16,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Distinct {
    Count(u64),
    Word(String),
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub enum Operation {
    GetItem,
    PutItem,
    UpdateItem,
    DeleteItem,
    Query,
    Scan,
    BatchGetItem,
    BatchWriteItem,
    TransactWriteItems,
}

impl Operation {
    pub fn is_write(self) -> bool {
        matches!(
            self,
            Operation::PutItem
                | Operation::UpdateItem
                | Operation::DeleteItem
                | Operation::BatchWriteItem
                | Operation::TransactWriteItems
        )
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Pattern {
    pub name: String,
    pub entity: String,
    pub operation: Operation,
    /// The index a Query or Scan reads (none: the table).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// Strongly consistent reads.
    #[serde(default)]
    pub consistent: bool,
    /// Items a Query or Scan reads per request (before any filter). Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items_read: Option<u64>,
    /// Items it returns (after the filter). Default: `items_read`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items_returned: Option<u64>,
    /// Entity attributes the pattern selects by: what the application knows when it asks
    /// ("a user's orders" is by `user_id`). Advise gives each set its own key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by: Vec<String>,
    /// Attributes of the FilterExpression.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filter: Vec<String>,
    /// Attributes the caller needs (none: the whole item).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projection: Option<Vec<String>>,
    /// For UpdateItem: the entity attributes it changes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    /// Newest first (a Query with ScanIndexForward = false).
    #[serde(default)]
    pub newest_first: bool,
    pub rate: Rate,
}

impl Pattern {
    pub fn items_read(&self) -> u64 {
        self.items_read.unwrap_or(1).max(1)
    }

    pub fn items_returned(&self) -> u64 {
        self.items_returned.unwrap_or(self.items_read())
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Rate {
    /// Average requests per second over a day, without spikes.
    pub base: f64,
    /// Peak of the daily curve as a multiple of the average (a smooth curve, mean 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_peak: Option<f64>,
    /// Hour (UTC) of the daily peak; default 19.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_hour: Option<f64>,
    /// Or: 24 hourly multipliers (normalized to mean 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hourly: Option<Vec<f64>>,
    /// Extra traffic at fixed times of day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub spikes: Vec<Spike>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Spike {
    /// Start times of day, `"HH:MM"` UTC.
    pub at: Vec<String>,
    pub minutes: f64,
    /// Requests per second during the spike, on top of the curve.
    pub rate: f64,
}

#[derive(Debug)]
pub struct WorkloadError(pub String);

impl std::fmt::Display for WorkloadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for WorkloadError {}

fn err(msg: impl Into<String>) -> WorkloadError {
    WorkloadError(msg.into())
}

/// The `{name}` placeholders of a template.
pub fn template_attributes(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push(rest[open + 1..open + close].to_string());
        rest = &rest[open + close + 1..];
    }
    out
}

/// `template` with each `{name}` replaced by `values[name]`.
pub fn render(template: &str, values: &BTreeMap<String, String>) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

impl Workload {
    /// How long a value taken from the clock lasts, the shortest of those the layouts use in
    /// a key or anywhere (none: no attribute follows the clock).
    pub fn clock_period_s(&self) -> Option<u64> {
        self.entities
            .values()
            .flat_map(|e| e.attributes.values())
            .filter_map(|d| d.clock)
            .map(Clock::period_s)
            .min()
    }

    /// Reads a workload from TOML (or JSON, by extension).
    pub fn load(path: &Path) -> Result<Workload, WorkloadError> {
        let text =
            std::fs::read_to_string(path).map_err(|e| err(format!("{}: {e}", path.display())))?;
        let workload = if path.extension().is_some_and(|e| e == "json") {
            serde_json::from_str(&text).map_err(|e| err(format!("{}: {e}", path.display())))?
        } else {
            Workload::from_toml(&text).map_err(|e| err(format!("{}: {e}", path.display())))?
        };
        Ok(workload)
    }

    pub fn from_toml(text: &str) -> Result<Workload, WorkloadError> {
        let workload: Workload = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        workload.validate()?;
        Ok(workload)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).expect("a workload serializes")
    }

    /// Checks what serde cannot: references, shares, templates.
    pub fn validate(&self) -> Result<(), WorkloadError> {
        if !(self.days > 0.0 && self.days <= 3660.0) {
            return Err(err("days must be between 0 and 3660"));
        }
        if self.retry.max_attempts == 0 {
            return Err(err("retry.max_attempts must be at least 1"));
        }
        for (name, entity) in &self.entities {
            if entity.item_bytes == 0 || entity.item_bytes > 400 * 1024 {
                return Err(err(format!(
                    "entity {name}: item_bytes must be between 1 and 409600"
                )));
            }
            for (attr, template) in &entity.layout {
                for used in template_attributes(template) {
                    if !entity.attributes.contains_key(&used) {
                        return Err(err(format!(
                            "entity {name}: layout {attr} = \"{template}\" uses {{{used}}}, which has no entry under [entities.{name}.attributes]"
                        )));
                    }
                }
            }
            for (attr, dist) in &entity.attributes {
                dist.validate()
                    .map_err(|e| err(format!("entity {name}, attribute {attr}: {e}")))?;
            }
        }
        let mut names = BTreeSet::new();
        for p in &self.patterns {
            if !names.insert(&p.name) {
                return Err(err(format!("two patterns are named {:?}", p.name)));
            }
            let Some(entity) = self.entities.get(&p.entity) else {
                return Err(err(format!(
                    "pattern {:?}: no entity {:?}",
                    p.name, p.entity
                )));
            };
            for a in p.by.iter().chain(&p.filter).chain(&p.changes) {
                if !entity.attributes.contains_key(a) {
                    return Err(err(format!(
                        "pattern {:?}: attribute {a} is not an attribute of {}",
                        p.name, p.entity
                    )));
                }
            }
            if p.rate.base < 0.0 || p.rate.spikes.iter().any(|s| s.rate < 0.0) {
                return Err(err(format!("pattern {:?}: rates must be >= 0", p.name)));
            }
            if p.items_returned() > p.items_read() {
                return Err(err(format!(
                    "pattern {:?}: items_returned is more than items_read",
                    p.name
                )));
            }
            DailyCurve::new(&p.rate).map_err(|e| err(format!("pattern {:?}: {e}", p.name)))?;
        }
        Ok(())
    }
}

/// One class of attribute values: a value followed on its own, or many values together.
#[derive(Clone, Debug, PartialEq)]
pub enum Class {
    Value {
        value: String,
        share: f64,
    },
    /// `share` of requests spread evenly over `distinct` values (`None`: unbounded).
    Spread {
        share: f64,
        distinct: Option<u64>,
    },
}

impl Class {
    pub fn share(&self) -> f64 {
        match self {
            Class::Value { share, .. } | Class::Spread { share, .. } => *share,
        }
    }
}

impl Distribution {
    fn distinct_count(&self) -> Result<Option<u64>, String> {
        match &self.distinct {
            None => Ok(None),
            Some(Distinct::Count(n)) if *n > 0 => Ok(Some(*n)),
            Some(Distinct::Count(_)) => Err("distinct must be at least 1".into()),
            Some(Distinct::Word(w)) if w == "unique" => Ok(None),
            Some(Distinct::Word(w)) => Err(format!(
                "distinct must be a number or \"unique\", not {w:?}"
            )),
        }
    }

    fn validate(&self) -> Result<(), String> {
        if self.clock.is_some() {
            if !self.values.is_empty()
                || self.distinct.is_some()
                || !self.hot.is_empty()
                || self.zipf.is_some()
            {
                return Err(
                    "`clock` gives the value: no `values`, `distinct`, `hot` or `zipf` with it"
                        .into(),
                );
            }
            return Ok(());
        }
        let distinct = self.distinct_count()?;
        if self.values.is_empty() && self.distinct.is_none() {
            return Err("give `values` or `distinct`".into());
        }
        if !self.values.is_empty() && (self.distinct.is_some() || !self.hot.is_empty()) {
            return Err("`values` lists every value: no `distinct` or `hot` with it".into());
        }
        if self
            .values
            .values()
            .chain(self.hot.values())
            .any(|w| *w < 0.0)
        {
            return Err("weights must be >= 0".into());
        }
        let hot: f64 = self.hot.values().sum();
        if hot > 1.0 + 1e-9 {
            return Err(format!("hot shares add up to {hot}, more than 1"));
        }
        if let (Some(n), false) = (distinct, self.hot.is_empty())
            && (self.hot.len() as u64) > n
        {
            return Err("more hot values than distinct values".into());
        }
        if self.zipf.is_some_and(|s| s <= 0.0) {
            return Err("zipf exponent must be > 0".into());
        }
        Ok(())
    }

    /// Average value size in bytes.
    pub fn value_bytes(&self) -> u64 {
        if let Some(clock) = self.clock {
            return clock.bytes();
        }
        self.bytes.unwrap_or_else(|| {
            self.values
                .keys()
                .chain(self.hot.keys())
                .map(|v| v.len() as u64)
                .max()
                .unwrap_or(16)
        })
    }

    /// The value classes at the start of a run, shares adding up to 1 (`attr` names generated
    /// values).
    pub fn classes(&self, attr: &str) -> Vec<Class> {
        self.classes_at(attr, crate::sim::START_EPOCH_S)
    }

    /// The value classes at `epoch_s`: a clock attribute is one value, the time of the request.
    pub fn classes_at(&self, attr: &str, epoch_s: u64) -> Vec<Class> {
        if let Some(clock) = self.clock {
            return vec![Class::Value {
                value: clock.format(epoch_s),
                share: 1.0,
            }];
        }
        if !self.values.is_empty() {
            let total: f64 = self.values.values().sum();
            return self
                .values
                .iter()
                .map(|(v, w)| Class::Value {
                    value: v.clone(),
                    share: if total > 0.0 { w / total } else { 0.0 },
                })
                .collect();
        }
        let mut out: Vec<Class> = self
            .hot
            .iter()
            .map(|(v, s)| Class::Value {
                value: v.clone(),
                share: *s,
            })
            .collect();
        let rest = (1.0 - self.hot.values().sum::<f64>()).max(0.0);
        if rest <= 0.0 {
            return out;
        }
        let distinct = self
            .distinct_count()
            .expect("validated")
            .map(|n| n.saturating_sub(self.hot.len() as u64).max(1));
        match (distinct, self.zipf) {
            (Some(n), Some(s)) => {
                // Zipf over n ranks: the top ranks on their own, the tail spread.
                let norm: f64 = harmonic(n, s);
                let top = (n as usize).min(MAX_EXPLICIT_VALUES);
                let mut taken = 0.0;
                for rank in 1..=top {
                    let p = (rank as f64).powf(-s) / norm;
                    taken += p;
                    out.push(Class::Value {
                        value: format!("{attr}-{rank}"),
                        share: rest * p,
                    });
                }
                if (n as usize) > top {
                    out.push(Class::Spread {
                        share: rest * (1.0 - taken).max(0.0),
                        distinct: Some(n - top as u64),
                    });
                }
            }
            (Some(n), None) if n as usize <= MAX_EXPLICIT_VALUES => {
                for i in 1..=n {
                    out.push(Class::Value {
                        value: format!("{attr}-{i}"),
                        share: rest / n as f64,
                    });
                }
            }
            (distinct, _) => out.push(Class::Spread {
                share: rest,
                distinct,
            }),
        }
        out
    }
}

/// Σ k^-s for k in 1..=n (exact up to a million terms, then an integral estimate of the tail).
fn harmonic(n: u64, s: f64) -> f64 {
    let exact = n.min(1_000_000);
    let mut sum: f64 = (1..=exact).map(|k| (k as f64).powf(-s)).sum();
    if n > exact {
        let (a, b) = (exact as f64 + 0.5, n as f64 + 0.5);
        sum += if (s - 1.0).abs() < 1e-12 {
            (b / a).ln()
        } else {
            (b.powf(1.0 - s) - a.powf(1.0 - s)) / (1.0 - s)
        };
    }
    sum
}

/// `"HH:MM"` (UTC) as the minute of the day.
pub fn minute_of_day(at: &str) -> Option<u32> {
    let (h, m) = at.split_once(':')?;
    let (h, m) = (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// A pattern's request rate through the day: a multiplier per minute (mean 1) and its spikes.
#[derive(Clone, Debug)]
pub struct DailyCurve {
    base: f64,
    per_minute: Vec<f64>,
}

impl DailyCurve {
    pub fn new(rate: &Rate) -> Result<DailyCurve, String> {
        let mut per_minute = vec![1.0; 1440];
        if let Some(hourly) = &rate.hourly {
            if hourly.len() != 24 || hourly.iter().any(|h| *h < 0.0) {
                return Err("hourly needs 24 multipliers >= 0".into());
            }
            let mean = hourly.iter().sum::<f64>() / 24.0;
            if mean <= 0.0 {
                return Err("hourly multipliers are all 0".into());
            }
            for (m, v) in per_minute.iter_mut().enumerate() {
                *v = hourly[m / 60] / mean;
            }
        } else if let Some(peak) = rate.daily_peak {
            if !(1.0..=12.0).contains(&peak) {
                return Err("daily_peak must be between 1 and 12".into());
            }
            let peak_hour = rate.peak_hour.unwrap_or(19.0);
            // A raised cosine to the power k, shifted to mean 1 and scaled to the peak; k is
            // the smallest power that keeps the quietest minute at or above zero.
            for k in 1..=32 {
                let u: Vec<f64> = (0..1440)
                    .map(|m| {
                        let hours = m as f64 / 60.0 - peak_hour;
                        ((1.0 + (hours / 24.0 * std::f64::consts::TAU).cos()) / 2.0).powi(k)
                    })
                    .collect();
                let mean = u.iter().sum::<f64>() / 1440.0;
                let curve: Vec<f64> = u
                    .iter()
                    .map(|x| 1.0 + (peak - 1.0) * (x - mean) / (1.0 - mean))
                    .collect();
                if curve.iter().all(|c| *c >= 0.0) {
                    per_minute = curve;
                    break;
                }
            }
        }
        let mut curve = DailyCurve {
            base: rate.base,
            per_minute: per_minute.iter().map(|m| m * rate.base).collect(),
        };
        for spike in &rate.spikes {
            if spike.minutes <= 0.0 || spike.minutes > 1440.0 {
                return Err("a spike lasts between 0 and 1440 minutes".into());
            }
            for at in &spike.at {
                let start = minute_of_day(at)
                    .ok_or_else(|| format!("spike time {at:?} is not HH:MM"))?
                    as usize;
                for minute in start..start + spike.minutes.ceil() as usize {
                    curve.per_minute[minute % 1440] += spike.rate;
                }
            }
        }
        Ok(curve)
    }

    /// Requests per second during minute `minute_of_day`.
    pub fn at_minute(&self, minute_of_day: usize) -> f64 {
        self.per_minute[minute_of_day % 1440]
    }

    /// Average requests per second over a day, spikes included.
    pub fn daily_mean(&self) -> f64 {
        self.per_minute.iter().sum::<f64>() / 1440.0
    }

    pub fn base(&self) -> f64 {
        self.base
    }

    /// Highest requests per second of the day.
    pub fn peak(&self) -> f64 {
        self.per_minute.iter().copied().fold(0.0, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_daily_curve_keeps_its_mean_and_peak() {
        let rate = Rate {
            base: 40.0,
            daily_peak: Some(2.5),
            peak_hour: Some(19.0),
            hourly: None,
            spikes: vec![],
        };
        let c = DailyCurve::new(&rate).unwrap();
        assert!((c.daily_mean() - 40.0).abs() < 1e-6, "{}", c.daily_mean());
        assert!((c.peak() - 100.0).abs() < 1e-6, "{}", c.peak());
        assert_eq!(c.at_minute(19 * 60), c.peak());
        assert!(c.per_minute.iter().all(|m| *m >= 0.0));
    }

    #[test]
    fn spikes_add_on_top() {
        let rate = Rate {
            base: 10.0,
            daily_peak: None,
            peak_hour: None,
            hourly: None,
            spikes: vec![Spike {
                at: vec!["23:50".into()],
                minutes: 15.0,
                rate: 800.0,
            }],
        };
        let c = DailyCurve::new(&rate).unwrap();
        assert_eq!(c.at_minute(23 * 60 + 50), 810.0);
        assert_eq!(c.at_minute(4), 810.0, "wraps past midnight");
        assert_eq!(c.at_minute(5), 10.0);
        assert!((c.daily_mean() - (10.0 + 800.0 * 15.0 / 1440.0)).abs() < 1e-9);
    }

    #[test]
    fn classes_add_up_to_one() {
        let cases = [
            Distribution {
                values: [("a".into(), 8.0), ("b".into(), 2.0)].into(),
                ..Default::default()
            },
            Distribution {
                distinct: Some(Distinct::Count(1000)),
                zipf: Some(1.1),
                ..Default::default()
            },
            Distribution {
                distinct: Some(Distinct::Word("unique".into())),
                hot: [("x".into(), 0.3)].into(),
                ..Default::default()
            },
            Distribution {
                distinct: Some(Distinct::Count(4)),
                ..Default::default()
            },
        ];
        for d in cases {
            d.validate().unwrap();
            let total: f64 = d.classes("k").iter().map(Class::share).sum();
            assert!((total - 1.0).abs() < 1e-9, "{d:?}: {total}");
        }
    }

    #[test]
    fn bad_workloads_say_what_is_wrong() {
        let cases = [
            (
                "name='x'\npatterns=[]\n[entities.e]\ncount=1\nitem_bytes=0\nlayout={}\n",
                "item_bytes",
            ),
            (
                "name='x'\npatterns=[]\n[entities.e]\ncount=1\nitem_bytes=10\nlayout={PK='A#{a}'}\n",
                "uses {a}",
            ),
            (
                "name='x'\n[entities.e]\ncount=1\nitem_bytes=10\nlayout={}\n[[patterns]]\nname='p'\nentity='f'\noperation='GetItem'\nrate={base=1}\n",
                "no entity",
            ),
            (
                "name='x'\n[entities.e]\ncount=1\nitem_bytes=10\nlayout={}\n[[patterns]]\nname='p'\nentity='e'\noperation='Fly'\nrate={base=1}\n",
                "unknown variant",
            ),
        ];
        for (text, expected) in cases {
            let e = Workload::from_toml(text).unwrap_err().to_string();
            assert!(e.contains(expected), "{e}");
        }
    }

    #[test]
    fn clock_values_are_the_day_hour_or_minute_of_the_request() {
        // 2026-12-05T14:05:09Z.
        let t = 1_796_479_509;
        assert_eq!(Clock::Day.format(t), "2026-12-05");
        assert_eq!(Clock::Hour.format(t), "2026-12-05T14");
        assert_eq!(Clock::Minute.format(t), "2026-12-05T14:05");
        let text = "name='x'\npatterns=[]\n[entities.e]\ncount=1\nitem_bytes=10\nlayout={PK='DAY#{date}'}\nattributes={date={clock='day'}}\n";
        let w = Workload::from_toml(text).unwrap();
        let date = &w.entities["e"].attributes["date"];
        assert_eq!(date.clock, Some(Clock::Day));
        assert_eq!(date.value_bytes(), 10);
        assert_eq!(
            date.classes_at("date", t),
            [Class::Value {
                value: "2026-12-05".into(),
                share: 1.0
            }]
        );
        assert_eq!(w.clock_period_s(), Some(86_400));
        assert_eq!(Workload::from_toml(&w.to_toml()).unwrap(), w);
        let both = text.replace("clock='day'", "clock='day', distinct=3");
        let e = Workload::from_toml(&both).unwrap_err().to_string();
        assert!(e.contains("`clock` gives the value"), "{e}");
    }

    #[test]
    fn templates_render() {
        assert_eq!(
            template_attributes("ORDER#{created_at}#{order_id}"),
            ["created_at", "order_id"]
        );
        let values = [("user_id".to_string(), "42".to_string())].into();
        assert_eq!(render("USER#{user_id}", &values), "USER#42");
    }
}
