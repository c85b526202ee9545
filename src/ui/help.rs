//! Overlays: the key help generated from the key table, and the diagnostics list.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use super::{fit, theme};
use crate::app::App;
use crate::app::keymap::{KeyMode, help_rows};
use trace_model::text::clean;

/// A centred box `w`×`h` at most, inside `area`.
fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width.saturating_sub(2));
    let h = h.min(area.height.saturating_sub(2));
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

fn overlay(frame: &mut Frame, area: Rect, title: String, lines: Vec<Line<'static>>, scroll: u16) {
    frame.render_widget(Clear, area);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme::BORDER_FOCUS)
        .title(title)
        .title_bottom(" Esc close · j/k scroll ");
    let max = (lines.len() as u16).saturating_sub(area.height.saturating_sub(2));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll.min(max), 0)),
        area,
    );
}

pub fn render_help(frame: &mut Frame, area: Rect, app: &App) {
    let mut lines = Vec::new();
    // The current view's keys first, so they are visible without scrolling.
    let order = match app.view {
        crate::app::View::Timeline => [
            KeyMode::Timeline,
            KeyMode::Any,
            KeyMode::Explorer,
            KeyMode::Search,
        ],
        _ => [
            KeyMode::Explorer,
            KeyMode::Any,
            KeyMode::Timeline,
            KeyMode::Search,
        ],
    };
    let box_w = 76.min(area.width.saturating_sub(2));
    let desc_w = usize::from(box_w.saturating_sub(2))
        .saturating_sub(26)
        .max(10);
    for mode in order {
        lines.push(Line::styled(
            mode.title(),
            theme::HEADER.add_modifier(Modifier::UNDERLINED),
        ));
        for (keys, desc) in help_rows(mode) {
            // Descriptions wrap at words under their column, so the help fits 80 columns.
            let mut first = true;
            for part in wrap_words(desc, desc_w) {
                let k = if first { keys.as_str() } else { "" };
                first = false;
                lines.push(Line::from(vec![
                    Span::styled(
                        format!("  {k:<24}"),
                        Style::new().fg(ratatui::style::Color::Cyan),
                    ),
                    Span::raw(part),
                ]));
            }
        }
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled(
        "mouse: click a row to select, wheel to scroll, click the waterfall to scrub",
        theme::DIM,
    ));
    let h = lines.len() as u16 + 2;
    overlay(
        frame,
        centered(area, box_w, h),
        " Keys ".to_owned(),
        lines,
        app.overlay_scroll,
    );
}

pub fn render_diagnostics(frame: &mut Frame, area: Rect, app: &App) {
    let t = &app.trace;
    let w = usize::from(area.width.saturating_sub(6));
    let mut lines = vec![Line::styled(
        format!("skipped lines: {}", t.skipped),
        theme::HEADER,
    )];
    for d in t.diagnostics() {
        lines.push(
            Line::from(fit(
                &format!(
                    "{}:{}: {}",
                    clean(t.file_name(d.file)),
                    d.line,
                    clean(&d.message)
                ),
                w,
            ))
            .style(theme::OPEN),
        );
    }
    if t.unlisted_skips() > 0 {
        lines.push(Line::styled(
            format!("… and {} more", t.unlisted_skips()),
            theme::DIM,
        ));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!("warnings: {}", t.warnings_count),
        theme::HEADER,
    ));
    for d in t.warnings() {
        lines.push(Line::from(fit(
            &format!(
                "{}:{}: {}",
                clean(t.file_name(d.file)),
                d.line,
                clean(&d.message)
            ),
            w,
        )));
    }
    let h = area.height.saturating_sub(4);
    overlay(
        frame,
        centered(area, area.width.saturating_sub(8), h),
        " Diagnostics ".to_owned(),
        lines,
        app.overlay_scroll,
    );
}

/// The diff of two runs: the same table `trace-tui diff` prints, coloured by row kind.
pub fn render_diff(frame: &mut Frame, area: Rect, app: &App) {
    let w = usize::from(area.width.saturating_sub(6));
    let lines = app
        .diff_lines
        .iter()
        .map(|l| {
            let style = match l.chars().next() {
                Some('-') => theme::ERROR,
                Some('+') => theme::OPEN,
                Some('~') => theme::HEADER,
                _ => ratatui::style::Style::new(),
            };
            Line::from(fit(l, w)).style(style)
        })
        .collect();
    let h = area.height.saturating_sub(4);
    overlay(
        frame,
        centered(area, area.width.saturating_sub(8), h),
        " Run diff · - only left  + only right  ~ changed ".to_owned(),
        lines,
        app.overlay_scroll,
    );
}

/// `s` in lines of at most `w` characters, broken at spaces (a longer word is cut).
fn wrap_words(s: &str, w: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in s.split(' ') {
        if !cur.is_empty() && cur.chars().count() + 1 + word.chars().count() > w {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    out.push(cur);
    out.into_iter().map(|l| fit(&l, w)).collect()
}
