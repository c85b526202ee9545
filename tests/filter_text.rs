//! `text~S`: a filter term over what the records say, not just names (#15.9). The records
//! stay on disk; the runs list, the tree marks and the per-call table read them. Answers
//! counted with grep over assets/atof/agent-session.jsonl: "search backend" is in one record
//! (line 20, research-agent's web_search end); "src/parse.rs" in records of five scopes of
//! claude-code (the turn, two anthropic.messages calls, Read, Grep), four of them calls.

mod common;

use trace_model::filter::Filter;
use trace_tui::app::{Action, App, Pane, View, update};

const FILE: &str = "assets/atof/agent-session.jsonl";

fn filter(app: &mut App, expr: &str) {
    update(app, Action::FilterStart);
    // The prompt opens on the filter in force: clear it first.
    for _ in 0..app.search.input.chars().count() {
        update(app, Action::SearchBackspace);
    }
    for c in expr.chars() {
        update(app, Action::SearchChar(c));
    }
    update(app, Action::SearchSubmit);
}

fn run_names(app: &App) -> Vec<String> {
    app.runs
        .rows
        .iter()
        .map(|&r| app.trace.str(app.trace.node(r).name).to_owned())
        .collect()
}

#[test]
fn text_term_parses_and_prints_back() {
    let f = Filter::parse(r#"text~"Search Backend" -payload~x"#).unwrap();
    assert!(f.reads_records());
    assert_eq!(f.to_string(), r#"text~"search backend" -text~x"#);
    assert!(!Filter::parse("name~x").unwrap().reads_records());
    let e = Filter::parse("model~x").unwrap_err();
    assert!(e.message.contains("text~"), "{e}");
}

#[test]
fn runs_are_kept_by_what_their_records_say() {
    let mut app = common::open(FILE);
    assert_eq!(app.runs.rows.len(), 3);
    filter(&mut app, r#"text~"search backend""#);
    assert_eq!(run_names(&app), ["research-agent"]);
    filter(&mut app, "-text~src/parse.rs");
    // A run matches when some node matches: claude-code's root record does not name the file.
    assert_eq!(run_names(&app), ["claude-code", "research-agent", "codex"]);
    // Without the records (the model alone) the term matches nothing.
    let f = Filter::parse("text~src/parse.rs").unwrap();
    assert!(app.trace.runs().all(|r| !f.matches_run(&app.trace, r)));
}

#[test]
fn tree_marks_and_calls_follow_the_records() {
    let mut app = common::open(FILE);
    filter(&mut app, "text~src/parse.rs");
    assert_eq!(run_names(&app), ["claude-code"]);
    let rc = app.run.as_ref().unwrap();
    let f = app.filter.clone().unwrap();
    let marked: Vec<&str> = rc
        .order
        .iter()
        .filter(|&&id| f.matches_node_with(&app.trace, id, &app.text_hits))
        .map(|&id| app.trace.str(app.trace.node(id).name))
        .collect();
    assert_eq!(
        marked,
        [
            "turn 1 · Fix the failing test in src/parse.rs",
            "anthropic.messages",
            "Read",
            "Grep",
            "anthropic.messages"
        ]
    );
    update(&mut app, Action::ShowView(View::Tokens));
    app.focus = Pane::Calls;
    let calls: Vec<String> = app
        .calls
        .rows
        .iter()
        .map(|&r| {
            trace_tui::app::CallRow::compute(&app.trace, r)
                .name(&app.trace)
                .into_owned()
        })
        .collect();
    assert_eq!(calls.len(), 4, "{calls:?}");
    assert!(
        calls
            .iter()
            .all(|c| ["anthropic.messages", "Read", "Grep"].contains(&c.as_str()))
    );
}
