//! DynamoDB Streams: StreamSpecification on CreateTable / UpdateTable, and ListStreams,
//! DescribeStream, GetShardIterator and GetRecords over the table's change log.

use std::sync::Arc;

use dynolab_clock::{Timestamp, VirtualClock};
use dynolab_engine::{Engine, EngineConfig};
use serde_json::{Value, json};

use crate::support::{call, engine, engine_and_clock, err, ok, s, streams};

pub(crate) fn stream_table(engine: &Engine, name: &str, view: &str) -> Value {
    ok(
        engine,
        "CreateTable",
        json!({
            "TableName": name,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamEnabled": true, "StreamViewType": view},
        }),
    )
}

pub(crate) fn arn_of(engine: &Engine, table: &str) -> String {
    ok(engine, "DescribeTable", json!({"TableName": table}))["Table"]["LatestStreamArn"]
        .as_str()
        .unwrap()
        .to_string()
}

fn shard_of(engine: &Engine, arn: &str) -> String {
    streams(engine, "DescribeStream", json!({"StreamArn": arn})).unwrap()["StreamDescription"]
        ["Shards"][0]["ShardId"]
        .as_str()
        .unwrap()
        .to_string()
}

fn iterator(engine: &Engine, arn: &str, kind: &str, seq: Option<&str>) -> String {
    let mut body =
        json!({"StreamArn": arn, "ShardId": shard_of(engine, arn), "ShardIteratorType": kind});
    if let Some(seq) = seq {
        body["SequenceNumber"] = json!(seq);
    }
    streams(engine, "GetShardIterator", body).unwrap()["ShardIterator"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Every record from TRIM_HORIZON, following NextShardIterator until a read returns nothing.
pub(crate) fn all_records(engine: &Engine, arn: &str) -> Vec<Value> {
    let mut it = iterator(engine, arn, "TRIM_HORIZON", None);
    let mut out = Vec::new();
    loop {
        let page = streams(engine, "GetRecords", json!({"ShardIterator": it})).unwrap();
        let records = page["Records"].as_array().unwrap().clone();
        let next = page["NextShardIterator"].as_str().map(str::to_string);
        if records.is_empty() || next.is_none() {
            out.extend(records);
            return out;
        }
        out.extend(records);
        it = next.unwrap();
    }
}

fn events(records: &[Value]) -> Vec<(String, String)> {
    records
        .iter()
        .map(|r| {
            (
                r["eventName"].as_str().unwrap().to_string(),
                r["dynamodb"]["Keys"]["pk"]["S"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn stream_specification_is_validated_as_dynamodb_does() {
    let engine = engine();
    let base = json!({
        "TableName": "tbl",
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
    });
    let with = |spec: Value| {
        let mut b = base.clone();
        b["StreamSpecification"] = spec;
        b
    };
    assert_eq!(
        err(&engine, "CreateTable", with(json!({"StreamEnabled": true}))),
        "One or more parameter values were invalid: Table is being created with a stream enabled, UpdateViewType is required"
    );
    assert_eq!(
        err(
            &engine,
            "CreateTable",
            with(json!({"StreamEnabled": false, "StreamViewType": "KEYS_ONLY"}))
        ),
        "One or more parameter values were invalid: Table is being created with a stream disabled, UpdateViewType should not be specified"
    );
    // A disabled stream without a view type is no stream at all.
    let created = ok(
        &engine,
        "CreateTable",
        with(json!({"StreamEnabled": false})),
    );
    assert!(created["TableDescription"].get("LatestStreamArn").is_none());
    assert!(
        created["TableDescription"]
            .get("StreamSpecification")
            .is_none()
    );

    let update = |spec: Value| json!({"TableName": "tbl", "StreamSpecification": spec});
    assert_eq!(
        err(
            &engine,
            "UpdateTable",
            update(json!({"StreamEnabled": false}))
        ),
        "Table has no stream to disable: TableName: tbl"
    );
    assert_eq!(
        err(
            &engine,
            "UpdateTable",
            update(json!({"StreamEnabled": true}))
        ),
        "One or more parameter values were invalid: If stream is being enabled then UpdateViewType is required"
    );
    let enabled = ok(
        &engine,
        "UpdateTable",
        update(json!({"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"})),
    );
    let table = &enabled["TableDescription"];
    assert_eq!(
        table["StreamSpecification"],
        json!({"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"})
    );
    let label = table["LatestStreamLabel"].as_str().unwrap();
    assert_eq!(label, "2023-11-14T22:13:20.000");
    assert_eq!(
        table["LatestStreamArn"],
        json!(format!(
            "arn:aws:dynamodb:us-east-1:000000000000:table/tbl/stream/{label}"
        ))
    );
    assert_eq!(
        err(
            &engine,
            "UpdateTable",
            update(json!({"StreamEnabled": true, "StreamViewType": "KEYS_ONLY"}))
        ),
        "Table already has an enabled stream: TableName: tbl"
    );
    assert_eq!(
        err(
            &engine,
            "UpdateTable",
            update(json!({"StreamEnabled": false, "StreamViewType": "KEYS_ONLY"}))
        ),
        "One or more parameter values were invalid: If stream is being disabled, then UpdateViewType must not be specified"
    );
    let with_index = json!({
        "TableName": "tbl",
        "StreamSpecification": {"StreamEnabled": false},
        "AttributeDefinitions": [{"AttributeName": "g", "AttributeType": "S"}],
        "GlobalSecondaryIndexUpdates": [{"Create": {"IndexName": "gsi", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}}],
    });
    assert_eq!(
        err(&engine, "UpdateTable", with_index),
        "One or more parameter values were invalid: You cannot create or delete index while changing stream status"
    );
    // The rejected request changed nothing: the stream is still enabled.
    let described = ok(&engine, "DescribeTable", json!({"TableName": "tbl"}));
    assert_eq!(
        described["Table"]["StreamSpecification"]["StreamEnabled"],
        json!(true)
    );
}

#[test]
fn records_follow_commit_order_with_images_per_view_type() {
    for view in ["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"] {
        let engine = engine();
        stream_table(&engine, "tbl", view);
        let item = |pk: &str, v: &str| json!({"pk": s(pk), "v": s(v)});
        ok(
            &engine,
            "PutItem",
            json!({"TableName": "tbl", "Item": item("a", "1")}),
        );
        // Writing an identical item and deleting a missing one change nothing: no records.
        ok(
            &engine,
            "PutItem",
            json!({"TableName": "tbl", "Item": item("a", "1")}),
        );
        ok(
            &engine,
            "DeleteItem",
            json!({"TableName": "tbl", "Key": {"pk": s("zz")}}),
        );
        ok(
            &engine,
            "UpdateItem",
            json!({"TableName": "tbl", "Key": {"pk": s("a")}, "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": s("2")}}),
        );
        ok(
            &engine,
            "BatchWriteItem",
            json!({"RequestItems": {"tbl": [
                {"PutRequest": {"Item": item("b", "1")}},
                {"DeleteRequest": {"Key": {"pk": s("a")}}},
            ]}}),
        );
        ok(
            &engine,
            "TransactWriteItems",
            json!({"TransactItems": [
                {"Put": {"TableName": "tbl", "Item": item("c", "1")}},
                {"Update": {"TableName": "tbl", "Key": {"pk": s("b")}, "UpdateExpression": "SET v = :v", "ExpressionAttributeValues": {":v": s("3")}}},
            ]}),
        );
        // A failed condition writes nothing.
        call(
            &engine,
            "DeleteItem",
            json!({"TableName": "tbl", "Key": {"pk": s("c")}, "ConditionExpression": "v = :x", "ExpressionAttributeValues": {":x": s("no")}}),
        )
        .unwrap_err();

        let records = all_records(&engine, &arn_of(&engine, "tbl"));
        assert_eq!(
            events(&records),
            [
                ("INSERT", "a"),
                ("MODIFY", "a"),
                ("INSERT", "b"),
                ("REMOVE", "a"),
                ("INSERT", "c"),
                ("MODIFY", "b"),
            ]
            .map(|(e, k)| (e.to_string(), k.to_string())),
            "{view}"
        );
        let seqs: Vec<u128> = records
            .iter()
            .map(|r| {
                r["dynamodb"]["SequenceNumber"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
        let modify = &records[1];
        assert_eq!(modify["eventVersion"], "1.1");
        assert_eq!(modify["eventSource"], "aws:dynamodb");
        assert_eq!(modify["awsRegion"], "us-east-1");
        assert!(modify.get("userIdentity").is_none());
        let d = &modify["dynamodb"];
        assert_eq!(d["StreamViewType"], view);
        assert_eq!(d["Keys"], json!({"pk": s("a")}));
        assert_eq!(d["ApproximateCreationDateTime"], json!(1_700_000_000));
        let has_new = view == "NEW_IMAGE" || view == "NEW_AND_OLD_IMAGES";
        let has_old = view == "OLD_IMAGE" || view == "NEW_AND_OLD_IMAGES";
        assert_eq!(
            d.get("NewImage").cloned(),
            has_new.then(|| item("a", "2")),
            "{view}"
        );
        assert_eq!(
            d.get("OldImage").cloned(),
            has_old.then(|| item("a", "1")),
            "{view}"
        );
        // Key bytes (pk + "a") plus each image shown (pk + a + v + 1 or 2 = 5 bytes).
        let images = 5 * (u64::from(has_new) + u64::from(has_old));
        assert_eq!(d["SizeBytes"], json!(3 + images), "{view}");
        // An insert has no old image, a removal no new one.
        assert!(records[0]["dynamodb"].get("OldImage").is_none());
        assert!(records[3]["dynamodb"].get("NewImage").is_none());
    }
}

#[test]
fn iterator_types_limits_and_paging() {
    let engine = engine();
    stream_table(&engine, "tbl", "KEYS_ONLY");
    let arn = arn_of(&engine, "tbl");
    // Nothing yet: LATEST and TRIM_HORIZON both read nothing, and keep an open iterator.
    let latest = iterator(&engine, &arn, "LATEST", None);
    for i in 0..5 {
        ok(
            &engine,
            "PutItem",
            json!({"TableName": "tbl", "Item": {"pk": s(&format!("k{i}"))}}),
        );
    }
    let page = streams(
        &engine,
        "GetRecords",
        json!({"ShardIterator": latest, "Limit": 2}),
    )
    .unwrap();
    assert_eq!(events(page["Records"].as_array().unwrap()).len(), 2);
    let next = page["NextShardIterator"].as_str().unwrap();
    let rest = streams(&engine, "GetRecords", json!({"ShardIterator": next})).unwrap();
    assert_eq!(
        events(rest["Records"].as_array().unwrap()),
        ["k2", "k3", "k4"].map(|k| ("INSERT".to_string(), k.to_string()))
    );
    let all = all_records(&engine, &arn);
    let seq = |i: usize| {
        all[i]["dynamodb"]["SequenceNumber"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let read = |it: String| {
        events(
            streams(&engine, "GetRecords", json!({"ShardIterator": it})).unwrap()["Records"]
                .as_array()
                .unwrap(),
        )
        .into_iter()
        .map(|(_, k)| k)
        .collect::<Vec<_>>()
    };
    assert_eq!(
        read(iterator(&engine, &arn, "AT_SEQUENCE_NUMBER", Some(&seq(3)))),
        ["k3", "k4"]
    );
    assert_eq!(
        read(iterator(
            &engine,
            &arn,
            "AFTER_SEQUENCE_NUMBER",
            Some(&seq(3))
        )),
        ["k4"]
    );
    assert!(read(iterator(&engine, &arn, "LATEST", None)).is_empty());

    let shard = shard_of(&engine, &arn);
    let e = streams(
        &engine,
        "GetShardIterator",
        json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": "AT_SEQUENCE_NUMBER", "SequenceNumber": "000000000000000000001"}),
    )
    .unwrap_err();
    assert_eq!(
        e.code.type_name(),
        "com.amazon.coral.validate#ValidationException"
    );
    let e = streams(
        &engine,
        "GetRecords",
        json!({"ShardIterator": "x", "Limit": 1001}),
    )
    .unwrap_err();
    assert!(
        e.message
            .unwrap()
            .contains("Member must have value less than or equal to 1000")
    );
    // Not a stream ARN: ValidationException; a stream that does not exist: not found.
    let e = streams(
        &engine,
        "DescribeStream",
        json!({"StreamArn": "sdfadfsdfnlfkajakfgjalksfgklasjklasdjfklasdfasdfgasf"}),
    )
    .unwrap_err();
    assert_eq!(
        e.code.type_name(),
        "com.amazon.coral.validate#ValidationException"
    );
    for kind in ["TRIM_HORIZON", "LATEST"] {
        let e = streams(
            &engine,
            "GetShardIterator",
            json!({"StreamArn": arn, "ShardId": shard, "ShardIteratorType": kind, "SequenceNumber": seq(0)}),
        )
        .unwrap_err();
        assert_eq!(
            e.code.type_name(),
            "com.amazon.coral.validate#ValidationException"
        );
    }
    let e = streams(
        &engine,
        "GetShardIterator",
        json!({"StreamArn": arn, "ShardId": "shardId-00000000000000000000-nothere", "ShardIteratorType": "LATEST"}),
    )
    .unwrap_err();
    assert_eq!(
        e.code.type_name(),
        "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
    );
    let after_last = streams(
        &engine,
        "DescribeStream",
        json!({"StreamArn": arn, "ExclusiveStartShardId": "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"}),
    )
    .unwrap();
    assert_eq!(after_last["StreamDescription"]["Shards"], json!([]));
    let e = streams(
        &engine,
        "ListStreams",
        json!({"ExclusiveStartStreamArn": "kossaapaaasdafsdaasdasdasdasasdasfadfadfasdasdas"}),
    )
    .unwrap_err();
    assert_eq!(
        e.code.type_name(),
        "com.amazon.coral.validate#ValidationException"
    );
    let e = streams(
        &engine,
        "DescribeStream",
        json!({"StreamArn": "arn:aws:dynamodb:us-east-1:000000000000:table/tbl/stream/2000-01-01T00:00:00.000"}),
    )
    .unwrap_err();
    assert_eq!(
        e.code.type_name(),
        "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
    );
}

#[test]
fn iterators_expire_after_fifteen_minutes_and_records_after_a_day() {
    let (engine, clock) = engine_and_clock();
    stream_table(&engine, "tbl", "NEW_IMAGE");
    let arn = arn_of(&engine, "tbl");
    ok(
        &engine,
        "PutItem",
        json!({"TableName": "tbl", "Item": {"pk": s("old")}}),
    );
    let first_seq = all_records(&engine, &arn)[0]["dynamodb"]["SequenceNumber"]
        .as_str()
        .unwrap()
        .to_string();
    let it = iterator(&engine, &arn, "TRIM_HORIZON", None);
    clock.advance_micros(15 * 60 * 1_000_000);
    // Exactly 15 minutes old: still valid.
    streams(&engine, "GetRecords", json!({"ShardIterator": it})).unwrap();
    clock.advance_micros(1_000_000);
    let e = streams(&engine, "GetRecords", json!({"ShardIterator": it})).unwrap_err();
    assert_eq!(
        e.code.type_name(),
        "com.amazonaws.dynamodb.v20120810#ExpiredIteratorException"
    );
    assert!(e.message.unwrap().starts_with("Iterator expired."));

    let before_trim = iterator(&engine, &arn, "AT_SEQUENCE_NUMBER", Some(&first_seq));
    clock.advance_micros(24 * 3600 * 1_000_000);
    ok(
        &engine,
        "PutItem",
        json!({"TableName": "tbl", "Item": {"pk": s("new")}}),
    );
    // The first record is now older than 24 hours: trimmed.
    let e = streams(
        &engine,
        "GetShardIterator",
        json!({"StreamArn": arn, "ShardId": shard_of(&engine, &arn), "ShardIteratorType": "AT_SEQUENCE_NUMBER", "SequenceNumber": first_seq}),
    )
    .unwrap_err();
    assert_eq!(
        e.code.type_name(),
        "com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException"
    );
    // An iterator handed out before the trim is also expired by now.
    assert!(streams(&engine, "GetRecords", json!({"ShardIterator": before_trim})).is_err());
    assert_eq!(
        events(&all_records(&engine, &arn)),
        [("INSERT".to_string(), "new".to_string())]
    );
}

#[test]
fn disabling_closes_the_shard_and_reenabling_starts_a_new_stream() {
    let (engine, clock) = engine_and_clock();
    stream_table(&engine, "tbl", "KEYS_ONLY");
    let first = arn_of(&engine, "tbl");
    ok(
        &engine,
        "PutItem",
        json!({"TableName": "tbl", "Item": {"pk": s("a")}}),
    );
    let it = iterator(&engine, &first, "TRIM_HORIZON", None);
    ok(
        &engine,
        "UpdateTable",
        json!({"TableName": "tbl", "StreamSpecification": {"StreamEnabled": false}}),
    );
    let described = ok(&engine, "DescribeTable", json!({"TableName": "tbl"}))["Table"].clone();
    assert!(described.get("StreamSpecification").is_none());
    assert_eq!(described["LatestStreamArn"], json!(first));
    // Written while no stream is enabled: in no stream.
    ok(
        &engine,
        "PutItem",
        json!({"TableName": "tbl", "Item": {"pk": s("unseen")}}),
    );
    let d = streams(&engine, "DescribeStream", json!({"StreamArn": first})).unwrap();
    let d = &d["StreamDescription"];
    assert_eq!(d["StreamStatus"], "DISABLED");
    assert_eq!(
        d["KeySchema"],
        json!([{"AttributeName": "pk", "KeyType": "HASH"}])
    );
    let range = &d["Shards"][0]["SequenceNumberRange"];
    assert!(
        range["EndingSequenceNumber"].as_str().unwrap()
            >= range["StartingSequenceNumber"].as_str().unwrap()
    );
    // The closed shard reads to its end and then has no next iterator.
    let page = streams(&engine, "GetRecords", json!({"ShardIterator": it})).unwrap();
    assert_eq!(
        events(page["Records"].as_array().unwrap()),
        [("INSERT".to_string(), "a".to_string())]
    );
    assert!(page.get("NextShardIterator").is_none());

    clock.advance_micros(1_000);
    ok(
        &engine,
        "UpdateTable",
        json!({"TableName": "tbl", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}}),
    );
    let second = arn_of(&engine, "tbl");
    assert_ne!(first, second);
    ok(
        &engine,
        "PutItem",
        json!({"TableName": "tbl", "Item": {"pk": s("b")}}),
    );
    assert_eq!(
        events(&all_records(&engine, &second)),
        [("INSERT".to_string(), "b".to_string())]
    );
    let d = streams(&engine, "DescribeStream", json!({"StreamArn": second})).unwrap();
    assert_eq!(d["StreamDescription"]["StreamStatus"], "ENABLED");
    assert!(
        d["StreamDescription"]["Shards"][0]["SequenceNumberRange"]
            .get("EndingSequenceNumber")
            .is_none()
    );

    // ListStreams: both streams of t, and pages of one.
    stream_table(&engine, "ubl", "KEYS_ONLY");
    let listed = streams(&engine, "ListStreams", json!({"TableName": "tbl"})).unwrap();
    let arns: Vec<&str> = listed["Streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["StreamArn"].as_str().unwrap())
        .collect();
    assert_eq!(arns, [first.as_str(), second.as_str()]);
    assert_eq!(listed["Streams"][0]["TableName"], "tbl");
    let mut seen = Vec::new();
    let mut start: Option<String> = None;
    loop {
        let mut body = json!({"Limit": 1});
        if let Some(s) = &start {
            body["ExclusiveStartStreamArn"] = json!(s);
        }
        let page = streams(&engine, "ListStreams", body).unwrap();
        seen.extend(
            page["Streams"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["StreamArn"].as_str().unwrap().to_string()),
        );
        match page.get("LastEvaluatedStreamArn") {
            Some(last) => start = Some(last.as_str().unwrap().to_string()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3);
    let e = streams(&engine, "ListStreams", json!({"TableName": "nope"})).unwrap_err();
    assert_eq!(
        e.code.type_name(),
        "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"
    );

    // A disabled stream is listed for 24 hours, then gone.
    clock.advance_micros(24 * 3600 * 1_000_000 + 1);
    let listed = streams(&engine, "ListStreams", json!({"TableName": "tbl"})).unwrap();
    assert_eq!(listed["Streams"].as_array().unwrap().len(), 1);
}

#[test]
fn stream_records_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let open = || {
        let config = EngineConfig {
            data_dir: Some(dir.path().to_path_buf()),
            capacity: None,
            ..EngineConfig::default()
        };
        Engine::open(
            config,
            Arc::new(VirtualClock::new(Timestamp::from_secs(1_700_000_000))),
        )
        .unwrap()
    };
    let before = {
        let engine = open();
        stream_table(&engine, "tbl", "NEW_AND_OLD_IMAGES");
        ok(
            &engine,
            "PutItem",
            json!({"TableName": "tbl", "Item": {"pk": s("a"), "v": s("1")}}),
        );
        ok(
            &engine,
            "PutItem",
            json!({"TableName": "tbl", "Item": {"pk": s("a"), "v": s("2")}}),
        );
        all_records(&engine, &arn_of(&engine, "tbl"))
    };
    let engine = open();
    let arn = arn_of(&engine, "tbl");
    assert_eq!(all_records(&engine, &arn), before);
    ok(
        &engine,
        "DeleteItem",
        json!({"TableName": "tbl", "Key": {"pk": s("a")}}),
    );
    let after = all_records(&engine, &arn);
    assert_eq!(
        events(&after),
        [("INSERT", "a"), ("MODIFY", "a"), ("REMOVE", "a")]
            .map(|(e, k)| (e.to_string(), k.to_string()))
    );
}
