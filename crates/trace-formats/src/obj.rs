//! A pruned JSON object: only the keys a reader reads, each a `&'static str` of the reader's
//! own list (no key allocated, where a `Map<String, Value>` allocates every one), values as
//! `Value`s. A repeated key: the last one counts, as in a `Map`, and is kept once.

use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use crate::Str;

#[derive(Debug, Default)]
pub(crate) struct Obj(pub(crate) Vec<(&'static str, Value)>);

impl Obj {
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().rev().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| *k == key)
    }

    /// Sets `key`, replacing its earlier value: a line repeating a key a million times keeps
    /// one, as a `Map` would.
    pub(crate) fn insert(&mut self, key: &'static str, v: Value) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = v,
            None => self.0.push((key, v)),
        }
    }

    /// Reads the rest of `map` keeping the keys in `keep`; `other` is given each kept key
    /// first and takes its value itself when it returns `true` (a key read another way).
    // Each caller's key list is a constant: inlined, its comparisons are too. Measured on
    // 20 MB (callgrind): Codex 740 -> 649 M instructions, Claude Code 688 -> 682 M, where
    // an out-of-line `read` compared every key through `memcmp`.
    #[allow(clippy::inline_always)]
    #[inline(always)]
    pub(crate) fn read<'de, A: MapAccess<'de>>(
        map: &mut A,
        keep: &[&'static str],
        mut other: impl FnMut(&'static str, &mut A) -> Result<bool, A::Error>,
    ) -> Result<Self, A::Error> {
        let mut out = Obj::default();
        // Which of `keep` are in `out` (up to 64 keys; past that, every key is looked for).
        let mut seen = 0u64;
        while let Some(key) = map.next_key::<Str<'de>>()? {
            let Some(i) = keep.iter().position(|k| *k == &*key) else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            let kept = keep[i];
            if other(kept, map)? {
                continue;
            }
            let v = map.next_value::<Value>()?;
            let bit = 1u64.checked_shl(i as u32).unwrap_or(0);
            if seen & bit == 0 && bit != 0 {
                seen |= bit;
                out.0.push((kept, v));
            } else {
                out.insert(kept, v);
            }
        }
        Ok(out)
    }
}

/// The [`Obj`] of the keys `K` names, read from an object: wrap it in [`ObjOr`] to read any
/// value (the Codex payload, a Claude Code content block).
pub(crate) struct Keyed<K>(pub(crate) Obj, PhantomData<K>);

/// A list of keys to keep, for [`Keyed`].
pub(crate) trait Keys {
    const KEYS: &'static [&'static str];
}

impl<'de, K: Keys> Deserialize<'de> for Keyed<K> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<K>(PhantomData<K>);
        impl<'de, K: Keys> Visitor<'de> for V<K> {
            type Value = Keyed<K>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keyed<K>, A::Error> {
                Obj::read(&mut map, K::KEYS, |_, _| Ok(false)).map(|o| Keyed(o, PhantomData))
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

/// A value read when it is an object (by `T`, whose `Deserialize` is handed the object);
/// any other JSON value is skipped as `None`. One pass over the line: payloads are scanned
/// once and never materialized. ATOF's large probes go in as `ObjOr<Box<_>>`: serde moves
/// values by copy through every layer, and measured, a box per object beats copying them.
pub(crate) struct ObjOr<T>(pub(crate) Option<T>);

impl<T> Default for ObjOr<T> {
    fn default() -> Self {
        Self(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ObjOr<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> de::Visitor<'de> for V<T> {
            type Value = ObjOr<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(|t| ObjOr(Some(t)))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(ObjOr(None))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(ObjOr(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(ObjOr(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(ObjOr(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(ObjOr(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(ObjOr(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(ObjOr(None))
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}
