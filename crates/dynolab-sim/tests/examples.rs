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

#[test]
fn the_ticket_sales_counter_is_split_and_the_shared_key_sharded_once() {
    let (_, _, a) = advise_example("tickets");
    // Before: the final's key takes the counter's updates and the bookings, and every
    // reservation rewrites by_status (ALL) on its status key.
    assert!(a.before.throttled > 100_000_000, "{}", a.before.throttled);
    assert!(a.before.failed > 10_000_000, "{}", a.before.failed);
    let find =
        |kind: &str| -> Vec<&Finding> { a.findings.iter().filter(|f| f.kind == kind).collect() };
    let item = find("hot-item");
    assert_eq!(item.len(), 1, "{item:?}");
    assert!(
        item[0].title.starts_with("hot item EVENT#FINAL / EVENT (event): 1,501 write units/s at peak, past DynamoDB's per-item limit of 1,000"),
        "{}",
        item[0].title
    );
    assert_eq!(item[0].leads_to, "recommendation: item-split");
    let shared = find("shared-key");
    assert_eq!(shared.len(), 1, "{shared:?}");
    assert!(
        shared[0].title.contains(
            "EVENT#FINAL is shared by booking and event: combined peak 3,002 write units/s"
        ),
        "{}",
        shared[0].title
    );
    let projection = find("update-projection");
    assert_eq!(projection.len(), 1, "{projection:?}");
    assert!(
        projection[0]
            .title
            .contains("\"reserve seats\" rewrites GSI by_status"),
        "{}",
        projection[0].title
    );
    assert!(
        projection[0].leads_to.starts_with("recommendation: "),
        "{}",
        projection[0].leads_to
    );
    // One sharding decision for the key both entities share, stated once; the counter split.
    let sharding: Vec<&str> = a
        .recommendations
        .iter()
        .filter(|r| r.kind == "write-sharding" && r.title.starts_with("shard PK"))
        .map(|r| r.title.as_str())
        .collect();
    assert_eq!(sharding.len(), 1, "{sharding:?}");
    assert!(
        sharding[0].contains("for booking and event"),
        "{}",
        sharding[0]
    );
    let split = a
        .recommendations
        .iter()
        .find(|r| r.kind == "item-split")
        .expect("an item split");
    assert!(
        split.detail.iter().any(|d| d.contains("ShardedCounter")),
        "{split:?}"
    );
    assert!(
        split
            .detail
            .iter()
            .any(|d| d.starts_with("read: gather all")),
        "{split:?}"
    );
    // Nothing recommends more capacity or a higher auto-scaling maximum.
    for r in &a.recommendations {
        for line in std::iter::once(&r.title).chain(&r.detail) {
            assert!(!line.contains("raise"), "{line}");
        }
    }
    // The index no longer carries what the updates change.
    for g in &a.after_design.gsis {
        assert_ne!(g.projection, dynolab_design::Projection::All, "{}", g.name);
    }
    // Proven: the after run fails nothing and throttles under 0.1%, and says so.
    assert_eq!(a.after.failed, 0);
    assert!(
        (a.after.throttled as f64) < 0.001 * a.after.requests as f64,
        "{} of {}",
        a.after.throttled,
        a.after.requests
    );
    assert!(a.verdict.meets_load, "{:?}", a.verdict);
    // Proven by revision: 8 shards from the workload's peak, then re-sharded from the measured
    // after-peak while shard keys sharing a partition still throttled.
    assert!(a.verdict.revisions >= 1, "{:?}", a.verdict);
    assert!(sharding[0].contains("32 ways"), "{}", sharding[0]);
    assert_cost(&a.before, 4_500.0..5_000.0);
}
