//! The advisor: simulate the design, read the evidence, fix the key design, shard what is still
//! hot, fold the GSIs into overloaded ones, pick the capacity mode and table class from simulated
//! costs, and simulate the result on the same traffic (docs/design/simulate.md, "advise").

use std::collections::{BTreeMap, BTreeSet};

use dynolab_design::{
    AttrType, AutoScaling, Billing, Gsi, KeyAttr, Projection, ScalingTarget, ScheduledAction,
    TableClass, TableDesign,
};
use serde::Serialize;

use crate::flows;
use crate::sim::{SimError, SimOptions, SimReport, simulate};
use crate::workload::{
    Class, Distinct, Distribution, Entity, Operation, Workload, minute_of_day, template_attributes,
};

pub use crate::sim::RESERVED_1Y_DISCOUNT;
/// Keep a key under this share of its partition's cap; above it, shard (choice).
pub const PARTITION_HEADROOM: f64 = 0.8;
/// An attribute with fewer distinct values than this is low-cardinality (choice).
pub const HIGH_CARDINALITY: u64 = 1_000;

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub kind: &'static str,
    pub title: String,
    pub evidence: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Recommendation {
    pub kind: &'static str,
    pub title: String,
    pub detail: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ModeCost {
    pub mode: String,
    pub cost: f64,
    pub throttled: u64,
    pub chosen: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Advice {
    pub findings: Vec<Finding>,
    pub recommendations: Vec<Recommendation>,
    pub modes: Vec<ModeCost>,
    /// The after design, the one `after.tf` and `after.json` hold, and `after` is its run.
    pub after_design: TableDesign,
    pub after_workload: Workload,
    /// Whether `after` prices the provisioned capacity as 1-year reserved capacity (a purchase
    /// the design files cannot say; `dynolab simulate --reserved-capacity` prices it so).
    pub reserved_capacity: bool,
    pub before: SimReport,
    pub after: SimReport,
}

fn distinct_of(d: &Distribution) -> Option<u64> {
    if !d.values.is_empty() {
        return Some(d.values.len() as u64);
    }
    match &d.distinct {
        Some(Distinct::Count(n)) => Some(*n),
        _ => None,
    }
}

/// Many distinct values, none of them carrying 5% of the requests or more.
fn high_cardinality(d: &Distribution) -> bool {
    distinct_of(d).is_none_or(|n| n >= HIGH_CARDINALITY)
        && d.classes("x").iter().all(|c| match c {
            Class::Value { share, .. } => *share < 0.05,
            Class::Spread { .. } => true,
        })
}

fn fmt_usd(x: f64) -> String {
    format!("${x:.2}")
}

/// Largest share of requests one value combination of `template` gets.
fn top_share(entity: &Entity, template: &str) -> f64 {
    template_attributes(template)
        .iter()
        .map(|a| {
            entity.attributes[a]
                .classes(a)
                .iter()
                .map(|c| match c {
                    Class::Value { share, .. } => *share,
                    Class::Spread { share, distinct } => {
                        distinct.map_or(0.0, |n| share / n.max(1) as f64)
                    }
                })
                .fold(0.0, f64::max)
        })
        .product()
}

/// Peak writes per second of an entity (all write patterns, daily peak with spikes).
fn peak_writes(workload: &Workload, entity: &str) -> f64 {
    workload
        .patterns
        .iter()
        .filter(|p| p.entity == entity && p.operation.is_write())
        .filter_map(|p| crate::workload::DailyCurve::new(&p.rate).ok())
        .map(|c| c.peak())
        .sum()
}

/// Runs the whole advice: before, findings, the after design and workload, modes, after.
pub fn advise(
    design: &TableDesign,
    workload: &Workload,
    options: &SimOptions,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> Result<Advice, SimError> {
    let mut findings = Vec::new();
    let mut recs = Vec::new();
    let cap_w = options.capacity.partition_write_units_per_s as f64;
    let cap_r = options.capacity.partition_read_units_per_s as f64;

    // The after design.
    let mut after = design.clone();
    let mut after_w = workload.clone();
    let pk = design.partition_key.name.clone();
    for (ename, entity) in workload.entities.iter() {
        let Some(template) = entity.layout.get(&pk) else {
            continue;
        };
        let low: Vec<String> = template_attributes(template)
            .into_iter()
            .filter(|a| !high_cardinality(&entity.attributes[a]))
            .collect();
        let share = top_share(entity, template);
        let peak_units = peak_writes(workload, ename)
            * share
            * dynolab_capacity::write_cost(entity.item_bytes, false).0 as f64
            / 2.0;
        // Only a key that runs hot is redesigned: low cardinality alone is fine for a small
        // entity (a category of products).
        if peak_units < cap_w * PARTITION_HEADROOM * 0.5 {
            continue;
        }
        // A high-cardinality attribute the table's queries select by: filters first (they
        // read what they throw away), then what patterns are "by".
        let on_table = || {
            workload
                .patterns
                .iter()
                .filter(|p| p.entity == *ename && p.index.is_none())
        };
        let candidate = on_table()
            .flat_map(|p| &p.filter)
            .chain(on_table().flat_map(|p| &p.by))
            .find(|a| high_cardinality(&entity.attributes[*a]))
            .cloned();
        let ew = after_w.entities.get_mut(ename).expect("same entities");
        if let (Some(attr), false) = (candidate, low.is_empty()) {
            let mut new = template.clone();
            for a in &low {
                new = new.replace(&format!("{{{a}}}"), &format!("{{{attr}}}"));
            }
            // Two placeholders of the same attribute collapse into one.
            while new.contains(&format!("{{{attr}}}#{{{attr}}}")) {
                new = new.replace(&format!("{{{attr}}}#{{{attr}}}"), &format!("{{{attr}}}"));
            }
            recs.push(Recommendation {
                kind: "key-design",
                title: format!("partition {ename} items by {attr}: {pk} = \"{new}\""),
                detail: vec![
                    format!("was \"{template}\": {} carries {:.0}% of the traffic", low.join(", "), share * 100.0),
                    format!("{attr} is what the queries on the table select by (today through a FilterExpression)"),
                ],
            });
            ew.layout.insert(pk.clone(), new);
            for p in after_w
                .patterns
                .iter_mut()
                .filter(|p| p.entity == *ename && p.index.is_none())
            {
                if p.filter.contains(&attr) {
                    p.filter.retain(|f| *f != attr);
                    p.items_read = Some(p.items_returned());
                }
            }
        } else {
            // Write sharding: enough shards to keep the hottest key under the headroom.
            let shards = (peak_units / (cap_w * PARTITION_HEADROOM)).ceil().max(2.0) as u64;
            let calculated = workload
                .patterns
                .iter()
                .any(|p| p.entity == *ename && p.operation == Operation::GetItem);
            ew.attributes.insert(
                "shard".into(),
                Distribution {
                    distinct: Some(Distinct::Count(shards)),
                    bytes: Some(2),
                    ..Default::default()
                },
            );
            let new = format!("{template}#{{shard}}");
            ew.layout.insert(pk.clone(), new.clone());
            for p in after_w.patterns.iter_mut().filter(|p| {
                p.entity == *ename && p.index.is_none() && p.operation == Operation::Query
            }) {
                p.rate.base *= shards as f64;
                for s in &mut p.rate.spikes {
                    s.rate *= shards as f64;
                }
                p.items_read = Some(p.items_read().div_ceil(shards));
                p.items_returned = Some(p.items_returned().div_ceil(shards).min(p.items_read()));
            }
            recs.push(Recommendation {
                kind: "write-sharding",
                title: format!("shard {ename} writes {shards} ways: {pk} = \"{new}\""),
                detail: vec![
                    format!("peak {peak_units:.0} WCU/s on one key against a partition cap of {cap_w:.0} (kept under {:.0}%)", PARTITION_HEADROOM * 100.0),
                    if calculated {
                        "suffix calculated from the item's id (hash mod shards), so GetItem still finds it directly".into()
                    } else {
                        "random suffix".into()
                    },
                    format!("a Query on the key becomes {shards} queries (scatter-gather; dynolab-client does it)"),
                ],
            });
        }
    }

    // One overloaded GSI per distinct access key of an entity (GSI1, GSI2, …).
    let mut slots: BTreeMap<String, Vec<(String, Vec<String>)>> = BTreeMap::new();
    let mut new_gsis: BTreeMap<String, Gsi> = BTreeMap::new();
    let mut moved = Vec::new();
    for (pi, p) in workload.patterns.iter().enumerate() {
        let Some(index) = &p.index else { continue };
        let Some(old) = design.gsis.iter().find(|g| &g.name == index) else {
            continue;
        };
        let entity = after_w.entities[&p.entity].clone();
        // Served by the new table key?
        let table_attrs = template_attributes(&entity.layout[&pk]);
        if !p.by.is_empty() && p.by.iter().all(|b| table_attrs.contains(b)) {
            after_w.patterns[pi].index = None;
            moved.push(format!("{:?} now queries the table", p.name));
            continue;
        }
        let by = if p.by.is_empty() {
            template_attributes(&entity.layout[&old.partition_key.name])
        } else {
            p.by.clone()
        };
        let entity_slots = slots.entry(p.entity.clone()).or_default();
        let slot = match entity_slots.iter().position(|(_, b)| *b == by) {
            Some(i) => i,
            None => {
                entity_slots.push((String::new(), by.clone()));
                entity_slots.len() - 1
            }
        };
        let name = format!("GSI{}", slot + 1);
        entity_slots[slot].0 = name.clone();
        let gpk = format!("{name}PK");
        let gsk = format!("{name}SK");
        let mut gtemplate = by
            .iter()
            .map(|b| format!("{}#{{{b}}}", b.to_uppercase()))
            .collect::<Vec<_>>()
            .join("#");
        // Shard the index key too if one value would run hot.
        let share = top_share(&entity, &gtemplate);
        let peak = peak_writes(workload, &p.entity) * share;
        let mut fanout = 1;
        if peak >= cap_w * PARTITION_HEADROOM {
            fanout = (peak / (cap_w * PARTITION_HEADROOM)).ceil() as u64;
            let ew = after_w.entities.get_mut(&p.entity).expect("entity");
            ew.attributes.insert(
                "gsi_shard".into(),
                Distribution {
                    distinct: Some(Distinct::Count(fanout)),
                    bytes: Some(2),
                    ..Default::default()
                },
            );
            gtemplate = format!("{gtemplate}#{{gsi_shard}}");
            recs.push(Recommendation {
                kind: "write-sharding",
                title: format!("shard {name}PK {fanout} ways"),
                detail: vec![format!(
                    "{:.0} writes/s at peak on one {} value",
                    peak,
                    by.join("+")
                )],
            });
        }
        let sort_template = match &old.sort_key {
            Some(sk) if !by.contains(&sk.name) => entity.layout.get(&sk.name).cloned(),
            _ => None,
        }
        .or_else(|| {
            design
                .sort_key
                .as_ref()
                .and_then(|sk| entity.layout.get(&sk.name).cloned())
        });
        let ew = after_w.entities.get_mut(&p.entity).expect("entity");
        let added: u64 = gpk.len() as u64
            + flows::rendered_bytes(&gtemplate, ew)
            + sort_template
                .as_ref()
                .map_or(0, |t| gsk.len() as u64 + flows::rendered_bytes(t, ew));
        if !ew.layout.contains_key(&gpk) {
            ew.item_bytes += added;
        }
        ew.layout.insert(gpk.clone(), gtemplate.clone());
        if let Some(t) = &sort_template {
            ew.layout.insert(gsk.clone(), t.clone());
        }
        let projection: Option<BTreeSet<String>> =
            p.projection.as_ref().map(|v| v.iter().cloned().collect());
        let gsi = new_gsis.entry(name.clone()).or_insert_with(|| Gsi {
            name: name.clone(),
            partition_key: KeyAttr {
                name: gpk.clone(),
                ty: AttrType::S,
            },
            sort_key: sort_template.as_ref().map(|_| KeyAttr {
                name: gsk.clone(),
                ty: AttrType::S,
            }),
            projection: Projection::KeysOnly,
            provisioned: None,
            autoscaling: None,
        });
        gsi.projection = match (&gsi.projection, projection) {
            (Projection::All, _) | (_, None) => Projection::All,
            (Projection::KeysOnly, Some(attrs)) => include(attrs, ew),
            (Projection::Include(have), Some(attrs)) => {
                include(have.iter().cloned().chain(attrs).collect(), ew)
            }
        };
        let q = &mut after_w.patterns[pi];
        q.index = Some(name.clone());
        if fanout > 1 {
            q.rate.base *= fanout as f64;
            q.items_read = Some(q.items_read().div_ceil(fanout));
            q.items_returned = Some(q.items_returned().div_ceil(fanout).min(q.items_read()));
        }
        moved.push(format!(
            "{:?} queries {name} ({gpk} = \"{gtemplate}\")",
            p.name
        ));
    }
    // Entity attributes only old GSIs needed stay as plain item attributes.
    after.gsis = new_gsis.into_values().collect();
    if !design.gsis.is_empty() {
        recs.push(Recommendation {
            kind: "gsi-consolidation",
            title: format!(
                "replace {} GSIs with {} overloaded GSI{}",
                design.gsis.len(),
                after.gsis.len(),
                if after.gsis.len() == 1 { "" } else { "s" }
            ),
            detail: moved,
        });
    }
    if workload
        .entities
        .values()
        .any(|e| e.expire_after_days.is_some())
        && design.ttl_attribute.is_none()
    {
        after.ttl_attribute = Some("expires_at".into());
        recs.push(Recommendation {
            kind: "ttl",
            title: "enable TTL on expires_at".into(),
            detail: vec!["write expires_at = created_at + the retention on every item".into()],
        });
    }

    // Capacity mode: simulate each candidate on the after layout, pick the cheapest without
    // throttling.
    let mut on_demand = after.clone();
    on_demand.billing = Billing::OnDemand {
        max_read: None,
        max_write: None,
    };
    on_demand.autoscaling = None;
    for g in &mut on_demand.gsis {
        g.provisioned = None;
        g.autoscaling = None;
    }
    // The before design and the after design on demand are independent: run them side by side
    // (the machine this targets has two cores).
    let (before, od) = std::thread::scope(|scope| {
        let od = scope.spawn(|| simulate(&on_demand, &after_w, options, &mut |_, _| {}));
        let before = simulate(design, workload, options, &mut |d, t| {
            progress("before and on-demand", d, t)
        });
        (
            before,
            od.join().expect("the on-demand simulation does not panic"),
        )
    });
    let (before, od) = (before?, od?);
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
                kind: "scan",
                title: format!("{:?} is a Scan", p.name),
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
                kind: "ttl",
                title: format!(
                    "{name} items are not needed after {days} days and nothing deletes them"
                ),
                evidence: vec!["TTL deletes them for free (no write capacity)".into()],
            });
        }
    }

    let units = |name: &str, op: &str, f: &dyn Fn(f64) -> u64| -> u64 {
        od.resources.iter().find(|r| r.name == name).map_or(1, |r| {
            f(if op == "read" {
                r.read_peak_second
            } else {
                r.write_peak_second
            })
            .max(1)
        })
    };
    let fixed_units = |peak: f64| (peak / 0.9).ceil() as u64;
    let mut fixed = after.clone();
    fixed.billing = Billing::Provisioned {
        read: units(&after.name, "read", &fixed_units),
        write: units(&after.name, "write", &fixed_units),
    };
    fixed.autoscaling = None;
    for g in &mut fixed.gsis {
        g.provisioned = Some((
            units(&g.name, "read", &fixed_units),
            units(&g.name, "write", &fixed_units),
        ));
        g.autoscaling = None;
    }
    let avg_of = |name: &str, op: &str| {
        od.resources
            .iter()
            .find(|r| r.name == name)
            .map_or(1.0, |r| {
                if op == "read" {
                    r.read_avg
                } else {
                    r.write_avg
                }
            })
    };
    let target = |name: &str, op: &str| {
        let peak = units(name, op, &fixed_units);
        let min = ((avg_of(name, op) / 0.7).ceil() as u64).clamp(1, peak);
        ScalingTarget {
            min,
            max: peak.max(min),
            target_percent: 70.0,
            scheduled: Vec::new(),
        }
    };
    let mut scaled = after.clone();
    let t_read = target(&after.name, "read");
    let t_write = target(&after.name, "write");
    scaled.billing = Billing::Provisioned {
        read: t_read.min,
        write: t_write.min,
    };
    scaled.autoscaling = Some(AutoScaling {
        read: Some(t_read),
        write: Some(t_write),
    });
    for g in &mut scaled.gsis {
        let (r, w) = (target(&g.name, "read"), target(&g.name, "write"));
        g.provisioned = Some((r.min, w.min));
        g.autoscaling = Some(AutoScaling {
            read: Some(r),
            write: Some(w),
        });
    }
    // Known spikes (the workload's spike times) get scheduled actions: the floor goes to the
    // peak 15 minutes before each spike and back 5 minutes after it, on every dimension whose
    // peak is more than twice its floor.
    let windows = spike_windows(workload);
    let mut scheduled_design = scaled.clone();
    let schedule = |t: &mut ScalingTarget| {
        if t.max > 2 * t.min {
            for &(start, end) in &windows {
                t.scheduled.push(ScheduledAction {
                    minute_of_day: start,
                    min: t.max,
                    max: t.max,
                });
                t.scheduled.push(ScheduledAction {
                    minute_of_day: end,
                    min: t.min,
                    max: t.max,
                });
            }
        }
    };
    let mut targets: Vec<&mut AutoScaling> = scheduled_design
        .autoscaling
        .iter_mut()
        .chain(
            scheduled_design
                .gsis
                .iter_mut()
                .filter_map(|g| g.autoscaling.as_mut()),
        )
        .collect();
    for a in targets.iter_mut() {
        for t in [&mut a.read, &mut a.write].into_iter().flatten() {
            schedule(t);
        }
    }
    // The provisioned candidates are independent: run them side by side.
    let (fx, sc, ss) = std::thread::scope(|scope| {
        let fx = scope.spawn(|| simulate(&fixed, &after_w, options, &mut |_, _| {}));
        let ss = (!windows.is_empty()).then(|| {
            scope.spawn(|| simulate(&scheduled_design, &after_w, options, &mut |_, _| {}))
        });
        let sc = simulate(&scaled, &after_w, options, &mut |d, t| {
            progress("provisioned candidates", d, t)
        });
        let fx = fx.join().expect("a simulation does not panic");
        let ss = ss.map(|h| h.join().expect("a simulation does not panic"));
        (fx, sc, ss)
    });
    let (fx, sc, ss) = (fx?, sc?, ss.transpose()?);
    // (mode, design, its run, priced with reserved capacity).
    let reserved = crate::sim::with_reserved_capacity(fx.clone());
    let mut runs: Vec<(String, TableDesign, SimReport, bool)> = vec![
        ("on-demand".into(), on_demand, od, false),
        ("provisioned at the peak".into(), fixed.clone(), fx, false),
        (
            "provisioned with auto scaling (70% target)".into(),
            scaled,
            sc,
            false,
        ),
        // Reserved capacity is a purchase, not a design: the table is the fixed provisioned one,
        // its run priced with the discount.
        (
            "provisioned at the peak, 1-year reserved capacity".into(),
            fixed,
            reserved,
            true,
        ),
    ];
    if let Some(ss) = ss {
        runs.push((
            format!(
                "provisioned with auto scaling and scheduled scaling for the {} daily spikes",
                windows.len()
            ),
            scheduled_design,
            ss,
            false,
        ));
    }
    let mut modes: Vec<ModeCost> = runs
        .iter()
        .map(|(mode, _, report, _)| ModeCost {
            mode: mode.clone(),
            cost: report.cost_total,
            throttled: report.throttled,
            chosen: false,
        })
        .collect();
    let best = (0..modes.len())
        .min_by(|a, b| {
            (modes[*a].throttled, modes[*a].cost)
                .partial_cmp(&(modes[*b].throttled, modes[*b].cost))
                .expect("costs are numbers")
        })
        .expect("candidates");
    modes[best].chosen = true;
    let (_, chosen_design, chosen_report, reserved_capacity) = runs.swap_remove(best);
    recs.push(Recommendation {
        kind: "capacity-mode",
        title: format!("capacity mode: {}", modes[best].mode),
        detail: modes
            .iter()
            .map(|m| {
                format!(
                    "{}: {} over the run, {} throttled",
                    m.mode,
                    fmt_usd(m.cost),
                    m.throttled
                )
            })
            .collect(),
    });
    findings.push(Finding {
        kind: "capacity-mode",
        title: format!(
            "the design is {}",
            match design.billing {
                Billing::OnDemand { .. } => "on-demand",
                _ => "provisioned",
            }
        ),
        evidence: vec![format!(
            "the cheapest mode without throttling for the fixed design is {}",
            modes[best].mode
        )],
    });
    // Table class: Standard-IA pays off when storage dominates.
    let mut after_design = chosen_design;
    let storage = chosen_report.cost_of("storage");
    let throughput = chosen_report.cost_total - storage;
    let std = options.prices.class("STANDARD");
    let ia = options.prices.class("STANDARD_INFREQUENT_ACCESS");
    let ia_total = storage * ia.storage_gb_month / std.storage_gb_month
        + throughput * ia.on_demand_write_per_million / std.on_demand_write_per_million;
    let class = if ia_total < chosen_report.cost_total {
        TableClass::StandardInfrequentAccess
    } else {
        TableClass::Standard
    };
    recs.push(Recommendation {
        kind: "table-class",
        title: format!("table class {}", class.as_str()),
        detail: vec![format!(
            "STANDARD {} against STANDARD_INFREQUENT_ACCESS about {} (storage {} of the bill)",
            fmt_usd(chosen_report.cost_total),
            fmt_usd(ia_total),
            fmt_usd(storage)
        )],
    });
    let after_report = if class != after_design.table_class {
        after_design.table_class = class;
        let options = SimOptions {
            reserved_capacity,
            ..options.clone()
        };
        simulate(&after_design, &after_w, &options, &mut |d, t| {
            progress("after", d, t)
        })?
    } else {
        chosen_report
    };
    Ok(Advice {
        findings,
        recommendations: recs,
        modes,
        after_design,
        after_workload: after_w,
        reserved_capacity,
        before,
        after: after_report,
    })
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

/// Daily windows (minute of day, UTC) around the workload's spikes: from 15 minutes before a
/// spike starts to 5 minutes after it ends, overlapping windows merged.
fn spike_windows(workload: &Workload) -> Vec<(u32, u32)> {
    let mut spans: Vec<(u32, u32)> = workload
        .patterns
        .iter()
        .flat_map(|p| &p.rate.spikes)
        .flat_map(|spike| {
            spike.at.iter().filter_map(move |at| {
                let start = minute_of_day(at)?;
                Some((
                    (start + 1440 - 15) % 1440,
                    (start + spike.minutes.ceil() as u32 + 5) % 1440,
                ))
            })
        })
        .collect();
    spans.sort();
    let mut merged: Vec<(u32, u32)> = Vec::new();
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 && last.0 <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// The projection for these needed attributes: KEYS_ONLY when keys suffice, else INCLUDE.
fn include(attrs: BTreeSet<String>, entity: &Entity) -> Projection {
    let stored: Vec<String> = attrs
        .into_iter()
        .filter_map(|a| {
            // The design attribute that holds this entity attribute as it is.
            entity
                .layout
                .iter()
                .find(|(_, t)| **t == format!("{{{a}}}"))
                .map(|(k, _)| k.clone())
        })
        .collect();
    if stored.is_empty() {
        Projection::KeysOnly
    } else {
        Projection::Include(stored)
    }
}
