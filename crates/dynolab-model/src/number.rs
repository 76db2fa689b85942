//! DynamoDB's `N` type: a decimal with at most 38 significant digits and a magnitude between
//! 1E-130 and 9.99…E+125, returned in plain (non-exponent) canonical form.
//!
//! The value is `(-1)^neg * coeff * 10^exp` with `coeff < 10^38` and no trailing zeros, so two
//! equal numbers have one representation and `Eq`/`Hash` are structural.

use std::cmp::Ordering;
use std::fmt;

/// Largest number of significant digits DynamoDB stores.
pub const MAX_DIGITS: usize = 38;
/// Largest adjusted exponent (position of the leading digit) DynamoDB accepts.
const MAX_ADJUSTED_EXP: i32 = 125;
/// Smallest adjusted exponent DynamoDB accepts.
const MIN_ADJUSTED_EXP: i32 = -130;

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Number {
    neg: bool,
    coeff: u128,
    exp: i32,
}

/// Why a string is not a DynamoDB number; `message()` is DynamoDB's text.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NumberError {
    Invalid,
    TooManyDigits,
    Overflow,
    Underflow,
}

impl NumberError {
    pub fn message(self) -> &'static str {
        match self {
            NumberError::Invalid => "A value provided cannot be converted into a number",
            NumberError::TooManyDigits => {
                "Attempting to store more than 38 significant digits in a Number"
            }
            NumberError::Overflow => {
                "Number overflow. Attempting to store a number with magnitude larger than supported range"
            }
            NumberError::Underflow => {
                "Number underflow. Attempting to store a number with magnitude smaller than supported range"
            }
        }
    }
}

impl Number {
    pub const ZERO: Number = Number {
        neg: false,
        coeff: 0,
        exp: 0,
    };

    pub fn is_zero(&self) -> bool {
        self.coeff == 0
    }

    pub fn is_negative(&self) -> bool {
        self.neg
    }

    /// Parses DynamoDB number text: `[+-]digits[.digits][(e|E)[+-]digits]`.
    pub fn parse(text: &str) -> Result<Number, NumberError> {
        let bytes = text.as_bytes();
        let mut pos = 0;
        let mut neg = false;
        if let Some(&sign) = bytes.first()
            && (sign == b'-' || sign == b'+')
        {
            neg = sign == b'-';
            pos = 1;
        }
        let mut digits: Vec<u8> = Vec::with_capacity(bytes.len());
        let mut frac_len: i64 = 0;
        let mut seen_dot = false;
        let mut n_mantissa_chars = 0;
        while pos < bytes.len() {
            let b = bytes[pos];
            if b.is_ascii_digit() {
                digits.push(b - b'0');
                if seen_dot {
                    frac_len += 1;
                }
                n_mantissa_chars += 1;
            } else if b == b'.' && !seen_dot {
                seen_dot = true;
            } else {
                break;
            }
            pos += 1;
        }
        if n_mantissa_chars == 0 {
            return Err(NumberError::Invalid);
        }
        let mut exp10: i64 = 0;
        if pos < bytes.len() {
            if bytes[pos] != b'e' && bytes[pos] != b'E' {
                return Err(NumberError::Invalid);
            }
            pos += 1;
            let mut exp_neg = false;
            if pos < bytes.len() && (bytes[pos] == b'-' || bytes[pos] == b'+') {
                exp_neg = bytes[pos] == b'-';
                pos += 1;
            }
            if pos == bytes.len() {
                return Err(NumberError::Invalid);
            }
            while pos < bytes.len() {
                let b = bytes[pos];
                if !b.is_ascii_digit() {
                    return Err(NumberError::Invalid);
                }
                exp10 = (exp10 * 10 + i64::from(b - b'0')).min(1_000_000_000);
                pos += 1;
            }
            if exp_neg {
                exp10 = -exp10;
            }
        }
        Number::from_digits(neg, &digits, exp10 - frac_len)
    }

    /// Builds a number from decimal digits (most significant first) times `10^exp`.
    fn from_digits(neg: bool, digits: &[u8], exp: i64) -> Result<Number, NumberError> {
        let first = digits.iter().position(|&d| d != 0);
        let Some(first) = first else {
            return Ok(Number::ZERO);
        };
        let last = digits
            .iter()
            .rposition(|&d| d != 0)
            .expect("a non-zero digit exists");
        let significant = &digits[first..=last];
        let exp = exp + (digits.len() - 1 - last) as i64;
        let adjusted = exp + significant.len() as i64 - 1;
        if adjusted > i64::from(MAX_ADJUSTED_EXP) {
            return Err(NumberError::Overflow);
        }
        if adjusted < i64::from(MIN_ADJUSTED_EXP) {
            return Err(NumberError::Underflow);
        }
        if significant.len() > MAX_DIGITS {
            return Err(NumberError::TooManyDigits);
        }
        let coeff = significant
            .iter()
            .fold(0u128, |acc, &d| acc * 10 + u128::from(d));
        Ok(Number {
            neg,
            coeff,
            exp: exp as i32,
        })
    }

    fn digits(&self) -> Vec<u8> {
        self.coeff.to_string().bytes().map(|b| b - b'0').collect()
    }

    /// Position of the leading digit: `1234` is 3, `0.05` is -2.
    fn adjusted_exp(&self) -> i32 {
        self.exp + self.n_digits() as i32 - 1
    }

    fn n_digits(&self) -> usize {
        if self.coeff == 0 {
            1
        } else {
            self.coeff.ilog10() as usize + 1
        }
    }

    pub fn from_i64(value: i64) -> Number {
        Number::parse(&value.to_string()).expect("every i64 is a valid DynamoDB number")
    }

    /// Exact sum; errors as DynamoDB does when the result does not fit.
    pub fn add(&self, other: &Number) -> Result<Number, NumberError> {
        if self.is_zero() {
            return Ok(other.clone());
        }
        if other.is_zero() {
            return Ok(self.clone());
        }
        let low = self.exp.min(other.exp);
        let high = self.adjusted_exp().max(other.adjusted_exp());
        let width = (high - low + 2) as usize;
        let a = self.aligned(low, width);
        let b = other.aligned(low, width);
        let (neg, digits) = if self.neg == other.neg {
            (self.neg, add_digits(&a, &b))
        } else {
            match cmp_digits(&a, &b) {
                Ordering::Equal => return Ok(Number::ZERO),
                Ordering::Greater => (self.neg, sub_digits(&a, &b)),
                Ordering::Less => (other.neg, sub_digits(&b, &a)),
            }
        };
        Number::from_digits(neg, &digits, i64::from(low))
    }

    pub fn sub(&self, other: &Number) -> Result<Number, NumberError> {
        self.add(&other.negate())
    }

    pub fn negate(&self) -> Number {
        if self.is_zero() {
            return Number::ZERO;
        }
        Number {
            neg: !self.neg,
            ..self.clone()
        }
    }

    /// Digits of `self` scaled so the last one is at position `low`, left-padded to `width`.
    fn aligned(&self, low: i32, width: usize) -> Vec<u8> {
        let mut digits = self.digits();
        digits.extend(std::iter::repeat_n(0, (self.exp - low) as usize));
        let mut out = vec![0; width - digits.len()];
        out.extend(digits);
        out
    }

    /// Size in bytes as DynamoDB counts it for item size: one byte of exponent plus one byte per
    /// pair of digits (pairs aligned on the decimal point, as in Oracle's NUMBER format), plus one
    /// byte for negative numbers. AWS documents only "approximately"; see docs/design/capacity-model.md.
    pub fn size_bytes(&self) -> usize {
        if self.is_zero() {
            return 1;
        }
        let high = self.adjusted_exp();
        let low = self.exp;
        let pairs = high.div_euclid(2) - low.div_euclid(2) + 1;
        pairs as usize + 1 + usize::from(self.neg)
    }

    /// An order-preserving, fixed-width (19 bytes) encoding: comparing encodings bytewise
    /// compares the numbers.
    pub fn sortable_bytes(&self) -> [u8; 19] {
        let mut out = [0u8; 19];
        if self.is_zero() {
            out[0] = 1;
            return out;
        }
        out[0] = if self.neg { 0 } else { 2 };
        let biased = (self.adjusted_exp() + 1000) as u16;
        out[1..3].copy_from_slice(&biased.to_be_bytes());
        let scaled = self.coeff * 10u128.pow((MAX_DIGITS - self.n_digits()) as u32);
        out[3..19].copy_from_slice(&scaled.to_be_bytes());
        if self.neg {
            for b in &mut out[1..] {
                *b = !*b;
            }
        }
        out
    }

    /// Inverse of [`Number::sortable_bytes`].
    pub fn from_sortable_bytes(bytes: &[u8]) -> Option<Number> {
        if bytes.len() != 19 {
            return None;
        }
        match bytes[0] {
            1 => return Some(Number::ZERO),
            0 | 2 => {}
            _ => return None,
        }
        let neg = bytes[0] == 0;
        let mut buf = [0u8; 19];
        buf.copy_from_slice(bytes);
        if neg {
            for b in &mut buf[1..] {
                *b = !*b;
            }
        }
        let adjusted = i32::from(u16::from_be_bytes([buf[1], buf[2]])) - 1000;
        let mut scaled = u128::from_be_bytes(buf[3..19].try_into().ok()?);
        let mut exp = adjusted - (MAX_DIGITS as i32 - 1);
        while scaled != 0 && scaled % 10 == 0 {
            scaled /= 10;
            exp += 1;
        }
        Some(Number {
            neg,
            coeff: scaled,
            exp,
        })
    }

    /// Lossy conversion, for metrics and arithmetic outside the data path.
    pub fn to_f64(&self) -> f64 {
        self.to_string().parse().unwrap_or(0.0)
    }
}

fn add_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0; a.len()];
    let mut carry = 0;
    for i in (0..a.len()).rev() {
        let s = a[i] + b[i] + carry;
        out[i] = s % 10;
        carry = s / 10;
    }
    out
}

fn sub_digits(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = vec![0; a.len()];
    let mut borrow = 0i8;
    for i in (0..a.len()).rev() {
        let mut d = a[i] as i8 - b[i] as i8 - borrow;
        borrow = 0;
        if d < 0 {
            d += 10;
            borrow = 1;
        }
        out[i] = d as u8;
    }
    out
}

fn cmp_digits(a: &[u8], b: &[u8]) -> Ordering {
    a.cmp(b)
}

impl Ord for Number {
    fn cmp(&self, other: &Number) -> Ordering {
        self.sortable_bytes().cmp(&other.sortable_bytes())
    }
}

impl PartialOrd for Number {
    fn partial_cmp(&self, other: &Number) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Plain notation without exponent, as DynamoDB returns numbers.
impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_zero() {
            return f.write_str("0");
        }
        let digits = self.coeff.to_string();
        let mut out = String::with_capacity(digits.len() + 8);
        if self.neg {
            out.push('-');
        }
        if self.exp >= 0 {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', self.exp as usize));
        } else {
            let frac = (-self.exp) as usize;
            if frac >= digits.len() {
                out.push_str("0.");
                out.extend(std::iter::repeat_n('0', frac - digits.len()));
                out.push_str(&digits);
            } else {
                let split = digits.len() - frac;
                out.push_str(&digits[..split]);
                out.push('.');
                out.push_str(&digits[split..]);
            }
        }
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    #[test]
    fn canonical_text() {
        let cases = [
            ("1.50", "1.5"),
            ("1e3", "1000"),
            ("-0", "0"),
            ("0.000", "0"),
            ("+12", "12"),
            ("0.0001", "0.0001"),
            ("-12.340e-2", "-0.1234"),
            (".5", "0.5"),
            ("5.", "5"),
            ("1E+2", "100"),
        ];
        for (input, want) in cases {
            assert_eq!(n(input).to_string(), want, "{input}");
        }
    }

    #[test]
    fn rejects_bad_numbers() {
        assert_eq!(Number::parse(""), Err(NumberError::Invalid));
        assert_eq!(Number::parse("abc"), Err(NumberError::Invalid));
        assert_eq!(Number::parse("1e"), Err(NumberError::Invalid));
        assert_eq!(Number::parse("1.2.3"), Err(NumberError::Invalid));
        assert_eq!(Number::parse(" 1"), Err(NumberError::Invalid));
        assert_eq!(Number::parse("1e126"), Err(NumberError::Overflow));
        assert_eq!(Number::parse("1e-131"), Err(NumberError::Underflow));
        assert!(Number::parse("9.9999999999999999999999999999999999999e125").is_ok());
        assert!(Number::parse("1e-130").is_ok());
        let too_many = "1".repeat(39);
        assert_eq!(Number::parse(&too_many), Err(NumberError::TooManyDigits));
        assert!(Number::parse(&"1".repeat(38)).is_ok());
        // Trailing zeros are not significant.
        assert!(Number::parse(&format!("{}000", "1".repeat(38))).is_ok());
    }

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!(n("0.1").add(&n("0.2")).unwrap(), n("0.3"));
        assert_eq!(n("5").sub(&n("7")).unwrap(), n("-2"));
        assert_eq!(n("-5").add(&n("5")).unwrap(), Number::ZERO);
        assert_eq!(n("99").add(&n("1")).unwrap(), n("100"));
        assert_eq!(n("1e100").add(&n("1")), Err(NumberError::TooManyDigits));
        assert_eq!(
            n("9.9999999999999999999999999999999999999e125").add(&n("1e125")),
            Err(NumberError::Overflow)
        );
    }

    #[test]
    fn ordering_matches_value() {
        let mut values: Vec<Number> = [
            "-100", "-1.5", "-1", "-0.001", "0", "0.001", "0.5", "1", "1.5", "10", "1e20",
        ]
        .iter()
        .map(|s| n(s))
        .collect();
        let sorted = values.clone();
        values.reverse();
        values.sort();
        assert_eq!(values, sorted);
        for v in &sorted {
            assert_eq!(
                &Number::from_sortable_bytes(&v.sortable_bytes()).unwrap(),
                v
            );
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(n("0").size_bytes(), 1);
        assert_eq!(n("1").size_bytes(), 2);
        assert_eq!(n("12").size_bytes(), 2);
        assert_eq!(n("123").size_bytes(), 3);
        assert_eq!(n("-1").size_bytes(), 3);
        assert_eq!(n("1.5").size_bytes(), 3);
        assert_eq!(n("100").size_bytes(), 2);
    }

    proptest::proptest! {
        #[test]
        fn add_matches_i128(a in -1_000_000_000_000i64..1_000_000_000_000, b in -1_000_000_000_000i64..1_000_000_000_000) {
            let sum = Number::from_i64(a).add(&Number::from_i64(b)).unwrap();
            proptest::prop_assert_eq!(sum.to_string(), (a as i128 + b as i128).to_string());
        }

        #[test]
        fn order_matches_i64(a: i64, b: i64) {
            proptest::prop_assert_eq!(Number::from_i64(a).cmp(&Number::from_i64(b)), a.cmp(&b));
        }

        #[test]
        fn text_round_trips(a: i64, scale in 0u32..20) {
            let text = format!("{}e-{}", a, scale);
            let parsed = n(&text);
            proptest::prop_assert_eq!(n(&parsed.to_string()), parsed);
        }
    }
}
