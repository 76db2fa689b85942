//! DescribeBackup: the backup's details, its source table and the source's indexes and stream.

use dynolab_model::ApiError;
use dynolab_model::wire::{Check, Checked, Ty, field};
use serde_json::{Map, Value, json};

use crate::backups::backup_not_found;
use crate::{Engine, Outcome};

pub(crate) static SHAPE: super::Shape = &[field(
    "BackupArn",
    Ty::String,
    &[Check::NotNull, Check::LenMin(37), Check::LenMax(1024)],
)];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let arn = req.str_field("BackupArn").unwrap_or_default();
    let backups = engine.backups();
    let backup = backups.get(arn).ok_or_else(|| backup_not_found(arn))?;
    Ok(Outcome::read(
        json!({"BackupDescription": backup.description_json("AVAILABLE")}),
    ))
}
