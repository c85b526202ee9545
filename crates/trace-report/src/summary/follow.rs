//! `summary --follow`: each run reported once, when it completes, as a line of text or of
//! JSON (the run's `--detail` row).

use trace_formats::time::format_us;
use trace_model::stats::RunStats;
use trace_model::text::{clean, format_duration_us};
use trace_model::{NodeId, Trace};

use super::RunFigures;
use super::detail::{DetailRow, RunDetail};

/// Reports each run once, when it completes (`summary --follow`).
#[derive(Debug, Default)]
pub struct CompletedRuns {
    /// Runs reported, by [`RunKey`]: a run is reported once, whatever starts over.
    printed: rustc_hash::FxHashSet<RunKey>,
    checked_generation: u64,
}

impl CompletedRuns {
    /// Runs that completed since the last call, as (root, figures), in start order. A root
    /// still waiting for its named parent is held back: it is reported inside the parent's
    /// run once that ends, or by [`Self::take_orphans`] when following stops.
    pub fn take_new(&mut self, trace: &Trace) -> Vec<(NodeId, RunStats)> {
        if trace.generation == self.checked_generation {
            return Vec::new();
        }
        self.checked_generation = trace.generation;
        self.take(trace, false)
    }

    /// Completed runs still waiting for a parent that never came (following stopped).
    pub fn take_orphans(&mut self, trace: &Trace) -> Vec<(NodeId, RunStats)> {
        self.take(trace, true)
    }

    fn take(&mut self, trace: &Trace, orphans: bool) -> Vec<(NodeId, RunStats)> {
        let mut done: Vec<(NodeId, RunStats)> = trace
            .runs()
            .filter(|&r| waits_for_parent(trace, r) == orphans)
            .filter(|&r| !self.printed.contains(&run_key(trace, r)))
            .map(|r| (r, trace.run_stats(r)))
            .filter(|(_, s)| s.end_us.is_some())
            .collect();
        done.sort_by_key(|(id, s)| (s.start_us, *id));
        self.printed
            .extend(done.iter().map(|(id, _)| run_key(trace, *id)));
        done
    }

    /// A file read so far is now named `new` (rotated away): its runs stay reported.
    pub fn rename_file(&mut self, old: &str, new: &str) {
        let printed = std::mem::take(&mut self.printed);
        self.printed = printed
            .into_iter()
            .map(|mut k| {
                if k.0 == old {
                    new.clone_into(&mut k.0);
                }
                k
            })
            .collect();
    }

    /// The input started over: the trace is rebuilt, but runs already reported stay
    /// reported (a reset of one file must not re-report another's runs).
    pub fn reset(&mut self) {
        self.checked_generation = 0;
    }
}

/// A run's identity across resets: its file, its producer id, and its root's times. A reset
/// sends every file again: a run read again is the same key; a run that reuses an id in a
/// file that was truncated or rotated (a producer restarted) has other times or another end
/// record, and is new.
type RunKey = (String, String, Option<i64>, Option<i64>, Option<(u64, u32)>);

fn run_key(trace: &Trace, id: NodeId) -> RunKey {
    let file = trace
        .any_src(id)
        .map(|src| trace.file_name(src.file).to_owned())
        .unwrap_or_default();
    let n = trace.node(id);
    let end = trace.end_src(id).map(|s| (s.offset, s.len));
    (
        file,
        trace.ext_id(id).into_owned(),
        n.start_us(),
        n.end_us(),
        end,
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
