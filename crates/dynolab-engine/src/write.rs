//! The one write path: every Put, Update, Delete and batch write changes an item through
//! [`plan`] (what it costs, on which partitions) and, once admitted, [`apply`] (items, index
//! entries, the change log and the durable mutations change together).

use dynolab_capacity::{Charge, Consumed, HalfUnits, Op, Target, write_cost};
use dynolab_clock::Timestamp;
use dynolab_model::Item;
use dynolab_model::size::item_size_bytes;
use dynolab_storage::Mutation;
use dynolab_storage::keys::key_hash;

use crate::TableState;
use crate::table::{IndexMeta, TableMeta, index_entry_key};

/// Who made a write. DynamoDB marks what its TTL service deletes (in stream records,
/// `userIdentity` {Type: Service, PrincipalId: dynamodb.amazonaws.com}); everything else is a
/// user's request.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Origin {
    User,
    /// The TTL service deleting an expired item (`lifecycle::expire`).
    TimeToLive,
}

/// The time in an item's TTL attribute, in whole seconds rounded up, when it is a Number.
pub(crate) fn expires_at(meta: &TableMeta, item: &Item) -> Option<i64> {
    let attribute = &meta.ttl.as_ref()?.attribute;
    match item.get(attribute)? {
        dynolab_model::AttributeValue::N(n) => {
            let secs = n.to_f64().ceil();
            (secs.is_finite() && secs.abs() < 1e15).then_some(secs as i64)
        }
        _ => None,
    }
}

/// Rebuilds the secondary indexes and the TTL expiry index from the items a table was loaded
/// or restored with: no capacity, no mutation. Items are decoded only when the table has an
/// index or TTL.
pub(crate) fn index_all(state: &mut TableState) {
    let TableState {
        meta, data, expiry, ..
    } = state;
    if meta.ttl.is_none() && meta.indexes().next().is_none() {
        return;
    }
    // Only the attributes the indexes are keyed on and the TTL attribute are decoded.
    let mut wanted: Vec<&str> = meta
        .indexes()
        .flat_map(|index| index.key_schema.names())
        .collect();
    if let Some(ttl) = &meta.ttl {
        wanted.push(&ttl.attribute);
    }
    let keep = |name: &str| wanted.contains(&name);
    let dynolab_storage::TableData { items, indexes } = data;
    for stored in items.iter_stored() {
        let key = stored.key;
        let Some(item) = stored.decode_attributes(&keep) else {
            continue;
        };
        if let Some(at) = expires_at(meta, &item) {
            expiry.insert((at, key.to_vec()));
        }
        for index in meta.indexes() {
            if let Some(entry) = index_entry_key(index, &meta.attribute_definitions, &item, key) {
                indexes
                    .entry(index.name.clone())
                    .or_default()
                    .insert(entry, key.to_vec());
            }
        }
    }
}

/// What a write costs, and where.
#[derive(Default)]
pub(crate) struct Plan {
    pub consumed: Consumed,
    pub charges: Vec<Charge>,
}

/// One index's entry for an item: its key and its projected form.
fn entry(
    index: &IndexMeta,
    meta: &TableMeta,
    item: Option<&Item>,
    base_key: &[u8],
) -> Option<(Vec<u8>, Item)> {
    let item = item?;
    let key = index_entry_key(index, &meta.attribute_definitions, item, base_key)?;
    Some((key, index.project(item, &meta.key_schema)))
}

/// Index writes for one index, as GSI.html describes: 0, 1 or 2 writes of the projected entry,
/// each rounded up to 1 KB. Returns (entry key hash, cost) per write.
fn index_writes(
    index: &IndexMeta,
    meta: &TableMeta,
    old: Option<&Item>,
    new: Option<&Item>,
    base_key: &[u8],
    tx: bool,
) -> Vec<(u64, HalfUnits)> {
    let cost = |item: &Item| write_cost(item_size_bytes(item) as u64, tx);
    match (
        entry(index, meta, old, base_key),
        entry(index, meta, new, base_key),
    ) {
        (None, None) => vec![],
        (Some((k, o)), None) => vec![(key_hash(&k), cost(&o))],
        (None, Some((k, n))) => vec![(key_hash(&k), cost(&n))],
        (Some((ok, o)), Some((nk, n))) => {
            if ok != nk {
                vec![(key_hash(&ok), cost(&o)), (key_hash(&nk), cost(&n))]
            } else if o != n {
                vec![(key_hash(&nk), cost(&n))]
            } else {
                vec![]
            }
        }
    }
}

/// The capacity of replacing `old`, the item at `key`, by `new` (`None` deletes): the table write
/// on the larger of the two items, LSI writes (drawn from the table) and GSI writes (drawn from
/// each GSI). The caller has decoded `old` once for the whole write.
pub(crate) fn plan(
    state: &TableState,
    key: &[u8],
    old: Option<&Item>,
    new: Option<&Item>,
    tx: bool,
) -> Plan {
    let meta = &state.meta;
    let old_size = old.map_or(0, |o| item_size_bytes(o) as u64);
    let new_size = new.map_or(0, |n| item_size_bytes(n) as u64);
    let mut plan = Plan::default();
    let table_cost = write_cost(old_size.max(new_size), tx);
    plan.consumed.table_write += table_cost;
    let hash = key_hash(key);
    let mut table_total = table_cost;
    for index in meta.indexes() {
        for (entry_hash, cost) in index_writes(index, meta, old, new, key, tx) {
            if index.global {
                plan.consumed.add_gsi(&index.name, HalfUnits::ZERO, cost);
                plan.charges.push(Charge {
                    target: Target::Index(index.name.clone()),
                    op: Op::Write,
                    hash: entry_hash,
                    cost,
                });
            } else {
                plan.consumed.add_lsi(&index.name, HalfUnits::ZERO, cost);
                table_total += cost;
            }
        }
    }
    plan.charges.insert(
        0,
        Charge {
            target: Target::Table,
            op: Op::Write,
            hash,
            cost: table_total,
        },
    );
    plan
}

/// The capacity of a write that does not happen (failed condition, or a delete of nothing):
/// the larger of the existing item and the one the request tried to write, on the table only.
pub(crate) fn plan_failed(
    key: &[u8],
    old: Option<&Item>,
    attempted: Option<&Item>,
    tx: bool,
) -> Plan {
    let size = old
        .map_or(0, item_size_bytes)
        .max(attempted.map_or(0, item_size_bytes));
    let cost = write_cost(size as u64, tx);
    let mut plan = Plan::default();
    plan.consumed.table_write = cost;
    plan.charges.push(Charge {
        target: Target::Table,
        op: Op::Write,
        hash: key_hash(key),
        cost,
    });
    plan
}

/// Replaces the item at `key` by `new` (`None` deletes it), updating every index, the TTL
/// expiry index and the table's change log (Streams and point-in-time recovery). `origin` says
/// who made the write: a deletion by Time to Live is recorded as one (its stream record carries
/// DynamoDB's service `userIdentity`). Returns the mutations that make it durable. Every write
/// (the item operations, batches, transactions, PartiQL, TTL) goes through here.
pub(crate) fn apply(
    state: &mut TableState,
    key: &[u8],
    old: Option<&Item>,
    new: Option<Item>,
    now: Timestamp,
    origin: Origin,
) -> Vec<Mutation> {
    let TableState {
        meta,
        data,
        expiry,
        history,
        ..
    } = state;
    if meta.ttl.is_some() {
        if let Some(at) = old.and_then(|o| expires_at(meta, o)) {
            expiry.remove(&(at, key.to_vec()));
        }
        if let Some(at) = new.as_ref().and_then(|n| expires_at(meta, n)) {
            expiry.insert((at, key.to_vec()));
        }
    }
    let ttl_delete = origin == Origin::TimeToLive;
    let mut mutations = history.record(meta, key, old, new.as_ref(), now, ttl_delete);
    for index in meta.indexes() {
        let entries = data.indexes.entry(index.name.clone()).or_default();
        if let Some(old_key) =
            old.and_then(|o| index_entry_key(index, &meta.attribute_definitions, o, key))
        {
            entries.remove(&old_key);
        }
        if let Some(new_key) = new
            .as_ref()
            .and_then(|n| index_entry_key(index, &meta.attribute_definitions, n, key))
        {
            entries.insert(new_key, key.to_vec());
        }
    }
    match new {
        Some(item) => {
            // Encoded once: the same bytes are held in memory and written to disk.
            let encoded = data.items.insert(key, &item);
            mutations.insert(
                0,
                Mutation::PutItem {
                    table_id: meta.id,
                    key: key.to_vec(),
                    item: encoded,
                },
            );
        }
        None => {
            data.items.remove(key);
            mutations.insert(
                0,
                Mutation::DeleteItem {
                    table_id: meta.id,
                    key: key.to_vec(),
                },
            );
        }
    }
    mutations
}
