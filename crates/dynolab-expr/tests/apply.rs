//! Update apply, projection apply, key conditions and legacy conversion.

use dynolab_expr::legacy::{self, AttributeUpdate, ExpectedAttr, FilterCondition};
use dynolab_expr::{
    ConditionKind, Params, RangeCondition, parse_condition, parse_key_condition, parse_projection,
    parse_update,
};
use dynolab_model::value::{item_from_json, item_to_json};
use dynolab_model::{AttributeValue, Item, Number};
use serde_json::{Value, json};

fn item(v: Value) -> Item {
    item_from_json(v.as_object().unwrap()).unwrap()
}

fn params(values: Value) -> Params {
    Params::from_json(None, values.as_object()).unwrap()
}

fn n(s: &str) -> AttributeValue {
    AttributeValue::N(Number::parse(s).unwrap())
}

/// (update, starting item, expected item or error message)
fn update_cases() -> Vec<(&'static str, Value, Result<Value, &'static str>)> {
    vec![
        ("SET a = :one", json!({}), Ok(json!({"a": {"N": "1"}}))),
        (
            "SET a = b + :one",
            json!({"b": {"N": "41"}}),
            Ok(json!({"a": {"N": "42"}, "b": {"N": "41"}})),
        ),
        (
            "SET a = a - :one",
            json!({"a": {"N": "0"}}),
            Ok(json!({"a": {"N": "-1"}})),
        ),
        (
            "SET a = b + :one",
            json!({}),
            Err("The provided expression refers to an attribute that does not exist in the item"),
        ),
        (
            "SET a = b + :one",
            json!({"b": {"S": "x"}}),
            Err("An operand in the update expression has an incorrect data type"),
        ),
        (
            "SET a = if_not_exists(a, :one)",
            json!({}),
            Ok(json!({"a": {"N": "1"}})),
        ),
        (
            "SET a = if_not_exists(a, :one)",
            json!({"a": {"S": "keep"}}),
            Ok(json!({"a": {"S": "keep"}})),
        ),
        (
            "SET l = list_append(l, :l)",
            json!({"l": {"L": [{"S": "x"}]}}),
            Ok(json!({"l": {"L": [{"S": "x"}, {"S": "y"}]}})),
        ),
        (
            "SET l = list_append(:l, l)",
            json!({"l": {"L": [{"S": "x"}]}}),
            Ok(json!({"l": {"L": [{"S": "y"}, {"S": "x"}]}})),
        ),
        (
            "SET l = list_append(if_not_exists(l, :empty), :l)",
            json!({}),
            Ok(json!({"l": {"L": [{"S": "y"}]}})),
        ),
        (
            "SET l = list_append(l, :l)",
            json!({"l": {"S": "x"}}),
            Err("An operand in the update expression has an incorrect data type"),
        ),
        (
            "SET l[1] = :one",
            json!({"l": {"L": [{"S": "x"}, {"S": "y"}]}}),
            Ok(json!({"l": {"L": [{"S": "x"}, {"N": "1"}]}})),
        ),
        (
            "SET l[9] = :one, l[5] = :two",
            json!({"l": {"L": [{"S": "x"}]}}),
            Ok(json!({"l": {"L": [{"S": "x"}, {"N": "2"}, {"N": "1"}]}})),
        ),
        (
            "SET m.k = :one",
            json!({"m": {"M": {}}}),
            Ok(json!({"m": {"M": {"k": {"N": "1"}}}})),
        ),
        (
            "SET m.k.j = :one",
            json!({"m": {"M": {}}}),
            Err("The document path provided in the update expression is invalid for update"),
        ),
        (
            "SET m.k = :one",
            json!({}),
            Err("The document path provided in the update expression is invalid for update"),
        ),
        (
            "SET l.k = :one",
            json!({"l": {"L": []}}),
            Err("The document path provided in the update expression is invalid for update"),
        ),
        (
            "REMOVE a, m.k",
            json!({"a": {"S": "x"}, "m": {"M": {"k": {"S": "v"}, "j": {"S": "w"}}}}),
            Ok(json!({"m": {"M": {"j": {"S": "w"}}}})),
        ),
        (
            "REMOVE nope",
            json!({"a": {"S": "x"}}),
            Ok(json!({"a": {"S": "x"}})),
        ),
        (
            "REMOVE l[1], l[2]",
            json!({"l": {"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}, {"N": "3"}]}}),
            Ok(json!({"l": {"L": [{"N": "0"}, {"N": "3"}]}})),
        ),
        (
            "REMOVE l[7]",
            json!({"l": {"L": [{"N": "0"}]}}),
            Ok(json!({"l": {"L": [{"N": "0"}]}})),
        ),
        (
            "SET l[2] = :one REMOVE l[0]",
            json!({"l": {"L": [{"N": "0"}, {"N": "1"}, {"N": "2"}]}}),
            Ok(json!({"l": {"L": [{"N": "1"}, {"N": "1"}]}})),
        ),
        ("ADD c :one", json!({}), Ok(json!({"c": {"N": "1"}}))),
        (
            "ADD c :one",
            json!({"c": {"N": "1.5"}}),
            Ok(json!({"c": {"N": "2.5"}})),
        ),
        (
            "ADD c :one",
            json!({"c": {"S": "x"}}),
            Err("An operand in the update expression has an incorrect data type"),
        ),
        (
            "ADD s :ss",
            json!({"s": {"SS": ["a", "z"]}}),
            Ok(json!({"s": {"SS": ["a", "z", "b"]}})),
        ),
        ("ADD s :ss", json!({}), Ok(json!({"s": {"SS": ["a", "b"]}}))),
        (
            "ADD s :ss",
            json!({"s": {"NS": ["1"]}}),
            Err("An operand in the update expression has an incorrect data type"),
        ),
        (
            "ADD m.c :one",
            json!({"m": {"M": {"c": {"N": "1"}}}}),
            Ok(json!({"m": {"M": {"c": {"N": "2"}}}})),
        ),
        (
            "DELETE s :ss",
            json!({"s": {"SS": ["a", "b", "c"]}}),
            Ok(json!({"s": {"SS": ["c"]}})),
        ),
        (
            "DELETE s :ss",
            json!({"s": {"SS": ["a", "b"]}, "x": {"S": "y"}}),
            Ok(json!({"x": {"S": "y"}})),
        ),
        ("DELETE s :ss", json!({}), Ok(json!({}))),
        (
            "DELETE s :ss",
            json!({"s": {"S": "a"}}),
            Err("An operand in the update expression has an incorrect data type"),
        ),
        (
            "SET a = :big + :big",
            json!({}),
            Err(
                "Number overflow. Attempting to store a number with magnitude larger than supported range",
            ),
        ),
        (
            "SET a = :one + :digits",
            json!({}),
            Err("Attempting to store more than 38 significant digits in a Number"),
        ),
        (
            "SET a = b, b = a",
            json!({"a": {"S": "A"}, "b": {"S": "B"}}),
            Ok(json!({"a": {"S": "B"}, "b": {"S": "A"}})),
        ),
    ]
}

fn std_values() -> Value {
    json!({
        ":one": {"N": "1"}, ":two": {"N": "2"}, ":l": {"L": [{"S": "y"}]}, ":empty": {"L": []},
        ":ss": {"SS": ["a", "b"]}, ":big": {"N": "9.9999999999999999999999999999999999999E+125"},
        ":digits": {"N": "0.12345678901234567890123456789012345678"}
    })
}

#[test]
fn update_apply_table() {
    for (expr, start, expected) in update_cases() {
        let mut p = params(std_values());
        let u = parse_update(expr, &mut p).unwrap_or_else(|e| panic!("{expr}: {e}"));
        let mut it = item(start.clone());
        match (u.apply(&mut it), expected) {
            (Ok(_), Ok(want)) => assert_eq!(item_to_json(&it), want, "{expr}"),
            (Err(e), Err(msg)) => {
                assert_eq!(e.message(), msg, "{expr}");
                assert_eq!(
                    item_to_json(&it),
                    start,
                    "{expr}: item must be unchanged on error"
                );
            }
            (got, want) => panic!("{expr}: got {got:?}, wanted {want:?}"),
        }
    }
}

#[test]
fn update_reports_touched_top_level_names() {
    let mut p = params(std_values());
    let u = parse_update("SET a.b = :one, c = :two REMOVE d ADD e :one", &mut p).unwrap();
    assert_eq!(u.top_level_targets(), vec!["a", "c", "d", "e"]);
    assert_eq!(
        u.nested_path_heads().into_iter().collect::<Vec<_>>(),
        vec!["a"]
    );
    let mut it = item(json!({"a": {"M": {}}, "d": {"S": "x"}}));
    let old = it.clone();
    let touched = u.apply(&mut it).unwrap();
    assert_eq!(
        touched.into_iter().collect::<Vec<_>>(),
        vec!["a", "c", "d", "e"]
    );
    let proj = u.updated_projection();
    assert_eq!(item_to_json(&proj.apply(&old)), json!({"d": {"S": "x"}}));
    assert_eq!(
        item_to_json(&proj.apply(&it)),
        json!({"a": {"M": {"b": {"N": "1"}}}, "c": {"N": "2"}, "e": {"N": "1"}})
    );
}

#[test]
fn projection_apply() {
    let it = item(json!({
        "pk": {"S": "p"},
        "mylist": {"L": [{"S": "zero"}, {"S": "one"}, {"S": "two"}, {"S": "three"}]},
        "lom": {"L": [{"M": {"val": {"S": "a0"}, "x": {"S": "x0"}}}, {"M": {"val": {"S": "a1"}}}, {"M": {"val": {"S": "a2"}, "x": {"S": "x2"}}}]},
        "deep": {"M": {"l1": {"M": {"l2": {"M": {"l3": {"S": "bottom"}, "sib": {"S": "s"}}}}}}},
        "withnull": {"L": [{"S": "k0"}, {"NULL": true}]}
    }));
    let cases = [
        (
            "mylist[2], mylist[0]",
            json!({"mylist": {"L": [{"S": "zero"}, {"S": "two"}]}}),
        ),
        (
            "mylist[1], mylist[3], mylist[9]",
            json!({"mylist": {"L": [{"S": "one"}, {"S": "three"}]}}),
        ),
        (
            "lom[0].val, lom[2].val",
            json!({"lom": {"L": [{"M": {"val": {"S": "a0"}}}, {"M": {"val": {"S": "a2"}}}]}}),
        ),
        (
            "deep.l1.l2.l3",
            json!({"deep": {"M": {"l1": {"M": {"l2": {"M": {"l3": {"S": "bottom"}}}}}}}}),
        ),
        ("withnull[1]", json!({"withnull": {"L": [{"NULL": true}]}})),
        ("pk, nope, deep.nope", json!({"pk": {"S": "p"}})),
        ("pk.x, mylist.x", json!({})),
    ];
    for (expr, want) in cases {
        let mut p = Params::new(None, None);
        let proj = parse_projection(expr, &mut p).unwrap_or_else(|e| panic!("{expr}: {e}"));
        assert_eq!(item_to_json(&proj.apply(&it)), want, "{expr}");
    }
    let mut p = Params::new(None, None);
    let proj = parse_projection("b.c, a, b.d", &mut p).unwrap();
    assert_eq!(proj.top_level_names(), vec!["b", "a"]);
}

fn key(text: &str, values: Value) -> Result<dynolab_expr::KeyConditionAst, String> {
    let mut p = params(values);
    parse_key_condition(text, &mut p).map_err(|e| e.message())
}

#[test]
fn key_condition_resolution() {
    let v = json!({":p": {"S": "p1"}, ":a": {"S": "a"}, ":b": {"S": "b"}, ":n": {"N": "3"}});
    let kc = key("pk = :p AND sk BETWEEN :a AND :b", v.clone()).unwrap();
    let r = kc.resolve("pk", Some("sk")).unwrap();
    assert_eq!(r.hash_value, AttributeValue::S("p1".into()));
    let range = r.range.unwrap();
    assert_eq!(
        range,
        RangeCondition::Between(AttributeValue::S("a".into()), AttributeValue::S("b".into()))
    );
    assert!(range.matches(&AttributeValue::S("aa".into())));
    assert!(!range.matches(&AttributeValue::S("c".into())));

    // Value first: the operator is flipped.
    let r = key(":n > sk AND :p = pk", v.clone())
        .unwrap()
        .resolve("pk", Some("sk"))
        .unwrap();
    assert_eq!(r.range, Some(RangeCondition::Lt(n("3"))));
    let r = key("begins_with(sk, :a) AND pk = :p", v.clone())
        .unwrap()
        .resolve("pk", Some("sk"))
        .unwrap();
    assert!(
        r.range
            .as_ref()
            .unwrap()
            .matches(&AttributeValue::S("abc".into()))
    );
    assert!(!r.range.unwrap().matches(&n("3")));
    let r = key("pk = :p", v.clone())
        .unwrap()
        .resolve("pk", Some("sk"))
        .unwrap();
    assert_eq!(r.range, None);

    let resolve_err = |text: &str, hash: &str, range: Option<&str>| {
        key(text, v.clone())
            .unwrap()
            .resolve(hash, range)
            .unwrap_err()
            .message()
    };
    assert_eq!(
        resolve_err("z = :p", "pk", Some("sk")),
        "Query condition missed key schema element: pk"
    );
    assert_eq!(
        resolve_err("pk = :p AND z = :a", "pk", Some("sk")),
        "Query condition missed key schema element: sk"
    );
    assert_eq!(
        resolve_err("pk = :p AND sk = :a", "pk", None),
        "Query key condition not supported"
    );
    assert_eq!(
        resolve_err("pk > :p", "pk", Some("sk")),
        "Query key condition not supported"
    );
    assert_eq!(
        resolve_err("sk = :a", "pk", Some("sk")),
        "Query condition missed key schema element: pk"
    );
}

#[test]
fn key_condition_shape_errors() {
    let v = json!({":a": {"S": "a"}, ":b": {"S": "b"}, ":n": {"N": "1"}});
    let cases = [
        (
            "a > b and size(b) > c or a > c",
            "Invalid operator used in KeyConditionExpression: OR",
        ),
        (
            "a in (b, size(c), d)",
            "Invalid operator used in KeyConditionExpression: IN",
        ),
        (
            "attribute_exists(a)",
            "Invalid operator used in KeyConditionExpression: attribute_exists",
        ),
        (
            "contains(a.d, b)",
            "Invalid operator used in KeyConditionExpression: contains",
        ),
        (
            "not a > b",
            "Invalid operator used in KeyConditionExpression: NOT",
        ),
        (
            "a <> b",
            "Invalid operator used in KeyConditionExpression: <>",
        ),
        (
            ":a between size(b) and size(a) and b > :b",
            "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand",
        ),
        (
            "begins_with(:a, b) and a > :b",
            "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand",
        ),
        (
            "size(b) > a AND a.b > b AND b > c",
            "KeyConditionExpressions cannot contain nested operations",
        ),
        (
            "a between size(b) and size(a)",
            "KeyConditionExpressions cannot contain nested operations",
        ),
        (
            "b > a.b",
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
        ),
        (
            "a between b and size(a)",
            "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
        ),
        (
            "b.d > a AND c.d > e.f",
            "KeyConditionExpressions cannot have conditions on nested attributes",
        ),
        (
            "b[0] > a",
            "KeyConditionExpressions cannot have conditions on nested attributes",
        ),
        (
            ":b > :a AND a < :b",
            "Invalid condition in KeyConditionExpression: No key attribute specified",
        ),
        (
            "b > :a AND b < :a and c = :a and d = :a",
            "KeyConditionExpressions must only contain one condition per key",
        ),
        (
            "a = :a and b = :a and c = :a",
            "Conditions can be of length 1 or 2 only",
        ),
        (
            "data.foo = :a",
            "Invalid KeyConditionExpression: Attribute name is a reserved keyword; reserved keyword: data",
        ),
        (
            "a between :b and :a",
            "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {S:b}, upper bound operand: AttributeValue: {S:a}",
        ),
        (
            "a between :n and :a",
            "Invalid KeyConditionExpression: The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {N:1}, upper bound operand: AttributeValue: {S:a}",
        ),
        (
            "",
            "Invalid KeyConditionExpression: The expression can not be empty;",
        ),
        (
            "things are not gonna be ok",
            "Invalid KeyConditionExpression: Syntax error; token: \"are\", near: \"things are not\"",
        ),
    ];
    for (text, msg) in cases {
        assert_eq!(key(text, v.clone()).unwrap_err(), msg, "{text}");
    }
}

#[test]
fn legacy_expected_and_filters() {
    let it = item(json!({"a": {"S": "x"}, "n": {"N": "5"}, "ss": {"SS": ["p", "q"]}}));
    let exp = |entries: Value, op: Option<&str>| {
        let e = ExpectedAttr::from_json(entries.as_object().unwrap())?;
        legacy::expected(&e, op)
    };
    assert!(
        exp(json!({"a": {"Value": {"S": "x"}}}), None)
            .unwrap()
            .eval(&it)
    );
    assert!(
        exp(json!({"zz": {"Exists": false}}), None)
            .unwrap()
            .eval(&it)
    );
    assert!(
        !exp(json!({"a": {"Exists": false}}), None)
            .unwrap()
            .eval(&it)
    );
    assert!(exp(json!({"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "4"}]}, "a": {"ComparisonOperator": "NULL"}}), Some("OR")).unwrap().eval(&it));
    assert!(!exp(json!({"n": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "4"}]}, "a": {"ComparisonOperator": "NULL"}}), None).unwrap().eval(&it));
    assert!(
        exp(
            json!({"ss": {"ComparisonOperator": "NOT_CONTAINS", "Value": {"S": "z"}}}),
            None
        )
        .unwrap()
        .eval(&it)
    );
    assert!(exp(json!({}), None).unwrap().eval(&it));
    let err = |entries: Value| exp(entries, None).unwrap_err().message();
    assert_eq!(
        err(json!({"a": {}})),
        "One or more parameter values were invalid: Value must be provided when Exists is null for Attribute: a"
    );
    assert_eq!(
        err(json!({"a": {"Exists": true}})),
        "One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: a"
    );
    assert_eq!(
        err(json!({"a": {"Exists": false, "Value": {"S": "x"}}})),
        "One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: a"
    );
    assert_eq!(
        err(json!({"a": {"ComparisonOperator": "EQ", "Exists": true}})),
        "One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together for Attribute: a"
    );
    assert_eq!(
        err(json!({"a": {"ComparisonOperator": "EQ"}})),
        "One or more parameter values were invalid: Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: a"
    );
    assert_eq!(
        err(json!({"a": {"AttributeValueList": [{"S": "x"}]}})),
        "One or more parameter values were invalid: AttributeValueList can only be used with a ComparisonOperator for Attribute: a"
    );
    assert_eq!(
        err(
            json!({"a": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"S": "b"}, {"S": "a"}]}})
        ),
        "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"
    );

    let filt = |entries: Value, op: Option<&str>| {
        let f = FilterCondition::from_json(entries.as_object().unwrap())?;
        legacy::filter(&f, op)
    };
    assert!(filt(json!({"n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [{"N": "1"}, {"N": "5"}]}}), None).unwrap().eval(&it));
    assert!(filt(json!({"a": {"ComparisonOperator": "IN", "AttributeValueList": [{"S": "y"}, {"S": "x"}]}}), None).unwrap().eval(&it));
    assert!(
        filt(
            json!({"a": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [{"S": "x"}]}}),
            None
        )
        .unwrap()
        .eval(&it)
    );
    assert!(
        filt(
            json!({"zz": {"ComparisonOperator": "NE", "AttributeValueList": [{"S": "x"}]}}),
            None
        )
        .unwrap()
        .eval(&it)
    );
    let ferr = |entries: Value| filt(entries, None).unwrap_err().message();
    assert_eq!(
        ferr(json!({"a": {"ComparisonOperator": "EQ"}})),
        "One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator"
    );
    assert_eq!(
        ferr(json!({"a": {"ComparisonOperator": "LT", "AttributeValueList": [{"BOOL": true}]}})),
        "One or more parameter values were invalid: ComparisonOperator LT is not valid for BOOL AttributeValue type"
    );
    assert_eq!(
        ferr(
            json!({"a": {"ComparisonOperator": "IN", "AttributeValueList": [{"S": "b"}, {"N": "1"}]}})
        ),
        "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type"
    );
    assert_eq!(
        ferr(json!({"a": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "x"}]}})),
        "The parameter cannot be converted to a numeric value: x"
    );
}

#[test]
fn legacy_key_conditions_updates_and_attributes_to_get() {
    let kc = |entries: Value| {
        let f = FilterCondition::from_json(entries.as_object().unwrap())?;
        legacy::key_conditions(&f)
    };
    let r = kc(json!({"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]}, "sk": {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "2"}]}}))
        .unwrap()
        .resolve("pk", Some("sk"))
        .unwrap();
    assert_eq!(r.range, Some(RangeCondition::Ge(n("2"))));
    let e = kc(json!({"pk": {"ComparisonOperator": "NULL"}}))
        .unwrap()
        .resolve("pk", None)
        .unwrap_err();
    assert_eq!(
        e.message(),
        "Attempted conditional constraint is not an indexable operation"
    );
    assert_eq!(
        kc(json!({})).unwrap_err().message(),
        "Conditions can be of length 1 or 2 only"
    );

    let upd = |entries: Value| {
        let u = AttributeUpdate::from_json(entries.as_object().unwrap())?;
        legacy::attribute_updates(&u)
    };
    let u = upd(json!({
        "p": {"Value": {"S": "put"}},
        "c": {"Action": "ADD", "Value": {"N": "2"}},
        "l": {"Action": "ADD", "Value": {"L": [{"S": "b"}]}},
        "s": {"Action": "DELETE", "Value": {"SS": ["x"]}},
        "gone": {"Action": "DELETE"}
    }))
    .unwrap();
    let mut it = item(
        json!({"c": {"N": "1"}, "l": {"L": [{"S": "a"}]}, "s": {"SS": ["x"]}, "gone": {"S": "bye"}}),
    );
    u.apply(&mut it).unwrap();
    assert_eq!(
        item_to_json(&it),
        json!({"c": {"N": "3"}, "l": {"L": [{"S": "a"}, {"S": "b"}]}, "p": {"S": "put"}})
    );
    let mut bad = item(json!({"c": {"S": "x"}}));
    let e = upd(json!({"c": {"Action": "ADD", "Value": {"N": "1"}}}))
        .unwrap()
        .apply(&mut bad)
        .unwrap_err();
    assert_eq!(e.message(), "Type mismatch for attribute to update");
    assert_eq!(
        upd(json!({"c": {"Action": "PUT"}})).unwrap_err().message(),
        "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified"
    );
    assert_eq!(
        upd(json!({"c": {"Action": "DELETE", "Value": {"S": "x"}}}))
            .unwrap_err()
            .message(),
        "One or more parameter values were invalid: DELETE action with value is not supported for the type S"
    );
    assert_eq!(
        upd(json!({"c": {"Action": "ADD", "Value": {"S": "x"}}}))
            .unwrap_err()
            .message(),
        "One or more parameter values were invalid: ADD action is not supported for the type S"
    );

    let p = legacy::attributes_to_get(&["a".into(), "b".into()]).unwrap();
    assert_eq!(
        item_to_json(&p.apply(&item(json!({"a": {"S": "1"}, "c": {"S": "3"}})))),
        json!({"a": {"S": "1"}})
    );
    assert_eq!(
        legacy::attributes_to_get(&["a".into(), "a".into()])
            .unwrap_err()
            .message(),
        "One or more parameter values were invalid: Duplicate value in attribute name: a"
    );
}

#[test]
fn filter_path_heads_for_key_checks() {
    let mut p = params(json!({":v": {"S": "x"}}));
    let c = parse_condition(
        "a.b = :v OR c = :v OR size(d[0]) = :v",
        ConditionKind::Filter,
        &mut p,
    )
    .unwrap();
    assert_eq!(
        c.path_heads().into_iter().collect::<Vec<_>>(),
        vec!["a", "c", "d"]
    );
    assert_eq!(
        c.nested_path_heads().into_iter().collect::<Vec<_>>(),
        vec!["a", "d"]
    );
}
