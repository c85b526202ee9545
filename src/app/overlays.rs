//! Overlays over the main screen: help and diagnostics toggle, and the diff of two runs
//! (`d` marks the selected run, `d` on another run opens their diff).

use trace_model::NodeId;

use super::{App, Mode};

impl App {
    pub(super) fn toggle_mode(&mut self, m: Mode) {
        self.mode = if self.mode == m { Mode::Normal } else { m };
        self.overlay_scroll = 0;
    }

    /// First press marks the selected run; a press on another run opens their diff.
    pub(super) fn diff_run(&mut self) {
        let Some(run) = self.selected_run() else {
            return;
        };
        match self.diff_mark {
            Some(mark) if mark != run && self.trace.runs().any(|r| r == mark) => {
                let diff = trace_model::diff::diff_runs(&self.trace, mark, &self.trace, run);
                let file = |id: NodeId| {
                    self.trace
                        .any_src(id)
                        .map_or("-", |s| self.trace.file_name(s.file))
                };
                let left = trace_report::diff::RunRef::new(file(mark), &self.trace, mark);
                let right = trace_report::diff::RunRef::new(file(run), &self.trace, run);
                let mut text = Vec::new();
                let _ = trace_report::diff::write_diff_text(&mut text, &left, &right, &diff);
                self.diff_lines = String::from_utf8_lossy(&text)
                    .lines()
                    .map(str::to_owned)
                    .collect();
                self.diff_mark = None;
                self.search.message = None;
                self.mode = Mode::Diff;
                self.overlay_scroll = 0;
            }
            _ => {
                self.diff_mark = Some(run);
                let name = trace_model::text::clean(self.trace.str(self.trace.node(run).name))
                    .into_owned();
                self.search.message =
                    Some(format!("{name} marked: press d on another run to compare"));
            }
        }
    }
}
