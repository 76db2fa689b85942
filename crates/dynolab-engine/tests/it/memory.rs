//! `EngineConfig::max_memory` (`serve --max-memory`): past the ceiling, writes that add data
//! are refused before anything is applied; reads and deletes go on; a restart has every item
//! that was acknowledged. The socket test is crates/dynolab-cli/tests/it/memory.rs.

use std::sync::Arc;

use dynolab_clock::{Timestamp, VirtualClock};
use dynolab_engine::{Engine, EngineConfig};
use dynolab_model::ErrorCode;
use serde_json::{Value, json};

use crate::support::{call, ok, table};

fn put(engine: &Engine, i: usize) -> Result<Value, dynolab_model::ApiError> {
    call(
        engine,
        "PutItem",
        json!({"TableName": "mem", "Item": {"pk": {"S": format!("k{i:05}")}, "v": {"S": "x".repeat(200)}}}),
    )
}

fn count(engine: &Engine) -> u64 {
    ok(
        engine,
        "Scan",
        json!({"TableName": "mem", "Select": "COUNT"}),
    )["Count"]
        .as_u64()
        .unwrap_or(0)
}

#[test]
fn a_full_engine_refuses_writes_that_add_data_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let clock = VirtualClock::new(Timestamp::from_secs(1_700_000_000));
    let open = |max_memory| {
        let config = EngineConfig {
            data_dir: Some(dir.path().to_path_buf()),
            capacity: None,
            max_memory,
            ..EngineConfig::default()
        };
        Engine::open(config, Arc::new(clock.clone())).unwrap()
    };
    let acknowledged = {
        let engine = open(Some(20_000));
        table(&engine, "mem", false);
        let mut acknowledged = 0;
        let refusal = loop {
            match put(&engine, acknowledged) {
                Ok(_) => acknowledged += 1,
                Err(e) => break e,
            }
            assert!(acknowledged < 1_000, "never refused");
        };
        // About 20 KB of ~260-byte entries: the ceiling is what stopped it.
        assert!((50..120).contains(&acknowledged), "{acknowledged}");
        assert!(engine.memory_bytes() >= 20_000);
        assert_eq!(refusal.code, ErrorCode::ValidationException);
        let message = refusal.message.clone().unwrap_or_default();
        assert!(message.contains("--max-memory"), "{message}");
        // Nothing of the refused write was applied.
        assert_eq!(count(&engine), acknowledged as u64);
        let refused_key = json!({"pk": {"S": format!("k{acknowledged:05}")}});
        let got = ok(
            &engine,
            "GetItem",
            json!({"TableName": "mem", "Key": refused_key}),
        );
        assert!(got.get("Item").is_none());
        // Every other way of adding data is refused too.
        for (op, body) in [
            (
                "UpdateItem",
                json!({"TableName": "mem", "Key": {"pk": {"S": "k00000"}}, "UpdateExpression": "SET w = :w", "ExpressionAttributeValues": {":w": {"S": "y"}}}),
            ),
            (
                "BatchWriteItem",
                json!({"RequestItems": {"mem": [{"PutRequest": {"Item": {"pk": {"S": "new"}}}}]}}),
            ),
            (
                "TransactWriteItems",
                json!({"TransactItems": [{"Put": {"TableName": "mem", "Item": {"pk": {"S": "new"}}}}]}),
            ),
            (
                "ExecuteStatement",
                json!({"Statement": "INSERT INTO mem VALUE {'pk': 'new'}"}),
            ),
            (
                "CreateBackup",
                json!({"TableName": "mem", "BackupName": "b"}),
            ),
        ] {
            let e = call(&engine, op, body).expect_err(op);
            assert_eq!(e.code, ErrorCode::ValidationException, "{op}");
        }
        // Reads go on.
        let got = ok(
            &engine,
            "GetItem",
            json!({"TableName": "mem", "Key": {"pk": {"S": "k00001"}}}),
        );
        assert_eq!(got["Item"]["pk"]["S"], "k00001");
        ok(
            &engine,
            "ExecuteStatement",
            json!({"Statement": "SELECT * FROM mem WHERE pk = 'k00002'"}),
        );
        // Deletes go on, and free room for writes again.
        for i in 0..10 {
            ok(
                &engine,
                "DeleteItem",
                json!({"TableName": "mem", "Key": {"pk": {"S": format!("k{i:05}")}}}),
            );
        }
        put(&engine, 100_000).expect("a write fits again after deletes");
        acknowledged - 10 + 1
    };
    // A restart (without a ceiling) has every acknowledged item, and counts them again.
    let engine = open(None);
    assert_eq!(count(&engine), acknowledged as u64);
    assert!(engine.memory_bytes() > 15_000);
}
