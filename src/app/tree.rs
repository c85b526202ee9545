//! The scope tree of the selected run: the per-run cache, flattening the expanded (and, when
//! scrubbing, already started) nodes into rows, and the moves that jump through the run.

use trace_model::NodeId;
use trace_model::query::Phase;

use super::{App, TreeRow, View};

impl App {
    /// Flattens the visible tree and re-finds the selection (or its nearest visible ancestor).
    pub(super) fn rebuild_tree_rows(&mut self) {
        self.tree.stale = false;
        self.tree.rows.clear();
        let Some(rc) = &self.run else { return };
        let scrub = self.scrubbing().then_some(self.scrub);
        let hidden =
            |id: NodeId| scrub.is_some_and(|c| rc.timeline.phase_at(id, c) == Phase::Hidden);
        let mut stack = vec![(rc.root, 0u16)];
        while let Some((id, depth)) = stack.pop() {
            let n = self.trace.node(id);
            self.tree.rows.push(TreeRow {
                id,
                depth,
                has_children: n.has_children(),
            });
            if self.tree.expanded.contains(&id) {
                let at = stack.len();
                stack.extend(
                    self.trace
                        .children(id)
                        .filter(|&c| !hidden(c))
                        .map(|c| (c, depth + 1)),
                );
                stack[at..].reverse();
            }
        }
        self.find_tree_cursor();
    }

    fn find_tree_cursor(&mut self) {
        let Some(sel) = self.tree.selected else {
            self.tree.cursor = 0;
            self.tree.selected = self.tree.rows.first().map(|r| r.id);
            return;
        };
        let rows = &self.tree.rows;
        let index = |id: NodeId| rows.iter().position(|r| r.id == id);
        let found =
            index(sel).or_else(|| self.trace.path_to(sel).iter().rev().find_map(|&a| index(a)));
        self.tree.cursor = found.unwrap_or(0);
        self.tree.selected = rows.get(self.tree.cursor).map(|r| r.id);
    }

    pub(super) fn mark_tree_stale(&mut self) {
        self.tree.stale = true;
    }

    pub(super) fn tree_is_stale(&self) -> bool {
        self.tree.stale
    }

    /// Selects `id`, expanding its ancestors so it is visible.
    pub(super) fn reveal(&mut self, id: NodeId) {
        let path = self.trace.path_to(id);
        for &a in &path[..path.len().saturating_sub(1)] {
            self.tree.expanded.insert(a);
        }
        self.tree.selected = Some(id);
        self.detail_scroll = 0;
        self.tree.stale = true;
    }

    /// The next node in pre-order after the selection (wrapping) that satisfies `pred`.
    pub(super) fn find_in_run(
        &self,
        forward: bool,
        pred: impl Fn(NodeId) -> bool,
    ) -> Option<NodeId> {
        let rc = self.run.as_ref()?;
        let n = rc.order.len();
        let here = self
            .tree
            .selected
            .and_then(|s| rc.pos.get(&s).map(|&p| p as usize))
            .unwrap_or(0);
        (1..=n)
            .map(|k| {
                if forward {
                    (here + k) % n
                } else {
                    (here + n - k % n) % n
                }
            })
            .map(|i| rc.order[i])
            .find(|&id| pred(id))
    }

    /// Runs the search query from the selection: scope names, or when none matches, the text
    /// of the scopes' records (read from disk, not kept); reports how many scopes match, and
    /// the matching record line is shown in the detail pane.
    pub(super) fn search_step(&mut self, forward: bool) {
        let q = self.search.query.to_lowercase();
        if q.is_empty() {
            return;
        }
        let name_hit = |id: NodeId| {
            self.trace
                .str(self.trace.node(id).name)
                .to_lowercase()
                .contains(&q)
        };
        // Names first; when no scope of the run is named so, the text of its records.
        let by_name = self
            .run
            .as_ref()
            .is_some_and(|rc| rc.order.iter().any(|&id| name_hit(id)));
        let matches = |id: NodeId| {
            if by_name {
                name_hit(id)
            } else {
                super::search::record_line(&self.trace, id, &q).is_some()
            }
        };
        let total = self
            .run
            .as_ref()
            .map_or(0, |rc| rc.order.iter().filter(|&&id| matches(id)).count());
        match self.find_in_run(forward, matches) {
            Some(id) => {
                let hit = if by_name {
                    None
                } else {
                    super::search::record_line(&self.trace, id, &q)
                };
                self.search.message = Some(format!(
                    "/{}: {total} match{}{}",
                    self.search.query,
                    if total == 1 { "" } else { "es" },
                    if hit.is_some() { " (in a record)" } else { "" }
                ));
                self.jump_to(id);
                self.search.hit = hit.map(|h| (id, h));
            }
            None => self.search.message = Some(format!("/{}: no match", self.search.query)),
        }
    }

    /// Selects `id`; in the timeline view the scrubber moves to the node's start.
    pub(super) fn jump_to(&mut self, id: NodeId) {
        if self.view == View::Timeline {
            if let Some(p) = self.run.as_ref().and_then(|rc| rc.timeline.first_edge(id)) {
                // Show the whole node: put the cursor on its end when it has one.
                let end = self.run.as_ref().map_or(p, |rc| {
                    (p..rc.timeline.len())
                        .find(|&i| rc.timeline.phase_at(id, i) == Phase::Done)
                        .unwrap_or(p)
                });
                self.scrub = end;
            }
        }
        self.reveal(id);
    }
}
