//! The `cbor` target: the Smithy RPC v2 CBOR bodies `dynolab serve` reads for CloudWatch
//! (`dynolab_server::cbor`), decoded to JSON and encoded back.

use dynolab_server::cbor::{from_json, to_json};

/// Decodes the bytes as a CBOR body; what decodes must encode to a body that decodes again,
/// and a second round trip must change nothing (the first may: every number that is not a
/// timestamp or an integer member becomes a double).
pub fn cbor(data: &[u8]) {
    let Ok(value) = to_json(data) else {
        return;
    };
    let once = from_json(&value);
    let again = match to_json(&once) {
        Ok(v) => v,
        Err(e) => panic!("an encoded answer does not decode: {e:?}"),
    };
    assert_eq!(
        from_json(&again),
        once,
        "a second round trip changed the body"
    );
}
