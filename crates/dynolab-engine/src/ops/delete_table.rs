//! DeleteTable: refuses a table with deletion protection; the table is gone at once.

use dynolab_model::ApiError;
use dynolab_model::wire::{Checked, TABLE_NAME_CHECKS, Ty, field};
use dynolab_storage::Mutation;
use serde_json::{Map, Value, json};

use super::describe_table::describe;
use crate::{Engine, Outcome, read_lock};

pub(crate) static SHAPE: super::Shape = &[field("TableName", Ty::String, TABLE_NAME_CHECKS)];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let name = req.str_field("TableName").unwrap_or_default();
    let mut tables = engine.tables_write();
    let handle = tables
        .get(name)
        .cloned()
        .ok_or_else(|| ApiError::table_not_found(name))?;
    let state = read_lock(&handle);
    if state.meta.deletion_protection {
        return Err(ApiError::validation(
            "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
        ));
    }
    let description = describe(&state, "DELETING");
    let ticket = engine.submit(vec![
        Mutation::DeleteAllItems {
            table_id: state.meta.id,
        },
        Mutation::DeleteMeta {
            name: name.to_string(),
        },
    ]);
    drop(state);
    tables.remove(name);
    engine.table_deleted(name);
    Ok(Outcome {
        body: json!({"TableDescription": description}),
        ticket,
    })
}
