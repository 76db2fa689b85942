//! The `request` target: what `dynolab serve` does with a request body, minus HTTP.

use std::sync::Arc;

use dynolab_clock::{Timestamp, VirtualClock};
use dynolab_engine::{Engine, EngineConfig, cloudwatch, streams};
use dynolab_model::{ApiError, ErrorCode};
use serde_json::{Value, json};

/// At most this many requests are run from one input.
pub const MAX_REQUESTS: usize = 8;

/// The start of the fixture's virtual clock.
const START_SECS: u64 = 1_700_000_000;

/// The operation prefix of `X-Amz-Target` for DynamoDB.
const DYNAMODB_PREFIX: &str = "DynamoDB_20120810.";

/// Runs each `Operation\nbody` part of `data` (parts split at NUL bytes) against one fresh
/// in-memory engine holding the [`fixture`] tables, advancing its clock by a minute and
/// ticking after each. Panics if an answer is an `InternalServerError` or cannot be rendered.
pub fn request(data: &[u8]) {
    run_requests(data);
}

/// [`request`], returning each request's target and answer (the bounded run checks that the
/// seed corpus reaches every operation's success path).
pub fn run_requests(data: &[u8]) -> Vec<(String, Result<Value, ApiError>)> {
    let (engine, clock) = fixture();
    let mut answers = Vec::new();
    for part in data.split(|b| *b == 0).take(MAX_REQUESTS) {
        let (target, body) = match part.iter().position(|b| *b == b'\n') {
            Some(i) => (&part[..i], &part[i + 1..]),
            None => (part, &[][..]),
        };
        let target = String::from_utf8_lossy(target).trim().to_string();
        let result = dispatch(&engine, &target, body);
        check_answer(&target, &result);
        answers.push((target, result));
        clock.advance_micros(60_000_000);
        engine.tick();
    }
    // The admin API's views of everything the requests did.
    let _ = serde_json::to_vec(&engine.dashboard());
    let _ = serde_json::to_vec(&engine.cost_report());
    answers
}

/// The routing of `Server::dispatch`: an empty or non-JSON body is a SerializationException,
/// then CloudWatch, DynamoDB Streams or DynamoDB by the target's prefix (a bare operation
/// name is DynamoDB's).
fn dispatch(engine: &Engine, target: &str, body: &[u8]) -> Result<Value, ApiError> {
    if body.is_empty() {
        return Err(ApiError::bad_json());
    }
    let parsed: Value = serde_json::from_slice(body).map_err(|_| ApiError::bad_json())?;
    if let Some(op) = target.strip_prefix(cloudwatch::TARGET_PREFIX)
        && cloudwatch::OPERATIONS.contains(&op)
    {
        return cloudwatch::call(engine, op, &parsed);
    }
    if let Some(op) = target.strip_prefix(streams::TARGET_PREFIX) {
        if !streams::OPERATIONS.contains(&op) {
            return Err(ApiError::unknown_operation());
        }
        return crate::block_on(engine.call_streams(op, &parsed));
    }
    let op = target.strip_prefix(DYNAMODB_PREFIX).unwrap_or(target);
    if !Engine::is_operation(op) {
        return Err(ApiError::unknown_operation());
    }
    let result = crate::block_on(engine.call(op, &parsed));
    if result.is_ok() {
        engine.record_latency(op, &parsed, 1.5);
    }
    result
}

/// What the server would send back must exist: a JSON answer, or an error that is the
/// client's fault (nothing in memory can fail on the server's side).
fn check_answer(target: &str, result: &Result<Value, ApiError>) {
    match result {
        Ok(value) => {
            if serde_json::to_vec(value).is_err() {
                panic!("{target}: the answer cannot be rendered as JSON");
            }
        }
        Err(e) => {
            if e.code == ErrorCode::InternalServerError {
                panic!("{target}: InternalServerError from an in-memory engine: {e:?}");
            }
            let status = e.code.http_status();
            if !(400..500).contains(&status) {
                panic!("{target}: HTTP status {status} for {e:?}");
            }
            let _ = e.code.type_name();
        }
    }
}

/// A fresh in-memory engine with the capacity model on, a virtual clock, and:
/// - `tab`: `pk` (S) + `sk` (N); GSI `gsi` on `gpk` (S) + `gsk` (N) projecting `x`; LSI `lsi` on
///   `pk` + `lsk` (S), ALL; a NEW_AND_OLD_IMAGES stream; TTL on `ttl`; Contributor Insights;
///   six items.
/// - `kvs`: `id` (S) only, provisioned 5/5, two items.
///
/// Panics if the fixture cannot be built (a bug in the harness or the engine, not an input).
pub fn fixture() -> (Engine, VirtualClock) {
    let clock = VirtualClock::new(Timestamp::from_secs(START_SECS));
    let engine = match Engine::open(EngineConfig::default(), Arc::new(clock.clone())) {
        Ok(engine) => engine,
        Err(e) => panic!("fuzz fixture: cannot open an in-memory engine: {e}"),
    };
    let setup = |op: &str, body: Value| {
        if let Err(e) = crate::block_on(engine.call(op, &body)) {
            panic!("fuzz fixture: {op} {body} failed: {e:?}");
        }
    };
    setup(
        "CreateTable",
        json!({
            "TableName": "tab",
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
                {"AttributeName": "gpk", "AttributeType": "S"},
                {"AttributeName": "gsk", "AttributeType": "N"},
                {"AttributeName": "lsk", "AttributeType": "S"}
            ],
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"}
            ],
            "GlobalSecondaryIndexes": [{
                "IndexName": "gsi",
                "KeySchema": [
                    {"AttributeName": "gpk", "KeyType": "HASH"},
                    {"AttributeName": "gsk", "KeyType": "RANGE"}
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]}
            }],
            "LocalSecondaryIndexes": [{
                "IndexName": "lsi",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "lsk", "KeyType": "RANGE"}
                ],
                "Projection": {"ProjectionType": "ALL"}
            }],
            "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}
        }),
    );
    setup(
        "UpdateTimeToLive",
        json!({"TableName": "tab", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "ttl"}}),
    );
    setup(
        "UpdateContributorInsights",
        json!({"TableName": "tab", "ContributorInsightsAction": "ENABLE"}),
    );
    setup(
        "CreateTable",
        json!({
            "TableName": "kvs",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        }),
    );
    let items = [
        json!({"pk": {"S": "a"}, "sk": {"N": "1"}, "gpk": {"S": "g1"}, "gsk": {"N": "10"}, "lsk": {"S": "l1"}, "x": {"S": "x1"}, "n": {"N": "5"}}),
        json!({"pk": {"S": "a"}, "sk": {"N": "2"}, "gpk": {"S": "g1"}, "gsk": {"N": "20"}, "lsk": {"S": "l0"}, "l": {"L": [{"N": "1"}, {"S": "two"}]}}),
        json!({"pk": {"S": "a"}, "sk": {"N": "3"}, "m": {"M": {"k": {"SS": ["p", "q"]}}}, "ttl": {"N": "1700000100"}}),
        json!({"pk": {"S": "b"}, "sk": {"N": "-1.5"}, "gpk": {"S": "g2"}, "gsk": {"N": "0"}, "b": {"B": "AAEC"}}),
        json!({"pk": {"S": "b"}, "sk": {"N": "1e10"}, "ns": {"NS": ["1", "2"]}, "bo": {"BOOL": true}, "nu": {"NULL": true}}),
        json!({"pk": {"S": "c"}, "sk": {"N": "0"}, "gpk": {"S": "g1"}, "gsk": {"N": "10"}, "lsk": {"S": "l9"}}),
    ];
    for item in items {
        setup("PutItem", json!({"TableName": "tab", "Item": item}));
    }
    for id in ["h1", "h2"] {
        setup(
            "PutItem",
            json!({"TableName": "kvs", "Item": {"id": {"S": id}, "v": {"N": "1"}}}),
        );
    }
    (engine, clock)
}
