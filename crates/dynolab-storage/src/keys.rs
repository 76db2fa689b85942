//! Order-preserving key encodings for items and index entries.
//!
//! Every entry of a table or index lives under one byte key:
//!
//! ```text
//! [hash: 8 bytes][partition key: tag, u32 length, bytes][sort key: escaped, terminated]
//! ```
//!
//! The hash is `dynolab_model::partition::partition_hash` (MD5 of the key's tag and bytes): it
//! gives Scan its hash order and makes a parallel Scan segment a contiguous hash range. The sort key is written so that comparing
//! encodings bytewise compares values as DynamoDB does (strings and binaries by unsigned bytes,
//! numbers by value): `0x00` is escaped as `0x00 0xFF` and the key ends with `0x00 0x00`, so a
//! shorter value sorts before its extensions and anything may follow (index entries append the
//! base table's key to stay unique).

pub use dynolab_model::partition::partition_hash;
use dynolab_model::partition::{key_bytes as raw, key_tag as tag};
use dynolab_model::{AttributeValue, Number};

/// The prefix shared by every entry with this partition key.
pub fn partition_prefix(pk: &AttributeValue) -> Vec<u8> {
    let bytes = raw(pk);
    let mut out = Vec::with_capacity(8 + 5 + bytes.len() + 24);
    out.extend_from_slice(&partition_hash(pk).to_be_bytes());
    out.push(tag(pk));
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(&bytes);
    out
}

/// Appends the escaped sort-key bytes without the terminator (the prefix of every value that
/// begins with this one).
pub fn push_sort_prefix(out: &mut Vec<u8>, sk: &AttributeValue) {
    for b in raw(sk) {
        if b == 0 {
            out.extend_from_slice(&[0, 0xFF]);
        } else {
            out.push(b);
        }
    }
}

/// Appends the full, terminated sort-key encoding.
pub fn push_sort_key(out: &mut Vec<u8>, sk: &AttributeValue) {
    push_sort_prefix(out, sk);
    out.extend_from_slice(&[0, 0]);
}

/// The key of an item (or index entry) with this partition and optional sort key.
pub fn entry_key(pk: &AttributeValue, sk: Option<&AttributeValue>) -> Vec<u8> {
    let mut out = partition_prefix(pk);
    if let Some(sk) = sk {
        push_sort_key(&mut out, sk);
    }
    out
}

/// The smallest byte string greater than every string that starts with `prefix`.
pub fn successor(prefix: &[u8]) -> Vec<u8> {
    let mut out = prefix.to_vec();
    while let Some(last) = out.pop() {
        if last != 0xFF {
            out.push(last + 1);
            return out;
        }
    }
    vec![0xFF; prefix.len() + 1]
}

/// The hash stored in the first 8 bytes of an entry key.
pub fn key_hash(key: &[u8]) -> u64 {
    key.get(..8)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_be_bytes)
        .unwrap_or(0)
}

/// Decodes a number written by [`push_sort_key`]; used by tests and diagnostics.
pub fn number_from_sort_bytes(bytes: &[u8]) -> Option<Number> {
    Number::from_sortable_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.into())
    }
    fn n(v: &str) -> AttributeValue {
        AttributeValue::N(Number::parse(v).unwrap())
    }

    #[test]
    fn sort_keys_order_like_dynamodb() {
        let pk = s("p");
        let values = [
            s(""),
            s("a"),
            s("a\0"),
            s("a\0b"),
            s("ab"),
            s("b"),
            s("\u{e9}"),
        ];
        let keys: Vec<_> = values.iter().map(|v| entry_key(&pk, Some(v))).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        let nums = [n("-10"), n("-1.5"), n("0"), n("0.25"), n("3"), n("100")];
        let keys: Vec<_> = nums.iter().map(|v| entry_key(&pk, Some(v))).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
    }

    #[test]
    fn prefixes_and_successors_bound_ranges() {
        let pk = s("p");
        let mut begins = partition_prefix(&pk);
        push_sort_prefix(&mut begins, &s("ab"));
        let upper = successor(&begins);
        for (v, inside) in [
            ("ab", true),
            ("abc", true),
            ("ab\0", true),
            ("aa", false),
            ("ac", false),
            ("a", false),
        ] {
            let k = entry_key(&pk, Some(&s(v)));
            assert_eq!(k >= begins && k < upper, inside, "{v:?}");
        }
        // Every entry of the partition sorts inside [prefix, successor(prefix)).
        let prefix = partition_prefix(&pk);
        let k = entry_key(&pk, Some(&s("\u{ffff}")));
        assert!(k > prefix && k < successor(&prefix));
    }

    #[test]
    fn hash_is_stable() {
        assert_eq!(
            partition_hash(&s("USER#premium")),
            partition_hash(&s("USER#premium"))
        );
        assert_ne!(
            partition_hash(&s("a")),
            partition_hash(&AttributeValue::B(b"a".to_vec()))
        );
    }
}
