//! Measures the batch writer's items/s against a table's provisioned write rate.
//!
//! Start a server with the system clock and burst turned down, then run:
//!
//! ```sh
//! cargo run --release -- serve --in-memory --burst-window-secs 1
//! cargo run --release -p dynolab-client --example bench_batch_writer -- \
//!     --endpoint http://127.0.0.1:8000 --wcu 1000 --seconds 30 --runs 3
//! ```
//!
//! Each run creates a table provisioned at `--wcu` write units, writes `wcu * seconds` items of
//! about 150 bytes (1 WCU each) with the batch writer, checks that none failed, and reports
//! items/s and that rate as a share of the provisioned rate. `--pacer RATE` adds the adaptive
//! pacer starting at RATE units/s. The last line is the median over the runs.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, KeySchemaElement, KeyType, ProvisionedThroughput, ScalarAttributeType,
};
use dynolab_client::{
    AttributeValue, Client, Item, Pacer, PacerConfig, RetryPolicy, Time, TokioTime, WriteOp,
};

struct Args {
    endpoint: String,
    wcu: u64,
    seconds: u64,
    runs: usize,
    concurrency: usize,
    pacer: Option<f64>,
    /// The server's `--burst-window-secs`: the table starts with this many seconds banked.
    burst_secs: u64,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        endpoint: "http://127.0.0.1:8000".into(),
        wcu: 1_000,
        seconds: 30,
        runs: 3,
        concurrency: 8,
        pacer: None,
        burst_secs: 1,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let bad = |e: std::num::ParseIntError| e.to_string();
        match flag.as_str() {
            "--endpoint" => a.endpoint = value()?,
            "--wcu" => a.wcu = value()?.parse().map_err(bad)?,
            "--seconds" => a.seconds = value()?.parse().map_err(bad)?,
            "--burst-secs" => a.burst_secs = value()?.parse().map_err(bad)?,
            "--runs" => a.runs = value()?.parse().map_err(bad)?,
            "--concurrency" => a.concurrency = value()?.parse().map_err(bad)?,
            "--pacer" => {
                a.pacer = Some(
                    value()?
                        .parse()
                        .map_err(|e: std::num::ParseFloatError| e.to_string())?,
                )
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

struct Run {
    items_per_s: f64,
    /// Items written over what the table allowed in the time: its rate plus its bank.
    share_of_allowed: f64,
    requests: u64,
    unprocessed: u64,
    throttled: u64,
    consumed: f64,
}

async fn run(args: &Args, n: usize) -> Result<Run, String> {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("bench", "bench", None, None, "bench"))
        .endpoint_url(&args.endpoint)
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .build();
    let sdk = aws_sdk_dynamodb::Client::from_conf(config);
    let table = format!("bench-batch-writer-{n}-{}", rand::random::<u32>());
    let attr = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(|e| e.to_string())
    };
    sdk.create_table()
        .table_name(&table)
        .attribute_definitions(attr("id")?)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("id")
                .key_type(KeyType::Hash)
                .build()
                .map_err(|e| e.to_string())?,
        )
        .provisioned_throughput(
            ProvisionedThroughput::builder()
                .read_capacity_units(1)
                .write_capacity_units(args.wcu as i64)
                .build()
                .map_err(|e| e.to_string())?,
        )
        .send()
        .await
        .map_err(|e| format!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(e)))?;
    let time = Arc::new(TokioTime::new());
    let mut builder = Client::builder(sdk.clone())
        .time(time.clone())
        .concurrency(args.concurrency)
        .retry(RetryPolicy {
            max_attempts: 50,
            max_elapsed: Duration::from_secs(600),
            ..RetryPolicy::default()
        });
    if let Some(rate) = args.pacer {
        builder = builder.pacer(Arc::new(Pacer::new(PacerConfig::starting_at(rate))));
    }
    let client = builder.build();
    let total = (args.wcu * args.seconds) as usize;
    let ops = (0..total).map(|i| {
        WriteOp::Put(Item::from([
            ("id".to_string(), AttributeValue::S(format!("item-{i:09}"))),
            ("payload".to_string(), AttributeValue::S("x".repeat(120))),
        ]))
    });
    let start = time.now();
    let report = client
        .write_batch(&table, ops)
        .await
        .map_err(|e| e.to_string())?;
    let elapsed = (time.now() - start).as_secs_f64();
    let _ = sdk.delete_table().table_name(&table).send().await;
    if !report.failed.is_empty() || report.written as usize != total {
        return Err(format!(
            "{} of {total} written, {} failed: {:?}",
            report.written,
            report.failed.len(),
            report.errors.first()
        ));
    }
    Ok(Run {
        items_per_s: total as f64 / elapsed,
        share_of_allowed: total as f64 / (args.wcu as f64 * (elapsed + args.burst_secs as f64)),
        requests: report.requests,
        unprocessed: report.unprocessed_items,
        throttled: report.throttled_requests,
        consumed: report.consumed_capacity,
    })
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bench_batch_writer: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let mut rates = Vec::new();
    let mut shares = Vec::new();
    for n in 0..args.runs {
        match run(&args, n).await {
            Ok(r) => {
                println!(
                    "run {}: {:.0} items/s = {:.1}% of {} WCU ({:.1}% of what the table allowed, its banked burst included); {} requests, {} unprocessed items, {} throttled requests, {:.0} WCU consumed",
                    n + 1,
                    r.items_per_s,
                    100.0 * r.items_per_s / args.wcu as f64,
                    args.wcu,
                    100.0 * r.share_of_allowed,
                    r.requests,
                    r.unprocessed,
                    r.throttled,
                    r.consumed
                );
                rates.push(r.items_per_s);
                shares.push(r.share_of_allowed);
            }
            Err(e) => {
                eprintln!("bench_batch_writer: run {}: {e}", n + 1);
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    rates.sort_by(f64::total_cmp);
    shares.sort_by(f64::total_cmp);
    let median = rates[rates.len() / 2];
    println!(
        "median of {} runs: {median:.0} items/s = {:.1}% of the provisioned {} WCU, {:.1}% of what the table allowed (concurrency {}, pacer {})",
        rates.len(),
        100.0 * median / args.wcu as f64,
        args.wcu,
        100.0 * shares[shares.len() / 2],
        args.concurrency,
        args.pacer
            .map_or("off".to_string(), |r| format!("from {r} units/s"))
    );
    std::process::ExitCode::SUCCESS
}
