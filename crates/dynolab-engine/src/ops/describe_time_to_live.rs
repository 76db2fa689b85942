//! DescribeTimeToLive: ENABLING, ENABLED, DISABLING or DISABLED, and the attribute.

use dynolab_model::ApiError;
use dynolab_model::wire::{Checked, TABLE_NAME_CHECKS, Ty, field};
use serde_json::{Map, Value, json};

use crate::table::TableStatus;
use crate::{Engine, Outcome, read_lock};

pub(crate) static SHAPE: super::Shape = &[field("TableName", Ty::String, TABLE_NAME_CHECKS)];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let name = req.str_field("TableName").unwrap_or_default();
    let handle = engine
        .any_table(name)
        .map_err(|_| ApiError::table_not_found(name))?;
    let state = read_lock(&handle);
    if matches!(
        state.meta.status,
        TableStatus::Creating | TableStatus::Deleting
    ) {
        let status = state.meta.status.as_str();
        return Err(ApiError::validation(format!(
            "Cannot describe time to live while table is in {status} state: Current table state is {status}"
        )));
    }
    let description = match &state.meta.ttl {
        None => json!({"TimeToLiveStatus": "DISABLED"}),
        Some(ttl) => json!({"TimeToLiveStatus": ttl.status, "AttributeName": ttl.attribute}),
    };
    Ok(Outcome::read(json!({"TimeToLiveDescription": description})))
}
