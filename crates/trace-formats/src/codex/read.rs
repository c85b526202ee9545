//! The rollout reader: envelope lines (and legacy bare items) to turns, synthesized model
//! calls and tool calls.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use super::prune::Obj;
use super::tools::Tool;
use serde_json::Value;

use super::{diff, tokens};
use crate::time::parse_rfc3339_us;
use crate::{Format, ParseError, Reader, Staged};
use trace_model::event::{Category, Event, EventKind, Failure, SourceRef};

#[derive(Debug)]
struct Turn {
    id: String,
    key: String,
    /// Opened by `task_started`, so a `task_complete` will close it.
    tasked: bool,
}

/// Reads one rollout file.
#[derive(Debug, Default)]
pub struct CodexReader {
    root: Option<String>,
    turn: Option<Turn>,
    turns: u64,
    model: Option<String>,
    pub(super) tools: FxHashMap<String, Tool>,
    prev_total: Option<Value>,
    calls: u64,
    /// The latest record that was input to the model: where the next call starts.
    input_us: Option<i64>,
    last_us: Option<i64>,
    marks: u64,
}

/// Response items that are the model's output (they do not move a call's start).
pub(super) const OUTPUTS: &[&str] = &[
    "reasoning",
    "function_call",
    "custom_tool_call",
    "local_shell_call",
    "web_search_call",
];
const LEGACY_ITEMS: &[&str] = &[
    "message",
    "reasoning",
    "function_call",
    "function_call_output",
    "custom_tool_call",
    "custom_tool_call_output",
    "local_shell_call",
    "web_search_call",
];

pub(super) fn str_of<'v>(v: &'v Obj, k: &str) -> Option<&'v str> {
    v.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

pub(super) use crate::event_at as event;

fn turn_category() -> Category {
    Category::Other("turn".into())
}

impl Reader for CodexReader {
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

    fn finish(&mut self, out: &mut dyn FnMut(Event<'_>)) {
        // A turn delimited only by `turn_context` records ends with the input; one opened by
        // `task_started` waits for its `task_complete` (its absence means it was cut off).
        if self.turn.as_ref().is_some_and(|t| !t.tasked) {
            let last = self.last_us;
            self.end_turn(last, Failure::None, SourceRef::default(), out);
        }
    }
}

/// A rollout line parsed on its own ([`Staged::pre`]): the object and its time.
pub struct CodexLine {
    line: super::prune::Pruned,
    ts: Option<i64>,
}

impl Staged for CodexReader {
    type Pre = CodexLine;

    fn pre(text: &str) -> Result<CodexLine, ParseError> {
        let line: super::prune::Pruned = serde_json::from_str(text)
            .map_err(|e| ParseError::from_json(&e, Format::Codex, text.as_bytes()))?;
        let ts = line
            .top
            .get("timestamp")
            .and_then(Value::as_str)
            .and_then(parse_rfc3339_us);
        Ok(CodexLine { line, ts })
    }

    fn step(
        &mut self,
        pre: &CodexLine,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), ParseError> {
        let (line, ts) = (&pre.line.top, pre.ts);
        let kind = line.get("type").and_then(Value::as_str);
        let payload = pre.line.payload.as_ref();
        match (kind, payload) {
            (Some("session_meta"), Some(p)) => {
                if self.root.is_none() {
                    self.open_root(str_of(p, "id"), ts, src, out);
                }
            }
            (Some(k), Some(p)) => {
                self.ensure_root(ts, src, out);
                match k {
                    "turn_context" => self.turn_context(p, ts, src, out),
                    "event_msg" => self.event_msg(p, ts, src, out),
                    "response_item" => self.item(p, ts, src, out),
                    "compacted" => self.mark("compacted", Failure::None, ts, src, out),
                    _ => self.input(ts),
                }
            }
            (None, _) if line.contains_key("record_type") => {}
            (None, _) if line.contains_key("id") && line.contains_key("timestamp") => {
                if self.root.is_none() {
                    let id = line.get("id").and_then(Value::as_str);
                    self.open_root(id, ts, src, out);
                }
            }
            (Some(k), None) if LEGACY_ITEMS.contains(&k) => {
                self.ensure_root(ts, src, out);
                self.item(line, ts, src, out);
            }
            (Some(_), _) => {}
            (None, _) => return Err(ParseError::shape(Format::Codex, "missing `type`")),
        }
        if let Some(t) = ts {
            self.last_us = Some(self.last_us.map_or(t, |l| l.max(t)));
        }
        Ok(())
    }
}

impl CodexReader {
    pub(super) fn root_id(&self) -> String {
        self.root.clone().unwrap_or_default()
    }

    pub(super) fn parent(&self) -> String {
        self.turn
            .as_ref()
            .map_or_else(|| self.root_id(), |t| t.id.clone())
    }

    pub(super) fn input(&mut self, ts: Option<i64>) {
        if let Some(t) = ts {
            self.input_us = Some(self.input_us.map_or(t, |i| i.max(t)));
        }
    }

    fn open_root(
        &mut self,
        id: Option<&str>,
        ts: Option<i64>,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        let session = id.map_or_else(|| format!("f{}", src.file), str::to_owned);
        let root = format!("codex:{session}");
        let mut e = event(EventKind::Start, root.clone(), Cow::Owned(session), ts);
        e.category = Some(Category::Agent);
        e.container = true;
        e.src = src;
        out(e);
        self.root = Some(root);
        self.input(ts);
    }

    fn ensure_root(&mut self, ts: Option<i64>, src: SourceRef, out: &mut dyn FnMut(Event<'_>)) {
        if self.root.is_none() {
            self.open_root(None, ts, src, out);
        }
    }

    fn open_turn(
        &mut self,
        key: Option<&str>,
        tasked: bool,
        ts: Option<i64>,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        self.turns += 1;
        let key = key.map_or_else(|| self.turns.to_string(), str::to_owned);
        let id = format!("{}:turn:{key}", self.root_id());
        let mut e = event(
            EventKind::Start,
            id.clone(),
            Cow::Owned(format!("turn {}", self.turns)),
            ts,
        );
        e.parent = Some(Cow::Owned(self.root_id()));
        e.category = Some(turn_category());
        e.src = src;
        out(e);
        self.turn = Some(Turn { id, key, tasked });
        self.input(ts);
    }

    fn end_turn(
        &mut self,
        ts: Option<i64>,
        failure: Failure<'static>,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        let Some(turn) = self.turn.take() else { return };
        let mut e = event(EventKind::End, turn.id, Cow::Borrowed(""), ts);
        e.parent = Some(Cow::Owned(self.root_id()));
        e.category = Some(turn_category());
        e.failure = failure;
        e.src = src;
        out(e);
    }

    pub(super) fn mark(
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

    fn turn_context(
        &mut self,
        p: &Obj,
        ts: Option<i64>,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        if let Some(m) = str_of(p, "model") {
            self.model = Some(m.to_owned());
        }
        let key = str_of(p, "turn_id");
        let same = match (&self.turn, key) {
            (Some(t), Some(k)) => t.key == k,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if !same {
            self.end_turn(ts, Failure::None, src, out);
            self.open_turn(key, false, ts, src, out);
        }
        self.input(ts);
    }

    fn event_msg(
        &mut self,
        p: &Obj,
        ts: Option<i64>,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        match str_of(p, "type").unwrap_or("") {
            "task_started" => {
                let key = str_of(p, "turn_id");
                if self
                    .turn
                    .as_ref()
                    .is_some_and(|t| Some(t.key.as_str()) == key)
                {
                    if let Some(t) = &mut self.turn {
                        t.tasked = true;
                    }
                } else {
                    self.end_turn(ts, Failure::None, src, out);
                    self.open_turn(key, true, ts, src, out);
                }
            }
            "task_complete" => self.end_turn(ts, Failure::None, src, out),
            "turn_aborted" => {
                let reason = str_of(p, "reason").unwrap_or("aborted");
                let f = Failure::Error(Cow::Owned(format!("turn aborted: {reason}")));
                if self.turn.is_some() {
                    self.end_turn(ts, f, src, out);
                } else {
                    self.mark("turn aborted", f, ts, src, out);
                }
            }
            "error" => {
                let text = str_of(p, "message").unwrap_or("error").to_owned();
                self.mark("error", Failure::Error(Cow::Owned(text)), ts, src, out);
            }
            "user_message" => {
                if self.turn.is_none() {
                    self.open_turn(None, false, ts, src, out);
                }
                self.input(ts);
            }
            "token_count" => self.token_count(p, ts, src, out),
            "exec_command_end" => self.exec_end(p, ts, src, out),
            // The rest are reports to the user interface (`agent_message`, `exec_command_end`,
            // `patch_apply_end`, ...), not input to the model: they do not move a call's start.
            _ => {}
        }
    }

    fn token_count(
        &mut self,
        p: &Obj,
        ts: Option<i64>,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) {
        let Some(info) = p.get("info").filter(|i| i.is_object()) else {
            return;
        };
        let total = info.get("total_token_usage").filter(|t| t.is_object());
        if total.is_some() && total == self.prev_total.as_ref() {
            return; // a refresh: same cumulative figures, no new call
        }
        let used = info
            .get("last_token_usage")
            .and_then(tokens)
            .or_else(|| diff(total?, self.prev_total.as_ref()));
        if let Some(t) = total {
            self.prev_total = Some(t.clone());
        }
        self.calls += 1;
        let id = format!("{}:llm:{}", self.root_id(), self.calls);
        let name = self.model.clone().unwrap_or_else(|| "llm".to_owned());
        let start_ts = match (self.input_us, ts) {
            (Some(a), Some(t)) if a <= t => Some(a),
            _ => ts,
        };
        let model = self.model.clone().map(Cow::Owned);
        let mut s = event(EventKind::Start, id.clone(), Cow::Owned(name), start_ts);
        s.parent = Some(Cow::Owned(self.parent()));
        s.category = Some(Category::Llm);
        s.model.clone_from(&model);
        s.src = src;
        out(s);
        let mut e = event(EventKind::End, id, Cow::Borrowed("llm"), ts);
        e.parent = Some(Cow::Owned(self.parent()));
        e.category = Some(Category::Llm);
        e.model = model;
        e.tokens = used;
        e.src = src;
        out(e);
        self.input(ts);
    }
}
