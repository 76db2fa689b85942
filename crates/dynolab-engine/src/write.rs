//! The one write path: every Put, Update, Delete, batch write (and later transaction) changes an
//! item through [`apply`], which keeps the index keyspaces exact, charges the capacity DynamoDB
//! charges, and returns the durable mutation.

use dynolab_capacity::{Consumed, HalfUnits, write_cost};
use dynolab_model::Item;
use dynolab_model::size::item_size_bytes;
use dynolab_storage::{Mutation, codec};

use crate::TableState;
use crate::table::{IndexMeta, index_entry_key};

/// Loads an item read back from disk: no capacity, no mutation.
pub(crate) fn load_item(state: &mut TableState, key: Vec<u8>, item: Item) {
    let TableState { meta, data } = state;
    for index in meta.indexes() {
        if let Some(entry) = index_entry_key(index, &meta.attribute_definitions, &item, &key) {
            data.indexes
                .entry(index.name.clone())
                .or_default()
                .insert(entry, key.clone());
        }
    }
    data.size_bytes += item_size_bytes(&item) as u64;
    data.items.insert(key, item);
}

/// Index write units for one index, as GSI.html describes: 0, 1 or 2 writes of the projected
/// entry, each rounded up to 1 KB.
fn index_cost(
    index: &IndexMeta,
    state_meta: &crate::table::TableMeta,
    old: Option<&Item>,
    new: Option<&Item>,
    base_key: &[u8],
    transactional: bool,
) -> HalfUnits {
    let defs = &state_meta.attribute_definitions;
    let old_entry = old.and_then(|o| {
        index_entry_key(index, defs, o, base_key)
            .map(|k| (k, index.project(o, &state_meta.key_schema)))
    });
    let new_entry = new.and_then(|n| {
        index_entry_key(index, defs, n, base_key)
            .map(|k| (k, index.project(n, &state_meta.key_schema)))
    });
    let cost = |item: &Item| write_cost(item_size_bytes(item) as u64, transactional);
    match (old_entry, new_entry) {
        (None, None) => HalfUnits::ZERO,
        (Some((_, o)), None) => cost(&o),
        (None, Some((_, n))) => cost(&n),
        (Some((ok, o)), Some((nk, n))) => {
            if ok != nk {
                cost(&o) + cost(&n)
            } else if o != n {
                cost(&n)
            } else {
                HalfUnits::ZERO
            }
        }
    }
}

/// Replaces the item at `key` by `new` (`None` deletes it), updating every index, and adds the
/// write's capacity to `consumed`. Returns the mutation that makes it durable.
pub(crate) fn apply(
    state: &mut TableState,
    key: &[u8],
    new: Option<Item>,
    consumed: &mut Consumed,
    transactional: bool,
) -> Mutation {
    let TableState { meta, data } = state;
    let old = data.items.get(key);
    let old_size = old.map_or(0, |o| item_size_bytes(o) as u64);
    let new_size = new.as_ref().map_or(0, |n| item_size_bytes(n) as u64);
    consumed.table_write += write_cost(old_size.max(new_size), transactional);
    for index in meta.indexes() {
        let cost = index_cost(index, meta, old, new.as_ref(), key, transactional);
        if cost == HalfUnits::ZERO {
            continue;
        }
        if index.global {
            consumed.add_gsi(&index.name, HalfUnits::ZERO, cost);
        } else {
            consumed.add_lsi(&index.name, HalfUnits::ZERO, cost);
        }
    }
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
    data.size_bytes = data.size_bytes.saturating_sub(old_size) + new_size;
    match new {
        Some(item) => {
            let encoded = codec::encode_item(&item);
            data.items.insert(key.to_vec(), item);
            Mutation::PutItem {
                table_id: meta.id,
                key: key.to_vec(),
                item: encoded,
            }
        }
        None => {
            data.items.remove(key);
            Mutation::DeleteItem {
                table_id: meta.id,
                key: key.to_vec(),
            }
        }
    }
}

/// The charge of a write that did not happen (failed condition): the larger of the existing
/// item and the one the request tried to write, on the table only.
pub(crate) fn charge_failed(
    old: Option<&Item>,
    attempted: Option<&Item>,
    consumed: &mut Consumed,
    transactional: bool,
) {
    let size = old
        .map_or(0, item_size_bytes)
        .max(attempted.map_or(0, item_size_bytes));
    consumed.table_write += write_cost(size as u64, transactional);
}
