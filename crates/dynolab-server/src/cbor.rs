//! The Smithy RPC v2 CBOR protocol, as the AWS SDK for Rust speaks it to CloudWatch
//! (`POST /service/GraniteServiceVersion20100801/operation/GetMetricData`, `Content-Type:
//! application/cbor`, `smithy-protocol: rpc-v2-cbor`). The body is converted to the JSON the
//! JSON 1.0 protocol carries, so one implementation (`dynolab_engine::cloudwatch`) answers
//! both; the answer is converted back.
//!
//! Only what CloudWatch's shapes use is read: integers, floats, strings, byte strings, lists,
//! maps, booleans, null and tag 1 (timestamps, as epoch seconds). Definite and indefinite
//! lengths are both accepted. Nothing here panics on any input: malformed bytes are an error.

use serde_json::{Map, Number, Value};

/// The path prefix of CloudWatch's RPC v2 CBOR operations.
pub const CLOUDWATCH_PATH: &str = "/service/GraniteServiceVersion20100801/operation/";

/// Deeper nesting than any CloudWatch request has is refused (and keeps the stack bounded).
const MAX_DEPTH: usize = 32;

/// Members that are timestamps in CloudWatch's output shapes (written as tag 1).
const TIMESTAMP_KEYS: &[&str] = &["Timestamp", "Timestamps", "StartTime", "EndTime"];
/// Members that are integers (`long`/`integer`) in CloudWatch's output shapes; every other
/// number is written as a double.
const INTEGER_KEYS: &[&str] = &["ApproximateUniqueCount", "MaxContributorCount"];

/// Why a body is not CBOR this decoder reads.
#[derive(Debug, PartialEq, Eq)]
pub struct CborError(pub String);

fn fail<T>(message: &str) -> Result<T, CborError> {
    Err(CborError(message.to_string()))
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

enum Item {
    Value(Value),
    Break,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, CborError> {
        let b = *self
            .bytes
            .get(self.at)
            .ok_or(CborError("truncated".into()))?;
        self.at += 1;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&[u8], CborError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or(CborError("truncated".into()))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    /// The argument of a head with additional information `info` (`None`: indefinite).
    fn argument(&mut self, info: u8) -> Result<Option<u64>, CborError> {
        Ok(Some(match info {
            0..=23 => u64::from(info),
            24 => u64::from(self.byte()?),
            25 => {
                let b = self.take(2)?;
                u64::from(u16::from_be_bytes([b[0], b[1]]))
            }
            26 => {
                let b = self.take(4)?;
                u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            }
            27 => {
                let b = self.take(8)?;
                u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
            }
            31 => return Ok(None),
            _ => return fail("reserved additional information"),
        }))
    }

    fn length(&mut self, info: u8) -> Result<Option<usize>, CborError> {
        match self.argument(info)? {
            None => Ok(None),
            // Every element takes at least a byte: a longer count than bytes left is a lie.
            Some(n) if n <= (self.bytes.len() - self.at) as u64 => Ok(Some(n as usize)),
            Some(_) => fail("a length past the end of the body"),
        }
    }

    fn text(&mut self, info: u8, depth: usize) -> Result<String, CborError> {
        match self.length(info)? {
            Some(n) => String::from_utf8(self.take(n)?.to_vec())
                .map_err(|_| CborError("a text string that is not UTF-8".into())),
            None => {
                let mut out = String::new();
                loop {
                    match self.item(depth + 1)? {
                        Item::Break => return Ok(out),
                        Item::Value(Value::String(s)) => out.push_str(&s),
                        Item::Value(_) => return fail("a chunk of another type in a string"),
                    }
                }
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, CborError> {
        match self.item(depth)? {
            Item::Value(v) => Ok(v),
            Item::Break => fail("an unexpected break"),
        }
    }

    fn item(&mut self, depth: usize) -> Result<Item, CborError> {
        if depth > MAX_DEPTH {
            return fail("nested too deeply");
        }
        let head = self.byte()?;
        let (major, info) = (head >> 5, head & 0x1f);
        let value = match major {
            0 => match self.argument(info)? {
                Some(n) => Value::Number(n.into()),
                None => return fail("an indefinite integer"),
            },
            1 => match self.argument(info)? {
                Some(n) => match i64::try_from(n) {
                    Ok(n) => Value::Number((-1 - n).into()),
                    Err(_) => return fail("a negative integer out of range"),
                },
                None => return fail("an indefinite integer"),
            },
            // Byte strings (blobs): their bytes as text, lossily; CloudWatch's reads use none.
            2 => match self.length(info)? {
                Some(n) => Value::String(String::from_utf8_lossy(self.take(n)?).into_owned()),
                None => {
                    let mut out = Vec::new();
                    loop {
                        let h = self.byte()?;
                        if h == 0xff {
                            break;
                        }
                        if h >> 5 != 2 {
                            return fail("a chunk of another type in a byte string");
                        }
                        match self.length(h & 0x1f)? {
                            Some(n) => out.extend_from_slice(self.take(n)?),
                            None => return fail("a nested indefinite byte string"),
                        }
                    }
                    Value::String(String::from_utf8_lossy(&out).into_owned())
                }
            },
            3 => Value::String(self.text(info, depth)?),
            4 => {
                let mut out = Vec::new();
                match self.length(info)? {
                    Some(n) => {
                        for _ in 0..n {
                            out.push(self.value(depth + 1)?);
                        }
                    }
                    None => loop {
                        match self.item(depth + 1)? {
                            Item::Break => break,
                            Item::Value(v) => out.push(v),
                        }
                    },
                }
                Value::Array(out)
            }
            5 => {
                let mut out = Map::new();
                let len = self.length(info)?;
                let mut read = 0usize;
                loop {
                    if len.is_some_and(|n| read >= n) {
                        break;
                    }
                    let key = match self.item(depth + 1)? {
                        Item::Break if len.is_none() => break,
                        Item::Value(Value::String(k)) => k,
                        _ => return fail("a map key that is not a string"),
                    };
                    let value = self.value(depth + 1)?;
                    out.insert(key, value);
                    read += 1;
                }
                Value::Object(out)
            }
            // Tags: the tagged value itself (tag 1, a timestamp, is epoch seconds already).
            6 => {
                if self.argument(info)?.is_none() {
                    return fail("an indefinite tag");
                }
                self.value(depth + 1)?
            }
            _ => match info {
                20 => Value::Bool(false),
                21 => Value::Bool(true),
                22 | 23 => Value::Null,
                25 => {
                    let b = self.take(2)?;
                    float(f16_to_f64(u16::from_be_bytes([b[0], b[1]])))
                }
                26 => {
                    let b = self.take(4)?;
                    float(f64::from(f32::from_be_bytes([b[0], b[1], b[2], b[3]])))
                }
                27 => {
                    let b = self.take(8)?;
                    float(f64::from_be_bytes([
                        b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
                    ]))
                }
                31 => return Ok(Item::Break),
                _ => return fail("an unsupported simple value"),
            },
        };
        Ok(Item::Value(value))
    }
}

fn float(x: f64) -> Value {
    Number::from_f64(x).map_or(Value::Null, Value::Number)
}

fn f16_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let frac = f64::from(h & 0x3ff);
    sign * match exp {
        0 => frac * 2f64.powi(-24),
        31 if frac == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        _ => (1.0 + frac / 1024.0) * 2f64.powi(exp - 15),
    }
}

/// A CBOR body as the JSON value the JSON protocols would carry (an empty body is `{}`).
pub fn to_json(bytes: &[u8]) -> Result<Value, CborError> {
    if bytes.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let mut reader = Reader { bytes, at: 0 };
    let value = reader.value(0)?;
    if reader.at != bytes.len() {
        return fail("bytes after the value");
    }
    Ok(value)
}

fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let major = major << 5;
    if n < 24 {
        out.push(major | n as u8);
    } else if n <= u64::from(u8::MAX) {
        out.extend([major | 24, n as u8]);
    } else if n <= u64::from(u16::MAX) {
        out.push(major | 25);
        out.extend((n as u16).to_be_bytes());
    } else if n <= u64::from(u32::MAX) {
        out.push(major | 26);
        out.extend((n as u32).to_be_bytes());
    } else {
        out.push(major | 27);
        out.extend(n.to_be_bytes());
    }
}

fn double(out: &mut Vec<u8>, x: f64) {
    out.push(0xfb);
    out.extend(x.to_be_bytes());
}

fn encode(out: &mut Vec<u8>, value: &Value, key: &str) {
    match value {
        Value::Null => out.push(0xf6),
        Value::Bool(false) => out.push(0xf4),
        Value::Bool(true) => out.push(0xf5),
        Value::Number(n) => {
            if TIMESTAMP_KEYS.contains(&key) {
                out.push(0xc1);
                double(out, n.as_f64().unwrap_or_default());
            } else if INTEGER_KEYS.contains(&key) {
                match (n.as_u64(), n.as_i64()) {
                    (Some(u), _) => head(out, 0, u),
                    (None, Some(i)) => head(out, 1, (-1 - i) as u64),
                    _ => head(out, 0, n.as_f64().unwrap_or_default().max(0.0) as u64),
                }
            } else {
                double(out, n.as_f64().unwrap_or_default());
            }
        }
        Value::String(s) => {
            head(out, 3, s.len() as u64);
            out.extend(s.as_bytes());
        }
        Value::Array(items) => {
            head(out, 4, items.len() as u64);
            for item in items {
                encode(out, item, key);
            }
        }
        Value::Object(map) => {
            head(out, 5, map.len() as u64);
            for (k, v) in map {
                head(out, 3, k.len() as u64);
                out.extend(k.as_bytes());
                encode(out, v, k);
            }
        }
    }
}

/// A JSON answer as CBOR: timestamps (`Timestamp`, `Timestamps`, …) as tag 1 with a double,
/// `long` members as integers, every other number as a double.
pub fn from_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode(&mut out, value, "");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_an_answer() {
        let answer = json!({
            "MetricDataResults": [{"Id": "a", "Timestamps": [60.0, 120.0], "Values": [1.0, 2.5]}],
            "ApproximateUniqueCount": 3,
            "Flag": true,
            "Nothing": null,
        });
        let bytes = from_json(&answer);
        let back = to_json(&bytes).unwrap();
        assert_eq!(
            back["MetricDataResults"][0]["Timestamps"],
            json!([60.0, 120.0])
        );
        assert_eq!(back["MetricDataResults"][0]["Values"], json!([1.0, 2.5]));
        assert_eq!(back["ApproximateUniqueCount"], json!(3));
        assert_eq!(back["Flag"], json!(true));
    }

    #[test]
    fn reads_indefinite_lengths_tags_and_halves() {
        // {_ "a": [_ 1, -2], "t": 1(1.5 as f16), "s": (_ "x", "y") }
        let bytes = [
            0xbf, 0x61, b'a', 0x9f, 0x01, 0x21, 0xff, 0x61, b't', 0xc1, 0xf9, 0x3e, 0x00, 0x61,
            b's', 0x7f, 0x61, b'x', 0x61, b'y', 0xff, 0xff,
        ];
        assert_eq!(
            to_json(&bytes).unwrap(),
            json!({"a": [1, -2], "t": 1.5, "s": "xy"})
        );
    }

    #[test]
    fn refuses_malformed_bodies() {
        for bad in [
            &[0xbf][..],
            &[0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            &[0xa1, 0x01, 0x02],
            &[0x01, 0x02],
            &[0xff],
            &[0x7f, 0x01, 0xff],
            &[0x1c],
        ] {
            assert!(to_json(bad).is_err(), "{bad:?}");
        }
        let deep: Vec<u8> = std::iter::repeat_n(0x81u8, 100).chain([0x01]).collect();
        assert!(to_json(&deep).is_err());
    }
}
