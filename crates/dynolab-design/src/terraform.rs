//! Terraform HCL: reading `aws_dynamodb_table` resources with their Application Auto Scaling
//! targets and policies, and writing them back.

use std::collections::{BTreeMap, HashMap};

use hcl::eval::Context;
use hcl::expr::{TemplateExpr, Traversal, Variable};
use hcl::format::Format;
use hcl::{Block, Body, Expression, Map, Value};

use crate::hcl_eval::{self, FUNCTIONS, kind};
use crate::{
    AttrType, AutoScaling, Billing, DesignError, Gsi, KeyAttr, Loaded, Lsi, Origin, Projection,
    ScalingTarget, ScheduledAction, TableClass, TableDesign,
};

pub(crate) const TABLE: &str = "aws_dynamodb_table";
const TARGET: &str = "aws_appautoscaling_target";
const POLICY: &str = "aws_appautoscaling_policy";
const TARGET_TRACKING: &str = "TargetTrackingScaling";
pub(crate) const SCHEDULED: &str = "aws_appautoscaling_scheduled_action";
const READ_METRIC: &str = "DynamoDBReadCapacityUtilization";
const WRITE_METRIC: &str = "DynamoDBWriteCapacityUtilization";

/// One of the four DynamoDB scalable dimensions.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Dimension {
    index: bool,
    read: bool,
}

impl Dimension {
    fn parse(s: &str) -> Option<Dimension> {
        Some(match s {
            "dynamodb:table:ReadCapacityUnits" => Dimension {
                index: false,
                read: true,
            },
            "dynamodb:table:WriteCapacityUnits" => Dimension {
                index: false,
                read: false,
            },
            "dynamodb:index:ReadCapacityUnits" => Dimension {
                index: true,
                read: true,
            },
            "dynamodb:index:WriteCapacityUnits" => Dimension {
                index: true,
                read: false,
            },
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match (self.index, self.read) {
            (false, true) => "dynamodb:table:ReadCapacityUnits",
            (false, false) => "dynamodb:table:WriteCapacityUnits",
            (true, true) => "dynamodb:index:ReadCapacityUnits",
            (true, false) => "dynamodb:index:WriteCapacityUnits",
        }
    }

    fn metric(self) -> &'static str {
        if self.read { READ_METRIC } else { WRITE_METRIC }
    }
}

/// Where auto scaling applies: a table, or one of its GSIs.
type ScalingKey = (String, Option<String>);

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// Evaluates attributes of one block, naming the block in every error.
pub(crate) struct At<'c> {
    pub(crate) ctx: &'c Context<'static>,
    pub(crate) path: String,
}

impl<'c> At<'c> {
    pub(crate) fn new(ctx: &'c Context<'static>, path: impl Into<String>) -> Self {
        At {
            ctx,
            path: path.into(),
        }
    }

    pub(crate) fn child(&self, segment: impl std::fmt::Display) -> At<'c> {
        At::new(self.ctx, format!("{}.{segment}", self.path))
    }

    pub(crate) fn attr(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    /// The evaluated attribute; `None` when it is absent or `null`.
    pub(crate) fn value(&self, body: &Body, key: &str) -> Result<Option<Value>, DesignError> {
        let Some(attr) = body.attributes().find(|a| a.key() == key) else {
            return Ok(None);
        };
        let value = hcl_eval::eval(attr.expr(), self.ctx).map_err(|e| DesignError::Unresolved {
            attribute: self.attr(key),
            reason: explain_eval_error(attr.expr(), &e),
        })?;
        Ok((!value.is_null()).then_some(value))
    }

    pub(crate) fn string(&self, body: &Body, key: &str) -> Result<Option<String>, DesignError> {
        Ok(match self.value(body, key)? {
            None => None,
            Some(Value::String(s)) => Some(s),
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::Bool(b)) => Some(b.to_string()),
            Some(other) => {
                return Err(DesignError::invalid(
                    self.attr(key),
                    format!("expected a string, found {}", kind(&other)),
                ));
            }
        })
    }

    pub(crate) fn required_string(&self, body: &Body, key: &str) -> Result<String, DesignError> {
        self.string(body, key)?
            .ok_or_else(|| DesignError::invalid(&self.path, format!("`{key}` is required")))
    }

    pub(crate) fn number(&self, body: &Body, key: &str) -> Result<Option<f64>, DesignError> {
        let not_a_number = |found: &str| {
            DesignError::invalid(self.attr(key), format!("expected a number, found {found}"))
        };
        match self.value(body, key)? {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_f64()
                .map(Some)
                .ok_or_else(|| not_a_number(&n.to_string())),
            Some(Value::String(s)) => s
                .trim()
                .parse::<f64>()
                .map(Some)
                .map_err(|_| not_a_number(&format!("\"{s}\""))),
            Some(other) => Err(not_a_number(kind(&other))),
        }
    }

    pub(crate) fn integer(&self, body: &Body, key: &str) -> Result<Option<i64>, DesignError> {
        match self.number(body, key)? {
            None => Ok(None),
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(Some(f as i64)),
            Some(f) => Err(DesignError::invalid(
                self.attr(key),
                format!("expected a whole number, found {f}"),
            )),
        }
    }

    pub(crate) fn units(&self, body: &Body, key: &str) -> Result<Option<u64>, DesignError> {
        match self.integer(body, key)? {
            None => Ok(None),
            Some(i) if i >= 0 => Ok(Some(i as u64)),
            Some(i) => Err(DesignError::invalid(
                self.attr(key),
                format!("must not be negative, found {i}"),
            )),
        }
    }

    pub(crate) fn required_units(
        &self,
        body: &Body,
        key: &str,
        why: &str,
    ) -> Result<u64, DesignError> {
        self.units(body, key)?
            .ok_or_else(|| DesignError::invalid(&self.path, format!("`{key}` is required{why}")))
    }

    pub(crate) fn bool(&self, body: &Body, key: &str) -> Result<Option<bool>, DesignError> {
        match self.value(body, key)? {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(Value::String(s)) if s == "true" => Ok(Some(true)),
            Some(Value::String(s)) if s == "false" => Ok(Some(false)),
            Some(other) => Err(DesignError::invalid(
                self.attr(key),
                format!("expected true or false, found {}", kind(&other)),
            )),
        }
    }

    pub(crate) fn strings(&self, body: &Body, key: &str) -> Result<Vec<String>, DesignError> {
        match self.value(body, key)? {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s),
                    other => Err(DesignError::invalid(
                        self.attr(key),
                        format!("expected a list of strings, found {}", kind(&other)),
                    )),
                })
                .collect(),
            Some(other) => Err(DesignError::invalid(
                self.attr(key),
                format!("expected a list of strings, found {}", kind(&other)),
            )),
        }
    }
}

/// hcl's evaluation error, with the common Terraform cases said plainly.
fn explain_eval_error(expr: &Expression, err: &hcl::eval::Error) -> String {
    use hcl::eval::ErrorKind;
    let shown = hcl::format::to_string(expr).unwrap_or_default();
    match err.kind() {
        ErrorKind::NoSuchKey(key) if shown.contains(&format!("var.{key}")) => format!(
            "`var.{key}` has no `variable \"{key}\"` with a default in this file, nor a value from a -var-file or -var (in `{shown}`)"
        ),
        ErrorKind::NoSuchKey(key) if shown.contains(&format!("local.{key}")) => {
            format!("`local.{key}` is not defined or cannot be evaluated (in `{shown}`)")
        }
        ErrorKind::UndefinedVar(name) => format!(
            "`{name}` cannot be evaluated from this file alone (in `{shown}`); only var.*, local.*, {TABLE}.*.name and {TARGET}.* references are resolved"
        ),
        ErrorKind::UndefinedFunc(name) => {
            format!("the function `{name}` is not supported (in `{shown}`); supported: {FUNCTIONS}")
        }
        _ => format!("{err} (in `{shown}`)"),
    }
}

/// `resource "TYPE" "label" { ... }` blocks of one type, with their labels.
fn resources<'b>(body: &'b Body, ty: &'b str) -> impl Iterator<Item = (&'b str, &'b Block)> + 'b {
    body.blocks()
        .filter(move |b| {
            b.identifier() == "resource" && b.labels().first().map(|l| l.as_str()) == Some(ty)
        })
        .filter_map(|b| b.labels().get(1).map(|l| (l.as_str(), b)))
}

pub(crate) fn blocks<'b>(body: &'b Body, ident: &'b str) -> impl Iterator<Item = &'b Block> + 'b {
    body.blocks().filter(move |b| b.identifier() == ident)
}

pub(crate) fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

/// One `.tf` file of a module.
pub(crate) struct Source {
    /// The file as errors name it; empty for text given directly.
    pub path: String,
    pub text: String,
}

pub(crate) fn read(text: &str) -> Result<Vec<TableDesign>, DesignError> {
    let source = Source {
        path: String::new(),
        text: text.to_string(),
    };
    Ok(read_module(&[source], Vec::new(), &[])?
        .into_iter()
        .map(|l| l.design)
        .collect())
}

/// The tables of a module (its `.tf` files read as one), with its input variables: values
/// from variable files in order, then `-var NAME=VALUE`s, over the variables' defaults.
pub(crate) fn read_module(
    sources: &[Source],
    var_values: Vec<(String, Value)>,
    cli_vars: &[(String, String)],
) -> Result<Vec<Loaded>, DesignError> {
    let mut structures = Vec::new();
    for source in sources {
        let body = hcl::parse(&source.text).map_err(|e| DesignError::Syntax {
            format: "Terraform",
            message: if source.path.is_empty() {
                e.to_string()
            } else {
                format!("{}: {e}", source.path)
            },
        })?;
        structures.extend(body);
    }
    read_body(Body::from(structures), var_values, cli_vars)
        .map_err(|e| crate::locate::terraform(sources, e))
}

/// One instance of a resource or module: the context its body is read in (with `count.index`
/// or `each.key` / `each.value`) and the key its references take (`[0]` or `["key"]`).
struct Instance {
    ctx: Context<'static>,
    key: Option<Value>,
}

/// The instance a block with `count` / `for_each` declares: `None` for none, an error for more
/// than one.
fn instance(at: &At<'_>, body: &Body) -> Result<Option<Instance>, DesignError> {
    let mut ctx = at.ctx.clone();
    if let Some(n) = at.integer(body, "count")? {
        return match n {
            0 => Ok(None),
            1 => {
                ctx.declare_var("count", object([("index", Value::from(0))]));
                Ok(Some(Instance {
                    ctx,
                    key: Some(Value::from(0)),
                }))
            }
            n => Err(DesignError::invalid(
                at.attr("count"),
                format!(
                    "count = {n} is not supported: only one instance is read; write one block per table"
                ),
            )),
        };
    }
    let Some(each) = at.value(body, "for_each")? else {
        return Ok(Some(Instance { ctx, key: None }));
    };
    let set = matches!(each, Value::Array(_));
    let mut items =
        hcl_eval::for_each_items(each).map_err(|m| DesignError::invalid(at.attr("for_each"), m))?;
    match items.len() {
        0 => Ok(None),
        1 => {
            let (mut key, value) = items.remove(0);
            if set {
                // A set's instances are keyed by their values.
                key = value.clone();
            }
            ctx.declare_var("each", object([("key", key.clone()), ("value", value)]));
            Ok(Some(Instance {
                ctx,
                key: Some(key),
            }))
        }
        n => Err(DesignError::invalid(
            at.attr("for_each"),
            format!(
                "for_each with {n} instances is not supported: only one instance is read; write one block per table"
            ),
        )),
    }
}

/// A resource's attributes as references see them: `x.attr`, `x[0].attr` or `x["k"].attr`.
fn shaped(key: &Option<Value>, obj: Value) -> Value {
    match key {
        None => obj,
        Some(Value::Number(_)) => Value::Array(vec![obj]),
        Some(k) => Value::Object(Map::from_iter([(
            k.as_str()
                .map(str::to_string)
                .unwrap_or_else(|| k.to_string()),
            obj,
        )])),
    }
}

fn read_body(
    body: Body,
    var_values: Vec<(String, Value)>,
    cli_vars: &[(String, String)],
) -> Result<Vec<Loaded>, DesignError> {
    let mut ctx = Context::new();
    hcl_eval::declare_functions(&mut ctx);
    declare_variables(&mut ctx, &body, var_values, cli_vars)?;

    // `locals { ... }` → local.x
    let local_exprs: Vec<(String, Expression)> = blocks(&body, "locals")
        .flat_map(|b| b.body().attributes())
        .map(|a| (a.key().to_string(), a.expr().clone()))
        .collect();
    let mut locals = Map::new();
    settle_locals(&mut ctx, &local_exprs, &mut locals);

    let (body, mut modules, module_keys) = expand_module_calls(&ctx, body)?;
    let tables = declare_tables(&mut ctx, &body, &modules, &module_keys)?;
    // Locals may name tables (`table_name = aws_dynamodb_table.orders.name`).
    settle_locals(&mut ctx, &local_exprs, &mut locals);

    let targets = read_targets(&mut ctx, &body)?;
    let policies = read_policies(&ctx, &body)?;
    let schedules = read_schedules(&ctx, &body)?;
    let mut scaling = join_scaling(&targets, policies, schedules)?;

    if let Some((label, _)) = resources(&body, "aws_dynamodb_global_secondary_index").next() {
        return Err(DesignError::invalid(
            format!("aws_dynamodb_global_secondary_index.{label}"),
            "the separate GSI resource is not supported; declare the index as a `global_secondary_index` block of its table",
        ));
    }
    let mut designs = Vec::new();
    for (label, block) in tables {
        let path = table_path(&modules, label);
        let Some(one) = instance(&At::new(&ctx, path.clone()), block.body())? else {
            continue;
        };
        let at = At::new(&one.ctx, path);
        let expanded = hcl_eval::expand_dynamic(&at.path, block.body(), at.ctx)?;
        let design = table_from_block(&at, &expanded, &mut scaling)?;
        let origin = match modules.remove(label) {
            Some(call) => Origin::Module(call),
            None => Origin::Plain,
        };
        designs.push(Loaded { design, origin });
    }
    for ((table, index), _) in scaling {
        if let (Some(index), true) = (&index, designs.iter().any(|d| d.design.name == table)) {
            return Err(DesignError::no_such_index(TARGET, &table, index));
        }
    }
    if designs.is_empty() {
        return Err(DesignError::NoTable {
            format: "Terraform file (no resource \"aws_dynamodb_table\" and no call of terraform-aws-modules/dynamodb-table/aws)",
        });
    }
    Ok(designs)
}

/// `variable "x" { default = ... }` → var.x, then the inputs (`-var-file`, `-var`) over the
/// defaults, as `terraform plan` takes them.
fn declare_variables(
    ctx: &mut Context<'static>,
    body: &Body,
    var_values: Vec<(String, Value)>,
    cli_vars: &[(String, String)],
) -> Result<(), DesignError> {
    let mut vars = Map::new();
    let mut string_typed = std::collections::HashSet::new();
    for block in blocks(body, "variable") {
        let Some(name) = block.labels().first() else {
            continue;
        };
        let at = At::new(ctx, format!("variable \"{}\"", name.as_str()));
        if let Some(v) = at.value(block.body(), "default")? {
            vars.insert(name.as_str().to_string(), v);
        }
        if let Some(ty) = block.body().attributes().find(|a| a.key() == "type")
            && matches!(ty.expr(), Expression::Variable(v) if v.as_str() == "string")
        {
            string_typed.insert(name.as_str().to_string());
        }
    }
    let declared: std::collections::HashSet<String> = blocks(body, "variable")
        .filter_map(|b| b.labels().first().map(|l| l.as_str().to_string()))
        .collect();
    for (name, value) in var_values {
        vars.insert(name, value);
    }
    for (name, text) in cli_vars {
        if !declared.contains(name) {
            return Err(DesignError::invalid(
                format!("-var {name}"),
                format!("no `variable \"{name}\"` is declared"),
            ));
        }
        vars.insert(
            name.clone(),
            hcl_eval::cli_var(text, string_typed.contains(name)),
        );
    }
    ctx.declare_var("var", Value::Object(vars));

    Ok(())
}

/// Calls of the community module become the resources they declare: the body with them
/// added, each call by its label, and the `for_each` key of each call's one instance.
type ModuleCalls = (
    Body,
    HashMap<String, crate::tf_module::ModuleCall>,
    HashMap<String, Option<Value>>,
);

fn expand_module_calls(ctx: &Context<'static>, body: Body) -> Result<ModuleCalls, DesignError> {
    let mut modules = HashMap::new();
    let mut module_keys = HashMap::new();
    let mut generated = Vec::new();
    for block in blocks(&body, "module") {
        let Some(label) = block.labels().first().map(|l| l.as_str()) else {
            continue;
        };
        let at = At::new(ctx, format!("module.{label}"));
        let source = at.string(block.body(), "source")?.unwrap_or_default();
        if !crate::tf_module::is_table_module(&source, block.body()) {
            continue;
        }
        let Some(one) = instance(&at, block.body())? else {
            continue;
        };
        let at = At::new(&one.ctx, format!("module.{label}"));
        if let Some((call, structures)) = crate::tf_module::read_call(&at, label, block.body())? {
            modules.insert(label.to_string(), call);
            module_keys.insert(label.to_string(), one.key);
            generated.extend(structures);
        }
    }
    let body = Body::from(body.into_iter().chain(generated).collect::<Vec<_>>());
    Ok((body, modules, module_keys))
}

/// `aws_dynamodb_table.x.name` (and `.id`, the name too) and the module outputs that name a
/// module's table (`module.x.dynamodb_table_id` / `_arn`) declared; the table blocks returned.
fn declare_tables<'b>(
    ctx: &mut Context<'static>,
    body: &'b Body,
    modules: &HashMap<String, crate::tf_module::ModuleCall>,
    module_keys: &HashMap<String, Option<Value>>,
) -> Result<Vec<(&'b str, &'b Block)>, DesignError> {
    let mut tables: Vec<(&str, &Block)> = Vec::new();
    let mut table_refs = Map::new();
    for (label, block) in resources(body, TABLE) {
        let at = At::new(ctx, table_path(modules, label));
        let Some(one) = instance(&at, block.body())? else {
            continue;
        };
        let at = At::new(&one.ctx, table_path(modules, label));
        if let Some(name) = at.string(block.body(), "name")? {
            let name = Value::from(name);
            table_refs.insert(
                label.to_string(),
                shaped(&one.key, object([("name", name.clone()), ("id", name)])),
            );
        }
        tables.push((label, block));
    }
    // The module's outputs that name its table: module.x.dynamodb_table_id / _arn.
    let mut module_refs = Map::new();
    for (label, key) in module_keys {
        if let Some(Value::Object(t)) = table_refs.get(label)
            && let Some(name) = t.get("name").and_then(Value::as_str)
        {
            let arn = format!("arn:aws:dynamodb:us-east-1:123456789012:table/{name}");
            module_refs.insert(
                label.clone(),
                shaped(
                    key,
                    object([
                        ("dynamodb_table_id", Value::from(name)),
                        ("dynamodb_table_arn", Value::from(arn)),
                    ]),
                ),
            );
        }
    }
    ctx.declare_var("module", Value::Object(module_refs));
    ctx.declare_var(TABLE, Value::Object(table_refs));
    Ok(tables)
}

/// A DynamoDB `aws_appautoscaling_target`, as read.
struct Target<'b> {
    label: &'b str,
    resource_id: String,
    dimension: String,
    min: u64,
    max: u64,
}

/// `aws_appautoscaling_target.x.*` declared (every service's, for references) and the
/// DynamoDB ones returned.
fn read_targets<'b>(
    ctx: &mut Context<'static>,
    body: &'b Body,
) -> Result<Vec<Target<'b>>, DesignError> {
    let mut targets = Vec::new();
    let mut target_refs = Map::new();
    for (label, block) in resources(body, TARGET) {
        let at = At::new(ctx, format!("{TARGET}.{label}"));
        let Some(one) = instance(&at, block.body())? else {
            continue;
        };
        let at = At::new(&one.ctx, format!("{TARGET}.{label}"));
        let expanded = hcl_eval::expand_dynamic(&at.path, block.body(), at.ctx)?;
        let b = &expanded;
        if at.string(b, "service_namespace")?.as_deref() != Some("dynamodb") {
            // Another service's target: keep what evaluates, for policies that reference it.
            let known: Map<String, Value> = [
                "service_namespace",
                "resource_id",
                "scalable_dimension",
                "min_capacity",
                "max_capacity",
            ]
            .into_iter()
            .filter_map(|k| Some((k.to_string(), at.value(b, k).ok()??)))
            .collect();
            target_refs.insert(label.to_string(), shaped(&one.key, Value::Object(known)));
            continue;
        }
        let target = Target {
            label,
            resource_id: at.required_string(b, "resource_id")?,
            dimension: at.required_string(b, "scalable_dimension")?,
            min: at.required_units(b, "min_capacity", "")?,
            max: at.required_units(b, "max_capacity", "")?,
        };
        target_refs.insert(
            label.to_string(),
            shaped(
                &one.key,
                object([
                    ("service_namespace", Value::from("dynamodb")),
                    ("resource_id", Value::from(target.resource_id.clone())),
                    ("id", Value::from(target.resource_id.clone())),
                    ("scalable_dimension", Value::from(target.dimension.clone())),
                    ("min_capacity", Value::from(target.min)),
                    ("max_capacity", Value::from(target.max)),
                ]),
            ),
        );
        targets.push(target);
    }
    ctx.declare_var(TARGET, Value::Object(target_refs));

    Ok(targets)
}

/// Target-tracking policies by (resource_id, scalable_dimension): the policy's label and its
/// target in percent.
type Policies<'b> = HashMap<(String, String), (&'b str, f64)>;

fn read_policies<'b>(ctx: &Context<'static>, body: &'b Body) -> Result<Policies<'b>, DesignError> {
    let mut policies: Policies<'b> = HashMap::new();
    for (label, block) in resources(body, POLICY) {
        let at = At::new(ctx, format!("{POLICY}.{label}"));
        let Some(one) = instance(&at, block.body())? else {
            continue;
        };
        let at = At::new(&one.ctx, format!("{POLICY}.{label}"));
        let expanded = hcl_eval::expand_dynamic(&at.path, block.body(), at.ctx)?;
        let b = &expanded;
        if at.string(b, "service_namespace")?.as_deref() != Some("dynamodb") {
            continue;
        }
        // Terraform's default policy_type is StepScaling, which the design does not model.
        if at.string(b, "policy_type")?.as_deref() != Some(TARGET_TRACKING) {
            continue;
        }
        let resource_id = at.required_string(b, "resource_id")?;
        let dimension = at.required_string(b, "scalable_dimension")?;
        let Some(dim) = Dimension::parse(&dimension) else {
            return Err(unknown_dimension(at.attr("scalable_dimension"), &dimension));
        };
        let cfg_name = "target_tracking_scaling_policy_configuration";
        let Some(cfg) = blocks(b, cfg_name).next() else {
            return Err(DesignError::invalid(
                &at.path,
                format!("a {TARGET_TRACKING} policy needs a `{cfg_name}` block"),
            ));
        };
        let cat = at.child(cfg_name);
        let Some(target_value) = cat.number(cfg.body(), "target_value")? else {
            return Err(DesignError::invalid(
                &cat.path,
                "`target_value` is required",
            ));
        };
        let Some(spec) = blocks(cfg.body(), "predefined_metric_specification").next() else {
            // A customized metric: not a utilization target the simulator can follow.
            continue;
        };
        let sat = cat.child("predefined_metric_specification");
        let metric = sat.required_string(spec.body(), "predefined_metric_type")?;
        if metric != dim.metric() {
            return Err(DesignError::invalid(
                sat.attr("predefined_metric_type"),
                format!(
                    "\"{metric}\" does not scale {dimension}; use \"{}\"",
                    dim.metric()
                ),
            ));
        }
        policies.insert((resource_id, dimension), (label, target_value));
    }

    Ok(policies)
}

/// Daily scheduled actions, by (resource_id, scalable_dimension).
type Schedules = HashMap<(String, String), Vec<ScheduledAction>>;

fn read_schedules(ctx: &Context<'static>, body: &Body) -> Result<Schedules, DesignError> {
    let mut schedules: Schedules = HashMap::new();
    for (label, block) in resources(body, SCHEDULED) {
        let at = At::new(ctx, format!("{SCHEDULED}.{label}"));
        let Some(one) = instance(&at, block.body())? else {
            continue;
        };
        let at = At::new(&one.ctx, format!("{SCHEDULED}.{label}"));
        let expanded = hcl_eval::expand_dynamic(&at.path, block.body(), at.ctx)?;
        let b = &expanded;
        if at.string(b, "service_namespace")?.as_deref() != Some("dynamodb") {
            continue;
        }
        let resource_id = at.required_string(b, "resource_id")?;
        let dimension = at.required_string(b, "scalable_dimension")?;
        let schedule = at.required_string(b, "schedule")?;
        let Some(minute_of_day) = daily_cron(&schedule) else {
            return Err(DesignError::invalid(
                at.attr("schedule"),
                format!(
                    "\"{schedule}\" is not a daily schedule; only cron(M H * * ? *) is simulated"
                ),
            ));
        };
        let Some(action) = blocks(b, "scalable_target_action").next() else {
            return Err(DesignError::invalid(
                &at.path,
                "a scheduled action needs a `scalable_target_action` block",
            ));
        };
        let aat = at.child("scalable_target_action");
        let min = aat.required_units(action.body(), "min_capacity", "")?;
        let max = aat.required_units(action.body(), "max_capacity", "")?;
        schedules
            .entry((resource_id, dimension))
            .or_default()
            .push(ScheduledAction {
                minute_of_day,
                min,
                max,
            });
    }

    Ok(schedules)
}

/// Targets joined with their policies and scheduled actions, by (table, index). A target
/// without a policy never changes capacity; a policy without a target is an error.
fn join_scaling(
    targets: &[Target<'_>],
    mut policies: Policies<'_>,
    mut schedules: Schedules,
) -> Result<HashMap<ScalingKey, AutoScaling>, DesignError> {
    let mut scaling: HashMap<ScalingKey, AutoScaling> = HashMap::new();
    for t in targets {
        let Some((_, target_percent)) =
            policies.remove(&(t.resource_id.clone(), t.dimension.clone()))
        else {
            continue;
        };
        let at = format!("{TARGET}.{}", t.label);
        let Some(dim) = Dimension::parse(&t.dimension) else {
            return Err(unknown_dimension(
                format!("{at}.scalable_dimension"),
                &t.dimension,
            ));
        };
        let Some((table, index)) = parse_resource_id(&t.resource_id) else {
            return Err(DesignError::invalid(
                format!("{at}.resource_id"),
                format!(
                    "\"{}\" is not \"table/NAME\" or \"table/NAME/index/INDEX\"",
                    t.resource_id
                ),
            ));
        };
        if dim.index != index.is_some() {
            return Err(DesignError::invalid(
                &at,
                format!(
                    "scalable_dimension {} does not fit resource_id \"{}\"",
                    t.dimension, t.resource_id
                ),
            ));
        }
        if t.min > t.max {
            return Err(DesignError::invalid(
                &at,
                format!("min_capacity {} is above max_capacity {}", t.min, t.max),
            ));
        }
        let entry = scaling.entry((table, index)).or_default();
        let mut scheduled = schedules
            .remove(&(t.resource_id.clone(), t.dimension.clone()))
            .unwrap_or_default();
        scheduled.sort_by_key(|a| a.minute_of_day);
        let target = Some(ScalingTarget {
            min: t.min,
            max: t.max,
            target_percent,
            scheduled,
        });
        if dim.read {
            entry.read = target;
        } else {
            entry.write = target;
        }
    }
    if let Some(((resource_id, dimension), (label, _))) = policies.into_iter().next() {
        return Err(DesignError::invalid(
            format!("{POLICY}.{label}"),
            format!(
                "no {TARGET} in this file has resource_id \"{resource_id}\" and scalable_dimension \"{dimension}\""
            ),
        ));
    }

    Ok(scaling)
}

/// Evaluates every local that can be evaluated now, in as many passes as their references
/// need. A local that never evaluates is reported where it is used.
/// How errors name a table: its resource, or the module call it comes from.
fn table_path(modules: &HashMap<String, crate::tf_module::ModuleCall>, label: &str) -> String {
    if modules.contains_key(label) {
        format!("module.{label}")
    } else {
        format!("{TABLE}.{label}")
    }
}

fn settle_locals(
    ctx: &mut Context<'static>,
    exprs: &[(String, Expression)],
    locals: &mut Map<String, Value>,
) {
    loop {
        ctx.declare_var("local", Value::Object(locals.clone()));
        let evaluated: Vec<(String, Value)> = exprs
            .iter()
            .filter(|(k, _)| !locals.contains_key(k))
            .filter_map(|(k, e)| hcl_eval::eval(e, ctx).ok().map(|v| (k.clone(), v)))
            .collect();
        if evaluated.is_empty() {
            return;
        }
        locals.extend(evaluated);
    }
}

fn unknown_dimension(at: String, found: &str) -> DesignError {
    DesignError::invalid(
        at,
        format!(
            "\"{found}\" is not one of dynamodb:table:ReadCapacityUnits, dynamodb:table:WriteCapacityUnits, dynamodb:index:ReadCapacityUnits, dynamodb:index:WriteCapacityUnits"
        ),
    )
}

/// `table/NAME` or `table/NAME/index/INDEX`.
pub(crate) fn parse_resource_id(id: &str) -> Option<(String, Option<String>)> {
    let rest = id.strip_prefix("table/")?;
    match rest.split_once("/index/") {
        Some((table, index)) if !table.is_empty() && !index.is_empty() && !index.contains('/') => {
            Some((table.to_string(), Some(index.to_string())))
        }
        None if !rest.is_empty() && !rest.contains('/') => Some((rest.to_string(), None)),
        _ => None,
    }
}

pub(crate) fn parse_attr_type(s: &str) -> Option<AttrType> {
    match s {
        "S" => Some(AttrType::S),
        "N" => Some(AttrType::N),
        "B" => Some(AttrType::B),
        _ => None,
    }
}

fn table_from_block(
    at: &At<'_>,
    body: &Body,
    scaling: &mut HashMap<ScalingKey, AutoScaling>,
) -> Result<TableDesign, DesignError> {
    let name = at.required_string(body, "name")?;
    let types = attribute_types(at, body)?;
    let (hash_key, range_key) = key_schema(at, body)?;
    let Some(hash_key) = hash_key else {
        return Err(DesignError::invalid(
            &at.path,
            "`hash_key` (or a `key_schema` block with key_type = \"HASH\") is required",
        ));
    };
    let partition_key = key_attr(&types, hash_key, "hash_key", &at.path)?;
    let sort_key = range_key
        .map(|r| key_attr(&types, r, "range_key", &at.path))
        .transpose()?;
    let billing = billing(at, body)?;
    let provisioned = matches!(billing, Billing::Provisioned { .. });
    let gsis = gsis(at, body, &types, provisioned, &name, scaling)?;
    let lsis = lsis(at, body, &types)?;
    let autoscaling = scaling.remove(&(name.clone(), None));
    Ok(TableDesign {
        name,
        partition_key,
        sort_key,
        billing,
        autoscaling,
        gsis,
        lsis,
        ttl_attribute: ttl_attribute(at, body)?,
        table_class: table_class(at, body)?,
        stream_view_type: stream_view_type(at, body)?,
        tags: tags(at, body)?,
    })
}

/// The `attribute` blocks: each key attribute's type.
fn attribute_types(at: &At<'_>, body: &Body) -> Result<BTreeMap<String, AttrType>, DesignError> {
    let mut types = BTreeMap::new();
    for block in blocks(body, "attribute") {
        let aat = at.child("attribute");
        let attr_name = aat.required_string(block.body(), "name")?;
        let ty = aat.required_string(block.body(), "type")?;
        let Some(ty) = parse_attr_type(&ty) else {
            return Err(DesignError::invalid(
                format!("{}.attribute \"{attr_name}\".type", at.path),
                format!("must be S, N or B, not \"{ty}\""),
            ));
        };
        types.insert(attr_name, ty);
    }
    Ok(types)
}

/// A key attribute named by `role` (`hash_key`, `range_key`) with its declared type.
fn key_attr(
    types: &BTreeMap<String, AttrType>,
    name: String,
    role: &str,
    at: &str,
) -> Result<KeyAttr, DesignError> {
    match types.get(&name) {
        Some(&ty) => Ok(KeyAttr { name, ty }),
        None => Err(DesignError::invalid(
            at,
            format!("{role} \"{name}\" has no `attribute` block giving its type"),
        )),
    }
}

/// `billing_mode` with its capacities (or on-demand maxima).
fn billing(at: &At<'_>, body: &Body) -> Result<Billing, DesignError> {
    let billing_mode = at
        .string(body, "billing_mode")?
        .unwrap_or_else(|| "PROVISIONED".to_string());
    let billing = match billing_mode.as_str() {
        "PROVISIONED" => {
            let why = " when billing_mode is PROVISIONED";
            Billing::Provisioned {
                read: at.required_units(body, "read_capacity", why)?,
                write: at.required_units(body, "write_capacity", why)?,
            }
        }
        "PAY_PER_REQUEST" => match blocks(body, "on_demand_throughput").next() {
            None => Billing::OnDemand {
                max_read: None,
                max_write: None,
            },
            Some(od) => {
                let oat = at.child("on_demand_throughput");
                Billing::OnDemand {
                    max_read: max_units(oat.integer(od.body(), "max_read_request_units")?),
                    max_write: max_units(oat.integer(od.body(), "max_write_request_units")?),
                }
            }
        },
        other => {
            return Err(DesignError::invalid(
                at.attr("billing_mode"),
                format!("must be PROVISIONED or PAY_PER_REQUEST, not \"{other}\""),
            ));
        }
    };
    Ok(billing)
}

/// The `global_secondary_index` blocks, with their auto scaling taken from `scaling`.
fn gsis(
    at: &At<'_>,
    body: &Body,
    types: &BTreeMap<String, AttrType>,
    provisioned: bool,
    name: &str,
    scaling: &mut HashMap<ScalingKey, AutoScaling>,
) -> Result<Vec<Gsi>, DesignError> {
    let mut gsis = Vec::new();
    for block in blocks(body, "global_secondary_index") {
        let b = block.body();
        let gname = at
            .child("global_secondary_index")
            .required_string(b, "name")?;
        let gat = At::new(
            at.ctx,
            format!("{}.global_secondary_index \"{gname}\"", at.path),
        );
        let (hash, range) = key_schema(&gat, b)?;
        let Some(hash) = hash else {
            return Err(DesignError::invalid(
                &gat.path,
                "`hash_key` (or a `key_schema` block with key_type = \"HASH\") is required",
            ));
        };
        let partition_key = key_attr(types, hash, "hash_key", &gat.path)?;
        let sort_key = range
            .map(|r| key_attr(types, r, "range_key", &gat.path))
            .transpose()?;
        let why = " when the table's billing_mode is PROVISIONED";
        let gsi_provisioned = if provisioned {
            Some((
                gat.required_units(b, "read_capacity", why)?,
                gat.required_units(b, "write_capacity", why)?,
            ))
        } else {
            None
        };
        let autoscaling = scaling.remove(&(name.to_string(), Some(gname.clone())));
        gsis.push(Gsi {
            projection: projection(&gat, b)?,
            name: gname,
            partition_key,
            sort_key,
            provisioned: gsi_provisioned,
            autoscaling,
        });
    }

    Ok(gsis)
}

/// The `local_secondary_index` blocks.
fn lsis(
    at: &At<'_>,
    body: &Body,
    types: &BTreeMap<String, AttrType>,
) -> Result<Vec<Lsi>, DesignError> {
    let mut lsis = Vec::new();
    for block in blocks(body, "local_secondary_index") {
        let b = block.body();
        let lname = at
            .child("local_secondary_index")
            .required_string(b, "name")?;
        let lat = At::new(
            at.ctx,
            format!("{}.local_secondary_index \"{lname}\"", at.path),
        );
        let Some(range) = lat.string(b, "range_key")? else {
            return Err(DesignError::invalid(&lat.path, "`range_key` is required"));
        };
        lsis.push(Lsi {
            sort_key: key_attr(types, range, "range_key", &lat.path)?,
            projection: projection(&lat, b)?,
            name: lname,
        });
    }

    Ok(lsis)
}

/// The `ttl` block's attribute, when enabled.
fn ttl_attribute(at: &At<'_>, body: &Body) -> Result<Option<String>, DesignError> {
    Ok(match blocks(body, "ttl").next() {
        Some(ttl) => {
            let tat = at.child("ttl");
            if tat.bool(ttl.body(), "enabled")?.unwrap_or(false) {
                Some(tat.required_string(ttl.body(), "attribute_name")?)
            } else {
                None
            }
        }
        None => None,
    })
}

fn table_class(at: &At<'_>, body: &Body) -> Result<TableClass, DesignError> {
    Ok(match at.string(body, "table_class")?.as_deref() {
        None | Some("") | Some("STANDARD") => TableClass::Standard,
        Some("STANDARD_INFREQUENT_ACCESS") => TableClass::StandardInfrequentAccess,
        Some(other) => {
            return Err(DesignError::invalid(
                at.attr("table_class"),
                format!("must be STANDARD or STANDARD_INFREQUENT_ACCESS, not \"{other}\""),
            ));
        }
    })
}

/// `stream_view_type`, when `stream_enabled`.
fn stream_view_type(at: &At<'_>, body: &Body) -> Result<Option<String>, DesignError> {
    Ok(if at.bool(body, "stream_enabled")?.unwrap_or(false) {
        let view = at.string(body, "stream_view_type")?.ok_or_else(|| {
            DesignError::invalid(
                &at.path,
                "`stream_view_type` is required when stream_enabled is true",
            )
        })?;
        check_stream_view_type(&at.attr("stream_view_type"), &view)?;
        Some(view)
    } else {
        None
    })
}

/// `tags`, a map of strings (numbers and booleans as Terraform prints them).
fn tags(at: &At<'_>, body: &Body) -> Result<BTreeMap<String, String>, DesignError> {
    Ok(match at.value(body, "tags")? {
        None => BTreeMap::new(),
        Some(Value::Object(map)) => map
            .into_iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k, s)),
                Value::Number(n) => Ok((k, n.to_string())),
                Value::Bool(b) => Ok((k, b.to_string())),
                other => Err(DesignError::invalid(
                    format!("{}.tags[\"{k}\"]", at.path),
                    format!("expected a string, found {}", kind(&other)),
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(DesignError::invalid(
                at.attr("tags"),
                format!("expected a map of strings, found {}", kind(&other)),
            ));
        }
    })
}

/// On-demand maxima: -1 (or any negative value) means no maximum.
fn max_units(v: Option<i64>) -> Option<u64> {
    v.and_then(|v| u64::try_from(v).ok())
}

pub(crate) fn check_stream_view_type(at: &str, view: &str) -> Result<(), DesignError> {
    const VIEWS: [&str; 4] = ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"];
    if VIEWS.contains(&view) {
        Ok(())
    } else {
        Err(DesignError::invalid(
            at,
            format!("must be one of {}, not \"{view}\"", VIEWS.join(", ")),
        ))
    }
}

/// A table's or GSI's keys: `hash_key`/`range_key`, or the provider 6.x `key_schema` blocks
/// (the first HASH and the first RANGE attribute; multi-attribute keys are reduced to their
/// first part).
fn key_schema(at: &At<'_>, body: &Body) -> Result<(Option<String>, Option<String>), DesignError> {
    let mut hash = at.string(body, "hash_key")?;
    let mut range = at.string(body, "range_key")?;
    for block in blocks(body, "key_schema") {
        let kat = at.child("key_schema");
        let name = kat.required_string(block.body(), "attribute_name")?;
        match kat.required_string(block.body(), "key_type")?.as_str() {
            "HASH" => {
                hash.get_or_insert(name);
            }
            "RANGE" => {
                range.get_or_insert(name);
            }
            other => {
                return Err(DesignError::invalid(
                    kat.attr("key_type"),
                    format!("must be HASH or RANGE, not \"{other}\""),
                ));
            }
        }
    }
    Ok((hash, range))
}

fn projection(at: &At<'_>, body: &Body) -> Result<Projection, DesignError> {
    let Some(ty) = at.string(body, "projection_type")? else {
        return Err(DesignError::invalid(
            &at.path,
            "`projection_type` is required",
        ));
    };
    let non_key = at.strings(body, "non_key_attributes")?;
    match ty.as_str() {
        "ALL" | "KEYS_ONLY" if !non_key.is_empty() => Err(DesignError::invalid(
            at.attr("non_key_attributes"),
            format!("only allowed when projection_type is INCLUDE, not {ty}"),
        )),
        "ALL" => Ok(Projection::All),
        "KEYS_ONLY" => Ok(Projection::KeysOnly),
        "INCLUDE" => Ok(Projection::Include(non_key)),
        other => Err(DesignError::invalid(
            at.attr("projection_type"),
            format!("must be ALL, KEYS_ONLY or INCLUDE, not \"{other}\""),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// A Terraform resource label for a table name (`[A-Za-z_][A-Za-z0-9_-]*`).
pub(crate) fn resource_label(name: &str) -> String {
    let mut label: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !label.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        label.insert(0, '_');
    }
    label
}

pub(crate) fn number(n: u64) -> Expression {
    Expression::from(n)
}

pub(crate) fn percent(p: f64) -> Expression {
    if p.fract() == 0.0 && (0.0..1e15).contains(&p) {
        Expression::from(p as u64)
    } else {
        Expression::from(p)
    }
}

pub(crate) fn reference(parts: &[&str]) -> Expression {
    let mut t = Traversal::builder(Variable::unchecked(parts[0]));
    for p in &parts[1..] {
        t = t.attr(*p);
    }
    Expression::from(t.build())
}

pub(crate) fn template(s: String) -> Expression {
    Expression::TemplateExpr(Box::new(TemplateExpr::QuotedString(s)))
}

pub(crate) fn projection_attrs(
    block: hcl::BlockBuilder,
    projection: &Projection,
) -> hcl::BlockBuilder {
    match projection {
        Projection::All => block.add_attribute(("projection_type", "ALL")),
        Projection::KeysOnly => block.add_attribute(("projection_type", "KEYS_ONLY")),
        Projection::Include(attrs) => block
            .add_attribute(("projection_type", "INCLUDE"))
            .add_attribute(("non_key_attributes", attrs.clone())),
    }
}

/// `billing_mode = "PROVISIONED"` with its capacity.
pub(crate) fn provisioned(b: hcl::BlockBuilder, read: u64, write: u64) -> hcl::BlockBuilder {
    b.add_attribute(("billing_mode", "PROVISIONED"))
        .add_attribute(("read_capacity", number(read)))
        .add_attribute(("write_capacity", number(write)))
}

/// `table_class` (when not the default) and the stream, as the resource and the module both
/// take them.
pub(crate) fn class_and_stream(mut b: hcl::BlockBuilder, d: &TableDesign) -> hcl::BlockBuilder {
    if d.table_class != TableClass::Standard {
        b = b.add_attribute(("table_class", d.table_class.as_str()));
    }
    if let Some(view) = &d.stream_view_type {
        b = b
            .add_attribute(("stream_enabled", true))
            .add_attribute(("stream_view_type", view.as_str()));
    }
    b
}

pub(crate) fn write(d: &TableDesign) -> String {
    let label = resource_label(&d.name);
    let mut table = Block::builder("resource")
        .add_label(TABLE)
        .add_label(label.as_str())
        .add_attribute(("name", d.name.as_str()));
    match &d.billing {
        Billing::Provisioned { read, write } => table = provisioned(table, *read, *write),
        Billing::OnDemand { .. } => {
            table = table.add_attribute(("billing_mode", "PAY_PER_REQUEST"));
        }
    }
    table = table.add_attribute(("hash_key", d.partition_key.name.as_str()));
    if let Some(sk) = &d.sort_key {
        table = table.add_attribute(("range_key", sk.name.as_str()));
    }
    table = class_and_stream(table, d);

    for attr in d.attribute_definitions() {
        table = table.add_block(
            Block::builder("attribute")
                .add_attribute(("name", attr.name.as_str()))
                .add_attribute(("type", attr_type_str(attr.ty)))
                .build(),
        );
    }

    for gsi in &d.gsis {
        let mut g = Block::builder("global_secondary_index")
            .add_attribute(("name", gsi.name.as_str()))
            .add_attribute(("hash_key", gsi.partition_key.name.as_str()));
        if let Some(sk) = &gsi.sort_key {
            g = g.add_attribute(("range_key", sk.name.as_str()));
        }
        g = projection_attrs(g, &gsi.projection);
        if let Some((read, write)) = gsi.provisioned {
            g = g
                .add_attribute(("read_capacity", number(read)))
                .add_attribute(("write_capacity", number(write)));
        }
        table = table.add_block(g.build());
    }

    for lsi in &d.lsis {
        let l = Block::builder("local_secondary_index")
            .add_attribute(("name", lsi.name.as_str()))
            .add_attribute(("range_key", lsi.sort_key.name.as_str()));
        table = table.add_block(projection_attrs(l, &lsi.projection).build());
    }

    if let Some(ttl) = &d.ttl_attribute {
        table = table.add_block(
            Block::builder("ttl")
                .add_attribute(("attribute_name", ttl.as_str()))
                .add_attribute(("enabled", true))
                .build(),
        );
    }

    if let Billing::OnDemand {
        max_read,
        max_write,
    } = &d.billing
        && (max_read.is_some() || max_write.is_some())
    {
        let mut od = Block::builder("on_demand_throughput");
        if let Some(r) = max_read {
            od = od.add_attribute(("max_read_request_units", number(*r)));
        }
        if let Some(w) = max_write {
            od = od.add_attribute(("max_write_request_units", number(*w)));
        }
        table = table.add_block(od.build());
    }

    if !d.tags.is_empty() {
        let tags: hcl::Object<hcl::ObjectKey, Expression> = d
            .tags
            .iter()
            .map(|(k, v)| {
                (
                    hcl::ObjectKey::Expression(Expression::String(k.clone())),
                    Expression::String(v.clone()),
                )
            })
            .collect();
        table = table.add_attribute(("tags", Expression::Object(tags)));
    }

    // Auto scaling owns the table's capacity once it is on: Terraform must not undo its changes.
    if d.autoscaling.is_some() {
        table = table.add_block(
            Block::builder("lifecycle")
                .add_attribute((
                    "ignore_changes",
                    Expression::Array(vec![
                        Expression::Variable(Variable::unchecked("read_capacity")),
                        Expression::Variable(Variable::unchecked("write_capacity")),
                    ]),
                ))
                .build(),
        );
    }

    let mut body = Body::builder().add_block(table.build());
    let table_ref = format!("${{{TABLE}.{label}.name}}");
    if let Some(scaling) = &d.autoscaling {
        body = body.add_blocks(scaling_blocks(
            &format!("{label}_table"),
            format!("table/{table_ref}"),
            false,
            scaling,
        ));
    }
    for gsi in &d.gsis {
        if let Some(scaling) = &gsi.autoscaling {
            body = body.add_blocks(scaling_blocks(
                &format!(
                    "{label}_index_{}",
                    resource_label(&gsi.name).trim_start_matches('_')
                ),
                format!("table/{table_ref}/index/{}", gsi.name),
                true,
                scaling,
            ));
        }
    }
    format_body(body.build())
}

/// The body as `terraform fmt` would write it.
pub(crate) fn format_body(body: Body) -> String {
    let mut formatter = hcl::format::Formatter::builder()
        .compact_arrays(true)
        .prefer_ident_keys(true)
        .build_vec();
    let text = body.format_string(&mut formatter).unwrap_or_default();
    align_equals(&text)
}

/// Aligns the `=` of consecutive one-line attributes at the same indentation, as
/// `terraform fmt` does.
pub(crate) fn align_equals(text: &str) -> String {
    // (indent, key length) of a one-line `key = value` line; `None` for any other line.
    fn attribute(line: &str) -> Option<(usize, usize)> {
        let indent = line.len() - line.trim_start().len();
        let rest = &line[indent..];
        let (key, value) = rest.split_once(" = ")?;
        let ident = !key.is_empty()
            && key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let quoted = key.len() >= 2 && key.starts_with('"') && key.ends_with('"');
        let opens = value.ends_with('{') || value.ends_with('[') || value.ends_with('(');
        ((ident || quoted) && !opens).then_some((indent, key.len()))
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::with_capacity(text.len() + 256);
    let mut i = 0;
    while i < lines.len() {
        let Some((indent, _)) = attribute(lines[i]) else {
            out.push_str(lines[i]);
            out.push('\n');
            i += 1;
            continue;
        };
        let mut end = i;
        let mut width = 0;
        while end < lines.len() {
            match attribute(lines[end]) {
                Some((ind, len)) if ind == indent => width = width.max(len),
                _ => break,
            }
            end += 1;
        }
        for line in &lines[i..end] {
            let (key, value) = line[indent..].split_once(" = ").unwrap_or_default();
            out.push_str(&format!("{:indent$}{key:width$} = {value}\n", ""));
        }
        i = end;
    }
    out
}

pub(crate) fn attr_type_str(ty: AttrType) -> &'static str {
    match ty {
        AttrType::S => "S",
        AttrType::N => "N",
        AttrType::B => "B",
    }
}

pub(crate) fn scaling_blocks(
    label_prefix: &str,
    resource_id: String,
    index: bool,
    scaling: &AutoScaling,
) -> Vec<Block> {
    let mut out = Vec::new();
    for (read, target) in [(true, &scaling.read), (false, &scaling.write)] {
        let Some(target) = target else { continue };
        let dim = Dimension { index, read };
        let label = format!("{label_prefix}_{}", if read { "read" } else { "write" });
        out.push(
            Block::builder("resource")
                .add_label(TARGET)
                .add_label(label.as_str())
                .add_attribute(("service_namespace", "dynamodb"))
                .add_attribute(("resource_id", template(resource_id.clone())))
                .add_attribute(("scalable_dimension", dim.as_str()))
                .add_attribute(("min_capacity", number(target.min)))
                .add_attribute(("max_capacity", number(target.max)))
                .build(),
        );
        out.push(
            Block::builder("resource")
                .add_label(POLICY)
                .add_label(label.as_str())
                .add_attribute((
                    "name",
                    template(format!(
                        "{}:${{{TARGET}.{label}.resource_id}}",
                        dim.metric()
                    )),
                ))
                .add_attribute(("policy_type", TARGET_TRACKING))
                .add_attribute((
                    "service_namespace",
                    reference(&[TARGET, &label, "service_namespace"]),
                ))
                .add_attribute(("resource_id", reference(&[TARGET, &label, "resource_id"])))
                .add_attribute((
                    "scalable_dimension",
                    reference(&[TARGET, &label, "scalable_dimension"]),
                ))
                .add_block(
                    Block::builder("target_tracking_scaling_policy_configuration")
                        .add_block(
                            Block::builder("predefined_metric_specification")
                                .add_attribute(("predefined_metric_type", dim.metric()))
                                .build(),
                        )
                        .add_attribute(("target_value", percent(target.target_percent)))
                        .build(),
                )
                .build(),
        );
        for (i, action) in target.scheduled.iter().enumerate() {
            out.push(
                Block::builder("resource")
                    .add_label(SCHEDULED)
                    .add_label(format!("{label}_{i}").as_str())
                    .add_attribute((
                        "name",
                        format!(
                            "{label}-{:02}{:02}",
                            action.minute_of_day / 60,
                            action.minute_of_day % 60
                        )
                        .as_str(),
                    ))
                    .add_attribute((
                        "service_namespace",
                        reference(&[TARGET, &label, "service_namespace"]),
                    ))
                    .add_attribute(("resource_id", reference(&[TARGET, &label, "resource_id"])))
                    .add_attribute((
                        "scalable_dimension",
                        reference(&[TARGET, &label, "scalable_dimension"]),
                    ))
                    .add_attribute((
                        "schedule",
                        format!(
                            "cron({} {} * * ? *)",
                            action.minute_of_day % 60,
                            action.minute_of_day / 60
                        )
                        .as_str(),
                    ))
                    .add_block(
                        Block::builder("scalable_target_action")
                            .add_attribute(("min_capacity", number(action.min)))
                            .add_attribute(("max_capacity", number(action.max)))
                            .build(),
                    )
                    .build(),
            );
        }
    }
    out
}

/// The minute of the day of a daily `cron(M H * * ? *)` schedule.
pub(crate) fn daily_cron(schedule: &str) -> Option<u32> {
    let inner = schedule.trim().strip_prefix("cron(")?.strip_suffix(')')?;
    let fields: Vec<&str> = inner.split_whitespace().collect();
    match fields.as_slice() {
        [m, h, "*", "*", "?", "*"] | [m, h, "*", "*", "?"] | [m, h, "?", "*", "*", "*"] => {
            let (m, h) = (m.parse::<u32>().ok()?, h.parse::<u32>().ok()?);
            (m < 60 && h < 24).then_some(h * 60 + m)
        }
        _ => None,
    }
}
