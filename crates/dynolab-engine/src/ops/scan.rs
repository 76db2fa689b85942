//! Scan: the whole table or index in hash order; a parallel-scan segment is a contiguous range
//! of the 64-bit partition hash.

use std::ops::Bound;

use dynolab_model::ApiError;
use dynolab_model::wire::{Check, Checked, ITEM_TABLE_NAME_CHECKS, Ty, field};
use serde_json::{Map, Value};

use super::item_param;
use super::shapes::*;
use crate::read::{self, PageRequest};
use crate::{Engine, Outcome, exprs, legacy, read_lock};

pub(crate) static SHAPE: super::Shape = &[
    ATTRIBUTES_TO_GET,
    RETURN_CONSUMED_CAPACITY,
    EXCLUSIVE_START_KEY,
    LIMIT,
    field(
        "TotalSegments",
        Ty::Integer,
        &[Check::Min(1), Check::Max(1_000_000)],
    ),
    SELECT,
    field("TableName", Ty::String, ITEM_TABLE_NAME_CHECKS),
    INDEX_NAME,
    field("ScanFilter", legacy::CONDITIONS, &[]),
    field(
        "Segment",
        Ty::Integer,
        &[Check::Min(0), Check::Max(999_999)],
    ),
    CONDITIONAL_OPERATOR,
    CONSISTENT_READ,
    PROJECTION_EXPRESSION,
    FILTER_EXPRESSION,
    EXPRESSION_ATTRIBUTE_VALUES,
    EXPRESSION_ATTRIBUTE_NAMES,
];

/// The hash range `[lower, upper)` of one segment; `None` as upper means the end.
fn segment_bounds(segment: u64, total: u64) -> (Vec<u8>, Option<Vec<u8>>) {
    let width = (u128::from(u64::MAX) + 1) / u128::from(total);
    let lower = (width * u128::from(segment)) as u64;
    let upper = (segment + 1 < total).then(|| {
        ((width * u128::from(segment + 1)) as u64)
            .to_be_bytes()
            .to_vec()
    });
    (lower.to_be_bytes().to_vec(), upper)
}

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let ((), exprs) = exprs::parse_with(
        req,
        &["ProjectionExpression", "FilterExpression"],
        &["AttributesToGet", "ScanFilter", "ConditionalOperator"],
        || {
            legacy::check_conditions(req, "ScanFilter")?;
            legacy::check_attributes_to_get(req)?;
            read::check_start_key(req)?;
            match (req.int_field("Segment"), req.int_field("TotalSegments")) {
                (Some(_), None) => Err(ApiError::validation(
                    "The TotalSegments parameter is required but was not present in the request when Segment parameter is present",
                )),
                (None, Some(_)) => Err(ApiError::validation(
                    "The Segment parameter is required but was not present in the request when parameter TotalSegments is present",
                )),
                (Some(s), Some(t)) if s >= t => Err(ApiError::validation(format!(
                    "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {s} is not less than TotalSegments: {t}"
                ))),
                _ => Ok(()),
            }
        },
    )?;
    let table_name = req.str_field("TableName").unwrap_or_default();
    let handle = engine.table(table_name)?;
    let state = read_lock(&handle);
    exprs::check_key_paths(&state.meta, &exprs.nested_heads())?;
    let index = read::index(&state, req)?;
    let (filter, projection, select) = read::options(
        req,
        exprs,
        &state.meta.key_schema,
        index,
        "ScanFilter",
        false,
    )?;
    let (mut lower, upper) = match (req.int_field("Segment"), req.int_field("TotalSegments")) {
        (Some(s), Some(t)) => {
            let (l, u) = segment_bounds(s as u64, t as u64);
            (
                Bound::Included(l),
                u.map_or(Bound::Unbounded, Bound::Excluded),
            )
        }
        _ => (Bound::Unbounded, Bound::Unbounded),
    };
    if let Some(start) = item_param(req, "ExclusiveStartKey")? {
        let start_key = read::start_key(&state, index, &start)?;
        // A parallel Scan resumes inside its own segment only.
        let segment = (lower.as_ref(), upper.as_ref());
        if !std::ops::RangeBounds::<Vec<u8>>::contains(&segment, &start_key) {
            return Err(ApiError::validation(
                "The provided Exclusive start key does not map to the provided segment",
            ));
        }
        lower = Bound::Excluded(start_key);
    }
    let page = PageRequest::new(
        index,
        lower,
        upper,
        true,
        filter.as_ref(),
        projection.as_ref(),
        select,
    );
    read::answer(engine, &state, req, page, None, &[])
}

#[cfg(test)]
mod tests {
    use super::segment_bounds;

    #[test]
    fn segments_tile_the_hash_space() {
        let (first, _) = segment_bounds(0, 3);
        assert_eq!(first, vec![0; 8]);
        let (_, last_upper) = segment_bounds(2, 3);
        assert!(last_upper.is_none());
        let (_, a_upper) = segment_bounds(0, 3);
        let (b_lower, _) = segment_bounds(1, 3);
        assert_eq!(a_upper.unwrap(), b_lower);
    }
}
