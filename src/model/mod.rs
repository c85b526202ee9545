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

use rustc_hash::FxHashMap;

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

/// One scope (start/end pair) or mark.
#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    /// The producer's id.
    pub ext_id: Sym,
    pub name: Sym,
    pub category: Option<Category>,
    pub parent: Option<NodeId>,
    pub children: Vec<NodeId>,
    pub start_us: Option<i64>,
    pub end_us: Option<i64>,
    pub has_start: bool,
    pub has_end: bool,
    /// Referenced as a parent but never seen itself.
    pub placeholder: bool,
    /// End derived from children (synthetic session / flow roots).
    pub container: bool,
    /// The start time was derived from the end and a reported duration.
    pub start_estimated: bool,
    pub model: Option<Sym>,
    pub tool_call_id: Option<Sym>,
    /// Boxed: only LLM calls carry usage, and inline it would be a quarter of every node.
    pub tokens: Option<Box<Tokens>>,
    /// The node's own error (not bubbled up from children).
    pub error: Option<Box<str>>,
    pub start_src: Option<SourceRef>,
    pub end_src: Option<SourceRef>,
    /// Arrival order of the node's first event.
    pub seq: u64,
    is_root: bool,
    unsorted: bool,
}

impl Node {
    /// A scope that started and has not ended.
    pub fn is_open(&self) -> bool {
        self.kind == NodeKind::Scope && self.has_start && !self.has_end
    }

    pub fn is_llm(&self) -> bool {
        self.kind == NodeKind::Scope && self.category == Some(Category::Llm)
    }

    pub fn is_tool(&self) -> bool {
        self.kind == NodeKind::Scope && self.category == Some(Category::Tool)
    }

    /// Wall time, when both ends are known.
    pub fn duration_us(&self) -> Option<i64> {
        Some(self.end_us? - self.start_us?)
    }

    /// The time the node sorts by: start, else end.
    pub fn sort_time(&self) -> Option<i64> {
        self.start_us.or(self.end_us)
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
    ids: FxHashMap<Sym, NodeId>,
    strings: Interner,
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

    /// The node currently registered under a producer id.
    pub fn lookup(&self, ext_id: &str) -> Option<NodeId> {
        self.ids.get(&self.strings.get(ext_id)?).copied()
    }

    /// Run roots in arrival order: scopes with no parent, or whose parent was never seen.
    pub fn runs(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.roots
            .iter()
            .copied()
            .filter(|&r| self.nodes[r as usize].is_root)
    }

    /// Marks outside any seen scope.
    pub fn loose_marks(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.loose_marks.iter().copied().filter(|&m| {
            let mut p = self.nodes[m as usize].parent;
            while let Some(id) = p {
                let n = &self.nodes[id as usize];
                if !n.placeholder {
                    return false;
                }
                p = n.parent;
            }
            true
        })
    }

    /// The run root above a node (the node itself for a root).
    pub fn root_of(&self, mut id: NodeId) -> NodeId {
        let mut steps = 0usize;
        while let Some(p) = self.nodes[id as usize].parent {
            if self.nodes[id as usize].is_root
                || self.nodes[p as usize].placeholder
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
            match self.nodes[cur as usize].parent {
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

    fn new_node(&mut self, kind: NodeKind, ext_id: Sym, name: Sym) -> NodeId {
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node {
            kind,
            ext_id,
            name,
            category: None,
            parent: None,
            children: Vec::new(),
            start_us: None,
            end_us: None,
            has_start: false,
            has_end: false,
            placeholder: false,
            container: false,
            start_estimated: false,
            model: None,
            tool_call_id: None,
            tokens: None,
            error: None,
            start_src: None,
            end_src: None,
            seq: self.events,
            is_root: false,
            unsorted: false,
        });
        id
    }

    /// Applies one event. Never fails: oddities become warnings, nothing is dropped.
    pub fn apply(&mut self, ev: &Event<'_>) {
        self.events += 1;
        let ts = ev.ts_us.map(clamp_time);
        self.generation += 1;
        // Marks are never looked up by id: skip interning their (unique) ids.
        let key = if ev.kind == EventKind::Mark {
            self.strings.intern("")
        } else {
            self.strings.intern(&ev.id)
        };
        let name = self.strings.intern(&ev.name);
        // The node's time before this event: if the event moves it, its siblings are re-sorted.
        let mut time_before = None;
        let id = match ev.kind {
            EventKind::Mark => {
                let id = self.new_node(NodeKind::Mark, key, name);
                let n = &mut self.nodes[id as usize];
                n.start_us = ts;
                n.end_us = ts;
                n.has_start = true;
                n.has_end = true;
                n.start_src = Some(ev.src);
                n.category.clone_from(&ev.category);
                id
            }
            EventKind::Start => {
                let id = match self.ids.get(&key).copied() {
                    Some(n)
                        if !self.nodes[n as usize].has_start
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
                self.ids.insert(key, id);
                time_before = self.nodes[id as usize].sort_time();
                let n = &mut self.nodes[id as usize];
                n.has_start = true;
                n.start_us = ts;
                n.start_estimated = false;
                n.start_src = Some(ev.src);
                n.container |= ev.container;
                id
            }
            EventKind::End => {
                let id = match self.ids.get(&key).copied() {
                    Some(n)
                        if !self.nodes[n as usize].has_end
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
                        self.ids.insert(key, n);
                        n
                    }
                    None => {
                        let n = self.new_node(NodeKind::Scope, key, name);
                        self.ids.insert(key, n);
                        n
                    }
                };
                time_before = self.nodes[id as usize].sort_time();
                let n = &mut self.nodes[id as usize];
                n.has_end = true;
                n.end_us = ts;
                n.end_src = Some(ev.src);
                if !n.has_start {
                    if let (Some(end), Some(d)) = (ts, ev.duration_us.map(clamp_time)) {
                        n.start_us = Some(clamp_time(end.saturating_sub(d)));
                        n.start_estimated = true;
                    }
                }
                if let Some(t) = ev.tokens {
                    n.tokens = Some(Box::new(t));
                }
                id
            }
        };
        let was_placeholder = self.nodes[id as usize].placeholder;
        {
            let n = &mut self.nodes[id as usize];
            n.placeholder = false;
            if n.name != name
                && (ev.kind == EventKind::Start
                    || self.strings.resolve(n.name).is_empty()
                    || was_placeholder)
            {
                n.name = name;
            }
            if ev.category.is_some() && (n.category.is_none() || ev.kind == EventKind::Start) {
                n.category.clone_from(&ev.category);
            }
            if let Some(m) = &ev.model {
                if !ev.model_is_fallback || n.model.is_none() {
                    n.model = Some(self.strings.intern(m));
                }
            }
            if let Some(t) = &ev.tool_call_id {
                if n.tool_call_id.is_none() {
                    n.tool_call_id = Some(self.strings.intern(t));
                }
            }
            if let Failure::Error(text) = &ev.failure {
                let n = &mut self.nodes[id as usize];
                n.error = Some(text.as_ref().into());
            }
        }
        if was_placeholder {
            // A parent that arrived after its children: they stop being runs of their own.
            for c in self.nodes[id as usize].children.clone() {
                self.nodes[c as usize].is_root = false;
            }
        }
        match ev.parent.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => self.link(id, p, ev.src),
            None if self.nodes[id as usize].parent.is_none() => self.mark_root_if_run(id),
            None => {}
        }
        if self.nodes[id as usize].sort_time() != time_before {
            if let Some(p) = self.nodes[id as usize].parent {
                self.mark_unsorted(p);
            }
        }
    }

    fn mark_unsorted(&mut self, p: NodeId) {
        if !self.nodes[p as usize].unsorted {
            self.nodes[p as usize].unsorted = true;
            self.unsorted.push(p);
        }
    }

    /// Puts children back in time order where out-of-order input disturbed it. Cheap when
    /// nothing is pending; call after applying a batch and before reading the tree.
    pub fn settle(&mut self) {
        for p in std::mem::take(&mut self.unsorted) {
            let mut kids = std::mem::take(&mut self.nodes[p as usize].children);
            kids.sort_by_cached_key(|&c| self.order_key(c));
            let n = &mut self.nodes[p as usize];
            n.children = kids;
            n.unsorted = false;
        }
    }

    /// Whether [`Trace::settle`] has work to do.
    pub fn is_settled(&self) -> bool {
        self.unsorted.is_empty()
    }

    fn mark_root_if_run(&mut self, id: NodeId) {
        let n = &self.nodes[id as usize];
        let parent_unseen = n.parent.is_none_or(|p| self.nodes[p as usize].placeholder);
        if n.kind == NodeKind::Scope && !n.placeholder && parent_unseen && !n.is_root {
            self.nodes[id as usize].is_root = true;
            self.roots.push(id);
        } else if n.kind == NodeKind::Mark && parent_unseen {
            self.loose_marks.push(id);
        }
    }

    fn link(&mut self, child: NodeId, parent_key: &str, src: SourceRef) {
        if let Some(existing) = self.nodes[child as usize].parent {
            let same = self.str(self.nodes[existing as usize].ext_id) == parent_key;
            if !same {
                self.warn(
                    src,
                    format!("parent changed to {parent_key:?}; kept the first parent"),
                );
            }
            return;
        }
        let pkey = self.strings.intern(parent_key);
        if pkey == self.nodes[child as usize].ext_id {
            self.warn(
                src,
                format!("scope {parent_key:?} is its own parent; shown as a root"),
            );
            self.mark_root_if_run(child);
            return;
        }
        let parent = match self.ids.get(&pkey).copied() {
            Some(p) if self.nodes[p as usize].kind == NodeKind::Scope => p,
            _ => {
                let p = self.new_node(NodeKind::Scope, pkey, pkey);
                self.nodes[p as usize].placeholder = true;
                self.ids.insert(pkey, p);
                p
            }
        };
        if !self.nodes[child as usize].children.is_empty()
            && self.is_ancestor_or_self(child, parent)
        {
            self.warn(
                src,
                format!("parent {parent_key:?} would close a cycle; shown as a root"),
            );
            self.mark_root_if_run(child);
            return;
        }
        self.nodes[child as usize].parent = Some(parent);
        let kids = &self.nodes[parent as usize].children;
        let out_of_order = kids
            .last()
            .is_some_and(|&last| self.order_key(last) > self.order_key(child));
        self.nodes[parent as usize].children.push(child);
        if out_of_order {
            self.mark_unsorted(parent);
        }
        if self.nodes[parent as usize].placeholder {
            self.mark_root_if_run(child);
        } else {
            self.nodes[child as usize].is_root = false;
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
            cur = self.nodes[c as usize].parent;
        }
        false
    }

    fn order_key(&self, c: NodeId) -> (i64, u64) {
        let n = &self.nodes[c as usize];
        (n.sort_time().unwrap_or(i64::MAX), n.seq)
    }
}
