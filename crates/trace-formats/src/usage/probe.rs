//! Typed probes: the answers of `count`, `usage_of` and `usage_in` (so `tokens_from_usage`
// and `tokens_in`), read straight
// off the parser without building a `Value` (no map, no key strings). They accept exactly
// what `Value` accepts and fail exactly where it fails, with the same error: every value
// goes through `deserialize_any` as `Value` does (same number, string-escape and depth
// checks, unlike the laxer `IgnoredAny` skip), a repeated key replaces the earlier one as
// in a map, and serde_json's raw-value envelope is honoured (see `RAW_VALUE_TOKEN`).

use std::borrow::Cow;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::{
    AT_COST, AT_DETAILS, AT_LISTS, DETAIL_FIELDS, ENTRY_FIELDS, Raw, Semantics, USAGE_FIELDS,
    USAGE_HOLDERS, USAGE_KEYS, Usage, Writes, concat, count_f64, count_str, ttl_seconds,
};
use trace_model::event::Tokens;

/// With serde_json's `raw_value` feature, `Value` reads an object whose first key is this
/// as the JSON document in the string it maps to (`{"<token>": "[1]"}` is `[1]`).
pub(crate) const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// A small summary of any JSON value, read with `Value`'s acceptance.
pub(crate) trait Lenient: Default + DeserializeOwned {
    /// Per-object state while the entries are read.
    type Obj: Default;
    /// Keys whose values the probe reads; `field` gets an index into this list.
    const FIELDS: &'static [&'static str];
    /// The index of `key` in [`Self::FIELDS`].
    fn field_index(key: &str) -> Option<usize> {
        Self::FIELDS.iter().position(|k| *k == key)
    }
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
    /// The answer for an array; by default every element is checked and dropped.
    fn seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<Validate>()?.is_some() {}
        Ok(Self::default())
    }
}

pub(crate) enum Scalar<'s> {
    U64(u64),
    I64(i64),
    F64(f64),
    Str(&'s str),
}

pub(crate) struct LenientVisitor<T>(pub(crate) PhantomData<T>);

pub(crate) fn lenient<'de, T: Lenient, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
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
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<T, A::Error> {
        T::seq(seq)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut obj = T::Obj::default();
        let mut first = true;
        while let Some(key) = map.next_key_seed(KeySeed(T::field_index))? {
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

pub(crate) enum Key {
    Raw,
    Field(usize),
    Other,
}

/// Reads a key as its index among a probe's fields (the function finds it).
pub(crate) struct KeySeed(fn(&str) -> Option<usize>);

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
            (self.0)(s).map_or(Key::Other, Key::Field)
        })
    }
}

/// The string of a raw-value envelope (as serde_json's `BoxedFromString` reads it).
pub(crate) struct RawText;

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

/// The parts of a `*_tokens_details` / `cache_creation` object (`None` for anything else).
#[derive(Default)]
pub(crate) struct DetailsProbe(pub(crate) Option<[Option<u64>; DETAIL_FIELDS.len()]>);

impl<'de> Deserialize<'de> for DetailsProbe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

impl Lenient for DetailsProbe {
    type Obj = [Option<u64>; DETAIL_FIELDS.len()];
    const FIELDS: &'static [&'static str] = DETAIL_FIELDS;
    fn field<'de, A: MapAccess<'de>>(
        obj: &mut Self::Obj,
        i: usize,
        map: &mut A,
    ) -> Result<(), A::Error> {
        obj[i] = map.next_value::<Count>()?.0;
        Ok(())
    }
    fn object(obj: Self::Obj) -> Self {
        Self(Some(obj))
    }
}

/// A TTL: seconds as a number, or a string such as `"5m"` / `"3600s"`.
#[derive(Default)]
pub(crate) struct Ttl(pub(crate) Option<u64>);

impl<'de> Deserialize<'de> for Ttl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

impl Lenient for Ttl {
    type Obj = ();
    const FIELDS: &'static [&'static str] = &[];
    fn object((): ()) -> Self {
        Self(None)
    }
    fn scalar(v: Scalar<'_>) -> Self {
        Self(match v {
            Scalar::Str(s) => ttl_seconds(s),
            other => Count::scalar(other).0,
        })
    }
}

/// One `{count|inputTokens, duration|ttl}` entry of a per-TTL write list.
#[derive(Default)]
pub(crate) struct Entry(pub(crate) Option<(Option<u64>, Option<u64>)>);

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

impl Lenient for Entry {
    type Obj = [Option<u64>; ENTRY_FIELDS.len()];
    const FIELDS: &'static [&'static str] = ENTRY_FIELDS;
    fn field<'de, A: MapAccess<'de>>(
        obj: &mut Self::Obj,
        i: usize,
        map: &mut A,
    ) -> Result<(), A::Error> {
        obj[i] = if i < 2 {
            map.next_value::<Count>()?.0
        } else {
            map.next_value::<Ttl>()?.0
        };
        Ok(())
    }
    fn object(obj: Self::Obj) -> Self {
        Self(Some((obj[0].or(obj[1]), obj[2].or(obj[3]))))
    }
}

/// A write count, or a list of per-TTL entries.
#[derive(Default)]
pub(crate) struct WritesProbe(pub(crate) Writes);

impl<'de> Deserialize<'de> for WritesProbe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

impl Lenient for WritesProbe {
    type Obj = ();
    const FIELDS: &'static [&'static str] = &[];
    fn object((): ()) -> Self {
        Self::default()
    }
    fn scalar(v: Scalar<'_>) -> Self {
        Self(Writes {
            total: Count::scalar(v).0,
            one_hour: None,
        })
    }
    fn seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let (mut w, mut any) = (Writes::default(), false);
        while let Some(e) = seq.next_element::<Entry>()? {
            any = true;
            if let Some((n, ttl)) = e.0 {
                w.add_entry(n, ttl);
            }
        }
        Ok(Self(if any {
            w.end_list()
        } else {
            Writes::empty_list()
        }))
    }
}

/// `usage_of` of a value: the reduced figures of a usage object that reports any. Boxed:
/// a usage is rare (one per LLM call) and `Usage` is 200 bytes, which every probe holding
/// one would otherwise move around for every line (serde moves values by copy).
#[derive(Default)]
pub(crate) struct UsageProbe(pub(crate) Option<Box<Usage>>);

impl UsageProbe {
    /// The tokens in trace-tui's meaning, given how the provider counts input.
    pub(crate) fn tokens(&self, sem: Semantics) -> Option<Tokens> {
        self.0.as_ref().and_then(|u| u.tokens(sem))
    }
}

impl<'de> Deserialize<'de> for UsageProbe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

impl Lenient for UsageProbe {
    type Obj = Raw;
    const FIELDS: &'static [&'static str] = &USAGE_FIELDS;
    fn field_index(key: &str) -> Option<usize> {
        super::keys::usage_field(key)
    }
    fn field<'de, A: MapAccess<'de>>(
        obj: &mut Self::Obj,
        i: usize,
        map: &mut A,
    ) -> Result<(), A::Error> {
        obj.seen |= 1 << i;
        if i < AT_DETAILS {
            obj.counts[i] = map.next_value::<Count>()?.0;
        } else if i < AT_LISTS {
            obj.details[i - AT_DETAILS] = map.next_value::<DetailsProbe>()?.0;
        } else if i < AT_COST {
            obj.lists[i - AT_LISTS] = map.next_value::<WritesProbe>()?.0;
        } else {
            obj.costs[i - AT_COST] = map.next_value::<super::cost::CostProbe>()?.0;
        }
        Ok(())
    }
    fn object(obj: Self::Obj) -> Self {
        Self(obj.reduce().nonempty().map(Box::new))
    }
}

/// The first usage found under `USAGE_KEYS` of a value (one `USAGE_HOLDERS` level of
/// `tokens_in`).
#[derive(Default)]
pub(crate) struct HolderProbe(pub(crate) Option<Box<Usage>>);

impl<'de> Deserialize<'de> for HolderProbe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

impl Lenient for HolderProbe {
    type Obj = [Option<Box<Usage>>; USAGE_KEYS.len()];
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

pub(crate) const TOKENS_IN_FIELDS: [&str; USAGE_KEYS.len() + USAGE_HOLDERS.len()] =
    concat(&[USAGE_KEYS, USAGE_HOLDERS]);

/// `tokens_in` of a value (boxed as [`UsageProbe`]).
#[derive(Default)]
pub(crate) struct TokensInProbe(pub(crate) Option<Box<Usage>>);

impl TokensInProbe {
    /// The tokens in trace-tui's meaning, given how the provider counts input.
    pub(crate) fn tokens(&self, sem: Semantics) -> Option<Tokens> {
        self.0.as_ref().and_then(|u| u.tokens(sem))
    }
}

impl<'de> Deserialize<'de> for TokensInProbe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        lenient(d)
    }
}

impl Lenient for TokensInProbe {
    type Obj = [Option<Box<Usage>>; TOKENS_IN_FIELDS.len()];
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
