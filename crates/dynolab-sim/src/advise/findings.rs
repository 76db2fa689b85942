//! Findings: what the before run and the design show, each with its evidence.

use std::collections::{BTreeMap, BTreeSet};

use dynolab_design::{Projection, TableDesign};

use super::{Finding, fmt_usd, peak_writes, top_share};
use crate::flows;
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
        // Each throttled request once, under the reasons it carried, then grouped by the
        // resources that refused it: both add up to the total.
        let mut evidence: Vec<String> = before
            .throttled_by_reasons
            .iter()
            .map(|set| match set.reasons.len() {
                1 => format!("{} requests throttled by {}", set.requests, set.summary),
                n => format!(
                    "{} requests throttled for {n} reasons at once: {}",
                    set.requests, set.summary
                ),
            })
            .collect();
        evidence.push(format!(
            "these add up to the {} throttled requests; by resource: {}",
            before.throttled,
            by_resources(&before.throttled_by_reasons)
        ));
        if let Some(h) = &before.busiest_hour {
            evidence.push(format!(
                "busiest hour: day {} {:02}:00 UTC, {} throttled of {} requests",
                h.hour / 24 + 1,
                h.hour % 24,
                h.throttled,
                h.requests
            ));
        }
        evidence.push(format!(
            "{} requests failed after {} attempts",
            before.failed, workload.retry.max_attempts
        ));
        findings.push(Finding {
            leads_to: String::new(),
            kind: "throttling",
            title: format!(
                "{} of {} requests throttled over {} days",
                before.throttled, before.requests, before.days
            ),
            evidence,
        });
    }
    for k in &before.top_keys {
        let cap = if k.op == "write" { cap_w } else { cap_r };
        if k.share >= 0.10 && (k.throttled > 0 || k.peak_units >= cap * 0.5) {
            findings.push(Finding {
                leads_to: String::new(),
                kind: "hot-key",
                title: format!("hot partition key {} on {}", k.key, k.resource),
                evidence: vec![
                    format!(
                        "{:.0}% of the requests addressed to {}",
                        k.share * 100.0,
                        k.resource
                    ),
                    format!(
                        "peak {:.0} {} units/s offered against the partition cap of {:.0}",
                        k.peak_units, k.op, cap
                    ),
                    format!("{} of its {} requests throttled", k.throttled, k.requests),
                ],
            });
        }
    }
    findings.extend(hot_index_keys(design, workload, before, cap_w));
    for r in &before.resources {
        for (op, util, prov, peak) in [
            (
                "read",
                r.read_utilization,
                r.read_provisioned_avg,
                r.read_peak_minute,
            ),
            (
                "write",
                r.write_utilization,
                r.write_provisioned_avg,
                r.write_peak_minute,
            ),
        ] {
            if let (Some(u), Some(p)) = (util, prov)
                && u < 30.0
            {
                findings.push(Finding {
                    leads_to: String::new(),
                    kind: "over-provisioned",
                    title: format!("{} {op} capacity {:.0}% used", r.name, u),
                    evidence: vec![format!(
                        "{p:.0} units provisioned on average, {:.1} consumed on average, {peak:.0} in the busiest minute",
                        if op == "read" { r.read_avg } else { r.write_avg }
                    )],
                });
            }
        }
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
    for g in &design.gsis {
        if !queried.contains(g.name.as_str()) {
            let cost: f64 = before
                .cost
                .iter()
                .filter(|c| c.resource == g.name)
                .map(|c| c.usd)
                .sum();
            findings.push(Finding {
                leads_to: String::new(),
                kind: "unused-gsi",
                title: format!("GSI {} is never queried", g.name),
                evidence: vec![format!(
                    "no access pattern reads it; it costs {} over the run",
                    fmt_usd(cost)
                )],
            });
        }
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
                kind: "scan",
                title: match &p.index {
                    None => format!("{:?} is a Scan", p.name),
                    Some(index) => format!("{:?} is a Scan of index {index}", p.name),
                },
                evidence: vec![format!(
                    "{} requests, {:.1} read units each",
                    stats.requests, stats.units_per_request
                )],
            });
        }
    }
    for (name, e) in &workload.entities {
        if let (Some(days), None) = (e.expire_after_days, &design.ttl_attribute) {
            findings.push(Finding {
                leads_to: String::new(),
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
                kind: "hot-key",
                title: format!("hot partition key {example} on {}", gsis.join(", ")),
                evidence: vec![
                    format!(
                        "every {ename} item written puts an entry under the key \"{template}\": {:.0}% of them on one value at a time ({example})",
                        share * 100.0
                    ),
                    format!(
                        "peak {peak:.0} write units/s offered to that key against the partition cap of {cap_w:.0}"
                    ),
                    format!(
                        "{throttled} writes refused by the partition of that key (IndexWriteKeyRangeThroughputExceeded on {})",
                        gsis.join(", ")
                    ),
                ],
            }
        })
        .collect()
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
        .map(|(k, n)| format!("{n} refused by {k}"))
        .collect::<Vec<_>>()
        .join("; ")
}
