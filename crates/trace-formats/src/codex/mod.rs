//! OpenAI Codex CLI rollouts (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`), FORMATS.md §5.2.
//!
//! Each line is `{timestamp, type, payload}`. `session_meta` opens the run (a container root
//! named after the session id); a turn is `task_started` … `task_complete` / `turn_aborted`
//! (rollouts without task events: from one `turn_context` to the next); `turn_context` gives
//! the model. Tool calls pair `function_call` / `custom_tool_call` / `local_shell_call` with
//! their outputs by `call_id` and hang under the turn.
//!
//! Rollouts have no per-call record: a model call is synthesized at every `token_count` event
//! whose `total_token_usage` CHANGED (repeats are refreshes), with the tokens of
//! `last_token_usage` (OpenAI semantics: input includes cached, output includes reasoning). It
//! starts at the latest record that was an input to the model (the turn's start, a user
//! message, a tool output, the previous call's end; not the `event_msg` reports to the user
//! interface such as `exec_command_end`) and ends at the `token_count` time.
//!
//! A command still running when its output is written ("Process running with session ID")
//! ends at its `exec_command_end`, whose non-zero `exit_code` marks the tool failed; older
//! outputs carry `metadata.exit_code`. `event_msg` `error` is an error mark and `turn_aborted`
//! ends the turn in error. The legacy pre-envelope format (bare items after an
//! `{id, timestamp, instructions}` header, `record_type` separators) is read best effort.

mod prune;
mod read;
#[cfg(test)]
mod tests;
mod tools;

use serde_json::{Map, Value};

use crate::usage::count;
use crate::{Claim, Format};
use trace_model::event::Tokens;

pub use read::{CodexLine, CodexReader};

/// OpenAI-style usage (`TokenUsage`) as normalized tokens.
fn tokens(u: &Value) -> Option<Tokens> {
    let u = u.as_object()?;
    let get = |k: &str| u.get(k).and_then(count);
    let t = Tokens {
        input: get("input_tokens"),
        output: get("output_tokens"),
        total: get("total_tokens"),
        cache_read: get("cached_input_tokens"),
        cache_write: get("cache_write_input_tokens"),
        cache_write_1h: None,
        reasoning: get("reasoning_output_tokens"),
    };
    if t.is_empty() {
        return None;
    }
    Some(Tokens {
        total: t
            .total
            .or_else(|| Some(t.input.unwrap_or(0).saturating_add(t.output.unwrap_or(0)))),
        ..t
    })
}

/// `a - b` field by field, for a call whose `last_token_usage` is missing.
fn diff(a: &Value, b: Option<&Value>) -> Option<Tokens> {
    let now = tokens(a)?;
    let Some(before) = b.and_then(tokens) else {
        return Some(now);
    };
    let sub = |x: Option<u64>, y: Option<u64>| match (x, y) {
        (Some(x), y) => x.checked_sub(y.unwrap_or(0)),
        (None, _) => None,
    };
    Some(Tokens {
        input: sub(now.input, before.input),
        output: sub(now.output, before.output),
        total: sub(now.total, before.total),
        cache_read: sub(now.cache_read, before.cache_read),
        cache_write: sub(now.cache_write, before.cache_write),
        cache_write_1h: None,
        reasoning: sub(now.reasoning, before.reasoning),
    })
}

/// Envelope item types (rule 7 of FORMATS.md §0.1).
const TYPES: &[&str] = &[
    "session_meta",
    "response_item",
    "event_msg",
    "turn_context",
    "compacted",
];

/// Rule 7: an envelope type with an object `payload` is Codex's own signal. Rule 7': a legacy
/// `record_type` separator is too; a bare `{id, timestamp, instructions|git}` header only
/// weakly.
fn sniff_line(o: &Map<String, Value>) -> Claim {
    let kind = o.get("type").and_then(Value::as_str);
    if kind.is_some_and(|k| TYPES.contains(&k)) && o.get("payload").is_some_and(Value::is_object) {
        return Claim::Strong;
    }
    if kind.is_none() && o.get("record_type").is_some_and(Value::is_string) {
        return Claim::Strong;
    }
    let header = kind.is_none()
        && o.get("id").is_some_and(Value::is_string)
        && o.get("timestamp").is_some_and(Value::is_string)
        && (o.contains_key("instructions") || o.contains_key("git"));
    if header { Claim::Weak } else { Claim::No }
}

/// Codex in the registry.
pub static DIALECT: crate::Dialect = crate::Dialect {
    format: Format::Codex,
    name: "codex",
    line_based: true,
    line: sniff_line,
    document: crate::dialect::never,
    partial_document: crate::dialect::never,
    file_name: |name| name.starts_with("rollout-"),
    reader: || Box::new(CodexReader::default()),
};
