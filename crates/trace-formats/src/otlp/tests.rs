//! Reader tests on the FORMATS.md §4.5 example lines and odd records.

use super::*;
use trace_model::event::Tokens;

fn read(line: &str) -> Result<Vec<Event<'static>>, ParseError> {
    let mut evs = Vec::new();
    OtlpReader::default().read(line.as_bytes(), SourceRef::default(), &mut |e| {
        evs.push(e.into_owned());
    })?;
    Ok(evs)
}

const AGENT_AND_CHAT: &str = r#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"triage-agent"}}]},"scopeSpans":[{"scope":{"name":"agent-sdk","version":"1.4.0"},"spans":[{"traceId":"7d3f0a9c41e25b86c0f1a2d3e4b5c6d7","spanId":"a1b2c3d4e5f60718","name":"invoke_agent triage","kind":1,"startTimeUnixNano":"1782324191204518000","endTimeUnixNano":"1782324200015660000","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"invoke_agent"}},{"key":"gen_ai.agent.name","value":{"stringValue":"triage"}},{"key":"gen_ai.conversation.id","value":{"stringValue":"conv_5b0e7c1a"}}],"status":{"code":1}},{"traceId":"7d3f0a9c41e25b86c0f1a2d3e4b5c6d7","spanId":"0f1e2d3c4b5a6978","parentSpanId":"a1b2c3d4e5f60718","name":"chat claude-sonnet-4-5","kind":3,"startTimeUnixNano":"1782324192918004000","endTimeUnixNano":"1782324196377251000","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"chat"}},{"key":"gen_ai.provider.name","value":{"stringValue":"anthropic"}},{"key":"gen_ai.request.model","value":{"stringValue":"claude-sonnet-4-5"}},{"key":"gen_ai.response.model","value":{"stringValue":"claude-sonnet-4-5-20250929"}},{"key":"gen_ai.usage.input_tokens","value":{"intValue":"22129"}},{"key":"gen_ai.usage.cache_read.input_tokens","value":{"intValue":"21480"}},{"key":"gen_ai.usage.output_tokens","value":{"intValue":"74"}},{"key":"gen_ai.response.finish_reasons","value":{"arrayValue":{"values":[{"stringValue":"tool_use"}]}}}]}]}]}]}"#;

const FAILED_TOOL: &str = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"7d3f0a9c41e25b86c0f1a2d3e4b5c6d7","spanId":"5e6f708192a3b4c5","parentSpanId":"a1b2c3d4e5f60718","name":"execute_tool run_command","kind":1,"startTimeUnixNano":"1782324196402117000","endTimeUnixNano":"1782324199880342000","attributes":[{"key":"gen_ai.operation.name","value":{"stringValue":"execute_tool"}},{"key":"gen_ai.tool.name","value":{"stringValue":"run_command"}},{"key":"gen_ai.tool.call.id","value":{"stringValue":"toolu_01Zx9"}},{"key":"error.type","value":{"stringValue":"exit_status_101"}}],"events":[{"timeUnixNano":"1782324199880000000","name":"exception","attributes":[{"key":"exception.type","value":{"stringValue":"CommandFailed"}},{"key":"exception.message","value":{"stringValue":"process exited with status 101"}}]}],"status":{"code":2}}]}]}]}"#;

const OPENINFERENCE: &str = r#"{"resourceSpans":[{"scopeSpans":[{"scope":{"name":"openinference.instrumentation.openai"},"spans":[{"traceId":"c0ffee00112233445566778899aabbcc","spanId":"1122334455667788","name":"ChatCompletion","kind":1,"startTimeUnixNano":1782324300000000000,"endTimeUnixNano":1782324301250000000,"attributes":[{"key":"openinference.span.kind","value":{"stringValue":"LLM"}},{"key":"llm.model_name","value":{"stringValue":"gpt-4.1-mini"}},{"key":"llm.token_count.prompt","value":{"intValue":812}},{"key":"llm.token_count.completion","value":{"intValue":"96"}},{"key":"llm.token_count.total","value":{"intValue":"908"}},{"key":"llm.token_count.prompt_details.cache_read","value":{"intValue":"512"}},{"key":"llm.input_messages.0.message.content","value":{"stringValue":"Summarize \"ticket\" 4411"}}],"status":{}}]}]}]}"#;

#[test]
fn genai_agent_and_chat() {
    let evs = read(AGENT_AND_CHAT).unwrap();
    assert_eq!(evs.len(), 4);
    let (s, e) = (&evs[0], &evs[1]);
    assert_eq!(s.kind, EventKind::Start);
    assert_eq!(s.id, "7d3f0a9c41e25b86c0f1a2d3e4b5c6d7:a1b2c3d4e5f60718");
    assert_eq!(s.parent, None);
    assert_eq!(s.name, "invoke_agent triage");
    assert_eq!(s.category, Some(Category::Agent));
    assert_eq!(s.ts_us, Some(1_782_324_191_204_518));
    assert_eq!(s.src.item, 1);
    assert_eq!(e.ts_us, Some(1_782_324_200_015_660));
    assert_eq!(e.duration_us, Some(8_811_142));
    assert!(!e.failure.is_error());

    let chat = &evs[3];
    assert_eq!(chat.kind, EventKind::End);
    assert_eq!(chat.src.item, 2);
    assert_eq!(
        chat.parent.as_deref(),
        Some("7d3f0a9c41e25b86c0f1a2d3e4b5c6d7:a1b2c3d4e5f60718")
    );
    assert_eq!(chat.category, Some(Category::Llm));
    assert_eq!(chat.model.as_deref(), Some("claude-sonnet-4-5-20250929"));
    assert_eq!(
        chat.tokens,
        Some(Tokens {
            input: Some(22129),
            output: Some(74),
            total: Some(22203),
            cache_read: Some(21480),
            cache_write: None,
            cache_write_1h: None,
            reasoning: None,
        })
    );
}

#[test]
fn failed_tool_takes_tool_name_call_id_and_exception() {
    let evs = read(FAILED_TOOL).unwrap();
    let e = &evs[1];
    assert_eq!(e.name, "run_command");
    assert_eq!(e.category, Some(Category::Tool));
    assert_eq!(e.tool_call_id.as_deref(), Some("toolu_01Zx9"));
    assert_eq!(
        e.failure,
        Failure::Error("CommandFailed: process exited with status 101".into())
    );
    // The status message wins over the exception event.
    let with_message = FAILED_TOOL.replace(
        r#""code":2}"#,
        r#""code":"STATUS_CODE_ERROR","message":"boom"}"#,
    );
    assert_eq!(
        read(&with_message).unwrap()[1].failure,
        Failure::Error("boom".into())
    );
    // An exception event alone (handled) is not an error.
    let handled = FAILED_TOOL
        .replace(r#""code":2"#, r#""code":1"#)
        .replace("error.type", "other.attr");
    assert!(!read(&handled).unwrap()[1].failure.is_error());
}

#[test]
fn openinference_llm_and_numbers() {
    let evs = read(OPENINFERENCE).unwrap();
    let e = &evs[1];
    assert_eq!(e.category, Some(Category::Llm));
    assert_eq!(e.model.as_deref(), Some("gpt-4.1-mini"));
    let t = e.tokens.unwrap();
    assert_eq!(
        (t.input, t.output, t.total, t.cache_read),
        (Some(812), Some(96), Some(908), Some(512))
    );
    assert_eq!(e.ts_us, Some(1_782_324_301_250_000));
}

#[test]
fn anthropic_raw_input_gets_cache_added_back() {
    let raw = AGENT_AND_CHAT.replace(r#"{"intValue":"22129"}"#, r#"{"intValue":"9"}"#);
    let t = read(&raw).unwrap()[3].tokens.unwrap();
    assert_eq!((t.input, t.total), (Some(21489), Some(21563)));
}

#[test]
fn deprecated_names_relay_cache_write_and_no_tokens() {
    let line = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"01","spanId":"02","name":"x","startTimeUnixNano":"2000","endTimeUnixNano":"5000","attributes":[{"key":"gen_ai.usage.prompt_tokens","value":{"intValue":"40"}},{"key":"gen_ai.usage.completion_tokens","value":{"doubleValue":8.0}},{"key":"gen_ai.usage.cache_write.input_tokens","value":{"intValue":"4"}}]}]}]}]}"#;
    let e = &read(line).unwrap()[1];
    assert_eq!(
        e.category,
        Some(Category::Llm),
        "tokens alone mean an LLM call"
    );
    let t = e.tokens.unwrap();
    assert_eq!(
        (t.input, t.output, t.cache_write),
        (Some(40), Some(8), Some(4))
    );
    assert_eq!((e.ts_us, e.duration_us), (Some(5), Some(3)));
    assert_eq!(e.id, "01:02");
    let plain = line.replace("gen_ai.usage", "app.usage");
    let e = &read(&plain).unwrap()[1];
    assert_eq!(
        (e.category.clone(), e.tokens),
        (Some(Category::Unknown), None)
    );
}

#[test]
fn base64_ids_match_hex_ids() {
    let hex = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"016a8e3248b3497de175244e5fe0e2f3","spanId":"53f62bd6f411d8a1","parentSpanId":"0000000000000000","name":"a","startTimeUnixNano":"1","endTimeUnixNano":"2000"}]}]}]}"#;
    let b64 = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"AWqOMkizSX3hdSROX+Di8w==","spanId":"U/Yr1vQR2KE=","name":"a","kind":"SPAN_KIND_INTERNAL","startTimeUnixNano":"1","endTimeUnixNano":"2000"}]}]}]}"#;
    let (a, b) = (read(hex).unwrap(), read(b64).unwrap());
    assert_eq!(a[0].id, b[0].id);
    assert_eq!(a[0].parent, None, "an all-zero parent is no parent");
}

#[test]
fn unended_span_gives_only_a_start_and_missing_ids_are_synthesized() {
    let line = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"open","startTimeUnixNano":"1000"},{"traceId":"ab","name":"b","endTimeUnixNano":"0"}]}]}]}"#;
    let evs = read(line).unwrap();
    assert_eq!(evs.len(), 2);
    assert!(evs.iter().all(|e| e.kind == EventKind::Start));
    assert_eq!(evs[0].id, ":@0.1");
    assert_eq!(evs[1].id, "ab:@0.2");
}

#[test]
fn documents_with_several_requests_number_items_across_them() {
    let doc = format!("{AGENT_AND_CHAT}\n\n{FAILED_TOOL}\n");
    let evs = read(&doc).unwrap();
    assert_eq!(
        evs.iter().map(|e| e.src.item).collect::<Vec<_>>(),
        [1, 1, 2, 2, 3, 3]
    );
}

#[test]
fn bad_records_are_errors() {
    assert!(matches!(read("not json"), Err(ParseError::Json(_))));
    assert!(matches!(read("[1]"), Err(ParseError::NotObject)));
    assert!(matches!(read(""), Err(ParseError::NotObject)));
    let logs = read(r#"{"resourceLogs":[]}"#).unwrap_err().to_string();
    assert!(logs.contains("logs, not traces"), "{logs}");
    assert!(
        read(r#"{"other":1}"#)
            .unwrap_err()
            .to_string()
            .contains("resourceSpans")
    );
    assert!(matches!(
        read(r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":7}]}]}]}"#),
        Err(ParseError::Shape { .. })
    ));
    assert!(read(r#"{"resourceSpans":[]}"#).unwrap().is_empty());
    assert!(matches!(
        read("{\"resourceSpans\":[\u{1}"),
        Err(ParseError::Json(_))
    ));
}

#[test]
fn sniffs_lines_documents_and_names() {
    use crate::sniff::sniff;
    assert_eq!(sniff(AGENT_AND_CHAT.as_bytes(), None), Some(Format::Otlp));
    let pretty = "{\n  \"resourceSpans\": [\n  ]\n}\n";
    assert_eq!(sniff(pretty.as_bytes(), None), Some(Format::Otlp));
    assert!(crate::is_document(pretty.as_bytes(), Format::Otlp));
    let cut = "{\n  \"resourceSpans\": [\n    {\"scopeSpans\": [";
    assert_eq!(sniff(cut.as_bytes(), None), Some(Format::Otlp));
    assert_eq!(sniff(br#"{"resourceLogs":[]}"#, None), None);
    assert_eq!(
        sniff(b"garbage", Some("/x/spans.otlp.jsonl")),
        Some(Format::Otlp)
    );
}

/// A time that is not nanoseconds (an RFC 3339 text, a negative count, `true`) is dropped
/// with one warning naming the field, and an unreadable end still ends the span; `null`,
/// `""` and 0 are OTLP's unset and say nothing (an unset end leaves the span open).
#[test]
fn unreadable_span_times_are_warned_about() {
    let span = |start: &str, end: &str| {
        format!(
            r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"01","spanId":"02","name":"x","startTimeUnixNano":{start},"endTimeUnixNano":{end}}}]}}]}}]}}"#
        )
    };
    let read_one = |line: &str| {
        let mut r = OtlpReader::default();
        let mut ts = Vec::new();
        r.read(line.as_bytes(), SourceRef::default(), &mut |e| {
            ts.push(e.ts_us);
        })
        .unwrap();
        (ts, r.take_warning())
    };
    let (ts, w) = read_one(&span(r#""2026-06-24T18:00:00Z""#, r#""5000""#));
    assert_eq!(ts, [None, Some(5)]);
    assert_eq!(
        w.as_deref(),
        Some(
            "unreadable startTimeUnixNano (not a count of nanoseconds); the span is kept without that time"
        )
    );
    let (ts, w) = read_one(&span(r#""1000""#, "-7"));
    assert_eq!(ts, [Some(1), None]);
    assert!(w.unwrap().starts_with("unreadable endTimeUnixNano"));
    let (ts, w) = read_one(&span("true", "{}"));
    assert_eq!(ts, [None, None], "an unreadable end still ends the span");
    assert!(w.unwrap().starts_with("unreadable startTimeUnixNano"));
    for (start, end) in [("null", "0"), (r#""""#, r#""0""#)] {
        let (ts, w) = read_one(&span(start, end));
        assert_eq!(
            (ts, w),
            (vec![None], None),
            "{start} {end}: unset, the span open"
        );
    }
}

/// A span repeating a mapped key: the last value counts, and the key is kept once however
/// often it repeats.
#[test]
fn a_repeated_attribute_key_counts_once_with_its_last_value() {
    let attr =
        |n: u64| format!(r#"{{"key":"gen_ai.usage.input_tokens","value":{{"intValue":"{n}"}}}}"#);
    let attrs: Vec<String> = (1..=10_000).map(attr).collect();
    let line = format!(
        r#"{{"resourceSpans":[{{"scopeSpans":[{{"spans":[{{"traceId":"7d3f0a9c41e25b86c0f1a2d3e4b5c6d7","spanId":"a1b2c3d4e5f60718","name":"chat","startTimeUnixNano":"1","endTimeUnixNano":"2","attributes":[{{"key":"gen_ai.operation.name","value":{{"stringValue":"chat"}}}},{}]}}]}}]}}]}}"#,
        attrs.join(",")
    );
    let mut d = serde_json::Deserializer::from_str(&line);
    let req: wire::Request<'_> = serde::Deserialize::deserialize(&mut d).unwrap();
    let span = &req.resource_spans.as_ref().unwrap()[0].scope_spans[0].spans[0];
    assert_eq!(span.attributes.vals.len(), 2);
    let evs = read(&line).unwrap();
    assert_eq!(evs[1].tokens.and_then(|t| t.input), Some(10_000));
}
