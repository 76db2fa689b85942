//! `serve --max-memory`: a ceiling on the item data held in memory that fails cleanly.
//!
//! The engine's [`dynolab_storage::Meter`] counts the bytes every table's items and every
//! backup's items hold (an estimate per entry: `dynolab_storage::items::entry_cost`). Once it
//! reaches the ceiling, a request that adds data is refused before anything is applied, with
//! a `ValidationException` that names the flag: it is a client error no AWS SDK retries
//! (`LimitExceededException` would be: botocore's standard retry mode lists it among its
//! throttling codes), and nothing in the request was written. Reads, deletes and control-plane
//! calls that add no items go on. See docs/COMPAT.md.

use dynolab_model::ApiError;
use serde_json::{Map, Value};

use crate::Engine;

/// Refuses a request that adds data once the engine's memory meter is at its ceiling.
pub(crate) fn check(
    engine: &Engine,
    operation: &str,
    req: &Map<String, Value>,
) -> Result<(), ApiError> {
    let Some(max) = engine.config.max_memory else {
        return Ok(());
    };
    let used = engine.memory_bytes();
    if used < max || !adds_data(operation, req) {
        return Ok(());
    }
    Err(ApiError::validation(format!(
        "dynolab's memory ceiling is reached: items in memory take {used} bytes, at or past --max-memory ({max} bytes). \
         Writes that add data are refused; reads and deletes still work. Restart dynolab serve with a larger --max-memory, or delete items."
    )))
}

/// Whether a request can add item data: puts, updates, copies of tables.
fn adds_data(operation: &str, req: &Map<String, Value>) -> bool {
    let array = |name: &str| {
        req.get(name)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    let statement = |v: &Value| {
        v.get("Statement")
            .and_then(Value::as_str)
            .is_some_and(statement_adds)
    };
    match operation {
        "PutItem"
        | "UpdateItem"
        | "CreateBackup"
        | "RestoreTableFromBackup"
        | "RestoreTableToPointInTime"
        | "ImportTable" => true,
        "BatchWriteItem" => req
            .get("RequestItems")
            .and_then(Value::as_object)
            .is_some_and(|tables| {
                tables.values().any(|writes| {
                    writes
                        .as_array()
                        .is_some_and(|w| w.iter().any(|r| r.get("PutRequest").is_some()))
                })
            }),
        "TransactWriteItems" => array("TransactItems")
            .iter()
            .any(|a| a.get("Put").is_some() || a.get("Update").is_some()),
        "ExecuteStatement" => req
            .get("Statement")
            .and_then(Value::as_str)
            .is_some_and(statement_adds),
        "BatchExecuteStatement" => array("Statements").iter().any(statement),
        "ExecuteTransaction" => array("TransactStatements").iter().any(statement),
        _ => false,
    }
}

/// Whether a PartiQL statement writes an item (INSERT, UPDATE); SELECT and DELETE do not add.
fn statement_adds(statement: &str) -> bool {
    let word: String = statement
        .trim_start()
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    word.eq_ignore_ascii_case("INSERT") || word.eq_ignore_ascii_case("UPDATE")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn adds(op: &str, req: Value) -> bool {
        adds_data(op, req.as_object().unwrap_or(&Map::new()))
    }

    #[test]
    fn knows_which_requests_add_data() {
        assert!(adds("PutItem", json!({})));
        assert!(adds("UpdateItem", json!({})));
        assert!(!adds("DeleteItem", json!({})));
        assert!(!adds("GetItem", json!({})));
        assert!(!adds("Scan", json!({})));
        assert!(adds(
            "BatchWriteItem",
            json!({"RequestItems": {"t": [{"DeleteRequest": {}}, {"PutRequest": {}}]}})
        ));
        assert!(!adds(
            "BatchWriteItem",
            json!({"RequestItems": {"t": [{"DeleteRequest": {}}]}})
        ));
        assert!(adds(
            "TransactWriteItems",
            json!({"TransactItems": [{"ConditionCheck": {}}, {"Update": {}}]})
        ));
        assert!(!adds(
            "TransactWriteItems",
            json!({"TransactItems": [{"Delete": {}}]})
        ));
        assert!(adds(
            "ExecuteStatement",
            json!({"Statement": "  insert INTO t VALUE {'pk': 'a'}"})
        ));
        assert!(!adds(
            "ExecuteStatement",
            json!({"Statement": "SELECT * FROM t"})
        ));
        assert!(!adds(
            "ExecuteStatement",
            json!({"Statement": "DELETE FROM t WHERE pk = 'a'"})
        ));
        assert!(adds(
            "BatchExecuteStatement",
            json!({"Statements": [{"Statement": "SELECT * FROM t"}, {"Statement": "UPDATE t SET a = 1 WHERE pk = 'a'"}]})
        ));
        assert!(adds(
            "ExecuteTransaction",
            json!({"TransactStatements": [{"Statement": "INSERT INTO t VALUE {'pk': 'a'}"}]})
        ));
        assert!(adds("CreateBackup", json!({})));
        assert!(!adds("CreateTable", json!({})));
    }
}
