//! Query and Scan pages: walk a key range of the table or an index, stop at `Limit` or 1 MB
//! (measured before the filter), filter, project, and charge the summed size once.

use std::ops::Bound;

use dynolab_capacity::{Consumed, ReadKind, read_cost};
use dynolab_expr::{Condition, Projection};
use dynolab_model::size::item_size_bytes;
use dynolab_model::value::{item_into_json, item_to_json};
use dynolab_model::wire::Checked;
use dynolab_model::{ApiError, Item};
use serde_json::{Map, Value, json};

use crate::TableState;
use crate::table::{IndexMeta, ProjectionType, index_entry_key};

/// Query and Scan stop once they have read 1 MB.
pub(crate) const PAGE_LIMIT_BYTES: u64 = 1024 * 1024;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Select {
    AllAttributes,
    AllProjected,
    Specific,
    Count,
}

pub(crate) struct PageRequest<'a> {
    pub index: Option<&'a IndexMeta>,
    pub lower: Bound<Vec<u8>>,
    pub upper: Bound<Vec<u8>>,
    pub forward: bool,
    pub limit: Option<usize>,
    pub filter: Option<&'a Condition>,
    pub projection: Option<&'a Projection>,
    pub select: Select,
    pub kind: ReadKind,
}

impl<'a> PageRequest<'a> {
    /// A page request; `limit` and `kind` come from the request in [`answer`].
    pub fn new(
        index: Option<&'a IndexMeta>,
        lower: Bound<Vec<u8>>,
        upper: Bound<Vec<u8>>,
        forward: bool,
        filter: Option<&'a Condition>,
        projection: Option<&'a Projection>,
        select: Select,
    ) -> PageRequest<'a> {
        PageRequest {
            index,
            lower,
            upper,
            forward,
            limit: None,
            filter,
            projection,
            select,
            kind: ReadKind::Eventual,
        }
    }
}

pub(crate) struct Page {
    /// Partition hash of the first entry read: where a Scan page's capacity is charged.
    pub first_hash: Option<u64>,
    /// The items returned, already in DynamoDB's JSON form (every caller answers with them).
    pub items: Vec<Value>,
    pub count: usize,
    pub scanned: usize,
    pub last_key: Option<Item>,
    pub consumed: Consumed,
}

/// Resolves `Select` against the projection and index, with DynamoDB's messages.
/// `enveloped` is true for Query, whose messages carry the "1 validation error" prefix.
pub(crate) fn select(
    req: &Map<String, Value>,
    index: Option<&IndexMeta>,
    has_projection: bool,
    enveloped: bool,
) -> Result<Select, ApiError> {
    let wrap = |msg: &str| {
        ApiError::validation(if enveloped {
            format!("1 validation error detected: {msg}")
        } else {
            msg.to_string()
        })
    };
    let requested = req.str_field("Select");
    let select = match requested {
        Some("ALL_ATTRIBUTES") => Select::AllAttributes,
        Some("ALL_PROJECTED_ATTRIBUTES") => Select::AllProjected,
        Some("SPECIFIC_ATTRIBUTES") => Select::Specific,
        Some("COUNT") => Select::Count,
        _ if has_projection => Select::Specific,
        _ if index.is_some() => Select::AllProjected,
        _ => Select::AllAttributes,
    };
    if has_projection && requested.is_some() && select != Select::Specific {
        let what = match select {
            Select::AllAttributes => "ALL_ATTRIBUTES",
            Select::AllProjected => "ALL_PROJECTED_ATTRIBUTES",
            _ => "only the Count",
        };
        let param = if req.contains_key("AttributesToGet") {
            "AttributesToGet"
        } else {
            "ProjectionExpression"
        };
        return Err(wrap(&format!(
            "Cannot specify the {param} when choosing to get {what}"
        )));
    }
    if select == Select::Specific && !has_projection {
        return Err(wrap(
            "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
        ));
    }
    if select == Select::AllProjected && index.is_none() {
        return Err(wrap(
            "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName",
        ));
    }
    if let Some(index) = index
        && index.global
        && select == Select::AllAttributes
        && index.projection != ProjectionType::All
    {
        return Err(ApiError::invalid_parameter(format!(
            "Select type ALL_ATTRIBUTES is not supported for global secondary index {} because its projection type is not ALL",
            index.name
        )));
    }
    Ok(select)
}

/// The key attributes a `LastEvaluatedKey` carries: the index keys (if any) and the table keys.
fn last_key(state: &TableState, index: Option<&IndexMeta>, item: &Item) -> Item {
    let mut out = state.meta.key_item(item);
    if let Some(index) = index {
        for name in index.key_schema.names() {
            if let Some(v) = item.get(name) {
                out.insert(name.to_string(), v.clone());
            }
        }
    }
    out
}

/// Converts `ExclusiveStartKey` to the key to resume after, in the table or index keyspace.
pub(crate) fn start_key(
    state: &TableState,
    index: Option<&IndexMeta>,
    start: &Item,
) -> Result<Vec<u8>, ApiError> {
    let invalid = || {
        ApiError::validation(
            "The provided starting key is invalid: The provided key element does not match the schema",
        )
    };
    let base_item = state.meta.key_item(start);
    let base_key = state
        .meta
        .key_from_param(&base_item)
        .map_err(|_| invalid())?;
    match index {
        None => {
            if start.len() != base_item.len() {
                return Err(invalid());
            }
            Ok(base_key)
        }
        Some(index) => index_entry_key(index, &state.meta.attribute_definitions, start, &base_key)
            .ok_or_else(|| ApiError::validation("The provided starting key is invalid")),
    }
}

/// Reads one page.
pub(crate) fn read_page(state: &TableState, page: PageRequest<'_>) -> Page {
    let mut out = Page {
        first_hash: None,
        items: Vec::new(),
        count: 0,
        scanned: 0,
        last_key: None,
        consumed: Consumed::default(),
    };
    let mut bytes: u64 = 0;
    let mut extra_base_reads = dynolab_capacity::HalfUnits::ZERO;
    // The requests' checks keep a start key inside its range; an inverted range is still
    // read as the empty range it is, never handed to the ordered map (which would panic).
    let range = if is_inverted(&page.lower, &page.upper) {
        (Bound::Unbounded, Bound::Excluded(Vec::new()))
    } else {
        (page.lower, page.upper)
    };
    // A read of the table itself with no filter and no projection needs no decoded item: a
    // COUNT sums the stored sizes, and whole items are written as JSON straight from their
    // stored bytes. Only the page's last item is decoded (its key attributes), for its
    // LastEvaluatedKey.
    if page.index.is_none() && page.filter.is_none() && page.projection.is_none() {
        let lower = range.0.as_ref().map(Vec::as_slice);
        let upper = range.1.as_ref().map(Vec::as_slice);
        let iter = state.data.items.range_stored(lower, upper);
        let iter: Box<dyn Iterator<Item = dynolab_storage::StoredItem<'_>>> = if page.forward {
            Box::new(iter)
        } else {
            Box::new(iter.rev())
        };
        for stored in iter {
            out.first_hash
                .get_or_insert(dynolab_storage::keys::key_hash(stored.key));
            bytes += stored.size;
            out.scanned += 1;
            out.count += 1;
            if page.select != Select::Count
                && let Some(json) = dynolab_storage::codec::decode_json(stored.bytes)
            {
                out.items.push(Value::Object(json));
            }
            if page.limit.is_some_and(|l| out.scanned >= l) || bytes >= PAGE_LIMIT_BYTES {
                let keys = &state.meta.key_schema;
                let is_key = |name: &str| name == keys.hash || keys.range.as_deref() == Some(name);
                if let Some(item) = stored.decode_attributes(&is_key) {
                    out.last_key = Some(last_key(state, None, &item));
                }
                break;
            }
        }
        out.consumed.table_read = read_cost(bytes, page.kind);
        return out;
    }
    // `stored` is the index's projected copy; `None` when the item itself is what is stored.
    let mut visit = |entry_key: &[u8], item: &Item, stored: Option<Item>| -> bool {
        out.first_hash
            .get_or_insert(dynolab_storage::keys::key_hash(entry_key));
        let stored_ref = stored.as_ref().unwrap_or(item);
        bytes += item_size_bytes(stored_ref) as u64;
        out.scanned += 1;
        let wants_unprojected = matches!(page.select, Select::AllAttributes | Select::Specific)
            && page
                .index
                .is_some_and(|i| !i.global && i.projection != ProjectionType::All);
        if wants_unprojected {
            // An LSI query that fetches attributes the index does not hold reads the base item too.
            extra_base_reads += read_cost(item_size_bytes(item) as u64, page.kind);
        }
        let source = if wants_unprojected { item } else { stored_ref };
        if page.filter.is_none_or(|f| f.eval(source)) {
            out.count += 1;
            if page.select != Select::Count {
                out.items.push(item_into_json(match page.projection {
                    Some(p) => p.apply(source),
                    None => source.clone(),
                }));
            }
        }
        let full = page.limit.is_some_and(|l| out.scanned >= l) || bytes >= PAGE_LIMIT_BYTES;
        if full {
            out.last_key = Some(last_key(state, page.index, item));
        }
        !full
    };
    match page.index {
        None => {
            let iter = state.data.items.range(
                range.0.as_ref().map(Vec::as_slice),
                range.1.as_ref().map(Vec::as_slice),
            );
            if page.forward {
                for (key, item) in iter {
                    if !visit(key, &item, None) {
                        break;
                    }
                }
            } else {
                for (key, item) in iter.rev() {
                    if !visit(key, &item, None) {
                        break;
                    }
                }
            }
        }
        Some(index) => {
            let empty = Default::default();
            let entries = state.data.indexes.get(&index.name).unwrap_or(&empty);
            let iter = entries.range(range);
            let mut step = |entry: &Vec<u8>, base: &Vec<u8>| match state.data.items.get(base) {
                Some(item) => {
                    let stored = (index.projection != ProjectionType::All)
                        .then(|| index.project(&item, &state.meta.key_schema));
                    visit(entry, &item, stored)
                }
                None => true,
            };
            if page.forward {
                for (entry, base) in iter {
                    if !step(entry, base) {
                        break;
                    }
                }
            } else {
                for (entry, base) in iter.rev() {
                    if !step(entry, base) {
                        break;
                    }
                }
            }
        }
    }
    let cost = read_cost(bytes, page.kind);
    match page.index {
        Some(i) if i.global => {
            out.consumed
                .add_gsi(&i.name, cost, dynolab_capacity::HalfUnits::ZERO)
        }
        Some(i) => {
            out.consumed
                .add_lsi(&i.name, cost, dynolab_capacity::HalfUnits::ZERO);
            // The base items an LSI read fetches are read from the table, and reported there
            // (as DynamoDB Local reports them with ReturnConsumedCapacity INDEXES).
            out.consumed.table_read = extra_base_reads;
        }
        None => out.consumed.table_read = cost,
    }
    out
}

/// Whether `lower..upper` holds no key in a way `BTreeMap::range` refuses: a start above the
/// end, or equal ends that are both excluded.
pub(crate) fn is_inverted(lower: &Bound<Vec<u8>>, upper: &Bound<Vec<u8>>) -> bool {
    match (lower, upper) {
        (Bound::Included(l) | Bound::Excluded(l), Bound::Included(u) | Bound::Excluded(u)) => {
            l > u || (l == u && matches!((lower, upper), (Bound::Excluded(_), Bound::Excluded(_))))
        }
        _ => false,
    }
}

/// The JSON body of a Query or Scan answer.
pub(crate) fn page_json(page: Page, select: Select) -> Value {
    let mut body = json!({"Count": page.count, "ScannedCount": page.scanned});
    if select != Select::Count {
        body["Items"] = Value::Array(page.items);
    }
    if let Some(k) = &page.last_key {
        body["LastEvaluatedKey"] = item_to_json(k);
    }
    body
}

/// Looks up `IndexName` and checks `ConsistentRead` against it.
pub(crate) fn index<'a>(
    state: &'a TableState,
    req: &Map<String, Value>,
) -> Result<Option<&'a IndexMeta>, ApiError> {
    let Some(name) = req.str_field("IndexName") else {
        return Ok(None);
    };
    let index = state.meta.index(name).ok_or_else(|| {
        ApiError::validation(format!(
            "The table does not have the specified index: {name}"
        ))
    })?;
    if index.creating_until.is_some() {
        return Err(ApiError::validation(format!(
            "Cannot read from backfilling global secondary index: {name}"
        )));
    }
    if index.global && req.bool_field("ConsistentRead") == Some(true) {
        return Err(ApiError::validation(
            "Consistent reads are not supported on global secondary indexes",
        ));
    }
    Ok(Some(index))
}

/// Query's and Scan's `ExclusiveStartKey` check, run before the expressions are parsed.
pub(crate) fn check_start_key(req: &Map<String, Value>) -> Result<(), ApiError> {
    crate::ops::item_param(req, "ExclusiveStartKey")
        .map(|_| ())
        .map_err(|e| {
            ApiError::validation(format!(
                "The provided starting key is invalid: {}",
                e.message.unwrap_or_default()
            ))
        })
}

/// The filter (expression, or the legacy `filter_param`), projection and Select of a Query or
/// Scan. `enveloped` is true for Query (see [`select`]).
pub(crate) fn options(
    req: &Map<String, Value>,
    exprs: crate::exprs::Expressions,
    table_keys: &crate::table::KeySchema,
    index: Option<&IndexMeta>,
    filter_param: &str,
    enveloped: bool,
) -> Result<(Option<Condition>, Option<Projection>, Select), ApiError> {
    let filter = match exprs.filter {
        Some(f) => Some(f),
        None => crate::legacy::filter(req, filter_param)?,
    };
    let projection = exprs
        .projection
        .or_else(|| crate::legacy::attributes_to_get(req));
    let select = select(req, index, projection.is_some(), enveloped)?;
    if let (Some(index), Some(projection)) = (index, &projection)
        && index.global
    {
        check_names_projected(index, table_keys, projection.top_level_names())?;
    }
    Ok((filter, projection, select))
}

/// The attributes of `names` a secondary index does not hold, sorted.
fn unprojected(
    index: &IndexMeta,
    table_keys: &crate::table::KeySchema,
    names: impl IntoIterator<Item = String>,
) -> Vec<String> {
    let mut out: Vec<String> = names
        .into_iter()
        .filter(|n| !index.projects(n, table_keys))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A GSI read can return only what the GSI holds: a projection naming anything else is
/// refused (DynamoDB Local's check and text; an LSI fetches the rest from the table).
/// Query, Scan and PartiQL's SELECT share it.
pub(crate) fn check_names_projected(
    index: &IndexMeta,
    table_keys: &crate::table::KeySchema,
    names: impl IntoIterator<Item = String>,
) -> Result<(), ApiError> {
    if index.projection == ProjectionType::All {
        return Ok(());
    }
    let missing = unprojected(index, table_keys, names);
    if missing.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid_parameter(format!(
        "Global secondary index {} does not project [{}]",
        index.name,
        missing.join(", ")
    )))
}

/// A Query (or PartiQL SELECT) of a secondary index, global or local, can filter only on what
/// the index holds (DynamoDB's text, as AWS answers it and DynamoDB Local gives it; issue 20,
/// item 2).
pub(crate) fn check_filter_projected(
    meta: &crate::table::TableMeta,
    index: &IndexMeta,
    filter: &Condition,
) -> Result<(), ApiError> {
    if index.projection == ProjectionType::All {
        return Ok(());
    }
    let missing = unprojected(index, &meta.key_schema, filter.path_heads());
    if missing.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid_parameter(format!(
        "Secondary index {} does not project one or more filter attributes: [{}]",
        index.name,
        missing.join(", ")
    )))
}

/// Reads one page of a Query or Scan, admits its capacity on the partition of `hash`, and
/// answers with the page.
#[allow(clippy::too_many_arguments)]
pub(crate) fn answer(
    engine: &crate::Engine,
    state: &TableState,
    req: &Map<String, Value>,
    mut page: PageRequest<'_>,
    hash: Option<u64>,
    keys: &[crate::KeyRef],
) -> Result<crate::Outcome, ApiError> {
    page.limit = req.int_field("Limit").map(|l| l as usize);
    page.kind = ReadKind::from_consistent(req.bool_field("ConsistentRead").unwrap_or(false));
    let select = page.select;
    let index = page.index;
    let result = read_page(state, page);
    let hash = hash.or(result.first_hash).unwrap_or(0);
    let charge = crate::capacity::read_charge(index, hash, result.consumed.total_read());
    engine.admit_keys(state, &[charge], keys, engine.now())?;
    let consumed = result.consumed.clone();
    let body = page_json(result, select);
    let table = req.str_field("TableName").unwrap_or_default();
    Ok(crate::Outcome::read(crate::ops::with_consumed(
        body,
        table,
        &consumed,
        crate::ops::ReturnConsumed::from_req(req),
    )))
}
