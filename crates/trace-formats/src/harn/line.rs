//! The stateless half of the harn reader ([`Staged::pre`]): a line parsed into an owned
//! envelope (a topic record's inner event included) or a transcript record, with its time.

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

use super::{HarnReader, transcript};
use crate::scalar::{Scalar, known_or_owned};
use crate::{Format, ParseError, Staged, Str};
use trace_model::event::{Event, SourceRef};

#[derive(Deserialize)]
pub(super) struct Envelope<'a> {
    #[serde(borrow)]
    pub(super) index: Option<Scalar<'a>>,
    #[serde(borrow)]
    pub(super) emitted_at_ms: Option<Scalar<'a>>,
    #[serde(rename = "type", borrow)]
    pub(super) kind: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) session_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) iteration: Option<Scalar<'a>>,
    #[serde(borrow)]
    pub(super) model: Option<Scalar<'a>>,
    pub(super) iteration_info: Option<Value>,
    pub(super) turn_info: Option<Value>,
    #[serde(borrow)]
    pub(super) tool_call_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) tool_name: Option<Str<'a>>,
    #[serde(borrow)]
    pub(super) status: Option<Scalar<'a>>,
    pub(super) error: Option<Value>,
    pub(super) error_category: Option<Value>,
    #[serde(borrow)]
    pub(super) duration_ms: Option<Scalar<'a>>,
    pub(super) judge_duration_ms: Option<Value>,
    pub(super) input_tokens: Option<Value>,
    pub(super) output_tokens: Option<Value>,
    pub(super) phase: Option<Value>,
    pub(super) outcome: Option<Value>,
    pub(super) reason: Option<Value>,
    pub(super) final_status: Option<Value>,
    pub(super) terminal_status: Option<Value>,
    pub(super) ok: Option<Value>,
    pub(super) detail: Option<Value>,
    // Topic-record variant.
    #[serde(borrow)]
    pub(super) id: Option<Scalar<'a>>,
    #[serde(borrow)]
    pub(super) event: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct TopicEvent<'a> {
    #[serde(borrow)]
    payload: Option<&'a RawValue>,
    occurred_at_ms: Option<Value>,
}

#[derive(Deserialize)]
struct TopicPayload<'a> {
    #[serde(borrow)]
    event: Option<&'a RawValue>,
}

/// A harn line parsed on its own: one allocation, the parsed line moved into it once (the
/// envelope was boxed when parsed, then moved out and boxed again when made owned).
pub struct HarnLine(Box<Kind<'static>>);

/// A parsed line, borrowing its strings from the text (`'static`: owned, for another thread).
/// Unboxed: on one thread it stays on the stack, and [`HarnLine`] boxes it whole.
#[allow(clippy::large_enum_variant)]
pub(super) enum Kind<'a> {
    /// A persisted agent event (`index`: the envelope's, or a topic record's `id`).
    Event {
        env: Envelope<'a>,
        index: Option<u64>,
        ts: Option<i64>,
    },
    /// An LLM transcript record (`ts`: a topic record's `occurred_at_ms`).
    Transcript { r: Value, ts: Option<i64> },
}

fn owned(s: Option<Str<'_>>) -> Option<Str<'static>> {
    s.map(Str::into_owned)
}

/// The event types and status words most lines carry: an owned envelope borrows these
/// from here instead of copying them.
const KNOWN_TYPES: &[&str] = &[
    "tool_call",
    "tool_call_update",
    "agent_message_chunk",
    "agent_thought_chunk",
    "iteration_start",
    "iteration_end",
    "turn_start",
    "turn_end",
    "provider_usage",
    "step_judge_decision",
];
const KNOWN_STATUS: &[&str] = &["pending", "in_progress", "completed", "failed"];

fn scalar(s: Option<Scalar<'_>>, known: &[&'static str]) -> Option<Scalar<'static>> {
    s.map(|s| s.into_owned(known))
}

impl Envelope<'_> {
    /// The same envelope with its strings owned; the topic record's raw `event` is dropped.
    fn into_owned(self) -> Envelope<'static> {
        Envelope {
            index: scalar(self.index, &[]),
            emitted_at_ms: scalar(self.emitted_at_ms, &[]),
            kind: self.kind.map(|k| Str(known_or_owned(k.0, KNOWN_TYPES))),
            session_id: owned(self.session_id),
            iteration: scalar(self.iteration, &[]),
            model: scalar(self.model, &[]),
            tool_call_id: owned(self.tool_call_id),
            tool_name: owned(self.tool_name),
            status: scalar(self.status, KNOWN_STATUS),
            duration_ms: scalar(self.duration_ms, &[]),
            id: scalar(self.id, &[]),
            event: None,
            ..self
        }
    }
}

impl Kind<'_> {
    fn into_owned(self) -> Kind<'static> {
        match self {
            Kind::Event { env, index, ts } => Kind::Event {
                env: env.into_owned(),
                index,
                ts,
            },
            Kind::Transcript { r, ts } => Kind::Transcript { r, ts },
        }
    }
}

impl HarnReader {
    /// Steps one parsed line (borrowed on the one-thread path, owned when staged).
    pub(super) fn step_kind(
        &mut self,
        kind: &Kind<'_>,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), ParseError> {
        match kind {
            Kind::Event { env, index, ts } => self.read_event(env, *index, *ts, src, out),
            Kind::Transcript { r, ts } => {
                self.read_transcript(r, *ts, src, out);
                Ok(())
            }
        }
    }
}

impl Staged for HarnReader {
    type Pre = HarnLine;

    fn pre(text: &str) -> Result<HarnLine, ParseError> {
        parse(text).map(|k| HarnLine(Box::new(k.into_owned())))
    }

    fn step(
        &mut self,
        line: &HarnLine,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), ParseError> {
        self.step_kind(&line.0, src, out)
    }
}

/// Parses one line; its strings stay borrowed from `text`.
pub(super) fn parse(text: &str) -> Result<Kind<'_>, ParseError> {
    {
        let record = text.as_bytes();
        let env: Envelope<'_> = serde_json::from_str(text)
            .map_err(|e| ParseError::from_json(&e, Format::Harn, record))?;
        if env.kind.is_none() {
            if let (Some(id), Some(event)) = (env.id.as_ref().and_then(Scalar::as_u64), env.event) {
                return topic(id, event);
            }
        }
        if env.index.is_none()
            && env.emitted_at_ms.is_none()
            && env.session_id.is_none()
            && env
                .kind
                .as_deref()
                .is_some_and(|k| transcript::TYPES.contains(&k))
        {
            let r: Value = serde_json::from_str(text)
                .map_err(|e| ParseError::from_json(&e, Format::Harn, record))?;
            return Ok(Kind::Transcript { r, ts: None });
        }
        if env.index.is_none() && env.emitted_at_ms.is_none() && env.session_id.is_none() {
            // A `type` alone is not harn's (a Codex rollout line has one too).
            return Err(ParseError::shape(
                Format::Harn,
                "no `index`, `emitted_at_ms` or `session_id` envelope",
            ));
        }
        let index = env.index.as_ref().and_then(Scalar::as_u64);
        let ts = env
            .emitted_at_ms
            .as_ref()
            .and_then(Scalar::as_i64)
            .map(|ms| ms.saturating_mul(1000));
        Ok(Kind::Event { env, index, ts })
    }
}

/// A generalized topic record `{"id", "event": {"payload": {"event"}, "occurred_at_ms"}}`.
fn topic(id: u64, event: &RawValue) -> Result<Kind<'_>, ParseError> {
    let topic: TopicEvent<'_> = serde_json::from_str(event.get())
        .map_err(|e| ParseError::shape(Format::Harn, format!("topic record: {e}")))?;
    let ts = topic
        .occurred_at_ms
        .as_ref()
        .and_then(Value::as_i64)
        .map(|ms| ms.saturating_mul(1000));
    let payload = topic
        .payload
        .map(|p| serde_json::from_str::<TopicPayload<'_>>(p.get()).map(|tp| (p, tp.event)));
    let inner = match payload {
        Some(Ok((_, Some(inner)))) => inner,
        Some(Ok((p, None))) => {
            // The `agent.transcript.llm` topic: the payload is the transcript record.
            let r: Value = serde_json::from_str(p.get())
                .map_err(|e| ParseError::shape(Format::Harn, format!("topic payload: {e}")))?;
            if r.get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| transcript::TYPES.contains(&t))
            {
                return Ok(Kind::Transcript { r, ts });
            }
            return Err(ParseError::shape(
                Format::Harn,
                "topic record without payload.event",
            ));
        }
        Some(Err(e)) => {
            return Err(ParseError::shape(
                Format::Harn,
                format!("topic record: {e}"),
            ));
        }
        None => {
            return Err(ParseError::shape(
                Format::Harn,
                "topic record without payload.event",
            ));
        }
    };
    let env: Envelope<'_> = serde_json::from_str(inner.get())
        .map_err(|e| ParseError::shape(Format::Harn, format!("topic payload: {e}")))?;
    Ok(Kind::Event {
        env,
        index: Some(id),
        ts,
    })
}
