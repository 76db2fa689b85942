//! The HTTP edge of `dynolab serve`: DynamoDB's JSON 1.0 protocol (`POST /` with
//! `X-Amz-Target: DynamoDB_20120810.<Operation>`, and DynamoDB Streams' and CloudWatch's
//! targets on the same port), request ids, `x-amz-crc32`, and the mapping
//! of [`ApiError`] to a response. It translates bytes to a call on the engine and back; it holds
//! no storage types.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use dynolab_clock::{Stopwatch, VirtualClock};
use dynolab_engine::{Engine, autoscaling, cloudwatch, streams};
use dynolab_model::{ApiError, ErrorCode, value::item_to_json};
use futures_util::FutureExt;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

pub mod auth;
pub mod cbor;

/// DynamoDB rejects request bodies above 16 MB.
pub const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;
const JSON_1_0: &str = "application/x-amz-json-1.0";
const TARGET_PREFIX: &str = "DynamoDB_20120810.";

/// Bounds on what one client can hold of the server: connections, and how long it may take
/// to send a request. Past them a connection is closed, never left to grow.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Open connections at once; one more is accepted and closed at once.
    pub max_connections: usize,
    /// Time to send a request's headers (and, on HTTP/1, the longest a kept-alive connection
    /// may sit idle before its next request).
    pub header_timeout: Duration,
    /// Time to send a request's body once its headers are in.
    pub body_timeout: Duration,
    /// The largest request body served; a larger one is answered HTTP 413 (DynamoDB's own
    /// limit, [`MAX_REQUEST_BYTES`], by default; lower on a shared server).
    pub max_request_bytes: usize,
    /// Run the operations [`Engine::runs_long`] names on tokio's blocking pool, so they never
    /// hold an async worker. Off only to measure what it buys (docs/benchmarks.md §7).
    pub blocking_pool: bool,
    /// Requests a second one connection may send (a token bucket holding one second's worth);
    /// past it a request is answered DynamoDB's `ThrottlingException`, which the SDKs retry
    /// with back-off. `None`: no limit.
    pub requests_per_connection_per_sec: Option<u32>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 4096,
            header_timeout: Duration::from_secs(60),
            body_timeout: Duration::from_secs(60),
            max_request_bytes: MAX_REQUEST_BYTES,
            blocking_pool: true,
            requests_per_connection_per_sec: None,
        }
    }
}

/// `serve --max-connection-rate`: a token bucket of one second's requests, refilled
/// continuously on the server's wall clock.
struct RateLimit {
    per_sec: f64,
    tokens: f64,
    last: dynolab_clock::Timestamp,
}

impl RateLimit {
    fn new(per_sec: u32) -> RateLimit {
        let per_sec = f64::from(per_sec.max(1));
        RateLimit {
            per_sec,
            tokens: per_sec,
            last: dynolab_clock::Timestamp(0),
        }
    }

    fn admit(&mut self, now: dynolab_clock::Timestamp) -> bool {
        if self.last.0 != 0 {
            let elapsed = now.0.saturating_sub(self.last.0) as f64 / 1e6;
            self.tokens = (self.tokens + elapsed * self.per_sec).min(self.per_sec);
        }
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Who may use a shared server (`serve --credentials`, `--admin`).
#[derive(Clone)]
pub struct Access {
    /// `None`: any request is served, signed or not (DynamoDB Local's behaviour).
    pub keys: Option<auth::Keys>,
    /// `false`: the admin API (`/_dynolab/...`) and the live page answer 404.
    pub admin: bool,
    /// The clock a signature's `X-Amz-Date` is checked against: the real one even when the
    /// tables run on a virtual clock (an SDK signs with the time of day).
    pub wall_clock: Arc<dyn dynolab_clock::Clock>,
    /// `--tls-cert`/`--tls-key`: every connection on the port is HTTPS.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// The region a signature's credential scope must name (`serve --region`).
    pub region: String,
    /// IAM actions answered with AccessDeniedException, as a policy without them would
    /// (`serve --deny-action cloudwatch:GetMetricData`, hidden: for testing clients).
    pub deny: Vec<String>,
    /// IAM action → how many more of its requests answer ThrottlingException before it is
    /// served (`serve --fault-throttle cloudwatch:GetMetricData=2`, hidden: for testing clients'
    /// retries).
    pub throttle: Arc<std::sync::Mutex<std::collections::BTreeMap<String, u32>>>,
}

impl Default for Access {
    fn default() -> Access {
        Access {
            keys: None,
            admin: true,
            wall_clock: Arc::new(dynolab_clock::SystemClock),
            tls: None,
            region: "us-east-1".into(),
            deny: Vec::new(),
            throttle: Arc::default(),
        }
    }
}

pub struct Server {
    engine: Arc<Engine>,
    limits: Limits,
    access: Access,
    connections: Arc<Semaphore>,
    /// The clock the admin API moves, when the server runs on virtual time.
    virtual_clock: Option<VirtualClock>,
    /// Request ids are a process-unique counter: stable, cheap, and never reused.
    next_request_id: AtomicU64,
    id_prefix: String,
}

impl Server {
    pub fn new(engine: Arc<Engine>, virtual_clock: Option<VirtualClock>) -> Arc<Server> {
        Server::with_limits(engine, virtual_clock, Limits::default())
    }

    pub fn with_limits(
        engine: Arc<Engine>,
        virtual_clock: Option<VirtualClock>,
        limits: Limits,
    ) -> Arc<Server> {
        Server::with_access(engine, virtual_clock, limits, Access::default())
    }

    pub fn with_access(
        engine: Arc<Engine>,
        virtual_clock: Option<VirtualClock>,
        limits: Limits,
        access: Access,
    ) -> Arc<Server> {
        let start = engine.now().as_micros();
        Arc::new(Server {
            engine,
            connections: Arc::new(Semaphore::new(limits.max_connections)),
            limits,
            access,
            virtual_clock,
            next_request_id: AtomicU64::new(1),
            id_prefix: format!("{start:016X}"),
        })
    }

    fn request_id(&self) -> String {
        let n = self.next_request_id.fetch_add(1, Ordering::Relaxed);
        format!("{}{n:020X}{}", self.id_prefix, "0".repeat(16))
    }

    /// On the system clock, runs [`Engine::tick`] every second (status transitions, TTL
    /// deletions) until the task is dropped. A virtual clock ticks when the admin API moves it.
    pub async fn tick_every_second(self: Arc<Server>) {
        if self.virtual_clock.is_some() {
            return;
        }
        let mut interval = tokio::time::interval(std::time::Duration::from_secs(1));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let engine = Arc::clone(&self.engine);
            let _ = tokio::task::spawn_blocking(move || engine.tick()).await;
        }
    }

    /// Serves connections from `listener` until the task is dropped. A failed accept (out of
    /// file descriptors, say) is logged and retried: it never stops the server.
    pub async fn serve(self: Arc<Server>, listener: TcpListener) -> std::io::Result<()> {
        loop {
            let (stream, _peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let Ok(permit) = Arc::clone(&self.connections).try_acquire_owned() else {
                // Debug, not warn: a flood of connections must not become a flood of logs.
                tracing::debug!(
                    max = self.limits.max_connections,
                    "connection limit reached; closing a new connection"
                );
                drop(stream);
                continue;
            };
            let _ = stream.set_nodelay(true);
            let server = Arc::clone(&self);
            tokio::spawn(async move {
                let _permit = permit;
                let header_timeout = server.limits.header_timeout;
                // hyper times the headers from their first byte, and a kept-alive connection's
                // idle time; a new connection that never sends a byte is timed here.
                let mut first = [0u8; 1];
                if !matches!(
                    tokio::time::timeout(header_timeout, stream.peek(&mut first)).await,
                    Ok(Ok(1..))
                ) {
                    return;
                }
                let tls = server.access.tls.clone();
                let rate = server
                    .limits
                    .requests_per_connection_per_sec
                    .map(|r| Arc::new(std::sync::Mutex::new(RateLimit::new(r))));
                let service = hyper::service::service_fn(move |req| {
                    let server = Arc::clone(&server);
                    let rate = rate.clone();
                    async move {
                        if let Some(rate) = rate {
                            let now = server.access.wall_clock.now();
                            let admitted = rate.lock().map_or(true, |mut r| r.admit(now));
                            if !admitted {
                                return Ok::<_, Infallible>(error_response(
                                    &ApiError::new(
                                        ErrorCode::ThrottlingException,
                                        "Rate of requests exceeds the allowed throughput.",
                                    ),
                                    &server.request_id(),
                                ));
                            }
                        }
                        Ok::<_, Infallible>(server.handle_isolated(req).await)
                    }
                });
                let mut builder =
                    hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                builder
                    .http1()
                    .timer(TokioTimer::new())
                    .header_read_timeout(header_timeout);
                builder
                    .http2()
                    .timer(TokioTimer::new())
                    .keep_alive_interval(header_timeout);
                let served = match tls {
                    None => {
                        builder
                            .serve_connection(TokioIo::new(stream), service)
                            .await
                    }
                    Some(acceptor) => {
                        // The handshake is timed like the headers: a client that stalls it
                        // holds nothing for long.
                        let Ok(Ok(stream)) =
                            tokio::time::timeout(header_timeout, acceptor.accept(stream)).await
                        else {
                            return;
                        };
                        builder
                            .serve_connection(TokioIo::new(stream), service)
                            .await
                    }
                };
                if let Err(e) = served {
                    tracing::debug!(error = %e, "connection closed with an error");
                }
            });
        }
    }

    /// [`Server::handle`], with a panic anywhere in it answered as DynamoDB's 500
    /// InternalServerError: the connection, the other requests and the stored data live on.
    /// (A panic inside the engine happens before its write is acknowledged; the engine's locks
    /// survive poisoning.)
    async fn handle_isolated(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        match AssertUnwindSafe(self.handle(req)).catch_unwind().await {
            Ok(response) => response,
            Err(panic) => {
                tracing::error!(panic = panic_message(&panic), "a request panicked");
                error_response(&internal_panic(), &self.request_id())
            }
        }
    }

    async fn handle(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let request_id = self.request_id();
        let target = req
            .headers()
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        if req.uri().path().starts_with(ADMIN_PREFIX) {
            if !self.access.admin {
                return admin_error(
                    StatusCode::NOT_FOUND,
                    "the admin API is off (--admin off)",
                    &request_id,
                );
            }
            return self.admin(req, &request_id).await;
        }
        // A browser's GET / gets the live page; SDKs only ever POST.
        if req.method() == Method::GET && req.uri().path() == "/" {
            if !self.access.admin {
                return unknown_operation_xml(&request_id);
            }
            if let Some(refusal) = self.page_login(req.headers(), &request_id) {
                return refusal;
            }
            return respond_raw(
                StatusCode::OK,
                Bytes::from_static(PAGE.as_bytes()),
                &request_id,
                "text/html; charset=utf-8",
            );
        }
        let json_content = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim())
            .is_some_and(|v| {
                v.eq_ignore_ascii_case(JSON_1_0)
                    || v.eq_ignore_ascii_case("application/json")
                    // Application Auto Scaling speaks JSON 1.1; DynamoDB's own targets do not.
                    || (v.eq_ignore_ascii_case("application/x-amz-json-1.1")
                        && target.starts_with(autoscaling::TARGET_PREFIX))
            });
        if req.method() != Method::POST {
            return unknown_operation_xml(&request_id);
        }
        // CloudWatch in the Smithy RPC v2 CBOR protocol (the AWS SDK for Rust's choice).
        let cbor_operation = req
            .uri()
            .path()
            .strip_prefix(cbor::CLOUDWATCH_PATH)
            .map(str::to_string);
        let (parts, body) = req.into_parts();
        let collected = tokio::time::timeout(
            self.limits.body_timeout,
            Limited::new(body, self.limits.max_request_bytes).collect(),
        )
        .await;
        let body = match collected {
            Ok(Ok(collected)) => collected.to_bytes(),
            Ok(Err(_)) => {
                return respond_raw(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Bytes::new(),
                    &request_id,
                    JSON_1_0,
                );
            }
            Err(_elapsed) => {
                let mut response = respond_raw(
                    StatusCode::REQUEST_TIMEOUT,
                    Bytes::new(),
                    &request_id,
                    JSON_1_0,
                );
                response
                    .headers_mut()
                    .insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
                return response;
            }
        };
        if let Some(operation) = cbor_operation {
            return self.handle_cbor(&parts, &body, &operation, &request_id);
        }
        // DynamoDB answers a body of any other content type as an unknown operation.
        if !body.is_empty() && !json_content {
            return unknown_operation_xml(&request_id);
        }
        let key = match self.verify(&parts, &body) {
            Ok(key) => key,
            Err(e) => return error_response(&e, &request_id),
        };
        let result = self.dispatch(&target, body, key).await;
        match result {
            Ok(value) => respond_json(StatusCode::OK, &value, &request_id),
            Err(e) => error_response(&e, &request_id),
        }
    }

    /// A CloudWatch request in the RPC v2 CBOR protocol: converted to the JSON protocol's
    /// request, answered by the same code, and the answer (or error) converted back.
    fn handle_cbor(
        &self,
        parts: &hyper::http::request::Parts,
        body: &[u8],
        operation: &str,
        request_id: &str,
    ) -> Response<Full<Bytes>> {
        let result = self.verify(parts, body).and_then(|_| {
            if !cloudwatch::OPERATIONS.contains(&operation) {
                return Err(ApiError::unknown_operation());
            }
            self.check_denied("cloudwatch", operation, None)?;
            let parsed = cbor::to_json(body).map_err(|e| {
                ApiError::new(
                    ErrorCode::SerializationException,
                    format!("the body is not CBOR this server reads: {}", e.0),
                )
            })?;
            cloudwatch::call(&self.engine, operation, &parsed)
        });
        let (status, value) = match result {
            Ok(value) => (StatusCode::OK, value),
            Err(e) => {
                let status =
                    StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
                // RPC v2 CBOR errors carry the shape name alone in `__type`.
                let name = e.code.type_name().rsplit('#').next().unwrap_or_default();
                let mut body = json!({"__type": name});
                if let Some(message) = &e.message {
                    body["message"] = json!(message);
                }
                (status, body)
            }
        };
        let mut response = respond_raw(
            status,
            Bytes::from(cbor::from_json(&value)),
            request_id,
            "application/cbor",
        );
        response
            .headers_mut()
            .insert("smithy-protocol", HeaderValue::from_static("rpc-v2-cbor"));
        response
    }

    /// `--fault-throttle`: ThrottlingException while the action has throttles left.
    /// `--deny-action`: AccessDeniedException for an action the list names, worded as IAM words
    /// it: with the table the request names for DynamoDB; without a resource for CloudWatch's
    /// and Application Auto Scaling's calls, which take no resource-level permissions.
    fn check_denied(
        &self,
        service: &str,
        operation: &str,
        parsed: Option<&Value>,
    ) -> Result<(), ApiError> {
        let action = format!("{service}:{operation}");
        if let Ok(mut throttle) = self.access.throttle.lock()
            && let Some(left) = throttle.get_mut(&action)
            && *left > 0
        {
            *left -= 1;
            return Err(ApiError::new(
                ErrorCode::ThrottlingException,
                "Rate exceeded",
            ));
        }
        if !self.access.deny.contains(&action) {
            return Ok(());
        }
        let table = parsed
            .and_then(|p| tables_named(p).into_iter().next())
            .unwrap_or_else(|| "*".to_string());
        let arn = self.engine.table_arn(&table);
        let account = arn.split(':').nth(4).unwrap_or_default();
        let on = if parsed.is_some() {
            format!(" on resource: {arn}")
        } else {
            String::new()
        };
        Err(ApiError::new(
            ErrorCode::AccessDeniedException,
            format!(
                "User: arn:aws:iam::{account}:user/dynolab is not authorized to perform: {action}{on} because no identity-based policy allows the {action} action"
            ),
        ))
    }

    /// `--credentials`: the key whose SigV4 signature the request carries (`None` without).
    fn verify(
        &self,
        parts: &hyper::http::request::Parts,
        body: &[u8],
    ) -> Result<Option<&auth::Key>, ApiError> {
        let Some(keys) = &self.access.keys else {
            return Ok(None);
        };
        let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let now =
            std::time::UNIX_EPOCH + Duration::from_micros(self.access.wall_clock.now().as_micros());
        // DynamoDB's clients sign for `dynamodb` (Streams' too); CloudWatch's for `monitoring`.
        let target = parts
            .headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let services: &[&str] = if parts.uri.path().starts_with(ADMIN_PREFIX) {
            &["dynamodb", "monitoring", "execute-api"]
        } else if target.starts_with(cloudwatch::TARGET_PREFIX)
            || parts.uri.path().starts_with(cbor::CLOUDWATCH_PATH)
        {
            &["monitoring"]
        } else if target.starts_with(autoscaling::TARGET_PREFIX) {
            &["application-autoscaling"]
        } else {
            &["dynamodb"]
        };
        keys.verify_scoped(
            parts.method.as_str(),
            path_and_query,
            &parts.headers,
            body,
            now,
            Some((&self.access.region, services)),
        )
        .map(Some)
    }

    /// A key restricted to some tables may use only those: every table a request names (by
    /// name, ARN, RequestItems, TransactItems or in a PartiQL statement) must be among them.
    fn authorize(&self, key: &auth::Key, operation: &str, parsed: &Value) -> Result<(), ApiError> {
        if key.tables.is_none() {
            return Ok(());
        }
        for table in tables_named(parsed) {
            if !key.may_use(&table) {
                let arn = self.engine.table_arn(&table);
                let account = arn.split(':').nth(4).unwrap_or_default();
                return Err(auth::access_denied(account, &key.id, operation, &arn));
            }
        }
        Ok(())
    }

    /// The live page and its data with `--credentials`: HTTP basic auth with a key's id and
    /// secret (a browser asks for them once), or a SigV4-signed request. `Some` is the refusal.
    fn page_login(
        &self,
        headers: &hyper::HeaderMap,
        request_id: &str,
    ) -> Option<Response<Full<Bytes>>> {
        let Some(keys) = &self.access.keys else {
            return None;
        };
        if headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| keys.basic_auth(v))
        {
            return None;
        }
        let mut response = respond_raw(
            StatusCode::UNAUTHORIZED,
            Bytes::from_static(b"a key of the server's --credentials file is needed"),
            request_id,
            "text/plain; charset=utf-8",
        );
        response.headers_mut().insert(
            hyper::header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"dynolab\""),
        );
        Some(response)
    }

    async fn dispatch(
        &self,
        target: &str,
        body: Bytes,
        key: Option<&auth::Key>,
    ) -> Result<Value, ApiError> {
        let parsed: Value = if body.is_empty() {
            return Err(ApiError::bad_json());
        } else {
            serde_json::from_slice(&body).map_err(|e| {
                // JSON nested past the parser's 128 levels can only be an attribute value
                // nested far past DynamoDB's 32: its answer is the nesting error.
                if e.to_string().starts_with("recursion limit exceeded") {
                    ApiError::validation(dynolab_model::value::NESTING_ERROR)
                } else {
                    ApiError::bad_json()
                }
            })?
        };
        drop(body);
        if let Some(operation) = target.strip_prefix(cloudwatch::TARGET_PREFIX)
            && cloudwatch::OPERATIONS.contains(&operation)
        {
            self.check_denied("cloudwatch", operation, None)?;
            return cloudwatch::call(&self.engine, operation, &parsed);
        }
        if let Some(operation) = target.strip_prefix(autoscaling::TARGET_PREFIX) {
            if !autoscaling::OPERATIONS.contains(&operation) {
                return Err(ApiError::unknown_operation());
            }
            self.check_denied("application-autoscaling", operation, None)?;
            return autoscaling::call(&self.engine, operation, &parsed).await;
        }
        if let Some(operation) = target.strip_prefix(streams::TARGET_PREFIX) {
            if !streams::OPERATIONS.contains(&operation) {
                return Err(ApiError::unknown_operation());
            }
            self.check_denied("dynamodb", operation, Some(&parsed))?;
            if let Some(key) = key {
                self.authorize(key, operation, &parsed)?;
            }
            return self.engine.call_streams(operation, &parsed).await;
        }
        let operation = target
            .strip_prefix(TARGET_PREFIX)
            .ok_or_else(ApiError::unknown_operation)?;
        if !Engine::is_operation(operation) {
            return Err(ApiError::unknown_operation());
        }
        self.check_denied("dynamodb", operation, Some(&parsed))?;
        if let Some(key) = key {
            self.authorize(key, operation, &parsed)?;
        }
        let stopwatch = Stopwatch::start();
        let (started, parsed) = if self.limits.blocking_pool && Engine::runs_long(operation) {
            // Off the async workers, so a long Scan or transaction stalls no other connection.
            let engine = Arc::clone(&self.engine);
            let op = operation.to_string();
            tokio::task::spawn_blocking(move || {
                let started = engine.start(&op, &parsed);
                (started, parsed)
            })
            .await
            .map_err(|e| {
                if e.is_panic() {
                    let panic = e.into_panic();
                    tracing::error!(panic = panic_message(&panic), "a request panicked");
                }
                internal_panic()
            })?
        } else {
            (self.engine.start(operation, &parsed), parsed)
        };
        let result = self.engine.finish(operation, &parsed, started).await;
        if result.is_ok() {
            self.engine
                .record_latency(operation, &parsed, stopwatch.elapsed_millis());
        }
        result
    }
}

/// The tables a request names: `TableName` (or a table's ARN), the keys of `RequestItems`,
/// each `TransactItems` action's table, a resource, stream or backup ARN, and the table of
/// each PartiQL statement.
fn tables_named(parsed: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let from_arn = |arn: &str| {
        arn.split_once(":table/")
            .map(|(_, rest)| rest.split('/').next().unwrap_or_default().to_string())
    };
    let add_name = |v: &Value, out: &mut Vec<String>| {
        if let Some(text) = v.as_str() {
            out.push(if text.starts_with("arn:") {
                from_arn(text).unwrap_or_default()
            } else {
                text.to_string()
            });
        }
    };
    for field in ["TableName", "SourceTableName", "TargetTableName"] {
        if let Some(v) = parsed.get(field) {
            add_name(v, &mut out);
        }
    }
    for field in [
        "ResourceArn",
        "StreamArn",
        "TableArn",
        "BackupArn",
        "SourceTableArn",
    ] {
        if let Some(name) = parsed.get(field).and_then(Value::as_str).and_then(from_arn) {
            out.push(name);
        }
    }
    if let Some(items) = parsed.get("RequestItems").and_then(Value::as_object) {
        out.extend(items.keys().cloned());
    }
    for action in parsed
        .get("TransactItems")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|a| a.values())
    {
        if let Some(v) = action.get("TableName") {
            add_name(v, &mut out);
        }
    }
    let statements = parsed.get("Statement").into_iter().chain(
        ["Statements", "TransactStatements"]
            .iter()
            .filter_map(|f| parsed.get(*f).and_then(Value::as_array))
            .flatten()
            .filter_map(|s| s.get("Statement")),
    );
    for text in statements.filter_map(Value::as_str) {
        if let Ok((statement, _)) = dynolab_partiql::parse(text) {
            out.push(statement.table().to_string());
        }
    }
    out
}

/// The live page served on `GET /`: self-contained HTML that polls `/_dynolab/dashboard.json`.
const PAGE: &str = include_str!("page.html");

/// Paths under this prefix are dynolab's own admin API, not DynamoDB's.
pub const ADMIN_PREFIX: &str = "/_dynolab/";

impl Server {
    /// The admin API: `GET /_dynolab/cost`, `GET /_dynolab/top-keys?table=…`,
    /// `GET /_dynolab/clock`, and on a virtual clock
    /// `POST /_dynolab/clock/advance {"seconds": N}` and `POST /_dynolab/clock/set {"epoch_seconds": N}`.
    async fn admin(&self, req: Request<Incoming>, request_id: &str) -> Response<Full<Bytes>> {
        let path = req.uri().path().to_string();
        let query = req.uri().query().unwrap_or_default().to_string();
        let method = req.method().clone();
        let (parts, body) = req.into_parts();
        let body = match Limited::new(body, 64 * 1024).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => {
                return admin_error(StatusCode::PAYLOAD_TOO_LARGE, "body too large", request_id);
            }
        };
        // With --credentials the admin API needs a key too: a SigV4 signature (any service
        // name), or the page's basic auth.
        if self.access.keys.is_some()
            && self.page_login(&parts.headers, request_id).is_some()
            && let Err(e) = self.verify(&parts, &body)
        {
            return error_response(&e, request_id);
        }
        let args: Value = if body.is_empty() {
            json!({})
        } else {
            serde_json::from_slice(&body).unwrap_or(Value::Null)
        };
        match (method, path.as_str()) {
            (Method::GET, "/_dynolab/dashboard.json") => {
                respond_json(StatusCode::OK, &self.engine.dashboard(), request_id)
            }
            (Method::GET, "/_dynolab/cost") => {
                respond_json(StatusCode::OK, &self.engine.cost_report(), request_id)
            }
            (Method::GET, "/_dynolab/top-keys") => {
                let q = parse_query(&query);
                let Some(table) = q.get("table") else {
                    return admin_error(
                        StatusCode::BAD_REQUEST,
                        "expected ?table=NAME",
                        request_id,
                    );
                };
                let minutes = q.get("minutes").and_then(|m| m.parse().ok()).unwrap_or(60);
                let limit = q.get("limit").and_then(|m| m.parse().ok()).unwrap_or(10);
                match cloudwatch::top_keys(
                    &self.engine,
                    table,
                    q.get("index").map(String::as_str),
                    minutes,
                    limit,
                ) {
                    Some(report) => respond_json(StatusCode::OK, &report, request_id),
                    None => admin_error(
                        StatusCode::NOT_FOUND,
                        "Contributor Insights is not enabled for that table or index (UpdateContributorInsights)",
                        request_id,
                    ),
                }
            }
            (Method::GET, "/_dynolab/clock") => {
                respond_json(StatusCode::OK, &self.clock_json(), request_id)
            }
            (Method::POST, "/_dynolab/clock/advance" | "/_dynolab/clock/set") => {
                let Some(clock) = &self.virtual_clock else {
                    return admin_error(
                        StatusCode::CONFLICT,
                        "the server runs on the system clock; start it with --clock virtual",
                        request_id,
                    );
                };
                let seconds = |name: &str| {
                    args.get(name)
                        .and_then(Value::as_f64)
                        .filter(|v| v.is_finite() && *v >= 0.0)
                };
                if path.ends_with("advance") {
                    let Some(s) = seconds("seconds") else {
                        return admin_error(
                            StatusCode::BAD_REQUEST,
                            "expected {\"seconds\": <non-negative number>}",
                            request_id,
                        );
                    };
                    clock.advance_micros((s * 1e6) as u64);
                } else {
                    let Some(s) = seconds("epoch_seconds") else {
                        return admin_error(
                            StatusCode::BAD_REQUEST,
                            "expected {\"epoch_seconds\": <non-negative number>}",
                            request_id,
                        );
                    };
                    clock.set(dynolab_clock::Timestamp((s * 1e6) as u64));
                }
                // Whatever became due at the new time happens before the answer: status
                // transitions end, TTL deletes expired items.
                self.engine.tick();
                respond_json(StatusCode::OK, &self.clock_json(), request_id)
            }
            _ => admin_error(StatusCode::NOT_FOUND, "unknown admin path", request_id),
        }
    }

    fn clock_json(&self) -> Value {
        let now = self.engine.now();
        json!({
            "clock": if self.virtual_clock.is_some() { "virtual" } else { "system" },
            "epoch_seconds": now.as_secs_f64(),
            "epoch_micros": now.as_micros(),
        })
    }
}

/// `a=1&b=2` → map; values are used as given (table and index names need no decoding).
fn parse_query(query: &str) -> std::collections::HashMap<String, String> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn admin_error(status: StatusCode, message: &str, request_id: &str) -> Response<Full<Bytes>> {
    respond_json(status, &json!({"message": message}), request_id)
}

/// DynamoDB's answer to anything but a JSON POST: HTTP 404 with an XML body.
fn unknown_operation_xml(request_id: &str) -> Response<Full<Bytes>> {
    respond_raw(
        StatusCode::NOT_FOUND,
        Bytes::from_static(b"<UnknownOperationException/>\n"),
        request_id,
        "text/xml",
    )
}

/// What a request that panicked gets: DynamoDB's 500.
fn internal_panic() -> ApiError {
    ApiError::internal("Internal server error")
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not a string)")
}

/// The JSON body of an error, as DynamoDB writes it.
pub fn error_body(e: &ApiError) -> Value {
    let mut body = json!({"__type": e.code.type_name()});
    if let Some(message) = &e.message {
        // DynamoDB capitalises this one exception's message field.
        let key = if e.cancellation_reasons.is_empty() {
            "message"
        } else {
            "Message"
        };
        body[key] = json!(message);
    }
    if !e.cancellation_reasons.is_empty() {
        body["CancellationReasons"] = e
            .cancellation_reasons
            .iter()
            .map(|r| {
                let mut reason = json!({"Code": r.code});
                if let Some(m) = &r.message {
                    reason["Message"] = json!(m);
                }
                if let Some(item) = &r.item {
                    reason["Item"] = item_to_json(item);
                }
                reason
            })
            .collect();
    }
    if let Some(item) = &e.item {
        body["Item"] = item_to_json(item);
    }
    if !e.throttling_reasons.is_empty() {
        body["ThrottlingReasons"] = e
            .throttling_reasons
            .iter()
            .map(|(reason, resource)| json!({"__type": "ThrottlingReason", "reason": reason, "resource": resource}))
            .collect();
    }
    body
}

fn error_response(e: &ApiError, request_id: &str) -> Response<Full<Bytes>> {
    let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    respond_json(status, &error_body(e), request_id)
}

fn respond_json(status: StatusCode, value: &Value, request_id: &str) -> Response<Full<Bytes>> {
    let bytes = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    respond_raw(status, Bytes::from(bytes), request_id, JSON_1_0)
}

fn respond_raw(
    status: StatusCode,
    body: Bytes,
    request_id: &str,
    content_type: &'static str,
) -> Response<Full<Bytes>> {
    let crc = crc32fast::hash(&body);
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    headers.insert("x-amz-crc32", HeaderValue::from(crc));
    response
}

/// Binds `addr` and returns the listener and the address actually bound (port 0 picks one).
pub async fn bind(addr: SocketAddr) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}
