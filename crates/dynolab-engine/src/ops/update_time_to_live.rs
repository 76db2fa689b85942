//! UpdateTimeToLive: turns the TTL service on or off for one Number attribute, with DynamoDB's
//! rules: enabling twice, disabling twice, or naming another attribute than the active one are
//! ValidationExceptions, and so is any change within `Lifecycle::ttl_cooldown_secs` of the
//! previous one (DynamoDB documents one hour) or while it is still ENABLING or DISABLING. The
//! transition takes `Lifecycle::ttl_transition_secs` (instant by default).

use dynolab_model::ApiError;
use dynolab_model::wire::{Check, Checked, TABLE_NAME_CHECKS, Ty, field};
use serde_json::{Map, Value, json};

use crate::table::{TableStatus, TimeToLive};
use crate::{Engine, Outcome, lifecycle, write_lock};

pub(crate) static SHAPE: super::Shape = &[
    field("TableName", Ty::String, TABLE_NAME_CHECKS),
    field(
        "TimeToLiveSpecification",
        Ty::Struct(
            "TimeToLiveSpecification",
            &[
                field(
                    "AttributeName",
                    Ty::String,
                    &[Check::NotNull, Check::LenMin(1), Check::LenMax(255)],
                ),
                field("Enabled", Ty::Boolean, &[Check::NotNull]),
            ],
        ),
        &[Check::NotNull],
    ),
];

pub(crate) fn execute(engine: &Engine, req: &Map<String, Value>) -> Result<Outcome, ApiError> {
    let name = req.str_field("TableName").unwrap_or_default();
    let spec = req
        .obj_field("TimeToLiveSpecification")
        .cloned()
        .unwrap_or_default();
    let attribute = spec.str_field("AttributeName").unwrap_or_default();
    let enable = spec.bool_field("Enabled").unwrap_or(false);
    let handle = engine
        .any_table(name)
        .map_err(|_| ApiError::table_not_found(name))?;
    let mut state = write_lock(&handle);
    if matches!(
        state.meta.status,
        TableStatus::Creating | TableStatus::Deleting
    ) {
        return Err(lifecycle::in_use(&state.meta));
    }
    let mut meta = state.meta.clone();
    match &meta.ttl {
        Some(ttl) if ttl.attribute != attribute => {
            return Err(ApiError::validation(format!(
                "TimeToLive is active on a different AttributeName: current AttributeName is {}",
                ttl.attribute
            )));
        }
        Some(_) if enable => {
            return Err(ApiError::validation("TimeToLive is already enabled"));
        }
        None if !enable => {
            return Err(ApiError::validation("TimeToLive is already disabled"));
        }
        _ => {}
    }
    // Another change within the cooldown of the last one (or while it is in progress).
    let now = engine.now().as_micros();
    let cooldown = engine.config.lifecycle.ttl_cooldown_secs * 1_000_000;
    if meta.ttl.as_ref().is_some_and(|t| t.until.is_some())
        || meta.ttl_changed.is_some_and(|at| now < at + cooldown)
    {
        return Err(ApiError::validation(
            "Time to live has been modified multiple times within a fixed interval",
        ));
    }
    meta.ttl_changed = Some(now);
    let until = engine.transition_end(engine.config.lifecycle.ttl_transition_secs);
    meta.ttl = match (enable, until) {
        (true, _) => Some(TimeToLive {
            attribute: attribute.to_string(),
            status: if until.is_some() {
                "ENABLING"
            } else {
                "ENABLED"
            }
            .into(),
            until,
        }),
        (false, Some(_)) => Some(TimeToLive {
            attribute: attribute.to_string(),
            status: "DISABLING".into(),
            until,
        }),
        (false, None) => None,
    };
    let ticket = engine.persist_meta(&meta)?;
    let rebuild = enable || meta.ttl.is_none();
    state.meta = meta;
    if rebuild {
        lifecycle::rebuild_expiry(&mut state);
    }
    Ok(Outcome {
        body: json!({"TimeToLiveSpecification": {"AttributeName": attribute, "Enabled": enable}}),
        ticket,
    })
}
