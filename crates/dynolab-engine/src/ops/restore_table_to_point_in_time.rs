//! RestoreTableToPointInTime: a new table holding the source's items as they were at any
//! instant of the recovery window: the current items with every later change undone
//! (`history::History::items_at`), indexes rebuilt from them.

use dynolab_clock::Timestamp;
use dynolab_model::wire::{Check, Checked, Ty, field};
use dynolab_model::{ApiError, ErrorCode};
use serde_json::{Map, Value, json};

use super::shapes::*;
use crate::backups::{self, table_name, table_not_found};
use crate::history::iso_millis;
use crate::{Engine, Outcome, read_lock};

pub(crate) static SHAPE: super::Shape = &[
    field(
        "SourceTableArn",
        Ty::String,
        &[Check::LenMin(1), Check::LenMax(1024)],
    ),
    field(
        "SourceTableName",
        Ty::String,
        &[Check::NamePattern, Check::LenMin(3), Check::LenMax(255)],
    ),
    TARGET_TABLE_NAME,
    field("UseLatestRestorableTime", Ty::Boolean, &[]),
    field("RestoreDateTime", Ty::Double, &[]),
    BILLING_MODE_OVERRIDE,
    GSI_OVERRIDE,
    LSI_OVERRIDE,
    THROUGHPUT_OVERRIDE,
    ON_DEMAND_THROUGHPUT_OVERRIDE,
    SSE_SPECIFICATION_OVERRIDE,
];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let source = match (
        req.str_field("SourceTableArn"),
        req.str_field("SourceTableName"),
    ) {
        (Some(arn), None) => {
            if !arn.starts_with("arn:") {
                return Err(ApiError::invalid_parameter(format!(
                    "ARNs must start with 'arn:': {arn}"
                )));
            }
            table_name(arn)
        }
        (None, Some(name)) => name,
        // DynamoDB's answers, as recorded live (docs/COMPAT.md, "Error messages").
        (None, None) => {
            return Err(ApiError::validation(
                "The parameter 'TableName' is required but was not present in the request",
            ));
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::validation(
                "Invalid Request: Must provide exactly one of: sourceTableArn, sourceTableName",
            ));
        }
    };
    let use_latest = req.bool_field("UseLatestRestorableTime").unwrap_or(false);
    let at = req.get("RestoreDateTime").and_then(Value::as_f64);
    if use_latest == at.is_some() {
        return Err(ApiError::validation(
            "Invalid Request: Either one of RestoreDateTime or UseLatestRestorableTime must be specified, but not both",
        ));
    }
    let handle = engine.table(source).map_err(|_| table_not_found(source))?;
    let target = req.str_field("TargetTableName").unwrap_or_default();
    backups::check_target_free(engine, target)?;
    let now = engine.now();
    let (meta, items) = {
        let state = read_lock(&handle);
        let Some(pitr) = &state.meta.pitr else {
            return Err(ApiError::new(
                ErrorCode::PointInTimeRecoveryUnavailableException,
                format!("Point in time recovery is not enabled for table '{source}'"),
            ));
        };
        let (earliest, latest) = (pitr.earliest(now), pitr.latest(now));
        let at = match at {
            None => latest,
            Some(secs) => Timestamp((secs.max(0.0) * 1e6).round() as u64),
        };
        if at < earliest || at > latest {
            return Err(ApiError::new(
                ErrorCode::InvalidRestoreTimeException,
                format!(
                    "RestoreDateTime must be between EarliestRestorableDateTime and LatestRestorableDateTime: {} is not within [{}, {}]",
                    iso_millis(at.as_micros()),
                    iso_millis(earliest.as_micros()),
                    iso_millis(latest.as_micros()),
                ),
            ));
        }
        let summary = json!({
            "SourceTableArn": state.meta.arn,
            "RestoreDateTime": at.as_secs_f64(),
            "RestoreInProgress": false,
        });
        let meta = backups::restored_meta(engine, &state.meta, req, summary, now)?;
        (meta, state.history.items_at(&state.data.items, at))
    };
    backups::create_restored(engine, meta, items)
}
