//! Table-driven parser and translation cases: statements that parse (with what they mean) and
//! statements DynamoDB refuses (with its message).

use dynolab_expr::{Cond, RangeCondition};
use dynolab_model::{AttributeValue, Number};
use dynolab_partiql::{Returning, Statement, prepare, translate};

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: &str) -> AttributeValue {
    AttributeValue::N(Number::parse(v).unwrap())
}

fn ok(text: &str) -> Statement {
    ok_with(text, &[])
}

fn ok_with(text: &str, params: &[AttributeValue]) -> Statement {
    prepare(text, params).unwrap_or_else(|e| panic!("{text}: {e}"))
}

const WELL: &str = "Statement wasn't well formed, can't be processed: ";

#[test]
fn refused_statements_answer_dynamodb_messages() {
    let cases: &[(&str, String)] = &[
        ("SELECT * FROM t WHERE pk = 1 foo", format!("{WELL}Unexpected token after expression")),
        ("DELETE FROM t WHERE pk = 1 ORDER BY pk", format!("{WELL}Unexpected token after expression")),
        ("SELECT * FROM t WHERE pk = 1)", format!("{WELL}Unexpected token after expression")),
        ("SELECT * FROM t WHERE", format!("{WELL}Unexpected term")),
        ("SELECT * FROM t WHERE;", format!("{WELL}Unexpected term")),
        ("SELECT * FROM t WHERE NOT", format!("{WELL}Unexpected term")),
        ("SELECT * FROM t WHERE (", format!("{WELL}Unexpected term")),
        ("SELECT * FROM", format!("{WELL}Unexpected term")),
        ("SELECT * FROM t WHERE pk = 'a' AND", format!("{WELL}Missing right-hand side expression of infix operator")),
        ("SELECT * FROM t WHERE pk = 'a' OR", format!("{WELL}Missing right-hand side expression of infix operator")),
        ("SELECT * FROM t WHERE ORDER BY pk", format!("{WELL}Unexpected keyword")),
        ("SELECT * FROM t WHERE IS NULL", format!("{WELL}Unexpected operator")),
        ("SELECT * FROM t WHERE pk = 'a' AND x IS FOO", format!("{WELL}Expected type name")),
        ("DELETE FROM", format!("{WELL}Expected identifier for simple path")),
        ("DELETE FROM WHERE pk = 'a'", format!("{WELL}Expected identifier for simple path")),
        ("SELECT * FROM t WHERE pk = 1 /* note", WELL.to_string()),
        ("SELECT * FROM t WHERE pk = 'open", WELL.to_string()),
        ("SELECT * FROM t WHERE pk = 1 # note", WELL.to_string()),
        ("UPSERT INTO t VALUE {'pk': 1}", format!("{WELL}Expected data manipulation")),
        ("SELECT * FROM t x WHERE pk = 'x'", "Aliasing is not supported".into()),
        ("SELECT * FROM t AS x WHERE pk = 'x'", "Aliasing is not supported".into()),
        ("UPDATE t x SET a = 3 WHERE pk = 'x'", "Aliasing is not supported".into()),
        ("DELETE FROM t x WHERE pk = 'x'", "Aliasing is not supported".into()),
        ("INSERT INTO t x VALUE {'pk': 'x'}", format!("{WELL}Unexpected token after expression")),
        ("SELECT *, a FROM t", "Other attributes should not be present in the projection when '*' is used.".into()),
        ("SELECT * FROM a.b.c", "A path may contain at most 2 components in the FROM clause".into()),
        ("SELECT * FROM \"\" WHERE pk = 'p'", "Path component cannot be an empty string".into()),
        ("SELECT * FROM t.\"\" WHERE pk = 'p'", "Path component cannot be an empty string".into()),
        ("SELECT * FROM t WHERE pk = ?", "Number of parameters in request and statement don't match.".into()),
        ("INSERT INTO t VALUE {'pk': 'a'} RETURNING ALL OLD *", "RETURNING is not supported in INSERT".into()),
        ("DELETE FROM t WHERE pk = 'a' RETURNING ALL NEW *", "Invalid returning clause: RETURNING ALL NEW *. Only RETURNING ALL OLD * is allowed in DELETE statements.".into()),
        ("UPDATE t SET a = 1 WHERE pk = 'a' RETURNING ALL NEW", "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause".into()),
        ("INSERT INTO t VALUE {'pk': 'a', 's': <<>>}", "Empty bags are not supported".into()),
        ("INSERT INTO t VALUE {'pk': 'a', 's': <<1, 'x'>>}", "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags".into()),
        ("INSERT INTO t VALUES ('a')", "Unsupported operation: Inserting multiple items in a single statement is not supported, use \"INSERT INTO tableName VALUE item\" instead".into()),
        ("SELECT * FROM t WHERE pk = 1e126", "Number overflow. Attempting to store a number with magnitude larger than supported range under root".into()),
        ("SELECT * FROM t WHERE pk = 1e-131", "Number underflow. Attempting to store a number with magnitude smaller than supported range under root".into()),
        ("SELECT * FROM t WHERE pk = 123456789012345678901234567890123456789", "Attempting to store more than 38 significant digits in a Number under root".into()),
        ("INSERT INTO t VALUE {'pk': 1e126}", "Number overflow. Attempting to store a number with magnitude larger than supported range under root".into()),
        ("UPDATE t SET a = 1e-131 WHERE pk = 1", "Number underflow. Attempting to store a number with magnitude smaller than supported range under root".into()),
        ("INSERT INTO t VALUE {'pk': 1, 'm': {'x': 1e126}}", "Number overflow. Attempting to store a number with magnitude larger than supported range under root.x".into()),
        ("INSERT INTO t VALUE {'pk': 1, 'l': [1, 1e126]}", "Number overflow. Attempting to store a number with magnitude larger than supported range under root[1]".into()),
        ("SELECT * FROM t WHERE pk = 1e2147483648", WELL.to_string()),
        ("SELECT * FROM t WHERE pk = 1.5e-2147483647", WELL.to_string()),
        ("SELECT * FROM t WHERE pk = 1 e5", format!("{WELL}Unexpected token after expression")),
        ("UPDATE t SET a = 1", "Where clause does not contain a mandatory equality on all key attributes".into()),
        ("DELETE FROM t", "Where clause does not contain a mandatory equality on all key attributes".into()),
        ("FROM t SET c = 1", "Where clause does not contain a mandatory equality on all key attributes".into()),
        ("FROM t REMOVE a", "Where clause does not contain a mandatory equality on all key attributes".into()),
        ("FROM t SET c = 1 WHERE pk = 'x'", format!("{WELL}Unexpected token after expression")),
        ("FROM t WHERE pk = 'x' SET c = 1 WHERE pk = 'x'", format!("{WELL}Unexpected token after expression")),
    ];
    for (text, want) in cases {
        match prepare(text, &[]) {
            Ok(stmt) => panic!("{text} parsed: {stmt:?}"),
            Err(e) => assert_eq!(&e.message, want, "{text}"),
        }
    }
}

#[test]
fn accepted_statements_parse_to_their_meaning() {
    // Keywords in any case, quoted names, comments and a final semicolon.
    let Statement::Select(sel) =
        ok("select a, \"b\".c, d[1] FROM \"T\".\"idx\" -- comment\n where pk = 'x' /* c */ ;")
    else {
        panic!()
    };
    assert_eq!(sel.table, "T");
    assert_eq!(sel.index.as_deref(), Some("idx"));
    let paths: Vec<String> = sel
        .projection
        .unwrap()
        .iter()
        .map(|p| p.to_string())
        .collect();
    assert_eq!(paths, ["a", "b.c", "d[1]"]);

    let Statement::Select(sel) = ok("SELECT * FROM t WHERE pk = 'x' ORDER BY sk DESC") else {
        panic!()
    };
    assert_eq!(sel.order_by, Some(("sk".to_string(), true)));
    assert!(sel.projection.is_none());

    let Statement::Insert(ins) = ok(
        "INSERT INTO t VALUE {'pk': 'a', 'n': -1.5, 'l': [1, 'x', true, null], 'm': {'k': 'v'}, 'ss': <<'a', 'b'>>, 'ns': <<1, 2>>}",
    ) else {
        panic!()
    };
    let item = translate::insert_item(&ins.value).unwrap();
    assert_eq!(item["pk"], s("a"));
    assert_eq!(item["n"], n("-1.5"));
    assert_eq!(
        item["l"],
        AttributeValue::L(vec![
            n("1"),
            s("x"),
            AttributeValue::Bool(true),
            AttributeValue::Null
        ])
    );
    assert_eq!(item["ss"], AttributeValue::Ss(vec!["a".into(), "b".into()]));
    assert_eq!(
        item["ns"],
        AttributeValue::Ns(vec![
            Number::parse("1").unwrap(),
            Number::parse("2").unwrap()
        ])
    );
    let AttributeValue::M(m) = &item["m"] else {
        panic!()
    };
    assert_eq!(m["k"], s("v"));

    // Strings escape a quote by doubling it.
    let Statement::Insert(ins) = ok("INSERT INTO t VALUE {'pk': 'it''s'}") else {
        panic!()
    };
    assert_eq!(translate::insert_item(&ins.value).unwrap()["pk"], s("it's"));

    let Statement::Update(up) = ok(
        "UPDATE t SET a = 1, b = b + 2 SET c = list_append(c, [3]) REMOVE d WHERE pk = 'k' AND sk = 2 AND a < 5 RETURNING MODIFIED NEW *",
    ) else {
        panic!()
    };
    assert_eq!(up.returning, Some(Returning::ModifiedNew));
    assert_eq!(up.actions.len(), 4);
    let update = translate::update(&up.actions).unwrap();
    assert_eq!(update.top_level_targets(), ["a", "b", "c", "d"]);
    let (key, rest) = translate::key_item(&up.where_, &["pk", "sk"]).unwrap();
    assert_eq!(key["pk"], s("k"));
    assert_eq!(key["sk"], n("2"));
    assert!(matches!(rest, Some(Cond::Cmp(..))));

    let Statement::Update(up) = ok("FROM t WHERE pk = 'k' SET a = 1 REMOVE b") else {
        panic!()
    };
    assert_eq!(up.actions.len(), 2);
    assert_eq!(
        translate::key_item(&up.where_, &["pk"]).unwrap().0["pk"],
        s("k")
    );

    let Statement::Delete(del) = ok("DELETE FROM t WHERE pk = 'k' RETURNING ALL OLD *") else {
        panic!()
    };
    assert_eq!(del.returning, Some(Returning::AllOld));
    assert!(matches!(
        translate::key_item(&del.where_, &["pk", "sk"])
            .unwrap_err()
            .message
            .as_str(),
        "Where clause does not contain a mandatory equality on all key attributes"
    ));

    let Statement::Exists(sel) = ok("EXISTS(SELECT * FROM t WHERE pk = 'a' AND x IS MISSING)")
    else {
        panic!()
    };
    assert_eq!(sel.table, "t");
}

#[test]
fn parameters_bind_in_order_and_extra_ones_are_ignored() {
    let Statement::Select(sel) = ok_with(
        "SELECT * FROM t WHERE pk = ? AND sk > ? AND note <> 'a?b'",
        &[s("p"), n("3"), s("unused")],
    ) else {
        panic!()
    };
    let w = sel.where_.unwrap();
    assert_eq!(translate::partition_values(&w, "pk"), Some(vec![s("p")]));
    assert_eq!(
        translate::range_condition(&w, "sk"),
        Some(RangeCondition::Gt(n("3")))
    );
    let Statement::Insert(ins) = ok_with(
        "INSERT INTO t VALUE ?",
        &[AttributeValue::M([("pk".to_string(), s("p"))].into())],
    ) else {
        panic!()
    };
    assert_eq!(translate::insert_item(&ins.value).unwrap()["pk"], s("p"));
}

#[test]
fn where_clauses_choose_query_or_scan() {
    let where_of = |text: &str| match ok(text) {
        Statement::Select(s) => s.where_.unwrap(),
        _ => panic!(),
    };
    let cases: &[(&str, Option<Vec<AttributeValue>>)] = &[
        ("SELECT * FROM t WHERE pk = 'a'", Some(vec![s("a")])),
        (
            "SELECT * FROM t WHERE 'a' = pk AND x = 1",
            Some(vec![s("a")]),
        ),
        (
            "SELECT * FROM t WHERE pk IN ['a', 'b', 'a']",
            Some(vec![s("a"), s("b")]),
        ),
        ("SELECT * FROM t WHERE pk IN ('a')", Some(vec![s("a")])),
        ("SELECT * FROM t WHERE pk = 'a' OR x = 1", None),
        (
            "SELECT * FROM t WHERE pk = 'a' OR pk = 'b'",
            Some(vec![s("a"), s("b")]),
        ),
        (
            "SELECT * FROM t WHERE pk = 'a' AND x = 1 OR pk IN ['c', 'a']",
            Some(vec![s("a"), s("c")]),
        ),
        (
            "SELECT * FROM t WHERE pk = 'a' OR (x = 1 AND pk > 'b')",
            None,
        ),
        ("SELECT * FROM t WHERE NOT pk = 'a'", None),
        ("SELECT * FROM t WHERE pk > 'a'", None),
        ("SELECT * FROM t WHERE x = 1", None),
        ("SELECT * FROM t WHERE m.pk = 'a'", None),
    ];
    for (text, want) in cases {
        assert_eq!(
            &translate::partition_values(&where_of(text), "pk"),
            want,
            "{text}"
        );
    }
    let ranges: &[(&str, Option<RangeCondition>)] = &[
        (
            "SELECT * FROM t WHERE pk = 'a' AND sk BETWEEN 1 AND 5",
            Some(RangeCondition::Between(n("1"), n("5"))),
        ),
        (
            "SELECT * FROM t WHERE pk = 'a' AND begins_with(sk, 'x')",
            Some(RangeCondition::BeginsWith(s("x"))),
        ),
        (
            "SELECT * FROM t WHERE pk = 'a' AND 3 < sk",
            Some(RangeCondition::Gt(n("3"))),
        ),
        ("SELECT * FROM t WHERE pk = 'a' AND sk <> 3", None),
    ];
    for (text, want) in ranges {
        assert_eq!(
            &translate::range_condition(&where_of(text), "sk"),
            want,
            "{text}"
        );
    }
}

#[test]
fn conditions_translate_to_the_expression_ast() {
    let cond = |text: &str| match ok(text) {
        Statement::Select(s) => translate::condition(&s.where_.unwrap()),
        _ => panic!(),
    };
    let item: dynolab_model::Item = [
        ("pk".to_string(), s("a")),
        ("n".to_string(), n("4")),
        ("tags".to_string(), AttributeValue::Ss(vec!["x".into()])),
        ("nul".to_string(), AttributeValue::Null),
    ]
    .into();
    let cases: &[(&str, bool)] = &[
        ("SELECT * FROM t WHERE n = 4", true),
        ("SELECT * FROM t WHERE n BETWEEN 1 AND 3", false),
        ("SELECT * FROM t WHERE n NOT BETWEEN 1 AND 3", true),
        ("SELECT * FROM t WHERE n IN [1, 4]", true),
        ("SELECT * FROM t WHERE n NOT IN [1, 4]", false),
        ("SELECT * FROM t WHERE gone IS MISSING", true),
        ("SELECT * FROM t WHERE n IS NOT MISSING", true),
        ("SELECT * FROM t WHERE nul IS NULL", true),
        ("SELECT * FROM t WHERE n IS NUMERIC AND pk IS STRING", true),
        ("SELECT * FROM t WHERE begins_with(pk, 'a')", true),
        ("SELECT * FROM t WHERE contains(tags, 'x')", true),
        ("SELECT * FROM t WHERE size(pk) = 1", true),
        ("SELECT * FROM t WHERE attribute_type(n, 'N')", true),
        (
            "SELECT * FROM t WHERE attribute_exists(gone) OR NOT n <> 4",
            true,
        ),
        ("SELECT * FROM t WHERE n > 4 OR n < 4", false),
    ];
    for (text, want) in cases {
        let c = cond(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(
            dynolab_expr::Condition::from_ast(c).eval(&item),
            *want,
            "{text}"
        );
    }
    assert_eq!(
        cond("SELECT * FROM t WHERE n = MISSING")
            .unwrap_err()
            .message,
        "MISSING must be compared using IS operator"
    );
    assert_eq!(
        cond("SELECT * FROM t WHERE nope(n)").unwrap_err().message,
        "Unrecognized function: nope"
    );
}

#[test]
fn set_functions_become_add_and_delete() {
    let Statement::Update(up) =
        ok("UPDATE t SET s = set_add(s, <<'b'>>) SET r = set_delete(r, <<1>>) WHERE pk = 'k'")
    else {
        panic!()
    };
    let update = translate::update(&up.actions).unwrap();
    let mut item: dynolab_model::Item = [
        ("s".to_string(), AttributeValue::Ss(vec!["a".into()])),
        (
            "r".to_string(),
            AttributeValue::Ns(vec![Number::parse("1").unwrap()]),
        ),
    ]
    .into();
    update.apply(&mut item).unwrap();
    assert_eq!(item["s"], AttributeValue::Ss(vec!["a".into(), "b".into()]));
    assert!(!item.contains_key("r"));
    let Statement::Update(up) = ok("UPDATE t SET s = set_add(x, <<'b'>>) WHERE pk = 'k'") else {
        panic!()
    };
    assert_eq!(
        translate::update(&up.actions).unwrap_err().message,
        "The first argument to SET_ADD must equal the assignment value"
    );
    let Statement::Update(up) = ok("UPDATE t SET s = set_add(s, 'b') WHERE pk = 'k'") else {
        panic!()
    };
    assert_eq!(
        translate::update(&up.actions).unwrap_err().message,
        "The second argument to SET_ADD must be a value with type SET"
    );
}

/// Deep nesting and long operator chains are refused with a ValidationException's message,
/// never a crash: each case runs on a thread with tokio's default 2 MiB stack (the server's
/// request threads have more), in this unoptimised build.
#[test]
fn nesting_and_operator_limits() {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            let nested = |depth: usize| {
                format!(
                    "SELECT * FROM t WHERE {}a = 1{}",
                    "(".repeat(depth),
                    ")".repeat(depth)
                )
            };
            assert!(dynolab_partiql::parse(&nested(10)).is_ok());
            assert!(dynolab_partiql::parse(&nested(100)).is_ok());
            for depth in [101, 1000, 4000] {
                let err = dynolab_partiql::parse(&nested(depth)).unwrap_err();
                assert_eq!(
                    err.message,
                    "Statement wasn't well formed, can't be processed: Expression nesting exceeds the supported depth",
                    "depth {depth}"
                );
            }
            let bare = format!("SELECT * FROM t WHERE {}", "(".repeat(8000));
            assert!(dynolab_partiql::parse(&bare).is_err());
            let nots = format!("SELECT * FROM t WHERE {}a = 1", "NOT ".repeat(2000));
            assert!(dynolab_partiql::parse(&nots).is_err());
            let lists = format!("INSERT INTO t VALUE {{'a': {}1{}}}", "[".repeat(3000), "]".repeat(3000));
            assert!(dynolab_partiql::parse(&lists).is_err());
            // Chains build deep trees without nesting: bounded by the operator count.
            let chain = |n: usize| format!("SELECT * FROM t WHERE a = {}", vec!["1"; n].join(" + "));
            assert!(dynolab_partiql::parse(&chain(900)).is_ok());
            assert_eq!(
                dynolab_partiql::parse(&chain(2000)).unwrap_err().message,
                "Statement wasn't well formed, can't be processed: Expression contains too many operators"
            );
            let ands = vec!["a = 1"; 1200].join(" AND ");
            assert!(dynolab_partiql::parse(&format!("SELECT * FROM t WHERE {ands}")).is_err());
        })
        .unwrap()
        .join()
        .unwrap();
}
