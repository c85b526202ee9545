//! The tokens view's figures computed off the UI thread (#12.10): the app hands the work out
//! as a job, keeps drawing, holds arriving batches until the answer is in (so the trace is
//! never copied), then applies them in order and asks again.

mod common;

use std::borrow::Cow;

use trace_ingest::{Batch, IngestMsg};
use trace_model::event::{Event, EventKind};
use trace_tui::app::{Action, App, Pane, View, update};

const FILE: &str = "assets/atof/agent-session.jsonl";

fn run_batch(id: &str) -> IngestMsg {
    let mut s = Event::new(
        EventKind::Start,
        Cow::Owned(id.to_owned()),
        Cow::Borrowed("late"),
    );
    s.ts_us = Some(1);
    let mut e = s.clone();
    e.kind = EventKind::End;
    e.ts_us = Some(2);
    IngestMsg::Batch(Batch {
        events: vec![s, e],
        ..Batch::default()
    })
}

#[test]
fn figures_come_from_a_job_and_batches_wait_for_it() {
    // The same figures, computed in place.
    let mut inline = common::open(FILE);
    update(&mut inline, Action::ShowView(View::Tokens));
    let expected = inline.stats.clone().expect("figures computed in place");
    let expected_rows = inline.calls.rows.clone();
    assert!(!expected_rows.is_empty());
    assert!(inline.take_job().is_none());
    assert!(!expected.file_by_model.is_empty());

    let mut app: App = common::open(FILE);
    app.set_offload(true);
    update(&mut app, Action::ShowView(View::Tokens));
    let job = app.take_job().expect("a job for the worker");
    assert_eq!(app.computing(), Some("computing figures…"));
    assert!(app.calls.rows.is_empty(), "the rows come with the job");
    assert!(common::text(&common::render(&app, 120, 40)).contains("computing figures…"));
    // Only one job at a time.
    update(&mut app, Action::Refresh);
    assert!(app.take_job().is_none());

    let events = app.trace.events;
    update(&mut app, Action::Ingest(run_batch("late-1")));
    update(&mut app, Action::Ingest(run_batch("late-2")));
    assert_eq!(app.trace.events, events, "batches wait while the job runs");

    let done = std::thread::spawn(move || job.run()).join().unwrap();
    update(&mut app, Action::WorkDone(Box::new(done)));
    assert_eq!(app.trace.events, events + 4, "then apply, in order");
    assert!(app.trace.lookup("late-1").is_some() && app.trace.lookup("late-2").is_some());
    let got = app.stats.clone().unwrap();
    assert_eq!(got.file_by_model, expected.file_by_model);
    assert_eq!(got.latency_by_model, expected.latency_by_model);
    assert_eq!(got.run_tokens, expected.run_tokens);
    // The rows are the run's, not those of the two late runs.
    assert_eq!(app.calls.rows, expected_rows);
    // The trace changed meanwhile: the next refresh asks again, for the new generation.
    let again = app.take_job().expect("figures for the new generation");
    update(&mut app, Action::WorkDone(Box::new(again.run())));
    assert_eq!(app.computing(), None);
    assert!(app.take_job().is_none(), "up to date: no more work");
    // A new sort is worker's work too; the rows change once it is in.
    app.focus = Pane::Calls;
    update(&mut app, Action::CycleSort);
    let sort = app.take_job().expect("rows in the new order");
    update(&mut app, Action::WorkDone(Box::new(sort.run())));
    assert_eq!(app.calls.rows.len(), expected_rows.len());
    assert_ne!(app.calls.rows, expected_rows, "sorted by name now");
}

#[test]
fn a_job_for_a_replaced_trace_is_dropped() {
    let mut app = common::open(FILE);
    app.set_offload(true);
    update(&mut app, Action::ShowView(View::Tokens));
    let job = app.take_job().unwrap();
    update(&mut app, Action::Ingest(IngestMsg::Reset));
    // The reset waited for the job, like every message.
    assert!(app.trace.events > 0);
    update(&mut app, Action::WorkDone(Box::new(job.run())));
    assert_eq!(app.trace.events, 0, "the reset applied once the job was in");
    // Figures for the emptied trace are asked for, not taken from the old one.
    let next = app.take_job().expect("figures for the new trace");
    update(&mut app, Action::WorkDone(Box::new(next.run())));
    assert!(app.stats.as_ref().unwrap().file_by_model.is_empty());
}

/// A run of `n` tool calls under one root, as one batch.
fn big_run(n: usize) -> trace_model::Trace {
    let mut t = trace_model::Trace::new();
    t.add_file("-");
    let mut root = Event::new(EventKind::Start, Cow::Borrowed("big"), Cow::Borrowed("big"));
    root.ts_us = Some(0);
    t.apply(&root);
    for i in 0..n {
        let mut s = Event::new(
            EventKind::Start,
            Cow::Owned(format!("c{i}")),
            Cow::Borrowed("call"),
        );
        s.parent = Some(Cow::Borrowed("big"));
        s.ts_us = Some(i as i64);
        t.apply(&s);
        let mut e = s.clone();
        e.kind = EventKind::End;
        e.ts_us = Some(i as i64 + 1);
        t.apply(&e);
    }
    let mut end = root.clone();
    end.kind = EventKind::End;
    end.ts_us = Some(n as i64 + 1);
    t.apply(&end);
    t.settle();
    t
}

#[test]
fn a_big_run_is_built_on_the_worker_while_the_tree_says_so() {
    let n = trace_tui::app::OFFLOAD_RUN_ABOVE as usize + 10;
    let inline = App::new(big_run(n), Vec::new(), "big", false);
    let want = inline.run.as_ref().unwrap().order.len();
    assert_eq!(want, n + 1);

    let mut app = App::new(trace_model::Trace::new(), Vec::new(), "big", false);
    app.set_offload(true);
    update(
        &mut app,
        Action::Ingest(IngestMsg::Loaded(Box::new(trace_ingest::Loaded {
            trace: big_run(n),
            formats: Vec::new(),
        }))),
    );
    update(&mut app, Action::Refresh);
    assert!(app.run.is_none() && app.run_is_loading());
    let s = common::text(&common::draw(&mut app, 120, 40));
    assert!(s.contains("loading the run (50.0k scopes)…"), "{s}");
    assert!(s.contains("loading the run…"), "status bar: {s}");
    let job = app.take_job().expect("the run's cache for the worker");
    assert!(matches!(job, trace_tui::app::Work::Run { .. }));
    // Meanwhile arriving batches wait; no second job for the same run.
    update(&mut app, Action::Ingest(run_batch("late")));
    update(&mut app, Action::Refresh);
    assert!(app.take_job().is_none());
    assert!(app.trace.lookup("late").is_none());
    let done = std::thread::spawn(move || job.run()).join().unwrap();
    update(&mut app, Action::WorkDone(Box::new(done)));
    assert!(app.trace.lookup("late").is_some(), "then the batch applies");
    // The core was for the trace as it was; the late batch is another run: nothing to redo.
    update(&mut app, Action::Refresh);
    assert!(app.take_job().is_none());
    assert!(!app.run_is_loading());
    assert_eq!(app.run.as_ref().unwrap().order.len(), want);
    let s = common::text(&common::draw(&mut app, 120, 40));
    assert!(s.contains("big") && !s.contains("loading the run"), "{s}");
}

#[test]
fn a_reset_while_the_tokens_view_shows_draws_none_of_the_old_rows() {
    // Found by following a file that was truncated with the tokens view open: the rows of
    // the old trace were drawn against the new, empty one (index out of bounds).
    let mut app = common::open(FILE);
    app.set_offload(true);
    update(&mut app, Action::ShowView(View::Tokens));
    let job = app.take_job().unwrap();
    update(&mut app, Action::WorkDone(Box::new(job.run())));
    assert!(!app.calls.rows.is_empty());
    update(&mut app, Action::Ingest(IngestMsg::Reset));
    assert_eq!(app.trace.events, 0);
    assert!(
        app.calls.rows.is_empty(),
        "no row of the replaced trace is kept"
    );
    assert!(app.stats.is_none(), "nor its figures");
    // As the runtime does: a refresh (which hands the new figures out as a job), then a frame.
    update(&mut app, Action::Refresh);
    common::render(&app, 80, 24);
    update(&mut app, Action::Ingest(run_batch("after")));
    update(&mut app, Action::Refresh);
    let screen = common::text(&common::render(&app, 80, 24));
    assert!(screen.contains("computing figures…"), "{screen}");
}
