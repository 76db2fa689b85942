//! Every finding leads somewhere and no recommendation is a no-op (issue 14): one GSI is not
//! "consolidated" into one GSI; a Scan that throws most of what it reads away gets an index, one
//! that returns what it reads gets a reason; a GSI keyed on the calendar day that throttles
//! writes is a hot key of that index.

use dynolab_design::TableDesign;
use dynolab_sim::advise::{Advice, advise};
use dynolab_sim::{SimOptions, Workload};

/// An on-demand table `t` (PK, SK) with one GSI `by_x` on `x` (S), projecting ALL.
const ONE_GSI: &str = r#"{
  "TableName": "t",
  "BillingMode": "PAY_PER_REQUEST",
  "AttributeDefinitions": [
    {"AttributeName": "PK", "AttributeType": "S"},
    {"AttributeName": "SK", "AttributeType": "S"},
    {"AttributeName": "x", "AttributeType": "S"}
  ],
  "KeySchema": [
    {"AttributeName": "PK", "KeyType": "HASH"},
    {"AttributeName": "SK", "KeyType": "RANGE"}
  ],
  "GlobalSecondaryIndexes": [{
    "IndexName": "by_x",
    "KeySchema": [{"AttributeName": "x", "KeyType": "HASH"}, {"AttributeName": "SK", "KeyType": "RANGE"}],
    "Projection": {"ProjectionType": "ALL"}
  }]
}"#;

fn run(design: &str, workload: &str) -> Advice {
    let design = TableDesign::from_json(design).unwrap();
    let workload = Workload::from_toml(workload).unwrap();
    let options = SimOptions {
        days: Some(1.0),
        ..SimOptions::default()
    };
    let a = advise(&design, &workload, &options, &mut |_, _, _| {}).unwrap();
    assert!(a.unanswered().is_empty(), "{:?}", a.unanswered());
    a
}

#[test]
fn one_gsi_is_kept_not_replaced_by_one_overloaded_gsi() {
    let a = run(
        ONE_GSI,
        r#"
name = "one gsi"
[entities.item]
count = 100_000
item_bytes = 300
attributes = { id = { distinct = 100_000 }, owner = { distinct = 20_000 }, at = { distinct = "unique" } }
layout = { PK = "ITEM#{id}", SK = "{at}", x = "{owner}" }
[[patterns]]
name = "put"
entity = "item"
operation = "PutItem"
rate = { base = 20 }
[[patterns]]
name = "by owner"
entity = "item"
operation = "Query"
index = "by_x"
by = ["owner"]
items_read = 5
projection = ["at"]
rate = { base = 10 }
"#,
    );
    let titles: Vec<&str> = a.recommendations.iter().map(|r| r.title.as_str()).collect();
    assert!(
        !a.recommendations
            .iter()
            .any(|r| r.kind == "gsi-consolidation"),
        "{titles:?}"
    );
    assert_eq!(a.after_design.gsis.len(), 1);
    let gsi = &a.after_design.gsis[0];
    assert_eq!(gsi.name, "by_x");
    assert_eq!(gsi.partition_key.name, "x");
    assert_eq!(a.after_workload.entities["item"].layout["x"], "{owner}");
    // Its ALL projection narrows to what the query reads: a recommendation of its own.
    let wide = a
        .findings
        .iter()
        .find(|f| f.kind == "wide-projection")
        .unwrap();
    assert_eq!(wide.leads_to, "recommendation: projection", "{wide:?}");
    assert!(
        titles.contains(&"project INCLUDE SK into by_x instead of ALL"),
        "{titles:?}"
    );
}

#[test]
fn a_scan_that_filters_gets_an_index_and_an_export_gets_a_reason() {
    let a = run(
        ONE_GSI,
        r#"
name = "scans"
[entities.item]
count = 200_000
item_bytes = 400
attributes = { id = { distinct = 200_000 }, owner = { distinct = 20_000 }, flag = { values = { open = 0.01, closed = 0.99 } } }
layout = { PK = "ITEM#{id}", SK = "A", x = "{owner}", flag = "{flag}" }
[[patterns]]
name = "put"
entity = "item"
operation = "PutItem"
rate = { base = 20 }
[[patterns]]
name = "open items"
entity = "item"
operation = "Scan"
filter = ["flag"]
items_read = 2000
items_returned = 20
rate = { base = 2 }
[[patterns]]
name = "export"
entity = "item"
operation = "Scan"
items_read = 2000
rate = { base = 0.01 }
"#,
    );
    let rec = a
        .recommendations
        .iter()
        .find(|r| r.kind == "scan-index")
        .expect("an index for the filtering Scan");
    assert!(rec.title.contains("\"open items\""), "{}", rec.title);
    assert!(rec.title.contains("FLAG#{flag}"), "{}", rec.title);
    let scan = |name: &str| {
        a.findings
            .iter()
            .find(|f| f.kind == "scan" && f.title.starts_with(&format!("{name:?}")))
            .unwrap()
    };
    assert_eq!(scan("open items").leads_to, "recommendation: scan-index");
    let filter = a.findings.iter().find(|f| f.kind == "filter").unwrap();
    assert_eq!(filter.title, "\"open items\" reads 2000 items to return 20");
    assert_eq!(filter.leads_to, "recommendation: scan-index");
    assert!(
        scan("export")
            .leads_to
            .starts_with("no recommendation: the Scan returns most"),
        "{:?}",
        scan("export")
    );
    // The filtering Scan is a Query on the new index in the after run, reading what it returns.
    let q = &a.after_workload.patterns[1];
    assert_eq!(q.operation, dynolab_sim::workload::Operation::Query);
    assert_eq!(q.items_read, Some(20));
    let before = a.before.patterns[1].units_per_request;
    let after = a.after.patterns[1].units_per_request;
    assert!(
        after * 20.0 < before,
        "{before} -> {after} read units per request"
    );
}

#[test]
fn a_gsi_keyed_on_the_day_that_throttles_writes_is_a_hot_key() {
    let a = run(
        r#"{
  "TableName": "scores",
  "BillingMode": "PAY_PER_REQUEST",
  "AttributeDefinitions": [
    {"AttributeName": "PK", "AttributeType": "S"},
    {"AttributeName": "day", "AttributeType": "S"},
    {"AttributeName": "score", "AttributeType": "N"}
  ],
  "KeySchema": [{"AttributeName": "PK", "KeyType": "HASH"}],
  "GlobalSecondaryIndexes": [{
    "IndexName": "by_day",
    "KeySchema": [{"AttributeName": "day", "KeyType": "HASH"}, {"AttributeName": "score", "KeyType": "RANGE"}],
    "Projection": {"ProjectionType": "KEYS_ONLY"}
  }]
}"#,
        r#"
name = "scores"
[entities.score]
count = 1_000_000
item_bytes = 200
attributes = { game = { distinct = "unique" }, date = { clock = "day" }, score = { distinct = 100_000 } }
layout = { PK = "GAME#{game}", day = "DAY#{date}", score = "{score}" }
[[patterns]]
name = "submit"
entity = "score"
operation = "PutItem"
rate = { base = 600, daily_peak = 2.5, peak_hour = 20 }
[[patterns]]
name = "today's top 100"
entity = "score"
operation = "Query"
index = "by_day"
by = ["date"]
items_read = 100
newest_first = true
rate = { base = 20 }
"#,
    );
    assert!(a.before.throttled > 0);
    let hot = a
        .findings
        .iter()
        .find(|f| f.kind == "hot-key" && f.title.ends_with("on by_day"))
        .unwrap_or_else(|| panic!("{:#?}", a.findings));
    assert_eq!(hot.title, "hot partition key DAY#2026-01-01 on by_day");
    assert_eq!(hot.leads_to, "recommendation: write-sharding", "{hot:?}");
    let shard = a
        .recommendations
        .iter()
        .find(|r| r.kind == "write-sharding")
        .unwrap();
    assert!(
        shard.title.contains("DAY#{date}#{gsi_shard}"),
        "{}",
        shard.title
    );
    assert_eq!(a.after.throttled, 0, "{:#?}", a.after.by_cause);
}

/// One item written whole (a PutItem of the same key, no update in place) 2,000 times a second:
/// no split adds up, so the advisor cannot meet the load, and says so first.
#[test]
fn an_item_written_whole_past_its_limit_is_a_plain_no() {
    let a = run(
        ONE_GSI,
        r#"
name = "one hot item"
[entities.status]
count = 1
item_bytes = 500
attributes = { id = { values = { GLOBAL = 1.0 } } }
layout = { PK = "STATUS#{id}", SK = "STATUS" }
[[patterns]]
name = "overwrite status"
entity = "status"
operation = "PutItem"
by = ["id"]
rate = { base = 2000 }
"#,
    );
    let item = a
        .findings
        .iter()
        .find(|f| f.kind == "hot-item")
        .expect("a hot item");
    assert!(
        item.title
            .starts_with("hot item STATUS#GLOBAL / STATUS (status): 2,000 write units/s"),
        "{}",
        item.title
    );
    assert!(
        item.leads_to.starts_with("no recommendation: "),
        "{}",
        item.leads_to
    );
    assert!(a.after.failed > 0);
    assert!(!a.verdict.meets_load);
    assert!(
        a.verdict
            .headline
            .starts_with("THE AFTER DESIGN CANNOT MEET THE LOAD"),
        "{}",
        a.verdict.headline
    );
    assert!(
        a.verdict
            .refused
            .iter()
            .any(|r| r.contains("STATUS#GLOBAL")),
        "{:?}",
        a.verdict.refused
    );
    // First in the terminal, the JSON and the page.
    let summary = dynolab_sim::render::advice_summary(&a);
    assert!(
        summary.starts_with("THE AFTER DESIGN CANNOT MEET THE LOAD"),
        "{summary}"
    );
    let json = serde_json::to_string(&a).unwrap();
    assert!(
        json.starts_with(r#"{"verdict":{"meets_load":false,"headline":"THE AFTER DESIGN"#),
        "{}",
        &json[..120]
    );
    let html = dynolab_sim::render::advice_html(&a);
    let summary_at = html.find(r#"<section id="summary">"#).unwrap();
    assert!(html[summary_at..].starts_with(r#"<section id="summary"><div class="verdict" id="verdict"><p><b>THE AFTER DESIGN CANNOT MEET THE LOAD"#));
}
