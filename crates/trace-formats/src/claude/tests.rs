use super::*;
use crate::Reader;
use trace_model::Trace;
use trace_model::event::Event;

fn load(text: &str) -> Trace {
    let mut r = ClaudeReader::default();
    let mut t = Trace::new();
    t.add_file("t");
    for (i, line) in text.lines().filter(|l| !l.trim().is_empty()).enumerate() {
        let src = SourceRef {
            line: i as u64 + 1,
            ..SourceRef::default()
        };
        r.read(line.as_bytes(), src, &mut |e: Event<'_>| t.apply(&e))
            .unwrap();
    }
    r.finish(&mut |e: Event<'_>| t.apply(&e));
    t.settle();
    t
}

const S: &str = r#""sessionId":"s1","uuid":"u","parentUuid":null"#;

fn user(ts: &str, content: &str) -> String {
    format!(
        r#"{{"type":"user",{S},"timestamp":"{ts}","message":{{"role":"user","content":{content}}}}}"#
    )
}

fn assistant(ts: &str, id: &str, out: u64, block: &str) -> String {
    format!(
        r#"{{"type":"assistant",{S},"timestamp":"{ts}","message":{{"model":"claude-x","id":"{id}","content":[{block}],"usage":{{"input_tokens":40,"cache_creation_input_tokens":12,"cache_read_input_tokens":300,"output_tokens":{out}}}}}}}"#
    )
}

#[test]
fn a_message_split_over_lines_counts_once_with_its_last_usage() {
    let text = [
        user("2026-01-01T00:00:00.000Z", r#""hi""#),
        assistant(
            "2026-01-01T00:00:01.000Z",
            "m1",
            1,
            r#"{"type":"text","text":"a"}"#,
        ),
        assistant(
            "2026-01-01T00:00:02.000Z",
            "m1",
            116,
            r#"{"type":"tool_use","id":"t1","name":"Bash","input":{}}"#,
        ),
        user(
            "2026-01-01T00:00:03.000Z",
            r#"[{"type":"tool_result","tool_use_id":"t1","content":"boom","is_error":true}]"#,
        ),
        assistant(
            "2026-01-01T00:00:04.000Z",
            "m2",
            5,
            r#"{"type":"text","text":"b"}"#,
        ),
    ]
    .join("\n");
    let t = load(&text);
    let run = t.runs().next().unwrap();
    let s = t.run_stats(run);
    assert_eq!((s.llm_calls, s.tool_calls, s.errors), (2, 1, 1));
    assert_eq!(s.tokens.input, 704);
    assert_eq!(s.tokens.output, 121);
    assert_eq!(s.tokens.cache_read, 600);
    assert_eq!(s.tokens.cache_write, 24);
    assert_eq!(
        s.open_scopes, 0,
        "finish closed the held message and the turn"
    );
}

#[test]
fn bookkeeping_and_interrupts() {
    let text = [
        r#"{"type":"file-history-snapshot","messageId":"x","snapshot":{}}"#.to_owned(),
        r#"{"type":"queue-operation","operation":"dequeue","timestamp":"2026-01-01T00:00:00.000Z","sessionId":"s1"}"#.to_owned(),
        user("2026-01-01T00:00:00.000Z", r#""go""#),
        user(
            "2026-01-01T00:00:01.000Z",
            r#"[{"type":"text","text":"[Request interrupted by user]"}]"#,
        ),
        r#"{"type":"assistant","sessionId":"s1","timestamp":"2026-01-01T00:00:02.000Z","isApiErrorMessage":true,"message":{"model":"<synthetic>","id":"e","content":[{"type":"text","text":"API Error: 529"}]}}"#.to_owned(),
    ]
    .join("\n");
    let t = load(&text);
    let s = t.run_stats(t.runs().next().unwrap());
    assert_eq!((s.llm_calls, s.errors, t.skipped), (0, 2, 0));
}

#[test]
fn sniff_rule_8() {
    let strong: Map<String, Value> =
        serde_json::from_str(&user("2026-01-01T00:00:00Z", r#""x""#)).unwrap();
    assert_eq!(sniff_line(&strong), Claim::Strong);
    let weak: Map<String, Value> =
        serde_json::from_str(r#"{"type":"queue-operation","sessionId":"s"}"#).unwrap();
    assert_eq!(sniff_line(&weak), Claim::Weak);
    let codex: Map<String, Value> =
        serde_json::from_str(r#"{"type":"event_msg","payload":{"type":"user_message"}}"#).unwrap();
    assert_eq!(sniff_line(&codex), Claim::No);
}
