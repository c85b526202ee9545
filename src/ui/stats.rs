//! The tokens and latency view: bars by model and by call, cumulative tokens over the run,
//! latency percentiles by model and by tool, and the slowest calls. Figures come precomputed
//! in `App::stats`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

use super::{fit, pane, right, theme};
use crate::app::StatsView;
use crate::app::{App, layout};
use trace_model::query::LatencyRow;
use trace_model::text::{format_count, format_duration_us};

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let Some(s) = &app.stats else { return };
    let [left, right_col] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    let h = |n: usize, cap: u16| (n as u16 + 2).clamp(3, cap);
    let [file_m, run_m, calls, cum] = Layout::vertical([
        Constraint::Length(h(s.file_by_model.len(), 7)),
        Constraint::Length(h(s.run_by_model.len(), 6)),
        Constraint::Min(3),
        Constraint::Length(6),
    ])
    .areas(left);
    bars(
        frame,
        file_m,
        " Tokens by model · file ",
        &s.file_by_model,
        Color::Cyan,
    );
    let t = &s.run_tokens;
    let cached = t.cache_read.saturating_add(t.cache_write);
    let reasoning = t
        .reasoning
        .map_or_else(String::new, |r| format!(" ({} reasoning)", format_count(r)));
    let run_title = format!(
        " Tokens by model · run · in {} ({} cached) · out {}{reasoning} ",
        format_count(t.input),
        format_count(cached),
        format_count(t.output),
    );
    bars(frame, run_m, &run_title, &s.run_by_model, Color::Magenta);
    bars(
        frame,
        calls,
        " Tokens by call · run (time order) ",
        &s.run_calls,
        Color::Blue,
    );
    let [cum, ctx] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(cum);
    cumulative(frame, cum, s);
    context(frame, ctx, s);
    let [lat_m, lat_t, crit, slow] = Layout::vertical([
        Constraint::Length(h(s.latency_by_model.len() + 1, 8)),
        Constraint::Length(h(s.latency_by_tool.len() + 1, 9)),
        Constraint::Min(3),
        Constraint::Length(h(s.slowest.len(), 8)),
    ])
    .areas(right_col);
    critical(frame, crit, s);
    latency(
        frame,
        lat_m,
        " Latency by model · file ",
        &s.latency_by_model,
    );
    latency(frame, lat_t, " Latency by tool · file ", &s.latency_by_tool);
    let body = layout::inner(slow);
    frame.render_widget(pane(" Slowest calls · file ", false), slow);
    let w = usize::from(body.width);
    let lines: Vec<Line> = s
        .slowest
        .iter()
        .take(usize::from(body.height))
        .map(|(label, d)| {
            Line::from(vec![
                Span::styled(right(&format_duration_us(*d), 8), theme::OPEN),
                Span::raw(format!(" {}", fit(label, w.saturating_sub(9)))),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), body);
}

/// The run's critical path, largest steps first: self time on the path, its share of the wall
/// time and of the run's tokens.
fn critical(frame: &mut Frame, area: Rect, s: &StatsView) {
    let title = format!(
        " Critical path · run · {} ",
        format_duration_us(s.critical_len_us)
    );
    frame.render_widget(pane(title, false), area);
    let body = layout::inner(area);
    let w = usize::from(body.width);
    let lines: Vec<Line> = s
        .critical
        .iter()
        .take(usize::from(body.height))
        .map(|(label, us, time, tok)| {
            Line::from(vec![
                Span::styled(right(&format_duration_us(*us), 8), theme::OPEN),
                Span::raw(format!(
                    " {:>3}% time {:>3}% tok ",
                    (time + 5) / 10,
                    (tok + 5) / 10
                )),
                Span::raw(fit(label, w.saturating_sub(25))),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), body);
}

/// Horizontal bars scaled to the largest value, drawn only for the rows that fit.
fn bars(frame: &mut Frame, area: Rect, title: &str, items: &[crate::app::Bar], color: Color) {
    frame.render_widget(pane(title.to_owned(), false), area);
    let body = layout::inner(area);
    if items.is_empty() {
        frame.render_widget(
            Paragraph::new("no LLM calls with tokens").style(theme::DIM),
            body,
        );
        return;
    }
    let w = usize::from(body.width);
    let label_w = (w / 3).clamp(6, 24);
    let value_w = 7;
    let bar_w = w.saturating_sub(label_w + value_w + 2);
    let max = items.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let lines: Vec<Line> = items
        .iter()
        .take(usize::from(body.height))
        .map(|b| {
            let eighths = (u128::from(b.value) * bar_w as u128 * 8 / u128::from(max)) as usize;
            let mut bar = "█".repeat(eighths / 8);
            if eighths % 8 > 0 {
                bar.push([' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'][eighths % 8]);
            }
            Line::from(vec![
                Span::raw(format!("{:<label_w$} ", fit(&b.label, label_w))),
                Span::styled(format!("{bar:<bar_w$}"), Style::new().fg(color)),
                Span::styled(
                    format!(" {}", right(&format_count(b.value), value_w)),
                    theme::LABEL,
                ),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), body);
}

fn cumulative(frame: &mut Frame, area: Rect, s: &StatsView) {
    let total = s.cumulative.last().copied().unwrap_or(0);
    let title = format!(
        " Cumulative tokens · run · {} over {} ",
        format_count(total),
        format_duration_us(s.run_span_us)
    );
    frame.render_widget(pane(title, false), area);
    let body = layout::inner(area);
    if s.cumulative.is_empty() || body.width == 0 {
        return;
    }
    // Resample the fixed buckets to the width: O(width), independent of the trace size.
    let n = s.cumulative.len();
    let w = usize::from(body.width);
    let data: Vec<u64> = (0..w)
        .map(|x| s.cumulative[(x * (n - 1) / (w - 1).max(1)).min(n - 1)])
        .collect();
    frame.render_widget(
        Sparkline::default()
            .data(&data)
            .max(total.max(1))
            .style(Style::new().fg(Color::Green)),
        body,
    );
}

/// Input tokens of each LLM call in time order: how the context grew over the run.
fn context(frame: &mut Frame, area: Rect, s: &StatsView) {
    let peak = s.context.iter().copied().max().unwrap_or(0);
    let title = format!(" Context growth · peak {} in ", format_count(peak));
    frame.render_widget(pane(title, false), area);
    let body = layout::inner(area);
    if s.context.is_empty() || body.width == 0 {
        return;
    }
    // One column per call when they fit, else sampled evenly.
    let n = s.context.len();
    let w = usize::from(body.width).min(n);
    let data: Vec<u64> = (0..w).map(|x| s.context[(x * n / w).min(n - 1)]).collect();
    frame.render_widget(
        Sparkline::default()
            .data(&data)
            .max(peak.max(1))
            .style(Style::new().fg(Color::Yellow)),
        body,
    );
}

fn latency(frame: &mut Frame, area: Rect, title: &str, rows: &[LatencyRow]) {
    frame.render_widget(pane(title.to_owned(), false), area);
    let body = layout::inner(area);
    let w = usize::from(body.width);
    let label_w = w.saturating_sub(6 + 3 * 9).max(4);
    let mut lines = vec![Line::styled(
        format!(
            "{:<label_w$} {:>5} {:>8} {:>8} {:>8}",
            "NAME", "CALLS", "P50", "P95", "MAX"
        ),
        theme::HEADER,
    )];
    if rows.is_empty() {
        lines.push(Line::styled("no finished calls", theme::DIM));
    }
    for r in rows.iter().take(usize::from(body.height.saturating_sub(1))) {
        lines.push(Line::raw(format!(
            "{:<label_w$} {:>5} {:>8} {:>8} {:>8}",
            fit(&r.label, label_w),
            r.calls,
            format_duration_us(r.p50_us),
            format_duration_us(r.p95_us),
            format_duration_us(r.max_us)
        )));
    }
    frame.render_widget(Paragraph::new(lines), body);
}
