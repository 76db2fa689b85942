//! Consumed capacity exactly as DynamoDB computes it (dynamodb-facts §4): rounding, consistency,
//! Query summing before rounding, BatchGetItem rounding per item, writes on the larger item,
//! index writes 0/1/2, failed conditions still charged, TOTAL and INDEXES shapes.

use serde_json::{Value, json};

use crate::support::{engine, err, n, ok, s, table};

fn units(r: &Value) -> f64 {
    r["ConsumedCapacity"]["CapacityUnits"].as_f64().unwrap()
}

/// An item whose total size is `bytes` (pk "k" + attribute "p" + padding).
fn sized(pk: &str, bytes: usize) -> Value {
    json!({"pk": s(pk), "p": s(&"x".repeat(bytes - 2 - pk.len() - 1))})
}

#[test]
fn reads_round_up_to_4kb_and_halve_when_eventual() {
    let e = engine();
    table(&e, "tab", false);
    ok(
        &e,
        "PutItem",
        json!({"TableName": "tab", "Item": sized("a", 3584)}),
    );
    ok(
        &e,
        "PutItem",
        json!({"TableName": "tab", "Item": sized("b", 10 * 1024)}),
    );
    let get = |k: &str, consistent: bool| {
        units(&ok(
            &e,
            "GetItem",
            json!({"TableName": "tab", "Key": {"pk": s(k)}, "ConsistentRead": consistent, "ReturnConsumedCapacity": "TOTAL"}),
        ))
    };
    assert_eq!(get("a", true), 1.0);
    assert_eq!(get("a", false), 0.5);
    assert_eq!(get("b", true), 3.0);
    assert_eq!(get("b", false), 1.5);
    assert_eq!(
        get("missing", true),
        1.0,
        "a missing item still costs a read"
    );
}

#[test]
fn writes_use_the_larger_of_old_and_new() {
    let e = engine();
    table(&e, "tab", false);
    let put = |item: Value| {
        units(&ok(
            &e,
            "PutItem",
            json!({"TableName": "tab", "Item": item, "ReturnConsumedCapacity": "TOTAL"}),
        ))
    };
    assert_eq!(put(sized("a", 1638)), 2.0);
    assert_eq!(
        put(sized("a", 500)),
        2.0,
        "replacing a 1.6 KB item with a small one costs the larger"
    );
    assert_eq!(put(sized("a", 500)), 1.0);
    let update = ok(
        &e,
        "UpdateItem",
        json!({"TableName": "tab", "Key": {"pk": s("a")}, "UpdateExpression": "SET big = :b", "ExpressionAttributeValues": {":b": s(&"y".repeat(3000))}, "ReturnConsumedCapacity": "TOTAL"}),
    );
    assert_eq!(units(&update), 4.0);
    let del = ok(
        &e,
        "DeleteItem",
        json!({"TableName": "tab", "Key": {"pk": s("a")}, "ReturnConsumedCapacity": "TOTAL"}),
    );
    assert_eq!(units(&del), 4.0);
}

#[test]
fn failed_conditions_are_still_charged() {
    let e = engine();
    table(&e, "tab", false);
    ok(
        &e,
        "PutItem",
        json!({"TableName": "tab", "Item": sized("a", 2500)}),
    );
    let before = ok(
        &e,
        "GetItem",
        json!({"TableName": "tab", "Key": {"pk": s("a")}}),
    );
    let msg = err(
        &e,
        "PutItem",
        json!({"TableName": "tab", "Item": sized("a", 100), "ConditionExpression": "attribute_not_exists(pk)"}),
    );
    assert_eq!(msg, "The conditional request failed");
    assert_eq!(
        ok(
            &e,
            "GetItem",
            json!({"TableName": "tab", "Key": {"pk": s("a")}})
        ),
        before
    );
}

#[test]
fn query_sums_sizes_before_rounding_and_batch_get_rounds_each_item() {
    let e = engine();
    table(&e, "tab", true);
    for i in 0..10 {
        ok(
            &e,
            "PutItem",
            json!({"TableName": "tab", "Item": {"pk": s("p"), "sk": s(&format!("{i}")), "pad": s(&"z".repeat(1000))}}),
        );
    }
    // Ten items of ~1 KB: 10 KB summed → 12 KB → 3 RCU (strong), where per-item rounding would be 10.
    let q = ok(
        &e,
        "Query",
        json!({"TableName": "tab", "KeyConditionExpression": "pk = :p", "ConsistentRead": true, "ExpressionAttributeValues": {":p": s("p")}, "ReturnConsumedCapacity": "TOTAL"}),
    );
    assert_eq!(units(&q), 3.0);
    let keys: Vec<_> = (0..10)
        .map(|i| json!({"pk": s("p"), "sk": s(&i.to_string())}))
        .collect();
    let b = ok(
        &e,
        "BatchGetItem",
        json!({"RequestItems": {"tab": {"Keys": keys, "ConsistentRead": true}}, "ReturnConsumedCapacity": "TOTAL"}),
    );
    assert_eq!(b["ConsumedCapacity"][0]["CapacityUnits"], 10.0);
    assert_eq!(b["ConsumedCapacity"][0]["TableName"], "tab");
    let empty = ok(
        &e,
        "Query",
        json!({"TableName": "tab", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": s("none")}, "ReturnConsumedCapacity": "TOTAL"}),
    );
    assert_eq!(
        units(&empty),
        0.5,
        "an empty query still costs one eventually consistent read"
    );
}

#[test]
fn batch_write_rounds_each_item_first() {
    let e = engine();
    table(&e, "tab", false);
    let r = ok(
        &e,
        "BatchWriteItem",
        json!({"RequestItems": {"tab": [
        {"PutRequest": {"Item": sized("a", 500)}},
        {"PutRequest": {"Item": sized("b", 3584)}}
    ]}, "ReturnConsumedCapacity": "TOTAL"}),
    );
    assert_eq!(r["ConsumedCapacity"][0]["CapacityUnits"], 5.0);
}

#[test]
fn index_writes_cost_zero_one_or_two() {
    let e = engine();
    ok(
        &e,
        "CreateTable",
        json!({
            "TableName": "gsi_t", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "gk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "GlobalSecondaryIndexes": [{"IndexName": "idx", "KeySchema": [{"AttributeName": "gk", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}]
        }),
    );
    let write = |body: Value, op: &str| {
        let mut body = body;
        body["TableName"] = json!("gsi_t");
        body["ReturnConsumedCapacity"] = json!("INDEXES");
        ok(&e, op, body)["ConsumedCapacity"].clone()
    };
    let c = write(json!({"Item": {"pk": s("a"), "gk": s("x")}}), "PutItem");
    assert_eq!(
        c,
        json!({"TableName": "gsi_t", "CapacityUnits": 2.0, "WriteCapacityUnits": 2.0, "Table": {"CapacityUnits": 1.0, "WriteCapacityUnits": 1.0}, "GlobalSecondaryIndexes": {"idx": {"CapacityUnits": 1.0, "WriteCapacityUnits": 1.0}}})
    );
    // A non-projected attribute changes: no index write.
    let c = write(
        json!({"Key": {"pk": s("a")}, "UpdateExpression": "SET note1 = :v", "ExpressionAttributeValues": {":v": n("1")}}),
        "UpdateItem",
    );
    assert!(c.get("GlobalSecondaryIndexes").is_none(), "{c}");
    // The index key changes: delete + put.
    let c = write(
        json!({"Key": {"pk": s("a")}, "UpdateExpression": "SET gk = :v", "ExpressionAttributeValues": {":v": s("y")}}),
        "UpdateItem",
    );
    assert_eq!(c["GlobalSecondaryIndexes"]["idx"]["CapacityUnits"], 2.0);
    // The index key is removed: one delete.
    let c = write(
        json!({"Key": {"pk": s("a")}, "UpdateExpression": "REMOVE gk"}),
        "UpdateItem",
    );
    assert_eq!(c["GlobalSecondaryIndexes"]["idx"]["CapacityUnits"], 1.0);
    // Not in the index before or after.
    let c = write(json!({"Item": {"pk": s("b")}}), "PutItem");
    assert_eq!(c["CapacityUnits"], 1.0);
    // TOTAL carries no breakdown.
    let total = ok(
        &e,
        "PutItem",
        json!({"TableName": "gsi_t", "Item": {"pk": s("c"), "gk": s("z")}, "ReturnConsumedCapacity": "TOTAL"}),
    );
    assert_eq!(
        total["ConsumedCapacity"],
        json!({"TableName": "gsi_t", "CapacityUnits": 2.0, "WriteCapacityUnits": 2.0})
    );
}

#[test]
fn lsi_writes_are_charged_and_reported() {
    let e = engine();
    ok(
        &e,
        "CreateTable",
        json!({
            "TableName": "lsi_t", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}, {"AttributeName": "alt", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "LocalSecondaryIndexes": [{"IndexName": "lsi", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "alt", "KeyType": "RANGE"}], "Projection": {"ProjectionType": "ALL"}}]
        }),
    );
    let r = ok(
        &e,
        "PutItem",
        json!({"TableName": "lsi_t", "Item": {"pk": s("a"), "sk": s("1"), "alt": s("z")}, "ReturnConsumedCapacity": "INDEXES", "ReturnItemCollectionMetrics": "SIZE"}),
    );
    assert_eq!(
        r["ConsumedCapacity"]["LocalSecondaryIndexes"]["lsi"]["CapacityUnits"],
        1.0
    );
    assert_eq!(r["ConsumedCapacity"]["CapacityUnits"], 2.0);
    assert_eq!(
        r["ItemCollectionMetrics"]["ItemCollectionKey"],
        json!({"pk": s("a")})
    );
    let q = ok(
        &e,
        "Query",
        json!({"TableName": "lsi_t", "IndexName": "lsi", "KeyConditionExpression": "pk = :p AND alt = :z", "ExpressionAttributeValues": {":p": s("a"), ":z": s("z")}, "ReturnConsumedCapacity": "INDEXES"}),
    );
    assert_eq!(q["Count"], 1);
    assert_eq!(
        q["ConsumedCapacity"]["LocalSecondaryIndexes"]["lsi"]["CapacityUnits"],
        0.5
    );
}
