//! The seed's single-table design end to end: USER, ORDER and PRODUCT items in one table with
//! PK/SK and an overloaded GSI1 (GSI1PK/GSI1SK), every access pattern through the SDK.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, KeysAndAttributes, Projection, ProjectionType, PutRequest, ScalarAttributeType,
    WriteRequest,
};

use crate::support;

fn s(v: impl Into<String>) -> Av {
    Av::S(v.into())
}

fn key(name: &str, kt: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(kt)
        .build()
        .unwrap()
}

fn attr(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .unwrap()
}

async fn create_app_table(client: &Client) {
    client
        .create_table()
        .table_name("app")
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("PK"))
        .attribute_definitions(attr("SK"))
        .attribute_definitions(attr("GSI1PK"))
        .attribute_definitions(attr("GSI1SK"))
        .key_schema(key("PK", KeyType::Hash))
        .key_schema(key("SK", KeyType::Range))
        .global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name("GSI1")
                .key_schema(key("GSI1PK", KeyType::Hash))
                .key_schema(key("GSI1SK", KeyType::Range))
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
}

fn order(user: &str, n: usize) -> HashMap<String, Av> {
    let created = format!("2026-11-{:02}T10:{:02}:00Z", 1 + n % 28, n % 60);
    let status = ["PENDING", "SHIPPED", "DELIVERED"][n % 3];
    HashMap::from([
        ("PK".to_string(), s(format!("USER#{user}"))),
        ("SK".to_string(), s(format!("ORDER#{created}#{n:05}"))),
        ("GSI1PK".to_string(), s(format!("STATUS#{status}"))),
        ("GSI1SK".to_string(), s(created)),
        ("order_id".to_string(), s(format!("{n:05}"))),
        ("status".to_string(), s(status)),
        (
            "amount".to_string(),
            Av::N(format!("{}", 10 + (n * 37) % 490)),
        ),
    ])
}

/// Writes items with BatchWriteItem in requests of 25, retrying anything unprocessed.
async fn batch_put(client: &Client, items: Vec<HashMap<String, Av>>) {
    for chunk in items.chunks(25) {
        let requests: Vec<WriteRequest> = chunk
            .iter()
            .map(|i| {
                WriteRequest::builder()
                    .put_request(
                        PutRequest::builder()
                            .set_item(Some(i.clone()))
                            .build()
                            .unwrap(),
                    )
                    .build()
            })
            .collect();
        assert_eq!(requests.len().min(25), requests.len());
        let out = client
            .batch_write_item()
            .request_items("app", requests)
            .send()
            .await
            .unwrap();
        assert!(out.unprocessed_items().is_none_or(|u| u.is_empty()));
    }
}

#[tokio::test]
async fn seed_single_table_design_end_to_end() {
    let server = support::start_in_memory();
    let client = support::client(&server);
    create_app_table(&client).await;

    client
        .put_item()
        .table_name("app")
        .item("PK", s("USER#alice"))
        .item("SK", s("PROFILE"))
        .item("name", s("Alice"))
        .item("tier", s("premium"))
        .send()
        .await
        .unwrap();
    let mut items: Vec<_> = (0..60).map(|n| order("alice", n)).collect();
    items.extend((60..100).map(|n| order("bob", n)));
    for (cat, n) in [("books", 3), ("games", 2)] {
        for i in 0..n {
            items.push(HashMap::from([
                ("PK".to_string(), s(format!("PRODUCT#{cat}-{i}"))),
                ("SK".to_string(), s("PRODUCT")),
                ("GSI1PK".to_string(), s(format!("CATEGORY#{cat}"))),
                ("GSI1SK".to_string(), s(format!("PRODUCT#{i}"))),
            ]));
        }
    }
    batch_put(&client, items).await;

    // Get a user.
    let user = client
        .get_item()
        .table_name("app")
        .key("PK", s("USER#alice"))
        .key("SK", s("PROFILE"))
        .send()
        .await
        .unwrap();
    assert_eq!(user.item().unwrap().get("name"), Some(&s("Alice")));

    // A user's orders, newest first, 20 at a time.
    let recent = client
        .query()
        .table_name("app")
        .key_condition_expression("PK = :pk AND begins_with(SK, :order)")
        .expression_attribute_values(":pk", s("USER#alice"))
        .expression_attribute_values(":order", s("ORDER#"))
        .scan_index_forward(false)
        .limit(20)
        .send()
        .await
        .unwrap();
    let sks: Vec<String> = recent
        .items()
        .iter()
        .map(|i| i["SK"].as_s().unwrap().clone())
        .collect();
    assert_eq!(sks.len(), 20);
    let mut sorted = sks.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(sks, sorted, "newest first");
    assert!(recent.last_evaluated_key().is_some());
    let rest = client
        .query()
        .table_name("app")
        .key_condition_expression("PK = :pk AND begins_with(SK, :order)")
        .expression_attribute_values(":pk", s("USER#alice"))
        .expression_attribute_values(":order", s("ORDER#"))
        .scan_index_forward(false)
        .set_exclusive_start_key(recent.last_evaluated_key().cloned())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.count(), 40);
    assert!(
        rest.items()
            .iter()
            .all(|i| i["SK"].as_s().unwrap() < &sks[19])
    );

    // Orders by status on GSI1.
    let shipped = client
        .query()
        .table_name("app")
        .index_name("GSI1")
        .key_condition_expression("GSI1PK = :s")
        .expression_attribute_values(":s", s("STATUS#SHIPPED"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        shipped.count(),
        (0..100).filter(|n| n % 3 == 1).count() as i32
    );

    // Products by category on GSI1.
    let books = client
        .query()
        .table_name("app")
        .index_name("GSI1")
        .key_condition_expression("GSI1PK = :c")
        .expression_attribute_values(":c", s("CATEGORY#books"))
        .send()
        .await
        .unwrap();
    assert_eq!(books.count(), 3);

    // A filter on amount: ScannedCount is what was read, Count what matched.
    let big = client
        .query()
        .table_name("app")
        .key_condition_expression("PK = :pk AND begins_with(SK, :order)")
        .filter_expression("amount > :min")
        .expression_attribute_values(":pk", s("USER#alice"))
        .expression_attribute_values(":order", s("ORDER#"))
        .expression_attribute_values(":min", Av::N("400".into()))
        .send()
        .await
        .unwrap();
    let expected = (0..60).filter(|n| 10 + (n * 37) % 490 > 400).count() as i32;
    assert_eq!(big.count(), expected);
    assert_eq!(big.scanned_count(), 60);

    // A projection naming the reserved word `status` through #s.
    let projected = client
        .query()
        .table_name("app")
        .key_condition_expression("PK = :pk AND begins_with(SK, :order)")
        .projection_expression("order_id, #s")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":pk", s("USER#bob"))
        .expression_attribute_values(":order", s("ORDER#"))
        .send()
        .await
        .unwrap();
    assert_eq!(projected.count(), 40);
    for item in projected.items() {
        let mut names: Vec<&String> = item.keys().collect();
        names.sort();
        assert_eq!(names, ["order_id", "status"]);
    }
    let reserved = client
        .query()
        .table_name("app")
        .key_condition_expression("PK = :pk")
        .projection_expression("status")
        .expression_attribute_values(":pk", s("USER#bob"))
        .send()
        .await
        .unwrap_err();
    let message = format!("{:?}", reserved.into_service_error());
    assert!(
        message.contains("Attribute name is a reserved keyword; reserved keyword: status"),
        "{message}"
    );

    // Batch get of 100 keys.
    let keys: Vec<HashMap<String, Av>> = (0..100)
        .map(|n| {
            let o = order(if n < 60 { "alice" } else { "bob" }, n);
            HashMap::from([
                ("PK".to_string(), o["PK"].clone()),
                ("SK".to_string(), o["SK"].clone()),
            ])
        })
        .collect();
    let got = client
        .batch_get_item()
        .request_items(
            "app",
            KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(got.responses().unwrap()["app"].len(), 100);
    assert!(got.unprocessed_keys().is_none_or(|u| u.is_empty()));
}
