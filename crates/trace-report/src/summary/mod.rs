//! `trace-tui summary`: the headless report, as an aligned table or one JSON document.
//!
//! The document is a summary, not a copy of the trace: totals, per-model and per-tool tables
//! with their exemplars, and one compact row per run (`json`). `--detail` adds each run's
//! critical path, self time and own tokens, and the exemplars of every scope name that repeats
//! (`detail`). Both are typed `Serialize` structs streamed to the writer. `text` is the
//! aligned table, `follow` the per-run lines of `summary --follow`.
//!
//! Every run's figures (its statistics, its cost, and with `--detail` its critical path) are
//! computed once, on both cores, before anything is written ([`figures`]).

mod detail;
mod exemplars;
mod follow;
mod json;
mod row;
mod text;

pub use detail::CRITICAL_STEPS;
pub use follow::{Completed, CompletedRuns, run_json_line, run_line};
pub use json::{summary_json, summary_json_detail, write_summary_json};
pub use text::{diagnostics_text, warnings_text, write_text};

use rustc_hash::FxHashMap;
use trace_model::stats::{RunStats, RunWalk, Totals};
use trace_model::{NodeId, Sym, Trace};

use crate::cost::CostSum;

/// Runs with their figures, ordered by start time (unknown starts last, then arrival). With
/// many runs, the second half's figures are computed on another thread.
pub fn runs_by_start(trace: &Trace) -> Vec<(NodeId, RunStats)> {
    let roots: Vec<NodeId> = trace.runs().collect();
    let mut runs = on_two_threads(&roots, |&r| (r, trace.run_stats(r)));
    runs.sort_by_key(|(id, s)| (s.start_us.is_none(), s.start_us, *id));
    runs
}

/// One run's figures for the summary (its per-model figures are folded into the totals).
pub(crate) struct RunFigures<'t> {
    pub id: NodeId,
    pub stats: RunStats,
    pub cost: CostSum,
    /// With `--detail` only.
    pub detail: Option<Box<detail::RunDetail<'t>>>,
}

/// Every run's figures and their sums. The runs are in two parts, each in
/// [`runs_by_start`] order ([`Figures::ordered`] merges them): one per thread, so they need
/// not be copied into one list. Without `--detail` only each run's place in that order is
/// kept (24 bytes, not ~300): its row is computed again as it is written
/// ([`Figures::row_batches`]), so a log of 300,000 runs does not hold 90 MB of figures.
/// Under `PARALLEL_FROM` runs, they are all kept.
pub(crate) struct Figures<'t> {
    parts: [Vec<RunFigures<'t>>; 2],
    /// Each half's runs by [`RunKey`] while they are computed, then merged into `order`.
    keys: [Vec<RunKey>; 2],
    /// The runs whose rows are computed again, in [`runs_by_start`] order: 4 bytes a run
    /// while rows are written, where the keys take 16.
    order: Vec<NodeId>,
    pub totals: Totals,
    pub cost: CostSum,
    pub cost_by_model: FxHashMap<Sym, CostSum>,
}

/// A run's place in [`runs_by_start`] order: by start, unknown starts last (as `i64::MAX`;
/// a start of exactly that counts one less), then arrival. 16 bytes a run, where the
/// `(bool, Option<i64>, NodeId)` it stands for takes 24.
type RunKey = (i64, NodeId);

fn start_key(r: &RunFigures<'_>) -> RunKey {
    (
        r.stats.start_us.map_or(i64::MAX, |s| s.min(i64::MAX - 1)),
        r.id,
    )
}

/// Runs written per batch when rows are computed as they are written.
const ROW_BATCH: usize = 1024;

impl<'t> RunFigures<'t> {
    /// One run's figures, walked in `walk`, and with `per_model` its figures and cost per
    /// model (which the totals need and a row does not: a `String` per model per run).
    fn compute(
        trace: &'t Trace,
        id: NodeId,
        detail: bool,
        walk: &mut RunWalk,
        per_model: bool,
    ) -> (Self, Vec<(Sym, CostSum)>) {
        let stats = trace.run_stats_walk(id, walk, per_model);
        let (cost, by_model) = crate::cost::run_cost_in(trace, walk.order(), per_model);
        let detail = detail.then(|| Box::new(detail::RunDetail::of(trace, id, &stats)));
        let f = RunFigures {
            id,
            stats,
            cost,
            detail,
        };
        (f, by_model)
    }
}

impl<'t> RunFigures<'t> {
    /// A run's figures computed again for its compact row (no detail, no per-model figures).
    fn again(trace: &'t Trace, id: NodeId, walk: &mut RunWalk) -> Self {
        Self::compute(trace, id, false, walk, false).0
    }
}

impl<'t> Figures<'t> {
    /// The figures of `roots`; each run's are kept (`keep`) or only its place in order.
    fn of(trace: &'t Trace, roots: &[NodeId], detail: bool, keep: bool) -> Self {
        let mut runs = Vec::with_capacity(if keep { roots.len() } else { 0 });
        let mut keys = Vec::with_capacity(if keep { 0 } else { roots.len() });
        let mut totals = Totals::default();
        let mut cost = CostSum::default();
        let mut cost_by_model: FxHashMap<Sym, CostSum> = FxHashMap::default();
        let mut walk = RunWalk::default();
        for &id in roots {
            let (mut f, by_model) = RunFigures::compute(trace, id, detail, &mut walk, true);
            totals.add(&f.stats);
            // Summed; a gigabyte log's runs need not each keep their model list.
            f.stats.by_model = Vec::new();
            cost.add_sum(&f.cost);
            for (sym, c) in by_model {
                cost_by_model.entry(sym).or_default().add_sum(&c);
            }
            if keep {
                runs.push(f);
            } else {
                keys.push(start_key(&f));
            }
        }
        runs.sort_by_key(start_key);
        keys.sort_unstable();
        Figures {
            parts: [runs, Vec::new()],
            keys: [keys, Vec::new()],
            order: Vec::new(),
            totals,
            cost,
            cost_by_model,
        }
    }

    /// Adds the runs and sums of the other half.
    fn merge(&mut self, mut o: Figures<'t>) {
        self.parts[1] = std::mem::take(&mut o.parts[0]);
        self.keys[1] = std::mem::take(&mut o.keys[0]);
        self.totals.merge(o.totals);
        self.cost.add_sum(&o.cost);
        for (sym, c) in o.cost_by_model {
            self.cost_by_model.entry(sym).or_default().add_sum(&c);
        }
    }

    /// Merges the halves' keys into [`Self::order`] and frees them.
    fn seal(&mut self) {
        let [a, b] = std::mem::take(&mut self.keys);
        self.order = merged(&a, &b, |k| *k).map(|k| k.1).collect();
    }

    pub fn len(&self) -> usize {
        self.parts[0].len() + self.parts[1].len() + self.order.len()
    }

    /// Every run's figures in [`runs_by_start`] order, handed to `each` on this thread: the
    /// kept ones, or (without `--detail`) ones computed again.
    pub fn each_run<E>(
        &self,
        trace: &'t Trace,
        mut each: impl FnMut(&RunFigures<'t>) -> Result<(), E>,
    ) -> Result<(), E> {
        let [a, b] = &self.parts;
        merged(a, b, start_key).try_for_each(&mut each)?;
        let mut walk = RunWalk::default();
        self.order
            .iter()
            .try_for_each(|&id| each(&RunFigures::again(trace, id, &mut walk)))
    }

    /// What `write` makes of every run's figures, in [`runs_by_start`] order, handed to
    /// `each` in batches: a batch is rows separated by commas. Without `--detail` the rows
    /// are computed again, and many are computed and written by two workers taking
    /// alternate batches, while this thread hands the finished batches on: the cores never
    /// wait for the writer, and each worker is at most two batches ahead.
    pub fn row_batches<E: Send>(
        &self,
        trace: &'t Trace,
        write: impl Fn(&RunFigures<'t>, &mut Vec<u8>) -> Result<(), E> + Sync,
        mut each: impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut buf = Vec::new();
        let [a, b] = &self.parts;
        for (i, f) in merged(a, b, start_key).enumerate() {
            if i % ROW_BATCH != 0 {
                buf.push(b',');
            }
            write(f, &mut buf)?;
            if i % ROW_BATCH == ROW_BATCH - 1 {
                each(&buf)?;
                buf.clear();
            }
        }
        if !buf.is_empty() {
            each(&buf)?;
        }
        let ids = &self.order;
        let batch = |ids: &[NodeId], out: &mut Vec<u8>| -> Result<(), E> {
            out.clear();
            let mut walk = RunWalk::default();
            for (i, &id) in ids.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(&RunFigures::again(trace, id, &mut walk), out)?;
            }
            Ok(())
        };
        let batches: Vec<&[NodeId]> = ids.chunks(ROW_BATCH).collect();
        if ids.len() < PARALLEL_FROM {
            return batches.iter().try_for_each(|ids| {
                batch(ids, &mut buf)?;
                each(&buf)
            });
        }
        std::thread::scope(|scope| {
            let done: Vec<_> = (0..2)
                .map(|worker| {
                    let (tx, rx) = std::sync::mpsc::sync_channel(2);
                    let (batches, batch) = (&batches, &batch);
                    scope.spawn(move || {
                        let mut size = 0;
                        for ids in batches.iter().skip(worker).step_by(2) {
                            let mut out = Vec::with_capacity(size);
                            let made = batch(ids, &mut out).map(|()| out);
                            size = made.as_ref().map_or(0, Vec::len);
                            // The writer stopped (an error): so do the workers.
                            if tx.send(made).is_err() {
                                return;
                            }
                        }
                    });
                    rx
                })
                .collect();
            for i in 0..batches.len() {
                // A worker that panicked sends no more; the scope passes its panic on.
                let Ok(made) = done[i % 2].recv() else { break };
                each(&made?)?;
            }
            Ok(())
        })
    }
}

/// Two lists each sorted by `key`, merged in that order (ties: the first list's first).
fn merged<'x, T, K: Ord>(
    a: &'x [T],
    b: &'x [T],
    key: impl Fn(&T) -> K,
) -> impl Iterator<Item = &'x T> {
    let (mut i, mut j) = (0, 0);
    std::iter::from_fn(move || {
        let next = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if key(y) < key(x) => {
                j += 1;
                y
            }
            (Some(x), _) => {
                i += 1;
                x
            }
            (None, Some(y)) => {
                j += 1;
                y
            }
            (None, None) => return None,
        };
        Some(next)
    })
}

/// Runs from which their figures are computed on two threads.
const PARALLEL_FROM: usize = 1024;

/// Every run's figures, computed on two threads when there are many.
pub(crate) fn figures(trace: &Trace, detail: bool) -> Figures<'_> {
    let roots: Vec<NodeId> = trace.runs().collect();
    // Few runs keep their figures (a few hundred bytes each), so their rows are not computed
    // again: a log of one huge run walked it twice (1 GB, 1.25 M scopes). Decided once for
    // all runs: the rows are written kept ones first, so both halves must agree (with a
    // choice per half, 2,047 runs split 1,023 / 1,024 and came out of order; tested).
    let keep = detail || roots.len() < PARALLEL_FROM;
    let mut figures = if roots.len() < PARALLEL_FROM {
        Figures::of(trace, &roots, detail, keep)
    } else {
        let (a, b) = roots.split_at(roots.len() / 2);
        std::thread::scope(|scope| {
            let tail = scope.spawn(|| Figures::of(trace, b, detail, keep));
            let mut head = Figures::of(trace, a, detail, keep);
            head.merge(
                tail.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
            head
        })
    };
    drop(roots);
    figures.seal();
    figures
}

/// `f` over `items`, the second half on another thread when there are many.
fn on_two_threads<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    if items.len() < PARALLEL_FROM {
        return items.iter().map(&f).collect();
    }
    let (a, b) = items.split_at(items.len() / 2);
    std::thread::scope(|scope| {
        let tail = scope.spawn(|| b.iter().map(&f).collect::<Vec<R>>());
        let mut head: Vec<R> = Vec::with_capacity(items.len());
        head.extend(a.iter().map(&f));
        head.extend(
            tail.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        );
        head
    })
}
