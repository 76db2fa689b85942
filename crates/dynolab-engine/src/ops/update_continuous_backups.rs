//! UpdateContinuousBackups: turns point-in-time recovery on (with a recovery period of 1 to 35
//! days, 35 by default) or off. Turning it off forgets the history it kept.

use dynolab_model::ApiError;
use dynolab_model::wire::{Check, Checked, Ty, field};
use dynolab_storage::Mutation;
use serde_json::{Map, Value, json};

use super::shapes::TABLE_NAME_OR_ARN;
use crate::backups::{table_name, table_not_found};
use crate::history::PitrMeta;
use crate::{Engine, Outcome, TableState, write_lock};

pub(crate) static SHAPE: super::Shape = &[
    field("TableName", Ty::String, TABLE_NAME_OR_ARN),
    field(
        "PointInTimeRecoverySpecification",
        Ty::Struct(
            "PointInTimeRecoverySpecification",
            &[
                field("PointInTimeRecoveryEnabled", Ty::Boolean, &[Check::NotNull]),
                field(
                    "RecoveryPeriodInDays",
                    Ty::Integer,
                    &[Check::Min(1), Check::Max(35)],
                ),
            ],
        ),
        &[Check::NotNull],
    ),
];

/// Days of history kept when the request does not say.
const DEFAULT_RECOVERY_PERIOD_DAYS: u64 = 35;

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let name = table_name(req.str_field("TableName").unwrap_or_default());
    let spec = req
        .obj_field("PointInTimeRecoverySpecification")
        .cloned()
        .unwrap_or_default();
    let enable = spec
        .bool_field("PointInTimeRecoveryEnabled")
        .unwrap_or(false);
    let period = spec.int_field("RecoveryPeriodInDays");
    if !enable && period.is_some() {
        return Err(ApiError::validation(
            "Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time recovery.",
        ));
    }
    let handle = engine.table(name).map_err(|_| table_not_found(name))?;
    let now = engine.now();
    let mut state = write_lock(&handle);
    let TableState { meta, history, .. } = &mut *state;
    meta.pitr = enable.then(|| PitrMeta {
        // Re-enabling keeps the history already kept; enabling starts it now.
        enabled_micros: meta
            .pitr
            .as_ref()
            .map_or(now.as_micros(), |p| p.enabled_micros),
        period_days: period.map_or(DEFAULT_RECOVERY_PERIOD_DAYS, |p| p as u64),
    });
    let mut mutations: Vec<Mutation> = history.trim(meta, now).into_iter().collect();
    mutations.push(Mutation::PutMeta {
        name: meta.name.clone(),
        meta: serde_json::to_vec(&*meta).map_err(|e| ApiError::internal(e.to_string()))?,
    });
    let ticket = engine.submit(mutations);
    Ok(Outcome {
        body: json!({"ContinuousBackupsDescription": super::describe_continuous_backups::description(meta, now)}),
        ticket,
    })
}
