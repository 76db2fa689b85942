//! GetShardIterator (DynamoDB Streams): TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER and
//! AFTER_SEQUENCE_NUMBER on a stream's one shard. The iterator is valid for 15 minutes.

use dynolab_model::ApiError;
use dynolab_model::wire::{Check, Checked, Ty, field};
use serde_json::{Map, Value, json};

use crate::{Engine, Outcome, read_lock, streams};

pub(crate) static SHAPE: super::Shape = &[
    field(
        "StreamArn",
        Ty::String,
        &[Check::NotNull, Check::LenMin(37), Check::LenMax(1024)],
    ),
    field(
        "ShardId",
        Ty::String,
        &[Check::NotNull, Check::LenMin(28), Check::LenMax(65)],
    ),
    field(
        "ShardIteratorType",
        Ty::String,
        &[
            Check::NotNull,
            Check::Enum(&[
                "TRIM_HORIZON",
                "LATEST",
                "AT_SEQUENCE_NUMBER",
                "AFTER_SEQUENCE_NUMBER",
            ]),
        ],
    ),
    field(
        "SequenceNumber",
        Ty::String,
        &[Check::LenMin(21), Check::LenMax(40)],
    ),
];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let arn = req.str_field("StreamArn").unwrap_or_default();
    let shard = req.str_field("ShardId").unwrap_or_default();
    let kind = req.str_field("ShardIteratorType").unwrap_or_default();
    let (handle, index) = streams::find(engine, arn)?;
    let state = read_lock(&handle);
    let stream = &state.meta.streams[index];
    if stream.shard_id != shard {
        return Err(ApiError::resource_not_found_message(format!(
            "Requested resource not found: Shard does not exist: {shard} in Stream: {arn}"
        )));
    }
    if matches!(kind, "TRIM_HORIZON" | "LATEST") && req.contains_key("SequenceNumber") {
        return Err(ApiError::validation(format!(
            "Sequence number must not be specified for ShardIteratorType {kind}"
        )));
    }
    let now = engine.now();
    let horizon = streams::trim_horizon(&state.history, stream, now);
    let position = match kind {
        "TRIM_HORIZON" => horizon,
        "LATEST" => stream.end_seq.unwrap_or(state.history.last_seq + 1),
        _ => {
            let Some(text) = req.str_field("SequenceNumber") else {
                return Err(ApiError::validation(format!(
                    "Sequence number is required for ShardIteratorType {kind}"
                )));
            };
            let seq: u64 = text
                .parse()
                .ok()
                .filter(|s| stream.contains(*s))
                .ok_or_else(|| {
                    ApiError::validation(format!(
                        "Invalid SequenceNumber {text} for shard {shard} of stream {arn}: it is outside the shard's range"
                    ))
                })?;
            if seq < horizon {
                return Err(streams::trimmed(stream, seq));
            }
            if kind == "AT_SEQUENCE_NUMBER" {
                seq
            } else {
                seq + 1
            }
        }
    };
    let iterator = streams::Iterator::new(&state, stream, position, now);
    Ok(Outcome::read(json!({"ShardIterator": iterator.encode()})))
}
