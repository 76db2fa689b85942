//! DescribeContinuousBackups: whether point-in-time recovery is on, and the window a restore
//! may choose from (EarliestRestorableDateTime to LatestRestorableDateTime, five minutes ago).

use dynolab_clock::Timestamp;
use dynolab_model::ApiError;
use dynolab_model::wire::{Checked, Ty, field};
use serde_json::{Map, Value, json};

use super::shapes::TABLE_NAME_OR_ARN;
use crate::backups::{table_name, table_not_found};
use crate::table::TableMeta;
use crate::{Engine, Outcome, read_lock};

pub(crate) static SHAPE: super::Shape = &[field("TableName", Ty::String, TABLE_NAME_OR_ARN)];

/// `ContinuousBackupsDescription`: on-demand backups are always available.
pub(crate) fn description(meta: &TableMeta, now: Timestamp) -> Value {
    let pitr = match &meta.pitr {
        None => json!({"PointInTimeRecoveryStatus": "DISABLED"}),
        Some(p) => json!({
            "PointInTimeRecoveryStatus": "ENABLED",
            "RecoveryPeriodInDays": p.period_days,
            "EarliestRestorableDateTime": p.earliest(now).as_secs_f64(),
            "LatestRestorableDateTime": p.latest(now).as_secs_f64(),
        }),
    };
    json!({"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": pitr})
}

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let name = table_name(req.str_field("TableName").unwrap_or_default());
    let handle = engine.table(name).map_err(|_| table_not_found(name))?;
    let state = read_lock(&handle);
    Ok(Outcome::read(json!({
        "ContinuousBackupsDescription": description(&state.meta, engine.now())
    })))
}
