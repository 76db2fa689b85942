//! The worked example and a second design, end to end through the library: the design
//! files load, the simulation shows the problem, the advisor fixes it and the fix is proven by
//! simulating it (examples/orders/, README "Find the fix before deploying").

use std::path::{Path, PathBuf};

use dynolab_design::TableDesign;
use dynolab_sim::advise::advise;
use dynolab_sim::{SimOptions, Workload, simulate};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn orders() -> (TableDesign, Workload) {
    let designs = TableDesign::load(root().join("examples/orders/before.tf")).unwrap();
    let workload = Workload::load(&root().join("examples/orders/workload.toml")).unwrap();
    (designs.into_iter().next().unwrap(), workload)
}

#[test]
fn the_seed_table_throttles_on_user_premium_while_mostly_idle_and_costs_about_2400() {
    let (design, workload) = orders();
    let r = simulate(&design, &workload, &SimOptions::default(), &mut |_, _| {}).unwrap();
    let busiest = r.busiest_hour.as_ref().expect("it throttles");
    assert!(busiest.throttled >= 500, "{}", busiest.throttled);
    // The seed's "500+ ProvisionedThroughputExceededException an hour": errors that reach the
    // application after the SDK's retries, in the busy hour of each day, and none elsewhere.
    let failing: Vec<_> = r.hours.iter().filter(|h| h.failed > 0).collect();
    assert_eq!(failing.len(), 30, "one busy hour a day");
    for h in &failing {
        assert!(
            (500..5_000).contains(&h.failed),
            "hour {}: {}",
            h.hour,
            h.failed
        );
        assert_eq!(h.hour % 24, 20, "the 20:30 sale on top of the evening peak");
    }
    // Concentrated on USER#premium...
    let premium = r.top_keys.iter().find(|k| k.key == "USER#premium").unwrap();
    assert!(premium.throttled * 10 >= r.throttled * 7, "{premium:?}");
    // ...and on the GSIs keyed by user type, during the sales (flash sales at 10:00, 13:00,
    // 16:00 and 20:30 UTC; the evening peak is at 19:00).
    for g in &design.gsis {
        let cause = format!("IndexWriteProvisionedThroughputExceeded ({})", g.name);
        assert!(r.by_cause.get(&cause).is_some_and(|n| *n > 0), "{cause}");
    }
    // Every throttled request is counted once, under the reasons it carried; per hour too.
    let by_reasons: u64 = r.throttled_by_reasons.iter().map(|s| s.requests).sum();
    assert_eq!(by_reasons, r.throttled);
    assert_eq!(
        r.hours.iter().map(|h| h.throttled).sum::<u64>(),
        r.throttled
    );
    for h in &r.hours {
        assert_eq!(
            h.by_reasons.values().sum::<u64>(),
            h.throttled,
            "hour {}",
            h.hour
        );
    }
    for (cause, n) in &r.by_cause {
        assert!(*n <= r.throttled, "{cause}: {n}");
    }
    // A write refused by the table partition is refused by the five GSIs too: one request,
    // eleven reasons, and the reasons name the resources they are on.
    let widest = r
        .throttled_by_reasons
        .iter()
        .max_by_key(|s| s.reasons.len())
        .unwrap();
    assert_eq!(widest.reasons.len(), 11, "{widest:?}");
    assert_eq!(widest.resources.len(), 6, "{widest:?}");
    assert!(
        widest
            .summary
            .contains("TableWriteKeyRangeThroughputExceeded on orders"),
        "{}",
        widest.summary
    );
    let sale_hours = [10, 13, 16, 20];
    let in_sales: u64 = r
        .hours
        .iter()
        .filter(|h| sale_hours.contains(&(h.hour % 24)))
        .map(|h| h.throttled)
        .sum();
    assert!(
        in_sales * 10 >= r.throttled * 9,
        "{in_sales} of {}",
        r.throttled
    );
    // The table's average provisioned utilization stays under 20%.
    let table = &r.resources[0];
    assert!(table.read_utilization.unwrap() < 20.0);
    assert!(table.write_utilization.unwrap() < 20.0);
    assert!(
        (2_300.0..2_500.0).contains(&r.cost_total),
        "{}",
        r.cost_total
    );
}

#[test]
fn the_advisor_fixes_the_seed_table_and_proves_it() {
    let (design, workload) = orders();
    let a = advise(
        &design,
        &workload,
        &SimOptions::default(),
        &mut |_, _, _| {},
    )
    .unwrap();
    let kinds: Vec<&str> = a.findings.iter().map(|f| f.kind).collect();
    // Every finding leads to a recommendation that was made, or says why none was.
    assert!(a.unanswered().is_empty(), "{:?}", a.unanswered());
    let hot = a.findings.iter().find(|f| f.kind == "hot-key").unwrap();
    assert!(hot.leads_to.contains("key-design"), "{hot:?}");
    // The five GSIs keyed on the user type are one hot key, answered by folding them into one.
    let gsis = a
        .findings
        .iter()
        .find(|f| f.title.starts_with("hot partition key premium on gsi_"))
        .unwrap();
    assert_eq!(
        gsis.leads_to, "recommendation: gsi-consolidation",
        "{gsis:?}"
    );
    for kind in [
        "throttling",
        "hot-key",
        "over-provisioned",
        "gsi-sprawl",
        "unused-gsi",
        "wide-projection",
        "filter",
    ] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }
    // What would be one finding per resource is one finding with a row per resource.
    for (kind, rows) in [("over-provisioned", 11), ("unused-gsi", 4)] {
        let of_kind: Vec<_> = a.findings.iter().filter(|f| f.kind == kind).collect();
        assert_eq!(of_kind.len(), 1, "{kind}: {of_kind:?}");
        assert_eq!(
            of_kind[0].table.as_ref().unwrap().rows.len(),
            rows,
            "{kind}"
        );
    }
    let after = &a.after_design;
    assert_eq!(after.gsis.len(), 1, "one overloaded GSI");
    let layout = &a.after_workload.entities["order"].layout;
    assert_eq!(layout["PK"], "USER#{user_id}");
    assert_eq!(layout["GSI1PK"], "STATUS#{status}");
    assert_eq!(a.after.throttled, 0);
    assert_eq!(a.after.days, 30.0);
    // The cheapest mode without throttling: auto scaling with scheduled actions around the four
    // known flash sales (on-demand is $271.88, target tracking alone throttles in the sales).
    let chosen = a.modes.iter().find(|m| m.chosen).unwrap();
    assert!(chosen.mode.contains("scheduled scaling"), "{chosen:?}");
    let on_demand = a.modes.iter().find(|m| m.mode == "on-demand").unwrap();
    assert_eq!(on_demand.throttled, 0);
    assert!(chosen.cost < on_demand.cost);
    assert!(chosen.stopped_after_days.is_none());
    // Target tracking alone throttles in the first sale: once it has throttled more than
    // on-demand does, it cannot be chosen, and its run stops.
    let tracking = a
        .modes
        .iter()
        .find(|m| m.mode.contains("70% target"))
        .unwrap();
    let stopped = tracking.stopped_after_days.expect("it stops early");
    assert!(
        stopped < 1.0 && tracking.throttled > on_demand.throttled,
        "{tracking:?}"
    );
    let write = after.autoscaling.as_ref().unwrap().write.as_ref().unwrap();
    assert_eq!(
        write.scheduled.len(),
        8,
        "up before each of 4 sales, down after"
    );
    assert!(a.after.cost_total <= 300.0, "{}", a.after.cost_total);
    assert!(a.before.cost_total > 7.0 * a.after.cost_total);
    // The written design loads back and simulates to the same answer.
    let tf = after.to_terraform();
    let reloaded = TableDesign::from_terraform(&tf).unwrap().remove(0);
    let again = simulate(
        &reloaded,
        &a.after_workload,
        &SimOptions {
            days: Some(2.0),
            ..SimOptions::default()
        },
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(again.throttled, 0);
    let toml = a.after_workload.to_toml();
    assert_eq!(Workload::from_toml(&toml).unwrap(), a.after_workload);
}

#[test]
fn a_hot_device_key_with_no_better_key_is_sharded() {
    let dir = root().join("crates/dynolab-sim/tests/fixtures");
    let design = TableDesign::load(dir.join("events.json"))
        .unwrap()
        .remove(0);
    let workload = Workload::load(&dir.join("events.toml")).unwrap();
    let a = advise(
        &design,
        &workload,
        &SimOptions::default(),
        &mut |_, _, _| {},
    )
    .unwrap();
    assert!(
        a.before.throttled > 0,
        "one device at 900 WCU/s in the spike hits the partition cap"
    );
    let rec = a
        .recommendations
        .iter()
        .find(|r| r.kind == "write-sharding")
        .expect("sharding is recommended");
    assert!(
        rec.title.contains("DEVICE#{device_id}#{shard}"),
        "{}",
        rec.title
    );
    assert_eq!(a.after.throttled, 0);
    // Reading a device now fans out over the shards.
    let before_reads = a.before.patterns[1].requests;
    let after_reads = a.after.patterns[1].requests;
    assert!(
        after_reads >= 2 * before_reads,
        "{before_reads} -> {after_reads}"
    );
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let (design, mut workload) = orders();
    workload.patterns[3].index = Some("no-such-index".into());
    let e = simulate(&design, &workload, &SimOptions::default(), &mut |_, _| {}).unwrap_err();
    assert!(e.to_string().contains("no index no-such-index"), "{e}");
    let (design, workload) = orders();
    let e = simulate(
        &design,
        &workload,
        &SimOptions {
            days: Some(0.0),
            ..SimOptions::default()
        },
        &mut |_, _| {},
    )
    .unwrap_err();
    assert!(e.to_string().contains("days"), "{e}");
}

#[test]
fn accumulating_storage_grows_with_new_orders() {
    let (design, mut workload) = orders();
    let options = SimOptions {
        days: Some(2.0),
        ..SimOptions::default()
    };
    let steady = simulate(&design, &workload, &options, &mut |_, _| {}).unwrap();
    workload.storage = dynolab_sim::workload::StorageModel::Accumulate;
    let grown = simulate(&design, &workload, &options, &mut |_, _| {}).unwrap();
    // Two days of new orders: 12.67M, less about 1.3M that fail after their retries, at
    // 1,050 bytes each (with the item overhead) ≈ 11.1 GiB, in the table and in each GSI.
    let added = grown.resources[0].storage_gib - steady.resources[0].storage_gib;
    assert!((10.0..12.0).contains(&added), "{added} GiB");
    assert!(grown.resources[1].storage_gib > steady.resources[1].storage_gib);
    assert!(grown.cost_of("storage") > steady.cost_of("storage"));
    assert_eq!(
        steady.resources[0].partitions_at_start,
        steady.resources[0].partitions_at_end
    );
}

/// The two shortcuts (a second's flows admitted as one sum, quiet minutes in one step) change
/// nothing: every report is the one second-by-second admission gives, on a design that throttles,
/// on-demand, with storage that grows and shrinks, and on the advised design.
#[test]
fn the_shortcuts_give_the_second_by_second_report() {
    let (design, mut workload) = orders();
    let fast = SimOptions {
        days: Some(1.5),
        ..SimOptions::default()
    };
    let exact = SimOptions {
        second_by_second: true,
        ..fast.clone()
    };
    let same = |design: &TableDesign, workload: &Workload| {
        let a = simulate(design, workload, &fast, &mut |_, _| {}).unwrap();
        let b = simulate(design, workload, &exact, &mut |_, _| {}).unwrap();
        assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
        a
    };
    let before = same(&design, &workload);
    assert!(before.throttled > 0 && before.requests > 10_000_000);
    let mut on_demand = design.clone();
    on_demand.billing = dynolab_design::Billing::OnDemand {
        max_read: None,
        max_write: Some(500),
    };
    on_demand.autoscaling = None;
    for g in &mut on_demand.gsis {
        g.provisioned = None;
        g.autoscaling = None;
    }
    let od = same(&on_demand, &workload);
    assert!(od.throttled > 0, "the 500 WCU maximum throttles the sales");
    // New orders accumulate while a delete pattern removes some.
    workload.storage = dynolab_sim::workload::StorageModel::Accumulate;
    let mut delete = workload.patterns[0].clone();
    delete.name = "retire order".into();
    delete.operation = dynolab_sim::workload::Operation::DeleteItem;
    delete.rate.base = 10.0;
    delete.rate.spikes.clear();
    workload.patterns.push(delete);
    same(&design, &workload);
    let (design, workload) = orders();
    let a = advise(&design, &workload, &fast, &mut |_, _, _| {}).unwrap();
    let after = same(&a.after_design, &a.after_workload);
    assert_eq!(after.throttled, 0);
}
