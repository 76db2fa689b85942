//! ListContributorInsights: every table and index with Contributor Insights configured.

use dynolab_model::ApiError;
use dynolab_model::wire::{Check, Checked, Ty, field};
use serde_json::{Map, Value, json};

use crate::{Engine, Outcome};

pub(crate) static SHAPE: super::Shape = &[
    field(
        "TableName",
        Ty::String,
        &[Check::NamePattern, Check::LenMin(3), Check::LenMax(255)],
    ),
    field("NextToken", Ty::String, &[]),
    field("MaxResults", Ty::Integer, &[Check::Max(100)]),
];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let table = req.str_field("TableName");
    let max = req
        .int_field("MaxResults")
        .filter(|m| *m > 0)
        .unwrap_or(100) as usize;
    let summaries: Vec<Value> = engine
        .insights()
        .iter()
        .filter(|((t, _), _)| table.is_none_or(|want| want == t))
        .take(max)
        .map(|((t, index), insights)| {
            let mut s = json!({"TableName": t, "ContributorInsightsStatus": if insights.enabled { "ENABLED" } else { "DISABLED" }});
            if let Some(i) = index {
                s["IndexName"] = json!(i);
            }
            s
        })
        .collect();
    Ok(Outcome::read(
        json!({"ContributorInsightsSummaries": summaries}),
    ))
}
