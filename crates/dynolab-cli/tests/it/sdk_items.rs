//! Tables and items through the AWS SDK for Rust: typed errors, conditions, return values and
//! consumed capacity as the SDK decodes them.

use aws_sdk_dynamodb::types::{
    AttributeValue as Av, BillingMode, ReturnConsumedCapacity, ReturnValue,
};

use crate::support;

async fn create_simple(client: &aws_sdk_dynamodb::Client, name: &str) {
    support::hash_table(client, name).send().await.unwrap();
}

#[tokio::test]
async fn table_lifecycle() {
    let server = support::start_in_memory();
    let client = support::client(&server);
    for i in 0..3 {
        create_simple(&client, &format!("t{i:02}")).await;
    }
    let page = client.list_tables().limit(2).send().await.unwrap();
    assert_eq!(page.table_names(), ["t00", "t01"]);
    assert_eq!(page.last_evaluated_table_name(), Some("t01"));
    let rest = client
        .list_tables()
        .exclusive_start_table_name("t01")
        .send()
        .await
        .unwrap();
    assert_eq!(rest.table_names(), ["t02"]);
    let err = support::hash_table(&client, "t00")
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_resource_in_use_exception());
    let described = client
        .describe_table()
        .table_name("t00")
        .send()
        .await
        .unwrap();
    let table = described.table().unwrap();
    assert_eq!(table.table_status().unwrap().as_str(), "ACTIVE");
    assert_eq!(
        table
            .billing_mode_summary()
            .unwrap()
            .billing_mode()
            .unwrap(),
        &BillingMode::PayPerRequest
    );
    client
        .delete_table()
        .table_name("t00")
        .send()
        .await
        .unwrap();
    let err = client
        .describe_table()
        .table_name("t00")
        .send()
        .await
        .unwrap_err();
    assert!(err.into_service_error().is_resource_not_found_exception());
}

#[tokio::test]
async fn conditional_writes_and_return_values() {
    let server = support::start_in_memory();
    let client = support::client(&server);
    create_simple(&client, "items").await;
    client
        .put_item()
        .table_name("items")
        .item("id", Av::S("a".into()))
        .item("n", Av::N("1".into()))
        .send()
        .await
        .unwrap();
    let err = client
        .put_item()
        .table_name("items")
        .item("id", Av::S("a".into()))
        .condition_expression("attribute_not_exists(id)")
        .return_values_on_condition_check_failure(
            aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    let aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(
        failed,
    ) = err
    else {
        panic!("expected ConditionalCheckFailedException, got {err:?}");
    };
    assert_eq!(failed.item().unwrap().get("n"), Some(&Av::N("1".into())));
    let updated = client
        .update_item()
        .table_name("items")
        .key("id", Av::S("a".into()))
        .update_expression("SET n = n + :one, tags = :tags")
        .expression_attribute_values(":one", Av::N("1".into()))
        .expression_attribute_values(":tags", Av::Ss(vec!["x".into()]))
        .return_values(ReturnValue::UpdatedNew)
        .send()
        .await
        .unwrap();
    let attrs = updated.attributes().unwrap();
    assert_eq!(attrs.get("n"), Some(&Av::N("2".into())));
    assert!(!attrs.contains_key("id"));
    let deleted = client
        .delete_item()
        .table_name("items")
        .key("id", Av::S("a".into()))
        .return_values(ReturnValue::AllOld)
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.attributes().unwrap().get("n"),
        Some(&Av::N("2".into()))
    );
    let got = client
        .get_item()
        .table_name("items")
        .key("id", Av::S("a".into()))
        .send()
        .await
        .unwrap();
    assert!(got.item().is_none());
}

#[tokio::test]
async fn consumed_capacity_is_reported_in_sdk_types() {
    let server = support::start_in_memory();
    let client = support::client(&server);
    create_simple(&client, "cap").await;
    // 1,500 bytes of payload: a 2 KB write, a 4 KB read.
    let put = client
        .put_item()
        .table_name("cap")
        .item("id", Av::S("k".into()))
        .item("blob", Av::S("x".repeat(1500)))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    assert_eq!(put.consumed_capacity().unwrap().capacity_units(), Some(2.0));
    let get = client
        .get_item()
        .table_name("cap")
        .key("id", Av::S("k".into()))
        .consistent_read(true)
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    assert_eq!(get.consumed_capacity().unwrap().capacity_units(), Some(1.0));
    let get = client
        .get_item()
        .table_name("cap")
        .key("id", Av::S("missing".into()))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    assert_eq!(get.consumed_capacity().unwrap().capacity_units(), Some(0.5));
}

#[tokio::test]
async fn validation_errors_reach_the_sdk() {
    let server = support::start_in_memory();
    let client = support::client(&server);
    create_simple(&client, "val").await;
    let err = client
        .put_item()
        .table_name("val")
        .item("other", Av::S("x".into()))
        .send()
        .await
        .unwrap_err();
    let message = format!("{:?}", err.into_service_error());
    assert!(
        message.contains("Missing the key id in the item"),
        "{message}"
    );
    let err = client
        .get_item()
        .table_name("val")
        .key("id", Av::N("1".into()))
        .send()
        .await
        .unwrap_err();
    let message = format!("{:?}", err.into_service_error());
    assert!(
        message.contains("The provided key element does not match the schema"),
        "{message}"
    );
}

#[tokio::test]
async fn transactions_commit_together_or_cancel_with_reasons() {
    use aws_sdk_dynamodb::types::{ConditionCheck, Put, TransactWriteItem};
    let server = support::start_in_memory();
    let client = support::client(&server);
    create_simple(&client, "txn").await;
    let put = |id: &str| {
        TransactWriteItem::builder()
            .put(
                Put::builder()
                    .table_name("txn")
                    .item("id", Av::S(id.into()))
                    .build()
                    .unwrap(),
            )
            .build()
    };
    client
        .transact_write_items()
        .transact_items(put("a"))
        .transact_items(put("b"))
        .send()
        .await
        .unwrap();
    let check = TransactWriteItem::builder()
        .condition_check(
            ConditionCheck::builder()
                .table_name("txn")
                .key("id", Av::S("a".into()))
                .condition_expression("attribute_not_exists(id)")
                .build()
                .unwrap(),
        )
        .build();
    let err = client
        .transact_write_items()
        .transact_items(put("c"))
        .transact_items(check)
        .send()
        .await
        .unwrap_err();
    let aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(cancelled) = err.into_service_error() else {
        panic!("expected TransactionCanceledException");
    };
    let codes: Vec<&str> = cancelled
        .cancellation_reasons()
        .iter()
        .filter_map(|r| r.code())
        .collect();
    assert_eq!(codes, ["None", "ConditionalCheckFailed"]);
    assert!(
        cancelled
            .message()
            .unwrap()
            .starts_with("Transaction cancelled")
    );
    let got = client
        .get_item()
        .table_name("txn")
        .key("id", Av::S("c".into()))
        .send()
        .await
        .unwrap();
    assert!(
        got.item().is_none(),
        "the cancelled transaction wrote nothing"
    );
}
