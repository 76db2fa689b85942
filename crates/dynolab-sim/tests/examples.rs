//! The example workloads besides orders (examples/leaderboard, examples/tenants,
//! examples/profiles), each a different problem shape: what the advisor must find, what it must
//! recommend (or leave alone), and the before and after figures.

use std::path::{Path, PathBuf};

use dynolab_design::TableDesign;
use dynolab_sim::advise::{Advice, Finding, advise};
use dynolab_sim::{SimOptions, SimReport, Workload};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The example's design and workload, and its advice; every finding leads to a recommendation
/// that was made, or says why none was.
fn advise_example(name: &str) -> (TableDesign, Workload, Advice) {
    let dir = root().join("examples").join(name);
    let design = TableDesign::load(dir.join("before.tf")).unwrap().remove(0);
    let workload = Workload::load(&dir.join("workload.toml")).unwrap();
    let a = advise(
        &design,
        &workload,
        &SimOptions::default(),
        &mut |_, _, _| {},
    )
    .unwrap();
    assert!(a.unanswered().is_empty(), "{:?}", a.unanswered());
    (design, workload, a)
}

fn hot_key(a: &Advice) -> &Finding {
    a.findings
        .iter()
        .find(|f| f.kind == "hot-key")
        .expect("a hot key")
}

fn assert_cost(report: &SimReport, usd: std::ops::Range<f64>) {
    assert!(usd.contains(&report.cost_total), "{}", report.cost_total);
}

/// Pattern `i` makes `ways` times the requests after: a Query on a sharded key reads each shard.
fn assert_fans_out(a: &Advice, i: usize, ways: f64) {
    let ratio = a.after.patterns[i].requests as f64 / a.before.patterns[i].requests as f64;
    assert!((ratio - ways).abs() < 1e-3, "{ratio}");
}

fn titles(a: &Advice) -> Vec<&str> {
    a.recommendations.iter().map(|r| r.title.as_str()).collect()
}

#[test]
fn the_leaderboard_index_keyed_on_the_day_is_a_hot_key_and_is_sharded() {
    let (_, _, a) = advise_example("leaderboard");
    // Every score of a day is written to that day's key of by_day: one partition, 1,000 WCU,
    // against 1,250 scores/s in the evening peak.
    assert!(a.before.throttled > 300_000_000, "{}", a.before.throttled);
    assert!(
        a.before
            .by_cause
            .contains_key("IndexWriteKeyRangeThroughputExceeded (by_day)"),
        "{:?}",
        a.before.by_cause
    );
    let busiest = a.before.busiest_hour.as_ref().unwrap();
    assert_eq!(busiest.hour % 24, 20, "the evening peak");
    let hot = hot_key(&a);
    assert_eq!(hot.title, "hot partition key DAY#2026-01-01 on by_day");
    assert_eq!(hot.leads_to, "recommendation: write-sharding");
    let titles = titles(&a);
    assert!(
        titles.contains(&"shard day 4 ways: day = \"DAY#{date}#{gsi_shard}\""),
        "{titles:?}"
    );
    // One GSI stays one GSI, under its own name: no consolidation.
    assert!(
        !a.recommendations
            .iter()
            .any(|r| r.kind == "gsi-consolidation")
    );
    let gsis: Vec<&str> = a
        .after_design
        .gsis
        .iter()
        .map(|g| g.name.as_str())
        .collect();
    assert_eq!(gsis, ["by_day"]);
    assert_eq!(a.after.throttled, 0);
    assert_cost(&a.before, 650.0..700.0);
    assert_cost(&a.after, 130.0..160.0);
    // Today's top 100 now reads the four shards of the day.
    assert_fans_out(&a, 2, 4.0);
}

#[test]
fn the_hot_tenant_is_sharded_and_the_tenant_key_kept() {
    let (_, _, a) = advise_example("tenants");
    assert!(a.before.throttled > 300_000_000, "{}", a.before.throttled);
    let hot = hot_key(&a);
    assert_eq!(hot.title, "hot partition key TENANT#acme on activity");
    assert!(hot.leads_to.contains("write-sharding"), "{hot:?}");
    // A key on the event id would leave "a tenant's activity" nothing to query: the tenant
    // key stays, sharded.
    assert!(!a.recommendations.iter().any(|r| r.kind == "key-design"));
    let titles = titles(&a);
    assert!(
        titles.contains(&"shard activity writes 5 ways: PK = \"TENANT#{tenant_id}#{shard}\""),
        "{titles:?}"
    );
    assert_eq!(
        a.after_workload.entities["activity"].layout["PK"],
        "TENANT#{tenant_id}#{shard}"
    );
    // Shard keys hash where they hash: three of acme's five share a partition until split for
    // heat separates them, in the first import of the first day.
    assert!(a.after.throttled <= 200, "{}", a.after.throttled);
    assert!(a.after.failed == 0);
    assert!(a.after.resources[0].mode == "on-demand");
    assert_cost(&a.before, 310.0..340.0);
    assert_cost(&a.after, 320.0..350.0);
    // A tenant's activity screen reads the five shards.
    assert_fans_out(&a, 1, 5.0);
}

#[test]
fn a_good_design_gets_no_key_change() {
    let (design, workload, a) = advise_example("profiles");
    assert_eq!(a.before.throttled, 0);
    let kinds: Vec<&str> = a.findings.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, ["capacity-mode"]);
    let recs: Vec<&str> = a.recommendations.iter().map(|r| r.kind).collect();
    assert_eq!(recs, ["capacity-mode", "table-class"]);
    assert_eq!(
        titles(&a),
        [
            "keep capacity mode on-demand: the fewest throttles, then the cheapest",
            "keep table class STANDARD"
        ]
    );
    assert_eq!(a.after_workload, workload);
    assert_eq!(a.after_design.gsis, design.gsis);
    assert_eq!(a.after_design.partition_key, design.partition_key);
    assert_eq!(a.after.throttled, 0);
    assert_eq!(
        format!("{:.2}", a.after.cost_total),
        format!("{:.2}", a.before.cost_total)
    );
    assert_cost(&a.after, 5.0..5.5);
}
