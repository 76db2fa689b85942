//! What each recommended change saves, from the runs the advisor simulated and nothing else.
//!
//! The advisor simulates its changes in three steps, so that is the finest honest attribution:
//! the design changes together (key design, write sharding, GSI consolidation, TTL: the before
//! design against the fixed design on on-demand), then the capacity mode (on-demand against the
//! chosen mode, on the fixed design), then the table class (the chosen mode against the after
//! run). The design changes are never simulated one by one, so no single one of them gets a
//! figure of its own.

use serde::Serialize;

use super::{Advice, Finding};
use crate::numbers::count;

/// One step of the advice and what it changes between two simulated runs.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub title: String,
    /// The recommendations (`Recommendation::kind`) this step applies.
    pub kinds: Vec<&'static str>,
    /// Dollars over the run: the run before the step less the run after it.
    pub usd_saved: f64,
    /// Throttled requests over the run, before the step less after it (negative if it adds).
    pub throttled_removed: i64,
    /// How the figures were obtained (which runs), and what they do not say.
    pub basis: String,
}

/// The recommendation kinds of the design step.
const DESIGN: [&str; 4] = ["key-design", "write-sharding", "gsi-consolidation", "ttl"];

/// The advice's steps ranked by dollars saved, then by throttled requests removed; a step
/// without a recommendation in it is left out.
pub fn changes(a: &Advice) -> Vec<Change> {
    let present = |kinds: &[&'static str]| -> Vec<&'static str> {
        kinds
            .iter()
            .copied()
            .filter(|k| a.recommendations.iter().any(|r| r.kind == *k))
            .collect()
    };
    let on_demand = a.modes.iter().find(|m| m.mode == "on-demand");
    let chosen = a.modes.iter().find(|m| m.chosen);
    let mut out = Vec::new();
    if let Some(od) = on_demand {
        let kinds = present(&DESIGN);
        if !kinds.is_empty() {
            // The hot keys the new key spreads, with the throttles the before run saw on them.
            let hot: Vec<String> = a
                .findings
                .iter()
                .filter(|f| f.kind == "hot-key" && f.throttled > 0)
                .map(|f| {
                    format!(
                        "{} on {}",
                        count(f.throttled),
                        f.title.trim_start_matches("hot partition key ")
                    )
                })
                .collect();
            let mut basis = format!(
                "simulated together: the before design ({}) against the fixed design on on-demand; not simulated one by one",
                a.before.resources[0].mode
            );
            if !hot.is_empty() {
                basis.push_str(&format!(
                    "; the before run's throttles on its hot keys: {}",
                    hot.join(", ")
                ));
            }
            out.push(Change {
                title: "the design changes: key, sharding, indexes, TTL".into(),
                kinds,
                usd_saved: a.before.cost_total - od.cost,
                throttled_removed: a.before.throttled as i64 - od.throttled as i64,
                basis,
            });
        }
        if let Some(c) = chosen {
            out.push(Change {
                title: format!("capacity mode: {}", c.mode),
                kinds: present(&["capacity-mode"]),
                usd_saved: od.cost - c.cost,
                throttled_removed: od.throttled as i64 - c.throttled as i64,
                basis: "the fixed design on on-demand against the chosen mode".into(),
            });
        }
    }
    if let Some(c) = chosen {
        let class = a
            .recommendations
            .iter()
            .find(|r| r.kind == "table-class")
            .map(|r| r.title.clone());
        if let Some(title) = class {
            out.push(Change {
                title,
                kinds: vec!["table-class"],
                usd_saved: c.cost - a.after.cost_total,
                throttled_removed: c.throttled as i64 - a.after.throttled as i64,
                basis: "the chosen mode on the table's class against the after run".into(),
            });
        }
    }
    out.sort_by(|x, y| {
        y.usd_saved
            .total_cmp(&x.usd_saved)
            .then(y.throttled_removed.cmp(&x.throttled_removed))
    });
    out
}

/// The findings (by index in `findings`) that a step answers: those whose `leads_to` names one
/// of its recommendations.
pub fn motivating(change: &Change, findings: &[Finding]) -> Vec<usize> {
    findings
        .iter()
        .enumerate()
        .filter(|(_, f)| {
            f.leads_to
                .strip_prefix("recommendation: ")
                .is_some_and(|l| l.split(", ").any(|k| change.kinds.contains(&k)))
        })
        .map(|(i, _)| i)
        .collect()
}

/// The Terraform a recommendation changes: the attributes and resources of after.tf (or the
/// workload file, for write sharding).
pub fn terraform_of(kind: &str) -> &'static str {
    match kind {
        "key-design" => "hash_key, range_key and attribute in aws_dynamodb_table",
        "write-sharding" => {
            "the key templates in after.workload.toml (the table's keys hold the shard suffix)"
        }
        "gsi-consolidation" => "the global_secondary_index blocks",
        "ttl" => "the ttl block",
        "capacity-mode" => {
            "billing_mode, read_capacity, write_capacity and the aws_appautoscaling_* resources"
        }
        "table-class" => "table_class",
        _ => "after.tf",
    }
}
