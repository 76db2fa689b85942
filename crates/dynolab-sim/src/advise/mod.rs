//! The advisor: simulate the design, read the evidence, fix the key design, shard what is still
//! hot, fold the GSIs into overloaded ones, pick the capacity mode and table class from simulated
//! costs, and simulate the result on the same traffic (docs/design/simulate.md, "advise").
//!
//! The stages, one module each: [`design`] fixes the table (key design, write sharding, one
//! overloaded GSI per access key, TTL) from the design and the workload alone; the before design
//! and the fixed one on demand are simulated side by side; [`findings`] reads the before run;
//! [`modes`] sizes the provisioned candidates from the on-demand run, simulates them side by
//! side and chooses; the table class comes last, and the chosen run is the after column.

mod design;
mod findings;
mod modes;
pub mod savings;

use dynolab_design::{TableClass, TableDesign};
use serde::Serialize;

use std::collections::BTreeMap;

use crate::numbers::{count, usd};
use crate::sim::{SimError, SimOptions, SimReport, simulate};
use crate::workload::{Class, Distinct, Distribution, Entity, Workload, template_attributes};

pub use crate::sim::RESERVED_1Y_DISCOUNT;
/// Keep a key under this share of its partition's cap; above it, shard (choice).
pub const PARTITION_HEADROOM: f64 = 0.8;
/// An attribute with fewer distinct values than this is low-cardinality (choice).
pub const HIGH_CARDINALITY: u64 = 1_000;

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub kind: &'static str,
    pub title: String,
    pub evidence: Vec<String>,
    /// The figures behind the evidence when they are a table (the per-resource utilization).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<FindingTable>,
    /// What it costs in the before run: the throttled requests it accounts for (a hot key's own,
    /// or every throttled request for the throttling finding), and the dollars over the run (an
    /// unused index's cost, provisioned capacity paid for and not used); 0 where the advisor
    /// does not measure it. Findings are listed by these, largest first (see [`rank`]).
    pub throttled: u64,
    pub usd: f64,
    /// The recommendation that answers it (`recommendation: key-design`), or why none does
    /// (`no recommendation: …`).
    pub leads_to: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct FindingTable {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Recommendation {
    pub kind: &'static str,
    pub title: String,
    pub detail: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ModeCost {
    pub mode: String,
    /// The run's cost; for a run that stopped early, the cost of the days it ran.
    pub cost: f64,
    pub throttled: u64,
    pub chosen: bool,
    /// Set when the run stopped early, after this many days, because it had throttled more
    /// requests than on-demand does over the whole run: it could no longer be chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_after_days: Option<f64>,
}

/// Rounds of revision of the after design when its run still throttles (choice).
pub const REVISION_ROUNDS: usize = 3;
/// The after design meets the load when it fails no request and throttles under this share of
/// them (issue 21's acceptance).
pub const MEETS_LOAD_THROTTLED: f64 = 0.001;

/// Whether a run meets its load: no request failed after retries, and under 0.1% throttled.
pub fn meets_load(r: &SimReport) -> bool {
    r.failed == 0 && (r.throttled as f64) < MEETS_LOAD_THROTTLED * r.requests.max(1) as f64
}

/// Whether the after design meets the load, and when it does not, why: the first line of every
/// report.
#[derive(Clone, Debug, Serialize)]
pub struct Verdict {
    pub meets_load: bool,
    /// One line: what the after design does with the load.
    pub headline: String,
    /// Which resource still refuses what, and why, largest first.
    pub refused: Vec<String>,
    /// Rounds of revision the proof loop made.
    pub revisions: usize,
}

fn verdict(
    design: &TableDesign,
    after: &SimReport,
    modes: &[ModeCost],
    rounds: usize,
    options: &SimOptions,
) -> Verdict {
    let meets = meets_load(after);
    let cap = |key: &crate::sim::KeyStats| {
        if key.op == "write" {
            options.capacity.partition_write_units_per_s
        } else {
            options.capacity.partition_read_units_per_s
        }
    };
    let mut refused: Vec<String> = after
        .throttled_by_reasons
        .iter()
        .take(3)
        .map(|set| format!("{}: {} requests", set.summary, count(set.requests)))
        .collect();
    refused.extend(
        after
            .top_keys
            .iter()
            .filter(|k| k.throttled > 0)
            .take(3)
            .map(|k| {
                format!(
                    "key {} on {}: {} of its {} requests throttled, peak {} {} units/s offered against one partition's {} (one key lives on one partition; neither capacity nor auto scaling raises that)",
                    k.key,
                    k.resource,
                    count(k.throttled),
                    count(k.requests),
                    count(k.peak_units.round() as u64),
                    k.op,
                    count(cap(k))
                )
            }),
    );
    let all_modes_throttle = !modes.is_empty() && modes.iter().all(|m| m.throttled > 0);
    if all_modes_throttle {
        refused.push(format!(
            "none of the {} capacity modes compared meets the load: {}",
            modes.len(),
            modes
                .iter()
                .map(|m| format!("{} {} throttled", m.mode, count(m.throttled)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let headline = if meets {
        format!(
            "The after design meets the load: {} throttled and {} failed of {} requests.",
            count(after.throttled),
            count(after.failed),
            count(after.requests)
        )
    } else {
        format!(
            "THE AFTER DESIGN CANNOT MEET THE LOAD: {} of {} requests still throttled ({:.2}%) and {} failed after retries on table {}, after {} revision{} of the design; it is not a fix, only the best the advisor found.",
            count(after.throttled),
            count(after.requests),
            after.throttled as f64 / after.requests.max(1) as f64 * 100.0,
            count(after.failed),
            design.name,
            rounds,
            if rounds == 1 { "" } else { "s" }
        )
    };
    Verdict {
        meets_load: meets,
        headline,
        refused: if meets { Vec::new() } else { refused },
        revisions: rounds,
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Advice {
    /// Whether the after design meets the load (first in advice.json, as in every report).
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    pub recommendations: Vec<Recommendation>,
    pub modes: Vec<ModeCost>,
    /// The after design, the one `after.tf` and `after.json` hold, and `after` is its run.
    pub after_design: TableDesign,
    pub after_workload: Workload,
    /// Whether `after` prices the provisioned capacity as 1-year reserved capacity (a purchase
    /// the design files cannot say; `dynolab simulate --reserved-capacity` prices it so).
    pub reserved_capacity: bool,
    pub before: SimReport,
    pub after: SimReport,
}

impl Advice {
    /// Findings that lead nowhere: `leads_to` names a recommendation that was not made, or
    /// neither names one nor says why none was made. Empty for every advice.
    pub fn unanswered(&self) -> Vec<&Finding> {
        self.findings
            .iter()
            .filter(|f| match f.leads_to.strip_prefix("recommendation: ") {
                Some(kinds) => kinds
                    .split(", ")
                    .any(|kind| !self.recommendations.iter().any(|r| r.kind == kind)),
                None => !f.leads_to.starts_with("no recommendation: "),
            })
            .collect()
    }
}

fn distinct_of(d: &Distribution) -> Option<u64> {
    if !d.values.is_empty() {
        return Some(d.values.len() as u64);
    }
    match &d.distinct {
        Some(Distinct::Count(n)) => Some(*n),
        _ => None,
    }
}

/// Many distinct values, none of them carrying 5% of the requests or more.
fn high_cardinality(d: &Distribution) -> bool {
    distinct_of(d).is_none_or(|n| n >= HIGH_CARDINALITY)
        && d.classes("x").iter().all(|c| match c {
            Class::Value { share, .. } => *share < 0.05,
            Class::Spread { .. } => true,
        })
}

/// Largest share of requests one value combination of `template` gets.
fn top_share(entity: &Entity, template: &str) -> f64 {
    template_attributes(template)
        .iter()
        .map(|a| {
            entity.attributes[a]
                .classes(a)
                .iter()
                .map(|c| match c {
                    Class::Value { share, .. } => *share,
                    Class::Spread { share, distinct } => {
                        distinct.map_or(0.0, |n| share / n.max(1) as f64)
                    }
                })
                .fold(0.0, f64::max)
        })
        .product()
}

/// Peak writes per second of an entity (all write patterns, daily peak with spikes).
fn peak_writes(workload: &Workload, entity: &str) -> f64 {
    workload
        .patterns
        .iter()
        .filter(|p| p.entity == entity && p.operation.is_write())
        .filter_map(|p| crate::workload::DailyCurve::new(&p.rate).ok())
        .map(|c| c.peak())
        .sum()
}

/// Runs the whole advice: before, findings, the after design and workload, modes, after.
/// Runs the whole advice: the after design and workload, before and the modes simulated,
/// findings, the chosen mode and table class, after.
pub fn advise(
    design: &TableDesign,
    workload: &Workload,
    options: &SimOptions,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> Result<Advice, SimError> {
    let mut min_shards: BTreeMap<String, u64> = BTreeMap::new();
    let (mut after, mut after_w, mut recs) = design::fix(design, workload, options, &min_shards);
    let mut on_demand = modes::on_demand(&after);
    // The before design and the after design on demand are independent: run them side by side
    // (the machine this targets has two cores).
    let (before, od) = std::thread::scope(|scope| {
        let od = scope.spawn(|| simulate(&on_demand, &after_w, options, &mut |_, _| {}));
        let before = simulate(design, workload, options, &mut |d, t| {
            progress("before and on-demand", d, t)
        });
        (
            before,
            od.join().expect("the on-demand simulation does not panic"),
        )
    });
    let (before, mut od) = (before?, od?);
    // The proof loop: while the fixed design, simulated, still throttles a table key, raise that
    // key's shards from its measured peak and simulate again, up to REVISION_ROUNDS times.
    // A revision is probed on the first day only (the daily peaks are there, and on demand the
    // first day is the hardest: the table starts with the fewest partitions and the lowest
    // peak); the revised design then gets its full on-demand run.
    let mut rounds = 0;
    let probe_options = SimOptions {
        days: Some(options.days.unwrap_or(workload.days).min(1.0)),
        ..options.clone()
    };
    let mut probe: Option<SimReport> = None;
    while rounds < REVISION_ROUNDS && !meets_load(probe.as_ref().unwrap_or(&od)) {
        let last = probe.as_ref().unwrap_or(&od);
        let raised = design::reshard(design, workload, &after_w, last, options, &min_shards);
        if raised.is_empty() {
            break;
        }
        min_shards.extend(raised);
        rounds += 1;
        (after, after_w, recs) = design::fix(design, workload, options, &min_shards);
        on_demand = modes::on_demand(&after);
        probe = Some(simulate(
            &on_demand,
            &after_w,
            &probe_options,
            &mut |d, t| progress(&format!("revision {rounds}"), d, t),
        )?);
    }
    if rounds > 0 {
        od = simulate(&on_demand, &after_w, options, &mut |d, t| {
            progress("revised design on demand", d, t)
        })?;
    }
    let mut findings = findings::findings(design, workload, &before, options);
    let choice = modes::choose(
        design, workload, &after, &after_w, on_demand, od, options, progress,
    )?;
    recs.push(choice.recommendation);
    findings.push(choice.finding);
    let (modes, chosen_design, chosen_report, reserved_capacity) = (
        choice.modes,
        choice.design,
        choice.report,
        choice.reserved_capacity,
    );
    // Table class: Standard-IA pays off when storage dominates.
    let mut after_design = chosen_design;
    let storage = chosen_report.cost_of("storage");
    let throughput = chosen_report.cost_total - storage;
    let std = options.prices.class("STANDARD");
    let ia = options.prices.class("STANDARD_INFREQUENT_ACCESS");
    let ia_total = storage * ia.storage_gb_month / std.storage_gb_month
        + throughput * ia.on_demand_write_per_million / std.on_demand_write_per_million;
    let class = if ia_total < chosen_report.cost_total {
        TableClass::StandardInfrequentAccess
    } else {
        TableClass::Standard
    };
    recs.push(Recommendation {
        kind: "table-class",
        title: if class == design.table_class {
            format!("keep table class {}", class.as_str())
        } else {
            format!("table class {}", class.as_str())
        },
        detail: vec![format!(
            "STANDARD {} against STANDARD_INFREQUENT_ACCESS about {} (storage {} of the bill)",
            usd(chosen_report.cost_total),
            usd(ia_total),
            usd(storage)
        )],
    });
    let after_report = if class != after_design.table_class {
        after_design.table_class = class;
        let options = SimOptions {
            reserved_capacity,
            ..options.clone()
        };
        simulate(&after_design, &after_w, &options, &mut |d, t| {
            progress("after", d, t)
        })?
    } else {
        chosen_report
    };
    for f in &mut findings {
        f.leads_to = leads_to(f, &recs, design);
    }
    rank(&mut findings);
    let verdict = verdict(design, &after_report, &modes, rounds, options);
    Ok(Advice {
        verdict,
        findings,
        recommendations: recs,
        modes,
        after_design,
        after_workload: after_w,
        reserved_capacity,
        before,
        after: after_report,
    })
}

/// Findings by what they cost, largest first: hot keys (the causes) by their throttled requests,
/// then the throttling they add up to, then the rest by dollars; what the advisor does not
/// measure keeps its place after them (the sort is stable).
pub fn rank(findings: &mut [Finding]) {
    let tier = |f: &Finding| match f.kind {
        "hot-key" | "hot-item" | "shared-key" => 0,
        "throttling" => 1,
        _ if f.throttled > 0 || f.usd > 0.0 => 2,
        _ => 3,
    };
    findings.sort_by(|a, b| {
        tier(a)
            .cmp(&tier(b))
            .then(b.throttled.cmp(&a.throttled))
            .then(b.usd.total_cmp(&a.usd))
    });
}

/// Which recommendation answers a finding, or why none does: each finding leads somewhere.
fn leads_to(finding: &Finding, recs: &[Recommendation], design: &TableDesign) -> String {
    // A hot key of GSIs (`hot partition key premium on gsi_a, gsi_b`) is answered by what
    // changes those indexes.
    let on_gsis = finding.kind == "hot-key"
        && finding.title.rsplit_once(" on ").is_some_and(|(_, on)| {
            on.split(", ")
                .all(|name| design.gsis.iter().any(|g| g.name == name))
        });
    let answers: &[&str] = match finding.kind {
        "hot-key" if on_gsis => &["write-sharding", "gsi-consolidation"],
        "throttling" | "hot-key" => &["key-design", "write-sharding", "capacity-mode"],
        "over-provisioned" | "capacity-mode" => &["capacity-mode"],
        "gsi-sprawl" | "unused-gsi" => &["gsi-consolidation"],
        "wide-projection" | "update-projection" => &["gsi-consolidation", "projection"],
        "hot-item" => &["item-split"],
        "shared-key" => &["write-sharding"],
        "filter" => &["key-design", "scan-index"],
        "scan" => &["scan-index"],
        "ttl" => &["ttl"],
        _ => &[],
    };
    // A Scan's index answers the findings about that pattern only.
    let pattern = finding
        .title
        .strip_prefix('"')
        .and_then(|t| t.split_once('"'))
        .map(|(name, _)| format!("{name:?}"));
    let answers_it = |r: &Recommendation| {
        r.kind != "scan-index" || pattern.as_ref().is_some_and(|p| r.title.contains(p))
    };
    let found: Vec<&str> = answers
        .iter()
        .copied()
        .filter(|kind| recs.iter().any(|r| r.kind == *kind && answers_it(r)))
        .collect();
    if !found.is_empty() {
        return format!("recommendation: {}", found.join(", "));
    }
    match finding.kind {
        "scan" if finding.title.contains(" is a Scan of index ") => "no recommendation: the advisor makes an index for a Scan of the table, not of an index; a sparse index holding only what the Scan keeps would serve it".into(),
        "scan" => "no recommendation: the Scan returns most of what it reads (an export or a full read), so no key or index reads less; pace it, or use an export to S3".into(),
        "filter" => "no recommendation: the filtered attribute is not one the advisor can put in a key (only the table's hot entity is re-keyed)".into(),
        "hot-item" => "no recommendation: the item is written whole or only read, so it cannot be split into sub-items that add up; cache its reads, or give each writer an item of its own".into(),
        _ => "no recommendation: nothing the advisor changes addresses it".into(),
    }
}
