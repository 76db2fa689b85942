//! The advice describes one design at one cost everywhere (issue 14): the after column of the
//! terminal summary, advice.json, the HTML report, after.tf (simulated again) and the capacity
//! mode it chose; also when the chosen mode is a purchase (reserved capacity), not a setting.

use std::path::{Path, PathBuf};

use dynolab_design::TableDesign;
use dynolab_sim::advise::savings::changes;
use dynolab_sim::advise::{Advice, advise};
use dynolab_sim::numbers::usd;
use dynolab_sim::{SimOptions, Workload, render, simulate};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn check_agreement(design: &TableDesign, a: &Advice, options: &SimOptions) {
    let after_cost = render::after_cost(a);
    assert!(after_cost.starts_with(&usd(a.after.cost_total)));
    // The terminal summary's before/after table.
    let summary = render::advice_summary(a);
    let cost_row = summary
        .lines()
        .find(|l| l.contains(" cost over ") && l.contains(&after_cost))
        .unwrap_or_else(|| panic!("no after cost {after_cost} in\n{summary}"));
    assert!(cost_row.contains(&usd(a.before.cost_total)));
    // The HTML report's before/after table.
    let html = render::advice_html(a);
    let row = format!(
        "<td>{}</td><td>{}</td>",
        usd(a.before.cost_total),
        after_cost
    );
    assert!(html.contains(&row), "{row}");
    // The changes the summary ranks: by dollars saved, in the same order in both reports, and
    // the steps chain from the before run to the after run.
    let steps = changes(a);
    assert!(steps.windows(2).all(|w| w[0].usd_saved >= w[1].usd_saved));
    let mut at = 0;
    for c in &steps {
        let found = summary[at..]
            .find(&format!(". {}: ", c.title))
            .unwrap_or_else(|| panic!("{} not in order in\n{summary}", c.title));
        at += found + 1;
        assert!(html.contains(&format!(
            "<li class=\"change-step\"><b>{}</b>",
            c.title.replace('"', "&quot;")
        )));
    }
    if steps.iter().any(|c| c.kinds.contains(&"key-design")) {
        let saved: f64 = steps.iter().map(|c| c.usd_saved).sum();
        assert!((saved - (a.before.cost_total - a.after.cost_total)).abs() < 1e-6);
        let removed: i64 = steps.iter().map(|c| c.throttled_removed).sum();
        assert_eq!(
            removed,
            a.before.throttled as i64 - a.after.throttled as i64
        );
    }
    // Findings are ranked: hot keys by their throttled requests, before everything else.
    let hot: Vec<u64> = a
        .findings
        .iter()
        .take_while(|f| f.kind == "hot-key")
        .map(|f| f.throttled)
        .collect();
    assert!(hot.windows(2).all(|w| w[0] >= w[1]));
    assert!(a.findings[hot.len()..].iter().all(|f| f.kind != "hot-key"));
    // advice.json.
    let json = serde_json::to_value(a).unwrap();
    assert_eq!(
        json["after"]["cost_total"],
        serde_json::json!(a.after.cost_total)
    );
    assert_eq!(
        json["after_design"],
        serde_json::to_value(&a.after_design).unwrap()
    );
    assert_eq!(
        json["reserved_capacity"],
        serde_json::json!(a.reserved_capacity)
    );
    // The chosen capacity mode is the after design's cost (the table class did not change).
    let chosen = a.modes.iter().find(|m| m.chosen).unwrap();
    assert_eq!(a.after_design.table_class, design.table_class);
    assert_eq!(chosen.cost, a.after.cost_total, "{}", chosen.mode);
    assert_eq!(chosen.throttled, a.after.throttled);
    assert_eq!(
        a.reserved_capacity,
        chosen.mode.contains("reserved capacity")
    );
    // after.tf is the after design, and simulating it again gives the after column.
    let tf = render::after_terraform(a);
    let reloaded = TableDesign::from_terraform(&tf).unwrap().remove(0);
    assert_eq!(reloaded, a.after_design);
    let again = simulate(
        &reloaded,
        &a.after_workload,
        &SimOptions {
            reserved_capacity: a.reserved_capacity,
            ..options.clone()
        },
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(again.throttled, a.after.throttled);
    assert!(
        (again.cost_total - a.after.cost_total).abs() < 1e-9,
        "{} against {}",
        again.cost_total,
        a.after.cost_total
    );
}

#[test]
fn the_orders_advice_agrees_with_itself() {
    let design = TableDesign::load(root().join("examples/orders/before.tf"))
        .unwrap()
        .remove(0);
    let workload = Workload::load(&root().join("examples/orders/workload.toml")).unwrap();
    let options = SimOptions {
        days: Some(3.0),
        ..SimOptions::default()
    };
    let a = advise(&design, &workload, &options, &mut |_, _, _| {}).unwrap();
    assert!(!a.reserved_capacity);
    check_agreement(&design, &a, &options);
}

#[test]
fn reserved_capacity_is_the_after_cost_when_it_is_chosen() {
    let dir = root().join("crates/dynolab-sim/tests/fixtures");
    let design = TableDesign::load(dir.join("events.json"))
        .unwrap()
        .remove(0);
    let workload = Workload::load(&dir.join("steady.toml")).unwrap();
    let options = SimOptions::default();
    let a = advise(&design, &workload, &options, &mut |_, _, _| {}).unwrap();
    assert!(a.reserved_capacity, "{:#?}", a.modes);
    check_agreement(&design, &a, &options);
    // The reserved price is the provisioned run's less the discount on its capacity lines.
    let provisioned = a
        .modes
        .iter()
        .find(|m| m.mode == "provisioned at the peak")
        .unwrap();
    assert!(a.after.cost_total < provisioned.cost);
    assert!(
        a.after
            .cost
            .iter()
            .any(|c| c.component == "provisioned write (1-year reserved)")
    );
    assert!(render::after_terraform(&a).starts_with("# dynolab advise: buy 1-year reserved"));
}
