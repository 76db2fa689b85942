//! Key conditions: the restricted condition of a Query (`pk = :v [AND <sort-key condition>]`),
//! its shape checks, and resolution against the table's (or index's) key schema into a hash
//! value plus an optional range condition for a range scan.

use dynolab_model::AttributeValue;

use crate::ast::{CmpOp, Cond, Operand};
use crate::error::ExprError;
use crate::eval::{begins_with, compare};

/// The operator of one key condition. The last six only come from legacy `KeyConditions`
/// and are rejected by [`KeyConditionAst::resolve`] as not indexable.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum KeyOp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
    Between,
    BeginsWith,
    Ne,
    Null,
    NotNull,
    Contains,
    NotContains,
    In,
}

impl KeyOp {
    fn from_cmp(op: CmpOp) -> KeyOp {
        match op {
            CmpOp::Eq => KeyOp::Eq,
            CmpOp::Ne => KeyOp::Ne,
            CmpOp::Lt => KeyOp::Lt,
            CmpOp::Le => KeyOp::Le,
            CmpOp::Gt => KeyOp::Gt,
            CmpOp::Ge => KeyOp::Ge,
        }
    }
}

/// One condition on one key attribute.
#[derive(Clone, PartialEq, Debug)]
pub struct KeyConditionPart {
    pub attr: String,
    pub op: KeyOp,
    pub values: Vec<AttributeValue>,
}

/// A parsed key condition, not yet matched to a key schema.
#[derive(Clone, PartialEq, Debug)]
pub struct KeyConditionAst {
    pub parts: Vec<KeyConditionPart>,
}

/// A key condition resolved against the key schema.
#[derive(Clone, PartialEq, Debug)]
pub struct KeyCondition {
    pub hash_value: AttributeValue,
    pub range: Option<RangeCondition>,
}

/// The sort-key condition, with values resolved.
#[derive(Clone, PartialEq, Debug)]
pub enum RangeCondition {
    Eq(AttributeValue),
    Lt(AttributeValue),
    Le(AttributeValue),
    Gt(AttributeValue),
    Ge(AttributeValue),
    Between(AttributeValue, AttributeValue),
    BeginsWith(AttributeValue),
}

impl RangeCondition {
    /// Whether a sort-key value satisfies the condition (type mismatches are false).
    pub fn matches(&self, v: &AttributeValue) -> bool {
        let c = |op, w: &AttributeValue| compare(op, Some(v), Some(w));
        match self {
            RangeCondition::Eq(w) => c(CmpOp::Eq, w),
            RangeCondition::Lt(w) => c(CmpOp::Lt, w),
            RangeCondition::Le(w) => c(CmpOp::Le, w),
            RangeCondition::Gt(w) => c(CmpOp::Gt, w),
            RangeCondition::Ge(w) => c(CmpOp::Ge, w),
            RangeCondition::Between(lo, hi) => c(CmpOp::Ge, lo) && c(CmpOp::Le, hi),
            RangeCondition::BeginsWith(p) => begins_with(v, p),
        }
    }

    /// The values the condition mentions (for the engine's type check against the schema).
    pub fn values(&self) -> Vec<&AttributeValue> {
        match self {
            RangeCondition::Between(a, b) => vec![a, b],
            RangeCondition::Eq(v)
            | RangeCondition::Lt(v)
            | RangeCondition::Le(v)
            | RangeCondition::Gt(v)
            | RangeCondition::Ge(v)
            | RangeCondition::BeginsWith(v) => vec![v],
        }
    }
}

fn kc(msg: impl Into<String>) -> ExprError {
    ExprError::KeyCondition(msg.into())
}

fn invalid_op(name: &str) -> ExprError {
    kc(format!(
        "Invalid operator used in KeyConditionExpression: {name}"
    ))
}

/// Converts a resolved condition into key-condition parts, with DynamoDB's shape messages.
pub(crate) fn from_cond(cond: &Cond) -> Result<KeyConditionAst, ExprError> {
    let mut parts = Vec::new();
    collect(cond, &mut parts)?;
    if parts.is_empty() || parts.len() > 2 {
        return Err(kc("Conditions can be of length 1 or 2 only"));
    }
    Ok(KeyConditionAst { parts })
}

fn collect(cond: &Cond, parts: &mut Vec<KeyConditionPart>) -> Result<(), ExprError> {
    let (op, args): (KeyOp, Vec<&Operand>) = match cond {
        Cond::And(a, b) => {
            collect(a, parts)?;
            return collect(b, parts);
        }
        Cond::Or(..) => return Err(invalid_op("OR")),
        Cond::Not(..) => return Err(invalid_op("NOT")),
        Cond::In(..) => return Err(invalid_op("IN")),
        Cond::Cmp(CmpOp::Ne, ..) => return Err(invalid_op("<>")),
        Cond::AttributeExists(_) => return Err(invalid_op("attribute_exists")),
        Cond::AttributeNotExists(_) => return Err(invalid_op("attribute_not_exists")),
        Cond::AttributeType(..) => return Err(invalid_op("attribute_type")),
        Cond::Contains(..) => return Err(invalid_op("contains")),
        Cond::True => return Ok(()),
        Cond::Between(x, lo, hi) => {
            if !matches!(x, Operand::Path(_)) {
                return Err(kc(
                    "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand",
                ));
            }
            (KeyOp::Between, vec![x, lo, hi])
        }
        Cond::BeginsWith(a, b) => {
            if !matches!(a, Operand::Path(_)) {
                return Err(kc(
                    "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand",
                ));
            }
            (KeyOp::BeginsWith, vec![a, b])
        }
        Cond::Cmp(op, a, b) => (KeyOp::from_cmp(*op), vec![a, b]),
    };
    let mut attr: Option<(String, usize)> = None;
    let mut values = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        match arg {
            Operand::Path(p) => {
                if attr.is_some() {
                    return Err(kc(
                        "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
                    ));
                }
                if p.is_nested() {
                    return Err(kc(
                        "KeyConditionExpressions cannot have conditions on nested attributes",
                    ));
                }
                attr = Some((p.head().to_string(), i));
            }
            Operand::Size(_) => {
                return Err(kc(
                    "KeyConditionExpressions cannot contain nested operations",
                ));
            }
            Operand::Value(v) => values.push(v.clone()),
        }
    }
    let Some((name, ix)) = attr else {
        return Err(kc(
            "Invalid condition in KeyConditionExpression: No key attribute specified",
        ));
    };
    if parts.iter().any(|p| p.attr == name) {
        return Err(kc(
            "KeyConditionExpressions must only contain one condition per key",
        ));
    }
    let op = match (ix, cond) {
        (0, _) => op,
        (_, Cond::Cmp(c, ..)) => KeyOp::from_cmp(c.flipped()),
        _ => op,
    };
    parts.push(KeyConditionPart {
        attr: name,
        op,
        values,
    });
    Ok(())
}

impl KeyConditionAst {
    /// The condition on `attr`, if any.
    pub fn part(&self, attr: &str) -> Option<&KeyConditionPart> {
        self.parts.iter().find(|p| p.attr == attr)
    }

    /// Matches the conditions to the key schema (`hash_key`, optional `range_key`).
    /// Value types are left to the caller, which knows the attribute definitions.
    pub fn resolve(
        &self,
        hash_key: &str,
        range_key: Option<&str>,
    ) -> Result<KeyCondition, ExprError> {
        let n = self.parts.len();
        if range_key.is_none() && n > 1 {
            return Err(kc("Query key condition not supported"));
        }
        let Some(hash) = self.part(hash_key) else {
            return Err(kc(format!(
                "Query condition missed key schema element: {hash_key}"
            )));
        };
        check_indexable(hash)?;
        if hash.op != KeyOp::Eq {
            return Err(kc("Query key condition not supported"));
        }
        let hash_value = first_value(hash)?;
        let range = match range_key {
            None => None,
            Some(rk) => match self.part(rk) {
                None if n > 1 => {
                    return Err(kc(format!(
                        "Query condition missed key schema element: {rk}"
                    )));
                }
                None => None,
                Some(p) => {
                    check_indexable(p)?;
                    let v = first_value(p)?;
                    Some(match p.op {
                        KeyOp::Eq => RangeCondition::Eq(v),
                        KeyOp::Lt => RangeCondition::Lt(v),
                        KeyOp::Le => RangeCondition::Le(v),
                        KeyOp::Gt => RangeCondition::Gt(v),
                        KeyOp::Ge => RangeCondition::Ge(v),
                        KeyOp::BeginsWith => RangeCondition::BeginsWith(v),
                        _ => {
                            let hi = p
                                .values
                                .get(1)
                                .cloned()
                                .ok_or_else(|| kc("Query key condition not supported"))?;
                            RangeCondition::Between(v, hi)
                        }
                    })
                }
            },
        };
        Ok(KeyCondition { hash_value, range })
    }
}

fn check_indexable(p: &KeyConditionPart) -> Result<(), ExprError> {
    if matches!(
        p.op,
        KeyOp::Ne | KeyOp::Null | KeyOp::NotNull | KeyOp::Contains | KeyOp::NotContains | KeyOp::In
    ) {
        return Err(kc(
            "Attempted conditional constraint is not an indexable operation",
        ));
    }
    Ok(())
}

fn first_value(p: &KeyConditionPart) -> Result<AttributeValue, ExprError> {
    p.values
        .first()
        .cloned()
        .ok_or_else(|| kc("Query key condition not supported"))
}
