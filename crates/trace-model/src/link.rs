//! Linking children to parents: placeholders for parents not seen yet, refused cycles and
//! self-parents, run roots, and the sibling order restored by [`Trace::settle`].

use crate::event::SourceRef;
use crate::records::{NONE, flag, opt};
use crate::{NodeId, NodeKind, Trace};

impl Trace {
    pub(crate) fn mark_unsorted(&mut self, p: NodeId) {
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

    pub(crate) fn mark_root_if_run(&mut self, id: NodeId) {
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

    pub(crate) fn link(
        &mut self,
        child: NodeId,
        parent_key: &str,
        pre: crate::ids::Pre,
        src: SourceRef,
    ) {
        if let Some(existing) = opt(self.hot[child as usize].parent) {
            // The parent's key, not its id printed back: an end repeating its parent would
            // format a UUID (and allocate) on every line.
            let same = self.find_key_with(parent_key, pre) == Some(self.key_of(existing));
            if !same {
                self.warn(
                    src,
                    format!("parent changed to {parent_key:?}; kept the first parent"),
                );
            }
            return;
        }
        let pkey = self.key_with(parent_key, pre);
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
        // `child` has no parent yet, so it closes a cycle only if it is the run root above
        // `parent` (a placeholder parent is a root of its own and closes none).
        if self.node(child).has_children() && self.run_root_mut(parent) == child {
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
            if self.hot[child as usize].flag(flag::IS_ROOT) {
                self.demotions += 1;
            }
            self.hm(child).set(flag::IS_ROOT, false);
            if self.hot[child as usize].kind == NodeKind::Scope {
                let root = self.run_root_mut(parent);
                self.cold_mut(child).up = root;
            }
        }
    }

    /// A placeholder was filled: the scopes that hung under it join its run.
    pub(crate) fn adopt_children(&mut self, id: NodeId) {
        let mut c = self.cold(id).first_child;
        while c != NONE {
            let child = &mut self.hot[c as usize];
            if child.flag(flag::IS_ROOT) {
                self.demotions += 1;
            }
            child.set(flag::IS_ROOT, false);
            let (next, scope) = (child.next_sibling, child.kind == NodeKind::Scope);
            if scope {
                self.cold_mut(c).up = id;
            }
            c = next;
        }
    }

    /// The run root above a scope, compressing the union-find path on the way.
    pub fn run_root_mut(&mut self, id: NodeId) -> NodeId {
        let mut root = id;
        while let Some(up) = opt(self.cold(root).up) {
            root = up;
        }
        let mut cur = id;
        while let Some(up) = opt(self.cold(cur).up) {
            if up != root {
                self.cold_mut(cur).up = root;
            }
            cur = up;
        }
        root
    }

    /// Sibling order: time, then arrival (node ids grow in arrival order).
    fn order_key(&self, c: NodeId) -> (i64, NodeId) {
        (self.node(c).sort_time().unwrap_or(i64::MAX), c)
    }
}
