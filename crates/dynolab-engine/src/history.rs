//! The history of a table: one change log, fed by the one write path (`write::apply`), that
//! both DynamoDB Streams and point-in-time recovery read. See docs/design/history.md.
//!
//! Every applied change that alters an item is appended, under the table's write lock (so log
//! order is commit order), as a [`Change`]: its sequence number, commit time, key, old and new
//! image. The log is kept only while a stream or point-in-time recovery needs it, and trimmed
//! to the longest retention they need (24 hours for streams, the recovery period for PITR).
//! A stream is a view of the log: the sequence-number range during which it was enabled.

use std::collections::VecDeque;

use dynolab_clock::Timestamp;
use dynolab_model::Item;
use dynolab_model::size::item_size_bytes;
use dynolab_storage::{Items, Mutation, codec};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::table::TableMeta;

pub(crate) const MICROS_PER_SECOND: u64 = 1_000_000;
/// Stream records are readable for 24 hours.
pub(crate) const STREAM_RETENTION_MICROS: u64 = 24 * 3600 * MICROS_PER_SECOND;
/// A shard iterator is valid for 15 minutes.
pub(crate) const ITERATOR_LIFETIME_MICROS: u64 = 15 * 60 * MICROS_PER_SECOND;
/// LatestRestorableDateTime trails the present by 5 minutes.
pub(crate) const PITR_LAG_MICROS: u64 = 5 * 60 * MICROS_PER_SECOND;
pub(crate) const MICROS_PER_DAY: u64 = 86_400 * MICROS_PER_SECOND;
/// Old entries are trimmed in batches: only once the oldest is this far past its retention.
const TRIM_SLACK_MICROS: u64 = 60 * MICROS_PER_SECOND;

/// One applied change of one item.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Change {
    /// Increasing within the table; never reused.
    pub seq: u64,
    /// Commit time.
    pub at: Timestamp,
    pub key: Vec<u8>,
    pub old: Option<Item>,
    pub new: Option<Item>,
    /// The change is a deletion by Time to Live (a service write): stream records carry
    /// `userIdentity {PrincipalId: dynamodb.amazonaws.com, Type: Service}`.
    pub ttl_delete: bool,
}

impl Change {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.at.as_micros().to_be_bytes());
        let flags = u8::from(self.old.is_some())
            | (u8::from(self.new.is_some()) << 1)
            | (u8::from(self.ttl_delete) << 2);
        out.push(flags);
        let mut chunk = |bytes: &[u8]| {
            out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
            out.extend_from_slice(bytes);
        };
        chunk(&self.key);
        if let Some(old) = &self.old {
            chunk(&codec::encode_item(old));
        }
        if let Some(new) = &self.new {
            chunk(&codec::encode_item(new));
        }
        out
    }

    pub fn decode(seq: u64, bytes: &[u8]) -> Option<Change> {
        let at = Timestamp(u64::from_be_bytes(bytes.get(..8)?.try_into().ok()?));
        let flags = *bytes.get(8)?;
        let mut rest = &bytes[9..];
        let mut chunk = || -> Option<&[u8]> {
            let len = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?) as usize;
            let out = rest.get(4..4 + len)?;
            rest = &rest[4 + len..];
            Some(out)
        };
        let key = chunk()?.to_vec();
        let old = if flags & 1 != 0 {
            Some(codec::decode_item(chunk()?)?)
        } else {
            None
        };
        let new = if flags & 2 != 0 {
            Some(codec::decode_item(chunk()?)?)
        } else {
            None
        };
        Some(Change {
            seq,
            at,
            key,
            old,
            new,
            ttl_delete: flags & 4 != 0,
        })
    }
}

/// A table's change log, in memory (and, on a durable server, in the `history` keyspace).
#[derive(Default, Debug)]
pub(crate) struct History {
    pub changes: VecDeque<Change>,
    /// The highest sequence number handed out (or reserved for a stream's start).
    pub last_seq: u64,
    /// The highest sequence number trimmed from the log since the server started.
    pub trimmed_through: u64,
}

/// One DynamoDB stream of a table: the log's sequence numbers `[start_seq, end_seq)`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StreamMeta {
    pub label: String,
    pub arn: String,
    pub view_type: String,
    pub created_micros: u64,
    pub shard_id: String,
    pub start_seq: u64,
    /// Set when the stream is disabled: the shard is closed.
    pub end_seq: Option<u64>,
    pub disabled_micros: Option<u64>,
}

impl StreamMeta {
    pub fn is_open(&self) -> bool {
        self.end_seq.is_none()
    }

    pub fn contains(&self, seq: u64) -> bool {
        seq >= self.start_seq && self.end_seq.is_none_or(|end| seq < end)
    }

    /// A disabled stream stays readable (and listed) for 24 hours.
    pub fn is_visible(&self, now: Timestamp) -> bool {
        self.disabled_micros
            .is_none_or(|d| d + STREAM_RETENTION_MICROS > now.as_micros())
    }
}

/// Point-in-time recovery settings.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PitrMeta {
    pub enabled_micros: u64,
    pub period_days: u64,
}

impl PitrMeta {
    pub fn earliest(&self, now: Timestamp) -> Timestamp {
        Timestamp(
            self.enabled_micros.max(
                now.as_micros()
                    .saturating_sub(self.period_days * MICROS_PER_DAY),
            ),
        )
    }

    /// Five minutes ago, but never before the earliest restorable time.
    pub fn latest(&self, now: Timestamp) -> Timestamp {
        Timestamp(
            now.as_micros()
                .saturating_sub(PITR_LAG_MICROS)
                .max(self.earliest(now).as_micros()),
        )
    }
}

/// How long the log must keep entries for this table, or `None` when nothing reads it.
fn retention(meta: &TableMeta, now: Timestamp) -> Option<u64> {
    let streams = meta
        .streams
        .iter()
        .any(|s| s.is_visible(now))
        .then_some(STREAM_RETENTION_MICROS);
    let pitr = meta.pitr.as_ref().map(|p| p.period_days * MICROS_PER_DAY);
    streams.into_iter().chain(pitr).max()
}

/// Whether changes are being logged: a stream is enabled or PITR is on.
pub(crate) fn logging(meta: &TableMeta) -> bool {
    meta.pitr.is_some() || meta.streams.iter().any(StreamMeta::is_open)
}

impl History {
    /// A sequence number above every one handed out so far, tied to the commit time so that
    /// numbers stay increasing across restarts even when the log was emptied by trimming.
    fn next_seq(&mut self, now: Timestamp) -> u64 {
        let seq = (self.last_seq + 1).max(now.as_micros().saturating_mul(1000));
        self.last_seq = seq;
        seq
    }

    /// Reserves the first sequence number of a stream enabled now.
    pub fn reserve(&mut self, now: Timestamp) -> u64 {
        self.next_seq(now)
    }

    /// Appends a change (when anything logs, and when it changed something) and trims what no
    /// reader needs any more. Returns the durable mutations.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        meta: &TableMeta,
        key: &[u8],
        old: Option<&Item>,
        new: Option<&Item>,
        now: Timestamp,
        ttl_delete: bool,
    ) -> Vec<Mutation> {
        let mut mutations = Vec::new();
        if logging(meta) && old != new {
            let change = Change {
                seq: self.next_seq(now),
                at: now,
                key: key.to_vec(),
                old: old.cloned(),
                new: new.cloned(),
                ttl_delete,
            };
            mutations.push(Mutation::AppendChange {
                table_id: meta.id,
                seq: change.seq,
                record: change.encode(),
            });
            self.changes.push_back(change);
        }
        mutations.extend(self.trim(meta, now));
        mutations
    }

    /// Drops entries older than every reader's retention, in batches.
    pub fn trim(&mut self, meta: &TableMeta, now: Timestamp) -> Option<Mutation> {
        let front = self.changes.front()?;
        let keep = retention(meta, now);
        let cutoff = keep.map_or(u64::MAX, |k| now.as_micros().saturating_sub(k));
        if keep.is_some() && front.at.as_micros() + TRIM_SLACK_MICROS > cutoff {
            return None;
        }
        let mut through = None;
        while let Some(c) = self.changes.front()
            && c.at.as_micros() < cutoff
        {
            through = Some(c.seq);
            self.changes.pop_front();
        }
        if let Some(t) = through {
            self.trimmed_through = t;
        }
        through.map(|through_seq| Mutation::TrimChanges {
            table_id: meta.id,
            through_seq,
        })
    }

    /// The table's items as they were at `at`: every change committed after it, undone.
    pub fn items_at(&self, items: &Items, at: Timestamp) -> Items {
        let mut out = items.clone();
        for change in self.changes.iter().rev() {
            if change.at <= at {
                break;
            }
            match &change.old {
                Some(old) => {
                    out.insert(&change.key, old);
                }
                None => {
                    out.remove(&change.key);
                }
            };
        }
        out
    }

    /// Index of the first change with `seq >= from`.
    pub fn position(&self, from: u64) -> usize {
        self.changes.partition_point(|c| c.seq < from)
    }
}

/// What a StreamSpecification asks for.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum StreamChange {
    Enable(String),
    Disable,
}

/// Validates a CreateTable (`meta` is `None`) or UpdateTable StreamSpecification with
/// DynamoDB's messages, and says what it changes.
pub(crate) fn stream_change(
    spec: Option<&serde_json::Map<String, Value>>,
    meta: Option<&TableMeta>,
) -> Result<Option<StreamChange>, dynolab_model::ApiError> {
    use dynolab_model::ApiError;
    let Some(spec) = spec else { return Ok(None) };
    let enabled = spec
        .get("StreamEnabled")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let view = spec.get("StreamViewType").and_then(Value::as_str);
    match (meta, enabled, view) {
        (None, true, None) => Err(ApiError::invalid_parameter(
            "Table is being created with a stream enabled, UpdateViewType is required",
        )),
        (None, false, Some(_)) => Err(ApiError::invalid_parameter(
            "Table is being created with a stream disabled, UpdateViewType should not be specified",
        )),
        (None, false, None) => Ok(None),
        (Some(_), true, None) => Err(ApiError::invalid_parameter(
            "If stream is being enabled then UpdateViewType is required",
        )),
        (Some(_), false, Some(_)) => Err(ApiError::invalid_parameter(
            "If stream is being disabled, then UpdateViewType must not be specified",
        )),
        (Some(meta), true, Some(_)) if meta.open_stream().is_some() => {
            Err(ApiError::validation(format!(
                "Table already has an enabled stream: TableName: {}",
                meta.name
            )))
        }
        (Some(meta), false, None) if meta.open_stream().is_none() => Err(ApiError::validation(
            format!("Table has no stream to disable: TableName: {}", meta.name),
        )),
        (_, true, Some(view)) => Ok(Some(StreamChange::Enable(view.to_string()))),
        (_, false, _) => Ok(Some(StreamChange::Disable)),
    }
}

/// Enables a new stream (with a new label and shard) or closes the open one.
pub(crate) fn change_stream(
    meta: &mut TableMeta,
    history: &mut History,
    change: &StreamChange,
    now: Timestamp,
) {
    match change {
        StreamChange::Enable(view) => {
            // Labels are creation times in milliseconds; keep them unique on a frozen clock.
            let mut created = now.as_micros();
            while meta.streams.iter().any(|s| s.label == iso_millis(created)) {
                created += 1000;
            }
            let label = iso_millis(created);
            let start_seq = history.reserve(now);
            meta.streams.push(StreamMeta {
                arn: format!("{}/stream/{label}", meta.arn),
                shard_id: format!(
                    "shardId-{:020}-{:08x}",
                    created / 1000,
                    (meta.id.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ start_seq) as u32
                ),
                label,
                view_type: view.clone(),
                created_micros: created,
                start_seq,
                end_seq: None,
                disabled_micros: None,
            });
        }
        StreamChange::Disable => {
            let end = history.last_seq + 1;
            if let Some(stream) = meta.streams.iter_mut().rev().find(|s| s.is_open()) {
                stream.end_seq = Some(end);
                stream.disabled_micros = Some(now.as_micros());
            }
        }
    }
}

/// The stream members of a table description: StreamSpecification while a stream is enabled,
/// LatestStreamArn and LatestStreamLabel once the table has had one.
pub(crate) fn describe_streams(meta: &TableMeta, out: &mut Value) {
    if let Some(open) = meta.open_stream() {
        out["StreamSpecification"] =
            json!({"StreamEnabled": true, "StreamViewType": open.view_type});
    }
    if let Some(latest) = meta.streams.last() {
        out["LatestStreamArn"] = json!(latest.arn);
        out["LatestStreamLabel"] = json!(latest.label);
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmm` (UTC) for a stream label.
pub(crate) fn iso_millis(micros: u64) -> String {
    let secs = micros / MICROS_PER_SECOND;
    let millis = (micros / 1000) % 1000;
    let rem = secs % 86_400;
    let (year, month, day) = dynolab_clock::civil_from_days((secs / 86_400) as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

/// A stream sequence number as the API writes it (a decimal string of 21 or more digits).
pub(crate) fn seq_text(seq: u64) -> String {
    format!("{seq:021}")
}

/// One stream record (GetRecords' `Records` member) for a change, shaped by the view type.
pub(crate) fn record_json(
    meta: &TableMeta,
    stream: &StreamMeta,
    change: &Change,
    region: &str,
) -> Value {
    let event = match (&change.old, &change.new) {
        (None, _) => "INSERT",
        (Some(_), Some(_)) => "MODIFY",
        (Some(_), None) => "REMOVE",
    };
    let image = change.new.as_ref().or(change.old.as_ref());
    let keys = image.map(|i| meta.key_item(i)).unwrap_or_default();
    let mut size = item_size_bytes(&keys);
    let mut dynamodb = json!({
        "ApproximateCreationDateTime": change.at.as_micros() / MICROS_PER_SECOND,
        "Keys": dynolab_model::value::item_to_json(&keys),
        "SequenceNumber": seq_text(change.seq),
        "StreamViewType": stream.view_type,
    });
    let view = stream.view_type.as_str();
    if matches!(view, "NEW_IMAGE" | "NEW_AND_OLD_IMAGES")
        && let Some(new) = &change.new
    {
        size += item_size_bytes(new);
        dynamodb["NewImage"] = dynolab_model::value::item_to_json(new);
    }
    if matches!(view, "OLD_IMAGE" | "NEW_AND_OLD_IMAGES")
        && let Some(old) = &change.old
    {
        size += item_size_bytes(old);
        dynamodb["OldImage"] = dynolab_model::value::item_to_json(old);
    }
    dynamodb["SizeBytes"] = json!(size);
    let mut record = json!({
        "eventID": format!("{:016x}{:016x}", meta.id.wrapping_mul(0x9E37_79B9_7F4A_7C15), change.seq),
        "eventName": event,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": region,
        "dynamodb": dynamodb,
    });
    if change.ttl_delete {
        record["userIdentity"] =
            json!({"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"});
    }
    record
}

#[cfg(test)]
mod tests {
    use super::*;
    use dynolab_model::AttributeValue;

    #[test]
    fn change_round_trips() {
        let mut item = Item::new();
        item.insert("pk".into(), AttributeValue::S("a".into()));
        for (old, new, ttl) in [
            (None, Some(item.clone()), false),
            (Some(item.clone()), None, true),
            (Some(item.clone()), Some(item.clone()), false),
        ] {
            let change = Change {
                seq: 7,
                at: Timestamp(123_456),
                key: b"key".to_vec(),
                old,
                new,
                ttl_delete: ttl,
            };
            assert_eq!(Change::decode(7, &change.encode()), Some(change));
        }
        assert_eq!(Change::decode(1, b"short"), None);
    }

    /// A TTL deletion (`write::apply(.., Origin::TimeToLive)`) is a service write: its
    /// record carries DynamoDB's `userIdentity`; other records have none.
    #[test]
    fn ttl_deletions_carry_the_service_identity() {
        let meta: TableMeta = serde_json::from_value(json!({
            "name": "tbl", "id": 1, "table_id": "x", "arn": "arn:aws:dynamodb:us-east-1:0:table/tbl",
            "created_secs": 0.0, "attribute_definitions": [["pk", "S"]],
            "key_schema": {"hash": "pk", "range": null}, "billing_mode": "PayPerRequest",
            "throughput": {"read_units": 0, "write_units": 0, "last_increase_secs": null, "last_decrease_secs": null, "decreases_today": 0},
            "billing_mode_changed_secs": null, "gsis": [], "lsis": [],
        }))
        .unwrap();
        let stream = StreamMeta {
            label: "l".into(),
            arn: "a".into(),
            view_type: "OLD_IMAGE".into(),
            created_micros: 0,
            shard_id: "s".into(),
            start_seq: 0,
            end_seq: None,
            disabled_micros: None,
        };
        let mut item = Item::new();
        item.insert("pk".into(), AttributeValue::S("a".into()));
        let change = |ttl_delete| Change {
            seq: 1,
            at: Timestamp(0),
            key: b"k".to_vec(),
            old: Some(item.clone()),
            new: None,
            ttl_delete,
        };
        let record = record_json(&meta, &stream, &change(true), "us-east-1");
        assert_eq!(record["eventName"], "REMOVE");
        assert_eq!(
            record["userIdentity"],
            json!({"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"})
        );
        let record = record_json(&meta, &stream, &change(false), "us-east-1");
        assert!(record.get("userIdentity").is_none());
    }

    #[test]
    fn labels_are_iso_dates() {
        assert_eq!(iso_millis(0), "1970-01-01T00:00:00.000");
        assert_eq!(iso_millis(1_700_000_000_123_000), "2023-11-14T22:13:20.123");
        assert_eq!(iso_millis(951_782_400_000_000), "2000-02-29T00:00:00.000");
    }
}
