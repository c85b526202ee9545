//! What the model's tables hold in memory, by table: the capacity each has reserved, in
//! bytes. `TRACE_TUI_PHASES` prints it beside resident memory, so a memory figure can be
//! traced to the table behind it (README, "Performance").

use std::mem::size_of;

use crate::Trace;
use crate::ids::{StrEntry, UuidEntry};
use crate::records::{Cold, Hot, More, PackedTokens};

/// Bytes a hashbrown table of `cap` slots of `T` reserves: the slots and a control byte each.
fn table<T>(cap: usize) -> usize {
    cap * (size_of::<T>() + 1)
}

impl Trace {
    /// Reserved bytes per table, largest first: (table, bytes).
    pub fn memory_by_table(&self) -> Vec<(&'static str, usize)> {
        let mut rows = vec![
            ("nodes", self.hot.capacity() * size_of::<Hot>()),
            (
                "scopes",
                self.cold.capacity() * size_of::<Cold>() + self.scope_ranks.heap_bytes(),
            ),
            (
                "uuid ids",
                self.uuids.capacity() * size_of::<UuidEntry>()
                    + table::<u32>(self.uuid_ids.capacity()),
            ),
            (
                "other ids",
                self.str_ids.capacity() * size_of::<StrEntry>()
                    + table::<u32>(self.ids.capacity())
                    + self.id_text.capacity(),
            ),
            ("names", self.strings.heap_bytes()),
            ("sources", self.srcs.heap_bytes()),
            ("times", self.times.heap_bytes()),
            (
                "tokens",
                self.tokens.capacity() * size_of::<PackedTokens>()
                    + self.wide_tokens.capacity() * size_of::<crate::event::Tokens>(),
            ),
            (
                "rare",
                self.more.capacity() * size_of::<More>()
                    + self.tool_ids.capacity()
                    + table::<((u32, bool), u32)>(self.items.capacity())
                    + table::<(u32, u64)>(self.reported_cost.capacity()),
            ),
            (
                "roots",
                (self.roots.capacity() + self.loose_marks.capacity() + self.unsorted.capacity())
                    * size_of::<u32>(),
            ),
        ];
        rows.sort_by_key(|r| std::cmp::Reverse(r.1));
        rows
    }
}
