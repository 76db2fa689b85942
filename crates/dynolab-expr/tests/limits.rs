//! DynamoDB's expression limits, and inputs that must never crash the parser: parentheses
//! nested thousands deep (up to the 4 KB size limit), long operator chains, `NOT` chains.
//! Every case runs on a thread with a deliberately small stack, so a parser that recursed
//! without bound would abort this test binary instead of failing an assertion.

use dynolab_expr::{ConditionKind, Params, parse_condition, parse_projection, parse_update};
use serde_json::json;

fn params() -> Params {
    Params::from_json(None, json!({":v": {"N": "1"}}).as_object()).unwrap()
}

fn condition(text: &str) -> Result<(), String> {
    parse_condition(text, ConditionKind::Condition, &mut params())
        .map(|_| ())
        .map_err(|e| e.message())
}

fn update(text: &str) -> Result<(), String> {
    parse_update(text, &mut params())
        .map(|_| ())
        .map_err(|e| e.message())
}

/// Runs `f` on a thread with a 256 KiB stack: far less than a server thread has.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

fn nest(depth: usize, inner: &str) -> String {
    format!("{}{inner}{}", "(".repeat(depth), ")".repeat(depth))
}

#[test]
fn nested_parentheses_are_answered_at_every_depth() {
    on_small_stack(|| {
        // One pair around a condition is allowed; more are redundant (DynamoDB's message).
        assert_eq!(condition(&nest(1, "a = :v")), Ok(()));
        for depth in [2, 10, 100, 1000, 2000] {
            assert_eq!(
                condition(&nest(depth, "a = :v")),
                Err(
                    "Invalid ConditionExpression: The expression has redundant parentheses;".into()
                ),
                "depth {depth}"
            );
        }
        // 10,000 levels is over the 4 KB expression limit, checked before parsing.
        let text = nest(10_000, "a = :v");
        assert_eq!(
            condition(&text),
            Err(format!(
                "Invalid ConditionExpression: Expression size has exceeded the maximum allowed size; expression size: {}",
                text.len()
            ))
        );
        // 4,096 bare '(' is exactly 4 KB: a syntax error at the end of the text.
        let err = condition(&"(".repeat(4096)).unwrap_err();
        assert!(
            err.starts_with("Invalid ConditionExpression: Syntax error; token: <EOF>"),
            "{err}"
        );
        // The same in the other expression kinds.
        // DynamoDB's text for redundant parentheses around an update value is not known;
        // what matters here is an answer.
        let _ = update(&format!("SET a = {}", nest(2000, ":v")));
        let err = update(&format!("SET a = {}", "(".repeat(4000))).unwrap_err();
        assert!(err.contains("Syntax error"), "{err}");
        let err = parse_projection(&nest(2000, "a"), &mut params())
            .unwrap_err()
            .message();
        assert!(
            err.starts_with("Invalid ProjectionExpression: Syntax error"),
            "{err}"
        );
        // Parenthesised operands, nested function calls.
        let err = condition(&format!("{} = :v", nest(2000, "a"))).unwrap_err();
        assert!(err.contains("redundant parentheses"), "{err}");
        let deep_calls = format!("{}a{} = :v", "size(".repeat(400), ")".repeat(400));
        let err = condition(&deep_calls).unwrap_err();
        assert!(err.contains("too many operators"), "{err}");
    });
}

#[test]
fn at_most_300_operators() {
    on_small_stack(|| {
        // 150 comparisons joined by 149 ANDs: 299 operators.
        let chain = |n: usize| vec!["a = :v"; n].join(" AND ");
        assert_eq!(condition(&chain(150)), Ok(()));
        // 151 comparisons and 150 ANDs: the 301st operator is refused.
        assert_eq!(
            condition(&chain(151)),
            Err(
                "Invalid ConditionExpression: The expression contains too many operators; operator count: 301"
                    .into()
            )
        );
        // OR, NOT, BETWEEN, IN, functions and arithmetic all count.
        let ors = vec!["attribute_exists(a)"; 151].join(" OR ");
        assert!(condition(&ors).unwrap_err().contains("operator count: 301"));
        let nots = format!("{}a = :v", "NOT ".repeat(300));
        assert!(
            condition(&nots)
                .unwrap_err()
                .contains("operator count: 301")
        );
        let sums = format!(
            "SET {}",
            (0..101)
                .map(|i| format!("a{i}=b+:v"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert_eq!(update(&sums), Ok(()));
        let sums = format!(
            "SET {}",
            (0..301)
                .map(|i| format!("a{i}=b+:v"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        assert_eq!(
            update(&sums),
            Err(
                "Invalid UpdateExpression: The expression contains too many operators; operator count: 301"
                    .into()
            )
        );
    });
}

#[test]
fn not_not_is_a_condition() {
    // The Developer Guide's grammar is `NOT condition`; DynamoDB Local accepts NOT NOT too.
    assert_eq!(condition("NOT NOT a = :v"), Ok(()));
    assert_eq!(condition("NOT (NOT a = :v)"), Ok(()));
}
