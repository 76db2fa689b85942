//! The message table (`tests/messages/cases.json`, issue 12): every row is one request that
//! DynamoDB refuses, with the exact `__type` and message it answers and where that answer was
//! recorded (a row with `"service": "streams"` is a DynamoDB Streams request). The same rows run
//! over a socket with boto3 in `tests/python/test_messages.py` and with the AWS SDK for Rust in
//! `crates/dynolab-cli/tests/it/messages.rs`.
//!
//! Method: create the file's tables, send every row in process, and collect every row whose
//! answer differs before asserting, so one failure lists them all. A row with a `gap` is a
//! known difference (listed in docs/COMPAT.md, "Known message gaps"): it must still differ, so
//! a fix shows up here as a row to promote.

use serde_json::Value;

use crate::support::{call, engine, ok, streams};

const CASES: &str = include_str!("../../../../tests/messages/cases.json");

/// A row's outcome: `None` when the answer is the expected one, else what came back.
fn mismatch(e: &dynolab_engine::Engine, row: &Value) -> Option<String> {
    let op = row["op"].as_str().unwrap_or_default();
    let want_type = row["type"].as_str().unwrap_or_default();
    let want_message = row["message"].as_str().unwrap_or_default();
    let request = row["request"].clone();
    let answer = match row["service"].as_str() {
        Some("streams") => streams(e, op, request),
        _ => call(e, op, request),
    };
    match answer {
        Ok(answer) => Some(format!("succeeded: {answer}")),
        Err(err) => {
            let got_type = err.code.type_name().rsplit('#').next().unwrap_or_default();
            let got_message = err.message.unwrap_or_default();
            (got_type != want_type || got_message != want_message)
                .then(|| format!("{got_type}: {got_message}"))
        }
    }
}

#[test]
fn every_sourced_message_matches() {
    let file: Value = serde_json::from_str(CASES).expect("cases.json is JSON");
    let e = engine();
    for table in file["tables"].as_array().expect("tables") {
        ok(&e, "CreateTable", table.clone());
    }
    let rows = file["cases"].as_array().expect("cases");
    assert!(rows.len() >= 150, "only {} rows", rows.len());
    let mut failures = Vec::new();
    let mut fixed_gaps = Vec::new();
    for row in rows {
        let id = row["id"].as_str().unwrap_or_default();
        assert!(
            row["source"].as_str().is_some_and(|s| !s.is_empty()),
            "{id} has no source"
        );
        match (mismatch(&e, row), row.get("gap")) {
            (Some(got), None) => failures.push(format!(
                "{id} ({})\n  expected {}: {}\n  got      {got}",
                row["op"], row["type"], row["message"]
            )),
            (None, Some(_)) => fixed_gaps.push(id.to_string()),
            _ => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows differ:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
    assert!(
        fixed_gaps.is_empty(),
        "rows marked as gaps now match; drop their `gap` (and the COMPAT.md entry): {fixed_gaps:?}"
    );
}

#[test]
fn row_ids_are_unique_and_rows_are_complete() {
    let file: Value = serde_json::from_str(CASES).expect("cases.json is JSON");
    let mut seen = std::collections::HashSet::new();
    for row in file["cases"].as_array().expect("cases") {
        let id = row["id"].as_str().expect("id");
        assert!(seen.insert(id.to_string()), "duplicate id {id}");
        for field in ["op", "type", "message", "source"] {
            assert!(row[field].is_string(), "{id}: {field} missing");
        }
        assert!(row["request"].is_object(), "{id}: request is not an object");
    }
}

/// Operations no request can make fail: they take no parameters and ignore unknown members.
const NOTHING_TO_REFUSE: &[&str] = &["DescribeEndpoints", "DescribeLimits"];

/// Issue 12: the table covers every operation (DynamoDB's and DynamoDB Streams').
#[test]
fn every_operation_has_rows() {
    let file: Value = serde_json::from_str(CASES).expect("cases.json is JSON");
    let rows = file["cases"].as_array().expect("cases");
    let count = |op: &str, service: Option<&str>| {
        rows.iter()
            .filter(|r| r["op"] == op && r["service"].as_str() == service)
            .count()
    };
    let missing: Vec<&str> = dynolab_engine::OPERATIONS
        .iter()
        .filter(|op| !NOTHING_TO_REFUSE.contains(op) && count(op, None) == 0)
        .chain(
            dynolab_engine::streams::OPERATIONS
                .iter()
                .filter(|op| count(op, Some("streams")) == 0),
        )
        .copied()
        .collect();
    assert!(missing.is_empty(), "operations without rows: {missing:?}");
    let e = engine();
    for op in NOTHING_TO_REFUSE {
        assert_eq!(
            count(op, None),
            0,
            "{op} has rows: drop it from NOTHING_TO_REFUSE"
        );
        ok(&e, op, serde_json::json!({"Unknown": [1, {"x": null}]}));
    }
}
