//! Run diffs on the diff fixture pair and the bundled samples, in the model and from the
//! binary, with hand-computed answers (the reasoning is in the comments; see `summary --tree`
//! of each file).

mod common;

use serde_json::Value;
use trace_model::diff::{DiffKind, diff_runs};
use trace_report::diff::find_run;

use common::{ATOF, DIFF_A, DIFF_B, HARN_A, HARN_B, bin, trace};

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
    // claude-code's Anthropic inputs include their cache: 22203 + 21510 = 43713.
    assert_eq!(d.totals.d_total, 2628 - 43713);
    assert_eq!(find_run(&t, Some("3")), find_run(&t, Some("codex")));
    assert_eq!(find_run(&t, Some("nope")), None);
    assert_eq!(find_run(&t, Some("0")), None);
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
    assert!(
        text.contains("-    turn 1 · Fix the failing test in src/parse.rs (5 scopes)"),
        "{text}"
    );
    assert!(text.contains("total 43713 → 2628 (Δ -41085)"), "{text}");
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
