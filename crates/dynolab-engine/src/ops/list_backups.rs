//! ListBackups: the account's backups in creation order, filtered by table, creation time
//! (lower bound inclusive, upper bound exclusive) and type, paged by ExclusiveStartBackupArn.

use dynolab_model::ApiError;
use dynolab_model::wire::{Check, Checked, Ty, field};
use serde_json::{Map, Value, json};

use crate::backups::table_name;
use crate::{Engine, Outcome};

pub(crate) static SHAPE: super::Shape = &[
    field(
        "TableName",
        Ty::String,
        &[Check::LenMin(1), Check::LenMax(1024)],
    ),
    field("Limit", Ty::Integer, &[Check::Min(1), Check::Max(100)]),
    field("TimeRangeLowerBound", Ty::Double, &[]),
    field("TimeRangeUpperBound", Ty::Double, &[]),
    field(
        "ExclusiveStartBackupArn",
        Ty::String,
        &[Check::LenMin(37), Check::LenMax(1024)],
    ),
    field(
        "BackupType",
        Ty::String,
        &[Check::Enum(&["USER", "SYSTEM", "AWS_BACKUP", "ALL"])],
    ),
];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let lower = req.get("TimeRangeLowerBound").and_then(Value::as_f64);
    let upper = req.get("TimeRangeUpperBound").and_then(Value::as_f64);
    if let (Some(l), Some(u)) = (lower, upper)
        && l > u
    {
        return Err(ApiError::invalid_parameter(
            "Time range lower bound must be less than or equal to upper bound",
        ));
    }
    let table = req.str_field("TableName").map(table_name);
    // Every backup dynolab takes is a USER backup.
    let user = matches!(req.str_field("BackupType"), None | Some("USER" | "ALL"));
    let backups = engine.backups();
    let mut matching: Vec<_> = backups
        .values()
        .filter(|b| user && table.is_none_or(|t| b.meta.table.name == t))
        .filter(|b| {
            let secs = b.meta.created_micros as f64 / 1e6;
            lower.is_none_or(|l| secs >= l) && upper.is_none_or(|u| secs < u)
        })
        .collect();
    matching.sort_by(|a, b| {
        (a.meta.created_micros, &a.meta.arn).cmp(&(b.meta.created_micros, &b.meta.arn))
    });
    if let Some(start) = req.str_field("ExclusiveStartBackupArn") {
        let after = matching
            .iter()
            .position(|b| b.meta.arn == start)
            .map_or(0, |i| i + 1);
        matching.drain(..after);
    }
    let limit = req.int_field("Limit").map_or(usize::MAX, |l| l as usize);
    let mut body = json!({});
    if matching.len() > limit {
        matching.truncate(limit);
        body["LastEvaluatedBackupArn"] = json!(matching[limit - 1].meta.arn);
    }
    body["BackupSummaries"] = matching.iter().map(|b| b.summary_json()).collect();
    Ok(Outcome::read(body))
}
