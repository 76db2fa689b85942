//! CloudFormation templates (JSON or YAML, with the short-form tags), SAM's `SimpleTable`, CDK's
//! synthesized templates and serverless.yml's `resources`: the tables they declare, with their
//! Application Auto Scaling targets and policies; and the after design written back as a patch
//! of the template.
//!
//! Intrinsics are evaluated against the template's `Parameters` (their `Default`, or a value
//! given with `--parameter`), `Mappings` and `Conditions`, with the pseudo parameters of a stack
//! in us-east-1. The tags are converted to the long forms first, so both read the same.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::{
    AutoScaling, DesignError, Loaded, Origin, ScalingTarget, ScheduledAction, TableDesign,
};

type Obj = Map<String, Value>;

const TABLE: &str = "AWS::DynamoDB::Table";
const GLOBAL_TABLE: &str = "AWS::DynamoDB::GlobalTable";
const SIMPLE_TABLE: &str = "AWS::Serverless::SimpleTable";
const TARGET: &str = "AWS::ApplicationAutoScaling::ScalableTarget";
const POLICY: &str = "AWS::ApplicationAutoScaling::ScalingPolicy";
const REGION: &str = "us-east-1";
const ACCOUNT: &str = "123456789012";

/// A table resource of a template, and the template, for writing the after design as a patch.
#[derive(Clone, Debug, PartialEq)]
pub struct TemplateTable {
    /// The table's logical id in `Resources`.
    pub logical_id: String,
    /// The template's text as it was read.
    pub template: String,
    /// Whether the template is serverless.yml (its resources under `resources.Resources`).
    pub serverless: bool,
}

/// Whether JSON text is a CloudFormation template rather than a CreateTable request.
pub(crate) fn looks_like_template_json(text: &str) -> bool {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(o)) => {
            o.contains_key("Resources") || o.contains_key("AWSTemplateFormatVersion")
        }
        _ => false,
    }
}

fn syntax(path: &str, e: impl std::fmt::Display) -> DesignError {
    DesignError::Syntax {
        format: "CloudFormation template",
        message: format!("{path}: {e}"),
    }
}

/// YAML (with its tags) as JSON with the tags in their long form (`!Ref x` → `{"Ref": "x"}`,
/// `!Sub s` → `{"Fn::Sub": "s"}`).
fn from_yaml(v: serde_norway::Value) -> Value {
    use serde_norway::Value as Y;
    match v {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                json!(i)
            } else if let Some(u) = n.as_u64() {
                json!(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(from_yaml).collect()),
        Y::Mapping(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| {
                    let key = match from_yaml(k) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (key, from_yaml(v))
                })
                .collect(),
        ),
        Y::Tagged(t) => {
            let tag = t.tag.to_string();
            let tag = tag.trim_start_matches('!');
            let key = match tag {
                "Ref" | "Condition" => tag.to_string(),
                other => format!("Fn::{other}"),
            };
            let mut value = from_yaml(t.value);
            // `!GetAtt A.B` is the string form of `Fn::GetAtt: [A, B]`.
            if key == "Fn::GetAtt"
                && let Value::String(s) = &value
                && let Some((a, b)) = s.split_once('.')
            {
                value = json!([a, b]);
            }
            Value::Object(Map::from_iter([(key, value)]))
        }
    }
}

fn parse(path: &str, text: &str) -> Result<Value, DesignError> {
    if path.to_ascii_lowercase().ends_with(".json") || text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|e| syntax(path, e));
    }
    let yaml: serde_norway::Value = serde_norway::from_str(text).map_err(|e| syntax(path, e))?;
    Ok(from_yaml(yaml))
}

/// The template's `Resources`, and whether it is serverless.yml's `resources.Resources`.
fn template_root(doc: &Value) -> Option<(&Obj, bool)> {
    let Value::Object(root) = doc else {
        return None;
    };
    if root.contains_key("Resources") {
        return Some((root, false));
    }
    match root.get("resources") {
        Some(Value::Object(r)) if r.contains_key("Resources") => Some((r, true)),
        _ => None,
    }
}

/// What intrinsics are evaluated against.
struct Env<'t> {
    parameters: BTreeMap<String, Value>,
    /// Parameters whose value lives in SSM Parameter Store (`AWS::SSM::Parameter::Value<...>`).
    ssm: Vec<String>,
    mappings: Obj,
    conditions: Obj,
    /// Each resource's `Ref` value: a table's name, or the logical id for other resources.
    refs: BTreeMap<String, Value>,
    resources: &'t Obj,
    /// serverless.yml's document, for `${self:...}` variables.
    serverless: Option<&'t Value>,
}

fn unsupported(at: &str, what: &str) -> DesignError {
    DesignError::invalid(
        at,
        format!("{what} cannot be evaluated from the template alone and is not supported"),
    )
}

impl Env<'_> {
    fn condition(&self, at: &str, name: &str, depth: usize) -> Result<bool, DesignError> {
        let Some(c) = self.conditions.get(name) else {
            return Err(DesignError::invalid(
                at,
                format!("no condition \"{name}\" in Conditions"),
            ));
        };
        if depth > 32 {
            return Err(DesignError::invalid(at, "conditions nest too deeply"));
        }
        match self.eval_depth(&format!("Conditions.{name}"), c, depth + 1)? {
            Value::Bool(b) => Ok(b),
            Value::String(s) if s == "true" || s == "false" => Ok(s == "true"),
            other => Err(DesignError::invalid(
                format!("Conditions.{name}"),
                format!("expected true or false, found {other}"),
            )),
        }
    }

    fn eval(&self, at: &str, v: &Value) -> Result<Value, DesignError> {
        self.eval_depth(at, v, 0)
    }

    fn string(&self, at: &str, v: &Value) -> Result<String, DesignError> {
        match self.eval(at, v)? {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            other => Err(DesignError::invalid(
                at,
                format!("expected a string, found {other}"),
            )),
        }
    }

    fn reference(&self, at: &str, name: &str) -> Result<Value, DesignError> {
        if let Some(v) = self.parameters.get(name) {
            return Ok(v.clone());
        }
        if let Some(v) = self.refs.get(name) {
            return Ok(v.clone());
        }
        if self.ssm.iter().any(|p| p == name) {
            return Err(DesignError::invalid(
                at,
                format!(
                    "Ref {name}: its value is in SSM Parameter Store; give it with --parameter {name}=VALUE"
                ),
            ));
        }
        Ok(Value::String(match name {
            "AWS::Region" => REGION.into(),
            "AWS::AccountId" => ACCOUNT.into(),
            "AWS::StackName" => "stack".into(),
            "AWS::StackId" => format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/stack/id"),
            "AWS::Partition" => "aws".into(),
            "AWS::URLSuffix" => "amazonaws.com".into(),
            _ => {
                return Err(DesignError::invalid(
                    at,
                    format!("Ref {name}: no parameter or resource of that name"),
                ));
            }
        }))
    }

    fn get_att(&self, at: &str, args: &Value) -> Result<Value, DesignError> {
        let (res, attr) = match self.eval(at, args)? {
            Value::Array(a) if a.len() == 2 => (self.string(at, &a[0])?, self.string(at, &a[1])?),
            Value::String(s) => match s.split_once('.') {
                Some((a, b)) => (a.to_string(), b.to_string()),
                None => {
                    return Err(DesignError::invalid(
                        at,
                        "Fn::GetAtt needs RESOURCE.ATTRIBUTE",
                    ));
                }
            },
            _ => {
                return Err(DesignError::invalid(
                    at,
                    "Fn::GetAtt needs [RESOURCE, ATTRIBUTE]",
                ));
            }
        };
        let name = self.reference(at, &res)?;
        let name = name.as_str().unwrap_or_default();
        match attr.as_str() {
            "Arn" => Ok(json!(format!(
                "arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"
            ))),
            "StreamArn" => Ok(json!(format!(
                "arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}/stream/latest"
            ))),
            _ => Err(unsupported(at, &format!("Fn::GetAtt {res}.{attr}"))),
        }
    }

    fn sub(&self, at: &str, args: &Value) -> Result<Value, DesignError> {
        let (text, vars) = match args {
            Value::String(s) => (s.clone(), Obj::new()),
            Value::Array(a) if a.len() == 2 => match (&a[0], self.eval(at, &a[1])?) {
                (Value::String(s), Value::Object(vars)) => (s.clone(), vars),
                _ => return Err(DesignError::invalid(at, "Fn::Sub needs a string and a map")),
            },
            _ => return Err(DesignError::invalid(at, "Fn::Sub needs a string")),
        };
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            if let Some(literal) = after.strip_prefix('!') {
                out.push_str("${");
                rest = literal;
                continue;
            }
            let Some(end) = after.find('}') else {
                return Err(DesignError::invalid(
                    at,
                    format!("unclosed ${{ in \"{text}\""),
                ));
            };
            let name = after[..end].trim();
            let value = match vars.get(name) {
                Some(v) => v.clone(),
                None if name.contains('.') && !name.starts_with("AWS::") => {
                    let (r, a) = name.split_once('.').unwrap_or((name, ""));
                    self.get_att(at, &json!([r, a]))?
                }
                None => self.reference(at, name)?,
            };
            match value {
                Value::String(s) => out.push_str(&s),
                other => out.push_str(&other.to_string()),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(Value::String(out))
    }

    fn eval_depth(&self, at: &str, v: &Value, depth: usize) -> Result<Value, DesignError> {
        if depth > 64 {
            return Err(DesignError::invalid(at, "intrinsics nest too deeply"));
        }
        let eval = |v: &Value| self.eval_depth(at, v, depth + 1);
        match v {
            Value::String(s) if self.serverless.is_some() && s.contains("${") => {
                self.serverless_vars(at, s)
            }
            Value::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    let v = eval(item)?;
                    if !is_no_value(&v) {
                        out.push(v);
                    }
                }
                Ok(Value::Array(out))
            }
            Value::Object(o) if o.len() == 1 => {
                let (k, args) = o
                    .iter()
                    .next()
                    .map(|(k, v)| (k.as_str(), v))
                    .unwrap_or(("", v));
                match k {
                    "Ref" => {
                        let name = self.string(at, args)?;
                        if name == "AWS::NoValue" {
                            return Ok(no_value());
                        }
                        self.reference(at, &name)
                    }
                    "Condition" => Ok(Value::Bool(self.condition(
                        at,
                        &self.string(at, args)?,
                        depth,
                    )?)),
                    "Fn::If" => match args {
                        Value::Array(a) if a.len() == 3 => {
                            let name = self.string(at, &a[0])?;
                            if self.condition(at, &name, depth)? {
                                eval(&a[1])
                            } else {
                                eval(&a[2])
                            }
                        }
                        _ => Err(DesignError::invalid(
                            at,
                            "Fn::If needs [CONDITION, THEN, ELSE]",
                        )),
                    },
                    "Fn::Equals" => match eval(args)? {
                        Value::Array(a) if a.len() == 2 => Ok(Value::Bool(scalar_eq(&a[0], &a[1]))),
                        _ => Err(DesignError::invalid(at, "Fn::Equals needs two values")),
                    },
                    "Fn::Not" | "Fn::And" | "Fn::Or" => {
                        let Value::Array(items) = eval(args)? else {
                            return Err(DesignError::invalid(at, format!("{k} needs a list")));
                        };
                        let bools: Vec<bool> = items
                            .iter()
                            .map(|b| matches!(b, Value::Bool(true)) || b.as_str() == Some("true"))
                            .collect();
                        Ok(Value::Bool(match k {
                            "Fn::Not" => !bools.first().copied().unwrap_or(false),
                            "Fn::And" => bools.iter().all(|b| *b),
                            _ => bools.iter().any(|b| *b),
                        }))
                    }
                    "Fn::FindInMap" => {
                        let Value::Array(a) = eval(args)? else {
                            return Err(DesignError::invalid(at, "Fn::FindInMap needs a list"));
                        };
                        let keys: Vec<&str> = a.iter().take(3).filter_map(Value::as_str).collect();
                        let [map, first, second] = keys.as_slice() else {
                            return Err(DesignError::invalid(
                                at,
                                "Fn::FindInMap needs [MAP, KEY, KEY] as strings",
                            ));
                        };
                        self.mappings
                            .get(*map)
                            .and_then(|m| m.get(*first))
                            .and_then(|m| m.get(*second))
                            .map(&eval)
                            .or_else(|| {
                                a.get(3)
                                    .and_then(|d| d.get("DefaultValue"))
                                    .cloned()
                                    .map(Ok)
                            })
                            .unwrap_or_else(|| {
                                Err(DesignError::invalid(
                                    at,
                                    format!("Mappings has no {map}.{first}.{second}"),
                                ))
                            })
                    }
                    "Fn::Sub" => self.sub(at, args),
                    "Fn::GetAtt" => self.get_att(at, args),
                    "Fn::Join" => match eval(args)? {
                        Value::Array(a) if a.len() == 2 => {
                            let sep = a[0].as_str().unwrap_or_default();
                            let parts: Vec<String> = match &a[1] {
                                Value::Array(p) => p
                                    .iter()
                                    .map(|v| match v {
                                        Value::String(s) => s.clone(),
                                        other => other.to_string(),
                                    })
                                    .collect(),
                                _ => return Err(DesignError::invalid(at, "Fn::Join needs a list")),
                            };
                            Ok(Value::String(parts.join(sep)))
                        }
                        _ => Err(DesignError::invalid(at, "Fn::Join needs [SEPARATOR, LIST]")),
                    },
                    "Fn::Select" => match eval(args)? {
                        Value::Array(a) if a.len() == 2 => {
                            let i = match &a[0] {
                                Value::Number(n) => n.as_u64(),
                                Value::String(s) => s.parse().ok(),
                                _ => None,
                            };
                            match (i, &a[1]) {
                                (Some(i), Value::Array(l)) if (i as usize) < l.len() => {
                                    Ok(l[i as usize].clone())
                                }
                                _ => Err(DesignError::invalid(at, "Fn::Select: no such element")),
                            }
                        }
                        _ => Err(DesignError::invalid(at, "Fn::Select needs [INDEX, LIST]")),
                    },
                    "Fn::Split" => match eval(args)? {
                        Value::Array(a) if a.len() == 2 => match (&a[0], &a[1]) {
                            (Value::String(sep), Value::String(s)) => Ok(Value::Array(
                                s.split(sep.as_str()).map(|p| json!(p)).collect(),
                            )),
                            _ => Err(DesignError::invalid(at, "Fn::Split needs two strings")),
                        },
                        _ => Err(DesignError::invalid(
                            at,
                            "Fn::Split needs [SEPARATOR, STRING]",
                        )),
                    },
                    other if other.starts_with("Fn::") => Err(unsupported(at, other)),
                    key => {
                        let v = eval(args)?;
                        let mut out = Obj::new();
                        if !is_no_value(&v) {
                            out.insert(key.to_string(), v);
                        }
                        Ok(Value::Object(out))
                    }
                }
            }
            Value::Object(o) => {
                let mut out = Obj::new();
                for (k, v) in o {
                    let v = self.eval_depth(&format!("{at}.{k}"), v, depth + 1)?;
                    if !is_no_value(&v) {
                        out.insert(k.clone(), v);
                    }
                }
                Ok(Value::Object(out))
            }
            other => Ok(other.clone()),
        }
    }

    /// serverless.yml's variables: `${self:a.b}`, `${sls:stage}`, `${opt:stage}` (the
    /// provider's stage, else `dev`), `${env:X, default}` and the default of any other source.
    fn serverless_vars(&self, at: &str, s: &str) -> Result<Value, DesignError> {
        let mut out = String::new();
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                return Ok(Value::String(out));
            };
            let inner = &after[..end];
            let (source, default) = match inner.split_once(',') {
                Some((a, b)) => (a.trim(), Some(b.trim().trim_matches(['\'', '"']))),
                None => (inner.trim(), None),
            };
            let stage = || {
                self.serverless
                    .and_then(|d| d.pointer("/provider/stage"))
                    .and_then(Value::as_str)
                    .unwrap_or("dev")
                    .to_string()
            };
            let value = if let Some(path) = source.strip_prefix("self:") {
                let pointer = format!("/{}", path.replace('.', "/"));
                match self.serverless.and_then(|d| d.pointer(&pointer)) {
                    Some(Value::String(v)) => self.string_of(at, v)?,
                    Some(other) => other.to_string(),
                    None => match default {
                        Some(d) => d.to_string(),
                        None => {
                            return Err(DesignError::invalid(
                                at,
                                format!("${{{inner}}}: no such key in serverless.yml"),
                            ));
                        }
                    },
                }
            } else if source == "sls:stage" || source == "opt:stage" {
                default.map(str::to_string).unwrap_or_else(stage)
            } else if source == "opt:region" || source == "aws:region" {
                REGION.to_string()
            } else if source.contains(':') && !source.starts_with("AWS::") {
                match default {
                    Some(d) => d.to_string(),
                    None => {
                        return Err(unsupported(
                            at,
                            &format!("the serverless variable ${{{inner}}} (without a default)"),
                        ));
                    }
                }
            } else {
                // A CloudFormation `${Name}` inside Fn::Sub: left for Fn::Sub.
                format!("${{{inner}}}")
            };
            out.push_str(&value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(Value::String(out))
    }

    fn string_of(&self, at: &str, s: &str) -> Result<String, DesignError> {
        match self.serverless_vars(at, s)? {
            Value::String(s) => Ok(s),
            other => Ok(other.to_string()),
        }
    }
}

fn no_value() -> Value {
    json!({ "Ref": "AWS::NoValue" })
}

fn is_no_value(v: &Value) -> bool {
    v == &no_value()
}

fn scalar_eq(a: &Value, b: &Value) -> bool {
    let s = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    a == b || s(a) == s(b)
}

/// Numbers and booleans CloudFormation accepts as strings, as JSON numbers and booleans.
fn normalize(v: &mut Value) {
    const NUMBERS: [&str; 7] = [
        "ReadCapacityUnits",
        "WriteCapacityUnits",
        "MaxReadRequestUnits",
        "MaxWriteRequestUnits",
        "MinCapacity",
        "MaxCapacity",
        "TargetValue",
    ];
    match v {
        Value::Object(o) => {
            for (k, v) in o.iter_mut() {
                if let Value::String(s) = v {
                    if NUMBERS.contains(&k.as_str())
                        && let Ok(n) = s.trim().parse::<f64>()
                    {
                        *v = if n.fract() == 0.0 {
                            json!(n as i64)
                        } else {
                            json!(n)
                        };
                    } else if (k == "Enabled" || k.ends_with("Enabled"))
                        && (s == "true" || s == "false")
                    {
                        *v = Value::Bool(s == "true");
                    }
                } else {
                    normalize(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalize),
        _ => {}
    }
}

fn resource_type(r: &Value) -> &str {
    r.get("Type").and_then(Value::as_str).unwrap_or_default()
}

/// Whether the resource's `Condition` holds (a resource without one always exists).
fn exists(env: &Env<'_>, id: &str, r: &Value) -> Result<bool, DesignError> {
    match r.get("Condition").and_then(Value::as_str) {
        None => Ok(true),
        Some(c) => env.condition(&format!("Resources.{id}.Condition"), c, 0),
    }
}

fn properties(env: &Env<'_>, id: &str, r: &Value) -> Result<Obj, DesignError> {
    let at = format!("Resources.{id}.Properties");
    let mut v = env.eval(&at, r.get("Properties").unwrap_or(&Value::Null))?;
    normalize(&mut v);
    match v {
        Value::Object(o) => Ok(o),
        Value::Null => Ok(Obj::new()),
        _ => Err(DesignError::invalid(at, "expected a map of properties")),
    }
}

pub(crate) fn read(
    path: &str,
    text: &str,
    parameters: &[(String, String)],
) -> Result<Vec<Loaded>, DesignError> {
    read_template(path, text, parameters).map_err(|e| locate(path, text, e))
}

fn read_template(
    path: &str,
    text: &str,
    given: &[(String, String)],
) -> Result<Vec<Loaded>, DesignError> {
    let doc = parse(path, text)?;
    let Some((root, serverless)) = template_root(&doc) else {
        return Err(DesignError::NoTable {
            format: "file (no CloudFormation `Resources`, nor serverless.yml `resources.Resources`)",
        });
    };
    let empty = Obj::new();
    let section = |name: &str| match root.get(name) {
        Some(Value::Object(o)) => o,
        _ => &empty,
    };
    let resources = section("Resources");
    let mut env = Env {
        parameters: BTreeMap::new(),
        ssm: Vec::new(),
        mappings: section("Mappings").clone(),
        conditions: section("Conditions").clone(),
        refs: BTreeMap::new(),
        resources,
        serverless: serverless.then_some(&doc),
    };
    for (name, spec) in section("Parameters") {
        let ty = spec.get("Type").and_then(Value::as_str).unwrap_or_default();
        if ty.starts_with("AWS::SSM::Parameter::Value") {
            env.ssm.push(name.clone());
            continue;
        }
        if let Some(d) = spec.get("Default") {
            let d = match d {
                Value::String(s) => Value::String(s.clone()),
                other => Value::String(other.to_string()),
            };
            env.parameters.insert(name.clone(), d);
        }
    }
    // Macros generate resources this reader cannot see.
    let transforms: Vec<&str> = match root.get("Transform") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        Some(_) => vec!["(a macro with parameters)"],
        None => Vec::new(),
    };
    for t in transforms {
        if t != "AWS::Serverless-2016-10-31" && t != "AWS::LanguageExtensions" {
            return Err(DesignError::invalid(
                "Transform",
                format!(
                    "the transform {t} is not supported: the resources it generates cannot be read from the template"
                ),
            ));
        }
    }
    if let Some(k) = resources.keys().find(|k| k.starts_with("Fn::ForEach")) {
        return Err(DesignError::invalid(
            format!("Resources.{k}"),
            "Fn::ForEach is not supported: write the resources out",
        ));
    }
    for (k, v) in given {
        env.ssm.retain(|p| p != k);
        if !section("Parameters").contains_key(k) {
            return Err(DesignError::invalid(
                format!("--parameter {k}"),
                "the template has no parameter of that name",
            ));
        }
        env.parameters.insert(k.clone(), Value::String(v.clone()));
    }
    for name in section("Parameters").keys() {
        if !env.parameters.contains_key(name) {
            if env.ssm.contains(name) {
                // CDK's BootstrapVersion and the like: an error only where a table uses it.
                continue;
            }
            return Err(DesignError::invalid(
                format!("Parameters.{name}"),
                "has no Default: give it with --parameter NAME=VALUE",
            ));
        }
    }
    // Refs of resources: a table's name (its TableName, else its logical id).
    for (id, r) in env.resources {
        let value = match resource_type(r) {
            TABLE | GLOBAL_TABLE | SIMPLE_TABLE => {
                let at = format!("Resources.{id}.Properties.TableName");
                match r.get("Properties").and_then(|p| p.get("TableName")) {
                    Some(name) => Value::String(env.string(&at, name)?),
                    None => Value::String(id.clone()),
                }
            }
            _ => Value::String(id.clone()),
        };
        env.refs.insert(id.clone(), value);
    }

    let scaling = autoscaling(&env)?;
    let mut out = Vec::new();
    for (id, r) in env.resources {
        let ty = resource_type(r);
        if ![TABLE, GLOBAL_TABLE, SIMPLE_TABLE].contains(&ty) || !exists(&env, id, r)? {
            continue;
        }
        let props = properties(&env, id, r)?;
        let at = format!("Resources.{id}.Properties");
        let name = env
            .refs
            .get(id)
            .and_then(Value::as_str)
            .unwrap_or(id)
            .to_string();
        let mut design = match ty {
            SIMPLE_TABLE => simple_table(&at, &name, &props)?,
            GLOBAL_TABLE => global_table(&at, &name, &props)?,
            _ => table(&at, &name, &props)?,
        };
        if let Some(s) = scaling.get(&(name.clone(), None)) {
            design.autoscaling = Some(s.clone());
        }
        for g in &mut design.gsis {
            if let Some(s) = scaling.get(&(name.clone(), Some(g.name.clone()))) {
                g.autoscaling = Some(s.clone());
            }
        }
        out.push(Loaded {
            design,
            origin: Origin::CloudFormation(TemplateTable {
                logical_id: id.clone(),
                template: text.to_string(),
                serverless,
            }),
        });
    }
    for (table, index) in scaling.keys() {
        if let Some(index) = index
            && let Some(l) = out.iter().find(|l| &l.design.name == table)
            && l.design.gsi(index).is_none()
        {
            return Err(DesignError::no_such_index("Resources", table, index));
        }
    }
    if out.is_empty() {
        return Err(DesignError::NoTable {
            format: "template (no AWS::DynamoDB::Table, AWS::DynamoDB::GlobalTable or AWS::Serverless::SimpleTable)",
        });
    }
    Ok(out)
}

fn ttl(at: &str, props: &Obj) -> Result<Option<String>, DesignError> {
    let Some(spec) = props.get("TimeToLiveSpecification") else {
        return Ok(None);
    };
    let enabled = spec.get("Enabled") == Some(&Value::Bool(true));
    match (enabled, spec.get("AttributeName").and_then(Value::as_str)) {
        (false, _) => Ok(None),
        (true, Some(a)) => Ok(Some(a.to_string())),
        (true, None) => Err(DesignError::invalid(
            format!("{at}.TimeToLiveSpecification"),
            "AttributeName is required when Enabled is true",
        )),
    }
}

/// A template's `StreamSpecification` (a stream when it names a view) as CreateTable's.
fn stream_enabled(t: &mut Obj) {
    if let Some(Value::Object(s)) = t.get_mut("StreamSpecification")
        && s.contains_key("StreamViewType")
    {
        s.insert("StreamEnabled".into(), Value::Bool(true));
    }
}

/// `AWS::DynamoDB::Table`: its properties are CreateTable's, with `Tags`, `TableClass`,
/// `StreamSpecification` and `TimeToLiveSpecification`.
fn table(at: &str, name: &str, props: &Obj) -> Result<TableDesign, DesignError> {
    let mut t = props.clone();
    t.insert("TableName".into(), json!(name));
    stream_enabled(&mut t);
    let mut design = crate::json::table(&t, at)?;
    design.ttl_attribute = ttl(at, props)?;
    Ok(design)
}

/// `AWS::Serverless::SimpleTable`: a hash key (`PrimaryKey`, by default `id` of type String),
/// provisioned when it has `ProvisionedThroughput`, else on-demand.
fn simple_table(at: &str, name: &str, props: &Obj) -> Result<TableDesign, DesignError> {
    let pk = props.get("PrimaryKey");
    let key_name = pk
        .and_then(|p| p.get("Name"))
        .and_then(Value::as_str)
        .unwrap_or("id");
    let ty = match pk
        .and_then(|p| p.get("Type"))
        .and_then(Value::as_str)
        .unwrap_or("String")
    {
        "String" => "S",
        "Number" => "N",
        "Binary" => "B",
        other => {
            return Err(DesignError::invalid(
                format!("{at}.PrimaryKey.Type"),
                format!("must be String, Number or Binary, not \"{other}\""),
            ));
        }
    };
    let mut t = Obj::new();
    t.insert("TableName".into(), json!(name));
    t.insert(
        "AttributeDefinitions".into(),
        json!([{ "AttributeName": key_name, "AttributeType": ty }]),
    );
    t.insert(
        "KeySchema".into(),
        json!([{ "AttributeName": key_name, "KeyType": "HASH" }]),
    );
    match props.get("ProvisionedThroughput") {
        Some(pt) => {
            t.insert("BillingMode".into(), json!("PROVISIONED"));
            t.insert("ProvisionedThroughput".into(), pt.clone());
        }
        None => {
            t.insert("BillingMode".into(), json!("PAY_PER_REQUEST"));
        }
    }
    if let Some(Value::Object(tags)) = props.get("Tags") {
        let list: Vec<Value> = tags
            .iter()
            .map(|(k, v)| json!({ "Key": k, "Value": v }))
            .collect();
        t.insert("Tags".into(), Value::Array(list));
    }
    crate::json::table(&t, at)
}

/// Auto scaling settings of a GlobalTable (`...CapacityAutoScalingSettings`).
fn global_scaling(at: &str, s: &Value) -> Result<ScalingTarget, DesignError> {
    let n = |k: &str| s.get(k).and_then(Value::as_u64);
    let target = s
        .pointer("/TargetTrackingScalingPolicyConfiguration/TargetValue")
        .and_then(Value::as_f64);
    match (n("MinCapacity"), n("MaxCapacity"), target) {
        (Some(min), Some(max), Some(target_percent)) => Ok(ScalingTarget {
            min,
            max,
            target_percent,
            scheduled: Vec::new(),
        }),
        _ => Err(DesignError::invalid(
            at,
            "needs MinCapacity, MaxCapacity and TargetTrackingScalingPolicyConfiguration.TargetValue",
        )),
    }
}

/// A GlobalTable's (read units or read auto scaling) and write auto scaling or units, as
/// (provisioned read, write, auto scaling).
fn global_throughput(
    at: &str,
    read: Option<&Value>,
    write: Option<&Value>,
) -> Result<(u64, u64, AutoScaling), DesignError> {
    let mut scaling = AutoScaling::default();
    let read_units = match read {
        Some(r) => match (
            r.get("ReadCapacityUnits").and_then(Value::as_u64),
            r.get("ReadCapacityAutoScalingSettings"),
        ) {
            (Some(u), _) => u,
            (None, Some(s)) => {
                let t = global_scaling(&format!("{at}.ReadCapacityAutoScalingSettings"), s)?;
                let min = t.min;
                scaling.read = Some(t);
                min
            }
            _ => {
                return Err(DesignError::invalid(
                    at,
                    "ReadProvisionedThroughputSettings needs ReadCapacityUnits or ReadCapacityAutoScalingSettings",
                ));
            }
        },
        None => {
            return Err(DesignError::invalid(
                at,
                "a PROVISIONED global table needs the replica's ReadProvisionedThroughputSettings",
            ));
        }
    };
    let write_units = match write.and_then(|w| w.get("WriteCapacityAutoScalingSettings")) {
        Some(s) => {
            let t = global_scaling(&format!("{at}.WriteCapacityAutoScalingSettings"), s)?;
            let min = t.min;
            scaling.write = Some(t);
            min
        }
        None => match write
            .and_then(|w| w.get("WriteCapacityUnits"))
            .and_then(Value::as_u64)
        {
            Some(u) => u,
            None => {
                return Err(DesignError::invalid(
                    at,
                    "a PROVISIONED global table needs WriteProvisionedThroughputSettings",
                ));
            }
        },
    };
    Ok((read_units, write_units, scaling))
}

/// `AWS::DynamoDB::GlobalTable`, as the table in its first replica (the replicas share keys,
/// indexes and write capacity; read capacity and class are the first replica's).
fn global_table(at: &str, name: &str, props: &Obj) -> Result<TableDesign, DesignError> {
    let replica = props
        .get("Replicas")
        .and_then(|r| r.get(0))
        .cloned()
        .unwrap_or(Value::Null);
    let provisioned = props.get("BillingMode").and_then(Value::as_str) == Some("PROVISIONED");
    let mut t = props.clone();
    t.insert("TableName".into(), json!(name));
    stream_enabled(&mut t);
    for k in [
        "Replicas",
        "WriteProvisionedThroughputSettings",
        "WriteOnDemandThroughputSettings",
    ] {
        t.remove(k);
    }
    if let Some(class) = replica.get("TableClass") {
        t.insert("TableClass".into(), class.clone());
    }
    if let Some(tags) = replica.get("Tags") {
        t.insert("Tags".into(), tags.clone());
    }
    let mut table_scaling = None;
    let mut gsi_scaling = BTreeMap::new();
    if provisioned {
        let (r, w, s) = global_throughput(
            &format!("{at}.Replicas[0]"),
            replica.get("ReadProvisionedThroughputSettings"),
            props.get("WriteProvisionedThroughputSettings"),
        )?;
        t.insert(
            "ProvisionedThroughput".into(),
            json!({"ReadCapacityUnits": r, "WriteCapacityUnits": w}),
        );
        table_scaling = (s.read.is_some() || s.write.is_some()).then_some(s);
        if let Some(Value::Array(gsis)) = t.get_mut("GlobalSecondaryIndexes") {
            for (i, g) in gsis.iter_mut().enumerate() {
                let Some(gname) = g
                    .get("IndexName")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                else {
                    continue;
                };
                let replica_gsi = replica
                    .get("GlobalSecondaryIndexes")
                    .and_then(Value::as_array)
                    .and_then(|l| {
                        l.iter()
                            .find(|x| x.get("IndexName").and_then(Value::as_str) == Some(&gname))
                    });
                let (r, w, s) = global_throughput(
                    &format!("{at}.GlobalSecondaryIndexes[{i}]"),
                    replica_gsi.and_then(|x| x.get("ReadProvisionedThroughputSettings")),
                    g.get("WriteProvisionedThroughputSettings"),
                )?;
                if let Value::Object(o) = g {
                    o.remove("WriteProvisionedThroughputSettings");
                    o.insert(
                        "ProvisionedThroughput".into(),
                        json!({"ReadCapacityUnits": r, "WriteCapacityUnits": w}),
                    );
                }
                if s.read.is_some() || s.write.is_some() {
                    gsi_scaling.insert(gname, s);
                }
            }
        }
    } else {
        t.insert("BillingMode".into(), json!("PAY_PER_REQUEST"));
    }
    let mut design = crate::json::table(&t, at)?;
    design.ttl_attribute = ttl(at, props)?;
    design.autoscaling = table_scaling;
    for g in &mut design.gsis {
        g.autoscaling = gsi_scaling.remove(&g.name);
    }
    Ok(design)
}

/// Target-tracking auto scaling of the template's tables, by (table, index): ScalableTargets
/// joined with the TargetTrackingScaling policies that name them (`ScalingTargetId`) or their
/// resource id and dimension.
fn autoscaling(
    env: &Env<'_>,
) -> Result<BTreeMap<(String, Option<String>), AutoScaling>, DesignError> {
    struct Target {
        id: String,
        resource_id: String,
        dimension: String,
        min: u64,
        max: u64,
        scheduled: Vec<ScheduledAction>,
    }
    let mut targets = Vec::new();
    for (id, r) in env.resources {
        if resource_type(r) != TARGET || !exists(env, id, r)? {
            continue;
        }
        let p = properties(env, id, r)?;
        let at = format!("Resources.{id}.Properties");
        if p.get("ServiceNamespace").and_then(Value::as_str) != Some("dynamodb") {
            continue;
        }
        let s = |k: &str| {
            p.get(k)
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| DesignError::invalid(&at, format!("{k} is required")))
        };
        let n = |k: &str| {
            p.get(k)
                .and_then(Value::as_u64)
                .ok_or_else(|| DesignError::invalid(&at, format!("{k} is required")))
        };
        let mut scheduled = Vec::new();
        for (i, a) in p
            .get("ScheduledActions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let aat = format!("{at}.ScheduledActions[{i}]");
            let schedule = a
                .get("Schedule")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let Some(minute_of_day) = crate::terraform::daily_cron(schedule) else {
                return Err(DesignError::invalid(
                    format!("{aat}.Schedule"),
                    format!(
                        "\"{schedule}\" is not a daily schedule; only cron(M H * * ? *) is simulated"
                    ),
                ));
            };
            let action = a.get("ScalableTargetAction");
            let bound = |k: &str| action.and_then(|x| x.get(k)).and_then(Value::as_u64);
            let (Some(min), Some(max)) = (bound("MinCapacity"), bound("MaxCapacity")) else {
                return Err(DesignError::invalid(
                    aat,
                    "ScalableTargetAction needs MinCapacity and MaxCapacity",
                ));
            };
            scheduled.push(ScheduledAction {
                minute_of_day,
                min,
                max,
            });
        }
        scheduled.sort_by_key(|a| a.minute_of_day);
        targets.push(Target {
            id: id.clone(),
            resource_id: s("ResourceId")?,
            dimension: s("ScalableDimension")?,
            min: n("MinCapacity")?,
            max: n("MaxCapacity")?,
            scheduled,
        });
    }
    let mut out: BTreeMap<(String, Option<String>), AutoScaling> = BTreeMap::new();
    for (id, r) in env.resources {
        if resource_type(r) != POLICY || !exists(env, id, r)? {
            continue;
        }
        let p = properties(env, id, r)?;
        let at = format!("Resources.{id}.Properties");
        if p.get("PolicyType").and_then(Value::as_str) != Some("TargetTrackingScaling") {
            continue;
        }
        let target = match p.get("ScalingTargetId").and_then(Value::as_str) {
            Some(t) => targets.iter().find(|x| x.id == t),
            None => targets.iter().find(|x| {
                Some(x.resource_id.as_str()) == p.get("ResourceId").and_then(Value::as_str)
                    && Some(x.dimension.as_str())
                        == p.get("ScalableDimension").and_then(Value::as_str)
            }),
        };
        let Some(target) = target else {
            // A policy naming its target by id is another service's, or one whose target is
            // outside the template (as in Terraform, ignored); a DynamoDB policy naming a
            // resource id and dimension no target here has is an error.
            if p.get("ScalingTargetId").is_none()
                && p.get("ServiceNamespace").and_then(Value::as_str) == Some("dynamodb")
            {
                return Err(DesignError::invalid(
                    at,
                    format!(
                        "no ScalableTarget in this template has ResourceId {} and ScalableDimension {}",
                        p.get("ResourceId").unwrap_or(&Value::Null),
                        p.get("ScalableDimension").unwrap_or(&Value::Null)
                    ),
                ));
            }
            continue;
        };
        let cfg_at = format!("{at}.TargetTrackingScalingPolicyConfiguration");
        let cfg = p.get("TargetTrackingScalingPolicyConfiguration");
        let Some(target_percent) = cfg
            .and_then(|c| c.get("TargetValue"))
            .and_then(Value::as_f64)
        else {
            return Err(DesignError::invalid(cfg_at, "TargetValue is required"));
        };
        if cfg
            .and_then(|c| c.get("PredefinedMetricSpecification"))
            .is_none()
        {
            // A customized metric: not a utilization target the simulator can follow.
            continue;
        }
        let Some((table, index)) = crate::terraform::parse_resource_id(&target.resource_id) else {
            return Err(DesignError::invalid(
                format!("Resources.{}.Properties.ResourceId", target.id),
                format!(
                    "\"{}\" is not \"table/NAME\" or \"table/NAME/index/INDEX\"",
                    target.resource_id
                ),
            ));
        };
        let read = match target.dimension.as_str() {
            "dynamodb:table:ReadCapacityUnits" | "dynamodb:index:ReadCapacityUnits" => true,
            "dynamodb:table:WriteCapacityUnits" | "dynamodb:index:WriteCapacityUnits" => false,
            other => {
                return Err(DesignError::invalid(
                    format!("Resources.{}.Properties.ScalableDimension", target.id),
                    format!("\"{other}\" is not a DynamoDB capacity dimension"),
                ));
            }
        };
        let entry = out.entry((table, index)).or_default();
        let t = Some(ScalingTarget {
            min: target.min,
            max: target.max,
            target_percent,
            scheduled: target.scheduled.clone(),
        });
        if read {
            entry.read = t;
        } else {
            entry.write = t;
        }
    }
    Ok(out)
}

/// The error at the line of the template its path names.
fn locate(path: &str, text: &str, e: DesignError) -> DesignError {
    let at = match &e {
        DesignError::Invalid { at, .. } => at.clone(),
        DesignError::Unresolved { attribute, .. } => attribute.clone(),
        _ => return e,
    };
    if at.starts_with("--parameter") {
        return e;
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut line = 0;
    let mut found = false;
    for seg in at.split('.') {
        let key = seg.split('[').next().unwrap_or(seg);
        if key.is_empty() {
            continue;
        }
        let starts = |l: &&str| {
            let t = l.trim_start().trim_start_matches("- ");
            t.starts_with(&format!("{key}:")) || t.starts_with(&format!("\"{key}\""))
        };
        if let Some(i) = lines[line..].iter().position(starts) {
            line += i;
            found = true;
        }
    }
    if !found {
        return e;
    }
    DesignError::Located {
        file: path.to_string(),
        line: line + 1,
        error: Box::new(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Writing: the template with the table's resources replaced
// ---------------------------------------------------------------------------------------------

fn tagged(tag: &str, v: serde_norway::Value) -> serde_norway::Value {
    serde_norway::Value::Tagged(Box::new(serde_norway::value::TaggedValue {
        tag: serde_norway::value::Tag::new(tag),
        value: v,
    }))
}

/// The `AWS::DynamoDB::Table` properties of a design; `keep` are the properties of the before
/// resource the design does not model (kept as they were, tags and all).
fn table_properties(
    d: &TableDesign,
    name: Option<serde_norway::Value>,
    keep: serde_norway::Mapping,
) -> Result<serde_norway::Value, DesignError> {
    let mut req = crate::json::write(d);
    if let Value::Object(o) = &mut req {
        o.remove("TableName");
        if let Some(Value::Object(s)) = o.get_mut("StreamSpecification") {
            s.remove("StreamEnabled");
        }
        if let Some(ttl) = &d.ttl_attribute {
            o.insert(
                "TimeToLiveSpecification".into(),
                json!({"AttributeName": ttl, "Enabled": true}),
            );
        }
    }
    let generated: serde_norway::Value =
        serde_norway::to_value(&req).map_err(|e| DesignError::invalid("after", e.to_string()))?;
    let mut props = serde_norway::Mapping::new();
    if let Some(name) = name {
        props.insert("TableName".into(), name);
    }
    if let serde_norway::Value::Mapping(g) = generated {
        for (k, v) in g {
            props.insert(k, v);
        }
    }
    for (k, v) in keep {
        if !props.contains_key(&k) {
            props.insert(k, v);
        }
    }
    Ok(serde_norway::Value::Mapping(props))
}

/// A SimpleTable's properties for `after`, when it still is a simple table: a hash key only,
/// no index, TTL, stream, class or on-demand maximum.
fn simple_table_properties(
    at: &str,
    d: &TableDesign,
    name: Option<serde_norway::Value>,
    old: serde_norway::Mapping,
) -> Result<serde_norway::Value, DesignError> {
    let on_demand_max = matches!(
        d.billing,
        crate::Billing::OnDemand { max_read, max_write } if max_read.is_some() || max_write.is_some()
    );
    if d.sort_key.is_some()
        || !d.gsis.is_empty()
        || !d.lsis.is_empty()
        || d.ttl_attribute.is_some()
        || d.stream_view_type.is_some()
        || d.table_class != crate::TableClass::Standard
        || on_demand_max
    {
        return Err(DesignError::invalid(
            at,
            "the after design is no longer a SimpleTable (it has a sort key, an index, TTL, a stream, a table class or an on-demand maximum); declare it as an AWS::DynamoDB::Table",
        ));
    }
    let mut props = serde_norway::Mapping::new();
    if let Some(name) = name {
        props.insert("TableName".into(), name);
    }
    let mut pk = serde_norway::Mapping::new();
    pk.insert("Name".into(), d.partition_key.name.as_str().into());
    let ty = match d.partition_key.ty {
        crate::AttrType::S => "String",
        crate::AttrType::N => "Number",
        crate::AttrType::B => "Binary",
    };
    pk.insert("Type".into(), ty.into());
    props.insert("PrimaryKey".into(), serde_norway::Value::Mapping(pk));
    if let crate::Billing::Provisioned { read, write } = d.billing {
        let mut pt = serde_norway::Mapping::new();
        pt.insert("ReadCapacityUnits".into(), read.into());
        pt.insert("WriteCapacityUnits".into(), write.into());
        props.insert(
            "ProvisionedThroughput".into(),
            serde_norway::Value::Mapping(pt),
        );
    }
    if !d.tags.is_empty() {
        let tags: serde_norway::Mapping = d
            .tags
            .iter()
            .map(|(k, v)| (k.as_str().into(), v.as_str().into()))
            .collect();
        props.insert("Tags".into(), serde_norway::Value::Mapping(tags));
    }
    for (k, v) in old {
        if !props.contains_key(&k) && !matches!(k.as_str(), Some("ProvisionedThroughput" | "Tags"))
        {
            props.insert(k, v);
        }
    }
    Ok(serde_norway::Value::Mapping(props))
}

/// Properties the design models (replaced in the patch); others are kept.
const MODELED: [&str; 12] = [
    "TableName",
    "AttributeDefinitions",
    "KeySchema",
    "BillingMode",
    "ProvisionedThroughput",
    "OnDemandThroughput",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "StreamSpecification",
    "TableClass",
    "TimeToLiveSpecification",
    "Tags",
];

fn scaling_resources(
    logical_id: &str,
    index: Option<&str>,
    scaling: &AutoScaling,
) -> Vec<(String, serde_norway::Value)> {
    let mut out = Vec::new();
    for (read, t) in [(true, &scaling.read), (false, &scaling.write)] {
        let Some(t) = t else { continue };
        let dim = if read { "Read" } else { "Write" };
        let what = if index.is_some() { "index" } else { "table" };
        let suffix = index
            .map(|i| {
                i.chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
            })
            .unwrap_or_default();
        let target_id = format!("{logical_id}{suffix}{dim}ScalableTarget");
        let resource_id = match index {
            Some(i) => format!("table/${{{logical_id}}}/index/{i}"),
            None => format!("table/${{{logical_id}}}"),
        };
        let mut props = serde_norway::Mapping::new();
        props.insert("ServiceNamespace".into(), "dynamodb".into());
        props.insert("ResourceId".into(), tagged("Sub", resource_id.into()));
        props.insert(
            "ScalableDimension".into(),
            format!("dynamodb:{what}:{dim}CapacityUnits").into(),
        );
        props.insert("MinCapacity".into(), t.min.into());
        props.insert("MaxCapacity".into(), t.max.into());
        if !t.scheduled.is_empty() {
            let actions: Vec<serde_norway::Value> = t
                .scheduled
                .iter()
                .map(|a| {
                    let (h, m) = (a.minute_of_day / 60, a.minute_of_day % 60);
                    let mut action = serde_norway::Mapping::new();
                    action.insert(
                        "ScheduledActionName".into(),
                        format!("{target_id}-{h:02}{m:02}").into(),
                    );
                    action.insert("Schedule".into(), format!("cron({m} {h} * * ? *)").into());
                    let mut sta = serde_norway::Mapping::new();
                    sta.insert("MinCapacity".into(), a.min.into());
                    sta.insert("MaxCapacity".into(), a.max.into());
                    action.insert(
                        "ScalableTargetAction".into(),
                        serde_norway::Value::Mapping(sta),
                    );
                    serde_norway::Value::Mapping(action)
                })
                .collect();
            props.insert(
                "ScheduledActions".into(),
                serde_norway::Value::Sequence(actions),
            );
        }
        let mut target = serde_norway::Mapping::new();
        target.insert("Type".into(), TARGET.into());
        target.insert("Properties".into(), serde_norway::Value::Mapping(props));
        out.push((target_id.clone(), serde_norway::Value::Mapping(target)));

        let metric = format!("DynamoDB{dim}CapacityUtilization");
        let mut cfg = serde_norway::Mapping::new();
        let mut spec = serde_norway::Mapping::new();
        spec.insert("PredefinedMetricType".into(), metric.as_str().into());
        cfg.insert(
            "PredefinedMetricSpecification".into(),
            serde_norway::Value::Mapping(spec),
        );
        cfg.insert(
            "TargetValue".into(),
            if t.target_percent.fract() == 0.0 {
                (t.target_percent as u64).into()
            } else {
                t.target_percent.into()
            },
        );
        let mut props = serde_norway::Mapping::new();
        props.insert("PolicyName".into(), format!("{target_id}Policy").into());
        props.insert("PolicyType".into(), "TargetTrackingScaling".into());
        props.insert(
            "ScalingTargetId".into(),
            tagged("Ref", target_id.clone().into()),
        );
        props.insert(
            "TargetTrackingScalingPolicyConfiguration".into(),
            serde_norway::Value::Mapping(cfg),
        );
        let mut policy = serde_norway::Mapping::new();
        policy.insert("Type".into(), POLICY.into());
        policy.insert("Properties".into(), serde_norway::Value::Mapping(props));
        out.push((
            format!("{logical_id}{suffix}{dim}ScalingPolicy"),
            serde_norway::Value::Mapping(policy),
        ));
    }
    out
}

/// The template with the table's resource replaced by `after` (as an `AWS::DynamoDB::Table`,
/// keeping its other properties, its name expression and its resource attributes) and its
/// auto scaling targets and policies replaced by the after design's; everything else as it was.
pub(crate) fn patch(t: &TemplateTable, after: &TableDesign) -> Result<String, DesignError> {
    let path = "the template";
    let mut doc: serde_norway::Value = if looks_like_template_json(&t.template) {
        let json: Value = serde_json::from_str(&t.template).map_err(|e| syntax(path, e))?;
        serde_norway::to_value(json).map_err(|e| syntax(path, e))?
    } else {
        serde_norway::from_str(&t.template).map_err(|e| syntax(path, e))?
    };
    // Which resources scale this table: found on the evaluated template.
    let before = read_template(path, &t.template, &[])?;
    let evaluated = parse(
        if looks_like_template_json(&t.template) {
            "t.json"
        } else {
            "t.yaml"
        },
        &t.template,
    )?;
    let old_name = before
        .iter()
        .find(|l| matches!(&l.origin, Origin::CloudFormation(x) if x.logical_id == t.logical_id))
        .map(|l| l.design.name.clone())
        .unwrap_or_default();
    let mut scaling_ids = Vec::new();
    if let Some((root, _)) = template_root(&evaluated) {
        for (id, r) in root
            .get("Resources")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let ty = resource_type(r);
            if ty != TARGET && ty != POLICY {
                continue;
            }
            let text = r.to_string();
            if text.contains(&format!("\"{}\"", t.logical_id))
                || text.contains(&format!("${{{}}}", t.logical_id))
                || (!old_name.is_empty() && text.contains(&format!("table/{old_name}")))
            {
                scaling_ids.push(id.clone());
            }
        }
        // Policies of those targets.
        for (id, r) in root
            .get("Resources")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if resource_type(r) == POLICY
                && scaling_ids
                    .iter()
                    .any(|s| r.to_string().contains(&format!("\"{s}\"")))
                && !scaling_ids.contains(id)
            {
                scaling_ids.push(id.clone());
            }
        }
    }
    let resources = {
        let root = match &mut doc {
            serde_norway::Value::Mapping(m) if t.serverless => m.get_mut("resources"),
            other => Some(other),
        };
        root.and_then(|r| r.get_mut("Resources"))
            .and_then(|r| match r {
                serde_norway::Value::Mapping(m) => Some(m),
                _ => None,
            })
            .ok_or_else(|| DesignError::invalid(path, "has no Resources"))?
    };
    let Some(serde_norway::Value::Mapping(resource)) = resources.get_mut(t.logical_id.as_str())
    else {
        return Err(DesignError::invalid(
            path,
            format!("has no resource {}", t.logical_id),
        ));
    };
    let old_props = match resource.get("Properties") {
        Some(serde_norway::Value::Mapping(p)) => p.clone(),
        _ => serde_norway::Mapping::new(),
    };
    let ty = resource
        .get("Type")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    // The name as it was written (an expression, or absent for a generated name) while it is
    // the same; a renamed table gets its new name.
    let name = match old_props.get("TableName") {
        _ if after.name != old_name => Some(after.name.as_str().into()),
        n => n.cloned(),
    };
    let at = format!("Resources.{}", t.logical_id);
    let props = match ty.as_str() {
        TABLE => {
            let keep: serde_norway::Mapping = old_props
                .into_iter()
                .filter(|(k, _)| !k.as_str().is_some_and(|k| MODELED.contains(&k)))
                .collect();
            table_properties(after, name, keep)?
        }
        SIMPLE_TABLE => simple_table_properties(&at, after, name, old_props)?,
        other => {
            // Changing a resource's type replaces it: never written for the user.
            return Err(DesignError::invalid(
                at,
                format!(
                    "writing the after design of an {other} is not supported; apply after.json's changes to it by hand"
                ),
            ));
        }
    };
    resource.insert("Properties".into(), props);
    for id in &scaling_ids {
        resources.remove(id.as_str());
    }
    if let Some(s) = &after.autoscaling {
        for (id, r) in scaling_resources(&t.logical_id, None, s) {
            resources.insert(id.into(), r);
        }
    }
    for g in &after.gsis {
        if let Some(s) = &g.autoscaling {
            for (id, r) in scaling_resources(&t.logical_id, Some(&g.name), s) {
                resources.insert(id.into(), r);
            }
        }
    }
    serde_norway::to_string(&doc).map_err(|e| DesignError::invalid(path, e.to_string()))
}
