//! Arbitrary bytes through every reader (forced and sniffed), fed in two pieces and whole
//! (which must agree), then every query the explorer and `summary` make. Must never panic,
//! overflow or hang. The body is in `../harness.rs`, shared with `tests/fuzz_regressions.rs`.
#![no_main]

#[path = "../harness.rs"]
#[allow(dead_code)]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::lines(data));
