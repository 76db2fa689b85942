//! The engine's side of the capacity model: each table's [`TableCapacity`] built from its
//! metadata, admission of a request's charges, and throttles turned into DynamoDB's exceptions.

use dynolab_capacity::{
    CapacityConfig, Charge, LimitType, Mode, Resource, TableCapacity, Target, Throttle,
};
use dynolab_clock::Timestamp;
use dynolab_model::{ApiError, ErrorCode};
use serde_json::Value;

use crate::table::{BillingMode, IndexMeta, TableMeta};

fn on_demand_max(spec: Option<&Value>) -> Mode {
    let limit = |name: &str| {
        spec.and_then(|s| s.get(name))
            .and_then(Value::as_i64)
            .filter(|v| *v > 0)
            .map(|v| v as u64)
    };
    Mode::OnDemand {
        max_read_units: limit("MaxReadRequestUnits"),
        max_write_units: limit("MaxWriteRequestUnits"),
    }
}

/// The capacity mode of the table itself.
pub(crate) fn table_mode(meta: &TableMeta) -> Mode {
    match meta.billing_mode {
        BillingMode::Provisioned => Mode::Provisioned {
            read_units: meta.throughput.read_units,
            write_units: meta.throughput.write_units,
        },
        BillingMode::PayPerRequest => on_demand_max(meta.extra.get("OnDemandThroughput")),
    }
}

/// The capacity mode of one GSI.
pub(crate) fn index_mode(meta: &TableMeta, index: &IndexMeta) -> Mode {
    match (meta.billing_mode, index.throughput) {
        (BillingMode::Provisioned, Some(t)) => Mode::Provisioned {
            read_units: t.read_units,
            write_units: t.write_units,
        },
        _ => on_demand_max(None),
    }
}

/// A fresh capacity state for a table and its GSIs.
pub(crate) fn build(meta: &TableMeta, config: &CapacityConfig, now: Timestamp) -> TableCapacity {
    let may_split = meta.lsis.is_empty();
    let mut capacity = TableCapacity {
        table: Resource::new(table_mode(meta), may_split, config, now),
        indexes: meta
            .gsis
            .iter()
            .map(|g| {
                (
                    g.name.clone(),
                    Resource::new(index_mode(meta, g), true, config, now),
                )
            })
            .collect(),
    };
    apply_warm_throughput(&mut capacity, meta, config, now);
    capacity
}

/// `WarmThroughput` (CreateTable/UpdateTable) raises what the table sustains at once.
fn apply_warm_throughput(
    capacity: &mut TableCapacity,
    meta: &TableMeta,
    config: &CapacityConfig,
    now: Timestamp,
) {
    if let Some(warm) = meta.extra.get("WarmThroughput") {
        let units = |name: &str| warm.get(name).and_then(Value::as_u64).unwrap_or(0);
        capacity.table.warm(
            units("ReadUnitsPerSecond"),
            units("WriteUnitsPerSecond"),
            config,
            now,
        );
    }
}

/// Brings an existing capacity state in line with changed metadata (UpdateTable): new modes
/// and throughput, added and removed GSIs. Partitions are kept (never merged).
pub(crate) fn reconcile(
    capacity: &mut TableCapacity,
    meta: &TableMeta,
    config: &CapacityConfig,
    now: Timestamp,
) {
    apply_warm_throughput(capacity, meta, config, now);
    let mode = table_mode(meta);
    if mode != capacity.table.mode() {
        capacity.table.set_mode(mode, config, now);
    }
    capacity
        .indexes
        .retain(|name, _| meta.gsis.iter().any(|g| &g.name == name));
    for gsi in &meta.gsis {
        let mode = index_mode(meta, gsi);
        match capacity.indexes.get_mut(&gsi.name) {
            Some(resource) if resource.mode() != mode => resource.set_mode(mode, config, now),
            Some(_) => {}
            None => {
                capacity
                    .indexes
                    .insert(gsi.name.clone(), Resource::new(mode, true, config, now));
            }
        }
    }
}

const TABLE_PROVISIONED: &str = "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.";
const INDEX_PROVISIONED: &str = "The level of configured provisioned throughput for one or more global secondary indexes of the table was exceeded. Consider increasing your provisioning level for the under-provisioned global secondary indexes with the UpdateTable API";
const ON_DEMAND_SCALING: &str = "Throughput exceeds the current capacity of your table or index. DynamoDB is automatically scaling your table or index so please try again shortly. If exceptions persist, check if you have a hot key: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html";
const MAX_ON_DEMAND: &str =
    "Throughput exceeds the maximum OnDemandThroughput configured on table or index";
const ACCOUNT_LIMIT: &str = "Throughput exceeds the current throughput limit for your account. To request a limit increase, contact AWS Support at https://aws.amazon.com/support.";

/// The exception DynamoDB answers for a set of throttles (docs/design/capacity-model.md).
pub(crate) fn throttle_error(meta: &TableMeta, throttles: &[Throttle]) -> ApiError {
    let has = |limit: LimitType| throttles.iter().any(|t| t.limit == limit);
    let (code, message) = if has(LimitType::MaxOnDemandThroughputExceeded) {
        (ErrorCode::ThrottlingException, MAX_ON_DEMAND)
    } else if has(LimitType::AccountLimitExceeded) {
        (ErrorCode::RequestLimitExceeded, ACCOUNT_LIMIT)
    } else if throttles.iter().any(|t| t.scaling) {
        (ErrorCode::ThrottlingException, ON_DEMAND_SCALING)
    } else if throttles
        .iter()
        .all(|t| matches!(t.target, Target::Index(_)))
    {
        (
            ErrorCode::ProvisionedThroughputExceededException,
            INDEX_PROVISIONED,
        )
    } else {
        (
            ErrorCode::ProvisionedThroughputExceededException,
            TABLE_PROVISIONED,
        )
    };
    let mut error = ApiError::new(code, message);
    error.throttling_reasons = throttles
        .iter()
        .map(|t| {
            let resource = match &t.target {
                Target::Table => meta.arn.clone(),
                Target::Index(name) => meta.index_arn(name),
            };
            (t.reason(), resource)
        })
        .collect();
    error
}

/// Charges for a read of `cost` on the table or an index, at partition-key hash `hash`.
pub(crate) fn read_charge(
    index: Option<&IndexMeta>,
    hash: u64,
    cost: dynolab_capacity::HalfUnits,
) -> Charge {
    let target = match index {
        Some(i) if i.global => Target::Index(i.name.clone()),
        _ => Target::Table,
    };
    Charge {
        target,
        op: dynolab_capacity::Op::Read,
        hash,
        cost,
    }
}

/// A transaction cancelled because the table of `state` was throttled: each action on that
/// table gets `ThrottlingError` (on-demand) or `ProvisionedThroughputExceeded` (provisioned)
/// with the throttle's message, every other action `None`. `action_tables` names each
/// action's table, in request order.
pub(crate) fn transaction_throttled<'a>(
    action_tables: impl Iterator<Item = &'a str>,
    state: &crate::TableState,
    error: &ApiError,
) -> ApiError {
    let code = match table_mode(&state.meta) {
        Mode::OnDemand { .. } => "ThrottlingError",
        Mode::Provisioned { .. } => "ProvisionedThroughputExceeded",
    };
    let reasons = action_tables
        .map(|t| {
            if t == state.meta.name {
                dynolab_model::CancellationReason {
                    code: code.into(),
                    message: error.message.clone(),
                    item: None,
                }
            } else {
                dynolab_model::CancellationReason::none()
            }
        })
        .collect();
    ApiError::transaction_canceled(reasons)
}
