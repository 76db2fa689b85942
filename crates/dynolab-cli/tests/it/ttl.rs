//! Time to Live through the AWS SDK for Rust on a virtual clock: an expired item disappears
//! from the table and its GSI once the admin API moves the clock past its TTL and the delay.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, GlobalSecondaryIndex, KeySchemaElement, KeyType,
    Projection, ProjectionType, ScalarAttributeType, TimeToLiveSpecification, TimeToLiveStatus,
};

use crate::support;

#[tokio::test]
async fn expired_items_disappear_when_the_virtual_clock_moves() {
    let server = support::start(&[
        "--in-memory",
        "--clock",
        "virtual",
        "--ttl-delay-secs",
        "60",
    ]);
    let client = support::client(&server);
    let now = support::advance(&server, 0.0).await["epoch_seconds"]
        .as_f64()
        .unwrap() as i64;
    support::hash_table(&client, "sessions")
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("user")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("by_user")
                .key_schema(
                    KeySchemaElement::builder()
                        .attribute_name("user")
                        .key_type(KeyType::Hash)
                        .build()
                        .unwrap(),
                )
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::KeysOnly)
                        .build(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let spec = client
        .update_time_to_live()
        .table_name("sessions")
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name("expires")
                .enabled(true)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        spec.time_to_live_specification().unwrap().attribute_name(),
        "expires"
    );
    let described = client
        .describe_time_to_live()
        .table_name("sessions")
        .send()
        .await
        .unwrap();
    assert_eq!(
        described
            .time_to_live_description()
            .unwrap()
            .time_to_live_status(),
        Some(&TimeToLiveStatus::Enabled)
    );
    for (id, expires) in [("short", now + 10), ("long", now + 10_000)] {
        client
            .put_item()
            .table_name("sessions")
            .item("id", Av::S(id.into()))
            .item("user", Av::S("u".into()))
            .item("expires", Av::N(expires.to_string()))
            .send()
            .await
            .unwrap();
    }
    let ids = || async {
        let scan = client.scan().table_name("sessions").send().await.unwrap();
        let query = client
            .query()
            .table_name("sessions")
            .index_name("by_user")
            .key_condition_expression("#u = :u")
            .expression_attribute_names("#u", "user")
            .expression_attribute_values(":u", Av::S("u".into()))
            .send()
            .await
            .unwrap();
        let mut table: Vec<String> = scan
            .items()
            .iter()
            .map(|i| i["id"].as_s().unwrap().clone())
            .collect();
        let mut index: Vec<String> = query
            .items()
            .iter()
            .map(|i| i["id"].as_s().unwrap().clone())
            .collect();
        table.sort();
        index.sort();
        (table, index)
    };
    // Expired but within the delay: still there, as in DynamoDB.
    support::advance(&server, 30.0).await;
    assert_eq!(ids().await.0, ["long", "short"]);
    support::advance(&server, 41.0).await;
    assert_eq!(
        ids().await,
        (vec!["long".to_string()], vec!["long".to_string()])
    );
}
