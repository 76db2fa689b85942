//! DescribeTable, and the table description every table operation returns.

use dynolab_model::ApiError;
use dynolab_model::size::item_size_bytes;
use dynolab_model::wire::{Checked, TABLE_NAME_CHECKS, Ty, field};
use serde_json::{Map, Value, json};

use crate::table::{BillingMode, IndexMeta, TableStatus};
use crate::{Engine, Outcome, TableState, read_lock};

pub(crate) static SHAPE: super::Shape = &[field("TableName", Ty::String, TABLE_NAME_CHECKS)];

fn index_json(state: &TableState, index: &IndexMeta, status: &str) -> Value {
    let meta = &state.meta;
    let entries = state.data.indexes.get(&index.name);
    let count = entries.map_or(0, |e| e.len());
    let size: usize = entries
        .map(|e| {
            e.values()
                .filter_map(|k| state.data.items.get(k))
                .map(|item| item_size_bytes(&index.project(&item, &meta.key_schema)))
                .sum()
        })
        .unwrap_or(0);
    let mut out = json!({
        "IndexName": index.name,
        "KeySchema": index.key_schema.to_json(),
        "Projection": index.projection_json(),
        "IndexSizeBytes": size,
        "ItemCount": count,
        "IndexArn": meta.index_arn(&index.name),
    });
    if index.global {
        out["IndexStatus"] = json!(status);
        if index.creating_until.is_some() && status == "CREATING" {
            out["Backfilling"] = json!(true);
        }
        out["ProvisionedThroughput"] = index.throughput.unwrap_or_default().to_json();
    }
    out
}

/// A GSI's status: CREATING with its table, or while UpdateTable's backfill runs.
fn gsi_status(state: &TableState, index: &IndexMeta) -> &'static str {
    if state.meta.status == TableStatus::Creating || index.creating_until.is_some() {
        "CREATING"
    } else {
        "ACTIVE"
    }
}

/// The `TableDescription` of a table.
pub(crate) fn describe(state: &TableState) -> Value {
    let meta = &state.meta;
    let status = meta.status.as_str();
    let mut out = json!({
        "AttributeDefinitions": meta.attribute_definitions.iter().map(|(n, t)| json!({"AttributeName": n, "AttributeType": t.as_str()})).collect::<Vec<_>>(),
        "TableName": meta.name,
        "KeySchema": meta.key_schema.to_json(),
        "TableStatus": status,
        "CreationDateTime": meta.created_secs,
        "ProvisionedThroughput": meta.throughput.to_json(),
        "TableSizeBytes": state.data.items.size_bytes(),
        "ItemCount": state.data.items.len(),
        "TableArn": meta.arn,
        "TableId": meta.table_id,
        "DeletionProtectionEnabled": meta.deletion_protection,
    });
    if meta.billing_mode == BillingMode::PayPerRequest {
        out["BillingModeSummary"] = json!({
            "BillingMode": "PAY_PER_REQUEST",
            "LastUpdateToPayPerRequestDateTime": meta.billing_mode_changed_secs.unwrap_or(meta.created_secs),
        });
    } else if meta.billing_mode_changed_secs.is_some() {
        out["BillingModeSummary"] = json!({"BillingMode": "PROVISIONED"});
    }
    if !meta.lsis.is_empty() {
        out["LocalSecondaryIndexes"] = Value::Array(
            meta.lsis
                .iter()
                .map(|i| index_json(state, i, status))
                .collect(),
        );
    }
    if !meta.gsis.is_empty() || !meta.deleting_gsis.is_empty() {
        out["GlobalSecondaryIndexes"] = Value::Array(
            meta.gsis
                .iter()
                .map(|i| index_json(state, i, gsi_status(state, i)))
                .chain(
                    meta.deleting_gsis
                        .iter()
                        .map(|(i, _)| index_json(state, i, "DELETING")),
                )
                .collect(),
        );
    }
    if let Some(class) = &meta.table_class {
        out["TableClassSummary"] = json!({"TableClass": class});
    }
    crate::history::describe_streams(meta, &mut out);
    if let Some(sse) = meta.extra.get("SSESpecification")
        && sse.get("Enabled").and_then(Value::as_bool) == Some(true)
    {
        out["SSEDescription"] = json!({"Status": "ENABLED", "SSEType": sse.get("SSEType").cloned().unwrap_or(json!("KMS"))});
    }
    for key in ["OnDemandThroughput", "WarmThroughput", "RestoreSummary"] {
        if let Some(v) = meta.extra.get(key) {
            out[key] = v.clone();
        }
    }
    out
}

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let name = req.str_field("TableName").unwrap_or_default();
    let handle = engine
        .any_table(name)
        .map_err(|_| ApiError::table_not_found(name))?;
    let state = read_lock(&handle);
    Ok(Outcome::read(json!({"Table": describe(&state)})))
}
