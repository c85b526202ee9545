//! The explorer view on a `TestBackend` at 80x24 and 120x40, from the bundled samples: whole
//! screens, the styles that carry meaning (failures, selection, filter marks), the runs pane's
//! sort and filter, search, the filter prompt, error markers and folding, the percentile and
//! slow-call jumps, and the mouse.

mod common;

use ratatui::style::Color;
use trace_formats::Format;
use trace_ingest::Decoder;
use trace_model::Trace;
use trace_tui::app::{Action, App, Pane, View, layout};

use common::{ATOF, GREENTIC, HARN_A as HARN, col_of, draw, keys, open, row_of, text};

/// greentic dates its steps by the file's mtime: decode with a fixed document time instead.
fn open_greentic() -> App {
    let mut trace = Trace::new();
    trace.add_file(GREENTIC);
    let bytes = std::fs::read(GREENTIC).unwrap();
    Decoder::new(0, Some(GREENTIC.into()), Some(Format::Greentic)).document(
        &bytes,
        Some(1_782_324_000_000_000),
        &mut trace,
    );
    trace.settle();
    App::new(trace, vec![Format::Greentic], "trace.json", false)
}

#[test]
fn explorer_screens() {
    for (w, h) in [(80, 24), (120, 40)] {
        insta::assert_snapshot!(
            format!("explorer_atof_{w}x{h}"),
            text(&draw(&mut open(ATOF), w, h))
        );
        insta::assert_snapshot!(
            format!("explorer_harn_{w}x{h}"),
            text(&draw(&mut open(HARN), w, h))
        );
        insta::assert_snapshot!(
            format!("explorer_greentic_{w}x{h}"),
            text(&draw(&mut open_greentic(), w, h))
        );
    }
}

#[test]
fn failed_run_is_red_and_selection_is_highlighted() {
    let mut app = open(ATOF);
    // Focus starts on the runs; Tab moves it to the tree.
    keys(&mut app, [Action::FocusNext]);
    let buf = draw(&mut app, 120, 40);
    // The failed run's row is red in the runs table.
    let y = row_of(&buf, "research-agent");
    let x = col_of(&buf, y, "research-agent");
    assert_eq!(buf[(x, y)].fg, Color::Red, "failed run not red");
    // The tree has focus: its selected row (the run root) is drawn with the selection style.
    let y = row_of(&buf, "▾ ◆ claude-code ");
    assert_eq!(buf[(2, y)].bg, Color::Cyan);
    // Open the failed run and jump to its error: the scope is selected and its name is red.
    keys(
        &mut app,
        [
            Action::FocusPrev,
            Action::Down,
            Action::Toggle,
            Action::NextError,
        ],
    );
    let buf = draw(&mut app, 120, 40);
    insta::assert_snapshot!("explorer_error_jump_120x40", text(&buf));
    let sel = app.tree.selected.unwrap();
    assert!(app.trace.node(sel).has_error());
    let areas = layout::areas(buf.area, app.view, app.runs.rows.len());
    let y = layout::tree_body(areas.tree, app.view).y + (app.tree.cursor - app.tree.offset) as u16;
    let x = col_of(&buf, y, "web_search");
    assert_eq!(
        buf[(x, y)].bg,
        Color::Cyan,
        "selected error row highlighted"
    );
    assert_eq!(buf[(x, y)].fg, Color::Red, "error scope name red");
    assert!(text(&buf).contains("status     error:"));
    let x = col_of(&buf, row_of(&buf, "status     error:"), "error:");
    assert_eq!(buf[(x, row_of(&buf, "status     error:"))].fg, Color::Red);
}

#[test]
fn runs_sort_and_filter() {
    let mut app = open(ATOF);
    app.focus = Pane::Runs;
    keys(&mut app, [Action::CycleFilter]);
    let shown: Vec<String> = app
        .runs
        .rows
        .iter()
        .map(|&r| app.runs.cache[&r].name(&app.trace).into_owned())
        .collect();
    assert_eq!(shown, ["research-agent"]);
    keys(
        &mut app,
        [
            Action::CycleFilter,
            Action::CycleFilter,
            Action::CycleFilter,
            Action::CycleSort,
            Action::CycleSort,
        ],
    );
    let by_tokens: Vec<u64> = app
        .runs
        .rows
        .iter()
        .map(|&r| app.runs.cache[&r].tokens)
        .collect();
    assert!(by_tokens.windows(2).all(|w| w[0] >= w[1]), "{by_tokens:?}");
    insta::assert_snapshot!("runs_sorted_by_tokens_80x24", text(&draw(&mut app, 80, 24)));
}

#[test]
fn search_moves_to_matches() {
    let mut app = open(ATOF);
    keys(&mut app, "grep".chars().map(Action::SearchChar));
    keys(&mut app, [Action::SearchStart]);
    keys(&mut app, "grep".chars().map(Action::SearchChar));
    keys(&mut app, [Action::SearchSubmit]);
    assert_eq!(
        app.trace
            .str(app.trace.node(app.tree.selected.unwrap()).name),
        "Grep"
    );
    assert_eq!(app.search.message.as_deref(), Some("/grep: 1 match"));
    keys(
        &mut app,
        [
            Action::SearchStart,
            Action::SearchChar('a'),
            Action::SearchChar('n'),
            Action::SearchSubmit,
        ],
    );
    let first = app.tree.selected;
    keys(&mut app, [Action::SearchNext]);
    assert_ne!(app.tree.selected, first);
    keys(&mut app, [Action::SearchPrev]);
    assert_eq!(app.tree.selected, first);
}

#[test]
fn filter_expression_hides_runs_marks_scopes_and_shows_in_the_status_bar() {
    use ratatui::style::Modifier;
    let mut app = open(ATOF);
    keys(&mut app, [Action::FilterStart]);
    keys(&mut app, "model:gpt-4.1*".chars().map(Action::SearchChar));
    let screen = text(&draw(&mut app, 120, 40));
    assert!(
        screen
            .lines()
            .last()
            .unwrap()
            .starts_with(" filter: model:gpt-4.1*▏"),
        "{screen}"
    );
    keys(&mut app, [Action::SearchSubmit]);
    let buf = draw(&mut app, 120, 40);
    let screen = text(&buf);
    // Only research-agent has gpt-4.1 calls.
    assert!(screen.contains("Runs 1/3"), "{screen}");
    assert!(
        !screen.contains("claude-code") && screen.contains("research-agent"),
        "{screen}"
    );
    assert!(
        screen
            .lines()
            .last()
            .unwrap()
            .contains("filter model:gpt-4.1*"),
        "{screen}"
    );
    // Both gpt-4.1 calls are marked bold; the tool calls are dimmed.
    let y = row_of(&buf, "gpt-4.1-mini");
    let x = col_of(&buf, y, "openai.chat_completions");
    assert!(buf[(x, y)].modifier.contains(Modifier::BOLD));
    let y = row_of(&buf, "web_search");
    let x = col_of(&buf, y, "web_search");
    assert!(buf[(x, y)].modifier.contains(Modifier::DIM));
    // A bad term is reported with its column and leaves the filter as it was.
    keys(&mut app, [Action::FilterStart]);
    keys(&mut app, " dur>2x".chars().map(Action::SearchChar));
    keys(&mut app, [Action::SearchSubmit]);
    let screen = text(&draw(&mut app, 120, 40));
    assert!(screen.contains("bad filter term \"dur>2x\""), "{screen}");
    assert!(screen.contains("Runs 1/3"));
    // An empty expression clears it.
    keys(&mut app, [Action::FilterStart]);
    keys(&mut app, std::iter::repeat_n(Action::SearchBackspace, 40));
    keys(&mut app, [Action::SearchSubmit]);
    assert!(text(&draw(&mut app, 120, 40)).contains("Runs 3 "));
}

#[test]
fn bubbled_up_errors_differ_from_own_errors_and_collapse_keeps_the_path() {
    let mut app = open(ATOF);
    while app.focus != Pane::Runs {
        keys(&mut app, [Action::FocusNext]);
    }
    keys(&mut app, [Action::Down, Action::FocusNext]);
    let buf = draw(&mut app, 120, 40);
    // The root failed only below: a red `!` marker, its name not red.
    let y = row_of(&buf, "◆ research-agent");
    let x = col_of(&buf, y, "!◆ research-agent");
    assert_eq!(buf[(x, y)].fg, Color::Red);
    assert_ne!(buf[(x + 3, y)].fg, Color::Red);
    // The failed web_search has its own error: red name, no marker.
    let y = row_of(&buf, "2.900s");
    assert!(!text(&buf).lines().nth(y as usize).unwrap().contains('!'));
    // `c` folds everything except the path to the selection (and the root's own children).
    let mut app = open(ATOF);
    keys(
        &mut app,
        [Action::FocusNext, Action::Top, Action::CollapseOthers],
    );
    let screen = text(&draw(&mut app, 120, 40));
    assert!(
        screen.contains("▸ ◆ turn 1 · Fix the failing") && !screen.contains("Read"),
        "{screen}"
    );
    keys(&mut app, [Action::ExpandAll]);
    keys(&mut app, std::iter::repeat_n(Action::Down, 3)); // root, turn, llm, llm.chunk
    keys(&mut app, [Action::CollapseOthers]);
    let screen = text(&draw(&mut app, 120, 40));
    assert!(
        screen.contains("◦ llm.chunk") && screen.contains("▾ ◆ turn 1 · Fix the failing"),
        "{screen}"
    );
}

#[test]
fn percentile_and_slow_call_jumps() {
    // claude-sonnet-4-5 in the sample: LLM1 took 3.0 s, LLM2 2.8 s. From LLM1, P goes to the
    // p50 call (LLM2), then to the p95 call (LLM1).
    let mut app = open(ATOF);
    keys(
        &mut app,
        [
            Action::FocusNext,
            Action::Down,
            Action::Down,
            Action::JumpPercentile,
        ],
    );
    let screen = text(&draw(&mut app, 120, 40));
    let status = screen.lines().last().unwrap();
    assert!(
        status.contains("p50 of model claude-sonnet-4-5 latency (2 calls): 2.800s"),
        "{status}"
    );
    assert_eq!(
        app.trace.node(app.tree.selected.unwrap()).duration_us(),
        Some(2_800_000)
    );
    keys(&mut app, [Action::JumpPercentile]);
    assert_eq!(
        app.trace.node(app.tree.selected.unwrap()).duration_us(),
        Some(3_000_000)
    );

    // With two calls p95 is the slower one, so nothing is slower than p95.
    keys(&mut app, [Action::NextSlow]);
    assert!(text(&draw(&mut app, 120, 40)).contains("no call in this run is slower"));

    // A synthetic log has groups big enough for calls above p95.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("synth.jsonl");
    let mut bytes = Vec::new();
    trace_synth::generate(11, trace_synth::Target::Events(6_000), &mut bytes).unwrap();
    std::fs::write(&path, bytes).unwrap();
    let (trace, formats) = trace_ingest::files::load(&[path], None, &mut |_| {}).unwrap();
    let ex = trace.exemplars();
    let mut app = App::new(trace, formats, "synth", false);
    keys(&mut app, [Action::FocusNext]);
    draw(&mut app, 120, 40);
    let mut found = 0;
    for _ in 0..40 {
        keys(&mut app, [Action::NextSlow]);
        let Some(id) = app.tree.selected else {
            continue;
        };
        let n = app.trace.node(id);
        if !(n.is_llm() || n.is_tool()) {
            // This run has no slow call; move to the next run.
            keys(
                &mut app,
                [Action::FocusPrev, Action::Down, Action::FocusNext],
            );
            continue;
        }
        let group = if n.is_llm() {
            &ex.by_model[app.trace.str(n.model().unwrap())]
        } else {
            &ex.by_tool[app.trace.str(n.name)]
        };
        assert!(n.duration_us().unwrap() > group.latency_us.get("p95").unwrap().value);
        found += 1;
    }
    assert!(found > 0, "no slow call found in 40 steps");
}

#[test]
fn mouse_selects_rows_and_scrubs() {
    let mut app = open(ATOF);
    let buf = draw(&mut app, 120, 40);
    let y = row_of(&buf, "research-agent");
    keys(&mut app, [Action::Click(20, y)]);
    assert_eq!(app.focus, Pane::Runs);
    assert_eq!(
        app.runs.cache[&app.runs.selected.unwrap()].name(&app.trace),
        "research-agent"
    );
    keys(&mut app, [Action::ShowView(View::Timeline)]);
    let (_, bars) = layout::waterfall_split(layout::areas(buf.area, View::Timeline, 3).tree);
    keys(&mut app, [Action::Click(bars.x, bars.y)]);
    assert_eq!(app.scrub, 0, "a click at the left edge scrubs to the start");
}

/// A file still loading in the background is not "empty": before the loader's first report
/// the runs pane and the status bar say it is being read; a failed load says why and stops.
#[test]
fn a_file_being_read_is_not_an_empty_input() {
    let mut app = App::new(Trace::new(), Vec::new(), "big.jsonl", false);
    app.progress = Some((0, 0));
    let screen = text(&draw(&mut app, 80, 24));
    assert!(screen.contains("reading the file…"), "{screen}");
    assert!(screen.contains("reading…"), "{screen}");
    assert!(!screen.contains("empty"), "{screen}");
    trace_tui::app::update(
        &mut app,
        Action::Ingest(trace_ingest::IngestMsg::Status(
            "cannot read: big.jsonl: permission denied".into(),
        )),
    );
    assert_eq!(app.progress, None);
    let screen = text(&draw(&mut app, 80, 24));
    assert!(screen.contains("the input is empty"), "{screen}");
}
