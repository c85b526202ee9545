//! The OTLP/HTTP receiver on loopback: both encodings and gzip accepted and recorded (counted
//! with serde_json, independently of any trace-tui reader), and every refusal answered as the
//! OTLP spec says while the server keeps running.

#[path = "otlp/client.rs"]
mod client;

use std::io::Write;
use std::time::Duration;

use client::{genai_request, post, request, span_ids};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceResponse;
use prost::Message;
use trace_otlp::{Config, Handle, serve};

const PB: &str = "application/x-protobuf";
const JSON: &str = "application/json";

fn start(f: impl FnOnce(&mut Config)) -> (Handle, tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("rec.jsonl");
    let mut config = Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        record: Some(record.clone()),
        ..Config::default()
    };
    f(&mut config);
    (serve(&config).unwrap(), dir, record)
}

fn recorded(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn json_body(seed: u64, n: usize) -> Vec<u8> {
    // The JSON encoding of a request is what the receiver records; re-posting it is a real
    // OTLP/JSON body (hex ids, string nanoseconds).
    let pb = genai_request(seed, n).encode_to_vec();
    trace_otlp::decode_body(&pb, trace_otlp::Encoding::Protobuf)
        .unwrap()
        .line
        .unwrap()
        .into_bytes()
}

#[test]
fn protobuf_json_and_gzip_are_accepted_and_recorded() {
    let (mut h, _dir, record) = start(|_| {});
    let lines = h.take_lines().unwrap();
    let addr = h.addr();
    let r = post(addr, PB, &[], &genai_request(1, 3).encode_to_vec());
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some(PB));
    let resp = ExportTraceServiceResponse::decode(r.body.as_slice()).unwrap();
    assert!(resp.partial_success.is_none());
    let r = post(
        addr,
        "application/json; charset=utf-8",
        &[],
        &json_body(2, 2),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some(JSON));
    assert_eq!(r.body, b"{}", "no partialSuccess when nothing was rejected");
    let gz = gzip(&genai_request(3, 4).encode_to_vec());
    let r = post(addr, PB, &[("Content-Encoding", "gzip")], &gz);
    assert_eq!(r.status, 200);
    let r = post(
        addr,
        JSON,
        &[("Content-Encoding", "gzip")],
        &gzip(&json_body(4, 5)),
    );
    assert_eq!(r.status, 200);
    // Acknowledged means written: the file holds every line already.
    let file = recorded(&record);
    assert_eq!(file.len(), 4);
    let counts: Vec<usize> = file.iter().map(|l| span_ids(l).len()).collect();
    assert_eq!(counts, [3, 2, 4, 5]);
    let v: serde_json::Value = serde_json::from_str(&file[0]).unwrap();
    let span = &v["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    assert_eq!(span["traceId"], "0000000000000002aa00000000000000");
    assert_eq!(span["startTimeUnixNano"], "1700000000000000000");
    // The queue hands the app the same lines, in the file's order.
    for (i, want) in file.iter().enumerate() {
        let b = lines.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(&b.line, want, "line {i}");
        assert_eq!(b.spans, counts[i]);
        assert_eq!(b.traces, 1);
    }
}

#[test]
fn bad_bodies_get_400_and_the_server_keeps_running() {
    let (h, _dir, record) = start(|_| {});
    let addr = h.addr();
    for (ctype, body) in [
        (PB, &b"\xff\xff\xff\xff\xff"[..]),
        (JSON, b"{\"resourceSpans\": [}"),
        (JSON, b"[1,2,3]"),
    ] {
        let r = post(addr, ctype, &[], body);
        assert_eq!(r.status, 400, "{ctype} {body:?}");
    }
    let r = post(
        addr,
        PB,
        &[("Content-Encoding", "gzip")],
        b"not gzip at all",
    );
    assert_eq!(r.status, 400);
    let r = post(addr, JSON, &[], br#"{"resourceSpans": "x"}"#);
    assert_eq!(r.status, 400);
    let status: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(status["code"], 3);
    assert_eq!(
        post(addr, PB, &[], &genai_request(9, 1).encode_to_vec()).status,
        200
    );
    assert_eq!(recorded(&record).len(), 1);
}

#[test]
fn an_empty_request_is_a_200_with_nothing_recorded() {
    let (h, _dir, record) = start(|_| {});
    let r = post(h.addr(), PB, &[], b"");
    assert_eq!(r.status, 200);
    assert!(recorded(&record).is_empty());
}

#[test]
fn invalid_spans_are_a_partial_success() {
    let (h, _dir, record) = start(|_| {});
    let mut req = genai_request(5, 3);
    req.resource_spans[0].scope_spans[0].spans[1].span_id = vec![1, 2];
    let r = post(h.addr(), PB, &[], &req.encode_to_vec());
    assert_eq!(r.status, 200);
    let ps = ExportTraceServiceResponse::decode(r.body.as_slice())
        .unwrap()
        .partial_success
        .unwrap();
    assert_eq!(ps.rejected_spans, 1);
    assert!(!ps.error_message.is_empty());
    let file = recorded(&record);
    assert_eq!(span_ids(&file[0]).len(), 2);
}

#[test]
fn oversize_and_gzip_bomb_get_413() {
    let (h, _dir, record) = start(|c| c.max_body = 64 << 10);
    let addr = h.addr();
    let big = vec![b' '; 100 << 10];
    assert_eq!(post(addr, JSON, &[], &big).status, 413);
    // 8 MiB of zeros packs into a few KiB: under the limit on the wire, far past it inflated.
    let bomb = gzip(&vec![0u8; 8 << 20]);
    assert!(bomb.len() < 64 << 10);
    let t0 = std::time::Instant::now();
    let r = post(addr, PB, &[("Content-Encoding", "gzip")], &bomb);
    assert_eq!(r.status, 413);
    assert!(t0.elapsed() < Duration::from_secs(5));
    assert_eq!(
        post(addr, PB, &[], &genai_request(1, 2).encode_to_vec()).status,
        200
    );
    assert_eq!(recorded(&record).len(), 1);
}

#[test]
fn wrong_or_missing_token_gets_401() {
    let (h, _dir, record) = start(|c| c.token = Some("s3cret".into()));
    let addr = h.addr();
    let body = genai_request(1, 1).encode_to_vec();
    assert_eq!(post(addr, PB, &[], &body).status, 401);
    let r = post(addr, PB, &[("Authorization", "Bearer s3creT")], &body);
    assert_eq!(r.status, 401);
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    assert_eq!(
        post(addr, PB, &[("Authorization", "Bearer s3cret")], &body).status,
        200
    );
    assert_eq!(recorded(&record).len(), 1);
}

#[test]
fn full_queue_gets_429_with_retry_after() {
    let (mut h, _dir, record) = start(|c| {
        c.queue = 2;
        c.retry_after = Duration::from_secs(3);
    });
    let lines = h.take_lines().unwrap();
    let addr = h.addr();
    let body = genai_request(1, 1).encode_to_vec();
    assert_eq!(post(addr, PB, &[], &body).status, 200);
    assert_eq!(post(addr, PB, &[], &body).status, 200);
    let r = post(addr, PB, &[], &body);
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("3"));
    let r = post(addr, JSON, &[], &json_body(1, 1));
    assert_eq!(r.status, 429);
    // A refused request is not in the recording, so the client's retry records it once.
    assert_eq!(recorded(&record).len(), 2);
    lines.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(post(addr, PB, &[], &body).status, 200);
    assert_eq!(recorded(&record).len(), 3);
}

#[test]
fn other_routes_methods_and_types() {
    let (h, _dir, _record) = start(|_| {});
    let addr = h.addr();
    assert_eq!(post(addr, "text/plain", &[], b"x").status, 415);
    assert_eq!(
        post(addr, PB, &[("Content-Encoding", "br")], b"x").status,
        415
    );
    assert_eq!(
        request(addr, "GET", "/v1/traces", &[], b"").unwrap().status,
        405
    );
    assert_eq!(
        request(addr, "POST", "/v1/logs", &[], b"").unwrap().status,
        404
    );
    assert_eq!(request(addr, "GET", "/", &[], b"").unwrap().status, 404);
}

#[test]
fn stopping_frees_the_port_and_ends_the_queue() {
    let (mut h, _dir, _record) = start(|_| {});
    let lines = h.take_lines().unwrap();
    let addr = h.addr();
    assert!(
        std::net::TcpListener::bind(addr).is_err(),
        "{addr} bound twice"
    );
    h.stop();
    assert!(lines.recv().is_none());
    // The port is free: it can be bound again. (Connecting to it was the old check, but a
    // connection to a closed port in the ephemeral range can pick that same port as its own
    // source and connect to itself, which failed CI once.)
    assert!(
        std::net::TcpListener::bind(addr).is_ok(),
        "{addr} still bound"
    );
}

/// `trace-tui serve`: prints where it listens and records, then one line per accepted request.
#[test]
fn the_serve_command_reports_and_records() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("cli.jsonl");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_trace-tui"))
        .args(["serve", "--listen", "127.0.0.1:0", "--record"])
        .arg(&record)
        .env("TRACE_TUI_OTLP_TOKEN", "tok")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    err.read_line(&mut first).unwrap();
    let addr: std::net::SocketAddr = first
        .split("http://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address in {first:?}"));
    assert!(first.contains("bearer token required"), "{first}");
    let body = genai_request(1, 3).encode_to_vec();
    assert_eq!(post(addr, PB, &[], &body).status, 401);
    assert_eq!(
        post(addr, PB, &[("Authorization", "Bearer tok")], &body).status,
        200
    );
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        line.trim(),
        "request 1: 3 spans in 1 traces (total 3 spans)"
    );
    assert_eq!(span_ids(&recorded(&record)[0]).len(), 3);
}
