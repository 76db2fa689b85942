//! A table's items in memory, each one allocation close to its size (issue 15).
//!
//! An item is kept as one boxed byte string:
//!
//! ```text
//! entry = varint(key_len) key varint(dynamodb_size) item
//! ```
//!
//! where `key` is the order-preserving item key ([`crate::keys`]) and `item` is the on-disk
//! item encoding ([`crate::codec`]): the attribute names and values, a tag and a length each.
//! The entries live in a `BTreeSet` ordered by key alone, so a slot is one fat pointer (16
//! bytes). An item is decoded only when a request reads it ([`Items::get`], the iterators);
//! its DynamoDB size is stored so that sizes and totals never need a decode.
//!
//! Every `Items` counts the heap it holds (an estimate per entry, [`entry_cost`]) in its own
//! total and in a shared [`Meter`], which the engine compares with `serve --max-memory`.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use dynolab_model::Item;
use dynolab_model::size::item_size_bytes;

use crate::codec;

/// A running total of the bytes held in memory, shared by every table of an engine.
#[derive(Clone, Default, Debug)]
pub struct Meter(Arc<AtomicU64>);

impl Meter {
    pub fn new() -> Meter {
        Meter::default()
    }

    /// The bytes counted now.
    pub fn bytes(&self) -> u64 {
        self.0.load(AtomicOrdering::Relaxed)
    }

    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, AtomicOrdering::Relaxed);
    }

    pub fn sub(&self, n: u64) {
        // Never below zero, even if a caller's estimates disagree.
        let _ = self
            .0
            .fetch_update(AtomicOrdering::Relaxed, AtomicOrdering::Relaxed, |v| {
                Some(v.saturating_sub(n))
            });
    }
}

/// The estimated heap cost of one entry of `len` bytes: a malloc chunk as glibc's would make it
/// (the length plus an 8-byte header, rounded up to 16, at least 32; `dynolab` itself runs on
/// mimalloc, whose size classes for these lengths are no larger) plus its share of the B-tree
/// (a 16-byte slot in nodes about two-thirds full, and the node headers): 24 bytes.
pub fn entry_cost(len: usize) -> u64 {
    ((len + 8).next_multiple_of(16).max(32) + 24) as u64
}

/// Reads a varint at the start of `bytes`: (value, bytes used).
fn read_varint(bytes: &[u8]) -> (u64, usize) {
    let mut v = 0u64;
    for (i, b) in bytes.iter().take(10).enumerate() {
        v |= u64::from(b & 0x7F) << (7 * i);
        if b & 0x80 == 0 {
            return (v, i + 1);
        }
    }
    (v, bytes.len().min(10))
}

/// One entry as [`Items`] holds it (`varint(key_len) key varint(size) item`), for
/// [`Items::from_entries`].
pub fn encode_entry(key: &[u8], size: u64, item: &[u8]) -> Box<[u8]> {
    Entry::new(key, size, item).0
}

/// One item: `varint(key_len) key varint(size) item`. Ordered by its key alone.
#[derive(Clone, Debug)]
struct Entry(Box<[u8]>);

impl Entry {
    fn new(key: &[u8], size: u64, item: &[u8]) -> Entry {
        let mut out = Vec::with_capacity(key.len() + item.len() + 8);
        codec::put_varint(&mut out, key.len() as u64);
        out.extend_from_slice(key);
        codec::put_varint(&mut out, size);
        out.extend_from_slice(item);
        Entry(out.into_boxed_slice())
    }

    fn key(&self) -> &[u8] {
        let (len, used) = read_varint(&self.0);
        let end = used.saturating_add(len as usize).min(self.0.len());
        self.0.get(used..end).unwrap_or_default()
    }

    fn stored(&self) -> StoredItem<'_> {
        let (len, used) = read_varint(&self.0);
        let key_end = used.saturating_add(len as usize).min(self.0.len());
        let key = self.0.get(used..key_end).unwrap_or_default();
        let rest = self.0.get(key_end..).unwrap_or_default();
        let (size, used) = read_varint(rest);
        StoredItem {
            key,
            size,
            bytes: rest.get(used..).unwrap_or_default(),
        }
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Entry) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Entry) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Entry) -> Ordering {
        self.key().cmp(other.key())
    }
}

/// Consistent with `Ord`: an entry compares as its key.
impl Borrow<[u8]> for Entry {
    fn borrow(&self) -> &[u8] {
        self.key()
    }
}

/// An item as it is held: its key, DynamoDB size and encoded bytes.
#[derive(Clone, Copy, Debug)]
pub struct StoredItem<'a> {
    pub key: &'a [u8],
    /// The item's size as DynamoDB counts it (`dynolab_model::size::item_size_bytes`).
    pub size: u64,
    /// The item in the [`codec`] encoding.
    pub bytes: &'a [u8],
}

impl StoredItem<'_> {
    /// The item, decoded. `None` only for bytes that were never written by [`codec`].
    pub fn decode(&self) -> Option<Item> {
        codec::decode_item(self.bytes)
    }

    /// Only the top-level attributes `keep` selects, decoded (the others are skipped).
    pub fn decode_attributes(&self, keep: &dyn Fn(&str) -> bool) -> Option<Item> {
        codec::decode_attributes(self.bytes, keep)
    }
}

/// A table's items, ordered by key. See the module documentation.
#[derive(Default, Debug)]
pub struct Items {
    set: BTreeSet<Entry>,
    /// Sum of the items' DynamoDB sizes (DescribeTable's TableSizeBytes).
    size_bytes: u64,
    /// Estimated heap held by the entries.
    heap_bytes: u64,
    meter: Meter,
}

impl Clone for Items {
    /// A copy counts in the same meter.
    fn clone(&self) -> Items {
        self.meter.add(self.heap_bytes);
        Items {
            set: self.set.clone(),
            size_bytes: self.size_bytes,
            heap_bytes: self.heap_bytes,
            meter: self.meter.clone(),
        }
    }
}

impl Drop for Items {
    fn drop(&mut self) {
        self.meter.sub(self.heap_bytes);
    }
}

/// The range of keys a `(lower, upper)` pair covers, or `None` when it holds no key in a way
/// `BTreeSet::range` refuses (a start above the end, equal excluded ends).
fn checked_range<'a>(
    lower: Bound<&'a [u8]>,
    upper: Bound<&'a [u8]>,
) -> (Bound<&'a [u8]>, Bound<&'a [u8]>) {
    let inverted = match (lower, upper) {
        (Bound::Included(l) | Bound::Excluded(l), Bound::Included(u) | Bound::Excluded(u)) => {
            l > u || (l == u && matches!((lower, upper), (Bound::Excluded(_), Bound::Excluded(_))))
        }
        _ => false,
    };
    if inverted {
        // Start == end with one bound included: an empty range `BTreeSet` accepts.
        (Bound::Included(&[][..]), Bound::Excluded(&[][..]))
    } else {
        (lower, upper)
    }
}

impl Items {
    /// An empty set counting in `meter`.
    pub fn with_meter(meter: Meter) -> Items {
        Items {
            set: BTreeSet::new(),
            size_bytes: 0,
            heap_bytes: 0,
            meter,
        }
    }

    /// Builds the set from entries made by [`encode_entry`], sorted by key (as the store reads
    /// them back); of duplicate keys, one is kept.
    pub fn from_entries(entries: Vec<Box<[u8]>>, meter: Meter) -> Items {
        let mut items = Items::with_meter(meter);
        items.set = entries.into_iter().map(Entry).collect();
        for entry in &items.set {
            items.size_bytes += entry.stored().size;
            items.heap_bytes += entry_cost(entry.0.len());
        }
        items.meter.add(items.heap_bytes);
        items
    }

    /// The meter this set counts in.
    pub fn meter(&self) -> &Meter {
        &self.meter
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Sum of the items' DynamoDB sizes.
    pub fn size_bytes(&self) -> u64 {
        self.size_bytes
    }

    /// Estimated heap held by the items (see [`entry_cost`]).
    pub fn heap_bytes(&self) -> u64 {
        self.heap_bytes
    }

    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.set.contains(key)
    }

    /// The item at `key`, decoded.
    pub fn get(&self, key: &[u8]) -> Option<Item> {
        self.get_stored(key)?.decode()
    }

    /// The item at `key` as it is held, without decoding it.
    pub fn get_stored(&self, key: &[u8]) -> Option<StoredItem<'_>> {
        self.set.get(key).map(Entry::stored)
    }

    /// Stores `item` at `key`, replacing what was there; returns its encoding (the bytes the
    /// durable store writes).
    pub fn insert(&mut self, key: &[u8], item: &Item) -> Vec<u8> {
        let encoded = codec::encode_item(item);
        self.insert_encoded(key, item_size_bytes(item) as u64, &encoded);
        encoded
    }

    /// Stores an item already encoded, with its DynamoDB size.
    pub fn insert_encoded(&mut self, key: &[u8], size: u64, encoded: &[u8]) {
        self.remove(key);
        let entry = Entry::new(key, size, encoded);
        let cost = entry_cost(entry.0.len());
        self.size_bytes += size;
        self.heap_bytes += cost;
        self.meter.add(cost);
        self.set.insert(entry);
    }

    /// Removes the item at `key`; whether there was one.
    pub fn remove(&mut self, key: &[u8]) -> bool {
        match self.set.take(key) {
            Some(entry) => {
                let cost = entry_cost(entry.0.len());
                self.size_bytes = self.size_bytes.saturating_sub(entry.stored().size);
                self.heap_bytes = self.heap_bytes.saturating_sub(cost);
                self.meter.sub(cost);
                true
            }
            None => false,
        }
    }

    /// Every item in key order, as held.
    pub fn iter_stored(&self) -> impl DoubleEndedIterator<Item = StoredItem<'_>> + '_ {
        self.set.iter().map(Entry::stored)
    }

    /// Every item in key order, decoded one at a time.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&[u8], Item)> + '_ {
        self.iter_stored()
            .filter_map(|s| Some((s.key, s.decode()?)))
    }

    /// The items with keys in `(lower, upper)`, as held. An inverted range is empty.
    pub fn range_stored<'a>(
        &'a self,
        lower: Bound<&'a [u8]>,
        upper: Bound<&'a [u8]>,
    ) -> impl DoubleEndedIterator<Item = StoredItem<'a>> + 'a {
        self.set
            .range::<[u8], _>(checked_range(lower, upper))
            .map(Entry::stored)
    }

    /// The items with keys in `(lower, upper)`, decoded one at a time.
    pub fn range<'a>(
        &'a self,
        lower: Bound<&'a [u8]>,
        upper: Bound<&'a [u8]>,
    ) -> impl DoubleEndedIterator<Item = (&'a [u8], Item)> + 'a {
        self.range_stored(lower, upper)
            .filter_map(|s| Some((s.key, s.decode()?)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dynolab_model::AttributeValue;

    fn item(v: &str) -> Item {
        let mut i = Item::new();
        i.insert("v".into(), AttributeValue::S(v.into()));
        i
    }

    #[test]
    fn stores_replaces_removes_and_counts() {
        let meter = Meter::new();
        let mut items = Items::with_meter(meter.clone());
        items.insert(b"b", &item("two"));
        items.insert(b"a", &item("one"));
        items.insert(b"c", &item("three"));
        assert_eq!(items.len(), 3);
        assert_eq!(items.get(b"a"), Some(item("one")));
        assert_eq!(items.get(b"z"), None);
        assert_eq!(items.size_bytes(), 4 + 4 + 6);
        assert_eq!(meter.bytes(), items.heap_bytes());
        assert!(meter.bytes() > 0);
        items.insert(b"a", &item("uno!"));
        assert_eq!(items.len(), 3);
        assert_eq!(items.size_bytes(), 5 + 4 + 6);
        assert_eq!(items.get_stored(b"a").map(|s| s.size), Some(5));
        let keys: Vec<_> = items.iter().map(|(k, _)| k.to_vec()).collect();
        assert_eq!(keys, vec![b"a".to_vec(), b"b".to_vec(), b"c".to_vec()]);
        let back: Vec<_> = items
            .range(Bound::Excluded(&b"a"[..]), Bound::Unbounded)
            .rev()
            .map(|(_, i)| i)
            .collect();
        assert_eq!(back, vec![item("three"), item("two")]);
        // An inverted range is empty, not a panic.
        assert_eq!(
            items
                .range(Bound::Included(&b"c"[..]), Bound::Excluded(&b"a"[..]))
                .count(),
            0
        );
        assert_eq!(
            items
                .range(Bound::Excluded(&b"b"[..]), Bound::Excluded(&b"b"[..]))
                .count(),
            0
        );
        let copy = items.clone();
        assert_eq!(meter.bytes(), 2 * items.heap_bytes());
        drop(copy);
        assert!(items.remove(b"b"));
        assert!(!items.remove(b"b"));
        assert_eq!(items.size_bytes(), 5 + 6);
        assert_eq!(meter.bytes(), items.heap_bytes());
        drop(items);
        assert_eq!(meter.bytes(), 0);
    }

    #[test]
    fn long_keys_and_items_round_trip() {
        let mut items = Items::default();
        let key = vec![7u8; 300];
        let big = item(&"x".repeat(100_000));
        items.insert(&key, &big);
        assert_eq!(items.get(&key), Some(big));
        assert_eq!(items.get_stored(&key).map(|s| s.key.len()), Some(300));
    }

    #[test]
    fn builds_from_sorted_entries() {
        let meter = Meter::new();
        let entries = ["a", "b", "c"]
            .iter()
            .map(|k| encode_entry(k.as_bytes(), 2, &codec::encode_item(&item(k))))
            .collect();
        let items = Items::from_entries(entries, meter.clone());
        assert_eq!(items.len(), 3);
        assert_eq!(items.size_bytes(), 6);
        assert_eq!(items.get(b"b"), Some(item("b")));
        assert_eq!(meter.bytes(), items.heap_bytes());
    }
}
