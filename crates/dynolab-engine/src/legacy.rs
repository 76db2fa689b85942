//! The pre-expression parameters older code still sends (`Expected`, `QueryFilter`,
//! `ScanFilter`, `KeyConditions`, `AttributeUpdates`, `AttributesToGet`): their request shapes,
//! DynamoDB's validation of them, and their conversion to the expression AST of
//! `dynolab_expr::legacy`, so evaluation is shared with the expression forms.

use dynolab_expr::legacy::{self, AttributeUpdate, ExpectedAttr, FilterCondition};
use dynolab_expr::{Condition, ExprError, KeyCondition, Projection, Update};
use dynolab_model::ApiError;
use dynolab_model::wire::{COMPARISON_OPERATORS, Check, Checked, Ty, field};
use serde_json::{Map, Value};

/// `Expected`: attribute name → `ExpectedAttributeValue`.
pub(crate) const EXPECTED: Ty = Ty::Map(
    "ExpectedAttributeValue",
    &Ty::Struct(
        "ExpectedAttributeValue",
        &[
            field("AttributeValueList", Ty::List(&Ty::Attr, &[]), &[]),
            field(
                "ComparisonOperator",
                Ty::String,
                &[Check::Enum(COMPARISON_OPERATORS)],
            ),
            field("Exists", Ty::Boolean, &[]),
            field("Value", Ty::AttrField, &[]),
        ],
    ),
    &[Check::KeepsNull],
);

/// `QueryFilter`, `ScanFilter` and `KeyConditions`: attribute name → `Condition`.
pub(crate) const CONDITIONS: Ty = Ty::Map(
    "Condition",
    &Ty::Struct(
        "Condition",
        &[
            field("AttributeValueList", Ty::List(&Ty::Attr, &[]), &[]),
            field(
                "ComparisonOperator",
                Ty::String,
                &[Check::NotNull, Check::Enum(COMPARISON_OPERATORS)],
            ),
        ],
    ),
    &[Check::KeepsNull],
);

/// `AttributeUpdates`: attribute name → `AttributeValueUpdate`.
pub(crate) const ATTRIBUTE_UPDATES: Ty = Ty::Map(
    "AttributeValueUpdate",
    &Ty::Struct(
        "AttributeValueUpdate",
        &[
            field(
                "Action",
                Ty::String,
                &[Check::Enum(&["ADD", "PUT", "DELETE"])],
            ),
            field("Value", Ty::AttrField, &[]),
        ],
    ),
    &[],
);

fn invalid(e: ExprError) -> ApiError {
    ApiError::validation(e.to_string())
}

fn map_field<'a>(req: &'a Map<String, Value>, name: &str) -> Option<&'a Map<String, Value>> {
    req.obj_field(name)
}

/// `Expected` (+ `ConditionalOperator`) as a condition; `None` when absent.
pub(crate) fn expected(req: &Map<String, Value>) -> Result<Option<Condition>, ApiError> {
    let Some(map) = map_field(req, "Expected") else {
        return Ok(None);
    };
    let entries = ExpectedAttr::from_json(map).map_err(invalid)?;
    legacy::expected(&entries, req.str_field("ConditionalOperator"))
        .map(Some)
        .map_err(invalid)
}

/// Validates `Expected` at the point DynamoDB does (before the expressions are parsed).
pub(crate) fn check_expected(req: &Map<String, Value>) -> Result<(), ApiError> {
    check_conditional_operator(req, "Expected")?;
    expected(req).map(|_| ())
}

/// `ConditionalOperator` means nothing without the conditions it joins: DynamoDB refuses it
/// (dynalite's tests, recorded against DynamoDB: "ConditionalOperator cannot be used without
/// Filter or Expected").
fn check_conditional_operator(req: &Map<String, Value>, joined: &str) -> Result<(), ApiError> {
    if !req.contains_key("ConditionalOperator") {
        return Ok(());
    }
    match map_field(req, joined) {
        None if !req.contains_key(joined) => Err(ApiError::validation(
            "ConditionalOperator cannot be used without Filter or Expected",
        )),
        // DynamoDB Local 1.25.1's answer (found by tests/differential): the operator joins two
        // or more conditions.
        Some(map) if map.len() < 2 => Err(ApiError::validation(
            "ConditionalOperator can only be used when Filter or Expected has two or more elements",
        )),
        _ => Ok(()),
    }
}

/// `QueryFilter` / `ScanFilter` (+ `ConditionalOperator`) as a condition.
pub(crate) fn filter(req: &Map<String, Value>, name: &str) -> Result<Option<Condition>, ApiError> {
    let Some(map) = map_field(req, name) else {
        return Ok(None);
    };
    let entries = FilterCondition::from_json(map).map_err(invalid)?;
    legacy::filter(&entries, req.str_field("ConditionalOperator"))
        .map(Some)
        .map_err(invalid)
}

pub(crate) fn check_conditions(req: &Map<String, Value>, name: &str) -> Result<(), ApiError> {
    check_conditional_operator(req, name)?;
    filter(req, name).map(|_| ())
}

/// `KeyConditions` resolved against the key schema of the table or index queried.
pub(crate) fn key_conditions(
    req: &Map<String, Value>,
    hash: &str,
    range: Option<&str>,
) -> Result<KeyCondition, ApiError> {
    let map = map_field(req, "KeyConditions").cloned().unwrap_or_default();
    let entries = FilterCondition::from_json(&map).map_err(invalid)?;
    let ast = legacy::key_conditions(&entries).map_err(invalid)?;
    ast.resolve(hash, range).map_err(invalid)
}

/// `AttributeUpdates` as an update; `None` when absent.
pub(crate) fn attribute_updates(req: &Map<String, Value>) -> Result<Option<Update>, ApiError> {
    let Some(map) = map_field(req, "AttributeUpdates") else {
        return Ok(None);
    };
    let entries = AttributeUpdate::from_json(map).map_err(invalid)?;
    legacy::attribute_updates(&entries)
        .map(Some)
        .map_err(invalid)
}

pub(crate) fn check_attribute_updates(req: &Map<String, Value>) -> Result<(), ApiError> {
    attribute_updates(req).map(|_| ())
}

fn names(req: &Map<String, Value>) -> Option<Vec<String>> {
    req.list_field("AttributesToGet").map(|l| {
        l.iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    })
}

/// `AttributesToGet` as a projection; `None` when absent.
pub(crate) fn attributes_to_get(req: &Map<String, Value>) -> Option<Projection> {
    names(req).and_then(|n| legacy::attributes_to_get(&n).ok())
}

pub(crate) fn check_attributes_to_get(req: &Map<String, Value>) -> Result<(), ApiError> {
    match names(req) {
        Some(n) => legacy::attributes_to_get(&n).map(|_| ()).map_err(invalid),
        None => Ok(()),
    }
}
