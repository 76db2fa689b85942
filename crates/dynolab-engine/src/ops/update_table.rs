//! UpdateTable: billing mode, provisioned throughput, GSI create (backfilled from the table's
//! items), GSI update and delete, streams, deletion protection and table class.

use dynolab_model::ApiError;
use dynolab_model::wire::{Check, Checked, TABLE_NAME_CHECKS, Ty, field};
use dynolab_storage::TableData;
use serde_json::{Map, Value, json};

use super::create_table;
use super::describe_table::describe;
use super::shapes::*;
use crate::table::{BillingMode, TableMeta, TableStatus, Throughput};
use crate::{Engine, Outcome, TableState, lifecycle, write_lock};

/// Switches to PAY_PER_REQUEST allowed in any rolling 24 hours.
const ON_DEMAND_SWITCHES_PER_DAY: usize = 4;
const SECONDS_PER_DAY: f64 = 86_400.0;

static GSI_UPDATE: Ty = Ty::Struct(
    "GlobalSecondaryIndexUpdate",
    &[
        field(
            "Update",
            Ty::Struct(
                "UpdateGlobalSecondaryIndexAction",
                &[
                    field("IndexName", Ty::String, INDEX_NAME_REQUIRED),
                    field("ProvisionedThroughput", THROUGHPUT, &[]),
                    field("OnDemandThroughput", ON_DEMAND_THROUGHPUT, &[]),
                ],
            ),
            &[],
        ),
        field(
            "Create",
            Ty::Struct("CreateGlobalSecondaryIndexAction", GSI_FIELDS),
            &[],
        ),
        field(
            "Delete",
            Ty::Struct(
                "DeleteGlobalSecondaryIndexAction",
                &[field("IndexName", Ty::String, INDEX_NAME_REQUIRED)],
            ),
            &[],
        ),
    ],
);

pub(crate) static SHAPE: super::Shape = &[
    field("AttributeDefinitions", ATTRIBUTE_DEFINITIONS, &[]),
    field("TableName", Ty::String, TABLE_NAME_CHECKS),
    field(
        "BillingMode",
        Ty::String,
        &[Check::Enum(&["PROVISIONED", "PAY_PER_REQUEST"])],
    ),
    field("ProvisionedThroughput", THROUGHPUT, &[]),
    field(
        "GlobalSecondaryIndexUpdates",
        Ty::List(&GSI_UPDATE, &[]),
        &[],
    ),
    field("StreamSpecification", STREAM_SPECIFICATION, &[]),
    field("SSESpecification", SSE_SPECIFICATION, &[]),
    TABLE_CLASS,
    DELETION_PROTECTION,
    field("OnDemandThroughput", ON_DEMAND_THROUGHPUT, &[]),
    field("WarmThroughput", WARM_THROUGHPUT, &[]),
];

fn check_request(req: &Map<String, Value>) -> Result<(), ApiError> {
    let has_gsi_updates = req
        .list_field("GlobalSecondaryIndexUpdates")
        .is_some_and(|l| !l.is_empty());
    let other = [
        "StreamSpecification",
        "SSESpecification",
        "TableClass",
        "DeletionProtectionEnabled",
        "OnDemandThroughput",
        "WarmThroughput",
    ];
    if !req.contains_key("ProvisionedThroughput")
        && !req.contains_key("BillingMode")
        && !has_gsi_updates
        && !other.iter().any(|k| req.contains_key(*k))
    {
        // The live service's current text (docs/COMPAT.md, "Error messages"); dynalite recorded
        // an older, shorter list.
        return Err(ApiError::validation(
            "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required",
        ));
    }
    if req.str_field("BillingMode") == Some("PROVISIONED")
        && !req.contains_key("ProvisionedThroughput")
    {
        return Err(ApiError::invalid_parameter(
            "ProvisionedThroughput must be specified when BillingMode is PROVISIONED",
        ));
    }
    create_table::throughput(req)?;
    let mut names = std::collections::HashSet::new();
    for update in req
        .list_field("GlobalSecondaryIndexUpdates")
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
    {
        let name = ["Update", "Create", "Delete"]
            .iter()
            .find_map(|k| update.obj_field(k).and_then(|u| u.str_field("IndexName")))
            .ok_or_else(|| ApiError::invalid_parameter("One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null"))?;
        if !names.insert(name) {
            return Err(ApiError::invalid_parameter(format!(
                "Only one global secondary index update per index is allowed simultaneously. Index: {name}"
            )));
        }
    }
    Ok(())
}

/// Applies a throughput change, tracking increase/decrease times as DescribeTable reports.
fn set_throughput(
    current: &mut Throughput,
    new: Throughput,
    now_secs: f64,
) -> Result<(), ApiError> {
    if new.read_units == current.read_units && new.write_units == current.write_units {
        return Err(ApiError::validation(format!(
            "The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: {}. Requested ReadCapacityUnits: {}. Current WriteCapacityUnits provisioned for the table: {}. Requested WriteCapacityUnits: {}. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.",
            current.read_units, new.read_units, current.write_units, new.write_units
        )));
    }
    if new.read_units > current.read_units || new.write_units > current.write_units {
        current.last_increase_secs = Some(now_secs);
    }
    if new.read_units < current.read_units || new.write_units < current.write_units {
        current.last_decrease_secs = Some(now_secs);
        current.decreases_today += 1;
    }
    current.read_units = new.read_units;
    current.write_units = new.write_units;
    Ok(())
}

/// Index keyspaces an UpdateTable adds (backfilled) or removes (`None`), applied to the data
/// only once the whole update is accepted.
type IndexChanges = Vec<(String, Option<dynolab_storage::IndexEntries>)>;

/// When the transitions an UpdateTable starts end (microseconds), `None` when instant.
struct Transitions {
    index_create: Option<u64>,
    index_delete: Option<u64>,
}

fn apply_gsi_updates(
    meta: &mut TableMeta,
    data: &TableData,
    changes: &mut IndexChanges,
    req: &Map<String, Value>,
    billing: BillingMode,
    now_secs: f64,
    transitions: &Transitions,
) -> Result<(), ApiError> {
    for update in req
        .list_field("GlobalSecondaryIndexUpdates")
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
    {
        if let Some(create) = update.obj_field("Create") {
            let mut defs = meta.attribute_definitions.clone();
            for (name, ty) in create_table::attribute_definitions(req) {
                if let Some(existing) = defs.iter().find(|(n, _)| *n == name) {
                    if existing.1 != ty {
                        return Err(ApiError::invalid_parameter(format!(
                            "Cannot change the type of an existing attribute definition: {name}"
                        )));
                    }
                } else {
                    defs.push((name, ty));
                }
            }
            let names: Vec<String> = defs.iter().map(|(n, _)| n.clone()).collect();
            let index = create_table::index(create, &names, &meta.key_schema, true, billing)?;
            if meta.index(&index.name).is_some() {
                return Err(ApiError::invalid_parameter(format!(
                    "Attempting to create an index which already exists: {}",
                    index.name
                )));
            }
            if meta.gsis.len() >= 20 {
                return Err(ApiError::invalid_parameter(
                    "GlobalSecondaryIndex count exceeds the per-table limit of 20",
                ));
            }
            meta.attribute_definitions = defs;
            changes.push((index.name.clone(), Some(backfill(meta, data, &index))));
            let mut index = index;
            index.creating_until = transitions.index_create;
            meta.gsis.push(index);
        } else if let Some(delete) = update.obj_field("Delete") {
            let name = delete.str_field("IndexName").unwrap_or_default();
            let position = meta
                .gsis
                .iter()
                .position(|i| i.name == name)
                .ok_or_else(|| {
                    ApiError::resource_not_found_message(format!(
                        "Requested resource not found: Index: {name} not found for table: {}",
                        meta.name
                    ))
                })?;
            let index = meta.gsis.remove(position);
            if let Some(until) = transitions.index_delete {
                meta.deleting_gsis.push((index, until));
            }
            meta.prune_attribute_definitions();
            changes.push((name.to_string(), None));
        } else if let Some(u) = update.obj_field("Update") {
            let name = u.str_field("IndexName").unwrap_or_default().to_string();
            let table_name = meta.name.clone();
            let index = meta.gsis.iter_mut().find(|i| i.name == name).ok_or_else(|| {
                ApiError::resource_not_found_message(format!("Requested resource not found: Index: {name} not found for table: {table_name}"))
            })?;
            if let Some(pt) = create_table::throughput(u)? {
                if billing == BillingMode::PayPerRequest {
                    return Err(ApiError::invalid_parameter(
                        "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
                    ));
                }
                let mut current = index.throughput.unwrap_or_default();
                set_throughput(&mut current, pt, now_secs)?;
                index.throughput = Some(current);
            }
        }
    }
    Ok(())
}

/// Builds a new index's entries from every item of the table.
fn backfill(
    meta: &TableMeta,
    data: &TableData,
    index: &crate::table::IndexMeta,
) -> dynolab_storage::IndexEntries {
    let mut entries = dynolab_storage::IndexEntries::new();
    for (key, item) in data.items.iter() {
        if let Some(entry) =
            crate::table::index_entry_key(index, &meta.attribute_definitions, &item, key)
        {
            entries.insert(entry, key.to_vec());
        }
    }
    entries
}

/// Applies the update to `meta` and returns the index keyspaces to change; `data` is only read.
fn apply(
    meta: &mut TableMeta,
    data: &TableData,
    req: &Map<String, Value>,
    now_secs: f64,
    transitions: &Transitions,
) -> Result<IndexChanges, ApiError> {
    let billing = match req.str_field("BillingMode") {
        Some("PAY_PER_REQUEST") => BillingMode::PayPerRequest,
        Some(_) => BillingMode::Provisioned,
        None => meta.billing_mode,
    };
    let pt = create_table::throughput(req)?;
    if pt.is_some() && billing == BillingMode::PayPerRequest {
        return Err(ApiError::invalid_parameter(
            "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
        ));
    }
    if billing != meta.billing_mode {
        if billing == BillingMode::PayPerRequest {
            // Provisioned → on-demand at most 4 times in a rolling 24 hours (Constraints.html).
            meta.on_demand_switches_secs
                .retain(|t| now_secs - t < SECONDS_PER_DAY);
            if meta.on_demand_switches_secs.len() >= ON_DEMAND_SWITCHES_PER_DAY {
                return Err(ApiError::new(
                    dynolab_model::ErrorCode::LimitExceededException,
                    "Subscriber limit exceeded: Update to PayPerRequest mode are limited to 4 times in 1 day(s).",
                ));
            }
            meta.on_demand_switches_secs.push(now_secs);
        }
        meta.billing_mode_changed_secs = Some(now_secs);
        if billing == BillingMode::PayPerRequest {
            meta.throughput = Throughput::default();
            for gsi in &mut meta.gsis {
                gsi.throughput = Some(Throughput::default());
            }
        } else if meta
            .gsis
            .iter()
            .any(|g| g.throughput.is_none_or(|t| t.read_units == 0))
            && !req.contains_key("GlobalSecondaryIndexUpdates")
        {
            let names: Vec<&str> = meta.gsis.iter().map(|g| g.name.as_str()).collect();
            return Err(ApiError::invalid_parameter(format!(
                "ProvisionedThroughput must be specified for index: {}",
                names.join(",")
            )));
        }
        meta.billing_mode = billing;
    }
    if let Some(pt) = pt {
        set_throughput(&mut meta.throughput, pt, now_secs)?;
    }
    if let Some(v) = req.bool_field("DeletionProtectionEnabled") {
        meta.deletion_protection = v;
    }
    if let Some(v) = req.str_field("TableClass") {
        meta.table_class = Some(v.to_string());
    }
    for key in ["SSESpecification", "OnDemandThroughput", "WarmThroughput"] {
        if let Some(v) = req.get(key) {
            meta.extra.insert(key.to_string(), v.clone());
        }
    }
    let mut changes = Vec::new();
    apply_gsi_updates(
        meta,
        data,
        &mut changes,
        req,
        billing,
        now_secs,
        transitions,
    )?;
    Ok(changes)
}

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    check_request(req)?;
    check_table_class(req)?;
    let name = req.str_field("TableName").unwrap_or_default();
    let handle = engine
        .any_table(name)
        .map_err(|_| ApiError::table_not_found(name))?;
    let now = engine.now();
    let config = engine.capacity_config();
    let mut state = write_lock(&handle);
    if state.meta.status != TableStatus::Active {
        return Err(lifecycle::in_use(&state.meta));
    }
    let lifecycle = &engine.config.lifecycle;
    let transitions = Transitions {
        index_create: engine.transition_end(lifecycle.index_create_secs),
        index_delete: engine.transition_end(lifecycle.index_delete_secs),
    };
    let stream =
        crate::history::stream_change(req.obj_field("StreamSpecification"), Some(&state.meta))?;
    if stream.is_some()
        && req
            .list_field("GlobalSecondaryIndexUpdates")
            .into_iter()
            .flatten()
            .any(|u| u.get("Create").is_some() || u.get("Delete").is_some())
    {
        return Err(ApiError::invalid_parameter(
            "You cannot create or delete index while changing stream status",
        ));
    }
    // Work on a copy of the metadata so a rejected update changes nothing.
    let mut meta = state.meta.clone();
    let changes = apply(&mut meta, &state.data, req, now.as_secs_f64(), &transitions)?;
    if let Some(change) = &stream {
        crate::history::change_stream(&mut meta, &mut state.history, change, now);
    }
    // The table is UPDATING while its capacity or class changes, and until every index it
    // is creating or deleting is done.
    let capacity_change = [
        "ProvisionedThroughput",
        "BillingMode",
        "OnDemandThroughput",
        "WarmThroughput",
        "TableClass",
    ]
    .iter()
    .any(|k| req.contains_key(*k));
    let until = meta
        .gsis
        .iter()
        .filter_map(|g| g.creating_until)
        .chain(meta.deleting_gsis.iter().map(|(_, u)| *u))
        .chain(
            capacity_change
                .then(|| engine.transition_end(lifecycle.table_update_secs))
                .flatten(),
        )
        .max();
    if let Some(until) = until {
        meta.status = TableStatus::Updating;
        meta.status_until = Some(until);
    }
    for (index, entries) in changes {
        match entries {
            Some(entries) => state.data.indexes.insert(index, entries),
            None => state.data.indexes.remove(&index),
        };
    }
    state.meta = meta;
    {
        let TableState { meta, capacity, .. } = &mut *state;
        let capacity = capacity.get_mut().unwrap_or_else(|e| e.into_inner());
        crate::capacity::reconcile(capacity, meta, &config, now);
        engine.billing_changed(meta);
    }
    let ticket = engine.persist_meta(&state.meta)?;
    Ok(Outcome {
        body: json!({"TableDescription": describe(&state)}),
        ticket,
    })
}
