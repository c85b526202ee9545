//! The explorer's view state and its single mutator.
//!
//! [`App`] owns the [`Trace`] and everything the screen needs besides it: the selected run and
//! scope (held by stable [`NodeId`]s, so arriving events never move them), the set of expanded
//! scopes, the scrubber cursor, and caches derived from the trace (run rows, the flattened
//! visible tree, the run's time axis) that are rebuilt only when their inputs change.
//! [`update`] is the only function that changes an `App`; `ui::render` only reads it.

mod action;
pub mod calls;
pub mod copy;
mod detail;
mod errors;
mod fold;
mod ingest;
mod jumps;
pub mod keymap;
pub mod layout;
mod mouse;
mod navigate;
mod offload;
mod overlays;
mod refresh;
mod run_cache;
mod runs;
pub mod search;
mod stats;
mod tree;
mod update;

use fixedbitset::FixedBitSet;
use ratatui::layout::Rect;
use rustc_hash::{FxHashMap, FxHashSet};

use trace_formats::Format;
use trace_model::nodemap::NodeMap;
use trace_model::query::Timeline;
use trace_model::{NodeId, Trace};

pub use action::Action;
pub use calls::{CallRow, CallSort};
pub use detail::{Payload, PayloadCache};
pub use offload::{Job, JobDone, Work, WorkDone};
pub use run_cache::{OFFLOAD_RUN_ABOVE, RunCore};
pub use runs::{RunRow, RunSort, StatusFilter};
pub use stats::{Bar, StatsView};
pub use update::update;

/// A followed input that has received nothing for this long has stopped growing.
pub const STALE_AFTER_US: i64 = 10_000_000;

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Runs,
    Tree,
    Detail,
    /// The tokens view's per-call table.
    Calls,
    /// The tokens view's latency-by-model table.
    LatencyModel,
    /// The tokens view's latency-by-tool table.
    LatencyTool,
}

/// The main screen layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Runs, scope tree and call detail.
    Explorer,
    /// Scope waterfall with a scrubber cursor, and the detail of the event under it.
    Timeline,
    /// Tokens and latency figures.
    Tokens,
}

/// What keys currently go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Search,
    Help,
    Diagnostics,
    /// The diff of two runs (`d` … `d`).
    Diff,
}

/// Whether new events move the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    /// A file read once; nothing more will come.
    Static,
    /// Following: the newest run and event stay in view.
    Live,
    /// Following, but the view holds still; counts what arrived since `since` events.
    Paused { since: u64 },
}

/// A row of the flattened, visible scope tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeRow {
    pub id: NodeId,
    pub depth: u16,
    pub has_children: bool,
}

/// The scope tree pane.
#[derive(Debug, Default)]
pub struct TreeState {
    pub expanded: FxHashSet<NodeId>,
    /// Nodes the user collapsed: live auto-expansion leaves them alone.
    pub collapsed: FxHashSet<NodeId>,
    /// Flattened visible rows of the selected run; rebuilt only when marked stale.
    pub rows: Vec<TreeRow>,
    pub selected: Option<NodeId>,
    /// Index of `selected` in `rows`.
    pub cursor: usize,
    pub offset: usize,
    stale: bool,
}

/// The runs pane.
#[derive(Debug, Default)]
pub struct RunsState {
    /// Figures per run, recomputed only for runs that received events.
    pub cache: FxHashMap<NodeId, RunRow>,
    /// Run ids shown, filtered and sorted.
    pub rows: Vec<NodeId>,
    pub selected: Option<NodeId>,
    pub cursor: usize,
    pub offset: usize,
    pub sort: RunSort,
    pub filter: StatusFilter,
    /// For a filter with `text~` terms (records read from disk): whether each run matched,
    /// and the filter text that was for; runs that receive events are asked again.
    pub(crate) text_memo: FxHashMap<NodeId, bool>,
    pub(crate) text_memo_for: String,
    /// (sort, status filter, filter text) `rows` were built for: while it holds, rows are
    /// patched with the runs that changed instead of rebuilt.
    pub(crate) rows_key: Option<(RunSort, StatusFilter, Option<String>)>,
    /// The longest run name shown, in characters.
    pub longest_name: u16,
    /// The run shown that started last: (start, seq, id).
    pub(crate) newest: Option<(Option<i64>, NodeId)>,
    /// `Trace::demotions` when the rows were last brought up to date.
    pub(crate) demotions_seen: u64,
}

/// Derived data for the selected run, rebuilt when the run changes or receives events.
#[derive(Debug, Default)]
pub struct RunCache {
    pub root: NodeId,
    /// Pre-order of the run.
    pub order: Vec<NodeId>,
    /// Position of each node in `order`.
    pub pos: NodeMap<u32>,
    /// Subtree token totals by pre-order position.
    pub tokens: trace_model::stats::SubtreeTotals,
    /// The scrubber's axis.
    pub timeline: Timeline,
    /// Ends of container scopes (sessions, flows) derived from finished children.
    pub derived_end: FxHashMap<NodeId, i64>,
    /// Scopes with an error somewhere below them (shown apart from their own errors), by
    /// position in `order`: [`RunCache::has_error_below`].
    pub error_below: FixedBitSet,
    /// Scopes on the run's critical path, by position in `order`: [`RunCache::is_critical`].
    pub critical: FixedBitSet,
    /// Idle stretches of the run (no leaf scope running), longest first.
    pub gaps: Vec<(i64, i64)>,
}

impl RunCache {
    /// Whether `id` is on the run's critical path.
    pub fn is_critical(&self, id: NodeId) -> bool {
        self.pos
            .get(&id)
            .is_some_and(|&p| self.critical.contains(p as usize))
    }

    /// Whether a scope below `id` has an error.
    pub fn has_error_below(&self, id: NodeId) -> bool {
        self.pos
            .get(&id)
            .is_some_and(|&p| self.error_below.contains(p as usize))
    }
}

/// The search prompt and the last query.
#[derive(Debug, Default)]
pub struct SearchState {
    /// The prompt edits a filter expression rather than a name search.
    pub for_filter: bool,
    pub input: String,
    pub query: String,
    /// Result of the last search, for the status line.
    pub message: Option<String>,
    /// The record line (cleaned) where the last search matched, by node.
    pub hit: Option<(NodeId, String)>,
}

/// Everything the screen shows.
#[derive(Debug)]
pub struct App {
    /// Shared with a worker thread while it computes figures ([`Job`]); changed only by
    /// ingest, when no job holds it.
    pub trace: std::sync::Arc<Trace>,
    pub formats: Vec<Format>,
    pub title: String,
    pub view: View,
    pub focus: Pane,
    pub mode: Mode,
    pub feed: Feed,
    /// Last status message from the ingest side.
    pub ingest_status: Option<String>,
    /// (bytes indexed, total) while a background load runs.
    pub progress: Option<(u64, u64)>,
    /// Wall clock from the last [`Action::Tick`]; `None` when not following.
    pub now_us: Option<i64>,
    /// Wall clock when the last batch of events arrived (from the last tick before it).
    pub last_arrival_us: Option<i64>,
    /// The only input was stdin and it closed: nothing more will come.
    pub ended: bool,
    /// Terminal size.
    pub area: Rect,
    pub runs: RunsState,
    pub tree: TreeState,
    pub run: Option<RunCache>,
    /// Scrubber position: an index into the selected run's timeline.
    pub scrub: usize,
    pub search: SearchState,
    /// The active filter expression: runs that do not match are hidden, scopes that match are
    /// marked; applied again to every batch while following.
    pub filter: Option<trace_model::filter::Filter>,
    /// The percentiles of the last group `P` jumped in, as of a trace generation.
    exemplar_cache: Option<(
        u64,
        trace_model::exemplars::GroupKey,
        trace_model::exemplars::Group,
    )>,
    /// Which percentile `P` jumps to next.
    percentile_step: usize,
    /// The run marked with `d`, waiting for a second one to compare with.
    pub diff_mark: Option<NodeId>,
    /// The rendered diff of the last two runs compared (cleaned text lines).
    pub diff_lines: Vec<String>,
    pub detail_scroll: u16,
    pub overlay_scroll: u16,
    pub payloads: PayloadCache,
    pub stats: Option<StatsView>,
    pub quit: bool,
    /// Following, but the user moved: new events still arrive and show, the selection stays.
    pub held: bool,
    /// A node the scrubber should land on once the selected run's cache is rebuilt.
    scrub_target: Option<NodeId>,
    /// Scopes open at the scrubber (timeline view): (node, depth, elapsed then), outermost first.
    pub open_stack: Vec<(NodeId, u16, i64)>,
    /// The tokens view's interactive tables.
    pub calls: calls::CallsState,
    /// Nodes of the selected run whose records contain each `text~` needle of the filter
    /// (read from disk in `refresh`, so drawing never reads a file).
    pub text_hits: search::TextHits,
    /// An OSC 52 sequence for the runtime to write (`y` copies the shown record).
    pub clipboard: Option<String>,
    dirty_runs: FxHashSet<NodeId>,
    runs_stale: bool,
    run_stale: bool,
    seen_runs: FxHashSet<NodeId>,
    /// The trace is a load's preview; the full trace will extend it.
    previewing: bool,
    /// Trace generation the whole-file figures were computed at.
    stats_generation: Option<u64>,
    /// The (trace generation, run) the run's figures were computed for.
    stats_run_key: Option<(u64, Option<NodeId>)>,
    /// Bumped when the trace is replaced, so a job computed on the old one is dropped.
    stats_epoch: u64,
    /// Heavy figures go to a worker thread (set by the runtime).
    offload: bool,
    /// A job waiting for the runtime to take it.
    job: Option<offload::Job>,
    /// The trace generation a running job computes for.
    computing: Option<u64>,
    /// (run, trace generation) whose cache the worker is building.
    run_loading: Option<(NodeId, u64)>,
    /// A run whose cache is waiting for the runtime to hand it to the worker.
    run_job: Option<NodeId>,
    /// Run caches being built on the worker (they hold the trace: ingest waits).
    run_in_flight: u32,
    /// The node whose record the detail pane wanted at the last refresh.
    payload_wanted: Option<NodeId>,
    /// Ingest messages that arrived while a job held the trace, in order.
    deferred: Vec<trace_ingest::IngestMsg>,
}

impl App {
    /// An explorer over `trace`; `live` when more events will arrive.
    pub fn new(trace: Trace, formats: Vec<Format>, title: impl Into<String>, live: bool) -> Self {
        let mut app = Self {
            trace: std::sync::Arc::new(trace),
            formats,
            title: title.into(),
            view: View::Explorer,
            focus: Pane::Runs,
            mode: Mode::Normal,
            feed: if live { Feed::Live } else { Feed::Static },
            ingest_status: None,
            progress: None,
            now_us: None,
            last_arrival_us: None,
            ended: false,
            area: Rect::new(0, 0, 120, 40),
            runs: RunsState::default(),
            tree: TreeState::default(),
            run: None,
            scrub: 0,
            search: SearchState::default(),
            filter: None,
            exemplar_cache: None,
            percentile_step: 0,
            diff_mark: None,
            diff_lines: Vec::new(),
            detail_scroll: 0,
            overlay_scroll: 0,
            payloads: PayloadCache::default(),
            stats: None,
            quit: false,
            held: false,
            scrub_target: None,
            open_stack: Vec::new(),
            calls: calls::CallsState::default(),
            text_hits: search::TextHits::default(),
            clipboard: None,
            dirty_runs: FxHashSet::default(),
            runs_stale: true,
            run_stale: true,
            seen_runs: FxHashSet::default(),
            previewing: false,
            stats_generation: None,
            stats_run_key: None,
            stats_epoch: 0,
            offload: false,
            job: None,
            computing: None,
            deferred: Vec::new(),
            payload_wanted: None,
            run_loading: None,
            run_job: None,
            run_in_flight: 0,
        };
        app.refresh();
        app
    }

    /// The selected run's root.
    pub fn selected_run(&self) -> Option<NodeId> {
        self.runs.selected
    }

    /// Whether the scrubber filters the tree (timeline view, cursor before the last event).
    pub fn scrubbing(&self) -> bool {
        self.view == View::Timeline
            && self
                .run
                .as_ref()
                .is_some_and(|r| self.scrub + 1 < r.timeline.len())
    }

    /// The wall clock for open runs' running time: `None` once the input ended or stopped
    /// growing for [`STALE_AFTER_US`], so an open run in a finished log stops counting.
    pub fn live_now(&self) -> Option<i64> {
        let now = self.now_us?;
        if self.ended || self.feed == Feed::Static {
            return None;
        }
        match self.last_arrival_us {
            Some(last) if now - last > STALE_AFTER_US => None,
            _ => Some(now),
        }
    }

    /// Events that arrived since the view was paused.
    pub fn new_since_pause(&self) -> u64 {
        match self.feed {
            Feed::Paused { since } => self.trace.events.saturating_sub(since),
            _ => 0,
        }
    }

    /// A scope's end: its own, or for a container whose children all finished, the last child end.
    pub fn end_of(&self, id: NodeId) -> Option<i64> {
        let n = self.trace.node(id);
        if n.has_end() {
            return n.end_us();
        }
        self.run.as_ref()?.derived_end.get(&id).copied()
    }

    /// Subtree token total of a node in the selected run.
    pub fn subtree_tokens(&self, id: NodeId) -> Option<u64> {
        let rc = self.run.as_ref()?;
        rc.tokens.get(*rc.pos.get(&id)? as usize)
    }
}
