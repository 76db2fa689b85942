//! `serve --max-memory` over a socket with the AWS SDK for Rust: a server with a small
//! ceiling refuses writes past it with the documented ValidationException (naming the flag),
//! keeps serving reads and deletes, and a restart has every acknowledged item.

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue as Av;

use crate::support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_server_refuses_writes_serves_reads_and_keeps_every_acknowledged_item() {
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    let server = support::start(&["--data-dir", data_dir, "--max-memory", "64K"]);
    let client = support::client(&server);
    support::hash_table(&client, "full").send().await.unwrap();

    let mut acknowledged = Vec::new();
    let refusal = loop {
        let id = format!("item-{:05}", acknowledged.len());
        let res = client
            .put_item()
            .table_name("full")
            .item("id", Av::S(id.clone()))
            .item("payload", Av::S("p".repeat(180)))
            .send()
            .await;
        match res {
            Ok(_) => acknowledged.push(id),
            Err(e) => break (id, e.into_service_error()),
        }
        assert!(acknowledged.len() < 5_000, "never refused");
    };
    // 64 KiB of ~240-byte entries.
    assert!(
        (150..400).contains(&acknowledged.len()),
        "{}",
        acknowledged.len()
    );
    let (refused_id, error) = refusal;
    assert_eq!(error.code(), Some("ValidationException"));
    assert!(
        error.message().unwrap_or_default().contains("--max-memory"),
        "{error:?}"
    );

    // A batch with a put is refused whole; reads go on.
    let batch = client
        .batch_write_item()
        .request_items(
            "full",
            vec![
                aws_sdk_dynamodb::types::WriteRequest::builder()
                    .put_request(
                        aws_sdk_dynamodb::types::PutRequest::builder()
                            .item("id", Av::S("batched".into()))
                            .build()
                            .unwrap(),
                    )
                    .build(),
            ],
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(batch.code(), Some("ValidationException"));
    for id in [&acknowledged[0], acknowledged.last().unwrap()] {
        let got = client
            .get_item()
            .table_name("full")
            .key("id", Av::S(id.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(got.item().unwrap()["id"].as_s().unwrap(), id);
    }
    let refused = client
        .get_item()
        .table_name("full")
        .key("id", Av::S(refused_id))
        .send()
        .await
        .unwrap();
    assert!(refused.item().is_none(), "a refused write was applied");
    let count = client
        .scan()
        .table_name("full")
        .select(aws_sdk_dynamodb::types::Select::Count)
        .send()
        .await
        .unwrap()
        .count();
    assert_eq!(count as usize, acknowledged.len());
    // A delete is served (and frees room).
    let deleted = acknowledged.remove(0);
    client
        .delete_item()
        .table_name("full")
        .key("id", Av::S(deleted.clone()))
        .send()
        .await
        .unwrap();
    drop(client);
    drop(server);

    // A restart without the small ceiling has exactly the acknowledged items.
    let server = support::start_durable(dir.path());
    let client = support::client(&server);
    let mut found = Vec::new();
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name("full")
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        found.extend(page.items().iter().map(|i| i["id"].as_s().unwrap().clone()));
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            break;
        }
    }
    found.sort();
    assert_eq!(found, acknowledged);
    assert!(!found.contains(&deleted));
}
