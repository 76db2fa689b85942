//! Property test: any condition AST prints to text that parses back to the same AST, and
//! printing does not change what the condition evaluates to.

use dynolab_expr::Condition;
use dynolab_expr::{CmpOp, Cond, ConditionKind, Operand, Params, Path, PathElem, parse_condition};
use dynolab_model::{AttributeValue, Item, Number};
use proptest::prelude::*;

fn path() -> impl Strategy<Value = Path> {
    (
        "[a-zA-Z_ -]{1,8}",
        prop::collection::vec(
            prop_oneof![
                "[a-z]{1,4}".prop_map(PathElem::Attr),
                (0usize..5).prop_map(PathElem::Index)
            ],
            0..3,
        ),
    )
        .prop_map(|(head, rest)| {
            let mut v = vec![PathElem::Attr(head)];
            v.extend(rest);
            Path(v)
        })
}

fn value() -> impl Strategy<Value = AttributeValue> {
    prop_oneof![
        "[a-z]{0,4}".prop_map(AttributeValue::S),
        (-50i64..50).prop_map(|n| AttributeValue::N(Number::from_i64(n))),
    ]
}

fn operand() -> impl Strategy<Value = Operand> {
    prop_oneof![
        path().prop_map(Operand::Path),
        value().prop_map(Operand::Value),
        path().prop_map(|p| Operand::Size(Box::new(Operand::Path(p)))),
    ]
}

fn leaf() -> impl Strategy<Value = Cond> {
    let op = prop_oneof![
        Just(CmpOp::Eq),
        Just(CmpOp::Ne),
        Just(CmpOp::Lt),
        Just(CmpOp::Le),
        Just(CmpOp::Gt),
        Just(CmpOp::Ge)
    ];
    prop_oneof![
        (op, path(), operand()).prop_map(|(o, p, b)| Cond::Cmp(o, Operand::Path(p), b)),
        path().prop_map(Cond::AttributeExists),
        path().prop_map(Cond::AttributeNotExists),
        (path(), value()).prop_map(|(p, v)| Cond::Contains(Operand::Path(p), Operand::Value(v))),
        (path(), prop::collection::vec(value(), 1..4)).prop_map(|(p, vs)| Cond::In(
            Operand::Path(p),
            vs.into_iter().map(Operand::Value).collect()
        )),
    ]
}

fn cond() -> impl Strategy<Value = Cond> {
    leaf().prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Cond::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Cond::Or(Box::new(a), Box::new(b))),
            inner.prop_map(|a| Cond::Not(Box::new(a))),
        ]
    })
}

/// Removes comparisons DynamoDB rejects at parse time (`a = a` with identical paths), so
/// the generated AST is one a parser can produce.
fn acceptable(c: &Cond) -> bool {
    match c {
        Cond::And(a, b) | Cond::Or(a, b) => acceptable(a) && acceptable(b),
        Cond::Not(a) => acceptable(a),
        Cond::Cmp(_, Operand::Path(a), Operand::Path(b)) => a != b,
        _ => true,
    }
}

proptest! {
    #[test]
    fn print_parse_round_trip(c in cond().prop_filter("distinct operands", acceptable)) {
        let original = Condition::from_ast(c);
        let printed = original.to_expression();
        let mut params = Params::new(Some(printed.names.clone()), Some(printed.values.clone()));
        let parsed = parse_condition(&printed.text, ConditionKind::Filter, &mut params)
            .map_err(|e| TestCaseError::fail(format!("{}: {e}", printed.text)))?;
        prop_assert_eq!(&parsed, &original);
        prop_assert!(params.check_unused().is_ok());
        let mut item = Item::new();
        item.insert("a".into(), AttributeValue::S("x".into()));
        prop_assert_eq!(parsed.eval(&item), original.eval(&item));
    }
}
