//! UpdateItem: SET / REMOVE / ADD / DELETE (or legacy AttributeUpdates) on an existing or new
//! item; the new item is computed whole before anything is written.

use dynolab_model::size::{MAX_ITEM_SIZE_BYTES, item_size_bytes};
use dynolab_model::wire::{Checked, TABLE_NAME_CHECKS, Ty, field};
use dynolab_model::{ApiError, Item};
use serde_json::{Map, Value, json};

use super::shapes::*;
use super::{ReturnConsumed, item_json, required_item, with_consumed};
use crate::table::check_index_keys;
use crate::{Engine, Outcome, exprs, legacy, write_lock};

pub(crate) static SHAPE: super::Shape = &[
    field("AttributeUpdates", legacy::ATTRIBUTE_UPDATES, &[]),
    RETURN_CONSUMED_CAPACITY,
    field("TableName", Ty::String, TABLE_NAME_CHECKS),
    KEY,
    CONDITIONAL_OPERATOR,
    field("Expected", legacy::EXPECTED, &[]),
    RETURN_VALUES,
    RETURN_ITEM_COLLECTION_METRICS,
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
    let update = match exprs.update {
        Some(u) => Some(u),
        None => legacy::attribute_updates(req)?,
    };
    let condition = match exprs.condition {
        Some(c) => Some(c),
        None => legacy::expected(req)?,
    };
    let table_name = req.str_field("TableName").unwrap_or_default();
    let handle = engine.table(table_name)?;
    let now = engine.now();
    let mut state = write_lock(&handle);
    let key = state.meta.key_from_param(&key_item)?;
    if let Some(update) = &update {
        for target in update.top_level_targets() {
            if state.meta.key_schema.names().any(|k| k == target) {
                return Err(ApiError::invalid_parameter(format!(
                    "Cannot update attribute {target}. This attribute is part of the key"
                )));
            }
        }
    }
    let old = state.data.items.get(&key).cloned();
    if let Some(condition) = &condition
        && !condition.eval(old.as_ref().unwrap_or(&Item::new()))
    {
        // The condition fails before the update is computed: charge and answer it here.
        let failed = super::conditional_write(
            engine,
            &mut state,
            req,
            &key,
            old.clone(),
            Some(condition),
            now,
        );
        return Err(failed
            .err()
            .unwrap_or_else(|| ApiError::conditional_check_failed(None)));
    }
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
    let hash_name = state.meta.key_schema.hash.clone();
    let hash_value = key_item.get(&hash_name).cloned();
    let (consumed, mutation) =
        super::conditional_write(engine, &mut state, req, &key, Some(new.clone()), None, now)?;
    let ticket = engine.submit(mutation.into_iter().collect());
    let attributes = match req.str_field("ReturnValues").unwrap_or("NONE") {
        "ALL_OLD" => old,
        "ALL_NEW" => Some(new),
        "UPDATED_OLD" => old.map(|o| pick(&o, &touched)),
        "UPDATED_NEW" => Some(pick(&new, &touched)),
        _ => None,
    };
    let mut body = json!({});
    if let Some(attributes) = attributes.filter(|a| !a.is_empty()) {
        body["Attributes"] = item_json(&attributes);
    }
    if let Some(metrics) = super::item_collection_metrics(&state, req, &hash_name, hash_value) {
        body["ItemCollectionMetrics"] = metrics;
    }
    Ok(Outcome {
        body: with_consumed(body, table_name, &consumed, ReturnConsumed::from_req(req)),
        ticket,
    })
}
