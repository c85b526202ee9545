//! The status bar: files, format, counts, skipped lines, live/paused and "+N new", or the
//! search prompt while typing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fit;
use crate::app::{App, Feed, Mode, View};
use trace_model::text::{clean, format_count};

const BAR: Style = Style::new().fg(Color::White).bg(Color::Indexed(236));

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    if app.mode == Mode::Search {
        let (label, hint) = if app.search.for_filter {
            (" filter: ", "   Enter apply (empty clears) · Esc cancel")
        } else {
            (" / ", "   Enter find · Esc cancel")
        };
        let line = Line::from(vec![
            Span::styled(label, BAR.add_modifier(Modifier::BOLD)),
            Span::styled(format!("{}▏", clean(&app.search.input)), BAR),
            Span::styled(hint, BAR.fg(Color::Gray)),
        ]);
        frame.render_widget(Paragraph::new(line).style(BAR), area);
        return;
    }
    let sep = Span::styled(" │ ", BAR.fg(Color::DarkGray));
    let width = usize::from(area.width);
    // The key hint is always shown: the full form when there is room, a short one at 80.
    let hint = if width >= 130 {
        " e next error · 1 2 3 views · Tab pane · ? help · q quit "
    } else {
        " e error · 1 2 3 · ? help · q quit "
    };
    let fmt = app
        .formats
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let mut left = vec![
        sep.clone(),
        Span::styled(
            match (fmt.is_empty(), app.feed, app.trace.events) {
                (false, ..) => fmt,
                (true, Feed::Static, 0) => "no format".to_owned(),
                (true, _, 0) => "format: waiting".to_owned(),
                (true, ..) => "format ?".to_owned(),
            },
            BAR,
        ),
        sep.clone(),
        Span::styled(format!("{} events", format_count(app.trace.events)), BAR),
    ];
    let skipped = app.trace.skipped;
    if skipped > 0 || width >= 100 {
        left.push(sep.clone());
        left.push(if skipped > 0 {
            Span::styled(format!("{skipped} skipped (D)"), BAR.fg(Color::LightYellow))
        } else {
            Span::styled("0 skipped", BAR)
        });
    }
    if let Some(what) = app.computing() {
        left.push(sep.clone());
        left.push(Span::styled(what, BAR.fg(Color::LightCyan)));
    }
    if let Some((done, total)) = app.progress {
        left.push(sep.clone());
        left.push(Span::styled(
            progress_bar(done, total),
            BAR.fg(Color::LightCyan),
        ));
    }
    match app.feed {
        Feed::Static => {}
        Feed::Live | Feed::Paused { .. } if app.ended => {
            left.push(sep.clone());
            left.push(Span::styled(
                "■ ended",
                BAR.fg(Color::Gray).add_modifier(Modifier::BOLD),
            ));
        }
        Feed::Live => {
            left.push(sep.clone());
            left.push(Span::styled(
                "● LIVE",
                BAR.fg(Color::LightGreen).add_modifier(Modifier::BOLD),
            ));
            if app.held {
                left.push(Span::styled(
                    if width >= 100 {
                        " · view held (p: newest)"
                    } else {
                        " · held (p)"
                    },
                    BAR.fg(Color::LightGreen),
                ));
            }
        }
        Feed::Paused { .. } => {
            left.push(sep.clone());
            left.push(Span::styled(
                "❚❚ PAUSED",
                BAR.fg(Color::LightYellow).add_modifier(Modifier::BOLD),
            ));
            let n = app.new_since_pause();
            let more = if n > 0 {
                format!(" +{} new · p resume", format_count(n))
            } else {
                " · p resume".to_owned()
            };
            left.push(Span::styled(more, BAR.fg(Color::LightYellow)));
        }
    }
    if let Some(f) = &app.filter {
        left.push(sep.clone());
        left.push(Span::styled(
            format!("filter {}", fit(&clean(&f.to_string()), 40)),
            BAR.fg(Color::LightMagenta).add_modifier(Modifier::BOLD),
        ));
    }
    if app.view == View::Timeline && app.scrubbing() {
        left.push(sep.clone());
        left.push(Span::styled(
            if width >= 100 {
                "scrubbing (End: now)"
            } else {
                "scrub (End)"
            },
            BAR.fg(Color::LightYellow),
        ));
    }
    let answer = app.search.message.is_some();
    let msg = app
        .search
        .message
        .as_deref()
        .or(app.ingest_status.as_deref().filter(|_| !app.ended))
        .unwrap_or("");
    let hint_w = hint.chars().count();
    let used: usize = left.iter().map(Span::width).sum::<usize>() + hint_w;
    // The title (a file name, a temp path in the demo) gives way to the figures and the hint.
    let title_room = width.saturating_sub(used + 3).min(40);
    if title_room >= 6 {
        left.insert(
            0,
            Span::styled(
                format!(" {}", fit(&clean(&app.title), title_room)),
                BAR.add_modifier(Modifier::BOLD),
            ),
        );
    } else {
        left.remove(0);
    }
    let used: usize = left.iter().map(Span::width).sum::<usize>() + hint_w;
    let room = width.saturating_sub(used + 2);
    let line = if msg.chars().count() <= room || !answer {
        left.push(Span::styled(
            format!("  {}", fit(msg, room)),
            BAR.fg(Color::Gray),
        ));
        Line::from(left)
    } else {
        // A message that does not fit beside the figures takes the bar (but not the hint),
        // whole: it answers the last key, and the next key brings the figures back.
        Line::from(Span::styled(format!(" {msg}"), BAR.fg(Color::White)))
    };
    let [main, keys] = ratatui::layout::Layout::horizontal([
        ratatui::layout::Constraint::Min(0),
        ratatui::layout::Constraint::Length(hint_w as u16),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(line).style(BAR), main);
    frame.render_widget(
        Paragraph::new(Span::styled(hint, BAR.fg(Color::Gray))).style(BAR),
        keys,
    );
}

/// `indexing ▕████░░░░░░▏ 45% of 1.2GB`; `reading…` before the size is known.
fn progress_bar(done: u64, total: u64) -> String {
    const CELLS: u64 = 10;
    if total == 0 && done == 0 {
        return "reading…".to_owned();
    }
    let pct = (done.min(total) * 100).checked_div(total).unwrap_or(100);
    let filled = (pct * CELLS / 100) as usize;
    format!(
        "indexing ▕{}{}▏ {pct}% of {}B",
        "█".repeat(filled),
        "░".repeat(CELLS as usize - filled),
        format_count(total)
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn progress_bar_text() {
        assert_eq!(super::progress_bar(0, 0), "reading…");
        assert_eq!(
            super::progress_bar(450, 1000),
            "indexing ▕████░░░░░░▏ 45% of 1.0kB"
        );
        assert_eq!(
            super::progress_bar(2_000_000_000, 1_000_000_000),
            "indexing ▕██████████▏ 100% of 1.00GB"
        );
    }
}
