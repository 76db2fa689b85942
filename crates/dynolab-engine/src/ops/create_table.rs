//! CreateTable: validation of key schema, attribute definitions, indexes and throughput with
//! DynamoDB's messages; the table is CREATING for `Lifecycle::table_create_secs` (ACTIVE at once
//! by default, see docs/COMPAT.md).

use dynolab_model::wire::{Check, Checked, TABLE_NAME_CHECKS, Ty, field};
use dynolab_model::{ApiError, ValueType};
use dynolab_storage::Mutation;
use serde_json::{Map, Value, json};

use super::describe_table::describe;
use super::shapes::*;
use crate::table::{
    BillingMode, IndexMeta, KeySchema, ProjectionType, TableMeta, TableStatus, Throughput,
};
use crate::{Engine, Outcome, TableState};

pub(crate) static SHAPE: super::Shape = &[
    field(
        "AttributeDefinitions",
        ATTRIBUTE_DEFINITIONS,
        &[Check::NotNull],
    ),
    field("TableName", Ty::String, TABLE_NAME_CHECKS),
    field(
        "BillingMode",
        Ty::String,
        &[Check::Enum(&["PROVISIONED", "PAY_PER_REQUEST"])],
    ),
    field("ProvisionedThroughput", THROUGHPUT, &[]),
    field(
        "KeySchema",
        Ty::List(
            &Ty::Struct(
                "KeySchemaElement",
                &[
                    field("AttributeName", Ty::String, &[Check::NotNull]),
                    field(
                        "KeyType",
                        Ty::String,
                        &[Check::NotNull, Check::Enum(&["HASH", "RANGE"])],
                    ),
                ],
            ),
            &[],
        ),
        KEY_SCHEMA_CHECKS,
    ),
    field(
        "LocalSecondaryIndexes",
        Ty::List(&Ty::Struct("LocalSecondaryIndex", LSI_FIELDS), &[]),
        &[],
    ),
    field(
        "GlobalSecondaryIndexes",
        Ty::List(&Ty::Struct("GlobalSecondaryIndex", GSI_FIELDS), &[]),
        &[],
    ),
    field("StreamSpecification", STREAM_SPECIFICATION, &[]),
    field("SSESpecification", SSE_SPECIFICATION, &[]),
    field("Tags", TAGS, &[]),
    TABLE_CLASS,
    DELETION_PROTECTION,
    field("OnDemandThroughput", ON_DEMAND_THROUGHPUT, &[]),
    field("WarmThroughput", WARM_THROUGHPUT, &[]),
    field("ResourcePolicy", Ty::String, &[]),
];

const MAX_GSIS: usize = 20;
const MAX_LSIS: usize = 5;
/// Provisioned capacity above this is rejected as out of bounds.
const MAX_PROVISIONED_UNITS: i64 = 1_000_000_000_000;

fn invalid(detail: impl std::fmt::Display) -> ApiError {
    ApiError::invalid_parameter(detail)
}

pub(crate) struct KeyElement {
    pub name: String,
    pub key_type: String,
}

pub(crate) fn key_elements(list: &[Value]) -> Vec<KeyElement> {
    list.iter()
        .filter_map(Value::as_object)
        .map(|m| KeyElement {
            name: m.str_field("AttributeName").unwrap_or_default().to_string(),
            key_type: m.str_field("KeyType").unwrap_or_default().to_string(),
        })
        .collect()
}

/// Validates a key schema (table or index) and returns it.
pub(crate) fn key_schema(elements: &[KeyElement], defs: &[String]) -> Result<KeySchema, ApiError> {
    let names: Vec<&str> = elements.iter().map(|e| e.name.as_str()).collect();
    if names.iter().any(|k| !defs.iter().any(|d| d == k)) {
        return Err(invalid(format!(
            "Some index key attributes are not defined in AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}]",
            names.join(", "),
            defs.join(", ")
        )));
    }
    if elements.len() == 2 && elements[0].name == elements[1].name {
        return Err(ApiError::validation(
            "Both the Hash Key and the Range Key element in the KeySchema have the same name",
        ));
    }
    if elements[0].key_type != "HASH" {
        return Err(ApiError::validation(
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
        ));
    }
    if elements.len() == 2 && elements[1].key_type != "RANGE" {
        return Err(ApiError::validation(
            "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type",
        ));
    }
    Ok(KeySchema {
        hash: elements[0].name.clone(),
        range: elements.get(1).map(|e| e.name.clone()),
    })
}

pub(crate) fn throughput(req: &Map<String, Value>) -> Result<Option<Throughput>, ApiError> {
    throughput_member(req, "ProvisionedThroughput")
}

/// A throughput-shaped member (`ProvisionedThroughput`, `ProvisionedThroughputOverride`).
pub(crate) fn throughput_member(
    req: &Map<String, Value>,
    member: &str,
) -> Result<Option<Throughput>, ApiError> {
    let Some(pt) = req.obj_field(member) else {
        return Ok(None);
    };
    let read = pt.int_field("ReadCapacityUnits").unwrap_or(0);
    let write = pt.int_field("WriteCapacityUnits").unwrap_or(0);
    if read > MAX_PROVISIONED_UNITS {
        return Err(ApiError::validation(format!(
            "Given value {read} for ReadCapacityUnits is out of bounds"
        )));
    }
    if write > MAX_PROVISIONED_UNITS {
        return Err(ApiError::validation(format!(
            "Given value {write} for WriteCapacityUnits is out of bounds"
        )));
    }
    Ok(Some(Throughput::new(read as u64, write as u64)))
}

/// Parses and validates one secondary index definition.
pub(crate) fn index(
    def: &Map<String, Value>,
    defs: &[String],
    table: &KeySchema,
    global: bool,
    billing: BillingMode,
) -> Result<IndexMeta, ApiError> {
    let name = def.str_field("IndexName").unwrap_or_default().to_string();
    let elements = key_elements(
        def.list_field("KeySchema")
            .map(Vec::as_slice)
            .unwrap_or_default(),
    );
    let schema = key_schema(&elements, defs)?;
    if !global {
        if elements.len() != 2 {
            return Err(invalid(format!(
                "Index KeySchema does not have a range key for index: {name}"
            )));
        }
        if schema.hash != table.hash {
            return Err(invalid(format!(
                "Index KeySchema does not have the same leading hash key as table KeySchema for index: {name}. index hash key: {}, table hash key: {}",
                schema.hash, table.hash
            )));
        }
    }
    let projection = def.obj_field("Projection").cloned().unwrap_or_default();
    let projection_type = match projection.str_field("ProjectionType") {
        Some("ALL") => ProjectionType::All,
        Some("KEYS_ONLY") => ProjectionType::KeysOnly,
        Some("INCLUDE") => ProjectionType::Include,
        _ => return Err(invalid("Unknown ProjectionType: null")),
    };
    let non_key: Vec<String> = projection
        .list_field("NonKeyAttributes")
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if projection.contains_key("NonKeyAttributes") && projection_type != ProjectionType::Include {
        return Err(invalid(format!(
            "ProjectionType is {}, but NonKeyAttributes is specified",
            projection_type.as_str()
        )));
    }
    let mut throughput_value = None;
    if global {
        let pt = throughput(def)?;
        match (billing, pt) {
            (BillingMode::PayPerRequest, Some(_)) => {
                return Err(invalid(format!(
                    "ProvisionedThroughput should not be specified for index: {name} when BillingMode is PAY_PER_REQUEST"
                )));
            }
            (BillingMode::Provisioned, None) => {
                return Err(invalid(format!(
                    "ProvisionedThroughput must be specified for index: {name}"
                )));
            }
            (_, pt) => throughput_value = pt,
        }
    }
    Ok(IndexMeta {
        name,
        key_schema: schema,
        projection: projection_type,
        non_key_attributes: non_key,
        throughput: throughput_value,
        global,
        creating_until: None,
    })
}

pub(crate) fn attribute_definitions(req: &Map<String, Value>) -> Vec<(String, ValueType)> {
    req.list_field("AttributeDefinitions")
        .map(|l| {
            l.iter()
                .filter_map(Value::as_object)
                .map(|m| {
                    let name = m.str_field("AttributeName").unwrap_or_default().to_string();
                    let ty = m
                        .str_field("AttributeType")
                        .and_then(ValueType::parse)
                        .unwrap_or(ValueType::S);
                    (name, ty)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn validate(engine: &Engine, req: &Map<String, Value>) -> Result<TableMeta, ApiError> {
    let billing = match req.str_field("BillingMode") {
        Some("PAY_PER_REQUEST") => BillingMode::PayPerRequest,
        _ => BillingMode::Provisioned,
    };
    let pt = throughput(req)?;
    match billing {
        BillingMode::PayPerRequest if pt.is_some() => {
            return Err(invalid(
                "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
            ));
        }
        BillingMode::Provisioned if pt.is_none() => {
            return Err(invalid(
                "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
            ));
        }
        _ => {}
    }
    let definitions = attribute_definitions(req);
    let def_names: Vec<String> = definitions.iter().map(|(n, _)| n.clone()).collect();
    let elements = key_elements(
        req.list_field("KeySchema")
            .map(Vec::as_slice)
            .unwrap_or_default(),
    );
    if elements.len() > def_names.len() {
        return Err(ApiError::validation(
            "Invalid KeySchema: Some index key attribute have no definition",
        ));
    }
    let schema = key_schema(&elements, &def_names)?;
    let lsi_defs = req.list_field("LocalSecondaryIndexes");
    let gsi_defs = req.list_field("GlobalSecondaryIndexes");
    let mut names = std::collections::HashSet::new();
    let mut lsis = Vec::new();
    if let Some(list) = lsi_defs {
        if list.is_empty() {
            return Err(invalid("List of LocalSecondaryIndexes is empty"));
        }
        if schema.range.is_none() {
            return Err(invalid(
                "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
            ));
        }
        for def in list.iter().filter_map(Value::as_object) {
            let index = index(def, &def_names, &schema, false, billing)?;
            if !names.insert(index.name.clone()) {
                return Err(invalid(format!("Duplicate index name: {}", index.name)));
            }
            lsis.push(index);
        }
        if lsis.len() > MAX_LSIS {
            return Err(invalid(
                "Number of LocalSecondaryIndexes exceeds per-table limit of 5",
            ));
        }
    }
    let mut gsis = Vec::new();
    if let Some(list) = gsi_defs {
        if list.is_empty() {
            return Err(invalid("List of GlobalSecondaryIndexes is empty"));
        }
        for def in list.iter().filter_map(Value::as_object) {
            let index = index(def, &def_names, &schema, true, billing)?;
            if !names.insert(index.name.clone()) {
                return Err(invalid(format!("Duplicate index name: {}", index.name)));
            }
            gsis.push(index);
        }
        if gsis.len() > MAX_GSIS {
            return Err(invalid(
                "GlobalSecondaryIndex count exceeds the per-table limit of 20",
            ));
        }
    }
    let used: std::collections::HashSet<&str> = schema
        .names()
        .chain(
            gsis.iter()
                .chain(lsis.iter())
                .flat_map(|i| i.key_schema.names()),
        )
        .collect();
    if def_names.iter().any(|d| !used.contains(d.as_str())) || used.len() != def_names.len() {
        return Err(invalid(
            "Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
        ));
    }
    let tags = crate::tags::parse_tags(
        req.list_field("Tags")
            .map(Vec::as_slice)
            .unwrap_or_default(),
    )?;
    if tags.len() > crate::tags::MAX_TAGS {
        return Err(crate::tags::too_many());
    }
    let tags = tags.into_iter().collect();
    let name = req.str_field("TableName").unwrap_or_default().to_string();
    let now = engine.now();
    let id = engine
        .next_table_id
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let mut extra = Map::new();
    for key in ["SSESpecification", "OnDemandThroughput", "WarmThroughput"] {
        if let Some(v) = req.get(key) {
            extra.insert(key.to_string(), v.clone());
        }
    }
    Ok(TableMeta {
        arn: engine.table_arn(&name),
        table_id: table_uuid(id, now.as_micros()),
        name,
        id,
        created_secs: now.as_secs_f64(),
        attribute_definitions: definitions,
        key_schema: schema,
        billing_mode: billing,
        throughput: pt.unwrap_or_default(),
        billing_mode_changed_secs: (billing == BillingMode::PayPerRequest)
            .then(|| now.as_secs_f64()),
        gsis,
        lsis,
        deletion_protection: req.bool_field("DeletionProtectionEnabled").unwrap_or(false),
        table_class: req.str_field("TableClass").map(str::to_string),
        on_demand_switches_secs: Vec::new(),
        extra,
        status: TableStatus::Active,
        status_until: None,
        deleting_gsis: Vec::new(),
        tags,
        ttl: None,
        ttl_changed: None,
        streams: Vec::new(),
        scaling: Default::default(),
        pitr: None,
    })
}

/// A UUID-shaped table id, deterministic given the internal id and creation time.
pub(crate) fn table_uuid(id: u64, micros: u64) -> String {
    let a = micros ^ id.rotate_left(17);
    let b = id.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ micros;
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a as u32,
        (a >> 32) as u16,
        (b >> 4) as u16 & 0xFFF,
        (b >> 20) as u16 & 0xFFF,
        b >> 16 & 0xFFFF_FFFF_FFFF
    )
}

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    check_table_class(req)?;
    let stream = crate::history::stream_change(req.obj_field("StreamSpecification"), None)?;
    let mut meta = validate(engine, req)?;
    if let Some(until) = engine.transition_end(engine.config.lifecycle.table_create_secs) {
        meta.status = TableStatus::Creating;
        meta.status_until = Some(until);
    }
    let mut tables = engine.tables_write();
    if tables.contains_key(&meta.name) {
        return Err(ApiError::resource_in_use(format!(
            "Table already exists: {}",
            meta.name
        )));
    }
    let now = engine.now();
    let mut state = TableState::new(meta, engine.table_data(), &engine.capacity_config(), now);
    if let Some(change) = &stream {
        let TableState { meta, history, .. } = &mut state;
        crate::history::change_stream(meta, history, change, now);
    }
    install(engine, &mut tables, state, Vec::new())
}

/// Adds a new table (CreateTable, or a restore with its items already loaded): stores its
/// metadata, then `items` (the restored items' mutations), starts billing it, and answers its
/// description. The caller holds the catalog's write lock and has checked that the name is free.
pub(crate) fn install(
    engine: &Engine,
    tables: &mut std::collections::BTreeMap<String, crate::TableHandle>,
    state: TableState,
    items: Vec<Mutation>,
) -> Result<Outcome, ApiError> {
    let meta_bytes =
        serde_json::to_vec(&state.meta).map_err(|e| ApiError::internal(e.to_string()))?;
    let mut mutations = vec![Mutation::PutMeta {
        name: state.meta.name.clone(),
        meta: meta_bytes,
    }];
    mutations.extend(items);
    let ticket = engine.submit(mutations);
    engine.billing_changed(&state.meta);
    engine.sample_storage(&state);
    let description = describe(&state);
    tables.insert(
        state.meta.name.clone(),
        std::sync::Arc::new(std::sync::RwLock::new(state)),
    );
    Ok(Outcome {
        body: json!({"TableDescription": description}),
        ticket,
    })
}
