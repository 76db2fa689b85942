//! Findings: what the before run and the design show, each with its evidence.

use std::collections::{BTreeMap, BTreeSet};

use dynolab_design::{Projection, TableDesign};

use super::{Finding, FindingTable, peak_writes, top_share};
use crate::flows;
use crate::numbers::{count, days, pct, usd};
use crate::sim::{START_EPOCH_S, SimOptions, SimReport};
use crate::workload::{Class, Entity, Operation, Workload, render, template_attributes};

/// A key with at least this share of an index's writes is hot when the index throttles writes.
const HOT_KEY_SHARE: f64 = 0.10;

/// Every finding about the before design and its run, in the order the report lists them.
pub(super) fn findings(
    design: &TableDesign,
    workload: &Workload,
    before: &SimReport,
    options: &SimOptions,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let cap_w = options.capacity.partition_write_units_per_s as f64;
    let cap_r = options.capacity.partition_read_units_per_s as f64;
    // Evidence from the run.
    if before.throttled > 0 {
        // Each throttled request once, under the reasons it carried (the largest sets, the rest
        // summed), then grouped by the resources that refused it: both add up to the total.
        const SHOWN: usize = 6;
        let sets = &before.throttled_by_reasons;
        let mut rows: Vec<Vec<String>> = sets
            .iter()
            .take(SHOWN)
            .map(|set| vec![set.summary.clone(), count(set.requests)])
            .collect();
        if sets.len() > SHOWN {
            rows.push(vec![
                format!("{} other combinations of reasons", sets.len() - SHOWN),
                count(sets[SHOWN..].iter().map(|s| s.requests).sum()),
            ]);
        }
        rows.push(vec!["total".into(), count(before.throttled)]);
        let table = FindingTable {
            header: vec![
                "reasons each throttled request carried (each request once)".into(),
                format!("requests over {}", days(before.days)),
            ],
            rows,
        };
        let mut evidence = Vec::new();
        evidence.push(format!(
            "the {} throttled requests by the resources that refused them: {}",
            count(before.throttled),
            by_resources(&before.throttled_by_reasons)
        ));
        if let Some(h) = &before.busiest_hour {
            evidence.push(format!(
                "busiest hour: day {} {:02}:00 UTC, {} throttled of {} requests in that hour",
                h.hour / 24 + 1,
                h.hour % 24,
                count(h.throttled),
                count(h.requests)
            ));
        }
        evidence.push(format!(
            "{} requests failed after {} attempts over {}",
            count(before.failed),
            workload.retry.max_attempts,
            days(before.days)
        ));
        findings.push(Finding {
            leads_to: String::new(),
            table: Some(table),
            throttled: before.throttled,
            usd: 0.0,
            kind: "throttling",
            title: format!(
                "{} of {} requests throttled over {} ({:.1}%)",
                count(before.throttled),
                count(before.requests),
                days(before.days),
                before.throttled as f64 / before.requests.max(1) as f64 * 100.0
            ),
            evidence,
        });
    }
    for k in &before.top_keys {
        let cap = if k.op == "write" { cap_w } else { cap_r };
        if k.share >= 0.10 && (k.throttled > 0 || k.peak_units >= cap * 0.5) {
            findings.push(Finding {
                leads_to: String::new(),
                table: None,
                throttled: k.throttled,
                usd: 0.0,
                kind: "hot-key",
                title: format!("hot partition key {} on {}", k.key, k.resource),
                evidence: vec![
                    format!(
                        "{:.0}% of the requests addressed to {}",
                        k.share * 100.0,
                        k.resource
                    ),
                    format!(
                        "peak {} {} units/s offered against the partition cap of {} units/s",
                        count(k.peak_units.round() as u64),
                        k.op,
                        count(cap as u64)
                    ),
                    format!(
                        "{} of its {} requests throttled over {}",
                        count(k.throttled),
                        count(k.requests),
                        days(before.days)
                    ),
                ],
            });
        }
    }
    findings.extend(hot_index_keys(design, workload, before, cap_w));
    findings.extend(hot_items_and_shared_keys(
        design, workload, before, cap_w, cap_r,
    ));
    findings.extend(updates_rewriting_indexes(design, workload, before));
    if let Some(f) = over_provisioned(before) {
        findings.push(f);
    }
    let mut by_pk: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for g in &design.gsis {
        by_pk
            .entry(&g.partition_key.name)
            .or_default()
            .push(&g.name);
    }
    for (pk, names) in &by_pk {
        if names.len() > 1 {
            findings.push(Finding {
                leads_to: String::new(),
                table: None,
                throttled: 0,
                usd: 0.0,
                kind: "gsi-sprawl",
                title: format!("{} GSIs share the partition key {pk}", names.len()),
                evidence: vec![
                    format!(
                        "{}: every write to an item with {pk} writes all of them",
                        names.join(", ")
                    ),
                    "their hottest key is the same value in each, so they throttle together".into(),
                ],
            });
        }
    }
    let queried: BTreeSet<&str> = workload
        .patterns
        .iter()
        .filter_map(|p| p.index.as_deref())
        .collect();
    // The GSIs no pattern reads, in one finding: each with what it costs.
    let unused: Vec<(&str, f64)> = design
        .gsis
        .iter()
        .filter(|g| !queried.contains(g.name.as_str()))
        .map(|g| {
            let cost: f64 = before
                .cost
                .iter()
                .filter(|c| c.resource == g.name)
                .map(|c| c.usd)
                .sum();
            (g.name.as_str(), cost)
        })
        .collect();
    if !unused.is_empty() {
        let total: f64 = unused.iter().map(|u| u.1).sum();
        let title = match unused.as_slice() {
            [(name, _)] => format!("GSI {name} is never queried"),
            _ => format!("{} GSIs are never queried", unused.len()),
        };
        findings.push(Finding {
            leads_to: String::new(),
            table: Some(FindingTable {
                header: vec!["GSI".into(), format!("cost over {}", days(before.days))],
                rows: unused
                    .iter()
                    .map(|(name, cost)| vec![name.to_string(), usd(*cost)])
                    .collect(),
            }),
            throttled: 0,
            usd: total,
            kind: "unused-gsi",
            title,
            evidence: vec![format!(
                "no access pattern reads them; together they cost {} over the {}",
                usd(total),
                days(before.days)
            )],
        });
    }
    for g in &design.gsis {
        let patterns: Vec<_> = workload
            .patterns
            .iter()
            .filter(|p| p.index.as_deref() == Some(&g.name))
            .collect();
        if g.projection == Projection::All
            && !patterns.is_empty()
            && patterns.iter().all(|p| p.projection.is_some())
        {
            let needed: BTreeSet<String> = patterns
                .iter()
                .flat_map(|p| p.projection.clone().unwrap_or_default())
                .collect();
            findings.push(Finding {
                leads_to: String::new(),
                table: None,
                throttled: 0,
                usd: 0.0,
                kind: "wide-projection",
                title: format!(
                    "GSI {} projects ALL; its queries need {}",
                    g.name,
                    needed.iter().cloned().collect::<Vec<_>>().join(", ")
                ),
                evidence: vec![
                    "every write copies the whole item into the index and every read pays for it"
                        .into(),
                ],
            });
        }
    }
    for (p, stats) in workload.patterns.iter().zip(&before.patterns) {
        let ratio = p.items_read() as f64 / p.items_returned().max(1) as f64;
        if ratio >= 2.0 {
            findings.push(Finding {
                leads_to: String::new(),
                table: None,
                throttled: 0,
                usd: 0.0,
                kind: "filter",
                title: format!(
                    "{:?} reads {} items to return {}",
                    p.name,
                    p.items_read(),
                    p.items_returned()
                ),
                evidence: vec![format!(
                    "FilterExpression on {}: {:.1} read units per request, {:.0}% of them on items thrown away",
                    p.filter.join(", "),
                    stats.units_per_request,
                    (1.0 - 1.0 / ratio) * 100.0
                )],
            });
        }
        if p.operation == Operation::Scan {
            findings.push(Finding {
                leads_to: String::new(),
                table: None,
                throttled: 0,
                usd: 0.0,
                kind: "scan",
                title: match &p.index {
                    None => format!("{:?} is a Scan", p.name),
                    Some(index) => format!("{:?} is a Scan of index {index}", p.name),
                },
                evidence: vec![format!(
                    "{} requests over {}, {:.1} read units each",
                    count(stats.requests),
                    days(before.days),
                    stats.units_per_request
                )],
            });
        }
    }
    for (name, e) in &workload.entities {
        if let (Some(days), None) = (e.expire_after_days, &design.ttl_attribute) {
            findings.push(Finding {
                leads_to: String::new(),
                table: None,
                throttled: 0,
                usd: 0.0,
                kind: "ttl",
                title: format!(
                    "{name} items are not needed after {days} days and nothing deletes them"
                ),
                evidence: vec!["TTL deletes them for free (no write capacity)".into()],
            });
        }
    }
    findings
}

/// Provisioned capacity under 30% used, every resource and operation in one finding: a table
/// of what was provisioned and consumed, and the dollars paid for the unused part.
fn over_provisioned(before: &SimReport) -> Option<Finding> {
    let mut rows = Vec::new();
    let (mut wasted, mut lowest, mut highest) = (0.0, f64::MAX, 0.0_f64);
    for r in &before.resources {
        for (op, util, prov, avg, peak) in [
            (
                "read",
                r.read_utilization,
                r.read_provisioned_avg,
                r.read_avg,
                r.read_peak_minute,
            ),
            (
                "write",
                r.write_utilization,
                r.write_provisioned_avg,
                r.write_avg,
                r.write_peak_minute,
            ),
        ] {
            let (Some(u), Some(p)) = (util, prov) else {
                continue;
            };
            if u >= 30.0 {
                continue;
            }
            let paid: f64 = before
                .cost
                .iter()
                .filter(|c| c.resource == r.name && c.component == format!("provisioned {op}"))
                .map(|c| c.usd)
                .sum();
            let unused = paid * (1.0 - u / 100.0);
            wasted += unused;
            lowest = lowest.min(u);
            highest = highest.max(u);
            rows.push(vec![
                r.name.clone(),
                op.to_string(),
                format!("{} units/s", count(p.round() as u64)),
                format!("{avg:.1} units/s"),
                format!("{} units/s", count(peak.round() as u64)),
                pct(u),
                usd(unused),
            ]);
        }
    }
    if rows.is_empty() {
        return None;
    }
    Some(Finding {
        leads_to: String::new(),
        kind: "over-provisioned",
        title: format!(
            "provisioned capacity {}–{} used on {} resource settings: {} over {} paid for unused capacity",
            pct(lowest),
            pct(highest),
            rows.len(),
            usd(wasted),
            days(before.days)
        ),
        evidence: vec!["each table and index setting under 30% used, averaged over the run".into()],
        table: Some(FindingTable {
            header: [
                "resource",
                "capacity",
                "provisioned (avg)",
                "consumed (avg)",
                "busiest minute",
                "used",
                "paid for unused",
            ]
            .map(String::from)
            .to_vec(),
            rows,
        }),
        throttled: 0,
        usd: wasted,
    })
}

/// GSIs whose writes throttled on a key's partition (IndexWriteKeyRangeThroughputExceeded),
/// keyed on a template one value of which takes a large share of them: the writes of an
/// entity whose index key has few values at a time (a user type, the calendar day). The run
/// counts keys by the resource a request addresses, so an index written by table writes is
/// read from the design: the share of its key's top value, the entity's peak writes, and the
/// throttles by cause. GSIs keyed on the same template are one finding.
fn hot_index_keys(
    design: &TableDesign,
    workload: &Workload,
    before: &SimReport,
    cap_w: f64,
) -> Vec<Finding> {
    // (entity, template) → (GSIs, peak units on the key, share).
    type Hot<'a> = (Vec<&'a str>, f64, f64);
    let mut hot: BTreeMap<(&str, &str), Hot> = BTreeMap::new();
    // Refused by the partition the key is on, not by the index's provisioned throughput.
    let refuses_writes = |set: &crate::sim::ReasonSet, gsi: &str| {
        set.reasons
            .iter()
            .any(|c| *c == format!("IndexWriteKeyRangeThroughputExceeded ({gsi})"))
    };
    for g in &design.gsis {
        if !before
            .throttled_by_reasons
            .iter()
            .any(|set| refuses_writes(set, &g.name))
        {
            continue;
        }
        let sk = g.sort_key.as_ref().map(|k| k.name.as_str());
        for (ename, entity) in &workload.entities {
            if !flows::in_index(entity, &g.partition_key.name, sk) {
                continue;
            }
            let template = entity.layout[&g.partition_key.name].as_str();
            let share = top_share(entity, template);
            if share < HOT_KEY_SHARE {
                continue;
            }
            let keys: Vec<&str> = std::iter::once(g.partition_key.name.as_str())
                .chain(sk)
                .collect();
            let bytes = flows::projected_bytes(design, entity, &keys, &g.projection);
            let units = dynolab_capacity::write_cost(bytes, false).0 as f64 / 2.0;
            let e = hot.entry((ename, template)).or_default();
            e.0.push(&g.name);
            e.1 = peak_writes(workload, ename) * share * units;
            e.2 = share;
        }
    }
    let at = START_EPOCH_S + before.busiest_hour.as_ref().map_or(0, |h| h.hour * 3600);
    hot.into_iter()
        .map(|((ename, template), (gsis, peak, share))| {
            let example = top_value(&workload.entities[ename], template, at);
            // Each request once, however many of these indexes refused it.
            let throttled: u64 = before
                .throttled_by_reasons
                .iter()
                .filter(|set| gsis.iter().any(|g| refuses_writes(set, g)))
                .map(|set| set.requests)
                .sum();
            Finding {
                leads_to: String::new(),
                table: None,
                throttled,
                usd: 0.0,
                kind: "hot-key",
                title: format!("hot partition key {example} on {}", gsis.join(", ")),
                evidence: vec![
                    format!(
                        "every {ename} item written puts an entry under the key \"{template}\": {:.0}% of them on one value at a time ({example})",
                        share * 100.0
                    ),
                    format!(
                        "peak {} write units/s offered to that key against the partition cap of {} units/s",
                        count(peak.round() as u64),
                        count(cap_w.round() as u64)
                    ),
                    format!(
                        "{} writes refused by the partition of that key (IndexWriteKeyRangeThroughputExceeded on {})",
                        count(throttled),
                        gsis.join(", ")
                    ),
                ],
            }
        })
        .collect()
}

/// Items past DynamoDB's per-item limits (one item lives on one partition: 1,000 write and 3,000
/// read units a second, whatever the partitioning or the capacity), and partition keys that
/// several entities share, with their combined peak.
fn hot_items_and_shared_keys(
    design: &TableDesign,
    workload: &Workload,
    before: &SimReport,
    cap_w: f64,
    cap_r: f64,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let pk = &design.partition_key.name;
    let key_stats = |key: &str| {
        before
            .top_keys
            .iter()
            .filter(|k| k.key == key && k.resource == design.name)
            .map(|k| (k.throttled, k.requests))
            .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
    };
    for (template, members) in super::design::key_groups(design, workload) {
        let Some(first) = members.first() else {
            continue;
        };
        let entity0 = &workload.entities[&first.entity];
        let key = top_value(entity0, &template, START_EPOCH_S);
        let (throttled, requests) = key_stats(&key);
        for m in &members {
            let entity = &workload.entities[&m.entity];
            if !super::design::one_item_per_key(design, entity) {
                continue;
            }
            let share = top_share(entity, &template);
            let item = match &design.sort_key {
                Some(sk) => format!(
                    "{key} / {}",
                    top_value(entity, &entity.layout[&sk.name], START_EPOCH_S)
                ),
                None => key.clone(),
            };
            let patterns = |write: bool| -> Vec<(String, f64)> {
                workload
                    .patterns
                    .iter()
                    .filter(|p| {
                        p.entity == m.entity && p.index.is_none() && p.operation.is_write() == write
                    })
                    .filter_map(|p| {
                        let peak = crate::workload::DailyCurve::new(&p.rate).ok()?.peak() * share;
                        Some((p.name.clone(), peak))
                    })
                    .collect()
            };
            let reads: f64 = patterns(false).iter().map(|p| p.1).sum::<f64>()
                * dynolab_capacity::read_cost(
                    entity.item_bytes,
                    dynolab_capacity::ReadKind::Eventual,
                )
                .0 as f64
                / 2.0;
            for (op, units, cap) in [("write", m.item_peak, cap_w), ("read", reads, cap_r)] {
                if units <= cap {
                    continue;
                }
                let by: Vec<String> = patterns(op == "write")
                    .iter()
                    .map(|(name, peak)| format!("{name:?} {} a second", count(peak.round() as u64)))
                    .collect();
                out.push(Finding {
                    leads_to: String::new(),
                    table: None,
                    throttled,
                    usd: 0.0,
                    kind: "hot-item",
                    title: format!(
                        "hot item {item} ({}): {} {op} units/s at peak, past DynamoDB's per-item limit of {} {op} units/s",
                        m.entity,
                        count(units.round() as u64),
                        count(cap as u64)
                    ),
                    evidence: vec![
                        format!("{} on this one item: {}", if op == "write" { "writes" } else { "reads" }, by.join(", ")),
                        "an item lives on one partition and cannot be split across partitions: no partitioning, sharding of its key by a suffix calculated from its id, capacity or auto-scaling maximum raises the limit".into(),
                        if m.aggregate {
                            "it is updated in place and read as a whole (a counter): split it into sub-items".into()
                        } else if op == "read" {
                            "reads of one item: cache it (DAX or the application), or read it eventually consistent; the advisor does not split an item that is not updated in place".into()
                        } else {
                            "written whole, not updated in place: no split is possible; the advisor leaves it (spread its writes in time, or give each writer an item of its own)".into()
                        },
                    ],
                });
            }
        }
        if members.len() > 1 {
            let combined: f64 = members.iter().map(|m| m.peak_units).sum();
            if combined > cap_w * 0.5 {
                out.push(Finding {
                    leads_to: String::new(),
                    table: None,
                    throttled,
                    usd: 0.0,
                    kind: "shared-key",
                    title: format!(
                        "partition key {key} is shared by {}: combined peak {} write units/s against the partition cap of {}",
                        members.iter().map(|m| m.entity.as_str()).collect::<Vec<_>>().join(" and "),
                        count(combined.round() as u64),
                        count(cap_w as u64)
                    ),
                    evidence: vec![
                        format!(
                            "{pk} = \"{template}\" for each of them; at peak: {}",
                            members
                                .iter()
                                .map(|m| format!("{} {} WCU/s", m.entity, count(m.peak_units.round() as u64)))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        format!(
                            "{} of the {} requests to {key} throttled over {} (retries included)",
                            count(throttled),
                            count(requests),
                            days(before.days)
                        ),
                        "one key, one partition: the key's load is the sum of every entity written under it, so it gets one sharding decision".into(),
                    ],
                });
            }
        }
    }
    out
}

/// Updates that change an attribute a GSI projects, when none of that index's queries need it:
/// each such update rewrites the index entry, for nothing.
fn updates_rewriting_indexes(
    design: &TableDesign,
    workload: &Workload,
    before: &SimReport,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for g in &design.gsis {
        let queries: Vec<_> = workload
            .patterns
            .iter()
            .filter(|p| p.index.as_deref() == Some(&g.name))
            .collect();
        let sk = g.sort_key.as_ref().map(|k| k.name.as_str());
        let keys: Vec<&str> = std::iter::once(g.partition_key.name.as_str())
            .chain(sk)
            .collect();
        for (p, stats) in workload.patterns.iter().zip(&before.patterns) {
            if p.operation != Operation::UpdateItem || p.changes.is_empty() {
                continue;
            }
            let entity = &workload.entities[&p.entity];
            if !flows::in_index(entity, &g.partition_key.name, sk)
                || flows::index_writes(entity, p, &keys, &g.projection) != 1
            {
                continue;
            }
            // Every query of the index says what it needs, and none needs what changes.
            let unneeded: Vec<&String> = p
                .changes
                .iter()
                .filter(|c| {
                    queries.iter().all(|q| {
                        q.projection
                            .as_ref()
                            .is_some_and(|needed| !needed.contains(c))
                    })
                })
                .collect();
            if unneeded.len() != p.changes.len() {
                continue;
            }
            let size = flows::projected_bytes(design, entity, &keys, &g.projection);
            let units = dynolab_capacity::write_cost(size, false).0 as f64 / 2.0;
            let peak = crate::workload::DailyCurve::new(&p.rate)
                .map(|c| c.peak())
                .unwrap_or(0.0)
                * units;
            let admitted = stats.requests - stats.throttled;
            let changed = unneeded
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", ");
            out.push(Finding {
                leads_to: String::new(),
                table: None,
                throttled: 0,
                usd: 0.0,
                kind: "update-projection",
                title: format!(
                    "{:?} rewrites GSI {} on every update: it changes {changed}, which {} projects and none of its queries need",
                    p.name, g.name, g.name
                ),
                evidence: vec![
                    format!(
                        "DynamoDB writes an index when an update changes a key or a projected attribute of it; {} projects {}",
                        g.name,
                        match &g.projection {
                            Projection::All => "ALL".to_string(),
                            Projection::KeysOnly => "KEYS_ONLY".to_string(),
                            Projection::Include(a) => format!("INCLUDE {}", a.join(", ")),
                        }
                    ),
                    format!(
                        "{} index write units/s at peak, {} index write units over {} ({} admitted updates x {} unit{})",
                        count(peak.round() as u64),
                        count((admitted as f64 * units).round() as u64),
                        days(before.days),
                        count(admitted),
                        units,
                        if units == 1.0 { "" } else { "s" }
                    ),
                    format!(
                        "with {} keyed on {} values, those writes land on few index partitions",
                        g.name, g.partition_key.name
                    ),
                ],
            });
        }
    }
    out
}

/// `template` with each attribute at its most frequent value at `epoch_s` (a spread attribute
/// stays `{name}`).
fn top_value(entity: &Entity, template: &str, epoch_s: u64) -> String {
    let values = template_attributes(template)
        .into_iter()
        .filter_map(|a| {
            let top = entity.attributes[&a]
                .classes_at(&a, epoch_s)
                .into_iter()
                .filter_map(|c| match c {
                    Class::Value { value, share } => Some((value, share)),
                    Class::Spread { .. } => None,
                })
                .max_by(|x, y| x.1.total_cmp(&y.1))?;
            Some((a, top.0))
        })
        .collect();
    render(template, &values)
}

/// Throttled requests grouped by the resources whose limits refused them (each request once):
/// `orders + gsi_a: 12, gsi_a: 3`.
fn by_resources(sets: &[crate::sim::ReasonSet]) -> String {
    let mut groups: Vec<(String, u64)> = Vec::new();
    for set in sets {
        let key = set.resources.join(" + ");
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, n)) => *n += set.requests,
            None => groups.push((key, set.requests)),
        }
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.1));
    groups
        .iter()
        .map(|(k, n)| format!("{} refused by {k}", count(*n)))
        .collect::<Vec<_>>()
        .join("; ")
}
