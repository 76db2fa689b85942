//! Scatter-gather: query every shard of a sharded key in parallel (bounded by the client's
//! concurrency), merge the answers in sort-key order, stop at `limit` items, and hand back a
//! cursor that resumes every shard where the page left it.
//!
//! The result is exactly what one Query of the unsharded key would return, in the same order:
//! items are merged by the sort key of the table or index (DynamoDB's order: strings and binary
//! by bytes, numbers by value), ties broken by shard number.
//! `limit` counts items *returned* (after any filter), across all shards; DynamoDB's own
//! `Limit` counts items *evaluated* per request, which [`ShardedQuery::page_size`] sets per shard.

use std::cmp::Ordering;
use std::collections::{HashMap, VecDeque};

use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity, Select};
use base64::Engine as _;
use tokio::task::JoinSet;

use crate::error::Error;
use crate::item::{Item, compare_key_values, project};
use crate::{Client, KeySchema};

/// A query of every shard of one sharded partition key.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardedQuery {
    pub table: String,
    pub index: Option<String>,
    /// The partition-key attribute of the table or index.
    pub partition_attribute: String,
    /// Every shard's partition-key value (see [`crate::ShardedKey::all_values`]).
    pub partition_values: Vec<String>,
    /// A condition on the sort key, e.g. `begins_with(SK, :p)`, joined to the partition-key
    /// condition with AND.
    pub sort_condition: Option<String>,
    pub filter: Option<String>,
    pub projection: Option<String>,
    pub names: HashMap<String, String>,
    pub values: HashMap<String, AttributeValue>,
    pub ascending: bool,
    /// At most this many items per page, over all shards (`None`: every item).
    pub limit: Option<usize>,
    /// DynamoDB's `Limit` on each shard's requests.
    pub page_size: Option<i32>,
    pub consistent_read: bool,
}

impl ShardedQuery {
    pub fn new(
        table: impl Into<String>,
        partition_attribute: impl Into<String>,
        partition_values: Vec<String>,
    ) -> Self {
        ShardedQuery {
            table: table.into(),
            index: None,
            partition_attribute: partition_attribute.into(),
            partition_values,
            sort_condition: None,
            filter: None,
            projection: None,
            names: HashMap::new(),
            values: HashMap::new(),
            ascending: true,
            limit: None,
            page_size: None,
            consistent_read: false,
        }
    }

    pub fn index(mut self, index: impl Into<String>) -> Self {
        self.index = Some(index.into());
        self
    }

    pub fn sort_condition(mut self, condition: impl Into<String>) -> Self {
        self.sort_condition = Some(condition.into());
        self
    }

    pub fn filter(mut self, filter: impl Into<String>) -> Self {
        self.filter = Some(filter.into());
        self
    }

    /// A ProjectionExpression; the key attributes are added to it (the cursor needs them).
    pub fn projection(mut self, projection: impl Into<String>) -> Self {
        self.projection = Some(projection.into());
        self
    }

    pub fn name(mut self, placeholder: impl Into<String>, name: impl Into<String>) -> Self {
        self.names.insert(placeholder.into(), name.into());
        self
    }

    pub fn value(mut self, placeholder: impl Into<String>, value: AttributeValue) -> Self {
        self.values.insert(placeholder.into(), value);
        self
    }

    /// Newest first (descending sort key) when `false`.
    pub fn ascending(mut self, ascending: bool) -> Self {
        self.ascending = ascending;
        self
    }

    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    pub fn page_size(mut self, page_size: i32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    pub fn consistent_read(mut self, consistent: bool) -> Self {
        self.consistent_read = consistent;
        self
    }

    /// Identifies the query a cursor belongs to.
    fn fingerprint(&self) -> String {
        format!(
            "{}|{}|{}|{}|{}",
            self.table,
            self.index.as_deref().unwrap_or(""),
            self.partition_attribute,
            self.partition_values.join(","),
            self.ascending
        )
    }
}

/// One page of a scatter-gather.
#[derive(Debug, Clone, Default)]
pub struct GatherPage {
    pub items: Vec<Item>,
    /// Pass to the next call to continue; `None` when every shard is exhausted.
    pub cursor: Option<String>,
    /// Capacity units consumed by every request of the fan-out.
    pub consumed_capacity: f64,
    /// Query requests sent.
    pub requests: u64,
    /// Items evaluated before the filter, summed over shards.
    pub scanned_count: u64,
}

#[derive(Debug, Clone, PartialEq)]
enum Position {
    Start,
    After(Item),
    Done,
}

struct Shard {
    value: String,
    /// Where the next request starts (the last LastEvaluatedKey), or Done.
    next: Position,
    buffer: VecDeque<Item>,
    /// Where a cursor resumes this shard: after the last item this shard gave to a page.
    resume: Position,
}

impl Client {
    /// One page of a scatter-gather; see the module documentation. Pass the previous page's
    /// cursor to continue.
    pub async fn scatter_gather(
        &self,
        query: &ShardedQuery,
        cursor: Option<&str>,
    ) -> Result<GatherPage, Error> {
        let schema = self.key_schema(&query.table).await?;
        let index = query.index.as_deref();
        if index.is_some_and(|i| !schema.indexes.contains_key(i)) {
            return Err(Error::Key(format!(
                "{} has no index {}",
                query.table,
                index.unwrap_or_default()
            )));
        }
        let sort_key = schema
            .sort_key(index)
            .ok_or_else(|| Error::Key("scatter-gather needs a sort key to merge on".to_string()))?
            .to_string();
        let key_names = schema.start_key_attributes(index);
        let positions = match cursor {
            None => vec![Position::Start; query.partition_values.len()],
            Some(c) => decode_cursor(c, query)?,
        };
        let mut shards: Vec<Shard> = query
            .partition_values
            .iter()
            .zip(positions)
            .map(|(v, p)| Shard {
                value: v.clone(),
                next: p.clone(),
                buffer: VecDeque::new(),
                resume: p,
            })
            .collect();
        let mut page = GatherPage::default();
        let limit = query.limit.unwrap_or(usize::MAX);
        while page.items.len() < limit {
            // Every shard that could still hold the next item must have one buffered.
            let need: Vec<usize> = (0..shards.len())
                .filter(|&i| shards[i].buffer.is_empty() && shards[i].next != Position::Done)
                .collect();
            if !need.is_empty() {
                let remaining = limit - page.items.len();
                self.fetch(query, &schema, &mut shards, need, remaining, &mut page)
                    .await?;
                continue;
            }
            let mut best: Option<usize> = None;
            for (i, s) in shards.iter().enumerate() {
                let Some(head) = s.buffer.front() else {
                    continue;
                };
                best = match best {
                    None => Some(i),
                    Some(b) => {
                        let ord = compare_sort(head, &shards[b].buffer[0], &sort_key);
                        let ord = if query.ascending { ord } else { ord.reverse() };
                        if ord == Ordering::Less {
                            Some(i)
                        } else {
                            Some(b)
                        }
                    }
                };
            }
            let Some(b) = best else { break };
            if let Some(item) = shards[b].buffer.pop_front() {
                shards[b].resume = Position::After(project(&item, &key_names));
                page.items.push(item);
            }
        }
        let positions: Vec<Position> = shards
            .into_iter()
            .map(|s| {
                if s.buffer.is_empty() {
                    s.next
                } else {
                    s.resume
                }
            })
            .collect();
        page.cursor = if positions.iter().all(|p| *p == Position::Done) {
            None
        } else {
            Some(encode_cursor(&positions, query))
        };
        Ok(page)
    }

    /// Fetches the next page of each shard in `need`, at most `concurrency` at a time.
    async fn fetch(
        &self,
        query: &ShardedQuery,
        schema: &KeySchema,
        shards: &mut [Shard],
        need: Vec<usize>,
        remaining: usize,
        page: &mut GatherPage,
    ) -> Result<(), Error> {
        let key_names = schema.start_key_attributes(query.index.as_deref());
        let per_request = match (query.page_size, remaining) {
            (Some(p), _) => Some(p),
            (None, usize::MAX) => None,
            (None, r) => Some(i32::try_from(r).unwrap_or(i32::MAX)),
        };
        let mut running: JoinSet<(usize, Result<ShardPage, Error>)> = JoinSet::new();
        let mut pending = need.into_iter();
        loop {
            while running.len() < self.concurrency() {
                let Some(i) = pending.next() else { break };
                let start = match &shards[i].next {
                    Position::After(k) => Some(k.clone()),
                    _ => None,
                };
                let client = self.clone();
                let q = query.clone();
                let value = shards[i].value.clone();
                let names = key_names.clone();
                running.spawn(async move {
                    (
                        i,
                        client
                            .query_shard(&q, &value, start, per_request, &names)
                            .await,
                    )
                });
            }
            match running.join_next().await {
                Some(Ok((i, result))) => {
                    let r = result?;
                    page.consumed_capacity += r.consumed;
                    page.requests += 1;
                    page.scanned_count += r.scanned;
                    shards[i].buffer.extend(r.items);
                    shards[i].next = match r.last_key {
                        Some(k) => Position::After(k),
                        None => Position::Done,
                    };
                }
                Some(Err(e)) => return Err(Error::Transport(format!("shard task: {e}"))),
                None => return Ok(()),
            }
        }
    }

    async fn query_shard(
        &self,
        q: &ShardedQuery,
        value: &str,
        start: Option<Item>,
        limit: Option<i32>,
        key_names: &[String],
    ) -> Result<ShardPage, Error> {
        let mut names = q.names.clone();
        names.insert("#dynolab_pk".to_string(), q.partition_attribute.clone());
        let mut values = q.values.clone();
        values.insert(
            ":dynolab_pk".to_string(),
            AttributeValue::S(value.to_string()),
        );
        let mut condition = "#dynolab_pk = :dynolab_pk".to_string();
        if let Some(c) = &q.sort_condition {
            condition = format!("{condition} AND {c}");
        }
        let projection = q.projection.as_ref().map(|p| {
            let mut p = p.clone();
            for (i, k) in key_names.iter().enumerate() {
                let placeholder = format!("#dynolab_k{i}");
                p.push_str(&format!(", {placeholder}"));
                names.insert(placeholder, k.clone());
            }
            p
        });
        let out = self
            .backoff()
            .run(|| {
                let request = self
                    .sdk()
                    .query()
                    .table_name(&q.table)
                    .set_index_name(q.index.clone())
                    .key_condition_expression(&condition)
                    .set_filter_expression(q.filter.clone())
                    .set_projection_expression(projection.clone())
                    .set_select(projection.as_ref().map(|_| Select::SpecificAttributes))
                    .set_expression_attribute_names(Some(names.clone()))
                    .set_expression_attribute_values(Some(values.clone()))
                    .scan_index_forward(q.ascending)
                    .set_limit(limit)
                    .consistent_read(q.consistent_read)
                    .set_exclusive_start_key(start.clone())
                    .return_consumed_capacity(ReturnConsumedCapacity::Total);
                async move { request.send().await.map_err(Error::from) }
            })
            .await?;
        Ok(ShardPage {
            consumed: out
                .consumed_capacity()
                .and_then(|c| c.capacity_units())
                .unwrap_or(0.0),
            scanned: u64::try_from(out.scanned_count()).unwrap_or(0),
            last_key: out.last_evaluated_key,
            items: out.items.unwrap_or_default(),
        })
    }
}

struct ShardPage {
    items: Vec<Item>,
    last_key: Option<Item>,
    consumed: f64,
    scanned: u64,
}

fn compare_sort(a: &Item, b: &Item, sort_key: &str) -> Ordering {
    match (a.get(sort_key), b.get(sort_key)) {
        (Some(x), Some(y)) => compare_key_values(x, y),
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

fn value_to_json(v: &AttributeValue) -> serde_json::Value {
    match v {
        AttributeValue::S(s) => serde_json::json!({ "S": s }),
        AttributeValue::N(n) => serde_json::json!({ "N": n }),
        AttributeValue::B(b) => serde_json::json!({
            "B": base64::engine::general_purpose::STANDARD.encode(b.as_ref())
        }),
        _ => serde_json::Value::Null,
    }
}

fn value_from_json(v: &serde_json::Value) -> Option<AttributeValue> {
    let o = v.as_object()?;
    if let Some(s) = o.get("S").and_then(|s| s.as_str()) {
        return Some(AttributeValue::S(s.to_string()));
    }
    if let Some(n) = o.get("N").and_then(|s| s.as_str()) {
        return Some(AttributeValue::N(n.to_string()));
    }
    let b = o.get("B").and_then(|s| s.as_str())?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(b).ok()?;
    Some(AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(
        bytes,
    )))
}

fn encode_cursor(positions: &[Position], query: &ShardedQuery) -> String {
    let shards: Vec<serde_json::Value> = positions
        .iter()
        .map(|p| match p {
            Position::Start => serde_json::Value::Null,
            Position::Done => serde_json::Value::Bool(false),
            Position::After(key) => serde_json::Value::Object(
                key.iter()
                    .map(|(k, v)| (k.clone(), value_to_json(v)))
                    .collect(),
            ),
        })
        .collect();
    let doc = serde_json::json!({"v": 1, "q": query.fingerprint(), "shards": shards});
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(doc.to_string())
}

fn decode_cursor(cursor: &str, query: &ShardedQuery) -> Result<Vec<Position>, Error> {
    let bad = |why: &str| Error::Cursor(why.to_string());
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| bad("not a scatter-gather cursor"))?;
    let doc: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| bad("not a scatter-gather cursor"))?;
    if doc["v"] != 1 {
        return Err(bad("unknown cursor version"));
    }
    if doc["q"].as_str() != Some(&query.fingerprint()) {
        return Err(bad("the cursor belongs to another query"));
    }
    let shards = doc["shards"]
        .as_array()
        .ok_or_else(|| bad("cursor without shards"))?;
    if shards.len() != query.partition_values.len() {
        return Err(bad("the cursor has a different number of shards"));
    }
    shards
        .iter()
        .map(|s| match s {
            serde_json::Value::Null => Ok(Position::Start),
            serde_json::Value::Bool(false) => Ok(Position::Done),
            serde_json::Value::Object(m) => m
                .iter()
                .map(|(k, v)| {
                    value_from_json(v)
                        .map(|v| (k.clone(), v))
                        .ok_or_else(|| bad("bad key value in cursor"))
                })
                .collect::<Result<Item, Error>>()
                .map(Position::After),
            _ => Err(bad("bad shard position in cursor")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_belong_to_their_query() {
        let q = ShardedQuery::new("t", "PK", vec!["a#0".into(), "a#1".into(), "a#2".into()]);
        let key = Item::from([
            ("PK".to_string(), AttributeValue::S("a#1".into())),
            ("SK".to_string(), AttributeValue::N("12.5".into())),
            (
                "B".to_string(),
                AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(vec![0, 255])),
            ),
        ]);
        let positions = vec![Position::Start, Position::After(key), Position::Done];
        let c = encode_cursor(&positions, &q);
        assert_eq!(decode_cursor(&c, &q).unwrap(), positions);
        let other = q.clone().ascending(false);
        assert!(matches!(decode_cursor(&c, &other), Err(Error::Cursor(_))));
        assert!(matches!(
            decode_cursor("garbage!", &q),
            Err(Error::Cursor(_))
        ));
    }
}
