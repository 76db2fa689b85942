//! The Smithy RPC v2 CBOR protocol, as the AWS SDK for Rust speaks it to CloudWatch
//! (`POST /service/GraniteServiceVersion20100801/operation/GetMetricData`, `Content-Type:
//! application/cbor`, `smithy-protocol: rpc-v2-cbor`). The body is converted to the JSON the
//! JSON 1.0 protocol carries, so one implementation (`dynolab_engine::cloudwatch`) answers
//! both; the answer is converted back.
//!
//! Decoding and encoding are minicbor's (the codec the AWS SDK's own CBOR support uses); this
//! module only maps its data items onto JSON values: integers, floats (half, single, double),
//! strings, byte strings, lists, maps, booleans, null and tags (tag 1, timestamps as epoch
//! seconds, reads as its number). Definite and indefinite lengths are both accepted, nesting is
//! bounded, and nothing is allocated from a declared length: malformed bytes are an error.

use std::convert::Infallible;

use minicbor::data::{IanaTag, Type};
use minicbor::{Decoder, Encoder};
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

impl From<minicbor::decode::Error> for CborError {
    fn from(e: minicbor::decode::Error) -> CborError {
        CborError(e.to_string())
    }
}

fn fail<T>(message: &str) -> Result<T, CborError> {
    Err(CborError(message.to_string()))
}

fn float(x: f64) -> Value {
    Number::from_f64(x).map_or(Value::Null, Value::Number)
}

/// A definite length, or `None` for an indefinite one (ended by a break).
fn remaining(len: Option<u64>, d: &mut Decoder<'_>) -> Result<bool, CborError> {
    Ok(match len {
        Some(n) => n > 0,
        None => {
            if d.datatype()? == Type::Break {
                d.skip()?;
                false
            } else {
                true
            }
        }
    })
}

fn value(d: &mut Decoder<'_>, depth: usize) -> Result<Value, CborError> {
    if depth > MAX_DEPTH {
        return fail("nested too deeply");
    }
    Ok(match d.datatype()? {
        Type::Bool => Value::Bool(d.bool()?),
        Type::Null | Type::Undefined => {
            d.skip()?;
            Value::Null
        }
        Type::U8 | Type::U16 | Type::U32 | Type::U64 => Value::from(d.u64()?),
        Type::I8 | Type::I16 | Type::I32 | Type::I64 => Value::from(d.i64()?),
        Type::Int => {
            let n = d.int()?;
            match i64::try_from(n) {
                Ok(i) => Value::from(i),
                Err(_) => float(i128::from(n) as f64),
            }
        }
        Type::F16 => float(f64::from(d.f16()?)),
        Type::F32 => float(f64::from(d.f32()?)),
        Type::F64 => float(d.f64()?),
        Type::String => Value::String(d.str()?.to_string()),
        Type::StringIndef => {
            let mut s = String::new();
            for chunk in d.str_iter()? {
                s.push_str(chunk?);
            }
            Value::String(s)
        }
        // Blobs do not occur in CloudWatch's input shapes; keep them as their bytes' text.
        Type::Bytes => Value::String(String::from_utf8_lossy(d.bytes()?).into_owned()),
        Type::BytesIndef => {
            let mut b = Vec::new();
            for chunk in d.bytes_iter()? {
                b.extend_from_slice(chunk?);
            }
            Value::String(String::from_utf8_lossy(&b).into_owned())
        }
        Type::Array | Type::ArrayIndef => {
            let mut len = d.array()?;
            let mut items = Vec::new();
            while remaining(len, d)? {
                items.push(value(d, depth + 1)?);
                len = len.map(|n| n - 1);
            }
            Value::Array(items)
        }
        Type::Map | Type::MapIndef => {
            let mut len = d.map()?;
            let mut map = Map::new();
            while remaining(len, d)? {
                let key = match value(d, depth + 1)? {
                    Value::String(k) => k,
                    _ => return fail("a map key that is not a string"),
                };
                map.insert(key, value(d, depth + 1)?);
                len = len.map(|n| n - 1);
            }
            Value::Object(map)
        }
        // Tag 1 (epoch seconds) and any other tag: the tagged value itself.
        Type::Tag => {
            d.tag()?;
            value(d, depth + 1)?
        }
        Type::Simple | Type::Break | Type::Unknown(_) => return fail("an unexpected data item"),
    })
}

/// A CBOR body as the JSON value the JSON protocols would carry (an empty body is `{}`).
pub fn to_json(bytes: &[u8]) -> Result<Value, CborError> {
    if bytes.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let mut d = Decoder::new(bytes);
    let value = value(&mut d, 0)?;
    if d.position() != bytes.len() {
        return fail("bytes after the value");
    }
    Ok(value)
}

type Written = Result<(), minicbor::encode::Error<Infallible>>;

fn encode(e: &mut Encoder<Vec<u8>>, value: &Value, key: &str) -> Written {
    match value {
        Value::Null => e.null()?,
        Value::Bool(b) => e.bool(*b)?,
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or_default();
            if TIMESTAMP_KEYS.contains(&key) {
                e.tag(IanaTag::Timestamp)?.f64(x)?
            } else if INTEGER_KEYS.contains(&key) {
                match (n.as_u64(), n.as_i64()) {
                    (Some(u), _) => e.u64(u)?,
                    (None, Some(i)) => e.i64(i)?,
                    _ => e.u64(x.max(0.0) as u64)?,
                }
            } else {
                e.f64(x)?
            }
        }
        Value::String(s) => e.str(s)?,
        Value::Array(items) => {
            e.array(items.len() as u64)?;
            for item in items {
                encode(e, item, key)?;
            }
            e
        }
        Value::Object(map) => {
            e.map(map.len() as u64)?;
            for (k, v) in map {
                e.str(k)?;
                encode(e, v, k)?;
            }
            e
        }
    };
    Ok(())
}

/// A JSON answer as CBOR: timestamps (`Timestamp`, `Timestamps`, …) as tag 1 with a double,
/// `long` members as integers, every other number as a double.
pub fn from_json(value: &Value) -> Vec<u8> {
    let mut e = Encoder::new(Vec::new());
    // Writing to a Vec cannot fail (its error type is `Infallible`).
    let _: Written = encode(&mut e, value, "");
    e.into_writer()
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
