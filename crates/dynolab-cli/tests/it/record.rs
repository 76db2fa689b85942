//! `dynolab serve --record FILE` on a virtual clock: one JSON line per data-plane request, with
//! the clock's time, the partition key, consumed units, items and throttles.

use aws_sdk_dynamodb::types::{
    AttributeValue as Av, ProvisionedThroughput, PutRequest, WriteRequest,
};
use serde_json::Value;

use crate::support;

fn lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test]
async fn serve_record_writes_one_line_per_request() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("requests.jsonl");
    let server = support::start(&[
        "--in-memory",
        "--clock",
        "virtual",
        "--record",
        log.to_str().unwrap(),
    ]);
    let client = support::client(&server);
    support::hash_table(&client, "rec")
        .billing_mode(aws_sdk_dynamodb::types::BillingMode::Provisioned)
        .provisioned_throughput(
            ProvisionedThroughput::builder()
                .read_capacity_units(5)
                .write_capacity_units(5)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let t0 = support::advance(&server, 10.0).await["epoch_seconds"]
        .as_f64()
        .unwrap();
    for id in ["u1", "u2"] {
        client
            .put_item()
            .table_name("rec")
            .item("id", Av::S(id.into()))
            .send()
            .await
            .unwrap();
    }
    client
        .get_item()
        .table_name("rec")
        .key("id", Av::S("u1".into()))
        .send()
        .await
        .unwrap();
    client
        .query()
        .table_name("rec")
        .key_condition_expression("id = :v")
        .expression_attribute_values(":v", Av::S("u2".into()))
        .send()
        .await
        .unwrap();
    let put = |id: &str| {
        WriteRequest::builder()
            .put_request(
                PutRequest::builder()
                    .item("id", Av::S(id.into()))
                    .build()
                    .unwrap(),
            )
            .build()
    };
    client
        .batch_write_item()
        .request_items("rec", vec![put("b1"), put("b2")])
        .send()
        .await
        .unwrap();
    // 40 KB items at 5 WCU: the burst bank runs dry within a few writes.
    let big = "x".repeat(40 * 1024);
    let mut throttled = false;
    for _ in 0..100 {
        let r = client
            .put_item()
            .table_name("rec")
            .item("id", Av::S("hot".into()))
            .item("blob", Av::S(big.clone()))
            .send()
            .await;
        if r.is_err() {
            throttled = true;
            break;
        }
    }
    assert!(throttled, "the big writes throttle");
    // Nothing is flushed until the clock ticks (the buffer is far below 64 KB).
    assert_eq!(std::fs::read_to_string(&log).unwrap_or_default(), "");
    support::advance(&server, 1.0).await;
    let got = lines(&log);

    let find = |op: &str, pk: &str| {
        got.iter()
            .find(|l| l["op"] == op && l["pk"] == pk)
            .unwrap_or_else(|| panic!("no {op} {pk} in {got:#?}"))
    };
    let p = find("PutItem", "u1");
    assert_eq!(p["table"], "rec");
    assert_eq!(p["index"], Value::Null);
    assert_eq!(p["write_units"], 1.0);
    assert_eq!(p["read_units"], 0.0);
    assert_eq!(p["items"], 1);
    assert_eq!(p["throttled"], false);
    assert!((p["t"].as_f64().unwrap() - t0).abs() < 1e-3, "{p} at {t0}");
    let g = find("GetItem", "u1");
    assert_eq!(g["read_units"], 0.5);
    assert_eq!(g["items"], 1);
    let q = find("Query", "u2");
    assert_eq!(q["items"], 1);
    assert_eq!(q["read_units"], 0.5);
    // A batch writes one line per item.
    assert_eq!(find("BatchWriteItem", "b1")["write_units"], 1.0);
    assert_eq!(find("BatchWriteItem", "b2")["items"], 1);
    let hot: Vec<&Value> = got.iter().filter(|l| l["pk"] == "hot").collect();
    assert!(hot.len() >= 2, "{hot:#?}");
    let admitted = hot.iter().filter(|l| l["throttled"] == false).count();
    let last = hot.last().unwrap();
    assert_eq!(last["throttled"], true);
    assert_eq!(last["write_units"], 0.0);
    assert_eq!(last["items"], 0);
    assert_eq!(hot[0]["write_units"], 41.0);
    assert_eq!(admitted, hot.len() - 1);
    // Control-plane calls are not recorded.
    assert!(got.iter().all(|l| l["op"] != "CreateTable"));
}

/// A request log that cannot be written (a full disk: /dev/full) costs a warning, not requests.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_failing_request_log_fails_no_request() {
    let server = support::start(&["--in-memory", "--clock", "virtual", "--record", "/dev/full"]);
    let client = support::client(&server);
    support::hash_table(&client, "rec").send().await.unwrap();
    for i in 0..3 {
        client
            .put_item()
            .table_name("rec")
            .item("id", Av::S(format!("k{i}")))
            .send()
            .await
            .unwrap();
        // Each clock move flushes the buffer into the full device.
        support::advance(&server, 1.0).await;
    }
    let got = client
        .get_item()
        .table_name("rec")
        .key("id", Av::S("k2".into()))
        .send()
        .await
        .unwrap();
    assert!(got.item.is_some());
}
