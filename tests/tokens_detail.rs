//! The detail pane of an LLM call shows input with its cached part and the cache split, in
//! the one token meaning (input = all prompt tokens, cached included).

mod common;

use common::{ATOF, draw, keys, open, text};
use trace_tui::app::Action;

#[test]
fn detail_pane_shows_input_with_its_cached_part() {
    let mut app = open(ATOF);
    // Run root → turn → the first Anthropic call (9 uncached + 21480 read + 640 written).
    keys(&mut app, [Action::FocusNext, Action::Down, Action::Down]);
    let screen = text(&draw(&mut app, 120, 40));
    let line = screen
        .lines()
        .find(|l| l.contains("tokens     in"))
        .unwrap_or_else(|| panic!("no tokens line:\n{screen}"));
    assert!(line.contains("in 22.1k (22.1k cached) · out 74"), "{line}");
}
