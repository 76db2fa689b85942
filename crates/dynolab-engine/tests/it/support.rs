//! An in-memory engine on a virtual clock, and `call` helpers.

use std::sync::Arc;

use dynolab_clock::{Timestamp, VirtualClock};
use dynolab_engine::{Engine, EngineConfig};
use dynolab_model::ApiError;
use serde_json::{Value, json};

/// An in-memory engine with the capacity model off: behaviour tests run on a frozen clock,
/// where any real capacity limit would eventually bite. Throttling has its own tests.
pub fn engine() -> Engine {
    let config = EngineConfig {
        capacity: None,
        ..EngineConfig::default()
    };
    Engine::open(
        config,
        Arc::new(VirtualClock::new(Timestamp::from_secs(1_700_000_000))),
    )
    .unwrap()
}

/// [`engine`], and the clock that drives it.
pub fn engine_and_clock() -> (Engine, VirtualClock) {
    engine_with(EngineConfig {
        capacity: None,
        ..EngineConfig::default()
    })
}

/// An in-memory engine with `config` on a virtual clock, and the clock.
pub fn engine_with(config: EngineConfig) -> (Engine, VirtualClock) {
    let clock = VirtualClock::new(Timestamp::from_secs(1_700_000_000));
    let engine = Engine::open(config, Arc::new(clock.clone())).unwrap();
    (engine, clock)
}

/// An in-memory engine with the capacity model on, and the clock that drives it.
pub fn engine_with_capacity() -> (Engine, VirtualClock) {
    let clock = VirtualClock::new(Timestamp::from_secs(1_700_000_000));
    let engine = Engine::open(EngineConfig::default(), Arc::new(clock.clone())).unwrap();
    (engine, clock)
}

pub fn call(engine: &Engine, op: &str, body: Value) -> Result<Value, ApiError> {
    futures_lite(engine.call(op, &body))
}

/// Runs a future to completion on a fresh current-thread runtime.
fn futures_lite<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

pub fn ok(engine: &Engine, op: &str, body: Value) -> Value {
    call(engine, op, body.clone()).unwrap_or_else(|e| panic!("{op} {body} failed: {e}"))
}

/// The error message of a call that must fail.
pub fn err(engine: &Engine, op: &str, body: Value) -> String {
    match call(engine, op, body.clone()) {
        Ok(v) => panic!("{op} {body} succeeded: {v}"),
        Err(e) => e.message.unwrap_or_default(),
    }
}

/// A table `t` with string keys `pk` (and `sk` when `range` is true).
pub fn table(engine: &Engine, name: &str, range: bool) {
    let mut defs = vec![json!({"AttributeName": "pk", "AttributeType": "S"})];
    let mut keys = vec![json!({"AttributeName": "pk", "KeyType": "HASH"})];
    if range {
        defs.push(json!({"AttributeName": "sk", "AttributeType": "S"}));
        keys.push(json!({"AttributeName": "sk", "KeyType": "RANGE"}));
    }
    ok(
        engine,
        "CreateTable",
        json!({"TableName": name, "AttributeDefinitions": defs, "KeySchema": keys, "BillingMode": "PAY_PER_REQUEST"}),
    );
}

pub fn s(v: &str) -> Value {
    json!({"S": v})
}

pub fn n(v: &str) -> Value {
    json!({"N": v})
}

/// A DynamoDB Streams call (`DynamoDBStreams_20120810.<op>`).
pub fn streams(engine: &Engine, op: &str, body: Value) -> Result<Value, ApiError> {
    futures_lite(engine.call_streams(op, &body))
}
