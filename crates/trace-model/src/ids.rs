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
/// One pass, lowercase hex only (an uppercase digit makes the id text), no table of the
/// `uuid` crate's five forms: this runs once per event on the applying thread (the `uuid`
/// crate's parser plus a separate case scan were 14% of its profile on a scope-heavy log).
fn canonical_uuid(s: &str) -> Option<u128> {
    // Fixed positions, so the loops unroll: 16 digits a half.
    const HI: [usize; 16] = [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 14, 15, 16, 17];
    const LO: [usize; 16] = [
        19, 20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,
    ];
    let b: &[u8; 36] = s.as_bytes().try_into().ok()?;
    if b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
        return None;
    }
    let mut bad = 0u8;
    let mut half = |pos: &[usize; 16]| {
        pos.iter().fold(0u64, |n, &i| {
            let d = HEX[b[i] as usize];
            bad |= d;
            (n << 4) | u64::from(d & 0xf)
        })
    };
    let (hi, lo) = (half(&HI), half(&LO));
    (bad & 0x80 == 0).then_some((u128::from(hi) << 64) | u128::from(lo))
}

/// Lowercase hex digits to their value; anything else has the high bit set.
static HEX: [u8; 256] = {
    let mut t = [0x80u8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

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

    pub(crate) fn key(&mut self, s: &str) -> Key {
        match canonical_uuid(s) {
            Some(u) => Key::Uuid(self.uuid_entry_or_insert(u)),
            None => Key::Str(self.str_entry_or_insert(s)),
        }
    }

    /// The key of `s` if `s` was ever seen as an id (adds nothing).
    pub(crate) fn find_key(&self, s: &str) -> Option<Key> {
        match canonical_uuid(s) {
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
}
