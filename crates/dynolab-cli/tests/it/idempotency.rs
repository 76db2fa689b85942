//! TransactWriteItems ClientRequestToken through the AWS SDK for Rust: a repeat applies once and
//! reports read capacity; another payload under the same token is the typed mismatch error; the
//! token is forgotten after ten minutes of the server's (virtual) clock.

use aws_sdk_dynamodb::types::{
    AttributeValue as Av, ReturnConsumedCapacity, TransactWriteItem, Update,
};

use crate::support;

fn add(amount: &str) -> TransactWriteItem {
    TransactWriteItem::builder()
        .update(
            Update::builder()
                .table_name("counters")
                .key("id", Av::S("c".into()))
                .update_expression("ADD n :v")
                .expression_attribute_values(":v", Av::N(amount.into()))
                .build()
                .unwrap(),
        )
        .build()
}

async fn value(client: &aws_sdk_dynamodb::Client) -> String {
    let item = client
        .get_item()
        .table_name("counters")
        .key("id", Av::S("c".into()))
        .send()
        .await
        .unwrap();
    item.item().unwrap()["n"].as_n().unwrap().clone()
}

#[tokio::test]
async fn client_request_token_makes_a_transaction_idempotent() {
    let server = support::start(&["--in-memory", "--clock", "virtual"]);
    let client = support::client(&server);
    support::hash_table(&client, "counters")
        .send()
        .await
        .unwrap();
    let send = |amount: &'static str, token: &'static str| {
        client
            .transact_write_items()
            .transact_items(add(amount))
            .client_request_token(token)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
    };
    let first = send("1", "retry-me").await.unwrap();
    assert_eq!(
        first.consumed_capacity()[0].write_capacity_units(),
        Some(2.0)
    );
    let repeat = send("1", "retry-me").await.unwrap();
    assert_eq!(value(&client).await, "1");
    assert_eq!(
        repeat.consumed_capacity()[0].read_capacity_units(),
        Some(1.0)
    );
    assert_eq!(repeat.consumed_capacity()[0].write_capacity_units(), None);

    let err = send("2", "retry-me")
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_idempotent_parameter_mismatch_exception(), "{err:?}");
    assert_eq!(value(&client).await, "1");

    support::advance(&server, 601.0).await;
    send("2", "retry-me").await.unwrap();
    assert_eq!(value(&client).await, "3");
}
