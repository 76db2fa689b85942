//! `serve --max-memory` (the ceiling on item data in memory) and the progress bar a restart
//! shows while a large data directory loads.

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};

use dynolab_engine::LoadProgress;
use indicatif::{ProgressBar, ProgressStyle};

/// The share of the machine's physical memory `--max-memory` defaults to.
pub const DEFAULT_SHARE: f64 = 0.5;

/// `--max-memory`'s value: `off`, a number of bytes, or a number with a unit (`K`, `M`, `G`,
/// `T`, with or without `B`/`iB`; all binary: `512M` is 512 MiB), or a percentage of the
/// machine's physical memory (`50%`).
pub fn parse_max_memory(text: &str) -> Result<MaxMemory, String> {
    parse_size(text).map(MaxMemory)
}

/// A parsed `--max-memory`: `None` is `off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxMemory(pub Option<u64>);

fn parse_size(text: &str) -> Result<Option<u64>, String> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("off") || t.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let bad = || format!("--max-memory: {text:?} is not a size (examples: 2G, 512MiB, 40%, off)");
    if let Some(pct) = t.strip_suffix('%') {
        let pct: f64 = pct.trim().parse().map_err(|_| bad())?;
        if !(pct > 0.0 && pct <= 100.0) {
            return Err(bad());
        }
        let total = physical_memory().ok_or_else(|| {
            "--max-memory: a percentage needs /proc/meminfo; give a size instead".to_string()
        })?;
        return Ok(Some((total as f64 * pct / 100.0) as u64));
    }
    let digits = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let number: f64 = number.parse().map_err(|_| bad())?;
    let unit = unit.trim().to_ascii_uppercase();
    let unit = unit.trim_end_matches('B').trim_end_matches('I');
    let scale: u64 = match unit {
        "" => 1,
        "K" => 1 << 10,
        "M" => 1 << 20,
        "G" => 1 << 30,
        "T" => 1 << 40,
        _ => return Err(bad()),
    };
    let bytes = number * scale as f64;
    if !(bytes.is_finite() && bytes >= 1.0) {
        return Err(bad());
    }
    Ok(Some(bytes as u64))
}

/// The machine's physical memory in bytes (`MemTotal` in /proc/meminfo), where it can be read.
pub fn physical_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The default ceiling: [`DEFAULT_SHARE`] of physical memory, none where that is unknown.
pub fn default_max_memory() -> Option<u64> {
    physical_memory().map(|total| (total as f64 * DEFAULT_SHARE) as u64)
}

/// Items a data directory must hold before a restart draws a progress bar.
const LARGE: u64 = 100_000;

/// A progress callback for `Engine::open_with_progress` that draws a bar on stderr when it is
/// a terminal and the data set is large; `None` otherwise.
pub fn load_progress() -> Option<Arc<LoadProgress>> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar: Mutex<Option<ProgressBar>> = Mutex::new(None);
    Some(Arc::new(move |done: u64, total: u64| {
        if total < LARGE {
            return;
        }
        let Ok(mut bar) = bar.lock() else { return };
        let bar = bar.get_or_insert_with(|| {
            let b = ProgressBar::new(total);
            if let Ok(style) = ProgressStyle::with_template(
                "loading items [{bar:40}] {human_pos}/{human_len} ({elapsed})",
            ) {
                b.set_style(style.progress_chars("=> "));
            }
            b
        });
        bar.set_position(done.min(total));
        if done >= total {
            bar.finish_and_clear();
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("off"), Ok(None));
        assert_eq!(parse_size("1000"), Ok(Some(1000)));
        assert_eq!(parse_size("64K"), Ok(Some(64 << 10)));
        assert_eq!(parse_size("512MiB"), Ok(Some(512 << 20)));
        assert_eq!(parse_size("2g"), Ok(Some(2 << 30)));
        assert_eq!(parse_size("1.5GB"), Ok(Some(3 << 29)));
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("").is_err());
        assert!(parse_size("0").is_err());
        assert!(parse_size("150%").is_err());
    }
}
