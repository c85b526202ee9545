//! Filter expressions on the bundled samples, with hand-computed answers (the reasoning is in
//! the comments; see `summary --tree` of each file).

mod common;

use trace_model::filter::Filter;
use trace_model::{NodeId, Trace};
use trace_report::summary::runs_by_start;

use common::{ATOF, DIFF_A, DIFF_B, GREENTIC, HARN_A, HARN_B, trace};

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

    // greentic: one run, failed by draft_reply's timeout; harn: run A recovered from its
    // failed search and ended naturally (final_wrapup completed): ok with an error inside;
    // B never ends.
    let g = trace(&[GREENTIC]);
    assert_eq!(runs(&g, "status:error"), ["triage@1.3.0"]);
    assert_eq!(nodes(&g, "error"), ["draft_reply (greentic:llm complete)"]);
    let h = trace(&[HARN_A, HARN_B]);
    assert!(runs(&h, "status:error").is_empty());
    assert_eq!(
        runs(&h, "status:ok"),
        ["01979f2a-5a10-7c2e-9f41-0b7d3e6a8c55"]
    );
    assert_eq!(nodes(&h, "status:error"), ["search"]);
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
    // Scopes over 2s: claude-code 7.2s, its turn (turn 1 · <prompt>) 7.0s, the two anthropic calls 3.0s and 2.8s;
    // research-agent 6.1s and its failed web_search 2.9s; codex's call 3.7s (codex and shell
    // are open: no duration). Marks never have a duration.
    assert_eq!(
        nodes(&t, "dur>2s"),
        [
            "claude-code",
            "turn 1 · Fix the failing test in src/parse.rs",
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
    // Own totals: anthropic 22203 and 21510 (inputs include the cache), gpt-4.1 908,
    // gpt-4.1-mini 1720, gpt-5-codex 5800.
    assert_eq!(
        nodes(&t, "tokens>1k"),
        [
            "anthropic.messages",
            "anthropic.messages",
            "openai.chat_completions",
            "openai.responses"
        ]
    );
    assert_eq!(
        nodes(&t, "tokens>2k"),
        [
            "anthropic.messages",
            "anthropic.messages",
            "openai.responses"
        ]
    );
    // A run's root stands for the whole run: research-agent spent 2628 in two calls of 908
    // and 1720, so it passes tokens>2k though no single call does; claude-code 43713.
    assert_eq!(
        runs(&t, "tokens>2k"),
        ["claude-code", "research-agent", "codex"]
    );
    assert_eq!(runs(&t, "tokens<3k"), ["research-agent"]);
    // Inputs 22129, 21200 (cache included), 812, 1500, 5000; outputs 74, 310, 96, 220, 800.
    assert_eq!(nodes(&t, "in>1k").len(), 4);
    assert_eq!(nodes(&t, "out<100").len(), 2);
    // 22129/74, 21200/310 and 1500/220 qualify; 5000/800 has too much output.
    assert_eq!(nodes(&t, "in>=1.2k out<=310").len(), 3);
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
