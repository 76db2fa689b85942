//! The redb file behind a durable store, and the group-commit writer thread.
//!
//! Writers never touch redb directly: they send a batch of mutations over a channel and get a
//! [`Ticket`]. The writer thread drains every batch that is waiting (up to
//! [`MAX_BATCHES_PER_COMMIT`]), applies them in arrival order in one write transaction, commits
//! with `Durability::Immediate` (fsync), and only then resolves the tickets. Under load many
//! requests share one fsync; a lone request pays exactly one.

use std::collections::HashMap;
use std::path::Path;
use std::sync::mpsc;

use dynolab_model::Item;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use tokio::sync::oneshot;

use crate::codec;
use crate::{Loaded, Mutation, StorageError};

/// Table name → table metadata (opaque bytes owned by the engine).
const TABLES: TableDefinition<&str, &[u8]> = TableDefinition::new("tables");
/// `table_id (u64 BE) ++ item key` → encoded item.
const ITEMS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("items");

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
        std::fs::create_dir_all(dir).map_err(|e| StorageError(format!("creating {}: {e}", dir.display())))?;
        let db = Database::create(dir.join("dynolab.redb")).map_err(StorageError::from_redb)?;
        let loaded = load(&db)?;
        let (sender, receiver) = mpsc::channel();
        let writer = std::thread::Builder::new()
            .name("dynolab-commit".into())
            .spawn(move || writer_loop(db, receiver))
            .map_err(|e| StorageError(format!("spawning the commit thread: {e}")))?;
        Ok((Durable { sender: Some(sender), writer: Some(writer) }, loaded))
    }

    pub(crate) fn submit(&self, mutations: Vec<Mutation>) -> oneshot::Receiver<Result<(), StorageError>> {
        let (tx, rx) = oneshot::channel();
        let sent = match &self.sender {
            Some(sender) => sender.send((mutations, tx)).map_err(|mpsc::SendError((_, tx))| tx),
            None => Err(tx),
        };
        if let Err(tx) = sent {
            let _ = tx.send(Err(StorageError("the commit thread has stopped".into())));
        }
        rx
    }
}

fn load(db: &Database) -> Result<Loaded, StorageError> {
    let mut loaded = Loaded::default();
    {
        let txn = db.begin_write().map_err(StorageError::from_redb)?;
        txn.open_table(TABLES).map_err(StorageError::from_redb)?;
        txn.open_table(ITEMS).map_err(StorageError::from_redb)?;
        txn.commit().map_err(StorageError::from_redb)?;
    }
    let txn = db.begin_read().map_err(StorageError::from_redb)?;
    let tables = txn.open_table(TABLES).map_err(StorageError::from_redb)?;
    for entry in tables.iter().map_err(StorageError::from_redb)? {
        let (k, v) = entry.map_err(StorageError::from_redb)?;
        loaded.tables.push((k.value().to_string(), v.value().to_vec()));
    }
    let items = txn.open_table(ITEMS).map_err(StorageError::from_redb)?;
    let mut by_table: HashMap<u64, Vec<(Vec<u8>, Item)>> = HashMap::new();
    for entry in items.iter().map_err(StorageError::from_redb)? {
        let (k, v) = entry.map_err(StorageError::from_redb)?;
        let key = k.value();
        let Some(id_bytes) = key.get(..8) else { continue };
        let table_id = u64::from_be_bytes(id_bytes.try_into().expect("8 bytes"));
        let item = codec::decode_item(v.value())
            .ok_or_else(|| StorageError(format!("corrupt item in table {table_id}")))?;
        by_table.entry(table_id).or_default().push((key[8..].to_vec(), item));
    }
    loaded.items = by_table;
    Ok(loaded)
}

fn item_key(table_id: u64, key: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + key.len());
    out.extend_from_slice(&table_id.to_be_bytes());
    out.extend_from_slice(key);
    out
}

fn writer_loop(db: Database, receiver: mpsc::Receiver<(Vec<Mutation>, Reply)>) {
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCHES_PER_COMMIT {
            match receiver.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let result = commit(&db, &batch);
        for (_, reply) in batch {
            let _ = reply.send(result.clone());
        }
    }
}

fn commit(db: &Database, batch: &[(Vec<Mutation>, Reply)]) -> Result<(), StorageError> {
    let txn = db.begin_write().map_err(StorageError::from_redb)?;
    {
        let mut tables = txn.open_table(TABLES).map_err(StorageError::from_redb)?;
        let mut items = txn.open_table(ITEMS).map_err(StorageError::from_redb)?;
        for mutation in batch.iter().flat_map(|(m, _)| m) {
            match mutation {
                Mutation::PutMeta { name, meta } => {
                    tables.insert(name.as_str(), meta.as_slice()).map_err(StorageError::from_redb)?;
                }
                Mutation::DeleteMeta { name } => {
                    tables.remove(name.as_str()).map_err(StorageError::from_redb)?;
                }
                Mutation::PutItem { table_id, key, item } => {
                    items
                        .insert(item_key(*table_id, key).as_slice(), item.as_slice())
                        .map_err(StorageError::from_redb)?;
                }
                Mutation::DeleteItem { table_id, key } => {
                    items.remove(item_key(*table_id, key).as_slice()).map_err(StorageError::from_redb)?;
                }
                Mutation::DeleteAllItems { table_id } => {
                    let lower = table_id.to_be_bytes().to_vec();
                    let upper = (table_id + 1).to_be_bytes().to_vec();
                    items
                        .retain_in(lower.as_slice()..upper.as_slice(), |_, _| false)
                        .map_err(StorageError::from_redb)?;
                }
            }
        }
    }
    txn.commit().map_err(StorageError::from_redb)
}
