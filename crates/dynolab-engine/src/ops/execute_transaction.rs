//! ExecuteTransaction: up to 100 PartiQL statements, all reads (SELECTs of one item by its
//! full key, run as TransactGetItems) or all writes (INSERT, UPDATE, DELETE and
//! `EXISTS(SELECT ...)` condition checks, run as TransactWriteItems: all or nothing, with
//! TransactionCanceledException and one CancellationReason per statement).

use dynolab_model::ApiError;
use dynolab_model::wire::{Check, Checked, Ty, field};
use dynolab_partiql::Statement;
use serde_json::{Map, Value};

use super::execute_statement::{PARAMETERS, STATEMENT};
use super::shapes::*;
use super::transact_write_items::{Action, CONDITION_FAILED, Kind};
use crate::partiql::{self, WriteKind};
use crate::{Engine, Outcome};

static PARAMETERIZED_STATEMENT: Ty = Ty::Struct(
    "ParameterizedStatement",
    &[
        STATEMENT,
        PARAMETERS,
        RETURN_VALUES_ON_CONDITION_CHECK_FAILURE,
    ],
);

pub(crate) static SHAPE: super::Shape = &[
    field(
        "TransactStatements",
        Ty::List(&PARAMETERIZED_STATEMENT, &[]),
        &[Check::NotNull, Check::LenMin(1), Check::LenMax(100)],
    ),
    field(
        "ClientRequestToken",
        Ty::String,
        &[Check::LenMin(1), Check::LenMax(36)],
    ),
    RETURN_CONSUMED_CAPACITY,
];

/// "Validation failed in TransactStatements[i]: ..." around a statement's error.
fn in_statement(i: usize) -> impl Fn(ApiError) -> ApiError {
    move |e| match e.code {
        dynolab_model::ErrorCode::ValidationException => ApiError::validation(format!(
            "Validation failed in TransactStatements[{i}]: {}",
            e.message.unwrap_or_default()
        )),
        _ => e,
    }
}

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let specs: Vec<&Map<String, Value>> = req
        .list_field("TransactStatements")
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .collect();
    let mut statements = Vec::with_capacity(specs.len());
    for (i, spec) in specs.iter().enumerate() {
        let stmt = partiql::prepare(
            spec.str_field("Statement").unwrap_or_default(),
            spec.list_field("Parameters"),
        )
        .map_err(in_statement(i))?;
        statements.push(stmt);
    }
    let reads = statements.iter().filter(|s| s.is_read()).count();
    if reads > 0 && reads < statements.len() {
        return Err(ApiError::validation(
            "ExecuteTransaction API does not support both read and write operations in the same request.",
        ));
    }
    if reads > 0 {
        let mut gets = Vec::with_capacity(statements.len());
        for (i, stmt) in statements.iter().enumerate() {
            // Every statement is a read here (checked above).
            let Statement::Select(sel) = stmt else {
                continue;
            };
            let wrap = in_statement(i);
            if sel.index.is_some() {
                return Err(wrap(ApiError::validation(
                    "Reads on indices are not supported within transactions.",
                )));
            }
            let meta = partiql::table_meta(engine, &sel.table)?;
            let (key, _, projection) = partiql::item_read(&meta, sel).map_err(|e| {
                if e.message.as_deref() == Some(dynolab_partiql::msg::INCOMPLETE_KEY) {
                    wrap(ApiError::validation(
                        "Select statements within ExecuteTransaction must specify the primary key in the where clause.",
                    ))
                } else {
                    wrap(e)
                }
            })?;
            gets.push((sel.table.clone(), key, projection));
        }
        return super::transact_get_items::run(engine, &gets, req);
    }
    let mut actions = Vec::with_capacity(statements.len());
    for (i, (stmt, spec)) in statements.iter().zip(&specs).enumerate() {
        let wrap = in_statement(i);
        let meta = partiql::table_meta(engine, stmt.table())?;
        let plan = partiql::write_plan(&meta, stmt).map_err(&wrap)?;
        if plan.returning.is_some() {
            return Err(wrap(ApiError::validation(
                "RETURNING clause is not supported in ExecuteTransaction.",
            )));
        }
        let (kind, failure) = match plan.kind {
            WriteKind::Insert(item) => (
                Kind::Put(item),
                ("DuplicateItem", dynolab_partiql::msg::DUPLICATE_ITEM),
            ),
            WriteKind::Update(u) => (Kind::Update(u), CONDITION_FAILED),
            WriteKind::Delete => (Kind::Delete, CONDITION_FAILED),
            WriteKind::Check => (Kind::Check, CONDITION_FAILED),
        };
        actions.push(Action {
            kind,
            table: stmt.table().to_string(),
            key_item: plan.key_item,
            condition: plan.condition,
            wants_old: super::wants_old_on_failure(spec),
            failure,
        });
    }
    super::transact_write_items::run(engine, &actions, req)
}
