//! A tiny blocking HTTP/1.1 client for the OTLP receiver tests and the load bench (one
//! connection per request, `Connection: close`), and request builders.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::trace::v1::{ResourceSpans, ScopeSpans, Span};

pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request; a write error (the server may answer early and close) still reads the answer.
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Resp> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        for part in [k, ": ", v, "\r\n"] {
            head.push_str(part);
        }
    }
    head.push_str("\r\n");
    let mut msg = head.into_bytes();
    msg.extend_from_slice(body);
    let _ = s.write_all(&msg);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    parse(&raw)
}

fn parse(raw: &[u8]) -> std::io::Result<Resp> {
    let bad = || std::io::Error::new(std::io::ErrorKind::InvalidData, "no HTTP answer");
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(bad)?;
    let head = std::str::from_utf8(&raw[..end]).map_err(|_| bad())?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(bad)?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Ok(Resp {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    })
}

pub fn post(addr: SocketAddr, ctype: &str, extra: &[(&str, &str)], body: &[u8]) -> Resp {
    let mut h = vec![("Content-Type", ctype)];
    h.extend_from_slice(extra);
    request(addr, "POST", "/v1/traces", &h, body).expect("an HTTP answer")
}

fn kv(key: &str, v: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(v) }),
        ..KeyValue::default()
    }
}

/// `n` GenAI chat spans in one trace; `seed` makes the ids unique across requests.
pub fn genai_request(seed: u64, n: usize) -> ExportTraceServiceRequest {
    let mut trace_id = vec![0u8; 16];
    trace_id[..8].copy_from_slice(&(seed + 1).to_be_bytes());
    trace_id[8] = 0xaa;
    let spans = (0..n)
        .map(|i| {
            let mut span_id = vec![0u8; 8];
            span_id[..4].copy_from_slice(&(seed as u32).to_be_bytes());
            span_id[4..].copy_from_slice(&(i as u32 + 1).to_be_bytes());
            Span {
                trace_id: trace_id.clone(),
                span_id,
                name: "chat gpt-4o".into(),
                kind: 3,
                start_time_unix_nano: 1_700_000_000_000_000_000 + i as u64 * 1000,
                end_time_unix_nano: 1_700_000_000_000_500_000 + i as u64 * 1000,
                attributes: vec![
                    kv(
                        "gen_ai.operation.name",
                        any_value::Value::StringValue("chat".into()),
                    ),
                    kv(
                        "gen_ai.request.model",
                        any_value::Value::StringValue("gpt-4o".into()),
                    ),
                    kv("gen_ai.usage.input_tokens", any_value::Value::IntValue(100)),
                    kv("gen_ai.usage.output_tokens", any_value::Value::IntValue(20)),
                ],
                ..Span::default()
            }
        })
        .collect();
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

/// Spans in one recorded OTLP/JSON line, counted with serde_json only, and their span ids.
pub fn span_ids(line: &str) -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
    let mut ids = Vec::new();
    for rs in v["resourceSpans"].as_array().into_iter().flatten() {
        for ss in rs["scopeSpans"].as_array().into_iter().flatten() {
            for s in ss["spans"].as_array().into_iter().flatten() {
                let t = s["traceId"].as_str().expect("hex traceId");
                let id = s["spanId"].as_str().expect("hex spanId");
                ids.push(format!("{t}/{id}"));
            }
        }
    }
    ids
}
