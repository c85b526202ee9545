//! OTLP/JSON traces reader (FORMATS.md §4): the OpenTelemetry file exporter's and the
//! Collector `file` exporter's JSON lines (one `TracesData` / `ExportTraceServiceRequest` per
//! line), or one pretty-printed request read whole as a document.
//!
//! A trace is a run: each span is a scope, its root span the run's root. Ids are
//! `traceId:spanId` in lowercase hex, so spans of different traces never collide and a parent
//! that arrives later (or never: the model keeps a placeholder) is found by the same text.
//! Spans are exported only when ended, so each gives a Start and an End; the reader keeps no
//! state, so lines may come in any order. `src.item` is the 1-based index of the span in its
//! record (counted across all `resourceSpans` and `scopeSpans`), for the detail pane.
//!
//! Mapped attributes: see [`attrs`]. Not mapped: links, span kinds, resource and scope
//! attributes, message content, cost, and the session (`gen_ai.conversation.id`,
//! `session.id`): the event has no field for it.

use std::borrow::Cow;

use serde_json::Value;

mod attrs;
mod ids;
mod wire;

#[cfg(test)]
mod tests;

use super::{Format, ParseError, Reader};
use attrs::Slot;
use trace_model::event::{Category, Event, EventKind, Failure, SourceRef};

/// Reads OTLP/JSON trace records (a line, or a whole pretty-printed document).
#[derive(Debug, Default)]
pub struct OtlpReader {
    warning: Option<String>,
}

impl Reader for OtlpReader {
    fn take_warning(&mut self) -> Option<String> {
        self.warning.take()
    }

    fn read(
        &mut self,
        record: &[u8],
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), ParseError> {
        let text = std::str::from_utf8(record).map_err(|_| ParseError::Utf8)?;
        self.read_text(text, src, out)
    }

    fn read_text(
        &mut self,
        text: &str,
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), ParseError> {
        let record = text.as_bytes();
        let mut item = 0u32;
        let mut any = false;
        // A document may hold several requests one after another (`jq` output, say).
        for req in serde_json::Deserializer::from_str(text).into_iter::<wire::Request<'_>>() {
            let req = req.map_err(|e| ParseError::from_json(&e, Format::Otlp, record))?;
            any = true;
            let Some(resource_spans) = req.resource_spans else {
                let what = if req.resource_logs.is_some() {
                    "OTLP logs, not traces"
                } else if req.resource_metrics.is_some() {
                    "OTLP metrics, not traces"
                } else {
                    "missing `resourceSpans`"
                };
                return Err(ParseError::shape(Format::Otlp, what));
            };
            for span in resource_spans
                .into_iter()
                .flat_map(|r| r.scope_spans)
                .flat_map(|s| s.spans)
            {
                item = item.saturating_add(1);
                let src = SourceRef { item, ..src };
                let bad = |t: Option<wire::Nanos>| t == Some(wire::Nanos::Unreadable);
                if self.warning.is_none() && (bad(span.start_ns) || bad(span.end_ns)) {
                    let which = if bad(span.start_ns) {
                        "startTimeUnixNano"
                    } else {
                        "endTimeUnixNano"
                    };
                    self.warning = Some(format!(
                        "unreadable {which} (not a count of nanoseconds); the span is kept \
                         without that time"
                    ));
                }
                emit(span, src, out);
            }
        }
        if any {
            Ok(())
        } else {
            Err(ParseError::NotObject)
        }
    }
}

/// Nanoseconds since the epoch to microseconds; unset or unreadable is no time.
fn micros(ns: Option<wire::Nanos>) -> Option<i64> {
    match ns? {
        wire::Nanos::At(ns) => i64::try_from(ns / 1000).ok(),
        wire::Nanos::Unset | wire::Nanos::Unreadable => None,
    }
}

fn emit(span: wire::Span<'_>, src: SourceRef, out: &mut dyn FnMut(Event<'_>)) {
    let wire::Span {
        trace_id,
        span_id,
        parent_span_id,
        name,
        start_ns,
        end_ns,
        mut attributes,
        events,
        status,
    } = span;
    let trace = trace_id.as_deref().and_then(|t| ids::normalize(t, 16));
    let trace = trace.as_deref().unwrap_or("");
    // A span without an id still shows: its place in the file names it.
    let id = match span_id.as_deref().and_then(|s| ids::normalize(s, 8)) {
        Some(s) => format!("{trace}:{s}"),
        None => format!("{trace}:@{}.{}", src.offset, src.item),
    };
    let parent = parent_span_id
        .as_deref()
        .and_then(|p| ids::normalize(p, 8))
        .map(|p| Cow::Owned(format!("{trace}:{p}")));

    let tokens = attributes.tokens();
    let category = attributes.category(tokens.is_some());
    let tool_name = attributes.take_tool_name();
    let span_name = wire::text(name);
    let name = match (&category, tool_name) {
        (Category::Tool, Some(tool)) => tool,
        (_, _) => span_name
            .or_else(|| attributes.take_text(Slot::Op))
            .unwrap_or(Cow::Borrowed("span")),
    };
    let start = micros(start_ns);
    let end = micros(end_ns);
    // An unreadable end still ends the span (its producer wrote one): its tokens, model and
    // verdict count, without a time. Only an unset end (0, absent) leaves it open.
    let ended = end.is_some() || end_ns == Some(wire::Nanos::Unreadable);

    let mut s = Event::new(EventKind::Start, id.clone(), name.clone());
    s.parent.clone_from(&parent);
    s.ts_us = start;
    s.category = Some(category.clone());
    s.src = src;
    out(s);
    if !ended {
        return;
    }
    let mut e = Event::new(EventKind::End, id, name);
    e.parent = parent;
    e.ts_us = end;
    e.category = Some(category);
    e.src = src;
    e.duration_us = start.zip(end).map(|(s, end)| end.saturating_sub(s).max(0));
    e.tokens = tokens;
    e.model = attributes.take_model();
    e.tool_call_id = attributes.take_tool_call_id();
    e.failure = failure(&attributes, status, &events);
    out(e);
}

/// An error span: `status.code` ERROR or an `error.type`; the text is the status message,
/// else the first `exception` event's type and message, else the error type.
fn failure<'a>(
    attrs: &wire::Attrs<'a>,
    status: Option<wire::Status<'a>>,
    events: &[wire::SpanEvent<'a>],
) -> Failure<'a> {
    let (code_error, message) = match status {
        Some(s) => (s.code.is_some_and(|c| c.0), wire::text(s.message)),
        None => (false, None),
    };
    let error_type = attrs.text(Slot::ErrorType);
    if !code_error && error_type.is_none() {
        return Failure::None;
    }
    if let Some(m) = message {
        return Failure::Error(m);
    }
    let exception = events
        .iter()
        .find(|e| e.name.as_deref() == Some("exception"))
        .and_then(|e| {
            let ty = e.attributes.text(Slot::ExcType);
            let msg = e.attributes.text(Slot::ExcMessage);
            match (ty, msg) {
                (Some(t), Some(m)) => Some(format!("{t}: {m}")),
                (t, m) => t.or(m).map(str::to_owned),
            }
        });
    Failure::Error(Cow::Owned(
        exception
            .or_else(|| error_type.map(str::to_owned))
            .unwrap_or_default(),
    ))
}

/// OTLP in the registry: a record with a `resourceSpans` array (FORMATS.md §0.1 rules 3, P');
/// `resourceLogs` / `resourceMetrics` are other signals, never claimed.
pub static DIALECT: crate::Dialect = crate::Dialect {
    format: Format::Otlp,
    name: "otlp",
    line_based: true,
    line: sniff_object,
    document: |v| v.as_object().map_or(crate::Claim::No, sniff_object),
    partial_document: |text| {
        if text.contains("\"resourceSpans\"") {
            crate::Claim::Strong
        } else {
            crate::Claim::No
        }
    },
    file_name: |name| name.ends_with(".otlp.jsonl") || name.ends_with(".otlp.json"),
    reader: || Box::<OtlpReader>::default(),
};

fn sniff_object(o: &serde_json::Map<String, Value>) -> crate::Claim {
    if o.get("resourceSpans")
        .or_else(|| o.get("resource_spans"))
        .is_some_and(Value::is_array)
    {
        crate::Claim::Strong
    } else {
        crate::Claim::No
    }
}
