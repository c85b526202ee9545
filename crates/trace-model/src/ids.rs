//! The id tables: producer ids to nodes. Canonical UUIDs are kept as `u128` entries in a
//! hashbrown `HashTable`, any other id as text in one string arena.

use std::borrow::Cow;
use std::hash::Hasher;

use rustc_hash::FxHasher;

use crate::records::{NONE, UUID_TAG, opt};
use crate::{NodeId, NodeKind, Trace};

/// A UUID id and the scope currently registered under it. Nodes sharing the id (duplicates)
/// share the entry; the hash table holds entry indices (4 bytes a slot), so a lookup touches
/// the table and one entry, never a node.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UuidEntry {
    /// The UUID in four 32-bit words, most significant first: 20 bytes an entry with `node`,
    /// where two `u64` halves would align it to 24.
    words: [u32; 4],
    node: NodeId,
}

impl UuidEntry {
    fn new(u: u128) -> Self {
        Self {
            words: [
                (u >> 96) as u32,
                (u >> 64) as u32,
                (u >> 32) as u32,
                u as u32,
            ],
            node: NONE,
        }
    }

    fn uuid(self) -> u128 {
        self.words
            .iter()
            .fold(0u128, |n, &w| (n << 32) | u128::from(w))
    }
}

const _: () = assert!(std::mem::size_of::<UuidEntry>() == 20);

/// A non-UUID id: its bytes in `Trace::id_text`, and the scope registered under it. One arena
/// instead of an interned `Arc<str>` per id: harn's synthetic ids are one per scope.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StrEntry {
    start: u64,
    /// Kept so that growing the table never re-reads (and re-hashes) the text.
    hash: u64,
    len: u32,
    node: NodeId,
}

fn hash_str(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.finish()
}

/// What is known ahead of an id's key ([`PreKeys`], worked out on a parse thread).
///
/// [`PreKeys`]: crate::event::PreKeys
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pre {
    /// Nothing: the id is parsed when keyed.
    Unknown,
    Uuid(u128),
    /// Not a canonical UUID.
    Text,
}

impl Pre {
    /// The UUID of `s` (whose key this is), if it is one.
    fn uuid(self, s: &str) -> Option<u128> {
        let u = match self {
            Self::Unknown => return canonical_uuid(s),
            Self::Uuid(u) => Some(u),
            Self::Text => None,
        };
        debug_assert_eq!(u, canonical_uuid(s), "stale keys for {s:?}");
        u
    }
}

/// A producer id as the model keys it: canonical lowercase UUIDs as 128-bit numbers (no
/// string kept), anything else as text in one arena.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    /// Index of the UUID's entry in `Trace::uuids` (one entry per distinct UUID).
    Uuid(u32),
    /// Index of the id's entry in `Trace::str_ids` (one per distinct id).
    Str(u32),
}

/// The UUID in `s` when `s` is exactly its canonical lowercase hyphenated form, so the id
/// can be printed back byte for byte.
///
/// Lowercase hex only (an uppercase digit makes the id text), no table of the `uuid` crate's
/// five forms: this runs once or twice per event on the applying thread (the `uuid` crate's
/// parser plus a separate case scan were 14% of its profile on a scope-heavy log; a
/// digit-at-a-time loop was still ~200 instructions an id, 13-17% of that thread).
pub(crate) fn canonical_uuid(s: &str) -> Option<u128> {
    let b: &[u8; 36] = s.as_bytes().try_into().ok()?;
    // Four digits at `i` (the first in the lowest byte).
    let quad = |i: usize| u64::from(u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]));
    let words = [
        quad(0) | quad(4) << 32,
        quad(9) | quad(14) << 32,
        quad(19) | quad(24) << 32,
        quad(28) | quad(32) << 32,
    ];
    let mut bad = u64::from(b[8] ^ b'-' | b[13] ^ b'-' | b[18] ^ b'-' | b[23] ^ b'-');
    let mut n = 0u128;
    for w in words {
        let (v, wrong) = hex8(w);
        bad |= wrong;
        n = (n << 32) | u128::from(v);
    }
    (bad == 0).then_some(n)
}

/// Eight lowercase hex digits read as one little-endian `u64` (the first digit in the lowest
/// byte, and most significant in the value), all eight at once: their value, and a word that
/// is not zero unless every byte is one of `0-9a-f`.
#[inline(always)]
fn hex8(x: u64) -> (u32, u64) {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // A byte's value: its low nibble, plus 9 when bit 6 is set (`a` = 0x61 -> 1 + 9).
    let letter = (x >> 6) & ONES;
    let v = (x & (ONES * 0x0f)) + letter * 9;
    // Valid exactly when each value is under 16 and writing it back as a lowercase digit
    // gives the byte read (no byte carries into the next: every sum stays under 0x80).
    let over9 = ((v + ONES * 0x76) >> 7) & ONES;
    let back = v + ONES * 0x30 + over9 * 0x27;
    let wrong = (v & (ONES * 0xf0)) | (back ^ x);
    // Pack the eight nibbles, first digit (lowest byte) most significant.
    let pairs = ((v << 4) | (v >> 8)) & 0x00ff_00ff_00ff_00ff;
    let quads = ((pairs << 8) | (pairs >> 16)) & 0x0000_ffff_0000_ffff;
    (
        (((quads << 16) | (quads >> 32)) & 0xffff_ffff) as u32,
        wrong,
    )
}

fn hash_uuid(u: u128) -> u64 {
    let mut h = FxHasher::default();
    h.write_u128(u);
    h.finish()
}

impl Trace {
    /// The producer's id of a node.
    pub fn ext_id(&self, id: NodeId) -> Cow<'_, str> {
        if self.hot[id as usize].kind == NodeKind::Mark {
            // Marks are not registered under their ids.
            return Cow::Borrowed("");
        }
        let ext = self.cold(id).ext;
        if ext & UUID_TAG == 0 {
            Cow::Borrowed(self.str_id(ext))
        } else {
            let u = uuid::Uuid::from_u128(self.uuids[(ext & !UUID_TAG) as usize].uuid());
            // Encoded in place: `to_string` goes through the formatting machinery, once per
            // summary row.
            let mut buf = uuid::Uuid::encode_buffer();
            Cow::Owned(u.hyphenated().encode_lower(&mut buf).to_owned())
        }
    }

    /// The key of `s`, added if new; `pre` is what is known of it ahead.
    pub(crate) fn key_with(&mut self, s: &str, pre: Pre) -> Key {
        match pre.uuid(s) {
            Some(u) => Key::Uuid(self.uuid_entry_or_insert(u)),
            None => Key::Str(self.str_entry_or_insert(s)),
        }
    }

    /// The key of `s` if `s` was ever seen as an id (adds nothing).
    pub(crate) fn find_key(&self, s: &str) -> Option<Key> {
        self.find_key_with(s, Pre::Unknown)
    }

    /// [`Self::find_key`] with what is known of `s` ahead, as in [`Self::key_with`].
    pub(crate) fn find_key_with(&self, s: &str, pre: Pre) -> Option<Key> {
        match pre.uuid(s) {
            Some(u) => self.uuid_entry(u).map(Key::Uuid),
            None => self.str_entry(s).map(Key::Str),
        }
    }

    pub(crate) fn key_of(&self, id: NodeId) -> Key {
        let ext = self.cold(id).ext;
        if ext & UUID_TAG == 0 {
            Key::Str(ext)
        } else {
            Key::Uuid(ext & !UUID_TAG)
        }
    }

    /// The text of a non-UUID id entry.
    fn str_id(&self, e: u32) -> &str {
        let StrEntry { start, len, .. } = self.str_ids[e as usize];
        let start = start as usize;
        &self.id_text[start..start + len as usize]
    }

    /// The entry of a non-UUID id, if it was seen.
    fn str_entry(&self, s: &str) -> Option<u32> {
        let h = hash_str(s);
        self.ids
            .find(h, |&e| {
                self.str_ids[e as usize].hash == h && self.str_id(e) == s
            })
            .copied()
    }

    /// The entry of a non-UUID id, created (with no node registered) if new. Ids longer than
    /// 4 GiB are cut (at a character boundary); such an id would not fit on any screen.
    fn str_entry_or_insert(&mut self, s: &str) -> u32 {
        let mut end = s.len().min(u32::MAX as usize);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let s = &s[..end];
        if let Some(e) = self.str_entry(s) {
            return e;
        }
        let e = self.str_ids.len() as u32;
        let hash = hash_str(s);
        self.str_ids.push(StrEntry {
            start: self.id_text.len() as u64,
            hash,
            len: s.len() as u32,
            node: NONE,
        });
        self.id_text.push_str(s);
        let entries = &self.str_ids;
        self.ids
            .insert_unique(hash, e, |&e| entries[e as usize].hash);
        e
    }

    /// The entry of a UUID, if it was seen.
    fn uuid_entry(&self, u: u128) -> Option<u32> {
        let uuids = &self.uuids;
        self.uuid_ids
            .find(hash_uuid(u), |&e| uuids[e as usize].uuid() == u)
            .copied()
    }

    /// The entry of a UUID, created (with no node registered) if new.
    fn uuid_entry_or_insert(&mut self, u: u128) -> u32 {
        if let Some(e) = self.uuid_entry(u) {
            return e;
        }
        let e = self.uuids.len() as u32;
        self.uuids.push(UuidEntry::new(u));
        let uuids = &self.uuids;
        self.uuid_ids
            .insert_unique(hash_uuid(u), e, |&e| hash_uuid(uuids[e as usize].uuid()));
        e
    }

    /// The scope currently registered under a key.
    pub(crate) fn get_id(&self, key: Key) -> Option<NodeId> {
        match key {
            Key::Str(e) => opt(self.str_ids[e as usize].node),
            Key::Uuid(e) => opt(self.uuids[e as usize].node),
        }
    }

    /// Registers `id` (whose `ext` is `key`) as the scope for its key.
    pub(crate) fn set_id(&mut self, key: Key, id: NodeId) {
        match key {
            Key::Str(e) => self.str_ids[e as usize].node = id,
            Key::Uuid(e) => self.uuids[e as usize].node = id,
        }
    }

    /// Sizes the id tables for about `scopes` more scopes (a guess from the file size), so
    /// loading a large file does not rehash them over and over.
    pub fn reserve_scopes(&mut self, scopes: usize) {
        let uuids = &self.uuids;
        self.uuid_ids
            .reserve(scopes, |&e| hash_uuid(uuids[e as usize].uuid()));
        self.uuids.reserve(scopes);
    }

    /// The node currently registered under a producer id.
    pub fn lookup(&self, ext_id: &str) -> Option<NodeId> {
        self.get_id(self.find_key(ext_id)?)
    }
}

#[cfg(test)]
mod tests {
    use super::canonical_uuid;

    /// The fast parser agrees with the `uuid` crate on canonical lowercase UUIDs and refuses
    /// everything else (uppercase, other forms, bad digits, misplaced hyphens).
    #[test]
    fn canonical_uuid_matches_the_uuid_crate() {
        let good = "019efaca-0889-70db-95a7-e859c9eedc45";
        assert_eq!(
            canonical_uuid(good),
            Some(uuid::Uuid::parse_str(good).unwrap().as_u128())
        );
        assert_eq!(
            canonical_uuid("ffffffff-ffff-ffff-ffff-ffffffffffff"),
            Some(u128::MAX)
        );
        assert_eq!(
            canonical_uuid("00000000-0000-0000-0000-000000000000"),
            Some(0)
        );
        for bad in [
            "019EFACA-0889-70db-95a7-e859c9eedc45",
            "019efaca08890-70db-95a7-e859c9eedc45",
            "019efaca-0889-70db-95a7-e859c9eedc4g",
            "019efaca-0889-70db-95a7-e859c9eedc4",
            "019efaca088970db95a7e859c9eedc45",
            "{19efaca-0889-70db-95a7-e859c9eedc4}",
            "019efaca-0889-70db-95a7-e859c9eedc45 ",
            "",
        ] {
            assert_eq!(canonical_uuid(bad), None, "{bad}");
        }
    }

    /// Keys worked out ahead give the trace keying them on the applying thread gives: the
    /// same nodes under the same ids, the same parents, and a repeated parent is no change.
    #[test]
    fn prepared_keys_build_the_same_trace() {
        use crate::Trace;
        use crate::event::{Event, EventKind};
        let (root, child) = (
            "019efaca-0889-70db-95a7-e859c9eedc45",
            "019efaca-0889-70db-95a7-e859c9eedc46",
        );
        let events = [
            (EventKind::Start, root, None),
            (EventKind::Start, child, Some(root)),
            (EventKind::Start, "text-id", Some(child)),
            (EventKind::End, "text-id", Some(child)),
            (EventKind::End, child, Some(root)),
            (EventKind::End, root, None),
        ];
        let build = |prepare: bool| {
            let mut tr = Trace::new();
            for (kind, id, parent) in events {
                let mut e = Event::new(kind, id, id);
                e.parent = parent.map(Into::into);
                if prepare {
                    e.keys = crate::event::PreKeys::of(id, parent);
                }
                tr.apply(&e);
            }
            tr
        };
        let (plain, prepared) = (build(false), build(true));
        for tr in [&plain, &prepared] {
            assert_eq!(tr.warnings_count, 0);
            let [r, c, t] = [root, child, "text-id"].map(|id| tr.lookup(id).unwrap());
            assert_eq!(tr.node(c).parent(), Some(r));
            assert_eq!(tr.node(t).parent(), Some(c));
            assert_eq!(tr.ext_id(t), "text-id");
            assert_eq!(tr.ext_id(c), child);
        }
        assert_eq!(plain.node_count(), prepared.node_count());
    }

    /// Digit by digit, the way the packed parser must agree with.
    fn reference(s: &str) -> Option<u128> {
        let b = s.as_bytes();
        if b.len() != 36 {
            return None;
        }
        let mut n = 0u128;
        for (i, &c) in b.iter().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                if c != b'-' {
                    return None;
                }
                continue;
            }
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                _ => return None,
            };
            n = (n << 4) | u128::from(d);
        }
        Some(n)
    }

    /// Every byte value at every position of several UUIDs: the packed parser gives what
    /// the digit-by-digit one gives (value or refusal).
    #[test]
    fn packed_parser_agrees_with_digit_by_digit_on_every_byte() {
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..8 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let u = uuid::Uuid::from_u64_pair(seed, seed.rotate_left(29) ^ 0xdead_beef);
            let text = u.hyphenated().to_string();
            assert_eq!(canonical_uuid(&text), Some(u.as_u128()));
            for pos in 0..36 {
                for byte in 0..=255u8 {
                    let mut b = text.clone().into_bytes();
                    b[pos] = byte;
                    let Ok(s) = String::from_utf8(b) else {
                        continue;
                    };
                    assert_eq!(canonical_uuid(&s), reference(&s), "{s:?}");
                }
            }
        }
    }
}
