//! CreateTable request JSON and `describe-table` output: reading, and writing a CreateTable
//! request.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::terraform::{attr_type_str, check_stream_view_type, parse_attr_type};
use crate::{Billing, DesignError, Gsi, KeyAttr, Lsi, Projection, TableClass, TableDesign};

type Obj = Map<String, Value>;

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn wrong(at: &str, expected: &str, found: &Value) -> DesignError {
    DesignError::invalid(at, format!("expected {expected}, found {}", kind(found)))
}

fn join(at: &str, key: &str) -> String {
    if at.is_empty() {
        key.to_string()
    } else {
        format!("{at}.{key}")
    }
}

fn obj<'a>(o: &'a Obj, at: &str, key: &str) -> Result<Option<&'a Obj>, DesignError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(other) => Err(wrong(&join(at, key), "an object", other)),
    }
}

fn list<'a>(o: &'a Obj, at: &str, key: &str) -> Result<&'a [Value], DesignError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(wrong(&join(at, key), "a list", other)),
    }
}

fn string<'a>(o: &'a Obj, at: &str, key: &str) -> Result<Option<&'a str>, DesignError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(wrong(&join(at, key), "a string", other)),
    }
}

fn required<'a>(o: &'a Obj, at: &str, key: &str) -> Result<&'a str, DesignError> {
    string(o, at, key)?.ok_or_else(|| {
        DesignError::invalid(
            if at.is_empty() { "the table" } else { at },
            format!("{key} is required"),
        )
    })
}

fn integer(o: &Obj, at: &str, key: &str) -> Result<Option<i64>, DesignError> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| {
            DesignError::invalid(join(at, key), format!("expected a whole number, found {n}"))
        }),
        Some(other) => Err(wrong(&join(at, key), "a number", other)),
    }
}

fn elements<'a>(
    items: &'a [Value],
    at: &str,
) -> impl Iterator<Item = Result<(String, &'a Obj), DesignError>> {
    items.iter().enumerate().map(move |(i, v)| {
        let at = format!("{at}[{i}]");
        match v {
            Value::Object(m) => Ok((at, m)),
            other => Err(wrong(&at, "an object", other)),
        }
    })
}

/// `(ReadCapacityUnits, WriteCapacityUnits)` of a ProvisionedThroughput member, if present.
fn throughput(o: &Obj, at: &str) -> Result<Option<(u64, u64)>, DesignError> {
    let Some(pt) = obj(o, at, "ProvisionedThroughput")? else {
        return Ok(None);
    };
    let at = join(at, "ProvisionedThroughput");
    let units = |key| -> Result<u64, DesignError> {
        let v = integer(pt, &at, key)?
            .ok_or_else(|| DesignError::invalid(&at, format!("{key} is required")))?;
        u64::try_from(v).map_err(|_| {
            DesignError::invalid(join(&at, key), format!("must not be negative, found {v}"))
        })
    };
    Ok(Some((
        units("ReadCapacityUnits")?,
        units("WriteCapacityUnits")?,
    )))
}

pub(crate) fn read(text: &str) -> Result<TableDesign, DesignError> {
    let root: Value = serde_json::from_str(text).map_err(|e| DesignError::Syntax {
        format: "JSON",
        message: e.to_string(),
    })?;
    let Value::Object(root) = root else {
        return Err(wrong("the document", "an object", &root));
    };
    // describe-table output wraps the description in "Table"; a CreateTable response in
    // "TableDescription"; a CreateTable request is the table itself.
    let (t, at) = if let Some(t) = obj(&root, "", "Table")? {
        (t, "Table")
    } else if let Some(t) = obj(&root, "", "TableDescription")? {
        (t, "TableDescription")
    } else if root.contains_key("TableName") {
        (&root, "")
    } else {
        return Err(DesignError::NoTable {
            format: "JSON (expected a CreateTable request with TableName, or describe-table output with Table)",
        });
    };
    table(t, at)
}

pub(crate) fn table(t: &Obj, at: &str) -> Result<TableDesign, DesignError> {
    let name = required(t, at, "TableName")?.to_string();
    let here = if at.is_empty() {
        format!("table \"{name}\"")
    } else {
        at.to_string()
    };
    let at = here.as_str();

    let mut types = BTreeMap::new();
    let defs_at = join(at, "AttributeDefinitions");
    for def in elements(list(t, at, "AttributeDefinitions")?, &defs_at) {
        let (dat, def) = def?;
        let attr = required(def, &dat, "AttributeName")?;
        let ty = required(def, &dat, "AttributeType")?;
        let ty = parse_attr_type(ty).ok_or_else(|| {
            DesignError::invalid(
                join(&dat, "AttributeType"),
                format!("must be S, N or B, not \"{ty}\""),
            )
        })?;
        types.insert(attr.to_string(), ty);
    }
    let key_schema =
        |o: &Obj, at: &str| -> Result<(Option<KeyAttr>, Option<KeyAttr>), DesignError> {
            let ks_at = join(at, "KeySchema");
            let (mut hash, mut range) = (None, None);
            for el in elements(list(o, at, "KeySchema")?, &ks_at) {
                let (eat, el) = el?;
                let attr = required(el, &eat, "AttributeName")?;
                let ty = types.get(attr).copied().ok_or_else(|| {
                    DesignError::invalid(&eat, format!("\"{attr}\" is not in AttributeDefinitions"))
                })?;
                let key = KeyAttr {
                    name: attr.to_string(),
                    ty,
                };
                match required(el, &eat, "KeyType")? {
                    "HASH" => {
                        hash.get_or_insert(key);
                    }
                    "RANGE" => {
                        range.get_or_insert(key);
                    }
                    other => {
                        return Err(DesignError::invalid(
                            join(&eat, "KeyType"),
                            format!("must be HASH or RANGE, not \"{other}\""),
                        ));
                    }
                }
            }
            Ok((hash, range))
        };
    let (partition_key, sort_key) = key_schema(t, at)?;
    let Some(partition_key) = partition_key else {
        return Err(DesignError::invalid(at, "KeySchema needs a HASH key"));
    };

    let billing_mode = match obj(t, at, "BillingModeSummary")? {
        Some(summary) => string(summary, &join(at, "BillingModeSummary"), "BillingMode")?,
        None => string(t, at, "BillingMode")?,
    };
    let table_throughput = throughput(t, at)?;
    let on_demand = match billing_mode {
        Some("PAY_PER_REQUEST") => true,
        // describe-table shows an on-demand table's throughput as 0/0.
        Some("PROVISIONED") | None => matches!(table_throughput, Some((0, 0))),
        Some(other) => {
            return Err(DesignError::invalid(
                join(at, "BillingMode"),
                format!("must be PROVISIONED or PAY_PER_REQUEST, not \"{other}\""),
            ));
        }
    };
    let billing = if on_demand {
        let od = obj(t, at, "OnDemandThroughput")?;
        let od_at = join(at, "OnDemandThroughput");
        let max = |key| -> Result<Option<u64>, DesignError> {
            Ok(match od {
                Some(od) => integer(od, &od_at, key)?.and_then(|v| u64::try_from(v).ok()),
                None => None,
            })
        };
        Billing::OnDemand {
            max_read: max("MaxReadRequestUnits")?,
            max_write: max("MaxWriteRequestUnits")?,
        }
    } else {
        let Some((read, write)) = table_throughput else {
            return Err(DesignError::invalid(
                at,
                "ProvisionedThroughput is required when BillingMode is PROVISIONED",
            ));
        };
        Billing::Provisioned { read, write }
    };

    let projection = |o: &Obj, at: &str| -> Result<Projection, DesignError> {
        let Some(p) = obj(o, at, "Projection")? else {
            return Err(DesignError::invalid(at, "Projection is required"));
        };
        let pat = join(at, "Projection");
        let non_key: Vec<String> = list(p, &pat, "NonKeyAttributes")?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| wrong(&join(&pat, "NonKeyAttributes"), "a list of strings", v))
            })
            .collect::<Result<_, _>>()?;
        match string(p, &pat, "ProjectionType")?.unwrap_or("ALL") {
            "ALL" => Ok(Projection::All),
            "KEYS_ONLY" => Ok(Projection::KeysOnly),
            "INCLUDE" => Ok(Projection::Include(non_key)),
            other => Err(DesignError::invalid(
                join(&pat, "ProjectionType"),
                format!("must be ALL, KEYS_ONLY or INCLUDE, not \"{other}\""),
            )),
        }
    };

    let mut gsis = Vec::new();
    for g in elements(
        list(t, at, "GlobalSecondaryIndexes")?,
        &join(at, "GlobalSecondaryIndexes"),
    ) {
        let (gat, g) = g?;
        let gname = required(g, &gat, "IndexName")?.to_string();
        let gat = format!("{at}.GlobalSecondaryIndexes \"{gname}\"");
        let (pk, sk) = key_schema(g, &gat)?;
        let Some(pk) = pk else {
            return Err(DesignError::invalid(&gat, "KeySchema needs a HASH key"));
        };
        let provisioned = if on_demand {
            None
        } else {
            match throughput(g, &gat)? {
                Some(units) => Some(units),
                None => {
                    return Err(DesignError::invalid(
                        &gat,
                        "ProvisionedThroughput is required when BillingMode is PROVISIONED",
                    ));
                }
            }
        };
        gsis.push(Gsi {
            projection: projection(g, &gat)?,
            name: gname,
            partition_key: pk,
            sort_key: sk,
            provisioned,
            autoscaling: None,
        });
    }

    let mut lsis = Vec::new();
    for l in elements(
        list(t, at, "LocalSecondaryIndexes")?,
        &join(at, "LocalSecondaryIndexes"),
    ) {
        let (lat, l) = l?;
        let lname = required(l, &lat, "IndexName")?.to_string();
        let lat = format!("{at}.LocalSecondaryIndexes \"{lname}\"");
        let (_, sk) = key_schema(l, &lat)?;
        let Some(sk) = sk else {
            return Err(DesignError::invalid(&lat, "KeySchema needs a RANGE key"));
        };
        lsis.push(Lsi {
            projection: projection(l, &lat)?,
            name: lname,
            sort_key: sk,
        });
    }

    let stream_view_type = match obj(t, at, "StreamSpecification")? {
        Some(s) if s.get("StreamEnabled").and_then(Value::as_bool) == Some(true) => {
            let sat = join(at, "StreamSpecification");
            let view = required(s, &sat, "StreamViewType")?;
            check_stream_view_type(&join(&sat, "StreamViewType"), view)?;
            Some(view.to_string())
        }
        _ => None,
    };

    let class = match obj(t, at, "TableClassSummary")? {
        Some(summary) => string(summary, &join(at, "TableClassSummary"), "TableClass")?,
        None => string(t, at, "TableClass")?,
    };
    let table_class = match class {
        None | Some("STANDARD") => TableClass::Standard,
        Some("STANDARD_INFREQUENT_ACCESS") => TableClass::StandardInfrequentAccess,
        Some(other) => {
            return Err(DesignError::invalid(
                join(at, "TableClass"),
                format!("must be STANDARD or STANDARD_INFREQUENT_ACCESS, not \"{other}\""),
            ));
        }
    };

    let mut tags = BTreeMap::new();
    for tag in elements(list(t, at, "Tags")?, &join(at, "Tags")) {
        let (tat, tag) = tag?;
        tags.insert(
            required(tag, &tat, "Key")?.to_string(),
            required(tag, &tat, "Value")?.to_string(),
        );
    }

    Ok(TableDesign {
        name,
        partition_key,
        sort_key,
        billing,
        autoscaling: None,
        gsis,
        lsis,
        ttl_attribute: None,
        table_class,
        stream_view_type,
        tags,
    })
}

fn key_schema_json(pk: &KeyAttr, sk: Option<&KeyAttr>) -> Value {
    let mut ks = vec![json!({"AttributeName": pk.name, "KeyType": "HASH"})];
    if let Some(sk) = sk {
        ks.push(json!({"AttributeName": sk.name, "KeyType": "RANGE"}));
    }
    Value::Array(ks)
}

fn projection_json(p: &Projection) -> Value {
    match p {
        Projection::All => json!({"ProjectionType": "ALL"}),
        Projection::KeysOnly => json!({"ProjectionType": "KEYS_ONLY"}),
        Projection::Include(attrs) => {
            json!({"ProjectionType": "INCLUDE", "NonKeyAttributes": attrs})
        }
    }
}

fn throughput_json(read: u64, write: u64) -> Value {
    json!({"ReadCapacityUnits": read, "WriteCapacityUnits": write})
}

pub(crate) fn write(d: &TableDesign) -> Value {
    let mut req = Obj::new();
    req.insert("TableName".into(), json!(d.name));
    req.insert(
        "AttributeDefinitions".into(),
        Value::Array(
            d.attribute_definitions()
                .iter()
                .map(|a| json!({"AttributeName": a.name, "AttributeType": attr_type_str(a.ty)}))
                .collect(),
        ),
    );
    req.insert(
        "KeySchema".into(),
        key_schema_json(&d.partition_key, d.sort_key.as_ref()),
    );
    match &d.billing {
        Billing::Provisioned { read, write } => {
            req.insert("BillingMode".into(), json!("PROVISIONED"));
            req.insert(
                "ProvisionedThroughput".into(),
                throughput_json(*read, *write),
            );
        }
        Billing::OnDemand {
            max_read,
            max_write,
        } => {
            req.insert("BillingMode".into(), json!("PAY_PER_REQUEST"));
            if max_read.is_some() || max_write.is_some() {
                let mut od = Obj::new();
                if let Some(r) = max_read {
                    od.insert("MaxReadRequestUnits".into(), json!(r));
                }
                if let Some(w) = max_write {
                    od.insert("MaxWriteRequestUnits".into(), json!(w));
                }
                req.insert("OnDemandThroughput".into(), Value::Object(od));
            }
        }
    }
    if !d.gsis.is_empty() {
        let gsis = d
            .gsis
            .iter()
            .map(|g| {
                let mut o = Obj::new();
                o.insert("IndexName".into(), json!(g.name));
                o.insert(
                    "KeySchema".into(),
                    key_schema_json(&g.partition_key, g.sort_key.as_ref()),
                );
                o.insert("Projection".into(), projection_json(&g.projection));
                if let Some((read, write)) = g.provisioned {
                    o.insert("ProvisionedThroughput".into(), throughput_json(read, write));
                }
                Value::Object(o)
            })
            .collect();
        req.insert("GlobalSecondaryIndexes".into(), Value::Array(gsis));
    }
    if !d.lsis.is_empty() {
        let lsis = d
            .lsis
            .iter()
            .map(|l| {
                json!({
                    "IndexName": l.name,
                    "KeySchema": key_schema_json(&d.partition_key, Some(&l.sort_key)),
                    "Projection": projection_json(&l.projection),
                })
            })
            .collect();
        req.insert("LocalSecondaryIndexes".into(), Value::Array(lsis));
    }
    if let Some(view) = &d.stream_view_type {
        req.insert(
            "StreamSpecification".into(),
            json!({"StreamEnabled": true, "StreamViewType": view}),
        );
    }
    req.insert("TableClass".into(), json!(d.table_class.as_str()));
    if !d.tags.is_empty() {
        let tags = d
            .tags
            .iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect();
        req.insert("Tags".into(), Value::Array(tags));
    }
    Value::Object(req)
}
