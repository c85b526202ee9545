//! Frame render time with 1,000,000 events loaded: `cargo bench --bench render`.
//!
//! Builds a synthetic trace through `Trace::apply` (100 runs × 50 turns × 99 calls, start and
//! end events: 1,000,200 events), then times `Terminal::draw` on a `TestBackend` (render plus
//! buffer diff) while the cursor moves, for each view at 120x40 and 200x50.
//! `RENDER_SHAPE=one-run` builds one run of 200 turns × 5,000 calls instead (1,000,200 scopes,
//! 2,000,402 events): the huge-run shape of issue #12.10.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use trace_model::Trace;
use trace_model::event::{Category, Event, EventKind, Tokens};
use trace_tui::app::{Action, App, Pane, View, update};

/// (runs, turns per run, calls per turn).
fn shape() -> (usize, usize, usize) {
    match std::env::var("RENDER_SHAPE").as_deref() {
        Ok("one-run") => (1, 200, 5_000),
        _ => (100, 50, 99),
    }
}
const FRAMES: usize = 600;

fn scope(
    trace: &mut Trace,
    id: &str,
    parent: Option<&str>,
    t0: i64,
    t1: i64,
    cat: Category,
    llm: bool,
) {
    let mut s = Event::new(
        EventKind::Start,
        Cow::Owned(id.to_owned()),
        Cow::Owned(format!("{}-{id}", cat.as_str())),
    );
    s.parent = parent.map(|p| Cow::Owned(p.to_owned()));
    s.ts_us = Some(t0);
    s.category = Some(cat);
    if llm {
        s.model = Some(Cow::Borrowed("gpt-4.1"));
    }
    trace.apply(&s);
    let mut e = s.clone();
    e.kind = EventKind::End;
    e.ts_us = Some(t1);
    if llm {
        e.tokens = Some(Tokens {
            input: Some(1000),
            output: Some(200),
            ..Tokens::default()
        });
    }
    trace.apply(&e);
}

fn build() -> Trace {
    let (runs, turns, calls) = shape();
    let mut trace = Trace::new();
    trace.add_file("-");
    let mut t = 1_700_000_000_000_000i64;
    for r in 0..runs {
        let run = format!("run{r}");
        let mut start = Event::new(
            EventKind::Start,
            Cow::Owned(run.clone()),
            Cow::Owned(run.clone()),
        );
        start.ts_us = Some(t);
        start.category = Some(Category::Agent);
        trace.apply(&start);
        for k in 0..turns {
            let turn = format!("{run}.t{k}");
            let t_turn = t;
            let mut ts = Event::new(
                EventKind::Start,
                Cow::Owned(turn.clone()),
                Cow::Borrowed("turn"),
            );
            ts.parent = Some(Cow::Owned(run.clone()));
            ts.ts_us = Some(t_turn);
            ts.category = Some(Category::Agent);
            trace.apply(&ts);
            for c in 0..calls {
                let llm = c % 3 == 0;
                let cat = if llm { Category::Llm } else { Category::Tool };
                scope(
                    &mut trace,
                    &format!("{turn}.c{c}"),
                    Some(&turn),
                    t,
                    t + 900,
                    cat,
                    llm,
                );
                t += 1_000;
            }
            let mut te = ts.clone();
            te.kind = EventKind::End;
            te.ts_us = Some(t);
            trace.apply(&te);
        }
        let mut end = start.clone();
        end.kind = EventKind::End;
        end.ts_us = Some(t);
        trace.apply(&end);
        t += 10_000;
    }
    trace.settle();
    trace
}

fn pct(v: &mut [Duration], p: usize) -> f64 {
    v.sort_unstable();
    v[(v.len() * p / 100).min(v.len() - 1)].as_secs_f64() * 1e3
}

fn main() {
    let t = Instant::now();
    let trace = build();
    println!(
        "built {} events, {} nodes in {:.2?}",
        trace.events,
        trace.node_count(),
        t.elapsed()
    );
    // What stays on the screen's thread for a run that changes: its row in the runs list.
    let root = trace.runs().next().expect("a run");
    let t = Instant::now();
    let _ = trace_tui::app::RunRow::compute(&trace, root);
    println!("run row of the first run {:.2?}", t.elapsed());
    let t = Instant::now();
    let _ = trace_tui::app::RunCore::build(&trace, root);
    println!(
        "run cache core of the first run (on the worker when big) {:.2?}",
        t.elapsed()
    );
    let t = Instant::now();
    let mut app = App::new(trace, Vec::new(), "bench", false);
    println!(
        "App::new (run rows for {} runs, first run selected) {:.2?}",
        shape().0,
        t.elapsed()
    );
    let t = Instant::now();
    update(&mut app, Action::ExpandAll);
    println!(
        "expand all of one run ({} rows) {:.2?}",
        app.tree.rows.len(),
        t.elapsed()
    );
    // Heavy actions on the whole trace (issue #12.10): each should cost one computation per
    // trace generation, not one per key press.
    update(&mut app, Action::Down);
    for (label, a) in [
        ("tokens view, first", Action::ShowView(View::Tokens)),
        ("back to explorer", Action::ShowView(View::Explorer)),
        ("tokens view, again", Action::ShowView(View::Tokens)),
        ("explorer", Action::ShowView(View::Explorer)),
        ("P (percentile jump), first", Action::JumpPercentile),
        ("P, again", Action::JumpPercentile),
        ("f (filter runs), first", Action::CycleFilter),
        ("f, again", Action::CycleFilter),
    ] {
        let t = Instant::now();
        update(&mut app, a);
        println!("{label}: {:.2?}", t.elapsed());
    }
    // As the explorer runs it: the figures go to a worker thread, the key returns at once.
    let mut off = App::new(build(), Vec::new(), "bench", false);
    off.set_offload(true);
    update(&mut off, Action::Down);
    let t = Instant::now();
    update(&mut off, Action::ShowView(View::Tokens));
    let key = t.elapsed();
    let job = off.take_job().expect("figures handed out");
    let t = Instant::now();
    let done = std::thread::spawn(move || job.run()).join().unwrap();
    let worker = t.elapsed();
    update(&mut off, Action::WorkDone(Box::new(done)));
    println!("tokens view, offloaded: key {key:.2?}, figures on the worker {worker:.2?}");
    drop(off);
    for (w, h) in [(120u16, 40u16), (200, 50)] {
        for view in [View::Explorer, View::Timeline, View::Tokens] {
            update(&mut app, Action::Resize(w, h));
            update(&mut app, Action::ShowView(view));
            if view == View::Timeline {
                update(&mut app, Action::ScrubStart);
                update(&mut app, Action::ScrubBy(5_000));
            }
            app.focus = if view == View::Tokens {
                Pane::Runs
            } else {
                Pane::Tree
            };
            let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
            let mut times = Vec::with_capacity(FRAMES);
            let mut updates = Vec::with_capacity(FRAMES);
            for i in 0..FRAMES {
                // Mostly one-row moves, sometimes a page jump, so most rows change.
                let a = if i % 10 == 9 {
                    Action::PageDown
                } else {
                    Action::Down
                };
                let u = Instant::now();
                update(&mut app, a);
                updates.push(u.elapsed());
                let d = Instant::now();
                term.draw(|f| trace_tui::ui::render(f, &app)).unwrap();
                times.push(d.elapsed());
                if std::env::var_os("SLOW").is_some() && d.elapsed() > Duration::from_millis(2) {
                    println!("slow frame {i}: {:.2?}", d.elapsed());
                }
            }
            let max = times.iter().max().unwrap().as_secs_f64() * 1e3;
            println!(
                "{w}x{h} {view:?}: draw p50 {:.3} ms  p99 {:.3} ms  max {max:.3} ms | update p50 {:.3} ms p99 {:.3} ms",
                pct(&mut times, 50),
                pct(&mut times, 99),
                pct(&mut updates, 50),
                pct(&mut updates, 99)
            );
        }
    }
}
