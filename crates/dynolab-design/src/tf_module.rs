//! The community module `terraform-aws-modules/dynamodb-table/aws`: a call read as the
//! `aws_dynamodb_table` (and auto scaling targets and policies) it declares, and a design
//! written back as a call.
//!
//! Both generations of its inputs are read: 4.x/5.x (`global_secondary_indexes` as a list,
//! `ttl_enabled` / `ttl_attribute_name`, `autoscaling_enabled` with `autoscaling_read`,
//! `autoscaling_write`, `autoscaling_indexes` and `autoscaling_defaults`, `create_table`) and
//! 6.x (`global_secondary_indexes` / `local_secondary_indexes` as maps keyed by index name,
//! `ttl = {...}`, `autoscaling = { enabled, defaults, read, write }` with each GSI's
//! `autoscaling`, `create`).

use hcl::{Block, Body, Expression, Map, Structure, Value};

use crate::terraform::{At, number, resource_label, scaling_blocks};
use crate::{AutoScaling, Billing, DesignError, Projection, ScalingTarget, TableDesign};

/// The module's registry address.
pub(crate) const REGISTRY: &str = "terraform-aws-modules/dynamodb-table/aws";
/// The module's default target utilization (`autoscaling_defaults.target_value`).
const DEFAULT_TARGET: f64 = 70.0;

/// A call of the module: what writing the after design as a call keeps from the before one.
#[derive(Clone, Debug, PartialEq)]
pub struct ModuleCall {
    /// The module block's label.
    pub label: String,
    /// Its `source` (the registry address, a Git address or a local path).
    pub source: String,
    /// Its `version`, when it has one.
    pub version: Option<String>,
    /// Whether the call used the 6.x inputs (`autoscaling = {...}`, indexes as maps).
    pub v6: bool,
    /// The call's inputs the design does not model (`deletion_protection_enabled`,
    /// `point_in_time_recovery_enabled`, ...), evaluated where they evaluate, written back as
    /// they were.
    pub other_inputs: Vec<(String, Expression)>,
}

/// The inputs a design models (and the meta-arguments), which the after call writes itself.
const MODELED: [&str; 31] = [
    "source",
    "version",
    "count",
    "for_each",
    "providers",
    "depends_on",
    "create",
    "create_table",
    "name",
    "hash_key",
    "range_key",
    "billing_mode",
    "read_capacity",
    "write_capacity",
    "attributes",
    "global_secondary_indexes",
    "local_secondary_indexes",
    "ttl",
    "ttl_enabled",
    "ttl_attribute_name",
    "stream_enabled",
    "stream_view_type",
    "table_class",
    "on_demand_throughput",
    "autoscaling",
    "autoscaling_enabled",
    "autoscaling_defaults",
    "autoscaling_read",
    "autoscaling_write",
    "autoscaling_indexes",
    "tags",
];

/// Whether a module source is the community DynamoDB table module: its registry address (any
/// registry host), its Git repository, or a local path to a copy (recognized by its inputs).
pub(crate) fn is_table_module(source: &str, body: &Body) -> bool {
    let source = source.trim_end_matches('/');
    let address = source.split("//").next().unwrap_or(source);
    if address.ends_with(REGISTRY) || source.contains("terraform-aws-dynamodb-table") {
        return true;
    }
    let local = source.starts_with("./") || source.starts_with("../");
    local
        && ["hash_key", "attributes"]
            .iter()
            .all(|k| body.attributes().any(|a| a.key() == *k))
}

fn obj(at: &str, v: Value) -> Result<Map<String, Value>, DesignError> {
    match v {
        Value::Object(o) => Ok(o),
        Value::Null => Ok(Map::new()),
        other => Err(DesignError::invalid(
            at,
            format!(
                "expected an object, found {}",
                crate::hcl_eval::kind(&other)
            ),
        )),
    }
}

/// A list of objects, or a map of objects whose keys are their `name` (6.x).
fn indexes(at: &str, v: Option<Value>) -> Result<Vec<Map<String, Value>>, DesignError> {
    match v {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| obj(&format!("{at}[{i}]"), v))
            .collect(),
        Some(Value::Object(map)) => map
            .into_iter()
            .map(|(k, v)| {
                let mut o = obj(&format!("{at}[\"{k}\"]"), v)?;
                if o.get("name").is_none_or(Value::is_null) {
                    o.insert("name".to_string(), Value::from(k));
                }
                Ok(o)
            })
            .collect(),
        Some(other) => Err(DesignError::invalid(
            at,
            format!(
                "expected a list or map of objects, found {}",
                crate::hcl_eval::kind(&other)
            ),
        )),
    }
}

fn num(o: &Map<String, Value>, key: &str) -> Option<f64> {
    match o.get(key)? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn units(at: &str, o: &Map<String, Value>, key: &str) -> Result<Option<u64>, DesignError> {
    match num(o, key) {
        None if o.get(key).is_none_or(Value::is_null) => Ok(None),
        Some(f) if f >= 0.0 && f.fract() == 0.0 => Ok(Some(f as u64)),
        _ => Err(DesignError::invalid(
            format!("{at}.{key}"),
            "expected a whole number of capacity units",
        )),
    }
}

fn attribute(key: &str, v: Value) -> Structure {
    Structure::Attribute(hcl::Attribute::new(key, Expression::from(v)))
}

fn block(ident: &str, o: &Map<String, Value>, keys: &[&str]) -> Structure {
    let body: Vec<Structure> = keys
        .iter()
        .filter_map(|k| {
            o.get(*k)
                .filter(|v| !v.is_null())
                .map(|v| attribute(k, v.clone()))
        })
        .collect();
    Structure::Block(Block {
        identifier: ident.into(),
        labels: Vec::new(),
        body: Body::from(body),
    })
}

fn scaling_target(
    at: &str,
    min: Option<u64>,
    max: Option<u64>,
    target: Option<f64>,
) -> Result<ScalingTarget, DesignError> {
    let (Some(min), Some(max)) = (min, max) else {
        return Err(DesignError::invalid(
            at,
            "auto scaling needs a minimum and a maximum capacity",
        ));
    };
    Ok(ScalingTarget {
        min,
        max,
        target_percent: target.unwrap_or(DEFAULT_TARGET),
        scheduled: Vec::new(),
    })
}

/// The call as the `aws_dynamodb_table` resource and auto scaling it declares (labelled with the
/// module's label), or `None` when the module is another one or creates nothing.
pub(crate) fn read_call(
    at: &At<'_>,
    label: &str,
    body: &Body,
) -> Result<Option<(ModuleCall, Vec<Structure>)>, DesignError> {
    let source = at.string(body, "source")?.unwrap_or_default();
    if !is_table_module(&source, body) {
        return Ok(None);
    }
    if at.bool(body, "create")? == Some(false) || at.bool(body, "create_table")? == Some(false) {
        return Ok(None);
    }
    let version = at.string(body, "version")?;
    let input = |key: &str| at.value(body, key);
    let gsi_input = input("global_secondary_indexes")?;
    let v6 = matches!(gsi_input, Some(Value::Object(_)))
        || input("autoscaling")?.is_some()
        || input("ttl")?.is_some();

    let mut table: Vec<Structure> = Vec::new();
    for key in [
        "name",
        "hash_key",
        "range_key",
        "table_class",
        "stream_enabled",
        "stream_view_type",
        "tags",
    ] {
        if let Some(v) = input(key)? {
            table.push(attribute(key, v));
        }
    }
    let billing_mode = at
        .string(body, "billing_mode")?
        .unwrap_or_else(|| "PAY_PER_REQUEST".to_string());
    table.push(attribute(
        "billing_mode",
        Value::from(billing_mode.as_str()),
    ));
    let provisioned = billing_mode == "PROVISIONED";
    let mut capacity = [1u64, 1u64];
    if provisioned {
        for (i, key) in ["read_capacity", "write_capacity"].into_iter().enumerate() {
            capacity[i] = at.units(body, key)?.unwrap_or(1);
            table.push(attribute(key, Value::from(capacity[i])));
        }
    }
    for (i, a) in indexes(&at.attr("attributes"), input("attributes")?)?
        .into_iter()
        .enumerate()
    {
        if a.get("name").is_none() || a.get("type").is_none() {
            return Err(DesignError::invalid(
                format!("{}[{i}]", at.attr("attributes")),
                "each attribute needs `name` and `type`",
            ));
        }
        table.push(block("attribute", &a, &["name", "type"]));
    }
    if let Some(od) = input("on_demand_throughput")? {
        let od = obj(&at.attr("on_demand_throughput"), od)?;
        table.push(block(
            "on_demand_throughput",
            &od,
            &["max_read_request_units", "max_write_request_units"],
        ));
    }
    let ttl = match input("ttl")? {
        Some(v) => obj(&at.attr("ttl"), v)?,
        None => {
            let mut o = Map::new();
            o.insert(
                "enabled".to_string(),
                input("ttl_enabled")?.unwrap_or(Value::Bool(false)),
            );
            o.insert(
                "attribute_name".to_string(),
                input("ttl_attribute_name")?.unwrap_or_else(|| Value::from("")),
            );
            o
        }
    };
    if ttl.get("enabled") == Some(&Value::Bool(true)) {
        table.push(block("ttl", &ttl, &["attribute_name", "enabled"]));
    }

    // Auto scaling: 6.x `autoscaling`, or 4.x/5.x `autoscaling_*`.
    let scaling = match input("autoscaling")? {
        Some(v) => obj(&at.attr("autoscaling"), v)?,
        None => {
            let mut o = Map::new();
            for (to, from) in [
                ("enabled", "autoscaling_enabled"),
                ("defaults", "autoscaling_defaults"),
                ("read", "autoscaling_read"),
                ("write", "autoscaling_write"),
            ] {
                if let Some(v) = input(from)? {
                    o.insert(to.to_string(), v);
                }
            }
            o
        }
    };
    let enabled = scaling.get("enabled") == Some(&Value::Bool(true));
    let defaults = obj(
        &at.attr("autoscaling_defaults"),
        scaling.get("defaults").cloned().unwrap_or(Value::Null),
    )?;
    let default_target = num(&defaults, "target_value");
    let mut table_scaling = AutoScaling::default();
    for (i, dim) in ["read", "write"].into_iter().enumerate() {
        let cfg_at = if v6 {
            format!("{}.{dim}", at.attr("autoscaling"))
        } else {
            at.attr(&format!("autoscaling_{dim}"))
        };
        let cfg = obj(&cfg_at, scaling.get(dim).cloned().unwrap_or(Value::Null))?;
        if !enabled || cfg.is_empty() {
            continue;
        }
        // 4.x/5.x scale between the provisioned capacity and max_capacity.
        let min = units(&cfg_at, &cfg, "min_capacity")?.unwrap_or(capacity[i]);
        let target = scaling_target(
            &cfg_at,
            Some(min),
            units(&cfg_at, &cfg, "max_capacity")?,
            num(&cfg, "target_value").or(default_target),
        )?;
        if i == 0 {
            table_scaling.read = Some(target);
        } else {
            table_scaling.write = Some(target);
        }
    }
    let index_scaling = match input("autoscaling_indexes")? {
        Some(v) => obj(&at.attr("autoscaling_indexes"), v)?,
        None => Map::new(),
    };

    let mut extra = Vec::new();
    let name = at.string(body, "name")?.unwrap_or_default();
    let gsis_at = at.attr("global_secondary_indexes");
    for gsi in indexes(&gsis_at, gsi_input)? {
        table.push(block(
            "global_secondary_index",
            &gsi,
            &[
                "name",
                "hash_key",
                "range_key",
                "projection_type",
                "non_key_attributes",
                "read_capacity",
                "write_capacity",
            ],
        ));
        let gname = gsi
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let cfg = match (gsi.get("autoscaling"), index_scaling.get(&gname)) {
            (Some(v), _) if !v.is_null() => {
                let o = obj(&format!("{gsis_at}[\"{gname}\"].autoscaling"), v.clone())?;
                (o.get("enabled") == Some(&Value::Bool(true))).then_some(o)
            }
            (_, Some(v)) if enabled => Some(obj(
                &format!("{}[\"{gname}\"]", at.attr("autoscaling_indexes")),
                v.clone(),
            )?),
            _ => None,
        };
        if let Some(cfg) = cfg {
            let cat = format!("{gsis_at}[\"{gname}\"] auto scaling");
            let target = num(&cfg, "target_value").or(default_target);
            let scaling = AutoScaling {
                read: Some(scaling_target(
                    &cat,
                    units(&cat, &cfg, "read_min_capacity")?,
                    units(&cat, &cfg, "read_max_capacity")?,
                    target,
                )?),
                write: Some(scaling_target(
                    &cat,
                    units(&cat, &cfg, "write_min_capacity")?,
                    units(&cat, &cfg, "write_max_capacity")?,
                    target,
                )?),
            };
            extra.extend(scaling_blocks(
                &format!("{label}__module_index_{}", resource_label(&gname)),
                format!("table/{name}/index/{gname}"),
                true,
                &scaling,
            ));
        }
    }
    for lsi in indexes(
        &at.attr("local_secondary_indexes"),
        input("local_secondary_indexes")?,
    )? {
        table.push(block(
            "local_secondary_index",
            &lsi,
            &["name", "range_key", "projection_type", "non_key_attributes"],
        ));
    }
    if table_scaling.read.is_some() || table_scaling.write.is_some() {
        extra.extend(scaling_blocks(
            &format!("{label}__module_table"),
            format!("table/{name}"),
            false,
            &table_scaling,
        ));
    }

    let resource = Block {
        identifier: "resource".into(),
        labels: vec![crate::terraform::TABLE.into(), label.into()],
        body: Body::from(table),
    };
    let mut out = vec![Structure::Block(resource)];
    out.extend(extra.into_iter().map(Structure::Block));
    let other_inputs = body
        .attributes()
        .filter(|a| !MODELED.contains(&a.key()))
        .map(|a| {
            let value = crate::hcl_eval::eval(a.expr(), at.ctx)
                .map(Expression::from)
                .unwrap_or_else(|_| a.expr().clone());
            (a.key().to_string(), value)
        })
        .collect();
    let call = ModuleCall {
        label: label.to_string(),
        source,
        version,
        v6,
        other_inputs,
    };
    Ok(Some((call, out)))
}

fn value_object<const N: usize>(entries: [(&str, Option<Value>); N]) -> Value {
    Value::Object(
        entries
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect(),
    )
}

fn projection_value(p: &Projection) -> [(&'static str, Option<Value>); 2] {
    match p {
        Projection::All => [("projection_type", Some(Value::from("ALL"))), ("", None)],
        Projection::KeysOnly => [
            ("projection_type", Some(Value::from("KEYS_ONLY"))),
            ("", None),
        ],
        Projection::Include(attrs) => [
            ("projection_type", Some(Value::from("INCLUDE"))),
            (
                "non_key_attributes",
                Some(Value::Array(
                    attrs.iter().cloned().map(Value::from).collect(),
                )),
            ),
        ],
    }
}

fn percent_value(p: f64) -> Value {
    if p.fract() == 0.0 && (0.0..1e15).contains(&p) {
        Value::from(p as u64)
    } else {
        hcl::Number::from_f64(p)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

/// The design as a call of the module, in the generation of inputs the before call used, with
/// its daily scheduled actions as `aws_appautoscaling_scheduled_action` resources.
pub(crate) fn write_call(d: &TableDesign, call: &ModuleCall) -> String {
    let mut m = Block::builder("module")
        .add_label(call.label.as_str())
        .add_attribute(("source", call.source.as_str()));
    if let Some(v) = &call.version {
        m = m.add_attribute(("version", v.as_str()));
    }
    m = m
        .add_attribute(("name", d.name.as_str()))
        .add_attribute(("hash_key", d.partition_key.name.as_str()));
    if let Some(sk) = &d.sort_key {
        m = m.add_attribute(("range_key", sk.name.as_str()));
    }
    match &d.billing {
        Billing::Provisioned { read, write } => {
            m = crate::terraform::provisioned(m, *read, *write);
        }
        Billing::OnDemand {
            max_read,
            max_write,
        } => {
            m = m.add_attribute(("billing_mode", "PAY_PER_REQUEST"));
            if max_read.is_some() || max_write.is_some() {
                m = m.add_attribute((
                    "on_demand_throughput",
                    Expression::from(value_object([
                        ("max_read_request_units", max_read.map(Value::from)),
                        ("max_write_request_units", max_write.map(Value::from)),
                    ])),
                ));
            }
        }
    }
    m = crate::terraform::class_and_stream(m, d);
    let attributes: Vec<Value> = d
        .attribute_definitions()
        .into_iter()
        .map(|a| {
            value_object([
                ("name", Some(Value::from(a.name))),
                (
                    "type",
                    Some(Value::from(crate::terraform::attr_type_str(a.ty))),
                ),
            ])
        })
        .collect();
    m = m.add_attribute(("attributes", Expression::from(Value::Array(attributes))));

    let target_of = |t: &ScalingTarget| percent_value(t.target_percent);
    let mut gsis = Vec::new();
    let mut index_scaling = Map::new();
    for g in &d.gsis {
        let [p, nk] = projection_value(&g.projection);
        let mut o = value_object([
            ("name", Some(Value::from(g.name.as_str()))),
            ("hash_key", Some(Value::from(g.partition_key.name.as_str()))),
            (
                "range_key",
                g.sort_key.as_ref().map(|k| Value::from(k.name.as_str())),
            ),
            p,
            nk,
            ("read_capacity", g.provisioned.map(|(r, _)| Value::from(r))),
            ("write_capacity", g.provisioned.map(|(_, w)| Value::from(w))),
        ]);
        if let Some(s) = &g.autoscaling
            && let (Some(r), Some(w)) = (&s.read, &s.write)
        {
            let mut cfg = value_object([
                ("read_min_capacity", Some(Value::from(r.min))),
                ("read_max_capacity", Some(Value::from(r.max))),
                ("write_min_capacity", Some(Value::from(w.min))),
                ("write_max_capacity", Some(Value::from(w.max))),
                ("target_value", Some(target_of(r))),
            ]);
            if call.v6 {
                if let (Value::Object(c), Value::Object(o)) = (&mut cfg, &mut o) {
                    c.insert("enabled".to_string(), Value::Bool(true));
                    o.insert("autoscaling".to_string(), cfg.clone());
                }
            } else {
                index_scaling.insert(g.name.clone(), cfg);
            }
        }
        gsis.push(o);
    }
    if !gsis.is_empty() {
        let value = if call.v6 {
            Value::Object(
                gsis.into_iter()
                    .map(|g| {
                        let name = match &g {
                            Value::Object(o) => o
                                .get("name")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_string(),
                            _ => String::new(),
                        };
                        (name, g)
                    })
                    .collect(),
            )
        } else {
            Value::Array(gsis)
        };
        m = m.add_attribute(("global_secondary_indexes", Expression::from(value)));
    }
    if !d.lsis.is_empty() {
        let lsis: Vec<(String, Value)> = d
            .lsis
            .iter()
            .map(|l| {
                let [p, nk] = projection_value(&l.projection);
                (
                    l.name.clone(),
                    value_object([
                        ("name", Some(Value::from(l.name.as_str()))),
                        ("range_key", Some(Value::from(l.sort_key.name.as_str()))),
                        p,
                        nk,
                    ]),
                )
            })
            .collect();
        let value = if call.v6 {
            Value::Object(lsis.into_iter().collect())
        } else {
            Value::Array(lsis.into_iter().map(|(_, v)| v).collect())
        };
        m = m.add_attribute(("local_secondary_indexes", Expression::from(value)));
    }
    if let Some(ttl) = &d.ttl_attribute {
        m = if call.v6 {
            m.add_attribute((
                "ttl",
                Expression::from(value_object([
                    ("enabled", Some(Value::Bool(true))),
                    ("attribute_name", Some(Value::from(ttl.as_str()))),
                ])),
            ))
        } else {
            m.add_attribute(("ttl_enabled", true))
                .add_attribute(("ttl_attribute_name", ttl.as_str()))
        };
    }
    let table_targets = d
        .autoscaling
        .as_ref()
        .map(|s| [("read", s.read.as_ref()), ("write", s.write.as_ref())]);
    let scaled = table_targets.is_some_and(|t| t.iter().any(|(_, x)| x.is_some()))
        || !index_scaling.is_empty();
    if scaled {
        let mut dims = Map::new();
        for (dim, t) in table_targets.into_iter().flatten() {
            if let Some(t) = t {
                dims.insert(
                    dim.to_string(),
                    value_object([
                        ("min_capacity", call.v6.then(|| Value::from(t.min))),
                        ("max_capacity", Some(Value::from(t.max))),
                        ("target_value", Some(target_of(t))),
                    ]),
                );
            }
        }
        if call.v6 {
            dims.insert("enabled".to_string(), Value::Bool(true));
            m = m.add_attribute(("autoscaling", Expression::from(Value::Object(dims))));
        } else {
            m = m.add_attribute(("autoscaling_enabled", true));
            for (dim, v) in dims {
                m = m.add_attribute((format!("autoscaling_{dim}").as_str(), Expression::from(v)));
            }
            if !index_scaling.is_empty() {
                m = m.add_attribute((
                    "autoscaling_indexes",
                    Expression::from(Value::Object(index_scaling)),
                ));
            }
        }
    }
    for (key, value) in &call.other_inputs {
        m = m.add_attribute((key.as_str(), value.clone()));
    }
    if !d.tags.is_empty() {
        let tags: Map<String, Value> = d
            .tags
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect();
        m = m.add_attribute(("tags", Expression::from(Value::Object(tags))));
    }
    let mut body = Body::builder().add_block(m.build());
    for (resource_id, index, scaling) in
        std::iter::once((format!("table/{}", d.name), false, d.autoscaling.as_ref())).chain(
            d.gsis.iter().map(|g| {
                (
                    format!("table/{}/index/{}", d.name, g.name),
                    true,
                    g.autoscaling.as_ref(),
                )
            }),
        )
    {
        for (read, target) in scaling
            .into_iter()
            .flat_map(|s| [(true, &s.read), (false, &s.write)])
        {
            let Some(target) = target else { continue };
            body = body.add_blocks(scheduled(&call.label, &resource_id, index, read, target));
        }
    }
    crate::terraform::format_body(body.build())
}

/// Daily scheduled actions on the module's scalable target, by its resource id.
fn scheduled(
    label: &str,
    resource_id: &str,
    index: bool,
    read: bool,
    target: &ScalingTarget,
) -> Vec<Block> {
    let dimension = format!(
        "dynamodb:{}:{}CapacityUnits",
        if index { "index" } else { "table" },
        if read { "Read" } else { "Write" }
    );
    let what = resource_label(&resource_id.replace('/', "_"));
    target
        .scheduled
        .iter()
        .map(|a| {
            let (h, min) = (a.minute_of_day / 60, a.minute_of_day % 60);
            Block::builder("resource")
                .add_label(crate::terraform::SCHEDULED)
                .add_label(
                    format!(
                        "{label}_{what}_{}_{h:02}{min:02}",
                        if read { "read" } else { "write" }
                    )
                    .as_str(),
                )
                .add_attribute((
                    "name",
                    format!(
                        "{what}-{}-{h:02}{min:02}",
                        if read { "read" } else { "write" }
                    )
                    .as_str(),
                ))
                .add_attribute(("service_namespace", "dynamodb"))
                .add_attribute(("resource_id", resource_id))
                .add_attribute(("scalable_dimension", dimension.as_str()))
                .add_attribute(("schedule", format!("cron({min} {h} * * ? *)").as_str()))
                .add_block(
                    Block::builder("scalable_target_action")
                        .add_attribute(("min_capacity", number(a.min)))
                        .add_attribute(("max_capacity", number(a.max)))
                        .build(),
                )
                .build()
        })
        .collect()
}
