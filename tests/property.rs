//! Properties: the tree does not depend on how the bytes arrive (whole, one byte at a time, or
//! appended in random pieces that split lines, UTF-8 sequences and `\r\n`), nor on `\r\n` versus
//! `\n` line ends, nor — for logs whose scopes are all paired — on the order the events are
//! applied in.

mod common;

use std::path::Path;

use trace_formats::Format;
use trace_ingest::{Batch, Decoder};
use trace_model::event::Event;
use trace_model::{NodeKind, Trace};
use trace_synth::{Rng, Target, generate};

use common::fingerprint;

/// Feeds `bytes` to a sniffing decoder in pieces ending at `cuts` (ascending), then finishes.
fn read_cut(bytes: &[u8], cuts: &[usize]) -> Trace {
    let mut t = Trace::new();
    t.add_file("p");
    let mut d = Decoder::new(0, Some("p".into()), None);
    let mut at = 0;
    for &c in cuts.iter().chain([&bytes.len()]) {
        if c > at {
            d.feed(&bytes[at..c], &mut t);
            at = c;
        }
    }
    d.finish(&mut t);
    t.settle();
    t
}

/// Positions inside a multi-byte UTF-8 sequence or between `\r` and `\n`.
fn awkward_cuts(bytes: &[u8]) -> Vec<usize> {
    (1..bytes.len())
        .filter(|&i| {
            (bytes[i] & 0xC0 == 0x80 && bytes[i - 1] >= 0x80)
                || (bytes[i - 1] == b'\r' && bytes[i] == b'\n')
        })
        .collect()
}

fn lf_to_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 64);
    for &b in bytes {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

struct Input {
    name: String,
    bytes: Vec<u8>,
    /// Events the whole input must yield.
    events: Option<u64>,
}

fn inputs() -> Vec<Input> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for f in [
        common::ATOF,
        // The base file of harn session 01979f2a (its `-000001` part continues it).
        common::HARN_A,
        common::ATOF_ODD,
    ] {
        let bytes = std::fs::read(root.join(f)).unwrap();
        out.push(Input {
            name: f.to_owned(),
            bytes,
            events: None,
        });
    }
    // The generator writes `é` (two-byte UTF-8) into payloads.
    for (seed, events) in [(1, 300), (2, 1_000), (3, 2_000)] {
        let mut bytes = Vec::new();
        let expected = generate(seed, Target::Events(events), &mut bytes).unwrap();
        out.push(Input {
            name: format!("synth seed {seed}, {events} events"),
            bytes,
            events: Some(expected.events),
        });
    }
    // Two-, three- and four-byte UTF-8 in ids and names, and CRLF line ends.
    let mut crlf = Vec::new();
    for i in 0..50 {
        crlf.extend_from_slice(
            format!(
                "{{\"kind\":\"scope\",\"atof_version\":\"0.1\",\"uuid\":\"ü{i}\",\"timestamp\":{i},\"name\":\"naïve 🚀 € {i}\",\"scope_category\":\"start\",\"category\":\"tool\"}}\r\n"
            )
            .as_bytes(),
        );
    }
    out.push(Input {
        name: "utf-8 + crlf".to_owned(),
        bytes: crlf,
        events: Some(50),
    });
    out
}

#[test]
fn the_tree_is_the_same_whole_or_in_random_pieces() {
    let mut rng = Rng::new(0x5eed_1234_abcd);
    let mut splittings = 0;
    for input in inputs() {
        let Input {
            name,
            bytes,
            events,
        } = input;
        let whole = read_cut(&bytes, &[]);
        assert!(whole.events > 0, "{name}: nothing read");
        if let Some(n) = events {
            assert_eq!((whole.events, whole.skipped), (n, 0), "{name}");
        }
        let expect = fingerprint(&whole);

        // The same lines with `\r\n` ends read the same (line numbers included).
        let crlf = if bytes.contains(&b'\r') {
            None
        } else {
            let c = lf_to_crlf(&bytes);
            assert_eq!(fingerprint(&read_cut(&c, &[])), expect, "{name}: CRLF");
            Some(c)
        };

        for variant in [Some(&bytes), crlf.as_ref()].into_iter().flatten() {
            let awkward = awkward_cuts(variant);
            // Every input here has CRLF ends or multi-byte UTF-8 in at least one variant.
            if variant.contains(&b'\r') || variant.iter().any(|&b| b >= 0x80) {
                assert!(!awkward.is_empty(), "{name}: no awkward split point");
            }
            // Cut at every awkward position at once.
            let t = read_cut(variant, &awkward);
            assert_eq!(
                fingerprint(&t),
                expect,
                "{name}: cut at every awkward position"
            );
            splittings += 1;
            // One byte at a time (the small inputs).
            if variant.len() <= 64 * 1024 {
                let every: Vec<usize> = (1..variant.len()).collect();
                assert_eq!(
                    fingerprint(&read_cut(variant, &every)),
                    expect,
                    "{name}: bytewise"
                );
                splittings += 1;
            }
            // Fewer rounds for the megabyte inputs keep the test fast in debug builds.
            let rounds = if variant.len() > 256 * 1024 { 6 } else { 20 };
            for round in 0..rounds {
                // Mostly small pieces (1–64 bytes), sometimes up to 4 KiB; a third of the
                // rounds also cut at a random handful of the awkward positions.
                let max = if round % 4 == 0 { 4096 } else { 64 };
                let mut cuts = Vec::new();
                let mut at = 0;
                loop {
                    at += 1 + rng.below(max as u64) as usize;
                    if at >= variant.len() {
                        break;
                    }
                    cuts.push(at);
                }
                if round % 3 == 0 && !awkward.is_empty() {
                    for _ in 0..16 {
                        cuts.push(awkward[rng.below(awkward.len() as u64) as usize]);
                    }
                    cuts.sort_unstable();
                    cuts.dedup();
                }
                let t = read_cut(variant, &cuts);
                assert_eq!(fingerprint(&t), expect, "{name}, round {round}");
                splittings += 1;
            }
        }
    }
    eprintln!("{splittings} splittings");
    assert!(splittings >= 200, "{splittings} splittings");
}

/// Parses an ATOF log once into owned events.
fn events_of(bytes: &[u8]) -> Vec<Event<'static>> {
    let mut batch = Batch::default();
    let mut d = Decoder::new(0, None, Some(Format::Atof));
    d.feed(bytes, &mut batch);
    d.finish(&mut batch);
    assert!(batch.skips.is_empty(), "{:?}", batch.skips);
    batch.events
}

type RunFigures = (
    String,
    u64,
    u64,
    u64,
    u64,
    u64,
    u64,
    trace_model::stats::TokenSum,
    trace_model::stats::RunStatus,
    Option<i64>,
    Option<i64>,
    Vec<(String, u64, u64)>,
);

/// Per-run figures keyed by the root's id (run order itself is arrival order).
fn figures(events: &[Event<'static>]) -> (Vec<RunFigures>, Trace) {
    let mut t = Trace::new();
    for e in events {
        t.apply(e);
    }
    t.settle();
    let mut runs: Vec<RunFigures> = t
        .runs()
        .map(|r| {
            let s = t.run_stats(r);
            let by_model = s
                .by_model
                .iter()
                .map(|(m, ms)| (m.clone(), ms.calls, ms.tokens.total))
                .collect();
            (
                t.ext_id(r).into_owned(),
                s.scopes,
                s.marks,
                s.llm_calls,
                s.tool_calls,
                s.errors,
                s.open_scopes,
                s.tokens,
                s.status(),
                s.start_us,
                s.end_us,
                by_model,
            )
        })
        .collect();
    runs.sort_by(|a, b| a.0.cmp(&b.0));
    (runs, t)
}

#[test]
fn paired_logs_give_the_same_runs_in_any_event_order() {
    // Only logs in which every scope has both its start and its end and no id is reused: with
    // a duplicate id, which scope an end closes (and so which node a child hangs under) depends
    // on arrival order by design — the model keeps the first pairing and warns (ARCHITECTURE.md,
    // "The accumulator") — and an unpaired scope's figures change with whether its end or a
    // later start arrived first. Sibling order and run order are arrival-ordered among equal
    // times, so the dump is not compared, only per-run figures keyed by the root's id.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut logs: Vec<(String, Vec<u8>)> = [common::DIFF_A, common::DIFF_B]
        .iter()
        .map(|f| ((*f).to_owned(), std::fs::read(root.join(f)).unwrap()))
        .collect();
    for (seed, events) in [(4, 800), (5, 800), (6, 300)] {
        let mut bytes = Vec::new();
        generate(seed, Target::Events(events), &mut bytes).unwrap();
        logs.push((format!("synth seed {seed}"), bytes));
    }
    let mut rng = Rng::new(77);
    for (name, bytes) in logs {
        let events = events_of(&bytes);
        let (expect, t) = figures(&events);
        // The precondition, checked: all scopes paired, no duplicate ids or cycles.
        assert!(!expect.is_empty(), "{name}");
        assert_eq!(t.warnings_count, 0, "{name}: {:?}", t.warnings());
        assert!(
            t.node_ids()
                .map(|i| t.node(i))
                .filter(|n| n.kind == NodeKind::Scope)
                .all(|n| n.has_start() && n.has_end() && !n.placeholder()),
            "{name}: an unpaired scope"
        );
        for round in 0..10 {
            let mut shuffled = events.clone();
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, rng.below(i as u64 + 1) as usize);
            }
            let (got, _) = figures(&shuffled);
            assert_eq!(got, expect, "{name}, shuffle {round}");
        }
        // Reversed: every child before its parent, every end before its start.
        let mut reversed = events.clone();
        reversed.reverse();
        assert_eq!(figures(&reversed).0, expect, "{name}, reversed");
    }
}
