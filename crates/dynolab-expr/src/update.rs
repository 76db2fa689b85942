//! Applying update actions to an item. The new item is built on a copy and only replaces the
//! original when every action succeeded, so an update is never half-applied.
//!
//! Order, chosen so every path refers to the item as it was (DynamoDB's semantics): all `SET`
//! right-hand sides are evaluated against the original item first; then `SET`s are applied
//! in path order (so several out-of-range list indexes append in index order), then `ADD` /
//! `DELETE`, then `REMOVE`s from the highest list index down (so `REMOVE a[1], a[2]` removes
//! the original elements 1 and 2). Overlapping paths are rejected at parse time, so the
//! actions touch disjoint parts of the item.

use std::collections::BTreeSet;

use dynolab_model::{AttributeValue, Item, Number};

use crate::ast::{Path, PathElem, SetOperand, SetValue, UpdateAction};
use crate::error::{ExprError, msg};
use crate::eval::lookup;

fn err(m: &str) -> ExprError {
    ExprError::Update(m.to_string())
}

fn resolve_operand(item: &Item, op: &SetOperand) -> Result<AttributeValue, ExprError> {
    match op {
        SetOperand::Path(p) => lookup(item, p)
            .cloned()
            .ok_or_else(|| err(msg::MISSING_ATTRIBUTE)),
        SetOperand::Value(v) => Ok(v.clone()),
        SetOperand::IfNotExists(p, default) => match lookup(item, p) {
            Some(v) => Ok(v.clone()),
            None => resolve_operand(item, default),
        },
        SetOperand::ListAppend(a, b) => {
            let AttributeValue::L(mut first) = resolve_operand(item, a)? else {
                return Err(err(msg::INCORRECT_OPERAND));
            };
            let AttributeValue::L(second) = resolve_operand(item, b)? else {
                return Err(err(msg::INCORRECT_OPERAND));
            };
            first.extend(second);
            Ok(AttributeValue::L(first))
        }
    }
}

fn number(v: AttributeValue) -> Result<Number, ExprError> {
    match v {
        AttributeValue::N(n) => Ok(n),
        _ => Err(err(msg::INCORRECT_OPERAND)),
    }
}

/// Evaluates a `SET` right-hand side against `item`.
pub fn resolve_set_value(item: &Item, value: &SetValue) -> Result<AttributeValue, ExprError> {
    match value {
        SetValue::Operand(op) => resolve_operand(item, op),
        SetValue::Plus(a, b) | SetValue::Minus(a, b) => {
            let x = number(resolve_operand(item, a)?)?;
            let y = number(resolve_operand(item, b)?)?;
            let r = if matches!(value, SetValue::Plus(..)) {
                x.add(&y)
            } else {
                x.sub(&y)
            };
            r.map(AttributeValue::N)
                .map_err(|e| ExprError::Update(e.message().to_string()))
        }
    }
}

/// The container holding the last element of `path` and that element.
enum Slot<'a> {
    Map(
        &'a mut std::collections::BTreeMap<String, AttributeValue>,
        &'a str,
    ),
    List(&'a mut Vec<AttributeValue>, usize),
}

fn slot<'a>(item: &'a mut Item, path: &'a Path) -> Option<Slot<'a>> {
    let (last, parents) = path.0.split_last()?;
    let Some((first, rest)) = parents.split_first() else {
        return match last {
            PathElem::Attr(a) => Some(Slot::Map(item, a)),
            PathElem::Index(_) => None,
        };
    };
    let PathElem::Attr(head) = first else {
        return None;
    };
    let mut cur = item.get_mut(head)?;
    for e in rest {
        cur = match (e, cur) {
            (PathElem::Attr(a), AttributeValue::M(m)) => m.get_mut(a)?,
            (PathElem::Index(i), AttributeValue::L(l)) => l.get_mut(*i)?,
            _ => return None,
        };
    }
    match (last, cur) {
        (PathElem::Attr(a), AttributeValue::M(m)) => Some(Slot::Map(m, a)),
        (PathElem::Index(i), AttributeValue::L(l)) => Some(Slot::List(l, *i)),
        _ => None,
    }
}

impl Slot<'_> {
    fn get(&mut self) -> Option<&mut AttributeValue> {
        match self {
            Slot::Map(m, k) => m.get_mut(*k),
            Slot::List(l, i) => l.get_mut(*i),
        }
    }

    /// Stores `v`; a list index past the end appends.
    fn put(&mut self, v: AttributeValue) {
        match self {
            Slot::Map(m, k) => {
                m.insert((*k).to_string(), v);
            }
            Slot::List(l, i) => {
                if *i < l.len() {
                    l[*i] = v;
                } else {
                    l.push(v);
                }
            }
        }
    }

    fn remove(&mut self) {
        match self {
            Slot::Map(m, k) => {
                m.remove(*k);
            }
            Slot::List(l, i) => {
                if *i < l.len() {
                    l.remove(*i);
                }
            }
        }
    }
}

fn set_union<T: PartialEq + Clone>(existing: &mut Vec<T>, add: &[T]) {
    for e in add {
        if !existing.contains(e) {
            existing.push(e.clone());
        }
    }
}

/// Adds `v` to `existing` (number sum, set union; `lists` also appends lists, legacy only).
fn add_value(
    existing: Option<&AttributeValue>,
    v: &AttributeValue,
    lists: bool,
    mismatch: &str,
) -> Result<AttributeValue, ExprError> {
    let Some(existing) = existing else {
        return Ok(v.clone());
    };
    Ok(match (existing.clone(), v) {
        (AttributeValue::N(a), AttributeValue::N(b)) => AttributeValue::N(
            a.add(b)
                .map_err(|e| ExprError::Update(e.message().to_string()))?,
        ),
        (AttributeValue::Ss(mut a), AttributeValue::Ss(b)) => {
            set_union(&mut a, b);
            AttributeValue::Ss(a)
        }
        (AttributeValue::Ns(mut a), AttributeValue::Ns(b)) => {
            set_union(&mut a, b);
            AttributeValue::Ns(a)
        }
        (AttributeValue::Bs(mut a), AttributeValue::Bs(b)) => {
            set_union(&mut a, b);
            AttributeValue::Bs(a)
        }
        (AttributeValue::L(mut a), AttributeValue::L(b)) if lists => {
            a.extend(b.iter().cloned());
            AttributeValue::L(a)
        }
        _ => return Err(err(mismatch)),
    })
}

/// Removes the elements of `v` from `existing`; `None` when the set becomes empty.
fn delete_value(
    existing: &AttributeValue,
    v: &AttributeValue,
    mismatch: &str,
) -> Result<Option<AttributeValue>, ExprError> {
    fn diff<T: PartialEq + Clone>(a: &[T], b: &[T]) -> Vec<T> {
        a.iter().filter(|e| !b.contains(e)).cloned().collect()
    }
    let out = match (existing, v) {
        (AttributeValue::Ss(a), AttributeValue::Ss(b)) => AttributeValue::Ss(diff(a, b)),
        (AttributeValue::Ns(a), AttributeValue::Ns(b)) => AttributeValue::Ns(diff(a, b)),
        (AttributeValue::Bs(a), AttributeValue::Bs(b)) => AttributeValue::Bs(diff(a, b)),
        _ => return Err(err(mismatch)),
    };
    let empty = match &out {
        AttributeValue::Ss(s) => s.is_empty(),
        AttributeValue::Ns(s) => s.is_empty(),
        AttributeValue::Bs(s) => s.is_empty(),
        _ => false,
    };
    Ok(if empty { None } else { Some(out) })
}

fn rank(a: &UpdateAction) -> u8 {
    match a {
        UpdateAction::Set(..) => 0,
        UpdateAction::Add(..)
        | UpdateAction::Delete(..)
        | UpdateAction::LegacyAdd(..)
        | UpdateAction::LegacyDelete(..) => 1,
        UpdateAction::Remove(..) => 2,
    }
}

/// Applies `actions` to `item` atomically; returns the touched top-level attribute names.
pub(crate) fn apply(
    actions: &[UpdateAction],
    item: &mut Item,
) -> Result<BTreeSet<String>, ExprError> {
    // Evaluate every SET right-hand side against the original item.
    let mut set_values = Vec::with_capacity(actions.len());
    for a in actions {
        set_values.push(match a {
            UpdateAction::Set(_, v) => Some(resolve_set_value(item, v)?),
            _ => None,
        });
    }
    let mut order: Vec<usize> = (0..actions.len()).collect();
    order.sort_by(|&x, &y| {
        let (a, b) = (&actions[x], &actions[y]);
        rank(a).cmp(&rank(b)).then_with(|| match rank(a) {
            0 => a.path().cmp(&b.path()),
            2 => b.path().cmp(&a.path()),
            _ => x.cmp(&y),
        })
    });
    let mut new = item.clone();
    let mut touched = BTreeSet::new();
    for i in order {
        let action = &actions[i];
        let path = action.path();
        // A REMOVE that finds nothing (an absent attribute, map key or list index) updates
        // nothing: UPDATED_OLD / UPDATED_NEW leave it out (DynamoDB Local 1.25.1).
        if !matches!(action, UpdateAction::Remove(_)) {
            touched.insert(path.head().to_string());
        }
        let Some(mut slot) = slot(&mut new, &path) else {
            // A missing top-level attribute is fine (the map is the item); a missing or
            // mistyped parent is not.
            return Err(err(msg::INVALID_PATH));
        };
        match action {
            UpdateAction::Set(..) => {
                // Every SET value was evaluated above; a missing one leaves the slot alone.
                if let Some(v) = set_values.get_mut(i).and_then(Option::take) {
                    slot.put(v);
                }
            }
            UpdateAction::Remove(_) => {
                if slot.get().is_some() {
                    touched.insert(path.head().to_string());
                }
                slot.remove();
            }
            UpdateAction::Add(_, v) => {
                let v = add_value(slot.get().map(|x| &*x), v, false, msg::INCORRECT_OPERAND)?;
                slot.put(v);
            }
            UpdateAction::LegacyAdd(_, v) => {
                let v = add_value(slot.get().map(|x| &*x), v, true, msg::LEGACY_TYPE_MISMATCH)?;
                slot.put(v);
            }
            UpdateAction::Delete(_, v) | UpdateAction::LegacyDelete(_, v) => {
                let mismatch = if matches!(action, UpdateAction::Delete(..)) {
                    msg::INCORRECT_OPERAND
                } else {
                    msg::LEGACY_TYPE_MISMATCH
                };
                let Some(existing) = slot.get() else { continue };
                match delete_value(existing, v, mismatch)? {
                    Some(rest) => *existing = rest,
                    None => slot.remove(),
                }
            }
        }
    }
    *item = new;
    Ok(touched)
}
