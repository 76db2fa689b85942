//! The legacy (pre-expression) parameters, converted to the same AST as expressions so
//! evaluation is shared: `Expected` + `ConditionalOperator`, `QueryFilter` / `ScanFilter`,
//! `KeyConditions`, `AttributeUpdates` and `AttributesToGet`.
//!
//! Inputs are plain Rust structs holding decoded values; each has a `from_json` helper that
//! decodes the (already shape-checked) request member with `AttributeValue::from_json`.
//! Validation messages are DynamoDB's (as recorded by dynalite's tests).

use std::collections::HashSet;

use dynolab_model::{AttributeValue, ValueType};
use serde_json::{Map, Value};

use crate::ast::{CmpOp, Cond, Operand, Path, UpdateAction};
use crate::error::ExprError;
use crate::keycond::{KeyConditionAst, KeyConditionPart, KeyOp};
use crate::{Condition, Projection, Update};

fn invalid(detail: impl std::fmt::Display) -> ExprError {
    ExprError::Legacy(format!(
        "One or more parameter values were invalid: {detail}"
    ))
}

fn decode(v: &Value) -> Result<AttributeValue, ExprError> {
    AttributeValue::from_json(v).map_err(ExprError::Legacy)
}

fn decode_list(v: Option<&Value>) -> Result<Option<Vec<AttributeValue>>, ExprError> {
    match v.and_then(Value::as_array) {
        None => Ok(None),
        Some(list) => list
            .iter()
            .map(decode)
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
    }
}

/// One entry of `Expected`.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct ExpectedAttr {
    pub value: Option<AttributeValue>,
    pub exists: Option<bool>,
    pub comparison_operator: Option<String>,
    pub attribute_value_list: Option<Vec<AttributeValue>>,
}

/// One entry of `QueryFilter`, `ScanFilter` or `KeyConditions`.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct FilterCondition {
    pub comparison_operator: String,
    pub attribute_value_list: Vec<AttributeValue>,
}

/// One entry of `AttributeUpdates`. `action` is `PUT` (the default), `ADD` or `DELETE`.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct AttributeUpdate {
    pub action: Option<String>,
    pub value: Option<AttributeValue>,
}

impl ExpectedAttr {
    /// Decodes `Expected` (attribute name to `ExpectedAttributeValue`).
    pub fn from_json(map: &Map<String, Value>) -> Result<Vec<(String, ExpectedAttr)>, ExprError> {
        map.iter()
            .map(|(k, v)| {
                if v.is_null() {
                    return Err(invalid(format!(
                        "ExpectedAttributeValue must not be null for Attribute: {k}"
                    )));
                }
                let o = v.as_object().cloned().unwrap_or_default();
                Ok((
                    k.clone(),
                    ExpectedAttr {
                        value: o
                            .get("Value")
                            .filter(|v| !v.is_null())
                            .map(decode)
                            .transpose()?,
                        exists: o.get("Exists").and_then(Value::as_bool),
                        comparison_operator: o
                            .get("ComparisonOperator")
                            .and_then(Value::as_str)
                            .map(str::to_string),
                        attribute_value_list: decode_list(o.get("AttributeValueList"))?,
                    },
                ))
            })
            .collect()
    }
}

impl FilterCondition {
    /// Decodes a `QueryFilter` / `ScanFilter` / `KeyConditions` map.
    pub fn from_json(
        map: &Map<String, Value>,
    ) -> Result<Vec<(String, FilterCondition)>, ExprError> {
        map.iter()
            .map(|(k, v)| {
                if v.is_null() {
                    return Err(ExprError::Legacy(format!(
                        "The filter condition for an attribute cannot be null: {k}"
                    )));
                }
                let o = v.as_object().cloned().unwrap_or_default();
                Ok((
                    k.clone(),
                    FilterCondition {
                        comparison_operator: o
                            .get("ComparisonOperator")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        attribute_value_list: decode_list(o.get("AttributeValueList"))?
                            .unwrap_or_default(),
                    },
                ))
            })
            .collect()
    }
}

impl AttributeUpdate {
    /// Decodes `AttributeUpdates`.
    pub fn from_json(
        map: &Map<String, Value>,
    ) -> Result<Vec<(String, AttributeUpdate)>, ExprError> {
        map.iter()
            .map(|(k, v)| {
                let o = v.as_object().cloned().unwrap_or_default();
                Ok((
                    k.clone(),
                    AttributeUpdate {
                        action: o.get("Action").and_then(Value::as_str).map(str::to_string),
                        value: o
                            .get("Value")
                            .filter(|v| !v.is_null())
                            .map(decode)
                            .transpose()?,
                    },
                ))
            })
            .collect()
    }
}

/// Number of values each operator takes: `(min, max)`.
fn arg_count(op: &str) -> Option<(usize, usize)> {
    Some(match op {
        "NULL" | "NOT_NULL" => (0, 0),
        "EQ" | "NE" | "LE" | "LT" | "GE" | "GT" | "CONTAINS" | "NOT_CONTAINS" | "BEGINS_WITH" => {
            (1, 1)
        }
        "IN" => (1, usize::MAX),
        "BETWEEN" => (2, 2),
        _ => return None,
    })
}

/// The value types an operator takes; empty for any (EQ and NE: "supported for all data types,
/// including lists and maps", the API Reference's `Condition`).
fn allowed_types(op: &str) -> &'static [ValueType] {
    use ValueType::*;
    match op {
        "LE" | "LT" | "GE" | "GT" | "CONTAINS" | "NOT_CONTAINS" | "IN" | "BETWEEN" => &[S, N, B],
        "BEGINS_WITH" => &[S, B],
        _ => &[],
    }
}

/// Each operator takes values of some types only (the API Reference's `Condition`), in
/// `Expected` as in the filters.
fn check_types(op: &str, list: &[AttributeValue]) -> Result<(), ExprError> {
    let allowed = allowed_types(op);
    if !allowed.is_empty()
        && let Some(bad) = list.iter().find(|v| !allowed.contains(&v.value_type()))
    {
        return Err(invalid(format!(
            "ComparisonOperator {op} is not valid for {} AttributeValue type",
            bad.value_type().as_str()
        )));
    }
    Ok(())
}

fn same_type(list: &[AttributeValue]) -> Result<(), ExprError> {
    if let Some(first) = list.first()
        && list.iter().any(|v| v.value_type() != first.value_type())
    {
        return Err(invalid(
            "AttributeValues inside AttributeValueList must be of same type",
        ));
    }
    Ok(())
}

fn between_order(list: &[AttributeValue]) -> Result<(), ExprError> {
    if let [lo, hi] = list
        && lo.compare(hi) == Some(std::cmp::Ordering::Greater)
    {
        return Err(ExprError::Legacy(
            "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound".into(),
        ));
    }
    Ok(())
}

fn arg_count_error(op: &str) -> ExprError {
    invalid(format!(
        "Invalid number of argument(s) for the {op} ComparisonOperator"
    ))
}

/// Validates one `QueryFilter` / `ScanFilter` / `KeyConditions` entry.
fn validate_filter(f: &FilterCondition) -> Result<(), ExprError> {
    let op = f.comparison_operator.as_str();
    let list = &f.attribute_value_list;
    let (min, max) = arg_count(op).ok_or_else(|| arg_count_error(op))?;
    if list.len() < min || list.len() > max {
        return Err(arg_count_error(op));
    }
    same_type(list)?;
    check_types(op, list)?;
    if op == "BETWEEN" {
        between_order(list)?;
    }
    Ok(())
}

/// The condition for `attr <op> values` (already validated).
fn comparison(attr: &str, op: &str, values: &[AttributeValue]) -> Cond {
    let path = Path::attr(attr);
    let p = || Operand::Path(path.clone());
    let v = |i: usize| Operand::Value(values.get(i).cloned().unwrap_or(AttributeValue::Null));
    match op {
        "NULL" => Cond::AttributeNotExists(path),
        "NOT_NULL" => Cond::AttributeExists(path),
        "NE" => Cond::Cmp(CmpOp::Ne, p(), v(0)),
        "LE" => Cond::Cmp(CmpOp::Le, p(), v(0)),
        "LT" => Cond::Cmp(CmpOp::Lt, p(), v(0)),
        "GE" => Cond::Cmp(CmpOp::Ge, p(), v(0)),
        "GT" => Cond::Cmp(CmpOp::Gt, p(), v(0)),
        "CONTAINS" => Cond::Contains(p(), v(0)),
        "NOT_CONTAINS" => Cond::Not(Box::new(Cond::Contains(p(), v(0)))),
        "BEGINS_WITH" => Cond::BeginsWith(p(), v(0)),
        "IN" => Cond::In(p(), values.iter().cloned().map(Operand::Value).collect()),
        "BETWEEN" => Cond::Between(p(), v(0), v(1)),
        _ => Cond::Cmp(CmpOp::Eq, p(), v(0)),
    }
}

fn combine(conds: Vec<Cond>, conditional_operator: Option<&str>) -> Cond {
    let or = conditional_operator == Some("OR");
    conds
        .into_iter()
        .rev()
        .reduce(|acc, c| {
            if or {
                Cond::Or(Box::new(c), Box::new(acc))
            } else {
                Cond::And(Box::new(c), Box::new(acc))
            }
        })
        .unwrap_or(Cond::True)
}

/// `Expected` + `ConditionalOperator` to a condition.
pub fn expected(
    entries: &[(String, ExpectedAttr)],
    conditional_operator: Option<&str>,
) -> Result<Condition, ExprError> {
    let mut conds = Vec::with_capacity(entries.len());
    for (key, e) in entries {
        if e.attribute_value_list.is_some() && e.value.is_some() {
            return Err(invalid(format!(
                "Value and AttributeValueList cannot be used together for Attribute: {key}"
            )));
        }
        if let Some(op) = &e.comparison_operator {
            if e.exists.is_some() {
                return Err(invalid(format!(
                    "Exists and ComparisonOperator cannot be used together for Attribute: {key}"
                )));
            }
            if op != "NULL"
                && op != "NOT_NULL"
                && e.attribute_value_list.is_none()
                && e.value.is_none()
            {
                return Err(invalid(format!(
                    "Value or AttributeValueList must be used with ComparisonOperator: {op} for Attribute: {key}"
                )));
            }
            let values: Vec<AttributeValue> = match (&e.attribute_value_list, &e.value) {
                (Some(l), _) => l.clone(),
                (None, Some(v)) => vec![v.clone()],
                (None, None) => vec![],
            };
            let (min, max) = arg_count(op).ok_or_else(|| arg_count_error(op))?;
            if values.len() < min || values.len() > max {
                return Err(arg_count_error(op));
            }
            if e.attribute_value_list.is_some() {
                same_type(&values)?;
            }
            check_types(op, &values)?;
            if e.attribute_value_list.is_some() && op == "BETWEEN" {
                between_order(&values)?;
            }
            conds.push(comparison(key, op, &values));
        } else if e.attribute_value_list.is_some() {
            return Err(invalid(format!(
                "AttributeValueList can only be used with a ComparisonOperator for Attribute: {key}"
            )));
        } else {
            let exists = e.exists.unwrap_or(true);
            match (&e.value, exists) {
                (None, true) => {
                    let shown = e.exists.map_or("null".to_string(), |b| b.to_string());
                    return Err(invalid(format!(
                        "Value must be provided when Exists is {shown} for Attribute: {key}"
                    )));
                }
                (Some(_), false) => {
                    return Err(invalid(format!(
                        "Value cannot be used when Exists is false for Attribute: {key}"
                    )));
                }
                (Some(v), true) => conds.push(comparison(key, "EQ", std::slice::from_ref(v))),
                (None, false) => conds.push(Cond::AttributeNotExists(Path::attr(key.clone()))),
            }
        }
    }
    Ok(Condition::from_ast(combine(conds, conditional_operator)))
}

/// `QueryFilter` / `ScanFilter` + `ConditionalOperator` to a condition.
pub fn filter(
    entries: &[(String, FilterCondition)],
    conditional_operator: Option<&str>,
) -> Result<Condition, ExprError> {
    let mut conds = Vec::with_capacity(entries.len());
    for (key, f) in entries {
        validate_filter(f)?;
        conds.push(comparison(
            key,
            &f.comparison_operator,
            &f.attribute_value_list,
        ));
    }
    Ok(Condition::from_ast(combine(conds, conditional_operator)))
}

/// `KeyConditions` to a key condition (resolve it with [`KeyConditionAst::resolve`]).
pub fn key_conditions(entries: &[(String, FilterCondition)]) -> Result<KeyConditionAst, ExprError> {
    let mut parts = Vec::with_capacity(entries.len());
    for (key, f) in entries {
        validate_filter(f)?;
        let op = match f.comparison_operator.as_str() {
            "EQ" => KeyOp::Eq,
            "LT" => KeyOp::Lt,
            "LE" => KeyOp::Le,
            "GT" => KeyOp::Gt,
            "GE" => KeyOp::Ge,
            "BETWEEN" => KeyOp::Between,
            "BEGINS_WITH" => KeyOp::BeginsWith,
            "NE" => KeyOp::Ne,
            "NULL" => KeyOp::Null,
            "NOT_NULL" => KeyOp::NotNull,
            "CONTAINS" => KeyOp::Contains,
            "NOT_CONTAINS" => KeyOp::NotContains,
            _ => KeyOp::In,
        };
        parts.push(KeyConditionPart {
            attr: key.clone(),
            op,
            values: f.attribute_value_list.clone(),
        });
    }
    if parts.is_empty() || parts.len() > 2 {
        return Err(ExprError::KeyCondition(
            "Conditions can be of length 1 or 2 only".into(),
        ));
    }
    Ok(KeyConditionAst { parts })
}

/// `AttributeUpdates` to an update.
pub fn attribute_updates(entries: &[(String, AttributeUpdate)]) -> Result<Update, ExprError> {
    let mut actions = Vec::with_capacity(entries.len());
    for (key, u) in entries {
        let action = u.action.as_deref().unwrap_or("PUT");
        let ty = u.value.as_ref().map(|v| v.value_type());
        match (action, &u.value) {
            ("DELETE", None) => actions.push(UpdateAction::Remove(Path::attr(key.clone()))),
            (_, None) => {
                return Err(invalid(
                    "Only DELETE action is allowed when no attribute value is specified",
                ));
            }
            ("DELETE", Some(v)) => {
                if !matches!(ty, Some(ValueType::Ss | ValueType::Ns | ValueType::Bs)) {
                    return Err(invalid(format!(
                        "DELETE action with value is not supported for the type {}",
                        v.value_type().as_str()
                    )));
                }
                actions.push(UpdateAction::LegacyDelete(key.clone(), v.clone()));
            }
            ("ADD", Some(v)) => {
                if !matches!(
                    ty,
                    Some(
                        ValueType::L | ValueType::Ss | ValueType::Ns | ValueType::Bs | ValueType::N
                    )
                ) {
                    return Err(invalid(format!(
                        "ADD action is not supported for the type {}",
                        v.value_type().as_str()
                    )));
                }
                actions.push(UpdateAction::LegacyAdd(key.clone(), v.clone()));
            }
            (_, Some(v)) => actions.push(UpdateAction::Set(
                Path::attr(key.clone()),
                crate::ast::SetValue::Operand(crate::ast::SetOperand::Value(v.clone())),
            )),
        }
    }
    Ok(Update::from_actions(actions))
}

/// `AttributesToGet` to a projection.
pub fn attributes_to_get(names: &[String]) -> Result<Projection, ExprError> {
    let mut seen = HashSet::new();
    for n in names {
        if !seen.insert(n.as_str()) {
            return Err(invalid(format!("Duplicate value in attribute name: {n}")));
        }
    }
    Ok(Projection::from_paths(
        names.iter().map(|n| Path::attr(n.clone())).collect(),
    ))
}
