//! PartiQL: ExecuteStatement (each statement kind, parameters, Query vs Scan, pagination,
//! RETURNING, errors), BatchExecuteStatement and ExecuteTransaction.

use dynolab_model::ErrorCode;
use serde_json::{Value, json};

use crate::support::*;

fn exec(e: &dynolab_engine::Engine, statement: &str) -> Value {
    ok(e, "ExecuteStatement", json!({"Statement": statement}))
}

fn exec_err(e: &dynolab_engine::Engine, body: Value) -> dynolab_model::ApiError {
    match call(e, "ExecuteStatement", body.clone()) {
        Ok(v) => panic!("{body} succeeded: {v}"),
        Err(err) => err,
    }
}

fn items(v: &Value) -> Vec<Value> {
    v["Items"].as_array().cloned().unwrap_or_default()
}

fn get(e: &dynolab_engine::Engine, table: &str, key: Value) -> Value {
    ok(e, "GetItem", json!({"TableName": table, "Key": key}))
}

#[test]
fn insert_select_update_delete_round_trip() {
    let e = engine();
    table(&e, "tbl", true);
    let out = exec(
        &e,
        "INSERT INTO tbl VALUE {'pk': 'a', 'sk': '1', 'n': 1, 'l': [1, 'x'], 'm': {'k': true}, 'ss': <<'p', 'q'>>}",
    );
    assert_eq!(out, json!({"Items": []}));
    let got = get(&e, "tbl", json!({"pk": s("a"), "sk": s("1")}));
    assert_eq!(got["Item"]["n"], n("1"));
    assert_eq!(got["Item"]["l"], json!({"L": [n("1"), s("x")]}));
    assert_eq!(got["Item"]["m"], json!({"M": {"k": {"BOOL": true}}}));
    assert_eq!(got["Item"]["ss"], json!({"SS": ["p", "q"]}));

    let sel = exec(&e, "SELECT n, m.k FROM tbl WHERE pk = 'a' AND sk = '1'");
    assert_eq!(items(&sel), vec![json!({"n": n("1"), "k": {"BOOL": true}})]);

    let up = exec(
        &e,
        "UPDATE tbl SET n = n + 2 SET l = list_append(l, [3]) REMOVE ss WHERE pk = 'a' AND sk = '1' RETURNING ALL NEW *",
    );
    let new = &items(&up)[0];
    assert_eq!(new["n"], n("3"));
    assert_eq!(new["l"], json!({"L": [n("1"), s("x"), n("3")]}));
    assert!(new.get("ss").is_none());

    let up = exec(
        &e,
        "UPDATE tbl SET n = 10 WHERE pk = 'a' AND sk = '1' RETURNING MODIFIED OLD *",
    );
    assert_eq!(items(&up), vec![json!({"n": n("3")})]);
    let up = exec(
        &e,
        "UPDATE tbl SET n = 11 WHERE pk = 'a' AND sk = '1' RETURNING MODIFIED NEW *",
    );
    assert_eq!(items(&up), vec![json!({"n": n("11")})]);
    let up = exec(
        &e,
        "UPDATE tbl SET z = 'z' WHERE pk = 'a' AND sk = '1' RETURNING ALL OLD *",
    );
    assert_eq!(items(&up)[0]["n"], n("11"));
    assert!(items(&up)[0].get("z").is_none());

    let del = exec(
        &e,
        "DELETE FROM tbl WHERE pk = 'a' AND sk = '1' RETURNING ALL OLD *",
    );
    assert_eq!(items(&del)[0]["z"], s("z"));
    assert!(
        get(&e, "tbl", json!({"pk": s("a"), "sk": s("1")}))
            .get("Item")
            .is_none()
    );
    // Deleting an item that does not exist succeeds.
    assert_eq!(
        exec(&e, "DELETE FROM tbl WHERE pk = 'a' AND sk = '1'"),
        json!({"Items": []})
    );
}

#[test]
fn set_add_and_set_delete_change_sets() {
    let e = engine();
    table(&e, "tbl", false);
    exec(
        &e,
        "INSERT INTO tbl VALUE {'pk': 'a', 'tags': <<'x'>>, 'nums': <<1, 2>>}",
    );
    exec(
        &e,
        "UPDATE tbl SET tags = set_add(tags, <<'y'>>) SET nums = set_delete(nums, <<1>>) WHERE pk = 'a'",
    );
    let item = &get(&e, "tbl", json!({"pk": s("a")}))["Item"];
    assert_eq!(item["tags"], json!({"SS": ["x", "y"]}));
    assert_eq!(item["nums"], json!({"NS": ["2"]}));
}

#[test]
fn parameters_bind_in_order() {
    let e = engine();
    table(&e, "tbl", true);
    ok(
        &e,
        "ExecuteStatement",
        json!({"Statement": "INSERT INTO tbl VALUE {'pk': ?, 'sk': ?, 'b': ?, 'v': ?}",
               "Parameters": [s("p"), s("1"), {"B": "AAE="}, {"M": {"x": n("5")}}]}),
    );
    let out = ok(
        &e,
        "ExecuteStatement",
        json!({"Statement": "SELECT * FROM tbl WHERE pk = ? AND v.x = ?", "Parameters": [s("p"), n("5")]}),
    );
    assert_eq!(items(&out).len(), 1);
    assert_eq!(items(&out)[0]["b"], json!({"B": "AAE="}));
    let too_few = exec_err(
        &e,
        json!({"Statement": "SELECT * FROM tbl WHERE pk = ? AND sk = ?", "Parameters": [s("p")]}),
    );
    assert_eq!(
        too_few.message.as_deref(),
        Some("Number of parameters in request and statement don't match.")
    );
}

#[test]
fn insert_of_an_existing_key_is_a_duplicate_item() {
    let e = engine();
    table(&e, "tbl", false);
    exec(&e, "INSERT INTO tbl VALUE {'pk': 'a', 'v': 1}");
    let err = exec_err(
        &e,
        json!({"Statement": "INSERT INTO tbl VALUE {'pk': 'a', 'v': 2}"}),
    );
    assert_eq!(err.code, ErrorCode::DuplicateItemException);
    assert_eq!(
        err.message.as_deref(),
        Some("Duplicate primary key exists in table")
    );
    assert_eq!(get(&e, "tbl", json!({"pk": s("a")}))["Item"]["v"], n("1"));
}

#[test]
fn update_and_delete_conditions_are_condition_expressions() {
    let e = engine();
    table(&e, "tbl", false);
    exec(&e, "INSERT INTO tbl VALUE {'pk': 'a', 'v': 1}");
    let err = exec_err(
        &e,
        json!({"Statement": "UPDATE tbl SET v = 2 WHERE pk = 'a' AND v = 5",
               "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}),
    );
    assert_eq!(err.code, ErrorCode::ConditionalCheckFailedException);
    assert_eq!(
        err.item.unwrap()["v"],
        dynolab_model::AttributeValue::N(dynolab_model::Number::from_i64(1))
    );
    exec(&e, "UPDATE tbl SET v = 2 WHERE pk = 'a' AND v = 1");
    assert_eq!(get(&e, "tbl", json!({"pk": s("a")}))["Item"]["v"], n("2"));
    // UPDATE of a missing item fails; it never creates one.
    let err = exec_err(
        &e,
        json!({"Statement": "UPDATE tbl SET v = 2 WHERE pk = 'zz'"}),
    );
    assert_eq!(err.code, ErrorCode::ConditionalCheckFailedException);
    assert!(get(&e, "tbl", json!({"pk": s("zz")})).get("Item").is_none());
    let err = exec_err(
        &e,
        json!({"Statement": "DELETE FROM tbl WHERE pk = 'a' AND v IS MISSING"}),
    );
    assert_eq!(err.code, ErrorCode::ConditionalCheckFailedException);
    exec(&e, "DELETE FROM tbl WHERE pk = 'a' AND v IS NOT MISSING");
    assert!(get(&e, "tbl", json!({"pk": s("a")})).get("Item").is_none());
}

#[test]
fn statement_errors_answer_dynamodb_messages() {
    let e = engine();
    table(&e, "tbl", true);
    let cases: &[(&str, &str)] = &[
        (
            "SELECT * FROM tbl WHERE pk = 'a' foo",
            "Statement wasn't well formed, can't be processed: Unexpected token after expression",
        ),
        (
            "SELECT * FROM tbl WHERE",
            "Statement wasn't well formed, can't be processed: Unexpected term",
        ),
        (
            "UPDATE tbl SET v = 1 WHERE pk = 'a'",
            "Where clause does not contain a mandatory equality on all key attributes",
        ),
        (
            "DELETE FROM tbl WHERE sk = '1'",
            "Where clause does not contain a mandatory equality on all key attributes",
        ),
        (
            "UPDATE tbl SET pk = 'b' WHERE pk = 'a' AND sk = '1'",
            "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key",
        ),
        (
            "SELECT * FROM tbl.nope WHERE pk = 'a'",
            "The table does not have the specified index: nope",
        ),
        (
            "SELECT * FROM tbl ORDER BY sk",
            "Must have WHERE clause in the statement when using ORDER BY clause.",
        ),
        (
            "SELECT * FROM tbl WHERE v = 1 ORDER BY sk",
            "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause.",
        ),
        (
            "DELETE FROM tbl WHERE pk = 1 AND sk = '1'",
            "Key attribute's data type should match its data type in table's schema: Key pk",
        ),
        (
            "EXISTS(SELECT * FROM tbl WHERE pk = 'a' AND sk = '1')",
            "EXISTS can only be used in ExecuteTransaction write requests.",
        ),
        (
            "INSERT INTO tbl VALUE 'x'",
            "Unsupported format in item expression. Please use struct format {...} to express item values for insert statement.",
        ),
    ];
    for (statement, want) in cases {
        let err = exec_err(&e, json!({"Statement": statement}));
        assert_eq!(err.code, ErrorCode::ValidationException, "{statement}");
        assert_eq!(err.message.as_deref(), Some(*want), "{statement}");
    }
    let missing = exec_err(
        &e,
        json!({"Statement": "SELECT * FROM nope WHERE pk = 'a'"}),
    );
    assert_eq!(missing.code, ErrorCode::ResourceNotFoundException);
    let empty = exec_err(&e, json!({"Statement": ""}));
    assert_eq!(empty.code, ErrorCode::ValidationException);
}

/// Ten items of 3,000 bytes in ten partitions.
fn ten_big_items(e: &dynolab_engine::Engine) {
    table(e, "tbl", false);
    let pad = "x".repeat(3000);
    for i in 0..10 {
        ok(
            e,
            "ExecuteStatement",
            json!({"Statement": "INSERT INTO tbl VALUE {'pk': ?, 'pad': ?}", "Parameters": [s(&format!("k{i}")), s(&pad)]}),
        );
    }
}

fn units(v: &Value) -> f64 {
    v["ConsumedCapacity"]["CapacityUnits"].as_f64().unwrap()
}

#[test]
fn a_where_on_the_partition_key_is_a_query_otherwise_a_scan() {
    let e = engine();
    ten_big_items(&e);
    let query = ok(
        &e,
        "ExecuteStatement",
        json!({"Statement": "SELECT pk FROM tbl WHERE pk = 'k3'", "ReturnConsumedCapacity": "TOTAL"}),
    );
    assert_eq!(items(&query), vec![json!({"pk": s("k3")})]);
    assert_eq!(units(&query), 0.5, "one 3 KB item, eventually consistent");
    assert_eq!(query["ConsumedCapacity"]["TableName"], "tbl");
    let scan = ok(
        &e,
        "ExecuteStatement",
        json!({"Statement": "SELECT pk FROM tbl WHERE pad <> 'x' OR pk = 'k3'", "ReturnConsumedCapacity": "TOTAL"}),
    );
    assert_eq!(items(&scan).len(), 10);
    assert_eq!(
        units(&scan),
        4.0,
        "30 KB read by the scan, eventually consistent"
    );
    let in_query = ok(
        &e,
        "ExecuteStatement",
        json!({"Statement": "SELECT pk FROM tbl WHERE pk IN ['k1', 'k2', 'nope']", "ReturnConsumedCapacity": "TOTAL", "ConsistentRead": true}),
    );
    assert_eq!(
        items(&in_query),
        vec![json!({"pk": s("k1")}), json!({"pk": s("k2")})]
    );
    assert_eq!(
        units(&in_query),
        3.0,
        "three partitions, each charged at least one strong unit"
    );
}

#[test]
fn limit_and_next_token_page_through_a_scan() {
    let e = engine();
    ten_big_items(&e);
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut body = json!({"Statement": "SELECT pk FROM tbl", "Limit": 3});
        if let Some(t) = &token {
            body["NextToken"] = json!(t);
        }
        let page = ok(&e, "ExecuteStatement", body);
        pages += 1;
        assert!(items(&page).len() <= 3);
        seen.extend(
            items(&page)
                .into_iter()
                .map(|i| i["pk"]["S"].as_str().unwrap().to_string()),
        );
        match page.get("NextToken").and_then(Value::as_str) {
            Some(t) => {
                assert!(page.get("LastEvaluatedKey").is_some());
                token = Some(t.to_string());
            }
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    seen.sort();
    let want: Vec<String> = (0..10).map(|i| format!("k{i}")).collect();
    assert_eq!(seen, want);
    assert_eq!(pages, 4);
}

#[test]
fn limit_pages_through_the_partitions_of_an_in_list_and_order_by_reverses() {
    let e = engine();
    table(&e, "tbl", true);
    for pk in ["a", "b"] {
        for sk in ["1", "2", "3"] {
            ok(
                &e,
                "ExecuteStatement",
                json!({"Statement": "INSERT INTO tbl VALUE {'pk': ?, 'sk': ?}", "Parameters": [s(pk), s(sk)]}),
            );
        }
    }
    let statement = "SELECT pk, sk FROM tbl WHERE pk IN ['b', 'a'] AND sk >= '2' ORDER BY sk DESC";
    let mut got = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..10 {
        let mut body = json!({"Statement": statement, "Limit": 1});
        if let Some(t) = &token {
            body["NextToken"] = json!(t);
        }
        let page = ok(&e, "ExecuteStatement", body);
        got.extend(items(&page).into_iter().map(|i| {
            format!(
                "{}{}",
                i["pk"]["S"].as_str().unwrap(),
                i["sk"]["S"].as_str().unwrap()
            )
        }));
        match page.get("NextToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    assert_eq!(got, ["b3", "b2", "a3", "a2"]);
    // A token only continues its own statement.
    let page = ok(
        &e,
        "ExecuteStatement",
        json!({"Statement": statement, "Limit": 1}),
    );
    let token = page["NextToken"].as_str().unwrap();
    let err = exec_err(
        &e,
        json!({"Statement": "SELECT * FROM tbl WHERE pk = 'a'", "NextToken": token}),
    );
    assert_eq!(
        err.message.as_deref(),
        Some("NextToken does not match request")
    );
    let err = exec_err(&e, json!({"Statement": statement, "NextToken": "garbage!"}));
    assert_eq!(err.message.as_deref(), Some("Invalid NextToken"));
}

#[test]
fn a_select_can_read_an_index() {
    let e = engine();
    ok(
        &e,
        "CreateTable",
        json!({
            "TableName": "gsi_t",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "gk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
            "GlobalSecondaryIndexes": [{"IndexName": "by_gk", "KeySchema": [{"AttributeName": "gk", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}}]
        }),
    );
    exec(
        &e,
        "INSERT INTO gsi_t VALUE {'pk': '1', 'gk': 'x', 'other': 7}",
    );
    exec(&e, "INSERT INTO gsi_t VALUE {'pk': '2', 'gk': 'y'}");
    let out = exec(&e, "SELECT * FROM \"gsi_t\".\"by_gk\" WHERE gk = 'x'");
    assert_eq!(items(&out), vec![json!({"pk": s("1"), "gk": s("x")})]);
    for (statement, want) in [
        (
            "SELECT * FROM gsi_t.by_gk WHERE gk = 'x' AND other = 7",
            "One or more parameter values were invalid: Secondary index by_gk does not project one or more filter attributes: [other]",
        ),
        (
            "SELECT pk, other FROM gsi_t.by_gk WHERE gk = 'x'",
            "One or more parameter values were invalid: Global secondary index by_gk does not project [other]",
        ),
    ] {
        let err = exec_err(&e, json!({ "Statement": statement }));
        assert_eq!(err.message.as_deref(), Some(want), "{statement}");
    }
    let err = exec_err(
        &e,
        json!({"Statement": "SELECT * FROM gsi_t.by_gk WHERE gk = 'x'", "ConsistentRead": true}),
    );
    assert_eq!(
        err.message.as_deref(),
        Some("Strongly consistent read is not supported on Global Secondary Indexes")
    );
}

#[test]
fn batch_execute_statement_answers_per_statement() {
    let e = engine();
    table(&e, "tbl", false);
    exec(&e, "INSERT INTO tbl VALUE {'pk': 'a', 'v': 1}");
    let out = ok(
        &e,
        "BatchExecuteStatement",
        json!({"Statements": [
            {"Statement": "INSERT INTO tbl VALUE {'pk': 'b'}"},
            {"Statement": "INSERT INTO tbl VALUE {'pk': 'a'}"},
            {"Statement": "UPDATE tbl SET v = 2 WHERE pk = 'a' AND v = 9", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
            {"Statement": "DELETE FROM tbl WHERE pk = 'b'"},
            {"Statement": "UPDATE tbl SET v = 3 WHERE"},
        ], "ReturnConsumedCapacity": "TOTAL"}),
    );
    let r = out["Responses"].as_array().unwrap();
    assert_eq!(r.len(), 5);
    assert_eq!(r[0], json!({"TableName": "tbl"}));
    assert_eq!(r[1]["Error"]["Code"], "DuplicateItem");
    assert_eq!(
        r[1]["Error"]["Message"],
        "Duplicate primary key exists in table"
    );
    assert_eq!(r[2]["Error"]["Code"], "ConditionalCheckFailed");
    assert_eq!(r[2]["Error"]["Item"], json!({"pk": s("a"), "v": n("1")}));
    assert_eq!(r[3], json!({"TableName": "tbl"}));
    assert_eq!(r[4]["Error"]["Code"], "ValidationError");
    assert_eq!(
        r[4]["Error"]["Message"],
        "Statement wasn't well formed, can't be processed: Unexpected term"
    );
    assert_eq!(out["ConsumedCapacity"][0]["TableName"], "tbl");
    assert!(get(&e, "tbl", json!({"pk": s("b")})).get("Item").is_none());

    let reads = ok(
        &e,
        "BatchExecuteStatement",
        json!({"Statements": [
            {"Statement": "SELECT v FROM tbl WHERE pk = ?", "Parameters": [s("a")]},
            {"Statement": "SELECT * FROM tbl WHERE pk = 'missing'", "ConsistentRead": true},
            {"Statement": "SELECT * FROM tbl WHERE v = 1"},
        ]}),
    );
    let r = reads["Responses"].as_array().unwrap();
    assert_eq!(r[0], json!({"TableName": "tbl", "Item": {"v": n("1")}}));
    assert_eq!(r[1], json!({"TableName": "tbl"}));
    assert_eq!(r[2]["Error"]["Code"], "ValidationError");

    let mixed = call(
        &e,
        "BatchExecuteStatement",
        json!({"Statements": [
            {"Statement": "SELECT * FROM tbl WHERE pk = 'a'"},
            {"Statement": "DELETE FROM tbl WHERE pk = 'a'"},
        ]}),
    )
    .unwrap_err();
    assert_eq!(mixed.code, ErrorCode::ValidationException);
    let too_many: Vec<Value> = (0..26)
        .map(|_| json!({"Statement": "SELECT * FROM tbl WHERE pk = 'a'"}))
        .collect();
    let err = call(&e, "BatchExecuteStatement", json!({"Statements": too_many})).unwrap_err();
    assert!(
        err.message
            .unwrap()
            .contains("Member must have length less than or equal to 25"),
    );
}

#[test]
fn execute_transaction_is_all_or_nothing() {
    let e = engine();
    table(&e, "tbl", false);
    exec(&e, "INSERT INTO tbl VALUE {'pk': 'a', 'v': 1}");
    exec(&e, "INSERT INTO tbl VALUE {'pk': 'c', 'v': 1}");
    let err = call(
        &e,
        "ExecuteTransaction",
        json!({"TransactStatements": [
            {"Statement": "INSERT INTO tbl VALUE {'pk': 'new'}"},
            {"Statement": "UPDATE tbl SET v = 2 WHERE pk = 'missing'"},
            {"Statement": "INSERT INTO tbl VALUE {'pk': 'a'}"},
            {"Statement": "EXISTS(SELECT * FROM tbl WHERE pk = 'c' AND v = 5)", "ReturnValuesOnConditionCheckFailure": "ALL_OLD"},
        ], "ClientRequestToken": "tok-1"}),
    )
    .unwrap_err();
    assert_eq!(err.code, ErrorCode::TransactionCanceledException);
    let codes: Vec<&str> = err
        .cancellation_reasons
        .iter()
        .map(|r| r.code.as_str())
        .collect();
    assert_eq!(
        codes,
        [
            "None",
            "ConditionalCheckFailed",
            "DuplicateItem",
            "ConditionalCheckFailed"
        ]
    );
    assert_eq!(
        err.cancellation_reasons[2].message.as_deref(),
        Some("Duplicate primary key exists in table")
    );
    assert!(err.cancellation_reasons[3].item.is_some());
    assert!(
        get(&e, "tbl", json!({"pk": s("new")}))
            .get("Item")
            .is_none(),
        "nothing applied"
    );

    ok(
        &e,
        "ExecuteTransaction",
        json!({"TransactStatements": [
            {"Statement": "INSERT INTO tbl VALUE {'pk': 'new'}"},
            {"Statement": "UPDATE tbl SET v = v + 1 WHERE pk = 'a'"},
            {"Statement": "EXISTS(SELECT * FROM tbl WHERE pk = 'c' AND v = 1)"},
        ]}),
    );
    let out = ok(
        &e,
        "ExecuteTransaction",
        json!({"TransactStatements": [
            {"Statement": "SELECT v FROM tbl WHERE pk = 'a'"},
            {"Statement": "SELECT * FROM tbl WHERE pk = ?", "Parameters": [s("gone")]},
            {"Statement": "SELECT * FROM tbl WHERE pk = 'new'"},
        ], "ReturnConsumedCapacity": "TOTAL"}),
    );
    assert_eq!(out["Responses"][0], json!({"Item": {"v": n("2")}}));
    assert_eq!(out["Responses"][1], json!({}));
    assert_eq!(out["Responses"][2], json!({"Item": {"pk": s("new")}}));
    assert_eq!(out["ConsumedCapacity"][0]["CapacityUnits"], 6.0);
}

/// An ExecuteTransaction that adds `amount` to `pk = a`, with a ClientRequestToken.
fn add_with_token(token: &str, amount: &str) -> Value {
    json!({"TransactStatements": [
        {"Statement": "UPDATE tbl SET v = v + ? WHERE pk = 'a'", "Parameters": [n(amount)]},
    ], "ClientRequestToken": token, "ReturnConsumedCapacity": "TOTAL"})
}

#[test]
fn execute_transaction_client_request_token_is_idempotent() {
    let (e, clock) = engine_and_clock();
    table(&e, "tbl", false);
    exec(&e, "INSERT INTO tbl VALUE {'pk': 'a', 'v': 1}");
    let v = |e: &dynolab_engine::Engine| get(e, "tbl", json!({"pk": s("a")}))["Item"]["v"].clone();
    let first = ok(&e, "ExecuteTransaction", add_with_token("tok-1", "5"));
    assert_eq!(first["ConsumedCapacity"][0]["CapacityUnits"], 2.0);
    assert_eq!(v(&e), n("6"));
    // Repeated within ten minutes: applied once, reported as the read of the item.
    clock.advance_micros(9 * 60 * 1_000_000);
    let again = ok(&e, "ExecuteTransaction", add_with_token("tok-1", "5"));
    assert_eq!(v(&e), n("6"));
    assert_eq!(
        again["ConsumedCapacity"],
        json!([{"TableName": "tbl", "CapacityUnits": 1.0, "ReadCapacityUnits": 1.0}])
    );
    // Other parameters, or the token used by TransactWriteItems: a mismatch.
    let mismatch = call(&e, "ExecuteTransaction", add_with_token("tok-1", "7")).unwrap_err();
    assert_eq!(
        mismatch.code,
        ErrorCode::IdempotentParameterMismatchException
    );
    let other_op = call(
        &e,
        "TransactWriteItems",
        json!({"TransactItems": [{"Update": {"TableName": "tbl", "Key": {"pk": s("a")},
            "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": n("0")}}}],
            "ClientRequestToken": "tok-1"}),
    )
    .unwrap_err();
    assert_eq!(
        other_op.code,
        ErrorCode::IdempotentParameterMismatchException
    );
    assert_eq!(v(&e), n("6"));
    // After the window the token is new again.
    clock.advance_micros(60 * 1_000_000);
    ok(&e, "ExecuteTransaction", add_with_token("tok-1", "7"));
    assert_eq!(v(&e), n("13"));
}

#[test]
fn execute_transaction_refuses_what_dynamodb_refuses() {
    let e = engine();
    table(&e, "tbl", false);
    let cases: &[(Value, &str)] = &[
        (
            json!([{"Statement": "SELECT * FROM tbl WHERE pk = 'a'"}, {"Statement": "DELETE FROM tbl WHERE pk = 'b'"}]),
            "ExecuteTransaction API does not support both read and write operations in the same request.",
        ),
        (
            json!([{"Statement": "UPDATE tbl SET v = 1 WHERE pk = 'a' RETURNING ALL NEW *"}]),
            "Validation failed in TransactStatements[0]: RETURNING clause is not supported in ExecuteTransaction.",
        ),
        (
            json!([{"Statement": "DELETE FROM tbl WHERE pk = 'a'"}, {"Statement": "SELECT * FROM tbl WHERE"}]),
            "Validation failed in TransactStatements[1]: Statement wasn't well formed, can't be processed: Unexpected term",
        ),
        (
            json!([{"Statement": "SELECT * FROM tbl WHERE v = 1"}]),
            "Validation failed in TransactStatements[0]: Select statements within ExecuteTransaction must specify the primary key in the where clause.",
        ),
        (
            json!([{"Statement": "SELECT * FROM tbl.idx WHERE v = 1"}]),
            "Validation failed in TransactStatements[0]: Reads on indices are not supported within transactions.",
        ),
        (
            json!([{"Statement": "DELETE FROM tbl WHERE pk = 'a'"}, {"Statement": "UPDATE tbl SET v = 1 WHERE pk = 'a'"}]),
            "Transaction request cannot include multiple operations on one item",
        ),
    ];
    for (statements, want) in cases {
        let err = call(
            &e,
            "ExecuteTransaction",
            json!({"TransactStatements": statements}),
        )
        .unwrap_err();
        assert_eq!(err.code, ErrorCode::ValidationException, "{statements}");
        assert_eq!(err.message.as_deref(), Some(*want), "{statements}");
    }
}

fn metric_sum(e: &dynolab_engine::Engine, name: &str, dims: Value) -> f64 {
    let out = dynolab_engine::cloudwatch::call(
        e,
        "GetMetricStatistics",
        &json!({"Namespace": "AWS/DynamoDB", "MetricName": name, "Dimensions": dims,
                "StartTime": 1_699_999_000, "EndTime": 1_700_001_000, "Period": 60, "Statistics": ["Sum"]}),
    )
    .unwrap();
    out["Datapoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["Sum"].as_f64().unwrap())
        .sum()
}

#[test]
fn partiql_requests_are_counted_in_the_table_metrics() {
    let e = engine();
    table(&e, "tbl", false);
    exec(&e, "INSERT INTO tbl VALUE {'pk': 'a'}");
    exec(&e, "INSERT INTO tbl VALUE {'pk': 'b'}");
    exec(&e, "SELECT * FROM tbl");
    exec_err(
        &e,
        json!({"Statement": "UPDATE tbl SET v = 1 WHERE pk = 'zz'"}),
    );
    let op = json!([{"Name": "TableName", "Value": "tbl"}, {"Name": "Operation", "Value": "ExecuteStatement"}]);
    assert_eq!(metric_sum(&e, "ReturnedItemCount", op), 2.0);
    assert_eq!(
        metric_sum(
            &e,
            "ConditionalCheckFailedRequests",
            json!([{"Name": "TableName", "Value": "tbl"}])
        ),
        1.0
    );
}

#[test]
fn or_of_partition_keys_is_a_query_and_in_lists_are_capped() {
    let e = engine();
    ten_big_items(&e);
    let out = ok(
        &e,
        "ExecuteStatement",
        json!({"Statement": "SELECT pk FROM tbl WHERE pk = 'k1' OR pk = 'k2'", "ReturnConsumedCapacity": "TOTAL"}),
    );
    assert_eq!(
        items(&out),
        vec![json!({"pk": s("k1")}), json!({"pk": s("k2")})]
    );
    assert_eq!(
        units(&out),
        1.0,
        "two partitions of one 3 KB item each, not a 30 KB scan"
    );
    let values: Vec<String> = (0..51).map(|i| format!("'v{i}'")).collect();
    let err = exec_err(
        &e,
        json!({"Statement": format!("SELECT * FROM tbl WHERE pk IN [{}]", values.join(", "))}),
    );
    assert_eq!(
        err.message.as_deref(),
        Some("Too many decomposed read operations for a given query.")
    );
}

#[test]
fn partiql_writes_spend_provisioned_capacity_and_throttle() {
    let (e, _clock) = engine_with_capacity();
    ok(
        &e,
        "CreateTable",
        json!({"TableName": "prov", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
               "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
               "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}),
    );
    // On a frozen clock only the 300 s of banked burst (300 units) is there to spend.
    let mut written = 0;
    let err = loop {
        let body = json!({"Statement": "INSERT INTO prov VALUE {'pk': ?}", "Parameters": [s(&format!("k{written}"))]});
        match call(&e, "ExecuteStatement", body) {
            Ok(_) => written += 1,
            Err(err) => break err,
        }
        assert!(written < 1_000, "never throttled");
    };
    assert!(
        (290..=310).contains(&written),
        "{written} inserts before throttling"
    );
    assert_eq!(err.code, ErrorCode::ProvisionedThroughputExceededException);
    let batch = ok(
        &e,
        "BatchExecuteStatement",
        json!({"Statements": [{"Statement": "INSERT INTO prov VALUE {'pk': 'late'}"}]}),
    );
    assert_eq!(
        batch["Responses"][0]["Error"]["Code"],
        "ProvisionedThroughputExceeded"
    );
    assert!(
        get(&e, "prov", json!({"pk": s("late")}))
            .get("Item")
            .is_none()
    );
}

/// A select list returns each path's value under its last name, not nested (DynamoDB Local
/// 1.25.1; issue 12), and names each value once.
#[test]
fn select_lists_return_nested_values_under_their_own_names() {
    let e = engine();
    ok(
        &e,
        "CreateTable",
        json!({"TableName": "nest", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}),
    );
    ok(
        &e,
        "PutItem",
        json!({"TableName": "nest", "Item": {"pk": {"S": "n"},
        "m": {"M": {"b": {"M": {"c": {"S": "deep"}, "d": {"N": "1"}}}}},
        "x": {"M": {"c": {"S": "other"}}}, "l": {"L": [{"S": "x"}, {"M": {"k": {"S": "v"}}}]}}}),
    );
    let select = |statement: &str| {
        ok(&e, "ExecuteStatement", json!({"Statement": statement}))["Items"].clone()
    };
    assert_eq!(
        select("SELECT m.b.c FROM nest WHERE pk = 'n'"),
        json!([{"c": {"S": "deep"}}])
    );
    assert_eq!(
        select("SELECT pk, m.b.d FROM nest WHERE pk = 'n'"),
        json!([{"pk": {"S": "n"}, "d": {"N": "1"}}])
    );
    assert_eq!(
        select("SELECT l[0] FROM nest WHERE pk = 'n'"),
        json!([{"l[0]": {"S": "x"}}])
    );
    assert_eq!(select("SELECT m.zz FROM nest WHERE pk = 'n'"), json!([{}]));
    let refused = |statement: &str| {
        call(&e, "ExecuteStatement", json!({"Statement": statement}))
            .unwrap_err()
            .message
            .unwrap_or_default()
    };
    assert_eq!(
        refused("SELECT m.b.c, x.c FROM nest WHERE pk = 'n'"),
        "Duplicate identifiers in select clause: c"
    );
    assert_eq!(
        refused("SELECT m.b.c, m FROM nest WHERE pk = 'n'"),
        "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [m], path two: [m, b, c]"
    );
}
