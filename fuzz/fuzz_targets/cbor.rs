//! libFuzzer target: `dynolab_fuzz::cbor` (see docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dynolab_fuzz::cbor(data));
