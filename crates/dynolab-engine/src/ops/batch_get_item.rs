//! BatchGetItem: up to 100 keys over any tables; each item is charged as its own GetItem;
//! keys past the 16 MB response limit come back in `UnprocessedKeys`.

use std::collections::HashSet;

use dynolab_capacity::{Consumed, ReadKind, read_cost};
use dynolab_model::size::item_size_bytes;
use dynolab_model::value::item_from_json;
use dynolab_model::wire::{self, Check, Checked, Ty, field};
use dynolab_model::{ApiError, Item};
use serde_json::{Map, Value, json};

use super::{ReturnConsumed, consumed_json, item_json};
use crate::{Engine, Outcome, exprs, legacy, read_lock};

static KEYS_AND_ATTRIBUTES: Ty = Ty::Struct(
    "KeysAndAttributes",
    &[
        field(
            "AttributesToGet",
            Ty::List(&Ty::String, &[]),
            &[Check::LenMin(1), Check::LenMax(255)],
        ),
        field("ConsistentRead", Ty::Boolean, &[]),
        field(
            "ExpressionAttributeNames",
            Ty::Map("java.lang.String", &Ty::String, &[]),
            &[],
        ),
        field(
            "Keys",
            Ty::List(
                &Ty::Map("AttributeValue", &Ty::Attr, &[]),
                &[Check::KeepsNull],
            ),
            &[Check::NotNull, Check::LenMin(1), Check::LenMax(100)],
        ),
        field("ProjectionExpression", Ty::String, &[]),
    ],
);

pub(crate) static SHAPE: super::Shape = &[
    wire::RETURN_CONSUMED_CAPACITY,
    field(
        "RequestItems",
        Ty::Map(
            "KeysAndAttributes",
            &KEYS_AND_ATTRIBUTES,
            &[Check::KeepsNull],
        ),
        &[Check::NotNull, Check::LenMin(1), Check::KeysAreTableNames],
    ),
];

/// The response may carry at most 16 MB of items.
const RESPONSE_LIMIT_BYTES: usize = 16 * 1024 * 1024;
const MAX_KEYS: usize = 100;

struct TableRequest<'a> {
    name: &'a str,
    keys: Vec<Item>,
    spec: &'a Map<String, Value>,
    projection: Option<dynolab_expr::Projection>,
}

fn validate(req: &Map<String, Value>) -> Result<Vec<TableRequest<'_>>, ApiError> {
    // One request uses expressions or the legacy parameters, across all its tables (DynamoDB
    // Local 1.25.1, found by tests/differential).
    let specs = || {
        req.obj_field("RequestItems")
            .into_iter()
            .flatten()
            .filter_map(|(_, spec)| spec.as_object())
    };
    if specs().any(|s| s.contains_key("AttributesToGet"))
        && specs().any(|s| s.contains_key("ProjectionExpression"))
    {
        return Err(ApiError::validation(
            "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}",
        ));
    }
    let mut total = 0;
    let mut out = Vec::new();
    for (name, spec) in req.obj_field("RequestItems").into_iter().flatten() {
        // DynamoDB Local 1.25.1's answer to a null entry (found by tests/differential).
        let spec = spec.as_object().ok_or_else(|| {
            ApiError::validation(format!(
                "The list of keys in RequestItems for BatchGetItem is required: {name} has empty list"
            ))
        })?;
        let (keys, exprs) = exprs::parse_with(
            spec,
            &["ProjectionExpression"],
            &["AttributesToGet"],
            || {
                legacy::check_attributes_to_get(spec)?;
                let mut keys = Vec::new();
                for key in spec.list_field("Keys").into_iter().flatten() {
                    // DynamoDB Local 1.25.1's answer (found by tests/differential).
                    let Some(key) = key.as_object() else {
                        return Err(ApiError::validation(format!(
                            "The list of keys in RequestItems for BatchGetItem may not contain null or empty values: {name} has one or more empty keys"
                        )));
                    };
                    let key = item_from_json(key).map_err(ApiError::validation)?;
                    keys.push(key);
                }
                Ok(keys)
            },
        )?;
        // Keys written the same twice are refused before the table is looked up (DynamoDB
        // Local 1.25.1); keys that are equal only once encoded (`1` and `1.0`) after.
        if keys.iter().enumerate().any(|(i, k)| keys[..i].contains(k)) {
            return Err(ApiError::validation(
                "Provided list of item keys contains duplicates",
            ));
        }
        total += keys.len();
        let projection = exprs.projection.or_else(|| legacy::attributes_to_get(spec));
        out.push(TableRequest {
            name,
            keys,
            spec,
            projection,
        });
    }
    if total > MAX_KEYS {
        return Err(ApiError::validation(
            "Too many items requested for the BatchGetItem call",
        ));
    }
    Ok(out)
}

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let requests = validate(req)?;
    let mode = ReturnConsumed::from_req(req);
    let mut handles = Vec::new();
    for r in &requests {
        let handle = engine.table(r.name)?;
        let encoded: Vec<Vec<u8>> = {
            let state = read_lock(&handle);
            if let Some(p) = &r.projection {
                let nested: Vec<String> = p.nested_path_heads().into_iter().collect();
                crate::exprs::check_key_paths(&state.meta, &nested)?;
            }
            r.keys
                .iter()
                .map(|k| state.meta.key_from_param(k))
                .collect::<Result<_, _>>()?
        };
        let unique: HashSet<&Vec<u8>> = encoded.iter().collect();
        if unique.len() != encoded.len() {
            return Err(ApiError::validation(
                "Provided list of item keys contains duplicates",
            ));
        }
        handles.push((handle, encoded));
    }
    let mut responses = Map::new();
    let mut unprocessed = Map::new();
    let mut capacity = Vec::new();
    let mut response_bytes = 0;
    let now = engine.now();
    let mut processed = 0;
    let mut throttle = None;
    for (r, (handle, encoded)) in requests.iter().zip(handles) {
        let state = read_lock(&handle);
        let kind = ReadKind::from_consistent(r.spec.bool_field("ConsistentRead").unwrap_or(false));
        let mut consumed = Consumed::default();
        let mut items = Vec::new();
        let mut left = Vec::new();
        for (key_item, key) in r.keys.iter().zip(&encoded) {
            let item = state.data.items.get(key);
            let item = item.as_ref();
            let size = item.map_or(0, item_size_bytes);
            if response_bytes + size > RESPONSE_LIMIT_BYTES {
                left.push(item_json(key_item));
                continue;
            }
            let cost = read_cost(size as u64, kind);
            let charge =
                crate::capacity::read_charge(None, dynolab_storage::keys::key_hash(key), cost);
            let keys = engine.contributor_keys(&state.meta, key_item);
            if let Err(e) = engine.admit_keys(&state, &[charge], &keys[..keys.len().min(1)], now) {
                left.push(item_json(key_item));
                throttle.get_or_insert(e);
                continue;
            }
            processed += 1;
            response_bytes += size;
            consumed.table_read += cost;
            if let Some(item) = item {
                items.push(item_json(&match &r.projection {
                    Some(p) => p.apply(item),
                    None => item.clone(),
                }));
            }
        }
        responses.insert(r.name.to_string(), Value::Array(items));
        if !left.is_empty() {
            let mut spec = r.spec.clone();
            spec.insert("Keys".into(), Value::Array(left));
            unprocessed.insert(r.name.to_string(), Value::Object(spec));
        }
        if let Some(c) = consumed_json(r.name, &consumed, mode) {
            capacity.push(c);
        }
    }
    // Only a batch where every key was throttled fails; otherwise they are unprocessed.
    if processed == 0
        && let Some(e) = throttle
    {
        return Err(e);
    }
    let mut body = json!({"Responses": responses, "UnprocessedKeys": unprocessed});
    if mode != ReturnConsumed::None {
        body["ConsumedCapacity"] = Value::Array(capacity);
    }
    Ok(Outcome::read(body))
}
