//! Reports for people: a terminal summary (comfy-table) and one self-contained HTML file with
//! hand-drawn SVG charts (no script, no network: it opens anywhere, offline).

use std::fmt::Write;

use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};

use crate::advise::Advice;
use crate::sim::{Heat, SimReport};

fn usd(x: f64) -> String {
    format!("${x:.2}")
}

fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
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
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED);
        t.set_header([
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
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED);
        t.set_header([
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
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header([
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
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED);
        t.set_header(["hottest keys", "on", "share", "peak units/s", "throttled"]);
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
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(["cost", "USD"]);
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

/// The terminal summary of an advice: findings, recommendations, before and after.
pub fn advice_summary(a: &Advice) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "FINDINGS");
    for f in &a.findings {
        let _ = writeln!(out, "- [{}] {}", f.kind, f.title);
        for e in &f.evidence {
            let _ = writeln!(out, "    {e}");
        }
        let _ = writeln!(out, "    → {}", f.leads_to);
    }
    let _ = writeln!(out, "\nRECOMMENDATIONS");
    for r in &a.recommendations {
        let _ = writeln!(out, "- [{}] {}", r.kind, r.title);
        for d in &r.detail {
            let _ = writeln!(out, "    {d}");
        }
    }
    let _ = writeln!(
        out,
        "\nBEFORE AND AFTER (same workload, {} days)",
        a.before.days
    );
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(["", "before", "after"]);
    t.add_row([
        "throttled requests".to_string(),
        count(a.before.throttled),
        count(a.after.throttled),
    ]);
    t.add_row([
        "failed after retries".to_string(),
        count(a.before.failed),
        count(a.after.failed),
    ]);
    t.add_row([
        "busiest hour".to_string(),
        busiest(&a.before),
        busiest(&a.after),
    ]);
    t.add_row([
        "table utilization".to_string(),
        utilization(&a.before),
        utilization(&a.after),
    ]);
    t.add_row([
        "GSIs".to_string(),
        (a.before.resources.len() - 1).to_string(),
        (a.after.resources.len() - 1).to_string(),
    ]);
    t.add_row(["cost".to_string(), usd(a.before.cost_total), after_cost(a)]);
    let _ = writeln!(out, "{t}");
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

/// A heat map: one row per partition, one column per hour, colour by share of the partition cap.
fn heat_svg(h: &Heat) -> String {
    let hours = h.hours.len().max(1);
    let rows = h.hours.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let (cw, ch) = ((900.0 / hours as f64).max(0.5), 14.0);
    let width = 60.0 + cw * hours as f64;
    let height = 20.0 + ch * rows as f64;
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" role="img" aria-label="heat map of {}">"#,
        esc(&h.resource)
    );
    for p in 0..rows {
        let _ = write!(
            svg,
            r#"<text x="0" y="{:.0}" font-size="10">p{p}</text>"#,
            20.0 + ch * p as f64 + 10.0
        );
    }
    for (hour, parts) in h.hours.iter().enumerate() {
        for (p, pct) in parts.iter().enumerate() {
            if *pct == 0 {
                continue;
            }
            let v = f64::from(*pct).min(100.0) / 100.0;
            // From pale yellow to red as the partition nears its cap.
            let (r, g, b) = (255.0, 240.0 - 200.0 * v, 180.0 - 180.0 * v);
            let _ = write!(
                svg,
                r#"<rect x="{:.2}" y="{:.0}" width="{:.2}" height="{ch}" fill="rgb({r:.0},{g:.0},{b:.0})"><title>day {} {:02}:00, p{p}: {pct}% of cap</title></rect>"#,
                60.0 + cw * hour as f64,
                20.0 + ch * p as f64,
                cw.max(0.5),
                hour / 24 + 1,
                hour % 24
            );
        }
    }
    svg.push_str(r#"<text x="60" y="12" font-size="10">hours →</text></svg>"#);
    svg
}

/// Throttled requests per hour as bars.
fn throttle_svg(r: &SimReport) -> String {
    let max = r
        .hours
        .iter()
        .map(|h| h.throttled)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let n = r.hours.len().max(1) as f64;
    let w = (900.0 / n).max(0.5);
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{:.0}" height="140" role="img" aria-label="throttled requests per hour">"#,
        w * n + 10.0
    );
    for (i, h) in r.hours.iter().enumerate() {
        if h.throttled == 0 {
            continue;
        }
        let bh = 120.0 * h.throttled as f64 / max;
        let _ = write!(
            svg,
            r##"<rect x="{:.2}" y="{:.1}" width="{:.2}" height="{bh:.1}" fill="#c0392b"><title>day {} {:02}:00: {} throttled</title></rect>"##,
            i as f64 * w,
            130.0 - bh,
            w,
            h.hour / 24 + 1,
            h.hour % 24,
            h.throttled
        );
    }
    let _ = write!(
        svg,
        r#"<text x="2" y="138" font-size="10">peak {} per hour</text></svg>"#,
        max as u64
    );
    svg
}

fn run_section(title: &str, r: &SimReport) -> String {
    let mut s = format!("<section><h2>{}</h2>", esc(title));
    let _ = write!(
        s,
        "<p>{} requests over {} days; <b>{} throttled</b>, {} failed after retries; busiest hour {}; cost <b>{}</b>.</p>",
        count(r.requests),
        r.days,
        count(r.throttled),
        count(r.failed),
        esc(&busiest(r)),
        usd(r.cost_total)
    );
    s.push_str("<h3>Throttled requests per hour</h3>");
    s.push_str(&throttle_svg(r));
    if !r.throttled_by_reasons.is_empty() {
        s.push_str("<h3>Throttled requests by the reasons each carried (each request once)</h3><table class=\"reasons\"><tr><th>reasons</th><th>requests</th></tr>");
        for set in &r.throttled_by_reasons {
            let _ = write!(
                s,
                "<tr><td>{}</td><td>{}</td></tr>",
                esc(&set.summary),
                count(set.requests)
            );
        }
        let _ = write!(
            s,
            "<tr><td><b>total</b></td><td><b>{}</b></td></tr></table>",
            count(r.throttled)
        );
    }
    s.push_str("<h3>Partition heat (share of each partition's cap, per hour)</h3>");
    for h in &r.heat {
        let _ = write!(s, "<h4>{}</h4>{}", esc(&h.resource), heat_svg(h));
    }
    s.push_str("<h3>Cost</h3><table><tr><th>resource</th><th>component</th><th>USD</th></tr>");
    for c in &r.cost {
        let _ = write!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.resource),
            esc(&c.component),
            usd(c.usd)
        );
    }
    s.push_str("</table></section>");
    s
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}h4{margin:.6em 0 .2em}svg{display:block;margin:.3em 0}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body><h1>{}</h1>{body}</body></html>\n",
        esc(title),
        esc(title)
    )
}

/// One simulation as a self-contained HTML page.
pub fn html(r: &SimReport) -> String {
    page(
        &format!("dynolab simulate: {} on {}", r.workload, r.table),
        &run_section("Simulation", r),
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

/// The advice as a self-contained HTML page: the before/after table first.
pub fn advice_html(a: &Advice) -> String {
    let mut body = String::from(
        "<section><h2>Before and after</h2><table id=\"before-after\"><tr><th></th><th>before</th><th>after</th></tr>",
    );
    for (name, b, f) in [
        (
            "throttled requests",
            count(a.before.throttled),
            count(a.after.throttled),
        ),
        (
            "failed after retries",
            count(a.before.failed),
            count(a.after.failed),
        ),
        ("busiest hour", busiest(&a.before), busiest(&a.after)),
        (
            "table utilization",
            utilization(&a.before),
            utilization(&a.after),
        ),
        ("cost", usd(a.before.cost_total), after_cost(a)),
    ] {
        let _ = write!(
            body,
            "<tr><td>{name}</td><td>{}</td><td>{}</td></tr>",
            esc(&b),
            esc(&f)
        );
    }
    body.push_str("</table></section><section><h2>Findings</h2><ul>");
    for f in &a.findings {
        let _ = write!(body, "<li><b>{}</b><ul>", esc(&f.title));
        for e in &f.evidence {
            let _ = write!(body, "<li>{}</li>", esc(e));
        }
        let _ = write!(body, "<li><i>→ {}</i></li>", esc(&f.leads_to));
        body.push_str("</ul></li>");
    }
    body.push_str("</ul></section><section><h2>Recommendations</h2><ul>");
    for r in &a.recommendations {
        let _ = write!(body, "<li><b>{}</b><ul>", esc(&r.title));
        for d in &r.detail {
            let _ = write!(body, "<li>{}</li>", esc(d));
        }
        body.push_str("</ul></li>");
    }
    body.push_str("</ul><h3>Capacity mode, simulated on the fixed design</h3><table><tr><th>mode</th><th>cost</th><th>throttled</th></tr>");
    for m in &a.modes {
        let cost = match m.stopped_after_days {
            None => usd(m.cost),
            Some(days) => format!("stopped after {days:.2} days"),
        };
        let throttled = match m.stopped_after_days {
            None => count(m.throttled),
            Some(_) => format!("{}+", count(m.throttled)),
        };
        let _ = write!(
            body,
            "<tr><td>{}{}</td><td>{}</td><td>{}</td></tr>",
            esc(&m.mode),
            if m.chosen { " (chosen)" } else { "" },
            esc(&cost),
            esc(&throttled)
        );
    }
    body.push_str("</table></section>");
    body.push_str(&run_section("Before", &a.before));
    body.push_str(&run_section("After", &a.after));
    page(&format!("dynolab advise: {}", a.before.table), &body)
}
