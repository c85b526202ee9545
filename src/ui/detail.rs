//! The detail pane: the selected call's figures and its records, pretty-printed and scrollable.
//! Payloads were read by `update` into the cache; drawing only looks them up.

use std::fmt::Write as _;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{category_glyph, pane, theme};
use crate::app::{App, Pane, View, layout};
use trace_formats::time::format_us;
use trace_model::query::Edge;
use trace_model::text::{clean, format_count, format_duration_us};
use trace_model::{NodeId, NodeKind};

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let focused = app.focus == Pane::Detail;
    let title = if app.view == View::Timeline {
        " Event under the cursor "
    } else {
        " Detail "
    };
    frame.render_widget(pane(title, focused), area);
    let body = layout::inner(area);
    let Some(id) = app.tree.selected else {
        frame.render_widget(Paragraph::new("nothing selected").style(theme::DIM), body);
        return;
    };
    let mut lines = Vec::new();
    if app.view == View::Timeline {
        if let Some(e) = app.run.as_ref().and_then(|rc| {
            rc.timeline
                .edges
                .get(app.scrub)
                .map(|e| (e, rc.timeline.len()))
        }) {
            let (edge, total) = e;
            let what = match edge.edge {
                Edge::Start => "start",
                Edge::End => "end",
                Edge::Mark => "mark",
            };
            let base = app
                .run
                .as_ref()
                .and_then(|rc| rc.timeline.span())
                .map_or(0, |s| s.0);
            lines.push(Line::from(vec![
                Span::styled(format!("event {}/{total} ", app.scrub + 1), theme::CURSOR),
                Span::raw(format!(
                    "{what} of {} at +{}",
                    clean(app.trace.str(app.trace.node(edge.node).name)),
                    format_duration_us(edge.t - base)
                )),
            ]));
        }
    }
    fields(app, id, &mut lines);
    let header = lines.len();
    let width = usize::from(body.width.max(1));
    let height = usize::from(body.height);
    let scroll = usize::from(app.detail_scroll);
    let mut out: Vec<Line> = lines.into_iter().skip(scroll).collect();
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
        .and_then(|rc| rc.timeline.span())
        .map_or(0, |s| s.0);
    let at = |us: i64| format!("{} (+{})", format_us(us), format_duration_us(us - base));
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
    if n.kind == NodeKind::Scope {
        match app.end_of(id) {
            Some(e) => out.push(kv("end", at(e), Style::new())),
            None => out.push(kv("end", "not yet".to_owned(), theme::OPEN)),
        }
        if let Some(d) = app.end_of(id).zip(n.start_us()).map(|(e, s)| e - s) {
            out.push(kv("latency", format_duration_us(d), Style::new()));
        }
        let has_scope_children = t.children(id).any(|c| t.node(c).kind == NodeKind::Scope);
        if let Some(own) = t.self_time_us(id).filter(|_| has_scope_children) {
            out.push(kv(
                "self time",
                format!("{} not covered by children", format_duration_us(own)),
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
        (None, false) if n.placeholder() => {
            ("referenced as a parent, never seen".to_owned(), theme::DIM)
        }
        (None, false)
            if app
                .run
                .as_ref()
                .is_some_and(|rc| rc.error_below.contains(&id)) =>
        {
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
