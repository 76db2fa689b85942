//! A sharded counter: one logical number kept as N sub-items, so that its updates spread over N
//! keys instead of landing on one item.
//!
//! DynamoDB serves at most 1,000 write units a second on one partition, and one item lives in
//! one partition, so an item updated faster than that (a stock counter during a sale, a like
//! count, the seats left for an event) throttles whatever the table's capacity or key design.
//! Sharding the partition key does not help when every update names the same item. Splitting
//! the item does:
//!
//! - **write path** ([`ShardedCounter::add`]): `UpdateItem ADD` on one of the N sub-items
//!   (`{base}#0` … `{base}#{N-1}`), picked at random; a throttled update is retried, on a newly
//!   picked sub-item, with the client's backoff. Throttled updates were not applied, so the retry
//!   cannot count twice; an update whose answer was lost (a transport error, a 500) may or may
//!   not have been applied and is returned to the caller, not retried.
//! - **read path** ([`ShardedCounter::total`]): every sub-item in one BatchGetItem (retrying
//!   unprocessed keys), summed. It costs N item reads instead of one: N × 0.5 read units
//!   eventually consistent (N × 1 strongly consistent) for sub-items up to 4 KB.
//! - **how many**: [`ShardedCounter::shards_for`] sizes N from the peak update rate.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::Client;
use crate::batch::GetOptions;
use crate::error::Error;
use crate::item::Item;
use crate::sharding::ShardedKey;

/// The write units a second DynamoDB serves on one partition, and so on one item.
pub const ITEM_WRITE_UNITS_PER_SEC: f64 = 1_000.0;

/// One logical counter kept as `shards` sub-items of `table`.
#[derive(Clone)]
pub struct ShardedCounter {
    client: Client,
    table: String,
    key: ShardedKey,
    base: String,
    sort: Option<(String, AttributeValue)>,
    attribute: String,
}

/// What one [`ShardedCounter::add`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Added {
    /// The sub-item the update was applied to.
    pub shard: u32,
    /// Throttled attempts before it was applied.
    pub throttled: u32,
}

impl ShardedCounter {
    /// A counter on `table` whose partition key attribute is `partition_key`, kept in
    /// `{base}#0` … `{base}#{shards-1}` under the attribute `count`.
    pub fn new(
        client: &Client,
        table: impl Into<String>,
        partition_key: impl Into<String>,
        base: impl Into<String>,
        shards: u32,
    ) -> ShardedCounter {
        ShardedCounter {
            client: client.clone(),
            table: table.into(),
            key: ShardedKey::random(partition_key, shards),
            base: base.into(),
            sort: None,
            attribute: "count".to_string(),
        }
    }

    /// For a table with a sort key: every sub-item has this sort-key value.
    pub fn sort_key(mut self, name: impl Into<String>, value: AttributeValue) -> Self {
        self.sort = Some((name.into(), value));
        self
    }

    /// The numeric attribute that holds each sub-item's part (default `count`).
    pub fn attribute(mut self, name: impl Into<String>) -> Self {
        self.attribute = name.into();
        self
    }

    /// How many sub-items keep a counter updated `peak_updates_per_sec` times a second under
    /// `headroom` (0.8: 80%) of the per-item limit, for sub-items of `item_bytes` (an update
    /// costs one write unit per started KB of the larger of the old and new item).
    pub fn shards_for(peak_updates_per_sec: f64, item_bytes: usize, headroom: f64) -> u32 {
        Self::shards_for_limit(
            peak_updates_per_sec,
            item_bytes,
            headroom,
            ITEM_WRITE_UNITS_PER_SEC,
        )
    }

    /// [`ShardedCounter::shards_for`] under another per-item limit (`dynolab serve
    /// --partition-write-units`, say).
    pub fn shards_for_limit(
        peak_updates_per_sec: f64,
        item_bytes: usize,
        headroom: f64,
        item_write_units_per_sec: f64,
    ) -> u32 {
        let units = item_bytes.div_ceil(1024).max(1) as f64;
        let per_item = item_write_units_per_sec.max(1.0) * headroom.clamp(0.05, 1.0);
        ((peak_updates_per_sec.max(0.0) * units / per_item).ceil() as u32).max(1)
    }

    pub fn shards(&self) -> u32 {
        self.key.shards
    }

    /// The keys of every sub-item, in shard order.
    pub fn keys(&self) -> Vec<Item> {
        (0..self.key.shards).map(|s| self.key_of(s)).collect()
    }

    fn key_of(&self, shard: u32) -> Item {
        let mut key = Item::from([(
            self.key.attribute.clone(),
            AttributeValue::S(self.key.shard_value(&self.base, shard)),
        )]);
        if let Some((name, value)) = &self.sort {
            key.insert(name.clone(), value.clone());
        }
        key
    }

    /// Adds `delta` (negative to subtract) to one sub-item; see the module documentation.
    pub async fn add(&self, delta: i64) -> Result<Added, Error> {
        let backoff = self.client.backoff();
        let start = backoff.time().now();
        let mut throttled = 0u32;
        loop {
            let shard = backoff.pick(self.key.shards);
            let sent = self
                .client
                .sdk()
                .update_item()
                .table_name(&self.table)
                .set_key(Some(self.key_of(shard)))
                .update_expression("ADD #part :delta")
                .expression_attribute_names("#part", &self.attribute)
                .expression_attribute_values(":delta", AttributeValue::N(delta.to_string()))
                .send()
                .await
                .map_err(Error::from);
            match sent {
                Ok(_) => return Ok(Added { shard, throttled }),
                Err(e @ Error::Throttled { .. }) => {
                    throttled += 1;
                    let elapsed = backoff.time().now().saturating_sub(start);
                    if backoff.policy().exhausted(throttled, elapsed) {
                        return Err(Error::RetriesExhausted {
                            attempts: throttled,
                            last: Box::new(e),
                        });
                    }
                    backoff.wait(throttled - 1).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The counter's value: every sub-item read and summed (a sub-item never written counts 0).
    pub async fn total(&self, consistent: bool) -> Result<i64, Error> {
        let options = GetOptions {
            consistent_read: consistent,
            ..GetOptions::default()
        };
        let mut report = self
            .client
            .get_batch(&self.table, self.keys(), &options)
            .await?;
        if !report.failed.is_empty() {
            let last = report.errors.pop();
            return Err(Error::retries_exhausted(
                report.requests,
                last,
                "UnprocessedKeys",
                format!(
                    "{} of the counter's sub-items could not be read",
                    report.failed.len()
                ),
            ));
        }
        let mut sum = 0i64;
        for item in &report.items {
            if let Some(AttributeValue::N(n)) = item.get(&self.attribute) {
                let part: i64 = n.parse().map_err(|_| {
                    Error::Serde(format!("{} = {n} is not a whole number", self.attribute))
                })?;
                sum = sum.saturating_add(part);
            }
        }
        Ok(sum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_come_from_the_peak() {
        // 1,500 updates a second of a 600-byte item: 1,500 units over 800 a sub-item.
        assert_eq!(ShardedCounter::shards_for(1_500.0, 600, 0.8), 2);
        assert_eq!(ShardedCounter::shards_for(800.0, 600, 0.8), 1);
        assert_eq!(ShardedCounter::shards_for(801.0, 600, 0.8), 2);
        // A 1.5 KB item costs two units an update.
        assert_eq!(ShardedCounter::shards_for(1_000.0, 1_536, 0.8), 3);
        assert_eq!(ShardedCounter::shards_for(0.0, 100, 0.8), 1);
    }
}
