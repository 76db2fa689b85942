//! Time to Live: UpdateTimeToLive / DescribeTimeToLive rules and messages, and the TTL service
//! deleting expired items from the table and its indexes on the engine's tick, without
//! consuming capacity.

use dynolab_engine::{Engine, EngineConfig, Lifecycle};
use dynolab_model::ErrorCode;
use serde_json::{Value, json};

use crate::support::{call, engine_with, err, n, ok, s};

/// 1_700_000_000 s, where the support clock starts.
const T0: i64 = 1_700_000_000;

fn config(lifecycle: Lifecycle) -> EngineConfig {
    EngineConfig {
        capacity: None,
        lifecycle,
        ..EngineConfig::default()
    }
}

/// A table `sessions` keyed by `pk` with a GSI `by_user` on `user`.
fn sessions(e: &Engine) {
    ok(
        e,
        "CreateTable",
        json!({"TableName": "sessions", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "user", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "GlobalSecondaryIndexes": [{"IndexName": "by_user", "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}}]}),
    );
}

fn ttl(e: &Engine, attribute: &str, enabled: bool) -> Result<Value, dynolab_model::ApiError> {
    call(
        e,
        "UpdateTimeToLive",
        json!({"TableName": "sessions", "TimeToLiveSpecification": {"AttributeName": attribute, "Enabled": enabled}}),
    )
}

fn described(e: &Engine) -> Value {
    ok(e, "DescribeTimeToLive", json!({"TableName": "sessions"}))["TimeToLiveDescription"].clone()
}

fn put(e: &Engine, pk: &str, expires: Value) {
    ok(
        e,
        "PutItem",
        json!({"TableName": "sessions", "Item": {"pk": s(pk), "user": s("u1"), "expires": expires}}),
    );
}

fn keys_in_table(e: &Engine) -> Vec<String> {
    let mut keys: Vec<String> = ok(e, "Scan", json!({"TableName": "sessions"}))["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["pk"]["S"].as_str().unwrap().to_string())
        .collect();
    keys.sort();
    keys
}

fn keys_in_index(e: &Engine) -> Vec<String> {
    let mut keys: Vec<String> = ok(
        e,
        "Query",
        json!({"TableName": "sessions", "IndexName": "by_user", "KeyConditionExpression": "#u = :u",
            "ExpressionAttributeNames": {"#u": "user"}, "ExpressionAttributeValues": {":u": s("u1")}}),
    )["Items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["pk"]["S"].as_str().unwrap().to_string())
        .collect();
    keys.sort();
    keys
}

#[test]
fn update_and_describe_follow_dynamodbs_rules() {
    let (e, clock) = engine_with(config(Lifecycle::default()));
    sessions(&e);
    assert_eq!(described(&e), json!({"TimeToLiveStatus": "DISABLED"}));
    assert_eq!(
        err(
            &e,
            "UpdateTimeToLive",
            json!({"TableName": "sessions", "TimeToLiveSpecification": {"AttributeName": "expires", "Enabled": false}})
        ),
        "TimeToLive is already disabled"
    );
    assert_eq!(
        ttl(&e, "expires", true).unwrap(),
        json!({"TimeToLiveSpecification": {"AttributeName": "expires", "Enabled": true}})
    );
    assert_eq!(
        described(&e),
        json!({"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"})
    );
    for (attribute, enabled, message) in [
        ("expires", true, "TimeToLive is already enabled"),
        (
            "other",
            true,
            "TimeToLive is active on a different AttributeName: current AttributeName is expires",
        ),
        (
            "other",
            false,
            "TimeToLive is active on a different AttributeName: current AttributeName is expires",
        ),
    ] {
        let e2 = ttl(&e, attribute, enabled).unwrap_err();
        assert_eq!(e2.code, ErrorCode::ValidationException);
        assert_eq!(e2.message.unwrap(), message);
    }
    // Another change within an hour of the last one is refused, as DynamoDB documents.
    assert_eq!(
        ttl(&e, "expires", false).unwrap_err().message.unwrap(),
        "Time to live has been modified multiple times within a fixed interval"
    );
    clock.advance_micros(3_600_000_000);
    ttl(&e, "expires", false).unwrap();
    assert_eq!(described(&e), json!({"TimeToLiveStatus": "DISABLED"}));
    let missing = call(&e, "DescribeTimeToLive", json!({"TableName": "nope"})).unwrap_err();
    assert_eq!(missing.code, ErrorCode::ResourceNotFoundException);
    assert_eq!(
        missing.message.unwrap(),
        "Requested resource not found: Table: nope not found"
    );
    let shape = call(
        &e,
        "UpdateTimeToLive",
        json!({"TableName": "sessions", "TimeToLiveSpecification": {"AttributeName": ""}}),
    )
    .unwrap_err();
    assert_eq!(shape.code, ErrorCode::ValidationException);
}

#[test]
fn enabling_and_disabling_take_the_configured_time() {
    let (e, clock) = engine_with(config(Lifecycle {
        ttl_transition_secs: 60,
        ttl_cooldown_secs: 0,
        ..Lifecycle::default()
    }));
    sessions(&e);
    ttl(&e, "expires", true).unwrap();
    assert_eq!(
        described(&e),
        json!({"TimeToLiveStatus": "ENABLING", "AttributeName": "expires"})
    );
    // No change while the previous one is in progress.
    assert_eq!(
        ttl(&e, "expires", false).unwrap_err().message.unwrap(),
        "Time to live has been modified multiple times within a fixed interval"
    );
    // Nothing is deleted while ENABLING.
    put(&e, "old", n(&(T0 - 3600).to_string()));
    clock.advance_micros(59_000_000);
    e.tick();
    assert_eq!(described(&e)["TimeToLiveStatus"], "ENABLING");
    assert_eq!(keys_in_table(&e), ["old"]);
    clock.advance_micros(1_000_000);
    e.tick();
    assert_eq!(described(&e)["TimeToLiveStatus"], "ENABLED");
    ttl(&e, "expires", false).unwrap();
    assert_eq!(described(&e)["TimeToLiveStatus"], "DISABLING");
    clock.advance_micros(60_000_000);
    e.tick();
    assert_eq!(described(&e), json!({"TimeToLiveStatus": "DISABLED"}));
}

#[test]
fn expired_items_disappear_from_table_and_index_on_the_tick_without_capacity() {
    let (e, clock) = engine_with(config(Lifecycle {
        ttl_delay_secs: 30,
        ..Lifecycle::default()
    }));
    sessions(&e);
    ttl(&e, "expires", true).unwrap();
    put(&e, "past", n(&(T0 - 10).to_string()));
    put(&e, "soon", n(&(T0 + 100).to_string()));
    put(&e, "fraction", n(&format!("{}.5", T0 + 100)));
    put(&e, "string-ttl", s(&(T0 - 10).to_string()));
    put(&e, "ancient", n(&(T0 - 6 * 365 * 86_400).to_string()));
    put(&e, "never", json!({"NULL": true}));
    let all = ["ancient", "fraction", "never", "past", "soon", "string-ttl"];
    let writes_billed = |e: &Engine| -> Vec<f64> {
        e.cost_report()["tables"]["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["write_request_units"].as_f64().unwrap())
            .collect()
    };
    let bill = writes_billed(&e);

    // Expired 10 s ago: still readable until the delay has passed, as in DynamoDB.
    e.tick();
    assert_eq!(keys_in_table(&e), all);
    let got = ok(
        &e,
        "GetItem",
        json!({"TableName": "sessions", "Key": {"pk": s("past")}}),
    );
    assert_eq!(got["Item"]["pk"], s("past"));
    clock.advance_micros(20_000_000);
    e.tick();
    assert_eq!(
        keys_in_table(&e),
        ["ancient", "fraction", "never", "soon", "string-ttl"]
    );
    assert_eq!(
        keys_in_index(&e),
        ["ancient", "fraction", "never", "soon", "string-ttl"]
    );

    // Expiry is the attribute's time plus the delay, in whole seconds.
    clock.advance_micros(110_000_000);
    e.tick();
    assert_eq!(
        keys_in_table(&e),
        ["ancient", "fraction", "never", "string-ttl"]
    );
    clock.advance_micros(1_000_000);
    e.tick();
    // A TTL over five years in the past, a String and a NULL are left alone.
    assert_eq!(keys_in_table(&e), ["ancient", "never", "string-ttl"]);
    assert_eq!(keys_in_index(&e), ["ancient", "never", "string-ttl"]);
    let described = ok(&e, "DescribeTable", json!({"TableName": "sessions"}));
    assert_eq!(described["Table"]["ItemCount"], 3);
    assert_eq!(
        described["Table"]["GlobalSecondaryIndexes"][0]["ItemCount"],
        3
    );

    // No capacity: no write on the bill, no consumed write units, but the deletions counted.
    assert_eq!(bill, [6.0, 6.0]);
    assert_eq!(writes_billed(&e), bill);
    let metric = |name: &str| {
        dynolab_engine::cloudwatch::call(
            &e,
            "GetMetricStatistics",
            &json!({"Namespace": "AWS/DynamoDB", "MetricName": name,
                "Dimensions": [{"Name": "TableName", "Value": "sessions"}],
                "StartTime": T0 - 3600, "EndTime": T0 + 3600, "Period": 7200, "Statistics": ["Sum"]}),
        )
        .unwrap()["Datapoints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["Sum"].as_f64().unwrap())
            .sum::<f64>()
    };
    assert_eq!(metric("TimeToLiveDeletedItemCount"), 3.0);
    // Six puts of 1 unit each, before any deletion; the deletions added none.
    assert_eq!(metric("ConsumedWriteCapacityUnits"), 6.0);
}

#[test]
fn an_update_that_moves_the_ttl_is_followed() {
    let (e, clock) = engine_with(config(Lifecycle {
        ttl_delay_secs: 0,
        ..Lifecycle::default()
    }));
    sessions(&e);
    put(&e, "a", n(&(T0 + 5).to_string()));
    // Enabling TTL picks up items written before.
    ttl(&e, "expires", true).unwrap();
    ok(
        &e,
        "UpdateItem",
        json!({"TableName": "sessions", "Key": {"pk": s("a")}, "UpdateExpression": "SET expires = :t",
            "ExpressionAttributeValues": {":t": n(&(T0 + 500).to_string())}}),
    );
    clock.advance_micros(10_000_000);
    e.tick();
    assert_eq!(keys_in_table(&e), ["a"]);
    clock.advance_micros(500_000_000);
    e.tick();
    assert!(keys_in_table(&e).is_empty());
}

#[test]
fn partiql_writes_are_followed_by_the_ttl_service() {
    let (e, clock) = engine_with(config(Lifecycle {
        ttl_delay_secs: 0,
        ..Lifecycle::default()
    }));
    sessions(&e);
    ttl(&e, "expires", true).unwrap();
    let exec = |statement: String| ok(&e, "ExecuteStatement", json!({"Statement": statement}));
    exec(format!(
        "INSERT INTO sessions VALUE {{'pk': 'a', 'user': 'u1', 'expires': {}}}",
        T0 + 5
    ));
    exec(format!(
        "INSERT INTO sessions VALUE {{'pk': 'b', 'user': 'u1', 'expires': {}}}",
        T0 + 5
    ));
    // UPDATE moves `b`'s expiry later; ExecuteTransaction moves it later still.
    exec(format!(
        "UPDATE sessions SET expires = {} WHERE pk = 'b'",
        T0 + 100
    ));
    ok(
        &e,
        "ExecuteTransaction",
        json!({"TransactStatements": [{"Statement": format!(
            "UPDATE sessions SET expires = {} WHERE pk = 'b'", T0 + 500)}]}),
    );
    clock.advance_micros(10_000_000);
    e.tick();
    assert_eq!(keys_in_table(&e), ["b"]);
    assert_eq!(keys_in_index(&e), ["b"]);
    clock.advance_micros(200_000_000);
    e.tick();
    assert_eq!(keys_in_table(&e), ["b"]);
    clock.advance_micros(300_000_000);
    e.tick();
    assert!(keys_in_table(&e).is_empty());
    assert!(keys_in_index(&e).is_empty());
}

#[test]
fn the_ttl_setting_survives_a_restart_and_keeps_deleting() {
    let dir = tempfile::tempdir().unwrap();
    let clock = dynolab_clock::VirtualClock::new(dynolab_clock::Timestamp::from_secs(T0 as u64));
    let open = || {
        let config = EngineConfig {
            data_dir: Some(dir.path().to_path_buf()),
            ..config(Lifecycle::default())
        };
        Engine::open(config, std::sync::Arc::new(clock.clone())).unwrap()
    };
    {
        let e = open();
        sessions(&e);
        ttl(&e, "expires", true).unwrap();
        put(&e, "a", n(&(T0 + 10).to_string()));
    }
    let e = open();
    assert_eq!(described(&e)["TimeToLiveStatus"], "ENABLED");
    clock.advance_micros(60_000_000);
    e.tick();
    assert!(keys_in_table(&e).is_empty());
    drop(e);
    let e = open();
    assert!(keys_in_table(&e).is_empty(), "the TTL deletion was durable");
}

/// A TTL deletion goes through the one write path: on a table with a NEW_AND_OLD_IMAGES stream
/// it is a REMOVE record marked as DynamoDB marks the TTL service's deletions (a user's delete
/// is not), and the point-in-time log has it (a restore before it has the item, after it not).
#[test]
fn ttl_deletions_reach_the_stream_as_service_writes_and_the_pitr_log() {
    let (e, clock) = engine_with(config(Lifecycle {
        ttl_delay_secs: 30,
        ..Lifecycle::default()
    }));
    crate::streams::stream_table(&e, "sessions", "NEW_AND_OLD_IMAGES");
    ok(
        &e,
        "UpdateContinuousBackups",
        json!({"TableName": "sessions", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}),
    );
    ttl(&e, "expires", true).unwrap();
    put(&e, "expired", n(&(T0 - 100).to_string()));
    put(&e, "mine", n(&(T0 + 86_400).to_string()));
    ok(
        &e,
        "DeleteItem",
        json!({"TableName": "sessions", "Key": {"pk": s("mine")}}),
    );
    let before_tick = T0 + 1;
    clock.advance_micros(2_000_000);
    e.tick();
    assert_eq!(keys_in_table(&e), Vec::<String>::new());

    let arn = crate::streams::arn_of(&e, "sessions");
    let records = crate::streams::all_records(&e, &arn);
    let summary: Vec<(&str, &str, Option<&Value>)> = records
        .iter()
        .map(|r| {
            (
                r["eventName"].as_str().unwrap(),
                r["dynamodb"]["Keys"]["pk"]["S"].as_str().unwrap(),
                r.get("userIdentity"),
            )
        })
        .collect();
    let service = json!({"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"});
    assert_eq!(
        summary,
        [
            ("INSERT", "expired", None),
            ("INSERT", "mine", None),
            ("REMOVE", "mine", None),
            ("REMOVE", "expired", Some(&service)),
        ]
    );
    let ttl_remove = records.last().unwrap();
    assert_eq!(ttl_remove["dynamodb"]["OldImage"]["pk"], s("expired"));
    assert!(ttl_remove["dynamodb"].get("NewImage").is_none());

    // Restores read the same log: the item is there just before the tick, gone after it.
    clock.advance_micros(400_000_000);
    let restored_keys = |target: &str, at: Value| -> Vec<String> {
        let mut body = json!({"SourceTableName": "sessions", "TargetTableName": target});
        match at {
            Value::Null => body["UseLatestRestorableTime"] = json!(true),
            at => body["RestoreDateTime"] = at,
        }
        ok(&e, "RestoreTableToPointInTime", body);
        ok(&e, "Scan", json!({"TableName": target}))["Items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["pk"]["S"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        restored_keys("before", json!(before_tick as f64)),
        ["expired"]
    );
    assert_eq!(restored_keys("after", Value::Null), Vec::<String>::new());
}
