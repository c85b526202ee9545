//! Folding the scope tree: expand, collapse and toggle the row under the cursor, expand a
//! subtree, fold all but the path to the selection, or everything.

use trace_model::NodeKind;

use super::{App, Pane};

impl App {
    pub(super) fn expand(&mut self) {
        match self.focus {
            Pane::Runs => self.focus = Pane::Tree,
            Pane::Tree => {
                let Some(row) = self.tree.rows.get(self.tree.cursor).copied() else {
                    return;
                };
                if !row.has_children {
                    return;
                }
                self.tree.collapsed.remove(&row.id);
                if self.tree.expanded.insert(row.id) {
                    self.mark_tree_stale();
                } else if let Some(next) = self
                    .tree
                    .rows
                    .get(self.tree.cursor + 1)
                    .filter(|r| r.depth > row.depth)
                {
                    self.tree.selected = Some(next.id);
                    self.tree.cursor += 1;
                }
            }
            Pane::Detail | Pane::Calls | Pane::LatencyModel | Pane::LatencyTool => {}
        }
    }

    pub(super) fn collapse(&mut self) {
        if self.focus != Pane::Tree {
            return;
        }
        let Some(row) = self.tree.rows.get(self.tree.cursor).copied() else {
            return;
        };
        if row.has_children && self.tree.expanded.remove(&row.id) {
            self.tree.collapsed.insert(row.id);
            self.mark_tree_stale();
        } else if let Some(p) = self.trace.node(row.id).parent().filter(|_| row.depth > 0) {
            self.tree.selected = Some(p);
            self.mark_tree_stale();
        }
    }

    pub(super) fn toggle(&mut self) {
        match self.focus {
            Pane::Runs => self.focus = Pane::Tree,
            Pane::Tree => {
                let Some(row) = self.tree.rows.get(self.tree.cursor).copied() else {
                    return;
                };
                if row.has_children {
                    if self.tree.expanded.remove(&row.id) {
                        self.tree.collapsed.insert(row.id);
                    } else {
                        self.tree.expanded.insert(row.id);
                        self.tree.collapsed.remove(&row.id);
                    }
                    self.mark_tree_stale();
                }
            }
            Pane::Detail => {}
            Pane::Calls | Pane::LatencyModel | Pane::LatencyTool => self.open_call(),
        }
    }

    /// Folds everything except the path to the selection (the root stays open).
    pub(super) fn collapse_others(&mut self) {
        if let (Some(rc), Some(sel)) = (&self.run, self.tree.selected) {
            let path = self.trace.path_to(sel);
            for id in &rc.order {
                if self.tree.expanded.remove(id) {
                    self.tree.collapsed.insert(*id);
                }
            }
            // The root stays open so its children are always listed.
            for a in path[..path.len().saturating_sub(1)]
                .iter()
                .chain([&rc.root])
            {
                self.tree.expanded.insert(*a);
                self.tree.collapsed.remove(a);
            }
        }
        self.mark_tree_stale();
    }

    /// Folds the whole run down to its root, which is selected.
    pub(super) fn collapse_all(&mut self) {
        if let Some(rc) = &self.run {
            for id in &rc.order {
                if self.tree.expanded.remove(id) {
                    self.tree.collapsed.insert(*id);
                }
            }
            self.tree.expanded.insert(rc.root);
            self.tree.selected = Some(rc.root);
        }
        self.mark_tree_stale();
    }

    /// Expands everything under the selection.
    pub(super) fn expand_all(&mut self) {
        let Some(sel) = self.tree.selected else {
            return;
        };
        for id in self.trace.preorder(sel) {
            let n = self.trace.node(id);
            if n.kind == NodeKind::Scope && n.has_children() {
                self.tree.expanded.insert(id);
            }
        }
        self.tree.stale = true;
    }
}
