//! Bringing the derived data (run rows, the selected run's cache, the tree rows, the tokens
//! view, the selection's payload, scroll offsets) up to date after actions; cheap when nothing
//! changed.

use super::layout;
use super::{App, Feed, View};

impl App {
    /// Brings derived data up to date; cheap when nothing changed.
    pub(super) fn refresh(&mut self) {
        if !self.trace.is_settled() {
            std::sync::Arc::make_mut(&mut self.trace).settle();
        }
        let live_news = self.feed == Feed::Live && !self.dirty_runs.is_empty();
        if self.runs_stale || !self.dirty_runs.is_empty() {
            self.rebuild_runs();
        }
        let sel = self.runs.selected;
        let dirty_sel = sel.is_some_and(|s| self.dirty_runs.contains(&s));
        if self.run_stale || dirty_sel || self.run.as_ref().map(|r| r.root) != sel {
            self.rebuild_run_cache();
        }
        self.dirty_runs.clear();
        self.runs_stale = false;
        self.run_stale = false;
        if self.view == View::Timeline {
            self.apply_scrub_target();
        } else {
            self.scrub_target = None;
        }
        if let (Some(f), Some(rc)) = (self.filter.as_ref(), self.run.as_ref()) {
            if f.reads_records() {
                self.text_hits.update(&self.trace, rc.root, &rc.order, f);
            }
        }
        if self.tree_is_stale() {
            self.rebuild_tree_rows();
            if live_news && !self.held {
                self.tree.cursor = self.tree.rows.len().saturating_sub(1);
                self.tree.selected = self.tree.rows.last().map(|r| r.id);
            }
        }
        if self.view == View::Tokens {
            // Whole-file figures once per trace generation, a run's once per (generation,
            // run); on a worker thread when the runtime offers one.
            self.refresh_stats();
        }
        if self.view == View::Timeline {
            self.rebuild_open_stack();
        }
        if self.view == View::Tokens {
            self.rebuild_calls();
        }
        let shown = match self.view {
            View::Timeline => self.event_node(),
            _ => self.tree.selected,
        };
        if let Some(id) = shown {
            // While live follow moves the selection to each new run, a record is read from
            // disk only once the selection stays put for a refresh (the next tick at the
            // latest): a flood of runs costs no file read per frame.
            let auto = self.feed == Feed::Live && !self.held;
            let settled = !auto || self.payload_wanted == Some(id);
            self.payload_wanted = Some(id);
            if settled && self.payloads.peek(id).is_none() {
                self.payloads.get_or_load(&self.trace, id);
            }
        }
        let a = self.areas();
        let runs_len = self.runs.rows.len();
        keep(
            &mut self.runs.offset,
            self.runs.cursor,
            runs_len,
            layout::table_body(a.runs).height,
        );
        let tree_len = self.tree.rows.len();
        keep(
            &mut self.tree.offset,
            self.tree.cursor,
            tree_len,
            layout::tree_body(a.tree, self.view).height,
        );
    }
}

/// Scrolls a list of `len` rows, `h` tall, so `cursor` is in view and no rows are left blank
/// below the last one. A pane the view does not show (`h == 0`) keeps its offset: it is
/// brought into shape when it is shown again, not squeezed to one row meanwhile.
pub(super) fn keep(offset: &mut usize, cursor: usize, len: usize, h: u16) {
    if h == 0 {
        return;
    }
    let h = usize::from(h);
    if cursor < *offset {
        *offset = cursor;
    } else if cursor >= *offset + h {
        *offset = cursor + 1 - h;
    }
    *offset = (*offset).min(len.saturating_sub(h));
}
