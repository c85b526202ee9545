//! The tokens view's figures, computed off the UI thread. On a run of a million scopes they
//! take a second or more; the app only describes the work (a [`Job`] holding a shared handle
//! on the trace), the runtime runs it on a worker thread and hands the result back as
//! [`super::Action::StatsDone`]. While a job holds the trace, arriving batches wait in order
//! (so the trace is never copied); the status bar says what is being computed meanwhile.
//! Without a runtime (tests, benches) the figures are computed in place, as before.

use std::sync::Arc;

use trace_ingest::IngestMsg;
use trace_model::{NodeId, Trace};

use super::calls::{CallRows, CallSort, CallsKey, call_rows};
use super::run_cache::RunCore;
use super::{App, StatsView};
use trace_model::filter::Filter;

/// Figures to compute: the whole file's when `file`, the selected run's when `run`.
#[derive(Debug)]
pub struct Job {
    trace: Arc<Trace>,
    epoch: u64,
    generation: u64,
    file: bool,
    /// The run's figures are wanted too (for `sel`).
    run: bool,
    sel: Option<NodeId>,
    order: Vec<NodeId>,
    base: StatsView,
    /// The per-call table's rows, when they are out of date.
    calls: Option<(CallsKey, CallSort, Option<Filter>)>,
}

/// A finished [`Job`]: the figures and what they were computed for.
#[derive(Debug, Clone)]
pub struct JobDone {
    epoch: u64,
    generation: u64,
    file: bool,
    run: bool,
    sel: Option<NodeId>,
    stats: StatsView,
    calls: Option<(CallsKey, CallRows)>,
}

/// Work for the worker thread: the tokens view's figures, or a big run's cache.
#[derive(Debug)]
pub enum Work {
    Figures(Box<Job>),
    Run {
        trace: Arc<Trace>,
        root: NodeId,
        generation: u64,
    },
}

/// Finished [`Work`].
#[derive(Debug, Clone)]
pub enum WorkDone {
    Figures(Box<JobDone>),
    Run(Box<RunCore>, u64),
}

impl Work {
    /// Does the work (on whichever thread calls it).
    pub fn run(self) -> WorkDone {
        match self {
            Self::Figures(job) => WorkDone::Figures(Box::new(job.run())),
            Self::Run {
                trace,
                root,
                generation,
            } => WorkDone::Run(Box::new(RunCore::build(&trace, root)), generation),
        }
    }
}

impl Job {
    /// Computes the figures (on whichever thread calls it).
    pub fn run(self) -> JobDone {
        let mut stats = self.base;
        if self.file {
            stats.compute_file(&self.trace);
        }
        if self.run {
            stats.compute_run(&self.trace, self.sel, &self.order);
        }
        let calls = self.calls.map(|(key, sort, filter)| {
            let rows = call_rows(&self.trace, &self.order, filter.as_ref(), sort);
            (key, rows)
        });
        JobDone {
            epoch: self.epoch,
            generation: self.generation,
            file: self.file,
            run: self.run,
            sel: self.sel,
            stats,
            calls,
        }
    }
}

impl App {
    /// Lets the runtime take heavy figures off the UI thread (see [`App::take_job`]).
    pub fn set_offload(&mut self, on: bool) {
        self.offload = on;
    }

    /// The work waiting for a worker thread, if any (a run's cache first); the runtime runs
    /// it and sends back [`super::Action::WorkDone`].
    pub fn take_job(&mut self) -> Option<Work> {
        if let Some(root) = self.run_job.take() {
            self.run_in_flight += 1;
            return Some(Work::Run {
                trace: Arc::clone(&self.trace),
                root,
                generation: self.trace.generation,
            });
        }
        self.job.take().map(|j| Work::Figures(Box::new(j)))
    }

    /// What the status bar says while work runs on the worker.
    pub fn computing(&self) -> Option<&'static str> {
        if self.run_in_flight > 0 || self.run_job.is_some() {
            Some("loading the run…")
        } else {
            self.computing.map(|_| "computing figures…")
        }
    }

    /// Takes finished work.
    pub(super) fn work_done(&mut self, done: WorkDone) {
        match done {
            WorkDone::Figures(d) => self.stats_done(*d),
            WorkDone::Run(core, generation) => {
                self.run_in_flight = self.run_in_flight.saturating_sub(1);
                self.run_core_done(*core, generation);
                self.apply_deferred();
            }
        }
    }

    /// Applies the ingest messages that waited for the worker, once none holds the trace.
    fn apply_deferred(&mut self) {
        if self.computing.is_some() || self.run_in_flight > 0 {
            return;
        }
        for m in std::mem::take(&mut self.deferred) {
            self.ingest(m);
        }
    }

    /// Brings the tokens view's figures up to date: in place, or by queueing a [`Job`] (with
    /// the per-call rows too when they are out of date).
    pub(super) fn refresh_stats(&mut self) {
        let generation = self.trace.generation;
        let sel = self.runs.selected;
        let file = self.stats_generation != Some(generation);
        let run = self.stats_run_key != Some((generation, sel));
        let calls = self.offload && self.calls_stale();
        if (!file && !run && !calls) || self.computing.is_some() {
            // Up to date, or one job already running: its answer brings the next check.
            return;
        }
        let order = self.run.as_ref().map_or_else(Vec::new, |r| r.order.clone());
        let job = Job {
            trace: Arc::clone(&self.trace),
            epoch: self.stats_epoch,
            generation,
            file,
            run,
            sel,
            order,
            base: self.stats.take().unwrap_or_default(),
            calls: calls.then(|| (self.calls_key(), self.calls.sort, self.filter.clone())),
        };
        if self.offload {
            // The view keeps drawing the last figures until the new ones arrive.
            self.stats = Some(job.base.clone());
            self.computing = Some(generation);
            self.job = Some(job);
        } else {
            self.stats_done(job.run());
        }
    }

    /// Takes a finished job's figures; if the trace or the run moved on meanwhile, they are
    /// shown and the next refresh computes again. Batches that waited are applied now.
    pub(super) fn stats_done(&mut self, done: JobDone) {
        self.computing = None;
        // A job computed on a trace since replaced (a reload, a reset) is dropped.
        if done.epoch == self.stats_epoch {
            self.stats = Some(done.stats);
            if done.file {
                self.stats_generation = Some(done.generation);
            }
            if done.run {
                self.stats_run_key = Some((done.generation, done.sel));
            }
            if let Some((key, rows)) = done.calls {
                self.set_call_rows(key, rows);
            }
        }
        self.apply_deferred();
    }

    /// Whether an arriving message must wait for the running job: a batch would change the
    /// trace the job reads (forcing a copy of it), and what follows a waiting batch waits too,
    /// so everything is applied in arrival order.
    pub(super) fn defer(&mut self, msg: IngestMsg) -> Option<IngestMsg> {
        if self.computing.is_some() || self.run_in_flight > 0 {
            self.deferred.push(msg);
            None
        } else {
            Some(msg)
        }
    }
}
