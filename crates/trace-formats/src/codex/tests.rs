use super::*;
use crate::Reader;
use trace_model::Trace;
use trace_model::event::{Event, SourceRef};

fn load(text: &str) -> Trace {
    let mut r = CodexReader::default();
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

fn usage(i: u64, c: u64, o: u64) -> String {
    format!(
        r#"{{"input_tokens":{i},"cached_input_tokens":{c},"output_tokens":{o},"reasoning_output_tokens":0,"total_tokens":{}}}"#,
        i + o
    )
}

fn tc(ts: &str, total: &str, last: &str) -> String {
    format!(
        r#"{{"timestamp":"{ts}","type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{total},"last_token_usage":{last}}}}}}}"#
    )
}

#[test]
fn calls_are_changes_of_the_total_and_exec_codes_fail_tools() {
    let text = [
        r#"{"timestamp":"2026-01-01T00:00:00.000Z","type":"session_meta","payload":{"id":"s1"}}"#.to_owned(),
        r#"{"timestamp":"2026-01-01T00:00:00.100Z","type":"event_msg","payload":{"type":"task_started","turn_id":"t1"}}"#.to_owned(),
        r#"{"timestamp":"2026-01-01T00:00:00.200Z","type":"turn_context","payload":{"turn_id":"t1","model":"gpt-x"}}"#.to_owned(),
        r#"{"timestamp":"2026-01-01T00:00:01.000Z","type":"response_item","payload":{"type":"function_call","name":"exec_command","arguments":"{}","call_id":"c1"}}"#.to_owned(),
        tc("2026-01-01T00:00:01.100Z", &usage(100, 60, 10), &usage(100, 60, 10)),
        tc("2026-01-01T00:00:01.200Z", &usage(100, 60, 10), &usage(100, 60, 10)),
        r#"{"timestamp":"2026-01-01T00:00:02.000Z","type":"response_item","payload":{"type":"function_call_output","call_id":"c1","output":"Process running with session ID 7"}}"#.to_owned(),
        r#"{"timestamp":"2026-01-01T00:00:03.000Z","type":"event_msg","payload":{"type":"exec_command_end","call_id":"c1","exit_code":2}}"#.to_owned(),
        tc("2026-01-01T00:00:04.000Z", &usage(250, 160, 15), &usage(150, 100, 5)),
        r#"{"timestamp":"2026-01-01T00:00:05.000Z","type":"event_msg","payload":{"type":"error","message":"stream disconnected"}}"#.to_owned(),
        r#"{"timestamp":"2026-01-01T00:00:06.000Z","type":"event_msg","payload":{"type":"turn_aborted","turn_id":"t1","reason":"interrupted"}}"#.to_owned(),
    ]
    .join("\n");
    let t = load(&text);
    let s = t.run_stats(t.runs().next().unwrap());
    assert_eq!((s.llm_calls, s.tool_calls, s.errors), (2, 1, 3));
    assert_eq!(
        (s.tokens.input, s.tokens.cache_read, s.tokens.output),
        (250, 160, 15)
    );
    assert_eq!(s.by_model[0].0, "gpt-x");
    let tool = t.node_ids().find(|&n| t.node(n).is_tool()).unwrap();
    assert_eq!(
        t.node(tool).duration_us(),
        Some(2_000_000),
        "ends at exec_command_end"
    );
    assert_eq!(t.error(tool), Some("exit code 2"));
}

#[test]
fn legacy_rollout_best_effort() {
    let text = r#"{"id":"old","timestamp":"2025-04-01T00:00:00.000Z","instructions":null,"git":{}}
{"record_type":"state"}
{"type":"message","role":"user","content":[{"type":"input_text","text":"hi"}]}
{"type":"function_call","name":"shell","arguments":"{}","call_id":"c"}
{"type":"function_call_output","call_id":"c","output":"{\"output\":\"x\",\"metadata\":{\"exit_code\":1}}"}
"#;
    let t = load(text);
    let s = t.run_stats(t.runs().next().unwrap());
    assert_eq!((s.tool_calls, s.errors, t.skipped), (1, 1, 0));
}

#[test]
fn sniff_rule_7() {
    let o: Map<String, Value> =
        serde_json::from_str(r#"{"timestamp":"x","type":"session_meta","payload":{"id":"s"}}"#)
            .unwrap();
    assert_eq!(sniff_line(&o), Claim::Strong);
    let o: Map<String, Value> = serde_json::from_str(r#"{"record_type":"state"}"#).unwrap();
    assert_eq!(sniff_line(&o), Claim::Strong);
    let o: Map<String, Value> =
        serde_json::from_str(r#"{"type":"user","sessionId":"s","uuid":"u","parentUuid":null}"#)
            .unwrap();
    assert_eq!(sniff_line(&o), Claim::No);
}
