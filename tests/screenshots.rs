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
    shot(
        "explorer",
        vec![
            Action::FocusPrev,
            Action::Down,
            Action::Toggle,
            Action::NextError,
        ],
    );
    shot(
        "timeline",
        vec![
            Action::ShowView(View::Timeline),
            Action::ScrubStart,
            Action::ScrubBy(6),
        ],
    );
    // research-agent: parallel searches, a failure, two models — the richest run of the sample.
    shot("tokens", vec![Action::ShowView(View::Tokens), Action::Down]);
}
