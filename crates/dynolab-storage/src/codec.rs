//! The binary form of an item on disk (see docs/design/storage-format.md).
//!
//! ```text
//! item  = varint(n_attributes) { varint(len) name-bytes value }
//! value = tag payload
//!   0 S    varint(len) utf8        1 N  varint(len) canonical-text   2 B  varint(len) bytes
//!   3 false  4 true  5 NULL
//!   6 L    varint(n) value*        7 M  varint(n) { varint(len) name value }
//!   8 SS   varint(n) {varint(len) utf8}   9 NS {varint(len) text}   10 BS {varint(len) bytes}
//! ```

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use dynolab_model::{AttributeValue, Item, Number};
use serde_json::{Map, Value};

pub fn encode_item(item: &Item) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    put_varint(&mut out, item.len() as u64);
    for (name, value) in item {
        put_bytes(&mut out, name.as_bytes());
        encode_value(&mut out, value);
    }
    out
}

pub fn decode_item(bytes: &[u8]) -> Option<Item> {
    let mut cur = Cursor { bytes, pos: 0 };
    let item = cur.map()?;
    (cur.pos == bytes.len()).then_some(item)
}

/// The DynamoDB size (`dynolab_model::size::item_size_bytes`) of an encoded item, computed
/// without building it; `None` when the bytes are not a whole item. Checks what
/// [`decode_item`] checks (UTF-8 strings, canonical numbers), so a restart that only sizes the
/// items it loads still refuses a corrupt one.
pub fn item_size(bytes: &[u8]) -> Option<u64> {
    let mut cur = Cursor { bytes, pos: 0 };
    let size = cur.size_map(0)?;
    (cur.pos == bytes.len()).then_some(size)
}

/// The top-level attributes of an encoded item that `keep` selects, decoded; the others are
/// skipped without being built. `None` when the bytes are not a whole item.
pub fn decode_attributes(bytes: &[u8], keep: &dyn Fn(&str) -> bool) -> Option<Item> {
    let mut cur = Cursor { bytes, pos: 0 };
    let n = cur.varint()?;
    let mut out = Item::new();
    for _ in 0..n {
        let name = std::str::from_utf8(cur.bytes()?).ok()?;
        if keep(name) {
            let name = name.to_string();
            out.insert(name, cur.value()?);
        } else {
            cur.skip_value()?;
        }
    }
    (cur.pos == bytes.len()).then_some(out)
}

/// An encoded item straight in DynamoDB's JSON form (`{"name": {"S": "..."}, ...}`), as
/// `dynolab_model::item_to_json(&decode_item(bytes)?)` would give it, without building the item
/// first: strings and the stored canonical text of numbers are copied, not parsed. A read that
/// answers with whole items (GetItem, Query and Scan with no projection) takes this path.
/// `None` when the bytes are not a whole item.
pub fn decode_json(bytes: &[u8]) -> Option<Map<String, Value>> {
    let mut cur = Cursor { bytes, pos: 0 };
    let item = cur.json_map()?;
    (cur.pos == bytes.len()).then_some(item)
}

/// An unsigned LEB128 varint (also the length prefixes of `items`' entries).
pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

fn encode_value(out: &mut Vec<u8>, value: &AttributeValue) {
    match value {
        AttributeValue::S(s) => {
            out.push(0);
            put_bytes(out, s.as_bytes());
        }
        AttributeValue::N(n) => {
            out.push(1);
            put_bytes(out, n.to_string().as_bytes());
        }
        AttributeValue::B(b) => {
            out.push(2);
            put_bytes(out, b);
        }
        AttributeValue::Bool(b) => out.push(if *b { 4 } else { 3 }),
        AttributeValue::Null => out.push(5),
        AttributeValue::L(list) => {
            out.push(6);
            put_varint(out, list.len() as u64);
            for v in list {
                encode_value(out, v);
            }
        }
        AttributeValue::M(map) => {
            out.push(7);
            put_varint(out, map.len() as u64);
            for (k, v) in map {
                put_bytes(out, k.as_bytes());
                encode_value(out, v);
            }
        }
        AttributeValue::Ss(set) => {
            out.push(8);
            put_varint(out, set.len() as u64);
            for s in set {
                put_bytes(out, s.as_bytes());
            }
        }
        AttributeValue::Ns(set) => {
            out.push(9);
            put_varint(out, set.len() as u64);
            for n in set {
                put_bytes(out, n.to_string().as_bytes());
            }
        }
        AttributeValue::Bs(set) => {
            out.push(10);
            put_varint(out, set.len() as u64);
            for b in set {
                put_bytes(out, b);
            }
        }
    }
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }

    fn varint(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn bytes(&mut self) -> Option<&[u8]> {
        let len = usize::try_from(self.varint()?).ok()?;
        let end = self.pos.checked_add(len)?;
        let out = self.bytes.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }

    fn number(&mut self) -> Option<Number> {
        Number::parse(std::str::from_utf8(self.bytes()?).ok()?).ok()
    }

    fn map(&mut self) -> Option<BTreeMap<String, AttributeValue>> {
        let n = self.varint()?;
        let mut out = BTreeMap::new();
        for _ in 0..n {
            let k = self.string()?;
            let v = self.value()?;
            out.insert(k, v);
        }
        Some(out)
    }

    fn list<T>(&mut self, mut f: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let n = self.varint()?;
        let mut out = Vec::with_capacity(n.min(1024) as usize);
        for _ in 0..n {
            out.push(f(self)?);
        }
        Some(out)
    }

    /// Moves past one value without building or checking it.
    fn skip_value(&mut self) -> Option<()> {
        match self.byte()? {
            0..=2 => {
                self.bytes()?;
            }
            3..=5 => {}
            6 => {
                for _ in 0..self.varint()? {
                    self.skip_value()?;
                }
            }
            7 => {
                for _ in 0..self.varint()? {
                    self.bytes()?;
                    self.skip_value()?;
                }
            }
            8..=10 => {
                for _ in 0..self.varint()? {
                    self.bytes()?;
                }
            }
            _ => return None,
        }
        Some(())
    }

    fn str_len(&mut self) -> Option<u64> {
        let b = self.bytes()?;
        std::str::from_utf8(b).ok()?;
        Some(b.len() as u64)
    }

    fn number_size(&mut self) -> Option<u64> {
        Some(self.number()?.size_bytes() as u64)
    }

    /// The size of a map's entries; `overhead` per entry (1 inside a document, 0 for an item).
    fn size_map(&mut self, overhead: u64) -> Option<u64> {
        let n = self.varint()?;
        let mut total = 0u64;
        for _ in 0..n {
            total += self.str_len()? + self.size_value()? + overhead;
        }
        Some(total)
    }

    fn size_list(&mut self, mut f: impl FnMut(&mut Self) -> Option<u64>) -> Option<u64> {
        let n = self.varint()?;
        let mut total = 0u64;
        for _ in 0..n {
            total += f(self)?;
        }
        Some(total)
    }

    fn size_value(&mut self) -> Option<u64> {
        Some(match self.byte()? {
            0 => self.str_len()?,
            1 => self.number_size()?,
            2 => self.bytes()?.len() as u64,
            3..=5 => 1,
            6 => 3 + self.size_list(|c| Some(c.size_value()? + 1))?,
            7 => 3 + self.size_map(1)?,
            8 => self.size_list(Self::str_len)?,
            9 => self.size_list(Self::number_size)?,
            10 => self.size_list(|c| Some(c.bytes()?.len() as u64))?,
            _ => return None,
        })
    }

    fn str(&mut self) -> Option<&str> {
        std::str::from_utf8(self.bytes()?).ok()
    }

    fn json_map(&mut self) -> Option<Map<String, Value>> {
        let n = self.varint()?;
        let mut out = Map::new();
        for _ in 0..n {
            let k = self.str()?.to_string();
            let v = self.json_value()?;
            out.insert(k, v);
        }
        Some(out)
    }

    fn json_list(&mut self, mut f: impl FnMut(&mut Self) -> Option<Value>) -> Option<Value> {
        let n = self.varint()?;
        let mut out = Vec::with_capacity(n.min(1024) as usize);
        for _ in 0..n {
            out.push(f(self)?);
        }
        Some(Value::Array(out))
    }

    fn json_string(&mut self) -> Option<Value> {
        Some(Value::String(self.str()?.to_string()))
    }

    fn json_binary(&mut self) -> Option<Value> {
        Some(Value::String(BASE64.encode(self.bytes()?)))
    }

    /// One value as DynamoDB's JSON (`{"S": "..."}`). Numbers are stored in their canonical
    /// text (the text `Number`'s `Display` gives), so they are copied as they are.
    fn json_value(&mut self) -> Option<Value> {
        let (tag, inner) = match self.byte()? {
            0 => ("S", self.json_string()?),
            1 => ("N", self.json_string()?),
            2 => ("B", self.json_binary()?),
            3 => ("BOOL", Value::Bool(false)),
            4 => ("BOOL", Value::Bool(true)),
            5 => ("NULL", Value::Bool(true)),
            6 => ("L", self.json_list(Self::json_value)?),
            7 => ("M", Value::Object(self.json_map()?)),
            8 => ("SS", self.json_list(Self::json_string)?),
            9 => ("NS", self.json_list(Self::json_string)?),
            10 => ("BS", self.json_list(Self::json_binary)?),
            _ => return None,
        };
        let mut map = Map::with_capacity(1);
        map.insert(tag.to_string(), inner);
        Some(Value::Object(map))
    }

    fn value(&mut self) -> Option<AttributeValue> {
        Some(match self.byte()? {
            0 => AttributeValue::S(self.string()?),
            1 => AttributeValue::N(self.number()?),
            2 => AttributeValue::B(self.bytes()?.to_vec()),
            3 => AttributeValue::Bool(false),
            4 => AttributeValue::Bool(true),
            5 => AttributeValue::Null,
            6 => AttributeValue::L(self.list(Self::value)?),
            7 => AttributeValue::M(self.map()?),
            8 => AttributeValue::Ss(self.list(Self::string)?),
            9 => AttributeValue::Ns(self.list(Self::number)?),
            10 => AttributeValue::Bs(self.list(|c| c.bytes().map(<[u8]>::to_vec))?),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let mut item = Item::new();
        item.insert("s".into(), AttributeValue::S("héllo".into()));
        item.insert(
            "n".into(),
            AttributeValue::N(Number::parse("-1.25e-3").unwrap()),
        );
        item.insert("b".into(), AttributeValue::B(vec![0, 1, 255]));
        item.insert("t".into(), AttributeValue::Bool(true));
        item.insert("z".into(), AttributeValue::Null);
        let mut m = BTreeMap::new();
        m.insert(
            "k".to_string(),
            AttributeValue::Ss(vec!["a".into(), "b".into()]),
        );
        item.insert(
            "l".into(),
            AttributeValue::L(vec![
                AttributeValue::M(m),
                AttributeValue::Ns(vec![Number::from_i64(7)]),
            ]),
        );
        item.insert("bs".into(), AttributeValue::Bs(vec![vec![1], vec![2, 3]]));
        let bytes = encode_item(&item);
        assert_eq!(
            item_size(&bytes),
            Some(dynolab_model::size::item_size_bytes(&item) as u64)
        );
        assert_eq!(item_size(&bytes[..bytes.len() - 1]), None);
        let some = decode_attributes(&bytes, &|name| name == "n" || name == "z");
        let mut want = Item::new();
        want.insert("n".into(), item["n"].clone());
        want.insert("z".into(), item["z"].clone());
        assert_eq!(some, Some(want));
        assert_eq!(decode_attributes(&bytes, &|_| true).as_ref(), Some(&item));
        assert_eq!(
            decode_attributes(&bytes[..bytes.len() - 1], &|_| false),
            None
        );
        assert_eq!(
            decode_json(&bytes).map(Value::Object),
            Some(dynolab_model::value::item_to_json(&item))
        );
        assert_eq!(decode_json(&bytes[..bytes.len() - 1]), None);
        assert_eq!(decode_item(&bytes), Some(item));
        assert_eq!(decode_item(&bytes[..bytes.len() - 1]), None);
    }

    fn value_strategy() -> impl proptest::strategy::Strategy<Value = AttributeValue> {
        use proptest::prelude::*;
        let number = (any::<i32>(), -130i32..125)
            .prop_filter_map("in range", |(m, e)| Number::parse(&format!("{m}e{e}")).ok());
        let leaf = prop_oneof![
            ".{0,12}".prop_map(AttributeValue::S),
            number.clone().prop_map(AttributeValue::N),
            proptest::collection::vec(any::<u8>(), 0..12).prop_map(AttributeValue::B),
            any::<bool>().prop_map(AttributeValue::Bool),
            Just(AttributeValue::Null),
            proptest::collection::btree_set(".{0,6}", 1..4)
                .prop_map(|s| AttributeValue::Ss(s.into_iter().collect())),
            proptest::collection::vec(number, 1..4).prop_map(AttributeValue::Ns),
            proptest::collection::btree_set(proptest::collection::vec(any::<u8>(), 0..5), 1..4)
                .prop_map(|s| AttributeValue::Bs(s.into_iter().collect())),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(AttributeValue::L),
                proptest::collection::btree_map(".{0,6}", inner, 0..4).prop_map(AttributeValue::M),
            ]
        })
    }

    proptest::proptest! {
        /// The JSON a read writes straight from the stored bytes is the JSON of the decoded item.
        #[test]
        fn decode_json_is_the_decoded_items_json(
            item in proptest::collection::btree_map(".{1,8}", value_strategy(), 0..6)
        ) {
            let bytes = encode_item(&item);
            proptest::prop_assert_eq!(
                decode_json(&bytes).map(Value::Object),
                Some(dynolab_model::value::item_to_json(&item))
            );
        }
    }
}
