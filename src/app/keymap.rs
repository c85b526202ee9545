//! The key table: `(mode, key) → Action`, with a description per row. The same rows drive
//! input and render the `?` help overlay, so the two can never disagree.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::{Action, App, Mode, View};

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMode {
    /// Every view, when no overlay or prompt is open.
    Any,
    Explorer,
    Timeline,
    /// Typing a search query.
    Search,
    /// Help or diagnostics overlay.
    Overlay,
}

impl KeyMode {
    pub fn title(self) -> &'static str {
        match self {
            Self::Any => "everywhere",
            Self::Explorer => "explorer (1)",
            Self::Timeline => "timeline scrubber (2)",
            Self::Search => "search prompt",
            Self::Overlay => "help / diagnostics",
        }
    }
}

/// One row of the table.
#[derive(Debug)]
pub struct Binding {
    pub mode: KeyMode,
    pub key: KeyCode,
    pub mods: KeyModifiers,
    pub action: Action,
    pub desc: &'static str,
}

const fn b(mode: KeyMode, key: KeyCode, action: Action, desc: &'static str) -> Binding {
    Binding {
        mode,
        key,
        mods: KeyModifiers::NONE,
        action,
        desc,
    }
}

const fn m(
    mode: KeyMode,
    key: KeyCode,
    mods: KeyModifiers,
    action: Action,
    desc: &'static str,
) -> Binding {
    Binding {
        mode,
        key,
        mods,
        action,
        desc,
    }
}

use KeyCode::{
    BackTab, Backspace, Char as C, Down, End, Enter, Esc, Home, Left, PageDown, PageUp, Right, Tab,
    Up,
};
use KeyMode::{Any, Explorer, Overlay, Search, Timeline};

const CTRL: KeyModifiers = KeyModifiers::CONTROL;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

/// The key table. Rows with the same description next to each other show as one help line.
pub static KEYMAP: &[Binding] = &[
    b(Any, C('q'), Action::Quit, "quit"),
    m(Any, C('c'), CTRL, Action::Quit, "quit"),
    b(Any, C('?'), Action::ToggleHelp, "this help"),
    b(Any, Tab, Action::FocusNext, "next pane"),
    b(Any, BackTab, Action::FocusPrev, "previous pane"),
    b(
        Any,
        C('1'),
        Action::ShowView(View::Explorer),
        "explorer: runs, scopes, detail",
    ),
    b(
        Any,
        C('2'),
        Action::ShowView(View::Timeline),
        "timeline scrubber",
    ),
    b(
        Any,
        C('t'),
        Action::ShowView(View::Timeline),
        "timeline scrubber",
    ),
    b(
        Any,
        C('3'),
        Action::ShowView(View::Tokens),
        "tokens and latency",
    ),
    b(Any, C('j'), Action::Down, "down"),
    b(Any, Down, Action::Down, "down"),
    b(Any, C('k'), Action::Up, "up"),
    b(Any, Up, Action::Up, "up"),
    b(Any, PageDown, Action::PageDown, "page down"),
    m(Any, C('d'), CTRL, Action::PageDown, "page down"),
    b(
        Any,
        C('d'),
        Action::DiffRun,
        "diff runs: d on one run, then d on another",
    ),
    b(Any, PageUp, Action::PageUp, "page up"),
    m(Any, C('u'), CTRL, Action::PageUp, "page up"),
    b(Any, C('g'), Action::Top, "first row"),
    b(Any, C('G'), Action::Bottom, "last row"),
    b(
        Any,
        Enter,
        Action::Toggle,
        "open run / fold scope / open call in the explorer",
    ),
    b(
        Any,
        C(' '),
        Action::Toggle,
        "open run / fold scope / open call in the explorer",
    ),
    b(Any, C('l'), Action::Expand, "expand scope"),
    b(
        Any,
        C('h'),
        Action::Collapse,
        "collapse scope / go to parent",
    ),
    b(Any, C('*'), Action::ExpandAll, "expand all under selection"),
    b(
        Any,
        C('c'),
        Action::CollapseOthers,
        "collapse all but the path to the selection",
    ),
    b(Any, C('-'), Action::CollapseAll, "collapse all"),
    b(
        Any,
        C('/'),
        Action::SearchStart,
        "search scope names and record text in the run",
    ),
    b(Any, C('n'), Action::SearchNext, "next match"),
    b(Any, C('N'), Action::SearchPrev, "previous match"),
    b(
        Any,
        C('e'),
        Action::NextError,
        "next error in the input; from Runs, its timeline",
    ),
    b(Any, C('E'), Action::PrevError, "previous error"),
    b(
        Any,
        C('o'),
        Action::CycleSort,
        "order runs (start / duration / tokens), or calls by the next column",
    ),
    b(
        Any,
        C('s'),
        Action::NextSlow,
        "next call slower than its group's p95",
    ),
    b(Any, C('S'), Action::PrevSlow, "previous slow call"),
    b(
        Any,
        C('P'),
        Action::JumpPercentile,
        "jump to the p50 / p95 / p99 / max call of this call's group",
    ),
    b(Any, C('f'), Action::CycleFilter, "filter runs by status"),
    b(
        Any,
        C('F'),
        Action::FilterStart,
        "filter: model: status: tool: dur> tokens> name~",
    ),
    b(
        Any,
        C('p'),
        Action::ToggleLive,
        "live: newest (when held) / pause / resume",
    ),
    b(
        Any,
        C('y'),
        Action::Copy,
        "copy the shown record (OSC 52 clipboard)",
    ),
    b(
        Any,
        C('D'),
        Action::ToggleDiagnostics,
        "skipped lines and warnings",
    ),
    b(Explorer, Right, Action::Expand, "expand scope"),
    b(
        Explorer,
        Left,
        Action::Collapse,
        "collapse scope / go to parent",
    ),
    b(Explorer, Home, Action::Top, "first row"),
    b(Explorer, End, Action::Bottom, "last row"),
    b(Timeline, Left, Action::ScrubBy(-1), "scrub one event back"),
    b(
        Timeline,
        C(','),
        Action::ScrubBy(-1),
        "scrub one event back",
    ),
    b(
        Timeline,
        Right,
        Action::ScrubBy(1),
        "scrub one event forward",
    ),
    b(
        Timeline,
        C('.'),
        Action::ScrubBy(1),
        "scrub one event forward",
    ),
    m(
        Timeline,
        Left,
        SHIFT,
        Action::ScrubBy(-10),
        "scrub 10 events back",
    ),
    m(
        Timeline,
        Right,
        SHIFT,
        Action::ScrubBy(10),
        "scrub 10 events forward",
    ),
    b(
        Timeline,
        C('['),
        Action::ScrubBy(-100),
        "scrub 100 events back",
    ),
    b(
        Timeline,
        C(']'),
        Action::ScrubBy(100),
        "scrub 100 events forward",
    ),
    b(
        Timeline,
        Home,
        Action::ScrubStart,
        "scrub to the first event",
    ),
    b(Timeline, End, Action::ScrubEnd, "scrub to the last event"),
    b(
        Timeline,
        C('i'),
        Action::JumpLongestGap,
        "scrub to the longest idle gap",
    ),
    b(
        Search,
        Enter,
        Action::SearchSubmit,
        "find / apply the filter (empty clears it)",
    ),
    b(Search, Esc, Action::SearchCancel, "cancel"),
    b(
        Search,
        Backspace,
        Action::SearchBackspace,
        "delete a character",
    ),
    b(Overlay, Esc, Action::CloseOverlay, "close"),
    b(Overlay, C('q'), Action::CloseOverlay, "close"),
    b(Overlay, C('?'), Action::CloseOverlay, "close"),
    b(Overlay, C('j'), Action::Down, "scroll"),
    b(Overlay, Down, Action::Down, "scroll"),
    b(Overlay, C('k'), Action::Up, "scroll"),
    b(Overlay, Up, Action::Up, "scroll"),
    m(Overlay, C('c'), CTRL, Action::Quit, "quit"),
];

/// The modes searched for a key, most specific first.
fn modes(app: &App) -> &'static [KeyMode] {
    match app.mode {
        Mode::Search => &[Search],
        Mode::Help | Mode::Diagnostics | Mode::Diff => &[Overlay],
        Mode::Normal => match app.view {
            View::Explorer => &[Explorer, Any],
            View::Timeline => &[Timeline, Any],
            View::Tokens => &[Any],
        },
    }
}

/// Translates a key press into an action for the current mode.
pub fn action_for(app: &App, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    // Shift is part of the character for printable keys ('G', '?').
    let mods = match key.code {
        C(_) | BackTab => key.modifiers - SHIFT,
        _ => key.modifiers,
    };
    for &mode in modes(app) {
        if let Some(row) = KEYMAP
            .iter()
            .find(|r| r.mode == mode && r.key == key.code && r.mods == mods)
        {
            return Some(row.action.clone());
        }
    }
    match (app.mode, key.code) {
        (Mode::Search, C(c)) if !mods.contains(CTRL) => Some(Action::SearchChar(c)),
        _ => None,
    }
}

/// A key as the help overlay shows it.
pub fn key_label(key: KeyCode, mods: KeyModifiers) -> String {
    let base = match key {
        C(' ') => "Space".to_owned(),
        C(c) => c.to_string(),
        Left => "←".to_owned(),
        Right => "→".to_owned(),
        Up => "↑".to_owned(),
        Down => "↓".to_owned(),
        PageUp => "PgUp".to_owned(),
        PageDown => "PgDn".to_owned(),
        BackTab => "Shift-Tab".to_owned(),
        other => other.to_string(),
    };
    let mut s = String::new();
    if mods.contains(CTRL) {
        s.push_str("Ctrl-");
    }
    if mods.contains(SHIFT) {
        s.push_str("Shift-");
    }
    s.push_str(&base);
    s
}

/// Help lines for one mode: (keys, description), rows with the same description merged.
pub fn help_rows(mode: KeyMode) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    for r in KEYMAP.iter().filter(|r| r.mode == mode) {
        let label = key_label(r.key, r.mods);
        match out.iter_mut().find(|(_, d)| *d == r.desc) {
            Some((keys, _)) => {
                keys.push_str(" / ");
                keys.push_str(&label);
            }
            None => out.push((label, r.desc)),
        }
    }
    if mode == Search {
        out.push(("any character".to_owned(), "add to the query"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice_in_one_mode() {
        for (i, a) in KEYMAP.iter().enumerate() {
            for b in &KEYMAP[i + 1..] {
                assert!(
                    !(a.mode == b.mode && a.key == b.key && a.mods == b.mods),
                    "{:?} {:?} bound twice",
                    a.mode,
                    a.key
                );
            }
        }
    }
}
