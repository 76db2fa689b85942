//! `Params`: the request's `ExpressionAttributeNames` and `ExpressionAttributeValues`, shared
//! by every expression of one request, with usage tracking for the "unused" errors.

use std::collections::{HashMap, HashSet};

use dynolab_model::AttributeValue;
use serde_json::{Map, Value};

use crate::error::ExprError;

/// Placeholder maps of one request. Parse every expression of the request with the same
/// `Params`, then call [`Params::check_unused`].
#[derive(Clone, Debug, Default)]
pub struct Params {
    names: Option<HashMap<String, String>>,
    values: Option<HashMap<String, AttributeValue>>,
    used_names: HashSet<String>,
    used_values: HashSet<String>,
}

fn valid_key(key: &str, sigil: char) -> bool {
    let mut chars = key.chars();
    chars.next() == Some(sigil)
        && key.len() > 1
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Params {
    pub fn new(
        names: Option<HashMap<String, String>>,
        values: Option<HashMap<String, AttributeValue>>,
    ) -> Params {
        Params {
            names,
            values,
            used_names: HashSet::new(),
            used_values: HashSet::new(),
        }
    }

    /// Builds `Params` from the request's JSON members (already shape-checked), decoding the
    /// values and running [`Params::validate`]. Value errors read
    /// `ExpressionAttributeValues contains invalid value: <why> for key <key>`.
    pub fn from_json(
        names: Option<&Map<String, Value>>,
        values: Option<&Map<String, Value>>,
    ) -> Result<Params, ExprError> {
        let names = names.map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect::<HashMap<_, _>>()
        });
        let mut params = Params::new(names, None);
        params.validate_names()?;
        if let Some(map) = values {
            if map.is_empty() {
                return Err(ExprError::Params(
                    "ExpressionAttributeValues must not be empty".into(),
                ));
            }
            if let Some(bad) = map.keys().find(|k| !valid_key(k, ':')) {
                return Err(ExprError::Params(format!(
                    "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{bad}\""
                )));
            }
            let mut decoded = HashMap::new();
            for (k, v) in map {
                let value = AttributeValue::from_json(v).map_err(|why| {
                    ExprError::Params(format!(
                        "ExpressionAttributeValues contains invalid value: {why} for key {k}"
                    ))
                })?;
                decoded.insert(k.clone(), value);
            }
            params.values = Some(decoded);
        }
        Ok(params)
    }

    fn validate_names(&self) -> Result<(), ExprError> {
        if let Some(names) = &self.names {
            if names.is_empty() {
                return Err(ExprError::Params(
                    "ExpressionAttributeNames must not be empty".into(),
                ));
            }
            let mut keys: Vec<&String> = names.keys().collect();
            keys.sort();
            if let Some(bad) = keys.iter().find(|k| !valid_key(k, '#')) {
                return Err(ExprError::Params(format!(
                    "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{bad}\""
                )));
            }
            for k in keys {
                dynolab_model::value::check_attribute_name(&names[k]).map_err(|why| {
                    ExprError::Params(format!(
                        "ExpressionAttributeNames contains invalid value: {why} for key {k}"
                    ))
                })?;
            }
        }
        Ok(())
    }

    /// Checks the maps themselves: not empty when given, keys `#[A-Za-z0-9_]+` /
    /// `:[A-Za-z0-9_]+`.
    pub fn validate(&self) -> Result<(), ExprError> {
        self.validate_names()?;
        if let Some(values) = &self.values {
            if values.is_empty() {
                return Err(ExprError::Params(
                    "ExpressionAttributeValues must not be empty".into(),
                ));
            }
            let mut keys: Vec<&String> = values.keys().collect();
            keys.sort();
            if let Some(bad) = keys.into_iter().find(|k| !valid_key(k, ':')) {
                return Err(ExprError::Params(format!(
                    "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{bad}\""
                )));
            }
        }
        Ok(())
    }

    /// Whether `ExpressionAttributeNames` / `ExpressionAttributeValues` were given at all
    /// (the engine's "can only be specified when using expressions" checks need this).
    pub fn has_names(&self) -> bool {
        self.names.is_some()
    }

    pub fn has_values(&self) -> bool {
        self.values.is_some()
    }

    /// Resolves `#name`, marking it used.
    pub(crate) fn name(&mut self, placeholder: &str) -> Option<String> {
        let v = self.names.as_ref()?.get(placeholder)?.clone();
        self.used_names.insert(placeholder.to_string());
        Some(v)
    }

    /// Resolves `:value`, marking it used.
    pub(crate) fn value(&mut self, placeholder: &str) -> Option<AttributeValue> {
        let v = self.values.as_ref()?.get(placeholder)?.clone();
        self.used_values.insert(placeholder.to_string());
        Some(v)
    }

    /// After every expression of the request is parsed: DynamoDB's error for placeholders no
    /// expression used (names first, then values; keys listed in sorted order).
    pub fn check_unused(&self) -> Result<(), ExprError> {
        fn unused<'a>(
            keys: impl Iterator<Item = &'a String>,
            used: &HashSet<String>,
        ) -> Vec<&'a str> {
            let mut v: Vec<&str> = keys
                .filter(|k| !used.contains(*k))
                .map(String::as_str)
                .collect();
            v.sort_unstable();
            v
        }
        if let Some(names) = &self.names {
            let list = unused(names.keys(), &self.used_names);
            if !list.is_empty() {
                return Err(ExprError::Params(format!(
                    "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
                    list.join(", ")
                )));
            }
        }
        if let Some(values) = &self.values {
            let list = unused(values.keys(), &self.used_values);
            if !list.is_empty() {
                return Err(ExprError::Params(format!(
                    "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
                    list.join(", ")
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unused_names_then_values() {
        let mut p = Params::new(
            Some(HashMap::from([
                ("#b".into(), "x".into()),
                ("#a".into(), "y".into()),
            ])),
            Some(HashMap::from([(":v".into(), AttributeValue::Null)])),
        );
        assert_eq!(
            p.check_unused().unwrap_err().message(),
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}"
        );
        p.name("#a");
        p.name("#b");
        assert_eq!(
            p.check_unused().unwrap_err().message(),
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}"
        );
        assert_eq!(p.value(":v"), Some(AttributeValue::Null));
        assert!(p.check_unused().is_ok());
    }

    #[test]
    fn from_json_validates() {
        let err = |n: serde_json::Value, v: serde_json::Value| {
            Params::from_json(n.as_object(), v.as_object())
                .unwrap_err()
                .message()
        };
        assert_eq!(
            err(json!({}), json!(null)),
            "ExpressionAttributeNames must not be empty"
        );
        assert_eq!(
            err(json!({"a": "b"}), json!(null)),
            "ExpressionAttributeNames contains invalid key: Syntax error; key: \"a\""
        );
        assert_eq!(
            err(json!(null), json!({})),
            "ExpressionAttributeValues must not be empty"
        );
        assert_eq!(
            err(json!(null), json!({"v": {"S": "x"}})),
            "ExpressionAttributeValues contains invalid key: Syntax error; key: \"v\""
        );
        assert_eq!(
            err(json!(null), json!({":v": {"N": "x"}})),
            "ExpressionAttributeValues contains invalid value: The parameter cannot be converted to a numeric value: x for key :v"
        );
        let p = Params::from_json(None, json!({":v": {"S": "x"}}).as_object()).unwrap();
        assert!(p.has_values() && !p.has_names());
    }
}
