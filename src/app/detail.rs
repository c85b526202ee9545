//! Payloads for the detail pane: read from the file on selection change (never while
//! drawing), pretty-printed, cleaned, and kept in a small LRU cache.

use std::collections::VecDeque;
use std::sync::Arc;

use trace_ingest::payload::{pretty, read_record};
use trace_model::event::SourceRef;
use trace_model::text::clean_multiline;
use trace_model::{NodeId, Trace};

/// How many pretty-printed payloads are kept.
pub const PAYLOAD_CACHE: usize = 64;

/// Longest payload shown, in lines.
const MAX_LINES: usize = 5000;

/// The records behind one node, ready to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// (heading, lines) per record: the start record, then the end record if different.
    pub sections: Vec<(String, Vec<String>)>,
}

impl Payload {
    pub fn line_count(&self) -> usize {
        self.sections.iter().map(|(_, l)| l.len() + 1).sum()
    }

    /// Reads the node's start and end records from their files.
    pub fn load(trace: &Trace, id: NodeId) -> Self {
        let mut sections = Vec::new();
        let mut seen: Vec<SourceRef> = Vec::new();
        for (label, src) in [
            ("start record", trace.start_src(id)),
            ("end record", trace.end_src(id)),
        ] {
            let Some(src) = src else { continue };
            if seen.contains(&src) {
                continue;
            }
            seen.push(src);
            let file = trace.file_name(src.file);
            let heading = format!("{label} · {}:{}", trace_model::text::clean(file), src.line);
            let lines = if file == "-" || file.is_empty() {
                vec!["payload not available (read from stdin)".to_owned()]
            } else {
                match read_record(file, &src) {
                    Ok(bytes) => {
                        let text = clean_multiline(&pretty(&bytes));
                        let mut lines: Vec<String> =
                            text.lines().take(MAX_LINES).map(str::to_owned).collect();
                        if lines.len() == MAX_LINES {
                            lines.push("… (cut)".to_owned());
                        }
                        lines
                    }
                    Err(e) => vec![format!(
                        "payload not available: {}",
                        trace_model::text::clean(&e.to_string())
                    )],
                }
            };
            sections.push((heading, lines));
        }
        Self { sections }
    }
}

/// Least-recently-used payloads by node.
#[derive(Debug, Default)]
pub struct PayloadCache {
    entries: VecDeque<(NodeId, Arc<Payload>)>,
}

impl PayloadCache {
    /// The payload of `id` if cached; does not change recency (for drawing).
    pub fn peek(&self, id: NodeId) -> Option<&Payload> {
        self.entries
            .iter()
            .find(|(k, _)| *k == id)
            .map(|(_, p)| p.as_ref())
    }

    /// Returns the payload of `id`, loading it on a miss and marking it most recent.
    pub fn get_or_load(&mut self, trace: &Trace, id: NodeId) -> Arc<Payload> {
        if let Some(i) = self.entries.iter().position(|(k, _)| *k == id) {
            let e = self.entries.remove(i).expect("index from position");
            let p = Arc::clone(&e.1);
            self.entries.push_front(e);
            return p;
        }
        let p = Arc::new(Payload::load(trace, id));
        self.entries.push_front((id, Arc::clone(&p)));
        self.entries.truncate(PAYLOAD_CACHE);
        p
    }

    /// Forgets `id` (its node received another event).
    pub fn invalidate(&mut self, id: NodeId) {
        self.entries.retain(|(k, _)| *k != id);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
    }
}
