//! `ExprError`: every error this crate reports, with DynamoDB's exact message text.
//!
//! All of them become a `ValidationException` in the engine; they differ only by message.

use std::fmt;

/// Which request parameter an expression came from; names the `Invalid <Kind>Expression:` prefix.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum ExprKind {
    Condition,
    Filter,
    KeyCondition,
    Update,
    Projection,
}

impl ExprKind {
    /// The request parameter name, e.g. `ConditionExpression`.
    pub fn param_name(self) -> &'static str {
        match self {
            ExprKind::Condition => "ConditionExpression",
            ExprKind::Filter => "FilterExpression",
            ExprKind::KeyCondition => "KeyConditionExpression",
            ExprKind::Update => "UpdateExpression",
            ExprKind::Projection => "ProjectionExpression",
        }
    }
}

/// An expression error. [`ExprError::message`] (and `Display`) is DynamoDB's full text.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum ExprError {
    /// A parse or validation error inside one expression:
    /// `Invalid <Kind>Expression: <detail>`.
    Invalid { kind: ExprKind, detail: String },
    /// An error about `ExpressionAttributeNames` / `ExpressionAttributeValues` as a whole
    /// (unused keys, invalid keys, invalid values), reported without a prefix.
    Params(String),
    /// A key-condition shape or key-schema error, reported without a prefix
    /// (e.g. `Query condition missed key schema element: pk`).
    KeyCondition(String),
    /// An error applying an update to an item (e.g. `An operand in the update expression has
    /// an incorrect data type`).
    Update(String),
    /// A validation error of the legacy (non-expression) parameters.
    Legacy(String),
}

impl ExprError {
    pub(crate) fn invalid(kind: ExprKind, detail: impl Into<String>) -> ExprError {
        ExprError::Invalid {
            kind,
            detail: detail.into(),
        }
    }

    /// DynamoDB's complete message.
    pub fn message(&self) -> String {
        match self {
            ExprError::Invalid { kind, detail } => {
                format!("Invalid {}: {detail}", kind.param_name())
            }
            ExprError::Params(m)
            | ExprError::KeyCondition(m)
            | ExprError::Update(m)
            | ExprError::Legacy(m) => m.clone(),
        }
    }
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for ExprError {}

/// Runtime update messages, shared by the expression and legacy paths.
pub(crate) mod msg {
    pub const MISSING_ATTRIBUTE: &str =
        "The provided expression refers to an attribute that does not exist in the item";
    pub const INCORRECT_OPERAND: &str =
        "An operand in the update expression has an incorrect data type";
    pub const INVALID_PATH: &str =
        "The document path provided in the update expression is invalid for update";
    pub const LEGACY_TYPE_MISMATCH: &str = "Type mismatch for attribute to update";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_carry_the_parameter_prefix() {
        let e = ExprError::invalid(
            ExprKind::Update,
            "Syntax error; token: \"x\", near: \"SET x\"",
        );
        assert_eq!(
            e.message(),
            "Invalid UpdateExpression: Syntax error; token: \"x\", near: \"SET x\""
        );
        assert_eq!(e.to_string(), e.message());
        assert_eq!(ExprError::Update("boom".into()).message(), "boom");
    }
}
