//! The pure accumulator: normalized events in, runs as scope trees out.
//!
//! [`Trace::apply`] is the only way events enter. It does no IO and reads no clock. External
//! ids map to dense [`NodeId`]s in a packed arena (layout in ARCHITECTURE.md); children are
//! intrusive lists in time order. Out-of-order input is
//! absorbed: an end before its start fills one node from both sides, a child before its
//! parent hangs under a placeholder that the parent later fills, a duplicate start becomes a
//! second node, and parent cycles are refused at the link that would close them.

pub mod event;
pub mod text;

pub mod analysis;
pub mod critical;
pub mod diff;
pub mod exemplars;
pub mod filter;
mod intern;
pub mod query;
pub mod stats;
pub mod tree;

use std::borrow::Cow;
use std::hash::Hasher;

use hashbrown::HashTable;
use rustc_hash::{FxHashMap, FxHasher};

pub use intern::{Interner, Sym};

use crate::event::{Category, Event, EventKind, Failure, SourceRef, Tokens};

/// Dense index of a node in the arena.
pub type NodeId = u32;

/// Times are kept within ±2⁶¹ µs (±73,000 years around 1970), so the difference of any two —
/// durations, offsets, gaps — fits in an `i64` without overflow checks everywhere.
pub const MAX_ABS_TIME_US: i64 = 1 << 61;

/// Clamps a time (or duration) from a log into the range the model computes with.
pub fn clamp_time(t: i64) -> i64 {
    t.clamp(-MAX_ABS_TIME_US, MAX_ABS_TIME_US)
}

/// How many diagnostics are kept verbatim; the rest are only counted.
pub const MAX_DIAGNOSTICS: usize = 100;

/// Scope or mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Scope,
    Mark,
}

/// "No value" for the `u32` links and indices packed into a [`Node`].
const NONE: u32 = u32::MAX;
/// "No time" for packed times; real times are clamped to ±[`MAX_ABS_TIME_US`].
const NO_TIME: i64 = i64::MIN;
/// Tag bit of [`Node`]'s external id: set when the id is a UUID kept in `Trace::uuids`.
const UUID_TAG: u32 = 1 << 31;

/// A [`SourceRef`] packed into 16 bytes: 48-bit offset and 16-bit file in one word; line
/// numbers saturate at `u32::MAX`. A greentic step's `item` lives in `Trace::items`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Src {
    pos: u64,
    len: u32,
    line: u32,
}

const OFFSET_BITS: u32 = 48;
const OFFSET_MASK: u64 = (1 << OFFSET_BITS) - 1;

impl Src {
    const NONE: Self = Self {
        pos: u64::MAX,
        len: 0,
        line: 0,
    };

    fn pack(s: SourceRef) -> Self {
        Self {
            pos: (u64::from(s.file) << OFFSET_BITS) | s.offset.min(OFFSET_MASK - 1),
            len: s.len,
            line: u32::try_from(s.line).unwrap_or(u32::MAX),
        }
    }

    fn unpack(self, item: u32) -> Option<SourceRef> {
        (self.pos != u64::MAX).then(|| SourceRef {
            file: (self.pos >> OFFSET_BITS) as u16,
            line: u64::from(self.line),
            offset: self.pos & OFFSET_MASK,
            len: self.len,
            item,
        })
    }
}

mod flag {
    pub const HAS_START: u8 = 1;
    pub const HAS_END: u8 = 1 << 1;
    pub const PLACEHOLDER: u8 = 1 << 2;
    pub const CONTAINER: u8 = 1 << 3;
    pub const START_ESTIMATED: u8 = 1 << 4;
    pub const IS_ROOT: u8 = 1 << 5;
    pub const UNSORTED: u8 = 1 << 6;
    pub const HAS_ERROR: u8 = 1 << 7;
}

/// Category codes: 0 is "none", then the known categories in this order, then the trace's
/// table of other names.
const KNOWN_CATEGORIES: [Category; 11] = [
    Category::Agent,
    Category::Function,
    Category::Tool,
    Category::Llm,
    Category::Retriever,
    Category::Embedder,
    Category::Reranker,
    Category::Guardrail,
    Category::Evaluator,
    Category::Custom,
    Category::Unknown,
];
const CAT_TOOL: u16 = 3;
const CAT_LLM: u16 = 4;

/// The part of every node (scope or mark) that is kept for all of them: 48 bytes.
#[derive(Debug, Clone)]
struct Hot {
    start: i64,
    start_src: Src,
    name: Sym,
    parent: u32,
    next_sibling: u32,
    more: u32,
    /// Index of the scope's [`Cold`] part; `NONE` for a mark.
    scope: u32,
    category: u16,
    kind: NodeKind,
    flags: u8,
}

/// What only scopes need: their end, id, children, model and tokens. 44 bytes.
#[derive(Debug, Clone)]
struct Cold {
    end: i64,
    end_src: Src,
    /// The producer's id: an index into `Trace::str_ids`, or with [`UUID_TAG`] into
    /// `Trace::uuids`.
    ext: u32,
    first_child: u32,
    last_child: u32,
    model: u32,
    tokens: u32,
}

impl Cold {
    const EMPTY: Self = Self {
        end: NO_TIME,
        end_src: Src::NONE,
        ext: 0,
        first_child: NONE,
        last_child: NONE,
        model: NONE,
        tokens: NONE,
    };
}

/// One scope (start/end pair) or mark, as read from a [`Trace`]: a view over its packed parts
/// (48 bytes per mark, 92 per scope). Rare fields (error text, tool-call id) and the ones that
/// need the trace's tables are on [`Trace`].
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    pub kind: NodeKind,
    pub name: Sym,
    hot: &'a Hot,
    cold: &'a Cold,
}

/// A call's token usage in 24 bytes: five counts as `u32` with a presence mask. A count
/// that does not fit (hostile input, or a truly huge figure) sends the whole record to the
/// trace's `wide_tokens` table instead, so no figure is ever cut.
#[derive(Debug, Clone, Copy)]
struct PackedTokens {
    v: [u32; 5],
    /// Bit i: field i was reported. `WIDE`: `v[0]` indexes `wide_tokens`.
    present: u8,
}

const WIDE: u8 = 1 << 7;

impl PackedTokens {
    fn fields(t: &Tokens) -> [Option<u64>; 5] {
        [t.input, t.output, t.total, t.cache_read, t.cache_write]
    }

    /// Packs `t`, or `None` when a count needs more than 32 bits.
    fn pack(t: &Tokens) -> Option<Self> {
        let mut p = Self {
            v: [0; 5],
            present: 0,
        };
        for (i, f) in Self::fields(t).into_iter().enumerate() {
            if let Some(x) = f {
                p.v[i] = u32::try_from(x).ok()?;
                p.present |= 1 << i;
            }
        }
        Some(p)
    }

    fn unpack(self) -> Tokens {
        let f = |i: usize| (self.present & (1 << i) != 0).then(|| u64::from(self.v[i]));
        Tokens {
            input: f(0),
            output: f(1),
            total: f(2),
            cache_read: f(3),
            cache_write: f(4),
        }
    }
}

// The layout is the memory budget (ARCHITECTURE.md): keep it from growing unnoticed.
const _: () = assert!(std::mem::size_of::<Hot>() == 48);
const _: () = assert!(std::mem::size_of::<Cold>() == 48);
const _: () = assert!(std::mem::size_of::<PackedTokens>() == 24);

/// Rare per-node data, out of line.
#[derive(Debug, Clone, Default)]
struct More {
    error: Option<Box<str>>,
    /// Byte range of the tool-call id in `Trace::tool_ids` (one arena: ids are unique per
    /// call, so interning them would only add a table).
    tool_call_id: Option<(u64, u32)>,
}

fn opt(v: u32) -> Option<u32> {
    (v != NONE).then_some(v)
}

fn opt_time(t: i64) -> Option<i64> {
    (t != NO_TIME).then_some(t)
}

fn pack_time(t: Option<i64>) -> i64 {
    t.map_or(NO_TIME, clamp_time)
}

impl Hot {
    fn flag(&self, f: u8) -> bool {
        self.flags & f != 0
    }

    fn set(&mut self, f: u8, on: bool) {
        if on {
            self.flags |= f;
        } else {
            self.flags &= !f;
        }
    }

    fn sort_time(&self, cold: &Cold) -> Option<i64> {
        opt_time(self.start).or(if self.kind == NodeKind::Mark {
            None
        } else {
            opt_time(cold.end)
        })
    }
}

impl Node<'_> {
    fn flag(&self, f: u8) -> bool {
        self.hot.flag(f)
    }

    pub fn start_us(&self) -> Option<i64> {
        opt_time(self.hot.start)
    }

    /// A mark's end is its time.
    pub fn end_us(&self) -> Option<i64> {
        match self.kind {
            NodeKind::Mark => self.start_us(),
            NodeKind::Scope => opt_time(self.cold.end),
        }
    }

    pub fn parent(&self) -> Option<NodeId> {
        opt(self.hot.parent)
    }

    pub fn model(&self) -> Option<Sym> {
        opt(self.cold.model).map(Sym)
    }

    pub fn has_start(&self) -> bool {
        self.flag(flag::HAS_START)
    }

    pub fn has_end(&self) -> bool {
        self.flag(flag::HAS_END)
    }

    /// Referenced as a parent but never seen itself.
    pub fn placeholder(&self) -> bool {
        self.flag(flag::PLACEHOLDER)
    }

    /// End derived from children (synthetic session / flow roots).
    pub fn container(&self) -> bool {
        self.flag(flag::CONTAINER)
    }

    /// The start time was derived from the end and a reported duration.
    pub fn start_estimated(&self) -> bool {
        self.flag(flag::START_ESTIMATED)
    }

    /// The node's own error (not bubbled up from children); its text is [`Trace::error`].
    pub fn has_error(&self) -> bool {
        self.flag(flag::HAS_ERROR)
    }

    pub fn has_children(&self) -> bool {
        self.cold.first_child != NONE
    }

    /// A scope that started and has not ended.
    pub fn is_open(&self) -> bool {
        self.kind == NodeKind::Scope && self.has_start() && !self.has_end()
    }

    pub fn is_llm(&self) -> bool {
        self.kind == NodeKind::Scope && self.hot.category == CAT_LLM
    }

    pub fn is_tool(&self) -> bool {
        self.kind == NodeKind::Scope && self.hot.category == CAT_TOOL
    }

    /// Wall time, when both ends are known.
    pub fn duration_us(&self) -> Option<i64> {
        Some(self.end_us()? - self.start_us()?)
    }

    /// The time the node sorts by: start, else end.
    pub fn sort_time(&self) -> Option<i64> {
        self.hot.sort_time(self.cold)
    }
}

/// A node's children in order (time order once [`Trace::settle`] ran).
#[derive(Clone)]
pub struct Children<'a> {
    hot: &'a [Hot],
    next: u32,
}

impl Iterator for Children<'_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        let id = opt(self.next)?;
        self.next = self.hot[id as usize].next_sibling;
        Some(id)
    }
}

/// A line that could not be used, or an oddity worth telling the user about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: u16,
    pub line: u64,
    pub message: String,
}

/// Everything read so far.
#[derive(Debug, Default, Clone)]
pub struct Trace {
    hot: Vec<Hot>,
    cold: Vec<Cold>,
    /// Scopes by non-UUID producer id.
    ids: HashTable<u32>,
    /// Non-UUID ids: their text in one arena, and the node registered under each.
    str_ids: Vec<StrEntry>,
    id_text: String,
    /// Scopes by UUID: a table of node ids hashed by the node's UUID (4 bytes a slot).
    uuid_ids: HashTable<u32>,
    /// The UUID of each UUID-keyed node, indexed by its tagged `ext`.
    uuids: Vec<UuidEntry>,
    strings: Interner,
    /// Category names beyond the known ones, indexed by code − 12.
    other_categories: Vec<Category>,
    more: Vec<More>,
    tokens: Vec<PackedTokens>,
    wide_tokens: Vec<Tokens>,
    tool_ids: String,
    /// Greentic step indices of nodes whose source is an element of a document.
    items: FxHashMap<(NodeId, bool), u32>,
    roots: Vec<NodeId>,
    loose_marks: Vec<NodeId>,
    files: Vec<String>,
    /// Events applied.
    pub events: u64,
    /// Records skipped as unusable.
    pub skipped: u64,
    diagnostics: Vec<Diagnostic>,
    /// Oddities that did not lose data (duplicate ids, cycles); counted in full.
    pub warnings_count: u64,
    warnings: Vec<Diagnostic>,
    /// Bumped by every change, so views can cache derived data.
    pub generation: u64,
    /// Parents whose children may be out of time order until [`Trace::settle`].
    unsorted: Vec<NodeId>,
}

/// A UUID id and the scope currently registered under it. Nodes sharing the id (duplicates)
/// share the entry; the hash table holds entry indices (4 bytes a slot), so a lookup touches
/// the table and one entry, never a node.
#[derive(Debug, Clone, Copy)]
struct UuidEntry {
    hi: u64,
    lo: u64,
    node: NodeId,
}

impl UuidEntry {
    fn uuid(self) -> u128 {
        (u128::from(self.hi) << 64) | u128::from(self.lo)
    }
}

/// A non-UUID id: its bytes in `Trace::id_text`, and the scope registered under it. One arena
/// instead of an interned `Arc<str>` per id: harn's synthetic ids are one per scope.
#[derive(Debug, Clone, Copy)]
struct StrEntry {
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
enum Key {
    /// Index of the UUID's entry in `Trace::uuids` (one entry per distinct UUID).
    Uuid(u32),
    /// Index of the id's entry in `Trace::str_ids` (one per distinct id).
    Str(u32),
}

/// The UUID in `s` when `s` is exactly its canonical lowercase hyphenated form, so the id
/// can be printed back byte for byte.
fn canonical_uuid(s: &str) -> Option<u128> {
    if s.len() != 36 || s.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    uuid::Uuid::try_parse(s).ok().map(|u| u.as_u128())
}

fn hash_uuid(u: u128) -> u64 {
    let mut h = FxHasher::default();
    h.write_u128(u);
    h.finish()
}

impl Trace {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers an input file; its index goes into [`SourceRef::file`].
    pub fn add_file(&mut self, name: impl Into<String>) -> u16 {
        self.files.push(name.into());
        (self.files.len() - 1) as u16
    }

    pub fn files(&self) -> &[String] {
        &self.files
    }

    pub fn file_name(&self, file: u16) -> &str {
        self.files.get(file as usize).map_or("-", String::as_str)
    }

    pub fn node(&self, id: NodeId) -> Node<'_> {
        let hot = &self.hot[id as usize];
        Node {
            kind: hot.kind,
            name: hot.name,
            hot,
            cold: self.cold_of(hot),
        }
    }

    /// How many nodes there are; ids run from 0 to this.
    pub fn node_count(&self) -> usize {
        self.hot.len()
    }

    /// Every node id, in arrival order.
    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> + use<> {
        0..self.hot.len() as NodeId
    }

    fn cold_of(&self, hot: &Hot) -> &Cold {
        opt(hot.scope).map_or(&Cold::EMPTY, |i| &self.cold[i as usize])
    }

    fn cold(&self, id: NodeId) -> &Cold {
        self.cold_of(&self.hot[id as usize])
    }

    /// The scope part of a node; marks have none, and are never given one.
    fn cold_mut(&mut self, id: NodeId) -> &mut Cold {
        let i = self.hot[id as usize].scope;
        &mut self.cold[i as usize]
    }

    fn hm(&mut self, id: NodeId) -> &mut Hot {
        &mut self.hot[id as usize]
    }

    pub fn str(&self, sym: Sym) -> &str {
        self.strings.resolve(sym)
    }

    /// The children of a node, in order.
    pub fn children(&self, id: NodeId) -> Children<'_> {
        Children {
            hot: &self.hot,
            next: self.cold(id).first_child,
        }
    }

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
            Cow::Owned(u.hyphenated().to_string())
        }
    }

    /// The node's category, `None` for a generic mark.
    pub fn category(&self, id: NodeId) -> Option<&Category> {
        match self.hot[id as usize].category {
            0 => None,
            c if (c as usize) <= KNOWN_CATEGORIES.len() => Some(&KNOWN_CATEGORIES[c as usize - 1]),
            c => self
                .other_categories
                .get(c as usize - KNOWN_CATEGORIES.len() - 1),
        }
    }

    /// Token usage reported on the node itself.
    pub fn tokens(&self, id: NodeId) -> Option<Tokens> {
        let p = self.tokens[opt(self.cold(id).tokens)? as usize];
        Some(if p.present & WIDE == 0 {
            p.unpack()
        } else {
            self.wide_tokens[p.v[0] as usize]
        })
    }

    fn pack_tokens(&mut self, t: &Tokens) -> PackedTokens {
        PackedTokens::pack(t).unwrap_or_else(|| {
            self.wide_tokens.push(*t);
            PackedTokens {
                v: [(self.wide_tokens.len() - 1) as u32, 0, 0, 0, 0],
                present: WIDE,
            }
        })
    }

    /// The node's own error text.
    pub fn error(&self, id: NodeId) -> Option<&str> {
        let n = &self.hot[id as usize];
        if !n.flag(flag::HAS_ERROR) {
            return None;
        }
        Some(
            opt(n.more)
                .and_then(|m| self.more[m as usize].error.as_deref())
                .unwrap_or(""),
        )
    }

    pub fn tool_call_id(&self, id: NodeId) -> Option<&str> {
        let (start, len) = self.more[opt(self.hot[id as usize].more)? as usize].tool_call_id?;
        let start = start as usize;
        self.tool_ids.get(start..start + len as usize)
    }

    /// Where the node's start record is.
    pub fn start_src(&self, id: NodeId) -> Option<SourceRef> {
        let item = self.items.get(&(id, false)).copied().unwrap_or(0);
        self.hot[id as usize].start_src.unpack(item)
    }

    /// Where the node's end record is.
    pub fn end_src(&self, id: NodeId) -> Option<SourceRef> {
        let item = self.items.get(&(id, true)).copied().unwrap_or(0);
        (self.hot[id as usize].kind == NodeKind::Scope)
            .then(|| self.cold(id).end_src.unpack(item))
            .flatten()
    }

    /// The start record, else the end record.
    pub fn any_src(&self, id: NodeId) -> Option<SourceRef> {
        self.start_src(id).or_else(|| self.end_src(id))
    }

    fn key(&mut self, s: &str) -> Key {
        match canonical_uuid(s) {
            Some(u) => Key::Uuid(self.uuid_entry_or_insert(u)),
            None => Key::Str(self.str_entry_or_insert(s)),
        }
    }

    /// The key of `s` if `s` was ever seen as an id (adds nothing).
    fn find_key(&self, s: &str) -> Option<Key> {
        match canonical_uuid(s) {
            Some(u) => self.uuid_entry(u).map(Key::Uuid),
            None => self.str_entry(s).map(Key::Str),
        }
    }

    fn key_of(&self, id: NodeId) -> Key {
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
        self.uuids.push(UuidEntry {
            hi: (u >> 64) as u64,
            lo: u as u64,
            node: NONE,
        });
        let uuids = &self.uuids;
        self.uuid_ids
            .insert_unique(hash_uuid(u), e, |&e| hash_uuid(uuids[e as usize].uuid()));
        e
    }

    /// The scope currently registered under a key.
    fn get_id(&self, key: Key) -> Option<NodeId> {
        match key {
            Key::Str(e) => opt(self.str_ids[e as usize].node),
            Key::Uuid(e) => opt(self.uuids[e as usize].node),
        }
    }

    /// Registers `id` (whose `ext` is `key`) as the scope for its key.
    fn set_id(&mut self, key: Key, id: NodeId) {
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

    /// Run roots in arrival order: scopes with no parent, or whose parent was never seen.
    pub fn runs(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.roots
            .iter()
            .copied()
            .filter(|&r| self.hot[r as usize].flag(flag::IS_ROOT))
    }

    /// Marks outside any seen scope.
    pub fn loose_marks(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.loose_marks.iter().copied().filter(|&m| {
            let mut p = opt(self.hot[m as usize].parent);
            while let Some(id) = p {
                let n = &self.hot[id as usize];
                if !n.flag(flag::PLACEHOLDER) {
                    return false;
                }
                p = opt(n.parent);
            }
            true
        })
    }

    /// The run root above a node (the node itself for a root).
    pub fn root_of(&self, mut id: NodeId) -> NodeId {
        let mut steps = 0usize;
        while let Some(p) = opt(self.hot[id as usize].parent) {
            if self.hot[id as usize].flag(flag::IS_ROOT)
                || self.hot[p as usize].flag(flag::PLACEHOLDER)
                || steps > self.hot.len()
            {
                break;
            }
            id = p;
            steps += 1;
        }
        id
    }

    /// Path from the run root down to `id`, inclusive.
    pub fn path_to(&self, id: NodeId) -> Vec<NodeId> {
        let root = self.root_of(id);
        let mut path = vec![id];
        let mut cur = id;
        while cur != root {
            match opt(self.hot[cur as usize].parent) {
                Some(p) => {
                    path.push(p);
                    cur = p;
                }
                None => break,
            }
        }
        path.reverse();
        path
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Records a skipped record.
    pub fn skip(&mut self, file: u16, line: u64, message: impl Into<String>) {
        self.skipped += 1;
        self.generation += 1;
        if self.diagnostics.len() < MAX_DIAGNOSTICS {
            self.diagnostics.push(Diagnostic {
                file,
                line,
                message: message.into(),
            });
        }
    }

    fn warn(&mut self, src: SourceRef, message: String) {
        self.warnings_count += 1;
        if self.warnings.len() < MAX_DIAGNOSTICS {
            self.warnings.push(Diagnostic {
                file: src.file,
                line: src.line,
                message,
            });
        }
    }

    /// A new node: a scope when it has a key, else a mark.
    fn new_node(&mut self, key: Option<Key>, name: Sym) -> NodeId {
        let id = self.hot.len() as NodeId;
        let (kind, scope) = match key {
            None => (NodeKind::Mark, NONE),
            Some(key) => {
                let ext = match key {
                    Key::Str(e) => e,
                    Key::Uuid(e) => e | UUID_TAG,
                };
                self.cold.push(Cold { ext, ..Cold::EMPTY });
                (NodeKind::Scope, (self.cold.len() - 1) as u32)
            }
        };
        self.hot.push(Hot {
            start: NO_TIME,
            start_src: Src::NONE,
            name,
            parent: NONE,
            next_sibling: NONE,
            more: NONE,
            scope,
            category: 0,
            kind,
            flags: 0,
        });
        id
    }

    fn category_code(&mut self, c: &Category) -> u16 {
        let known = match c {
            Category::Agent => 1,
            Category::Function => 2,
            Category::Tool => CAT_TOOL,
            Category::Llm => CAT_LLM,
            Category::Retriever => 5,
            Category::Embedder => 6,
            Category::Reranker => 7,
            Category::Guardrail => 8,
            Category::Evaluator => 9,
            Category::Custom => 10,
            Category::Unknown => 11,
            Category::Other(_) => 0,
        };
        if known != 0 {
            debug_assert_eq!(KNOWN_CATEGORIES[known as usize - 1], *c);
            return known;
        }
        let base = KNOWN_CATEGORIES.len() + 1;
        if let Some(i) = self.other_categories.iter().position(|k| k == c) {
            return (base + i) as u16;
        }
        if base + self.other_categories.len() > usize::from(u16::MAX) {
            // 65k distinct made-up categories: the rest are shown as "unknown".
            return KNOWN_CATEGORIES.len() as u16;
        }
        self.other_categories.push(c.clone());
        (base + self.other_categories.len() - 1) as u16
    }

    fn more_mut(&mut self, id: NodeId) -> &mut More {
        let n = &mut self.hot[id as usize];
        if n.more == NONE {
            n.more = self.more.len() as u32;
            self.more.push(More::default());
        }
        &mut self.more[n.more as usize]
    }

    fn set_src(&mut self, id: NodeId, end: bool, src: SourceRef) {
        if end {
            self.cold_mut(id).end_src = Src::pack(src);
        } else {
            self.hm(id).start_src = Src::pack(src);
        }
        if src.item != 0 {
            self.items.insert((id, end), src.item);
        } else if !self.items.is_empty() {
            self.items.remove(&(id, end));
        }
    }

    /// Applies one event. Never fails: oddities become warnings, nothing is dropped.
    pub fn apply(&mut self, ev: &Event<'_>) {
        self.events += 1;
        let ts = ev.ts_us.map(clamp_time);
        self.generation += 1;
        let name = self.strings.intern(&ev.name);
        // The node's time before this event: if the event moves it, its siblings are re-sorted.
        let mut time_before = None;
        let id = match ev.kind {
            // Marks are never looked up by id: their (unique) ids are not kept.
            EventKind::Mark => {
                let id = self.new_node(None, name);
                let n = self.hm(id);
                n.start = pack_time(ts);
                n.set(flag::HAS_START | flag::HAS_END, true);
                self.set_src(id, false, ev.src);
                if let Some(c) = &ev.category {
                    let code = self.category_code(c);
                    self.hm(id).category = code;
                }
                id
            }
            EventKind::Start => {
                let key = self.key(&ev.id);
                let id = match self.get_id(key) {
                    Some(n)
                        if !self.hot[n as usize].flag(flag::HAS_START)
                            && self.hot[n as usize].kind == NodeKind::Scope =>
                    {
                        n
                    }
                    Some(_) => {
                        self.warn(
                            ev.src,
                            format!(
                                "duplicate start for id {:?}; kept as a second scope",
                                &*ev.id
                            ),
                        );
                        self.new_node(Some(key), name)
                    }
                    None => self.new_node(Some(key), name),
                };
                self.set_id(key, id);
                time_before = self.node(id).sort_time();
                let n = self.hm(id);
                n.set(flag::HAS_START, true);
                n.start = pack_time(ts);
                n.set(flag::START_ESTIMATED, false);
                n.set(flag::CONTAINER, n.flag(flag::CONTAINER) || ev.container);
                self.set_src(id, false, ev.src);
                id
            }
            EventKind::End => {
                let key = self.key(&ev.id);
                let id = match self.get_id(key) {
                    Some(n)
                        if !self.hot[n as usize].flag(flag::HAS_END)
                            && self.hot[n as usize].kind == NodeKind::Scope =>
                    {
                        n
                    }
                    Some(_) => {
                        self.warn(
                            ev.src,
                            format!("duplicate end for id {:?}; kept as a second scope", &*ev.id),
                        );
                        let n = self.new_node(Some(key), name);
                        self.set_id(key, n);
                        n
                    }
                    None => {
                        let n = self.new_node(Some(key), name);
                        self.set_id(key, n);
                        n
                    }
                };
                time_before = self.node(id).sort_time();
                self.hm(id).set(flag::HAS_END, true);
                self.cold_mut(id).end = pack_time(ts);
                if !self.hot[id as usize].flag(flag::HAS_START) {
                    if let (Some(end), Some(d)) = (ts, ev.duration_us.map(clamp_time)) {
                        let n = self.hm(id);
                        n.start = clamp_time(end.saturating_sub(d));
                        n.set(flag::START_ESTIMATED, true);
                    }
                }
                self.set_src(id, true, ev.src);
                if let Some(t) = ev.tokens {
                    let packed = self.pack_tokens(&t);
                    let slot = self.cold(id).tokens;
                    if slot == NONE {
                        self.cold_mut(id).tokens = self.tokens.len() as u32;
                        self.tokens.push(packed);
                    } else {
                        self.tokens[slot as usize] = packed;
                    }
                }
                id
            }
        };
        let was_placeholder = self.hot[id as usize].flag(flag::PLACEHOLDER);
        self.hm(id).set(flag::PLACEHOLDER, false);
        let old_name = self.hot[id as usize].name;
        if old_name != name
            && (ev.kind == EventKind::Start
                || self.strings.resolve(old_name).is_empty()
                || was_placeholder)
        {
            self.hm(id).name = name;
        }
        if let Some(c) = &ev.category {
            if self.hot[id as usize].category == 0 || ev.kind == EventKind::Start {
                let code = self.category_code(c);
                self.hm(id).category = code;
            }
        }
        if let Some(m) = &ev.model {
            // Marks carry no model (they have no scope part to hold one).
            if ev.kind != EventKind::Mark && (!ev.model_is_fallback || self.cold(id).model == NONE)
            {
                let sym = self.strings.intern(m).0;
                self.cold_mut(id).model = sym;
            }
        }
        if let Some(t) = &ev.tool_call_id {
            let start = self.tool_ids.len() as u64;
            let more = self.more_mut(id);
            if more.tool_call_id.is_none() {
                // Ids are short; a longer one is cut at a character boundary.
                let mut end = t.len().min(u32::MAX as usize);
                while !t.is_char_boundary(end) {
                    end -= 1;
                }
                more.tool_call_id = Some((start, end as u32));
                self.tool_ids.push_str(&t[..end]);
            }
        }
        if let Failure::Error(text) = &ev.failure {
            self.more_mut(id).error = Some(text.as_ref().into());
            self.hm(id).set(flag::HAS_ERROR, true);
        }
        if was_placeholder {
            // A parent that arrived after its children: they stop being runs of their own.
            let mut c = self.cold(id).first_child;
            while c != NONE {
                let child = &mut self.hot[c as usize];
                child.set(flag::IS_ROOT, false);
                c = child.next_sibling;
            }
        }
        match ev.parent.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => self.link(id, p, ev.src),
            None if self.hot[id as usize].parent == NONE => self.mark_root_if_run(id),
            None => {}
        }
        if self.node(id).sort_time() != time_before {
            if let Some(p) = opt(self.hot[id as usize].parent) {
                self.mark_unsorted(p);
            }
        }
    }

    fn mark_unsorted(&mut self, p: NodeId) {
        if !self.hot[p as usize].flag(flag::UNSORTED) {
            self.hm(p).set(flag::UNSORTED, true);
            self.unsorted.push(p);
        }
    }

    /// Puts children back in time order where out-of-order input disturbed it. Cheap when
    /// nothing is pending; call after applying a batch and before reading the tree.
    pub fn settle(&mut self) {
        let mut kids = Vec::new();
        for p in std::mem::take(&mut self.unsorted) {
            kids.clear();
            kids.extend(self.children(p));
            kids.sort_by_cached_key(|&c| self.order_key(c));
            for w in kids.windows(2) {
                self.hot[w[0] as usize].next_sibling = w[1];
            }
            if let Some(&last) = kids.last() {
                self.hot[last as usize].next_sibling = NONE;
            }
            let first = kids.first().copied().unwrap_or(NONE);
            let last = kids.last().copied().unwrap_or(NONE);
            let c = self.cold_mut(p);
            c.first_child = first;
            c.last_child = last;
            self.hm(p).set(flag::UNSORTED, false);
        }
    }

    /// Whether [`Trace::settle`] has work to do.
    pub fn is_settled(&self) -> bool {
        self.unsorted.is_empty()
    }

    fn mark_root_if_run(&mut self, id: NodeId) {
        let n = &self.hot[id as usize];
        let parent_unseen =
            opt(n.parent).is_none_or(|p| self.hot[p as usize].flag(flag::PLACEHOLDER));
        if n.kind == NodeKind::Scope
            && !n.flag(flag::PLACEHOLDER)
            && parent_unseen
            && !n.flag(flag::IS_ROOT)
        {
            self.hm(id).set(flag::IS_ROOT, true);
            self.roots.push(id);
        } else if n.kind == NodeKind::Mark && parent_unseen {
            self.loose_marks.push(id);
        }
    }

    fn link(&mut self, child: NodeId, parent_key: &str, src: SourceRef) {
        if let Some(existing) = opt(self.hot[child as usize].parent) {
            let same = self.ext_id(existing) == parent_key;
            if !same {
                self.warn(
                    src,
                    format!("parent changed to {parent_key:?}; kept the first parent"),
                );
            }
            return;
        }
        let pkey = self.key(parent_key);
        if self.hot[child as usize].kind == NodeKind::Scope && pkey == self.key_of(child) {
            self.warn(
                src,
                format!("scope {parent_key:?} is its own parent; shown as a root"),
            );
            self.mark_root_if_run(child);
            return;
        }
        let parent = match self.get_id(pkey) {
            Some(p) if self.hot[p as usize].kind == NodeKind::Scope => p,
            _ => {
                let name = self.strings.intern(parent_key);
                let p = self.new_node(Some(pkey), name);
                self.hm(p).set(flag::PLACEHOLDER, true);
                self.set_id(pkey, p);
                p
            }
        };
        if self.node(child).has_children() && self.is_ancestor_or_self(child, parent) {
            self.warn(
                src,
                format!("parent {parent_key:?} would close a cycle; shown as a root"),
            );
            self.mark_root_if_run(child);
            return;
        }
        self.hm(child).parent = parent;
        let last = self.cold(parent).last_child;
        let out_of_order =
            opt(last).is_some_and(|last| self.order_key(last) > self.order_key(child));
        if last == NONE {
            self.cold_mut(parent).first_child = child;
        } else {
            self.hot[last as usize].next_sibling = child;
        }
        self.cold_mut(parent).last_child = child;
        if out_of_order {
            self.mark_unsorted(parent);
        }
        if self.hot[parent as usize].flag(flag::PLACEHOLDER) {
            self.mark_root_if_run(child);
        } else {
            self.hm(child).set(flag::IS_ROOT, false);
        }
    }

    /// Whether `a` is `b` or one of `b`'s ancestors.
    fn is_ancestor_or_self(&self, a: NodeId, b: NodeId) -> bool {
        let mut cur = Some(b);
        let mut steps = 0usize;
        while let Some(c) = cur {
            if c == a {
                return true;
            }
            steps += 1;
            if steps > self.hot.len() {
                return true;
            }
            cur = opt(self.hot[c as usize].parent);
        }
        false
    }

    /// Sibling order: time, then arrival (node ids grow in arrival order).
    fn order_key(&self, c: NodeId) -> (i64, NodeId) {
        (self.node(c).sort_time().unwrap_or(i64::MAX), c)
    }
}
