//! The batch writer and getter against a table provisioned far below the load, with the
//! capacity model on and the server on a virtual clock moved by the client's backoff.

use std::collections::HashSet;
use std::time::Duration;

use dynolab_client::batch::GetOptions;
use dynolab_client::{AttributeValue as Av, Client, Item, RetryPolicy, WriteOp};

use crate::support::{self, TableSpec};

fn order(n: usize) -> Item {
    let user = n % 1_000;
    let created = format!("2026-11-{:02}T{:02}:{:02}:00Z", 1 + n % 28, n % 24, n % 60);
    let status = ["PENDING", "SHIPPED", "DELIVERED"][n % 3];
    Item::from([
        ("PK".into(), Av::S(format!("USER#{user}"))),
        ("SK".into(), Av::S(format!("ORDER#{created}#{n:06}"))),
        ("GSI1PK".into(), Av::S(format!("STATUS#{status}"))),
        ("GSI1SK".into(), Av::S(created)),
        ("order_id".into(), Av::S(format!("{n:06}"))),
        ("amount".into(), Av::N(format!("{}", 10 + (n * 37) % 490))),
    ])
}

fn sk(item: &Item) -> String {
    item["SK"].as_s().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_writer_loads_100k_orders_into_an_underprovisioned_table_and_loses_none() {
    const ORDERS: usize = 100_000;
    const WCU: i64 = 1_000;
    // Reads are not what this test is about: enough for a fast read-back.
    const RCU: i64 = 20_000;
    let server = support::start(support::no_burst()).await;
    let sdk = support::sdk(&server);
    support::create_table(
        &sdk,
        TableSpec {
            name: "orders",
            hash: ("PK", "S"),
            range: Some(("SK", "S")),
            gsis: vec![("GSI1", ("GSI1PK", "S"), Some(("GSI1SK", "S")))],
            provisioned: Some((RCU, WCU)),
        },
    )
    .await;
    let time = support::ServerTime::new(&server);
    let client = Client::builder(sdk)
        .time(time.clone())
        .seed(1)
        .concurrency(8)
        .retry(RetryPolicy {
            max_attempts: 30,
            max_elapsed: Duration::from_secs(3_600),
            ..RetryPolicy::default()
        })
        .build();

    let report = client
        .write_batch("orders", (0..ORDERS).map(|n| WriteOp::Put(order(n))))
        .await
        .unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.errors);
    assert_eq!(report.written, ORDERS as u64);
    // The table pushed back, and the writer retried what it returned.
    assert!(
        report.unprocessed_items + report.throttled_requests > 1_000,
        "{report:?}"
    );
    // The server saw the real rate: no more than the table allows (plus one second of burst).
    let elapsed = time.now_secs();
    let rate = ORDERS as f64 / elapsed;
    eprintln!(
        "{ORDERS} orders in {elapsed:.1} virtual s ({rate:.0} items/s on {WCU} WCU): {} requests, {} unprocessed, {} throttled",
        report.requests, report.unprocessed_items, report.throttled_requests
    );
    assert!(
        rate <= WCU as f64 * 1.02,
        "{rate} items/s in {elapsed} virtual s"
    );
    assert!(rate >= WCU as f64 * 0.5, "{rate} items/s: too slow");

    // Every item reads back, through the batch getter.
    let keys = (0..ORDERS).map(|n| {
        let o = order(n);
        Item::from([
            ("PK".into(), o["PK"].clone()),
            ("SK".into(), o["SK"].clone()),
        ])
    });
    let got = client
        .get_batch("orders", keys, &GetOptions::default())
        .await
        .unwrap();
    assert!(got.failed.is_empty(), "{:?}", got.errors);
    assert_eq!(got.items.len(), ORDERS);
    let found: HashSet<String> = got.items.iter().map(sk).collect();
    assert!((0..ORDERS).all(|n| found.contains(&sk(&order(n)))));
    let sample = got
        .items
        .iter()
        .find(|i| i["order_id"] == Av::S("004242".into()))
        .unwrap();
    assert_eq!(*sample, order(4242));
    assert!(got.consumed_capacity >= ORDERS as f64 * 0.5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_that_cannot_be_made_are_returned_not_dropped() {
    let server = support::start(support::no_burst()).await;
    let sdk = support::sdk(&server);
    support::create_table(
        &sdk,
        TableSpec {
            name: "tiny",
            hash: ("PK", "S"),
            range: Some(("SK", "S")),
            gsis: vec![],
            provisioned: Some((1, 1)),
        },
    )
    .await;
    let time = support::ServerTime::new(&server);
    // Two attempts without progress, then give up: a 1 WCU table cannot take 300 items.
    let client = Client::builder(sdk)
        .time(time)
        .seed(2)
        .retry(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(20),
            max_elapsed: Duration::from_secs(1),
        })
        .build();
    let mut ops: Vec<WriteOp> = (0..300).map(|n| WriteOp::Put(order(n))).collect();
    // And one write DynamoDB rejects outright (no sort key): reported with its error.
    let mut bad = order(999_999);
    bad.remove("SK");
    ops.push(WriteOp::Put(bad.clone()));
    let report = client.write_batch("tiny", ops).await.unwrap();
    assert_eq!(report.written as usize + report.failed.len(), 301);
    assert!(report.failed.len() > 250, "{}", report.failed.len());
    assert!(report.failed.contains(&WriteOp::Put(bad)));
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.code() == Some("ValidationException"))
    );
    assert!(
        report
            .errors
            .iter()
            .any(|e| matches!(e, dynolab_client::Error::RetriesExhausted { .. }))
    );
    // What was reported written is in the table; what was reported failed is not.
    let scan = client.sdk().scan().table_name("tiny").send().await.unwrap();
    let stored: HashSet<String> = scan.items().iter().map(sk).collect();
    assert_eq!(stored.len() as u64, report.written);
    for op in &report.failed {
        if let WriteOp::Put(item) = op
            && let Some(Av::S(s)) = item.get("SK")
        {
            assert!(!stored.contains(s), "{s} reported failed but stored");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_getter_reads_every_key_through_unprocessed_keys() {
    const ORDERS: usize = 5_000;
    let server = support::start(support::no_burst()).await;
    let sdk = support::sdk(&server);
    support::create_table(
        &sdk,
        TableSpec {
            name: "reads",
            hash: ("PK", "S"),
            range: Some(("SK", "S")),
            gsis: vec![],
            provisioned: Some((100, 5_000)),
        },
    )
    .await;
    let time = support::ServerTime::new(&server);
    let client = Client::builder(sdk)
        .time(time.clone())
        .seed(5)
        .retry(RetryPolicy {
            max_attempts: 30,
            max_elapsed: Duration::from_secs(3_600),
            ..RetryPolicy::default()
        })
        .build();
    let written = client
        .write_batch("reads", (0..ORDERS).map(|n| WriteOp::Put(order(n))))
        .await
        .unwrap();
    assert_eq!(written.written, ORDERS as u64);
    let key = |n: usize| {
        let o = order(n);
        Item::from([
            ("PK".into(), o["PK"].clone()),
            ("SK".into(), o["SK"].clone()),
        ])
    };
    // Every key, ten of them twice, and ten keys that are not in the table.
    let keys = (0..ORDERS)
        .map(key)
        .chain((0..10).map(key))
        .chain((0..10).map(|n| {
            Item::from([
                ("PK".into(), Av::S("USER#nobody".into())),
                ("SK".into(), Av::S(format!("ORDER#{n}"))),
            ])
        }));
    let start = time.now_secs();
    let got = client
        .get_batch("reads", keys, &GetOptions::default())
        .await
        .unwrap();
    assert!(got.failed.is_empty(), "{:?}", got.errors);
    assert_eq!(got.items.len(), ORDERS);
    let found: HashSet<String> = got.items.iter().map(sk).collect();
    assert_eq!(found.len(), ORDERS);
    // 100 RCU cannot serve 5,000 reads at once: keys came back unprocessed and were retried.
    assert!(
        got.unprocessed_keys > 0 || got.throttled_requests > 0,
        "{got:?}"
    );
    let rate = ORDERS as f64 * 0.5 / (time.now_secs() - start);
    assert!(rate <= 100.0 * 1.1, "{rate} RCU/s on 100 RCU");
}
