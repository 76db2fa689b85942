//! Workloads from what a running system leaves behind: a request log of `dynolab serve
//! --record`, or what AWS exports (CloudWatch consumed-capacity metrics and Contributor Insights
//! top keys). Pure functions from parsed input to a [`Workload`]; the CLI reads the files.
//!
//! Both are approximations, and the assumptions are written down here and in
//! docs/design/simulate.md ("Workloads from a log or from CloudWatch"):
//!
//! - One entity per table, named after it. Its layout maps the design's partition key to
//!   `"{pk}"` and the sort key (and every GSI sort key) to `"{id}"`, a unique attribute. A GSI's
//!   partition key gets an attribute of its own name (`"{user_type}"`), distributed as the keys its Queries
//!   asked for (log), or else spread evenly over as many values as the table's keys. Every item is in every GSI.
//! - Attributes are independent (as everywhere in the simulator); filters, projections and
//!   conditions are not visible in either input.
//! - The key distribution: every key with at least [`HOT_SHARE`] of the requests (at most
//!   [`crate::workload::MAX_EXPLICIT_VALUES`], the busiest first) is a `hot` value with its share;
//!   the rest are spread evenly over `distinct` = the number of keys observed.

use std::collections::BTreeMap;

use dynolab_design::TableDesign;
use serde::Deserialize;
use serde_json::Value;

use crate::workload::{
    Clock, Distinct, Distribution, Entity, Operation, Pattern, Rate, RetryPolicy, Spike,
    StorageModel, Workload, WorkloadError,
};

/// A key with at least this share of requests is followed as a `hot` value.
pub const HOT_SHARE: f64 = 0.01;
/// Largest item DynamoDB stores; item size estimates are capped here.
pub const MAX_ITEM_BYTES: u64 = 400 * 1024;
/// Item size assumed when the input tells nothing about it (one write unit).
pub const DEFAULT_ITEM_BYTES: u64 = 1000;
/// Distinct partition keys assumed for CloudWatch input without a top-keys report.
pub const DEFAULT_DISTINCT_KEYS: u64 = 10_000;
/// Seconds in a day: a log or series at least this long gets an `hourly` profile.
const DAY: f64 = 86_400.0;

fn err(msg: impl Into<String>) -> WorkloadError {
    WorkloadError(msg.into())
}

/// One line of `dynolab serve --record`.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct LogLine {
    pub t: f64,
    pub op: String,
    pub table: String,
    #[serde(default)]
    pub index: Option<String>,
    #[serde(default)]
    pub pk: Option<String>,
    #[serde(default)]
    pub read_units: f64,
    #[serde(default)]
    pub write_units: f64,
    #[serde(default)]
    pub items: u64,
    #[serde(default)]
    pub throttled: bool,
}

/// Parses a request log (JSON lines; blank lines are skipped).
pub fn parse_log(text: &str) -> Result<Vec<LogLine>, WorkloadError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| serde_json::from_str(l).map_err(|e| err(format!("line {}: {e}", n + 1))))
        .collect()
}

/// The simulator's operation for a logged one, and whether it reads strongly consistent.
/// TransactGetItems becomes a strongly consistent GetItem (half the units of a transactional
/// read); PartiQL statements become PutItem (when they wrote) or Query (when they read).
fn operation_of(line: &LogLine) -> (Operation, bool) {
    let op = match line.op.as_str() {
        "GetItem" => Operation::GetItem,
        "PutItem" => Operation::PutItem,
        "UpdateItem" => Operation::UpdateItem,
        "DeleteItem" => Operation::DeleteItem,
        "Query" => Operation::Query,
        "Scan" => Operation::Scan,
        "BatchGetItem" => Operation::BatchGetItem,
        "BatchWriteItem" => Operation::BatchWriteItem,
        "TransactWriteItems" => Operation::TransactWriteItems,
        "TransactGetItems" => return (Operation::GetItem, true),
        _ if line.write_units > 0.0 => Operation::PutItem,
        _ => Operation::Query,
    };
    (op, false)
}

/// Key counts → a distribution: hot values for busy keys, the rest spread.
fn key_distribution(counts: &BTreeMap<String, f64>, distinct_hint: Option<u64>) -> Distribution {
    let total: f64 = counts.values().sum();
    let mut ranked: Vec<(&String, f64)> = counts.iter().map(|(k, n)| (k, *n)).collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let mut hot = BTreeMap::new();
    if total > 0.0 {
        for (key, n) in ranked
            .iter()
            .take(crate::workload::MAX_EXPLICIT_VALUES)
            .filter(|(_, n)| n / total >= HOT_SHARE)
        {
            hot.insert((*key).clone(), round6(n / total));
        }
    }
    let observed = counts.len() as u64;
    let distinct = distinct_hint
        .unwrap_or(observed)
        .max(observed)
        .max(hot.len() as u64)
        .max(1);
    // Rounded shares must not add up past 1.
    let sum: f64 = hot.values().sum();
    if sum > 1.0 {
        for v in hot.values_mut() {
            *v /= sum;
        }
    }
    let bytes = counts.keys().map(|k| k.len() as u64).max();
    Distribution {
        distinct: Some(Distinct::Count(distinct)),
        hot,
        bytes,
        ..Distribution::default()
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Average per second and, when the samples span a day or more, 24 hourly multipliers.
/// `samples` are (epoch seconds, amount); `span` is (first, last covered second).
fn rate_of(samples: &[(f64, f64)], span: (f64, f64), per_request: f64) -> Rate {
    let seconds = (span.1 - span.0).max(1.0);
    let total: f64 = samples.iter().map(|(_, v)| v).sum();
    let base = total / seconds / per_request;
    let hourly = (seconds >= DAY).then(|| {
        // Seconds covered by each hour of the day, and the amount in it.
        let mut covered = [0.0f64; 24];
        let mut t = span.0;
        while t < span.1 {
            let next = ((t / 3600.0).floor() + 1.0) * 3600.0;
            let end = next.min(span.1);
            covered[hour_of(t)] += end - t;
            t = end;
        }
        let mut amount = [0.0f64; 24];
        for (t, v) in samples {
            amount[hour_of(*t)] += v;
        }
        let rates: Vec<f64> = (0..24)
            .map(|h| {
                if covered[h] > 0.0 {
                    amount[h] / covered[h]
                } else {
                    0.0
                }
            })
            .collect();
        let mean = rates.iter().sum::<f64>() / 24.0;
        rates
            .iter()
            .map(|r| if mean > 0.0 { round6(r / mean) } else { 1.0 })
            .collect()
    });
    Rate {
        base: round6(base),
        daily_peak: None,
        peak_hour: None,
        hourly,
        spikes: Vec::new(),
    }
}

/// A minute of the day is in a spike when its rate (averaged over the days covered) is more
/// than this many times the median minute of its hour, and more than twice the hour's mean.
const SPIKE_FACTOR: f64 = 3.0;
/// Spikes shorter than this many minutes are taken as noise.
const SPIKE_MIN_MINUTES: usize = 5;

/// Daily spikes of a per-minute series spanning a day or more: runs of at least
/// [`SPIKE_MIN_MINUTES`] minutes of the day whose rate, folded over the days covered, is more
/// than [`SPIKE_FACTOR`] times the median minute of their hour and twice the hour's mean. Each
/// run is a spike at its start time, of its length, at its mean rate above the median (in
/// requests per second: units / `per_request`). Returns the spikes and the samples with the
/// spikes' extra taken out (so the curve is computed without them, as `base` is defined).
fn spikes_of(
    samples: &[(f64, f64)],
    span: (f64, f64),
    period: f64,
    per_request: f64,
) -> (Vec<Spike>, Vec<(f64, f64)>) {
    const MINUTES: usize = 1440;
    if period > 60.0 || span.1 - span.0 < DAY {
        return (Vec::new(), samples.to_vec());
    }
    let minute_of_day = |t: f64| ((t.rem_euclid(DAY)) / 60.0).floor() as usize % MINUTES;
    let mut covered = vec![0.0f64; MINUTES];
    let mut t = (span.0 / 60.0).floor() * 60.0;
    while t < span.1 {
        covered[minute_of_day(t)] += 60.0;
        t += 60.0;
    }
    let mut amount = vec![0.0f64; MINUTES];
    for (t, v) in samples {
        amount[minute_of_day(*t)] += v;
    }
    let rate: Vec<f64> = (0..MINUTES)
        .map(|m| {
            if covered[m] > 0.0 {
                amount[m] / covered[m]
            } else {
                0.0
            }
        })
        .collect();
    let mut median = [0.0f64; 24];
    let mut mean = [0.0f64; 24];
    for h in 0..24 {
        let mut hour: Vec<f64> = rate[h * 60..(h + 1) * 60].to_vec();
        mean[h] = hour.iter().sum::<f64>() / 60.0;
        hour.sort_by(f64::total_cmp);
        median[h] = (hour[29] + hour[30]) / 2.0;
    }
    let spiking: Vec<bool> = (0..MINUTES)
        .map(|m| {
            let h = m / 60;
            rate[m] > SPIKE_FACTOR * median[h] && rate[m] > 2.0 * mean[h] && rate[m] > 0.0
        })
        .collect();
    let mut spikes = Vec::new();
    let mut scale = vec![1.0f64; MINUTES];
    let mut m = 0;
    while m < MINUTES {
        if !spiking[m] {
            m += 1;
            continue;
        }
        let start = m;
        while m < MINUTES && spiking[m] {
            m += 1;
        }
        if m - start < SPIKE_MIN_MINUTES {
            continue;
        }
        let extra: f64 =
            (start..m).map(|i| rate[i] - median[i / 60]).sum::<f64>() / (m - start) as f64;
        for i in start..m {
            scale[i] = median[i / 60] / rate[i];
        }
        spikes.push(Spike {
            at: vec![format!("{:02}:{:02}", start / 60, start % 60)],
            minutes: (m - start) as f64,
            rate: round6(extra / per_request),
        });
    }
    let rest = samples
        .iter()
        .map(|(t, v)| (*t, v * scale[minute_of_day(*t)]))
        .collect();
    (spikes, rest)
}

fn hour_of(t: f64) -> usize {
    ((t.rem_euclid(DAY)) / 3600.0).floor() as usize % 24
}

/// The layout of the one entity: table key, GSI keys.
fn layout(design: &TableDesign) -> BTreeMap<String, String> {
    let mut layout = BTreeMap::new();
    layout.insert(design.partition_key.name.clone(), "{pk}".to_string());
    if let Some(sk) = &design.sort_key {
        layout.insert(sk.name.clone(), "{id}".to_string());
    }
    for gsi in &design.gsis {
        layout
            .entry(gsi.partition_key.name.clone())
            .or_insert_with(|| {
                // The design attribute's own name (`{user_type}`), unless it is taken.
                let name = &gsi.partition_key.name;
                if name == "pk" || name == "id" {
                    format!("{{gsi_{name}}}")
                } else {
                    format!("{{{name}}}")
                }
            });
        if let Some(sk) = &gsi.sort_key {
            layout
                .entry(sk.name.clone())
                .or_insert_with(|| "{id}".to_string());
        }
    }
    for lsi in &design.lsis {
        layout
            .entry(lsi.sort_key.name.clone())
            .or_insert_with(|| "{id}".to_string());
    }
    layout
}

/// The attribute a GSI's partition key is made of in `layout` (`pk` when the GSI is keyed on
/// the table's partition key; several GSIs on one attribute share it).
fn index_attribute(
    design: &TableDesign,
    layout: &BTreeMap<String, String>,
    index: &str,
) -> Option<String> {
    let gsi = design.gsis.iter().find(|g| g.name == index)?;
    layout
        .get(&gsi.partition_key.name)
        .and_then(|t| crate::workload::template_attributes(t).into_iter().next())
}

/// The attributes the layout uses: `pk`, `id` (unique) and one per GSI partition key
/// attribute, each from `dists` or else spread evenly over as many values as `pk`.
fn attributes(
    layout: &BTreeMap<String, String>,
    pk: Distribution,
    dists: &BTreeMap<String, Distribution>,
) -> BTreeMap<String, Distribution> {
    let mut attrs = BTreeMap::new();
    for template in layout.values() {
        for attr in crate::workload::template_attributes(template) {
            let dist = match attr.as_str() {
                "pk" => pk.clone(),
                "id" => Distribution {
                    distinct: Some(Distinct::Word("unique".into())),
                    bytes: Some(16),
                    ..Distribution::default()
                },
                // Unknown (CloudWatch, or no Query on the index): spread evenly.
                _ => dists.get(&attr).cloned().unwrap_or_else(|| Distribution {
                    distinct: pk.distinct.clone(),
                    bytes: pk.bytes,
                    ..Distribution::default()
                }),
            };
            attrs.insert(attr, dist);
        }
    }
    attrs
}

/// What a pattern on `index` (none: the table) selects by: its partition key's attribute.
fn by_for(design: &TableDesign, index: &Option<String>) -> Vec<String> {
    let layout = layout(design);
    vec![
        index
            .as_deref()
            .and_then(|i| index_attribute(design, &layout, i))
            .unwrap_or_else(|| "pk".to_string()),
    ]
}

/// A workload from a request log of `dynolab serve --record`, for the table `design` names.
///
/// - Patterns: one per (operation, index), named `op` or `op on index`. Every logged attempt
///   is a request, throttled ones included, so retries of throttled requests count as demand
///   (the simulator adds its own retries on top: an overstatement where the log throttled).
/// - `rate.base` = requests / seconds between the first and last line (at least 1 s);
///   `hourly` = the rate of each hour of the day over its mean when the log spans a day or more.
/// - `items_read` (Query, Scan) = the average items an admitted request returned (at least 1).
/// - `item_bytes` = the average write units of admitted single-item writes × 1024 (an upper
///   bound: DynamoDB rounds each write up to the next KB; transactional writes halved), capped
///   at 400 KB; with no writes, the average read units per item × 8192 (an eventually
///   consistent read of up to 4 KB is 0.5 units); with neither, 1,000 bytes.
/// - `count` = keys observed × the average items per Query (at least 1).
pub fn from_log(
    lines: &[LogLine],
    design: &TableDesign,
    name: &str,
) -> Result<Workload, WorkloadError> {
    let lines: Vec<&LogLine> = lines.iter().filter(|l| l.table == design.name).collect();
    if lines.is_empty() {
        return Err(err(format!(
            "the log has no requests on table {}",
            design.name
        )));
    }
    let first = lines.iter().map(|l| l.t).fold(f64::INFINITY, f64::min);
    let last = lines.iter().map(|l| l.t).fold(f64::NEG_INFINITY, f64::max);
    // Keys per layout attribute: the table's from requests on the table, a GSI's from
    // requests on it (a GSI keyed on the table's partition key counts toward `pk`).
    let layout = layout(design);
    let mut counts: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    let mut observed: BTreeMap<String, Vec<(f64, &str)>> = BTreeMap::new();
    for l in &lines {
        let attr = match &l.index {
            None => "pk".to_string(),
            Some(i) => index_attribute(design, &layout, i).ok_or_else(|| {
                err(format!(
                    "the log reads index {i} of table {}, which the design does not have",
                    design.name
                ))
            })?,
        };
        if let Some(pk) = &l.pk {
            observed.entry(attr.clone()).or_default().push((l.t, pk));
            *counts
                .entry(attr)
                .or_default()
                .entry(pk.clone())
                .or_default() += 1.0;
        }
    }
    let clocks: BTreeMap<String, (Clock, String, String)> = observed
        .iter()
        .filter_map(|(attr, seen)| clock_of(seen).map(|c| (attr.clone(), c)))
        .collect();
    let table_keys = counts.remove("pk").unwrap_or_default();
    let pk = if table_keys.is_empty() {
        // Only index reads and scans: the table's keys are unknown; as many as an index's.
        let n = counts.values().map(|k| k.len()).max().unwrap_or(1);
        key_distribution(&BTreeMap::new(), Some(n as u64))
    } else {
        key_distribution(&table_keys, None)
    };
    let mut workload = build_from_log(&lines, design, name, (first, last), pk, &counts)?;
    let entity = workload
        .entities
        .get_mut(&design.name)
        .expect("one entity, named after the table");
    for (attr, (clock, before, after)) in clocks {
        entity.attributes.insert(
            attr.clone(),
            Distribution {
                clock: Some(clock),
                ..Distribution::default()
            },
        );
        for template in entity.layout.values_mut() {
            if *template == format!("{{{attr}}}") {
                *template = format!("{before}{{{attr}}}{after}");
            }
        }
    }
    workload.validate()?;
    Ok(workload)
}

/// Whether an attribute's keys follow the clock: every key logged contains the time of its
/// request to the minute, hour or day (`2026-12-05T14:05`, `2026-12-05T14`, `2026-12-05`,
/// tried in that order), with the same text around it (`DAY#` before, nothing after).
fn clock_of(seen: &[(f64, &str)]) -> Option<(Clock, String, String)> {
    [Clock::Minute, Clock::Hour, Clock::Day]
        .into_iter()
        .find_map(|clock| {
            let mut around: Option<(&str, &str)> = None;
            for (t, key) in seen {
                let value = clock.format(t.max(0.0) as u64);
                let at = key.find(&value)?;
                let here = (&key[..at], &key[at + value.len()..]);
                if *around.get_or_insert(here) != here {
                    return None;
                }
            }
            around.map(|(before, after)| (clock, before.to_string(), after.to_string()))
        })
}

fn build_from_log(
    lines: &[&LogLine],
    design: &TableDesign,
    name: &str,
    span: (f64, f64),
    pk: Distribution,
    index_keys: &BTreeMap<String, BTreeMap<String, f64>>,
) -> Result<Workload, WorkloadError> {
    let index_dists: BTreeMap<String, Distribution> = index_keys
        .iter()
        .map(|(i, k)| (i.clone(), key_distribution(k, None)))
        .collect();
    // Patterns.
    type PatternKey = (Operation, bool, Option<String>);
    let mut groups: BTreeMap<PatternKey, Vec<&LogLine>> = BTreeMap::new();
    for l in lines {
        let (op, consistent) = operation_of(l);
        let index = l.index.clone();
        groups.entry((op, consistent, index)).or_default().push(l);
    }
    let mut patterns = Vec::new();
    let mut query_items = Vec::new();
    for ((op, consistent, index), group) in &groups {
        let samples: Vec<(f64, f64)> = group.iter().map(|l| (l.t, 1.0)).collect();
        let admitted: Vec<&&LogLine> = group.iter().filter(|l| !l.throttled).collect();
        let items_read = matches!(op, Operation::Query | Operation::Scan).then(|| {
            let n = admitted.len().max(1) as f64;
            let avg = admitted.iter().map(|l| l.items as f64).sum::<f64>() / n;
            avg.round().max(1.0) as u64
        });
        if *op == Operation::Query {
            query_items.push(items_read.unwrap_or(1));
        }
        let pattern_name = match index {
            Some(i) => format!("{op:?} on {i}"),
            None => format!("{op:?}"),
        };
        patterns.push(Pattern {
            name: if *consistent {
                format!("{pattern_name} (consistent)")
            } else {
                pattern_name
            },
            entity: design.name.clone(),
            operation: *op,
            index: index.clone(),
            consistent: *consistent,
            items_read,
            items_returned: None,
            by: by_for(design, index),
            filter: Vec::new(),
            projection: None,
            changes: Vec::new(),
            newest_first: false,
            rate: rate_of(&samples, span, 1.0),
        });
    }
    // Item size from writes, else from reads.
    let writes: Vec<f64> = lines
        .iter()
        .filter(|l| !l.throttled && l.write_units > 0.0)
        .map(|l| {
            if l.op.starts_with("Transact") || l.op == "ExecuteTransaction" {
                l.write_units / 2.0
            } else {
                l.write_units
            }
        })
        .collect();
    let reads: Vec<f64> = lines
        .iter()
        .filter(|l| !l.throttled && l.read_units > 0.0 && l.items > 0)
        .map(|l| l.read_units / l.items as f64)
        .collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let item_bytes = if !writes.is_empty() {
        (mean(&writes) * 1024.0).round() as u64
    } else if !reads.is_empty() {
        (mean(&reads) * 8192.0).round() as u64
    } else {
        DEFAULT_ITEM_BYTES
    }
    .clamp(1, MAX_ITEM_BYTES);
    let keys = match &pk.distinct {
        Some(Distinct::Count(n)) => *n,
        _ => 1,
    };
    let per_key = query_items.iter().copied().max().unwrap_or(1).max(1);
    let workload = assemble(
        design,
        name,
        keys * per_key,
        item_bytes,
        pk,
        &index_dists,
        patterns,
    );
    workload.validate()?;
    Ok(workload)
}

fn assemble(
    design: &TableDesign,
    name: &str,
    count: u64,
    item_bytes: u64,
    pk: Distribution,
    index_keys: &BTreeMap<String, Distribution>,
    mut patterns: Vec<Pattern>,
) -> Workload {
    let layout = layout(design);
    let attributes = attributes(&layout, pk, index_keys);
    // A GSI keyed on an attribute the layout already fills has no attribute of its own.
    for p in &mut patterns {
        p.by.retain(|a| attributes.contains_key(a));
        if p.by.is_empty() {
            p.by.push("pk".into());
        }
    }
    let entity = Entity {
        count: count.max(1),
        item_bytes,
        attributes,
        layout,
        expire_after_days: None,
    };
    Workload {
        name: name.to_string(),
        days: 30.0,
        retry: RetryPolicy::default(),
        storage: StorageModel::Steady,
        entities: BTreeMap::from([(design.name.clone(), entity)]),
        patterns,
    }
}

/// A series of one metric: (epoch seconds, value) per period.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The metric name the label or id names.
    pub metric: String,
    /// The GSI the label or id names (none: the table).
    pub index: Option<String>,
    pub period: f64,
    pub points: Vec<(f64, f64)>,
}

const CONSUMED_READ: &str = "ConsumedReadCapacityUnits";
const CONSUMED_WRITE: &str = "ConsumedWriteCapacityUnits";

/// Parses `2026-11-24T01:50:00Z`, `…+00:00`, with optional fractions, or epoch seconds.
pub fn parse_timestamp(v: &Value) -> Option<f64> {
    if let Some(n) = v.as_f64() {
        return Some(n);
    }
    let s = v.as_str()?.trim();
    if let Ok(n) = s.parse::<f64>() {
        return Some(n);
    }
    let (date, time) = s.split_once(['T', ' '])?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (y, m, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    // The offset: Z, +HH:MM or -HH:MM after the time.
    let (clock, offset) = if let Some(c) = time.strip_suffix('Z') {
        (c, 0)
    } else if let Some(pos) = time.rfind(['+', '-']) {
        let (c, o) = time.split_at(pos);
        let sign = if o.starts_with('-') { -1 } else { 1 };
        let mut hm = o[1..].split(':').map(|p| p.parse::<i64>());
        let h = hm.next()?.ok()?;
        let mi = hm.next().transpose().ok()?.unwrap_or(0);
        (c, sign * (h * 3600 + mi * 60))
    } else {
        (time, 0)
    };
    let mut c = clock.split(':');
    let h: i64 = c.next()?.parse().ok()?;
    let mi: i64 = c.next()?.parse().ok()?;
    let sec: f64 = c.next().map_or(Ok(0.0), |p| p.parse()).ok()?;
    let days = dynolab_clock::days_from_civil(y, m, day);
    Some((days * 86_400 + h * 3600 + mi * 60 - offset) as f64 + sec)
}

/// The metric and GSI a label (or id) names: it must contain `ConsumedReadCapacityUnits` or
/// `ConsumedWriteCapacityUnits`; a GSI is named by `GlobalSecondaryIndexName=NAME` or by a
/// design GSI's name appearing in it as a word.
fn identify(text: &str, design: &TableDesign) -> Option<(String, Option<String>)> {
    let metric = [CONSUMED_READ, CONSUMED_WRITE]
        .into_iter()
        .find(|m| text.to_ascii_lowercase().contains(&m.to_ascii_lowercase()))?;
    let words: Vec<&str> = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || "_-.".contains(c)))
        .collect();
    let index = design
        .gsis
        .iter()
        .find(|g| words.contains(&g.name.as_str()))
        .map(|g| g.name.clone());
    Some((metric.to_string(), index))
}

/// The period of a series: the smallest gap between its timestamps (60 s for one point).
fn period_of(times: &[f64]) -> f64 {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|g| *g > 0.0)
        .fold(None, |min: Option<f64>, g| {
            Some(min.map_or(g, |m| m.min(g)))
        })
        .unwrap_or(60.0)
}

/// The consumed-capacity series of one exported file: `aws cloudwatch get-metric-statistics`
/// output (`Label` + `Datapoints` with `Sum`, or `Average` and `SampleCount`) or
/// `get-metric-data` output (`MetricDataResults`, values taken as Sums: ask for `Stat: Sum`).
/// Series of other metrics are skipped; a file with none is an error.
pub fn parse_metrics(doc: &Value, design: &TableDesign) -> Result<Vec<Series>, WorkloadError> {
    let mut out = Vec::new();
    if let Some(points) = doc.get("Datapoints").and_then(Value::as_array) {
        let label = doc.get("Label").and_then(Value::as_str).unwrap_or_default();
        let Some((metric, index)) = identify(label, design) else {
            return Err(err(format!(
                "get-metric-statistics output for {label:?}: only ConsumedReadCapacityUnits and ConsumedWriteCapacityUnits are read"
            )));
        };
        let mut series = Vec::new();
        for p in points {
            let t = p
                .get("Timestamp")
                .and_then(parse_timestamp)
                .ok_or_else(|| err(format!("{label}: a datapoint without a Timestamp")))?;
            let sum = match (p.get("Sum"), p.get("Average"), p.get("SampleCount")) {
                (Some(s), _, _) => s.as_f64(),
                (None, Some(a), Some(n)) => a.as_f64().zip(n.as_f64()).map(|(a, n)| a * n),
                _ => None,
            }
            .ok_or_else(|| {
                err(format!(
                    "{label}: datapoints need the Sum statistic (or Average with SampleCount): the Average of consumed capacity is per request, not per second"
                ))
            })?;
            series.push((t, sum));
        }
        series.sort_by(|a, b| a.0.total_cmp(&b.0));
        let times: Vec<f64> = series.iter().map(|p| p.0).collect();
        out.push(Series {
            metric,
            index,
            period: period_of(&times),
            points: series,
        });
    } else if let Some(results) = doc.get("MetricDataResults").and_then(Value::as_array) {
        for r in results {
            let label = r.get("Label").and_then(Value::as_str).unwrap_or_default();
            let id = r.get("Id").and_then(Value::as_str).unwrap_or_default();
            let Some((metric, index)) =
                identify(label, design).or_else(|| identify(&format!("{id} {label}"), design))
            else {
                continue;
            };
            let index = index.or_else(|| identify(id, design).and_then(|(_, i)| i));
            let times: Vec<f64> = r
                .get("Timestamps")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|t| {
                    parse_timestamp(t).ok_or_else(|| err(format!("{label}: bad timestamp {t}")))
                })
                .collect::<Result<_, _>>()?;
            let values: Vec<f64> = r
                .get("Values")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_f64)
                .collect();
            if times.len() != values.len() {
                return Err(err(format!(
                    "{label}: Timestamps and Values differ in length"
                )));
            }
            let mut points: Vec<(f64, f64)> = times.iter().copied().zip(values).collect();
            points.sort_by(|a, b| a.0.total_cmp(&b.0));
            out.push(Series {
                metric,
                index,
                period: period_of(&times),
                points,
            });
        }
    } else {
        return Err(err(
            "not get-metric-statistics output (Label, Datapoints) nor get-metric-data output (MetricDataResults)",
        ));
    }
    if out.is_empty() {
        return Err(err(
            "no ConsumedReadCapacityUnits or ConsumedWriteCapacityUnits series (name the metric in each query's Label)",
        ));
    }
    Ok(out)
}

/// Key popularity from `aws cloudwatch get-insight-rule-report` output: partition key (the
/// first of each contributor's `Keys`) → its aggregate value, and `ApproximateUniqueCount`.
pub fn parse_top_keys(doc: &Value) -> Result<(BTreeMap<String, f64>, Option<u64>), WorkloadError> {
    let contributors = doc
        .get("Contributors")
        .and_then(Value::as_array)
        .ok_or_else(|| err("not get-insight-rule-report output (no Contributors)"))?;
    let mut counts = BTreeMap::new();
    for c in contributors {
        let key = c
            .get("Keys")
            .and_then(Value::as_array)
            .and_then(|k| k.first())
            .and_then(Value::as_str)
            .ok_or_else(|| err("a contributor without Keys"))?;
        let value = c
            .get("ApproximateAggregateValue")
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        *counts.entry(key.to_string()).or_default() += value;
    }
    // Contributors outside the top list: the rest of AggregateValue.
    let total = doc.get("AggregateValue").and_then(Value::as_f64);
    let listed: f64 = counts.values().sum();
    let unique = doc.get("ApproximateUniqueCount").and_then(Value::as_u64);
    if let Some(total) = total
        && total > listed
    {
        counts.insert(String::new(), total - listed);
    }
    Ok((counts, unique))
}

/// How CloudWatch units become requests.
#[derive(Clone, Debug)]
pub struct CloudWatchAssumptions {
    /// Item size: 1,000 bytes (one write unit, half a read unit eventually consistent).
    pub item_bytes: u64,
    /// Reads are strongly consistent (1 unit per 4 KB) instead of eventually (0.5).
    pub consistent_reads: bool,
}

impl Default for CloudWatchAssumptions {
    fn default() -> Self {
        CloudWatchAssumptions {
            item_bytes: DEFAULT_ITEM_BYTES,
            consistent_reads: false,
        }
    }
}

/// A workload from CloudWatch consumed capacity and, optionally, Contributor Insights.
///
/// - Units per second = the Sum of a period / the period (the smallest gap between
///   timestamps; 60 s for a single point); `rate.base` is their average over the span of all
///   the series (first timestamp to last + one period) and `hourly` its profile by hour of the
///   day when the span is at least a day. Periods CloudWatch has no datapoint for count as zero.
/// - Spikes: in a per-minute series of a day or more, runs of 5 minutes or more of the day
///   (folded over the days) at more than 3 times the median minute of their hour (and twice
///   its mean) are daily `spikes` at their start time, at their mean rate above that median;
///   `base` and `hourly` are computed without that extra.
/// - Table writes become PutItem of `item_bytes` (1,000 bytes: 1 WCU each), table reads
///   GetItem (eventually consistent: 0.5 RCU each), GSI reads Query on that GSI reading one
///   item. GSI write metrics are not turned into requests: the simulator charges GSI writes
///   from the table's writes and the design (every item is in every GSI).
/// - Top keys: each contributor's share of the report's AggregateValue (what is not listed is
///   spread over the others); `distinct` = ApproximateUniqueCount. Without a report the key is
///   spread evenly over 10,000 keys.
pub fn from_cloudwatch(
    series: &[Series],
    top_keys: Option<(BTreeMap<String, f64>, Option<u64>)>,
    design: &TableDesign,
    name: &str,
    assume: &CloudWatchAssumptions,
) -> Result<Workload, WorkloadError> {
    let write_units = assume.item_bytes.div_ceil(1024) as f64;
    let read_units =
        assume.item_bytes.div_ceil(4096) as f64 * if assume.consistent_reads { 1.0 } else { 0.5 };
    let mut patterns = Vec::new();
    // The span of the export: every series covers the same time, but CloudWatch has no
    // datapoint for a period without requests, so one series' first and last points may not
    // be the span's.
    let span = series
        .iter()
        .filter_map(|s| Some((s.points.first()?.0, s.points.last()?.0 + s.period)))
        .fold(None, |acc: Option<(f64, f64)>, (a, b)| {
            Some(acc.map_or((a, b), |(x, y)| (x.min(a), y.max(b))))
        });
    for s in series {
        if s.points.is_empty() {
            continue;
        }
        let (op, per_request) = match (s.metric.as_str(), &s.index) {
            (CONSUMED_WRITE, None) => (Operation::PutItem, write_units),
            (CONSUMED_WRITE, Some(_)) => continue,
            (_, None) => (Operation::GetItem, read_units),
            (_, Some(_)) => (Operation::Query, read_units),
        };
        let (first, last) =
            span.unwrap_or((s.points[0].0, s.points[s.points.len() - 1].0 + s.period));
        let (spikes, rest) = spikes_of(&s.points, (first, last), s.period, per_request);
        let mut rate = rate_of(&rest, (first, last), per_request);
        rate.spikes = spikes;
        let name = match &s.index {
            Some(i) => format!("{op:?} on {i}"),
            None => format!("{op:?}"),
        };
        if let Some(p) = patterns.iter_mut().find(|p: &&mut Pattern| p.name == name) {
            // Two files with the same metric: their rates add.
            p.rate.base = round6(p.rate.base + rate.base);
            continue;
        }
        patterns.push(Pattern {
            name,
            entity: design.name.clone(),
            operation: op,
            index: s.index.clone(),
            consistent: assume.consistent_reads && !op.is_write(),
            items_read: (op == Operation::Query).then_some(1),
            items_returned: None,
            by: by_for(design, &s.index),
            filter: Vec::new(),
            projection: None,
            changes: Vec::new(),
            newest_first: false,
            rate,
        });
    }
    if patterns.is_empty() {
        return Err(err(format!(
            "no consumed read or write capacity of table {} in the metrics",
            design.name
        )));
    }
    let pk = match top_keys {
        Some((counts, unique)) => {
            let mut dist = key_distribution(&counts, unique);
            dist.hot.remove("");
            if let (Some(Distinct::Count(n)), Some(u)) = (&dist.distinct, unique) {
                dist.distinct = Some(Distinct::Count(
                    (*n).min(u.max(dist.hot.len() as u64).max(1)),
                ));
            }
            dist
        }
        None => Distribution {
            distinct: Some(Distinct::Count(DEFAULT_DISTINCT_KEYS)),
            ..Distribution::default()
        },
    };
    let keys = match &pk.distinct {
        Some(Distinct::Count(n)) => *n,
        _ => DEFAULT_DISTINCT_KEYS,
    };
    let workload = assemble(
        design,
        name,
        keys,
        assume.item_bytes,
        pk,
        &BTreeMap::new(),
        patterns,
    );
    workload.validate()?;
    Ok(workload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn design() -> TableDesign {
        TableDesign::from_json(
            &json!({
                "TableName": "orders",
                "AttributeDefinitions": [
                    {"AttributeName": "PK", "AttributeType": "S"},
                    {"AttributeName": "SK", "AttributeType": "S"},
                    {"AttributeName": "status", "AttributeType": "S"}
                ],
                "KeySchema": [
                    {"AttributeName": "PK", "KeyType": "HASH"},
                    {"AttributeName": "SK", "KeyType": "RANGE"}
                ],
                "BillingMode": "PAY_PER_REQUEST",
                "GlobalSecondaryIndexes": [{
                    "IndexName": "by_status",
                    "KeySchema": [
                        {"AttributeName": "status", "KeyType": "HASH"},
                        {"AttributeName": "SK", "KeyType": "RANGE"}
                    ],
                    "Projection": {"ProjectionType": "ALL"}
                }]
            })
            .to_string(),
        )
        .unwrap()
    }

    fn line(t: f64, op: &str, pk: &str, index: Option<&str>, r: f64, w: f64, items: u64) -> String {
        json!({"t": t, "op": op, "table": "orders", "index": index, "pk": pk,
               "read_units": r, "write_units": w, "items": items, "throttled": false})
        .to_string()
    }

    #[test]
    fn a_log_becomes_hot_keys_patterns_and_sizes() {
        let mut text = String::new();
        // 100 s: 80 puts of 3 KB on USER#premium, 20 on 20 other keys; 10 queries on by_status.
        for i in 0..100 {
            let pk = if i < 80 {
                "USER#premium".to_string()
            } else {
                format!("USER#{i}")
            };
            text += &line(1000.0 + i as f64, "PutItem", &pk, None, 0.0, 3.0, 1);
            text.push('\n');
        }
        for i in 0..10 {
            text += &line(
                1000.0 + i as f64 * 10.0,
                "Query",
                "PAID",
                Some("by_status"),
                2.0,
                0.0,
                4,
            );
            text.push('\n');
        }
        text += "{\"t\": 1099, \"op\": \"PutItem\", \"table\": \"other\", \"pk\": \"x\", \"write_units\": 9, \"items\": 1}\n";
        let lines = parse_log(&text).unwrap();
        let w = from_log(&lines, &design(), "recorded").unwrap();
        let e = &w.entities["orders"];
        assert_eq!(e.layout["PK"], "{pk}");
        assert_eq!(e.layout["SK"], "{id}");
        assert_eq!(e.layout["status"], "{status}");
        assert_eq!(e.item_bytes, 3 * 1024);
        let pk = &e.attributes["pk"];
        assert_eq!(pk.hot["USER#premium"], 0.8);
        assert_eq!(pk.hot.len(), 16, "the top 16 keys at 1% each: {:?}", pk.hot);
        assert_eq!(pk.distinct, Some(Distinct::Count(21)));
        assert_eq!(e.attributes["status"].hot["PAID"], 1.0);
        let put = w.patterns.iter().find(|p| p.name == "PutItem").unwrap();
        assert!(
            (put.rate.base - 100.0 / 99.0).abs() < 1e-4,
            "{}",
            put.rate.base
        );
        assert_eq!(put.rate.hourly, None);
        let q = w
            .patterns
            .iter()
            .find(|p| p.name == "Query on by_status")
            .unwrap();
        assert_eq!(q.index.as_deref(), Some("by_status"));
        assert_eq!(q.items_read, Some(4));
        assert_eq!(w.patterns.len(), 2);
        // It round-trips through the TOML the other commands read.
        assert_eq!(Workload::from_toml(&w.to_toml()).unwrap(), w);
    }

    #[test]
    fn keys_that_are_the_day_or_hour_of_their_request_follow_the_clock() {
        // Two days of puts on the day's key, and queries of the hour's key on by_status.
        let start = 1_796_428_800.0; // 2026-12-05T00:00:00Z
        let mut text = String::new();
        for i in 0..48 {
            let t = start + i as f64 * 3600.0 + 59.0;
            let day = if i < 24 { "2026-12-05" } else { "2026-12-06" };
            text += &line(t, "PutItem", &format!("DAY#{day}"), None, 0.0, 1.0, 1);
            text.push('\n');
            let hour = format!("{day}T{:02}", i % 24);
            text += &line(
                t,
                "Query",
                &format!("H#{hour}#x"),
                Some("by_status"),
                1.0,
                0.0,
                2,
            );
            text.push('\n');
        }
        let w = from_log(&parse_log(&text).unwrap(), &design(), "x").unwrap();
        let e = &w.entities["orders"];
        assert_eq!(e.layout["PK"], "DAY#{pk}");
        assert_eq!(e.attributes["pk"].clock, Some(Clock::Day));
        assert_eq!(e.layout["status"], "H#{status}#x");
        assert_eq!(e.attributes["status"].clock, Some(Clock::Hour));
        // One key that is not its request's day: not a clock.
        text += &line(start + 5.0, "PutItem", "DAY#2026-12-04", None, 0.0, 1.0, 1);
        let w = from_log(&parse_log(&text).unwrap(), &design(), "x").unwrap();
        let e = &w.entities["orders"];
        assert_eq!(e.layout["PK"], "{pk}");
        assert_eq!(e.attributes["pk"].clock, None);
        assert_eq!(e.attributes["pk"].distinct, Some(Distinct::Count(3)));
    }

    #[test]
    fn a_gsi_on_the_table_partition_key_shares_its_attribute() {
        let mut d = design();
        d.gsis[0].partition_key = d.partition_key.clone();
        let text = line(5.0, "Query", "USER#1", Some("by_status"), 0.5, 0.0, 1);
        let w = from_log(&parse_log(&text).unwrap(), &d, "x").unwrap();
        let e = &w.entities["orders"];
        assert_eq!(e.layout["PK"], "{pk}");
        assert!(!e.attributes.contains_key("status"));
        assert_eq!(w.patterns[0].by, ["pk"]);
    }

    #[test]
    fn gsis_on_one_attribute_share_its_keys_and_unknown_indexes_are_refused() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/orders/before.tf"
        );
        let d = TableDesign::load(path).unwrap().remove(0);
        let mut text = String::new();
        for (i, index) in ["gsi_user_type_amount", "gsi_user_type_status"]
            .iter()
            .enumerate()
        {
            let row = json!({"t": i, "op": "Query", "table": "orders", "index": index,
                "pk": "premium", "read_units": 0.5, "items": 1});
            text += &format!("{row}\n");
        }
        let w = from_log(&parse_log(&text).unwrap(), &d, "x").unwrap();
        let e = &w.entities["orders"];
        let attr = &w.patterns[0].by[0];
        assert_eq!(&w.patterns[1].by[0], attr);
        assert_eq!(attr, "user_type");
        assert_eq!(e.layout["user_type"], "{user_type}");
        assert_eq!(e.attributes[attr].hot["premium"], 1.0);
        let bad = line(1.0, "Query", "x", Some("by_nothing"), 0.5, 0.0, 1);
        let e = from_log(&parse_log(&bad).unwrap(), &d, "x").unwrap_err();
        assert!(e.0.contains("index by_nothing"), "{e}");
    }

    #[test]
    fn a_log_of_two_days_gets_an_hourly_profile() {
        let mut text = String::new();
        // Days start at 0; 3 requests in hour 10 of each day, 1 in every other hour.
        for day in 0..2 {
            for h in 0..24 {
                let n = if h == 10 { 3 } else { 1 };
                for k in 0..n {
                    let t = day as f64 * DAY + h as f64 * 3600.0 + k as f64;
                    text += &line(t, "GetItem", "k", None, 0.5, 0.0, 1);
                    text.push('\n');
                }
            }
        }
        text += &line(2.0 * DAY, "GetItem", "k", None, 0.5, 0.0, 1);
        let w = from_log(&parse_log(&text).unwrap(), &design(), "x").unwrap();
        let hourly = w.patterns[0].rate.hourly.as_ref().expect("a profile");
        assert_eq!(hourly.len(), 24);
        assert!(hourly[10] > 2.5 * hourly[9], "{hourly:?}");
        // The item size from reads: 0.5 units per item is up to 4 KB.
        assert_eq!(w.entities["orders"].item_bytes, 4096);
    }

    #[test]
    fn a_daily_burst_in_per_minute_metrics_is_a_spike_and_not_part_of_the_curve() {
        // A day of writes at 60 units a minute (1/s), and 15 minutes from 10:00 at 660 a minute.
        let points: Vec<(f64, f64)> = (0..1440)
            .map(|m| {
                let v = if (600..615).contains(&m) { 660.0 } else { 60.0 };
                (m as f64 * 60.0, v)
            })
            .collect();
        let series = vec![Series {
            metric: CONSUMED_WRITE.into(),
            index: None,
            period: 60.0,
            points,
        }];
        let w = from_cloudwatch(&series, None, &design(), "x", &Default::default()).unwrap();
        let rate = &w.patterns[0].rate;
        assert_eq!(
            rate.spikes,
            vec![Spike {
                at: vec!["10:00".into()],
                minutes: 15.0,
                rate: 10.0
            }]
        );
        assert!((rate.base - 1.0).abs() < 1e-6, "{rate:?}");
        // Noise shorter than 5 minutes is not a spike.
        let mut points: Vec<(f64, f64)> = (0..1440).map(|m| (m as f64 * 60.0, 60.0)).collect();
        for point in &mut points[300..303] {
            point.1 = 600.0;
        }
        let series = vec![Series {
            metric: CONSUMED_WRITE.into(),
            index: None,
            period: 60.0,
            points,
        }];
        let w = from_cloudwatch(&series, None, &design(), "x", &Default::default()).unwrap();
        assert!(w.patterns[0].rate.spikes.is_empty());
    }

    #[test]
    fn a_bad_log_line_names_its_number() {
        let e = parse_log("{\"t\": 1, \"op\": \"GetItem\", \"table\": \"t\"}\n\nnot json\n")
            .unwrap_err();
        assert!(e.0.starts_with("line 3:"), "{e}");
        assert!(from_log(&[], &design(), "x").is_err());
    }

    #[test]
    fn timestamps_in_the_forms_the_cli_and_sdks_print() {
        assert_eq!(
            parse_timestamp(&json!("1970-01-02T00:00:00Z")),
            Some(86_400.0)
        );
        assert_eq!(
            parse_timestamp(&json!("2026-01-01T00:01:00+00:00")),
            Some(1_767_225_660.0)
        );
        assert_eq!(
            parse_timestamp(&json!("2026-01-01T01:01:00+01:00")),
            Some(1_767_225_660.0)
        );
        assert_eq!(
            parse_timestamp(&json!("2026-01-01T00:01:00.500Z")),
            Some(1_767_225_660.5)
        );
        assert_eq!(
            parse_timestamp(&json!(1_767_225_660.0)),
            Some(1_767_225_660.0)
        );
        assert_eq!(parse_timestamp(&json!("yesterday")), None);
    }

    #[test]
    fn get_metric_statistics_and_insights_become_puts_gets_and_hot_keys() {
        // As `aws cloudwatch get-metric-statistics --period 300 --statistics Sum` prints it
        // against dynolab serve (and AWS): ISO timestamps, one Sum per period.
        let writes = json!({"Label": "ConsumedWriteCapacityUnits", "Datapoints": [
            {"Timestamp": "2026-01-01T00:00:00+00:00", "Sum": 3000.0, "Unit": "Count"},
            {"Timestamp": "2026-01-01T00:05:00+00:00", "Sum": 6000.0, "Unit": "Count"}
        ]});
        // get-metric-data with two queries: table reads and reads of a GSI named in the label.
        let reads = json!({"MetricDataResults": [
            {"Id": "r", "Label": "ConsumedReadCapacityUnits", "Timestamps": [1767225600, 1767225660],
             "Values": [60.0, 60.0], "StatusCode": "Complete"},
            {"Id": "g", "Label": "ConsumedReadCapacityUnits by_status", "Timestamps": [1767225600],
             "Values": [30.0], "StatusCode": "Complete"},
            {"Id": "t", "Label": "ThrottledRequests", "Timestamps": [], "Values": []}
        ], "Messages": []});
        // get-insight-rule-report as dynolab serve answers it.
        let top = json!({"KeyLabels": ["PartitionKey"], "AggregationStatistic": "Sum",
            "AggregateValue": 100.0, "ApproximateUniqueCount": 50, "Contributors": [
                {"Keys": ["USER#premium"], "ApproximateAggregateValue": 80.0, "Datapoints": []},
                {"Keys": ["USER#standard"], "ApproximateAggregateValue": 15.0, "Datapoints": []}
            ], "MetricDatapoints": []});
        let d = design();
        let mut series = parse_metrics(&writes, &d).unwrap();
        assert_eq!(series[0].period, 300.0);
        series.extend(parse_metrics(&reads, &d).unwrap());
        assert_eq!(series.len(), 3);
        let keys = parse_top_keys(&top).unwrap();
        let w = from_cloudwatch(
            &series,
            Some(keys),
            &d,
            "cw",
            &CloudWatchAssumptions::default(),
        )
        .unwrap();
        let p = |n: &str| w.patterns.iter().find(|p| p.name == n).unwrap();
        // 9,000 WCU over 600 s = 15 WCU/s = 15 puts of 1 KB per second.
        assert_eq!(p("PutItem").rate.base, 15.0);
        // The series cover the same 600 s (CloudWatch has no datapoint for a quiet period):
        // 120 RCU over 600 s = 0.2 RCU/s = 0.4 eventually consistent reads per second.
        assert_eq!(p("GetItem").rate.base, 0.4);
        assert!(!p("GetItem").consistent);
        assert_eq!(p("Query on by_status").rate.base, 0.1);
        assert_eq!(p("Query on by_status").index.as_deref(), Some("by_status"));
        let pk = &w.entities["orders"].attributes["pk"];
        assert_eq!(pk.hot["USER#premium"], 0.8);
        assert_eq!(pk.hot["USER#standard"], 0.15);
        assert!(!pk.hot.contains_key(""));
        assert_eq!(pk.distinct, Some(Distinct::Count(50)));
        assert_eq!(w.entities["orders"].item_bytes, 1000);
        assert_eq!(Workload::from_toml(&w.to_toml()).unwrap(), w);
    }

    #[test]
    fn average_alone_is_refused_and_a_day_of_sums_gets_a_profile() {
        let avg = json!({"Label": "ConsumedWriteCapacityUnits", "Datapoints": [
            {"Timestamp": "2026-01-01T00:00:00Z", "Average": 1.0, "Unit": "Count"}]});
        let e = parse_metrics(&avg, &design()).unwrap_err();
        assert!(e.0.contains("Sum"), "{e}");
        assert!(parse_metrics(&json!({"Foo": 1}), &design()).is_err());
        // 24 hourly sums, the evening hour ten times the others.
        let points: Vec<Value> = (0..24)
            .map(|h| json!({"Timestamp": 1_767_225_600 + h * 3600, "Sum": if h == 19 { 36_000.0 } else { 3_600.0 }}))
            .collect();
        let doc = json!({"Label": "ConsumedWriteCapacityUnits", "Datapoints": points});
        let series = parse_metrics(&doc, &design()).unwrap();
        let w = from_cloudwatch(
            &series,
            None,
            &design(),
            "cw",
            &CloudWatchAssumptions::default(),
        )
        .unwrap();
        let rate = &w.patterns[0].rate;
        let hourly = rate.hourly.as_ref().unwrap();
        assert!((hourly[19] / hourly[0] - 10.0).abs() < 1e-3, "{hourly:?}");
        assert!(
            (rate.base - 33.0 * 3600.0 / DAY).abs() < 1e-3,
            "{}",
            rate.base
        );
        assert_eq!(
            w.entities["orders"].attributes["pk"].distinct,
            Some(Distinct::Count(DEFAULT_DISTINCT_KEYS))
        );
    }
}
