//! Inline SVG charts for the HTML reports: every chart takes the runs it compares (one for
//! `simulate`, before and after for `advise`) and draws them on the same axes, side by side.
//! Axes carry their unit and ticks; hover titles carry the exact values. No script, no network.

use std::fmt::Write;

use crate::numbers::{count, days, pct, short, usd};
use crate::sim::{Heat, SimReport};

use super::esc;

/// A run to draw, with the label of its panel.
pub type Run<'a> = (&'a str, &'a SimReport);

const PANEL_W: f64 = 460.0;
const LEFT: f64 = 58.0;
const RIGHT: f64 = 12.0;
const THROTTLED: &str = "#c0392b";
const FAILED: &str = "#1d2433";
/// Component colours in the order components first appear (colour-blind-safe Tableau 10).
const PALETTE: [&str; 8] = [
    "#4e79a7", "#f28e2b", "#76b7b2", "#e15759", "#59a14f", "#edc948", "#b07aa1", "#9c755f",
];

/// The axis end (`max` rounded up to a round step) and its ticks, about `n` of them; `integer`
/// keeps steps whole (counts).
fn ticks(max: f64, n: usize, integer: bool) -> (f64, Vec<f64>) {
    let max = if max > 0.0 { max } else { 1.0 };
    let raw = max / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let mut step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    if integer {
        step = step.ceil().max(1.0);
    }
    let k = (max / step).ceil() as u64;
    let end = step * k as f64;
    (end, (0..=k).map(|i| step * i as f64).collect())
}

/// Ticks on a time axis of `hours` hours: every few hours for runs of up to two days (`06:00`),
/// else at day boundaries (`day 1`, `day 6`, …).
fn time_ticks(hours: usize) -> Vec<(usize, String)> {
    if hours <= 48 {
        return (0..=hours)
            .step_by(6)
            .map(|h| (h, format!("d{} {:02}:00", h / 24 + 1, h % 24)))
            .collect();
    }
    let days = hours.div_ceil(24);
    let step = [1, 2, 5, 7, 10, 15, 30]
        .into_iter()
        .find(|s| days / s <= 7)
        .unwrap_or(30);
    (0..days)
        .step_by(step)
        .map(|d| (d * 24, format!("day {}", d + 1)))
        .collect()
}

fn open_svg(w: f64, h: f64, label: &str, class: &str) -> String {
    format!(
        r#"<svg class="{class}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0} {h:.0}" width="100%" role="img" aria-label="{}" font-family="system-ui,sans-serif" font-size="11">"#,
        esc(label)
    )
}

/// Horizontal gridlines with value ticks on the left, from `y0` (zero) up `height` pixels.
fn y_axis(svg: &mut String, ticks: &[f64], end: f64, y0: f64, height: f64, width: f64) {
    for t in ticks {
        let y = y0 - height * t / end;
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#e3e6ea"/><text x="{:.0}" y="{:.1}" text-anchor="end" fill="#4a5568">{}</text>"##,
            LEFT + width,
            LEFT - 4.0,
            y + 4.0,
            short(*t)
        );
    }
}

/// The time axis under a plot from `left`, `width` wide, at `y`, for `hours` hours.
fn x_time_axis(svg: &mut String, hours: usize, left: f64, y: f64, width: f64) {
    let _ = write!(
        svg,
        r##"<line x1="{left}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#4a5568"/>"##,
        left + width
    );
    for (h, label) in time_ticks(hours) {
        let x = left + width * h as f64 / hours.max(1) as f64;
        let _ = write!(
            svg,
            r##"<line x1="{x:.1}" x2="{x:.1}" y1="{y:.1}" y2="{:.1}" stroke="#4a5568"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" fill="#4a5568">{label}</text>"##,
            y + 4.0,
            y + 15.0
        );
    }
}

fn legend(items: &[(&str, &str)]) -> String {
    let mut s = String::from(r#"<div class="legend">"#);
    for (colour, label) in items {
        let _ = write!(
            s,
            r#"<span><i class="swatch" style="background:{colour}"></i>{}</span>"#,
            esc(label)
        );
    }
    s.push_str("</div>");
    s
}

fn pair(panels: Vec<String>) -> String {
    format!(r#"<div class="pair">{}</div>"#, panels.concat())
}

fn panel(title: &str, svg: &str) -> String {
    format!(
        r#"<figure class="panel"><figcaption>{}</figcaption>{svg}</figure>"#,
        esc(title)
    )
}

/// Throttled and failed requests per hour over the run, one panel per run, same axes.
pub fn hourly(runs: &[Run]) -> String {
    let hours = runs.iter().map(|(_, r)| r.hours.len()).max().unwrap_or(0);
    let max = runs
        .iter()
        .flat_map(|(_, r)| r.hours.iter().map(|h| h.throttled.max(h.failed)))
        .max()
        .unwrap_or(0);
    let (end, yt) = ticks(max as f64, 5, true);
    let (top, plot_h) = (10.0, 170.0);
    let y0 = top + plot_h;
    let width = PANEL_W - LEFT - RIGHT;
    let bw = width / hours.max(1) as f64;
    let panels = runs
        .iter()
        .map(|(label, r)| {
            let mut svg = open_svg(
                PANEL_W,
                y0 + 36.0,
                &format!("throttled and failed requests per hour, {label}"),
                "chart hourly",
            );
            y_axis(&mut svg, &yt, end, y0, plot_h, width);
            let _ = write!(
                svg,
                r##"<text x="12" y="{:.0}" transform="rotate(-90 12 {:.0})" text-anchor="middle" fill="#4a5568">requests per hour</text>"##,
                top + plot_h / 2.0,
                top + plot_h / 2.0
            );
            for (i, h) in r.hours.iter().enumerate() {
                if h.throttled == 0 && h.failed == 0 {
                    continue;
                }
                let x = LEFT + bw * i as f64;
                let th = plot_h * h.throttled as f64 / end;
                let fh = plot_h * h.failed as f64 / end;
                let _ = write!(
                    svg,
                    r#"<g><title>day {} {:02}:00–{:02}:59 UTC: {} throttled, {} failed after retries, of {} requests</title><rect x="{x:.2}" y="{:.2}" width="{:.2}" height="{th:.2}" fill="{THROTTLED}"/><rect x="{x:.2}" y="{:.2}" width="{:.2}" height="{fh:.2}" fill="{FAILED}"/></g>"#,
                    h.hour / 24 + 1,
                    h.hour % 24,
                    h.hour % 24,
                    count(h.throttled),
                    count(h.failed),
                    count(h.requests),
                    y0 - th,
                    bw.max(0.6),
                    y0 - fh,
                    bw.max(0.6),
                );
            }
            if r.throttled == 0 && r.failed == 0 {
                let _ = write!(
                    svg,
                    r##"<text x="{:.0}" y="{:.0}" text-anchor="middle" fill="#2f7d32" font-size="13">no throttled or failed requests in {}</text>"##,
                    LEFT + width / 2.0,
                    top + plot_h / 2.0,
                    days(r.days)
                );
            }
            x_time_axis(&mut svg, hours, LEFT, y0, width);
            svg.push_str("</svg>");
            panel(
                &format!(
                    "{label}: {} throttled, {} failed over {}",
                    count(r.throttled),
                    count(r.failed),
                    days(r.days)
                ),
                &svg,
            )
        })
        .collect();
    format!(
        "{}{}",
        legend(&[
            (THROTTLED, "throttled requests per hour"),
            (FAILED, "failed after retries, per hour")
        ]),
        pair(panels)
    )
}

/// Consumed against provisioned capacity per resource (average, busiest minute), one panel per
/// run on one units-per-second scale.
pub fn capacity(runs: &[Run]) -> String {
    let max = runs
        .iter()
        .flat_map(|(_, r)| &r.resources)
        .flat_map(|res| {
            [
                res.read_provisioned_avg.unwrap_or(0.0),
                res.write_provisioned_avg.unwrap_or(0.0),
                res.read_peak_minute,
                res.write_peak_minute,
            ]
        })
        .fold(0.0, f64::max);
    let (end, xt) = ticks(max, 5, true);
    let rows = runs
        .iter()
        .map(|(_, r)| r.resources.len())
        .max()
        .unwrap_or(1);
    let (top, row_h, label_w) = (6.0, 34.0, 132.0);
    let width = PANEL_W - label_w - RIGHT;
    let height = top + row_h * rows as f64 + 30.0;
    let x = |v: f64| label_w + width * v / end;
    let panels = runs
        .iter()
        .map(|(label, r)| {
            let mut svg = open_svg(
                PANEL_W,
                height,
                &format!("consumed and provisioned capacity per resource, {label}"),
                "chart capacity",
            );
            let axis_y = top + row_h * rows as f64;
            for t in &xt {
                let _ = write!(
                    svg,
                    r##"<line x1="{0:.1}" x2="{0:.1}" y1="{top}" y2="{axis_y:.1}" stroke="#e3e6ea"/><text x="{0:.1}" y="{1:.1}" text-anchor="middle" fill="#4a5568">{2}</text>"##,
                    x(*t),
                    axis_y + 13.0,
                    short(*t)
                );
            }
            let _ = write!(
                svg,
                r##"<text x="{:.0}" y="{:.0}" text-anchor="middle" fill="#4a5568">capacity units per second</text>"##,
                label_w + width / 2.0,
                axis_y + 26.0
            );
            for (i, res) in r.resources.iter().enumerate() {
                let y = top + row_h * i as f64;
                let _ = write!(
                    svg,
                    r##"<text x="0" y="{:.1}" fill="#1d2433">{}</text><text x="0" y="{:.1}" fill="#98a2b3" font-size="9">{}</text>"##,
                    y + 13.0,
                    esc(&truncate(&res.name, 21)),
                    y + 25.0,
                    if res.read_provisioned_avg.is_some() {
                        "provisioned"
                    } else {
                        "on-demand"
                    }
                );
                for (k, (op, prov, avg, peak, colour)) in [
                    ("read", res.read_provisioned_avg, res.read_avg, res.read_peak_minute, PALETTE[0]),
                    ("write", res.write_provisioned_avg, res.write_avg, res.write_peak_minute, PALETTE[1]),
                ]
                .into_iter()
                .enumerate()
                {
                    let by = y + 3.0 + 13.0 * k as f64;
                    let provisioned = prov.map_or("on-demand: nothing provisioned".to_string(), |p| {
                        format!("{} units/s provisioned on average", count(p.round() as u64))
                    });
                    let _ = write!(
                        svg,
                        r#"<g><title>{} {op}: {avg:.1} units/s consumed on average, {} in the busiest minute; {provisioned}</title>"#,
                        esc(&res.name),
                        short(peak)
                    );
                    if let Some(p) = prov {
                        let _ = write!(
                            svg,
                            r##"<rect x="{label_w}" y="{by:.1}" width="{:.2}" height="11" fill="#fff" stroke="{colour}" stroke-dasharray="3 2"/>"##,
                            x(p) - label_w
                        );
                    }
                    let _ = write!(
                        svg,
                        r#"<rect x="{label_w}" y="{by:.1}" width="{:.2}" height="11" fill="{colour}"/><line x1="{px:.2}" x2="{px:.2}" y1="{by:.1}" y2="{py:.1}" stroke="{FAILED}" stroke-width="2"/></g>"#,
                        (x(avg) - label_w).max(0.5),
                        px = x(peak),
                        py = by + 11.0
                    );
                }
            }
            svg.push_str("</svg>");
            panel(label, &svg)
        })
        .collect();
    format!(
        "{}{}",
        legend(&[
            (PALETTE[0], "read, consumed (average)"),
            (PALETTE[1], "write, consumed (average)"),
            ("#fff;border:1px dashed #4a5568", "provisioned (average)"),
            (FAILED, "busiest minute (tick)"),
        ]),
        pair(panels)
    )
}

/// The cost of each resource by component, stacked, one bar per run, all on one dollar scale;
/// the first row is the whole table.
pub fn cost(runs: &[Run]) -> String {
    let mut components: Vec<&str> = Vec::new();
    let mut resources: Vec<&str> = Vec::new();
    for (_, r) in runs {
        for c in &r.cost {
            if !components.contains(&c.component.as_str()) {
                components.push(&c.component);
            }
            if !resources.contains(&c.resource.as_str()) {
                resources.push(&c.resource);
            }
        }
    }
    let colour = |c: &str| {
        let i = components.iter().position(|x| *x == c).unwrap_or(0);
        PALETTE[i % PALETTE.len()]
    };
    let max = runs.iter().map(|(_, r)| r.cost_total).fold(0.0, f64::max);
    let (end, xt) = ticks(max, 5, false);
    let (label_w, bar_h, gap) = (150.0, 14.0, 10.0);
    let w = 900.0;
    let width = w - label_w - 80.0;
    let rows: Vec<Option<&str>> = std::iter::once(None)
        .chain(resources.iter().map(|r| Some(*r)))
        .collect();
    let row_h = bar_h * runs.len() as f64 + gap;
    let axis_y = 4.0 + row_h * rows.len() as f64;
    let mut svg = open_svg(
        w,
        axis_y + 30.0,
        "cost by resource and component",
        "chart cost",
    );
    let x = |v: f64| label_w + width * v / end;
    for t in &xt {
        let _ = write!(
            svg,
            r##"<line x1="{0:.1}" x2="{0:.1}" y1="4" y2="{axis_y:.1}" stroke="#e3e6ea"/><text x="{0:.1}" y="{1:.1}" text-anchor="middle" fill="#4a5568">{2}</text>"##,
            x(*t),
            axis_y + 13.0,
            usd(*t).trim_end_matches(".00")
        );
    }
    let _ = write!(
        svg,
        r##"<text x="{:.0}" y="{:.0}" text-anchor="middle" fill="#4a5568">US dollars over the run</text>"##,
        label_w + width / 2.0,
        axis_y + 26.0
    );
    for (i, row) in rows.iter().enumerate() {
        let y = 4.0 + row_h * i as f64;
        let _ = write!(
            svg,
            r##"<text x="0" y="{:.1}" fill="#1d2433"{}>{}</text>"##,
            y + bar_h,
            if row.is_none() {
                r#" font-weight="600""#
            } else {
                ""
            },
            esc(&truncate(row.unwrap_or("whole table"), 22))
        );
        for (k, (label, r)) in runs.iter().enumerate() {
            let by = y + bar_h * k as f64;
            let mut at = 0.0;
            let mut total = 0.0;
            for comp in &components {
                let v: f64 = r
                    .cost
                    .iter()
                    .filter(|c| c.component == *comp && row.is_none_or(|res| c.resource == res))
                    .map(|c| c.usd)
                    .sum();
                if v <= 0.0 {
                    continue;
                }
                let _ = write!(
                    svg,
                    r#"<rect x="{:.2}" y="{by:.1}" width="{:.2}" height="{:.0}" fill="{}"><title>{label}, {}: {comp} {}</title></rect>"#,
                    x(at),
                    (x(at + v) - x(at)).max(0.5),
                    bar_h - 2.0,
                    colour(comp),
                    esc(row.unwrap_or("whole table")),
                    usd(v)
                );
                at += v;
                total += v;
            }
            let _ = write!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" fill="#4a5568" font-size="10">{label} {}</text>"##,
                x(at) + 4.0,
                by + bar_h - 4.0,
                if row.is_none_or(|res| r.cost.iter().any(|c| c.resource == res)) {
                    usd(total)
                } else {
                    "(not in this design)".into()
                }
            );
        }
    }
    svg.push_str("</svg>");
    let items: Vec<(&str, &str)> = components.iter().map(|c| (colour(c), *c)).collect();
    format!("{}{svg}", legend(&items))
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// The colour of a partition at `u` (share of its cap, 0..1+): the live page's scale
/// (`page.html`, `color`), so both read the same.
pub fn heat_colour(u: f64) -> String {
    if u <= 0.0 {
        return "#eef1f5".into();
    }
    for w in HEAT_STOPS.windows(2) {
        let ((a, ca), (b, cb)) = (w[0], w[1]);
        if u <= b {
            let t = (u - a) / (b - a);
            let c: Vec<String> = (0..3)
                .map(|k| format!("{:.0}", ca[k] + (cb[k] - ca[k]) * t))
                .collect();
            return format!("rgb({})", c.join(","));
        }
    }
    "#b42318".into()
}

/// The heat scale's stops: share of the cap → colour, as the live page's `color` has them.
const HEAT_STOPS: [(f64, [f64; 3]); 4] = [
    (0.0, [254.0, 240.0, 199.0]),
    (0.5, [253.0, 176.0, 34.0]),
    (0.85, [240.0, 68.0, 56.0]),
    (1.0, [180.0, 35.0, 24.0]),
];

/// The heat maps' colour legend: % of the partition cap.
pub fn heat_legend() -> String {
    let mut s = String::from(
        r#"<div class="legend heat-legend">share of the partition's cap (the larger of read and write): "#,
    );
    s.push_str(r#"<span><i class="swatch" style="background:#eef1f5"></i>idle</span>"#);
    for p in [1, 10, 25, 50, 70, 85, 100] {
        let _ = write!(
            s,
            r#"<span><i class="swatch" style="background:{}"></i>{p}%</span>"#,
            heat_colour(f64::from(p) / 100.0)
        );
    }
    s.push_str("<span>(hourly averages; hover a cell for its value)</span></div>");
    s
}

/// One resource's partitions per hour: rows labelled with each partition's hottest key, a time
/// axis in days over `hours` hours (shared by the panels it is compared with), runs of equal
/// hours drawn as one cell with the exact value in its title.
pub fn heat(h: &Heat, hours: usize) -> String {
    let rows = h.hours.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let (label_w, top, row_h) = (120.0, 4.0, 14.0);
    let width = PANEL_W - label_w - RIGHT;
    let axis_y = top + row_h * rows as f64;
    let mut svg = open_svg(
        PANEL_W,
        axis_y + 20.0,
        &format!("partition heat of {}", h.resource),
        "chart heat",
    );
    let cw = width / hours.max(1) as f64;
    for p in 0..rows {
        let key = h.hottest_keys.get(p).cloned().flatten();
        let label = match &key {
            Some(k) => format!("p{p} {}", truncate(k, 14)),
            None => format!("p{p}"),
        };
        let _ = write!(
            svg,
            r##"<text x="0" y="{:.1}" fill="#1d2433" font-size="10"><title>partition {p}{}</title>{}</text>"##,
            top + row_h * p as f64 + 10.0,
            key.map_or(String::new(), |k| format!(", hottest key {k}")),
            esc(&label)
        );
        let mut start = 0;
        while start < h.hours.len() {
            let v = h.hours[start].get(p).copied().unwrap_or(0);
            let mut end = start + 1;
            while end < h.hours.len() && h.hours[end].get(p).copied().unwrap_or(0) == v {
                end += 1;
            }
            let _ = write!(
                svg,
                r#"<rect x="{:.2}" y="{:.1}" width="{:.2}" height="{:.0}" fill="{}"><title>p{p}, day {} {:02}:00 to day {} {:02}:59 UTC: {v}% of the partition's cap</title></rect>"#,
                label_w + cw * start as f64,
                top + row_h * p as f64,
                cw * (end - start) as f64,
                row_h - 1.0,
                heat_colour(f64::from(v) / 100.0),
                start / 24 + 1,
                start % 24,
                (end - 1) / 24 + 1,
                (end - 1) % 24
            );
            start = end;
        }
    }
    x_time_axis(&mut svg, hours, label_w, axis_y, width);
    svg.push_str("</svg>");
    svg
}

/// Every run's heat maps, runs side by side, one time axis; the legend once.
pub fn heats(runs: &[Run]) -> String {
    let hours = runs
        .iter()
        .flat_map(|(_, r)| r.heat.iter().map(|h| h.hours.len()))
        .max()
        .unwrap_or(0);
    let panels = runs
        .iter()
        .map(|(label, r)| {
            let mut s = format!(r#"<div class="panel"><h4>{}</h4>"#, esc(label));
            for h in &r.heat {
                let rows = h.hours.iter().map(Vec::len).max().unwrap_or(0);
                let _ = write!(
                    s,
                    r#"<figure><figcaption>{} ({rows} partitions; peak {})</figcaption>{}</figure>"#,
                    esc(&h.resource),
                    pct(f64::from(
                        h.hours.iter().flatten().copied().max().unwrap_or(0)
                    )),
                    heat(h, hours)
                );
            }
            s.push_str("</div>");
            s
        })
        .collect();
    format!("{}{}", heat_legend(), pair(panels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_end_on_a_round_number_and_count_in_whole_steps() {
        assert_eq!(ticks(0.0, 5, true).0, 1.0);
        let (end, t) = ticks(16_205.0, 5, true);
        assert_eq!(end, 20_000.0);
        assert_eq!(t, vec![0.0, 5_000.0, 10_000.0, 15_000.0, 20_000.0]);
        assert_eq!(ticks(1.0, 5, true), (1.0, vec![0.0, 1.0]));
        assert_eq!(time_ticks(720).first(), Some(&(0, "day 1".to_string())));
        assert_eq!(time_ticks(720).len(), 6);
        assert_eq!(time_ticks(24).last(), Some(&(24, "d2 00:00".to_string())));
    }

    #[test]
    fn the_heat_scale_is_the_live_pages() {
        assert_eq!(heat_colour(0.0), "#eef1f5");
        assert_eq!(heat_colour(0.5), "rgb(253,176,34)");
        assert_eq!(heat_colour(1.0), "rgb(180,35,24)");
        assert_eq!(heat_colour(1.5), "#b42318");
        // The live page draws with the same stops (crates/dynolab-server/src/page.html).
        let page = include_str!("../../../dynolab-server/src/page.html");
        let stops: Vec<String> = HEAT_STOPS
            .iter()
            .map(|(at, [r, g, b])| format!("[{at}, [{r}, {g}, {b}]]"))
            .collect();
        let line = format!("const stops = [{}];", stops.join(", "));
        assert!(page.contains(&line), "{line}");
    }
}
