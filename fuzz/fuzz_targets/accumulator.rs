//! A stream of synthetic events built from arbitrary bytes (8 per event), with tiny id
//! alphabets so duplicates, cycles, ends before starts and children before parents are
//! frequent, and extreme times and token counts. Must never panic, overflow or hang. The body
//! is in `../harness.rs`, shared with `tests/fuzz_regressions.rs`.
#![no_main]

#[path = "../harness.rs"]
#[allow(dead_code)]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::accumulator(data));
