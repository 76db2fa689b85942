//! CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable, DescribeLimits.

use serde_json::json;

use crate::support::{engine, err, ok, s, table};

fn key_schema() -> serde_json::Value {
    json!([{"AttributeName": "pk", "KeyType": "HASH"}])
}

#[test]
fn create_table_validation_messages() {
    let e = engine();
    let defs = json!([{"AttributeName": "pk", "AttributeType": "S"}]);
    let cases = [
        (
            json!({"TableName": "tab", "AttributeDefinitions": defs, "KeySchema": key_schema()}),
            "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
        ),
        (
            json!({"TableName": "tab", "AttributeDefinitions": defs, "KeySchema": key_schema(), "BillingMode": "PAY_PER_REQUEST", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}),
            "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
        ),
        (
            json!({"TableName": "tab", "AttributeDefinitions": defs, "KeySchema": [{"AttributeName": "x", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}),
            "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [x], AttributeDefinitions: [pk]",
        ),
        (
            json!({"TableName": "tab", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"}], "KeySchema": key_schema(), "BillingMode": "PAY_PER_REQUEST"}),
            "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
        ),
        (
            json!({"TableName": "tab", "AttributeDefinitions": defs, "KeySchema": [{"AttributeName": "pk", "KeyType": "RANGE"}], "BillingMode": "PAY_PER_REQUEST"}),
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
        ),
        (
            json!({"TableName": "ab", "AttributeDefinitions": defs, "KeySchema": key_schema()}),
            "TableName must be at least 3 characters long and at most 255 characters long",
        ),
        (
            json!({"TableName": "tab", "AttributeDefinitions": defs, "KeySchema": key_schema(), "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 1}}),
            "1 validation error detected: Value '0' at 'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must have value greater than or equal to 1",
        ),
        (
            json!({"TableName": "tab", "AttributeDefinitions": defs, "KeySchema": key_schema(), "BillingMode": "PAY_PER_REQUEST",
                "LocalSecondaryIndexes": [{"IndexName": "lsi", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]}),
            "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
        ),
    ];
    for (body, want) in cases {
        assert_eq!(err(&e, "CreateTable", body.clone()), want, "{body}");
    }
    assert!(err(&e, "DescribeTable", json!({"TableName": "tab"})).contains("not found"));
}

#[test]
fn list_tables_paginates_in_name_order() {
    let e = engine();
    for name in ["ccc", "aaa", "bbb", "ddd"] {
        table(&e, name, false);
    }
    let page = ok(&e, "ListTables", json!({"Limit": 3}));
    assert_eq!(
        page,
        json!({"TableNames": ["aaa", "bbb", "ccc"], "LastEvaluatedTableName": "ccc"})
    );
    let page = ok(&e, "ListTables", json!({"ExclusiveStartTableName": "ccc"}));
    assert_eq!(page, json!({"TableNames": ["ddd"]}));
    let all = ok(&e, "ListTables", json!({}));
    assert_eq!(all["TableNames"].as_array().unwrap().len(), 4);
}

#[test]
fn describe_table_reports_counts_and_keys() {
    let e = engine();
    table(&e, "tab", true);
    for i in 0..3 {
        ok(
            &e,
            "PutItem",
            json!({"TableName": "tab", "Item": {"pk": s("a"), "sk": s(&i.to_string()), "v": s("xyz")}}),
        );
    }
    let d = ok(&e, "DescribeTable", json!({"TableName": "tab"}));
    let t = &d["Table"];
    assert_eq!(t["ItemCount"], 3);
    // pk(2+1) + sk(2+1) + v(1+3) = 10 bytes per item.
    assert_eq!(t["TableSizeBytes"], 30);
    assert_eq!(t["TableStatus"], "ACTIVE");
    assert_eq!(
        t["KeySchema"][1],
        json!({"AttributeName": "sk", "KeyType": "RANGE"})
    );
    assert_eq!(
        t["TableArn"],
        "arn:aws:dynamodb:us-east-1:000000000000:table/tab"
    );
    assert_eq!(t["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST");
}

#[test]
fn update_table_adds_a_backfilled_gsi_and_removes_it() {
    let e = engine();
    table(&e, "tab", false);
    for i in 0..10 {
        let mut item = json!({"pk": s(&format!("k{i}"))});
        if i % 2 == 0 {
            item["g"] = s(if i < 5 { "low" } else { "high" });
        }
        ok(&e, "PutItem", json!({"TableName": "tab", "Item": item}));
    }
    ok(
        &e,
        "UpdateTable",
        json!({
            "TableName": "tab",
            "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
            "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "byg", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}}]
        }),
    );
    let d = ok(&e, "DescribeTable", json!({"TableName": "tab"}));
    assert_eq!(
        d["Table"]["GlobalSecondaryIndexes"][0]["ItemCount"], 5,
        "sparse: only items with g"
    );
    let low = ok(
        &e,
        "Query",
        json!({"TableName": "tab", "IndexName": "byg", "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": s("low")}}),
    );
    assert_eq!(low["Count"], 3);
    assert_eq!(
        low["Items"][0].as_object().unwrap().len(),
        2,
        "KEYS_ONLY projects table and index keys"
    );
    ok(
        &e,
        "UpdateTable",
        json!({"TableName": "tab", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "byg"}}]}),
    );
    let msg = err(
        &e,
        "Query",
        json!({"TableName": "tab", "IndexName": "byg", "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": s("low")}}),
    );
    assert_eq!(msg, "The table does not have the specified index: byg");
}

#[test]
fn update_table_billing_and_throughput() {
    let e = engine();
    ok(
        &e,
        "CreateTable",
        json!({"TableName": "prov", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "KeySchema": key_schema(), "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}),
    );
    let msg = err(
        &e,
        "UpdateTable",
        json!({"TableName": "prov", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}),
    );
    assert!(
        msg.starts_with("The provisioned throughput for the table will not change."),
        "{msg}"
    );
    let d = ok(
        &e,
        "UpdateTable",
        json!({"TableName": "prov", "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 2}}),
    );
    let pt = &d["TableDescription"]["ProvisionedThroughput"];
    assert_eq!(
        (
            pt["ReadCapacityUnits"].as_u64(),
            pt["WriteCapacityUnits"].as_u64(),
            pt["NumberOfDecreasesToday"].as_u64()
        ),
        (Some(10), Some(2), Some(1))
    );
    let d = ok(
        &e,
        "UpdateTable",
        json!({"TableName": "prov", "BillingMode": "PAY_PER_REQUEST"}),
    );
    assert_eq!(
        d["TableDescription"]["BillingModeSummary"]["BillingMode"],
        "PAY_PER_REQUEST"
    );
    let msg = err(&e, "UpdateTable", json!({"TableName": "prov"}));
    assert!(
        msg.starts_with("At least one of ProvisionedThroughput"),
        "{msg}"
    );
}

#[test]
fn delete_table_respects_deletion_protection() {
    let e = engine();
    ok(
        &e,
        "CreateTable",
        json!({"TableName": "keep", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "KeySchema": key_schema(), "BillingMode": "PAY_PER_REQUEST", "DeletionProtectionEnabled": true}),
    );
    let msg = err(&e, "DeleteTable", json!({"TableName": "keep"}));
    assert!(msg.contains("protected against deletion"), "{msg}");
    ok(
        &e,
        "UpdateTable",
        json!({"TableName": "keep", "DeletionProtectionEnabled": false}),
    );
    let d = ok(&e, "DeleteTable", json!({"TableName": "keep"}));
    assert_eq!(d["TableDescription"]["TableStatus"], "DELETING");
    assert!(err(&e, "DeleteTable", json!({"TableName": "keep"})).contains("not found"));
}

#[test]
fn describe_limits_and_endpoints() {
    let e = engine();
    let l = ok(&e, "DescribeLimits", json!({}));
    assert_eq!(l["TableMaxWriteCapacityUnits"], 40000);
    let ep = ok(&e, "DescribeEndpoints", json!({}));
    assert_eq!(ep["Endpoints"][0]["CachePeriodInMinutes"], 1440);
}

#[test]
fn switching_to_on_demand_is_limited_to_four_times_a_day() {
    let (e, clock) = crate::support::engine_with_capacity();
    ok(
        &e,
        "CreateTable",
        json!({"TableName": "modes", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "KeySchema": key_schema(), "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}),
    );
    let to_provisioned = json!({"TableName": "modes", "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}});
    for _ in 0..4 {
        ok(
            &e,
            "UpdateTable",
            json!({"TableName": "modes", "BillingMode": "PAY_PER_REQUEST"}),
        );
        ok(&e, "UpdateTable", to_provisioned.clone());
    }
    let err = crate::support::call(
        &e,
        "UpdateTable",
        json!({"TableName": "modes", "BillingMode": "PAY_PER_REQUEST"}),
    )
    .unwrap_err();
    assert_eq!(err.code, dynolab_model::ErrorCode::LimitExceededException);
    // Back to provisioned is always allowed; a day later the switch is allowed again.
    clock.advance_micros(86_400 * 1_000_000);
    ok(
        &e,
        "UpdateTable",
        json!({"TableName": "modes", "BillingMode": "PAY_PER_REQUEST"}),
    );
}
