//! The fuzz targets' bodies, shared by `fuzz_targets/*.rs` (through `#[path]`) and by
//! `tests/fuzz_regressions.rs`, so a crash file replays through exactly the code that found it.
//!
//! Both targets must never panic, overflow (the fuzz build has debug assertions) or hang. Besides
//! "no panic" they check a few documented invariants, each of which names the rule it checks.

use std::borrow::Cow;

use trace_formats::Format;
use trace_ingest::Decoder;
use trace_model::event::{Category, Event, EventKind, Failure, Tokens};
use trace_model::filter::Filter;
use trace_model::query::{Timeline, latency_by};
use trace_model::{NodeId, NodeKind, Trace};

/// Arbitrary bytes through every reader, forced and sniffed, fed in two pieces split at a
/// position taken from the first byte; the result must equal feeding the bytes whole. Then the
/// greentic document path, then every query the explorer and `summary` make.
pub fn lines(data: &[u8]) {
    let split = data
        .first()
        .map_or(0, |&b| usize::from(b) % (data.len() + 1));
    let formats = std::iter::once(None).chain(Format::all().map(Some));
    for format in formats {
        let mut pieces = decode(data, format, Some(split));
        let whole = decode(data, format, None);
        // The decoder holds a partial line until its newline: how bytes arrive cannot matter.
        assert_eq!(
            fingerprint(&pieces),
            fingerprint(&whole),
            "{format:?}: split at {split} differs from whole"
        );
        exercise(&mut pieces, &format.into_iter().collect::<Vec<_>>());
        filter(&pieces, data);
    }
    let mut doc = Trace::new();
    doc.add_file("fuzz");
    let mtime = i64::from(data.get(1).copied().unwrap_or(0)) << 56;
    Decoder::new(0, None, Some(Format::Greentic)).document(data, Some(mtime), &mut doc);
    exercise(&mut doc, &[Format::Greentic]);
}

fn decode(data: &[u8], format: Option<Format>, split: Option<usize>) -> Trace {
    let mut trace = Trace::new();
    trace.add_file("fuzz");
    let mut d = Decoder::new(0, Some("fuzz".into()), format);
    match split {
        Some(at) => {
            d.feed(&data[..at], &mut trace);
            d.feed(&data[at..], &mut trace);
        }
        None => d.feed(data, &mut trace),
    }
    d.finish(&mut trace);
    trace.settle();
    trace
}

type Fingerprint = (
    String,
    u64,
    u64,
    Vec<trace_model::Diagnostic>,
    u64,
    Vec<trace_model::Diagnostic>,
);

fn fingerprint(t: &Trace) -> Fingerprint {
    (
        t.dump(),
        t.events,
        t.skipped,
        t.diagnostics().to_vec(),
        t.warnings_count,
        t.warnings().to_vec(),
    )
}

/// The first line of the input, as a filter expression, over the trace.
fn filter(trace: &Trace, data: &[u8]) {
    let first = data.split(|&b| b == b'\n').next().unwrap_or_default();
    let text = String::from_utf8_lossy(&first[..first.len().min(512)]);
    if let Ok(f) = Filter::parse(&text) {
        let _ = f.to_string();
        for r in trace.runs() {
            let _ = f.matches_run(trace, r);
        }
        for id in trace.node_ids() {
            let _ = f.matches_node(trace, id);
        }
    }
}

const IDS: [&str; 9] = ["a", "b", "c", "d", "e", "f", "g", "h", ""];
const NAMES: [&str; 8] = [
    "n",
    "",
    "llm.chunk",
    "Bash",
    "esc\u{1b}[31m\u{9b}",
    "é🚀",
    "\u{202e}bidi",
    "web_search",
];

fn time(b: u8, c: u8) -> Option<i64> {
    match b {
        0xFF => None,
        0xFE => Some(i64::MIN),
        0xFD => Some(i64::MAX),
        0xFC => Some(trace_model::MAX_ABS_TIME_US + i64::from(c) - 128),
        0xFB => Some(-trace_model::MAX_ABS_TIME_US + i64::from(c) - 128),
        _ => Some(i64::from(i16::from_le_bytes([b, c])) * 1000),
    }
}

fn tokens(x: u8) -> Option<u64> {
    match x {
        0 => None,
        255 => Some(u64::MAX),
        254 => Some(u64::MAX - 1),
        x => Some(u64::from(x)),
    }
}

/// One event from 8 bytes. Tiny id alphabets (8 ids plus the empty one) make duplicates,
/// cycles, self-parents, ends before starts and children before parents frequent.
fn event(c: &[u8]) -> Event<'static> {
    let kind = match c[0] & 3 {
        0 => EventKind::Start,
        1 => EventKind::End,
        _ => EventKind::Mark,
    };
    let mut e = Event::new(
        kind,
        Cow::Borrowed(IDS[usize::from(c[1] % 9)]),
        Cow::Borrowed(NAMES[usize::from((c[0] >> 2) & 7)]),
    );
    e.parent = (c[2] % 10 < 9).then(|| Cow::Borrowed(IDS[usize::from(c[2] % 10)]));
    e.ts_us = time(c[3], c[4]);
    e.category = match c[5] % 6 {
        0 => None,
        1 => Some(Category::Llm),
        2 => Some(Category::Tool),
        3 => Some(Category::Agent),
        4 => Some(Category::Function),
        _ => Some(Category::Other("x".into())),
    };
    if c[6] & 1 == 1 {
        e.tokens = Some(Tokens {
            input: tokens(c[6]),
            output: tokens(c[7]),
            total: tokens(c[6] ^ c[7]),
            cache_read: tokens(c[7]),
            cache_write: tokens(c[4]),
            cache_write_1h: tokens(c[5]),
            reasoning: tokens(c[3]),
        });
    }
    if c[6] & 2 == 2 {
        e.failure = Failure::Error(Cow::Borrowed("boom"));
    }
    e.container = c[7] & 1 == 1;
    e.duration_us = (c[7] & 2 == 2).then(|| time(c[4], c[3]).unwrap_or(i64::MAX));
    e.model = match (c[5] >> 3) & 3 {
        0 => None,
        1 => Some(Cow::Borrowed("m")),
        2 => Some(Cow::Borrowed("M2")),
        _ => Some(Cow::Borrowed("")),
    };
    e.model_is_fallback = c[5] & 0x20 != 0;
    e.tool_call_id = (c[0] & 0x20 != 0).then_some(Cow::Borrowed("call_1"));
    e.src.line = u64::from(c[1]);
    e
}

/// A stream of synthetic events (8 bytes each) applied to a trace; an opcode byte with its low
/// two bits set settles (as the explorer does between batches) and records a skipped line.
pub fn accumulator(data: &[u8]) {
    let mut trace = Trace::new();
    trace.add_file("fuzz");
    for c in data.chunks_exact(8) {
        if c[0] & 3 == 3 {
            trace.settle();
            check_order(&trace);
            trace.skip(0, u64::from(c[1]), "skipped");
            continue;
        }
        trace.apply(&event(c));
    }
    exercise(&mut trace, &[]);
}

/// Settles, then everything the explorer and `summary` ask of a trace, with invariants.
pub fn exercise(trace: &mut Trace, formats: &[Format]) {
    trace.settle();
    check_order(trace);
    let _ = trace.dump();
    let runs: Vec<NodeId> = trace.runs().collect();
    for &r in &runs {
        let s = trace.run_stats(r);
        assert!(s.llm_calls + s.tool_calls <= s.scopes, "{s:?}");
        let cp = trace.critical_path(r);
        assert!(cp.steps.iter().all(|st| st.self_us >= 0), "{cp:?}");
        assert_eq!(
            cp.length_us,
            cp.steps.iter().map(|st| st.self_us).sum::<i64>()
        );
        for (lo, hi) in trace.idle_gaps(r, 0) {
            assert!(lo < hi, "empty idle gap");
        }
        let _ = trace.context_growth(r);
        let tl = Timeline::build(trace, r);
        let _ = tl.span(trace);
        for t in [i64::MIN, 0, i64::MAX] {
            let _ = tl.cursor_at_time(trace, t);
        }
        let times: Vec<i64> = (0..tl.len())
            .filter_map(|i| tl.edge(trace, i))
            .map(|e| e.t)
            .collect();
        assert_eq!(times.len(), tl.len());
        assert!(times.is_sorted(), "time axis out of order");
        for id in trace.preorder(r).into_iter().take(64) {
            let _ = tl.first_edge(id);
            for cursor in [0, tl.len() / 2, tl.len()] {
                let _ = tl.phase_at(id, cursor);
            }
        }
    }
    // Run diff of the first run against each run (itself included).
    if let Some(&first) = runs.first() {
        for &r in runs.iter().take(8) {
            let _ = trace_model::diff::diff_runs(trace, first, trace, r);
        }
    }
    for id in trace.node_ids() {
        let root = trace.root_of(id);
        let path = trace.path_to(id);
        assert_eq!(path.first(), Some(&root));
        assert_eq!(path.last(), Some(&id));
        if let Some(st) = trace.self_time_us(id) {
            assert!(st >= 0, "self time {st} of node {id}");
        }
    }
    let _ = trace.exemplars();
    let _ = latency_by(trace, trace.node_ids(), |n| n.model().map(|m| trace.str(m)));
    let _ = trace_report::summary::summary_json(trace, formats);
    let mut out = Vec::new();
    trace_report::summary::write_summary_json(&mut out, trace, formats, true).unwrap();
    trace_report::summary::write_summary_json(&mut out, trace, formats, false).unwrap();
    trace_report::summary::write_text(&mut out, trace, formats, false).unwrap();
    let _ = trace_report::summary::diagnostics_text(trace, 10);
}

/// ARCHITECTURE.md, "The accumulator": children are kept in time order (start, else end;
/// unknown last; ties by arrival) once the trace is settled. `FUZZ_NO_ORDER_CHECK=1` turns the
/// check off, so a campaign can look past a known ordering bug for other ones.
fn check_order(trace: &Trace) {
    static OFF: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *OFF.get_or_init(|| std::env::var_os("FUZZ_NO_ORDER_CHECK").is_some_and(|v| v == "1")) {
        return;
    }
    let key = |c: NodeId| {
        let n = trace.node(c);
        (n.sort_time().unwrap_or(i64::MAX), c)
    };
    for p in trace.node_ids() {
        let n = trace.node(p);
        if n.kind == NodeKind::Mark {
            continue;
        }
        let kids: Vec<NodeId> = trace.children(p as NodeId).collect();
        for w in kids.windows(2) {
            assert!(
                key(w[0]) <= key(w[1]),
                "children of node {p} out of time order after settle: {:?} then {:?}",
                key(w[0]),
                key(w[1])
            );
        }
    }
}
