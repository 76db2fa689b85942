//! DescribeStream (DynamoDB Streams): the stream's status, view type, key schema and its one
//! shard, whose `EndingSequenceNumber` is set once the stream is disabled.

use dynolab_model::ApiError;
use dynolab_model::wire::{Check, Checked, Ty, field};
use serde_json::{Map, Value, json};

use crate::history::seq_text;
use crate::{Engine, Outcome, read_lock, streams};

pub(crate) static SHAPE: super::Shape = &[
    field(
        "StreamArn",
        Ty::String,
        &[Check::NotNull, Check::LenMin(37), Check::LenMax(1024)],
    ),
    field("Limit", Ty::Integer, &[Check::Min(1), Check::Max(100)]),
    field(
        "ExclusiveStartShardId",
        Ty::String,
        &[Check::LenMin(28), Check::LenMax(65)],
    ),
];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let arn = req.str_field("StreamArn").unwrap_or_default();
    let (handle, index) = streams::find(engine, arn)?;
    let state = read_lock(&handle);
    let stream = &state.meta.streams[index];
    let now = engine.now();
    let mut range = json!({"StartingSequenceNumber": seq_text(streams::trim_horizon(&state.history, stream, now))});
    if let Some(end) = stream.end_seq {
        range["EndingSequenceNumber"] =
            json!(seq_text(end.saturating_sub(1).max(stream.start_seq)));
    }
    // One shard per stream; a request that starts at or after it (shard ids sort) gets none.
    let shards = if req
        .str_field("ExclusiveStartShardId")
        .is_some_and(|start| start >= stream.shard_id.as_str())
    {
        vec![]
    } else {
        vec![json!({"ShardId": stream.shard_id, "SequenceNumberRange": range})]
    };
    Ok(Outcome::read(json!({"StreamDescription": {
        "StreamArn": stream.arn,
        "StreamLabel": stream.label,
        "StreamStatus": if stream.is_open() { "ENABLED" } else { "DISABLED" },
        "StreamViewType": stream.view_type,
        "CreationRequestDateTime": stream.created_micros as f64 / 1e6,
        "TableName": state.meta.name,
        "KeySchema": state.meta.key_schema.to_json(),
        "Shards": shards,
    }})))
}
