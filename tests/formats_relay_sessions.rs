//! Claude Code sessions through NeMo Relay (#16.1): the turns Relay writes as root scopes
//! (`claude-code-turn`, `metadata.session_id`, `turn_index`, the prompt) are grouped under
//! one synthetic session root per `session_id`, named `claude-code session <short id>`; each
//! turn is named `turn N · <prompt head>`; the session's own marks (`session.start`) sit on
//! the session root. The same on one thread and on the parallel loader (each chunk's reader
//! opens the root again; the trace keeps one). Answers from
//! `tests/fixtures/relay/sem-count.py` (`session_runs`).

mod common;
#[path = "formats_support/mod.rs"]
mod support;

use serde_json::{Value, json};
use trace_formats::Format;
use trace_ingest::Decoder;
use trace_model::stats::RunStatus;
use trace_model::{NodeKind, Trace};
use trace_report::summary::summary_json;
use trace_tui::app::{Action, Feed, RunRow, View};

use common::{bin, draw, keys, open, path, text};

const CLAUDE: &str = "tests/fixtures/relay/sem-claude-session.atof.jsonl";
const SESSION: &str = "claude-code session 5b0e7c1a";
/// sem-count.py `session_runs[..].turns`.
const TURNS: [&str; 3] = [
    "turn 0 · Fix the failing test in src/parse.rs an…",
    "turn 1 · Now add a regression test for the empty…",
    "turn 2 · Run the whole suite and summarize",
];

fn summary_cli(file: &std::path::Path) -> Value {
    let out = bin()
        .args(["summary", "--json"])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn children_named(t: &Trace, id: trace_model::NodeId) -> Vec<(NodeKind, String)> {
    t.children(id)
        .map(|c| (t.node(c).kind, t.str(t.node(c).name).to_owned()))
        .collect()
}

#[test]
fn one_session_run_with_named_turns_and_its_marks() {
    let doc = summary_cli(&path(CLAUDE));
    let t = &doc["totals"];
    // sem-count.py session_runs: 1 session, ok, 5 LLM calls, 3 tools, 0 errors; tokens as
    // before grouping (the session root has none of its own).
    assert_eq!(t["runs"], 1);
    assert_eq!(doc["runs"][0]["name"], SESSION);
    assert_eq!(doc["runs"][0]["status"], "ok");
    assert_eq!(
        (&t["llm_calls"], &t["tool_calls"], &t["errors"]),
        (&json!(5), &json!(3), &json!(0))
    );
    let m = &t["by_model"]["claude-sonnet-4-5"];
    assert_eq!(
        (
            &m["calls"],
            &m["output"],
            &m["cache_read"],
            &m["cache_write"]
        ),
        (&json!(5), &json!(397), &json!(95500), &json!(1900))
    );
    // input = uncached 65 + cache read 95,500 + cache write 1,900.
    assert_eq!(t["tokens"]["input"], 97465);
    assert_eq!(
        doc["loose_marks"], 0,
        "session.start is on the session root"
    );

    let (trace, _) = common::load(&[CLAUDE]);
    let root = trace.runs().next().unwrap();
    assert!(trace.node(root).container());
    let kids = children_named(&trace, root);
    assert_eq!(kids[0], (NodeKind::Mark, "session.start".to_owned()));
    let turns: Vec<&str> = kids
        .iter()
        .filter(|(k, _)| *k == NodeKind::Scope)
        .map(|(_, n)| n.as_str())
        .collect();
    assert_eq!(turns, TURNS);
    assert_eq!(trace.tokens(root), None, "no tokens of its own");
    assert!(trace.warnings().is_empty(), "{:?}", trace.warnings());
}

#[test]
fn an_unfinished_or_failed_turn_sets_the_session_status() {
    let text = std::fs::read_to_string(path(CLAUDE)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let dir = tempfile::tempdir().unwrap();
    // Without the last turn's end: incomplete (running, when followed).
    let cut = dir.path().join("cut.atof.jsonl");
    std::fs::write(&cut, lines[..lines.len() - 1].join("\n") + "\n").unwrap();
    assert_eq!(summary_cli(&cut)["runs"][0]["status"], "incomplete");
    // A failed call in turn 1: error.
    let bad = dir.path().join("bad.atof.jsonl");
    let failed: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if i == 13 {
                l.replace(
                    r#""otel.status_code":"OK""#,
                    r#""otel.status_code":"ERROR""#,
                )
            } else {
                (*l).to_owned()
            }
        })
        .collect();
    std::fs::write(&bad, failed.join("\n") + "\n").unwrap();
    let doc = summary_cli(&bad);
    assert_eq!(doc["runs"][0]["status"], "error");
    assert_eq!(doc["totals"]["errors"], 1);
}

/// Reads `file` on one thread (a plain decoder, whatever its size).
fn one_thread(file: &std::path::Path) -> Trace {
    let mut t = Trace::new();
    t.add_file(file.to_string_lossy());
    let mut d = Decoder::new(0, None, Some(Format::Atof));
    d.feed(&std::fs::read(file).unwrap(), &mut t);
    d.finish(&mut t);
    t.settle();
    t
}

#[test]
fn one_session_across_many_chunks_is_one_root() {
    // 40 copies of the session with fresh scope ids but the same session_id: one session of
    // 120 turns, cut into ~100 chunks, each with its own reader.
    let template = std::fs::read_to_string(path(CLAUDE)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("same-session.atof.jsonl");
    let f = std::fs::File::create(&file).unwrap();
    let r = trace_synth::replicate::replicate(&template, &["uuid", "parent_uuid"], 40 * 17_225, f)
        .unwrap();
    assert_eq!(r.copies, 40);
    let one = one_thread(&file);
    let mut many = Trace::new();
    many.add_file(file.to_string_lossy());
    let mut fh = std::fs::File::open(&file).unwrap();
    trace_ingest::parallel::load_file(&mut fh, Format::Atof, 0, 2, 6_000, &mut many, &mut |_| {})
        .unwrap();
    many.settle();
    let (a, b) = (
        summary_json(&one, &[Format::Atof]),
        summary_json(&many, &[Format::Atof]),
    );
    assert_eq!(a["totals"]["runs"], 1);
    assert_eq!(a["totals"]["llm_calls"], 200);
    assert_eq!((&a["runs"], &a["totals"]), (&b["runs"], &b["totals"]));
    assert_eq!(
        one.events, many.events,
        "the root's repeated starts are not events"
    );
    assert!(many.warnings().is_empty(), "{:?}", many.warnings());
    let root = many.runs().next().unwrap();
    assert_eq!(
        many.node(root).start_us(),
        one.node(one.runs().next().unwrap()).start_us()
    );
    let turns = many
        .children(root)
        .filter(|&c| many.node(c).kind == NodeKind::Scope)
        .count();
    assert_eq!(turns, 120);
}

#[test]
fn summary_of_a_file_big_enough_to_load_in_parallel() {
    // Copies with fresh ids and session ids, past the parallel loader's threshold: every copy
    // is its own session, as on one thread.
    let template = std::fs::read_to_string(path(CLAUDE)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("many.atof.jsonl");
    let f = std::fs::File::create(&file).unwrap();
    let r = trace_synth::replicate::replicate(
        &template,
        &["uuid", "parent_uuid", "session_id"],
        trace_ingest::parallel::MIN_PARALLEL_BYTES + 1,
        f,
    )
    .unwrap();
    let doc = summary_cli(&file);
    let t = &doc["totals"];
    assert_eq!(t["runs"], r.copies);
    assert_eq!(t["llm_calls"], 5 * r.copies);
    assert_eq!(t["tool_calls"], 3 * r.copies);
    assert_eq!(t["by_status"]["ok"], r.copies);
    assert_eq!(t["by_model"]["claude-sonnet-4-5"]["output"], 397 * r.copies);
    assert_eq!(doc["loose_marks"], 0);
    assert_eq!(doc["warnings_count"], 0);
    let seq = summary_json(&one_thread(&file), &[Format::Atof]);
    assert_eq!(seq["totals"], doc["totals"]);
    assert_eq!(seq["events"], doc["events"]);
}

#[test]
fn grouped_session_screens() {
    for (w, h) in [(120, 40), (80, 24)] {
        let mut app = open(CLAUDE);
        insta::assert_snapshot!(
            format!("relay_session_explorer_{w}x{h}"),
            text(&draw(&mut app, w, h))
        );
    }
    // The turns, with the session root's mark, after moving into the tree.
    let mut app = open(CLAUDE);
    keys(&mut app, [Action::FocusNext, Action::Down, Action::Down]);
    insta::assert_snapshot!("relay_session_turn_120x40", text(&draw(&mut app, 120, 40)));
    for (view, name) in [(View::Timeline, "timeline"), (View::Tokens, "tokens")] {
        let mut app = open(CLAUDE);
        keys(&mut app, [Action::ShowView(view)]);
        insta::assert_snapshot!(
            format!("relay_session_{name}_120x40"),
            text(&draw(&mut app, 120, 40))
        );
    }
}

#[test]
fn following_an_unfinished_session_shows_it_live() {
    let text = std::fs::read_to_string(path(CLAUDE)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("cut.atof.jsonl");
    std::fs::write(&cut, lines[..lines.len() - 1].join("\n") + "\n").unwrap();
    // 25 records and the session root.
    let trace =
        support::follow_appended(cut.to_str().unwrap(), "live.atof.jsonl", |t| t.events >= 26);
    assert_eq!(trace.runs().count(), 1);
    let run = trace.runs().next().unwrap();
    assert_eq!(trace.run_stats(run).status, Some(RunStatus::Incomplete));
    let row = RunRow::compute(&trace, run);
    assert_eq!(row.name(&trace), SESSION);
    assert_eq!(row.status_label(Feed::Live), "live");
}

/// Written by the real Relay 0.10.4 gateway (`gw-gen.py`: a fake `claude` and a fake
/// Anthropic upstream on loopback).
const GATEWAY: &str = "tests/fixtures/relay/gw-claude-session.atof.jsonl";

#[test]
fn gateway_session_with_subagent_compaction_and_interrupted_turn() {
    let (trace, doc) = support::summary(&[GATEWAY], None);
    let t = &doc["totals"];
    // sem-count.py session_runs: 1 session, incomplete (the Edit closed by the agent's end),
    // 6 LLM calls (one by the sub-agent), 3 tools, 0 errors; usage: prompt 1,025 + cache read
    // 67,100 + cache write 3,780 = input 71,905, output 288.
    assert_eq!(t["runs"], 1);
    assert_eq!(doc["runs"][0]["name"], "claude-code session 7d3f0c2e");
    assert_eq!(doc["runs"][0]["status"], "incomplete");
    assert_eq!(
        (&t["llm_calls"], &t["tool_calls"], &t["errors"]),
        (&json!(6), &json!(3), &json!(0))
    );
    let m = &t["by_model"]["claude-sonnet-4-5"];
    assert_eq!(
        (
            &m["input"],
            &m["output"],
            &m["cache_read"],
            &m["cache_write"]
        ),
        (&json!(71905), &json!(288), &json!(67100), &json!(3780))
    );
    assert_eq!(doc["loose_marks"], 0);
    let root = trace.runs().next().unwrap();
    let kids = children_named(&trace, root);
    assert_eq!(kids[0], (NodeKind::Mark, "session.start".to_owned()));
    let turns: Vec<&str> = kids[1..].iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(
        turns,
        [
            "turn 1 · Fix the flaky parser test",
            "turn 2 · Ask a reviewer sub-agent to check the d…",
            "turn 3",
            "turn 4 · Refactor the lexer"
        ]
    );
    let by_name = |n: &str| {
        trace
            .node_ids()
            .find(|&i| trace.str(trace.node(i).name) == n)
            .unwrap()
    };
    // The sub-agent sits in turn 2 with its own call.
    let sub = by_name("subagent:agent-rev1");
    assert_eq!(trace.node(sub).parent(), Some(by_name(turns[1])));
    assert_eq!(trace.run_stats(sub).llm_calls, 1);
    // The compaction is an implicit turn closed by the next one: not incomplete.
    let compaction = by_name("turn 3");
    assert_eq!(trace.incomplete(compaction), None);
    assert_eq!(
        children_named(&trace, compaction),
        [
            (NodeKind::Mark, "compaction".to_owned()),
            (NodeKind::Mark, "compaction".to_owned())
        ]
    );
    // The interrupted turn's Edit was closed by the agent's end.
    let edit = by_name("Edit");
    assert_eq!(
        trace.incomplete(edit),
        Some("incomplete: closed_by_agent_end")
    );
    insta::assert_snapshot!(
        "relay_gateway_session_120x40",
        text(&draw(&mut open(GATEWAY), 120, 40))
    );
}
