//! The batch writer and the batch getter.
//!
//! BatchWriteItem answers 200 with the items it did not write in `UnprocessedItems`; an SDK
//! retries throttling *errors* but not those items, so code that ignores them loses data
//! silently. [`Client::write_batch`] chunks any number of puts and deletes into requests of at
//! most 25 items and 16 MB (never two writes to one key in a request), retries unprocessed items
//! and retryable errors with exponential backoff and full jitter, bounds attempts and time, and
//! returns every write it could not make in [`WriteReport::failed`].
//! [`Client::get_batch`] does the same for BatchGetItem (100 keys, `UnprocessedKeys`).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use aws_sdk_dynamodb::types::{
    DeleteRequest, KeysAndAttributes, PutRequest, ReturnConsumedCapacity, WriteRequest,
};
use tokio::task::JoinSet;

use crate::error::Error;
use crate::item::{Item, item_size, key_fingerprint, project};
use crate::{Client, KeySchema};

/// BatchWriteItem's limit on requests per call.
pub const MAX_BATCH_WRITE_ITEMS: usize = 25;
/// BatchGetItem's limit on keys per call.
pub const MAX_BATCH_GET_KEYS: usize = 100;
/// DynamoDB's limit on a request's size. Chunks keep their estimated size below it with a margin
/// for the JSON encoding.
pub const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;
const CHUNK_BYTE_BUDGET: usize = MAX_REQUEST_BYTES / 2;

/// One write of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOp {
    Put(Item),
    /// The key of the item to delete.
    Delete(Item),
}

impl WriteOp {
    fn item(&self) -> &Item {
        match self {
            WriteOp::Put(i) | WriteOp::Delete(i) => i,
        }
    }

    fn to_request(&self) -> Result<WriteRequest, Error> {
        let build = |e: aws_sdk_dynamodb::error::BuildError| Error::Key(e.to_string());
        Ok(match self {
            WriteOp::Put(item) => WriteRequest::builder()
                .put_request(
                    PutRequest::builder()
                        .set_item(Some(item.clone()))
                        .build()
                        .map_err(build)?,
                )
                .build(),
            WriteOp::Delete(key) => WriteRequest::builder()
                .delete_request(
                    DeleteRequest::builder()
                        .set_key(Some(key.clone()))
                        .build()
                        .map_err(build)?,
                )
                .build(),
        })
    }

    fn from_request(r: WriteRequest) -> Option<WriteOp> {
        if let Some(p) = r.put_request {
            return Some(WriteOp::Put(p.item));
        }
        r.delete_request.map(|d| WriteOp::Delete(d.key))
    }
}

/// What a batch write did. Every write passed in is either counted in `written` or returned
/// in `failed`.
#[derive(Debug, Default, Clone)]
pub struct WriteReport {
    pub written: u64,
    /// Writes that could not be made (retries exhausted, or a non-retryable error).
    pub failed: Vec<WriteOp>,
    /// The error that made each group of `failed` writes fail (one per failed chunk).
    pub errors: Vec<Error>,
    /// BatchWriteItem calls sent.
    pub requests: u64,
    /// Calls that failed as a whole with a throttling error.
    pub throttled_requests: u64,
    /// Items that came back in `UnprocessedItems` (counted each time).
    pub unprocessed_items: u64,
    /// Write capacity units consumed, summed over every call.
    pub consumed_capacity: f64,
}

impl WriteReport {
    fn merge(&mut self, other: WriteReport) {
        self.written += other.written;
        self.failed.extend(other.failed);
        self.errors.extend(other.errors);
        self.requests += other.requests;
        self.throttled_requests += other.throttled_requests;
        self.unprocessed_items += other.unprocessed_items;
        self.consumed_capacity += other.consumed_capacity;
    }
}

/// What a batch get found. Every key passed in is either found in `items`, absent from the
/// table (neither list), or returned in `failed`.
#[derive(Debug, Default, Clone)]
pub struct GetReport {
    pub items: Vec<Item>,
    /// Keys that could not be read (retries exhausted, or a non-retryable error).
    pub failed: Vec<Item>,
    pub errors: Vec<Error>,
    pub requests: u64,
    pub throttled_requests: u64,
    pub unprocessed_keys: u64,
    /// Read capacity units consumed, summed over every call.
    pub consumed_capacity: f64,
}

impl GetReport {
    fn merge(&mut self, other: GetReport) {
        self.items.extend(other.items);
        self.failed.extend(other.failed);
        self.errors.extend(other.errors);
        self.requests += other.requests;
        self.throttled_requests += other.throttled_requests;
        self.unprocessed_keys += other.unprocessed_keys;
        self.consumed_capacity += other.consumed_capacity;
    }
}

/// Options of a batch get.
#[derive(Debug, Clone, Default)]
pub struct GetOptions {
    pub consistent_read: bool,
    pub projection_expression: Option<String>,
    pub expression_attribute_names: HashMap<String, String>,
}

/// Splits writes into chunks of at most `max_items` and `byte_budget`, never two writes to the
/// same key in one chunk (DynamoDB rejects such a batch).
fn chunk_writes(
    ops: impl IntoIterator<Item = WriteOp>,
    key_names: &[String],
    max_items: usize,
    byte_budget: usize,
) -> Vec<Vec<WriteOp>> {
    let mut chunks = Vec::new();
    let mut current: Vec<WriteOp> = Vec::new();
    let mut keys = HashSet::new();
    let mut bytes = 0usize;
    for op in ops {
        let size = item_size(op.item());
        let key = key_fingerprint(op.item(), key_names);
        if !current.is_empty()
            && (current.len() >= max_items || bytes + size > byte_budget || keys.contains(&key))
        {
            chunks.push(std::mem::take(&mut current));
            keys.clear();
            bytes = 0;
        }
        bytes += size;
        keys.insert(key);
        current.push(op);
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

fn consumed_units(c: &[aws_sdk_dynamodb::types::ConsumedCapacity]) -> f64 {
    c.iter().filter_map(|c| c.capacity_units()).sum()
}

impl Client {
    /// Writes every put and delete in `ops` to `table`; see the module documentation.
    ///
    /// Fails as a whole only when the table's key schema cannot be read (DescribeTable), before
    /// anything is written; any other failure is reported per write in [`WriteReport::failed`].
    pub async fn write_batch(
        &self,
        table: &str,
        ops: impl IntoIterator<Item = WriteOp>,
    ) -> Result<WriteReport, Error> {
        let schema = self.key_schema(table).await?;
        let chunks = chunk_writes(ops, &schema.table, MAX_BATCH_WRITE_ITEMS, CHUNK_BYTE_BUDGET);
        let mut report = WriteReport::default();
        let mut running: JoinSet<WriteReport> = JoinSet::new();
        let mut in_flight: HashMap<tokio::task::Id, Vec<WriteOp>> = HashMap::new();
        let collect =
            |joined: Option<Result<(tokio::task::Id, WriteReport), tokio::task::JoinError>>,
             in_flight: &mut HashMap<tokio::task::Id, Vec<WriteOp>>,
             report: &mut WriteReport| {
                match joined {
                    Some(Ok((id, r))) => {
                        in_flight.remove(&id);
                        report.merge(r);
                    }
                    Some(Err(e)) => {
                        // A task that did not finish: its writes are reported, not lost.
                        if let Some(ops) = in_flight.remove(&e.id()) {
                            report.failed.extend(ops);
                        }
                        report
                            .errors
                            .push(Error::Transport(format!("writer task: {e}")));
                    }
                    None => {}
                }
            };
        for chunk in chunks {
            while running.len() >= self.concurrency() {
                let joined = running.join_next_with_id().await;
                collect(joined, &mut in_flight, &mut report);
            }
            let client = self.clone();
            let name = table.to_string();
            let copy = chunk.clone();
            let handle = running.spawn(async move { client.write_chunk(&name, chunk).await });
            in_flight.insert(handle.id(), copy);
        }
        while !running.is_empty() {
            let joined = running.join_next_with_id().await;
            collect(joined, &mut in_flight, &mut report);
        }
        Ok(report)
    }

    /// One chunk, retried until written or out of budget.
    async fn write_chunk(&self, table: &str, chunk: Vec<WriteOp>) -> WriteReport {
        let backoff = self.backoff();
        let time = backoff.time().as_ref();
        let policy = backoff.policy().clone();
        let mut report = WriteReport::default();
        let mut pending = Vec::with_capacity(chunk.len());
        for op in chunk {
            match op.to_request() {
                Ok(r) => pending.push(r),
                Err(e) => {
                    report.failed.push(op);
                    report.errors.push(e);
                }
            }
        }
        let start = time.now();
        let mut no_progress = 0u32;
        let mut rounds = 0u32;
        while !pending.is_empty() {
            if let Some(p) = self.pacer() {
                // Units per item as measured so far (an item with a GSI costs more than one).
                let per_item = if report.written > 0 {
                    (report.consumed_capacity / report.written as f64).max(1.0)
                } else {
                    1.0
                };
                p.acquire(time, pending.len() as f64 * per_item).await;
            }
            report.requests += 1;
            let answer = self
                .sdk()
                .batch_write_item()
                .request_items(table, pending.clone())
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(Error::from);
            let last_error = match answer {
                Ok(out) => {
                    let units = consumed_units(out.consumed_capacity());
                    report.consumed_capacity += units;
                    let left = out
                        .unprocessed_items
                        .and_then(|mut m| m.remove(table))
                        .unwrap_or_default();
                    let done = pending.len().saturating_sub(left.len());
                    report.written += done as u64;
                    if let Some(p) = self.pacer() {
                        p.on_success(units);
                        if !left.is_empty() {
                            p.on_throttle(time, &[]);
                        }
                    }
                    report.unprocessed_items += left.len() as u64;
                    pending = left;
                    if done > 0 {
                        no_progress = 0;
                    } else {
                        no_progress += 1;
                    }
                    None
                }
                Err(e) if e.is_retryable() => {
                    if let Error::Throttled { reasons, .. } = &e {
                        report.throttled_requests += 1;
                        if let Some(p) = self.pacer() {
                            p.on_throttle(time, reasons);
                        }
                    }
                    no_progress += 1;
                    Some(e)
                }
                Err(e) => {
                    report
                        .failed
                        .extend(pending.drain(..).filter_map(WriteOp::from_request));
                    report.errors.push(e);
                    return report;
                }
            };
            if pending.is_empty() {
                break;
            }
            let elapsed = time.now().saturating_sub(start);
            if policy.exhausted(no_progress, elapsed) {
                report.errors.push(Error::retries_exhausted(
                    report.requests,
                    last_error,
                    "UnprocessedItems",
                    format!("{} items still unprocessed", pending.len()),
                ));
                report
                    .failed
                    .extend(pending.drain(..).filter_map(WriteOp::from_request));
                break;
            }
            backoff.wait(rounds).await;
            rounds += 1;
        }
        report
    }

    /// Reads every key in `keys` from `table` with BatchGetItem; see the module documentation.
    /// Duplicate keys are read once. Items come back in no particular order.
    pub async fn get_batch(
        &self,
        table: &str,
        keys: impl IntoIterator<Item = Item>,
        options: &GetOptions,
    ) -> Result<GetReport, Error> {
        let schema: Arc<KeySchema> = self.key_schema(table).await?;
        let mut seen = HashSet::new();
        let mut unique = Vec::new();
        for k in keys {
            if seen.insert(key_fingerprint(&k, &schema.table)) {
                unique.push(project(&k, &schema.table));
            }
        }
        let mut report = GetReport::default();
        let mut running: JoinSet<GetReport> = JoinSet::new();
        let mut chunks = unique.chunks(MAX_BATCH_GET_KEYS);
        loop {
            while running.len() < self.concurrency() {
                let Some(chunk) = chunks.next() else { break };
                let client = self.clone();
                let name = table.to_string();
                let chunk = chunk.to_vec();
                let options = options.clone();
                running.spawn(async move { client.get_chunk(&name, chunk, &options).await });
            }
            match running.join_next().await {
                Some(Ok(r)) => report.merge(r),
                Some(Err(e)) => report
                    .errors
                    .push(Error::Transport(format!("getter task: {e}"))),
                None => break,
            }
        }
        // Keys of a task that did not finish are neither found nor failed: find them.
        if report
            .errors
            .iter()
            .any(|e| matches!(e, Error::Transport(m) if m.starts_with("getter task")))
        {
            let mut accounted: HashSet<String> = report
                .items
                .iter()
                .chain(report.failed.iter())
                .map(|i| key_fingerprint(i, &schema.table))
                .collect();
            for k in unique {
                if accounted.insert(key_fingerprint(&k, &schema.table)) {
                    report.failed.push(k);
                }
            }
        }
        Ok(report)
    }

    async fn get_chunk(&self, table: &str, keys: Vec<Item>, options: &GetOptions) -> GetReport {
        let backoff = self.backoff();
        let time = backoff.time().as_ref();
        let policy = backoff.policy().clone();
        let mut report = GetReport::default();
        let mut pending = keys;
        let start = time.now();
        let mut no_progress = 0u32;
        let mut rounds = 0u32;
        while !pending.is_empty() {
            report.requests += 1;
            let spec = KeysAndAttributes::builder()
                .set_keys(Some(pending.clone()))
                .consistent_read(options.consistent_read)
                .set_projection_expression(options.projection_expression.clone())
                .set_expression_attribute_names(
                    (!options.expression_attribute_names.is_empty())
                        .then(|| options.expression_attribute_names.clone()),
                )
                .build();
            let spec = match spec {
                Ok(s) => s,
                Err(e) => {
                    report.failed.append(&mut pending);
                    report.errors.push(Error::Key(e.to_string()));
                    return report;
                }
            };
            let answer = self
                .sdk()
                .batch_get_item()
                .request_items(table, spec)
                .return_consumed_capacity(ReturnConsumedCapacity::Total)
                .send()
                .await
                .map_err(Error::from);
            let last_error = match answer {
                Ok(out) => {
                    report.consumed_capacity += consumed_units(out.consumed_capacity());
                    let found = out
                        .responses
                        .and_then(|mut m| m.remove(table))
                        .unwrap_or_default();
                    let left = out
                        .unprocessed_keys
                        .and_then(|mut m| m.remove(table))
                        .map(|k| k.keys)
                        .unwrap_or_default();
                    let done = pending.len().saturating_sub(left.len());
                    report.items.extend(found);
                    report.unprocessed_keys += left.len() as u64;
                    pending = left;
                    if done > 0 {
                        no_progress = 0;
                    } else {
                        no_progress += 1;
                    }
                    None
                }
                Err(e) if e.is_retryable() => {
                    if matches!(e, Error::Throttled { .. }) {
                        report.throttled_requests += 1;
                    }
                    no_progress += 1;
                    Some(e)
                }
                Err(e) => {
                    report.failed.append(&mut pending);
                    report.errors.push(e);
                    return report;
                }
            };
            if pending.is_empty() {
                break;
            }
            let elapsed = time.now().saturating_sub(start);
            if policy.exhausted(no_progress, elapsed) {
                report.errors.push(Error::retries_exhausted(
                    report.requests,
                    last_error,
                    "UnprocessedKeys",
                    format!("{} keys still unprocessed", pending.len()),
                ));
                report.failed.append(&mut pending);
                break;
            }
            backoff.wait(rounds).await;
            rounds += 1;
        }
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::AttributeValue;

    fn put(id: &str, pad: usize) -> WriteOp {
        WriteOp::Put(Item::from([
            ("id".to_string(), AttributeValue::S(id.to_string())),
            ("pad".to_string(), AttributeValue::S("x".repeat(pad))),
        ]))
    }

    #[test]
    fn chunks_respect_count_bytes_and_distinct_keys() {
        let names = vec!["id".to_string()];
        let ops: Vec<_> = (0..60).map(|i| put(&i.to_string(), 10)).collect();
        let sizes: Vec<_> = chunk_writes(ops, &names, 25, usize::MAX)
            .iter()
            .map(Vec::len)
            .collect();
        assert_eq!(sizes, [25, 25, 10]);

        // 400-byte items in a 1,000-byte budget: two per chunk.
        let ops: Vec<_> = (0..5).map(|i| put(&i.to_string(), 390)).collect();
        let sizes: Vec<_> = chunk_writes(ops, &names, 25, 1_000)
            .iter()
            .map(Vec::len)
            .collect();
        assert_eq!(sizes, [2, 2, 1]);

        // The same key twice starts a new chunk, and the order of writes is kept.
        let ops = vec![put("a", 1), put("b", 1), put("a", 2), put("c", 1)];
        let chunks = chunk_writes(ops, &names, 25, usize::MAX);
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[0], vec![put("a", 1), put("b", 1)]);
        assert_eq!(chunks[1], vec![put("a", 2), put("c", 1)]);
    }
}
