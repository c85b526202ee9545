//! The tokens view's interactive tables: every LLM and tool call of the selected run (name,
//! model, input, cached, output, latency, time to first token, cost, status), sortable by any
//! column and narrowed by the `F` filter expression; and the cursors of the latency-by-model
//! and latency-by-tool tables. `Enter` on a row opens that call in the explorer.

use std::borrow::Cow;

use trace_model::text::clean;
use trace_model::{NodeId, NodeKind, Trace};

use super::{App, Pane, View, layout};

/// Column the per-call table is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CallSort {
    /// Time order (start).
    #[default]
    Start,
    Name,
    Model,
    Input,
    Cached,
    Output,
    Latency,
    Ttft,
    Cost,
    Status,
}

impl CallSort {
    pub const ALL: [Self; 10] = [
        Self::Start,
        Self::Name,
        Self::Model,
        Self::Input,
        Self::Cached,
        Self::Output,
        Self::Latency,
        Self::Ttft,
        Self::Cost,
        Self::Status,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Start => "time",
            Self::Name => "name",
            Self::Model => "model",
            Self::Input => "input",
            Self::Cached => "cached",
            Self::Output => "output",
            Self::Latency => "latency",
            Self::Ttft => "ttft",
            Self::Cost => "cost",
            Self::Status => "status",
        }
    }

    #[must_use]
    pub fn next(self) -> Self {
        let i = Self::ALL.iter().position(|&s| s == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }
}

/// One call of the per-call table: 64 bytes, no text. Names, models and statuses are read
/// off the trace for the rows on screen only ([`CallRow::name`], [`CallRow::model`],
/// [`CallRow::status`]): a run of a million calls kept three strings a row, ~300 bytes each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallRow {
    pub id: NodeId,
    /// Input, cached and output tokens, cost in nano-dollars; [`NO_COUNT`] when unknown.
    counts: [u64; 4],
    /// Latency, time to first token (start to the first streamed chunk) and start, in µs;
    /// [`NO_TIME`] when unknown.
    times: [i64; 3],
    state: CallState,
    /// The cost leaves out a bucket whose rate the catalogue lacks.
    pub cost_partial: bool,
}

const NO_COUNT: u64 = u64::MAX;
const NO_TIME: i64 = i64::MIN;

/// How a call ended, in the order the status sort puts them (errors first, `ok` last).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum CallState {
    Error,
    Open,
    Incomplete,
    Ok,
}

fn count_of(v: Option<u64>) -> u64 {
    v.filter(|&n| n != NO_COUNT).unwrap_or(NO_COUNT)
}

fn time_of(v: Option<i64>) -> i64 {
    v.filter(|&t| t != NO_TIME).unwrap_or(NO_TIME)
}

impl CallRow {
    /// A call's figures, read off the trace.
    pub fn compute(trace: &Trace, id: NodeId) -> Self {
        let n = trace.node(id);
        let tok = trace.tokens(id);
        let ttft_us = trace
            .children(id)
            .filter(|&c| trace.node(c).kind == NodeKind::Mark)
            .filter_map(|c| trace.node(c).start_us())
            .min()
            .zip(n.start_us())
            .map(|(f, s)| f - s);
        let state = if trace.error(id).is_some() {
            CallState::Error
        } else if n.is_open() {
            CallState::Open
        } else if trace.incomplete(id).is_some() {
            CallState::Incomplete
        } else {
            CallState::Ok
        };
        let cost = trace_report::cost::call_cost(trace, id);
        Self {
            id,
            counts: [
                count_of(tok.and_then(|t| t.input)),
                count_of(tok.and_then(|t| t.cache_read)),
                count_of(tok.and_then(|t| t.output)),
                count_of(cost.as_ref().map(|c| (c.usd * 1e9).round() as u64)),
            ],
            times: [
                time_of(n.duration_us()),
                time_of(ttft_us),
                time_of(n.start_us()),
            ],
            state,
            cost_partial: cost.is_some_and(|c| c.partial),
        }
    }

    fn count(&self, i: usize) -> Option<u64> {
        Some(self.counts[i]).filter(|&n| n != NO_COUNT)
    }

    fn time(&self, i: usize) -> Option<i64> {
        Some(self.times[i]).filter(|&t| t != NO_TIME)
    }

    pub fn input(&self) -> Option<u64> {
        self.count(0)
    }

    pub fn cached(&self) -> Option<u64> {
        self.count(1)
    }

    pub fn output(&self) -> Option<u64> {
        self.count(2)
    }

    /// Cost in nano-dollars (`trace_report::cost`); `None` without usage or price.
    pub fn cost_nusd(&self) -> Option<u64> {
        self.count(3)
    }

    pub fn latency_us(&self) -> Option<i64> {
        self.time(0)
    }

    /// Start to the call's first streamed chunk (its first mark), when it has one.
    pub fn ttft_us(&self) -> Option<i64> {
        self.time(1)
    }

    pub fn start_us(&self) -> Option<i64> {
        self.time(2)
    }

    pub fn error(&self) -> bool {
        self.state == CallState::Error
    }

    /// The call's name, cleaned.
    pub fn name<'t>(&self, trace: &'t Trace) -> Cow<'t, str> {
        call_name(trace, self.id)
    }

    /// The model, cleaned; `tool` for a tool call, `-` when unknown.
    pub fn model<'t>(&self, trace: &'t Trace) -> Cow<'t, str> {
        call_model(trace, self.id)
    }

    /// `ok`, `open`, `incomplete`, or the error text (cleaned).
    pub fn status<'t>(&self, trace: &'t Trace) -> Cow<'t, str> {
        match self.state {
            CallState::Error => trace.error(self.id).map_or(Cow::Borrowed("error"), clean),
            CallState::Open => Cow::Borrowed("open"),
            CallState::Incomplete => Cow::Borrowed("incomplete"),
            CallState::Ok => Cow::Borrowed("ok"),
        }
    }
}

const _: () = assert!(std::mem::size_of::<CallRow>() == 64);

fn call_name(trace: &Trace, id: NodeId) -> Cow<'_, str> {
    clean(trace.str(trace.node(id).name))
}

fn call_model(trace: &Trace, id: NodeId) -> Cow<'_, str> {
    let n = trace.node(id);
    if n.is_tool() {
        Cow::Borrowed("tool")
    } else {
        n.model()
            .map_or(Cow::Borrowed("-"), |m| clean(trace.str(m)))
    }
}

/// The per-call table's rows (call ids, sorted: 4 bytes a call; a [`CallRow`] is computed
/// for the rows on screen), and the widest name and model among them (in characters), so
/// that drawing sizes its columns without reading every row's text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallRows {
    pub rows: Vec<NodeId>,
    pub name_chars: usize,
    pub model_chars: usize,
}

/// Cursors and rows of the tokens view's tables.
#[derive(Debug, Default)]
pub struct CallsState {
    /// The calls in the chosen order; [`CallRow::compute`] gives a row's figures.
    pub rows: Vec<NodeId>,
    /// The widest name and model among `rows`, in characters.
    pub name_chars: usize,
    pub model_chars: usize,
    pub sort: CallSort,
    pub cursor: usize,
    pub offset: usize,
    pub model_cursor: usize,
    pub model_offset: usize,
    pub tool_cursor: usize,
    pub tool_offset: usize,
    /// What the rows were built for.
    built: Option<CallsKey>,
}

impl CallsState {
    /// Drops the rows, the cursors and what they were built for; the chosen sort stays.
    pub fn forget(&mut self) {
        *self = Self {
            sort: self.sort,
            ..Self::default()
        };
    }

    /// The order the rows on screen are in (the chosen one once a worker has sorted them).
    pub fn shown_sort(&self) -> CallSort {
        self.built.as_ref().map_or(self.sort, |b| b.2)
    }
}

/// (run, trace generation, sort, filter text).
pub type CallsKey = (Option<NodeId>, u64, CallSort, String);

/// The call rows of a run (`order`), narrowed by `filter` and sorted.
pub fn call_rows(
    trace: &Trace,
    order: &[NodeId],
    filter: Option<&trace_model::filter::Filter>,
    sort: CallSort,
) -> CallRows {
    let calls = order
        .iter()
        .copied()
        .filter(|&i| trace.node(i).is_llm() || trace.node(i).is_tool())
        .filter(|&i| {
            filter.is_none_or(|f| f.matches_node_with(trace, i, &super::search::DiskRecords))
        });
    let rows = sorted(trace, calls, sort);
    let widest = |f: &dyn Fn(NodeId) -> usize| rows.iter().map(|&i| f(i)).max().unwrap_or(0);
    CallRows {
        name_chars: widest(&|i| call_name(trace, i).chars().count()),
        model_chars: widest(&|i| call_model(trace, i).chars().count()),
        rows,
    }
}

impl App {
    /// The rectangle of one of the tokens view's tables.
    pub(super) fn calls_area(&self, pane: Pane) -> ratatui::layout::Rect {
        let t = layout::tokens_areas(self.areas().stats);
        match pane {
            Pane::LatencyModel => t.latency_model,
            Pane::LatencyTool => t.latency_tool,
            _ => t.calls,
        }
    }

    /// What the call rows depend on: run, trace generation, sort, filter text.
    pub(super) fn calls_key(&self) -> CallsKey {
        (
            self.runs.selected,
            self.trace.generation,
            self.calls.sort,
            self.filter
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        )
    }

    /// Whether the rows are out of date.
    pub(super) fn calls_stale(&self) -> bool {
        self.calls.built.as_ref() != Some(&self.calls_key())
    }

    /// Takes freshly built rows: a new sort puts the cursor on the top row, new data keeps it on
    /// its call.
    pub(super) fn set_call_rows(&mut self, key: CallsKey, built: CallRows) {
        let CallRows {
            rows,
            name_chars,
            model_chars,
        } = built;
        self.calls.name_chars = name_chars;
        self.calls.model_chars = model_chars;
        let resorted = self.calls.built.as_ref().is_some_and(|b| b.2 != key.2);
        let kept = self
            .calls
            .rows
            .get(self.calls.cursor)
            .copied()
            .filter(|_| !resorted);
        self.calls.rows = rows;
        self.calls.cursor = kept
            .and_then(|k| self.calls.rows.iter().position(|&r| r == k))
            .unwrap_or(0);
        self.calls.built = Some(key);
    }

    /// Rebuilds the call rows when the run, the trace, the sort or the filter changed (on the
    /// worker thread when there is one: see `offload`), and keeps the cursors in range.
    pub(super) fn rebuild_calls(&mut self) {
        if !self.offload && self.calls_stale() {
            let order = self.run.as_ref().map_or(&[][..], |r| &r.order[..]);
            let rows = call_rows(&self.trace, order, self.filter.as_ref(), self.calls.sort);
            self.set_call_rows(self.calls_key(), rows);
        }
        let clamp = |c: &mut usize, len: usize| *c = (*c).min(len.saturating_sub(1));
        clamp(&mut self.calls.cursor, self.calls.rows.len());
        let (nm, nt) = self.stats.as_ref().map_or((0, 0), |s| {
            (s.latency_by_model.len(), s.latency_by_tool.len())
        });
        clamp(&mut self.calls.model_cursor, nm);
        clamp(&mut self.calls.tool_cursor, nt);
        let t = layout::tokens_areas(self.areas().stats);
        let h = |r| layout::table_body(r).height;
        let c = &mut self.calls;
        super::refresh::keep(&mut c.offset, c.cursor, c.rows.len(), h(t.calls));
        super::refresh::keep(&mut c.model_offset, c.model_cursor, nm, h(t.latency_model));
        super::refresh::keep(&mut c.tool_offset, c.tool_cursor, nt, h(t.latency_tool));
    }

    /// Moves the cursor of the focused table.
    pub(super) fn calls_move(&mut self, delta: i64) {
        let (nm, nt) = self.stats.as_ref().map_or((0, 0), |s| {
            (s.latency_by_model.len(), s.latency_by_tool.len())
        });
        let (cur, len) = match self.focus {
            Pane::LatencyModel => (&mut self.calls.model_cursor, nm),
            Pane::LatencyTool => (&mut self.calls.tool_cursor, nt),
            _ => (&mut self.calls.cursor, self.calls.rows.len()),
        };
        *cur = (*cur as i64)
            .saturating_add(delta)
            .clamp(0, len.saturating_sub(1) as i64) as usize;
    }

    /// `o` on the per-call table: the next sort column.
    pub(super) fn cycle_call_sort(&mut self) {
        self.calls.sort = self.calls.sort.next();
        self.search.message = Some(format!(
            "calls sorted by {} (o: next column)",
            self.calls.sort.label()
        ));
    }

    /// `Enter` on a tokens-view table: the call (or the group's slowest call) in the explorer.
    pub(super) fn open_call(&mut self) {
        let target = match self.focus {
            Pane::Calls => self.calls.rows.get(self.calls.cursor).copied(),
            Pane::LatencyModel | Pane::LatencyTool => self.slowest_of_group(),
            _ => None,
        };
        let Some(id) = target else {
            self.search.message = Some("no call here".to_owned());
            return;
        };
        self.pause();
        self.select_run(self.trace.root_of(id));
        self.reveal(id);
        self.view = View::Explorer;
        self.focus = Pane::Tree;
        self.mark_tree_stale();
        let name = clean(self.trace.str(self.trace.node(id).name)).into_owned();
        self.search.message = Some(format!("{name} in the explorer · 3 back to the tables"));
    }

    /// The slowest call of the group under the latency table's cursor.
    fn slowest_of_group(&self) -> Option<NodeId> {
        let s = self.stats.as_ref()?;
        let (rows, cur, tools) = match self.focus {
            Pane::LatencyTool => (&s.latency_by_tool, self.calls.tool_cursor, true),
            _ => (&s.latency_by_model, self.calls.model_cursor, false),
        };
        let label = &rows.get(cur)?.label;
        let t = &self.trace;
        t.node_ids()
            .filter(|&i| {
                let n = t.node(i);
                if tools {
                    n.is_tool() && clean(t.str(n.name)) == label.as_str()
                } else {
                    n.is_llm()
                        && clean(
                            n.model()
                                .map_or(trace_model::stats::UNKNOWN_MODEL, |m| t.str(m)),
                        ) == label.as_str()
                }
            })
            .filter_map(|i| Some((t.node(i).duration_us()?, i)))
            .max()
            .map(|(_, i)| i)
    }
}

/// `calls` in the order of `sort`. Every key ends with the node id, so the order is total
/// and an unstable sort is as deterministic as a stable one. Figures are computed once a
/// call into a 12-byte key; the sorted ids are all that is kept (a kept [`CallRow`] each
/// took 64 bytes, 1.25 M-scope run: ~80 MB).
fn sorted(trace: &Trace, calls: impl Iterator<Item = NodeId>, sort: CallSort) -> Vec<NodeId> {
    let text: Option<fn(&Trace, NodeId) -> Cow<'_, str>> = match sort {
        CallSort::Name => Some(call_name),
        CallSort::Model => Some(call_model),
        _ => None,
    };
    if let Some(f) = text {
        let mut ids: Vec<NodeId> = calls.collect();
        ids.sort_unstable_by(|&a, &b| f(trace, a).cmp(&f(trace, b)).then(a.cmp(&b)));
        return ids;
    }
    // A key as three words (high, low, id), so the sorted keys become the ids in their own
    // allocation: 12 bytes a call at the peak where a `(u64, u32)` pair and a new list of ids
    // took 20.
    let mut keyed: Vec<[u32; 3]> = calls
        .map(|id| {
            let k = sort_key(&CallRow::compute(trace, id), sort);
            [(k >> 32) as u32, k as u32, id]
        })
        .collect();
    keyed.sort_unstable();
    let mut ids: Vec<NodeId> = keyed.into_iter().map(|k| k[2]).collect();
    ids.shrink_to_fit();
    ids
}

/// Order-preserving: `i64` to `u64`.
fn ordered(t: i64) -> u64 {
    (t as u64) ^ (1 << 63)
}

/// Largest first, unknown last: a count or time never takes `u64::MAX` (that is "unknown").
fn descending(v: Option<u64>) -> u64 {
    v.map_or(u64::MAX, |x| u64::MAX - 1 - x.min(u64::MAX - 1))
}

/// A row's key for a sort by figures (ascending; the id breaks ties).
fn sort_key(r: &CallRow, sort: CallSort) -> u64 {
    let time = |t: Option<i64>| descending(t.map(ordered));
    match sort {
        // Unknown starts first, then by start.
        CallSort::Start => r.start_us().map_or(0, ordered),
        CallSort::Input => descending(r.input()),
        CallSort::Cached => descending(r.cached()),
        CallSort::Output => descending(r.output()),
        CallSort::Latency => time(r.latency_us()),
        CallSort::Ttft => time(r.ttft_us()),
        CallSort::Cost => descending(r.cost_nusd()),
        // Errors first, then open and incomplete calls, `ok` last.
        CallSort::Status => match r.state {
            CallState::Error => 0,
            CallState::Ok => 2,
            CallState::Open | CallState::Incomplete => 1,
        },
        CallSort::Name | CallSort::Model => 0,
    }
}
