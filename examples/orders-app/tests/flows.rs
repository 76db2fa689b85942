//! The orders application's flows against an in-process `dynolab serve` (capacity model on),
//! checked against the data set they imported.

use std::sync::Arc;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use dynolab_client::{Client, SingleTable};
use dynolab_clock::{Timestamp, VirtualClock};
use dynolab_engine::{Engine, EngineConfig};
use orders_app::*;

async fn start() -> (String, tokio::task::JoinHandle<()>) {
    let clock = VirtualClock::new(Timestamp::from_secs(1_800_000_000));
    let engine = Engine::open(EngineConfig::default(), Arc::new(clock.clone())).unwrap();
    let (listener, addr) = dynolab_server::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let server = dynolab_server::Server::new(Arc::new(engine), Some(clock));
    let task = tokio::spawn(async move {
        let _ = server.serve(listener).await;
    });
    (format!("http://{addr}"), task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_five_access_patterns_answer_from_the_imported_data() {
    let (endpoint, server) = start().await;
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::v2026_01_12())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("a", "b", None, None, "test"))
        .endpoint_url(&endpoint)
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .build();
    let client = Client::builder(aws_sdk_dynamodb::Client::from_conf(config))
        .seed(1)
        .build();
    let name = "orders-app";
    create_table(&client, name).await.unwrap();
    let table = SingleTable::new(client.clone(), name);
    let data = dataset(20, 60);

    // Batch import: every item written.
    let imported = import(&table, &data).await.unwrap();
    let total = data.users.len() + data.orders.len() + data.products.len();
    assert_eq!(imported.written as usize, total);
    assert_eq!(imported.failed, 0);
    // Typed get of a profile.
    let user: User = table
        .get(&dynolab_client::fields([("user_id", "u0003")]))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user, data.users[3]);

    // 1. Order by id, through GSI2.
    for order in data.orders.iter().step_by(97) {
        let r = order_by_id(&table, &order.order_id).await.unwrap();
        assert_eq!(r.items, vec![order.clone()]);
    }
    assert!(
        order_by_id(&table, "no-such-order")
            .await
            .unwrap()
            .items
            .is_empty()
    );

    // 2. A user's orders, newest first.
    let user = "u0007";
    let mut want: Vec<Order> = data
        .orders
        .iter()
        .filter(|o| o.user_id == user)
        .cloned()
        .collect();
    want.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    let r = orders_of_user(&table, user, 15).await.unwrap();
    assert_eq!(r.items, want[..15].to_vec());

    // 3. Orders by status, newest first: scatter-gather over the status shards equals the
    //    orders of that status sorted by time.
    for status in STATUSES {
        let mut want: Vec<Order> = data
            .orders
            .iter()
            .filter(|o| o.status == status)
            .cloned()
            .collect();
        want.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        let r = orders_by_status(&client, name, status, 25).await.unwrap();
        assert_eq!(r.items, want[..25].to_vec(), "{status}");
        assert!(r.requests >= u64::from(STATUS_SHARDS));
        // The shards are really used: the status's orders are spread over all of them.
        let shards: std::collections::HashSet<u32> = want.iter().map(|o| o.status_shard).collect();
        assert_eq!(shards.len(), STATUS_SHARDS as usize, "{status}");
    }

    // 4. Products by category, by name.
    for category in CATEGORIES {
        let mut want: Vec<Product> = data
            .products
            .iter()
            .filter(|p| p.category == category)
            .cloned()
            .collect();
        want.sort_by(|a, b| a.name.cmp(&b.name));
        let r = products_in_category(&table, category).await.unwrap();
        assert_eq!(r.items, want, "{category}");
    }

    // 5. High-value orders both ways: the same orders; the key on amount reads less.
    for user in ["u0000", "u0011", "u0019"] {
        let min = 800;
        let mut want: Vec<Order> = data
            .orders
            .iter()
            .filter(|o| o.user_id == user && o.amount >= min)
            .cloned()
            .collect();
        assert!(!want.is_empty());
        let by_filter = high_value_by_filter(&table, user, min).await.unwrap();
        let by_key = high_value_by_key(&table, user, min).await.unwrap();
        want.sort_by(|a, b| a.created_at.cmp(&b.created_at));
        assert_eq!(by_filter.items, want, "{user}: filter");
        let mut by_amount = want.clone();
        by_amount.sort_by_key(|o| o.amount);
        assert_eq!(by_key.items, by_amount, "{user}: key, in amount order");
        assert!(
            by_filter.consumed > by_key.consumed,
            "{user}: FilterExpression {} RCU vs key {} RCU",
            by_filter.consumed,
            by_key.consumed
        );
    }
    server.abort();
}
