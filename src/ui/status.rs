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
    let fmt = app
        .formats
        .iter()
        .map(|f| f.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let mut left = vec![
        Span::styled(
            format!(" {} ", fit(&clean(&app.title), 40)),
            BAR.add_modifier(Modifier::BOLD),
        ),
        sep.clone(),
        Span::styled(
            if fmt.is_empty() {
                "format ?".to_owned()
            } else {
                fmt
            },
            BAR,
        ),
        sep.clone(),
        Span::styled(format!("{} events", format_count(app.trace.events)), BAR),
        sep.clone(),
    ];
    let skipped = app.trace.skipped;
    left.push(if skipped > 0 {
        Span::styled(format!("{skipped} skipped (D)"), BAR.fg(Color::LightYellow))
    } else {
        Span::styled("0 skipped", BAR)
    });
    if let Some((done, total)) = app.progress {
        left.push(sep.clone());
        left.push(Span::styled(
            progress_bar(done, total),
            BAR.fg(Color::LightCyan),
        ));
    }
    match app.feed {
        Feed::Static => {}
        Feed::Live => {
            left.push(sep.clone());
            left.push(Span::styled(
                "● LIVE",
                BAR.fg(Color::LightGreen).add_modifier(Modifier::BOLD),
            ));
        }
        Feed::Paused { .. } => {
            left.push(sep.clone());
            left.push(Span::styled(
                "❚❚ PAUSED",
                BAR.fg(Color::LightYellow).add_modifier(Modifier::BOLD),
            ));
            let n = app.new_since_pause();
            if n > 0 {
                left.push(Span::styled(
                    format!(" +{} new (p)", format_count(n)),
                    BAR.fg(Color::LightYellow),
                ));
            }
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
            "scrubbing (End: now)",
            BAR.fg(Color::LightYellow),
        ));
    }
    let msg = app
        .search
        .message
        .as_deref()
        .or(app.ingest_status.as_deref())
        .unwrap_or("");
    let used: usize = left.iter().map(Span::width).sum();
    // A message (search result, bad filter, waiting for a file) outranks the key hint.
    let hint = if msg.is_empty() || usize::from(area.width) >= used + msg.chars().count() + 52 {
        " 1 explorer 2 timeline 3 tokens  ? help  q quit "
    } else {
        ""
    };
    let room = usize::from(area.width).saturating_sub(used + hint.chars().count() + 2);
    let msg = fit(msg, room);
    let pad = room.saturating_sub(msg.chars().count());
    left.push(Span::styled(
        format!("  {msg}{}", " ".repeat(pad)),
        BAR.fg(Color::Gray),
    ));
    if usize::from(area.width) >= used + hint.chars().count() {
        left.push(Span::styled(hint, BAR.fg(Color::Gray)));
    }
    frame.render_widget(Paragraph::new(Line::from(left)).style(BAR), area);
}

/// `indexing ▕████░░░░░░▏ 45% of 1.2GB`.
fn progress_bar(done: u64, total: u64) -> String {
    const CELLS: u64 = 10;
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
        assert_eq!(
            super::progress_bar(0, 0),
            "indexing ▕██████████▏ 100% of 0B"
        );
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
