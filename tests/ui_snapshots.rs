//! Whole screens on a `TestBackend` at 80x24 and 120x40, from the bundled samples, plus
//! direct checks of the styles that carry meaning and of what the scrubber shows.

use std::path::PathBuf;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use trace_formats::Format;
use trace_ingest::{Batch, Decoder, IngestMsg};
use trace_model::Trace;
use trace_model::event::{Event, EventKind};
use trace_model::query::Phase;
use trace_tui::app::layout;
use trace_tui::app::{Action, App, Feed, Pane, View, update};

const ATOF: &str = "assets/atof/agent-session.jsonl";
const HARN: &str = "assets/harn/event_log-01979f2a-5a10-7c2e-9f41-0b7d3e6a8c55.jsonl";
const GREENTIC: &str = "assets/greentic/trace.json";
const ODD: &str = "tests/fixtures/atof-odd.jsonl";

fn open(path: &str) -> App {
    let (trace, formats) =
        trace_ingest::files::load(&[PathBuf::from(path)], None, &mut |_| {}).unwrap();
    App::new(trace, formats, path.rsplit('/').next().unwrap(), false)
}

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

fn draw(app: &mut App, w: u16, h: u16) -> Buffer {
    update(app, Action::Resize(w, h));
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| trace_tui::ui::render(f, app)).unwrap();
    term.backend().buffer().clone()
}

fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn keys(app: &mut App, actions: impl IntoIterator<Item = Action>) {
    for a in actions {
        update(app, a);
    }
}

/// The row on screen whose text contains `needle`.
fn row_of(buf: &Buffer, needle: &str) -> u16 {
    (0..buf.area.height)
        .find(|&y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .contains(needle)
        })
        .unwrap_or_else(|| panic!("{needle:?} not on screen"))
}

fn col_of(buf: &Buffer, y: u16, needle: &str) -> u16 {
    let line: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
    let first = needle.chars().next().unwrap().to_string();
    (0..buf.area.width)
        .find(|&x| line[x as usize..].concat().starts_with(needle) && line[x as usize] == first)
        .unwrap()
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
        .map(|&r| app.runs.cache[&r].name.clone())
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

/// (name, phase) of every row the tree shows.
fn visible(app: &App) -> Vec<(String, Phase)> {
    let rc = app.run.as_ref().unwrap();
    app.tree
        .rows
        .iter()
        .map(|r| {
            let phase = if app.scrubbing() {
                rc.timeline.phase_at(r.id, app.scrub)
            } else {
                Phase::Done
            };
            (app.trace.str(app.trace.node(r.id).name).to_owned(), phase)
        })
        .collect()
}

#[test]
fn scrubbing_shows_only_what_had_happened() {
    use Phase::{Done, Open};
    let mut app = open(ATOF);
    keys(
        &mut app,
        [Action::ShowView(View::Timeline), Action::ScrubStart],
    );
    assert_eq!(visible(&app), [("claude-code".to_owned(), Open)]);
    keys(&mut app, [Action::ScrubBy(3)]);
    let names = |v: &[(&str, Phase)]| {
        v.iter()
            .map(|(n, p)| ((*n).to_owned(), *p))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        visible(&app),
        names(&[
            ("claude-code", Open),
            ("claude-code-turn", Open),
            ("anthropic.messages", Open),
            ("llm.chunk", Done)
        ])
    );
    // The detail pane follows the cursor: the mark under it is selected.
    assert_eq!(
        app.trace
            .str(app.trace.node(app.tree.selected.unwrap()).name),
        "llm.chunk"
    );
    insta::assert_snapshot!("timeline_scrubbed_120x40", text(&draw(&mut app, 120, 40)));
    keys(&mut app, [Action::ScrubBy(2)]);
    assert_eq!(
        visible(&app),
        names(&[
            ("claude-code", Open),
            ("claude-code-turn", Open),
            ("anthropic.messages", Done),
            ("llm.chunk", Done),
            ("Read", Open)
        ])
    );
    // End: everything happened, nothing is filtered.
    keys(&mut app, [Action::ScrubEnd]);
    assert!(!app.scrubbing());
    assert_eq!(visible(&app).len(), 7);
    insta::assert_snapshot!("timeline_end_120x40", text(&draw(&mut app, 120, 40)));
    insta::assert_snapshot!("timeline_end_80x24", text(&draw(&mut app, 80, 24)));
}

#[test]
fn tokens_view() {
    let mut app = open(ATOF);
    keys(&mut app, [Action::ShowView(View::Tokens)]);
    insta::assert_snapshot!("tokens_120x40", text(&draw(&mut app, 120, 40)));
    insta::assert_snapshot!("tokens_80x24", text(&draw(&mut app, 80, 24)));
}

#[test]
fn overlays_and_small_terminals() {
    let mut app = open(ATOF);
    keys(&mut app, [Action::ToggleHelp]);
    insta::assert_snapshot!("help_120x40", text(&draw(&mut app, 120, 40)));
    let mut odd = open(ODD);
    keys(&mut odd, [Action::ToggleDiagnostics]);
    let buf = draw(&mut odd, 120, 40);
    insta::assert_snapshot!("diagnostics_120x40", text(&buf));
    // Hostile names arrive escaped, never as raw control characters.
    assert!(!text(&buf).contains('\u{1b}'));
    insta::assert_snapshot!("too_small_50x10", text(&draw(&mut app, 50, 10)));
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
    // Moving the cursor pauses; arrivals are counted and never move the selection.
    app.focus = Pane::Runs;
    keys(&mut app, [Action::Up]);
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
    assert_eq!(app.new_since_pause(), 2);
    let screen = text(&draw(&mut app, 80, 24));
    assert!(screen.contains("PAUSED +2 new"), "{screen}");
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
fn mouse_selects_rows_and_scrubs() {
    let mut app = open(ATOF);
    let buf = draw(&mut app, 120, 40);
    let y = row_of(&buf, "research-agent");
    keys(&mut app, [Action::Click(20, y)]);
    assert_eq!(app.focus, Pane::Runs);
    assert_eq!(
        app.runs.cache[&app.runs.selected.unwrap()].name,
        "research-agent"
    );
    keys(&mut app, [Action::ShowView(View::Timeline)]);
    let (_, bars) = layout::waterfall_split(layout::areas(buf.area, View::Timeline, 3).tree);
    keys(&mut app, [Action::Click(bars.x, bars.y)]);
    assert_eq!(app.scrub, 0, "a click at the left edge scrubs to the start");
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
    let y = row_of(&buf, "claude-code-turn (5 scopes)");
    let x = col_of(&buf, y, "claude-code-turn");
    assert_eq!(buf[(x, y)].fg, Color::Red);
    keys(&mut app, [Action::CloseOverlay]);
    assert!(!text(&draw(&mut app, 120, 40)).contains("Run diff"));
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
    keys(&mut app, [Action::Top, Action::CollapseOthers]);
    let screen = text(&draw(&mut app, 120, 40));
    assert!(
        screen.contains("▸ ◆ claude-code-turn") && !screen.contains("Read"),
        "{screen}"
    );
    keys(&mut app, [Action::ExpandAll]);
    keys(&mut app, std::iter::repeat_n(Action::Down, 3)); // root, turn, llm, llm.chunk
    keys(&mut app, [Action::CollapseOthers]);
    let screen = text(&draw(&mut app, 120, 40));
    assert!(
        screen.contains("◦ llm.chunk") && screen.contains("▾ ◆ claude-code-turn"),
        "{screen}"
    );
}

#[test]
fn timeline_marks_the_critical_path_and_jumps_to_the_longest_gap() {
    let mut app = open(ATOF);
    while app.focus != Pane::Runs {
        keys(&mut app, [Action::FocusNext]);
    }
    keys(&mut app, [Action::Down, Action::ShowView(View::Timeline)]);
    let buf = draw(&mut app, 120, 40);
    // Two parallel searches: the one that ended last (2.9 s) is solid, the other shaded.
    let bar = |needle: &str| {
        let y = row_of(&buf, needle);
        (0..buf.area.width)
            .map(|x| buf[(x, y)].symbol().to_owned())
            .collect::<String>()
    };
    assert!(bar("2.900s").contains('█') && !bar("2.900s").contains('▒'));
    assert!(bar("1.300s").contains('▒') && !bar("1.300s").contains('█'));

    // harn session A: leaves 0–3.4, 3.5–3.62, 3.5–3.8, 4.0–6.1 in 0–6.3 s. Gaps 3.4–3.5,
    // 3.8–4.0, 6.1–6.3; the earliest of the two longest is 3.8–4.0: work stopped when the
    // failed search ended.
    let mut app = open(HARN);
    keys(
        &mut app,
        [Action::ShowView(View::Timeline), Action::JumpLongestGap],
    );
    let screen = text(&draw(&mut app, 120, 40));
    assert!(screen.contains("end of search at +3.800s"), "{screen}");
}

#[test]
fn percentile_and_slow_call_jumps() {
    // claude-sonnet-4-5 in the sample: LLM1 took 3.0 s, LLM2 2.8 s. From LLM1, P goes to the
    // p50 call (LLM2), then to the p95 call (LLM1).
    let mut app = open(ATOF);
    keys(
        &mut app,
        [Action::Down, Action::Down, Action::JumpPercentile],
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
fn tokens_view_lists_the_critical_path_and_context_growth() {
    let mut app = open(ATOF);
    while app.focus != Pane::Runs {
        keys(&mut app, [Action::FocusNext]);
    }
    keys(&mut app, [Action::Down, Action::ShowView(View::Tokens)]);
    let screen = text(&draw(&mut app, 120, 40));
    // research-agent: 6.1 s path; the failed search holds 2.9 s = 48% of it; the gpt-4.1-mini
    // call 0.8 s = 13% of the time and 1720 of 2628 tokens = 65%.
    assert!(screen.contains("Critical path · run · 6.100s"), "{screen}");
    assert!(
        screen.contains("2.900s  48% time   0% tok web_search · tool"),
        "{screen}"
    );
    assert!(
        screen.contains("800ms  13% time  65% tok openai.chat_completions"),
        "{screen}"
    );
    // Two LLM calls with 812 and 1500 input tokens.
    assert!(screen.contains("Context growth · peak 1.5k in"), "{screen}");
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

/// Every node of odd inputs (placeholders, end-only scopes, loose marks, cycles, duplicate
/// ids, unknown categories, errors) selected in turn and drawn in every view, at a normal and a
/// tiny size: nothing in the views may panic on what the model accepts.
#[test]
fn every_node_of_odd_inputs_draws_in_every_view() {
    let mut hostile = String::new();
    for (i, line) in [
        r#"{"kind":"scope","scope_category":"end","uuid":"e1","parent_uuid":"p0","timestamp":5,"name":"end first","category":"tool"}"#,
        r#"{"kind":"scope","scope_category":"start","uuid":"e1","parent_uuid":"p0","timestamp":9,"name":"late start","category":"tool"}"#,
        r#"{"kind":"scope","scope_category":"start","uuid":"c1","parent_uuid":"c2","timestamp":1,"name":"cycle a","category":"weird"}"#,
        r#"{"kind":"scope","scope_category":"start","uuid":"c2","parent_uuid":"c1","timestamp":2,"name":"cycle b","category":"llm"}"#,
        r#"{"kind":"scope","scope_category":"start","uuid":"d","timestamp":3,"name":"dup"}"#,
        r#"{"kind":"scope","scope_category":"start","uuid":"d","timestamp":4,"name":"dup again"}"#,
        r#"{"kind":"scope","scope_category":"end","uuid":"d","timestamp":2,"name":"dup","status":"error"}"#,
        r#"{"kind":"mark","uuid":"m","parent_uuid":"nowhere","timestamp":7,"name":"loose"}"#,
        r#"{"kind":"mark","uuid":"m2","parent_uuid":"d","name":"no time"}"#,
        r#"{"kind":"scope","scope_category":"end","uuid":"z","timestamp":-9223372036854775808,"name":"min time","category":"llm","data":{"usage":{"prompt_tokens":18446744073709551615}}}"#,
    ]
    .iter()
    .enumerate()
    {
        hostile.push_str(line);
        hostile.push_str(if i % 2 == 0 { "\r\n" } else { "\n" });
    }
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join("hostile.jsonl");
    std::fs::write(&odd, hostile).unwrap();
    for file in [
        odd,
        PathBuf::from("tests/fixtures/atof-odd.jsonl"),
        PathBuf::from("tests/fixtures/analysis.jsonl"),
    ] {
        let (trace, formats) =
            trace_ingest::files::load(std::slice::from_ref(&file), None, &mut |_| {}).unwrap();
        let runs = trace.runs().count();
        let nodes = trace.node_count();
        let mut app = App::new(trace, formats, "odd", false);
        for run in 0..runs {
            app.focus = Pane::Runs;
            keys(&mut app, [Action::Top]);
            keys(&mut app, (0..run).map(|_| Action::Down));
            // Scrub through the run from its first event to past its last.
            keys(
                &mut app,
                [Action::ShowView(View::Timeline), Action::ScrubStart],
            );
            for _ in 0..40 {
                keys(&mut app, [Action::ScrubBy(1)]);
                draw(&mut app, 120, 40);
            }
            keys(
                &mut app,
                [Action::ScrubEnd, Action::ShowView(View::Explorer)],
            );
            app.focus = Pane::Tree;
            keys(&mut app, [Action::Top, Action::ExpandAll]);
            for _ in 0..nodes.min(200) {
                for view in [View::Explorer, View::Timeline, View::Tokens] {
                    keys(&mut app, [Action::ShowView(view)]);
                    for (w, h) in [(120, 40), (40, 10)] {
                        draw(&mut app, w, h);
                    }
                }
                keys(&mut app, [Action::ShowView(View::Explorer), Action::Down]);
            }
        }
    }
}
