//! Item and attribute sizes as DynamoDB counts them (CapacityUnitCalculations.html).
//!
//! Defined once here because the 400 KB item limit (storage) and the 1 KB / 4 KB rounding of
//! capacity units (capacity) must agree byte for byte.

use crate::value::{AttributeValue, Item};

/// The largest item DynamoDB stores, names included: 400 KB.
pub const MAX_ITEM_SIZE_BYTES: usize = 400 * 1024;

pub fn value_size_bytes(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => n.size_bytes(),
        AttributeValue::B(b) => b.len(),
        AttributeValue::Bool(_) | AttributeValue::Null => 1,
        AttributeValue::L(list) => 3 + list.iter().map(|v| value_size_bytes(v) + 1).sum::<usize>(),
        AttributeValue::M(map) => {
            3 + map
                .iter()
                .map(|(k, v)| k.len() + value_size_bytes(v) + 1)
                .sum::<usize>()
        }
        AttributeValue::Ss(set) => set.iter().map(String::len).sum(),
        AttributeValue::Ns(set) => set.iter().map(|n| n.size_bytes()).sum(),
        AttributeValue::Bs(set) => set.iter().map(Vec::len).sum(),
    }
}

/// Size of one attribute: its name plus its value.
pub fn attribute_size_bytes(name: &str, value: &AttributeValue) -> usize {
    name.len() + value_size_bytes(value)
}

pub fn item_size_bytes(item: &Item) -> usize {
    item.iter().map(|(k, v)| attribute_size_bytes(k, v)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_documented_example() {
        // Constraints.html: {"shirt-color":"R","shirt-size":"M"} is 23 bytes.
        let mut item = Item::new();
        item.insert("shirt-color".into(), AttributeValue::S("R".into()));
        item.insert("shirt-size".into(), AttributeValue::S("M".into()));
        assert_eq!(item_size_bytes(&item), 23);
    }

    #[test]
    fn documents_have_overhead() {
        assert_eq!(value_size_bytes(&AttributeValue::L(vec![])), 3);
        assert_eq!(
            value_size_bytes(&AttributeValue::L(vec![AttributeValue::S("ab".into())])),
            6
        );
        let mut m = std::collections::BTreeMap::new();
        m.insert("k".to_string(), AttributeValue::Bool(true));
        assert_eq!(value_size_bytes(&AttributeValue::M(m)), 6);
    }
}
