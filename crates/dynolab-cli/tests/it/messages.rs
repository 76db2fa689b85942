//! The message table (`tests/messages/cases.json`, issue 12) through the AWS SDK for Rust, over a
//! real socket: every row's error code and message as a Rust SDK caller reads them
//! (`ProvideErrorMetadata::code` and `message` of the operation's error).
//!
//! Method: the SDK has no way to build a request from JSON, and its typed builders cannot express
//! most rows (a member of the wrong JSON type, a null, a member the model does not have). So each
//! row is sent by the SDK's own operation for the row's `op` (its `X-Amz-Target`, its HTTP
//! client, SigV4 over the bytes sent, retries off, its error deserializer), with the body it
//! serialized replaced by the row's JSON just before signing (`customize().mutate_request`).
//! The SDK checks one member client-side, the one its endpoint rules read (`TableName`,
//! `BackupArn`, `TargetTableName` or `ResourceArn`, by operation): it is given the row's own
//! value, and a row without a non-blank string there cannot be sent by the SDK at all; those rows
//! are counted and skipped, and the test asserts floors on the rows checked. The same rows run in
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
    /// The SDK cannot send the row: it lacks the member the SDK requires client-side.
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
        Err(e) => Outcome::Refused(e.code().map(str::to_owned), e.message().map(str::to_owned)),
    }
}

/// Sends the row's `request` as operation `op` of DynamoDB (or, with `streams`, of DynamoDB
/// Streams).
async fn send(
    ddb: &aws_sdk_dynamodb::Client,
    streams: &aws_sdk_dynamodbstreams::Client,
    service: Option<&str>,
    op: &str,
    request: &Value,
) -> Outcome {
    let body = request.to_string();
    // `run!(client.method)`, or `run!(client.method, setter "Member")` for an operation whose
    // endpoint rules require `Member`: the SDK gets the row's value, or the row is not sent.
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
        ($client:ident . $method:ident, $setter:ident $member:literal) => {
            match request[$member].as_str().filter(|s| !s.trim().is_empty()) {
                Some(value) => outcome(
                    $client
                        .$method()
                        .$setter(value)
                        .customize()
                        .mutate_request(with_body(body))
                        .send()
                        .await,
                ),
                None => Outcome::NotSent(format!("the SDK requires {}", $member)),
            }
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
        (None, "CreateBackup") => run!(ddb.create_backup, table_name "TableName"),
        (None, "CreateTable") => run!(ddb.create_table, table_name "TableName"),
        (None, "DeleteBackup") => run!(ddb.delete_backup, backup_arn "BackupArn"),
        (None, "DeleteItem") => run!(ddb.delete_item, table_name "TableName"),
        (None, "DeleteTable") => run!(ddb.delete_table, table_name "TableName"),
        (None, "DescribeBackup") => run!(ddb.describe_backup, backup_arn "BackupArn"),
        (None, "DescribeContinuousBackups") => {
            run!(ddb.describe_continuous_backups, table_name "TableName")
        }
        (None, "DescribeContributorInsights") => {
            run!(ddb.describe_contributor_insights, table_name "TableName")
        }
        (None, "DescribeTable") => run!(ddb.describe_table, table_name "TableName"),
        (None, "DescribeTimeToLive") => run!(ddb.describe_time_to_live, table_name "TableName"),
        (None, "ExecuteStatement") => run!(ddb.execute_statement),
        (None, "ExecuteTransaction") => run!(ddb.execute_transaction),
        (None, "GetItem") => run!(ddb.get_item, table_name "TableName"),
        (None, "ListBackups") => run!(ddb.list_backups),
        (None, "ListContributorInsights") => run!(ddb.list_contributor_insights),
        (None, "ListTables") => run!(ddb.list_tables),
        (None, "ListTagsOfResource") => {
            run!(ddb.list_tags_of_resource, resource_arn "ResourceArn")
        }
        (None, "PutItem") => run!(ddb.put_item, table_name "TableName"),
        (None, "Query") => run!(ddb.query, table_name "TableName"),
        (None, "RestoreTableFromBackup") => {
            run!(ddb.restore_table_from_backup, target_table_name "TargetTableName")
        }
        (None, "RestoreTableToPointInTime") => {
            run!(ddb.restore_table_to_point_in_time, target_table_name "TargetTableName")
        }
        (None, "Scan") => run!(ddb.scan, table_name "TableName"),
        (None, "TagResource") => run!(ddb.tag_resource, resource_arn "ResourceArn"),
        (None, "TransactGetItems") => run!(ddb.transact_get_items),
        (None, "TransactWriteItems") => run!(ddb.transact_write_items),
        (None, "UntagResource") => run!(ddb.untag_resource, resource_arn "ResourceArn"),
        (None, "UpdateContinuousBackups") => {
            run!(ddb.update_continuous_backups, table_name "TableName")
        }
        (None, "UpdateContributorInsights") => {
            run!(ddb.update_contributor_insights, table_name "TableName")
        }
        (None, "UpdateItem") => run!(ddb.update_item, table_name "TableName"),
        (None, "UpdateTable") => run!(ddb.update_table, table_name "TableName"),
        (None, "UpdateTimeToLive") => run!(ddb.update_time_to_live, table_name "TableName"),
        _ => panic!("no SDK operation for {service:?} {op}"),
    }
}

#[tokio::test]
async fn every_sourced_message_matches_through_the_rust_sdk() {
    let file: Value = serde_json::from_str(CASES).expect("cases.json is JSON");
    let server = support::start_in_memory();
    let ddb = support::client(&server);
    let streams = support::streams_client(&server);
    for table in file["tables"].as_array().expect("tables") {
        let created = send(&ddb, &streams, None, "CreateTable", table).await;
        assert_eq!(created, Outcome::Succeeded, "{table}");
    }
    let rows = file["cases"].as_array().expect("cases");
    let (mut checked, mut not_sent) = (0, Vec::new());
    let (mut failures, mut fixed_gaps) = (Vec::new(), Vec::new());
    for row in rows {
        let id = row["id"].as_str().unwrap_or_default();
        let (op, service) = (
            row["op"].as_str().unwrap_or_default(),
            row["service"].as_str(),
        );
        let got = send(&ddb, &streams, service, op, &row["request"]).await;
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
    eprintln!(
        "{checked} rows checked through the Rust SDK; {} not sent",
        not_sent.len()
    );
    // Floors, so the test cannot pass on nothing: what the SDK can send (it refuses only rows
    // without the member its endpoint rules read) is most of the table.
    assert!(checked >= 360, "only {checked} rows checked");
    assert!(
        not_sent.len() <= 40,
        "{} rows not sent: {not_sent:?}",
        not_sent.len()
    );
    assert_eq!(checked + not_sent.len(), rows.len());
}
