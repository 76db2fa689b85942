//! TransactGetItems: up to 100 Gets over any tables, read as one snapshot (every table is
//! read-locked for the whole request) and charged as transactional reads (2× strongly
//! consistent). Throttling cancels the whole request.

use std::collections::BTreeMap;

use dynolab_capacity::{Consumed, ReadKind, read_cost};
use dynolab_model::ApiError;
use dynolab_model::size::item_size_bytes;
use dynolab_model::wire::{Check, Checked, TABLE_NAME_CHECKS, Ty, field};
use dynolab_storage::keys::key_hash;
use serde_json::{Map, Value, json};

use super::shapes::*;
use super::{ReturnConsumed, consumed_json, item_json, item_param};
use crate::{Engine, Outcome, TableState, exprs, read_lock};

static TRANSACT_GET_ITEM: Ty = Ty::Struct(
    "TransactGetItem",
    &[field(
        "Get",
        Ty::Struct(
            "Get",
            &[
                KEY,
                field("TableName", Ty::String, TABLE_NAME_CHECKS),
                PROJECTION_EXPRESSION,
                EXPRESSION_ATTRIBUTE_NAMES,
            ],
        ),
        &[Check::NotNull],
    )],
);

pub(crate) static SHAPE: super::Shape = &[
    RETURN_CONSUMED_CAPACITY,
    field(
        "TransactItems",
        Ty::List(&TRANSACT_GET_ITEM, &[Check::NotNull]),
        &[Check::NotNull, Check::LenMin(1), Check::LenMax(100)],
    ),
];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let mut gets = Vec::new();
    for entry in req
        .list_field("TransactItems")
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
    {
        let spec = entry.obj_field("Get").cloned().unwrap_or_default();
        let (key, exprs) = exprs::parse_with(&spec, &["ProjectionExpression"], &[], || {
            Ok(item_param(&spec, "Key")?.unwrap_or_default())
        })?;
        gets.push((
            spec.str_field("TableName").unwrap_or_default().to_string(),
            key,
            exprs.projection,
        ));
    }
    run(engine, &gets, req)
}

/// One Get: table, key, projection.
pub(crate) type Get = (
    String,
    dynolab_model::Item,
    Option<dynolab_expr::Projection>,
);

/// Reads `gets` as one snapshot; `req` gives `ReturnConsumedCapacity`.
pub(crate) fn run(
    engine: &Engine,
    gets: &[Get],
    req: &Map<String, Value>,
) -> Result<Outcome, ApiError> {
    let now = engine.now();
    let names: std::collections::BTreeSet<&str> = gets.iter().map(|g| g.0.as_str()).collect();
    let handles: Vec<(String, crate::TableHandle)> = names
        .iter()
        .map(|n| Ok((n.to_string(), engine.table(n)?)))
        .collect::<Result<_, ApiError>>()?;
    let guards: BTreeMap<String, std::sync::RwLockReadGuard<'_, TableState>> = handles
        .iter()
        .map(|(n, h)| (n.clone(), read_lock(h)))
        .collect();
    let mut keys = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (table, key_item, projection) in gets {
        if let Some(p) = projection {
            let nested: Vec<String> = p.nested_path_heads().into_iter().collect();
            crate::exprs::check_key_paths(&guards[table].meta, &nested)?;
        }
        let key = guards[table].meta.key_from_param(key_item)?;
        // DynamoDB: one item at most once per transaction, reads too (issue 20, item 8).
        if !seen.insert((table.as_str(), key.clone())) {
            return Err(ApiError::validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
        keys.push(key);
    }
    let mut consumed: BTreeMap<String, Consumed> = BTreeMap::new();
    let mut charges: BTreeMap<&str, Vec<dynolab_capacity::Charge>> = BTreeMap::new();
    for ((table, _, _), key) in gets.iter().zip(&keys) {
        let item = guards[table].data.items.get(key);
        let item = item.as_ref();
        let cost = read_cost(
            item.map_or(0, item_size_bytes) as u64,
            ReadKind::Transactional,
        );
        consumed.entry(table.clone()).or_default().table_read += cost;
        charges
            .entry(table.as_str())
            .or_default()
            .push(crate::capacity::read_charge(None, key_hash(key), cost));
    }
    for (table, table_charges) in &charges {
        let state = &guards[*table];
        if let Err(e) = engine.admit(state, table_charges, now) {
            return Err(crate::capacity::transaction_throttled(
                gets.iter().map(|g| g.0.as_str()),
                state,
                &e,
            ));
        }
    }
    let responses: Vec<Value> = gets
        .iter()
        .zip(&keys)
        .map(|((table, _, projection), key)| match guards[table].data.items.get(key) {
            Some(item) => json!({"Item": item_json(&projection.as_ref().map_or(item.clone(), |p| p.apply(&item)))}),
            None => json!({}),
        })
        .collect();
    let mode = ReturnConsumed::from_req(req);
    let mut body = json!({"Responses": responses});
    if mode != ReturnConsumed::None {
        body["ConsumedCapacity"] = Value::Array(
            consumed
                .iter()
                .filter_map(|(t, c)| consumed_json(t, c, mode))
                .collect(),
        );
    }
    Ok(Outcome::read(body))
}
