//! The resolved AST shared by every expression kind and by the legacy parameters:
//! document paths, operands, conditions and update actions, with all `#name` / `:value`
//! placeholders already substituted.

use std::fmt;

use dynolab_model::AttributeValue;

/// One step of a document path.
#[derive(Clone, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub enum PathElem {
    /// A map key (or, first, a top-level attribute name).
    Attr(String),
    /// A list index.
    Index(usize),
}

/// A document path such as `a.b[3].c`. The first element is always an [`PathElem::Attr`].
#[derive(Clone, PartialEq, Eq, Debug, Hash, PartialOrd, Ord)]
pub struct Path(pub Vec<PathElem>);

impl Path {
    /// A top-level attribute.
    pub fn attr(name: impl Into<String>) -> Path {
        Path(vec![PathElem::Attr(name.into())])
    }

    /// The top-level attribute name.
    pub fn head(&self) -> &str {
        match self.0.first() {
            Some(PathElem::Attr(a)) => a,
            _ => "",
        }
    }

    /// Whether the path goes below the top level (`a.b`, `a[0]`).
    pub fn is_nested(&self) -> bool {
        self.0.len() > 1
    }

    /// DynamoDB's rendering in messages: `[a, b, [3]]`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| match e {
                PathElem::Attr(a) => a.clone(),
                PathElem::Index(i) => format!("[{i}]"),
            })
            .collect();
        format!("[{}]", parts.join(", "))
    }
}

impl fmt::Display for Path {
    /// Expression syntax (`a.b[3]`); names are printed raw, without placeholders.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            match e {
                PathElem::Attr(a) if i == 0 => write!(f, "{a}")?,
                PathElem::Attr(a) => write!(f, ".{a}")?,
                PathElem::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// A comparator of a condition.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "<>",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// The operator with its operands swapped (`a < b` is `b > a`).
    pub fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            other => other,
        }
    }
}

/// An operand of a condition.
#[derive(Clone, PartialEq, Debug)]
pub enum Operand {
    Path(Path),
    Value(AttributeValue),
    /// `size(operand)`: a number, or nothing when the operand has no size.
    Size(Box<Operand>),
}

/// A condition (ConditionExpression, FilterExpression, or a converted legacy condition).
#[derive(Clone, PartialEq, Debug)]
pub enum Cond {
    Or(Box<Cond>, Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    Cmp(CmpOp, Operand, Operand),
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Operand>),
    AttributeExists(Path),
    AttributeNotExists(Path),
    AttributeType(Operand, Operand),
    BeginsWith(Operand, Operand),
    Contains(Operand, Operand),
    /// Always true (an empty legacy condition map).
    True,
}

/// The right-hand side of a `SET` action, and its nested operands.
#[derive(Clone, PartialEq, Debug)]
pub enum SetOperand {
    Path(Path),
    Value(AttributeValue),
    IfNotExists(Path, Box<SetOperand>),
    ListAppend(Box<SetOperand>, Box<SetOperand>),
}

/// A `SET` value: an operand, or the sum / difference of two.
#[derive(Clone, PartialEq, Debug)]
pub enum SetValue {
    Operand(SetOperand),
    Plus(SetOperand, SetOperand),
    Minus(SetOperand, SetOperand),
}

/// One action of an update expression (or of legacy `AttributeUpdates`).
#[derive(Clone, PartialEq, Debug)]
pub enum UpdateAction {
    Set(Path, SetValue),
    Remove(Path),
    /// Number addition or set union; creates the attribute when missing.
    Add(Path, AttributeValue),
    /// Set difference; removes the attribute when the set becomes empty.
    Delete(Path, AttributeValue),
    /// Legacy `AttributeUpdates` `ADD` semantics (also appends lists; mismatches report
    /// `Type mismatch for attribute to update`).
    LegacyAdd(String, AttributeValue),
    /// Legacy `DELETE` with a value (set difference, legacy messages).
    LegacyDelete(String, AttributeValue),
}

impl UpdateAction {
    pub fn path(&self) -> Path {
        match self {
            UpdateAction::Set(p, _)
            | UpdateAction::Remove(p)
            | UpdateAction::Add(p, _)
            | UpdateAction::Delete(p, _) => p.clone(),
            UpdateAction::LegacyAdd(n, _) | UpdateAction::LegacyDelete(n, _) => {
                Path::attr(n.clone())
            }
        }
    }
}
