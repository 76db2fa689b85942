//! The wire protocol over raw HTTP: error shapes for bad input, request ids, CRC32.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Value, json};

use crate::support;

struct Answer {
    status: u16,
    headers: hyper::HeaderMap,
    body: Bytes,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

async fn post(endpoint: &str, target: Option<&str>, body: &str) -> Answer {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut req =
        hyper::Request::post(endpoint).header("content-type", "application/x-amz-json-1.0");
    if let Some(t) = target {
        req = req.header("x-amz-target", t);
    }
    let response = client
        .request(req.body(Full::new(Bytes::from(body.to_string()))).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body,
    }
}

#[tokio::test]
async fn bad_json_is_a_serialization_exception() {
    let server = support::start_in_memory();
    let a = post(
        &server.endpoint,
        Some("DynamoDB_20120810.ListTables"),
        "{not json",
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.json(),
        json!({"__type": "com.amazon.coral.service#SerializationException"})
    );
}

#[tokio::test]
async fn unknown_operations_are_rejected() {
    let server = support::start_in_memory();
    for target in [
        Some("DynamoDB_20120810.Frobnicate"),
        Some("Other_1.ListTables"),
        None,
    ] {
        let a = post(&server.endpoint, target, "{}").await;
        assert_eq!(a.status, 400, "{target:?}");
        assert_eq!(
            a.json()["__type"],
            "com.amazon.coral.service#UnknownOperationException"
        );
    }
}

#[tokio::test]
async fn wrong_types_and_constraints_use_dynamodb_messages() {
    let server = support::start_in_memory();
    let a = post(
        &server.endpoint,
        Some("DynamoDB_20120810.GetItem"),
        r#"{"TableName": 5}"#,
    )
    .await;
    assert_eq!(
        a.json(),
        json!({"__type": "com.amazon.coral.service#SerializationException", "message": "NUMBER_VALUE cannot be converted to String"})
    );
    let a = post(
        &server.endpoint,
        Some("DynamoDB_20120810.ListTables"),
        r#"{"Limit": 101}"#,
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.json(),
        json!({"__type": "com.amazon.coral.validate#ValidationException", "message": "1 validation error detected: Value '101' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 100"})
    );
    let a = post(
        &server.endpoint,
        Some("DynamoDB_20120810.DescribeTable"),
        r#"{"TableName": "missing"}"#,
    )
    .await;
    assert_eq!(
        a.json()["__type"],
        "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
    );
    assert_eq!(
        a.json()["message"],
        "Requested resource not found: Table: missing not found"
    );
}

#[tokio::test]
async fn every_answer_has_a_request_id_and_a_correct_crc32() {
    let server = support::start_in_memory();
    for (target, body) in [
        ("DynamoDB_20120810.ListTables", "{}"),
        ("DynamoDB_20120810.GetItem", "{}"),
    ] {
        let a = post(&server.endpoint, Some(target), body).await;
        let id = a
            .headers
            .get("x-amzn-requestid")
            .expect("request id")
            .to_str()
            .unwrap()
            .to_string();
        assert!(id.len() >= 32, "{id}");
        let crc: u32 = a
            .headers
            .get("x-amz-crc32")
            .expect("crc32")
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(crc, crc32fast::hash(&a.body));
        assert_eq!(
            a.headers.get("content-type").unwrap(),
            "application/x-amz-json-1.0"
        );
    }
}

/// `dynolab ping`, the container image's health check: 0 when anything answers HTTP (a locked
/// down server too), 1 when nothing does.
#[test]
fn ping_tells_a_running_server_from_none() {
    let ping = |endpoint: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_dynolab"))
            .args(["ping", "--endpoint", endpoint, "--timeout-secs", "5"])
            .output()
            .expect("run dynolab ping")
    };
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys.toml");
    std::fs::write(&keys, "[[key]]\nid = \"A\"\nsecret = \"s\"\n").unwrap();
    let open = crate::support::start_in_memory();
    let locked = crate::support::start(&[
        "--in-memory",
        "--admin",
        "off",
        "--credentials",
        keys.to_str().unwrap(),
    ]);
    for server in [&open, &locked] {
        let out = ping(&server.endpoint);
        assert!(out.status.success(), "{out:?}");
        assert!(String::from_utf8_lossy(&out.stdout).contains("answered HTTP"));
    }
    // A port nothing listens on (bound, then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = ping(&format!("http://127.0.0.1:{port}"));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
}
