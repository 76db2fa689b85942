//! DeleteBackup: removes the backup and its items; answers its description as DELETED.

use dynolab_model::ApiError;
use dynolab_model::wire::Checked;
use dynolab_storage::Mutation;
use serde_json::{Map, Value, json};

use crate::backups::backup_not_found;
use crate::{Engine, Outcome};

pub(crate) static SHAPE: super::Shape = super::describe_backup::SHAPE;

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let arn = req.str_field("BackupArn").unwrap_or_default();
    let backup = engine
        .backups()
        .remove(arn)
        .ok_or_else(|| backup_not_found(arn))?;
    let ticket = engine.submit(vec![
        Mutation::DeleteAllItems {
            table_id: backup.meta.data_id,
        },
        Mutation::DeleteBackup {
            arn: arn.to_string(),
        },
    ]);
    Ok(Outcome {
        body: json!({"BackupDescription": backup.description_json("DELETED")}),
        ticket,
    })
}
