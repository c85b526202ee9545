//! Records said twice (an exporter's retried batch, a line written twice, `cat a a`): a
//! repeated start or end is ignored by its id; marks have no kept ids, so the marks under a
//! scope whose start repeated are matched by time, name and error state instead.

use crate::event::{Event, EventKind};
use crate::ids::Key;
use crate::records::{Src, flag, pack_time};
use crate::{NodeId, NodeKind, Sym, Trace};

/// A replayed scope's marks not yet said again, by time (packed), name and error state.
pub(crate) type MarkCounts = rustc_hash::FxHashMap<(i64, Sym, bool), u32>;

impl Trace {
    /// A start or end that repeats, field for field, the one already applied for its id
    /// (an exporter's retried batch, a line written twice): warned about and ignored, so its
    /// tokens are not counted twice. "The same" is the same time (a known one), name and
    /// usage; a producer restarted with the same ids stamps other times and still gets a
    /// second scope. A settling end is never one: settling again is its meaning.
    pub(crate) fn replayed(
        &mut self,
        key: Key,
        ev: &Event<'_>,
        name: Option<Sym>,
        ts: Option<i64>,
    ) -> bool {
        let Some(n) = self.get_id(key) else {
            return false;
        };
        let hot = &self.hot[n as usize];
        // An end does not rename its scope (a Relay turn's start is renamed `turn N · …`,
        // its end keeps the producer's name), so only a start's name must match (an end's
        // is not interned for this: `name` is `None`).
        let renames = ev.kind == EventKind::Start;
        if ts.is_none() || hot.kind != NodeKind::Scope || (renames && Some(hot.name) != name) {
            return false;
        }
        let (same, first) = match ev.kind {
            EventKind::Start => (
                hot.flag(flag::HAS_START) && self.start_time(n) == pack_time(ts),
                hot.start_src,
            ),
            EventKind::End => {
                let cold = self.cold(n);
                let same = ev.settles.is_none()
                    && hot.flag(flag::HAS_END)
                    && self.end_time(n) == pack_time(ts)
                    && self.tokens(n) == ev.tokens
                    && ev.failure.is_error() == self.node(n).has_error();
                (same, cold.end_src)
            }
            EventKind::Mark => (false, Src::NONE),
        };
        let record = (ev.src.file, ev.src.line, ev.src.item);
        let told = ev.kind == EventKind::End && self.replayed_at == Some(record);
        if same && ev.kind == EventKind::Start {
            self.replayed_at = Some(record);
            self.replaying_marks_of(n);
        }
        if same && !told {
            let at = self
                .srcs
                .unpack(first, 0)
                .map_or_else(String::new, |s| format!(" (as line {})", s.line));
            let what = if ev.kind == EventKind::Start {
                "start"
            } else {
                "end"
            };
            self.warn(
                ev.src,
                format!("repeated {what} for id {:?}{at}; ignored", &*ev.id),
            );
        }
        same
    }

    /// Scope `n`'s start repeated: its marks so far are what a replay would say again.
    /// Counted anew at each repeat (the marks of earlier replays were never added), so a
    /// file read three times is still the file; one walk of its children per repeat.
    fn replaying_marks_of(&mut self, n: NodeId) {
        let mut marks = MarkCounts::default();
        for c in self.children(n) {
            let h = &self.hot[c as usize];
            if h.kind == NodeKind::Mark {
                *marks
                    .entry((self.start_time(c), h.name, h.flag(flag::HAS_ERROR)))
                    .or_default() += 1;
            }
        }
        if marks.is_empty() {
            self.replay_marks.remove(&n);
        } else {
            self.replay_marks.insert(n, marks);
        }
    }

    /// A mark under a scope whose start repeated that matches one of the marks it had then:
    /// used up and ignored (the repeated start's warning tells of the replay). A mark with no
    /// time is never one.
    pub(crate) fn replayed_mark(&mut self, ev: &Event<'_>, name: Sym, ts: Option<i64>) -> bool {
        if self.replay_marks.is_empty() || ts.is_none() {
            return false;
        }
        let Some(parent) = ev
            .parent
            .as_deref()
            .and_then(|p| self.find_key(p))
            .and_then(|k| self.get_id(k))
        else {
            return false;
        };
        let Some(marks) = self.replay_marks.get_mut(&parent) else {
            return false;
        };
        let key = (pack_time(ts), name, ev.failure.is_error());
        let Some(left) = marks.get_mut(&key) else {
            return false;
        };
        *left -= 1;
        if *left == 0 {
            marks.remove(&key);
            if marks.is_empty() {
                self.replay_marks.remove(&parent);
            }
        }
        true
    }
}
