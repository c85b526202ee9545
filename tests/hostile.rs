//! Hostile input: every case ends in a trace with exact counts, never a panic or a hang.

mod common;

use std::io::Write;
use std::path::PathBuf;

use trace_ingest::files::load;
use trace_model::Trace;

use common::scope;

/// (line, message) of each warning.
fn warnings(t: &Trace) -> Vec<(u64, String)> {
    t.warnings()
        .iter()
        .map(|w| (w.line, w.message.clone()))
        .collect()
}

fn load_bytes(bytes: &[u8]) -> Trace {
    let dir = tempfile::tempdir().unwrap();
    let p: PathBuf = dir.path().join("hostile.jsonl");
    std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
    let (trace, _) = load(&[p], Some(trace_formats::Format::Atof), &mut |_| {}).unwrap();
    trace
}

#[test]
fn garbage_lines_are_counted_with_line_numbers() {
    let mut text = Vec::new();
    text.extend_from_slice(format!("{}\n", scope("ok1", None, 0, "start")).as_bytes());
    text.extend_from_slice(b"\x00\x00\x00\n"); // 2: NUL bytes
    // 3: invalid UTF-8 in a string: kept, the bad bytes replaced by U+FFFD (issue #12).
    text.extend_from_slice(b"{\"kind\":\"mark\",\"uuid\":\"\xff\xfe\"}\n");
    text.extend_from_slice(b"\"just a string\"\n"); // 4: JSON, not an object
    text.extend_from_slice(
        b"{\"kind\":\"scope\",\"uuid\":{\"a\":1},\"scope_category\":\"start\"}\n",
    ); // 5: wrong type
    text.extend_from_slice(&b"[".repeat(100_000)); // 6: nesting past serde's recursion limit
    text.push(b'\n');
    text.extend_from_slice(b"{\"kind\":\"mark\",\"uuid\":\"m\",\"kind\":\"mark\"}\n"); // 7: duplicate key
    text.extend_from_slice(format!("{}\n", scope("ok1", None, 5, "end")).as_bytes());
    let t = load_bytes(&text);
    assert_eq!(t.events, 3);
    assert_eq!(t.skipped, 5);
    let lines: Vec<u64> = t.diagnostics().iter().map(|d| d.line).collect();
    assert_eq!(lines, [2, 4, 5, 6, 7]);
    assert_eq!(t.diagnostics()[1].message, "not a JSON object");
    assert_eq!(t.run_stats(t.runs().next().unwrap()).duration_us(), Some(5));
}

#[test]
fn a_50_mb_line_is_one_event() {
    let payload = "x".repeat(50 * 1024 * 1024);
    let big = format!(
        r#"{{"kind":"scope","atof_version":"0.1","uuid":"big","timestamp":1,"name":"big","scope_category":"end","category":"llm","data":{{"blob":"{payload}","usage":{{"prompt_tokens":3,"completion_tokens":4}}}}}}"#
    );
    let t = load_bytes(format!("{}\n{big}\n", scope("big", None, 0, "start")).as_bytes());
    assert_eq!((t.events, t.skipped), (2, 0));
    let s = t.run_stats(t.runs().next().unwrap());
    assert_eq!((s.tokens.input, s.tokens.output, s.tokens.total), (3, 4, 7));
}

#[test]
fn ten_thousand_deep_nesting_in_both_orders() {
    const DEPTH: usize = 10_000;
    let mut forward = String::new();
    for i in 0..DEPTH {
        let parent = (i > 0).then(|| format!("n{}", i - 1));
        forward.push_str(&scope(
            &format!("n{i}"),
            parent.as_deref(),
            i as i64,
            "start",
        ));
        forward.push('\n');
    }
    let reversed: String = forward.lines().rev().flat_map(|l| [l, "\n"]).collect();
    for text in [forward, reversed] {
        let t = load_bytes(text.as_bytes());
        let runs: Vec<_> = t.runs().collect();
        assert_eq!(
            runs.len(),
            1,
            "children that arrived first fold under their parents"
        );
        let s = t.run_stats(runs[0]);
        assert_eq!(s.scopes, DEPTH as u64);
        assert_eq!(t.path_to(t.lookup("n9999").unwrap()).len(), DEPTH);
        let dump = t.dump();
        assert_eq!(dump.lines().count(), DEPTH + 1);
        assert!(
            dump.len() < 3_000_000,
            "indentation is capped: {} bytes",
            dump.len()
        );
    }
}

#[test]
fn parent_cycles_keep_every_node() {
    let text = [
        scope("a", Some("c"), 0, "start"),
        scope("b", Some("a"), 1, "start"),
        scope("c", Some("b"), 2, "start"),
    ]
    .join("\n");
    let t = load_bytes(text.as_bytes());
    let runs: Vec<_> = t.runs().collect();
    assert_eq!(runs.len(), 1);
    assert_eq!(t.run_stats(runs[0]).scopes, 3);
    assert_eq!(t.warnings_count, 1);
    // Self-parenting too.
    let t = load_bytes(scope("s", Some("s"), 0, "start").as_bytes());
    assert_eq!(t.runs().count(), 1);
}

#[test]
fn reverse_ordered_siblings_settle_in_time_order() {
    let mut text = format!("{}\n", scope("root", None, 0, "start"));
    for i in (0..100_000).rev() {
        text.push_str(&scope(&format!("c{i}"), Some("root"), 1 + i, "start"));
        text.push('\n');
    }
    let t = load_bytes(text.as_bytes());
    let root = t.lookup("root").unwrap();
    let kids: Vec<_> = t.children(root).collect();
    assert_eq!(kids.len(), 100_000);
    assert_eq!(t.str(t.node(kids[0]).name), "c0");
    assert_eq!(t.str(t.node(kids[99_999]).name), "c99999");
}

#[test]
fn overflowing_numbers_saturate_or_are_ignored() {
    let lines = [
        scope("r", None, 0, "start"),
        r#"{"kind":"scope","atof_version":"0.1","uuid":"r","timestamp":99999999999999999999999,"name":"r","scope_category":"end","category":"llm","data":{"usage":{"prompt_tokens":1e30,"completion_tokens":18446744073709551615,"total_tokens":-4}}}"#.to_owned(),
    ];
    let t = load_bytes(lines.join("\n").as_bytes());
    assert_eq!(t.skipped, 0);
    let s = t.run_stats(t.runs().next().unwrap());
    assert_eq!(
        (s.tokens.input, s.tokens.output, s.tokens.total),
        (u64::MAX, u64::MAX, u64::MAX)
    );
    assert_eq!(
        s.end_us, None,
        "an unreadable end time leaves the end unknown"
    );
}

#[test]
fn escape_sequences_never_reach_summary_output() {
    let name = "\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}1m";
    let line = format!(
        r#"{{"kind":"scope","atof_version":"0.1","uuid":"e","timestamp":0,"name":{0},"scope_category":"start","category":{0}}}"#,
        serde_json::to_string(name).unwrap()
    );
    let t = load_bytes(line.as_bytes());
    let mut out = Vec::new();
    trace_report::summary::write_text(&mut out, &t, &[], true).unwrap();
    out.extend_from_slice(t.dump().as_bytes());
    // `summary --tree`: an unknown category is the producer's text (found by a sweep).
    for id in t.runs() {
        out.extend_from_slice(t.dump_run(id).as_bytes());
    }
    assert!(
        !out.iter().any(|&b| b == 0x1b || b == 0x07),
        "raw control bytes in output"
    );
    assert!(!String::from_utf8(out).unwrap().contains('\u{9b}'));
}

/// Found by the `accumulator` fuzz target: ends stamped before their starts made the
/// self-time and critical-path code clamp with min > max.
#[test]
fn ends_before_starts_do_not_break_the_analysis() {
    let lines = [
        scope("r", None, 10_000_000, "start"),
        scope("c", Some("r"), 9_000_000, "start"),
        scope("c", Some("r"), 2_000_000, "end"),
        scope("r", None, 1_000_000, "end"),
    ];
    let t = load_bytes(lines.join("\n").as_bytes());
    let r = t.lookup("r").unwrap();
    assert_eq!(t.self_time_us(r), Some(0));
    assert_eq!(t.self_time_us(t.lookup("c").unwrap()), Some(0));
    let cp = t.critical_path(r);
    assert_eq!(cp.length_us, 0);
    assert!(t.idle_gaps(r, 0).is_empty());
    let _ = trace_report::summary::summary_json(&t, &[]);
}

/// Found by the `accumulator` fuzz target: offsets between extreme times overflowed `i64`.
/// Times are clamped to ±2⁶¹ µs when applied, so every difference fits.
#[test]
fn extreme_timestamps_do_not_overflow() {
    let lines = [
        scope("r", None, i64::MIN, "start"),
        scope("c", Some("r"), i64::MAX, "start"),
        scope("c", Some("r"), i64::MAX, "end"),
        scope("r", None, i64::MAX, "end"),
    ];
    let t = load_bytes(lines.join("\n").as_bytes());
    let r = t.lookup("r").unwrap();
    assert_eq!(t.node(r).start_us(), Some(-trace_model::MAX_ABS_TIME_US));
    assert_eq!(
        t.node(r).duration_us(),
        Some(2 * trace_model::MAX_ABS_TIME_US)
    );
    let _ = t.dump();
    let _ = t.critical_path(r);
    let _ = t.idle_gaps(r, 0);
    let _ = t.exemplars();
    let _ = trace_report::summary::summary_json(&t, &[]);
}

/// A scope whose time becomes known (or earlier) only with a later event is re-sorted among its
/// siblings: the node's time is compared before and after the event (found while fuzzing).
#[test]
fn a_late_time_moves_a_scope_among_its_siblings() {
    let lines = [
        scope("r", None, 0, "start"),
        scope("a", Some("r"), 10, "start"),
        // `c` has an unreadable start, then an end at 5: it belongs before `a`.
        r#"{"kind":"scope","atof_version":"0.1","uuid":"c","parent_uuid":"r","timestamp":"soon","name":"c","scope_category":"start","category":"tool"}"#.to_owned(),
        scope("c", Some("r"), 5, "end"),
        // `e` ends at 30 first, then its start at 2 arrives: it belongs first.
        scope("e", Some("r"), 30, "end"),
        scope("e", Some("r"), 2, "start"),
    ];
    let t = load_bytes(lines.join("\n").as_bytes());
    let r = t.lookup("r").unwrap();
    let names: Vec<&str> = t.children(r).map(|c| t.str(t.node(c).name)).collect();
    assert_eq!(names, ["e", "c", "a"]);
}

/// Token counts are packed into 32 bits when they fit; a larger figure must come back exactly,
/// and a small one next to it must be unaffected.
#[test]
fn token_counts_beyond_32_bits_are_kept_exactly() {
    use trace_model::event::{Event, EventKind, Tokens};
    let mut t = Trace::new();
    let big = Tokens {
        input: Some(5_000_000_000),
        output: Some(7),
        total: None,
        cache_read: Some(u64::MAX),
        cache_write: None,
        ..Default::default()
    };
    let small = Tokens {
        input: Some(u64::from(u32::MAX)),
        output: None,
        total: Some(0),
        cache_read: None,
        cache_write: Some(3),
        cache_write_1h: Some(u64::from(u32::MAX) - 1),
        reasoning: Some(0),
    };
    // Packed in place: total is the sum, every count below the two reserved values.
    let packed = Tokens {
        input: Some(352),
        output: Some(116),
        total: Some(468),
        cache_read: Some(300),
        cache_write: Some(u64::from(u32::MAX) - 2),
        cache_write_1h: None,
        reasoning: Some(40),
    };
    // A reported total above the sum is kept exactly (in the wide table).
    let odd_total = Tokens {
        input: Some(1),
        output: Some(2),
        total: Some(10),
        ..Default::default()
    };
    for (id, tokens) in [("a", big), ("b", small), ("c", packed), ("d", odd_total)] {
        t.apply(&Event::new(EventKind::Start, id, "call"));
        let mut end = Event::new(EventKind::End, id, "call");
        end.tokens = Some(tokens);
        t.apply(&end);
    }
    assert_eq!(t.tokens(t.lookup("a").unwrap()), Some(big));
    assert_eq!(t.tokens(t.lookup("b").unwrap()), Some(small));
    assert_eq!(t.tokens(t.lookup("c").unwrap()), Some(packed));
    assert_eq!(t.tokens(t.lookup("d").unwrap()), Some(odd_total));
}

/// Canonical UUIDs are kept as 128-bit numbers, anything else as text: either way the id reads
/// back byte for byte, and ids that differ only in case are different scopes.
#[test]
fn ids_read_back_exactly_whatever_their_form() {
    use trace_model::event::{Event, EventKind};
    let ids = [
        "019efaca-0889-70db-95a7-e859c9eedc45",
        "019EFACA-0889-70DB-95A7-E859C9EEDC45",
        "{019efaca-0889-70db-95a7-e859c9eedc45}",
        "019efaca088970db95a7e859c9eedc45",
        "019efaca-0889-70db-95a7-e859c9eedc4",
        "not-a-uuid",
    ];
    let mut t = Trace::new();
    for id in ids {
        t.apply(&Event::new(EventKind::Start, id, "s"));
    }
    assert_eq!(t.runs().count(), ids.len());
    for id in ids {
        let n = t.lookup(id).unwrap_or_else(|| panic!("{id} not found"));
        assert_eq!(t.ext_id(n), id);
    }
}

/// Found by a sweep: a UTF-8 byte-order mark cost a JSONL file its first record and made a
/// document unreadable. The dialect is sniffed, not forced.
#[test]
fn a_byte_order_mark_is_not_part_of_the_first_record() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (name, fixture) in [
        ("bom.jsonl", "assets/atof/agent-session.jsonl"),
        ("bom.json", "assets/greentic/trace.json"),
        ("atif.json", "tests/fixtures/atif/exmp04_atif.json"),
    ] {
        let plain = std::fs::read(root.join(fixture)).unwrap();
        let p = dir.path().join(name);
        let q = dir.path().join(format!("plain-{name}"));
        std::fs::write(&p, [b"\xEF\xBB\xBF".as_slice(), &plain].concat()).unwrap();
        std::fs::write(&q, &plain).unwrap();
        let (with, f1) = load(&[p], None, &mut |_| {}).unwrap();
        let (without, f2) = load(&[q], None, &mut |_| {}).unwrap();
        assert_eq!(f1, f2, "{fixture}");
        assert!(without.events > 0, "{fixture}");
        assert_eq!(
            (with.events, with.skipped),
            (without.events, without.skipped),
            "{fixture}"
        );
        assert_eq!(with.runs().count(), without.runs().count(), "{fixture}");
    }
}

/// Found by a sweep: JSON parsers refuse `\ud83d` alone (half an emoji, as JavaScript cuts
/// it), and the record was lost with its tokens. It is kept, with the escape as U+FFFD.
#[test]
fn a_lone_surrogate_escape_costs_one_character_not_the_record() {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hostile/claude-lone-surrogate.jsonl");
    let (t, format) = load(&[p], None, &mut |_| {}).unwrap();
    assert_eq!(format, [trace_formats::Format::Claude]);
    assert_eq!(t.skipped, 0);
    let run = t.runs().next().unwrap();
    let s = t.run_stats(run);
    assert_eq!((s.llm_calls, s.tokens.input, s.tokens.output), (1, 10, 500));
    let w: Vec<_> = t
        .warnings()
        .iter()
        .map(|w| (w.line, w.message.as_str()))
        .collect();
    assert_eq!(w, [(2, trace_ingest::INVALID_UTF8)]);
}

/// Found by a sweep: a scope stamped to end before it starts was kept without a word.
#[test]
fn an_end_before_its_start_is_a_warning_whichever_comes_first() {
    let t = load_bytes(
        format!(
            "{}\n{}\n{}\n{}\n",
            scope("a", None, 500, "start"),
            scope("a", None, 400, "end"),
            scope("b", None, 900, "end"),
            scope("b", None, 1000, "start"),
        )
        .as_bytes(),
    );
    let w = warnings(&t);
    assert_eq!(
        w,
        [
            (2, "\"a\" ends 100µs before it starts".to_owned()),
            (4, "\"b\" ends 100µs before it starts".to_owned())
        ]
    );
}

/// Found by a sweep: an ATOF timestamp that cannot be read left the event without a time
/// and said nothing.
#[test]
fn an_unreadable_timestamp_is_a_warning() {
    let line = |ts: &str| {
        format!(
            r#"{{"kind":"mark","atof_version":"0.1","uuid":"m","parent_uuid":null,"timestamp":{ts},"name":"m"}}"#
        )
    };
    let t = load_bytes(
        format!(
            "{}\n{}\n{}\n",
            line("\"yesterday\""),
            line("null"),
            line("5")
        )
        .as_bytes(),
    );
    let w = warnings(&t);
    assert_eq!(
        w,
        [(
            1,
            "unreadable timestamp \"yesterday\"; the event is kept without a time".to_owned()
        )]
    );
}
