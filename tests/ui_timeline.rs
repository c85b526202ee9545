//! The timeline and tokens views on a `TestBackend`: what the scrubber shows, the critical
//! path and the longest idle gap, the tokens and latency figures; and every node of odd inputs
//! drawn in every view.

mod common;

use std::path::PathBuf;

use trace_model::query::Phase;
use trace_tui::app::{Action, App, Pane, View};

use common::{ANALYSIS, ATOF, ATOF_ODD, HARN_A, draw, keys, open, row_of, text};

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
            ("turn 1 · Fix the failing test in src/parse.rs", Open),
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
            ("turn 1 · Fix the failing test in src/parse.rs", Open),
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
    let mut app = open(HARN_A);
    keys(
        &mut app,
        [Action::ShowView(View::Timeline), Action::JumpLongestGap],
    );
    let screen = text(&draw(&mut app, 120, 40));
    assert!(screen.contains("at +3.800s: search ended"), "{screen}");
}

#[test]
fn tokens_view_lists_the_critical_path_and_context_growth() {
    let mut app = open(ATOF);
    while app.focus != Pane::Runs {
        keys(&mut app, [Action::FocusNext]);
    }
    keys(&mut app, [Action::Down, Action::ShowView(View::Tokens)]);
    // The figures row shows every pane from 150 columns.
    let screen = text(&draw(&mut app, 160, 40));
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
    for file in [odd, PathBuf::from(ATOF_ODD), PathBuf::from(ANALYSIS)] {
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
