//! PutItem: replaces an item, with ConditionExpression (or legacy Expected), ReturnValues
//! ALL_OLD, and capacity charged on the larger of the old and new item.

use dynolab_model::ApiError;
use dynolab_model::size::{MAX_ITEM_SIZE_BYTES, item_size_bytes};
use dynolab_model::wire::{Check, Checked, TABLE_NAME_CHECKS, Ty, field};
use serde_json::{Map, Value, json};

use super::shapes::*;
use super::{ReturnConsumed, item_json, required_item, with_consumed};
use crate::table::check_index_keys;
use crate::{Engine, Outcome, exprs, legacy, write_lock};

pub(crate) static SHAPE: super::Shape = &[
    RETURN_CONSUMED_CAPACITY,
    field("TableName", Ty::String, TABLE_NAME_CHECKS),
    field(
        "Item",
        Ty::Map("AttributeValue", &Ty::Attr, &[]),
        &[Check::NotNull],
    ),
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
    let expressions = exprs::parse_with(req, &["ConditionExpression"], &["Expected"], || {
        let item = required_item(req, "Item")?;
        legacy::check_expected(req)?;
        let return_values = req.str_field("ReturnValues").unwrap_or("NONE");
        if return_values != "ALL_OLD" && return_values != "NONE" {
            return Err(ApiError::validation(
                "ReturnValues can only be ALL_OLD or NONE",
            ));
        }
        if item_size_bytes(&item) > MAX_ITEM_SIZE_BYTES {
            return Err(ApiError::validation(
                "Item size has exceeded the maximum allowed size",
            ));
        }
        Ok(item)
    })?;
    let (item, exprs) = expressions;
    let condition = match exprs.condition {
        Some(c) => Some(c),
        None => legacy::expected(req)?,
    };
    let mode = ReturnConsumed::from_req(req);
    let table_name = req.str_field("TableName").unwrap_or_default();
    let handle = engine.table(table_name)?;
    let now = engine.now();
    let mut state = write_lock(&handle);
    let key = state.meta.item_key(&item)?;
    check_index_keys(&state.meta, &item)?;
    let old = state.data.items.get(&key).cloned();
    let collection_key = state.meta.key_schema.hash.clone();
    let collection_value = item.get(&collection_key).cloned();
    let (consumed, mutation) = super::conditional_write(
        engine,
        &mut state,
        req,
        &key,
        Some(item),
        condition.as_ref(),
        now,
    )?;
    let ticket = engine.submit(mutation.into_iter().collect());
    let mut body = json!({});
    if req.str_field("ReturnValues") == Some("ALL_OLD")
        && let Some(old) = old
    {
        body["Attributes"] = item_json(&old);
    }
    if let Some(metrics) =
        super::item_collection_metrics(&state, req, &collection_key, collection_value)
    {
        body["ItemCollectionMetrics"] = metrics;
    }
    Ok(Outcome {
        body: with_consumed(body, table_name, &consumed, mode),
        ticket,
    })
}
