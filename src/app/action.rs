//! Every intent the explorer understands: keys and mouse map to these, ingest arrives as one.

use trace_ingest::IngestMsg;

use super::View;

/// One intent, applied by [`super::update`]. Key-bound variants' help text lives in the keymap.
#[derive(Debug, Clone)]
pub enum Action {
    Quit,
    ToggleHelp,
    ToggleDiagnostics,
    /// Mark the selected run for a diff; on a second run, open the diff of the two.
    DiffRun,
    CloseOverlay,
    FocusNext,
    FocusPrev,
    ShowView(View),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Expand the selected scope (or open the selected run).
    Expand,
    /// Collapse the selected scope, or go to its parent.
    Collapse,
    /// Toggle the selected scope; on the runs pane, move focus into the run.
    Toggle,
    ExpandAll,
    /// Jump to the call at the next percentile (p50, p95, p99, max) of the selected call's group.
    JumpPercentile,
    /// Next / previous call slower than its group's p95.
    NextSlow,
    PrevSlow,
    /// Scrub to the start of the run's longest idle gap.
    JumpLongestGap,
    /// Collapse everything except the path down to the selection.
    CollapseOthers,
    CollapseAll,
    SearchStart,
    /// Open the prompt for a filter expression (`model:gpt-4.1 status:error dur>2s …`).
    FilterStart,
    SearchChar(char),
    SearchBackspace,
    SearchSubmit,
    SearchCancel,
    SearchNext,
    SearchPrev,
    NextError,
    PrevError,
    CycleSort,
    CycleFilter,
    ToggleLive,
    /// Copy the shown record to the clipboard (OSC 52).
    Copy,
    /// Move the scrubber by this many edges.
    ScrubBy(i32),
    ScrubStart,
    ScrubEnd,
    /// Terminal resized to (width, height).
    Resize(u16, u16),
    /// Left click at (column, row).
    Click(u16, u16),
    /// Wheel at (column, row): negative is up.
    Scroll(u16, u16, i8),
    /// Something from the ingest side. Not bound to keys.
    Ingest(IngestMsg),
    /// Work a worker thread finished ([`super::Work`]).
    WorkDone(Box<super::WorkDone>),
    /// Rebuild caches after a run of `Ingest` actions (the runtime sends it before drawing).
    Refresh,
    /// Wall-clock time (epoch µs) from the runtime, so open runs show a running duration.
    Tick(i64),
}
