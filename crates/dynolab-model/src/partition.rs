//! The partition hash of a partition-key value, shared by storage (it orders entries by it)
//! and the capacity model and simulator (they place keys on partitions with it).
//!
//! The hash is the first 8 bytes of MD5 over the key's type tag and bytes. It spreads
//! partition keys the way DynamoDB's internal hash does, gives Scan its hash order, and lets a
//! parallel Scan segment be a contiguous hash range.

use md5::{Digest, Md5};

use crate::AttributeValue;

/// The type tag of a key attribute: `S`, `N` or `B`.
pub fn key_tag(value: &AttributeValue) -> u8 {
    match value {
        AttributeValue::S(_) => b'S',
        AttributeValue::N(_) => b'N',
        _ => b'B',
    }
}

/// The bytes of a key attribute (S, N or B; numbers in their order-preserving form); other
/// types never reach key encoding.
pub fn key_bytes(value: &AttributeValue) -> Vec<u8> {
    match value {
        AttributeValue::S(s) => s.as_bytes().to_vec(),
        AttributeValue::N(n) => n.sortable_bytes().to_vec(),
        AttributeValue::B(b) => b.clone(),
        _ => Vec::new(),
    }
}

/// The 64-bit partition hash of a partition-key value.
pub fn partition_hash(pk: &AttributeValue) -> u64 {
    let mut hasher = Md5::new();
    hasher.update([key_tag(pk)]);
    hasher.update(key_bytes(pk));
    let digest = hasher.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}
