//! Unit tests of the ATOF reader: drafts, usage sources, errors, and the typed probes
//! against the `serde_json::Value` path.

use super::*;
use trace_model::event::Failure;

fn read(line: &str) -> Result<Vec<String>, ParseError> {
    let mut got = Vec::new();
    AtofReader::default().read(line.as_bytes(), SourceRef::default(), &mut |e| {
        got.push(format!(
            "{:?} id={} parent={:?} ts={:?} name={} cat={:?} model={:?} tool={:?} tokens={:?} fail={:?}",
            e.kind,
            e.id,
            e.parent.as_deref(),
            e.ts_us,
            e.name,
            e.category.as_ref().map(Category::as_str),
            e.model.as_deref(),
            e.tool_call_id.as_deref(),
            e.tokens.map(|t| (t.input, t.output, t.total, t.cache_read, t.cache_write)),
            e.failure
        ));
    })?;
    Ok(got)
}

#[test]
fn relay_llm_end_prefers_annotated_usage_and_reads_model() {
    // Relay normalized usage of an Anthropic call: prompt_tokens (9) excludes the cache,
    // as the raw Anthropic usage in `data` shows; input = 9 + 21480 + 640.
    let l = r#"{"kind":"scope","atof_version":"0.1","parent_uuid":"p","uuid":"u","timestamp":"2026-06-24T18:03:16.377251+00:00","name":"anthropic.messages","data":{"usage":{"input_tokens":9,"cache_creation_input_tokens":640,"cache_read_input_tokens":21480,"output_tokens":74}},"data_schema":null,"metadata":{"otel.status_code":"OK"},"scope_category":"end","attributes":["streaming"],"category":"llm","category_profile":{"model_name":"claude-sonnet-4-5","annotated_response":{"usage":{"prompt_tokens":9,"completion_tokens":74,"total_tokens":83,"cache_read_tokens":21480,"cache_write_tokens":640}}}}"#;
    assert_eq!(
        read(l).unwrap(),
        vec![
            "End id=u parent=Some(\"p\") ts=Some(1782324196377251) name=anthropic.messages cat=Some(\"llm\") model=Some(\"claude-sonnet-4-5\") tool=None tokens=Some((Some(22129), Some(74), Some(22203), Some(21480), Some(640))) fail=None"
        ]
    );
}

#[test]
fn otel_error_with_description() {
    let l = r#"{"kind":"scope","atof_version":"0.1","parent_uuid":"p","uuid":"t","timestamp":1,"name":"Bash","data":null,"metadata":{"otel.status_code":"ERROR","otel.status_description":"exit 101"},"scope_category":"end","attributes":[],"category":"tool","category_profile":{"tool_call_id":"toolu_1"}}"#;
    let got = read(l).unwrap();
    assert!(
        got[0].ends_with("tool=Some(\"toolu_1\") tokens=None fail=Error(\"exit 101\")"),
        "{}",
        got[0]
    );
    let dotted = l.replace("otel.status_code", "otel_status_code");
    assert!(read(&dotted).unwrap()[0].contains("fail=Error"));
}

#[test]
fn error_sources() {
    let base = |extra: &str| {
        format!(
            r#"{{"kind":"scope","atof_version":"0.1","uuid":"t","timestamp":1,"name":"n","scope_category":"end","category":"tool"{extra}}}"#
        )
    };
    assert!(read(&base(r#","status":"error""#)).unwrap()[0].ends_with("fail=Error(\"error\")"));
    assert!(
        read(&base(r#","data":{"error":"boom"}"#)).unwrap()[0].ends_with("fail=Error(\"boom\")")
    );
    assert!(
        read(&base(r#","data":{"error":{"message":"rate limited"}}"#)).unwrap()[0]
            .ends_with("fail=Error(\"rate limited\")")
    );
    assert!(
        read(&base(r#","metadata":{"status":"denied"}"#)).unwrap()[0]
            .ends_with("fail=Error(\"denied\")")
    );
    assert!(read(&base(r#","metadata":{"error":"x"}"#)).unwrap()[0].ends_with("fail=Error(\"x\")"));
    assert!(
        read(&base(r#","data":{"error":null},"status":"ok""#)).unwrap()[0].ends_with("fail=None")
    );
    assert!(
        read(&base(
            r#","data":{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#
        ))
        .unwrap()[0]
            .ends_with("fail=Error(\"Overloaded\")")
    );
}

#[test]
fn rejection_mark_with_integer_timestamp() {
    let l = r#"{"kind":"mark","atof_version":"0.1","parent_uuid":"p","uuid":"m","timestamp":1782324200015660,"name":"Bash","data":{"rejected":true,"rejection_reason":"deny rule"},"data_schema":null,"metadata":null,"category":null,"category_profile":null}"#;
    assert!(
        read(l).unwrap()[0].starts_with(
            "Mark id=m parent=Some(\"p\") ts=Some(1782324200015660) name=Bash cat=None"
        )
    );
    assert!(read(l).unwrap()[0].ends_with("fail=Error(\"rejected: deny rule\")"));
}

#[test]
fn draft_shape() {
    let l = r#"{"schema_version": "0.1", "uuid": "llm-005", "parent_uuid": "agent-003", "timestamp": "2026-01-03T00:00:02Z", "name": "gpt-4.1", "scope_type": "llm", "model_name": "gpt-4.1", "kind": "ScopeEnd", "output": {"usage": {"prompt_tokens": 84, "completion_tokens": 18, "total_tokens": 102}}, "status": "ok"}"#;
    assert!(read(l).unwrap()[0].contains("model=Some(\"gpt-4.1\") tool=None tokens=Some((Some(84), Some(18), Some(102), None, None)) fail=None"));
    assert_eq!(
        read(r#"{"schema_version":"0.1","uuid":"h","kind":"StreamHeader"}"#)
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn start_model_from_payload() {
    let l = r#"{"kind":"scope","atof_version":"0.1","uuid":"u","timestamp":"2026-06-24T18:03:12Z","name":"openai.chat_completions","data":{"headers":{},"content":{"model":"gpt-4.1","messages":[]}},"scope_category":"start","category":"llm","category_profile":{}}"#;
    assert!(read(l).unwrap()[0].contains("model=Some(\"gpt-4.1\")"));
}

#[test]
fn bad_lines() {
    assert!(matches!(read("nope"), Err(ParseError::Json(_))));
    assert!(matches!(read("[1,2]"), Err(ParseError::NotObject)));
    assert!(matches!(read("42"), Err(ParseError::NotObject)));
    assert!(matches!(
        read(r#"{"uuid":"x"}"#),
        Err(ParseError::Shape { .. })
    ));
    assert!(matches!(
        read(r#"{"kind":"scope","uuid":"x","scope_category":"middle"}"#),
        Err(ParseError::Shape { .. })
    ));
    assert!(matches!(
        read(r#"{"kind":"scope","uuid":5,"scope_category":"start"}"#),
        Err(ParseError::Shape { .. })
    ));
    // Escaped strings are fine (owned, not borrowed).
    assert!(
        read(r#"{"kind":"mark","uuid":"a\"b","name":"x\ny"}"#).unwrap()[0]
            .starts_with("Mark id=a\"b")
    );
}

fn end(extra: &str) -> String {
    format!(
        r#"{{"kind":"scope","uuid":"u","timestamp":1,"name":"n","scope_category":"end","category":"llm"{extra}}}"#
    )
}

fn tokens_of(extra: &str) -> String {
    let got = read(&end(extra)).unwrap();
    let i = got[0].find("tokens=").unwrap();
    got[0][i..].to_owned()
}

#[test]
fn usage_probe_in_a_line() {
    // Floats, digit strings, alias priority and the recomputed total.
    assert_eq!(
        tokens_of(
            r#","data":{"usage":{"input":1,"prompt_tokens":"10","completion_tokens":2.0,"total":5}}"#
        ),
        "tokens=Some((Some(10), Some(2), Some(12), None, None)) fail=None"
    );
    // Repeated keys inside a usage object: the last one counts, as in a JSON map.
    assert_eq!(
        tokens_of(r#","data":{"usage":{"input":1,"input":"x","output":3,"output":4}}"#),
        "tokens=Some((None, Some(4), Some(4), None, None)) fail=None"
    );
    // A usage that is not an object is skipped, never an error.
    assert_eq!(
        tokens_of(
            r#","data":{"usage":[1,2],"token_usage":"lots","usageMetadata":{"promptTokenCount":7}}"#
        ),
        // Gemini: no per-call cache write, and a zero cache read is omitted from the JSON.
        "tokens=Some((Some(7), None, Some(7), Some(0), Some(0))) fail=None"
    );
    assert_eq!(
        tokens_of(
            r#","data":{"usage":7},"metadata":{"response":{"content":{"usage":{"output":2}}}}"#
        ),
        "tokens=Some((None, Some(2), Some(2), None, None)) fail=None"
    );
    // A repeated probed field is an error, as it always was.
    assert!(matches!(
        read(&end(r#","data":{"usage":{},"usage":{}}"#)),
        Err(ParseError::Shape { .. })
    ));
    // So is a value serde_json cannot read, anywhere under a probed field.
    assert!(read(&end(r#","data":{"usage":{"junk":1e400}}"#)).is_err());
    assert!(read(&end(r#","data":{"junk":1e400}"#)).is_ok());
}

#[test]
fn probed_values_of_any_type() {
    for v in [
        "null",
        "true",
        "2",
        "-1.5",
        r#""""#,
        "[]",
        r#"{"code":2}"#,
        r#"{"a":[{}]}"#,
    ] {
        let extra = format!(
            r#","status":{v},"error":{v},"data":{{"error":{v},"status":{v},"rejected":{v}}},"metadata":{{"otel.status_code":{v},"status":{v},"error":{v},"nemo_relay.log.severity":{v},"response":{v}}}"#
        );
        assert!(read(&end(&extra)).is_ok(), "{v}");
    }
    assert!(
        read(&end(r#","status":{"code":"ERROR","message":"m"}"#)).unwrap()[0]
            .ends_with("fail=Error(\"m\")")
    );
    assert!(
        read(&end(r#","error":{"detail":[1]}"#)).unwrap()[0]
            .ends_with(r#"fail=Error("{\"detail\":[1]}")"#)
    );
}

#[test]
fn unescaped_strings_are_borrowed() {
    let l = r#"{"kind":"mark","uuid":"a","parent_uuid":"p","name":"n","category_profile":{"model_name":"m"}}"#;
    AtofReader::default()
        .read(l.as_bytes(), SourceRef::default(), &mut |e| {
            assert!(matches!(e.id, Cow::Borrowed("a")));
            assert!(matches!(e.parent, Some(Cow::Borrowed("p"))));
            assert!(matches!(e.name, Cow::Borrowed("n")));
            assert!(matches!(e.model, Some(Cow::Borrowed("m"))));
        })
        .unwrap();
}

#[test]
fn relay_completion_outcomes_mean_what_they_say() {
    let end = |meta: &str, data: &str| {
        let line = format!(
            r#"{{"kind":"scope","atof_version":"0.1","uuid":"t","parent_uuid":null,"timestamp":"2026-01-01T00:00:00Z","name":"Edit","scope_category":"end","category":"tool","attributes":[],"category_profile":{{}},"data":{data},"data_schema":null,"metadata":{meta}}}"#
        );
        let mut got = None;
        AtofReader::default()
            .read(line.as_bytes(), SourceRef::default(), &mut |e| {
                got = Some(e.into_owned().failure);
            })
            .unwrap();
        got.unwrap()
    };
    let inc = |s: &str| Failure::Incomplete(s.to_owned().into());
    assert_eq!(
        end(
            r#"{"status":"closed_by_agent_end","tool_completion_outcome":"incomplete"}"#,
            r#"{"status":"closed_by_agent_end"}"#
        ),
        inc("incomplete: closed_by_agent_end")
    );
    assert_eq!(
        end(r#"{"tool_completion_outcome":"interrupted"}"#, "null"),
        inc("interrupted")
    );
    assert_eq!(
        end(r#"{"status":"superseded_by_next_turn"}"#, "null"),
        inc("superseded_by_next_turn")
    );
    assert_eq!(
        end(r#"{"status":"idle_timeout"}"#, "null"),
        inc("idle_timeout")
    );
    assert!(end(r#"{"tool_completion_outcome":"error"}"#, "null").is_error());
    assert_eq!(
        end(
            r#"{"tool_completion_outcome":"completed","status":"closed_by_turn_end"}"#,
            "null"
        ),
        Failure::None
    );
    // An error stays an error even when the lifecycle closed the tool.
    assert!(
        end(
            r#"{"otel.status_code":"ERROR","tool_completion_outcome":"incomplete"}"#,
            "null"
        )
        .is_error()
    );
    assert_eq!(end("null", r#"{"exit":0}"#), Failure::None);
}

#[test]
fn unknown_major_version_is_said_once_and_read() {
    let mut r = AtofReader::default();
    let line = |v: &str| {
        format!(r#"{{"kind":"mark","atof_version":"{v}","uuid":"m","timestamp":1,"name":"n"}}"#)
    };
    let mut n = 0;
    let mut warnings = Vec::new();
    for v in ["0.1", "1.0", "1.0", "0.2", "1.0", "2.3"] {
        r.read(line(v).as_bytes(), SourceRef::default(), &mut |_| n += 1)
            .unwrap();
        warnings.extend(r.take_warning());
    }
    assert_eq!(n, 6, "every record read");
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains("\"1.0\""), "{warnings:?}");
    assert!(warnings[1].contains("\"2.3\""), "{warnings:?}");
}
