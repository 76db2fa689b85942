//! Table and index status transitions on the engine's clock (CREATING, UPDATING with a GSI
//! CREATING and backfilling, DELETING), what each status allows with DynamoDB's errors, and
//! the settings UpdateTable changes in place.

use dynolab_clock::VirtualClock;
use dynolab_engine::{Engine, EngineConfig, Lifecycle};
use dynolab_model::ErrorCode;
use serde_json::{Value, json};

use crate::support::{call, engine, engine_with, err, ok, s, table};

const SECS: u64 = 10;

fn slow() -> (Engine, VirtualClock) {
    engine_with(EngineConfig {
        capacity: None,
        lifecycle: Lifecycle {
            table_create_secs: SECS,
            table_update_secs: SECS,
            table_delete_secs: SECS,
            index_create_secs: SECS,
            index_delete_secs: SECS,
            ..Lifecycle::default()
        },
        ..EngineConfig::default()
    })
}

fn pass(e: &Engine, clock: &VirtualClock, secs: u64) {
    clock.advance_micros(secs * 1_000_000);
    e.tick();
}

fn describe(e: &Engine, name: &str) -> Value {
    ok(e, "DescribeTable", json!({"TableName": name}))["Table"].clone()
}

fn code(e: &Engine, op: &str, body: Value) -> (ErrorCode, String) {
    let error = call(e, op, body).unwrap_err();
    (error.code, error.message.unwrap_or_default())
}

fn with_gsi(name: &str) -> Value {
    json!({"TableName": name, "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "g", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "ALL"}}]})
}

fn query_g(name: &str) -> Value {
    json!({"TableName": name, "IndexName": "by_g", "KeyConditionExpression": "g = :g",
        "ExpressionAttributeValues": {":g": s("x")}})
}

#[test]
fn a_new_table_is_creating_until_its_time_has_passed() {
    let (e, clock) = slow();
    let created = ok(&e, "CreateTable", with_gsi("fresh"));
    assert_eq!(created["TableDescription"]["TableStatus"], "CREATING");
    assert_eq!(
        created["TableDescription"]["GlobalSecondaryIndexes"][0]["IndexStatus"],
        "CREATING"
    );
    let put = json!({"TableName": "fresh", "Item": {"pk": s("a")}});
    let in_use =
        "Attempt to change a resource which is still in use: Table is being created: fresh";
    let cases = [
        (
            "PutItem",
            put.clone(),
            ErrorCode::ResourceNotFoundException,
            "Requested resource not found",
        ),
        (
            "GetItem",
            json!({"TableName": "fresh", "Key": {"pk": s("a")}}),
            ErrorCode::ResourceNotFoundException,
            "Requested resource not found",
        ),
        (
            "Scan",
            json!({"TableName": "fresh"}),
            ErrorCode::ResourceNotFoundException,
            "Requested resource not found",
        ),
        (
            "TransactWriteItems",
            json!({"TransactItems": [{"Put": put.clone()}]}),
            ErrorCode::ResourceNotFoundException,
            "Requested resource not found",
        ),
        (
            "ExecuteStatement",
            json!({"Statement": "SELECT * FROM fresh WHERE pk = 'a'"}),
            ErrorCode::ResourceNotFoundException,
            "Requested resource not found",
        ),
        (
            "ExecuteStatement",
            json!({"Statement": "INSERT INTO fresh VALUE {'pk': 'a'}"}),
            ErrorCode::ResourceNotFoundException,
            "Requested resource not found",
        ),
        (
            "ExecuteTransaction",
            json!({"TransactStatements": [{"Statement": "INSERT INTO fresh VALUE {'pk': 'a'}"}]}),
            ErrorCode::ResourceNotFoundException,
            "Requested resource not found",
        ),
        (
            "ExecuteTransaction",
            json!({"TransactStatements": [{"Statement": "SELECT * FROM fresh WHERE pk = 'a'"}]}),
            ErrorCode::ResourceNotFoundException,
            "Requested resource not found",
        ),
        (
            "DeleteTable",
            json!({"TableName": "fresh"}),
            ErrorCode::ResourceInUseException,
            in_use,
        ),
        (
            "UpdateTable",
            json!({"TableName": "fresh", "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}),
            ErrorCode::ResourceInUseException,
            in_use,
        ),
        (
            "DescribeTimeToLive",
            json!({"TableName": "fresh"}),
            ErrorCode::ValidationException,
            "Cannot describe time to live while table is in CREATING state: Current table state is CREATING",
        ),
    ];
    for (op, body, want_code, want_message) in cases {
        assert_eq!(
            code(&e, op, body),
            (want_code, want_message.to_string()),
            "{op}"
        );
    }
    // BatchExecuteStatement answers per statement.
    let batch = ok(
        &e,
        "BatchExecuteStatement",
        json!({"Statements": [{"Statement": "INSERT INTO fresh VALUE {'pk': 'a'}"}]}),
    );
    assert_eq!(
        batch["Responses"][0]["Error"]["Code"], "ResourceNotFound",
        "{batch}"
    );
    // It is listed while it is being created.
    assert_eq!(
        ok(&e, "ListTables", json!({}))["TableNames"],
        json!(["fresh"])
    );
    pass(&e, &clock, SECS - 1);
    assert_eq!(describe(&e, "fresh")["TableStatus"], "CREATING");
    pass(&e, &clock, 1);
    let table = describe(&e, "fresh");
    assert_eq!(table["TableStatus"], "ACTIVE");
    assert_eq!(table["GlobalSecondaryIndexes"][0]["IndexStatus"], "ACTIVE");
    ok(&e, "PutItem", put);
}

#[test]
fn a_new_gsi_is_backfilled_while_creating_and_the_table_is_updating() {
    let (e, clock) = slow();
    ok(
        &e,
        "CreateTable",
        json!({"TableName": "grow", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}),
    );
    pass(&e, &clock, SECS);
    ok(
        &e,
        "PutItem",
        json!({"TableName": "grow", "Item": {"pk": s("before"), "g": s("x")}}),
    );
    let updated = ok(
        &e,
        "UpdateTable",
        json!({"TableName": "grow", "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
            "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "by_g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}}]}),
    )["TableDescription"]
        .clone();
    assert_eq!(updated["TableStatus"], "UPDATING");
    let index = &updated["GlobalSecondaryIndexes"][0];
    assert_eq!(index["IndexStatus"], "CREATING");
    assert_eq!(index["Backfilling"], true);
    // The index cannot be read yet; the table is served and writes reach the new index.
    assert_eq!(
        code(&e, "Query", query_g("grow")),
        (
            ErrorCode::ValidationException,
            "Cannot read from backfilling global secondary index: by_g".to_string()
        )
    );
    assert_eq!(
        code(
            &e,
            "ExecuteStatement",
            json!({"Statement": "SELECT * FROM \"grow\".\"by_g\" WHERE g = 'x'"})
        ),
        (
            ErrorCode::ValidationException,
            "Cannot read from backfilling global secondary index: by_g".to_string()
        )
    );
    ok(
        &e,
        "PutItem",
        json!({"TableName": "grow", "Item": {"pk": s("during"), "g": s("x")}}),
    );
    // PartiQL writes to the UPDATING table too.
    ok(
        &e,
        "ExecuteStatement",
        json!({"Statement": "INSERT INTO grow VALUE {'pk': 'partiql', 'g': 'x'}"}),
    );
    assert_eq!(
        code(
            &e,
            "UpdateTable",
            json!({"TableName": "grow", "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}})
        ),
        (
            ErrorCode::ResourceInUseException,
            "Attempt to change a resource which is still in use: Table is being updated: grow"
                .to_string()
        )
    );
    assert_eq!(
        code(&e, "DeleteTable", json!({"TableName": "grow"})),
        (
            ErrorCode::ResourceInUseException,
            "Attempt to change a resource which is still in use: Cannot delete table while indexes are being created, updated, or deleted.".to_string()
        )
    );
    pass(&e, &clock, SECS);
    let table = describe(&e, "grow");
    assert_eq!(table["TableStatus"], "ACTIVE");
    assert_eq!(table["GlobalSecondaryIndexes"][0]["IndexStatus"], "ACTIVE");
    assert!(
        table["GlobalSecondaryIndexes"][0]
            .get("Backfilling")
            .is_none()
    );
    assert_eq!(ok(&e, "Query", query_g("grow"))["Count"], 3);
    let selected = ok(
        &e,
        "ExecuteStatement",
        json!({"Statement": "SELECT pk FROM \"grow\".\"by_g\" WHERE g = 'x'"}),
    );
    assert_eq!(selected["Items"].as_array().map(Vec::len), Some(3));

    // Deleting it: DELETING, unreadable at once, then gone.
    let updated = ok(
        &e,
        "UpdateTable",
        json!({"TableName": "grow", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "by_g"}}]}),
    )["TableDescription"]
        .clone();
    assert_eq!(updated["TableStatus"], "UPDATING");
    assert_eq!(
        updated["GlobalSecondaryIndexes"][0]["IndexStatus"],
        "DELETING"
    );
    assert_eq!(
        code(&e, "Query", query_g("grow")),
        (
            ErrorCode::ValidationException,
            "The table does not have the specified index: by_g".to_string()
        )
    );
    pass(&e, &clock, SECS);
    let table = describe(&e, "grow");
    assert_eq!(table["TableStatus"], "ACTIVE");
    assert!(table.get("GlobalSecondaryIndexes").is_none());
}

#[test]
fn a_capacity_change_makes_the_table_updating_for_a_while() {
    let (e, clock) = slow();
    table_now(&e, &clock, "cap");
    let updated = ok(
        &e,
        "UpdateTable",
        json!({"TableName": "cap", "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}),
    );
    assert_eq!(updated["TableDescription"]["TableStatus"], "UPDATING");
    // Items are served while UPDATING.
    ok(
        &e,
        "PutItem",
        json!({"TableName": "cap", "Item": {"pk": s("a")}}),
    );
    // Deletion protection alone does not start a transition.
    pass(&e, &clock, SECS);
    let updated = ok(
        &e,
        "UpdateTable",
        json!({"TableName": "cap", "DeletionProtectionEnabled": true}),
    );
    assert_eq!(updated["TableDescription"]["TableStatus"], "ACTIVE");
}

fn table_now(e: &Engine, clock: &VirtualClock, name: &str) {
    table(e, name, false);
    pass(e, clock, SECS);
}

#[test]
fn a_deleted_table_is_deleting_then_gone() {
    let (e, clock) = slow();
    table_now(&e, &clock, "doomed");
    ok(
        &e,
        "PutItem",
        json!({"TableName": "doomed", "Item": {"pk": s("a")}}),
    );
    let deleted = ok(&e, "DeleteTable", json!({"TableName": "doomed"}));
    assert_eq!(deleted["TableDescription"]["TableStatus"], "DELETING");
    assert_eq!(describe(&e, "doomed")["TableStatus"], "DELETING");
    assert_eq!(
        code(
            &e,
            "GetItem",
            json!({"TableName": "doomed", "Key": {"pk": s("a")}})
        )
        .0,
        ErrorCode::ResourceNotFoundException
    );
    assert_eq!(
        code(
            &e,
            "ExecuteStatement",
            json!({"Statement": "UPDATE doomed SET v = 1 WHERE pk = 'a'"})
        )
        .0,
        ErrorCode::ResourceNotFoundException
    );
    assert_eq!(
        code(&e, "DeleteTable", json!({"TableName": "doomed"})),
        (
            ErrorCode::ResourceInUseException,
            "Attempt to change a resource which is still in use: Table is being deleted: doomed"
                .to_string()
        )
    );
    assert_eq!(
        code(
            &e,
            "CreateTable",
            json!({"TableName": "doomed", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]})
        )
        .0,
        ErrorCode::ResourceInUseException
    );
    pass(&e, &clock, SECS);
    assert_eq!(
        code(&e, "DescribeTable", json!({"TableName": "doomed"})),
        (
            ErrorCode::ResourceNotFoundException,
            "Requested resource not found: Table: doomed not found".to_string()
        )
    );
    // The name is free again, and the new table starts empty.
    table_now(&e, &clock, "doomed");
    assert_eq!(ok(&e, "Scan", json!({"TableName": "doomed"}))["Count"], 0);
}

#[test]
fn a_transition_in_progress_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let clock = VirtualClock::new(dynolab_clock::Timestamp::from_secs(1_700_000_000));
    let open = || {
        let config = EngineConfig {
            data_dir: Some(dir.path().to_path_buf()),
            capacity: None,
            lifecycle: Lifecycle {
                table_create_secs: SECS,
                table_delete_secs: SECS,
                ..Lifecycle::default()
            },
            ..EngineConfig::default()
        };
        Engine::open(config, std::sync::Arc::new(clock.clone())).unwrap()
    };
    {
        let e = open();
        table(&e, "kept", false);
        table(&e, "dropped", false);
        pass(&e, &clock, SECS);
        ok(&e, "DeleteTable", json!({"TableName": "dropped"}));
        table(&e, "late", false);
    }
    let e = open();
    assert_eq!(describe(&e, "late")["TableStatus"], "CREATING");
    assert_eq!(describe(&e, "dropped")["TableStatus"], "DELETING");
    pass(&e, &clock, SECS);
    assert_eq!(describe(&e, "late")["TableStatus"], "ACTIVE");
    assert_eq!(
        ok(&e, "ListTables", json!({}))["TableNames"],
        json!(["kept", "late"])
    );
    drop(e);
    assert_eq!(
        open_list(&open()),
        json!(["kept", "late"]),
        "the end of DELETING was durable"
    );
}

fn open_list(e: &Engine) -> Value {
    ok(e, "ListTables", json!({}))["TableNames"].clone()
}

#[test]
fn protection_class_and_throughput_settings_change_in_place() {
    let e = engine();
    table(&e, "settings", false);
    let updated = |body: Value| {
        let mut body = body;
        body["TableName"] = json!("settings");
        ok(&e, "UpdateTable", body)["TableDescription"].clone()
    };
    let t = updated(json!({"DeletionProtectionEnabled": true}));
    assert_eq!(t["DeletionProtectionEnabled"], true);
    assert_eq!(
        err(&e, "DeleteTable", json!({"TableName": "settings"})),
        "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first."
    );
    let t = updated(json!({"TableClass": "STANDARD_INFREQUENT_ACCESS"}));
    assert_eq!(
        t["TableClassSummary"]["TableClass"],
        "STANDARD_INFREQUENT_ACCESS"
    );
    let t = updated(
        json!({"OnDemandThroughput": {"MaxReadRequestUnits": 100, "MaxWriteRequestUnits": 50}}),
    );
    assert_eq!(
        t["OnDemandThroughput"],
        json!({"MaxReadRequestUnits": 100, "MaxWriteRequestUnits": 50})
    );
    let t = updated(
        json!({"WarmThroughput": {"ReadUnitsPerSecond": 15000, "WriteUnitsPerSecond": 5000}}),
    );
    assert_eq!(t["WarmThroughput"]["ReadUnitsPerSecond"], 15000);
    assert_eq!(t["WarmThroughput"]["WriteUnitsPerSecond"], 5000);
    // Everything is described the same way afterwards, and the table still refuses deletion.
    let d = describe(&e, "settings");
    assert_eq!(
        d["TableClassSummary"]["TableClass"],
        "STANDARD_INFREQUENT_ACCESS"
    );
    assert_eq!(d["OnDemandThroughput"]["MaxWriteRequestUnits"], 50);
    assert_eq!(
        call(&e, "DeleteTable", json!({"TableName": "settings"}))
            .unwrap_err()
            .code,
        ErrorCode::ValidationException
    );
    updated(json!({"DeletionProtectionEnabled": false}));
    ok(&e, "DeleteTable", json!({"TableName": "settings"}));
}
