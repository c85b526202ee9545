//! The pure accumulator: normalized events in, runs as scope trees out.
//!
//! [`Trace::apply`] is the only way events enter. It does no IO and reads no clock. External
//! ids map to dense [`NodeId`]s in an arena; children are id lists. Out-of-order input is
//! absorbed: an end before its start fills one node from both sides, a child before its
//! parent hangs under a placeholder that the parent later fills, a duplicate start becomes a
//! second node, and parent cycles are refused at the link that would close them.

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

/// One scope (start/end pair) or mark, packed into 88 bytes: times and source positions
/// inline, children as an intrusive list, rare fields (error text, tool-call id) in a side
/// table. Read it through the accessors; [`Trace`] has the ones that need its tables.
#[derive(Debug, Clone)]
pub struct Node {
    start: i64,
    end: i64,
    start_src: Src,
    end_src: Src,
    /// The producer's id: a [`Sym`], or with [`UUID_TAG`] an index into `Trace::uuids`.
    ext: u32,
    pub name: Sym,
    parent: u32,
    first_child: u32,
    last_child: u32,
    next_sibling: u32,
    model: u32,
    tokens: u32,
    more: u32,
    category: u16,
    pub kind: NodeKind,
    flags: u8,
}

/// Rare per-node data, out of line.
#[derive(Debug, Clone, Default)]
struct More {
    error: Option<Box<str>>,
    tool_call_id: Option<Box<str>>,
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

impl Node {
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

    pub fn start_us(&self) -> Option<i64> {
        opt_time(self.start)
    }

    pub fn end_us(&self) -> Option<i64> {
        opt_time(self.end)
    }

    pub fn parent(&self) -> Option<NodeId> {
        opt(self.parent)
    }

    pub fn model(&self) -> Option<Sym> {
        opt(self.model).map(Sym)
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
        self.first_child != NONE
    }

    fn is_root(&self) -> bool {
        self.flag(flag::IS_ROOT)
    }

    /// A scope that started and has not ended.
    pub fn is_open(&self) -> bool {
        self.kind == NodeKind::Scope && self.has_start() && !self.has_end()
    }

    pub fn is_llm(&self) -> bool {
        self.kind == NodeKind::Scope && self.category == CAT_LLM
    }

    pub fn is_tool(&self) -> bool {
        self.kind == NodeKind::Scope && self.category == CAT_TOOL
    }

    /// Wall time, when both ends are known.
    pub fn duration_us(&self) -> Option<i64> {
        Some(self.end_us()? - self.start_us()?)
    }

    /// The time the node sorts by: start, else end.
    pub fn sort_time(&self) -> Option<i64> {
        self.start_us().or(self.end_us())
    }
}

/// A node's children in order (time order once [`Trace::settle`] ran).
#[derive(Clone)]
pub struct Children<'a> {
    nodes: &'a [Node],
    next: u32,
}

impl Iterator for Children<'_> {
    type Item = NodeId;

    fn next(&mut self) -> Option<NodeId> {
        let id = opt(self.next)?;
        self.next = self.nodes[id as usize].next_sibling;
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
    nodes: Vec<Node>,
    /// Scopes by non-UUID producer id.
    ids: FxHashMap<Sym, NodeId>,
    /// Scopes by UUID: a table of node ids hashed by the node's UUID (4 bytes a slot).
    uuid_ids: HashTable<u32>,
    /// The UUID of each UUID-keyed node, indexed by its tagged `ext`.
    uuids: Vec<UuidEntry>,
    strings: Interner,
    /// Category names beyond the known ones, indexed by code − 12.
    other_categories: Vec<Category>,
    more: Vec<More>,
    tokens: Vec<Tokens>,
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

/// A producer id as the model keys it: canonical lowercase UUIDs as 128-bit numbers (no
/// string kept), anything else interned.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Uuid(u128),
    Sym(Sym),
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

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    pub fn str(&self, sym: Sym) -> &str {
        self.strings.resolve(sym)
    }

    /// The children of a node, in order.
    pub fn children(&self, id: NodeId) -> Children<'_> {
        Children {
            nodes: &self.nodes,
            next: self.nodes[id as usize].first_child,
        }
    }

    /// The producer's id of a node.
    pub fn ext_id(&self, id: NodeId) -> Cow<'_, str> {
        let ext = self.nodes[id as usize].ext;
        if ext & UUID_TAG == 0 {
            Cow::Borrowed(self.strings.resolve(Sym(ext)))
        } else {
            let u = uuid::Uuid::from_u128(self.uuids[(ext & !UUID_TAG) as usize].uuid());
            Cow::Owned(u.hyphenated().to_string())
        }
    }

    /// The node's category, `None` for a generic mark.
    pub fn category(&self, id: NodeId) -> Option<&Category> {
        match self.nodes[id as usize].category {
            0 => None,
            c if (c as usize) <= KNOWN_CATEGORIES.len() => Some(&KNOWN_CATEGORIES[c as usize - 1]),
            c => self
                .other_categories
                .get(c as usize - KNOWN_CATEGORIES.len() - 1),
        }
    }

    /// Token usage reported on the node itself.
    pub fn tokens(&self, id: NodeId) -> Option<&Tokens> {
        opt(self.nodes[id as usize].tokens).map(|i| &self.tokens[i as usize])
    }

    /// The node's own error text.
    pub fn error(&self, id: NodeId) -> Option<&str> {
        let n = &self.nodes[id as usize];
        if !n.has_error() {
            return None;
        }
        Some(
            opt(n.more)
                .and_then(|m| self.more[m as usize].error.as_deref())
                .unwrap_or(""),
        )
    }

    pub fn tool_call_id(&self, id: NodeId) -> Option<&str> {
        opt(self.nodes[id as usize].more)
            .and_then(|m| self.more[m as usize].tool_call_id.as_deref())
    }

    /// Where the node's start record is.
    pub fn start_src(&self, id: NodeId) -> Option<SourceRef> {
        let item = self.items.get(&(id, false)).copied().unwrap_or(0);
        self.nodes[id as usize].start_src.unpack(item)
    }

    /// Where the node's end record is.
    pub fn end_src(&self, id: NodeId) -> Option<SourceRef> {
        let item = self.items.get(&(id, true)).copied().unwrap_or(0);
        self.nodes[id as usize].end_src.unpack(item)
    }

    /// The start record, else the end record.
    pub fn any_src(&self, id: NodeId) -> Option<SourceRef> {
        self.start_src(id).or_else(|| self.end_src(id))
    }

    fn key(&mut self, s: &str) -> Key {
        canonical_uuid(s).map_or_else(|| Key::Sym(self.strings.intern(s)), Key::Uuid)
    }

    /// The key of `s` if `s` was ever seen as an id (does not intern).
    fn find_key(&self, s: &str) -> Option<Key> {
        canonical_uuid(s).map_or_else(|| self.strings.get(s).map(Key::Sym), |u| Some(Key::Uuid(u)))
    }

    fn key_of(&self, n: &Node) -> Key {
        if n.ext & UUID_TAG == 0 {
            Key::Sym(Sym(n.ext))
        } else {
            Key::Uuid(self.uuids[(n.ext & !UUID_TAG) as usize].uuid())
        }
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
            Key::Sym(s) => self.ids.get(&s).copied(),
            Key::Uuid(u) => self
                .uuid_entry(u)
                .and_then(|e| opt(self.uuids[e as usize].node)),
        }
    }

    /// Registers `id` (whose `ext` is `key`) as the scope for its key.
    fn set_id(&mut self, key: Key, id: NodeId) {
        match key {
            Key::Sym(s) => {
                self.ids.insert(s, id);
            }
            Key::Uuid(u) => {
                let e = self.uuid_entry_or_insert(u);
                self.uuids[e as usize].node = id;
            }
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
            .filter(|&r| self.nodes[r as usize].is_root())
    }

    /// Marks outside any seen scope.
    pub fn loose_marks(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.loose_marks.iter().copied().filter(|&m| {
            let mut p = self.nodes[m as usize].parent();
            while let Some(id) = p {
                let n = &self.nodes[id as usize];
                if !n.placeholder() {
                    return false;
                }
                p = n.parent();
            }
            true
        })
    }

    /// The run root above a node (the node itself for a root).
    pub fn root_of(&self, mut id: NodeId) -> NodeId {
        let mut steps = 0usize;
        while let Some(p) = self.nodes[id as usize].parent() {
            if self.nodes[id as usize].is_root()
                || self.nodes[p as usize].placeholder()
                || steps > self.nodes.len()
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
            match self.nodes[cur as usize].parent() {
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

    fn new_node(&mut self, kind: NodeKind, key: Key, name: Sym) -> NodeId {
        let id = self.nodes.len() as NodeId;
        let ext = match key {
            Key::Sym(s) => s.0,
            Key::Uuid(u) => self.uuid_entry_or_insert(u) | UUID_TAG,
        };
        self.nodes.push(Node {
            start: NO_TIME,
            end: NO_TIME,
            start_src: Src::NONE,
            end_src: Src::NONE,
            ext,
            name,
            parent: NONE,
            first_child: NONE,
            last_child: NONE,
            next_sibling: NONE,
            model: NONE,
            tokens: NONE,
            more: NONE,
            category: 0,
            kind,
            flags: 0,
        });
        id
    }

    fn category_code(&mut self, c: &Category) -> u16 {
        if let Some(i) = KNOWN_CATEGORIES.iter().position(|k| k == c) {
            return i as u16 + 1;
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
        let n = &mut self.nodes[id as usize];
        if n.more == NONE {
            n.more = self.more.len() as u32;
            self.more.push(More::default());
        }
        &mut self.more[n.more as usize]
    }

    fn set_src(&mut self, id: NodeId, end: bool, src: SourceRef) {
        let n = &mut self.nodes[id as usize];
        if end {
            n.end_src = Src::pack(src);
        } else {
            n.start_src = Src::pack(src);
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
        // Marks are never looked up by id: skip interning their (unique) ids.
        let key = if ev.kind == EventKind::Mark {
            Key::Sym(self.strings.intern(""))
        } else {
            self.key(&ev.id)
        };
        let name = self.strings.intern(&ev.name);
        // The node's time before this event: if the event moves it, its siblings are re-sorted.
        let mut time_before = None;
        let id = match ev.kind {
            EventKind::Mark => {
                let id = self.new_node(NodeKind::Mark, key, name);
                let n = &mut self.nodes[id as usize];
                n.start = pack_time(ts);
                n.end = pack_time(ts);
                n.set(flag::HAS_START | flag::HAS_END, true);
                self.set_src(id, false, ev.src);
                if let Some(c) = &ev.category {
                    let code = self.category_code(c);
                    self.nodes[id as usize].category = code;
                }
                id
            }
            EventKind::Start => {
                let id = match self.get_id(key) {
                    Some(n)
                        if !self.nodes[n as usize].has_start()
                            && self.nodes[n as usize].kind == NodeKind::Scope =>
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
                        self.new_node(NodeKind::Scope, key, name)
                    }
                    None => self.new_node(NodeKind::Scope, key, name),
                };
                self.set_id(key, id);
                time_before = self.nodes[id as usize].sort_time();
                let n = &mut self.nodes[id as usize];
                n.set(flag::HAS_START, true);
                n.start = pack_time(ts);
                n.set(flag::START_ESTIMATED, false);
                n.set(flag::CONTAINER, n.container() || ev.container);
                self.set_src(id, false, ev.src);
                id
            }
            EventKind::End => {
                let id = match self.get_id(key) {
                    Some(n)
                        if !self.nodes[n as usize].has_end()
                            && self.nodes[n as usize].kind == NodeKind::Scope =>
                    {
                        n
                    }
                    Some(_) => {
                        self.warn(
                            ev.src,
                            format!("duplicate end for id {:?}; kept as a second scope", &*ev.id),
                        );
                        let n = self.new_node(NodeKind::Scope, key, name);
                        self.set_id(key, n);
                        n
                    }
                    None => {
                        let n = self.new_node(NodeKind::Scope, key, name);
                        self.set_id(key, n);
                        n
                    }
                };
                time_before = self.nodes[id as usize].sort_time();
                let n = &mut self.nodes[id as usize];
                n.set(flag::HAS_END, true);
                n.end = pack_time(ts);
                if !n.has_start() {
                    if let (Some(end), Some(d)) = (ts, ev.duration_us.map(clamp_time)) {
                        n.start = clamp_time(end.saturating_sub(d));
                        n.set(flag::START_ESTIMATED, true);
                    }
                }
                self.set_src(id, true, ev.src);
                if let Some(t) = ev.tokens {
                    let n = &mut self.nodes[id as usize];
                    if n.tokens == NONE {
                        n.tokens = self.tokens.len() as u32;
                        self.tokens.push(t);
                    } else {
                        self.tokens[n.tokens as usize] = t;
                    }
                }
                id
            }
        };
        let was_placeholder = self.nodes[id as usize].placeholder();
        {
            let n = &mut self.nodes[id as usize];
            n.set(flag::PLACEHOLDER, false);
            if n.name != name
                && (ev.kind == EventKind::Start
                    || self.strings.resolve(n.name).is_empty()
                    || was_placeholder)
            {
                n.name = name;
            }
            if let Some(c) = &ev.category {
                if n.category == 0 || ev.kind == EventKind::Start {
                    let code = self.category_code(c);
                    self.nodes[id as usize].category = code;
                }
            }
            if let Some(m) = &ev.model {
                if !ev.model_is_fallback || self.nodes[id as usize].model == NONE {
                    self.nodes[id as usize].model = self.strings.intern(m).0;
                }
            }
            if let Some(t) = &ev.tool_call_id {
                let more = self.more_mut(id);
                if more.tool_call_id.is_none() {
                    more.tool_call_id = Some(t.as_ref().into());
                }
            }
            if let Failure::Error(text) = &ev.failure {
                self.more_mut(id).error = Some(text.as_ref().into());
                self.nodes[id as usize].set(flag::HAS_ERROR, true);
            }
        }
        if was_placeholder {
            // A parent that arrived after its children: they stop being runs of their own.
            let mut c = self.nodes[id as usize].first_child;
            while c != NONE {
                let child = &mut self.nodes[c as usize];
                child.set(flag::IS_ROOT, false);
                c = child.next_sibling;
            }
        }
        match ev.parent.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => self.link(id, p, ev.src),
            None if self.nodes[id as usize].parent == NONE => self.mark_root_if_run(id),
            None => {}
        }
        if self.nodes[id as usize].sort_time() != time_before {
            if let Some(p) = self.nodes[id as usize].parent() {
                self.mark_unsorted(p);
            }
        }
    }

    fn mark_unsorted(&mut self, p: NodeId) {
        if !self.nodes[p as usize].flag(flag::UNSORTED) {
            self.nodes[p as usize].set(flag::UNSORTED, true);
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
                self.nodes[w[0] as usize].next_sibling = w[1];
            }
            let n = &mut self.nodes[p as usize];
            n.first_child = kids.first().copied().unwrap_or(NONE);
            n.last_child = kids.last().copied().unwrap_or(NONE);
            n.set(flag::UNSORTED, false);
            if let Some(&last) = kids.last() {
                self.nodes[last as usize].next_sibling = NONE;
            }
        }
    }

    /// Whether [`Trace::settle`] has work to do.
    pub fn is_settled(&self) -> bool {
        self.unsorted.is_empty()
    }

    fn mark_root_if_run(&mut self, id: NodeId) {
        let n = &self.nodes[id as usize];
        let parent_unseen = n
            .parent()
            .is_none_or(|p| self.nodes[p as usize].placeholder());
        if n.kind == NodeKind::Scope && !n.placeholder() && parent_unseen && !n.is_root() {
            self.nodes[id as usize].set(flag::IS_ROOT, true);
            self.roots.push(id);
        } else if n.kind == NodeKind::Mark && parent_unseen {
            self.loose_marks.push(id);
        }
    }

    fn link(&mut self, child: NodeId, parent_key: &str, src: SourceRef) {
        if let Some(existing) = self.nodes[child as usize].parent() {
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
        if pkey == self.key_of(&self.nodes[child as usize]) {
            self.warn(
                src,
                format!("scope {parent_key:?} is its own parent; shown as a root"),
            );
            self.mark_root_if_run(child);
            return;
        }
        let parent = match self.get_id(pkey) {
            Some(p) if self.nodes[p as usize].kind == NodeKind::Scope => p,
            _ => {
                let name = self.strings.intern(parent_key);
                let p = self.new_node(NodeKind::Scope, pkey, name);
                self.nodes[p as usize].set(flag::PLACEHOLDER, true);
                self.set_id(pkey, p);
                p
            }
        };
        if self.nodes[child as usize].has_children() && self.is_ancestor_or_self(child, parent) {
            self.warn(
                src,
                format!("parent {parent_key:?} would close a cycle; shown as a root"),
            );
            self.mark_root_if_run(child);
            return;
        }
        self.nodes[child as usize].parent = parent;
        let last = self.nodes[parent as usize].last_child;
        let out_of_order =
            opt(last).is_some_and(|last| self.order_key(last) > self.order_key(child));
        if last == NONE {
            self.nodes[parent as usize].first_child = child;
        } else {
            self.nodes[last as usize].next_sibling = child;
        }
        self.nodes[parent as usize].last_child = child;
        if out_of_order {
            self.mark_unsorted(parent);
        }
        if self.nodes[parent as usize].placeholder() {
            self.mark_root_if_run(child);
        } else {
            self.nodes[child as usize].set(flag::IS_ROOT, false);
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
            if steps > self.nodes.len() {
                return true;
            }
            cur = self.nodes[c as usize].parent();
        }
        false
    }

    /// Sibling order: time, then arrival (node ids grow in arrival order).
    fn order_key(&self, c: NodeId) -> (i64, NodeId) {
        let n = &self.nodes[c as usize];
        (n.sort_time().unwrap_or(i64::MAX), c)
    }
}
