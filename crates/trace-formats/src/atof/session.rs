//! Claude Code sessions through the Relay CLI (`nemo-relay run --agent claude`, #16.1).
//!
//! Relay writes each Claude Code turn as a root scope (`claude-code-turn`, `metadata`
//! `nemo_relay_scope_role: "turn"`, `session_id`, `turn_index`, the prompt as `data.prompt`)
//! and the session's own hooks as marks (`session.start`, with `session_id` and `agent_kind`),
//! but no scope for the session. The reader adds one: a synthetic container root
//! `session:<session_id>` opened the first time a reader meets the session (each reader of a
//! parallel load may open it again: the start is an `Event::grouping` one, which the model
//! keeps once, and which names the turn's parent instead when that is a scope of the file, as
//! when a producer writes the session scope itself), with the turns (named
//! `turn N · <prompt head>`) and the session marks under it. Without a `session.end` mark it
//! never ends: its status comes from its turns.

use std::borrow::Cow;

use rustc_hash::FxHashSet;
use serde_json::Value;

use super::probe::{Lv, MetaProbe};
use trace_model::event::{Category, Event, EventKind};

/// The agent whose Relay turns carry no session scope (hook-observed).
const AGENT: &str = "claude-code";
/// How much of the prompt a turn's name shows.
const PROMPT_HEAD: usize = 40;

fn str_of<'v>(v: Option<&'v Lv<'_>>) -> Option<&'v str> {
    v.and_then(Lv::as_str).filter(|s| !s.is_empty())
}

/// Regroups `ev` under its Claude Code session, emitting the session's start first when this
/// reader has not seen it (`seen`). `prompt` is the turn start's `data.prompt`. Returns the
/// session end to emit after `ev` when `ev` is the session's end mark.
pub(super) fn group<'a>(
    seen: &mut FxHashSet<String>,
    ev: &mut Event<'a>,
    meta: Option<&MetaProbe<'_>>,
    prompt: Option<&str>,
    out: &mut dyn FnMut(Event<'_>),
) -> Option<Event<'static>> {
    let m = meta?;
    let sid = str_of(m.session_id.as_ref())?;
    let agent = str_of(m.agent_kind.as_ref());
    let role = str_of(m.nemo_relay_scope_role.as_ref());
    if agent != Some(AGENT) {
        return None;
    }
    let turn = ev.kind != EventKind::Mark && role == Some("turn");
    // The session's own hook marks carry the agent kind; marks inside a turn do not.
    let session_mark = ev.kind == EventKind::Mark && agent.is_some() && role.is_none();
    if !turn && !session_mark {
        return None;
    }
    let root = format!("session:{sid}");
    if !seen.contains(sid) {
        seen.insert(sid.to_owned());
        let short: String = sid.chars().take(8).collect();
        let mut s = Event::new(
            EventKind::Start,
            root.clone(),
            format!("{AGENT} session {short}"),
        );
        s.parent.clone_from(&ev.parent);
        s.ts_us = ev.ts_us;
        s.category = Some(Category::Agent);
        s.container = true;
        s.grouping = true;
        s.src = ev.src;
        out(s);
    }
    if turn {
        let index = m.turn_index.as_ref().and_then(|v| match v {
            Lv::Str(s) => Some(s.to_string()),
            Lv::Other(Value::Number(n)) => Some(n.to_string()),
            Lv::Other(_) => None,
        });
        ev.name = Cow::Owned(turn_name(index.as_deref(), prompt));
    }
    ev.parent = Some(Cow::Owned(root.clone()));
    if session_mark && matches!(&*ev.name, "session.end" | "session_end") {
        let mut end = Event::new(EventKind::End, root, "");
        end.ts_us = ev.ts_us;
        end.category = Some(Category::Agent);
        end.container = true;
        end.grouping = true;
        end.src = ev.src;
        return Some(end);
    }
    None
}

/// `turn N · <the prompt's first words>`: whitespace runs made one space, control characters
/// dropped, cut at [`PROMPT_HEAD`] characters.
fn turn_name(index: Option<&str>, prompt: Option<&str>) -> String {
    let mut name = match index {
        Some(i) => format!("turn {}", i.chars().take(12).collect::<String>()),
        None => "turn".to_owned(),
    };
    let Some(p) = prompt else { return name };
    let words: Vec<&str> = p.split_whitespace().collect();
    let flat: String = words
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    if flat.is_empty() {
        return name;
    }
    name.push_str(" · ");
    if flat.chars().count() > PROMPT_HEAD {
        name.extend(flat.chars().take(PROMPT_HEAD - 1));
        name.push('…');
    } else {
        name.push_str(&flat);
    }
    name
}

#[cfg(test)]
mod tests {
    use super::turn_name;

    #[test]
    fn turn_names() {
        assert_eq!(turn_name(Some("0"), None), "turn 0");
        assert_eq!(
            turn_name(Some("2"), Some("  Run the\nwhole\tsuite ")),
            "turn 2 · Run the whole suite"
        );
        let long = turn_name(
            Some("0"),
            Some("Fix the failing test in src/parse.rs and explain the cause"),
        );
        assert_eq!(long, "turn 0 · Fix the failing test in src/parse.rs an…");
        assert_eq!(turn_name(None, Some("\u{1b}[31m")), "turn · [31m");
    }
}
