//! The DynamoDB operations of dynolab, over its storage, with exact consumed capacity.
//!
//! [`Engine::call`] takes an operation name and its JSON body and returns the JSON answer or an
//! [`ApiError`]. The engine reads its clock once per request and has no HTTP types.
//!
//! # Layout
//! - [`table`]: table and index metadata, key extraction.
//! - `capacity`: each table's capacity state, admission, throttling errors.
//! - [`metrics`]: the AWS/DynamoDB CloudWatch metrics, per minute.
//! - [`cloudwatch`]: the CloudWatch API over those metrics.
//! - [`insights`]: Contributor Insights, the top keys per table and index.
//! - `record`: `serve --record`, one JSON line per data-plane request.
//! - [`cost`]: the hourly bill per table and GSI.
//! - [`heat`]: partition load in 10-second buckets, and [`Engine::dashboard`] for the page.
//! - `exprs`: the expression parameters of a request, parsed together.
//! - `write`: the one write path (items and index entries, capacity, durable mutations).
//! - `read`: Query and Scan pages (key ranges, 1 MB limit, filters, projections).
//! - `ops`: one module per DynamoDB operation, and the dispatch.

pub mod autoscaling;
mod backups;
mod capacity;
pub mod cloudwatch;
pub mod cost;
mod exprs;
pub mod heat;
pub(crate) mod history;
mod idempotency;
pub mod insights;
mod legacy;
mod lifecycle;
mod memory;
pub mod metrics;
mod ops;
mod partiql;
mod read;
mod record;
pub mod streams;
pub mod table;
mod tags;
mod write;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use dynolab_capacity::{CapacityConfig, Charge, TableCapacity};
use dynolab_clock::{Clock, Timestamp};
use dynolab_model::{ApiError, ErrorCode};
use dynolab_storage::{Meter, Mutation, StorageError, Store, TableData, Ticket};
use serde_json::Value;

use crate::table::TableMeta;

pub use dynolab_storage::Progress as LoadProgress;
pub use ops::OPERATIONS;

/// Settings that do not change while the engine runs.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// `None` keeps everything in memory.
    pub data_dir: Option<PathBuf>,
    pub region: String,
    pub account_id: String,
    /// The capacity model; `None` turns throttling off (`serve --capacity off`).
    pub capacity: Option<CapacityConfig>,
    /// List prices for the cost ledger.
    pub prices: dynolab_capacity::pricing::Prices,
    /// How long status transitions take and when TTL deletes expired items.
    pub lifecycle: Lifecycle,
    /// `serve --record FILE`: append one JSON line per data-plane request (`record.rs`).
    pub record: Option<PathBuf>,
    /// Fault injection for the panic-isolation tests (`serve --fault-panic-table`, hidden):
    /// a request naming this table panics inside the engine while it holds the table's write
    /// lock. `None` in every real use.
    pub fault_panic_table: Option<String>,
    /// `serve --max-memory`: past this many bytes of item data in memory (the engine's
    /// [`dynolab_storage::Meter`]), writes that add data are refused; `None` sets no ceiling.
    pub max_memory: Option<u64>,
}

/// How long DynamoDB's asynchronous work takes here, in seconds of the engine's clock. Zero
/// (the default for transitions) means at once: the table or index is ACTIVE in the answer of
/// the call that changed it. Transitions and TTL deletions happen on [`Engine::tick`].
#[derive(Clone, Debug)]
pub struct Lifecycle {
    /// CreateTable: CREATING, then ACTIVE.
    pub table_create_secs: u64,
    /// UpdateTable changing capacity, billing mode or table class: UPDATING, then ACTIVE.
    pub table_update_secs: u64,
    /// DeleteTable: DELETING, then gone.
    pub table_delete_secs: u64,
    /// A GSI added by UpdateTable: CREATING (backfilling), then ACTIVE.
    pub index_create_secs: u64,
    /// A GSI removed by UpdateTable: DELETING, then gone.
    pub index_delete_secs: u64,
    /// UpdateTimeToLive: ENABLING / DISABLING, then ENABLED / DISABLED.
    pub ttl_transition_secs: u64,
    /// UpdateTimeToLive refuses another change this long after one (DynamoDB: one hour).
    pub ttl_cooldown_secs: u64,
    /// TTL deletes an item this long after the time in its TTL attribute.
    pub ttl_delay_secs: u64,
}

impl Default for Lifecycle {
    fn default() -> Lifecycle {
        Lifecycle {
            table_create_secs: 0,
            table_update_secs: 0,
            table_delete_secs: 0,
            index_create_secs: 0,
            index_delete_secs: 0,
            ttl_transition_secs: 0,
            ttl_cooldown_secs: 3600,
            ttl_delay_secs: 30,
        }
    }
}

impl Default for EngineConfig {
    fn default() -> EngineConfig {
        EngineConfig {
            data_dir: None,
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            capacity: Some(CapacityConfig::default()),
            prices: dynolab_capacity::pricing::Prices::us_east_1(),
            lifecycle: Lifecycle::default(),
            record: None,
            fault_panic_table: None,
            max_memory: None,
        }
    }
}

/// One table: its metadata and data behind one lock, so a write and its index entries change
/// together.
pub(crate) struct TableState {
    pub meta: TableMeta,
    pub data: TableData,
    /// Partitions and token buckets. A mutex of its own because reads, which hold the table's
    /// read lock, spend capacity too.
    pub capacity: Mutex<TableCapacity>,
    /// Items by the time in their TTL attribute (whole seconds, rounded up), kept while the
    /// table has a TTL attribute, so the TTL service finds expired items without a scan.
    pub expiry: std::collections::BTreeSet<(i64, Vec<u8>)>,
    /// The change log that streams and point-in-time recovery read.
    pub history: history::History,
}

impl TableState {
    pub fn new(
        meta: TableMeta,
        data: TableData,
        config: &CapacityConfig,
        now: Timestamp,
    ) -> TableState {
        let capacity = Mutex::new(capacity::build(&meta, config, now));
        TableState {
            meta,
            data,
            capacity,
            expiry: Default::default(),
            history: history::History::default(),
        }
    }
}

pub(crate) type TableHandle = Arc<RwLock<TableState>>;

pub struct Engine {
    clock: Arc<dyn Clock>,
    store: Store,
    config: EngineConfig,
    tables: RwLock<BTreeMap<String, TableHandle>>,
    next_table_id: AtomicU64,
    metrics: Mutex<metrics::Metrics>,
    /// Contributor Insights per (table, index).
    insights: Mutex<BTreeMap<(String, Option<String>), insights::Insights>>,
    /// How many tables and indexes have Contributor Insights on: requests render their keys
    /// only when this is not zero.
    insights_enabled: AtomicUsize,
    ledger: Mutex<cost::Ledger>,
    heat: Mutex<heat::Heat>,
    /// TransactWriteItems / ExecuteTransaction `ClientRequestToken`s seen in the last ten minutes.
    tokens: Mutex<idempotency::Tokens>,
    /// On-demand backups by ARN.
    backups: Mutex<BTreeMap<String, backups::Backup>>,
    /// The request log of `serve --record`.
    recorder: Option<record::Recorder>,
    /// The bytes every table's items (and backups) hold in memory, for `--max-memory`.
    meter: Meter,
}

/// A key a request touched, for Contributor Insights: the index (`None` for the table), the
/// partition key and, when the request names one, the sort key, as display text.
pub(crate) struct KeyRef {
    pub index: Option<String>,
    pub pk: String,
    pub sk: Option<String>,
}

/// What an operation produced: its answer, and the ticket that says its writes are durable.
pub(crate) struct Outcome {
    pub body: Value,
    pub ticket: Ticket,
}

/// A call after [`Engine::start`]: its answer, and the commit the answer waits for.
pub struct Started(Result<Outcome, ApiError>);

impl Outcome {
    pub fn read(body: Value) -> Outcome {
        Outcome {
            body,
            ticket: Ticket::ready(),
        }
    }
}

impl Engine {
    /// An empty table's data, counted in the engine's memory meter.
    pub(crate) fn table_data(&self) -> TableData {
        TableData::with_meter(self.meter.clone())
    }

    /// The bytes of item data the engine holds in memory (an estimate per entry; see
    /// `dynolab_storage::items::entry_cost`).
    pub fn memory_bytes(&self) -> u64 {
        self.meter.bytes()
    }

    /// Opens the engine, loading the data directory if there is one.
    pub fn open(config: EngineConfig, clock: Arc<dyn Clock>) -> Result<Engine, StorageError> {
        Engine::open_with_progress(config, clock, None)
    }

    /// [`Engine::open`], reporting (items read, approximate total) while the data directory's
    /// items load (`serve` draws a progress bar with it; the engine never prints).
    pub fn open_with_progress(
        config: EngineConfig,
        clock: Arc<dyn Clock>,
        progress: Option<Arc<dynolab_storage::Progress>>,
    ) -> Result<Engine, StorageError> {
        let meter = Meter::new();
        let (store, loaded) = match &config.data_dir {
            Some(dir) => Store::open_with(
                dir,
                &dynolab_storage::OpenOptions {
                    meter: meter.clone(),
                    progress,
                    threads: 0,
                },
            )?,
            None => (Store::in_memory(), Default::default()),
        };
        let recorder = match &config.record {
            Some(path) => Some(
                record::Recorder::open(path)
                    .map_err(|e| StorageError(format!("request log {}: {e}", path.display())))?,
            ),
            None => None,
        };
        let engine = Engine {
            clock,
            store,
            config,
            tables: RwLock::new(BTreeMap::new()),
            next_table_id: AtomicU64::new(1),
            metrics: Mutex::new(metrics::Metrics::default()),
            insights: Mutex::new(BTreeMap::new()),
            insights_enabled: AtomicUsize::new(0),
            ledger: Mutex::new(cost::Ledger::default()),
            heat: Mutex::new(heat::Heat::default()),
            tokens: Mutex::new(idempotency::Tokens::default()),
            backups: Mutex::new(BTreeMap::new()),
            recorder,
            meter,
        };
        let mut items = loaded.items;
        let mut changes = loaded.changes;
        for (arn, meta_bytes) in loaded.backups {
            let meta: backups::BackupMeta = serde_json::from_slice(&meta_bytes)
                .map_err(|e| StorageError(format!("backup {arn}: bad metadata: {e}")))?;
            engine
                .next_table_id
                .fetch_max(meta.data_id + 1, Ordering::SeqCst);
            let backup_items = items.remove(&meta.data_id).unwrap_or_default();
            engine.backups().insert(
                arn,
                backups::Backup {
                    meta,
                    items: Arc::new(backup_items),
                },
            );
        }
        for (name, meta_bytes) in loaded.tables {
            let mut meta: TableMeta = serde_json::from_slice(&meta_bytes)
                .map_err(|e| StorageError(format!("table {name}: bad metadata: {e}")))?;
            // Data written before tags had their own field kept CreateTable's `Tags` as is.
            if let Some(Value::Array(old)) = meta.extra.remove("Tags") {
                meta.tags.extend(old.iter().filter_map(|t| {
                    Some((
                        t.get("Key")?.as_str()?.into(),
                        t.get("Value")?.as_str()?.into(),
                    ))
                }));
            }
            engine
                .next_table_id
                .fetch_max(meta.id + 1, Ordering::SeqCst);
            let capacity_config = engine.capacity_config();
            let mut state =
                TableState::new(meta, engine.table_data(), &capacity_config, engine.now());
            // Data files from before streams existed kept the StreamSpecification as is.
            if let Some(spec) = state.meta.extra.remove("StreamSpecification")
                && let Some(view) = spec.get("StreamViewType").and_then(Value::as_str)
                && spec.get("StreamEnabled").and_then(Value::as_bool) == Some(true)
                && state.meta.streams.is_empty()
            {
                let change = history::StreamChange::Enable(view.to_string());
                let TableState { meta, history, .. } = &mut state;
                history::change_stream(meta, history, &change, engine.now());
                let bytes = serde_json::to_vec(meta)
                    .map_err(|e| StorageError(format!("table {name}: {e}")))?;
                // Committed in the background; the next write's ticket orders after it.
                drop(engine.submit(vec![Mutation::PutMeta {
                    name: name.clone(),
                    meta: bytes,
                }]));
            }
            if let Some(loaded_items) = items.remove(&state.meta.id) {
                state.data.items = loaded_items;
                write::index_all(&mut state);
            }
            for (seq, record) in changes.remove(&state.meta.id).unwrap_or_default() {
                let change = history::Change::decode(seq, &record).ok_or_else(|| {
                    StorageError(format!("table {name}: corrupt change-log entry {seq}"))
                })?;
                state.history.last_seq = state.history.last_seq.max(seq);
                state.history.changes.push_back(change);
            }
            for stream in &state.meta.streams {
                let reserved = stream.end_seq.unwrap_or(stream.start_seq + 1) - 1;
                state.history.last_seq = state.history.last_seq.max(reserved);
            }
            engine.billing_changed(&state.meta);
            engine.sample_storage(&state);
            engine
                .tables_write()
                .insert(name, Arc::new(RwLock::new(state)));
        }
        Ok(engine)
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    pub fn is_durable(&self) -> bool {
        self.store.is_durable()
    }

    /// Runs one operation. `operation` is the part of `X-Amz-Target` after the dot.
    pub async fn call(&self, operation: &str, body: &Value) -> Result<Value, ApiError> {
        let started = self.start(operation, body);
        self.finish(operation, body, started).await
    }

    /// The synchronous part of a call: validation, reads, and writes applied in memory and
    /// queued to the store. It never awaits; it may take a while (a Scan, a transaction), so
    /// the server runs the operations [`Engine::runs_long`] names on a blocking thread.
    /// [`Engine::finish`] waits for the commit.
    pub fn start(&self, operation: &str, body: &Value) -> Started {
        if self.recorder.is_some() {
            record::Recorder::begin();
        }
        self.inject_fault(operation, body);
        let dispatched = ops::dispatch(self, operation, body);
        if let Some(recorder) = &self.recorder {
            recorder.end(
                operation,
                dispatched.as_ref().ok().map(|o| &o.body),
                self.now(),
            );
        }
        Started(dispatched)
    }

    /// Operations whose synchronous part can be long: whole-table reads, batches,
    /// transactions, PartiQL, and control-plane calls that copy a table.
    pub fn runs_long(operation: &str) -> bool {
        matches!(
            operation,
            "Scan"
                | "BatchGetItem"
                | "BatchWriteItem"
                | "TransactGetItems"
                | "TransactWriteItems"
                | "ExecuteStatement"
                | "BatchExecuteStatement"
                | "ExecuteTransaction"
                | "CreateTable"
                | "UpdateTable"
                | "DeleteTable"
                | "CreateBackup"
                | "RestoreTableFromBackup"
                | "RestoreTableToPointInTime"
        )
    }

    /// `EngineConfig::fault_panic_table`: panics with the named table's write lock held (any
    /// operation on it but CreateTable and DescribeTable, so the test can make the table and
    /// see that its lock survived).
    fn inject_fault(&self, operation: &str, body: &Value) {
        let Some(name) = &self.config.fault_panic_table else {
            return;
        };
        if matches!(operation, "CreateTable" | "DescribeTable") {
            return;
        }
        if body.get("TableName").and_then(Value::as_str) != Some(name.as_str()) {
            return;
        }
        let handle = self.tables_read().get(name).cloned();
        let _guard = handle.as_ref().map(write_lock);
        panic!("injected fault: a request on table {name}");
    }

    /// Waits for the commit of a [`Started`] call and records its outcome in the metrics.
    pub async fn finish(
        &self,
        operation: &str,
        body: &Value,
        started: Started,
    ) -> Result<Value, ApiError> {
        let result = match started.0 {
            Ok(outcome) => outcome
                .ticket
                .wait()
                .await
                .map(|()| outcome.body)
                .map_err(|e| {
                    tracing::error!(error = %e, "durable commit failed");
                    ApiError::internal(format!("storage failure: {e}"))
                }),
            Err(e) => Err(e),
        };
        self.record_outcome(operation, body, &result);
        result
    }

    /// Runs one DynamoDB Streams operation (`DynamoDBStreams_20120810.<operation>`).
    pub async fn call_streams(&self, operation: &str, body: &Value) -> Result<Value, ApiError> {
        ops::dispatch_streams(self, operation, body).map(|outcome| outcome.body)
    }

    pub(crate) fn region(&self) -> &str {
        &self.config.region
    }

    /// The per-request metrics: ThrottledRequests, ReturnedItemCount,
    /// ConditionalCheckFailedRequests, UserErrors, SystemErrors.
    fn record_outcome(&self, operation: &str, body: &Value, result: &Result<Value, ApiError>) {
        let now = self.now();
        let (table, statement_reads) = request_table(body);
        let op_dims = |table: &str| {
            vec![
                ("Operation", operation.to_string()),
                ("TableName", table.to_string()),
            ]
        };
        let mut metrics = self.metrics.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(answer) => {
                // Query and Scan answer a Count; a PartiQL SELECT, its Items.
                let count = answer.get("Count").and_then(Value::as_f64).or_else(|| {
                    statement_reads
                        .then(|| answer.get("Items").and_then(Value::as_array))
                        .flatten()
                        .map(|items| items.len() as f64)
                });
                if let (Some(t), Some(count)) = (&table, count) {
                    metrics.record("ReturnedItemCount", op_dims(t), count, now);
                }
            }
            Err(e) => match e.code {
                ErrorCode::ConditionalCheckFailedException => {
                    if let Some(t) = &table {
                        metrics.record(
                            "ConditionalCheckFailedRequests",
                            vec![("TableName", t.clone())],
                            1.0,
                            now,
                        );
                    }
                }
                ErrorCode::ProvisionedThroughputExceededException
                | ErrorCode::ThrottlingException
                | ErrorCode::RequestLimitExceeded => {
                    if let Some(t) = &table {
                        metrics.record("ThrottledRequests", op_dims(t), 1.0, now);
                    }
                }
                ErrorCode::InternalServerError => {
                    if let Some(t) = &table {
                        metrics.record("SystemErrors", op_dims(t), 1.0, now);
                    }
                }
                _ => metrics.record("UserErrors", Vec::new(), 1.0, now),
            },
        }
    }

    /// Records how long a successful request took (measured by the server, which owns timing).
    pub fn record_latency(&self, operation: &str, body: &Value, millis: f64) {
        let (Some(table), _) = request_table(body) else {
            return;
        };
        let dims = vec![
            ("Operation", operation.to_string()),
            ("TableName", table.to_string()),
        ];
        let now = self.now();
        self.metrics
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .record("SuccessfulRequestLatency", dims, millis, now);
    }

    pub(crate) fn insights(
        &self,
    ) -> std::sync::MutexGuard<'_, BTreeMap<(String, Option<String>), insights::Insights>> {
        self.insights.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether requests on `table` render their keys: Contributor Insights is on for it or
    /// one of its indexes, or `serve --record` is logging requests.
    pub(crate) fn keys_wanted(&self, table: &str) -> bool {
        self.recorder.is_some()
            || (self.insights_enabled.load(Ordering::Relaxed) > 0
                && self
                    .insights()
                    .iter()
                    .any(|((t, _), i)| t == table && i.enabled))
    }

    /// Recounts enabled Contributor Insights after UpdateContributorInsights.
    pub(crate) fn insights_changed(
        &self,
        all: &BTreeMap<(String, Option<String>), insights::Insights>,
    ) {
        self.insights_enabled.store(
            all.values().filter(|i| i.enabled).count(),
            Ordering::Relaxed,
        );
    }

    /// The keys of `item` for Contributor Insights, or nothing when it is off for the table.
    pub(crate) fn contributor_keys(
        &self,
        meta: &TableMeta,
        item: &dynolab_model::Item,
    ) -> Vec<KeyRef> {
        if self.keys_wanted(&meta.name) {
            table::contributor_keys(meta, item)
        } else {
            Vec::new()
        }
    }

    /// Writes the buffered lines of `serve --record` to its file (also done on every tick).
    pub fn flush_record(&self) {
        if let Some(recorder) = &self.recorder {
            recorder.flush();
        }
    }

    pub(crate) fn tokens(&self) -> std::sync::MutexGuard<'_, idempotency::Tokens> {
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn backups(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, backups::Backup>> {
        self.backups.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn ledger(&self) -> std::sync::MutexGuard<'_, cost::Ledger> {
        self.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts or changes billing of a table and its GSIs after CreateTable or UpdateTable.
    pub(crate) fn billing_changed(&self, meta: &TableMeta) {
        let now = self.now();
        let class = meta.table_class.as_deref().unwrap_or("STANDARD");
        let billing = |t: Option<table::Throughput>| match (meta.billing_mode, t) {
            (table::BillingMode::Provisioned, Some(t)) => cost::Billing::Provisioned {
                rcu: t.read_units,
                wcu: t.write_units,
            },
            _ => cost::Billing::OnDemand,
        };
        let mut ledger = self.ledger();
        ledger.set_billing(&meta.name, None, billing(Some(meta.throughput)), class, now);
        for gsi in &meta.gsis {
            ledger.set_billing(
                &meta.name,
                Some(&gsi.name),
                billing(gsi.throughput),
                class,
                now,
            );
        }
        let names: Vec<&str> = meta.gsis.iter().map(|g| g.name.as_str()).collect();
        ledger.retain_indexes(&meta.name, &names, now);
    }

    pub(crate) fn table_deleted(&self, name: &str) {
        let now = self.now();
        self.ledger().delete_table(name, now);
    }

    /// Billed storage of a table and its GSIs: item bytes plus 100 bytes per item (per index
    /// entry: the projected share of the average item plus 100 bytes).
    pub(crate) fn sample_storage(&self, state: &TableState) {
        let now = self.now();
        let items = state.data.items.len() as f64;
        let bytes = state.data.items.size_bytes() as f64;
        let average = if items > 0.0 { bytes / items } else { 0.0 };
        // Partitions split for size (about 10 GB each).
        {
            let config = self.capacity_config();
            let mut capacity = state.capacity.lock().unwrap_or_else(|e| e.into_inner());
            capacity
                .table
                .observe_size((bytes + 100.0 * items) as u64, &config, now);
        }
        let mut ledger = self.ledger();
        ledger.set_storage(&state.meta.name, None, bytes + 100.0 * items, now);
        for gsi in &state.meta.gsis {
            let entries = state.data.indexes.get(&gsi.name).map_or(0, |e| e.len()) as f64;
            let per_entry = match gsi.projection {
                table::ProjectionType::All => average,
                _ => average.min(64.0),
            };
            ledger.set_storage(
                &state.meta.name,
                Some(&gsi.name),
                entries * (per_entry + 100.0),
                now,
            );
        }
    }

    /// Everything the page shows, per table: partition heat over the last ten minutes, throttles
    /// by cause over the last hour, the hottest keys (with Contributor Insights on) and the cost.
    pub fn dashboard(&self) -> Value {
        let now = self.now();
        let last_bucket = now.as_micros() / heat::BUCKET_MICROS;
        let first_bucket = last_bucket.saturating_sub(59);
        let caps = self.capacity_config();
        let cost = self.cost_report();
        let minute = metrics::minute_of(now);
        let handles: Vec<TableHandle> = self.tables_read().values().cloned().collect();
        let mut tables = Vec::new();
        for handle in handles {
            let state = read_lock(&handle);
            let name = state.meta.name.clone();
            let capacity = state.capacity.lock().unwrap_or_else(|e| e.into_inner());
            let heat = self.heat.lock().unwrap_or_else(|e| e.into_inner());
            let mut resources = Vec::new();
            let targets = std::iter::once((dynolab_capacity::Target::Table, &capacity.table))
                .chain(
                    capacity
                        .indexes
                        .iter()
                        .map(|(n, r)| (dynolab_capacity::Target::Index(n.clone()), r)),
                );
            for (target, resource) in targets {
                let starts = resource.partition_starts();
                let window = heat.window(&name, &target, first_bucket);
                let columns: Vec<u64> = (first_bucket..=last_bucket).collect();
                let rows: Vec<Vec<[f64; 2]>> = starts
                    .iter()
                    .map(|start| {
                        columns
                            .iter()
                            .map(|b| {
                                let cell = window
                                    .iter()
                                    .find(|(wb, _)| wb == b)
                                    .and_then(|(_, cells)| cells.get(start))
                                    .copied()
                                    .unwrap_or_default();
                                // Units per second over the 10-second bucket.
                                [cell.0 / 10.0, cell.1 / 10.0]
                            })
                            .collect()
                    })
                    .collect();
                let label = match &target {
                    dynolab_capacity::Target::Table => "table".to_string(),
                    dynolab_capacity::Target::Index(i) => format!("index {i}"),
                };
                resources.push(serde_json::json!({
                    "resource": label,
                    "partitions": starts.iter().map(|s| format!("{s:016x}")).collect::<Vec<_>>(),
                    "bucket_seconds": heat::BUCKET_MICROS / 1_000_000,
                    "first_bucket_epoch": first_bucket * heat::BUCKET_MICROS / 1_000_000,
                    "read_cap": caps.partition_read_units_per_s,
                    "write_cap": caps.partition_write_units_per_s,
                    "cells": rows,
                }));
            }
            drop(heat);
            drop(capacity);
            let mut throttles = BTreeMap::new();
            for (id, series) in self.metrics().series() {
                let table_match = id
                    .dimensions
                    .iter()
                    .any(|(k, v)| *k == "TableName" && *v == name);
                // The per-cause metrics (…KeyRangeThroughputThrottleEvents and the like).
                let per_cause = id.name.ends_with("ThrottleEvents")
                    && !matches!(id.name, "ReadThrottleEvents" | "WriteThrottleEvents");
                if table_match && per_cause {
                    let sum: f64 = series
                        .range(minute.saturating_sub(59)..=minute)
                        .map(|(_, s)| s.sum)
                        .sum();
                    if sum > 0.0 {
                        *throttles.entry(id.name.to_string()).or_insert(0.0) += sum;
                    }
                }
            }
            let hottest = cloudwatch::top_keys(self, &name, None, 60, 5);
            tables.push(serde_json::json!({
                "name": name,
                "billing": state.meta.billing_mode.as_str(),
                "provisioned": {"read": state.meta.throughput.read_units, "write": state.meta.throughput.write_units},
                "items": state.data.items.len(),
                "resources": resources,
                "throttles_last_hour": throttles,
                "hottest_keys": hottest,
                "cost": cost["tables"].get(&name).cloned().unwrap_or(Value::Null),
            }));
        }
        serde_json::json!({
            "now_epoch": now.as_secs_f64(),
            "capacity_model": self.config.capacity.is_some(),
            "tables": tables,
            "total_cost_so_far": cost["total_so_far"],
            "monthly_run_rate": cost["monthly_run_rate"],
        })
    }

    /// The bill so far and the monthly run rate (`dynolab cost`, the page).
    pub fn cost_report(&self) -> Value {
        let now = self.now();
        self.ledger().report(&self.config.prices, now)
    }

    pub(crate) fn metrics(&self) -> std::sync::MutexGuard<'_, metrics::Metrics> {
        self.metrics.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Table name → metadata of every table, for CloudWatch's provisioned-capacity metrics.
    pub(crate) fn table_metas(&self) -> Vec<TableMeta> {
        self.tables_read()
            .values()
            .map(|h| read_lock(h).meta.clone())
            .collect()
    }

    pub fn is_operation(operation: &str) -> bool {
        OPERATIONS.contains(&operation)
    }

    pub(crate) fn tables_read(
        &self,
    ) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, TableHandle>> {
        self.tables.read().unwrap_or_else(|e| e.into_inner())
    }

    fn tables_write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, TableHandle>> {
        self.tables.write().unwrap_or_else(|e| e.into_inner())
    }

    /// A table whose items can be read and written: a table that does not exist, or is
    /// CREATING or DELETING, is ResourceNotFoundException, as DynamoDB answers.
    pub(crate) fn table(&self, name: &str) -> Result<TableHandle, ApiError> {
        let handle = self.any_table(name)?;
        if !read_lock(&handle).meta.status.serves_items() {
            return Err(ApiError::resource_not_found());
        }
        Ok(handle)
    }

    /// A table in any status (control-plane operations decide what its status allows).
    pub(crate) fn any_table(&self, name: &str) -> Result<TableHandle, ApiError> {
        self.tables_read()
            .get(name)
            .cloned()
            .ok_or_else(ApiError::resource_not_found)
    }

    /// The capacity model's numbers (the defaults when the model is off, for state shape).
    pub(crate) fn capacity_config(&self) -> CapacityConfig {
        self.config.capacity.clone().unwrap_or_default()
    }

    /// Spends `charges` on the table, or answers the throttling error. Always admits when the
    /// capacity model is off.
    pub(crate) fn admit(
        &self,
        state: &TableState,
        charges: &[Charge],
        now: Timestamp,
    ) -> Result<(), ApiError> {
        self.admit_keys(state, charges, &[], now)
    }

    /// [`Engine::admit`], also counting `keys` for Contributor Insights where it is enabled.
    pub(crate) fn admit_keys(
        &self,
        state: &TableState,
        charges: &[Charge],
        keys: &[KeyRef],
        now: Timestamp,
    ) -> Result<(), ApiError> {
        let mut capacity = state.capacity.lock().unwrap_or_else(|e| e.into_inner());
        let admitted = match &self.config.capacity {
            None => Ok(()),
            Some(config) => capacity.admit(charges, config, now),
        };
        if admitted.is_ok() {
            self.heat.lock().unwrap_or_else(|e| e.into_inner()).record(
                &state.meta.name,
                &capacity,
                charges,
                now,
            );
        }
        drop(capacity);
        if self.recorder.is_some() {
            record::Recorder::note(&state.meta.name, charges, keys, admitted.is_err());
        }
        if !keys.is_empty() {
            let mut all = self.insights();
            for k in keys {
                if let Some(i) = all.get_mut(&(state.meta.name.clone(), k.index.clone()))
                    && i.enabled
                {
                    i.record(&k.pk, k.sk.as_deref(), admitted.is_err(), now);
                }
            }
        }
        let mut metrics = self.metrics();
        match admitted {
            Ok(()) => {
                metrics.record_consumed(&state.meta.name, charges, now);
                drop(metrics);
                self.ledger().record_request(&state.meta.name, charges, now);
                Ok(())
            }
            Err(throttles) => {
                metrics.record_throttles(&state.meta.name, &throttles, now);
                Err(capacity::throttle_error(&state.meta, &throttles))
            }
        }
    }

    /// Makes a table's metadata durable (tags, TTL, status and every other setting).
    pub(crate) fn persist_meta(&self, meta: &TableMeta) -> Result<Ticket, ApiError> {
        let bytes = serde_json::to_vec(meta).map_err(|e| ApiError::internal(e.to_string()))?;
        Ok(self.submit(vec![Mutation::PutMeta {
            name: meta.name.clone(),
            meta: bytes,
        }]))
    }

    pub(crate) fn submit(&self, mutations: Vec<Mutation>) -> Ticket {
        self.store.submit(mutations)
    }

    /// The ARN DynamoDB gives a table of this name in the server's region and account.
    pub fn table_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:dynamodb:{}:{}:table/{name}",
            self.config.region, self.config.account_id
        )
    }
}

/// The table a request names, for per-table request metrics: `TableName`, the first table of
/// `RequestItems`, or the table of a PartiQL `Statement` (and whether that statement is a
/// SELECT, whose `Items` are its returned items).
fn request_table(body: &Value) -> (Option<String>, bool) {
    if let Some(t) = body.get("TableName").and_then(Value::as_str) {
        return (Some(t.to_string()), false);
    }
    if let Some(t) = body
        .get("RequestItems")
        .and_then(Value::as_object)
        .and_then(|m| m.keys().next())
    {
        return (Some(t.clone()), false);
    }
    match body
        .get("Statement")
        .and_then(Value::as_str)
        .and_then(|s| dynolab_partiql::parse(s).ok())
    {
        Some((stmt, _)) => (Some(stmt.table().to_string()), stmt.is_read()),
        None => (None, false),
    }
}

/// Lock helpers that survive a poisoned lock (a panic elsewhere must not wedge the server).
pub(crate) fn read_lock(handle: &TableHandle) -> std::sync::RwLockReadGuard<'_, TableState> {
    handle.read().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn write_lock(handle: &TableHandle) -> std::sync::RwLockWriteGuard<'_, TableState> {
    handle.write().unwrap_or_else(|e| e.into_inner())
}
