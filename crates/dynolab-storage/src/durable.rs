//! The fjall database behind a durable store, and the group-commit writer thread.
//!
//! Writers never touch fjall directly: they send a batch of mutations over a channel and get a
//! [`Ticket`]. The writer thread drains every batch that is waiting (up to
//! [`MAX_BATCHES_PER_COMMIT`]), applies them in arrival order as one atomic write batch, commits
//! it with `PersistMode::SyncAll` (the journal is fsynced), and only then resolves the tickets.
//! Under load many requests share one fsync; a lone request pays exactly one.

use std::collections::HashMap;
use std::path::Path;
use std::sync::mpsc;

use std::sync::atomic::{AtomicU64, Ordering};

use fjall::{Database, Keyspace, KeyspaceCreateOptions, PersistMode};
use tokio::sync::oneshot;

use crate::codec;
use crate::items::{Items, encode_entry};
use crate::{Loaded, Mutation, OpenOptions, StorageError};

/// Keyspace of table name → table metadata (opaque bytes owned by the engine).
const TABLES: &str = "tables";
/// Keyspace of `table_id (u64 BE) ++ item key` → encoded item.
const ITEMS: &str = "items";

/// Keyspace of `table_id (u64 BE) ++ seq (u64 BE)` → change-log record.
const HISTORY: &str = "history";
/// Keyspace of backup ARN → backup description.
const BACKUPS: &str = "backups";

/// Upper bound on how many waiting batches share one commit, so one fsync never waits on an
/// unbounded amount of work.
const MAX_BATCHES_PER_COMMIT: usize = 4096;

type Reply = oneshot::Sender<Result<(), StorageError>>;

pub(crate) struct Durable {
    /// `None` only while dropping: closing the channel stops the writer thread.
    sender: Option<mpsc::Sender<(Vec<Mutation>, Reply)>>,
    writer: Option<std::thread::JoinHandle<()>>,
}

/// Dropping the store finishes pending commits and closes the file, so it can be reopened.
impl Drop for Durable {
    fn drop(&mut self) {
        self.sender = None;
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

impl Durable {
    pub(crate) fn open(
        dir: &Path,
        options: &OpenOptions,
    ) -> Result<(Durable, Loaded), StorageError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StorageError(format!("creating {}: {e}", dir.display())))?;
        let db = Database::builder(dir.join("db"))
            .open()
            .map_err(StorageError::from_engine)?;
        let files = Files {
            tables: db
                .keyspace(TABLES, KeyspaceCreateOptions::default)
                .map_err(StorageError::from_engine)?,
            items: db
                .keyspace(ITEMS, KeyspaceCreateOptions::default)
                .map_err(StorageError::from_engine)?,
            history: db
                .keyspace(HISTORY, KeyspaceCreateOptions::default)
                .map_err(StorageError::from_engine)?,
            backups: db
                .keyspace(BACKUPS, KeyspaceCreateOptions::default)
                .map_err(StorageError::from_engine)?,
            db,
        };
        let loaded = load(&files, options)?;
        let (sender, receiver) = mpsc::channel();
        let writer = std::thread::Builder::new()
            .name("dynolab-commit".into())
            .spawn(move || writer_loop(files, receiver))
            .map_err(|e| StorageError(format!("spawning the commit thread: {e}")))?;
        Ok((
            Durable {
                sender: Some(sender),
                writer: Some(writer),
            },
            loaded,
        ))
    }

    pub(crate) fn submit(
        &self,
        mutations: Vec<Mutation>,
    ) -> oneshot::Receiver<Result<(), StorageError>> {
        let (tx, rx) = oneshot::channel();
        let sent = match &self.sender {
            Some(sender) => sender
                .send((mutations, tx))
                .map_err(|mpsc::SendError((_, tx))| tx),
            None => Err(tx),
        };
        if let Err(tx) = sent {
            let _ = tx.send(Err(StorageError("the commit thread has stopped".into())));
        }
        rx
    }
}

/// The database and its keyspaces, owned by the commit thread.
struct Files {
    db: Database,
    tables: Keyspace,
    items: Keyspace,
    history: Keyspace,
    backups: Keyspace,
}

fn load(files: &Files, options: &OpenOptions) -> Result<Loaded, StorageError> {
    let mut loaded = Loaded::default();
    for entry in files.tables.iter() {
        let (k, v) = entry.into_inner().map_err(StorageError::from_engine)?;
        let name =
            String::from_utf8(k.to_vec()).map_err(|_| StorageError("corrupt table name".into()))?;
        loaded.tables.push((name, v.to_vec()));
    }
    loaded.items = load_items(&files.items, options)?;
    for entry in files.history.iter() {
        let (k, v) = entry.into_inner().map_err(StorageError::from_engine)?;
        if k.len() != 16 {
            return Err(StorageError("corrupt change-log key".into()));
        }
        let table_id = u64::from_be_bytes(k[..8].try_into().expect("8 bytes"));
        let seq = u64::from_be_bytes(k[8..].try_into().expect("8 bytes"));
        loaded
            .changes
            .entry(table_id)
            .or_default()
            .push((seq, v.to_vec()));
    }
    for entry in files.backups.iter() {
        let (k, v) = entry.into_inner().map_err(StorageError::from_engine)?;
        let arn =
            String::from_utf8(k.to_vec()).map_err(|_| StorageError("corrupt backup ARN".into()))?;
        loaded.backups.push((arn, v.to_vec()));
    }
    Ok(loaded)
}

/// The first 16 bytes of an items key (table id and partition hash) as a number, zero-padded.
fn key_point(key: &[u8]) -> u128 {
    let mut buf = [0u8; 16];
    let n = key.len().min(16);
    buf[..n].copy_from_slice(&key[..n]);
    u128::from_be_bytes(buf)
}

/// Runs of entries of one table, in key order.
type Runs = Vec<(u64, Vec<Box<[u8]>>)>;

/// Reads the `items` keyspace on a few threads, each a contiguous range of (table id, hash):
/// the items are copied as they are stored (each sized, which also checks it decodes), never
/// decoded into values. Ranges are split evenly between the first and last key, so the
/// threads share the work when the hashes spread the keys (they do: MD5).
fn load_items(
    items: &Keyspace,
    options: &OpenOptions,
) -> Result<HashMap<u64, Items>, StorageError> {
    let bounds = |guard: Option<fjall::Guard>| -> Result<Option<u128>, StorageError> {
        match guard {
            None => Ok(None),
            Some(g) => Ok(Some(key_point(
                &g.key().map_err(StorageError::from_engine)?,
            ))),
        }
    };
    let (Some(lo), Some(hi)) = (
        bounds(items.first_key_value())?,
        bounds(items.last_key_value())?,
    ) else {
        return Ok(HashMap::new());
    };
    let total = items.approximate_len() as u64;
    let threads = match options.threads {
        0 if total < 20_000 => 1,
        0 => std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
        n => n,
    };
    let step = (hi - lo) / threads as u128;
    let cuts: Vec<[u8; 16]> = (1..threads)
        .map(|i| (lo + step * i as u128).to_be_bytes())
        .collect();
    let done = AtomicU64::new(0);
    let read = |lower: Option<&[u8; 16]>, upper: Option<&[u8; 16]>| -> Result<Runs, StorageError> {
        use std::ops::Bound;
        let lower = lower.map_or(Bound::Unbounded, |k| Bound::Included(k.to_vec()));
        let upper = upper.map_or(Bound::Unbounded, |k| Bound::Excluded(k.to_vec()));
        let mut runs: Runs = Vec::new();
        let mut since_report = 0u64;
        for entry in items.range::<Vec<u8>, _>((lower, upper)) {
            let (k, v) = entry.into_inner().map_err(StorageError::from_engine)?;
            let Some(id_bytes) = k.get(..8) else { continue };
            let mut id = [0u8; 8];
            id.copy_from_slice(id_bytes);
            let table_id = u64::from_be_bytes(id);
            let size = codec::item_size(&v)
                .ok_or_else(|| StorageError(format!("corrupt item in table {table_id}")))?;
            let entry = encode_entry(&k[8..], size, &v);
            match runs.last_mut() {
                Some((id, run)) if *id == table_id => run.push(entry),
                _ => runs.push((table_id, vec![entry])),
            }
            since_report += 1;
            if since_report == 8192 {
                let now = done.fetch_add(since_report, Ordering::Relaxed) + since_report;
                since_report = 0;
                if let Some(progress) = &options.progress {
                    progress(now, total);
                }
            }
        }
        let now = done.fetch_add(since_report, Ordering::Relaxed) + since_report;
        if let Some(progress) = &options.progress {
            progress(now, total);
        }
        Ok(runs)
    };
    let parts: Vec<Result<Runs, StorageError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|i| {
                let lower = i.checked_sub(1).and_then(|j| cuts.get(j));
                let upper = cuts.get(i);
                let read = &read;
                scope.spawn(move || read(lower, upper))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(StorageError("a loading thread panicked".into())))
            })
            .collect()
    });
    let mut by_table: HashMap<u64, Vec<Box<[u8]>>> = HashMap::new();
    for part in parts {
        for (table_id, run) in part? {
            by_table.entry(table_id).or_default().extend(run);
        }
    }
    Ok(by_table
        .into_iter()
        .map(|(id, entries)| (id, Items::from_entries(entries, options.meter.clone())))
        .collect())
}

fn item_key(table_id: u64, key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + key.len());
    out.extend_from_slice(&table_id.to_be_bytes());
    out.extend_from_slice(key);
    out
}

fn writer_loop(files: Files, receiver: mpsc::Receiver<(Vec<Mutation>, Reply)>) {
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCHES_PER_COMMIT {
            match receiver.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let result = commit(&files, &batch);
        for (_, reply) in batch {
            let _ = reply.send(result.clone());
        }
    }
    // Stopping (the store is dropped): write the memtables out as sorted tables, so the next
    // open reads them instead of replaying the journal entry by entry (seconds for a large data
    // set). Everything is already durable in the journal; a failure here only costs time.
    for keyspace in [&files.items, &files.history, &files.tables, &files.backups] {
        let _ = keyspace.rotate_memtable_and_wait();
    }
}

fn commit(files: &Files, batch: &[(Vec<Mutation>, Reply)]) -> Result<(), StorageError> {
    let mut write = files.db.batch().durability(Some(PersistMode::SyncAll));
    for mutation in batch.iter().flat_map(|(m, _)| m) {
        match mutation {
            Mutation::PutMeta { name, meta } => {
                write.insert(&files.tables, name.as_bytes(), meta.as_slice())
            }
            Mutation::DeleteMeta { name } => write.remove(&files.tables, name.as_bytes()),
            Mutation::PutItem {
                table_id,
                key,
                item,
            } => write.insert(&files.items, item_key(*table_id, key), item.as_slice()),
            Mutation::DeleteItem { table_id, key } => {
                write.remove(&files.items, item_key(*table_id, key))
            }
            Mutation::DeleteAllItems { table_id } => {
                for keyspace in [&files.items, &files.history] {
                    for entry in keyspace.prefix(table_id.to_be_bytes()) {
                        let key = entry.key().map_err(StorageError::from_engine)?;
                        write.remove(keyspace, key);
                    }
                }
            }
            Mutation::AppendChange {
                table_id,
                seq,
                record,
            } => write.insert(
                &files.history,
                item_key(*table_id, &seq.to_be_bytes()),
                record.as_slice(),
            ),
            Mutation::TrimChanges {
                table_id,
                through_seq,
            } => {
                let start = item_key(*table_id, &0u64.to_be_bytes());
                let end = item_key(*table_id, &through_seq.to_be_bytes());
                for entry in files.history.range(start..=end) {
                    let key = entry.key().map_err(StorageError::from_engine)?;
                    write.remove(&files.history, key);
                }
            }
            Mutation::PutBackup { arn, meta } => {
                write.insert(&files.backups, arn.as_bytes(), meta.as_slice())
            }
            Mutation::DeleteBackup { arn } => write.remove(&files.backups, arn.as_bytes()),
        }
    }
    write.commit().map_err(StorageError::from_engine)
}
