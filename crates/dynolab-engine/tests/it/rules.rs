//! DynamoDB rules found by differential testing against DynamoDB Local (issue 20). Each case
//! names DynamoDB's behaviour and where it is recorded.

use serde_json::{Value, json};

use crate::support::{call, engine, ok, s};

fn setup(e: &dynolab_engine::Engine) {
    ok(
        e,
        "CreateTable",
        json!({
            "TableName": "rules", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "l", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "LocalSecondaryIndexes": [{"IndexName": "by_l", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}}],
            "GlobalSecondaryIndexes": [
                {"IndexName": "keys", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "KEYS_ONLY"}},
                {"IndexName": "incl", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a"]}}]
        }),
    );
    for i in 0..3 {
        ok(
            e,
            "PutItem",
            json!({"TableName": "rules", "Item": {"pk": s("p"), "sk": s(&i.to_string()), "g": s("g"), "l": s("l"), "a": s("x"), "b": s("y"), "m": {"M": {"k": s("v")}}}}),
        );
    }
}

fn message(e: &dynolab_engine::Engine, op: &str, body: Value) -> String {
    match call(e, op, body.clone()) {
        Ok(v) => panic!("{op} {body} succeeded: {v}"),
        Err(err) => err.message.unwrap_or_default(),
    }
}

#[test]
fn an_absent_attribute_is_not_equal_to_another_absent_one() {
    // Alternator's test_update_condition_ne_two_unset, verified against DynamoDB.
    let e = engine();
    setup(&e);
    ok(
        &e,
        "PutItem",
        json!({"TableName": "rules", "Item": {"pk": s("n"), "sk": s("0")}, "ConditionExpression": "q <> z"}),
    );
    let r = ok(
        &e,
        "Scan",
        json!({"TableName": "rules", "FilterExpression": "#n.b <> nothing", "ExpressionAttributeNames": {"#n": "name"}}),
    );
    assert_eq!(r["Count"], 4, "every item passes: {r}");
}

#[test]
fn index_reads_cannot_name_what_the_index_does_not_project() {
    let e = engine();
    setup(&e);
    let gsi_query = |index: &str, extra: Value| {
        let mut body = json!({"TableName": "rules", "IndexName": index, "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": s("g")}});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    // Projections on a GSI (DynamoDB Local's text; dynalite's tests cover the Select form).
    assert_eq!(
        message(
            &e,
            "Query",
            gsi_query("keys", json!({"ProjectionExpression": "pk, m, b"}))
        ),
        "One or more parameter values were invalid: Global secondary index keys does not project [b, m]"
    );
    assert_eq!(
        message(
            &e,
            "Query",
            gsi_query("incl", json!({"ProjectionExpression": "a, b"}))
        ),
        "One or more parameter values were invalid: Global secondary index incl does not project [b]"
    );
    ok(
        &e,
        "Query",
        gsi_query("incl", json!({"ProjectionExpression": "a, g, pk, sk"})),
    );
    let legacy = json!({"TableName": "rules", "IndexName": "keys", "AttributesToGet": ["b"],
        "KeyConditions": {"g": {"ComparisonOperator": "EQ", "AttributeValueList": [s("g")]}}});
    assert_eq!(
        message(&e, "Query", legacy),
        "One or more parameter values were invalid: Global secondary index keys does not project [b]"
    );
    assert_eq!(
        message(
            &e,
            "Scan",
            json!({"TableName": "rules", "IndexName": "keys", "ProjectionExpression": "b"})
        ),
        "One or more parameter values were invalid: Global secondary index keys does not project [b]"
    );
    // An LSI fetches unprojected attributes from the table.
    let r = ok(
        &e,
        "Query",
        json!({"TableName": "rules", "IndexName": "by_l", "KeyConditionExpression": "pk = :p", "ProjectionExpression": "b", "ExpressionAttributeValues": {":p": s("p")}}),
    );
    assert_eq!(r["Items"][0]["b"], s("y"));
    // Filters on a GSI or an LSI Query ("Secondary index", on both kinds: AWS's answer).
    let values = json!({":g": s("g"), ":v": s("y")});
    assert_eq!(
        message(
            &e,
            "Query",
            gsi_query(
                "incl",
                json!({"FilterExpression": "b = :v AND a = :v", "ExpressionAttributeValues": values})
            )
        ),
        "One or more parameter values were invalid: Secondary index incl does not project one or more filter attributes: [b]"
    );
    assert_eq!(
        message(
            &e,
            "Query",
            json!({"TableName": "rules", "IndexName": "by_l", "KeyConditionExpression": "pk = :p", "FilterExpression": "b = :v", "ExpressionAttributeValues": {":p": s("p"), ":v": s("y")}})
        ),
        "One or more parameter values were invalid: Secondary index by_l does not project one or more filter attributes: [b]"
    );
}

#[test]
fn nested_paths_under_key_attributes_are_refused() {
    // dynalite's tests, recorded against DynamoDB ("non-scalar index access").
    let e = engine();
    setup(&e);
    let key = json!({"pk": s("p"), "sk": s("0")});
    let cases = [
        (
            "PutItem",
            json!({"TableName": "rules", "Item": key, "ConditionExpression": "attribute_exists(pk.x)"}),
            "Key: pk",
        ),
        (
            "UpdateItem",
            json!({"TableName": "rules", "Key": key, "UpdateExpression": "SET a = :v", "ConditionExpression": "sk[0] = :v", "ExpressionAttributeValues": {":v": s("v")}}),
            "Key: sk",
        ),
        (
            "GetItem",
            json!({"TableName": "rules", "Key": key, "ProjectionExpression": "a, g.x"}),
            "IndexKey: g",
        ),
        (
            "Scan",
            json!({"TableName": "rules", "FilterExpression": "l[1] = :v", "ExpressionAttributeValues": {":v": s("v")}}),
            "IndexKey: l",
        ),
        (
            "DeleteItem",
            json!({"TableName": "rules", "Key": key, "ConditionExpression": "pk.a = :v", "ExpressionAttributeValues": {":v": s("v")}}),
            "Key: pk",
        ),
    ];
    for (op, body, name) in cases {
        assert_eq!(
            message(&e, op, body),
            format!(
                "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: {name}"
            ),
            "{op}"
        );
    }
}

#[test]
fn distinct_operands_and_not_not() {
    let e = engine();
    setup(&e);
    assert_eq!(
        message(
            &e,
            "UpdateItem",
            json!({"TableName": "rules", "Key": {"pk": s("p"), "sk": s("0")}, "UpdateExpression": "SET a = if_not_exists(a, a)"})
        ),
        "Invalid UpdateExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: if_not_exists, first operand: [a]"
    );
    let r = ok(
        &e,
        "Scan",
        json!({"TableName": "rules", "FilterExpression": "NOT NOT a = :x", "ExpressionAttributeValues": {":x": s("x")}}),
    );
    assert_eq!(r["Count"], 3);
}

#[test]
fn conditional_operator_needs_the_conditions_it_joins() {
    // dynalite's tests, recorded against DynamoDB.
    let e = engine();
    setup(&e);
    let text = "ConditionalOperator cannot be used without Filter or Expected";
    for (op, body) in [
        (
            "PutItem",
            json!({"TableName": "rules", "Item": {"pk": s("c"), "sk": s("c")}, "ConditionalOperator": "AND"}),
        ),
        (
            "DeleteItem",
            json!({"TableName": "rules", "Key": {"pk": s("c"), "sk": s("c")}, "ConditionalOperator": "OR"}),
        ),
        (
            "Query",
            json!({"TableName": "rules", "ConditionalOperator": "AND", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [s("p")]}}}),
        ),
        (
            "Scan",
            json!({"TableName": "rules", "ConditionalOperator": "AND"}),
        ),
    ] {
        assert_eq!(message(&e, op, body), text, "{op}");
    }
}

#[test]
fn a_transaction_reads_one_item_once() {
    // The TransactGetItems API reference: no two actions on the same item.
    let e = engine();
    setup(&e);
    let get = json!({"Get": {"TableName": "rules", "Key": {"pk": s("p"), "sk": s("0")}}});
    assert_eq!(
        message(
            &e,
            "TransactGetItems",
            json!({"TransactItems": [get.clone(), get]})
        ),
        "Transaction request cannot include multiple operations on one item"
    );
}

#[test]
fn a_query_filter_cannot_name_the_keys_it_queries() {
    // dynalite's tests, recorded against DynamoDB ("should return ValidationException if hash
    // key in FilterExpression" and the range, QueryFilter and index forms).
    let e = engine();
    setup(&e);
    let values = json!({":p": s("p"), ":v": s("v")});
    for (filter, key) in [
        ("attribute_exists(pk.b) AND a = :v", "pk"),
        ("sk = :v", "sk"),
        ("sk[1] = :v", "sk"),
    ] {
        assert_eq!(
            message(
                &e,
                "Query",
                json!({"TableName": "rules", "KeyConditionExpression": "pk = :p", "FilterExpression": filter, "ExpressionAttributeValues": values})
            ),
            format!(
                "Filter Expression can only contain non-primary key attributes: Primary key attribute: {key}"
            ),
            "{filter}"
        );
    }
    assert_eq!(
        message(
            &e,
            "Query",
            json!({"TableName": "rules", "KeyConditions": {"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [s("p")]}},
                "QueryFilter": {"sk": {"ComparisonOperator": "EQ", "AttributeValueList": [s("0")]}}})
        ),
        "QueryFilter can only contain non-primary key attributes: Primary key attribute: sk"
    );
    // On an index, the index's keys; the table's sort key is an ordinary attribute there.
    assert_eq!(
        message(
            &e,
            "Query",
            json!({"TableName": "rules", "IndexName": "by_l", "KeyConditionExpression": "pk = :p", "FilterExpression": "l = :v", "ExpressionAttributeValues": values})
        ),
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: l"
    );
}

#[test]
fn an_empty_key_value_in_a_key_condition_is_refused() {
    // DynamoDB Local's answer for every operator, found by the differential harness (issue 20).
    let e = engine();
    setup(&e);
    for cond in [
        "pk = :p AND sk BETWEEN :e AND :x",
        "pk = :p AND begins_with(sk, :e)",
        "pk = :p AND sk > :e",
        "pk = :p AND sk = :e",
    ] {
        let values = if cond.contains(":x") {
            json!({":p": s("p"), ":e": s(""), ":x": s("x")})
        } else {
            json!({":p": s("p"), ":e": s("")})
        };
        assert_eq!(
            message(
                &e,
                "Query",
                json!({"TableName": "rules", "KeyConditionExpression": cond, "ExpressionAttributeValues": values})
            ),
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: sk",
            "{cond}"
        );
    }
    assert_eq!(
        message(
            &e,
            "Query",
            json!({"TableName": "rules", "KeyConditionExpression": "pk = :e", "ExpressionAttributeValues": {":e": s("")}})
        ),
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"
    );
}

#[test]
fn nested_key_paths_are_refused_in_batches_and_transactions_too() {
    let e = engine();
    setup(&e);
    let key = json!({"pk": s("p"), "sk": s("0")});
    let text = "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: pk";
    assert_eq!(
        message(
            &e,
            "BatchGetItem",
            json!({"RequestItems": {"rules": {"Keys": [key], "ProjectionExpression": "pk.a"}}})
        ),
        text
    );
    assert_eq!(
        message(
            &e,
            "TransactGetItems",
            json!({"TransactItems": [{"Get": {"TableName": "rules", "Key": key, "ProjectionExpression": "pk[0]"}}]})
        ),
        text
    );
    assert_eq!(
        message(
            &e,
            "TransactWriteItems",
            json!({"TransactItems": [{"Delete": {"TableName": "rules", "Key": key, "ConditionExpression": "attribute_exists(pk.z)"}}]})
        ),
        text
    );
}

#[test]
fn attribute_names_are_one_to_65535_bytes() {
    // Constraints.html ("64 KB"); Alternator's test_limit_attribute_length_nonkey_bad, verified
    // against DynamoDB, shows 65,535 bytes is the last accepted length; the messages are
    // DynamoDB Local's (issue 20, item 6).
    let e = engine();
    setup(&e);
    let long = "x".repeat(65_536);
    let item = |name: &str| json!({"pk": s("n"), "sk": s("n"), name: s("v")});
    for (op, body, text) in [
        (
            "PutItem",
            json!({"TableName": "rules", "Item": item("")}),
            "Empty attribute name",
        ),
        (
            "PutItem",
            json!({"TableName": "rules", "Item": item(&long)}),
            "Attribute name is too large, must be less than 65536 bytes",
        ),
        (
            "PutItem",
            json!({"TableName": "rules", "Item": {"pk": s("n"), "sk": s("n"), "m": {"M": {"": s("v")}}}}),
            "Empty attribute name",
        ),
        (
            "BatchWriteItem",
            json!({"RequestItems": {"rules": [{"PutRequest": {"Item": item("")}}]}}),
            "Empty attribute name",
        ),
        (
            "TransactWriteItems",
            json!({"TransactItems": [{"Put": {"TableName": "rules", "Item": item(&long)}}]}),
            "Attribute name is too large, must be less than 65536 bytes",
        ),
    ] {
        assert_eq!(message(&e, op, body), text, "{op}");
    }
    ok(
        &e,
        "PutItem",
        json!({"TableName": "rules", "Item": item(&long[1..])}),
    );
}

/// PartiQL SELECT: what DynamoDB checks of a WHERE clause's constants and paths before it
/// reads (each message and its precedence measured against DynamoDB Local 1.25.1, which
/// shares DynamoDB's PartiQL front end; the differential harness found them).
#[test]
fn partiql_select_checks_key_operands_and_operator_types() {
    let e = engine();
    setup(&e);
    let empty = |k: &str| {
        format!(
            "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: {k}"
        )
    };
    let key_type = |k: &str| {
        format!("Key attribute's data type should match its data type in table's schema: Key {k}")
    };
    let filter_type = "One or more parameter values were invalid: Condition parameter type does not match schema type".to_string();
    let scalar = |k: &str| {
        format!(
            "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: {k}"
        )
    };
    let operand = |op: &str, t: &str| {
        format!(
            "Incorrect operand type for operator or function; operator or function: {op}, operand type: {t}"
        )
    };
    let cases: Vec<(&str, String)> = vec![
        // Empty key values: in the key condition and in the filter alike, under NOT too.
        ("SELECT * FROM rules WHERE pk = ''", empty("pk")),
        ("SELECT * FROM rules WHERE pk = 'p' AND sk = ''", empty("sk")),
        ("SELECT * FROM rules WHERE pk IN ['', 'p']", empty("pk")),
        ("SELECT * FROM rules WHERE pk = 'p' AND begins_with(sk, '')", empty("sk")),
        ("SELECT * FROM rules WHERE pk = 'p' AND contains(sk, '')", empty("sk")),
        ("SELECT * FROM rules WHERE NOT pk = ''", empty("pk")),
        ("SELECT * FROM rules WHERE '' = pk", empty("pk")),
        ("SELECT * FROM \"rules\".\"keys\" WHERE g = ''", empty("g")),
        ("SELECT * FROM \"rules\".\"keys\" WHERE g = 'g' AND pk = ''", empty("pk")),
        // Types: the key condition names the key; the rest is a filter's type error.
        ("SELECT * FROM rules WHERE pk = 1", key_type("pk")),
        ("SELECT * FROM rules WHERE pk = 'p' AND sk BETWEEN 1 AND 2", key_type("sk")),
        ("SELECT * FROM rules WHERE sk = 1", filter_type.clone()),
        ("SELECT * FROM rules WHERE pk IN [1, 'p']", filter_type.clone()),
        ("SELECT * FROM rules WHERE pk = 'p' AND sk <> 1", filter_type.clone()),
        ("SELECT * FROM \"rules\".\"keys\" WHERE g = 1", key_type("g")),
        // Precedence: the filter's operands before the key condition's.
        ("SELECT * FROM rules WHERE pk = 1 AND sk = ''", key_type("pk")),
        ("SELECT * FROM rules WHERE pk = 'p' AND sk = 1 AND sk = ''", empty("sk")),
        ("SELECT * FROM rules WHERE pk = 'p' AND sk = '' AND sk = 1", filter_type.clone()),
        // Nested paths into any key attribute, before the operand checks.
        ("SELECT * FROM rules WHERE pk = 'p' AND sk.x = 1", scalar("Key: sk")),
        ("SELECT * FROM rules WHERE sk.x = 1 AND pk.x = 1", scalar("Key: pk")),
        ("SELECT * FROM rules WHERE g.x = 1", scalar("IndexKey: g")),
        ("SELECT * FROM rules WHERE l[0] = 1", scalar("IndexKey: l")),
        ("SELECT pk.y FROM rules WHERE sk.x = 1", scalar("Key: sk")),
        ("SELECT sk.y FROM rules WHERE pk = 'p'", scalar("Key: sk")),
        ("SELECT * FROM rules WHERE pk = '' AND sk.x = 1", scalar("Key: sk")),
        // Operators and functions given constants of a type they refuse.
        ("SELECT * FROM rules WHERE a < <<1, 2>>", operand("<", "NS")),
        ("SELECT * FROM rules WHERE a >= [1]", operand(">=", "L")),
        ("SELECT * FROM rules WHERE a BETWEEN 1 AND true", operand("BETWEEN", "BOOL")),
        ("SELECT * FROM rules WHERE pk = 'p' AND begins_with(sk, 1)", operand("begins_with", "N")),
        ("SELECT * FROM rules WHERE size(1) > 1", operand("size", "N")),
        ("SELECT * FROM rules WHERE attribute_type(a, 1)", operand("attribute_type", "N")),
        ("SELECT * FROM rules WHERE attribute_type(a, 'XX')",
         "Invalid attribute type name found; type: XX, valid types: {N,BS,L,B,NULL,M,S,SS,NS,BOOL}".into()),
        ("SELECT * FROM rules WHERE a BETWEEN 3 AND 1",
         "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:3}, upper bound operand: AttributeValue: {N:1}".into()),
        ("SELECT * FROM rules WHERE a BETWEEN 1 AND 'a'",
         "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}".into()),
    ];
    for (statement, want) in cases {
        assert_eq!(
            message(&e, "ExecuteStatement", json!({"Statement": statement})),
            want,
            "{statement}"
        );
    }
    // Not checked: OR branches, and attributes that are keys of an index the SELECT does not read.
    for statement in [
        "SELECT * FROM rules WHERE pk = '' OR pk = 'p'",
        "SELECT * FROM rules WHERE pk = 'p' AND (sk = '' OR sk = '1')",
        "SELECT * FROM rules WHERE g = ''",
        "SELECT * FROM rules WHERE g = 1",
        "SELECT * FROM rules WHERE a = <<1>>",
    ] {
        ok(&e, "ExecuteStatement", json!({"Statement": statement}));
    }
}

/// Validation found by the differential harness: each request and DynamoDB Local 1.25.1's
/// answer, which dynolab now gives word for word.
#[test]
fn request_validation_matches_dynamodb_local() {
    let e = engine();
    setup(&e);
    let key = json!({"pk": s("p"), "sk": s("0")});
    let item_with = |name: &str, v: Value| {
        let mut item = json!({"pk": s("p"), "sk": s("9")});
        item[name] = v;
        item
    };
    let null_member = "The supplied Item contains a null AttributeValue";
    let cases: Vec<(&str, Value, String)> = vec![
        // JSON null where an attribute value belongs.
        ("PutItem", json!({"TableName": "rules", "Item": item_with("x", Value::Null)}), format!("{null_member}: x is null")),
        ("PutItem", json!({"TableName": "rules", "Item": item_with("x", json!({"M": {"y": null}}))}), format!("{null_member}: y is null")),
        ("PutItem", json!({"TableName": "rules", "Item": item_with("x", json!({"L": [s("a"), null]}))}), null_member.into()),
        ("PutItem", json!({"TableName": "rules", "Item": item_with("x", json!({"SS": ["a", null]}))}),
         "One or more parameter values were invalid: An string set may not have a null string as a member".into()),
        ("PutItem", json!({"TableName": "rules", "Item": item_with("x", json!({"NS": [null]}))}),
         "A value provided cannot be converted into a number".into()),
        ("PutItem", json!({"TableName": "rules", "Item": item_with("x", json!({"BS": [null]}))}), null_member.into()),
        ("GetItem", json!({"TableName": "rules", "Key": {"pk": null, "sk": s("0")}}), format!("{null_member}: pk is null")),
        ("UpdateItem", json!({"TableName": "rules", "Key": key, "UpdateExpression": "SET x = :v", "ExpressionAttributeValues": {":v": null}}),
         format!("ExpressionAttributeValues contains invalid value: {null_member} for key :v")),
        ("BatchWriteItem", json!({"RequestItems": {"rules": [{"PutRequest": {"Item": item_with("x", Value::Null)}}]}}),
         format!("{null_member}: x is null")),
        ("ExecuteStatement", json!({"Statement": "INSERT INTO rules VALUE {'pk': 'n', 'sk': 'b', 'x': ?}", "Parameters": [null]}),
         null_member.into()),
        // Attribute names given through ExpressionAttributeNames.
        ("Scan", json!({"TableName": "rules", "FilterExpression": "#a = :v", "ExpressionAttributeNames": {"#a": ""}, "ExpressionAttributeValues": {":v": s("x")}}),
         "ExpressionAttributeNames contains invalid value: Empty attribute name for key #a".into()),
        ("GetItem", json!({"TableName": "rules", "Key": key, "ProjectionExpression": "#a", "ExpressionAttributeNames": {"#a": "x".repeat(65_536)}}),
         "ExpressionAttributeNames contains invalid value: Attribute name is too large, must be less than 65536 bytes for key #a".into()),
        // Legacy operators: the types each takes (EQ and NE take any), in Expected as in filters.
        ("PutItem", json!({"TableName": "rules", "Item": key, "Expected": {"x": {"ComparisonOperator": "GT", "Value": {"SS": ["a"]}}}}),
         "One or more parameter values were invalid: ComparisonOperator GT is not valid for SS AttributeValue type".into()),
        ("PutItem", json!({"TableName": "rules", "Item": key, "Expected": {"x": {"ComparisonOperator": "IN", "AttributeValueList": [{"NULL": true}]}}}),
         "One or more parameter values were invalid: ComparisonOperator IN is not valid for NULL AttributeValue type".into()),
        ("Scan", json!({"TableName": "rules", "ScanFilter": {"x": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"M": {}}]}}}),
         "One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for M AttributeValue type".into()),
        // A null condition.
        (
            "PutItem",
            json!({"TableName": "rules", "Item": key, "Expected": {"c": null}}),
            "One or more parameter values were invalid: ExpectedAttributeValue must not be null for Attribute: c".into(),
        ),
        (
            "Scan",
            json!({"TableName": "rules", "ScanFilter": {"c": null}}),
            "The filter condition for an attribute cannot be null: c".into(),
        ),
        (
            "Query",
            json!({"TableName": "rules", "KeyConditions": {"pk": null}}),
            "The filter condition for an attribute cannot be null: pk".into(),
        ),
        // ConditionalOperator joins two or more conditions.
        ("PutItem", json!({"TableName": "rules", "Item": key, "Expected": {"x": {"Exists": false}}, "ConditionalOperator": "OR"}),
         "ConditionalOperator can only be used when Filter or Expected has two or more elements".into()),
        ("Scan", json!({"TableName": "rules", "ScanFilter": {"x": {"ComparisonOperator": "NULL"}}, "ConditionalOperator": "AND"}),
         "ConditionalOperator can only be used when Filter or Expected has two or more elements".into()),
        // Names: RequestItems keys and PartiQL's table and index.
        ("BatchGetItem", json!({"RequestItems": {"ab": {"Keys": [key]}}}),
         "1 validation error detected: Value '{\"ab\":{\"Keys\":[{\"pk\":{\"S\":\"p\"},\"sk\":{\"S\":\"0\"}}]}}' at 'requestItems' failed to satisfy constraint: Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]".into()),
        ("ExecuteStatement", json!({"Statement": "SELECT * FROM \"a;b\""}),
         "Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', '0-9', '-', '_', '.'.".into()),
        ("ExecuteStatement", json!({"Statement": "SELECT * FROM \"rules\".\"ix\""}),
         "Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', '0-9', '-', '_', '.'.".into()),
    ];
    for (op, body, want) in cases {
        assert_eq!(
            message(&e, op, body.clone()),
            want,
            "{op} {}",
            &body.to_string()[..body.to_string().len().min(300)]
        );
    }
    // An INSERT's table is only looked up.
    let err = call(
        &e,
        "ExecuteStatement",
        json!({"Statement": "INSERT INTO \"ab\" VALUE {'pk': 'a'}"}),
    )
    .unwrap_err();
    assert_eq!(
        err.code,
        dynolab_model::ErrorCode::ResourceNotFoundException
    );
    // EQ and NE compare any type.
    ok(
        &e,
        "PutItem",
        json!({"TableName": "rules", "Item": key, "Expected": {"m": {"ComparisonOperator": "EQ", "Value": {"M": {"k": s("v")}}}}}),
    );
    ok(
        &e,
        "Scan",
        json!({"TableName": "rules", "ScanFilter": {"x": {"ComparisonOperator": "NE", "AttributeValueList": [{"BOOL": true}]}}}),
    );
}

/// DescribeTable lists only the attributes some key schema uses: deleting a GSI drops its
/// key attributes (DynamoDB Local 1.25.1 does; CreateTable refuses unused definitions).
#[test]
fn deleting_an_index_drops_its_attribute_definitions() {
    let e = engine();
    setup(&e);
    ok(
        &e,
        "UpdateTable",
        json!({"TableName": "rules", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "keys"}}]}),
    );
    let defs = |e: &dynolab_engine::Engine| {
        let d = ok(e, "DescribeTable", json!({"TableName": "rules"}));
        let mut names: Vec<String> = d["Table"]["AttributeDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["AttributeName"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    // `g` is still the key of `incl`.
    assert_eq!(defs(&e), ["g", "l", "pk", "sk"]);
    ok(
        &e,
        "UpdateTable",
        json!({"TableName": "rules", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "incl"}}]}),
    );
    assert_eq!(defs(&e), ["l", "pk", "sk"]);
}

/// Null members of request lists, and a ConditionCheck's condition on a key path (DynamoDB
/// Local 1.25.1's answers, found by tests/differential).
#[test]
fn null_list_members_and_condition_check_key_paths() {
    let e = engine();
    setup(&e);
    let key = json!({"pk": s("p"), "sk": s("0")});
    assert_eq!(
        message(
            &e,
            "BatchGetItem",
            json!({"RequestItems": {"rules": {"Keys": [key, null]}}})
        ),
        "The list of keys in RequestItems for BatchGetItem may not contain null or empty values: rules has one or more empty keys"
    );
    assert_eq!(
        message(
            &e,
            "BatchWriteItem",
            json!({"RequestItems": {"rules": [null, {"PutRequest": {"Item": key}}]}})
        ),
        "The batch write request list for a table cannot be null or empty: rules"
    );
    assert_eq!(
        message(
            &e,
            "BatchGetItem",
            json!({"RequestItems": {"rules": {"Keys": [key]}, "other_table": null}})
        ),
        "The list of keys in RequestItems for BatchGetItem is required: other_table has empty list"
    );
    assert_eq!(
        message(
            &e,
            "BatchWriteItem",
            json!({"RequestItems": {"rules": [{"PutRequest": {"Item": key}}], "other_table": null}})
        ),
        "The batch write request list for a table cannot be null or empty: other_table"
    );
    // DynamoDB Local answers HTTP 500 here; a client's mistake is a 400.
    assert_eq!(
        message(
            &e,
            "TransactWriteItems",
            json!({"TransactItems": [null, {"Put": {"TableName": "rules", "Item": key}}]})
        ),
        "1 validation error detected: Value null at 'transactItems.1.member' failed to satisfy constraint: Member must not be null"
    );
    ok(
        &e,
        "TransactWriteItems",
        json!({"TransactItems": [{"ConditionCheck": {"TableName": "rules", "Key": key, "ConditionExpression": "attribute_not_exists(g.z)"}}]}),
    );
    assert!(message(&e, "TransactWriteItems", json!({"TransactItems": [{"Delete": {"TableName": "rules", "Key": key, "ConditionExpression": "attribute_not_exists(g.z)"}}]}))
        .ends_with("IndexKey: g"));
}

/// UPDATED_OLD / UPDATED_NEW hold what an update changed: a REMOVE that finds nothing (an absent
/// attribute, map key or list index) changed nothing (DynamoDB Local 1.25.1, found by
/// tests/differential); a SET to the same value is still an update.
#[test]
fn updated_values_leave_out_removes_that_found_nothing() {
    let e = engine();
    setup(&e);
    let key = json!({"pk": s("p"), "sk": s("0")});
    ok(
        &e,
        "UpdateItem",
        json!({"TableName": "rules", "Key": key, "UpdateExpression": "SET l2 = :l", "ExpressionAttributeValues": {":l": {"L": [s("a")]}}}),
    );
    for (update, want) in [
        ("REMOVE l2[3]", json!(null)),
        ("REMOVE m.nothing", json!(null)),
        ("REMOVE l2[3] SET a = :x", json!({"a": s("x")})),
        ("REMOVE m.k", json!({"m": {"M": {"k": s("v")}}})),
    ] {
        let mut body = json!({"TableName": "rules", "Key": key, "UpdateExpression": update, "ReturnValues": "UPDATED_OLD"});
        if update.contains(":x") {
            body["ExpressionAttributeValues"] = json!({":x": s("x")});
        }
        let r = ok(&e, "UpdateItem", body);
        assert_eq!(
            r.get("Attributes").cloned().unwrap_or(Value::Null),
            want,
            "{update}"
        );
    }
}

/// Keys written twice are refused before the table is looked up (DynamoDB Local 1.25.1).
#[test]
fn batch_get_duplicates_come_before_the_table_lookup() {
    let e = engine();
    let key = json!({"pk": s("p"), "sk": s("0")});
    assert_eq!(
        message(
            &e,
            "BatchGetItem",
            json!({"RequestItems": {"missing_table": {"Keys": [key, key]}}})
        ),
        "Provided list of item keys contains duplicates"
    );
}

/// An LSI read that needs attributes the index does not project fetches each base item: the
/// fetches are charged to the table, the index entries to the index (DynamoDB Local 1.25.1
/// reports them so; the Developer Guide's LSI page describes the fetch).
#[test]
fn lsi_fetches_are_charged_to_the_table() {
    let e = engine();
    setup(&e);
    let r = ok(
        &e,
        "Query",
        json!({"TableName": "rules", "IndexName": "by_l", "KeyConditionExpression": "pk = :p",
               "ExpressionAttributeValues": {":p": s("p")}, "ProjectionExpression": "a",
               "ReturnConsumedCapacity": "INDEXES"}),
    );
    let c = &r["ConsumedCapacity"];
    // Three entries, one 0.5-unit eventually consistent read; three fetches of 0.5 each.
    assert_eq!(
        c["LocalSecondaryIndexes"]["by_l"]["CapacityUnits"], 0.5,
        "{c}"
    );
    assert_eq!(c["Table"]["CapacityUnits"], 1.5, "{c}");
    assert_eq!(c["CapacityUnits"], 2.0, "{c}");
}

/// A BatchGetItem uses expressions or the legacy parameters, across all its tables (DynamoDB
/// Local 1.25.1, found by tests/differential).
#[test]
fn batch_get_does_not_mix_expressions_across_tables() {
    let e = engine();
    setup(&e);
    ok(
        &e,
        "CreateTable",
        json!({"TableName": "other", "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}),
    );
    assert_eq!(
        message(
            &e,
            "BatchGetItem",
            json!({"RequestItems": {
            "rules": {"Keys": [{"pk": s("p"), "sk": s("0")}], "AttributesToGet": ["a"]},
            "other": {"Keys": [{"pk": s("p")}], "ProjectionExpression": "a"}}})
        ),
        "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}"
    );
}
