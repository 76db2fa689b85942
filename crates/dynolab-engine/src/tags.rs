//! Tags of a table: the ARN a tagging call names, and DynamoDB's rules for keys and values
//! (TaggingRestrictions.html: 50 per resource, keys of 1–128 and values of 0–256 characters,
//! letters, numbers, white space and `+ - = . _ : / @`, the reserved `aws:` prefix), with the
//! messages the live service answers.

use std::collections::BTreeMap;

use dynolab_model::ApiError;
use serde_json::Value;

use crate::table::TableStatus;
use crate::{Engine, TableHandle, read_lock};

/// Tags one table may carry.
pub const MAX_TAGS: usize = 50;
const MAX_KEY_CHARS: usize = 128;
const MAX_VALUE_CHARS: usize = 256;

fn allowed(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_alphanumeric() || c.is_whitespace() || "+-=._:/@".contains(c))
}

fn invalid_arn(arn: &str) -> ApiError {
    ApiError::validation(format!(
        "Invalid TableArn: Invalid ResourceArn provided as input {arn}"
    ))
}

/// Checks one tag key (TagResource, UntagResource and CreateTable share the rules).
pub fn check_key(key: Option<&str>) -> Result<&str, ApiError> {
    let key = key.unwrap_or_default();
    let chars = key.chars().count();
    if chars == 0 || chars > MAX_KEY_CHARS || !allowed(key) {
        return Err(ApiError::validation(format!(
            "The Tag Key provided is invalid, Key: {key}"
        )));
    }
    if key.starts_with("aws:") {
        return Err(ApiError::validation(format!(
            "Tag Key cannot be prefixed with aws:, Key: {key}"
        )));
    }
    Ok(key)
}

/// Checks a `Tags` list and returns it as (key, value) pairs in request order.
pub fn parse_tags(list: &[Value]) -> Result<Vec<(String, String)>, ApiError> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(list.len());
    for tag in list {
        let key = check_key(tag.get("Key").and_then(Value::as_str))?;
        let value = match tag.get("Value").and_then(Value::as_str) {
            Some(v) if v.chars().count() <= MAX_VALUE_CHARS && allowed(v) => v,
            Some(v) => {
                return Err(ApiError::validation(format!(
                    "The Tag Value provided is invalid, Value: {v}"
                )));
            }
            None => {
                return Err(ApiError::validation(
                    "The Tag Value provided is invalid, Value: null",
                ));
            }
        };
        if out.iter().any(|(k, _)| k == key) {
            return Err(ApiError::validation(format!(
                "Duplicate Tag Keys provided as input: Duplicate Tag Key found {key}"
            )));
        }
        out.push((key.to_string(), value.to_string()));
    }
    Ok(out)
}

/// Adds `tags` to `current`, refusing to go above [`MAX_TAGS`].
pub fn merge(
    current: &BTreeMap<String, String>,
    tags: Vec<(String, String)>,
) -> Result<BTreeMap<String, String>, ApiError> {
    let mut merged = current.clone();
    merged.extend(tags);
    if merged.len() > MAX_TAGS {
        return Err(too_many());
    }
    Ok(merged)
}

pub fn too_many() -> ApiError {
    ApiError::validation("Number of Tags exceed the current limit for the provided ResourceArn")
}

/// The table name of a `ResourceArn`: malformed, foreign and index ARNs are
/// ValidationExceptions with DynamoDB's messages.
pub(crate) fn table_name<'a>(engine: &Engine, arn: Option<&'a str>) -> Result<&'a str, ApiError> {
    let Some(arn) = arn else {
        return Err(ApiError::validation("Invalid TableArn"));
    };
    if !arn.starts_with("arn:") {
        return Err(ApiError::invalid_parameter(format!(
            "ARNs must start with 'arn:': {arn}"
        )));
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 || parts[2] != "dynamodb" {
        return Err(ApiError::invalid_parameter(format!(
            "Provided Arn is not a DynamoDB resource arn: {arn}"
        )));
    }
    let Some(name) = parts[5].strip_prefix("table/") else {
        return Err(invalid_arn(arn));
    };
    if name.contains('/') {
        return Err(ApiError::invalid_parameter(format!(
            "Invalid resource arn provided, only table or stream is accepted. Provided resource arn: {arn}"
        )));
    }
    if parts[1] != "aws"
        || parts[3] != engine.config.region
        || parts[4] != engine.config.account_id
        || name.len() < 3
    {
        return Err(invalid_arn(arn));
    }
    Ok(name)
}

/// The table a `ResourceArn` names: one that does not exist, or is still being created, is
/// ResourceNotFoundException. The text is DynamoDB's, misspelling included ("ResourcArn":
/// dynalite's tests of TagResource and ListTagsOfResource, recorded against DynamoDB).
pub(crate) fn table(engine: &Engine, name: &str, arn: &str) -> Result<TableHandle, ApiError> {
    let not_found = || {
        ApiError::resource_not_found_message(format!(
            "Requested resource not found: ResourcArn: {arn} not found"
        ))
    };
    let handle = engine.any_table(name).map_err(|_| not_found())?;
    if read_lock(&handle).meta.status == TableStatus::Creating {
        return Err(not_found());
    }
    Ok(handle)
}

/// TagResource and UntagResource refuse a table being deleted.
pub(crate) fn check_not_deleting(meta: &crate::table::TableMeta) -> Result<(), ApiError> {
    if meta.status == TableStatus::Deleting {
        return Err(ApiError::resource_in_use(format!(
            "Attempt to change a resource which is still in use: Table is being deleted: {}",
            meta.name
        )));
    }
    Ok(())
}
