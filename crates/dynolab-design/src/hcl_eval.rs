//! What Terraform evaluates and hcl-rs leaves out: Terraform's functions (`lookup`, `coalesce`,
//! `try`, `can`, `length`, ...), `dynamic` blocks, and input variables from `-var-file` and
//! `-var`.

use hcl::eval::{Context, Evaluate, FuncArgs, FuncDef, ParamType};
use hcl::expr::{Conditional, FuncCall, Operation, Traversal, TraversalOperator};
use hcl::{Block, Body, Expression, Map, Structure, Value};

use crate::DesignError;

/// The names of the functions [`declare_functions`] adds, for error messages.
pub(crate) const FUNCTIONS: &str = "merge, format, lookup, coalesce, try, can, length, keys, values, concat, contains, flatten, distinct, element, join, tolist, toset, tomap, lower, upper, tostring, tonumber";

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Evaluates an expression the way Terraform does: `try(...)` and `can(...)` only evaluate
/// their arguments one by one, so an argument that fails does not fail the call.
pub(crate) fn eval(expr: &Expression, ctx: &Context<'_>) -> Result<Value, hcl::eval::Error> {
    lazy(expr, ctx).evaluate(ctx)
}

/// The expression with every `try` / `can` call replaced by its result (when it has one).
fn lazy(expr: &Expression, ctx: &Context<'_>) -> Expression {
    match expr {
        Expression::FuncCall(call) if call.name.namespace.is_empty() => {
            let args: Vec<Expression> = call.args.iter().map(|a| lazy(a, ctx)).collect();
            match call.name.name.as_str() {
                "try" => args
                    .iter()
                    .find_map(|a| a.evaluate(ctx).ok())
                    .map(Expression::from)
                    .unwrap_or_else(|| Expression::FuncCall(call.clone())),
                "can" => match args.first() {
                    Some(a) => Expression::Bool(a.evaluate(ctx).is_ok()),
                    None => Expression::FuncCall(call.clone()),
                },
                _ => Expression::FuncCall(Box::new(FuncCall {
                    name: call.name.clone(),
                    args,
                    expand_final: call.expand_final,
                })),
            }
        }
        Expression::Array(items) => Expression::Array(items.iter().map(|e| lazy(e, ctx)).collect()),
        Expression::Object(o) => {
            Expression::Object(o.iter().map(|(k, v)| (k.clone(), lazy(v, ctx))).collect())
        }
        Expression::Parenthesis(e) => Expression::Parenthesis(Box::new(lazy(e, ctx))),
        Expression::Conditional(c) => Expression::Conditional(Box::new(Conditional {
            cond_expr: lazy(&c.cond_expr, ctx),
            true_expr: lazy(&c.true_expr, ctx),
            false_expr: lazy(&c.false_expr, ctx),
        })),
        Expression::Traversal(t) => Expression::Traversal(Box::new(Traversal {
            expr: lazy(&t.expr, ctx),
            operators: t
                .operators
                .iter()
                .map(|op| match op {
                    TraversalOperator::Index(i) => TraversalOperator::Index(lazy(i, ctx)),
                    other => other.clone(),
                })
                .collect(),
        })),
        Expression::Operation(op) => Expression::Operation(Box::new(match op.as_ref() {
            Operation::Unary(u) => {
                let mut u = u.clone();
                u.expr = lazy(&u.expr, ctx);
                Operation::Unary(u)
            }
            Operation::Binary(b) => {
                let mut b = b.clone();
                b.lhs_expr = lazy(&b.lhs_expr, ctx);
                b.rhs_expr = lazy(&b.rhs_expr, ctx);
                Operation::Binary(b)
            }
        })),
        other => other.clone(),
    }
}

fn arg(args: &FuncArgs, i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Null)
}

fn elements(name: &str, v: &Value) -> Result<Vec<Value>, String> {
    match v {
        Value::Array(a) => Ok(a.clone()),
        Value::Object(o) => Ok(o.values().cloned().collect()),
        Value::Null => Ok(Vec::new()),
        other => Err(format!("{name} takes a collection, not {}", kind(other))),
    }
}

fn merge(args: FuncArgs) -> Result<Value, String> {
    let mut out = Map::new();
    for arg in args.iter() {
        match arg {
            Value::Object(o) => out.extend(o.clone()),
            Value::Null => {}
            other => return Err(format!("merge takes objects, not {}", kind(other))),
        }
    }
    Ok(Value::Object(out))
}

fn lookup(args: FuncArgs) -> Result<Value, String> {
    let key = match arg(&args, 1) {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => return Err(format!("lookup takes a string key, not {}", kind(other))),
    };
    match arg(&args, 0) {
        Value::Object(o) => match (o.get(&key), args.get(2)) {
            (Some(v), _) => Ok(v.clone()),
            (None, Some(default)) => Ok(default.clone()),
            (None, None) => Err(format!(
                "lookup: the map has no key \"{key}\" and no default"
            )),
        },
        other => Err(format!("lookup takes a map, not {}", kind(other))),
    }
}

fn coalesce(args: FuncArgs) -> Result<Value, String> {
    args.iter()
        .find(|v| !v.is_null() && v.as_str() != Some(""))
        .cloned()
        .ok_or_else(|| "coalesce: every argument is null or empty".to_string())
}

fn length(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::from(match arg(&args, 0) {
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        Value::String(s) => s.chars().count(),
        other => return Err(format!("length takes a collection, not {}", kind(other))),
    }))
}

fn keys(args: FuncArgs) -> Result<Value, String> {
    match arg(&args, 0) {
        Value::Object(o) => Ok(Value::Array(o.keys().cloned().map(Value::from).collect())),
        other => Err(format!("keys takes a map, not {}", kind(other))),
    }
}

fn values(args: FuncArgs) -> Result<Value, String> {
    elements("values", arg(&args, 0)).map(Value::Array)
}

fn concat(args: FuncArgs) -> Result<Value, String> {
    let mut out = Vec::new();
    for a in args.iter() {
        out.extend(elements("concat", a)?);
    }
    Ok(Value::Array(out))
}

fn contains(args: FuncArgs) -> Result<Value, String> {
    let list = elements("contains", arg(&args, 0))?;
    Ok(Value::Bool(list.contains(arg(&args, 1))))
}

fn flatten(args: FuncArgs) -> Result<Value, String> {
    fn flat(v: &Value, out: &mut Vec<Value>) {
        match v {
            Value::Array(a) => a.iter().for_each(|v| flat(v, out)),
            other => out.push(other.clone()),
        }
    }
    let mut out = Vec::new();
    flat(arg(&args, 0), &mut out);
    Ok(Value::Array(out))
}

fn distinct(args: FuncArgs) -> Result<Value, String> {
    let mut out: Vec<Value> = Vec::new();
    for v in elements("distinct", arg(&args, 0))? {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(Value::Array(out))
}

fn element(args: FuncArgs) -> Result<Value, String> {
    let list = elements("element", arg(&args, 0))?;
    let i = arg(&args, 1)
        .as_u64()
        .ok_or_else(|| "element takes a whole-number index".to_string())?;
    if list.is_empty() {
        return Err("element: the list is empty".to_string());
    }
    Ok(list[(i as usize) % list.len()].clone())
}

fn join(args: FuncArgs) -> Result<Value, String> {
    let sep = arg(&args, 0).as_str().unwrap_or_default().to_string();
    let mut parts = Vec::new();
    for a in args.iter().skip(1) {
        for v in elements("join", a)? {
            parts.push(match v {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                other => return Err(format!("join takes strings, not {}", kind(&other))),
            });
        }
    }
    Ok(Value::from(parts.join(&sep)))
}

/// `format` with the verbs `%s`, `%d`, `%v` and `%%` (no widths or flags).
fn format(args: FuncArgs) -> Result<Value, String> {
    let spec = arg(&args, 0)
        .as_str()
        .ok_or_else(|| "format takes a string first".to_string())?
        .to_string();
    let mut values = args.iter().skip(1);
    let mut out = String::new();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(verb @ ('s' | 'd' | 'v')) => match values.next() {
                Some(Value::String(s)) if verb != 'd' => out.push_str(s),
                Some(Value::Number(n)) => out.push_str(&n.to_string()),
                Some(Value::Bool(b)) if verb != 'd' => out.push_str(&b.to_string()),
                Some(other) => {
                    return Err(format!("format: %{verb} cannot print {}", kind(other)));
                }
                None => return Err("format: too few arguments".to_string()),
            },
            Some(other) => {
                return Err(format!(
                    "format: the verb %{other} is not supported (only %s, %d, %v, %%)"
                ));
            }
            None => return Err("format: a lone % at the end".to_string()),
        }
    }
    Ok(Value::from(out))
}

fn tolist(args: FuncArgs) -> Result<Value, String> {
    elements("tolist", arg(&args, 0)).map(Value::Array)
}

fn toset(args: FuncArgs) -> Result<Value, String> {
    distinct(args)
}

fn tomap(args: FuncArgs) -> Result<Value, String> {
    match arg(&args, 0) {
        Value::Object(o) => Ok(Value::Object(o.clone())),
        other => Err(format!("tomap takes an object, not {}", kind(other))),
    }
}

fn lower(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::from(
        arg(&args, 0).as_str().unwrap_or_default().to_lowercase(),
    ))
}

fn upper(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::from(
        arg(&args, 0).as_str().unwrap_or_default().to_uppercase(),
    ))
}

fn tostring(args: FuncArgs) -> Result<Value, String> {
    Ok(match arg(&args, 0) {
        Value::String(s) => Value::from(s.clone()),
        Value::Number(n) => Value::from(n.to_string()),
        Value::Bool(b) => Value::from(b.to_string()),
        Value::Null => Value::Null,
        other => return Err(format!("tostring cannot convert {}", kind(other))),
    })
}

fn tonumber(args: FuncArgs) -> Result<Value, String> {
    match arg(&args, 0) {
        Value::Number(n) => Ok(Value::Number(*n)),
        Value::Null => Ok(Value::Null),
        Value::String(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(hcl::Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| format!("tonumber cannot convert \"{s}\"")),
        other => Err(format!("tonumber cannot convert {}", kind(other))),
    }
}

/// `try` / `can` where [`eval`] could not settle them beforehand (inside a template or a `for`
/// expression): hcl-rs evaluates every argument first, so this is reached only when all of them
/// evaluated (then the first is the answer); when one fails, the expression fails.
fn eager_try(args: FuncArgs) -> Result<Value, String> {
    Ok(arg(&args, 0).clone())
}

fn eager_can(_: FuncArgs) -> Result<Value, String> {
    Ok(Value::Bool(true))
}

pub(crate) fn declare_functions(ctx: &mut Context<'_>) {
    type F = fn(FuncArgs) -> Result<Value, String>;
    let variadic: [(&str, F); 7] = [
        ("merge", merge),
        ("format", format),
        ("coalesce", coalesce),
        ("concat", concat),
        ("join", join),
        ("try", eager_try),
        ("can", eager_can),
    ];
    for (name, f) in variadic {
        ctx.declare_func(
            name,
            FuncDef::builder().variadic_param(ParamType::Any).build(f),
        );
    }
    let one: [(&str, F); 11] = [
        ("length", length),
        ("keys", keys),
        ("values", values),
        ("flatten", flatten),
        ("distinct", distinct),
        ("tolist", tolist),
        ("toset", toset),
        ("tomap", tomap),
        ("lower", lower),
        ("upper", upper),
        ("tostring", tostring),
    ];
    for (name, f) in one {
        ctx.declare_func(name, FuncDef::builder().param(ParamType::Any).build(f));
    }
    ctx.declare_func(
        "tonumber",
        FuncDef::builder().param(ParamType::Any).build(tonumber),
    );
    let two: [(&str, F); 2] = [("contains", contains), ("element", element)];
    for (name, f) in two {
        ctx.declare_func(
            name,
            FuncDef::builder()
                .param(ParamType::Any)
                .param(ParamType::Any)
                .build(f),
        );
    }
    ctx.declare_func(
        "lookup",
        FuncDef::builder()
            .param(ParamType::Any)
            .param(ParamType::Any)
            .variadic_param(ParamType::Any)
            .build(lookup),
    );
}

/// The `for_each` collection of a `dynamic` block or a resource, as (each.key, each.value).
pub(crate) fn for_each_items(value: Value) -> Result<Vec<(Value, Value)>, String> {
    match value {
        Value::Array(items) => Ok(items
            .into_iter()
            .enumerate()
            .map(|(i, v)| (Value::from(i as u64), v))
            .collect()),
        Value::Object(o) => Ok(o.into_iter().map(|(k, v)| (Value::from(k), v)).collect()),
        Value::Null => Ok(Vec::new()),
        other => Err(format!(
            "for_each takes a list, set or map, not {}",
            kind(&other)
        )),
    }
}

/// The body with every `dynamic` block expanded into the blocks it generates, nested blocks
/// included. Inside a generated block every attribute is evaluated (it may use the iterator).
pub(crate) fn expand_dynamic(
    path: &str,
    body: &Body,
    ctx: &Context<'_>,
) -> Result<Body, DesignError> {
    expand(path, body, ctx, false)
}

/// The body with dynamic blocks expanded, and with every attribute evaluated to its value when
/// `literal` (inside a generated block, whose iterator exists only now).
fn expand(path: &str, body: &Body, ctx: &Context<'_>, literal: bool) -> Result<Body, DesignError> {
    let mut out = Vec::new();
    for structure in body.iter() {
        match structure {
            Structure::Attribute(a) if literal => {
                let value = eval(a.expr(), ctx).map_err(|e| DesignError::Unresolved {
                    attribute: format!("{path}.{}", a.key()),
                    reason: e.to_string(),
                })?;
                out.push(Structure::Attribute(hcl::Attribute::new(
                    a.key(),
                    Expression::from(value),
                )));
            }
            Structure::Attribute(a) => out.push(Structure::Attribute(a.clone())),
            Structure::Block(b) if b.identifier() == "dynamic" => {
                out.extend(dynamic(path, b, ctx)?.into_iter().map(Structure::Block));
            }
            Structure::Block(b) => {
                let inner = expand(
                    &format!("{path}.{}", b.identifier()),
                    b.body(),
                    ctx,
                    literal,
                )?;
                let mut block = b.clone();
                block.body = inner;
                out.push(Structure::Block(block));
            }
        }
    }
    Ok(Body::from(out))
}

fn dynamic(path: &str, block: &Block, ctx: &Context<'_>) -> Result<Vec<Block>, DesignError> {
    let name = block.labels().first().map(|l| l.as_str()).unwrap_or("");
    let at = format!("{path}.dynamic \"{name}\"");
    let attr = |key: &str| block.body().attributes().find(|a| a.key() == key);
    let Some(for_each) = attr("for_each") else {
        return Err(DesignError::invalid(&at, "`for_each` is required"));
    };
    let collection = eval(for_each.expr(), ctx).map_err(|e| DesignError::Unresolved {
        attribute: format!("{at}.for_each"),
        reason: e.to_string(),
    })?;
    let items = for_each_items(collection)
        .map_err(|m| DesignError::invalid(format!("{at}.for_each"), m))?;
    let iterator = match attr("iterator") {
        None => name.to_string(),
        Some(a) => match a.expr() {
            Expression::Variable(v) => v.as_str().to_string(),
            _ => {
                return Err(DesignError::invalid(
                    format!("{at}.iterator"),
                    "must be a plain name",
                ));
            }
        },
    };
    if attr("labels").is_some() {
        return Err(DesignError::invalid(
            format!("{at}.labels"),
            "labels on a dynamic block are not supported",
        ));
    }
    let Some(content) = block.body().blocks().find(|b| b.identifier() == "content") else {
        return Err(DesignError::invalid(&at, "a `content` block is required"));
    };
    let mut out = Vec::new();
    for (key, value) in items {
        let mut child = ctx.clone();
        child.declare_var(
            iterator.as_str(),
            Value::Object(Map::from_iter([
                ("key".to_string(), key),
                ("value".to_string(), value),
            ])),
        );
        let body = expand(&format!("{at}.content"), content.body(), &child, true)?;
        out.push(Block {
            identifier: name.into(),
            labels: Vec::new(),
            body,
        });
    }
    Ok(out)
}

/// A `.tfvars` file's assignments.
pub(crate) fn tfvars(path: &str, text: &str) -> Result<Vec<(String, Value)>, DesignError> {
    let body = hcl::parse(text).map_err(|e| DesignError::Syntax {
        format: "Terraform variables file",
        message: format!("{path}: {e}"),
    })?;
    let mut ctx = Context::new();
    declare_functions(&mut ctx);
    body.attributes()
        .map(|a| {
            eval(a.expr(), &ctx)
                .map(|v| (a.key().to_string(), v))
                .map_err(|e| DesignError::Unresolved {
                    attribute: format!("{path}: {}", a.key()),
                    reason: e.to_string(),
                })
        })
        .collect()
}

/// A `.tfvars.json` file's assignments.
pub(crate) fn tfvars_json(path: &str, text: &str) -> Result<Vec<(String, Value)>, DesignError> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|e| DesignError::Syntax {
        format: "Terraform variables file (JSON)",
        message: format!("{path}: {e}"),
    })?;
    match json {
        serde_json::Value::Object(o) => Ok(o.into_iter().map(|(k, v)| (k, from_json(v))).collect()),
        _ => Err(DesignError::invalid(
            path,
            "expected a JSON object of variables",
        )),
    }
}

pub(crate) fn from_json(v: serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(Value::from)
            .or_else(|| n.as_u64().map(Value::from))
            .or_else(|| {
                n.as_f64()
                    .and_then(hcl::Number::from_f64)
                    .map(Value::Number)
            })
            .unwrap_or(Value::Null),
        serde_json::Value::String(s) => Value::String(s),
        serde_json::Value::Array(a) => Value::Array(a.into_iter().map(from_json).collect()),
        serde_json::Value::Object(o) => {
            Value::Object(o.into_iter().map(|(k, v)| (k, from_json(v))).collect())
        }
    }
}

/// A `-var NAME=VALUE` value: a string for a `string` variable, else the value as HCL (a
/// number, bool, list or map), falling back to the string, as Terraform does.
pub(crate) fn cli_var(value: &str, string_typed: bool) -> Value {
    if string_typed {
        return Value::from(value);
    }
    let mut ctx = Context::new();
    declare_functions(&mut ctx);
    hcl::parse(&format!("v = {value}"))
        .ok()
        .and_then(|body| {
            body.attributes()
                .next()
                .and_then(|a| eval(a.expr(), &ctx).ok())
        })
        .unwrap_or_else(|| Value::from(value))
}
