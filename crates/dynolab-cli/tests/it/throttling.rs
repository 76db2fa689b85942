//! The seed's problem through the real API: a provisioned table whose partition key and five
//! GSIs are keyed on the user type throttles on `USER#premium` while the table as a whole uses
//! well under half of its capacity; the same writes spread over ten shards do not throttle.
//! The server runs on a virtual clock that the test moves through the admin API.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    Projection, ProjectionType, ProvisionedThroughput, ReturnConsumedCapacity, ScalarAttributeType,
};

use crate::support;

const GSI_SORT_KEYS: [&str; 5] = ["created_at", "amount", "status", "product_id", "region"];

fn throughput(read: i64, write: i64) -> ProvisionedThroughput {
    ProvisionedThroughput::builder()
        .read_capacity_units(read)
        .write_capacity_units(write)
        .build()
        .unwrap()
}

async fn create_orders(client: &Client, name: &str) {
    let attr = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let key = |n: &str, t: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(t)
            .build()
            .unwrap()
    };
    let mut create = client
        .create_table()
        .table_name(name)
        .attribute_definitions(attr("PK"))
        .attribute_definitions(attr("SK"))
        .attribute_definitions(attr("user_type"))
        .key_schema(key("PK", KeyType::Hash))
        .key_schema(key("SK", KeyType::Range))
        .provisioned_throughput(throughput(2_000, 3_000));
    for sk in GSI_SORT_KEYS {
        create = create
            .attribute_definitions(attr(sk))
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(format!("by_{sk}"))
                    .key_schema(key("user_type", KeyType::Hash))
                    .key_schema(key(sk, KeyType::Range))
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .provisioned_throughput(throughput(400, 3_000))
                    .build()
                    .unwrap(),
            );
    }
    create.send().await.unwrap();
}

struct Outcome {
    throttled: usize,
    reasons: Vec<String>,
    consumed_table_units: f64,
}

/// 150 orders of ~9 KB per virtual second for `seconds`: 80% premium, 15% standard, 5% free.
/// With `shards`, every key (table and GSIs) carries a shard suffix.
async fn run(
    server: &support::Server,
    client: &Client,
    table: &str,
    seconds: usize,
    shards: Option<usize>,
) -> Outcome {
    let mut out = Outcome {
        throttled: 0,
        reasons: Vec::new(),
        consumed_table_units: 0.0,
    };
    let pad = "x".repeat(8_800);
    let mut n = 0usize;
    for _ in 0..seconds {
        for i in 0..150 {
            n += 1;
            let user_type = match i % 20 {
                0..16 => "premium",
                16..19 => "standard",
                _ => "free",
            };
            let shard = shards.map(|s| format!("#{}", n % s)).unwrap_or_default();
            let mut put = client
                .put_item()
                .table_name(table)
                .item("PK", Av::S(format!("USER#{user_type}{shard}")))
                .item("SK", Av::S(format!("ORDER#{n:08}")))
                .item("user_type", Av::S(format!("{user_type}{shard}")))
                .item("pad", Av::S(pad.clone()))
                .return_consumed_capacity(ReturnConsumedCapacity::Indexes);
            for sk in GSI_SORT_KEYS {
                put = put.item(sk, Av::S(format!("{sk}-{n:08}")));
            }
            match put.send().await {
                Ok(r) => {
                    let c = r.consumed_capacity().unwrap();
                    out.consumed_table_units += c.table().unwrap().capacity_units().unwrap();
                }
                Err(e) => {
                    let e = e.into_service_error();
                    assert!(e.is_provisioned_throughput_exceeded_exception(), "{e:?}");
                    out.throttled += 1;
                    if let aws_sdk_dynamodb::operation::put_item::PutItemError::ProvisionedThroughputExceededException(p) = &e {
                        for r in p.throttling_reasons() {
                            out.reasons.push(format!("{} {}", r.reason().unwrap_or_default(), r.resource().unwrap_or_default()));
                        }
                    }
                    let _ = e.code();
                }
            }
        }
        support::advance(server, 1.0).await;
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hot_user_type_key_throttles_and_sharding_fixes_it() {
    let server = support::start(&["--in-memory", "--clock", "virtual"]);
    let client = support::client(&server);
    create_orders(&client, "orders").await;
    create_orders(&client, "orders_sharded").await;

    let seconds = 15;
    let hot = run(&server, &client, "orders", seconds, None).await;
    // Premium takes 120 × 9 = 1,080 WCU/s on one key: above the 1,000 WCU partition cap, on the
    // table and on every GSI, once each partition's one second of banked capacity is gone.
    assert!(hot.throttled > 100, "{} throttled", hot.throttled);
    assert!(
        hot.reasons
            .iter()
            .all(|r| r.contains("KeyRangeThroughputExceeded")),
        "{:?}",
        &hot.reasons[..3]
    );
    assert!(hot.reasons.iter().any(|r| r.starts_with(
        "TableWriteKeyRangeThroughputExceeded arn:aws:dynamodb:us-east-1:000000000000:table/orders"
    )));
    assert!(hot.reasons.iter().any(|r| r.starts_with("IndexWriteKeyRangeThroughputExceeded arn:aws:dynamodb:us-east-1:000000000000:table/orders/index/by_")));
    // Meanwhile the table used well under half of its 3,000 provisioned WCU.
    let utilization = hot.consumed_table_units / (3_000.0 * seconds as f64);
    assert!(utilization < 0.5, "table utilization {utilization}");

    let sharded = run(&server, &client, "orders_sharded", seconds, Some(10)).await;
    assert_eq!(sharded.throttled, 0, "{:?}", sharded.reasons.first());

    // The clock moved exactly as the test moved it.
    let clock = support::admin_post(
        &server,
        "/_dynolab/clock/advance",
        serde_json::json!({"seconds": 0}),
    )
    .await;
    assert_eq!(clock["clock"], "virtual");
}

#[tokio::test]
async fn capacity_off_never_throttles_and_the_system_clock_cannot_be_moved() {
    let server = support::start(&["--in-memory", "--capacity", "off"]);
    let client = support::client(&server);
    create_orders(&client, "orders").await;
    // 300 writes of 9 KB to one key at once: 2,700 WCU in an instant, throttled with the model on.
    for n in 0..300 {
        client
            .put_item()
            .table_name("orders")
            .item("PK", Av::S("USER#premium".into()))
            .item("SK", Av::S(format!("ORDER#{n}")))
            .item("pad", Av::S("x".repeat(8_800)))
            .send()
            .await
            .unwrap();
    }
    let answer = support::advance(&server, 1.0).await;
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("--clock virtual")
    );
}
