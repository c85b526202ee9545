//! Overlays and the status line on a `TestBackend`: help, diagnostics, the run diff and the
//! too-small notice; the live feed and the paused view, progress while a file loads, and a
//! preview that the full load replaces without losing the user's place.

mod common;

use std::path::PathBuf;

use ratatui::style::Color;
use trace_formats::Format;
use trace_ingest::{Batch, IngestMsg};
use trace_model::Trace;
use trace_model::event::{Event, EventKind};
use trace_tui::app::{Action, App, Feed, Pane};

use common::{ATOF, ATOF_ODD, col_of, draw, keys, open, row_of, text};

#[test]
fn overlays_and_small_terminals() {
    let mut app = open(ATOF);
    keys(&mut app, [Action::ToggleHelp]);
    insta::assert_snapshot!("help_120x40", text(&draw(&mut app, 120, 40)));
    let mut odd = open(ATOF_ODD);
    keys(&mut odd, [Action::ToggleDiagnostics]);
    let buf = draw(&mut odd, 120, 40);
    insta::assert_snapshot!("diagnostics_120x40", text(&buf));
    // Hostile names arrive escaped, never as raw control characters.
    assert!(!text(&buf).contains('\u{1b}'));
    insta::assert_snapshot!("too_small_50x10", text(&draw(&mut app, 50, 10)));
}

#[test]
fn diff_two_runs_from_the_runs_pane() {
    let mut app = open(ATOF);
    keys(&mut app, [Action::DiffRun]);
    let screen = text(&draw(&mut app, 120, 40));
    assert!(
        screen.contains("claude-code marked: press d on another run"),
        "{screen}"
    );
    // Select the next run in the runs pane, then compare.
    while app.focus != Pane::Runs {
        keys(&mut app, [Action::FocusNext]);
    }
    keys(&mut app, [Action::Down, Action::DiffRun]);
    let buf = draw(&mut app, 120, 40);
    insta::assert_snapshot!("diff_overlay_120x40", text(&buf));
    // The turn that only claude-code has is a left-only subtree, drawn in the error colour.
    let y = row_of(
        &buf,
        "turn 1 · Fix the failing test in src/parse.rs (5 scopes)",
    );
    let x = col_of(&buf, y, "turn 1 · Fix the failing test in src/parse.rs");
    assert_eq!(buf[(x, y)].fg, Color::Red);
    keys(&mut app, [Action::CloseOverlay]);
    assert!(!text(&draw(&mut app, 120, 40)).contains("Run diff"));
}

fn ev(kind: EventKind, id: &str, parent: Option<&str>, t: i64) -> Event<'static> {
    let mut e = Event::new(kind, id.to_owned(), id.to_owned());
    e.parent = parent.map(|p| p.to_owned().into());
    e.ts_us = Some(t);
    e.category = Some(trace_model::event::Category::Agent);
    e
}

fn batch(events: Vec<Event<'static>>) -> Action {
    Action::Ingest(IngestMsg::Batch(Batch {
        events,
        ..Batch::default()
    }))
}

#[test]
fn live_follows_newest_and_paused_holds_still() {
    let mut app = App::new(Trace::new(), vec![Format::Atof], "live", true);
    keys(
        &mut app,
        [
            batch(vec![
                ev(EventKind::Start, "r1", None, 1_000),
                ev(EventKind::Start, "a", Some("r1"), 2_000),
            ]),
            Action::Refresh,
        ],
    );
    assert_eq!(app.feed, Feed::Live);
    let r1 = app.runs.selected.unwrap();
    keys(
        &mut app,
        [
            batch(vec![ev(EventKind::Start, "r2", None, 5_000)]),
            Action::Refresh,
        ],
    );
    let r2 = app.runs.selected.unwrap();
    assert_ne!(r1, r2, "live view moves to the newest run");
    // Moving the cursor holds the view: still live, arrivals never move the selection.
    app.focus = Pane::Runs;
    keys(&mut app, [Action::Up]);
    assert_eq!(app.feed, Feed::Live);
    assert_eq!(app.runs.selected, Some(r1));
    keys(
        &mut app,
        [
            batch(vec![
                ev(EventKind::Start, "r3", None, 9_000),
                ev(EventKind::End, "a", Some("r1"), 3_000),
            ]),
            Action::Refresh,
        ],
    );
    assert_eq!(app.runs.selected, Some(r1));
    let screen = text(&draw(&mut app, 120, 24));
    assert!(screen.contains("LIVE · view held (p: newest)"), "{screen}");
    // `p` lets go of the hold, `p` again pauses: arrivals are counted, not shown.
    keys(&mut app, [Action::ToggleLive]);
    assert_eq!(app.feed, Feed::Live);
    assert!(!app.held);
    keys(&mut app, [Action::ToggleLive]);
    keys(
        &mut app,
        [
            batch(vec![ev(EventKind::End, "r3", None, 9_500)]),
            Action::Refresh,
        ],
    );
    assert_eq!(app.new_since_pause(), 1);
    let screen = text(&draw(&mut app, 80, 24));
    assert!(screen.contains("PAUSED +1 new · p resume"), "{screen}");
    keys(&mut app, [Action::ToggleLive]);
    assert_eq!(app.feed, Feed::Live);
    assert_eq!(
        app.trace
            .str(app.trace.node(app.runs.selected.unwrap()).name),
        "r3"
    );
    keys(
        &mut app,
        [Action::Ingest(IngestMsg::Reset), Action::Refresh],
    );
    assert!(app.runs.rows.is_empty() && app.run.is_none());
}

#[test]
fn background_load_shows_progress_then_the_runs() {
    let mut app = App::new(Trace::new(), Vec::new(), "big.jsonl", false);
    keys(
        &mut app,
        [Action::Ingest(IngestMsg::Progress {
            done: 450,
            total: 1000,
        })],
    );
    let screen = text(&draw(&mut app, 120, 40));
    let status = screen.lines().last().unwrap();
    assert!(
        status.contains("indexing ▕████░░░░░░▏ 45% of 1.0kB"),
        "{status}"
    );
    assert!(screen.contains("Runs 0"));

    let (trace, formats) =
        trace_ingest::files::load(&[PathBuf::from(ATOF)], None, &mut |_| {}).unwrap();
    let loaded = trace_ingest::Loaded { trace, formats };
    keys(
        &mut app,
        [Action::Ingest(IngestMsg::Loaded(Box::new(loaded)))],
    );
    let screen = text(&draw(&mut app, 120, 40));
    assert!(screen.contains("Runs 3"), "{screen}");
    let status = screen.lines().last().unwrap();
    assert!(!status.contains("indexing"), "{status}");
    assert!(status.contains("atof │ 28 events"), "{status}");
    assert_eq!(app.feed, Feed::Static);
}

#[test]
fn live_open_runs_show_a_running_duration_when_clocks_agree() {
    let mut app = App::new(Trace::new(), Vec::new(), "live.jsonl", true);
    let t0 = 1_782_324_191_000_000;
    keys(
        &mut app,
        [batch(vec![
            ev(EventKind::Start, "r", None, t0),
            ev(EventKind::Start, "c", Some("r"), t0 + 2_000_000),
        ])],
    );
    let runs_row = |app: &mut App| {
        let screen = text(&draw(app, 120, 40));
        screen
            .lines()
            .find(|l| l.contains(" live "))
            .unwrap()
            .to_owned()
    };
    assert!(
        runs_row(&mut app).contains("2.000s+"),
        "before any tick: up to the last event"
    );
    keys(&mut app, [Action::Tick(t0 + 10_000_000)]);
    assert!(
        runs_row(&mut app).contains("10.000s+"),
        "{}",
        runs_row(&mut app)
    );
    // A replayed old log: our clock is a day ahead, so the duration stays at the last event.
    keys(&mut app, [Action::Tick(t0 + 86_400_000_000)]);
    assert!(
        runs_row(&mut app).contains("2.000s+"),
        "{}",
        runs_row(&mut app)
    );
}

/// A big file shows its first runs from a preview while it loads; when the full trace
/// arrives, the run and the node the user selected meanwhile stay selected (the preview's node
/// ids are a prefix of the full trace's).
#[test]
fn preview_then_full_load_keeps_the_users_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jsonl");
    let mut bytes = Vec::new();
    trace_synth::generate(5, trace_synth::Target::Events(20_000), &mut bytes).unwrap();
    std::fs::write(&path, &bytes).unwrap();

    let preview = trace_ingest::files::preview(std::slice::from_ref(&path), None).unwrap();
    let (full, formats) =
        trace_ingest::files::load(std::slice::from_ref(&path), None, &mut |_| {}).unwrap();
    assert!(preview.trace.events > 0 && preview.trace.events < full.events);
    for id in preview.trace.node_ids() {
        let (p, f) = (preview.trace.node(id), full.node(id));
        assert_eq!(preview.trace.ext_id(id), full.ext_id(id), "node {id}");
        assert_eq!(preview.trace.str(p.name), full.str(f.name), "node {id}");
        assert_eq!(p.kind, f.kind, "node {id}");
    }

    let mut app = App::new(Trace::new(), Vec::new(), "big.jsonl", false);
    let preview_runs = preview.trace.runs().count();
    keys(
        &mut app,
        [
            Action::Ingest(IngestMsg::Progress {
                done: 0,
                total: bytes.len() as u64,
            }),
            Action::Ingest(IngestMsg::Preview(Box::new(preview))),
        ],
    );
    let screen = text(&draw(&mut app, 120, 40));
    assert!(
        screen.contains(&format!("Runs {preview_runs} ")),
        "{screen}"
    );
    assert!(screen.lines().last().unwrap().contains("indexing"));
    app.focus = Pane::Runs;
    keys(&mut app, [Action::Down, Action::Down]);
    app.focus = Pane::Tree;
    keys(&mut app, [Action::Down, Action::Down, Action::Down]);
    draw(&mut app, 120, 40);
    let (run, node) = (app.runs.selected.unwrap(), app.tree.selected.unwrap());
    let (run_id, node_id) = (
        app.trace.ext_id(run).into_owned(),
        app.trace.ext_id(node).into_owned(),
    );

    let loaded = trace_ingest::Loaded {
        trace: full,
        formats,
    };
    keys(
        &mut app,
        [Action::Ingest(IngestMsg::Loaded(Box::new(loaded)))],
    );
    let screen = text(&draw(&mut app, 120, 40));
    assert!(!screen.lines().last().unwrap().contains("indexing"));
    assert_eq!(app.runs.selected, Some(run));
    assert_eq!(app.tree.selected, Some(node));
    assert_eq!(app.trace.ext_id(run), run_id);
    assert_eq!(app.trace.ext_id(node), node_id);
}
