//! `screenshots/*.svg` come from the real drawing code on the bundled sample. This test fails
//! when they are out of date; regenerate with:
//!
//! ```sh
//! UPDATE_SCREENSHOTS=1 cargo test --test screenshots
//! ```

mod common;

use std::path::Path;

use trace_tui::app::{Action, View, update};

use common::{ATOF, keys, open, render};

fn shot(name: &str, actions: Vec<Action>) {
    let mut app = open(ATOF);
    update(&mut app, Action::Resize(120, 40));
    keys(&mut app, actions);
    let svg = trace_tui::ui::svg::buffer_to_svg(&render(&app, 120, 40));
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("screenshots")
        .join(format!("{name}.svg"));
    if std::env::var_os("UPDATE_SCREENSHOTS").is_some() {
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, &svg).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&file).unwrap_or_default();
    assert!(
        committed == svg,
        "{} is out of date: run `UPDATE_SCREENSHOTS=1 cargo test --test screenshots`",
        file.display()
    );
}

#[test]
fn screenshots_are_current() {
    // The failed-run story: `e` from the runs opens the first failed run's timeline at the
    // failing event, with the scopes open at that instant...
    shot("timeline", vec![Action::NextError]);
    // ...the explorer shows the same error in its tree and detail...
    shot(
        "explorer",
        vec![Action::NextError, Action::ShowView(View::Explorer)],
    );
    // ...and the run's calls in the tokens view, sorted by latency (research-agent: parallel
    // searches, a failure, two models — the richest run of the sample).
    let mut sort = vec![
        Action::NextError,
        Action::ShowView(View::Tokens),
        Action::FocusNext,
    ];
    sort.extend(std::iter::repeat_n(Action::CycleSort, 6));
    shot("tokens", sort);
}
