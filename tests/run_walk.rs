//! One `RunWalk` reused over many runs (the summary's rows) gives each run exactly the
//! figures and pre-order a fresh walk gives, with or without the per-model figures, whatever
//! the size of the run walked before it.

mod common;

use trace_model::stats::RunWalk;
use trace_model::{NodeId, Trace};

use common::{ANALYSIS, ATOF, HARN_A, trace};

fn check(t: &Trace, runs: &[NodeId]) {
    let mut walk = RunWalk::default();
    for &r in runs {
        for per_model in [true, false] {
            let got = t.run_stats_walk(r, &mut walk, per_model);
            let mut want = t.run_stats(r);
            if !per_model {
                want.by_model.clear();
            }
            assert_eq!(got, want, "run {r}, per model {per_model}");
            assert_eq!(walk.order(), t.preorder(r).as_slice(), "run {r}");
        }
    }
}

#[test]
fn a_reused_walk_gives_every_run_its_own_figures() {
    let t = trace(&[ANALYSIS]);
    let mut runs: Vec<NodeId> = t.runs().collect();
    // The fixture's header: planner 4 calls of m-big, batch 20 of m-fast.
    let calls: Vec<(u64, Vec<(String, u64)>)> = runs
        .iter()
        .map(|&r| {
            let s = t.run_stats(r);
            let models = s.by_model.iter().map(|(m, f)| (m.clone(), f.calls));
            (s.llm_calls, models.collect())
        })
        .collect();
    assert_eq!(
        calls,
        [
            (4, vec![("m-big".to_owned(), 4)]),
            (20, vec![("m-fast".to_owned(), 20)])
        ]
    );
    // Biggest run first, so a smaller one after it would see anything left behind.
    runs.sort_by_key(|&r| std::cmp::Reverse(t.preorder(r).len()));
    check(&t, &runs);
    runs.reverse();
    check(&t, &runs);
}

#[test]
fn a_reused_walk_agrees_on_the_bundled_samples() {
    for files in [[ATOF], [HARN_A]] {
        let t = trace(&files);
        let runs: Vec<NodeId> = t.runs().collect();
        assert!(!runs.is_empty(), "{files:?}");
        check(&t, &runs);
    }
}

/// The runs pane's rows: a reused walk gives each run's own row, and its latest time is the
/// latest start or end of any of its nodes.
#[test]
fn run_rows_from_a_reused_walk() {
    use trace_tui::app::RunRow;
    for files in [[ANALYSIS], [ATOF], [HARN_A]] {
        let t = trace(&files);
        let mut walk = RunWalk::default();
        for r in t.runs() {
            let row = RunRow::compute_in(&t, r, &mut walk);
            assert_eq!(row, RunRow::compute(&t, r));
            let latest = t
                .preorder(r)
                .iter()
                .filter_map(|&n| t.node(n).end_us().max(t.node(n).start_us()))
                .max();
            assert_eq!(row.last_us(), latest, "{files:?} run {r}");
            assert_eq!(row.start_us(), t.run_stats(r).start_us);
        }
    }
}

/// The explorer's run cache works out a run's figures and pre-order once and hands them to
/// the critical path, the idle gaps and the time axis: each gives what it gives on its own.
#[test]
fn one_walk_feeds_the_critical_path_gaps_and_time_axis() {
    use trace_model::query::Timeline;
    let mut gaps_seen = 0;
    for files in [[ANALYSIS], [ATOF], [HARN_A]] {
        let t = trace(&files);
        for r in t.runs() {
            let mut walk = RunWalk::default();
            let stats = t.run_stats_walk(r, &mut walk, false);
            let order = walk.into_order();
            assert_eq!(t.critical_path_with(r, &stats), t.critical_path(r));
            for min in [1, 1_000, 100_000] {
                let gaps = t.idle_gaps_in(&order, &stats, min);
                assert_eq!(gaps, t.idle_gaps(r, min), "{files:?} run {r}");
                gaps_seen += gaps.len();
            }
            let axis = Timeline::build_from(&t, r, &order);
            let whole = Timeline::build(&t, r);
            let edges = |a: &Timeline| (0..a.len()).map(|i| a.edge(&t, i)).collect::<Vec<_>>();
            assert_eq!(edges(&axis), edges(&whole));
        }
    }
    // The analysis fixture's planner run has an idle gap (its header): compared, not empty.
    assert!(gaps_seen > 0);
}
