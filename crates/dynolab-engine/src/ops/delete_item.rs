//! DeleteItem: removes an item by key, with a condition and ReturnValues ALL_OLD. Deleting a
//! missing item costs one write unit (see docs/design/capacity-model.md).

use dynolab_model::ApiError;
use dynolab_model::wire::{Checked, ITEM_TABLE_NAME_CHECKS, Ty, field};
use serde_json::{Map, Value};

use super::required_item;
use super::shapes::*;
use crate::{Engine, Outcome, exprs, legacy, write_lock};

pub(crate) static SHAPE: super::Shape = &[
    RETURN_CONSUMED_CAPACITY,
    field("TableName", Ty::String, ITEM_TABLE_NAME_CHECKS),
    CONDITIONAL_OPERATOR,
    field("Expected", legacy::EXPECTED, &[]),
    RETURN_VALUES,
    RETURN_ITEM_COLLECTION_METRICS,
    KEY,
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
            super::check_return_values_all_old(req)?;
            Ok(key)
        })?;
    let key_paths = exprs.nested_heads();
    let condition = super::write_condition(req, exprs.condition)?;
    let handle = engine.table(req.str_field("TableName").unwrap_or_default())?;
    let now = engine.now();
    let mut state = write_lock(&handle);
    exprs::check_key_paths(&state.meta, &key_paths)?;
    let key = state.meta.key_from_param(&key_item)?;
    let old = super::check_condition(
        engine,
        &state,
        super::wants_old_on_failure(req),
        &key,
        None,
        condition.as_ref(),
        now,
    )?;
    let write = super::write_item(engine, &mut state, &key, old.as_ref(), None, now)?;
    let attributes = old.filter(|_| req.str_field("ReturnValues") == Some("ALL_OLD"));
    Ok(super::write_answer(
        engine, &state, req, write, attributes, &key_item,
    ))
}
