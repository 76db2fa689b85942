//! GetItem: one item by key, eventually or strongly consistent, with a projection.

use dynolab_capacity::{Consumed, ReadKind, read_cost};
use dynolab_model::ApiError;
use dynolab_model::value::item_into_json;
use dynolab_model::wire::{Checked, ITEM_TABLE_NAME_CHECKS, Ty, field};
use serde_json::{Map, Value, json};

use super::shapes::*;
use super::{ReturnConsumed, required_item, with_consumed};
use crate::{Engine, Outcome, exprs, legacy, read_lock};

pub(crate) static SHAPE: super::Shape = &[
    RETURN_CONSUMED_CAPACITY,
    ATTRIBUTES_TO_GET,
    field("TableName", Ty::String, ITEM_TABLE_NAME_CHECKS),
    KEY,
    CONSISTENT_READ,
    PROJECTION_EXPRESSION,
    EXPRESSION_ATTRIBUTE_NAMES,
];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let (key_item, exprs) =
        exprs::parse_with(req, &["ProjectionExpression"], &["AttributesToGet"], || {
            let key = required_item(req, "Key")?;
            legacy::check_attributes_to_get(req)?;
            Ok(key)
        })?;
    let key_paths = exprs.nested_heads();
    let projection = match exprs.projection {
        Some(p) => Some(p),
        None => legacy::attributes_to_get(req),
    };
    let table_name = req.str_field("TableName").unwrap_or_default();
    let handle = engine.table(table_name)?;
    let state = read_lock(&handle);
    exprs::check_key_paths(&state.meta, &key_paths)?;
    let key = state.meta.key_from_param(&key_item)?;
    let kind = ReadKind::from_consistent(req.bool_field("ConsistentRead").unwrap_or(false));
    let stored = state.data.items.get_stored(&key);
    let cost = read_cost(stored.map_or(0, |s| s.size), kind);
    let charge = crate::capacity::read_charge(None, dynolab_storage::keys::key_hash(&key), cost);
    let keys = engine.contributor_keys(&state.meta, &key_item);
    engine.admit_keys(&state, &[charge], &keys[..keys.len().min(1)], engine.now())?;
    let consumed = Consumed {
        table_read: cost,
        ..Default::default()
    };
    let mut body = json!({});
    // Without a projection the answer is written straight from the stored bytes.
    let item = match &projection {
        Some(p) => stored
            .and_then(|s| s.decode())
            .map(|item| item_into_json(p.apply(&item))),
        None => stored
            .and_then(|s| dynolab_storage::codec::decode_json(s.bytes))
            .map(Value::Object),
    };
    if let Some(item) = item {
        body["Item"] = item;
    }
    Ok(Outcome::read(with_consumed(
        body,
        table_name,
        &consumed,
        ReturnConsumed::from_req(req),
    )))
}
