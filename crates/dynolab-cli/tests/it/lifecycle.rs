//! Table and index status transitions through the AWS SDK for Rust on a virtual clock:
//! CREATING, a GSI CREATING with Backfilling, DELETING, and deletion protection.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue as Av, CreateGlobalSecondaryIndexAction,
    GlobalSecondaryIndexUpdate, IndexStatus, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TableStatus,
};

use crate::support;

async fn status(client: &aws_sdk_dynamodb::Client) -> aws_sdk_dynamodb::types::TableDescription {
    client
        .describe_table()
        .table_name("orders")
        .send()
        .await
        .unwrap()
        .table()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn tables_and_indexes_move_through_their_statuses_on_the_clock() {
    let server = support::start(&[
        "--in-memory",
        "--clock",
        "virtual",
        "--table-create-secs",
        "20",
        "--index-create-secs",
        "30",
        "--table-delete-secs",
        "20",
    ]);
    let client = support::client(&server);
    let created = support::hash_table(&client, "orders")
        .deletion_protection_enabled(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        created.table_description().unwrap().table_status(),
        Some(&TableStatus::Creating)
    );
    let put = || {
        client
            .put_item()
            .table_name("orders")
            .item("id", Av::S("o1".into()))
            .item("status", Av::S("open".into()))
            .send()
    };
    let err = put().await.unwrap_err().into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    support::advance(&server, 20.0).await;
    assert_eq!(
        status(&client).await.table_status(),
        Some(&TableStatus::Active)
    );
    put().await.unwrap();

    client
        .update_table()
        .table_name("orders")
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("status")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .global_secondary_index_updates(
            GlobalSecondaryIndexUpdate::builder()
                .create(
                    CreateGlobalSecondaryIndexAction::builder()
                        .index_name("by_status")
                        .key_schema(
                            KeySchemaElement::builder()
                                .attribute_name("status")
                                .key_type(KeyType::Hash)
                                .build()
                                .unwrap(),
                        )
                        .projection(
                            Projection::builder()
                                .projection_type(ProjectionType::All)
                                .build(),
                        )
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let table = status(&client).await;
    assert_eq!(table.table_status(), Some(&TableStatus::Updating));
    let index = &table.global_secondary_indexes()[0];
    assert_eq!(index.index_status(), Some(&IndexStatus::Creating));
    assert_eq!(index.backfilling(), Some(true));
    let query = || {
        client
            .query()
            .table_name("orders")
            .index_name("by_status")
            .key_condition_expression("#s = :s")
            .expression_attribute_names("#s", "status")
            .expression_attribute_values(":s", Av::S("open".into()))
            .send()
    };
    let err = query().await.unwrap_err().into_service_error();
    assert_eq!(
        err.meta().message(),
        Some("Cannot read from backfilling global secondary index: by_status")
    );
    support::advance(&server, 30.0).await;
    let table = status(&client).await;
    assert_eq!(table.table_status(), Some(&TableStatus::Active));
    assert_eq!(
        table.global_secondary_indexes()[0].index_status(),
        Some(&IndexStatus::Active)
    );
    assert_eq!(query().await.unwrap().count(), 1);

    let err = client
        .delete_table()
        .table_name("orders")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        err.meta().message(),
        Some(
            "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first."
        )
    );
    client
        .update_table()
        .table_name("orders")
        .deletion_protection_enabled(false)
        .send()
        .await
        .unwrap();
    let deleted = client
        .delete_table()
        .table_name("orders")
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.table_description().unwrap().table_status(),
        Some(&TableStatus::Deleting)
    );
    support::advance(&server, 20.0).await;
    let err = client
        .describe_table()
        .table_name("orders")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
}
