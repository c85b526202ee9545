//! [`update`]: the only function that changes an [`App`].

use super::layout::{self, Areas};
use trace_ingest::IngestMsg;
use trace_model::{NodeId, Trace};

use super::{Action, App, Feed, Mode, Pane, StatsView, View};

/// Applies one action. Every action but `Ingest` ends by bringing the caches up to date; after
/// a burst of `Ingest` actions, send one `Refresh`.
pub fn update(app: &mut App, action: Action) {
    let refresh = !matches!(action, Action::Ingest(_));
    match action {
        Action::Quit => app.quit = true,
        Action::ToggleHelp => app.toggle_mode(Mode::Help),
        Action::ToggleDiagnostics => app.toggle_mode(Mode::Diagnostics),
        Action::DiffRun => app.diff_run(),
        Action::CloseOverlay => app.mode = Mode::Normal,
        Action::FocusNext => app.cycle_focus(1),
        Action::FocusPrev => app.cycle_focus(-1),
        Action::ShowView(v) => app.show_view(v),
        Action::Up => app.move_by(-1),
        Action::Down => app.move_by(1),
        Action::PageUp => app.move_by(-app.page()),
        Action::PageDown => app.move_by(app.page()),
        Action::Top => app.move_by(i64::MIN / 2),
        Action::Bottom => app.move_by(i64::MAX / 2),
        Action::Expand => app.expand(),
        Action::Collapse => app.collapse(),
        Action::Toggle => app.toggle(),
        Action::ExpandAll => app.expand_all(),
        Action::JumpPercentile => app.jump_percentile(),
        Action::NextSlow | Action::PrevSlow => app.slow_step(matches!(action, Action::NextSlow)),
        Action::JumpLongestGap => {
            let target = app.run.as_ref().and_then(|rc| {
                let (start, _) = *rc.gaps.first()?;
                // The last event at or before the gap opens: the moment work stopped.
                let i = rc.timeline.edges.partition_point(|e| e.t <= start);
                Some(i.saturating_sub(1))
            });
            match target {
                Some(i) => {
                    app.pause();
                    app.scrub = i;
                    let node = app.run.as_ref().map_or(0, |rc| rc.timeline.edges[i].node);
                    app.reveal(node);
                }
                None => app.search.message = Some("no idle gaps in this run".to_owned()),
            }
        }
        Action::CollapseOthers => {
            if let (Some(rc), Some(sel)) = (&app.run, app.tree.selected) {
                let path = app.trace.path_to(sel);
                for id in &rc.order {
                    if app.tree.expanded.remove(id) {
                        app.tree.collapsed.insert(*id);
                    }
                }
                // The root stays open so its children are always listed.
                for a in path[..path.len().saturating_sub(1)]
                    .iter()
                    .chain([&rc.root])
                {
                    app.tree.expanded.insert(*a);
                    app.tree.collapsed.remove(a);
                }
            }
            app.mark_tree_stale();
        }
        Action::CollapseAll => {
            if let Some(rc) = &app.run {
                for id in &rc.order {
                    if app.tree.expanded.remove(id) {
                        app.tree.collapsed.insert(*id);
                    }
                }
                app.tree.expanded.insert(rc.root);
                app.tree.selected = Some(rc.root);
            }
            app.mark_tree_stale();
        }
        Action::SearchStart => {
            app.mode = Mode::Search;
            app.search.for_filter = false;
            app.search.input.clear();
        }
        Action::FilterStart => {
            app.mode = Mode::Search;
            app.search.for_filter = true;
            app.search.input = app
                .filter
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default();
        }
        Action::SearchChar(c) => app.search.input.push(c),
        Action::SearchBackspace => {
            app.search.input.pop();
        }
        Action::SearchSubmit if app.search.for_filter => {
            app.mode = Mode::Normal;
            let input = std::mem::take(&mut app.search.input);
            match trace_model::filter::Filter::parse(&input) {
                Ok(f) if f.is_empty() => {
                    app.filter = None;
                    app.search.message = Some("filter cleared".into());
                }
                Ok(f) => {
                    app.search.message = None;
                    app.filter = Some(f);
                }
                Err(e) => {
                    app.search.message =
                        Some(trace_model::text::clean(&e.to_string()).into_owned());
                }
            }
            app.runs_stale = true;
            app.mark_tree_stale();
        }
        Action::SearchSubmit => {
            app.mode = Mode::Normal;
            app.search.query = std::mem::take(&mut app.search.input);
            app.pause();
            app.search_step(true);
        }
        Action::SearchCancel => app.mode = Mode::Normal,
        Action::SearchNext | Action::SearchPrev => {
            app.pause();
            app.search_step(matches!(action, Action::SearchNext));
        }
        Action::NextError | Action::PrevError => {
            app.pause();
            app.error_step(matches!(action, Action::NextError));
        }
        Action::CycleSort => {
            app.runs.sort = app.runs.sort.next();
            app.runs_stale = true;
        }
        Action::CycleFilter => {
            app.runs.filter = app.runs.filter.next();
            app.runs_stale = true;
        }
        Action::ToggleLive => match app.feed {
            Feed::Live => app.pause(),
            Feed::Paused { .. } => {
                app.feed = Feed::Live;
                app.runs_stale = true;
                app.run_stale = true;
            }
            Feed::Static => {
                app.search.message = Some("not following: the file was read once".to_owned());
            }
        },
        Action::ScrubBy(n) => app.scrub_to(app.scrub as i64 + i64::from(n)),
        Action::ScrubStart => app.scrub_to(0),
        Action::ScrubEnd => app.scrub_to(i64::MAX / 2),
        Action::Resize(w, h) => app.area = ratatui::layout::Rect::new(0, 0, w, h),
        Action::Click(x, y) => app.click(x, y),
        Action::Scroll(x, y, d) => app.wheel(x, y, d),
        Action::Ingest(msg) => app.ingest(msg),
        Action::Refresh => {}
        Action::Tick(now_us) => app.now_us = Some(now_us),
    }
    if refresh {
        app.refresh();
    }
}

impl App {
    pub(super) fn areas(&self) -> Areas {
        layout::areas(self.area, self.view, self.runs.rows.len())
    }

    fn page(&self) -> i64 {
        let a = self.areas();
        let h = match self.focus {
            Pane::Runs => layout::table_body(a.runs).height,
            Pane::Tree => layout::tree_body(a.tree, self.view).height,
            Pane::Detail => a.detail.height.saturating_sub(2),
        };
        i64::from(h.max(2) - 1)
    }

    /// First press marks the selected run; a press on another run opens their diff.
    fn diff_run(&mut self) {
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

    fn toggle_mode(&mut self, m: Mode) {
        self.mode = if self.mode == m { Mode::Normal } else { m };
        self.overlay_scroll = 0;
    }

    /// Stops following; the view holds still and the status bar counts what arrives.
    pub(super) fn pause(&mut self) {
        if self.feed == Feed::Live {
            self.feed = Feed::Paused {
                since: self.trace.events,
            };
        }
    }

    fn panes(&self) -> &'static [Pane] {
        match self.view {
            View::Explorer => &[Pane::Runs, Pane::Tree, Pane::Detail],
            View::Timeline => &[Pane::Tree, Pane::Detail],
            View::Tokens => &[Pane::Runs],
        }
    }

    fn cycle_focus(&mut self, step: isize) {
        let panes = self.panes();
        let i = panes.iter().position(|&p| p == self.focus).unwrap_or(0) as isize;
        self.focus = panes[(i + step).rem_euclid(panes.len() as isize) as usize];
    }

    fn show_view(&mut self, v: View) {
        self.view = v;
        if !self.panes().contains(&self.focus) {
            self.focus = self.panes()[0];
        }
        self.stats_stale = true;
        self.mark_tree_stale();
    }

    pub(super) fn move_by(&mut self, delta: i64) {
        if matches!(self.mode, Mode::Help | Mode::Diagnostics | Mode::Diff) {
            self.overlay_scroll =
                (i64::from(self.overlay_scroll) + delta).clamp(0, i64::from(u16::MAX)) as u16;
            return;
        }
        self.pause();
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
        }
    }

    pub(super) fn select_run(&mut self, id: NodeId) {
        if self.runs.selected != Some(id) {
            self.runs.selected = Some(id);
            self.tree.selected = None;
            self.run_stale = true;
            self.stats_stale = true;
        }
    }

    fn expand(&mut self) {
        match self.focus {
            Pane::Runs => self.focus = Pane::Tree,
            Pane::Tree => {
                let Some(row) = self.tree.rows.get(self.tree.cursor).copied() else {
                    return;
                };
                if !row.has_children {
                    return;
                }
                self.tree.collapsed.remove(&row.id);
                if self.tree.expanded.insert(row.id) {
                    self.mark_tree_stale();
                } else if let Some(next) = self
                    .tree
                    .rows
                    .get(self.tree.cursor + 1)
                    .filter(|r| r.depth > row.depth)
                {
                    self.tree.selected = Some(next.id);
                    self.tree.cursor += 1;
                }
            }
            Pane::Detail => {}
        }
    }

    fn collapse(&mut self) {
        if self.focus != Pane::Tree {
            return;
        }
        let Some(row) = self.tree.rows.get(self.tree.cursor).copied() else {
            return;
        };
        if row.has_children && self.tree.expanded.remove(&row.id) {
            self.tree.collapsed.insert(row.id);
            self.mark_tree_stale();
        } else if let Some(p) = self.trace.node(row.id).parent().filter(|_| row.depth > 0) {
            self.tree.selected = Some(p);
            self.mark_tree_stale();
        }
    }

    fn toggle(&mut self) {
        match self.focus {
            Pane::Runs => self.focus = Pane::Tree,
            Pane::Tree => {
                let Some(row) = self.tree.rows.get(self.tree.cursor).copied() else {
                    return;
                };
                if row.has_children {
                    if self.tree.expanded.remove(&row.id) {
                        self.tree.collapsed.insert(row.id);
                    } else {
                        self.tree.expanded.insert(row.id);
                        self.tree.collapsed.remove(&row.id);
                    }
                    self.mark_tree_stale();
                }
            }
            Pane::Detail => {}
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
            .map_or(0, |rc| rc.timeline.edges[self.scrub].node);
        self.reveal(node);
    }

    fn ingest(&mut self, msg: IngestMsg) {
        match msg {
            IngestMsg::Batch(batch) => {
                for f in batch.files {
                    self.trace.add_file(f);
                }
                for f in batch.formats {
                    if !self.formats.contains(&f) {
                        self.formats.push(f);
                    }
                }
                for ev in &batch.events {
                    self.trace.apply(ev);
                    let key = if ev.kind == trace_model::event::EventKind::Mark {
                        ev.parent.as_deref()
                    } else {
                        Some(&*ev.id)
                    };
                    if let Some(id) = key.and_then(|k| self.trace.lookup(k)) {
                        self.payloads.invalidate(id);
                        self.dirty_runs.insert(self.trace.root_of(id));
                    }
                }
                for (f, l, m) in batch.skips {
                    self.trace.skip(f, l, m);
                }
                self.trace.settle();
                self.runs_stale = true;
            }
            IngestMsg::Progress { done, total } => self.progress = Some((done, total)),
            IngestMsg::Preview(preview) => {
                // Only onto an empty screen: a preview never replaces real data.
                if self.trace.events == 0 {
                    self.forget_view();
                    self.trace = preview.trace;
                    self.formats = preview.formats;
                    self.previewing = true;
                }
            }
            IngestMsg::Loaded(loaded) => {
                if std::mem::take(&mut self.previewing) {
                    // The preview's node ids are a prefix of the full trace's: what the user
                    // selected, expanded or marked while it loaded stays where it is.
                    self.forget_derived();
                } else {
                    self.forget_view();
                }
                self.trace = loaded.trace;
                self.formats = loaded.formats;
                self.progress = None;
            }
            IngestMsg::Reset => {
                // Everything, file names included, will be sent again.
                self.forget_view();
                self.trace = Trace::new();
            }
            IngestMsg::Status(s) => {
                self.ingest_status = Some(trace_model::text::clean(&s).into_owned())
            }
        }
        self.stats_stale = true;
    }

    /// Drops everything derived from the trace (it is about to be replaced).
    fn forget_view(&mut self) {
        self.runs.selected = None;
        self.tree.selected = None;
        self.tree.expanded.clear();
        self.tree.collapsed.clear();
        self.seen_runs.clear();
        self.payloads.clear();
        self.diff_mark = None;
        self.forget_derived();
    }

    /// Drops what is computed from the trace, keeping the user's place (selections, expanded
    /// nodes), for a trace that extends the current one.
    fn forget_derived(&mut self) {
        self.runs.cache.clear();
        self.run = None;
        self.exemplar_cache = None;
        self.runs_stale = true;
        self.run_stale = true;
    }

    /// Brings derived data up to date; cheap when nothing changed.
    pub(super) fn refresh(&mut self) {
        if !self.trace.is_settled() {
            self.trace.settle();
        }
        let live_news = self.feed == Feed::Live && !self.dirty_runs.is_empty();
        if self.runs_stale || !self.dirty_runs.is_empty() {
            self.rebuild_runs();
        }
        let sel = self.runs.selected;
        let dirty_sel = sel.is_some_and(|s| self.dirty_runs.contains(&s));
        if self.run_stale || dirty_sel || self.run.as_ref().map(|r| r.root) != sel {
            self.rebuild_run_cache();
            self.stats_stale = true;
        }
        self.dirty_runs.clear();
        self.runs_stale = false;
        self.run_stale = false;
        if self.tree_is_stale() {
            self.rebuild_tree_rows();
            if live_news {
                self.tree.cursor = self.tree.rows.len().saturating_sub(1);
                self.tree.selected = self.tree.rows.last().map(|r| r.id);
            }
        }
        if self.view == View::Tokens && self.stats_stale {
            let order = self.run.as_ref().map_or(&[][..], |r| &r.order[..]);
            let stats = self.stats.get_or_insert_with(StatsView::default);
            if self.stats_generation != Some(self.trace.generation) {
                stats.compute_file(&self.trace);
                self.stats_generation = Some(self.trace.generation);
            }
            stats.compute_run(&self.trace, sel, order);
            self.stats_stale = false;
        }
        if let Some(id) = self.tree.selected {
            if self.payloads.peek(id).is_none() {
                self.payloads.get_or_load(&self.trace, id);
            }
        }
        let a = self.areas();
        let keep = |offset: &mut usize, cursor: usize, h: u16| {
            let h = usize::from(h.max(1));
            if cursor < *offset {
                *offset = cursor;
            } else if cursor >= *offset + h {
                *offset = cursor + 1 - h;
            }
        };
        keep(
            &mut self.runs.offset,
            self.runs.cursor,
            layout::table_body(a.runs).height,
        );
        keep(
            &mut self.tree.offset,
            self.tree.cursor,
            layout::tree_body(a.tree, self.view).height,
        );
    }
}
