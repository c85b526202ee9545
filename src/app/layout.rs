//! Screen layout as a pure function of the terminal size, the view and the number of runs.
//!
//! It lives in `app` because `app` needs it (page heights, which row a mouse click hit) and
//! owns the [`View`] it depends on; `ui` draws into the same rectangles through
//! `crate::app::layout`, so layout is computed in one place and the dependency points one way
//! (`ui` → `app`). Only ratatui's geometry types are used here, no rendering.

use ratatui::layout::{Constraint, Layout, Rect};

use super::View;

/// Below this size the explorer shows only a "too small" notice.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 12;

/// Named rectangles of one screen; panes a view does not show are empty.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Areas {
    pub runs: Rect,
    pub tree: Rect,
    pub detail: Rect,
    pub stats: Rect,
    pub status: Rect,
}

/// Splits the screen for `view`.
pub fn areas(area: Rect, view: View, runs: usize) -> Areas {
    let [body, status] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    let runs_h = (runs as u16)
        .saturating_add(3)
        .min(body.height * 2 / 5)
        .max(4);
    match view {
        View::Explorer => {
            let [runs, rest] =
                Layout::vertical([Constraint::Length(runs_h), Constraint::Min(1)]).areas(body);
            let [tree, detail] =
                Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)])
                    .areas(rest);
            Areas {
                runs,
                tree,
                detail,
                stats: Rect::default(),
                status,
            }
        }
        View::Timeline => {
            let detail_h = (body.height * 2 / 5).max(8).min(body.height / 2);
            let [tree, detail] =
                Layout::vertical([Constraint::Min(1), Constraint::Length(detail_h)]).areas(body);
            Areas {
                runs: Rect::default(),
                tree,
                detail,
                stats: Rect::default(),
                status,
            }
        }
        View::Tokens => {
            let [runs, stats] =
                Layout::vertical([Constraint::Length(runs_h), Constraint::Min(1)]).areas(body);
            Areas {
                runs,
                tree: Rect::default(),
                detail: Rect::default(),
                stats,
                status,
            }
        }
    }
}

/// Inside a bordered pane.
pub fn inner(r: Rect) -> Rect {
    Rect::new(
        r.x.saturating_add(1),
        r.y.saturating_add(1),
        r.width.saturating_sub(2),
        r.height.saturating_sub(2),
    )
}

/// The data rows of a bordered table with a one-line header.
pub fn table_body(r: Rect) -> Rect {
    let i = inner(r);
    Rect::new(
        i.x,
        i.y.saturating_add(1),
        i.width,
        i.height.saturating_sub(1),
    )
}

/// The rows of the tree pane (below the time axis in the timeline view).
pub fn tree_body(r: Rect, view: View) -> Rect {
    match view {
        View::Timeline => table_body(r),
        _ => inner(r),
    }
}

/// Timeline pane: (scope names column, waterfall bars column), both without the axis row.
pub fn waterfall_split(r: Rect) -> (Rect, Rect) {
    let body = table_body(r);
    let names_w = (body.width * 2 / 5)
        .max(24)
        .max(body.width / 2)
        .min(body.width)
        .min(60);
    let names = Rect::new(body.x, body.y, names_w, body.height);
    let bars_x = body.x + names_w + 1;
    let bars = Rect::new(
        bars_x,
        body.y,
        (body.x + body.width).saturating_sub(bars_x),
        body.height,
    );
    (names, bars)
}

/// The time axis row above the bars.
pub fn axis_row(r: Rect) -> Rect {
    let (_, bars) = waterfall_split(r);
    Rect::new(bars.x, inner(r).y, bars.width, 1.min(inner(r).height))
}

/// The tokens view's panes inside its stats area; panes that do not fit are empty.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokensAreas {
    pub calls: Rect,
    pub latency_model: Rect,
    pub latency_tool: Rect,
    pub by_model_file: Rect,
    pub by_model_run: Rect,
    pub cumulative: Rect,
    pub context: Rect,
    pub critical: Rect,
}

/// Splits the tokens view: the per-call table on top (it takes the room), the latency tables
/// below it, and when tall enough a row of token figures (by model, cumulative, critical path).
pub fn tokens_areas(stats: Rect) -> TokensAreas {
    let lat_h = 9.min(stats.height / 3).max(4);
    let figures_h = if stats.height >= 28 { 7 } else { 0 };
    let [calls, lat, figures] = Layout::vertical([
        Constraint::Min(4),
        Constraint::Length(lat_h),
        Constraint::Length(figures_h),
    ])
    .areas(stats);
    let [latency_model, latency_tool] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(lat);
    let mut t = TokensAreas {
        calls,
        latency_model,
        latency_tool,
        ..TokensAreas::default()
    };
    if figures_h > 0 {
        let r = |n| Constraint::Ratio(n, 20);
        if figures.width >= 150 {
            let [a, b, c, d, e] = Layout::horizontal([r(3), r(3), r(3), r(4), r(7)]).areas(figures);
            (
                t.by_model_run,
                t.by_model_file,
                t.cumulative,
                t.context,
                t.critical,
            ) = (a, b, c, d, e);
        } else {
            let [a, c, e] = Layout::horizontal([r(5), r(5), r(10)]).areas(figures);
            (t.by_model_run, t.cumulative, t.critical) = (a, c, e);
        }
    }
    t
}
