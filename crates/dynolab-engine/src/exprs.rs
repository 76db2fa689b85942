//! The expression parameters of one request, parsed together so that placeholder usage is
//! checked across all of them, in DynamoDB's order (Update, Condition, KeyCondition, Filter,
//! Projection), with the "can not use both expression and non-expression parameters" rules.

use std::collections::HashMap;

use dynolab_expr::{Condition, ConditionKind, KeyConditionAst, Params, Projection, Update};
use dynolab_model::wire::Checked;
use dynolab_model::{ApiError, AttributeValue};
use serde_json::{Map, Value};

#[derive(Default)]
pub(crate) struct Expressions {
    pub update: Option<Update>,
    pub condition: Option<Condition>,
    pub key_condition: Option<KeyConditionAst>,
    pub filter: Option<Condition>,
    pub projection: Option<Projection>,
}

impl Expressions {
    /// The top-level attributes under which some expression of the request names a nested
    /// path (`a.b`, `a[0]`), in DynamoDB's order: update, condition, filter, projection.
    pub(crate) fn nested_heads(&self) -> Vec<String> {
        let mut heads = Vec::new();
        if let Some(u) = &self.update {
            heads.extend(u.nested_path_heads());
        }
        for c in [&self.condition, &self.filter].into_iter().flatten() {
            heads.extend(c.nested_path_heads());
        }
        if let Some(p) = &self.projection {
            heads.extend(p.nested_path_heads());
        }
        heads
    }
}

/// DynamoDB refuses a nested path under a key attribute of the table (`Key: a`) or of any of
/// its indexes (`IndexKey: a`), in any expression: key attributes are scalars (dynalite's
/// tests, recorded against DynamoDB; issue 20, item 3).
pub(crate) fn check_key_paths(
    meta: &crate::table::TableMeta,
    nested_heads: &[String],
) -> Result<(), ApiError> {
    let message = |kind: &str, name: &str| {
        ApiError::validation(format!(
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: {kind}: {name}"
        ))
    };
    for head in nested_heads {
        if meta.key_schema.names().any(|k| k == head) {
            return Err(message("Key", head));
        }
        if meta
            .indexes()
            .any(|i| i.key_schema.names().any(|k| k == head))
        {
            return Err(message("IndexKey", head));
        }
    }
    Ok(())
}

fn is_placeholder(key: &str, sigil: char) -> bool {
    let mut chars = key.chars();
    chars.next() == Some(sigil)
        && key.len() > 1
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// DynamoDB's order of checks: the expression/non-expression parameter rules, then the
/// operation's own checks (`custom`), then the expressions themselves.
pub(crate) fn parse_with<T>(
    req: &Map<String, Value>,
    expressions: &[&str],
    legacy: &[&str],
    custom: impl FnOnce() -> Result<T, ApiError>,
) -> Result<(T, Expressions), ApiError> {
    check_params(req, expressions, legacy)?;
    let value = custom()?;
    Ok((value, parse(req)?))
}

/// `expressions` are the expression parameters the operation supports; `legacy` its
/// non-expression parameters that must not be mixed with them.
fn check_params(
    req: &Map<String, Value>,
    expressions: &[&str],
    legacy: &[&str],
) -> Result<(), ApiError> {
    let used: Vec<&str> = expressions
        .iter()
        .copied()
        .filter(|e| req.contains_key(*e))
        .collect();
    if !used.is_empty() {
        let key_conditions_alone =
            req.contains_key("KeyConditions") && !req.contains_key("KeyConditionExpression");
        let mixed: Vec<&str> = legacy
            .iter()
            .copied()
            .filter(|l| req.contains_key(*l) && !(key_conditions_alone && *l == "KeyConditions"))
            .collect();
        if !mixed.is_empty() {
            return Err(ApiError::validation(format!(
                "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
                mixed.join(", "),
                used.join(", ")
            )));
        }
    }
    if req.contains_key("ExpressionAttributeNames") && used.is_empty() {
        return Err(ApiError::validation(
            "ExpressionAttributeNames can only be specified when using expressions",
        ));
    }
    let value_exprs: Vec<&str> = expressions
        .iter()
        .copied()
        .filter(|e| *e != "ProjectionExpression")
        .collect();
    if !value_exprs.is_empty()
        && req.contains_key("ExpressionAttributeValues")
        && value_exprs.iter().all(|e| !req.contains_key(*e))
    {
        return Err(ApiError::validation(format!(
            "ExpressionAttributeValues can only be specified when using expressions: {} {} null",
            value_exprs.join(" and "),
            if value_exprs.len() > 1 { "are" } else { "is" }
        )));
    }
    Ok(())
}

/// Parses every expression parameter present, sharing one placeholder context.
fn parse(req: &Map<String, Value>) -> Result<Expressions, ApiError> {
    let mut params = params(req)?;
    let mut out = Expressions::default();
    let invalid = |e: dynolab_expr::ExprError| ApiError::validation(e.to_string());
    if let Some(text) = req.str_field("UpdateExpression") {
        out.update = Some(dynolab_expr::parse_update(text, &mut params).map_err(invalid)?);
    }
    if let Some(text) = req.str_field("ConditionExpression") {
        out.condition = Some(
            dynolab_expr::parse_condition(text, ConditionKind::Condition, &mut params)
                .map_err(invalid)?,
        );
    }
    if let Some(text) = req.str_field("KeyConditionExpression") {
        out.key_condition =
            Some(dynolab_expr::parse_key_condition(text, &mut params).map_err(invalid)?);
    }
    if let Some(text) = req.str_field("FilterExpression") {
        out.filter = Some(
            dynolab_expr::parse_condition(text, ConditionKind::Filter, &mut params)
                .map_err(invalid)?,
        );
    }
    if let Some(text) = req.str_field("ProjectionExpression") {
        out.projection = Some(dynolab_expr::parse_projection(text, &mut params).map_err(invalid)?);
    }
    params.check_unused().map_err(invalid)?;
    Ok(out)
}

fn params(req: &Map<String, Value>) -> Result<Params, ApiError> {
    let mut names = None;
    if let Some(map) = req.obj_field("ExpressionAttributeNames") {
        if map.is_empty() {
            return Err(ApiError::validation(
                "ExpressionAttributeNames must not be empty",
            ));
        }
        let mut out = HashMap::new();
        for (k, v) in map {
            if !is_placeholder(k, '#') {
                return Err(ApiError::validation(format!(
                    "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{k}\""
                )));
            }
            out.insert(k.clone(), v.as_str().unwrap_or_default().to_string());
        }
        for (k, v) in map {
            dynolab_model::value::check_attribute_name(v.as_str().unwrap_or_default()).map_err(
                |why| {
                    ApiError::validation(format!(
                        "ExpressionAttributeNames contains invalid value: {why} for key {k}"
                    ))
                },
            )?;
        }
        names = Some(out);
    }
    let mut values = None;
    if let Some(map) = req.obj_field("ExpressionAttributeValues") {
        if map.is_empty() {
            return Err(ApiError::validation(
                "ExpressionAttributeValues must not be empty",
            ));
        }
        for k in map.keys() {
            if !is_placeholder(k, ':') {
                return Err(ApiError::validation(format!(
                    "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{k}\""
                )));
            }
        }
        let mut out = HashMap::new();
        for (k, v) in map {
            let value = AttributeValue::from_json(v).map_err(|msg| {
                ApiError::validation(format!(
                    "ExpressionAttributeValues contains invalid value: {msg} for key {k}"
                ))
            })?;
            out.insert(k.clone(), value);
        }
        values = Some(out);
    }
    Ok(Params::new(names, values))
}
