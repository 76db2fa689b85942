//! PutItem: replaces an item, with ConditionExpression (or legacy Expected), ReturnValues
//! ALL_OLD, and capacity charged on the larger of the old and new item.

use dynolab_model::ApiError;
use dynolab_model::size::{MAX_ITEM_SIZE_BYTES, item_size_bytes};
use dynolab_model::wire::{Check, Checked, ITEM_TABLE_NAME_CHECKS, Ty, field};
use serde_json::{Map, Value};

use super::required_item;
use super::shapes::*;
use crate::table::check_index_keys;
use crate::{Engine, Outcome, exprs, legacy, write_lock};

pub(crate) static SHAPE: super::Shape = &[
    RETURN_CONSUMED_CAPACITY,
    field("TableName", Ty::String, ITEM_TABLE_NAME_CHECKS),
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
        super::check_return_values_all_old(req)?;
        if item_size_bytes(&item) > MAX_ITEM_SIZE_BYTES {
            return Err(ApiError::validation(
                "Item size has exceeded the maximum allowed size",
            ));
        }
        Ok(item)
    })?;
    let (item, exprs) = expressions;
    let key_paths = exprs.nested_heads();
    let condition = super::write_condition(req, exprs.condition)?;
    let handle = engine.table(req.str_field("TableName").unwrap_or_default())?;
    let now = engine.now();
    let mut state = write_lock(&handle);
    exprs::check_key_paths(&state.meta, &key_paths)?;
    let key = state.meta.item_key(&item)?;
    check_index_keys(&state.meta, &item)?;
    let old = super::check_condition(
        engine,
        &state,
        super::wants_old_on_failure(req),
        &key,
        Some(&item),
        condition.as_ref(),
        now,
    )?;
    let write = super::write_item(
        engine,
        &mut state,
        &key,
        old.as_ref(),
        Some(item.clone()),
        now,
    )?;
    let attributes = old.filter(|_| req.str_field("ReturnValues") == Some("ALL_OLD"));
    Ok(super::write_answer(
        engine, &state, req, write, attributes, &item,
    ))
}
