//! PartiQL errors: each carries DynamoDB's whole message (the engine answers it as a
//! ValidationException, or as the code named here).

use std::fmt;

/// What kind of failure a statement hit before it reached the table.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PartiqlError {
    pub message: String,
}

impl PartiqlError {
    pub fn new(message: impl Into<String>) -> PartiqlError {
        PartiqlError {
            message: message.into(),
        }
    }
}

impl fmt::Display for PartiqlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PartiqlError {}

/// "Statement wasn't well formed, can't be processed: <detail>".
pub fn malformed(detail: &str) -> PartiqlError {
    PartiqlError::new(format!(
        "Statement wasn't well formed, can't be processed: {detail}"
    ))
}

/// DynamoDB's messages, word for word where AWS (or DynamoDB Local) shows them.
pub mod msg {
    /// DynamoDB Local 1.25.1's text for a statement naming an invalid table.
    pub const TABLE_NAME: &str = "Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', '0-9', '-', '_', '.'.";
    pub const LEFTOVER: &str = "Unexpected token after expression";
    pub const UNEXPECTED_TERM: &str = "Unexpected term";
    pub const UNEXPECTED_KEYWORD: &str = "Unexpected keyword";
    pub const UNEXPECTED_OPERATOR: &str = "Unexpected operator";
    pub const MISSING_RHS: &str = "Missing right-hand side expression of infix operator";
    pub const EXPECTED_IDENTIFIER: &str = "Expected identifier for simple path";
    pub const EXPECTED_DML: &str = "Expected data manipulation";
    pub const ALIASING: &str = "Aliasing is not supported";
    pub const PARAMETER_COUNT: &str = "Number of parameters in request and statement don't match.";
    pub const INCOMPLETE_KEY: &str =
        "Where clause does not contain a mandatory equality on all key attributes";
    pub const STAR_AND_OTHERS: &str =
        "Other attributes should not be present in the projection when '*' is used.";
    pub const MISSING_COMPARED: &str = "MISSING must be compared using IS operator";
    pub const EMPTY_BAG: &str = "Empty bags are not supported";
    pub const BAG_TYPES: &str =
        "Unsupported data type in Bag. DynamoDB only supports either numbers or strings in bags";
    pub const INSERT_FORMAT: &str = "Unsupported format in item expression. Please use struct format {...} to express item values for insert statement.";
    pub const RETURNING_INSERT: &str = "RETURNING is not supported in INSERT";
    pub const RETURNING_STAR: &str =
        "Expected '*' after ( MODIFIED | ALL ) ( NEW | OLD ) in RETURNING clause";
    pub const PATH_FROM: &str = "A path may contain at most 2 components in the FROM clause";
    pub const DUPLICATE_ITEM: &str = "Duplicate primary key exists in table";
    pub const ORDER_BY_NO_WHERE: &str =
        "Must have WHERE clause in the statement when using ORDER BY clause.";
    pub const ORDER_BY_NO_HASH: &str = "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY clause.";
    pub const EXISTS_OUTSIDE_TRANSACTION: &str =
        "EXISTS can only be used in ExecuteTransaction write requests.";
    pub const EMPTY_PATH_COMPONENT: &str = "Path component cannot be an empty string";
    pub const PATH_STARTS_WITH_INDEX: &str = "A path cannot start with a list index";
    /// Ours: DynamoDB documents no nesting or operator limit for PartiQL (docs/COMPAT.md).
    pub const TOO_DEEP: &str = "Expression nesting exceeds the supported depth";
    pub const TOO_MANY_OPERATORS: &str = "Expression contains too many operators";
    pub const UNSUPPORTED_UPDATE_ACTION: &str =
        "Only SET and REMOVE are supported in update expressions at this time";
}
