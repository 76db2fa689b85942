//! Applying a projection (ProjectionExpression, AttributesToGet, UPDATED_OLD/NEW) to an item,
//! keeping the nested structure of the selected paths. Selected list elements come back as a
//! list compacted in original index order (`l[2], l[0]` gives `[l0, l2]`), as DynamoDB does.

use std::collections::BTreeMap;

use dynolab_model::{AttributeValue, Item};

use crate::ast::{Path, PathElem};
use crate::eval::lookup;

/// The partial result tree while merging paths.
enum Node {
    Leaf(AttributeValue),
    Map(BTreeMap<String, Node>),
    List(BTreeMap<usize, Node>),
}

impl Node {
    fn into_value(self) -> AttributeValue {
        match self {
            Node::Leaf(v) => v,
            Node::Map(m) => {
                AttributeValue::M(m.into_iter().map(|(k, n)| (k, n.into_value())).collect())
            }
            Node::List(l) => AttributeValue::L(l.into_values().map(Node::into_value).collect()),
        }
    }

    /// Inserts `value` at `rest` below this node. An existing leaf (a whole value already
    /// selected) wins.
    fn insert(&mut self, rest: &[PathElem], value: AttributeValue) {
        let Some((first, tail)) = rest.split_first() else {
            return;
        };
        match (first, self) {
            (PathElem::Attr(a), Node::Map(m)) => insert_child(m.entry(a.clone()), tail, value),
            (PathElem::Index(i), Node::List(l)) => insert_child(l.entry(*i), tail, value),
            _ => {}
        }
    }
}

fn insert_child<K: Ord>(
    entry: std::collections::btree_map::Entry<'_, K, Node>,
    tail: &[PathElem],
    value: AttributeValue,
) {
    if tail.is_empty() {
        entry.or_insert(Node::Leaf(value));
        return;
    }
    let fresh = match tail[0] {
        PathElem::Attr(_) => Node::Map(BTreeMap::new()),
        PathElem::Index(_) => Node::List(BTreeMap::new()),
    };
    entry.or_insert(fresh).insert(tail, value);
}

/// Projects `item` onto `paths`.
pub(crate) fn project(paths: &[Path], item: &Item) -> Item {
    let mut root = Node::Map(BTreeMap::new());
    for p in paths {
        if let Some(v) = lookup(item, p) {
            root.insert(&p.0, v.clone());
        }
    }
    match root.into_value() {
        AttributeValue::M(m) => m,
        _ => Item::new(),
    }
}
