//! One run of [`super::simulate`], in stages: the state at the start, each second (a quiet
//! minute in one step, or the second's admissions), the end of each second, minute (the bill
//! and auto scaling) and hour, and the report.

use std::collections::BTreeMap;

use dynolab_capacity::pricing::ClassPrices;
use dynolab_capacity::{Admission, Mode, Op, PlanSum, TableCapacity};
use dynolab_clock::Timestamp;
use dynolab_design::TableDesign;

use super::{
    CostLine, FlowState, GIB, Heat, HourStats, KeyStats, PartitionStats, PatternStats,
    QuietBuffers, Reasons, ResourceReport, START_EPOCH_S, Scaler, ScalingAction, SimError,
    SimOptions, SimReport, admit_common_share, capacity_of, floor, fresh_state, hottest_keys,
    key_index, mode_text, moved_state, op_index, sum_of, twins_of,
};
use crate::flows::{self, Flow};
use crate::workload::{DailyCurve, Operation, StorageModel, Workload};

/// The flows of the run and what each carries from second to second.
struct Traffic {
    flows: Vec<Flow>,
    state: Vec<FlowState>,
    plan_sum: PlanSum,
    /// Each flow's first twin ([`twins_of`]).
    twins: Vec<usize>,
    /// The common share's fraction in the last throttled second ([`admit_common_share`]).
    common_hint: usize,
    /// Requests offered to each flow this second, and the common share admitted first.
    offered: Vec<u64>,
    common_share: Vec<u64>,
    /// Each flow's key statistics slot.
    flow_keys: Vec<Option<usize>>,
    /// Requests per second of each pattern this minute.
    rates: Vec<f64>,
    /// Requests of one flow by attempt (scratch).
    attempts: Vec<u64>,
}

/// Per (key, resource): requests, throttled, peak units in a second, op; ids survive rebuilds.
#[derive(Default)]
struct KeyTable {
    ids: BTreeMap<(String, usize), usize>,
    keys: Vec<(u64, u64, u64, Op)>,
    /// Units offered to each key this second.
    second: Vec<u64>,
    /// Units of first attempts offered to each key: this second, and the highest second.
    first: Vec<[u64; 2]>,
}

impl KeyTable {
    fn index(&mut self, flows: &[Flow]) -> Vec<Option<usize>> {
        let index = key_index(flows, &mut self.ids, &mut self.keys, &mut self.second);
        self.first.resize(self.keys.len(), [0, 0]);
        index
    }
}

/// Consumed half-units per resource and op: this second, this minute, the run; peaks; what was
/// provisioned; the heat of each partition this hour and every hour.
struct Usage {
    second: Vec<[u64; 2]>,
    minute: Vec<[u64; 2]>,
    total: Vec<[u64; 2]>,
    peak_second: Vec<[u64; 2]>,
    peak_minute: Vec<[u64; 2]>,
    provisioned_unit_minutes: Vec<[u64; 2]>,
    provisioned_cost: Vec<[f64; 2]>,
    heat_now: Vec<Vec<[u64; 2]>>,
    heat: Vec<Vec<Vec<u8>>>,
}

impl Usage {
    fn new(capacity: &TableCapacity, n: usize) -> Usage {
        Usage {
            second: vec![[0; 2]; n],
            minute: vec![[0; 2]; n],
            total: vec![[0; 2]; n],
            peak_second: vec![[0; 2]; n],
            peak_minute: vec![[0; 2]; n],
            provisioned_unit_minutes: vec![[0; 2]; n],
            provisioned_cost: vec![[0.0; 2]; n],
            heat_now: (0..n)
                .map(|i| vec![[0; 2]; capacity.resource(i).partition_count()])
                .collect(),
            heat: vec![Vec::new(); n],
        }
    }
}

/// What the report counts: requests per pattern and hour, throttles by reason, partition and
/// key, storage.
struct Tally {
    /// Per pattern: requests, throttled, failed, consumed half-units.
    patterns: Vec<(u64, u64, u64, u64)>,
    hours: Vec<HourStats>,
    hour: HourStats,
    reasons: Reasons,
    keys: KeyTable,
    partition_throttles: BTreeMap<(usize, usize), u64>,
    usage: Usage,
    /// Storage per resource now, and its integral in byte-hours for the bill. With
    /// `storage = "accumulate"`, every admitted write of a new item adds its bytes and every
    /// delete removes them; partitions split for size as on the server.
    stored: Vec<i128>,
    byte_hours: Vec<f64>,
}

impl Tally {
    /// Stored bytes after `requests` admitted requests of a pattern growing storage by `growth`.
    fn grow(&mut self, growth: &[i128], requests: u64) {
        for (i, bytes) in growth.iter().enumerate() {
            self.stored[i] = (self.stored[i] + bytes * i128::from(requests)).max(0);
        }
    }

    /// One flow's second: `offered` requests of which `admission.admitted` got in; `failed` of
    /// the throttled ones are out of attempts.
    fn flow_second(
        &mut self,
        flow: &Flow,
        key: Option<usize>,
        admission: &Admission,
        (new, offered): (u64, u64),
        failed: u64,
    ) {
        let admitted = admission.admitted;
        let throttled = offered - admitted;
        let p = &mut self.patterns[flow.pattern];
        p.0 += offered;
        p.1 += throttled;
        p.2 += failed;
        self.hour.requests += offered;
        self.hour.throttled += throttled;
        self.hour.failed += failed;
        for part in &flow.parts {
            let units = part.cost.0 * admitted;
            self.usage.second[part.resource][op_index(part.op)] += units;
            p.3 += units;
            if let Some(h) = self.usage.heat_now[part.resource].get_mut(part.partition) {
                h[op_index(part.op)] += units;
            }
        }
        if let Some(id) = key {
            let e = &mut self.keys.keys[id];
            e.0 += offered;
            e.1 += throttled;
            self.keys.second[id] += flow.parts[0].cost.0 * offered;
            self.keys.first[id][0] += flow.parts[0].cost.0 * new;
        }
        if throttled > 0 {
            self.reasons.count(admission, offered);
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
                *self
                    .partition_throttles
                    .entry((*resource, partition))
                    .or_default() += throttled;
            }
        }
    }
}

pub(super) struct Run<'a> {
    design: &'a TableDesign,
    workload: &'a Workload,
    options: &'a SimOptions,
    pub(super) total_s: u64,
    days: f64,
    names: Vec<String>,
    capacity: TableCapacity,
    /// Per pattern, the bytes one admitted request adds to (or removes from) each resource.
    growth: Vec<Vec<i128>>,
    partitions_at_start: Vec<usize>,
    curves: Vec<DailyCurve>,
    clock_period: Option<u64>,
    max_attempts: usize,
    traffic: Traffic,
    scalers: Vec<[Option<Scaler>; 2]>,
    scaling_actions: Vec<ScalingAction>,
    prices: ClassPrices,
    tally: Tally,
    quiet: QuietBuffers,
}

impl<'a> Run<'a> {
    pub(super) fn new(
        design: &'a TableDesign,
        workload: &'a Workload,
        options: &'a SimOptions,
    ) -> Result<Run<'a>, SimError> {
        workload.validate().map_err(|e| SimError(e.0))?;
        let config = &options.capacity;
        let days = options.days.unwrap_or(workload.days);
        if !(days > 0.0 && days <= 3660.0) {
            return Err(SimError("days must be between 0 and 3660".into()));
        }
        let names = flows::resource_names(design);
        let storage = flows::storage_bytes(design, workload);
        let capacity = capacity_of(
            design,
            &storage,
            config,
            Timestamp::from_secs(START_EPOCH_S),
        )?;
        let partitions_at_start = (0..names.len())
            .map(|i| capacity.resource(i).partition_count())
            .collect();
        let flows = flows::build(design, workload, &capacity, START_EPOCH_S)?;
        let curves = workload
            .patterns
            .iter()
            .map(|p| DailyCurve::new(&p.rate).map_err(SimError))
            .collect::<Result<_, _>>()?;
        let max_attempts = workload.retry.max_attempts.max(1) as usize;
        let mut keys = KeyTable::default();
        let traffic = Traffic {
            state: fresh_state(&flows, max_attempts),
            plan_sum: sum_of(&flows),
            twins: twins_of(&flows),
            common_hint: 0,
            offered: vec![0; flows.len()],
            common_share: vec![0; flows.len()],
            flow_keys: keys.index(&flows),
            rates: vec![0.0; workload.patterns.len()],
            attempts: vec![0; max_attempts],
            flows,
        };
        let n = names.len();
        let tally = Tally {
            patterns: vec![(0, 0, 0, 0); workload.patterns.len()],
            hours: Vec::new(),
            hour: HourStats::default(),
            reasons: Reasons::default(),
            keys,
            partition_throttles: BTreeMap::new(),
            usage: Usage::new(&capacity, n),
            stored: storage.iter().map(|b| i128::from(*b)).collect(),
            byte_hours: vec![0.0; n],
        };
        Ok(Run {
            design,
            workload,
            options,
            total_s: (days * 86_400.0).round() as u64,
            days,
            scalers: scalers(design, &capacity, &names),
            growth: growth(design, workload),
            names,
            capacity,
            partitions_at_start,
            curves,
            clock_period: workload.clock_period_s(),
            max_attempts,
            traffic,
            scaling_actions: Vec::new(),
            prices: options.prices.class(design.table_class.as_str()).clone(),
            tally,
            quiet: QuietBuffers::default(),
        })
    }

    /// The start of second `s`: the flows of a new clock value, the rates of a new minute.
    pub(super) fn start_second(&mut self, s: u64) -> Result<(), SimError> {
        // A value taken from the clock changed: the same flows, on the keys of the new value.
        if self
            .clock_period
            .is_some_and(|p| s > 0 && s.is_multiple_of(p))
        {
            self.rebuild(START_EPOCH_S + s, true)?;
        }
        if s.is_multiple_of(60) {
            let minute_of_day = ((s / 60) % 1440) as usize;
            for (r, c) in self.traffic.rates.iter_mut().zip(&self.curves) {
                *r = c.at_minute(minute_of_day);
            }
        }
        Ok(())
    }

    /// A minute with nothing to retry, tried in one step (exactly what the seconds would do,
    /// when the capacity model can show that everything fits; see [`QuietBuffers`]). Commits
    /// it and returns true when it was quiet.
    pub(super) fn quiet_minute(&mut self, s: u64, now: Timestamp) -> bool {
        let t = &self.traffic;
        let quiet = !self.options.second_by_second
            && s.is_multiple_of(60)
            && s + 60 <= self.total_s
            && t.state.iter().all(|st| st.retry.iter().all(|r| *r == 0))
            && {
                self.quiet
                    .plan(&t.flows, &t.twins, &t.state, &t.rates, &t.plan_sum, now);
                let deletes_fit = self.tally.stored.iter().enumerate().all(|(i, b)| {
                    let deleted: i128 = t
                        .flows
                        .iter()
                        .enumerate()
                        .map(|(fi, f)| {
                            self.growth[f.pattern][i].min(0) * i128::from(self.quiet.total(fi))
                        })
                        .sum();
                    b + deleted >= 0
                });
                deletes_fit
                    && self
                        .capacity
                        .resources_mut()
                        .admit_quiet_run(&self.quiet.run, &self.options.capacity)
            };
        if quiet {
            self.commit_quiet_minute();
        }
        quiet
    }

    /// Commits a quiet minute: carries, counts, and the per-second figures of its first 59
    /// seconds; the 60th second's go through the end of the second.
    fn commit_quiet_minute(&mut self) {
        let (quiet, tally) = (&mut self.quiet, &mut self.tally);
        let mut key_sums = std::mem::take(&mut quiet.key_sums);
        for (fi, flow) in self.traffic.flows.iter().enumerate() {
            self.traffic.state[fi].carry = quiet.carry[fi];
            let requests = quiet.total(fi);
            if requests == 0 {
                continue;
            }
            let p = &mut tally.patterns[flow.pattern];
            p.0 += requests;
            p.3 += flow.parts.iter().map(|part| part.cost.0).sum::<u64>() * requests;
            tally.hour.requests += requests;
            tally.grow(&self.growth[flow.pattern], requests);
            if let Some(id) = self.traffic.flow_keys[fi] {
                tally.keys.keys[id].0 += requests;
                // Several flows can share a key: their units add up per second.
                let cost = flow.parts[0].cost.0;
                let sums = key_sums.entry(id).or_insert([0; 60]);
                for (k, sum) in sums.iter_mut().enumerate() {
                    *sum += cost * quiet.requests_in(fi, k);
                }
            }
        }
        for (id, sums) in key_sums {
            let e = &mut tally.keys.keys[id];
            e.2 = sums[..59].iter().fold(e.2, |m, u| m.max(*u));
            tally.keys.second[id] += sums[59];
            // A quiet minute retries nothing: every request is a first attempt.
            let f = &mut tally.keys.first[id];
            f[1] = sums[..59].iter().fold(f[1], |m, u| m.max(*u));
            f[0] += sums[59];
        }
        let usage = &mut tally.usage;
        let width = quiet.run.levels.len();
        for (l, &(i, op)) in quiet.run.levels.iter().enumerate() {
            let op = op_index(op);
            for k in 0..59 {
                let units = quiet.run.level_costs[k * width + l];
                usage.peak_second[i][op] = usage.peak_second[i][op].max(units);
                usage.minute[i][op] += units;
                usage.total[i][op] += units;
            }
            usage.second[i][op] += quiet.run.level_costs[59 * width + l];
        }
        for (&(i, op, partition, _), units) in quiet.run.parts.iter().zip(&quiet.part_totals) {
            if let Some(h) = usage.heat_now[i].get_mut(partition) {
                h[op_index(op)] += units;
            }
        }
    }

    /// One second's requests: each flow's new ones and the retries due, admitted as one sum
    /// when they all fit (most seconds), else the common share of every flow, then flow by flow.
    pub(super) fn admit_second(&mut self, now: Timestamp) {
        let config = &self.options.capacity;
        let t = &mut self.traffic;
        for (fi, flow) in t.flows.iter().enumerate() {
            let st = &mut t.state[fi];
            let demand = t.rates[flow.pattern] * flow.share + st.carry;
            let new = floor(demand);
            st.carry = demand - new;
            st.new = new as u64;
            t.offered[fi] = st.new + st.retry.iter().sum::<u64>();
        }
        let mut resources = self.capacity.resources_mut();
        let all_fit = !self.options.second_by_second
            && resources
                .admit_many(t.plan_sum.fill(&t.offered), 1, config, now)
                .admitted
                == 1;
        if !all_fit {
            admit_common_share(
                &mut resources,
                &mut t.plan_sum,
                &t.offered,
                &mut t.common_share,
                config,
                now,
                &mut t.common_hint,
            );
        }
        for (fi, flow) in t.flows.iter().enumerate() {
            let st = &mut t.state[fi];
            let offered = t.offered[fi];
            if offered == 0 {
                continue;
            }
            let attempts = &mut t.attempts;
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
                let first = t.common_share[fi];
                let mut rest = resources.admit_many(&flow.plan, offered - first, config, now);
                rest.admitted += first;
                for (_, fits) in &mut rest.fits {
                    *fits += first;
                }
                rest
            };
            let new = st.new;
            let failed = settle(attempts, admission.admitted, &mut st.retry);
            if admission.admitted > 0 {
                self.tally
                    .grow(&self.growth[flow.pattern], admission.admitted);
            }
            self.tally
                .flow_second(flow, t.flow_keys[fi], &admission, (new, offered), failed);
        }
    }

    /// The end of second `s`: the capacity model's upkeep, the second's peaks, and the flows
    /// rebuilt when partitions split or grew (each pattern keeps its pending retries).
    pub(super) fn end_second(&mut self, s: u64, now: Timestamp) -> Result<(), SimError> {
        self.capacity.maintain(&self.options.capacity, now);
        let keys = &mut self.tally.keys;
        for (e, units) in keys.keys.iter_mut().zip(keys.second.iter_mut()) {
            e.2 = e.2.max(*units);
            *units = 0;
        }
        for f in &mut keys.first {
            f[1] = f[1].max(f[0]);
            f[0] = 0;
        }
        let u = &mut self.tally.usage;
        for i in 0..self.names.len() {
            for op in 0..2 {
                u.peak_second[i][op] = u.peak_second[i][op].max(u.second[i][op]);
                u.minute[i][op] += u.second[i][op];
                u.total[i][op] += u.second[i][op];
                u.second[i][op] = 0;
            }
        }
        if !self
            .traffic
            .flows
            .first()
            .is_none_or(|f| self.capacity.plan_is_current(&f.plan))
        {
            self.rebuild(START_EPOCH_S + s + 1, false)?;
            let u = &mut self.tally.usage;
            for (i, h) in u.heat_now.iter_mut().enumerate() {
                h.resize(self.capacity.resource(i).partition_count(), [0; 2]);
            }
        }
        Ok(())
    }

    /// The flows built again at `epoch_s`, on the current partitions and the clock's values
    /// then. With `keep_state`, flows that line up one for one with the old ones keep their
    /// carries and retries; otherwise each pattern's pending retries move to its largest flow.
    fn rebuild(&mut self, epoch_s: u64, keep_state: bool) -> Result<(), SimError> {
        let rebuilt = flows::build(self.design, self.workload, &self.capacity, epoch_s)?;
        let t = &mut self.traffic;
        if !keep_state || rebuilt.len() != t.flows.len() {
            t.state = moved_state(
                &t.flows,
                &t.state,
                &rebuilt,
                self.workload.patterns.len(),
                self.max_attempts,
            );
            t.offered = vec![0; rebuilt.len()];
            t.common_share = vec![0; rebuilt.len()];
        }
        t.flows = rebuilt;
        t.plan_sum = sum_of(&t.flows);
        t.twins = twins_of(&t.flows);
        t.flow_keys = self.tally.keys.index(&t.flows);
        Ok(())
    }

    /// The end of a minute: its peak, the provisioned capacity it paid for, and auto scaling.
    pub(super) fn end_minute(&mut self, s: u64, now: Timestamp) {
        let hour_index = (s + 1) / 3600;
        for i in 0..self.names.len() {
            let mode = self.capacity.resource(i).mode();
            for op in 0..2 {
                let u = &mut self.tally.usage;
                u.peak_minute[i][op] = u.peak_minute[i][op].max(u.minute[i][op]);
                if let Mode::Provisioned {
                    read_units,
                    write_units,
                } = mode
                {
                    let units = if op == 0 { read_units } else { write_units };
                    u.provisioned_unit_minutes[i][op] += units;
                    let hourly = if op == 0 {
                        self.prices.provisioned_rcu_hour
                    } else {
                        self.prices.provisioned_wcu_hour
                    };
                    u.provisioned_cost[i][op] += units as f64 * hourly / 60.0;
                    // Auto scaling looks at this minute's average.
                    let avg = u.minute[i][op] as f64 / 2.0 / 60.0;
                    self.scale(i, op, (read_units, write_units), avg, s, now, hour_index);
                }
                self.tally.usage.minute[i][op] = 0;
            }
        }
    }

    /// Target tracking on dimension `op` of resource `i` at the end of a minute whose average
    /// consumption was `avg`: a scheduled action moves the floor and ceiling and capacity
    /// follows (an increase takes the UpdateTable delay, a decrease is at once); a pending
    /// change comes due; or the scaler decides.
    #[allow(clippy::too_many_arguments)]
    fn scale(
        &mut self,
        i: usize,
        op: usize,
        (read_units, write_units): (u64, u64),
        avg: f64,
        s: u64,
        now: Timestamp,
        hour_index: u64,
    ) {
        let Some(scaler) = self.scalers[i][op].as_mut() else {
            return;
        };
        let delay = self.options.scaling_delay_s;
        let units = if op == 0 { read_units } else { write_units };
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
                scaler.pending = Some((s + 1 + delay, a.min));
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
            self.capacity.resource_mut(i).set_mode(
                Mode::Provisioned {
                    read_units: r,
                    write_units: w,
                },
                &self.options.capacity,
                now,
            );
            self.scaling_actions.push(ScalingAction {
                at_s: s + 1,
                resource: self.names[i].clone(),
                op: if op == 0 { "read" } else { "write" },
                from: units,
                to,
            });
        } else if scaler.pending.is_none()
            && let Some(to) = scaler.evaluate(avg, units, hour_index)
        {
            let delay = if to > units { delay } else { 0 };
            scaler.pending = Some((s + 1 + delay, to));
        }
    }

    /// The end of an hour (or of the run): storage billed and observed, the hour's counts, the
    /// heat map. Returns true when the run gives up
    /// ([`SimOptions::give_up_above_throttled`]).
    pub(super) fn end_hour(
        &mut self,
        s: u64,
        now: Timestamp,
        progress: &mut dyn FnMut(u64, u64),
    ) -> bool {
        let config = &self.options.capacity;
        let tally = &mut self.tally;
        let hours_now = if (s + 1).is_multiple_of(3600) {
            1.0
        } else {
            ((s + 1) % 3600) as f64 / 3600.0
        };
        for (i, b) in tally.stored.iter().enumerate() {
            tally.byte_hours[i] += *b as f64 * hours_now;
            self.capacity
                .resource_mut(i)
                .observe_size(*b as u64, config, now);
        }
        tally.hour.hour = s / 3600;
        (tally.hour.by_cause, tally.hour.by_reasons) = tally.reasons.take_hour(self.design);
        tally.hours.push(std::mem::take(&mut tally.hour));
        let (cap_r, cap_w) = (
            config.partition_read_units_per_s * 2 * 3600,
            config.partition_write_units_per_s * 2 * 3600,
        );
        let u = &mut tally.usage;
        for (heat, now) in u.heat.iter_mut().zip(u.heat_now.iter_mut()) {
            heat.push(
                now.iter()
                    .map(|[r, w]| {
                        let pct = (*r as f64 / cap_r as f64).max(*w as f64 / cap_w as f64);
                        (pct * 100.0).round().min(255.0) as u8
                    })
                    .collect(),
            );
            for h in now.iter_mut() {
                *h = [0, 0];
            }
        }
        progress(s + 1, self.total_s);
        self.options
            .give_up_above_throttled
            .is_some_and(|limit| tally.patterns.iter().map(|p| p.1).sum::<u64>() > limit)
    }

    /// The report of a run that ended after `run_s` seconds (`stopped`: it gave up there).
    pub(super) fn report(self, run_s: u64, stopped: bool) -> SimReport {
        let (resources, cost) = self.resources_and_cost(run_s);
        let cost_total = cost.iter().map(|c| c.usd).sum();
        let t = &self.tally;
        let patterns = self
            .workload
            .patterns
            .iter()
            .zip(&t.patterns)
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
        let hottest = hottest_keys(
            &self.traffic.flows,
            &self.traffic.flow_keys,
            &t.keys.keys,
            &t.usage.heat,
        );
        let busiest_hour = t
            .hours
            .iter()
            .max_by(|a, b| a.throttled.cmp(&b.throttled).then(b.hour.cmp(&a.hour)))
            .filter(|h| h.throttled > 0)
            .cloned();
        SimReport {
            table: self.design.name.clone(),
            workload: self.workload.name.clone(),
            days: if stopped {
                run_s as f64 / 86_400.0
            } else {
                self.days
            },
            stopped_after_s: stopped.then_some(run_s),
            requests: t.patterns.iter().map(|p| p.0).sum(),
            throttled: t.patterns.iter().map(|p| p.1).sum(),
            failed: t.patterns.iter().map(|p| p.2).sum(),
            busiest_hour,
            by_cause: t.reasons.by_reason(self.design),
            throttled_by_reasons: t.reasons.sets(self.design),
            patterns,
            resources,
            top_keys: self.top_keys(),
            partitions: t
                .partition_throttles
                .iter()
                .map(|((r, p), n)| PartitionStats {
                    resource: self.names[*r].clone(),
                    partition: *p,
                    throttled: *n,
                })
                .collect(),
            scaling: self.scaling_actions,
            cost,
            cost_total,
            heat: self
                .tally
                .usage
                .heat
                .into_iter()
                .zip(hottest)
                .zip(&self.names)
                .map(|((hours, hottest_keys), name)| Heat {
                    resource: name.clone(),
                    hours,
                    hottest_keys,
                })
                .collect(),
            hours: self.tally.hours,
        }
    }

    /// Each resource's figures, and its lines of the bill.
    fn resources_and_cost(&self, run_s: u64) -> (Vec<ResourceReport>, Vec<CostLine>) {
        let secs = run_s as f64;
        let u = &self.tally.usage;
        let prices = &self.prices;
        let mut resources = Vec::new();
        let mut cost = Vec::new();
        for i in 0..self.names.len() {
            let r = self.capacity.resource(i);
            let on_demand = matches!(r.mode(), Mode::OnDemand { .. });
            let minutes = (run_s / 60).max(1) as f64;
            let prov = |op: usize| {
                (!on_demand || u.provisioned_unit_minutes[i][op] > 0)
                    .then(|| u.provisioned_unit_minutes[i][op] as f64 / minutes)
            };
            let avg = |op: usize| u.total[i][op] as f64 / 2.0 / secs;
            let (read_prov, write_prov) = (prov(0), prov(1));
            resources.push(ResourceReport {
                name: self.names[i].clone(),
                kind: if i == 0 { "table" } else { "gsi" },
                mode: mode_text(r.mode()),
                partitions_at_start: self.partitions_at_start[i],
                partitions_at_end: r.partition_count(),
                storage_gib: self.tally.stored[i] as f64 / GIB,
                read_avg: avg(0),
                write_avg: avg(1),
                read_peak_minute: u.peak_minute[i][0] as f64 / 2.0 / 60.0,
                write_peak_minute: u.peak_minute[i][1] as f64 / 2.0 / 60.0,
                read_peak_second: u.peak_second[i][0] as f64 / 2.0,
                write_peak_second: u.peak_second[i][1] as f64 / 2.0,
                read_provisioned_avg: read_prov,
                write_provisioned_avg: write_prov,
                read_utilization: read_prov.filter(|p| *p > 0.0).map(|p| avg(0) / p * 100.0),
                write_utilization: write_prov.filter(|p| *p > 0.0).map(|p| avg(1) / p * 100.0),
            });
            let line = |component: &str, usd: f64| CostLine {
                resource: self.names[i].clone(),
                component: component.into(),
                usd,
            };
            if on_demand && u.provisioned_unit_minutes[i] == [0, 0] {
                cost.push(line(
                    "read requests",
                    u.total[i][0] as f64 / 2.0 / 1e6 * prices.on_demand_read_per_million,
                ));
                cost.push(line(
                    "write requests",
                    u.total[i][1] as f64 / 2.0 / 1e6 * prices.on_demand_write_per_million,
                ));
            } else {
                cost.push(line("provisioned read", u.provisioned_cost[i][0]));
                cost.push(line("provisioned write", u.provisioned_cost[i][1]));
            }
            cost.push(line(
                "storage",
                self.tally.byte_hours[i] / GIB * prices.storage_gb_month
                    / self.options.prices.hours_per_month,
            ));
        }
        (resources, cost)
    }

    /// The 20 busiest keys, each with its share of the requests addressed to its resource.
    fn top_keys(&self) -> Vec<KeyStats> {
        let keys = &self.tally.keys;
        let mut per_resource: BTreeMap<usize, u64> = BTreeMap::new();
        for ((_, resource), id) in &keys.ids {
            *per_resource.entry(*resource).or_default() += keys.keys[*id].0;
        }
        let mut top: Vec<KeyStats> = keys
            .ids
            .iter()
            .map(|((key, resource), id)| {
                let e = keys.keys[*id];
                let first = keys.first.get(*id).map_or(0, |f| f[1]);
                KeyStats {
                    share: e.0 as f64 / per_resource[resource].max(1) as f64,
                    key: key.clone(),
                    resource: self.names[*resource].clone(),
                    requests: e.0,
                    throttled: e.1,
                    peak_units: e.2 as f64 / 2.0,
                    peak_first_attempt_units: first as f64 / 2.0,
                    op: match e.3 {
                        Op::Read => "read",
                        Op::Write => "write",
                    },
                }
            })
            .collect();
        top.sort_by(|a, b| b.requests.cmp(&a.requests).then(a.key.cmp(&b.key)));
        top.truncate(20);
        top
    }
}

/// A flow's requests by attempt after `admitted` of them got in: the oldest attempts go first;
/// the rest retry in the next second (`retry`), except those out of attempts, which fail.
/// Returns how many failed.
fn settle(attempts: &mut [u64], admitted: u64, retry: &mut [u64]) -> u64 {
    let mut left = admitted;
    for k in (0..attempts.len()).rev() {
        let take = attempts[k].min(left);
        attempts[k] -= take;
        left -= take;
    }
    let last = attempts.len() - 1;
    retry.copy_from_slice(&attempts[..last]);
    attempts[last]
}

/// Per pattern, the bytes one admitted request adds to (or, deleting, removes from) each
/// resource: only with `storage = "accumulate"`, for writes of new items and deletes.
fn growth(design: &TableDesign, workload: &Workload) -> Vec<Vec<i128>> {
    workload
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
        .collect()
}

/// Target tracking per resource and dimension, for the provisioned resources that have it.
fn scalers(
    design: &TableDesign,
    capacity: &TableCapacity,
    names: &[String],
) -> Vec<[Option<Scaler>; 2]> {
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
    (0..names.len())
        .map(|i| match (scaling_of(i), capacity.resource(i).mode()) {
            (Some(a), Mode::Provisioned { .. }) => {
                [a.read.map(Scaler::new), a.write.map(Scaler::new)]
            }
            _ => [None, None],
        })
        .collect()
}
