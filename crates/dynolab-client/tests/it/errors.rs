//! Errors are typed values: a service error keeps DynamoDB's code, a connection failure is a
//! transport error retried within the policy, and nothing panics.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dynolab_client::time::{SleepFuture, Time};
use dynolab_client::{Client, Error, Item, RetryPolicy, ShardedQuery, WriteOp};

use crate::support;

/// A clock that moves only when slept on, and records every sleep.
#[derive(Default)]
struct RecordingTime {
    slept: Mutex<Vec<Duration>>,
}

impl Time for RecordingTime {
    fn now(&self) -> Duration {
        self.slept.lock().unwrap().iter().sum()
    }

    fn sleep(&self, duration: Duration) -> SleepFuture<'_> {
        self.slept.lock().unwrap().push(duration);
        Box::pin(async {})
    }
}

#[tokio::test]
async fn service_errors_keep_dynamodbs_code() {
    let server = support::start(support::no_burst()).await;
    let client = Client::new(support::sdk(&server));
    let err = client
        .write_batch("missing", [WriteOp::Put(Item::new())])
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"), "{err}");
    assert!(!err.is_retryable());
    let q = ShardedQuery::new("missing", "PK", vec!["a#0".into()]);
    let err = client.scatter_gather(&q, None).await.unwrap_err();
    assert!(matches!(err, Error::Service { .. }), "{err:?}");
}

#[tokio::test]
async fn an_unreachable_endpoint_is_retried_with_full_jitter_then_reported() {
    // A port nothing listens on: bind one, then close it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::v2026_01_12())
        .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "a", "b", None, None, "t",
        ))
        .endpoint_url(format!("http://{addr}"))
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .build();
    let time = Arc::new(RecordingTime::default());
    let policy = RetryPolicy {
        base_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(250),
        max_attempts: 5,
        max_elapsed: Duration::from_secs(60),
    };
    let client = Client::builder(aws_sdk_dynamodb::Client::from_conf(config))
        .time(time.clone())
        .retry(policy.clone())
        .seed(9)
        .build();
    let err = client.key_schema("t").await.unwrap_err();
    match &err {
        Error::RetriesExhausted { attempts, last } => {
            assert_eq!(*attempts, 5);
            assert!(matches!(**last, Error::Transport(_)), "{last:?}");
        }
        other => panic!("expected RetriesExhausted, got {other:?}"),
    }
    let slept = time.slept.lock().unwrap().clone();
    assert_eq!(slept.len(), 4, "a wait between each of 5 attempts");
    for (i, d) in slept.iter().enumerate() {
        assert!(*d <= policy.ceiling(i as u32), "wait {i} = {d:?}");
    }
    assert_eq!(policy.ceiling(0), Duration::from_millis(100));
    assert_eq!(policy.ceiling(1), Duration::from_millis(200));
    assert_eq!(policy.ceiling(5), Duration::from_millis(250));
}
