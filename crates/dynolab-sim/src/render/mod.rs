//! Reports for people: a terminal summary (comfy-table) and one self-contained HTML file with
//! hand-drawn SVG charts (no script, no network: it opens anywhere, offline).

use std::fmt::Write;

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};

use crate::advise::savings::{Change, changes, motivating, terraform_of};
use crate::advise::{Advice, Finding};
use crate::sim::SimReport;

mod charts;

use crate::numbers::{count, days as days_span, pct, short, usd};

/// A terminal table in the reports' style, with its header.
fn table<T: Into<comfy_table::Row>>(header: T) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(header);
    t
}

fn busiest(r: &SimReport) -> String {
    match &r.busiest_hour {
        Some(h) => format!(
            "{} (day {} {:02}:00 UTC)",
            count(h.throttled),
            h.hour / 24 + 1,
            h.hour % 24
        ),
        None => "0".into(),
    }
}

fn utilization(r: &SimReport) -> String {
    let t = &r.resources[0];
    match (t.read_utilization, t.write_utilization) {
        (Some(rd), Some(wr)) => format!("{rd:.1}% read, {wr:.1}% write"),
        _ => "on-demand".into(),
    }
}

/// The terminal summary of one run.
pub fn summary(r: &SimReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} on table {}: {} days, {} requests",
        r.workload,
        r.table,
        r.days,
        count(r.requests)
    );
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.add_row(["throttled requests".to_string(), count(r.throttled)]);
    t.add_row(["failed after retries".to_string(), count(r.failed)]);
    t.add_row(["busiest hour".to_string(), busiest(r)]);
    t.add_row(["table utilization".to_string(), utilization(r)]);
    t.add_row(["cost".to_string(), usd(r.cost_total)]);
    let _ = writeln!(out, "{t}");
    if !r.throttled_by_reasons.is_empty() {
        let mut t = table([
            "throttled requests by the reasons each carried (each request once)",
            "requests",
        ]);
        for set in &r.throttled_by_reasons {
            let n = set.reasons.len();
            let label = if n == 1 {
                set.summary.clone()
            } else {
                format!("{n} reasons: {}", set.summary.replace(" + ", "\n + "))
            };
            t.add_row([label, count(set.requests)]);
        }
        t.add_row(["total".to_string(), count(r.throttled)]);
        let _ = writeln!(out, "{t}");
    }
    if !r.by_cause.is_empty() {
        let mut t = table([
            "requests that carried each reason (one request can carry several)",
            "requests",
        ]);
        let mut causes: Vec<_> = r.by_cause.iter().collect();
        causes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (cause, n) in causes {
            t.add_row([cause.clone(), count(*n)]);
        }
        let _ = writeln!(out, "{t}");
    }
    let mut t = table([
        "resource",
        "mode",
        "partitions",
        "avg R/W units/s",
        "peak R/W /s",
        "utilization",
    ]);
    for res in &r.resources {
        t.add_row([
            res.name.clone(),
            res.mode.clone(),
            format!("{} → {}", res.partitions_at_start, res.partitions_at_end),
            format!("{:.0} / {:.0}", res.read_avg, res.write_avg),
            format!("{:.0} / {:.0}", res.read_peak_second, res.write_peak_second),
            match (res.read_utilization, res.write_utilization) {
                (Some(a), Some(b)) => format!("{a:.1}% / {b:.1}%"),
                _ => "-".into(),
            },
        ]);
    }
    let _ = writeln!(out, "{t}");
    if !r.top_keys.is_empty() {
        let mut t = table(["hottest keys", "on", "share", "peak units/s", "throttled"]);
        for k in r.top_keys.iter().take(5) {
            t.add_row([
                k.key.clone(),
                k.resource.clone(),
                format!("{:.0}%", k.share * 100.0),
                format!("{:.0} {}", k.peak_units, k.op),
                count(k.throttled),
            ]);
        }
        let _ = writeln!(out, "{t}");
    }
    let mut t = table(["cost", "USD"]);
    let mut components: Vec<(String, f64)> = Vec::new();
    for c in &r.cost {
        match components.iter_mut().find(|(n, _)| *n == c.component) {
            Some(e) => e.1 += c.usd,
            None => components.push((c.component.clone(), c.usd)),
        }
    }
    for (name, v) in components {
        t.add_row([name, usd(v)]);
    }
    t.add_row(["total".to_string(), usd(r.cost_total)]);
    let _ = writeln!(out, "{t}");
    if !r.scaling.is_empty() {
        let _ = writeln!(out, "auto scaling: {} actions", r.scaling.len());
    }
    out
}

/// The headline rows of an advice, before against after: (what, before, after, change).
fn answer_rows(a: &Advice) -> Vec<[String; 4]> {
    let days = a.before.days;
    let span = days_span(days);
    let monthly = |x: f64| x * 30.0 / days.max(f64::MIN_POSITIVE);
    let change = |b: u64, f: u64| match (b, f) {
        (0, 0) => "none".to_string(),
        (0, _) => format!("+{}", count(f)),
        _ if f <= b => format!(
            "−{} ({})",
            count(b - f),
            pct((b - f) as f64 / b as f64 * 100.0)
        ),
        _ => format!("+{}", count(f - b)),
    };
    let money_change = |b: f64, f: f64| {
        if f <= b {
            format!("−{}", usd(b - f))
        } else {
            format!("+{}", usd(f - b))
        }
    };
    let mut rows = vec![
        [
            format!("throttled requests over {span}"),
            count(a.before.throttled),
            count(a.after.throttled),
            change(a.before.throttled, a.after.throttled),
        ],
        [
            format!("failed after retries over {span}"),
            count(a.before.failed),
            count(a.after.failed),
            change(a.before.failed, a.after.failed),
        ],
        [
            if days == 30.0 {
                "cost over 30 days (a month)".into()
            } else {
                format!("cost over {span}")
            },
            usd(a.before.cost_total),
            after_cost(a),
            money_change(a.before.cost_total, a.after.cost_total),
        ],
        [
            "throttled in the busiest hour".into(),
            busiest(&a.before),
            busiest(&a.after),
            String::new(),
        ],
        [
            "table utilization (average)".into(),
            utilization(&a.before),
            utilization(&a.after),
            String::new(),
        ],
        [
            "GSIs".into(),
            (a.before.resources.len() - 1).to_string(),
            (a.after.resources.len() - 1).to_string(),
            String::new(),
        ],
    ];
    if days != 30.0 {
        rows.insert(
            3,
            [
                "cost per month (30 days, scaled from the run)".into(),
                usd(monthly(a.before.cost_total)),
                usd(monthly(a.after.cost_total)),
                money_change(monthly(a.before.cost_total), monthly(a.after.cost_total)),
            ],
        );
    }
    rows
}

/// What a step saves, in words: `saves $1,234.56 over 30 days ($1,234.56 per month), removes
/// 110,890,680 throttled requests`.
fn saves(c: &Change, days: f64) -> String {
    let span = days_span(days);
    let money = if c.usd_saved >= 0.0 && days == 30.0 {
        format!("saves {} over {span} (a month)", usd(c.usd_saved))
    } else if c.usd_saved >= 0.0 {
        format!(
            "saves {} over {span} ({} per month)",
            usd(c.usd_saved),
            usd(c.usd_saved * 30.0 / days.max(f64::MIN_POSITIVE))
        )
    } else {
        format!("costs {} more over {span}", usd(-c.usd_saved))
    };
    let throttles = match c.throttled_removed {
        0 => "no change in throttled requests".to_string(),
        n if n > 0 => format!("removes {} throttled requests", count(n as u64)),
        n => format!("adds {} throttled requests", count(n.unsigned_abs())),
    };
    format!("{money}, {throttles}")
}

/// What a finding costs, in words (`110,890,680 throttled requests`, `$411.20 over 30 days`),
/// or that the advisor does not measure it.
fn impact(f: &Finding, days: f64) -> String {
    let span = days_span(days);
    let mut parts = Vec::new();
    if f.throttled > 0 {
        parts.push(format!("{} throttled requests", count(f.throttled)));
    }
    if f.usd > 0.0 {
        parts.push(format!("{} over {span}", usd(f.usd)));
    }
    if parts.is_empty() {
        "impact not measured".into()
    } else {
        parts.join(", ")
    }
}

/// The terminal summary of an advice, in the HTML report's order: the answer (before and
/// after), the changes ranked by what they save, then the findings ranked by what they cost.
pub fn advice_summary(a: &Advice) -> String {
    let mut out = String::new();
    let days = a.before.days;
    let span = days_span(days);
    // A design that still cannot take the load says so before anything else.
    if !a.verdict.meets_load {
        let _ = writeln!(out, "{}", a.verdict.headline);
        for r in &a.verdict.refused {
            let _ = writeln!(out, "  - still refused: {r}");
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "dynolab advise: table {}, workload {}\n\nTHE ANSWER: BEFORE AND AFTER (same workload, {span})",
        a.before.table, a.before.workload
    );
    let mut t = table(["", "before", "after", "change"]);
    for row in answer_rows(a) {
        t.add_row(row);
    }
    let _ = writeln!(out, "{t}");
    let _ = writeln!(out, "\nRECOMMENDED CHANGES, BY WHAT THEY SAVE");
    for (i, c) in changes(a).iter().enumerate() {
        let _ = writeln!(out, "{}. {}: {}", i + 1, c.title, saves(c, days));
        let _ = writeln!(out, "   ({})", c.basis);
        for r in a
            .recommendations
            .iter()
            .filter(|r| c.kinds.contains(&r.kind))
        {
            // A step of one recommendation is already titled by it.
            let title = if r.title == c.title { "" } else { &r.title };
            let line = format!("   - [{}] {title}", r.kind);
            let _ = writeln!(out, "{}", line.trim_end());
            for d in &r.detail {
                let _ = writeln!(out, "       {d}");
            }
            let _ = writeln!(out, "       changes: {}", terraform_of(r.kind));
        }
        let why = motivating(c, &a.findings);
        if !why.is_empty() {
            let list: Vec<String> = why.iter().map(|i| (i + 1).to_string()).collect();
            let _ = writeln!(out, "   answers findings {}", list.join(", "));
        }
    }
    let _ = writeln!(out, "\nFINDINGS, BY IMPACT");
    for (i, f) in a.findings.iter().enumerate() {
        let _ = writeln!(
            out,
            "{}. [{}] {} ({})",
            i + 1,
            f.kind,
            f.title,
            impact(f, days)
        );
        for e in &f.evidence {
            let _ = writeln!(out, "    {e}");
        }
        if let Some(figures) = &f.table {
            let mut t = table(figures.header.clone());
            t.set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(110);
            for row in &figures.rows {
                t.add_row(row.clone());
            }
            for line in t.to_string().lines() {
                let _ = writeln!(out, "    {line}");
            }
        }
        let _ = writeln!(out, "    → {}", f.leads_to);
    }
    out
}

/// The after design's cost, as the before/after tables show it.
pub fn after_cost(a: &Advice) -> String {
    if a.reserved_capacity {
        format!("{} (1-year reserved capacity)", usd(a.after.cost_total))
    } else {
        usd(a.after.cost_total)
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The reports' stylesheet, inlined: responsive down to phone width, and a print layout.
const STYLE: &str = include_str!("report.css");

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body><h1>{}</h1>{body}</body></html>\n",
        esc(title),
        esc(title)
    )
}

/// `after.tf`: the after design in Terraform, saying when its cost assumes reserved capacity.
pub fn after_terraform(a: &Advice) -> String {
    with_reserved_note(a, a.after_design.to_terraform())
}

/// The after design's text (Terraform or YAML, whose comments both start with `#`), saying
/// first when the advice's cost assumes reserved capacity.
pub fn with_reserved_note(a: &Advice, text: String) -> String {
    if a.reserved_capacity {
        format!(
            "# dynolab advise: buy 1-year reserved capacity for this table's provisioned throughput;\n# the advice's cost ({}) assumes it (dynolab simulate --reserved-capacity).\n{text}",
            usd(a.after.cost_total)
        )
    } else {
        text
    }
}

/// A finding's table, or a run's, as HTML.
fn html_table(class: &str, header: &[String], rows: &[Vec<String>]) -> String {
    let mut s = format!(r#"<div class="scroll"><table class="{class}"><tr>"#);
    for h in header {
        let _ = write!(s, "<th>{}</th>", esc(h));
    }
    s.push_str("</tr>");
    for row in rows {
        s.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let _ = write!(
                s,
                "<td{}>{}</td>",
                if i > 0 { r#" class="n""# } else { "" },
                esc(cell)
            );
        }
        s.push_str("</tr>");
    }
    s.push_str("</table></div>");
    s
}

/// The charts of one or two runs, on shared axes: throttled and failed per hour, capacity,
/// cost, partition heat.
fn charts_section(runs: &[charts::Run]) -> String {
    let mut s = String::from(r#"<section id="charts"><h2>"#);
    s.push_str(if runs.len() > 1 {
        "Before and after, on the same axes"
    } else {
        "Charts"
    });
    s.push_str("</h2><h3 id=\"chart-hourly\">Throttled and failed requests per hour</h3>");
    s.push_str(&charts::hourly(runs));
    s.push_str("<h3 id=\"chart-capacity\">Consumed and provisioned capacity per resource</h3>");
    s.push_str(&charts::capacity(runs));
    s.push_str("<h3 id=\"chart-cost\">Cost by resource and component</h3>");
    s.push_str(&charts::cost(runs));
    s.push_str("<h3 id=\"chart-heat\">Partition heat per hour</h3>");
    s.push_str(&charts::heats(runs));
    s.push_str("</section>");
    s
}

/// A run's throttled requests by the reasons each carried.
fn reasons_table(r: &SimReport) -> String {
    let mut rows: Vec<Vec<String>> = r
        .throttled_by_reasons
        .iter()
        .map(|set| vec![set.summary.clone(), count(set.requests)])
        .collect();
    rows.push(vec!["total".into(), count(r.throttled)]);
    html_table(
        "reasons",
        &[
            "reasons each throttled request carried (each request once)".into(),
            format!("requests over {}", days_span(r.days)),
        ],
        &rows,
    )
}

/// One simulation as a self-contained HTML page: its figures, then the charts.
pub fn html(r: &SimReport) -> String {
    let mut body = format!(
        r#"<section id="summary"><p class="lead">{} requests over {}: <b>{} throttled</b> ({}), {} failed after retries; busiest hour {}; cost <b>{}</b> ({} per month).</p>"#,
        count(r.requests),
        days_span(r.days),
        count(r.throttled),
        short(r.throttled as f64),
        count(r.failed),
        esc(&busiest(r)),
        usd(r.cost_total),
        usd(r.cost_total * 30.0 / r.days.max(f64::MIN_POSITIVE))
    );
    if !r.throttled_by_reasons.is_empty() {
        body.push_str(&reasons_table(r));
    }
    body.push_str("</section>");
    body.push_str(&charts_section(&[("this run", r)]));
    page(
        &format!("dynolab simulate: {} on {}", r.workload, r.table),
        &body,
    )
}

/// The advice as a self-contained HTML page, in the terminal summary's order: the answer
/// (before and after, the changes ranked by what they save), the findings ranked by what they
/// cost, the charts on shared axes, the capacity modes compared, and after.tf.
pub fn advice_html(a: &Advice) -> String {
    let days = a.before.days;
    let span = days_span(days);
    let mut body = String::from(r#"<section id="summary">"#);
    // A design that still cannot take the load says so first, inside the answer.
    if !a.verdict.meets_load {
        let _ = write!(
            body,
            r#"<div class="verdict" id="verdict"><p><b>{}</b></p><ul>"#,
            esc(&a.verdict.headline)
        );
        for r in &a.verdict.refused {
            let _ = write!(body, "<li>still refused: {}</li>", esc(r));
        }
        body.push_str("</ul></div>");
    }
    body.push_str(
        r#"<h2>The answer: before and after</h2><div class="scroll"><table id="before-after"><tr><th></th><th>before</th><th>after</th><th>change</th></tr>"#,
    );
    for [name, b, f, c] in answer_rows(a) {
        let _ = write!(
            body,
            r#"<tr><td>{}</td><td>{}</td><td>{}</td><td class="change">{}</td></tr>"#,
            esc(&name),
            esc(&b),
            esc(&f),
            // A word joiner keeps a narrow cell from breaking `−$2,151.87` after the sign.
            esc(&c).replace("−$", "−\u{2060}$")
        );
    }
    body.push_str(
        r#"</table></div><h3>Recommended changes, by what they save</h3><ol id="changes">"#,
    );
    for c in changes(a) {
        let _ = write!(
            body,
            r#"<li class="change-step"><b>{}</b>: <span class="saves">{}</span><div class="basis">{}</div><ul>"#,
            esc(&c.title),
            esc(&saves(&c, days)),
            esc(&c.basis)
        );
        for r in a
            .recommendations
            .iter()
            .filter(|r| c.kinds.contains(&r.kind))
        {
            let _ = write!(
                body,
                r##"<li id="rec-{}"><b>{}</b> <span class="kind">{}</span><ul>"##,
                r.kind,
                esc(if r.title == c.title { "" } else { &r.title }),
                r.kind
            );
            for d in &r.detail {
                let _ = write!(body, "<li>{}</li>", esc(d));
            }
            let _ = write!(
                body,
                r##"<li>changes <a href="#after-tf">after.tf</a>: {}</li></ul></li>"##,
                esc(terraform_of(r.kind))
            );
        }
        body.push_str("</ul>");
        let why = motivating(&c, &a.findings);
        if !why.is_empty() {
            body.push_str(r#"<div class="why">answers: "#);
            let links: Vec<String> = why
                .iter()
                .map(|i| {
                    format!(
                        r##"<a href="#finding-{}">{}. {}</a>"##,
                        i + 1,
                        i + 1,
                        esc(&a.findings[*i].title)
                    )
                })
                .collect();
            body.push_str(&links.join("; "));
            body.push_str("</div>");
        }
        body.push_str("</li>");
    }
    body.push_str(r#"</ol></section><section id="findings"><h2>Findings, by impact</h2><ol>"#);
    for (i, f) in a.findings.iter().enumerate() {
        let _ = write!(
            body,
            r#"<li id="finding-{}" class="finding"><b>{}</b> <span class="kind">{}</span> <span class="impact">{}</span><ul>"#,
            i + 1,
            esc(&f.title),
            f.kind,
            esc(&impact(f, days))
        );
        for e in &f.evidence {
            let _ = write!(body, "<li>{}</li>", esc(e));
        }
        body.push_str("</ul>");
        if let Some(t) = &f.table {
            body.push_str(&html_table("finding-table", &t.header, &t.rows));
        }
        let leads = match f.leads_to.strip_prefix("recommendation: ") {
            Some(kinds) => {
                let links: Vec<String> = kinds
                    .split(", ")
                    .map(|k| format!(r##"<a href="#rec-{k}">{k}</a>"##))
                    .collect();
                format!("→ recommendation: {}", links.join(", "))
            }
            None => format!("→ {}", esc(&f.leads_to)),
        };
        let _ = write!(body, r#"<div class="leads">{leads}</div></li>"#);
    }
    body.push_str("</ol></section>");
    body.push_str(&charts_section(&[
        ("before", &a.before),
        ("after", &a.after),
    ]));
    body.push_str(r#"<section id="modes"><h2>Capacity modes, simulated on the fixed design</h2>"#);
    let rows: Vec<Vec<String>> = a
        .modes
        .iter()
        .map(|m| {
            vec![
                format!("{}{}", m.mode, if m.chosen { " (chosen)" } else { "" }),
                match m.stopped_after_days {
                    None => usd(m.cost),
                    Some(d) => format!("stopped after {d:.2} days"),
                },
                match m.stopped_after_days {
                    None => count(m.throttled),
                    Some(_) => format!("{}+", count(m.throttled)),
                },
            ]
        })
        .collect();
    body.push_str(&html_table(
        "modes",
        &[
            "mode".into(),
            format!("cost over {span}"),
            format!("throttled over {span}"),
        ],
        &rows,
    ));
    body.push_str("</section>");
    if !a.before.throttled_by_reasons.is_empty() {
        body.push_str(r#"<section id="reasons"><h2>Before: throttled requests by reason</h2>"#);
        body.push_str(&reasons_table(&a.before));
        body.push_str("</section>");
    }
    let _ = write!(
        body,
        r#"<section id="after-tf"><h2>after.tf</h2><pre>{}</pre></section>"#,
        esc(&after_terraform(a))
    );
    page(&format!("dynolab advise: {}", a.before.table), &body)
}
