//! BatchExecuteStatement: up to 25 PartiQL statements, all reads (SELECTs of one item by its
//! full key) or all writes (INSERT / UPDATE / DELETE of one item). Not a transaction: each
//! statement runs on its own, and a statement's failure is its `Error` in `Responses`.

use std::collections::BTreeMap;

use dynolab_capacity::{Consumed, ReadKind, read_cost};
use dynolab_model::size::item_size_bytes;
use dynolab_model::wire::{Check, Checked, Ty, field};
use dynolab_model::{ApiError, ErrorCode};
use dynolab_partiql::Statement;
use serde_json::{Map, Value, json};

use super::execute_statement::{PARAMETERS, STATEMENT};
use super::shapes::*;
use super::{ReturnConsumed, consumed_json, item_json};
use crate::{Engine, Outcome, partiql, read_lock};

static BATCH_STATEMENT_REQUEST: Ty = Ty::Struct(
    "BatchStatementRequest",
    &[
        STATEMENT,
        PARAMETERS,
        CONSISTENT_READ,
        RETURN_VALUES_ON_CONDITION_CHECK_FAILURE,
    ],
);

pub(crate) static SHAPE: super::Shape = &[
    field(
        "Statements",
        Ty::List(&BATCH_STATEMENT_REQUEST, &[]),
        &[Check::NotNull, Check::LenMin(1), Check::LenMax(25)],
    ),
    RETURN_CONSUMED_CAPACITY,
];

/// The `BatchStatementError` code of an error.
pub(crate) fn error_code(code: ErrorCode) -> &'static str {
    match code {
        ErrorCode::ConditionalCheckFailedException => "ConditionalCheckFailed",
        ErrorCode::ValidationException => "ValidationError",
        ErrorCode::ResourceNotFoundException => "ResourceNotFound",
        ErrorCode::ProvisionedThroughputExceededException => "ProvisionedThroughputExceeded",
        ErrorCode::ThrottlingException => "ThrottlingError",
        ErrorCode::RequestLimitExceeded => "RequestLimitExceeded",
        ErrorCode::DuplicateItemException => "DuplicateItem",
        ErrorCode::ItemCollectionSizeLimitExceededException => "ItemCollectionSizeLimitExceeded",
        ErrorCode::TransactionConflictException => "TransactionConflict",
        _ => "InternalServerError",
    }
}

fn error_json(e: ApiError) -> Value {
    let mut error = json!({"Code": error_code(e.code), "Message": e.message.unwrap_or_default()});
    if let Some(item) = &e.item {
        error["Item"] = item_json(item);
    }
    json!({"Error": error})
}

/// A SELECT of one item: read by key, filtered by the rest of the WHERE clause.
fn get(
    engine: &Engine,
    sel: &dynolab_partiql::Select,
    consistent: bool,
) -> Result<(Option<dynolab_model::Item>, Consumed), ApiError> {
    let handle = engine.table(&sel.table)?;
    let state = read_lock(&handle);
    if sel.index.is_some() {
        return Err(ApiError::validation(
            "This operation is not supported on an index",
        ));
    }
    let (key_item, condition, projection) = partiql::item_read(&state.meta, sel)?;
    let key = state.meta.key_from_param(&key_item)?;
    let item = state.data.items.get(&key);
    let item = item.as_ref();
    let cost = read_cost(
        item.map_or(0, |i| item_size_bytes(i) as u64),
        ReadKind::from_consistent(consistent),
    );
    let charge = crate::capacity::read_charge(None, dynolab_storage::keys::key_hash(&key), cost);
    engine.admit_keys(&state, &[charge], &[], engine.now())?;
    let item = item
        .filter(|i| condition.as_ref().is_none_or(|c| c.eval(i)))
        .map(|i| {
            projection
                .as_ref()
                .map_or_else(|| i.clone(), |p| p.apply(i))
        });
    Ok((
        item,
        Consumed {
            table_read: cost,
            ..Default::default()
        },
    ))
}

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let specs: Vec<&Map<String, Value>> = req
        .list_field("Statements")
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .collect();
    let prepared: Vec<Result<Statement, ApiError>> = specs
        .iter()
        .map(|s| {
            partiql::prepare(
                s.str_field("Statement").unwrap_or_default(),
                s.list_field("Parameters"),
            )
        })
        .collect();
    let reads = prepared
        .iter()
        .filter(|p| matches!(p, Ok(s) if s.is_read()))
        .count();
    let writes = prepared
        .iter()
        .filter(|p| matches!(p, Ok(s) if !s.is_read()))
        .count();
    if reads > 0 && writes > 0 {
        return Err(ApiError::validation(
            "Unsupported operation: Batch must contain only read statements or only write statements",
        ));
    }
    let mut responses = Vec::with_capacity(specs.len());
    let mut consumed: BTreeMap<String, Consumed> = BTreeMap::new();
    let mut mutations = Vec::new();
    for (spec, stmt) in specs.iter().zip(prepared) {
        let stmt = match stmt {
            Ok(s) => s,
            Err(e) => {
                responses.push(error_json(e));
                continue;
            }
        };
        let table = stmt.table().to_string();
        let answer = match &stmt {
            Statement::Select(sel) => get(
                engine,
                sel,
                spec.bool_field("ConsistentRead").unwrap_or(false),
            )
            .map(|(item, c)| {
                consumed.entry(table.clone()).or_default().merge(&c);
                let mut r = json!({"TableName": table});
                if let Some(item) = item {
                    r["Item"] = item_json(&item);
                }
                r
            }),
            _ => partiql::write(engine, &stmt, super::wants_old_on_failure(spec)).map(|w| {
                consumed
                    .entry(table.clone())
                    .or_default()
                    .merge(&w.consumed);
                mutations.extend(w.mutations);
                let mut r = json!({"TableName": table});
                if let Some(item) = w.returned.filter(|i| !i.is_empty()) {
                    r["Item"] = item_json(&item);
                }
                r
            }),
        };
        responses.push(answer.unwrap_or_else(|e| {
            let mut r = error_json(e);
            r["TableName"] = json!(table);
            r
        }));
    }
    let ticket = engine.submit(mutations);
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
    Ok(Outcome { body, ticket })
}
