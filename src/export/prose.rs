//! The words of a record, for the Markdown transcript: prompts and messages (with their
//! role), answers, tool arguments and results, pulled out of whatever shape the producer gave
//! them (OpenAI/Anthropic message lists and content blocks, Relay's `data`, harn and Codex
//! fields). Only text under keys that carry prose is taken; ids, times and figures are not.

use serde_json::Value;
use trace_model::text::clean_multiline;

/// Keys whose string values are prose, and the label shown for them.
const TEXT_KEYS: &[(&str, &str)] = &[
    ("prompt", "prompt"),
    ("system", "system"),
    ("query", "query"),
    ("question", "question"),
    ("input", "input"),
    ("instructions", "instructions"),
    ("message", "message"),
    ("text", "text"),
    ("content", "content"),
    ("answer", "answer"),
    ("output", "output"),
    ("result", "result"),
    ("completion", "completion"),
    ("response", "response"),
    ("arguments", "arguments"),
    ("args", "arguments"),
];
/// Longest text kept per entry, in characters.
const MAX_CHARS: usize = 2_000;
/// Entries kept per record.
const MAX_ENTRIES: usize = 12;
/// How deep the walk goes into a record.
const MAX_DEPTH: usize = 8;

/// (label, text) pairs in document order, each text cleaned and cut at [`MAX_CHARS`];
/// repeated texts (a prompt echoed in `data` and `metadata`) once.
pub fn of(record: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    walk(record, 0, &mut out);
    out
}

fn push(out: &mut Vec<(String, String)>, label: &str, text: &str) {
    let text = text.trim();
    if text.is_empty() || out.len() >= MAX_ENTRIES || out.iter().any(|(_, t)| t == text) {
        return;
    }
    let mut t: String = clean_multiline(text);
    if t.chars().count() > MAX_CHARS {
        t = t.chars().take(MAX_CHARS).collect::<String>() + "…";
    }
    if out.iter().any(|(_, x)| *x == t) {
        return;
    }
    out.push((label.to_owned(), t));
}

/// The text of a content value: a string, or a list of blocks with `text`.
fn content_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(blocks) => {
            let parts: Vec<&str> = blocks
                .iter()
                .filter_map(|b| b.get("text").and_then(Value::as_str))
                .collect();
            (!parts.is_empty()).then(|| parts.join("\n"))
        }
        _ => None,
    }
}

fn walk(v: &Value, depth: usize, out: &mut Vec<(String, String)>) {
    if depth > MAX_DEPTH || out.len() >= MAX_ENTRIES {
        return;
    }
    match v {
        Value::Object(o) => {
            // A chat message: its role names the text.
            if let (Some(role), Some(text)) = (
                o.get("role").and_then(Value::as_str),
                o.get("content").and_then(content_text),
            ) {
                push(out, role, &text);
                return;
            }
            for (k, child) in o {
                let label = TEXT_KEYS.iter().find(|(name, _)| *name == k).map(|p| p.1);
                match (label, child) {
                    (Some(l), Value::String(s)) => {
                        // Arguments are often a JSON string: shown as written.
                        push(out, l, s);
                    }
                    // A tool call's arguments as an object (Claude Code's `tool_use.input`).
                    (Some(l @ ("arguments" | "input")), Value::Object(_)) => {
                        push(out, l, &child.to_string());
                    }
                    _ => walk(child, depth + 1, out),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                walk(item, depth + 1, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::of;
    use serde_json::json;

    #[test]
    fn messages_answers_and_arguments() {
        let start = json!({"uuid": "u1", "name": "chat", "data": {
            "messages": [
                {"role": "system", "content": "Be brief."},
                {"role": "user", "content": [{"type": "text", "text": "What is 2+2?"}]}
            ],
            "model": "gpt-4.1"}});
        assert_eq!(
            of(&start),
            [
                ("system".to_owned(), "Be brief.".to_owned()),
                ("user".to_owned(), "What is 2+2?".to_owned())
            ]
        );
        let end = json!({"data": {"choices": [{"message": {"role": "assistant", "content": "4"}}]},
                         "metadata": {"answer": "4"}});
        assert_eq!(of(&end), [("assistant".to_owned(), "4".to_owned())]);
        let tool = json!({"data": {"arguments": {"q": "pricing"}, "id": "x"}});
        assert_eq!(
            of(&tool),
            [("arguments".to_owned(), r#"{"q":"pricing"}"#.to_owned())]
        );
        // Escapes and controls from the log never reach the output.
        let hostile = json!({"data": {"output": "ok\u{1b}[2J\u{202e}done"}});
        let got = of(&hostile);
        assert_eq!(got.len(), 1);
        assert!(!got[0].1.contains('\u{1b}') && !got[0].1.contains('\u{202e}'));
        assert!(of(&json!({"id": "x", "timestamp": 3})).is_empty());
    }
}
