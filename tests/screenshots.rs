//! `screenshots/*.svg` come from the real drawing code on the bundled sample. This test fails
//! when they are out of date; regenerate with:
//!
//! ```sh
//! UPDATE_SCREENSHOTS=1 cargo test --test screenshots
//! ```

use std::path::{Path, PathBuf};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use trace_tui::app::{Action, App, View, update};

fn shot(name: &str, actions: Vec<Action>) {
    let path = "assets/atof/agent-session.jsonl";
    let (trace, formats) =
        trace_ingest::files::load(&[PathBuf::from(path)], None, &mut |_| {}).unwrap();
    let mut app = App::new(trace, formats, "agent-session.jsonl", false);
    update(&mut app, Action::Resize(120, 40));
    for a in actions {
        update(&mut app, a);
    }
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    term.draw(|f| trace_tui::ui::render(f, &app)).unwrap();
    let svg = trace_tui::ui::svg::buffer_to_svg(term.backend().buffer());
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
