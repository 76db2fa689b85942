//! Grammar-aware proptest strategies for the bounded run: expression text built from
//! DynamoDB's expression grammar (with deep nesting and long operator chains), PartiQL
//! statements, DynamoDB JSON values, and requests whose members have the right type most of
//! the time and any JSON type otherwise.

use dynolab_expr::Params;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

/// The entry point's default placeholder maps, as `Params`.
pub fn params() -> Params {
    Params::from_json(
        Some(&dynolab_fuzz::default_names()),
        Some(&dynolab_fuzz::default_values()),
    )
    .unwrap()
}

fn name_placeholders() -> Vec<String> {
    dynolab_fuzz::default_names().keys().cloned().collect()
}

fn value_placeholders() -> Vec<String> {
    dynolab_fuzz::default_values().keys().cloned().collect()
}

// ---------------------------------------------------------------- expressions

fn attr() -> BoxedStrategy<String> {
    prop_oneof![
        4 => select(vec!["a", "b", "n", "s", "l", "m", "pk", "sk", "ss", "ns", "bs", "bo", "nu", "zz"])
            .prop_map(String::from),
        3 => select(name_placeholders()),
        1 => "[a-zA-Z_][a-zA-Z0-9_]{0,5}",
        1 => select(vec!["size", "#undefined", "1a", "a-b", "#", ":"]).prop_map(String::from),
    ]
    .boxed()
}

fn path() -> BoxedStrategy<String> {
    (
        attr(),
        vec(
            prop_oneof![
                attr().prop_map(|a| format!(".{a}")),
                (0u32..12).prop_map(|i| format!("[{i}]")),
                Just("[99999999999]".to_string()),
            ],
            0..4,
        ),
    )
        .prop_map(|(head, rest)| head + &rest.concat())
        .boxed()
}

fn value() -> BoxedStrategy<String> {
    prop_oneof![
        9 => select(value_placeholders()),
        1 => ":[a-z]{1,3}",
    ]
    .boxed()
}

fn operand() -> BoxedStrategy<String> {
    prop_oneof![
        3 => path(),
        3 => value(),
        1 => path().prop_map(|p| format!("size({p})")),
    ]
    .boxed()
}

fn comparator() -> impl Strategy<Value = &'static str> {
    select(vec!["=", "<>", "<", "<=", ">", ">="])
}

fn leaf() -> BoxedStrategy<String> {
    prop_oneof![
        4 => (operand(), comparator(), operand()).prop_map(|(a, c, b)| format!("{a} {c} {b}")),
        1 => (operand(), operand(), operand())
            .prop_map(|(a, b, c)| format!("{a} BETWEEN {b} AND {c}")),
        1 => (operand(), vec(operand(), 1..6))
            .prop_map(|(a, l)| format!("{a} IN ({})", l.join(", "))),
        1 => path().prop_map(|p| format!("attribute_exists({p})")),
        1 => path().prop_map(|p| format!("attribute_not_exists({p})")),
        1 => (path(), value()).prop_map(|(p, v)| format!("attribute_type({p}, {v})")),
        1 => (path(), operand()).prop_map(|(p, v)| format!("begins_with({p}, {v})")),
        1 => (path(), operand()).prop_map(|(p, v)| format!("contains({p}, {v})")),
    ]
    .boxed()
}

/// A condition: a random tree of AND / OR / NOT / parentheses, or one of the shapes that
/// stress recursion and length (thousands of parentheses or NOTs, hundreds of chained
/// conditions, deep paths, nested functions).
pub fn condition_text() -> BoxedStrategy<String> {
    let tree = leaf().prop_recursive(5, 32, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} AND {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} OR {b}")),
            inner.clone().prop_map(|a| format!("NOT {a}")),
            inner.prop_map(|a| format!("({a})")),
        ]
    });
    prop_oneof![
        12 => tree,
        1 => (leaf(), 0usize..3000)
            .prop_map(|(l, n)| format!("{}{l}{}", "(".repeat(n), ")".repeat(n))),
        1 => (leaf(), 0usize..1500).prop_map(|(l, n)| format!("{}{l}", "NOT ".repeat(n))),
        1 => (vec(leaf(), 1..300), any::<bool>())
            .prop_map(|(l, and)| l.join(if and { " AND " } else { " OR " })),
        1 => (0usize..2000).prop_map(|n| format!("a{} = :s", ".b".repeat(n))),
        1 => (0usize..1000).prop_map(|n| format!("l{} = :s", "[0]".repeat(n))),
        1 => (0usize..800).prop_map(|n| format!("{}a{} = :n", "size(".repeat(n), ")".repeat(n))),
    ]
    .boxed()
}

fn set_value() -> BoxedStrategy<String> {
    let plain = prop_oneof![
        3 => operand(),
        1 => (operand(), operand()).prop_map(|(a, b)| format!("{a} + {b}")),
        1 => (operand(), operand()).prop_map(|(a, b)| format!("{a} - {b}")),
        1 => (operand(), operand()).prop_map(|(a, b)| format!("list_append({a}, {b})")),
        1 => (path(), operand()).prop_map(|(p, v)| format!("if_not_exists({p}, {v})")),
    ];
    prop_oneof![
        9 => plain,
        1 => (0usize..1500).prop_map(|n| {
            format!("{}:l{}", "list_append(:l, ".repeat(n), ")".repeat(n))
        }),
        1 => (0usize..1500).prop_map(|n| format!("{}:n{}", "(".repeat(n), ")".repeat(n))),
    ]
    .boxed()
}

/// An update: one to four clauses of SET, REMOVE, ADD and DELETE.
pub fn update_text() -> BoxedStrategy<String> {
    let clause = prop_oneof![
        3 => vec((path(), set_value()).prop_map(|(p, v)| format!("{p} = {v}")), 1..5)
            .prop_map(|l| format!("SET {}", l.join(", "))),
        1 => vec(path(), 1..5).prop_map(|l| format!("REMOVE {}", l.join(", "))),
        1 => vec((path(), value()).prop_map(|(p, v)| format!("{p} {v}")), 1..3)
            .prop_map(|l| format!("ADD {}", l.join(", "))),
        1 => vec((path(), value()).prop_map(|(p, v)| format!("{p} {v}")), 1..3)
            .prop_map(|l| format!("DELETE {}", l.join(", "))),
    ];
    vec(clause, 1..4).prop_map(|c| c.join(" ")).boxed()
}

/// A key condition on `pk` / `sk` (or a name that is not a key).
pub fn key_condition_text() -> BoxedStrategy<String> {
    let hash = select(vec!["pk", "#pk", "sk", "a"]);
    let range = prop_oneof![
        Just(String::new()),
        (comparator(), value()).prop_map(|(c, v)| format!(" AND sk {c} {v}")),
        (value(), value()).prop_map(|(a, b)| format!(" AND #sk BETWEEN {a} AND {b}")),
        value().prop_map(|v| format!(" AND begins_with(sk, {v})")),
        leaf().prop_map(|l| format!(" AND {l}")),
    ];
    (hash, value(), range, any::<bool>())
        .prop_map(|(h, v, r, flip)| {
            if flip {
                format!("{v} = {h}{r}")
            } else {
                format!("{h} = {v}{r}")
            }
        })
        .boxed()
}

pub fn projection_text() -> BoxedStrategy<String> {
    vec(path(), 1..20).prop_map(|l| l.join(", ")).boxed()
}

/// Input of the `expression` target: any kind of expression, sometimes with placeholder maps
/// and an item of its own, sometimes a legacy-parameters object.
pub fn expression_input() -> BoxedStrategy<Vec<u8>> {
    let text = prop_oneof![
        4 => condition_text(),
        3 => update_text(),
        1 => key_condition_text(),
        1 => projection_text(),
    ];
    prop_oneof![
        8 => text.clone().prop_map(String::into_bytes),
        1 => (text, values_map(), item_map()).prop_map(|(t, values, item)| {
            let names = Value::Object(dynolab_fuzz::default_names());
            format!("{t}\0{names}\0{values}\0{item}").into_bytes()
        }),
        1 => legacy().prop_map(|v| v.to_string().into_bytes()),
    ]
    .boxed()
}

// ---------------------------------------------------------------- DynamoDB JSON

fn number_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => (-1000i64..1000).prop_map(|n| n.to_string()),
        2 => select(vec![
            "0", "-0", "1.5", "-1.5e10", "1e125", "9.9999999999999999999999999999999999999E+125",
            "1e126", "1E-130", "1e-131", "00001", "1.", ".5", "abc", "", " 1", "1e999999999999",
            "123456789012345678901234567890123456789", "-1E-130", "0e5", "+1", "1e", "NaN",
        ])
        .prop_map(String::from),
    ]
}

fn blob_text() -> impl Strategy<Value = &'static str> {
    select(vec!["", "AAEC", "AQ==", "!!", "A", "AAAA", "////"])
}

/// A DynamoDB JSON value: every type, nested lists and maps, and malformed ones.
pub fn attribute_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        4 => "[a-z]{0,6}".prop_map(|s| json!({"S": s})),
        4 => number_text().prop_map(|n| json!({"N": n})),
        1 => blob_text().prop_map(|b| json!({"B": b})),
        1 => any::<bool>().prop_map(|b| json!({"BOOL": b})),
        1 => Just(json!({"NULL": true})),
        1 => vec("[a-z]{0,3}", 0..4).prop_map(|v| json!({"SS": v})),
        1 => vec(number_text(), 0..4).prop_map(|v| json!({"NS": v})),
        1 => vec(blob_text(), 0..3).prop_map(|v| json!({"BS": v})),
        1 => prop_oneof![
            scalar_json().prop_map(|v| json!({"S": v})),
            scalar_json().prop_map(|v| json!({"N": v})),
            Just(json!({})),
            Just(json!({"S": "a", "N": "1"})),
            Just(json!({"NULL": false})),
            Just(json!({"X": "y"})),
            scalar_json(),
        ],
    ];
    let nested = leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(|l| json!({"L": l})),
            btree_map("[a-z]{1,3}", inner, 0..4).prop_map(|m| json!({"M": m})),
        ]
    });
    prop_oneof![
        20 => nested,
        1 => (0usize..70).prop_map(|depth| {
            (0..depth).fold(json!({"S": "bottom"}), |v, i| {
                if i % 2 == 0 { json!({"M": {"a": v}}) } else { json!({"L": [v]}) }
            })
        }),
    ]
    .boxed()
}

fn scalar_json() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,8}".prop_map(Value::String),
    ]
    .boxed()
}

/// Any JSON at all: the wrong type for almost every member.
pub fn any_json() -> BoxedStrategy<Value> {
    scalar_json()
        .prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                vec(inner.clone(), 0..4).prop_map(Value::Array),
                btree_map(".{0,6}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
        .boxed()
}

fn values_map() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => Just(Value::Object(dynolab_fuzz::default_values())),
        2 => btree_map(
            prop_oneof![4 => select(value_placeholders()), 1 => ".{0,4}"],
            attribute_value(),
            0..6,
        )
        .prop_map(|m| Value::Object(m.into_iter().collect())),
    ]
    .boxed()
}

fn names_map() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => Just(Value::Object(dynolab_fuzz::default_names())),
        1 => btree_map(
            prop_oneof![4 => select(name_placeholders()), 1 => ".{0,4}"],
            prop_oneof![4 => attr().prop_map(Value::String), 1 => any_json()],
            0..4,
        )
        .prop_map(|m| Value::Object(m.into_iter().collect())),
    ]
    .boxed()
}

/// Key attributes of the fixture's tables and indexes, right or wrong types, some missing.
fn key_map() -> BoxedStrategy<Value> {
    let pk = prop_oneof![
        4 => select(vec!["a", "b", "c", "z", ""]).prop_map(|s| json!({"S": s})),
        1 => attribute_value(),
    ];
    let sk = prop_oneof![
        4 => select(vec!["1", "2", "3", "0", "-1.5", "1e10", "7"]).prop_map(|n| json!({"N": n})),
        1 => attribute_value(),
    ];
    let names = vec(
        select(vec!["pk", "sk", "id", "gpk", "gsk", "lsk", "x"]),
        0..5,
    );
    (
        prop_oneof![
            3 => Just(vec!["pk", "sk"]),
            1 => Just(vec!["id"]),
            1 => Just(vec!["pk", "sk", "gpk", "gsk"]),
            1 => Just(vec!["pk", "sk", "lsk"]),
            1 => names,
        ],
        pk,
        sk,
    )
        .prop_map(|(names, pk, sk)| {
            let mut m = Map::new();
            for name in names {
                let v = match name {
                    "sk" | "gsk" => sk.clone(),
                    "id" => json!({"S": "h1"}),
                    "gpk" => json!({"S": "g1"}),
                    "lsk" => json!({"S": "l1"}),
                    _ => pk.clone(),
                };
                m.insert(name.to_string(), v);
            }
            Value::Object(m)
        })
        .boxed()
}

fn item_map() -> BoxedStrategy<Value> {
    (
        key_map(),
        btree_map(
            select(vec![
                "x", "n", "l", "m", "ss", "ns", "gpk", "gsk", "lsk", "ttl", "v",
            ]),
            attribute_value(),
            0..5,
        ),
    )
        .prop_map(|(key, rest)| {
            let mut m = match key {
                Value::Object(m) => m,
                _ => Map::new(),
            };
            for (k, v) in rest {
                m.insert(k.to_string(), v);
            }
            Value::Object(m)
        })
        .boxed()
}

/// `Expected`, `QueryFilter` / `ScanFilter` / `KeyConditions` and `AttributeUpdates` members.
fn legacy() -> BoxedStrategy<Value> {
    let operator = select(vec![
        "EQ",
        "NE",
        "LE",
        "LT",
        "GE",
        "GT",
        "NOT_NULL",
        "NULL",
        "CONTAINS",
        "NOT_CONTAINS",
        "BEGINS_WITH",
        "IN",
        "BETWEEN",
        "XX",
    ]);
    let condition = (operator, vec(attribute_value(), 0..3))
        .prop_map(|(op, list)| json!({"ComparisonOperator": op, "AttributeValueList": list}));
    let expected = prop_oneof![
        condition.clone(),
        attribute_value().prop_map(|v| json!({"Value": v})),
        any::<bool>().prop_map(|e| json!({"Exists": e})),
        (attribute_value(), any::<bool>()).prop_map(|(v, e)| json!({"Value": v, "Exists": e})),
    ];
    let update = (
        select(vec!["PUT", "ADD", "DELETE", "NOPE"]),
        prop::option::of(attribute_value()),
    )
        .prop_map(|(a, v)| match v {
            Some(v) => json!({"Action": a, "Value": v}),
            None => json!({"Action": a}),
        });
    let attr_name = select(vec!["pk", "sk", "a", "n", "l", "ss", "zz"]);
    (
        btree_map(attr_name.clone(), expected, 0..4),
        btree_map(attr_name.clone(), condition.clone(), 0..4),
        btree_map(attr_name.clone(), condition, 0..3),
        btree_map(attr_name.clone(), update, 0..4),
        vec(attr_name, 0..4),
        select(vec!["AND", "OR", "XOR"]),
    )
        .prop_map(|(expected, filter, keys, updates, get, op)| {
            json!({
                "Expected": expected,
                "QueryFilter": filter.clone(),
                "ScanFilter": filter,
                "KeyConditions": keys,
                "AttributeUpdates": updates,
                "AttributesToGet": get,
                "ConditionalOperator": op,
            })
        })
        .boxed()
}

// ---------------------------------------------------------------- PartiQL

fn pq_name() -> BoxedStrategy<String> {
    prop_oneof![
        4 => select(vec!["pk", "sk", "a", "n", "l", "m", "s", "gpk", "gsk"]).prop_map(String::from),
        1 => select(vec!["\"pk\"", "\"weird name\"", "\"\"", "MISSING", "\"a\"\"b\""])
            .prop_map(String::from),
        1 => "[a-z_][a-z0-9_]{0,4}",
    ]
    .boxed()
}

fn pq_path() -> BoxedStrategy<String> {
    (
        pq_name(),
        vec(
            prop_oneof![
                pq_name().prop_map(|n| format!(".{n}")),
                (0u32..5).prop_map(|i| format!("[{i}]")),
                Just("['k']".to_string()),
            ],
            0..3,
        ),
    )
        .prop_map(|(h, r)| h + &r.concat())
        .boxed()
}

fn pq_literal() -> BoxedStrategy<String> {
    let scalar = prop_oneof![
        "'[a-z']{0,5}'".prop_map(|s| s.replace('\'', "''").replacen("''", "'", 1)),
        number_text(),
        select(vec![
            "true", "false", "null", "MISSING", "?", "?", "'it''s'"
        ])
        .prop_map(String::from),
    ];
    scalar
        .prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                vec(inner.clone(), 0..4).prop_map(|l| format!("[{}]", l.join(", "))),
                vec(inner.clone(), 0..4).prop_map(|l| format!("<<{}>>", l.join(", "))),
                vec(("[a-z]{1,3}", inner), 0..4).prop_map(|l| {
                    let members: Vec<String> =
                        l.into_iter().map(|(k, v)| format!("'{k}': {v}")).collect();
                    format!("{{{}}}", members.join(", "))
                }),
            ]
        })
        .boxed()
}

fn pq_operand() -> BoxedStrategy<String> {
    prop_oneof![2 => pq_path(), 2 => pq_literal()].boxed()
}

fn pq_leaf() -> BoxedStrategy<String> {
    let cmp = select(vec!["=", "<>", "!=", "<", "<=", ">", ">="]);
    let is_type = select(vec![
        "MISSING", "NULL", "BOOLEAN", "STRING", "NUMERIC", "BLOB", "STRUCT", "LIST", "TUPLE",
    ]);
    prop_oneof![
        4 => (pq_operand(), cmp, pq_operand()).prop_map(|(a, c, b)| format!("{a} {c} {b}")),
        1 => (pq_operand(), pq_operand(), pq_operand())
            .prop_map(|(a, b, c)| format!("{a} BETWEEN {b} AND {c}")),
        1 => (pq_path(), vec(pq_literal(), 0..5))
            .prop_map(|(a, l)| format!("{a} IN [{}]", l.join(", "))),
        1 => (pq_path(), any::<bool>(), is_type)
            .prop_map(|(p, not, t)| format!("{p} IS {}{t}", if not { "NOT " } else { "" })),
        1 => (
            select(vec!["begins_with", "contains", "attribute_type", "size", "exists", "missing"]),
            vec(pq_operand(), 0..3),
        )
            .prop_map(|(f, args)| format!("{f}({})", args.join(", "))),
    ]
    .boxed()
}

fn pq_condition() -> BoxedStrategy<String> {
    let tree = pq_leaf().prop_recursive(4, 16, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} AND {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} OR {b}")),
            inner.clone().prop_map(|a| format!("NOT {a}")),
            inner.prop_map(|a| format!("({a})")),
        ]
    });
    prop_oneof![
        10 => tree,
        1 => (pq_leaf(), 0usize..3000)
            .prop_map(|(l, n)| format!("{}{l}{}", "(".repeat(n), ")".repeat(n))),
        1 => (pq_leaf(), 0usize..1500).prop_map(|(l, n)| format!("{}{l}", "NOT ".repeat(n))),
        1 => vec(pq_leaf(), 1..200).prop_map(|l| l.join(" AND ")),
        1 => (0usize..1500).prop_map(|n| format!("a = {}1{}", "[".repeat(n), "]".repeat(n))),
        1 => (0usize..1500).prop_map(|n| format!("a = {}1{}", "<<".repeat(n), ">>".repeat(n))),
    ]
    .boxed()
}

fn pq_table() -> impl Strategy<Value = &'static str> {
    select(vec![
        "tab",
        "\"tab\"",
        "\"tab\".\"gsi\"",
        "kvs",
        "\"no such\"",
        "tab.gsi",
    ])
}

/// A PartiQL statement of any kind, with a parameters list after a NUL sometimes.
pub fn partiql() -> BoxedStrategy<Vec<u8>> {
    let returning = select(vec![
        "",
        " RETURNING ALL OLD *",
        " RETURNING ALL NEW *",
        " RETURNING MODIFIED OLD *",
        " RETURNING MODIFIED NEW *",
        " RETURNING NOTHING",
    ]);
    let assign = prop_oneof![
        3 => (pq_path(), pq_operand()).prop_map(|(p, v)| format!("SET {p} = {v}")),
        1 => (pq_path(), pq_operand(), select(vec!["+", "-"]), pq_operand())
            .prop_map(|(p, a, op, b)| format!("SET {p} = {a} {op} {b}")),
        1 => (pq_path(), select(vec!["set_add", "set_delete", "list_append", "if_not_exists"]), pq_operand(), pq_operand())
            .prop_map(|(p, f, a, b)| format!("SET {p} = {f}({a}, {b})")),
        1 => pq_path().prop_map(|p| format!("REMOVE {p}")),
    ];
    let projection = prop_oneof![
        Just("*".to_string()),
        vec(pq_path(), 1..5).prop_map(|l| l.join(", ")),
    ];
    let statement = prop_oneof![
        3 => (projection, pq_table(), prop::option::of(pq_condition()), prop::option::of((pq_name(), any::<bool>())))
            .prop_map(|(p, t, w, o)| {
                let mut s = format!("SELECT {p} FROM {t}");
                if let Some(w) = w {
                    s.push_str(&format!(" WHERE {w}"));
                }
                if let Some((name, desc)) = o {
                    s.push_str(&format!(" ORDER BY {name}{}", if desc { " DESC" } else { " ASC" }));
                }
                s
            }),
        1 => (pq_table(), pq_literal()).prop_map(|(t, v)| format!("INSERT INTO {t} VALUE {v}")),
        2 => (pq_table(), vec(assign, 1..4), pq_condition(), returning.clone())
            .prop_map(|(t, a, w, r)| format!("UPDATE {t} {} WHERE {w}{r}", a.join(" "))),
        1 => (pq_table(), pq_condition(), returning)
            .prop_map(|(t, w, r)| format!("DELETE FROM {t} WHERE {w}{r}")),
        1 => (pq_table(), pq_condition())
            .prop_map(|(t, w)| format!("EXISTS(SELECT * FROM {t} WHERE {w})")),
    ];
    prop_oneof![
        4 => statement.clone().prop_map(String::into_bytes),
        1 => (statement, vec(attribute_value(), 0..5))
            .prop_map(|(s, p)| format!("{s}\0{}", Value::Array(p)).into_bytes()),
    ]
    .boxed()
}

// ---------------------------------------------------------------- requests

const OPERATIONS: &[&str] = &[
    "PutItem",
    "GetItem",
    "UpdateItem",
    "DeleteItem",
    "Query",
    "Scan",
    "BatchGetItem",
    "BatchWriteItem",
    "TransactGetItems",
    "TransactWriteItems",
    "ExecuteStatement",
    "BatchExecuteStatement",
    "ExecuteTransaction",
    "CreateTable",
    "UpdateTable",
    "DeleteTable",
    "DescribeTable",
    "ListTables",
    "UpdateTimeToLive",
    "CreateBackup",
    "RestoreTableToPointInTime",
    "UpdateContinuousBackups",
    "TagResource",
    "DynamoDBStreams_20120810.GetShardIterator",
    "DynamoDBStreams_20120810.GetRecords",
    "GraniteServiceVersion20100801.GetMetricStatistics",
];

/// The value of one request member: the right shape for the member most of the time.
fn member_value(name: &'static str) -> BoxedStrategy<Value> {
    let right: BoxedStrategy<Value> = match name {
        "TableName" | "SourceTableName" | "TargetTableName" => {
            select(vec!["tab", "kvs", "nope", "t", "tab2"])
                .prop_map(|s| json!(s))
                .boxed()
        }
        "Key" | "ExclusiveStartKey" => key_map(),
        "Item" => item_map(),
        "ConditionExpression" | "FilterExpression" => {
            condition_text().prop_map(Value::String).boxed()
        }
        "UpdateExpression" => update_text().prop_map(Value::String).boxed(),
        "KeyConditionExpression" => key_condition_text().prop_map(Value::String).boxed(),
        "ProjectionExpression" => projection_text().prop_map(Value::String).boxed(),
        "ExpressionAttributeNames" => names_map(),
        "ExpressionAttributeValues" => values_map(),
        "ReturnValues" | "ReturnValuesOnConditionCheckFailure" => select(vec![
            "NONE",
            "ALL_OLD",
            "ALL_NEW",
            "UPDATED_OLD",
            "UPDATED_NEW",
            "bogus",
        ])
        .prop_map(|s| json!(s))
        .boxed(),
        "ReturnConsumedCapacity" => select(vec!["NONE", "TOTAL", "INDEXES"])
            .prop_map(|s| json!(s))
            .boxed(),
        "Select" => select(vec![
            "ALL_ATTRIBUTES",
            "ALL_PROJECTED_ATTRIBUTES",
            "SPECIFIC_ATTRIBUTES",
            "COUNT",
            "X",
        ])
        .prop_map(|s| json!(s))
        .boxed(),
        "Limit" | "Segment" | "TotalSegments" => prop_oneof![
            4 => (0i64..6).prop_map(|n| json!(n)),
            1 => select(vec![-1i64, 1_000_000, 2_147_483_648, i64::MAX]).prop_map(|n| json!(n)),
            1 => Just(json!(1.5)),
        ]
        .boxed(),
        "IndexName" => select(vec!["gsi", "lsi", "nope"])
            .prop_map(|s| json!(s))
            .boxed(),
        "ScanIndexForward" | "ConsistentRead" => any::<bool>().prop_map(|b| json!(b)).boxed(),
        "Statement" => partiql()
            .prop_map(|b| {
                let text = String::from_utf8_lossy(&b).into_owned();
                json!(text.split('\0').next().unwrap_or_default())
            })
            .boxed(),
        "Parameters" => vec(attribute_value(), 0..4).prop_map(Value::Array).boxed(),
        "AttributesToGet" => vec(select(vec!["pk", "sk", "x", "n"]), 0..4)
            .prop_map(|l| json!(l))
            .boxed(),
        "Expected" | "QueryFilter" | "ScanFilter" | "KeyConditions" | "AttributeUpdates" => {
            legacy().prop_map(move |v| v[name].clone()).boxed()
        }
        "ConditionalOperator" => select(vec!["AND", "OR", "X"])
            .prop_map(|s| json!(s))
            .boxed(),
        "ClientRequestToken" => select(vec!["tok", "tok2", ""])
            .prop_map(|s| json!(s))
            .boxed(),
        _ => any_json(),
    };
    prop_oneof![5 => right, 1 => any_json()].boxed()
}

const MEMBERS: &[&str] = &[
    "TableName",
    "Key",
    "Item",
    "ConditionExpression",
    "FilterExpression",
    "UpdateExpression",
    "KeyConditionExpression",
    "ProjectionExpression",
    "ExpressionAttributeNames",
    "ExpressionAttributeValues",
    "ReturnValues",
    "ReturnValuesOnConditionCheckFailure",
    "ReturnConsumedCapacity",
    "Select",
    "Limit",
    "Segment",
    "TotalSegments",
    "IndexName",
    "ScanIndexForward",
    "ConsistentRead",
    "ExclusiveStartKey",
    "Statement",
    "Parameters",
    "AttributesToGet",
    "Expected",
    "QueryFilter",
    "ScanFilter",
    "KeyConditions",
    "AttributeUpdates",
    "ConditionalOperator",
    "ClientRequestToken",
];

/// A request body: a few members of the operation's kind, each usually of the right type.
fn body() -> BoxedStrategy<Value> {
    let member = select(MEMBERS.to_vec()).prop_flat_map(|name| (Just(name), member_value(name)));
    let object = vec(member, 0..8).prop_map(|members| {
        Value::Object(
            members
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    });
    let table_body = object.clone().prop_map(|mut v| {
        if let Some(m) = v.as_object_mut() {
            m.entry("TableName").or_insert(json!("tab"));
        }
        v
    });
    prop_oneof![
        6 => table_body.clone(),
        1 => (table_body.clone(), vec(table_body.clone(), 1..4), select(vec!["Put", "Update", "Delete", "ConditionCheck", "Get"]))
            .prop_map(|(_, actions, kind)| {
                let items: Vec<Value> = actions.into_iter().map(|a| json!({ kind: a })).collect();
                json!({"TransactItems": items, "ClientRequestToken": "tok"})
            }),
        1 => (vec(item_map(), 1..4), vec(key_map(), 0..3)).prop_map(|(items, keys)| {
            let mut writes: Vec<Value> =
                items.into_iter().map(|i| json!({"PutRequest": {"Item": i}})).collect();
            writes.extend(keys.iter().map(|k| json!({"DeleteRequest": {"Key": k}})));
            json!({"RequestItems": {"tab": writes}})
        }),
        1 => vec(key_map(), 0..4).prop_map(|keys| json!({"RequestItems": {"tab": {"Keys": keys}}})),
        1 => vec(partiql(), 1..4).prop_map(|statements| {
            let list: Vec<Value> = statements
                .iter()
                .map(|s| {
                    let text = String::from_utf8_lossy(s).into_owned();
                    json!({"Statement": text.split('\0').next().unwrap_or_default()})
                })
                .collect();
            json!({"Statements": list.clone(), "TransactStatements": list})
        }),
        1 => any_json(),
    ]
    .boxed()
}

/// Input of the `request` target: one to four requests.
pub fn request() -> BoxedStrategy<Vec<u8>> {
    let one = (select(OPERATIONS.to_vec()), body(), 0u8..20).prop_map(|(op, body, damage)| {
        let mut bytes = format!("{op}\n{body}").into_bytes();
        // Now and then, a body cut short: not JSON at all.
        if damage == 0 {
            bytes.truncate(op.len() + 1 + body.to_string().len() / 2);
        }
        bytes
    });
    vec(one, 1..5)
        .prop_map(|requests| requests.join(&0u8))
        .boxed()
}

/// CBOR bodies: any JSON (with CloudWatch's timestamp and integer member names among the keys
/// it draws) encoded the way the server answers, then possibly cut short.
pub fn cbor() -> BoxedStrategy<Vec<u8>> {
    let key = prop_oneof![
        Just("StartTime".to_string()),
        Just("Timestamps".to_string()),
        Just("MaxContributorCount".to_string()),
        Just("Period".to_string()),
        ".{0,6}",
    ];
    let value = scalar_json().prop_recursive(4, 24, 4, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            btree_map(key.clone(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    });
    (value, any::<u16>(), any::<bool>())
        .prop_map(|(v, cut, short)| {
            let mut bytes = dynolab_server::cbor::from_json(&v);
            if short && !bytes.is_empty() {
                bytes.truncate(usize::from(cut) % bytes.len());
            }
            bytes
        })
        .boxed()
}
