//! Storage for dynolab: every table's items and index entries as ordered in-memory keyspaces,
//! made durable by a fjall database (an LSM tree with a write-ahead journal) with group commit.
//!
//! Reads are served from memory ([`TableData`]); every mutation is also sent to the durable log
//! ([`Store::submit`]) and a write is acknowledged only when its [`Ticket`] resolves, that is
//! after the journal entry holding it was fsynced. On start the file is loaded back into
//! memory. Storage knows nothing about expressions, capacity or time: the engine computes keys
//! (see [`keys`]) and decides what to write.
//!
//! # Layout
//! - [`keys`]: order-preserving key encoding and the partition hash.
//! - [`codec`]: the binary item format on disk.
//! - [`items`]: a table's items in memory, one allocation each in that format.
//! - `durable`: the fjall database and the group-commit writer thread.

pub mod codec;
mod durable;
pub mod items;
pub mod keys;

pub use items::{Items, Meter, StoredItem};

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::Path;

use tokio::sync::oneshot;

/// A failure of the storage layer (disk full, corrupt file): answered as InternalServerError.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageError(pub String);

impl StorageError {
    fn from_engine(e: impl fmt::Debug) -> StorageError {
        StorageError(format!("{e:?}"))
    }
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StorageError {}

/// One change to the durable state. Index entries are not stored: they are rebuilt from items.
#[derive(Debug)]
pub enum Mutation {
    PutMeta {
        name: String,
        meta: Vec<u8>,
    },
    DeleteMeta {
        name: String,
    },
    PutItem {
        table_id: u64,
        key: Vec<u8>,
        item: Vec<u8>,
    },
    DeleteItem {
        table_id: u64,
        key: Vec<u8>,
    },
    /// Removes every item of a table, and its change log.
    DeleteAllItems {
        table_id: u64,
    },
    /// Appends one entry to a table's change log (streams and point-in-time recovery); `seq`
    /// orders the log, `record` is the engine's encoding.
    AppendChange {
        table_id: u64,
        seq: u64,
        record: Vec<u8>,
    },
    /// Drops a table's change-log entries up to and including `through_seq`.
    TrimChanges {
        table_id: u64,
        through_seq: u64,
    },
    /// Stores a backup's description (opaque bytes owned by the engine) under its ARN; the
    /// backup's items are stored as items of a table id of their own.
    PutBackup {
        arn: String,
        meta: Vec<u8>,
    },
    DeleteBackup {
        arn: String,
    },
}

/// What a durable store held when it was opened.
#[derive(Default, Debug)]
pub struct Loaded {
    /// Table name and the engine's metadata bytes.
    pub tables: Vec<(String, Vec<u8>)>,
    /// Items per table id, as [`TableData::items`] holds them (not decoded), counted in the
    /// meter given to [`Store::open_with`].
    pub items: HashMap<u64, Items>,
    /// Change-log entries per table id, in `seq` order: (seq, record).
    pub changes: HashMap<u64, Vec<(u64, Vec<u8>)>>,
    /// Backup ARN and the engine's description bytes.
    pub backups: Vec<(String, Vec<u8>)>,
}

/// A progress report while items load: (items read so far, approximate total).
pub type Progress = dyn Fn(u64, u64) + Send + Sync;

/// How [`Store::open_with`] loads the data.
#[derive(Default, Clone)]
pub struct OpenOptions {
    /// The meter the loaded items count in.
    pub meter: Meter,
    /// Called from the loading threads every few thousand items (storage itself never prints).
    pub progress: Option<std::sync::Arc<Progress>>,
    /// Threads reading the items keyspace; 0 chooses from the machine's cores (at most 4).
    pub threads: usize,
}

/// Resolves when the mutations it stands for are on disk.
pub struct Ticket(Option<oneshot::Receiver<Result<(), StorageError>>>);

impl Ticket {
    pub fn ready() -> Ticket {
        Ticket(None)
    }

    pub async fn wait(self) -> Result<(), StorageError> {
        match self.0 {
            None => Ok(()),
            Some(rx) => rx
                .await
                .unwrap_or_else(|_| Err(StorageError("the commit thread has stopped".into()))),
        }
    }
}

/// The durability side of storage: a fjall database, or nothing for `--in-memory`.
pub struct Store {
    durable: Option<durable::Durable>,
}

impl Store {
    pub fn in_memory() -> Store {
        Store { durable: None }
    }

    /// Opens (or creates) the data directory and returns what it held.
    pub fn open(dir: &Path) -> Result<(Store, Loaded), StorageError> {
        Store::open_with(dir, &OpenOptions::default())
    }

    /// [`Store::open`], counting the loaded items in `options.meter` and reporting progress.
    pub fn open_with(dir: &Path, options: &OpenOptions) -> Result<(Store, Loaded), StorageError> {
        let (durable, loaded) = durable::Durable::open(dir, options)?;
        Ok((
            Store {
                durable: Some(durable),
            },
            loaded,
        ))
    }

    pub fn is_durable(&self) -> bool {
        self.durable.is_some()
    }

    /// Queues mutations for the next commit; they are applied atomically and in order.
    pub fn submit(&self, mutations: Vec<Mutation>) -> Ticket {
        match &self.durable {
            None => Ticket::ready(),
            Some(_) if mutations.is_empty() => Ticket::ready(),
            Some(d) => Ticket(Some(d.submit(mutations))),
        }
    }
}

/// An ordered keyspace of index entries: entry key → the base item's key.
pub type IndexEntries = BTreeMap<Vec<u8>, Vec<u8>>;

/// The in-memory state of one table: items by key, and one keyspace per secondary index.
/// Index entries hold keys only (the entry key and the base item's key), never items.
#[derive(Default, Debug)]
pub struct TableData {
    /// The items, encoded (see [`items`]); they also sum their sizes (TableSizeBytes).
    pub items: Items,
    /// Index name → entries. Projection is applied when an entry is read.
    pub indexes: HashMap<String, IndexEntries>,
}

impl TableData {
    /// An empty table whose items count in `meter`.
    pub fn with_meter(meter: Meter) -> TableData {
        TableData {
            items: Items::with_meter(meter),
            indexes: HashMap::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dynolab_model::{AttributeValue, Item};

    fn item(v: &str) -> Item {
        let mut i = Item::new();
        i.insert("v".into(), AttributeValue::S(v.into()));
        i
    }

    #[tokio::test]
    async fn change_logs_and_backups_survive_reopen_and_trim() {
        let dir = tempfile::tempdir().unwrap();
        let change = |table_id, seq| Mutation::AppendChange {
            table_id,
            seq,
            record: vec![seq as u8],
        };
        {
            let (store, _) = Store::open(dir.path()).unwrap();
            store
                .submit(vec![
                    change(1, 10),
                    change(1, 11),
                    change(1, 12),
                    change(2, 5),
                    Mutation::PutBackup {
                        arn: "b1".into(),
                        meta: b"one".to_vec(),
                    },
                    Mutation::PutBackup {
                        arn: "b2".into(),
                        meta: b"two".to_vec(),
                    },
                ])
                .wait()
                .await
                .unwrap();
            store
                .submit(vec![
                    Mutation::TrimChanges {
                        table_id: 1,
                        through_seq: 11,
                    },
                    Mutation::DeleteBackup { arn: "b1".into() },
                ])
                .wait()
                .await
                .unwrap();
        }
        let (store, loaded) = Store::open(dir.path()).unwrap();
        assert_eq!(loaded.changes[&1], vec![(12, vec![12])]);
        assert_eq!(loaded.changes[&2], vec![(5, vec![5])]);
        assert_eq!(loaded.backups, vec![("b2".to_string(), b"two".to_vec())]);
        // Deleting a table's items deletes its change log too.
        store
            .submit(vec![Mutation::DeleteAllItems { table_id: 2 }])
            .wait()
            .await
            .unwrap();
        drop(store);
        let (_, loaded) = Store::open(dir.path()).unwrap();
        assert!(!loaded.changes.contains_key(&2));
        assert_eq!(loaded.changes[&1].len(), 1);
    }

    #[tokio::test]
    async fn mutations_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (store, loaded) = Store::open(dir.path()).unwrap();
            assert!(loaded.tables.is_empty());
            store
                .submit(vec![
                    Mutation::PutMeta {
                        name: "t".into(),
                        meta: b"meta".to_vec(),
                    },
                    Mutation::PutItem {
                        table_id: 1,
                        key: b"k1".to_vec(),
                        item: codec::encode_item(&item("a")),
                    },
                    Mutation::PutItem {
                        table_id: 1,
                        key: b"k2".to_vec(),
                        item: codec::encode_item(&item("b")),
                    },
                    Mutation::PutItem {
                        table_id: 2,
                        key: b"k1".to_vec(),
                        item: codec::encode_item(&item("c")),
                    },
                ])
                .wait()
                .await
                .unwrap();
            store
                .submit(vec![Mutation::DeleteItem {
                    table_id: 1,
                    key: b"k2".to_vec(),
                }])
                .wait()
                .await
                .unwrap();
        }
        let (store, loaded) = Store::open(dir.path()).unwrap();
        assert_eq!(loaded.tables, vec![("t".to_string(), b"meta".to_vec())]);
        let one: Vec<_> = loaded.items[&1]
            .iter()
            .map(|(k, i)| (k.to_vec(), i))
            .collect();
        assert_eq!(one, vec![(b"k1".to_vec(), item("a"))]);
        assert_eq!(loaded.items[&2].len(), 1);
        store
            .submit(vec![
                Mutation::DeleteAllItems { table_id: 2 },
                Mutation::DeleteMeta { name: "t".into() },
            ])
            .wait()
            .await
            .unwrap();
        drop(store);
        let (_, loaded) = Store::open(dir.path()).unwrap();
        assert!(loaded.tables.is_empty());
        assert!(!loaded.items.contains_key(&2));
        assert_eq!(loaded.items[&1].len(), 1);
    }
}
