//! Self time, critical path, idle gaps, context growth and exemplars on the bundled ATOF
//! sample, against answers worked out by hand from its timestamps (seconds from run start).

mod common;

use trace_model::{NodeId, Trace};

use common::{ATOF, id};

fn sample() -> Trace {
    common::trace(&[ATOF])
}

const CC: &str = "01979f2a-6c41-7d3e-8b20-4f1a9c0e5d71";
const TURN: &str = "01979f2a-6c52-7a10-9e44-b7d2c3a1f008";
const CC_L1: &str = "01979f2a-7f13-7b2c-a5d9-3e6b8f0c2a44";
const CC_L2: &str = "01979f2a-9210-7d11-8c3a-5b7e2f1d0a66";
const READ: &str = "01979f2a-8a07-7c61-8f3e-1d90b4e7c256";
const RA: &str = "0197a0b1-0000-7000-8000-00000000a001";
const RA_L1: &str = "0197a0b1-0001-7000-8000-00000000a002";
const RA_L2: &str = "0197a0b1-0005-7000-8000-00000000a006";
const WS1: &str = "0197a0b1-0002-7000-8000-00000000a003";
const WS2: &str = "0197a0b1-0003-7000-8000-00000000a004";
const CODEX: &str = "0197a0c2-0000-7000-8000-00000000c001";

/// Critical path as (node, self µs on the path).
fn path(t: &Trace, root: &str) -> (Vec<(NodeId, i64)>, i64) {
    let cp = t.critical_path(id(t, root));
    (
        cp.steps.iter().map(|s| (s.node, s.self_us)).collect(),
        cp.length_us,
    )
}

#[test]
fn self_time_subtracts_the_union_of_children() {
    let t = sample();
    // claude-code 0–7.2 s, its turn 0.1–7.1: 7.2 − 7.0 = 0.2 s.
    assert_eq!(t.self_time_us(id(&t, CC)), Some(200_000));
    // turn 0.1–7.1 (7.0 s) minus LLM 0.2–3.2, Read 3.25–4.1 ∪ Grep 3.26–3.9 (= 0.85), LLM 4.2–7.0:
    // 7.0 − (3.0 + 0.85 + 2.8) = 0.35 s. Parallel Read/Grep count once.
    assert_eq!(t.self_time_us(id(&t, TURN)), Some(350_000));
    // research-agent 0–6.1 minus LLM 0.5–2.0, searches 2.1–3.4 ∪ 2.1–5.0 (= 2.9), LLM 5.2–6.0: 6.1 − 5.2.
    assert_eq!(t.self_time_us(id(&t, RA)), Some(900_000));
    // An LLM call whose only child is a mark: all self.
    assert_eq!(t.self_time_us(id(&t, CC_L1)), Some(3_000_000));
    // An open scope has no self time yet.
    assert_eq!(t.self_time_us(id(&t, CODEX)), None);
}

#[test]
fn critical_path_follows_what_finished_last() {
    let t = sample();
    // From 7.2 back: turn ends 7.1 (root self 0.1 + 0.1 before it). In the turn from 7.1: LLM2
    // (4.2–7.0, gap 0.1), then Read (ends 4.1 ≤ 4.2, gap 0.1; Grep ended 3.9 but Read started
    // 3.25 first), then LLM1 (ends 3.2 ≤ 3.25, gap 0.05), then 0.1 before it. Turn self 0.35.
    let (steps, len) = path(&t, CC);
    assert_eq!(
        steps,
        vec![
            (id(&t, CC), 200_000),
            (id(&t, TURN), 350_000),
            (id(&t, CC_L1), 3_000_000),
            (id(&t, READ), 850_000),
            (id(&t, CC_L2), 2_800_000),
        ]
    );
    assert_eq!(
        len, 7_200_000,
        "the path's self times add up to the run's wall time"
    );

    // Parallel searches 2.1–3.4 and 2.1–5.0: only the one that ended last (call_2) bounds the
    // run. Root self: 6.1−6.0 + 5.2−5.0 + 2.1−2.0 + 0.5 = 0.9.
    let (steps, len) = path(&t, RA);
    assert_eq!(
        steps,
        vec![
            (id(&t, RA), 900_000),
            (id(&t, RA_L1), 1_500_000),
            (id(&t, WS2), 2_900_000),
            (id(&t, RA_L2), 800_000)
        ]
    );
    assert_eq!(len, 6_100_000);
    assert!(!steps.iter().any(|(n, _)| *n == id(&t, WS1)));

    // An incomplete run: open scopes run to the latest known time (the shell start, 4.1 s).
    let (steps, len) = path(&t, CODEX);
    assert_eq!(len, 4_100_000);
    assert_eq!(
        steps[0],
        (id(&t, CODEX), 400_000),
        "0.3 before the LLM call + 0.1 after it"
    );
}

#[test]
fn idle_gaps_and_context_growth() {
    let t = sample();
    let ra = id(&t, RA);
    let base = t.node(ra).start_us().unwrap();
    let gaps: Vec<(i64, i64)> = t
        .idle_gaps(ra, 0)
        .iter()
        .map(|(s, e)| (s - base, e - base))
        .collect();
    // Leaf work: 0.5–2.0, 2.1–5.0 (two searches), 5.2–6.0, inside 0–6.1. Longest first.
    assert_eq!(
        gaps,
        vec![
            (0, 500_000),
            (5_000_000, 5_200_000),
            (2_000_000, 2_100_000),
            (6_000_000, 6_100_000)
        ]
    );
    assert_eq!(
        t.idle_gaps(ra, 150_000).len(),
        2,
        "gaps shorter than the minimum are dropped"
    );
    let growth: Vec<(NodeId, u64)> = t
        .context_growth(ra)
        .iter()
        .map(|&(n, _, i)| (n, i))
        .collect();
    assert_eq!(growth, vec![(id(&t, RA_L1), 812), (id(&t, RA_L2), 1500)]);
}

#[test]
fn exemplars_point_at_the_calls() {
    let t = sample();
    let ex = t.exemplars();
    let sonnet = &ex.by_model["claude-sonnet-4-5"];
    // Latencies 3.0 s (LLM1) and 2.8 s (LLM2): p50 = rank ⌈0.5·2⌉ = 1 → 2.8 s; p95 = rank 2 → 3.0 s.
    assert_eq!(sonnet.latency_us.count, 2);
    let p50 = sonnet.latency_us.get("p50").unwrap();
    assert_eq!((p50.value, p50.node), (2_800_000, id(&t, CC_L2)));
    assert_eq!(sonnet.latency_us.get("p95").unwrap().node, id(&t, CC_L1));
    // Tokens 22203 (LLM1: 9 + 21480 read + 640 written in, 74 out) and 21510 (LLM2:
    // 1200 + 20000 read in, 310 out); inputs include the cache.
    assert_eq!(sonnet.tokens.get("p50").unwrap().value, 21510);
    assert_eq!(sonnet.tokens.get("max").unwrap().node, id(&t, CC_L1));
    let ws = &ex.by_tool["web_search"];
    assert_eq!(ws.latency_us.get("p50").unwrap().node, id(&t, WS1));
    assert_eq!(ws.latency_us.get("p99").unwrap().node, id(&t, WS2));
    assert_eq!(ws.tokens.count, 0, "tools report no tokens");
    assert_eq!(ex.by_name["Read"].latency_us.count, 1);
    // The open shell call has no latency yet.
    assert!(!ex.by_tool.contains_key("shell") || ex.by_tool["shell"].latency_us.count == 0);
}

#[test]
fn summary_json_carries_critical_path_self_and_subtree_figures() {
    let t = sample();
    let doc = trace_report::summary::summary_json_detail(&t, &[trace_formats::Format::Atof]);
    let ra = doc["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "research-agent")
        .unwrap();
    assert_eq!(ra["critical_path_ms"], 6100.0);
    assert_eq!(ra["self_time_ms"], 900.0);
    assert_eq!(
        ra["tokens_self"],
        serde_json::Value::Null,
        "the agent scope reported no usage itself"
    );
    assert_eq!(ra["tokens_subtree"]["total"], 2628);
    let steps: Vec<(&str, f64)> = ra["critical_path"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s["self_ms"].as_f64().unwrap()))
        .collect();
    assert_eq!(
        steps,
        vec![(RA, 900.0), (RA_L1, 1500.0), (WS2, 2900.0), (RA_L2, 800.0)]
    );
    // 2.9 s of 6.1 s.
    assert_eq!(ra["critical_path"][2]["share"], 0.4754);
    let p95 = &doc["exemplars"]["by_tool"]["web_search"]["latency_ms"]["p95"];
    assert_eq!(
        (p95["id"].as_str(), p95["value"].as_f64()),
        (Some(WS2), Some(2900.0))
    );
}

/// The explorer's per-node token column (`Trace::subtree_totals`, which holds only pending
/// ancestors' sums) equals the whole figures' totals (`Trace::subtree_tokens`) for every node
/// of every run, over producers that nest calls in calls, tools under calls and sub-agents.
#[test]
fn subtree_totals_are_the_subtree_tokens_totals() {
    let files = [
        ATOF,
        common::HARN_A,
        common::ANALYSIS,
        common::ATOF_ODD,
        "tests/fixtures/claude/258c7280-trimmed.jsonl",
        "tests/fixtures/claude/kvsankar-session-01.jsonl",
        "tests/fixtures/relay/gw-claude-session.atof.jsonl",
        "tests/fixtures/relay/relay.atof.jsonl",
        "tests/fixtures/otlp/sdk.otlp.jsonl",
    ];
    let mut nodes = 0;
    let mut with_tokens = 0;
    for f in files {
        let t = common::trace(&[f]);
        for root in t.runs() {
            let order = t.preorder(root);
            let whole: Vec<Option<u64>> = t
                .subtree_tokens(&order)
                .iter()
                .map(|s| s.map(|s| s.total_or_sum()))
                .collect();
            assert_eq!(t.subtree_totals(&order).to_vec(), whole, "{f}");
            nodes += order.len();
            with_tokens += whole.iter().filter(|w| w.is_some()).count();
        }
    }
    assert!(
        nodes > 100 && with_tokens > 50,
        "{nodes} nodes, {with_tokens} with tokens"
    );
}
