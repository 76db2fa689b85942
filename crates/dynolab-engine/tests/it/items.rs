//! PutItem, GetItem, UpdateItem, DeleteItem and the batch writes: behaviour and validation.

use serde_json::json;

use crate::support::{engine, err, n, ok, s, table};

#[test]
fn put_get_delete_round_trip_with_every_type() {
    let e = engine();
    table(&e, "tab", false);
    let item = json!({
        "pk": s("k"), "n": n("1.50"), "b": {"B": "AAEC"}, "t": {"BOOL": true}, "z": {"NULL": true},
        "l": {"L": [s("a"), n("2")]}, "m": {"M": {"in": {"SS": ["x", "y"]}}}, "ns": {"NS": ["1", "2"]}, "bs": {"BS": ["AA=="]}
    });
    ok(&e, "PutItem", json!({"TableName": "tab", "Item": item}));
    let got = ok(
        &e,
        "GetItem",
        json!({"TableName": "tab", "Key": {"pk": s("k")}}),
    );
    assert_eq!(got["Item"]["n"], n("1.5"), "numbers come back canonical");
    assert_eq!(got["Item"]["m"], item["m"]);
    assert_eq!(got["Item"]["b"], item["b"]);
    let projected = ok(
        &e,
        "GetItem",
        json!({"TableName": "tab", "Key": {"pk": s("k")}, "ProjectionExpression": "l[1], m.#i", "ExpressionAttributeNames": {"#i": "in"}}),
    );
    assert_eq!(
        projected["Item"],
        json!({"l": {"L": [n("2")]}, "m": {"M": {"in": {"SS": ["x", "y"]}}}})
    );
    let old = ok(
        &e,
        "DeleteItem",
        json!({"TableName": "tab", "Key": {"pk": s("k")}, "ReturnValues": "ALL_OLD"}),
    );
    assert_eq!(old["Attributes"]["pk"], s("k"));
    assert_eq!(
        ok(
            &e,
            "GetItem",
            json!({"TableName": "tab", "Key": {"pk": s("k")}})
        ),
        json!({})
    );
}

#[test]
fn item_validation_messages() {
    let e = engine();
    table(&e, "tab", true);
    let cases = [
        (
            json!({"TableName": "tab", "Item": {"pk": s("a")}}),
            "One or more parameter values were invalid: Missing the key sk in the item",
        ),
        (
            json!({"TableName": "tab", "Item": {"pk": n("1"), "sk": s("a")}}),
            "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N",
        ),
        (
            json!({"TableName": "tab", "Item": {"pk": s(""), "sk": s("a")}}),
            "One or more parameter values were invalid: The AttributeValue for a key attribute cannot contain an empty string value. Key: pk",
        ),
        (
            json!({"TableName": "tab", "Item": {"pk": s("a"), "sk": s("b"), "x": {"SS": []}}}),
            "One or more parameter values were invalid: An string set  may not be empty",
        ),
        (
            json!({"TableName": "tab", "Item": {"pk": s("a"), "sk": s("b"), "x": {"N": "1e200"}}}),
            "Number overflow. Attempting to store a number with magnitude larger than supported range",
        ),
        (
            json!({"TableName": "tab", "Item": {"pk": s("a"), "sk": s("b")}, "ReturnValues": "ALL_NEW"}),
            "ReturnValues can only be ALL_OLD or NONE",
        ),
        (
            json!({"TableName": "tab", "Item": {"pk": s("a"), "sk": s("b"), "big": s(&"x".repeat(400 * 1024))}}),
            "Item size has exceeded the maximum allowed size",
        ),
        (
            json!({"TableName": "tab", "Item": {"pk": s(&"x".repeat(2049)), "sk": s("b")}}),
            "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes",
        ),
        (
            json!({"TableName": "tab", "Item": {"pk": s("a"), "sk": s("b")}, "ConditionExpression": "attribute_exists(pk)", "Expected": {"pk": {"Exists": false}}}),
            "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}",
        ),
        (
            json!({"TableName": "tab", "Item": {"pk": s("a"), "sk": s("b")}, "ExpressionAttributeValues": {":v": s("x")}}),
            "ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null",
        ),
        (
            json!({"TableName": "tab", "Item": {"pk": s("a"), "sk": s("b")}, "ConditionExpression": "a = :v", "ExpressionAttributeValues": {":v": s("x"), ":w": s("y")}}),
            "Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}",
        ),
        (
            json!({"TableName": "nope", "Item": {"pk": s("a"), "sk": s("b")}}),
            "Requested resource not found",
        ),
    ];
    for (body, want) in cases {
        assert_eq!(err(&e, "PutItem", body.clone()), want, "{body}");
    }
    let msg = err(
        &e,
        "GetItem",
        json!({"TableName": "tab", "Key": {"pk": s("a")}}),
    );
    assert_eq!(msg, "The provided key element does not match the schema");
    // Nothing above was written.
    assert_eq!(ok(&e, "Scan", json!({"TableName": "tab"}))["Count"], 0);
}

#[test]
fn conditions_guard_writes() {
    let e = engine();
    table(&e, "tab", false);
    ok(
        &e,
        "PutItem",
        json!({"TableName": "tab", "Item": {"pk": s("a"), "v": n("1")}, "ConditionExpression": "attribute_not_exists(pk)"}),
    );
    let msg = err(
        &e,
        "PutItem",
        json!({"TableName": "tab", "Item": {"pk": s("a"), "v": n("2")}, "ConditionExpression": "attribute_not_exists(pk)"}),
    );
    assert_eq!(msg, "The conditional request failed");
    ok(
        &e,
        "PutItem",
        json!({"TableName": "tab", "Item": {"pk": s("a"), "v": n("2")}, "ConditionExpression": "v = :one", "ExpressionAttributeValues": {":one": n("1")}}),
    );
    // Legacy Expected works the same way.
    let msg = err(
        &e,
        "DeleteItem",
        json!({"TableName": "tab", "Key": {"pk": s("a")}, "Expected": {"v": {"Value": n("1")}}}),
    );
    assert_eq!(msg, "The conditional request failed");
    ok(
        &e,
        "DeleteItem",
        json!({"TableName": "tab", "Key": {"pk": s("a")}, "Expected": {"v": {"ComparisonOperator": "EQ", "AttributeValueList": [n("2")]}}}),
    );
    assert_eq!(
        ok(
            &e,
            "GetItem",
            json!({"TableName": "tab", "Key": {"pk": s("a")}})
        ),
        json!({})
    );
}

#[test]
fn update_item_expressions_and_return_values() {
    let e = engine();
    table(&e, "tab", false);
    let r = ok(
        &e,
        "UpdateItem",
        json!({
            "TableName": "tab", "Key": {"pk": s("a")},
            "UpdateExpression": "SET c = if_not_exists(c, :zero) + :one, l = list_append(if_not_exists(l, :empty), :x) ADD tags :t",
            "ExpressionAttributeValues": {":zero": n("0"), ":one": n("1"), ":empty": {"L": []}, ":x": {"L": [s("x")]}, ":t": {"SS": ["red"]}},
            "ReturnValues": "ALL_NEW"
        }),
    );
    assert_eq!(
        r["Attributes"],
        json!({"pk": s("a"), "c": n("1"), "l": {"L": [s("x")]}, "tags": {"SS": ["red"]}})
    );
    let r = ok(
        &e,
        "UpdateItem",
        json!({
            "TableName": "tab", "Key": {"pk": s("a")}, "UpdateExpression": "REMOVE l DELETE tags :t SET c = c + :one",
            "ExpressionAttributeValues": {":t": {"SS": ["red"]}, ":one": n("1")}, "ReturnValues": "UPDATED_OLD"
        }),
    );
    assert_eq!(
        r["Attributes"],
        json!({"c": n("1"), "l": {"L": [s("x")]}, "tags": {"SS": ["red"]}})
    );
    let got = ok(
        &e,
        "GetItem",
        json!({"TableName": "tab", "Key": {"pk": s("a")}}),
    );
    assert_eq!(got["Item"], json!({"pk": s("a"), "c": n("2")}));
    let msg = err(
        &e,
        "UpdateItem",
        json!({"TableName": "tab", "Key": {"pk": s("a")}, "UpdateExpression": "SET pk = :v", "ExpressionAttributeValues": {":v": s("b")}}),
    );
    assert_eq!(
        msg,
        "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key"
    );
    let msg = err(
        &e,
        "UpdateItem",
        json!({"TableName": "tab", "Key": {"pk": s("a")}, "UpdateExpression": "SET x = gone1 + :v", "ExpressionAttributeValues": {":v": n("1")}}),
    );
    assert_eq!(
        msg,
        "The provided expression refers to an attribute that does not exist in the item"
    );
    // Legacy AttributeUpdates.
    ok(
        &e,
        "UpdateItem",
        json!({"TableName": "tab", "Key": {"pk": s("a")}, "AttributeUpdates": {"c": {"Action": "ADD", "Value": n("10")}, "name": {"Value": s("z")}}}),
    );
    let got = ok(
        &e,
        "GetItem",
        json!({"TableName": "tab", "Key": {"pk": s("a")}}),
    );
    assert_eq!(got["Item"]["c"], n("12"));
    assert_eq!(got["Item"]["name"], s("z"));
}

#[test]
fn update_item_creates_missing_items() {
    let e = engine();
    table(&e, "tab", true);
    ok(
        &e,
        "UpdateItem",
        json!({"TableName": "tab", "Key": {"pk": s("a"), "sk": s("b")}}),
    );
    let got = ok(
        &e,
        "GetItem",
        json!({"TableName": "tab", "Key": {"pk": s("a"), "sk": s("b")}}),
    );
    assert_eq!(got["Item"], json!({"pk": s("a"), "sk": s("b")}));
}

#[test]
fn batch_write_validates_everything_before_writing() {
    let e = engine();
    table(&e, "tab", false);
    let puts: Vec<_> = (0..25)
        .map(|i| json!({"PutRequest": {"Item": {"pk": s(&format!("k{i}"))}}}))
        .collect();
    ok(&e, "BatchWriteItem", json!({"RequestItems": {"tab": puts}}));
    assert_eq!(
        ok(&e, "Scan", json!({"TableName": "tab", "Select": "COUNT"}))["Count"],
        25
    );
    let too_many: Vec<_> = (0..26)
        .map(|i| json!({"DeleteRequest": {"Key": {"pk": s(&format!("k{i}"))}}}))
        .collect();
    let msg = err(
        &e,
        "BatchWriteItem",
        json!({"RequestItems": {"tab": too_many}}),
    );
    assert!(
        msg.contains("Member must have length less than or equal to 25"),
        "{msg}"
    );
    let bad = json!({"RequestItems": {"tab": [
        {"DeleteRequest": {"Key": {"pk": s("k0")}}},
        {"PutRequest": {"Item": {"nope": s("x")}}}
    ]}});
    assert!(err(&e, "BatchWriteItem", bad).contains("Missing the key pk"));
    let dup = json!({"RequestItems": {"tab": [{"DeleteRequest": {"Key": {"pk": s("k1")}}}, {"DeleteRequest": {"Key": {"pk": s("k1")}}}]}});
    assert_eq!(
        err(&e, "BatchWriteItem", dup),
        "Provided list of item keys contains duplicates"
    );
    assert_eq!(
        ok(&e, "Scan", json!({"TableName": "tab", "Select": "COUNT"}))["Count"],
        25,
        "no request of a bad batch applied"
    );
}

#[test]
fn batch_get_returns_items_and_checks_limits() {
    let e = engine();
    table(&e, "tab", false);
    for i in 0..5 {
        ok(
            &e,
            "PutItem",
            json!({"TableName": "tab", "Item": {"pk": s(&format!("k{i}")), "v": n(&i.to_string())}}),
        );
    }
    let keys: Vec<_> = (0..7).map(|i| json!({"pk": s(&format!("k{i}"))})).collect();
    let r = ok(
        &e,
        "BatchGetItem",
        json!({"RequestItems": {"tab": {"Keys": keys, "ProjectionExpression": "v"}}}),
    );
    assert_eq!(r["Responses"]["tab"].as_array().unwrap().len(), 5);
    assert!(
        r["Responses"]["tab"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i.as_object().unwrap().len() == 1)
    );
    let keys: Vec<_> = (0..101)
        .map(|i| json!({"pk": s(&format!("k{i}"))}))
        .collect();
    let msg = err(
        &e,
        "BatchGetItem",
        json!({"RequestItems": {"tab": {"Keys": keys}}}),
    );
    assert!(
        msg.contains("Member must have length less than or equal to 100")
            || msg == "Too many items requested for the BatchGetItem call",
        "{msg}"
    );
    let dup = json!({"RequestItems": {"tab": {"Keys": [{"pk": s("k1")}, {"pk": s("k1")}]}}});
    assert_eq!(
        err(&e, "BatchGetItem", dup),
        "Provided list of item keys contains duplicates"
    );
}

#[test]
fn durable_engine_reloads_items_and_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let config = dynolab_engine::EngineConfig {
        data_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let clock = std::sync::Arc::new(dynolab_clock::SystemClock);
    {
        let e = dynolab_engine::Engine::open(config.clone(), clock.clone()).unwrap();
        ok(
            &e,
            "CreateTable",
            json!({
                "TableName": "dur", "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "N"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "GlobalSecondaryIndexes": [{"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]
            }),
        );
        for i in 0..20 {
            ok(
                &e,
                "PutItem",
                json!({"TableName": "dur", "Item": {"pk": s(&format!("k{i}")), "g": n(&(i % 2).to_string())}}),
            );
        }
        ok(
            &e,
            "DeleteItem",
            json!({"TableName": "dur", "Key": {"pk": s("k0")}}),
        );
    }
    let e = dynolab_engine::Engine::open(config, clock).unwrap();
    assert_eq!(
        ok(&e, "Scan", json!({"TableName": "dur", "Select": "COUNT"}))["Count"],
        19
    );
    let evens = ok(
        &e,
        "Query",
        json!({"TableName": "dur", "IndexName": "byg", "KeyConditionExpression": "g = :z", "ExpressionAttributeValues": {":z": n("0")}}),
    );
    assert_eq!(evens["Count"], 9);
}
