//! Sniffing: which dialect an input is in, decided from its first records by the registry's
//! rules (FORMATS.md §0.1). A strong claim decides at once; weak claims and file-name hints
//! only when nothing claims the input strongly. A document dialect is tried on the whole head
//! when the input starts as a pretty-printed document.

use serde_json::Value;

use crate::{Claim, DIALECTS, Format};

/// How many non-empty lines are read before giving up on a strong claim.
const LINES: usize = 32;

/// Guesses the dialect from the start of an input (up to 32 non-empty lines) and a file name.
pub fn sniff(head: &[u8], file_name: Option<&str>) -> Option<Format> {
    let text = String::from_utf8_lossy(strip_bom(head));
    let first = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    if first == "{" || first == "[" {
        return sniff_document(&text).or_else(|| name_hint(file_name));
    }
    let mut weak = None;
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(LINES)
    {
        let Ok(Value::Object(o)) = serde_json::from_str::<Value>(line) else {
            // A pretty-printed document whose first line happens to be longer than `{`.
            if line.starts_with('{') && !line.ends_with('}') {
                if let Some(f) = sniff_document(&text) {
                    return Some(f);
                }
            }
            continue;
        };
        match best(|d| (d.line)(&o)) {
            Some((f, Claim::Strong)) => return Some(f),
            Some((f, Claim::Weak)) => weak = weak.or(Some(f)),
            _ => {}
        }
    }
    weak.or_else(|| name_hint(file_name))
}

/// The first dialect with the strongest claim, if any claims at all.
fn best(rule: impl Fn(&crate::Dialect) -> Claim) -> Option<(Format, Claim)> {
    let mut found: Option<(Format, Claim)> = None;
    for d in DIALECTS {
        let c = rule(d);
        if c > found.map_or(Claim::No, |(_, c)| c) {
            found = Some((d.format, c));
        }
    }
    found
}

/// `bytes` without a leading UTF-8 byte-order mark (some Windows tools write one; JSON
/// parsers refuse it).
pub fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// Whether an input in `format` is read as one document rather than line by line: always for
/// a document dialect, and for a line dialect whose input starts pretty-printed (an OTLP
/// request written with indentation, say).
pub fn is_document(head: &[u8], format: Format) -> bool {
    if !format.is_line_based() {
        return true;
    }
    let head = strip_bom(head);
    let text = String::from_utf8_lossy(&head[..head.len().min(4096)]);
    let first = text.lines().map(str::trim).find(|l| !l.is_empty());
    matches!(first, Some("{" | "["))
}

fn sniff_document(text: &str) -> Option<Format> {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => best(|d| (d.document)(&v)).map(|(f, _)| f),
        // Only the head may be here: the rules read what text they can.
        Err(_) => best(|d| (d.partial_document)(text)).map(|(f, _)| f),
    }
}

fn name_hint(file_name: Option<&str>) -> Option<Format> {
    let name = file_name?.rsplit('/').next()?;
    DIALECTS
        .iter()
        .find(|d| (d.file_name)(name))
        .map(|d| d.format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_each_dialect() {
        let atof = br#"{"kind":"scope","atof_version":"0.1","uuid":"a","timestamp":1,"name":"x","scope_category":"start","category":"agent"}"#;
        assert_eq!(sniff(atof, None), Some(Format::Atof));
        let draft = br#"{"schema_version": "0.1", "uuid": "hdr", "kind": "StreamHeader"}"#;
        assert_eq!(sniff(draft, None), Some(Format::Atof));
        let harn = br#"{"index":0,"emitted_at_ms":1782324191204,"frame_depth":null,"type":"iteration_start","session_id":"s","iteration":1}"#;
        assert_eq!(sniff(harn, None), Some(Format::Harn));
        let topic = br#"{"id":3,"event":{"kind":"tool_call","payload":{"event":{"type":"tool_call"}},"occurred_at_ms":5}}"#;
        assert_eq!(sniff(topic, None), Some(Format::Harn));
        let greentic = b"{\n  \"trace_version\": 1,\n  \"flow\": {\"id\": \"f\", \"version\": \"1\"},\n  \"steps\": []\n}\n";
        assert_eq!(sniff(greentic, None), Some(Format::Greentic));
    }

    #[test]
    fn skips_leading_garbage_and_uses_name_hint() {
        let text = b"\n\nnot json\n{\"kind\":\"mark\",\"atof_version\":\"0.1\",\"uuid\":\"m\"}\n";
        assert_eq!(sniff(text, None), Some(Format::Atof));
        assert_eq!(
            sniff(b"garbage", Some("/tmp/event_log-abc.jsonl")),
            Some(Format::Harn)
        );
        assert_eq!(sniff(b"garbage", None), None);
        assert_eq!(sniff(b"", Some("x.txt")), None);
    }

    #[test]
    fn truncated_greentic_head_still_sniffs() {
        let head = b"{\n  \"trace_version\": 1,\n  \"steps\": [\n    {\"node_id\": \"a\"";
        assert_eq!(sniff(head, None), Some(Format::Greentic));
    }
}
