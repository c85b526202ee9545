//! ATIF reader (Agent Trajectory Interchange Format, Harbor RFC 0001 / NeMo Agent Toolkit,
//! FORMATS.md §7): one JSON document per trajectory, `ATIF-v1.0` … `ATIF-v1.8`.
//!
//! The trajectory is a run (a scope named after `agent.name`). Each `agent` step is a scope
//! "step N" holding one LLM call (unless `llm_call_count` is 0, a
//! deterministic dispatch) and its tool calls; `system` and `user` steps are marks. Tool
//! results come from the same step's `observation`; a result that references an embedded
//! subagent trajectory (`subagent_trajectory_ref[].trajectory_id` →
//! `subagent_trajectories[]`) nests that trajectory, recursively, under the tool call.
//!
//! Times (ATIF has one `timestamp` per step and no duration): NAT's
//! `extra.invocation.{start,end}_timestamp` (epoch seconds) when present; otherwise an LLM
//! call runs from the previous step's timestamp to its own step's (NAT stamps an agent step
//! when the model answered, and its invocation starts at the previous step's stamp), and a
//! tool call from its step's timestamp to the next step's. A step or trajectory ends with the
//! latest time inside it.

use std::borrow::Cow;

use serde_json::{Map, Value};

mod metrics;
#[cfg(test)]
mod tests;
mod walk;

use super::{Claim, Format, ParseError, Reader};
use trace_model::event::{Event, SourceRef};

/// Reads one ATIF trajectory document.
#[derive(Debug, Default)]
pub struct AtifReader;

impl Reader for AtifReader {
    fn read(
        &mut self,
        record: &[u8],
        src: SourceRef,
        out: &mut dyn FnMut(Event<'_>),
    ) -> Result<(), ParseError> {
        let doc: Value = serde_json::from_slice(record)
            .map_err(|e| ParseError::from_json(&e, Format::Atif, record))?;
        let obj = doc.as_object().ok_or(ParseError::NotObject)?;
        if !obj
            .get("schema_version")
            .and_then(Value::as_str)
            .is_some_and(is_atif_version)
        {
            return Err(ParseError::shape(
                Format::Atif,
                "missing `schema_version` \"ATIF-vN.M\"",
            ));
        }
        if !obj.get("steps").is_some_and(Value::is_array) {
            return Err(ParseError::shape(Format::Atif, "missing `steps` array"));
        }
        let root = format!("atif:{}", src.file);
        walk::Walker::new(obj, src, out).trajectory(obj, &root, None, 0);
        Ok(())
    }
}

/// `^ATIF-v\d+\.\d+$`.
pub(crate) fn is_atif_version(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("ATIF-v") else {
        return false;
    };
    let Some((major, minor)) = rest.split_once('.') else {
        return false;
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    digits(major) && digits(minor)
}

/// ATIF in the registry: a document (or a one-line document) with an ATIF `schema_version`,
/// an `agent` object and `steps` whose elements have an integer `step_id` and a `source` in
/// system/user/agent (FORMATS.md §7.9). Decided on structure only, never on the file name.
pub static DIALECT: crate::Dialect = crate::Dialect {
    format: Format::Atif,
    name: "atif",
    line_based: false,
    line: sniff_object,
    document: |v| v.as_object().map_or(Claim::No, sniff_object),
    partial_document: sniff_head,
    file_name: |_| false,
    reader: || Box::new(AtifReader),
};

fn sniff_object(o: &Map<String, Value>) -> Claim {
    let version = o
        .get("schema_version")
        .and_then(Value::as_str)
        .is_some_and(is_atif_version);
    let agent = o.get("agent").is_some_and(Value::is_object);
    let steps = o.get("steps").and_then(Value::as_array).is_some_and(|s| {
        s.iter().all(|st| {
            st.get("step_id").is_some_and(|i| i.is_u64() || i.is_i64())
                && matches!(
                    st.get("source").and_then(Value::as_str),
                    Some("system" | "user" | "agent")
                )
        })
    });
    if version && agent && steps {
        Claim::Strong
    } else {
        Claim::No
    }
}

/// The head of a document too long to be read whole: an ATIF `schema_version` value, and the
/// `agent` and `steps` keys (a greentic `trace.json` names a `trace_version` instead).
fn sniff_head(text: &str) -> Claim {
    let version = text.match_indices("\"schema_version\"").any(|(i, k)| {
        let rest = text[i + k.len()..].trim_start();
        let Some(rest) = rest.strip_prefix(':') else {
            return false;
        };
        let rest = rest.trim_start();
        rest.strip_prefix('"')
            .and_then(|r| r.split_once('"'))
            .is_some_and(|(v, _)| is_atif_version(v))
    });
    if version && text.contains("\"agent\"") && text.contains("\"steps\"") {
        Claim::Strong
    } else {
        Claim::No
    }
}

/// A short one-line excerpt of a step's message for a mark's name.
pub(crate) fn excerpt(message: Option<&Value>) -> Option<Cow<'static, str>> {
    let text = match message? {
        Value::String(s) => s.as_str(),
        Value::Array(parts) => parts
            .iter()
            .find_map(|p| p.get("text").and_then(Value::as_str))?,
        _ => return None,
    };
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.is_empty() {
        return None;
    }
    let cut: String = line.chars().take(60).collect();
    Some(Cow::Owned(if cut.len() < line.len() {
        format!("{cut}…")
    } else {
        cut
    }))
}
