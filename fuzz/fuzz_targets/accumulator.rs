//! A stream of synthetic events built from arbitrary bytes, with tiny id alphabets so
//! duplicates, cycles, ends before starts and children before parents are frequent, and
//! extreme times and token counts. Must never panic, overflow or hang.
#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use trace_tui::event::{Category, Event, EventKind, Failure, Tokens};
use trace_tui::model::Trace;

const IDS: [&str; 8] = ["a", "b", "c", "d", "e", "f", "g", "h"];

fn time(b: u8, c: u8) -> Option<i64> {
    match b {
        0xFF => None,
        0xFE => Some(i64::MIN),
        0xFD => Some(i64::MAX),
        _ => Some(i64::from(i16::from_le_bytes([b, c])) * 1000),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut trace = Trace::new();
    for c in data.chunks_exact(8) {
        let kind = match c[0] % 3 {
            0 => EventKind::Start,
            1 => EventKind::End,
            _ => EventKind::Mark,
        };
        let mut e = Event::new(kind, Cow::Borrowed(IDS[usize::from(c[1] % 8)]), Cow::Borrowed("n"));
        e.parent = (c[2] % 9 < 8).then(|| Cow::Borrowed(IDS[usize::from(c[2] % 9)]));
        e.ts_us = time(c[3], c[4]);
        e.category = match c[5] % 4 {
            0 => None,
            1 => Some(Category::Llm),
            2 => Some(Category::Tool),
            _ => Some(Category::Agent),
        };
        let t = |x: u8| match x {
            0 => None,
            255 => Some(u64::MAX),
            x => Some(u64::from(x)),
        };
        if c[6] & 1 == 1 {
            e.tokens = Some(Tokens { input: t(c[6]), output: t(c[7]), total: t(c[6] ^ c[7]), cache_read: t(c[7]), cache_write: None });
        }
        if c[6] & 2 == 2 {
            e.failure = Failure::Error(Cow::Borrowed("boom"));
        }
        e.container = c[7] & 1 == 1;
        e.duration_us = (c[7] & 2 == 2).then(|| time(c[4], c[3]).unwrap_or(i64::MAX));
        e.model = (c[5] & 4 == 4).then_some(Cow::Borrowed("m"));
        trace.apply(&e);
    }
    trace.settle();
    let _ = trace.dump();
    let runs: Vec<_> = trace.runs().collect();
    for r in runs {
        let _ = trace.run_stats(r);
    }
    for id in 0..trace.nodes().len() as u32 {
        let _ = trace.root_of(id);
        let _ = trace.path_to(id);
    }
    let _ = trace_tui::summary::summary_json(&trace, &[]);
});
