//! One transcript line at a time: prompts open turns, assistant lines extend or start the
//! held LLM call, tool results close tool calls (and link sub-agents), bookkeeping is skipped.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::Value;

use super::prune::Content;
use super::{Held, State, held_end};
use crate::obj::Obj;
use crate::scalar::known_or_owned;
use crate::time::parse_rfc3339_us;
use crate::{Format, ParseError, Reader, Staged, Str};
use trace_model::event::Tokens;
use trace_model::event::{Category, Event, EventKind, Failure, SourceRef};

/// The fields of a transcript entry the reader uses; everything else is skipped unparsed.
#[derive(Deserialize)]
struct Entry<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Str<'a>>,
    #[serde(rename = "sessionId", borrow)]
    session_id: Option<Str<'a>>,
    #[serde(rename = "agentId", borrow)]
    agent_id: Option<Str<'a>>,
    #[serde(rename = "isSidechain")]
    sidechain: Option<Value>,
    #[serde(borrow)]
    timestamp: Option<Str<'a>>,
    #[serde(borrow)]
    subtype: Option<Str<'a>>,
    #[serde(default, deserialize_with = "super::prune::message")]
    message: Option<super::prune::Message>,
    #[serde(
        rename = "toolUseResult",
        default,
        deserialize_with = "super::prune::tool_use_result"
    )]
    tool_use_result: Option<Value>,
    #[serde(rename = "isMeta")]
    is_meta: Option<Value>,
    #[serde(rename = "isApiErrorMessage")]
    api_error: Option<Value>,
}

/// Reads one Claude Code transcript file (a session or a sub-agent).
#[derive(Debug, Default)]
pub struct ClaudeReader {
    s: State,
}

const INTERRUPT: &str = "[Request interrupted by user";
/// Error texts are cut to this many characters.
const ERROR_CHARS: usize = 200;

fn is_true(v: Option<&Value>) -> bool {
    v.and_then(Value::as_bool) == Some(true)
}

/// The text of a content value: a string, or its first text block.
fn text_of(content: &Value) -> Option<&str> {
    match content {
        Value::String(s) => Some(s),
        Value::Array(blocks) => blocks
            .iter()
            .find_map(|b| b.get("text").and_then(Value::as_str)),
        _ => None,
    }
}

fn cut(s: &str) -> String {
    s.chars().take(ERROR_CHARS).collect()
}

/// `agentId: <id>` in a Task result's text (older results lack `toolUseResult.agentId`).
fn agent_in_text(content: &Value) -> Option<String> {
    let blocks = content.as_array()?;
    blocks.iter().find_map(|b| {
        let t = b.get("text")?.as_str()?;
        let rest = &t[t.find("agentId: ")? + 9..];
        let id: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        (!id.is_empty()).then_some(id)
    })
}

impl Reader for ClaudeReader {
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
        self.step(&Self::pre(text)?, src, out)
    }

    fn quiet(&mut self, out: &mut dyn FnMut(Event<'_>)) {
        // Shown as it stands; still held, so a later line of it updates the call.
        if let Some(h) = self.s.held.as_mut() {
            h.shown = true;
            out(held_end(h));
        }
    }

    fn finish(&mut self, out: &mut dyn FnMut(Event<'_>)) {
        let s = &mut self.s;
        s.close_held(out);
        let last = s.last_us;
        s.end_turn(last, SourceRef::default(), out);
    }
}

/// A transcript line parsed on its own ([`Staged::pre`]): the entry and its time.
pub struct ClaudeLine {
    e: Entry<'static>,
    ts: Option<i64>,
    /// `message.usage` as tokens (worked out here: it is the costly part of an assistant
    /// line's step).
    usage: Option<Tokens>,
}

fn owned(s: Option<Str<'_>>) -> Option<Str<'static>> {
    s.map(Str::into_owned)
}

impl Staged for ClaudeReader {
    type Pre = ClaudeLine;

    fn pre(text: &str) -> Result<ClaudeLine, ParseError> {
        let e: Entry<'_> = serde_json::from_str(text)
            .map_err(|err| ParseError::from_json(&err, Format::Claude, text.as_bytes()))?;
        if e.kind.is_none() {
            return Err(ParseError::shape(Format::Claude, "missing `type`"));
        }
        let ts = e.timestamp.as_deref().and_then(parse_rfc3339_us);
        // Anthropic semantics: the shared mapping adds cache reads and writes to
        // `input_tokens` and reads the TTL split and thinking tokens.
        let usage = e
            .message
            .as_ref()
            .and_then(|m| m.usage.as_ref())
            .and_then(|u| u.tokens(crate::usage::Semantics::Auto));
        let e = Entry {
            // The entry types and subtypes the reader tells apart are borrowed, not copied.
            kind: e.kind.map(|k| Str(known_or_owned(k.0, super::TYPES))),
            session_id: owned(e.session_id),
            agent_id: owned(e.agent_id),
            timestamp: None,
            subtype: e
                .subtype
                .map(|k| Str(known_or_owned(k.0, &["turn_duration", "compact_boundary"]))),
            ..e
        };
        Ok(ClaudeLine { e, ts, usage })
    }

    fn step(
        &mut self,
        line: &ClaudeLine,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), ParseError> {
        let (e, ts) = (&line.e, line.ts);
        let kind = e
            .kind
            .as_deref()
            .ok_or_else(|| ParseError::shape(Format::Claude, "missing `type`"))?;
        let s = &mut self.s;
        if s.root.is_none() && (e.session_id.is_some() || matches!(kind, "user" | "assistant")) {
            s.open_root(e, ts, src, out);
        }
        match kind {
            "user" => s.user(e, ts, src, out),
            "assistant" => s.assistant(e, ts, line.usage, src, out),
            "system" => s.system(e, ts, src, out),
            // Bookkeeping (`summary`, `progress`, `file-history-snapshot`, `queue-operation`,
            // `last-prompt`, ...) and types from later versions: nothing to draw.
            _ => {}
        }
        if let Some(t) = ts {
            s.last_us = Some(s.last_us.map_or(t, |l| l.max(t)));
        }
        Ok(())
    }
}

use crate::event_at as event;

impl State {
    fn root_id(&self) -> String {
        self.root.clone().unwrap_or_default()
    }

    /// The scope new calls and tools hang under: the open turn, else the session.
    fn parent(&self) -> String {
        self.turn.clone().unwrap_or_else(|| self.root_id())
    }

    fn open_root(
        &mut self,
        e: &Entry<'_>,
        ts: Option<i64>,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        let sid = e.session_id.as_deref().unwrap_or("");
        self.session = if sid.is_empty() {
            format!("f{}", src.file)
        } else {
            sid.to_owned()
        };
        let agent = e
            .agent_id
            .as_deref()
            .filter(|a| !a.is_empty() && is_true(e.sidechain.as_ref()));
        let (id, name) = match agent {
            Some(a) => (
                format!("claude:{}:agent:{a}", self.session),
                format!("agent {a}"),
            ),
            None => (format!("claude:{}", self.session), self.session.clone()),
        };
        let mut start = event(EventKind::Start, id.clone(), Cow::Owned(name), ts);
        start.category = Some(Category::Agent);
        start.container = true;
        start.src = src;
        out(start);
        self.root = Some(id);
    }

    /// Emits the held LLM call's end: its last line is now known.
    pub(super) fn close_held(&mut self, out: &mut dyn FnMut(Event<'_>)) {
        let Some(h) = self.held.take() else { return };
        out(held_end(&h));
        if let Some(end) = h.end_us {
            self.asked_us = Some(self.asked_us.map_or(end, |a| a.max(end)));
        }
        self.done.insert(h.key);
    }

    pub(super) fn end_turn(
        &mut self,
        ts: Option<i64>,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        let Some(id) = self.turn.take() else { return };
        let mut e = event(EventKind::End, id, Cow::Borrowed(""), ts);
        e.parent = Some(Cow::Owned(self.root_id()));
        e.category = Some(Category::Other("turn".into()));
        e.src = src;
        out(e);
    }

    fn mark(
        &mut self,
        name: &'static str,
        failure: Failure<'static>,
        ts: Option<i64>,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        self.marks += 1;
        let mut e = event(
            EventKind::Mark,
            format!("{}:mark:{}", self.root_id(), self.marks),
            Cow::Borrowed(name),
            ts,
        );
        e.parent = Some(Cow::Owned(self.parent()));
        e.failure = failure;
        e.src = src;
        out(e);
    }

    fn user(
        &mut self,
        e: &Entry<'_>,
        ts: Option<i64>,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        let content = e.message.as_ref().and_then(|m| m.content.as_ref());
        let mut results = false;
        for b in content.into_iter().flat_map(Content::blocks) {
            if b.get("type").and_then(Value::as_str) == Some("tool_result") {
                results = true;
                self.tool_result(b, e, ts, src, out);
            }
        }
        if let Some(t) = ts {
            self.asked_us = Some(self.asked_us.map_or(t, |a| a.max(t)));
        }
        let text = content.and_then(Content::text).unwrap_or("");
        if text.starts_with(INTERRUPT) {
            self.close_held(out);
            let f = Failure::Error(Cow::Borrowed("interrupted by user"));
            self.mark("interrupted", f, ts, src, out);
            return;
        }
        let local = text.starts_with("<local-command-stdout>")
            || text.starts_with("<local-command-caveat>");
        let prompt = content.is_some_and(Content::is_prompt);
        if results || !prompt || local || is_true(e.is_meta.as_ref()) {
            return;
        }
        self.close_held(out);
        let last = self.last_us;
        self.end_turn(last, src, out);
        self.turns += 1;
        let id = format!("{}:turn:{}", self.root_id(), self.turns);
        let mut start = event(
            EventKind::Start,
            id.clone(),
            Cow::Owned(format!("turn {}", self.turns)),
            ts,
        );
        start.parent = Some(Cow::Owned(self.root_id()));
        start.category = Some(Category::Other("turn".into()));
        start.src = src;
        out(start);
        self.turn = Some(id);
    }

    fn tool_result(
        &mut self,
        block: &Obj,
        e: &Entry<'_>,
        ts: Option<i64>,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        let Some(use_id) = block.get("tool_use_id").and_then(Value::as_str) else {
            return;
        };
        let id = self
            .tools
            .remove(use_id)
            .unwrap_or_else(|| format!("{}:tool:{use_id}", self.root_id()));
        let mut end = event(EventKind::End, id.clone(), Cow::Borrowed("tool"), ts);
        end.parent = Some(Cow::Owned(self.parent()));
        end.category = Some(Category::Tool);
        end.tool_call_id = Some(Cow::Owned(use_id.to_owned()));
        end.src = src;
        let content = block.get("content").unwrap_or(&Value::Null);
        if is_true(block.get("is_error")) {
            let text = text_of(content).map_or_else(|| "tool error".to_owned(), cut);
            end.failure = Failure::Error(Cow::Owned(text));
        }
        out(end);
        let rich = e.tool_use_result.as_ref();
        let agent = rich
            .and_then(|r| r.get("agentId"))
            .and_then(Value::as_str)
            .map(str::to_owned)
            .or_else(|| agent_in_text(content));
        if let Some(agent) = agent {
            // The sub-agent file's root, ended here under the Task call that ran it.
            let mut link = event(
                EventKind::End,
                format!("claude:{}:agent:{agent}", self.session),
                Cow::Owned(format!("agent {agent}")),
                ts,
            );
            link.parent = Some(Cow::Owned(id));
            link.category = Some(Category::Agent);
            link.duration_us = rich
                .and_then(|r| r.get("totalDurationMs"))
                .and_then(crate::usage::count)
                .map(|ms| i64::try_from(ms.saturating_mul(1000)).unwrap_or(i64::MAX));
            link.src = src;
            out(link);
        }
    }

    fn assistant(
        &mut self,
        e: &Entry<'_>,
        ts: Option<i64>,
        usage: Option<Tokens>,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        let msg = e.message.as_ref();
        let get = |k: &str| msg.and_then(|m| m.get(k)).and_then(Value::as_str);
        let model = get("model").filter(|m| !m.is_empty());
        if is_true(e.api_error.as_ref()) || model == Some("<synthetic>") {
            self.close_held(out);
            if is_true(e.api_error.as_ref()) {
                let text = msg
                    .and_then(|m| m.content.as_ref())
                    .and_then(Content::text)
                    .map_or_else(|| "API error".to_owned(), cut);
                self.mark("API error", Failure::Error(Cow::Owned(text)), ts, src, out);
            }
            return;
        }
        let key = get("id").map_or_else(|| format!("line {}", src.line), str::to_owned);
        if self.held.as_ref().is_some_and(|h| h.key != key) {
            self.close_held(out);
        }
        match &mut self.held {
            Some(h) => {
                h.end_us = ts.or(h.end_us);
                h.tokens = usage.or(h.tokens);
                if let Some(m) = model {
                    h.model = Some(m.to_owned());
                }
                h.src = src;
            }
            None if self.done.contains(&key) => {}
            None => {
                let id = format!("{}:llm:{key}", self.root_id());
                let name = model.unwrap_or("llm").to_owned();
                let start_ts = match (self.asked_us, ts) {
                    (Some(a), Some(t)) if a <= t => Some(a),
                    _ => ts,
                };
                let mut start = event(EventKind::Start, id.clone(), Cow::Owned(name), start_ts);
                start.parent = Some(Cow::Owned(self.parent()));
                start.category = Some(Category::Llm);
                start.model = model.map(|m| Cow::Owned(m.to_owned()));
                start.src = src;
                out(start);
                self.held = Some(Held {
                    key,
                    id,
                    parent: self.parent(),
                    model: model.map(str::to_owned),
                    end_us: ts,
                    tokens: usage,
                    src,
                    shown: false,
                });
            }
        }
        let blocks = msg.and_then(|m| m.content.as_ref());
        for b in blocks.into_iter().flat_map(Content::blocks) {
            if b.get("type").and_then(Value::as_str) != Some("tool_use") {
                continue;
            }
            let Some(use_id) = b.get("id").and_then(Value::as_str) else {
                continue;
            };
            if self.tools.contains_key(use_id) {
                continue;
            }
            let id = format!("{}:tool:{use_id}", self.root_id());
            let name = b.get("name").and_then(Value::as_str).unwrap_or("tool");
            let mut start = event(
                EventKind::Start,
                id.clone(),
                Cow::Owned(name.to_owned()),
                ts,
            );
            start.parent = Some(Cow::Owned(self.parent()));
            start.category = Some(Category::Tool);
            start.tool_call_id = Some(Cow::Owned(use_id.to_owned()));
            start.src = src;
            out(start);
            self.tools.insert(use_id.to_owned(), id);
        }
    }

    fn system(
        &mut self,
        e: &Entry<'_>,
        ts: Option<i64>,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        match e.subtype.as_deref() {
            Some("turn_duration") => {
                self.close_held(out);
                self.end_turn(ts, src, out);
            }
            Some("compact_boundary") => {
                self.close_held(out);
                self.mark("compact boundary", Failure::None, ts, src, out);
            }
            _ => {}
        }
    }
}
