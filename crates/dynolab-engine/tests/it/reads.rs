//! Query and Scan: key conditions, order, paging, the 1 MB limit, filters, Select, parallel
//! scan segments, and the legacy KeyConditions / QueryFilter / ScanFilter.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::support::{engine, err, n, ok, s, table};

fn fill(e: &dynolab_engine::Engine) {
    table(e, "tab", true);
    for p in ["a", "b"] {
        for i in 0..10 {
            ok(
                e,
                "PutItem",
                json!({"TableName": "tab", "Item": {"pk": s(p), "sk": s(&format!("s{i:02}")), "v": n(&i.to_string())}}),
            );
        }
    }
}

fn sks(r: &Value) -> Vec<String> {
    r["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["sk"]["S"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn sort_key_conditions_select_the_right_range() {
    let e = engine();
    fill(&e);
    let q = |cond: &str, values: Value| {
        ok(
            &e,
            "Query",
            json!({"TableName": "tab", "KeyConditionExpression": cond, "ExpressionAttributeValues": values}),
        )
    };
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        (
            "pk = :p AND sk = :s",
            json!({":p": s("a"), ":s": s("s03")}),
            vec!["s03"],
        ),
        (
            "pk = :p AND sk < :s",
            json!({":p": s("a"), ":s": s("s02")}),
            vec!["s00", "s01"],
        ),
        (
            "pk = :p AND sk <= :s",
            json!({":p": s("a"), ":s": s("s01")}),
            vec!["s00", "s01"],
        ),
        (
            "pk = :p AND sk > :s",
            json!({":p": s("a"), ":s": s("s08")}),
            vec!["s09"],
        ),
        (
            "pk = :p AND sk >= :s",
            json!({":p": s("a"), ":s": s("s08")}),
            vec!["s08", "s09"],
        ),
        (
            "pk = :p AND sk BETWEEN :x AND :y",
            json!({":p": s("a"), ":x": s("s04"), ":y": s("s06")}),
            vec!["s04", "s05", "s06"],
        ),
        (
            "pk = :p AND begins_with(sk, :x)",
            json!({":p": s("b"), ":x": s("s0")}),
            (0..10)
                .map(|i| {
                    [
                        "s00", "s01", "s02", "s03", "s04", "s05", "s06", "s07", "s08", "s09",
                    ][i]
                })
                .collect(),
        ),
        ("pk = :p", json!({":p": s("zzz")}), vec![]),
    ];
    for (cond, values, want) in cases {
        assert_eq!(sks(&q(cond, values.clone())), want, "{cond} {values}");
    }
}

#[test]
fn limit_and_exclusive_start_key_page_in_both_directions() {
    let e = engine();
    fill(&e);
    for forward in [true, false] {
        let mut seen = Vec::new();
        let mut start: Option<Value> = None;
        loop {
            let mut req = json!({"TableName": "tab", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": s("a")}, "Limit": 3, "ScanIndexForward": forward});
            if let Some(k) = &start {
                req["ExclusiveStartKey"] = k.clone();
            }
            let r = ok(&e, "Query", req);
            seen.extend(sks(&r));
            match r.get("LastEvaluatedKey") {
                Some(k) => start = Some(k.clone()),
                None => break,
            }
        }
        let mut want: Vec<String> = (0..10).map(|i| format!("s{i:02}")).collect();
        if !forward {
            want.reverse();
        }
        assert_eq!(seen, want);
    }
}

#[test]
fn pages_stop_at_one_megabyte_before_filtering() {
    let e = engine();
    table(&e, "big", true);
    let blob = "x".repeat(100 * 1024);
    for i in 0..15 {
        ok(
            &e,
            "PutItem",
            json!({"TableName": "big", "Item": {"pk": s("p"), "sk": s(&format!("{i:02}")), "payload": s(&blob)}}),
        );
    }
    let r = ok(
        &e,
        "Query",
        json!({"TableName": "big", "KeyConditionExpression": "pk = :p", "FilterExpression": "attribute_not_exists(payload)", "ExpressionAttributeValues": {":p": s("p")}, "ReturnConsumedCapacity": "TOTAL"}),
    );
    // 100 KB items: the eleventh crosses 1 MB, so one page evaluates 11 and returns none.
    assert_eq!(r["ScannedCount"], 11);
    assert_eq!(r["Count"], 0);
    assert!(r.get("LastEvaluatedKey").is_some());
    let scan = ok(&e, "Scan", json!({"TableName": "big", "Select": "COUNT"}));
    assert_eq!(scan["ScannedCount"], 11);
}

#[test]
fn filters_projections_and_select() {
    let e = engine();
    fill(&e);
    let r = ok(
        &e,
        "Query",
        json!({"TableName": "tab", "KeyConditionExpression": "pk = :p", "FilterExpression": "v >= :five", "ProjectionExpression": "sk", "ExpressionAttributeValues": {":p": s("a"), ":five": n("5")}}),
    );
    assert_eq!(r["Count"], 5);
    assert_eq!(r["ScannedCount"], 10);
    assert_eq!(r["Items"][0], json!({"sk": s("s05")}));
    let count = ok(
        &e,
        "Query",
        json!({"TableName": "tab", "KeyConditionExpression": "pk = :p", "Select": "COUNT", "ExpressionAttributeValues": {":p": s("a")}}),
    );
    assert!(count.get("Items").is_none());
    assert_eq!(count["Count"], 10);
    let msg = err(
        &e,
        "Query",
        json!({"TableName": "tab", "KeyConditionExpression": "pk = :p", "Select": "ALL_ATTRIBUTES", "ProjectionExpression": "sk", "ExpressionAttributeValues": {":p": s("a")}}),
    );
    assert_eq!(
        msg,
        "1 validation error detected: Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES"
    );
    let msg = err(
        &e,
        "Scan",
        json!({"TableName": "tab", "Select": "SPECIFIC_ATTRIBUTES"}),
    );
    assert_eq!(
        msg,
        "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"
    );
}

#[test]
fn key_condition_errors() {
    let e = engine();
    fill(&e);
    let q = |body: Value| err(&e, "Query", body);
    assert_eq!(
        q(json!({"TableName": "tab"})),
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."
    );
    assert_eq!(
        q(
            json!({"TableName": "tab", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": n("1")}})
        ),
        "One or more parameter values were invalid: Condition parameter type does not match schema type"
    );
    assert!(q(json!({"TableName": "tab", "KeyConditionExpression": "sk = :p", "ExpressionAttributeValues": {":p": s("1")}})).contains("Query condition missed key schema element: pk"));
    assert!(q(json!({"TableName": "tab", "IndexName": "nope", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": s("1")}})).contains("The table does not have the specified index: nope"));
}

#[test]
fn parallel_scan_segments_partition_the_table() {
    let e = engine();
    table(&e, "tab", false);
    for i in 0..200 {
        ok(
            &e,
            "PutItem",
            json!({"TableName": "tab", "Item": {"pk": s(&format!("k{i}"))}}),
        );
    }
    let mut all = BTreeSet::new();
    let mut total = 0;
    for segment in 0..4 {
        let r = ok(
            &e,
            "Scan",
            json!({"TableName": "tab", "Segment": segment, "TotalSegments": 4}),
        );
        let keys: Vec<String> = r["Items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["pk"]["S"].as_str().unwrap().to_string())
            .collect();
        assert!(
            !keys.is_empty(),
            "segment {segment} is empty: the hash spreads keys"
        );
        total += keys.len();
        all.extend(keys);
    }
    assert_eq!(total, 200);
    assert_eq!(all.len(), 200);
    let msg = err(
        &e,
        "Scan",
        json!({"TableName": "tab", "Segment": 4, "TotalSegments": 4}),
    );
    assert!(
        msg.starts_with(
            "The Segment parameter is zero-based and must be less than parameter TotalSegments"
        ),
        "{msg}"
    );
}

#[test]
fn legacy_key_conditions_and_filters() {
    let e = engine();
    fill(&e);
    let r = ok(
        &e,
        "Query",
        json!({
            "TableName": "tab",
            "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [s("b")]}, "sk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [s("s0")]}},
            "QueryFilter": {"v": {"ComparisonOperator": "LT", "AttributeValueList": [n("3")]}},
            "AttributesToGet": ["sk"]
        }),
    );
    assert_eq!(sks(&r), vec!["s00", "s01", "s02"]);
    let r = ok(
        &e,
        "Scan",
        json!({"TableName": "tab", "ScanFilter": {"v": {"ComparisonOperator": "IN", "AttributeValueList": [n("1"), n("2")]}}}),
    );
    assert_eq!(r["Count"], 4);
}

#[test]
fn gsi_queries_and_consistency_rules() {
    let e = engine();
    ok(
        &e,
        "CreateTable",
        json!({
            "TableName": "gsi_t", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "gk", "AttributeType": "S"}, {"AttributeName": "gs", "AttributeType": "N"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "GlobalSecondaryIndexes": [{"IndexName": "idx", "KeySchema": [{"AttributeName": "gk", "KeyType": "HASH"}, {"AttributeName": "gs", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["extra"]}}]
        }),
    );
    for i in 0..6 {
        ok(
            &e,
            "PutItem",
            json!({"TableName": "gsi_t", "Item": {"pk": s(&format!("k{i}")), "gk": s("same"), "gs": n(&(10 - i).to_string()), "extra": s("e"), "hidden": s("h")}}),
        );
    }
    let r = ok(
        &e,
        "Query",
        json!({"TableName": "gsi_t", "IndexName": "idx", "KeyConditionExpression": "gk = :g AND gs > :lo", "ExpressionAttributeValues": {":g": s("same"), ":lo": n("6")}}),
    );
    let gs: Vec<&str> = r["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["gs"]["N"].as_str().unwrap())
        .collect();
    assert_eq!(gs, ["7", "8", "9", "10"], "numbers sort by value, not text");
    assert!(
        r["Items"][0].get("hidden").is_none(),
        "INCLUDE projects only named attributes"
    );
    assert_eq!(r["Items"][0]["extra"], s("e"));
    let msg = err(
        &e,
        "Query",
        json!({"TableName": "gsi_t", "IndexName": "idx", "ConsistentRead": true, "KeyConditionExpression": "gk = :g", "ExpressionAttributeValues": {":g": s("same")}}),
    );
    assert_eq!(
        msg,
        "Consistent reads are not supported on global secondary indexes"
    );
    let msg = err(
        &e,
        "Query",
        json!({"TableName": "gsi_t", "IndexName": "idx", "Select": "ALL_ATTRIBUTES", "KeyConditionExpression": "gk = :g", "ExpressionAttributeValues": {":g": s("same")}}),
    );
    assert_eq!(
        msg,
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index idx because its projection type is not ALL"
    );
    // Changing the index key moves the entry; removing it takes the item out of the index.
    ok(
        &e,
        "UpdateItem",
        json!({"TableName": "gsi_t", "Key": {"pk": s("k0")}, "UpdateExpression": "SET gk = :o", "ExpressionAttributeValues": {":o": s("other")}}),
    );
    ok(
        &e,
        "UpdateItem",
        json!({"TableName": "gsi_t", "Key": {"pk": s("k1")}, "UpdateExpression": "REMOVE gk"}),
    );
    let r = ok(
        &e,
        "Query",
        json!({"TableName": "gsi_t", "IndexName": "idx", "KeyConditionExpression": "gk = :g", "ExpressionAttributeValues": {":g": s("same")}}),
    );
    assert_eq!(r["Count"], 4);
    let msg = err(
        &e,
        "PutItem",
        json!({"TableName": "gsi_t", "Item": {"pk": s("x"), "gk": n("1")}}),
    );
    assert_eq!(
        msg,
        "One or more parameter values were invalid: Type mismatch for Index Key gk Expected: S Actual: N IndexName: idx"
    );
}

/// A COUNT without a filter reads stored sizes only (issue 15); its pages, counts and capacity
/// must be exactly those of the same read returning the items.
#[test]
fn count_pages_match_item_pages() {
    let e = engine();
    table(&e, "cnt", true);
    for i in 0..40 {
        ok(
            &e,
            "PutItem",
            json!({"TableName": "cnt", "Item": {"pk": s(&format!("p{}", i % 3)), "sk": s(&format!("s{i:03}")), "v": s(&"x".repeat(i * 50))}}),
        );
    }
    for (op, extra) in [
        ("Scan", json!({})),
        (
            "Query",
            json!({"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": s("p1")}}),
        ),
        (
            "Query",
            json!({"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": s("p2")}, "ScanIndexForward": false}),
        ),
    ] {
        for limit in [None, Some(4)] {
            let mut start: Option<Value> = None;
            loop {
                let page = |select: &str| {
                    let mut body = extra.clone();
                    body["TableName"] = json!("cnt");
                    body["Select"] = json!(select);
                    body["ReturnConsumedCapacity"] = json!("TOTAL");
                    if let Some(l) = limit {
                        body["Limit"] = json!(l);
                    }
                    if let Some(k) = &start {
                        body["ExclusiveStartKey"] = k.clone();
                    }
                    ok(&e, op, body)
                };
                let count = page("COUNT");
                let all = page("ALL_ATTRIBUTES");
                for field in [
                    "Count",
                    "ScannedCount",
                    "LastEvaluatedKey",
                    "ConsumedCapacity",
                ] {
                    assert_eq!(
                        count.get(field),
                        all.get(field),
                        "{op} {extra} {limit:?} {field}"
                    );
                }
                match all.get("LastEvaluatedKey") {
                    Some(k) => start = Some(k.clone()),
                    None => break,
                }
            }
        }
    }
}
