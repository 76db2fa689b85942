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

use dynolab_model::Item;
use fjall::{Database, Keyspace, KeyspaceCreateOptions, PersistMode};
use tokio::sync::oneshot;

use crate::codec;
use crate::{Loaded, Mutation, StorageError};

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
    pub(crate) fn open(dir: &Path) -> Result<(Durable, Loaded), StorageError> {
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
        let loaded = load(&files)?;
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

fn load(files: &Files) -> Result<Loaded, StorageError> {
    let mut loaded = Loaded::default();
    for entry in files.tables.iter() {
        let (k, v) = entry.into_inner().map_err(StorageError::from_engine)?;
        let name =
            String::from_utf8(k.to_vec()).map_err(|_| StorageError("corrupt table name".into()))?;
        loaded.tables.push((name, v.to_vec()));
    }
    let mut by_table: HashMap<u64, Vec<(Vec<u8>, Item)>> = HashMap::new();
    for entry in files.items.iter() {
        let (k, v) = entry.into_inner().map_err(StorageError::from_engine)?;
        let Some(id_bytes) = k.get(..8) else { continue };
        let table_id = u64::from_be_bytes(id_bytes.try_into().expect("8 bytes"));
        let item = codec::decode_item(&v)
            .ok_or_else(|| StorageError(format!("corrupt item in table {table_id}")))?;
        by_table
            .entry(table_id)
            .or_default()
            .push((k[8..].to_vec(), item));
    }
    loaded.items = by_table;
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
