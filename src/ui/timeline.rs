//! The timeline pane: the scope tree on the left and a waterfall on the right (one bar per
//! scope, offset and length to scale), with the scrubber cursor as a vertical line.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Paragraph;

use super::{category_glyph, dur, fit, pane, theme, tree};
use crate::app::{App, Pane, layout};
use trace_model::NodeKind;
use trace_model::query::{Edge, Phase};
use trace_model::text::clean;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let focused = app.focus == Pane::Tree;
    let tl = app.run.as_ref().map(|rc| &rc.timeline);
    let run_name = app
        .selected_run()
        .map(|r| clean(app.trace.str(app.trace.node(r).name)).into_owned())
        .unwrap_or_default();
    let pos = match tl {
        Some(t) if !t.is_empty() => format!(" · event {}/{}", app.scrub + 1, t.len()),
        _ => String::new(),
    };
    let title = format!(
        " Timeline · {}{pos} · █ critical path ▒ off-path · idle (i: longest) ",
        fit(&run_name, 40)
    );
    frame.render_widget(pane(title, focused), area);
    let (names, bars) = layout::waterfall_split(area);
    let lines = tree::visible_lines(app, names, false, focused);
    frame.render_widget(Paragraph::new(lines), names);
    let Some(tl) = tl else { return };
    let Some((t0, t1)) = tl.span(&app.trace) else {
        frame.render_widget(
            Paragraph::new("no timed events in this run").style(theme::DIM),
            bars,
        );
        return;
    };
    let cursor_t = tl.edge(&app.trace, app.scrub).map_or(t1, |e| e.t);
    let scale = Scale {
        t0,
        span: (t1 - t0).max(1),
        x: bars.x,
        w: bars.width,
    };
    let buf = frame.buffer_mut();
    axis(buf, layout::axis_row(area), &scale, cursor_t, t1 - t0);
    let cursor_x = scale.col(cursor_t);
    let end = (app.tree.offset + usize::from(bars.height)).min(app.tree.rows.len());
    for (i, row) in app.tree.rows[app.tree.offset.min(end)..end]
        .iter()
        .enumerate()
    {
        let y = bars.y + i as u16;
        let n = app.trace.node(row.id);
        let phase = if app.scrubbing() {
            tl.phase_at(row.id, app.scrub)
        } else {
            Phase::Done
        };
        let (_, color) = category_glyph(app.trace.category(row.id));
        let style = if n.has_error() && phase == Phase::Done {
            theme::ERROR
        } else {
            Style::new().fg(color)
        };
        if n.kind == NodeKind::Mark {
            if let Some(t) = n.start_us() {
                buf[(scale.col(t), y)].set_char('◆').set_style(style);
            }
        } else if let Some(s) = n.start_us().or(n.end_us()) {
            let e = match phase {
                Phase::Open => cursor_t,
                _ => app.end_of(row.id).unwrap_or(t1),
            };
            let (x0, x1) = (scale.col(s), scale.col(e.max(s)));
            let bar_style = if phase == Phase::Open || app.end_of(row.id).is_none() {
                theme::OPEN
            } else {
                style
            };
            // Solid bars are on the critical path; shaded ones ran alongside it.
            let critical = app.run.as_ref().is_some_and(|rc| rc.is_critical(row.id));
            let fill = match (x0 == x1, critical) {
                (true, _) => '▍',
                (false, true) => '█',
                (false, false) => '▒',
            };
            for x in x0..=x1 {
                buf[(x, y)].set_char(fill).set_style(bar_style);
            }
        }
        if buf[(cursor_x, y)].symbol() == " " {
            buf[(cursor_x, y)].set_char('│').set_style(theme::CURSOR);
        }
    }
    for y in bars.y + (end - app.tree.offset.min(end)) as u16..bars.y + bars.height {
        buf[(cursor_x, y)].set_char('│').set_style(theme::CURSOR);
    }
    // Idle gaps: dotted columns where no leaf scope ran.
    if let Some(rc) = &app.run {
        for &(s, e) in &rc.gaps {
            for x in scale.col(s)..=scale.col(e) {
                for y in bars.y..bars.y + bars.height {
                    if buf[(x, y)].symbol() == " " {
                        buf[(x, y)].set_char('·').set_style(theme::DIM);
                    }
                }
            }
        }
    }
    if let Some(e) = tl.edge(&app.trace, app.scrub) {
        let what = match e.edge {
            Edge::Start => "start",
            Edge::End => "end",
            Edge::Mark => "mark",
        };
        let label = format!(
            " {what} {} ",
            fit(&clean(app.trace.str(app.trace.node(e.node).name)), 24)
        );
        let x = cursor_x
            .saturating_add(1)
            .min((bars.x + bars.width).saturating_sub(label.chars().count() as u16));
        let y = bars.y + bars.height.saturating_sub(1);
        if bars.height > 1 && end - app.tree.offset.min(end) < usize::from(bars.height) {
            buf.set_string(x.max(bars.x), y, label, theme::CURSOR);
        }
    }
}

/// Time to column.
struct Scale {
    t0: i64,
    span: i64,
    x: u16,
    w: u16,
}

impl Scale {
    fn col(&self, t: i64) -> u16 {
        let frac = (t - self.t0).clamp(0, self.span) as f64 / self.span as f64;
        self.x + (frac * f64::from(self.w.saturating_sub(1))).round() as u16
    }
}

/// The axis row: `0` at the left, the run's length at the right, the cursor's offset at the
/// cursor; an end label the cursor's label would touch is left out, so labels never collide.
fn axis(buf: &mut Buffer, row: Rect, scale: &Scale, cursor_t: i64, total: i64) {
    if row.width < 8 || row.height == 0 {
        return;
    }
    let right_end = row.x + row.width;
    let cx = scale.col(cursor_t);
    let label = format!("▼+{}", dur(cursor_t - scale.t0));
    let lw = label.chars().count() as u16;
    let lx = cx.min(right_end.saturating_sub(lw)).max(row.x);
    let end_label = dur(total);
    let ex = right_end.saturating_sub(end_label.chars().count() as u16);
    if lx > row.x + 1 {
        buf.set_string(row.x, row.y, "0", theme::DIM);
    }
    if lx + lw < ex {
        buf.set_string(ex, row.y, &end_label, theme::DIM);
    }
    buf.set_string(lx, row.y, &label, theme::CURSOR);
}
