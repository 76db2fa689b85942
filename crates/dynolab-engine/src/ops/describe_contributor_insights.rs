//! DescribeContributorInsights: status and rule names of a table's or index's Contributor Insights.

use dynolab_model::ApiError;
use dynolab_model::wire::{INDEX_NAME_CHECKS, TABLE_NAME_CHECKS, Ty, field};
use serde_json::{Map, Value, json};

use super::update_contributor_insights::resource;
use crate::insights::rule_name;
use crate::{Engine, Outcome};

pub(crate) static SHAPE: super::Shape = &[
    field("TableName", Ty::String, TABLE_NAME_CHECKS),
    field("IndexName", Ty::String, INDEX_NAME_CHECKS),
];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let (table, index, _) = resource(engine, req)?;
    let all = engine.insights();
    let mut body = json!({"TableName": table, "ContributorInsightsStatus": "DISABLED"});
    if let Some(i) = &index {
        body["IndexName"] = json!(i);
    }
    if let Some(insights) = all.get(&(table.clone(), index.clone())) {
        if insights.enabled {
            body["ContributorInsightsStatus"] = json!("ENABLED");
            let rules: Vec<String> = insights
                .rule_kinds()
                .into_iter()
                .map(|k| rule_name(k, &table, index.as_deref(), insights.rule_stamp_ms))
                .collect();
            body["ContributorInsightsRuleList"] = json!(rules);
        }
        body["LastUpdateDateTime"] = json!(insights.last_update_secs);
    }
    Ok(Outcome::read(body))
}
