//! Which event names a scope: its start always; an end only a scope that has no name yet
//! (it arrived first, was only referenced as a parent, or started without a name). An end's
//! name is interned only then (`Trace::apply`).

use trace_model::Trace;
use trace_model::event::{Event, EventKind};

fn ev(kind: EventKind, id: &'static str, name: &'static str) -> Event<'static> {
    Event::new(kind, id, name)
}

fn name_of(t: &Trace, id: &str) -> String {
    let n = t.lookup(id).expect("scope");
    t.str(t.node(n).name).to_owned()
}

#[test]
fn an_end_names_only_a_scope_without_a_name() {
    use EventKind::{End, Start};
    let mut t = Trace::new();
    // An end does not rename its scope.
    t.apply(&ev(Start, "a", "plan"));
    t.apply(&ev(End, "a", "a-end"));
    // An end that comes first names the scope; its start renames it.
    t.apply(&ev(End, "b", "late"));
    let late = name_of(&t, "b");
    t.apply(&ev(Start, "b", "early"));
    // A parent known only from its child is named by its end.
    let mut child = ev(Start, "c1", "child");
    child.parent = Some("p".into());
    t.apply(&child);
    t.apply(&ev(End, "p", "parent"));
    // A start without a name leaves the end to name it.
    t.apply(&ev(Start, "d", ""));
    t.apply(&ev(End, "d", "named"));
    let got: Vec<String> = ["a", "b", "c1", "p", "d"]
        .iter()
        .map(|id| name_of(&t, id))
        .collect();
    assert_eq!(late, "late");
    assert_eq!(got, ["plan", "early", "child", "parent", "named"]);
}
