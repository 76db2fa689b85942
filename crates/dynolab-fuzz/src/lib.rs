//! Fuzz entry points, shared by the cargo-fuzz targets in `/fuzz` (long runs, libFuzzer) and
//! by `tests/bounded.rs` (the bounded run every `cargo test --workspace` does on stable Rust).
//! See `docs/fuzzing.md`.
//!
//! Each entry point takes arbitrary bytes and must return normally for every input: an
//! error answer is fine, a panic, a stack overflow or a hang is a bug. Besides "does not
//! crash", each checks a few things that must hold whatever the input (a panic here is a
//! finding, the way libFuzzer reports it):
//!
//! - [`request`]: the request path of `dynolab serve` without HTTP (JSON body parse,
//!   `X-Amz-Target` routing, `Engine::call` / `call_streams` / the CloudWatch API, the
//!   answer's JSON) on a fresh in-memory engine with two tables, a GSI, an LSI, a stream and
//!   TTL. No answer is an `InternalServerError` (in memory there is no storage to fail).
//! - [`expression`]: dynolab-expr's public API: every expression kind parsed with
//!   placeholder maps, conditions evaluated, updates applied, projections applied, key
//!   conditions resolved against key schemas, the legacy parameters converted. An update that
//!   fails leaves its item untouched; whatever parses prints back to text that parses to the
//!   same AST and evaluates the same.
//! - [`partiql`]: dynolab-partiql's parse, bind and every translation the engine uses.
//! - [`cbor`]: the CBOR bodies the server reads for CloudWatch, decoded and encoded back.
//!
//! # Input formats
//! Each target reads text with optional parts after NUL bytes (`\0`), so that plain text seeds
//! stay readable and a mutation rarely turns one kind of input into another:
//!
//! ```text
//! request:     Operation\nJSON body[\0Operation\nJSON body]...      (up to 8 requests)
//! expression:  expression text[\0names JSON[\0values JSON[\0item JSON]]]
//! partiql:     statement[\0parameters JSON array]
//! cbor:        raw bytes (a Smithy RPC v2 CBOR body)
//! ```

mod cbor;
mod expression;
mod partiql;
mod request;

pub use cbor::cbor;
pub use expression::{default_names, default_values, expression};
pub use partiql::partiql;
pub use request::{MAX_REQUESTS, fixture, request, run_requests};

use std::future::Future;
use std::task::{Context, Poll, Waker};

/// Runs a future that never waits on anything but the in-memory store (whose tickets are
/// ready at once) to completion, without an async runtime.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}

/// Splits `data` at its NUL bytes into at most `n` parts (the last part keeps any further
/// NULs), each decoded as UTF-8 with invalid sequences replaced.
fn parts(data: &[u8], n: usize) -> Vec<String> {
    data.splitn(n, |b| *b == 0)
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect()
}
