//! Table and index metadata: what CreateTable declares, how an item maps to its keys in the
//! table and each index, and how DescribeTable renders it.

use dynolab_model::{ApiError, AttributeValue, Item, ValueType};
use dynolab_storage::keys;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct KeySchema {
    pub hash: String,
    pub range: Option<String>,
}

impl KeySchema {
    pub fn to_json(&self) -> Value {
        let mut out = vec![json!({"AttributeName": self.hash, "KeyType": "HASH"})];
        if let Some(r) = &self.range {
            out.push(json!({"AttributeName": r, "KeyType": "RANGE"}));
        }
        Value::Array(out)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.hash.as_str()).chain(self.range.as_deref())
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum ProjectionType {
    All,
    KeysOnly,
    Include,
}

impl ProjectionType {
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectionType::All => "ALL",
            ProjectionType::KeysOnly => "KEYS_ONLY",
            ProjectionType::Include => "INCLUDE",
        }
    }
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Default)]
pub struct Throughput {
    pub read_units: u64,
    pub write_units: u64,
    /// Seconds since the epoch of the last increase / decrease, as DescribeTable reports.
    pub last_increase_secs: Option<f64>,
    pub last_decrease_secs: Option<f64>,
    pub decreases_today: u64,
}

impl Throughput {
    pub fn new(read_units: u64, write_units: u64) -> Throughput {
        Throughput {
            read_units,
            write_units,
            ..Default::default()
        }
    }

    pub fn to_json(&self) -> Value {
        let mut out = json!({
            "NumberOfDecreasesToday": self.decreases_today,
            "ReadCapacityUnits": self.read_units,
            "WriteCapacityUnits": self.write_units,
        });
        if let Some(t) = self.last_increase_secs {
            out["LastIncreaseDateTime"] = json!(t);
        }
        if let Some(t) = self.last_decrease_secs {
            out["LastDecreaseDateTime"] = json!(t);
        }
        out
    }
}

/// A table's status as DescribeTable reports it.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, Default)]
pub enum TableStatus {
    #[default]
    Active,
    Creating,
    Updating,
    Deleting,
}

impl TableStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TableStatus::Active => "ACTIVE",
            TableStatus::Creating => "CREATING",
            TableStatus::Updating => "UPDATING",
            TableStatus::Deleting => "DELETING",
        }
    }

    /// Whether items can be read and written (DynamoDB serves an UPDATING table).
    pub fn serves_items(self) -> bool {
        matches!(self, TableStatus::Active | TableStatus::Updating)
    }
}

/// The table's Time to Live setting.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TimeToLive {
    pub attribute: String,
    /// ENABLING, ENABLED, DISABLING (a disabled table has no `TimeToLive`).
    pub status: String,
    /// When ENABLING / DISABLING ends (microseconds since the epoch).
    pub until: Option<u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct IndexMeta {
    pub name: String,
    pub key_schema: KeySchema,
    pub projection: ProjectionType,
    pub non_key_attributes: Vec<String>,
    /// Provisioned throughput of a GSI on a provisioned table; LSIs share the table's.
    pub throughput: Option<Throughput>,
    pub global: bool,
    /// A GSI added by UpdateTable is CREATING (backfilling) until this time (microseconds);
    /// `None` when ACTIVE.
    #[serde(default)]
    pub creating_until: Option<u64>,
}

impl IndexMeta {
    /// The keys of an item in this index, or `None` when the item is not in it (sparse index:
    /// a key attribute is missing or has the wrong type).
    pub fn key_values<'a>(
        &self,
        item: &'a Item,
        defs: &[(String, ValueType)],
    ) -> Option<(&'a AttributeValue, Option<&'a AttributeValue>)> {
        let hash = typed_attr(item, &self.key_schema.hash, defs)?;
        let range = match &self.key_schema.range {
            Some(r) => Some(typed_attr(item, r, defs)?),
            None => None,
        };
        Some((hash, range))
    }

    /// Whether an attribute is stored in the index (keys are always projected).
    pub fn projects(&self, name: &str, table_keys: &KeySchema) -> bool {
        match self.projection {
            ProjectionType::All => true,
            _ => {
                self.key_schema.names().any(|k| k == name)
                    || table_keys.names().any(|k| k == name)
                    || (self.projection == ProjectionType::Include
                        && self.non_key_attributes.iter().any(|a| a == name))
            }
        }
    }

    /// The item as the index stores it.
    pub fn project(&self, item: &Item, table_keys: &KeySchema) -> Item {
        if self.projection == ProjectionType::All {
            return item.clone();
        }
        item.iter()
            .filter(|(k, _)| self.projects(k, table_keys))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    pub fn projection_json(&self) -> Value {
        let mut p = json!({"ProjectionType": self.projection.as_str()});
        if self.projection == ProjectionType::Include {
            p["NonKeyAttributes"] = json!(self.non_key_attributes);
        }
        p
    }
}

fn typed_attr<'a>(
    item: &'a Item,
    name: &str,
    defs: &[(String, ValueType)],
) -> Option<&'a AttributeValue> {
    let value = item.get(name)?;
    let want = defs.iter().find(|(n, _)| n == name).map(|(_, t)| *t)?;
    (value.value_type() == want).then_some(value)
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub enum BillingMode {
    Provisioned,
    PayPerRequest,
}

impl BillingMode {
    pub fn as_str(self) -> &'static str {
        match self {
            BillingMode::Provisioned => "PROVISIONED",
            BillingMode::PayPerRequest => "PAY_PER_REQUEST",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TableMeta {
    pub name: String,
    /// Internal id: the storage key prefix, never reused.
    pub id: u64,
    pub table_id: String,
    pub arn: String,
    pub created_secs: f64,
    #[serde(with = "value_types")]
    pub attribute_definitions: Vec<(String, ValueType)>,
    pub key_schema: KeySchema,
    pub billing_mode: BillingMode,
    pub throughput: Throughput,
    pub billing_mode_changed_secs: Option<f64>,
    pub gsis: Vec<IndexMeta>,
    pub lsis: Vec<IndexMeta>,
    #[serde(default)]
    pub deletion_protection: bool,
    #[serde(default)]
    pub table_class: Option<String>,
    /// When the table was switched to PAY_PER_REQUEST (seconds), for the 4-per-24-hours limit.
    #[serde(default)]
    pub on_demand_switches_secs: Vec<f64>,
    /// Settings stored and described but not interpreted yet (SSE, …).
    #[serde(default)]
    pub extra: serde_json::Map<String, Value>,
    #[serde(default)]
    pub status: TableStatus,
    /// When the current CREATING / UPDATING / DELETING ends (microseconds since the epoch).
    #[serde(default)]
    pub status_until: Option<u64>,
    /// GSIs being deleted (DELETING) and when they are gone (microseconds). Their entries are
    /// dropped at once; they are only described.
    #[serde(default)]
    pub deleting_gsis: Vec<(IndexMeta, u64)>,
    #[serde(default)]
    pub tags: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub ttl: Option<TimeToLive>,
    /// When UpdateTimeToLive last changed the setting (microseconds), for its cooldown.
    #[serde(default)]
    pub ttl_changed: Option<u64>,
    /// Every stream the table has had, oldest first; the last one is the latest.
    #[serde(default)]
    pub streams: Vec<crate::history::StreamMeta>,
    /// Application Auto Scaling targets, policies and scheduled actions of the table and its
    /// indexes (stored and described; `autoscaling.rs`).
    #[serde(default)]
    pub scaling: crate::autoscaling::Scaling,
    /// Point-in-time recovery, when enabled.
    #[serde(default)]
    pub pitr: Option<crate::history::PitrMeta>,
}

impl TableMeta {
    /// The stream that is enabled now, if any.
    pub fn open_stream(&self) -> Option<&crate::history::StreamMeta> {
        self.streams.iter().rev().find(|s| s.is_open())
    }

    pub fn index(&self, name: &str) -> Option<&IndexMeta> {
        self.gsis
            .iter()
            .chain(self.lsis.iter())
            .find(|i| i.name == name)
    }

    pub fn indexes(&self) -> impl Iterator<Item = &IndexMeta> {
        self.gsis.iter().chain(self.lsis.iter())
    }

    /// Drops the attribute definitions no key schema uses any more (after a GSI is deleted: a
    /// deleting index keeps its own until it is gone), as DynamoDB's DescribeTable shows them.
    pub fn prune_attribute_definitions(&mut self) {
        let used: Vec<String> = self
            .key_schema
            .names()
            .chain(self.indexes().flat_map(|i| i.key_schema.names()))
            .chain(
                self.deleting_gsis
                    .iter()
                    .flat_map(|(i, _)| i.key_schema.names()),
            )
            .map(str::to_string)
            .collect();
        self.attribute_definitions.retain(|(n, _)| used.contains(n));
    }

    pub fn attr_type(&self, name: &str) -> Option<ValueType> {
        self.attribute_definitions
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| *t)
    }

    pub fn index_arn(&self, index: &str) -> String {
        format!("{}/index/{index}", self.arn)
    }

    /// Extracts and checks the primary key of a full item (PutItem), with DynamoDB's messages.
    pub fn item_key(&self, item: &Item) -> Result<Vec<u8>, ApiError> {
        let hash = self.key_attr(item, &self.key_schema.hash, true)?;
        let range = match &self.key_schema.range {
            Some(r) => Some(self.key_attr(item, r, true)?),
            None => None,
        };
        Ok(keys::entry_key(hash, range))
    }

    /// Checks a `Key` parameter: exactly the key attributes, with the right types.
    pub fn key_from_param(&self, key: &Item) -> Result<Vec<u8>, ApiError> {
        let expected = 1 + usize::from(self.key_schema.range.is_some());
        if key.len() != expected {
            return Err(ApiError::validation(
                "The provided key element does not match the schema",
            ));
        }
        let hash = self.key_attr(key, &self.key_schema.hash, false)?;
        let range = match &self.key_schema.range {
            Some(r) => Some(self.key_attr(key, r, false)?),
            None => None,
        };
        Ok(keys::entry_key(hash, range))
    }

    fn key_attr<'a>(
        &self,
        item: &'a Item,
        name: &str,
        full_item: bool,
    ) -> Result<&'a AttributeValue, ApiError> {
        let want = self.attr_type(name).unwrap_or(ValueType::S);
        let Some(value) = item.get(name) else {
            return Err(if full_item {
                ApiError::invalid_parameter(format!("Missing the key {name} in the item"))
            } else {
                ApiError::validation("The provided key element does not match the schema")
            });
        };
        if value.value_type() != want {
            return Err(if full_item {
                ApiError::invalid_parameter(format!(
                    "Type mismatch for key {name} expected: {} actual: {}",
                    want.as_str(),
                    value.value_type().as_str()
                ))
            } else {
                ApiError::validation("The provided key element does not match the schema")
            });
        }
        check_key_value(name, value, self.key_schema.hash == name)?;
        Ok(value)
    }

    /// An update may not change key attributes.
    pub fn check_update_targets(&self, update: &dynolab_expr::Update) -> Result<(), ApiError> {
        match update
            .top_level_targets()
            .into_iter()
            .find(|t| self.key_schema.names().any(|k| k == t))
        {
            Some(target) => Err(ApiError::invalid_parameter(format!(
                "Cannot update attribute {target}. This attribute is part of the key"
            ))),
            None => Ok(()),
        }
    }

    /// The primary key attributes of an item, as an item.
    pub fn key_item(&self, item: &Item) -> Item {
        self.key_schema
            .names()
            .filter_map(|k| item.get(k).map(|v| (k.to_string(), v.clone())))
            .collect()
    }
}

/// Key values must be non-empty and within DynamoDB's size limits.
pub fn check_key_value(name: &str, value: &AttributeValue, is_hash: bool) -> Result<(), ApiError> {
    let len = match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::B(b) => b.len(),
        _ => return Ok(()),
    };
    if len == 0 {
        return Err(ApiError::invalid_parameter(format!(
            "The AttributeValue for a key attribute cannot contain an empty {} value. Key: {name}",
            if matches!(value, AttributeValue::S(_)) {
                "string"
            } else {
                "binary"
            }
        )));
    }
    // Partition keys may be 2,048 bytes and sort keys 1,024 (Constraints.html), each with its
    // own message.
    if is_hash && len > 2048 {
        return Err(ApiError::invalid_parameter(
            // DynamoDB's text, missing space included (dynalite test/getItem.js and putItem.js,
            // 'should return ValidationException if hash key is too big', recorded against DynamoDB).
            "Size of hashkey has exceeded the maximum size limit of2048 bytes",
        ));
    }
    if !is_hash && len > 1024 {
        return Err(ApiError::invalid_parameter(
            "Aggregated size of all range keys has exceeded the size limit of 1024 bytes",
        ));
    }
    Ok(())
}

/// The entry key of an item in an index: index keys, then the base key for uniqueness.
pub fn index_entry_key(
    index: &IndexMeta,
    defs: &[(String, ValueType)],
    item: &Item,
    base_key: &[u8],
) -> Option<Vec<u8>> {
    let (hash, range) = index.key_values(item, defs)?;
    let mut key = keys::partition_prefix(hash);
    if let Some(r) = range {
        keys::push_sort_key(&mut key, r);
    }
    key.extend_from_slice(base_key);
    Some(key)
}

/// Checks an item's secondary-index key attributes: present ones must have the declared type
/// and not be empty (absent ones just keep the item out of a sparse index).
pub fn check_index_keys(meta: &TableMeta, item: &Item) -> Result<(), ApiError> {
    for index in meta.indexes() {
        for key_name in index.key_schema.names() {
            let Some(value) = item.get(key_name) else {
                continue;
            };
            let want = meta.attr_type(key_name).unwrap_or(ValueType::S);
            if value.value_type() != want {
                return Err(ApiError::invalid_parameter(format!(
                    "Type mismatch for Index Key {key_name} Expected: {} Actual: {} IndexName: {}",
                    want.as_str(),
                    value.value_type().as_str(),
                    index.name
                )));
            }
            let empty = match value {
                AttributeValue::S(s) => s.is_empty(),
                AttributeValue::B(b) => b.is_empty(),
                _ => false,
            };
            if empty {
                return Err(ApiError::validation(format!(
                    "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty {} value. IndexName: {}, IndexKey: {key_name}",
                    if matches!(value, AttributeValue::S(_)) {
                        "string"
                    } else {
                        "binary"
                    },
                    index.name
                )));
            }
        }
    }
    Ok(())
}

/// Attribute definitions are stored as `[name, "S" | "N" | "B"]` pairs.
mod value_types {
    use dynolab_model::ValueType;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(defs: &[(String, ValueType)], s: S) -> Result<S::Ok, S::Error> {
        defs.iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect::<Vec<_>>()
            .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(String, ValueType)>, D::Error> {
        let raw: Vec<(String, String)> = Vec::deserialize(d)?;
        raw.into_iter()
            .map(|(n, t)| {
                let ty = ValueType::parse(&t)
                    .ok_or_else(|| serde::de::Error::custom(format!("bad attribute type {t}")))?;
                Ok((n, ty))
            })
            .collect()
    }
}

/// A key attribute as Contributor Insights shows it.
pub fn key_label(value: &AttributeValue) -> String {
    match value {
        AttributeValue::S(s) => s.clone(),
        AttributeValue::N(n) => n.to_string(),
        AttributeValue::B(b) => {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(b)
        }
        other => other.describe(),
    }
}

/// The keys of an item in the table and in each GSI that holds it, for Contributor Insights.
pub(crate) fn contributor_keys(meta: &TableMeta, item: &Item) -> Vec<crate::KeyRef> {
    let mut out = Vec::new();
    if let Some(pk) = item.get(&meta.key_schema.hash) {
        let sk = meta
            .key_schema
            .range
            .as_ref()
            .and_then(|r| item.get(r))
            .map(key_label);
        out.push(crate::KeyRef {
            index: None,
            pk: key_label(pk),
            sk,
        });
    }
    for gsi in &meta.gsis {
        if let Some((pk, sk)) = gsi.key_values(item, &meta.attribute_definitions) {
            out.push(crate::KeyRef {
                index: Some(gsi.name.clone()),
                pk: key_label(pk),
                sk: sk.map(key_label),
            });
        }
    }
    out
}
