//! greentic runner `trace.json` reader: one pretty-printed document per run.
//!
//! The document carries only per-step durations in completion order, so steps are laid end to
//! end, ending at the document's time (the file's modification time when known, else epoch 0).

use std::borrow::Cow;

use serde_json::Value;

use super::usage::error_text;
use super::{Format, ParseError, Reader};
use trace_model::event::{Category, Event, EventKind, Failure, SourceRef};

/// Reads a greentic `trace.json` document.
#[derive(Debug, Default)]
pub struct GreenticReader {
    mtime_us: Option<i64>,
}

fn text<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

impl Reader for GreenticReader {
    fn set_document_time(&mut self, mtime_us: Option<i64>) {
        self.mtime_us = mtime_us;
    }

    fn read(
        &mut self,
        record: &[u8],
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), ParseError> {
        let doc: Value = serde_json::from_slice(record)
            .map_err(|e| ParseError::from_json(&e, Format::Greentic, record))?;
        let obj = doc.as_object().ok_or(ParseError::NotObject)?;
        let steps = obj
            .get("steps")
            .and_then(Value::as_array)
            .ok_or_else(|| ParseError::shape(Format::Greentic, "missing `steps` array"))?;
        let flow_id = doc
            .get("flow")
            .and_then(|f| text(f, "id"))
            .unwrap_or("flow");
        let flow_version = doc.get("flow").and_then(|f| text(f, "version"));
        let pack = doc.get("pack").and_then(|p| text(p, "pack_ref"));
        let name = match flow_version {
            Some(v) => format!("{flow_id}@{v}"),
            None => flow_id.to_owned(),
        };
        let root = format!("greentic:{}:{}:{flow_id}", src.file, pack.unwrap_or(""));
        let durations: Vec<i64> = steps
            .iter()
            .map(|s| {
                s.get("duration_ms")
                    .and_then(super::usage::count)
                    .map_or(0, |ms| {
                        i64::try_from(ms.saturating_mul(1000)).unwrap_or(i64::MAX)
                    })
            })
            .collect();
        let total = durations.iter().fold(0i64, |a, d| a.saturating_add(*d));
        let end = self.mtime_us.unwrap_or(total);
        let mut t = end.saturating_sub(total);

        let mut start = Event::new(EventKind::Start, root.clone(), Cow::Owned(name));
        start.ts_us = Some(t);
        start.category = Some(Category::Agent);
        start.container = true;
        start.src = src;
        out(start);
        for (i, (step, dur)) in steps.iter().zip(&durations).enumerate() {
            let item_src = SourceRef {
                item: i as u32 + 1,
                ..src
            };
            let node = text(step, "node_id").unwrap_or("unknown");
            let component = text(step, "component_id").unwrap_or("");
            let operation = text(step, "operation").unwrap_or("");
            let is_llm = component.to_ascii_lowercase().contains("llm");
            let category = if is_llm {
                Category::Llm
            } else {
                Category::Tool
            };
            let id = format!("{root}:step:{i}");
            let label = if operation.is_empty() || operation == "unknown" {
                node.to_owned()
            } else {
                format!("{node} ({component} {operation})")
            };
            let mut s = Event::new(EventKind::Start, id.clone(), Cow::Owned(label.clone()));
            s.parent = Some(Cow::Owned(root.clone()));
            s.ts_us = Some(t);
            s.category = Some(category.clone());
            s.src = item_src;
            out(s);
            t = t.saturating_add(*dur);
            let mut e = Event::new(EventKind::End, id, Cow::Owned(label));
            e.parent = Some(Cow::Owned(root.clone()));
            e.ts_us = Some(t);
            e.category = Some(category);
            e.src = item_src;
            if let Some(err) = step.get("error").filter(|e| !e.is_null()) {
                let code = text(err, "code");
                let msg = error_text(err).unwrap_or_default();
                e.failure = Failure::Error(Cow::Owned(match code {
                    Some(c) if !msg.is_empty() => format!("{c}: {msg}"),
                    Some(c) => c.to_owned(),
                    None => msg,
                }));
            }
            out(e);
        }
        Ok(())
    }
}

/// greentic in the registry: one document with a numeric `trace_version`, a `flow` object and
/// `steps` whose entries name a `node_id` (FORMATS.md §3, §7.9: `steps` alone is never enough,
/// ATIF has them too).
pub static DIALECT: crate::Dialect = crate::Dialect {
    format: Format::Greentic,
    name: "greentic",
    line_based: false,
    line: |o| sniff_object(o),
    document: |v| v.as_object().map_or(crate::Claim::No, sniff_object),
    partial_document: sniff_head,
    file_name: |name| name.ends_with("trace.json"),
    reader: || Box::new(GreenticReader::default()),
};

fn sniff_object(o: &serde_json::Map<String, Value>) -> crate::Claim {
    let steps_ok = o.get("steps").and_then(Value::as_array).is_some_and(|s| {
        s.first()
            .is_none_or(|st| st.get("node_id").is_some() && st.get("step_id").is_none())
    });
    if o.get("trace_version").is_some_and(Value::is_number)
        && o.get("flow").is_some_and(Value::is_object)
        && steps_ok
        && !o.contains_key("schema_version")
    {
        crate::Claim::Strong
    } else {
        crate::Claim::No
    }
}

/// The head of a document cut short: greentic names its version first and its steps name
/// nodes; an ATIF document names a `schema_version` instead.
fn sniff_head(text: &str) -> crate::Claim {
    if text.contains("\"trace_version\"")
        && !text.contains("\"schema_version\"")
        && (text.contains("\"node_id\"") || text.contains("\"flow\""))
    {
        crate::Claim::Strong
    } else {
        crate::Claim::No
    }
}
