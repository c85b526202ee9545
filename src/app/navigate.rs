//! Moving around: focus and views, the selection by rows and pages, the scrubber; a move
//! while following holds the selection, scrubbing pauses.

use super::layout::{self, Areas};
use super::{App, Feed, Mode, Pane, View};
use trace_model::NodeId;

impl App {
    pub(super) fn areas(&self) -> Areas {
        layout::areas(self.area, self.view, self.runs.rows.len())
    }

    pub(super) fn page(&self) -> i64 {
        let a = self.areas();
        let h = match self.focus {
            Pane::Runs => layout::table_body(a.runs).height,
            Pane::Tree => layout::tree_body(a.tree, self.view).height,
            Pane::Detail => a.detail.height.saturating_sub(2),
            Pane::Calls | Pane::LatencyModel | Pane::LatencyTool => {
                layout::table_body(self.calls_area(self.focus)).height
            }
        };
        i64::from(h.max(2) - 1)
    }

    /// Stops following; the view holds still and the status bar counts what arrives.
    pub(super) fn pause(&mut self) {
        if self.feed == Feed::Live {
            self.feed = Feed::Paused {
                since: self.trace.events,
            };
        }
    }

    /// The panes of the view that take the keyboard, in screen order (top to bottom, left to
    /// right): the order `Tab` cycles through.
    fn panes(&self) -> &'static [Pane] {
        match self.view {
            View::Explorer => &[Pane::Runs, Pane::Tree, Pane::Detail],
            View::Timeline => &[Pane::Tree, Pane::Detail],
            View::Tokens => &[
                Pane::Runs,
                Pane::Calls,
                Pane::LatencyModel,
                Pane::LatencyTool,
            ],
        }
    }

    /// While following, a move by the user holds the view (the selection stays where the user
    /// put it) but keeps reading and showing new events.
    pub(super) fn hold(&mut self) {
        if self.feed == Feed::Live {
            self.held = true;
        }
    }

    pub(super) fn cycle_focus(&mut self, step: isize) {
        let panes = self.panes();
        let i = panes.iter().position(|&p| p == self.focus).unwrap_or(0) as isize;
        self.focus = panes[(i + step).rem_euclid(panes.len() as isize) as usize];
    }

    pub(super) fn show_view(&mut self, v: View) {
        let entering_timeline = v == View::Timeline && self.view != View::Timeline;
        self.view = v;
        if !self.panes().contains(&self.focus) {
            self.focus = self.panes()[0];
        }
        if entering_timeline {
            // A failed run opens at its failing event, a picked scope at that scope.
            self.scrub_target = self.timeline_target();
        }
        self.mark_tree_stale();
    }

    pub(super) fn move_by(&mut self, delta: i64) {
        if matches!(self.mode, Mode::Help | Mode::Diagnostics | Mode::Diff) {
            self.overlay_scroll =
                (i64::from(self.overlay_scroll) + delta).clamp(0, i64::from(u16::MAX)) as u16;
            return;
        }
        self.hold();
        if delta >= i64::MAX / 4 && matches!(self.focus, Pane::Runs | Pane::Tree) {
            // The last row is where live follow keeps the newest: `G` lets go of the hold.
            self.held = false;
        }
        let step = |cur: usize, len: usize| {
            (cur as i64)
                .saturating_add(delta)
                .clamp(0, len.saturating_sub(1) as i64) as usize
        };
        match self.focus {
            Pane::Runs => {
                if self.runs.rows.is_empty() {
                    return;
                }
                self.runs.cursor = step(self.runs.cursor, self.runs.rows.len());
                self.select_run(self.runs.rows[self.runs.cursor]);
            }
            Pane::Tree => {
                if self.tree.rows.is_empty() {
                    return;
                }
                self.tree.cursor = step(self.tree.cursor, self.tree.rows.len());
                self.tree.selected = Some(self.tree.rows[self.tree.cursor].id);
                self.detail_scroll = 0;
            }
            Pane::Detail => {
                self.detail_scroll =
                    (i64::from(self.detail_scroll) + delta).clamp(0, i64::from(u16::MAX)) as u16;
            }
            Pane::Calls | Pane::LatencyModel | Pane::LatencyTool => self.calls_move(delta),
        }
    }

    pub(super) fn select_run(&mut self, id: NodeId) {
        if self.runs.selected != Some(id) {
            self.runs.selected = Some(id);
            self.tree.selected = None;
            self.run_stale = true;
        }
    }

    /// Moves the scrubber to edge `to` (clamped) and selects the node of that edge.
    pub(super) fn scrub_to(&mut self, to: i64) {
        let len = self.run.as_ref().map_or(0, |rc| rc.timeline.len());
        if len == 0 {
            return;
        }
        self.pause();
        self.scrub = to.clamp(0, len as i64 - 1) as usize;
        let node = self
            .run
            .as_ref()
            .and_then(|rc| rc.timeline.node_at(self.scrub))
            .unwrap_or(0);
        self.reveal(node);
    }

    /// Scrubs to the moment the run's longest idle gap opens.
    pub(super) fn jump_longest_gap(&mut self) {
        let target = self.run.as_ref().and_then(|rc| {
            let (start, _) = *rc.gaps.first()?;
            // The last event at or before the gap opens: the moment work stopped.
            let i = rc.timeline.edges_until(&self.trace, start);
            Some(i.saturating_sub(1))
        });
        match target {
            Some(i) => {
                self.pause();
                self.scrub = i;
                let node = self
                    .run
                    .as_ref()
                    .and_then(|rc| rc.timeline.node_at(i))
                    .unwrap_or(0);
                self.reveal(node);
            }
            None => self.search.message = Some("no idle gaps in this run".to_owned()),
        }
    }
}
