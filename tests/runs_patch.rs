//! While following, the runs list is patched with the runs that received events instead of
//! re-sorted whole (#18: keys under load). Whatever arrives — runs out of start order,
//! children before their parents, roots that become children when their parent appears, errors
//! that move a run between status filters — the patched rows must equal a full rebuild, in
//! every sort order and status filter.

mod common;

use std::borrow::Cow;

use trace_ingest::{Batch, IngestMsg};
use trace_model::event::{Event, EventKind, Failure};
use trace_synth::Rng;
use trace_tui::app::{Action, App, update};

fn ev(kind: EventKind, id: &str, parent: Option<&String>, t: i64) -> Event<'static> {
    let mut e = Event::new(
        kind,
        Cow::Owned(id.to_owned()),
        Cow::Owned(format!("n-{id}")),
    );
    e.parent = parent.map(|p| Cow::Owned(p.clone()));
    e.ts_us = Some(t);
    e
}

/// Events of `runs` runs in a shuffled arrival order: each run a root with three children;
/// every fifth run's root is itself a child of the previous run's root (it stops being a run
/// when that parent arrives); every seventh run fails.
fn events(rng: &mut Rng, runs: usize) -> Vec<Event<'static>> {
    let mut out = Vec::new();
    for r in 0..runs {
        let t0 = rng.below(1_000_000) as i64;
        let root = format!("r{r}");
        let parent = (r % 5 == 4).then(|| format!("r{}", r - 1));
        out.push(ev(EventKind::Start, &root, parent.as_ref(), t0));
        for c in 0..3 {
            let id = format!("r{r}c{c}");
            out.push(ev(EventKind::Start, &id, Some(&root), t0 + 10));
            let mut end = ev(EventKind::End, &id, Some(&root), t0 + 20 + c);
            if r % 7 == 0 && c == 1 {
                end.failure = Failure::Error(Cow::Borrowed("boom"));
            }
            out.push(end);
        }
        out.push(ev(
            EventKind::End,
            &root,
            parent.as_ref(),
            t0 + 100 + r as i64,
        ));
    }
    // Shuffle (Fisher–Yates), so children often come before their parents.
    for i in (1..out.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        out.swap(i, j);
    }
    out
}

fn full_rows(app: &App) -> (Vec<u32>, Option<u32>) {
    let mut fresh = App::new((*app.trace).clone(), Vec::new(), "full", true);
    while fresh.runs.sort != app.runs.sort {
        update(&mut fresh, Action::CycleSort);
    }
    while fresh.runs.filter != app.runs.filter {
        update(&mut fresh, Action::CycleFilter);
    }
    (fresh.runs.rows.clone(), fresh.runs.selected)
}

#[test]
fn patched_rows_equal_a_full_rebuild() {
    for seed in 1..=4 {
        let mut rng = Rng::new(seed);
        let mut app = App::new(trace_model::Trace::new(), Vec::new(), "patch", true);
        let evs = events(&mut rng, 120);
        let mut first = true;
        let mut rest = &evs[..];
        let mut step = 0;
        while !rest.is_empty() {
            let n = (rng.below(40) as usize + 1).min(rest.len());
            let batch = Batch {
                files: if first {
                    vec!["-".to_owned()]
                } else {
                    Vec::new()
                },
                events: rest[..n].to_vec(),
                ..Batch::default()
            };
            first = false;
            rest = &rest[n..];
            update(&mut app, Action::Ingest(IngestMsg::Batch(batch)));
            update(&mut app, Action::Refresh);
            // Now and then another sort or status filter (a full rebuild, then patches again).
            step += 1;
            if step % 7 == 0 {
                update(&mut app, Action::CycleSort);
            }
            if step % 11 == 0 {
                update(&mut app, Action::CycleFilter);
            }
            // Same rows, and live follow selects the same newest run.
            let got = (app.runs.rows.clone(), app.runs.selected);
            assert_eq!(got, full_rows(&app), "seed {seed}, step {step}");
        }
        // 120 runs, every fifth of them a child of the one before once all arrived.
        assert_eq!(app.trace.runs().count(), 96, "seed {seed}");
    }
}
