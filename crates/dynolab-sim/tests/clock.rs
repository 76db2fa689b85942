//! Keys that follow the clock (`date = { clock = "day" }`, `PK = "DAY#{date}"`): every write of
//! a day lands on that day's key, which is hot in the simulation as it is in production.

use dynolab_design::TableDesign;
use dynolab_sim::{SimOptions, Workload, simulate};

const DESIGN: &str = r#"{
  "TableName": "daily",
  "BillingMode": "PROVISIONED",
  "ProvisionedThroughput": {"ReadCapacityUnits": 100, "WriteCapacityUnits": 4000},
  "AttributeDefinitions": [
    {"AttributeName": "PK", "AttributeType": "S"},
    {"AttributeName": "SK", "AttributeType": "S"}
  ],
  "KeySchema": [
    {"AttributeName": "PK", "KeyType": "HASH"},
    {"AttributeName": "SK", "KeyType": "RANGE"}
  ]
}"#;

fn workload(rate: f64) -> Workload {
    Workload::from_toml(&format!(
        r#"
name = "daily"
days = 2
[entities.event]
count = 1000
item_bytes = 500
attributes = {{ date = {{ clock = "day" }}, id = {{ distinct = "unique" }} }}
layout = {{ PK = "DAY#{{date}}", SK = "{{id}}" }}
[[patterns]]
name = "record"
entity = "event"
operation = "PutItem"
rate = {{ base = {rate} }}
"#
    ))
    .unwrap()
}

#[test]
fn each_day_writes_one_key() {
    let design = TableDesign::from_json(DESIGN).unwrap();
    let r = simulate(
        &design,
        &workload(100.0),
        &SimOptions::default(),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(r.throttled, 0);
    let keys: Vec<(&str, u64)> = r
        .top_keys
        .iter()
        .map(|k| (k.key.as_str(), k.requests))
        .collect();
    assert_eq!(
        keys,
        [("DAY#2026-01-01", 8_640_000), ("DAY#2026-01-02", 8_640_000)]
    );
}

#[test]
fn a_day_key_is_capped_at_one_partition_whatever_the_table_has() {
    // 1,500 writes/s on a table of 4,000 WCU: one key, one partition of 1,000 WCU.
    let design = TableDesign::from_json(DESIGN).unwrap();
    let r = simulate(
        &design,
        &workload(1500.0),
        &SimOptions::default(),
        &mut |_, _| {},
    )
    .unwrap();
    let admitted = r.requests - r.throttled;
    let per_second = admitted as f64 / (2.0 * 86_400.0);
    assert!((990.0..=1000.0).contains(&per_second), "{per_second}");
    assert!(r.throttled > 80_000_000, "{}", r.throttled);
    assert!(
        r.by_cause
            .keys()
            .any(|c| c.starts_with("TableWriteKeyRangeThroughputExceeded")),
        "{:?}",
        r.by_cause
    );
}
