//! The detail pane: the selected call's figures and its records, pretty-printed and scrollable.
//! Payloads were read by `update` into the cache; drawing only looks them up.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{category_glyph, dur, pane, theme};
use crate::app::{App, Pane, View, layout};
use trace_formats::time::format_us;
use trace_model::query::Edge;
use trace_model::text::{clean, format_count};
use trace_model::{NodeId, NodeKind};

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let focused = app.focus == Pane::Detail;
    let timeline = app.view == View::Timeline;
    let title = if timeline {
        " Event at the cursor "
    } else {
        " Detail "
    };
    frame.render_widget(pane(title, focused), area);
    let body = layout::inner(area);
    // In the timeline the pane describes the event under the scrubber, not the tree's row.
    let shown = if timeline {
        app.event_node().or(app.tree.selected)
    } else {
        app.tree.selected
    };
    let Some(id) = shown else {
        frame.render_widget(Paragraph::new("nothing selected").style(theme::DIM), body);
        return;
    };
    let mut lines = Vec::new();
    if timeline {
        event_lines(app, &mut lines);
    }
    if let Some((hit_id, hit)) = &app.search.hit {
        if *hit_id == id {
            lines.push(Line::from(vec![
                Span::styled(format!("/{} ", clean(&app.search.query)), theme::CURSOR),
                Span::raw(format!("in the record: …{hit}")),
            ]));
        }
    }
    fields(app, id, &mut lines);
    let width = usize::from(body.width.max(1));
    let lines: Vec<Line> = lines.into_iter().flat_map(|l| wrap(l, width)).collect();
    let header = lines.len();
    let height = usize::from(body.height);
    let scroll = usize::from(app.detail_scroll);
    let mut out: Vec<Line> = lines.into_iter().skip(scroll).take(height).collect();
    let mut skip = scroll.saturating_sub(header);
    if let Some(p) = app.payloads.peek(id) {
        'outer: for (heading, body_lines) in &p.sections {
            if out.len() >= height {
                break;
            }
            if skip > 0 {
                skip -= 1;
            } else {
                out.push(Line::styled(format!("── {heading} "), theme::HEADER));
            }
            for l in body_lines {
                if out.len() >= height {
                    break 'outer;
                }
                if skip > 0 {
                    skip -= 1;
                    continue;
                }
                // Wrap long payload lines by characters; only lines in view are wrapped.
                let chars: Vec<char> = l.chars().collect();
                for chunk in chars.chunks(width) {
                    out.push(Line::raw(chunk.iter().collect::<String>()));
                    if out.len() >= height {
                        break;
                    }
                }
                if chars.is_empty() {
                    out.push(Line::raw(""));
                }
            }
        }
    }
    frame.render_widget(Paragraph::new(out), body);
}

/// Splits a line into lines of at most `width` columns (by characters), at a space when
/// there is one, keeping span styles; continuation lines are indented to the value column.
fn wrap(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    let cells: Vec<(char, Style)> = line
        .spans
        .iter()
        .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
        .collect();
    if cells.len() <= width || width < 16 {
        return vec![line];
    }
    let indent = 11.min(width / 3);
    let to_line = |cells: &[(char, Style)], pad: usize| {
        let mut spans = vec![Span::raw(" ".repeat(pad))];
        for &(c, st) in cells {
            match spans.last_mut() {
                Some(last) if last.style == st => last.content.to_mut().push(c),
                _ => spans.push(Span::styled(c.to_string(), st)),
            }
        }
        Line::from(spans)
    };
    let mut out = Vec::new();
    let mut rest = &cells[..];
    let mut pad = 0;
    while !rest.is_empty() {
        let room = width - pad;
        if rest.len() <= room {
            out.push(to_line(rest, pad));
            break;
        }
        // Break after the last space in the first `room` cells, unless that leaves a stub.
        let cut = rest[..room]
            .iter()
            .rposition(|&(c, _)| c == ' ')
            .filter(|&i| i + 1 >= room / 2)
            .map_or(room, |i| i + 1);
        out.push(to_line(&rest[..cut], pad));
        rest = &rest[cut..];
        pad = indent;
    }
    out
}

/// The event under the scrubber: what happened, and the scopes open at that instant, each
/// with the time it had been running then.
fn event_lines(app: &App, lines: &mut Vec<Line<'static>>) {
    let Some(rc) = app.run.as_ref() else { return };
    let Some(edge) = rc.timeline.edge(&app.trace, app.scrub) else {
        return;
    };
    let t = &app.trace;
    let n = t.node(edge.node);
    let name = clean(t.str(n.name)).into_owned();
    let base = rc.timeline.span(t).map_or(0, |s| s.0);
    let what = match edge.edge {
        Edge::Start => format!("{name} started"),
        Edge::Mark => format!("{name} (mark)"),
        Edge::End => match n.start_us() {
            Some(s) => format!("{name} ended after {}", dur(edge.t - s)),
            None => format!("{name} ended"),
        },
    };
    lines.push(Line::from(vec![
        Span::styled(
            format!("event {}/{} ", app.scrub + 1, rc.timeline.len()),
            theme::CURSOR,
        ),
        Span::raw(format!("at +{}: {what}", dur(edge.t - base))),
    ]));
    if let (Some(e), Edge::End | Edge::Mark) = (t.error(edge.node), edge.edge) {
        lines.push(Line::styled(
            format!("✗ failed: {}", clean(e)),
            theme::ERROR,
        ));
    }
    lines.push(Line::styled(
        format!("open at this instant ({}):", app.open_stack.len()),
        theme::HEADER,
    ));
    if app.open_stack.is_empty() {
        lines.push(Line::styled("  nothing", theme::DIM));
    }
    for &(id, depth, elapsed) in &app.open_stack {
        let (glyph, color) = category_glyph(t.category(id));
        lines.push(Line::from(vec![
            Span::raw("  ".repeat(usize::from(depth).min(8) + 1)),
            Span::styled(format!("{glyph} "), Style::new().fg(color)),
            Span::styled(clean(t.str(t.node(id).name)).into_owned(), theme::OPEN),
            Span::styled(format!("  {} so far", dur(elapsed)), theme::LABEL),
        ]));
    }
    lines.push(Line::styled("── the event's scope", theme::HEADER));
}

fn kv(key: &'static str, value: String, style: Style) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{key:<10} "), theme::LABEL),
        Span::styled(value, style),
    ])
}

/// The node's figures, one per line.
fn fields(app: &App, id: NodeId, out: &mut Vec<Line<'static>>) {
    let t = &app.trace;
    let n = t.node(id);
    let (glyph, color) = category_glyph(t.category(id));
    let cat = match n.kind {
        NodeKind::Mark => "mark".to_owned(),
        NodeKind::Scope => t
            .category(id)
            .map_or_else(|| "scope".to_owned(), |c| clean(c.as_str()).into_owned()),
    };
    out.push(Line::from(vec![
        Span::styled(format!("{glyph} {cat} · "), Style::new().fg(color)),
        Span::styled(
            clean(t.str(n.name)).into_owned(),
            Style::new().add_modifier(Modifier::BOLD),
        ),
    ]));
    if let Some(m) = n.model() {
        out.push(kv("model", clean(t.str(m)).into_owned(), Style::new()));
    }
    let base = app
        .run
        .as_ref()
        .and_then(|rc| rc.timeline.span(&app.trace))
        .map_or(0, |s| s.0);
    let at = |us: i64| format!("{} (+{})", format_us(us), dur(us - base));
    if let Some(s) = n.start_us() {
        out.push(kv(
            "start",
            at(s)
                + if n.start_estimated() {
                    " estimated"
                } else {
                    ""
                },
            Style::new(),
        ));
    }
    // greentic's trace.json has step durations only: its times are laid back from the file's
    // modification time (the end of the flow).
    let greentic = t
        .any_src(id)
        .and_then(|s| app.formats.get(usize::from(s.file)))
        .is_some_and(|f| *f == trace_formats::Format::Greentic);
    if greentic && n.start_us().is_some() {
        out.push(kv(
            "times",
            "from the file's modification time (greentic writes durations only)".to_owned(),
            theme::DIM,
        ));
    }
    // A run whose parent scope is not in the file (a filtered export): say so.
    if let Some(p) = n.parent().filter(|&p| t.node(p).placeholder()) {
        out.push(kv(
            "parent",
            format!("outside this file (id {})", clean(&t.ext_id(p))),
            theme::DIM,
        ));
    }
    if n.kind == NodeKind::Scope {
        match app.end_of(id) {
            Some(e) => out.push(kv("end", at(e), Style::new())),
            None => out.push(kv("end", "not yet".to_owned(), theme::OPEN)),
        }
        if let Some(d) = app.end_of(id).zip(n.start_us()).map(|(e, s)| e - s) {
            out.push(kv("latency", dur(d), Style::new()));
        }
        let has_scope_children = t.children(id).any(|c| t.node(c).kind == NodeKind::Scope);
        if let Some(own) = t.self_time_us(id).filter(|_| has_scope_children) {
            out.push(kv(
                "self time",
                format!("{} not covered by children", dur(own)),
                Style::new(),
            ));
        }
    }
    if let Some(tok) = t.tokens(id) {
        let f = |v: Option<u64>| v.map_or_else(|| "-".to_owned(), format_count);
        // input includes the cache parts, output the reasoning part (ARCHITECTURE.md).
        let cached = match (tok.cache_read, tok.cache_write) {
            (None, None) => String::new(),
            (r, w) => format!(
                " ({} cached)",
                format_count(r.unwrap_or(0).saturating_add(w.unwrap_or(0)))
            ),
        };
        let reasoning = tok
            .reasoning
            .map_or_else(String::new, |r| format!(" ({} reasoning)", format_count(r)));
        let mut s = format!(
            "in {}{cached} · out {}{reasoning} · total {}",
            f(tok.input),
            f(tok.output),
            format_count(tok.total_or_sum())
        );
        if tok.cache_read.is_some() || tok.cache_write.is_some() {
            let _ = write!(
                s,
                " · cache read {} write {}",
                f(tok.cache_read),
                f(tok.cache_write)
            );
            if let Some(h) = tok.cache_write_1h.filter(|&h| h > 0) {
                let _ = write!(s, " (1h {})", format_count(h));
            }
        }
        s.push_str(" (reported)");
        out.push(kv("tokens", s, Style::new()));
        if t.node(id).is_llm() {
            let cost = match trace_report::cost::call_cost(t, id) {
                Some(c) => format!(
                    "{} · {} ({}), {}",
                    crate::ui::stats::format_usd(c.usd, c.partial),
                    clean(c.model_id),
                    clean(c.provider),
                    trace_report::cost::catalogue().as_of()
                ),
                None => "unknown: no price for this model (never counted as 0)".to_owned(),
            };
            out.push(kv("cost", cost, Style::new()));
            if let Some(r) = t.reported_cost_nusd(id) {
                let usd = crate::ui::stats::format_usd(r as f64 / 1e9, false);
                out.push(kv(
                    "reported",
                    format!("{usd} (the producer's own figure)"),
                    Style::new(),
                ));
            }
        }
    }
    // Subtree figure and where it came from (the counting rule is in ARCHITECTURE.md).
    if let Some(sub) = app.subtree_tokens(id).filter(|&s| s > 0) {
        let own = t.tokens(id).map(|t| t.total_or_sum());
        let source = match own {
            None => "summed from children",
            Some(o) if o == sub => "",
            Some(_) if n.is_llm() => "own + children",
            Some(_) => "reported figure taken as cumulative (children not added again)",
        };
        if !source.is_empty() {
            out.push(kv(
                "subtree",
                format!("{} tokens, {source}", format_count(sub)),
                Style::new(),
            ));
        }
    }
    if let Some(c) = t.tool_call_id(id) {
        out.push(kv("tool call", clean(c).into_owned(), Style::new()));
    }
    let status = match (t.error(id), n.is_open() && app.end_of(id).is_none()) {
        (Some(e), _) => (format!("error: {}", clean(e)), theme::ERROR),
        (None, true) => ("open".to_owned(), theme::OPEN),
        (None, false) if t.incomplete(id).is_some() => (
            format!(
                "incomplete: {}",
                clean(t.incomplete(id).unwrap_or_default())
            ),
            theme::OPEN,
        ),
        (None, false) if n.placeholder() => {
            ("referenced as a parent, never seen".to_owned(), theme::DIM)
        }
        (None, false) if app.run.as_ref().is_some_and(|rc| rc.has_error_below(id)) => {
            ("ok itself · an error below".to_owned(), theme::ERROR)
        }
        (None, false) => ("ok".to_owned(), Style::new()),
    };
    out.push(kv("status", status.0, status.1));
    if n.has_children() {
        out.push(kv(
            "children",
            t.children(id).count().to_string(),
            Style::new(),
        ));
    }
}
