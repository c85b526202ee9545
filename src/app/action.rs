//! Every intent the explorer understands: keys and mouse map to these, ingest arrives as one.

use crate::ingest::{Batch, IngestMsg};

use super::View;

/// One intent, applied by [`super::update`]. Key-bound variants' help text lives in the keymap.
#[derive(Debug)]
pub enum Action {
    Quit,
    ToggleHelp,
    ToggleDiagnostics,
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
    CollapseAll,
    SearchStart,
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
    /// Rebuild caches after a run of `Ingest` actions (the runtime sends it before drawing).
    Refresh,
}

impl Clone for Action {
    fn clone(&self) -> Self {
        use Action as A;
        match self {
            A::Ingest(IngestMsg::Batch(b)) => A::Ingest(IngestMsg::Batch(Batch {
                files: b.files.clone(),
                events: b.events.clone(),
                skips: b.skips.clone(),
            })),
            A::Ingest(IngestMsg::Reset) => A::Ingest(IngestMsg::Reset),
            A::Ingest(IngestMsg::Status(s)) => A::Ingest(IngestMsg::Status(s.clone())),
            A::Quit => A::Quit,
            A::ToggleHelp => A::ToggleHelp,
            A::ToggleDiagnostics => A::ToggleDiagnostics,
            A::CloseOverlay => A::CloseOverlay,
            A::FocusNext => A::FocusNext,
            A::FocusPrev => A::FocusPrev,
            A::ShowView(v) => A::ShowView(*v),
            A::Up => A::Up,
            A::Down => A::Down,
            A::PageUp => A::PageUp,
            A::PageDown => A::PageDown,
            A::Top => A::Top,
            A::Bottom => A::Bottom,
            A::Expand => A::Expand,
            A::Collapse => A::Collapse,
            A::Toggle => A::Toggle,
            A::ExpandAll => A::ExpandAll,
            A::CollapseAll => A::CollapseAll,
            A::SearchStart => A::SearchStart,
            A::SearchChar(c) => A::SearchChar(*c),
            A::SearchBackspace => A::SearchBackspace,
            A::SearchSubmit => A::SearchSubmit,
            A::SearchCancel => A::SearchCancel,
            A::SearchNext => A::SearchNext,
            A::SearchPrev => A::SearchPrev,
            A::NextError => A::NextError,
            A::PrevError => A::PrevError,
            A::CycleSort => A::CycleSort,
            A::CycleFilter => A::CycleFilter,
            A::ToggleLive => A::ToggleLive,
            A::ScrubBy(n) => A::ScrubBy(*n),
            A::ScrubStart => A::ScrubStart,
            A::ScrubEnd => A::ScrubEnd,
            A::Resize(w, h) => A::Resize(*w, *h),
            A::Click(x, y) => A::Click(*x, *y),
            A::Scroll(x, y, d) => A::Scroll(*x, *y, *d),
            A::Refresh => A::Refresh,
        }
    }
}
