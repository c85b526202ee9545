//! [`update`]: the only function that changes an [`App`]. It hands each action to the method
//! of its concern (`navigate`, `fold`, `jumps`, `overlays`, `mouse`, `ingest`) and handles the
//! search and filter prompt itself; every action but `Ingest` ends with `refresh`.

use super::{Action, App, Feed, Mode};

/// Applies one action. Every action but `Ingest` ends by bringing the caches up to date; after
/// a burst of `Ingest` actions, send one `Refresh`.
pub fn update(app: &mut App, action: Action) {
    let refresh = !matches!(action, Action::Ingest(_));
    // A message answers the last key: the next key (not ingest, ticks or resizes) clears it.
    if !matches!(
        action,
        Action::Ingest(_)
            | Action::WorkDone(_)
            | Action::Refresh
            | Action::Tick(_)
            | Action::Resize(..)
    ) {
        app.search.message = None;
    }
    match action {
        Action::Quit => app.quit = true,
        Action::WorkDone(done) => app.work_done(*done),
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
        Action::JumpLongestGap => app.jump_longest_gap(),
        Action::CollapseOthers => app.collapse_others(),
        Action::CollapseAll => app.collapse_all(),
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
        Action::SearchSubmit if app.search.for_filter => app.submit_filter(),
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
        Action::CycleSort if app.focus == super::Pane::Calls => app.cycle_call_sort(),
        Action::CycleSort => {
            app.runs.sort = app.runs.sort.next();
            app.runs_stale = true;
        }
        Action::CycleFilter => {
            app.runs.filter = app.runs.filter.next();
            app.runs_stale = true;
        }
        Action::ToggleLive => match app.feed {
            // A held view goes back to the newest; a following one pauses.
            Feed::Live if app.held => {
                app.held = false;
                app.runs_stale = true;
                app.run_stale = true;
            }
            Feed::Live => app.pause(),
            Feed::Paused { .. } => {
                app.feed = Feed::Live;
                app.held = false;
                app.runs_stale = true;
                app.run_stale = true;
            }
            Feed::Static => {
                app.search.message = Some("not following: the file was read once".to_owned());
            }
        },
        Action::Copy => app.copy_record(),
        Action::ScrubBy(n) => app.scrub_to(app.scrub as i64 + i64::from(n)),
        Action::ScrubStart => app.scrub_to(0),
        Action::ScrubEnd => app.scrub_to(i64::MAX / 2),
        Action::Resize(w, h) => app.area = ratatui::layout::Rect::new(0, 0, w, h),
        Action::Click(x, y) => app.click(x, y),
        Action::Scroll(x, y, d) => app.wheel(x, y, d),
        Action::Ingest(msg) => app.ingest(msg),
        Action::Refresh => {}
        Action::Tick(now_us) => {
            app.now_us = Some(now_us);
            // What was there before the first tick counts as arriving then.
            app.last_arrival_us.get_or_insert(now_us);
        }
    }
    if refresh {
        app.refresh();
    }
}

impl App {
    /// The filter prompt was submitted: parse it into the active filter (an empty expression
    /// clears it, a bad one is reported and leaves it as it was).
    fn submit_filter(&mut self) {
        self.mode = Mode::Normal;
        let input = std::mem::take(&mut self.search.input);
        match trace_model::filter::Filter::parse(&input) {
            Ok(f) if f.is_empty() => {
                self.filter = None;
                self.search.message = Some("filter cleared".into());
            }
            Ok(f) => {
                self.search.message = None;
                self.filter = Some(f);
            }
            Err(e) => {
                self.search.message = Some(trace_model::text::clean(&e.to_string()).into_owned());
            }
        }
        self.runs_stale = true;
        self.mark_tree_stale();
    }
}
