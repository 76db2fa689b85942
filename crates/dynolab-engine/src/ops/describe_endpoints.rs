//! DescribeEndpoints: the regional endpoint, cached for the usual 1,440 minutes.

use dynolab_model::ApiError;
use serde_json::{Map, Value, json};

use crate::{Engine, Outcome};

pub(crate) static SHAPE: super::Shape = &[];

pub(crate) fn execute(engine: &Engine, _req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    Ok(Outcome::read(json!({
        "Endpoints": [{"Address": format!("dynamodb.{}.amazonaws.com", engine.config.region), "CachePeriodInMinutes": 1440}]
    })))
}
