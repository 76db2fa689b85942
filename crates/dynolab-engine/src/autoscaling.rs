//! Enough of the Application Auto Scaling API for DynamoDB tables and indexes to be declared
//! as Terraform's `aws_appautoscaling_target` / `_policy` / `_scheduled_action` and the AWS
//! SDKs declare them: scalable targets, scaling policies and scheduled actions are registered,
//! described, tagged and deleted, durably, with the table (JSON 1.1, `X-Amz-Target:
//! AnyScaleFrontendService.<Operation>`).
//!
//! They are stored and described, not acted on: `serve` does not scale a table's capacity by
//! them (the simulator does, `docs/design/simulate.md`). Their settings are what `dynolab
//! advise --aws` and `workload from-aws` read back.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use dynolab_model::{ApiError, ErrorCode};

use crate::table::TableMeta;
use crate::{Engine, Outcome, tags, write_lock};

pub const TARGET_PREFIX: &str = "AnyScaleFrontendService.";
pub const OPERATIONS: &[&str] = &[
    "RegisterScalableTarget",
    "DescribeScalableTargets",
    "DeregisterScalableTarget",
    "PutScalingPolicy",
    "DescribeScalingPolicies",
    "DeleteScalingPolicy",
    "PutScheduledAction",
    "DescribeScheduledActions",
    "DeleteScheduledAction",
    "DescribeScalingActivities",
    "ListTagsForResource",
    "TagResource",
    "UntagResource",
];
const NAMESPACE: &str = "dynamodb";
const DIMENSIONS: &[&str] = &[
    "dynamodb:table:ReadCapacityUnits",
    "dynamodb:table:WriteCapacityUnits",
    "dynamodb:index:ReadCapacityUnits",
    "dynamodb:index:WriteCapacityUnits",
];

/// What a table has registered with Application Auto Scaling (its own and its indexes').
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Scaling {
    pub targets: Vec<ScalableTarget>,
    pub policies: Vec<Policy>,
    pub scheduled: Vec<Scheduled>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ScalableTarget {
    pub resource_id: String,
    pub dimension: String,
    pub min: i64,
    pub max: i64,
    pub role_arn: Option<String>,
    /// `SuspendedState` as given.
    pub suspended: Option<Value>,
    pub created_secs: f64,
    pub arn: String,
    #[serde(default)]
    pub tags: std::collections::BTreeMap<String, String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Policy {
    pub name: String,
    pub resource_id: String,
    pub dimension: String,
    pub policy_type: String,
    /// `TargetTrackingScalingPolicyConfiguration` or `StepScalingPolicyConfiguration`, as given.
    pub configuration: Value,
    pub arn: String,
    pub created_secs: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Scheduled {
    pub name: String,
    pub resource_id: String,
    pub dimension: String,
    /// Schedule, Timezone, StartTime, EndTime and ScalableTargetAction, as given.
    pub settings: Map<String, Value>,
    pub arn: String,
    pub created_secs: f64,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::AutoScalingValidation, message)
}

fn not_found(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::AutoScalingObjectNotFound, message)
}

fn required<'a>(req: &'a Map<String, Value>, name: &str) -> Result<&'a str, ApiError> {
    req.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid(format!("1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null", lower_first(name))))
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// The table a `ResourceId` names (`table/NAME` or `table/NAME/index/INDEX`), checked against
/// its `ScalableDimension`.
fn table_of(resource_id: &str, dimension: &str) -> Result<String, ApiError> {
    if !DIMENSIONS.contains(&dimension) {
        return Err(invalid(format!(
            "1 validation error detected: Value '{dimension}' at 'scalableDimension' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
            DIMENSIONS.join(", ")
        )));
    }
    let parts: Vec<&str> = resource_id.split('/').collect();
    let (table, is_index) = match parts[..] {
        ["table", table] => (table, false),
        ["table", table, "index", _] => (table, true),
        _ => {
            return Err(invalid(format!(
                "Unsupported resource ID for DynamoDB: {resource_id} (expected table/NAME or table/NAME/index/INDEX)"
            )));
        }
    };
    if is_index != dimension.starts_with("dynamodb:index:") {
        return Err(invalid(format!(
            "Unsupported scalable dimension {dimension} for resource ID {resource_id}"
        )));
    }
    Ok(table.to_string())
}

fn namespace(req: &Map<String, Value>) -> Result<(), ApiError> {
    let ns = required(req, "ServiceNamespace")?;
    if ns != NAMESPACE {
        return Err(invalid(format!(
            "dynolab serves Application Auto Scaling for DynamoDB only; ServiceNamespace {ns} is not supported"
        )));
    }
    Ok(())
}

pub async fn call(engine: &Engine, operation: &str, body: &Value) -> Result<Value, ApiError> {
    let req = body.as_object().ok_or_else(ApiError::bad_json)?;
    let outcome = match operation {
        "DescribeScalableTargets" => return Ok(describe_targets(engine, req)),
        "DescribeScalingPolicies" => return Ok(describe_policies(engine, req)),
        "DescribeScheduledActions" => return Ok(describe_scheduled(engine, req)),
        "DescribeScalingActivities" => return Ok(json!({"ScalingActivities": []})),
        "ListTagsForResource" => return list_tags(engine, req),
        _ => write(engine, operation, req)?,
    };
    outcome
        .ticket
        .wait()
        .await
        .map(|()| outcome.body)
        .map_err(|e| ApiError::internal(format!("storage failure: {e}")))
}

/// The operations that change a table's scaling settings: validated, applied to a copy of the
/// table's metadata, persisted, then installed.
fn write(engine: &Engine, operation: &str, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let (table, resource_id, dimension) = match operation {
        "TagResource" | "UntagResource" => {
            let arn = required(req, "ResourceARN")?;
            let (table, target) = find_target_by_arn(engine, arn)?;
            (table, target.resource_id, target.dimension)
        }
        _ => {
            namespace(req)?;
            let resource_id = required(req, "ResourceId")?.to_string();
            let dimension = required(req, "ScalableDimension")?.to_string();
            (table_of(&resource_id, &dimension)?, resource_id, dimension)
        }
    };
    let handle = tags::table(engine, &table, &resource_id).map_err(|_| {
        invalid(format!(
            "DynamoDB table or index {resource_id} does not exist"
        ))
    })?;
    let mut state = write_lock(&handle);
    let mut meta = state.meta.clone();
    let now = engine.now().as_secs_f64();
    let body = {
        let scaling = &mut meta.scaling;
        let target = (resource_id.as_str(), dimension.as_str());
        match operation {
            "RegisterScalableTarget" => register(engine, &table, scaling, target, req, now)?,
            "DeregisterScalableTarget" => deregister(scaling, target)?,
            "PutScalingPolicy" => put_policy(engine, scaling, target, req, now)?,
            "DeleteScalingPolicy" => delete_named(
                &mut scaling.policies,
                target,
                required(req, "PolicyName")?,
                "scaling policy",
            )?,
            "PutScheduledAction" => put_scheduled(engine, scaling, target, req, now)?,
            "DeleteScheduledAction" => delete_named(
                &mut scaling.scheduled,
                target,
                required(req, "ScheduledActionName")?,
                "scheduled action",
            )?,
            "TagResource" | "UntagResource" => retag(scaling, target, operation, req)?,
            _ => return Err(ApiError::unknown_operation()),
        }
    };
    check_index(&meta, &resource_id)?;
    let ticket = engine.persist_meta(&meta)?;
    state.meta = meta;
    Ok(Outcome { body, ticket })
}

fn check_index(meta: &TableMeta, resource_id: &str) -> Result<(), ApiError> {
    if let Some((_, index)) = resource_id.split_once("/index/")
        && !meta.gsis.iter().any(|g| g.name == index)
    {
        return Err(invalid(format!(
            "DynamoDB table or index {resource_id} does not exist"
        )));
    }
    Ok(())
}

fn no_target(resource_id: &str, dimension: &str) -> ApiError {
    not_found(format!(
        "No scalable target registered for service namespace: {NAMESPACE}, resource ID: {resource_id}, scalable dimension: {dimension}"
    ))
}

fn has_target(scaling: &Scaling, (resource_id, dimension): (&str, &str)) -> bool {
    scaling
        .targets
        .iter()
        .any(|t| t.resource_id == resource_id && t.dimension == dimension)
}

fn capacity(req: &Map<String, Value>, name: &str) -> Result<Option<i64>, ApiError> {
    match req.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .filter(|n| *n >= 0)
            .map(Some)
            .ok_or_else(|| invalid(format!("{name} must be a whole number of at least 0"))),
    }
}

/// A stable id for an object's ARN: hex of a hash of what names it.
fn object_id(parts: &[&str]) -> String {
    let joined = parts.join("\u{0}");
    let hash = dynolab_model::partition::partition_hash(&dynolab_model::AttributeValue::S(joined));
    format!("{hash:016x}")
}

fn register(
    engine: &Engine,
    table: &str,
    scaling: &mut Scaling,
    (resource_id, dimension): (&str, &str),
    req: &Map<String, Value>,
    now: f64,
) -> Result<Value, ApiError> {
    let min = capacity(req, "MinCapacity")?;
    let max = capacity(req, "MaxCapacity")?;
    let existing = scaling
        .targets
        .iter_mut()
        .find(|t| t.resource_id == resource_id && t.dimension == dimension);
    let arn = match existing {
        Some(target) => {
            target.min = min.unwrap_or(target.min);
            target.max = max.unwrap_or(target.max);
            if let Some(role) = req.get("RoleARN").and_then(Value::as_str) {
                target.role_arn = Some(role.to_string());
            }
            if let Some(suspended) = req.get("SuspendedState") {
                target.suspended = Some(suspended.clone());
            }
            check_bounds(target.min, target.max)?;
            target.arn.clone()
        }
        None => {
            let (Some(min), Some(max)) = (min, max) else {
                return Err(invalid(
                    "MinCapacity and MaxCapacity are required to register a new scalable target",
                ));
            };
            check_bounds(min, max)?;
            let arn = format!(
                "arn:aws:application-autoscaling:{}:{}:scalable-target/{}",
                engine.region(),
                account_of(engine, table),
                object_id(&[resource_id, dimension])
            );
            scaling.targets.push(ScalableTarget {
                resource_id: resource_id.to_string(),
                dimension: dimension.to_string(),
                min,
                max,
                role_arn: req
                    .get("RoleARN")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                suspended: req.get("SuspendedState").cloned(),
                created_secs: now,
                arn: arn.clone(),
                tags: parse_tag_map(req.get("Tags"))?,
            });
            arn
        }
    };
    Ok(json!({"ScalableTargetARN": arn}))
}

fn check_bounds(min: i64, max: i64) -> Result<(), ApiError> {
    if min > max {
        return Err(invalid(format!(
            "Minimum capacity cannot be larger than maximum capacity: {min} > {max}"
        )));
    }
    Ok(())
}

/// The account in the table's ARN.
fn account_of(engine: &Engine, table: &str) -> String {
    engine
        .table_arn(table)
        .split(':')
        .nth(4)
        .unwrap_or_default()
        .to_string()
}

fn parse_tag_map(
    tags: Option<&Value>,
) -> Result<std::collections::BTreeMap<String, String>, ApiError> {
    let mut out = std::collections::BTreeMap::new();
    if let Some(map) = tags.and_then(Value::as_object) {
        for (k, v) in map {
            let v = v
                .as_str()
                .ok_or_else(|| invalid(format!("The value of tag {k} must be a string")))?;
            out.insert(k.clone(), v.to_string());
        }
    }
    Ok(out)
}

fn deregister(scaling: &mut Scaling, target: (&str, &str)) -> Result<Value, ApiError> {
    if !has_target(scaling, target) {
        return Err(no_target(target.0, target.1));
    }
    let same = |r: &str, d: &str| (r, d) == target;
    scaling
        .targets
        .retain(|t| !same(&t.resource_id, &t.dimension));
    scaling
        .policies
        .retain(|p| !same(&p.resource_id, &p.dimension));
    scaling
        .scheduled
        .retain(|s| !same(&s.resource_id, &s.dimension));
    Ok(json!({}))
}

/// The required name (`member`) of a policy or scheduled action, whose scalable target must be
/// registered.
fn name_on_target<'a>(
    scaling: &Scaling,
    target: (&str, &str),
    req: &'a Map<String, Value>,
    member: &str,
) -> Result<&'a str, ApiError> {
    let name = required(req, member)?;
    if !has_target(scaling, target) {
        return Err(no_target(target.0, target.1));
    }
    Ok(name)
}

fn put_policy(
    engine: &Engine,
    scaling: &mut Scaling,
    target: (&str, &str),
    req: &Map<String, Value>,
    now: f64,
) -> Result<Value, ApiError> {
    let name = name_on_target(scaling, target, req, "PolicyName")?;
    let policy_type = req
        .get("PolicyType")
        .and_then(Value::as_str)
        .unwrap_or("StepScaling")
        .to_string();
    let member = match policy_type.as_str() {
        "TargetTrackingScaling" => "TargetTrackingScalingPolicyConfiguration",
        "StepScaling" => "StepScalingPolicyConfiguration",
        other => {
            return Err(invalid(format!(
                "Unsupported policy type {other} for DynamoDB (TargetTrackingScaling or StepScaling)"
            )));
        }
    };
    let configuration = req
        .get(member)
        .filter(|v| v.is_object())
        .cloned()
        .ok_or_else(|| invalid(format!("{member} is required for a {policy_type} policy")))?;
    let arn = named_arn(engine, "scalingPolicy", "policyName", target, name);
    scaling.policies.retain(|p| !p.is(target, name));
    scaling.policies.push(Policy {
        name: name.to_string(),
        resource_id: target.0.to_string(),
        dimension: target.1.to_string(),
        policy_type,
        configuration,
        arn: arn.clone(),
        created_secs: now,
    });
    Ok(json!({"PolicyARN": arn, "Alarms": []}))
}

/// A policy or a scheduled action: named per scalable target.
trait Named {
    /// (resource id, scalable dimension, name)
    fn scope(&self) -> (&str, &str, &str);

    fn is(&self, target: (&str, &str), name: &str) -> bool {
        let (resource_id, dimension, own) = self.scope();
        own == name && (resource_id, dimension) == target
    }
}

impl Named for Policy {
    fn scope(&self) -> (&str, &str, &str) {
        (&self.resource_id, &self.dimension, &self.name)
    }
}

impl Named for Scheduled {
    fn scope(&self) -> (&str, &str, &str) {
        (&self.resource_id, &self.dimension, &self.name)
    }
}

/// What a Describe call selects of `items`: its namespace, resource and dimension filters,
/// and the names listed in `names_member` (all when none are).
fn selected<'a, T: Named>(
    items: impl Iterator<Item = &'a T>,
    req: &Map<String, Value>,
    names_member: &str,
) -> Vec<&'a T> {
    let names = names_filter(req, names_member);
    items
        .filter(|x| {
            let (resource_id, dimension, name) = x.scope();
            matches(req, resource_id, dimension) && (names.is_empty() || names.contains(&name))
        })
        .collect()
}

/// Deletes the `what` (`scaling policy`, `scheduled action`) called `name` of `target`.
fn delete_named<T: Named>(
    list: &mut Vec<T>,
    target: (&str, &str),
    name: &str,
    what: &str,
) -> Result<Value, ApiError> {
    let before = list.len();
    list.retain(|x| !x.is(target, name));
    if list.len() == before {
        return Err(not_found(format!(
            "No {what} found for service namespace: {NAMESPACE}, resource ID: {}, scalable dimension: {}, {what} name: {name}",
            target.0, target.1
        )));
    }
    Ok(json!({}))
}

/// The ARN of a policy (`scalingPolicy`, `policyName`) or a scheduled action
/// (`scheduledAction`, `scheduledActionName`).
fn named_arn(engine: &Engine, kind: &str, label: &str, target: (&str, &str), name: &str) -> String {
    format!(
        "arn:aws:autoscaling:{}:{}:{kind}:{}:resource/{NAMESPACE}/{}:{label}/{name}",
        engine.region(),
        account_of(engine, target.0.split('/').nth(1).unwrap_or_default()),
        object_id(&[target.0, target.1, name]),
        target.0
    )
}

fn put_scheduled(
    engine: &Engine,
    scaling: &mut Scaling,
    target: (&str, &str),
    req: &Map<String, Value>,
    now: f64,
) -> Result<Value, ApiError> {
    let name = name_on_target(scaling, target, req, "ScheduledActionName")?;
    let mut settings = Map::new();
    for member in [
        "Schedule",
        "Timezone",
        "StartTime",
        "EndTime",
        "ScalableTargetAction",
    ] {
        if let Some(v) = req.get(member).filter(|v| !v.is_null()) {
            settings.insert(member.to_string(), v.clone());
        }
    }
    let existing = scaling.scheduled.iter_mut().find(|s| s.is(target, name));
    match existing {
        // An update changes only what it names.
        Some(action) => action.settings.extend(settings),
        None => {
            if !settings.contains_key("Schedule") {
                return Err(invalid("Schedule is required for a new scheduled action"));
            }
            let arn = named_arn(
                engine,
                "scheduledAction",
                "scheduledActionName",
                target,
                name,
            );
            scaling.scheduled.push(Scheduled {
                name: name.to_string(),
                resource_id: target.0.to_string(),
                dimension: target.1.to_string(),
                settings,
                arn,
                created_secs: now,
            });
        }
    }
    Ok(json!({}))
}

fn retag(
    scaling: &mut Scaling,
    target: (&str, &str),
    operation: &str,
    req: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let Some(t) = scaling
        .targets
        .iter_mut()
        .find(|t| (t.resource_id.as_str(), t.dimension.as_str()) == target)
    else {
        return Err(no_target(target.0, target.1));
    };
    if operation == "TagResource" {
        t.tags.extend(parse_tag_map(req.get("Tags"))?);
    } else {
        for key in req
            .get("TagKeys")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(key) = key.as_str() {
                t.tags.remove(key);
            }
        }
    }
    Ok(json!({}))
}

/// Every table's scaling settings, in table-name order.
fn all(engine: &Engine) -> Vec<Scaling> {
    engine
        .table_metas()
        .into_iter()
        .map(|meta| meta.scaling)
        .collect()
}

fn find_target_by_arn(engine: &Engine, arn: &str) -> Result<(String, ScalableTarget), ApiError> {
    for meta in engine.table_metas() {
        if let Some(t) = meta.scaling.targets.iter().find(|t| t.arn == arn) {
            return Ok((meta.name.clone(), t.clone()));
        }
    }
    Err(not_found(format!("No scalable target found for ARN {arn}")))
}

/// The filters the Describe operations share: the namespace, `ResourceId(s)` and
/// `ScalableDimension`.
fn matches(req: &Map<String, Value>, resource_id: &str, dimension: &str) -> bool {
    let ids: Vec<&str> = match (req.get("ResourceIds"), req.get("ResourceId")) {
        (Some(Value::Array(list)), _) => list.iter().filter_map(Value::as_str).collect(),
        (_, Some(Value::String(one))) => vec![one.as_str()],
        _ => Vec::new(),
    };
    (ids.is_empty() || ids.contains(&resource_id))
        && req
            .get("ScalableDimension")
            .and_then(Value::as_str)
            .is_none_or(|d| d == dimension)
        && req
            .get("ServiceNamespace")
            .and_then(Value::as_str)
            .is_none_or(|ns| ns == NAMESPACE)
}

fn names_filter<'a>(req: &'a Map<String, Value>, member: &str) -> Vec<&'a str> {
    req.get(member)
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn describe_targets(engine: &Engine, req: &Map<String, Value>) -> Value {
    let targets: Vec<Value> = all(engine)
        .iter()
        .flat_map(|s| &s.targets)
        .filter(|t| matches(req, &t.resource_id, &t.dimension))
        .map(|t| {
            let mut out = json!({
                "ServiceNamespace": NAMESPACE,
                "ResourceId": t.resource_id,
                "ScalableDimension": t.dimension,
                "MinCapacity": t.min,
                "MaxCapacity": t.max,
                "CreationTime": t.created_secs,
                "ScalableTargetARN": t.arn,
                "SuspendedState": t.suspended.clone().unwrap_or_else(|| json!({
                    "DynamicScalingInSuspended": false,
                    "DynamicScalingOutSuspended": false,
                    "ScheduledScalingSuspended": false,
                })),
            });
            if let Some(role) = &t.role_arn {
                out["RoleARN"] = json!(role);
            }
            out
        })
        .collect();
    json!({"ScalableTargets": targets})
}

fn describe_policies(engine: &Engine, req: &Map<String, Value>) -> Value {
    let all = all(engine);
    let policies: Vec<Value> = selected(all.iter().flat_map(|s| &s.policies), req, "PolicyNames")
        .into_iter()
        .map(|p| {
            let member = if p.policy_type == "TargetTrackingScaling" {
                "TargetTrackingScalingPolicyConfiguration"
            } else {
                "StepScalingPolicyConfiguration"
            };
            json!({
                "PolicyARN": p.arn,
                "PolicyName": p.name,
                "ServiceNamespace": NAMESPACE,
                "ResourceId": p.resource_id,
                "ScalableDimension": p.dimension,
                "PolicyType": p.policy_type,
                member: p.configuration,
                "Alarms": [],
                "CreationTime": p.created_secs,
            })
        })
        .collect();
    json!({"ScalingPolicies": policies})
}

fn describe_scheduled(engine: &Engine, req: &Map<String, Value>) -> Value {
    let all = all(engine);
    let scheduled = all.iter().flat_map(|s| &s.scheduled);
    let actions: Vec<Value> = selected(scheduled, req, "ScheduledActionNames")
        .into_iter()
        .map(|a| {
            let mut out = a.settings.clone();
            out.insert("ScheduledActionName".into(), json!(a.name));
            out.insert("ScheduledActionARN".into(), json!(a.arn));
            out.insert("ServiceNamespace".into(), json!(NAMESPACE));
            out.insert("ResourceId".into(), json!(a.resource_id));
            out.insert("ScalableDimension".into(), json!(a.dimension));
            out.insert("CreationTime".into(), json!(a.created_secs));
            Value::Object(out)
        })
        .collect();
    json!({"ScheduledActions": actions})
}

fn list_tags(engine: &Engine, req: &Map<String, Value>) -> Result<Value, ApiError> {
    let arn = required(req, "ResourceARN")?;
    let (_, target) = find_target_by_arn(engine, arn)?;
    Ok(json!({"Tags": target.tags}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_ids_name_a_table_and_match_their_dimension() {
        assert_eq!(
            table_of("table/orders", "dynamodb:table:ReadCapacityUnits").unwrap(),
            "orders"
        );
        assert_eq!(
            table_of(
                "table/orders/index/GSI1",
                "dynamodb:index:WriteCapacityUnits"
            )
            .unwrap(),
            "orders"
        );
        assert!(table_of("table/orders", "dynamodb:index:ReadCapacityUnits").is_err());
        assert!(
            table_of(
                "table/orders/index/GSI1",
                "dynamodb:table:ReadCapacityUnits"
            )
            .is_err()
        );
        assert!(table_of("orders", "dynamodb:table:ReadCapacityUnits").is_err());
        assert!(table_of("table/orders", "ecs:service:DesiredCount").is_err());
    }
}
