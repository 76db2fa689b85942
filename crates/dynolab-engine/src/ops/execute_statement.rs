//! ExecuteStatement: one PartiQL statement. A SELECT is a Query (WHERE pins the partition key
//! with `=` or `IN`) or a Scan, paged with `Limit` / `NextToken`; INSERT, UPDATE and DELETE
//! are single-item writes through the one write path. See `docs/design/partiql.md`.

use dynolab_model::ApiError;
use dynolab_model::wire::{Check, Checked, Ty, field};
use dynolab_partiql::Statement;
use serde_json::{Map, Value, json};

use super::shapes::*;
use super::{ReturnConsumed, with_consumed};
use crate::{Engine, Outcome, partiql};

pub(crate) const STATEMENT: dynolab_model::wire::Field = field(
    "Statement",
    Ty::String,
    &[Check::NotNull, Check::LenMin(1), Check::LenMax(8192)],
);
pub(crate) const PARAMETERS: dynolab_model::wire::Field =
    field("Parameters", Ty::List(&Ty::Attr, &[]), &[Check::LenMin(1)]);

pub(crate) static SHAPE: super::Shape = &[
    STATEMENT,
    PARAMETERS,
    CONSISTENT_READ,
    field(
        "NextToken",
        Ty::String,
        &[Check::LenMin(1), Check::LenMax(32768)],
    ),
    RETURN_CONSUMED_CAPACITY,
    LIMIT,
    RETURN_VALUES_ON_CONDITION_CHECK_FAILURE,
];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let text = req.str_field("Statement").unwrap_or_default();
    let params = req.list_field("Parameters");
    let stmt = partiql::prepare(text, params)?;
    let mode = ReturnConsumed::from_req(req);
    match &stmt {
        Statement::Select(sel) => {
            let resume = req
                .str_field("NextToken")
                .map(|t| partiql::decode_token(t, text, params))
                .transpose()?;
            let page = partiql::select(
                engine,
                sel,
                req.bool_field("ConsistentRead").unwrap_or(false),
                req.int_field("Limit").map(|l| l as usize),
                resume,
            )?;
            let mut body = json!({});
            body["Items"] = Value::Array(page.items);
            if let Some(resume) = &page.resume {
                body["NextToken"] = json!(partiql::encode_token(resume, text, params));
            }
            if let Some(k) = &page.last_key {
                body["LastEvaluatedKey"] = super::item_json(k);
            }
            Ok(Outcome::read(with_consumed(
                body,
                &sel.table,
                &page.consumed,
                mode,
            )))
        }
        _ => {
            let written = partiql::write(engine, &stmt, super::wants_old_on_failure(req))?;
            let ticket = engine.submit(written.mutations);
            let body = json!({"Items": partiql::write_items(written.returned)});
            Ok(Outcome {
                body: with_consumed(body, &written.table, &written.consumed, mode),
                ticket,
            })
        }
    }
}
