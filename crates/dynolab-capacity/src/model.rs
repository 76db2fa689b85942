//! Admission: may this request's capacity be spent now, on this table and its indexes?
//!
//! Each table and each GSI is a [`Resource`]: a set of partitions (each capped at 3,000 read
//! and 1,000 write units per second) plus a table-level limit that depends on the mode.
//!
//! - Provisioned: a token bucket per operation kind at the provisioned rate that banks up to
//!   `burst_window_s` of unused capacity (burst). A partition may use any of the table's
//!   capacity up to its own cap: that is adaptive capacity, modelled the way Global Admission
//!   Control works (the table budget is shared, partition buckets are the safety cap).
//! - On-demand: instantly up to double the previous peak, where the peak is the highest
//!   per-second consumption observed at least `on_demand_peak_window_s` ago (so tripling within
//!   30 minutes throttles); capped by the per-table quota and `OnDemandThroughput`.
//!
//! Admission is all or nothing over a request's charges: a base-table write whose GSI has no
//! capacity is throttled as a whole (GSI back-pressure).

use std::collections::{BTreeMap, VecDeque};

use dynolab_clock::Timestamp;

use crate::bucket::TokenBucket;
use crate::partitions::PartitionMap;
use crate::{CapacityConfig, HalfUnits, Op};

/// What a charge is drawn from: the table (including its LSIs) or one GSI.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Table,
    Index(String),
}

/// Why a request was throttled, as in DynamoDB's `ThrottlingReason`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LimitType {
    ProvisionedThroughputExceeded,
    KeyRangeThroughputExceeded,
    AccountLimitExceeded,
    MaxOnDemandThroughputExceeded,
}

impl LimitType {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitType::ProvisionedThroughputExceeded => "ProvisionedThroughputExceeded",
            LimitType::KeyRangeThroughputExceeded => "KeyRangeThroughputExceeded",
            LimitType::AccountLimitExceeded => "AccountLimitExceeded",
            LimitType::MaxOnDemandThroughputExceeded => "MaxOnDemandThroughputExceeded",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Throttle {
    pub target: Target,
    pub op: Op,
    pub limit: LimitType,
    /// Set when an on-demand table is throttled for growing faster than double its peak.
    pub scaling: bool,
}

impl Throttle {
    /// `TableWriteKeyRangeThroughputExceeded` and the like.
    pub fn reason(&self) -> String {
        let resource = match self.target {
            Target::Table => "Table",
            Target::Index(_) => "Index",
        };
        let op = match self.op {
            Op::Read => "Read",
            Op::Write => "Write",
        };
        format!("{resource}{op}{}", self.limit.as_str())
    }
}

/// One piece of a request's capacity: `cost` of `op` on `target`, for the partition key whose
/// hash is `hash`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Charge {
    pub target: Target,
    pub op: Op,
    pub hash: u64,
    pub cost: HalfUnits,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Provisioned {
        read_units: u64,
        write_units: u64,
    },
    OnDemand {
        max_read_units: Option<u64>,
        max_write_units: Option<u64>,
    },
}

/// Per-second consumption and the settled peak of one operation kind in on-demand mode.
#[derive(Clone, Debug)]
struct PeakTracker {
    /// Highest per-second consumption (half-units) seen more than the window ago.
    settled_peak: u64,
    /// (second, half-units) of the recent window, oldest first.
    recent: VecDeque<(u64, u64)>,
    /// The entries of `recent` that are larger than every later one, oldest first (so values
    /// decrease): the front is the recent window's maximum, kept without scanning the window.
    recent_max: VecDeque<(u64, u64)>,
}

impl PeakTracker {
    fn new(initial_peak: u64) -> PeakTracker {
        PeakTracker {
            settled_peak: initial_peak,
            recent: VecDeque::new(),
            recent_max: VecDeque::new(),
        }
    }

    fn settle(&mut self, now_s: u64, window_s: u64) {
        while let Some(&(second, units)) = self.recent.front() {
            if second + window_s > now_s {
                break;
            }
            self.settled_peak = self.settled_peak.max(units);
            self.recent.pop_front();
            if self.recent_max.front().is_some_and(|m| m.0 == second) {
                self.recent_max.pop_front();
            }
        }
    }

    fn this_second(&self, now_s: u64) -> u64 {
        match self.recent.back() {
            Some(&(second, units)) if second == now_s => units,
            _ => 0,
        }
    }

    fn add(&mut self, now_s: u64, units: u64) {
        let total = match self.recent.back_mut() {
            Some((second, total)) if *second == now_s => {
                *total += units;
                *total
            }
            _ => {
                self.recent.push_back((now_s, units));
                units
            }
        };
        if self.recent_max.back().is_some_and(|m| m.0 == now_s) {
            self.recent_max.pop_back();
        }
        while self.recent_max.back().is_some_and(|m| m.1 <= total) {
            self.recent_max.pop_back();
        }
        self.recent_max.push_back((now_s, total));
    }

    /// Highest per-second consumption known, settled or not.
    fn peak(&self) -> u64 {
        self.recent_max
            .front()
            .map_or(0, |m| m.1)
            .max(self.settled_peak)
    }
}

/// The capacity state of one table or GSI.
#[derive(Clone, Debug)]
pub struct Resource {
    mode: Mode,
    partitions: PartitionMap,
    read: TokenBucket,
    write: TokenBucket,
    on_demand_read: PeakTracker,
    on_demand_write: PeakTracker,
    /// Highest provisioned (read, write) ever set: the floor of on-demand after a switch.
    highest_provisioned: (u64, u64),
    /// Whether splitting for heat is allowed (not for tables with an LSI).
    may_split_for_heat: bool,
}

fn provisioned_partitions(read_units: u64, write_units: u64, config: &CapacityConfig) -> usize {
    let read = read_units as f64 / config.partition_read_units_per_s as f64;
    let write = write_units as f64 / config.partition_write_units_per_s as f64;
    ((read + write).ceil() as usize).max(1)
}

fn on_demand_partitions(read_units: u64, write_units: u64, config: &CapacityConfig) -> usize {
    let read = read_units.div_ceil(config.partition_read_units_per_s);
    let write = write_units.div_ceil(config.partition_write_units_per_s);
    (read.max(write) as usize).max(1)
}

impl Resource {
    pub fn new(
        mode: Mode,
        may_split_for_heat: bool,
        config: &CapacityConfig,
        now: Timestamp,
    ) -> Resource {
        let (partitions, read_rate, write_rate, highest) = match mode {
            Mode::Provisioned {
                read_units,
                write_units,
            } => (
                provisioned_partitions(read_units, write_units, config),
                read_units * 2,
                write_units * 2,
                (read_units, write_units),
            ),
            Mode::OnDemand { .. } => (
                on_demand_partitions(
                    config.on_demand_initial_read_units,
                    config.on_demand_initial_write_units,
                    config,
                ),
                0,
                0,
                (0, 0),
            ),
        };
        Resource {
            mode,
            partitions: PartitionMap::even(partitions, config, now),
            read: TokenBucket::new(read_rate, config.burst_window_s, now),
            write: TokenBucket::new(write_rate, config.burst_window_s, now),
            // Peaks are in half-units. A new on-demand table sustains double its "previous peak",
            // so the peak starts at half the initial capacity: N units / 2 = N half-units.
            on_demand_read: PeakTracker::new(config.on_demand_initial_read_units),
            on_demand_write: PeakTracker::new(config.on_demand_initial_write_units),
            highest_provisioned: highest,
            may_split_for_heat,
        }
    }

    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn partition_count(&self) -> usize {
        self.partitions.len()
    }

    pub fn partition_of(&self, hash: u64) -> usize {
        self.partitions.index_of(hash)
    }

    /// First hash of the partition holding `hash` (its identity on the page's heat map).
    pub fn partition_start(&self, hash: u64) -> u64 {
        self.partitions.start_of(hash)
    }

    pub fn partition_starts(&self) -> Vec<u64> {
        self.partitions.starts()
    }

    /// Changes mode or provisioned throughput (UpdateTable). Partitions never merge; a higher
    /// provisioned peak adds partitions; switching to on-demand keeps at least the highest
    /// capacity ever provisioned.
    pub fn set_mode(&mut self, mode: Mode, config: &CapacityConfig, now: Timestamp) {
        match mode {
            Mode::Provisioned {
                read_units,
                write_units,
            } => {
                self.highest_provisioned = (
                    self.highest_provisioned.0.max(read_units),
                    self.highest_provisioned.1.max(write_units),
                );
                self.read
                    .reconfigure(read_units * 2, config.burst_window_s, now);
                self.write
                    .reconfigure(write_units * 2, config.burst_window_s, now);
                self.partitions.grow_to(
                    provisioned_partitions(read_units, write_units, config),
                    config,
                    now,
                );
            }
            Mode::OnDemand { .. } => {
                if !matches!(self.mode, Mode::OnDemand { .. }) {
                    // The first switch sustains at least the highest capacity ever provisioned:
                    // a peak of R half-units allows 2R half-units, that is R units.
                    let (r, w) = self.highest_provisioned;
                    self.on_demand_read.settled_peak = self.on_demand_read.settled_peak.max(r);
                    self.on_demand_write.settled_peak = self.on_demand_write.settled_peak.max(w);
                }
            }
        }
        self.mode = mode;
    }

    /// Pre-warms the resource (`WarmThroughput`): it sustains at least these units per second at
    /// once, with partitions enough to serve them. Warm throughput never decreases.
    pub fn warm(
        &mut self,
        read_units: u64,
        write_units: u64,
        config: &CapacityConfig,
        now: Timestamp,
    ) {
        // A settled peak of N half-units allows 2N half-units, that is N units.
        self.on_demand_read.settled_peak = self.on_demand_read.settled_peak.max(read_units);
        self.on_demand_write.settled_peak = self.on_demand_write.settled_peak.max(write_units);
        self.partitions.grow_to(
            on_demand_partitions(read_units, write_units, config),
            config,
            now,
        );
    }

    /// Adds partitions for size: one per `partition_size_bytes`.
    pub fn observe_size(&mut self, size_bytes: u64, config: &CapacityConfig, now: Timestamp) {
        let needed = size_bytes.div_ceil(config.partition_size_bytes.max(1)) as usize;
        self.partitions.grow_to(needed, config, now);
    }

    fn tracker(&mut self, op: Op) -> &mut PeakTracker {
        match op {
            Op::Read => &mut self.on_demand_read,
            Op::Write => &mut self.on_demand_write,
        }
    }

    fn bucket(&mut self, op: Op) -> &mut TokenBucket {
        match op {
            Op::Read => &mut self.read,
            Op::Write => &mut self.write,
        }
    }

    /// How much of `op` the table-level limit allows now, in half-units, and the limit that
    /// binds: in provisioned mode the burst bucket; in on-demand mode the `OnDemandThroughput`
    /// maximum, then the table quota, then double the previous peak (checked in that order).
    fn table_level_headroom(
        &mut self,
        op: Op,
        config: &CapacityConfig,
        now: Timestamp,
    ) -> [Option<(u64, LimitType, bool)>; 3] {
        match self.mode {
            Mode::Provisioned { .. } => [
                Some((
                    self.bucket(op).available(now).0,
                    LimitType::ProvisionedThroughputExceeded,
                    false,
                )),
                None,
                None,
            ],
            Mode::OnDemand {
                max_read_units,
                max_write_units,
            } => {
                let now_s = now.as_micros() / 1_000_000;
                let window = config.on_demand_peak_window_s;
                let tracker = self.tracker(op);
                tracker.settle(now_s, window);
                let used = tracker.this_second(now_s);
                // Peaks are tracked in half-units: "double the peak" is 2 × peak half-units.
                let allowed = tracker.settled_peak * 2;
                let max = match op {
                    Op::Read => max_read_units,
                    Op::Write => max_write_units,
                };
                [
                    max.map(|m| {
                        (
                            (m * 2).saturating_sub(used),
                            LimitType::MaxOnDemandThroughputExceeded,
                            false,
                        )
                    }),
                    Some((
                        (config.table_quota_units_per_s * 2).saturating_sub(used),
                        LimitType::AccountLimitExceeded,
                        false,
                    )),
                    Some((
                        allowed.saturating_sub(used),
                        LimitType::KeyRangeThroughputExceeded,
                        true,
                    )),
                ]
            }
        }
    }

    fn spend_table_level(&mut self, op: Op, cost: HalfUnits, now: Timestamp) {
        match self.mode {
            Mode::Provisioned { .. } => self.bucket(op).spend(cost, now),
            Mode::OnDemand { .. } => {
                let now_s = now.as_micros() / 1_000_000;
                self.tracker(op).add(now_s, cost.0);
            }
        }
    }

    /// Splits partitions that ran hot, and for on-demand grows partitions to carry double the
    /// peak. Called once per admission; cheap when nothing is due.
    pub fn maintain(&mut self, config: &CapacityConfig, now: Timestamp) {
        if self.may_split_for_heat {
            self.partitions.split_for_heat(config, now);
        }
        if let Mode::OnDemand { .. } = self.mode {
            // Partitions enough for double the peak: 2 × (peak half-units / 2) units.
            let needed = on_demand_partitions(
                self.on_demand_read.peak(),
                self.on_demand_write.peak(),
                config,
            );
            self.partitions.grow_to(needed, config, now);
        }
    }
}

/// A table and its GSIs.
#[derive(Clone, Debug)]
pub struct TableCapacity {
    pub table: Resource,
    pub indexes: BTreeMap<String, Resource>,
}

/// A request's charges resolved to resources and partitions, summed as admission checks them.
/// Built by [`TableCapacity::plan`]; valid until a resource of the table changes its partitions
/// ([`TableCapacity::plan_is_current`]), so a simulator can admit the same kind of request many
/// times without resolving it again.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Cost per request on each (resource, op), for the table-level limits.
    levels: Vec<(usize, Op, HalfUnits)>,
    /// Cost per request on each (resource, op, partition), for the partition caps.
    parts: Vec<(usize, Op, usize, HalfUnits)>,
    /// Each charge with its resource and partition, spent with its key hash (heat tracking).
    charges: Vec<(usize, Op, usize, HalfUnits, u64)>,
    /// Partition count of every resource when the plan was made.
    layout: Vec<usize>,
}

impl Plan {
    /// Cost per request on each (resource, op): the table-level limits it draws on.
    pub fn levels(&self) -> &[(usize, Op, HalfUnits)] {
        &self.levels
    }

    /// Cost per request on each (resource, op, partition): the partition caps it draws on.
    pub fn parts(&self) -> &[(usize, Op, usize, HalfUnits)] {
        &self.parts
    }

    /// Partition (index into the resource's partitions) of the first charge on `resource`
    /// (0 = the table, 1.. = the GSIs in name order).
    pub fn partition_on(&self, resource: usize) -> Option<usize> {
        self.charges.iter().find(|c| c.0 == resource).map(|c| c.2)
    }
}

/// Different plans admitted together as one request of each, their costs multiplied by how many
/// requests of each arrive: if the sum fits, admitting it is exactly admitting every request
/// of every plan in turn (each limit takes the sum of what they cost, and spending is
/// additive), at the price of one admission. If it does not fit, admitting it spends nothing,
/// and the caller admits plan by plan. The simulator admits each second this way first.
#[derive(Clone, Debug)]
pub struct PlanSum {
    sum: Plan,
    /// Per plan: (slot in `sum.levels`, cost) of each of its levels.
    levels: Vec<Vec<(usize, u64)>>,
    /// Per plan: (slot in `sum.parts`, cost) of each of its partition costs.
    parts: Vec<Vec<(usize, u64)>>,
    /// Per plan: (slot in `charges`, cost) of each of its charges.
    charge_slots: Vec<Vec<(usize, u64)>>,
    /// The distinct charges (resource, op, partition, hash), in the order plans first name them.
    charges: Vec<(usize, Op, usize, u64)>,
    /// This fill's cost of each distinct charge, and whether a plan with requests has it.
    charge_costs: Vec<(u64, bool)>,
}

impl PlanSum {
    /// The sum of these plans (all made against the same partitions).
    pub fn new(plans: &[&Plan]) -> PlanSum {
        let mut sum = Plan {
            levels: Vec::new(),
            parts: Vec::new(),
            charges: Vec::new(),
            layout: plans.first().map(|p| p.layout.clone()).unwrap_or_default(),
        };
        let mut charges: Vec<(usize, Op, usize, u64)> = Vec::new();
        let (mut levels, mut parts, mut charge_slots) = (Vec::new(), Vec::new(), Vec::new());
        for plan in plans {
            levels.push(
                plan.levels
                    .iter()
                    .map(|&(i, op, cost)| {
                        let slot = match sum.levels.iter().position(|l| l.0 == i && l.1 == op) {
                            Some(slot) => slot,
                            None => {
                                sum.levels.push((i, op, HalfUnits(0)));
                                sum.levels.len() - 1
                            }
                        };
                        (slot, cost.0)
                    })
                    .collect(),
            );
            parts.push(
                plan.parts
                    .iter()
                    .map(|&(i, op, partition, cost)| {
                        let found = sum
                            .parts
                            .iter()
                            .position(|p| (p.0, p.1, p.2) == (i, op, partition));
                        let slot = found.unwrap_or_else(|| {
                            sum.parts.push((i, op, partition, HalfUnits(0)));
                            sum.parts.len() - 1
                        });
                        (slot, cost.0)
                    })
                    .collect(),
            );
            charge_slots.push(
                plan.charges
                    .iter()
                    .map(|&(i, op, partition, cost, hash)| {
                        let key = (i, op, partition, hash);
                        let slot = charges.iter().position(|c| *c == key).unwrap_or_else(|| {
                            charges.push(key);
                            charges.len() - 1
                        });
                        (slot, cost.0)
                    })
                    .collect(),
            );
        }
        PlanSum {
            sum,
            levels,
            parts,
            charge_slots,
            charge_costs: vec![(0, false); charges.len()],
            charges,
        }
    }

    /// (resource, op) of each table-level limit of the sum, in slot order.
    pub fn levels(&self) -> impl Iterator<Item = (usize, Op)> + '_ {
        self.sum.levels.iter().map(|l| (l.0, l.1))
    }

    /// (resource, op, partition) of each partition cost of the sum, in slot order.
    pub fn parts(&self) -> impl Iterator<Item = (usize, Op, usize)> + '_ {
        self.sum.parts.iter().map(|p| (p.0, p.1, p.2))
    }

    /// (slot in [`PlanSum::levels`], half-units per request) of plan `k`'s table-level costs.
    pub fn plan_levels(&self, k: usize) -> &[(usize, u64)] {
        &self.levels[k]
    }

    /// (slot in [`PlanSum::parts`], half-units per request) of plan `k`'s partition costs.
    pub fn plan_parts(&self, k: usize) -> &[(usize, u64)] {
        &self.parts[k]
    }

    /// The plan of one request that costs what `counts[k]` requests of plan `k` cost together.
    pub fn fill(&mut self, counts: &[u64]) -> &Plan {
        for l in &mut self.sum.levels {
            l.2 = HalfUnits(0);
        }
        for p in &mut self.sum.parts {
            p.3 = HalfUnits(0);
        }
        for c in &mut self.charge_costs {
            *c = (0, false);
        }
        for (k, &count) in counts.iter().enumerate() {
            if count == 0 {
                continue;
            }
            for &(slot, cost) in &self.levels[k] {
                self.sum.levels[slot].2.0 += cost * count;
            }
            for &(slot, cost) in &self.parts[k] {
                self.sum.parts[slot].3.0 += cost * count;
            }
            for &(slot, cost) in &self.charge_slots[k] {
                let c = &mut self.charge_costs[slot];
                *c = (c.0 + cost * count, true);
            }
        }
        // Only the charges of plans with requests are spent: a spend, even of nothing, is what
        // starts a partition's new second of heat accounting.
        self.sum.charges.clear();
        for (&(i, op, partition, hash), &(cost, used)) in
            self.charges.iter().zip(&self.charge_costs)
        {
            if used {
                self.sum
                    .charges
                    .push((i, op, partition, HalfUnits(cost), hash));
            }
        }
        &self.sum
    }
}

/// What [`TableCapacity::admit_many`] let through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Admission {
    /// Requests admitted (and spent).
    pub admitted: u64,
    /// Every limit that kept at least one request out; empty when all were admitted.
    pub throttles: Vec<Throttle>,
    /// The limit that admitted the fewest: the cause of the throttles, with the resource it is
    /// on (0 = the table, 1.. = the GSIs in name order) and, for a partition cap, the partition.
    pub binding: Option<(Throttle, usize, Option<usize>)>,
    /// Each limit in `throttles` with how many of the requests it would have let in (requests
    /// arrive in order: request `j` is refused by every limit that lets in `j` or fewer), so a
    /// caller can tell which reasons each throttled request carries.
    pub fits: Vec<(Throttle, u64)>,
}

impl TableCapacity {
    /// Resource number `i`, as plans number them: 0 is the table, 1.. the GSIs in name order.
    pub fn resource(&self, i: usize) -> &Resource {
        if i == 0 {
            &self.table
        } else {
            self.indexes
                .values()
                .nth(i - 1)
                .expect("resource numbers come from this table")
        }
    }

    pub fn resource_mut(&mut self, i: usize) -> &mut Resource {
        if i == 0 {
            &mut self.table
        } else {
            self.indexes
                .values_mut()
                .nth(i - 1)
                .expect("resource numbers come from this table")
        }
    }

    /// The charge target of resource number `i`.
    pub fn target(&self, i: usize) -> Target {
        if i == 0 {
            Target::Table
        } else {
            Target::Index(
                self.indexes
                    .keys()
                    .nth(i - 1)
                    .expect("plans only hold known resources")
                    .clone(),
            )
        }
    }

    fn layout(&self) -> Vec<usize> {
        std::iter::once(self.table.partition_count())
            .chain(self.indexes.values().map(Resource::partition_count))
            .collect()
    }

    /// Resolves `charges` (charges on unknown indexes are ignored) into a [`Plan`].
    pub fn plan(&self, charges: &[Charge]) -> Plan {
        let mut plan = Plan {
            levels: Vec::new(),
            parts: Vec::new(),
            charges: Vec::with_capacity(charges.len()),
            layout: self.layout(),
        };
        for c in charges {
            let (i, resource) = match &c.target {
                Target::Table => (0, &self.table),
                Target::Index(name) => match self.indexes.get_key_value(name) {
                    Some((key, r)) => (1 + self.indexes.range(..key.clone()).count(), r),
                    None => continue,
                },
            };
            let partition = resource.partition_of(c.hash);
            match plan.levels.iter_mut().find(|l| l.0 == i && l.1 == c.op) {
                Some(l) => l.2 += c.cost,
                None => plan.levels.push((i, c.op, c.cost)),
            }
            match plan
                .parts
                .iter_mut()
                .find(|p| p.0 == i && p.1 == c.op && p.2 == partition)
            {
                Some(p) => p.3 += c.cost,
                None => plan.parts.push((i, c.op, partition, c.cost)),
            }
            plan.charges.push((i, c.op, partition, c.cost, c.hash));
        }
        plan.levels.sort_by_key(|l| (l.0, l.1));
        plan.parts.sort_by_key(|p| (p.0, p.1, p.2));
        plan
    }

    /// Whether `plan` still matches the partitions (none split or grew since it was made).
    pub fn plan_is_current(&self, plan: &Plan) -> bool {
        plan.layout.len() == self.indexes.len() + 1
            && plan.layout[0] == self.table.partition_count()
            && self
                .indexes
                .values()
                .zip(&plan.layout[1..])
                .all(|(r, n)| r.partition_count() == *n)
    }

    /// Admits as many as possible of `count` identical requests, each all or nothing over the
    /// plan's charges, and spends what they cost. Does not split partitions: call
    /// [`TableCapacity::maintain`] once per tick (as [`TableCapacity::admit`] does per request).
    pub fn admit_many(
        &mut self,
        plan: &Plan,
        count: u64,
        config: &CapacityConfig,
        now: Timestamp,
    ) -> Admission {
        self.resources_mut().admit_many(plan, count, config, now)
    }

    /// Every resource by number, for admitting many plans in a row without looking each
    /// resource up again (the simulator admits every flow of a second through one view).
    pub fn resources_mut(&mut self) -> ResourcesMut<'_> {
        let mut resources = Vec::with_capacity(1 + self.indexes.len());
        let mut targets = Vec::with_capacity(1 + self.indexes.len());
        resources.push(&mut self.table);
        targets.push(None);
        for (name, index) in self.indexes.iter_mut() {
            resources.push(index);
            targets.push(Some(name.as_str()));
        }
        ResourcesMut { resources, targets }
    }

    /// Splits hot partitions and grows on-demand resources (see [`Resource::maintain`]).
    pub fn maintain(&mut self, config: &CapacityConfig, now: Timestamp) {
        self.table.maintain(config, now);
        for index in self.indexes.values_mut() {
            index.maintain(config, now);
        }
    }

    /// Admits `charges` as a whole: spends them all and returns `Ok`, or spends nothing and
    /// returns every limit that was hit.
    pub fn admit(
        &mut self,
        charges: &[Charge],
        config: &CapacityConfig,
        now: Timestamp,
    ) -> Result<(), Vec<Throttle>> {
        let plan = self.plan(charges);
        let admission = self.admit_many(&plan, 1, config, now);
        if admission.admitted == 0 {
            // Larger than what is left, but nothing it touches is exhausted: admitted, and
            // charged in full (CapacityConfig::admit_in_debt).
            let mut resources = self.resources_mut();
            if !(config.admit_in_debt && resources.has_room(&plan, config, now)) {
                return Err(admission.throttles);
            }
            resources.spend(&plan, 1, config, now);
        }
        self.maintain(config, now);
        Ok(())
    }
}

/// Every resource of a table by number (0 = the table, 1.. = the GSIs in name order), from
/// [`TableCapacity::resources_mut`].
pub struct ResourcesMut<'a> {
    resources: Vec<&'a mut Resource>,
    /// The GSI name of each resource (none for the table).
    targets: Vec<Option<&'a str>>,
}

impl ResourcesMut<'_> {
    fn target(&self, i: usize) -> Target {
        match self.targets[i] {
            None => Target::Table,
            Some(name) => Target::Index(name.to_string()),
        }
    }

    /// How many of `count` requests of `plan` would be admitted now, spending nothing.
    pub fn would_admit(
        &mut self,
        plan: &Plan,
        count: u64,
        config: &CapacityConfig,
        now: Timestamp,
    ) -> u64 {
        self.limits(plan, count, config, now).0
    }

    /// How many of `count` requests fit, and each limit that cannot take them all:
    /// (resource, op, limit, scaling, partition, fits), in checking order.
    #[allow(clippy::type_complexity)]
    fn limits(
        &mut self,
        plan: &Plan,
        count: u64,
        config: &CapacityConfig,
        now: Timestamp,
    ) -> (u64, Vec<(usize, Op, LimitType, bool, Option<usize>, u64)>) {
        let mut admitted = count;
        let mut hits: Vec<(usize, Op, LimitType, bool, Option<usize>, u64)> = Vec::new();
        for &(i, op, cost) in &plan.levels {
            if cost.0 == 0 {
                continue;
            }
            let headrooms = self.resources[i].table_level_headroom(op, config, now);
            // The first limit in checking order that cannot take every request is reported.
            if let Some(&(room, limit_type, scaling)) = headrooms
                .iter()
                .flatten()
                .find(|(room, _, _)| room / cost.0 < count)
            {
                let fits = headrooms
                    .iter()
                    .flatten()
                    .map(|(room, _, _)| room / cost.0)
                    .min()
                    .unwrap_or(room / cost.0);
                admitted = admitted.min(fits);
                hits.push((i, op, limit_type, scaling, None, fits));
            }
        }
        for &(i, op, partition, cost) in &plan.parts {
            if cost.0 == 0 {
                continue;
            }
            let fits = self.resources[i].partitions.available(partition, op, now).0 / cost.0;
            if fits < count {
                admitted = admitted.min(fits);
                let limit = LimitType::KeyRangeThroughputExceeded;
                hits.push((i, op, limit, false, Some(partition), fits));
            }
        }
        (admitted, hits)
    }

    /// Spends what `count` requests of `plan` cost, whatever is left.
    fn spend(&mut self, plan: &Plan, count: u64, config: &CapacityConfig, now: Timestamp) {
        for &(i, op, cost) in &plan.levels {
            self.resources[i].spend_table_level(op, HalfUnits(cost.0 * count), now);
        }
        for &(i, op, partition, cost, hash) in &plan.charges {
            self.resources[i].partitions.spend(
                partition,
                op,
                HalfUnits(cost.0 * count),
                hash,
                now,
                config,
            );
        }
    }

    /// Whether every limit `plan` touches has something left now (a request larger than that
    /// is admitted in debt: [`CapacityConfig::admit_in_debt`]).
    fn has_room(&mut self, plan: &Plan, config: &CapacityConfig, now: Timestamp) -> bool {
        for &(i, op, cost) in &plan.levels {
            if cost.0 == 0 {
                continue;
            }
            let headrooms = self.resources[i].table_level_headroom(op, config, now);
            if headrooms.iter().flatten().any(|(room, _, _)| *room == 0) {
                return false;
            }
        }
        plan.parts.iter().all(|&(i, op, partition, cost)| {
            cost.0 == 0 || self.resources[i].partitions.available(partition, op, now).0 > 0
        })
    }

    /// [`TableCapacity::admit_many`].
    pub fn admit_many(
        &mut self,
        plan: &Plan,
        count: u64,
        config: &CapacityConfig,
        now: Timestamp,
    ) -> Admission {
        let (admitted, hits) = self.limits(plan, count, config, now);
        let mut throttles: Vec<Throttle> = Vec::new();
        let mut binding: Option<(Throttle, usize, Option<usize>, u64)> = None;
        let mut all_fits: Vec<(Throttle, u64)> = Vec::new();
        for (i, op, limit, scaling, partition, fits) in hits {
            let throttle = Throttle {
                target: self.target(i),
                op,
                limit,
                scaling,
            };
            if binding.as_ref().is_none_or(|b| fits < b.3) {
                binding = Some((throttle.clone(), i, partition, fits));
            }
            match all_fits.iter_mut().find(|(t, _)| *t == throttle) {
                Some(entry) => entry.1 = entry.1.min(fits),
                None => all_fits.push((throttle.clone(), fits)),
            }
            if !throttles.contains(&throttle) {
                throttles.push(throttle);
            }
        }
        throttles.sort();
        all_fits.sort();
        if admitted > 0 {
            self.spend(plan, admitted, config, now);
        }
        Admission {
            admitted,
            throttles,
            binding: binding.map(|(t, r, p, _)| (t, r, p)),
            fits: all_fits,
        }
    }
}

/// A run of seconds in which every request fits: what each second costs each table-level
/// limit, and the most any second costs each partition ([`ResourcesMut::admit_quiet_run`]).
#[derive(Clone, Debug, Default)]
pub struct QuietRun {
    /// The first second of the run.
    pub start: Timestamp,
    /// (resource, op) of each table-level limit.
    pub levels: Vec<(usize, Op)>,
    /// Per second of the run, in order, the half-units spent on each of `levels` (second `k`'s
    /// costs are `level_costs[k * levels.len()..][..levels.len()]`).
    pub level_costs: Vec<u64>,
    /// (resource, op, partition, most half-units spent in any one second of the run).
    pub parts: Vec<(usize, Op, usize, u64)>,
}

impl ResourcesMut<'_> {
    /// Admits a whole run of seconds at once when it can show that every request of every
    /// second fits and that no partition comes near its cap or its heat threshold; then the
    /// state afterwards is what admitting second after second would leave (the table-level
    /// buckets and on-demand peaks are stepped second by second, partitions stay as they are:
    /// see [`PartitionMap::runs_cold`]). Returns false, having changed nothing, when it cannot.
    /// The caller must call [`TableCapacity::maintain`] after the run's last second.
    pub fn admit_quiet_run(&mut self, run: &QuietRun, config: &CapacityConfig) -> bool {
        let at = |k: usize| Timestamp(run.start.as_micros() + k as u64 * 1_000_000);
        let width = run.levels.len().max(1);
        let seconds = run.level_costs.len() / width;
        let cost = |k: usize, l: usize| run.level_costs[k * width + l];
        for &(i, op, partition, most) in &run.parts {
            if most > 0
                && !self.resources[i]
                    .partitions
                    .runs_cold(partition, op, most, run.start, config)
            {
                return false;
            }
        }
        // Table-level limits, second by second, on copies first.
        let mut buckets: Vec<Option<TokenBucket>> = Vec::with_capacity(run.levels.len());
        for (l, &(i, op)) in run.levels.iter().enumerate() {
            let resource = &mut *self.resources[i];
            match resource.mode {
                Mode::Provisioned { .. } => {
                    let mut bucket = resource.bucket(op).clone();
                    for k in 0..seconds {
                        if bucket.available(at(k)).0 < cost(k, l) {
                            return false;
                        }
                        bucket.spend(HalfUnits(cost(k, l)), at(k));
                    }
                    buckets.push(Some(bucket));
                }
                Mode::OnDemand {
                    max_read_units,
                    max_write_units,
                } => {
                    // Every second starts with nothing spent, and the settled peak only grows.
                    let max = match op {
                        Op::Read => max_read_units,
                        Op::Write => max_write_units,
                    };
                    let allowed = (resource.tracker(op).settled_peak * 2)
                        .min(config.table_quota_units_per_s * 2)
                        .min(max.map_or(u64::MAX, |m| m * 2));
                    if (0..seconds).any(|k| cost(k, l) > allowed) {
                        return false;
                    }
                    buckets.push(None);
                }
            }
        }
        // On demand, partitions grow with the peak: the run must not make them grow.
        for (i, resource) in self.resources.iter().enumerate() {
            if !matches!(resource.mode, Mode::OnDemand { .. }) {
                continue;
            }
            let most = |op: Op| {
                run.levels
                    .iter()
                    .enumerate()
                    .filter(|(_, level)| **level == (i, op))
                    .flat_map(|(l, _)| (0..seconds).map(move |k| cost(k, l)))
                    .max()
                    .unwrap_or(0)
            };
            let read = resource.on_demand_read.peak().max(most(Op::Read));
            let write = resource.on_demand_write.peak().max(most(Op::Write));
            if on_demand_partitions(read, write, config) > resource.partition_count() {
                return false;
            }
        }
        for (l, (&(i, op), bucket)) in run.levels.iter().zip(buckets).enumerate() {
            let resource = &mut *self.resources[i];
            match bucket {
                Some(bucket) => *resource.bucket(op) = bucket,
                None => {
                    for k in 0..seconds {
                        let now_s = at(k).as_micros() / 1_000_000;
                        let tracker = resource.tracker(op);
                        tracker.settle(now_s, config.on_demand_peak_window_s);
                        tracker.add(now_s, cost(k, l));
                    }
                }
            }
        }
        true
    }
}
