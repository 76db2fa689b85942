//! No request can crash or hang the server (issue 11): expressions and PartiQL nested past
//! every limit, attribute values nested past 32 levels, foreign `ExclusiveStartKey`s, an
//! injected panic, and bad HTTP (oversized, invalid, wrongly typed, slow and idle clients).
//! After each, the same server must still answer.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{self, Server};

/// One raw HTTP/1.1 exchange on its own connection: (status, body). Status 0 means the server
/// closed the connection without answering.
fn exchange(server: &Server, head: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let mut stream = connect(server);
    let mut request = head.as_bytes().to_vec();
    request.extend_from_slice(body);
    if stream.write_all(&request).is_err() {
        return (0, Vec::new());
    }
    read_response(&mut stream)
}

fn connect(server: &Server) -> TcpStream {
    let addr = server.endpoint.trim_start_matches("http://");
    let stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
}

fn read_response(stream: &mut TcpStream) -> (u16, Vec<u8>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = find(&buf, b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let status = head
                .split_whitespace()
                .nth(1)
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let length = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            while buf.len() < end + 4 + length {
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
            }
            return (status, buf[end + 4..].to_vec());
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return (0, Vec::new()),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn head(target: &str, content_type: Option<&str>, length: usize) -> String {
    let mut h = format!("POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: {target}\r\n");
    if let Some(ct) = content_type {
        h.push_str(&format!("Content-Type: {ct}\r\n"));
    }
    h.push_str(&format!("Content-Length: {length}\r\n\r\n"));
    h
}

/// A DynamoDB call over raw HTTP: (status, parsed body).
fn call(server: &Server, op: &str, body: &Value) -> (u16, Value) {
    let bytes = serde_json::to_vec(body).unwrap();
    let (status, answer) = exchange(
        server,
        &head(
            &format!("DynamoDB_20120810.{op}"),
            Some("application/x-amz-json-1.0"),
            bytes.len(),
        ),
        &bytes,
    );
    (
        status,
        serde_json::from_slice(&answer).unwrap_or(Value::Null),
    )
}

fn assert_validation(answer: &(u16, Value), what: &str) {
    assert_eq!(answer.0, 400, "{what}: {}", answer.1);
    assert_eq!(
        answer.1["__type"], "com.amazon.coral.validate#ValidationException",
        "{what}: {}",
        answer.1
    );
}

/// The server is up and its data is intact: the marker item reads back.
fn assert_alive(server: &Server) {
    let (status, body) = call(
        server,
        "GetItem",
        &json!({"TableName": "tab", "Key": {"pk": {"S": "marker"}, "sk": {"S": "0"}}}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["Item"]["v"]["S"], "still here");
}

fn setup(server: &Server) {
    let (status, body) = call(
        server,
        "CreateTable",
        &json!({
            "TableName": "tab", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "l", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            "LocalSecondaryIndexes": [{"IndexName": "by_l", "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "l", "KeyType": "RANGE"}],
                "Projection": {"ProjectionType": "ALL"}}],
            "GlobalSecondaryIndexes": [{"IndexName": "by_g", "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}}]
        }),
    );
    assert_eq!(status, 200, "{body}");
    for (pk, sk, g) in [("marker", "0", "g0"), ("a", "1", "g1"), ("b", "2", "g2")] {
        let (status, body) = call(
            server,
            "PutItem",
            &json!({"TableName": "tab", "Item": {"pk": {"S": pk}, "sk": {"S": sk}, "g": {"S": g}, "l": {"S": sk}, "v": {"S": "still here"}}}),
        );
        assert_eq!(status, 200, "{body}");
    }
}

fn nest(depth: usize, inner: &str) -> String {
    format!("{}{inner}{}", "(".repeat(depth), ")".repeat(depth))
}

#[test]
fn deeply_nested_expressions_are_validation_errors_and_the_server_stays_up() {
    let server = support::start_in_memory();
    setup(&server);
    let values = json!({":v": {"S": "x"}});
    // Depth 1 is an ordinary expression: answered normally.
    let (status, body) = call(
        &server,
        "Scan",
        &json!({"TableName": "tab", "FilterExpression": nest(1, "v = :v"), "ExpressionAttributeValues": values}),
    );
    assert_eq!(status, 200, "{body}");
    let mut texts: Vec<(String, String)> = [10, 100, 1_000, 2_000, 10_000]
        .iter()
        .map(|&d| (format!("depth {d}"), nest(d, "v = :v")))
        .collect();
    texts.push(("4096 bare (".into(), "(".repeat(4096)));
    for (what, text) in &texts {
        let requests = [
            (
                "PutItem",
                json!({"TableName": "tab", "Item": {"pk": {"S": "n"}, "sk": {"S": "n"}}, "ConditionExpression": text, "ExpressionAttributeValues": values}),
            ),
            (
                "UpdateItem",
                json!({"TableName": "tab", "Key": {"pk": {"S": "n"}, "sk": {"S": "n"}}, "UpdateExpression": format!("SET v = {}", text.replace("v = ", "")), "ExpressionAttributeValues": values}),
            ),
            (
                "UpdateItem",
                json!({"TableName": "tab", "Key": {"pk": {"S": "n"}, "sk": {"S": "n"}}, "UpdateExpression": "SET v = :v", "ConditionExpression": text, "ExpressionAttributeValues": values}),
            ),
            (
                "GetItem",
                json!({"TableName": "tab", "Key": {"pk": {"S": "n"}, "sk": {"S": "n"}}, "ProjectionExpression": text.replace(" = :v", "")}),
            ),
            (
                "Scan",
                json!({"TableName": "tab", "FilterExpression": text, "ExpressionAttributeValues": values}),
            ),
            (
                "Query",
                json!({"TableName": "tab", "KeyConditionExpression": text.replace("v = :v", "pk = :v"), "ExpressionAttributeValues": values}),
            ),
            (
                "DeleteItem",
                json!({"TableName": "tab", "Key": {"pk": {"S": "n"}, "sk": {"S": "n"}}, "ConditionExpression": text, "ExpressionAttributeValues": values}),
            ),
        ];
        for (op, request) in requests {
            let answer = call(&server, op, &request);
            // `SET v = ((((:v))))` has no known DynamoDB answer for redundant parentheses
            // (docs/COMPAT.md); every other one is refused.
            if op == "UpdateItem" && request.get("ConditionExpression").is_none() {
                assert!(matches!(answer.0, 200 | 400), "{op} {what}: {}", answer.1);
            } else {
                assert_validation(&answer, &format!("{op} {what}"));
            }
            assert_alive(&server);
        }
    }
    // More than 300 operators, however they are written.
    let ands = vec!["v = :v"; 151].join(" AND ");
    let answer = call(
        &server,
        "Scan",
        &json!({"TableName": "tab", "FilterExpression": ands, "ExpressionAttributeValues": values}),
    );
    assert_validation(&answer, "301 operators");
    assert_eq!(
        answer.1["message"],
        "Invalid FilterExpression: The expression contains too many operators; operator count: 301"
    );
    // PartiQL at every depth, and the long chains that nest without parentheses.
    for depth in [10, 100, 1_000, 2_000, 4_000] {
        let statement = format!("SELECT * FROM tab WHERE {}", nest(depth, "pk = 'a'"));
        let answer = call(
            &server,
            "ExecuteStatement",
            &json!({"Statement": statement}),
        );
        if depth <= 100 {
            assert_eq!(answer.0, 200, "PartiQL depth {depth}: {}", answer.1);
        } else {
            assert_validation(&answer, &format!("PartiQL depth {depth}"));
        }
        assert_alive(&server);
    }
    for statement in [
        format!("SELECT * FROM tab WHERE {}", "(".repeat(8000)),
        format!(
            "SELECT * FROM tab WHERE pk = 'a' AND {}v = 'x'",
            "NOT ".repeat(2000)
        ),
        format!(
            "SELECT * FROM tab WHERE pk = 'a' AND v = {}",
            vec!["'x'"; 2000].join(" + ")
        ),
        format!(
            "INSERT INTO tab VALUE {{'pk': 'q', 'sk': 'q', 'v': {}1{}}}",
            "[".repeat(3000),
            "]".repeat(3000)
        ),
    ] {
        assert_validation(
            &call(
                &server,
                "ExecuteStatement",
                &json!({"Statement": statement}),
            ),
            "PartiQL nesting",
        );
        assert_alive(&server);
    }
    // The deepest PartiQL the limits accept is evaluated, not just parsed.
    let chain = vec!["v = 'still here'"; 300].join(" AND ");
    let answer = call(
        &server,
        "ExecuteStatement",
        &json!({"Statement": format!("SELECT * FROM tab WHERE pk = 'marker' AND {chain}")}),
    );
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert_eq!(answer.1["Items"].as_array().map(Vec::len), Some(1));
}

#[test]
fn attribute_values_nested_past_32_levels_are_refused() {
    let server = support::start_in_memory();
    setup(&server);
    let nested = |depth: usize| {
        let mut v = json!({"S": "leaf"});
        for _ in 0..depth {
            v = json!({"L": [v]});
        }
        v
    };
    let (status, body) = call(
        &server,
        "PutItem",
        &json!({"TableName": "tab", "Item": {"pk": {"S": "d"}, "sk": {"S": "32"}, "doc": nested(32)}}),
    );
    assert_eq!(status, 200, "32 levels are allowed: {body}");
    for depth in [33, 100, 120] {
        let answer = call(
            &server,
            "PutItem",
            &json!({"TableName": "tab", "Item": {"pk": {"S": "d"}, "sk": {"S": "x"}, "doc": nested(depth)}}),
        );
        assert_validation(&answer, &format!("value nested {depth} deep"));
        assert_eq!(
            answer.1["message"],
            "Nesting Levels have exceeded supported limits"
        );
        assert_alive(&server);
    }
    // Deeper than the JSON parser follows (128 levels): the same nesting error, not a crash.
    let deep_json = format!(
        "{{\"TableName\":\"tab\",\"Item\":{{\"pk\":{{\"S\":\"d\"}},\"sk\":{{\"S\":\"y\"}},\"doc\":{}{{\"S\":\"x\"}}{}}}}}",
        "{\"L\":[".repeat(5000),
        "]}".repeat(5000)
    );
    let (status, body) = exchange(
        &server,
        &head(
            "DynamoDB_20120810.PutItem",
            Some("application/x-amz-json-1.0"),
            deep_json.len(),
        ),
        deep_json.as_bytes(),
    );
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        body["message"],
        "Nesting Levels have exceeded supported limits"
    );
    assert_alive(&server);
}

#[test]
fn foreign_exclusive_start_keys_are_validation_errors() {
    let server = support::start_in_memory();
    setup(&server);
    let cases = [
        // A GSI page resumed with another partition's key: this used to panic the server.
        (
            json!({"TableName": "tab", "IndexName": "by_g", "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "g1"}},
                "ExclusiveStartKey": {"g": {"S": "g2"}, "pk": {"S": "b"}, "sk": {"S": "2"}}}),
            "The provided starting key is outside query boundaries based on provided conditions",
        ),
        (
            json!({"TableName": "tab", "IndexName": "by_l", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "a"}},
                "ExclusiveStartKey": {"pk": {"S": "b"}, "sk": {"S": "2"}, "l": {"S": "2"}}}),
            "The provided starting key is outside query boundaries based on provided conditions",
        ),
        (
            json!({"TableName": "tab", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "a"}},
                "ExclusiveStartKey": {"pk": {"S": "b"}, "sk": {"S": "2"}}}),
            "The provided starting key is outside query boundaries based on provided conditions",
        ),
        (
            json!({"TableName": "tab", "KeyConditionExpression": "pk = :p AND sk > :s", "ExpressionAttributeValues": {":p": {"S": "a"}, ":s": {"S": "5"}},
                "ExclusiveStartKey": {"pk": {"S": "a"}, "sk": {"S": "1"}}}),
            "The provided starting key does not match the range key predicate",
        ),
        (
            json!({"TableName": "tab", "IndexName": "by_g", "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "g1"}},
                "ExclusiveStartKey": {"pk": {"S": "a"}, "sk": {"S": "1"}}}),
            "The provided starting key is invalid",
        ),
        (
            json!({"TableName": "tab", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "a"}},
                "ExclusiveStartKey": {"pk": {"S": "a"}, "sk": {"N": "1"}}}),
            "The provided starting key is invalid: The provided key element does not match the schema",
        ),
    ];
    for (request, message) in cases {
        let answer = call(&server, "Query", &request);
        assert_validation(&answer, &request.to_string());
        assert_eq!(answer.1["message"], message, "{request}");
        assert_alive(&server);
    }
    // A foreign key to a Scan of the index is fine (a Scan has no partition to leave).
    let (status, body) = call(
        &server,
        "Scan",
        &json!({"TableName": "tab", "IndexName": "by_g", "ExclusiveStartKey": {"g": {"S": "zzz"}, "pk": {"S": "z"}, "sk": {"S": "z"}}}),
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn a_panicking_request_is_a_500_and_everything_else_carries_on() {
    let server = support::start(&["--in-memory", "--fault-panic-table", "boom"]);
    setup(&server);
    let (status, body) = call(
        &server,
        "CreateTable",
        &json!({"TableName": "boom", "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}]}),
    );
    assert_eq!(status, 200, "{body}");
    // A connection opened before the panic, kept alive across it.
    let mut kept = connect(&server);
    let get = serde_json::to_vec(
        &json!({"TableName": "tab", "Key": {"pk": {"S": "marker"}, "sk": {"S": "0"}}}),
    )
    .unwrap();
    let get_head = head(
        "DynamoDB_20120810.GetItem",
        Some("application/x-amz-json-1.0"),
        get.len(),
    );
    kept.write_all(&[get_head.as_bytes(), &get].concat())
        .unwrap();
    assert_eq!(read_response(&mut kept).0, 200);
    // The engine panics inside PutItem (holding the table's write lock) and inside a Scan
    // (on the blocking pool): each is DynamoDB's 500, on the connection that asked.
    for (op, request) in [
        (
            "PutItem",
            json!({"TableName": "boom", "Item": {"pk": {"S": "x"}}}),
        ),
        ("Scan", json!({"TableName": "boom"})),
    ] {
        let (status, body) = call(&server, op, &request);
        assert_eq!(status, 500, "{op}: {body}");
        assert_eq!(
            body["__type"], "com.amazonaws.dynamodb.v20120810#InternalServerError",
            "{body}"
        );
    }
    // The other connection, the other table and the panicked table's lock all still work.
    kept.write_all(&[get_head.as_bytes(), &get].concat())
        .unwrap();
    let (status, body) = read_response(&mut kept);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_alive(&server);
    let (status, body) = call(&server, "DescribeTable", &json!({"TableName": "boom"}));
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(
        &server,
        "PutItem",
        &json!({"TableName": "tab", "Item": {"pk": {"S": "after"}, "sk": {"S": "0"}}}),
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn bad_http_gets_dynamodbs_answers() {
    let server = support::start_in_memory();
    setup(&server);
    let target = "DynamoDB_20120810.GetItem";
    let body = br#"{"TableName": "tab", "Key": {"pk": {"S": "marker"}, "sk": {"S": "0"}}}"#;
    // Content types: DynamoDB answers any but JSON as an unknown operation, in XML.
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-amz-json-1.0garbled"),
        Some("json"),
        Some("application/xml"),
    ] {
        let (status, answer) = exchange(&server, &head(target, ct, body.len()), body);
        assert_eq!(status, 404, "content type {ct:?}");
        assert_eq!(answer, b"<UnknownOperationException/>\n");
    }
    let (status, _) = exchange(
        &server,
        &head(target, Some("application/json"), body.len()),
        body,
    );
    assert_eq!(status, 200);
    // Invalid JSON, an unknown target, no target.
    for (t, b, want) in [
        (target, &b"{not json"[..], "SerializationException"),
        (target, &b""[..], "SerializationException"),
        (
            "DynamoDB_20120810.Explode",
            &body[..],
            "UnknownOperationException",
        ),
        ("", &body[..], "UnknownOperationException"),
    ] {
        let (status, answer) = exchange(
            &server,
            &head(t, Some("application/x-amz-json-1.0"), b.len()),
            b,
        );
        assert_eq!(status, 400, "{t} {}", String::from_utf8_lossy(b));
        let answer: Value = serde_json::from_slice(&answer).unwrap();
        assert!(
            answer["__type"].as_str().unwrap().ends_with(want),
            "{answer}"
        );
    }
    // A body over DynamoDB's 16 MB request limit: 413, whatever its Content-Length says.
    let big = vec![b' '; 16 * 1024 * 1024 + 1];
    let (status, _) = exchange(
        &server,
        &head(target, Some("application/x-amz-json-1.0"), big.len()),
        &big,
    );
    assert!(matches!(status, 413 | 0), "status {status}");
    // A header value HTTP forbids: hyper's 400, and the connection is closed.
    let (status, _) = exchange(&server, &head(target, Some("a\u{1}b"), body.len()), body);
    assert!(matches!(status, 400 | 0), "status {status}");
    let mut chunked = connect(&server);
    let _ = chunked.write_all(
        format!("POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: {target}\r\nContent-Type: application/x-amz-json-1.0\r\nTransfer-Encoding: chunked\r\n\r\n").as_bytes(),
    );
    let chunk = vec![b' '; 1024 * 1024];
    for _ in 0..17 {
        let sent = chunked
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .and_then(|()| chunked.write_all(&chunk))
            .and_then(|()| chunked.write_all(b"\r\n"));
        if sent.is_err() {
            break;
        }
    }
    let _ = chunked.write_all(b"0\r\n\r\n");
    assert!(matches!(read_response(&mut chunked).0, 413 | 0));
    assert_alive(&server);
}

#[test]
fn slow_and_idle_clients_are_cut_off() {
    let server = support::start(&[
        "--in-memory",
        "--request-timeout-secs",
        "1",
        "--max-connections",
        "200",
    ]);
    setup(&server);
    // Headers that never end, and a body that never comes: the server closes both.
    let mut slow_head = connect(&server);
    slow_head
        .write_all(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Tar")
        .unwrap();
    let mut slow_body = connect(&server);
    slow_body
        .write_all(
            head(
                "DynamoDB_20120810.GetItem",
                Some("application/x-amz-json-1.0"),
                100,
            )
            .as_bytes(),
        )
        .unwrap();
    slow_body.write_all(b"{\"TableName\"").unwrap();
    let started = dynolab_clock::Stopwatch::start();
    assert_eq!(read_response(&mut slow_head).0, 0, "headers never ended");
    assert!(matches!(read_response(&mut slow_body).0, 408 | 0));
    assert!(
        started.elapsed_millis() < 20_000.0,
        "cut off by the 1 s timeouts, not by the test's read timeout"
    );
    // Two thousand idle connections against a limit of 200: the ones past the limit are
    // closed at once, the rest after the timeout, the server stays up, and once they go it
    // serves new connections again.
    let idle: Vec<TcpStream> = (0..2000).map(|_| connect(&server)).collect();
    let rss_kib = std::fs::read_to_string(format!("/proc/{}/status", server.child.id()))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        });
    if let Some(kib) = rss_kib {
        assert!(
            kib < 256 * 1024,
            "server RSS {kib} KiB with 2,000 idle connections"
        );
    }
    let mut closed = 0;
    for mut s in idle {
        let mut byte = [0u8; 1];
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        if matches!(s.read(&mut byte), Ok(0)) {
            closed += 1;
        }
    }
    assert_eq!(closed, 2000, "idle connections left open");
    assert_alive(&server);
}

#[test]
fn a_shared_server_can_take_smaller_bodies() {
    let server = support::start(&["--in-memory", "--max-request-bytes", "1024"]);
    let target = "DynamoDB_20120810.ListTables";
    let small = br#"{"Limit": 5}"#;
    let (status, _) = exchange(
        &server,
        &head(target, Some("application/x-amz-json-1.0"), small.len()),
        small,
    );
    assert_eq!(status, 200);
    let big = format!(r#"{{"ExclusiveStartTableName": "{}"}}"#, "a".repeat(2000));
    let (status, _) = exchange(
        &server,
        &head(target, Some("application/x-amz-json-1.0"), big.len()),
        big.as_bytes(),
    );
    assert!(matches!(status, 413 | 0), "status {status}");
    let (status, _) = exchange(
        &server,
        &head(target, Some("application/x-amz-json-1.0"), small.len()),
        small,
    );
    assert_eq!(status, 200, "the server still answers");
}

#[test]
fn a_connection_past_its_rate_is_throttled_and_others_are_not() {
    let server = support::start(&["--in-memory", "--max-connection-rate", "5"]);
    let body = br#"{}"#;
    let request = [
        head(
            "DynamoDB_20120810.ListTables",
            Some("application/x-amz-json-1.0"),
            body.len(),
        )
        .into_bytes(),
        body.to_vec(),
    ]
    .concat();
    // 20 requests in a row on one kept-alive connection: the first second's 5 pass, then the
    // bucket refills at 5 a second, far slower than the requests come.
    let mut stream = connect(&server);
    let mut answers = Vec::new();
    for _ in 0..20 {
        stream.write_all(&request).unwrap();
        answers.push(read_response(&mut stream));
    }
    let ok = answers.iter().filter(|(s, _)| *s == 200).count();
    let throttled: Vec<Value> = answers
        .iter()
        .filter(|(s, _)| *s == 400)
        .map(|(_, b)| serde_json::from_slice(b).unwrap())
        .collect();
    assert_eq!(ok + throttled.len(), 20, "{answers:?}");
    assert!((5..10).contains(&ok), "{ok} passed");
    assert_eq!(
        throttled[0],
        json!({"__type": "com.amazon.coral.availability#ThrottlingException",
               "message": "Rate of requests exceeds the allowed throughput."})
    );
    // The limit is per connection: a new one starts with a full bucket.
    assert_eq!(call(&server, "ListTables", &json!({})).0, 200);
}
