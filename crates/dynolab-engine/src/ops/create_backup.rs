//! CreateBackup: a copy of the table's metadata and items, AVAILABLE at once.

use std::sync::Arc;

use dynolab_model::ApiError;
use dynolab_model::wire::{Check, Checked, Ty, field};
use serde_json::{Map, Value, json};

use super::shapes::TABLE_NAME_OR_ARN;
use crate::backups::{Backup, BackupMeta, store_mutations, table_name, table_not_found};
use crate::{Engine, Outcome, read_lock};

pub(crate) static SHAPE: super::Shape = &[
    field("TableName", Ty::String, TABLE_NAME_OR_ARN),
    field(
        "BackupName",
        Ty::String,
        &[
            Check::NotNull,
            Check::NamePattern,
            Check::LenMin(3),
            Check::LenMax(255),
        ],
    ),
];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let name = table_name(req.str_field("TableName").unwrap_or_default());
    let handle = engine.table(name).map_err(|_| table_not_found(name))?;
    let now = engine.now();
    let data_id = engine
        .next_table_id
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let backup = {
        let state = read_lock(&handle);
        let items = state.data.items.clone();
        let millis = now.as_micros() / 1000;
        Backup {
            meta: BackupMeta {
                arn: format!(
                    "{}/backup/{millis:014}-{:08x}",
                    state.meta.arn,
                    (data_id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32
                ),
                name: req.str_field("BackupName").unwrap_or_default().to_string(),
                created_micros: now.as_micros(),
                size_bytes: state.data.items.size_bytes(),
                data_id,
                table: state.meta.clone(),
            },
            items: Arc::new(items),
        }
    };
    let ticket = engine.submit(store_mutations(&backup)?);
    let body = json!({"BackupDetails": backup.details_json("AVAILABLE")});
    engine.backups().insert(backup.meta.arn.clone(), backup);
    Ok(Outcome { body, ticket })
}
