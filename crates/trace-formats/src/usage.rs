//! Token usage and error extraction from the loosely specified JSON objects producers write.
//!
//! One alias table serves every dialect: OpenAI (`prompt_tokens`), Anthropic (`input_tokens`,
//! `cache_*_input_tokens`), camelCase SDKs, Gemini `usageMetadata` and Relay's normalized usage.

use std::borrow::Cow;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use trace_model::event::Tokens;

const INPUT: &[&str] = &[
    "prompt_tokens",
    "input_tokens",
    "inputTokens",
    "promptTokens",
    "promptTokenCount",
    "input",
];
const OUTPUT: &[&str] = &[
    "completion_tokens",
    "output_tokens",
    "completionTokens",
    "outputTokens",
    "candidatesTokenCount",
    "output",
];
const TOTAL: &[&str] = &["total_tokens", "totalTokens", "totalTokenCount", "total"];
const CACHE_READ: &[&str] = &[
    "cache_read_tokens",
    "cache_read_input_tokens",
    "cached_tokens",
    "cachedTokens",
    "cacheReadTokens",
    "cacheReadInputTokens",
    "cachedContentTokenCount",
    "cacheRead",
];
const CACHE_WRITE: &[&str] = &[
    "cache_write_tokens",
    "cache_creation_input_tokens",
    "cacheWriteTokens",
    "cacheCreationInputTokens",
    "cacheWrite",
];
/// Objects whose `cached_tokens` stand in for a missing cache-read figure, in order.
const DETAILS: &[&str] = &["prompt_tokens_details", "input_tokens_details"];
const DETAILS_CACHED: &[&str] = &["cached_tokens", "cache_read_tokens"];
/// Where `tokens_in` looks for a usage object, in order: these keys, then the same keys
/// inside the holders.
const USAGE_KEYS: &[&str] = &["usage", "token_usage", "usageMetadata"];
const USAGE_HOLDERS: &[&str] = &["annotated_response", "response", "content"];

/// Reads a non-negative token count: integers, integral floats and digit strings; saturates.
pub fn count(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64().or_else(|| count_f64(n.as_f64()?)),
        Value::String(s) => count_str(s),
        _ => None,
    }
}

/// A float count: finite and non-negative, rounded, saturating.
fn count_f64(f: f64) -> Option<u64> {
    (f.is_finite() && f >= 0.0).then(|| {
        if f >= u64::MAX as f64 {
            u64::MAX
        } else {
            f.round() as u64
        }
    })
}

fn count_str(s: &str) -> Option<u64> {
    s.trim().parse::<u64>().ok()
}

fn first(obj: &serde_json::Map<String, Value>, keys: &[&str]) -> Option<u64> {
    keys.iter().find_map(|k| obj.get(*k).and_then(count))
}

/// Reads a usage object; `None` when it reports no token figure at all.
pub fn tokens_from_usage(usage: &Value) -> Option<Tokens> {
    let obj = usage.as_object()?;
    let nested_cached = DETAILS.iter().find_map(|k| {
        obj.get(*k)?
            .as_object()
            .and_then(|d| first(d, DETAILS_CACHED))
    });
    finish(Tokens {
        input: first(obj, INPUT),
        output: first(obj, OUTPUT),
        total: first(obj, TOTAL),
        cache_read: first(obj, CACHE_READ).or(nested_cached),
        cache_write: first(obj, CACHE_WRITE),
    })
}

/// The figures of one usage object as `tokens_from_usage` reports them.
fn finish(mut t: Tokens) -> Option<Tokens> {
    if t.is_empty() {
        return None;
    }
    // A reported total smaller than input + output is not a total: recompute it.
    let sum = t.input.unwrap_or(0).saturating_add(t.output.unwrap_or(0));
    if t.total.is_none_or(|total| total < sum) && (t.input.is_some() || t.output.is_some()) {
        t.total = Some(sum);
    }
    Some(t)
}

/// Looks for usage in the places producers put it inside one object (`data`, `metadata`,
/// a response body): `usage`, `token_usage`, `usageMetadata`, and the same one level down
/// under `response`, `annotated_response`, `content`.
pub fn tokens_in(obj: &Value) -> Option<Tokens> {
    let obj = obj.as_object()?;
    for key in USAGE_KEYS {
        if let Some(t) = obj.get(*key).and_then(tokens_from_usage) {
            return Some(t);
        }
    }
    for outer in USAGE_HOLDERS {
        if let Some(inner) = obj.get(*outer).filter(|v| v.is_object()) {
            for key in USAGE_KEYS {
                if let Some(t) = inner.get(*key).and_then(tokens_from_usage) {
                    return Some(t);
                }
            }
        }
    }
    None
}

/// Text of an error value: a string, or `message` / `error.message` / `type` of an object.
pub fn error_text(v: &Value) -> Option<String> {
    match v {
        Value::Null | Value::Bool(false) => None,
        Value::Bool(true) => Some(String::new()),
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => {
            let msg = o
                .get("message")
                .and_then(Value::as_str)
                .or_else(|| {
                    o.get("error")
                        .and_then(|e| e.get("message"))
                        .and_then(Value::as_str)
                })
                .or_else(|| o.get("type").and_then(Value::as_str));
            Some(msg.map_or_else(|| v.to_string(), str::to_owned))
        }
        other => Some(other.to_string()),
    }
}

/// Whether a status word means failure.
pub fn is_error_status(s: &str) -> bool {
    let s = s.trim();
    [
        "error",
        "failed",
        "failure",
        "denied",
        "cancelled",
        "canceled",
        "aborted",
        "timeout",
        "status_code_error",
    ]
    .iter()
    .any(|w| s.eq_ignore_ascii_case(w))
}

// Typed probes: the answers of `count`, `tokens_from_usage` and `tokens_in`, read straight
// off the parser without building a `Value` (no map, no key strings). They accept exactly
// what `Value` accepts and fail exactly where it fails, with the same error: every value
// goes through `deserialize_any` as `Value` does (same number, string-escape and depth
// checks, unlike the laxer `IgnoredAny` skip), a repeated key replaces the earlier one as
// in a map, and serde_json's raw-value envelope is honoured (see `RAW_VALUE_TOKEN`).

/// With serde_json's `raw_value` feature, `Value` reads an object whose first key is this
/// as the JSON document in the string it maps to (`{"<token>": "[1]"}` is `[1]`).
const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// A small summary of any JSON value, read with `Value`'s acceptance.
pub(crate) trait Lenient: Default + DeserializeOwned {
    /// Per-object state while the entries are read.
    type Obj: Default;
    /// Keys whose values the probe reads; `field` gets an index into this list.
    const FIELDS: &'static [&'static str];
    /// Reads the value of `FIELDS[i]`, replacing what an earlier duplicate key gave.
    fn field<'de, A: MapAccess<'de>>(
        _obj: &mut Self::Obj,
        _i: usize,
        map: &mut A,
    ) -> Result<(), A::Error> {
        map.next_value::<Validate>().map(drop)
    }
    /// The answer for an object once all its entries are read.
    fn object(obj: Self::Obj) -> Self;
    /// The answer for a number or a string; anything else but an object is the default.
    fn scalar(_: Scalar<'_>) -> Self {
        Self::default()
    }
}

pub(crate) enum Scalar<'s> {
    U64(u64),
    I64(i64),
    F64(f64),
    Str(&'s str),
}

struct LenientVisitor<T>(PhantomData<T>);

fn lenient<'de, T: Lenient, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(LenientVisitor(PhantomData))
}

impl<'de, T: Lenient> Visitor<'de> for LenientVisitor<T> {
    type Value = T;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any valid JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_unit<E>(self) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_u64<E>(self, v: u64) -> Result<T, E> {
        Ok(T::scalar(Scalar::U64(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<T, E> {
        Ok(T::scalar(Scalar::I64(v)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<T, E> {
        Ok(T::scalar(Scalar::F64(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<T, E> {
        Ok(T::scalar(Scalar::Str(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        while seq.next_element::<Validate>()?.is_some() {}
        Ok(T::default())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut obj = T::Obj::default();
        let mut first = true;
        while let Some(key) = map.next_key_seed(KeySeed(T::FIELDS))? {
            match key {
                Key::Raw if first => {
                    let text = map.next_value_seed(RawText)?;
                    return serde_json::from_str(&text).map_err(de::Error::custom);
                }
                Key::Field(i) => T::field(&mut obj, i, &mut map)?,
                Key::Raw | Key::Other => {
                    map.next_value::<Validate>()?;
                }
            }
            first = false;
        }
        Ok(T::object(obj))
    }
}

enum Key {
    Raw,
    Field(usize),
    Other,
}

struct KeySeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Key;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string key")
    }
    fn visit_str<E>(self, s: &str) -> Result<Key, E> {
        Ok(if s == RAW_VALUE_TOKEN {
            Key::Raw
        } else {
            self.0
                .iter()
                .position(|k| *k == s)
                .map_or(Key::Other, Key::Field)
        })
    }
}

/// The string of a raw-value envelope (as serde_json's `BoxedFromString` reads it).
struct RawText;

impl<'de> DeserializeSeed<'de> for RawText {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for RawText {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("raw value")
    }
    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(s))
    }
    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(s.to_owned()))
    }
}

/// Any JSON value, checked as `Value` would check it and dropped.
#[derive(Default)]
pub(crate) struct Validate;

impl<'de> Deserialize<'de> for Validate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

impl Lenient for Validate {
    type Obj = ();
    const FIELDS: &'static [&'static str] = &[];
    fn object((): ()) -> Self {
        Self
    }
}

/// `count` of a value.
#[derive(Default)]
pub(crate) struct Count(pub(crate) Option<u64>);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

impl Lenient for Count {
    type Obj = ();
    const FIELDS: &'static [&'static str] = &[];
    fn object((): ()) -> Self {
        Self(None)
    }
    fn scalar(v: Scalar<'_>) -> Self {
        Self(match v {
            Scalar::U64(n) => Some(n),
            Scalar::I64(n) => u64::try_from(n).ok(),
            Scalar::F64(f) => count_f64(f),
            Scalar::Str(s) => count_str(s),
        })
    }
}

/// The cached figure of a `*_tokens_details` object (`None` for anything else).
#[derive(Default)]
struct DetailsCached(Option<u64>);

impl<'de> Deserialize<'de> for DetailsCached {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

impl Lenient for DetailsCached {
    type Obj = [Option<u64>; DETAILS_CACHED.len()];
    const FIELDS: &'static [&'static str] = DETAILS_CACHED;
    fn field<'de, A: MapAccess<'de>>(
        obj: &mut Self::Obj,
        i: usize,
        map: &mut A,
    ) -> Result<(), A::Error> {
        obj[i] = map.next_value::<Count>()?.0;
        Ok(())
    }
    fn object(obj: Self::Obj) -> Self {
        Self(obj.into_iter().flatten().next())
    }
}

const fn concat<const N: usize>(tables: &[&[&'static str]]) -> [&'static str; N] {
    let mut out = [""; N];
    let (mut t, mut k) = (0, 0);
    while t < tables.len() {
        let mut i = 0;
        while i < tables[t].len() {
            out[k] = tables[t][i];
            k += 1;
            i += 1;
        }
        t += 1;
    }
    assert!(k == N);
    out
}

const AT_OUTPUT: usize = INPUT.len();
const AT_TOTAL: usize = AT_OUTPUT + OUTPUT.len();
const AT_CACHE_READ: usize = AT_TOTAL + TOTAL.len();
const AT_CACHE_WRITE: usize = AT_CACHE_READ + CACHE_READ.len();
const AT_DETAILS: usize = AT_CACHE_WRITE + CACHE_WRITE.len();
const N_USAGE_FIELDS: usize = AT_DETAILS + DETAILS.len();
const USAGE_FIELDS: [&str; N_USAGE_FIELDS] =
    concat(&[INPUT, OUTPUT, TOTAL, CACHE_READ, CACHE_WRITE, DETAILS]);

/// `tokens_from_usage` of a value.
#[derive(Default)]
pub(crate) struct UsageProbe(pub(crate) Option<Tokens>);

impl<'de> Deserialize<'de> for UsageProbe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

impl Lenient for UsageProbe {
    /// One figure per key of `USAGE_FIELDS` (for the details objects, their cached figure).
    type Obj = [Option<u64>; N_USAGE_FIELDS];
    const FIELDS: &'static [&'static str] = &USAGE_FIELDS;
    fn field<'de, A: MapAccess<'de>>(
        obj: &mut Self::Obj,
        i: usize,
        map: &mut A,
    ) -> Result<(), A::Error> {
        obj[i] = if i < AT_DETAILS {
            map.next_value::<Count>()?.0
        } else {
            map.next_value::<DetailsCached>()?.0
        };
        Ok(())
    }
    fn object(obj: Self::Obj) -> Self {
        let first = |from: usize, to: usize| obj[from..to].iter().find_map(|c| *c);
        Self(finish(Tokens {
            input: first(0, AT_OUTPUT),
            output: first(AT_OUTPUT, AT_TOTAL),
            total: first(AT_TOTAL, AT_CACHE_READ),
            cache_read: first(AT_CACHE_READ, AT_CACHE_WRITE)
                .or_else(|| first(AT_DETAILS, N_USAGE_FIELDS)),
            cache_write: first(AT_CACHE_WRITE, AT_DETAILS),
        }))
    }
}

/// The first usage found under `USAGE_KEYS` of a value (one `USAGE_HOLDERS` level of
/// `tokens_in`).
#[derive(Default)]
struct HolderProbe(Option<Tokens>);

impl<'de> Deserialize<'de> for HolderProbe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

impl Lenient for HolderProbe {
    type Obj = [Option<Tokens>; USAGE_KEYS.len()];
    const FIELDS: &'static [&'static str] = USAGE_KEYS;
    fn field<'de, A: MapAccess<'de>>(
        obj: &mut Self::Obj,
        i: usize,
        map: &mut A,
    ) -> Result<(), A::Error> {
        obj[i] = map.next_value::<UsageProbe>()?.0;
        Ok(())
    }
    fn object(obj: Self::Obj) -> Self {
        Self(obj.into_iter().flatten().next())
    }
}

const TOKENS_IN_FIELDS: [&str; USAGE_KEYS.len() + USAGE_HOLDERS.len()] =
    concat(&[USAGE_KEYS, USAGE_HOLDERS]);

/// `tokens_in` of a value.
#[derive(Default)]
pub(crate) struct TokensInProbe(pub(crate) Option<Tokens>);

impl<'de> Deserialize<'de> for TokensInProbe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

impl Lenient for TokensInProbe {
    type Obj = [Option<Tokens>; TOKENS_IN_FIELDS.len()];
    const FIELDS: &'static [&'static str] = &TOKENS_IN_FIELDS;
    fn field<'de, A: MapAccess<'de>>(
        obj: &mut Self::Obj,
        i: usize,
        map: &mut A,
    ) -> Result<(), A::Error> {
        obj[i] = if i < USAGE_KEYS.len() {
            map.next_value::<UsageProbe>()?.0
        } else {
            map.next_value::<HolderProbe>()?.0
        };
        Ok(())
    }
    fn object(obj: Self::Obj) -> Self {
        Self(obj.into_iter().flatten().next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn openai_usage() {
        let t = tokens_from_usage(
            &json!({"prompt_tokens": 84, "completion_tokens": 18, "total_tokens": 102,
            "prompt_tokens_details": {"cached_tokens": 64}}),
        )
        .unwrap();
        assert_eq!(
            t,
            Tokens {
                input: Some(84),
                output: Some(18),
                total: Some(102),
                cache_read: Some(64),
                cache_write: None
            }
        );
    }

    #[test]
    fn anthropic_usage_total_is_input_plus_output() {
        let t = tokens_from_usage(
            &json!({"input_tokens": 9, "cache_creation_input_tokens": 640,
            "cache_read_input_tokens": 21480, "output_tokens": 74}),
        )
        .unwrap();
        assert_eq!(
            t,
            Tokens {
                input: Some(9),
                output: Some(74),
                total: Some(83),
                cache_read: Some(21480),
                cache_write: Some(640)
            }
        );
    }

    #[test]
    fn total_smaller_than_parts_is_rejected() {
        let t = tokens_from_usage(&json!({"input": 10, "output": 5, "total": 3})).unwrap();
        assert_eq!(t.total, Some(15));
    }

    #[test]
    fn odd_numbers() {
        assert_eq!(count(&json!(1e30)), Some(u64::MAX));
        assert_eq!(count(&json!(-5)), None);
        assert_eq!(count(&json!("42")), Some(42));
        assert_eq!(tokens_from_usage(&json!({"foo": 1})), None);
        assert_eq!(tokens_from_usage(&json!([1, 2])), None);
    }

    #[test]
    fn nested_locations() {
        let t = tokens_in(&json!({"response": {"usage": {"input_tokens": 3, "output_tokens": 4}}}))
            .unwrap();
        assert_eq!(t.total, Some(7));
        let g = tokens_in(&json!({"usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 6, "totalTokenCount": 11}})).unwrap();
        assert_eq!((g.input, g.output, g.total), (Some(5), Some(6), Some(11)));
    }

    /// Reads `text` as a `Value` and through a typed probe; both must agree, errors included.
    fn same<T: Lenient, R: PartialEq + std::fmt::Debug>(
        text: &str,
        of_value: impl Fn(&Value) -> R,
        of_probe: impl Fn(T) -> R,
    ) -> Result<R, String> {
        let v = serde_json::from_str::<Value>(text).map(|v| of_value(&v));
        let p = serde_json::from_str::<T>(text).map(of_probe);
        let (v, p) = (v.map_err(|e| e.to_string()), p.map_err(|e| e.to_string()));
        assert_eq!(v, p, "{text}");
        v
    }

    fn usage(text: &str) -> Result<Option<Tokens>, String> {
        same::<UsageProbe, _>(text, tokens_from_usage, |p| p.0)
    }

    fn figures(text: &str) -> Option<(Option<u64>, Option<u64>, Option<u64>, Option<u64>)> {
        usage(text)
            .unwrap()
            .map(|t| (t.input, t.output, t.total, t.cache_read))
    }

    #[test]
    fn probe_alias_priority() {
        // The first alias in table order wins, whatever the key order in the object.
        assert_eq!(
            figures(r#"{"input": 1, "inputTokens": 2, "prompt_tokens": 3, "output": 4}"#),
            Some((Some(3), Some(4), Some(7), None))
        );
        // An alias whose value is not a count is passed over.
        assert_eq!(
            figures(r#"{"prompt_tokens": "many", "input_tokens": null, "input": 5}"#),
            Some((Some(5), None, Some(5), None))
        );
        // Cache read: every top-level alias before the details objects, prompt's before input's.
        assert_eq!(
            figures(
                r#"{"input_tokens_details": {"cached_tokens": 1}, "prompt_tokens_details": {"cache_read_tokens": 2, "cached_tokens": 3}}"#
            ),
            Some((None, None, None, Some(3)))
        );
        assert_eq!(
            figures(r#"{"prompt_tokens_details": {"cached_tokens": 1}, "cacheRead": 9}"#),
            Some((None, None, None, Some(9)))
        );
        assert_eq!(
            figures(
                r#"{"prompt_tokens_details": 7, "input_tokens_details": {"cached_tokens": 8}}"#
            ),
            Some((None, None, None, Some(8)))
        );
        for key in USAGE_FIELDS {
            assert!(usage(&format!(r#"{{"{key}": 1}}"#)).is_ok());
        }
    }

    #[test]
    fn probe_counts() {
        let one = |v: &str| {
            same::<Count, _>(v, count, |c| c.0).unwrap();
            figures(&format!(r#"{{"prompt_tokens": {v}}}"#)).and_then(|t| t.0)
        };
        assert_eq!(one("12"), Some(12));
        assert_eq!(one("12.0"), Some(12));
        assert_eq!(one("12.5"), Some(13));
        assert_eq!(one("-0.0"), Some(0));
        assert_eq!(one("-0"), Some(0));
        assert_eq!(one("-1"), None);
        assert_eq!(one("1e30"), Some(u64::MAX));
        assert_eq!(one("18446744073709551615"), Some(u64::MAX));
        assert_eq!(one("18446744073709551616"), Some(u64::MAX));
        assert_eq!(one(r#"" 42 ""#), Some(42));
        assert_eq!(one(r#""4\u0032""#), Some(42));
        assert_eq!(one(r#""-3""#), None);
        assert_eq!(one(r#""1e3""#), None);
        assert_eq!(one("true"), None);
        assert_eq!(one("[1]"), None);
        assert_eq!(one(r#"{"value": 1}"#), None);
    }

    #[test]
    fn probe_ignores_what_is_not_an_object() {
        for v in [
            "null",
            "true",
            "3",
            "-2.5",
            r#""usage""#,
            "[]",
            r#"[{"input": 1}]"#,
            "{}",
        ] {
            assert_eq!(usage(v), Ok(None), "{v}");
            assert_eq!(same::<TokensInProbe, _>(v, tokens_in, |p| p.0), Ok(None));
        }
        assert_eq!(figures(r#"{"foo": 1, "bar": {"input": 2}}"#), None);
    }

    #[test]
    fn probe_duplicate_keys_last_wins() {
        assert_eq!(
            figures(r#"{"input": 1, "input": 2}"#),
            Some((Some(2), None, Some(2), None))
        );
        // The later non-count hides the earlier count, as in a map.
        assert_eq!(
            figures(r#"{"prompt_tokens": 1, "input": 5, "prompt_tokens": "x"}"#),
            Some((Some(5), None, Some(5), None))
        );
        assert_eq!(
            figures(
                r#"{"prompt_tokens_details": {"cached_tokens": 1}, "prompt_tokens_details": [], "input_tokens_details": {"cached_tokens": 2, "cached_tokens": 3}}"#
            ),
            Some((None, None, None, Some(3)))
        );
        let t = |v: &str| same::<TokensInProbe, _>(v, tokens_in, |p| p.0).unwrap();
        assert_eq!(t(r#"{"usage": {"input": 1}, "usage": 0}"#), None);
        assert_eq!(
            t(r#"{"response": {"usage": {"input": 1}}, "usage": {"total": 4}, "content": {"usage": {"input": 2}}}"#)
                .map(|t| t.total),
            Some(Some(4))
        );
        assert_eq!(
            t(r#"{"content": {"usage": {"input": 2}}, "response": {"token_usage": {"input": 1}}}"#)
                .map(|t| t.input),
            Some(Some(1))
        );
    }

    #[test]
    fn probe_fails_exactly_where_value_fails() {
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        for bad in [
            r#"{"input": 1e400}"#.to_owned(),
            r#"{"other": -1e400}"#.to_owned(),
            r#"{"other": "\ud800"}"#.to_owned(),
            r#"{"other": [1,]}"#.to_owned(),
            r#"{"input": 1,}"#.to_owned(),
            format!(r#"{{"other": {deep}}}"#),
        ] {
            assert!(usage(&bad).is_err(), "{bad}");
        }
        // Nesting up to the limit is fine.
        let ok = format!(
            r#"{{"other": {}1{}, "input": 2}}"#,
            "[".repeat(120),
            "]".repeat(120)
        );
        assert!(usage(&ok).unwrap().is_some());
    }

    #[test]
    fn probe_reads_serde_json_raw_value_envelopes() {
        // `Value` reads `{"<token>": "<json>"}` as the JSON in the string; the probes must too.
        assert_eq!(
            serde_json::from_str::<Value>(&format!(r#"{{"{RAW_VALUE_TOKEN}": "[1]"}}"#)).unwrap(),
            json!([1])
        );
        let env = |inner: &str| {
            format!(
                r#"{{"{RAW_VALUE_TOKEN}": {}}}"#,
                serde_json::to_string(inner).unwrap()
            )
        };
        assert_eq!(
            figures(&env(r#"{"input": 3}"#)),
            Some((Some(3), None, Some(3), None))
        );
        assert_eq!(
            figures(&format!(r#"{{"input": {}}}"#, env("4"))),
            Some((Some(4), None, Some(4), None))
        );
        assert_eq!(
            figures(&format!(r#"{{"x": 1, "{RAW_VALUE_TOKEN}": "4"}}"#)),
            None
        );
        assert!(usage(&env("{")).is_err());
        assert!(usage(&format!(r#"{{"{RAW_VALUE_TOKEN}": 4}}"#)).is_err());
        assert!(usage(&format!(r#"{{"{RAW_VALUE_TOKEN}": "4", "input": 1}}"#)).is_err());
    }
}
