//! The tokens and latency view: the run's calls in a table (sortable, filtered, `Enter` opens
//! one in the explorer), latency percentiles by model and by tool (selectable), and when
//! there is room tokens by model, cumulative tokens and the critical path. Figures come precomputed
//! in `App::stats`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Sparkline};

use super::{dur, fit, pane, right, selected_style, theme};
use crate::app::StatsView;
use crate::app::{App, CallRow, CallSort, Pane, layout};
use trace_model::query::LatencyRow;
use trace_model::text::format_count;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let Some(s) = &app.stats else { return };
    let t = layout::tokens_areas(area);
    calls_table(frame, t.calls, app);
    let of = |shown: usize, all: usize| {
        if all > shown {
            format!("({shown} slowest of {}) ", format_count(all as u64))
        } else {
            String::new()
        }
    };
    latency(
        frame,
        t.latency_model,
        &format!(
            " Latency by model · file {}",
            of(s.latency_by_model.len(), s.latency_groups.0)
        ),
        &s.latency_by_model,
        (app.focus == Pane::LatencyModel).then_some(app.calls.model_cursor),
        app.calls.model_offset,
    );
    latency(
        frame,
        t.latency_tool,
        &format!(
            " Latency by tool · file {}",
            of(s.latency_by_tool.len(), s.latency_groups.1)
        ),
        &s.latency_by_tool,
        (app.focus == Pane::LatencyTool).then_some(app.calls.tool_cursor),
        app.calls.tool_offset,
    );
    if t.by_model_run.height > 0 {
        bars(
            frame,
            t.by_model_run,
            &run_title(s),
            &s.run_by_model,
            Color::Magenta,
        );
        if t.by_model_file.height > 0 {
            bars(
                frame,
                t.by_model_file,
                " Tokens by model · file ",
                &s.file_by_model,
                Color::Cyan,
            );
        }
        cumulative(frame, t.cumulative, s);
        if t.context.height > 0 {
            context(frame, t.context, s);
        }
        critical(frame, t.critical, s);
    }
}

/// A count, or `—` when the producer did not report it (not reported is not zero).
fn count(v: Option<u64>) -> String {
    v.map_or_else(|| "—".to_owned(), format_count)
}

/// Every call of the run: sortable (`o`), filtered by `F`, `Enter` opens it in the explorer.
fn calls_table(frame: &mut Frame, area: Rect, app: &App) {
    let focused = app.focus == Pane::Calls;
    let rows = &app.calls.rows;
    // The producer's own figure for the run, beside ours (never instead of it).
    let reported = app
        .stats
        .as_ref()
        .and_then(|s| s.run_cost.reported_usd())
        .map(|r| format!(" · reported {}", format_usd(r, false)))
        .unwrap_or_default();
    let title = format!(
        " Calls · run · {}{reported} · sort {} (o) · Enter: explorer ",
        rows.len(),
        app.calls.shown_sort().label()
    );
    frame.render_widget(pane(title, focused), area);
    let body = layout::inner(area);
    if body.height == 0 {
        return;
    }
    let w = usize::from(body.width);
    // Columns sized to their content; name and model share what is left.
    let nums: [(&str, usize); 7] = [
        ("INPUT", 6),
        ("CACHED", 6),
        ("OUTPUT", 6),
        ("LATENCY", 7),
        ("TTFT", 6),
        ("COST", 7),
        ("STATUS", 6),
    ];
    let fixed: usize = nums.iter().map(|(_, n)| n + 1).sum();
    let status_w = 7 + w.saturating_sub(fixed + 40).min(24);
    let rest = w.saturating_sub(fixed - 7 + status_w + 2);
    let model_need = app.calls.model_chars.max(5);
    let name_need = app.calls.name_chars.max(4);
    let model_w = model_need
        .min(rest / 2)
        .max(rest.saturating_sub(name_need))
        .min(model_need);
    let name_w = rest.saturating_sub(model_w);
    let mark = |c: CallSort, h: &str| {
        if app.calls.shown_sort() == c {
            format!("{h}▼")
        } else {
            h.to_owned()
        }
    };
    let head = format!(
        "{:<name_w$} {:<model_w$} {:>6} {:>6} {:>6} {:>7} {:>6} {:>7} {}",
        mark(CallSort::Name, "NAME"),
        mark(CallSort::Model, "MODEL"),
        mark(CallSort::Input, "INPUT"),
        mark(CallSort::Cached, "CACHED"),
        mark(CallSort::Output, "OUTPUT"),
        mark(CallSort::Latency, "LATENCY"),
        mark(CallSort::Ttft, "TTFT"),
        mark(CallSort::Cost, "COST"),
        mark(CallSort::Status, "STATUS"),
    );
    let mut lines = vec![Line::styled(fit(&head, w), theme::HEADER)];
    if rows.is_empty() {
        let why = if app.filter.is_some() {
            "no calls match the filter (F)"
        } else {
            "no LLM or tool calls in this run"
        };
        lines.push(Line::styled(why, theme::DIM));
    }
    let h = usize::from(body.height.saturating_sub(1));
    let start = app.calls.offset.min(rows.len());
    let t = &app.trace;
    for (i, &id) in rows.iter().enumerate().skip(start).take(h) {
        let r = CallRow::compute(t, id);
        let status = r.status(t);
        let text = format!(
            "{:<name_w$} {:<model_w$} {:>6} {:>6} {:>6} {:>7} {:>6} {:>7} {}",
            fit(&r.name(t), name_w),
            fit(&r.model(t), model_w),
            count(r.input()),
            count(r.cached()),
            count(r.output()),
            r.latency_us().map_or_else(|| "open".to_owned(), dur),
            r.ttft_us().map_or_else(|| "—".to_owned(), dur),
            r.cost_nusd().map_or_else(
                || "—".to_owned(),
                |n| format_usd(n as f64 / 1e9, r.cost_partial)
            ),
            if status.chars().count() > status_w && r.error() {
                "✗ error".to_owned()
            } else {
                fit(&status, status_w)
            },
        );
        let mut style = if r.error() {
            theme::ERROR
        } else {
            Style::new()
        };
        if i == app.calls.cursor {
            style = selected_style(focused);
        }
        lines.push(Line::styled(fit(&text, w), style));
    }
    frame.render_widget(Paragraph::new(lines), body);
}

/// The run's critical path, largest steps first: self time on the path, its share of the wall
/// time and of the run's tokens.
fn critical(frame: &mut Frame, area: Rect, s: &StatsView) {
    let title = format!(" Critical path · run · {} ", dur(s.critical_len_us));
    frame.render_widget(pane(title, false), area);
    let body = layout::inner(area);
    let w = usize::from(body.width);
    let lines: Vec<Line> = s
        .critical
        .iter()
        .take(usize::from(body.height))
        .map(|(label, us, time, tok)| {
            Line::from(vec![
                Span::styled(right(&dur(*us), 8), theme::OPEN),
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
    // Labels as wide as the longest one up to half the pane, so models stay distinguishable.
    let longest = items
        .iter()
        .map(|b| b.label.chars().count())
        .max()
        .unwrap_or(6);
    let label_w = longest.clamp(6, 24).min((w / 2).max(6));
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
        dur(s.run_span_us)
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

fn latency(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    rows: &[LatencyRow],
    cursor: Option<usize>,
    offset: usize,
) {
    if area.height == 0 {
        return;
    }
    let title = if cursor.is_some() {
        format!("{title}· Enter: slowest call ")
    } else {
        title.to_owned()
    };
    frame.render_widget(pane(title, cursor.is_some()), area);
    let body = layout::inner(area);
    let w = usize::from(body.width);
    let longest = rows
        .iter()
        .map(|r| r.label.chars().count())
        .max()
        .unwrap_or(4);
    let label_w = w.saturating_sub(4 + 3 * 8).clamp(4, longest.max(4) + 2);
    let mut lines = vec![Line::styled(
        format!(
            "{:<label_w$} {:>3} {:>7} {:>7} {:>7}",
            "NAME", "N", "P50", "P95", "MAX"
        ),
        theme::HEADER,
    )];
    if rows.is_empty() {
        lines.push(Line::styled("no finished calls", theme::DIM));
    }
    let h = usize::from(body.height.saturating_sub(1));
    for (i, r) in rows.iter().enumerate().skip(offset.min(rows.len())).take(h) {
        let line = Line::raw(format!(
            "{:<label_w$} {:>3} {:>7} {:>7} {:>7}",
            fit(&r.label, label_w),
            r.calls,
            dur(r.p50_us),
            dur(r.p95_us),
            dur(r.max_us)
        ));
        lines.push(if cursor == Some(i) {
            line.style(theme::SELECTED)
        } else {
            line
        });
    }
    frame.render_widget(Paragraph::new(lines), body);
}

/// Dollars in at most 7 columns: four decimals below a dollar, two above; a trailing `+`
/// when the figure is a lower bound (a bucket had no rate).
pub fn format_usd(usd: f64, partial: bool) -> String {
    let body = if usd < 1.0 {
        format!("${usd:.4}")
    } else if usd < 10_000.0 {
        format!("${usd:.2}")
    } else {
        format!("${:.0}k", usd / 1000.0)
    };
    if partial { format!("{body}+") } else { body }
}

/// The run's token pane title, with what its calls cost (`—`: no call could be priced).
fn run_title(s: &StatsView) -> String {
    let cost = s.run_cost.usd().map_or_else(
        || "cost —".to_owned(),
        |usd| format_usd(usd, s.run_cost.partial()),
    );
    format!(" Tokens · run · {cost} ")
}
