//! PartiQL through the AWS SDK for Rust: ExecuteStatement (parameters, pagination, RETURNING,
//! typed errors), BatchExecuteStatement (per-statement errors) and ExecuteTransaction
//! (cancellation reasons), as the SDK decodes them.

use aws_sdk_dynamodb::types::{
    AttributeValue as Av, BatchStatementErrorCodeEnum, BatchStatementRequest,
    ParameterizedStatement, ReturnConsumedCapacity,
};

use crate::support;

#[tokio::test]
async fn execute_statement_writes_reads_and_pages() {
    let server = support::start_in_memory();
    let client = support::client(&server);
    support::hash_table(&client, "films").send().await.unwrap();
    for i in 0..5 {
        client
            .execute_statement()
            .statement("INSERT INTO films VALUE {'id': ?, 'year': ?, 'tags': <<'a'>>}")
            .parameters(Av::S(format!("f{i}")))
            .parameters(Av::N(format!("{}", 2000 + i)))
            .send()
            .await
            .unwrap();
    }
    let err = client
        .execute_statement()
        .statement("INSERT INTO films VALUE {'id': 'f0'}")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_duplicate_item_exception(), "{err:?}");

    let one = client
        .execute_statement()
        .statement("SELECT id, \"year\" FROM films WHERE id = ?")
        .parameters(Av::S("f3".into()))
        .return_consumed_capacity(ReturnConsumedCapacity::Total)
        .send()
        .await
        .unwrap();
    assert_eq!(one.items().len(), 1);
    assert_eq!(one.items()[0]["year"], Av::N("2003".into()));
    assert_eq!(one.consumed_capacity().unwrap().capacity_units(), Some(0.5));

    let mut ids = Vec::new();
    let mut token = None;
    let mut pages = 0;
    loop {
        let page = client
            .execute_statement()
            .statement("SELECT id FROM films WHERE \"year\" >= 2001")
            .limit(2)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        pages += 1;
        ids.extend(page.items().iter().map(|i| i["id"].as_s().unwrap().clone()));
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    ids.sort();
    assert_eq!(ids, ["f1", "f2", "f3", "f4"]);
    assert_eq!(pages, 3, "five items read two at a time");

    let updated = client
        .execute_statement()
        .statement(
            "UPDATE films SET tags = set_add(tags, <<'b'>>) WHERE id = 'f1' RETURNING ALL NEW *",
        )
        .send()
        .await
        .unwrap();
    let mut tags = updated.items()[0]["tags"].as_ss().unwrap().clone();
    tags.sort();
    assert_eq!(tags, ["a", "b"]);

    let err = client
        .execute_statement()
        .statement("UPDATE films SET n = 1 WHERE id = 'f1' AND \"year\" = 1999")
        .return_values_on_condition_check_failure(
            aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    match err {
        aws_sdk_dynamodb::operation::execute_statement::ExecuteStatementError::ConditionalCheckFailedException(e) => {
            assert_eq!(e.item().unwrap()["year"], Av::N("2001".into()));
        }
        other => panic!("{other:?}"),
    }
    let err = client
        .execute_statement()
        .statement("SELECT * FROM films WHERE")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        err.meta().message(),
        Some("Statement wasn't well formed, can't be processed: Unexpected term")
    );
}

#[tokio::test]
async fn batch_execute_statement_reports_each_statement() {
    let server = support::start_in_memory();
    let client = support::client(&server);
    support::hash_table(&client, "items").send().await.unwrap();
    let stmt = |s: &str| {
        BatchStatementRequest::builder()
            .statement(s)
            .build()
            .unwrap()
    };
    let out = client
        .batch_execute_statement()
        .statements(stmt("INSERT INTO items VALUE {'id': 'a', 'v': 1}"))
        .statements(stmt("INSERT INTO items VALUE {'id': 'b'}"))
        .statements(stmt("UPDATE items SET v = 2 WHERE id = 'missing'"))
        .send()
        .await
        .unwrap();
    let r = out.responses();
    assert_eq!(r.len(), 3);
    assert!(r[0].error().is_none());
    assert_eq!(r[0].table_name(), Some("items"));
    assert_eq!(
        r[2].error().unwrap().code(),
        Some(&BatchStatementErrorCodeEnum::ConditionalCheckFailed)
    );
    let again = client
        .batch_execute_statement()
        .statements(stmt("INSERT INTO items VALUE {'id': 'a'}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.responses()[0].error().unwrap().code(),
        Some(&BatchStatementErrorCodeEnum::DuplicateItem)
    );
    let reads = client
        .batch_execute_statement()
        .statements(stmt("SELECT * FROM items WHERE id = 'a'"))
        .statements(stmt("SELECT * FROM items WHERE id = 'zzz'"))
        .send()
        .await
        .unwrap();
    assert_eq!(reads.responses()[0].item().unwrap()["v"], Av::N("1".into()));
    assert!(reads.responses()[1].item().is_none());
}

#[tokio::test]
async fn execute_transaction_commits_or_cancels_everything() {
    let server = support::start_in_memory();
    let client = support::client(&server);
    support::hash_table(&client, "accounts")
        .send()
        .await
        .unwrap();
    let st = |s: &str| {
        ParameterizedStatement::builder()
            .statement(s)
            .build()
            .unwrap()
    };
    client
        .execute_transaction()
        .transact_statements(st("INSERT INTO accounts VALUE {'id': 'a', 'balance': 10}"))
        .transact_statements(st("INSERT INTO accounts VALUE {'id': 'b', 'balance': 0}"))
        .client_request_token("token-1")
        .send()
        .await
        .unwrap();
    let err = client
        .execute_transaction()
        .transact_statements(st(
            "UPDATE accounts SET balance = balance - 20 WHERE id = 'a' AND balance >= 20",
        ))
        .transact_statements(st(
            "UPDATE accounts SET balance = balance + 20 WHERE id = 'b'",
        ))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    let aws_sdk_dynamodb::operation::execute_transaction::ExecuteTransactionError::TransactionCanceledException(e) = err else {
        panic!("{err:?}")
    };
    let codes: Vec<&str> = e
        .cancellation_reasons()
        .iter()
        .map(|r| r.code().unwrap())
        .collect();
    assert_eq!(codes, ["ConditionalCheckFailed", "None"]);
    client
        .execute_transaction()
        .transact_statements(st(
            "UPDATE accounts SET balance = balance - 5 WHERE id = 'a' AND balance >= 5",
        ))
        .transact_statements(st(
            "UPDATE accounts SET balance = balance + 5 WHERE id = 'b'",
        ))
        .send()
        .await
        .unwrap();
    let read = client
        .execute_transaction()
        .transact_statements(st("SELECT balance FROM accounts WHERE id = 'a'"))
        .transact_statements(st("SELECT balance FROM accounts WHERE id = 'b'"))
        .send()
        .await
        .unwrap();
    let balances: Vec<&str> = read
        .responses()
        .iter()
        .map(|r| r.item().unwrap()["balance"].as_n().unwrap().as_str())
        .collect();
    assert_eq!(balances, ["5", "5"]);
}
