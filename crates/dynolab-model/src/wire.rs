//! Request shapes as data, and the two passes DynamoDB runs before any operation logic:
//!
//! 1. the type pass, which reports a member of the wrong JSON type as a
//!    `SerializationException` (with the Java-flavoured wording DynamoDB uses), drops unknown
//!    members and nulls, and coerces what the service coerces (`"true"` to a boolean);
//! 2. the constraint pass, which collects up to ten violations into one `ValidationException`
//!    ("N validation errors detected: Value … at '…' failed to satisfy constraint: …").
//!
//! Each operation declares its shape as a `&'static [Field]`; see `dynolab-engine`'s `ops`.

use serde_json::{Map, Value};

use crate::error::ApiError;

#[derive(Debug)]
pub enum Ty {
    String,
    Integer,
    Long,
    Double,
    Boolean,
    Blob,
    List(&'static Ty, &'static [Check]),
    /// A map with string keys; the name is the Java value type DynamoDB quotes in messages.
    Map(&'static str, &'static Ty, &'static [Check]),
    /// A nested structure: its class name and its members.
    Struct(&'static str, &'static [Field]),
    /// An `AttributeValue` where a value is expected (`Item`, `Key`, `ExpressionAttributeValues`).
    Attr,
    /// An `AttributeValue` in a field position (`Expected.*.Value`).
    AttrField,
}

#[derive(Debug)]
pub enum Check {
    NotNull,
    Required,
    Min(i64),
    Max(i64),
    LenMin(usize),
    LenMax(usize),
    /// The `[a-zA-Z0-9_.-]+` pattern of table and index names.
    NamePattern,
    Enum(&'static [&'static str]),
    /// The early "TableName must be at least 3 characters long…" check.
    TableName,
    /// The keys of a map are table names (`RequestItems`).
    KeysAreTableNames,
    /// On a list's members: a `null` member is kept (as `Value::Null`) for the operation to
    /// refuse with its own message; elsewhere a `null` member is dropped.
    KeepsNull,
}

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub checks: &'static [Check],
}

/// Shorthand for a field declaration.
pub const fn field(name: &'static str, ty: Ty, checks: &'static [Check]) -> Field {
    Field { name, ty, checks }
}

/// The constraints of the control-plane operations' `TableName` (CreateTable, DescribeTable,
/// UpdateTable, DeleteTable, the TTL operations): a missing name is refused first, alone ("The
/// parameter 'TableName' is required but was not present in the request"), then a name of the
/// wrong length ("TableName must be at least 3 characters long..."), as dynalite's recordings of
/// DynamoDB show for those operations.
pub const TABLE_NAME_CHECKS: &[Check] = &[
    Check::Required,
    Check::TableName,
    Check::NotNull,
    Check::NamePattern,
    Check::LenMin(3),
    Check::LenMax(255),
];
/// The constraints of the data operations' `TableName` (GetItem, PutItem, UpdateItem,
/// DeleteItem, Query, Scan): the length is one more aggregated constraint ("3 validation errors
/// detected: ... Member must have length greater than or equal to 3; ..."), as dynalite's
/// recordings of DynamoDB show for those operations (issue 12).
pub const ITEM_TABLE_NAME_CHECKS: &[Check] = &[
    Check::NotNull,
    Check::NamePattern,
    Check::LenMin(3),
    Check::LenMax(255),
];
/// The constraints of an `IndexName`.
pub const INDEX_NAME_CHECKS: &[Check] = &[Check::NamePattern, Check::LenMin(3), Check::LenMax(255)];
pub const RETURN_CONSUMED_CAPACITY: Field = field(
    "ReturnConsumedCapacity",
    Ty::String,
    &[Check::Enum(&["INDEXES", "TOTAL", "NONE"])],
);
pub const RETURN_ITEM_COLLECTION_METRICS: Field = field(
    "ReturnItemCollectionMetrics",
    Ty::String,
    &[Check::Enum(&["SIZE", "NONE"])],
);
pub const EXPRESSION_ATTRIBUTE_NAMES: Field = field(
    "ExpressionAttributeNames",
    Ty::Map("java.lang.String", &Ty::String, &[]),
    &[],
);
pub const EXPRESSION_ATTRIBUTE_VALUES: Field = field(
    "ExpressionAttributeValues",
    Ty::Map("AttributeValue", &Ty::Attr, &[]),
    &[],
);
pub const COMPARISON_OPERATORS: &[&str] = &[
    "IN",
    "NULL",
    "BETWEEN",
    "LT",
    "NOT_CONTAINS",
    "EQ",
    "GT",
    "NOT_NULL",
    "NE",
    "LE",
    "BEGINS_WITH",
    "GE",
    "CONTAINS",
];

/// Runs both passes over a request body and returns the cleaned object.
pub fn check_request(
    body: &Value,
    schema: &'static [Field],
) -> Result<Map<String, Value>, ApiError> {
    let Some(obj) = body.as_object() else {
        return Err(ApiError::bad_json());
    };
    let cleaned = check_struct(obj, schema)?;
    check_constraints(&cleaned, schema)?;
    Ok(cleaned)
}

fn type_error(msg: impl Into<String>) -> ApiError {
    ApiError::serialization(msg)
}

fn scalar_name(value: &Value) -> &'static str {
    match value {
        Value::Bool(true) => "TRUE_VALUE",
        Value::Bool(false) => "FALSE_VALUE",
        Value::Number(n) if n.is_f64() => "DECIMAL_VALUE",
        Value::Number(_) => "NUMBER_VALUE",
        Value::String(_) => "STRING_VALUE",
        _ => "VALUE",
    }
}

fn check_struct(
    obj: &Map<String, Value>,
    schema: &'static [Field],
) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    for f in schema {
        if let Some(v) = obj.get(f.name)
            && !v.is_null()
        {
            out.insert(f.name.to_string(), check_type(v, &f.ty)?);
        }
    }
    Ok(out)
}

fn check_type(value: &Value, ty: &'static Ty) -> Result<Value, ApiError> {
    let struct_found = || type_error("Start of structure or map found where not expected");
    match ty {
        Ty::Boolean => match value {
            Value::Bool(_) => Ok(value.clone()),
            Value::Number(_) => Err(type_error(format!(
                "{} cannot be converted to Boolean",
                scalar_name(value)
            ))),
            Value::String(s) => match s.to_ascii_uppercase().as_str() {
                "TRUE" | "1" | "YES" => Ok(Value::Bool(true)),
                "FALSE" | "0" | "NO" => Ok(Value::Bool(false)),
                _ => Err(type_error("Unexpected token received from parser")),
            },
            Value::Array(_) => Err(type_error(
                "Unrecognized collection type class java.lang.Boolean",
            )),
            _ => Err(struct_found()),
        },
        Ty::Integer | Ty::Long | Ty::Double => {
            let name = match ty {
                Ty::Integer => "Integer",
                Ty::Long => "Long",
                _ => "Double",
            };
            match value {
                Value::Number(n) => {
                    if matches!(ty, Ty::Double) {
                        Ok(value.clone())
                    } else if let Some(i) = n.as_i64() {
                        Ok(Value::from(i))
                    } else {
                        Ok(Value::from(n.as_f64().unwrap_or(0.0).floor() as i64))
                    }
                }
                Value::Bool(_) | Value::String(_) => Err(type_error(format!(
                    "{} cannot be converted to {name}",
                    scalar_name(value)
                ))),
                Value::Array(_) => Err(type_error(format!(
                    "Unrecognized collection type class java.lang.{name}"
                ))),
                _ => Err(struct_found()),
            }
        }
        Ty::String => match value {
            Value::String(_) => Ok(value.clone()),
            Value::Bool(_) | Value::Number(_) => Err(type_error(format!(
                "{} cannot be converted to String",
                scalar_name(value)
            ))),
            Value::Array(_) => Err(type_error(
                "Unrecognized collection type class java.lang.String",
            )),
            _ => Err(struct_found()),
        },
        Ty::Blob => match value {
            Value::String(s) => check_base64(s).map(|()| value.clone()),
            Value::Bool(_) | Value::Number(_) => Err(type_error(
                "only base-64-encoded strings are convertible to bytes",
            )),
            Value::Array(_) => Err(type_error(
                "Unrecognized collection type class java.nio.ByteBuffer",
            )),
            _ => Err(struct_found()),
        },
        // A `null` where an attribute value belongs is kept for the engine to refuse with
        // DynamoDB's message (value::NULL_VALUE); elsewhere it is an absent member.
        Ty::List(child, member_checks) => match value {
            Value::Array(items) => {
                let keep = holds_attributes(child)
                    || member_checks
                        .iter()
                        .any(|c| matches!(c, Check::KeepsNull | Check::NotNull));
                Ok(Value::Array(
                    items
                        .iter()
                        .filter(|v| !v.is_null() || keep)
                        .map(|v| {
                            if v.is_null() {
                                Ok(Value::Null)
                            } else {
                                check_type(v, child)
                            }
                        })
                        .collect::<Result<_, _>>()?,
                ))
            }
            Value::Object(_) => Err(struct_found()),
            _ => Err(type_error("Unexpected field type")),
        },
        Ty::Map(java_name, child, member_checks) => match value {
            Value::Object(map) => {
                let keep = holds_attributes(child)
                    || member_checks.iter().any(|c| matches!(c, Check::KeepsNull));
                let mut out = Map::new();
                for (k, v) in map {
                    if v.is_null() && keep {
                        out.insert(k.clone(), Value::Null);
                    } else if !v.is_null() {
                        out.insert(k.clone(), check_type(v, child)?);
                    }
                }
                Ok(Value::Object(out))
            }
            Value::Array(_) => {
                let qualified = if java_name.contains('.') {
                    java_name.to_string()
                } else {
                    format!("com.amazonaws.dynamodb.v20120810.{java_name}")
                };
                Err(type_error(format!(
                    "Unrecognized collection type java.util.Map<java.lang.String, {qualified}>"
                )))
            }
            _ => Err(type_error("Unexpected field type")),
        },
        Ty::Struct(class, fields) => match value {
            Value::Object(map) => Ok(Value::Object(check_struct(map, fields)?)),
            Value::Array(_) => Err(type_error(format!(
                "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.{class}"
            ))),
            _ => Err(type_error("Unexpected field type")),
        },
        Ty::Attr | Ty::AttrField => match value {
            Value::Null => Ok(Value::Null),
            Value::Object(map) => check_attr(map),
            Value::Array(_) => Err(type_error(
                "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue",
            )),
            _ if matches!(ty, Ty::Attr) => Err(type_error("Unexpected value type in payload")),
            _ => Err(type_error("Unexpected field type")),
        },
    }
}

static ATTR_LIST: Ty = Ty::List(&Ty::Attr, &[]);
static ATTR_MAP: Ty = Ty::Map("AttributeValue", &Ty::Attr, &[]);

fn holds_attributes(ty: &Ty) -> bool {
    matches!(ty, Ty::Attr)
}

/// A set's members: strings (or base64 blobs), a `null` among them kept (see `check_type`).
fn check_set(items: &Value, member: &'static Ty) -> Result<Value, ApiError> {
    match items {
        Value::Array(list) => Ok(Value::Array(
            list.iter()
                .map(|v| {
                    if v.is_null() {
                        Ok(Value::Null)
                    } else {
                        check_type(v, member)
                    }
                })
                .collect::<Result<_, _>>()?,
        )),
        Value::Object(_) => Err(type_error(
            "Start of structure or map found where not expected",
        )),
        _ => Err(type_error("Unexpected field type")),
    }
}

fn check_attr(map: &Map<String, Value>) -> Result<Value, ApiError> {
    let mut out = Map::new();
    for (k, v) in map {
        if v.is_null() {
            continue;
        }
        let ty: &'static Ty = match k.as_str() {
            "S" | "N" => &Ty::String,
            "B" => &Ty::Blob,
            "BOOL" | "NULL" => &Ty::Boolean,
            "SS" | "NS" => {
                out.insert(k.clone(), check_set(v, &Ty::String)?);
                continue;
            }
            "BS" => {
                out.insert(k.clone(), check_set(v, &Ty::Blob)?);
                continue;
            }
            "L" => &ATTR_LIST,
            "M" => &ATTR_MAP,
            _ => continue,
        };
        out.insert(k.clone(), check_type(v, ty)?);
    }
    Ok(Value::Object(out))
}

fn check_base64(text: &str) -> Result<(), ApiError> {
    use base64::Engine as _;
    if !text.len().is_multiple_of(4) {
        return Err(type_error(format!(
            "Base64 encoded length is expected a multiple of 4 bytes but found: {}",
            text.len()
        )));
    }
    match base64::engine::general_purpose::STANDARD.decode(text) {
        Ok(_) => Ok(()),
        Err(_) => Err(type_error(
            "Invalid last non-pad Base64 character dectected",
        )),
    }
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// How DynamoDB prints a value inside a constraint message.
fn value_str(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "null".to_string(),
        Some(v) => format!("'{}'", value_text(v)),
    }
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            format!(
                "[{}]",
                items.iter().map(value_text).collect::<Vec<_>>().join(", ")
            )
        }
        other => other.to_string(),
    }
}

const MAX_REPORTED_ERRORS: usize = 10;

fn check_constraints(data: &Map<String, Value>, schema: &'static [Field]) -> Result<(), ApiError> {
    for f in schema {
        if f.checks.iter().any(|c| matches!(c, Check::Required)) && data.get(f.name).is_none() {
            return Err(ApiError::validation(format!(
                "The parameter '{}' is required but was not present in the request",
                f.name
            )));
        }
        if f.checks.iter().any(|c| matches!(c, Check::TableName))
            && let Some(Value::String(s)) = data.get(f.name)
            && (s.chars().count() < 3 || s.chars().count() > 255)
        {
            return Err(ApiError::validation(format!(
                "{} must be at least 3 characters long and at most 255 characters long",
                f.name
            )));
        }
    }
    let mut errors = Vec::new();
    for f in schema {
        check_field(data.get(f.name), f.name, &f.ty, f.checks, "", &mut errors);
    }
    if errors.is_empty() {
        return Ok(());
    }
    let n = errors.len();
    Err(ApiError::validation(format!(
        "{n} validation error{} detected: {}",
        if n > 1 { "s" } else { "" },
        errors.join("; ")
    )))
}

fn check_field(
    value: Option<&Value>,
    name: &str,
    ty: &'static Ty,
    checks: &'static [Check],
    parent: &str,
    errors: &mut Vec<String>,
) {
    for check in checks {
        if errors.len() >= MAX_REPORTED_ERRORS {
            return;
        }
        if let Some(msg) = violation(check, value) {
            let path = if parent.is_empty() {
                lower_first(name)
            } else {
                format!("{parent}.{}", lower_first(name))
            };
            errors.push(format!(
                "Value {} at '{path}' failed to satisfy constraint: {msg}",
                value_str(value)
            ));
        }
    }
    let Some(value) = value else { return };
    let here = if parent.is_empty() {
        lower_first(name)
    } else {
        format!("{parent}.{}", lower_first(name))
    };
    match (ty, value) {
        (Ty::List(child, child_checks), Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                check_field(
                    Some(item),
                    "member",
                    child,
                    child_checks,
                    &format!("{here}.{}", i + 1),
                    errors,
                );
            }
        }
        (Ty::Map(_, child, child_checks), Value::Object(map)) => {
            for (k, v) in map {
                check_field(
                    Some(v),
                    "member",
                    child,
                    child_checks,
                    &format!("{here}.{k}"),
                    errors,
                );
            }
        }
        (Ty::Struct(_, fields), Value::Object(map)) => {
            for f in *fields {
                check_field(map.get(f.name), f.name, &f.ty, f.checks, &here, errors);
            }
        }
        _ => {}
    }
}

fn length(value: &Value) -> usize {
    match value {
        Value::String(s) => s.chars().count(),
        Value::Array(a) => a.len(),
        Value::Object(m) => m.len(),
        _ => 0,
    }
}

fn violation(check: &Check, value: Option<&Value>) -> Option<String> {
    if let Check::NotNull = check {
        return value
            .is_none_or(Value::is_null)
            .then(|| "Member must not be null".to_string());
    }
    let value = value?;
    match check {
        Check::Min(min) => (value.as_f64().unwrap_or(0.0) < *min as f64)
            .then(|| format!("Member must have value greater than or equal to {min}")),
        Check::Max(max) => (value.as_f64().unwrap_or(0.0) > *max as f64)
            .then(|| format!("Member must have value less than or equal to {max}")),
        Check::LenMin(min) => (length(value) < *min)
            .then(|| format!("Member must have length greater than or equal to {min}")),
        Check::LenMax(max) => (length(value) > *max)
            .then(|| format!("Member must have length less than or equal to {max}")),
        Check::NamePattern => {
            let ok = value.as_str().is_some_and(matches_name_pattern);
            (!ok).then(|| {
                "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+".to_string()
            })
        }
        Check::Enum(allowed) => {
            let ok = value.as_str().is_some_and(|s| allowed.contains(&s));
            (!ok).then(|| {
                format!(
                    "Member must satisfy enum value set: [{}]",
                    allowed.join(", ")
                )
            })
        }
        Check::KeysAreTableNames => {
            let bad = |k: &String| !is_table_name(k);
            value.as_object().is_some_and(|m| m.keys().any(bad)).then(|| {
                "Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]".to_string()
            })
        }
        Check::NotNull | Check::Required | Check::TableName | Check::KeepsNull => None,
    }
}

/// `[a-zA-Z0-9_.-]+`, the pattern of table and index names.
pub fn matches_name_pattern(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// A valid table or index name: 3 to 255 characters of [`matches_name_pattern`].
pub fn is_table_name(name: &str) -> bool {
    (3..=255).contains(&name.chars().count()) && matches_name_pattern(name)
}

/// Accessors over a checked request object.
pub trait Checked {
    fn str_field(&self, name: &str) -> Option<&str>;
    fn bool_field(&self, name: &str) -> Option<bool>;
    fn int_field(&self, name: &str) -> Option<i64>;
    fn obj_field(&self, name: &str) -> Option<&Map<String, Value>>;
    fn list_field(&self, name: &str) -> Option<&Vec<Value>>;
}

impl Checked for Map<String, Value> {
    fn str_field(&self, name: &str) -> Option<&str> {
        self.get(name).and_then(Value::as_str)
    }
    fn bool_field(&self, name: &str) -> Option<bool> {
        self.get(name).and_then(Value::as_bool)
    }
    fn int_field(&self, name: &str) -> Option<i64> {
        self.get(name).and_then(Value::as_i64)
    }
    fn obj_field(&self, name: &str) -> Option<&Map<String, Value>> {
        self.get(name).and_then(Value::as_object)
    }
    fn list_field(&self, name: &str) -> Option<&Vec<Value>> {
        self.get(name).and_then(Value::as_array)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use serde_json::json;

    static SCHEMA: &[Field] = &[
        field("TableName", Ty::String, TABLE_NAME_CHECKS),
        field("Limit", Ty::Integer, &[Check::Min(1)]),
        field(
            "Key",
            Ty::Map("AttributeValue", &Ty::Attr, &[]),
            &[Check::NotNull],
        ),
        field("ConsistentRead", Ty::Boolean, &[]),
        RETURN_CONSUMED_CAPACITY,
    ];

    fn err(body: Value) -> ApiError {
        check_request(&body, SCHEMA).unwrap_err()
    }

    #[test]
    fn type_errors_are_serialization_exceptions() {
        let e = err(json!({"TableName": 5}));
        assert_eq!(e.code, ErrorCode::SerializationException);
        assert_eq!(
            e.message.as_deref(),
            Some("NUMBER_VALUE cannot be converted to String")
        );
        assert_eq!(
            err(json!({"Limit": "x"})).message.as_deref(),
            Some("STRING_VALUE cannot be converted to Integer")
        );
        assert_eq!(
            err(json!({"Key": {"a": "x"}})).message.as_deref(),
            Some("Unexpected value type in payload")
        );
        assert_eq!(
            err(json!({"Key": {"a": {"S": 1}}})).message.as_deref(),
            Some("NUMBER_VALUE cannot be converted to String")
        );
        assert_eq!(
            err(json!({"ConsistentRead": "maybe"})).message.as_deref(),
            Some("Unexpected token received from parser")
        );
    }

    #[test]
    fn constraint_errors_are_aggregated() {
        let e = err(json!({"TableName": "ab;", "Limit": 0, "ReturnConsumedCapacity": "X"}));
        assert_eq!(e.code, ErrorCode::ValidationException);
        assert_eq!(
            e.message.as_deref(),
            Some(
                "4 validation errors detected: Value 'ab;' at 'tableName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; Value null at 'key' failed to satisfy constraint: Member must not be null; Value 'X' at 'returnConsumedCapacity' failed to satisfy constraint: Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"
            )
        );
        let e = err(json!({"TableName": "ab"}));
        assert_eq!(
            e.message.as_deref(),
            Some("TableName must be at least 3 characters long and at most 255 characters long")
        );
    }

    #[test]
    fn clean_requests_pass_and_unknown_members_drop() {
        let ok = check_request(
            &json!({"TableName": "abc", "Key": {}, "Other": 1, "ConsistentRead": "true"}),
            SCHEMA,
        )
        .unwrap();
        assert!(ok.get("Other").is_none());
        assert_eq!(ok.bool_field("ConsistentRead"), Some(true));
    }
}
