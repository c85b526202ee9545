//! Search inside payloads: a scope's start and end records are read from the file (never kept
//! in memory) and searched, case-insensitively, for the query.

use rustc_hash::{FxHashMap, FxHashSet};
use trace_ingest::payload::read_record;
use trace_model::filter::{Filter, Pred, RecordText};
use trace_model::text::clean;
use trace_model::{NodeId, Trace};

/// `text~` read from the files: a node's start and end records, lowercased, searched.
pub struct DiskRecords;

impl RecordText for DiskRecords {
    fn contains(&self, trace: &Trace, id: NodeId, needle: &str) -> bool {
        record_line(trace, id, needle).is_some()
    }
}

/// `text~` answered from what `refresh` read: for each needle, the nodes whose records hold
/// it (only the selected run's nodes are known).
#[derive(Debug, Default)]
pub struct TextHits {
    hits: FxHashMap<String, FxHashSet<NodeId>>,
    /// (run, trace generation, filter text) these are for.
    built: Option<(NodeId, u64, String)>,
}

impl RecordText for TextHits {
    fn contains(&self, _: &Trace, id: NodeId, needle: &str) -> bool {
        self.hits.get(needle).is_some_and(|s| s.contains(&id))
    }
}

impl TextHits {
    /// Reads the run's records for each `text~` needle of `filter`, when the run, the trace
    /// or the filter changed.
    pub(super) fn update(&mut self, trace: &Trace, run: NodeId, order: &[NodeId], filter: &Filter) {
        let key = (run, trace.generation, filter.to_string());
        if self.built.as_ref() == Some(&key) {
            return;
        }
        self.hits.clear();
        for t in filter.terms() {
            if let Pred::Text(needle) = &t.pred {
                let found = order
                    .iter()
                    .copied()
                    .filter(|&id| record_line(trace, id, needle).is_some())
                    .collect();
                self.hits.insert(needle.clone(), found);
            }
        }
        self.built = Some(key);
    }
}

/// Longest matching line kept for the detail pane.
const HIT_CHARS: usize = 120;

/// The first line of `id`'s records containing `q` (lowercase), cleaned and shortened.
pub fn record_line(trace: &Trace, id: NodeId, q: &str) -> Option<String> {
    for src in [trace.start_src(id), trace.end_src(id)]
        .into_iter()
        .flatten()
    {
        let file = trace.file_name(src.file);
        if file == "-" || file.is_empty() {
            continue;
        }
        let Ok(bytes) = read_record(file, &src) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes);
        let lower = text.to_lowercase();
        if let Some(at) = lower.find(q) {
            // Show the match with some context before it.
            let start = lower[..at]
                .char_indices()
                .rev()
                .nth(40)
                .map_or(0, |(i, _)| i);
            let s: String = text
                .get(start..)
                .unwrap_or(&text)
                .chars()
                .take(HIT_CHARS)
                .collect();
            return Some(clean(&s).into_owned());
        }
    }
    None
}
