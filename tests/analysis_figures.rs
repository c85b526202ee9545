//! `model::analysis` against answers worked out by hand: the bundled ATOF sample and
//! `tests/fixtures/analysis.jsonl` (nested parallelism, an idle gap, cumulative token reports,
//! 20 calls of one model for exemplars). Times below are seconds from the run's start.
//!
//! The fixture's `planner` run (0–10 s):
//! ```text
//! planner (agent, reports 5600/520/6120 cumulative)   0.0 ──────────────────────── 10.0
//!   chat llm1 m-big 1000/100                 0.5–2.0
//!   sub-agent-a                                  2.0 ─────────── 7.0
//!     fetch t1                                     2.5–4.0
//!     fetch t2                                     2.6 ───── 5.5
//!     parse t3                                       3.0–4.5
//!     chat llm2 m-big 1200/150 (400 cached)                5.8–6.8
//!   sub-agent-b (reports 800/50/850 cumulative)    2.2 ────── 6.0
//!     chat llm3 m-big 800/50                        2.3–3.3
//!     fetch                                            3.5 ─── 5.9
//!   checkpoint (mark)                                                 7.5
//!   chat llm4 m-big 2500/200                                             8.0–9.5
//! ```
//! The `batch` run (100–121 s): 20 back-to-back `fast` calls of m-fast, then 0.1 s of the root.

mod common;

use serde_json::{Value, json};
use trace_model::analysis::{self, NodeFigures, Source};
use trace_model::event::Tokens;
use trace_model::{NodeId, Trace};

use common::{ANALYSIS, ATOF, id, run};

fn load(rel: &str) -> (Trace, Value) {
    let (t, formats) = common::load(&[rel]);
    // Per-run critical paths, self time and own tokens are in the `--detail` document.
    let doc = trace_report::summary::summary_json_detail(&t, &formats);
    (t, doc)
}

fn fixture() -> (Trace, Value) {
    load(ANALYSIS)
}

fn sample() -> (Trace, Value) {
    load(ATOF)
}

fn tok(input: u64, output: u64, total: u64) -> Tokens {
    Tokens {
        input: Some(input),
        output: Some(output),
        total: Some(total),
        ..Default::default()
    }
}

fn figures_of(t: &Trace, root: &str) -> Vec<(NodeId, NodeFigures)> {
    analysis::figures(t, id(t, root))
}

fn fig(figs: &[(NodeId, NodeFigures)], node: NodeId) -> NodeFigures {
    figs.iter().find(|(n, _)| *n == node).unwrap().1
}

const S: i64 = 1_000_000;
const MS: i64 = 1_000;

#[test]
fn self_and_subtree_figures_with_cumulative_reports() {
    let (t, _) = fixture();
    let figs = figures_of(&t, "p");
    let p = fig(&figs, id(&t, "p"));
    // Children's subtrees: llm1 1000/100/1100 + A (= llm2 1200/150/1350) + B (850, see below)
    // + llm4 2500/200/2700 = 5500/500/6000, cache_read 400. The planner's own report is
    // cumulative: subtree = max per field = 5600/520/6120 (not 11600), self = 100/20/120.
    let mut sub = tok(5600, 520, 6120);
    sub.cache_read = Some(400);
    assert_eq!(p.subtree_tokens, Some(sub));
    assert_eq!(p.self_tokens, Some(tok(100, 20, 120)));
    assert_eq!(p.tokens_source, Source::ReportedCumulative);
    assert_eq!((p.llm_calls_self, p.llm_calls_subtree), (0, 4));
    // 10 s minus the union 0.5–2.0 ∪ 2.0–7.0 (A ∪ B) ∪ 8.0–9.5 = 8.0 s.
    assert_eq!((p.duration_us, p.self_time_us), (Some(10 * S), Some(2 * S)));
    let stats = t.run_stats(id(&t, "p")).tokens;
    assert_eq!(
        (stats.input, stats.output, stats.total, stats.cache_read),
        (5600, 520, 6120, 400),
        "run_stats agrees"
    );

    // sub-agent-b reports exactly its call's 800/50/850: a repeat of the call's figure, not
    // a source of its own (issue 16 item 3): its subtree is the call's, it has no self.
    let b = fig(&figs, id(&t, "b"));
    assert_eq!(b.subtree_tokens, Some(tok(800, 50, 850)));
    assert_eq!(b.self_tokens, None);
    assert_eq!(b.tokens_source, Source::Summed);
    // 2.2–6.0 (3.8 s) minus 2.3–3.3 and 3.5–5.9 (1.0 + 2.4): 0.4 s.
    assert_eq!(b.self_time_us, Some(400 * MS));

    // sub-agent-a reports nothing: its subtree is llm2's.
    let a = fig(&figs, id(&t, "a"));
    assert_eq!(a.tokens_source, Source::Summed);
    assert_eq!(a.self_tokens, None);
    assert_eq!(a.subtree_tokens.unwrap().total, Some(1350));
    assert_eq!((a.llm_calls_self, a.llm_calls_subtree), (0, 1));
    // 2.0–7.0 minus (2.5–4.0 ∪ 2.6–5.5 ∪ 3.0–4.5 = 2.5–5.5) and 5.8–6.8: 5.0 − 3.0 − 1.0 = 1.0 s.
    assert_eq!(a.self_time_us, Some(S));

    let l2 = fig(&figs, id(&t, "a-llm2"));
    assert_eq!(
        (l2.tokens_source, l2.llm_calls_self, l2.self_time_us),
        (Source::Reported, 1, Some(S))
    );
    assert_eq!(l2.self_tokens, l2.subtree_tokens);
    let t2 = fig(&figs, id(&t, "a-t2"));
    assert_eq!(
        (t2.tokens_source, t2.duration_us),
        (Source::None, Some(2_900 * MS))
    );
    // Marks are not looked up by id: the planner's only mark child.
    let mark_id = t
        .children(id(&t, "p"))
        .find(|&c| t.node(c).kind == trace_model::NodeKind::Mark)
        .unwrap();
    let mark = fig(&figs, mark_id);
    assert_eq!(
        (mark.duration_us, mark.self_time_us),
        (None, None),
        "marks have no duration"
    );

    // self + Σ children's subtrees = subtree, for every node (totals).
    for (n, f) in &figs {
        let kids: u64 = t
            .children(*n)
            .filter_map(|c| fig(&figs, c).subtree_tokens)
            .map(|k| k.total_or_sum())
            .sum();
        let own = f.self_tokens.map_or(0, |s| s.total_or_sum());
        assert_eq!(
            own + kids,
            f.subtree_tokens.map_or(0, |s| s.total_or_sum()),
            "node {n}"
        );
    }
}

#[test]
fn critical_path_through_nested_parallel_groups() {
    let (t, _) = fixture();
    let steps = analysis::critical_path(&t, id(&t, "p"));
    // Planner from 10.0 back: llm4 ends 9.5 (0.5 own), then A ends 7.0 ≤ 8.0 (1.0 own; B ended
    // 6.0 > 2.0 after A's start: off the path), llm1 ends 2.0 = A's start (0), 0.5 before
    // llm1: 2.0 s. Inside A from 7.0: llm2 ends 6.8 (0.2), t2 ends 5.5 ≤ 5.8 (0.3), t1 and t3
    // end after t2's start 2.6: off the path; 2.6 − 2.0 = 0.6: A has 1.1 s on the path though
    // its self time is 1.0 (t1 started before the critical t2).
    let got: Vec<(NodeId, i64, i64, i64)> = steps
        .iter()
        .map(|s| (s.node, s.start_us, s.end_us, s.self_on_path_us))
        .collect();
    let base = t.node(id(&t, "p")).start_us().unwrap();
    let at = |ms: i64| base + ms * MS;
    assert_eq!(
        got,
        vec![
            (id(&t, "p"), at(0), at(10_000), 2_000 * MS),
            (id(&t, "p-llm1"), at(500), at(2_000), 1_500 * MS),
            (id(&t, "a"), at(2_000), at(7_000), 1_100 * MS),
            (id(&t, "a-t2"), at(2_600), at(5_500), 2_900 * MS),
            (id(&t, "a-llm2"), at(5_800), at(6_800), 1_000 * MS),
            (id(&t, "p-llm4"), at(8_000), at(9_500), 1_500 * MS),
        ]
    );
    assert_eq!(steps.iter().map(|s| s.self_on_path_us).sum::<i64>(), 10 * S);
    let shares: Vec<f64> = steps.iter().map(|s| s.share_of_run).collect();
    assert_eq!(shares, [0.2, 0.15, 0.11, 0.29, 0.1, 0.15]);
    // Tokens: the planner's own 120, llm1 1100, A and t2 none, llm2 1350, llm4 2700 of 6120.
    let tokens: Vec<Option<u64>> = steps
        .iter()
        .map(|s| s.tokens.map(|t| t.total_or_sum()))
        .collect();
    assert_eq!(
        tokens,
        [Some(120), Some(1100), None, None, Some(1350), Some(2700)]
    );
    assert_eq!(steps[5].token_share, Some(2700.0 / 6120.0));

    // batch: 20 calls back to back (20.9 s) + 0.1 s of the root after the last.
    let steps = analysis::critical_path(&t, id(&t, "q"));
    assert_eq!(steps.len(), 21);
    assert_eq!(steps[0].self_on_path_us, 100 * MS);
    assert_eq!(steps.iter().map(|s| s.self_on_path_us).sum::<i64>(), 21 * S);
}

#[test]
fn idle_gaps_and_context_growth_in_the_fixture() {
    let (t, _) = fixture();
    let p = id(&t, "p");
    let base = t.node(p).start_us().unwrap();
    let rel = |g: Vec<(i64, i64)>| -> Vec<(i64, i64)> {
        g.iter().map(|(s, e)| (s - base, e - base)).collect()
    };
    // Leaf work: 0.5–2.0, 2.3–6.8 (llm3, t1, t2, t3, B's fetch, llm2 overlap), 8.0–9.5. A is
    // open until 7.0 but only enclosing; the 7.5 mark is not activity. Longest first, ties by
    // start: 6.8–8.0 (1.2), 0–0.5, 9.5–10.0, 2.0–2.3.
    assert_eq!(
        rel(analysis::idle_gaps(&t, p, 0)),
        vec![
            (6_800 * MS, 8 * S),
            (0, 500 * MS),
            (9_500 * MS, 10 * S),
            (2 * S, 2_300 * MS)
        ]
    );
    assert_eq!(analysis::idle_gaps(&t, p, 400 * MS).len(), 3);
    // Calls in start order across both branches: llm1 0.5, llm3 2.3 (in B), llm2 5.8, llm4 8.0.
    let growth: Vec<(NodeId, i64, u64)> = analysis::context_growth(&t, p)
        .into_iter()
        .map(|(n, at, i)| (n, at - base, i))
        .collect();
    assert_eq!(
        growth,
        vec![
            (id(&t, "p-llm1"), 500 * MS, 1000),
            (id(&t, "b-llm3"), 2_300 * MS, 800),
            (id(&t, "a-llm2"), 5_800 * MS, 1200),
            (id(&t, "p-llm4"), 8 * S, 2500),
        ]
    );
}

#[test]
fn exemplars_pick_hand_checked_calls() {
    let (t, _) = fixture();
    let ex = analysis::exemplars(&t);
    let pick = |p: &analysis::Percentiles, r: &str| {
        let e = p.get(r).unwrap();
        (e.value, t.ext_id(e.node).into_owned())
    };
    let fast = &ex.by_model["m-fast"];
    // 20 latencies: 100…2000 ms with 1100 missing and 1000 twice (c02 and c10). Nearest rank:
    // p50 = rank ⌈10⌉ = 10 → 1000 ms; ranks 10 and 11 tie, the lower node id (c02) wins;
    // p95 = rank ⌈19⌉ = 19 → 1900 (c03); p99 = rank ⌈19.8⌉ = 20 → 2000 (c07) = max.
    assert_eq!(fast.latency_us.count, 20);
    assert_eq!(pick(&fast.latency_us, "p50"), (1_000 * MS, "q-c02".into()));
    assert_eq!(pick(&fast.latency_us, "p95"), (1_900 * MS, "q-c03".into()));
    assert_eq!(pick(&fast.latency_us, "p99"), (2_000 * MS, "q-c07".into()));
    assert_eq!(pick(&fast.latency_us, "max"), (2_000 * MS, "q-c07".into()));
    // Call k has input 100·((3k mod 20) + 1) + 10 output: totals 110…2010, one each.
    // Rank 10 → 1010 (3k mod 20 = 9: k = 3); rank 19 → 1910 (= 18: k = 6); rank 20 → 2010
    // (= 19: k = 13).
    assert_eq!(pick(&fast.tokens, "p50"), (1010, "q-c03".into()));
    assert_eq!(pick(&fast.tokens, "p95"), (1910, "q-c06".into()));
    assert_eq!(pick(&fast.tokens, "p99"), (2010, "q-c13".into()));

    // m-big: 1.0 s (llm3, earlier node), 1.0 s (llm2), 1.5 s (llm1), 1.5 s (llm4). p50 = rank 2:
    // the second of the tied 1.0 s calls, llm2; p95 = rank ⌈3.8⌉ = 4: llm4.
    let big = &ex.by_model["m-big"];
    assert_eq!(pick(&big.latency_us, "p50"), (S, "a-llm2".into()));
    assert_eq!(pick(&big.latency_us, "p95"), (1_500 * MS, "p-llm4".into()));
    // Tokens 850 (llm3), 1100 (llm1), 1350 (llm2), 2700 (llm4): p50 = rank 2 → llm1.
    assert_eq!(pick(&big.tokens, "p50"), (1100, "p-llm1".into()));
    // fetch: 1.5 s (t1), 2.4 s (B's), 2.9 s (t2): p50 = rank 2, p95 = rank 3.
    let fetch = &ex.by_tool["fetch"];
    assert_eq!(
        pick(&fetch.latency_us, "p50"),
        (2_400 * MS, "b-fetch".into())
    );
    assert_eq!(pick(&fetch.latency_us, "p95"), (2_900 * MS, "a-t2".into()));
    assert_eq!(ex.by_tool["parse"].latency_us.count, 1);
    assert_eq!(ex.by_name["chat"].latency_us.count, 4);
}

#[test]
fn sample_figures_and_path_shares() {
    let (t, _) = sample();
    let cc = "01979f2a-6c41-7d3e-8b20-4f1a9c0e5d71";
    let turn = "01979f2a-6c52-7a10-9e44-b7d2c3a1f008";
    let l1 = "01979f2a-7f13-7b2c-a5d9-3e6b8f0c2a44";
    let read = "01979f2a-8a07-7c61-8f3e-1d90b4e7c256";
    let l2 = "01979f2a-9210-7d11-8c3a-5b7e2f1d0a66";
    let figs = figures_of(&t, cc);
    let root = fig(&figs, id(&t, cc));
    // LLM1 22129/74/22203 (9 + 21480 read + 640 written) + LLM2 21200/310/21510
    // (1200 + 20000 read) = 43329/384/43713; nothing reported above them.
    assert_eq!(root.tokens_source, Source::Summed);
    assert_eq!(root.subtree_tokens.unwrap().total, Some(43713));
    assert_eq!(
        (root.self_time_us, root.llm_calls_subtree),
        (Some(200 * MS), 2)
    );
    // Turn 0.1–7.1 minus 3.0 + (Read 3.25–4.1 ∪ Grep 3.26–3.9 = 0.85) + 2.8 = 0.35 s.
    assert_eq!(fig(&figs, id(&t, turn)).self_time_us, Some(350 * MS));
    let f1 = fig(&figs, id(&t, l1));
    assert_eq!(
        (f1.tokens_source, f1.self_time_us),
        (Source::Reported, Some(3 * S))
    );
    assert_eq!(f1.self_tokens.unwrap().cache_read, Some(21_480));

    let steps = analysis::critical_path(&t, id(&t, cc));
    let got: Vec<(NodeId, i64)> = steps.iter().map(|s| (s.node, s.self_on_path_us)).collect();
    // Root 0–7.2: 7.2 − 7.1 + 0.1 − 0 = 0.2. Turn from 7.1: LLM2 ends 7.0 (0.1), cursor 4.2;
    // Read ends 4.1 ≤ 4.2 (0.1), cursor 3.25; Grep ends 3.9 > 3.25: off the path; LLM1 ends
    // 3.2 (0.05), cursor 0.2; 0.2 − 0.1 = 0.1. Turn: 0.35. Only Read of the parallel pair.
    assert_eq!(
        got,
        vec![
            (id(&t, cc), 200 * MS),
            (id(&t, turn), 350 * MS),
            (id(&t, l1), 3 * S),
            (id(&t, read), 850 * MS),
            (id(&t, l2), 2_800 * MS),
        ]
    );
    // Shares of 7.2 s; tokens 22203 and 21510 of 43713.
    assert!((steps[2].share_of_run - 3.0 / 7.2).abs() < 1e-12);
    assert_eq!(steps[4].token_share, Some(21510.0 / 43713.0));
    assert_eq!(steps[3].tokens, None);
}

#[test]
fn summary_json_carries_the_new_figures() {
    let (_, doc) = fixture();
    let p = run(&doc, "planner");
    assert_eq!(p["critical_path_ms"], 10_000.0);
    assert_eq!(p["self_time_ms"], 2_000.0);
    // The cumulative report minus its children: 5600 − 5500, 520 − 500, 6120 − 6000.
    assert_eq!(
        p["tokens_self"],
        json!({"input": 100, "output": 20, "total": 120, "cache_read": null, "cache_write": null,
               "cache_write_1h": null, "uncached": null, "reasoning": null})
    );
    assert_eq!(
        p["tokens_subtree"],
        json!({"input": 5600, "output": 520, "total": 6120, "cache_read": 400, "cache_write": null,
               "cache_write_1h": null, "uncached": null, "reasoning": null})
    );
    // The five largest steps (llm2's 1.0 s is dropped), in time order.
    let steps: Vec<(&str, &str, f64, f64)> = p["critical_path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap(),
                s["category"].as_str().unwrap(),
                s["self_ms"].as_f64().unwrap(),
                s["share"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            ("planner", "agent", 2000.0, 0.2),
            ("chat", "llm", 1500.0, 0.15),
            ("sub-agent-a", "agent", 1100.0, 0.11),
            ("fetch", "tool", 2900.0, 0.29),
            ("chat", "llm", 1500.0, 0.15),
        ]
    );
    let fast = &doc["exemplars"]["by_model"]["m-fast"];
    assert_eq!(fast["count"], 20);
    assert_eq!(
        fast["latency_ms"]["p50"],
        json!({"value": 1000.0, "id": "q-c02", "name": "fast"})
    );
    assert_eq!(fast["tokens"]["p95"]["id"], "q-c06");
    assert_eq!(
        doc["exemplars"]["by_tool"]["fetch"]["latency_ms"]["p95"]["value"],
        2900.0
    );

    let (_, doc) = sample();
    let cc = run(&doc, "claude-code");
    assert_eq!(cc["critical_path_ms"], 7200.0);
    assert_eq!(cc["self_time_ms"], 200.0);
    assert_eq!(cc["tokens_self"], Value::Null);
    assert_eq!(cc["tokens_subtree"]["total"], 43713); // Anthropic inputs include the cache
    let shares: Vec<f64> = cc["critical_path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["share"].as_f64().unwrap())
        .collect();
    // 0.2, 0.35, 3.0, 0.85, 2.8 of 7.2 s, to four places.
    assert_eq!(shares, [0.0278, 0.0486, 0.4167, 0.1181, 0.3889]);
}
