//! `ExclusiveStartKey` on Query and Scan, on the table, a GSI and an LSI: every start key is
//! either resumed from or refused with DynamoDB's ValidationException, never a panic.
//! Expected messages: dynalite's tests, recorded against DynamoDB (test/query.js, "should
//! return ValidationException for ExclusiveStartKey ...").

use serde_json::{Value, json};

use crate::support::{call, engine, ok, s};

const OUTSIDE: &str =
    "The provided starting key is outside query boundaries based on provided conditions";
const PREDICATE: &str = "The provided starting key does not match the range key predicate";
const ONE_ROW: &str = "The query can return at most one row and cannot be restarted";
const SCHEMA: &str =
    "The provided starting key is invalid: The provided key element does not match the schema";
const INVALID: &str = "The provided starting key is invalid";

fn setup(e: &dynolab_engine::Engine) {
    ok(
        e,
        "CreateTable",
        json!({
            "TableName": "tab", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": "a", "AttributeType": "S"}, {"AttributeName": "b", "AttributeType": "S"},
                {"AttributeName": "c", "AttributeType": "S"}, {"AttributeName": "d", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "b", "KeyType": "RANGE"}],
            "LocalSecondaryIndexes": [{"IndexName": "by_c", "KeySchema": [{"AttributeName": "a", "KeyType": "HASH"}, {"AttributeName": "c", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"}}],
            "GlobalSecondaryIndexes": [{"IndexName": "by_cd", "KeySchema": [{"AttributeName": "c", "KeyType": "HASH"}, {"AttributeName": "d", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"}}]
        }),
    );
    for a in ["a", "b"] {
        for b in ["a", "b", "c"] {
            ok(
                e,
                "PutItem",
                json!({"TableName": "tab", "Item": {"a": s(a), "b": s(b), "c": s(a), "d": s(b)}}),
            );
        }
    }
}

/// One Query or Scan and what DynamoDB answers it: `Ok(n)` items, or the message.
struct Case {
    op: &'static str,
    body: Value,
    want: Result<usize, &'static str>,
}

fn query(index: Option<&str>, cond: &str, values: Value, start: Value) -> Value {
    let mut body = json!({"TableName": "tab", "KeyConditionExpression": cond,
        "ExpressionAttributeValues": values, "ExclusiveStartKey": start});
    if let Some(i) = index {
        body["IndexName"] = json!(i);
    }
    body
}

fn cases() -> Vec<Case> {
    let k = |a: &str, b: &str| json!({"a": s(a), "b": s(b)});
    let kc = |a: &str, b: &str, c: &str| json!({"a": s(a), "b": s(b), "c": s(c)});
    let kcd =
        |a: &str, b: &str, c: &str, d: &str| json!({"a": s(a), "b": s(b), "c": s(c), "d": s(d)});
    vec![
        // The table.
        Case {
            op: "Query",
            body: query(None, "a = :a", json!({":a": s("b")}), k("b", "a")),
            want: Ok(2),
        },
        Case {
            op: "Query",
            body: query(None, "a = :a", json!({":a": s("b")}), k("a", "a")),
            want: Err(OUTSIDE),
        },
        Case {
            op: "Query",
            body: query(
                None,
                "a = :a AND b > :b",
                json!({":a": s("b"), ":b": s("a")}),
                k("b", "a"),
            ),
            want: Err(PREDICATE),
        },
        Case {
            op: "Query",
            body: query(
                None,
                "a = :a AND b < :b",
                json!({":a": s("b"), ":b": s("b")}),
                k("a", "a"),
            ),
            want: Err(ONE_ROW),
        },
        Case {
            op: "Query",
            body: query(
                None,
                "a = :a AND b BETWEEN :lo AND :hi",
                json!({":a": s("b"), ":lo": s("a"), ":hi": s("b")}),
                k("b", "a"),
            ),
            want: Ok(1),
        },
        Case {
            op: "Query",
            body: query(
                None,
                "a = :a AND begins_with(b, :p)",
                json!({":a": s("b"), ":p": s("c")}),
                k("b", "a"),
            ),
            want: Err(PREDICATE),
        },
        // Wrong type, missing and extra attributes.
        Case {
            op: "Query",
            body: query(
                None,
                "a = :a",
                json!({":a": s("b")}),
                json!({"a": s("b"), "b": {"N": "1"}}),
            ),
            want: Err(SCHEMA),
        },
        Case {
            op: "Query",
            body: query(None, "a = :a", json!({":a": s("b")}), json!({"a": s("b")})),
            want: Err(SCHEMA),
        },
        Case {
            op: "Query",
            body: query(None, "a = :a", json!({":a": s("b")}), kc("b", "a", "x")),
            want: Err(SCHEMA),
        },
        // The LSI.
        Case {
            op: "Query",
            body: query(
                Some("by_c"),
                "a = :a",
                json!({":a": s("b")}),
                kc("a", "a", "a"),
            ),
            want: Err(OUTSIDE),
        },
        Case {
            op: "Query",
            body: query(
                Some("by_c"),
                "a = :a AND c > :c",
                json!({":a": s("a"), ":c": s("b")}),
                kc("a", "a", "a"),
            ),
            want: Err(PREDICATE),
        },
        Case {
            op: "Query",
            body: query(Some("by_c"), "a = :a", json!({":a": s("a")}), k("a", "a")),
            want: Err(INVALID),
        },
        // The GSI: the panic this file was written for (a start key of another partition).
        Case {
            op: "Query",
            body: query(
                Some("by_cd"),
                "c = :c",
                json!({":c": s("b")}),
                kcd("a", "a", "a", "a"),
            ),
            want: Err(OUTSIDE),
        },
        Case {
            op: "Query",
            body: query(
                Some("by_cd"),
                "c = :c",
                json!({":c": s("a")}),
                kcd("b", "b", "b", "b"),
            ),
            want: Err(OUTSIDE),
        },
        Case {
            op: "Query",
            body: query(
                Some("by_cd"),
                "c = :c AND d > :d",
                json!({":c": s("a"), ":d": s("b")}),
                kcd("a", "a", "a", "a"),
            ),
            want: Err(PREDICATE),
        },
        Case {
            op: "Query",
            body: query(
                Some("by_cd"),
                "c = :c AND d > :d",
                json!({":c": s("a"), ":d": s("b")}),
                kcd("a", "a", "b", "a"),
            ),
            want: Err(PREDICATE),
        },
        Case {
            op: "Query",
            body: query(
                Some("by_cd"),
                "c = :c",
                json!({":c": s("a")}),
                kcd("a", "a", "a", "a"),
            ),
            want: Ok(2),
        },
        Case {
            op: "Query",
            body: query(Some("by_cd"), "c = :c", json!({":c": s("a")}), k("a", "a")),
            want: Err(INVALID),
        },
        // Backwards: the start key bounds the other end.
        Case {
            op: "Query",
            body: {
                let mut b = query(
                    Some("by_cd"),
                    "c = :c",
                    json!({":c": s("b")}),
                    kcd("a", "a", "a", "a"),
                );
                b["ScanIndexForward"] = json!(false);
                b
            },
            want: Err(OUTSIDE),
        },
        // Scan: any key of the table or index resumes; a parallel Scan only inside its segment.
        Case {
            op: "Scan",
            body: json!({"TableName": "tab", "ExclusiveStartKey": k("zz", "zz")}),
            want: Ok(usize::MAX),
        },
        Case {
            op: "Scan",
            body: json!({"TableName": "tab", "IndexName": "by_cd", "ExclusiveStartKey": kcd("q", "q", "q", "q")}),
            want: Ok(usize::MAX),
        },
        Case {
            op: "Scan",
            body: json!({"TableName": "tab", "IndexName": "by_cd", "ExclusiveStartKey": k("a", "a")}),
            want: Err(INVALID),
        },
        Case {
            op: "Scan",
            body: json!({"TableName": "tab", "ExclusiveStartKey": json!({"a": s("a")})}),
            want: Err(SCHEMA),
        },
    ]
}

#[test]
fn start_keys_resume_or_are_refused_with_dynamodbs_messages() {
    let e = engine();
    setup(&e);
    for (i, case) in cases().into_iter().enumerate() {
        let got = call(&e, case.op, case.body.clone());
        match (&case.want, got) {
            (Ok(usize::MAX), Ok(_)) => {}
            (Ok(n), Ok(v)) => assert_eq!(v["Count"], json!(n), "case {i}: {}", case.body),
            (Err(m), Err(e)) => {
                assert_eq!(e.message.as_deref(), Some(*m), "case {i}: {}", case.body)
            }
            (want, got) => panic!("case {i}: {}: want {want:?}, got {got:?}", case.body),
        }
    }
}

#[test]
fn a_parallel_scan_resumes_only_inside_its_segment() {
    let e = engine();
    setup(&e);
    // Find a key in segment 0 of 4 and one outside it, from the segments themselves.
    let seg = |n: u64| {
        ok(
            &e,
            "Scan",
            json!({"TableName": "tab", "Segment": n, "TotalSegments": 4}),
        )["Items"]
            .as_array()
            .unwrap()
            .clone()
    };
    let (inside, outside) = (0..4)
        .map(seg)
        .enumerate()
        .fold((None, None), |(i, o), (n, items)| {
            let first = items.first().cloned();
            if n == 0 { (first, o) } else { (i, o.or(first)) }
        });
    let key = |item: &Value| json!({"a": item["a"], "b": item["b"]});
    let outside = outside.expect("some item lies outside segment 0");
    let err = call(
        &e,
        "Scan",
        json!({"TableName": "tab", "Segment": 0, "TotalSegments": 4, "ExclusiveStartKey": key(&outside)}),
    )
    .unwrap_err();
    assert_eq!(
        err.message.as_deref(),
        Some("The provided Exclusive start key does not map to the provided segment")
    );
    if let Some(inside) = inside {
        ok(
            &e,
            "Scan",
            json!({"TableName": "tab", "Segment": 0, "TotalSegments": 4, "ExclusiveStartKey": key(&inside)}),
        );
    }
}
