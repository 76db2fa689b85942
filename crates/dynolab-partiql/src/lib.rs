//! DynamoDB's PartiQL, pure: lexer → parser ([`parse`]) → parameter binding ([`bind`]) →
//! translation to dynolab-expr's AST ([`translate`]), which the engine evaluates with the same
//! evaluator as ConditionExpression / FilterExpression / UpdateExpression.
//!
//! ```text
//! let (statement, params) = parse(text)?;            // `?` counted
//! let statement = bind(statement, &parameters)?;      // `?` replaced, literals folded
//! translate::condition(&where_) -> dynolab_expr::Cond
//! translate::key_item(&where_, &["pk", "sk"]) -> (key, extra condition)   UPDATE / DELETE
//! translate::partition_values / range_condition                           SELECT as Query
//! translate::update(&actions) -> dynolab_expr::Update                     UPDATE SET / REMOVE
//! ```
//!
//! Every error carries DynamoDB's whole message; see `docs/design/partiql.md`.

pub mod ast;
pub mod error;
pub mod lexer;
mod parser;
pub mod translate;

pub use ast::*;
pub use error::{PartiqlError, msg};
pub use parser::parse;

use dynolab_model::AttributeValue;

/// Replaces every `?` by its parameter and folds literal maps, lists and bags into values.
/// Fewer parameters than `?`s is an error; extra parameters are ignored (as DynamoDB does).
pub fn bind(stmt: Statement, params: &[AttributeValue]) -> Result<Statement, PartiqlError> {
    let b = |e: Expr| bind_expr(e, params, ROOT, true);
    let bo = |e: Option<Expr>| e.map(|e| bind_expr(e, params, ROOT, true)).transpose();
    Ok(match stmt {
        Statement::Select(s) => Statement::Select(Select {
            where_: bo(s.where_)?,
            ..s
        }),
        Statement::Exists(s) => Statement::Exists(Select {
            where_: bo(s.where_)?,
            ..s
        }),
        Statement::Insert(i) => Statement::Insert(Insert {
            value: b(i.value)?,
            ..i
        }),
        Statement::Update(u) => Statement::Update(Update {
            actions: u
                .actions
                .into_iter()
                .map(|a| match a {
                    Assign::Set(p, e) => Ok(Assign::Set(p, bind_expr(e, params, ROOT, true)?)),
                    other => Ok(other),
                })
                .collect::<Result<_, PartiqlError>>()?,
            where_: b(u.where_)?,
            ..u
        }),
        Statement::Delete(d) => Statement::Delete(Delete {
            where_: b(d.where_)?,
            ..d
        }),
    })
}

/// Where a literal is, in number errors: `root`, `root.a`, `root[1]`. The members of the
/// outermost map (an INSERT's item) are `root` themselves.
const ROOT: &str = "root";

/// Stack [`bind_expr`] keeps free before it recurses, and the size of each new segment: a
/// chain of `+` / `-` / AND / OR within the parser's operator limit is a tree a thousand deep,
/// deeper than a 2 MiB thread stack holds in a debug build.
const RED_ZONE: usize = 64 * 1024;
const STACK_SEGMENT: usize = 1024 * 1024;

fn bind_expr(
    e: Expr,
    params: &[AttributeValue],
    at: &str,
    top: bool,
) -> Result<Expr, PartiqlError> {
    stacker::maybe_grow(RED_ZONE, STACK_SEGMENT, || bind_level(e, params, at, top))
}

fn bind_level(
    e: Expr,
    params: &[AttributeValue],
    at: &str,
    top: bool,
) -> Result<Expr, PartiqlError> {
    let b = |e: Box<Expr>| bind_expr(*e, params, at, top).map(Box::new);
    let all = |v: Vec<Expr>| {
        v.into_iter()
            .map(|e| bind_expr(e, params, at, top))
            .collect::<Result<Vec<_>, _>>()
    };
    let elements = |v: Vec<Expr>| {
        v.into_iter()
            .enumerate()
            .map(|(i, e)| bind_expr(e, params, &format!("{at}[{i}]"), false))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(match e {
        Expr::Param(i) => Expr::Value(
            params
                .get(i)
                .cloned()
                .ok_or_else(|| PartiqlError::new(msg::PARAMETER_COUNT))?,
        ),
        Expr::Num(text) => Expr::Value(AttributeValue::N(
            dynolab_model::Number::parse(&text)
                .map_err(|e| PartiqlError::new(format!("{} under {at}", e.message())))?,
        )),
        Expr::Map(members) => {
            let mut bound = Vec::with_capacity(members.len());
            for (k, v) in members {
                let inner = if top {
                    at.to_string()
                } else {
                    format!("{at}.{k}")
                };
                let v = bind_expr(v, params, &inner, false)?;
                bound.push((k, v));
            }
            if bound.iter().all(|(_, v)| matches!(v, Expr::Value(_))) {
                let mut map = std::collections::BTreeMap::new();
                for (k, v) in bound {
                    if let Expr::Value(v) = v {
                        map.insert(k, v);
                    }
                }
                Expr::Value(AttributeValue::M(map))
            } else {
                Expr::Map(bound)
            }
        }
        Expr::List(items) => {
            let items = elements(items)?;
            if items.iter().all(|v| matches!(v, Expr::Value(_))) {
                Expr::Value(AttributeValue::L(
                    items
                        .into_iter()
                        .filter_map(|v| match v {
                            Expr::Value(v) => Some(v),
                            _ => None,
                        })
                        .collect(),
                ))
            } else {
                Expr::List(items)
            }
        }
        Expr::Bag(items) => Expr::Value(bag(elements(items)?)?),
        Expr::Cmp(op, x, y) => Expr::Cmp(op, b(x)?, b(y)?),
        Expr::And(x, y) => Expr::And(b(x)?, b(y)?),
        Expr::Or(x, y) => Expr::Or(b(x)?, b(y)?),
        Expr::Not(x) => Expr::Not(b(x)?),
        Expr::Between(x, y, z) => Expr::Between(b(x)?, b(y)?, b(z)?),
        Expr::In(x, list) => Expr::In(b(x)?, all(list)?),
        Expr::Is(x, t, n) => Expr::Is(b(x)?, t, n),
        Expr::Call(name, args) => Expr::Call(name, all(args)?),
        Expr::Add(x, y) => Expr::Add(b(x)?, b(y)?),
        Expr::Sub(x, y) => Expr::Sub(b(x)?, b(y)?),
        other => other,
    })
}

/// `<<...>>`: a string set or a number set (a set parameter stands for itself).
fn bag(items: Vec<Expr>) -> Result<AttributeValue, PartiqlError> {
    if items.is_empty() {
        return Err(PartiqlError::new(msg::EMPTY_BAG));
    }
    let mut strings = Vec::new();
    let mut numbers = Vec::new();
    for item in items {
        match item {
            Expr::Value(AttributeValue::S(s)) => {
                if !strings.contains(&s) {
                    strings.push(s);
                }
            }
            Expr::Value(AttributeValue::N(n)) => {
                if !numbers.contains(&n) {
                    numbers.push(n);
                }
            }
            _ => return Err(PartiqlError::new(msg::BAG_TYPES)),
        }
    }
    match (strings.is_empty(), numbers.is_empty()) {
        (false, true) => Ok(AttributeValue::Ss(strings)),
        (true, false) => Ok(AttributeValue::Ns(numbers)),
        _ => Err(PartiqlError::new(msg::BAG_TYPES)),
    }
}

/// Parses and binds in one step.
pub fn prepare(text: &str, params: &[AttributeValue]) -> Result<Statement, PartiqlError> {
    let (stmt, count) = parse(text)?;
    if params.len() < count {
        return Err(PartiqlError::new(msg::PARAMETER_COUNT));
    }
    bind(stmt, params)
}

/// The table (and index) a SELECT, UPDATE or DELETE names must be valid names, checked before
/// the table is looked up; an INSERT's table is only looked up (as DynamoDB Local 1.25.1 does).
pub fn check_names(stmt: &Statement) -> Result<(), PartiqlError> {
    let index = match stmt {
        Statement::Select(s) | Statement::Exists(s) => s.index.as_deref(),
        Statement::Insert(_) => return Ok(()),
        _ => None,
    };
    if !dynolab_model::wire::is_table_name(stmt.table())
        || index.is_some_and(|i| !dynolab_model::wire::is_table_name(i))
    {
        return Err(PartiqlError::new(msg::TABLE_NAME));
    }
    Ok(())
}
