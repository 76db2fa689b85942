//! TransactWriteItems and TransactGetItems: all or nothing, one cancellation reason per action
//! in order, transactional capacity, and throttling as a cancellation reason.

use dynolab_model::ErrorCode;
use serde_json::{Value, json};

use crate::support::{call, engine, engine_with_capacity, n, ok, s, table};

fn put(table: &str, item: Value) -> Value {
    json!({"Put": {"TableName": table, "Item": item}})
}

#[test]
fn writes_apply_together_across_tables() {
    let e = engine();
    table(&e, "accounts", false);
    table(&e, "ledger", false);
    ok(
        &e,
        "PutItem",
        json!({"TableName": "accounts", "Item": {"pk": s("alice"), "balance": n("100")}}),
    );
    ok(
        &e,
        "PutItem",
        json!({"TableName": "accounts", "Item": {"pk": s("old"), "balance": n("0")}}),
    );
    let r = ok(
        &e,
        "TransactWriteItems",
        json!({"TransactItems": [
        {"Update": {"TableName": "accounts", "Key": {"pk": s("alice")}, "UpdateExpression": "SET balance = balance - :a",
            "ConditionExpression": "balance >= :a", "ExpressionAttributeValues": {":a": n("30")}}},
        put("accounts", json!({"pk": s("bob"), "balance": n("30")})),
        {"Delete": {"TableName": "accounts", "Key": {"pk": s("old")}}},
        put("ledger", json!({"pk": s("tx1"), "amount": n("30")})),
    ], "ReturnConsumedCapacity": "TOTAL"}),
    );
    // Transactional writes cost two units per KB: 4 actions of under 1 KB.
    let total: f64 = r["ConsumedCapacity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["CapacityUnits"].as_f64().unwrap())
        .sum();
    assert_eq!(total, 8.0);
    assert_eq!(
        ok(
            &e,
            "GetItem",
            json!({"TableName": "accounts", "Key": {"pk": s("alice")}})
        )["Item"]["balance"],
        n("70")
    );
    assert_eq!(
        ok(
            &e,
            "GetItem",
            json!({"TableName": "accounts", "Key": {"pk": s("old")}})
        ),
        json!({})
    );
    let got = ok(
        &e,
        "TransactGetItems",
        json!({"TransactItems": [
        {"Get": {"TableName": "accounts", "Key": {"pk": s("bob")}}},
        {"Get": {"TableName": "accounts", "Key": {"pk": s("nobody")}}},
        {"Get": {"TableName": "ledger", "Key": {"pk": s("tx1")}, "ProjectionExpression": "amount"}},
    ], "ReturnConsumedCapacity": "TOTAL"}),
    );
    assert_eq!(
        got["Responses"],
        json!([{"Item": {"pk": s("bob"), "balance": n("30")}}, {}, {"Item": {"amount": n("30")}}])
    );
    let read: f64 = got["ConsumedCapacity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["CapacityUnits"].as_f64().unwrap())
        .sum();
    assert_eq!(read, 6.0, "transactional reads cost two units per 4 KB");
}

#[test]
fn a_failed_condition_cancels_everything_with_reasons_in_order() {
    let e = engine();
    table(&e, "accounts", false);
    ok(
        &e,
        "PutItem",
        json!({"TableName": "accounts", "Item": {"pk": s("alice"), "balance": n("10")}}),
    );
    let err = call(&e, "TransactWriteItems", json!({"TransactItems": [
        put("accounts", json!({"pk": s("bob")})),
        {"ConditionCheck": {"TableName": "accounts", "Key": {"pk": s("alice")}, "ConditionExpression": "balance >= :a",
            "ExpressionAttributeValues": {":a": n("30")}, "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
        {"Update": {"TableName": "accounts", "Key": {"pk": s("carol")}, "UpdateExpression": "SET x = missing1 + :one", "ExpressionAttributeValues": {":one": n("1")}}},
    ]})).unwrap_err();
    assert_eq!(err.code, ErrorCode::TransactionCanceledException);
    assert_eq!(
        err.message.as_deref(),
        Some(
            "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed, ValidationError]"
        )
    );
    assert_eq!(
        err.cancellation_reasons[1].item.as_ref().unwrap()["balance"],
        dynolab_model::AttributeValue::N(dynolab_model::Number::from_i64(10))
    );
    assert_eq!(
        err.cancellation_reasons[2].message.as_deref(),
        Some("The provided expression refers to an attribute that does not exist in the item")
    );
    assert_eq!(
        ok(
            &e,
            "GetItem",
            json!({"TableName": "accounts", "Key": {"pk": s("bob")}})
        ),
        json!({}),
        "nothing was written"
    );
}

#[test]
fn input_errors_are_validation_exceptions() {
    let e = engine();
    table(&e, "accounts", false);
    let err = call(
        &e,
        "TransactWriteItems",
        json!({"TransactItems": [
            put("accounts", json!({"pk": s("a")})),
            {"Delete": {"TableName": "accounts", "Key": {"pk": s("a")}}},
        ]}),
    )
    .unwrap_err();
    assert_eq!(
        err.message.as_deref(),
        Some("Transaction request cannot include multiple operations on one item")
    );
    let err = call(&e, "TransactWriteItems", json!({"TransactItems": [{"Put": {"TableName": "accounts", "Item": {"pk": s("a")}}, "Delete": {"TableName": "accounts", "Key": {"pk": s("b")}}}]})).unwrap_err();
    assert_eq!(
        err.message.as_deref(),
        Some("TransactItems can only contain one of Check, Put, Update or Delete")
    );
    let err = call(
        &e,
        "TransactWriteItems",
        json!({"TransactItems": [put("accounts", json!({"nokey": s("a")}))]}),
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::ValidationException);
    let too_many: Vec<_> = (0..101)
        .map(|i| put("accounts", json!({"pk": s(&format!("k{i}"))})))
        .collect();
    let err = call(&e, "TransactWriteItems", json!({"TransactItems": too_many})).unwrap_err();
    assert!(
        err.message
            .unwrap()
            .contains("Member must have length less than or equal to 100")
    );
}

#[test]
fn throttling_cancels_with_the_capacity_modes_reason() {
    let (e, _clock) = engine_with_capacity();
    ok(
        &e,
        "CreateTable",
        json!({"TableName": "tight", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}),
    );
    ok(
        &e,
        "CreateTable",
        json!({"TableName": "capped", "BillingMode": "PAY_PER_REQUEST", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "OnDemandThroughput": {"MaxWriteRequestUnits": 2}}),
    );
    // "tight" banks 300 WCU; transactional writes take 2 each: 150 go through, then throttled.
    let mut cancelled = None;
    for i in 0..200 {
        match call(
            &e,
            "TransactWriteItems",
            json!({"TransactItems": [put("tight", json!({"pk": s(&format!("k{i}"))}))]}),
        ) {
            Ok(_) => {}
            Err(err) => {
                cancelled = Some((i, err));
                break;
            }
        }
    }
    let (i, err) = cancelled.expect("the table runs out");
    assert_eq!(i, 150);
    assert_eq!(err.code, ErrorCode::TransactionCanceledException);
    assert_eq!(
        err.cancellation_reasons[0].code,
        "ProvisionedThroughputExceeded"
    );
    // On-demand: ThrottlingError, and only the throttled table's action carries it. A first
    // write larger than the 2 units a second the table may take is served in debt
    // (CapacityConfig::admit_in_debt); the transaction in the same second is not.
    ok(
        &e,
        "PutItem",
        json!({"TableName": "capped", "Item": {"pk": s("first"), "pad": s(&"x".repeat(3000))}}),
    );
    let err = call(
        &e,
        "TransactWriteItems",
        json!({"TransactItems": [
            put("capped", json!({"pk": s("a"), "pad": s(&"x".repeat(3000))})),
            put("tight", json!({"pk": s("z")})),
        ]}),
    )
    .unwrap_err();
    let codes: Vec<&str> = err
        .cancellation_reasons
        .iter()
        .map(|r| r.code.as_str())
        .collect();
    assert_eq!(codes, ["ThrottlingError", "None"]);
}

/// A TransactWriteItems request with a ClientRequestToken that adds `amount` to `pk = a`.
fn add_with_token(token: &str, amount: &str) -> Value {
    json!({"TransactItems": [
        {"Update": {"TableName": "txn", "Key": {"pk": s("a")}, "UpdateExpression": "ADD n :v",
            "ExpressionAttributeValues": {":v": n(amount)}}},
        put("txn", json!({"pk": s("b"), "pad": s(&"x".repeat(5000))})),
    ], "ClientRequestToken": token, "ReturnConsumedCapacity": "INDEXES"})
}

fn n_of(e: &dynolab_engine::Engine) -> Value {
    ok(
        e,
        "GetItem",
        json!({"TableName": "txn", "Key": {"pk": s("a")}}),
    )["Item"]["n"]
        .clone()
}

#[test]
fn a_repeated_client_request_token_applies_once_and_reports_reads() {
    let (e, clock) = crate::support::engine_and_clock();
    table(&e, "txn", false);
    let first = ok(&e, "TransactWriteItems", add_with_token("tok-1", "5"));
    // The first call reports the transactional writes: 2 units for `a`, 2 × 5 KB for `b`.
    assert_eq!(
        first["ConsumedCapacity"][0]["WriteCapacityUnits"],
        json!(12.0)
    );
    assert_eq!(n_of(&e), n("5"));
    // The same request again within ten minutes: same success, nothing re-applied, and
    // ConsumedCapacity in read units for reading the items (a: 1, b at 5 KB: 2).
    clock.advance_micros(9 * 60 * 1_000_000);
    let again = ok(&e, "TransactWriteItems", add_with_token("tok-1", "5"));
    assert_eq!(n_of(&e), n("5"));
    assert_eq!(
        again["ConsumedCapacity"],
        json!([{"TableName": "txn", "CapacityUnits": 3.0, "ReadCapacityUnits": 3.0,
            "Table": {"CapacityUnits": 3.0, "ReadCapacityUnits": 3.0}}])
    );
    // The same token with other parameters is refused with DynamoDB's exception.
    let mismatch = call(&e, "TransactWriteItems", add_with_token("tok-1", "6")).unwrap_err();
    assert_eq!(
        mismatch.code,
        ErrorCode::IdempotentParameterMismatchException
    );
    assert_eq!(
        mismatch.message.as_deref(),
        Some(
            "Specified idempotent token was used with different request parameters within the idempotency window"
        )
    );
    assert_eq!(n_of(&e), n("5"));
    // Ten minutes after the first request completed, the token is forgotten: a new request.
    clock.advance_micros(60 * 1_000_000);
    ok(&e, "TransactWriteItems", add_with_token("tok-1", "6"));
    assert_eq!(n_of(&e), n("11"));
    // A different token is a different request.
    ok(&e, "TransactWriteItems", add_with_token("tok-2", "6"));
    assert_eq!(n_of(&e), n("17"));
}

#[test]
fn a_cancelled_transaction_does_not_use_up_its_token() {
    let e = engine();
    table(&e, "txn", false);
    let guarded = |token: &str| {
        json!({"TransactItems": [
            {"Put": {"TableName": "txn", "Item": {"pk": s("a"), "v": n("1")}, "ConditionExpression": "attribute_exists(pk)"}},
        ], "ClientRequestToken": token})
    };
    let err = call(&e, "TransactWriteItems", guarded("tok")).unwrap_err();
    assert_eq!(err.code, ErrorCode::TransactionCanceledException);
    ok(
        &e,
        "PutItem",
        json!({"TableName": "txn", "Item": {"pk": s("a")}}),
    );
    // The retry with the same token runs (the first attempt did not complete).
    ok(&e, "TransactWriteItems", guarded("tok"));
    assert_eq!(
        ok(
            &e,
            "GetItem",
            json!({"TableName": "txn", "Key": {"pk": s("a")}})
        )["Item"]["v"],
        n("1")
    );
}
