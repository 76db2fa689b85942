//! Enough of the CloudWatch API for AWS/DynamoDB metrics: GetMetricStatistics, GetMetricData
//! and ListMetrics, in the JSON 1.0 protocol that botocore (boto3, the AWS CLI) chooses for
//! CloudWatch (`X-Amz-Target: GraniteServiceVersion20100801.<Operation>`). Timestamps are epoch
//! seconds, as the JSON protocol sends them.

use std::collections::BTreeMap;

use dynolab_model::{ApiError, ErrorCode};
use serde_json::{Map, Value, json};

use crate::metrics::{MetricId, StatSet, minute_of};
use crate::table::BillingMode;
use crate::{Engine, insights};

pub const TARGET_PREFIX: &str = "GraniteServiceVersion20100801.";
pub const OPERATIONS: &[&str] = &[
    "GetMetricStatistics",
    "GetMetricData",
    "ListMetrics",
    "GetInsightRuleReport",
];
const NAMESPACE: &str = "AWS/DynamoDB";

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::CloudWatchInvalidParameterValue, message)
}

fn missing(name: &str) -> ApiError {
    ApiError::new(
        ErrorCode::CloudWatchMissingParameter,
        format!("The parameter {name} must be specified."),
    )
}

/// The CloudWatch unit of each DynamoDB metric.
fn unit_of(metric: &str) -> &'static str {
    match metric {
        "SuccessfulRequestLatency" => "Milliseconds",
        _ => "Count",
    }
}

pub fn call(engine: &Engine, operation: &str, body: &Value) -> Result<Value, ApiError> {
    let req = body.as_object().ok_or_else(ApiError::bad_json)?;
    match operation {
        "GetMetricStatistics" => get_metric_statistics(engine, req),
        "GetMetricData" => get_metric_data(engine, req),
        "ListMetrics" => Ok(list_metrics(engine, req)),
        "GetInsightRuleReport" => get_insight_rule_report(engine, req),
        _ => Err(ApiError::unknown_operation()),
    }
}

/// A required string member of a nested structure; `label` is its path in messages.
fn member_str<'a>(value: &'a Value, name: &str, label: &str) -> Result<&'a str, ApiError> {
    value
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| missing(label))
}

fn required_str<'a>(req: &'a Map<String, Value>, name: &str) -> Result<&'a str, ApiError> {
    req.get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| missing(name))
}

fn required_i64(req: &Map<String, Value>, name: &str) -> Result<i64, ApiError> {
    req.get(name)
        .and_then(Value::as_i64)
        .ok_or_else(|| missing(name))
}

fn epoch_seconds(req: &Map<String, Value>, name: &str) -> Result<f64, ApiError> {
    match req.get(name) {
        None => Err(missing(name)),
        Some(Value::Number(n)) => n
            .as_f64()
            .ok_or_else(|| invalid(format!("The parameter {name} is not a valid timestamp."))),
        Some(Value::String(s)) => s
            .parse::<f64>()
            .map_err(|_| invalid(format!("The parameter {name} is not a valid timestamp."))),
        Some(_) => Err(invalid(format!(
            "The parameter {name} is not a valid timestamp."
        ))),
    }
}

fn dimensions(list: Option<&Value>) -> Result<Vec<(String, String)>, ApiError> {
    let mut out = Vec::new();
    for d in list.and_then(Value::as_array).into_iter().flatten() {
        let name = d
            .get("Name")
            .and_then(Value::as_str)
            .ok_or_else(|| missing("Dimensions.member.Name"))?;
        let value = d.get("Value").and_then(Value::as_str).unwrap_or_default();
        out.push((name.to_string(), value.to_string()));
    }
    out.sort();
    Ok(out)
}

/// Minutes `[start, end)` and the period in minutes, validated as CloudWatch does.
fn window(req: &Map<String, Value>, period: i64) -> Result<(u64, u64, u64), ApiError> {
    let start = epoch_seconds(req, "StartTime")?;
    let end = epoch_seconds(req, "EndTime")?;
    if end <= start {
        return Err(invalid(
            "The parameter StartTime must be less than the parameter EndTime.",
        ));
    }
    if period < 60 || period % 60 != 0 {
        return Err(invalid("The parameter Period must be a multiple of 60."));
    }
    let start_minute = (start / 60.0).floor() as u64;
    let end_minute = (end / 60.0).ceil() as u64;
    Ok((start_minute, end_minute, (period / 60) as u64))
}

/// The series of a metric over the window, per period: recorded metrics from the store, and
/// provisioned capacity from the tables' current settings (sampled each minute of the window
/// the table existed).
fn aggregate(
    engine: &Engine,
    name: &str,
    dims: &[(String, String)],
    start: u64,
    end: u64,
    period: u64,
) -> Vec<(u64, StatSet)> {
    if let Some(points) = provisioned(engine, name, dims, start, end, period) {
        return points;
    }
    let metrics = engine.metrics();
    let id = metrics.series().map(|(id, _)| id).find(|id| {
        id.name == name
            && id.dimensions.len() == dims.len()
            && id
                .dimensions
                .iter()
                .zip(dims)
                .all(|((n, v), (dn, dv))| n == dn && v == dv)
    });
    match id {
        Some(id) => {
            let id: MetricId = id.clone();
            metrics.aggregate(&id, start, end, period)
        }
        None => Vec::new(),
    }
}

fn provisioned(
    engine: &Engine,
    name: &str,
    dims: &[(String, String)],
    start: u64,
    end: u64,
    period: u64,
) -> Option<Vec<(u64, StatSet)>> {
    let read = match name {
        "ProvisionedReadCapacityUnits" => true,
        "ProvisionedWriteCapacityUnits" => false,
        _ => return None,
    };
    let dim = |n: &str| dims.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
    let table = dim("TableName")?;
    let meta = engine.table_metas().into_iter().find(|m| m.name == table)?;
    if meta.billing_mode != BillingMode::Provisioned {
        return Some(Vec::new());
    }
    let throughput = match dim("GlobalSecondaryIndexName") {
        Some(index) => meta.gsis.iter().find(|g| g.name == index)?.throughput?,
        None => meta.throughput,
    };
    let value = if read {
        throughput.read_units
    } else {
        throughput.write_units
    } as f64;
    let created = (meta.created_secs / 60.0).floor() as u64;
    let last = minute_of(engine.now()) + 1;
    let mut out: BTreeMap<u64, StatSet> = BTreeMap::new();
    for minute in start.max(created)..end.min(last) {
        let bucket = start + (minute - start) / period * period;
        let one = StatSet {
            sum: value,
            count: 1,
            min: value,
            max: value,
        };
        out.entry(bucket)
            .and_modify(|s| s.merge(&one))
            .or_insert(one);
    }
    Some(out.into_iter().collect())
}

fn statistic(stats: &StatSet, name: &str) -> Option<f64> {
    Some(match name {
        "Sum" => stats.sum,
        "SampleCount" => stats.count as f64,
        "Average" => stats.sum / stats.count.max(1) as f64,
        "Minimum" => stats.min,
        "Maximum" => stats.max,
        _ => return None,
    })
}

fn get_metric_statistics(engine: &Engine, req: &Map<String, Value>) -> Result<Value, ApiError> {
    let namespace = required_str(req, "Namespace")?;
    let name = required_str(req, "MetricName")?;
    let period = required_i64(req, "Period")?;
    let statistics: Vec<&str> = req
        .get("Statistics")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if statistics.is_empty() {
        return Err(ApiError::new(
            ErrorCode::CloudWatchMissingParameter,
            "Either the parameter Statistics or ExtendedStatistics must be specified.",
        ));
    }
    if let Some(bad) = statistics.iter().find(|s| {
        statistic(
            &StatSet {
                sum: 0.0,
                count: 1,
                min: 0.0,
                max: 0.0,
            },
            s,
        )
        .is_none()
    }) {
        return Err(invalid(format!(
            "The parameter Statistics contains an invalid value: {bad}."
        )));
    }
    let (start, end, period_minutes) = window(req, period)?;
    let dims = dimensions(req.get("Dimensions"))?;
    let points = if namespace == NAMESPACE {
        aggregate(engine, name, &dims, start, end, period_minutes)
    } else {
        Vec::new()
    };
    let datapoints: Vec<Value> = points
        .iter()
        .map(|(minute, stats)| {
            let mut p = json!({"Timestamp": (*minute * 60) as f64, "Unit": unit_of(name)});
            for s in &statistics {
                p[*s] = json!(statistic(stats, s));
            }
            p
        })
        .collect();
    Ok(json!({"Label": name, "Datapoints": datapoints}))
}

fn get_metric_data(engine: &Engine, req: &Map<String, Value>) -> Result<Value, ApiError> {
    let queries = req
        .get("MetricDataQueries")
        .and_then(Value::as_array)
        .ok_or_else(|| missing("MetricDataQueries"))?;
    let descending = req.get("ScanBy").and_then(Value::as_str) != Some("TimestampAscending");
    let mut results = Vec::new();
    for q in queries {
        let id = member_str(q, "Id", "MetricDataQueries.member.Id")?;
        if q.get("Expression").is_some() {
            return Err(invalid(
                "Metric math expressions are not supported by dynolab; query metrics with MetricStat.",
            ));
        }
        let stat = q
            .get("MetricStat")
            .ok_or_else(|| missing("MetricDataQueries.member.MetricStat"))?;
        let metric = stat
            .get("Metric")
            .ok_or_else(|| missing("MetricStat.Metric"))?;
        let name = member_str(metric, "MetricName", "MetricStat.Metric.MetricName")?;
        let namespace = metric
            .get("Namespace")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let period = stat
            .get("Period")
            .and_then(Value::as_i64)
            .ok_or_else(|| missing("MetricStat.Period"))?;
        let stat_name = member_str(stat, "Stat", "MetricStat.Stat")?;
        let (start, end, period_minutes) = window(req, period)?;
        let dims = dimensions(metric.get("Dimensions"))?;
        let mut points = if namespace == NAMESPACE {
            aggregate(engine, name, &dims, start, end, period_minutes)
        } else {
            Vec::new()
        };
        if descending {
            points.reverse();
        }
        let mut timestamps = Vec::new();
        let mut values = Vec::new();
        for (minute, stats) in &points {
            let Some(v) = statistic(stats, stat_name) else {
                return Err(invalid(format!(
                    "The value {stat_name} for parameter MetricStat.Stat is not supported."
                )));
            };
            timestamps.push(json!((*minute * 60) as f64));
            values.push(json!(v));
        }
        let label = q.get("Label").and_then(Value::as_str).unwrap_or(name);
        if q.get("ReturnData").and_then(Value::as_bool) != Some(false) {
            results.push(json!({"Id": id, "Label": label, "Timestamps": timestamps, "Values": values, "StatusCode": "Complete"}));
        }
    }
    Ok(json!({"MetricDataResults": results, "Messages": []}))
}

fn list_metrics(engine: &Engine, req: &Map<String, Value>) -> Value {
    let namespace = req.get("Namespace").and_then(Value::as_str);
    let name = req.get("MetricName").and_then(Value::as_str);
    let filters: Vec<(String, Option<String>)> = req
        .get("Dimensions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| {
            Some((
                d.get("Name")?.as_str()?.to_string(),
                d.get("Value").and_then(Value::as_str).map(str::to_string),
            ))
        })
        .collect();
    let mut ids: Vec<MetricId> = engine
        .metrics()
        .series()
        .map(|(id, _)| id.clone())
        .collect();
    for meta in engine
        .table_metas()
        .into_iter()
        .filter(|m| m.billing_mode == BillingMode::Provisioned)
    {
        for metric in [
            "ProvisionedReadCapacityUnits",
            "ProvisionedWriteCapacityUnits",
        ] {
            ids.push(MetricId {
                name: metric,
                dimensions: vec![("TableName", meta.name.clone())],
            });
            for g in &meta.gsis {
                ids.push(MetricId {
                    name: metric,
                    dimensions: vec![
                        ("GlobalSecondaryIndexName", g.name.clone()),
                        ("TableName", meta.name.clone()),
                    ],
                });
            }
        }
    }
    ids.sort();
    ids.dedup();
    let metrics: Vec<Value> = ids
        .into_iter()
        .filter(|id| namespace.is_none_or(|n| n == NAMESPACE) && name.is_none_or(|n| n == id.name))
        .filter(|id| {
            filters.iter().all(|(fname, fvalue)| {
                id.dimensions
                    .iter()
                    .any(|(n, v)| n == fname && fvalue.as_ref().is_none_or(|fv| fv == v))
            })
        })
        .map(|id| {
            let dims: Vec<Value> = id
                .dimensions
                .iter()
                .map(|(n, v)| json!({"Name": n, "Value": v}))
                .collect();
            json!({"Namespace": NAMESPACE, "MetricName": id.name, "Dimensions": dims})
        })
        .collect();
    json!({"Metrics": metrics})
}

/// GetInsightRuleReport for the Contributor Insights rules DynamoDB creates.
fn get_insight_rule_report(engine: &Engine, req: &Map<String, Value>) -> Result<Value, ApiError> {
    let rule = required_str(req, "RuleName")?;
    let period = required_i64(req, "Period")?;
    let (start, end, period_minutes) = window(req, period)?;
    let max = req
        .get("MaxContributorCount")
        .and_then(Value::as_u64)
        .unwrap_or(10)
        .clamp(1, 100) as usize;
    let unknown = || invalid(format!("The rule {rule} does not exist."));
    let (kind, stamp) = insights::parse_rule_name(rule).ok_or_else(unknown)?;
    let all = engine.insights();
    let (_, found) = all
        .iter()
        .find(|((t, i), ins)| {
            ins.rule_stamp_ms == stamp && insights::rule_name(kind, t, i.as_deref(), stamp) == rule
        })
        .ok_or_else(unknown)?;
    let report = found.report(kind, start, end, period_minutes);
    let labels = match kind {
        insights::RuleKind::PartitionConsumed | insights::RuleKind::PartitionThrottled => {
            json!(["PartitionKey"])
        }
        _ => json!(["PartitionKey", "SortKey"]),
    };
    let total: u64 = report.iter().map(|(_, n, _)| n).sum();
    let contributors: Vec<Value> = report
        .iter()
        .take(max)
        .map(|(keys, n, points)| {
            let datapoints: Vec<Value> = points
                .iter()
                .map(|(m, v)| json!({"Timestamp": (*m * 60) as f64, "ApproximateValue": *v as f64}))
                .collect();
            json!({"Keys": keys, "ApproximateAggregateValue": *n as f64, "Datapoints": datapoints})
        })
        .collect();
    Ok(json!({
        "KeyLabels": labels,
        "AggregationStatistic": "Sum",
        "AggregateValue": total as f64,
        "ApproximateUniqueCount": report.len(),
        "Contributors": contributors,
        "MetricDatapoints": [],
    }))
}

/// The top keys of a table or index over the last `minutes`, for `dynolab top-keys` and the page.
pub fn top_keys(
    engine: &Engine,
    table: &str,
    index: Option<&str>,
    minutes: u64,
    limit: usize,
) -> Option<Value> {
    let now = minute_of(engine.now());
    let all = engine.insights();
    let found = all.get(&(table.to_string(), index.map(str::to_string)))?;
    let start = now.saturating_sub(minutes);
    let list = |kind| -> Vec<Value> {
        found
            .report(kind, start, now + 1, minutes.max(1))
            .into_iter()
            .take(limit)
            .map(|(keys, n, _)| json!({"key": keys, "count": n}))
            .collect()
    };
    Some(json!({
        "table": table,
        "index": index,
        "enabled": found.enabled,
        "minutes": minutes,
        "most_accessed": list(insights::RuleKind::PartitionConsumed),
        "most_throttled": list(insights::RuleKind::PartitionThrottled),
        "most_accessed_pairs": list(insights::RuleKind::PairConsumed),
        "most_throttled_pairs": list(insights::RuleKind::PairThrottled),
    }))
}
