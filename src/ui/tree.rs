//! The scope tree pane: the selected run's visible rows (flattened in `App`), only those in view.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{category_glyph, dur, fit, pane, right, selected_style, theme, tokens_label};
use crate::app::{App, Pane, TreeRow, layout};
use trace_model::NodeKind;
use trace_model::query::Phase;
use trace_model::text::clean;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let focused = app.focus == Pane::Tree;
    let title = match app.selected_run() {
        Some(r) => format!(
            " Scopes · {} ",
            fit(&clean(app.trace.str(app.trace.node(r).name)), 40)
        ),
        None => " Scopes ".to_owned(),
    };
    frame.render_widget(pane(title, focused), area);
    let body = layout::tree_body(area, app.view);
    if app.run_is_loading() && app.run.is_none() {
        let scopes = app
            .selected_run()
            .and_then(|r| app.runs.cache.get(&r))
            .map_or(0, |r| u64::from(r.scopes));
        let text = format!(
            "loading the run ({} scopes)…",
            trace_model::text::format_count(scopes)
        );
        frame.render_widget(Paragraph::new(text).style(theme::DIM), body);
        return;
    }
    let lines = visible_lines(app, body, true, focused);
    frame.render_widget(Paragraph::new(lines), body);
}

/// The lines for the rows in view, `body` tall and wide.
pub(super) fn visible_lines(
    app: &App,
    body: Rect,
    show_model: bool,
    focused: bool,
) -> Vec<Line<'static>> {
    let end = (app.tree.offset + usize::from(body.height)).min(app.tree.rows.len());
    let start = app.tree.offset.min(end);
    app.tree.rows[start..end]
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let mut line = row_line(app, *row, usize::from(body.width), show_model);
            if start + i == app.tree.cursor {
                line = line.style(selected_style(focused));
            }
            line
        })
        .collect()
}

/// The scope's phase at the scrubber, when scrubbing.
fn phase(app: &App, id: trace_model::NodeId) -> Phase {
    match &app.run {
        Some(rc) if app.scrubbing() => rc.timeline.phase_at(id, app.scrub),
        _ => Phase::Done,
    }
}

/// One tree row: indentation, fold arrow, glyph, name, then model, duration and tokens on the right.
pub(super) fn row_line(app: &App, row: TreeRow, width: usize, show_model: bool) -> Line<'static> {
    let n = app.trace.node(row.id);
    let phase = phase(app, row.id);
    let depth = usize::from(row.depth).min(width / 3 / 2);
    let arrow = match (row.has_children, app.tree.expanded.contains(&row.id)) {
        (false, _) => "  ",
        (true, true) => "▾ ",
        (true, false) => "▸ ",
    };
    let (glyph, color) = match n.kind {
        NodeKind::Mark => ("◦", ratatui::style::Color::Gray),
        NodeKind::Scope => category_glyph(app.trace.category(row.id)),
    };
    let model = if show_model {
        n.model()
            .map(|m| clean(app.trace.str(m)).into_owned())
            .unwrap_or_default()
    } else {
        String::new()
    };
    let model_w = if show_model && width >= 60 {
        (width / 4).clamp(12, 24)
    } else {
        0
    };
    let (dur, dur_style) = duration(app, row.id, phase);
    let tokens = tokens_label(app.subtree_tokens(row.id));
    let right_w = model_w + 9 + 8;
    let left_w = width.saturating_sub(right_w);
    let name_w = left_w.saturating_sub(depth * 2 + 4);
    let mut name = clean(app.trace.str(n.name)).into_owned();
    if n.placeholder() {
        name = format!("(missing) {name}");
    }
    let mut name_style = if n.has_error() {
        theme::ERROR
    } else if phase == Phase::Open {
        theme::OPEN
    } else {
        Style::new()
    };
    // An active filter expression marks the scopes it matches and dims the rest.
    if let Some(f) = &app.filter {
        name_style = if f.matches_node_with(&app.trace, row.id, &app.text_hits) {
            name_style.add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        } else {
            name_style.add_modifier(Modifier::DIM)
        };
    }
    let name = fit(&name, name_w);
    let pad = name_w.saturating_sub(name.chars().count());
    // Own error: the name is red. An error further down: a red `!` before the glyph, so the
    // path to a failure is visible in a collapsed tree without blaming the parent.
    let below = app
        .run
        .as_ref()
        .is_some_and(|rc| rc.has_error_below(row.id));
    let arrow = if below && !n.has_error() {
        format!("{}!", &arrow[..arrow.len() - 1])
    } else {
        arrow.to_owned()
    };
    let mut spans = vec![
        Span::raw("  ".repeat(depth)),
        Span::styled(
            arrow,
            if below && !n.has_error() {
                theme::ERROR
            } else {
                Style::new()
            },
        ),
        Span::styled(format!("{glyph} "), Style::new().fg(color)),
        Span::styled(name, name_style),
        Span::raw(" ".repeat(pad)),
    ];
    if model_w > 0 {
        spans.push(Span::styled(
            format!(" {}", right(&model, model_w - 1)),
            theme::DIM,
        ));
    }
    spans.push(Span::styled(format!(" {}", right(&dur, 8)), dur_style));
    spans.push(Span::styled(
        format!(" {}", right(&tokens, 7)),
        theme::LABEL,
    ));
    Line::from(spans)
}

/// Duration text: wall time, time so far for an open scope, or a marker.
fn duration(app: &App, id: trace_model::NodeId, phase: Phase) -> (String, Style) {
    let n = app.trace.node(id);
    if n.kind == NodeKind::Mark {
        return ("mark".to_owned(), theme::DIM);
    }
    let cursor_t = app
        .run
        .as_ref()
        .filter(|_| app.scrubbing())
        .and_then(|rc| rc.timeline.edge(&app.trace, app.scrub))
        .map(|e| e.t);
    let wall = app.end_of(id).zip(n.start_us()).map(|(e, s)| e - s);
    match (phase, wall, cursor_t) {
        (Phase::Open, _, Some(t)) => (
            format!("{}…", n.start_us().map_or_else(String::new, |s| dur(t - s))),
            theme::OPEN,
        ),
        // Ended, but its producer said it did not finish: time it ran, flagged.
        (_, Some(d), _) if app.trace.incomplete(id).is_some() => {
            (format!("{}…", dur(d)), theme::OPEN)
        }
        (_, Some(d), _) => (dur(d), Style::new()),
        _ if n.is_open() => ("open".to_owned(), theme::OPEN),
        _ if n.has_end() && !n.has_start() => ("end only".to_owned(), theme::DIM),
        _ => ("-".to_owned(), theme::DIM),
    }
}
