//! PartiQL statements over the engine's machinery, shared by ExecuteStatement,
//! BatchExecuteStatement and ExecuteTransaction: a SELECT reads pages through
//! [`read::read_page`] (a Query of the partitions its WHERE pins, otherwise a Scan), and
//! INSERT / UPDATE / DELETE become single-item writes through `check_condition` →
//! `write_item` (the one write path), or transaction actions. WHERE clauses are evaluated by
//! dynolab-expr's evaluator. See `docs/design/partiql.md`.

use std::ops::Bound;

use base64::Engine as _;
use dynolab_capacity::{Consumed, ReadKind};
use dynolab_expr::{Cond, Condition, KeyCondition, Path, Projection};
use dynolab_model::size::{MAX_ITEM_SIZE_BYTES, item_size_bytes};
use dynolab_model::value::item_to_json;
use dynolab_model::{ApiError, AttributeValue, ErrorCode, Item};
use dynolab_partiql::{PartiqlError, Returning, Select, Statement, msg, translate};
use serde_json::{Value, json};

use crate::read::{self, PageRequest};
use crate::table::{IndexMeta, TableMeta, check_index_keys};
use crate::{Engine, TableState, read_lock, write_lock};

pub(crate) fn invalid(e: PartiqlError) -> ApiError {
    ApiError::validation(e.message)
}

/// Parses a statement and binds its `Parameters` (DynamoDB JSON values).
pub(crate) fn prepare(text: &str, params: Option<&Vec<Value>>) -> Result<Statement, ApiError> {
    let values = params
        .map(|p| {
            p.iter()
                .map(|v| AttributeValue::from_json(v).map_err(ApiError::validation))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let stmt = dynolab_partiql::prepare(text, &values).map_err(invalid)?;
    dynolab_partiql::check_names(&stmt).map_err(invalid)?;
    Ok(stmt)
}

fn key_names(meta: &TableMeta) -> Vec<&str> {
    meta.key_schema.names().collect()
}

fn and(a: Option<Cond>, b: Option<Cond>) -> Option<Cond> {
    match (a, b) {
        (Some(a), Some(b)) => Some(Cond::And(Box::new(a), Box::new(b))),
        (a, b) => a.or(b),
    }
}

/// The item exists: `attribute_exists(<partition key>)`.
fn exists(meta: &TableMeta) -> Cond {
    Cond::AttributeExists(Path::attr(meta.key_schema.hash.clone()))
}

fn key_type_error(name: &str) -> ApiError {
    ApiError::validation(format!(
        "Key attribute's data type should match its data type in table's schema: Key {name}"
    ))
}

/// Key values must have the schema's types.
fn check_key_types(meta: &TableMeta, key: &Item) -> Result<(), ApiError> {
    for name in meta.key_schema.names() {
        if let (Some(v), Some(t)) = (key.get(name), meta.attr_type(name))
            && v.value_type() != t
        {
            return Err(key_type_error(name));
        }
    }
    Ok(())
}

/// The checks DynamoDB makes of the constants a SELECT compares key attributes with (the
/// table's keys, and the index's when it reads one), before reading: a value of another type
/// than the key's is refused (with the key's name when it is in the Query's key condition), and
/// so is an empty string or binary. The filter's operands are checked first, as DynamoDB Local
/// does (`translate::key_operands`).
fn check_key_operands(
    meta: &TableMeta,
    index: Option<&IndexMeta>,
    where_: &dynolab_partiql::Expr,
) -> Result<(), ApiError> {
    let schema = index.map_or(&meta.key_schema, |i| &i.key_schema);
    let mut names: Vec<&str> = meta.key_schema.names().collect();
    for name in index.into_iter().flat_map(|i| i.key_schema.names()) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    let operands = translate::key_operands(where_, &schema.hash, schema.range.as_deref(), &names);
    let mismatched =
        |name: &str, v: &AttributeValue| meta.attr_type(name).is_some_and(|t| t != v.value_type());
    for (name, v) in operands.filter {
        if mismatched(name, v) {
            return Err(ApiError::invalid_parameter(
                "Condition parameter type does not match schema type",
            ));
        }
        crate::ops::check_not_empty(name, v)?;
    }
    for (name, v) in operands.key_condition {
        if mismatched(name, v) {
            return Err(key_type_error(name));
        }
        crate::ops::check_not_empty(name, v)?;
    }
    Ok(())
}

/// A select list names each value once: no path inside another (the message of a
/// ProjectionExpression), no two values under one output name (DynamoDB Local 1.25.1).
fn check_select_list(sel: &Select) -> Result<(), ApiError> {
    let Some(paths) = &sel.projection else {
        return Ok(());
    };
    for (i, path) in paths.iter().enumerate() {
        for prev in &paths[..i] {
            let n = prev.0.len().min(path.0.len());
            if prev.0[..n] == path.0[..n] {
                // The enclosing path first (DynamoDB Local's order).
                let (one, two) = if prev.0.len() <= path.0.len() {
                    (prev, path)
                } else {
                    (path, prev)
                };
                return Err(ApiError::validation(format!(
                    "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {}, path two: {}",
                    one.describe(),
                    two.describe()
                )));
            }
        }
    }
    let names: Vec<String> = paths.iter().map(Projection::output_name).collect();
    if let Some(dup) = names
        .iter()
        .enumerate()
        .find_map(|(i, n)| names[..i].contains(n).then_some(n))
    {
        return Err(ApiError::validation(format!(
            "Duplicate identifiers in select clause: {dup}"
        )));
    }
    Ok(())
}

/// A SELECT may not look inside a key attribute of the table or of any of its indexes, in its
/// WHERE clause or its projection: "Key: pk" for the table's keys, "IndexKey: g" for the others.
fn check_scalar_keys(meta: &TableMeta, sel: &Select) -> Result<(), ApiError> {
    let table_keys: Vec<&str> = meta.key_schema.names().collect();
    let mut index_keys: Vec<&str> = Vec::new();
    for name in meta
        .gsis
        .iter()
        .chain(&meta.lsis)
        .flat_map(|i| i.key_schema.names())
    {
        if !table_keys.contains(&name) && !index_keys.contains(&name) {
            index_keys.push(name);
        }
    }
    // The WHERE clause first, then the projection; in each, the table's keys in schema order,
    // then the indexes' (as DynamoDB Local reports them).
    let all: Vec<&str> = table_keys.iter().chain(&index_keys).copied().collect();
    let in_where = || {
        let w = sel.where_.as_ref()?;
        all.iter()
            .copied()
            .find(|name| translate::nested_path_on(w, &[name]).is_some())
    };
    let in_projection = || {
        let paths = sel.projection.as_ref()?;
        all.iter()
            .copied()
            .find(|name| paths.iter().any(|p| p.is_nested() && p.head() == *name))
    };
    let Some(name) = in_where().or_else(in_projection) else {
        return Ok(());
    };
    let kind = if table_keys.contains(&name) {
        "Key"
    } else {
        "IndexKey"
    };
    Err(ApiError::validation(format!(
        "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: {kind}: {name}"
    )))
}

/// What a write statement does to its one item.
pub(crate) enum WriteKind {
    Insert(Item),
    Update(dynolab_expr::Update),
    Delete,
    /// `EXISTS(SELECT ...)` in a transaction.
    Check,
}

pub(crate) struct WritePlan {
    pub kind: WriteKind,
    /// The key (the whole item for an INSERT).
    pub key_item: Item,
    pub condition: Option<Condition>,
    pub returning: Option<Returning>,
}

/// Translates a write statement against the table's key schema.
pub(crate) fn write_plan(meta: &TableMeta, stmt: &Statement) -> Result<WritePlan, ApiError> {
    let names = key_names(meta);
    let keyed = |where_: &dynolab_partiql::Expr| -> Result<(Item, Option<Cond>), ApiError> {
        let (key, rest) = translate::key_item(where_, &names).map_err(invalid)?;
        check_key_types(meta, &key)?;
        Ok((key, rest))
    };
    let plan = match stmt {
        Statement::Insert(ins) => {
            let item = translate::insert_item(&ins.value).map_err(invalid)?;
            check_key_types(meta, &item)?;
            WritePlan {
                key_item: item.clone(),
                kind: WriteKind::Insert(item),
                condition: Some(Condition::from_ast(Cond::AttributeNotExists(Path::attr(
                    meta.key_schema.hash.clone(),
                )))),
                returning: None,
            }
        }
        Statement::Update(up) => {
            let update = translate::update(&up.actions).map_err(invalid)?;
            let (key, rest) = keyed(&up.where_)?;
            WritePlan {
                kind: WriteKind::Update(update),
                key_item: key,
                condition: and(Some(exists(meta)), rest).map(Condition::from_ast),
                returning: up.returning,
            }
        }
        Statement::Delete(del) => {
            let (key, rest) = keyed(&del.where_)?;
            WritePlan {
                kind: WriteKind::Delete,
                key_item: key,
                condition: rest.map(Condition::from_ast),
                returning: del.returning,
            }
        }
        Statement::Exists(sel) => {
            if sel.index.is_some() {
                return Err(ApiError::validation(
                    "Operations on indices are not supported in transactions",
                ));
            }
            let where_ = sel.where_.as_ref().ok_or_else(|| {
                ApiError::validation(
                    "EXISTS() must contain a single item read with additional condition",
                )
            })?;
            let (key, rest) = keyed(where_).map_err(|_| {
                ApiError::validation(
                    "EXISTS() must contain a single item read with additional condition",
                )
            })?;
            WritePlan {
                kind: WriteKind::Check,
                key_item: key,
                condition: and(Some(exists(meta)), rest).map(Condition::from_ast),
                returning: None,
            }
        }
        // Callers plan writes only; a SELECT reaching here is refused, not a panic.
        Statement::Select(_) => {
            return Err(ApiError::validation(
                dynolab_partiql::msg::EXPECTED_DML.to_string(),
            ));
        }
    };
    Ok(plan)
}

/// A write statement's effect: what to answer and what to make durable.
pub(crate) struct Written {
    pub table: String,
    pub consumed: Consumed,
    pub mutations: Vec<dynolab_storage::Mutation>,
    /// The item `RETURNING` asks for.
    pub returned: Option<Item>,
}

/// Runs one INSERT / UPDATE / DELETE as a single-item write (condition, capacity, apply).
pub(crate) fn write(
    engine: &Engine,
    stmt: &Statement,
    wants_old: bool,
) -> Result<Written, ApiError> {
    if matches!(stmt, Statement::Exists(_)) {
        return Err(ApiError::validation(msg::EXISTS_OUTSIDE_TRANSACTION));
    }
    let table = stmt.table().to_string();
    let handle = engine.table(&table)?;
    let now = engine.now();
    let mut state = write_lock(&handle);
    let plan = write_plan(&state.meta, stmt)?;
    let condition = plan.condition.as_ref();
    let (write, returned) = match plan.kind {
        WriteKind::Insert(item) => {
            if item_size_bytes(&item) > MAX_ITEM_SIZE_BYTES {
                return Err(ApiError::validation(
                    "Item size has exceeded the maximum allowed size",
                ));
            }
            let key = state.meta.item_key(&item)?;
            check_index_keys(&state.meta, &item)?;
            let old = crate::ops::check_condition(
                engine,
                &state,
                false,
                &key,
                Some(&item),
                condition,
                now,
            )
            .map_err(|e| match e.code {
                ErrorCode::ConditionalCheckFailedException => {
                    ApiError::new(ErrorCode::DuplicateItemException, msg::DUPLICATE_ITEM)
                }
                _ => e,
            })?;
            (
                crate::ops::write_item(engine, &mut state, &key, old.as_ref(), Some(item), now)?,
                None,
            )
        }
        WriteKind::Update(update) => {
            let key = state.meta.key_from_param(&plan.key_item)?;
            state.meta.check_update_targets(&update)?;
            let current =
                crate::ops::check_condition(engine, &state, wants_old, &key, None, condition, now)?;
            let old = current.clone().unwrap_or_default();
            let mut new = old.clone();
            update
                .apply(&mut new)
                .map_err(|e| ApiError::validation(e.to_string()))?;
            if item_size_bytes(&new) > MAX_ITEM_SIZE_BYTES {
                return Err(ApiError::validation(
                    "Item size to update has exceeded the maximum allowed size",
                ));
            }
            check_index_keys(&state.meta, &new)?;
            let returned = plan.returning.map(|r| match r {
                Returning::AllOld => old.clone(),
                Returning::AllNew => new.clone(),
                Returning::ModifiedOld => update.updated_projection().apply(&old),
                Returning::ModifiedNew => update.updated_projection().apply(&new),
            });
            (
                crate::ops::write_item(engine, &mut state, &key, current.as_ref(), Some(new), now)?,
                returned,
            )
        }
        WriteKind::Delete => {
            let key = state.meta.key_from_param(&plan.key_item)?;
            let old =
                crate::ops::check_condition(engine, &state, wants_old, &key, None, condition, now)?;
            let write = crate::ops::write_item(engine, &mut state, &key, old.as_ref(), None, now)?;
            (
                write,
                old.filter(|_| plan.returning == Some(Returning::AllOld)),
            )
        }
        WriteKind::Check => {
            return Err(ApiError::validation(
                dynolab_partiql::msg::EXISTS_OUTSIDE_TRANSACTION.to_string(),
            ));
        }
    };
    Ok(Written {
        table,
        consumed: write.0,
        mutations: write.1,
        returned,
    })
}

/// Where a SELECT resumes: the index of the partition (of an `IN` list) and the last key read.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Resume {
    pub partition: usize,
    pub key: Option<Item>,
}

/// A fingerprint of the statement and its parameters: a NextToken only continues the request
/// that produced it.
fn fingerprint(statement: &str, params: Option<&Vec<Value>>) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let text = format!("{statement}\u{0}{}", json!(params));
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Encodes a NextToken.
pub(crate) fn encode_token(
    resume: &Resume,
    statement: &str,
    params: Option<&Vec<Value>>,
) -> String {
    let body = json!({
        "p": resume.partition,
        "k": resume.key.as_ref().map(item_to_json),
        "h": fingerprint(statement, params),
    });
    base64::engine::general_purpose::STANDARD.encode(body.to_string())
}

/// Decodes a NextToken of this statement.
pub(crate) fn decode_token(
    token: &str,
    statement: &str,
    params: Option<&Vec<Value>>,
) -> Result<Resume, ApiError> {
    let bad = || ApiError::validation("Invalid NextToken");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token)
        .map_err(|_| bad())?;
    let body: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    if body["h"].as_str() != Some(fingerprint(statement, params).as_str()) {
        return Err(ApiError::validation("NextToken does not match request"));
    }
    let partition = body["p"].as_u64().ok_or_else(bad)? as usize;
    let key = match &body["k"] {
        Value::Null => None,
        Value::Object(m) => Some(dynolab_model::value::item_from_json(m).map_err(|_| bad())?),
        _ => return Err(bad()),
    };
    Ok(Resume { partition, key })
}

/// An `IN` list (or OR of equalities) names at most 50 partition-key values.
const MAX_PARTITION_VALUES: usize = 50;

/// One page of a SELECT.
pub(crate) struct SelectPage {
    /// In DynamoDB's JSON form, as [`read::Page`] gives them.
    pub items: Vec<Value>,
    pub last_key: Option<Item>,
    pub resume: Option<Resume>,
    pub consumed: Consumed,
}

fn index_of<'a>(state: &'a TableState, sel: &Select) -> Result<Option<&'a IndexMeta>, ApiError> {
    match &sel.index {
        None => Ok(None),
        Some(name) => {
            // Query and Scan say it without the name; PartiQL names it (DynamoDB Local 1.25.1).
            let index = state.meta.index(name).ok_or_else(|| {
                ApiError::validation(format!(
                    "The table does not have the specified index: {name}"
                ))
            })?;
            // As Query and Scan answer (read::index).
            if index.creating_until.is_some() {
                return Err(ApiError::validation(format!(
                    "Cannot read from backfilling global secondary index: {name}"
                )));
            }
            Ok(Some(index))
        }
    }
}

/// A SELECT of an index may only filter on attributes the index projects, and (for a GSI)
/// only name attributes it projects.
fn check_projected(
    meta: &TableMeta,
    index: &IndexMeta,
    filter: Option<&Condition>,
    projection: Option<&[Path]>,
) -> Result<(), ApiError> {
    if let Some(f) = filter {
        crate::read::check_filter_projected(meta, index, f)?;
    }
    if index.global
        && let Some(paths) = projection
    {
        let heads = paths.iter().map(|p| p.head().to_string());
        crate::read::check_names_projected(index, &meta.key_schema, heads)?;
    }
    Ok(())
}

/// Runs one page of a SELECT: a Query of each partition the WHERE clause pins (`=` or `IN`
/// on the partition key, in order), otherwise a Scan; `limit` counts items read, as Query's
/// and Scan's `Limit` does.
pub(crate) fn select(
    engine: &Engine,
    sel: &Select,
    consistent: bool,
    limit: Option<usize>,
    resume: Option<Resume>,
) -> Result<SelectPage, ApiError> {
    let handle = engine.table(&sel.table)?;
    let state = read_lock(&handle);
    let index = index_of(&state, sel)?;
    if consistent && index.is_some_and(|i| i.global) {
        return Err(ApiError::validation(
            "Strongly consistent read is not supported on Global Secondary Indexes",
        ));
    }
    let schema = index.map_or(&state.meta.key_schema, |i| &i.key_schema);
    let filter = sel
        .where_
        .as_ref()
        .map(translate::condition)
        .transpose()
        .map_err(invalid)?
        .map(Condition::from_ast);
    let projection = sel.projection.clone().map(Projection::select_list);
    if let Some(i) = index {
        check_projected(&state.meta, i, filter.as_ref(), sel.projection.as_deref())?;
    }
    check_scalar_keys(&state.meta, sel)?;
    check_select_list(sel)?;
    if let Some(w) = &sel.where_ {
        check_key_operands(&state.meta, index, w)?;
    }
    let select = match (&projection, index) {
        (Some(_), _) => read::Select::Specific,
        (None, Some(_)) => read::Select::AllProjected,
        (None, None) => read::Select::AllAttributes,
    };
    let key_type = |name: &str| state.meta.attr_type(name);
    let partitions = sel
        .where_
        .as_ref()
        .and_then(|w| translate::partition_values(w, &schema.hash));
    if partitions
        .as_ref()
        .is_some_and(|p| p.len() > MAX_PARTITION_VALUES)
    {
        return Err(ApiError::validation(
            "Too many decomposed read operations for a given query.",
        ));
    }
    // A value of another type than the key's matches no item.
    let partitions = partitions.map(|values| {
        values
            .into_iter()
            .filter(|v| Some(v.value_type()) == key_type(&schema.hash))
            .collect::<Vec<_>>()
    });
    let range = match (&sel.where_, &schema.range) {
        (Some(w), Some(r)) => translate::range_condition(w, r).filter(|c| {
            c.values()
                .iter()
                .all(|v| Some(v.value_type()) == key_type(r))
        }),
        _ => None,
    };
    let forward = match &sel.order_by {
        None => true,
        Some((name, desc)) => {
            if sel.where_.is_none() {
                return Err(ApiError::validation(msg::ORDER_BY_NO_WHERE));
            }
            if partitions.is_none() {
                return Err(ApiError::validation(msg::ORDER_BY_NO_HASH));
            }
            if !schema.names().any(|k| k == name) {
                return Err(ApiError::validation(format!(
                    "Variable reference {name} in ORDER BY clause must be part of the primary key"
                )));
            }
            !desc
        }
    };
    let kind = ReadKind::from_consistent(consistent);
    let mut out = SelectPage {
        items: Vec::new(),
        last_key: None,
        resume: None,
        consumed: Consumed::default(),
    };
    let mut charges = Vec::new();
    // Contributor Insights keys: the partitions a Query read.
    let mut keys = Vec::new();
    let insights = engine.keys_wanted(&sel.table);
    match partitions {
        Some(values) => {
            let first = resume.as_ref().map_or(0, |r| r.partition);
            let mut read_so_far = 0;
            for (i, value) in values.iter().enumerate().skip(first) {
                let cond = KeyCondition {
                    hash_value: value.clone(),
                    range: range.clone(),
                };
                let (mut lower, mut upper) = crate::ops::query_key_range(&cond);
                if let Some(Resume {
                    partition,
                    key: Some(k),
                }) = &resume
                    && *partition == i
                {
                    let start = read::start_key(&state, index, k)?;
                    if forward {
                        lower = Bound::Excluded(start);
                    } else {
                        upper = Bound::Excluded(start);
                    }
                }
                let mut page = PageRequest::new(
                    index,
                    lower,
                    upper,
                    forward,
                    filter.as_ref(),
                    projection.as_ref(),
                    select,
                );
                page.limit = limit.map(|l| l - read_so_far);
                page.kind = kind;
                let result = read::read_page(&state, page);
                read_so_far += result.scanned;
                if insights {
                    keys.push(crate::KeyRef {
                        index: index.filter(|i| i.global).map(|i| i.name.clone()),
                        pk: crate::table::key_label(value),
                        sk: None,
                    });
                }
                charges.push(crate::capacity::read_charge(
                    index,
                    dynolab_model::partition::partition_hash(value),
                    result.consumed.total_read(),
                ));
                out.consumed.merge(&result.consumed);
                out.items.extend(result.items);
                if let Some(k) = result.last_key {
                    out.resume = Some(Resume {
                        partition: i,
                        key: Some(k.clone()),
                    });
                    out.last_key = Some(k);
                    break;
                }
                if limit.is_some_and(|l| read_so_far >= l) {
                    if i + 1 < values.len() {
                        out.resume = Some(Resume {
                            partition: i + 1,
                            key: None,
                        });
                    }
                    break;
                }
            }
        }
        None => {
            let lower = match resume.as_ref().and_then(|r| r.key.as_ref()) {
                Some(k) => Bound::Excluded(read::start_key(&state, index, k)?),
                None => Bound::Unbounded,
            };
            let mut page = PageRequest::new(
                index,
                lower,
                Bound::Unbounded,
                true,
                filter.as_ref(),
                projection.as_ref(),
                select,
            );
            page.limit = limit;
            page.kind = kind;
            let result = read::read_page(&state, page);
            charges.push(crate::capacity::read_charge(
                index,
                result.first_hash.unwrap_or(0),
                result.consumed.total_read(),
            ));
            out.consumed = result.consumed;
            out.items = result.items;
            if let Some(k) = result.last_key {
                out.resume = Some(Resume {
                    partition: 0,
                    key: Some(k.clone()),
                });
                out.last_key = Some(k);
            }
        }
    }
    engine.admit_keys(&state, &charges, &keys, engine.now())?;
    Ok(out)
}

/// A SELECT of one item by its full primary key (BatchExecuteStatement and ExecuteTransaction
/// reads): the key and the rest of the WHERE clause as a condition on the item.
pub(crate) fn item_read(
    meta: &TableMeta,
    sel: &Select,
) -> Result<(Item, Option<Condition>, Option<Projection>), ApiError> {
    let where_ = sel
        .where_
        .as_ref()
        .ok_or_else(|| ApiError::validation(msg::INCOMPLETE_KEY))?;
    let (key, rest) = translate::key_item(where_, &key_names(meta)).map_err(invalid)?;
    check_key_types(meta, &key)?;
    check_select_list(sel)?;
    Ok((
        key,
        rest.map(Condition::from_ast),
        sel.projection.clone().map(Projection::select_list),
    ))
}

/// The key schema of a table, read once (statements are translated before the table is locked
/// for a transaction).
pub(crate) fn table_meta(engine: &Engine, table: &str) -> Result<TableMeta, ApiError> {
    let handle = engine.table(table)?;
    let meta = read_lock(&handle).meta.clone();
    Ok(meta)
}

/// `Items` of a write: the returned item, or none.
pub(crate) fn write_items(returned: Option<Item>) -> Value {
    Value::Array(
        returned
            .filter(|i| !i.is_empty())
            .iter()
            .map(item_to_json)
            .collect(),
    )
}
