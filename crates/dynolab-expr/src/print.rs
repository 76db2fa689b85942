//! Printer: turns a resolved AST back into expression text plus fresh placeholder maps
//! (every name becomes `#nK`, every value `:vK`), so any AST can be re-parsed. Used for the
//! parse → print → parse round-trip tests and for debugging.

use std::collections::HashMap;

use dynolab_model::AttributeValue;

use crate::ast::{Cond, Operand, Path, PathElem, SetOperand, SetValue, UpdateAction};

/// Expression text with the placeholder maps it needs.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Printed {
    pub text: String,
    pub names: HashMap<String, String>,
    pub values: HashMap<String, AttributeValue>,
}

#[derive(Default)]
pub(crate) struct Printer {
    out: Printed,
    by_name: HashMap<String, String>,
}

impl Printer {
    pub(crate) fn finish(self, text: String) -> Printed {
        Printed { text, ..self.out }
    }

    fn name(&mut self, n: &str) -> String {
        if let Some(ph) = self.by_name.get(n) {
            return ph.clone();
        }
        let ph = format!("#n{}", self.by_name.len());
        self.by_name.insert(n.to_string(), ph.clone());
        self.out.names.insert(ph.clone(), n.to_string());
        ph
    }

    fn value(&mut self, v: &AttributeValue) -> String {
        let ph = format!(":v{}", self.out.values.len());
        self.out.values.insert(ph.clone(), v.clone());
        ph
    }

    pub(crate) fn path(&mut self, p: &Path) -> String {
        let mut s = String::new();
        for (i, e) in p.0.iter().enumerate() {
            match e {
                PathElem::Attr(a) => {
                    if i > 0 {
                        s.push('.');
                    }
                    s.push_str(&self.name(a));
                }
                PathElem::Index(n) => s.push_str(&format!("[{n}]")),
            }
        }
        s
    }

    fn operand(&mut self, o: &Operand) -> String {
        match o {
            Operand::Path(p) => self.path(p),
            Operand::Value(v) => self.value(v),
            Operand::Size(inner) => format!("size({})", self.operand(inner)),
        }
    }

    pub(crate) fn cond(&mut self, c: &Cond) -> String {
        match c {
            Cond::Or(a, b) => format!("({}) OR ({})", self.cond(a), self.cond(b)),
            Cond::And(a, b) => format!("({}) AND ({})", self.cond(a), self.cond(b)),
            Cond::Not(a) => format!("NOT ({})", self.cond(a)),
            Cond::Cmp(op, a, b) => {
                format!("{} {} {}", self.operand(a), op.symbol(), self.operand(b))
            }
            Cond::Between(x, lo, hi) => format!(
                "{} BETWEEN {} AND {}",
                self.operand(x),
                self.operand(lo),
                self.operand(hi)
            ),
            Cond::In(x, list) => {
                let x = self.operand(x);
                let items: Vec<String> = list.iter().map(|o| self.operand(o)).collect();
                format!("{x} IN ({})", items.join(", "))
            }
            Cond::AttributeExists(p) => format!("attribute_exists({})", self.path(p)),
            Cond::AttributeNotExists(p) => format!("attribute_not_exists({})", self.path(p)),
            Cond::AttributeType(a, b) => {
                format!("attribute_type({}, {})", self.operand(a), self.operand(b))
            }
            Cond::BeginsWith(a, b) => {
                format!("begins_with({}, {})", self.operand(a), self.operand(b))
            }
            Cond::Contains(a, b) => format!("contains({}, {})", self.operand(a), self.operand(b)),
            Cond::True => {
                let v = self.value(&AttributeValue::Bool(true));
                format!("{v} = {v}")
            }
        }
    }

    fn set_operand(&mut self, o: &SetOperand) -> String {
        match o {
            SetOperand::Path(p) => self.path(p),
            SetOperand::Value(v) => self.value(v),
            SetOperand::IfNotExists(p, d) => {
                format!("if_not_exists({}, {})", self.path(p), self.set_operand(d))
            }
            SetOperand::ListAppend(a, b) => {
                format!(
                    "list_append({}, {})",
                    self.set_operand(a),
                    self.set_operand(b)
                )
            }
        }
    }

    pub(crate) fn update(&mut self, actions: &[UpdateAction]) -> String {
        let mut sections: Vec<(&str, Vec<String>)> = Vec::new();
        for a in actions {
            let (kw, text) = match a {
                UpdateAction::Set(p, v) => {
                    let lhs = self.path(p);
                    let rhs = match v {
                        SetValue::Operand(o) => self.set_operand(o),
                        SetValue::Plus(x, y) => {
                            format!("{} + {}", self.set_operand(x), self.set_operand(y))
                        }
                        SetValue::Minus(x, y) => {
                            format!("{} - {}", self.set_operand(x), self.set_operand(y))
                        }
                    };
                    ("SET", format!("{lhs} = {rhs}"))
                }
                UpdateAction::Remove(p) => ("REMOVE", self.path(p)),
                UpdateAction::Add(p, v) => ("ADD", format!("{} {}", self.path(p), self.value(v))),
                UpdateAction::LegacyAdd(n, v) => (
                    "ADD",
                    format!("{} {}", self.path(&Path::attr(n.clone())), self.value(v)),
                ),
                UpdateAction::Delete(p, v) => {
                    ("DELETE", format!("{} {}", self.path(p), self.value(v)))
                }
                UpdateAction::LegacyDelete(n, v) => (
                    "DELETE",
                    format!("{} {}", self.path(&Path::attr(n.clone())), self.value(v)),
                ),
            };
            match sections.iter_mut().find(|(k, _)| *k == kw) {
                Some((_, list)) => list.push(text),
                None => sections.push((kw, vec![text])),
            }
        }
        sections
            .into_iter()
            .map(|(kw, list)| format!("{kw} {}", list.join(", ")))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// `{S:abc}` as DynamoDB prints a bound in BETWEEN messages.
pub fn bound_text(v: &AttributeValue) -> String {
    let raw = match v {
        AttributeValue::S(s) => s.clone(),
        AttributeValue::N(n) => n.to_string(),
        other => {
            let json = other.to_json();
            let inner = json.as_object().and_then(|m| m.values().next().cloned());
            match inner {
                Some(serde_json::Value::String(s)) => s,
                Some(other) => other.to_string(),
                None => String::new(),
            }
        }
    };
    format!("{{{}:{raw}}}", v.value_type().as_str())
}
