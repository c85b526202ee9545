//! The runs pane: one row per run in view, failed runs in red.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row, Table};

use super::{clock, dur, fit, pane, selected_style, theme};
use crate::app::{App, Feed, Pane, layout};
use trace_model::stats::RunStatus;
use trace_model::text::format_count;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let focused = app.focus == Pane::Runs;
    let total = app.runs.cache.len();
    let shown = app.runs.rows.len();
    let count = if shown == total {
        format!("{total}")
    } else {
        format!("{shown}/{total}")
    };
    let title = format!(
        " Runs {count} · sort {} · filter {} ",
        app.runs.sort.label(),
        app.runs.filter.label()
    );
    let block = pane(title, focused);
    let body = layout::table_body(area);
    // The RUN column is as wide as the longest name shown (figures stay next to the names on
    // a wide screen), and never wider than the room left.
    let room = body.width.saturating_sub(12 + 8 + 9 + 5 + 5 + 7 + 6);
    let longest = app.runs.longest_name;
    let name_col = longest.max(12).min(room.max(3));
    let widths = [
        Constraint::Length(12),
        Constraint::Length(name_col),
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(7),
        Constraint::Fill(1),
    ];
    let header = Row::new([
        "STATUS", "RUN", "START", "DURATION", "LLM", "TOOLS", "TOKENS",
    ])
    .style(theme::HEADER);
    let name_w = usize::from(name_col);
    let end = (app.runs.offset + usize::from(body.height)).min(app.runs.rows.len());
    let rows = app.runs.rows[app.runs.offset.min(end)..end]
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let r = &app.runs.cache[id];
            let status = r.status_label(app.feed);
            let glyph = match r.status {
                RunStatus::Ok => "✓",
                RunStatus::Error => "✗",
                RunStatus::Incomplete => "…",
            };
            let mut style = match r.status {
                RunStatus::Error => theme::ERROR,
                RunStatus::Incomplete => theme::OPEN,
                RunStatus::Ok => Style::new(),
            };
            if app.runs.offset + i == app.runs.cursor {
                style =
                    selected_style(focused).patch(if r.status == RunStatus::Error && !focused {
                        theme::ERROR
                    } else {
                        Style::new()
                    });
            }
            // A `+` marks a run still going; an unknown duration is just `-`.
            let dur = match r.running_us(app.feed, app.live_now()) {
                None => "-".to_owned(),
                Some(d) if r.complete => dur(d),
                Some(d) => format!("{}+", dur(d)),
            };
            Row::new([
                Cell::from(format!("{glyph} {status}")),
                Cell::from(fit(&r.name(&app.trace), name_w)),
                Cell::from(r.start_us().map_or_else(|| "-".to_owned(), clock)),
                Cell::from(Line::from(dur).right_aligned()),
                Cell::from(Line::from(format_count(u64::from(r.llm_calls))).right_aligned()),
                Cell::from(Line::from(format_count(u64::from(r.tool_calls))).right_aligned()),
                Cell::from(Line::from(format_count(r.tokens)).right_aligned()),
            ])
            .style(style)
        });
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(1);
    frame.render_widget(table, area);
    if app.runs.rows.is_empty() {
        let t = &app.trace;
        let msg = match (total, app.feed) {
            // The file is still being read: what it holds is not known yet.
            (0, _) if app.progress.is_some() => "reading the file…".to_owned(),
            (0, Feed::Static) if t.events == 0 && t.skipped == 0 => {
                "the input is empty: no events to show".to_owned()
            }
            (0, Feed::Static) if t.events == 0 => format!(
                "{} line{} read, none in a known dialect (D lists them)",
                t.skipped,
                if t.skipped == 1 { "" } else { "s" }
            ),
            (0, Feed::Static) => "no runs: the events form no run".to_owned(),
            (0, _) if app.ended => "the input ended without a run".to_owned(),
            (0, _) => "no runs yet: waiting for events".to_owned(),
            _ => "no runs match the filter (f)".to_owned(),
        };
        frame.render_widget(Line::from(msg).style(theme::DIM), body);
    }
}
