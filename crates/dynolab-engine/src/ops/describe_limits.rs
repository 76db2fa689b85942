//! DescribeLimits: the default account and table throughput quotas.

use dynolab_model::ApiError;
use serde_json::{Map, Value, json};

use crate::{Engine, Outcome};

pub(crate) static SHAPE: super::Shape = &[];

pub(crate) fn execute(_engine: &Engine, _req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    Ok(Outcome::read(json!({
        "AccountMaxReadCapacityUnits": 80000,
        "AccountMaxWriteCapacityUnits": 80000,
        "TableMaxReadCapacityUnits": 40000,
        "TableMaxWriteCapacityUnits": 40000,
    })))
}
