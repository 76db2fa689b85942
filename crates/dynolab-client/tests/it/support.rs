//! An in-process `dynolab serve` on a real TCP socket, on a virtual clock, and a [`Time`] for the
//! client that moves that clock through the admin API instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use dynolab_capacity::CapacityConfig;
use dynolab_client::time::{SleepFuture, Time};
use dynolab_clock::{Timestamp, VirtualClock};
use dynolab_engine::{Engine, EngineConfig};

pub struct TestServer {
    pub endpoint: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The capacity model with a burst window of one second, so burst cannot absorb a load.
pub fn no_burst() -> CapacityConfig {
    CapacityConfig {
        burst_window_s: 1,
        ..CapacityConfig::default()
    }
}

/// Starts the server (in memory, virtual clock, the given capacity model) on a free port.
pub async fn start(capacity: CapacityConfig) -> TestServer {
    let clock = VirtualClock::new(Timestamp::from_secs(1_800_000_000));
    let config = EngineConfig {
        data_dir: None,
        capacity: Some(capacity),
        ..EngineConfig::default()
    };
    let engine = Engine::open(config, Arc::new(clock.clone())).expect("engine opens");
    let (listener, addr) = dynolab_server::bind("127.0.0.1:0".parse().unwrap())
        .await
        .expect("binds");
    let server = dynolab_server::Server::new(Arc::new(engine), Some(clock));
    let task = tokio::spawn(async move {
        let _ = server.serve(listener).await;
    });
    TestServer {
        endpoint: format!("http://{addr}"),
        task,
    }
}

/// An SDK client with its own retries off: the library's retries are what is tested.
pub fn sdk(server: &TestServer) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::v2026_01_12())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "test"))
        .endpoint_url(&server.endpoint)
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// Time on the server's virtual clock: `sleep(d)` moves the clock to (the time the sleep was
/// asked for) + d, unless another sleeper has already moved it further. Concurrent sleeps of
/// the same length therefore overlap, as they would in real time.
pub struct ServerTime {
    endpoint: String,
    /// Microseconds the clock has moved since the test began.
    now_micros: AtomicU64,
    lock: tokio::sync::Mutex<()>,
    http: hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Full<bytes::Bytes>,
    >,
}

impl ServerTime {
    pub fn new(server: &TestServer) -> Arc<ServerTime> {
        Arc::new(ServerTime {
            endpoint: server.endpoint.clone(),
            now_micros: AtomicU64::new(0),
            lock: tokio::sync::Mutex::new(()),
            http: hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http(),
        })
    }

    /// Moves the server's clock forward by `d` (and this view of it).
    pub async fn advance(&self, d: Duration) {
        let _guard = self.lock.lock().await;
        self.post_advance(d).await;
    }

    async fn post_advance(&self, d: Duration) {
        use http_body_util::BodyExt;
        let body = format!("{{\"seconds\": {}}}", d.as_secs_f64());
        let req = hyper::Request::post(format!("{}/_dynolab/clock/advance", self.endpoint))
            .body(http_body_util::Full::new(bytes::Bytes::from(body)))
            .unwrap();
        let response = self.http.request(req).await.expect("admin API answers");
        assert!(response.status().is_success(), "clock advance failed");
        let _ = response.into_body().collect().await;
        self.now_micros
            .fetch_add(d.as_micros() as u64, Ordering::SeqCst);
    }
}

impl Time for ServerTime {
    fn now(&self) -> Duration {
        Duration::from_micros(self.now_micros.load(Ordering::SeqCst))
    }

    fn sleep(&self, duration: Duration) -> SleepFuture<'_> {
        let target = self.now() + duration;
        Box::pin(async move {
            let _guard = self.lock.lock().await;
            let now = self.now();
            if target > now {
                self.post_advance(target - now).await;
            }
        })
    }
}

/// A GSI: name, hash key (name, type), range key.
pub type Gsi<'a> = (&'a str, (&'a str, &'a str), Option<(&'a str, &'a str)>);

/// A table to create: key attributes (`"S"` or `"N"`), GSIs, and provisioned throughput
/// (`None`: on-demand). GSIs get the table's throughput.
pub struct TableSpec<'a> {
    pub name: &'a str,
    pub hash: (&'a str, &'a str),
    pub range: Option<(&'a str, &'a str)>,
    pub gsis: Vec<Gsi<'a>>,
    pub provisioned: Option<(i64, i64)>,
}

pub async fn create_table(sdk: &aws_sdk_dynamodb::Client, spec: TableSpec<'_>) {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
        Projection, ProjectionType, ProvisionedThroughput, ScalarAttributeType,
    };
    let mut defs: Vec<(&str, &str)> = vec![spec.hash];
    defs.extend(spec.range);
    for (_, h, r) in &spec.gsis {
        defs.push(*h);
        defs.extend(*r);
    }
    defs.sort();
    defs.dedup();
    let key = |(n, _): (&str, &str), t: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(t)
            .build()
            .unwrap()
    };
    let throughput = spec.provisioned.map(|(r, w)| {
        ProvisionedThroughput::builder()
            .read_capacity_units(r)
            .write_capacity_units(w)
            .build()
            .unwrap()
    });
    let mut create = sdk
        .create_table()
        .table_name(spec.name)
        .key_schema(key(spec.hash, KeyType::Hash))
        .set_provisioned_throughput(throughput.clone())
        .billing_mode(if throughput.is_some() {
            BillingMode::Provisioned
        } else {
            BillingMode::PayPerRequest
        });
    if let Some(r) = spec.range {
        create = create.key_schema(key(r, KeyType::Range));
    }
    for (n, t) in defs {
        create = create.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(n)
                .attribute_type(ScalarAttributeType::from(t))
                .build()
                .unwrap(),
        );
    }
    for (name, h, r) in spec.gsis {
        let mut g = GlobalSecondaryIndex::builder()
            .index_name(name)
            .key_schema(key(h, KeyType::Hash))
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .set_provisioned_throughput(throughput.clone());
        if let Some(r) = r {
            g = g.key_schema(key(r, KeyType::Range));
        }
        create = create.global_secondary_indexes(g.build().unwrap());
    }
    create.send().await.expect("table created");
}

impl ServerTime {
    /// Virtual seconds since the test began.
    pub fn now_secs(&self) -> f64 {
        self.now().as_secs_f64()
    }
}
