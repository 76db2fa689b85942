//! GetRecords (DynamoDB Streams): up to `Limit` (1,000) records, at most 1 MB, from a shard
//! iterator, in commit order, shaped by the stream's view type. A closed shard read to its end
//! has no `NextShardIterator`.

use dynolab_model::ApiError;
use dynolab_model::wire::{Check, Checked, Ty, field};
use serde_json::{Map, Value, json};

use crate::{Engine, Outcome, history, read_lock, streams};

pub(crate) static SHAPE: super::Shape = &[
    field(
        "ShardIterator",
        Ty::String,
        &[Check::NotNull, Check::LenMin(1), Check::LenMax(2048)],
    ),
    field("Limit", Ty::Integer, &[Check::Min(1), Check::Max(1000)]),
];

/// GetRecords answers at most 1 MB of records.
const MAX_BYTES: usize = 1024 * 1024;

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let text = req.str_field("ShardIterator").unwrap_or_default();
    let iterator = streams::Iterator::decode(text)
        .ok_or_else(|| ApiError::validation("Invalid ShardIterator"))?;
    let now = engine.now();
    iterator.check_fresh(now)?;
    let handle = engine.table(&iterator.table).map_err(|_| {
        ApiError::resource_not_found_message("Requested resource not found: Stream not found")
    })?;
    let state = read_lock(&handle);
    let stream = state
        .meta
        .streams
        .iter()
        .find(|s| s.label == iterator.label && state.meta.id == iterator.table_id)
        .ok_or_else(|| {
            ApiError::resource_not_found_message("Requested resource not found: Stream not found")
        })?;
    if iterator.position < streams::trim_horizon(&state.history, stream, now) {
        return Err(streams::trimmed(stream, iterator.position));
    }
    let limit = req.int_field("Limit").unwrap_or(1000) as usize;
    let mut records = Vec::new();
    let mut bytes = 0;
    let mut next = iterator.position;
    let mut more = false;
    for change in state
        .history
        .changes
        .range(state.history.position(iterator.position)..)
        .take_while(|c| stream.contains(c.seq))
    {
        if records.len() == limit {
            more = true;
            break;
        }
        let record = history::record_json(&state.meta, stream, change, engine.region());
        let size = record.to_string().len();
        if !records.is_empty() && bytes + size > MAX_BYTES {
            more = true;
            break;
        }
        bytes += size;
        records.push(record);
        next = change.seq + 1;
    }
    let mut body = json!({"Records": records});
    // A closed shard read to its end has no next iterator.
    if stream.is_open() || more {
        body["NextShardIterator"] =
            json!(streams::Iterator::new(&state, stream, next, now).encode());
    }
    Ok(Outcome::read(body))
}
