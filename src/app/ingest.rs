//! What arrives from the ingest side: batches applied to the trace, progress, a preview that
//! the full load later extends, a reset; and dropping what was derived from a replaced trace.

use std::sync::Arc;

use trace_ingest::IngestMsg;
use trace_model::Trace;

use super::App;

impl App {
    pub(super) fn ingest(&mut self, msg: IngestMsg) {
        let Some(msg) = self.defer(msg) else { return };
        match msg {
            IngestMsg::Batch(batch) => {
                // No job holds the trace now (batches wait for it): this never copies.
                let trace = Arc::make_mut(&mut self.trace);
                for f in batch.files {
                    trace.add_file(f);
                }
                // A file rotated away: its records are read under its new name.
                for (f, name) in batch.renamed {
                    trace.rename_file(f, name);
                }
                for f in batch.formats {
                    if !self.formats.contains(&f) {
                        self.formats.push(f);
                    }
                }
                for ev in &batch.events {
                    trace.apply(ev);
                    let key = if ev.kind == trace_model::event::EventKind::Mark {
                        ev.parent.as_deref()
                    } else {
                        Some(&*ev.id)
                    };
                    if let Some(id) = key.and_then(|k| trace.lookup(k)) {
                        self.payloads.invalidate(id);
                        self.dirty_runs.insert(trace.root_of(id));
                    }
                }
                for (f, l, m) in batch.skips {
                    trace.skip(f, l, m);
                }
                for (f, l, m) in batch.warnings {
                    trace.warn_at(f, l, m);
                }
                trace.settle();
                // The runs that received events are in `dirty_runs`: the rows are patched.
                if self.now_us.is_some() {
                    self.last_arrival_us = self.now_us;
                }
            }
            IngestMsg::Progress { done, total } => self.progress = Some((done, total)),
            IngestMsg::Preview(preview) => {
                // Only onto an empty screen: a preview never replaces real data.
                if self.trace.events == 0 {
                    self.forget_view();
                    self.trace = Arc::new(preview.trace);
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
                self.trace = Arc::new(loaded.trace);
                self.formats = loaded.formats;
                self.progress = None;
            }
            IngestMsg::Reset => {
                // Everything, file names included, will be sent again.
                self.forget_view();
                self.trace = Arc::new(Trace::new());
            }
            IngestMsg::Status(s) => {
                // stdin is the only input that ends; a file followed may still grow.
                let only_stdin = self.trace.files().iter().all(|f| f == "-");
                if s == "stdin closed" && only_stdin {
                    self.ended = true;
                }
                if self.feed == super::Feed::Static {
                    // A file read once reports only why its load failed: it is over.
                    self.progress = None;
                }
                self.ingest_status = Some(trace_model::text::clean(&s).into_owned());
            }
        }
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
        // The tokens view's rows and figures name nodes of the trace being replaced: drawn
        // against the new one (a followed file truncated) they would index past its end.
        self.calls.forget();
        self.stats = None;
        self.forget_derived();
    }

    /// Drops what is computed from the trace, keeping the user's place (selections, expanded
    /// nodes), for a trace that extends the current one.
    fn forget_derived(&mut self) {
        self.runs.cache.clear();
        self.run = None;
        self.exemplar_cache = None;
        self.stats_generation = None;
        self.stats_run_key = None;
        self.stats_epoch += 1;
        self.runs_stale = true;
        self.run_stale = true;
    }
}
