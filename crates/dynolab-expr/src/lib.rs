//! DynamoDB's expression language, whole: condition / filter, key-condition, update and
//! projection expressions, plus the legacy parameters converted to the same AST.
//!
//! Pure: no I/O, no clock, no globals. Every error's message is DynamoDB's exact text; the
//! engine wraps each as a `ValidationException`.
//!
//! # Phases
//! lexer ([`lexer`]) → recursive-descent parser to a raw tree (`parser`) → resolution of
//! placeholders, reserved words and semantic checks ([`resolve`](crate::resolve)) →
//! evaluation ([`eval`], `update`, `projection`).
//!
//! # API used by the engine
//! ```text
//! Params::new(names, values) / Params::from_json(names, values)   one per request
//! parse_condition(text, ConditionKind::Condition | Filter, &mut params) -> Condition
//!     Condition::eval(&item) -> bool
//! parse_key_condition(text, &mut params) -> KeyConditionAst
//!     KeyConditionAst::resolve(hash_key, range_key) -> KeyCondition { hash_value, range }
//!     RangeCondition::matches(&value) -> bool
//! parse_update(text, &mut params) -> Update
//!     Update::apply(&mut item) -> touched top-level names (item unchanged on error)
//!     Update::top_level_targets(), Update::updated_projection() (UPDATED_OLD / UPDATED_NEW)
//! parse_projection(text, &mut params) -> Projection
//!     Projection::apply(&item) -> Item, Projection::top_level_names()
//! params.check_unused()   after every expression of the request is parsed
//! legacy::{expected, filter, key_conditions, attribute_updates, attributes_to_get}
//! ```
//!
//! # Layout
//! - [`error`]: `ExprError` and `ExprKind` (the `Invalid <Kind>Expression:` prefix).
//! - [`lexer`]: tokens with spans; DynamoDB's `Syntax error; token: …, near: …` text.
//! - `parser`: recursive descent to a raw tree (placeholders unresolved).
//! - `resolve`: placeholder substitution, reserved words, semantic checks and their
//!   precedence.
//! - [`ast`]: the resolved AST shared by expressions and legacy parameters.
//! - [`params`]: `Params`, the shared placeholder maps with usage tracking.
//! - [`reserved`]: the 573 reserved words.
//! - [`eval`]: condition evaluation and value comparison rules.
//! - `update`: atomic application of update actions.
//! - `projection`: projecting an item onto paths.
//! - [`keycond`]: key-condition shape checks and key-schema resolution.
//! - [`legacy`]: `Expected`, `QueryFilter`/`ScanFilter`, `KeyConditions`,
//!   `AttributeUpdates`, `AttributesToGet`.
//! - [`print`]: AST back to expression text (round-trip tests).

pub mod ast;
pub mod error;
pub mod eval;
pub mod keycond;
pub mod legacy;
pub mod lexer;
pub mod params;
mod parser;
pub mod print;
mod projection;
pub mod reserved;
mod resolve;
mod update;

use std::collections::BTreeSet;

use dynolab_model::Item;

pub use ast::{CmpOp, Cond, Operand, Path, PathElem, SetOperand, SetValue, UpdateAction};
pub use error::{ExprError, ExprKind};
pub use keycond::{KeyCondition, KeyConditionAst, KeyConditionPart, KeyOp, RangeCondition};
pub use params::Params;
pub use print::{Printed, bound_text};
pub use resolve::orderable;

/// The largest expression DynamoDB accepts, in bytes of raw text.
pub const MAX_EXPRESSION_BYTES: usize = 4096;

/// Which parameter a condition came from (they share one grammar).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ConditionKind {
    Condition,
    Filter,
}

impl ConditionKind {
    fn expr_kind(self) -> ExprKind {
        match self {
            ConditionKind::Condition => ExprKind::Condition,
            ConditionKind::Filter => ExprKind::Filter,
        }
    }
}

/// Empty and size checks shared by every expression kind.
fn check_text(text: &str, kind: ExprKind) -> Result<(), ExprError> {
    if text.is_empty() {
        return Err(ExprError::invalid(kind, "The expression can not be empty;"));
    }
    if text.len() > MAX_EXPRESSION_BYTES {
        let mut detail = "Expression size has exceeded the maximum allowed size;".to_string();
        if matches!(kind, ExprKind::Condition | ExprKind::Filter) {
            detail.push_str(&format!(" expression size: {}", text.len()));
        }
        return Err(ExprError::invalid(kind, detail));
    }
    Ok(())
}

fn parse_cond_kind(text: &str, kind: ExprKind, params: &mut Params) -> Result<Cond, ExprError> {
    check_text(text, kind)?;
    let parsed = parser::parse_condition(text).map_err(|d| ExprError::invalid(kind, d))?;
    resolve::Resolver::new(params)
        .condition(&parsed)
        .map_err(|d| ExprError::invalid(kind, d))
}

fn operand_paths<'a>(o: &'a Operand, out: &mut Vec<&'a Path>) {
    match o {
        Operand::Path(p) => out.push(p),
        Operand::Size(inner) => operand_paths(inner, out),
        Operand::Value(_) => {}
    }
}

fn cond_paths<'a>(c: &'a Cond, out: &mut Vec<&'a Path>) {
    match c {
        Cond::Or(a, b) | Cond::And(a, b) => {
            cond_paths(a, out);
            cond_paths(b, out);
        }
        Cond::Not(a) => cond_paths(a, out),
        Cond::Cmp(_, a, b)
        | Cond::AttributeType(a, b)
        | Cond::BeginsWith(a, b)
        | Cond::Contains(a, b) => {
            operand_paths(a, out);
            operand_paths(b, out);
        }
        Cond::Between(a, b, d) => {
            for o in [a, b, d] {
                operand_paths(o, out);
            }
        }
        Cond::In(x, list) => {
            operand_paths(x, out);
            for o in list {
                operand_paths(o, out);
            }
        }
        Cond::AttributeExists(p) | Cond::AttributeNotExists(p) => out.push(p),
        Cond::True => {}
    }
}

fn heads<'a>(paths: impl Iterator<Item = &'a Path>, nested_only: bool) -> BTreeSet<String> {
    paths
        .filter(|p| !nested_only || p.is_nested())
        .map(|p| p.head().to_string())
        .collect()
}

/// A parsed condition or filter.
#[derive(Clone, PartialEq, Debug)]
pub struct Condition {
    cond: Cond,
}

impl Condition {
    pub fn from_ast(cond: Cond) -> Condition {
        Condition { cond }
    }

    pub fn ast(&self) -> &Cond {
        &self.cond
    }

    /// Whether `item` satisfies the condition (a missing item is an empty map).
    pub fn eval(&self, item: &Item) -> bool {
        eval::eval(&self.cond, item)
    }

    /// Every document path the condition reads.
    pub fn paths(&self) -> Vec<&Path> {
        let mut out = Vec::new();
        cond_paths(&self.cond, &mut out);
        out
    }

    /// Top-level attribute names the condition reads (for "Filter Expression can only
    /// contain non-primary key attributes").
    pub fn path_heads(&self) -> BTreeSet<String> {
        heads(self.paths().into_iter(), false)
    }

    /// Top-level names reached through a nested path (for "Key attributes must be scalars").
    pub fn nested_path_heads(&self) -> BTreeSet<String> {
        heads(self.paths().into_iter(), true)
    }

    /// Expression text and placeholder maps that parse back to this condition.
    pub fn to_expression(&self) -> Printed {
        let mut p = print::Printer::default();
        let text = p.cond(&self.cond);
        p.finish(text)
    }
}

/// Parses a ConditionExpression or FilterExpression.
pub fn parse_condition(
    text: &str,
    kind: ConditionKind,
    params: &mut Params,
) -> Result<Condition, ExprError> {
    parse_cond_kind(text, kind.expr_kind(), params).map(Condition::from_ast)
}

/// Parses a KeyConditionExpression and checks its shape (one condition per key, allowed
/// operators, no nested paths); [`KeyConditionAst::resolve`] then matches it to the schema.
pub fn parse_key_condition(text: &str, params: &mut Params) -> Result<KeyConditionAst, ExprError> {
    let cond = parse_cond_kind(text, ExprKind::KeyCondition, params)?;
    keycond::from_cond(&cond)
}

/// A parsed update (UpdateExpression or legacy AttributeUpdates).
#[derive(Clone, PartialEq, Debug)]
pub struct Update {
    actions: Vec<UpdateAction>,
}

impl Update {
    pub fn from_actions(actions: Vec<UpdateAction>) -> Update {
        Update { actions }
    }

    pub fn actions(&self) -> &[UpdateAction] {
        &self.actions
    }

    /// Applies the update to `item` (an empty map for a new item). On error `item` is left
    /// untouched. Returns the top-level attribute names the actions target.
    pub fn apply(&self, item: &mut Item) -> Result<BTreeSet<String>, ExprError> {
        update::apply(&self.actions, item)
    }

    /// Top-level attribute names the actions target, in order of first appearance (for
    /// "Cannot update attribute X. This attribute is part of the key").
    pub fn top_level_targets(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for a in &self.actions {
            let p = a.path();
            if !out.iter().any(|h| h == p.head()) {
                out.push(p.head().to_string());
            }
        }
        out
    }

    /// Every target path.
    pub fn paths(&self) -> Vec<Path> {
        self.actions.iter().map(UpdateAction::path).collect()
    }

    /// Top-level names targeted through a nested path.
    pub fn nested_path_heads(&self) -> BTreeSet<String> {
        heads(self.paths().iter(), true)
    }

    /// `SET` targets at the top level with the literal value's type when it is known
    /// statically (for the engine's index-key type checks).
    pub fn top_level_set_values(&self) -> Vec<(&str, &dynolab_model::AttributeValue)> {
        self.actions
            .iter()
            .filter_map(|a| match a {
                UpdateAction::Set(p, SetValue::Operand(SetOperand::Value(v))) if !p.is_nested() => {
                    Some((p.head(), v))
                }
                _ => None,
            })
            .collect()
    }

    /// The projection onto the updated paths: apply it to the old / new item for
    /// `ReturnValues` `UPDATED_OLD` / `UPDATED_NEW`.
    pub fn updated_projection(&self) -> Projection {
        Projection::from_paths(self.paths())
    }

    pub fn to_expression(&self) -> Printed {
        let mut p = print::Printer::default();
        let text = p.update(&self.actions);
        p.finish(text)
    }
}

/// Parses an UpdateExpression.
pub fn parse_update(text: &str, params: &mut Params) -> Result<Update, ExprError> {
    let kind = ExprKind::Update;
    check_text(text, kind)?;
    let parsed = parser::parse_update(text).map_err(|d| ExprError::invalid(kind, d))?;
    let actions = resolve::Resolver::new(params)
        .update(&parsed)
        .map_err(|d| ExprError::invalid(kind, d))?;
    Ok(Update { actions })
}

/// A parsed projection (ProjectionExpression or AttributesToGet).
#[derive(Clone, PartialEq, Debug)]
pub struct Projection {
    paths: Vec<Path>,
    /// A PartiQL select list: each path's value under its own last name (`m.b.c` gives `c`),
    /// not nested.
    flat: bool,
}

impl Projection {
    pub fn from_paths(paths: Vec<Path>) -> Projection {
        Projection { paths, flat: false }
    }

    /// A PartiQL select list (see [`Projection::output_name`]).
    pub fn select_list(paths: Vec<Path>) -> Projection {
        Projection { paths, flat: true }
    }

    /// The name a PartiQL select list gives a path's value: its last map key, or for a path
    /// that ends in list indexes the last name with them (`m.l[2]` gives `l[2]`).
    pub fn output_name(path: &Path) -> String {
        let start = path
            .0
            .iter()
            .rposition(|e| matches!(e, PathElem::Attr(_)))
            .unwrap_or(0);
        path.0[start..]
            .iter()
            .map(|e| match e {
                PathElem::Attr(a) => a.clone(),
                PathElem::Index(i) => format!("[{i}]"),
            })
            .collect()
    }

    pub fn paths(&self) -> &[Path] {
        &self.paths
    }

    /// The item restricted to the projected paths, nested structure kept (a select list's
    /// values each under its output name).
    pub fn apply(&self, item: &Item) -> Item {
        if self.flat {
            return self
                .paths
                .iter()
                .filter_map(|p| Some((Self::output_name(p), eval::lookup(item, p)?.clone())))
                .collect();
        }
        projection::project(&self.paths, item)
    }

    /// Top-level attribute names, in order of first appearance.
    pub fn top_level_names(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in &self.paths {
            if !out.iter().any(|h| h == p.head()) {
                out.push(p.head().to_string());
            }
        }
        out
    }

    pub fn nested_path_heads(&self) -> BTreeSet<String> {
        heads(self.paths.iter(), true)
    }

    pub fn to_expression(&self) -> Printed {
        let mut p = print::Printer::default();
        let parts: Vec<String> = self.paths.iter().map(|x| p.path(x)).collect();
        p.finish(parts.join(", "))
    }
}

/// Parses a ProjectionExpression.
pub fn parse_projection(text: &str, params: &mut Params) -> Result<Projection, ExprError> {
    let kind = ExprKind::Projection;
    check_text(text, kind)?;
    let raw = parser::parse_projection(text).map_err(|d| ExprError::invalid(kind, d))?;
    let paths = resolve::Resolver::new(params)
        .projection(&raw)
        .map_err(|d| ExprError::invalid(kind, d))?;
    Ok(Projection::from_paths(paths))
}
