//! TransactWriteItems: up to 100 ConditionCheck, Put, Update and Delete actions over any tables,
//! all or nothing. Input errors are top-level ValidationExceptions; failed conditions, runtime
//! update errors and throttling cancel the transaction with one reason per action, in order.
//! Every table involved is locked (in name order) for the whole transaction, so it is isolated
//! from concurrent writes; its mutations are committed to disk as one batch.

use std::collections::{BTreeMap, HashSet};

use dynolab_capacity::{Charge, Consumed, Op, ReadKind, Target, read_cost};
use dynolab_expr::{Condition, Update};
use dynolab_model::size::{MAX_ITEM_SIZE_BYTES, item_size_bytes};
use dynolab_model::wire::{Check, Checked, TABLE_NAME_CHECKS, Ty, field};
use dynolab_model::{ApiError, CancellationReason, Item};
use dynolab_storage::keys::key_hash;
use serde_json::{Map, Value, json};

use super::shapes::*;
use super::{ReturnConsumed, consumed_json, item_param};
use crate::idempotency::Seen;
use crate::table::check_index_keys;
use crate::{Engine, Outcome, TableState, exprs, write, write_lock};

const TABLE_NAME: dynolab_model::wire::Field = field("TableName", Ty::String, TABLE_NAME_CHECKS);

static TRANSACT_WRITE_ITEM: Ty = Ty::Struct(
    "TransactWriteItem",
    &[
        field(
            "ConditionCheck",
            Ty::Struct(
                "ConditionCheck",
                &[
                    KEY,
                    field("ConditionExpression", Ty::String, &[Check::NotNull]),
                    TABLE_NAME,
                    EXPRESSION_ATTRIBUTE_NAMES,
                    EXPRESSION_ATTRIBUTE_VALUES,
                    RETURN_VALUES_ON_CONDITION_CHECK_FAILURE,
                ],
            ),
            &[],
        ),
        field(
            "Put",
            Ty::Struct(
                "Put",
                &[
                    field(
                        "Item",
                        Ty::Map("AttributeValue", &Ty::Attr, &[]),
                        &[Check::NotNull],
                    ),
                    CONDITION_EXPRESSION,
                    TABLE_NAME,
                    EXPRESSION_ATTRIBUTE_NAMES,
                    EXPRESSION_ATTRIBUTE_VALUES,
                    RETURN_VALUES_ON_CONDITION_CHECK_FAILURE,
                ],
            ),
            &[],
        ),
        field(
            "Delete",
            Ty::Struct(
                "Delete",
                &[
                    KEY,
                    CONDITION_EXPRESSION,
                    TABLE_NAME,
                    EXPRESSION_ATTRIBUTE_NAMES,
                    EXPRESSION_ATTRIBUTE_VALUES,
                    RETURN_VALUES_ON_CONDITION_CHECK_FAILURE,
                ],
            ),
            &[],
        ),
        field(
            "Update",
            Ty::Struct(
                "Update",
                &[
                    KEY,
                    field("UpdateExpression", Ty::String, &[Check::NotNull]),
                    CONDITION_EXPRESSION,
                    TABLE_NAME,
                    EXPRESSION_ATTRIBUTE_NAMES,
                    EXPRESSION_ATTRIBUTE_VALUES,
                    RETURN_VALUES_ON_CONDITION_CHECK_FAILURE,
                ],
            ),
            &[],
        ),
    ],
);

pub(crate) static SHAPE: super::Shape = &[
    RETURN_CONSUMED_CAPACITY,
    RETURN_ITEM_COLLECTION_METRICS,
    field(
        "TransactItems",
        Ty::List(&TRANSACT_WRITE_ITEM, &[Check::NotNull]),
        &[Check::NotNull, Check::LenMin(1), Check::LenMax(100)],
    ),
    field(
        "ClientRequestToken",
        Ty::String,
        &[Check::LenMin(1), Check::LenMax(36)],
    ),
];

/// A transaction may carry at most 4 MB of items.
const MAX_TRANSACTION_BYTES: usize = 4 * 1024 * 1024;

pub(crate) enum Kind {
    Check,
    Put(Item),
    Delete,
    Update(Update),
}

/// One validated action (of TransactWriteItems, or a PartiQL statement of ExecuteTransaction).
pub(crate) struct Action {
    pub kind: Kind,
    pub table: String,
    /// The `Key` of Check/Delete/Update (the item itself for Put).
    pub key_item: Item,
    pub condition: Option<Condition>,
    /// `ReturnValuesOnConditionCheckFailure` `ALL_OLD`.
    pub wants_old: bool,
    /// The cancellation reason of a failed condition: `ConditionalCheckFailed`, or
    /// `DuplicateItem` for a PartiQL INSERT of a key that exists.
    pub failure: (&'static str, &'static str),
}

/// A failed condition's cancellation reason.
pub(crate) const CONDITION_FAILED: (&str, &str) =
    ("ConditionalCheckFailed", "The conditional request failed");

fn parse(req: &Map<String, Value>) -> Result<Vec<Action>, ApiError> {
    let mut actions = Vec::new();
    let mut bytes = 0;
    for entry in req
        .list_field("TransactItems")
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
    {
        let present: Vec<&str> = ["ConditionCheck", "Put", "Delete", "Update"]
            .into_iter()
            .filter(|k| entry.contains_key(*k))
            .collect();
        // No known action at all (an unknown one is dropped by the type pass) and more than one
        // are different mistakes with different texts: dynalite's test/transactWriteItem.js
        // 'should return ValidationException for single invalid action', and moto's
        // test_transact_write_items_multiple_operations_fail, both asserted as DynamoDB's.
        if present.is_empty() {
            return Err(ApiError::validation(
                "The action or operation requested is invalid. Verify that the action is typed correctly.",
            ));
        }
        let (&[which], Some(spec)) = (
            present.as_slice(),
            present.first().and_then(|k| entry.obj_field(k)),
        ) else {
            return Err(ApiError::validation(
                "TransactItems can only contain one of Check, Put, Update or Delete",
            ));
        };
        let table = spec.str_field("TableName").unwrap_or_default().to_string();
        let (item_param_name, expressions): (&str, &[&str]) = match which {
            "Put" => ("Item", &["ConditionExpression"]),
            "Update" => ("Key", &["UpdateExpression", "ConditionExpression"]),
            _ => ("Key", &["ConditionExpression"]),
        };
        let (key_item, exprs) = exprs::parse_with(spec, expressions, &[], || {
            Ok(item_param(spec, item_param_name)?.unwrap_or_default())
        })?;
        bytes += item_size_bytes(&key_item);
        let kind = match which {
            "ConditionCheck" => Kind::Check,
            "Put" => {
                if item_size_bytes(&key_item) > MAX_ITEM_SIZE_BYTES {
                    return Err(ApiError::validation(
                        "Item size has exceeded the maximum allowed size",
                    ));
                }
                Kind::Put(key_item.clone())
            }
            "Delete" => Kind::Delete,
            // The shape requires UpdateExpression in an Update.
            _ => Kind::Update(exprs.update.ok_or_else(|| {
                ApiError::validation(
                    "The parameter 'UpdateExpression' is required but was not specified.",
                )
            })?),
        };
        actions.push(Action {
            kind,
            table,
            key_item,
            condition: exprs.condition,
            wants_old: super::wants_old_on_failure(spec),
            failure: CONDITION_FAILED,
        });
    }
    if bytes > MAX_TRANSACTION_BYTES {
        return Err(ApiError::validation("Transaction request is too large"));
    }
    Ok(actions)
}

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let actions = parse(req)?;
    run(engine, &actions, req)
}

/// Runs validated actions as one transaction; `req` gives `ReturnConsumedCapacity` and
/// `ReturnItemCollectionMetrics`.
pub(crate) fn run(
    engine: &Engine,
    actions: &[Action],
    req: &Map<String, Value>,
) -> Result<Outcome, ApiError> {
    let now = engine.now();
    // Lock every table involved, in name order, for the whole transaction.
    let names: std::collections::BTreeSet<&str> =
        actions.iter().map(|a| a.table.as_str()).collect();
    let handles: Vec<(String, crate::TableHandle)> = names
        .iter()
        .map(|n| Ok((n.to_string(), engine.table(n)?)))
        .collect::<Result<_, ApiError>>()?;
    let mut guards: BTreeMap<String, std::sync::RwLockWriteGuard<'_, TableState>> = handles
        .iter()
        .map(|(n, h)| (n.clone(), write_lock(h)))
        .collect();

    // Keys, and input validation that is a top-level ValidationException.
    let mut keys = Vec::with_capacity(actions.len());
    let mut seen = HashSet::new();
    for a in actions {
        let state = &guards[&a.table];
        let mut nested = Vec::new();
        if let Kind::Update(update) = &a.kind {
            nested.extend(update.nested_path_heads());
        }
        // A ConditionCheck's condition may look inside a key attribute (DynamoDB Local 1.25.1
        // accepts it there and refuses it in a Put, Update or Delete; found by tests/differential).
        if let Some(c) = &a.condition
            && !matches!(a.kind, Kind::Check)
        {
            nested.extend(c.nested_path_heads());
        }
        crate::exprs::check_key_paths(&state.meta, &nested)?;
        let key = match &a.kind {
            Kind::Put(item) => {
                check_index_keys(&state.meta, item)?;
                state.meta.item_key(item)?
            }
            _ => state.meta.key_from_param(&a.key_item)?,
        };
        if let Kind::Update(update) = &a.kind {
            state.meta.check_update_targets(update)?;
        }
        if !seen.insert((a.table.clone(), key.clone())) {
            return Err(ApiError::validation(
                "Transaction request cannot include multiple operations on one item",
            ));
        }
        keys.push(key);
    }

    // A repeated ClientRequestToken answers the first result again, charging only the reads
    // of the items it names. Checked under the table locks, so two identical requests cannot
    // both apply.
    let token = req.str_field("ClientRequestToken");
    if let Some(token) = token
        && let Seen::Repeat(body) = engine.tokens().check(token, req, now)?
    {
        return repeat(engine, req, actions, &keys, &guards, body, now);
    }

    // Conditions and new items, computed on copies: nothing changes unless everything passes.
    let mut reasons = Vec::with_capacity(actions.len());
    let mut news: Vec<Option<Option<Item>>> = Vec::with_capacity(actions.len());
    for (a, key) in actions.iter().zip(&keys) {
        let state = &guards[&a.table];
        let old = state.data.items.get(key);
        let old = old.as_ref();
        let passes = a
            .condition
            .as_ref()
            .is_none_or(|c| c.eval(old.unwrap_or(&Item::new())));
        if !passes {
            reasons.push(CancellationReason {
                code: a.failure.0.into(),
                message: Some(a.failure.1.into()),
                item: old.cloned().filter(|_| a.wants_old),
            });
            news.push(None);
            continue;
        }
        let new = match &a.kind {
            Kind::Check => None,
            Kind::Put(item) => Some(Some(item.clone())),
            Kind::Delete => Some(None),
            Kind::Update(update) => {
                let mut item = old.cloned().unwrap_or_else(|| a.key_item.clone());
                let applied = update
                    .apply(&mut item)
                    .map_err(|e| e.to_string())
                    .and_then(|_| {
                        if item_size_bytes(&item) > MAX_ITEM_SIZE_BYTES {
                            Err("Item size to update has exceeded the maximum allowed size"
                                .to_string())
                        } else {
                            check_index_keys(&state.meta, &item)
                                .map_err(|e| e.message.unwrap_or_default())
                        }
                    });
                match applied {
                    Ok(()) => Some(Some(item)),
                    Err(message) => {
                        reasons.push(CancellationReason {
                            code: "ValidationError".into(),
                            message: Some(message),
                            item: None,
                        });
                        news.push(None);
                        continue;
                    }
                }
            }
        };
        reasons.push(CancellationReason::none());
        news.push(new);
    }
    if reasons.iter().any(|r| r.code != "None") {
        return Err(ApiError::transaction_canceled(reasons));
    }

    // Capacity: transactional units (2×), admitted per table; a throttled table cancels all.
    let mut consumed: BTreeMap<String, Consumed> = BTreeMap::new();
    let mut per_table: BTreeMap<&str, (Vec<dynolab_capacity::Charge>, Vec<crate::KeyRef>)> =
        BTreeMap::new();
    // Each action's current item, decoded once for its plan, its keys and its write (the
    // actions name distinct items, so applying one never changes another's).
    let mut olds = Vec::with_capacity(actions.len());
    for ((a, key), new) in actions.iter().zip(&keys).zip(&news) {
        let state = &guards[&a.table];
        let old = state.data.items.get(key);
        let plan = match new {
            Some(new) => write::plan(state, key, old.as_ref(), new.as_ref(), true),
            None => write::plan_failed(key, old.as_ref(), None, true),
        };
        consumed
            .entry(a.table.clone())
            .or_default()
            .merge(&plan.consumed);
        let entry = per_table.entry(a.table.as_str()).or_default();
        entry.0.extend(plan.charges);
        match new.as_ref().and_then(|n| n.as_ref()) {
            Some(item) => entry.1.extend(engine.contributor_keys(&state.meta, item)),
            None => {
                if let Some(item) = &old {
                    entry.1.extend(engine.contributor_keys(&state.meta, item));
                }
            }
        }
        olds.push(old);
    }
    for (table, (charges, contributors)) in &per_table {
        let state = &guards[*table];
        if let Err(e) = engine.admit_keys(state, charges, contributors, now) {
            return Err(crate::capacity::transaction_throttled(
                actions.iter().map(|a| a.table.as_str()),
                state,
                &e,
            ));
        }
    }

    // Apply everything; one durable commit.
    let mut mutations = Vec::new();
    for (((a, key), new), old) in actions.iter().zip(&keys).zip(news).zip(&olds) {
        let Some(new) = new else { continue };
        let Some(state) = guards.get_mut(&a.table) else {
            // Every action's table was locked above.
            return Err(ApiError::internal("a transaction table was not locked"));
        };
        if new.is_none() && old.is_none() {
            continue;
        }
        mutations.extend(write::apply(
            state,
            key,
            old.as_ref(),
            new,
            now,
            write::Origin::User,
        ));
    }
    for state in guards.values() {
        engine.sample_storage(state);
    }
    let ticket = engine.submit(mutations);
    drop(guards);
    let mode = ReturnConsumed::from_req(req);
    let mut body = json!({});
    if mode != ReturnConsumed::None {
        body["ConsumedCapacity"] = Value::Array(
            consumed
                .iter()
                .filter_map(|(t, c)| consumed_json(t, c, mode))
                .collect(),
        );
    }
    if req.str_field("ReturnItemCollectionMetrics") == Some("SIZE") {
        body["ItemCollectionMetrics"] = json!({});
    }
    if let Some(token) = token {
        engine.tokens().record(token, req, &body, now);
    }
    Ok(Outcome { body, ticket })
}

/// The answer to a repeated token: the first answer, with `ConsumedCapacity` as DynamoDB
/// documents it for a repeat, the read capacity of reading each item the request names
/// (strongly consistent, 4 KB units), admitted on each table.
fn repeat(
    engine: &Engine,
    req: &Map<String, Value>,
    actions: &[Action],
    keys: &[Vec<u8>],
    guards: &BTreeMap<String, std::sync::RwLockWriteGuard<'_, TableState>>,
    mut body: Value,
    now: dynolab_clock::Timestamp,
) -> Result<Outcome, ApiError> {
    let mut consumed: BTreeMap<&str, (Consumed, Vec<Charge>)> = BTreeMap::new();
    for (a, key) in actions.iter().zip(keys) {
        let state = &guards[&a.table];
        let size = state.data.items.get_stored(key).map_or(0, |s| s.size);
        let cost = read_cost(size, ReadKind::Strong);
        let entry = consumed.entry(a.table.as_str()).or_default();
        entry.0.table_read += cost;
        entry.1.push(Charge {
            target: Target::Table,
            op: Op::Read,
            hash: key_hash(key),
            cost,
        });
    }
    for (table, (_, charges)) in &consumed {
        engine.admit(&guards[*table], charges, now)?;
    }
    let mode = ReturnConsumed::from_req(req);
    if mode != ReturnConsumed::None {
        body["ConsumedCapacity"] = Value::Array(
            consumed
                .iter()
                .filter_map(|(t, (c, _))| consumed_json(t, c, mode))
                .collect(),
        );
    }
    Ok(Outcome::read(body))
}
