//! UpdateContributorInsights: turns Contributor Insights on or off for a table or one of its
//! GSIs. The change is immediate (DynamoDB answers ENABLING and gets there shortly).

use dynolab_model::ApiError;
use dynolab_model::wire::{Check, Checked, INDEX_NAME_CHECKS, TABLE_NAME_CHECKS, Ty, field};
use serde_json::{Map, Value, json};

use crate::{Engine, Outcome, read_lock};

pub(crate) static SHAPE: super::Shape = &[
    field("TableName", Ty::String, TABLE_NAME_CHECKS),
    field("IndexName", Ty::String, INDEX_NAME_CHECKS),
    field(
        "ContributorInsightsAction",
        Ty::String,
        &[Check::NotNull, Check::Enum(&["ENABLE", "DISABLE"])],
    ),
    field(
        "ContributorInsightsMode",
        Ty::String,
        &[Check::Enum(&[
            "ACCESSED_AND_THROTTLED_KEYS",
            "THROTTLED_KEYS",
        ])],
    ),
];

/// Checks that the table (and index) exist; returns whether the resource has a sort key.
pub(crate) fn resource(
    engine: &Engine,
    req: &Map<String, Value>,
) -> Result<(String, Option<String>, bool), ApiError> {
    let table = req.str_field("TableName").unwrap_or_default().to_string();
    let handle = engine
        .any_table(&table)
        .map_err(|_| ApiError::table_not_found(&table))?;
    let state = read_lock(&handle);
    // Enabling needs an ACTIVE table and index (describing and disabling do not).
    let enabling = req.str_field("ContributorInsightsAction") == Some("ENABLE");
    let not_ready = |what: &str| {
        ApiError::validation(format!(
            "Table or Index is not in a valid state to update Key Access Insights: {what} must be ACTIVE to enable ContributorInsights."
        ))
    };
    if enabling && state.meta.status != crate::table::TableStatus::Active {
        return Err(not_ready("TableStatus"));
    }
    let index = req.str_field("IndexName").map(str::to_string);
    let has_sort_key = match &index {
        None => state.meta.key_schema.range.is_some(),
        Some(name) => {
            let gsi = state
                .meta
                .gsis
                .iter()
                .find(|g| &g.name == name)
                .ok_or_else(|| {
                    ApiError::resource_not_found_message(format!(
                        "Requested resource not found: Index: {name} not found for table: {table}"
                    ))
                })?;
            if enabling && gsi.creating_until.is_some() {
                return Err(not_ready("IndexStatus"));
            }
            gsi.key_schema.range.is_some()
        }
    };
    Ok((table, index, has_sort_key))
}

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let (table, index, has_sort_key) = resource(engine, req)?;
    let enable = req.str_field("ContributorInsightsAction") == Some("ENABLE");
    let now = engine.now();
    let mut all = engine.insights();
    let insights = all.entry((table.clone(), index.clone())).or_default();
    if enable && insights.rule_stamp_ms == 0 {
        insights.rule_stamp_ms = now.as_micros() / 1000;
    }
    insights.enabled = enable;
    insights.has_sort_key = has_sort_key;
    insights.last_update_secs = now.as_secs_f64();
    engine.insights_changed(&all);
    let mut body = json!({"TableName": table, "ContributorInsightsStatus": if enable { "ENABLED" } else { "DISABLED" }});
    if let Some(i) = index {
        body["IndexName"] = json!(i);
    }
    Ok(Outcome::read(body))
}
