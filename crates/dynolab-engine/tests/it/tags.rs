//! TagResource, UntagResource, ListTagsOfResource and CreateTable's `Tags`: DynamoDB's ARN
//! checks, limits and messages; tags are durable and go with the table.

use dynolab_engine::{Engine, EngineConfig};
use dynolab_model::ErrorCode;
use serde_json::{Value, json};

use crate::support::{call, engine, err, ok, table};

const ARN: &str = "arn:aws:dynamodb:us-east-1:000000000000:table/tagged";

fn tags(pairs: &[(&str, &str)]) -> Value {
    Value::Array(
        pairs
            .iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect(),
    )
}

/// Every tag of `arn`, following NextToken; also returns how many pages it took.
fn all_tags(e: &Engine, arn: &str) -> (Vec<(String, String)>, usize) {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut req = json!({"ResourceArn": arn});
        if let Some(t) = &token {
            req["NextToken"] = json!(t);
        }
        let page = ok(e, "ListTagsOfResource", req);
        pages += 1;
        for t in page["Tags"].as_array().unwrap() {
            out.push((
                t["Key"].as_str().unwrap().to_string(),
                t["Value"].as_str().unwrap().to_string(),
            ));
        }
        match page.get("NextToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_string()),
            None => return (out, pages),
        }
    }
}

#[test]
fn tags_are_added_overwritten_listed_and_removed() {
    let e = engine();
    table(&e, "tagged", false);
    assert_eq!(all_tags(&e, ARN).0, vec![]);
    ok(
        &e,
        "TagResource",
        json!({"ResourceArn": ARN, "Tags": tags(&[("env", "prod"), ("team", "a b"), ("cost:centre", "+-=._:/@")])}),
    );
    ok(
        &e,
        "TagResource",
        json!({"ResourceArn": ARN, "Tags": tags(&[("env", "dev"), ("empty", "")])}),
    );
    let (got, _) = all_tags(&e, ARN);
    assert_eq!(
        got,
        [
            ("cost:centre", "+-=._:/@"),
            ("empty", ""),
            ("env", "dev"),
            ("team", "a b")
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
    );
    // Removing keys the table does not have is fine.
    ok(
        &e,
        "UntagResource",
        json!({"ResourceArn": ARN, "TagKeys": ["env", "never-there"]}),
    );
    assert_eq!(all_tags(&e, ARN).0.len(), 3);
}

#[test]
fn fifty_tags_page_by_ten_and_the_fifty_first_is_refused() {
    let e = engine();
    table(&e, "tagged", false);
    let fifty: Vec<(String, String)> = (0..50)
        .map(|i| (format!("k{i:02}"), format!("v{i}")))
        .collect();
    let refs: Vec<(&str, &str)> = fifty
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    ok(
        &e,
        "TagResource",
        json!({"ResourceArn": ARN, "Tags": tags(&refs[..30])}),
    );
    ok(
        &e,
        "TagResource",
        json!({"ResourceArn": ARN, "Tags": tags(&refs[20..])}),
    );
    let (got, pages) = all_tags(&e, ARN);
    assert_eq!(got, fifty);
    assert_eq!(pages, 5);
    assert_eq!(
        err(
            &e,
            "TagResource",
            json!({"ResourceArn": ARN, "Tags": tags(&[("one-more", "x")])})
        ),
        "Number of Tags exceed the current limit for the provided ResourceArn"
    );
    // Overwriting an existing key at the limit is fine.
    ok(
        &e,
        "TagResource",
        json!({"ResourceArn": ARN, "Tags": tags(&[("k00", "new")])}),
    );
    let too_many: Vec<String> = (0..51).map(|i| format!("k{i}")).collect();
    assert_eq!(
        err(
            &e,
            "UntagResource",
            json!({"ResourceArn": ARN, "TagKeys": too_many})
        ),
        "Number of Tags exceed the current limit for the provided ResourceArn"
    );
}

#[test]
fn bad_tags_and_arns_get_dynamodbs_messages() {
    let e = engine();
    table(&e, "tagged", false);
    let long_key = "k".repeat(129);
    let long_value = "v".repeat(257);
    let cases: Vec<(&str, Value, String)> = vec![
        ("TagResource", json!({"ResourceArn": ARN, "Tags": []}), "Atleast one Tag needs to be provided as Input.".into()),
        ("UntagResource", json!({"ResourceArn": ARN, "TagKeys": []}), "Atleast one Tag Key needs to be provided as Input.".into()),
        ("TagResource", json!({"ResourceArn": ARN, "Tags": tags(&[(&long_key, "v")])}), format!("The Tag Key provided is invalid, Key: {long_key}")),
        ("TagResource", json!({"ResourceArn": ARN, "Tags": tags(&[("", "v")])}), "The Tag Key provided is invalid, Key: ".into()),
        ("TagResource", json!({"ResourceArn": ARN, "Tags": tags(&[("bad#key", "v")])}), "The Tag Key provided is invalid, Key: bad#key".into()),
        ("TagResource", json!({"ResourceArn": ARN, "Tags": tags(&[("k", &long_value)])}), format!("The Tag Value provided is invalid, Value: {long_value}")),
        ("TagResource", json!({"ResourceArn": ARN, "Tags": [{"Key": "k"}]}), "The Tag Value provided is invalid, Value: null".into()),
        ("TagResource", json!({"ResourceArn": ARN, "Tags": tags(&[("aws:owner", "v")])}), "Tag Key cannot be prefixed with aws:, Key: aws:owner".into()),
        ("TagResource", json!({"ResourceArn": ARN, "Tags": tags(&[("dup", "1"), ("dup", "2")])}), "Duplicate Tag Keys provided as input: Duplicate Tag Key found dup".into()),
        ("UntagResource", json!({"ResourceArn": ARN, "TagKeys": [long_key]}), format!("The Tag Key provided is invalid, Key: {long_key}")),
        ("ListTagsOfResource", json!({}), "Invalid TableArn".into()),
        ("TagResource", json!({"ResourceArn": "tagged", "Tags": tags(&[("k", "v")])}), "One or more parameter values were invalid: ARNs must start with 'arn:': tagged".into()),
        ("ListTagsOfResource", json!({"ResourceArn": "arn:aws:s3:::bucket"}), "One or more parameter values were invalid: Provided Arn is not a DynamoDB resource arn: arn:aws:s3:::bucket".into()),
        ("ListTagsOfResource", json!({"ResourceArn": format!("{ARN}/index/gsi")}), format!("One or more parameter values were invalid: Invalid resource arn provided, only table or stream is accepted. Provided resource arn: {ARN}/index/gsi")),
        ("ListTagsOfResource", json!({"ResourceArn": "arn:aws:dynamodb:eu-west-1:000000000000:table/tagged"}), "Invalid TableArn: Invalid ResourceArn provided as input arn:aws:dynamodb:eu-west-1:000000000000:table/tagged".into()),
    ];
    for (op, body, message) in cases {
        let e2 = call(&e, op, body.clone()).unwrap_err();
        assert_eq!(e2.code, ErrorCode::ValidationException, "{op} {body}");
        assert_eq!(e2.message.unwrap(), message, "{op} {body}");
    }
    // Nothing was applied by any of them.
    assert_eq!(all_tags(&e, ARN).0, vec![]);
    let missing = "arn:aws:dynamodb:us-east-1:000000000000:table/missing";
    for (op, body) in [
        (
            "TagResource",
            json!({"ResourceArn": missing, "Tags": tags(&[("k", "v")])}),
        ),
        (
            "UntagResource",
            json!({"ResourceArn": missing, "TagKeys": ["k"]}),
        ),
        ("ListTagsOfResource", json!({"ResourceArn": missing})),
    ] {
        let e2 = call(&e, op, body).unwrap_err();
        assert_eq!(e2.code, ErrorCode::ResourceNotFoundException);
        assert_eq!(
            e2.message.unwrap(),
            format!("Requested resource not found: ResourcArn: {missing} not found")
        );
    }
}

#[test]
fn create_table_tags_are_checked_and_go_with_the_table() {
    let e = engine();
    let create = |tags: Value| {
        json!({"TableName": "tagged", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "Tags": tags})
    };
    let fifty_one: Vec<(String, String)> = (0..51).map(|i| (format!("k{i}"), "v".into())).collect();
    let refs: Vec<(&str, &str)> = fifty_one
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        err(&e, "CreateTable", create(tags(&refs))),
        "Number of Tags exceed the current limit for the provided ResourceArn"
    );
    assert_eq!(
        err(&e, "CreateTable", create(tags(&[("aws:x", "v")]))),
        "Tag Key cannot be prefixed with aws:, Key: aws:x"
    );
    // A refused CreateTable creates nothing.
    assert_eq!(ok(&e, "ListTables", json!({}))["TableNames"], json!([]));
    ok(&e, "CreateTable", create(tags(&[("env", "prod")])));
    assert_eq!(
        all_tags(&e, ARN).0,
        vec![("env".to_string(), "prod".to_string())]
    );
    ok(&e, "DeleteTable", json!({"TableName": "tagged"}));
    ok(&e, "CreateTable", create(json!([])));
    assert_eq!(all_tags(&e, ARN).0, vec![]);
}

#[test]
fn tags_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let open = || {
        let config = EngineConfig {
            data_dir: Some(dir.path().to_path_buf()),
            capacity: None,
            ..EngineConfig::default()
        };
        let clock =
            dynolab_clock::VirtualClock::new(dynolab_clock::Timestamp::from_secs(1_700_000_000));
        Engine::open(config, std::sync::Arc::new(clock)).unwrap()
    };
    {
        let e = open();
        table(&e, "tagged", false);
        ok(
            &e,
            "TagResource",
            json!({"ResourceArn": ARN, "Tags": tags(&[("a", "1"), ("b", "2")])}),
        );
        ok(
            &e,
            "UntagResource",
            json!({"ResourceArn": ARN, "TagKeys": ["a"]}),
        );
    }
    let e = open();
    assert_eq!(
        all_tags(&e, ARN).0,
        vec![("b".to_string(), "2".to_string())]
    );
}
