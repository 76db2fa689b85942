//! The capacity mode: candidates sized from the fixed design's on-demand run (provisioned at
//! the peak, target tracking, target tracking with scheduled actions around known spikes, and
//! reserved capacity on the peak design), simulated side by side; the cheapest with the fewest
//! throttles is chosen.

use dynolab_design::{AutoScaling, Billing, ScalingTarget, ScheduledAction, TableDesign};

use super::{Finding, ModeCost, Recommendation};
use crate::numbers::{count, usd};
use crate::sim::{SimError, SimOptions, SimReport, simulate};
use crate::workload::{Workload, minute_of_day};

/// The fixed design on demand, without provisioned throughput or auto scaling.
pub(super) fn on_demand(after: &TableDesign) -> TableDesign {
    let mut on_demand = after.clone();
    on_demand.billing = Billing::OnDemand {
        max_read: None,
        max_write: None,
    };
    on_demand.autoscaling = None;
    for g in &mut on_demand.gsis {
        g.provisioned = None;
        g.autoscaling = None;
    }
    on_demand
}

/// What [`choose`] chose, with the table of every mode it compared.
pub(super) struct Choice {
    pub modes: Vec<ModeCost>,
    pub design: TableDesign,
    pub report: SimReport,
    pub reserved_capacity: bool,
    pub recommendation: Recommendation,
    pub finding: Finding,
}

/// Sizes and simulates the provisioned candidates and chooses among them and on-demand.
#[allow(clippy::too_many_arguments)]
pub(super) fn choose(
    design: &TableDesign,
    workload: &Workload,
    after: &TableDesign,
    after_w: &Workload,
    on_demand: TableDesign,
    od: SimReport,
    options: &SimOptions,
    progress: &mut dyn FnMut(&str, u64, u64),
) -> Result<Choice, SimError> {
    let units = |name: &str, op: &str, f: &dyn Fn(f64) -> u64| -> u64 {
        od.resources.iter().find(|r| r.name == name).map_or(1, |r| {
            f(if op == "read" {
                r.read_peak_second
            } else {
                r.write_peak_second
            })
            .max(1)
        })
    };
    let fixed_units = |peak: f64| (peak / 0.9).ceil() as u64;
    let mut fixed = after.clone();
    fixed.billing = Billing::Provisioned {
        read: units(&after.name, "read", &fixed_units),
        write: units(&after.name, "write", &fixed_units),
    };
    fixed.autoscaling = None;
    for g in &mut fixed.gsis {
        g.provisioned = Some((
            units(&g.name, "read", &fixed_units),
            units(&g.name, "write", &fixed_units),
        ));
        g.autoscaling = None;
    }
    let avg_of = |name: &str, op: &str| {
        od.resources
            .iter()
            .find(|r| r.name == name)
            .map_or(1.0, |r| {
                if op == "read" {
                    r.read_avg
                } else {
                    r.write_avg
                }
            })
    };
    let target = |name: &str, op: &str| {
        let peak = units(name, op, &fixed_units);
        let min = ((avg_of(name, op) / 0.7).ceil() as u64).clamp(1, peak);
        ScalingTarget {
            min,
            max: peak.max(min),
            target_percent: 70.0,
            scheduled: Vec::new(),
        }
    };
    let mut scaled = after.clone();
    let t_read = target(&after.name, "read");
    let t_write = target(&after.name, "write");
    scaled.billing = Billing::Provisioned {
        read: t_read.min,
        write: t_write.min,
    };
    scaled.autoscaling = Some(AutoScaling {
        read: Some(t_read),
        write: Some(t_write),
    });
    for g in &mut scaled.gsis {
        let (r, w) = (target(&g.name, "read"), target(&g.name, "write"));
        g.provisioned = Some((r.min, w.min));
        g.autoscaling = Some(AutoScaling {
            read: Some(r),
            write: Some(w),
        });
    }
    // Known spikes (the workload's spike times) get scheduled actions: the floor goes to the
    // peak 15 minutes before each spike and back 5 minutes after it, on every dimension whose
    // peak is more than twice its floor.
    let windows = spike_windows(workload);
    let mut scheduled_design = scaled.clone();
    let schedule = |t: &mut ScalingTarget| {
        if t.max > 2 * t.min {
            for &(start, end) in &windows {
                t.scheduled.push(ScheduledAction {
                    minute_of_day: start,
                    min: t.max,
                    max: t.max,
                });
                t.scheduled.push(ScheduledAction {
                    minute_of_day: end,
                    min: t.min,
                    max: t.max,
                });
            }
        }
    };
    let mut targets: Vec<&mut AutoScaling> = scheduled_design
        .autoscaling
        .iter_mut()
        .chain(
            scheduled_design
                .gsis
                .iter_mut()
                .filter_map(|g| g.autoscaling.as_mut()),
        )
        .collect();
    for a in targets.iter_mut() {
        for t in [&mut a.read, &mut a.write].into_iter().flatten() {
            schedule(t);
        }
    }
    // The provisioned candidates are independent: run them side by side. On-demand is a
    // candidate, so one that throttles more than it can never be chosen: it stops there.
    let pruned = SimOptions {
        give_up_above_throttled: Some(od.throttled),
        ..options.clone()
    };
    let (fx, sc, ss) = std::thread::scope(|scope| {
        let fx = scope.spawn(|| simulate(&fixed, after_w, &pruned, &mut |_, _| {}));
        let ss = (!windows.is_empty())
            .then(|| scope.spawn(|| simulate(&scheduled_design, after_w, &pruned, &mut |_, _| {})));
        let sc = simulate(&scaled, after_w, &pruned, &mut |d, t| {
            progress("provisioned candidates", d, t)
        });
        let fx = fx.join().expect("a simulation does not panic");
        let ss = ss.map(|h| h.join().expect("a simulation does not panic"));
        (fx, sc, ss)
    });
    let (fx, sc, ss) = (fx?, sc?, ss.transpose()?);
    // (mode, design, its run, priced with reserved capacity).
    let reserved = crate::sim::with_reserved_capacity(fx.clone());
    let mut runs: Vec<(String, TableDesign, SimReport, bool)> = vec![
        ("on-demand".into(), on_demand, od, false),
        ("provisioned at the peak".into(), fixed.clone(), fx, false),
        (
            "provisioned with auto scaling (70% target)".into(),
            scaled,
            sc,
            false,
        ),
        // Reserved capacity is a purchase, not a design: the table is the fixed provisioned one,
        // its run priced with the discount.
        (
            "provisioned at the peak, 1-year reserved capacity".into(),
            fixed,
            reserved,
            true,
        ),
    ];
    if let Some(ss) = ss {
        runs.push((
            format!(
                "provisioned with auto scaling and scheduled scaling for the {} daily spikes",
                windows.len()
            ),
            scheduled_design,
            ss,
            false,
        ));
    }
    let mut modes: Vec<ModeCost> = runs
        .iter()
        .map(|(mode, _, report, _)| ModeCost {
            stopped_after_days: report.stopped_after_s.map(|s| s as f64 / 86_400.0),
            mode: mode.clone(),
            cost: report.cost_total,
            throttled: report.throttled,
            chosen: false,
        })
        .collect();
    let best = (0..modes.len())
        .min_by(|a, b| {
            (modes[*a].throttled, modes[*a].cost)
                .partial_cmp(&(modes[*b].throttled, modes[*b].cost))
                .expect("costs are numbers")
        })
        .expect("candidates");
    modes[best].chosen = true;
    let (_, chosen_design, chosen_report, reserved_capacity) = runs.swap_remove(best);
    let recommendation = Recommendation {
        kind: "capacity-mode",
        // On-demand chosen for an on-demand design changes nothing: it is kept, not "moved to".
        title: if modes[best].mode == "on-demand"
            && matches!(design.billing, Billing::OnDemand { .. })
        {
            "keep capacity mode on-demand: the fewest throttles, then the cheapest".into()
        } else {
            format!("capacity mode: {}", modes[best].mode)
        },
        detail: modes
            .iter()
            .map(|m| match m.stopped_after_days {
                None => format!(
                    "{}: {} over the run, {} throttled",
                    m.mode,
                    usd(m.cost),
                    count(m.throttled)
                ),
                Some(days) => format!(
                    "{}: stopped after {days:.2} days with {} throttled, more than on-demand over the whole run",
                    m.mode,
                    count(m.throttled)
                ),
            })
            .collect(),
    };
    let finding = Finding {
        leads_to: String::new(),
        table: None,
        throttled: 0,
        usd: 0.0,
        kind: "capacity-mode",
        title: format!(
            "the design is {}",
            match design.billing {
                Billing::OnDemand { .. } => "on-demand",
                _ => "provisioned",
            }
        ),
        evidence: vec![format!(
            "the cheapest mode without throttling for the fixed design is {}",
            modes[best].mode
        )],
    };
    Ok(Choice {
        modes,
        design: chosen_design,
        report: chosen_report,
        reserved_capacity,
        recommendation,
        finding,
    })
}

/// Daily windows (minute of day, UTC) around the workload's spikes: from 15 minutes before a
/// spike starts to 5 minutes after it ends, overlapping windows merged.
fn spike_windows(workload: &Workload) -> Vec<(u32, u32)> {
    let mut spans: Vec<(u32, u32)> = workload
        .patterns
        .iter()
        .flat_map(|p| &p.rate.spikes)
        .flat_map(|spike| {
            spike.at.iter().filter_map(move |at| {
                let start = minute_of_day(at)?;
                Some((
                    (start + 1440 - 15) % 1440,
                    (start + spike.minutes.ceil() as u32 + 5) % 1440,
                ))
            })
        })
        .collect();
    spans.sort();
    let mut merged: Vec<(u32, u32)> = Vec::new();
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 && last.0 <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}
