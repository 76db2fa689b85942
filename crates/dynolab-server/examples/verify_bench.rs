//! What `serve --credentials` adds to each request: the time of one SigV4 verification of a
//! GetItem the way the AWS SDKs sign it (docs/benchmarks.md §10).
//!
//! `cargo run --release -p dynolab-server --example verify_bench`

use std::time::{Duration, UNIX_EPOCH};

use dynolab_clock::{Clock, Stopwatch, SystemClock};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use dynolab_server::auth::Keys;
use hyper::HeaderMap;

fn main() {
    let keys = Keys::parse("[[key]]\nid = \"AKIDBENCH\"\nsecret = \"bench-secret\"\n").unwrap();
    let body =
        br#"{"TableName":"orders","Key":{"pk":{"S":"USER#premium"},"sk":{"S":"ORDER#000123"}}}"#;
    let now = UNIX_EPOCH + Duration::from_micros(SystemClock.now().as_micros());
    let amz_date = {
        let signed_at = now;
        let identity: Identity =
            Credentials::new("AKIDBENCH", "bench-secret", None, None, "bench").into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("dynamodb")
            .time(signed_at)
            .settings(SigningSettings::default())
            .build()
            .unwrap()
            .into();
        let headers = [
            ("host", "127.0.0.1:8000"),
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", "DynamoDB_20120810.GetItem"),
        ];
        let request = SignableRequest::new(
            "POST",
            "/",
            headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .unwrap();
        let (instructions, _) = sign(request, &params).unwrap().into_parts();
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(k, v.parse().unwrap());
        }
        let (signed, _) = instructions.into_parts();
        for h in signed {
            map.insert(h.name(), h.value().parse().unwrap());
        }
        map
    };
    let headers = amz_date;
    keys.verify("POST", "/", &headers, body, now)
        .expect("the signature verifies");
    let mut per_run = Vec::new();
    for _ in 0..7 {
        let n = 20_000;
        let stopwatch = Stopwatch::start();
        for _ in 0..n {
            keys.verify("POST", "/", &headers, body, now).unwrap();
        }
        per_run.push(Duration::from_secs_f64(stopwatch.elapsed_millis() / 1e3) / n);
    }
    per_run.sort();
    let median: Duration = per_run[per_run.len() / 2];
    println!(
        "SigV4 verification of a signed GetItem: median {:.1} µs over 7 runs of 20,000 ({:.0} verifications/s on one core); runs: {:?}",
        median.as_secs_f64() * 1e6,
        1.0 / median.as_secs_f64(),
        per_run
    );
}
