//! Acknowledged writes survive `kill -9`: a write load runs against a durable server, the
//! server is killed with SIGKILL in the middle of it, and after a restart every write that was
//! acknowledged is read back.

use std::sync::Arc;
use std::sync::Mutex;

use aws_sdk_dynamodb::types::AttributeValue as Av;

use crate::support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = support::start_durable(dir.path());
    let client = support::client(&server);
    support::hash_table(&client, "durable")
        .send()
        .await
        .unwrap();

    // Eight writers put items as fast as they can and record each acknowledged key.
    let acked = Arc::new(Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for w in 0..8 {
        let client = client.clone();
        let acked = Arc::clone(&acked);
        writers.push(tokio::spawn(async move {
            for i in 0..100_000 {
                let id = format!("w{w}-{i}");
                let res = client
                    .put_item()
                    .table_name("durable")
                    .item("id", Av::S(id.clone()))
                    .item("v", Av::N(i.to_string()))
                    .send()
                    .await;
                match res {
                    Ok(_) => acked.lock().unwrap().push(id),
                    Err(_) => break,
                }
            }
        }));
    }
    // Kill once a few hundred writes are acknowledged, while the writers are still going.
    while acked.lock().unwrap().len() < 2_000 {
        tokio::task::yield_now().await;
    }
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 2_000);

    let server = support::start_durable(dir.path());
    let client = support::client(&server);
    let mut missing = Vec::new();
    for chunk in acked.chunks(100) {
        let keys = chunk
            .iter()
            .map(|id| std::collections::HashMap::from([("id".to_string(), Av::S(id.clone()))]))
            .collect();
        let out = client
            .batch_get_item()
            .request_items(
                "durable",
                aws_sdk_dynamodb::types::KeysAndAttributes::builder()
                    .set_keys(Some(keys))
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let found: std::collections::HashSet<String> = out.responses().unwrap()["durable"]
            .iter()
            .map(|i| i["id"].as_s().unwrap().clone())
            .collect();
        missing.extend(chunk.iter().filter(|id| !found.contains(*id)).cloned());
    }
    assert!(
        missing.is_empty(),
        "{} acknowledged writes lost, e.g. {:?}",
        missing.len(),
        &missing[..missing.len().min(5)]
    );
}
