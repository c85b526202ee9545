//! Unit tests: decoding both encodings, partial success, the gzip guard, the line's JSON shape.

use super::*;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span, Status};

fn span(trace: u8, id: u8) -> Span {
    Span {
        trace_id: vec![trace; 16],
        span_id: vec![id; 8],
        name: "chat gpt-4o".into(),
        kind: 3,
        start_time_unix_nano: 1_700_000_000_123_456_789,
        end_time_unix_nano: 1_700_000_001_123_456_789,
        attributes: vec![KeyValue {
            key: "gen_ai.usage.input_tokens".into(),
            value: Some(AnyValue {
                value: Some(any_value::Value::IntValue(1200)),
            }),
            ..KeyValue::default()
        }],
        status: Some(Status {
            message: String::new(),
            code: 2,
        }),
        ..Span::default()
    }
}

fn request(spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans,
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    }
}

#[test]
fn protobuf_to_collector_json_line() {
    let body = request(vec![span(1, 2), span(1, 3), span(4, 5)]).encode_to_vec();
    let d = decode_body(&body, Encoding::Protobuf).unwrap();
    assert_eq!((d.spans, d.traces, d.rejected), (3, 2, 0));
    let line = d.line.unwrap();
    assert!(!line.contains('\n'));
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    let s = &v["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    assert_eq!(s["traceId"], "01010101010101010101010101010101");
    assert_eq!(s["spanId"], "0202020202020202");
    assert_eq!(s["startTimeUnixNano"], "1700000000123456789");
    assert_eq!(s["kind"], 3);
    assert_eq!(s["status"]["code"], 2);
    assert_eq!(s["attributes"][0]["value"]["intValue"], "1200");
}

#[test]
fn json_round_trips_through_the_line() {
    let body = request(vec![span(7, 8)]).encode_to_vec();
    let line = decode_body(&body, Encoding::Protobuf)
        .unwrap()
        .line
        .unwrap();
    let again = decode_body(line.as_bytes(), Encoding::Json).unwrap();
    assert_eq!(again.line.as_deref(), Some(line.as_str()));
    // Integers where the mapping allows numbers too.
    let loose = r#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174","name":"x","kind":1,"startTimeUnixNano":1544712660000000000,"endTimeUnixNano":"1544712661000000000"}]}]}]}"#;
    let d = decode_body(loose.as_bytes(), Encoding::Json).unwrap();
    assert_eq!(d.spans, 1);
    assert!(
        d.line
            .unwrap()
            .contains(r#""startTimeUnixNano":"1544712660000000000""#)
    );
}

#[test]
fn bad_ids_are_rejected_as_partial_success() {
    let mut bad = span(1, 9);
    bad.span_id = vec![1, 2, 3];
    let zero = span(0, 4);
    let body = request(vec![span(1, 2), bad, zero]).encode_to_vec();
    let d = decode_body(&body, Encoding::Protobuf).unwrap();
    assert_eq!((d.spans, d.rejected), (1, 2));
    assert!(!d.reject_reason.is_empty());
    let all_bad = request(vec![span(0, 1)]).encode_to_vec();
    let d = decode_body(&all_bad, Encoding::Protobuf).unwrap();
    assert!(d.line.is_none());
    let resp =
        ExportTraceServiceResponse::decode(success_body(Encoding::Protobuf, 2, "why").as_slice())
            .unwrap();
    assert_eq!(resp.partial_success.unwrap().rejected_spans, 2);
    assert_eq!(success_body(Encoding::Json, 0, ""), b"{}");
    let js: serde_json::Value =
        serde_json::from_slice(&success_body(Encoding::Json, 2, "why")).unwrap();
    assert_eq!(js["partialSuccess"]["rejectedSpans"], "2");
}

#[test]
fn garbage_is_invalid_not_a_panic() {
    for body in [&b"\xff\xff\xff\xff"[..], b"{", b"[1,2]", b"\x0a\x05abc"] {
        assert!(matches!(
            decode_body(body, Encoding::Protobuf).and(decode_body(body, Encoding::Json)),
            Err(BodyError::Invalid(_))
        ));
    }
    assert!(matches!(
        gunzip(b"not gzip", 100),
        Err(BodyError::Invalid(_))
    ));
}

#[test]
fn gzip_bomb_stops_at_the_limit() {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..64 {
        enc.write_all(&zeros).unwrap();
    }
    let bomb = enc.finish().unwrap();
    assert!(bomb.len() < 100_000, "64 MiB of zeros packs small");
    assert_eq!(gunzip(&bomb, 1 << 20), Err(BodyError::TooLarge));
    let small = gunzip(&bomb, 64 << 20).unwrap();
    assert_eq!(small.len(), 64 << 20);
}

#[test]
fn status_body_is_a_google_rpc_status() {
    let pb = status_body(Encoding::Protobuf, 3, "bad");
    assert_eq!(pb, b"\x08\x03\x12\x03bad");
    let js: serde_json::Value =
        serde_json::from_slice(&status_body(Encoding::Json, 8, "full")).unwrap();
    assert_eq!(js["code"], 8);
}
