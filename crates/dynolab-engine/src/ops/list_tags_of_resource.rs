//! ListTagsOfResource: a table's tags in key order, ten per page; `NextToken` is the last key
//! of the previous page (DynamoDB's token is opaque, and so is ours to clients).

use dynolab_model::ApiError;
use dynolab_model::wire::{Checked, Ty, field};
use serde_json::{Map, Value, json};

use crate::{Engine, Outcome, read_lock, tags};

pub(crate) static SHAPE: super::Shape = &[
    field("ResourceArn", Ty::String, &[]),
    field("NextToken", Ty::String, &[]),
];

/// Tags per page (DynamoDB does not document its page size; see docs/COMPAT.md).
const PAGE: usize = 10;

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let arn = req.str_field("ResourceArn");
    let name = tags::table_name(engine, arn)?;
    let handle = tags::table(engine, name, arn.unwrap_or_default())?;
    let state = read_lock(&handle);
    let after = req.str_field("NextToken");
    let page: Vec<(&String, &String)> = state
        .meta
        .tags
        .iter()
        .filter(|(k, _)| after.is_none_or(|a| k.as_str() > a))
        .take(PAGE + 1)
        .collect();
    let mut body = json!({
        "Tags": page.iter().take(PAGE).map(|(k, v)| json!({"Key": k, "Value": v})).collect::<Vec<_>>(),
    });
    if page.len() > PAGE {
        body["NextToken"] = json!(page[PAGE - 1].0);
    }
    Ok(Outcome::read(body))
}
