//! TagResource: adds or overwrites tags of a table (at most 50), durably.

use dynolab_model::ApiError;
use dynolab_model::wire::{Check, Checked, Ty, field};
use serde_json::{Map, Value, json};

use super::shapes::TAGS;
use crate::{Engine, Outcome, tags, write_lock};

pub(crate) static SHAPE: super::Shape = &[
    field("ResourceArn", Ty::String, &[]),
    field("Tags", TAGS, &[Check::NotNull]),
];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let arn = req.str_field("ResourceArn");
    let name = tags::table_name(engine, arn)?;
    let list = req
        .list_field("Tags")
        .map(Vec::as_slice)
        .unwrap_or_default();
    if list.is_empty() {
        return Err(ApiError::validation(
            "Atleast one Tag needs to be provided as Input.",
        ));
    }
    let new = tags::parse_tags(list)?;
    let handle = tags::table(engine, name, arn.unwrap_or_default())?;
    let mut state = write_lock(&handle);
    tags::check_not_deleting(&state.meta)?;
    let mut meta = state.meta.clone();
    meta.tags = tags::merge(&meta.tags, new)?;
    let ticket = engine.persist_meta(&meta)?;
    state.meta = meta;
    Ok(Outcome {
        body: json!({}),
        ticket,
    })
}
