//! `dynolab workload from-aws` and `dynolab advise --aws`: a live table's design and traffic,
//! read from an AWS account with the AWS SDK for Rust, read-only (docs/aws.md has the IAM
//! policy and what is read, inferred and assumed).
//!
//! Reading is one function per API family (DynamoDB, Application Auto Scaling, CloudWatch)
//! returning plain data; the conversion is pure: the design is built from DescribeTable's
//! answer here, the workload by `dynolab_sim::import::from_cloudwatch`. Every call goes through
//! [`Reader::call`], which counts it on the progress bar, records the IAM action it needs and
//! turns an access-denied answer into an error naming that action. The SDK's standard retry
//! mode retries throttling (CloudWatch's `Throttling`, DynamoDB's `ThrottlingException`, …)
//! with exponential backoff and jitter, sleeping on tokio's timer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace};
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, KeySchemaElement, KeyType, ProjectionType, ScalarAttributeType,
};
use dynolab_design::{
    AttrType, AutoScaling, Billing, Gsi, KeyAttr, Lsi, Projection, ScalingTarget, ScheduledAction,
    TableClass, TableDesign,
};
use dynolab_sim::Workload;
use dynolab_sim::import::{self, CloudWatchAssumptions, Series};
use indicatif::ProgressBar;

/// Where and as whom to read: the default credential chain (environment, profile, SSO,
/// instance role), with these overrides.
#[derive(clap::Args, Clone, Debug)]
pub struct AccountArgs {
    /// The AWS region (default: the profile's or AWS_REGION).
    #[arg(long)]
    pub region: Option<String>,
    /// A named profile of ~/.aws/config (default: AWS_PROFILE or `default`).
    #[arg(long)]
    pub profile: Option<String>,
    /// Send every call (DynamoDB, CloudWatch, Application Auto Scaling) to this endpoint, e.g.
    /// a `dynolab serve` (whose clock is then read from its admin API as "now").
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Multiply every rate read by this factor: a what-if ("twice the traffic"), or a
    /// scaled-down test run replayed at full size.
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
}

/// The IAM actions this module may call, each once in docs/aws.md's policy (a test checks
/// that every action a run records is in that policy and that none is a write).
pub const ACTIONS: &[&str] = &[
    "dynamodb:DescribeTable",
    "dynamodb:DescribeTimeToLive",
    "dynamodb:DescribeContinuousBackups",
    "dynamodb:ListTagsOfResource",
    "dynamodb:DescribeContributorInsights",
    "application-autoscaling:DescribeScalableTargets",
    "application-autoscaling:DescribeScalingPolicies",
    "application-autoscaling:DescribeScheduledActions",
    "cloudwatch:GetMetricData",
    "cloudwatch:GetInsightRuleReport",
];

/// CloudWatch keeps one-minute datapoints for 15 days; older ones are read hourly.
const MINUTE_RETENTION_SECS: f64 = 15.0 * 86_400.0;
/// GetMetricData takes at most 500 queries per request.
const MAX_QUERIES: usize = 500;

/// Everything read from the account about one table.
pub struct Snapshot {
    pub design: TableDesign,
    pub series: Vec<Series>,
    /// Per-operation request counts of the table (SuccessfulRequestLatency SampleCount).
    pub requests: BTreeMap<String, f64>,
    /// Returned items of Query and Scan (ReturnedItemCount Sum), by operation.
    pub returned_items: BTreeMap<String, f64>,
    /// Throttle events by metric name (reason), table and GSIs together.
    pub throttles: BTreeMap<String, f64>,
    pub top_keys: Option<(BTreeMap<String, f64>, Option<u64>)>,
    pub throttled_keys: Vec<(String, f64)>,
    pub insights_enabled: bool,
    pub point_in_time_recovery: Option<bool>,
    /// The table's warm throughput (read, write units per second), when DescribeTable tells it.
    pub warm_throughput: Option<(i64, i64)>,
    pub window: (f64, f64),
}

/// The calls made so far and the progress bar they advance.
pub struct Reader {
    dynamodb: aws_sdk_dynamodb::Client,
    autoscaling: aws_sdk_applicationautoscaling::Client,
    cloudwatch: aws_sdk_cloudwatch::Client,
    bar: ProgressBar,
    calls: Mutex<Vec<String>>,
}

/// An SDK error as the message the user sees: a denied call names its IAM action.
fn explain<E, R>(action: &str, e: SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let denied = matches!(
        e.code(),
        Some(
            "AccessDeniedException"
                | "AccessDenied"
                | "UnauthorizedOperation"
                | "UnauthorizedException"
        )
    );
    if denied {
        format!(
            "{action} was denied: add it to the policy in docs/aws.md ({})",
            e.message().unwrap_or("access denied")
        )
    } else if let Some(code) = e.code() {
        format!(
            "{action} failed: {code}: {}",
            e.message().unwrap_or("no message")
        )
    } else {
        // Not an answer of the service: a connection, credential or timeout error.
        format!("{action} failed: {}", DisplayErrorContext(&e))
    }
}

fn epoch(t: f64) -> DateTime {
    DateTime::from_secs_f64(t)
}

impl Reader {
    pub async fn new(account: &AccountArgs, bar: ProgressBar) -> Reader {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(
            RetryConfig::standard()
                .with_max_attempts(8)
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(20)),
        );
        if let Some(region) = &account.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &account.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(url) = &account.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let config: SdkConfig = loader.load().await;
        Reader {
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
            autoscaling: aws_sdk_applicationautoscaling::Client::new(&config),
            cloudwatch: aws_sdk_cloudwatch::Client::new(&config),
            bar,
            calls: Mutex::new(Vec::new()),
        }
    }

    /// The IAM actions of the calls made, in order.
    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().map(|c| c.clone()).unwrap_or_default()
    }

    async fn call<T, E, R>(
        &self,
        action: &'static str,
        request: impl std::future::Future<Output = Result<T, SdkError<E, R>>>,
    ) -> Result<T, String>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug,
    {
        debug_assert!(ACTIONS.contains(&action), "{action} is not in ACTIONS");
        if let Ok(mut calls) = self.calls.lock() {
            calls.push(action.to_string());
        }
        self.bar.set_message(action);
        let result = request.await.map_err(|e| explain(action, e));
        self.bar.inc(1);
        result
    }

    /// DescribeTable, DescribeTimeToLive, DescribeContinuousBackups, ListTagsOfResource and the
    /// auto scaling of the table and its GSIs: the design.
    #[allow(clippy::type_complexity)]
    async fn design(
        &self,
        table: &str,
    ) -> Result<(TableDesign, Option<bool>, Option<(i64, i64)>), String> {
        let described = self
            .call(
                "dynamodb:DescribeTable",
                self.dynamodb.describe_table().table_name(table).send(),
            )
            .await?;
        let t = described
            .table
            .ok_or_else(|| format!("DescribeTable answered no table for {table}"))?;
        let mut design = design_of(&t)?;
        let warm = t
            .warm_throughput
            .as_ref()
            .and_then(|w| Some((w.read_units_per_second?, w.write_units_per_second?)));
        let ttl = self
            .call(
                "dynamodb:DescribeTimeToLive",
                self.dynamodb
                    .describe_time_to_live()
                    .table_name(table)
                    .send(),
            )
            .await?;
        design.ttl_attribute = ttl.time_to_live_description.and_then(|d| {
            let enabled = matches!(
                d.time_to_live_status,
                Some(aws_sdk_dynamodb::types::TimeToLiveStatus::Enabled)
                    | Some(aws_sdk_dynamodb::types::TimeToLiveStatus::Enabling)
            );
            enabled.then_some(d.attribute_name).flatten()
        });
        let backups = self
            .call(
                "dynamodb:DescribeContinuousBackups",
                self.dynamodb
                    .describe_continuous_backups()
                    .table_name(table)
                    .send(),
            )
            .await?;
        let pitr = backups
            .continuous_backups_description
            .and_then(|d| d.point_in_time_recovery_description)
            .and_then(|p| p.point_in_time_recovery_status)
            .map(|s| s == aws_sdk_dynamodb::types::PointInTimeRecoveryStatus::Enabled);
        if let Some(arn) = &t.table_arn {
            let mut token: Option<String> = None;
            loop {
                let tags = self
                    .call(
                        "dynamodb:ListTagsOfResource",
                        self.dynamodb
                            .list_tags_of_resource()
                            .resource_arn(arn)
                            .set_next_token(token.clone())
                            .send(),
                    )
                    .await?;
                for tag in tags.tags.unwrap_or_default() {
                    design.tags.insert(tag.key, tag.value);
                }
                token = tags.next_token;
                if token.is_none() {
                    break;
                }
            }
        }
        if matches!(design.billing, Billing::Provisioned { .. }) {
            self.autoscaling(&mut design).await?;
        }
        Ok((design, pitr, warm))
    }

    /// DescribeScalableTargets, DescribeScalingPolicies and DescribeScheduledActions of the
    /// dynamodb namespace, kept for the table and its indexes.
    async fn autoscaling(&self, design: &mut TableDesign) -> Result<(), String> {
        let mut resources = vec![format!("table/{}", design.name)];
        for g in &design.gsis {
            resources.push(format!("table/{}/index/{}", design.name, g.name));
        }
        // Every call pages with NextToken (50 items a page on AWS); policies and scheduled
        // actions are asked for per resource that has a scalable target.
        let mut targets = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .call(
                    "application-autoscaling:DescribeScalableTargets",
                    self.autoscaling
                        .describe_scalable_targets()
                        .service_namespace(ServiceNamespace::Dynamodb)
                        .set_resource_ids(Some(resources.clone()))
                        .set_next_token(token.clone())
                        .send(),
                )
                .await?;
            targets.extend(page.scalable_targets.unwrap_or_default());
            token = page.next_token;
            if token.is_none() {
                break;
            }
        }
        let mut scaled: Vec<String> = targets
            .iter()
            .map(|t| t.resource_id.clone())
            .filter(|r| resources.contains(r))
            .collect();
        scaled.sort();
        scaled.dedup();
        self.bar.inc_length(2 * scaled.len() as u64);
        let mut policies = Vec::new();
        let mut scheduled = Vec::new();
        for resource in &scaled {
            let mut token: Option<String> = None;
            loop {
                let page = self
                    .call(
                        "application-autoscaling:DescribeScalingPolicies",
                        self.autoscaling
                            .describe_scaling_policies()
                            .service_namespace(ServiceNamespace::Dynamodb)
                            .resource_id(resource)
                            .set_next_token(token.clone())
                            .send(),
                    )
                    .await?;
                policies.extend(page.scaling_policies.unwrap_or_default());
                token = page.next_token;
                if token.is_none() {
                    break;
                }
            }
            let mut token: Option<String> = None;
            loop {
                let page = self
                    .call(
                        "application-autoscaling:DescribeScheduledActions",
                        self.autoscaling
                            .describe_scheduled_actions()
                            .service_namespace(ServiceNamespace::Dynamodb)
                            .resource_id(resource)
                            .set_next_token(token.clone())
                            .send(),
                    )
                    .await?;
                scheduled.extend(page.scheduled_actions.unwrap_or_default());
                token = page.next_token;
                if token.is_none() {
                    break;
                }
            }
        }
        let mut found: BTreeMap<(String, bool), ScalingTarget> = BTreeMap::new();
        for t in targets {
            if !resources.contains(&t.resource_id) {
                continue;
            }
            let read = match t.scalable_dimension {
                ScalableDimension::DynamoDbTableReadCapacityUnits
                | ScalableDimension::DynamoDbIndexReadCapacityUnits => true,
                ScalableDimension::DynamoDbTableWriteCapacityUnits
                | ScalableDimension::DynamoDbIndexWriteCapacityUnits => false,
                _ => continue,
            };
            let target_percent = policies
                .iter()
                .filter(|p| {
                    p.resource_id == t.resource_id && p.scalable_dimension == t.scalable_dimension
                })
                .find_map(|p| {
                    p.target_tracking_scaling_policy_configuration
                        .as_ref()
                        .map(|c| c.target_value)
                })
                .unwrap_or(70.0);
            let scheduled = scheduled
                .iter()
                .filter(|a| {
                    a.resource_id == t.resource_id
                        && a.scalable_dimension.as_ref() == Some(&t.scalable_dimension)
                })
                .filter_map(|a| {
                    let minute = daily_minute(&a.schedule)?;
                    let action = a.scalable_target_action.as_ref()?;
                    Some(ScheduledAction {
                        minute_of_day: minute,
                        min: action.min_capacity.unwrap_or(t.min_capacity).max(0) as u64,
                        max: action.max_capacity.unwrap_or(t.max_capacity).max(0) as u64,
                    })
                })
                .collect();
            found.insert(
                (t.resource_id.clone(), read),
                ScalingTarget {
                    min: t.min_capacity.max(0) as u64,
                    max: t.max_capacity.max(0) as u64,
                    target_percent,
                    scheduled,
                },
            );
        }
        let mut take = |resource: &str| -> Option<AutoScaling> {
            let read = found.remove(&(resource.to_string(), true));
            let write = found.remove(&(resource.to_string(), false));
            (read.is_some() || write.is_some()).then_some(AutoScaling { read, write })
        };
        design.autoscaling = take(&resources[0]);
        let name = design.name.clone();
        for g in &mut design.gsis {
            g.autoscaling = take(&format!("table/{name}/index/{}", g.name));
        }
        Ok(())
    }

    /// DescribeContributorInsights and, when enabled, the partition-key reports of the table:
    /// the most accessed keys (PKC) and the most throttled (PKT).
    #[allow(clippy::type_complexity)]
    async fn insights(
        &self,
        table: &str,
        window: (f64, f64),
    ) -> Result<
        (
            bool,
            Option<(BTreeMap<String, f64>, Option<u64>)>,
            Vec<(String, f64)>,
        ),
        String,
    > {
        let described = self
            .call(
                "dynamodb:DescribeContributorInsights",
                self.dynamodb
                    .describe_contributor_insights()
                    .table_name(table)
                    .send(),
            )
            .await?;
        let enabled = described.contributor_insights_status
            == Some(aws_sdk_dynamodb::types::ContributorInsightsStatus::Enabled);
        if !enabled {
            return Ok((false, None, Vec::new()));
        }
        let rules = described.contributor_insights_rule_list.unwrap_or_default();
        let mut top = None;
        let mut throttled = Vec::new();
        for (code, rule) in rules.iter().filter_map(|r| {
            ["-PKC-", "-PKT-"]
                .into_iter()
                .find(|c| r.contains(c))
                .map(|c| (c, r))
        }) {
            let report = self
                .call(
                    "cloudwatch:GetInsightRuleReport",
                    self.cloudwatch
                        .get_insight_rule_report()
                        .rule_name(rule)
                        .start_time(epoch(window.0))
                        .end_time(epoch(window.1))
                        .period(report_period(window))
                        .max_contributor_count(100)
                        .send(),
                )
                .await?;
            let mut counts = BTreeMap::new();
            for c in report.contributors.unwrap_or_default() {
                let key = c
                    .keys
                    .unwrap_or_default()
                    .into_iter()
                    .next()
                    .unwrap_or_default();
                *counts.entry(key).or_insert(0.0) += c.approximate_aggregate_value.unwrap_or(0.0);
            }
            if code == "-PKC-" {
                let listed: f64 = counts.values().sum();
                if let Some(total) = report.aggregate_value
                    && total > listed
                {
                    counts.insert(String::new(), total - listed);
                }
                let unique = report.approximate_unique_count.map(|n| n.max(0) as u64);
                top = Some((counts, unique));
            } else {
                let mut ranked: Vec<(String, f64)> = counts.into_iter().collect();
                ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
                ranked.truncate(5);
                throttled = ranked;
            }
        }
        Ok((true, top, throttled))
    }

    /// GetMetricData over the window for the table and every GSI, in requests of at most 500
    /// queries, following NextToken.
    async fn metrics(
        &self,
        design: &TableDesign,
        window: (f64, f64),
    ) -> Result<Vec<(Query, Vec<(f64, f64)>)>, String> {
        let queries = queries(design);
        // Per-minute where CloudWatch keeps minutes, hourly before that.
        let split = (window.1 - MINUTE_RETENTION_SECS).max(window.0);
        let mut spans = vec![(split, window.1, 60)];
        if split > window.0 {
            spans.insert(0, (window.0, split, 3600));
        }
        let mut points: Vec<Vec<(f64, f64)>> = vec![Vec::new(); queries.len()];
        for (start, end, period) in spans {
            for (chunk_no, chunk) in queries.chunks(MAX_QUERIES).enumerate() {
                let built: Vec<MetricDataQuery> = chunk
                    .iter()
                    .enumerate()
                    .map(|(i, q)| q.build(&format!("q{}", chunk_no * MAX_QUERIES + i), period))
                    .collect();
                let mut token: Option<String> = None;
                loop {
                    let answer = self
                        .call(
                            "cloudwatch:GetMetricData",
                            self.cloudwatch
                                .get_metric_data()
                                .set_metric_data_queries(Some(built.clone()))
                                .start_time(epoch(start))
                                .end_time(epoch(end))
                                .scan_by(ScanBy::TimestampAscending)
                                .set_next_token(token.clone())
                                .send(),
                        )
                        .await?;
                    for r in answer.metric_data_results.unwrap_or_default() {
                        let Some(n) =
                            r.id.as_deref()
                                .and_then(|id| id.strip_prefix('q'))
                                .and_then(|n| n.parse::<usize>().ok())
                        else {
                            continue;
                        };
                        let times = r.timestamps.unwrap_or_default();
                        let values = r.values.unwrap_or_default();
                        if let Some(p) = points.get_mut(n) {
                            p.extend(
                                times
                                    .iter()
                                    .map(|t| t.as_secs_f64())
                                    .zip(values.iter().copied()),
                            );
                        }
                    }
                    token = answer.next_token;
                    if token.is_none() {
                        break;
                    }
                    // One more page than the bar counted.
                    self.bar.inc_length(1);
                }
            }
        }
        Ok(queries.into_iter().zip(points).collect())
    }
}

/// The period of a Contributor Insights report over `window`: an hour, or more hours when the
/// window has more than 1,440 of them (keeping a report to at most 1,440 datapoints).
fn report_period(window: (f64, f64)) -> i32 {
    let hours = ((window.1 - window.0) / 3600.0).ceil().max(1.0);
    (hours / 1440.0).ceil().max(1.0) as i32 * 3600
}

/// The minute of the day of a daily `cron(M H * * ? *)` schedule.
fn daily_minute(schedule: &str) -> Option<u32> {
    let inner = schedule.strip_prefix("cron(")?.strip_suffix(')')?;
    let mut parts = inner.split_whitespace();
    let minute: u32 = parts.next()?.parse().ok()?;
    let hour: u32 = parts.next()?.parse().ok()?;
    (minute < 60 && hour < 24).then_some(hour * 60 + minute)
}

/// One metric asked for.
#[derive(Clone, Debug)]
pub struct Query {
    pub metric: &'static str,
    pub stat: &'static str,
    pub index: Option<String>,
    pub operation: Option<&'static str>,
    pub table: String,
}

impl Query {
    fn build(&self, id: &str, period: i32) -> MetricDataQuery {
        let mut dims = vec![
            Dimension::builder()
                .name("TableName")
                .value(&self.table)
                .build(),
        ];
        if let Some(i) = &self.index {
            dims.push(
                Dimension::builder()
                    .name("GlobalSecondaryIndexName")
                    .value(i)
                    .build(),
            );
        }
        if let Some(op) = self.operation {
            dims.push(Dimension::builder().name("Operation").value(op).build());
        }
        let label = match (&self.index, self.operation) {
            (Some(i), _) => format!("{} GlobalSecondaryIndexName={i}", self.metric),
            (None, Some(op)) => format!("{} Operation={op}", self.metric),
            (None, None) => self.metric.to_string(),
        };
        MetricDataQuery::builder()
            .id(id)
            .label(label)
            .metric_stat(
                MetricStat::builder()
                    .metric(
                        Metric::builder()
                            .namespace("AWS/DynamoDB")
                            .metric_name(self.metric)
                            .set_dimensions(Some(dims))
                            .build(),
                    )
                    .period(period)
                    .stat(self.stat)
                    .build(),
            )
            .return_data(true)
            .build()
    }
}

const THROTTLE_METRICS: &[&str] = &[
    "ReadThrottleEvents",
    "WriteThrottleEvents",
    "ReadKeyRangeThroughputThrottleEvents",
    "WriteKeyRangeThroughputThrottleEvents",
    "ReadProvisionedThroughputThrottleEvents",
    "WriteProvisionedThroughputThrottleEvents",
    "ReadMaxOnDemandThroughputThrottleEvents",
    "WriteMaxOnDemandThroughputThrottleEvents",
    "ReadAccountLimitThrottleEvents",
    "WriteAccountLimitThrottleEvents",
];

const OPERATIONS: &[&str] = &[
    "GetItem",
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
];

/// Every metric read for the table and its GSIs.
pub fn queries(design: &TableDesign) -> Vec<Query> {
    let mut out = Vec::new();
    let q = |metric, stat, index: Option<&str>, operation| Query {
        metric,
        stat,
        index: index.map(str::to_string),
        operation,
        table: design.name.clone(),
    };
    let indexes = std::iter::once(None).chain(design.gsis.iter().map(|g| Some(g.name.as_str())));
    for index in indexes {
        // Writes first: the workload's patterns follow this order, and the simulator labels a
        // key that both patterns address by its first pattern's operation (so a key hot with
        // writes is measured against the partition's write limit, the lower one).
        out.push(q("ConsumedWriteCapacityUnits", "Sum", index, None));
        out.push(q("ConsumedReadCapacityUnits", "Sum", index, None));
        if matches!(design.billing, Billing::Provisioned { .. }) {
            out.push(q("ProvisionedReadCapacityUnits", "Average", index, None));
            out.push(q("ProvisionedWriteCapacityUnits", "Average", index, None));
        }
        for m in THROTTLE_METRICS {
            out.push(q(m, "Sum", index, None));
        }
    }
    for op in OPERATIONS {
        out.push(q("SuccessfulRequestLatency", "SampleCount", None, Some(op)));
    }
    for op in ["Query", "Scan"] {
        out.push(q("ReturnedItemCount", "Sum", None, Some(op)));
    }
    out
}

fn attr_type(t: &ScalarAttributeType) -> Result<AttrType, String> {
    Ok(match t {
        ScalarAttributeType::S => AttrType::S,
        ScalarAttributeType::N => AttrType::N,
        ScalarAttributeType::B => AttrType::B,
        other => return Err(format!("unknown attribute type {other:?}")),
    })
}

fn keys(
    schema: &[KeySchemaElement],
    defs: &[AttributeDefinition],
) -> Result<(KeyAttr, Option<KeyAttr>), String> {
    let attr = |name: &str| -> Result<KeyAttr, String> {
        let def = defs
            .iter()
            .find(|d| d.attribute_name == name)
            .ok_or_else(|| format!("key attribute {name} has no AttributeDefinition"))?;
        Ok(KeyAttr {
            name: name.to_string(),
            ty: attr_type(&def.attribute_type)?,
        })
    };
    let hash = schema
        .iter()
        .find(|k| k.key_type == KeyType::Hash)
        .ok_or("a key schema without a HASH key")?;
    let range = schema.iter().find(|k| k.key_type == KeyType::Range);
    Ok((
        attr(&hash.attribute_name)?,
        range.map(|r| attr(&r.attribute_name)).transpose()?,
    ))
}

fn projection(p: Option<&aws_sdk_dynamodb::types::Projection>) -> Projection {
    match p.and_then(|p| p.projection_type.as_ref()) {
        Some(ProjectionType::KeysOnly) => Projection::KeysOnly,
        Some(ProjectionType::Include) => Projection::Include(
            p.and_then(|p| p.non_key_attributes.clone())
                .unwrap_or_default(),
        ),
        _ => Projection::All,
    }
}

/// The design of a DescribeTable answer (TTL, tags and auto scaling are added by the caller).
pub fn design_of(t: &aws_sdk_dynamodb::types::TableDescription) -> Result<TableDesign, String> {
    let name = t
        .table_name
        .clone()
        .ok_or("DescribeTable answered no TableName")?;
    let defs = t.attribute_definitions.clone().unwrap_or_default();
    let (partition_key, sort_key) = keys(t.key_schema.as_deref().unwrap_or_default(), &defs)?;
    let on_demand = t
        .billing_mode_summary
        .as_ref()
        .and_then(|b| b.billing_mode.as_ref())
        == Some(&aws_sdk_dynamodb::types::BillingMode::PayPerRequest);
    let throughput = |p: Option<&aws_sdk_dynamodb::types::ProvisionedThroughputDescription>| {
        p.map(|p| {
            (
                p.read_capacity_units.unwrap_or(0).max(0) as u64,
                p.write_capacity_units.unwrap_or(0).max(0) as u64,
            )
        })
    };
    let billing = if on_demand {
        let max = t.on_demand_throughput.as_ref();
        Billing::OnDemand {
            max_read: max
                .and_then(|m| m.max_read_request_units)
                .filter(|n| *n > 0)
                .map(|n| n as u64),
            max_write: max
                .and_then(|m| m.max_write_request_units)
                .filter(|n| *n > 0)
                .map(|n| n as u64),
        }
    } else {
        let (read, write) = throughput(t.provisioned_throughput.as_ref()).unwrap_or((0, 0));
        Billing::Provisioned { read, write }
    };
    let mut gsis = Vec::new();
    for g in t.global_secondary_indexes.as_deref().unwrap_or_default() {
        let (pk, sk) = keys(g.key_schema.as_deref().unwrap_or_default(), &defs)?;
        gsis.push(Gsi {
            name: g.index_name.clone().unwrap_or_default(),
            partition_key: pk,
            sort_key: sk,
            projection: projection(g.projection.as_ref()),
            provisioned: if on_demand {
                None
            } else {
                throughput(g.provisioned_throughput.as_ref())
            },
            autoscaling: None,
        });
    }
    let mut lsis = Vec::new();
    for l in t.local_secondary_indexes.as_deref().unwrap_or_default() {
        let (_, sk) = keys(l.key_schema.as_deref().unwrap_or_default(), &defs)?;
        if let Some(sort_key) = sk {
            lsis.push(Lsi {
                name: l.index_name.clone().unwrap_or_default(),
                sort_key,
                projection: projection(l.projection.as_ref()),
            });
        }
    }
    let table_class = match t
        .table_class_summary
        .as_ref()
        .and_then(|c| c.table_class.as_ref())
    {
        Some(aws_sdk_dynamodb::types::TableClass::StandardInfrequentAccess) => {
            TableClass::StandardInfrequentAccess
        }
        _ => TableClass::Standard,
    };
    let stream_view_type = t
        .stream_specification
        .as_ref()
        .filter(|s| s.stream_enabled)
        .and_then(|s| s.stream_view_type.as_ref())
        .map(|v| v.as_str().to_string());
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
        tags: BTreeMap::new(),
    })
}

/// "Now" for the window: a dynolab endpoint's clock (it may be virtual), else the system's.
fn now(account: &AccountArgs) -> f64 {
    use dynolab_clock::Clock;
    if let Some(url) = &account.endpoint_url
        && let Ok(clock) = crate::get_json(&format!("{}/_dynolab/clock", url.trim_end_matches('/')))
        && let Some(t) = clock.get("epoch_seconds").and_then(|t| t.as_f64())
    {
        return t;
    }
    dynolab_clock::SystemClock.now().as_secs_f64()
}

/// Reads the table, its auto scaling, `days` of its metrics and its Contributor Insights.
pub fn read(
    account: &AccountArgs,
    table: &str,
    days: f64,
    bar: ProgressBar,
) -> Result<(Snapshot, Vec<String>), String> {
    if days.is_nan() || days <= 0.0 {
        return Err("--days must be more than 0".into());
    }
    let end = (now(account) / 60.0).ceil() * 60.0;
    let window = (end - days * 86_400.0, end);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let reader = Reader::new(account, bar).await;
        let result = reader_snapshot(&reader, table, window).await;
        reader.bar.finish_and_clear();
        result.map(|s| (s, reader.calls()))
    })
}

async fn reader_snapshot(
    reader: &Reader,
    table: &str,
    window: (f64, f64),
) -> Result<Snapshot, String> {
    // Calls: 4-5 for the design, 3 for auto scaling, 1-3 for Contributor Insights, and the
    // metric requests (one per 500 queries and resolution).
    reader.bar.set_length(12);
    let (design, pitr, warm_throughput) = reader.design(table).await?;
    let metric_requests = queries(&design).len().div_ceil(MAX_QUERIES) as u64
        * if window.1 - window.0 > MINUTE_RETENTION_SECS {
            2
        } else {
            1
        };
    reader
        .bar
        .set_length(reader.bar.position() + metric_requests + 3);
    let results = reader.metrics(&design, window).await?;
    let (insights_enabled, top_keys, throttled_keys) = reader.insights(table, window).await?;
    let mut series = Vec::new();
    let mut requests = BTreeMap::new();
    let mut returned_items = BTreeMap::new();
    let mut throttles: BTreeMap<String, f64> = BTreeMap::new();
    for (q, mut points) in results {
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let total: f64 = points.iter().map(|p| p.1).sum();
        match q.metric {
            "ConsumedReadCapacityUnits" | "ConsumedWriteCapacityUnits" => series.push(Series {
                metric: q.metric.to_string(),
                index: q.index.clone(),
                period: 60.0,
                points,
            }),
            "SuccessfulRequestLatency" => {
                requests.insert(q.operation.unwrap_or_default().to_string(), total);
            }
            "ReturnedItemCount" => {
                returned_items.insert(q.operation.unwrap_or_default().to_string(), total);
            }
            m if THROTTLE_METRICS.contains(&m) => {
                *throttles.entry(m.to_string()).or_default() += total;
            }
            _ => {}
        }
    }
    Ok(Snapshot {
        design,
        series,
        requests,
        returned_items,
        throttles,
        top_keys,
        throttled_keys,
        insights_enabled,
        point_in_time_recovery: pitr,
        warm_throughput,
        window,
    })
}

/// The workload of a snapshot, and the comment lines saying where each number came from and
/// what was assumed.
/// `scale` multiplies every rate read (1: as CloudWatch saw it).
pub fn workload_of(snapshot: &Snapshot, scale: f64) -> Result<(Workload, Vec<String>), String> {
    let design = &snapshot.design;
    let days = (snapshot.window.1 - snapshot.window.0) / 86_400.0;
    let mut notes = vec![format!(
        "Read from AWS: table {} over the {days:.1} days before {} (epoch seconds {:.0}..{:.0}).",
        design.name,
        import_time(snapshot.window.1),
        snapshot.window.0,
        snapshot.window.1
    )];
    notes.push(
        "Rates: CloudWatch ConsumedRead/WriteCapacityUnits (Sum, per minute; hourly past 15 days) per table and GSI, divided by the units one request costs.".into(),
    );
    let writes: f64 = ["PutItem", "UpdateItem", "DeleteItem"]
        .iter()
        .filter_map(|op| snapshot.requests.get(*op))
        .sum();
    let consumed_writes: f64 = snapshot
        .series
        .iter()
        .filter(|s| s.metric == "ConsumedWriteCapacityUnits" && s.index.is_none())
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .sum();
    let mut assume = CloudWatchAssumptions::default();
    if writes > 0.0 && consumed_writes > 0.0 {
        assume.item_bytes =
            ((consumed_writes / writes * 1024.0).round() as u64).clamp(1, import::MAX_ITEM_BYTES);
        notes.push(format!(
            "item_bytes = {}: ConsumedWriteCapacityUnits of the table ({consumed_writes:.0}) / single-item write requests (SuccessfulRequestLatency SampleCount of PutItem, UpdateItem, DeleteItem: {writes:.0}) x 1024 bytes; an upper bound, as DynamoDB rounds each write up to the next KB.",
            assume.item_bytes
        ));
    } else {
        notes.push(format!(
            "item_bytes = {} (ASSUMED): no single-item writes were counted, so the item size is unknown.",
            assume.item_bytes
        ));
    }
    notes.push(
        "Reads are taken as eventually consistent (0.5 units per 4 KB; ASSUMED: CloudWatch does not tell consistent reads apart). Filters, projections and conditions are not visible in CloudWatch (ASSUMED: none).".into(),
    );
    if !snapshot.requests.is_empty() {
        let counted: Vec<String> = snapshot
            .requests
            .iter()
            .filter(|(_, n)| **n > 0.0)
            .map(|(op, n)| format!("{op} {n:.0}"))
            .collect();
        notes.push(format!(
            "Requests counted (SuccessfulRequestLatency SampleCount): {}.",
            if counted.is_empty() {
                "none".to_string()
            } else {
                counted.join(", ")
            }
        ));
    }
    let queries = snapshot.requests.get("Query").copied().unwrap_or(0.0);
    if let Some(items) = snapshot
        .returned_items
        .get("Query")
        .filter(|_| queries > 0.0)
    {
        notes.push(format!(
            "Queries returned {:.1} items on average (ReturnedItemCount Sum / Query requests); the workload's Query patterns read one item each, at the rate their consumed units pay for (ASSUMED: CloudWatch does not tell item counts per index apart).",
            items / queries
        ));
    }
    let throttled: Vec<String> = snapshot
        .throttles
        .iter()
        .filter(|(_, n)| **n > 0.0)
        .map(|(m, n)| format!("{m} {n:.0}"))
        .collect();
    notes.push(format!(
        "Throttle events (table and GSIs): {}.",
        if throttled.is_empty() {
            "none".to_string()
        } else {
            throttled.join(", ")
        }
    ));
    if snapshot.insights_enabled {
        notes.push(
            "Key distribution: Contributor Insights' most-accessed partition keys (GetInsightRuleReport of the PKC rule): each key's share of the report's AggregateValue; distinct keys = ApproximateUniqueCount.".into(),
        );
        if !snapshot.throttled_keys.is_empty() {
            let keys: Vec<String> = snapshot
                .throttled_keys
                .iter()
                .map(|(k, n)| format!("{k} ({n:.0})"))
                .collect();
            notes.push(format!(
                "Most-throttled partition keys (PKT rule): {}.",
                keys.join(", ")
            ));
        }
    } else {
        notes.push(format!(
            "Key distribution (ASSUMED): spread evenly over {} keys, because Contributor Insights is not enabled on {}. Enable it to see hot keys: aws dynamodb update-contributor-insights --table-name {} --contributor-insights-action ENABLE (then wait a day of traffic).",
            import::DEFAULT_DISTINCT_KEYS,
            design.name,
            design.name
        ));
    }
    if let Some(pitr) = snapshot.point_in_time_recovery {
        notes.push(format!(
            "Point-in-time recovery: {} (DescribeContinuousBackups; not part of the design file).",
            if pitr { "enabled" } else { "disabled" }
        ));
    }
    if let Some((read, write)) = snapshot.warm_throughput {
        notes.push(format!(
            "Warm throughput: {read} read and {write} write units per second (DescribeTable; not part of the design file)."
        ));
    }
    let mut workload = import::from_cloudwatch(
        &snapshot.series,
        snapshot.top_keys.clone(),
        design,
        &format!("{} from AWS", design.name),
        &assume,
    )
    .map_err(|e| e.to_string())?;
    if scale.is_nan() || scale <= 0.0 || scale.is_infinite() {
        return Err(format!("--scale must be a positive number, not {scale}"));
    }
    if scale != 1.0 {
        for p in &mut workload.patterns {
            p.rate.base *= scale;
            for spike in &mut p.rate.spikes {
                spike.rate *= scale;
            }
        }
        notes.push(format!(
            "Every rate is {scale} times what CloudWatch saw (--scale {scale})."
        ));
    }
    for p in &workload.patterns {
        let spikes: Vec<String> = p
            .rate
            .spikes
            .iter()
            .map(|s| {
                format!(
                    "{} for {} min at +{:.1}/s",
                    s.at.join(", "),
                    s.minutes,
                    s.rate
                )
            })
            .collect();
        notes.push(format!(
            "Pattern \"{}\": {:.3} requests/s on average{}{}.",
            p.name,
            p.rate.base,
            if p.rate.hourly.is_some() {
                ", hourly profile from the hours of the day"
            } else {
                ", flat (less than a day of data)"
            },
            if spikes.is_empty() {
                String::new()
            } else {
                format!(
                    "; daily spikes (minutes at over 3x their hour's median): {}",
                    spikes.join("; ")
                )
            }
        ));
    }
    Ok((workload, notes))
}

fn import_time(t: f64) -> String {
    let secs = t.max(0.0) as u64;
    dynolab_sim::workload::Clock::Minute.format(secs)
}

/// Says on stderr what the reading could not see and how to let it (Contributor Insights).
pub fn hint(snapshot: &Snapshot) {
    if !snapshot.insights_enabled {
        let name = &snapshot.design.name;
        eprintln!(
            "dynolab: Contributor Insights is not enabled on {name}, so hot keys are unknown (the workload spreads keys evenly). Enable it, and read again after a day of traffic:\n  aws dynamodb update-contributor-insights --table-name {name} --contributor-insights-action ENABLE"
        );
    }
}

/// The workload file's text: the notes as comments, then the workload.
pub fn workload_text(workload: &Workload, notes: &[String], command: &str) -> String {
    let mut text = format!(
        "# Written by dynolab {command}: an approximation of the traffic CloudWatch saw. Edit freely.\n# Where each number comes from, and what is assumed:\n"
    );
    for n in notes {
        text.push_str(&format!("# - {n}\n"));
    }
    text.push_str(&workload.to_toml());
    text
}

/// Writes `text` to `path` through a temporary file beside it, renamed at the end.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text).map_err(|e| format!("{}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Prints the IAM actions a run used, when DYNOLAB_AWS_CALLS names a file (tests check them
/// against docs/aws.md's policy).
pub fn record_calls(calls: &[String]) -> Result<(), String> {
    if let Ok(path) = std::env::var("DYNOLAB_AWS_CALLS") {
        std::fs::write(&path, calls.join("\n")).map_err(|e| format!("{path}: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_dynamodb::types::{
        BillingMode, BillingModeSummary, GlobalSecondaryIndexDescription, TableDescription,
    };

    fn key(name: &str, kind: KeyType) -> KeySchemaElement {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .unwrap()
    }

    fn attr(name: &str, ty: ScalarAttributeType) -> AttributeDefinition {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ty)
            .build()
            .unwrap()
    }

    #[test]
    fn an_on_demand_table_with_a_keys_only_gsi() {
        let t = TableDescription::builder()
            .table_name("events")
            .attribute_definitions(attr("PK", ScalarAttributeType::S))
            .attribute_definitions(attr("n", ScalarAttributeType::N))
            .key_schema(key("PK", KeyType::Hash))
            .billing_mode_summary(
                BillingModeSummary::builder()
                    .billing_mode(BillingMode::PayPerRequest)
                    .build(),
            )
            .global_secondary_indexes(
                GlobalSecondaryIndexDescription::builder()
                    .index_name("by_n")
                    .key_schema(key("n", KeyType::Hash))
                    .projection(
                        aws_sdk_dynamodb::types::Projection::builder()
                            .projection_type(ProjectionType::KeysOnly)
                            .build(),
                    )
                    .build(),
            )
            .build();
        let d = design_of(&t).unwrap();
        assert_eq!(d.name, "events");
        assert_eq!(d.partition_key.ty, AttrType::S);
        assert_eq!(d.sort_key, None);
        assert_eq!(
            d.billing,
            Billing::OnDemand {
                max_read: None,
                max_write: None
            }
        );
        assert_eq!(d.gsis[0].partition_key.ty, AttrType::N);
        assert_eq!(d.gsis[0].projection, Projection::KeysOnly);
        assert_eq!(d.gsis[0].provisioned, None);
        // On demand: no provisioned metrics; 2 consumed + 10 throttle metrics per resource,
        // 10 operations' request counts, 2 returned-item counts.
        assert_eq!(queries(&d).len(), 2 * 12 + 12);
    }

    #[test]
    fn a_key_without_its_attribute_definition_is_an_error() {
        let t = TableDescription::builder()
            .table_name("t")
            .key_schema(key("PK", KeyType::Hash))
            .build();
        assert!(design_of(&t).unwrap_err().contains("PK"));
    }

    /// docs/aws.md's policy allows exactly the actions `Reader::call` may make.
    #[test]
    fn the_documented_policy_is_the_list_of_actions() {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/aws.md"),
        )
        .unwrap();
        let block = text
            .split("```json")
            .nth(1)
            .unwrap()
            .split("```")
            .next()
            .unwrap();
        let policy: serde_json::Value = serde_json::from_str(block).unwrap();
        let mut documented: Vec<String> = policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["Action"].as_array().unwrap().iter())
            .map(|a| a.as_str().unwrap().to_string())
            .collect();
        documented.sort();
        let mut actions: Vec<String> = ACTIONS.iter().map(|a| a.to_string()).collect();
        actions.sort();
        assert_eq!(documented, actions);
    }

    #[test]
    fn insight_reports_have_at_most_1440_periods() {
        assert_eq!(report_period((0.0, 14.0 * 86_400.0)), 3600);
        assert_eq!(report_period((0.0, 60.0 * 86_400.0)), 3600);
        assert_eq!(report_period((0.0, 90.0 * 86_400.0)), 7200);
    }

    #[test]
    fn daily_cron_schedules_are_minutes_of_the_day() {
        assert_eq!(daily_minute("cron(30 20 * * ? *)"), Some(20 * 60 + 30));
        assert_eq!(daily_minute("cron(0 9 * * ? *)"), Some(540));
        assert_eq!(daily_minute("rate(5 minutes)"), None);
        assert_eq!(daily_minute("cron(0 25 * * ? *)"), None);
    }
}
