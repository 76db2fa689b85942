//! From a design and a workload to flows: each access pattern split into groups of requests that
//! cost the same and land on the same partitions, each with its capacity [`Plan`].
//!
//! An attribute's values are classes ([`Class`]): hot or top-ranked values followed one by one,
//! the rest spread evenly. A pattern's flows are every combination of the classes of the
//! attributes its keys are made of (attributes are independent). A key whose attributes are all
//! followed values is hashed as `dynolab serve` hashes it and lands on one partition; a spread
//! key is split over the partitions of its table or index by their share of the hash space.

use std::collections::BTreeMap;

use dynolab_capacity::{
    Charge, HalfUnits, Op, Plan, ReadKind, TableCapacity, read_cost, write_cost,
};
use dynolab_design::{AttrType, Projection, TableDesign};
use dynolab_model::AttributeValue;
use dynolab_model::Number;

use crate::workload::{Class, Entity, Operation, Pattern, Workload, render, template_attributes};

/// DynamoDB's per-item storage overhead for the table and each index, in bytes.
pub const ITEM_OVERHEAD_BYTES: u64 = 100;

/// Beyond this many partition combinations of spread keys, extra spread dimensions are assigned
/// round-robin instead of crossed (a documented approximation).
const MAX_SUBFLOWS: usize = 4096;

/// Resource 0 is the table (with its LSIs), 1.. the GSIs in name order, as in [`Plan`].
pub fn resource_names(design: &TableDesign) -> Vec<String> {
    let mut gsis: Vec<String> = design.gsis.iter().map(|g| g.name.clone()).collect();
    gsis.sort();
    std::iter::once(design.name.clone()).chain(gsis).collect()
}

/// What one request of a flow charges on one resource.
#[derive(Clone, Debug)]
pub struct Part {
    pub resource: usize,
    pub op: Op,
    pub cost: HalfUnits,
    /// Partition the charge lands on, at the time the flow was built.
    pub partition: usize,
}

#[derive(Clone, Debug)]
pub struct Flow {
    pub pattern: usize,
    /// Share of the pattern's requests.
    pub share: f64,
    pub plan: Plan,
    pub parts: Vec<Part>,
    /// The partition key value on the resource the pattern addresses, when it is one key.
    pub key: Option<String>,
    /// The key hash of each charge (a spread key: the middle of its partition).
    pub hashes: Vec<u64>,
}

/// A key of one resource for one request: which design attribute, rendered from which template.
#[derive(Clone, Debug)]
struct KeyRef {
    resource: usize,
    template: String,
    ty: AttrType,
}

/// One charge of a request before its key is known.
#[derive(Clone, Debug)]
struct ChargeSpec {
    key: Option<KeyRef>,
    resource: usize,
    op: Op,
    cost: HalfUnits,
}

#[derive(Debug)]
pub struct FlowError(pub String);

impl std::fmt::Display for FlowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Bytes an attribute takes in an item: its name and its rendered value.
fn attr_bytes(name: &str, entity: &Entity) -> u64 {
    let Some(template) = entity.layout.get(name) else {
        return 0;
    };
    name.len() as u64 + rendered_bytes(template, entity)
}

/// Bytes of a template's value: its literal text plus each attribute's value size.
pub fn rendered_bytes(template: &str, entity: &Entity) -> u64 {
    let attrs = template_attributes(template);
    let literal: usize = template.len() - attrs.iter().map(|a| a.len() + 2).sum::<usize>();
    literal as u64
        + attrs
            .iter()
            .map(|a| entity.attributes.get(a).map_or(16, |d| d.value_bytes()))
            .sum::<u64>()
}

/// Whether the entity's items appear in an index keyed on these design attributes.
pub fn in_index(entity: &Entity, pk: &str, sk: Option<&str>) -> bool {
    entity.layout.contains_key(pk) && sk.is_none_or(|s| entity.layout.contains_key(s))
}

/// Size of an entity's item as projected into an index.
pub fn projected_bytes(
    design: &TableDesign,
    entity: &Entity,
    index_keys: &[&str],
    projection: &Projection,
) -> u64 {
    let mut keys: Vec<&str> = vec![design.partition_key.name.as_str()];
    if let Some(sk) = &design.sort_key {
        keys.push(&sk.name);
    }
    keys.extend(index_keys);
    keys.sort();
    keys.dedup();
    let key_bytes: u64 = keys.iter().map(|k| attr_bytes(k, entity)).sum();
    match projection {
        Projection::All => entity.item_bytes.max(key_bytes),
        Projection::KeysOnly => key_bytes,
        Projection::Include(attrs) => {
            key_bytes
                + attrs
                    .iter()
                    .filter(|a| !keys.contains(&a.as_str()))
                    .map(|a| attr_bytes(a, entity))
                    .sum::<u64>()
        }
    }
    .min(entity.item_bytes.max(key_bytes))
}

/// Stored bytes of each resource (items, or index entries, with the 100-byte overhead).
pub fn storage_bytes(design: &TableDesign, workload: &Workload) -> Vec<u64> {
    let mut out = vec![0u64; resource_names(design).len()];
    for entity in workload.entities.values() {
        for (total, one) in out.iter_mut().zip(item_storage(design, entity)) {
            *total += entity.count * one;
        }
    }
    out
}

/// Stored bytes one item of `entity` takes in each resource (the table with its LSIs, then each
/// GSI that holds it), overhead included.
pub fn item_storage(design: &TableDesign, entity: &Entity) -> Vec<u64> {
    let names = resource_names(design);
    let mut out = vec![0u64; names.len()];
    out[0] += entity.item_bytes + ITEM_OVERHEAD_BYTES;
    for lsi in &design.lsis {
        if in_index(entity, &design.partition_key.name, Some(&lsi.sort_key.name)) {
            let size = projected_bytes(
                design,
                entity,
                &[lsi.sort_key.name.as_str()],
                &lsi.projection,
            );
            out[0] += size + ITEM_OVERHEAD_BYTES;
        }
    }
    for gsi in &design.gsis {
        let sk = gsi.sort_key.as_ref().map(|k| k.name.as_str());
        if in_index(entity, &gsi.partition_key.name, sk) {
            let keys: Vec<&str> = std::iter::once(gsi.partition_key.name.as_str())
                .chain(sk)
                .collect();
            let size = projected_bytes(design, entity, &keys, &gsi.projection);
            let i = names
                .iter()
                .position(|n| *n == gsi.name)
                .expect("known gsi");
            out[i] += size + ITEM_OVERHEAD_BYTES;
        }
    }
    out
}

/// Whether every write of this entity creates a new item: its table key includes an attribute
/// whose values are all distinct (`distinct = "unique"`).
pub fn writes_new_items(design: &TableDesign, entity: &Entity) -> bool {
    std::iter::once(&design.partition_key.name)
        .chain(design.sort_key.as_ref().map(|k| &k.name))
        .filter_map(|k| entity.layout.get(k))
        .flat_map(|t| template_attributes(t))
        .any(|a| {
            entity.attributes.get(&a).is_some_and(|d| {
                matches!(&d.distinct, Some(crate::workload::Distinct::Word(w)) if w == "unique")
                    && d.hot.is_empty()
            })
        })
}

/// Design attributes whose value depends on one of these entity attributes.
fn touched(entity: &Entity, changes: &[String]) -> Vec<String> {
    entity
        .layout
        .iter()
        .filter(|(_, t)| template_attributes(t).iter().any(|a| changes.contains(a)))
        .map(|(k, _)| k.clone())
        .collect()
}

/// How many index writes one request of a write pattern makes in an index keyed on
/// `index_keys` with `projection`: an update that changes an index key deletes the old entry
/// and puts the new one (2); one that changes only projected attributes rewrites the entry (1);
/// one that changes nothing the index holds writes nothing (0); puts and deletes write once.
pub fn index_writes(
    entity: &Entity,
    pattern: &Pattern,
    index_keys: &[&str],
    projection: &Projection,
) -> u64 {
    if pattern.operation != Operation::UpdateItem {
        return 1;
    }
    let changed = touched(entity, &pattern.changes);
    if index_keys.iter().any(|k| changed.iter().any(|c| c == k)) {
        return 2;
    }
    // A changed attribute is in the entry when the index projects it: ALL projects every
    // attribute; INCLUDE the named ones, by their entity name or by the design attribute that
    // holds them.
    let projected = match projection {
        Projection::All => !pattern.changes.is_empty(),
        Projection::KeysOnly => false,
        Projection::Include(attrs) => changed
            .iter()
            .chain(&pattern.changes)
            .any(|c| attrs.contains(c)),
    };
    u64::from(projected)
}

/// The charges of one request of `pattern`, before keys are resolved.
fn charge_specs(
    design: &TableDesign,
    workload: &Workload,
    pattern: &Pattern,
) -> Result<Vec<ChargeSpec>, FlowError> {
    let entity = &workload.entities[&pattern.entity];
    let names = resource_names(design);
    let table_key = |entity: &Entity| -> Result<KeyRef, FlowError> {
        let pk = &design.partition_key.name;
        let template = entity.layout.get(pk).ok_or_else(|| {
            FlowError(format!(
                "entity {} has no layout for the table's partition key {pk}",
                pattern.entity
            ))
        })?;
        Ok(KeyRef {
            resource: 0,
            template: template.clone(),
            ty: design.partition_key.ty,
        })
    };
    let kind = ReadKind::from_consistent(pattern.consistent);
    let tx = pattern.operation == Operation::TransactWriteItems;
    let mut specs = Vec::new();
    match pattern.operation {
        Operation::GetItem | Operation::BatchGetItem => specs.push(ChargeSpec {
            key: Some(table_key(entity)?),
            resource: 0,
            op: Op::Read,
            cost: read_cost(entity.item_bytes, kind),
        }),
        Operation::Query | Operation::Scan => {
            let items = pattern.items_read();
            let (resource, key, size) = match &pattern.index {
                None => (0, table_key(entity)?, entity.item_bytes),
                Some(name) => {
                    if let Some(gsi) = design.gsis.iter().find(|g| &g.name == name) {
                        if pattern.consistent {
                            return Err(FlowError(format!(
                                "pattern {:?}: consistent reads are not supported on global secondary indexes",
                                pattern.name
                            )));
                        }
                        let sk = gsi.sort_key.as_ref().map(|k| k.name.as_str());
                        let template =
                            entity.layout.get(&gsi.partition_key.name).ok_or_else(|| {
                                FlowError(format!(
                                    "pattern {:?}: entity {} has no {} for index {name}",
                                    pattern.name, pattern.entity, gsi.partition_key.name
                                ))
                            })?;
                        let keys: Vec<&str> = std::iter::once(gsi.partition_key.name.as_str())
                            .chain(sk)
                            .collect();
                        let i = names.iter().position(|n| n == name).expect("known gsi");
                        (
                            i,
                            KeyRef {
                                resource: i,
                                template: template.clone(),
                                ty: gsi.partition_key.ty,
                            },
                            projected_bytes(design, entity, &keys, &gsi.projection),
                        )
                    } else if let Some(lsi) = design.lsis.iter().find(|l| &l.name == name) {
                        let size = projected_bytes(
                            design,
                            entity,
                            &[lsi.sort_key.name.as_str()],
                            &lsi.projection,
                        );
                        (0, table_key(entity)?, size)
                    } else {
                        return Err(FlowError(format!(
                            "pattern {:?}: the design has no index {name}",
                            pattern.name
                        )));
                    }
                }
            };
            specs.push(ChargeSpec {
                key: (pattern.operation == Operation::Query).then_some(key),
                resource,
                op: Op::Read,
                cost: read_cost(items * size, kind),
            });
        }
        Operation::PutItem
        | Operation::BatchWriteItem
        | Operation::TransactWriteItems
        | Operation::DeleteItem
        | Operation::UpdateItem => {
            let key = table_key(entity)?;
            specs.push(ChargeSpec {
                key: Some(key.clone()),
                resource: 0,
                op: Op::Write,
                cost: write_cost(entity.item_bytes, tx),
            });
            let index_writes = |keys: &[&str], projection: &Projection| {
                index_writes(entity, pattern, keys, projection)
            };
            for lsi in &design.lsis {
                let keys = [lsi.sort_key.name.as_str()];
                if in_index(entity, &design.partition_key.name, Some(keys[0])) {
                    let size = projected_bytes(design, entity, &keys, &lsi.projection);
                    let n = index_writes(&keys, &lsi.projection);
                    if n > 0 {
                        specs.push(ChargeSpec {
                            key: Some(key.clone()),
                            resource: 0,
                            op: Op::Write,
                            cost: HalfUnits(write_cost(size, tx).0 * n),
                        });
                    }
                }
            }
            for gsi in &design.gsis {
                let sk = gsi.sort_key.as_ref().map(|k| k.name.as_str());
                if !in_index(entity, &gsi.partition_key.name, sk) {
                    continue;
                }
                let keys: Vec<&str> = std::iter::once(gsi.partition_key.name.as_str())
                    .chain(sk)
                    .collect();
                let n = index_writes(&keys, &gsi.projection);
                if n == 0 {
                    continue;
                }
                let size = projected_bytes(design, entity, &keys, &gsi.projection);
                let i = names
                    .iter()
                    .position(|n| *n == gsi.name)
                    .expect("known gsi");
                specs.push(ChargeSpec {
                    key: Some(KeyRef {
                        resource: i,
                        template: entity.layout[&gsi.partition_key.name].clone(),
                        ty: gsi.partition_key.ty,
                    }),
                    resource: i,
                    op: Op::Write,
                    // GSI writes are not transactional themselves: they cost one write per KB.
                    cost: HalfUnits(write_cost(size, false).0 * n),
                });
            }
        }
    }
    Ok(specs)
}

/// The 64-bit partition hash of a key value, as `dynolab serve` computes it.
fn hash_of(value: &str, ty: AttrType) -> u64 {
    let av = match ty {
        AttrType::N => match Number::parse(value) {
            Ok(n) => AttributeValue::N(n),
            Err(_) => AttributeValue::S(value.to_string()),
        },
        AttrType::B => AttributeValue::B(value.as_bytes().to_vec()),
        AttrType::S => AttributeValue::S(value.to_string()),
    };
    dynolab_model::partition::partition_hash(&av)
}

/// A key resolved for one combination of classes: one hash, or spread over the resource.
#[derive(Clone, Debug)]
enum Resolved {
    One { hash: u64, value: String },
    Spread,
}

/// Every flow of every pattern against the current partitions of `capacity`, with the values
/// of clock attributes at `epoch_s`. The flows' number and order depend only on the workload
/// and the partitions, so flows built at another time line up with these one for one.
pub fn build(
    design: &TableDesign,
    workload: &Workload,
    capacity: &TableCapacity,
    epoch_s: u64,
) -> Result<Vec<Flow>, FlowError> {
    let starts: Vec<Vec<u64>> = std::iter::once(capacity.table.partition_starts())
        .chain(capacity.indexes.values().map(|r| r.partition_starts()))
        .collect();
    let mut flows: Vec<Flow> = Vec::new();
    for (pi, pattern) in workload.patterns.iter().enumerate() {
        let first_of_pattern = flows.len();
        let entity = &workload.entities[&pattern.entity];
        let specs = charge_specs(design, workload, pattern)?;
        // The attributes the keys are made of, each with its classes.
        let mut attrs: Vec<String> = specs
            .iter()
            .filter_map(|s| s.key.as_ref())
            .flat_map(|k| template_attributes(&k.template))
            .collect();
        attrs.sort();
        attrs.dedup();
        let classes: Vec<Vec<Class>> = attrs
            .iter()
            .map(|a| entity.attributes[a].classes_at(a, epoch_s))
            .collect();
        let mut combo = vec![0usize; attrs.len()];
        loop {
            let share: f64 = combo
                .iter()
                .enumerate()
                .map(|(i, c)| classes[i][*c].share())
                .product();
            if share > 0.0 {
                let mut values = BTreeMap::new();
                let mut spread_attrs = Vec::new();
                for (i, c) in combo.iter().enumerate() {
                    match &classes[i][*c] {
                        Class::Value { value, .. } => {
                            values.insert(attrs[i].clone(), value.clone());
                        }
                        Class::Spread { .. } => spread_attrs.push(attrs[i].clone()),
                    }
                }
                // Resolve each distinct (resource, template) key once.
                let mut dims: Vec<(usize, String, Resolved)> = Vec::new();
                for spec in &specs {
                    let (resource, template, resolved) = match &spec.key {
                        Some(k) => {
                            let spread = template_attributes(&k.template)
                                .iter()
                                .any(|a| spread_attrs.contains(a));
                            let resolved = if spread {
                                Resolved::Spread
                            } else {
                                let value = render(&k.template, &values);
                                Resolved::One {
                                    hash: hash_of(&value, k.ty),
                                    value,
                                }
                            };
                            (k.resource, k.template.clone(), resolved)
                        }
                        None => (spec.resource, String::new(), Resolved::Spread),
                    };
                    if !dims.iter().any(|d| d.0 == resource && d.1 == template) {
                        dims.push((resource, template, resolved));
                    }
                }
                let key = dims.first().and_then(|d| match &d.2 {
                    Resolved::One { value, .. } => Some(value.clone()),
                    Resolved::Spread => None,
                });
                // Cross the partitions of spread dimensions.
                let spread_dims: Vec<usize> = dims
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| matches!(d.2, Resolved::Spread))
                    .map(|(i, _)| i)
                    .collect();
                let mut crossed = Vec::new();
                let mut total = 1usize;
                for &d in &spread_dims {
                    let n = starts[dims[d].0].len();
                    if total.saturating_mul(n) <= MAX_SUBFLOWS {
                        total *= n;
                        crossed.push(d);
                    }
                }
                for sub in 0..total {
                    let mut rest = sub;
                    let mut sub_share = share;
                    let mut hashes: Vec<u64> = Vec::with_capacity(dims.len());
                    for (di, d) in dims.iter().enumerate() {
                        let hash = match &d.2 {
                            Resolved::One { hash, .. } => *hash,
                            Resolved::Spread => {
                                let s = &starts[d.0];
                                let p = if crossed.contains(&di) {
                                    let p = rest % s.len();
                                    rest /= s.len();
                                    sub_share *= width(s, p);
                                    p
                                } else {
                                    sub % s.len()
                                };
                                mid(s, p)
                            }
                        };
                        hashes.push(hash);
                    }
                    let charges: Vec<Charge> = specs
                        .iter()
                        .map(|spec| {
                            let (resource, template) = match &spec.key {
                                Some(k) => (k.resource, k.template.as_str()),
                                None => (spec.resource, ""),
                            };
                            let di = dims
                                .iter()
                                .position(|d| d.0 == resource && d.1 == template)
                                .expect("every spec has a dimension");
                            Charge {
                                target: capacity.target(resource),
                                op: spec.op,
                                hash: hashes[di],
                                cost: spec.cost,
                            }
                        })
                        .collect();
                    let plan = capacity.plan(&charges);
                    let parts = specs
                        .iter()
                        .zip(&charges)
                        .map(|(spec, c)| Part {
                            resource: spec.resource,
                            op: spec.op,
                            cost: spec.cost,
                            partition: capacity.resource(spec.resource).partition_of(c.hash),
                        })
                        .collect();
                    flows.push(Flow {
                        pattern: pi,
                        share: sub_share,
                        plan,
                        parts,
                        key: key.clone(),
                        hashes: charges.iter().map(|c| c.hash).collect(),
                    });
                }
            }
            // Next combination.
            let mut i = 0;
            while i < combo.len() {
                combo[i] += 1;
                if combo[i] < classes[i].len() {
                    break;
                }
                combo[i] = 0;
                i += 1;
            }
            if i == combo.len() {
                break;
            }
        }
        merge_spread(&mut flows, first_of_pattern);
    }
    Ok(flows)
}

/// Merges the pattern's flows from `from` on that are not one key and land on the same
/// partitions with the same costs and key hashes: they are the same requests (a spread key crossed with the
/// values of another attribute, such as a shard suffix, gives one such flow per value), so one
/// flow with their summed share admits them, and the run's cost stops growing with the values.
fn merge_spread(flows: &mut Vec<Flow>, from: usize) {
    let same = |a: &Flow, b: &Flow| {
        a.key.is_none()
            && b.key.is_none()
            && a.hashes == b.hashes
            && a.parts.len() == b.parts.len()
            && a.parts.iter().zip(&b.parts).all(|(x, y)| {
                x.resource == y.resource
                    && x.op == y.op
                    && x.cost == y.cost
                    && x.partition == y.partition
            })
    };
    let mut kept: Vec<Flow> = Vec::with_capacity(flows.len() - from);
    for flow in flows.drain(from..) {
        match kept.iter_mut().find(|k| same(k, &flow)) {
            Some(k) => k.share += flow.share,
            None => kept.push(flow),
        }
    }
    flows.extend(kept);
}

/// Share of the hash space partition `p` covers.
fn width(starts: &[u64], p: usize) -> f64 {
    let end = starts
        .get(p + 1)
        .map_or(u128::from(u64::MAX) + 1, |s| u128::from(*s));
    (end - u128::from(starts[p])) as f64 / (u128::from(u64::MAX) + 1) as f64
}

/// A hash in the middle of partition `p`.
fn mid(starts: &[u64], p: usize) -> u64 {
    let end = starts
        .get(p + 1)
        .map_or(u128::from(u64::MAX) + 1, |s| u128::from(*s));
    ((u128::from(starts[p]) + end) / 2) as u64
}
