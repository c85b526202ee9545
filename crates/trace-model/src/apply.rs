//! Applying events: [`Trace::apply`] creates and fills nodes, absorbing duplicates and
//! out-of-order input, and records skipped lines and warnings.

use crate::event::{Category, Event, EventKind, Failure, SourceRef, Tokens};
use crate::ids::Key;
use crate::records::{
    CAT_LLM, CAT_TOOL, Cold, Hot, KNOWN_CATEGORIES, More, NO_TIME, NONE, PackedTokens, Src, T32,
    UUID_TAG, flag, opt, opt_time, pack_time,
};
use crate::{Diagnostic, MAX_DIAGNOSTICS, NodeId, NodeKind, Sym, Trace, clamp_time};

impl Trace {
    /// Records an oddity that lost no data (a record decoded with replacements, say) at a
    /// file and line.
    pub fn warn_at(&mut self, file: u16, line: u64, message: impl Into<String>) {
        let src = SourceRef {
            file,
            line,
            ..SourceRef::default()
        };
        self.warn(src, message.into());
    }

    /// Warns when scope `id`, its start and end both known, ends before it starts (kept as
    /// written: the durations shown are then 0, the tree shows the negative one).
    fn check_order(&mut self, id: NodeId, ev: &Event<'_>) {
        let (start, end) = (self.start_time(id), self.end_time(id));
        if start != NO_TIME && end != NO_TIME && end < start {
            self.warn(
                ev.src,
                format!(
                    "{:?} ends {} before it starts",
                    &*ev.id,
                    crate::text::format_duration_us(start.saturating_sub(end))
                ),
            );
        }
    }

    pub(crate) fn warn(&mut self, src: SourceRef, message: String) {
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
    pub(crate) fn new_node(&mut self, key: Option<Key>, name: Sym) -> NodeId {
        let id = self.hot.len() as NodeId;
        let kind = match key {
            None => NodeKind::Mark,
            Some(key) => {
                let ext = match key {
                    Key::Str(e) => e,
                    Key::Uuid(e) => e | UUID_TAG,
                };
                self.cold.push(Cold { ext, ..Cold::EMPTY });
                NodeKind::Scope
            }
        };
        let scope = self.scope_ranks.push(id, kind == NodeKind::Scope);
        debug_assert_eq!(
            scope.map(|i| i as usize + 1),
            (kind == NodeKind::Scope).then_some(self.cold.len())
        );
        self.hot.push(Hot {
            start: T32::NONE,
            start_src: Src::NONE,
            name,
            parent: NONE,
            next_sibling: NONE,
            more: NONE,
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
            self.cold_mut(id).end_src = self.srcs.pack(src);
        } else {
            self.hm(id).start_src = self.srcs.pack(src);
        }
        if src.item != 0 {
            self.items.insert((id, end), src.item);
        } else if !self.items.is_empty() {
            self.items.remove(&(id, end));
        }
    }

    /// The event's name, interned now unless it already was.
    fn name_of(&mut self, name: Option<Sym>, ev: &Event<'_>) -> Sym {
        name.unwrap_or_else(|| self.strings.intern(&ev.name))
    }

    fn pack_tokens(&mut self, t: &Tokens) -> PackedTokens {
        PackedTokens::pack(t).unwrap_or_else(|| {
            self.wide_tokens.push(*t);
            PackedTokens::wide((self.wide_tokens.len() - 1) as u32)
        })
    }

    /// True when `id` is not an LLM call and `t` equals the usage one of its LLM children
    /// reported.
    fn repeats_a_call(&self, id: NodeId, ev: &Event<'_>, t: &Tokens) -> bool {
        let llm = |c: &Category| *c == Category::Llm;
        if ev.category.as_ref().is_some_and(llm) || self.node(id).is_llm() {
            return false;
        }
        self.children(id)
            .any(|c| self.node(c).is_llm() && self.tokens(c).is_some_and(|ct| same_usage(&ct, t)))
    }

    /// Applies one event. Never fails: oddities become warnings, nothing is dropped.
    pub fn apply(&mut self, ev: &Event<'_>) {
        if ev.grouping && self.absorb_grouping(ev) {
            return;
        }
        self.events += 1;
        if !self.file_recognised(ev.src.file) {
            self.recognise_file(ev.src.file);
        }
        let ts = ev.ts_us.map(clamp_time);
        self.generation += 1;
        // An end's name is interned only when it is used (a new node, or one without a name
        // yet): most ends repeat their start's, and on a log whose every scope has its own
        // name, each intern is a probe into a table far bigger than the cache.
        let name = (ev.kind != EventKind::End).then(|| self.strings.intern(&ev.name));
        // The node's time before this event: if the event moves it, its siblings are re-sorted.
        let mut time_before = None;
        // A scope's end repeating one of its calls' usage (a turn's end carrying its last
        // message's usage and model): not a second source of tokens, nor of a model.
        let mut repeats_call = false;
        // A repeated settling end.
        let mut resettle = false;
        let id = match ev.kind {
            // Marks are never looked up by id: their (unique) ids are not kept.
            EventKind::Mark => {
                let name = self.name_of(name, ev);
                if self.replayed_mark(ev, name, ts) {
                    return;
                }
                let id = self.new_node(None, name);
                self.set_start(id, pack_time(ts));
                let n = self.hm(id);
                n.set(flag::HAS_START | flag::HAS_END, true);
                self.set_src(id, false, ev.src);
                if let Some(c) = &ev.category {
                    let code = self.category_code(c);
                    self.hm(id).category = code;
                }
                id
            }
            EventKind::Start => {
                let key = self.key_with(&ev.id, ev.keys.id());
                if self.replayed(key, ev, name, ts) {
                    return;
                }
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
                        let name = self.name_of(name, ev);
                        self.new_node(Some(key), name)
                    }
                    None => {
                        let name = self.name_of(name, ev);
                        self.new_node(Some(key), name)
                    }
                };
                self.set_id(key, id);
                time_before = self.node(id).sort_time();
                self.set_start(id, pack_time(ts));
                let n = self.hm(id);
                n.set(flag::HAS_START, true);
                n.set(flag::START_ESTIMATED, false);
                n.set(flag::CONTAINER, n.flag(flag::CONTAINER) || ev.container);
                self.set_src(id, false, ev.src);
                self.check_order(id, ev);
                id
            }
            EventKind::End => {
                let key = self.key_with(&ev.id, ev.keys.id());
                if self.replayed(key, ev, name, ts) {
                    return;
                }
                let id = match self.get_id(key) {
                    Some(n)
                        if !self.hot[n as usize].flag(flag::HAS_END)
                            && self.hot[n as usize].kind == NodeKind::Scope =>
                    {
                        n
                    }
                    // A settling end after another: the latest time and verdict stand.
                    Some(n)
                        if ev.settles.is_some()
                            && self.hot[n as usize].kind == NodeKind::Scope
                            && self.settled(n).is_some() =>
                    {
                        resettle = true;
                        n
                    }
                    Some(_) => {
                        self.warn(
                            ev.src,
                            format!("duplicate end for id {:?}; kept as a second scope", &*ev.id),
                        );
                        let name = self.name_of(name, ev);
                        let n = self.new_node(Some(key), name);
                        self.set_id(key, n);
                        n
                    }
                    None => {
                        let name = self.name_of(name, ev);
                        let n = self.new_node(Some(key), name);
                        self.set_id(key, n);
                        n
                    }
                };
                time_before = self.node(id).sort_time();
                self.hm(id).set(flag::HAS_END, true);
                let old_end = opt_time(self.end_time(id));
                if !resettle || ts.is_some_and(|t| old_end.is_none_or(|o| t >= o)) {
                    self.set_end(id, pack_time(ts));
                }
                if let Some(ok) = ev.settles {
                    self.more_mut(id).settled = Some(ok);
                }
                if !self.hot[id as usize].flag(flag::HAS_START) {
                    if let (Some(end), Some(d)) = (ts, ev.duration_us.map(clamp_time)) {
                        self.set_start(id, clamp_time(end.saturating_sub(d)));
                        self.hm(id).set(flag::START_ESTIMATED, true);
                    }
                }
                self.set_src(id, true, ev.src);
                if self.hot[id as usize].flag(flag::HAS_START) {
                    self.check_order(id, ev);
                }
                repeats_call = ev.tokens.is_some_and(|t| self.repeats_a_call(id, ev, &t));
                if let Some(c) = ev.reported_cost_nusd.filter(|_| !repeats_call) {
                    self.reported_cost.insert(id, c);
                }
                if let Some(t) = ev.tokens.filter(|_| !repeats_call) {
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
        if ev.kind == EventKind::Start
            || self.strings.resolve(old_name).is_empty()
            || was_placeholder
        {
            let name = self.name_of(name, ev);
            if old_name != name {
                self.hm(id).name = name;
            }
        }
        if let Some(c) = &ev.category {
            if self.hot[id as usize].category == 0 || ev.kind == EventKind::Start {
                let code = self.category_code(c);
                self.hm(id).category = code;
            }
        }
        if let Some(m) = &ev.model {
            // Marks carry no model (they have no scope part to hold one).
            if ev.kind != EventKind::Mark
                && !repeats_call
                && (!ev.model_is_fallback || self.cold(id).model == NONE)
            {
                let sym = self.strings.intern(m).0;
                self.cold_mut(id).model = sym;
            }
        }
        if let Some(t) = &ev.tool_call_id {
            let start = self.tool_ids.len() as u64;
            let more = self.more_mut(id);
            if !more.has_tool() && more.set_tool(start, t) {
                self.tool_ids.push_str(t);
            }
        }
        if let Failure::Error(text) = &ev.failure {
            self.more_mut(id).set_error(text);
            self.hm(id).set(flag::HAS_ERROR, true);
        }
        if let Failure::Incomplete(reason) = &ev.failure {
            self.more_mut(id).set_incomplete(reason);
        }
        if was_placeholder {
            // A parent that arrived after its children: they stop being runs of their own.
            self.adopt_children(id);
        }
        match ev.parent.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => self.link(id, p, ev.keys.parent(), ev.src),
            None if self.hot[id as usize].parent == NONE => self.mark_root_if_run(id),
            None => {}
        }
        if self.node(id).sort_time() != time_before {
            if let Some(p) = opt(self.hot[id as usize].parent) {
                self.mark_unsorted(p);
            }
        }
    }
}

impl Trace {
    /// A synthetic grouping scope's event ([`Event::grouping`]) that adds nothing: a start
    /// said again (by another reader of a parallel load; the earliest time is kept), or any
    /// event of a group whose parent was already a scope of the trace, which the group's id
    /// then names. True when the event is used up.
    fn absorb_grouping(&mut self, ev: &Event<'_>) -> bool {
        if ev.kind == EventKind::Mark {
            return false;
        }
        let key = self.key_with(&ev.id, ev.keys.id());
        if let Some(n) = self.get_id(key) {
            let h = &self.hot[n as usize];
            if h.kind != NodeKind::Scope || !h.flag(flag::CONTAINER) {
                // The group is its parent scope: nothing to add to it.
                return true;
            }
            if ev.kind != EventKind::Start || !h.flag(flag::HAS_START) {
                return false;
            }
            let (old, new) = (opt_time(self.start_time(n)), ev.ts_us.map(clamp_time));
            if let Some(t) = new.filter(|&t| old.is_none_or(|o| t < o)) {
                self.generation += 1;
                self.set_start(n, t);
                self.set_src(n, false, ev.src);
                if let Some(p) = opt(self.hot[n as usize].parent) {
                    self.mark_unsorted(p);
                }
            }
            return true;
        }
        if ev.kind != EventKind::Start {
            return false;
        }
        let Some(p) = ev.parent.as_deref().filter(|p| !p.is_empty()) else {
            return false;
        };
        let pk = self.key_with(p, ev.keys.parent());
        match self.get_id(pk) {
            Some(pn)
                if self.hot[pn as usize].kind == NodeKind::Scope
                    && self.hot[pn as usize].flag(flag::HAS_START)
                    && !self.hot[pn as usize].flag(flag::PLACEHOLDER) =>
            {
                self.set_id(key, pn);
                true
            }
            _ => false,
        }
    }
}

/// The same usage, whether or not each side stated its total.
fn same_usage(a: &Tokens, b: &Tokens) -> bool {
    a.input == b.input
        && a.output == b.output
        && a.cache_read == b.cache_read
        && a.cache_write == b.cache_write
        && a.total_or_sum() == b.total_or_sum()
        && !a.is_empty()
}
