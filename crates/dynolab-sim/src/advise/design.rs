//! The fixed design: a key that spreads the hot entity (or write sharding when no attribute
//! can), one overloaded GSI facet per distinct access key (sharded if it would run hot), and TTL
//! for entities that expire. It depends on the design and the workload only, not on a run.

use std::collections::{BTreeMap, BTreeSet};

use dynolab_design::{AttrType, Gsi, KeyAttr, Projection, TableDesign};

use super::{PARTITION_HEADROOM, Recommendation, high_cardinality, peak_writes, top_share};
use crate::flows;
use crate::numbers::count;
use crate::sim::SimOptions;
use crate::workload::{Distinct, Distribution, Entity, Operation, Workload, template_attributes};

/// The after design and workload, and the recommendations that made them.
///
/// `min_shards` raises the shards of a table key (by its template in the workload) above what
/// the workload's peak asks for: the proof loop's revision after a run of the after design
/// still throttled it (`advise::advise`).
pub(super) fn fix(
    design: &TableDesign,
    workload: &Workload,
    options: &SimOptions,
    min_shards: &BTreeMap<String, u64>,
) -> (TableDesign, Workload, Vec<Recommendation>) {
    let mut recs = Vec::new();
    let cap_w = options.capacity.partition_write_units_per_s as f64;
    // The after design.
    let mut after = design.clone();
    let mut after_w = workload.clone();
    let pk = design.partition_key.name.clone();
    // Entities whose items share a partition key template (an event and its bookings under
    // `EVENT#{event_id}`) get one decision, from their combined peak.
    let groups = key_groups(design, workload);
    for (template, members) in &groups {
        let shared = members.len() > 1 || members.iter().any(|m| m.aggregate);
        if !shared {
            continue;
        }
        let combined: f64 = members.iter().map(|m| m.peak_units).sum();
        let floor = min_shards.get(template).copied().unwrap_or(1);
        if combined < cap_w * PARTITION_HEADROOM * 0.5 && floor <= 1 {
            continue;
        }
        let shards = shards_for(combined, cap_w).max(floor);
        let new = format!("{template}#{{shard}}");
        let mut detail = vec![format!(
            "peak {} WCU/s on one key, from every entity written under it ({}), against a partition cap of {cap_w:.0} (each shard kept under {:.0}%)",
            count(combined.round() as u64),
            members
                .iter()
                .map(|m| format!("{} {}", m.entity, count(m.peak_units.round() as u64)))
                .collect::<Vec<_>>()
                .join(" + "),
            PARTITION_HEADROOM * 100.0
        )];
        if floor > 1 && floor >= shards_for(combined, cap_w) {
            detail.push(format!(
                "{shards} shards, not {}: the after design, simulated, still throttled this key, so the shards were recomputed from its measured peak",
                shards_for(combined, cap_w)
            ));
        }
        for m in members {
            let ew = after_w.entities.get_mut(&m.entity).expect("same entities");
            ew.attributes
                .insert("shard".into(), shard_attribute(shards));
            ew.layout.insert(pk.clone(), new.clone());
            let reads_by_id = workload
                .patterns
                .iter()
                .any(|p| p.entity == m.entity && p.operation == Operation::GetItem);
            for p in after_w.patterns.iter_mut().filter(|p| {
                p.entity == m.entity && p.index.is_none() && p.operation == Operation::Query
            }) {
                fan_out(p, shards);
            }
            if m.aggregate {
                // The item is split: each write picks one of the sub-items, a read gathers all.
                for p in after_w.patterns.iter_mut().filter(|p| {
                    p.entity == m.entity
                        && matches!(p.operation, Operation::GetItem | Operation::BatchGetItem)
                }) {
                    p.rate.base *= shards as f64;
                    for s in &mut p.rate.spikes {
                        s.rate *= shards as f64;
                    }
                }
                detail.push(format!(
                    "{}: the item is split into {shards} sub-items, one per shard (item-split)",
                    m.entity
                ));
                recs.push(item_split(
                    &m.entity,
                    template,
                    &new,
                    shards,
                    m.item_peak,
                    cap_w,
                ));
            } else if reads_by_id {
                detail.push(format!(
                    "{}: suffix calculated from the item's id (hash mod shards), so GetItem still finds it directly",
                    m.entity
                ));
            } else {
                detail.push(format!("{}: random suffix", m.entity));
            }
        }
        detail.push(format!(
            "a Query on the key becomes {shards} queries (scatter-gather; dynolab-client does it)"
        ));
        recs.push(Recommendation {
            kind: "write-sharding",
            title: format!(
                "shard {pk} = \"{template}\" {shards} ways for {}: {pk} = \"{new}\"",
                members
                    .iter()
                    .map(|m| m.entity.as_str())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
            detail,
        });
    }
    for (ename, entity) in workload.entities.iter() {
        let Some(template) = entity.layout.get(&pk) else {
            continue;
        };
        if groups
            .get(template)
            .is_some_and(|m| m.len() > 1 || m.iter().any(|m| m.aggregate))
        {
            continue;
        }
        // One item per key, written whole: a suffix would make copies that no read can add up,
        // so the key is left as it is (the hot-item finding says why).
        if flows_one_item(design, entity) {
            continue;
        }
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
        if peak_units < cap_w * PARTITION_HEADROOM * 0.5 && !min_shards.contains_key(template) {
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
        // The new key must still serve every Query on the table: each selects by it.
        let serves_queries = |a: &String| {
            on_table()
                .filter(|p| p.operation == Operation::Query && !p.by.is_empty())
                .all(|p| p.by.contains(a))
        };
        let candidate = on_table()
            .flat_map(|p| &p.filter)
            .chain(on_table().flat_map(|p| &p.by))
            .find(|a| high_cardinality(&entity.attributes[*a]) && serves_queries(a))
            .cloned();
        let ew = after_w.entities.get_mut(ename).expect("same entities");
        if let (Some(attr), false) = (candidate, low.is_empty()) {
            let new = rekey(template, &low, &attr);
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
            let shards =
                shards_for(peak_units, cap_w).max(min_shards.get(template).copied().unwrap_or(1));
            let calculated = workload
                .patterns
                .iter()
                .any(|p| p.entity == *ename && p.operation == Operation::GetItem);
            ew.attributes
                .insert("shard".into(), shard_attribute(shards));
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

    indexes(design, workload, &mut after, &mut after_w, &mut recs, cap_w);
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
    (after, after_w, recs)
}

/// One entity written under a table key template, with its peak write units on the template's
/// hottest value.
pub(super) struct KeyMember {
    pub entity: String,
    pub peak_units: f64,
    /// One item per key (an aggregate such as a counter: its sort key, if any, names no
    /// attribute the partition key does not) that is updated in place.
    pub aggregate: bool,
    /// Peak write units offered to that one item.
    pub item_peak: f64,
}

/// The table key templates with the entities written under each and their peaks.
pub(super) fn key_groups(
    design: &TableDesign,
    workload: &Workload,
) -> BTreeMap<String, Vec<KeyMember>> {
    let pk = &design.partition_key.name;
    let mut groups: BTreeMap<String, Vec<KeyMember>> = BTreeMap::new();
    for (ename, entity) in &workload.entities {
        let Some(template) = entity.layout.get(pk) else {
            continue;
        };
        let peak_units = peak_writes(workload, ename)
            * top_share(entity, template)
            * dynolab_capacity::write_cost(entity.item_bytes, false).0 as f64
            / 2.0;
        let aggregate = one_item_per_key(design, entity)
            && workload
                .patterns
                .iter()
                .any(|p| p.entity == *ename && p.operation == Operation::UpdateItem);
        groups.entry(template.clone()).or_default().push(KeyMember {
            entity: ename.clone(),
            peak_units,
            aggregate,
            item_peak: if one_item_per_key(design, entity) {
                peak_units
            } else {
                0.0
            },
        });
    }
    groups
}

/// Whether every item of the entity with the same partition key is the same item: the sort key,
/// if the design has one, is made of nothing the partition key is not.
pub(super) fn one_item_per_key(design: &TableDesign, entity: &Entity) -> bool {
    let pk_attrs = entity
        .layout
        .get(&design.partition_key.name)
        .map(|t| template_attributes(t))
        .unwrap_or_default();
    design.sort_key.as_ref().is_none_or(|sk| {
        entity
            .layout
            .get(&sk.name)
            .is_some_and(|t| template_attributes(t).iter().all(|a| pk_attrs.contains(a)))
    })
}

fn flows_one_item(design: &TableDesign, entity: &Entity) -> bool {
    design.sort_key.is_some() && one_item_per_key(design, entity)
}

/// A Query on a sharded key becomes one query per shard.
fn fan_out(p: &mut crate::workload::Pattern, shards: u64) {
    p.rate.base *= shards as f64;
    for s in &mut p.rate.spikes {
        s.rate *= shards as f64;
    }
    p.items_read = Some(p.items_read().div_ceil(shards));
    p.items_returned = Some(p.items_returned().div_ceil(shards).min(p.items_read()));
}

/// The recommendation that splits a hot aggregate item into `parts` sub-items.
fn item_split(
    entity: &str,
    template: &str,
    new: &str,
    parts: u64,
    item_peak: f64,
    cap_w: f64,
) -> Recommendation {
    Recommendation {
        kind: "item-split",
        title: format!("split each {entity} item into {parts} sub-items (a sharded counter)"),
        detail: vec![
            format!(
                "one item takes at most {cap_w:.0} write units a second, whatever the partitioning or the capacity; its peak is {} WCU/s",
                count(item_peak.round() as u64)
            ),
            format!(
                "write: each update picks one sub-item at random ({new}, shard 0..{}) and changes only it (ADD remaining :delta)",
                parts - 1
            ),
            format!(
                "read: gather all {parts} sub-items (BatchGetItem) and add them up: a read costs {parts} item reads instead of 1"
            ),
            format!(
                "was one item per {template}; dynolab-client's ShardedCounter does both paths (crates/dynolab-client/src/counter.rs)"
            ),
        ],
    }
}

/// The proof loop's revision: for each table key that the run `od` of the after design
/// (`after_w`) still throttled, the shards its template needs from the key's measured peak
/// (its first attempts per shard, times the shards it has), at least twice and at most four
/// times what it has. Keys
/// are matched to the workload's templates by their literal prefix (the longest that fits).
pub(super) fn reshard(
    design: &TableDesign,
    workload: &Workload,
    after_w: &Workload,
    od: &crate::sim::SimReport,
    options: &SimOptions,
    min_shards: &BTreeMap<String, u64>,
) -> BTreeMap<String, u64> {
    let cap_w = options.capacity.partition_write_units_per_s as f64;
    let groups = key_groups(design, workload);
    let mut raised = BTreeMap::new();
    // Only a run whose table partitions refused writes on their own cap (not a table-level
    // limit, whose retries also raise a key's offered peak) calls for more shards.
    if !od
        .by_cause
        .iter()
        .any(|(cause, n)| cause.starts_with("TableWriteKeyRangeThroughputExceeded") && *n > 0)
    {
        return raised;
    }
    for k in od.top_keys.iter().filter(|k| {
        // Throttled on its own partition's cap, not only by a table-level limit.
        k.throttled > 0
                && k.resource == design.name
                && k.op == "write"
                // Shard keys hash where they hash: four such keys on one partition (as a
                // table of few partitions has) would not fit under the headroom.
                && k.peak_first_attempt_units > cap_w * PARTITION_HEADROOM / 4.0
    }) {
        let Some((template, members)) = groups
            .iter()
            .filter(|(t, _)| {
                let prefix = t.split('{').next().unwrap_or("");
                !prefix.is_empty() && k.key.starts_with(prefix)
            })
            .max_by_key(|(t, _)| t.split('{').next().unwrap_or("").len())
        else {
            continue;
        };
        let now = members
            .iter()
            .filter_map(
                |m| match after_w.entities[&m.entity].attributes.get("shard") {
                    Some(d) => match d.distinct {
                        Some(Distinct::Count(n)) => Some(n),
                        _ => None,
                    },
                    None => Some(1),
                },
            )
            .max()
            .unwrap_or(1);
        // The measured peak counts retries, so the raise is bounded: 2 to 4 times the shards.
        let need =
            shards_for(k.peak_first_attempt_units * now as f64, cap_w).clamp(now * 2, now * 4);
        if need > min_shards.get(template).copied().unwrap_or(1) {
            let e = raised.entry(template.clone()).or_insert(need);
            *e = (*e).max(need);
        }
    }
    raised
}

/// Shards for a key offered `peak` write units per second: enough that two shards hashed to
/// one partition still fit under the headroom (a suffix cannot choose its partition, and a
/// table or index has few), at least 2.
fn shards_for(peak: f64, cap_w: f64) -> u64 {
    (2.0 * peak / (cap_w * PARTITION_HEADROOM)).ceil().max(2.0) as u64
}

/// The shard suffix of a sharded key: `shards` values, evenly used, two bytes each.
fn shard_attribute(shards: u64) -> Distribution {
    Distribution {
        distinct: Some(Distinct::Count(shards)),
        bytes: Some(2),
        ..Default::default()
    }
}

/// A Scan that reads at least this many times what it returns gets an index (choice; the
/// filter finding's threshold).
const SCAN_WASTE: f64 = 2.0;

/// What a Scan's filter selects by, when a Query on an index keyed on it would serve the Scan:
/// a filter on the table that throws most of what it reads away.
pub(super) fn scan_key(p: &crate::workload::Pattern) -> Option<&[String]> {
    (p.operation == Operation::Scan
        && p.index.is_none()
        && !p.filter.is_empty()
        && p.items_read() as f64 >= SCAN_WASTE * p.items_returned().max(1) as f64)
        .then_some(p.filter.as_slice())
}

/// The indexes of the after design. Several GSIs fold into one overloaded GSI per distinct
/// access key of an entity (GSI1, GSI2, …); a single GSI stays as it is (its key sharded if it
/// would run hot, its projection narrowed to what its queries need); a Scan that filters most of
/// what it reads becomes a Query on a GSI keyed on its filter.
fn indexes(
    design: &TableDesign,
    workload: &Workload,
    after: &mut TableDesign,
    after_w: &mut Workload,
    recs: &mut Vec<Recommendation>,
    cap_w: f64,
) {
    let pk = &design.partition_key.name;
    let single = design.gsis.len() == 1;
    let mut slots: BTreeMap<String, Vec<(String, Vec<String>)>> = BTreeMap::new();
    let mut new_gsis: BTreeMap<String, Gsi> = BTreeMap::new();
    let mut moved = Vec::new();
    for (pi, p) in workload.patterns.iter().enumerate() {
        let old = p
            .index
            .as_ref()
            .and_then(|index| design.gsis.iter().find(|g| &g.name == index));
        let scan = scan_key(p);
        if old.is_none() && scan.is_none() {
            continue;
        }
        let entity = after_w.entities[&p.entity].clone();
        // Served by the new table key?
        let table_attrs = template_attributes(&entity.layout[pk]);
        if old.is_some() && !p.by.is_empty() && p.by.iter().all(|b| table_attrs.contains(b)) {
            after_w.patterns[pi].index = None;
            moved.push(format!("{:?} now queries the table", p.name));
            continue;
        }
        let by = match (scan, old) {
            (Some(filter), _) => filter.to_vec(),
            (None, Some(old)) if p.by.is_empty() => {
                template_attributes(&entity.layout[&old.partition_key.name])
            }
            _ => p.by.clone(),
        };
        let keep = old.filter(|_| single);
        let FacetKeys {
            name,
            gpk,
            gsk,
            template: mut gtemplate,
            sort_template,
        } = facet_keys(
            design,
            old,
            keep,
            &by,
            &entity,
            slots.entry(p.entity.clone()).or_default(),
        );
        // Shard the index key too if one value would run hot (once: a second pattern on the
        // same key finds it sharded).
        let fanout = shard_facet(
            workload,
            after_w,
            &p.entity,
            (&gpk, &mut gtemplate),
            &by,
            p.projection.as_ref(),
            recs,
            cap_w,
        );
        let ew = after_w.entities.get_mut(&p.entity).expect("entity");
        let added: u64 = if keep.is_some() {
            // The shard suffix: `#` and the shard.
            if entity.layout[&gpk] != gtemplate {
                3
            } else {
                0
            }
        } else {
            gpk.len() as u64
                + flows::rendered_bytes(&gtemplate, ew)
                + sort_template
                    .as_ref()
                    .map_or(0, |t| gsk.len() as u64 + flows::rendered_bytes(t, ew))
        };
        if keep.is_some() || !ew.layout.contains_key(&gpk) {
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
                ty: match keep {
                    Some(old) if fanout == 1 => old.partition_key.ty,
                    _ => AttrType::S,
                },
            },
            sort_key: match keep {
                Some(old) => old.sort_key.clone(),
                None => sort_template.as_ref().map(|_| KeyAttr {
                    name: gsk.clone(),
                    ty: AttrType::S,
                }),
            },
            projection: match keep {
                Some(old) if old.projection != Projection::All => old.projection.clone(),
                _ => Projection::KeysOnly,
            },
            provisioned: None,
            autoscaling: None,
        });
        // A kept GSI's projection only narrows from ALL; a new one has what its queries need.
        if keep.is_none_or(|old| old.projection == Projection::All) {
            gsi.projection = match (&gsi.projection, projection) {
                (Projection::All, _) | (_, None) => Projection::All,
                (Projection::KeysOnly, Some(attrs)) => include(attrs, ew),
                // What an earlier facet (perhaps another entity's) needs stays: its names are
                // design attributes already; this facet's are mapped through its entity.
                (Projection::Include(have), Some(attrs)) => {
                    let mut all: BTreeSet<String> = have.iter().cloned().collect();
                    if let Projection::Include(more) = include(attrs, ew) {
                        all.extend(more);
                    }
                    Projection::Include(all.into_iter().collect())
                }
            };
        }
        let q = &mut after_w.patterns[pi];
        q.index = Some(name.clone());
        if scan.is_some() {
            q.operation = Operation::Query;
            q.items_read = Some(q.items_returned());
            q.by = by.clone();
            q.filter.clear();
            recs.push(Recommendation {
                kind: "scan-index",
                title: format!(
                    "serve {:?} by a Query on {name} ({gpk} = \"{gtemplate}\") instead of a Scan",
                    p.name
                ),
                detail: vec![
                    format!(
                        "the Scan reads {} items to return the {} whose {} match; the Query reads only those",
                        p.items_read(),
                        p.items_returned(),
                        by.join(", ")
                    ),
                    format!(
                        "written only on the items the Scan is after, {gpk} makes {name} a sparse index that costs less than simulated here (every item is written to it)"
                    ),
                ],
            });
        }
        if fanout > 1 {
            q.rate.base *= fanout as f64;
            for s in &mut q.rate.spikes {
                s.rate *= fanout as f64;
            }
            q.items_read = Some(q.items_read().div_ceil(fanout));
            q.items_returned = Some(q.items_returned().div_ceil(fanout).min(q.items_read()));
        }
        moved.push(format!(
            "{:?} queries {name} ({gpk} = \"{gtemplate}\")",
            p.name
        ));
    }
    after.gsis = new_gsis.into_values().collect();
    recs.extend(index_recs(design, after, moved));
}

/// The keys of the index facet a pattern reads in the after design.
struct FacetKeys {
    name: String,
    gpk: String,
    gsk: String,
    template: String,
    sort_template: Option<String>,
}

/// The one GSI a design has (`keep`) keeps its name and keys; otherwise the pattern's `by` set
/// gets a slot of its entity's overloaded GSIs (`GSI1`, `GSI2`, …): `GSI1PK = "STATUS#{status}"`,
/// `GSI1SK` the old index's sort key unless it is what the pattern selects by, else the
/// table's sort key.
fn facet_keys(
    design: &TableDesign,
    old: Option<&Gsi>,
    keep: Option<&Gsi>,
    by: &[String],
    entity: &Entity,
    slots: &mut Vec<(String, Vec<String>)>,
) -> FacetKeys {
    if let Some(old) = keep {
        return FacetKeys {
            name: old.name.clone(),
            gpk: old.partition_key.name.clone(),
            gsk: old
                .sort_key
                .as_ref()
                .map_or_else(|| format!("{}SK", old.name), |k| k.name.clone()),
            template: entity.layout[&old.partition_key.name].clone(),
            sort_template: old
                .sort_key
                .as_ref()
                .and_then(|k| entity.layout.get(&k.name).cloned()),
        };
    }
    let slot = match slots.iter().position(|(_, b)| b == by) {
        Some(i) => i,
        None => {
            slots.push((String::new(), by.to_vec()));
            slots.len() - 1
        }
    };
    let name = format!("GSI{}", slot + 1);
    slots[slot].0 = name.clone();
    let template = by
        .iter()
        .map(|b| format!("{}#{{{b}}}", b.to_uppercase()))
        .collect::<Vec<_>>()
        .join("#");
    let sort_template = match old.and_then(|o| o.sort_key.as_ref()) {
        Some(sk) if !by.contains(&sk.name) => entity.layout.get(&sk.name).cloned(),
        _ => None,
    }
    .or_else(|| {
        design
            .sort_key
            .as_ref()
            .and_then(|sk| entity.layout.get(&sk.name).cloned())
    });
    FacetKeys {
        gpk: format!("{name}PK"),
        gsk: format!("{name}SK"),
        name,
        template,
        sort_template,
    }
}

/// Shards an index key (`gpk` = `template`) of `entity` if one value would run hot, once: a
/// second pattern on the same key finds it sharded. Returns the shards (1: not sharded).
#[allow(clippy::too_many_arguments)]
fn shard_facet(
    workload: &Workload,
    after_w: &mut Workload,
    entity_name: &str,
    (gpk, template): (&str, &mut String),
    by: &[String],
    needed: Option<&Vec<String>>,
    recs: &mut Vec<Recommendation>,
    cap_w: f64,
) -> u64 {
    let entity = &after_w.entities[entity_name];
    if let Some(sharded) = entity.layout.get(gpk).filter(|t| t.contains("{gsi_shard}")) {
        *template = sharded.clone();
        return match entity.attributes["gsi_shard"].distinct {
            Some(Distinct::Count(n)) => n,
            _ => 1,
        };
    }
    // The writes that reach the index: puts and deletes, and updates that change its key or an
    // attribute its queries read (an index projects no more than that in the after design).
    let key_attrs = template_attributes(template);
    let peak = workload
        .patterns
        .iter()
        .filter(|p| p.entity == entity_name && p.operation.is_write())
        .filter(|p| {
            p.operation != Operation::UpdateItem
                || p.changes
                    .iter()
                    .any(|c| key_attrs.contains(c) || needed.is_none_or(|n| n.contains(c)))
        })
        .filter_map(|p| crate::workload::DailyCurve::new(&p.rate).ok())
        .map(|c| c.peak())
        .sum::<f64>()
        * top_share(entity, template);
    if peak < cap_w * PARTITION_HEADROOM {
        return 1;
    }
    let fanout = shards_for(peak, cap_w);
    let ew = after_w.entities.get_mut(entity_name).expect("entity");
    ew.attributes
        .insert("gsi_shard".into(), shard_attribute(fanout));
    *template = format!("{template}#{{gsi_shard}}");
    recs.push(Recommendation {
        kind: "write-sharding",
        title: format!("shard {gpk} {fanout} ways: {gpk} = \"{template}\""),
        detail: vec![format!(
            "{:.0} writes/s at peak on one {} value, against a partition cap of {cap_w:.0}",
            peak,
            by.join("+")
        )],
    });
    fanout
}

/// What changed in the indexes: a kept GSI's narrower projection, and the GSIs that went
/// (folded into overloaded ones, or removed when no pattern needs them).
fn index_recs(
    design: &TableDesign,
    after: &TableDesign,
    moved: Vec<String>,
) -> Vec<Recommendation> {
    let mut recs = Vec::new();
    let kept = |g: &Gsi| design.gsis.iter().any(|d| d.name == g.name);
    for g in &after.gsis {
        let Some(old) = design.gsis.iter().find(|d| d.name == g.name) else {
            continue;
        };
        if g.projection != old.projection {
            recs.push(Recommendation {
                kind: "projection",
                title: format!("project {} into {} instead of ALL", projection_text(&g.projection), g.name),
                detail: vec!["every write copies only what the queries read, and every read pays for only that".into()],
            });
        }
    }
    let gone: Vec<&str> = design
        .gsis
        .iter()
        .filter(|g| !kept_in(after, g))
        .map(|g| g.name.as_str())
        .collect();
    if gone.is_empty() {
        return recs;
    }
    let title = if design.gsis.len() == 1 || after.gsis.iter().all(kept) {
        format!("remove GSI {}: no pattern needs it", gone.join(", "))
    } else {
        let folded = after.gsis.iter().filter(|g| !kept(g)).count();
        format!(
            "replace {} GSIs with {folded} overloaded GSI{}",
            design.gsis.len(),
            if folded == 1 { "" } else { "s" }
        )
    };
    recs.push(Recommendation {
        kind: "gsi-consolidation",
        title,
        detail: moved,
    });
    recs
}

fn kept_in(after: &TableDesign, g: &Gsi) -> bool {
    after.gsis.iter().any(|a| a.name == g.name)
}

fn projection_text(p: &Projection) -> String {
    match p {
        Projection::All => "ALL".into(),
        Projection::KeysOnly => "KEYS_ONLY".into(),
        Projection::Include(attrs) => format!("INCLUDE {}", attrs.join(", ")),
    }
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

/// The key prefix for an attribute: its name in capitals, without an `_id` ending
/// (`device_id` → `DEVICE`, `user_id` → `USER`, `tenant` → `TENANT`).
fn prefix_of(attr: &str) -> String {
    attr.strip_suffix("_id").unwrap_or(attr).to_uppercase()
}

/// `template` with each of the `low` attributes replaced by `attr`: a `PREFIX#{low}` segment
/// becomes `ATTR#{attr}` (the prefix names the new attribute, not the one it replaced), a bare
/// `{low}` becomes `{attr}`, and repeats of the new segment collapse into one.
fn rekey(template: &str, low: &[String], attr: &str) -> String {
    let segment = format!("{}#{{{attr}}}", prefix_of(attr));
    let mut parts: Vec<String> = Vec::new();
    let pieces: Vec<&str> = template.split('#').collect();
    let mut i = 0;
    while i < pieces.len() {
        let is_low = |p: &str| low.iter().any(|a| p == format!("{{{a}}}"));
        let literal = |p: &str| !p.is_empty() && !p.contains('{');
        if i + 1 < pieces.len() && literal(pieces[i]) && is_low(pieces[i + 1]) {
            if parts.last() != Some(&segment) {
                parts.push(segment.clone());
            }
            i += 2;
        } else if is_low(pieces[i]) {
            let bare = format!("{{{attr}}}");
            if parts.last() != Some(&bare) && parts.last() != Some(&segment) {
                parts.push(bare);
            }
            i += 1;
        } else {
            parts.push(pieces[i].to_string());
            i += 1;
        }
    }
    parts.join("#")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn low(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn a_new_key_is_named_after_its_attribute() {
        assert_eq!(
            rekey("USER#{user_type}", &low(&["user_type"]), "user_id"),
            "USER#{user_id}"
        );
        assert_eq!(
            rekey("CLASS#{device_class}", &low(&["device_class"]), "device_id"),
            "DEVICE#{device_id}"
        );
        assert_eq!(
            rekey("TENANT#{tenant}#CLASS#{plan}", &low(&["plan"]), "user_id"),
            "TENANT#{tenant}#USER#{user_id}"
        );
        assert_eq!(
            rekey("{region}", &low(&["region"]), "order_id"),
            "{order_id}"
        );
        assert_eq!(
            rekey("T#{tier}#R#{region}", &low(&["tier", "region"]), "account"),
            "ACCOUNT#{account}"
        );
    }
}
