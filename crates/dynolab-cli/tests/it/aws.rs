//! `dynolab workload from-aws` and `dynolab advise --aws` against `dynolab serve` (issue 18):
//! the orders table of examples/orders/before.tf, with its auto scaling and Contributor
//! Insights, takes a scaled-down day of the orders traffic on a virtual clock; the command
//! reads it back through the AWS SDK (DynamoDB, CloudWatch in RPC v2 CBOR, Application Auto
//! Scaling) and must find what the hand-written workload finds. A denied call names its IAM
//! action and leaves no output; every call made is in docs/aws.md's policy.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use dynolab_design::{Billing, TableDesign};
use http_body_util::BodyExt;
use serde_json::{Value, json};

use crate::support::{self, Server};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Requests to the server in the JSON protocols, over one keep-alive client.
struct Raw {
    client: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Full<bytes::Bytes>,
    >,
    endpoint: String,
}

impl Raw {
    fn new(server: &Server) -> Raw {
        Raw {
            client: hyper_util::client::legacy::Client::builder(
                hyper_util::rt::TokioExecutor::new(),
            )
            .build_http(),
            endpoint: server.endpoint.clone(),
        }
    }

    async fn post(&self, path: &str, target: Option<&str>, body: Value) -> Value {
        let mut req = hyper::Request::post(format!("{}{path}", self.endpoint));
        if let Some(target) = target {
            let content_type = if target.starts_with("AnyScale") {
                "application/x-amz-json-1.1"
            } else {
                "application/x-amz-json-1.0"
            };
            req = req
                .header("x-amz-target", target)
                .header("content-type", content_type);
        }
        let req = req
            .body(http_body_util::Full::new(bytes::Bytes::from(
                body.to_string(),
            )))
            .unwrap();
        let response = self.client.request(req).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        assert!(status.is_success(), "{target:?}: {status} {value}");
        value
    }

    async fn dynamodb(&self, operation: &str, body: Value) -> Value {
        self.post("/", Some(&format!("DynamoDB_20120810.{operation}")), body)
            .await
    }

    async fn autoscaling(&self, operation: &str, body: Value) -> Value {
        self.post(
            "/",
            Some(&format!("AnyScaleFrontendService.{operation}")),
            body,
        )
        .await
    }
}

fn dynolab(args: &[&str], endpoint: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_dynolab"))
        .args(args)
        .args(["--endpoint-url", endpoint, "--region", "us-east-1"])
        // The default credential chain finds these first; no instance metadata lookups.
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .output()
        .expect("the binary runs")
}

/// `dynolab workload from-aws --table orders` against `endpoint`, writing into a fresh
/// temporary directory.
struct FromAws {
    tmp: tempfile::TempDir,
    workload: PathBuf,
    design: PathBuf,
    out: std::process::Output,
}

fn from_aws(endpoint: &str) -> FromAws {
    let tmp = tempfile::tempdir().unwrap();
    let (workload, design) = (tmp.path().join("w.toml"), tmp.path().join("t.tf"));
    let out = dynolab(
        &[
            "workload",
            "from-aws",
            "--table",
            "orders",
            "--quiet",
            "--out",
            workload.to_str().unwrap(),
            "--design-out",
            design.to_str().unwrap(),
        ],
        endpoint,
    );
    FromAws {
        tmp,
        workload,
        design,
        out,
    }
}

/// The orders design of examples/orders/before.tf.
fn before() -> TableDesign {
    TableDesign::load(root().join("examples/orders/before.tf"))
        .unwrap()
        .remove(0)
}

/// Creates the table of `design` (with `dynolab design`'s CreateTable request) and registers
/// its auto scaling targets and target-tracking policies, as Terraform would.
async fn create(raw: &Raw, design: &TableDesign) {
    raw.dynamodb("CreateTable", design.to_create_table_json())
        .await;
    let scaling = design.autoscaling.clone().unwrap();
    for (read, target) in [(true, scaling.read), (false, scaling.write)] {
        let target = target.unwrap();
        let dimension = if read {
            "dynamodb:table:ReadCapacityUnits"
        } else {
            "dynamodb:table:WriteCapacityUnits"
        };
        let resource = format!("table/{}", design.name);
        raw.autoscaling(
            "RegisterScalableTarget",
            json!({"ServiceNamespace": "dynamodb", "ResourceId": resource, "ScalableDimension": dimension,
                   "MinCapacity": target.min, "MaxCapacity": target.max}),
        )
        .await;
        let metric = if read {
            "DynamoDBReadCapacityUtilization"
        } else {
            "DynamoDBWriteCapacityUtilization"
        };
        raw.autoscaling(
            "PutScalingPolicy",
            json!({"PolicyName": format!("{metric}:{resource}"), "ServiceNamespace": "dynamodb",
                   "ResourceId": resource, "ScalableDimension": dimension, "PolicyType": "TargetTrackingScaling",
                   "TargetTrackingScalingPolicyConfiguration": {"TargetValue": target.target_percent,
                       "PredefinedMetricSpecification": {"PredefinedMetricType": metric}}}),
        )
        .await;
    }
}

/// The daily curve of examples/orders/workload.toml's patterns: 2.5 times the mean's order
/// at 19:00, a quarter of it at night.
fn curve(hour: f64) -> f64 {
    let c = (1.0 + (2.0 * std::f64::consts::PI * (hour - 19.0) / 24.0).cos()) / 2.0;
    0.25 + 2.25 * c * c
}

/// Which user type the n-th request of a pattern is for: 16 of 20 premium, 3 standard, 1 free.
fn user_type(n: u64) -> &'static str {
    match n % 20 {
        0..=15 => "premium",
        16..=18 => "standard",
        _ => "free",
    }
}

const SCALE: f64 = 3600.0;
const SPIKES: [u64; 4] = [600, 780, 960, 1230];

/// A day of the orders traffic, one request in `SCALE` per pattern: new orders (40/s on the
/// curve plus four 15-minute flash sales at 577/s), orders by id (120/s), a user's recent
/// orders (90/s) and orders by status on the GSI (60/s), each minute its share, the clock
/// moved a minute at a time. Returns the table requests per user type.
async fn drive_a_day(raw: &Raw, server: &Server) -> [u64; 3] {
    // Rates per second of examples/orders/workload.toml; the accumulators start nearly full so
    // every pattern has a request in the first minute.
    let rates = [40.0, 120.0, 90.0, 60.0];
    let mut due = [0.999f64; 4];
    let mut sent = [0u64; 4];
    let mut by_type = [0u64; 3];
    let pad = "x".repeat(800);
    for minute in 0..1440u64 {
        let f = curve(minute as f64 / 60.0 + 0.5 / 60.0);
        for (p, rate) in rates.iter().enumerate() {
            due[p] += rate * f * 60.0 / SCALE;
            if p == 0 && SPIKES.iter().any(|s| (*s..s + 15).contains(&minute)) {
                due[p] += 577.0 * 60.0 / SCALE;
            }
            while due[p] >= 1.0 {
                due[p] -= 1.0;
                let n = sent[p];
                sent[p] += 1;
                let ty = user_type(n);
                if p < 3 {
                    by_type[match ty {
                        "premium" => 0,
                        "standard" => 1,
                        _ => 2,
                    }] += 1;
                }
                let pk = format!("USER#{ty}");
                match p {
                    0 => {
                        raw.dynamodb(
                            "PutItem",
                            json!({"TableName": "orders", "Item": {
                                "PK": {"S": pk}, "SK": {"S": format!("ORDER#{minute:04}#{n}")},
                                "user_type": {"S": ty}, "created_at": {"S": format!("{minute:04}#{n}")},
                                "amount": {"N": format!("{}", n % 1000)}, "status": {"S": "PAID"},
                                "product_id": {"S": format!("P{}", n % 50)}, "region": {"S": "eu"},
                                "pad": {"S": pad}}}),
                        )
                        .await;
                    }
                    1 => {
                        raw.dynamodb(
                            "GetItem",
                            json!({"TableName": "orders", "Key": {"PK": {"S": pk},
                                   "SK": {"S": format!("ORDER#{:04}#{}", minute.saturating_sub(1), n)}}}),
                        )
                        .await;
                    }
                    2 => {
                        raw.dynamodb(
                            "Query",
                            json!({"TableName": "orders", "KeyConditionExpression": "PK = :pk",
                                   "ExpressionAttributeValues": {":pk": {"S": pk}},
                                   "Limit": 3, "ScanIndexForward": false}),
                        )
                        .await;
                    }
                    _ => {
                        raw.dynamodb(
                            "Query",
                            json!({"TableName": "orders", "IndexName": "gsi_user_type_status",
                                   "KeyConditionExpression": "user_type = :t AND #s = :s",
                                   "ExpressionAttributeNames": {"#s": "status"},
                                   "ExpressionAttributeValues": {":t": {"S": ty}, ":s": {"S": "PAID"}},
                                   "Limit": 3}),
                        )
                        .await;
                    }
                }
            }
        }
        support::advance(server, 60.0).await;
    }
    by_type
}

/// The finding kinds of an advice.json.
fn kinds(advice: &Value, list: &str) -> BTreeSet<String> {
    advice[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_string())
        .collect()
}

/// The actions of docs/aws.md's policy (its first ```json block).
fn policy_actions() -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join("docs/aws.md")).unwrap();
    let block = text
        .split("```json")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("docs/aws.md has a ```json policy block");
    let policy: Value = serde_json::from_str(block).expect("the policy is JSON");
    let mut actions = BTreeSet::new();
    for statement in policy["Statement"].as_array().unwrap() {
        assert_eq!(statement["Effect"], "Allow");
        for a in statement["Action"].as_array().unwrap() {
            actions.insert(a.as_str().unwrap().to_string());
        }
    }
    actions
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn advise_aws_recovers_the_orders_table_and_finds_what_the_hand_written_workload_finds() {
    let server = support::start(&["--in-memory", "--clock", "virtual"]);
    let raw = Raw::new(&server);
    // Start at the next midnight, so the day's hours are the workload's hours.
    let t = {
        use dynolab_clock::Clock;
        dynolab_clock::SystemClock.now().as_secs_f64()
    };
    let midnight = ((t / 86_400.0).floor() + 1.0) * 86_400.0;
    support::admin_post(
        &server,
        "/_dynolab/clock/set",
        json!({"epoch_seconds": midnight}),
    )
    .await;
    let design = before();
    create(&raw, &design).await;
    raw.dynamodb(
        "UpdateContributorInsights",
        json!({"TableName": "orders", "ContributorInsightsAction": "ENABLE"}),
    )
    .await;
    let by_type = drive_a_day(&raw, &server).await;
    let driven = by_type[0] as f64 / by_type.iter().sum::<u64>() as f64;

    let tmp = tempfile::tempdir().unwrap();
    let calls = tmp.path().join("calls.txt");
    let workload_path = tmp.path().join("workload.toml");
    let design_path = tmp.path().join("table.tf");
    let out = Command::new(env!("CARGO_BIN_EXE_dynolab"))
        .args(["workload", "from-aws", "--table", "orders", "--days", "1"])
        .args(["--scale", &SCALE.to_string(), "--quiet"])
        .args(["--out", workload_path.to_str().unwrap()])
        .args(["--design-out", design_path.to_str().unwrap()])
        .args(["--endpoint-url", &server.endpoint, "--region", "us-east-1"])
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("DYNOLAB_AWS_CALLS", &calls)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The hot key, within 5 points of what was driven.
    let workload = dynolab_sim::Workload::load(&workload_path).unwrap();
    let pk = &workload.entities["orders"].attributes["pk"];
    let share = pk.hot["USER#premium"];
    assert!(
        (share - driven).abs() <= 0.05,
        "USER#premium: {share} recovered, {driven} driven"
    );
    // The four flash sales come back as daily spikes of new orders (at 577/s, 15 minutes).
    let puts = workload
        .patterns
        .iter()
        .find(|p| p.name == "PutItem")
        .unwrap();
    assert_eq!(puts.rate.spikes.len(), 4, "{:?}", puts.rate.spikes);
    for (spike, minute) in puts.rate.spikes.iter().zip(SPIKES) {
        let (h, m) = spike.at[0].split_once(':').unwrap();
        let at: i64 = h.parse::<i64>().unwrap() * 60 + m.parse::<i64>().unwrap();
        assert!((at - minute as i64).abs() <= 2, "{spike:?}");
        assert!((13.0..=17.0).contains(&spike.minutes), "{spike:?}");
        assert!((spike.rate / 577.0 - 1.0).abs() < 0.15, "{spike:?}");
    }
    assert!(puts.rate.hourly.is_some());
    let text = std::fs::read_to_string(&workload_path).unwrap();
    assert!(text.contains("# - item_bytes = "), "{text}");
    assert!(text.contains("Contributor Insights"), "{text}");

    // The design: keys, capacity, auto scaling and GSIs as before.tf has them.
    let recovered = TableDesign::load(&design_path).unwrap().remove(0);
    assert_eq!(recovered.partition_key, design.partition_key);
    assert_eq!(recovered.sort_key, design.sort_key);
    assert_eq!(
        recovered.billing,
        Billing::Provisioned {
            read: 5000,
            write: 1000
        }
    );
    assert_eq!(recovered.autoscaling, design.autoscaling);
    assert_eq!(recovered.gsis, design.gsis);
    assert_eq!(recovered.tags, design.tags);
    assert_eq!(recovered.table_class, design.table_class);

    // Every call is allowed by docs/aws.md's policy, and the policy only reads.
    let policy = policy_actions();
    let made: BTreeSet<String> = std::fs::read_to_string(&calls)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert!(made.len() >= 9, "{made:?}");
    for call in &made {
        assert!(
            policy.contains(call),
            "{call} is not in docs/aws.md's policy"
        );
    }
    for action in &policy {
        let name = action.split(':').nth(1).unwrap();
        assert!(
            ["Describe", "Get", "List"]
                .iter()
                .any(|p| name.starts_with(p)),
            "{action} is not a read"
        );
    }

    // The advice on the live table finds what the advice on the hand-written workload finds.
    let live = tmp.path().join("live");
    let out = dynolab(
        &[
            "advise",
            "--aws",
            "orders",
            "--history-days",
            "1",
            "--scale",
            &SCALE.to_string(),
            "--days",
            "1",
            "--quiet",
            "--out",
            live.to_str().unwrap(),
        ],
        &server.endpoint,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(live.join("workload.toml").exists() && live.join("before.tf").exists());
    let hand = tmp.path().join("hand");
    let orders = root().join("examples/orders");
    let done = Command::new(env!("CARGO_BIN_EXE_dynolab"))
        .args(["advise", "--design"])
        .arg(orders.join("before.tf"))
        .arg("--workload")
        .arg(orders.join("workload.toml"))
        .args(["--days", "1", "--quiet", "--out"])
        .arg(&hand)
        .output()
        .unwrap();
    assert!(done.status.success());
    let read = |dir: &Path| -> Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join("advice.json")).unwrap()).unwrap()
    };
    let (live, hand) = (read(&live), read(&hand));
    let titles = |a: &Value| -> Vec<String> {
        a["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["title"].as_str().unwrap().to_string())
            .collect()
    };
    let live_titles = titles(&live);
    let live_workload = std::fs::read_to_string(tmp.path().join("live/workload.toml")).unwrap();
    for key in [
        "hot partition key USER#premium on orders",
        "5 GSIs share the partition key user_type",
        "4 GSIs are never queried",
        "the design is provisioned",
    ] {
        assert!(
            titles(&hand).iter().any(|t| t == key),
            "hand-written: {key}"
        );
        assert!(
            live_titles.iter().any(|t| t == key),
            "live: {key} not in {live_titles:?}\n{live_workload}"
        );
    }
    let (live_recs, hand_recs) = (
        kinds(&live, "recommendations"),
        kinds(&hand, "recommendations"),
    );
    // The hot key is answered by a new key design where the workload names the attributes to
    // build one from (the hand-written one does); CloudWatch tells none, so the live advice
    // answers it by sharding the key's writes.
    assert!(hand_recs.contains("key-design"));
    assert!(
        live_recs.contains("key-design") || live_recs.contains("write-sharding"),
        "live: {live_recs:?}"
    );
    for kind in ["gsi-consolidation", "capacity-mode"] {
        assert!(hand_recs.contains(kind), "hand-written: {kind}");
        assert!(
            live_recs.contains(kind),
            "live: {kind} not in {live_recs:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_call_names_its_permission_and_writes_nothing() {
    for action in [
        "cloudwatch:GetMetricData",
        "application-autoscaling:DescribeScalableTargets",
        "dynamodb:DescribeTable",
    ] {
        let server = support::start(&["--in-memory", "--deny-action", action]);
        let raw = Raw::new(&server);
        create(&raw, &before()).await;
        let FromAws { tmp, out, .. } = from_aws(&server.endpoint);
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!(
                "{action} was denied: add it to the policy in docs/aws.md"
            )),
            "{stderr}"
        );
        // IAM's wording: DynamoDB names the table; CloudWatch's and Application Auto Scaling's
        // reads take no resource-level permissions, so no resource is named.
        let expected = if action.starts_with("dynamodb:") {
            format!("perform: {action} on resource: arn:aws:dynamodb:us-east-1:")
        } else {
            format!("perform: {action} because no identity-based policy allows the {action} action")
        };
        assert!(stderr.contains(&expected), "{stderr}");
        if action.starts_with("dynamodb:") {
            assert!(stderr.contains(":table/orders because"), "{stderr}");
        }
        let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
        assert!(left.is_empty(), "{action}: {left:?}");
        // advise --aws writes nothing either.
        let advice = tmp.path().join("advice");
        let out = dynolab(
            &[
                "advise",
                "--aws",
                "orders",
                "--quiet",
                "--out",
                advice.to_str().unwrap(),
            ],
            &server.endpoint,
        );
        assert!(!out.status.success());
        assert!(!advice.exists());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_contributor_insights_the_keys_are_assumed_even_and_it_says_how_to_enable_it() {
    let server = support::start(&["--in-memory"]);
    let raw = Raw::new(&server);
    create(&raw, &before()).await;
    for n in 0..5 {
        raw.dynamodb(
            "PutItem",
            json!({"TableName": "orders", "Item": {"PK": {"S": "USER#premium"}, "SK": {"S": format!("ORDER#{n}")}}}),
        )
        .await;
    }
    let FromAws {
        tmp: _tmp,
        workload,
        design: _,
        out,
    } = from_aws(&server.endpoint);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "aws dynamodb update-contributor-insights --table-name orders --contributor-insights-action ENABLE"
        ),
        "{stderr}"
    );
    let text = std::fs::read_to_string(&workload).unwrap();
    assert!(
        text.contains("Key distribution (ASSUMED): spread evenly over 10000 keys"),
        "{text}"
    );
    let w = dynolab_sim::Workload::load(&workload).unwrap();
    assert!(w.entities["orders"].attributes["pk"].hot.is_empty());
}

/// Throttled calls are retried with backoff (the SDK's standard retry mode): three throttled
/// GetMetricData requests and a throttled DescribeTable still give a workload; a call
/// throttled past its attempts fails with its action named, writing nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_calls_are_retried_with_backoff() {
    let server = support::start(&[
        "--in-memory",
        "--fault-throttle",
        "cloudwatch:GetMetricData=3",
        "--fault-throttle",
        "dynamodb:DescribeTable=1",
    ]);
    let raw = Raw::new(&server);
    create(&raw, &before()).await;
    raw.dynamodb(
        "PutItem",
        json!({"TableName": "orders", "Item": {"PK": {"S": "USER#premium"}, "SK": {"S": "ORDER#1"}}}),
    )
    .await;
    let FromAws {
        tmp: _tmp,
        workload,
        design,
        out,
    } = from_aws(&server.endpoint);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(workload.exists() && design.exists());

    // Throttled past every attempt: the action and the error, and nothing written.
    let server = support::start(&[
        "--in-memory",
        "--fault-throttle",
        "cloudwatch:GetMetricData=100",
    ]);
    let raw = Raw::new(&server);
    create(&raw, &before()).await;
    let FromAws {
        tmp,
        workload: _,
        design: _,
        out,
    } = from_aws(&server.endpoint);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("cloudwatch:GetMetricData failed: ThrottlingException: Rate exceeded"),
        "{stderr}"
    );
    assert!(std::fs::read_dir(tmp.path()).unwrap().next().is_none());
}
