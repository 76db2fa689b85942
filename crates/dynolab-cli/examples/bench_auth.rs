//! GetItem requests a second through the AWS SDK for Rust, against a server with or without
//! `serve --credentials` (issue 17, docs/benchmarks.md §10). The SDK signs every request either
//! way, so the client's work is the same and the difference is the server's verification.
//!
//! ```sh
//! cargo build --release --bin dynolab --example bench_auth
//! printf '[[key]]\nid = "AKIDBENCH"\nsecret = "bench-secret"\n' > /tmp/keys.toml
//! target/release/dynolab serve --in-memory --capacity off --port 8124 &
//! target/release/dynolab serve --in-memory --capacity off --port 8125 --credentials /tmp/keys.toml &
//! target/release/examples/bench_auth --endpoint http://127.0.0.1:8124 --seconds 10
//! target/release/examples/bench_auth --endpoint http://127.0.0.1:8125 --seconds 10
//! ```
//! Prints one JSON line: requests, requests a second, p50 and p99 in ms.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use dynolab_clock::Stopwatch;

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{Credentials, Region};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};

struct Args {
    endpoint: String,
    seconds: u64,
    connections: usize,
    keys: usize,
}

fn args() -> Args {
    let mut a = Args {
        endpoint: "http://127.0.0.1:8000".into(),
        seconds: 10,
        connections: 16,
        keys: 1_000,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for pair in argv.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--endpoint" => a.endpoint = value,
            "--seconds" => a.seconds = value.parse().expect("--seconds N"),
            "--connections" => a.connections = value.parse().expect("--connections N"),
            "--keys" => a.keys = value.parse().expect("--keys N"),
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

fn key(i: usize) -> AttributeValue {
    AttributeValue::S(format!("key-{i:06}"))
}

#[tokio::main]
async fn main() {
    let a = args();
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::v2026_01_12())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "AKIDBENCH",
            "bench-secret",
            None,
            None,
            "bench",
        ))
        .endpoint_url(&a.endpoint)
        .build();
    let client = Client::from_conf(config);
    let table = "bench_auth";
    if client
        .describe_table()
        .table_name(table)
        .send()
        .await
        .is_err()
    {
        client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name("pk")
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .unwrap(),
            )
            .key_schema(
                KeySchemaElement::builder()
                    .attribute_name("pk")
                    .key_type(KeyType::Hash)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .expect("CreateTable");
        for i in 0..a.keys {
            client
                .put_item()
                .table_name(table)
                .item("pk", key(i))
                .item("payload", AttributeValue::S("x".repeat(180)))
                .send()
                .await
                .expect("PutItem");
        }
    }
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for c in 0..a.connections {
        let (client, stop, keys) = (client.clone(), stop.clone(), a.keys);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = c * 7919;
            while !stop.load(Ordering::Relaxed) {
                i = (i + 104_729) % keys;
                let one = Stopwatch::start();
                let out = client
                    .get_item()
                    .table_name(table)
                    .key("pk", key(i))
                    .send()
                    .await
                    .expect("GetItem");
                assert!(out.item.is_some(), "GetItem must return the item");
                latencies.push(one.elapsed_millis());
            }
            latencies
        }));
    }
    let started = Stopwatch::start();
    tokio::time::sleep(Duration::from_secs(a.seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    let elapsed = started.elapsed_millis() / 1000.0;
    all.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        all.get(((all.len() as f64 - 1.0) * p) as usize)
            .copied()
            .unwrap_or(0.0)
    };
    println!(
        "{{\"requests\": {}, \"req_per_s\": {:.0}, \"p50_ms\": {:.3}, \"p99_ms\": {:.3}}}",
        all.len(),
        all.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99)
    );
}
