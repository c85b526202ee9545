//! Mouse: a click selects the row under it (or scrubs the waterfall to that time), the wheel
//! moves the selection of the pane under it.

use ratatui::layout::Position;

use super::layout;
use super::{App, Mode, Pane, View};

impl App {
    pub(super) fn click(&mut self, col: u16, row: u16) {
        if self.mode != Mode::Normal {
            return;
        }
        let areas = self.areas();
        let at = Position::new(col, row);
        let runs = layout::table_body(areas.runs);
        let tree = layout::tree_body(areas.tree, self.view);
        if runs.contains(at) {
            self.focus = Pane::Runs;
            let i = self.runs.offset + usize::from(row - runs.y);
            if let Some(&id) = self.runs.rows.get(i) {
                self.runs.cursor = i;
                self.pause();
                self.select_run(id);
            }
        } else if self.view == View::Timeline && layout::waterfall_split(areas.tree).1.contains(at)
        {
            let bars = layout::waterfall_split(areas.tree).1;
            if let Some((t0, t1)) = self
                .run
                .as_ref()
                .and_then(|rc| rc.timeline.span(&self.trace))
            {
                let frac = f64::from(col - bars.x) / f64::from(bars.width.max(2) - 1);
                let t = t0 + ((t1 - t0) as f64 * frac).round() as i64;
                let c = self
                    .run
                    .as_ref()
                    .map_or(0, |rc| rc.timeline.cursor_at_time(&self.trace, t));
                self.scrub_to(c as i64);
            }
        } else if tree.contains(at) {
            self.focus = Pane::Tree;
            let i = self.tree.offset + usize::from(row - tree.y);
            if let Some(id) = self.tree.rows.get(i).map(|r| r.id) {
                self.pause();
                self.tree.cursor = i;
                self.tree.selected = Some(id);
                self.detail_scroll = 0;
            }
        } else if areas.detail.contains(at) {
            self.focus = Pane::Detail;
        }
    }

    pub(super) fn wheel(&mut self, x: u16, y: u16, d: i8) {
        let a = self.areas();
        let at = Position::new(x, y);
        let pane = [
            (a.runs, Pane::Runs),
            (a.tree, Pane::Tree),
            (a.detail, Pane::Detail),
        ]
        .into_iter()
        .find(|(r, _)| r.contains(at));
        if let Some((_, p)) = pane {
            self.focus = p;
            self.move_by(i64::from(d) * 3);
        }
    }
}
