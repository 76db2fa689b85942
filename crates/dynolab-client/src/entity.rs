//! Single-table entities: declare each entity type's keys as templates over its fields
//! (`USER#{user_id}`, `ORDER#{created_at}#{order_id}`), its overloaded index keys, and its TTL;
//! items are (de)serialized with serde (serde_dynamo), and reads go through named access
//! patterns.
//!
//! ```
//! use dynolab_client::{AccessPattern, Entity, EntityDef, IndexKeys};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct Order { user_id: String, order_id: String, created_at: String, status: String }
//!
//! impl Entity for Order {
//!     const DEF: EntityDef = EntityDef {
//!         entity_type: "ORDER",
//!         pk: "USER#{user_id}",
//!         sk: "ORDER#{created_at}#{order_id}",
//!         indexes: &[IndexKeys {
//!             index: "GSI1", pk_attribute: "GSI1PK", sk_attribute: Some("GSI1SK"),
//!             pk: "STATUS#{status}", sk: Some("{created_at}"),
//!         }],
//!         ttl_field: None,
//!     };
//! }
//!
//! /// A user's orders, newest first with `QueryOptions::descending()`.
//! const ORDERS_OF_USER: AccessPattern = AccessPattern {
//!     entity_type: "ORDER", index: None, pk: "USER#{user_id}", sk_begins_with: Some("ORDER#"),
//! };
//! ```

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnConsumedCapacity, Select};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Client;
use crate::batch::{WriteOp, WriteReport};
use crate::error::Error;
use crate::item::Item;

/// The keys of an entity in one index: its key attributes and the templates of their values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexKeys {
    pub index: &'static str,
    pub pk_attribute: &'static str,
    pub sk_attribute: Option<&'static str>,
    pub pk: &'static str,
    pub sk: Option<&'static str>,
}

/// How an entity type lives in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntityDef {
    /// Stored in the table's type attribute (default `entity_type`).
    pub entity_type: &'static str,
    /// Template of the table's partition key.
    pub pk: &'static str,
    /// Template of the table's sort key.
    pub sk: &'static str,
    /// Overloaded index keys. An index key is written only when every field its templates name
    /// is present, so an entity without those fields stays out of the index (a sparse index).
    pub indexes: &'static [IndexKeys],
    /// A field holding an epoch-seconds number, copied into the table's TTL attribute.
    pub ttl_field: Option<&'static str>,
}

/// A Rust type stored as one kind of item in a single table.
pub trait Entity: Serialize + DeserializeOwned {
    const DEF: EntityDef;
}

/// A read of the table or one index: the partition-key template and an optional sort-key
/// prefix template (rendered with the fields given at query time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessPattern {
    /// Only items of this type are returned (the others are skipped).
    pub entity_type: &'static str,
    pub index: Option<&'static str>,
    pub pk: &'static str,
    pub sk_begins_with: Option<&'static str>,
}

/// A condition on the sort key of a query, instead of the pattern's prefix.
#[derive(Debug, Clone, PartialEq)]
pub enum SortCondition {
    Eq(AttributeValue),
    Lt(AttributeValue),
    Le(AttributeValue),
    Gt(AttributeValue),
    Ge(AttributeValue),
    Between(AttributeValue, AttributeValue),
    BeginsWith(String),
}

/// Options of one query page.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryOptions {
    pub ascending: bool,
    pub limit: Option<i32>,
    pub start: Option<Item>,
    pub consistent_read: bool,
    pub sort: Option<SortCondition>,
    /// A FilterExpression, with its placeholders.
    pub filter: Option<String>,
    pub names: HashMap<String, String>,
    pub values: HashMap<String, AttributeValue>,
    /// Attributes to return (a projection); keys and the type attribute are always added.
    pub attributes: Option<Vec<String>>,
}

impl Default for QueryOptions {
    fn default() -> Self {
        QueryOptions {
            ascending: true,
            limit: None,
            start: None,
            consistent_read: false,
            sort: None,
            filter: None,
            names: HashMap::new(),
            values: HashMap::new(),
            attributes: None,
        }
    }
}

impl QueryOptions {
    pub fn descending() -> Self {
        QueryOptions {
            ascending: false,
            ..Self::default()
        }
    }
}

/// A page of a typed query.
#[derive(Debug, Clone)]
pub struct QueryPage<T> {
    pub items: Vec<T>,
    pub last_evaluated_key: Option<Item>,
    pub consumed_capacity: f64,
    pub scanned_count: i32,
}

/// Renders a key template with the fields of `fields`. Strings render as themselves, numbers as
/// their decimal text, booleans as `true`/`false`.
pub fn render(template: &str, fields: &Item) -> Result<String, Error> {
    render_prefix(template, fields, false)
}

fn field_text(v: &AttributeValue) -> Option<String> {
    match v {
        AttributeValue::S(s) => Some(s.clone()),
        AttributeValue::N(n) => Some(n.clone()),
        AttributeValue::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Renders up to the first missing field when `partial` (a prefix for `begins_with`).
fn render_prefix(template: &str, fields: &Item, partial: bool) -> Result<String, Error> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..]
            .find('}')
            .ok_or_else(|| Error::Key(format!("unclosed {{ in key template {template:?}")))?;
        let name = &rest[open + 1..open + close];
        match fields.get(name).and_then(field_text) {
            Some(text) => out.push_str(&text),
            None if partial => return Ok(out),
            None => {
                return Err(Error::Key(format!(
                    "key template {template:?} needs field {name:?} (a string, number or boolean)"
                )));
            }
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Turns a list of `(field, value)` pairs into the fields a template renders from.
pub fn fields<I, K, V>(pairs: I) -> Item
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    pairs
        .into_iter()
        .map(|(k, v)| (k.into(), AttributeValue::S(v.into())))
        .collect()
}

/// A single table: its key attribute names, type attribute and TTL attribute.
#[derive(Clone)]
pub struct SingleTable {
    client: Client,
    pub name: String,
    pub pk_attribute: String,
    pub sk_attribute: String,
    pub type_attribute: String,
    pub ttl_attribute: String,
}

impl SingleTable {
    /// A table keyed `PK`/`SK`, with the type in `entity_type` and TTL in `ttl`.
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        SingleTable {
            client,
            name: name.into(),
            pk_attribute: "PK".to_string(),
            sk_attribute: "SK".to_string(),
            type_attribute: "entity_type".to_string(),
            ttl_attribute: "ttl".to_string(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The item stored for `entity`: its fields, its keys, its index keys, type and TTL.
    pub fn to_item<E: Entity>(&self, entity: &E) -> Result<Item, Error> {
        let mut item: Item = serde_dynamo::to_item(entity)?;
        let def = E::DEF;
        let pk = render(def.pk, &item)?;
        let sk = render(def.sk, &item)?;
        let mut index_keys = Vec::new();
        for ix in def.indexes {
            let Ok(pk) = render(ix.pk, &item) else {
                continue;
            };
            let sk = match (ix.sk_attribute, ix.sk) {
                (Some(attr), Some(t)) => match render(t, &item) {
                    Ok(v) => Some((attr, v)),
                    Err(_) => continue,
                },
                _ => None,
            };
            index_keys.push((ix.pk_attribute, pk, sk));
        }
        if let Some(field) = def.ttl_field
            && let Some(v @ AttributeValue::N(_)) = item.get(field).cloned()
        {
            item.insert(self.ttl_attribute.clone(), v);
        }
        item.insert(self.pk_attribute.clone(), AttributeValue::S(pk));
        item.insert(self.sk_attribute.clone(), AttributeValue::S(sk));
        for (attr, pk, sk) in index_keys {
            item.insert(attr.to_string(), AttributeValue::S(pk));
            if let Some((a, v)) = sk {
                item.insert(a.to_string(), AttributeValue::S(v));
            }
        }
        item.insert(
            self.type_attribute.clone(),
            AttributeValue::S(def.entity_type.to_string()),
        );
        Ok(item)
    }

    /// The table key of the entity whose key fields are `fields`.
    pub fn key<E: Entity>(&self, fields: &Item) -> Result<Item, Error> {
        Ok(Item::from([
            (
                self.pk_attribute.clone(),
                AttributeValue::S(render(E::DEF.pk, fields)?),
            ),
            (
                self.sk_attribute.clone(),
                AttributeValue::S(render(E::DEF.sk, fields)?),
            ),
        ]))
    }

    /// PutItem of one entity; returns the write units consumed.
    pub async fn put<E: Entity>(&self, entity: &E) -> Result<f64, Error> {
        let item = self.to_item(entity)?;
        let out = self
            .client
            .backoff()
            .run(|| {
                let request = self
                    .client
                    .sdk()
                    .put_item()
                    .table_name(&self.name)
                    .set_item(Some(item.clone()))
                    .return_consumed_capacity(ReturnConsumedCapacity::Total);
                async move { request.send().await.map_err(Error::from) }
            })
            .await?;
        Ok(out
            .consumed_capacity()
            .and_then(|c| c.capacity_units())
            .unwrap_or(0.0))
    }

    /// Puts many entities with the batch writer (see [`Client::write_batch`]).
    pub async fn put_all<'a, E: Entity + 'a>(
        &self,
        entities: impl IntoIterator<Item = &'a E>,
    ) -> Result<WriteReport, Error> {
        let ops = entities
            .into_iter()
            .map(|e| self.to_item(e).map(WriteOp::Put))
            .collect::<Result<Vec<_>, Error>>()?;
        self.client.write_batch(&self.name, ops).await
    }

    /// GetItem of the entity whose key fields are `fields`.
    pub async fn get<E: Entity>(&self, fields: &Item) -> Result<Option<E>, Error> {
        let key = self.key::<E>(fields)?;
        let out = self
            .client
            .backoff()
            .run(|| {
                let request = self
                    .client
                    .sdk()
                    .get_item()
                    .table_name(&self.name)
                    .set_key(Some(key.clone()));
                async move { request.send().await.map_err(Error::from) }
            })
            .await?;
        match out.item {
            Some(item) => Ok(Some(serde_dynamo::from_item(item)?)),
            None => Ok(None),
        }
    }

    /// One page of a query by access pattern, deserialized into `T` (the entity, or a
    /// projection of it when `options.attributes` is set).
    pub async fn query<T: DeserializeOwned>(
        &self,
        pattern: &AccessPattern,
        fields: &Item,
        options: &QueryOptions,
    ) -> Result<QueryPage<T>, Error> {
        let schema = self.client.key_schema(&self.name).await?;
        let keys = match pattern.index {
            None => schema.table.clone(),
            Some(ix) => schema
                .indexes
                .get(ix)
                .cloned()
                .ok_or_else(|| Error::Key(format!("{} has no index {ix}", self.name)))?,
        };
        let pk_attr = keys
            .first()
            .ok_or_else(|| Error::Key("the table has no key schema".to_string()))?;
        let mut names = options.names.clone();
        let mut values = options.values.clone();
        names.insert("#dynolab_pk".into(), pk_attr.clone());
        values.insert(
            ":dynolab_pk".into(),
            AttributeValue::S(render(pattern.pk, fields)?),
        );
        let mut condition = "#dynolab_pk = :dynolab_pk".to_string();
        let sort = match (&options.sort, pattern.sk_begins_with) {
            (Some(s), _) => Some(s.clone()),
            (None, Some(t)) => Some(SortCondition::BeginsWith(render_prefix(t, fields, true)?)),
            (None, None) => None,
        };
        if let Some(sort) = sort {
            let sk_attr = keys
                .get(1)
                .ok_or_else(|| Error::Key("the access pattern's key has no sort key".into()))?;
            names.insert("#dynolab_sk".into(), sk_attr.clone());
            let mut v = |name: &str, value: AttributeValue| {
                values.insert(name.to_string(), value);
            };
            let clause = match sort {
                SortCondition::Eq(x) => (v(":dynolab_sk", x), "#dynolab_sk = :dynolab_sk").1,
                SortCondition::Lt(x) => (v(":dynolab_sk", x), "#dynolab_sk < :dynolab_sk").1,
                SortCondition::Le(x) => (v(":dynolab_sk", x), "#dynolab_sk <= :dynolab_sk").1,
                SortCondition::Gt(x) => (v(":dynolab_sk", x), "#dynolab_sk > :dynolab_sk").1,
                SortCondition::Ge(x) => (v(":dynolab_sk", x), "#dynolab_sk >= :dynolab_sk").1,
                SortCondition::Between(a, b) => {
                    v(":dynolab_sk", a);
                    v(":dynolab_sk2", b);
                    "#dynolab_sk BETWEEN :dynolab_sk AND :dynolab_sk2"
                }
                SortCondition::BeginsWith(p) => {
                    v(":dynolab_sk", AttributeValue::S(p));
                    "begins_with(#dynolab_sk, :dynolab_sk)"
                }
            };
            condition = format!("{condition} AND {clause}");
        }
        let projection = options.attributes.as_ref().map(|attrs| {
            let mut all: Vec<String> = attrs.clone();
            all.extend(schema.start_key_attributes(pattern.index));
            all.push(self.type_attribute.clone());
            all.sort();
            all.dedup();
            all.iter()
                .enumerate()
                .map(|(i, a)| {
                    let p = format!("#dynolab_p{i}");
                    names.insert(p.clone(), a.clone());
                    p
                })
                .collect::<Vec<_>>()
                .join(", ")
        });
        let out = self
            .client
            .backoff()
            .run(|| {
                let request = self
                    .client
                    .sdk()
                    .query()
                    .table_name(&self.name)
                    .set_index_name(pattern.index.map(str::to_string))
                    .key_condition_expression(&condition)
                    .set_filter_expression(options.filter.clone())
                    .set_projection_expression(projection.clone())
                    .set_select(projection.as_ref().map(|_| Select::SpecificAttributes))
                    .set_expression_attribute_names(Some(names.clone()))
                    .set_expression_attribute_values(Some(values.clone()))
                    .scan_index_forward(options.ascending)
                    .set_limit(options.limit)
                    .consistent_read(options.consistent_read)
                    .set_exclusive_start_key(options.start.clone())
                    .return_consumed_capacity(ReturnConsumedCapacity::Total);
                async move { request.send().await.map_err(Error::from) }
            })
            .await?;
        let mut items = Vec::new();
        for item in out.items.unwrap_or_default() {
            let is_type = matches!(
                item.get(&self.type_attribute),
                Some(AttributeValue::S(t)) if t == pattern.entity_type
            );
            if is_type {
                items.push(serde_dynamo::from_item(item)?);
            }
        }
        Ok(QueryPage {
            items,
            last_evaluated_key: out.last_evaluated_key,
            consumed_capacity: out
                .consumed_capacity
                .and_then(|c| c.capacity_units)
                .unwrap_or(0.0),
            scanned_count: out.scanned_count,
        })
    }
}

/// Deserializes an item (from a scatter-gather or any raw read) into `T`.
pub fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, Error> {
    Ok(serde_dynamo::from_item(item)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_render_fields_and_prefixes() {
        let f = Item::from([
            ("user_id".into(), AttributeValue::S("u1".into())),
            ("created_at".into(), AttributeValue::S("2026-11-23".into())),
            ("amount".into(), AttributeValue::N("42.5".into())),
        ]);
        assert_eq!(render("USER#{user_id}", &f).unwrap(), "USER#u1");
        assert_eq!(render("AMT#{amount}", &f).unwrap(), "AMT#42.5");
        assert!(matches!(
            render("ORDER#{created_at}#{order_id}", &f),
            Err(Error::Key(_))
        ));
        assert_eq!(
            render_prefix("ORDER#{created_at}#{order_id}", &f, true).unwrap(),
            "ORDER#2026-11-23#"
        );
        assert_eq!(render("METADATA", &f).unwrap(), "METADATA");
        assert!(matches!(render("X#{oops", &f), Err(Error::Key(_))));
    }
}
