//! AWS's own worked examples (dynamodb-facts §1–3), reproduced through the API on a virtual
//! clock: requests as JSON, the clock moved between them, no sleeping.

use dynolab_model::ErrorCode;
use serde_json::json;

use crate::support::{call, engine_with_capacity, ok, s};

fn provisioned(e: &dynolab_engine::Engine, name: &str, rcu: u64, wcu: u64) {
    ok(
        e,
        "CreateTable",
        json!({
            "TableName": name,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": rcu, "WriteCapacityUnits": wcu}
        }),
    );
}

/// `bytes` of payload, so an item is slightly larger than that.
fn pad(bytes: usize) -> serde_json::Value {
    s(&"x".repeat(bytes))
}

#[test]
fn burst_lets_200_rcu_run_900_seconds_on_150_provisioned() {
    // re:Post: 150 RCU idle for 5 minutes banks 45,000; a steady 200 RCU/s lasts 45,000 / 50 = 900 s.
    let (e, clock) = engine_with_capacity();
    provisioned(&e, "burst", 150, 5);
    // One item of just under 40 KB: a strongly consistent read costs 10 RCU.
    ok(
        &e,
        "PutItem",
        json!({"TableName": "burst", "Item": {"pk": s("a"), "v": pad(40 * 1024 - 20)}}),
    );
    clock.advance_micros(300_000_000);
    let mut first_throttle = None;
    'outer: for second in 0..1_000u64 {
        for i in 0..20u64 {
            let r = call(
                &e,
                "GetItem",
                json!({"TableName": "burst", "Key": {"pk": s("a")}, "ConsistentRead": true}),
            );
            if let Err(err) = r {
                assert_eq!(
                    err.throttling_reasons[0].0,
                    "TableReadProvisionedThroughputExceeded"
                );
                first_throttle = Some(second);
                break 'outer;
            }
            let _ = i;
            clock.advance_micros(50_000);
        }
    }
    let second = first_throttle.expect("burst runs out");
    assert!((895..=901).contains(&second), "throttled after {second} s");
}

#[test]
fn adaptive_capacity_serves_150_wcu_on_one_of_four_partitions_of_a_400_wcu_table() {
    // burst-adaptive-capacity.html. Four partitions: created at 3,000 WCU, then lowered to 400
    // (partitions are never merged).
    let (e, clock) = engine_with_capacity();
    provisioned(&e, "adaptive", 1, 3_000);
    ok(
        &e,
        "UpdateTable",
        json!({"TableName": "adaptive", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 400}}),
    );
    // One key per quarter of the hash space: one per partition.
    let mut keys: [Option<String>; 4] = Default::default();
    for n in 0.. {
        let k = format!("key{n}");
        let quarter =
            (dynolab_model::partition::partition_hash(&dynolab_model::AttributeValue::S(k.clone()))
                >> 62) as usize;
        keys[quarter].get_or_insert(k);
        if keys.iter().all(Option::is_some) {
            break;
        }
    }
    let keys: Vec<String> = keys.into_iter().map(Option::unwrap).collect();
    // Ten minutes: 150 WCU/s on the last partition, 83 on each other one (399 of 400 in all).
    // Burst is spent after a few minutes; the hot partition then lives on the others' unused share.
    for _second in 0..600 {
        for (p, key) in keys.iter().enumerate() {
            let units = if p == 3 { 150 } else { 83 };
            let item = json!({"pk": s(key), "v": pad(units * 1024 - 20)});
            ok(
                &e,
                "PutItem",
                json!({"TableName": "adaptive", "Item": item}),
            );
        }
        clock.advance_micros(1_000_000);
    }
}

#[test]
fn one_item_never_gets_more_than_1000_wcu() {
    let (e, clock) = engine_with_capacity();
    provisioned(&e, "single", 1, 5_000);
    let write = |units: usize| {
        call(
            &e,
            "PutItem",
            json!({"TableName": "single", "Item": {"pk": s("one"), "v": pad(units * 1024 - 20)}}),
        )
    };
    // 1,000 WCU/s on one item: ten writes of 100 WCU per second, for a minute.
    for _ in 0..60 {
        for _ in 0..10 {
            write(100).unwrap();
            clock.advance_micros(100_000);
        }
    }
    // 1,200 WCU/s on the same item, for a minute: throttled on its key range.
    let mut throttled = 0;
    for _ in 0..60 {
        for _ in 0..12 {
            if let Err(err) = write(100) {
                assert_eq!(err.code, ErrorCode::ProvisionedThroughputExceededException);
                assert_eq!(
                    err.throttling_reasons[0].0,
                    "TableWriteKeyRangeThroughputExceeded"
                );
                throttled += 1;
            }
            clock.advance_micros(1_000_000 / 12);
        }
    }
    // A partition refills 1,000 WCU per second, so about 2 of every 12 writes are refused.
    assert!((100..=140).contains(&throttled), "{throttled} throttled");
}

#[test]
fn on_demand_absorbs_double_its_peak_but_throttles_at_triple_within_30_minutes() {
    let (e, clock) = engine_with_capacity();
    let clock = &clock;
    ok(
        &e,
        "CreateTable",
        json!({
            "TableName": "ondemand", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]
        }),
    );
    let mut n = 0u64;
    // `per_second` writes of 10 WRU on fresh keys each virtual second; returns how many throttled.
    let mut traffic = |seconds: u64, per_second: u64, clock: &dynolab_clock::VirtualClock| {
        let mut throttled = Vec::new();
        for _ in 0..seconds {
            for _ in 0..per_second {
                n += 1;
                if let Err(err) = call(
                    &e,
                    "PutItem",
                    json!({"TableName": "ondemand", "Item": {"pk": s(&format!("k{n}")), "v": pad(10 * 1024 - 20)}}),
                ) {
                    throttled.push(err);
                }
                clock.advance_micros(1_000_000 / per_second);
            }
        }
        throttled
    };
    // A peak of 3,000 WRU/s for a minute (a new table sustains 4,000).
    assert!(traffic(60, 300, clock).is_empty());
    // Half an hour later the peak has settled: double it (6,000 WRU/s) is absorbed at once.
    clock.advance_micros(31 * 60 * 1_000_000);
    assert!(traffic(20, 600, clock).is_empty());
    // Triple it (9,000 WRU/s) within 30 minutes: throttled while DynamoDB "scales".
    let throttled = traffic(5, 900, clock);
    assert!(throttled.len() > 100, "{} throttled", throttled.len());
    assert!(
        throttled
            .iter()
            .all(|e| e.code == ErrorCode::ThrottlingException)
    );
    assert!(
        throttled[0]
            .message
            .as_deref()
            .unwrap()
            .starts_with("Throughput exceeds the current capacity of your table or index.")
    );
}

#[test]
fn the_seed_orders_table_bills_its_provisioned_capacity_by_the_hour() {
    // 5,000 RCU / 1,000 WCU and five GSIs at 400 RCU / 500 WCU for 730 hours: $2,325.05 of
    // capacity at us-east-1 list prices (storage comes on top, about $75 for 50 GB in 6 copies).
    let (e, clock) = engine_with_capacity();
    let gsis: Vec<_> = ["created_at", "amount", "status", "product_id", "region"]
        .iter()
        .map(|sk| json!({"IndexName": format!("by_{sk}"), "KeySchema": [{"AttributeName": "user_type", "KeyType": "HASH"}, {"AttributeName": sk, "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "ALL"}, "ProvisionedThroughput": {"ReadCapacityUnits": 400, "WriteCapacityUnits": 500}}))
        .collect();
    let defs: Vec<_> = [
        "PK",
        "SK",
        "user_type",
        "created_at",
        "amount",
        "status",
        "product_id",
        "region",
    ]
    .iter()
    .map(|n| json!({"AttributeName": n, "AttributeType": "S"}))
    .collect();
    ok(
        &e,
        "CreateTable",
        json!({
            "TableName": "orders", "AttributeDefinitions": defs,
            "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
            "ProvisionedThroughput": {"ReadCapacityUnits": 5000, "WriteCapacityUnits": 1000},
            "GlobalSecondaryIndexes": gsis
        }),
    );
    clock.advance_micros(730 * 3_600_000_000);
    let report = e.cost_report();
    let total = report["total_so_far"].as_f64().unwrap();
    assert!((total - 2_325.05).abs() < 0.5, "{total}");
    assert!((report["monthly_run_rate"].as_f64().unwrap() - 2_325.05).abs() < 0.5);
    assert_eq!(report["tables"]["orders"].as_array().unwrap().len(), 6);
    // Switching to on-demand stops the capacity charge; requests are billed instead.
    ok(
        &e,
        "UpdateTable",
        json!({"TableName": "orders", "BillingMode": "PAY_PER_REQUEST"}),
    );
    ok(
        &e,
        "PutItem",
        json!({"TableName": "orders", "Item": {"PK": s("USER#1"), "SK": s("ORDER#1")}}),
    );
    clock.advance_micros(3_600_000_000);
    let after = e.cost_report();
    assert!(
        (after["total_so_far"].as_f64().unwrap() - total) < 0.01,
        "no capacity billed after the switch"
    );
    assert_eq!(after["tables"]["orders"][0]["write_request_units"], 1.0);
}

#[test]
fn warm_throughput_lets_a_new_on_demand_table_take_more_at_once() {
    // A new on-demand table sustains 4,000 WRU/s; warmed to 10,000, it takes 8,000 at once.
    let (e, clock) = engine_with_capacity();
    for (name, warm) in [("cold_table", None), ("warm_table", Some(10_000))] {
        let mut body = json!({"TableName": name, "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]});
        if let Some(w) = warm {
            body["WarmThroughput"] =
                json!({"ReadUnitsPerSecond": 12_000, "WriteUnitsPerSecond": w});
        }
        ok(&e, "CreateTable", body);
    }
    // The warmed table starts with partitions for its warm throughput.
    let d = e.dashboard();
    let partitions = |name: &str| {
        let t = d["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == name)
            .unwrap()
            .clone();
        t["resources"][0]["partitions"].as_array().unwrap().len()
    };
    assert_eq!(partitions("cold_table"), 4);
    assert!(partitions("warm_table") >= 10);
    let mut throttled = std::collections::BTreeMap::new();
    for i in 0..800u64 {
        for name in ["cold_table", "warm_table"] {
            let r = call(
                &e,
                "PutItem",
                json!({"TableName": name, "Item": {"pk": s(&format!("k{i}")), "v": pad(10 * 1024 - 20)}}),
            );
            *throttled.entry(name).or_insert(0) += usize::from(r.is_err());
        }
        clock.advance_micros(1_250);
    }
    assert!(throttled["cold_table"] > 300, "{throttled:?}");
    assert_eq!(throttled["warm_table"], 0, "{throttled:?}");
}
