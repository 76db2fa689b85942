//! libFuzzer target: `dynolab_fuzz::expression` (see docs/fuzzing.md).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| dynolab_fuzz::expression(data));
