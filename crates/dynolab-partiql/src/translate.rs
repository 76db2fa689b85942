//! From a bound PartiQL statement to dynolab-expr's AST: WHERE clauses become [`Cond`]s
//! (evaluated by the same evaluator as ConditionExpression and FilterExpression), SET / REMOVE
//! become [`UpdateAction`]s, and the key equalities of a WHERE clause become a key item (for
//! UPDATE / DELETE) or a partition and sort-key range (for SELECT as a Query).

use dynolab_expr::{
    CmpOp, Cond, Operand, Path, RangeCondition, SetOperand, SetValue, UpdateAction, bound_text,
    orderable,
};
use dynolab_model::{AttributeValue, Item, ValueType};

use crate::ast::{Assign, Expr, IsType};
use crate::error::{PartiqlError, msg};

fn unsupported(what: &str) -> PartiqlError {
    PartiqlError::new(format!("Unsupported operation: {what}"))
}

fn not_boolean() -> PartiqlError {
    PartiqlError::new("WHERE clause must contain an expression that resolves to a boolean")
}

/// A comparison or function operand.
fn operand(e: &Expr) -> Result<Operand, PartiqlError> {
    match e {
        Expr::Path(p) => Ok(Operand::Path(p.clone())),
        Expr::Value(v) => Ok(Operand::Value(v.clone())),
        Expr::Missing => Err(PartiqlError::new(msg::MISSING_COMPARED)),
        Expr::Call(name, args) if name == "size" => match args.as_slice() {
            [inner] => Ok(Operand::Size(Box::new(operand(inner)?))),
            _ => Err(PartiqlError::new(format!("Unrecognized function: {name}"))),
        },
        Expr::Call(name, _) => Err(PartiqlError::new(format!("Unrecognized function: {name}"))),
        Expr::Add(..) | Expr::Sub(..) => Err(unsupported("arithmetic in a condition")),
        _ => Err(not_boolean()),
    }
}

fn path_arg(e: &Expr) -> Result<Path, PartiqlError> {
    match e {
        Expr::Path(p) => Ok(p.clone()),
        _ => Err(PartiqlError::new(
            "The left hand side argument to IS must be a Variable Reference, Literal, or Path",
        )),
    }
}

fn type_name(t: IsType) -> &'static str {
    match t {
        IsType::Missing => "",
        IsType::Null => "NULL",
        IsType::Boolean => "BOOL",
        IsType::String => "S",
        IsType::Numeric => "N",
        IsType::Blob => "B",
        IsType::Struct => "M",
        IsType::List => "L",
    }
}

fn args<const N: usize>(name: &str, args: &[Expr]) -> Result<[Operand; N], PartiqlError> {
    let arity = || {
        PartiqlError::new(format!(
            "Incorrect number of arguments for function: {name}"
        ))
    };
    if args.len() != N {
        return Err(arity());
    }
    let ops: Vec<Operand> = args.iter().map(operand).collect::<Result<_, _>>()?;
    ops.try_into().map_err(|_| arity())
}

/// A WHERE clause (or one of its parts) as a condition.
///
/// Recurses once per AND / OR / NOT, on a stack grown on the heap when a level would not fit
/// (a WHERE within the parser's operator limit is a tree up to a thousand deep, which
/// overflowed a 2 MiB stack in a debug build); the leaves are translated by [`leaf`], so
/// that each level's frame stays small.
pub fn condition(e: &Expr) -> Result<Cond, PartiqlError> {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || condition_level(e))
}

fn condition_level(e: &Expr) -> Result<Cond, PartiqlError> {
    Ok(match e {
        Expr::And(a, b) => Cond::And(Box::new(condition(a)?), Box::new(condition(b)?)),
        Expr::Or(a, b) => Cond::Or(Box::new(condition(a)?), Box::new(condition(b)?)),
        Expr::Not(a) => Cond::Not(Box::new(condition(a)?)),
        _ => leaf(e)?,
    })
}

/// A condition that is not AND / OR / NOT, with the operand checks DynamoDB makes of it.
#[inline(never)]
fn leaf(e: &Expr) -> Result<Cond, PartiqlError> {
    let c = unchecked_leaf(e)?;
    check_operands(&c)?;
    Ok(c)
}

fn operand_type(name: &str, t: ValueType) -> PartiqlError {
    PartiqlError::new(format!(
        "Incorrect operand type for operator or function; operator or function: {name}, operand type: {}",
        t.as_str()
    ))
}

/// The type an operand has before any item is read: a constant's, or N for `size(...)`.
fn static_type(o: &Operand) -> Option<ValueType> {
    match o {
        Operand::Value(v) => Some(v.value_type()),
        Operand::Size(_) => Some(ValueType::N),
        Operand::Path(_) => None,
    }
}

/// The checks of a condition expression's operators and functions, on constants (the PartiQL
/// spelling of their messages: "operator or function: <"; measured against DynamoDB Local).
fn check_operands(c: &Cond) -> Result<(), PartiqlError> {
    let orderable = |name: &str, ops: &[&Operand]| match ops
        .iter()
        .filter_map(|o| static_type(o))
        .find(|t| !orderable(*t))
    {
        Some(t) => Err(operand_type(name, t)),
        None => Ok(()),
    };
    let operands: Vec<&Operand> = match c {
        Cond::Cmp(op, a, b) => {
            if !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                orderable(op.symbol(), &[a, b])?;
            }
            vec![a, b]
        }
        Cond::Between(x, lo, hi) => {
            orderable("BETWEEN", &[x, lo, hi])?;
            if let (Operand::Value(l), Operand::Value(h)) = (lo, hi) {
                let bounds = format!(
                    "lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
                    bound_text(l),
                    bound_text(h)
                );
                if l.value_type() != h.value_type() {
                    return Err(PartiqlError::new(format!(
                        "The BETWEEN operator requires same data type for lower and upper bounds; {bounds}"
                    )));
                }
                if l.compare(h) == Some(std::cmp::Ordering::Greater) {
                    return Err(PartiqlError::new(format!(
                        "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; {bounds}"
                    )));
                }
            }
            vec![x, lo, hi]
        }
        Cond::BeginsWith(a, b) => {
            if let Some(t) = [a, b]
                .into_iter()
                .filter_map(static_type)
                .find(|t| !matches!(t, ValueType::S | ValueType::B))
            {
                return Err(operand_type("begins_with", t));
            }
            vec![a, b]
        }
        Cond::AttributeType(a, b) => {
            match b {
                Operand::Value(AttributeValue::S(t)) => {
                    if ValueType::parse(t).is_none() {
                        return Err(PartiqlError::new(format!(
                            "Invalid attribute type name found; type: {t}, valid types: {{N,BS,L,B,NULL,M,S,SS,NS,BOOL}}"
                        )));
                    }
                }
                other => {
                    if let Some(t) = static_type(other) {
                        return Err(operand_type("attribute_type", t));
                    }
                }
            }
            vec![a]
        }
        Cond::Contains(a, b) => vec![a, b],
        Cond::In(x, list) => std::iter::once(x).chain(list).collect(),
        _ => Vec::new(),
    };
    for o in operands {
        if let Operand::Size(inner) = o
            && let Some(t) = static_type(inner)
                .filter(|t| matches!(t, ValueType::N | ValueType::Bool | ValueType::Null))
        {
            return Err(operand_type("size", t));
        }
    }
    Ok(())
}

fn unchecked_leaf(e: &Expr) -> Result<Cond, PartiqlError> {
    Ok(match e {
        Expr::Cmp(op, a, b) => Cond::Cmp(*op, operand(a)?, operand(b)?),
        Expr::Between(x, lo, hi) => Cond::Between(operand(x)?, operand(lo)?, operand(hi)?),
        Expr::In(x, list) => {
            if list.is_empty() || !matches!(**x, Expr::Path(_)) {
                return Err(PartiqlError::new(
                    "IN operator must have a left hand argument of type Variable Reference and right hand argument of type Seq with at least one member",
                ));
            }
            Cond::In(
                operand(x)?,
                list.iter().map(operand).collect::<Result<_, _>>()?,
            )
        }
        Expr::Is(x, IsType::Missing, negated) => {
            let p = path_arg(x)?;
            if *negated {
                Cond::AttributeExists(p)
            } else {
                Cond::AttributeNotExists(p)
            }
        }
        Expr::Is(x, t, negated) => {
            let c = Cond::AttributeType(
                Operand::Path(path_arg(x)?),
                Operand::Value(AttributeValue::S(type_name(*t).to_string())),
            );
            if *negated { Cond::Not(Box::new(c)) } else { c }
        }
        Expr::Call(name, a) => match name.as_str() {
            "begins_with" => {
                let [x, y] = args::<2>(name, a)?;
                Cond::BeginsWith(x, y)
            }
            "contains" => {
                let [x, y] = args::<2>(name, a)?;
                Cond::Contains(x, y)
            }
            "attribute_type" => {
                let [x, y] = args::<2>(name, a)?;
                Cond::AttributeType(x, y)
            }
            "attribute_exists" | "exists" => match args::<1>(name, a)? {
                [Operand::Path(p)] => Cond::AttributeExists(p),
                _ => return Err(not_boolean()),
            },
            "attribute_not_exists" => match args::<1>(name, a)? {
                [Operand::Path(p)] => Cond::AttributeNotExists(p),
                _ => return Err(not_boolean()),
            },
            _ => {
                return Err(PartiqlError::new(format!("Unrecognized function: {name}")));
            }
        },
        _ => return Err(not_boolean()),
    })
}

/// The top-level conjuncts of a WHERE clause (`a AND (b AND c)` gives `a`, `b`, `c`).
pub fn conjuncts(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::And(a, b) => {
            let mut out = conjuncts(a);
            out.extend(conjuncts(b));
            out
        }
        other => vec![other],
    }
}

/// `name = value` (either way round) on a top-level attribute: the name and the value.
fn equality(e: &Expr) -> Option<(&str, &AttributeValue)> {
    match e {
        Expr::Cmp(CmpOp::Eq, a, b) => match (&**a, &**b) {
            (Expr::Path(p), Expr::Value(v)) | (Expr::Value(v), Expr::Path(p)) if !p.is_nested() => {
                Some((p.head(), v))
            }
            _ => None,
        },
        _ => None,
    }
}

/// The item an UPDATE / DELETE (or a transactional read) identifies: one equality per key
/// attribute among the top-level conjuncts. The other conjuncts are returned as a condition.
pub fn key_item(where_: &Expr, keys: &[&str]) -> Result<(Item, Option<Cond>), PartiqlError> {
    let mut key = Item::new();
    let mut rest: Option<Cond> = None;
    for c in conjuncts(where_) {
        if let Some((name, v)) = equality(c)
            && keys.contains(&name)
            && !key.contains_key(name)
        {
            key.insert(name.to_string(), v.clone());
            continue;
        }
        let cond = condition(c)?;
        rest = Some(match rest {
            None => cond,
            Some(r) => Cond::And(Box::new(r), Box::new(cond)),
        });
    }
    if key.len() < keys.len() {
        return Err(PartiqlError::new(msg::INCOMPLETE_KEY));
    }
    Ok((key, rest))
}

/// The partition-key values a SELECT's WHERE pins with `=` or `IN` among its top-level
/// conjuncts, or in every branch of a top-level OR (`pk = 1 OR pk = 2`): `Some` makes the
/// SELECT a Query of those partitions, in the order written; `None` a Scan.
pub fn partition_values(where_: &Expr, hash: &str) -> Option<Vec<AttributeValue>> {
    if let Expr::Or(a, b) = where_ {
        let mut values = partition_values(a, hash)?;
        for v in partition_values(b, hash)? {
            if !values.contains(&v) {
                values.push(v);
            }
        }
        return Some(values);
    }
    for c in conjuncts(where_) {
        if let Some((name, v)) = equality(c)
            && name == hash
        {
            return Some(vec![v.clone()]);
        }
        if let Expr::In(x, list) = c
            && matches!(&**x, Expr::Path(p) if !p.is_nested() && p.head() == hash)
        {
            let mut values: Vec<AttributeValue> = Vec::new();
            for e in list {
                let Expr::Value(v) = e else { return None };
                if !values.contains(v) {
                    values.push(v.clone());
                }
            }
            return Some(values);
        }
    }
    None
}

/// The first top-level sort-key condition a Query can use as its key range.
pub fn range_condition(where_: &Expr, range: &str) -> Option<RangeCondition> {
    let is_range = |e: &Expr| matches!(e, Expr::Path(p) if !p.is_nested() && p.head() == range);
    for c in conjuncts(where_) {
        match c {
            Expr::Cmp(op, a, b) => {
                let (op, v) = match (&**a, &**b) {
                    (x, Expr::Value(v)) if is_range(x) => (*op, v),
                    (Expr::Value(v), x) if is_range(x) => (op.flipped(), v),
                    _ => continue,
                };
                let v = v.clone();
                return Some(match op {
                    CmpOp::Eq => RangeCondition::Eq(v),
                    CmpOp::Lt => RangeCondition::Lt(v),
                    CmpOp::Le => RangeCondition::Le(v),
                    CmpOp::Gt => RangeCondition::Gt(v),
                    CmpOp::Ge => RangeCondition::Ge(v),
                    CmpOp::Ne => continue,
                });
            }
            Expr::Between(x, lo, hi) if is_range(x) => {
                if let (Expr::Value(lo), Expr::Value(hi)) = (&**lo, &**hi) {
                    return Some(RangeCondition::Between(lo.clone(), hi.clone()));
                }
            }
            Expr::Call(name, a) if name == "begins_with" && a.len() == 2 && is_range(&a[0]) => {
                if let Expr::Value(v) = &a[1] {
                    return Some(RangeCondition::BeginsWith(v.clone()));
                }
            }
            _ => {}
        }
    }
    None
}

/// The constants a SELECT's WHERE compares key attributes with, split as DynamoDB splits the
/// statement before reading (measured against DynamoDB Local 1.25.1, which reports them in this
/// order): `filter` holds the operands of the top-level conjuncts that are not the key condition
/// (any comparison, `BETWEEN`, `IN`, `begins_with` or `contains` on a top-level attribute in
/// `names`, under any `NOT`; `OR` branches are not looked into), in the order written;
/// `key_condition` the operands of the conjuncts a Query of `hash` (pinned by `=`) and `range`
/// uses as its key condition, partition key first.
pub struct KeyOperands<'a> {
    pub filter: Vec<(&'a str, &'a AttributeValue)>,
    pub key_condition: Vec<(&'a str, &'a AttributeValue)>,
}

pub fn key_operands<'a>(
    where_: &'a Expr,
    hash: &str,
    range: Option<&str>,
    names: &[&str],
) -> KeyOperands<'a> {
    let all = conjuncts(where_);
    let hash_at = all
        .iter()
        .position(|c| equality(c).is_some_and(|(name, _)| name == hash));
    let range_at = match (hash_at, range) {
        (Some(_), Some(r)) => all.iter().position(|c| is_range_condition(c, r)),
        _ => None,
    };
    let mut out = KeyOperands {
        filter: Vec::new(),
        key_condition: Vec::new(),
    };
    for (i, c) in all.iter().enumerate() {
        if Some(i) != hash_at && Some(i) != range_at {
            operands_on(c, names, &mut out.filter);
        }
    }
    for at in [hash_at, range_at].into_iter().flatten() {
        operands_on(all[at], names, &mut out.key_condition);
    }
    out
}

/// The first nested path (`a.b`, `a[0]`) in `e`, in the order written, whose top-level name
/// is one of `names`: DynamoDB refuses a SELECT that looks inside a key attribute. The parser
/// bounds the nesting, so the recursion is bounded.
pub fn nested_path_on<'a>(e: &'a Expr, names: &[&str]) -> Option<&'a str> {
    let within = |list: &'a [Expr]| list.iter().find_map(|x| nested_path_on(x, names));
    match e {
        Expr::Path(p) => (p.is_nested() && names.contains(&p.head())).then(|| p.head()),
        Expr::Value(_) | Expr::Param(_) | Expr::Num(_) | Expr::Missing => None,
        Expr::Map(members) => members.iter().find_map(|(_, x)| nested_path_on(x, names)),
        Expr::List(list) | Expr::Bag(list) | Expr::Call(_, list) => within(list),
        Expr::Cmp(_, a, b)
        | Expr::And(a, b)
        | Expr::Or(a, b)
        | Expr::Add(a, b)
        | Expr::Sub(a, b) => nested_path_on(a, names).or_else(|| nested_path_on(b, names)),
        Expr::Not(a) | Expr::Is(a, _, _) => nested_path_on(a, names),
        Expr::Between(a, b, c) => [a, b, c].into_iter().find_map(|x| nested_path_on(x, names)),
        Expr::In(a, list) => nested_path_on(a, names).or_else(|| within(list)),
    }
}

/// Whether `range_condition` would take this conjunct as the key range.
fn is_range_condition(c: &Expr, range: &str) -> bool {
    let is_range = |e: &Expr| matches!(e, Expr::Path(p) if !p.is_nested() && p.head() == range);
    match c {
        Expr::Cmp(op, a, b) => {
            *op != CmpOp::Ne
                && matches!((&**a, &**b), (x, Expr::Value(_)) | (Expr::Value(_), x) if is_range(x))
        }
        Expr::Between(x, lo, hi) => {
            is_range(x) && matches!((&**lo, &**hi), (Expr::Value(_), Expr::Value(_)))
        }
        Expr::Call(name, a) => {
            name == "begins_with"
                && a.len() == 2
                && is_range(&a[0])
                && matches!(a[1], Expr::Value(_))
        }
        _ => false,
    }
}

/// The constants one conjunct compares an attribute in `names` with.
fn operands_on<'a>(c: &'a Expr, names: &[&str], out: &mut Vec<(&'a str, &'a AttributeValue)>) {
    let key = |e: &'a Expr| match e {
        Expr::Path(p) if !p.is_nested() && names.contains(&p.head()) => Some(p.head()),
        _ => None,
    };
    match c {
        Expr::Not(inner) => operands_on(inner, names, out),
        Expr::Cmp(_, a, b) => match (&**a, &**b) {
            (x, Expr::Value(v)) | (Expr::Value(v), x) => out.extend(key(x).map(|k| (k, v))),
            _ => {}
        },
        Expr::Between(x, lo, hi) => {
            if let Some(k) = key(x) {
                for e in [&**lo, &**hi] {
                    if let Expr::Value(v) = e {
                        out.push((k, v));
                    }
                }
            }
        }
        Expr::In(x, list) => {
            if let Some(k) = key(x) {
                out.extend(list.iter().filter_map(|e| match e {
                    Expr::Value(v) => Some((k, v)),
                    _ => None,
                }));
            }
        }
        Expr::Call(name, a) if (name == "begins_with" || name == "contains") && a.len() == 2 => {
            if let (Some(k), Expr::Value(v)) = (key(&a[0]), &a[1]) {
                out.push((k, v));
            }
        }
        _ => {}
    }
}

fn set_operand(e: &Expr) -> Result<SetOperand, PartiqlError> {
    match e {
        Expr::Path(p) => Ok(SetOperand::Path(p.clone())),
        Expr::Value(v) => Ok(SetOperand::Value(v.clone())),
        Expr::Call(name, a) if name == "list_append" && a.len() == 2 => Ok(SetOperand::ListAppend(
            Box::new(set_operand(&a[0])?),
            Box::new(set_operand(&a[1])?),
        )),
        Expr::Call(name, a) if name == "if_not_exists" && a.len() == 2 => match &a[0] {
            Expr::Path(p) => Ok(SetOperand::IfNotExists(
                p.clone(),
                Box::new(set_operand(&a[1])?),
            )),
            _ => Err(unsupported("if_not_exists")),
        },
        Expr::Call(name, _) => Err(PartiqlError::new(format!("Unrecognized function: {name}"))),
        Expr::Missing => Err(PartiqlError::new(msg::MISSING_COMPARED)),
        _ => Err(PartiqlError::new(
            "Unsupported operator in Update Expression. Operator: value",
        )),
    }
}

/// `SET path = set_add(path, <<...>>)` / `set_delete(...)`: ADD / DELETE of a set.
fn set_function(
    target: &Path,
    name: &str,
    a: &[Expr],
) -> Result<Option<UpdateAction>, PartiqlError> {
    let upper = match name {
        "set_add" => "ADD",
        "set_delete" => "DELETE",
        _ => return Ok(None),
    };
    if a.len() != 2 {
        return Err(PartiqlError::new(format!(
            "SET_{upper} must have exactly two arguments"
        )));
    }
    if !matches!(&a[0], Expr::Path(p) if p == target) {
        return Err(PartiqlError::new(format!(
            "The first argument to SET_{upper} must equal the assignment value"
        )));
    }
    let v = match &a[1] {
        Expr::Value(
            v @ (AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_)),
        ) => v.clone(),
        _ => {
            return Err(PartiqlError::new(format!(
                "The second argument to SET_{upper} must be a value with type SET"
            )));
        }
    };
    Ok(Some(if upper == "ADD" {
        UpdateAction::Add(target.clone(), v)
    } else {
        UpdateAction::Delete(target.clone(), v)
    }))
}

/// An UPDATE's SET and REMOVE actions as an update.
pub fn update(actions: &[Assign]) -> Result<dynolab_expr::Update, PartiqlError> {
    let mut out = Vec::with_capacity(actions.len());
    for a in actions {
        out.push(match a {
            Assign::Remove(p) => UpdateAction::Remove(p.clone()),
            Assign::Set(p, e) => {
                if let Expr::Call(name, args) = e
                    && let Some(action) = set_function(p, name, args)?
                {
                    out.push(action);
                    continue;
                }
                let value = match e {
                    Expr::Add(a, b) => SetValue::Plus(set_operand(a)?, set_operand(b)?),
                    Expr::Sub(a, b) => SetValue::Minus(set_operand(a)?, set_operand(b)?),
                    other => SetValue::Operand(set_operand(other)?),
                };
                UpdateAction::Set(p.clone(), value)
            }
        });
    }
    Ok(dynolab_expr::Update::from_actions(out))
}

/// The item of an INSERT: a literal (or parameter) map.
pub fn insert_item(value: &Expr) -> Result<Item, PartiqlError> {
    match value {
        Expr::Value(AttributeValue::M(m)) => Ok(m.clone()),
        Expr::Map(_) => Err(unsupported("a path inside an INSERT value")),
        _ => Err(PartiqlError::new(msg::INSERT_FORMAT)),
    }
}
