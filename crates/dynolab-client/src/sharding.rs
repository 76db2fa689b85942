//! Write sharding: a hot partition key `K` becomes `K#0` … `K#{N-1}`, so its writes spread over
//! up to N partitions.
//!
//! - [`ShardSuffix::Random`] spreads writes evenly; reading needs every shard
//!   (scatter-gather, [`crate::ShardedQuery`]).
//! - [`ShardSuffix::Calculated`] derives the shard from an attribute of the item (e.g. the
//!   order id), so an item whose attribute you know can still be read with one GetItem or Query.
//!
//! The calculated shard is FNV-1a (64-bit) of the attribute's value, modulo N: stable across
//! processes, platforms and versions of this crate.

use aws_sdk_dynamodb::types::AttributeValue;

use crate::error::Error;
use crate::item::Item;
use crate::{Client, item::key_fingerprint};

/// How a write picks its shard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShardSuffix {
    Random,
    /// From the value of this attribute of the item.
    Calculated(String),
}

/// A partition-key attribute whose values are sharded N ways.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardedKey {
    /// The key attribute that holds the sharded value (`PK`, `GSI1PK`, ...).
    pub attribute: String,
    pub shards: u32,
    /// Between the base value and the shard number (default `#`).
    pub separator: String,
    pub suffix: ShardSuffix,
}

impl ShardedKey {
    /// Random suffixes over `shards` shards.
    pub fn random(attribute: impl Into<String>, shards: u32) -> Self {
        ShardedKey {
            attribute: attribute.into(),
            shards: shards.max(1),
            separator: "#".to_string(),
            suffix: ShardSuffix::Random,
        }
    }

    /// Suffixes calculated from the item's attribute `from`.
    pub fn calculated(attribute: impl Into<String>, shards: u32, from: impl Into<String>) -> Self {
        ShardedKey {
            suffix: ShardSuffix::Calculated(from.into()),
            ..ShardedKey::random(attribute, shards)
        }
    }

    pub fn with_separator(mut self, separator: impl Into<String>) -> Self {
        self.separator = separator.into();
        self
    }

    /// The key value of one shard: `{base}{separator}{shard}`.
    pub fn shard_value(&self, base: &str, shard: u32) -> String {
        format!("{base}{}{shard}", self.separator)
    }

    /// Every shard's key value, in shard order: what a scatter-gather reads.
    pub fn all_values(&self, base: &str) -> Vec<String> {
        (0..self.shards)
            .map(|s| self.shard_value(base, s))
            .collect()
    }

    /// The shard an item with `value` in the calculated attribute lives in.
    pub fn shard_of(&self, value: &AttributeValue) -> u32 {
        let name = "v".to_string();
        let item = Item::from([(name.clone(), value.clone())]);
        let text = key_fingerprint(&item, &[name]);
        (fnv1a(text.as_bytes()) % u64::from(self.shards)) as u32
    }

    /// The key value to read an item directly, given the value of its calculated attribute.
    /// Only for [`ShardSuffix::Calculated`]; a random suffix cannot be recomputed.
    pub fn read_value(&self, base: &str, value: &AttributeValue) -> Result<String, Error> {
        match &self.suffix {
            ShardSuffix::Calculated(_) => Ok(self.shard_value(base, self.shard_of(value))),
            ShardSuffix::Random => Err(Error::Key(format!(
                "{} is sharded with random suffixes: read every shard (scatter-gather)",
                self.attribute
            ))),
        }
    }

    /// Sets the sharded attribute of `item` to `base` plus the shard's suffix, with `pick(n)`
    /// drawing a random shard in `0..n` when the suffix is random. Returns the shard.
    pub fn apply_with(
        &self,
        base: &str,
        item: &mut Item,
        pick: impl FnOnce(u32) -> u32,
    ) -> Result<u32, Error> {
        let shard = match &self.suffix {
            ShardSuffix::Random => pick(self.shards) % self.shards,
            ShardSuffix::Calculated(from) => {
                let value = item.get(from).ok_or_else(|| {
                    Error::Key(format!(
                        "the shard of {} is calculated from {from}, which the item lacks",
                        self.attribute
                    ))
                })?;
                self.shard_of(value)
            }
        };
        item.insert(
            self.attribute.clone(),
            AttributeValue::S(self.shard_value(base, shard)),
        );
        Ok(shard)
    }
}

impl Client {
    /// Sets `key`'s attribute on `item` to `base` plus a shard suffix (random suffixes come from
    /// the client's seeded RNG). Returns the shard.
    pub fn shard(&self, key: &ShardedKey, base: &str, item: &mut Item) -> Result<u32, Error> {
        key.apply_with(base, item, |n| self.backoff().pick(n))
    }
}

/// FNV-1a, 64-bit.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calculated_shards_are_stable_and_readable() {
        let key = ShardedKey::calculated("GSI1PK", 8, "order_id");
        let mut item = Item::from([("order_id".into(), AttributeValue::S("o-42".into()))]);
        let shard = key.apply_with("STATUS#PENDING", &mut item, |_| 0).unwrap();
        // Pinned: the hash must never change, or items written earlier become unreadable.
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(
            item["GSI1PK"],
            AttributeValue::S(format!("STATUS#PENDING#{shard}"))
        );
        let read = key
            .read_value("STATUS#PENDING", &AttributeValue::S("o-42".into()))
            .unwrap();
        assert_eq!(AttributeValue::S(read), item["GSI1PK"]);
        // Equal numbers land in the same shard.
        assert_eq!(
            key.shard_of(&AttributeValue::N("7".into())),
            key.shard_of(&AttributeValue::N("7.0".into()))
        );
    }

    #[test]
    fn calculated_shards_spread_values() {
        let key = ShardedKey::calculated("PK", 4, "id");
        let mut counts = [0; 4];
        for i in 0..4_000 {
            counts[key.shard_of(&AttributeValue::S(format!("id-{i}"))) as usize] += 1;
        }
        for c in counts {
            assert!((800..1_200).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn random_suffix_cannot_be_read_directly_and_missing_attribute_is_an_error() {
        let key = ShardedKey::random("PK", 4);
        assert!(matches!(
            key.read_value("X", &AttributeValue::S("a".into())),
            Err(Error::Key(_))
        ));
        let mut item = Item::new();
        assert_eq!(key.apply_with("X", &mut item, |_| 3).unwrap(), 3);
        assert_eq!(item["PK"], AttributeValue::S("X#3".into()));
        let key = ShardedKey::calculated("PK", 4, "id");
        assert!(matches!(
            key.apply_with("X", &mut Item::new(), |_| 0),
            Err(Error::Key(_))
        ));
        assert_eq!(key.all_values("X"), ["X#0", "X#1", "X#2", "X#3"]);
    }
}
