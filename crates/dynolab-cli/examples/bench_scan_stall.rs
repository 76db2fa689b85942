//! How long a GetItem waits while full-table Scans loop on other connections (issue 11,
//! docs/benchmarks.md §7). Loads a table, starts `--scanners` connections that Scan it end to
//! end over and over, and times sequential GetItems on one more connection.
//!
//! ```sh
//! cargo build --release --bin dynolab --example bench_scan_stall
//! target/release/dynolab serve --in-memory --capacity off --port 8123 &
//! target/release/examples/bench_scan_stall --endpoint http://127.0.0.1:8123 --seconds 10
//! ```
//! Prints one JSON line: GetItem latency percentiles (ms), GetItems and Scan pages done.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

type Http = Client<HttpConnector, Full<Bytes>>;

struct Args {
    endpoint: String,
    items: usize,
    scanners: usize,
    seconds: u64,
}

fn args() -> Args {
    let mut a = Args {
        endpoint: "http://127.0.0.1:8000".into(),
        items: 50_000,
        scanners: 2,
        seconds: 10,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for pair in argv.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--endpoint" => a.endpoint = value,
            "--items" => a.items = value.parse().expect("--items N"),
            "--scanners" => a.scanners = value.parse().expect("--scanners N"),
            "--seconds" => a.seconds = value.parse().expect("--seconds N"),
            other => panic!("unknown argument {other}"),
        }
    }
    a
}

async fn call(http: &Http, endpoint: &str, op: &str, body: &Value) -> Value {
    let request = hyper::Request::post(endpoint)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", format!("DynamoDB_20120810.{op}"))
        .body(Full::new(Bytes::from(serde_json::to_vec(body).unwrap())))
        .unwrap();
    let response = http.request(request).await.expect("request");
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    assert!(status.is_success(), "{op}: {status} {value}");
    value
}

fn client() -> Http {
    Client::builder(TokioExecutor::new()).build_http()
}

#[tokio::main]
async fn main() {
    let a = args();
    let setup = client();
    call(
        &setup,
        &a.endpoint,
        "CreateTable",
        &json!({"TableName": "stall", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}),
    )
    .await;
    let filler = "x".repeat(180);
    let keys: Vec<usize> = (0..a.items).collect();
    for batch in keys.chunks(25) {
        let requests: Vec<Value> = batch
            .iter()
            .map(|i| json!({"PutRequest": {"Item": {"pk": {"S": format!("k{i:08}")}, "v": {"S": filler}}}}))
            .collect();
        call(
            &setup,
            &a.endpoint,
            "BatchWriteItem",
            &json!({"RequestItems": {"stall": requests}}),
        )
        .await;
    }

    let stop = Arc::new(AtomicBool::new(false));
    let pages = Arc::new(AtomicU64::new(0));
    let mut scanners = Vec::new();
    for _ in 0..a.scanners {
        let (stop, pages, endpoint) = (Arc::clone(&stop), Arc::clone(&pages), a.endpoint.clone());
        scanners.push(tokio::spawn(async move {
            let http = client();
            let mut start: Option<Value> = None;
            while !stop.load(Ordering::Relaxed) {
                let mut body = json!({"TableName": "stall"});
                if let Some(k) = start.take() {
                    body["ExclusiveStartKey"] = k;
                }
                let page = call(&http, &endpoint, "Scan", &body).await;
                pages.fetch_add(1, Ordering::Relaxed);
                start = page.get("LastEvaluatedKey").cloned();
            }
        }));
    }

    let http = client();
    let mut latencies = Vec::new();
    let bench = dynolab_clock::Stopwatch::start();
    let mut i = 0usize;
    while bench.elapsed_millis() < a.seconds as f64 * 1000.0 {
        let key = format!("k{:08}", (i * 7919) % a.items);
        let one = dynolab_clock::Stopwatch::start();
        call(
            &http,
            &a.endpoint,
            "GetItem",
            &json!({"TableName": "stall", "Key": {"pk": {"S": key}}}),
        )
        .await;
        latencies.push(one.elapsed_millis());
        i += 1;
    }
    stop.store(true, Ordering::Relaxed);
    for s in scanners {
        let _ = s.await;
    }
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| latencies[((latencies.len() - 1) as f64 * p) as usize];
    println!(
        "{}",
        json!({
            "scanners": a.scanners, "items": a.items, "seconds": a.seconds,
            "get_items": latencies.len(),
            "get_p50_ms": pct(0.50), "get_p99_ms": pct(0.99), "get_max_ms": pct(1.0),
            "scan_pages": pages.load(Ordering::Relaxed),
        })
    );
}
