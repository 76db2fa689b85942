//! The DynamoDB Streams API on the same port (`X-Amz-Target: DynamoDBStreams_20120810.<Op>`):
//! stream lookup by ARN, shard iterators, and the trim horizon. The operations themselves are
//! `ops/list_streams.rs`, `ops/describe_stream.rs`, `ops/get_shard_iterator.rs` and
//! `ops/get_records.rs`; a stream is a view of the table's change log (`history`).
//!
//! Each stream has exactly one shard (see docs/COMPAT.md).

use base64::Engine as _;
use dynolab_clock::Timestamp;
use dynolab_model::{ApiError, ErrorCode};

use crate::history::{History, STREAM_RETENTION_MICROS, StreamMeta, iso_millis};
use crate::{Engine, TableHandle, TableState, read_lock};

pub const TARGET_PREFIX: &str = "DynamoDBStreams_20120810.";
pub const OPERATIONS: &[&str] = &[
    "DescribeStream",
    "GetRecords",
    "GetShardIterator",
    "ListStreams",
];

pub(crate) fn stream_not_found(arn: &str) -> ApiError {
    ApiError::resource_not_found_message(format!(
        "Requested resource not found: Stream: {arn} not found"
    ))
}

/// The table name in a stream ARN (`arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL`),
/// or `None` when it is not one.
pub(crate) fn parse_arn(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let (_partition, service, _region, _account, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let (table, label) = resource.strip_prefix("table/")?.split_once("/stream/")?;
    (service == "dynamodb" && !table.is_empty() && !label.is_empty()).then_some(table)
}

/// The table and the index in its `streams` of a stream ARN: ValidationException when the
/// string is not a stream ARN, ResourceNotFoundException when no such stream is readable.
pub(crate) fn find(engine: &Engine, arn: &str) -> Result<(TableHandle, usize), ApiError> {
    let table =
        parse_arn(arn).ok_or_else(|| ApiError::validation(format!("Invalid StreamArn: {arn}")))?;
    let handle = engine.table(table).map_err(|_| stream_not_found(arn))?;
    let index = {
        let state = read_lock(&handle);
        state
            .meta
            .streams
            .iter()
            .position(|s| s.arn == arn && s.is_visible(engine.now()))
            .ok_or_else(|| stream_not_found(arn))?
    };
    Ok((handle, index))
}

/// The first sequence number of `stream` that can still be read: records older than 24 hours
/// are trimmed.
pub(crate) fn trim_horizon(history: &History, stream: &StreamMeta, now: Timestamp) -> u64 {
    let horizon = now.as_micros().saturating_sub(STREAM_RETENTION_MICROS);
    // Commit times grow along the log: binary search, not a walk over a PITR-long log.
    let young = history
        .changes
        .partition_point(|c| c.at.as_micros() < horizon);
    let first_readable = match history.changes.get(young) {
        Some(c) => c.seq,
        None => history
            .changes
            .back()
            .map_or(history.trimmed_through + 1, |c| c.seq + 1),
    };
    let start = stream.start_seq.max(first_readable);
    stream.end_seq.map_or(start, |end| start.min(end))
}

/// Where an iterator points: the table, the stream, the next sequence number to return, and
/// when the iterator was handed out.
#[derive(Debug, PartialEq)]
pub(crate) struct Iterator {
    pub table: String,
    pub table_id: u64,
    pub label: String,
    pub position: u64,
    pub created: Timestamp,
}

impl Iterator {
    pub fn encode(&self) -> String {
        let raw = format!(
            "v1|{}|{}|{}|{}|{}",
            self.table_id,
            self.position,
            self.created.as_micros(),
            self.label,
            self.table
        );
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    }

    pub fn decode(text: &str) -> Option<Iterator> {
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .ok()?;
        let raw = String::from_utf8(raw).ok()?;
        let mut parts = raw.splitn(6, '|');
        if parts.next()? != "v1" {
            return None;
        }
        let table_id = parts.next()?.parse().ok()?;
        let position = parts.next()?.parse().ok()?;
        let created = Timestamp(parts.next()?.parse().ok()?);
        let label = parts.next()?.to_string();
        let table = parts.next()?.to_string();
        Some(Iterator {
            table,
            table_id,
            label,
            position,
            created,
        })
    }

    pub fn new(state: &TableState, stream: &StreamMeta, position: u64, now: Timestamp) -> Self {
        Iterator {
            table: state.meta.name.clone(),
            table_id: state.meta.id,
            label: stream.label.clone(),
            position,
            created: now,
        }
    }

    /// ExpiredIteratorException once the iterator is older than 15 minutes.
    pub fn check_fresh(&self, now: Timestamp) -> Result<(), ApiError> {
        if now.as_micros() > self.created.as_micros() + crate::history::ITERATOR_LIFETIME_MICROS {
            return Err(ApiError::new(
                ErrorCode::ExpiredIteratorException,
                format!(
                    "Iterator expired. The iterator was created at time {} while right now it is {} which is further in the future than the tolerated delay of 900000 milliseconds.",
                    iso_millis(self.created.as_micros()),
                    iso_millis(now.as_micros())
                ),
            ));
        }
        Ok(())
    }
}

pub(crate) fn trimmed(stream: &StreamMeta, seq: u64) -> ApiError {
    ApiError::new(
        ErrorCode::TrimmedDataAccessException,
        format!(
            "The requested sequence number {} is beyond the trim horizon of shard {} of stream {}: records older than 24 hours are trimmed",
            crate::history::seq_text(seq),
            stream.shard_id,
            stream.arn
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_arns_name_their_table() {
        let arn =
            "arn:aws:dynamodb:us-east-1:000000000000:table/t-1/stream/2026-11-24T00:00:00.000";
        assert_eq!(parse_arn(arn), Some("t-1"));
        for bad in [
            "sdfadfsdfnlfkajakfgjalksfgklasjklasdjfklasdfasdfgasf",
            "arn:aws:dynamodb:us-east-1:000000000000:table/t-1",
            "arn:aws:s3:us-east-1:000000000000:table/t-1/stream/x",
        ] {
            assert_eq!(parse_arn(bad), None, "{bad}");
        }
    }

    #[test]
    fn iterators_round_trip() {
        let it = Iterator {
            table: "my|table".into(),
            table_id: 3,
            label: "2026-11-24T00:00:00.000".into(),
            position: 1_700_000_000_000_000_001,
            created: Timestamp(42),
        };
        assert_eq!(Iterator::decode(&it.encode()), Some(it));
        assert_eq!(Iterator::decode("garbage"), None);
    }
}
