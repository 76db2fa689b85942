//! `dynolab serve --record FILE`: one JSON line per data-plane request the engine admits or
//! throttles, for `dynolab workload from-log` (docs/design/simulate.md, "Inputs").
//!
//! The hook is [`Engine::admit_keys`](crate::Engine): every data-plane operation passes its
//! capacity charges (and, while recording, its keys) through it. Those admissions are collected
//! per thread while [`Engine::call`](crate::Engine::call) dispatches (dispatch is synchronous),
//! then written as lines with the operation name and the items the answer holds. A batch or a
//! transaction admits once per item or action, so it writes one line each.
//!
//! Lines are buffered and flushed on every [`Engine::tick`](crate::Engine::tick) (each second on
//! the system clock; each clock move on a virtual one), when the buffer passes 64 KB, and on
//! [`Recorder::flush`] at shutdown. A failed write is logged once as a warning and never fails
//! or slows the request.

use std::cell::RefCell;
use std::io::Write;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use dynolab_capacity::{Charge, Op, Target};
use dynolab_clock::Timestamp;
use serde_json::{Value, json};

/// One admission, before the operation's answer is known.
pub(crate) struct Admission {
    pub table: String,
    pub index: Option<String>,
    pub pk: Option<String>,
    pub read_units: f64,
    pub write_units: f64,
    pub throttled: bool,
}

thread_local! {
    /// The admissions of the request this thread is dispatching (`None`: not recording).
    static CURRENT: RefCell<Option<Vec<Admission>>> = const { RefCell::new(None) };
}

const FLUSH_BYTES: usize = 64 * 1024;

pub struct Recorder {
    out: Mutex<std::io::BufWriter<std::fs::File>>,
    warned: AtomicBool,
}

impl Recorder {
    /// Opens `path` for appending.
    pub fn open(path: &Path) -> std::io::Result<Recorder> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(Recorder {
            out: Mutex::new(std::io::BufWriter::with_capacity(2 * FLUSH_BYTES, file)),
            warned: AtomicBool::new(false),
        })
    }

    /// Starts collecting this thread's admissions for one request.
    pub(crate) fn begin() {
        CURRENT.with(|c| *c.borrow_mut() = Some(Vec::new()));
    }

    /// Notes one admission of the current request (nothing when not recording).
    pub(crate) fn note(table: &str, charges: &[Charge], keys: &[crate::KeyRef], throttled: bool) {
        CURRENT.with(|c| {
            let mut current = c.borrow_mut();
            let Some(list) = current.as_mut() else {
                return;
            };
            // The request's own resource: the index a Query or Scan reads, else the table.
            // Units are those charged to it (a write's GSI copies are left to the design).
            let own = charges
                .iter()
                .find(|c| c.op == Op::Read && matches!(c.target, Target::Index(_)))
                .map(|c| c.target.clone())
                .unwrap_or(Target::Table);
            let index = match &own {
                Target::Index(name) => Some(name.clone()),
                Target::Table => None,
            };
            let pk = keys
                .iter()
                .find(|k| k.index == index)
                .or(keys.first())
                .map(|k| k.pk.clone());
            let (mut read_units, mut write_units) = (0.0, 0.0);
            if !throttled {
                for c in charges.iter().filter(|c| c.target == own) {
                    match c.op {
                        Op::Read => read_units += c.cost.as_units_f64(),
                        Op::Write => write_units += c.cost.as_units_f64(),
                    }
                }
            }
            list.push(Admission {
                table: table.to_string(),
                index,
                pk,
                read_units,
                write_units,
                throttled,
            });
        });
    }

    /// Writes the current request's admissions as lines. `items` is what the answer returned
    /// (a Query's or Scan's `Count`, a GetItem's item, 1 for a write; 0 for a request that
    /// failed); the admissions of a batch or transaction count 1 each.
    pub(crate) fn end(&self, operation: &str, answer: Option<&Value>, now: Timestamp) {
        let Some(list) = CURRENT.with(|c| c.borrow_mut().take()) else {
            return;
        };
        if list.is_empty() {
            return;
        }
        let single = list.len() == 1;
        let t = now.0 as f64 / 1e6;
        let mut text = String::new();
        for a in list {
            let items = if a.throttled || answer.is_none() {
                0
            } else if !single {
                1
            } else if let Some(count) = answer.and_then(|b| b.get("Count")).and_then(Value::as_u64)
            {
                count
            } else if operation == "GetItem" {
                u64::from(answer.is_some_and(|b| b.get("Item").is_some()))
            } else {
                1
            };
            let line = json!({
                "t": t,
                "op": operation,
                "table": a.table,
                "index": a.index,
                "pk": a.pk,
                "read_units": a.read_units,
                "write_units": a.write_units,
                "items": items,
                "throttled": a.throttled,
            });
            text.push_str(&line.to_string());
            text.push('\n');
        }
        let mut out = self.out.lock().unwrap_or_else(|e| e.into_inner());
        let result = out.write_all(text.as_bytes()).and_then(|()| {
            if out.buffer().len() >= FLUSH_BYTES {
                out.flush()
            } else {
                Ok(())
            }
        });
        drop(out);
        self.check(result);
    }

    /// Writes buffered lines to the file.
    pub fn flush(&self) {
        let result = self.out.lock().unwrap_or_else(|e| e.into_inner()).flush();
        self.check(result);
    }

    fn check(&self, result: std::io::Result<()>) {
        if let Err(e) = result
            && !self.warned.swap(true, Ordering::Relaxed)
        {
            tracing::warn!(error = %e, "writing the request log failed; requests go on unrecorded");
        }
    }
}
