//! ATOF 0.1 reader (NeMo Flow / NeMo Relay), also accepting the pre-0.1 NAT drafts
//! (`ScopeStart`/`ScopeEnd`, `scope_type`, `input`/`output`, top-level `status`).
//!
//! The line is parsed once into a borrowed header; `data`, `metadata` and
//! `category_profile` stay raw and are probed only where a field can live (end events and
//! marks), so large payloads are scanned but never materialized.

use std::borrow::Cow;

use serde_json::Value;

mod ending;
mod probe;
mod session;

use super::usage::{Semantics, Usage, is_error_status};
use super::{Format, ParseError, Reader, time};
use probe::{Annotated, DataProbe, Line, Lv, MetaProbe};
use trace_model::event::{Category, Event, EventKind, Failure, SourceRef, Tokens};

/// Reads ATOF JSONL lines.
#[derive(Debug, Default)]
pub struct AtofReader {
    /// Unknown major versions already warned about (once each per reader, i.e. per file).
    warned: Vec<String>,
    warning: Option<String>,
    /// Relay CLI sessions whose synthetic root this reader has opened ([`session`]).
    sessions: rustc_hash::FxHashSet<String>,
}

impl AtofReader {
    /// ATOF consumers dispatch on the major version: anything but `0.x` is unknown. The
    /// record is still read (best effort), with one warning naming the version.
    fn check_version(&mut self, version: Option<&str>) {
        let Some(v) = version else { return };
        let major = v.split('.').next().unwrap_or(v);
        if major == "0" || self.warned.iter().any(|w| w == v) {
            return;
        }
        self.warned.push(v.to_owned());
        self.warning = Some(format!(
            "unknown ATOF major version {:?} (this reader knows 0.x); read as 0.x",
            trace_model::text::clean(&v.chars().take(24).collect::<String>())
        ));
    }
}

impl Reader for AtofReader {
    fn take_warning(&mut self) -> Option<String> {
        self.warning.take()
    }

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
        let mut line: Line<'_> = serde_json::from_str(text)
            .map_err(|e| ParseError::from_json(&e, Format::Atof, text.as_bytes()))?;
        self.check_version(line.atof_version.0.as_deref());
        let kind_str = line
            .kind
            .as_ref()
            .map(|k| &*k.0)
            .ok_or_else(|| ParseError::shape(Format::Atof, "missing `kind`"))?;
        let kind = match (kind_str, line.scope_category.as_ref().map(|c| &*c.0)) {
            ("scope", Some("start")) | ("ScopeStart", _) => EventKind::Start,
            ("scope", Some("end")) | ("ScopeEnd", _) => EventKind::End,
            ("scope", other) => {
                return Err(ParseError::shape(
                    Format::Atof,
                    match other {
                        Some(v) => {
                            format!("scope_category must be \"start\" or \"end\", got {v:?}")
                        }
                        None => "scope event without `scope_category`".to_owned(),
                    },
                ));
            }
            ("mark" | "Mark", _) => EventKind::Mark,
            // Draft stream headers describe codecs, not events.
            ("StreamHeader" | "StreamHeaderEvent", _) => return Ok(()),
            (other, _) => {
                return Err(ParseError::shape(
                    Format::Atof,
                    format!("unknown kind {other:?}"),
                ));
            }
        };
        let id = line
            .uuid
            .ok_or_else(|| ParseError::shape(Format::Atof, "missing `uuid`"))?
            .0;
        let name = line.name.map_or(Cow::Borrowed(""), |n| n.0);
        let mut ev = Event::new(kind, id, name);
        ev.src = src;
        ev.parent = line.parent_uuid.map(|p| p.0).filter(|p| !p.is_empty());
        ev.ts_us = line.timestamp.and_then(time::timestamp_us);
        if let Some(raw) = line.timestamp.filter(|_| ev.ts_us.is_none()) {
            // Kept, but without a time: say so, naming what could not be read.
            let text: String = raw.get().chars().take(40).collect();
            self.warning.get_or_insert_with(|| {
                format!(
                    "unreadable timestamp {}; the event is kept without a time",
                    trace_model::text::clean(&text)
                )
            });
        }
        ev.category = line
            .category
            .or(line.scope_type)
            .map(|c| Category::parse(&c.0));
        if kind != EventKind::Mark && ev.category.is_none() {
            ev.category = Some(Category::Unknown);
        }

        let mut profile = line.category_profile.0;
        let profile_tool = profile.as_mut().and_then(|p| p.tool_call_id.take());
        ev.tool_call_id = profile_tool.or(line.tool_call_id.take());
        let profile_model = profile.as_mut().and_then(|p| p.model_name.take());
        ev.model = profile_model.or(line.model_name.take());
        let mut data = line.data.0;

        match kind {
            EventKind::Start => {
                if ev.model.is_none() && ev.category == Some(Category::Llm) {
                    ev.model = profile
                        .as_mut()
                        .and_then(|p| p.annotated_request.0.as_mut())
                        .and_then(|a| a.model.take())
                        .or_else(|| data.as_mut().and_then(|d| d.model.take()))
                        .or_else(|| {
                            data.as_mut()
                                .and_then(|d| d.content.0.as_mut())
                                .and_then(|c| c.model.take())
                        });
                }
            }
            EventKind::End | EventKind::Mark => {
                let mut annotated = profile
                    .as_mut()
                    .and_then(|p| p.annotated_response.0.as_mut())
                    .or(line.annotated_response.0.as_deref_mut());
                let annotated_usage = annotated
                    .as_ref()
                    .and_then(|a| Some((*a.usage.as_ref()?.0.as_deref()?, a)))
                    .map(|(u, a)| (u, relay_hint(a, &ev, data.as_deref())));
                if ev.model.is_none() {
                    ev.model = annotated
                        .as_mut()
                        .and_then(|a| a.model.take())
                        .or_else(|| data.as_mut().and_then(|d| d.model.take()));
                    ev.model_is_fallback = ev.model.is_some();
                }
                let (no_data, no_meta);
                let data = if let Some(d) = &data {
                    &**d
                } else {
                    no_data = DataProbe::default();
                    &no_data
                };
                let meta = if let Some(m) = &line.metadata.0 {
                    &**m
                } else {
                    no_meta = MetaProbe::default();
                    &no_meta
                };
                if kind == EventKind::End {
                    ev.tokens = annotated_usage
                        .and_then(|(u, sem)| u.tokens(sem))
                        .or_else(|| data_tokens(data, meta));
                    // Relay's `usage.cost` (TOKENS.md §1.3): shown as `reported` beside ours.
                    ev.reported_cost_nusd =
                        annotated_usage.and_then(|(u, _)| u.reported_cost_nusd());
                }
                ev.failure = failure(
                    line.status.as_deref(),
                    line.error.as_deref(),
                    data,
                    meta,
                    kind,
                );
                if kind == EventKind::End {
                    let role = meta.nemo_relay_scope_role.as_ref().and_then(Lv::as_str);
                    let scope = if role == Some("turn") {
                        let implicit = meta.turn_source.as_ref().and_then(Lv::as_str);
                        ending::Scope::Turn {
                            implicit: implicit == Some("implicit"),
                        }
                    } else if ev.category == Some(Category::Agent) {
                        ending::Scope::Agent
                    } else {
                        ending::Scope::Call
                    };
                    ev.failure = ending::refine(ev.failure, data, meta, scope);
                }
            }
        }
        let prompt = match (kind, data.as_deref()) {
            (EventKind::Start, Some(d)) => d.prompt.0.as_deref(),
            _ => None,
        };
        let meta = line.metadata.0.as_deref();
        let end = session::group(&mut self.sessions, &mut ev, meta, prompt, out);
        out(ev);
        if let Some(end) = end {
            out(end);
        }
        Ok(())
    }
}

fn str_of<'v>(v: Option<&'v Lv<'_>>) -> Option<&'v str> {
    v.and_then(Lv::as_str).filter(|s| !s.is_empty())
}

/// How Relay's normalized usage (`annotated_response.usage`) counts `prompt_tokens`
/// (TOKENS.md §1.3): its `uncached_input_tokens` settles it when present (the usage rule);
/// otherwise the cache parts are separate for an Anthropic provider, told by, in order, an
/// explicit `provider` or `api_specific`, the raw provider usage in `data`, a scope named
/// `anthropic.*`, a `claude*` / `anthropic*` model. Anything else is inclusive, as Relay's
/// own rule (`uses_separate_anthropic_cache_tokens`) has it.
fn relay_hint(a: &Annotated<'_>, ev: &Event<'_>, data: Option<&DataProbe<'_>>) -> Semantics {
    let named = a
        .provider
        .0
        .as_deref()
        .map_or(Semantics::Auto, Semantics::of_provider);
    let anthropic = |s: &str| {
        let s = s.trim().to_ascii_lowercase();
        s.starts_with("anthropic") || s.starts_with("claude")
    };
    if named != Semantics::Auto {
        named
    } else if a.api_specific.0 != Semantics::Auto {
        a.api_specific.0
    } else if let Some(sem) = data
        .and_then(raw_usage)
        .map(Usage::spelling)
        .filter(|s| *s != Semantics::Auto)
    {
        sem
    } else if anthropic(&ev.name) || ev.model.as_deref().is_some_and(anthropic) {
        Semantics::Exclusive
    } else {
        Semantics::Inclusive
    }
}

/// The provider's own usage object in `data` (a raw response body), if any.
fn raw_usage<'p>(d: &'p DataProbe<'_>) -> Option<&'p Usage> {
    [&d.usage, &d.token_usage, &d.usage_metadata]
        .into_iter()
        .flatten()
        .find_map(|u| u.0.as_deref())
}

fn data_tokens(d: &DataProbe<'_>, meta: &MetaProbe<'_>) -> Option<Tokens> {
    let auto = Semantics::Auto;
    raw_usage(d)
        .and_then(|u| u.tokens(auto))
        .or_else(|| {
            [&d.response.0, &d.annotated_response.0, &d.content.0]
                .into_iter()
                .flatten()
                .find_map(|a| a.usage.as_ref().and_then(|u| u.tokens(auto)))
        })
        .or_else(|| {
            [&meta.usage, &meta.token_usage]
                .into_iter()
                .flatten()
                .find_map(|u| u.tokens(auto))
        })
        .or_else(|| {
            [&meta.response, &meta.annotated_response]
                .into_iter()
                .flatten()
                .find_map(|t| t.tokens(auto))
        })
}

fn failure<'a>(
    top_status: Option<&Lv<'_>>,
    top_error: Option<&Lv<'_>>,
    d: &DataProbe<'_>,
    meta: &MetaProbe<'_>,
    kind: EventKind,
) -> Failure<'a> {
    let description = str_of(meta.otel_status_description.as_ref())
        .or_else(|| str_of(meta.otel_status_description_flat.as_ref()));
    let otel_error = [&meta.otel_status_code, &meta.otel_status_code_flat]
        .into_iter()
        .any(|c| str_of(c.as_ref()).is_some_and(|c| c.eq_ignore_ascii_case("error")));
    let status_word = |v: Option<&Lv<'_>>| -> Option<String> {
        match v? {
            Lv::Str(s) if is_error_status(s) => Some(s.as_ref().to_owned()),
            Lv::Other(Value::Object(o)) => {
                let code = o.get("code").or_else(|| o.get("status"));
                let bad = code.and_then(Value::as_str).is_some_and(is_error_status)
                    || code.and_then(Value::as_i64) == Some(2);
                bad.then(|| {
                    o.get("message")
                        .and_then(Value::as_str)
                        .unwrap_or("error")
                        .to_owned()
                })
            }
            _ => None,
        }
    };
    let data_error = d.error.as_ref().and_then(Lv::error_text);
    let data_is_error_body = d.kind.0.as_deref() == Some("error");
    let rejected = matches!(d.rejected, Some(Lv::Other(Value::Bool(true))));
    let severity_error = [&meta.severity, &meta.severity_flat]
        .into_iter()
        .any(|s| str_of(s.as_ref()).is_some_and(|s| s.eq_ignore_ascii_case("error")));

    let text = if otel_error {
        Some(
            description
                .map(str::to_owned)
                .or_else(|| data_error.clone())
                .unwrap_or_default(),
        )
    } else if let Some(e) = top_error.and_then(Lv::error_text) {
        Some(e)
    } else if let Some(w) = status_word(top_status) {
        Some(
            description
                .map(str::to_owned)
                .or_else(|| data_error.clone())
                .unwrap_or(w),
        )
    } else if let Some(w) = status_word(meta.status.as_ref()) {
        Some(
            data_error
                .clone()
                .or_else(|| meta.error.as_ref().and_then(Lv::error_text))
                .unwrap_or(w),
        )
    } else if let Some(e) = data_error {
        Some(e)
    } else if let Some(e) = meta.error.as_ref().and_then(Lv::error_text) {
        Some(e)
    } else if data_is_error_body {
        Some("provider returned an error body".to_owned())
    } else if let Some(w) = status_word(d.status.as_ref()).filter(|_| kind == EventKind::End) {
        Some(w)
    } else if rejected {
        let reason = d
            .rejection_reason
            .0
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or("no reason given");
        Some(format!("rejected: {reason}"))
    } else if severity_error {
        Some("error-severity log mark".to_owned())
    } else {
        None
    };
    text.map_or(Failure::None, |t| Failure::Error(Cow::Owned(t)))
}

#[cfg(test)]
mod tests;

/// ATOF in the registry: JSONL; `kind` + `atof_version` (0.1) or a draft's `kind` +
/// `schema_version` claim a line strongly, a `scope`/`mark` with a `uuid` weakly.
pub static DIALECT: crate::Dialect = crate::Dialect {
    format: Format::Atof,
    name: "atof",
    line_based: true,
    line: sniff_line,
    document: crate::dialect::never,
    partial_document: crate::dialect::never,
    file_name: |name| {
        name.starts_with("nemo-relay-events")
            || name.starts_with("nemo-flow-events")
            || name.contains("atof")
    },
    reader: || Box::<AtofReader>::default(),
};

fn sniff_line(o: &serde_json::Map<String, Value>) -> crate::Claim {
    use crate::Claim;
    let kind = o.get("kind").and_then(Value::as_str);
    if matches!(kind, Some("scope" | "mark")) && o.get("atof_version").is_some_and(Value::is_string)
    {
        return Claim::Strong;
    }
    if matches!(
        kind,
        Some("ScopeStart" | "ScopeEnd" | "Mark" | "StreamHeader" | "StreamHeaderEvent")
    ) && o.contains_key("schema_version")
    {
        return Claim::Strong;
    }
    if matches!(kind, Some("scope" | "mark")) && o.contains_key("uuid") {
        return Claim::Weak;
    }
    Claim::No
}
