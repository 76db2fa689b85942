//! The `partiql` target: parse, bind and every translation the engine makes of a statement.

use dynolab_expr::Condition;
use dynolab_model::{AttributeValue, Item, Number};
use dynolab_partiql::{Statement, translate};
use serde_json::Value;

/// Parses the text before the first NUL as a statement, binds the parameters after it (a
/// JSON array of DynamoDB values; a default list otherwise) and translates what binds the
/// way the engine does: conditions are evaluated, updates applied, keys extracted.
pub fn partiql(data: &[u8]) {
    let parts = crate::parts(data, 2);
    let text = parts.first().map(String::as_str).unwrap_or_default();
    let params = parts
        .get(1)
        .and_then(|p| serde_json::from_str::<Vec<Value>>(p).ok())
        .map(|list| {
            list.iter()
                .filter_map(|v| AttributeValue::from_json(v).ok())
                .collect()
        })
        .unwrap_or_else(default_params);
    let Ok((statement, count)) = dynolab_partiql::parse(text) else {
        return;
    };
    let _ = (statement.table(), statement.is_read());
    // Too few parameters must be an error, never an out-of-bounds panic.
    let _ = dynolab_partiql::bind(statement.clone(), &params[..count.min(params.len()) / 2]);
    let Ok(bound) = dynolab_partiql::prepare(text, &params) else {
        return;
    };
    let item = sample_item();
    let conditions = |where_: &dynolab_partiql::Expr| {
        if let Ok(cond) = translate::condition(where_) {
            let cond = Condition::from_ast(cond);
            let _ = (cond.eval(&item), cond.eval(&Item::new()), cond.path_heads());
        }
        let _ = translate::conjuncts(where_);
        for keys in [&["pk", "sk"][..], &["pk"][..], &["a", "b", "c"][..]] {
            if let Ok((key, rest)) = translate::key_item(where_, keys) {
                let _ = key.len();
                if let Some(rest) = rest {
                    let _ = Condition::from_ast(rest).eval(&item);
                }
            }
        }
        for hash in ["pk", "a"] {
            let _ = translate::partition_values(where_, hash);
        }
        for range in ["sk", "a"] {
            if let Some(r) = translate::range_condition(where_, range) {
                for v in item.values() {
                    let _ = r.matches(v);
                }
            }
        }
    };
    match &bound {
        Statement::Select(s) | Statement::Exists(s) => {
            if let Some(w) = &s.where_ {
                conditions(w);
            }
        }
        Statement::Insert(i) => {
            let _ = translate::insert_item(&i.value);
        }
        Statement::Update(u) => {
            conditions(&u.where_);
            if let Ok(update) = translate::update(&u.actions) {
                for start in [Item::new(), item.clone()] {
                    let mut new = start.clone();
                    if update.apply(&mut new).is_err() && new != start {
                        panic!("a failed PartiQL update changed its item: {update:?}");
                    }
                }
            }
        }
        Statement::Delete(d) => conditions(&d.where_),
    }
}

/// One parameter of each common type, so that statements with `?` bind.
fn default_params() -> Vec<AttributeValue> {
    vec![
        AttributeValue::S("a".into()),
        AttributeValue::N(Number::from_i64(1)),
        AttributeValue::S("b".into()),
        AttributeValue::Ss(vec!["x".into(), "y".into()]),
        AttributeValue::Bool(true),
        AttributeValue::Null,
        AttributeValue::L(vec![AttributeValue::N(Number::from_i64(2))]),
        AttributeValue::Ns(vec![Number::from_i64(3)]),
    ]
}

fn sample_item() -> Item {
    let mut item = Item::new();
    item.insert("pk".into(), AttributeValue::S("a".into()));
    item.insert("sk".into(), AttributeValue::N(Number::from_i64(1)));
    item.insert("a".into(), AttributeValue::S("abc".into()));
    item.insert(
        "l".into(),
        AttributeValue::L(vec![AttributeValue::N(Number::from_i64(2))]),
    );
    item.insert(
        "m".into(),
        AttributeValue::M(Item::from([(
            "k".to_string(),
            AttributeValue::Ss(vec!["x".into()]),
        )])),
    );
    item
}
