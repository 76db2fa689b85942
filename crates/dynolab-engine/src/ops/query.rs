//! Query: one partition of the table or an index, a sort-key range, in either direction.

use std::ops::Bound;

use dynolab_expr::{KeyCondition, RangeCondition};
use dynolab_model::wire::{Checked, ITEM_TABLE_NAME_CHECKS, Ty, field};
use dynolab_model::{ApiError, AttributeValue, ValueType};
use dynolab_storage::keys;
use serde_json::{Map, Value};

use super::item_param;
use super::shapes::*;
use crate::read::{self, PageRequest};
use crate::{Engine, Outcome, TableState, exprs, legacy, read_lock};

pub(crate) static SHAPE: super::Shape = &[
    SELECT,
    INDEX_NAME,
    RETURN_CONSUMED_CAPACITY,
    field("QueryFilter", legacy::CONDITIONS, &[]),
    field("TableName", Ty::String, ITEM_TABLE_NAME_CHECKS),
    CONDITIONAL_OPERATOR,
    ATTRIBUTES_TO_GET,
    LIMIT,
    field("KeyConditions", legacy::CONDITIONS, &[]),
    CONSISTENT_READ,
    field("ScanIndexForward", Ty::Boolean, &[]),
    EXCLUSIVE_START_KEY,
    PROJECTION_EXPRESSION,
    FILTER_EXPRESSION,
    field("KeyConditionExpression", Ty::String, &[]),
    EXPRESSION_ATTRIBUTE_VALUES,
    EXPRESSION_ATTRIBUTE_NAMES,
];

/// The key range of a partition and an optional sort-key condition.
pub(crate) fn key_range(cond: &KeyCondition) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    let prefix = keys::partition_prefix(&cond.hash_value);
    let with = |v: &AttributeValue| {
        let mut k = prefix.clone();
        keys::push_sort_key(&mut k, v);
        k
    };
    let end = Bound::Excluded(keys::successor(&prefix));
    match &cond.range {
        None => (Bound::Included(prefix.clone()), end),
        Some(RangeCondition::Eq(v)) => (
            Bound::Included(with(v)),
            Bound::Excluded(keys::successor(&with(v))),
        ),
        Some(RangeCondition::Lt(v)) => (Bound::Included(prefix.clone()), Bound::Excluded(with(v))),
        Some(RangeCondition::Le(v)) => (
            Bound::Included(prefix.clone()),
            Bound::Excluded(keys::successor(&with(v))),
        ),
        Some(RangeCondition::Gt(v)) => (Bound::Included(keys::successor(&with(v))), end),
        Some(RangeCondition::Ge(v)) => (Bound::Included(with(v)), end),
        Some(RangeCondition::Between(a, b)) => (
            Bound::Included(with(a)),
            Bound::Excluded(keys::successor(&with(b))),
        ),
        Some(RangeCondition::BeginsWith(v)) => {
            let mut k = prefix.clone();
            keys::push_sort_prefix(&mut k, v);
            let upper = keys::successor(&k);
            (Bound::Included(k), Bound::Excluded(upper))
        }
    }
}

/// A Query's filter may not name the key attributes of what it queries (dynalite's tests,
/// recorded against DynamoDB: the whole path's first attribute counts, `a.b` and `a[1]` too).
fn check_filter_not_on_keys(
    req: &Map<String, Value>,
    exprs: &crate::exprs::Expressions,
    hash: &str,
    range: Option<&str>,
) -> Result<(), ApiError> {
    let (heads, param): (Vec<String>, &str) = match &exprs.filter {
        Some(f) => (f.path_heads().into_iter().collect(), "Filter Expression"),
        None => match req.obj_field("QueryFilter") {
            Some(m) => (m.keys().cloned().collect(), "QueryFilter"),
            None => return Ok(()),
        },
    };
    let key = [Some(hash), range]
        .into_iter()
        .flatten()
        .find(|k| heads.iter().any(|h| h == k));
    match key {
        Some(k) => Err(ApiError::validation(format!(
            "{param} can only contain non-primary key attributes: Primary key attribute: {k}"
        ))),
        None => Ok(()),
    }
}

/// DynamoDB's checks of a Query's `ExclusiveStartKey` against its key condition, after the
/// key's shape is checked ([`read::start_key`]). The messages and their precedence are the
/// ones dynalite's tests recorded against DynamoDB: a sort key outside the sort-key condition
/// first, then a partition key other than the queried one ("outside query boundaries" without
/// a sort-key condition, "at most one row" with one).
fn check_start_bounds(
    cond: &KeyCondition,
    hash_name: &str,
    range_name: Option<&str>,
    start: &dynolab_model::Item,
) -> Result<(), ApiError> {
    let same_partition = start.get(hash_name) == Some(&cond.hash_value);
    let in_range = match (&cond.range, range_name.and_then(|r| start.get(r))) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(_), Some(v)) => {
            let mut key = keys::partition_prefix(&cond.hash_value);
            keys::push_sort_key(&mut key, v);
            let (lower, upper) = key_range(cond);
            std::ops::RangeBounds::contains(&(lower, upper), &key)
        }
    };
    let message = match (in_range, same_partition, cond.range.is_some()) {
        (false, _, _) => "The provided starting key does not match the range key predicate",
        (true, false, false) => {
            "The provided starting key is outside query boundaries based on provided conditions"
        }
        (true, false, true) => "The query can return at most one row and cannot be restarted",
        (true, true, _) => return Ok(()),
    };
    Err(ApiError::validation(message))
}

/// An empty string or binary anywhere in a key condition (`=`, `<`, `BETWEEN`,
/// `begins_with`, ...) is refused: DynamoDB Local's answer and text, found by the differential
/// harness (issue 20).
pub(crate) fn check_not_empty(name: &str, v: &AttributeValue) -> Result<(), ApiError> {
    let kind = match v {
        AttributeValue::S(x) if x.is_empty() => "string",
        AttributeValue::B(x) if x.is_empty() => "binary",
        _ => return Ok(()),
    };
    Err(ApiError::validation(format!(
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {kind} value. Key: {name}"
    )))
}

fn range_values(range: &RangeCondition) -> Vec<&AttributeValue> {
    match range {
        RangeCondition::Eq(v)
        | RangeCondition::Lt(v)
        | RangeCondition::Le(v)
        | RangeCondition::Gt(v)
        | RangeCondition::Ge(v)
        | RangeCondition::BeginsWith(v) => vec![v],
        RangeCondition::Between(a, b) => vec![a, b],
    }
}

/// Checks the condition's values against the key types declared for the table.
fn check_types(
    state: &TableState,
    hash: &str,
    range: Option<&str>,
    cond: &KeyCondition,
) -> Result<(), ApiError> {
    let mismatch =
        || ApiError::invalid_parameter("Condition parameter type does not match schema type");
    let want = |name: &str| state.meta.attr_type(name).unwrap_or(ValueType::S);
    if cond.hash_value.value_type() != want(hash) {
        return Err(mismatch());
    }
    check_not_empty(hash, &cond.hash_value)?;
    crate::table::check_key_value(hash, &cond.hash_value, true)?;
    if let (Some(r), Some(name)) = (&cond.range, range) {
        for v in range_values(r) {
            if v.value_type() != want(name) {
                return Err(mismatch());
            }
        }
        for v in range_values(r) {
            check_not_empty(name, v)?;
        }
        if matches!(r, RangeCondition::BeginsWith(_)) && want(name) == ValueType::N {
            return Err(ApiError::validation("Query key condition not supported"));
        }
        if let RangeCondition::Between(a, b) = r
            && a.compare(b) == Some(std::cmp::Ordering::Greater)
        {
            return Err(ApiError::validation(
                "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: "
                    .to_string()
                    + &format!("{}, upper bound operand: AttributeValue: {}", a.describe(), b.describe()),
            ));
        }
    }
    Ok(())
}

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let ((), exprs) = exprs::parse_with(
        req,
        &[
            "ProjectionExpression",
            "FilterExpression",
            "KeyConditionExpression",
        ],
        &[
            "AttributesToGet",
            "QueryFilter",
            "ConditionalOperator",
            "KeyConditions",
        ],
        || {
            legacy::check_conditions(req, "QueryFilter")?;
            legacy::check_attributes_to_get(req)?;
            read::check_start_key(req)?;
            if !req.contains_key("KeyConditions") && !req.contains_key("KeyConditionExpression") {
                return Err(ApiError::validation(
                    "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
                ));
            }
            Ok(())
        },
    )?;
    let table_name = req.str_field("TableName").unwrap_or_default();
    let handle = engine.table(table_name)?;
    let state = read_lock(&handle);
    let nested_heads = exprs.nested_heads();
    let index = read::index(&state, req)?;
    let schema = index.map_or(&state.meta.key_schema, |i| &i.key_schema);
    check_filter_not_on_keys(req, &exprs, &schema.hash, schema.range.as_deref())?;
    crate::exprs::check_key_paths(&state.meta, &nested_heads)?;
    let cond = match &exprs.key_condition {
        Some(ast) => ast
            .resolve(&schema.hash, schema.range.as_deref())
            .map_err(|e| ApiError::validation(e.to_string()))?,
        None => legacy::key_conditions(req, &schema.hash, schema.range.as_deref())?,
    };
    check_types(&state, &schema.hash, schema.range.as_deref(), &cond)?;
    let (filter, projection, select) = read::options(
        req,
        exprs,
        &state.meta.key_schema,
        index,
        "QueryFilter",
        true,
    )?;
    if let (Some(index), Some(filter)) = (index, &filter) {
        read::check_filter_projected(&state.meta, index, filter)?;
    }
    let (mut lower, mut upper) = key_range(&cond);
    let forward = req.bool_field("ScanIndexForward").unwrap_or(true);
    if let Some(start) = item_param(req, "ExclusiveStartKey")? {
        let start_key = read::start_key(&state, index, &start)?;
        check_start_bounds(&cond, &schema.hash, schema.range.as_deref(), &start)?;
        if forward {
            lower = Bound::Excluded(start_key);
        } else {
            upper = Bound::Excluded(start_key);
        }
    }
    let keys: Vec<crate::KeyRef> = engine
        .keys_wanted(table_name)
        .then(|| crate::KeyRef {
            index: index.filter(|i| i.global).map(|i| i.name.clone()),
            pk: crate::table::key_label(&cond.hash_value),
            sk: None,
        })
        .into_iter()
        .collect();
    let page = PageRequest::new(
        index,
        lower,
        upper,
        forward,
        filter.as_ref(),
        projection.as_ref(),
        select,
    );
    let hash = dynolab_model::partition::partition_hash(&cond.hash_value);
    read::answer(engine, &state, req, page, Some(hash), &keys)
}
