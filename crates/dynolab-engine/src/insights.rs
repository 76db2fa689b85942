//! Contributor Insights: the most accessed and most throttled partition keys (and partition +
//! sort key pairs) of each table and GSI where it is enabled, per minute.
//!
//! Four rules exist per table or index, named as DynamoDB names them: `PKC` (partition keys,
//! consumed), `PKT` (partition keys, throttled), `SKC` and `SKT` (key pairs; only with a sort
//! key). Counts are per request, as DynamoDB's rules count events.

use std::collections::{BTreeMap, HashMap};

use dynolab_clock::Timestamp;

use crate::metrics::minute_of;

/// At most this many distinct keys are counted per rule and minute; the rest are dropped, so a
/// scan-like workload cannot grow memory without bound.
const MAX_KEYS_PER_MINUTE: usize = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleKind {
    PartitionConsumed,
    PartitionThrottled,
    PairConsumed,
    PairThrottled,
}

impl RuleKind {
    pub fn code(self) -> &'static str {
        match self {
            RuleKind::PartitionConsumed => "PKC",
            RuleKind::PartitionThrottled => "PKT",
            RuleKind::PairConsumed => "SKC",
            RuleKind::PairThrottled => "SKT",
        }
    }

    fn parse(code: &str) -> Option<RuleKind> {
        Some(match code {
            "PKC" => RuleKind::PartitionConsumed,
            "PKT" => RuleKind::PartitionThrottled,
            "SKC" => RuleKind::PairConsumed,
            "SKT" => RuleKind::PairThrottled,
            _ => return None,
        })
    }
}

/// One table's or index's Contributor Insights.
#[derive(Debug, Default)]
pub struct Insights {
    pub enabled: bool,
    pub has_sort_key: bool,
    pub last_update_secs: f64,
    /// Millisecond stamp in the rule names, fixed when first enabled.
    pub rule_stamp_ms: u64,
    /// (rule, minute) → key → count.
    counts: HashMap<(RuleKind, u64), HashMap<Vec<String>, u64>>,
}

impl Insights {
    fn add(&mut self, kind: RuleKind, key: Vec<String>, now: Timestamp) {
        let minute_counts = self.counts.entry((kind, minute_of(now))).or_default();
        let full = minute_counts.len() >= MAX_KEYS_PER_MINUTE;
        if let Some(n) = minute_counts.get_mut(&key) {
            *n += 1;
        } else if !full {
            minute_counts.insert(key, 1);
        }
    }

    /// Records one request on a partition key (and sort key, if the request names one).
    pub fn record(&mut self, pk: &str, sk: Option<&str>, throttled: bool, now: Timestamp) {
        let (single, pair) = if throttled {
            (RuleKind::PartitionThrottled, RuleKind::PairThrottled)
        } else {
            (RuleKind::PartitionConsumed, RuleKind::PairConsumed)
        };
        self.add(single, vec![pk.to_string()], now);
        if let Some(sk) = sk {
            self.add(pair, vec![pk.to_string(), sk.to_string()], now);
        }
    }

    pub fn rule_kinds(&self) -> Vec<RuleKind> {
        let mut kinds = vec![RuleKind::PartitionConsumed, RuleKind::PartitionThrottled];
        if self.has_sort_key {
            kinds.extend([RuleKind::PairConsumed, RuleKind::PairThrottled]);
        }
        kinds
    }

    /// Contributors of a rule over `[start, end)` minutes, per `period` minutes, top first:
    /// (key, total, [(period start minute, count)]).
    pub fn report(
        &self,
        kind: RuleKind,
        start: u64,
        end: u64,
        period: u64,
    ) -> Vec<(Vec<String>, u64, BTreeMap<u64, u64>)> {
        let mut per_key: HashMap<&Vec<String>, BTreeMap<u64, u64>> = HashMap::new();
        for ((k, minute), keys) in &self.counts {
            if *k != kind || *minute < start || *minute >= end {
                continue;
            }
            let bucket = start + (minute - start) / period.max(1) * period.max(1);
            for (key, n) in keys {
                *per_key.entry(key).or_default().entry(bucket).or_default() += n;
            }
        }
        let mut out: Vec<(Vec<String>, u64, BTreeMap<u64, u64>)> = per_key
            .into_iter()
            .map(|(k, points)| (k.clone(), points.values().sum(), points))
            .collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        out
    }
}

/// The rule name DynamoDB gives a table's (or index's) rule.
pub fn rule_name(kind: RuleKind, table: &str, index: Option<&str>, stamp_ms: u64) -> String {
    let resource = match index {
        Some(i) => format!("{table}-{i}"),
        None => table.to_string(),
    };
    format!(
        "DynamoDBContributorInsights-{}-{resource}-{stamp_ms}",
        kind.code()
    )
}

/// Splits a rule name back into its kind and the stamp (the resource is looked up by stamp).
pub fn parse_rule_name(name: &str) -> Option<(RuleKind, u64)> {
    let rest = name.strip_prefix("DynamoDBContributorInsights-")?;
    let (code, rest) = rest.split_once('-')?;
    let stamp = rest.rsplit_once('-')?.1.parse().ok()?;
    Some((RuleKind::parse(code)?, stamp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_keys_come_first_and_names_round_trip() {
        let mut i = Insights {
            enabled: true,
            has_sort_key: true,
            ..Default::default()
        };
        for n in 0..10 {
            i.record(
                "USER#premium",
                Some(&format!("ORDER#{n}")),
                false,
                Timestamp(0),
            );
        }
        i.record("USER#free", None, false, Timestamp(61_000_000));
        i.record("USER#premium", None, true, Timestamp(0));
        let top = i.report(RuleKind::PartitionConsumed, 0, 10, 1);
        assert_eq!(top[0].0, vec!["USER#premium".to_string()]);
        assert_eq!(top[0].1, 10);
        assert_eq!(top[1].2.keys().copied().collect::<Vec<_>>(), vec![1]);
        assert_eq!(i.report(RuleKind::PartitionThrottled, 0, 10, 1)[0].1, 1);
        assert_eq!(i.report(RuleKind::PairConsumed, 0, 10, 1).len(), 10);
        let name = rule_name(RuleKind::PairThrottled, "orders", Some("GSI1"), 1234);
        assert_eq!(name, "DynamoDBContributorInsights-SKT-orders-GSI1-1234");
        assert_eq!(
            parse_rule_name(&name),
            Some((RuleKind::PairThrottled, 1234))
        );
    }
}
