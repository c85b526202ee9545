//! Run rows: per-run figures cached by run id, recomputed only for runs that received events,
//! then filtered by status and sorted.

use trace_model::stats::RunStatus;
use trace_model::text::clean;
use trace_model::{NodeId, Trace};

use super::{App, Feed};

/// Sort order of the runs pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RunSort {
    #[default]
    Start,
    /// Longest first.
    Duration,
    /// Most tokens first.
    Tokens,
}

impl RunSort {
    pub fn label(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Duration => "duration",
            Self::Tokens => "tokens",
        }
    }

    #[must_use]
    pub fn next(self) -> Self {
        match self {
            Self::Start => Self::Duration,
            Self::Duration => Self::Tokens,
            Self::Tokens => Self::Start,
        }
    }
}

/// Status filter of the runs pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    #[default]
    All,
    Ok,
    Error,
    Incomplete,
}

impl StatusFilter {
    pub fn label(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Ok => "ok",
            Self::Error => "error",
            Self::Incomplete => "incomplete/live",
        }
    }

    #[must_use]
    pub fn next(self) -> Self {
        match self {
            Self::All => Self::Error,
            Self::Error => Self::Incomplete,
            Self::Incomplete => Self::Ok,
            Self::Ok => Self::All,
        }
    }

    fn keeps(self, s: RunStatus) -> bool {
        match self {
            Self::All => true,
            Self::Ok => s == RunStatus::Ok,
            Self::Error => s == RunStatus::Error,
            Self::Incomplete => s == RunStatus::Incomplete,
        }
    }
}

/// A live run's duration runs on with the wall clock only while the log's clock and ours agree
/// this closely (replaying an old log must not show months-long runs).
pub const CLOCK_AGREEMENT_US: i64 = 5 * 60 * 1_000_000;

/// What the runs pane shows for one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRow {
    pub id: NodeId,
    /// Cleaned for the terminal.
    pub name: String,
    pub status: RunStatus,
    pub start_us: Option<i64>,
    /// Wall time when complete; else the time up to the last event seen.
    pub duration_us: Option<i64>,
    pub complete: bool,
    /// Time of the run's latest event.
    pub last_us: Option<i64>,
    pub llm_calls: u64,
    pub tool_calls: u64,
    pub errors: u64,
    pub tokens: u64,
    pub seq: u64,
    /// Characters in `name` (the runs pane sizes its RUN column from these).
    pub name_chars: u16,
    /// Scopes in the run.
    pub scopes: u64,
}

impl RunRow {
    pub fn compute(trace: &Trace, id: NodeId) -> Self {
        let s = trace.run_stats(id);
        let complete = s.end_us.is_some();
        let last_us = trace
            .preorder(id)
            .iter()
            .filter_map(|&n| trace.node(n).end_us().max(trace.node(n).start_us()))
            .max();
        let duration_us = s.duration_us().or_else(|| Some(last_us? - s.start_us?));
        let name = clean(trace.str(trace.node(id).name)).into_owned();
        Self {
            id,
            name_chars: u16::try_from(name.chars().count()).unwrap_or(u16::MAX),
            name,
            status: s.status(),
            start_us: s.start_us,
            duration_us,
            complete,
            last_us,
            llm_calls: s.llm_calls,
            tool_calls: s.tool_calls,
            errors: s.errors,
            tokens: s.tokens.total,
            scopes: s.scopes,
            seq: u64::from(id),
        }
    }

    /// How long the run has been going: for a followed, unfinished run whose producer's clock
    /// agrees with ours (latest event within [`CLOCK_AGREEMENT_US`] of now), up to now; else
    /// up to its latest event.
    pub fn running_us(&self, feed: Feed, now_us: Option<i64>) -> Option<i64> {
        match (self.complete, feed, now_us, self.last_us, self.start_us) {
            (false, Feed::Live | Feed::Paused { .. }, Some(now), Some(last), Some(start))
                if (now - last).abs() < CLOCK_AGREEMENT_US =>
            {
                Some((now - start).max(self.duration_us.unwrap_or(0)))
            }
            _ => self.duration_us,
        }
    }

    /// `ok`, `error`, `incomplete`, or `live` for an unfinished run that is being followed.
    pub fn status_label(&self, feed: Feed) -> &'static str {
        match self.status {
            RunStatus::Incomplete if feed != Feed::Static => "live",
            s => s.as_str(),
        }
    }
}

/// The runs pane's order for `sort`; ties broken by creation order, so keys are unique.
fn run_order(sort: RunSort, a: &RunRow, b: &RunRow) -> std::cmp::Ordering {
    match sort {
        RunSort::Start => (a.start_us.is_none(), a.start_us, a.seq).cmp(&(
            b.start_us.is_none(),
            b.start_us,
            b.seq,
        )),
        RunSort::Duration => (std::cmp::Reverse(a.duration_us), a.seq)
            .cmp(&(std::cmp::Reverse(b.duration_us), b.seq)),
        RunSort::Tokens => {
            (std::cmp::Reverse(a.tokens), a.seq).cmp(&(std::cmp::Reverse(b.tokens), b.seq))
        }
    }
}

impl App {
    /// Recomputes dirty run rows, then filters, sorts and re-finds the selection. While only
    /// runs that received events changed (following), the rows are patched: each changed run
    /// is found at its old place by binary search and taken out, the changed ones are merged
    /// back in order, so a frame costs a copy of the row list and O(changed · log runs) work,
    /// not a sort of every run (an OTLP feed of root spans makes every span a run).
    pub(super) fn rebuild_runs(&mut self) {
        let key = (
            self.runs.sort,
            self.runs.filter,
            self.filter.as_ref().map(ToString::to_string),
        );
        let patch = !self.runs_stale && self.runs.rows_key.as_ref() == Some(&key);
        if patch {
            self.patch_runs();
        } else {
            self.rebuild_all_runs();
        }
        self.runs.rows_key = Some(key);
        self.runs.demotions_seen = self.trace.demotions;
        if self.feed == Feed::Live && !self.held {
            // The newest run is the one that started last (among those shown).
            let shown = self
                .runs
                .newest
                .is_some_and(|(_, _, id)| self.runs.rows.contains(&id));
            if !shown {
                let cache = &self.runs.cache;
                self.runs.newest = self
                    .runs
                    .rows
                    .iter()
                    .filter_map(|id| cache.get(id))
                    .map(|r| (r.start_us, r.seq, r.id))
                    .max();
            }
            if let Some((_, _, id)) = self.runs.newest {
                self.runs.selected = Some(id);
            }
        }
        if let Some(i) = self
            .runs
            .selected
            .and_then(|s| self.runs.rows.iter().position(|&r| r == s))
        {
            self.runs.cursor = i;
        } else {
            self.runs.cursor = self.runs.cursor.min(self.runs.rows.len().saturating_sub(1));
            self.runs.selected = self.runs.rows.get(self.runs.cursor).copied();
        }
    }

    /// Whether a run passes the status filter and the filter expression (`text~` from the
    /// memo `refresh_text_memo` fills).
    fn run_passes(&self, r: &RunRow) -> bool {
        self.runs.filter.keeps(r.status)
            && match self.filter.as_ref() {
                Some(f) if f.reads_records() => {
                    self.runs.text_memo.get(&r.id).copied().unwrap_or(false)
                }
                Some(f) => f.matches_run(&self.trace, r.id),
                None => true,
            }
    }

    /// `text~` reads records from disk: once per run and filter, again for runs with news.
    fn refresh_text_memo(&mut self, ids: &[NodeId]) {
        let Some(f) = self.filter.as_ref().filter(|f| f.reads_records()) else {
            return;
        };
        let key = f.to_string();
        if self.runs.text_memo_for != key {
            self.runs.text_memo.clear();
            self.runs.text_memo_for = key;
        }
        let memo = &mut self.runs.text_memo;
        memo.retain(|id, _| !self.dirty_runs.contains(id));
        for &id in ids {
            memo.entry(id).or_insert_with(|| {
                f.matches_run_with(&self.trace, id, &super::search::DiskRecords)
            });
        }
    }

    /// Every run: rows computed where missing or dirty, filtered, sorted.
    fn rebuild_all_runs(&mut self) {
        let ids: Vec<NodeId> = self.trace.runs().collect();
        let live: rustc_hash::FxHashSet<NodeId> = ids.iter().copied().collect();
        self.runs.cache.retain(|id, _| live.contains(id));
        for &id in &ids {
            if self.dirty_runs.contains(&id) || !self.runs.cache.contains_key(&id) {
                self.runs.cache.insert(id, RunRow::compute(&self.trace, id));
            }
        }
        self.refresh_text_memo(&ids);
        let sort = self.runs.sort;
        let mut rows: Vec<&RunRow> = ids
            .iter()
            .filter_map(|id| self.runs.cache.get(id))
            .filter(|r| self.run_passes(r))
            .collect();
        rows.sort_by(|a, b| run_order(sort, a, b));
        self.runs.longest_name = rows.iter().map(|r| r.name_chars).max().unwrap_or(0);
        self.runs.newest = rows.iter().map(|r| (r.start_us, r.seq, r.id)).max();
        self.runs.rows = rows.iter().map(|r| r.id).collect();
    }

    /// Only the dirty runs changed (and perhaps some runs stopped being runs).
    fn patch_runs(&mut self) {
        let sort = self.runs.sort;
        let mut changed: Vec<NodeId> = self.dirty_runs.iter().copied().collect();
        changed.sort_unstable();
        // Where the changed runs sit now, found by their old rows' sort keys.
        let mut out_at: Vec<usize> = Vec::with_capacity(changed.len());
        {
            let (rows, cache) = (&self.runs.rows, &self.runs.cache);
            for id in &changed {
                let Some(old) = cache.get(id) else { continue };
                if let Ok(i) = rows.binary_search_by(|r| {
                    cache
                        .get(r)
                        .map_or(std::cmp::Ordering::Less, |row| run_order(sort, row, old))
                }) {
                    out_at.push(i);
                }
            }
        }
        // Roots that became children (their parent arrived): rare, looked for when counted.
        if self.trace.demotions != self.runs.demotions_seen {
            for (i, id) in self.runs.rows.iter().enumerate() {
                if !self.trace.is_run(*id) {
                    out_at.push(i);
                    self.runs.cache.remove(id);
                }
            }
        }
        out_at.sort_unstable();
        out_at.dedup();
        for &id in &changed {
            if self.trace.is_run(id) {
                self.runs.cache.insert(id, RunRow::compute(&self.trace, id));
            } else {
                self.runs.cache.remove(&id);
            }
        }
        changed.retain(|&id| self.trace.is_run(id));
        self.refresh_text_memo(&changed);
        let mut fresh: Vec<&RunRow> = changed
            .iter()
            .filter_map(|id| self.runs.cache.get(id))
            .filter(|r| self.run_passes(r))
            .collect();
        fresh.sort_by(|a, b| run_order(sort, a, b));
        if let Some(l) = fresh.iter().map(|r| r.name_chars).max() {
            self.runs.longest_name = self.runs.longest_name.max(l);
        }
        // The newest only moves forward, unless the newest itself changed: then look again
        // (in `rebuild_runs`).
        let key = |r: &RunRow| (r.start_us, r.seq, r.id);
        let fell_back = self.runs.newest.is_some_and(|old| {
            self.dirty_runs.contains(&old.2)
                && fresh
                    .iter()
                    .find(|r| r.id == old.2)
                    .is_none_or(|r| key(r) < old)
        });
        if fell_back {
            self.runs.newest = None;
        } else if let Some(n) = fresh.iter().map(|r| key(r)).max() {
            self.runs.newest = self.runs.newest.max(Some(n));
        }
        // Take the changed rows out (one pass), then put each fresh one at its place, found by
        // binary search: no per-row lookups, so a frame costs a copy of the row ids.
        let mut gone = out_at.into_iter().peekable();
        let mut kept: Vec<NodeId> = Vec::with_capacity(self.runs.rows.len() + fresh.len());
        for (i, &id) in self.runs.rows.iter().enumerate() {
            if gone.next_if_eq(&i).is_none() {
                kept.push(id);
            }
        }
        let cache = &self.runs.cache;
        let at: Vec<usize> = fresh
            .iter()
            .map(|f| {
                kept.partition_point(|id| {
                    cache.get(id).is_some_and(|r| run_order(sort, r, f).is_lt())
                })
            })
            .collect();
        let mut out = Vec::with_capacity(kept.len() + fresh.len());
        let mut from = 0;
        for (f, i) in fresh.iter().zip(at) {
            out.extend_from_slice(&kept[from..i]);
            out.push(f.id);
            from = i;
        }
        out.extend_from_slice(&kept[from..]);
        self.runs.rows = out;
    }
}
