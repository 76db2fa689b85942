//! DynamoDB's asynchronous work, driven by the engine's clock: status transitions of tables,
//! GSIs and Time to Live (CREATING → ACTIVE, UPDATING → ACTIVE, DELETING → gone, ENABLING →
//! ENABLED, DISABLING → DISABLED), and the TTL service deleting expired items.
//!
//! [`Engine::tick`] does all of it for the current time. `dynolab serve` calls it every second
//! on the system clock, and after every move of a virtual clock (the admin API), so tests see
//! the effects without sleeping. How long each transition takes is [`crate::Lifecycle`].

use std::collections::BTreeMap;

use dynolab_clock::Timestamp;
use dynolab_storage::{Mutation, Ticket};

use crate::table::{TableMeta, TableStatus};
use crate::write::{self, Origin};
use crate::{Engine, TableHandle, TableState, read_lock, write_lock};

/// DynamoDB's TTL service leaves alone items whose TTL is more than five years in the past.
const TTL_MAX_AGE_SECS: i64 = 5 * 365 * 86_400;

impl Engine {
    /// Finishes every transition that is due and deletes every item TTL has expired, at the
    /// engine's current time. Cheap when there is nothing to do.
    pub fn tick(&self) {
        self.flush_record();
        let now = self.now();
        let handles: Vec<(String, TableHandle)> = self
            .tables_read()
            .iter()
            .map(|(n, h)| (n.clone(), h.clone()))
            .collect();
        for (name, handle) in handles {
            // Most ticks find nothing to do: look under the read lock first.
            if !self.is_due(&read_lock(&handle), now) {
                continue;
            }
            let mut state = write_lock(&handle);
            if state.meta.status == TableStatus::Deleting {
                if state.meta.status_until.is_none_or(|u| u <= now.as_micros()) {
                    let id = state.meta.id;
                    drop(state);
                    let mut tables = self.tables_write();
                    if tables
                        .get(&name)
                        .is_some_and(|h| std::sync::Arc::ptr_eq(h, &handle))
                    {
                        drop(self.remove_table(&mut tables, &name, id));
                    }
                }
                continue;
            }
            if finish_transitions(&mut state, now) {
                match self.persist_meta(&state.meta) {
                    Ok(ticket) => drop(ticket),
                    Err(e) => tracing::error!(error = %e, table = %name, "persisting a transition"),
                }
            }
            self.expire(&mut state, now);
        }
    }

    /// Whether a transition of the table ends, or an item expires, at `now`.
    fn is_due(&self, state: &TableState, now: Timestamp) -> bool {
        let now_micros = now.as_micros();
        let ends = |until: Option<u64>| until.is_some_and(|u| u <= now_micros);
        let meta = &state.meta;
        let transition = (meta.status != TableStatus::Active
            && meta.status_until.is_none_or(|u| u <= now_micros))
            || meta.gsis.iter().any(|g| ends(g.creating_until))
            || meta.deleting_gsis.iter().any(|(_, u)| *u <= now_micros)
            || ends(meta.ttl.as_ref().and_then(|t| t.until));
        transition
            || self.ttl_window(state, now).is_some_and(|(from, to)| {
                state
                    .expiry
                    .range((from, Vec::new())..(to, Vec::new()))
                    .next()
                    .is_some()
            })
    }

    /// The TTL times (seconds) whose items the TTL service deletes at `now`, as a half-open
    /// range, when TTL is ENABLED.
    fn ttl_window(&self, state: &TableState, now: Timestamp) -> Option<(i64, i64)> {
        if state
            .meta
            .ttl
            .as_ref()
            .is_none_or(|t| t.status != "ENABLED")
        {
            return None;
        }
        let now_secs = (now.as_micros() / 1_000_000) as i64;
        let cutoff = now_secs - self.config.lifecycle.ttl_delay_secs as i64;
        Some((now_secs - TTL_MAX_AGE_SECS, cutoff + 1))
    }

    /// The end of a transition that takes `secs`, or `None` when it is instant.
    pub(crate) fn transition_end(&self, secs: u64) -> Option<u64> {
        (secs > 0).then(|| self.now().as_micros() + secs * 1_000_000)
    }

    /// Removes a table, its items and its metadata (DeleteTable, or the end of DELETING).
    pub(crate) fn remove_table(
        &self,
        tables: &mut BTreeMap<String, TableHandle>,
        name: &str,
        id: u64,
    ) -> Ticket {
        let ticket = self.submit(vec![
            Mutation::DeleteAllItems { table_id: id },
            Mutation::DeleteMeta {
                name: name.to_string(),
            },
        ]);
        tables.remove(name);
        self.table_deleted(name);
        ticket
    }

    /// The TTL service: deletes the items whose TTL attribute is more than the configured delay
    /// in the past, through the one write path, marked as TTL deletions. No capacity is
    /// consumed or billed; CloudWatch counts them as TimeToLiveDeletedItemCount.
    fn expire(&self, state: &mut TableState, now: Timestamp) {
        let Some((from, to)) = self.ttl_window(state, now) else {
            return;
        };
        let due: Vec<Vec<u8>> = state
            .expiry
            .range((from, Vec::new())..(to, Vec::new()))
            .map(|(_, key)| key.clone())
            .collect();
        if due.is_empty() {
            return;
        }
        let mut mutations: Vec<Mutation> = Vec::new();
        for key in &due {
            let old = state.data.items.get(key);
            mutations.extend(write::apply(
                state,
                key,
                old.as_ref(),
                None,
                now,
                Origin::TimeToLive,
            ));
        }
        drop(self.submit(mutations));
        self.sample_storage(state);
        self.metrics().record(
            "TimeToLiveDeletedItemCount",
            vec![("TableName", state.meta.name.clone())],
            due.len() as f64,
            now,
        );
    }
}

/// Ends the transitions of a table, its GSIs and its TTL that are due at `now`. Returns
/// whether anything changed.
fn finish_transitions(state: &mut TableState, now: Timestamp) -> bool {
    let now = now.as_micros();
    let meta = &mut state.meta;
    let mut changed = false;
    for gsi in &mut meta.gsis {
        if gsi.creating_until.is_some_and(|u| u <= now) {
            gsi.creating_until = None;
            changed = true;
        }
    }
    let deleting = meta.deleting_gsis.len();
    meta.deleting_gsis.retain(|(_, until)| *until > now);
    if meta.deleting_gsis.len() != deleting {
        meta.prune_attribute_definitions();
        changed = true;
    }
    if matches!(meta.status, TableStatus::Creating | TableStatus::Updating)
        && meta.status_until.is_none_or(|u| u <= now)
    {
        meta.status = TableStatus::Active;
        meta.status_until = None;
        changed = true;
    }
    if let Some(ttl) = &mut meta.ttl
        && ttl.until.is_some_and(|u| u <= now)
    {
        changed = true;
        if ttl.status == "DISABLING" {
            meta.ttl = None;
            state.expiry.clear();
        } else {
            ttl.status = "ENABLED".into();
            ttl.until = None;
        }
    }
    changed
}

/// Rebuilds a table's TTL index after its TTL attribute changed.
pub(crate) fn rebuild_expiry(state: &mut TableState) {
    let TableState {
        meta, data, expiry, ..
    } = state;
    expiry.clear();
    for (key, item) in data.items.iter() {
        if let Some(at) = write::expires_at(meta, &item) {
            expiry.insert((at, key.to_vec()));
        }
    }
}

/// DynamoDB's ResourceInUseException for changing a table that is not ACTIVE.
pub(crate) fn in_use(meta: &TableMeta) -> dynolab_model::ApiError {
    let what = match meta.status {
        TableStatus::Creating => "Table is being created",
        TableStatus::Deleting => "Table is being deleted",
        _ => "Table is being updated",
    };
    dynolab_model::ApiError::resource_in_use(format!(
        "Attempt to change a resource which is still in use: {what}: {}",
        meta.name
    ))
}
