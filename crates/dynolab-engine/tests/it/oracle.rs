//! Property test: random sequences of item operations against the engine and against a
//! plain model of the table (a `BTreeMap` from key to item), checking every answer.
//!
//! The table has a hash + range key (`pk` S, `sk` N), a sparse GSI `byg` on `gpk` (S) +
//! `gsk` (N) projecting `v`, and an LSI `byl` on `pk` + `lsk` (S), ALL. The key space is
//! small (three partitions, four sort keys, two GSI partitions, three GSI and LSI sort keys)
//! so that operations collide. Checked, after each operation:
//! - writes: success or `ConditionalCheckFailedException` (with the old item for
//!   `ReturnValuesOnConditionCheckFailure`), `ReturnValues` (ALL_OLD, ALL_NEW, UPDATED_OLD,
//!   UPDATED_NEW), validation errors the model predicts (duplicate keys in a batch or a
//!   transaction, arithmetic on a missing attribute), a transaction's cancellation reasons;
//! - reads: GetItem's item; Query (table, GSI, LSI, both directions, key conditions, filters,
//!   Limit) page by page through `LastEvaluatedKey` / `ExclusiveStartKey`: each page's items,
//!   `Count`, `ScannedCount` and `LastEvaluatedKey`; Scan pages likewise (Scan's order is the
//!   partition hash's: the model checks partitions are contiguous and sorted instead);
//! - after every write, the whole table, GSI and LSI (unpaged Scans) against the model.
//!
//! `PROPTEST_CASES` sets the number of sequences (default 64, a second or two).

use std::collections::{BTreeMap, BTreeSet};

use dynolab_engine::Engine;
use dynolab_model::ErrorCode;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

use crate::support::{call, engine, ok};

const TABLE: &str = "orc";
const PKS: &[&str] = &["p0", "p1", "p2"];
const SKS: &[i64] = &[1, 2, 3, 10];
const GPKS: &[&str] = &["g0", "g1"];
const GSKS: &[i64] = &[-1, 0, 5];
const LSKS: &[&str] = &["a", "b", "ba"];
const SET_MEMBERS: &[&str] = &["x", "y", "z"];

type Key = (String, i64);

/// A model item's non-key attributes.
#[derive(Clone, Debug, Default, PartialEq)]
struct Attrs {
    v: Option<i64>,
    gpk: Option<String>,
    gsk: Option<i64>,
    lsk: Option<String>,
    s: BTreeSet<String>,
}

type Model = BTreeMap<Key, Attrs>;

fn item_json(key: &Key, a: &Attrs) -> Value {
    let mut m = Map::new();
    m.insert("pk".into(), json!({"S": key.0}));
    m.insert("sk".into(), json!({"N": key.1.to_string()}));
    if let Some(v) = a.v {
        m.insert("v".into(), json!({"N": v.to_string()}));
    }
    if let Some(g) = &a.gpk {
        m.insert("gpk".into(), json!({"S": g}));
    }
    if let Some(g) = a.gsk {
        m.insert("gsk".into(), json!({"N": g.to_string()}));
    }
    if let Some(l) = &a.lsk {
        m.insert("lsk".into(), json!({"S": l}));
    }
    if !a.s.is_empty() {
        m.insert("s".into(), json!({"SS": a.s}));
    }
    Value::Object(m)
}

fn key_json(key: &Key) -> Value {
    json!({"pk": {"S": key.0}, "sk": {"N": key.1.to_string()}})
}

/// Sets are unordered: their members sorted, so answers compare as values.
fn norm(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = match (k.as_str(), v) {
                        ("SS" | "NS" | "BS", Value::Array(a)) => {
                            let mut a = a.clone();
                            a.sort_by_key(|x| x.to_string());
                            Value::Array(a)
                        }
                        _ => norm(v),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(norm).collect()),
        other => other.clone(),
    }
}

/// The multiset of items, for comparisons where the order is not the model's to know.
fn sorted(items: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|i| norm(i).to_string()).collect();
    v.sort();
    v
}

// ---------------------------------------------------------------- operations

#[derive(Clone, Copy, Debug)]
enum Cond {
    Exists,
    NotExists,
    VEq(i64),
    VLt(i64),
    HasGpk,
    NotVEq(i64),
}

impl Cond {
    fn text(self) -> &'static str {
        match self {
            Cond::Exists => "attribute_exists(pk)",
            Cond::NotExists => "attribute_not_exists(pk)",
            Cond::VEq(_) => "v = :c",
            Cond::VLt(_) => "v < :c",
            Cond::HasGpk => "attribute_exists(gpk)",
            Cond::NotVEq(_) => "NOT v = :c",
        }
    }

    fn value(self) -> Option<i64> {
        match self {
            Cond::VEq(n) | Cond::VLt(n) | Cond::NotVEq(n) => Some(n),
            _ => None,
        }
    }

    fn holds(self, item: Option<&Attrs>) -> bool {
        let v = item.and_then(|a| a.v);
        match self {
            Cond::Exists => item.is_some(),
            Cond::NotExists => item.is_none(),
            Cond::VEq(n) => v == Some(n),
            Cond::VLt(n) => v.is_some_and(|v| v < n),
            Cond::HasGpk => item.is_some_and(|a| a.gpk.is_some()),
            Cond::NotVEq(n) => v != Some(n),
        }
    }

    /// Adds `ConditionExpression` (and its value) to a request.
    fn add_to(self, req: &mut Value) {
        req["ConditionExpression"] = json!(self.text());
        if let Some(n) = self.value() {
            values(req).insert(":c".into(), json!({"N": n.to_string()}));
        }
    }
}

fn values(req: &mut Value) -> &mut Map<String, Value> {
    if req.get("ExpressionAttributeValues").is_none() {
        req["ExpressionAttributeValues"] = json!({});
    }
    req["ExpressionAttributeValues"].as_object_mut().unwrap()
}

/// One action of an UpdateExpression; at most one per attribute group in an update.
#[derive(Clone, Debug)]
enum Action {
    SetV(i64),
    AddV(i64),
    /// `SET v = v + :n`: a ValidationException when `v` is missing.
    IncV(i64),
    RemoveV,
    SetG(String, i64),
    RemoveGpk,
    SetL(String),
    RemoveL,
    AddS(BTreeSet<String>),
    DeleteS(BTreeSet<String>),
}

impl Action {
    /// (clause keyword, clause text, value placeholders)
    fn clause(&self, i: usize) -> (&'static str, String, Vec<(String, Value)>) {
        let p = |name: &str| format!(":{name}{i}");
        match self {
            Action::SetV(n) => (
                "SET",
                format!("v = {}", p("n")),
                vec![(p("n"), json!({"N": n.to_string()}))],
            ),
            Action::AddV(n) => (
                "ADD",
                format!("v {}", p("n")),
                vec![(p("n"), json!({"N": n.to_string()}))],
            ),
            Action::IncV(n) => (
                "SET",
                format!("v = v + {}", p("n")),
                vec![(p("n"), json!({"N": n.to_string()}))],
            ),
            Action::RemoveV => ("REMOVE", "v".into(), vec![]),
            Action::SetG(g, n) => (
                "SET",
                format!("gpk = {}, gsk = {}", p("g"), p("n")),
                vec![
                    (p("g"), json!({"S": g})),
                    (p("n"), json!({"N": n.to_string()})),
                ],
            ),
            Action::RemoveGpk => ("REMOVE", "gpk".into(), vec![]),
            Action::SetL(l) => (
                "SET",
                format!("lsk = {}", p("l")),
                vec![(p("l"), json!({"S": l}))],
            ),
            Action::RemoveL => ("REMOVE", "lsk".into(), vec![]),
            Action::AddS(s) => (
                "ADD",
                format!("s {}", p("s")),
                vec![(p("s"), json!({"SS": s}))],
            ),
            Action::DeleteS(s) => (
                "DELETE",
                format!("s {}", p("s")),
                vec![(p("s"), json!({"SS": s}))],
            ),
        }
    }

    /// The top-level attributes the action targets.
    fn targets(&self) -> &'static [&'static str] {
        match self {
            Action::SetV(_) | Action::AddV(_) | Action::IncV(_) | Action::RemoveV => &["v"],
            Action::SetG(..) => &["gpk", "gsk"],
            Action::RemoveGpk => &["gpk"],
            Action::SetL(_) | Action::RemoveL => &["lsk"],
            Action::AddS(_) | Action::DeleteS(_) => &["s"],
        }
    }

    /// Applies the action to the model; `Err` when DynamoDB refuses it.
    fn apply(&self, a: &mut Attrs) -> Result<(), &'static str> {
        match self {
            Action::SetV(n) => a.v = Some(*n),
            Action::AddV(n) => a.v = Some(a.v.unwrap_or(0) + n),
            Action::IncV(n) => match a.v {
                Some(v) => a.v = Some(v + n),
                None => {
                    return Err(
                        "The provided expression refers to an attribute that does not exist in the item",
                    );
                }
            },
            Action::RemoveV => a.v = None,
            Action::SetG(g, n) => {
                a.gpk = Some(g.clone());
                a.gsk = Some(*n);
            }
            Action::RemoveGpk => a.gpk = None,
            Action::SetL(l) => a.lsk = Some(l.clone()),
            Action::RemoveL => a.lsk = None,
            Action::AddS(s) => a.s.extend(s.iter().cloned()),
            Action::DeleteS(s) => a.s.retain(|m| !s.contains(m)),
        }
        Ok(())
    }
}

/// `UpdateExpression` and its values for `actions` (clauses grouped by keyword).
fn update_expression(actions: &[Action], req: &mut Value) {
    let mut clauses: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (i, a) in actions.iter().enumerate() {
        let (kw, text, vals) = a.clause(i);
        clauses.entry(kw).or_default().push(text);
        for (k, v) in vals {
            values(req).insert(k, v);
        }
    }
    let text: Vec<String> = clauses
        .into_iter()
        .map(|(kw, parts)| format!("{kw} {}", parts.join(", ")))
        .collect();
    req["UpdateExpression"] = json!(text.join(" "));
}

fn apply_actions(actions: &[Action], old: Option<&Attrs>) -> Result<Attrs, &'static str> {
    let mut new = old.cloned().unwrap_or_default();
    for a in actions {
        a.apply(&mut new)?;
    }
    Ok(new)
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Target {
    Table,
    Gsi,
    Lsi,
}

#[derive(Clone, Debug)]
enum Range {
    Eq(Value),
    Lt(Value),
    Le(Value),
    Gt(Value),
    Ge(Value),
    Between(Value, Value),
    BeginsWith(String),
}

#[derive(Clone, Copy, Debug)]
enum Filter {
    HasV,
    VGt(i64),
}

#[derive(Clone, Debug)]
enum TxAction {
    Put(Key, Attrs, Option<Cond>),
    Update(Key, Vec<Action>, Option<Cond>),
    Delete(Key, Option<Cond>),
    Check(Key, Cond),
}

impl TxAction {
    fn key(&self) -> &Key {
        match self {
            TxAction::Put(k, ..)
            | TxAction::Update(k, ..)
            | TxAction::Delete(k, _)
            | TxAction::Check(k, _) => k,
        }
    }

    fn cond(&self) -> Option<Cond> {
        match self {
            TxAction::Put(_, _, c) | TxAction::Update(_, _, c) | TxAction::Delete(_, c) => *c,
            TxAction::Check(_, c) => Some(*c),
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    Put {
        key: Key,
        attrs: Attrs,
        cond: Option<Cond>,
        all_old: bool,
        old_on_failure: bool,
    },
    Update {
        key: Key,
        actions: Vec<Action>,
        cond: Option<Cond>,
        ret: &'static str,
    },
    Delete {
        key: Key,
        cond: Option<Cond>,
        all_old: bool,
        old_on_failure: bool,
    },
    Get {
        key: Key,
        consistent: bool,
    },
    BatchWrite(Vec<(Key, Option<Attrs>)>),
    Transact(Vec<TxAction>),
    Query {
        target: Target,
        partition: String,
        range: Option<Range>,
        filter: Option<Filter>,
        forward: bool,
        limit: Option<usize>,
    },
    Scan {
        target: Target,
        filter: Option<Filter>,
        limit: Option<usize>,
    },
}

// ---------------------------------------------------------------- strategies

fn key() -> impl Strategy<Value = Key> {
    (select(PKS), select(SKS)).prop_map(|(p, s)| (p.to_string(), s))
}

fn members() -> impl Strategy<Value = BTreeSet<String>> {
    proptest::sample::subsequence(SET_MEMBERS, 1..=SET_MEMBERS.len())
        .prop_map(|v| v.into_iter().map(String::from).collect())
}

fn attrs() -> impl Strategy<Value = Attrs> {
    (
        prop::option::of(-2i64..6),
        prop::option::weighted(0.6, (select(GPKS), select(GSKS))),
        prop::option::of(select(LSKS)),
        prop::option::weighted(0.3, members()),
    )
        .prop_map(|(v, g, l, s)| Attrs {
            v,
            gpk: g.map(|(p, _)| p.to_string()),
            gsk: g.map(|(_, s)| s),
            lsk: l.map(String::from),
            s: s.unwrap_or_default(),
        })
}

fn cond() -> impl Strategy<Value = Cond> {
    prop_oneof![
        Just(Cond::Exists),
        Just(Cond::NotExists),
        (-2i64..6).prop_map(Cond::VEq),
        (-2i64..6).prop_map(Cond::VLt),
        Just(Cond::HasGpk),
        (-2i64..6).prop_map(Cond::NotVEq),
    ]
}

/// One to four actions on distinct attributes; `SET v = v + :n` only when `arith`.
fn actions(arith: bool) -> impl Strategy<Value = Vec<Action>> {
    let v = prop_oneof![
        (-2i64..6).prop_map(Action::SetV),
        (-2i64..6).prop_map(Action::AddV),
        (-2i64..6).prop_map(move |n| if arith {
            Action::IncV(n)
        } else {
            Action::AddV(n)
        }),
        Just(Action::RemoveV),
    ];
    let g = prop_oneof![
        (select(GPKS), select(GSKS)).prop_map(|(p, s)| Action::SetG(p.to_string(), s)),
        Just(Action::RemoveGpk),
    ];
    let l = prop_oneof![
        select(LSKS).prop_map(|l| Action::SetL(l.to_string())),
        Just(Action::RemoveL),
    ];
    let s = prop_oneof![
        members().prop_map(Action::AddS),
        members().prop_map(Action::DeleteS)
    ];
    (
        prop::option::of(v),
        prop::option::of(g),
        prop::option::of(l),
        prop::option::of(s),
    )
        .prop_map(|(v, g, l, s)| [v, g, l, s].into_iter().flatten().collect::<Vec<_>>())
        .prop_filter("at least one action", |a| !a.is_empty())
}

fn range(target: Target) -> BoxedStrategy<Range> {
    match target {
        Target::Lsi => {
            let s = || select(LSKS).prop_map(|l| json!({"S": l}));
            prop_oneof![
                s().prop_map(Range::Eq),
                s().prop_map(Range::Lt),
                s().prop_map(Range::Le),
                s().prop_map(Range::Gt),
                s().prop_map(Range::Ge),
                (select(LSKS), select(LSKS)).prop_map(|(a, b)| {
                    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
                    Range::Between(json!({"S": lo}), json!({"S": hi}))
                }),
                // An empty prefix is refused (rules.rs, an_empty_key_value_in_a_key_condition_is_refused).
                select(vec!["b", "a", "c"]).prop_map(|p| Range::BeginsWith(p.to_string())),
            ]
            .boxed()
        }
        Target::Table | Target::Gsi => {
            let n = || (-2i64..11).prop_map(|n| json!({"N": n.to_string()}));
            prop_oneof![
                n().prop_map(Range::Eq),
                n().prop_map(Range::Lt),
                n().prop_map(Range::Le),
                n().prop_map(Range::Gt),
                n().prop_map(Range::Ge),
                (-2i64..11, -2i64..11).prop_map(|(a, b)| Range::Between(
                    json!({"N": a.min(b).to_string()}),
                    json!({"N": a.max(b).to_string()})
                )),
            ]
            .boxed()
        }
    }
}

fn filter() -> impl Strategy<Value = Filter> {
    prop_oneof![Just(Filter::HasV), (-2i64..6).prop_map(Filter::VGt)]
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![Just(Target::Table), Just(Target::Gsi), Just(Target::Lsi)]
}

fn op() -> impl Strategy<Value = Op> {
    let query = target().prop_flat_map(|t| {
        let partition = match t {
            Target::Gsi => select(GPKS).boxed(),
            _ => select(PKS).boxed(),
        };
        (
            partition,
            prop::option::of(range(t)),
            prop::option::weighted(0.3, filter()),
            any::<bool>(),
            prop::option::of(1usize..4),
        )
            .prop_map(move |(p, range, filter, forward, limit)| Op::Query {
                target: t,
                partition: p.to_string(),
                range,
                filter,
                forward,
                limit,
            })
    });
    prop_oneof![
        6 => (key(), attrs(), prop::option::weighted(0.4, cond()), any::<bool>(), any::<bool>())
            .prop_map(|(key, attrs, cond, all_old, old_on_failure)| Op::Put {
                key, attrs, cond, all_old, old_on_failure
            }),
        6 => (key(), any::<bool>()).prop_flat_map(|(key, arith)| (
                Just(key),
                actions(arith),
                // `SET v = v + :n` goes without a condition: which error wins is not ours to say.
                if arith { Just(None).boxed() } else { prop::option::weighted(0.4, cond()).boxed() },
                select(vec!["NONE", "ALL_OLD", "ALL_NEW", "UPDATED_OLD", "UPDATED_NEW"]),
            ))
            .prop_map(|(key, actions, cond, ret)| Op::Update { key, actions, cond, ret }),
        3 => (key(), prop::option::weighted(0.4, cond()), any::<bool>(), any::<bool>())
            .prop_map(|(key, cond, all_old, old_on_failure)| Op::Delete {
                key, cond, all_old, old_on_failure
            }),
        2 => (key(), any::<bool>()).prop_map(|(key, consistent)| Op::Get { key, consistent }),
        2 => prop::collection::vec((key(), prop::option::weighted(0.7, attrs())), 1..5)
            .prop_map(Op::BatchWrite),
        3 => prop::collection::vec(
                prop_oneof![
                    (key(), attrs(), prop::option::weighted(0.3, cond()))
                        .prop_map(|(k, a, c)| TxAction::Put(k, a, c)),
                    (key(), actions(false), prop::option::weighted(0.3, cond()))
                        .prop_map(|(k, a, c)| TxAction::Update(k, a, c)),
                    (key(), prop::option::weighted(0.3, cond()))
                        .prop_map(|(k, c)| TxAction::Delete(k, c)),
                    (key(), cond()).prop_map(|(k, c)| TxAction::Check(k, c)),
                ],
                1..4,
            )
            .prop_map(Op::Transact),
        5 => query,
        2 => (target(), prop::option::weighted(0.3, filter()), prop::option::of(1usize..5))
            .prop_map(|(target, filter, limit)| Op::Scan { target, filter, limit }),
    ]
}

// ---------------------------------------------------------------- the model's views

fn index_name(t: Target) -> Option<&'static str> {
    match t {
        Target::Table => None,
        Target::Gsi => Some("byg"),
        Target::Lsi => Some("byl"),
    }
}

/// The item as `target` holds it (`None` when the index does not hold it): the GSI projects
/// the keys and `v`, the LSI everything.
fn in_target(t: Target, key: &Key, a: &Attrs) -> Option<Value> {
    match t {
        Target::Table => Some(item_json(key, a)),
        Target::Lsi => a.lsk.as_ref().map(|_| item_json(key, a)),
        Target::Gsi => {
            if a.gpk.is_none() || a.gsk.is_none() {
                return None;
            }
            let projected = Attrs {
                v: a.v,
                gpk: a.gpk.clone(),
                gsk: a.gsk,
                lsk: None,
                s: BTreeSet::new(),
            };
            Some(item_json(key, &projected))
        }
    }
}

/// The key attributes a `LastEvaluatedKey` on `target` carries.
fn last_key(t: Target, item: &Value) -> Value {
    let names: &[&str] = match t {
        Target::Table => &["pk", "sk"],
        Target::Gsi => &["pk", "sk", "gpk", "gsk"],
        Target::Lsi => &["pk", "sk", "lsk"],
    };
    Value::Object(
        names
            .iter()
            .filter_map(|n| item.get(*n).map(|v| (n.to_string(), v.clone())))
            .collect(),
    )
}

fn filter_holds(f: Option<Filter>, item: &Value) -> bool {
    let v = item
        .get("v")
        .and_then(|v| v["N"].as_str())
        .map(|n| n.parse::<i64>().unwrap());
    match f {
        None => true,
        Some(Filter::HasV) => v.is_some(),
        Some(Filter::VGt(n)) => v.is_some_and(|v| v > n),
    }
}

fn range_holds(r: &Range, v: &Value) -> bool {
    // Numbers compare as numbers, strings as bytes.
    fn cmp(a: &Value, b: &Value) -> std::cmp::Ordering {
        match (a.get("N"), b.get("N")) {
            (Some(x), Some(y)) => x
                .as_str()
                .unwrap()
                .parse::<i64>()
                .unwrap()
                .cmp(&y.as_str().unwrap().parse::<i64>().unwrap()),
            _ => a["S"].as_str().unwrap().cmp(b["S"].as_str().unwrap()),
        }
    }
    use std::cmp::Ordering::*;
    match r {
        Range::Eq(x) => cmp(v, x) == Equal,
        Range::Lt(x) => cmp(v, x) == Less,
        Range::Le(x) => cmp(v, x) != Greater,
        Range::Gt(x) => cmp(v, x) == Greater,
        Range::Ge(x) => cmp(v, x) != Less,
        Range::Between(lo, hi) => cmp(v, lo) != Less && cmp(v, hi) != Greater,
        Range::BeginsWith(p) => v["S"].as_str().unwrap().starts_with(p.as_str()),
    }
}

/// What a Query reads, in the order it reads them going forward: the partition's items in
/// sort-key order. GSI entries with equal sort keys are ordered by the table key's hash,
/// which the model does not know: they come back as one group each, compared as sets.
fn query_expected(
    model: &Model,
    t: Target,
    partition: &str,
    range: Option<&Range>,
) -> Vec<Vec<Value>> {
    let mut entries: Vec<(Value, Key, Value)> = Vec::new();
    for (key, a) in model {
        let Some(item) = in_target(t, key, a) else {
            continue;
        };
        let (pk_name, sk_name) = match t {
            Target::Table => ("pk", "sk"),
            Target::Gsi => ("gpk", "gsk"),
            Target::Lsi => ("pk", "lsk"),
        };
        if item[pk_name]["S"] != json!(partition) {
            continue;
        }
        let sk = item[sk_name].clone();
        if range.is_some_and(|r| !range_holds(r, &sk)) {
            continue;
        }
        entries.push((sk, key.clone(), item));
    }
    let sort_value = |v: &Value| -> (i64, String) {
        match v.get("N") {
            Some(n) => (n.as_str().unwrap().parse().unwrap(), String::new()),
            None => (0, v["S"].as_str().unwrap().to_string()),
        }
    };
    // Table and LSI ties (LSI: equal `lsk`) are ordered by the table's sort key.
    entries.sort_by(|a, b| sort_value(&a.0).cmp(&sort_value(&b.0)).then(a.1.cmp(&b.1)));
    let mut groups: Vec<Vec<Value>> = Vec::new();
    let mut last: Option<Value> = None;
    for (sk, _, item) in entries {
        if t == Target::Gsi && last.as_ref() == Some(&sk) {
            groups.last_mut().unwrap().push(item);
        } else {
            groups.push(vec![item]);
        }
        last = Some(sk);
    }
    groups
}

// ---------------------------------------------------------------- running

struct Harness {
    engine: Engine,
    model: Model,
}

fn attributes(answer: &Value) -> Option<Value> {
    answer.get("Attributes").map(norm)
}

impl Harness {
    fn new() -> Harness {
        let engine = engine();
        ok(
            &engine,
            "CreateTable",
            json!({
                "TableName": TABLE,
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "N"},
                    {"AttributeName": "gpk", "AttributeType": "S"},
                    {"AttributeName": "gsk", "AttributeType": "N"},
                    {"AttributeName": "lsk", "AttributeType": "S"}
                ],
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"}
                ],
                "GlobalSecondaryIndexes": [{
                    "IndexName": "byg",
                    "KeySchema": [
                        {"AttributeName": "gpk", "KeyType": "HASH"},
                        {"AttributeName": "gsk", "KeyType": "RANGE"}
                    ],
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["v"]}
                }],
                "LocalSecondaryIndexes": [{
                    "IndexName": "byl",
                    "KeySchema": [
                        {"AttributeName": "pk", "KeyType": "HASH"},
                        {"AttributeName": "lsk", "KeyType": "RANGE"}
                    ],
                    "Projection": {"ProjectionType": "ALL"}
                }]
            }),
        );
        Harness {
            engine,
            model: Model::new(),
        }
    }

    fn call(&self, op: &str, body: &Value) -> Result<Value, dynolab_model::ApiError> {
        call(&self.engine, op, body.clone())
    }

    /// The model's item as the engine answers it, or `None`.
    fn model_item(&self, key: &Key) -> Option<Value> {
        self.model.get(key).map(|a| norm(&item_json(key, a)))
    }

    fn expect_condition_failure(
        &self,
        what: &str,
        result: Result<Value, dynolab_model::ApiError>,
        key: &Key,
        old_on_failure: bool,
    ) {
        let e = result.expect_err(&format!("{what}: the condition fails in the model"));
        assert_eq!(
            e.code,
            ErrorCode::ConditionalCheckFailedException,
            "{what}: {e:?}"
        );
        let want = if old_on_failure {
            self.model_item(key)
        } else {
            None
        };
        let got = e
            .item
            .as_ref()
            .map(|i| norm(&dynolab_model::value::item_to_json(i)));
        assert_eq!(
            got, want,
            "{what}: the item of ConditionalCheckFailedException"
        );
    }

    fn run(&mut self, op: &Op) {
        let what = format!("{op:?}");
        match op {
            Op::Put {
                key,
                attrs,
                cond,
                all_old,
                old_on_failure,
            } => {
                let mut req = json!({"TableName": TABLE, "Item": item_json(key, attrs)});
                if *all_old {
                    req["ReturnValues"] = json!("ALL_OLD");
                }
                if let Some(c) = cond {
                    c.add_to(&mut req);
                    if *old_on_failure {
                        req["ReturnValuesOnConditionCheckFailure"] = json!("ALL_OLD");
                    }
                }
                let result = self.call("PutItem", &req);
                let old = self.model.get(key);
                if cond.is_some_and(|c| !c.holds(old)) {
                    return self.expect_condition_failure(&what, result, key, *old_on_failure);
                }
                let answer = result.unwrap_or_else(|e| panic!("{what}: {e:?}"));
                let want = if *all_old { self.model_item(key) } else { None };
                assert_eq!(attributes(&answer), want, "{what}: Attributes");
                self.model.insert(key.clone(), attrs.clone());
            }
            Op::Update {
                key,
                actions,
                cond,
                ret,
            } => {
                let mut req =
                    json!({"TableName": TABLE, "Key": key_json(key), "ReturnValues": ret});
                update_expression(actions, &mut req);
                if let Some(c) = cond {
                    c.add_to(&mut req);
                }
                let result = self.call("UpdateItem", &req);
                let old = self.model.get(key).cloned();
                if cond.is_some_and(|c| !c.holds(old.as_ref())) {
                    return self.expect_condition_failure(&what, result, key, false);
                }
                let new = match apply_actions(actions, old.as_ref()) {
                    Ok(new) => new,
                    Err(message) => {
                        let e = result.expect_err(&format!("{what}: the model refuses it"));
                        assert_eq!(e.code, ErrorCode::ValidationException, "{what}");
                        assert_eq!(e.message.as_deref(), Some(message), "{what}");
                        return;
                    }
                };
                let answer = result.unwrap_or_else(|e| panic!("{what}: {e:?}"));
                let old_json = old.as_ref().map(|a| norm(&item_json(key, a)));
                let new_json = norm(&item_json(key, &new));
                let updated: BTreeSet<&str> =
                    actions.iter().flat_map(|a| a.targets()).copied().collect();
                let only_updated = |item: &Value| -> Option<Value> {
                    let m: Map<String, Value> = item
                        .as_object()
                        .unwrap()
                        .iter()
                        .filter(|(k, _)| updated.contains(k.as_str()))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    (!m.is_empty()).then_some(Value::Object(m))
                };
                let want = match *ret {
                    "ALL_OLD" => old_json,
                    "ALL_NEW" => Some(new_json),
                    "UPDATED_OLD" => old_json.as_ref().and_then(only_updated),
                    "UPDATED_NEW" => only_updated(&new_json),
                    _ => None,
                };
                assert_eq!(attributes(&answer), want, "{what}: Attributes");
                self.model.insert(key.clone(), new);
            }
            Op::Delete {
                key,
                cond,
                all_old,
                old_on_failure,
            } => {
                let mut req = json!({"TableName": TABLE, "Key": key_json(key)});
                if *all_old {
                    req["ReturnValues"] = json!("ALL_OLD");
                }
                if let Some(c) = cond {
                    c.add_to(&mut req);
                    if *old_on_failure {
                        req["ReturnValuesOnConditionCheckFailure"] = json!("ALL_OLD");
                    }
                }
                let result = self.call("DeleteItem", &req);
                if cond.is_some_and(|c| !c.holds(self.model.get(key))) {
                    return self.expect_condition_failure(&what, result, key, *old_on_failure);
                }
                let answer = result.unwrap_or_else(|e| panic!("{what}: {e:?}"));
                let want = if *all_old { self.model_item(key) } else { None };
                assert_eq!(attributes(&answer), want, "{what}: Attributes");
                self.model.remove(key);
            }
            Op::Get { key, consistent } => {
                let answer = self
                    .call(
                        "GetItem",
                        &json!({"TableName": TABLE, "Key": key_json(key), "ConsistentRead": consistent}),
                    )
                    .unwrap_or_else(|e| panic!("{what}: {e:?}"));
                assert_eq!(answer.get("Item").map(norm), self.model_item(key), "{what}");
            }
            Op::BatchWrite(writes) => {
                let requests: Vec<Value> = writes
                    .iter()
                    .map(|(k, a)| match a {
                        Some(a) => json!({"PutRequest": {"Item": item_json(k, a)}}),
                        None => json!({"DeleteRequest": {"Key": key_json(k)}}),
                    })
                    .collect();
                let result = self.call(
                    "BatchWriteItem",
                    &json!({"RequestItems": {TABLE: requests}}),
                );
                let keys: BTreeSet<&Key> = writes.iter().map(|(k, _)| k).collect();
                if keys.len() < writes.len() {
                    let e = result.expect_err(&format!("{what}: duplicate keys"));
                    assert_eq!(
                        e.message.as_deref(),
                        Some("Provided list of item keys contains duplicates"),
                        "{what}"
                    );
                    return;
                }
                let answer = result.unwrap_or_else(|e| panic!("{what}: {e:?}"));
                assert_eq!(answer, json!({"UnprocessedItems": {}}), "{what}");
                for (k, a) in writes {
                    match a {
                        Some(a) => self.model.insert(k.clone(), a.clone()),
                        None => self.model.remove(k),
                    };
                }
            }
            Op::Transact(actions) => self.transact(&what, actions),
            Op::Query {
                target,
                partition,
                range,
                filter,
                forward,
                limit,
            } => self.query(
                &what,
                *target,
                partition,
                range.as_ref(),
                *filter,
                *forward,
                *limit,
            ),
            Op::Scan {
                target,
                filter,
                limit,
            } => {
                self.scan(&what, *target, *filter, *limit);
            }
        }
        if !matches!(op, Op::Get { .. } | Op::Query { .. } | Op::Scan { .. }) {
            self.check_everything(&what);
        }
    }

    fn transact(&mut self, what: &str, actions: &[TxAction]) {
        let items: Vec<Value> = actions
            .iter()
            .map(|a| {
                let mut body = json!({"TableName": TABLE});
                let kind = match a {
                    TxAction::Put(k, attrs, _) => {
                        body["Item"] = item_json(k, attrs);
                        "Put"
                    }
                    TxAction::Update(k, acts, _) => {
                        body["Key"] = key_json(k);
                        update_expression(acts, &mut body);
                        "Update"
                    }
                    TxAction::Delete(k, _) => {
                        body["Key"] = key_json(k);
                        "Delete"
                    }
                    TxAction::Check(k, _) => {
                        body["Key"] = key_json(k);
                        "ConditionCheck"
                    }
                };
                if let Some(c) = a.cond() {
                    c.add_to(&mut body);
                }
                json!({ kind: body })
            })
            .collect();
        let result = self.call("TransactWriteItems", &json!({"TransactItems": items}));
        let keys: BTreeSet<&Key> = actions.iter().map(TxAction::key).collect();
        if keys.len() < actions.len() {
            let e = result.expect_err(&format!("{what}: two actions on one item"));
            assert_eq!(
                e.message.as_deref(),
                Some("Transaction request cannot include multiple operations on one item"),
                "{what}"
            );
            return;
        }
        let reasons: Vec<&str> = actions
            .iter()
            .map(|a| match a.cond() {
                Some(c) if !c.holds(self.model.get(a.key())) => "ConditionalCheckFailed",
                _ => "None",
            })
            .collect();
        if reasons.contains(&"ConditionalCheckFailed") {
            let e = result.expect_err(&format!("{what}: a condition fails in the model"));
            assert_eq!(e.code, ErrorCode::TransactionCanceledException, "{what}");
            let got: Vec<&str> = e
                .cancellation_reasons
                .iter()
                .map(|r| r.code.as_str())
                .collect();
            assert_eq!(got, reasons, "{what}: CancellationReasons");
            return;
        }
        let answer = result.unwrap_or_else(|e| panic!("{what}: {e:?}"));
        assert_eq!(answer, json!({}), "{what}");
        for a in actions {
            match a {
                TxAction::Put(k, attrs, _) => {
                    self.model.insert(k.clone(), attrs.clone());
                }
                TxAction::Update(k, acts, _) => {
                    let new = apply_actions(acts, self.model.get(k)).unwrap();
                    self.model.insert(k.clone(), new);
                }
                TxAction::Delete(k, _) => {
                    self.model.remove(k);
                }
                TxAction::Check(..) => {}
            }
        }
    }

    /// Reads every page of a Query or Scan; checks each page's counts and `LastEvaluatedKey`
    /// against its last scanned item as `scanned_item(page, n)` names it. Returns the pages.
    fn pages(&self, what: &str, op: &str, mut req: Value, limit: Option<usize>) -> Vec<Value> {
        let mut pages = Vec::new();
        loop {
            let page = self
                .call(op, &req)
                .unwrap_or_else(|e| panic!("{what}: page {}: {e:?}", pages.len()));
            let items = page["Items"].as_array().unwrap();
            let scanned = page["ScannedCount"].as_u64().unwrap() as usize;
            assert_eq!(page["Count"], json!(items.len()), "{what}: Count");
            assert!(scanned >= items.len(), "{what}: ScannedCount {scanned}");
            match (limit, page.get("LastEvaluatedKey")) {
                (Some(l), Some(k)) => {
                    assert_eq!(scanned, l, "{what}: a page with LastEvaluatedKey is full");
                    req["ExclusiveStartKey"] = k.clone();
                }
                (Some(l), None) => assert!(scanned < l, "{what}: a full page has a next one"),
                (None, k) => assert!(k.is_none(), "{what}: tiny tables fit one page"),
            }
            let more = page.get("LastEvaluatedKey").is_some();
            pages.push(page);
            if !more {
                return pages;
            }
            assert!(pages.len() <= 40, "{what}: paging does not end");
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn query(
        &self,
        what: &str,
        target: Target,
        partition: &str,
        range: Option<&Range>,
        filter: Option<Filter>,
        forward: bool,
        limit: Option<usize>,
    ) {
        let (pk_name, sk_name) = match target {
            Target::Table => ("pk", "sk"),
            Target::Gsi => ("gpk", "gsk"),
            Target::Lsi => ("pk", "lsk"),
        };
        let mut req = json!({
            "TableName": TABLE,
            "ScanIndexForward": forward,
            "ExpressionAttributeValues": {":p": {"S": partition}},
        });
        let mut kc = format!("{pk_name} = :p");
        if let Some(r) = range {
            let vals = values(&mut req);
            let clause = match r {
                Range::Eq(x) | Range::Lt(x) | Range::Le(x) | Range::Gt(x) | Range::Ge(x) => {
                    vals.insert(":a".into(), x.clone());
                    let op = match r {
                        Range::Eq(_) => "=",
                        Range::Lt(_) => "<",
                        Range::Le(_) => "<=",
                        Range::Gt(_) => ">",
                        _ => ">=",
                    };
                    format!("{sk_name} {op} :a")
                }
                Range::Between(lo, hi) => {
                    vals.insert(":a".into(), lo.clone());
                    vals.insert(":b".into(), hi.clone());
                    format!("{sk_name} BETWEEN :a AND :b")
                }
                Range::BeginsWith(p) => {
                    vals.insert(":a".into(), json!({"S": p}));
                    format!("begins_with({sk_name}, :a)")
                }
            };
            kc = format!("{kc} AND {clause}");
        }
        req["KeyConditionExpression"] = json!(kc);
        add_filter(&mut req, filter);
        if let Some(i) = index_name(target) {
            req["IndexName"] = json!(i);
        }
        if let Some(l) = limit {
            req["Limit"] = json!(l);
        }
        let pages = self.pages(what, "Query", req, limit);

        let mut groups = query_expected(&self.model, target, partition, range);
        if !forward {
            groups.reverse();
        }
        let expected_scanned: Vec<Value> = groups.iter().flatten().cloned().collect();
        // Pages: each holds `limit` scanned items except the last, which holds fewer (or none,
        // when the previous page ended exactly at the end).
        if let Some(l) = limit {
            assert_eq!(
                pages.len(),
                expected_scanned.len() / l + 1,
                "{what}: number of pages"
            );
        }
        // Everything read, in order (GSI ties as sets), then each page's share of it.
        let mut read = Vec::new();
        let mut returned = Vec::new();
        for page in &pages {
            returned.extend(page["Items"].as_array().unwrap().iter().map(norm));
            read.push(page["ScannedCount"].as_u64().unwrap() as usize);
        }
        let want_returned: Vec<Value> = expected_scanned
            .iter()
            .filter(|i| filter_holds(filter, i))
            .map(norm)
            .collect();
        let mut at = 0;
        for (page, scanned) in pages.iter().zip(&read) {
            let slice = &expected_scanned[at..at + scanned];
            at += scanned;
            if let Some(k) = page.get("LastEvaluatedKey") {
                // The model knows the last item read, except among GSI ties; there, without a
                // filter, it is the page's last item.
                let last = if target != Target::Gsi {
                    slice.last()
                } else if filter.is_none() {
                    page["Items"].as_array().unwrap().last()
                } else {
                    None
                };
                if let Some(last) = last {
                    assert_eq!(
                        norm(k),
                        norm(&last_key(target, last)),
                        "{what}: LastEvaluatedKey"
                    );
                }
            }
        }
        assert_eq!(at, expected_scanned.len(), "{what}: items read");
        if target == Target::Gsi {
            // Same groups in the same order, each group's members in any order.
            let mut rest = returned.as_slice();
            for group in groups {
                let want: Vec<Value> = group
                    .iter()
                    .filter(|i| filter_holds(filter, i))
                    .map(norm)
                    .collect();
                let (head, tail) = rest.split_at(want.len().min(rest.len()));
                assert_eq!(sorted(head), sorted(&want), "{what}: a GSI sort-key group");
                rest = tail;
            }
            assert!(rest.is_empty(), "{what}: items the model does not have");
        } else {
            assert_eq!(returned, want_returned, "{what}: items");
        }
    }

    /// Scans every page; returns all returned items in order.
    fn scan(
        &self,
        what: &str,
        target: Target,
        filter: Option<Filter>,
        limit: Option<usize>,
    ) -> Vec<Value> {
        let mut req = json!({"TableName": TABLE});
        if let Some(i) = index_name(target) {
            req["IndexName"] = json!(i);
        }
        if let Some(l) = limit {
            req["Limit"] = json!(l);
        }
        add_filter(&mut req, filter);
        let pages = self.pages(what, "Scan", req, limit);
        let expected: Vec<Value> = self
            .model
            .iter()
            .filter_map(|(k, a)| in_target(target, k, a))
            .collect();
        if let Some(l) = limit {
            assert_eq!(
                pages.len(),
                expected.len() / l + 1,
                "{what}: number of pages"
            );
        }
        let scanned: usize = pages
            .iter()
            .map(|p| p["ScannedCount"].as_u64().unwrap() as usize)
            .sum();
        assert_eq!(scanned, expected.len(), "{what}: items read");
        let returned: Vec<Value> = pages
            .iter()
            .flat_map(|p| p["Items"].as_array().unwrap().iter().map(norm))
            .collect();
        let want: Vec<Value> = expected
            .iter()
            .filter(|i| filter_holds(filter, i))
            .cloned()
            .collect();
        assert_eq!(sorted(&returned), sorted(&want), "{what}: items");
        if filter.is_none() {
            check_scan_order(what, target, &returned);
            for page in &pages {
                if let Some(k) = page.get("LastEvaluatedKey") {
                    let last = page["Items"].as_array().unwrap().last().unwrap();
                    assert_eq!(
                        norm(k),
                        norm(&last_key(target, last)),
                        "{what}: LastEvaluatedKey"
                    );
                }
            }
        }
        returned
    }

    /// The table, its GSI and its LSI hold exactly what the model says.
    fn check_everything(&self, what: &str) {
        for target in [Target::Table, Target::Gsi, Target::Lsi] {
            self.scan(&format!("after {what}: {target:?}"), target, None, None);
        }
    }
}

fn add_filter(req: &mut Value, filter: Option<Filter>) {
    match filter {
        None => {}
        Some(Filter::HasV) => req["FilterExpression"] = json!("attribute_exists(v)"),
        Some(Filter::VGt(n)) => {
            req["FilterExpression"] = json!("v > :f");
            values(req).insert(":f".into(), json!({"N": n.to_string()}));
        }
    }
}

/// Scan order: partitions contiguous (in hash order, which the model does not know), each in
/// sort-key order (LSI: `lsk`, then `sk`).
fn check_scan_order(what: &str, target: Target, items: &[Value]) {
    let partition = |i: &Value| match target {
        Target::Gsi => i["gpk"].to_string(),
        _ => i["pk"].to_string(),
    };
    let sort = |i: &Value| -> (i64, String, i64) {
        let n = |v: &Value| v["N"].as_str().unwrap().parse::<i64>().unwrap();
        match target {
            Target::Table => (n(&i["sk"]), String::new(), 0),
            Target::Lsi => (0, i["lsk"]["S"].as_str().unwrap().to_string(), n(&i["sk"])),
            Target::Gsi => (n(&i["gsk"]), String::new(), 0),
        }
    };
    let mut seen = BTreeSet::new();
    for (i, item) in items.iter().enumerate() {
        let p = partition(item);
        if i == 0 || partition(&items[i - 1]) != p {
            assert!(
                seen.insert(p.clone()),
                "{what}: partition {p} is not contiguous"
            );
        } else {
            assert!(
                sort(&items[i - 1]) <= sort(item),
                "{what}: {} before {item} in a partition",
                items[i - 1]
            );
        }
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        max_shrink_iters: 2000,
        failure_persistence: None,
        .. ProptestConfig::default()
    })]

    #[test]
    fn random_operations_match_the_model(ops in prop::collection::vec(op(), 1..60)) {
        let mut h = Harness::new();
        for op in &ops {
            h.run(op);
        }
    }
}

/// The model is not vacuous: a fixed sequence that the engine must answer exactly so
/// (conditions failing and passing, an update creating an item, index entries moving).
#[test]
fn the_model_checks_a_known_sequence() {
    let mut h = Harness::new();
    let k = |p: &str, s: i64| (p.to_string(), s);
    let ops = vec![
        Op::Put {
            key: k("p0", 2),
            attrs: Attrs {
                v: Some(1),
                gpk: Some("g0".into()),
                gsk: Some(5),
                lsk: Some("b".into()),
                s: BTreeSet::new(),
            },
            cond: Some(Cond::NotExists),
            all_old: true,
            old_on_failure: false,
        },
        Op::Put {
            key: k("p0", 2),
            attrs: Attrs::default(),
            cond: Some(Cond::NotExists),
            all_old: false,
            old_on_failure: true,
        },
        Op::Update {
            key: k("p0", 10),
            actions: vec![Action::AddV(3), Action::SetG("g0".into(), -1)],
            cond: None,
            ret: "UPDATED_NEW",
        },
        Op::Update {
            key: k("p0", 10),
            actions: vec![Action::IncV(1), Action::RemoveGpk],
            cond: None,
            ret: "ALL_OLD",
        },
        Op::Query {
            target: Target::Gsi,
            partition: "g0".into(),
            range: None,
            filter: None,
            forward: false,
            limit: Some(1),
        },
        Op::Query {
            target: Target::Table,
            partition: "p0".into(),
            range: Some(Range::Gt(json!({"N": "1"}))),
            filter: Some(Filter::VGt(2)),
            forward: true,
            limit: Some(1),
        },
        Op::Transact(vec![
            TxAction::Check(k("p0", 2), Cond::VEq(1)),
            TxAction::Delete(k("p0", 10), Some(Cond::VLt(0))),
        ]),
        Op::Delete {
            key: k("p0", 2),
            cond: Some(Cond::HasGpk),
            all_old: true,
            old_on_failure: false,
        },
    ];
    for op in &ops {
        h.run(op);
    }
    assert_eq!(h.model.len(), 1);
    assert_eq!(h.model[&k("p0", 10)].v, Some(4));
}
