//! Point-in-time recovery (UpdateContinuousBackups, DescribeContinuousBackups,
//! RestoreTableToPointInTime) and on-demand backups (CreateBackup, DescribeBackup, ListBackups,
//! DeleteBackup, RestoreTableFromBackup).

use std::sync::Arc;

use dynolab_clock::{Timestamp, VirtualClock};
use dynolab_engine::{Engine, EngineConfig};
use serde_json::{Value, json};

use crate::support::{call, engine_and_clock, ok, s};

const T0: u64 = 1_700_000_000;
const SECOND: u64 = 1_000_000;

fn error(engine: &Engine, op: &str, body: Value) -> (String, String) {
    let e = call(engine, op, body.clone()).expect_err(&format!("{op} {body} must fail"));
    let name = e.code.type_name().rsplit('#').next().unwrap().to_string();
    (name, e.message.unwrap_or_default())
}

/// A table `src` keyed by `pk` with a GSI `by_g` on `g`.
fn source_table(engine: &Engine) {
    ok(
        engine,
        "CreateTable",
        json!({
            "TableName": "src",
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "S"},
            ],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "GlobalSecondaryIndexes": [{
                "IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }],
            "BillingMode": "PAY_PER_REQUEST",
        }),
    );
}

fn enable_pitr(engine: &Engine, table: &str) -> Value {
    ok(
        engine,
        "UpdateContinuousBackups",
        json!({"TableName": table, "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}),
    )
}

fn items(engine: &Engine, table: &str) -> Vec<Value> {
    let mut items = ok(engine, "Scan", json!({"TableName": table}))["Items"]
        .as_array()
        .unwrap()
        .clone();
    items.sort_by_key(|i| i["pk"]["S"].as_str().unwrap().to_string());
    items
}

fn gsi_items(engine: &Engine, table: &str, g: &str) -> Vec<Value> {
    ok(
        engine,
        "Query",
        json!({"TableName": table, "IndexName": "by_g", "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": s(g)}}),
    )["Items"]
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn continuous_backups_settings_and_window() {
    let (engine, clock) = engine_and_clock();
    source_table(&engine);
    let described = ok(
        &engine,
        "DescribeContinuousBackups",
        json!({"TableName": "src"}),
    );
    assert_eq!(
        described,
        json!({"ContinuousBackupsDescription": {"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}})
    );
    assert_eq!(
        error(
            &engine,
            "DescribeContinuousBackups",
            json!({"TableName": "nope"})
        ),
        (
            "TableNotFoundException".into(),
            "Table not found: nope".into()
        )
    );
    assert_eq!(
        error(
            &engine,
            "UpdateContinuousBackups",
            json!({"TableName": "nope", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}})
        )
        .0,
        "TableNotFoundException"
    );
    let (kind, message) = error(
        &engine,
        "UpdateContinuousBackups",
        json!({"TableName": "src", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true, "RecoveryPeriodInDays": 36}}),
    );
    assert_eq!(kind, "ValidationException");
    assert!(
        message.contains("Member must have value less than or equal to 35"),
        "{message}"
    );
    assert_eq!(
        error(
            &engine,
            "UpdateContinuousBackups",
            json!({"TableName": "src", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": false, "RecoveryPeriodInDays": 3}})
        )
        .1,
        "Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery."
    );

    let enabled = enable_pitr(&engine, "src");
    let pitr = &enabled["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"];
    assert_eq!(pitr["PointInTimeRecoveryStatus"], "ENABLED");
    assert_eq!(pitr["RecoveryPeriodInDays"], 35);
    assert_eq!(pitr["EarliestRestorableDateTime"], json!(T0 as f64));
    clock.advance_micros(3600 * SECOND);
    // Table ARNs name tables too.
    let described = ok(
        &engine,
        "DescribeContinuousBackups",
        json!({"TableName": "arn:aws:dynamodb:us-east-1:000000000000:table/src"}),
    );
    let pitr = &described["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"];
    assert_eq!(pitr["EarliestRestorableDateTime"], json!(T0 as f64));
    assert_eq!(
        pitr["LatestRestorableDateTime"],
        json!((T0 + 3600 - 300) as f64)
    );
    // A one-day period: the window's start follows the clock.
    ok(
        &engine,
        "UpdateContinuousBackups",
        json!({"TableName": "src", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true, "RecoveryPeriodInDays": 1}}),
    );
    clock.advance_micros(2 * 86_400 * SECOND);
    let described = ok(
        &engine,
        "DescribeContinuousBackups",
        json!({"TableName": "src"}),
    );
    let pitr = &described["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"];
    assert_eq!(pitr["RecoveryPeriodInDays"], 1);
    assert_eq!(
        pitr["EarliestRestorableDateTime"],
        json!((T0 + 3600 + 86_400) as f64)
    );
    let disabled = ok(
        &engine,
        "UpdateContinuousBackups",
        json!({"TableName": "src", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": false}}),
    );
    assert_eq!(
        disabled["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"],
        json!({"PointInTimeRecoveryStatus": "DISABLED"})
    );
}

#[test]
fn restore_to_any_second_brings_back_that_instant() {
    let (engine, clock) = engine_and_clock();
    source_table(&engine);
    enable_pitr(&engine, "src");
    let at = |secs: u64| {
        clock.set(Timestamp::from_secs(T0 + secs));
    };
    at(10);
    ok(
        &engine,
        "PutItem",
        json!({"TableName": "src", "Item": {"pk": s("a"), "g": s("x"), "v": s("1")}}),
    );
    ok(
        &engine,
        "PutItem",
        json!({"TableName": "src", "Item": {"pk": s("keep"), "g": s("y")}}),
    );
    at(20);
    ok(
        &engine,
        "PutItem",
        json!({"TableName": "src", "Item": {"pk": s("a"), "g": s("z"), "v": s("2")}}),
    );
    at(30);
    ok(
        &engine,
        "DeleteItem",
        json!({"TableName": "src", "Key": {"pk": s("a")}}),
    );
    at(400);
    let expected = [
        (5, None),
        (10, Some(("x", "1"))),
        (19, Some(("x", "1"))),
        (20, Some(("z", "2"))),
        (29, Some(("z", "2"))),
        (30, None),
    ];
    for (second, want) in expected {
        let target = format!("restored_{second}");
        let restored = ok(
            &engine,
            "RestoreTableToPointInTime",
            json!({"SourceTableName": "src", "TargetTableName": target, "RestoreDateTime": (T0 + second) as f64}),
        );
        let table = &restored["TableDescription"];
        assert_eq!(table["TableStatus"], "ACTIVE");
        assert_eq!(
            table["RestoreSummary"],
            json!({"SourceTableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/src", "RestoreDateTime": (T0 + second) as f64, "RestoreInProgress": false})
        );
        let got = items(&engine, &target);
        let a = got.iter().find(|i| i["pk"] == s("a"));
        match want {
            None => {
                assert!(a.is_none(), "at {second}: {got:?}");
                assert!(gsi_items(&engine, &target, "x").is_empty());
                assert!(gsi_items(&engine, &target, "z").is_empty());
            }
            Some((g, v)) => {
                let item = json!({"pk": s("a"), "g": s(g), "v": s(v)});
                assert_eq!(a, Some(&item), "at {second}");
                // The GSI holds the restored item under its key then, and nothing else.
                assert_eq!(gsi_items(&engine, &target, g), [item], "at {second}");
                let other = if g == "x" { "z" } else { "x" };
                assert!(gsi_items(&engine, &target, other).is_empty(), "at {second}");
            }
        }
        let keep_expected = second >= 10;
        assert_eq!(
            got.iter().any(|i| i["pk"] == s("keep")),
            keep_expected,
            "at {second}"
        );
        let described = ok(&engine, "DescribeTable", json!({"TableName": target}));
        assert_eq!(described["Table"]["ItemCount"], json!(got.len()));
        assert_eq!(
            described["Table"]["GlobalSecondaryIndexes"][0]["IndexName"],
            "by_g"
        );
    }
    // The latest restorable time is five minutes ago: after the delete.
    let restored = ok(
        &engine,
        "RestoreTableToPointInTime",
        json!({"SourceTableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/src", "TargetTableName": "latest", "UseLatestRestorableTime": true}),
    );
    assert_eq!(
        restored["TableDescription"]["RestoreSummary"]["RestoreDateTime"],
        json!((T0 + 100) as f64)
    );
    assert_eq!(
        items(&engine, "latest"),
        [json!({"pk": s("keep"), "g": s("y")})]
    );
    // The source is untouched.
    assert_eq!(items(&engine, "src").len(), 1);
}

#[test]
fn restore_errors() {
    let (engine, clock) = engine_and_clock();
    source_table(&engine);
    let restore = |extra: Value| {
        let mut body = json!({"SourceTableName": "src", "TargetTableName": "dst", "UseLatestRestorableTime": true});
        for (k, v) in extra.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        error(&engine, "RestoreTableToPointInTime", body)
    };
    assert_eq!(
        restore(json!({})),
        (
            "PointInTimeRecoveryUnavailableException".into(),
            "Point in time recovery is not enabled for table 'src'".into()
        )
    );
    assert_eq!(
        restore(json!({"SourceTableName": "nope"})),
        (
            "TableNotFoundException".into(),
            "Table not found: nope".into()
        )
    );
    assert_eq!(
        restore(json!({"SourceTableArn": "arn:aws:dynamodb:us-east-1:000000000000:table/src"})).1,
        "Invalid Request: Must provide exactly one of: sourceTableArn, sourceTableName"
    );
    assert_eq!(
        restore(json!({"UseLatestRestorableTime": null})).1,
        "Invalid Request: Either one of RestoreDateTime or UseLatestRestorableTime must be specified, but not both"
    );
    assert_eq!(
        restore(json!({"RestoreDateTime": T0 as f64})).1,
        "Invalid Request: Either one of RestoreDateTime or UseLatestRestorableTime must be specified, but not both"
    );
    enable_pitr(&engine, "src");
    clock.advance_micros(600 * SECOND);
    assert_eq!(
        restore(json!({"TargetTableName": "src"})),
        (
            "TableAlreadyExistsException".into(),
            "Table already exists: src".into()
        )
    );
    for outside in [T0 - 1, T0 + 301] {
        let (kind, message) =
            restore(json!({"UseLatestRestorableTime": null, "RestoreDateTime": outside as f64}));
        assert_eq!(kind, "InvalidRestoreTimeException", "{outside}");
        assert!(message.starts_with("RestoreDateTime must be between EarliestRestorableDateTime and LatestRestorableDateTime"), "{message}");
    }
    assert_eq!(
        restore(json!({"BillingModeOverride": "PROVISIONED"})).1,
        "Invalid Request: Must override ProvisionedThroughput if BillingMode is overridden to PROVISIONED"
    );
    assert_eq!(
        restore(json!({"BillingModeOverride": "PAY_PER_REQUEST", "ProvisionedThroughputOverride": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}})).1,
        "Invalid Request: Cannot override ProvisionedThroughput if BillingMode is overridden to PAY_PER_REQUEST"
    );
    assert_eq!(
        restore(json!({"GlobalSecondaryIndexOverride": [{"IndexName": "other", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]})).1,
        "Invalid Request: Index other does not match a secondary index that existed in the source table and cannot be created during the restore operation"
    );
    assert_eq!(
        restore(json!({"BillingModeOverride": "PROVISIONED", "ProvisionedThroughputOverride": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}})).1,
        "Invalid Request: Must specify provisioned throughput for index by_g"
    );
    // Nothing was created by any of these.
    assert_eq!(
        ok(&engine, "ListTables", json!({}))["TableNames"],
        json!(["src"])
    );
}

#[test]
fn restore_overrides_shape_the_new_table() {
    let (engine, clock) = engine_and_clock();
    source_table(&engine);
    ok(
        &engine,
        "UpdateTable",
        json!({"TableName": "src", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}}),
    );
    enable_pitr(&engine, "src");
    ok(
        &engine,
        "PutItem",
        json!({"TableName": "src", "Item": {"pk": s("a"), "g": s("x")}}),
    );
    clock.advance_micros(301 * SECOND);
    let restored = ok(
        &engine,
        "RestoreTableToPointInTime",
        json!({
            "SourceTableName": "src",
            "TargetTableName": "dst",
            "UseLatestRestorableTime": true,
            "BillingModeOverride": "PROVISIONED",
            "ProvisionedThroughputOverride": {"ReadCapacityUnits": 7, "WriteCapacityUnits": 3},
            "GlobalSecondaryIndexOverride": [],
            "SSESpecificationOverride": {"Enabled": true, "SSEType": "KMS"},
        }),
    )["TableDescription"]
        .clone();
    assert_eq!(restored["ProvisionedThroughput"]["ReadCapacityUnits"], 7);
    assert_eq!(restored["ProvisionedThroughput"]["WriteCapacityUnits"], 3);
    assert!(restored.get("GlobalSecondaryIndexes").is_none());
    assert_eq!(
        restored["AttributeDefinitions"],
        json!([{"AttributeName": "pk", "AttributeType": "S"}])
    );
    assert_eq!(restored["SSEDescription"]["Status"], "ENABLED");
    // Streams and PITR are not restored.
    assert!(restored.get("StreamSpecification").is_none());
    assert!(restored.get("LatestStreamArn").is_none());
    assert_eq!(
        ok(
            &engine,
            "DescribeContinuousBackups",
            json!({"TableName": "dst"})
        )["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"],
        "DISABLED"
    );
    assert_eq!(items(&engine, "dst"), [json!({"pk": s("a"), "g": s("x")})]);
}

#[test]
fn backups_list_describe_restore_and_delete() {
    let (engine, clock) = engine_and_clock();
    source_table(&engine);
    ok(
        &engine,
        "PutItem",
        json!({"TableName": "src", "Item": {"pk": s("a"), "g": s("x"), "v": s("1")}}),
    );
    let created = ok(
        &engine,
        "CreateBackup",
        json!({"TableName": "src", "BackupName": "first"}),
    );
    let details = &created["BackupDetails"];
    let first = details["BackupArn"].as_str().unwrap().to_string();
    assert!(
        first.starts_with(
            "arn:aws:dynamodb:us-east-1:000000000000:table/src/backup/01700000000000-"
        ),
        "{first}"
    );
    assert_eq!(details["BackupName"], "first");
    assert_eq!(details["BackupStatus"], "AVAILABLE");
    assert_eq!(details["BackupType"], "USER");
    assert_eq!(details["BackupCreationDateTime"], json!(T0 as f64));
    assert_eq!(
        error(
            &engine,
            "CreateBackup",
            json!({"TableName": "nope", "BackupName": "x_y"})
        ),
        (
            "TableNotFoundException".into(),
            "Table not found: nope".into()
        )
    );

    // Later writes do not reach the backup.
    clock.advance_micros(10 * SECOND);
    ok(
        &engine,
        "PutItem",
        json!({"TableName": "src", "Item": {"pk": s("a"), "g": s("x"), "v": s("2")}}),
    );
    ok(
        &engine,
        "PutItem",
        json!({"TableName": "src", "Item": {"pk": s("b"), "g": s("x")}}),
    );
    let second = ok(
        &engine,
        "CreateBackup",
        json!({"TableName": "src", "BackupName": "second"}),
    )["BackupDetails"]["BackupArn"]
        .as_str()
        .unwrap()
        .to_string();

    let described =
        ok(&engine, "DescribeBackup", json!({"BackupArn": first}))["BackupDescription"].clone();
    assert_eq!(described["SourceTableDetails"]["TableName"], "src");
    assert_eq!(described["SourceTableDetails"]["ItemCount"], 1);
    assert_eq!(
        described["SourceTableDetails"]["BillingMode"],
        "PAY_PER_REQUEST"
    );
    assert_eq!(
        described["SourceTableFeatureDetails"]["GlobalSecondaryIndexes"][0]["IndexName"],
        "by_g"
    );

    let list = |body: Value| {
        ok(&engine, "ListBackups", body)["BackupSummaries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["BackupArn"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(list(json!({})), [first.clone(), second.clone()]);
    assert_eq!(
        list(json!({"TableName": "src", "BackupType": "ALL"})),
        [first.clone(), second.clone()]
    );
    assert!(list(json!({"TableName": "other"})).is_empty());
    assert!(list(json!({"BackupType": "SYSTEM"})).is_empty());
    assert_eq!(
        list(json!({"TimeRangeLowerBound": (T0 + 1) as f64})),
        std::slice::from_ref(&second)
    );
    assert_eq!(
        list(json!({"TimeRangeUpperBound": (T0 + 10) as f64})),
        std::slice::from_ref(&first)
    );
    let page = ok(&engine, "ListBackups", json!({"Limit": 1}));
    assert_eq!(page["LastEvaluatedBackupArn"], json!(first));
    assert_eq!(
        list(json!({"ExclusiveStartBackupArn": first})),
        std::slice::from_ref(&second)
    );
    assert_eq!(
        error(
            &engine,
            "ListBackups",
            json!({"TimeRangeLowerBound": 5.0, "TimeRangeUpperBound": 1.0})
        )
        .1,
        "One or more parameter values were invalid: Time range lower bound must be less than or equal to upper bound"
    );

    let restored = ok(
        &engine,
        "RestoreTableFromBackup",
        json!({"TargetTableName": "from_first", "BackupArn": first}),
    )["TableDescription"]
        .clone();
    assert_eq!(restored["RestoreSummary"]["SourceBackupArn"], json!(first));
    assert_eq!(
        restored["RestoreSummary"]["RestoreDateTime"],
        json!(T0 as f64)
    );
    assert_eq!(
        items(&engine, "from_first"),
        [json!({"pk": s("a"), "g": s("x"), "v": s("1")})]
    );
    assert_eq!(gsi_items(&engine, "from_first", "x").len(), 1);
    assert_eq!(
        error(
            &engine,
            "RestoreTableFromBackup",
            json!({"TargetTableName": "src", "BackupArn": first})
        )
        .0,
        "TableAlreadyExistsException"
    );

    // Backups outlive their table.
    ok(&engine, "DeleteTable", json!({"TableName": "src"}));
    ok(
        &engine,
        "RestoreTableFromBackup",
        json!({"TargetTableName": "src", "BackupArn": second}),
    );
    assert_eq!(items(&engine, "src").len(), 2);

    let deleted = ok(&engine, "DeleteBackup", json!({"BackupArn": first}));
    assert_eq!(
        deleted["BackupDescription"]["BackupDetails"]["BackupStatus"],
        "DELETED"
    );
    assert_eq!(
        error(&engine, "DescribeBackup", json!({"BackupArn": first})),
        (
            "BackupNotFoundException".into(),
            format!("Backup not found: {first}")
        )
    );
    assert_eq!(
        error(&engine, "DeleteBackup", json!({"BackupArn": first})).0,
        "BackupNotFoundException"
    );
    assert_eq!(list(json!({})), [second]);
}

#[test]
fn backups_and_recovery_history_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let clock = VirtualClock::new(Timestamp::from_secs(T0));
    let open = || {
        let config = EngineConfig {
            data_dir: Some(dir.path().to_path_buf()),
            capacity: None,
            ..EngineConfig::default()
        };
        Engine::open(config, Arc::new(clock.clone())).unwrap()
    };
    let backup = {
        let engine = open();
        source_table(&engine);
        enable_pitr(&engine, "src");
        clock.advance_micros(10 * SECOND);
        ok(
            &engine,
            "PutItem",
            json!({"TableName": "src", "Item": {"pk": s("a"), "g": s("x"), "v": s("1")}}),
        );
        let arn = ok(
            &engine,
            "CreateBackup",
            json!({"TableName": "src", "BackupName": "bk1"}),
        )["BackupDetails"]["BackupArn"]
            .clone();
        clock.advance_micros(10 * SECOND);
        ok(
            &engine,
            "DeleteItem",
            json!({"TableName": "src", "Key": {"pk": s("a")}}),
        );
        arn
    };
    clock.advance_micros(600 * SECOND);
    let engine = open();
    assert!(items(&engine, "src").is_empty());
    ok(
        &engine,
        "RestoreTableToPointInTime",
        json!({"SourceTableName": "src", "TargetTableName": "pitr", "RestoreDateTime": (T0 + 15) as f64}),
    );
    assert_eq!(
        items(&engine, "pitr"),
        [json!({"pk": s("a"), "g": s("x"), "v": s("1")})]
    );
    ok(
        &engine,
        "RestoreTableFromBackup",
        json!({"TargetTableName": "from_backup", "BackupArn": backup}),
    );
    assert_eq!(items(&engine, "from_backup"), items(&engine, "pitr"));
    // Restored tables are durable too.
    drop(engine);
    let engine = open();
    assert_eq!(items(&engine, "pitr").len(), 1);
    assert_eq!(gsi_items(&engine, "from_backup", "x").len(), 1);
}

/// One log serves both readers: with PITR on, a change older than 24 hours is gone from the
/// stream but still restorable.
#[test]
fn the_stream_trims_at_a_day_while_pitr_keeps_its_window() {
    let (engine, clock) = engine_and_clock();
    source_table(&engine);
    enable_pitr(&engine, "src");
    let described = ok(
        &engine,
        "UpdateTable",
        json!({"TableName": "src", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}}),
    );
    let arn = described["TableDescription"]["LatestStreamArn"].clone();
    ok(
        &engine,
        "PutItem",
        json!({"TableName": "src", "Item": {"pk": s("old"), "g": s("x")}}),
    );
    clock.advance_micros(25 * 3600 * SECOND);
    ok(
        &engine,
        "PutItem",
        json!({"TableName": "src", "Item": {"pk": s("new"), "g": s("x")}}),
    );
    let shard = crate::support::streams(&engine, "DescribeStream", json!({"StreamArn": arn}))
        .unwrap()["StreamDescription"]["Shards"][0]["ShardId"]
        .clone();
    let it = crate::support::streams(
        &engine,
        "GetShardIterator",
        json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "TRIM_HORIZON"}),
    )
    .unwrap()["ShardIterator"]
        .clone();
    let records = crate::support::streams(&engine, "GetRecords", json!({"ShardIterator": it}))
        .unwrap()["Records"]
        .clone();
    let keys: Vec<&Value> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["dynamodb"]["Keys"]["pk"]["S"])
        .collect();
    assert_eq!(keys, [&json!("new")]);
    ok(
        &engine,
        "RestoreTableToPointInTime",
        json!({"SourceTableName": "src", "TargetTableName": "day_old", "RestoreDateTime": (T0 + 1) as f64}),
    );
    assert_eq!(
        items(&engine, "day_old"),
        [json!({"pk": s("old"), "g": s("x")})]
    );
}

/// A restored table does not take what DynamoDB says must be set up again (tags, stream
/// settings, TTL, point-in-time recovery), and is ACTIVE at once even when CreateTable goes
/// through CREATING.
#[test]
fn restored_tables_are_active_without_tags_streams_ttl_or_pitr() {
    let clock = VirtualClock::new(Timestamp::from_secs(T0));
    let config = EngineConfig {
        capacity: None,
        lifecycle: dynolab_engine::Lifecycle {
            table_create_secs: 5,
            ..Default::default()
        },
        ..EngineConfig::default()
    };
    let engine = Engine::open(config, Arc::new(clock.clone())).unwrap();
    let created = ok(
        &engine,
        "CreateTable",
        json!({
            "TableName": "src",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"},
            "Tags": [{"Key": "team", "Value": "data"}],
        }),
    );
    assert_eq!(created["TableDescription"]["TableStatus"], "CREATING");
    clock.advance_micros(5 * SECOND);
    engine.tick();
    ok(
        &engine,
        "UpdateTimeToLive",
        json!({"TableName": "src", "TimeToLiveSpecification": {"AttributeName": "exp", "Enabled": true}}),
    );
    ok(
        &engine,
        "UpdateContinuousBackups",
        json!({"TableName": "src", "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": true}}),
    );
    ok(
        &engine,
        "PutItem",
        json!({"TableName": "src", "Item": {"pk": s("a")}}),
    );
    let backup = ok(
        &engine,
        "CreateBackup",
        json!({"TableName": "src", "BackupName": "before-restore"}),
    )["BackupDetails"]["BackupArn"]
        .clone();
    clock.advance_micros(400 * SECOND);
    let from_backup = ok(
        &engine,
        "RestoreTableFromBackup",
        json!({"TargetTableName": "from_backup", "BackupArn": backup}),
    );
    let from_pitr = ok(
        &engine,
        "RestoreTableToPointInTime",
        json!({"SourceTableName": "src", "TargetTableName": "from_pitr", "UseLatestRestorableTime": true}),
    );
    for (name, answer) in [("from_backup", from_backup), ("from_pitr", from_pitr)] {
        assert_eq!(
            answer["TableDescription"]["TableStatus"], "ACTIVE",
            "{name}"
        );
        let table = &ok(&engine, "DescribeTable", json!({"TableName": name}))["Table"];
        assert_eq!(table["TableStatus"], "ACTIVE", "{name}");
        assert!(
            table.get("StreamSpecification").is_none(),
            "{name}: {table}"
        );
        assert!(table.get("LatestStreamArn").is_none(), "{name}: {table}");
        let arn = table["TableArn"].clone();
        assert_eq!(
            ok(&engine, "ListTagsOfResource", json!({"ResourceArn": arn}))["Tags"],
            json!([]),
            "{name}"
        );
        assert_eq!(
            ok(&engine, "DescribeTimeToLive", json!({"TableName": name}))["TimeToLiveDescription"]
                ["TimeToLiveStatus"],
            "DISABLED",
            "{name}"
        );
        assert_eq!(
            ok(
                &engine,
                "DescribeContinuousBackups",
                json!({"TableName": name})
            )["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"],
            "DISABLED",
            "{name}"
        );
        let item = ok(
            &engine,
            "GetItem",
            json!({"TableName": name, "Key": {"pk": s("a")}}),
        );
        assert_eq!(item["Item"]["pk"], s("a"), "{name}");
    }
    // The source keeps its settings.
    let src = &ok(&engine, "DescribeTable", json!({"TableName": "src"}))["Table"];
    assert_eq!(src["StreamSpecification"]["StreamViewType"], "KEYS_ONLY");
}
