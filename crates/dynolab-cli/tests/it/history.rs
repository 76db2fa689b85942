//! The history of a table through the AWS SDK for Rust over a socket: a point-in-time restore
//! to before a destructive batch of deletes brings every item (and its GSI entries) back, and
//! DynamoDB Streams read with the official streams client (on a virtual clock), and stream
//! records and backups that survive `kill -9` of a durable server.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::primitives::{Blob, DateTime};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, DeleteRequest, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, PointInTimeRecoverySpecification, Projection, ProjectionType,
    PutRequest, ScalarAttributeType, StreamSpecification, StreamViewType, WriteRequest,
};
use aws_sdk_dynamodbstreams::types::{OperationType, ShardIteratorType};

use crate::support;

const N: usize = 120;
const CATEGORIES: usize = 7;

fn item(i: usize) -> HashMap<String, Av> {
    HashMap::from([
        ("id".to_string(), Av::S(format!("item-{i:04}"))),
        (
            "category".to_string(),
            Av::S(format!("cat-{}", i % CATEGORIES)),
        ),
        (
            "price".to_string(),
            Av::N(format!("{}.{:02}", i * 3, i % 100)),
        ),
        ("blob".to_string(), Av::B(Blob::new(vec![i as u8, 0, 255]))),
        ("flag".to_string(), Av::Bool(i.is_multiple_of(2))),
        (
            "tags".to_string(),
            Av::Ss(vec![format!("t{i}"), "all".to_string()]),
        ),
        (
            "nested".to_string(),
            Av::M(HashMap::from([
                (
                    "list".to_string(),
                    Av::L(vec![Av::N(i.to_string()), Av::Null(true)]),
                ),
                ("name".to_string(), Av::S(format!("nested {i}"))),
            ])),
        ),
    ])
}

fn key(i: usize) -> HashMap<String, Av> {
    HashMap::from([("id".to_string(), Av::S(format!("item-{i:04}")))])
}

/// Items by id, for comparing whole tables.
fn by_id(items: Vec<HashMap<String, Av>>) -> BTreeMap<String, HashMap<String, Av>> {
    items
        .into_iter()
        .map(|i| (i["id"].as_s().unwrap().clone(), i))
        .collect()
}

async fn scan_all(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
) -> BTreeMap<String, HashMap<String, Av>> {
    let mut out = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        out.extend(page.items().iter().cloned());
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            return by_id(out);
        }
    }
}

async fn query_category(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    category: usize,
) -> BTreeMap<String, HashMap<String, Av>> {
    let page = client
        .query()
        .table_name(table)
        .index_name("by_category")
        .key_condition_expression("category = :c")
        .expression_attribute_values(":c", Av::S(format!("cat-{category}")))
        .send()
        .await
        .unwrap();
    by_id(page.items().to_vec())
}

async fn batch(client: &aws_sdk_dynamodb::Client, table: &str, requests: Vec<WriteRequest>) {
    for chunk in requests.chunks(25) {
        let out = client
            .batch_write_item()
            .request_items(table, chunk.to_vec())
            .send()
            .await
            .unwrap();
        assert!(out.unprocessed_items().is_none_or(|u| u.is_empty()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_before_a_destructive_batch_delete_brings_every_item_back() {
    let server = support::start(&["--in-memory", "--clock", "virtual"]);
    let client = support::client(&server);
    let attr = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    let hash = |n: &str| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(KeyType::Hash)
            .build()
            .unwrap()
    };
    support::hash_table(&client, "catalog")
        .attribute_definitions(attr("category"))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by_category")
                .key_schema(hash("category"))
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::All)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let pitr = client
        .update_continuous_backups()
        .table_name("catalog")
        .point_in_time_recovery_specification(
            PointInTimeRecoverySpecification::builder()
                .point_in_time_recovery_enabled(true)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let description = pitr
        .continuous_backups_description()
        .unwrap()
        .point_in_time_recovery_description()
        .unwrap();
    assert_eq!(description.recovery_period_in_days(), Some(35));

    // Write N items, let time pass, and note T.
    let puts = (0..N)
        .map(|i| {
            WriteRequest::builder()
                .put_request(
                    PutRequest::builder()
                        .set_item(Some(item(i)))
                        .build()
                        .unwrap(),
                )
                .build()
        })
        .collect();
    batch(&client, "catalog", puts).await;
    support::advance(&server, 60.0).await;
    let t = support::advance(&server, 0.0).await["epoch_seconds"]
        .as_f64()
        .unwrap();
    let before = scan_all(&client, "catalog").await;
    assert_eq!(before.len(), N);

    // A destructive batch of deletes a second later.
    support::advance(&server, 1.0).await;
    let deletes = (0..N)
        .map(|i| {
            WriteRequest::builder()
                .delete_request(
                    DeleteRequest::builder()
                        .set_key(Some(key(i)))
                        .build()
                        .unwrap(),
                )
                .build()
        })
        .collect();
    batch(&client, "catalog", deletes).await;
    assert!(scan_all(&client, "catalog").await.is_empty());

    // T is not restorable until five minutes have passed.
    let early = client
        .restore_table_to_point_in_time()
        .source_table_name("catalog")
        .target_table_name("catalog_restored")
        .restore_date_time(DateTime::from_secs_f64(t))
        .send()
        .await
        .unwrap_err();
    assert!(
        early
            .as_service_error()
            .is_some_and(|e| e.is_invalid_restore_time_exception()),
        "{early:?}"
    );
    support::advance(&server, 301.0).await;
    let restored = client
        .restore_table_to_point_in_time()
        .source_table_name("catalog")
        .target_table_name("catalog_restored")
        .restore_date_time(DateTime::from_secs_f64(t))
        .send()
        .await
        .unwrap();
    let table = restored.table_description().unwrap();
    assert_eq!(table.item_count(), Some(N as i64));
    let summary = table.restore_summary().unwrap();
    assert_eq!(summary.restore_date_time().as_secs_f64(), t);
    assert!(!summary.restore_in_progress());

    // Every item is back with its exact attributes, and so is every GSI entry.
    assert_eq!(scan_all(&client, "catalog_restored").await, before);
    for category in 0..CATEGORIES {
        let expected: BTreeMap<_, _> = before
            .iter()
            .filter(|(_, i)| i["category"] == Av::S(format!("cat-{category}")))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(
            query_category(&client, "catalog_restored", category).await,
            expected
        );
    }
    // The source stays as the deletes left it.
    assert!(scan_all(&client, "catalog").await.is_empty());
    assert!(query_category(&client, "catalog", 0).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_through_the_streams_client() {
    let server = support::start(&["--in-memory", "--clock", "virtual"]);
    let client = support::client(&server);
    let streams = support::streams_client(&server);
    let created = support::hash_table(&client, "events")
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::NewAndOldImages)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let arn = created
        .table_description()
        .unwrap()
        .latest_stream_arn()
        .unwrap()
        .to_string();

    let put = |v: &str| {
        client
            .put_item()
            .table_name("events")
            .item("id", Av::S("a".into()))
            .item("v", Av::S(v.into()))
    };
    put("1").send().await.unwrap();
    put("2").send().await.unwrap();
    put("2").send().await.unwrap(); // identical: no record
    client
        .delete_item()
        .table_name("events")
        .key("id", Av::S("a".into()))
        .send()
        .await
        .unwrap();

    let listed = streams
        .list_streams()
        .table_name("events")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.streams().len(), 1);
    assert_eq!(listed.streams()[0].stream_arn(), Some(arn.as_str()));
    let described = streams
        .describe_stream()
        .stream_arn(&arn)
        .send()
        .await
        .unwrap();
    let d = described.stream_description().unwrap();
    assert_eq!(d.stream_status().unwrap().as_str(), "ENABLED");
    assert_eq!(d.table_name(), Some("events"));
    assert_eq!(d.shards().len(), 1);
    let shard = d.shards()[0].shard_id().unwrap().to_string();

    let iterator = streams
        .get_shard_iterator()
        .stream_arn(&arn)
        .shard_id(&shard)
        .shard_iterator_type(ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap()
        .shard_iterator()
        .unwrap()
        .to_string();
    let page = streams
        .get_records()
        .shard_iterator(&iterator)
        .send()
        .await
        .unwrap();
    let records = page.records();
    let names: Vec<_> = records
        .iter()
        .map(|r| r.event_name().unwrap().clone())
        .collect();
    assert_eq!(
        names,
        [
            OperationType::Insert,
            OperationType::Modify,
            OperationType::Remove
        ]
    );
    let modify = records[1].dynamodb().unwrap();
    use aws_sdk_dynamodbstreams::types::AttributeValue as Sv;
    assert_eq!(modify.old_image().unwrap()["v"], Sv::S("1".into()));
    assert_eq!(modify.new_image().unwrap()["v"], Sv::S("2".into()));
    assert_eq!(modify.keys().unwrap()["id"], Sv::S("a".into()));
    assert!(modify.approximate_creation_date_time().is_some());
    assert!(records[2].dynamodb().unwrap().new_image().is_none());
    assert_eq!(records[0].event_source(), Some("aws:dynamodb"));
    assert_eq!(records[0].aws_region(), Some("us-east-1"));
    let next = page.next_shard_iterator().unwrap().to_string();

    // Iterators expire after 15 minutes.
    support::advance(&server, 15.0 * 60.0 + 1.0).await;
    let expired = streams
        .get_records()
        .shard_iterator(&next)
        .send()
        .await
        .unwrap_err();
    assert!(
        expired
            .as_service_error()
            .is_some_and(|e| e.is_expired_iterator_exception()),
        "{expired:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stream_records_and_backups_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = support::start_durable(dir.path());
    let client = support::client(&server);
    support::hash_table(&client, "journal")
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::KeysOnly)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    for i in 0..50 {
        client
            .put_item()
            .table_name("journal")
            .set_item(Some(item(i)))
            .send()
            .await
            .unwrap();
    }
    let backup = client
        .create_backup()
        .table_name("journal")
        .backup_name("nightly")
        .send()
        .await
        .unwrap()
        .backup_details()
        .unwrap()
        .backup_arn()
        .to_string();
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();

    let server = support::start_durable(dir.path());
    let client = support::client(&server);
    let streams = support::streams_client(&server);
    let arn = streams.list_streams().send().await.unwrap().streams()[0]
        .stream_arn()
        .unwrap()
        .to_string();
    let shard = streams
        .describe_stream()
        .stream_arn(&arn)
        .send()
        .await
        .unwrap()
        .stream_description()
        .unwrap()
        .shards()[0]
        .shard_id()
        .unwrap()
        .to_string();
    let iterator = streams
        .get_shard_iterator()
        .stream_arn(&arn)
        .shard_id(shard)
        .shard_iterator_type(ShardIteratorType::TrimHorizon)
        .send()
        .await
        .unwrap()
        .shard_iterator()
        .unwrap()
        .to_string();
    let records = streams
        .get_records()
        .shard_iterator(iterator)
        .send()
        .await
        .unwrap();
    let keys: Vec<String> = records
        .records()
        .iter()
        .map(|r| {
            r.dynamodb().unwrap().keys().unwrap()["id"]
                .as_s()
                .unwrap()
                .clone()
        })
        .collect();
    let expected: Vec<String> = (0..50).map(|i| format!("item-{i:04}")).collect();
    assert_eq!(keys, expected);

    client
        .restore_table_from_backup()
        .backup_arn(&backup)
        .target_table_name("journal_restored")
        .send()
        .await
        .unwrap();
    assert_eq!(
        scan_all(&client, "journal_restored").await,
        scan_all(&client, "journal").await
    );
    assert_eq!(scan_all(&client, "journal_restored").await.len(), 50);
}
