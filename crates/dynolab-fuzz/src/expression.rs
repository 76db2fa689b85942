//! The `expression` target: dynolab-expr's public API, every expression kind.

use std::collections::HashMap;

use dynolab_expr::legacy::{self, AttributeUpdate, ExpectedAttr, FilterCondition};
use dynolab_expr::{
    Condition, ConditionKind, Params, Printed, Projection, Update, parse_condition,
    parse_key_condition, parse_projection, parse_update,
};
use dynolab_model::value::item_from_json;
use dynolab_model::{AttributeValue, Item};
use serde_json::{Map, Value, json};

/// Parses the text before the first NUL as each expression kind, with the placeholder maps
/// and item given after it (or the defaults), and uses whatever parses. Panics when an
/// update that fails changes its item, or when a parsed expression does not survive
/// print → parse with the same meaning.
pub fn expression(data: &[u8]) {
    let parts = crate::parts(data, 4);
    let text = parts.first().map(String::as_str).unwrap_or_default();
    let names = parts
        .get(1)
        .and_then(|p| serde_json::from_str::<Map<String, Value>>(p).ok())
        .unwrap_or_else(default_names);
    let values = parts
        .get(2)
        .and_then(|p| serde_json::from_str::<Map<String, Value>>(p).ok())
        .unwrap_or_else(default_values);
    let mut items = vec![Item::new(), default_item()];
    if let Some(item) = parts
        .get(3)
        .and_then(|p| serde_json::from_str::<Map<String, Value>>(p).ok())
        .and_then(|m| item_from_json(&m).ok())
    {
        items.push(item);
    }
    // The maps are checked the way the engine checks them; bad maps still let the text be
    // parsed (with no placeholders at all) so the parser is never starved.
    let params =
        Params::from_json(Some(&names), Some(&values)).unwrap_or_else(|_| Params::new(None, None));

    for kind in [ConditionKind::Condition, ConditionKind::Filter] {
        let mut p = params.clone();
        if let Ok(cond) = parse_condition(text, kind, &mut p) {
            let _ = p.check_unused();
            check_condition(&cond, &items, true);
        }
    }
    let mut p = params.clone();
    if let Ok(key) = parse_key_condition(text, &mut p) {
        for (hash, range) in [("pk", Some("sk")), ("pk", None), ("a", Some("n"))] {
            if let Ok(resolved) = key.resolve(hash, range) {
                let _ = resolved.hash_value.value_type();
                if let Some(range) = resolved.range {
                    for v in range.values() {
                        let _ = range.matches(v);
                    }
                    for item in &items {
                        for v in item.values() {
                            let _ = range.matches(v);
                        }
                    }
                }
            }
        }
    }
    let mut p = params.clone();
    if let Ok(update) = parse_update(text, &mut p) {
        check_update(&update, &items);
    }
    let mut p = params;
    if let Ok(projection) = parse_projection(text, &mut p) {
        check_projection(&projection, &items);
    }
    if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) {
        check_legacy(&map, &items);
    }
}

/// Evaluates `cond` on every item and, when `round_trip` (conditions parsed from text; a
/// legacy condition may hold nodes no text produces), checks print → parse.
fn check_condition(cond: &Condition, items: &[Item], round_trip: bool) {
    let results: Vec<bool> = items.iter().map(|i| cond.eval(i)).collect();
    let _ = (cond.path_heads(), cond.nested_path_heads());
    if !round_trip {
        return;
    }
    let printed = cond.to_expression();
    let (mut names, mut values) = printed_params(&printed);
    let mut p = Params::new(names.take(), values.take());
    // A reprint may be longer than the limit; what parses again must be the same condition.
    if let Ok(again) = parse_condition(&printed.text, ConditionKind::Filter, &mut p) {
        if &again != cond {
            panic!(
                "condition changed through print → parse: {cond:?} printed as {:?}, parsed as {again:?}",
                printed.text
            );
        }
        let again_results: Vec<bool> = items.iter().map(|i| again.eval(i)).collect();
        if again_results != results {
            panic!(
                "condition {:?} evaluates differently once reprinted",
                printed.text
            );
        }
    }
}

fn check_update(update: &Update, items: &[Item]) {
    let _ = (
        update.top_level_targets(),
        update.nested_path_heads(),
        update.top_level_set_values(),
    );
    let projection = update.updated_projection();
    let mut outcomes = Vec::new();
    for item in items {
        let mut new = item.clone();
        let outcome = update.apply(&mut new);
        if outcome.is_err() && &new != item {
            panic!("a failed update changed its item: {update:?} on {item:?} gave {new:?}");
        }
        let _ = (projection.apply(item), projection.apply(&new));
        outcomes.push(outcome.map(|_| new).map_err(|e| e.message()));
    }
    let printed = update.to_expression();
    let (names, values) = printed_params(&printed);
    let mut p = Params::new(names, values);
    if let Ok(again) = parse_update(&printed.text, &mut p) {
        if &again != update {
            panic!(
                "update changed through print → parse: {update:?} printed as {:?}, parsed as {again:?}",
                printed.text
            );
        }
        for (item, before) in items.iter().zip(&outcomes) {
            let mut new = item.clone();
            let after = again.apply(&mut new).map(|_| new).map_err(|e| e.message());
            if &after != before {
                panic!(
                    "update {:?} applies differently once reprinted",
                    printed.text
                );
            }
        }
    }
}

fn check_projection(projection: &Projection, items: &[Item]) {
    let _ = (projection.top_level_names(), projection.nested_path_heads());
    let applied: Vec<Item> = items.iter().map(|i| projection.apply(i)).collect();
    let printed = projection.to_expression();
    let (names, values) = printed_params(&printed);
    let mut p = Params::new(names, values);
    if let Ok(again) = parse_projection(&printed.text, &mut p) {
        if &again != projection {
            panic!(
                "projection changed through print → parse: {projection:?} printed as {:?}, parsed as {again:?}",
                printed.text
            );
        }
        let again_applied: Vec<Item> = items.iter().map(|i| again.apply(i)).collect();
        if again_applied != applied {
            panic!(
                "projection {:?} applies differently once reprinted",
                printed.text
            );
        }
    }
}

/// The legacy parameters read from one JSON object: `Expected`, `QueryFilter`,
/// `KeyConditions`, `AttributeUpdates`, `AttributesToGet` and `ConditionalOperator`
/// members, each converted when present.
fn check_legacy(map: &Map<String, Value>, items: &[Item]) {
    let op = map.get("ConditionalOperator").and_then(Value::as_str);
    if let Some(Value::Object(m)) = map.get("Expected")
        && let Ok(entries) = ExpectedAttr::from_json(m)
        && let Ok(cond) = legacy::expected(&entries, op)
    {
        check_condition(&cond, items, false);
    }
    if let Some(Value::Object(m)) = map.get("QueryFilter")
        && let Ok(entries) = FilterCondition::from_json(m)
        && let Ok(cond) = legacy::filter(&entries, op)
    {
        check_condition(&cond, items, false);
    }
    if let Some(Value::Object(m)) = map.get("KeyConditions")
        && let Ok(entries) = FilterCondition::from_json(m)
        && let Ok(key) = legacy::key_conditions(&entries)
    {
        for (hash, range) in [("pk", Some("sk")), ("pk", None)] {
            if let Ok(resolved) = key.resolve(hash, range)
                && let Some(range) = resolved.range
            {
                for item in items {
                    for v in item.values() {
                        let _ = range.matches(v);
                    }
                }
            }
        }
    }
    if let Some(Value::Object(m)) = map.get("AttributeUpdates")
        && let Ok(entries) = AttributeUpdate::from_json(m)
        && let Ok(update) = legacy::attribute_updates(&entries)
    {
        for item in items {
            let mut new = item.clone();
            if update.apply(&mut new).is_err() && &new != item {
                panic!("a failed legacy update changed its item: {update:?} on {item:?}");
            }
        }
    }
    if let Some(Value::Array(list)) = map.get("AttributesToGet") {
        let names: Vec<String> = list
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_string())
            .collect();
        if let Ok(projection) = legacy::attributes_to_get(&names) {
            for item in items {
                let _ = projection.apply(item);
            }
        }
    }
}

type NameMap = Option<HashMap<String, String>>;
type ValueMap = Option<HashMap<String, AttributeValue>>;

/// The printer's placeholder maps as `Params` wants them (`None` when empty, as a request
/// without the member).
fn printed_params(printed: &Printed) -> (NameMap, ValueMap) {
    (
        (!printed.names.is_empty()).then(|| printed.names.clone()),
        (!printed.values.is_empty()).then(|| printed.values.clone()),
    )
}

/// `#a`…: names of every kind the default item has, one with a dot, one reserved word.
pub fn default_names() -> Map<String, Value> {
    let pairs = [
        ("#a", "a"),
        ("#b", "b"),
        ("#n", "n"),
        ("#s", "s"),
        ("#l", "l"),
        ("#m", "m"),
        ("#pk", "pk"),
        ("#sk", "sk"),
        ("#ss", "ss"),
        ("#ns", "ns"),
        ("#bs", "bs"),
        ("#bo", "bo"),
        ("#nu", "nu"),
        ("#dot", "a.b"),
        ("#size", "size"),
    ];
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), Value::String(v.to_string())))
        .collect()
}

/// `:s`…: a value of every type, numbers at the edges of DynamoDB's range.
pub fn default_values() -> Map<String, Value> {
    let v = json!({
        ":s": {"S": "abc"},
        ":s2": {"S": "ab"},
        ":e": {"S": ""},
        ":n": {"N": "5"},
        ":one": {"N": "1"},
        ":neg": {"N": "-1.5e10"},
        ":big": {"N": "9.9999999999999999999999999999999999999E+125"},
        ":tiny": {"N": "1E-130"},
        ":b": {"B": "AAEC"},
        ":bo": {"BOOL": true},
        ":nu": {"NULL": true},
        ":l": {"L": [{"N": "1"}, {"S": "x"}, {"L": []}]},
        ":m": {"M": {"k": {"S": "v"}, "n": {"M": {}}}},
        ":ss": {"SS": ["abc", "x"]},
        ":ns": {"NS": ["1", "5", "-2"]},
        ":bs": {"BS": ["AAEC", "AQ=="]},
        ":t": {"S": "S"}
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// An item with every type, nested lists and maps, and key attributes `pk` / `sk`.
fn default_item() -> Item {
    let v = json!({
        "pk": {"S": "abc"},
        "sk": {"N": "5"},
        "a": {"S": "abc"},
        "a.b": {"N": "3"},
        "b": {"B": "AAEC"},
        "n": {"N": "5"},
        "s": {"S": "hello"},
        "l": {"L": [{"N": "1"}, {"L": [{"S": "deep"}, {"M": {"z": {"N": "0"}}}]}, {"NULL": true}]},
        "m": {"M": {"k": {"S": "v"}, "inner": {"M": {"l": {"L": [{"N": "7"}]}}}, "ss": {"SS": ["p"]}}},
        "ss": {"SS": ["abc", "def"]},
        "ns": {"NS": ["1", "2", "3"]},
        "bs": {"BS": ["AAEC"]},
        "bo": {"BOOL": false},
        "nu": {"NULL": true},
        "size": {"N": "9.9999999999999999999999999999999999999E+125"}
    });
    match &v {
        Value::Object(m) => item_from_json(m).unwrap_or_default(),
        _ => Item::new(),
    }
}
