//! Run rows: per-run figures cached by run id, recomputed only for runs that received events,
//! then filtered by status and sorted.

use trace_model::stats::{RunStatus, RunWalk};
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

/// What the runs pane shows for one run: 56 bytes, kept for every run (a log of 300,000 runs
/// has as many). The name is not kept but cleaned from the trace when drawn ([`Self::name`]);
/// times are packed with [`NO_TIME`] for none. It was 144 bytes and a `String`, and the
/// explorer's peak on 302,481 runs was ~95 MiB above the summary's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRow {
    pub id: NodeId,
    pub status: RunStatus,
    pub complete: bool,
    /// Characters in the name as shown (the runs pane sizes its RUN column from these).
    pub name_chars: u16,
    pub llm_calls: u32,
    pub tool_calls: u32,
    pub errors: u32,
    /// Scopes in the run.
    pub scopes: u32,
    pub tokens: u64,
    start: i64,
    /// Wall time when complete; else the time up to the last event seen.
    duration: i64,
    /// Time of the run's latest event.
    last: i64,
}

const _: () = assert!(std::mem::size_of::<RunRow>() == 56);

/// "No time" in a [`RunRow`].
const NO_TIME: i64 = i64::MIN;

fn pack(t: Option<i64>) -> i64 {
    t.map_or(NO_TIME, |t| t.max(NO_TIME + 1))
}

fn unpack(t: i64) -> Option<i64> {
    (t != NO_TIME).then_some(t)
}

/// A run's count as kept (a run has fewer nodes than `u32::MAX`).
fn count(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl RunRow {
    pub fn compute(trace: &Trace, id: NodeId) -> Self {
        Self::compute_in(trace, id, &mut RunWalk::default())
    }

    /// [`Self::compute`], walking the run in `walk` (reused over many runs).
    pub fn compute_in(trace: &Trace, id: NodeId, walk: &mut RunWalk) -> Self {
        let s = trace.run_stats_walk(id, walk, false);
        let complete = s.end_us.is_some();
        let duration_us = s.duration_us().or_else(|| Some(s.last_us? - s.start_us?));
        let name_chars = clean(trace.str(trace.node(id).name)).chars().count();
        Self {
            id,
            name_chars: u16::try_from(name_chars).unwrap_or(u16::MAX),
            status: s.status(),
            start: pack(s.start_us),
            duration: pack(duration_us),
            complete,
            last: pack(s.last_us),
            llm_calls: count(s.llm_calls),
            tool_calls: count(s.tool_calls),
            errors: count(s.errors),
            tokens: s.tokens.total,
            scopes: count(s.scopes),
        }
    }

    /// The run's name, cleaned for the terminal.
    pub fn name<'t>(&self, trace: &'t Trace) -> std::borrow::Cow<'t, str> {
        clean(trace.str(trace.node(self.id).name))
    }

    pub fn start_us(&self) -> Option<i64> {
        unpack(self.start)
    }

    /// Wall time when complete; else the time up to the last event seen.
    pub fn duration_us(&self) -> Option<i64> {
        unpack(self.duration)
    }

    /// Time of the run's latest event.
    pub fn last_us(&self) -> Option<i64> {
        unpack(self.last)
    }

    /// How long the run has been going: for a followed, unfinished run whose producer's clock
    /// agrees with ours (latest event within [`CLOCK_AGREEMENT_US`] of now), up to now; else
    /// up to its latest event.
    pub fn running_us(&self, feed: Feed, now_us: Option<i64>) -> Option<i64> {
        match (self.complete, feed, now_us, self.last_us(), self.start_us()) {
            (false, Feed::Live | Feed::Paused { .. }, Some(now), Some(last), Some(start))
                if (now - last).abs() < CLOCK_AGREEMENT_US =>
            {
                Some((now - start).max(self.duration_us().unwrap_or(0)))
            }
            _ => self.duration_us(),
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

/// The runs pane's order for `sort`; ties broken by creation order (the id), so keys are
/// unique.
fn run_order(sort: RunSort, a: &RunRow, b: &RunRow) -> std::cmp::Ordering {
    match sort {
        RunSort::Start => (a.start_us().is_none(), a.start_us(), a.id).cmp(&(
            b.start_us().is_none(),
            b.start_us(),
            b.id,
        )),
        RunSort::Duration => (std::cmp::Reverse(a.duration_us()), a.id)
            .cmp(&(std::cmp::Reverse(b.duration_us()), b.id)),
        RunSort::Tokens => {
            (std::cmp::Reverse(a.tokens), a.id).cmp(&(std::cmp::Reverse(b.tokens), b.id))
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
                .is_some_and(|(_, id)| self.runs.rows.contains(&id));
            if !shown {
                let cache = &self.runs.cache;
                self.runs.newest = self
                    .runs
                    .rows
                    .iter()
                    .filter_map(|id| cache.get(id))
                    .map(|r| (r.start_us(), r.id))
                    .max();
            }
            if let Some((_, id)) = self.runs.newest {
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
        // Grown once to its size, not by doubling (each step held the old table and the new).
        let cache = &mut self.runs.cache;
        cache.reserve(ids.len().saturating_sub(cache.len()));
        let mut walk = RunWalk::default();
        for &id in &ids {
            if self.dirty_runs.contains(&id) || !cache.contains_key(&id) {
                cache.insert(id, RunRow::compute_in(&self.trace, id, &mut walk));
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
        self.runs.newest = rows.iter().map(|r| (r.start_us(), r.id)).max();
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
        let mut walk = RunWalk::default();
        for &id in &changed {
            if self.trace.is_run(id) {
                let row = RunRow::compute_in(&self.trace, id, &mut walk);
                self.runs.cache.insert(id, row);
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
        let key = |r: &RunRow| (r.start_us(), r.id);
        let fell_back = self.runs.newest.is_some_and(|old| {
            self.dirty_runs.contains(&old.1)
                && fresh
                    .iter()
                    .find(|r| r.id == old.1)
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
