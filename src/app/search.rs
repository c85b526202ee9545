//! Search inside payloads: a scope's start and end records are read from the file (never kept
//! in memory) and searched, case-insensitively, for the query.

use trace_ingest::payload::read_record;
use trace_model::text::clean;
use trace_model::{NodeId, Trace};

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
