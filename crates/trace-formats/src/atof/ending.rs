//! How a Relay scope ended when it did not simply finish: the Relay CLI closes a tool or turn
//! that was still running at a lifecycle boundary and says so.
//!
//! Relay 0.10.4 (`nemo-relay-cli-bin`, `crates/cli/src/sessions/tool_completion.rs`) writes on
//! such an end `metadata.tool_completion_outcome` (seen values: `incomplete`, `interrupted`,
//! `unknown`, `error`), `metadata.tool_completion_source` (`lifecycle`, `gateway_request`),
//! `metadata.tool_completion_timing` (`upper_bound`: the end time is only a bound), and the
//! closing reason as `data.status` / `metadata.status` (`closed_by_agent_end`,
//! `closed_by_turn_end`, `superseded_by_next_turn`, `idle_timeout`, shutdown reasons).

use std::borrow::Cow;

use trace_model::event::Failure;

use super::probe::{DataProbe, Lv, MetaProbe};

/// What kind of scope ended, for reading its closing reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// A tool, a call, anything doing work.
    Call,
    /// An agent scope (a session, a sub-agent).
    Agent,
    /// A Relay CLI turn (`nemo_relay_scope_role: "turn"`, category `agent` or `custom`);
    /// `implicit` when no prompt opened it (`turn_source: "implicit"`: a compaction).
    Turn { implicit: bool },
}

/// Closing reasons the Relay CLI writes for a scope it closed itself. A turn or session
/// closed by the end of its own turn or agent ended normally; so did an implicit turn (a
/// compaction) closed by the next turn; a tool or call closed that way was still running, and
/// a prompted turn closed by the next one never saw its `Stop` (it was interrupted).
fn is_lifecycle_close(s: &str, scope: Scope) -> bool {
    if scope != Scope::Call && matches!(s, "closed_by_turn_end" | "closed_by_agent_end") {
        return false;
    }
    if scope == (Scope::Turn { implicit: true }) && s == "superseded_by_next_turn" {
        return false;
    }
    s.starts_with("closed_by_")
        || s.starts_with("superseded_by_")
        || s.starts_with("shutdown")
        || s == "idle_timeout"
}

fn word<'v>(v: Option<&'v Lv<'_>>) -> Option<&'v str> {
    v.and_then(Lv::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Turns an end that said it did not finish into [`Failure::Incomplete`] (an error stays an
/// error); an outcome `error`/`failed` without other error sign becomes an error.
pub(crate) fn refine<'a>(
    f: Failure<'a>,
    d: &DataProbe<'_>,
    meta: &MetaProbe<'_>,
    scope: Scope,
) -> Failure<'a> {
    if f.is_error() {
        return f;
    }
    let reason = word(meta.status.as_ref())
        .or_else(|| word(d.status.as_ref()))
        .filter(|s| is_lifecycle_close(s, scope));
    let outcome = word(meta.tool_completion_outcome.as_ref()).map(str::to_ascii_lowercase);
    let text = |o: &str| reason.map_or_else(|| o.to_owned(), |r| format!("{o}: {r}"));
    match outcome.as_deref() {
        Some("complete" | "completed" | "ok" | "success" | "succeeded") => f,
        Some("error" | "failed" | "failure") => Failure::Error(Cow::Owned(text("failed"))),
        Some("incomplete" | "interrupted" | "cancelled" | "canceled" | "unknown") => {
            Failure::Incomplete(Cow::Owned(text(outcome.as_deref().unwrap_or_default())))
        }
        Some(other) => Failure::Incomplete(Cow::Owned(text(other))),
        None => reason.map_or(f, |r| Failure::Incomplete(Cow::Owned(r.to_owned()))),
    }
}
