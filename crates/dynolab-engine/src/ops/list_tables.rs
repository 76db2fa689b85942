//! ListTables: names in order, paginated by `ExclusiveStartTableName` / `Limit` (at most 100).

use dynolab_model::ApiError;
use dynolab_model::wire::{Check, Checked, Ty, field};
use serde_json::{Map, Value, json};

use crate::{Engine, Outcome};

pub(crate) static SHAPE: super::Shape = &[
    field("Limit", Ty::Integer, &[Check::Min(1), Check::Max(100)]),
    field(
        "ExclusiveStartTableName",
        Ty::String,
        &[Check::NamePattern, Check::LenMin(3), Check::LenMax(255)],
    ),
];

const DEFAULT_LIMIT: usize = 100;

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let limit = req.int_field("Limit").map_or(DEFAULT_LIMIT, |l| l as usize);
    let start = req.str_field("ExclusiveStartTableName");
    let tables = engine.tables_read();
    let names: Vec<&String> = tables
        .keys()
        .filter(|n| start.is_none_or(|s| n.as_str() > s))
        .take(limit + 1)
        .collect();
    let mut body = json!({"TableNames": names.iter().take(limit).collect::<Vec<_>>()});
    if names.len() > limit {
        body["LastEvaluatedTableName"] = json!(names[limit - 1]);
    }
    Ok(Outcome::read(body))
}
