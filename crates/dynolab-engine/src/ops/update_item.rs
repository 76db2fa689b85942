//! UpdateItem: SET / REMOVE / ADD / DELETE (or legacy AttributeUpdates) on an existing or new
//! item; the new item is computed whole before anything is written.

use dynolab_model::size::{MAX_ITEM_SIZE_BYTES, item_size_bytes};
use dynolab_model::wire::{Checked, ITEM_TABLE_NAME_CHECKS, Ty, field};
use dynolab_model::{ApiError, Item};
use serde_json::{Map, Value};

use super::required_item;
use super::shapes::*;
use crate::table::check_index_keys;
use crate::{Engine, Outcome, exprs, legacy, write_lock};

pub(crate) static SHAPE: super::Shape = &[
    field("AttributeUpdates", legacy::ATTRIBUTE_UPDATES, &[]),
    RETURN_CONSUMED_CAPACITY,
    field("TableName", Ty::String, ITEM_TABLE_NAME_CHECKS),
    CONDITIONAL_OPERATOR,
    field("Expected", legacy::EXPECTED, &[]),
    RETURN_ITEM_COLLECTION_METRICS,
    RETURN_VALUES,
    KEY,
    field("UpdateExpression", Ty::String, &[]),
    CONDITION_EXPRESSION,
    EXPRESSION_ATTRIBUTE_VALUES,
    EXPRESSION_ATTRIBUTE_NAMES,
    RETURN_VALUES_ON_CONDITION_CHECK_FAILURE,
];

fn pick(item: &Item, names: &std::collections::BTreeSet<String>) -> Item {
    item.iter()
        .filter(|(k, _)| names.contains(*k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let (key_item, exprs) = exprs::parse_with(
        req,
        &["UpdateExpression", "ConditionExpression"],
        &["AttributeUpdates", "Expected"],
        || {
            let key = required_item(req, "Key")?;
            legacy::check_attribute_updates(req)?;
            legacy::check_expected(req)?;
            Ok(key)
        },
    )?;
    let key_paths = exprs.nested_heads();
    let update = match exprs.update {
        Some(u) => Some(u),
        None => legacy::attribute_updates(req)?,
    };
    let condition = super::write_condition(req, exprs.condition)?;
    let handle = engine.table(req.str_field("TableName").unwrap_or_default())?;
    let now = engine.now();
    let mut state = write_lock(&handle);
    exprs::check_key_paths(&state.meta, &key_paths)?;
    let key = state.meta.key_from_param(&key_item)?;
    if let Some(update) = &update {
        state.meta.check_update_targets(update)?;
    }
    // The condition is checked on the current item before the update is computed.
    let old = super::check_condition(
        engine,
        &state,
        super::wants_old_on_failure(req),
        &key,
        None,
        condition.as_ref(),
        now,
    )?;
    let mut new = old.clone().unwrap_or_else(|| key_item.clone());
    let touched = match &update {
        Some(update) => update
            .apply(&mut new)
            .map_err(|e| ApiError::validation(e.to_string()))?,
        None => Default::default(),
    };
    if item_size_bytes(&new) > MAX_ITEM_SIZE_BYTES {
        return Err(ApiError::validation(
            "Item size to update has exceeded the maximum allowed size",
        ));
    }
    check_index_keys(&state.meta, &new)?;
    let write = super::write_item(
        engine,
        &mut state,
        &key,
        old.as_ref(),
        Some(new.clone()),
        now,
    )?;
    let attributes = match req.str_field("ReturnValues").unwrap_or("NONE") {
        "ALL_OLD" => old,
        "ALL_NEW" => Some(new),
        "UPDATED_OLD" => old.map(|o| pick(&o, &touched)),
        "UPDATED_NEW" => Some(pick(&new, &touched)),
        _ => None,
    };
    Ok(super::write_answer(
        engine, &state, req, write, attributes, &key_item,
    ))
}
