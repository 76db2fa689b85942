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

mod run;

use crate::flows::{self, FlowError};
use crate::workload::Workload;

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
    /// Highest units per second of first attempts offered to this key: its load without the
    /// retries that throttling adds.
    pub peak_first_attempt_units: f64,
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
    /// Per partition (as numbered at the end of the run), the partition key with the most
    /// requests addressed to this resource that lands there, when one does (a GSI written only
    /// through its table has none: the simulator tracks keys of the resource a pattern addresses).
    pub hottest_keys: Vec<Option<String>>,
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

/// Per resource, per partition (as the last flows number them): the key with the most requests
/// over the run among the flows whose first charge lands there.
fn hottest_keys(
    flows: &[flows::Flow],
    flow_keys: &[Option<usize>],
    keys: &[(u64, u64, u64, Op)],
    heat: &[Vec<Vec<u8>>],
) -> Vec<Vec<Option<String>>> {
    let mut out: Vec<Vec<Option<(u64, String)>>> = heat
        .iter()
        .map(|hours| vec![None; hours.iter().map(Vec::len).max().unwrap_or(0)])
        .collect();
    for (flow, id) in flows.iter().zip(flow_keys) {
        let (Some(id), Some(key)) = (id, &flow.key) else {
            continue;
        };
        let part = &flow.parts[0];
        let requests = keys[*id].0;
        let Some(slot) = out
            .get_mut(part.resource)
            .and_then(|r| r.get_mut(part.partition))
        else {
            continue;
        };
        if slot.as_ref().is_none_or(|(n, _)| requests > *n) {
            *slot = Some((requests, key.clone()));
        }
    }
    out.into_iter()
        .map(|r| r.into_iter().map(|s| s.map(|(_, k)| k)).collect())
        .collect()
}

/// A second whose requests do not all fit. Requests of different flows arrive interleaved, so a
/// limit they share refuses each flow in proportion to its requests, not the flows that happen
/// to come last: admit (and spend) the largest common fraction of every flow's requests that
/// fits as one sum (to 1/4096), leaving `share[f]` requests of flow `f`
/// admitted; the caller then admits the rest flow by flow.
fn admit_common_share(
    resources: &mut ResourcesMut<'_>,
    plan_sum: &mut PlanSum,
    offered: &[u64],
    share: &mut [u64],
    config: &CapacityConfig,
    now: Timestamp,
    hint: &mut usize,
) {
    // The fraction is `k / STEPS`. The shares grow with `k`, so the `k`s whose sum fits are a
    // prefix: the answer is the last of them below `STEPS` (0 when none is), which is what a
    // 12-step bisection of [0, 1) finds. The search starts from the last second's answer
    // (`hint`), which a steady overload keeps, and gallops away from it: two or three probes
    // instead of twelve.
    const STEPS: usize = 4096;
    let part = |k: usize, share: &mut [u64]| {
        let fraction = k as f64 / STEPS as f64;
        for (s, n) in share.iter_mut().zip(offered) {
            *s = floor(*n as f64 * fraction) as u64;
        }
    };
    let mut fits = |k: usize, share: &mut [u64]| {
        part(k, share);
        resources.would_admit(plan_sum.fill(share), 1, config, now) == 1
    };
    let k = if fits(STEPS, share) {
        STEPS
    } else {
        // `low` fits (or is 0, never probed), `high` does not.
        let start = (*hint).clamp(1, STEPS - 1);
        let (mut low, mut high);
        if fits(start, share) {
            (low, high) = (start, STEPS);
            let mut step = 1;
            while low + step < high {
                if fits(low + step, share) {
                    low += step;
                    step *= 2;
                } else {
                    high = low + step;
                    break;
                }
            }
        } else {
            (low, high) = (0, start);
            let mut step = 1;
            while high > step {
                if fits(high - step, share) {
                    low = high - step;
                    break;
                }
                high -= step;
                step *= 2;
            }
        }
        while high - low > 1 {
            let mid = (low + high) / 2;
            if fits(mid, share) {
                low = mid;
            } else {
                high = mid;
            }
        }
        low
    };
    // The 12-step bisection this search replaces, in every test build: the same answer.
    if cfg!(debug_assertions) && k < STEPS {
        let (mut low, mut high) = (0, STEPS);
        for _ in 0..12 {
            let mid = (low + high) / 2;
            if fits(mid, share) {
                low = mid;
            } else {
                high = mid;
            }
        }
        debug_assert_eq!(
            k, low,
            "the common share's search and the bisection disagree"
        );
    }
    *hint = k;
    part(k, share);
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

/// For each flow, the first flow of the same pattern with the same share (itself if none):
/// flows whose carries are equal too receive the same requests in every second.
fn twins_of(flows: &[flows::Flow]) -> Vec<usize> {
    let mut first: BTreeMap<(usize, u64), usize> = BTreeMap::new();
    flows
        .iter()
        .enumerate()
        .map(|(fi, f)| *first.entry((f.pattern, f.share.to_bits())).or_insert(fi))
        .collect()
}

/// `floor(x)` for `0 <= x < 2^52`, where it is `x as i64 as f64`, in floating point only:
/// `x + 2^52` rounds `x` to the nearest integer (the spacing of doubles there is 1), and one is
/// taken off when that rounded up.
fn floor_small(x: f64) -> f64 {
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let r = (x + TWO_52) - TWO_52;
    if r > x { r - 1.0 } else { r }
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
    /// New requests per flow and second (flow-major, 60 per flow), filled only for an
    /// `irregular` minute; otherwise `floor` and `mask` say the same.
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
    /// What every second of the minute costs each level and part before the seconds in which
    /// a flow's carry tips over (scratch).
    level_base: Vec<u64>,
    part_base: Vec<u64>,
    /// Per flow, the floor of its requests per second this minute, and the seconds in which it
    /// makes one more (bit `k`: second `k`).
    floor: Vec<u64>,
    mask: Vec<u64>,
    /// This minute has a second the mask cannot describe (see [`QuietBuffers::plan`]).
    irregular: bool,
    /// Per flow, the flow whose carries it shares this minute (itself, or an earlier twin);
    /// the leads, and their carries, rates, floors and masks (scratch).
    lead: Vec<usize>,
    leads: Vec<usize>,
    lead_carry: Vec<f64>,
    lead_rate: Vec<f64>,
    lead_floor: Vec<f64>,
    lead_mask: Vec<u64>,
}

impl QuietBuffers {
    fn plan(
        &mut self,
        flows: &[flows::Flow],
        twins: &[usize],
        state: &[FlowState],
        rates: &[f64],
        plan_sum: &PlanSum,
        start: Timestamp,
    ) {
        let n = flows.len();
        self.new.resize(n * 60, 0);
        self.carry.clear();
        self.carry.extend(state.iter().map(|st| st.carry));
        self.per_second.clear();
        self.per_second
            .extend(flows.iter().map(|f| rates[f.pattern] * f.share));
        self.floor.clear();
        self.floor
            .extend(self.per_second.iter().map(|r| floor(*r) as i64 as u64));
        self.mask.clear();
        self.mask.resize(n, 0);
        // A flow with the same rate and carry as an earlier twin makes the same requests in
        // every second: the carries are run for the leads only, and copied to their twins.
        self.lead.clear();
        self.lead.extend((0..n).map(|fi| {
            let t = twins[fi];
            if t != fi && self.carry[t].to_bits() == self.carry[fi].to_bits() {
                t
            } else {
                fi
            }
        }));
        self.leads.clear();
        self.leads.extend((0..n).filter(|fi| self.lead[*fi] == *fi));
        self.lead_carry.clear();
        self.lead_carry
            .extend(self.leads.iter().map(|fi| self.carry[*fi]));
        self.lead_rate.clear();
        self.lead_rate
            .extend(self.leads.iter().map(|fi| self.per_second[*fi]));
        self.lead_floor.clear();
        self.lead_floor
            .extend(self.leads.iter().map(|fi| self.floor[*fi] as f64));
        self.lead_mask.clear();
        self.lead_mask.resize(self.leads.len(), 0);
        // Second by second across the flows (not flow by flow), so that the carries, each a
        // chain of dependent floating-point steps, advance side by side. A flow's requests in a
        // second are its rate's floor, or one more when the carry tips over: the seconds that
        // tip over are a mask. In floating point throughout, with `floor_small` where every
        // demand is in its range (a rate below 2^51, a carry below 1): the same values as the
        // second-by-second path's `floor`.
        let small = self.lead_rate.iter().all(|r| (0.0..2.0e15).contains(r));
        let mut irregular = false;
        for k in 0..60 {
            for (((carry, rate), ff), mask) in self
                .lead_carry
                .iter_mut()
                .zip(&self.lead_rate)
                .zip(&self.lead_floor)
                .zip(self.lead_mask.iter_mut())
            {
                let demand = rate + *carry;
                let new = if small {
                    floor_small(demand)
                } else {
                    floor(demand)
                };
                *carry = demand - new;
                *mask |= u64::from(new > *ff) << k;
                // A sum that rounds up to two past the floor (a carry within an ulp of 1): the
                // mask cannot say it; the minute takes the per-second sums instead.
                irregular |= new > *ff + 1.0;
            }
        }
        for (li, &fi) in self.leads.iter().enumerate() {
            self.carry[fi] = self.lead_carry[li];
            self.mask[fi] = self.lead_mask[li];
        }
        for fi in 0..n {
            let lead = self.lead[fi];
            if lead != fi {
                self.carry[fi] = self.carry[lead];
                self.mask[fi] = self.mask[lead];
            }
        }
        // The per-second requests, only for a minute the masks cannot describe: the same
        // steps again from the carries the minute started with.
        if irregular {
            for (fi, st) in state.iter().enumerate() {
                let mut carry = st.carry;
                for k in 0..60 {
                    let demand = self.per_second[fi] + carry;
                    let new = floor(demand);
                    carry = demand - new;
                    self.new[fi * 60 + k] = new as i64 as u64;
                }
            }
        }
        self.irregular = irregular;
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
        // A flow's requests in a second are its rate's floor `m`, or `m + 1` when the carry
        // tips over: each cost is `cost * m` in every second (added once per slot, below) plus
        // `cost` in the seconds that tip over (a mask of them), so a flow costs the seconds it
        // tips over, not 60, for each slot it charges. Integer sums: the same totals.
        self.level_base.clear();
        self.level_base.resize(width, 0);
        self.part_base.clear();
        self.part_base.resize(parts, 0);
        for fi in 0..flows.len() {
            if irregular {
                let new = &self.new[fi * 60..fi * 60 + 60];
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
                continue;
            }
            let (m, mask) = (self.floor[fi], self.mask[fi]);
            if m == 0 && mask == 0 {
                continue;
            }
            for &(slot, cost) in plan_sum.plan_levels(fi) {
                self.level_base[slot] += cost * m;
                let mut bits = mask;
                while bits != 0 {
                    let k = bits.trailing_zeros() as usize;
                    self.run.level_costs[k * width + slot] += cost;
                    bits &= bits - 1;
                }
            }
            for &(slot, cost) in plan_sum.plan_parts(fi) {
                self.part_base[slot] += cost * m;
                let mut bits = mask;
                while bits != 0 {
                    let k = bits.trailing_zeros() as usize;
                    self.part_seconds[k * parts + slot] += cost;
                    bits &= bits - 1;
                }
            }
        }
        for k in 0..60 {
            for (c, b) in self.run.level_costs[k * width..(k + 1) * width]
                .iter_mut()
                .zip(&self.level_base)
            {
                *c += b;
            }
            for (c, b) in self.part_seconds[k * parts..(k + 1) * parts]
                .iter_mut()
                .zip(&self.part_base)
            {
                *c += b;
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

    /// New requests of flow `fi` in second `k` of the minute.
    fn requests_in(&self, fi: usize, k: usize) -> u64 {
        if self.irregular {
            return self.new[fi * 60 + k];
        }
        self.floor[fi] + ((self.mask[fi] >> k) & 1)
    }

    /// New requests of flow `fi` over the minute.
    fn total(&self, fi: usize) -> u64 {
        if self.irregular {
            return self.new[fi * 60..fi * 60 + 60].iter().sum();
        }
        60 * self.floor[fi] + u64::from(self.mask[fi].count_ones())
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
    let mut run = run::Run::new(design, workload, options)?;
    let total_s = run.total_s;
    let mut stopped_after_s = None;
    let mut s = 0;
    while s < total_s {
        let mut now = Timestamp::from_secs(START_EPOCH_S + s);
        run.start_second(s)?;
        if run.quiet_minute(s, now) {
            // The 60th second's figures go through the end of the second below.
            s += 59;
            now = Timestamp::from_secs(START_EPOCH_S + s);
        } else {
            run.admit_second(now);
        }
        run.end_second(s, now)?;
        if (s + 1) % 60 == 0 {
            run.end_minute(s, now);
        }
        if ((s + 1) % 3600 == 0 || s + 1 == total_s) && run.end_hour(s, now, progress) {
            stopped_after_s = Some(s + 1);
            break;
        }
        s += 1;
    }
    let report = run.report(
        stopped_after_s.unwrap_or(total_s),
        stopped_after_s.is_some(),
    );
    Ok(if options.reserved_capacity {
        with_reserved_capacity(report)
    } else {
        report
    })
}
