//! DeleteItem: removes an item by key, with a condition and ReturnValues ALL_OLD. Deleting a
//! missing item costs one write unit (see docs/design/capacity-model.md).

use dynolab_model::ApiError;
use dynolab_model::wire::{Checked, TABLE_NAME_CHECKS, Ty, field};
use serde_json::{Map, Value, json};

use super::shapes::*;
use super::{ReturnConsumed, item_json, required_item, with_consumed};
use crate::{Engine, Outcome, exprs, legacy, write_lock};

pub(crate) static SHAPE: super::Shape = &[
    RETURN_CONSUMED_CAPACITY,
    field("TableName", Ty::String, TABLE_NAME_CHECKS),
    KEY,
    CONDITIONAL_OPERATOR,
    field("Expected", legacy::EXPECTED, &[]),
    RETURN_VALUES,
    RETURN_ITEM_COLLECTION_METRICS,
    CONDITION_EXPRESSION,
    EXPRESSION_ATTRIBUTE_VALUES,
    EXPRESSION_ATTRIBUTE_NAMES,
    RETURN_VALUES_ON_CONDITION_CHECK_FAILURE,
];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let (key_item, exprs) =
        exprs::parse_with(req, &["ConditionExpression"], &["Expected"], || {
            let key = required_item(req, "Key")?;
            legacy::check_expected(req)?;
            let return_values = req.str_field("ReturnValues").unwrap_or("NONE");
            if return_values != "ALL_OLD" && return_values != "NONE" {
                return Err(ApiError::validation(
                    "ReturnValues can only be ALL_OLD or NONE",
                ));
            }
            Ok(key)
        })?;
    let condition = match exprs.condition {
        Some(c) => Some(c),
        None => legacy::expected(req)?,
    };
    let table_name = req.str_field("TableName").unwrap_or_default();
    let handle = engine.table(table_name)?;
    let now = engine.now();
    let mut state = write_lock(&handle);
    let key = state.meta.key_from_param(&key_item)?;
    let old = state.data.items.get(&key).cloned();
    let (consumed, mutation) =
        super::conditional_write(engine, &mut state, req, &key, None, condition.as_ref(), now)?;
    let ticket = engine.submit(mutation.into_iter().collect());
    let mut body = json!({});
    if req.str_field("ReturnValues") == Some("ALL_OLD")
        && let Some(old) = &old
    {
        body["Attributes"] = item_json(old);
    }
    let hash_name = state.meta.key_schema.hash.clone();
    if let Some(metrics) =
        super::item_collection_metrics(&state, req, &hash_name, key_item.get(&hash_name).cloned())
    {
        body["ItemCollectionMetrics"] = metrics;
    }
    Ok(Outcome {
        body: with_consumed(body, table_name, &consumed, ReturnConsumed::from_req(req)),
        ticket,
    })
}
