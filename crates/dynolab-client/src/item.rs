//! Helpers on items: sizes, key fingerprints and DynamoDB's ordering of key values.

use std::cmp::Ordering;
use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// An item (or a key) as the SDK represents it.
pub type Item = HashMap<String, AttributeValue>;

/// The size DynamoDB bills for an item: attribute names plus values (UTF-8 bytes for strings,
/// raw bytes for binary, about one byte per two digits for numbers, +3 bytes per list/map and
/// +1 per element). An estimate good enough to keep a batch under its byte limits.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

fn value_size(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => n.len() / 2 + 2,
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        AttributeValue::Ss(v) => v.iter().map(String::len).sum(),
        AttributeValue::Ns(v) => v.iter().map(|n| n.len() / 2 + 2).sum(),
        AttributeValue::Bs(v) => v.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(v) => 3 + v.iter().map(|x| 1 + value_size(x)).sum::<usize>(),
        AttributeValue::M(m) => {
            3 + m
                .iter()
                .map(|(k, x)| 1 + k.len() + value_size(x))
                .sum::<usize>()
        }
        _ => 0,
    }
}

/// A string that is equal for two keys exactly when DynamoDB considers them the same key
/// (numbers are compared by value: `1` and `1.0` are one key).
pub fn key_fingerprint(item: &Item, key_names: &[String]) -> String {
    let mut out = String::new();
    for name in key_names {
        out.push_str(name);
        out.push('=');
        match item.get(name) {
            Some(AttributeValue::S(s)) => {
                out.push_str("S:");
                out.push_str(s);
            }
            Some(AttributeValue::N(n)) => {
                out.push_str("N:");
                out.push_str(&normalize_number(n));
            }
            Some(AttributeValue::B(b)) => {
                out.push_str("B:");
                for byte in b.as_ref() {
                    out.push_str(&format!("{byte:02x}"));
                }
            }
            Some(other) => out.push_str(&format!("{other:?}")),
            None => out.push('-'),
        }
        out.push('\u{0}');
    }
    out
}

/// Decimal digits without leading or trailing zeros, and the power of ten of the first digit.
fn parse_number(n: &str) -> (bool, String, i64) {
    let n = n.trim();
    let (neg, rest) = match n.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, n.strip_prefix('+').unwrap_or(n)),
    };
    let (mantissa, exp) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().unwrap_or(0)),
        None => (rest, 0),
    };
    let (int, frac) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, ""),
    };
    let digits: String = format!("{int}{frac}");
    let leading = digits.len() - digits.trim_start_matches('0').len();
    let trimmed = digits
        .trim_start_matches('0')
        .trim_end_matches('0')
        .to_string();
    if trimmed.is_empty() {
        return (false, String::new(), 0);
    }
    // Value = 0.d1d2... * 10^(point), where point counts digits before the decimal point.
    let point = int.len() as i64 - leading as i64 + exp;
    (neg, trimmed, point)
}

fn normalize_number(n: &str) -> String {
    let (neg, digits, point) = parse_number(n);
    if digits.is_empty() {
        return "0".to_string();
    }
    format!("{}0.{digits}e{point}", if neg { "-" } else { "" })
}

/// Compares two DynamoDB numbers (decimal strings) by value.
pub fn compare_numbers(a: &str, b: &str) -> Ordering {
    let (an, ad, ap) = parse_number(a);
    let (bn, bd, bp) = parse_number(b);
    let sign = |neg: bool, d: &str| -> i8 {
        if d.is_empty() {
            0
        } else if neg {
            -1
        } else {
            1
        }
    };
    let (sa, sb) = (sign(an, &ad), sign(bn, &bd));
    if sa != sb {
        return sa.cmp(&sb);
    }
    if sa == 0 {
        return Ordering::Equal;
    }
    let magnitude = ap.cmp(&bp).then_with(|| ad.as_str().cmp(bd.as_str()));
    if sa < 0 {
        magnitude.reverse()
    } else {
        magnitude
    }
}

/// DynamoDB's order of sort-key values: strings and binary by bytes, numbers by value.
/// Values of different types (which one key attribute cannot hold) order by type.
pub fn compare_key_values(a: &AttributeValue, b: &AttributeValue) -> Ordering {
    match (a, b) {
        (AttributeValue::S(x), AttributeValue::S(y)) => x.as_bytes().cmp(y.as_bytes()),
        (AttributeValue::N(x), AttributeValue::N(y)) => compare_numbers(x, y),
        (AttributeValue::B(x), AttributeValue::B(y)) => x.as_ref().cmp(y.as_ref()),
        _ => rank(a).cmp(&rank(b)),
    }
}

fn rank(v: &AttributeValue) -> u8 {
    match v {
        AttributeValue::S(_) => 0,
        AttributeValue::N(_) => 1,
        AttributeValue::B(_) => 2,
        _ => 3,
    }
}

/// The attributes of `item` named in `names` (the key of an item).
pub fn project(item: &Item, names: &[String]) -> Item {
    names
        .iter()
        .filter_map(|n| item.get(n).map(|v| (n.clone(), v.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_by_value() {
        let cases = [
            ("1", "1.0", Ordering::Equal),
            ("10", "9", Ordering::Greater),
            ("-10", "-9", Ordering::Less),
            ("0.5", "0.05", Ordering::Greater),
            ("1e3", "999", Ordering::Greater),
            ("-0", "0", Ordering::Equal),
            ("-1", "0", Ordering::Less),
            ("00012.500", "12.5", Ordering::Equal),
            (
                "99999999999999999999999999999999999999",
                "99999999999999999999999999999999999998",
                Ordering::Greater,
            ),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare_numbers(a, b), want, "{a} vs {b}");
            assert_eq!(compare_numbers(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn fingerprints_treat_equal_numbers_as_one_key() {
        let names = vec!["id".to_string()];
        let a = Item::from([("id".into(), AttributeValue::N("1".into()))]);
        let b = Item::from([("id".into(), AttributeValue::N("1.00".into()))]);
        let c = Item::from([("id".into(), AttributeValue::S("1".into()))]);
        assert_eq!(key_fingerprint(&a, &names), key_fingerprint(&b, &names));
        assert_ne!(key_fingerprint(&a, &names), key_fingerprint(&c, &names));
    }

    #[test]
    fn strings_order_by_utf8_bytes() {
        let a = AttributeValue::S("Z".into());
        let b = AttributeValue::S("a".into());
        let c = AttributeValue::S("é".into());
        assert_eq!(compare_key_values(&a, &b), Ordering::Less);
        assert_eq!(compare_key_values(&b, &c), Ordering::Less);
    }
}
