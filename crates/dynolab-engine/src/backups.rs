//! On-demand backups and the restores both kinds of recovery share.
//!
//! A backup is a copy of a table's metadata and items taken under the table's read lock: in
//! memory, and on a durable server in the `backups` keyspace (its description) and the `items`
//! keyspace under an internal table id of its own. A restore, from a backup or from a point in
//! time (`history::History::items_at`), builds a new table from a source's metadata, the
//! request's overrides and a set of items, exactly as CreateTable plus loading would.

use std::collections::BTreeMap;
use std::sync::Arc;

use dynolab_clock::Timestamp;
use dynolab_model::wire::Checked;
use dynolab_model::{ApiError, ErrorCode};
use dynolab_storage::{Items, Mutation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::table::{BillingMode, IndexMeta, TableMeta, Throughput};
use crate::{Engine, Outcome, TableState};

/// A backup's description, stored as JSON.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct BackupMeta {
    pub arn: String,
    pub name: String,
    pub created_micros: u64,
    pub size_bytes: u64,
    /// The internal table id its items are stored under.
    pub data_id: u64,
    /// The source table's metadata when the backup was taken.
    pub table: TableMeta,
}

pub(crate) struct Backup {
    pub meta: BackupMeta,
    pub items: Arc<Items>,
}

impl Backup {
    pub fn details_json(&self, status: &str) -> Value {
        json!({
            "BackupArn": self.meta.arn,
            "BackupName": self.meta.name,
            "BackupSizeBytes": self.meta.size_bytes,
            "BackupStatus": status,
            "BackupType": "USER",
            "BackupCreationDateTime": self.meta.created_micros as f64 / 1e6,
        })
    }

    pub fn summary_json(&self) -> Value {
        let t = &self.meta.table;
        let mut out = self.details_json("AVAILABLE");
        out["TableName"] = json!(t.name);
        out["TableId"] = json!(t.table_id);
        out["TableArn"] = json!(t.arn);
        out
    }

    /// DescribeBackup's `BackupDescription`.
    pub fn description_json(&self, status: &str) -> Value {
        let t = &self.meta.table;
        let mut source = json!({
            "TableName": t.name,
            "TableId": t.table_id,
            "TableArn": t.arn,
            "TableSizeBytes": self.meta.size_bytes,
            "KeySchema": t.key_schema.to_json(),
            "TableCreationDateTime": t.created_secs,
            "ProvisionedThroughput": {"ReadCapacityUnits": t.throughput.read_units, "WriteCapacityUnits": t.throughput.write_units},
            "ItemCount": self.items.len(),
            "BillingMode": t.billing_mode.as_str(),
        });
        if let Some(v) = t.extra.get("OnDemandThroughput") {
            source["OnDemandThroughput"] = v.clone();
        }
        let mut features = json!({});
        let index = |i: &IndexMeta| {
            let mut out = json!({"IndexName": i.name, "KeySchema": i.key_schema.to_json(), "Projection": i.projection_json()});
            if let Some(t) = i.throughput.filter(|_| i.global) {
                out["ProvisionedThroughput"] =
                    json!({"ReadCapacityUnits": t.read_units, "WriteCapacityUnits": t.write_units});
            }
            out
        };
        if !t.lsis.is_empty() {
            features["LocalSecondaryIndexes"] = t.lsis.iter().map(index).collect();
        }
        if !t.gsis.is_empty() {
            features["GlobalSecondaryIndexes"] = t.gsis.iter().map(index).collect();
        }
        if let Some(s) = t.open_stream() {
            features["StreamDescription"] =
                json!({"StreamEnabled": true, "StreamViewType": s.view_type});
        }
        json!({
            "BackupDetails": self.details_json(status),
            "SourceTableDetails": source,
            "SourceTableFeatureDetails": features,
        })
    }
}

/// The answer for a `BackupArn` that names no backup: a string that is not a backup ARN at all
/// (a table ARN, say) is the ValidationException "Invalid Backup ARN", as DynamoDB answers it
/// (docs/COMPAT.md, "Error messages"); a well-formed ARN of no backup is BackupNotFoundException.
pub(crate) fn backup_not_found(arn: &str) -> ApiError {
    if !is_backup_arn(arn) {
        return ApiError::validation("Invalid Backup ARN");
    }
    ApiError::new(
        ErrorCode::BackupNotFoundException,
        format!("Backup not found: {arn}"),
    )
}

/// `arn:…:table/<name>/backup/<id>`, the form CreateBackup gives its backups.
fn is_backup_arn(arn: &str) -> bool {
    match arn.split_once(":table/") {
        Some((prefix, rest)) if prefix.starts_with("arn:") => rest
            .split_once("/backup/")
            .is_some_and(|(table, id)| !table.is_empty() && !id.is_empty() && !id.contains('/')),
        _ => false,
    }
}

pub(crate) fn table_not_found(name: &str) -> ApiError {
    ApiError::new(
        ErrorCode::TableNotFoundException,
        format!("Table not found: {name}"),
    )
}

/// The table name of a `TableName` member that may be a name or a table ARN.
pub(crate) fn table_name(name_or_arn: &str) -> &str {
    match name_or_arn.split_once(":table/") {
        Some((prefix, rest)) if prefix.starts_with("arn:") => {
            rest.split('/').next().unwrap_or(rest)
        }
        _ => name_or_arn,
    }
}

/// The item bytes and description mutations that store a backup durably.
pub(crate) fn store_mutations(backup: &Backup) -> Result<Vec<Mutation>, ApiError> {
    let mut mutations: Vec<Mutation> = backup
        .items
        .iter_stored()
        .map(|s| Mutation::PutItem {
            table_id: backup.meta.data_id,
            key: s.key.to_vec(),
            item: s.bytes.to_vec(),
        })
        .collect();
    mutations.push(Mutation::PutBackup {
        arn: backup.meta.arn.clone(),
        meta: serde_json::to_vec(&backup.meta).map_err(|e| ApiError::internal(e.to_string()))?,
    });
    Ok(mutations)
}

fn invalid_request(detail: impl std::fmt::Display) -> ApiError {
    ApiError::validation(format!("Invalid Request: {detail}"))
}

/// The new table's metadata: the source's, renamed, with the request's overrides (billing mode,
/// throughput, which secondary indexes to keep, SSE) and the restore summary. Streams, PITR,
/// deletion protection and tags are not carried over, as in DynamoDB.
pub(crate) fn restored_meta(
    engine: &Engine,
    source: &TableMeta,
    req: &Map<String, Value>,
    summary: Value,
    now: Timestamp,
) -> Result<TableMeta, ApiError> {
    let target = req.str_field("TargetTableName").unwrap_or_default();
    let throughput_override = crate::ops::throughput_member(req, "ProvisionedThroughputOverride")?;
    let billing = match req.str_field("BillingModeOverride") {
        Some("PAY_PER_REQUEST") => {
            if throughput_override.is_some() {
                return Err(invalid_request(
                    "Cannot override ProvisionedThroughput if BillingMode is overridden to PAY_PER_REQUEST",
                ));
            }
            BillingMode::PayPerRequest
        }
        Some(_) => {
            if throughput_override.is_none() {
                return Err(invalid_request(
                    "Must override ProvisionedThroughput if BillingMode is overridden to PROVISIONED",
                ));
            }
            BillingMode::Provisioned
        }
        None => {
            if throughput_override.is_some() && source.billing_mode != BillingMode::Provisioned {
                return Err(invalid_request(
                    "Cannot override ProvisionedThroughput unless BillingMode is PROVISIONED",
                ));
            }
            source.billing_mode
        }
    };
    let mut meta = source.clone();
    let keep = |list: &str, existing: &[IndexMeta]| -> Result<Vec<IndexMeta>, ApiError> {
        let Some(overrides) = req.list_field(list) else {
            return Ok(existing.to_vec());
        };
        overrides
            .iter()
            .filter_map(Value::as_object)
            .map(|o| {
                let name = o.str_field("IndexName").unwrap_or_default();
                let mut index = existing
                    .iter()
                    .find(|i| i.name == name)
                    .cloned()
                    .ok_or_else(|| {
                        invalid_request(format!(
                            "Index {name} does not match a secondary index that existed in the source table and cannot be created during the restore operation"
                        ))
                    })?;
                if let Some(t) = crate::ops::throughput_member(o, "ProvisionedThroughput")? {
                    index.throughput = Some(t);
                }
                Ok(index)
            })
            .collect()
    };
    meta.gsis = keep("GlobalSecondaryIndexOverride", &source.gsis)?;
    meta.lsis = keep("LocalSecondaryIndexOverride", &source.lsis)?;
    // Attribute definitions of dropped indexes go with them.
    let used: std::collections::HashSet<String> = meta
        .key_schema
        .names()
        .chain(meta.indexes().flat_map(|i| i.key_schema.names()))
        .map(str::to_string)
        .collect();
    meta.attribute_definitions.retain(|(n, _)| used.contains(n));
    meta.billing_mode = billing;
    match billing {
        BillingMode::PayPerRequest => {
            meta.throughput = Throughput::default();
            for gsi in &mut meta.gsis {
                gsi.throughput = None;
            }
        }
        BillingMode::Provisioned => {
            if let Some(t) = throughput_override {
                meta.throughput = t;
            }
            for gsi in &meta.gsis {
                if gsi.throughput.is_none_or(|t| t.read_units == 0) {
                    return Err(invalid_request(format!(
                        "Must specify provisioned throughput for index {}",
                        gsi.name
                    )));
                }
            }
        }
    }
    meta.throughput.last_increase_secs = None;
    meta.throughput.last_decrease_secs = None;
    meta.throughput.decreases_today = 0;
    let id = engine
        .next_table_id
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    meta.name = target.to_string();
    meta.id = id;
    meta.arn = engine.table_arn(target);
    meta.table_id = crate::ops::table_uuid(id, now.as_micros());
    meta.created_secs = now.as_secs_f64();
    meta.billing_mode_changed_secs =
        (billing == BillingMode::PayPerRequest).then(|| now.as_secs_f64());
    meta.on_demand_switches_secs = Vec::new();
    meta.deletion_protection = false;
    // What DynamoDB does not carry to a restored table (RestoreTableFromBackup: "You must
    // manually set up ... Tags, Stream settings, Time to Live (TTL) settings"; nor point-in-time
    // recovery). The restored table is ACTIVE at once, its indexes complete.
    meta.streams = Vec::new();
    meta.pitr = None;
    meta.tags.clear();
    meta.ttl = None;
    meta.ttl_changed = None;
    meta.status = crate::table::TableStatus::Active;
    meta.status_until = None;
    meta.deleting_gsis = Vec::new();
    for gsi in &mut meta.gsis {
        gsi.creating_until = None;
    }
    meta.extra.remove("Tags");
    meta.extra.remove("RestoreSummary");
    if let Some(sse) = req.get("SSESpecificationOverride") {
        meta.extra.insert("SSESpecification".into(), sse.clone());
    }
    if let Some(od) = req.get("OnDemandThroughputOverride") {
        meta.extra.insert("OnDemandThroughput".into(), od.clone());
    }
    meta.extra.insert("RestoreSummary".into(), summary);
    Ok(meta)
}

/// TableAlreadyExistsException when `name` is taken.
pub(crate) fn check_target_free(engine: &Engine, name: &str) -> Result<(), ApiError> {
    check_target_free_in(&engine.tables_read(), name)
}

/// Creates the restored table with `items`, ACTIVE at once, and answers its description.
pub(crate) fn create_restored(
    engine: &Engine,
    meta: TableMeta,
    items: Items,
) -> Result<Outcome, ApiError> {
    let now = engine.now();
    let mut state = TableState::new(meta, engine.table_data(), &engine.capacity_config(), now);
    let mutations = items
        .iter_stored()
        .map(|s| Mutation::PutItem {
            table_id: state.meta.id,
            key: s.key.to_vec(),
            item: s.bytes.to_vec(),
        })
        .collect();
    state.data.items = items;
    crate::write::index_all(&mut state);
    let mut tables = engine.tables_write();
    check_target_free_in(&tables, &state.meta.name)?;
    crate::ops::install(engine, &mut tables, state, mutations)
}

fn check_target_free_in(
    tables: &BTreeMap<String, crate::TableHandle>,
    name: &str,
) -> Result<(), ApiError> {
    if tables.contains_key(name) {
        return Err(ApiError::new(
            ErrorCode::TableAlreadyExistsException,
            format!("Table already exists: {name}"),
        ));
    }
    Ok(())
}
