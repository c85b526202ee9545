//! harn persisted agent-event reader (`event_log-<session>.jsonl` and rotated parts, plus the
//! generalized topic-record variant `{"id", "event": {"kind", "payload": {"event"}}}`).
//!
//! harn has no parent pointers, so the reader rebuilds scopes: a session is a container root,
//! `iteration_start`/`iteration_end` (`turn_*` before 0.8) bracket an iteration, the model
//! round-trip inside it becomes a synthetic LLM call timed by `response_ms` and carrying
//! `iteration_info` tokens, and `tool_call` + terminal `tool_call_update` pair into a tool call.
//! Every other event type is a mark under the open iteration. harn's LLM transcript
//! (`llm_transcript.jsonl`, topic `agent.transcript.llm`) is read too: see [`transcript`].

use std::borrow::Cow;

use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::Value;

mod failure;
mod line;
mod transcript;

use super::usage::{Semantics, count, error_text, tokens_from_usage, tokens_from_usage_as};
use super::{Format, ParseError, Reader};
use crate::scalar::Scalar;
use failure::terminal_failure;
use line::Envelope;
pub use line::HarnLine;
use trace_model::event::{Category, Event, EventKind, Failure, SourceRef};

#[derive(Debug, Default)]
struct Session {
    /// The open iteration: its number and start time.
    iteration: Option<(u64, Option<i64>, Option<String>)>,
    open_tools: FxHashSet<String>,
    /// How many times each tool-call id has started: harn reuses ids per iteration
    /// (`tool-mock_call_1`), so a later use is a new call, not a duplicate.
    tool_uses: rustc_hash::FxHashMap<String, u32>,
    /// Iterations seen: a transcript call names one to sit under.
    iterations: FxHashSet<u64>,
    /// Iterations whose `iteration_info` already gave their LLM call (and tokens).
    counted: FxHashSet<u64>,
}

/// Reads harn event logs; one reader spans a session's rotated parts (and an LLM transcript
/// loaded with them).
#[derive(Debug, Default)]
pub struct HarnReader {
    sessions: FxHashMap<String, Session>,
    /// Transcript `provider_call_request` times by `call_id`, until the response.
    requests: FxHashMap<String, i64>,
    /// A transcript read with no session has its own root; emitted once.
    transcript_root: bool,
    /// The line's session id, `harn:<session id>`, and the id its tool calls and marks sit
    /// under (the open iteration's, else the session's): written again for each line into
    /// buffers kept here, so no line allocates them and no session keeps them.
    root: String,
    scope: String,
    /// The line's tool-call id and mark name, written the same way.
    tool: String,
    mark: String,
}

/// `parts` appended to `out` (ids and names are built once per line on the applying thread,
/// where the formatting machinery was 4% of a harn load).
fn push_all(out: &mut String, parts: &[&str]) {
    for p in parts {
        out.push_str(p);
    }
}

/// `parts` followed by the number `n`.
fn joined(parts: &[&str], n: u64) -> String {
    let mut out = String::with_capacity(parts.iter().map(|p| p.len()).sum::<usize>() + 20);
    push_all(&mut out, parts);
    out.push_str(itoa::Buffer::new().format(n));
    out
}

/// Milliseconds (a JSON count) to microseconds, saturating instead of wrapping.
fn ms_to_us(ms: u64) -> i64 {
    i64::try_from(ms.saturating_mul(1000)).unwrap_or(i64::MAX)
}

fn as_str(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// [`as_str`] of a [`Scalar`] field.
fn scalar_str<'v>(v: Option<&'v Scalar<'_>>) -> Option<&'v str> {
    v.and_then(Scalar::as_str).filter(|s| !s.is_empty())
}

impl Reader for HarnReader {
    fn read(
        &mut self,
        record: &[u8],
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), ParseError> {
        crate::read_utf8(self, record, src, out)
    }

    fn read_text(
        &mut self,
        text: &str,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), ParseError> {
        // Parsed borrowed: only a staged load needs the line's strings owned.
        let kind = line::parse(text)?;
        self.step_kind(&kind, src, out)
    }
}

/// An event at the line's time and place.
fn stamped<'e>(
    kind: EventKind,
    id: impl Into<Cow<'e, str>>,
    name: impl Into<Cow<'e, str>>,
    ts: Option<i64>,
    src: SourceRef,
) -> Event<'e> {
    let mut e = Event::new(kind, id, name);
    e.ts_us = ts;
    e.src = src;
    e
}

impl HarnReader {
    fn read_event(
        &mut self,
        env: &Envelope<'_>,
        index: Option<u64>,
        ts: Option<i64>,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), ParseError> {
        let kind = env
            .kind
            .as_deref()
            .ok_or_else(|| ParseError::shape(Format::Harn, "missing `type`"))?;
        let sid = env.session_id.as_deref().unwrap_or("");
        let session_name = if sid.is_empty() { "harn session" } else { sid };
        self.root.clear();
        push_all(&mut self.root, &["harn:", sid]);
        let root = self.root.as_str();
        if !self.sessions.contains_key(sid) {
            let mut start = stamped(EventKind::Start, root, session_name, ts, src);
            // Not a container: a session is over only when a terminal event says so (an
            // open session of a file read once is incomplete; while following, running).
            start.category = Some(Category::Agent);
            out(start);
            self.sessions.insert(sid.to_owned(), Session::default());
        }
        let session = self.sessions.get_mut(sid).expect("inserted above");
        let iteration_id = |n: u64| joined(&[root, ":it:"], n);
        self.scope.clear();
        self.scope.push_str(root);
        if let Some((n, ..)) = &session.iteration {
            push_all(&mut self.scope, &[":it:", itoa::Buffer::new().format(*n)]);
        }
        let scope = self.scope.as_str();

        match kind {
            "iteration_start" | "turn_start" => {
                let n = env.iteration.as_ref().and_then(Scalar::count).unwrap_or(0);
                let model = scalar_str(env.model.as_ref()).map(str::to_owned);
                let id = iteration_id(n);
                let mut e = stamped(
                    EventKind::Start,
                    id.as_str(),
                    joined(&["iteration "], n),
                    ts,
                    src,
                );
                e.parent = Some(Cow::Borrowed(root));
                e.category = Some(Category::Other("iteration".into()));
                out(e);
                session.iteration = Some((n, ts, model));
                session.iterations.insert(n);
            }
            "iteration_end" | "turn_end" => {
                let n = env.iteration.as_ref().and_then(Scalar::count).unwrap_or(0);
                let open = session.iteration.take().filter(|(m, ..)| *m == n);
                let (start_ts, start_model) = open.map_or((None, None), |(_, t, m)| (t, m));
                let info = env.iteration_info.as_ref().or(env.turn_info.as_ref());
                let id = iteration_id(n);
                if let Some(info) = env.iteration_info.as_ref().filter(|i| i.is_object()) {
                    session.counted.insert(n);
                    let llm_id = joined(&[root, ":llm:"], n);
                    iteration_call(&llm_id, &id, info, (start_ts, start_model), ts, src, out);
                }
                let mut e = stamped(
                    EventKind::End,
                    id.as_str(),
                    joined(&["iteration "], n),
                    ts,
                    src,
                );
                e.parent = Some(Cow::Borrowed(root));
                e.category = Some(Category::Other("iteration".into()));
                if info.and_then(|i| i.get("failed")).and_then(Value::as_bool) == Some(true) {
                    e.failure = Failure::Error(Cow::Borrowed("turn failed"));
                }
                out(e);
            }
            "tool_call" | "tool_call_update" => {
                let call = env.tool_call_id.as_deref().unwrap_or("");
                let status = scalar_str(env.status.as_ref()).unwrap_or("");
                let terminal = matches!(status, "completed" | "failed");
                let name = env.tool_name.as_deref().unwrap_or("tool");
                let is_new = kind == "tool_call" && !session.open_tools.contains(call);
                if is_new {
                    *session.tool_uses.entry(call.to_owned()).or_default() += 1;
                }
                self.tool.clear();
                push_all(&mut self.tool, &[root, ":tool:", call]);
                match session.tool_uses.get(call).copied().unwrap_or(1) {
                    0 | 1 => {}
                    n => push_all(&mut self.tool, &["#", itoa::Buffer::new().format(n)]),
                }
                let tool_id = self.tool.as_str();
                if is_new {
                    let mut e = stamped(EventKind::Start, tool_id, name, ts, src);
                    e.parent = Some(Cow::Borrowed(scope));
                    e.category = Some(Category::Tool);
                    e.tool_call_id = Some(Cow::Borrowed(call));
                    out(e);
                    session.open_tools.insert(call.to_owned());
                }
                if terminal {
                    session.open_tools.remove(call);
                    let mut e = stamped(EventKind::End, tool_id, name, ts, src);
                    e.parent = Some(Cow::Borrowed(scope));
                    e.category = Some(Category::Tool);
                    e.tool_call_id = Some(Cow::Borrowed(call));
                    e.duration_us = env
                        .duration_ms
                        .as_ref()
                        .and_then(Scalar::count)
                        .map(ms_to_us);
                    if status == "failed" {
                        let text = env
                            .error
                            .as_ref()
                            .and_then(error_text)
                            .or_else(|| as_str(env.error_category.as_ref()).map(str::to_owned))
                            .unwrap_or_else(|| "failed".to_owned());
                        e.failure = Failure::Error(Cow::Owned(text));
                    }
                    out(e);
                } else if !is_new {
                    // Marks are never looked up by id (the model keeps none): theirs is empty.
                    self.mark.clear();
                    push_all(&mut self.mark, &[kind, ": ", status]);
                    let mut e = stamped(EventKind::Mark, "", self.mark.as_str(), ts, src);
                    e.parent = Some(Cow::Borrowed(tool_id));
                    out(e);
                }
            }
            "step_judge_decision" => {
                let id = format!("{root}:judge:{}", index.unwrap_or(src.line));
                let dur = env.judge_duration_ms.as_ref().and_then(count).map(ms_to_us);
                let model = scalar_str(env.model.as_ref()).map(Cow::Borrowed);
                let judge_ts = ts.map(|t| t.saturating_sub(dur.unwrap_or(0)));
                let mut s = stamped(EventKind::Start, id.as_str(), "step judge", judge_ts, src);
                s.parent = Some(Cow::Borrowed(scope));
                s.category = Some(Category::Llm);
                s.model.clone_from(&model);
                out(s);
                let mut e = stamped(EventKind::End, id.as_str(), "step judge", ts, src);
                e.parent = Some(Cow::Borrowed(scope));
                e.category = Some(Category::Llm);
                e.model = model;
                let usage = serde_json::json!({"input_tokens": env.input_tokens, "output_tokens": env.output_tokens});
                e.tokens = tokens_from_usage(&usage);
                out(e);
            }
            other => {
                let mut e = stamped(EventKind::Mark, "", other, ts, src);
                e.parent = Some(Cow::Borrowed(scope));
                e.failure = terminal_failure(other, env);
                let ok = matches!(e.failure, Failure::None);
                out(e);
                if failure::ends_session(other, env) {
                    // The session's end, settled again by each later terminal event.
                    let mut end = stamped(EventKind::End, root, session_name, ts, src);
                    end.category = Some(Category::Agent);
                    end.settles = Some(ok);
                    out(end);
                }
            }
        }
        Ok(())
    }
}

/// The model round-trip inside an ended iteration, timed by `response_ms` and carrying its
/// `iteration_info` tokens: a start and an end of `llm_id` under the iteration `id`.
fn iteration_call(
    llm_id: &str,
    id: &str,
    info: &Value,
    (start_ts, start_model): (Option<i64>, Option<String>),
    ts: Option<i64>,
    src: SourceRef,
    out: &mut dyn FnMut(Event<'_>),
) {
    let response_us = info.get("response_ms").and_then(count).map(ms_to_us);
    let model = as_str(info.get("model"))
        .map(str::to_owned)
        .or(start_model)
        .or_else(|| as_str(info.get("provider")).map(str::to_owned));
    let llm_start = start_ts.or_else(|| Some(ts?.saturating_sub(response_us?)));
    let llm_end = match (llm_start, response_us) {
        (Some(s), Some(r)) => Some(s.saturating_add(r)),
        _ => ts,
    };
    let name = model.as_deref().unwrap_or("model call");
    let mut s = stamped(EventKind::Start, llm_id, name, llm_start, src);
    s.parent = Some(Cow::Borrowed(id));
    s.category = Some(Category::Llm);
    s.model = model.as_deref().map(Cow::Borrowed);
    out(s);
    let mut e = stamped(EventKind::End, llm_id, name, llm_end, src);
    e.parent = Some(Cow::Borrowed(id));
    e.category = Some(Category::Llm);
    e.model = model.as_deref().map(Cow::Borrowed);
    // harn copies the provider's raw figures: its `provider` says whether `input_tokens`
    // includes the cache parts (TOKENS.md §1.3).
    let sem = as_str(info.get("provider")).map_or(Semantics::Auto, Semantics::of_provider);
    e.tokens = tokens_from_usage_as(info, sem);
    e.reported_cost_nusd = info.get("cost_usd").and_then(super::usage::reported_cost);
    e.duration_us = response_us;
    out(e);
}

/// harn in the registry: the `PersistedAgentEvent` envelope (`index`, `emitted_at_ms`,
/// `type`), a generalized topic record (`id`, `event.payload`) or an LLM transcript record
/// (§0.1 rule 6) claim a line strongly.
pub static DIALECT: crate::Dialect = crate::Dialect {
    format: Format::Harn,
    name: "harn",
    line_based: true,
    line: sniff_line,
    document: crate::dialect::never,
    partial_document: crate::dialect::never,
    file_name: |name| name.starts_with("event_log") || name.starts_with("llm_transcript"),
    reader: || Box::new(HarnReader::default()),
};

fn sniff_line(o: &serde_json::Map<String, Value>) -> crate::Claim {
    let envelope = o.get("index").is_some_and(Value::is_u64)
        && o.get("emitted_at_ms").is_some_and(Value::is_i64)
        && o.get("type").is_some_and(Value::is_string);
    let topic = o.get("id").is_some_and(Value::is_u64)
        && o.get("event")
            .and_then(|e| e.get("payload"))
            .is_some_and(Value::is_object);
    if envelope || topic || transcript::is_transcript(o) {
        crate::Claim::Strong
    } else {
        crate::Claim::No
    }
}
