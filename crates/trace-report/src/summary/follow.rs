//! `summary --follow`: each run reported once, when it completes, as a line of text or of
//! JSON (the run's `--detail` row).

use trace_formats::time::format_us;
use trace_model::stats::RunStats;
use trace_model::text::{clean, format_duration_us};
use trace_model::{NodeId, Trace};

use super::RunFigures;
use super::detail::{DetailRow, RunDetail};

/// A run to report: its root, its figures, and whether it was reported before with fewer
/// (a session that completed another turn).
pub type Completed = (NodeId, RunStats, bool);

/// Reports each run once, when it completes (`summary --follow`). A session made of turns
/// (a container root: Claude Code, Codex) has no end record: it is complete whenever no
/// turn is open, so it is reported then, and again, as an update, each time a later turn
/// moves its end.
#[derive(Debug, Default)]
pub struct CompletedRuns {
    /// Runs reported, by [`RunKey`]: a run is reported once, whatever starts over.
    printed: rustc_hash::FxHashSet<RunKey>,
    /// Runs reported at least once, by (file, id, start): a later key of one is an update.
    seen: rustc_hash::FxHashSet<(String, String, Option<i64>)>,
    checked_generation: u64,
}

impl CompletedRuns {
    /// Runs that completed since the last call, as (root, figures), in start order. A root
    /// still waiting for its named parent is held back: it is reported inside the parent's
    /// run once that ends, or by [`Self::take_orphans`] when following stops.
    pub fn take_new(&mut self, trace: &Trace) -> Vec<Completed> {
        if trace.generation == self.checked_generation {
            return Vec::new();
        }
        self.checked_generation = trace.generation;
        self.take(trace, false)
    }

    /// Completed runs still waiting for a parent that never came (following stopped).
    pub fn take_orphans(&mut self, trace: &Trace) -> Vec<Completed> {
        self.take(trace, true)
    }

    fn take(&mut self, trace: &Trace, orphans: bool) -> Vec<Completed> {
        let mut done: Vec<(NodeId, RunStats, RunKey)> = trace
            .runs()
            .filter(|&r| waits_for_parent(trace, r) == orphans)
            .filter_map(|r| {
                // A root with an end record is keyed by it, so a reported one is passed
                // over without its figures; a session's end is its figures' (the last turn's).
                let session = trace.node(r).container() && !trace.node(r).has_end();
                let key = (!session).then(|| run_key(trace, r, None));
                if key.as_ref().is_some_and(|k| self.printed.contains(k)) {
                    return None;
                }
                let s = trace.run_stats(r);
                s.end_us?;
                let key = key.unwrap_or_else(|| run_key(trace, r, s.end_us));
                (!self.printed.contains(&key)).then_some((r, s, key))
            })
            .collect();
        done.sort_by_key(|(id, s, _)| (s.start_us, *id));
        done.into_iter()
            .map(|(id, s, key)| {
                let again = !self.seen.insert((key.0.clone(), key.1.clone(), key.2));
                self.printed.insert(key);
                (id, s, again)
            })
            .collect()
    }

    /// A file read so far is now named `new` (rotated away): its runs stay reported.
    pub fn rename_file(&mut self, old: &str, new: &str) {
        renamed(&mut self.printed, old, new, |k| &mut k.0);
        renamed(&mut self.seen, old, new, |k| &mut k.0);
    }

    /// The input started over: the trace is rebuilt, but runs already reported stay
    /// reported (a reset of one file must not re-report another's runs).
    pub fn reset(&mut self) {
        self.checked_generation = 0;
    }
}

/// `set` with every key whose file (`file` of it) is `old` now in `new`.
fn renamed<K: Eq + std::hash::Hash>(
    set: &mut rustc_hash::FxHashSet<K>,
    old: &str,
    new: &str,
    file: fn(&mut K) -> &mut String,
) {
    *set = std::mem::take(set)
        .into_iter()
        .map(|mut k| {
            let f = file(&mut k);
            if f == old {
                new.clone_into(f);
            }
            k
        })
        .collect();
}

/// A run's identity across resets: its file, its producer id, and its root's times. A reset
/// sends every file again: a run read again is the same key; a run that reuses an id in a
/// file that was truncated or rotated (a producer restarted) has other times or another end
/// record, and is new.
type RunKey = (String, String, Option<i64>, Option<i64>, Option<(u64, u32)>);

/// `session_end`: a session's end as its figures give it (its root has none of its own).
fn run_key(trace: &Trace, id: NodeId, session_end: Option<i64>) -> RunKey {
    let file = trace
        .any_src(id)
        .map(|src| trace.file_name(src.file).to_owned())
        .unwrap_or_default();
    let n = trace.node(id);
    let end_src = trace.end_src(id).map(|s| (s.offset, s.len));
    (
        file,
        trace.ext_id(id).into_owned(),
        n.start_us(),
        session_end.or_else(|| n.end_us()),
        end_src,
    )
}

/// A root whose named parent has not appeared (yet).
fn waits_for_parent(trace: &Trace, id: NodeId) -> bool {
    trace
        .node(id)
        .parent()
        .is_some_and(|p| trace.node(p).placeholder())
}

/// A run's `--detail` row as one line of text, terminal controls escaped (`summary --follow
/// --json`).
pub fn run_json_line(trace: &Trace, id: NodeId, s: &RunStats) -> String {
    let (cost, _) = crate::cost::run_cost(trace, id);
    let detail = RunDetail::of(trace, id, s);
    let f = RunFigures {
        id,
        stats: s.clone(),
        cost,
        detail: None,
    };
    let text = serde_json::to_string(&DetailRow::of(trace, &f, &detail))
        .unwrap_or_else(|_| "{}".to_owned());
    crate::escape::escape_json(&text).into_owned()
}

/// One human-readable line for a completed run.
pub fn run_line(trace: &Trace, id: NodeId, s: &RunStats) -> String {
    format!(
        "{} {} {} {} llm={} tools={} errors={} tokens in={} out={}",
        s.start_us.map_or_else(|| "-".into(), format_us),
        s.status().as_str(),
        clean(trace.str(trace.node(id).name)),
        s.duration_us()
            .map_or_else(|| "-".into(), |d| format_duration_us(d.max(0))),
        s.llm_calls,
        s.tool_calls,
        s.errors,
        s.tokens.input,
        s.tokens.output
    )
}
