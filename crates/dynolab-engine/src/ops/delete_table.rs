//! DeleteTable: refuses a table with deletion protection, or one that is not ACTIVE; the table
//! is DELETING for `Lifecycle::table_delete_secs` (gone at once by default), during which its
//! items can no longer be read or written.

use dynolab_model::ApiError;
use dynolab_model::wire::{Checked, TABLE_NAME_CHECKS, Ty, field};
use serde_json::{Map, Value, json};

use super::describe_table::describe;
use crate::table::TableStatus;
use crate::{Engine, Outcome, lifecycle, write_lock};

pub(crate) static SHAPE: super::Shape = &[field("TableName", Ty::String, TABLE_NAME_CHECKS)];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let name = req.str_field("TableName").unwrap_or_default();
    let mut tables = engine.tables_write();
    let handle = tables
        .get(name)
        .cloned()
        .ok_or_else(|| ApiError::table_not_found(name))?;
    let mut state = write_lock(&handle);
    if state.meta.gsis.iter().any(|g| g.creating_until.is_some())
        || !state.meta.deleting_gsis.is_empty()
    {
        return Err(ApiError::resource_in_use(
            "Attempt to change a resource which is still in use: Cannot delete table while indexes are being created, updated, or deleted.",
        ));
    }
    if state.meta.status != TableStatus::Active {
        return Err(lifecycle::in_use(&state.meta));
    }
    if state.meta.deletion_protection {
        return Err(ApiError::validation(
            "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.",
        ));
    }
    state.meta.status = TableStatus::Deleting;
    let description = describe(&state);
    let ticket = match engine.transition_end(engine.config.lifecycle.table_delete_secs) {
        // Gone at the end of the transition (`Engine::tick`); billing stops now.
        Some(until) => {
            state.meta.status_until = Some(until);
            let ticket = engine.persist_meta(&state.meta)?;
            engine.table_deleted(name);
            ticket
        }
        None => {
            let id = state.meta.id;
            drop(state);
            engine.remove_table(&mut tables, name, id)
        }
    };
    Ok(Outcome {
        body: json!({"TableDescription": description}),
        ticket,
    })
}
