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
    update(&mut app, Action::StatsDone(Box::new(done)));
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
    update(&mut app, Action::StatsDone(Box::new(again.run())));
    assert_eq!(app.computing(), None);
    assert!(app.take_job().is_none(), "up to date: no more work");
    // A new sort is worker's work too; the rows change once it is in.
    app.focus = Pane::Calls;
    update(&mut app, Action::CycleSort);
    let sort = app.take_job().expect("rows in the new order");
    update(&mut app, Action::StatsDone(Box::new(sort.run())));
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
    update(&mut app, Action::StatsDone(Box::new(job.run())));
    assert_eq!(app.trace.events, 0, "the reset applied once the job was in");
    // Figures for the emptied trace are asked for, not taken from the old one.
    let next = app.take_job().expect("figures for the new trace");
    update(&mut app, Action::StatsDone(Box::new(next.run())));
    assert!(app.stats.as_ref().unwrap().file_by_model.is_empty());
}
