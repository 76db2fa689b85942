//! The HTTP edge of `dynolab serve`: DynamoDB's JSON 1.0 protocol (`POST /` with
//! `X-Amz-Target: DynamoDB_20120810.<Operation>`, and DynamoDB Streams' and CloudWatch's
//! targets on the same port), request ids, `x-amz-crc32`, and the mapping
//! of [`ApiError`] to a response. It translates bytes to a call on the engine and back; it holds
//! no storage types.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use dynolab_clock::{Stopwatch, VirtualClock};
use dynolab_engine::{Engine, cloudwatch, streams};
use dynolab_model::{ApiError, value::item_to_json};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// DynamoDB rejects request bodies above 16 MB.
pub const MAX_REQUEST_BYTES: usize = 16 * 1024 * 1024;
const JSON_1_0: &str = "application/x-amz-json-1.0";
const TARGET_PREFIX: &str = "DynamoDB_20120810.";

pub struct Server {
    engine: Arc<Engine>,
    /// The clock the admin API moves, when the server runs on virtual time.
    virtual_clock: Option<VirtualClock>,
    /// Request ids are a process-unique counter: stable, cheap, and never reused.
    next_request_id: AtomicU64,
    id_prefix: String,
}

impl Server {
    pub fn new(engine: Arc<Engine>, virtual_clock: Option<VirtualClock>) -> Arc<Server> {
        let start = engine.now().as_micros();
        Arc::new(Server {
            engine,
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

    /// Serves connections from `listener` until the task is dropped.
    pub async fn serve(self: Arc<Server>, listener: TcpListener) -> std::io::Result<()> {
        loop {
            let (stream, _peer) = listener.accept().await?;
            let _ = stream.set_nodelay(true);
            let server = Arc::clone(&self);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    let server = Arc::clone(&server);
                    async move { Ok::<_, Infallible>(server.handle(req).await) }
                });
                let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                if let Err(e) = builder
                    .serve_connection(TokioIo::new(stream), service)
                    .await
                {
                    tracing::debug!(error = %e, "connection closed with an error");
                }
            });
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
            return self.admin(req, &request_id).await;
        }
        // A browser's GET / gets the live page; SDKs only ever POST.
        if req.method() == Method::GET && req.uri().path() == "/" {
            return respond_raw(
                StatusCode::OK,
                Bytes::from_static(PAGE.as_bytes()),
                &request_id,
                "text/html; charset=utf-8",
            );
        }
        if req.method() != Method::POST {
            return respond_raw(
                StatusCode::NOT_FOUND,
                Bytes::from_static(b"<UnknownOperationException/>\n"),
                &request_id,
                "text/xml",
            );
        }
        let body = match Limited::new(req.into_body(), MAX_REQUEST_BYTES)
            .collect()
            .await
        {
            Ok(collected) => collected.to_bytes(),
            Err(_) => {
                return respond_raw(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Bytes::new(),
                    &request_id,
                    JSON_1_0,
                );
            }
        };
        let result = self.dispatch(&target, &body).await;
        match result {
            Ok(value) => respond_json(StatusCode::OK, &value, &request_id),
            Err(e) => error_response(&e, &request_id),
        }
    }

    async fn dispatch(&self, target: &str, body: &[u8]) -> Result<Value, ApiError> {
        let parsed: Value = if body.is_empty() {
            return Err(ApiError::bad_json());
        } else {
            serde_json::from_slice(body).map_err(|_| ApiError::bad_json())?
        };
        if let Some(operation) = target.strip_prefix(cloudwatch::TARGET_PREFIX)
            && cloudwatch::OPERATIONS.contains(&operation)
        {
            return cloudwatch::call(&self.engine, operation, &parsed);
        }
        if let Some(operation) = target.strip_prefix(streams::TARGET_PREFIX) {
            if !streams::OPERATIONS.contains(&operation) {
                return Err(ApiError::unknown_operation());
            }
            return self.engine.call_streams(operation, &parsed).await;
        }
        let operation = target
            .strip_prefix(TARGET_PREFIX)
            .ok_or_else(ApiError::unknown_operation)?;
        if !Engine::is_operation(operation) {
            return Err(ApiError::unknown_operation());
        }
        let stopwatch = Stopwatch::start();
        let result = self.engine.call(operation, &parsed).await;
        if result.is_ok() {
            self.engine
                .record_latency(operation, &parsed, stopwatch.elapsed_millis());
        }
        result
    }
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
        let body = match Limited::new(req.into_body(), 64 * 1024).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => {
                return admin_error(StatusCode::PAYLOAD_TOO_LARGE, "body too large", request_id);
            }
        };
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
