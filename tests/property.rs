//! Properties: the tree does not depend on how the bytes arrive (whole, or appended in random
//! pieces that split lines, UTF-8 sequences and `\r\n`), nor — for logs whose scopes are all
//! paired — on the order the events are applied in.

use std::path::Path;

use trace_tui::formats::Format;
use trace_tui::ingest::{Batch, Decoder};
use trace_tui::model::Trace;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn read(bytes: &[u8], format: Option<Format>, pieces: &mut dyn FnMut(usize) -> usize) -> Trace {
    let mut t = Trace::new();
    t.add_file("p");
    let mut d = Decoder::new(0, Some("p".into()), format);
    let mut at = 0;
    while at < bytes.len() {
        let n = pieces(bytes.len() - at).clamp(1, bytes.len() - at);
        d.feed(&bytes[at..at + n], &mut t);
        at += n;
    }
    d.finish(&mut t);
    t.settle();
    t
}

fn inputs() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for f in [
        "assets/atof/agent-session.jsonl",
        "assets/harn/event_log-01979f2a-5a10-7c2e-9f41-0b7d3e6a8c55.jsonl",
        "tests/fixtures/atof-odd.jsonl",
    ] {
        out.push((f.to_owned(), std::fs::read(root.join(f)).unwrap()));
    }
    for seed in [1, 2, 3] {
        let mut b = Vec::new();
        trace_tui::synth::generate(seed, trace_tui::synth::Target::Events(600), &mut b).unwrap();
        out.push((format!("synth seed {seed}"), b));
    }
    // Multi-byte UTF-8 and CRLF line ends, so splits land inside both.
    let mut crlf = Vec::new();
    for i in 0..50 {
        crlf.extend_from_slice(
            format!(
                "{{\"kind\":\"scope\",\"atof_version\":\"0.1\",\"uuid\":\"ü{i}\",\"timestamp\":{i},\"name\":\"naïve 🚀 {i}\",\"scope_category\":\"start\",\"category\":\"tool\"}}\r\n"
            )
            .as_bytes(),
        );
    }
    out.push(("utf-8 + crlf".to_owned(), crlf));
    out
}

#[test]
fn the_tree_is_the_same_whole_or_in_random_pieces() {
    let mut rng = Rng(0x5eed_1234_abcd);
    let mut checked = 0;
    for (name, bytes) in inputs() {
        let format = None;
        let whole = read(&bytes, format, &mut |rest| rest);
        assert!(whole.events > 0, "{name}: nothing read");
        let expect = (
            whole.dump(),
            whole.events,
            whole.skipped,
            whole.diagnostics().to_vec(),
        );
        for round in 0..40 {
            // Mostly small pieces (1–64 bytes), sometimes up to 4 KiB.
            let max = if round % 4 == 0 { 4096 } else { 64 };
            let t = read(&bytes, format, &mut |_| 1 + rng.below(max));
            let got = (t.dump(), t.events, t.skipped, t.diagnostics().to_vec());
            assert_eq!(got, expect, "{name}, round {round}");
            checked += 1;
        }
    }
    assert!(checked >= 200);
}

#[test]
fn paired_logs_give_the_same_runs_in_any_event_order() {
    // Duplicate ids and unpaired scopes are excluded on purpose: with them, which scope an end
    // closes depends on arrival order by design (see ARCHITECTURE.md).
    let mut rng = Rng(77);
    for seed in [4, 5] {
        let mut bytes = Vec::new();
        trace_tui::synth::generate(seed, trace_tui::synth::Target::Events(800), &mut bytes)
            .unwrap();
        let mut batch = Batch::default();
        let mut d = Decoder::new(0, None, Some(Format::Atof));
        d.feed(&bytes, &mut batch);
        d.finish(&mut batch);
        let figures = |events: &[trace_tui::event::Event<'static>]| {
            let mut t = Trace::new();
            for e in events {
                t.apply(e);
            }
            t.settle();
            let mut runs: Vec<_> = t
                .runs()
                .map(|r| {
                    let s = t.run_stats(r);
                    (
                        t.str(t.node(r).ext_id).to_owned(),
                        s.scopes,
                        s.llm_calls,
                        s.tool_calls,
                        s.errors,
                        s.tokens,
                        s.status(),
                    )
                })
                .collect();
            runs.sort_by(|a, b| a.0.cmp(&b.0));
            runs
        };
        let expect = figures(&batch.events);
        assert!(!expect.is_empty());
        for _ in 0..10 {
            let mut shuffled = batch.events.clone();
            for i in (1..shuffled.len()).rev() {
                shuffled.swap(i, rng.below(i + 1));
            }
            assert_eq!(figures(&shuffled), expect, "seed {seed}");
        }
    }
}
