//! The simulation: one-second steps of virtual time, each flow's requests admitted by the same
//! capacity model `dynolab serve` uses ([`TableCapacity::admit_many`]), retries by the client's
//! policy, target-tracking auto scaling, and the bill.

use std::collections::BTreeMap;

use dynolab_capacity::pricing::Prices;
use dynolab_capacity::{
    Admission, CapacityConfig, Mode, Op, PlanSum, QuietRun, Resource, ResourcesMut, TableCapacity,
    Target, Throttle,
};
use dynolab_clock::Timestamp;
use dynolab_design::{Billing, ScalingTarget, TableDesign};
use serde::Serialize;

use crate::flows::{self, FlowError};
use crate::workload::{DailyCurve, Operation, StorageModel, Workload};

/// 2026-01-01T00:00:00Z: virtual time starts here (a Thursday, at midnight UTC).
pub const START_EPOCH_S: u64 = 1_767_225_600;

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// What the model and the bill are made of.
#[derive(Clone, Debug)]
pub struct SimOptions {
    pub capacity: CapacityConfig,
    pub prices: Prices,
    /// Overrides the workload's length.
    pub days: Option<f64>,
    /// Seconds from an auto-scaling decision until the new capacity is in effect (choice: 120;
    /// AWS: UpdateTable "takes several minutes").
    pub scaling_delay_s: u64,
    /// Admit flow after flow, second after second: no `PlanSum` of a second, no quiet minutes.
    /// Slower, and the same results (the tests compare both).
    pub second_by_second: bool,
    /// Stop at the end of the first hour in which more requests than this have been throttled:
    /// the advisor's candidates stop once they cannot beat one it already has.
    pub give_up_above_throttled: Option<u64>,
    /// Price provisioned capacity as bought with 1-year reserved capacity
    /// ([`RESERVED_1Y_DISCOUNT`] off; [`with_reserved_capacity`]).
    pub reserved_capacity: bool,
}

/// Reserved capacity (1-year term) costs this share less than provisioned list prices
/// (AWS: "up to 54%"; ../shared/reference/dynamodb-facts.md §8).
pub const RESERVED_1Y_DISCOUNT: f64 = 0.54;

/// The cost component of provisioned capacity bought as 1-year reserved capacity.
pub const RESERVED_SUFFIX: &str = " (1-year reserved)";

/// The same run priced with 1-year reserved capacity: each provisioned read and write line
/// costs [`RESERVED_1Y_DISCOUNT`] less, and the total follows. Reserved capacity is a purchase,
/// not a table setting: the design and the traffic are the same.
pub fn with_reserved_capacity(mut report: SimReport) -> SimReport {
    for line in &mut report.cost {
        if line.component == "provisioned read" || line.component == "provisioned write" {
            line.component.push_str(RESERVED_SUFFIX);
            line.usd *= 1.0 - RESERVED_1Y_DISCOUNT;
        }
    }
    report.cost_total = report.cost.iter().map(|c| c.usd).sum();
    report
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            capacity: CapacityConfig::default(),
            prices: Prices::us_east_1(),
            days: None,
            scaling_delay_s: 120,
            second_by_second: false,
            give_up_above_throttled: None,
            reserved_capacity: false,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ResourceReport {
    pub name: String,
    pub kind: &'static str,
    pub mode: String,
    pub partitions_at_start: usize,
    pub partitions_at_end: usize,
    pub storage_gib: f64,
    /// Average consumed units per second.
    pub read_avg: f64,
    pub write_avg: f64,
    /// Highest one-minute average.
    pub read_peak_minute: f64,
    pub write_peak_minute: f64,
    /// Highest one-second consumption.
    pub read_peak_second: f64,
    pub write_peak_second: f64,
    /// Average provisioned units (none when on-demand).
    pub read_provisioned_avg: Option<f64>,
    pub write_provisioned_avg: Option<f64>,
    /// Consumed / provisioned over the run, in percent.
    pub read_utilization: Option<f64>,
    pub write_utilization: Option<f64>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct HourStats {
    pub hour: u64,
    pub requests: u64,
    pub throttled: u64,
    pub failed: u64,
    /// Reason label → throttled requests that carried it (one request can carry several).
    pub by_cause: BTreeMap<String, u64>,
    /// The reasons a request carried, grouped as in [`ReasonSet::summary`] → throttled requests
    /// that carried exactly those: these add up to `throttled`.
    pub by_reasons: BTreeMap<String, u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ReasonSet {
    /// Reason labels (`IndexWriteProvisionedThroughputExceeded (gsi_x)`): the table's first,
    /// then each index's by name.
    pub reasons: Vec<String>,
    /// The table and indexes those reasons are on.
    pub resources: Vec<String>,
    /// The reasons grouped by kind: `IndexWriteProvisionedThroughputExceeded on gsi_a, gsi_b +
    /// TableWriteKeyRangeThroughputExceeded on orders`.
    pub summary: String,
    pub requests: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct PatternStats {
    pub name: String,
    pub requests: u64,
    pub throttled: u64,
    pub failed: u64,
    /// Consumed units per request (read or write), averaged.
    pub units_per_request: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct KeyStats {
    pub key: String,
    pub resource: String,
    pub requests: u64,
    pub throttled: u64,
    /// Share of the requests of the patterns that address this resource.
    pub share: f64,
    /// Highest units per second offered to this key (admitted or not).
    pub peak_units: f64,
    pub op: &'static str,
}

#[derive(Clone, Debug, Serialize)]
pub struct PartitionStats {
    pub resource: String,
    pub partition: usize,
    pub throttled: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScalingAction {
    pub at_s: u64,
    pub resource: String,
    pub op: &'static str,
    pub from: u64,
    pub to: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct CostLine {
    pub resource: String,
    pub component: String,
    pub usd: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Heat {
    pub resource: String,
    /// Per hour, per partition: percent of the partition's cap used (the larger of read and
    /// write).
    pub hours: Vec<Vec<u8>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SimReport {
    pub table: String,
    pub workload: String,
    pub days: f64,
    /// Set when the run gave up ([`SimOptions::give_up_above_throttled`]) after this many
    /// seconds: the report covers only them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_after_s: Option<u64>,
    pub requests: u64,
    pub throttled: u64,
    pub failed: u64,
    pub busiest_hour: Option<HourStats>,
    /// Reason label → throttled requests that carried it. One request can carry several
    /// reasons (a write refused by its table partition and by a GSI), so these do not add up to
    /// `throttled`; `throttled_by_reasons` does.
    pub by_cause: BTreeMap<String, u64>,
    /// Every throttled request once, under the set of reasons it carried (what DynamoDB's
    /// `ThrottlingReasons` would list for it), largest first: the requests add up to
    /// `throttled`.
    pub throttled_by_reasons: Vec<ReasonSet>,
    pub patterns: Vec<PatternStats>,
    pub resources: Vec<ResourceReport>,
    pub top_keys: Vec<KeyStats>,
    pub partitions: Vec<PartitionStats>,
    pub scaling: Vec<ScalingAction>,
    pub cost: Vec<CostLine>,
    pub cost_total: f64,
    pub hours: Vec<HourStats>,
    pub heat: Vec<Heat>,
}

impl SimReport {
    pub fn cost_of(&self, component: &str) -> f64 {
        self.cost
            .iter()
            .filter(|c| c.component == component)
            .map(|c| c.usd)
            .sum()
    }
}

#[derive(Debug)]
pub struct SimError(pub String);

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SimError {}

impl From<FlowError> for SimError {
    fn from(e: FlowError) -> Self {
        SimError(e.0)
    }
}

/// Target tracking on one dimension of one resource.
#[derive(Clone, Debug)]
struct Scaler {
    target: ScalingTarget,
    above: u32,
    below: u32,
    /// Decreases available now (4 at most, one more per hour).
    decreases: u32,
    last_refill_hour: u64,
    pending: Option<(u64, u64)>,
}

impl Scaler {
    fn new(target: ScalingTarget) -> Scaler {
        Scaler {
            target,
            above: 0,
            below: 0,
            decreases: 4,
            last_refill_hour: 0,
            pending: None,
        }
    }

    /// Evaluates one minute's average consumption against `current`; returns a new capacity.
    fn evaluate(&mut self, avg: f64, current: u64, hour: u64) -> Option<u64> {
        if hour > self.last_refill_hour {
            self.decreases = (self.decreases + (hour - self.last_refill_hour) as u32).min(4);
            self.last_refill_hour = hour;
        }
        let t = self.target.target_percent / 100.0;
        let utilization = avg / current.max(1) as f64;
        let desired = ((avg / t).ceil() as u64).clamp(self.target.min, self.target.max);
        if utilization > t {
            self.above += 1;
            self.below = 0;
        } else if utilization < t - 0.2 {
            self.below += 1;
            self.above = 0;
        } else {
            self.above = 0;
            self.below = 0;
        }
        if self.above >= 2 && desired > current {
            self.above = 0;
            return Some(desired);
        }
        if self.below >= 15 && desired < current && self.decreases > 0 {
            self.below = 0;
            self.decreases -= 1;
            return Some(desired);
        }
        None
    }
}

fn mode_of(billing: &Billing) -> Mode {
    match billing {
        Billing::Provisioned { read, write } => Mode::Provisioned {
            read_units: *read,
            write_units: *write,
        },
        Billing::OnDemand {
            max_read,
            max_write,
        } => Mode::OnDemand {
            max_read_units: *max_read,
            max_write_units: *max_write,
        },
    }
}

fn mode_text(mode: Mode) -> String {
    match mode {
        Mode::Provisioned {
            read_units,
            write_units,
        } => format!("provisioned {read_units} RCU / {write_units} WCU"),
        Mode::OnDemand { .. } => "on-demand".into(),
    }
}

/// Builds the capacity state of a design: each resource in its mode, with partitions for its
/// provisioned throughput and its size.
pub fn capacity_of(
    design: &TableDesign,
    storage: &[u64],
    config: &CapacityConfig,
    now: Timestamp,
) -> Result<TableCapacity, SimError> {
    let table_mode = mode_of(&design.billing);
    let mut table = Resource::new(table_mode, design.lsis.is_empty(), config, now);
    table.observe_size(storage[0], config, now);
    let mut indexes = BTreeMap::new();
    let names = flows::resource_names(design);
    for gsi in &design.gsis {
        let mode = match (&design.billing, gsi.provisioned) {
            (Billing::Provisioned { .. }, Some((read, write))) => Mode::Provisioned {
                read_units: read,
                write_units: write,
            },
            (Billing::Provisioned { .. }, None) => {
                return Err(SimError(format!(
                    "index {} of provisioned table {} has no provisioned throughput",
                    gsi.name, design.name
                )));
            }
            (Billing::OnDemand { .. }, _) => table_mode,
        };
        let mut r = Resource::new(mode, true, config, now);
        let i = names.iter().position(|n| *n == gsi.name).expect("known");
        r.observe_size(storage[i], config, now);
        indexes.insert(gsi.name.clone(), r);
    }
    Ok(TableCapacity { table, indexes })
}

/// Per-flow state that survives a rebuild of the flows (kept per pattern and key).
struct FlowState {
    carry: f64,
    /// New requests this second.
    new: u64,
    /// Requests due for attempt k + 2 in the next second.
    retry: Vec<u64>,
}

fn op_index(op: Op) -> usize {
    match op {
        Op::Read => 0,
        Op::Write => 1,
    }
}

/// The key statistics slot of each flow, adding slots for keys not seen before.
fn key_index(
    flows: &[flows::Flow],
    ids: &mut BTreeMap<(String, usize), usize>,
    keys: &mut Vec<(u64, u64, u64, Op)>,
    key_second: &mut Vec<u64>,
) -> Vec<Option<usize>> {
    flows
        .iter()
        .map(|f| {
            let key = f.key.as_ref()?;
            let first = &f.parts[0];
            let next = ids.len();
            let id = *ids.entry((key.clone(), first.resource)).or_insert(next);
            if id == keys.len() {
                keys.push((0, 0, 0, first.op));
                key_second.push(0);
            }
            Some(id)
        })
        .collect()
}

/// A second whose requests do not all fit. Requests of different flows arrive interleaved, so a
/// limit they share refuses each flow in proportion to its requests, not the flows that happen
/// to come last: admit (and spend) the largest common fraction of every flow's requests that
/// fits as one sum (found by bisection, to 1/4096), leaving `share[f]` requests of flow `f`
/// admitted; the caller then admits the rest flow by flow.
fn admit_common_share(
    resources: &mut ResourcesMut<'_>,
    plan_sum: &mut PlanSum,
    offered: &[u64],
    share: &mut [u64],
    config: &CapacityConfig,
    now: Timestamp,
) {
    let part = |fraction: f64, share: &mut [u64]| {
        for (s, n) in share.iter_mut().zip(offered) {
            *s = (*n as f64 * fraction).floor() as u64;
        }
    };
    let (mut low, mut high) = (0.0, 1.0);
    part(1.0, share);
    if resources.would_admit(plan_sum.fill(share), 1, config, now) == 0 {
        for _ in 0..12 {
            let mid = (low + high) / 2.0;
            part(mid, share);
            if resources.would_admit(plan_sum.fill(share), 1, config, now) == 1 {
                low = mid;
            } else {
                high = mid;
            }
        }
        part(low, share);
    }
    if resources
        .admit_many(plan_sum.fill(share), 1, config, now)
        .admitted
        == 0
    {
        share.fill(0);
    }
}

fn fresh_state(flows: &[flows::Flow], max_attempts: usize) -> Vec<FlowState> {
    flows
        .iter()
        .map(|_| FlowState {
            carry: 0.0,
            new: 0,
            retry: vec![0; max_attempts - 1],
        })
        .collect()
}

/// The state of `rebuilt` flows that replace `flows`: each pattern's pending retries go to its
/// largest new flow; carries start again.
fn moved_state(
    flows: &[flows::Flow],
    state: &[FlowState],
    rebuilt: &[flows::Flow],
    patterns: usize,
    max_attempts: usize,
) -> Vec<FlowState> {
    let mut pending: Vec<Vec<u64>> = vec![vec![0; max_attempts - 1]; patterns];
    for (f, st) in flows.iter().zip(state) {
        for (k, r) in st.retry.iter().enumerate() {
            pending[f.pattern][k] += r;
        }
    }
    let mut out = fresh_state(rebuilt, max_attempts);
    for (pattern, retries) in pending.iter().enumerate() {
        if let Some(fi) = (0..rebuilt.len())
            .filter(|i| rebuilt[*i].pattern == pattern)
            .max_by(|a, b| rebuilt[*a].share.total_cmp(&rebuilt[*b].share))
        {
            out[fi].retry.clone_from(retries);
        }
    }
    out
}

fn sum_of(flows: &[flows::Flow]) -> PlanSum {
    PlanSum::new(&flows.iter().map(|f| &f.plan).collect::<Vec<_>>())
}

/// `x.floor()`, without the library call for the values demand takes (non-negative, far below
/// 2^53, where truncation is flooring).
fn floor(x: f64) -> f64 {
    if (0.0..4.0e15).contains(&x) {
        (x as i64) as f64
    } else {
        x.floor()
    }
}

/// A minute computed in one step: every flow's new requests in each of its 60 seconds (with
/// the same floating-point carries as second by second), what each second costs each limit, and
/// the most any second costs each partition. When the capacity model accepts it as a
/// [`QuietRun`], every request of the minute is admitted, nothing is retried or throttled, and
/// the minute's figures follow from these sums.
#[derive(Default)]
struct QuietBuffers {
    /// New requests per flow and second (flow-major, 60 per flow).
    new: Vec<u64>,
    /// Each flow's carry after the minute.
    carry: Vec<f64>,
    /// Each flow's new requests per second this minute, before flooring.
    per_second: Vec<f64>,
    run: QuietRun,
    /// Units spent on each of `run.parts` in each second (second-major).
    part_seconds: Vec<u64>,
    /// Units spent on each of `run.parts` over the minute.
    part_totals: Vec<u64>,
    /// Per key statistics slot, units offered in each second.
    key_sums: BTreeMap<usize, [u64; 60]>,
}

impl QuietBuffers {
    fn plan(
        &mut self,
        flows: &[flows::Flow],
        state: &[FlowState],
        rates: &[f64],
        plan_sum: &PlanSum,
        start: Timestamp,
    ) {
        self.new.resize(flows.len() * 60, 0);
        self.carry.clear();
        self.carry.extend(state.iter().map(|st| st.carry));
        self.per_second.clear();
        self.per_second
            .extend(flows.iter().map(|f| rates[f.pattern] * f.share));
        // Second by second across the flows (not flow by flow), so that the carries, each a
        // chain of dependent floating-point steps, advance side by side.
        for k in 0..60 {
            for (fi, (carry, rate)) in self.carry.iter_mut().zip(&self.per_second).enumerate() {
                let demand = rate + *carry;
                let new = floor(demand);
                *carry = demand - new;
                self.new[fi * 60 + k] = new as i64 as u64;
            }
        }
        // What each second costs each limit and partition: each flow's costs per request times
        // its requests in that second, summed over the flows.
        self.run.start = start;
        self.run.levels.clear();
        self.run.levels.extend(plan_sum.levels());
        self.run.parts.clear();
        self.run
            .parts
            .extend(plan_sum.parts().map(|(i, op, p)| (i, op, p, 0)));
        let (width, parts) = (self.run.levels.len(), self.run.parts.len());
        self.run.level_costs.clear();
        self.run.level_costs.resize(60 * width, 0);
        self.part_seconds.clear();
        self.part_seconds.resize(60 * parts, 0);
        for fi in 0..flows.len() {
            let new = &self.new[fi * 60..fi * 60 + 60];
            if new.iter().all(|n| *n == 0) {
                continue;
            }
            for &(slot, cost) in plan_sum.plan_levels(fi) {
                for (k, n) in new.iter().enumerate() {
                    self.run.level_costs[k * width + slot] += cost * n;
                }
            }
            for &(slot, cost) in plan_sum.plan_parts(fi) {
                for (k, n) in new.iter().enumerate() {
                    self.part_seconds[k * parts + slot] += cost * n;
                }
            }
        }
        self.part_totals.clear();
        self.part_totals.resize(parts, 0);
        for k in 0..60 {
            for (j, units) in self.part_seconds[k * parts..(k + 1) * parts]
                .iter()
                .enumerate()
            {
                self.run.parts[j].3 = self.run.parts[j].3.max(*units);
                self.part_totals[j] += units;
            }
        }
    }

    /// New requests of flow `fi` over the minute.
    fn total(&self, fi: usize) -> u64 {
        self.new[fi * 60..fi * 60 + 60].iter().sum()
    }
}

/// Which reasons the throttled requests carried. Requests of one admission arrive in order and
/// request `j` is refused by every limit that lets in `j` requests or fewer ([`Admission::fits`]),
/// so the throttled ones split into runs carrying one reason, then two, and so on.
#[derive(Default)]
struct Reasons {
    /// Per reason, the requests that carried it: this hour's and the run's.
    hour: BTreeMap<Throttle, u64>,
    run: BTreeMap<Throttle, u64>,
    /// Per set of reasons (sorted), the requests that carried exactly that set: the run's and
    /// this hour's.
    sets: BTreeMap<Vec<Throttle>, u64>,
    hour_sets: BTreeMap<Vec<Throttle>, u64>,
}

impl Reasons {
    fn count(&mut self, admission: &Admission, offered: u64) {
        let mut fits = admission.fits.clone();
        fits.sort_by_key(|(_, f)| *f);
        for (throttle, f) in &fits {
            *self.hour.entry(throttle.clone()).or_default() += offered - f;
            *self.run.entry(throttle.clone()).or_default() += offered - f;
        }
        let mut k = 0;
        while k < fits.len() {
            let from = fits[k].1;
            let end = k + fits[k..].iter().take_while(|(_, f)| *f == from).count();
            let to = fits.get(end).map_or(offered, |(_, f)| *f);
            let mut set: Vec<Throttle> = fits[..end].iter().map(|(t, _)| t.clone()).collect();
            set.sort();
            *self.hour_sets.entry(set.clone()).or_default() += to - from;
            *self.sets.entry(set).or_default() += to - from;
            k = end;
        }
    }

    /// This hour's requests per reason, and per set of reasons (by its summary: these add up
    /// to the hour's throttled requests).
    #[allow(clippy::type_complexity)]
    fn take_hour(
        &mut self,
        design: &TableDesign,
    ) -> (BTreeMap<String, u64>, BTreeMap<String, u64>) {
        let by_reason = std::mem::take(&mut self.hour)
            .into_iter()
            .map(|(t, n)| (cause_label(&t, design), n))
            .collect();
        let by_reasons = std::mem::take(&mut self.hour_sets)
            .into_iter()
            .map(|(set, n)| (describe(&set, design).1, n))
            .collect();
        (by_reason, by_reasons)
    }

    fn by_reason(&self, design: &TableDesign) -> BTreeMap<String, u64> {
        self.run
            .iter()
            .map(|(t, n)| (cause_label(t, design), *n))
            .collect()
    }

    fn sets(&self, design: &TableDesign) -> Vec<ReasonSet> {
        let mut sets: Vec<ReasonSet> = self
            .sets
            .iter()
            .map(|(set, n)| {
                let (resources, summary) = describe(set, design);
                ReasonSet {
                    reasons: set.iter().map(|t| cause_label(t, design)).collect(),
                    resources,
                    summary,
                    requests: *n,
                }
            })
            .collect();
        sets.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.reasons.cmp(&b.reasons)));
        sets
    }
}

/// The resources a set of reasons is on, and the set grouped by kind:
/// `IndexWriteProvisionedThroughputExceeded on gsi_a, gsi_b + TableWrite… on orders`.
fn describe(set: &[Throttle], design: &TableDesign) -> (Vec<String>, String) {
    let on = |t: &Throttle| match &t.target {
        Target::Table => design.name.clone(),
        Target::Index(name) => name.clone(),
    };
    let mut resources: Vec<String> = Vec::new();
    let mut kinds: Vec<(String, Vec<String>)> = Vec::new();
    for t in set {
        if !resources.contains(&on(t)) {
            resources.push(on(t));
        }
        match kinds.iter_mut().find(|(kind, _)| *kind == t.reason()) {
            Some((_, names)) => names.push(on(t)),
            None => kinds.push((t.reason(), vec![on(t)])),
        }
    }
    let summary = kinds
        .iter()
        .map(|(kind, names)| format!("{kind} on {}", names.join(", ")))
        .collect::<Vec<_>>()
        .join(" + ");
    (resources, summary)
}

/// `IndexWriteProvisionedThroughputExceeded (status-index)`.
fn cause_label(throttle: &dynolab_capacity::Throttle, design: &TableDesign) -> String {
    match &throttle.target {
        dynolab_capacity::Target::Table => format!("{} ({})", throttle.reason(), design.name),
        dynolab_capacity::Target::Index(name) => format!("{} ({name})", throttle.reason()),
    }
}

/// Runs `workload` against `design`. `progress(done_s, total_s)` is called every simulated hour.
pub fn simulate(
    design: &TableDesign,
    workload: &Workload,
    options: &SimOptions,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<SimReport, SimError> {
    workload.validate().map_err(|e| SimError(e.0))?;
    let config = &options.capacity;
    let days = options.days.unwrap_or(workload.days);
    if !(days > 0.0 && days <= 3660.0) {
        return Err(SimError("days must be between 0 and 3660".into()));
    }
    let total_s = (days * 86_400.0).round() as u64;
    let start = Timestamp::from_secs(START_EPOCH_S);
    let names = flows::resource_names(design);
    let storage = flows::storage_bytes(design, workload);
    let mut capacity = capacity_of(design, &storage, config, start)?;
    // Storage per resource now, and its integral in byte-hours for the bill. With
    // `storage = "accumulate"`, every admitted write of a new item adds its bytes and every
    // delete removes them; partitions split for size as on the server.
    let mut stored: Vec<i128> = storage.iter().map(|b| i128::from(*b)).collect();
    let mut byte_hours = vec![0f64; storage.len()];
    let growth: Vec<Vec<i128>> = workload
        .patterns
        .iter()
        .map(|p| {
            let entity = &workload.entities[&p.entity];
            let sign: i128 = match p.operation {
                Operation::PutItem | Operation::BatchWriteItem | Operation::TransactWriteItems
                    if workload.storage == StorageModel::Accumulate
                        && flows::writes_new_items(design, entity) =>
                {
                    1
                }
                Operation::DeleteItem if workload.storage == StorageModel::Accumulate => -1,
                _ => 0,
            };
            flows::item_storage(design, entity)
                .into_iter()
                .map(|b| sign * i128::from(b))
                .collect()
        })
        .collect();
    let partitions_at_start: Vec<usize> = (0..names.len())
        .map(|i| capacity.resource(i).partition_count())
        .collect();
    let mut flows = flows::build(design, workload, &capacity, START_EPOCH_S)?;
    let clock_period = workload.clock_period_s();
    let curves: Vec<DailyCurve> = workload
        .patterns
        .iter()
        .map(|p| DailyCurve::new(&p.rate).map_err(SimError))
        .collect::<Result<_, _>>()?;
    let max_attempts = workload.retry.max_attempts.max(1) as usize;
    let mut state = fresh_state(&flows, max_attempts);

    // Auto scaling, per resource and dimension.
    let mut scalers: Vec<[Option<Scaler>; 2]> = vec![[None, None]; names.len()];
    let scaling_of = |i: usize| {
        if i == 0 {
            design.autoscaling.clone()
        } else {
            design
                .gsis
                .iter()
                .find(|g| g.name == names[i])
                .and_then(|g| g.autoscaling.clone())
        }
    };
    for (i, s) in scalers.iter_mut().enumerate() {
        if let (Some(a), Mode::Provisioned { .. }) = (scaling_of(i), capacity.resource(i).mode()) {
            s[0] = a.read.map(Scaler::new);
            s[1] = a.write.map(Scaler::new);
        }
    }

    let prices = options.prices.class(design.table_class.as_str()).clone();
    let n = names.len();
    // Consumed half-units: this second, this minute, the whole run; per resource and op.
    let mut second = vec![[0u64; 2]; n];
    let mut minute = vec![[0u64; 2]; n];
    let mut total = vec![[0u64; 2]; n];
    let mut peak_second = vec![[0u64; 2]; n];
    let mut peak_minute = vec![[0u64; 2]; n];
    let mut provisioned_unit_minutes = vec![[0u64; 2]; n];
    let mut provisioned_cost = vec![[0f64; 2]; n];
    let mut heat_now: Vec<Vec<[u64; 2]>> = (0..n)
        .map(|i| vec![[0; 2]; capacity.resource(i).partition_count()])
        .collect();
    let mut heat: Vec<Vec<Vec<u8>>> = vec![Vec::new(); n];
    let mut hours: Vec<HourStats> = Vec::new();
    let mut hour = HourStats::default();
    let mut reasons = Reasons::default();
    let mut pattern_totals = vec![(0u64, 0u64, 0u64, 0u64); workload.patterns.len()];
    // Per (key, resource): requests, throttled, peak units in a second, op; ids survive rebuilds.
    let mut key_ids: BTreeMap<(String, usize), usize> = BTreeMap::new();
    let mut keys: Vec<(u64, u64, u64, Op)> = Vec::new();
    let mut key_second: Vec<u64> = Vec::new();
    let mut flow_keys = key_index(&flows, &mut key_ids, &mut keys, &mut key_second);
    let mut partition_throttles: BTreeMap<(usize, usize), u64> = BTreeMap::new();
    let mut scaling_actions = Vec::new();
    let mut rates = vec![0.0; workload.patterns.len()];
    let mut attempts: Vec<u64> = vec![0; max_attempts];
    let mut plan_sum = sum_of(&flows);
    let mut offered: Vec<u64> = vec![0; flows.len()];
    let mut common_share: Vec<u64> = vec![0; flows.len()];

    let mut quiet = QuietBuffers::default();
    let mut stopped_after_s = None;
    let mut s = 0;
    while s < total_s {
        let mut now = Timestamp::from_secs(START_EPOCH_S + s);
        // A value taken from the clock changed: the same flows, on the keys of the new value.
        if clock_period.is_some_and(|p| s > 0 && s % p == 0) {
            let rebuilt = flows::build(design, workload, &capacity, START_EPOCH_S + s)?;
            if rebuilt.len() != flows.len() {
                state = moved_state(
                    &flows,
                    &state,
                    &rebuilt,
                    workload.patterns.len(),
                    max_attempts,
                );
                offered = vec![0; rebuilt.len()];
                common_share = vec![0; rebuilt.len()];
            }
            flows = rebuilt;
            plan_sum = sum_of(&flows);
            flow_keys = key_index(&flows, &mut key_ids, &mut keys, &mut key_second);
        }
        if s % 60 == 0 {
            let minute_of_day = ((s / 60) % 1440) as usize;
            for (r, c) in rates.iter_mut().zip(&curves) {
                *r = c.at_minute(minute_of_day);
            }
        }
        // A minute with nothing to retry is tried in one step first (exactly what the seconds
        // would do, when the capacity model can show that everything fits); see `quiet_minute`.
        let quiet_minute = !options.second_by_second
            && s % 60 == 0
            && s + 60 <= total_s
            && state.iter().all(|st| st.retry.iter().all(|r| *r == 0))
            && {
                quiet.plan(&flows, &state, &rates, &plan_sum, now);
                let deletes_fit = stored.iter().enumerate().all(|(i, b)| {
                    let deleted: i128 = flows
                        .iter()
                        .enumerate()
                        .map(|(fi, f)| growth[f.pattern][i].min(0) * i128::from(quiet.total(fi)))
                        .sum();
                    b + deleted >= 0
                });
                deletes_fit && capacity.resources_mut().admit_quiet_run(&quiet.run, config)
            };
        if quiet_minute {
            // Commit the minute: carries, counts, and the per-second figures of its first 59
            // seconds; the 60th second's go through the end of the second below.
            for (fi, flow) in flows.iter().enumerate() {
                state[fi].carry = quiet.carry[fi];
                let requests = quiet.total(fi);
                if requests == 0 {
                    continue;
                }
                let p = &mut pattern_totals[flow.pattern];
                p.0 += requests;
                p.3 += flow.parts.iter().map(|part| part.cost.0).sum::<u64>() * requests;
                hour.requests += requests;
                for (i, bytes) in growth[flow.pattern].iter().enumerate() {
                    stored[i] = (stored[i] + bytes * i128::from(requests)).max(0);
                }
                if let Some(id) = flow_keys[fi] {
                    keys[id].0 += requests;
                    // Several flows can share a key: their units add up per second.
                    let cost = flow.parts[0].cost.0;
                    let sums = quiet.key_sums.entry(id).or_insert([0; 60]);
                    for (sum, n) in sums.iter_mut().zip(&quiet.new[fi * 60..fi * 60 + 60]) {
                        *sum += cost * n;
                    }
                }
            }
            for (id, sums) in std::mem::take(&mut quiet.key_sums) {
                let e = &mut keys[id];
                e.2 = sums[..59].iter().fold(e.2, |m, u| m.max(*u));
                key_second[id] += sums[59];
            }
            let width = quiet.run.levels.len();
            for (l, &(i, op)) in quiet.run.levels.iter().enumerate() {
                let op = op_index(op);
                for k in 0..59 {
                    let units = quiet.run.level_costs[k * width + l];
                    peak_second[i][op] = peak_second[i][op].max(units);
                    minute[i][op] += units;
                    total[i][op] += units;
                }
                second[i][op] += quiet.run.level_costs[59 * width + l];
            }
            for (&(i, op, partition, _), units) in quiet.run.parts.iter().zip(&quiet.part_totals) {
                if let Some(h) = heat_now[i].get_mut(partition) {
                    h[op_index(op)] += units;
                }
            }
            s += 59;
            now = Timestamp::from_secs(START_EPOCH_S + s);
        } else {
            // Each flow's requests this second: new ones, then the retries due.
            for (fi, flow) in flows.iter().enumerate() {
                let st = &mut state[fi];
                let demand = rates[flow.pattern] * flow.share + st.carry;
                let new = floor(demand);
                st.carry = demand - new;
                st.new = new as u64;
                offered[fi] = st.new + st.retry.iter().sum::<u64>();
            }
            let mut resources = capacity.resources_mut();
            // Most seconds everything fits: one admission of the second's sum admits (and spends)
            // exactly what admitting flow after flow would. Otherwise, flow after flow.
            let all_fit = !options.second_by_second
                && resources
                    .admit_many(plan_sum.fill(&offered), 1, config, now)
                    .admitted
                    == 1;
            if !all_fit {
                admit_common_share(
                    &mut resources,
                    &mut plan_sum,
                    &offered,
                    &mut common_share,
                    config,
                    now,
                );
            }
            for (fi, flow) in flows.iter().enumerate() {
                let st = &mut state[fi];
                let offered = offered[fi];
                if offered == 0 {
                    continue;
                }
                attempts[0] = st.new;
                attempts[1..].copy_from_slice(&st.retry);
                let admission = if all_fit {
                    Admission {
                        admitted: offered,
                        throttles: Vec::new(),
                        binding: None,
                        fits: Vec::new(),
                    }
                } else {
                    // The common share is in; the rest of the flow's requests come after it.
                    let first = common_share[fi];
                    let mut rest = resources.admit_many(&flow.plan, offered - first, config, now);
                    rest.admitted += first;
                    for (_, fits) in &mut rest.fits {
                        *fits += first;
                    }
                    rest
                };
                let admitted = admission.admitted;
                let throttled = offered - admitted;
                // The oldest attempts go first; the rest retry or fail.
                let mut left = admitted;
                for k in (0..max_attempts).rev() {
                    let take = attempts[k].min(left);
                    attempts[k] -= take;
                    left -= take;
                }
                let failed = attempts[max_attempts - 1];
                st.retry.copy_from_slice(&attempts[..max_attempts - 1]);
                if admitted > 0 {
                    for (i, bytes) in growth[flow.pattern].iter().enumerate() {
                        stored[i] = (stored[i] + bytes * i128::from(admitted)).max(0);
                    }
                }
                let p = &mut pattern_totals[flow.pattern];
                p.0 += offered;
                p.1 += throttled;
                p.2 += failed;
                hour.requests += offered;
                hour.throttled += throttled;
                hour.failed += failed;
                for part in &flow.parts {
                    let units = part.cost.0 * admitted;
                    second[part.resource][op_index(part.op)] += units;
                    p.3 += units;
                    if let Some(h) = heat_now[part.resource].get_mut(part.partition) {
                        h[op_index(part.op)] += units;
                    }
                }
                if let Some(id) = flow_keys[fi] {
                    let e = &mut keys[id];
                    e.0 += offered;
                    e.1 += throttled;
                    key_second[id] += flow.parts[0].cost.0 * offered;
                }
                if throttled > 0 {
                    reasons.count(&admission, offered);
                }
                if throttled > 0
                    && let Some((_, resource, partition)) = &admission.binding
                {
                    let partition = partition.or_else(|| {
                        flow.parts
                            .iter()
                            .find(|p| p.resource == *resource)
                            .map(|p| p.partition)
                    });
                    if let Some(partition) = partition {
                        *partition_throttles
                            .entry((*resource, partition))
                            .or_default() += throttled;
                    }
                }
            }
            drop(resources);
        }
        capacity.maintain(config, now);
        for (e, units) in keys.iter_mut().zip(key_second.iter_mut()) {
            e.2 = e.2.max(*units);
            *units = 0;
        }
        for i in 0..n {
            for op in 0..2 {
                peak_second[i][op] = peak_second[i][op].max(second[i][op]);
                minute[i][op] += second[i][op];
                total[i][op] += second[i][op];
                second[i][op] = 0;
            }
        }
        // Partitions split or grew: rebuild the flows, keeping each pattern's pending retries.
        if !flows
            .first()
            .is_none_or(|f| capacity.plan_is_current(&f.plan))
        {
            let rebuilt = flows::build(design, workload, &capacity, START_EPOCH_S + s + 1)?;
            state = moved_state(
                &flows,
                &state,
                &rebuilt,
                workload.patterns.len(),
                max_attempts,
            );
            flows = rebuilt;
            plan_sum = sum_of(&flows);
            offered = vec![0; flows.len()];
            common_share = vec![0; flows.len()];
            flow_keys = key_index(&flows, &mut key_ids, &mut keys, &mut key_second);
            for (i, h) in heat_now.iter_mut().enumerate() {
                h.resize(capacity.resource(i).partition_count(), [0; 2]);
            }
        }
        if (s + 1) % 60 == 0 {
            let hour_index = (s + 1) / 3600;
            for i in 0..n {
                let mode = capacity.resource(i).mode();
                for op in 0..2 {
                    peak_minute[i][op] = peak_minute[i][op].max(minute[i][op]);
                    if let Mode::Provisioned {
                        read_units,
                        write_units,
                    } = mode
                    {
                        let units = if op == 0 { read_units } else { write_units };
                        provisioned_unit_minutes[i][op] += units;
                        let hourly = if op == 0 {
                            prices.provisioned_rcu_hour
                        } else {
                            prices.provisioned_wcu_hour
                        };
                        provisioned_cost[i][op] += units as f64 * hourly / 60.0;
                        // Auto scaling looks at this minute's average.
                        if let Some(scaler) = scalers[i][op].as_mut() {
                            // A scheduled action moves the floor and ceiling; capacity follows
                            // (an increase takes the UpdateTable delay, a decrease is at once).
                            let next_minute = ((s + 1) / 60 % 1440) as u32;
                            if let Some(a) = scaler
                                .target
                                .scheduled
                                .iter()
                                .find(|a| a.minute_of_day == next_minute)
                                .cloned()
                            {
                                scaler.target.min = a.min;
                                scaler.target.max = a.max;
                                if units < a.min {
                                    scaler.pending = Some((s + 1 + options.scaling_delay_s, a.min));
                                } else if units > a.max {
                                    scaler.pending = Some((s + 1, a.max));
                                }
                            }
                            if let Some((due, to)) = scaler.pending
                                && due <= s + 1
                            {
                                scaler.pending = None;
                                let (r, w) = match op {
                                    0 => (to, write_units),
                                    _ => (read_units, to),
                                };
                                capacity.resource_mut(i).set_mode(
                                    Mode::Provisioned {
                                        read_units: r,
                                        write_units: w,
                                    },
                                    config,
                                    now,
                                );
                                scaling_actions.push(ScalingAction {
                                    at_s: s + 1,
                                    resource: names[i].clone(),
                                    op: if op == 0 { "read" } else { "write" },
                                    from: units,
                                    to,
                                });
                            } else if scaler.pending.is_none() {
                                let avg = minute[i][op] as f64 / 2.0 / 60.0;
                                if let Some(to) = scaler.evaluate(avg, units, hour_index) {
                                    let delay = if to > units {
                                        options.scaling_delay_s
                                    } else {
                                        0
                                    };
                                    scaler.pending = Some((s + 1 + delay, to));
                                }
                            }
                        }
                    }
                    minute[i][op] = 0;
                }
            }
        }
        if (s + 1) % 3600 == 0 || s + 1 == total_s {
            let hours_now = if (s + 1) % 3600 == 0 {
                1.0
            } else {
                ((s + 1) % 3600) as f64 / 3600.0
            };
            for (i, b) in stored.iter().enumerate() {
                byte_hours[i] += *b as f64 * hours_now;
                capacity
                    .resource_mut(i)
                    .observe_size(*b as u64, config, now);
            }
            hour.hour = s / 3600;
            (hour.by_cause, hour.by_reasons) = reasons.take_hour(design);
            hours.push(std::mem::take(&mut hour));
            for i in 0..n {
                let (cap_r, cap_w) = (
                    config.partition_read_units_per_s * 2 * 3600,
                    config.partition_write_units_per_s * 2 * 3600,
                );
                heat[i].push(
                    heat_now[i]
                        .iter()
                        .map(|[r, w]| {
                            let pct = (*r as f64 / cap_r as f64).max(*w as f64 / cap_w as f64);
                            (pct * 100.0).round().min(255.0) as u8
                        })
                        .collect(),
                );
                for h in heat_now[i].iter_mut() {
                    *h = [0, 0];
                }
            }
            progress(s + 1, total_s);
            if let Some(limit) = options.give_up_above_throttled
                && pattern_totals.iter().map(|p| p.1).sum::<u64>() > limit
            {
                stopped_after_s = Some(s + 1);
                break;
            }
        }
        s += 1;
    }

    // The report.
    let run_s = stopped_after_s.unwrap_or(total_s);
    let secs = run_s as f64;
    let mut resources = Vec::new();
    let mut cost = Vec::new();
    for i in 0..n {
        let r = capacity.resource(i);
        let on_demand = matches!(r.mode(), Mode::OnDemand { .. });
        let minutes = (run_s / 60).max(1) as f64;
        let prov = |op: usize| {
            (!on_demand || provisioned_unit_minutes[i][op] > 0)
                .then(|| provisioned_unit_minutes[i][op] as f64 / minutes)
        };
        let avg = |op: usize| total[i][op] as f64 / 2.0 / secs;
        let (read_prov, write_prov) = (prov(0), prov(1));
        resources.push(ResourceReport {
            name: names[i].clone(),
            kind: if i == 0 { "table" } else { "gsi" },
            mode: mode_text(r.mode()),
            partitions_at_start: partitions_at_start[i],
            partitions_at_end: r.partition_count(),
            storage_gib: stored[i] as f64 / GIB,
            read_avg: avg(0),
            write_avg: avg(1),
            read_peak_minute: peak_minute[i][0] as f64 / 2.0 / 60.0,
            write_peak_minute: peak_minute[i][1] as f64 / 2.0 / 60.0,
            read_peak_second: peak_second[i][0] as f64 / 2.0,
            write_peak_second: peak_second[i][1] as f64 / 2.0,
            read_provisioned_avg: read_prov,
            write_provisioned_avg: write_prov,
            read_utilization: read_prov.filter(|p| *p > 0.0).map(|p| avg(0) / p * 100.0),
            write_utilization: write_prov.filter(|p| *p > 0.0).map(|p| avg(1) / p * 100.0),
        });
        let line = |component: &str, usd: f64| CostLine {
            resource: names[i].clone(),
            component: component.into(),
            usd,
        };
        if on_demand && provisioned_unit_minutes[i] == [0, 0] {
            cost.push(line(
                "read requests",
                total[i][0] as f64 / 2.0 / 1e6 * prices.on_demand_read_per_million,
            ));
            cost.push(line(
                "write requests",
                total[i][1] as f64 / 2.0 / 1e6 * prices.on_demand_write_per_million,
            ));
        } else {
            cost.push(line("provisioned read", provisioned_cost[i][0]));
            cost.push(line("provisioned write", provisioned_cost[i][1]));
        }
        cost.push(line(
            "storage",
            byte_hours[i] / GIB * prices.storage_gb_month / options.prices.hours_per_month,
        ));
    }
    let cost_total = cost.iter().map(|c| c.usd).sum();
    let requests = pattern_totals.iter().map(|p| p.0).sum();
    let throttled = pattern_totals.iter().map(|p| p.1).sum();
    let failed = pattern_totals.iter().map(|p| p.2).sum();
    let patterns = workload
        .patterns
        .iter()
        .zip(&pattern_totals)
        .map(|(p, t)| PatternStats {
            name: p.name.clone(),
            requests: t.0,
            throttled: t.1,
            failed: t.2,
            units_per_request: if t.0 > t.1 {
                t.3 as f64 / 2.0 / (t.0 - t.1) as f64
            } else {
                0.0
            },
        })
        .collect();
    // Top keys: share of the requests addressed to the same resource.
    let mut per_resource: BTreeMap<usize, u64> = BTreeMap::new();
    for ((_, resource), id) in &key_ids {
        *per_resource.entry(*resource).or_default() += keys[*id].0;
    }
    let mut top_keys: Vec<KeyStats> = key_ids
        .into_iter()
        .map(|((key, resource), id)| (key, resource, keys[id]))
        .map(|(key, resource, e)| KeyStats {
            share: e.0 as f64 / per_resource[&resource].max(1) as f64,
            key,
            resource: names[resource].clone(),
            requests: e.0,
            throttled: e.1,
            peak_units: e.2 as f64 / 2.0,
            op: match e.3 {
                Op::Read => "read",
                Op::Write => "write",
            },
        })
        .collect();
    top_keys.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.key.cmp(&b.key)));
    top_keys.truncate(20);
    let busiest_hour = hours
        .iter()
        .max_by(|a, b| a.throttled.cmp(&b.throttled).then(b.hour.cmp(&a.hour)))
        .filter(|h| h.throttled > 0)
        .cloned();
    let report = SimReport {
        table: design.name.clone(),
        workload: workload.name.clone(),
        days: if stopped_after_s.is_some() {
            run_s as f64 / 86_400.0
        } else {
            days
        },
        stopped_after_s,
        requests,
        throttled,
        failed,
        busiest_hour,
        by_cause: reasons.by_reason(design),
        throttled_by_reasons: reasons.sets(design),
        patterns,
        resources,
        top_keys,
        partitions: partition_throttles
            .into_iter()
            .map(|((r, p), t)| PartitionStats {
                resource: names[r].clone(),
                partition: p,
                throttled: t,
            })
            .collect(),
        scaling: scaling_actions,
        cost,
        cost_total,
        hours,
        heat: heat
            .into_iter()
            .enumerate()
            .map(|(i, hours)| Heat {
                resource: names[i].clone(),
                hours,
            })
            .collect(),
    };
    Ok(if options.reserved_capacity {
        with_reserved_capacity(report)
    } else {
        report
    })
}
