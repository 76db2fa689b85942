//! `ClientRequestToken` of TransactWriteItems and of a writing ExecuteTransaction (both run
//! through `ops::transact_write_items::run`): a token seen with the same parameters within
//! ten minutes of the first successful request answers that request's result again without
//! applying anything; with different parameters it is IdempotentParameterMismatchException.
//! Tokens live in memory only (see docs/COMPAT.md).

use std::collections::HashMap;

use dynolab_clock::Timestamp;
use dynolab_model::{ApiError, ErrorCode};
use serde_json::{Map, Value};

/// How long a token is remembered after the request that used it completed.
pub const WINDOW_MICROS: u64 = 10 * 60 * 1_000_000;

struct Entry {
    /// The request without its token: what "the same parameters" means.
    request: Map<String, Value>,
    /// The first answer, without `ConsumedCapacity`.
    body: Value,
    completed: Timestamp,
}

#[derive(Default)]
pub(crate) struct Tokens {
    entries: HashMap<String, Entry>,
}

/// What a token says about a request.
pub(crate) enum Seen {
    /// Not seen within the window: run the request.
    New,
    /// The same request completed within the window: answer this body again.
    Repeat(Value),
}

fn without_token(req: &Map<String, Value>) -> Map<String, Value> {
    let mut request = req.clone();
    request.remove("ClientRequestToken");
    request
}

impl Tokens {
    /// Looks `token` up for `req` at `now`, forgetting tokens older than the window.
    pub fn check(
        &mut self,
        token: &str,
        req: &Map<String, Value>,
        now: Timestamp,
    ) -> Result<Seen, ApiError> {
        self.entries
            .retain(|_, e| now.as_micros() < e.completed.as_micros() + WINDOW_MICROS);
        match self.entries.get(token) {
            None => Ok(Seen::New),
            Some(e) if e.request == without_token(req) => Ok(Seen::Repeat(e.body.clone())),
            Some(_) => Err(ApiError::new(
                ErrorCode::IdempotentParameterMismatchException,
                "Specified idempotent token was used with different request parameters within the idempotency window",
            )),
        }
    }

    /// Remembers the successful answer `body` of `req` under `token`.
    pub fn record(&mut self, token: &str, req: &Map<String, Value>, body: &Value, now: Timestamp) {
        let mut body = body.clone();
        if let Some(b) = body.as_object_mut() {
            b.remove("ConsumedCapacity");
        }
        self.entries.insert(
            token.to_string(),
            Entry {
                request: without_token(req),
                body,
                completed: now,
            },
        );
    }
}
