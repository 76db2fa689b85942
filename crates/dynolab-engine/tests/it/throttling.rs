//! Throttling through the API, on a virtual clock: the right exception and ThrottlingReasons per
//! cause, GSI back-pressure, batches that return unprocessed work, and recovery as time moves.

use dynolab_model::ErrorCode;
use serde_json::{Value, json};

use crate::support::{call, engine_with_capacity, ok, s};

fn provisioned(
    engine: &dynolab_engine::Engine,
    name: &str,
    rcu: u64,
    wcu: u64,
    gsi_wcu: Option<u64>,
) {
    let mut body = json!({
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "ProvisionedThroughput": {"ReadCapacityUnits": rcu, "WriteCapacityUnits": wcu}
    });
    if let Some(g) = gsi_wcu {
        body["AttributeDefinitions"]
            .as_array_mut()
            .unwrap()
            .push(json!({"AttributeName": "gk", "AttributeType": "S"}));
        body["GlobalSecondaryIndexes"] = json!([{"IndexName": "byG", "KeySchema": [{"AttributeName": "gk", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"}, "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": g}}]);
    }
    ok(engine, "CreateTable", body);
}

fn put(
    engine: &dynolab_engine::Engine,
    table: &str,
    item: Value,
) -> Result<Value, dynolab_model::ApiError> {
    call(engine, "PutItem", json!({"TableName": table, "Item": item}))
}

#[test]
fn provisioned_capacity_and_burst_run_out_then_refill() {
    let (e, clock) = engine_with_capacity();
    provisioned(&e, "prov", 5, 5, None);
    // 300 s of 5 WCU is banked. At 500 one-unit writes per second (under the partition's
    // 1,000), burst lasts 1,500 / (500 - 5) ≈ 3.03 s, about 1,515 writes.
    let mut written = 0;
    let err = loop {
        match put(&e, "prov", json!({"pk": s(&format!("k{written}"))})) {
            Ok(_) => written += 1,
            Err(err) => break err,
        }
        clock.advance_micros(2_000);
    };
    assert!(
        (1_505..=1_525).contains(&written),
        "{written} writes before throttling"
    );
    assert_eq!(err.code, ErrorCode::ProvisionedThroughputExceededException);
    assert_eq!(
        err.message.as_deref(),
        Some(
            "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."
        )
    );
    assert_eq!(
        err.throttling_reasons,
        vec![(
            "TableWriteProvisionedThroughputExceeded".to_string(),
            "arn:aws:dynamodb:us-east-1:000000000000:table/prov".to_string()
        )]
    );
    let key = format!("k{written}");
    assert_eq!(
        ok(
            &e,
            "GetItem",
            json!({"TableName": "prov", "Key": {"pk": s(&key)}})
        ),
        json!({}),
        "a throttled write writes nothing"
    );
    // Two seconds later, 10 units have refilled.
    clock.advance_micros(2_000_000);
    for i in 0..10 {
        put(&e, "prov", json!({"pk": s(&format!("later{i}"))})).unwrap();
    }
    assert!(put(&e, "prov", json!({"pk": s("later-too-many")})).is_err());
}

#[test]
fn a_hot_key_hits_its_partition_cap_while_the_table_has_capacity() {
    let (e, clock) = engine_with_capacity();
    provisioned(&e, "hot", 10, 5_000, None);
    let item = |i: usize| json!({"pk": s("USER#premium"), "pad": s(&"x".repeat(900 + i % 2))});
    // One key: its partition banks one second (1,000 WCU), then throttles on its key range.
    let mut written = 0;
    let err = loop {
        match put(&e, "hot", item(written)) {
            Ok(_) => written += 1,
            Err(err) => break err,
        }
    };
    assert_eq!(written, 1_000);
    assert_eq!(err.code, ErrorCode::ProvisionedThroughputExceededException);
    assert_eq!(
        err.throttling_reasons[0].0,
        "TableWriteKeyRangeThroughputExceeded"
    );
    // Other keys still write: the table has 5,000 WCU and they live on other partitions.
    let mut others = 0;
    for i in 0..200 {
        if put(&e, "hot", json!({"pk": s(&format!("USER#{i}"))})).is_ok() {
            others += 1;
        }
    }
    assert!(
        others > 150,
        "{others} of 200 writes to other keys succeeded"
    );
    clock.advance_micros(1_000_000);
    assert!(
        put(&e, "hot", item(0)).is_ok(),
        "the hot key recovers as its partition refills"
    );
}

#[test]
fn an_under_provisioned_gsi_throttles_base_table_writes() {
    let (e, _clock) = engine_with_capacity();
    provisioned(&e, "gsit", 100, 1_000, Some(1));
    // The GSI banks 300 × 1 WCU.
    for i in 0..300 {
        put(&e, "gsit", json!({"pk": s(&format!("k{i}")), "gk": s("x")})).unwrap();
    }
    let err = put(&e, "gsit", json!({"pk": s("k300"), "gk": s("x")})).unwrap_err();
    assert_eq!(err.code, ErrorCode::ProvisionedThroughputExceededException);
    assert_eq!(
        err.throttling_reasons,
        vec![(
            "IndexWriteProvisionedThroughputExceeded".to_string(),
            "arn:aws:dynamodb:us-east-1:000000000000:table/gsit/index/byG".to_string()
        )]
    );
    assert!(err.message.unwrap().contains("global secondary indexes"));
    // Items that do not touch the index are not held back by it.
    put(&e, "gsit", json!({"pk": s("no-index-key")})).unwrap();
}

#[test]
fn batch_writes_return_throttled_items_as_unprocessed() {
    let (e, _clock) = engine_with_capacity();
    provisioned(&e, "batch", 5, 1, None);
    // 300 banked WCU: 290 single writes, then a batch of 25 gets 10 through.
    for i in 0..290 {
        put(&e, "batch", json!({"pk": s(&format!("k{i}"))})).unwrap();
    }
    let requests: Vec<_> = (0..25)
        .map(|i| json!({"PutRequest": {"Item": {"pk": s(&format!("b{i}"))}}}))
        .collect();
    let r = ok(
        &e,
        "BatchWriteItem",
        json!({"RequestItems": {"batch": requests}}),
    );
    assert_eq!(r["UnprocessedItems"]["batch"].as_array().unwrap().len(), 15);
    // Every request throttled: the batch fails.
    let requests: Vec<_> = (0..5)
        .map(|i| json!({"PutRequest": {"Item": {"pk": s(&format!("c{i}"))}}}))
        .collect();
    let err = call(
        &e,
        "BatchWriteItem",
        json!({"RequestItems": {"batch": requests}}),
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::ProvisionedThroughputExceededException);
    // Reads: a batch get on a drained read budget.
    // 99 keys per batch against 1,500 banked RCU: the 16th batch is only partly served.
    let keys: Vec<_> = (0..99)
        .map(|i| json!({"pk": s(&format!("k{i}"))}))
        .collect();
    let mut unprocessed_seen = false;
    for _ in 0..40 {
        match call(
            &e,
            "BatchGetItem",
            json!({"RequestItems": {"batch": {"Keys": keys.clone(), "ConsistentRead": true}}}),
        ) {
            Ok(r) if r["UnprocessedKeys"].get("batch").is_some() => unprocessed_seen = true,
            Ok(_) => {}
            Err(err) => {
                assert_eq!(err.code, ErrorCode::ProvisionedThroughputExceededException);
                break;
            }
        }
    }
    assert!(unprocessed_seen);
}

#[test]
fn on_demand_maximum_throughput_answers_throttling_exception() {
    let (e, _clock) = engine_with_capacity();
    ok(
        &e,
        "CreateTable",
        json!({
            "TableName": "capped", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "OnDemandThroughput": {"MaxWriteRequestUnits": 5}
        }),
    );
    for i in 0..5 {
        put(&e, "capped", json!({"pk": s(&format!("k{i}"))})).unwrap();
    }
    let err = put(&e, "capped", json!({"pk": s("k5")})).unwrap_err();
    assert_eq!(err.code, ErrorCode::ThrottlingException);
    assert_eq!(
        err.message.as_deref(),
        Some("Throughput exceeds the maximum OnDemandThroughput configured on table or index")
    );
    assert_eq!(
        err.throttling_reasons[0].0,
        "TableWriteMaxOnDemandThroughputExceeded"
    );
}

#[test]
fn reads_throttle_too() {
    let (e, clock) = engine_with_capacity();
    provisioned(&e, "reads", 1, 5, None);
    put(&e, "reads", json!({"pk": s("a")})).unwrap();
    // 300 banked RCU: 600 eventually consistent reads of a small item.
    for _ in 0..600 {
        ok(
            &e,
            "GetItem",
            json!({"TableName": "reads", "Key": {"pk": s("a")}}),
        );
    }
    let err = call(
        &e,
        "GetItem",
        json!({"TableName": "reads", "Key": {"pk": s("a")}}),
    )
    .unwrap_err();
    assert_eq!(
        err.throttling_reasons[0].0,
        "TableReadProvisionedThroughputExceeded"
    );
    clock.advance_micros(1_000_000);
    ok(
        &e,
        "Query",
        json!({"TableName": "reads", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": s("a")}}),
    );
}

#[test]
fn the_per_table_quota_answers_request_limit_exceeded() {
    // Warmed far beyond the default 40,000 units/s quota, the table still stops at the quota.
    let (e, _clock) = engine_with_capacity();
    ok(
        &e,
        "CreateTable",
        json!({
            "TableName": "quota", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "WarmThroughput": {"ReadUnitsPerSecond": 12_000, "WriteUnitsPerSecond": 100_000}
        }),
    );
    // 400 KB items are 400 WRU each: the 101st in one instant passes 40,000. Each write goes
    // to its own partition (the warmed table has 128), so no partition cap is reached first.
    let pad = s(&"x".repeat(400 * 1024 - 20));
    let mut used = std::collections::HashSet::new();
    let mut keys = (0..).map(|n| format!("k{n}")).filter(move |k| {
        let hash =
            dynolab_model::partition::partition_hash(&dynolab_model::AttributeValue::S(k.clone()));
        used.insert(hash >> 57)
    });
    let mut written = 0;
    let err = loop {
        let key = keys.next().expect("one key per partition");
        match put(&e, "quota", json!({"pk": s(&key), "v": pad.clone()})) {
            Ok(_) => written += 1,
            Err(err) => break err,
        }
    };
    assert_eq!(written, 100, "{err:?}");
    assert_eq!(err.code, ErrorCode::RequestLimitExceeded);
    assert_eq!(
        err.throttling_reasons[0].0,
        "TableWriteAccountLimitExceeded"
    );
}

/// A 4 MB transaction (100 items of about 40 KB: 8,000 write units, transactional) on a new
/// on-demand table, whose limits have 4,000 a second: DynamoDB serves it (issue 12). A request
/// larger than what is left is admitted while no limit it touches is exhausted, and charged in
/// full; the debt then holds the next requests back until refill repays it
/// (docs/design/capacity-model.md, "Requests larger than what is left").
#[test]
fn a_request_larger_than_what_is_left_is_served_and_charged_in_full() {
    let (e, clock) = engine_with_capacity();
    ok(
        &e,
        "CreateTable",
        json!({"TableName": "big", "BillingMode": "PAY_PER_REQUEST",
               "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
               "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}),
    );
    let blob = "x".repeat(40_000);
    let transaction = |round: usize| {
        let items: Vec<Value> = (0..100)
            .map(|i| json!({"Put": {"TableName": "big", "Item": {"pk": s(&format!("r{round}-{i}")), "data": s(&blob)}}}))
            .collect();
        call(
            &e,
            "TransactWriteItems",
            json!({"TransactItems": items, "ReturnConsumedCapacity": "TOTAL"}),
        )
    };
    let first = transaction(0).expect("the 4 MB transaction is served");
    assert_eq!(first["ConsumedCapacity"][0]["CapacityUnits"], 8_000.0);
    // The same second: every limit it touched is in debt.
    let err = transaction(1).unwrap_err();
    assert_eq!(err.code, ErrorCode::TransactionCanceledException);
    // Once refill has repaid the debt, the next one is served too.
    clock.advance_micros(3_000_000);
    transaction(2).expect("served again once the debt is repaid");
}
