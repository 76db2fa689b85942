//! Evaluation of conditions against an item, with DynamoDB's rules: a missing attribute or a
//! type mismatch makes a comparison false (never an error), `<>` across types is true, and
//! functions apply only to the types they are defined for.

use std::borrow::Cow;
use std::cmp::Ordering;

use dynolab_model::{AttributeValue, Item, Number, ValueType};

use crate::ast::{CmpOp, Cond, Operand, Path, PathElem};

/// The value at `path` in `item`, if every step exists and has the right container type.
pub fn lookup<'a>(item: &'a Item, path: &Path) -> Option<&'a AttributeValue> {
    let mut elems = path.0.iter();
    let mut cur = match elems.next()? {
        PathElem::Attr(a) => item.get(a)?,
        PathElem::Index(_) => return None,
    };
    for e in elems {
        cur = match (e, cur) {
            (PathElem::Attr(a), AttributeValue::M(m)) => m.get(a)?,
            (PathElem::Index(i), AttributeValue::L(l)) => l.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// `size()`: string and binary length in bytes, element count of sets, lists and maps;
/// `None` for the other types.
pub fn size_of(v: &AttributeValue) -> Option<usize> {
    Some(match v {
        AttributeValue::S(s) => s.len(),
        AttributeValue::B(b) => b.len(),
        AttributeValue::Ss(s) => s.len(),
        AttributeValue::Ns(s) => s.len(),
        AttributeValue::Bs(s) => s.len(),
        AttributeValue::L(l) => l.len(),
        AttributeValue::M(m) => m.len(),
        _ => return None,
    })
}

/// Value equality as DynamoDB defines it: sets compare without regard to order.
pub fn values_equal(a: &AttributeValue, b: &AttributeValue) -> bool {
    fn same_set<T: PartialEq>(x: &[T], y: &[T]) -> bool {
        x.len() == y.len() && x.iter().all(|e| y.contains(e))
    }
    match (a, b) {
        (AttributeValue::Ss(x), AttributeValue::Ss(y)) => same_set(x, y),
        (AttributeValue::Ns(x), AttributeValue::Ns(y)) => same_set(x, y),
        (AttributeValue::Bs(x), AttributeValue::Bs(y)) => same_set(x, y),
        (AttributeValue::L(x), AttributeValue::L(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_equal(p, q))
        }
        (AttributeValue::M(x), AttributeValue::M(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => a == b,
    }
}

/// Orders two values of the same scalar type (S, N, B); `None` otherwise.
fn order(a: &AttributeValue, b: &AttributeValue) -> Option<Ordering> {
    a.compare(b)
}

pub(crate) fn operand_value<'a>(
    item: &'a Item,
    op: &'a Operand,
) -> Option<Cow<'a, AttributeValue>> {
    match op {
        Operand::Path(p) => lookup(item, p).map(Cow::Borrowed),
        Operand::Value(v) => Some(Cow::Borrowed(v)),
        Operand::Size(inner) => {
            let v = operand_value(item, inner)?;
            let n = size_of(&v)?;
            Some(Cow::Owned(AttributeValue::N(Number::from_i64(n as i64))))
        }
    }
}

/// Applies a comparator to two (possibly missing) values.
pub fn compare(op: CmpOp, a: Option<&AttributeValue>, b: Option<&AttributeValue>) -> bool {
    match op {
        CmpOp::Eq => matches!((a, b), (Some(x), Some(y)) if values_equal(x, y)),
        // An absent attribute is "not equal" to anything, even to another absent one
        // (Alternator's test_update_condition_ne_two_unset, verified against DynamoDB).
        CmpOp::Ne => match (a, b) {
            (Some(x), Some(y)) => !values_equal(x, y),
            _ => true,
        },
        _ => {
            let (Some(x), Some(y)) = (a, b) else {
                return false;
            };
            let Some(ord) = order(x, y) else { return false };
            match op {
                CmpOp::Lt => ord == Ordering::Less,
                CmpOp::Le => ord != Ordering::Greater,
                CmpOp::Gt => ord == Ordering::Greater,
                _ => ord != Ordering::Less,
            }
        }
    }
}

/// `begins_with(a, b)`: both strings or both binaries, `a` starting with `b`.
pub fn begins_with(a: &AttributeValue, b: &AttributeValue) -> bool {
    match (a, b) {
        (AttributeValue::S(x), AttributeValue::S(y)) => x.starts_with(y.as_str()),
        (AttributeValue::B(x), AttributeValue::B(y)) => x.starts_with(y),
        _ => false,
    }
}

/// `contains(a, b)`: substring of a string, sub-sequence of a binary, member of a set of
/// `b`'s type, or element of a list.
pub fn contains(a: &AttributeValue, b: &AttributeValue) -> bool {
    match (a, b) {
        (AttributeValue::S(x), AttributeValue::S(y)) => x.contains(y.as_str()),
        (AttributeValue::B(x), AttributeValue::B(y)) => {
            y.is_empty() || x.windows(y.len()).any(|w| w == y.as_slice())
        }
        (AttributeValue::Ss(x), AttributeValue::S(y)) => x.contains(y),
        (AttributeValue::Ns(x), AttributeValue::N(y)) => x.contains(y),
        (AttributeValue::Bs(x), AttributeValue::B(y)) => x.contains(y),
        (AttributeValue::L(x), y) => x.iter().any(|e| values_equal(e, y)),
        _ => false,
    }
}

pub(crate) fn eval(cond: &Cond, item: &Item) -> bool {
    let val = |op| operand_value(item, op);
    match cond {
        Cond::True => true,
        Cond::Or(a, b) => eval(a, item) || eval(b, item),
        Cond::And(a, b) => eval(a, item) && eval(b, item),
        Cond::Not(a) => !eval(a, item),
        Cond::Cmp(op, a, b) => compare(*op, val(a).as_deref(), val(b).as_deref()),
        Cond::Between(x, lo, hi) => {
            let (Some(x), Some(lo), Some(hi)) = (val(x), val(lo), val(hi)) else {
                return false;
            };
            matches!(order(&x, &lo), Some(Ordering::Greater | Ordering::Equal))
                && matches!(order(&x, &hi), Some(Ordering::Less | Ordering::Equal))
        }
        Cond::In(x, list) => {
            let Some(x) = val(x) else { return false };
            list.iter()
                .any(|o| val(o).is_some_and(|v| values_equal(&x, &v)))
        }
        Cond::AttributeExists(p) => lookup(item, p).is_some(),
        Cond::AttributeNotExists(p) => lookup(item, p).is_none(),
        Cond::AttributeType(a, t) => {
            let (Some(a), Some(t)) = (val(a), val(t)) else {
                return false;
            };
            match &*t {
                AttributeValue::S(name) => ValueType::parse(name) == Some(a.value_type()),
                _ => false,
            }
        }
        Cond::BeginsWith(a, b) => match (val(a), val(b)) {
            (Some(a), Some(b)) => begins_with(&a, &b),
            _ => false,
        },
        Cond::Contains(a, b) => match (val(a), val(b)) {
            (Some(a), Some(b)) => contains(&a, &b),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> AttributeValue {
        AttributeValue::N(Number::parse(s).unwrap())
    }

    #[test]
    fn sets_compare_unordered() {
        let a = AttributeValue::Ss(vec!["a".into(), "b".into()]);
        let b = AttributeValue::Ss(vec!["b".into(), "a".into()]);
        assert!(values_equal(&a, &b));
        assert!(!values_equal(&a, &AttributeValue::Ss(vec!["a".into()])));
    }

    #[test]
    fn comparisons_across_types_are_false_but_ne_is_true() {
        let s = AttributeValue::S("1".into());
        assert!(!compare(CmpOp::Eq, Some(&s), Some(&n("1"))));
        assert!(!compare(CmpOp::Lt, Some(&s), Some(&n("2"))));
        assert!(compare(CmpOp::Ne, Some(&s), Some(&n("1"))));
        assert!(compare(CmpOp::Ne, None, Some(&n("1"))));
        assert!(!compare(CmpOp::Ge, None, Some(&n("1"))));
        assert!(compare(CmpOp::Le, Some(&n("10")), Some(&n("10.0"))));
    }

    #[test]
    fn lookup_walks_maps_and_lists() {
        let mut item = Item::new();
        let inner = AttributeValue::M([("c".to_string(), n("7"))].into());
        item.insert("a".into(), AttributeValue::L(vec![n("1"), inner]));
        let p = Path(vec![
            PathElem::Attr("a".into()),
            PathElem::Index(1),
            PathElem::Attr("c".into()),
        ]);
        assert_eq!(lookup(&item, &p), Some(&n("7")));
        let bad = Path(vec![PathElem::Attr("a".into()), PathElem::Attr("c".into())]);
        assert_eq!(lookup(&item, &bad), None);
    }
}
