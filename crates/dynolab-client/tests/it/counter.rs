//! The sharded counter against `dynolab serve`: every add counted exactly once, and a counter
//! updated faster than one item can take throttles as one item but not split into the number of
//! sub-items `shards_for` gives. Each partition serves 100 WCU/s here, so "one item's limit"
//! is 100 updates a second.

use std::time::Duration;

use dynolab_capacity::CapacityConfig;
use dynolab_client::{Client, RetryPolicy, ShardedCounter};
use tokio::task::JoinSet;

use crate::support::{self, ServerTime, TableSpec};

const PARTITION_WCU: u64 = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_add_counts_once_across_the_sub_items() {
    let server = support::start(CapacityConfig::default()).await;
    let sdk = support::sdk(&server);
    support::create_table(
        &sdk,
        TableSpec {
            name: "counters",
            hash: ("PK", "S"),
            range: None,
            gsis: vec![],
            provisioned: None,
        },
    )
    .await;
    let client = Client::builder(sdk.clone()).seed(3).build();
    let counter = ShardedCounter::new(&client, "counters", "PK", "LIKES#post-1", 8);
    assert_eq!(counter.total(true).await.unwrap(), 0, "no sub-item yet");
    // 1,000 adds, 32 in flight at a time (as many connections as a busy client keeps open).
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(32));
    let mut adds = JoinSet::new();
    for i in 0..1_000 {
        let (counter, gate) = (counter.clone(), gate.clone());
        adds.spawn(async move {
            let _permit = gate.acquire().await;
            counter.add(if i % 10 == 9 { -1 } else { 1 }).await
        });
    }
    let mut used = std::collections::BTreeSet::new();
    while let Some(r) = adds.join_next().await {
        used.insert(r.unwrap().unwrap().shard);
    }
    assert_eq!(used.len(), 8, "writes spread over every sub-item: {used:?}");
    assert_eq!(counter.total(true).await.unwrap(), 800);
    // The parts are plain items: eight of them, summing to the total.
    let scan = sdk.scan().table_name("counters").send().await.unwrap();
    assert_eq!(scan.count(), 8);
}

/// Adds at `rate` a virtual second for `seconds`, in tenths of a second; returns the throttled
/// attempts (every add must succeed in the end).
async fn load(counter: &ShardedCounter, time: &ServerTime, rate: usize, seconds: usize) -> u32 {
    let mut throttled = 0;
    for _ in 0..seconds * 10 {
        let mut adds = JoinSet::new();
        for _ in 0..rate / 10 {
            let counter = counter.clone();
            adds.spawn(async move { counter.add(1).await });
        }
        while let Some(r) = adds.join_next().await {
            throttled += r.unwrap().expect("every add succeeds in the end").throttled;
        }
        time.advance(Duration::from_millis(100)).await;
    }
    throttled
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hot_counter_throttles_as_one_item_and_not_as_sub_items() {
    let server = support::start(CapacityConfig {
        partition_write_units_per_s: PARTITION_WCU,
        burst_window_s: 1,
        ..CapacityConfig::default()
    })
    .await;
    let sdk = support::sdk(&server);
    support::create_table(
        &sdk,
        TableSpec {
            name: "seats",
            hash: ("PK", "S"),
            range: None,
            gsis: vec![],
            // 128 partitions of 100 WCU/s: only the per-partition (per-item) cap can throttle.
            provisioned: Some((100, 128 * PARTITION_WCU as i64)),
        },
    )
    .await;
    let time = ServerTime::new(&server);
    let client = Client::builder(sdk)
        .seed(5)
        .time(time.clone())
        .retry(RetryPolicy {
            max_attempts: 60,
            max_elapsed: Duration::from_secs(600),
            ..RetryPolicy::default()
        })
        .build();
    let rate = 240; // updates a second: 2.4 times what one item takes here
    let (seconds, expected) = (5, 240 * 5);

    let one = ShardedCounter::new(&client, "seats", "PK", "EVENT#final", 1);
    let throttled_one = load(&one, &time, rate, seconds).await;
    assert!(
        throttled_one > 300,
        "one item at 2.4x its limit: {throttled_one} throttled attempts"
    );
    assert_eq!(
        one.total(true).await.unwrap(),
        expected,
        "retries lose nothing"
    );
    eprintln!("one item: {throttled_one} throttled attempts for {expected} adds");

    time.advance(Duration::from_secs(5)).await;
    let shards = ShardedCounter::shards_for_limit(rate as f64, 100, 0.5, PARTITION_WCU as f64);
    assert_eq!(shards, 5);
    let split = ShardedCounter::new(&client, "seats", "PK", "EVENT#semi", shards);
    let throttled_split = load(&split, &time, rate, seconds).await;
    assert_eq!(
        throttled_split, 0,
        "{shards} sub-items take {rate} updates a second"
    );
    assert_eq!(split.total(false).await.unwrap(), expected);
}
