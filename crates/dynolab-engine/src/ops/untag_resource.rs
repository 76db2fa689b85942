//! UntagResource: removes tags of a table by key (keys it does not have are ignored).

use dynolab_model::ApiError;
use dynolab_model::wire::{Check, Checked, Ty, field};
use serde_json::{Map, Value, json};

use crate::{Engine, Outcome, tags, write_lock};

pub(crate) static SHAPE: super::Shape = &[
    field("ResourceArn", Ty::String, &[]),
    field("TagKeys", Ty::List(&Ty::String, &[]), &[Check::NotNull]),
];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let arn = req.str_field("ResourceArn");
    let name = tags::table_name(engine, arn)?;
    let keys: Vec<&str> = req
        .list_field("TagKeys")
        .into_iter()
        .flatten()
        .map(|k| k.as_str().unwrap_or_default())
        .collect();
    if keys.is_empty() {
        return Err(ApiError::validation(
            "Atleast one Tag Key needs to be provided as Input.",
        ));
    }
    if keys.len() > tags::MAX_TAGS {
        return Err(tags::too_many());
    }
    for key in &keys {
        tags::check_key(Some(key))?;
    }
    let handle = tags::table(engine, name, arn.unwrap_or_default())?;
    let mut state = write_lock(&handle);
    tags::check_not_deleting(&state.meta)?;
    let mut meta = state.meta.clone();
    for key in keys {
        meta.tags.remove(key);
    }
    let ticket = engine.persist_meta(&meta)?;
    state.meta = meta;
    Ok(Outcome {
        body: json!({}),
        ticket,
    })
}
