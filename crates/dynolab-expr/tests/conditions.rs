//! Data-driven tests of condition evaluation and of condition / filter / projection / update
//! error messages, plus parse → print → parse round trips.

use std::collections::HashMap;

use dynolab_expr::{ConditionKind, Params, parse_condition, parse_projection, parse_update};
use dynolab_model::value::item_from_json;
use dynolab_model::{AttributeValue, Item};
use serde_json::json;

fn item() -> Item {
    let v = json!({
        "pk": {"S": "p1"},
        "s": {"S": "hello"},
        "n": {"N": "5"},
        "b": {"B": "AQID"},
        "t": {"BOOL": true},
        "z": {"NULL": true},
        "ss": {"SS": ["a", "b"]},
        "ns": {"NS": ["1", "2"]},
        "bs": {"BS": ["AQ=="]},
        "l": {"L": [{"S": "x"}, {"N": "2"}, {"M": {"k": {"S": "v"}}}]},
        "m": {"M": {"a": {"M": {"b": {"N": "10"}}}, "status": {"S": "on"}}},
        "emp": {"S": ""}
    });
    item_from_json(v.as_object().unwrap()).unwrap()
}

fn params() -> Params {
    let values = json!({
        ":s": {"S": "hello"}, ":h": {"S": "he"}, ":ll": {"S": "ll"}, ":x": {"S": "x"},
        ":a": {"S": "a"}, ":n5": {"N": "5"}, ":n1": {"N": "1"}, ":n2": {"N": "2"}, ":n10": {"N": "10"},
        ":n3": {"N": "3"}, ":sn5": {"S": "5"}, ":b": {"B": "AQID"}, ":b1": {"B": "AQ=="},
        ":b23": {"B": "AgM="}, ":t": {"BOOL": true}, ":null": {"NULL": true},
        ":ss": {"SS": ["b", "a"]}, ":ty_s": {"S": "S"}, ":ty_n": {"S": "N"}, ":ty_ss": {"S": "SS"},
        ":ty_m": {"S": "M"}, ":ty_l": {"S": "L"}, ":ty_null": {"S": "NULL"}, ":ty_bool": {"S": "BOOL"},
        ":m": {"M": {"k": {"S": "v"}}}, ":on": {"S": "on"}
    });
    let names = json!({"#st": "status", "#m": "m", "#dash": "a-b"});
    Params::from_json(names.as_object(), values.as_object()).unwrap()
}

const EVAL_CASES: &[(&str, bool)] = &[
    ("s = :s", true),
    ("s <> :s", false),
    ("s = :h", false),
    ("n = :n5", true),
    ("n = :sn5", false),
    ("n <> :sn5", true),
    ("nope = :s", false),
    ("nope <> :s", true),
    // Absent <> absent is true: Alternator's test_update_condition_ne_two_unset, verified
    // against DynamoDB (issue 20, item 1).
    ("nope <> gone", true),
    ("nope = gone", false),
    // `NOT condition` nests (Developer Guide grammar; issue 20, item 5).
    ("NOT NOT s = :s", true),
    ("NOT NOT NOT s = :s", false),
    ("n > :n1", true),
    ("n >= :n5", true),
    ("n < :n5", false),
    ("n <= :n5", true),
    ("s > :h", true),
    ("s < :sn5", false),
    ("n < :sn5", false),
    ("b = :b", true),
    ("b > :b1", true),
    ("n BETWEEN :n1 AND :n10", true),
    ("n BETWEEN :n1 AND :n3", false),
    ("s BETWEEN :h AND :s", true),
    ("nope BETWEEN :n1 AND :n10", false),
    ("n IN (:n1, :n5)", true),
    ("n IN (:n1, :n2)", false),
    ("nope IN (:n1)", false),
    ("ss = :ss", true),
    ("attribute_exists(s)", true),
    ("attribute_exists(nope)", false),
    ("attribute_not_exists(nope)", true),
    ("attribute_exists(m.a.b)", true),
    ("attribute_exists(m.a.c)", false),
    ("attribute_exists(l[2].k)", true),
    ("attribute_exists(l[3])", false),
    ("attribute_exists(s[0])", false),
    ("attribute_type(s, :ty_s)", true),
    ("attribute_type(n, :ty_s)", false),
    ("attribute_type(ss, :ty_ss)", true),
    ("attribute_type(m, :ty_m)", true),
    ("attribute_type(l, :ty_l)", true),
    ("attribute_type(z, :ty_null)", true),
    ("attribute_type(t, :ty_bool)", true),
    ("attribute_type(nope, :ty_s)", false),
    ("begins_with(s, :h)", true),
    ("begins_with(s, :ll)", false),
    ("begins_with(b, :b1)", true),
    ("begins_with(n, :h)", false),
    ("begins_with(nope, :h)", false),
    ("contains(s, :ll)", true),
    ("contains(s, :x)", false),
    ("contains(ss, :a)", true),
    ("contains(ss, :x)", false),
    ("contains(ns, :n2)", true),
    ("contains(ns, :sn5)", false),
    ("contains(bs, :b1)", true),
    ("contains(b, :b23)", true),
    ("contains(l, :x)", true),
    ("contains(l, :n2)", true),
    ("contains(l, :m)", true),
    ("contains(l, :a)", false),
    ("contains(n, :n5)", false),
    ("size(s) = :n5", true),
    ("size(ss) = :n2", true),
    ("size(l) = :n3", true),
    ("size(m) = :n2", true),
    ("size(b) = :n3", true),
    ("size(n) = :n1", false),
    ("size(n) <> :n1", true),
    ("size(nope) = :n1", false),
    ("size(nope) < :n1", false),
    ("size(emp) < :n1", true),
    ("size(s) > size(ss)", true),
    ("m.a.b = :n10", true),
    ("#m.#st = :on", true),
    ("m.#st = :on", true),
    ("l[1] = :n2", true),
    ("l[0] = :x", true),
    ("NOT s = :s", false),
    ("NOT (s = :s)", false),
    ("s = :s AND n = :n1", false),
    ("s = :s OR n = :n1", true),
    // AND binds tighter than OR; NOT tighter than AND.
    ("n = :n1 AND s = :s OR n = :n5", true),
    ("n = :n5 OR s = :h AND n = :n1", true),
    ("(n = :n5 OR s = :h) AND n = :n1", false),
    ("NOT n = :n1 AND s = :s", true),
    ("NOT (n = :n1 AND s = :s)", true),
    ("NOT n = :n5 OR s = :s", true),
    ("(s) = :s", true),
    ("s=:s and n=:n5", true),
    ("\ts = :s\n", true),
];

#[test]
fn condition_evaluation_table() {
    let item = item();
    for (expr, expected) in EVAL_CASES {
        let mut p = params();
        let c = parse_condition(expr, ConditionKind::Condition, &mut p)
            .unwrap_or_else(|e| panic!("{expr}: {e}"));
        assert_eq!(c.eval(&item), *expected, "{expr}");
    }
}

#[test]
fn nope_item_is_an_empty_map() {
    let mut p = params();
    let c = parse_condition("attribute_not_exists(pk)", ConditionKind::Condition, &mut p).unwrap();
    assert!(c.eval(&Item::new()));
    assert!(!c.eval(&item()));
}

fn values(v: serde_json::Value) -> Option<HashMap<String, AttributeValue>> {
    Some(
        v.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), AttributeValue::from_json(v).unwrap()))
            .collect(),
    )
}

fn std_params() -> Params {
    Params::new(
        Some(HashMap::from([
            ("#a".to_string(), "a".to_string()),
            ("#b".to_string(), "b".to_string()),
        ])),
        values(json!({
            ":s": {"S": "x"}, ":n": {"N": "1"}, ":n2": {"N": "2"}, ":t": {"BOOL": true},
            ":l": {"L": []}, ":ss": {"SS": ["a"]}, ":ty": {"S": "X"}, ":ts": {"S": "S"}, ":m": {"M": {}}
        })),
    )
}

const CONDITION_ERRORS: &[(&str, &str)] = &[
    (
        "",
        "Invalid ConditionExpression: The expression can not be empty;",
    ),
    (
        "a = = :s",
        "Invalid ConditionExpression: Syntax error; token: \"=\", near: \"= = :s\"",
    ),
    (
        "a =",
        "Invalid ConditionExpression: Syntax error; token: <EOF>, near: \"=\"",
    ),
    (
        "a > 4",
        "Invalid ConditionExpression: Syntax error; token: \"4\", near: \"> 4\"",
    ),
    (
        "a = :s b",
        "Invalid ConditionExpression: Syntax error; token: \"b\", near: \":s b\"",
    ),
    (
        "attribute_type()",
        "Invalid ConditionExpression: Syntax error; token: \")\", near: \"()\"",
    ),
    (
        "a = :s AND",
        "Invalid ConditionExpression: Syntax error; token: <EOF>, near: \"AND\"",
    ),
    (
        "a $ b",
        "Invalid ConditionExpression: Syntax error; token: \"$\", near: \"a $ b\"",
    ),
    (
        "((a = :s))",
        "Invalid ConditionExpression: The expression has redundant parentheses;",
    ),
    (
        "status = :s",
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status",
    ),
    (
        "a.Size = :s",
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: Size",
    ),
    (
        "#c = :s",
        "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #c",
    ),
    (
        "a = :nope",
        "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :nope",
    ),
    (
        "foo(a)",
        "Invalid ConditionExpression: Invalid function name; function: foo",
    ),
    (
        "SIZE(a) = :n",
        "Invalid ConditionExpression: Invalid function name; function: SIZE",
    ),
    (
        "list_append(a, :l) = :l",
        "Invalid ConditionExpression: The function is not allowed in a condition expression; function: list_append",
    ),
    (
        "size(a)",
        "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size",
    ),
    (
        "a = :s AND size(a)",
        "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: size",
    ),
    (
        "attribute_exists(a) = :t",
        "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: attribute_exists",
    ),
    (
        "size(contains(a, :s)) = :n",
        "Invalid ConditionExpression: The function is not allowed to be used this way in an expression; function: contains",
    ),
    (
        "attribute_exists(a, b)",
        "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: attribute_exists, number of operands: 2",
    ),
    (
        "begins_with(a)",
        "Invalid ConditionExpression: Incorrect number of operands for operator or function; operator or function: begins_with, number of operands: 1",
    ),
    (
        "attribute_exists(:s)",
        "Invalid ConditionExpression: Operator or function requires a document path; operator or function: attribute_exists",
    ),
    (
        "begins_with(a, :n)",
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: begins_with, operand type: N",
    ),
    (
        "size(:n) = :n",
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: size, operand type: N",
    ),
    (
        "attribute_type(a, :n)",
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N",
    ),
    (
        "attribute_type(a, b)",
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}",
    ),
    (
        "attribute_type(a, :ty)",
        "Invalid ConditionExpression: Invalid attribute type name found; type: X, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
    ),
    (
        "a = a",
        "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: =, first operand: [a]",
    ),
    // Issue 20, item 4: BETWEEN and IN too (DynamoDB's message, as DynamoDB Local gives it).
    (
        "a BETWEEN a AND :n",
        "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: BETWEEN, first operand: [a]",
    ),
    (
        "a IN (:n, a)",
        "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: IN, first operand: [a]",
    ),
    (
        "contains(#a.b, a.#b)",
        "Invalid ConditionExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: contains, first operand: [a, b]",
    ),
    (
        "a > :t",
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: >, operand type: BOOL",
    ),
    (
        "size(a) > :m",
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: >, operand type: M",
    ),
    (
        "attribute_exists(z) OR a <= :ss",
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: <=, operand type: SS",
    ),
    (
        "a BETWEEN :t AND :t",
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: BETWEEN, operand type: BOOL",
    ),
    (
        "a BETWEEN :n AND :s",
        "Invalid ConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:x}",
    ),
    (
        "a BETWEEN :n2 AND :n",
        "Invalid ConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {N:2}, upper bound operand: AttributeValue: {N:1}",
    ),
    // Precedence between categories: parens > unknown function > misused > reserved > the rest.
    (
        "((status = :nope))",
        "Invalid ConditionExpression: The expression has redundant parentheses;",
    ),
    (
        "status = :s AND foo(a)",
        "Invalid ConditionExpression: Invalid function name; function: foo",
    ),
    (
        "#zz = :s AND status = :s",
        "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status",
    ),
    // Within conditions the first faulty predicate wins.
    (
        "a > :t AND #zz = :s",
        "Invalid ConditionExpression: Incorrect operand type for operator or function; operator or function: >, operand type: BOOL",
    ),
];

#[test]
fn condition_error_table() {
    for (expr, msg) in CONDITION_ERRORS {
        let mut p = std_params();
        let err = parse_condition(expr, ConditionKind::Condition, &mut p)
            .err()
            .unwrap_or_else(|| panic!("{expr} should fail"));
        assert_eq!(err.message(), *msg, "{expr}");
    }
}

#[test]
fn filter_errors_carry_the_filter_prefix_and_size_limit() {
    let mut p = std_params();
    let e = parse_condition("a = ", ConditionKind::Filter, &mut p).unwrap_err();
    assert!(
        e.message()
            .starts_with("Invalid FilterExpression: Syntax error; token: <EOF>")
    );
    let long = format!("a{} = :s", "z".repeat(4096));
    let e = parse_condition(&long, ConditionKind::Filter, &mut p).unwrap_err();
    assert_eq!(
        e.message(),
        format!(
            "Invalid FilterExpression: Expression size has exceeded the maximum allowed size; expression size: {}",
            long.len()
        )
    );
    let e = parse_projection(&"a".repeat(4097), &mut p).unwrap_err();
    assert_eq!(
        e.message(),
        "Invalid ProjectionExpression: Expression size has exceeded the maximum allowed size;"
    );
    assert!(parse_projection(&"a".repeat(4096), &mut p).is_ok());
}

#[test]
fn in_operand_limit() {
    let mut vals = serde_json::Map::new();
    let mut list = Vec::new();
    for i in 0..101 {
        vals.insert(format!(":v{i}"), json!({"N": i.to_string()}));
        list.push(format!(":v{i}"));
    }
    let mut p = Params::from_json(None, Some(&vals)).unwrap();
    let expr = format!("a IN ({})", list.join(", "));
    assert_eq!(
        parse_condition(&expr, ConditionKind::Condition, &mut p)
            .unwrap_err()
            .message(),
        "Invalid ConditionExpression: The IN operator is provided with too many operands; number of operands: 101"
    );
    let expr = format!("a IN ({})", list[..100].join(", "));
    assert!(parse_condition(&expr, ConditionKind::Condition, &mut p).is_ok());
}

const UPDATE_ERRORS: &[(&str, &str)] = &[
    (
        "",
        "Invalid UpdateExpression: The expression can not be empty;",
    ),
    (
        "INVALID SYNTAX HERE",
        "Invalid UpdateExpression: Syntax error; token: \"INVALID\", near: \"INVALID SYNTAX\"",
    ),
    (
        "ADD hits : incr",
        "Invalid UpdateExpression: Syntax error; token: \":\", near: \"hits : incr\"",
    ),
    (
        "SET",
        "Invalid UpdateExpression: Syntax error; token: <EOF>, near: \"SET\"",
    ),
    (
        "SET a = :s,",
        "Invalid UpdateExpression: Syntax error; token: <EOF>, near: \",\"",
    ),
    (
        "SET a = :s SET b = :s",
        "Invalid UpdateExpression: The \"SET\" section can only be used once in an update expression;",
    ),
    (
        "SET status = :s",
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status",
    ),
    (
        "SET a = size(b)",
        "Invalid UpdateExpression: The function is not allowed in an update expression; function: size",
    ),
    (
        "SET a = foo(b)",
        "Invalid UpdateExpression: Invalid function name; function: foo",
    ),
    (
        "SET a = list_append(:l)",
        "Invalid UpdateExpression: Incorrect number of operands for operator or function; operator or function: list_append, number of operands: 1",
    ),
    (
        "SET a = list_append(:s, b)",
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: list_append, operand type: S",
    ),
    (
        "SET a = if_not_exists(:s, b)",
        "Invalid UpdateExpression: Operator or function requires a document path; operator or function: if_not_exists",
    ),
    (
        "SET a = b + :s",
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: +, operand type: S",
    ),
    (
        "SET a = :l - b",
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator or function: -, operand type: L",
    ),
    (
        "SET #c = :s",
        "Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #c",
    ),
    (
        "SET a = :zz",
        "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :zz",
    ),
    (
        "SET a = :s REMOVE a.b",
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
    ),
    (
        "REMOVE a[1], a.b",
        "Invalid UpdateExpression: Two document paths conflict with each other; must remove or rewrite one of these paths; path one: [a, [1]], path two: [a, b]",
    ),
    (
        "SET #a = :s, a = :n",
        "Invalid UpdateExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a]",
    ),
    (
        "ADD a :s",
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: STRING",
    ),
    (
        "ADD a :l",
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: LIST",
    ),
    (
        "DELETE a :n",
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: NUMBER",
    ),
    (
        "DELETE a :t",
        "Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: BOOLEAN",
    ),
    (
        "SET a = if_not_exists(a, a)",
        "Invalid UpdateExpression: The first operand must be distinct from the remaining operands for this operator or function; operator: if_not_exists, first operand: [a]",
    ),
    // Precedence: reserved before everything else.
    (
        "SET a = foo(b), status = :s",
        "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status",
    ),
];

#[test]
fn update_error_table() {
    for (expr, msg) in UPDATE_ERRORS {
        let mut p = std_params();
        let err = parse_update(expr, &mut p)
            .err()
            .unwrap_or_else(|| panic!("{expr} should fail"));
        assert_eq!(err.message(), *msg, "{expr}");
    }
}

const PROJECTION_ERRORS: &[(&str, &str)] = &[
    (
        "",
        "Invalid ProjectionExpression: The expression can not be empty;",
    ),
    (
        "l[a]",
        "Invalid ProjectionExpression: Syntax error; token: \"a\", near: \"[a]\"",
    ),
    (
        "a,",
        "Invalid ProjectionExpression: Syntax error; token: <EOF>, near: \",\"",
    ),
    (
        "a, data",
        "Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: data",
    ),
    (
        "a.#u",
        "Invalid ProjectionExpression: An expression attribute name used in the document path is not defined; attribute name: #u",
    ),
    (
        "a, a.b",
        "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
    ),
    (
        "x, a.b, a",
        "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a, b], path two: [a]",
    ),
    (
        "alist[0], alist",
        "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [alist, [0]], path two: [alist]",
    ),
    (
        "#a, #a.#b",
        "Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite one of these paths; path one: [a], path two: [a, b]",
    ),
];

#[test]
fn projection_error_table() {
    for (expr, msg) in PROJECTION_ERRORS {
        let mut p = std_params();
        let err = parse_projection(expr, &mut p)
            .err()
            .unwrap_or_else(|| panic!("{expr} should fail"));
        assert_eq!(err.message(), *msg, "{expr}");
    }
}

#[test]
fn unused_placeholders_are_tracked_across_expressions() {
    let mut p = std_params();
    parse_condition("#a = :s", ConditionKind::Condition, &mut p).unwrap();
    parse_update("SET #b = :n", &mut p).unwrap();
    assert_eq!(
        p.check_unused().unwrap_err().message(),
        "Value provided in ExpressionAttributeValues unused in expressions: keys: {:l, :m, :n2, :ss, :t, :ts, :ty}"
    );
    let mut p = std_params();
    parse_projection("#a", &mut p).unwrap();
    assert_eq!(
        p.check_unused().unwrap_err().message(),
        "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"
    );
}

#[test]
fn round_trip_through_the_printer() {
    let conds = [
        "a = :s OR NOT b.c[2] <> :n AND size(#a) >= :n2",
        "a BETWEEN :n AND :n2 AND a IN (:n, :n2)",
        "attribute_exists(#a.#b) OR attribute_not_exists(x) OR attribute_type(a, :ts) OR begins_with(a, :s) OR contains(a, :s)",
        "(a = :s OR b = :s) AND NOT (c = :s)",
    ];
    for text in conds {
        let mut p = std_params();
        let c = parse_condition(text, ConditionKind::Filter, &mut p).unwrap();
        let printed = c.to_expression();
        let mut p2 = Params::new(Some(printed.names.clone()), Some(printed.values.clone()));
        let again = parse_condition(&printed.text, ConditionKind::Filter, &mut p2)
            .unwrap_or_else(|e| panic!("{}: {e}", printed.text));
        assert_eq!(c, again, "{text} -> {}", printed.text);
        assert!(p2.check_unused().is_ok());
    }
    let updates = [
        "SET a = list_append(if_not_exists(a, :l), :l), b = c + :n REMOVE d[1], e.f ADD g :ss DELETE h :ss",
        "REMOVE x SET y = z - :n",
    ];
    for text in updates {
        let mut p = std_params();
        let u = parse_update(text, &mut p).unwrap();
        let printed = u.to_expression();
        let mut p2 = Params::new(Some(printed.names.clone()), Some(printed.values.clone()));
        assert_eq!(
            u,
            parse_update(&printed.text, &mut p2).unwrap(),
            "{}",
            printed.text
        );
    }
    let mut p = std_params();
    let proj = parse_projection("a.b[3].c, #a, d", &mut p);
    // `#a` (= a) overlaps `a.b[3].c`.
    assert!(proj.is_err());
    let proj = parse_projection("a.b[3].c, x, d", &mut p).unwrap();
    let printed = proj.to_expression();
    let mut p2 = Params::new(Some(printed.names.clone()), None);
    assert_eq!(proj, parse_projection(&printed.text, &mut p2).unwrap());
}
