//! Write sharding, scatter-gather, a batch writer that loses nothing, single-table entities and
//! throttle-aware pacing on the AWS SDK for Rust. The crate README follows.
#![doc = include_str!("../README.md")]

pub mod batch;
pub mod counter;
pub mod entity;
pub mod error;
pub mod item;
pub mod pacer;
pub mod retry;
pub mod scatter;
pub mod sharding;
pub mod time;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use aws_sdk_dynamodb::types::AttributeValue;
pub use batch::{GetReport, WriteOp, WriteReport};
pub use counter::{Added, ShardedCounter};
pub use entity::{
    AccessPattern, Entity, EntityDef, IndexKeys, QueryOptions, SingleTable, SortCondition, fields,
    from_item,
};
pub use error::{Error, ThrottleReason};
pub use item::Item;
pub use pacer::{Pacer, PacerConfig};
pub use retry::RetryPolicy;
pub use scatter::{GatherPage, ShardedQuery};
pub use sharding::{ShardSuffix, ShardedKey};
pub use time::{Time, TokioTime};

/// The key attribute names of a table and of its indexes (hash first, then range if any).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySchema {
    pub table: Vec<String>,
    pub indexes: HashMap<String, Vec<String>>,
}

impl KeySchema {
    /// The sort-key attribute of the table (`None`) or of an index.
    pub fn sort_key(&self, index: Option<&str>) -> Option<&str> {
        let keys = match index {
            None => Some(&self.table),
            Some(i) => self.indexes.get(i),
        }?;
        keys.get(1).map(String::as_str)
    }

    /// Every attribute an `ExclusiveStartKey` needs for a query of the table or an index:
    /// the table's key, plus the index's key.
    pub fn start_key_attributes(&self, index: Option<&str>) -> Vec<String> {
        let mut names = self.table.clone();
        if let Some(keys) = index.and_then(|i| self.indexes.get(i)) {
            for k in keys {
                if !names.contains(k) {
                    names.push(k.clone());
                }
            }
        }
        names
    }
}

/// The library's entry point: the SDK client plus the retry policy, the clock, a seeded RNG
/// for jitter and random shard suffixes, an optional pacer, and a cache of key schemas.
/// Cheap to clone.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    sdk: aws_sdk_dynamodb::Client,
    backoff: retry::Backoff,
    pacer: Option<Arc<Pacer>>,
    concurrency: usize,
    schemas: Mutex<HashMap<String, Arc<KeySchema>>>,
}

/// Builds a [`Client`].
pub struct ClientBuilder {
    sdk: aws_sdk_dynamodb::Client,
    policy: RetryPolicy,
    time: Arc<dyn Time>,
    seed: Option<u64>,
    pacer: Option<Arc<Pacer>>,
    concurrency: usize,
}

impl ClientBuilder {
    /// Retry policy for every request the library sends.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The clock and sleeper (default: tokio's).
    pub fn time(mut self, time: Arc<dyn Time>) -> Self {
        self.time = time;
        self
    }

    /// Seeds the RNG used for jitter and random shard suffixes (default: from the OS).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Paces writes with an adaptive rate limiter.
    pub fn pacer(mut self, pacer: Arc<Pacer>) -> Self {
        self.pacer = Some(pacer);
        self
    }

    /// How many requests the batch writer, batch getter and scatter-gather keep in flight
    /// (default 8).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    pub fn build(self) -> Client {
        let seed = self.seed.unwrap_or_else(rand::random);
        Client {
            inner: Arc::new(Inner {
                sdk: self.sdk,
                backoff: retry::Backoff::new(self.policy, self.time, seed),
                pacer: self.pacer,
                concurrency: self.concurrency,
                schemas: Mutex::new(HashMap::new()),
            }),
        }
    }
}

impl Client {
    /// A client with the default policy, tokio's clock and an OS-seeded RNG.
    pub fn new(sdk: aws_sdk_dynamodb::Client) -> Client {
        Client::builder(sdk).build()
    }

    pub fn builder(sdk: aws_sdk_dynamodb::Client) -> ClientBuilder {
        ClientBuilder {
            sdk,
            policy: RetryPolicy::default(),
            time: Arc::new(TokioTime::new()),
            seed: None,
            pacer: None,
            concurrency: 8,
        }
    }

    /// The underlying SDK client, for everything this library does not wrap.
    pub fn sdk(&self) -> &aws_sdk_dynamodb::Client {
        &self.inner.sdk
    }

    pub fn pacer(&self) -> Option<&Arc<Pacer>> {
        self.inner.pacer.as_ref()
    }

    pub(crate) fn backoff(&self) -> &retry::Backoff {
        &self.inner.backoff
    }

    pub(crate) fn concurrency(&self) -> usize {
        self.inner.concurrency
    }

    /// Records a table's key schema, so the library need not call DescribeTable.
    pub fn set_key_schema(&self, table: &str, schema: KeySchema) {
        if let Ok(mut m) = self.inner.schemas.lock() {
            m.insert(table.to_string(), Arc::new(schema));
        }
    }

    /// The key schema of `table` and its indexes (DescribeTable once, then cached).
    pub async fn key_schema(&self, table: &str) -> Result<Arc<KeySchema>, Error> {
        if let Some(s) = self
            .inner
            .schemas
            .lock()
            .ok()
            .and_then(|m| m.get(table).cloned())
        {
            return Ok(s);
        }
        let out = self
            .backoff()
            .run(|| async {
                self.sdk()
                    .describe_table()
                    .table_name(table)
                    .send()
                    .await
                    .map_err(Error::from)
            })
            .await?;
        let desc = out.table.ok_or_else(|| Error::Service {
            code: "MissingTable".to_string(),
            message: format!("DescribeTable returned no table for {table}"),
        })?;
        let names = |keys: &[aws_sdk_dynamodb::types::KeySchemaElement]| -> Vec<String> {
            let mut v: Vec<_> = keys.iter().collect();
            v.sort_by_key(|k| k.key_type().as_str() != "HASH");
            v.iter().map(|k| k.attribute_name().to_string()).collect()
        };
        let mut schema = KeySchema {
            table: names(desc.key_schema()),
            indexes: HashMap::new(),
        };
        for g in desc.global_secondary_indexes() {
            if let Some(n) = g.index_name() {
                schema.indexes.insert(n.to_string(), names(g.key_schema()));
            }
        }
        for l in desc.local_secondary_indexes() {
            if let Some(n) = l.index_name() {
                schema.indexes.insert(n.to_string(), names(l.key_schema()));
            }
        }
        let schema = Arc::new(schema);
        if let Ok(mut m) = self.inner.schemas.lock() {
            m.insert(table.to_string(), Arc::clone(&schema));
        }
        Ok(schema)
    }
}
