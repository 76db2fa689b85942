//! The API boundary of dynolab: DynamoDB's values, numbers, item sizes and errors, and the
//! shape-checking of request JSON.
//!
//! # Layout
//! - [`number`]: the 38-digit decimal `N` type.
//! - [`value`]: `AttributeValue`, `Item`, DynamoDB-JSON conversion.
//! - [`size`]: item size, shared by the 400 KB limit and capacity rounding.
//! - [`partition`]: the partition hash of a key, shared by storage, the engine and the simulator.
//! - [`error`]: `ErrorCode` (wire `__type` and status) and `ApiError`.
//! - [`wire`]: request shapes, the SerializationException and constraint checks.

pub mod error;
pub mod number;
pub mod partition;
pub mod size;
pub mod value;
pub mod wire;

pub use error::{ApiError, CancellationReason, ErrorCode};
pub use number::Number;
pub use value::{AttributeValue, Item, ValueType};
