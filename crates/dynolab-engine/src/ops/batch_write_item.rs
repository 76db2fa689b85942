//! BatchWriteItem: up to 25 puts and deletes over any tables, each charged as its own write.
//! Every request is validated before any is applied, so a bad request writes nothing.

use std::collections::HashSet;

use dynolab_capacity::Consumed;
use dynolab_model::size::{MAX_ITEM_SIZE_BYTES, item_size_bytes};
use dynolab_model::value::{item_from_json, item_to_json};
use dynolab_model::wire::{self, Check, Checked, Ty, field};
use dynolab_model::{ApiError, Item};
use serde_json::{Map, Value, json};

use super::{ReturnConsumed, consumed_json};
use crate::table::check_index_keys;
use crate::{Engine, Outcome, TableHandle, read_lock, write, write_lock};

static WRITE_REQUEST: Ty = Ty::Struct(
    "WriteRequest",
    &[
        field(
            "DeleteRequest",
            Ty::Struct(
                "DeleteRequest",
                &[field(
                    "Key",
                    Ty::Map("AttributeValue", &Ty::Attr, &[]),
                    &[Check::NotNull],
                )],
            ),
            &[],
        ),
        field(
            "PutRequest",
            Ty::Struct(
                "PutRequest",
                &[field(
                    "Item",
                    Ty::Map("AttributeValue", &Ty::Attr, &[]),
                    &[Check::NotNull],
                )],
            ),
            &[],
        ),
    ],
);

pub(crate) static SHAPE: super::Shape = &[
    wire::RETURN_CONSUMED_CAPACITY,
    wire::RETURN_ITEM_COLLECTION_METRICS,
    field(
        "RequestItems",
        Ty::Map(
            "List",
            &Ty::List(&WRITE_REQUEST, &[Check::KeepsNull]),
            &[Check::KeepsNull],
        ),
        &[Check::NotNull, Check::LenMin(1), Check::KeysAreTableNames],
    ),
];

const MAX_REQUESTS: usize = 25;

enum Write {
    Put(Item),
    Delete(Item),
}

fn parse(req: &Map<String, Value>) -> Result<Vec<(String, Vec<Write>)>, ApiError> {
    let mut out = Vec::new();
    let mut total = 0;
    for (table, list) in req.obj_field("RequestItems").into_iter().flatten() {
        // DynamoDB Local 1.25.1's answer to a null list or a null request in it (found by
        // tests/differential).
        if list.is_null()
            || list
                .as_array()
                .is_some_and(|l| l.iter().any(Value::is_null))
        {
            return Err(ApiError::validation(format!(
                "The batch write request list for a table cannot be null or empty: {table}"
            )));
        }
        let list = list.as_array().map(Vec::as_slice).unwrap_or_default();
        if list.is_empty() || list.len() > MAX_REQUESTS {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{{{table}={}}}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]",
                list.len()
            )));
        }
        total += list.len();
        let mut writes = Vec::new();
        for request in list {
            let request = request.as_object().cloned().unwrap_or_default();
            let write = match (
                request.obj_field("PutRequest"),
                request.obj_field("DeleteRequest"),
            ) {
                (Some(put), None) => {
                    let item = item_from_json(put.obj_field("Item").unwrap_or(&Map::new()))
                        .map_err(ApiError::validation)?;
                    if item_size_bytes(&item) > MAX_ITEM_SIZE_BYTES {
                        return Err(ApiError::validation(
                            "Item size has exceeded the maximum allowed size",
                        ));
                    }
                    Write::Put(item)
                }
                (None, Some(delete)) => Write::Delete(
                    item_from_json(delete.obj_field("Key").unwrap_or(&Map::new()))
                        .map_err(ApiError::validation)?,
                ),
                _ => {
                    return Err(ApiError::validation(
                        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
                    ));
                }
            };
            writes.push(write);
        }
        out.push((table.clone(), writes));
    }
    if total > MAX_REQUESTS {
        return Err(ApiError::validation(
            "Too many items requested for the BatchWriteItem call",
        ));
    }
    Ok(out)
}

/// One table's share of a batch: its name, its handle, and each write with its item key.
type TableWrites = (String, TableHandle, Vec<(Vec<u8>, Write)>);

/// Resolves every request to its table and key, so nothing is written unless all are valid.
fn resolve(
    engine: &Engine,
    tables: Vec<(String, Vec<Write>)>,
) -> Result<Vec<TableWrites>, ApiError> {
    let mut out = Vec::new();
    for (name, writes) in tables {
        let handle = engine.table(&name)?;
        let mut keyed = Vec::new();
        {
            let state = read_lock(&handle);
            let mut seen = HashSet::new();
            for w in writes {
                let key = match &w {
                    Write::Put(item) => {
                        let key = state.meta.item_key(item)?;
                        check_index_keys(&state.meta, item)?;
                        key
                    }
                    Write::Delete(key) => state.meta.key_from_param(key)?,
                };
                if !seen.insert(key.clone()) {
                    return Err(ApiError::validation(
                        "Provided list of item keys contains duplicates",
                    ));
                }
                keyed.push((key, w));
            }
        }
        out.push((name, handle, keyed));
    }
    Ok(out)
}

fn request_json(w: &Write) -> Value {
    match w {
        Write::Put(item) => json!({"PutRequest": {"Item": item_to_json(item)}}),
        Write::Delete(key) => json!({"DeleteRequest": {"Key": item_to_json(key)}}),
    }
}

/// Writes every request the table's capacity admits; throttled ones come back in
/// `UnprocessedItems`, and only a batch where every request was throttled fails.
pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let tables = resolve(engine, parse(req)?)?;
    let mode = ReturnConsumed::from_req(req);
    let now = engine.now();
    let mut mutations = Vec::new();
    let mut capacity = Vec::new();
    let mut unprocessed = Map::new();
    let mut processed = 0;
    let mut throttle = None;
    for (name, handle, writes) in tables {
        let mut state = write_lock(&handle);
        let mut consumed = Consumed::default();
        let mut left = Vec::new();
        for (key, w) in writes {
            let new = match &w {
                Write::Put(item) => Some(item.clone()),
                Write::Delete(_) => None,
            };
            // The current item, decoded once for the plan, the keys and the write.
            let old = state.data.items.get(&key);
            let exists = old.is_some();
            let plan = match (&new, exists) {
                (None, false) => write::plan_failed(&key, None, None, false),
                _ => write::plan(&state, &key, old.as_ref(), new.as_ref(), false),
            };
            let keys = match &w {
                Write::Put(item) => engine.contributor_keys(&state.meta, item),
                Write::Delete(_) => old
                    .as_ref()
                    .map(|i| engine.contributor_keys(&state.meta, i))
                    .unwrap_or_default(),
            };
            if let Err(e) = engine.admit_keys(&state, &plan.charges, &keys, now) {
                left.push(request_json(&w));
                throttle.get_or_insert(e);
                continue;
            }
            processed += 1;
            consumed.merge(&plan.consumed);
            if new.is_some() || exists {
                mutations.extend(write::apply(
                    &mut state,
                    &key,
                    old.as_ref(),
                    new,
                    now,
                    write::Origin::User,
                ));
            }
        }
        engine.sample_storage(&state);
        if !left.is_empty() {
            unprocessed.insert(name.clone(), Value::Array(left));
        }
        if let Some(c) = consumed_json(&name, &consumed, mode) {
            capacity.push(c);
        }
    }
    if processed == 0
        && let Some(e) = throttle
    {
        return Err(e);
    }
    let ticket = engine.submit(mutations);
    let mut body = json!({"UnprocessedItems": unprocessed});
    if mode != ReturnConsumed::None {
        body["ConsumedCapacity"] = Value::Array(capacity);
    }
    if req.str_field("ReturnItemCollectionMetrics") == Some("SIZE") {
        body["ItemCollectionMetrics"] = json!({});
    }
    Ok(Outcome { body, ticket })
}
