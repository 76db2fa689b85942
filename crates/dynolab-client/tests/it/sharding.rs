//! A hot partition key sharded N ways takes N times the write rate before throttling.
//! Each partition serves 100 WCU/s here (`partition_write_units_per_s`), the table has 128
//! partitions and far more table-level capacity than the test uses, so the only limit is the
//! partition cap that one key (or one shard) can reach.

use std::time::Duration;

use dynolab_capacity::CapacityConfig;
use dynolab_client::{AttributeValue as Av, Client, Error, Item, ShardedKey};
use tokio::task::JoinSet;

use crate::support::{self, ServerTime, TableSpec};

const PARTITION_WCU: u64 = 100;

/// Writes `rate` items per virtual second for `seconds`, in tenths of a second, each to the
/// hot key sharded `shards` ways (random suffix). Returns (writes, throttled writes).
async fn load(
    client: &Client,
    time: &ServerTime,
    shards: u32,
    rate: usize,
    seconds: usize,
    tag: &str,
) -> (usize, usize) {
    let key = ShardedKey::random("PK", shards);
    let per_slice = rate / 10;
    let mut throttled = 0;
    let mut n = 0;
    for _ in 0..seconds * 10 {
        let mut puts = JoinSet::new();
        for _ in 0..per_slice {
            n += 1;
            let mut item = Item::from([
                ("SK".into(), Av::S(format!("{tag}-{n:07}"))),
                ("payload".into(), Av::S("p".repeat(100))),
            ]);
            client.shard(&key, "HOT", &mut item).unwrap();
            let sdk = client.sdk().clone();
            puts.spawn(async move {
                sdk.put_item()
                    .table_name("hot")
                    .set_item(Some(item))
                    .send()
                    .await
                    .map_err(Error::from)
            });
        }
        while let Some(r) = puts.join_next().await {
            match r.unwrap() {
                Ok(_) => {}
                Err(Error::Throttled { reasons, .. }) => {
                    assert!(
                        reasons.iter().all(|r| r.is_key_range()),
                        "only the partition cap throttles: {reasons:?}"
                    );
                    throttled += 1;
                }
                Err(e) => panic!("{e}"),
            }
        }
        time.advance(Duration::from_millis(100)).await;
    }
    (n, throttled)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hot_key_sharded_n_ways_takes_n_times_the_write_rate() {
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
            name: "hot",
            hash: ("PK", "S"),
            range: Some(("SK", "S")),
            gsis: vec![],
            // 128 partitions of 100 WCU/s.
            provisioned: Some((1, 128 * PARTITION_WCU as i64)),
        },
    )
    .await;
    let time = ServerTime::new(&server);
    let client = Client::builder(sdk).seed(11).build();
    let cap = PARTITION_WCU as usize;
    for shards in [1u32, 2, 4] {
        let n = shards as usize;
        // Just under N times one partition's rate: no throttling.
        let (writes, throttled) = load(&client, &time, shards, cap * n * 8 / 10, 10, "under").await;
        assert_eq!(
            throttled, 0,
            "{shards} shards at 80% of {n}x the cap ({writes} writes)"
        );
        // Half again above N times the cap: throttled, for about the excess.
        let (writes, throttled) = load(&client, &time, shards, cap * n * 3 / 2, 10, "over").await;
        let share = throttled as f64 / writes as f64;
        assert!(
            (0.2..0.45).contains(&share),
            "{shards} shards at 150% of {n}x the cap: {throttled} of {writes} throttled"
        );
        // Let every bucket refill before the next case.
        time.advance(Duration::from_secs(5)).await;
    }
    // And the unsharded key at the 4-shard rate throttles most of its writes.
    let (writes, throttled) = load(&client, &time, 1, cap * 4 * 8 / 10, 10, "unsharded").await;
    assert!(
        throttled as f64 / writes as f64 > 0.6,
        "{throttled} of {writes} throttled"
    );
}
