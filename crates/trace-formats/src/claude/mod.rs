//! Claude Code session transcripts (`~/.claude/projects/<dir>/<session>.jsonl` and
//! `<session>/subagents/agent-<id>.jsonl`), FORMATS.md §5.1.
//!
//! Tree: the session (or sub-agent) is the run's container root; a turn opens at each user
//! prompt; an LLM call groups the `assistant` lines of one `message.id`; tool calls pair
//! `tool_use.id` with `tool_result.tool_use_id`. Tool calls hang under the turn, beside the
//! LLM call that asked for them: the tool runs after the call has ended, so under the call it
//! would stick out of its parent's span, and a sub-agent's tokens would add into the
//! requesting call's subtree. The `tool_call_id` still names the request.
//!
//! One API response is written as several lines (one content block each) whose usage grows:
//! the message is counted once with the usage of its LAST line. That line is only known when
//! a later record arrives, so the message's end is held until the next message, the next
//! prompt, an interrupt, the turn's `turn_duration` line, or [`Reader::finish`]. While
//! following, a file quiet for a second shows the held message as ended ([`Reader::quiet`]),
//! as a settling end: a later line of the same message ends it again, with its usage.
//!
//! A sub-agent file's root is `claude:<session>:agent:<agentId>`. Its Task call's result in
//! the parent session carries `toolUseResult.agentId`: the parent's reader then emits the End
//! of that same id under the Task tool, which nests the sub-agent's run there when both files
//! are loaded. Loaded alone, a sub-agent file is a run of its own.

mod line;
mod prune;
#[cfg(test)]
mod tests;

use std::borrow::Cow;

use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::{Map, Value};

use crate::{Claim, Format};
use trace_model::event::{Category, Event, EventKind, SourceRef, Tokens};

pub use line::{ClaudeLine, ClaudeReader};

/// An LLM call whose last line may still be to come.
#[derive(Debug)]
struct Held {
    /// The message id (`message.id`, or the line when it has none).
    key: String,
    /// The scope id.
    id: String,
    parent: String,
    model: Option<String>,
    end_us: Option<i64>,
    tokens: Option<Tokens>,
    src: SourceRef,
    /// Shown already while following ([`Reader::quiet`]): its final end settles it again.
    shown: bool,
}

/// The end of a held LLM call; a settling one once it was shown while following, so that
/// each end after the first updates the call (its time, usage and model) instead of adding
/// a second one.
fn held_end(h: &Held) -> Event<'static> {
    let mut e = crate::event_at(EventKind::End, h.id.clone(), Cow::Borrowed("llm"), h.end_us);
    e.parent = Some(Cow::Owned(h.parent.clone()));
    e.category = Some(Category::Llm);
    e.model = h.model.clone().map(Cow::Owned);
    e.tokens = h.tokens;
    e.src = h.src;
    e.settles = h.shown.then_some(true);
    e
}

/// Reader state for one transcript file.
#[derive(Debug, Default)]
struct State {
    /// Root scope id, once a line named the session.
    root: Option<String>,
    session: String,
    /// The open turn's scope id.
    turn: Option<String>,
    turns: u64,
    held: Option<Held>,
    /// Message ids already closed (a message's lines never come back after another's).
    done: FxHashSet<String>,
    /// Open tool calls: `tool_use.id` -> scope id.
    tools: FxHashMap<String, String>,
    /// Time of the latest line, and of the latest user line (what a request was sent after).
    last_us: Option<i64>,
    asked_us: Option<i64>,
    marks: u64,
}

/// Entry types Claude Code writes (FORMATS.md §5.1); unknown ones are skipped.
pub(super) const TYPES: &[&str] = &[
    "user",
    "assistant",
    "system",
    "summary",
    "progress",
    "file-history-snapshot",
    "queue-operation",
    "last-prompt",
    "custom-title",
    "tag",
    "turn_end",
    "attachment",
];

/// Rule 8 of FORMATS.md §0.1: a known entry type with a session key; strong when the line
/// also carries the conversation links `uuid` + `parentUuid`.
fn sniff_line(o: &Map<String, Value>) -> Claim {
    let Some(kind) = o.get("type").and_then(Value::as_str) else {
        return Claim::No;
    };
    if !TYPES.contains(&kind) || o.contains_key("payload") {
        return Claim::No;
    }
    let session = o.get("sessionId").is_some_and(Value::is_string);
    if !(session || o.contains_key("leafUuid") || o.contains_key("messageId")) {
        return Claim::No;
    }
    if session && o.contains_key("uuid") && o.contains_key("parentUuid") {
        Claim::Strong
    } else {
        Claim::Weak
    }
}

/// Claude Code in the registry.
pub static DIALECT: crate::Dialect = crate::Dialect {
    format: Format::Claude,
    name: "claude",
    line_based: true,
    line: sniff_line,
    document: crate::dialect::never,
    partial_document: crate::dialect::never,
    file_name: |_| false,
    reader: || Box::new(ClaudeReader::default()),
};
