//! `serve --credentials` and `--admin`: SigV4 verification with the AWS SDK for Rust's own
//! signatures over a real socket, each failure answered as DynamoDB answers it (issue 17).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use dynolab_clock::{Clock, SystemClock};

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_async::time::{SharedTimeSource, StaticTimeSource};

use crate::support::{Server, hash_table, start};

const KEYS: &str = r#"
[[key]]
id = "AKIDADMIN"
secret = "admin-secret"

[[key]]
id = "AKIDORDERS"
secret = "orders-secret"
tables = ["orders"]
"#;

fn start_with_keys(extra: &[&str]) -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("credentials.toml");
    std::fs::write(&path, KEYS).unwrap();
    let mut args = vec!["--in-memory", "--credentials", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    (start(&args), dir)
}

/// A client signing with `id`/`secret`, at `at` when given (the SDK's clock otherwise).
fn signed(server: &Server, id: &str, secret: &str, at: Option<SystemTime>) -> Client {
    let mut config = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::v2026_01_12())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(id, secret, None, None, "test"))
        .endpoint_url(&server.endpoint)
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::disabled());
    if let Some(at) = at {
        config = config.time_source(SharedTimeSource::new(StaticTimeSource::new(at)));
    }
    Client::from_conf(config.build())
}

/// The time of day, through the project's clock.
fn wall_now() -> SystemTime {
    UNIX_EPOCH + Duration::from_micros(SystemClock.now().as_micros())
}

async fn error_of<T, E: ProvideErrorMetadata>(result: Result<T, E>) -> (String, String) {
    let e = result.err().expect("the request is refused");
    (
        e.code().unwrap_or_default().to_string(),
        e.message().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn signatures_are_verified_and_keys_limited_to_their_tables() {
    let (server, _dir) = start_with_keys(&[]);
    let admin = signed(&server, "AKIDADMIN", "admin-secret", None);
    hash_table(&admin, "orders").send().await.unwrap();
    hash_table(&admin, "other").send().await.unwrap();
    admin
        .put_item()
        .table_name("orders")
        .item("id", AttributeValue::S("o1".into()))
        .send()
        .await
        .unwrap();

    // The right key works; a key limited to `orders` reads it.
    let orders = signed(&server, "AKIDORDERS", "orders-secret", None);
    let got = orders
        .get_item()
        .table_name("orders")
        .key("id", AttributeValue::S("o1".into()))
        .send()
        .await
        .unwrap();
    assert!(got.item().is_some());

    let (code, message) = error_of(
        orders
            .get_item()
            .table_name("other")
            .key("id", AttributeValue::S("o1".into()))
            .send()
            .await,
    )
    .await;
    assert_eq!(code, "AccessDeniedException");
    assert_eq!(
        message,
        "User: arn:aws:iam::000000000000:user/AKIDORDERS is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/other because no identity-based policy allows the dynamodb:GetItem action"
    );

    let (code, message) = error_of(
        signed(&server, "AKIDADMIN", "wrong-secret", None)
            .list_tables()
            .send()
            .await,
    )
    .await;
    assert_eq!(code, "InvalidSignatureException");
    assert_eq!(
        message,
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    );

    let (code, message) = error_of(
        signed(&server, "AKIDNOBODY", "x", None)
            .list_tables()
            .send()
            .await,
    )
    .await;
    assert_eq!(code, "UnrecognizedClientException");
    assert_eq!(
        message,
        "The security token included in the request is invalid."
    );

    // Signed 20 minutes ago: outside the 15-minute window.
    let past = wall_now() - Duration::from_secs(20 * 60);
    let (code, message) = error_of(
        signed(&server, "AKIDADMIN", "admin-secret", Some(past))
            .list_tables()
            .send()
            .await,
    )
    .await;
    assert_eq!(code, "InvalidSignatureException");
    assert!(
        message.starts_with("Signature expired: ") && message.ends_with(" - 15 min.)"),
        "{message}"
    );
    // And 10 minutes ago is still fine.
    let recent = wall_now() - Duration::from_secs(10 * 60);
    signed(&server, "AKIDADMIN", "admin-secret", Some(recent))
        .list_tables()
        .send()
        .await
        .unwrap();
}

async fn raw(
    server: &Server,
    method: &str,
    path: &str,
    headers: &[(&str, String)],
) -> (u16, String) {
    use http_body_util::BodyExt;
    let client: hyper_util::client::legacy::Client<_, http_body_util::Full<bytes::Bytes>> =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http();
    let mut req = hyper::Request::builder()
        .method(method)
        .uri(format!("{}{path}", server.endpoint));
    for (k, v) in headers {
        req = req.header(*k, v);
    }
    let body = if method == "POST" { "{}" } else { "" };
    let response = client
        .request(
            req.body(http_body_util::Full::new(bytes::Bytes::from(body)))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).to_string())
}

#[tokio::test]
async fn unsigned_requests_and_the_admin_api_need_a_key() {
    let (server, _dir) = start_with_keys(&["--clock", "virtual"]);
    let json = ("content-type", "application/x-amz-json-1.0".to_string());
    let target = ("x-amz-target", "DynamoDB_20120810.ListTables".to_string());
    let (status, body) = raw(&server, "POST", "/", &[json.clone(), target]).await;
    assert_eq!(status, 400);
    assert!(
        body.contains("MissingAuthenticationTokenException"),
        "{body}"
    );
    assert!(
        body.contains("Request is missing Authentication Token"),
        "{body}"
    );

    // The admin API refuses an unsigned call, and takes a key's basic auth (the live page's).
    let (status, body) = raw(&server, "POST", "/_dynolab/clock/advance", &[]).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("MissingAuthenticationTokenException"),
        "{body}"
    );
    let (status, _) = raw(&server, "GET", "/", &[]).await;
    assert_eq!(status, 401);
    use base64::Engine as _;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("AKIDADMIN:admin-secret")
    );
    let (status, body) = raw(
        &server,
        "GET",
        "/_dynolab/clock",
        &[("authorization", basic.clone())],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let wrong = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("AKIDADMIN:nope")
    );
    let (status, _) = raw(&server, "GET", "/", &[("authorization", wrong)]).await;
    assert_eq!(status, 401);
    let (status, _) = raw(&server, "GET", "/", &[("authorization", basic)]).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn the_admin_api_can_be_switched_off() {
    let server = start(&["--in-memory", "--admin", "off"]);
    let (status, _) = raw(&server, "GET", "/_dynolab/clock", &[]).await;
    assert_eq!(status, 404);
    let (status, _) = raw(&server, "GET", "/_dynolab/cost", &[]).await;
    assert_eq!(status, 404);
}
