//! One module per DynamoDB operation, each with the same shape: a static request shape
//! (`SHAPE`, checked by `dynolab_model::wire`), semantic validation, then execution against
//! the table state. [`dispatch`] is the single `match` from operation name to module.

mod batch_execute_statement;
mod batch_get_item;
mod batch_write_item;
mod create_backup;
mod create_table;
mod delete_backup;
mod delete_item;
mod delete_table;
mod describe_backup;
mod describe_continuous_backups;
mod describe_contributor_insights;
mod describe_endpoints;
mod describe_limits;
mod describe_stream;
mod describe_table;
mod describe_time_to_live;
mod execute_statement;
mod execute_transaction;
mod get_item;
mod get_records;
mod get_shard_iterator;
mod list_backups;
mod list_contributor_insights;
mod list_streams;
mod list_tables;
mod list_tags_of_resource;
mod put_item;
mod query;
mod restore_table_from_backup;
mod restore_table_to_point_in_time;
mod scan;
mod shapes;
mod tag_resource;
mod transact_get_items;
mod transact_write_items;
mod untag_resource;
mod update_continuous_backups;
mod update_contributor_insights;
mod update_item;
mod update_table;
mod update_time_to_live;

use dynolab_capacity::Consumed;
use dynolab_model::wire::{Checked, Field, check_request};
use dynolab_model::{ApiError, Item, value::item_from_json, value::item_to_json};
use serde_json::{Map, Value, json};

use crate::{Engine, Outcome};

pub(crate) use create_table::{install, table_uuid, throughput_member};
pub(crate) use query::check_not_empty;

/// Every operation `dynolab serve` answers.
pub const OPERATIONS: &[&str] = &[
    "BatchExecuteStatement",
    "BatchGetItem",
    "BatchWriteItem",
    "CreateBackup",
    "CreateTable",
    "DeleteBackup",
    "DeleteItem",
    "DeleteTable",
    "DescribeBackup",
    "DescribeContinuousBackups",
    "DescribeContributorInsights",
    "DescribeEndpoints",
    "DescribeLimits",
    "DescribeTable",
    "DescribeTimeToLive",
    "ExecuteStatement",
    "ExecuteTransaction",
    "GetItem",
    "ListBackups",
    "ListContributorInsights",
    "ListTables",
    "ListTagsOfResource",
    "PutItem",
    "Query",
    "RestoreTableFromBackup",
    "RestoreTableToPointInTime",
    "Scan",
    "TagResource",
    "TransactGetItems",
    "TransactWriteItems",
    "UntagResource",
    "UpdateContinuousBackups",
    "UpdateContributorInsights",
    "UpdateItem",
    "UpdateTable",
    "UpdateTimeToLive",
];

pub(crate) fn dispatch(
    engine: &Engine,
    operation: &str,
    body: &Value,
) -> Result<Outcome, ApiError> {
    macro_rules! op {
        ($module:ident) => {{
            let req = check_request(body, $module::SHAPE)?;
            crate::memory::check(engine, operation, &req)?;
            $module::execute(engine, &req)
        }};
    }
    match operation {
        "BatchExecuteStatement" => op!(batch_execute_statement),
        "BatchGetItem" => op!(batch_get_item),
        "BatchWriteItem" => op!(batch_write_item),
        "CreateBackup" => op!(create_backup),
        "CreateTable" => op!(create_table),
        "DeleteBackup" => op!(delete_backup),
        "DeleteItem" => op!(delete_item),
        "DeleteTable" => op!(delete_table),
        "DescribeBackup" => op!(describe_backup),
        "DescribeContinuousBackups" => op!(describe_continuous_backups),
        "DescribeContributorInsights" => op!(describe_contributor_insights),
        "DescribeEndpoints" => op!(describe_endpoints),
        "DescribeLimits" => op!(describe_limits),
        "DescribeTable" => op!(describe_table),
        "DescribeTimeToLive" => op!(describe_time_to_live),
        "ExecuteStatement" => op!(execute_statement),
        "ExecuteTransaction" => op!(execute_transaction),
        "GetItem" => op!(get_item),
        "ListBackups" => op!(list_backups),
        "ListContributorInsights" => op!(list_contributor_insights),
        "ListTables" => op!(list_tables),
        "ListTagsOfResource" => op!(list_tags_of_resource),
        "PutItem" => op!(put_item),
        "Query" => op!(query),
        "RestoreTableFromBackup" => op!(restore_table_from_backup),
        "RestoreTableToPointInTime" => op!(restore_table_to_point_in_time),
        "Scan" => op!(scan),
        "TagResource" => op!(tag_resource),
        "TransactGetItems" => op!(transact_get_items),
        "TransactWriteItems" => op!(transact_write_items),
        "UntagResource" => op!(untag_resource),
        "UpdateContinuousBackups" => op!(update_continuous_backups),
        "UpdateContributorInsights" => op!(update_contributor_insights),
        "UpdateItem" => op!(update_item),
        "UpdateTable" => op!(update_table),
        "UpdateTimeToLive" => op!(update_time_to_live),
        _ => Err(ApiError::unknown_operation()),
    }
}

/// The DynamoDB Streams operations (`DynamoDBStreams_20120810.*`), see `crate::streams`.
pub(crate) fn dispatch_streams(
    engine: &Engine,
    operation: &str,
    body: &Value,
) -> Result<Outcome, ApiError> {
    macro_rules! op {
        ($module:ident) => {{
            let req = check_request(body, $module::SHAPE)?;
            $module::execute(engine, &req)
        }};
    }
    match operation {
        "DescribeStream" => op!(describe_stream),
        "GetRecords" => op!(get_records),
        "GetShardIterator" => op!(get_shard_iterator),
        "ListStreams" => op!(list_streams),
        _ => Err(ApiError::unknown_operation()),
    }
}

/// Reads an item-shaped parameter (`Item`, `Key`, `ExclusiveStartKey`).
pub(crate) fn item_param(req: &Map<String, Value>, name: &str) -> Result<Option<Item>, ApiError> {
    match req.obj_field(name) {
        None => Ok(None),
        Some(map) => item_from_json(map).map(Some).map_err(ApiError::validation),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ReturnConsumed {
    None,
    Total,
    Indexes,
}

impl ReturnConsumed {
    pub fn from_req(req: &Map<String, Value>) -> ReturnConsumed {
        match req.str_field("ReturnConsumedCapacity") {
            Some("TOTAL") => ReturnConsumed::Total,
            Some("INDEXES") => ReturnConsumed::Indexes,
            _ => ReturnConsumed::None,
        }
    }
}

fn units_json(read: f64, write: f64) -> Value {
    let mut out = json!({"CapacityUnits": read + write});
    if read > 0.0 {
        out["ReadCapacityUnits"] = json!(read);
    }
    if write > 0.0 {
        out["WriteCapacityUnits"] = json!(write);
    }
    out
}

/// The `ConsumedCapacity` object for one table, in the shape `mode` asks for.
pub(crate) fn consumed_json(
    table: &str,
    consumed: &Consumed,
    mode: ReturnConsumed,
) -> Option<Value> {
    if mode == ReturnConsumed::None {
        return None;
    }
    let mut out = units_json(
        consumed.total_read().as_units_f64(),
        consumed.total_write().as_units_f64(),
    );
    out["TableName"] = json!(table);
    if mode == ReturnConsumed::Indexes {
        out["Table"] = units_json(
            consumed.table_read.as_units_f64(),
            consumed.table_write.as_units_f64(),
        );
        let indexes = |m: &std::collections::BTreeMap<
            String,
            (dynolab_capacity::HalfUnits, dynolab_capacity::HalfUnits),
        >| {
            Value::Object(
                m.iter()
                    .map(|(k, (r, w))| (k.clone(), units_json(r.as_units_f64(), w.as_units_f64())))
                    .collect(),
            )
        };
        if !consumed.gsis.is_empty() {
            out["GlobalSecondaryIndexes"] = indexes(&consumed.gsis);
        }
        if !consumed.lsis.is_empty() {
            out["LocalSecondaryIndexes"] = indexes(&consumed.lsis);
        }
    }
    Some(out)
}

/// Adds `ConsumedCapacity` to a response when asked for.
pub(crate) fn with_consumed(
    mut body: Value,
    table: &str,
    consumed: &Consumed,
    mode: ReturnConsumed,
) -> Value {
    if let Some(c) = consumed_json(table, consumed, mode) {
        body["ConsumedCapacity"] = c;
    }
    body
}

/// An item as DynamoDB JSON.
pub(crate) fn item_json(item: &Item) -> Value {
    item_to_json(item)
}

/// Validates a `Key` parameter's values (types are checked against the schema by the caller).
pub(crate) fn required_item(req: &Map<String, Value>, name: &str) -> Result<Item, ApiError> {
    Ok(item_param(req, name)?.unwrap_or_default())
}

pub(crate) type Shape = &'static [Field];

/// `ItemCollectionMetrics` for a write to a table with local secondary indexes, when asked.
/// The size is the collection's stored bytes; DynamoDB gives a range estimate in GB, and so do we
/// (lower bound rounded down, upper bound one GB above).
pub(crate) fn item_collection_metrics(
    state: &crate::TableState,
    req: &Map<String, Value>,
    hash_name: &str,
    hash_value: Option<dynolab_model::AttributeValue>,
) -> Option<Value> {
    if req.str_field("ReturnItemCollectionMetrics") != Some("SIZE") || state.meta.lsis.is_empty() {
        return None;
    }
    let hash_value = hash_value?;
    let prefix = dynolab_storage::keys::partition_prefix(&hash_value);
    let upper = dynolab_storage::keys::successor(&prefix);
    let bytes: u64 = state
        .data
        .items
        .range_stored(
            std::ops::Bound::Included(&prefix),
            std::ops::Bound::Excluded(&upper),
        )
        .map(|s| s.size)
        .sum();
    let gb = bytes as f64 / (1u64 << 30) as f64;
    let mut key = Item::new();
    key.insert(hash_name.to_string(), hash_value);
    Some(
        json!({"ItemCollectionKey": item_to_json(&key), "SizeEstimateRangeGB": [gb.floor(), gb.floor() + 1.0]}),
    )
}

/// The condition of a single-item write: ConditionExpression, or else the legacy Expected.
pub(crate) fn write_condition(
    req: &Map<String, Value>,
    expression: Option<dynolab_expr::Condition>,
) -> Result<Option<dynolab_expr::Condition>, ApiError> {
    match expression {
        Some(c) => Ok(Some(c)),
        None => crate::legacy::expected(req),
    }
}

/// Whether a failed condition should return the item (`ReturnValuesOnConditionCheckFailure`).
pub(crate) fn wants_old_on_failure(req: &Map<String, Value>) -> bool {
    req.str_field("ReturnValuesOnConditionCheckFailure") == Some("ALL_OLD")
}

/// PutItem and DeleteItem can only return the old item.
pub(crate) fn check_return_values_all_old(req: &Map<String, Value>) -> Result<(), ApiError> {
    match req.str_field("ReturnValues").unwrap_or("NONE") {
        "ALL_OLD" | "NONE" => Ok(()),
        _ => Err(ApiError::validation(
            "ReturnValues can only be ALL_OLD or NONE",
        )),
    }
}

/// Checks a write's condition against the current item. A failed condition is still charged
/// (as the larger of the existing item and `attempted`) and answered as
/// ConditionalCheckFailedException, holding the current item when `wants_old`
/// (`ReturnValuesOnConditionCheckFailure` `ALL_OLD`). Returns the current item.
pub(crate) fn check_condition(
    engine: &Engine,
    state: &crate::TableState,
    wants_old: bool,
    key: &[u8],
    attempted: Option<&Item>,
    condition: Option<&dynolab_expr::Condition>,
    now: dynolab_clock::Timestamp,
) -> Result<Option<Item>, ApiError> {
    let old = state.data.items.get(key);
    if let Some(condition) = condition
        && !condition.eval(old.as_ref().unwrap_or(&Item::new()))
    {
        let keys = attempted
            .or(old.as_ref())
            .map(|i| engine.contributor_keys(&state.meta, i))
            .unwrap_or_default();
        let plan = crate::write::plan_failed(key, old.as_ref(), attempted, false);
        engine.admit_keys(state, &plan.charges, &keys, now)?;
        return Err(ApiError::conditional_check_failed(
            old.filter(|_| wants_old),
        ));
    }
    Ok(old)
}

/// Admits and applies a single-item write whose condition passed: `old` is the current item
/// ([`check_condition`]'s answer, decoded once for the whole write), `new = None` deletes, and
/// deleting a missing item is charged but applies nothing.
pub(crate) fn write_item(
    engine: &Engine,
    state: &mut crate::TableState,
    key: &[u8],
    old: Option<&Item>,
    new: Option<Item>,
    now: dynolab_clock::Timestamp,
) -> Result<(Consumed, Vec<dynolab_storage::Mutation>), ApiError> {
    // The keys this write touches, for Contributor Insights: the new item's, or the old one's.
    let keys = new
        .as_ref()
        .or(old)
        .map(|i| engine.contributor_keys(&state.meta, i))
        .unwrap_or_default();
    let plan = match (&new, old) {
        (None, None) => crate::write::plan_failed(key, None, None, false),
        _ => crate::write::plan(state, key, old, new.as_ref(), false),
    };
    engine.admit_keys(state, &plan.charges, &keys, now)?;
    if new.is_none() && old.is_none() {
        return Ok((plan.consumed, Vec::new()));
    }
    let mutations = crate::write::apply(state, key, old, new, now, crate::write::Origin::User);
    engine.sample_storage(state);
    Ok((plan.consumed, mutations))
}

/// The answer of a single-item write: the durable ticket, `Attributes` when there are any,
/// `ItemCollectionMetrics` when asked for (keyed by `key_item`'s partition key), and
/// `ConsumedCapacity`.
pub(crate) fn write_answer(
    engine: &Engine,
    state: &crate::TableState,
    req: &Map<String, Value>,
    write: (Consumed, Vec<dynolab_storage::Mutation>),
    attributes: Option<Item>,
    key_item: &Item,
) -> Outcome {
    let (consumed, mutations) = write;
    let ticket = engine.submit(mutations);
    let mut body = json!({});
    if let Some(attributes) = attributes.filter(|a| !a.is_empty()) {
        body["Attributes"] = item_json(&attributes);
    }
    let hash_name = &state.meta.key_schema.hash;
    if let Some(metrics) =
        item_collection_metrics(state, req, hash_name, key_item.get(hash_name).cloned())
    {
        body["ItemCollectionMetrics"] = metrics;
    }
    let table = req.str_field("TableName").unwrap_or_default();
    Outcome {
        body: with_consumed(body, table, &consumed, ReturnConsumed::from_req(req)),
        ticket,
    }
}

/// The key range of a Query's key condition (shared with PartiQL SELECTs).
pub(crate) fn query_key_range(
    cond: &dynolab_expr::KeyCondition,
) -> (std::ops::Bound<Vec<u8>>, std::ops::Bound<Vec<u8>>) {
    query::key_range(cond)
}
