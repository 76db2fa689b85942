//! The message table (`tests/messages/cases.json`, issue 12) through the AWS SDK for Rust, over a
//! real socket: every row's error code and message as a Rust SDK caller reads them
//! (`ProvideErrorMetadata::code` and `message` of the operation's error).
//!
//! Method: the SDK has no way to build a request from JSON, and its typed builders cannot express
//! most rows (a member of the wrong JSON type, a null, a required member left out, a member the
//! model does not have). So each row is sent by the SDK's own operation for the row's `op` (its
//! `X-Amz-Target`, its HTTP client, SigV4 over the bytes sent, retries off, its error
//! deserializer), with the body it serialized from an empty input replaced by the row's JSON
//! just before signing (`customize().mutate_request`). A row the SDK cannot send at all would be
//! counted and skipped; the test asserts a floor on the rows it checked. The same rows run in
//! process (`crates/dynolab-engine/tests/it/messages.rs`) and with boto3
//! (`tests/python/test_messages.py`); a row with a `gap` must still differ here too.

use aws_sdk_dynamodb::config::http::HttpRequest;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::body::SdkBody;
use serde_json::Value;

use crate::support;

const CASES: &str = include_str!("../../../../tests/messages/cases.json");

/// What the SDK made of one row.
#[derive(Debug, PartialEq)]
enum Outcome {
    Succeeded,
    /// The operation's error: its code and message as the SDK's error metadata gives them.
    Refused(Option<String>, Option<String>),
    /// The SDK did not send the request (it could not build it).
    NotSent(String),
}

/// A request mutator that replaces the serialized body with `body`.
fn with_body(body: String) -> impl Fn(&mut HttpRequest) + Send + Sync + 'static {
    move |request| {
        *request.body_mut() = SdkBody::from(body.clone());
        request
            .headers_mut()
            .insert("content-length", body.len().to_string());
    }
}

fn outcome<T, E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    result: Result<T, SdkError<E, R>>,
) -> Outcome {
    match result {
        Ok(_) => Outcome::Succeeded,
        Err(SdkError::ConstructionFailure(e)) => Outcome::NotSent(format!("{e:?}")),
        Err(e) => Outcome::Refused(e.code().map(str::to_owned), e.message().map(str::to_owned)),
    }
}

/// Sends `body` as operation `op` of DynamoDB (or, with `streams`, of DynamoDB Streams).
async fn send(
    ddb: &aws_sdk_dynamodb::Client,
    streams: &aws_sdk_dynamodbstreams::Client,
    service: Option<&str>,
    op: &str,
    body: String,
) -> Outcome {
    macro_rules! run {
        ($client:ident . $method:ident) => {
            outcome(
                $client
                    .$method()
                    .customize()
                    .mutate_request(with_body(body))
                    .send()
                    .await,
            )
        };
    }
    match (service, op) {
        (Some("streams"), "DescribeStream") => run!(streams.describe_stream),
        (Some("streams"), "GetRecords") => run!(streams.get_records),
        (Some("streams"), "GetShardIterator") => run!(streams.get_shard_iterator),
        (Some("streams"), "ListStreams") => run!(streams.list_streams),
        (None, "BatchExecuteStatement") => run!(ddb.batch_execute_statement),
        (None, "BatchGetItem") => run!(ddb.batch_get_item),
        (None, "BatchWriteItem") => run!(ddb.batch_write_item),
        (None, "CreateBackup") => run!(ddb.create_backup),
        (None, "CreateTable") => run!(ddb.create_table),
        (None, "DeleteBackup") => run!(ddb.delete_backup),
        (None, "DeleteItem") => run!(ddb.delete_item),
        (None, "DeleteTable") => run!(ddb.delete_table),
        (None, "DescribeBackup") => run!(ddb.describe_backup),
        (None, "DescribeContinuousBackups") => run!(ddb.describe_continuous_backups),
        (None, "DescribeContributorInsights") => run!(ddb.describe_contributor_insights),
        (None, "DescribeTable") => run!(ddb.describe_table),
        (None, "DescribeTimeToLive") => run!(ddb.describe_time_to_live),
        (None, "ExecuteStatement") => run!(ddb.execute_statement),
        (None, "ExecuteTransaction") => run!(ddb.execute_transaction),
        (None, "GetItem") => run!(ddb.get_item),
        (None, "ListBackups") => run!(ddb.list_backups),
        (None, "ListContributorInsights") => run!(ddb.list_contributor_insights),
        (None, "ListTables") => run!(ddb.list_tables),
        (None, "ListTagsOfResource") => run!(ddb.list_tags_of_resource),
        (None, "PutItem") => run!(ddb.put_item),
        (None, "Query") => run!(ddb.query),
        (None, "RestoreTableFromBackup") => run!(ddb.restore_table_from_backup),
        (None, "RestoreTableToPointInTime") => run!(ddb.restore_table_to_point_in_time),
        (None, "Scan") => run!(ddb.scan),
        (None, "TagResource") => run!(ddb.tag_resource),
        (None, "TransactGetItems") => run!(ddb.transact_get_items),
        (None, "TransactWriteItems") => run!(ddb.transact_write_items),
        (None, "UntagResource") => run!(ddb.untag_resource),
        (None, "UpdateContinuousBackups") => run!(ddb.update_continuous_backups),
        (None, "UpdateContributorInsights") => run!(ddb.update_contributor_insights),
        (None, "UpdateItem") => run!(ddb.update_item),
        (None, "UpdateTable") => run!(ddb.update_table),
        (None, "UpdateTimeToLive") => run!(ddb.update_time_to_live),
        _ => Outcome::NotSent(format!("no SDK operation for {service:?} {op}")),
    }
}

#[tokio::test]
async fn every_sourced_message_matches_through_the_rust_sdk() {
    let file: Value = serde_json::from_str(CASES).expect("cases.json is JSON");
    let server = support::start_in_memory();
    let ddb = support::client(&server);
    let streams = support::streams_client(&server);
    for table in file["tables"].as_array().expect("tables") {
        let created = send(&ddb, &streams, None, "CreateTable", table.to_string()).await;
        assert_eq!(created, Outcome::Succeeded, "{table}");
    }
    let rows = file["cases"].as_array().expect("cases");
    let (mut checked, mut not_sent) = (0, Vec::new());
    let (mut failures, mut fixed_gaps) = (Vec::new(), Vec::new());
    for row in rows {
        let id = row["id"].as_str().unwrap_or_default();
        let (op, service) = (row["op"].as_str().unwrap_or_default(), row["service"].as_str());
        let got = send(&ddb, &streams, service, op, row["request"].to_string()).await;
        if let Outcome::NotSent(why) = got {
            not_sent.push(format!("{id}: {why}"));
            continue;
        }
        checked += 1;
        let want = Outcome::Refused(
            row["type"].as_str().map(str::to_owned),
            row["message"].as_str().map(str::to_owned),
        );
        match (got == want, row.get("gap").is_some()) {
            (false, false) => failures.push(format!(
                "{id} ({op})\n  expected {want:?}\n  got      {got:?}"
            )),
            (true, true) => fixed_gaps.push(id.to_string()),
            _ => {}
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} rows differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        fixed_gaps.is_empty(),
        "rows marked as gaps now match; drop their `gap`: {fixed_gaps:?}"
    );
    // Every row goes through the SDK; a floor keeps the test from passing on nothing.
    assert!(not_sent.is_empty(), "rows the SDK did not send: {not_sent:?}");
    assert!(checked >= 390, "only {checked} rows checked");
}
