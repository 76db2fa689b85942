//! `AttributeValue`, the item type, DynamoDB JSON conversion and DynamoDB's ordering rules.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map, Value};

use crate::number::Number;

/// An item: attribute name to value. A `BTreeMap` so output is deterministic.
pub type Item = BTreeMap<String, AttributeValue>;

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum AttributeValue {
    S(String),
    N(Number),
    B(Vec<u8>),
    Bool(bool),
    Null,
    L(Vec<AttributeValue>),
    M(BTreeMap<String, AttributeValue>),
    /// Sets keep insertion order (DynamoDB does not promise an order) and never hold duplicates.
    Ss(Vec<String>),
    Ns(Vec<Number>),
    Bs(Vec<Vec<u8>>),
}

/// The type descriptor of a value: `S`, `N`, `B`, `BOOL`, `NULL`, `L`, `M`, `SS`, `NS`, `BS`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum ValueType {
    S,
    N,
    B,
    Bool,
    Null,
    L,
    M,
    Ss,
    Ns,
    Bs,
}

impl ValueType {
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::S => "S",
            ValueType::N => "N",
            ValueType::B => "B",
            ValueType::Bool => "BOOL",
            ValueType::Null => "NULL",
            ValueType::L => "L",
            ValueType::M => "M",
            ValueType::Ss => "SS",
            ValueType::Ns => "NS",
            ValueType::Bs => "BS",
        }
    }

    pub fn parse(text: &str) -> Option<ValueType> {
        Some(match text {
            "S" => ValueType::S,
            "N" => ValueType::N,
            "B" => ValueType::B,
            "BOOL" => ValueType::Bool,
            "NULL" => ValueType::Null,
            "L" => ValueType::L,
            "M" => ValueType::M,
            "SS" => ValueType::Ss,
            "NS" => ValueType::Ns,
            "BS" => ValueType::Bs,
            _ => return None,
        })
    }
}

impl AttributeValue {
    pub fn value_type(&self) -> ValueType {
        match self {
            AttributeValue::S(_) => ValueType::S,
            AttributeValue::N(_) => ValueType::N,
            AttributeValue::B(_) => ValueType::B,
            AttributeValue::Bool(_) => ValueType::Bool,
            AttributeValue::Null => ValueType::Null,
            AttributeValue::L(_) => ValueType::L,
            AttributeValue::M(_) => ValueType::M,
            AttributeValue::Ss(_) => ValueType::Ss,
            AttributeValue::Ns(_) => ValueType::Ns,
            AttributeValue::Bs(_) => ValueType::Bs,
        }
    }

    /// Compares two scalars of the same type as DynamoDB orders them (numbers by value,
    /// strings and binaries by their bytes, unsigned). `None` for other types or a type mismatch.
    pub fn compare(&self, other: &AttributeValue) -> Option<std::cmp::Ordering> {
        match (self, other) {
            (AttributeValue::S(a), AttributeValue::S(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
            (AttributeValue::N(a), AttributeValue::N(b)) => Some(a.cmp(b)),
            (AttributeValue::B(a), AttributeValue::B(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }

    /// Parses a DynamoDB-JSON attribute value (`{"S": "x"}`) that already passed the
    /// serialization check of [`crate::wire`]; errors are DynamoDB's validation messages.
    pub fn from_json(value: &Value) -> Result<AttributeValue, String> {
        from_json_depth(value, 0)
    }

    pub fn to_json(&self) -> Value {
        let mut map = Map::with_capacity(1);
        let (key, inner) = match self {
            AttributeValue::S(s) => ("S", Value::String(s.clone())),
            AttributeValue::N(n) => ("N", Value::String(n.to_string())),
            AttributeValue::B(b) => ("B", Value::String(BASE64.encode(b))),
            AttributeValue::Bool(b) => ("BOOL", Value::Bool(*b)),
            AttributeValue::Null => ("NULL", Value::Bool(true)),
            AttributeValue::L(list) => (
                "L",
                Value::Array(list.iter().map(|v| v.to_json()).collect()),
            ),
            AttributeValue::M(m) => ("M", item_to_json(m)),
            AttributeValue::Ss(set) => (
                "SS",
                Value::Array(set.iter().map(|s| Value::String(s.clone())).collect()),
            ),
            AttributeValue::Ns(set) => (
                "NS",
                Value::Array(set.iter().map(|n| Value::String(n.to_string())).collect()),
            ),
            AttributeValue::Bs(set) => (
                "BS",
                Value::Array(
                    set.iter()
                        .map(|b| Value::String(BASE64.encode(b)))
                        .collect(),
                ),
            ),
        };
        map.insert(key.to_string(), inner);
        Value::Object(map)
    }

    /// [`to_json`](Self::to_json), moving the strings instead of copying them.
    pub fn into_json(self) -> Value {
        let (key, inner) = match self {
            AttributeValue::S(s) => ("S", Value::String(s)),
            AttributeValue::L(list) => (
                "L",
                Value::Array(list.into_iter().map(AttributeValue::into_json).collect()),
            ),
            AttributeValue::M(m) => ("M", item_into_json(m)),
            AttributeValue::Ss(set) => (
                "SS",
                Value::Array(set.into_iter().map(Value::String).collect()),
            ),
            other => return other.to_json(),
        };
        let mut map = Map::with_capacity(1);
        map.insert(key.to_string(), inner);
        Value::Object(map)
    }

    /// Text used in DynamoDB's messages that quote a value (for example key types).
    pub fn describe(&self) -> String {
        self.to_json().to_string()
    }
}

/// Nesting limit for documents (lists and maps), per Constraints.html.
pub const MAX_NESTING_DEPTH: usize = 32;

fn from_json_depth(value: &Value, depth: usize) -> Result<AttributeValue, String> {
    if value.is_null() {
        return Err(null_value(None));
    }
    let Some(obj) = value.as_object() else {
        return Err(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
                .into(),
        );
    };
    let mut present = obj.iter().filter(|(_, v)| !v.is_null());
    let Some((ty, inner)) = present.next() else {
        return Err(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
                .into(),
        );
    };
    let parsed = parse_typed(ty, inner, depth)?;
    if present.next().is_some() {
        return Err("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes".into());
    }
    parsed.ok_or_else(|| {
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
            .into()
    })
}

fn parse_number(text: &str) -> Result<Number, String> {
    if text.is_empty() {
        return Err("The parameter cannot be converted to a numeric value".into());
    }
    Number::parse(text).map_err(|e| match e {
        crate::number::NumberError::Invalid => {
            format!("The parameter cannot be converted to a numeric value: {text}")
        }
        other => other.message().to_string(),
    })
}

fn str_list(inner: &Value) -> Vec<&str> {
    inner
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default()
}

/// DynamoDB's message for a JSON `null` where an attribute value belongs (DynamoDB Local
/// 1.25.1's texts, found by tests/differential): with the attribute's name when it has one.
pub const NULL_VALUE: &str = "The supplied Item contains a null AttributeValue";

fn null_value(name: Option<&str>) -> String {
    match name {
        Some(n) => format!("{NULL_VALUE}: {n} is null"),
        None => NULL_VALUE.to_string(),
    }
}

/// A JSON `null` among a set's members: each set type has its own message.
fn check_set_members(ty: &str, inner: &Value) -> Result<(), String> {
    if !inner
        .as_array()
        .is_some_and(|a| a.iter().any(Value::is_null))
    {
        return Ok(());
    }
    Err(match ty {
        "SS" => "One or more parameter values were invalid: An string set may not have a null string as a member".into(),
        "NS" => "A value provided cannot be converted into a number".into(),
        _ => null_value(None),
    })
}

fn parse_typed(ty: &str, inner: &Value, depth: usize) -> Result<Option<AttributeValue>, String> {
    if matches!(ty, "SS" | "NS" | "BS") {
        check_set_members(ty, inner)?;
    }
    let value = match ty {
        "S" => AttributeValue::S(inner.as_str().unwrap_or_default().to_string()),
        "N" => AttributeValue::N(parse_number(inner.as_str().unwrap_or_default())?),
        "B" => AttributeValue::B(decode_blob(inner.as_str().unwrap_or_default())),
        "BOOL" => AttributeValue::Bool(json_bool(inner)),
        "NULL" => {
            if !json_bool(inner) {
                return Err("One or more parameter values were invalid: Null attribute value types must have the value of true".into());
            }
            AttributeValue::Null
        }
        "SS" => {
            let items = str_list(inner);
            if items.is_empty() {
                return Err(
                    "One or more parameter values were invalid: An string set  may not be empty"
                        .into(),
                );
            }
            if has_duplicates(&items) {
                return Err(format!(
                    "One or more parameter values were invalid: Input collection [{}] contains duplicates.",
                    items.join(", ")
                ));
            }
            AttributeValue::Ss(items.into_iter().map(str::to_string).collect())
        }
        "NS" => {
            let items = str_list(inner);
            if items.is_empty() {
                return Err(
                    "One or more parameter values were invalid: An number set  may not be empty"
                        .into(),
                );
            }
            let numbers = items
                .iter()
                .map(|s| parse_number(s))
                .collect::<Result<Vec<_>, _>>()?;
            if has_duplicates(&numbers) {
                return Err("Input collection contains duplicates".into());
            }
            AttributeValue::Ns(numbers)
        }
        "BS" => {
            let items = str_list(inner);
            if items.is_empty() {
                return Err(
                    "One or more parameter values were invalid: Binary sets should not be empty"
                        .into(),
                );
            }
            let blobs: Vec<Vec<u8>> = items.iter().map(|s| decode_blob(s)).collect();
            if has_duplicates(&blobs) {
                return Err(format!(
                    "One or more parameter values were invalid: Input collection [{}]of type BS contains duplicates.",
                    items.join(", ")
                ));
            }
            AttributeValue::Bs(blobs)
        }
        "L" => {
            if depth + 1 > MAX_NESTING_DEPTH {
                return Err(nesting_error());
            }
            let list = inner.as_array().map(Vec::as_slice).unwrap_or_default();
            AttributeValue::L(
                list.iter()
                    .map(|v| from_json_depth(v, depth + 1))
                    .collect::<Result<_, _>>()?,
            )
        }
        "M" => {
            if depth + 1 > MAX_NESTING_DEPTH {
                return Err(nesting_error());
            }
            let mut out = BTreeMap::new();
            if let Some(map) = inner.as_object() {
                for (k, v) in map {
                    check_attribute_name(k)?;
                    if v.is_null() {
                        return Err(null_value(Some(k)));
                    }
                    out.insert(k.clone(), from_json_depth(v, depth + 1)?);
                }
            }
            AttributeValue::M(out)
        }
        _ => return Ok(None),
    };
    Ok(Some(value))
}

/// DynamoDB's message for a value nested past [`MAX_NESTING_DEPTH`].
pub const NESTING_ERROR: &str = "Nesting Levels have exceeded supported limits";

fn nesting_error() -> String {
    NESTING_ERROR.to_string()
}

fn has_duplicates<T: Eq + std::hash::Hash>(items: &[T]) -> bool {
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    items.iter().any(|i| !seen.insert(i))
}

/// Booleans arrive as JSON booleans, or as strings the AWS JSON deserializer accepts.
fn json_bool(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::String(s) => matches!(s.to_ascii_uppercase().as_str(), "TRUE" | "1" | "YES"),
        _ => false,
    }
}

/// Decodes base64 that [`crate::wire`] already checked.
pub fn decode_blob(text: &str) -> Vec<u8> {
    BASE64.decode(text).unwrap_or_default()
}

pub fn item_from_json(map: &Map<String, Value>) -> Result<Item, String> {
    let mut item = Item::new();
    for (k, v) in map {
        check_attribute_name(k)?;
        if v.is_null() {
            return Err(null_value(Some(k)));
        }
        item.insert(k.clone(), AttributeValue::from_json(v)?);
    }
    Ok(item)
}

/// Attribute names are 1 to 65,535 bytes (Constraints.html says "64 KB"; Alternator's tests,
/// verified against DynamoDB, show 65,535 is the last accepted length). The messages are
/// DynamoDB Local's.
pub const MAX_ATTRIBUTE_NAME_BYTES: usize = 65_535;

pub fn check_attribute_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("Empty attribute name".into());
    }
    if name.len() > MAX_ATTRIBUTE_NAME_BYTES {
        return Err("Attribute name is too large, must be less than 65536 bytes".into());
    }
    Ok(())
}

pub fn item_to_json(item: &BTreeMap<String, AttributeValue>) -> Value {
    Value::Object(item.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
}

/// [`item_to_json`] of an item the caller no longer needs.
pub fn item_into_json(item: BTreeMap<String, AttributeValue>) -> Value {
    Value::Object(item.into_iter().map(|(k, v)| (k, v.into_json())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_every_type() {
        let input = json!({
            "s": {"S": "x"}, "n": {"N": "1.50"}, "b": {"B": "AAE="}, "t": {"BOOL": true},
            "z": {"NULL": true}, "l": {"L": [{"S": "a"}, {"N": "1"}]},
            "m": {"M": {"k": {"SS": ["a", "b"]}}}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["AA=="]}
        });
        let item = item_from_json(input.as_object().unwrap()).unwrap();
        assert_eq!(item["n"], AttributeValue::N(Number::parse("1.5").unwrap()));
        let back = item_to_json(&item);
        assert_eq!(back["n"], json!({"N": "1.5"}));
        assert_eq!(back["m"], input["m"]);
        assert_eq!(back["b"], input["b"]);
    }

    #[test]
    fn validation_messages() {
        let err = |v: Value| AttributeValue::from_json(&v).unwrap_err();
        assert!(err(json!({})).starts_with("Supplied AttributeValue is empty"));
        assert!(err(json!({"S": "a", "N": "1"})).contains("more than one datatypes"));
        assert_eq!(
            err(json!({"N": "x"})),
            "The parameter cannot be converted to a numeric value: x"
        );
        assert!(err(json!({"SS": []})).contains("An string set  may not be empty"));
        assert!(
            err(json!({"SS": ["a", "a"]})).contains("Input collection [a, a] contains duplicates.")
        );
        assert!(
            err(json!({"NULL": false}))
                .contains("Null attribute value types must have the value of true")
        );
    }

    #[test]
    fn nesting_depth_is_limited() {
        let mut v = json!({"S": "leaf"});
        for _ in 0..33 {
            v = json!({"L": [v]});
        }
        assert_eq!(AttributeValue::from_json(&v).unwrap_err(), nesting_error());
        let mut ok = json!({"S": "leaf"});
        for _ in 0..32 {
            ok = json!({"L": [ok]});
        }
        assert!(AttributeValue::from_json(&ok).is_ok());
    }
}
