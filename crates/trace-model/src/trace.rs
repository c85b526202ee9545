//! The [`Trace`] itself and its read side: nodes, children, tables, sources, runs and
//! diagnostics.

use hashbrown::HashTable;
use rustc_hash::FxHashMap;

use crate::event::{Category, SourceRef, Tokens};
use crate::ids::{StrEntry, UuidEntry};
use crate::records::{Cold, Hot, KNOWN_CATEGORIES, More, PackedTokens, flag, opt};
use crate::times::Edge;
use crate::{Children, Interner, Node, NodeId, NodeKind, Sym};

/// How many diagnostics are kept verbatim; the rest are only counted.
pub const MAX_DIAGNOSTICS: usize = 100;

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
    pub(crate) hot: Vec<Hot>,
    pub(crate) cold: Vec<Cold>,
    /// Which nodes are scopes: each scope's index in `cold`.
    pub(crate) scope_ranks: crate::ranks::ScopeRanks,
    /// What nodes' packed starts and ends count from.
    pub(crate) times: crate::times::Times,
    /// Scopes by non-UUID producer id.
    pub(crate) ids: HashTable<u32>,
    /// Non-UUID ids: their text in one arena, and the node registered under each.
    pub(crate) str_ids: Vec<StrEntry>,
    pub(crate) id_text: String,
    /// Scopes by UUID: a table of node ids hashed by the node's UUID (4 bytes a slot).
    pub(crate) uuid_ids: HashTable<u32>,
    /// The UUID of each UUID-keyed node, indexed by its tagged `ext`.
    pub(crate) uuids: Vec<UuidEntry>,
    pub(crate) strings: Interner,
    /// Category names beyond the known ones, indexed by code − 12.
    pub(crate) other_categories: Vec<Category>,
    pub(crate) more: Vec<More>,
    pub(crate) tokens: Vec<PackedTokens>,
    pub(crate) wide_tokens: Vec<Tokens>,
    pub(crate) tool_ids: String,
    /// Greentic step indices of nodes whose source is an element of a document.
    pub(crate) items: FxHashMap<(NodeId, bool), u32>,
    /// The producer's own cost of a call, nano-dollars (sparse: few producers report one).
    pub(crate) reported_cost: FxHashMap<NodeId, u64>,
    /// The anchors that nodes' packed source positions count from.
    pub(crate) srcs: crate::srcs::Sources,
    pub(crate) roots: Vec<NodeId>,
    pub(crate) loose_marks: Vec<NodeId>,
    pub(crate) files: Vec<String>,
    /// Events applied.
    pub events: u64,
    /// Records skipped as unusable.
    pub skipped: u64,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Per file, skips told once while the file has given no event (`skips`).
    pub(crate) file_skips: Vec<crate::skips::FileSkips>,
    /// Skips counted in a once-per-file message beyond its first.
    pub(crate) absorbed: u64,
    /// Oddities that did not lose data (duplicate ids, cycles); counted in full.
    pub warnings_count: u64,
    pub(crate) warnings: Vec<Diagnostic>,
    /// Bumped by every change, so views can cache derived data.
    pub generation: u64,
    /// Runs that stopped being runs (their parent arrived), counted: a view that patches its
    /// list of runs looks for them only when this moved.
    pub demotions: u64,
    /// Parents whose children may be out of time order until [`Trace::settle`].
    pub(crate) unsorted: Vec<NodeId>,
    /// Where the last ignored repeated start came from (file, line, item): the end of the
    /// same record is ignored without a second warning.
    pub(crate) replayed_at: Option<(u16, u64, u32)>,
    /// Scopes whose start repeated, and the marks they had then not yet said again
    /// (`replay`).
    pub(crate) replay_marks: rustc_hash::FxHashMap<NodeId, crate::replay::MarkCounts>,
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

    /// Names file `file` anew (a followed file renamed away by a rotation: its records
    /// are now read under the new name). An unknown index is ignored.
    pub fn rename_file(&mut self, file: u16, name: String) {
        if let Some(f) = self.files.get_mut(file as usize) {
            *f = name;
            self.generation += 1;
        }
    }

    pub fn files(&self) -> &[String] {
        &self.files
    }

    pub fn file_name(&self, file: u16) -> &str {
        self.files.get(file as usize).map_or("-", String::as_str)
    }

    pub fn node(&self, id: NodeId) -> Node<'_> {
        let hot = &self.hot[id as usize];
        let cold = self.cold(id);
        Node {
            kind: hot.kind,
            name: hot.name,
            hot,
            cold,
            start: self.times.get(id, Edge::Start, hot.start),
            end: self.times.get(id, Edge::End, cold.end),
        }
    }

    /// A node's start, packed ([`NO_TIME`] for none).
    ///
    /// [`NO_TIME`]: crate::records::NO_TIME
    pub(crate) fn start_time(&self, id: NodeId) -> i64 {
        self.times.get(id, Edge::Start, self.hot[id as usize].start)
    }

    /// A scope's end, packed ([`NO_TIME`] for none, and for a mark).
    ///
    /// [`NO_TIME`]: crate::records::NO_TIME
    pub(crate) fn end_time(&self, id: NodeId) -> i64 {
        self.times.get(id, Edge::End, self.cold(id).end)
    }

    /// Sets a node's start ([`NO_TIME`] for none, else a clamped time).
    ///
    /// [`NO_TIME`]: crate::records::NO_TIME
    pub(crate) fn set_start(&mut self, id: NodeId, t: i64) {
        let h = &mut self.hot[id as usize];
        h.start = self.times.set(id, Edge::Start, h.start, t);
    }

    /// Sets a scope's end, as [`Self::set_start`].
    pub(crate) fn set_end(&mut self, id: NodeId, t: i64) {
        let c = self.cold_mut(id);
        let old = c.end;
        let end = self.times.set(id, Edge::End, old, t);
        self.cold_mut(id).end = end;
    }

    /// How many nodes there are; ids run from 0 to this.
    pub fn node_count(&self) -> usize {
        self.hot.len()
    }

    /// Every node id, in arrival order.
    pub fn node_ids(&self) -> impl Iterator<Item = NodeId> + use<> {
        0..self.hot.len() as NodeId
    }

    /// The scope part of a node; a mark's is empty.
    pub(crate) fn cold(&self, id: NodeId) -> &Cold {
        self.scope_ranks
            .index(id)
            .map_or(&Cold::EMPTY, |i| &self.cold[i as usize])
    }

    /// The scope part of a node; marks have none, and are never given one.
    pub(crate) fn cold_mut(&mut self, id: NodeId) -> &mut Cold {
        let i = self.scope_ranks.index(id).unwrap_or(u32::MAX);
        &mut self.cold[i as usize]
    }

    pub(crate) fn hm(&mut self, id: NodeId) -> &mut Hot {
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
        Some(match p.wide_index() {
            None => p.unpack(),
            Some(i) => self.wide_tokens[i],
        })
    }

    /// The cost the producer itself reported for this call (Relay `usage.cost`, harn
    /// `cost_usd`, ATIF `metrics.cost_usd`), nano-dollars; shown as `reported` beside the
    /// cost trace-tui computes.
    pub fn reported_cost_nusd(&self, id: NodeId) -> Option<u64> {
        self.reported_cost.get(&id).copied()
    }

    /// The node's own error text.
    pub fn error(&self, id: NodeId) -> Option<&str> {
        let n = &self.hot[id as usize];
        if !n.flag(flag::HAS_ERROR) {
            return None;
        }
        Some(
            opt(n.more)
                .and_then(|m| self.more[m as usize].error())
                .unwrap_or(""),
        )
    }

    /// Why the scope ended without finishing its work, when its producer said so (an ended
    /// scope that is nevertheless incomplete: a tool interrupted by the agent's end).
    pub fn incomplete(&self, id: NodeId) -> Option<&str> {
        self.more[opt(self.hot[id as usize].more)? as usize].incomplete()
    }

    /// The verdict of the scope's latest settling end ([`crate::event::Event::settles`]):
    /// `Some(true)` when its producer closed it as successful.
    pub fn settled(&self, id: NodeId) -> Option<bool> {
        self.more[opt(self.hot[id as usize].more)? as usize].settled
    }

    /// True for a scope still open or ended incomplete.
    pub fn unfinished(&self, id: NodeId) -> bool {
        self.node(id).is_open() || self.incomplete(id).is_some()
    }

    pub fn tool_call_id(&self, id: NodeId) -> Option<&str> {
        self.more[opt(self.hot[id as usize].more)? as usize].tool(&self.tool_ids)
    }

    /// Where the node's start record is.
    pub fn start_src(&self, id: NodeId) -> Option<SourceRef> {
        let item = self.items.get(&(id, false)).copied().unwrap_or(0);
        self.srcs.unpack(self.hot[id as usize].start_src, item)
    }

    /// Where the node's end record is.
    pub fn end_src(&self, id: NodeId) -> Option<SourceRef> {
        let item = self.items.get(&(id, true)).copied().unwrap_or(0);
        (self.hot[id as usize].kind == NodeKind::Scope)
            .then(|| self.srcs.unpack(self.cold(id).end_src, item))
            .flatten()
    }

    /// The start record, else the end record.
    pub fn any_src(&self, id: NodeId) -> Option<SourceRef> {
        self.start_src(id).or_else(|| self.end_src(id))
    }

    /// Run roots in arrival order: scopes with no parent, or whose parent was never seen.
    /// Whether `id` is the root of a run now (a root gives that up when its parent appears).
    pub fn is_run(&self, id: NodeId) -> bool {
        self.hot
            .get(id as usize)
            .is_some_and(|n| n.flag(flag::IS_ROOT))
    }

    pub fn runs(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.roots.iter().copied().filter(|&r| self.is_run(r))
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

    /// The run root above a node (the node itself for a root), by the scopes' union-find
    /// links (see [`Trace::run_root_mut`], which also shortens them).
    pub fn root_of(&self, id: NodeId) -> NodeId {
        let mut cur = id;
        if self.hot[id as usize].kind == NodeKind::Mark {
            match opt(self.hot[id as usize].parent) {
                Some(p) if !self.hot[p as usize].flag(flag::PLACEHOLDER) => cur = p,
                _ => return id,
            }
        }
        while let Some(up) = opt(self.cold(cur).up) {
            cur = up;
        }
        cur
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
}
