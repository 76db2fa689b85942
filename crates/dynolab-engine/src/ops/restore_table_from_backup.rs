//! RestoreTableFromBackup: a new table from a backup's metadata and items, with the same
//! overrides as RestoreTableToPointInTime.

use dynolab_model::ApiError;
use dynolab_model::wire::{Check, Checked, Ty, field};
use serde_json::{Map, Value, json};

use super::shapes::*;
use crate::backups::{self, backup_not_found};
use crate::{Engine, Outcome};

pub(crate) static SHAPE: super::Shape = &[
    TARGET_TABLE_NAME,
    field(
        "BackupArn",
        Ty::String,
        &[Check::NotNull, Check::LenMin(37), Check::LenMax(1024)],
    ),
    BILLING_MODE_OVERRIDE,
    GSI_OVERRIDE,
    LSI_OVERRIDE,
    THROUGHPUT_OVERRIDE,
    ON_DEMAND_THROUGHPUT_OVERRIDE,
    SSE_SPECIFICATION_OVERRIDE,
];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let arn = req.str_field("BackupArn").unwrap_or_default();
    let (source, items, taken) = {
        let backups = engine.backups();
        let backup = backups.get(arn).ok_or_else(|| backup_not_found(arn))?;
        (
            backup.meta.table.clone(),
            backup.items.clone(),
            backup.meta.created_micros,
        )
    };
    backups::check_target_free(engine, req.str_field("TargetTableName").unwrap_or_default())?;
    let now = engine.now();
    let summary = json!({
        "SourceBackupArn": arn,
        "SourceTableArn": source.arn,
        "RestoreDateTime": taken as f64 / 1e6,
        "RestoreInProgress": false,
    });
    let meta = backups::restored_meta(engine, &source, req, summary, now)?;
    backups::create_restored(engine, meta, (*items).clone())
}
