//! libFuzzer target: `dynolab_fuzz::partiql` (see docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dynolab_fuzz::partiql(data));
