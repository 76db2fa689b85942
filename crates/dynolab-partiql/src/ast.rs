//! The parsed statement. Values are DynamoDB `AttributeValue`s once parameters are bound
//! ([`crate::bind`]); paths are dynolab-expr's [`Path`].

use dynolab_expr::{CmpOp, Path};
use dynolab_model::AttributeValue;

/// One PartiQL statement.
#[derive(Clone, PartialEq, Debug)]
pub enum Statement {
    Select(Select),
    Insert(Insert),
    Update(Update),
    Delete(Delete),
    /// `EXISTS(SELECT ...)`: a condition check inside ExecuteTransaction.
    Exists(Select),
}

impl Statement {
    /// The table the statement reads or writes.
    pub fn table(&self) -> &str {
        match self {
            Statement::Select(s) | Statement::Exists(s) => &s.table,
            Statement::Insert(i) => &i.table,
            Statement::Update(u) => &u.table,
            Statement::Delete(d) => &d.table,
        }
    }

    pub fn is_read(&self) -> bool {
        matches!(self, Statement::Select(_))
    }
}

#[derive(Clone, PartialEq, Debug)]
pub struct Select {
    /// `None` for `*`.
    pub projection: Option<Vec<Path>>,
    pub table: String,
    /// `"Table"."Index"`.
    pub index: Option<String>,
    pub where_: Option<Expr>,
    /// `ORDER BY <attribute> [ASC | DESC]`: the attribute and whether it is descending.
    pub order_by: Option<(String, bool)>,
}

#[derive(Clone, PartialEq, Debug)]
pub struct Insert {
    pub table: String,
    pub value: Expr,
}

/// One action of an UPDATE.
#[derive(Clone, PartialEq, Debug)]
pub enum Assign {
    Set(Path, Expr),
    Remove(Path),
}

#[derive(Clone, PartialEq, Debug)]
pub struct Update {
    pub table: String,
    pub actions: Vec<Assign>,
    pub where_: Expr,
    pub returning: Option<Returning>,
}

#[derive(Clone, PartialEq, Debug)]
pub struct Delete {
    pub table: String,
    pub where_: Expr,
    pub returning: Option<Returning>,
}

/// `RETURNING (ALL | MODIFIED) (OLD | NEW) *`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Returning {
    AllOld,
    ModifiedOld,
    AllNew,
    ModifiedNew,
}

impl Returning {
    pub fn text(self) -> &'static str {
        match self {
            Returning::AllOld => "ALL OLD *",
            Returning::ModifiedOld => "MODIFIED OLD *",
            Returning::AllNew => "ALL NEW *",
            Returning::ModifiedNew => "MODIFIED NEW *",
        }
    }
}

/// The type named after `IS [NOT]`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IsType {
    Missing,
    Null,
    Boolean,
    String,
    Numeric,
    Blob,
    Struct,
    List,
}

/// An expression: a WHERE condition, a SET value, or a literal.
#[derive(Clone, PartialEq, Debug)]
pub enum Expr {
    Path(Path),
    Value(AttributeValue),
    /// The n-th `?` (0-based), before binding.
    Param(usize),
    /// A number literal as written (sign included), checked against DynamoDB's number rules
    /// when bound, so its error can name where it is.
    Num(String),
    /// The literal `MISSING`.
    Missing,
    /// `{'k': v, ...}` with unbound members.
    Map(Vec<(String, Expr)>),
    /// `[a, b]`.
    List(Vec<Expr>),
    /// `<<a, b>>`: a string or number set.
    Bag(Vec<Expr>),
    Cmp(CmpOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Between(Box<Expr>, Box<Expr>, Box<Expr>),
    In(Box<Expr>, Vec<Expr>),
    /// `x IS [NOT] type`; the flag is true for `IS NOT`.
    Is(Box<Expr>, IsType, bool),
    /// A function call, name lower-cased.
    Call(String, Vec<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Sub(Box<Expr>, Box<Expr>),
}
