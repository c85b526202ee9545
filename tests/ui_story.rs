//! The failed-run story on a `TestBackend`: one key from the runs pane to the first error of
//! the whole input, the timeline opening at the failing event with the scopes open then, the
//! per-call table sorted by latency and `Enter` back to the call in the explorer; and the two
//! row-loss bugs (a pane scrolled while another view was shown) as regression tests.

mod common;

use trace_tui::app::{Action, App, CallSort, Pane, View};

use common::{ATOF, draw, keys, open, row_of, text};

fn name(app: &App, id: trace_model::NodeId) -> String {
    app.trace.str(app.trace.node(id).name).to_owned()
}

fn selected(app: &App) -> String {
    name(app, app.tree.selected.unwrap())
}

fn run_name(app: &App) -> String {
    name(app, app.selected_run().unwrap())
}

#[test]
fn focus_starts_on_runs_and_tab_cycles_every_pane_in_screen_order() {
    let mut app = open(ATOF);
    assert_eq!(app.focus, Pane::Runs);
    let mut seen = vec![app.focus];
    for _ in 0..3 {
        keys(&mut app, [Action::FocusNext]);
        seen.push(app.focus);
    }
    assert_eq!(seen, [Pane::Runs, Pane::Tree, Pane::Detail, Pane::Runs]);
    keys(&mut app, [Action::ShowView(View::Tokens)]);
    let mut seen = vec![app.focus];
    for _ in 0..4 {
        keys(&mut app, [Action::FocusNext]);
        seen.push(app.focus);
    }
    assert_eq!(
        seen,
        [
            Pane::Runs,
            Pane::Calls,
            Pane::LatencyModel,
            Pane::LatencyTool,
            Pane::Runs
        ]
    );
    // The focused pane is marked by more than colour.
    let screen = text(&draw(&mut app, 120, 40));
    assert!(screen.contains("▶Runs 3"), "{screen}");
}

#[test]
fn one_key_from_the_runs_opens_the_timeline_at_the_first_error() {
    let mut app = open(ATOF);
    assert_eq!(run_name(&app), "claude-code");
    keys(&mut app, [Action::NextError]);
    assert_eq!(run_name(&app), "research-agent");
    assert_eq!(selected(&app), "web_search");
    assert!(app.trace.node(app.tree.selected.unwrap()).has_error());
    assert_eq!(app.focus, Pane::Tree);
    // That one key opened the failed run's timeline, scrubbed to the failing event.
    assert_eq!(app.view, View::Timeline);
    insta::assert_snapshot!("story_timeline_error_80x24", text(&draw(&mut app, 80, 24)));
    assert!(app.scrubbing());
    let ev = app.event_node().unwrap();
    assert_eq!(name(&app, ev), "web_search");
    assert!(app.trace.node(ev).has_error());
    // The stack open at that instant: the run itself, 5 s in.
    let stack: Vec<(String, i64)> = app
        .open_stack
        .iter()
        .map(|&(id, _, e)| (name(&app, id), e))
        .collect();
    assert_eq!(stack, [("research-agent".to_owned(), 5_000_000)]);
    for (w, h) in [(80, 24), (120, 40)] {
        let buf = draw(&mut app, w, h);
        let screen = text(&buf);
        assert!(screen.contains("web_search ended after 2.900s"), "{screen}");
        assert!(screen.contains("failed: HTTP 503"), "{screen}");
        assert!(screen.contains("open at this instant (1)"), "{screen}");
        assert!(screen.contains("research-agent  5.000s so far"), "{screen}");
        // The hint is on screen at both widths.
        assert!(screen.contains("? help"), "{screen}");
        insta::assert_snapshot!(format!("story_timeline_error_{w}x{h}"), screen);
    }
}

#[test]
fn errors_step_through_the_whole_input_and_wrap() {
    let mut app = open(ATOF);
    let mut seen = Vec::new();
    for _ in 0..3 {
        keys(&mut app, [Action::NextError]);
        seen.push((run_name(&app), selected(&app)));
    }
    let total = seen.iter().filter(|s| **s == seen[0]).count();
    assert!(total >= 2, "wrapped back to the first error: {seen:?}");
    keys(&mut app, [Action::PrevError]);
    assert_ne!((run_name(&app), selected(&app)), seen[2]);
    // From the timeline too: the run changes and the scrubber lands on the error.
    let mut app = open(ATOF);
    keys(
        &mut app,
        [Action::ShowView(View::Timeline), Action::NextError],
    );
    assert_eq!(run_name(&app), "research-agent");
    assert!(app.trace.node(app.event_node().unwrap()).has_error());
}

#[test]
fn tokens_view_calls_sorted_by_latency_and_enter_opens_the_call() {
    let mut app = open(ATOF);
    keys(
        &mut app,
        [Action::NextError, Action::ShowView(View::Tokens)],
    );
    keys(&mut app, [Action::FocusNext]);
    assert_eq!(app.focus, Pane::Calls);
    while app.calls.sort != CallSort::Latency {
        keys(&mut app, [Action::CycleSort]);
    }
    let lat: Vec<Option<i64>> = app
        .calls
        .rows
        .iter()
        .map(|&id| trace_tui::app::CallRow::compute(&app.trace, id).latency_us())
        .collect();
    let mut sorted = lat.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(lat, sorted);
    let first = &trace_tui::app::CallRow::compute(&app.trace, app.calls.rows[0]);
    assert_eq!(
        (first.name(&app.trace).into_owned(), first.latency_us()),
        ("web_search".to_owned(), Some(2_900_000))
    );
    for (w, h) in [(80, 24), (120, 40)] {
        let screen = text(&draw(&mut app, w, h));
        assert!(screen.contains("sort latency"), "{screen}");
        assert!(
            screen.contains("gpt-4.1-mini"),
            "models distinguishable: {screen}"
        );
        insta::assert_snapshot!(format!("story_tokens_latency_{w}x{h}"), screen);
    }
    let id = app.calls.rows[0];
    keys(&mut app, [Action::Toggle]);
    assert_eq!(app.view, View::Explorer);
    assert_eq!(app.tree.selected, Some(id));
    // A filter expression narrows the table.
    keys(
        &mut app,
        [Action::ShowView(View::Tokens), Action::FilterStart],
    );
    keys(&mut app, "model:gpt-4.1".chars().map(Action::SearchChar));
    keys(&mut app, [Action::SearchSubmit]);
    assert!(
        app.calls
            .rows
            .iter()
            .all(
                |&r| trace_tui::app::CallRow::compute(&app.trace, r).model(&app.trace) == "gpt-4.1"
            ),
        "{:?}",
        app.calls.rows
    );
    // The latency tables are selectable: Enter opens the group's slowest call.
    let mut app = open(ATOF);
    keys(
        &mut app,
        [
            Action::ShowView(View::Tokens),
            Action::FocusNext,
            Action::FocusNext,
            Action::FocusNext,
        ],
    );
    assert_eq!(app.focus, Pane::LatencyTool);
    keys(&mut app, [Action::Toggle]);
    assert_eq!(selected(&app), "web_search");
    assert_eq!(
        app.trace.node(app.tree.selected.unwrap()).duration_us(),
        Some(2_900_000)
    );
}

#[test]
fn runs_keep_their_first_row_after_another_view() {
    // Second run selected, 2 then 1: the first run used to vanish (the hidden runs pane was
    // scrolled as if one row tall).
    let mut app = open(ATOF);
    keys(&mut app, [Action::Down]);
    draw(&mut app, 120, 40);
    keys(
        &mut app,
        [
            Action::ShowView(View::Timeline),
            Action::ShowView(View::Explorer),
        ],
    );
    assert_eq!(app.runs.offset, 0);
    let buf = draw(&mut app, 120, 40);
    row_of(&buf, "claude-code ");
    row_of(&buf, "research-agent");
    row_of(&buf, "codex");
}

#[test]
fn timeline_tree_starts_at_the_root_after_a_resize_in_the_tokens_view() {
    // At 140×40 in view 3, resize to 80×24 and press 2: the tree used to start at a leaf.
    let mut app = open(ATOF);
    keys(&mut app, [Action::FocusNext, Action::Bottom]);
    draw(&mut app, 140, 40);
    keys(&mut app, [Action::ShowView(View::Tokens)]);
    draw(&mut app, 80, 24);
    keys(&mut app, [Action::ShowView(View::Timeline)]);
    assert_eq!(app.tree.offset, 0);
    let buf = draw(&mut app, 80, 24);
    let root = row_of(&buf, "◆ claude-code ");
    assert_eq!(root, 2, "{}", text(&buf));
}

#[test]
fn moving_keeps_live_follow_and_says_how_to_resume_a_pause() {
    let (trace, formats) = common::load(&[ATOF]);
    let mut app = App::new(trace, formats, "live", true);
    keys(&mut app, [Action::Up]);
    assert_eq!(app.feed, trace_tui::app::Feed::Live);
    let screen = text(&draw(&mut app, 120, 40));
    assert!(
        screen.contains("● LIVE · view held (p: newest)"),
        "{screen}"
    );
    // `p` lets go of the hold; `p` again pauses.
    keys(&mut app, [Action::ToggleLive]);
    assert!(!app.held);
    keys(&mut app, [Action::ToggleLive]);
    let screen = text(&draw(&mut app, 120, 40));
    assert!(screen.contains("PAUSED · p resume"), "{screen}");
}

#[test]
fn durations_are_rounded_not_cut() {
    assert_eq!(trace_tui::ui::dur(224_946), "225ms");
    assert_eq!(trace_tui::ui::dur(224_446), "224ms");
    assert_eq!(trace_tui::ui::dur(1_234_567), "1.235s");
    assert_eq!(trace_tui::ui::dur(999_600), "1.000s");
    assert_eq!(trace_tui::ui::dur(59_999_600), "1m00s");
}

#[test]
fn a_static_file_without_runs_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let mut app = open(empty.to_str().unwrap());
    let screen = text(&draw(&mut app, 80, 24));
    assert!(screen.contains("the input is empty"), "{screen}");
    assert!(!screen.contains("no runs yet"), "{screen}");
}

#[test]
fn an_open_run_stops_counting_when_the_log_stops_growing_and_stdin_says_ended() {
    let (trace, formats) = common::load(&[ATOF]);
    let mut app = App::new(trace, formats, "live", true);
    let codex = app
        .runs
        .cache
        .values()
        .find(|r| r.name(&app.trace) == "codex")
        .unwrap()
        .clone();
    let now = codex.last_us().unwrap() + 3_000_000;
    keys(&mut app, [Action::Tick(now)]);
    let screen = text(&draw(&mut app, 120, 40));
    assert!(
        screen.contains("7.100s+"),
        "counting with the clock: {screen}"
    );
    keys(&mut app, [Action::Tick(now + 11_000_000)]);
    let screen = text(&draw(&mut app, 120, 40));
    assert!(
        screen.contains("4.100s+"),
        "stopped at the last event: {screen}"
    );
    // stdin closing ends a stdin-only input.
    let (trace, formats) = (trace_model::Trace::new(), Vec::new());
    let mut app = App::new(trace, formats, "-", true);
    let mut b = trace_ingest::Batch::default();
    b.files.push("-".into());
    keys(
        &mut app,
        [
            Action::Ingest(trace_ingest::IngestMsg::Batch(b)),
            Action::Ingest(trace_ingest::IngestMsg::Status("stdin closed".into())),
            Action::Refresh,
        ],
    );
    let screen = text(&draw(&mut app, 80, 24));
    assert!(screen.contains("■ ended"), "{screen}");
    assert!(screen.contains("the input ended without a run"), "{screen}");
}

#[test]
fn help_fits_80_columns() {
    let mut app = open(ATOF);
    keys(&mut app, [Action::ToggleHelp]);
    keys(&mut app, std::iter::repeat_n(Action::Down, 12));
    let screen = text(&draw(&mut app, 80, 24));
    // Long descriptions wrap under their column instead of being cut.
    assert!(
        screen.contains("open run / fold scope / open call in"),
        "{screen}"
    );
    assert!(!screen.contains("call in the explore│"), "{screen}");
    insta::assert_snapshot!("help_80x24", screen);
}

#[test]
fn y_copies_the_shown_record_with_osc52() {
    let mut app = open(ATOF);
    keys(&mut app, [Action::NextError, Action::Copy]);
    let seq = app.clipboard.clone().unwrap();
    assert!(
        seq.starts_with("\x1b]52;c;") && seq.ends_with('\x07'),
        "{seq:?}"
    );
    let b64 = &seq[7..seq.len() - 1];
    let record = trace_tui::app::copy::base64(b"start record");
    assert!(b64.starts_with(&record[..12]), "{b64}");
    let screen = text(&draw(&mut app, 80, 24));
    assert!(screen.contains("to the clipboard (OSC 52)"), "{screen}");
}

#[test]
fn search_finds_text_inside_the_records() {
    let mut app = open(ATOF);
    keys(&mut app, [Action::NextError, Action::SearchStart]);
    keys(&mut app, "q3 pricing".chars().map(Action::SearchChar));
    keys(&mut app, [Action::SearchSubmit]);
    // No scope is named so: the match is in the research-agent's start record (its question).
    assert_eq!(selected(&app), "research-agent");
    let screen = text(&draw(&mut app, 120, 40));
    assert!(screen.contains("matches (in a record)"), "{screen}");
    assert!(screen.contains("in the record:"), "{screen}");
    assert!(screen.contains("Q3 pricing"), "{screen}");
}
