//! The OTLP/JSON wire shape, borrowed from the record: `resourceSpans[].scopeSpans[].spans[]`
//! with only the span fields the reader maps. Attribute lists are read straight into
//! [`Attrs`] slots: the key comes first, so a value whose key is not mapped is skipped without
//! being decoded (large `gen_ai.input.messages` strings cost a scan, never a copy).
//!
//! Lenient where producers differ (FORMATS.md §4.2, §4.6): 64-bit integers as strings or
//! numbers, enums as integers or names, snake_case field names as protobuf's
//! `preserving_proto_field_name` writes them, and pre-1.0 `instrumentationLibrarySpans`.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::attrs::{Slot, Val};
use crate::Str;

/// One `ExportTraceServiceRequest` / `TracesData`.
#[derive(Deserialize)]
#[allow(clippy::struct_field_names)] // the wire's own names
pub(super) struct Request<'a> {
    #[serde(borrow, rename = "resourceSpans", alias = "resource_spans")]
    pub resource_spans: Option<Vec<ResourceSpans<'a>>>,
    #[serde(rename = "resourceLogs", alias = "resource_logs")]
    pub resource_logs: Option<IgnoredAny>,
    #[serde(rename = "resourceMetrics", alias = "resource_metrics")]
    pub resource_metrics: Option<IgnoredAny>,
}

#[derive(Deserialize)]
pub(super) struct ResourceSpans<'a> {
    #[serde(
        borrow,
        default,
        rename = "scopeSpans",
        alias = "scope_spans",
        alias = "instrumentationLibrarySpans"
    )]
    pub scope_spans: Vec<ScopeSpans<'a>>,
}

#[derive(Deserialize)]
pub(super) struct ScopeSpans<'a> {
    #[serde(borrow, default)]
    pub spans: Vec<Span<'a>>,
}

#[derive(Deserialize)]
#[allow(clippy::struct_field_names)] // the wire's own names
pub(super) struct Span<'a> {
    #[serde(borrow, rename = "traceId", alias = "trace_id")]
    pub trace_id: Option<Str<'a>>,
    #[serde(borrow, rename = "spanId", alias = "span_id")]
    pub span_id: Option<Str<'a>>,
    #[serde(borrow, rename = "parentSpanId", alias = "parent_span_id")]
    pub parent_span_id: Option<Str<'a>>,
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(rename = "startTimeUnixNano", alias = "start_time_unix_nano")]
    pub start_ns: Option<Nanos>,
    #[serde(rename = "endTimeUnixNano", alias = "end_time_unix_nano")]
    pub end_ns: Option<Nanos>,
    #[serde(borrow, default)]
    pub attributes: Attrs<'a>,
    #[serde(borrow, default)]
    pub events: Vec<SpanEvent<'a>>,
    #[serde(borrow)]
    pub status: Option<Status<'a>>,
}

/// A span event; only `exception` events are read.
#[derive(Deserialize)]
pub(super) struct SpanEvent<'a> {
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(borrow, default)]
    pub attributes: Attrs<'a>,
}

#[derive(Deserialize)]
pub(super) struct Status<'a> {
    pub code: Option<StatusCode>,
    #[serde(borrow)]
    pub message: Option<Str<'a>>,
}

/// `status.code`: 2 or `"STATUS_CODE_ERROR"` is an error.
pub(super) struct StatusCode(pub bool);

impl<'de> Deserialize<'de> for StatusCode {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = StatusCode;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a status code")
            }
            fn visit_u64<E>(self, v: u64) -> Result<StatusCode, E> {
                Ok(StatusCode(v == 2))
            }
            fn visit_i64<E>(self, v: i64) -> Result<StatusCode, E> {
                Ok(StatusCode(v == 2))
            }
            fn visit_f64<E>(self, v: f64) -> Result<StatusCode, E> {
                Ok(StatusCode((v - 2.0).abs() < f64::EPSILON))
            }
            fn visit_str<E>(self, v: &str) -> Result<StatusCode, E> {
                let v = v.trim();
                Ok(StatusCode(
                    v == "2"
                        || v.eq_ignore_ascii_case("STATUS_CODE_ERROR")
                        || v.eq_ignore_ascii_case("ERROR"),
                ))
            }
        }
        d.deserialize_any(V)
    }
}

/// A non-negative integer written as a number or a decimal string (`None` when it is not one).
pub(super) struct Count(pub Option<u64>);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer")
            }
            fn visit_u64<E>(self, v: u64) -> Result<Count, E> {
                Ok(Count(Some(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Count, E> {
                Ok(Count(u64::try_from(v).ok()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Count, E> {
                Ok(Count(crate::usage::count_f64(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Count, E> {
                Ok(Count(crate::usage::count_str(v)))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Count, E> {
                Ok(Count(None))
            }
            fn visit_unit<E>(self) -> Result<Count, E> {
                Ok(Count(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// A span's time: nanoseconds since the epoch as a number or a decimal string. `null` and 0
/// are unset (OTLP's default); anything else that is not one is unreadable, and the reader
/// says so instead of dropping the time silently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Nanos {
    Unset,
    At(u64),
    Unreadable,
}

impl Nanos {
    fn of(n: Option<u64>) -> Self {
        match n {
            Some(0) => Nanos::Unset,
            Some(n) => Nanos::At(n),
            None => Nanos::Unreadable,
        }
    }
}

impl<'de> Deserialize<'de> for Nanos {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Nanos;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("nanoseconds")
            }
            fn visit_u64<E>(self, v: u64) -> Result<Nanos, E> {
                Ok(Nanos::of(Some(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Nanos, E> {
                Ok(Nanos::of(u64::try_from(v).ok()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Nanos, E> {
                Ok(Nanos::of(crate::usage::count_f64(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Nanos, E> {
                if v.trim().is_empty() {
                    return Ok(Nanos::Unset);
                }
                Ok(Nanos::of(crate::usage::count_str(v)))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Nanos, E> {
                Ok(Nanos::Unreadable)
            }
            fn visit_unit<E>(self) -> Result<Nanos, E> {
                Ok(Nanos::Unset)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut m: A) -> Result<Nanos, A::Error> {
                while m.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
                Ok(Nanos::Unreadable)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut s: A) -> Result<Nanos, A::Error> {
                while s.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(Nanos::Unreadable)
            }
        }
        d.deserialize_any(V)
    }
}

/// An `AnyValue`: the scalar forms; arrays, kvlists and bytes are skipped.
#[derive(Deserialize)]
struct AnyValue<'a> {
    #[serde(borrow, rename = "stringValue", alias = "string_value")]
    s: Option<Str<'a>>,
    #[serde(rename = "intValue", alias = "int_value")]
    i: Option<Count>,
    #[serde(rename = "doubleValue", alias = "double_value")]
    d: Option<Count>,
}

impl<'a> AnyValue<'a> {
    fn into_val(self) -> Val<'a> {
        match self.s {
            Some(s) => Val {
                count: crate::usage::count_str(&s),
                text: Some(s.0),
            },
            None => Val {
                text: None,
                count: self.i.and_then(|c| c.0).or(self.d.and_then(|c| c.0)),
            },
        }
    }
}

/// The mapped attributes of a span (or span event): the keys the reader knows, each once, in
/// the order first read (a repeated key: the last value counts). A list, not a slot per key: a span
/// maps a few of the thirty keys, and a 1.4 kB array made every move of a span a copy of it
/// (8% of an OTLP load's instructions in `memcpy`).
#[derive(Default)]
pub(super) struct Attrs<'a> {
    pub vals: Vec<(Slot, Val<'a>)>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Attrs<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Attrs<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of key-value attributes")
            }
            fn visit_unit<E>(self) -> Result<Attrs<'a>, E> {
                Ok(Attrs::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Attrs<'a>, A::Error> {
                let mut attrs = Attrs::default();
                while let Some(kv) = seq.next_element::<KeyValue<'a>>()? {
                    if let (Some(slot), Some(v)) = (kv.slot, kv.val) {
                        // A repeated key replaces its value: a span repeating one a
                        // million times keeps one.
                        match attrs.vals.iter_mut().find(|(k, _)| *k == slot) {
                            Some(kept) => kept.1 = v,
                            None => attrs.vals.push((slot, v)),
                        }
                    }
                }
                Ok(attrs)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// One `{key, value}`; the value is decoded only when the key maps to a slot.
struct KeyValue<'a> {
    slot: Option<Slot>,
    val: Option<Val<'a>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for KeyValue<'a> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = KeyValue<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key-value object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<KeyValue<'a>, A::Error> {
                // `None` until the key is seen; then whether it maps to a slot.
                let mut slot: Option<Option<Slot>> = None;
                let mut val = None;
                while let Some(k) = map.next_key::<Str<'de>>()? {
                    match &*k {
                        "key" => {
                            let key = map.next_value::<Str<'de>>()?;
                            slot = Some(Slot::of(&key));
                        }
                        "value" if slot == Some(None) => {
                            map.next_value::<IgnoredAny>()?;
                        }
                        "value" => {
                            let v = map.next_value::<Option<AnyValue<'a>>>()?;
                            val = v.map(AnyValue::into_val);
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(KeyValue {
                    slot: slot.flatten(),
                    val,
                })
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

/// The text of an id or name field, if present and not blank.
pub(super) fn text(s: Option<Str<'_>>) -> Option<Cow<'_, str>> {
    s.map(|s| s.0).filter(|s| !s.trim().is_empty())
}
