//! Filter expressions and run diffs on the bundled samples and the diff fixture pair, with
//! hand-computed answers (the reasoning is in the comments; see `summary --tree` of each file).

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;
use trace_ingest::files::load;
use trace_model::diff::{DiffKind, diff_runs};
use trace_model::filter::Filter;
use trace_model::{NodeId, Trace};
use trace_report::diff::find_run;
use trace_report::summary::runs_by_start;

const ATOF: &str = "assets/atof/agent-session.jsonl";
const GREENTIC: &str = "assets/greentic/trace.json";
const HARN_A: &str = "assets/harn/event_log-01979f2a-5a10-7c2e-9f41-0b7d3e6a8c55.jsonl";
const HARN_B: &str = "assets/harn/event_log-01979f2b-1c00-7d00-8a00-3e3e3e3e3e3e.jsonl";
const DIFF_A: &str = "tests/fixtures/diff-a.jsonl";
const DIFF_B: &str = "tests/fixtures/diff-b.jsonl";

fn trace(files: &[&str]) -> Trace {
    let paths: Vec<PathBuf> = files
        .iter()
        .map(|f| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(f))
        .collect();
    load(&paths, None, &mut |_| {}).expect("load").0
}

fn f(s: &str) -> Filter {
    Filter::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Names of the runs (in start order) that match.
fn runs(t: &Trace, filter: &str) -> Vec<String> {
    let filter = f(filter);
    runs_by_start(t)
        .into_iter()
        .filter(|(id, _)| filter.matches_run(t, *id))
        .map(|(id, _)| t.str(t.node(id).name).to_owned())
        .collect()
}

/// Names of the nodes (arena order) that match on their own.
fn nodes(t: &Trace, filter: &str) -> Vec<String> {
    let filter = f(filter);
    t.node_ids()
        .filter(|&id| filter.matches_node(t, id))
        .map(|id| t.str(t.node(id).name).to_owned())
        .collect()
}

#[test]
fn status_filters() {
    let t = trace(&[ATOF]);
    // The ATOF sample: claude-code ok, research-agent error (failed web_search, rejected
    // fetch_url mark), codex incomplete (root and shell never end).
    assert_eq!(runs(&t, "status:error"), ["research-agent"]);
    assert_eq!(runs(&t, "error"), ["research-agent"]);
    assert_eq!(runs(&t, "-status:error"), ["claude-code", "codex"]);
    assert_eq!(runs(&t, "-error"), ["claude-code", "codex"]);
    assert_eq!(runs(&t, "status:ok"), ["claude-code"]);
    assert_eq!(runs(&t, "status:open"), ["codex"]);
    assert_eq!(runs(&t, "status:incomplete"), ["codex"]);
    // Nodes with their own error: the second web_search and the rejected mark.
    assert_eq!(nodes(&t, "status:error"), ["web_search", "fetch_url"]);
    // Open nodes: codex's root and its shell call.
    assert_eq!(nodes(&t, "status:open"), ["codex", "shell"]);
    // 16 nodes (claude-code 6 scopes + 1 mark, research-agent 5 + 1, codex 3), minus the 2
    // errors and the 2 open ones.
    assert_eq!(t.node_count(), 16);
    assert_eq!(nodes(&t, "status:ok").len(), 12);

    // greentic: one run, failed by draft_reply's timeout; harn: run A errors (search), B open.
    let g = trace(&[GREENTIC]);
    assert_eq!(runs(&g, "status:error"), ["triage@1.3.0"]);
    assert_eq!(nodes(&g, "error"), ["draft_reply (greentic:llm complete)"]);
    let h = trace(&[HARN_A, HARN_B]);
    assert_eq!(
        runs(&h, "status:error"),
        ["01979f2a-5a10-7c2e-9f41-0b7d3e6a8c55"]
    );
    assert_eq!(
        runs(&h, "status:incomplete"),
        ["01979f2b-1c00-7d00-8a00-3e3e3e3e3e3e"]
    );
}

#[test]
fn model_filter_is_exact_with_globs() {
    let t = trace(&[ATOF]);
    // Exact (ignoring case): gpt-4.1 is research-agent's first call only, not gpt-4.1-mini.
    assert_eq!(nodes(&t, "model:gpt-4.1"), ["openai.chat_completions"]);
    assert_eq!(nodes(&t, "model:GPT-4.1").len(), 1);
    // `*` widens it: gpt-4.1 and gpt-4.1-mini (both research-agent).
    assert_eq!(nodes(&t, "model:gpt-4.1*").len(), 2);
    assert_eq!(runs(&t, "model:gpt-4.1*"), ["research-agent"]);
    // gpt-* adds codex's gpt-5-codex; *sonnet* is claude-code's two calls.
    assert_eq!(runs(&t, "model:gpt-*"), ["research-agent", "codex"]);
    assert_eq!(nodes(&t, "model:*sonnet*").len(), 2);
    assert_eq!(nodes(&t, "model:*-4-*").len(), 2); // claude-sonnet-4-5 twice
    // 16 nodes, 2 of them gpt-4.1*.
    assert_eq!(nodes(&t, "-model:gpt-4.1*").len(), 14);
    // harn: only run B calls gpt-4.1.
    let h = trace(&[HARN_A, HARN_B]);
    assert_eq!(
        runs(&h, "model:gpt-4.1"),
        ["01979f2b-1c00-7d00-8a00-3e3e3e3e3e3e"]
    );
    // greentic records no models: every LLM step lacks one.
    let g = trace(&[GREENTIC]);
    assert_eq!(nodes(&g, "model:*").len(), 0);
    assert_eq!(nodes(&g, "category:llm -model:*").len(), 2);
}

#[test]
fn duration_filters() {
    let t = trace(&[ATOF]);
    // Scopes over 2s: claude-code 7.2s, its turn 7.0s, the two anthropic calls 3.0s and 2.8s;
    // research-agent 6.1s and its failed web_search 2.9s; codex's call 3.7s (codex and shell
    // are open: no duration). Marks never have a duration.
    assert_eq!(
        nodes(&t, "dur>2s"),
        [
            "claude-code",
            "claude-code-turn",
            "anthropic.messages",
            "anthropic.messages",
            "research-agent",
            "web_search",
            "openai.responses"
        ]
    );
    assert_eq!(
        runs(&t, "dur>2s"),
        ["claude-code", "research-agent", "codex"]
    );
    // Boundaries: the failed web_search is exactly 2.9s (02.1 → 05.0).
    assert_eq!(nodes(&t, "tool:web_search dur>=2.9s").len(), 1);
    assert_eq!(nodes(&t, "tool:web_search dur>2.9s").len(), 0);
    assert_eq!(nodes(&t, "tool:web_search dur=2900ms").len(), 1);
    // Under 1s: Read 850ms, Grep 640ms, gpt-4.1-mini 800ms (not the 0-length marks).
    assert_eq!(
        nodes(&t, "dur<1s"),
        ["Read", "Grep", "openai.chat_completions"]
    );
    assert_eq!(nodes(&t, "dur<500ms").len(), 0);
    // Nothing reaches a minute.
    assert_eq!(runs(&t, "dur>=1m"), Vec::<String>::new());
    // greentic's draft_reply ran 30.012s.
    let g = trace(&[GREENTIC]);
    assert_eq!(
        nodes(&g, "dur>30s category:llm"),
        ["draft_reply (greentic:llm complete)"]
    );
}

#[test]
fn token_filters() {
    let t = trace(&[ATOF]);
    // Own totals: anthropic 83 and 1510, gpt-4.1 908, gpt-4.1-mini 1720, gpt-5-codex 5800.
    assert_eq!(
        nodes(&t, "tokens>1k"),
        [
            "anthropic.messages",
            "openai.chat_completions",
            "openai.responses"
        ]
    );
    assert_eq!(nodes(&t, "tokens>2k"), ["openai.responses"]);
    // A run's root stands for the whole run: research-agent spent 2628 in two calls of 908
    // and 1720, so it passes tokens>2k though no single call does; claude-code (1593) fails.
    assert_eq!(runs(&t, "tokens>2k"), ["research-agent", "codex"]);
    // Inputs 9, 1200, 812, 1500, 5000; outputs 74, 310, 96, 220, 800.
    assert_eq!(nodes(&t, "in>1k").len(), 3);
    assert_eq!(nodes(&t, "out<100").len(), 2);
    // 1200/310 and 1500/220 qualify; 5000/800 has too much output.
    assert_eq!(nodes(&t, "in>=1.2k out<=310").len(), 2);
    // harn: 22203 and 22910 in run A; inputs 22129 and 22500.
    let h = trace(&[HARN_A, HARN_B]);
    assert_eq!(nodes(&h, "tokens>22k").len(), 2);
    assert_eq!(nodes(&h, "in>22.2k").len(), 1);
    assert_eq!(
        runs(&h, "tokens>=0.045M"),
        ["01979f2a-5a10-7c2e-9f41-0b7d3e6a8c55"]
    ); // 45113
}

#[test]
fn tool_name_category_and_negation() {
    let t = trace(&[ATOF]);
    assert_eq!(nodes(&t, "tool:web_search").len(), 2);
    assert_eq!(runs(&t, "tool:web_search"), ["research-agent"]);
    // An LLM call is not a tool, whatever its name.
    assert_eq!(nodes(&t, "tool:openai.*").len(), 0);
    // Per node, negation picks the web_search that did not fail.
    let ok_search: Vec<NodeId> = t
        .node_ids()
        .filter(|&id| f("tool:web_search -status:error").matches_node(&t, id))
        .collect();
    assert_eq!(ok_search.len(), 1);
    assert_eq!(t.tool_call_id(ok_search[0]), Some("call_1"));
    // Per run, status is the run's: research-agent failed, so no run is an ok web_search run.
    assert_eq!(
        runs(&t, "tool:web_search -status:error"),
        Vec::<String>::new()
    );
    assert_eq!(nodes(&t, "category:tool").len(), 5); // Read, Grep, 2 × web_search, shell
    assert_eq!(nodes(&t, "name:read"), ["Read"]);
    assert_eq!(nodes(&t, "name:anthropic.*").len(), 2);
    assert_eq!(nodes(&t, "name~CHAT").len(), 2);
    assert_eq!(nodes(&t, "chat").len(), 2); // a bare word searches names
    assert_eq!(runs(&t, "name~turn"), ["claude-code"]);
    // Quoted values keep spaces: greentic's two http steps.
    let g = trace(&[GREENTIC]);
    assert_eq!(
        nodes(&g, r#"name~"http get""#),
        [
            "fetch_ticket (greentic:http get)",
            "lookup_customer (greentic:http get)"
        ]
    );
    assert_eq!(nodes(&g, r#"tool:"fetch_ticket *""#).len(), 1);
    // harn iterations: two per run.
    let h = trace(&[HARN_A, HARN_B]);
    assert_eq!(nodes(&h, "category:iteration").len(), 4);
    let d = trace(&[DIFF_A, DIFF_B]);
    assert_eq!(runs(&d, "name~plan").len(), 2);
    assert_eq!(runs(&d, "name:summarize").len(), 1);
    assert_eq!(runs(&d, "-name:summarize").len(), 2); // every run has some other scope
}

#[test]
fn empty_filter_and_canonical_form() {
    let t = trace(&[ATOF]);
    let empty = f("   ");
    assert!(empty.is_empty());
    assert_eq!(empty.to_string(), "");
    assert_eq!(runs(&t, "").len(), 3);
    let input = r#"model:gpt-4.1*  -status:error dur>=60s tokens>10000 in<1.5k out=2M name~"Two words" error plan dur<1500us"#;
    let canon = f(input).to_string();
    assert_eq!(
        canon,
        r#"model:gpt-4.1* -status:error dur>=1m tokens>10k in<1500 out=2M name~"two words" status:error name~plan dur<1500µs"#
    );
    assert_eq!(
        f(&canon),
        f(input),
        "the canonical form parses back the same"
    );
    assert_eq!(f(r#"name~"a \"q\" b""#).to_string(), r#"name~"a \"q\" b""#);
}

#[test]
fn syntax_errors_name_the_term_and_column() {
    let err = |s: &str| Filter::parse(s).expect_err(s);
    let e = err("dur>2x");
    assert_eq!((e.pos, e.term.as_str()), (0, "dur>2x"));
    assert!(e.message.contains("unknown duration unit \"x\""), "{e}");
    assert_eq!(
        e.to_string(),
        "bad filter term \"dur>2x\" at column 1: unknown duration unit \"x\" (use µs, ms, s, m, h)"
    );
    // "model:gpt-4.1 " is 14 characters.
    let e = err("model:gpt-4.1 foo:bar");
    assert_eq!((e.pos, e.term.as_str()), (14, "foo:bar"));
    assert!(e.message.starts_with("unknown field \"foo\""), "{e}");
    let e = err("status:error  dur>");
    assert_eq!((e.pos, e.term.as_str()), (14, "dur>"));
    assert!(e.message.contains("missing value"), "{e}");
    let e = err(r#"x name~"two words"#);
    assert_eq!(e.pos, 2);
    assert_eq!(e.message, "unterminated quote");
    assert!(err("tokens:5").message.contains("needs a comparison"));
    assert!(err("dur>5").message.contains("needs a unit"));
    assert!(err("tokens>5q").message.contains("unknown count suffix"));
    assert!(err("status:broken").message.contains("unknown status"));
    assert!(err("model~gpt").message.contains("only name~"));
    assert_eq!(err("ok  -").pos, 4);
    // Columns count characters, not bytes: "name~é " is 7 characters (8 bytes).
    assert_eq!(err("name~é dur>1q").pos, 7);
}

/// Kinds and paths of a diff, compactly: `~ planner-agent`.
fn shape(d: &trace_model::diff::RunDiff) -> Vec<String> {
    d.rows
        .iter()
        .map(|r| format!("{} {}", r.kind.marker(), r.path))
        .collect()
}

#[test]
fn diff_fixture_pair_aligns_by_path_and_order() {
    let a = trace(&[DIFF_A]);
    let b = trace(&[DIFF_B]);
    let (ra, rb) = (find_run(&a, None).unwrap(), find_run(&b, None).unwrap());
    let d = diff_runs(&a, ra, &b, rb);
    // A: chat(1.0s, 1100) web_search(1.0s) read_page(1.0s) summarize{chat-mini 550} chat(1.5s, 2200)
    // B: chat(1.0s, 1100) web_search(1.0s) web_search(0.7s) read_page(1.0s) chat(4.0s, 3400)
    // The 2nd web_search has no 2nd on the left (+, placed before read_page, where it sits on
    // the right); summarize has no partner (-, once, with its 2 scopes); the 2nd chat pairs
    // with the 2nd chat although its position differs.
    assert_eq!(
        shape(&d),
        [
            "~ planner-agent",
            "  planner-agent/openai.chat",
            "  planner-agent/web_search",
            "+ planner-agent/web_search[1]",
            "  planner-agent/read_page",
            "- planner-agent/summarize",
            "~ planner-agent/openai.chat[1]",
        ]
    );
    let row = |i: usize| &d.rows[i];
    assert_eq!(row(0).depth, 0);
    assert!(d.rows[1..].iter().all(|r| r.depth == 1));
    // Root: 10s → 12s; subtree tokens 1100 + 550 + 2200 = 3850 → 1100 + 3400 = 4500.
    assert_eq!(
        (
            row(0).d_duration_us,
            row(0).left_tokens,
            row(0).right_tokens,
            row(0).d_tokens
        ),
        (Some(2_000_000), Some(3850), Some(4500), Some(650))
    );
    // Same call both sides.
    assert_eq!((row(1).d_duration_us, row(1).d_tokens), (Some(0), Some(0)));
    // Tools report no tokens.
    assert_eq!((row(2).d_duration_us, row(2).d_tokens), (Some(0), None));
    // The extra search: right only, 0.7s (2.3 → 3.0).
    assert_eq!(
        (row(3).left, row(3).right_duration_us, row(3).size),
        (None, Some(700_000), 1)
    );
    // read_page moved (2.3s → 3.1s) but took 1.0s both times: same.
    assert_eq!(row(4).kind, DiffKind::Same);
    // summarize: 2.5s, 2 scopes, lost its 550 tokens.
    assert_eq!(
        (
            row(5).right,
            row(5).left_duration_us,
            row(5).size,
            row(5).d_tokens
        ),
        (None, Some(2_500_000), 2, Some(-550))
    );
    // The slower, costlier call: 1.5s → 4.0s, 2200 → 3400.
    assert_eq!(
        (row(6).d_duration_us, row(6).d_tokens),
        (Some(2_500_000), Some(1200))
    );
    let t = &d.totals;
    assert_eq!(t.d_wall_us, Some(2_000_000));
    // In 1000 + 500 + 2000 → 1000 + 3000; out 100 + 50 + 200 → 100 + 400.
    assert_eq!((t.d_input, t.d_output, t.d_total), (500, 150, 650));
    assert_eq!((t.same, t.changed), (3, 2));
    assert_eq!((t.only_left, t.only_left_scopes), (1, 2));
    assert_eq!((t.only_right, t.only_right_scopes), (1, 1));

    // Reversed: the same alignment, sides and signs swapped.
    let r = diff_runs(&b, rb, &a, ra);
    assert_eq!(
        shape(&r),
        [
            "~ planner-agent",
            "  planner-agent/openai.chat",
            "  planner-agent/web_search",
            "- planner-agent/web_search[1]",
            "  planner-agent/read_page",
            "+ planner-agent/summarize",
            "~ planner-agent/openai.chat[1]",
        ]
    );
    assert_eq!(
        (r.totals.d_total, r.totals.d_wall_us),
        (-650, Some(-2_000_000))
    );

    // A run against itself: 7 scopes, all the same.
    let s = diff_runs(&a, ra, &a, ra);
    assert_eq!(s.rows.len(), 7);
    assert!(s.rows.iter().all(|r| r.kind == DiffKind::Same));
    assert_eq!(s.rows[5].path, "planner-agent/summarize/openai.chat");
    assert_eq!((s.totals.d_total, s.totals.same), (0, 7));
}

#[test]
fn diff_of_two_different_runs() {
    // harn A: iteration 1 {claude-sonnet-4-5, read_file, search}, iteration 2 {claude-sonnet-4-5};
    // harn B: iteration 1 {gpt-4.1}, iteration 2 {run_command (open)}. The iterations pair by
    // name; their children (named after the model or tool) do not.
    let h = trace(&[HARN_A, HARN_B]);
    let a = find_run(&h, Some("1")).unwrap();
    let b = find_run(&h, Some("harn:01979f2b-1c00-7d00-8a00-3e3e3e3e3e3e")).unwrap();
    let d = diff_runs(&h, a, &h, b);
    let root = "01979f2a-5a10-7c2e-9f41-0b7d3e6a8c55";
    let expected: Vec<String> = [
        "~ ",
        "~ /iteration 1",
        "- /iteration 1/claude-sonnet-4-5",
        "- /iteration 1/read_file",
        "- /iteration 1/search",
        "+ /iteration 1/gpt-4.1",
        "~ /iteration 2",
        "- /iteration 2/claude-sonnet-4-5",
        "+ /iteration 2/run_command",
    ]
    .iter()
    .map(|s| format!("{}{root}{}", &s[..2], &s[2..]))
    .collect();
    assert_eq!(shape(&d), expected);
    // Run B never finished: no wall time, so no Δ; tokens 45113 → 3150.
    assert_eq!(d.rows[0].left_duration_us, Some(6_300_000));
    assert_eq!(d.totals.d_wall_us, None);
    assert_eq!(d.totals.d_total, 3150 - 45113);
    // iteration 1: 3.9s → 1.5s, 22203 → 3150 tokens.
    assert_eq!(
        (d.rows[1].d_duration_us, d.rows[1].d_tokens),
        (Some(-2_400_000), Some(3150 - 22203))
    );
    // iteration 2 on the right is open (no duration) and reported no tokens (counts 0).
    assert_eq!(
        (d.rows[6].d_duration_us, d.rows[6].d_tokens),
        (None, Some(-22910))
    );
    assert_eq!(
        (d.totals.only_left, d.totals.only_right, d.totals.changed),
        (4, 2, 3)
    );

    // ATOF: claude-code against research-agent by name; nothing under the roots pairs.
    let t = trace(&[ATOF]);
    let d = diff_runs(
        &t,
        find_run(&t, Some("claude-code")).unwrap(),
        &t,
        find_run(&t, Some("research-agent")).unwrap(),
    );
    assert_eq!(
        d.rows.iter().map(|r| r.kind.marker()).collect::<String>(),
        "~-++++"
    );
    assert_eq!(d.rows[1].size, 5); // turn, 2 × anthropic.messages, Read, Grep
    assert_eq!(d.totals.d_total, 2628 - 1593);
    assert_eq!(find_run(&t, Some("3")), find_run(&t, Some("codex")));
    assert_eq!(find_run(&t, Some("nope")), None);
    assert_eq!(find_run(&t, Some("0")), None);
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_trace-tui"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

#[test]
fn diff_json_from_the_binary() {
    let out = bin()
        .args(["diff", "--json", DIFF_A, DIFF_B])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["left"]["file"], DIFF_A);
    assert_eq!(doc["left"]["run"], "run-a");
    assert_eq!(doc["right"]["run"], "run-b");
    assert_eq!(doc["right"]["name"], "planner-agent");
    let kinds: Vec<&str> = doc["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "changed",
            "same",
            "same",
            "only_right",
            "same",
            "only_left",
            "changed"
        ]
    );
    assert_eq!(doc["rows"][5]["left_id"], "a-sum");
    assert_eq!(doc["rows"][5]["size"], 2);
    assert_eq!(doc["rows"][6]["d_duration_ms"], 2500.0);
    assert_eq!(doc["totals"]["d_total"], 650);
    assert_eq!(doc["totals"]["d_wall_ms"], 2000.0);
    assert_eq!(doc["totals"]["left_tokens"]["input"], 3500);

    // One file, two runs by name; then the text table.
    let out = bin()
        .args(["diff", ATOF, "--runs", "claude-code", "research-agent"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("-    claude-code-turn (5 scopes)"), "{text}");
    assert!(text.contains("total 1593 → 2628 (Δ +1035)"), "{text}");
}

#[test]
fn diff_missing_run_or_file_exits_2() {
    let arg = format!("{DIFF_A}#nope");
    let out = bin().args(["diff", &arg, DIFF_B]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("trace-tui: no run \"nope\" in {DIFF_A}\n")
    );
    let out = bin()
        .args(["diff", ATOF, "--runs", "codex", "missing-run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin()
        .args(["diff", "no/such.jsonl", DIFF_B])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).starts_with("trace-tui: cannot open no/such.jsonl")
    );
}
