//! Drawing: pure functions from `&App` to a frame. Nothing here mutates state, reads the
//! clock or touches a file; only the rows in view are formatted.
//!
//! ```text
//! explorer (1)                                   timeline (2)
//! ┌ Runs 3 · sort start · filter all ────────┐   ┌ Timeline · run-name · 12/340 ─────────────┐
//! │ STATUS  RUN        START  DUR  LLM  TOK  │   │                       0 ▼+1.2s       3.4s │
//! │ ok      research   12:00  3.4s  4  12k   │   │ ▾ ◆ agent      3.4s   ████████████████████│
//! │ error   plan       12:01  1.1s  2   4k   │   │   ◇ chat       1.2s   ████│               │
//! └──────────────────────────────────────────┘   │   ▪ search     0.8s       │██             │
//! ┌ Scopes ──────────────┐┌ Detail ───────────┐   └───────────────────────────────────────────┘
//! │ ▾ ◆ research   3.4s  ││ llm · chat        │   ┌ Event 12/340 · start · chat ──────────────┐
//! │   ◇ chat gpt-4 1.2s  ││ model  gpt-4o     │   │ detail of the node under the cursor       │
//! │   ▪ search     0.8s  ││ {payload…}        │   └───────────────────────────────────────────┘
//! └──────────────────────┘└───────────────────┘
//!  file.jsonl │ atof │ 1.2k events │ 0 skipped │ LIVE +12 new           ? help  q quit
//! ```
//! The tokens view (3) keeps the runs pane on top and shows bars, a cumulative sparkline and
//! latency tables below it. `?` opens the help overlay, `D` the diagnostics list.

mod detail;
mod help;
mod runs;
mod stats;
mod status;
pub mod svg;
mod timeline;
mod tree;

use ratatui::Frame;
use ratatui::layout::Alignment;
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Paragraph};

use crate::app::{App, Mode, View, layout};
use trace_model::event::Category;

/// Styles shared by the panes.
pub mod theme {
    use ratatui::style::{Color, Modifier, Style};

    /// The selected row of the focused pane.
    pub const SELECTED: Style = Style::new()
        .fg(Color::Black)
        .bg(Color::Cyan)
        .add_modifier(Modifier::BOLD);
    /// The selected row of a pane without focus.
    pub const SELECTED_IDLE: Style = Style::new().bg(Color::DarkGray);
    pub const ERROR: Style = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
    pub const OPEN: Style = Style::new().fg(Color::Yellow);
    pub const DIM: Style = Style::new().fg(Color::DarkGray);
    pub const HEADER: Style = Style::new().fg(Color::Gray).add_modifier(Modifier::BOLD);
    pub const LABEL: Style = Style::new().fg(Color::Gray);
    pub const CURSOR: Style = Style::new()
        .fg(Color::LightYellow)
        .add_modifier(Modifier::BOLD);
    pub const BORDER: Style = Style::new().fg(Color::DarkGray);
    pub const BORDER_FOCUS: Style = Style::new().fg(Color::Cyan);
}

/// Draws the whole screen.
pub fn render(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < layout::MIN_WIDTH || area.height < layout::MIN_HEIGHT {
        let msg = format!(
            "terminal too small ({}x{}); need {}x{} · q quits",
            area.width,
            area.height,
            layout::MIN_WIDTH,
            layout::MIN_HEIGHT
        );
        frame.render_widget(
            Paragraph::new(msg)
                .alignment(Alignment::Center)
                .style(theme::OPEN),
            area,
        );
        return;
    }
    let a = layout::areas(area, app.view, app.runs.rows.len());
    match app.view {
        View::Explorer => {
            runs::render(frame, a.runs, app);
            tree::render(frame, a.tree, app);
            detail::render(frame, a.detail, app);
        }
        View::Timeline => {
            timeline::render(frame, a.tree, app);
            detail::render(frame, a.detail, app);
        }
        View::Tokens => {
            runs::render(frame, a.runs, app);
            stats::render(frame, a.stats, app);
        }
    }
    status::render(frame, a.status, app);
    match app.mode {
        Mode::Help => help::render_help(frame, area, app),
        Mode::Diagnostics => help::render_diagnostics(frame, area, app),
        Mode::Diff => help::render_diff(frame, area, app),
        Mode::Normal | Mode::Search => {}
    }
}

/// A pane frame; the focused one has a `▶` before its bold title and a coloured, thick
/// border, so focus does not depend on telling colours apart.
fn pane<'a>(title: impl Into<String>, focused: bool) -> Block<'a> {
    let title: String = title.into();
    let block = Block::bordered().title(if focused {
        Line::styled(
            format!("▶{}", title.trim_start()),
            Style::new()
                .fg(Color::Cyan)
                .add_modifier(ratatui::style::Modifier::BOLD),
        )
    } else {
        Line::raw(title)
    });
    if focused {
        block
            .border_type(BorderType::Thick)
            .border_style(theme::BORDER_FOCUS)
    } else {
        block
            .border_type(BorderType::Rounded)
            .border_style(theme::BORDER)
    }
}

/// `s` cut to `w` columns with an ellipsis (one column per char; wide chars are clipped by the buffer).
fn fit(s: &str, w: usize) -> String {
    if w == 0 {
        return String::new();
    }
    if s.chars().count() <= w {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(w - 1).collect();
    out.push('…');
    out
}

/// Right-aligns `s` in `w` columns.
fn right(s: &str, w: usize) -> String {
    let s = fit(s, w);
    format!("{s:>w$}")
}

/// `HH:MM:SS` (UTC) of epoch microseconds.
fn clock(us: i64) -> String {
    chrono::DateTime::from_timestamp_micros(us)
        .map_or_else(|| "-".to_owned(), |d| d.format("%H:%M:%S").to_string())
}

/// Glyph and colour of a scope category.
fn category_glyph(c: Option<&Category>) -> (&'static str, Color) {
    match c {
        Some(Category::Agent) => ("◆", Color::Magenta),
        Some(Category::Llm) => ("◇", Color::Cyan),
        Some(Category::Tool) => ("▪", Color::Yellow),
        Some(Category::Function) => ("λ", Color::Blue),
        Some(Category::Retriever) => ("⌕", Color::Green),
        Some(Category::Embedder) => ("∷", Color::Green),
        Some(Category::Reranker) => ("⇅", Color::Green),
        Some(Category::Guardrail) => ("⊘", Color::LightRed),
        Some(Category::Evaluator) => ("✓", Color::LightGreen),
        Some(Category::Custom | Category::Other(_)) => ("•", Color::Gray),
        Some(Category::Unknown) | None => ("·", Color::Gray),
    }
}

/// Row style for a selected row, by focus.
fn selected_style(focused: bool) -> Style {
    if focused {
        theme::SELECTED
    } else {
        theme::SELECTED_IDLE
    }
}

/// A compact token count, or blank.
fn tokens_label(t: Option<u64>) -> String {
    t.filter(|&t| t > 0)
        .map(trace_model::text::format_count)
        .unwrap_or_default()
}

/// A duration for the screen, rounded to the unit shown (224.946 ms → `225ms`, 1.2346 s →
/// `1.235s`), never cut.
pub fn dur(us: i64) -> String {
    let a = us.unsigned_abs();
    let rounded = match a {
        0..1_000 => a,
        1_000..1_000_000 => (a + 500) / 1_000 * 1_000,
        1_000_000..60_000_000 => (a + 500) / 1_000 * 1_000,
        60_000_000..3_600_000_000 => (a + 500_000) / 1_000_000 * 1_000_000,
        _ => (a + 30_000_000) / 60_000_000 * 60_000_000,
    };
    let r = i64::try_from(rounded).unwrap_or(i64::MAX);
    trace_model::text::format_duration_us(if us < 0 { -r } else { r })
}
