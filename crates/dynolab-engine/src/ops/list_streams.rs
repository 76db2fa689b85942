//! ListStreams (DynamoDB Streams): every stream of every table, or of one table, enabled or
//! disabled within the last 24 hours; `ExclusiveStartStreamArn`, `Limit` and
//! `LastEvaluatedStreamArn` page through them.

use dynolab_model::ApiError;
use dynolab_model::wire::{Check, Checked, Ty, field};
use serde_json::{Map, Value, json};

use crate::{Engine, Outcome, read_lock};

pub(crate) static SHAPE: super::Shape = &[
    field(
        "TableName",
        Ty::String,
        &[Check::NamePattern, Check::LenMin(3), Check::LenMax(255)],
    ),
    field("Limit", Ty::Integer, &[Check::Min(1), Check::Max(100)]),
    field(
        "ExclusiveStartStreamArn",
        Ty::String,
        &[Check::LenMin(37), Check::LenMax(1024)],
    ),
];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let now = engine.now();
    let handles = match req.str_field("TableName") {
        Some(name) => vec![
            engine
                .table(name)
                .map_err(|_| ApiError::table_not_found(name))?,
        ],
        None => engine.tables_read().values().cloned().collect(),
    };
    let mut streams = Vec::new();
    for handle in handles {
        let state = read_lock(&handle);
        for s in state.meta.streams.iter().filter(|s| s.is_visible(now)) {
            streams.push(
                json!({"StreamArn": s.arn, "TableName": state.meta.name, "StreamLabel": s.label}),
            );
        }
    }
    if let Some(start) = req.str_field("ExclusiveStartStreamArn") {
        let after = streams
            .iter()
            .position(|s| s["StreamArn"] == start)
            .filter(|_| crate::streams::parse_arn(start).is_some())
            .ok_or_else(|| {
                ApiError::validation(format!("Invalid ExclusiveStartStreamArn: {start}"))
            })?;
        streams.drain(..=after);
    }
    let limit = req.int_field("Limit").unwrap_or(100) as usize;
    let mut body = json!({});
    if streams.len() > limit {
        streams.truncate(limit);
        body["LastEvaluatedStreamArn"] = streams[limit - 1]["StreamArn"].clone();
    }
    body["Streams"] = Value::Array(streams);
    Ok(Outcome::read(body))
}
