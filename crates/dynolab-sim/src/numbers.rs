//! Numbers for people: counts with thousands separators (`110,890,680`), short counts
//! (`1.1 M`) for axes and tight cells, and dollars. Findings, the terminal summary and the HTML
//! report all format through these, so a number reads the same everywhere.

/// `110890680` → `110,890,680`.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `110890680` → `111 M`, `1058741760` → `1.1 B`, `1500` → `1.5 k`, `999` → `999`: three
/// significant digits at most, for axis ticks and summaries.
pub fn short(x: f64) -> String {
    let a = x.abs();
    let (v, unit) = if a >= 1e9 {
        (x / 1e9, " B")
    } else if a >= 1e6 {
        (x / 1e6, " M")
    } else if a >= 1e3 {
        (x / 1e3, " k")
    } else {
        (x, "")
    };
    let digits = usize::from(v.abs() < 10.0 && v.fract().abs() >= 0.05);
    let s = format!("{v:.digits$}");
    let s = s.strip_suffix(".0").unwrap_or(&s).to_string();
    format!("{s}{unit}")
}

/// Dollars and cents: `$1,234.50`.
pub fn usd(x: f64) -> String {
    let sign = if x < 0.0 { "-" } else { "" };
    let cents = (x.abs() * 100.0).round() as u64;
    format!("{sign}${}.{:02}", count(cents / 100), cents % 100)
}

/// A span of simulated days: `1 day`, `30 days`, `0.5 days`.
pub fn days(d: f64) -> String {
    if d == 1.0 {
        "1 day".into()
    } else {
        format!("{d} days")
    }
}

/// A percentage with one decimal: `6.9%`.
pub fn pct(x: f64) -> String {
    format!("{x:.1}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_like_people_write_them() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(110_890_680), "110,890,680");
        assert_eq!(short(0.0), "0");
        assert_eq!(short(999.0), "999");
        assert_eq!(short(1500.0), "1.5 k");
        assert_eq!(short(20_000.0), "20 k");
        assert_eq!(short(1_100_000.0), "1.1 M");
        assert_eq!(short(110_890_680.0), "111 M");
        assert_eq!(short(1_058_741_760.0), "1.1 B");
        assert_eq!(usd(2367.134), "$2,367.13");
        assert_eq!(usd(0.5), "$0.50");
        assert_eq!(usd(-12.0), "-$12.00");
        assert_eq!(days(1.0), "1 day");
        assert_eq!(days(30.0), "30 days");
    }
}
